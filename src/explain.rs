//! `esogen explain`: the decisions taken, with their reasons, and the
//! commands from ESO's guide to verify and troubleshoot, filled in for one
//! namespace. Pure: consumes a `Plan`; produces text.

use std::fmt::Write;

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

/// The cluster-wide part: the store scope decision.
pub fn explain_cluster(plan: &Plan) -> String {
    let mut out = String::new();
    line(
        &mut out,
        0,
        &format!(
            "cluster `{}` (platform `{}`, ESO in namespace `{}`)",
            plan.cluster,
            plan.platform.name(),
            plan.eso_namespace
        ),
    );
    let scope = match plan.scope.scope {
        StoreScope::PerNamespace => "a SecretStore per namespace (ESO guide Option A)",
        StoreScope::Cluster => "a ClusterSecretStore per provider (ESO guide Option B)",
    };
    line(&mut out, 2, &format!("store scope: {scope}"));
    line(&mut out, 4, &format!("why: {}", plan.scope.reason));
    line(
        &mut out,
        2,
        &format!(
            "namespaces: {}",
            plan.namespaces
                .iter()
                .map(|n| n.namespace.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    );
    out
}

/// One namespace: decisions, secrets, then verification and troubleshooting
/// commands.
pub fn explain_namespace(plan: &Plan, ns: &NamespacePlan) -> String {
    let mut out = String::new();
    let n = ns.namespace.as_str();
    line(
        &mut out,
        0,
        &format!(
            "namespace `{n}` (team `{}`, provider `{}`)",
            ns.team, ns.provider
        ),
    );
    let store = store_for(plan, ns);
    if let Some(store) = store {
        for d in &store.decisions() {
            line(&mut out, 2, &format!("{}: {}", d.topic, d.choice));
            line(&mut out, 4, &format!("why: {}", d.reason));
        }
    }
    write_secrets(&mut out, ns);
    if let Some(store) = store {
        write_access(&mut out, plan, store);
    }
    write_verify(&mut out, ns);
    write_troubleshoot(&mut out, plan, ns, store);
    out
}

/// The namespace's ExternalSecrets and PushSecrets, one line each: what
/// each reads or writes, and how often.
fn write_secrets(out: &mut String, ns: &NamespacePlan) {
    line(out, 2, "secrets:");
    for es in &ns.external_secrets {
        let kind = if es.push {
            "PushSecret"
        } else {
            "ExternalSecret"
        };
        let arrow = if es.push {
            format!(
                "pushes Secret `{}` to {}",
                es.target,
                source_text(&es.source)
            )
        } else {
            format!(
                "Secret `{}` from {}, every {}",
                es.target,
                source_text(&es.source),
                es.refresh_interval
            )
        };
        line(out, 4, &format!("{kind} `{}`: {arrow}", es.name));
    }
    if ns.external_secrets.is_empty() {
        line(out, 4, "(none)");
    }
}

/// The provider side: which files or objects grant the store's access, who
/// applies them, and how to check that they are applied.
fn write_access(out: &mut String, plan: &Plan, store: &StorePlan) {
    let ctx = plan.access_context(store);
    line(
        out,
        2,
        &format!(
            "access: `delivery = \"{}\"`: {}",
            store.delivery,
            store.delivery.describe()
        ),
    );
    match store.delivery {
        Delivery::Files => {
            for f in store.backend.policy_files(ctx.store_name) {
                line(
                    out,
                    4,
                    &format!(
                        "policies/{}/{}: {}",
                        ctx.home_namespace, f.file_name, f.purpose
                    ),
                );
            }
        }
        Delivery::Terraform => {
            let path = ctx.terraform_path();
            for r in store.backend.terraform(&ctx).resources {
                line(out, 4, &format!("{path}: `{}`", r.address()));
            }
        }
        delivery => {
            let path = ctx.access_path();
            for o in store.backend.access_objects(delivery, &ctx) {
                let at = o
                    .metadata
                    .namespace
                    .as_deref()
                    .map_or_else(String::new, |n| format!(" in namespace `{n}`"));
                line(
                    out,
                    4,
                    &format!(
                        "{path}: {} `{}` ({}){at}",
                        o.kind, o.metadata.name, o.api_version
                    ),
                );
            }
        }
    }
    for c in store.backend.delivery_checks(store.delivery, &ctx) {
        line(out, 4, &format!("check: {c}"));
    }
}

/// Commands that show the store is ready and each secret synced or
/// pushed.
fn write_verify(out: &mut String, ns: &NamespacePlan) {
    let n = ns.namespace.as_str();
    let (store_kind, store_name) = match ns.scope {
        StoreScope::PerNamespace => ("secretstore", format!("{} -n {n}", ns.provider)),
        StoreScope::Cluster => ("clustersecretstore", ns.provider.to_string()),
    };
    line(out, 2, "verify:");
    line(
        out,
        4,
        &format!("kubectl get {store_kind} {store_name}    # Ready should be True"),
    );
    line(
        out,
        4,
        &format!("kubectl get externalsecret -n {n}    # status should be SecretSynced"),
    );
    for es in ns.external_secrets.iter().filter(|e| !e.push) {
        line(
            out,
            4,
            &format!("kubectl describe externalsecret {} -n {n}", es.name),
        );
        line(out, 4, &format!("kubectl get secret {} -n {n}", es.target));
    }
    for es in ns.external_secrets.iter().filter(|e| e.push) {
        line(
            out,
            4,
            &format!("kubectl describe pushsecret {} -n {n}", es.name),
        );
    }
}

/// Commands that show why a secret does not sync: its events, a forced
/// refresh, ESO's logs, and the provider's own checks for the store.
fn write_troubleshoot(
    out: &mut String,
    plan: &Plan,
    ns: &NamespacePlan,
    store: Option<&StorePlan>,
) {
    let n = ns.namespace.as_str();
    line(out, 2, "troubleshoot:");
    for es in ns.external_secrets.iter().filter(|e| !e.push) {
        line(
            out,
            4,
            &format!(
                "kubectl get events -n {n} --field-selector involvedObject.name={}",
                es.name
            ),
        );
        line(
            out,
            4,
            &format!(
                "kubectl annotate externalsecret {} -n {n} force-sync=$(date +%s) --overwrite",
                es.name
            ),
        );
    }
    line(
        out,
        4,
        &format!(
            "kubectl logs -n {} deploy/external-secrets --since=1h | grep {n}",
            plan.eso_namespace
        ),
    );
    if let Some(store) = store {
        for c in store.backend.verify_commands() {
            line(out, 4, &c);
        }
    }
}

/// Everything, or one namespace; `None` when the namespace is unknown.
pub fn explain(plan: &Plan, namespace: Option<&str>) -> Option<String> {
    match namespace {
        Some(n) => {
            let ns = plan.namespaces.iter().find(|p| p.namespace.as_str() == n)?;
            Some(format!(
                "{}\n{}",
                explain_cluster(plan),
                explain_namespace(plan, ns)
            ))
        }
        None => {
            let mut out = explain_cluster(plan);
            for ns in &plan.namespaces {
                out.push('\n');
                out.push_str(&explain_namespace(plan, ns));
            }
            Some(out)
        }
    }
}
