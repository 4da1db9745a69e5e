//! `esogen init`: the answers to ESO's three questions, and the commented
//! `tenants.toml` they produce. Pure: the prompting lives in the binary.
//! The file is built with `toml_edit`, so every value is escaped properly.

use toml_edit::{Array, DocumentMut, Item, Table, value};

use crate::config::Platform;

/// What the wizard (or the flags) answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answers {
    /// Cluster name.
    pub cluster: String,
    /// Team names, in order (question 1).
    pub teams: Vec<String>,
    /// Platform (question 2).
    pub platform: Platform,
    /// Provider kind (question 2).
    pub provider: String,
    /// Provider settings the follow-up questions filled in, in order.
    pub settings: Vec<(String, Setting)>,
    /// Prefix pattern with `{team}` (question 3).
    pub prefix: String,
}

/// A provider setting's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
}

/// One follow-up question for a provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// Setting name, also the flag (`--region` for `region`).
    pub key: &'static str,
    /// The question.
    pub prompt: &'static str,
    /// Default answer, if any.
    pub default: Option<&'static str>,
    /// True for integer settings.
    pub integer: bool,
}

const fn q(key: &'static str, prompt: &'static str, default: Option<&'static str>) -> FollowUp {
    FollowUp {
        key,
        prompt,
        default,
        integer: false,
    }
}

/// The platform each provider authenticates natively on, if any.
pub fn native_platform(provider: &str) -> Option<Platform> {
    match provider {
        "aws-secrets-manager" | "aws-parameter-store" => Some(Platform::Eks),
        "gcp-secret-manager" => Some(Platform::Gke),
        "azure-key-vault" => Some(Platform::Aks),
        _ => None,
    }
}

/// True when the provider needs static credentials on this platform.
pub fn needs_static(provider: &str, platform: Platform) -> bool {
    native_platform(provider).is_some_and(|p| p != platform)
}

/// Providers in the order to offer them on a platform: native ones first.
pub fn providers_for(platform: Platform) -> Vec<&'static str> {
    let mut all: Vec<&'static str> = crate::provider::kind_names();
    all.sort_by_key(|p| match native_platform(p) {
        Some(n) if n == platform => 0,
        None => 1,
        Some(_) => 2,
    });
    all
}

/// Why a provider on a platform authenticates the way it does, in one line.
pub fn auth_explanation(provider: &str, platform: Platform) -> String {
    match (native_platform(provider), provider) {
        (Some(p), _) if p == platform => format!(
            "{} + {provider}: platform-native short-lived credentials, no stored keys (ESO's default rule)",
            platform.name()
        ),
        (Some(p), _) => format!(
            "{provider} has no native identity on {}, only on {}: static credentials from a Kubernetes Secret you create (esogen warns about it)",
            platform.name(),
            p.name()
        ),
        (None, _) => format!(
            "{provider}: Kubernetes auth, which works on any platform with short-lived ServiceAccount tokens"
        ),
    }
}

/// The follow-up questions a provider on a platform needs.
pub fn follow_ups(provider: &str, platform: Platform) -> Vec<FollowUp> {
    let stat = needs_static(provider, platform);
    let mut out = match provider {
        "aws-secrets-manager" | "aws-parameter-store" => {
            let mut v = vec![
                q("region", "AWS region of the secrets", Some("eu-west-1")),
                q("account_id", "AWS account id (12 digits)", None),
            ];
            if !stat {
                v.push(q(
                    "oidc_provider",
                    "EKS OIDC provider (issuer without https://)",
                    None,
                ));
            }
            v
        }
        "gcp-secret-manager" => {
            let mut v = vec![
                q("project_id", "GCP project holding the secrets", None),
                q("project_number", "Its project number", None),
            ];
            if !stat {
                v.push(q(
                    "cluster_location",
                    "GKE cluster location (region or zone)",
                    None,
                ));
            }
            v
        }
        "azure-key-vault" => {
            let mut v = vec![
                q(
                    "vault_url",
                    "Key Vault URL ({{team}} gives a vault per team)",
                    Some("https://kv-{{team}}.vault.azure.net"),
                ),
                q("tenant_id", "Entra ID tenant id", None),
            ];
            if !stat {
                v.push(q("client_id", "Workload identity client id", None));
                v.push(q("oidc_issuer", "AKS OIDC issuer URL", None));
            }
            v
        }
        _ => vec![
            q("server", "Vault address", None),
            q("mount", "KV mount path", Some("secret")),
            FollowUp {
                key: "kv_version",
                prompt: "KV engine version (1 or 2)",
                default: Some("2"),
                integer: true,
            },
        ],
    };
    if stat {
        out.push(q(
            "credentials_secret",
            "Name of the Kubernetes Secret holding the static credentials",
            Some("provider-credentials"),
        ));
    }
    out
}

