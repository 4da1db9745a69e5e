//! The real consumers of the output: `kubectl kustomize` renders every base
//! and overlay, and every rendered object validates strictly against the
//! real CRD and Kubernetes schemas in `../shared`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::common::{
    all_good_configs, generate, kubectl, kustomization_dirs, kustomize, schemas, write_tree,
};

#[test]
fn every_kustomization_renders_and_validates_strictly() {
    let Some(kubectl) = kubectl() else { return };
    let Some(schemas) = schemas() else { return };
    for (case, path) in all_good_configs() {
        let tree = generate(&path);
        let dir = tempfile::tempdir().unwrap();
        write_tree(&tree, dir.path());
        let mut rendered: BTreeMap<String, Vec<Value>> = BTreeMap::new();
        for k in kustomization_dirs(&tree) {
            let objects = kustomize(&kubectl, &dir.path().join(&k));
            for o in &objects {
                let checked = if k.starts_with("bases/tenant/") {
                    schemas.validate_shape(o)
                } else {
                    schemas.validate(o)
                };
                if let Err(e) = checked {
                    panic!("{case}: {k}: {e}");
                }
            }
            rendered.insert(k, objects);
        }
        check_facts(&case, &rendered);
    }
}

/// Every value under a key named `key` anywhere in `v`.
fn find_all<'a>(v: &'a Value, key: &str, out: &mut Vec<&'a Value>) {
    match v {
        Value::Object(m) => {
            for (k, child) in m {
                if k == key {
                    out.push(child);
                }
                find_all(child, key, out);
            }
        }
        Value::Array(a) => a.iter().for_each(|c| find_all(c, key, out)),
        _ => {}
    }
}

/// The `name`/`key` references to Secrets in a store's auth block.
fn secret_refs(store: &Value) -> Vec<&Value> {
    let mut out = Vec::new();
    for key in [
        "accessKeyIDSecretRef",
        "secretAccessKeySecretRef",
        "clientId",
        "clientSecret",
        "secretRef",
    ] {
        find_all(&store["spec"]["provider"], key, &mut out);
    }
    out.retain(|r| r.get("key").is_some());
    out
}

fn check_facts(case: &str, rendered: &BTreeMap<String, Vec<Value>>) {
    for (dir, objects) in rendered {
        for o in objects {
            // Kubernetes 1.36 makes these required; 1.35's schema does not.
            if o["kind"] == "ValidatingAdmissionPolicyBinding" {
                assert!(o["spec"]["policyName"].is_string(), "{case}: {dir}");
                assert_eq!(
                    o["spec"]["validationActions"],
                    json!(["Deny"]),
                    "{case}: {dir}"
                );
            }
        }
    }
    let cluster_objects = rendered.get("bases/cluster").cloned().unwrap_or_default();
    let cluster_stores: Vec<&Value> = cluster_objects
        .iter()
        .filter(|o| o["kind"] == "ClusterSecretStore")
        .collect();
    for store in &cluster_stores {
        let conditions = store["spec"]["conditions"]
            .as_array()
            .expect("conditions set");
        assert!(
            !conditions.is_empty(),
            "{case}: ClusterSecretStore without conditions"
        );
        for c in conditions {
            let keys: Vec<&String> = c.as_object().unwrap().keys().collect();
            assert_eq!(
                keys,
                ["namespaces"],
                "{case}: only explicit namespace lists"
            );
        }
        let mut refs = Vec::new();
        find_all(&store["spec"], "serviceAccountRef", &mut refs);
        refs.extend(secret_refs(store));
        assert!(
            !refs.is_empty(),
            "{case}: a cluster store authenticates somehow"
        );
        for r in refs {
            assert!(
                r["namespace"].is_string(),
                "{case}: reference without namespace: {r}"
            );
        }
    }
    let mut overlays = 0;
    for (dir, objects) in rendered {
        let Some(ns) = dir.strip_prefix("overlays/") else {
            continue;
        };
        overlays += 1;
        for o in objects {
            assert_eq!(o["metadata"]["namespace"], json!(ns), "{case}: {dir}");
            assert_eq!(
                o["metadata"]["labels"]["app.kubernetes.io/managed-by"],
                "esogen"
            );
        }
        for es in objects
            .iter()
            .filter(|o| o["kind"] == "ExternalSecret" || o["kind"] == "PushSecret")
        {
            let store_ref = if es["kind"] == "PushSecret" {
                &es["spec"]["secretStoreRefs"][0]
            } else {
                &es["spec"]["secretStoreRef"]
            };
            let store = match store_ref["kind"].as_str() {
                Some("SecretStore") => objects
                    .iter()
                    .find(|o| {
                        o["kind"] == "SecretStore" && o["metadata"]["name"] == store_ref["name"]
                    })
                    .unwrap_or_else(|| panic!("{case}: {dir}: store missing")),
                Some("ClusterSecretStore") => {
                    let store = cluster_stores
                        .iter()
                        .find(|s| s["metadata"]["name"] == store_ref["name"])
                        .unwrap_or_else(|| panic!("{case}: {dir}: cluster store missing"));
                    let allowed = &store["spec"]["conditions"][0]["namespaces"];
                    assert!(
                        allowed.as_array().unwrap().contains(&json!(ns)),
                        "{case}: {ns} not allowed by its ClusterSecretStore"
                    );
                    store
                }
                other => panic!("{case}: unexpected store kind {other:?}"),
            };
            // The ServiceAccount a namespaced store authenticates as is in
            // the same overlay.
            let mut sa_refs = Vec::new();
            find_all(&store["spec"], "serviceAccountRef", &mut sa_refs);
            for r in sa_refs {
                let home = r["namespace"].as_str().unwrap_or(ns);
                let pool = if home == ns {
                    objects
                } else {
                    &cluster_objects
                };
                assert!(
                    pool.iter().any(
                        |o| o["kind"] == "ServiceAccount" && o["metadata"]["name"] == r["name"]
                    ),
                    "{case}: {dir}: ServiceAccount {} not generated",
                    r["name"]
                );
            }
        }
    }
    assert!(overlays > 0, "{case}: no overlay rendered");
}

#[test]
fn strict_validation_rejects_unknown_and_missing_fields() {
    let Some(schemas) = schemas() else { return };
    let good = json!({
        "apiVersion": "external-secrets.io/v1",
        "kind": "ExternalSecret",
        "metadata": {"name": "x", "namespace": "a"},
        "spec": {
            "secretStoreRef": {"name": "aws", "kind": "SecretStore"},
            "target": {"name": "x"},
            "data": [{"secretKey": "k", "remoteRef": {"key": "a/b"}}]
        }
    });
    schemas.validate(&good).unwrap();
    let mut unknown = good.clone();
    unknown["spec"]["target"]["nmae"] = json!("typo");
    assert!(
        schemas.validate(&unknown).is_err(),
        "unknown field must fail"
    );
    let mut missing = good.clone();
    missing["spec"]["data"][0]["remoteRef"] = json!({});
    assert!(
        schemas.validate(&missing).is_err(),
        "missing required key must fail"
    );
    let sa_unknown = json!({
        "apiVersion": "v1", "kind": "ServiceAccount",
        "metadata": {"name": "x", "bogus": 1}
    });
    assert!(schemas.validate(&sa_unknown).is_err());
}
