//! Core Kubernetes objects.

use std::collections::BTreeMap;

use serde::Serialize;

/// `metadata` of an object; only the fields esogen sets.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// Object name.
    pub name: String,
    /// Namespace; omitted in bases, where the overlay's `namespace:` sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Labels.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// `v1/ServiceAccount`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccount {
    /// Always `v1`.
    pub api_version: &'static str,
    /// Always `ServiceAccount`.
    pub kind: &'static str,
    /// Metadata.
    pub metadata: ObjectMeta,
}

impl ServiceAccount {
    /// A ServiceAccount with the given metadata.
    pub fn new(metadata: ObjectMeta) -> Self {
        Self {
            api_version: "v1",
            kind: "ServiceAccount",
            metadata,
        }
    }
}
