//! `kustomization.yaml` (kustomize v5, `kustomize.config.k8s.io/v1beta1`).

use std::collections::BTreeMap;

use serde::Serialize;

/// A kustomization file.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Kustomization {
    /// Always `kustomize.config.k8s.io/v1beta1`.
    pub api_version: &'static str,
    /// Always `Kustomization`.
    pub kind: &'static str,
    /// Namespace set on every resource (overlays only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Files and directories to include.
    pub resources: Vec<String>,
    /// Patch files applied on top of `resources`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub patches: Vec<Patch>,
    /// Labels added to every resource.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<LabelSet>,
}

impl Kustomization {
    /// A kustomization with only resources.
    pub fn new(resources: Vec<String>) -> Self {
        Self {
            api_version: "kustomize.config.k8s.io/v1beta1",
            kind: "Kustomization",
            namespace: None,
            resources,
            patches: Vec::new(),
            labels: Vec::new(),
        }
    }
}

/// A strategic-merge patch file.
#[derive(Debug, Clone, Serialize)]
pub struct Patch {
    /// Path of the patch file, relative to the kustomization.
    pub path: String,
}

/// Labels to add (`labels:`), without touching selectors.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSet {
    /// The labels.
    pub pairs: BTreeMap<String, String>,
    /// Always false: selectors of other objects must not change.
    pub include_selectors: bool,
}
