//! Azure Key Vault delivered by Terraform or Azure Service Operator: the
//! readers that turn the delivered objects back into the `files`
//! documents, and the cases each delivery refuses.

use std::collections::BTreeMap;

use esogen::manifest::policy::AzureFederatedCredential;
use esogen::provider::azure::{FEDERATED_CREDENTIAL_DESCRIPTION, RoleGrant};
use serde_json::Value;

use crate::common::parse_yaml_docs;

fn pretty<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap() + "\n"
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("{v} is not a list"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// The name inside a `${prefix.NAME.attr}` reference.
fn referenced<'a>(value: &'a Value, prefix: &str, attr: &str) -> &'a str {
    let s = value.as_str().unwrap();
    s.strip_prefix(&format!("${{{prefix}."))
        .and_then(|r| r.strip_suffix(&format!(".{attr}}}")))
        .unwrap_or_else(|| panic!("`{s}` is not a reference to {prefix}.*.{attr}"))
}

/// `<store>.federated-credential.json` from an ASO FederatedIdentityCredential.
pub fn aso_federated_credential(path: &str, o: &Value, base: &str) -> (String, String) {
    let spec = &o["spec"];
    assert_eq!(
        o["metadata"]["annotations"]["serviceoperator.azure.com/reconcile-policy"], "manage",
        "{path}: ASO must delete the credential when the object is pruned"
    );
    let owner = spec["owner"]["armId"].as_str().unwrap();
    assert!(
        owner.contains("/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"),
        "{path}: the owner is a managed identity, by ARM id: {owner}"
    );
    let doc = AzureFederatedCredential {
        name: spec["azureName"].as_str().unwrap().to_owned(),
        issuer: spec["issuer"].as_str().unwrap().to_owned(),
        subject: spec["subject"].as_str().unwrap().to_owned(),
        description: FEDERATED_CREDENTIAL_DESCRIPTION.into(),
        audiences: strings(&spec["audiences"]),
    };
    (format!("{base}.federated-credential.json"), pretty(&doc))
}

/// `<store>.federated-credential.json` from `azurerm_federated_identity_credential`.
pub fn terraform_federated_credential(path: &str, body: &Value, base: &str) -> (String, String) {
    let identity = body["user_assigned_identity_id"].as_str().unwrap();
    assert!(
        identity.contains("/providers/Microsoft.ManagedIdentity/userAssignedIdentities/"),
        "{path}: {identity}"
    );
    // The precondition ties the identity to the client id's principal.
    let condition = body["lifecycle"]["precondition"][0]["condition"]
        .as_str()
        .unwrap_or_else(|| panic!("{path}: no precondition on the credential"));
    assert!(
        condition.contains(&identity.to_ascii_lowercase()),
        "{path}: {condition}"
    );
    let doc = AzureFederatedCredential {
        name: body["name"].as_str().unwrap().to_owned(),
        issuer: body["issuer"].as_str().unwrap().to_owned(),
        subject: body["subject"].as_str().unwrap().to_owned(),
        description: FEDERATED_CREDENTIAL_DESCRIPTION.into(),
        audiences: strings(&body["audience"]),
    };
    (format!("{base}.federated-credential.json"), pretty(&doc))
}

/// `<store>.role-assignments.json` from `azurerm_role_assignment`, the
/// shared `azurerm_role_definition` it names in `main.tf.json` and the
/// service principal it is assigned to (a data source of the same file).
pub fn terraform_role_assignments(
    path: &str,
    body: &Value,
    file: &Value,
    tree: &BTreeMap<String, String>,
    base: &str,
) -> (String, String) {
    let main: Value = serde_json::from_str(
        tree.get("terraform/main.tf.json")
            .unwrap_or_else(|| panic!("{path}: no main.tf.json")),
    )
    .unwrap();
    let role_ref = referenced(
        &body["role_definition_id"],
        "azurerm_role_definition",
        "role_definition_resource_id",
    );
    let role = &main["resource"]["azurerm_role_definition"][role_ref];
    assert!(
        role.is_object(),
        "{path}: role {role_ref} is not in main.tf.json"
    );
    let sp_ref = referenced(
        &body["principal_id"],
        "data.azuread_service_principal",
        "object_id",
    );
    let sp = &file["data"]["azuread_service_principal"][sp_ref];
    assert_eq!(body["principal_type"], "ServicePrincipal", "{path}");
    let scopes = strings(&role["assignable_scopes"]);
    assert_eq!(scopes.len(), 1, "{path}: one assignable scope");
    assert_eq!(role["scope"].as_str(), Some(scopes[0].as_str()), "{path}");
    let permissions = role["permissions"].as_array().unwrap();
    assert_eq!(permissions.len(), 1, "{path}");
    assert_eq!(
        permissions[0].as_object().unwrap().len(),
        1,
        "{path}: data actions only, no control-plane actions"
    );
    assert_eq!(
        role["description"],
        esogen::provider::azure::ROLE_DESCRIPTION,
        "{path}"
    );
    let grant = RoleGrant {
        role: role["name"].as_str().unwrap().to_owned(),
        data_actions: strings(&permissions[0]["data_actions"]),
        group_scope: scopes[0].clone(),
        vault_scope: body["scope"].as_str().unwrap().to_owned(),
        assignee: sp["client_id"]
            .as_str()
            .unwrap_or_else(|| panic!("{path}: no service principal {sp_ref}"))
            .to_owned(),
    };
    (
        format!("{base}.role-assignments.json"),
        pretty(&grant.document()),
    )
}

