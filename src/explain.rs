//! `esogen explain`: the decisions taken, with their reasons, and the
//! commands from ESO's guide to verify and troubleshoot, filled in for one
//! namespace. Pure: consumes a `Plan`; produces an [`Explanation`], a
//! typed value that renders as text or serializes as JSON
//! (`--format json`, shape in the README).

use std::fmt::Write;

use serde::Serialize;

use crate::config::SecretSource;
use crate::plan::{NamespacePlan, Plan, StorePlacement, StorePlan, StoreScope};
use crate::provider::Delivery;

fn line(out: &mut String, indent: usize, text: &str) {
    let _ = writeln!(out, "{:indent$}{text}", "");
}

fn source_text(s: &SecretSource) -> String {
    match s {
        SecretSource::Properties { key, data } => format!(
            "properties {} of `{}`",
            data.values()
                .map(|p| format!("`{p}`"))
                .collect::<Vec<_>>()
                .join(", "),
            key.value.as_str()
        ),
        SecretSource::Extract { key } => format!("every property of `{}`", key.value.as_str()),
        SecretSource::Find { path, name_regex } => format!(
            "every secret under `{}` whose name matches `{name_regex}`",
            path.value
        ),
    }
}

fn store_for<'a>(plan: &'a Plan, ns: &NamespacePlan) -> Option<&'a StorePlan> {
    plan.stores.iter().find(|s| match &s.placement {
        StorePlacement::Namespace(n) => *n == ns.namespace,
        StorePlacement::Cluster { allowed } => {
            s.name == ns.provider && allowed.contains(&ns.namespace)
        }
    })
}

/// What `explain` says: the cluster, then each namespace asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Explanation {
    /// The shape's version; a field is added, never renamed or removed,
    /// within it.
    pub version: u32,
    /// The cluster-wide decisions.
    pub cluster: ClusterView,
    /// The namespaces explained, in plan order.
    pub namespaces: Vec<NamespaceView>,
}

/// The cluster: the store scope decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ClusterView {
    /// The cluster's name.
    pub name: String,
    /// `eks`, `gke`, `aks`, `openshift` or `generic`.
    pub platform: String,
    /// The namespace ESO runs in.
    pub eso_namespace: String,
    /// `namespace` (a SecretStore per namespace, Option A) or `cluster`
    /// (a ClusterSecretStore per provider, Option B).
    pub store_scope: &'static str,
    /// The store scope in words.
    pub store_scope_text: &'static str,
    /// Why.
    pub reason: String,
    /// Every tenant namespace, in plan order.
    pub namespaces: Vec<String>,
}

/// One decision about a namespace's store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DecisionView {
    /// What was decided (`store scope`, `auth`, ...).
    pub topic: String,
    /// The choice.
    pub choice: String,
    /// Why.
    pub reason: String,
}

/// One namespace: decisions, secrets, access and commands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamespaceView {
    /// The namespace.
    pub namespace: String,
    /// Its team.
    pub team: String,
    /// The provider table its team uses.
    pub provider: String,
    /// The decisions about its store, with reasons.
    pub decisions: Vec<DecisionView>,
    /// Its ExternalSecrets and PushSecrets.
    pub secrets: Vec<SecretView>,
    /// How the store's provider side is applied (absent when the
    /// namespace has no store of its own and none admits it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub access: Option<AccessView>,
    /// Commands that show the store ready and each secret synced.
    pub verify: Vec<String>,
    /// Commands that show why a secret does not sync.
    pub troubleshoot: Vec<String>,
}

/// An ExternalSecret or PushSecret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SecretView {
    /// `ExternalSecret` or `PushSecret`.
    pub kind: &'static str,
    /// Its name.
    pub name: String,
    /// The Kubernetes Secret it writes (or pushes from).
    pub secret: String,
    /// What it reads (or where it pushes), in words.
    pub source: String,
    /// How often it syncs (ExternalSecrets only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refresh_interval: Option<String>,
}

/// The store's provider side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessView {
    /// The `delivery` setting.
    pub delivery: String,
    /// What it means.
    pub description: String,
    /// Each generated file and what it holds.
    pub items: Vec<AccessItem>,
    /// Commands that show the provider side applied.
    pub checks: Vec<String>,
}

