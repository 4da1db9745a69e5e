//! The provider side delivered as code (issue 16): controller objects under
//! `bases/access/` and Terraform under `terraform/` carry exactly the
//! documents the `files` delivery writes, and those documents go through
//! the same conformance checks (the IAM simulator, ESO's calls).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::common::{all_good_configs, parse_yaml_docs};

mod azure;
mod gcp;

/// The fields of a Vault Kubernetes auth role, as `vault write
/// auth/<mount>/role/<name>` takes them, that a delivered role carries
/// under another name: vault-config-operator's camelCase spec fields and
/// the Terraform resource's arguments. Every other field of a delivered
/// role is a reader error, so a restriction the readers do not know about
/// cannot go unnoticed.
const VCO_ROLE_FIELDS: &[(&str, &str)] = &[
    ("targetServiceAccounts", "bound_service_account_names"),
    ("audience", "audience"),
    ("policies", "token_policies"),
    ("tokenTTL", "token_ttl"),
    ("tokenMaxTTL", "token_max_ttl"),
    ("tokenExplicitMaxTTL", "token_explicit_max_ttl"),
    ("tokenNoDefaultPolicy", "token_no_default_policy"),
    ("tokenNumUses", "token_num_uses"),
    ("tokenPeriod", "token_period"),
    ("tokenType", "token_type"),
    ("tokenBoundCIDRs", "token_bound_cidrs"),
    ("aliasNameSource", "alias_name_source"),
];

/// The Terraform arguments of `vault_kubernetes_auth_backend_role` that are
/// role fields under the same name.
const TF_ROLE_FIELDS: &[&str] = &[
    "bound_service_account_names",
    "bound_service_account_namespaces",
    "audience",
    "token_policies",
    "token_ttl",
    "token_max_ttl",
    "token_explicit_max_ttl",
    "token_no_default_policy",
    "token_num_uses",
    "token_period",
    "token_type",
    "token_bound_cidrs",
    "alias_name_source",
];

/// Terraform's JSON syntax reads `${` and `%{` in strings as templates;
/// `$${` and `%%{` are the literal text.
fn tf_unescape(s: &str) -> String {
    s.replace("$${", "${").replace("%%{", "%{")
}

/// A vault-config-operator `KubernetesAuthEngineRole` spec as the role
/// document `files` writes.
fn vco_role(path: &str, spec: &Value) -> Value {
    let mut role = serde_json::Map::new();
    for (k, v) in spec.as_object().unwrap() {
        match k.as_str() {
            // Where and how: the mount, the Vault name, the operator's login.
            "path" | "name" | "authentication" | "connection" => {}
            "targetNamespaces" => {
                let t = v.as_object().unwrap();
                assert_eq!(
                    t.keys().collect::<Vec<_>>(),
                    ["targetNamespaces"],
                    "{path}: a fixed namespace list, never a selector"
                );
                role.insert(
                    "bound_service_account_namespaces".into(),
                    t["targetNamespaces"].clone(),
                );
            }
            other => {
                let (_, field) = VCO_ROLE_FIELDS
                    .iter()
                    .find(|(crd, _)| *crd == other)
                    .unwrap_or_else(|| panic!("{path}: no reader for role field {other}"));
                role.insert((*field).into(), v.clone());
            }
        }
    }
    Value::Object(role)
}

/// A `vault_kubernetes_auth_backend_role` as the role document `files`
/// writes; `policies` resolves `${vault_policy.<name>.name}`.
fn tf_role(path: &str, body: &Value, policies: &BTreeMap<String, String>) -> Value {
    let mut role = serde_json::Map::new();
    for (k, v) in body.as_object().unwrap() {
        match k.as_str() {
            "provider" | "backend" | "role_name" => {}
            "token_policies" => {
                let names: Vec<Value> = v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| {
                        let p = p.as_str().unwrap();
                        let resolved = p
                            .strip_prefix("${vault_policy.")
                            .and_then(|r| r.strip_suffix(".name}"))
                            .map(|name| {
                                policies.get(name).cloned().unwrap_or_else(|| {
                                    panic!("{path}: no vault_policy.{name} in the file")
                                })
                            });
                        Value::from(resolved.unwrap_or_else(|| tf_unescape(p)))
                    })
                    .collect();
                role.insert(k.clone(), Value::from(names));
            }
            other if TF_ROLE_FIELDS.contains(&other) => {
                role.insert(k.clone(), v.clone());
            }
            other => panic!("{path}: no reader for role argument {other}"),
        }
    }
    Value::Object(role)
}

