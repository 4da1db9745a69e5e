//! Provider-specific guarantees: every provider's policies parse with an
//! independent parser and grant only the team prefix; unsupported
//! platform and provider pairs fail with their code.

use esogen::pipeline;
use proptest::prelude::*;
use serde_json::Value;

fn generate(text: &str) -> Result<esogen::tree::OutputTree, Vec<String>> {
    let (_, result, diags) = pipeline::generate_text("tenants.toml", text);
    result
        .map(|g| g.tree)
        .map_err(|_| diags.0.iter().map(|d| d.code.name().to_owned()).collect())
}

fn file(tree: &esogen::tree::OutputTree, path: &str) -> String {
    String::from_utf8(
        tree.get(path)
            .unwrap_or_else(|| panic!("{path} missing"))
            .clone(),
    )
    .unwrap()
}

fn vault_config(version: u8, prefixes: &[&str], extra: &str) -> String {
    let mut s = format!(
        "version = 1\n[cluster]\nname = \"c\"\nplatform = \"generic\"\nstore_scope = \"namespace\"\n[providers.v]\nkind = \"vault\"\nserver = \"https://vault.example\"\nkv_version = {version}\n"
    );
    for (i, p) in prefixes.iter().enumerate() {
        s.push_str(&format!(
            "[[teams]]\nname = \"t{i}\"\nprovider = \"v\"\nprefix = {p:?}\nnamespaces = [\"t{i}\"]\n{extra}\n"
        ));
    }
    s
}

use crate::common::vault_policy_paths as policy_paths;

#[test]
fn vault_kv2_policy_uses_data_paths_but_keys_do_not() {
    let text = vault_config(
        2,
        &["prod/a/"],
        "secrets = [{ name = \"db\", key = \"prod/a/db\" }]",
    );
    let tree = generate(&text).unwrap();
    let paths = policy_paths(&file(&tree, "policies/t0/v.vault-policy.hcl"));
    assert_eq!(
        paths,
        [("secret/data/prod/a/*".to_owned(), vec!["read".to_owned()])]
    );
    let es = file(&tree, "overlays/t0/externalsecret-db.yaml");
    assert!(
        es.contains("key: prod/a/db") && !es.contains("data/prod"),
        "{es}"
    );
    let role: Value = serde_json::from_str(&file(&tree, "policies/t0/v.vault-role.json")).unwrap();
    assert_eq!(role["audience"], "vault");
    assert_eq!(role["bound_service_account_namespaces"][0], "t0");
    let store = file(&tree, "bases/tenant/v/secretstore.yaml");
    assert!(store.contains("audiences:\n            - vault"), "{store}");
}

#[test]
fn vault_kv2_find_and_push_add_metadata_and_write_on_the_prefix_only() {
    let text = vault_config(
        2,
        &["prod/a/"],
        "secrets = [{ name = \"all\", find = {} }, { name = \"out\", key = \"prod/a/out\", push = true }]",
    );
    let tree = generate(&text).unwrap();
    let paths = policy_paths(&file(&tree, "policies/t0/v.vault-policy.hcl"));
    assert_eq!(
        paths,
        [
            (
                "secret/data/prod/a/*".to_owned(),
                vec!["read".into(), "update".into()]
            ),
            (
                "secret/metadata/prod/a/*".to_owned(),
                vec![
                    "create".into(),
                    "list".into(),
                    "read".into(),
                    "update".into()
                ]
            ),
        ]
    );
    assert!(tree.get("overlays/t0/pushsecret-out.yaml").is_some());
}

#[test]
fn vault_kv1_policy_uses_plain_paths() {
    let tree = generate(&vault_config(1, &["a/"], "")).unwrap();
    let paths = policy_paths(&file(&tree, "policies/t0/v.vault-policy.hcl"));
    assert_eq!(paths, [("secret/a/*".to_owned(), vec!["read".to_owned()])]);
}

