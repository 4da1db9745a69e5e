//! The provider side delivered as code (issue 16): controller objects under
//! `bases/access/` and Terraform under `terraform/` carry exactly the
//! documents the `files` delivery writes, and those documents go through
//! the same conformance checks (the IAM simulator, ESO's calls).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{all_good_configs, parse_yaml_docs};

mod gcp;

/// The `policies/<home>/<store>.<file>` documents a delivered store's
/// objects carry, keyed as the `files` delivery would write them; JSON
/// documents pretty-printed as `files` writes them. `files` is the whole
/// tree, for what a store's file refers to elsewhere (Terraform resources
/// in `main.tf.json`). GCP documents are read back without what only a
/// person applying them needs ([`gcp_essentials`]).
pub fn documents_of(
    files: &BTreeMap<String, String>,
    path: &str,
    text: &str,
) -> Vec<(String, String)> {
    let pretty = |s: &str| {
        let v: Value = serde_json::from_str(s).unwrap_or_else(|e| panic!("{path}: {e}: {s}"));
        serde_json::to_string_pretty(&v).unwrap() + "\n"
    };
    let mut out = Vec::new();
    if let Some(name) = path
        .strip_prefix("bases/access/")
        .and_then(|f| f.strip_suffix(".yaml"))
    {
        if name == "kustomization" {
            return out;
        }
        let (home, store) = name.split_once('.').expect("<home>.<store>.yaml");
        let objects = parse_yaml_docs(text);
        let base = format!("policies/{home}/{store}");
        if let Some(doc) = gcp::from_config_connector(path, &objects) {
            out.push((format!("{base}.gcp-iam.json"), pretty(&doc.to_string())));
            return out;
        }
        for o in objects {
            match (
                o["apiVersion"].as_str().unwrap(),
                o["kind"].as_str().unwrap(),
            ) {
                ("iam.services.k8s.aws/v1alpha1", "Role") => {
                    let spec = &o["spec"];
                    out.push((
                        format!("{base}.trust-policy.json"),
                        pretty(spec["assumeRolePolicyDocument"].as_str().unwrap()),
                    ));
                    let inline = spec["inlinePolicies"].as_object().unwrap();
                    assert_eq!(inline.len(), 1, "{path}: one inline policy");
                    for doc in inline.values() {
                        out.push((
                            format!("{base}.iam-policy.json"),
                            pretty(doc.as_str().unwrap()),
                        ));
                    }
                }
                (api, kind) => panic!("{path}: no reader for {api} {kind}"),
            }
        }
    } else if let Some(name) = path
        .strip_prefix("terraform/")
        .and_then(|f| f.strip_suffix(".tf.json"))
    {
        if name == "main" {
            return out;
        }
        let (home, store) = name.split_once('.').expect("<home>.<store>.tf.json");
        let base = format!("policies/{home}/{store}");
        let file: Value = serde_json::from_str(text).unwrap();
        let main: Value = files
            .get("terraform/main.tf.json")
            .map(|m| serde_json::from_str(m).unwrap())
            .unwrap_or(Value::Null);
        if let Some(doc) = gcp::from_terraform(path, &file, &main) {
            out.push((format!("{base}.gcp-iam.json"), pretty(&doc.to_string())));
            return out;
        }
        for (kind, resources) in file["resource"].as_object().unwrap() {
            for body in resources.as_object().unwrap().values() {
                match kind.as_str() {
                    "aws_iam_role" => out.push((
                        format!("{base}.trust-policy.json"),
                        pretty(body["assume_role_policy"].as_str().unwrap()),
                    )),
                    "aws_iam_role_policy" | "aws_iam_user_policy" => out.push((
                        format!("{base}.iam-policy.json"),
                        pretty(body["policy"].as_str().unwrap()),
                    )),
                    other => panic!("{path}: no reader for {other}"),
                }
            }
        }
    }
    out
}

/// Adds to `files` the documents every delivered store's objects carry, as
/// `policies/` paths, for checks written against the `files` delivery.
pub fn add_delivered_documents(files: &mut BTreeMap<String, String>) {
    let found: Vec<(String, String)> = files
        .iter()
        .flat_map(|(p, t)| documents_of(files, p, t))
        .collect();
    for (p, t) in found {
        assert!(
            files.insert(p.clone(), t).is_none(),
            "{p} is written both as a file and by a delivery"
        );
    }
}

/// The config with every provider table's `delivery` removed: the same
/// identities, delivered as files.
fn as_files(text: &str) -> Option<String> {
    let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
    let mut changed = false;
    if let Some(providers) = doc.get_mut("providers").and_then(|p| p.as_table_mut()) {
        for (_, table) in providers.iter_mut() {
            if let Some(t) = table.as_table_mut() {
                changed |= t.remove("delivery").is_some();
            }
        }
    }
    changed.then(|| doc.to_string())
}

