//! Regression tests for issue 13 ("works against ESO and the providers, not
//! only against their schemas"): each defect found by reading ESO v2.9's
//! provider code, with a test that failed before its fix.

use esogen::pipeline;
use esogen::tree::OutputTree;
use serde_json::Value;

use crate::common::parse_yaml_docs;

/// Codes and severities of findings.
type Findings = Vec<(String, String)>;

/// Generates `text`; on failure, the codes and severities of every finding.
fn generate(text: &str) -> Result<(OutputTree, Findings), Findings> {
    let (_, result, diags) = pipeline::generate_text("tenants.toml", text);
    let found: Vec<(String, String)> = diags
        .0
        .iter()
        .map(|d| (d.code.name().to_owned(), format!("{:?}", d.severity)))
        .collect();
    match result {
        Ok(g) => Ok((g.tree, found)),
        Err(_) => Err(found),
    }
}

fn errors(text: &str) -> Vec<String> {
    match generate(text) {
        Ok(_) => Vec::new(),
        Err(found) => found
            .into_iter()
            .filter(|(_, s)| s == "Error")
            .map(|(c, _)| c)
            .collect(),
    }
}

fn yaml(tree: &OutputTree, path: &str) -> Vec<Value> {
    let bytes = tree
        .get(path)
        .unwrap_or_else(|| panic!("{path} is generated"));
    parse_yaml_docs(&String::from_utf8_lossy(bytes))
}

const AZURE_HEAD: &str = "version = 1\n[cluster]\nname = \"c\"\nplatform = \"aks\"\n";
const TENANT: &str = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b";
const CLIENT_A: &str = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
const CLIENT_B: &str = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";

fn azure_provider(name: &str, vault_url: &str, client: &str, extra: &str) -> String {
    format!(
        "[providers.{name}]\nkind = \"azure-key-vault\"\nvault_url = \"{vault_url}\"\ntenant_id = \"{TENANT}\"\nclient_id = \"{client}\"\noidc_issuer = \"https://issuer.example/\"\n{extra}\n"
    )
}

fn team(name: &str, provider: &str, prefix: &str, extra: &str) -> String {
    format!(
        "[[teams]]\nname = \"{name}\"\nprovider = \"{provider}\"\nprefix = \"{prefix}\"\nnamespaces = [\"{name}\"]\n{extra}\n"
    )
}

/// Issue 13, defect 1: two provider tables with their own client ids on one
/// Key Vault, or one client id on two vaults, let each team read the other's
/// secrets. Either is an error unless every table accepts it.
#[test]
fn issue_13_azure_teams_sharing_a_vault_or_an_identity_are_refused() {
    let same_vault = format!(
        "{AZURE_HEAD}{}{}{}{}",
        azure_provider("kv-a", "https://kv-shared.vault.azure.net", CLIENT_A, ""),
        azure_provider("kv-b", "https://KV-shared.vault.azure.net/", CLIENT_B, ""),
        team("a", "kv-a", "a-", ""),
        team("b", "kv-b", "b-", ""),
    );
    assert_eq!(errors(&same_vault), ["unscoped-provider"], "same vault");

    let same_client = format!(
        "{AZURE_HEAD}{}{}{}{}",
        azure_provider("kv-a", "https://kv-a.vault.azure.net", CLIENT_A, ""),
        azure_provider("kv-b", "https://kv-b.vault.azure.net", CLIENT_A, ""),
        team("a", "kv-a", "a-", ""),
        team("b", "kv-b", "b-", ""),
    );
    assert_eq!(
        errors(&same_client),
        ["unscoped-provider"],
        "same client id"
    );

    // One table for two teams: one vault and one identity, two findings.
    let one_table = format!(
        "{AZURE_HEAD}{}{}{}",
        azure_provider("kv", "https://kv-shared.vault.azure.net", CLIENT_A, ""),
        team("a", "kv", "a-", ""),
        team("b", "kv", "b-", ""),
    );
    assert_eq!(
        errors(&one_table),
        ["unscoped-provider", "unscoped-provider"],
        "one table"
    );

    // Accepted on every table involved: one warning per shared thing, not
    // one per namespace.
    let accepted = format!(
        "{AZURE_HEAD}{}{}{}",
        azure_provider(
            "kv",
            "https://kv-shared.vault.azure.net",
            CLIENT_A,
            "allow_shared = true"
        ),
        team("a", "kv", "a-", "namespaces = [\"a\", \"a2\", \"a3\"]"),
        team("b", "kv", "b-", ""),
    )
    .replace("namespaces = [\"a\"]\nnamespaces", "namespaces");
    let (_, found) = generate(&accepted).expect("accepted sharing generates");
    let warnings: Vec<&(String, String)> = found
        .iter()
        .filter(|(c, _)| c == "unscoped-provider")
        .collect();
    assert_eq!(
        warnings.len(),
        2,
        "one warning per vault and identity: {found:?}"
    );
    assert!(warnings.iter().all(|(_, s)| s == "Warning"));

    // Accepted on one table only: still an error.
    let half = format!(
        "{AZURE_HEAD}{}{}{}{}",
        azure_provider(
            "kv-a",
            "https://kv-shared.vault.azure.net",
            CLIENT_A,
            "allow_shared = true"
        ),
        azure_provider("kv-b", "https://kv-shared.vault.azure.net", CLIENT_B, ""),
        team("a", "kv-a", "a-", ""),
        team("b", "kv-b", "b-", ""),
    );
    assert_eq!(
        errors(&half),
        ["unscoped-provider"],
        "accepted by one table"
    );

    // The near miss: a vault and an identity per team.
    let separate = format!(
        "{AZURE_HEAD}{}{}{}{}",
        azure_provider("kv-a", "https://kv-a.vault.azure.net", CLIENT_A, ""),
        azure_provider("kv-b", "https://kv-b.vault.azure.net", CLIENT_B, ""),
        team("a", "kv-a", "a-", ""),
        team("b", "kv-b", "b-", ""),
    );
    let (_, found) = generate(&separate).expect("separate vaults generate");
    assert!(
        !found.iter().any(|(c, _)| c == "unscoped-provider"),
        "{found:?}"
    );
}