const HEAD: &str = r#"version = 1
[cluster]
name = "prod"
platform = "aks"
store_scope = "namespace"
"#;

const TENANT: &str = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b";
const SUB: &str = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d";
const CLIENT: &str = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
const IDENTITY: &str = "/subscriptions/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/resourceGroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-eso-web";

/// A one-team config on one Key Vault provider table with `extra` settings.
fn config(extra: &str) -> String {
    format!(
        r#"{HEAD}
[providers.kv]
kind = "azure-key-vault"
vault_url = "https://kv-{{{{team}}}}.vault.azure.net"
tenant_id = "{TENANT}"
{extra}

[[teams]]
name = "web"
provider = "kv"
prefix = "web-"
namespaces = ["web"]
secrets = [{{ name = "session", key = "web-session" }}]
"#
    )
}

fn workload(extra: &str) -> String {
    config(&format!(
        "client_id = \"{CLIENT}\"\noidc_issuer = \"https://issuer.example/\"\n{extra}"
    ))
}

fn generate(
    text: &str,
) -> (
    Option<BTreeMap<String, String>>,
    Vec<esogen::diag::Diagnostic>,
) {
    let (_, result, diags) = esogen::pipeline::generate_text("tenants.toml", text);
    let tree = result.ok().map(|g| {
        g.tree
            .iter()
            .map(|(p, b)| (p.clone(), String::from_utf8_lossy(b).into_owned()))
            .collect()
    });
    (tree, diags.sorted().into_iter().cloned().collect())
}

/// The one error of a refused config: its message and help.
fn refused(text: &str) -> (String, String) {
    let (tree, diags) = generate(text);
    assert!(tree.is_none(), "generated:\n{text}");
    let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    (
        errors[0].message.clone(),
        errors[0].help.clone().unwrap_or_default(),
    )
}

/// Role assignments need esogen's custom role, which ASO cannot create
/// here: the delivery is refused, pointing at `terraform` and `files`.
#[test]
fn aso_refuses_a_store_whose_role_assignment_needs_the_custom_role() {
    let text = workload(&format!(
        "identity_resource_id = \"{IDENTITY}\"\nsubscription_id = \"{SUB}\"\nresource_group = \"rg-kv\"\ndelivery = \"azure-service-operator\""
    ));
    let (message, help) = refused(&text);
    assert!(message.contains("custom role"), "{message}");
    assert!(
        message.contains("esogen Key Vault secrets (read)"),
        "{message}"
    );
    assert!(
        help.contains("`delivery = \"terraform\"`") && help.contains("`files`"),
        "{help}"
    );
    // The same table without the role scope delivers the credential.
    let text = workload(&format!(
        "identity_resource_id = \"{IDENTITY}\"\ndelivery = \"azure-service-operator\""
    ));
    let (tree, _) = generate(&text);
    let tree = tree.expect("generates");
    let objects = parse_yaml_docs(&tree["bases/access/web.kv.yaml"]);
    assert_eq!(objects.len(), 1);
    assert_eq!(objects[0]["kind"], "FederatedIdentityCredential");
    assert_eq!(objects[0]["spec"]["owner"]["armId"], IDENTITY);
    // With terraform, the role and its assignment are delivered.
    let text = workload(&format!(
        "identity_resource_id = \"{IDENTITY}\"\nsubscription_id = \"{SUB}\"\nresource_group = \"rg-kv\"\ndelivery = \"terraform\""
    ));
    let (tree, _) = generate(&text);
    let tree = tree.expect("generates");
    let store: Value = serde_json::from_str(&tree["terraform/web.kv.tf.json"]).unwrap();
    assert!(store["resource"]["azurerm_role_assignment"]["web__kv"].is_object());
    let main: Value = serde_json::from_str(&tree["terraform/main.tf.json"]).unwrap();
    assert_eq!(
        main["resource"]["azurerm_role_definition"]
            .as_object()
            .unwrap()
            .len(),
        1
    );
}