#[test]
fn vault_kv2_prefix_with_data_is_refused() {
    assert!(
        generate(&vault_config(2, &["data/a/"], ""))
            .unwrap_err()
            .contains(&"invalid-prefix".to_owned())
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    #[test]
    fn vault_policies_grant_only_team_prefixes(
        prefixes in prop::collection::btree_set("[a-z]{1,5}(/[a-z0-9_-][a-z0-9_.-]{0,4}){0,2}/", 1..4),
        version in 1u8..3,
    ) {
        let prefixes: Vec<&str> = prefixes.iter().map(String::as_str).collect();
        let Ok(tree) = generate(&vault_config(version, &prefixes, "")) else {
            // Refused only because two prefixes overlap.
            let overlap = prefixes.iter().enumerate().any(|(i, a)| prefixes.iter().skip(i + 1).any(|b| a.starts_with(b) || b.starts_with(a)));
            prop_assert!(overlap);
            return Ok(());
        };
        for (i, p) in prefixes.iter().enumerate() {
            let text = file(&tree, &format!("policies/t{i}/v.vault-policy.hcl"));
            for (path, _) in policy_paths(&text) {
                let allowed = if version == 2 {
                    path == format!("secret/data/{p}*") || path == format!("secret/metadata/{p}*")
                } else {
                    path == format!("secret/{p}*")
                };
                prop_assert!(allowed, "{path} for prefix {p}");
            }
        }
    }

    #[test]
    fn parameter_store_grants_only_team_prefixes(
        prefixes in prop::collection::vec("(/[a-z]{1,4}){1,3}/", 1..4),
    ) {
        let mut text = String::from("version = 1\n[cluster]\nname = \"c\"\nplatform = \"eks\"\nstore_scope = \"namespace\"\n[providers.p]\nkind = \"aws-parameter-store\"\nregion = \"eu-west-1\"\naccount_id = \"123456789012\"\noidc_provider = \"oidc.eks.eu-west-1.amazonaws.com/id/X\"\n");
        for (i, p) in prefixes.iter().enumerate() {
            text.push_str(&format!("[[teams]]\nname = \"t{i}\"\nprovider = \"p\"\nprefix = {p:?}\nnamespaces = [\"t{i}\"]\nsecrets = [{{ name = \"s\", key = \"{p}x\" }}]\n"));
        }
        let overlap = prefixes.iter().enumerate().any(|(i, a)| prefixes.iter().skip(i + 1).any(|b| a.starts_with(b.as_str()) || b.starts_with(a.as_str())));
        let starts_reserved = prefixes.iter().any(|p| { let l = p.trim_start_matches('/'); l.starts_with("aws") || l.starts_with("ssm") });
        match generate(&text) {
            Err(codes) => prop_assert!(overlap || starts_reserved, "{codes:?}"),
            Ok(tree) => {
                prop_assert!(!overlap);
                for (i, p) in prefixes.iter().enumerate() {
                    let doc: Value = serde_json::from_str(&file(&tree, &format!("policies/t{i}/p.iam-policy.json"))).unwrap();
                    for st in doc["Statement"].as_array().unwrap() {
                        for r in st["Resource"].as_array().unwrap() {
                            let expected = format!("arn:aws:ssm:eu-west-1:123456789012:parameter/{}*", p.trim_start_matches('/'));
                            prop_assert_eq!(r.as_str().unwrap(), expected.as_str());
                        }
                    }
                    let es = file(&tree, &format!("overlays/t{i}/externalsecret-s.yaml"));
                    let key_line = format!("key: {p}x");
                    prop_assert!(es.contains(&key_line), "{}", es);
                }
            }
        }
    }
}

#[test]
fn parameter_store_hierarchy_needs_a_leading_slash() {
    let text = "version = 1\n[cluster]\nname = \"c\"\nplatform = \"eks\"\n[providers.p]\nkind = \"aws-parameter-store\"\nregion = \"eu-west-1\"\naccount_id = \"123456789012\"\noidc_provider = \"oidc.eks.eu-west-1.amazonaws.com/id/X\"\n[[teams]]\nname = \"t\"\nprovider = \"p\"\nprefix = \"prod/t/\"\nnamespaces = [\"t\"]\n";
    assert_eq!(generate(text).unwrap_err(), ["invalid-prefix"]);
}

#[test]
fn secrets_manager_push_adds_exactly_the_write_actions_on_the_prefix() {
    let path = crate::common::repo_root().join("examples/aws-secrets-manager/tenants.toml");
    let tree = crate::common::generate(&path);
    let doc: Value =
        serde_json::from_str(&file(&tree, "policies/orders/sm.iam-policy.json")).unwrap();
    let statement = |sid: &str| -> Value {
        doc["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("statement {sid}"))
            .clone()
    };
    // ESO's calls (conformance/eso-v2.9.toml): create with its tag, then
    // write only secrets that carry it; never DeleteSecret (deletionPolicy
    // None).
    assert_eq!(
        statement("PushCreateTagged")["Action"],
        serde_json::json!(["secretsmanager:CreateSecret", "secretsmanager:TagResource"])
    );
    assert_eq!(
        statement("PushUpdateManaged")["Action"],
        serde_json::json!([
            "secretsmanager:DeleteResourcePolicy",
            "secretsmanager:PutSecretValue"
        ])
    );
    for sid in ["PushCreateTagged", "PushUpdateManaged"] {
        assert_eq!(
            statement(sid)["Resource"],
            serde_json::json!([
                "arn:aws:secretsmanager:us-east-1:210987654321:secret:prod/orders/*"
            ])
        );
    }
    assert!(!doc.to_string().contains("DeleteSecret\""));
    // The team without push gets no write statement.
    let other: Value =
        serde_json::from_str(&file(&tree, "policies/billing/sm.iam-policy.json")).unwrap();
    assert!(
        other["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| !s["Sid"].as_str().unwrap().starts_with("Push"))
    );
}

#[test]
fn gcp_condition_names_secrets_by_project_number() {
    let path = crate::common::repo_root().join("examples/gcp-secret-manager/tenants.toml");
    let tree = crate::common::generate(&path);
    let doc: Value =
        serde_json::from_str(&file(&tree, "policies/catalog/gsm.gcp-iam.json")).unwrap();
    let accessor = &doc["bindings"][0];
    assert_eq!(accessor["role"], "roles/secretmanager.secretAccessor");
    assert_eq!(
        accessor["condition"]["expression"],
        "resource.name.startsWith(\"projects/482019374651/secrets/prod-catalog-\")"
    );
    let wi = &doc["bindings"][1];
    assert_eq!(wi["role"], "roles/iam.workloadIdentityUser");
    assert_eq!(
        wi["members"][0],
        "serviceAccount:acme-clusters-prod.svc.id.goog[catalog/eso-gsm]"
    );
    let sa = file(&tree, "overlays/catalog/patch-serviceaccount.yaml");
    assert!(
        sa.contains(
            "iam.gke.io/gcp-service-account: eso-catalog@acme-secrets-prod.iam.gserviceaccount.com"
        ),
        "{sa}"
    );
}

#[test]
fn gcp_prefix_with_slash_is_a_clear_error() {
    let text = "version = 1\n[cluster]\nname = \"c\"\nplatform = \"gke\"\n[providers.g]\nkind = \"gcp-secret-manager\"\nproject_id = \"my-project\"\nproject_number = \"1234\"\ncluster_location = \"europe-west1\"\n[[teams]]\nname = \"t\"\nprovider = \"g\"\nprefix = \"prod/t/\"\nnamespaces = [\"t\"]\n";
    let (sources, _, diags) = pipeline::generate_text("tenants.toml", text);
    let out = esogen::diag::render::render_all(
        &sources,
        &diags.sorted(),
        esogen::diag::render::ColorChoice::Never,
    );
    assert!(
        out.contains("error[invalid-prefix]") && out.contains("write the prefix as `prod-t-`"),
        "{out}"
    );
}

#[test]
fn azure_shared_vault_is_refused_unless_accepted_and_per_team_vaults_are_not() {
    let base = "version = 1\n[cluster]\nname = \"c\"\nplatform = \"aks\"\n[providers.kv]\nkind = \"azure-key-vault\"\ntenant_id = \"6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b\"\nclient_id = \"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d\"\noidc_issuer = \"https://issuer.example/\"\n";
    let teams = "[[teams]]\nname = \"a\"\nprovider = \"kv\"\nprefix = \"a-\"\nnamespaces = [\"a\"]\n[[teams]]\nname = \"b\"\nprovider = \"kv\"\nprefix = \"b-\"\nnamespaces = [\"b\"]\n";
    let shared = format!("{base}vault_url = \"https://kv-shared.vault.azure.net\"\n{teams}");
    let (_, r, diags) = pipeline::generate_text("tenants.toml", &shared);
    assert!(
        r.is_err(),
        "two teams on one vault and identity are refused"
    );
    let accepted = shared.replace("vault_url = ", "allow_shared = true\nvault_url = ");
    let (_, r, diags_ok) = pipeline::generate_text("tenants.toml", &accepted);
    assert!(r.is_ok(), "{diags_ok:?}");
    for d in [&diags, &diags_ok] {
        assert!(
            d.0.iter().any(|d| d.code.name() == "unscoped-provider"
                && d.message.contains("`https://kv-shared.vault.azure.net`")),
            "{d:?}"
        );
    }
    let one_team = format!(
        "{base}vault_url = \"https://kv-{{{{team}}}}.vault.azure.net\"\n[[teams]]\nname = \"a\"\nprovider = \"kv\"\nprefix = \"a-\"\nnamespaces = [\"a\"]\n"
    );
    let (_, r, diags) = pipeline::generate_text("tenants.toml", &one_team);
    assert!(r.is_ok(), "{diags:?}");
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn unsupported_pairs_fail_with_their_code_and_alternatives() {
    for (platform, kind, settings) in [
        (
            "eks",
            "gcp-secret-manager",
            "project_id = \"my-project\"\nproject_number = \"1\"\n",
        ),
        (
            "gke",
            "aws-secrets-manager",
            "region = \"eu-west-1\"\naccount_id = \"123456789012\"\n",
        ),
        (
            "generic",
            "azure-key-vault",
            "vault_url = \"https://kv-x.vault.azure.net\"\ntenant_id = \"6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b\"\n",
        ),
        (
            "openshift",
            "aws-parameter-store",
            "region = \"eu-west-1\"\naccount_id = \"123456789012\"\n",
        ),
    ] {
        let text = format!(
            "version = 1\n[cluster]\nname = \"c\"\nplatform = \"{platform}\"\n[providers.p]\nkind = \"{kind}\"\n{settings}[[teams]]\nname = \"t\"\nprovider = \"p\"\nprefix = \"t-\"\nnamespaces = [\"t\"]\n"
        );
        let (_, r, diags) = pipeline::generate_text("tenants.toml", &text);
        assert!(r.is_err(), "{platform} + {kind}");
        let d = diags
            .0
            .iter()
            .find(|d| d.code.name() == "unsupported-provider")
            .unwrap_or_else(|| panic!("{platform} + {kind}: {diags:?}"));
        assert!(
            d.help
                .as_deref()
                .unwrap_or_default()
                .contains("auth = \"static\""),
            "{d:?}"
        );
    }
}

#[test]
fn static_credentials_are_references_with_a_warning() {
    let path = crate::common::repo_root().join("examples/static-credentials/tenants.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let (_, r, diags) = pipeline::generate_text("tenants.toml", &text);
    let tree = r.unwrap().tree;
    assert!(
        diags
            .0
            .iter()
            .any(|d| d.code.name() == "static-credentials")
    );
    let store = file(&tree, "bases/tenant/aws/secretstore.yaml");
    assert!(
        store.contains("accessKeyIDSecretRef:") && store.contains("name: aws-credentials"),
        "{store}"
    );
    assert!(
        tree.get("bases/tenant/aws/serviceaccount.yaml").is_none(),
        "no ServiceAccount without IRSA"
    );
    assert!(tree.get("policies/edge/aws.trust-policy.json").is_none());
    assert!(tree.get("policies/edge/aws.iam-policy.json").is_some());
}

/// ESO v2.9.0 `providers/v1/aws/parameterstore/parameterstore.go`,
/// `PushSecret` and `constructMetadataWithDefaults`: without metadata a
/// pushed Secret becomes a plain `String` parameter holding its values in
/// base64 (`encodeSecretData`). esogen's PushSecret asks for an encrypted
/// parameter of the values as written, in the one shape
/// `runtime/esutils/metadata`, `ParseMetadataParameters`, accepts: its
/// apiVersion and kind, and only fields `PushSecretMetadataSpec` knows
/// (it refuses unknown ones). Secrets Manager pushes decoded values
/// without metadata.
#[test]
fn parameter_store_push_is_an_encrypted_parameter_of_the_values_as_written() {
    let text = r#"version = 1
[cluster]
name = "c"
platform = "eks"
[providers.ps]
kind = "aws-parameter-store"
region = "eu-west-1"
account_id = "123456789012"
oidc_provider = "oidc.eks.eu-west-1.amazonaws.com/id/X"
[providers.sm]
kind = "aws-secrets-manager"
region = "eu-west-1"
account_id = "123456789012"
oidc_provider = "oidc.eks.eu-west-1.amazonaws.com/id/X"
[[teams]]
name = "a"
provider = "ps"
prefix = "/prod/a/"
namespaces = ["a"]
secrets = [{ name = "db", key = "/prod/a/db", push = true, target = "db-src" }]
[[teams]]
name = "b"
provider = "sm"
prefix = "prod/b/"
namespaces = ["b"]
secrets = [{ name = "db", key = "prod/b/db", push = true, target = "db-src" }]
"#;
    let tree = generate(text).unwrap();
    let push = |ns: &str| -> Value {
        let docs = crate::common::parse_yaml_docs(&file(
            &tree,
            &format!("overlays/{ns}/pushsecret-db.yaml"),
        ));
        docs[0]["spec"]["data"].clone()
    };
    let ps = push("a");
    assert_eq!(ps.as_array().map(Vec::len), Some(1), "{ps}");
    assert_eq!(
        ps[0]["metadata"],
        serde_json::json!({
            "apiVersion": "kubernetes.external-secrets.io/v1alpha1",
            "kind": "PushSecretMetadata",
            "spec": { "secretType": "SecureString", "encodeAsDecoded": true }
        })
    );
    let known = [
        "secretType",
        "kmsKeyID",
        "tier",
        "encodeAsDecoded",
        "tags",
        "description",
    ];
    let spec = ps[0]["metadata"]["spec"].as_object().unwrap();
    assert!(spec.keys().all(|k| known.contains(&k.as_str())), "{spec:?}");
    assert!(ps[0]["match"].get("secretKey").is_none(), "{ps}");
    let sm = push("b");
    assert!(sm[0].get("metadata").is_none(), "{sm}");
}
