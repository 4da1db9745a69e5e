//! Azure Service Operator v2: `FederatedIdentityCredential`
//! (`managedidentity.azure.com/v1api20230131`, namespaced). The credential
//! is a child of an existing user-assigned managed identity, named by its
//! ARM id: esogen references the identity, never creates it (its client id
//! is an input the ServiceAccount annotation carries, and Azure picks a
//! client id only when it creates an identity).
//!
//! No `RoleAssignment` is generated: the assignments esogen writes use its
//! custom role, and ASO's `RoleDefinition` kind is not among the CRDs
//! esogen validates against, so the Azure provider refuses the delivery for
//! stores that need one (see `provider::azure::access`).

use serde::Serialize;

/// The API version of the managed identity kinds.
pub const MANAGED_IDENTITY_API: &str = "managedidentity.azure.com/v1api20230131";
/// The annotation saying what ASO does with the Azure resource. ASO's
/// guide (azure.github.io/azure-service-operator/guide/annotations):
/// `manage` "performs all actions as normal" (PUT, and DELETE when the
/// object is deleted), `skip` never writes or deletes, `detach-on-delete`
/// never deletes; unknown values mean `manage`. esogen writes `manage`
/// explicitly, so a pruned object deletes the credential in Azure.
pub const RECONCILE_POLICY: &str = "serviceoperator.azure.com/reconcile-policy";
/// The reconcile policy esogen sets, explicitly.
pub const MANAGE: &str = "manage";

/// `FederatedIdentityCredential.spec`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct FederatedIdentityCredentialSpec {
    /// The credential's name in Azure.
    pub azure_name: String,
    /// The managed identity it belongs to.
    pub owner: ArmOwner,
    /// The cluster's OIDC issuer URL.
    pub issuer: String,
    /// `system:serviceaccount:<ns>:<sa>`.
    pub subject: String,
    /// Token audiences.
    pub audiences: Vec<String>,
}

/// An owner named by its ARM resource id (not by a Kubernetes object). The
/// CRD: the owner "controls where the resource goes when it is deployed"
/// and is "expected to be a reference to a
/// managedidentity.azure.com/UserAssignedIdentity resource"; `armId` names
/// one ASO does not manage, so ASO never writes or deletes the identity.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ArmOwner {
    /// `/subscriptions/.../providers/...`.
    pub arm_id: String,
}