/// Both deliveries add the federated credential to an existing identity:
/// without its resource id they are refused, and the identity is never
/// created.
#[test]
fn terraform_and_aso_need_the_identity_they_reference() {
    for delivery in ["terraform", "azure-service-operator"] {
        let (message, help) = refused(&workload(&format!("delivery = \"{delivery}\"")));
        assert!(message.contains("identity_resource_id"), "{message}");
        assert!(help.contains("az identity show"), "{help}");
        assert!(help.contains(CLIENT), "{help}");
    }
    for delivery in ["terraform", "azure-service-operator"] {
        let (tree, _) = generate(&workload(&format!(
            "identity_resource_id = \"{IDENTITY}\"\ndelivery = \"{delivery}\""
        )));
        for (p, t) in tree.expect("generates") {
            assert!(
                !t.contains("azurerm_user_assigned_identity\"")
                    && !t.contains("kind: UserAssignedIdentity"),
                "{p} creates an identity"
            );
        }
    }
}

#[test]
fn identity_resource_ids_are_checked() {
    for bad in [
        "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-a",
        "/subscriptions/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-a",
        "/subscriptions/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/a",
        "/subscriptions/0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-a/extra",
        "id-eso-web",
    ] {
        let (message, help) = refused(&workload(&format!("identity_resource_id = \"{bad}\"")));
        assert!(
            message.contains("is not a user-assigned managed identity's resource id"),
            "{message}"
        );
        assert!(help.contains("az identity show"), "{help}");
    }
    // ARM compares the fixed segments without case; esogen writes the id
    // as Azure returns it.
    let lower = IDENTITY
        .replace("resourceGroups", "resourcegroups")
        .replace("Microsoft.ManagedIdentity", "microsoft.managedidentity");
    let (tree, _) = generate(&workload(&format!(
        "identity_resource_id = \"{lower}\"\ndelivery = \"azure-service-operator\""
    )));
    let objects = parse_yaml_docs(&tree.expect("generates")["bases/access/web.kv.yaml"]);
    assert_eq!(objects[0]["spec"]["owner"]["armId"], IDENTITY);
    // Static credentials have no federated credential to add.
    let (message, _) = refused(&config(&format!(
        "auth = \"static\"\ncredentials_secret = \"kv-sp\"\nidentity_resource_id = \"{IDENTITY}\""
    )));
    assert!(
        message.contains("only used with workload identity"),
        "{message}"
    );
}

/// A service principal with a secret: ASO has nothing it can deliver;
/// Terraform assigns the role (by client id) when there is one to assign.
#[test]
fn static_credentials_with_terraform_and_aso() {
    let base = "auth = \"static\"\ncredentials_secret = \"kv-sp\"";
    let (message, help) = refused(&config(&format!(
        "{base}\ndelivery = \"azure-service-operator\""
    )));
    assert!(message.contains("service principal's secret"), "{message}");
    assert!(help.contains("terraform"), "{help}");
    let (message, _) = refused(&config(&format!("{base}\ndelivery = \"terraform\"")));
    assert!(message.contains("nothing to apply"), "{message}");
    let (tree, _) = generate(&config(&format!(
        "{base}\nclient_id = \"{CLIENT}\"\nsubscription_id = \"{SUB}\"\nresource_group = \"rg-kv\"\ndelivery = \"terraform\""
    )));
    let tree = tree.expect("generates");
    let store: Value = serde_json::from_str(&tree["terraform/web.kv.tf.json"]).unwrap();
    assert!(store["resource"]["azurerm_federated_identity_credential"].is_null());
    assert_eq!(
        store["data"]["azuread_service_principal"]["web__kv"]["client_id"],
        CLIENT
    );
    // The documents equal the files delivery's.
    let files_text = config(&format!(
        "{base}\nclient_id = \"{CLIENT}\"\nsubscription_id = \"{SUB}\"\nresource_group = \"rg-kv\""
    ));
    let (files, _) = generate(&files_text);
    let files = files.expect("generates");
    let (p, doc) = crate::delivery::documents_of(
        "terraform/web.kv.tf.json",
        &tree["terraform/web.kv.tf.json"],
        &tree,
    )
    .into_iter()
    .next()
    .unwrap();
    assert_eq!(p, "policies/web/kv.role-assignments.json");
    assert_eq!(
        serde_json::from_str::<Value>(&doc).unwrap(),
        serde_json::from_str::<Value>(&files[&p]).unwrap()
    );
}

