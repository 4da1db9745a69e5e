//! Provider-side objects that a Kubernetes controller reconciles into the
//! cloud or Vault: IAM roles, bindings, identities, Vault policies. Each
//! controller family's kinds are typed in its own module; they meet here as
//! [`AccessObject`]s, the one shape the tree, the GitOps objects and the
//! admission rules need.

pub mod ack;

use serde::Serialize;

use super::k8s::ObjectMeta;

/// A controller's object: typed spec, serialized once.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessObject {
    /// `group/version`.
    pub api_version: &'static str,
    /// The kind.
    pub kind: &'static str,
    /// Metadata; the namespace is the platform's access namespace for
    /// namespaced kinds and absent for cluster-scoped ones.
    pub metadata: ObjectMeta,
    /// The spec, serialized from the family's typed struct.
    pub spec: serde_json::Value,
}

impl AccessObject {
    /// An object of `kind` with the typed `spec`.
    pub fn new<S: Serialize>(
        api_version: &'static str,
        kind: &'static str,
        metadata: ObjectMeta,
        spec: &S,
    ) -> Self {
        Self {
            api_version,
            kind,
            metadata,
            // Specs are structs of strings, lists and maps with string
            // keys: serializing them cannot fail.
            spec: serde_json::to_value(spec).unwrap_or(serde_json::Value::Null),
        }
    }

    /// The API group.
    pub fn group(&self) -> &'static str {
        self.api_version
            .rsplit_once('/')
            .map_or("", |(group, _)| group)
    }
}

/// The API groups whose objects grant provider-side access: platform-owned,
/// so tenants may never create or change them in their namespaces, whatever
/// this cluster's delivery. Each is listed with its resources (plural) and
/// the kinds esogen generates in it.
pub const ACCESS_GROUPS: &[&str] = &[
    // AWS: ACK IAM controller.
    "iam.services.k8s.aws",
    // GCP: Config Connector IAM.
    "iam.cnrm.cloud.google.com",
    // Azure Service Operator: identities and role assignments.
    "managedidentity.azure.com",
    "authorization.azure.com",
    // vault-config-operator.
    "redhatcop.redhat.io",
    // Crossplane v2's namespaced variants of the AWS and Vault providers.
    "iam.aws.m.upbound.io",
    "vault.vault.m.upbound.io",
    "kubernetes.vault.m.upbound.io",
];