/// Issue 13, defect 5: Key Vault names ignore case, so `a-` and `A-x` on
/// one vault overlap.
#[test]
fn issue_13_azure_prefixes_overlap_regardless_of_case() {
    let text = format!(
        "{AZURE_HEAD}{}{}{}",
        azure_provider(
            "kv",
            "https://kv-shared.vault.azure.net",
            CLIENT_A,
            "allow_shared = true"
        ),
        team("a", "kv", "web-", ""),
        team("b", "kv", "WEB-admin-", ""),
    );
    assert!(
        errors(&text).contains(&"overlapping-prefix".to_owned()),
        "{:?}",
        errors(&text)
    );
}

/// Issue 13, defect 6: ESO refuses a tenant id given both in the store and
/// on the ServiceAccount (`providers/v1/azure/keyvault/keyvault.go`,
/// `authorizerForWorkloadIdentity`: "multiple tenantID found").
#[test]
fn issue_13_azure_tenant_id_is_given_once() {
    let text = format!(
        "{AZURE_HEAD}{}{}",
        azure_provider("kv", "https://kv-{{team}}.vault.azure.net", CLIENT_A, ""),
        team("a", "kv", "a-", ""),
    );
    let (tree, _) = generate(&text).expect("generates");
    let mut store_tenant = 0;
    let mut sa_tenant = 0;
    for (path, bytes) in tree.iter() {
        if !path.ends_with(".yaml") {
            continue;
        }
        for doc in parse_yaml_docs(&String::from_utf8_lossy(bytes)) {
            if doc["spec"]["provider"]["azurekv"]["tenantId"].is_string() {
                store_tenant += 1;
            }
            if doc["metadata"]["annotations"]["azure.workload.identity/tenant-id"].is_string() {
                sa_tenant += 1;
            }
        }
    }
    assert!(store_tenant > 0, "the store names the tenant");
    assert_eq!(sa_tenant, 0, "no ServiceAccount names it again");
}

