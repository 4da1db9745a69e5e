//! Crossplane managed resources of the Upbound AWS provider
//! (`iam.aws.upbound.io/v1beta1`, cluster-scoped): `Role` and `RolePolicy`.
//! The provider is generated from Terraform's AWS provider (upjet): the
//! `crossplane.io/external-name` annotation is the IAM role's name for a
//! `Role`, and the inline policy's name for a `RolePolicy` (whose Terraform
//! id is `<role>:<external name>`).

use std::collections::BTreeMap;

use serde::Serialize;

/// The API version of the AWS provider's IAM kinds.
pub const AWS_IAM_API_VERSION: &str = "iam.aws.upbound.io/v1beta1";
/// The annotation naming the external resource.
pub const EXTERNAL_NAME: &str = "crossplane.io/external-name";

/// `spec` of a managed resource: what to create, and that deleting the
/// object deletes the resource (Crossplane's default, written out).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Managed<P> {
    /// Always `Delete`: pruning the object revokes the access.
    pub deletion_policy: &'static str,
    /// The resource's parameters.
    pub for_provider: P,
}

impl<P> Managed<P> {
    /// A managed resource deleted with its object.
    pub fn new(for_provider: P) -> Self {
        Self {
            deletion_policy: "Delete",
            for_provider,
        }
    }
}

/// `Role.spec.forProvider`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoleParameters {
    /// The trust policy, a JSON string.
    pub assume_role_policy: String,
    /// What the role is for.
    pub description: String,
    /// Tags.
    pub tags: BTreeMap<String, String>,
}

/// `RolePolicy.spec.forProvider`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RolePolicyParameters {
    /// The inline policy, a JSON string.
    pub policy: String,
    /// The `Role` object whose role gets the policy.
    pub role_ref: Reference,
}

/// A reference to another managed resource by object name.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Reference {
    /// The object's name.
    pub name: String,
}
