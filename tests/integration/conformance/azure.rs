//! Azure Key Vault: role-assignment scopes against the vault each store
//! reads. An assignment grants its role's data actions on its scope and
//! everything below it (ARM ids compare case-insensitively).

use std::collections::BTreeSet;

use serde_json::Value;

use super::vault::requested;
use super::{Generated, Kind, Report, StoreUse, call_label, op_for, source, table};

/// Built-in roles' data actions, from
/// <https://learn.microsoft.com/en-us/azure/role-based-access-control/built-in-roles/security>
/// (Key Vault Secrets User 4633458b-17de-408a-b874-0445c86b69e6, Key Vault
/// Secrets Officer b86a8fe4-44ce-4948-aee5-eccb2c155cd7, Key Vault
/// Administrator 00482a5a-887f-4fb3-b363-3b7fe8e74483, Key Vault Reader
/// 21090545-7ca7-4776-b22c-e363652d74d2; secrets data actions only).
const ROLES: &[(&str, &[&str])] = &[
    (
        "Key Vault Secrets User",
        &[
            "Microsoft.KeyVault/vaults/secrets/getSecret/action",
            "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
        ],
    ),
    (
        "Key Vault Secrets Officer",
        &["Microsoft.KeyVault/vaults/secrets/*"],
    ),
    ("Key Vault Administrator", &["Microsoft.KeyVault/vaults/*"]),
    (
        "Key Vault Reader",
        &["Microsoft.KeyVault/vaults/secrets/readMetadata/action"],
    ),
];

/// Every Key Vault secrets data action (Azure resource provider operations,
/// Microsoft.KeyVault), to expand wildcards for the surplus report.
const SECRET_DATA_ACTIONS: &[&str] = &[
    "Microsoft.KeyVault/vaults/secrets/delete",
    "Microsoft.KeyVault/vaults/secrets/backup/action",
    "Microsoft.KeyVault/vaults/secrets/purge/action",
    "Microsoft.KeyVault/vaults/secrets/update/action",
    "Microsoft.KeyVault/vaults/secrets/recover/action",
    "Microsoft.KeyVault/vaults/secrets/restore/action",
    "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
    "Microsoft.KeyVault/vaults/secrets/getSecret/action",
    "Microsoft.KeyVault/vaults/secrets/setSecret/action",
];

fn action_matches(pattern: &str, action: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(p) => action
            .to_ascii_lowercase()
            .starts_with(&p.to_ascii_lowercase()),
        None => pattern.eq_ignore_ascii_case(action),
    }
}

fn covers(scope: &str, resource: &str) -> bool {
    let (s, r) = (scope.to_ascii_lowercase(), resource.to_ascii_lowercase());
    r == s || r.starts_with(&format!("{}/", s.trim_end_matches('/')))
}

struct Assignment {
    role: String,
    scope: String,
    /// The role's data actions: a built-in role's from [`ROLES`], a custom
    /// role's from the document's `role_definitions`.
    actions: Vec<String>,
}

fn builtin(role: &str) -> Vec<String> {
    ROLES
        .iter()
        .find(|(r, _)| *r == role)
        .map(|(_, acts)| acts.iter().map(|a| (*a).to_owned()).collect())
        .unwrap_or_default()
}

fn allows<'a>(
    assignments: &'a [Assignment],
    action: &str,
    resource: &str,
) -> Option<&'a Assignment> {
    assignments
        .iter()
        .find(|a| covers(&a.scope, resource) && a.actions.iter().any(|p| action_matches(p, action)))
}

fn vault_scope(u: &StoreUse) -> Option<String> {
    let url = u.store["spec"]["provider"]["azurekv"]["vaultUrl"].as_str()?;
    let name = url
        .trim_start_matches("https://")
        .split('.')
        .next()?
        .to_owned();
    let sub = u.provider_str("subscription_id")?;
    let rg = u.provider_str("resource_group")?;
    Some(format!(
        "/subscriptions/{sub}/resourceGroups/{rg}/providers/Microsoft.KeyVault/vaults/{name}"
    ))
}

/// Key Vault's object name for a remote key (`secret/NAME` or `NAME`).
fn secret_name(key: &str) -> &str {
    key.strip_prefix("secret/").unwrap_or(key)
}