/// Issue 13, defect 7: ESO's AWS, Parameter Store and GCP `find` refuse a
/// search without `name` or `tags` ("unexpected find operator"). Every
/// generated find carries a name anchored at its path.
#[test]
fn issue_13_every_find_has_an_anchored_name() {
    let configs = [
        (
            format!(
                "{}{}",
                crate::common::AWS_HEAD,
                team("a", "aws", "prod/a/", "secrets = [{ name = \"all\", find = {} }]")
            ),
            "overlays/a/externalsecret-all.yaml",
            "^prod/a/",
        ),
        (
            "version = 1\n[cluster]\nname = \"c\"\nplatform = \"eks\"\n[providers.ps]\nkind = \"aws-parameter-store\"\nregion = \"eu-west-1\"\naccount_id = \"123456789012\"\noidc_provider = \"oidc.eks.eu-west-1.amazonaws.com/id/X\"\n".to_owned()
                + &team("a", "ps", "/prod/a-b/", "secrets = [{ name = \"all\", find = { path = \"/prod/a-b/c/\" } }]"),
            "overlays/a/externalsecret-all.yaml",
            "^/prod/a\\-b/c/",
        ),
    ];
    for (text, path, regexp) in configs {
        let (tree, _) = generate(&text).unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        let es = &yaml(&tree, path)[0];
        let find = &es["spec"]["dataFrom"][0]["find"];
        assert_eq!(find["name"]["regexp"], regexp, "{path}");
        // The generated expression matches keys under the path and nothing
        // beside it, read by a real regex engine.
        let re = regex::Regex::new(find["name"]["regexp"].as_str().unwrap()).unwrap();
        // Parameter Store paths are emitted without the trailing slash.
        let path = find["path"].as_str().unwrap().trim_end_matches('/');
        assert!(re.is_match(&format!("{path}/db")));
        assert!(!re.is_match(&format!("x{path}/db")));
        assert!(!re.is_match(&format!("{}/db", &path[..path.len() - 1])));
    }
}

/// Issue 13, defect 7: ESO reads a Parameter Store find through
/// `GetParametersByPath`, scoped to the prefix; the account-wide
/// `ssm:DescribeParameters` is only its fallback after an AccessDenied
/// (`providers/v1/aws/parameterstore/parameterstore.go`, `findByName`).
#[test]
fn issue_13_parameter_store_find_is_not_granted_account_wide() {
    let text = "version = 1\n[cluster]\nname = \"c\"\nplatform = \"eks\"\n[providers.ps]\nkind = \"aws-parameter-store\"\nregion = \"eu-west-1\"\naccount_id = \"123456789012\"\noidc_provider = \"oidc.eks.eu-west-1.amazonaws.com/id/X\"\n".to_owned()
        + &team("a", "ps", "/prod/a/", "secrets = [{ name = \"all\", find = {} }]");
    let (tree, _) = generate(&text).expect("generates");
    let (_, bytes) = tree
        .iter()
        .find(|(p, _)| p.ends_with("/ps.iam-policy.json"))
        .expect("a permission policy");
    let policy: Value = serde_json::from_slice(bytes).unwrap();
    for st in policy["Statement"].as_array().unwrap() {
        let resources: Vec<&str> = match &st["Resource"] {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        assert!(
            !resources.contains(&"*"),
            "nothing is granted account-wide: {st}"
        );
    }
}

/// Issue 13, defect 5: a find name that is not anchored at the path, or
/// that escapes it with `|`, could list another team's secrets (Key Vault
/// searches the whole vault by the expression alone).
#[test]
fn issue_13_find_names_must_stay_under_the_path() {
    let text = |name: &str| {
        format!(
            "{}{}",
            crate::common::AWS_HEAD,
            team(
                "a",
                "aws",
                "prod/a/",
                &format!("secrets = [{{ name = \"all\", find = {{ name = {name:?} }} }}]")
            )
        )
    };
    for bad in [
        "db",
        "^prod/a/|.*",
        "(?i)^prod/a/",
        "(?m)^prod/a/",
        "^prod/",
        "^prod/a/x|^prod/b/",
    ] {
        assert_eq!(errors(&text(bad)), ["key-outside-prefix"], "{bad}");
    }
    for good in ["^prod/a/", "^prod/a/db-[0-9]+$", "^prod/a/(x|y)"] {
        assert_eq!(errors(&text(good)), Vec::<String>::new(), "{good}");
    }
}

fn vault_text(mount: &str, prefix: &str) -> String {
    format!(
        "version = 1\n[cluster]\nname = \"c\"\nplatform = \"generic\"\n[providers.v]\nkind = \"vault\"\nserver = \"https://vault.example\"\nmount = \"{mount}\"\n{}",
        team(
            "a",
            "v",
            prefix,
            &format!("secrets = [{{ name = \"s\", key = \"{prefix}db\" }}]")
        )
    )
}

/// Issue 13, defect 4: ESO strips a leading `<mount>/` from keys
/// (`providers/v1/vault/client_get.go`, `buildPath`), so a prefix that
/// starts with the mount reads another path than its policy grants.
#[test]
fn issue_13_vault_prefix_may_not_start_with_the_mount() {
    assert_eq!(
        errors(&vault_text("secret", "secret/a/")),
        ["invalid-prefix"]
    );
    assert_eq!(
        errors(&vault_text("kv/team", "kv/team/a/")),
        ["invalid-prefix"]
    );
    let short = errors(&vault_text("secret", "sec"));
    assert!(
        !short.is_empty() && short.iter().all(|c| c == "invalid-prefix"),
        "{short:?}"
    );
    // Near misses: a name that only looks like the mount.
    assert!(errors(&vault_text("secret", "secrets/a/")).is_empty());
    assert!(errors(&vault_text("secret", "a/secret/")).is_empty());
}

/// The located error suggests the right spelling.
#[test]
fn issue_13_vault_mount_prefix_error_suggests_the_spelling() {
    let (_, _, diags) = pipeline::generate_text("tenants.toml", &vault_text("secret", "secret/a/"));
    let d = diags
        .0
        .iter()
        .find(|d| d.code.name() == "invalid-prefix")
        .expect("an invalid-prefix error");
    assert!(d.message.contains("write `a/`"), "{}", d.message);
    assert!(d.primary.is_some(), "located");
}

/// Vault lists `<path>/` itself: a find path is emitted without its
/// trailing slash, as ESO's own examples write it.
#[test]
fn issue_13_vault_find_path_has_no_trailing_slash() {
    let text = vault_text("secret", "prod/a/").replace(
        "secrets = [{ name = \"s\", key = \"prod/a/db\" }]",
        "secrets = [{ name = \"s\", find = { path = \"prod/a/x/\" } }]",
    );
    let (tree, _) = generate(&text).unwrap_or_else(|e| panic!("{e:?}"));
    let es = &yaml(&tree, "overlays/a/externalsecret-s.yaml")[0];
    assert_eq!(es["spec"]["dataFrom"][0]["find"]["path"], "prod/a/x");
    assert_eq!(
        es["spec"]["dataFrom"][0]["find"]["name"]["regexp"],
        "^prod/a/x/"
    );
}

fn first_file<'a>(tree: &'a OutputTree, suffix: &str) -> &'a [u8] {
    tree.iter().find(|(p, _)| p.ends_with(suffix)).map_or_else(
        || panic!("a file ending in {suffix}"),
        |(_, b)| b.as_slice(),
    )
}

