//! Delivery and hardening: Argo CD and Flux objects fit the overlays they
//! deliver, sync in order, and ESO is installed the hardened way.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::common::{
    all_good_configs, generate, kubectl, kustomization_dirs, kustomize, parse_yaml_docs, repo_root,
    write_tree,
};

fn docs(tree: &esogen::tree::OutputTree, path: &str) -> Vec<Value> {
    parse_yaml_docs(&String::from_utf8_lossy(
        tree.get(path).unwrap_or_else(|| panic!("{path} missing")),
    ))
}

#[test]
fn argocd_project_admits_exactly_what_the_overlays_contain() {
    let Some(kubectl) = kubectl() else { return };
    let tree = generate(&repo_root().join("tenants.toml"));
    let dir = tempfile::tempdir().unwrap();
    write_tree(&tree, dir.path());
    let projects = docs(&tree, "bases/argocd/appprojects.yaml");
    let tenants = projects
        .iter()
        .find(|p| p["metadata"]["name"] == "esogen-tenants")
        .unwrap();
    assert_eq!(
        tenants["spec"]["clusterResourceWhitelist"],
        json!([]),
        "no cluster-scoped kinds for tenants"
    );
    let allowed: BTreeSet<(String, String)> = tenants["spec"]["namespaceResourceWhitelist"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["group"].as_str().unwrap().to_owned(),
                g["kind"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let destinations: BTreeSet<String> = tenants["spec"]["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["namespace"].as_str().unwrap().to_owned())
        .collect();
    let mut overlay_namespaces = BTreeSet::new();
    for k in kustomization_dirs(&tree)
        .into_iter()
        .filter(|k| k.starts_with("overlays/"))
    {
        let ns = k.trim_start_matches("overlays/").to_owned();
        for o in kustomize(&kubectl, &dir.path().join(&k)) {
            let api = o["apiVersion"].as_str().unwrap();
            let group = api.rsplit_once('/').map_or("", |(g, _)| g).to_owned();
            let kind = o["kind"].as_str().unwrap().to_owned();
            assert!(
                allowed.contains(&(group.clone(), kind.clone())),
                "{k}: {group}/{kind} not whitelisted"
            );
            // Sync waves: identity, RBAC and stores first, secrets after.
            let wave = o["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"].as_str();
            match kind.as_str() {
                "ExternalSecret" | "PushSecret" => assert_eq!(wave, Some("1"), "{k}: {kind}"),
                _ => assert_eq!(wave, Some("-1"), "{k}: {kind}"),
            }
        }
        overlay_namespaces.insert(ns);
    }
    assert_eq!(destinations, overlay_namespaces);

    let set = &docs(&tree, "bases/argocd/applicationset-tenants.yaml")[0];
    assert_eq!(
        set["spec"]["generators"][0]["git"]["directories"][0]["path"],
        "overlays/*"
    );
    let eso = &docs(&tree, "bases/argocd/application-external-secrets.yaml")[0];
    assert!(
        eso["spec"]["syncPolicy"]["syncOptions"]
            .as_array()
            .unwrap()
            .contains(&json!("ServerSideApply=true"))
    );
    assert_eq!(eso["spec"]["source"]["chart"], "external-secrets");
    assert_eq!(
        eso["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"],
        "-2"
    );
    let values = &eso["spec"]["source"]["helm"]["valuesObject"];
    assert_eq!(values["rbac"]["serviceAccountTokenCreate"], false);
    assert_eq!(
        values["processClusterStore"], false,
        "Option A: no cluster stores"
    );
    assert_eq!(values["processClusterExternalSecret"], false);
    assert_eq!(
        values["processPushSecret"], false,
        "the root example pushes nothing"
    );
    let platform = &docs(&tree, "bases/argocd/application-platform.yaml")[0];
    assert_eq!(
        platform["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"],
        "-1"
    );
}

#[test]
fn token_creation_is_granted_per_service_account_only() {
    let tree = generate(&repo_root().join("tenants.toml"));
    let rbac = docs(&tree, "bases/tenant/aws/token-rbac.yaml");
    let role = rbac.iter().find(|o| o["kind"] == "Role").unwrap();
    assert_eq!(
        role["rules"],
        json!([{"apiGroups": [""], "resources": ["serviceaccounts/token"], "resourceNames": ["eso-aws"], "verbs": ["create"]}])
    );
    let binding = rbac.iter().find(|o| o["kind"] == "RoleBinding").unwrap();
    assert_eq!(
        binding["subjects"],
        json!([{"kind": "ServiceAccount", "name": "external-secrets", "namespace": "external-secrets"}])
    );

    // Option B: in the ESO namespace, next to the ClusterSecretStore's ServiceAccount.
    let tree = generate(&repo_root().join("examples/openbao/tenants.toml"));
    let rbac = docs(&tree, "bases/cluster/token-rbac-bao.yaml");
    assert!(
        rbac.iter()
            .all(|o| o["metadata"]["namespace"] == "external-secrets-operator")
    );
}

#[test]
fn helm_values_follow_what_the_config_uses() {
    let push = generate(&repo_root().join("examples/aws-secrets-manager/tenants.toml"));
    let v = &docs(&push, "bases/eso/values.yaml")[0];
    assert_eq!(v["processPushSecret"], true);
    assert_eq!(v["crds"]["createPushSecret"], true);
    let cluster = generate(&repo_root().join("examples/openbao/tenants.toml"));
    let v = &docs(&cluster, "bases/eso/values.yaml")[0];
    assert_eq!(v["processClusterStore"], true);
    assert_eq!(v["processSecretStore"], false);
    assert_eq!(v["crds"]["createSecretStore"], false);
}

/// Issue 13 item 2: the chart's defaults aggregate write access to every ESO
/// kind into the built-in `edit` and `admin` roles, so a tenant could write
/// its own SecretStore; and ClusterGenerators would serve every namespace.
/// The generated values turn both off, whatever the config.
#[test]
fn helm_values_give_tenants_no_write_access_to_eso_kinds() {
    for (name, path) in all_good_configs() {
        let tree = generate(&path);
        let v = &docs(&tree, "bases/eso/values.yaml")[0];
        assert_eq!(v["rbac"]["aggregateToEdit"], false, "{name}");
        assert_eq!(v["rbac"]["aggregateToAdmin"], false, "{name}");
        assert_eq!(v["processClusterGenerator"], false, "{name}");
        assert_eq!(v["crds"]["createClusterGenerator"], false, "{name}");
    }
}

#[test]
fn network_policies_fence_the_eso_namespace() {
    let tree = generate(&repo_root().join("examples/vault/tenants.toml"));
    let nps = docs(&tree, "bases/eso/networkpolicies.yaml");
    let by_name = |n: &str| {
        nps.iter()
            .find(|p| p["metadata"]["name"] == n)
            .unwrap_or_else(|| panic!("{n}"))
    };
    let deny = by_name("esogen-default-deny");
    assert_eq!(deny["spec"]["podSelector"], json!({}));
    assert_eq!(deny["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
    assert!(deny["spec"].get("ingress").is_none() && deny["spec"].get("egress").is_none());
    let egress = by_name("esogen-allow-apiserver-and-providers");
    let ports: Vec<u64> = egress["spec"]["egress"][0]["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["port"].as_u64().unwrap())
        .collect();
    assert_eq!(
        ports,
        [443, 6443, 8200],
        "Vault's port comes from its address"
    );
    let webhook = by_name("esogen-allow-webhook");
    assert_eq!(
        webhook["spec"]["ingress"][0]["ports"],
        json!([{"protocol": "TCP", "port": 10250}])
    );
    assert!(
        nps.iter()
            .all(|p| p["metadata"]["namespace"] == "external-secrets")
    );

    let flux = generate(&repo_root().join("examples/flux/tenants.toml"));
    let nps = docs(&flux, "bases/eso/networkpolicies.yaml");
    let egress = nps
        .iter()
        .find(|p| p["metadata"]["name"] == "esogen-allow-apiserver-and-providers")
        .unwrap();
    assert_eq!(
        egress["spec"]["egress"][0]["to"],
        json!([{"ipBlock": {"cidr": "10.0.0.0/8"}}, {"ipBlock": {"cidr": "172.16.0.0/12"}}])
    );
}

/// A NetworkPolicy matches the DNS pod's own port, not the Service's:
/// CoreDNS listens on 53 in `kube-system` on most platforms, but on
/// OpenShift the DNS operator runs it in `openshift-dns` on 5353
/// (cluster-dns-operator `assets/dns/daemonset.yaml`, behind a Service on
/// 53). With 53 there, the default deny dropped every lookup, and no store
/// reached its provider.
#[test]
fn dns_egress_reaches_the_platforms_dns_pods() {
    let dns = |example: &str| -> Value {
        let tree = generate(&repo_root().join(format!("examples/{example}/tenants.toml")));
        let nps = docs(&tree, "bases/eso/networkpolicies.yaml");
        nps.iter()
            .find(|p| p["metadata"]["name"] == "esogen-allow-dns")
            .unwrap_or_else(|| panic!("{example}: no DNS policy"))["spec"]["egress"]
            .clone()
    };
    let ports =
        |port: u16| json!([{"protocol": "UDP", "port": port}, {"protocol": "TCP", "port": port}]);
    let openshift = dns("openbao");
    assert_eq!(
        openshift[0]["to"],
        json!([{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "openshift-dns"}}}])
    );
    assert_eq!(openshift[0]["ports"], ports(5353));
    let eks = dns("aws-secrets-manager");
    assert_eq!(
        eks[0]["to"],
        json!([{
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
            "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}
        }])
    );
    assert_eq!(eks[0]["ports"], ports(53));
}

#[test]
fn flux_kustomizations_depend_on_the_platform_and_impersonate_tenants() {
    let tree = generate(&repo_root().join("examples/flux/tenants.toml"));
    let sync = docs(&tree, "bases/flux/sync.yaml");
    let repo = sync.iter().find(|o| o["kind"] == "GitRepository").unwrap();
    assert_eq!(
        repo["spec"]["url"],
        "ssh://git@git.example.com/platform/gitops.git"
    );
    let platform = sync
        .iter()
        .find(|o| o["metadata"]["name"] == "esogen-platform")
        .unwrap();
    assert_eq!(
        platform["spec"]["path"],
        "./clusters/prod-flux/bases/platform"
    );
    let tenants: Vec<&Value> = sync
        .iter()
        .filter(|o| o["kind"] == "Kustomization" && o["metadata"]["name"] != "esogen-platform")
        .collect();
    assert_eq!(tenants.len(), 3);
    for t in &tenants {
        let ns = t["metadata"]["namespace"].as_str().unwrap();
        assert_eq!(
            t["spec"]["path"],
            format!("./clusters/prod-flux/overlays/{ns}")
        );
        assert_eq!(t["spec"]["prune"], true);
        assert_eq!(
            t["spec"]["dependsOn"],
            json!([{"name": "esogen-platform", "namespace": "flux-system"}])
        );
        assert_eq!(t["spec"]["serviceAccountName"], "esogen-reconciler");
        assert_eq!(t["spec"]["sourceRef"]["namespace"], "flux-system");
    }
    let reconcilers = docs(&tree, "bases/flux/tenant-reconcilers.yaml");
    for ns in ["api", "web", "web-canary"] {
        for kind in ["ServiceAccount", "Role", "RoleBinding"] {
            assert!(
                reconcilers
                    .iter()
                    .any(|o| o["kind"] == kind && o["metadata"]["namespace"] == ns),
                "{kind} in {ns}"
            );
        }
    }
    assert!(tree.get("bases/admission/kyverno-api.yaml").is_some());
    assert!(tree.get("bases/argocd/kustomization.yaml").is_none());
}

/// Whether `rules` allow `verb` on `group`/`resource` named `name`, as
/// Kubernetes' RBAC authorizer reads a rule (`*` aside, which none of
/// esogen's roles use).
fn allows(rules: &Value, group: &str, resource: &str, verb: &str, name: Option<&str>) -> bool {
    let has = |v: &Value, x: &str| v.as_array().is_some_and(|a| a.iter().any(|e| e == x));
    rules.as_array().unwrap().iter().any(|r| {
        has(&r["apiGroups"], group)
            && has(&r["resources"], resource)
            && has(&r["verbs"], verb)
            && match r["resourceNames"].as_array() {
                None => true,
                Some(names) => name.is_some_and(|n| names.iter().any(|e| e == n)),
            }
    })
}

/// Kubernetes lets a user create a Role only with permissions it holds,
/// and bind a Role only when it holds the Role's permissions, unless it
/// has `escalate` and `bind`. Flux applies each tenant overlay as the
/// namespace's `esogen-reconciler`, and a tenant with `edit` can
/// impersonate that ServiceAccount: with `escalate` and `bind` it could
/// grant itself anything in the namespace. So the reconciler has neither,
/// and holds instead every permission of every Role its overlay applies
/// (ESO's grant to create tokens for the store's ServiceAccount).
#[test]
fn flux_reconcilers_hold_what_they_grant_and_cannot_escalate() {
    let tree = generate(&repo_root().join("examples/flux/tenants.toml"));
    let reconcilers = docs(&tree, "bases/flux/tenant-reconcilers.yaml");
    // The Roles a tenant overlay applies: those of the tenant bases.
    let granted: Vec<Value> = tree
        .paths()
        .into_iter()
        .filter(|p| p.starts_with("bases/tenant/") && p.ends_with(".yaml"))
        .flat_map(|p| docs(&tree, p))
        .filter(|d| d["kind"] == "Role")
        .collect();
    assert!(
        !granted.is_empty(),
        "the example's overlays grant ESO tokens"
    );
    for ns in ["api", "web", "web-canary"] {
        let role = reconcilers
            .iter()
            .find(|o| o["kind"] == "Role" && o["metadata"]["namespace"] == ns)
            .unwrap_or_else(|| panic!("no reconciler Role in {ns}"));
        let rules = &role["rules"];
        for rule in rules.as_array().unwrap() {
            for verb in ["bind", "escalate", "impersonate", "*"] {
                assert!(
                    !rule["verbs"].as_array().unwrap().iter().any(|v| v == verb),
                    "{ns}: the reconciler may {verb}: {rule}"
                );
            }
        }
        for granted_role in &granted {
            for rule in granted_role["rules"].as_array().unwrap() {
                let names: Vec<Option<&str>> = match rule["resourceNames"].as_array() {
                    Some(n) => n.iter().map(Value::as_str).collect(),
                    None => vec![None],
                };
                for group in rule["apiGroups"].as_array().unwrap() {
                    for resource in rule["resources"].as_array().unwrap() {
                        for verb in rule["verbs"].as_array().unwrap() {
                            for name in &names {
                                assert!(
                                    allows(
                                        rules,
                                        group.as_str().unwrap(),
                                        resource.as_str().unwrap(),
                                        verb.as_str().unwrap(),
                                        *name
                                    ),
                                    "{ns}: the reconciler cannot grant {verb} {resource} {name:?}"
                                );
                            }
                        }
                    }
                }
            }
        }
        // It still manages the objects its overlay holds.
        for (group, resource) in [
            ("rbac.authorization.k8s.io", "roles"),
            ("rbac.authorization.k8s.io", "rolebindings"),
            ("", "serviceaccounts"),
            ("external-secrets.io", "secretstores"),
        ] {
            assert!(
                allows(rules, group, resource, "create", None),
                "{ns}: {resource}"
            );
        }
    }
}
