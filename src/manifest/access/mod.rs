//! Provider-side objects that a Kubernetes controller reconciles into the
//! cloud or Vault: IAM roles, bindings, identities, Vault policies. Each
//! controller family's kinds are typed in its own module; they meet here as
//! [`AccessObject`]s, the one shape the tree, the GitOps objects and the
//! admission rules need.

pub mod ack;
pub mod aso;
pub mod config_connector;
pub mod crossplane;
pub mod vault_config_operator;

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

/// The namespaced kinds that grant provider-side access (cloud IAM, Vault
/// policies and roles): platform-owned, so tenants may never create or
/// change them in their namespaces, whatever this cluster's delivery. Each
/// is `(group, kind, resource)`; the CRDs esogen validates against are in
/// `shared/crds/`, the rest from the controllers' published API references.
pub const ACCESS_KINDS: &[(&str, &str, &str)] = &[
    // AWS: ACK IAM controller.
    ("iam.services.k8s.aws", "Role", "roles"),
    ("iam.services.k8s.aws", "Policy", "policies"),
    ("iam.services.k8s.aws", "User", "users"),
    ("iam.services.k8s.aws", "Group", "groups"),
    (
        "iam.services.k8s.aws",
        "OpenIDConnectProvider",
        "openidconnectproviders",
    ),
    (
        "iam.services.k8s.aws",
        "InstanceProfile",
        "instanceprofiles",
    ),
    // GCP: Config Connector IAM.
    (
        "iam.cnrm.cloud.google.com",
        "IAMPolicyMember",
        "iampolicymembers",
    ),
    (
        "iam.cnrm.cloud.google.com",
        "IAMPartialPolicy",
        "iampartialpolicies",
    ),
    ("iam.cnrm.cloud.google.com", "IAMPolicy", "iampolicies"),
    (
        "iam.cnrm.cloud.google.com",
        "IAMServiceAccount",
        "iamserviceaccounts",
    ),
    (
        "iam.cnrm.cloud.google.com",
        "IAMServiceAccountKey",
        "iamserviceaccountkeys",
    ),
    (
        "iam.cnrm.cloud.google.com",
        "IAMCustomRole",
        "iamcustomroles",
    ),
    // Azure Service Operator: identities and role assignments.
    (
        "managedidentity.azure.com",
        "UserAssignedIdentity",
        "userassignedidentities",
    ),
    (
        "managedidentity.azure.com",
        "FederatedIdentityCredential",
        "federatedidentitycredentials",
    ),
    (
        "authorization.azure.com",
        "RoleAssignment",
        "roleassignments",
    ),
    (
        "authorization.azure.com",
        "RoleDefinition",
        "roledefinitions",
    ),
    // vault-config-operator.
    ("redhatcop.redhat.io", "Policy", "policies"),
    (
        "redhatcop.redhat.io",
        "KubernetesAuthEngineRole",
        "kubernetesauthengineroles",
    ),
    (
        "redhatcop.redhat.io",
        "KubernetesAuthEngineConfig",
        "kubernetesauthengineconfigs",
    ),
    (
        "redhatcop.redhat.io",
        "SecretEngineMount",
        "secretenginemounts",
    ),
    ("redhatcop.redhat.io", "AuthEngineMount", "authenginemounts"),
    // Crossplane v2's namespaced variants of the AWS and Vault providers
    // (the v1 kinds esogen writes are cluster-scoped: out of a tenant's
    // reach by RBAC alone).
    ("iam.aws.m.upbound.io", "Role", "roles"),
    ("iam.aws.m.upbound.io", "RolePolicy", "rolepolicies"),
    ("iam.aws.m.upbound.io", "Policy", "policies"),
    (
        "iam.aws.m.upbound.io",
        "RolePolicyAttachment",
        "rolepolicyattachments",
    ),
    ("vault.vault.m.upbound.io", "Policy", "policies"),
    (
        "kubernetes.vault.m.upbound.io",
        "AuthBackendRole",
        "authbackendroles",
    ),
];

/// The groups of [`ACCESS_KINDS`], each once, sorted.
pub fn access_groups() -> Vec<&'static str> {
    let mut out: Vec<&str> = ACCESS_KINDS.iter().map(|(g, _, _)| *g).collect();
    out.sort_unstable();
    out.dedup();
    out
}