/// Every (action, condition JSON) pair of an IAM policy.
fn grants(policy: &Value) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for st in policy["Statement"].as_array().unwrap() {
        for a in st["Action"].as_array().unwrap() {
            out.push((a.as_str().unwrap().to_owned(), st["Condition"].clone()));
        }
    }
    out
}

const EKS_PUSH: &str =
    "version = 1\n[cluster]\nname = \"c\"\nplatform = \"eks\"\nstore_scope = \"namespace\"\n";

fn aws_push_policy(kind: &str, prefix: &str, extra: &str) -> Value {
    let text = format!(
        "{EKS_PUSH}[providers.p]\nkind = \"{kind}\"\nregion = \"eu-west-1\"\naccount_id = \"123456789012\"\noidc_provider = \"oidc.eks.eu-west-1.amazonaws.com/id/X\"\n{extra}\n{}",
        team(
            "a",
            "p",
            prefix,
            &format!("secrets = [{{ name = \"s\", key = \"{prefix}db\", push = true }}]")
        )
    );
    let (tree, _) = generate(&text).unwrap_or_else(|e| panic!("{e:?}"));
    serde_json::from_slice(first_file(&tree, "/p.iam-policy.json")).unwrap()
}

/// Issue 13, defect 8 (AWS Secrets Manager): from the second sync on, ESO
/// calls DeleteResourcePolicy when the PushSecret sets no resource policy
/// and fails on AccessDenied (`secretsmanager.go`, `manageResourcePolicy`);
/// writes are limited to secrets carrying ESO's `managed-by` tag, creation
/// to requests carrying it, and nothing deletes (deletionPolicy None).
#[test]
fn issue_13_secrets_manager_push_matches_eso_calls() {
    let policy = aws_push_policy("aws-secrets-manager", "prod/a/", "");
    let g = grants(&policy);
    let cond = |action: &str| -> Vec<Value> {
        g.iter()
            .filter(|(a, _)| a == action)
            .map(|(_, c)| c.clone())
            .collect()
    };
    let resource_tag =
        serde_json::json!({"StringEquals": {"aws:ResourceTag/managed-by": "external-secrets"}});
    let request_tag = serde_json::json!({
        "StringEquals": {"aws:RequestTag/managed-by": "external-secrets"},
        "ForAllValues:StringEquals": {"aws:TagKeys": ["managed-by"]}
    });
    assert_eq!(
        cond("secretsmanager:DeleteResourcePolicy"),
        std::slice::from_ref(&resource_tag)
    );
    assert_eq!(cond("secretsmanager:PutSecretValue"), [resource_tag]);
    assert_eq!(
        cond("secretsmanager:CreateSecret"),
        std::slice::from_ref(&request_tag)
    );
    assert_eq!(cond("secretsmanager:TagResource"), [request_tag]);
    assert_eq!(cond("secretsmanager:DescribeSecret"), [Value::Null]);
    assert_eq!(cond("secretsmanager:GetSecretValue"), [Value::Null]);
    for never in [
        "secretsmanager:DeleteSecret",
        "secretsmanager:ListSecretVersionIds",
        "secretsmanager:UntagResource",
    ] {
        assert!(cond(never).is_empty(), "{never} is not granted: {policy}");
    }
}

