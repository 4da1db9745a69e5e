//! The platform side of the tree: the hardened ESO install
//! (`bases/eso/`), admission policies (`bases/admission/`), the
//! `bases/platform/` kustomization that bundles the cluster-wide parts, and
//! the Argo CD (`bases/argocd/`) or Flux (`bases/flux/`) objects that deliver
//! everything in order.

mod admission_files;
mod argocd;
mod flux;

pub use admission_files::AdmissionFiles;

use std::collections::{BTreeMap, BTreeSet};

use super::gitops::{EsoCrds, EsoRbac, EsoValues, managed_labels};
use super::k8s::{
    IpBlock, LabelSelector, NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyPeer,
    NetworkPolicyPort, NetworkPolicyRule, NetworkPolicySpec, ObjectMeta, PolicyRule, Role,
    RoleBinding, RoleRef, Subject,
};
use super::kustomize::Kustomization;
use super::{Artifact, Content, Object};
use crate::config::{GitOps, Platform};
use crate::plan::{ESO_SERVICE_ACCOUNT, Plan, StoreScope};

/// The ESO Helm chart repository.
pub const ESO_CHART_REPO: &str = "https://charts.external-secrets.io";
/// In-cluster API server address for Argo CD destinations.
pub const IN_CLUSTER: &str = "https://kubernetes.default.svc";
/// The Argo CD sync-wave annotation.
pub const SYNC_WAVE: &str = "argocd.argoproj.io/sync-wave";

/// Helm values: reconcilers and CRDs the config does not use are off, and
/// token creation is granted per ServiceAccount instead of cluster-wide.
/// Tenants get no write access to ESO kinds through the built-in `edit` and
/// `admin` roles: the GitOps controller applies what esogen generates, and
/// the admission policies check it. Keys and defaults checked against the
/// ESO v2.9.0 chart (`deploy/charts/external-secrets/values.yaml`,
/// `templates/rbac.yaml`).
pub fn eso_values(plan: &Plan) -> EsoValues {
    let cluster = plan.scope.scope == StoreScope::Cluster;
    let push = plan.uses_push();
    EsoValues {
        install_crds: true,
        crds: EsoCrds {
            create_cluster_secret_store: cluster,
            create_cluster_external_secret: false,
            create_cluster_push_secret: false,
            create_push_secret: push,
            create_secret_store: !cluster,
            create_cluster_generator: false,
        },
        process_cluster_store: cluster,
        process_cluster_external_secret: false,
        process_cluster_push_secret: false,
        process_push_secret: push,
        process_secret_store: !cluster,
        process_cluster_generator: false,
        rbac: EsoRbac {
            service_account_token_create: false,
            aggregate_to_edit: false,
            aggregate_to_admin: false,
        },
    }
}

/// The Role and RoleBinding letting ESO create tokens for exactly one
/// ServiceAccount (`resourceNames`), in that ServiceAccount's namespace;
/// `namespace` is `None` in a base, where the overlay sets it.
pub fn token_rbac(
    sa: &str,
    namespace: Option<String>,
    plan: &Plan,
    wave: Option<&str>,
) -> (Role, RoleBinding) {
    let name = format!("eso-token-{sa}");
    let meta = || ObjectMeta {
        name: name.clone(),
        namespace: namespace.clone(),
        labels: BTreeMap::new(),
        annotations: wave
            .map(|w| BTreeMap::from([(SYNC_WAVE.to_owned(), w.to_owned())]))
            .unwrap_or_default(),
    };
    (
        Role {
            api_version: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: meta(),
            rules: vec![PolicyRule {
                api_groups: vec![String::new()],
                resources: vec!["serviceaccounts/token".into()],
                resource_names: vec![sa.to_owned()],
                verbs: vec!["create".into()],
            }],
        },
        RoleBinding {
            api_version: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: meta(),
            subjects: vec![Subject {
                kind: "ServiceAccount",
                name: ESO_SERVICE_ACCOUNT.into(),
                namespace: plan.eso_namespace.to_string(),
            }],
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io",
                kind: "Role",
                name,
            },
        },
    )
}

fn port(protocol: &'static str, port: u16) -> NetworkPolicyPort {
    NetworkPolicyPort { protocol, port }
}

fn selector(pairs: &[(&str, &str)]) -> LabelSelector {
    LabelSelector {
        match_labels: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        match_expressions: Vec::new(),
    }
}

