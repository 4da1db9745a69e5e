//! GCP Secret Manager delivered by Config Connector or Terraform: the
//! bindings document read back from the objects and resources, the
//! refusals, and what several stores share.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::common::parse_yaml_docs;

/// The parts of a GCP bindings document that grant something, in a stable
/// order: custom roles (name, permissions), secrets to create first
/// (secret, labels, replication) and bindings (resource, role, members,
/// condition). The `files` document's comment and gcloud commands are what
/// a person needs to apply it; the labels and replication of a secret are
/// read from its command.
pub fn essentials(doc: &Value) -> Value {
    let mut roles: Vec<Value> = doc["roles"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| json!({"name": r["name"], "permissions": r["permissions"]}))
        .collect();
    roles.sort_by_key(|r| r["name"].as_str().unwrap().to_owned());
    let mut precreate: Vec<Value> = doc["precreate"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|p| {
            if p.get("command").is_none() {
                return p.clone();
            }
            let arg = |flag: &str| {
                p["command"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find_map(|a| a.as_str().unwrap().strip_prefix(flag))
                    .unwrap_or_else(|| panic!("{p}: no {flag}"))
                    .to_owned()
            };
            let labels: serde_json::Map<String, Value> = arg("--labels=")
                .split(',')
                .map(|kv| {
                    let (k, v) = kv.split_once('=').unwrap();
                    (k.to_owned(), Value::from(v))
                })
                .collect();
            json!({
                "secret": p["secret"],
                "labels": labels,
                "replication": arg("--replication-policy="),
            })
        })
        .collect();
    precreate.sort_by_key(|p| p["secret"].as_str().unwrap().to_owned());
    let mut bindings: Vec<Value> = doc["bindings"]
        .as_array()
        .expect("bindings")
        .iter()
        .map(|b| {
            let mut out = json!({
                "resource": b["resource"],
                "role": b["role"],
                "members": b["members"],
            });
            if let Some(c) = b.get("condition") {
                out["condition"] = c.clone();
            }
            out
        })
        .collect();
    bindings.sort_by_key(|b| (b["resource"].to_string(), b["role"].to_string()));
    json!({"roles": roles, "precreate": precreate, "bindings": bindings})
}

/// The bindings document of one store's Config Connector objects, or
/// `None` when they are not Config Connector's. Every `IAMServiceAccount`
/// must be the account the bindings name.
pub fn from_config_connector(path: &str, objects: &[Value]) -> Option<Value> {
    if !objects
        .iter()
        .any(|o| o["apiVersion"] == "iam.cnrm.cloud.google.com/v1beta1")
    {
        return None;
    }
    let mut bindings = Vec::new();
    let mut accounts = Vec::new();
    for o in objects {
        let spec = &o["spec"];
        match (
            o["apiVersion"].as_str().unwrap(),
            o["kind"].as_str().unwrap(),
        ) {
            ("iam.cnrm.cloud.google.com/v1beta1", "IAMPolicyMember") => {
                let r = &spec["resourceRef"];
                let external = r["external"].as_str().expect("external resourceRef");
                match (r["apiVersion"].as_str(), r["kind"].as_str()) {
                    (Some("resourcemanager.cnrm.cloud.google.com/v1beta1"), Some("Project")) => {
                        assert!(
                            external.starts_with("projects/") && external.matches('/').count() == 1,
                            "{path}: {external}"
                        );
                    }
                    (Some("iam.cnrm.cloud.google.com/v1beta1"), Some("IAMServiceAccount")) => {
                        assert!(external.contains("/serviceAccounts/"), "{path}: {external}");
                    }
                    other => panic!("{path}: resourceRef to {other:?}"),
                }
                let mut b = json!({
                    "resource": external,
                    "role": spec["role"],
                    "members": [spec["member"]],
                });
                if let Some(c) = spec.get("condition") {
                    b["condition"] = c.clone();
                }
                bindings.push(b);
            }
            ("iam.cnrm.cloud.google.com/v1beta1", "IAMServiceAccount") => {
                let project = o["metadata"]["annotations"]["cnrm.cloud.google.com/project-id"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{path}: IAMServiceAccount without a project"));
                accounts.push(format!(
                    "{}@{project}.iam.gserviceaccount.com",
                    spec["resourceID"].as_str().unwrap()
                ));
            }
            (api, kind) => panic!("{path}: no reader for {api} {kind}"),
        }
        assert_eq!(
            o["metadata"]["annotations"]["cnrm.cloud.google.com/deletion-policy"], "delete",
            "{path}: pruning must delete what the object granted"
        );
    }
    for a in &accounts {
        let member = format!("serviceAccount:{a}");
        assert!(
            bindings.iter().any(|b| b["members"][0] == member.as_str()),
            "{path}: the IAMServiceAccount {a} is bound nowhere"
        );
    }
    Some(json!({ "bindings": bindings }))
}

/// Resolves `${type.name.attr}` against the resources of `files`.
fn resolve(path: &str, s: &str, files: &[&Value]) -> String {
    let Some((before, rest)) = s.split_once("${") else {
        return s.to_owned();
    };
    let (reference, after) = rest.split_once('}').unwrap();
    let mut parts = reference.split('.');
    let (kind, name, attr) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let body = files
        .iter()
        .find_map(|f| f["resource"][kind].get(name))
        .unwrap_or_else(|| panic!("{path}: {reference} refers to nothing"));
    let project = body["project"].as_str().unwrap();
    let value = match (kind, attr) {
        ("google_service_account", "email") => format!(
            "{}@{project}.iam.gserviceaccount.com",
            body["account_id"].as_str().unwrap()
        ),
        ("google_service_account", "name") => format!(
            "projects/{project}/serviceAccounts/{}@{project}.iam.gserviceaccount.com",
            body["account_id"].as_str().unwrap()
        ),
        ("google_project_iam_custom_role", "name") => {
            format!(
                "projects/{project}/roles/{}",
                body["role_id"].as_str().unwrap()
            )
        }
        other => panic!("{path}: no reading of {other:?}"),
    };
    format!("{before}{value}{}", resolve(path, after, files))
}

/// The bindings document of one store's Terraform file, or `None` when it
/// holds no google resources. Custom roles and secrets are read from
/// `main.tf.json`: the roles the bindings use, the secrets the push
/// binding depends on.
pub fn from_terraform(path: &str, file: &Value, main: &Value) -> Option<Value> {
    let resources = file["resource"].as_object()?;
    if !resources.keys().any(|k| k.starts_with("google_")) {
        return None;
    }
    let files = [file, main];
    let mut bindings = Vec::new();
    let mut roles: BTreeMap<String, Value> = BTreeMap::new();
    let mut precreate: BTreeMap<String, Value> = BTreeMap::new();
    for (kind, named) in resources {
        for body in named.as_object().unwrap().values() {
            let resource = match kind.as_str() {
                "google_service_account" => continue,
                "google_project_iam_member" => {
                    format!("projects/{}", body["project"].as_str().unwrap())
                }
                "google_service_account_iam_member" => {
                    resolve(path, body["service_account_id"].as_str().unwrap(), &files)
                }
                other => panic!("{path}: no reader for {other}"),
            };
            let raw_role = body["role"].as_str().unwrap();
            let role = resolve(path, raw_role, &files);
            if let Some(reference) = raw_role.strip_prefix("${google_project_iam_custom_role.") {
                let name = reference.split('.').next().unwrap();
                let r = &main["resource"]["google_project_iam_custom_role"][name];
                roles.insert(
                    role.clone(),
                    json!({"name": role, "permissions": r["permissions"]}),
                );
            }
            for dep in body["depends_on"].as_array().into_iter().flatten() {
                let (dep_kind, name) = dep.as_str().unwrap().split_once('.').unwrap();
                assert_eq!(dep_kind, "google_secret_manager_secret", "{path}");
                let s = &main["resource"][dep_kind][name];
                assert_eq!(s["replication"], json!({"auto": {}}), "{path}: {name}");
                assert_eq!(s["deletion_protection"], true, "{path}: {name}");
                precreate.insert(
                    s["secret_id"].as_str().unwrap().to_owned(),
                    json!({
                        "secret": s["secret_id"],
                        "labels": s["labels"],
                        "replication": "automatic",
                    }),
                );
            }
            let mut b = json!({
                "resource": resource,
                "role": role,
                "members": [resolve(path, body["member"].as_str().unwrap(), &files)],
            });
            if let Some(c) = body.get("condition") {
                b["condition"] = c.clone();
            }
            bindings.push(b);
        }
    }
    Some(json!({
        "roles": roles.into_values().collect::<Vec<_>>(),
        "precreate": precreate.into_values().collect::<Vec<_>>(),
        "bindings": bindings,
    }))
}

const GKE: &str = r#"version = 1
[cluster]
name = "c"
platform = "gke"
[providers.gsm]
kind = "gcp-secret-manager"
project_id = "acme-secrets"
project_number = "1234567890"
cluster_location = "europe-west1"
"#;

fn generate(text: &str) -> Result<BTreeMap<String, String>, String> {
    let (sources, result, diags) = esogen::pipeline::generate_text("tenants.toml", text);
    match result {
        Ok(g) => Ok(g
            .tree
            .iter()
            .map(|(p, b)| (p.clone(), String::from_utf8_lossy(b).into_owned()))
            .collect()),
        Err(_) => Err(esogen::diag::render::render_all(
            &sources,
            &diags.sorted(),
            esogen::diag::render::ColorChoice::Never,
        )),
    }
}

/// Config Connector has no custom role kind among the CRDs esogen is
/// checked against: a store that pushes or finds (each needs one) is
/// refused, located at the delivery and at the secret, pointing to the
/// deliveries that can create the role.
#[test]
fn config_connector_refuses_stores_that_need_a_custom_role() {
    for (secret, what, role) in [
        (
            r#"{ name = "out", key = "prod-a-out", push = true }"#,
            "a push",
            "projects/acme-secrets/roles/esogenSecretPusher",
        ),
        (
            r#"{ name = "all", find = { name = "^prod-a-" } }"#,
            "a `find`",
            "projects/acme-secrets/roles/esogenSecretLister",
        ),
    ] {
        let text = format!(
            "{GKE}delivery = \"config-connector\"\n[[teams]]\nname = \"a\"\nprovider = \"gsm\"\nprefix = \"prod-a-\"\nnamespaces = [\"alpha\"]\nsecrets = [\n  {{ name = \"db\", key = \"prod-a-db\" }},\n  {secret},\n]\n"
        );
        let out = generate(&text).expect_err("config-connector cannot create a custom role");
        assert!(out.contains("error[provider-setting]"), "{out}");
        assert!(
            out.contains(&format!(
                "cannot grant {what}: it needs the custom role `{role}`"
            )),
            "{out}"
        );
        assert!(out.contains("delivery chosen here"), "{out}");
        assert!(out.contains(&format!("{what} asked for here")), "{out}");
        assert!(
            out.contains("use `delivery = \"terraform\"`") && out.contains("or `files`"),
            "{out}"
        );
        // The same store is delivered by Terraform and by files.
        for delivery in ["terraform", "files"] {
            let ok = text.replace("config-connector", delivery);
            generate(&ok).unwrap_or_else(|e| panic!("{delivery}: {e}"));
        }
    }
}

/// A custom role is one per project and a pushed secret one per project
/// and id, however many stores use them: Terraform declares each once, in
/// `main.tf.json`, so that it is neither created twice nor destroyed while
/// another store still needs it.
#[test]
fn terraform_declares_shared_roles_and_secrets_once() {
    let text = format!(
        r#"{GKE}delivery = "terraform"
[providers.gsm2]
kind = "gcp-secret-manager"
project_id = "acme-secrets"
project_number = "1234567890"
cluster_location = "europe-west1"
service_account_name = "eso2-{{{{namespace}}}}"
delivery = "terraform"
[[teams]]
name = "a"
provider = "gsm"
prefix = "prod-a-"
namespaces = ["alpha", "alpha-jobs"]
secrets = [
  {{ name = "out", key = "prod-a-out", push = true, namespaces = ["alpha"] }},
  {{ name = "all", find = {{ name = "^prod-a-" }} }},
]
[[teams]]
name = "b"
provider = "gsm2"
prefix = "prod-b-"
namespaces = ["beta"]
secrets = [{{ name = "out", key = "prod-b-out", push = true }}]
"#
    );
    let tree = generate(&text).unwrap_or_else(|e| panic!("{e}"));
    let main: Value = serde_json::from_str(&tree["terraform/main.tf.json"]).unwrap();
    let roles = main["resource"]["google_project_iam_custom_role"]
        .as_object()
        .unwrap();
    assert_eq!(
        roles.keys().collect::<Vec<_>>(),
        [
            "acme-secrets__esogenSecretLister",
            "acme-secrets__esogenSecretPusher"
        ]
    );
    let secrets = main["resource"]["google_secret_manager_secret"]
        .as_object()
        .unwrap();
    assert_eq!(
        secrets.keys().collect::<Vec<_>>(),
        ["acme-secrets__prod-a-out", "acme-secrets__prod-b-out"]
    );
    for (p, t) in &tree {
        if p.starts_with("terraform/") && p != "terraform/main.tf.json" {
            let f: Value = serde_json::from_str(t).unwrap();
            for kind in [
                "google_project_iam_custom_role",
                "google_secret_manager_secret",
            ] {
                assert!(f["resource"].get(kind).is_none(), "{p} declares a {kind}");
            }
        }
    }
    // Namespace alpha pushes prod-a-out (a pushed secret comes from one
    // namespace): its push binding waits for the secret; alpha-jobs, which
    // only reads, has no push binding.
    let pusher = |ns: &str| -> Value {
        let f: Value = serde_json::from_str(&tree[&format!("terraform/{ns}.gsm.tf.json")]).unwrap();
        f["resource"]["google_project_iam_member"][format!("{ns}__gsm__esogenSecretPusher")].clone()
    };
    assert_eq!(
        pusher("alpha")["depends_on"],
        json!(["google_secret_manager_secret.acme-secrets__prod-a-out"])
    );
    assert!(pusher("alpha-jobs").is_null());
}

/// Every field of an IAMPolicyMember spec is immutable, and so is an
/// IAMServiceAccount's account id: a changed prefix or naming pattern is a
/// new object name (the old object is pruned, which revokes it), never an
/// update the API server refuses.
#[test]
fn config_connector_names_change_with_immutable_fields() {
    let gke = GKE.replace(
        "platform = \"gke\"\n",
        "platform = \"gke\"\nstore_scope = \"namespace\"\n",
    );
    let base = format!(
        "{gke}delivery = \"config-connector\"\n[[teams]]\nname = \"a\"\nprovider = \"gsm\"\nprefix = \"prod-a-\"\nnamespaces = [\"alpha\"]\nsecrets = [{{ name = \"db\", key = \"prod-a-db\" }}]\n"
    );
    let names = |text: &str| -> Vec<(String, String)> {
        let tree = generate(text).unwrap_or_else(|e| panic!("{e}"));
        parse_yaml_docs(&tree["bases/access/alpha.gsm.yaml"])
            .iter()
            .map(|o| {
                (
                    o["kind"].as_str().unwrap().to_owned(),
                    o["metadata"]["name"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    };
    let before = names(&base);
    assert_eq!(before.len(), 3, "{before:?}");
    assert_eq!(names(&base), before, "names are deterministic");
    let prefix = names(&base.replace("prod-a-", "prod-aa-"));
    let accessor = |n: &[(String, String)]| {
        n.iter()
            .find(|(_, name)| name.contains(".secretaccessor."))
            .unwrap()
            .1
            .clone()
    };
    assert_ne!(accessor(&before), accessor(&prefix));
    let gsa = |n: &[(String, String)]| {
        n.iter()
            .find(|(k, _)| k == "IAMServiceAccount")
            .unwrap()
            .1
            .clone()
    };
    assert_eq!(gsa(&before), "alpha.gsm.eso-alpha.acme-secrets");
    assert_eq!(gsa(&prefix), gsa(&before));
    let renamed = names(&base.replace(
        "cluster_location = \"europe-west1\"\n",
        "cluster_location = \"europe-west1\"\nservice_account_name = \"esogen-{{namespace}}\"\n",
    ));
    assert_eq!(gsa(&renamed), "alpha.gsm.esogen-alpha.acme-secrets");
}
