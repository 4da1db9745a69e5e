//! The Flux objects (`bases/flux/`): the GitRepository, the platform
//! Kustomization, one Kustomization per overlay that depends on it, and,
//! with impersonation, the ServiceAccount each tenant Kustomization applies
//! as.

use std::collections::BTreeMap;

use super::super::gitops::{
    DependsOn, FLUX_TENANT_SA, FluxKustomization, FluxKustomizationSpec, GitRef, GitRepository,
    GitRepositorySpec, SourceRef, managed_labels,
};
use super::super::k8s::{ObjectMeta, PolicyRule, Role, RoleBinding, RoleRef, Subject};
use super::super::{Artifact, Object};
use super::{kustomization, meta, yaml};
use crate::config::GitSource;
use crate::plan::Plan;

/// Full management of `resources` in one API group, plus `extra` verbs.
fn manage_rule(group: &str, resources: &[&str], extra: &[&str]) -> PolicyRule {
    const MANAGE: &[&str] = &[
        "get", "list", "watch", "create", "update", "patch", "delete",
    ];
    PolicyRule {
        api_groups: vec![group.to_owned()],
        resources: resources.iter().map(|r| (*r).to_owned()).collect(),
        resource_names: Vec::new(),
        verbs: MANAGE
            .iter()
            .chain(extra)
            .map(|v| (*v).to_owned())
            .collect(),
    }
}

fn source_ref(flux_ns: &str) -> SourceRef {
    SourceRef {
        kind: "GitRepository",
        name: "esogen".into(),
        namespace: flux_ns.to_owned(),
    }
}

/// Every Flux artifact; with `access`, the Kustomization of the
/// provider-side objects too, which every tenant Kustomization waits for.
pub(super) fn artifacts(
    plan: &Plan,
    source: &GitSource,
    flux_ns: &str,
    impersonate: bool,
    access: bool,
) -> Vec<Artifact> {
    let repo = GitRepository {
        api_version: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        metadata: meta("esogen", flux_ns, None),
        spec: GitRepositorySpec {
            interval: "1m".into(),
            url: source.url.clone(),
            reference: GitRef {
                branch: source.revision.clone(),
            },
        },
    };
    let platform = FluxKustomization {
        api_version: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: meta("esogen-platform", flux_ns, None),
        spec: FluxKustomizationSpec {
            interval: "10m".into(),
            path: format!("./{}", source.join("bases/platform")),
            prune: true,
            wait: true,
            source_ref: source_ref(flux_ns),
            depends_on: Vec::new(),
            service_account_name: None,
        },
    };
    let mut objects = vec![
        Object::GitRepository(Box::new(repo)),
        Object::FluxKustomization(Box::new(platform)),
    ];
    if access {
        objects.push(Object::FluxKustomization(Box::new(access_kustomization(
            source, flux_ns,
        ))));
    }
    let mut tenant_rbac = Vec::new();
    for ns in &plan.namespaces {
        let n = ns.namespace.as_str();
        objects.push(Object::FluxKustomization(Box::new(tenant_kustomization(
            source,
            flux_ns,
            n,
            impersonate,
            access,
        ))));
        if impersonate {
            tenant_rbac.extend(tenant_reconciler(n));
        }
    }
    let mut resources = vec!["sync.yaml".to_owned()];
    let mut out = vec![yaml(
        "bases/flux/sync.yaml".into(),
        "the GitRepository, the platform Kustomization, then one Kustomization per overlay that depends on it",
        objects,
    )];
    if impersonate {
        out.push(yaml(
            "bases/flux/tenant-reconcilers.yaml".into(),
            "per-tenant ServiceAccounts Flux impersonates: they may manage only ESO objects and the store identity in their namespace",
            tenant_rbac,
        ));
        resources.push("tenant-reconcilers.yaml".into());
    }
    out.push(kustomization(
        "bases/flux",
        "apply once to bootstrap: kubectl apply -k bases/flux",
        resources,
    ));
    out
}

/// The Kustomization of `overlays/<n>`, after the platform one. With
/// impersonation it lives in the tenant namespace and applies as a
/// ServiceAccount that may touch only ESO objects (and the store's
/// identity) there.
fn tenant_kustomization(
    source: &GitSource,
    flux_ns: &str,
    n: &str,
    impersonate: bool,
    access: bool,
) -> FluxKustomization {
    let home = if impersonate { n } else { flux_ns };
    let mut depends_on = vec![DependsOn {
        name: "esogen-platform".into(),
        namespace: flux_ns.to_owned(),
    }];
    if access {
        depends_on.push(DependsOn {
            name: "esogen-access".into(),
            namespace: flux_ns.to_owned(),
        });
    }
    FluxKustomization {
        api_version: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: meta(&format!("esogen-{n}"), home, None),
        spec: FluxKustomizationSpec {
            interval: "10m".into(),
            path: format!("./{}", source.join(&format!("overlays/{n}"))),
            prune: true,
            wait: true,
            source_ref: source_ref(flux_ns),
            depends_on,
            service_account_name: impersonate.then(|| FLUX_TENANT_SA.to_owned()),
        },
    }
}

/// `bases/access`: the provider-side objects, pruned when a team or
/// namespace leaves; `wait` holds the tenants back until the controllers
/// report the identities Ready.
fn access_kustomization(source: &GitSource, flux_ns: &str) -> FluxKustomization {
    FluxKustomization {
        api_version: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: meta("esogen-access", flux_ns, None),
        spec: FluxKustomizationSpec {
            interval: "10m".into(),
            path: format!("./{}", source.join("bases/access")),
            prune: true,
            wait: true,
            source_ref: source_ref(flux_ns),
            depends_on: vec![DependsOn {
                name: "esogen-platform".into(),
                namespace: flux_ns.to_owned(),
            }],
            service_account_name: None,
        },
    }
}

/// The ServiceAccount, Role and RoleBinding Flux impersonates in `n`.
fn tenant_reconciler(n: &str) -> [Object; 3] {
    [
        Object::ServiceAccount(super::super::k8s::ServiceAccount::new(ObjectMeta {
            name: FLUX_TENANT_SA.into(),
            namespace: Some(n.to_owned()),
            labels: managed_labels(),
            annotations: BTreeMap::new(),
        })),
        Object::Role(Box::new(Role {
            api_version: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: meta(FLUX_TENANT_SA, n, None),
            rules: vec![
                manage_rule(
                    "external-secrets.io",
                    &["externalsecrets", "pushsecrets", "secretstores"],
                    &[],
                ),
                manage_rule("", &["serviceaccounts"], &[]),
                manage_rule(
                    "rbac.authorization.k8s.io",
                    &["roles", "rolebindings"],
                    &["bind", "escalate"],
                ),
            ],
        })),
        Object::RoleBinding(Box::new(RoleBinding {
            api_version: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: meta(FLUX_TENANT_SA, n, None),
            subjects: vec![Subject {
                kind: "ServiceAccount",
                name: FLUX_TENANT_SA.into(),
                namespace: n.to_owned(),
            }],
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io",
                kind: "Role",
                name: FLUX_TENANT_SA.into(),
            },
        })),
    ]
}