/// Egress to the cluster's DNS servers. A NetworkPolicy sees the pod's
/// own port, after the Service's: kube-dns / CoreDNS in `kube-system` on 53,
/// except on OpenShift, whose DNS operator runs CoreDNS in `openshift-dns`
/// on 5353 behind a Service on 53 (cluster-dns-operator
/// `assets/dns/daemonset.yaml`).
fn dns_egress(platform: Platform) -> NetworkPolicyEgressRule {
    let (namespace, pods, dns_port) = match platform {
        Platform::Openshift => ("openshift-dns", None, 5353),
        _ => (
            "kube-system",
            Some(selector(&[("k8s-app", "kube-dns")])),
            53,
        ),
    };
    NetworkPolicyEgressRule {
        to: vec![NetworkPolicyPeer {
            namespace_selector: Some(selector(&[("kubernetes.io/metadata.name", namespace)])),
            pod_selector: pods,
            ip_block: None,
        }],
        ports: vec![port("UDP", dns_port), port("TCP", dns_port)],
    }
}

/// NetworkPolicies for the ESO namespace: deny by default, then DNS, the
/// API server and provider endpoints out; metrics, health checks and the
/// webhook in.
pub fn network_policies(plan: &Plan) -> Vec<NetworkPolicy> {
    let ns = plan.eso_namespace.to_string();
    let np = |name: &str, spec: NetworkPolicySpec| NetworkPolicy {
        api_version: "networking.k8s.io/v1",
        kind: "NetworkPolicy",
        metadata: ObjectMeta {
            name: name.to_owned(),
            namespace: Some(ns.clone()),
            labels: managed_labels(),
            annotations: BTreeMap::new(),
        },
        spec,
    };
    let mut ports: Vec<u16> = vec![443, 6443];
    for s in &plan.stores {
        ports.extend(s.backend.egress_ports());
    }
    ports.sort_unstable();
    ports.dedup();
    let peers: Vec<NetworkPolicyPeer> = plan
        .eso
        .egress_cidrs
        .iter()
        .map(|c| NetworkPolicyPeer {
            ip_block: Some(IpBlock { cidr: c.clone() }),
            ..NetworkPolicyPeer::default()
        })
        .collect();
    vec![
        np(
            "esogen-default-deny",
            NetworkPolicySpec {
                pod_selector: LabelSelector::default(),
                policy_types: vec!["Ingress", "Egress"],
                ingress: Vec::new(),
                egress: Vec::new(),
            },
        ),
        np(
            "esogen-allow-dns",
            NetworkPolicySpec {
                pod_selector: LabelSelector::default(),
                policy_types: vec!["Egress"],
                ingress: Vec::new(),
                egress: vec![dns_egress(plan.platform)],
            },
        ),
        np(
            "esogen-allow-apiserver-and-providers",
            NetworkPolicySpec {
                pod_selector: LabelSelector::default(),
                policy_types: vec!["Egress"],
                ingress: Vec::new(),
                egress: vec![NetworkPolicyEgressRule {
                    to: peers,
                    ports: ports.into_iter().map(|p| port("TCP", p)).collect(),
                }],
            },
        ),
        np(
            "esogen-allow-webhook",
            NetworkPolicySpec {
                pod_selector: selector(&[("app.kubernetes.io/name", "external-secrets-webhook")]),
                policy_types: vec!["Ingress"],
                // The API server's address is not known here; the port is.
                ingress: vec![NetworkPolicyRule {
                    from: Vec::new(),
                    ports: vec![port("TCP", 10250)],
                }],
                egress: Vec::new(),
            },
        ),
        np(
            "esogen-allow-health-and-metrics",
            NetworkPolicySpec {
                pod_selector: LabelSelector::default(),
                policy_types: vec!["Ingress"],
                ingress: vec![
                    NetworkPolicyRule {
                        from: Vec::new(),
                        ports: vec![port("TCP", 8081)],
                    },
                    NetworkPolicyRule {
                        from: vec![NetworkPolicyPeer {
                            namespace_selector: Some(selector(&[(
                                "kubernetes.io/metadata.name",
                                plan.eso.monitoring_namespace.as_str(),
                            )])),
                            ..NetworkPolicyPeer::default()
                        }],
                        ports: vec![port("TCP", 8080)],
                    },
                ],
                egress: Vec::new(),
            },
        ),
    ]
}

