//! The Flux objects (`bases/flux/`): the GitRepository, the platform
//! Kustomization, one Kustomization per overlay that depends on it, and,
//! with impersonation, the ServiceAccount each tenant Kustomization applies
//! as.

use std::collections::BTreeMap;

use super::super::access::ACCESS_KINDS;
use super::super::gitops::{
    DependsOn, FLUX_TENANT_SA, FluxKustomization, FluxKustomizationSpec, GitRef, GitRepository,
    GitRepositorySpec, SourceRef, managed_labels,
};
use super::super::k8s::{ObjectMeta, PolicyRule, Role, RoleBinding, RoleRef, Subject};
use super::super::{Artifact, Object};
use super::{AccessKinds, kustomization, meta, yaml};
use crate::config::GitSource;
use crate::plan::{Plan, StorePlacement};

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
    access_kinds: Option<&AccessKinds>,
) -> Vec<Artifact> {
    let access = access_kinds.is_some();
    // With impersonation the access Kustomization applies as a
    // ServiceAccount that may manage exactly the access kinds in the access
    // namespace; cluster-scoped kinds (Crossplane's) would need a
    // ClusterRole, so with those it applies as the controller itself.
    let access_sa = access_kinds
        .filter(|k| impersonate && k.cluster.is_empty())
        .map(|k| (ACCESS_SA, k));
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
            source,
            flux_ns,
            access_sa.map(|(sa, _)| sa),
        ))));
    }
    // The ServiceAccounts ESO creates tokens for in each namespace: the
    // ones of its SecretStores.
    let mut token_sas: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for store in &plan.stores {
        if let StorePlacement::Namespace(n) = &store.placement
            && store.backend.uses_service_account()
        {
            token_sas
                .entry(n.as_str())
                .or_default()
                .push(store.service_account.name.as_str());
        }
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
            tenant_rbac.extend(tenant_reconciler(
                n,
                token_sas.get(n).map_or(&[][..], Vec::as_slice),
            ));
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
    if let Some((sa, kinds)) = access_sa {
        out.push(yaml(
            "bases/flux/access-reconciler.yaml".into(),
            "the ServiceAccount Flux impersonates for bases/access: it may manage exactly the access kinds, only in the access namespace",
            access_reconciler(sa, flux_ns, plan.eso_namespace.as_str(), kinds).into(),
        ));
        resources.push("access-reconciler.yaml".into());
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
fn access_kustomization(
    source: &GitSource,
    flux_ns: &str,
    service_account: Option<&str>,
) -> FluxKustomization {
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
            service_account_name: service_account.map(str::to_owned),
        },
    }
}

/// The ServiceAccount the access Kustomization impersonates.
const ACCESS_SA: &str = "esogen-access-reconciler";

/// The access reconciler: a ServiceAccount in Flux's namespace, and a Role
/// and RoleBinding in the access namespace allowing exactly the access
/// kinds (by their resource names).
fn access_reconciler(sa: &str, flux_ns: &str, access_ns: &str, kinds: &AccessKinds) -> [Object; 3] {
    let mut by_group: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (group, kind) in &kinds.namespaced {
        if let Some((_, _, resource)) = ACCESS_KINDS
            .iter()
            .find(|(g, k, _)| g == group && k == kind)
        {
            by_group.entry(group).or_default().push(resource);
        }
    }
    [
        Object::ServiceAccount(super::super::k8s::ServiceAccount::new(ObjectMeta {
            name: sa.into(),
            namespace: Some(flux_ns.to_owned()),
            labels: managed_labels(),
            annotations: BTreeMap::new(),
        })),
        Object::Role(Box::new(Role {
            api_version: "rbac.authorization.k8s.io/v1",
            kind: "Role",
            metadata: meta(sa, access_ns, None),
            rules: by_group
                .into_iter()
                .map(|(group, resources)| manage_rule(group, &resources, &[]))
                .collect(),
        })),
        Object::RoleBinding(Box::new(RoleBinding {
            api_version: "rbac.authorization.k8s.io/v1",
            kind: "RoleBinding",
            metadata: meta(sa, access_ns, None),
            subjects: vec![Subject {
                kind: "ServiceAccount",
                name: sa.into(),
                namespace: flux_ns.to_owned(),
            }],
            role_ref: RoleRef {
                api_group: "rbac.authorization.k8s.io",
                kind: "Role",
                name: sa.into(),
            },
        })),
    ]
}

/// The ServiceAccount, Role and RoleBinding Flux impersonates in `n`.
///
/// The overlay it applies holds ESO's grant to create tokens for the
/// store's ServiceAccounts (`token_sas`): a Role and a RoleBinding. The
/// reconciler holds that grant itself instead of `escalate` and `bind`,
/// which Kubernetes' RBAC would otherwise require: a tenant with `edit`
/// can impersonate any ServiceAccount of its namespace, and with those two
/// verbs it could grant itself anything there. What it holds, a token for
/// the store's ServiceAccount, its own pods can already have.
fn tenant_reconciler(n: &str, token_sas: &[&str]) -> [Object; 3] {
    let mut rules = vec![
        manage_rule(
            "external-secrets.io",
            &["externalsecrets", "pushsecrets", "secretstores"],
            &[],
        ),
        manage_rule("", &["serviceaccounts"], &[]),
        manage_rule("rbac.authorization.k8s.io", &["roles", "rolebindings"], &[]),
    ];
    if !token_sas.is_empty() {
        rules.push(PolicyRule {
            api_groups: vec![String::new()],
            resources: vec!["serviceaccounts/token".into()],
            resource_names: token_sas.iter().map(|s| (*s).to_owned()).collect(),
            verbs: vec!["create".into()],
        });
    }
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
            rules,
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
