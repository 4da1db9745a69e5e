//! Google Config Connector (`*.cnrm.cloud.google.com`): `IAMPolicyMember`
//! (one IAM binding: role, member, resource, optional IAM condition) and
//! `IAMServiceAccount` (a Google service account), both
//! `iam.cnrm.cloud.google.com/v1beta1` and namespaced.
//!
//! Config Connector needs the project of every object. An `IAMPolicyMember`
//! takes it from its `resourceRef`, written here in the external form of
//! the referenced kind (`projects/<id>` for a Project,
//! `projects/<id>/serviceAccounts/<email>` for a service account); an
//! `IAMServiceAccount` has no project field and takes it from the
//! `cnrm.cloud.google.com/project-id` annotation (without it, from its
//! namespace's annotation, which the ESO namespace does not carry).
//!
//! Every field of an `IAMPolicyMember` spec and the account id of an
//! `IAMServiceAccount` are immutable: the API server refuses to change
//! them. Their object names therefore carry them (a digest, or the account
//! id itself), so that a changed prefix condition or naming pattern is a
//! new object, created, and the old one pruned, which revokes it.

use serde::Serialize;

/// The API version of the IAM kinds.
pub const IAM_API_VERSION: &str = "iam.cnrm.cloud.google.com/v1beta1";
/// The API version of the `Project` kind, named by `resourceRef`.
pub const PROJECT_API_VERSION: &str = "resourcemanager.cnrm.cloud.google.com/v1beta1";
/// The annotation naming the project of a project-scoped object without a
/// project field.
pub const PROJECT_ID: &str = "cnrm.cloud.google.com/project-id";
/// What Config Connector does with the Google Cloud resource when the
/// object is deleted: `delete` (also its default, written out so that
/// pruning visibly revokes the access) or `abandon`.
pub const DELETION_POLICY: &str = "cnrm.cloud.google.com/deletion-policy";

/// `IAMPolicyMember.spec`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct PolicyMemberSpec {
    /// The IAM member, such as `serviceAccount:<email>`.
    pub member: String,
    /// The role, such as `roles/secretmanager.secretAccessor`.
    pub role: String,
    /// The resource whose IAM policy gets the binding.
    pub resource_ref: ResourceRef,
    /// The IAM condition, when the binding has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
}

impl PolicyMemberSpec {
    /// The first 8 hex digits of the SHA-1 of the spec's JSON, for the
    /// object's name: a different spec is a different object.
    pub fn digest(&self) -> String {
        use sha1::Digest as _;
        // A struct of strings: serializing cannot fail.
        let bytes = serde_json::to_vec(self).unwrap_or_default();
        sha1::Sha1::digest(&bytes)
            .iter()
            .take(4)
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// A reference to a resource not managed in this cluster, by its external
/// name.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRef {
    /// The referenced kind's API version.
    pub api_version: &'static str,
    /// The referenced kind, such as `Project`.
    pub kind: &'static str,
    /// Its external name, in that kind's IAM external reference format.
    pub external: String,
}

/// An IAM condition (CEL).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Condition {
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// CEL expression.
    pub expression: String,
}

/// `IAMServiceAccount.spec`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccountSpec {
    /// The account id (the e-mail's local part).
    #[serde(rename = "resourceID")]
    pub resource_id: String,
    /// Display name.
    pub display_name: String,
    /// What it is for.
    pub description: String,
}
