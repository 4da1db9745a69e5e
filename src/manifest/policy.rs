//! Provider-side policy documents: typed, serialized by `render`.

use serde::Serialize;

use super::iam;

/// One provider-side document.
#[derive(Debug, Clone)]
pub enum PolicyDocument {
    /// AWS IAM JSON (permission or trust policy).
    Iam(iam::PolicyDocument),
    /// GCP IAM bindings (JSON).
    GcpBindings(GcpBindings),
    /// Azure federated identity credential (JSON for `az ... federated-credential create --parameters`).
    AzureFederatedCredential(AzureFederatedCredential),
    /// Azure role assignments (JSON, the arguments of `az role assignment create`).
    AzureRoleAssignments(AzureRoleAssignments),
    /// A Vault / OpenBao ACL policy (HCL).
    VaultPolicy(VaultPolicy),
    /// A Vault / OpenBao Kubernetes auth role (JSON for `vault write auth/<mount>/role/<name> @file`).
    VaultRole(VaultRole),
}

/// GCP IAM bindings to add, each on one resource.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GcpBindings {
    /// Says the document is generated (JSON has no comments).
    pub comment: String,
    /// Project custom roles the bindings use, to create first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<GcpCustomRole>,
    /// Secrets a platform administrator creates before the first push: the
    /// store's identity may not create secrets itself.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub precreate: Vec<GcpPrecreate>,
    /// The bindings.
    pub bindings: Vec<GcpBinding>,
}

/// A secret to create before the first push, with ESO's label.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GcpPrecreate {
    /// Secret id.
    pub secret: String,
    /// The gcloud command that creates it.
    pub command: Vec<String>,
}

/// A project-level custom role: exactly the permissions ESO's calls need.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GcpCustomRole {
    /// Full role name, `projects/<project>/roles/<id>`.
    pub name: String,
    /// The permissions.
    pub permissions: Vec<String>,
    /// The gcloud command that creates it.
    pub command: Vec<String>,
}

/// One GCP IAM binding.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GcpBinding {
    /// Resource the binding is added to, such as `projects/my-project`.
    pub resource: String,
    /// Role, such as `roles/secretmanager.secretAccessor`.
    pub role: String,
    /// Members, such as `serviceAccount:eso@p.iam.gserviceaccount.com`.
    pub members: Vec<String>,
    /// IAM condition limiting the binding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<GcpCondition>,
    /// The gcloud command that adds this binding.
    pub command: Vec<String>,
}

/// A GCP IAM condition (CEL).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct GcpCondition {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// CEL expression.
    pub expression: String,
}

/// An Azure federated identity credential.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AzureFederatedCredential {
    /// Credential name.
    pub name: String,
    /// The cluster's OIDC issuer URL.
    pub issuer: String,
    /// `system:serviceaccount:<ns>:<sa>`.
    pub subject: String,
    /// Generated marker and purpose.
    pub description: String,
    /// Always `api://AzureADTokenExchange`.
    pub audiences: Vec<String>,
}

/// Azure role assignments to create.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AzureRoleAssignments {
    /// Says the document is generated.
    pub comment: String,
    /// Custom roles the assignments use, to create first.
    pub role_definitions: Vec<AzureRoleDefinition>,
    /// The assignments.
    pub assignments: Vec<AzureRoleAssignment>,
}

/// A custom Azure role holding exactly the Key Vault data actions ESO's
/// calls need: the built-in roles hold more (Secrets User can list every
/// name; Secrets Officer can delete, purge and restore).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AzureRoleDefinition {
    /// Role name.
    pub name: String,
    /// Key Vault data actions.
    pub data_actions: Vec<String>,
    /// Where it may be assigned (the resource group of the vaults).
    pub assignable_scopes: Vec<String>,
    /// The az command that creates it.
    pub command: Vec<String>,
}

/// The document `az role definition create --role-definition` takes.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct AzureRoleDefinitionInput {
    /// Role name.
    pub name: String,
    /// What it is for.
    pub description: String,
    /// Control-plane actions: none.
    pub actions: Vec<String>,
    /// Data actions.
    pub data_actions: Vec<String>,
    /// Assignable scopes.
    pub assignable_scopes: Vec<String>,
}

/// One Azure role assignment.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AzureRoleAssignment {
    /// Built-in role name.
    pub role: String,
    /// The workload identity's client id.
    pub assignee: String,
    /// Resource id of the Key Vault.
    pub scope: String,
    /// The az command that creates it.
    pub command: Vec<String>,
}

/// A Vault ACL policy: path rules.
#[derive(Debug, Clone, PartialEq)]
pub struct VaultPolicy {
    /// Comment lines at the top.
    pub comments: Vec<String>,
    /// Rules, in order.
    pub rules: Vec<VaultPathRule>,
}

/// `path "<path>" { capabilities = [...] }`.
#[derive(Debug, Clone, PartialEq)]
pub struct VaultPathRule {
    /// The API path, possibly ending in `*` (a prefix glob).
    pub path: String,
    /// Capabilities such as `read`, `list`.
    pub capabilities: Vec<&'static str>,
}

/// A Vault Kubernetes auth role.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct VaultRole {
    /// ServiceAccounts allowed to log in.
    pub bound_service_account_names: Vec<String>,
    /// Their namespaces.
    pub bound_service_account_namespaces: Vec<String>,
    /// Required token audience (Vault 1.21+ rejects roles without one).
    pub audience: String,
    /// Policies attached to issued tokens.
    pub token_policies: Vec<String>,
    /// Token lifetime.
    pub token_ttl: String,
}