fn yaml(path: String, reason: &str, objects: Vec<Object>) -> Artifact {
    Artifact {
        path,
        reason: Some(reason.to_owned()),
        content: Content::Yaml(objects),
    }
}

fn kustomization(dir: &str, reason: &str, resources: Vec<String>) -> Artifact {
    let mut k = Kustomization::new(resources);
    k.labels = vec![super::kustomize::LabelSet {
        pairs: managed_labels(),
        include_selectors: false,
    }];
    yaml(
        format!("{dir}/kustomization.yaml"),
        reason,
        vec![Object::Kustomization(k)],
    )
}

/// The kinds of the provider-side objects controllers apply, split by
/// scope: what the access application may deploy, and nothing else.
#[derive(Debug, Default)]
pub struct AccessKinds {
    /// Namespaced `(group, kind)` pairs (in the access namespace).
    pub namespaced: BTreeSet<(&'static str, &'static str)>,
    /// Cluster-scoped `(group, kind)` pairs.
    pub cluster: BTreeSet<(&'static str, &'static str)>,
}

/// The kinds of every store's controller objects; `None` when no store's
/// provider side is applied by a controller.
pub fn access_kinds(plan: &Plan) -> Option<AccessKinds> {
    let mut out = AccessKinds::default();
    let mut any = false;
    for store in &plan.stores {
        if !store.delivery.is_controller() {
            continue;
        }
        any = true;
        let ctx = plan.access_context(store);
        for o in store.backend.access_objects(store.delivery, &ctx) {
            let key = (o.group(), o.kind);
            if o.metadata.namespace.is_some() {
                out.namespaced.insert(key);
            } else {
                out.cluster.insert(key);
            }
        }
    }
    any.then_some(out)
}

/// Every platform artifact; with `per_team_units`, less each team's
/// admission file (built apart, see [`AdmissionFiles::has_team_units`]).
pub fn artifacts(plan: &Plan, has_cluster_base: bool, per_team_units: bool) -> Vec<Artifact> {
    let mut out = vec![
        yaml(
            "bases/eso/values.yaml".into(),
            "Helm values for the external-secrets chart: unused reconcilers and CRDs off, token creation granted per ServiceAccount",
            vec![Object::HelmValues(Box::new(eso_values(plan)))],
        ),
        yaml(
            "bases/eso/networkpolicies.yaml".into(),
            "ESO may reach DNS, the API server and provider endpoints; only metrics, health checks and the webhook reach it",
            network_policies(plan)
                .into_iter()
                .map(|n| Object::NetworkPolicy(Box::new(n)))
                .collect(),
        ),
        kustomization(
            "bases/eso",
            "ESO's network fence (the chart itself is installed with values.yaml)",
            vec!["networkpolicies.yaml".into()],
        ),
    ];
    let mut platform = vec!["../eso".to_owned()];
    if has_cluster_base {
        platform.push("../cluster".into());
    }
    if let Some(adm) = AdmissionFiles::new(plan) {
        out.extend(adm.global_artifacts(per_team_units));
        platform.push("../admission".into());
    }
    out.push(kustomization(
        "bases/platform",
        "cluster-wide objects, applied before any tenant overlay",
        platform,
    ));
    match &plan.gitops {
        GitOps::None => {}
        GitOps::ArgoCd { source, namespace } => {
            let access = access_kinds(plan);
            out.extend(argocd::artifacts(
                plan,
                source,
                namespace.as_str(),
                access.as_ref(),
            ));
        }
        GitOps::Flux {
            source,
            namespace,
            impersonate,
        } => out.extend(flux::artifacts(
            plan,
            source,
            namespace.as_str(),
            *impersonate,
            access_kinds(plan).as_ref(),
        )),
    }
    out
}

/// Metadata of a platform object in `namespace`, in sync wave `wave`.
fn meta(name: &str, namespace: &str, wave: Option<&str>) -> ObjectMeta {
    ObjectMeta {
        name: name.to_owned(),
        namespace: Some(namespace.to_owned()),
        labels: managed_labels(),
        annotations: wave
            .map(|w| BTreeMap::from([(SYNC_WAVE.to_owned(), w.to_owned())]))
            .unwrap_or_default(),
    }
}
