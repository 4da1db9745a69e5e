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
                if let Err(e) = schemas.validate(o) {
                    panic!("{case}: {k}: {e}");
                }
            }
            rendered.insert(k, objects);
        }
        check_facts(&case, &rendered);
    }
}

fn check_facts(case: &str, rendered: &BTreeMap<String, Vec<Value>>) {
    let cluster_stores: Vec<&Value> = rendered
        .get("bases/cluster")
        .map(|v| {
            v.iter()
                .filter(|o| o["kind"] == "ClusterSecretStore")
                .collect()
        })
        .unwrap_or_default();
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
        let sa = &store["spec"]["provider"]["aws"]["auth"]["jwt"]["serviceAccountRef"];
        assert!(
            sa["namespace"].is_string(),
            "{case}: serviceAccountRef.namespace must be set"
        );
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
        for es in objects.iter().filter(|o| o["kind"] == "ExternalSecret") {
            let store_ref = &es["spec"]["secretStoreRef"];
            match store_ref["kind"].as_str() {
                Some("SecretStore") => {
                    let store = objects
                        .iter()
                        .find(|o| {
                            o["kind"] == "SecretStore" && o["metadata"]["name"] == store_ref["name"]
                        })
                        .unwrap_or_else(|| panic!("{case}: {dir}: store missing"));
                    let sa_name = &store["spec"]["provider"]["aws"]["auth"]["jwt"]["serviceAccountRef"]
                        ["name"];
                    let sa = objects
                        .iter()
                        .find(|o| {
                            o["kind"] == "ServiceAccount" && &o["metadata"]["name"] == sa_name
                        })
                        .unwrap_or_else(|| panic!("{case}: {dir}: ServiceAccount missing"));
                    let arn = sa["metadata"]["annotations"]["eks.amazonaws.com/role-arn"]
                        .as_str()
                        .unwrap_or_else(|| panic!("{case}: {dir}: no IRSA annotation"));
                    assert!(arn.starts_with("arn:aws"), "{case}: {arn}");
                }
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
                }
                other => panic!("{case}: unexpected store kind {other:?}"),
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
