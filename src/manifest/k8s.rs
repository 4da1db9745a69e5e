//! Core Kubernetes objects.

use std::collections::BTreeMap;

use serde::Serialize;

/// `metadata` of an object; only the fields esogen sets.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// Object name.
    pub name: String,
    /// Namespace; omitted in bases, where the overlay's `namespace:` sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Labels.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// `v1/ServiceAccount`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccount {
    /// Always `v1`.
    pub api_version: &'static str,
    /// Always `ServiceAccount`.
    pub kind: &'static str,
    /// Metadata.
    pub metadata: ObjectMeta,
}

impl ServiceAccount {
    /// A ServiceAccount with the given metadata.
    pub fn new(metadata: ObjectMeta) -> Self {
        Self {
            api_version: "v1",
            kind: "ServiceAccount",
            metadata,
        }
    }
}

/// A label selector.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    /// Exact labels.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub match_labels: BTreeMap<String, String>,
    /// Expressions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub match_expressions: Vec<SelectorRequirement>,
}

/// One selector expression.
#[derive(Debug, Clone, Serialize)]
pub struct SelectorRequirement {
    /// Label key.
    pub key: String,
    /// `In`, `NotIn`, `Exists`, `DoesNotExist`.
    pub operator: &'static str,
    /// Values.
    pub values: Vec<String>,
}

/// `networking.k8s.io/v1` NetworkPolicy.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicy {
    /// Always `networking.k8s.io/v1`.
    pub api_version: &'static str,
    /// Always `NetworkPolicy`.
    pub kind: &'static str,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: NetworkPolicySpec,
}

/// NetworkPolicy spec.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicySpec {
    /// Pods it applies to.
    pub pod_selector: LabelSelector,
    /// `Ingress`, `Egress`.
    pub policy_types: Vec<&'static str>,
    /// Allowed inbound traffic.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ingress: Vec<NetworkPolicyRule>,
    /// Allowed outbound traffic.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub egress: Vec<NetworkPolicyEgressRule>,
}

/// An ingress rule.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkPolicyRule {
    /// Sources; empty means any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub from: Vec<NetworkPolicyPeer>,
    /// Ports.
    pub ports: Vec<NetworkPolicyPort>,
}

/// An egress rule.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkPolicyEgressRule {
    /// Destinations; empty means any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub to: Vec<NetworkPolicyPeer>,
    /// Ports.
    pub ports: Vec<NetworkPolicyPort>,
}

/// A peer.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NetworkPolicyPeer {
    /// Namespaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
    /// Pods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_selector: Option<LabelSelector>,
    /// Addresses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ip_block: Option<IpBlock>,
}

/// An address range.
#[derive(Debug, Clone, Serialize)]
pub struct IpBlock {
    /// CIDR.
    pub cidr: String,
}

/// A port.
#[derive(Debug, Clone, Serialize)]
pub struct NetworkPolicyPort {
    /// `TCP` or `UDP`.
    pub protocol: &'static str,
    /// Port number.
    pub port: u16,
}

/// `rbac.authorization.k8s.io/v1` Role.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Role {
    /// Always `rbac.authorization.k8s.io/v1`.
    pub api_version: &'static str,
    /// Always `Role`.
    pub kind: &'static str,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Rules.
    pub rules: Vec<PolicyRule>,
}

/// One RBAC rule.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    /// API groups.
    pub api_groups: Vec<String>,
    /// Resources.
    pub resources: Vec<String>,
    /// Only these names, when set.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_names: Vec<String>,
    /// Verbs.
    pub verbs: Vec<String>,
}

/// `rbac.authorization.k8s.io/v1` RoleBinding.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleBinding {
    /// Always `rbac.authorization.k8s.io/v1`.
    pub api_version: &'static str,
    /// Always `RoleBinding`.
    pub kind: &'static str,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Who.
    pub subjects: Vec<Subject>,
    /// What.
    pub role_ref: RoleRef,
}

/// A RoleBinding subject.
#[derive(Debug, Clone, Serialize)]
pub struct Subject {
    /// Always `ServiceAccount` here.
    pub kind: &'static str,
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
}

/// A RoleBinding's role.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRef {
    /// Always `rbac.authorization.k8s.io`.
    pub api_group: &'static str,
    /// `Role` or `ClusterRole`.
    pub kind: &'static str,
    /// Name.
    pub name: String,
}

/// `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicy.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidatingAdmissionPolicy {
    /// Always `admissionregistration.k8s.io/v1`.
    pub api_version: &'static str,
    /// Always `ValidatingAdmissionPolicy`.
    pub kind: &'static str,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: VapSpec,
}

/// VAP spec.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VapSpec {
    /// Always `Fail`: an unevaluable request is refused.
    pub failure_policy: &'static str,
    /// Which requests.
    pub match_constraints: MatchResources,
    /// The rules.
    pub validations: Vec<Validation>,
}

/// Which requests a policy or binding matches.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct MatchResources {
    /// Namespaces.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_selector: Option<LabelSelector>,
    /// Resources.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resource_rules: Vec<ResourceRule>,
}

/// A resource rule.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResourceRule {
    /// API groups.
    pub api_groups: Vec<String>,
    /// API versions.
    pub api_versions: Vec<String>,
    /// Operations.
    pub operations: Vec<String>,
    /// Resources.
    pub resources: Vec<String>,
}

/// One CEL validation.
#[derive(Debug, Clone, Serialize)]
pub struct Validation {
    /// CEL expression over `object`.
    pub expression: String,
    /// Shown on denial.
    pub message: String,
    /// Always `Forbidden`.
    pub reason: &'static str,
}

/// `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicyBinding.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ValidatingAdmissionPolicyBinding {
    /// Always `admissionregistration.k8s.io/v1`.
    pub api_version: &'static str,
    /// Always `ValidatingAdmissionPolicyBinding`.
    pub kind: &'static str,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: VapBindingSpec,
}

/// Binding spec.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VapBindingSpec {
    /// The policy.
    pub policy_name: String,
    /// Always `[Deny]`.
    pub validation_actions: Vec<&'static str>,
    /// Where it applies.
    pub match_resources: MatchResources,
}
