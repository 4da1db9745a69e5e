//! Every generated admission rule is evaluated by an independent CEL
//! implementation (the `cel` crate) against allowed objects and near misses.

use std::sync::Arc;

use cel::{Context, Env, Value as CelValue, extensions};
use serde_json::{Value, json};

use crate::common::{generate, parse_yaml_docs, repo_root};

/// The CEL expressions of a team's ValidatingAdmissionPolicy or Kyverno
/// ClusterPolicy, read back from the rendered YAML.
fn expressions(tree: &esogen::tree::OutputTree, path: &str) -> Vec<String> {
    let text =
        String::from_utf8(tree.get(path).unwrap_or_else(|| panic!("{path}")).clone()).unwrap();
    let mut out = Vec::new();
    for doc in parse_yaml_docs(&text) {
        match doc["kind"].as_str() {
            Some("ValidatingAdmissionPolicy") => {
                for v in doc["spec"]["validations"].as_array().unwrap() {
                    out.push(v["expression"].as_str().unwrap().to_owned());
                }
            }
            Some("ClusterPolicy") => {
                for r in doc["spec"]["rules"].as_array().unwrap() {
                    for e in r["validate"]["cel"]["expressions"].as_array().unwrap() {
                        out.push(e["expression"].as_str().unwrap().to_owned());
                    }
                }
            }
            _ => {}
        }
    }
    assert!(!out.is_empty(), "{path} has no rules");
    out
}

fn env() -> Arc<Env> {
    let mut env = Env::stdlib();
    env.add_extension(extensions::strings).unwrap();
    Arc::new(env)
}

/// True when every rule admits the object.
fn admitted(rules: &[String], object: &Value) -> bool {
    let env = env();
    rules.iter().all(|r| {
        let program = env.compile(r).unwrap_or_else(|e| panic!("{r}: {e:?}"));
        let mut ctx = Context::with_env(env.clone());
        ctx.add_variable("object", object.clone()).unwrap();
        match program.execute(&ctx) {
            Ok(CelValue::Bool(b)) => b,
            other => panic!("{r} evaluated to {other:?} for {object}"),
        }
    })
}

fn es(store_kind: &str, store: &str, data_keys: &[&str], data_from: Value) -> Value {
    let data: Vec<Value> = data_keys
        .iter()
        .map(|k| json!({"secretKey": "k", "remoteRef": {"key": k}}))
        .collect();
    let mut spec = json!({
        "secretStoreRef": {"name": store, "kind": store_kind},
        "target": {"name": "t"},
    });
    if !data.is_empty() {
        spec["data"] = json!(data);
    }
    if !data_from.is_null() {
        spec["dataFrom"] = data_from;
    }
    json!({"apiVersion": "external-secrets.io/v1", "kind": "ExternalSecret", "metadata": {"name": "x"}, "spec": spec})
}

fn check_team(rules: &[String], prefix: &str, kind: &str, store: &str) {
    let p = |s: &str| format!("{prefix}{s}");
    // Allowed.
    for ok in [
        es(kind, store, &[&p("db")], Value::Null),
        es(
            kind,
            store,
            &[&p("a/b/c")],
            json!([{"extract": {"key": p("x")}}]),
        ),
        es(
            kind,
            store,
            &[],
            json!([{"find": {"path": p("sub/"), "name": {"regexp": "x"}}}]),
        ),
        json!({"apiVersion": "external-secrets.io/v1alpha1", "kind": "PushSecret", "metadata": {"name": "p"},
               "spec": {"secretStoreRefs": [{"name": store, "kind": kind}], "selector": {"secret": {"name": "s"}},
                        "data": [{"match": {"secretKey": "k", "remoteRef": {"remoteKey": p("out")}}}]}}),
    ] {
        assert!(admitted(rules, &ok), "must be admitted: {ok}");
    }
    // A store reference without `kind` defaults to SecretStore.
    let mut no_kind = es(kind, store, &[&p("db")], Value::Null);
    no_kind["spec"]["secretStoreRef"]
        .as_object_mut()
        .unwrap()
        .remove("kind");
    assert_eq!(admitted(rules, &no_kind), kind == "SecretStore");

    // Near misses, each denied.
    let evil = format!("{}-evil/x", prefix.trim_end_matches('/'));
    let other_kind = if kind == "SecretStore" {
        "ClusterSecretStore"
    } else {
        "SecretStore"
    };
    let denied = [
        ("sibling prefix", es(kind, store, &[&evil], Value::Null)),
        (
            "dot-dot escape",
            es(kind, store, &[&p("../other")], Value::Null),
        ),
        ("empty key", es(kind, store, &[""], Value::Null)),
        (
            "key equal to the prefix",
            es(kind, store, &[prefix], Value::Null),
        ),
        (
            "one bad key among good",
            es(kind, store, &[&p("ok"), "other/x"], Value::Null),
        ),
        (
            "extract outside",
            es(kind, store, &[], json!([{"extract": {"key": evil}}])),
        ),
        (
            "extract dot-dot",
            es(kind, store, &[], json!([{"extract": {"key": p("../x")}}])),
        ),
        (
            "find without path",
            es(
                kind,
                store,
                &[],
                json!([{"find": {"name": {"regexp": ".*"}}}]),
            ),
        ),
        (
            "find path outside",
            es(kind, store, &[], json!([{"find": {"path": "other/"}}])),
        ),
        (
            "generator sourceRef",
            es(
                kind,
                store,
                &[],
                json!([{"sourceRef": {"generatorRef": {"kind": "Password", "name": "x"}}}]),
            ),
        ),
        ("data sourceRef", {
            let mut o = es(kind, store, &[&p("db")], Value::Null);
            o["spec"]["data"][0]["sourceRef"] =
                json!({"storeRef": {"name": "other", "kind": "SecretStore"}});
            o
        }),
        (
            "another store",
            es(kind, "other-store", &[&p("db")], Value::Null),
        ),
        (
            "another store kind",
            es(other_kind, store, &[&p("db")], Value::Null),
        ),
        (
            "push outside",
            json!({"apiVersion": "external-secrets.io/v1alpha1", "kind": "PushSecret", "metadata": {"name": "p"},
            "spec": {"secretStoreRefs": [{"name": store, "kind": kind}], "selector": {"secret": {"name": "s"}},
                     "data": [{"match": {"remoteRef": {"remoteKey": evil}}}]}}),
        ),
        (
            "push by label selector",
            json!({"apiVersion": "external-secrets.io/v1alpha1", "kind": "PushSecret", "metadata": {"name": "p"},
            "spec": {"secretStoreRefs": [{"kind": kind, "labelSelector": {"matchLabels": {"a": "b"}}}], "selector": {"secret": {"name": "s"}},
                     "data": [{"match": {"remoteRef": {"remoteKey": p("x")}}}]}}),
        ),
        (
            "push dataTo",
            json!({"apiVersion": "external-secrets.io/v1alpha1", "kind": "PushSecret", "metadata": {"name": "p"},
            "spec": {"secretStoreRefs": [{"name": store, "kind": kind}], "selector": {"secret": {"name": "s"}},
                     "dataTo": [{"storeRef": {"name": store}, "remoteKey": "other/x"}]}}),
        ),
    ];
    for (what, obj) in denied {
        assert!(!admitted(rules, &obj), "{what} must be denied: {obj}");
    }
}

