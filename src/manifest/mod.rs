//! Typed objects esogen emits: Kubernetes and ESO resources, Kustomize files
//! and provider policies. Consumes a `Plan`; `build` produces `Artifact`s
//! (a relative path plus typed content) that `render` serializes.

pub mod build;
pub mod eso;
pub mod iam;
pub mod k8s;
pub mod kustomize;
pub mod policy;

use serde::Serialize;

/// One Kubernetes-style object in a YAML file.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum Object {
    /// `v1/ServiceAccount`.
    ServiceAccount(k8s::ServiceAccount),
    /// `SecretStore` or `ClusterSecretStore`.
    SecretStore(Box<eso::SecretStore>),
    /// `ExternalSecret`.
    ExternalSecret(Box<eso::ExternalSecret>),
    /// `PushSecret`.
    PushSecret(Box<eso::PushSecret>),
    /// `kustomization.yaml`.
    Kustomization(kustomize::Kustomization),
    /// A computed object: a Kustomize base shape or patch, derived from the
    /// typed objects above.
    Derived(serde_json::Value),
}

/// The content of one generated file.
#[derive(Debug, Clone)]
pub enum Content {
    /// One or more YAML documents.
    Yaml(Vec<Object>),
    /// A provider-side policy document.
    Policy(policy::PolicyDocument),
}

/// One file to generate.
#[derive(Debug, Clone)]
pub struct Artifact {
    /// Path relative to the output root, `/`-separated.
    pub path: String,
    /// Why the file looks the way it does, in one line (shown as a comment
    /// where the format allows one).
    pub reason: Option<String>,
    /// What goes in it.
    pub content: Content,
}
