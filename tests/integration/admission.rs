//! Every generated admission rule is evaluated by an independent CEL
//! implementation (the `cel` crate), for both engines (ValidatingAdmissionPolicy
//! and Kyverno), against everything the config itself generates (which must
//! be admitted) and against what a tenant could write to reach another
//! prefix or other credentials (which must be denied). Regression tests for
//! project issue 13, items 2, 3 and 5.

mod model;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Mutex, OnceLock};

use esogen::tree::OutputTree;
use serde_json::{Value, json};

use crate::common::{
    all_good_configs, kubectl, kustomize, parse_yaml_docs, repo_root, shared_dir, write_tree,
};
use model::{Engine, Policy, Request, Verdict, admit, defaulted, policies};

/// Runs the pure pipeline on a config text; panics with the diagnostics.
fn generate_text(text: &str) -> OutputTree {
    let (sources, result, diags) = esogen::pipeline::generate_text("tenants.toml", text);
    match result {
        Ok(g) => g.tree,
        Err(e) => panic!(
            "{e}\n{}",
            esogen::diag::render::render_all(
                &sources,
                &diags.sorted(),
                esogen::diag::render::ColorChoice::Never
            )
        ),
    }
}

/// `text` with `[cluster]` keys set (or replaced).
fn with_cluster(text: &str, settings: &[(&str, toml_edit::Value)]) -> String {
    let mut doc: toml_edit::DocumentMut = text.parse().expect("valid TOML");
    for (k, v) in settings {
        doc["cluster"][*k] = toml_edit::Item::Value(v.clone());
    }
    doc.to_string()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

/// The tree of `text` with `[cluster] admission` set to `engine`.
fn generate_for(text: &str, engine: Engine) -> OutputTree {
    generate_text(&with_cluster(
        text,
        &[("admission", engine.setting().into())],
    ))
}

/// Every object `kubectl kustomize overlays/<ns>` renders, with the CRD
/// defaults the API server would add. Rendered once per tree and test
/// binary: several tests read the same configs.
fn overlay_objects(kubectl: &Path, tree: &OutputTree) -> Vec<Value> {
    static RENDERED: OnceLock<Mutex<HashMap<Vec<u8>, Vec<Value>>>> = OnceLock::new();
    let key: Vec<u8> = tree
        .iter()
        .filter(|(p, _)| p.starts_with("overlays/") || p.starts_with("bases/tenant/"))
        .flat_map(|(p, b)| {
            p.as_bytes()
                .iter()
                .chain(b.iter())
                .copied()
                .collect::<Vec<u8>>()
        })
        .collect();
    let cache = RENDERED.get_or_init(Default::default);
    if let Some(objects) = cache.lock().unwrap().get(&key) {
        return objects.clone();
    }
    let objects = render_overlays(kubectl, tree);
    cache.lock().unwrap().insert(key, objects.clone());
    objects
}

fn render_overlays(kubectl: &Path, tree: &OutputTree) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    write_tree(tree, dir.path());
    let mut out = Vec::new();
    for (path, _) in tree.iter() {
        let Some(ns_dir) = path
            .strip_prefix("overlays/")
            .and_then(|p| p.strip_suffix("/kustomization.yaml"))
        else {
            continue;
        };
        for obj in kustomize(kubectl, &dir.path().join("overlays").join(ns_dir)) {
            out.push(defaulted(&obj));
        }
    }
    out
}

/// The identity that applies the tree by default: the GitOps controller
/// (Argo CD's application controller, Flux's kustomize-controller or the
/// per-tenant ServiceAccount it impersonates), or an administrator.
fn writer_for(text: &str, ns: &str) -> String {
    let doc: toml::Table = toml::from_str(text).unwrap();
    let c = doc["cluster"].as_table().unwrap();
    let s = |k: &str, d: &str| c.get(k).and_then(|v| v.as_str()).unwrap_or(d).to_owned();
    if let Some(w) = c.get("store_writers").and_then(|w| w.as_array()) {
        return w[0].as_str().unwrap().to_owned();
    }
    match s("gitops", "none").as_str() {
        "argocd" => format!(
            "system:serviceaccount:{}:argocd-application-controller",
            s("argocd_namespace", "argocd")
        ),
        "flux" if c.get("flux_impersonate").and_then(toml::Value::as_bool) == Some(true) => {
            format!("system:serviceaccount:{ns}:esogen-reconciler")
        }
        "flux" => format!(
            "system:serviceaccount:{}:kustomize-controller",
            s("flux_namespace", "flux-system")
        ),
        _ => "kubernetes-admin".to_owned(),
    }
}

fn is_eso(object: &Value) -> bool {
    let (group, _) = model::group_kind(object);
    group == "external-secrets.io" || group == "generators.external-secrets.io"
}

fn ns_of(object: &Value) -> &str {
    object["metadata"]["namespace"].as_str().unwrap()
}

#[track_caller]
fn assert_admitted(policies: &[Policy], object: &Value, request: &Request) {
    match admit(policies, object, request) {
        Verdict::Admitted { .. } => {}
        Verdict::Denied(why) => panic!("must be admitted: {object}\n{request:?}\ndenied by {why}"),
    }
}

#[track_caller]
fn assert_denied(what: &str, policies: &[Policy], object: &Value, request: &Request) {
    if let Verdict::Admitted { matched } = admit(policies, object, request) {
        panic!("{what} must be denied ({matched} policies applied): {object}\n{request:?}");
    }
}