/// The generated files, as generated.
fn tree_of(name: &str, text: &str) -> BTreeMap<String, String> {
    let (_, result, _) = esogen::pipeline::generate_text("tenants.toml", text);
    let tree = result.unwrap_or_else(|e| panic!("{name}: {e}")).tree;
    tree.iter()
        .map(|(p, b)| (p.clone(), String::from_utf8_lossy(b).into_owned()))
        .collect()
}

/// Every example and fixture that delivers its provider side as code: the
/// documents inside the controller objects and Terraform resources are,
/// document for document, the ones `files` writes for the same config, and
/// nothing is written twice.
#[test]
fn delivered_documents_equal_the_files_delivery() {
    let mut checked = 0;
    let mut gcp_cases = std::collections::BTreeSet::new();
    for (case, path) in all_good_configs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let Some(files_text) = as_files(&text) else {
            continue;
        };
        let delivered = tree_of(&case, &text);
        let reference = tree_of(&case, &files_text);
        let mut from_objects: BTreeMap<String, Value> = BTreeMap::new();
        for (p, t) in &delivered {
            for (doc_path, doc) in documents_of(&delivered, p, t) {
                from_objects.insert(doc_path, serde_json::from_str(&doc).unwrap());
            }
        }
        assert!(!from_objects.is_empty(), "{case}: nothing delivered");
        for (doc_path, doc) in &from_objects {
            let want = reference
                .get(doc_path)
                .unwrap_or_else(|| panic!("{case}: files delivery has no {doc_path}"));
            let mut want: Value = serde_json::from_str(want).unwrap();
            let mut doc = doc.clone();
            if doc_path.ends_with(".gcp-iam.json") {
                want = gcp::essentials(&want);
                doc = gcp::essentials(&doc);
                gcp_cases.insert(case.clone());
            }
            assert_eq!(doc, want, "{case}: {doc_path}");
            assert!(
                !delivered.contains_key(doc_path),
                "{case}: {doc_path} written twice"
            );
            checked += 1;
        }
        // Every document files writes for a delivered store is delivered.
        for p in reference.keys().filter(|p| p.starts_with("policies/")) {
            let store_file = p.rsplit('/').next().unwrap();
            let store = store_file.split('.').next().unwrap();
            let home = p.split('/').nth(1).unwrap();
            let delivered_store = delivered.keys().any(|d| {
                d == &format!("bases/access/{home}.{store}.yaml")
                    || d == &format!("terraform/{home}.{store}.tf.json")
            });
            if delivered_store {
                assert!(from_objects.contains_key(p), "{case}: {p} not delivered");
            }
        }
    }
    assert!(checked > 0, "no example delivers its provider side as code");
    for case in ["example-gcp-config-connector", "example-terraform-gcp"] {
        assert!(gcp_cases.contains(case), "{case}: no GCP document checked");
    }
}

/// Terraform itself reads every generated root module: `terraform
/// providers` parses the configuration (JSON syntax) and resolves the
/// provider requirements without downloading them. Each provider a store
/// file uses is configured in `main.tf.json`.
#[test]
fn terraform_parses_every_generated_module() {
    let ok = std::process::Command::new("terraform")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var_os("ESOGEN_REQUIRE_TOOLS").is_none(),
            "terraform is required (ESOGEN_REQUIRE_TOOLS=1) but does not run"
        );
        eprintln!("SKIP: terraform not found");
        return;
    }
    let mut checked = 0;
    for (case, path) in all_good_configs() {
        let tree = crate::common::generate(&path);
        if tree.get("terraform/main.tf.json").is_none() {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        crate::common::write_tree(&tree, dir.path());
        let out = std::process::Command::new("terraform")
            .arg(format!("-chdir={}", dir.path().join("terraform").display()))
            .arg("providers")
            .env("TF_IN_AUTOMATION", "1")
            .env("CHECKPOINT_DISABLE", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{case}: terraform providers failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let main: Value =
            serde_json::from_slice(tree.get("terraform/main.tf.json").unwrap()).unwrap();
        for (p, bytes) in tree.iter() {
            if !p.starts_with("terraform/") || p.ends_with("main.tf.json") {
                continue;
            }
            let file: Value = serde_json::from_slice(bytes).unwrap();
            for resources in file["resource"].as_object().unwrap().values() {
                for body in resources.as_object().unwrap().values() {
                    let (name, alias) = body["provider"].as_str().unwrap().split_once('.').unwrap();
                    assert!(
                        main["provider"][name]
                            .as_array()
                            .is_some_and(|a| a.iter().any(|c| c["alias"] == alias)),
                        "{case}: {p}: provider {name}.{alias} is not configured"
                    );
                    let source = main["terraform"]["required_providers"][name]["source"]
                        .as_str()
                        .unwrap();
                    assert!(stdout.contains(source), "{case}: {source} not required");
                }
            }
        }
        checked += 1;
    }
    assert!(checked > 0, "no example delivers with Terraform");
}
