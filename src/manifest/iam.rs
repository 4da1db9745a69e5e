//! AWS IAM policy documents (JSON), for permission and trust policies.

use std::collections::BTreeMap;

use serde::Serialize;

/// JSON cannot carry a comment, so the policy `Id` marks the document as
/// generated.
pub const GENERATED_ID: &str = "esogen-generated-from-tenants-toml-do-not-edit";

/// The IAM policy language version; the only current one.
pub const POLICY_VERSION: &str = "2012-10-17";

/// A policy document.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyDocument {
    /// Always [`POLICY_VERSION`].
    pub version: &'static str,
    /// Policy identifier; esogen uses it to mark the document as generated,
    /// since JSON cannot carry a comment.
    pub id: String,
    /// Statements.
    pub statement: Vec<Statement>,
}

/// One statement.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Statement {
    /// Statement id (alphanumeric).
    pub sid: String,
    /// Always `Allow`: esogen grants the minimum rather than denying the rest.
    pub effect: &'static str,
    /// Principal (trust policies only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub principal: Option<Principal>,
    /// Actions.
    pub action: Vec<String>,
    /// Resource ARNs (permission policies only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource: Vec<String>,
    /// Condition operator → key → value(s).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub condition: Conditions,
}

/// Condition operator → key → value(s).
pub type Conditions = BTreeMap<String, BTreeMap<String, ConditionValue>>;

/// The value of one condition key: IAM takes a string or a list (any of
/// which may match).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(untagged)]
pub enum ConditionValue {
    /// One value.
    One(String),
    /// Several values, any of which may match.
    Any(Vec<String>),
}

impl ConditionValue {
    /// One value when the list has one, else the list.
    pub fn of(mut values: Vec<String>) -> Self {
        if values.len() == 1 {
            Self::One(values.remove(0))
        } else {
            Self::Any(values)
        }
    }
}

impl From<String> for ConditionValue {
    fn from(s: String) -> Self {
        Self::One(s)
    }
}

/// A federated principal (an OIDC provider).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "PascalCase")]
pub struct Principal {
    /// OIDC provider ARN.
    pub federated: String,
}