/// The `policies/<home>/<store>.<file>` documents a delivered store's
/// objects carry, keyed as the `files` delivery would write them; JSON
/// documents pretty-printed as `files` writes them. `tree` is the whole
/// output, for references into `terraform/main.tf.json`.
pub fn documents_of(
    path: &str,
    text: &str,
    tree: &BTreeMap<String, String>,
) -> Vec<(String, String)> {
    let pretty = |s: &str| {
        let v: Value = serde_json::from_str(s).unwrap_or_else(|e| panic!("{path}: {e}: {s}"));
        serde_json::to_string_pretty(&v).unwrap() + "\n"
    };
    let pretty_value = |v: &Value| serde_json::to_string_pretty(v).unwrap() + "\n";
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
                ("iam.aws.upbound.io/v1beta1", "Role") => out.push((
                    format!("{base}.trust-policy.json"),
                    pretty(
                        o["spec"]["forProvider"]["assumeRolePolicy"]
                            .as_str()
                            .unwrap(),
                    ),
                )),
                ("iam.aws.upbound.io/v1beta1", "RolePolicy") => out.push((
                    format!("{base}.iam-policy.json"),
                    pretty(o["spec"]["forProvider"]["policy"].as_str().unwrap()),
                )),
                ("managedidentity.azure.com/v1api20230131", "FederatedIdentityCredential") => {
                    out.push(azure::aso_federated_credential(path, &o, &base));
                }
                ("redhatcop.redhat.io/v1alpha1", "Policy") => {
                    let spec = &o["spec"];
                    assert_eq!(spec["type"], "acl", "{path}: an ACL policy");
                    out.push((
                        format!("{base}.vault-policy.hcl"),
                        spec["policy"].as_str().unwrap().to_owned(),
                    ));
                }
                ("redhatcop.redhat.io/v1alpha1", "KubernetesAuthEngineRole") => {
                    out.push((
                        format!("{base}.vault-role.json"),
                        pretty_value(&vco_role(path, &o["spec"])),
                    ));
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
        let main: Value = tree
            .get("terraform/main.tf.json")
            .map(|m| serde_json::from_str(m).unwrap())
            .unwrap_or(Value::Null);
        if let Some(doc) = gcp::from_terraform(path, &file, &main) {
            out.push((format!("{base}.gcp-iam.json"), pretty(&doc.to_string())));
            return out;
        }
        let vault_policies: BTreeMap<String, String> = file["resource"]["vault_policy"]
            .as_object()
            .into_iter()
            .flatten()
            .map(|(name, body)| (name.clone(), tf_unescape(body["name"].as_str().unwrap())))
            .collect();
        for (kind, resources) in file["resource"].as_object().unwrap() {
            for body in resources.as_object().unwrap().values() {
                match kind.as_str() {
                    "azurerm_federated_identity_credential" => {
                        out.push(azure::terraform_federated_credential(path, body, &base));
                    }
                    "azurerm_role_assignment" => {
                        out.push(azure::terraform_role_assignments(
                            path, body, &file, tree, &base,
                        ));
                    }
                    "vault_policy" => out.push((
                        format!("{base}.vault-policy.hcl"),
                        tf_unescape(body["policy"].as_str().unwrap()),
                    )),
                    "vault_kubernetes_auth_backend_role" => out.push((
                        format!("{base}.vault-role.json"),
                        pretty_value(&tf_role(path, body, &vault_policies)),
                    )),
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
        .flat_map(|(p, t)| documents_of(p, t, files))
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

/// A Vault duration (`15m`, `1h30m`, `90s`, bare seconds) in seconds.
fn seconds(d: &str) -> u64 {
    if let Ok(n) = d.parse() {
        return n;
    }
    let (mut total, mut n) = (0, 0);
    for c in d.chars() {
        match c.to_digit(10) {
            Some(digit) => n = n * 10 + u64::from(digit),
            None => {
                let unit = match c {
                    's' => 1,
                    'm' => 60,
                    'h' => 3600,
                    'd' => 86_400,
                    _ => panic!("`{d}` is not a duration"),
                };
                total += n * unit;
                n = 0;
            }
        }
    }
    total
}

/// A document in the form the comparison reads it: a Vault policy as its
/// `path` rules, parsed by hcl-rs (comments aside, the text is what Vault
/// parses); a Vault role as JSON with its durations in seconds (the
/// controllers and Terraform take numbers); any other as JSON.
fn comparable(path: &str, text: &str) -> Value {
    if path.ends_with(".hcl") {
        let rules = crate::common::vault_policy_paths(text);
        assert!(!rules.is_empty(), "{path}: a policy without rules");
        return serde_json::to_value(rules).unwrap();
    }
    let mut v: Value = serde_json::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}: {text}"));
    if path.ends_with(".vault-role.json") {
        for (k, field) in v.as_object_mut().unwrap() {
            if (k.ends_with("_ttl") || k == "token_period")
                && let Some(d) = field.as_str()
            {
                *field = Value::from(seconds(d));
            }
        }
    }
    v
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
            for (doc_path, doc) in documents_of(p, t, &delivered) {
                let value = comparable(&doc_path, &doc);
                from_objects.insert(doc_path, value);
            }
        }
        assert!(!from_objects.is_empty(), "{case}: nothing delivered");
        for (doc_path, doc) in &from_objects {
            let want = reference
                .get(doc_path)
                .unwrap_or_else(|| panic!("{case}: files delivery has no {doc_path}"));
            let mut want = comparable(doc_path, want);
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

/// True when the `terraform` binary runs; a skip, or a failure under
/// `ESOGEN_REQUIRE_TOOLS=1`, when it does not.
fn terraform_runs() -> bool {
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
    }
    ok
}

/// `terraform providers` in `dir`: parses the module and resolves its
/// provider requirements, downloading nothing.
fn terraform_providers(dir: &std::path::Path) -> std::process::Output {
    std::process::Command::new("terraform")
        .arg(format!("-chdir={}", dir.display()))
        .arg("providers")
        .env("TF_IN_AUTOMATION", "1")
        .env("CHECKPOINT_DISABLE", "1")
        .output()
        .unwrap()
}

/// Terraform itself reads every generated root module: `terraform
/// providers` parses the configuration (JSON syntax) and resolves the
/// provider requirements without downloading them. Each provider a store
/// file uses is configured in `main.tf.json`.
#[test]
fn terraform_parses_every_generated_module() {
    if !terraform_runs() {
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
        let out = terraform_providers(&dir.path().join("terraform"));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{case}: terraform providers failed:\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let main: Value =
            serde_json::from_slice(tree.get("terraform/main.tf.json").unwrap()).unwrap();
        for (p, bytes) in tree.iter() {
            if !p.starts_with("terraform/") {
                continue;
            }
            let file: Value = serde_json::from_slice(bytes).unwrap();
            // Resources and data sources of the store files, and the
            // resources stores share in main.tf.json.
            let blocks = ["resource", "data"]
                .iter()
                .filter_map(|b| file[*b].as_object());
            for resources in blocks.flat_map(|b| b.values()) {
                for body in resources.as_object().unwrap().values() {
                    let (name, alias) = body["provider"].as_str().unwrap().split_once('.').unwrap();
                    let configs = &main["provider"][name];
                    assert!(
                        configs.as_array().map_or(configs["alias"] == alias, |a| {
                            a.iter().any(|c| c["alias"] == alias)
                        }),
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

/// Controllers that apply IAM roles cannot apply a store that reads with an
/// IAM user's static keys: a located error that names the alternatives,
/// not a store without access.
#[test]
fn role_controllers_refuse_static_keys() {
    let text = std::fs::read_to_string(
        crate::common::repo_root().join("examples/static-credentials/tenants.toml"),
    )
    .unwrap();
    for delivery in ["ack", "crossplane"] {
        let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
        let providers = doc["providers"].as_table_mut().unwrap();
        let (_, table) = providers.iter_mut().next().unwrap();
        table["delivery"] = toml_edit::value(delivery);
        let (sources, result, diags) =
            esogen::pipeline::generate_text("tenants.toml", &doc.to_string());
        assert!(result.is_err(), "{delivery}: generated");
        let shown = esogen::diag::render::render_all(
            &sources,
            &diags.sorted(),
            esogen::diag::render::ColorChoice::Never,
        );
        assert!(
            shown.contains(&format!("`delivery = \"{delivery}\"` applies IAM roles"))
                && shown.contains("static keys chosen here")
                && shown.contains("terraform"),
            "{delivery}: {shown}"
        );
    }
    // Terraform attaches the policy to the IAM user the module is told.
    let mut doc: toml_edit::DocumentMut = text.parse().unwrap();
    let providers = doc["providers"].as_table_mut().unwrap();
    let (_, table) = providers.iter_mut().next().unwrap();
    table["delivery"] = toml_edit::value("terraform");
    let tree = tree_of("static-terraform", &doc.to_string());
    let main: Value = serde_json::from_str(&tree["terraform/main.tf.json"]).unwrap();
    assert!(
        main["variable"]
            .as_object()
            .is_some_and(|v| v.keys().any(|k| k.ends_with("_iam_user"))),
        "{main}"
    );
}

/// checkov, a Terraform scanner platform teams run in CI, finds nothing in
/// the resources of any generated module (IAM wildcards, unconstrained
/// writes, ...). All modules are scanned in one run: each store file is
/// copied under a name unique to its example.
#[test]
fn checkov_finds_nothing_in_the_terraform() {
    let Some(checkov) = std::env::var_os("ESOGEN_CHECKOV") else {
        assert!(
            std::env::var_os("ESOGEN_REQUIRE_TOOLS").is_none(),
            "checkov is required (ESOGEN_REQUIRE_TOOLS=1): .ci/run installs it and sets ESOGEN_CHECKOV"
        );
        eprintln!("SKIP: ESOGEN_CHECKOV is not set");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut files = 0;
    for (case, path) in all_good_configs() {
        let tree = crate::common::generate(&path);
        for (p, bytes) in tree.iter() {
            let Some(name) = p.strip_prefix("terraform/") else {
                continue;
            };
            if name == "main.tf.json" {
                continue;
            }
            std::fs::write(dir.path().join(format!("{case}.{name}")), bytes).unwrap();
            files += 1;
        }
    }
    assert!(files > 0, "no Terraform generated");
    let out = std::process::Command::new(checkov)
        .arg("-d")
        .arg(dir.path())
        .args([
            "--framework",
            "terraform_json",
            "--skip-download",
            "--compact",
            "--quiet",
            "-o",
            "json",
        ])
        .env("BC_SKIP_MAPPING", "TRUE")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "checkov output is not JSON ({e}):\n{stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let summary = &report["summary"];
    assert_eq!(summary["parsing_errors"], 0, "{summary}");
    assert_eq!(
        summary["failed"], 0,
        "{}",
        report["results"]["failed_checks"]
    );
    assert!(summary["passed"].as_u64().unwrap() > 0, "{summary}");
}

/// `esogen explain NS` says which files or objects grant the namespace's
/// access, who applies them, and how to check them, for every delivery.
#[test]
fn explain_names_the_access_and_how_to_check_it() {
    let root = crate::common::repo_root();
    let cases: &[(&str, &str, &[&str])] = &[
        (
            "aws-secrets-manager",
            "orders",
            &[
                "access: `delivery = \"files\"`",
                "policies/orders/sm.iam-policy.json: permission policy",
                "policies/orders/sm.trust-policy.json: trust policy",
            ],
        ),
        (
            "aws-ack",
            "orders",
            &[
                "access: `delivery = \"ack\"`",
                "bases/access/orders.sm.yaml: Role `orders.sm` (iam.services.k8s.aws/v1alpha1) in namespace `external-secrets`",
                "check: kubectl -n external-secrets get roles.iam.services.k8s.aws orders.sm",
            ],
        ),
        (
            "aws-crossplane",
            "inventory",
            &[
                "access: `delivery = \"crossplane\"`",
                "bases/access/inventory.ssm.yaml: Role `inventory.ssm` (iam.aws.upbound.io/v1beta1)",
                "bases/access/inventory.ssm.yaml: RolePolicy `inventory.ssm`",
                "check: kubectl get roles.iam.aws.upbound.io,rolepolicies.iam.aws.upbound.io inventory.ssm",
            ],
        ),
        (
            "terraform",
            "inventory",
            &[
                "access: `delivery = \"terraform\"`",
                "terraform/inventory.ssm.tf.json: `aws_iam_role.inventory__ssm`",
                "terraform/inventory.ssm.tf.json: `aws_iam_role_policy.inventory__ssm`",
                "check: terraform -chdir=terraform state show aws_iam_role_policy.inventory__ssm",
            ],
        ),
    ];
    for (example, ns, wants) in cases {
        let config = root.join(format!("examples/{example}/tenants.toml"));
        let config = config.to_str().unwrap();
        let out = crate::common::esogen(&["explain", ns, "--config", config], &root);
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{example}: {text}");
        for want in *wants {
            assert!(
                text.contains(want),
                "{example}: missing {want:?} in\n{text}"
            );
        }
    }
}

/// A Vault-compatible provider table delivered by `delivery`, two teams.
fn vault_delivered(kind: &str, delivery: &str, extra: &str) -> String {
    format!(
        "version = 1\n[cluster]\nname = \"c\"\nplatform = \"generic\"\n\
         [providers.v]\nkind = \"{kind}\"\nserver = \"https://vault.example:8200/\"\n\
         auth_mount = \"kubernetes/c\"\ndelivery = \"{delivery}\"\n{extra}\n\
         [[teams]]\nname = \"a\"\nprovider = \"v\"\nprefix = \"prod/a/\"\nnamespaces = [\"a\"]\n\
         secrets = [{{ name = \"db\", key = \"prod/a/db\" }}]\n\
         [[teams]]\nname = \"b\"\nprovider = \"v\"\nprefix = \"prod/b/\"\nnamespaces = [\"b\"]\n"
    )
}

fn diagnostics_of(text: &str) -> (bool, Vec<esogen::diag::Diagnostic>) {
    let (_, result, diags) = esogen::pipeline::generate_text("tenants.toml", text);
    (result.is_ok(), diags.0)
}

/// vault-config-operator: the objects say where the role lives (the auth
/// mount, the Vault names), which Vault and namespace they go to, and how
/// the operator logs in, as the provider table says; the role binds the
/// store's ServiceAccount in a fixed namespace list, never a selector.
#[test]
fn vault_config_operator_objects_carry_the_tables_settings() {
    for kind in ["vault", "openbao"] {
        let text = vault_delivered(
            kind,
            "vault-config-operator",
            "namespace = \"admin/team\"\noperator_auth_role = \"vco\"\n\
             operator_auth_mount = \"kubernetes/ops\"\noperator_service_account = \"vco-login\"",
        );
        let tree = tree_of(kind, &text);
        assert!(
            !tree.keys().any(|p| p.starts_with("policies/")),
            "{kind}: no files"
        );
        let objects = parse_yaml_docs(&tree["bases/access/a.v.yaml"]);
        assert_eq!(objects.len(), 2, "{kind}");
        let (policy, role) = (&objects[0], &objects[1]);
        assert_eq!(policy["kind"], "Policy");
        assert_eq!(role["kind"], "KubernetesAuthEngineRole");
        for o in &objects {
            assert_eq!(o["metadata"]["namespace"], "external-secrets", "{kind}");
            assert_eq!(o["metadata"]["name"], "a.v", "{kind}");
            assert_eq!(
                o["spec"]["authentication"],
                serde_json::json!({
                    "path": "kubernetes/ops",
                    "role": "vco",
                    "serviceAccount": {"name": "vco-login"},
                    "namespace": "admin/team",
                }),
                "{kind}"
            );
            assert_eq!(
                o["spec"]["connection"],
                serde_json::json!({"address": "https://vault.example:8200"}),
                "{kind}"
            );
            assert_eq!(o["spec"]["name"], "eso-a", "{kind}");
        }
        assert_eq!(policy["spec"]["type"], "acl");
        assert_eq!(role["spec"]["path"], "kubernetes/c");
        assert_eq!(role["spec"]["policies"], serde_json::json!(["eso-a"]));
        assert_eq!(
            role["spec"]["targetServiceAccounts"],
            serde_json::json!(["eso-v"])
        );
        assert_eq!(
            role["spec"]["targetNamespaces"],
            serde_json::json!({"targetNamespaces": ["a"]})
        );
        assert_eq!(role["spec"]["tokenTTL"], 900);
        assert_eq!(role["spec"]["audience"], "vault");
    }
}

/// Terraform: one `vault` provider configuration per table, its address a
/// variable and its namespace the table's; the role names the policy
/// resource and lives on the table's auth mount.
#[test]
fn vault_terraform_has_one_configuration_per_table() {
    for kind in ["vault", "openbao"] {
        let text = vault_delivered(kind, "terraform", "namespace = \"admin/team\"");
        let tree = tree_of(kind, &text);
        let main: Value = serde_json::from_str(&tree["terraform/main.tf.json"]).unwrap();
        assert_eq!(
            main["provider"]["vault"],
            // One configuration: an object (an array only for several).
            serde_json::json!({
                "alias": "v",
                "address": "${var.v_vault_address}",
                "namespace": "admin/team",
            }),
            "{kind}"
        );
        assert_eq!(main["variable"]["v_vault_address"]["type"], "string");
        assert_eq!(
            main["terraform"]["required_providers"]["vault"]["source"],
            "hashicorp/vault"
        );
        for ns in ["a", "b"] {
            let file: Value =
                serde_json::from_str(&tree[&format!("terraform/{ns}.v.tf.json")]).unwrap();
            let name = format!("{ns}__v");
            let policy = &file["resource"]["vault_policy"][&name];
            let role = &file["resource"]["vault_kubernetes_auth_backend_role"][&name];
            assert_eq!(policy["name"], format!("eso-{ns}"), "{kind}");
            assert_eq!(role["role_name"], format!("eso-{ns}"), "{kind}");
            assert_eq!(role["backend"], "kubernetes/c", "{kind}");
            assert_eq!(
                role["token_policies"],
                serde_json::json!([format!("${{vault_policy.{name}.name}}")])
            );
            assert_eq!(role["provider"], "vault.v");
            assert_eq!(policy["provider"], "vault.v");
        }
        // Without a namespace, the configuration has none.
        let tree = tree_of(kind, &vault_delivered(kind, "terraform", ""));
        let main: Value = serde_json::from_str(&tree["terraform/main.tf.json"]).unwrap();
        assert!(main["provider"]["vault"][0].get("namespace").is_none());
    }
}

/// `operator_auth_role` is an input esogen cannot know: required with
/// vault-config-operator (an error at `delivery`), and the operator
/// settings are warned about with any other delivery.
#[test]
fn vault_operator_settings_belong_to_vault_config_operator() {
    let (ok, diags) = diagnostics_of(&vault_delivered("vault", "vault-config-operator", ""));
    assert!(!ok);
    let err = diags.iter().find(|d| d.is_error()).expect("an error");
    assert!(err.message.contains("`operator_auth_role`"), "{err:?}");
    let text = vault_delivered("vault", "vault-config-operator", "");
    let at = err.primary.as_ref().expect("located").span.range.clone();
    assert_eq!(&text[at], "\"vault-config-operator\"");

    for delivery in ["terraform", "files"] {
        let (ok, diags) = diagnostics_of(&vault_delivered(
            "openbao",
            delivery,
            "operator_auth_role = \"vco\"\noperator_service_account = \"x\"",
        ));
        assert!(ok, "{delivery}: {diags:?}");
        let warned: Vec<_> = diags
            .iter()
            .filter(|d| {
                d.message
                    .contains("only used with `delivery = \"vault-config-operator\"`")
            })
            .collect();
        assert_eq!(warned.len(), 2, "{delivery}: {diags:?}");
    }
    let (ok, diags) = diagnostics_of(&vault_delivered(
        "vault",
        "vault-config-operator",
        "operator_auth_role = \"no spaces\"\noperator_service_account = \"Not_A_Name\"",
    ));
    assert!(!ok);
    assert_eq!(
        diags.iter().filter(|d| d.is_error()).count(),
        2,
        "{diags:?}"
    );
}

/// Issue 16 item 2, Flux: with impersonation, the access Kustomization
/// applies as a ServiceAccount whose Role allows exactly the kinds under
/// `bases/access/`, in the access namespace only; with cluster-scoped kinds
/// (which a Role cannot grant) it applies as the controller.
#[test]
fn flux_access_reconciler_may_manage_exactly_the_access_kinds() {
    let mut checked = 0;
    for (case, path) in all_good_configs() {
        let text = std::fs::read_to_string(&path).unwrap();
        let tree = tree_of(&case, &text);
        let Some(sync) = tree.get("bases/flux/sync.yaml") else {
            continue;
        };
        let Some(access) = parse_yaml_docs(sync)
            .into_iter()
            .find(|o| o["metadata"]["name"] == "esogen-access")
        else {
            continue;
        };
        let mut namespaced = std::collections::BTreeSet::new();
        let mut cluster = false;
        for (p, t) in &tree {
            if !p.starts_with("bases/access/") || p.ends_with("kustomization.yaml") {
                continue;
            }
            for o in parse_yaml_docs(t) {
                let group = o["apiVersion"]
                    .as_str()
                    .unwrap()
                    .rsplit_once('/')
                    .unwrap()
                    .0
                    .to_owned();
                if o["metadata"]["namespace"].is_null() {
                    cluster = true;
                } else {
                    let kind = o["kind"].as_str().unwrap();
                    let (_, _, resource) = esogen::manifest::access::ACCESS_KINDS
                        .iter()
                        .find(|(g, k, _)| *g == group && *k == kind)
                        .unwrap();
                    namespaced.insert((group, (*resource).to_owned()));
                }
            }
        }
        let impersonate = text.contains("flux_impersonate = true");
        let reconciler = tree.get("bases/flux/access-reconciler.yaml");
        if !impersonate || cluster {
            assert!(reconciler.is_none(), "{case}");
            assert!(access["spec"]["serviceAccountName"].is_null(), "{case}");
            continue;
        }
        let docs = parse_yaml_docs(reconciler.unwrap_or_else(|| panic!("{case}: no reconciler")));
        assert_eq!(
            access["spec"]["serviceAccountName"], "esogen-access-reconciler",
            "{case}"
        );
        let role = docs.iter().find(|o| o["kind"] == "Role").unwrap();
        assert_eq!(role["metadata"]["namespace"], "external-secrets", "{case}");
        let mut granted = std::collections::BTreeSet::new();
        for rule in role["rules"].as_array().unwrap() {
            for g in rule["apiGroups"].as_array().unwrap() {
                for r in rule["resources"].as_array().unwrap() {
                    granted.insert((
                        g.as_str().unwrap().to_owned(),
                        r.as_str().unwrap().to_owned(),
                    ));
                }
            }
        }
        assert_eq!(granted, namespaced, "{case}");
        checked += 1;
    }
    assert!(
        checked > 0,
        "no example has an impersonated access Kustomization"
    );
}

/// A namespace may start with a digit; a Terraform identifier may not: the
/// module still parses (fails with `Invalid resource name` without the
/// leading `_`).
#[test]
fn terraform_names_of_namespaces_starting_with_a_digit_parse() {
    if !terraform_runs() {
        return;
    }
    let text =
        std::fs::read_to_string(crate::common::repo_root().join("examples/terraform/tenants.toml"))
            .unwrap()
            .replace(
                "namespaces = [\"inventory\"]",
                "namespaces = [\"1inventory\"]",
            );
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("tenants.toml");
    std::fs::write(&config, &text).unwrap();
    let tree = crate::common::generate(&config);
    crate::common::write_tree(&tree, dir.path());
    let out = terraform_providers(&dir.path().join("terraform"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(tree.get("terraform/1inventory.ssm.tf.json").is_some());
}