#[test]
fn vap_rules_admit_the_prefix_and_deny_near_misses() {
    let tree = generate(&repo_root().join("tenants.toml"));
    let rules = expressions(&tree, "bases/admission/vap-payments.yaml");
    check_team(&rules, "prod/payments/", "SecretStore", "aws");
    // SecretStores in the team's namespaces: only its provider and service.
    let store = |provider: Value| json!({"apiVersion": "external-secrets.io/v1", "kind": "SecretStore", "metadata": {"name": "s"}, "spec": {"provider": provider}});
    assert!(admitted(
        &rules,
        &store(json!({"aws": {"service": "SecretsManager", "region": "eu-west-1"}}))
    ));
    assert!(!admitted(
        &rules,
        &store(json!({"aws": {"service": "ParameterStore", "region": "eu-west-1"}}))
    ));
    assert!(!admitted(
        &rules,
        &store(json!({"vault": {"server": "https://evil"}}))
    ));
    assert!(!admitted(
        &rules,
        &store(json!({"aws": {"service": "SecretsManager"}, "webhook": {"url": "https://evil"}}))
    ));
}

#[test]
fn kyverno_rules_cover_data_and_data_from() {
    let tree = generate(&repo_root().join("examples/flux/tenants.toml"));
    let rules = expressions(&tree, "bases/admission/kyverno-web.yaml");
    check_team(&rules, "prod/web/", "SecretStore", "aws");
}

#[test]
fn cluster_store_teams_must_use_their_cluster_store() {
    let tree = generate(&repo_root().join("examples/openbao/tenants.toml"));
    let rules = expressions(&tree, "bases/admission/vap-dev.yaml");
    check_team(&rules, "dev/", "ClusterSecretStore", "bao");
}

#[test]
fn rules_escape_prefixes_with_quotes() {
    // A prefix cannot hold a quote today, but the escaper must hold anyway.
    assert_eq!(
        esogen::manifest::admission::cel_string("a'b\\c"),
        "'a\\'b\\\\c'"
    );
    let env = env();
    let p = env
        .compile(&format!(
            "{}.size()",
            esogen::manifest::admission::cel_string("a'b\\c")
        ))
        .unwrap();
    assert_eq!(
        p.execute(&Context::with_env(env.clone())),
        Ok(CelValue::Int(5))
    );
}

#[test]
fn provider_key_list_matches_the_crd() {
    let Some(shared) = crate::common::shared_dir() else {
        return;
    };
    let text = std::fs::read_to_string(
        shared.join("crds/external-secrets/external-secrets.io_secretstores.yaml"),
    )
    .unwrap();
    let crd: Value = serde_saphyr::from_str(&text).unwrap();
    let v1 = crd["spec"]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "v1")
        .unwrap();
    let mut keys: Vec<String> = v1["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]
        ["provider"]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    keys.sort();
    let mut ours: Vec<String> = esogen::manifest::admission::ESO_PROVIDER_KEYS
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    ours.sort();
    assert_eq!(
        ours, keys,
        "a provider missing from the list could slip past the SecretStore rule"
    );
}
