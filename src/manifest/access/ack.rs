//! AWS Controllers for Kubernetes, IAM controller: `Role`
//! (`iam.services.k8s.aws/v1alpha1`, namespaced). The role's trust policy
//! and its inline permission policy are JSON strings in the spec, exactly
//! as `aws iam create-role` and `put-role-policy` take them.

use std::collections::BTreeMap;

use serde::Serialize;

/// The API version of the IAM controller's kinds.
pub const API_VERSION: &str = "iam.services.k8s.aws/v1alpha1";
/// The annotation saying what ACK does with the IAM role when the object is
/// deleted: `delete` revokes the access when a team leaves.
pub const DELETION_POLICY: &str = "services.k8s.aws/deletion-policy";

/// `Role.spec`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RoleSpec {
    /// The IAM role's name.
    pub name: String,
    /// What the role is for.
    pub description: String,
    /// The trust policy, as a JSON string.
    pub assume_role_policy_document: String,
    /// Inline policies by name, each a JSON string.
    pub inline_policies: BTreeMap<String, String>,
    /// Tags.
    pub tags: Vec<Tag>,
}

/// An IAM tag.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Tag {
    /// Key.
    pub key: String,
    /// Value.
    pub value: String,
}