/// Issue 13, defect 8 (Parameter Store): creation only with ESO's tag,
/// updates only of parameters carrying it, no DeleteParameter.
#[test]
fn issue_13_parameter_store_push_matches_eso_calls() {
    let policy = aws_push_policy("aws-parameter-store", "/prod/a/", "");
    let g = grants(&policy);
    let actions: Vec<&str> = g.iter().map(|(a, _)| a.as_str()).collect();
    assert!(!actions.contains(&"ssm:DeleteParameter"), "{policy}");
    assert!(!actions.contains(&"ssm:GetParameters"), "{policy}");
    let put: Vec<&Value> = g
        .iter()
        .filter(|(a, _)| a == "ssm:PutParameter")
        .map(|(_, c)| c)
        .collect();
    assert_eq!(put.len(), 2, "create and update: {policy}");
    assert!(put.iter().all(|c| !c.is_null()), "conditioned: {policy}");
}

/// Issue 13, defect 9: customer managed KMS keys are granted through the
/// service only, for objects under the prefix.
#[test]
fn issue_13_kms_keys_are_granted_through_the_service_on_the_prefix() {
    let key = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    for (kind, prefix, service, context, arn) in [
        (
            "aws-secrets-manager",
            "prod/a/",
            "secretsmanager.eu-west-1.amazonaws.com",
            "kms:EncryptionContext:SecretARN",
            "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/a/*",
        ),
        (
            "aws-parameter-store",
            "/prod/a/",
            "ssm.eu-west-1.amazonaws.com",
            "kms:EncryptionContext:PARAMETER_ARN",
            "arn:aws:ssm:eu-west-1:123456789012:parameter/prod/a/*",
        ),
    ] {
        let policy = aws_push_policy(kind, prefix, &format!("kms_key_arns = [\"{key}\"]"));
        let st = policy["Statement"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| {
                s["Action"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a == "kms:Decrypt")
            })
            .unwrap_or_else(|| panic!("kms:Decrypt granted: {policy}"));
        assert_eq!(st["Resource"], serde_json::json!([key]));
        assert_eq!(st["Condition"]["StringEquals"]["kms:ViaService"], service);
        assert_eq!(st["Condition"]["StringLike"][context], arn);
        // Without keys, nothing of KMS.
        let plain = aws_push_policy(kind, prefix, "");
        assert!(!plain.to_string().contains("kms:"), "{plain}");
    }
    let bad = format!(
        "{EKS_PUSH}[providers.p]\nkind = \"aws-secrets-manager\"\nregion = \"eu-west-1\"\naccount_id = \"123456789012\"\noidc_provider = \"oidc.eks.eu-west-1.amazonaws.com/id/X\"\nkms_key_arns = [\"alias/mine\"]\n{}",
        team("a", "p", "prod/a/", "")
    );
    assert_eq!(errors(&bad), ["provider-setting"]);
}