/// The default prefix pattern for a provider (its names' rules differ).
pub fn default_prefix(provider: &str) -> &'static str {
    match provider {
        "aws-parameter-store" => "/prod/{team}/",
        "gcp-secret-manager" => "prod-{team}-",
        "azure-key-vault" => "{team}-",
        _ => "prod/{team}/",
    }
}

fn comment(item: &mut Table, text: &str) {
    let prefix: String = text.lines().map(|l| format!("# {l}\n")).collect();
    item.decor_mut().set_prefix(format!("\n{prefix}"));
}

/// Renders the commented `tenants.toml`.
pub fn render(a: &Answers) -> String {
    let mut doc = DocumentMut::new();
    doc.decor_mut().set_prefix(
        "#:schema ./tenants.schema.json\n\
         # tenants.toml: the teams sharing this cluster and the secrets each may read.\n\
         # Written by `esogen init`. Edit it in pull requests; run `esogen check` and\n\
         # `esogen generate` after each change. Reference: the esogen README.\n",
    );
    doc["version"] = value(1);

    let mut cluster = Table::new();
    cluster["name"] = value(&a.cluster);
    cluster["platform"] = value(a.platform.name());
    let scope = if a.teams.len() > 1 {
        "Several teams share this cluster: `auto` gives each namespace its own\nSecretStore and credentials (ESO guide Option A)."
    } else {
        "One team: `auto` picks one ClusterSecretStore limited to the team's\nnamespaces by an explicit list (ESO guide Option B)."
    };
    cluster["store_scope"] = value("auto");
    cluster["refresh_interval"] = value("1h");
    comment(
        &mut cluster,
        &format!(
            "Question 1: how many teams share the cluster? {}\n{scope}",
            a.teams.len()
        ),
    );
    doc["cluster"] = Item::Table(cluster);

    let mut providers = Table::new();
    providers.set_implicit(true);
    let mut provider = Table::new();
    provider["kind"] = value(&a.provider);
    for (k, v) in &a.settings {
        provider[k.as_str()] = match v {
            Setting::Str(s) => value(s),
            Setting::Int(i) => value(*i),
        };
    }
    if needs_static(&a.provider, a.platform) {
        provider["auth"] = value("static");
    }
    comment(
        &mut provider,
        &format!(
            "Question 2: platform and provider.\n{}",
            auth_explanation(&a.provider, a.platform)
        ),
    );
    providers["main"] = Item::Table(provider);
    doc["providers"] = Item::Table(providers);

    let mut teams = toml_edit::ArrayOfTables::new();
    for (i, t) in a.teams.iter().enumerate() {
        let mut team = Table::new();
        team["name"] = value(t);
        team["provider"] = value("main");
        team["prefix"] = value(a.prefix.replace("{team}", t));
        let mut ns = Array::new();
        ns.push(t.as_str());
        team["namespaces"] = value(ns);
        if i == 0 {
            comment(
                &mut team,
                "Question 3: the prefix scopes the team's credentials: the provider policy\n\
                 grants it and nothing else. Add secrets as [[teams.secrets]] tables, e.g.\n\
                 [[teams.secrets]]\n\
                 name = \"db\"\n\
                 key = \"<prefix>db\"\n\
                 data = { password = \"password\" }",
            );
        }
        teams.push(team);
    }
    doc["teams"] = Item::ArrayOfTables(teams);
    doc.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_file_that_checks_clean() {
        let a = Answers {
            cluster: "prod".into(),
            teams: vec!["payments".into(), "search".into()],
            platform: Platform::Eks,
            provider: "aws-secrets-manager".into(),
            settings: vec![
                ("region".into(), Setting::Str("eu-west-1".into())),
                ("account_id".into(), Setting::Str("123456789012".into())),
                (
                    "oidc_provider".into(),
                    Setting::Str("oidc.eks.eu-west-1.amazonaws.com/id/X".into()),
                ),
            ],
            prefix: "prod/{team}/".into(),
        };
        let text = render(&a);
        assert!(text.starts_with("#:schema ./tenants.schema.json\n"));
        let (_, result, diags) = crate::pipeline::generate_text("tenants.toml", &text);
        assert!(result.is_ok() && diags.is_empty(), "{text}\n{diags:?}");
    }

    #[test]
    fn native_providers_come_first() {
        assert_eq!(providers_for(Platform::Gke)[0], "gcp-secret-manager");
        assert_eq!(providers_for(Platform::Generic)[0], "vault");
    }
}
