//! The same rules as a ValidatingAdmissionPolicy and its binding, or as
//! Kyverno ClusterPolicies: matched kinds, operations, and the team's
//! namespaces (by the immutable `kubernetes.io/metadata.name` label).

#[allow(clippy::wildcard_imports)]
use super::*;

fn operations() -> Vec<String> {
    vec!["CREATE".into(), "UPDATE".into()]
}

fn name(team: &TeamPlan) -> String {
    format!("esogen-{}", team.name)
}

fn namespaces_selector(team: &TeamPlan) -> LabelSelector {
    // `kubernetes.io/metadata.name` is set by the API server and cannot be
    // changed, unlike labels a namespace editor controls.
    LabelSelector {
        match_labels: BTreeMap::default(),
        match_expressions: vec![SelectorRequirement {
            key: "kubernetes.io/metadata.name".into(),
            operator: "In",
            values: team.namespaces.iter().map(|n| n.to_string()).collect(),
        }],
    }
}

/// The ValidatingAdmissionPolicy and its binding for one team.
pub fn vap(
    t: &TeamStore,
    scope: Scope<'_>,
) -> (ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding) {
    let meta = || ObjectMeta {
        name: name(t.team),
        labels: managed_labels(),
        ..ObjectMeta::default()
    };
    let mut by_group: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (group, _, resource) in matched_kinds(t, scope) {
        by_group.entry(group).or_default().push(resource.to_owned());
    }
    let policy = ValidatingAdmissionPolicy {
        api_version: "admissionregistration.k8s.io/v1",
        kind: "ValidatingAdmissionPolicy",
        metadata: meta(),
        spec: VapSpec {
            failure_policy: "Fail",
            match_constraints: MatchResources {
                namespace_selector: None,
                resource_rules: by_group
                    .into_iter()
                    .map(|(group, resources)| ResourceRule {
                        api_groups: vec![group.to_owned()],
                        api_versions: vec!["*".into()],
                        operations: operations(),
                        resources,
                    })
                    .collect(),
            },
            validations: rules(t, scope)
                .into_iter()
                .map(|r| Validation {
                    expression: r.expression,
                    message: r.message,
                    reason: "Forbidden",
                })
                .collect(),
        },
    };
    let binding = ValidatingAdmissionPolicyBinding {
        api_version: "admissionregistration.k8s.io/v1",
        kind: "ValidatingAdmissionPolicyBinding",
        metadata: meta(),
        spec: VapBindingSpec {
            policy_name: name(t.team),
            validation_actions: vec!["Deny"],
            match_resources: MatchResources {
                namespace_selector: Some(namespaces_selector(t.team)),
                resource_rules: Vec::new(),
            },
        },
    };
    (policy, binding)
}

fn cluster_policy(
    name: String,
    background: bool,
    rule: &str,
    kinds: Vec<String>,
    t: &TeamStore,
    rules: Vec<Rule>,
) -> ClusterPolicy {
    ClusterPolicy {
        api_version: "kyverno.io/v1",
        kind: "ClusterPolicy",
        metadata: ObjectMeta {
            name,
            labels: managed_labels(),
            ..ObjectMeta::default()
        },
        spec: ClusterPolicySpec {
            background,
            rules: vec![KyvernoRule {
                name: rule.into(),
                matcher: KyvernoMatch {
                    any: vec![KyvernoResourceFilter {
                        resources: KyvernoResources {
                            kinds,
                            namespaces: t.team.namespaces.iter().map(|n| n.to_string()).collect(),
                            operations: operations(),
                        },
                    }],
                },
                validate: KyvernoValidate {
                    failure_action: "Enforce",
                    cel: KyvernoCel {
                        expressions: rules
                            .into_iter()
                            .map(|r| KyvernoExpression {
                                expression: r.expression,
                                message: r.message,
                            })
                            .collect(),
                    },
                },
            }],
        },
    }
}

/// The Kyverno ClusterPolicies for one team, with the VAP's expressions:
/// `esogen-<team>` holds every rule on the object (background scans report
/// existing objects too); `esogen-<team>-store-writers`, when SecretStore
/// writers are checked, holds the rule that reads `request.userInfo`, which
/// exists only at admission: Kyverno requires `background: false` for it.
pub fn kyverno(t: &TeamStore, scope: Scope<'_>) -> Vec<ClusterPolicy> {
    let (on_request, on_object): (Vec<Rule>, Vec<Rule>) =
        rules(t, scope).into_iter().partition(|r| r.reads_request);
    let kinds = matched_kinds(t, scope)
        .into_iter()
        .map(|(group, kind, _)| format!("{group}/*/{kind}"))
        .collect();
    let mut out = vec![cluster_policy(
        name(t.team),
        true,
        "team-prefix-and-store",
        kinds,
        t,
        on_object,
    )];
    if !on_request.is_empty() {
        out.push(cluster_policy(
            format!("{}-store-writers", name(t.team)),
            false,
            "store-writers",
            vec!["external-secrets.io/*/SecretStore".into()],
            t,
            on_request,
        ));
    }
    out
}