fn in_ns(mut object: Value, ns: &str) -> Value {
    object["metadata"]["namespace"] = json!(ns);
    object
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

fn push(store_kind: &str, store: &str, remote_key: &str) -> Value {
    json!({"apiVersion": "external-secrets.io/v1alpha1", "kind": "PushSecret", "metadata": {"name": "p"},
           "spec": {"secretStoreRefs": [{"name": store, "kind": store_kind}], "selector": {"secret": {"name": "s"}},
                    "data": [{"match": {"secretKey": "k", "remoteRef": {"remoteKey": remote_key}}}]}})
}

fn password_generator() -> Value {
    json!({"apiVersion": "generators.external-secrets.io/v1alpha1", "kind": "Password",
           "metadata": {"name": "pw"}, "spec": {"length": 32}})
}

/// The near misses every team's rules must deny, and what they must admit,
/// in namespace `ns` of a team with `prefix` and store `kind`/`store`.
/// `pushes` says whether the config installs PushSecret at all.
fn check_team(policies: &[Policy], ns: &str, prefix: &str, kind: &str, store: &str, pushes: bool) {
    let user = Request::create("system:serviceaccount:argocd:argocd-application-controller");
    let p = |s: &str| format!("{prefix}{s}");
    let mut ok = vec![
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
    ];
    if pushes {
        ok.push(push(kind, store, &p("out")));
    }
    for o in ok {
        let o = defaulted(&in_ns(o, ns));
        assert_admitted(policies, &o, &user);
    }
    // A store reference without `kind` means SecretStore.
    let mut no_kind = es(kind, store, &[&p("db")], Value::Null);
    no_kind["spec"]["secretStoreRef"]
        .as_object_mut()
        .unwrap()
        .remove("kind");
    let no_kind = in_ns(no_kind, ns);
    if kind == "SecretStore" {
        assert_admitted(policies, &no_kind, &user);
    } else {
        assert_denied(
            "an omitted store kind (SecretStore)",
            policies,
            &no_kind,
            &user,
        );
    }

    let evil = format!("{}-evil/x", prefix.trim_end_matches('/'));
    let other_kind = if kind == "SecretStore" {
        "ClusterSecretStore"
    } else {
        "SecretStore"
    };
    let mut denied = vec![
        ("sibling prefix", es(kind, store, &[&evil], Value::Null)),
        (
            "dot-dot escape",
            es(kind, store, &[&p("../other")], Value::Null),
        ),
        (
            "leading slash",
            es(kind, store, &[&format!("/{}", p("db"))], Value::Null),
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
            "find path dot-dot",
            es(kind, store, &[], json!([{"find": {"path": p("../")}}])),
        ),
        (
            "generator sourceRef in dataFrom",
            es(
                kind,
                store,
                &[],
                json!([{"sourceRef": {"generatorRef": {"kind": "Password", "name": "x"}}}]),
            ),
        ),
        ("generator sourceRef in data", {
            let mut o = es(kind, store, &[&p("db")], Value::Null);
            o["spec"]["data"][0]["sourceRef"] =
                json!({"generatorRef": {"kind": "Password", "name": "x"}});
            o
        }),
        ("store sourceRef in data", {
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
        ("a generator object", password_generator()),
    ];
    if pushes {
        denied.extend([
            ("push outside", push(kind, store, &evil)),
            ("push dot-dot", push(kind, store, &p("../x"))),
            ("push through another store", push(kind, "other", &p("x"))),
            ("push by label selector", {
                let mut o = push(kind, store, &p("x"));
                o["spec"]["secretStoreRefs"] =
                    json!([{"kind": kind, "labelSelector": {"matchLabels": {"a": "b"}}}]);
                o
            }),
            ("push dataTo", {
                let mut o = push(kind, store, &p("x"));
                o["spec"]["dataTo"] = json!([{"storeRef": {"name": store}, "remoteKey": "other/x"}]);
                o
            }),
            ("push from a generator", {
                let mut o = push(kind, store, &p("x"));
                o["spec"]["selector"] =
                    json!({"generatorRef": {"apiVersion": "generators.external-secrets.io/v1alpha1", "kind": "Password", "name": "pw"}});
                o
            }),
        ]);
    }
    for (what, obj) in denied {
        let obj = defaulted(&in_ns(obj, ns));
        assert_denied(what, policies, &obj, &user);
    }
}

#[test]
fn vap_rules_admit_the_prefix_and_deny_near_misses() {
    let tree = generate_for(&read(&repo_root().join("tenants.toml")), Engine::Vap);
    check_team(
        &policies(&tree),
        "payments",
        "prod/payments/",
        "SecretStore",
        "aws",
        false,
    );
    let text = read(&repo_root().join("examples/aws-secrets-manager/tenants.toml"));
    let tree = generate_for(&text, Engine::Vap);
    check_team(
        &policies(&tree),
        "orders",
        "prod/orders/",
        "SecretStore",
        "sm",
        true,
    );
}

#[test]
fn kyverno_rules_cover_data_and_data_from() {
    let tree = generate_for(
        &read(&repo_root().join("examples/flux/tenants.toml")),
        Engine::Kyverno,
    );
    check_team(
        &policies(&tree),
        "web",
        "prod/web/",
        "SecretStore",
        "aws",
        false,
    );
    let text = read(&repo_root().join("examples/aws-secrets-manager/tenants.toml"));
    let tree = generate_for(&text, Engine::Kyverno);
    check_team(
        &policies(&tree),
        "orders",
        "prod/orders/",
        "SecretStore",
        "sm",
        true,
    );
}

#[test]
fn cluster_store_teams_must_use_their_cluster_store() {
    let text = read(&repo_root().join("examples/openbao/tenants.toml"));
    for engine in Engine::ALL {
        let tree = generate_for(&text, engine);
        check_team(
            &policies(&tree),
            "dev-frontend",
            "dev/",
            "ClusterSecretStore",
            "bao",
            false,
        );
    }
}

/// Issue 13: everything the config generates is admitted, by both engines,
/// in its own namespace, when the GitOps controller applies it (create and
/// re-apply).
#[test]
fn every_generated_object_is_admitted_by_both_engines() {
    let Some(kubectl) = kubectl() else { return };
    for (name, path) in all_good_configs() {
        let text = read(&path);
        let objects = overlay_objects(&kubectl, &generate_text(&text));
        for engine in Engine::ALL {
            let policies = policies(&generate_for(&text, engine));
            for obj in objects.iter().filter(|o| is_eso(o)) {
                let writer = writer_for(&text, ns_of(obj));
                for request in [Request::create(&writer), Request::update(&writer, obj)] {
                    match admit(&policies, obj, &request) {
                        Verdict::Admitted { matched } => {
                            assert!(matched > 0, "{name} {engine:?}: no policy applies to {obj}");
                        }
                        Verdict::Denied(why) => {
                            panic!("{name} {engine:?}: generated object denied by {why}: {obj}")
                        }
                    }
                }
            }
        }
    }
}

/// What a tenant could write into its own SecretStore, from the CRD: every
/// field of the provider block changed, removed or added (with a value that
/// differs from the CRD default), another provider, another spec field and
/// another name. Mutations that the API server's defaulting turns back into
/// the generated store are dropped.
fn store_mutations(store: &Value) -> Vec<(String, Value)> {
    let schema = model::eso_schema("SecretStore").expect("the SecretStore CRD");
    let provider = store["spec"]["provider"].as_object().unwrap();
    assert_eq!(provider.len(), 1, "one provider block: {store}");
    let key = provider.keys().next().unwrap().clone();
    let block_schema = &schema["properties"]["spec"]["properties"]["provider"]["properties"][&key];
    let mut out = Vec::new();
    mutate_block(
        &store["spec"]["provider"][&key],
        block_schema,
        &format!("spec.provider.{key}"),
        &mut |path, new_block| {
            let mut s = store.clone();
            s["spec"]["provider"][&key] = new_block;
            out.push((path, s));
        },
    );
    let mut add = |what: &str, f: &dyn Fn(&mut Value)| {
        let mut s = store.clone();
        f(&mut s);
        out.push((what.to_owned(), s));
    };
    add("another provider beside it", &|s| {
        s["spec"]["provider"]["webhook"] = json!({"url": "https://evil.example.com"});
    });
    add("another name", &|s| s["metadata"]["name"] = json!("other"));
    add("spec.controller", &|s| {
        s["spec"]["controller"] = json!("other");
    });
    add("spec.conditions", &|s| {
        s["spec"]["conditions"] = json!([{"namespaces": ["x"]}]);
    });
    add("spec.refreshInterval", &|s| {
        s["spec"]["refreshInterval"] = json!(5);
    });
    add("spec.retrySettings", &|s| {
        s["spec"]["retrySettings"] = json!({"maxRetries": 1});
    });
    let original = defaulted(store);
    out.into_iter()
        .map(|(w, s)| (w, defaulted(&s)))
        .filter(|(_, s)| *s != original)
        .collect()
}

/// A value for a field of `schema` that differs from `current` and from the
/// field's default.
fn other_value(schema: &Value, current: Option<&Value>) -> Value {
    let avoid = |v: &Value| Some(v) == current || Some(v) == schema.get("default");
    if let Some(e) = schema.get("enum").and_then(|e| e.as_array())
        && let Some(v) = e.iter().find(|v| !avoid(v))
    {
        return v.clone();
    }
    match schema["type"].as_str() {
        Some("string") => {
            let base = current.and_then(|c| c.as_str()).unwrap_or("evil");
            json!(format!("{base}x"))
        }
        Some("boolean") => json!(
            !current
                .or(schema.get("default"))
                .and_then(serde_json::Value::as_bool)
                .unwrap_or(false)
        ),
        Some("integer") => json!(current.and_then(serde_json::Value::as_i64).unwrap_or(0) + 7),
        Some("array") => {
            let mut a = current
                .and_then(|c| c.as_array())
                .cloned()
                .unwrap_or_default();
            a.push(other_value(&schema["items"], None));
            json!(a)
        }
        Some("object") if schema.get("properties").is_some() => {
            let mut m = serde_json::Map::new();
            for (k, sub) in schema["properties"].as_object().unwrap() {
                if sub.get("default").is_none() {
                    m.insert(k.clone(), other_value(sub, None));
                }
            }
            Value::Object(m)
        }
        Some("object") => json!({"k": "v"}),
        _ => json!(7),
    }
}

fn mutate_block(block: &Value, schema: &Value, path: &str, emit: &mut dyn FnMut(String, Value)) {
    let Some(props) = schema.get("properties").and_then(|p| p.as_object()) else {
        return;
    };
    for (k, sub) in props {
        let here = format!("{path}.{k}");
        let current = block.get(k);
        match current {
            None => {
                let mut b = block.clone();
                b[k] = other_value(sub, None);
                emit(format!("{here} added"), b);
            }
            Some(v) => {
                let mut b = block.clone();
                b.as_object_mut().unwrap().remove(k);
                emit(format!("{here} removed"), b);
                if v.is_object() && sub.get("properties").is_some() {
                    mutate_block(v, sub, &here, &mut |p, child| {
                        let mut b = block.clone();
                        b[k] = child;
                        emit(p, b);
                    });
                } else {
                    let mut b = block.clone();
                    b[k] = other_value(sub, Some(v));
                    emit(format!("{here} changed"), b);
                }
            }
        }
    }
}

/// Issue 13 item 2: in a team namespace the only SecretStore admitted is the
/// generated one, field for field, after CRD defaulting; any other value,
/// missing field or extra field (another role, region, server, mount, vault
/// URL, project, tenant, an extra auth method, no auth at all) is denied.
#[test]
fn team_stores_are_pinned_field_by_field() {
    let Some(kubectl) = kubectl() else { return };
    if shared_dir().is_none() {
        return;
    }
    let mut seen = std::collections::BTreeSet::new();
    for (name, path) in all_good_configs() {
        let text = read(&path);
        let objects = overlay_objects(&kubectl, &generate_text(&text));
        for engine in Engine::ALL {
            let policies = policies(&generate_for(&text, engine));
            for store in objects.iter().filter(|o| o["kind"] == "SecretStore") {
                let writer = Request::create(&writer_for(&text, ns_of(store)));
                assert_admitted(&policies, store, &writer);
                let key = store["spec"]["provider"]
                    .as_object()
                    .unwrap()
                    .keys()
                    .next()
                    .unwrap()
                    .clone();
                seen.insert(key);
                for (what, mutated) in store_mutations(store) {
                    if let Verdict::Admitted { .. } = admit(&policies, &mutated, &writer) {
                        panic!("{name} {engine:?}: {what} must be denied: {mutated}");
                    }
                }
            }
        }
    }
    for key in ["aws", "gcpsm", "azurekv", "vault"] {
        assert!(seen.contains(key), "no generated `{key}` store was checked");
    }
}

/// Named cases of the issue, on top of the exhaustive mutations above.
#[test]
fn stores_without_auth_or_with_other_credentials_are_denied() {
    let Some(kubectl) = kubectl() else { return };
    if shared_dir().is_none() {
        return;
    }
    /// A config, a namespace and changes to its store (JSON pointer, value).
    type Case<'a> = (&'a str, &'a str, &'a [(&'a str, Value)]);
    let cases: &[Case] = &[
        (
            "tenants.toml",
            "payments",
            &[
                (
                    "/spec/provider/aws/role",
                    json!("arn:aws:iam::123456789012:role/admin"),
                ),
                (
                    "/spec/provider/aws/additionalRoles",
                    json!(["arn:aws:iam::123456789012:role/admin"]),
                ),
                ("/spec/provider/aws/region", json!("us-east-1")),
                ("/spec/provider/aws/service", json!("ParameterStore")),
                (
                    "/spec/provider/aws/auth/secretRef",
                    json!({"accessKeyIDSecretRef": {"name": "k", "key": "id"}, "secretAccessKeySecretRef": {"name": "k", "key": "secret"}}),
                ),
                (
                    "/spec/provider/aws/auth/jwt/serviceAccountRef/name",
                    json!("default"),
                ),
            ],
        ),
        (
            "examples/vault/tenants.toml",
            "payments",
            &[
                (
                    "/spec/provider/vault/server",
                    json!("https://evil.example.com:8200"),
                ),
                ("/spec/provider/vault/path", json!("other-mount")),
                (
                    "/spec/provider/vault/auth/kubernetes/role",
                    json!("eso-reporting"),
                ),
                (
                    "/spec/provider/vault/auth/kubernetes/mountPath",
                    json!("other"),
                ),
                (
                    "/spec/provider/vault/auth/tokenSecretRef",
                    json!({"name": "root-token", "key": "token"}),
                ),
            ],
        ),
        (
            "examples/gcp-secret-manager/tenants.toml",
            "catalog",
            &[
                ("/spec/provider/gcpsm/projectID", json!("other-project")),
                (
                    "/spec/provider/gcpsm/auth/secretRef",
                    json!({"secretAccessKeySecretRef": {"name": "k", "key": "k"}}),
                ),
            ],
        ),
        (
            "examples/azure-key-vault/tenants.toml",
            "web",
            &[
                (
                    "/spec/provider/azurekv/vaultUrl",
                    json!("https://kv-data-prod.vault.azure.net"),
                ),
                (
                    "/spec/provider/azurekv/tenantId",
                    json!("00000000-0000-4000-8000-000000000000"),
                ),
                ("/spec/provider/azurekv/authType", json!("ManagedIdentity")),
                ("/spec/provider/azurekv/identityId", json!("some-identity")),
            ],
        ),
    ];
    for (config, ns, changes) in cases {
        let text = read(&repo_root().join(config));
        let objects = overlay_objects(&kubectl, &generate_text(&text));
        let store = objects
            .iter()
            .find(|o| o["kind"] == "SecretStore" && ns_of(o) == *ns)
            .unwrap();
        let writer = Request::create(&writer_for(&text, ns));
        let key = store["spec"]["provider"]
            .as_object()
            .unwrap()
            .keys()
            .next()
            .unwrap()
            .clone();
        for engine in Engine::ALL {
            let policies = policies(&generate_for(&text, engine));
            let mut no_auth = store.clone();
            let block = no_auth["spec"]["provider"][&key].as_object_mut().unwrap();
            for k in ["auth", "serviceAccountRef", "authType", "authSecretRef"] {
                block.remove(k);
            }
            assert_denied(
                "a store without auth",
                &policies,
                &defaulted(&no_auth),
                &writer,
            );
            for (pointer, value) in *changes {
                let mut s = store.clone();
                set_pointer(&mut s, pointer, value.clone());
                assert_denied(pointer, &policies, &defaulted(&s), &writer);
            }
        }
    }
}

fn set_pointer(v: &mut Value, pointer: &str, value: Value) {
    let (parent, last) = pointer.rsplit_once('/').unwrap();
    let mut cur = v;
    for part in parent.split('/').skip(1) {
        if cur.get(part).is_none() {
            cur[part] = json!({});
        }
        cur = cur.get_mut(part).unwrap();
    }
    cur[last] = value;
}

/// Option A stores differ per namespace (a Vault role per namespace): each
/// namespace admits its own store and not its neighbour's.
#[test]
fn stores_are_pinned_per_namespace() {
    let Some(kubectl) = kubectl() else { return };
    let text = r#"version = 1
[cluster]
name = "c"
platform = "generic"
[providers.vault]
kind = "vault"
server = "https://vault.example.com:8200"
[[teams]]
name = "a"
provider = "vault"
prefix = "a/"
namespaces = ["a1", "a2"]
[[teams]]
name = "b"
provider = "vault"
prefix = "b/"
namespaces = ["b1"]
"#;
    let objects = overlay_objects(&kubectl, &generate_text(text));
    let store = |ns: &str| {
        objects
            .iter()
            .find(|o| o["kind"] == "SecretStore" && ns_of(o) == ns)
            .unwrap()
            .clone()
    };
    let (a1, a2) = (store("a1"), store("a2"));
    assert_ne!(
        a1["spec"]["provider"], a2["spec"]["provider"],
        "the fixture needs stores that differ"
    );
    for engine in Engine::ALL {
        let policies = policies(&generate_for(text, engine));
        let writer = Request::create("kubernetes-admin");
        assert_admitted(&policies, &a1, &writer);
        assert_admitted(&policies, &a2, &writer);
        assert_denied(
            "a1's store in a2",
            &policies,
            &in_ns(a1.clone(), "a2"),
            &writer,
        );
        assert_denied(
            "a2's store in a1",
            &policies,
            &in_ns(a2.clone(), "a1"),
            &writer,
        );
    }
}

/// Issue 13 item 2, second defence: only the GitOps controller's identity
/// (configurable with `store_writers`) creates or changes SecretStores in
/// tenant namespaces; ESO itself may still update the finalizers.
#[test]
fn only_the_gitops_identity_writes_stores() {
    let Some(kubectl) = kubectl() else { return };
    let tenant = "system:serviceaccount:payments:default";
    let eso = "system:serviceaccount:external-secrets:external-secrets";

    // Argo CD.
    let text = read(&repo_root().join("tenants.toml"));
    let objects = overlay_objects(&kubectl, &generate_text(&text));
    let store = objects
        .iter()
        .find(|o| o["kind"] == "SecretStore" && ns_of(o) == "payments")
        .unwrap();
    let argo = "system:serviceaccount:argocd:argocd-application-controller";
    for engine in Engine::ALL {
        let tree = generate_for(&text, engine);
        let policies = policies(&tree);
        assert_admitted(&policies, store, &Request::create(argo));
        assert_denied(
            "a tenant creating the generated store",
            &policies,
            store,
            &Request::create(tenant),
        );
        let mut finalized = store.clone();
        finalized["metadata"]["finalizers"] = json!(["secretstore.externalsecrets.io/finalizer"]);
        assert_admitted(&policies, &finalized, &Request::update(eso, store));
        let mut changed = store.clone();
        changed["spec"]["provider"]["aws"]["region"] = json!("us-east-1");
        assert_denied(
            "a tenant changing the spec",
            &policies,
            &changed,
            &Request::update(tenant, store),
        );
        if engine == Engine::Kyverno {
            // `request.userInfo` exists only at admission: the rule that reads
            // it must not run in background scans.
            for p in policies.iter().filter(|p| {
                p.expressions
                    .iter()
                    .any(|(e, _)| e.contains("request.userInfo"))
            }) {
                assert_eq!(p.background, Some(false), "{}", p.origin);
            }
            assert!(
                policies.iter().any(|p| p.background == Some(true)),
                "the prefix rules keep their background scans"
            );
        }
    }
    // A custom list replaces the default.
    let custom = with_cluster(
        &text,
        &[("store_writers", toml_edit::Value::from_iter(["ci-bot"]))],
    );
    for engine in Engine::ALL {
        let policies = policies(&generate_for(&custom, engine));
        assert_admitted(&policies, store, &Request::create("ci-bot"));
        assert_denied(
            "Argo CD, no longer listed",
            &policies,
            store,
            &Request::create(argo),
        );
    }

    // Flux impersonating a per-tenant ServiceAccount.
    let text = read(&repo_root().join("examples/flux/tenants.toml"));
    let objects = overlay_objects(&kubectl, &generate_text(&text));
    let store = objects
        .iter()
        .find(|o| o["kind"] == "SecretStore" && ns_of(o) == "web")
        .unwrap();
    for engine in Engine::ALL {
        let policies = policies(&generate_for(&text, engine));
        assert_admitted(
            &policies,
            store,
            &Request::create("system:serviceaccount:web:esogen-reconciler"),
        );
        assert_denied(
            "another namespace's reconciler",
            &policies,
            store,
            &Request::create("system:serviceaccount:api:esogen-reconciler"),
        );
        assert_denied(
            "the kustomize-controller itself when it impersonates",
            &policies,
            store,
            &Request::create("system:serviceaccount:flux-system:kustomize-controller"),
        );
    }
    let plain = with_cluster(&text, &[("flux_impersonate", false.into())]);
    for engine in Engine::ALL {
        let policies = policies(&generate_for(&plain, engine));
        assert_admitted(
            &policies,
            store,
            &Request::create("system:serviceaccount:flux-system:kustomize-controller"),
        );
        assert_denied("a tenant", &policies, store, &Request::create(tenant));
    }

    // Without GitOps only the pinning applies.
    let text = read(&repo_root().join("examples/vault/tenants.toml"));
    let objects = overlay_objects(&kubectl, &generate_text(&text));
    let store = objects
        .iter()
        .find(|o| o["kind"] == "SecretStore" && ns_of(o) == "payments")
        .unwrap();
    for engine in Engine::ALL {
        let policies = policies(&generate_for(&text, engine));
        assert_admitted(&policies, store, &Request::create(tenant));
    }
}

/// Issue 13 item 2: generators (objects of `generators.external-secrets.io`,
/// a PushSecret `selector.generatorRef`, an ExternalSecret generator
/// `sourceRef`) are refused in team namespaces unless `allow_generators`.
#[test]
fn generators_are_refused_unless_allowed() {
    let text = read(&repo_root().join("examples/aws-secrets-manager/tenants.toml"));
    let user = Request::create("kubernetes-admin");
    let generator_ref = json!({"apiVersion": "generators.external-secrets.io/v1alpha1", "kind": "Password", "name": "pw"});
    let from_generator = in_ns(
        es(
            "SecretStore",
            "sm",
            &[],
            json!([{"sourceRef": {"generatorRef": generator_ref}}]),
        ),
        "orders",
    );
    let mut data_generator = in_ns(
        es("SecretStore", "sm", &["prod/orders/x"], Value::Null),
        "orders",
    );
    data_generator["spec"]["data"][0]["sourceRef"] = json!({"generatorRef": generator_ref});
    let mut push_generator = in_ns(push("SecretStore", "sm", "prod/orders/x"), "orders");
    push_generator["spec"]["selector"] = json!({"generatorRef": generator_ref});
    let generator = in_ns(password_generator(), "orders");
    for engine in Engine::ALL {
        let policies = policies(&generate_for(&text, engine));
        for (what, o) in [
            ("dataFrom generator", &from_generator),
            ("data generator", &data_generator),
            ("push from a generator", &push_generator),
            ("a Password generator", &generator),
        ] {
            assert_denied(what, &policies, &defaulted(o), &user);
        }
    }
    let allowed = with_cluster(&text, &[("allow_generators", true.into())]);
    for engine in Engine::ALL {
        let policies = policies(&generate_for(&allowed, engine));
        for o in [
            &from_generator,
            &data_generator,
            &push_generator,
            &generator,
        ] {
            assert_admitted(&policies, &defaulted(o), &user);
        }
        // Still: no ClusterGenerator (shared by every namespace) and no
        // other store through a sourceRef.
        let mut cluster_gen = from_generator.clone();
        cluster_gen["spec"]["dataFrom"][0]["sourceRef"]["generatorRef"]["kind"] =
            json!("ClusterGenerator");
        assert_denied(
            "a ClusterGenerator",
            &policies,
            &defaulted(&cluster_gen),
            &user,
        );
        let mut other_store = data_generator.clone();
        other_store["spec"]["data"][0]["sourceRef"] =
            json!({"storeRef": {"name": "other", "kind": "SecretStore"}});
        assert_denied(
            "another store by sourceRef",
            &policies,
            &defaulted(&other_store),
            &user,
        );
    }
}

/// Issue 13 item 5: Azure ignores `find.path` and lists the whole vault, so
/// a find must carry `name.regexp` anchored at the escaped prefix with
/// nothing after it that could widen the match; Key Vault names are
/// case-insensitive, so the prefix is compared with case folded.
#[test]
fn azure_finds_are_anchored_at_the_prefix() {
    let text = read(&repo_root().join("examples/azure-key-vault/tenants.toml"));
    let user = Request::create("kubernetes-admin");
    let prefix = "web-";
    let escaped = regex::escape(prefix);
    let find = |regexp: Option<&str>, path: Option<&str>| {
        let mut f = json!({});
        if let Some(r) = regexp {
            f["name"] = json!({"regexp": r});
        }
        if let Some(p) = path {
            f["path"] = json!(p);
        }
        defaulted(&in_ns(
            es("SecretStore", "kv-web", &[], json!([{"find": f}])),
            "web",
        ))
    };
    let key = |k: &str| {
        defaulted(&in_ns(
            es("SecretStore", "kv-web", &[k], Value::Null),
            "web",
        ))
    };
    for engine in Engine::ALL {
        let policies = policies(&generate_for(&text, engine));
        for ok in [
            find(Some(&format!("^{escaped}")), None),
            find(Some(&format!("^{escaped}")), Some(prefix)),
            find(Some(&format!("^{escaped}[a-z]+$")), Some(prefix)),
            find(Some(&format!("^{}", regex::escape("WEB-"))), None),
            key("web-session-key"),
            key("WEB-Session-Key"),
        ] {
            assert_admitted(&policies, &ok, &user);
            // What is admitted matches only names inside the prefix, read
            // as Key Vault does, case-insensitively (the `regex` crate
            // agrees with RE2 on these).
            if let Some(r) = ok["spec"]["dataFrom"][0]["find"]["name"]["regexp"].as_str() {
                let re = regex::Regex::new(r).unwrap();
                for name in [
                    "web-db", "WEB-db", "data-db", "web", "webx-db", "x-web-db", "we-b",
                ] {
                    if re.is_match(name) {
                        assert!(
                            name.to_lowercase().starts_with(prefix),
                            "{r} matches {name}"
                        );
                    }
                }
            }
        }
        let denied = [
            ("no name regexp", find(None, Some(prefix))),
            ("tags only", {
                let mut o = find(None, None);
                o["spec"]["dataFrom"][0]["find"]["tags"] = json!({"team": "web"});
                o
            }),
            ("unanchored", find(Some(&escaped), Some(prefix))),
            ("unescaped prefix", find(Some("^web-"), None)),
            ("case trick, unescaped", find(Some("^WEB-"), None)),
            ("anchored elsewhere", find(Some("^data\\-"), None)),
            ("match anything", find(Some(".*"), None)),
            ("alternation", find(Some(&format!("^{escaped}|.*")), None)),
            (
                "any alternation",
                find(Some(&format!("^{escaped}(db|cache)")), None),
            ),
            (
                "nested alternation",
                find(Some(&format!("^{escaped}(a|.*)")), None),
            ),
            (
                "unbalanced group",
                find(Some(&format!("^{escaped})|(.*")), None),
            ),
            (
                "quantifier on the prefix",
                find(Some(&format!("^{escaped}?")), None),
            ),
            (
                "star on the prefix",
                find(Some(&format!("^{escaped}*")), None),
            ),
            (
                "repeat on the prefix",
                find(Some(&format!("^{escaped}{{0}}")), None),
            ),
            ("key equal to the prefix, other case", key("WEB-")),
            ("another vault's prefix", key("data-warehouse")),
            ("object type in the key", key("cert/web-tls")),
        ];
        for (what, o) in &denied {
            assert_denied(what, &policies, o, &user);
        }
    }
}

/// A Key Vault find that `check` accepts must be admitted in the cluster:
/// admission compares the name expression's text, so `^web-` (the prefix
/// unescaped) matched only names under the prefix yet was refused at
/// apply time, while `check` said nothing.
#[test]
fn check_refuses_the_key_vault_finds_admission_refuses() {
    let text = read(&repo_root().join("examples/azure-key-vault/tenants.toml"));
    let with_find = |name: &str| {
        text.replace(
            "  { name = \"session\", key = \"web-session-key\" },",
            &format!(
                "  {{ name = \"session\", key = \"web-session-key\" }},\n  {{ name = \"all\", find = {{ name = {} }} }},",
                toml_edit::Value::from(name)
            ),
        )
    };
    let codes = |name: &str| -> Vec<String> {
        let (_, _, diags) = esogen::pipeline::generate_text("tenants.toml", &with_find(name));
        diags.0.iter().map(|d| d.code.name().to_owned()).collect()
    };
    assert!(codes("^web-").contains(&"key-outside-prefix".to_owned()));
    assert!(codes("^web-db").contains(&"key-outside-prefix".to_owned()));
    assert!(codes(r"^web\-").is_empty(), "{:?}", codes(r"^web\-"));
    assert!(codes(r"^web\-db-[a-z]+$").is_empty());
    // Without admission policies nothing compares the text: the
    // expression's matches are what count, and they are under the prefix.
    let (_, _, diags) = esogen::pipeline::generate_text(
        "tenants.toml",
        &with_cluster(&with_find("^web-"), &[("admission", "none".into())]),
    );
    assert!(diags.0.is_empty(), "{:?}", diags.0);
    // What check accepts, both engines admit.
    let user = Request::create("kubernetes-admin");
    for engine in Engine::ALL {
        let tree = generate_for(&with_find(r"^web\-db"), engine);
        let policies = policies(&tree);
        let es: Value = crate::common::parse_yaml_docs(&String::from_utf8_lossy(
            tree.get("overlays/web/externalsecret-all.yaml").unwrap(),
        ))
        .remove(0);
        assert_admitted(&policies, &defaulted(&in_ns(es, "web")), &user);
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 256, .. proptest::prelude::ProptestConfig::default() })]

    /// The Rust twin of the Key Vault find rule agrees with the CEL rule
    /// the policies carry, for any expression.
    #[test]
    fn key_vault_find_rule_and_its_rust_twin_agree(
        prefix in "[a-z]{1,4}(-|\\.|_)?",
        rest in "[a-zA-Z\\\\^$|()?*+{}.\\-]{0,8}",
        escape in proptest::bool::ANY,
        upper in proptest::bool::ANY,
    ) {
        let head = if escape { regex::escape(&prefix) } else { prefix.clone() };
        let head = if upper { head.to_uppercase() } else { head };
        let re = format!("^{head}{rest}");
        let rule = esogen::manifest::admission::key_vault_find_rule("object.re", &prefix);
        let cel = model::eval(&rule, &json!({ "re": re }), None, &json!({})).unwrap();
        proptest::prop_assert_eq!(
            cel,
            esogen::manifest::admission::key_vault_find_admitted(&re, &prefix),
            "{} for {}", re, prefix
        );
    }
}

/// Issue 13 item 3: a Kyverno policy that matches a kind whose CRD the
/// generated ESO values do not install is rejected or stays not ready, and
/// then enforces nothing. Every kind matched (and, alike, every VAP
/// resource) must have its CRD installed by `bases/eso/values.yaml`, read
/// the way the chart reads it: `installCRDs`, and `crds.create<Kind>` not
/// false.
#[test]
fn policies_match_only_kinds_whose_crds_are_installed() {
    for (name, path) in all_good_configs() {
        let text = read(&path);
        for engine in Engine::ALL {
            let tree = generate_for(&text, engine);
            let values = &parse_yaml_docs(&String::from_utf8_lossy(
                tree.get("bases/eso/values.yaml").unwrap(),
            ))[0];
            assert_eq!(values["installCRDs"], true);
            let installed = |kind: &str| values["crds"][format!("create{kind}")] != json!(false);
            let policies = policies(&tree);
            assert!(!policies.is_empty());
            if engine == Engine::Kyverno {
                assert!(
                    policies.iter().any(|p| p.background == Some(true)),
                    "{name}: the prefix rules report existing objects too (background scans)"
                );
            }
            let es = (
                "external-secrets.io".to_owned(),
                "ExternalSecret".to_owned(),
            );
            for ns in policies.iter().flat_map(|p| &p.namespaces) {
                assert!(
                    policies
                        .iter()
                        .any(|p| p.namespaces.contains(ns) && p.kinds.contains(&es)),
                    "{name} {engine:?}: no policy covers ExternalSecrets in {ns}"
                );
            }
            for p in &policies {
                for (_, kind) in &p.kinds {
                    assert!(
                        installed(kind),
                        "{name} {engine:?}: {} matches {kind}, whose CRD values.yaml does not install",
                        p.origin
                    );
                }
            }
            // What is installed and can carry a key is covered.
            for kind in ["PushSecret", "SecretStore"] {
                if installed(kind) {
                    assert!(
                        policies
                            .iter()
                            .any(|p| p.kinds.iter().any(|(_, k)| k == kind)),
                        "{name} {engine:?}: {kind} is installed but unchecked"
                    );
                }
            }
        }
    }
}

#[test]
fn rules_escape_prefixes_with_quotes() {
    // A prefix cannot hold a quote today, but the escaper must hold anyway.
    assert_eq!(
        esogen::manifest::admission::cel_string("a'b\\c"),
        "'a\\'b\\\\c'"
    );
    let obj = json!({});
    let req = json!({});
    let expr = format!(
        "{}.size() == 5",
        esogen::manifest::admission::cel_string("a'b\\c")
    );
    assert_eq!(model::eval(&expr, &obj, None, &req), Ok(true));
}

/// The generator kinds refused are the ones ESO v2.9 serves in a namespace:
/// the ExternalSecret CRD's `generatorRef.kind` values without the
/// cluster-scoped ClusterGenerator, plus GeneratorState.
#[test]
fn generator_kind_list_matches_the_crd() {
    let Some(schema) = model::eso_schema("ExternalSecret") else {
        return;
    };
    let kinds = &schema["properties"]["spec"]["properties"]["dataFrom"]["items"]["properties"]["sourceRef"]
        ["properties"]["generatorRef"]["properties"]["kind"]["enum"];
    let mut crd: Vec<String> = kinds
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap().to_owned())
        .filter(|k| k != "ClusterGenerator")
        .chain(["GeneratorState".to_owned()])
        .collect();
    crd.sort();
    let mut ours: Vec<String> = esogen::manifest::admission::GENERATOR_KINDS
        .iter()
        .map(|(k, _)| (*k).to_owned())
        .collect();
    ours.sort();
    assert_eq!(
        ours, crd,
        "a generator kind missing from the list could be created unchecked"
    );
    for (kind, resource) in esogen::manifest::admission::GENERATOR_KINDS {
        assert_eq!(*resource, model::plural(kind));
        assert!(
            model::KNOWN_KINDS.contains(&("generators.external-secrets.io", kind)),
            "{kind}"
        );
    }
}

/// The provider blocks are pinned from field lists kept as data: they must
/// be the CRD's, defaults included, or a field a new ESO release adds could
/// be set unchecked.
#[test]
fn store_field_lists_match_the_crd() {
    use esogen::manifest::store_schema::{self, FieldDefault};
    let Some(schema) = model::eso_schema("SecretStore") else {
        return;
    };
    let spec = &schema["properties"]["spec"];
    let mut crd_spec: Vec<&str> = spec["properties"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "provider")
        .collect();
    crd_spec.sort_unstable();
    let mut ours = store_schema::SPEC_FIELDS.to_vec();
    ours.sort_unstable();
    assert_eq!(ours, crd_spec, "SecretStore spec fields");
    fn walk(schema: &Value, path: &str, out: &mut Vec<(String, Option<Value>)>) {
        for (k, sub) in schema["properties"].as_object().into_iter().flatten() {
            let here = if path.is_empty() {
                k.clone()
            } else {
                format!("{path}.{k}")
            };
            out.push((here.clone(), sub.get("default").cloned()));
            if sub["type"] == "object" && sub.get("properties").is_some() {
                walk(sub, &here, out);
            }
        }
    }
    for key in store_schema::PINNED_PROVIDERS {
        let mut crd = Vec::new();
        walk(
            &spec["properties"]["provider"]["properties"][*key],
            "",
            &mut crd,
        );
        crd.sort_by(|a, b| a.0.cmp(&b.0));
        let mut ours: Vec<(String, Option<Value>)> = store_schema::provider_fields(key)
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f.path.to_owned(),
                    f.default.map(|d| match d {
                        FieldDefault::Str(s) => json!(s),
                        FieldDefault::Bool(b) => json!(b),
                    }),
                )
            })
            .collect();
        ours.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(
            ours, crd,
            "spec.provider.{key}: the field list and the CRD disagree"
        );
    }
}

