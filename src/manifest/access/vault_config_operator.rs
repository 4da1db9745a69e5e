//! The Red Hat Community of Practice vault-config-operator
//! (`redhatcop.redhat.io/v1alpha1`, namespaced): `Policy` writes an ACL
//! policy to `sys/policies/acl/<spec.name>`, `KubernetesAuthEngineRole`
//! writes `auth/<spec.path>/role/<spec.name>`. Both log in to Vault
//! themselves, as `spec.authentication` says, with a token of a
//! ServiceAccount in the object's own namespace.
//!
//! Behaviour relied on (redhat-cop/vault-config-operator, `api/v1alpha1`):
//! `GetPath` of both kinds uses `spec.name` when set, else `metadata.name`
//! (`policy_types.go`, `kubernetesauthenginerole_types.go`); the role's
//! payload (`VRole.toMap`) is exactly `bound_service_account_names` from
//! `targetServiceAccounts`, `bound_service_account_namespaces` from the
//! `targetNamespaces` list, `audience`, `token_policies` from `policies`,
//! `token_ttl` from `tokenTTL` (seconds), and the remaining token settings
//! at Vault's own defaults (`token_max_ttl` 0, `token_type` `default`,
//! `alias_name_source` `serviceaccount_uid`, no bound CIDRs); both kinds
//! are deletable (`IsDeletable`), so deleting the object deletes the policy
//! or role in Vault, which offboarding relies on; with `spec.connection`
//! set, the client starts from the Vault environment variables and only
//! the address is replaced (`utils/commons.go`, `getConnectionConfig`).
//! A policy holding `${auth/<mount>/@accessor}` would be rewritten by the
//! operator (`PrepareInternalValues`); esogen's policies cannot hold `$`
//! (prefixes and mounts refuse it).

use serde::Serialize;

/// The API version of the operator's kinds.
pub const API_VERSION: &str = "redhatcop.redhat.io/v1alpha1";

/// `spec.authentication`: how the operator logs in to Vault for this
/// object (`vault write [<namespace>/]auth/<path>/login role=<role>
/// jwt=<token of serviceAccount>`).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Authentication {
    /// Where the Kubernetes auth method the operator logs in at is mounted.
    pub path: String,
    /// The Vault role the operator logs in with.
    pub role: String,
    /// The ServiceAccount, in the object's namespace, whose token it uses.
    pub service_account: LocalObjectReference,
    /// The Vault Enterprise / OpenBao namespace of every operation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// A reference by name to an object in the same namespace.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct LocalObjectReference {
    /// Its name.
    pub name: String,
}

/// `spec.connection`: which Vault the operator writes to (it keeps its
/// environment's TLS settings, `VAULT_CACERT` and the like).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Connection {
    /// The Vault address.
    pub address: String,
}

/// `Policy.spec`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct PolicySpec {
    /// How the operator logs in.
    pub authentication: Authentication,
    /// Which Vault.
    pub connection: Connection,
    /// The policy's name in Vault (instead of `metadata.name`).
    pub name: String,
    /// Always `acl`: the policy goes to `sys/policies/acl/<name>`, where
    /// `vault policy write` puts it.
    #[serde(rename = "type")]
    pub ty: &'static str,
    /// The policy, in HCL.
    pub policy: String,
}

/// `KubernetesAuthEngineRole.spec`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct KubernetesAuthEngineRoleSpec {
    /// How the operator logs in.
    pub authentication: Authentication,
    /// Which Vault.
    pub connection: Connection,
    /// The mount of the Kubernetes auth method the role is created in.
    pub path: String,
    /// The role's name in Vault (instead of `metadata.name`).
    pub name: String,
    /// `bound_service_account_names`.
    pub target_service_accounts: Vec<String>,
    /// `bound_service_account_namespaces`, as a fixed list.
    pub target_namespaces: TargetNamespaces,
    /// `token_policies`.
    pub policies: Vec<String>,
    /// `audience`.
    pub audience: String,
    /// `token_ttl`, in seconds.
    #[serde(rename = "tokenTTL")]
    pub token_ttl: u64,
}

/// `spec.targetNamespaces`: a fixed list, never a label selector (which
/// would follow whatever namespaces carry a label).
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct TargetNamespaces {
    /// The namespaces.
    pub target_namespaces: Vec<String>,
}