/// Issue 13, defect 8 (Vault KV v2): ESO writes `custom_metadata` to
/// `<mount>/metadata/<key>` before the data (`client_push.go`), so a push
/// needs create, read and update there.
#[test]
fn issue_13_vault_push_can_write_metadata() {
    let text = vault_text("secret", "prod/a/").replace(
        "key = \"prod/a/db\" }",
        "key = \"prod/a/db\", push = true }",
    );
    let (tree, _) = generate(&text).unwrap_or_else(|e| panic!("{e:?}"));
    let hcl = String::from_utf8_lossy(first_file(&tree, "/v.vault-policy.hcl")).into_owned();
    let paths = crate::common::vault_policy_paths(&hcl);
    let caps = |path: &str| -> Vec<String> {
        paths
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, c)| c.clone())
            .unwrap_or_default()
    };
    assert_eq!(
        caps("secret/metadata/prod/a/*"),
        ["create", "read", "update"],
        "{hcl}"
    );
    assert_eq!(caps("secret/data/prod/a/*"), ["read", "update"], "{hcl}");
}

const GKE: &str = "version = 1\n[cluster]\nname = \"prod-gke\"\nplatform = \"gke\"\nstore_scope = \"namespace\"\n[providers.g]\nkind = \"gcp-secret-manager\"\nproject_id = \"acme-secrets\"\nproject_number = \"123456\"\ncluster_location = \"europe-west1\"\n";

/// Issue 13, defect 8 (GCP): `secretVersionManager` lacks the
/// `secrets.get`/`secrets.update` ESO calls and carries `versions.destroy`;
/// the push role holds exactly ESO's calls, under the prefix condition.
#[test]
fn issue_13_gcp_push_role_holds_exactly_eso_calls() {
    let text = format!(
        "{GKE}{}",
        team(
            "alpha",
            "g",
            "prod-a-",
            "secrets = [{ name = \"s\", key = \"prod-a-db\", push = true }]"
        )
    );
    let (tree, _) = generate(&text).unwrap_or_else(|e| panic!("{e:?}"));
    let doc: Value = serde_json::from_slice(first_file(&tree, "/g.gcp-iam.json")).unwrap();
    let text = doc.to_string();
    assert!(!text.contains("secretVersionManager"), "{text}");
    assert!(!text.contains("versions.destroy"), "{text}");
    let pusher = doc["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"].as_str().unwrap().ends_with("/esogenSecretPusher"))
        .expect("a push role");
    assert_eq!(
        pusher["permissions"],
        serde_json::json!([
            "secretmanager.secrets.get",
            "secretmanager.secrets.update",
            "secretmanager.versions.add"
        ])
    );
    let binding = doc["bindings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["role"] == pusher["name"])
        .expect("the push role is bound");
    assert!(
        binding["condition"]["expression"]
            .as_str()
            .unwrap()
            .contains("projects/123456/secrets/prod-a-"),
        "{binding}"
    );
}

/// Issue 13, defect 10: ESO builds the workload identity resource from the
/// real GKE cluster name, which `gke_cluster_name` sets.
#[test]
fn issue_13_gke_cluster_name_is_its_own_setting() {
    let cluster_name = |extra: &str| {
        let text = format!(
            "{}{extra}\n{}",
            GKE,
            team(
                "alpha",
                "g",
                "prod-a-",
                "secrets = [{ name = \"s\", key = \"prod-a-db\" }]"
            )
        );
        let (tree, _) = generate(&text).unwrap_or_else(|e| panic!("{e:?}"));
        let docs: Vec<Value> = tree
            .iter()
            .filter(|(p, _)| p.ends_with("secretstore.yaml"))
            .flat_map(|(_, b)| parse_yaml_docs(&String::from_utf8_lossy(b)))
            .collect();
        docs.iter()
            .find_map(|d| {
                d["spec"]["provider"]["gcpsm"]["auth"]["workloadIdentity"]["clusterName"]
                    .as_str()
                    .map(str::to_owned)
            })
            .expect("a workload identity store")
    };
    assert_eq!(cluster_name(""), "prod-gke");
    assert_eq!(cluster_name("gke_cluster_name = \"gke-eu-1\""), "gke-eu-1");
    let bad = format!(
        "{GKE}gke_cluster_name = \"GKE EU\"\n{}",
        team("alpha", "g", "prod-a-", "")
    );
    assert_eq!(errors(&bad), ["provider-setting"]);
}

fn ps_team(name: &str, prefix: &str) -> String {
    team(name, "ps", prefix, "")
}

const PS_HEAD: &str = "version = 1\n[cluster]\nname = \"c\"\nplatform = \"eks\"\n[providers.ps]\nkind = \"aws-parameter-store\"\nregion = \"eu-west-1\"\naccount_id = \"123456789012\"\noidc_provider = \"oidc.eks.eu-west-1.amazonaws.com/id/X\"\n";