#[test]
fn provider_key_list_matches_the_crd() {
    let Some(schema) = model::eso_schema("SecretStore") else {
        return;
    };
    let mut keys: Vec<String> =
        schema["properties"]["spec"]["properties"]["provider"]["properties"]
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

/// Issue 16 item 2: objects that grant provider-side access are
/// platform-owned. A team cannot create an ACK IAM Role, a Config Connector
/// binding, an Azure role assignment or a vault-config-operator role in its
/// own namespace (it would grant itself any access), with either engine,
/// whatever the delivery; the same object in the platform's access
/// namespace is not the team policies' business.
#[test]
fn access_objects_are_refused_in_team_namespaces() {
    let user = Request::create("kubernetes-admin");
    let objects = [
        json!({"apiVersion": "iam.services.k8s.aws/v1alpha1", "kind": "Role",
               "metadata": {"name": "mine"},
               "spec": {"name": "admin", "assumeRolePolicyDocument": "{}"}}),
        json!({"apiVersion": "iam.cnrm.cloud.google.com/v1beta1", "kind": "IAMPolicyMember",
               "metadata": {"name": "mine"}, "spec": {}}),
        json!({"apiVersion": "authorization.azure.com/v1api20220401", "kind": "RoleAssignment",
               "metadata": {"name": "mine"}, "spec": {}}),
        json!({"apiVersion": "redhatcop.redhat.io/v1alpha1", "kind": "KubernetesAuthEngineRole",
               "metadata": {"name": "mine"}, "spec": {}}),
    ];
    for example in ["aws-secrets-manager", "aws-ack"] {
        let text = read(&repo_root().join(format!("examples/{example}/tenants.toml")));
        for engine in Engine::ALL {
            let policies = policies(&generate_for(&text, engine));
            for o in &objects {
                let what = format!("{example} {engine:?}: a {} in a team namespace", o["kind"]);
                assert_denied(&what, &policies, &in_ns(o.clone(), "orders"), &user);
                assert_admitted(&policies, &in_ns(o.clone(), "external-secrets"), &user);
            }
        }
    }
}

/// Every namespaced kind the access objects use is in the list admission
/// refuses in team namespaces.
#[test]
fn every_generated_access_kind_is_refused_in_team_namespaces() {
    for (name, path) in all_good_configs() {
        let tree = generate_text(&read(&path));
        for (p, bytes) in tree.iter() {
            if !p.starts_with("bases/access/") || p.ends_with("kustomization.yaml") {
                continue;
            }
            for o in parse_yaml_docs(&String::from_utf8_lossy(bytes)) {
                let api = o["apiVersion"].as_str().unwrap();
                let group = api.rsplit_once('/').unwrap().0;
                let kind = o["kind"].as_str().unwrap();
                assert!(
                    esogen::manifest::access::ACCESS_KINDS
                        .iter()
                        .any(|(g, k, _)| *g == group && *k == kind)
                        || o["metadata"]["namespace"].is_null(),
                    "{name}: {p}: {api} {kind} is not in ACCESS_KINDS"
                );
            }
        }
    }
}

/// The resource names admission matches the access kinds by are the CRDs'
/// own plurals, for every access kind whose CRD is in `shared/crds/`.
#[test]
fn access_kind_plurals_are_the_crds() {
    let Some(shared) = crate::common::shared_dir() else {
        return;
    };
    let mut checked = 0;
    for entry in walk(&shared.join("crds")) {
        let text = std::fs::read_to_string(&entry).unwrap();
        let Ok(crd) = serde_saphyr::from_str::<Value>(&text) else {
            continue;
        };
        let group = crd["spec"]["group"].as_str().unwrap_or_default();
        let kind = crd["spec"]["names"]["kind"].as_str().unwrap_or_default();
        let plural = crd["spec"]["names"]["plural"].as_str().unwrap_or_default();
        for (g, k, r) in esogen::manifest::access::ACCESS_KINDS {
            if *g == group && *k == kind {
                assert_eq!(*r, plural, "{group}/{kind}");
                checked += 1;
            }
        }
    }
    assert!(checked >= 8, "only {checked} access kinds have a CRD here");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else if p.extension().is_some_and(|x| x == "yaml") {
            out.push(p);
        }
    }
    out
}