/// A file of the provider side and what it holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessItem {
    /// The file, relative to the output root.
    pub file: String,
    /// What it holds: a document's purpose, a Terraform address, or an
    /// object's kind, name and API version.
    pub holds: String,
}

fn cluster_view(plan: &Plan) -> ClusterView {
    let (store_scope, store_scope_text) = match plan.scope.scope {
        StoreScope::PerNamespace => (
            "namespace",
            "a SecretStore per namespace (ESO guide Option A)",
        ),
        StoreScope::Cluster => (
            "cluster",
            "a ClusterSecretStore per provider (ESO guide Option B)",
        ),
    };
    ClusterView {
        name: plan.cluster.to_string(),
        platform: plan.platform.name().to_owned(),
        eso_namespace: plan.eso_namespace.to_string(),
        store_scope,
        store_scope_text,
        reason: plan.scope.reason.to_string(),
        namespaces: plan
            .namespaces
            .iter()
            .map(|n| n.namespace.to_string())
            .collect(),
    }
}

fn namespace_view(plan: &Plan, ns: &NamespacePlan) -> NamespaceView {
    let store = store_for(plan, ns);
    NamespaceView {
        namespace: ns.namespace.to_string(),
        team: ns.team.to_string(),
        provider: ns.provider.to_string(),
        decisions: store
            .map(|s| {
                s.decisions()
                    .into_iter()
                    .map(|d| DecisionView {
                        topic: d.topic.to_string(),
                        choice: d.choice,
                        reason: d.reason,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        secrets: secrets(ns),
        access: store.map(|s| access(plan, s)),
        verify: verify(ns),
        troubleshoot: troubleshoot(plan, ns, store),
    }
}

/// The namespace's ExternalSecrets and PushSecrets: what each reads or
/// writes, and how often.
fn secrets(ns: &NamespacePlan) -> Vec<SecretView> {
    ns.external_secrets
        .iter()
        .map(|es| SecretView {
            kind: if es.push {
                "PushSecret"
            } else {
                "ExternalSecret"
            },
            name: es.name.to_string(),
            secret: es.target.to_string(),
            source: source_text(&es.source),
            refresh_interval: (!es.push).then(|| es.refresh_interval.clone()),
        })
        .collect()
}

/// The provider side: which files or objects grant the store's access, who
/// applies them, and how to check that they are applied.
fn access(plan: &Plan, store: &StorePlan) -> AccessView {
    let ctx = plan.access_context(store);
    let items = match store.delivery {
        Delivery::Files => store
            .backend
            .policy_files(ctx.store_name)
            .into_iter()
            .map(|f| AccessItem {
                file: format!("policies/{}/{}", ctx.home_namespace, f.file_name),
                holds: f.purpose.clone(),
            })
            .collect(),
        Delivery::Terraform => {
            let path = ctx.terraform_path();
            store
                .backend
                .terraform(&ctx)
                .resources
                .iter()
                .map(|r| AccessItem {
                    file: path.clone(),
                    holds: format!("`{}`", r.address()),
                })
                .collect()
        }
        delivery => {
            let path = ctx.access_path();
            store
                .backend
                .access_objects(delivery, &ctx)
                .into_iter()
                .map(|o| {
                    let at = o
                        .metadata
                        .namespace
                        .as_deref()
                        .map_or_else(String::new, |n| format!(" in namespace `{n}`"));
                    AccessItem {
                        file: path.clone(),
                        holds: format!("{} `{}` ({}){at}", o.kind, o.metadata.name, o.api_version),
                    }
                })
                .collect()
        }
    };
    AccessView {
        delivery: store.delivery.to_string(),
        description: store.delivery.describe().to_owned(),
        items,
        checks: store.backend.delivery_checks(store.delivery, &ctx),
    }
}

/// Commands that show the store is ready and each secret synced or
/// pushed.
fn verify(ns: &NamespacePlan) -> Vec<String> {
    let n = ns.namespace.as_str();
    let (store_kind, store_name) = match ns.scope {
        StoreScope::PerNamespace => ("secretstore", format!("{} -n {n}", ns.provider)),
        StoreScope::Cluster => ("clustersecretstore", ns.provider.to_string()),
    };
    let mut out = vec![
        format!("kubectl get {store_kind} {store_name}    # Ready should be True"),
        format!("kubectl get externalsecret -n {n}    # status should be SecretSynced"),
    ];
    for es in ns.external_secrets.iter().filter(|e| !e.push) {
        out.push(format!(
            "kubectl describe externalsecret {} -n {n}",
            es.name
        ));
        out.push(format!("kubectl get secret {} -n {n}", es.target));
    }
    for es in ns.external_secrets.iter().filter(|e| e.push) {
        out.push(format!("kubectl describe pushsecret {} -n {n}", es.name));
    }
    out
}

/// Commands that show why a secret does not sync: its events, a forced
/// refresh, ESO's logs, and the provider's own checks for the store.
fn troubleshoot(plan: &Plan, ns: &NamespacePlan, store: Option<&StorePlan>) -> Vec<String> {
    let n = ns.namespace.as_str();
    let mut out = Vec::new();
    for es in ns.external_secrets.iter().filter(|e| !e.push) {
        out.push(format!(
            "kubectl get events -n {n} --field-selector involvedObject.name={}",
            es.name
        ));
        out.push(format!(
            "kubectl annotate externalsecret {} -n {n} force-sync=$(date +%s) --overwrite",
            es.name
        ));
    }
    out.push(format!(
        "kubectl logs -n {} deploy/external-secrets --since=1h | grep {n}",
        plan.eso_namespace
    ));
    if let Some(store) = store {
        out.extend(store.backend.verify_commands());
    }
    out
}

/// Everything, or one namespace; `None` when the namespace is unknown.
pub fn explanation(plan: &Plan, namespace: Option<&str>) -> Option<Explanation> {
    let namespaces = match namespace {
        Some(n) => {
            let ns = plan.namespaces.iter().find(|p| p.namespace.as_str() == n)?;
            vec![namespace_view(plan, ns)]
        }
        None => plan
            .namespaces
            .iter()
            .map(|ns| namespace_view(plan, ns))
            .collect(),
    };
    Some(Explanation {
        version: 1,
        cluster: cluster_view(plan),
        namespaces,
    })
}

/// Everything, or one namespace, as text; `None` when the namespace is
/// unknown.
pub fn explain(plan: &Plan, namespace: Option<&str>) -> Option<String> {
    explanation(plan, namespace).map(|e| e.to_string())
}

impl std::fmt::Display for Explanation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::new();
        let c = &self.cluster;
        line(
            &mut out,
            0,
            &format!(
                "cluster `{}` (platform `{}`, ESO in namespace `{}`)",
                c.name, c.platform, c.eso_namespace
            ),
        );
        line(&mut out, 2, &format!("store scope: {}", c.store_scope_text));
        line(&mut out, 4, &format!("why: {}", c.reason));
        line(
            &mut out,
            2,
            &format!("namespaces: {}", c.namespaces.join(", ")),
        );
        for ns in &self.namespaces {
            out.push('\n');
            write_namespace(&mut out, ns);
        }
        f.write_str(&out)
    }
}

fn write_namespace(out: &mut String, ns: &NamespaceView) {
    line(
        out,
        0,
        &format!(
            "namespace `{}` (team `{}`, provider `{}`)",
            ns.namespace, ns.team, ns.provider
        ),
    );
    for d in &ns.decisions {
        line(out, 2, &format!("{}: {}", d.topic, d.choice));
        line(out, 4, &format!("why: {}", d.reason));
    }
    line(out, 2, "secrets:");
    for s in &ns.secrets {
        let arrow = match &s.refresh_interval {
            None => format!("pushes Secret `{}` to {}", s.secret, s.source),
            Some(every) => format!("Secret `{}` from {}, every {every}", s.secret, s.source),
        };
        line(out, 4, &format!("{} `{}`: {arrow}", s.kind, s.name));
    }
    if ns.secrets.is_empty() {
        line(out, 4, "(none)");
    }
    if let Some(a) = &ns.access {
        line(
            out,
            2,
            &format!("access: `delivery = \"{}\"`: {}", a.delivery, a.description),
        );
        for item in &a.items {
            line(out, 4, &format!("{}: {}", item.file, item.holds));
        }
        for c in &a.checks {
            line(out, 4, &format!("check: {c}"));
        }
    }
    line(out, 2, "verify:");
    for v in &ns.verify {
        line(out, 4, v);
    }
    line(out, 2, "troubleshoot:");
    for t in &ns.troubleshoot {
        line(out, 4, t);
    }
}