fn check(g: &Generated, u: &StoreUse, report: &mut Report) {
    let label = u.label();
    let path = format!("{}role-assignments.json", u.policy_base);
    let Some(vault) = vault_scope(u) else {
        report.notes.insert(format!(
            "{label}: no subscription_id/resource_group, so no role assignment is generated: nothing to replay"
        ));
        return;
    };
    let Some(text) = g.file(&path) else {
        report.notes.insert(format!(
            "{label}: {path} is not generated ({}): nothing to replay",
            u.provider_str("auth")
                .unwrap_or_else(|| "workload identity".into())
        ));
        return;
    };
    let doc: Value = serde_json::from_str(text).expect("role assignments are JSON");
    let client_id = u
        .service_account
        .as_ref()
        .and_then(|s| s["metadata"]["annotations"]["azure.workload.identity/client-id"].as_str())
        .map(str::to_owned)
        .or_else(|| u.provider_str("client_id"));

    let mut assignments = Vec::new();
    for a in doc["assignments"].as_array().expect("assignments") {
        let role = a["role"].as_str().unwrap_or_default().to_owned();
        let scope = a["scope"].as_str().unwrap_or_default().to_owned();
        if client_id.as_deref().is_some_and(|c| a["assignee"] != c) {
            report.add(
                Kind::Trust,
                format!(
                    "{label}: assignment of {role} is for {}, not {client_id:?}",
                    a["assignee"]
                ),
            );
            continue;
        }
        let custom = doc["role_definitions"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|d| d["name"] == role.as_str());
        let actions: Vec<String> = match custom {
            Some(d) => {
                // A custom role may only be assignable where the vault is.
                let assignable = d["assignable_scopes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .any(|s| covers(s, &scope));
                if !assignable {
                    report.add(
                        Kind::Error,
                        format!("{label}: custom role {role:?} is not assignable on {scope}"),
                    );
                }
                d["data_actions"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            }
            None => builtin(&role),
        };
        if actions.is_empty() {
            report.add(Kind::Error, format!("{label}: unknown role {role:?}"));
        }
        // The scope is the vault the store reads, or one of its secrets.
        let own_secret =
            u.requests.iter().filter_map(|r| r.key.as_deref()).any(|k| {
                scope.eq_ignore_ascii_case(&format!("{vault}/secrets/{}", secret_name(k)))
            });
        report.checked += 1;
        if !scope.eq_ignore_ascii_case(&vault) && !own_secret {
            report.add(
                Kind::Leak,
                format!("{label}: {role} is assigned on {scope}, not on the vault {vault} the store reads (or one of its secrets)"),
            );
        }
        assignments.push(Assignment {
            role,
            scope,
            actions,
        });
    }

    // Federated credential (trust).
    if u.store["spec"]["provider"]["azurekv"]["authType"] == "WorkloadIdentity" {
        let fc_path = format!("{}federated-credential.json", u.policy_base);
        report.checked += 1;
        match g
            .file(&fc_path)
            .map(|t| serde_json::from_str::<Value>(t).unwrap())
        {
            None => report.add(Kind::Trust, format!("{label}: {fc_path} is not generated")),
            Some(fc) => {
                let sa = u
                    .service_account
                    .as_ref()
                    .map(|s| s["metadata"]["name"].clone());
                let subject = format!(
                    "system:serviceaccount:{}:{}",
                    u.sa_namespace,
                    sa.as_ref().and_then(|s| s.as_str()).unwrap_or_default()
                );
                if fc["subject"] != subject.as_str()
                    || fc["issuer"].as_str() != u.provider_str("oidc_issuer").as_deref()
                    || fc["audiences"] != serde_json::json!(["api://AzureADTokenExchange"])
                {
                    report.add(
                        Kind::Trust,
                        format!("{label}: federated credential {fc} does not pin subject {subject}, the provider's issuer and audience api://AzureADTokenExchange"),
                    );
                }
            }
        }
    }

    let own = |r: &super::Request| match r.operation {
        "find-name" | "find-tags" => format!("{}x", u.prefix),
        _ => secret_name(r.key.as_deref().unwrap_or_default()).to_owned(),
    };
    let mut needed = BTreeSet::new();
    for r in &u.requests {
        let Some(op) = op_for(u, r, report) else {
            continue;
        };
        for c in &op.call {
            if u.holds(c.cond.as_deref(), r) != Some(true) {
                continue;
            }
            needed.insert(c.action.clone());
            if c.tolerated {
                continue;
            }
            let res = match c.resource.as_str() {
                "vault" => vault.clone(),
                "secret" => format!("{vault}/secrets/{}", own(r)),
                other => panic!("Azure resource form {other}"),
            };
            report.checked += 1;
            if allows(&assignments, &c.action, &res).is_none() {
                report.add(
                    Kind::Missing,
                    format!(
                        "{label}: {} needs {} `{}` on {res} [{}]",
                        r.object,
                        call_label(op, c),
                        c.action,
                        source(op, c)
                    ),
                );
            }
        }
    }

    // Other teams' secrets, in their own vaults.
    for o in g
        .uses
        .iter()
        .filter(|o| o.row == u.row && o.prefix != u.prefix)
    {
        let Some(ov) = vault_scope(o) else { continue };
        let keys: BTreeSet<String> = o
            .requests
            .iter()
            .filter_map(|r| r.key.as_deref().map(|k| secret_name(k).to_owned()))
            .chain([format!("{}x", o.prefix)])
            .collect();
        for k in keys {
            for op in table().ops(u.row) {
                for c in &op.call {
                    let res = match c.resource.as_str() {
                        "vault" => ov.clone(),
                        _ => format!("{ov}/secrets/{k}"),
                    };
                    report.checked += 1;
                    if let Some(a) = allows(&assignments, &c.action, &res) {
                        report.add(
                            Kind::Leak,
                            format!(
                                "{label}: `{}` on {res} (team {}'s, {}) is allowed by {} on {}",
                                c.action,
                                o.team,
                                call_label(op, c),
                                a.role,
                                a.scope
                            ),
                        );
                    }
                }
            }
        }
    }

    // Surplus data actions.
    for a in &assignments {
        let acts = &a.actions;
        for da in SECRET_DATA_ACTIONS {
            if acts.iter().any(|p| action_matches(p, da)) && !needed.contains(*da) {
                report.add(
                    Kind::Surplus,
                    format!(
                        "{label}: `{da}` (from {} on {}) is granted but no requested operation needs it (requested: {})",
                        a.role,
                        a.scope,
                        requested(u)
                    ),
                );
            }
        }
    }
}

#[test]
fn conformance_azure_assignments_match_eso_calls() {
    super::check_family("azure-key-vault", 3, "Azure Key Vault", check);
}

#[test]
fn conformance_azure_scope_denies_another_vault() {
    let v = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-a";
    let a = [Assignment {
        role: "Key Vault Secrets User".into(),
        scope: v.into(),
        actions: builtin("Key Vault Secrets User"),
    }];
    let get = "Microsoft.KeyVault/vaults/secrets/getSecret/action";
    assert!(allows(&a, get, &format!("{v}/secrets/a-db")).is_some());
    assert!(allows(&a, get, &format!("{v}b/secrets/a-db")).is_none());
    assert!(allows(&a, get, &v.replace("kv-a", "kv-b")).is_none());
    assert!(allows(&a, "Microsoft.KeyVault/vaults/secrets/setSecret/action", v).is_none());
    let s = [Assignment {
        role: "Key Vault Secrets Officer".into(),
        scope: format!("{v}/secrets/a-db"),
        actions: builtin("Key Vault Secrets Officer"),
    }];
    assert!(
        allows(
            &s,
            "Microsoft.KeyVault/vaults/secrets/setSecret/action",
            &format!("{v}/secrets/a-db")
        )
        .is_some()
    );
    assert!(allows(&s, get, &format!("{v}/secrets/a-dbx")).is_none());
    assert!(
        allows(
            &s,
            "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
            v
        )
        .is_none()
    );
}

#[test]
fn conformance_azure_check_catches_a_resource_group_scope() {
    // The whole chain can fail: web's assignment on the resource group
    // reaches the data team's vault.
    let mut g = super::load(
        "mutated-azure",
        &crate::common::repo_root().join("examples/azure-key-vault/tenants.toml"),
    );
    let p = "policies/web/kv-web.role-assignments.json";
    let wide = g.files[p].replace("/providers/Microsoft.KeyVault/vaults/kv-web-prod\"", "\"");
    assert_ne!(wide, g.files[p]);
    g.files.insert(p.into(), wide);
    let mut report = Report::default();
    for u in g.uses.iter().filter(|u| u.namespace == "web") {
        check(&g, u, &mut report);
    }
    let leaks: Vec<&String> = report
        .findings
        .iter()
        .filter(|(k, _)| *k == Kind::Leak)
        .map(|(_, t)| t)
        .collect();
    assert!(
        leaks.iter().any(|t| t.contains("not on the vault")),
        "{leaks:#?}"
    );
    assert!(
        leaks
            .iter()
            .any(|t| t.contains("vaults/kv-data-prod/secrets/data-warehouse")),
        "{leaks:#?}"
    );
}
