//! Typed objects esogen emits: Kubernetes and ESO resources, Kustomize files
//! and provider policies. Consumes a `Plan`; `build` produces `Artifact`s
//! (a relative path plus typed content) that `render` serializes.

pub mod access;
pub mod admission;
pub mod build;
pub mod eso;
pub mod gitops;
pub mod iam;
pub mod k8s;
pub mod kustomize;
pub mod platform;
pub mod policy;
pub mod store_schema;
pub mod terraform;

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
    /// A NetworkPolicy.
    NetworkPolicy(Box<k8s::NetworkPolicy>),
    /// A Role.
    Role(Box<k8s::Role>),
    /// A RoleBinding.
    RoleBinding(Box<k8s::RoleBinding>),
    /// A ValidatingAdmissionPolicy.
    Vap(Box<k8s::ValidatingAdmissionPolicy>),
    /// A ValidatingAdmissionPolicyBinding.
    VapBinding(Box<k8s::ValidatingAdmissionPolicyBinding>),
    /// An Argo CD AppProject.
    AppProject(Box<gitops::AppProject>),
    /// An Argo CD Application.
    Application(Box<gitops::Application>),
    /// An Argo CD ApplicationSet.
    ApplicationSet(Box<gitops::ApplicationSet>),
    /// A Flux GitRepository.
    GitRepository(Box<gitops::GitRepository>),
    /// A Flux Kustomization.
    FluxKustomization(Box<gitops::FluxKustomization>),
    /// A Kyverno ClusterPolicy.
    ClusterPolicy(Box<gitops::ClusterPolicy>),
    /// A provider-side object a controller reconciles (`bases/access/`).
    Access(Box<access::AccessObject>),
    /// Helm values (not a Kubernetes object).
    HelmValues(Box<gitops::EsoValues>),
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
    /// A Terraform JSON file.
    Terraform(terraform::TfFile),
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