/// Issue 14, item 4: `prod` and `/prod/b/` on Parameter Store name the
/// same ARNs (`parameter/prod*` covers `parameter/prod/b/...`): prefixes
/// are compared as the policy sees them, and a prefix must end with a
/// separator, or its policy is a string prefix of other names.
#[test]
fn issue_14_parameter_store_prefixes_overlap_after_normalization() {
    let text = format!(
        "{PS_HEAD}{}{}",
        ps_team("a", "/prod/"),
        ps_team("b", "prod/b/")
    );
    assert!(
        errors(&text).contains(&"overlapping-prefix".to_owned()),
        "{:?}",
        errors(&text)
    );
    let text = format!(
        "{PS_HEAD}{}{}",
        ps_team("a", "prod"),
        ps_team("b", "/prod/b/")
    );
    assert!(
        errors(&text).contains(&"invalid-prefix".to_owned()),
        "{:?}",
        errors(&text)
    );
    // Near miss: separate trees.
    let text = format!(
        "{PS_HEAD}{}{}",
        ps_team("a", "/prod/a/"),
        ps_team("b", "/prod/b/")
    );
    assert!(errors(&text).is_empty(), "{:?}", errors(&text));
}

/// Issue 14, item 4: every provider's policy matches a plain string prefix,
/// so a prefix must end with a separator (`/`, `-`, `_` or `.`).
#[test]
fn issue_14_prefixes_end_with_a_separator() {
    let aws = |prefix: &str| {
        format!(
            "{}{}",
            crate::common::AWS_HEAD,
            team("a", "aws", prefix, "")
        )
    };
    assert_eq!(errors(&aws("prod/pay")), ["invalid-prefix"]);
    for ok in ["prod/pay/", "prod-pay-", "prod_pay_", "prod.pay."] {
        assert!(errors(&aws(ok)).is_empty(), "{ok}");
    }
}

/// Issue 14, item 5: Vault servers that differ only by host case, a default
/// port or a trailing slash are one server: overlapping prefixes on them
/// are reported.
#[test]
fn issue_14_vault_servers_are_compared_normalized() {
    let text = |server_b: &str| {
        format!(
            "version = 1\n[cluster]\nname = \"c\"\nplatform = \"generic\"\n[providers.v1]\nkind = \"vault\"\nserver = \"https://vault.example.com\"\n[providers.v2]\nkind = \"vault\"\nserver = \"{server_b}\"\nrole_name = \"eso2-{{{{namespace}}}}\"\n{}{}",
            team("a", "v1", "prod/", ""),
            team("b", "v2", "prod/b/", "")
        )
    };
    for same in [
        "https://VAULT.example.com",
        "https://vault.example.com:443",
        "https://vault.example.com/",
        "https://Vault.Example.com:443/",
    ] {
        assert!(
            errors(&text(same)).contains(&"overlapping-prefix".to_owned()),
            "{same}: {:?}",
            errors(&text(same))
        );
    }
    assert!(errors(&text("https://vault-2.example.com")).is_empty());
    assert!(errors(&text("https://vault.example.com:8200")).is_empty());
}

/// Issue 14, item 11: CIDRs as Kubernetes' parser reads them; Azure values
/// that become part of a resource id are validated.
#[test]
fn issue_14_cidrs_and_resource_ids_are_validated() {
    let with_cidr = |c: &str| {
        let mut t = crate::common::AWS_HEAD.replace(
            "platform = \"eks\"\n",
            &format!("platform = \"eks\"\negress_cidrs = [\"{c}\"]\n"),
        );
        t.push_str(&team("a", "aws", "prod/a/", ""));
        t
    };
    for bad in ["10.0.0.0/+8", "10.0.0.0/008", "10.0.0.0/33", "10.0.0.0/ 8"] {
        assert!(!errors(&with_cidr(bad)).is_empty(), "{bad}");
    }
    for good in ["10.0.0.0/8", "0.0.0.0/0", "fd00::/8"] {
        assert!(errors(&with_cidr(good)).is_empty(), "{good}");
    }
    let rg = |g: &str| {
        format!(
            "{AZURE_HEAD}{}{}",
            azure_provider(
                "kv",
                "https://kv-{{team}}.vault.azure.net",
                CLIENT_A,
                &format!("subscription_id = \"{TENANT}\"\nresource_group = \"{g}\"")
            ),
            team("a", "kv", "a-", "")
        )
    };
    for bad in ["rg/../other", "rg/x", "rg.", "", "a b"] {
        assert_eq!(errors(&rg(bad)), ["provider-setting"], "{bad:?}");
    }
    assert!(errors(&rg("rg-secrets_prod.(1)")).is_empty());
}