/// Stores of one resource group that need the same custom role share one
/// `azurerm_role_definition` (Azure refuses two roles of one name); each
/// assigns it on its own vault.
#[test]
fn one_custom_role_per_resource_group_and_action_set() {
    let team = |name: &str, client: &str, push: bool| {
        format!(
            r#"
[providers.kv-{name}]
kind = "azure-key-vault"
vault_url = "https://kv-{{{{team}}}}.vault.azure.net"
tenant_id = "{TENANT}"
client_id = "{}"
oidc_issuer = "https://issuer.example/"
identity_resource_id = "{}"
subscription_id = "{SUB}"
resource_group = "rg-kv"
delivery = "terraform"

[[teams]]
name = "{name}"
provider = "kv-{name}"
prefix = "{name}-"
namespaces = ["{name}"]
secrets = [{{ name = "s", key = "{name}-s", push = {push} }}]
"#,
            client,
            IDENTITY.replace("id-eso-web", &format!("id-eso-{name}")),
        )
    };
    let text = format!(
        "{HEAD}{}{}{}",
        team("web", "11111111-2222-4333-8444-555555555555", false),
        team("data", "22222222-3333-4444-8555-666666666666", false),
        team("orders", "33333333-4444-4555-8666-777777777777", true)
    );
    let (tree, diags) = generate(&text);
    let tree = tree.unwrap_or_else(|| panic!("{diags:#?}"));
    let main: Value = serde_json::from_str(&tree["terraform/main.tf.json"]).unwrap();
    let roles = main["resource"]["azurerm_role_definition"]
        .as_object()
        .unwrap();
    let names: Vec<&str> = roles
        .values()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "esogen Key Vault secrets (read)",
            "esogen Key Vault secrets (read, write)"
        ],
        "{roles:#?}"
    );
    for (store, role) in [
        ("web.kv-web", "read"),
        ("data.kv-data", "read"),
        ("orders.kv-orders", "read_write"),
    ] {
        let file: Value =
            serde_json::from_str(&tree[&format!("terraform/{store}.tf.json")]).unwrap();
        let assignment = file["resource"]["azurerm_role_assignment"]
            .as_object()
            .unwrap()
            .values()
            .next()
            .unwrap()
            .clone();
        let reference = assignment["role_definition_id"].as_str().unwrap();
        assert!(
            reference.starts_with(&format!(
                "${{azurerm_role_definition.esogen_key_vault_secrets_{role}__"
            )),
            "{store}: {reference}"
        );
        // Every resource's provider is pinned to the subscription and tenant.
        let alias = store.split_once('.').unwrap().1;
        let provider = main["provider"]["azurerm"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["alias"] == alias)
            .unwrap();
        assert_eq!(provider["subscription_id"], SUB);
        assert_eq!(provider["tenant_id"], TENANT);
        assert_eq!(provider["features"], serde_json::json!({}));
    }
}

/// The ASO example's objects validate strictly against ASO's CRD (the
/// owner's ARM id pattern matched without case, as RE2's `(?i)` does), and
/// the CRD catches what a broken generator would write.
#[test]
fn aso_objects_validate_against_the_crd() {
    let Some(schemas) = crate::common::schemas() else {
        return;
    };
    let tree = crate::common::generate(
        &crate::common::repo_root().join("examples/azure-service-operator/tenants.toml"),
    );
    let mut checked = 0;
    for (p, bytes) in tree.iter() {
        if !p.starts_with("bases/access/") || p.ends_with("kustomization.yaml") {
            continue;
        }
        for o in parse_yaml_docs(&String::from_utf8_lossy(bytes)) {
            assert_eq!(o["kind"], "FederatedIdentityCredential", "{p}");
            schemas.validate(&o).unwrap_or_else(|e| panic!("{p}: {e}"));
            let mut lower = o.clone();
            lower["spec"]["owner"]["armId"] = o["spec"]["owner"]["armId"]
                .as_str()
                .unwrap()
                .to_ascii_lowercase()
                .into();
            schemas
                .validate(&lower)
                .unwrap_or_else(|e| panic!("{p}: {e}"));
            for (what, pointer, value) in [
                ("owner", "/spec/owner/armId", Value::from("id-eso-shop")),
                ("name", "/spec/azureName", Value::from("esogen.prod")),
                ("issuer", "/spec/issuer", Value::from("not a url")),
                (
                    "unknown",
                    "/spec/owner/kind",
                    Value::from("UserAssignedIdentity"),
                ),
            ] {
                let mut bad = o.clone();
                match bad.pointer_mut(pointer) {
                    Some(v) => *v = value,
                    None => bad["spec"]["owner"]["kind"] = value,
                }
                assert!(schemas.validate(&bad).is_err(), "{p}: bad {what} accepted");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 3, "one credential per store");
}

#[test]
fn case_insensitive_patterns_match_as_re2_does() {
    let p =
        crate::common::case_insensitive(r"^/subscriptions/([^/]+)(/resourcegroups/([^/]+))?\s$");
    assert_eq!(
        p,
        r"^/[sS][uU][bB][sS][cC][rR][iI][pP][tT][iI][oO][nN][sS]/([^/]+)(/[rR][eE][sS][oO][uU][rR][cC][eE][gG][rR][oO][uU][pP][sS]/([^/]+))?\s$"
    );
}