/// Review of issue 13's fixes: `secrets.create` is checked on the project,
/// where no name condition holds, so granting it let one team create
/// another team's push target first (with its own expiry, topics or key).
/// esogen grants no create; each pushed secret is listed to create first.
#[test]
fn issue_13_gcp_push_does_not_grant_project_wide_create() {
    let text = format!(
        "{GKE}{}",
        team(
            "alpha",
            "g",
            "prod-a-",
            "secrets = [{ name = \"s\", key = \"prod-a-db\", push = true }]"
        )
    );
    let (tree, _) = generate(&text).unwrap_or_else(|e| panic!("{e:?}"));
    let doc: Value = serde_json::from_slice(first_file(&tree, "/g.gcp-iam.json")).unwrap();
    assert!(!doc.to_string().contains("secrets.create"), "{doc}");
    assert_eq!(doc["precreate"][0]["secret"], "prod-a-db");
    assert!(
        doc["precreate"][0]["command"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a == "--labels=managed-by=external-secrets")
    );
}

/// Key Vault: custom roles with exactly ESO's data actions (the built-in
/// roles list every name, or delete and purge), and no `find.path`, which
/// ESO ignores there.
#[test]
fn issue_13_azure_roles_hold_exactly_eso_calls_and_find_has_no_path() {
    let text = format!(
        "{AZURE_HEAD}{}{}",
        azure_provider(
            "kv",
            "https://kv-{{team}}.vault.azure.net",
            CLIENT_A,
            &format!("subscription_id = \"{TENANT}\"\nresource_group = \"rg\"")
        ),
        team(
            "a",
            "kv",
            "a-",
            "secrets = [{ name = \"all\", find = {} }, { name = \"out\", key = \"a-out\", push = true }]"
        )
    );
    let (tree, _) = generate(&text).unwrap_or_else(|e| panic!("{e:?}"));
    let doc: Value =
        serde_json::from_slice(first_file(&tree, "/kv.role-assignments.json")).unwrap();
    assert_eq!(
        doc["role_definitions"][0]["data_actions"],
        serde_json::json!([
            "Microsoft.KeyVault/vaults/secrets/getSecret/action",
            "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
            "Microsoft.KeyVault/vaults/secrets/setSecret/action"
        ])
    );
    assert_eq!(
        doc["assignments"][0]["role"],
        doc["role_definitions"][0]["name"]
    );
    assert!(!doc.to_string().contains("Secrets Officer"));
    let es = &yaml(&tree, "overlays/a/externalsecret-all.yaml")[0];
    let find = &es["spec"]["dataFrom"][0]["find"];
    assert!(find.get("path").is_none(), "{find}");
    assert_eq!(find["name"]["regexp"], "^a\\-");
}

/// Vault and Parameter Store search folders: a find path in the middle of
/// a name searches its folder (the expression keeps the rest), and a folder
/// outside the prefix is refused.
#[test]
fn issue_13_folder_providers_search_the_folder_inside_the_prefix() {
    let text = vault_text("secret", "prod/a/").replace(
        "secrets = [{ name = \"s\", key = \"prod/a/db\" }]",
        "secrets = [{ name = \"s\", find = { path = \"prod/a/api-\" } }]",
    );
    let (tree, _) = generate(&text).unwrap_or_else(|e| panic!("{e:?}"));
    let find = &yaml(&tree, "overlays/a/externalsecret-s.yaml")[0]["spec"]["dataFrom"][0]["find"];
    assert_eq!(find["path"], "prod/a");
    assert_eq!(find["name"]["regexp"], "^prod/a/api\\-");
    // A prefix that is not a folder cannot be searched by folder.
    let text = vault_text("secret", "prod-a-").replace(
        "secrets = [{ name = \"s\", key = \"prod-a-db\" }]",
        "secrets = [{ name = \"s\", find = {} }]",
    );
    assert_eq!(errors(&text), ["invalid-key"]);
    let ps = format!(
        "{PS_HEAD}{}",
        team(
            "a",
            "ps",
            "/prod/a-",
            "secrets = [{ name = \"s\", find = {} }]"
        )
    );
    assert_eq!(errors(&ps), ["invalid-key"]);
}
