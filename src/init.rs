//! `esogen init`: the answers to ESO's three questions, and the commented
//! `tenants.toml` they produce. Pure: the questions are asked by
//! `command::init`, on the binary's terminal.
//! The file is built with `toml_edit`, so every value is escaped properly.

pub mod draft;

use toml_edit::{Array, DocumentMut, Item, Table, value};

use crate::config::Platform;
use crate::provider::{
    AUTH, AuthChoice, AuthSupport, CREDENTIALS_SECRET, Delivery, FollowUp, ProviderKind, REGISTRY,
    SettingType,
};

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
    pub provider: &'static dyn ProviderKind,
    /// Provider settings the follow-up questions filled in, in order.
    pub settings: Vec<(String, Setting)>,
    /// Prefix pattern with `{team}` (question 3).
    pub prefix: String,
    /// How the provider side is applied (asked after the provider).
    pub delivery: Delivery,
}

/// The deliveries `esogen init` offers for `provider`, `files` first (the
/// default), each with the one line that explains it.
pub fn deliveries_for(provider: &dyn ProviderKind) -> Vec<(Delivery, String)> {
    std::iter::once(Delivery::Files)
        .chain(provider.deliveries().iter().copied())
        .map(|d| (d, format!("{} — {}", d.name(), d.describe())))
        .collect()
}

/// A provider setting's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Setting {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// `true` or `false`.
    Bool(bool),
    /// An array of strings.
    StrList(Vec<String>),
    /// One value per team, in the order of [`Answers::teams`]: a setting
    /// `check` refuses to share between teams (Key Vault's client id). The
    /// file then has one provider table per team.
    PerTeam(Vec<Setting>),
}

/// Makes an answer what `check` expects where the intent is plain: an
/// OIDC provider typed as the issuer URL loses its `https://` (IAM names
/// the provider without it). Returns the answer and, when it changed, a
/// line saying so.
pub fn normalize(key: &str, text: &str) -> (String, Option<String>) {
    let text = text.trim();
    if key == "oidc_provider"
        && let Some(rest) = text
            .strip_prefix("https://")
            .or_else(|| text.strip_prefix("http://"))
    {
        let note = format!("`{rest}`: IAM names the OIDC provider without the URL scheme");
        return (rest.to_owned(), Some(note));
    }
    (text.to_owned(), None)
}

/// What the number of teams decides, in one line: the store scope `check`
/// and `generate` choose for `store_scope = "auto"` (ESO guide Option A or
/// B), from the same rule.
pub fn scope_line(teams: usize) -> String {
    crate::plan::tenancy::decide(crate::config::StoreScopeSetting::Auto, teams)
        .reason
        .to_string()
}

/// Reads the answer to a question whose setting has type `ty` (a list is
/// answered comma-separated); the error says what is expected.
pub fn parse_answer(ty: SettingType, text: &str) -> Result<Setting, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("an answer is needed".into());
    }
    match ty {
        SettingType::Str => Ok(Setting::Str(text.to_owned())),
        SettingType::Int => text
            .parse()
            .map(Setting::Int)
            .map_err(|_| "a whole number".into()),
        SettingType::Bool => text
            .parse()
            .map(Setting::Bool)
            .map_err(|_| "`true` or `false`".into()),
        SettingType::StrList => Ok(Setting::StrList(
            text.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect(),
        )),
    }
}

/// True when the provider needs static credentials on this platform.
pub fn needs_static(provider: &dyn ProviderKind, platform: Platform) -> bool {
    provider.auth().choice_on(platform) == AuthChoice::Static
}

/// Providers in the order to offer them on a platform: native ones first,
/// then those that work anywhere, then those that need static credentials
/// there; registry order within each group.
pub fn providers_for(platform: Platform) -> Vec<&'static dyn ProviderKind> {
    let mut all: Vec<&'static dyn ProviderKind> = REGISTRY.to_vec();
    all.sort_by_key(|p| match p.auth().native_platform() {
        Some(n) if n == platform => 0,
        None => 1,
        Some(_) => 2,
    });
    all
}

/// Why a provider on a platform authenticates the way it does, in one line.
pub fn auth_explanation(provider: &dyn ProviderKind, platform: Platform) -> String {
    let name = provider.name();
    match provider.auth() {
        AuthSupport::Native(n) if n.platform == platform => format!(
            "{} + {name}: platform-native short-lived credentials ({}), no stored keys (ESO's default rule)",
            platform.name(),
            n.mechanism
        ),
        AuthSupport::Native(n) => format!(
            "{name} has no native identity on {}, only on {}: static credentials from a Kubernetes Secret you create (esogen warns about it)",
            platform.name(),
            n.platform.name()
        ),
        AuthSupport::Portable { mechanism } => format!(
            "{name}: {mechanism}, which works on any platform with short-lived ServiceAccount tokens"
        ),
    }
}

/// The question for the static credentials Secret, asked for every kind
/// that needs one.
fn credentials_question() -> FollowUp {
    FollowUp::text(
        CREDENTIALS_SECRET.key,
        "Name of the Kubernetes Secret holding the static credentials",
    )
    .suggesting("provider-credentials")
}

/// The follow-up questions a provider on a platform needs: the provider's
/// own, then the credentials Secret where static credentials are needed.
pub fn follow_ups(provider: &dyn ProviderKind, platform: Platform) -> Vec<FollowUp> {
    let auth = provider.auth().choice_on(platform);
    let mut out = provider.follow_ups(auth);
    if auth == AuthChoice::Static {
        out.push(credentials_question());
    }
    out
}

/// Every question any provider may ask, once per setting, in registry
/// order, with the kinds that ask it: what `esogen init` takes as flags.
pub fn all_follow_ups() -> Vec<(FollowUp, Vec<&'static str>)> {
    let mut out: Vec<(FollowUp, Vec<&'static str>)> = Vec::new();
    let mut add =
        |f: FollowUp, kind: &'static str| match out.iter_mut().find(|(g, _)| g.key == f.key) {
            Some((_, kinds)) if kinds.contains(&kind) => {}
            Some((_, kinds)) => kinds.push(kind),
            None => out.push((f, vec![kind])),
        };
    for kind in REGISTRY {
        for auth in [AuthChoice::Platform, AuthChoice::Static] {
            for f in kind.follow_ups(auth) {
                add(f, kind.name());
            }
        }
    }
    for kind in REGISTRY {
        if matches!(kind.auth(), AuthSupport::Native(_)) {
            add(credentials_question(), kind.name());
        }
    }
    out
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

    doc["cluster"] = Item::Table(cluster_table(a));
    doc["providers"] = Item::Table(providers_table(a));
    doc["teams"] = Item::ArrayOfTables(teams_tables(a));
    doc.to_string()
}

/// `[cluster]`, with the answer to question 1 and the store scope it
/// leads to in its comment.
fn cluster_table(a: &Answers) -> Table {
    let mut cluster = Table::new();
    cluster["name"] = value(&a.cluster);
    cluster["platform"] = value(a.platform.name());
    cluster["store_scope"] = value("auto");
    cluster["refresh_interval"] = value("1h");
    comment(
        &mut cluster,
        &format!(
            "Question 1: how many teams share the cluster? {}\n{}",
            a.teams.len(),
            wrap(&format!("`auto`: {}", scope_line(a.teams.len())), 76)
        ),
    );
    cluster
}

/// `text` broken into lines of at most `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> String {
    let mut out = String::new();
    let mut line = 0;
    for word in text.split(' ') {
        if line > 0 && line + 1 + word.len() > width {
            out.push('\n');
            line = 0;
        } else if line > 0 {
            out.push(' ');
            line += 1;
        }
        out.push_str(word);
        line += word.len();
    }
    out
}

/// True when some setting has a value per team: one provider table each.
fn split(a: &Answers) -> bool {
    a.settings
        .iter()
        .any(|(_, v)| matches!(v, Setting::PerTeam(_)))
}

/// The provider table team `i` uses.
fn provider_name(a: &Answers, i: usize) -> &str {
    if split(a) { &a.teams[i] } else { "main" }
}

/// `[providers.main]`, or one `[providers.<team>]` per team when a
/// setting has a value per team, with the answers to question 2 and why the
/// provider authenticates as it does in the first one's comment.
fn providers_table(a: &Answers) -> Table {
    let mut providers = Table::new();
    providers.set_implicit(true);
    let tables = if split(a) { a.teams.len() } else { 1 };
    for i in 0..tables {
        let mut provider = provider_table(a, i);
        if i == 0 {
            let mut text = format!(
                "Question 2: platform and provider.\n{}",
                wrap(&auth_explanation(a.provider, a.platform), 76)
            );
            if tables > 1 {
                text.push_str(
                    "\nOne table per team: `esogen check` refuses one Key Vault or identity\nshared by several teams (unscoped-provider).",
                );
            }
            comment(&mut provider, &text);
        }
        providers[provider_name(a, i)] = Item::Table(provider);
    }
    providers
}

/// The provider table of team `i` (of every team when not split).
fn provider_table(a: &Answers, i: usize) -> Table {
    let mut provider = Table::new();
    provider["kind"] = value(a.provider.name());
    for (k, v) in &a.settings {
        let v = match v {
            Setting::PerTeam(per) => per.get(i).unwrap_or(v),
            v => v,
        };
        if let Some(item) = setting_item(v) {
            provider[k.as_str()] = item;
        }
    }
    if needs_static(a.provider, a.platform) {
        provider[AUTH.key] = value("static");
    }
    if a.delivery != Delivery::Files {
        provider["delivery"] = value(a.delivery.name());
    }
    provider
}

fn setting_item(v: &Setting) -> Option<Item> {
    Some(match v {
        Setting::Str(s) => value(s),
        Setting::Int(i) => value(*i),
        Setting::Bool(b) => value(*b),
        Setting::StrList(l) => value(l.iter().collect::<Array>()),
        Setting::PerTeam(_) => return None,
    })
}

/// One `[[teams]]` table per team, each with one namespace named after it;
/// the first carries question 3 and an example secret in its comment.
fn teams_tables(a: &Answers) -> toml_edit::ArrayOfTables {
    let mut teams = toml_edit::ArrayOfTables::new();
    for (i, t) in a.teams.iter().enumerate() {
        let mut team = Table::new();
        team["name"] = value(t);
        team["provider"] = value(provider_name(a, i));
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
    teams
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_file_that_checks_clean() {
        let provider = REGISTRY[0];
        let a = Answers {
            cluster: "prod".into(),
            teams: vec!["payments".into(), "search".into()],
            platform: provider
                .auth()
                .native_platform()
                .unwrap_or(Platform::Generic),
            provider,
            settings: Vec::new(),
            prefix: provider.default_prefix().into(),
            delivery: Delivery::Files,
        };
        let a = Answers {
            settings: follow_ups(provider, a.platform)
                .iter()
                .map(|f| {
                    (
                        f.key.to_owned(),
                        Setting::Str(f.default.unwrap_or("x").into()),
                    )
                })
                .collect(),
            ..a
        };
        let text = render(&a);
        assert!(text.starts_with("#:schema ./tenants.schema.json\n"));
        assert!(text.contains(&format!("kind = \"{}\"", provider.name())));
    }

    #[test]
    fn answers_are_read_as_their_setting_type() {
        let cases: &[(SettingType, &str, Result<Setting, &str>)] = &[
            (
                SettingType::Str,
                " eu-west-1 ",
                Ok(Setting::Str("eu-west-1".into())),
            ),
            (SettingType::Str, "  ", Err("an answer is needed")),
            (SettingType::Int, "2", Ok(Setting::Int(2))),
            (SettingType::Int, "two", Err("a whole number")),
            (SettingType::Bool, "false", Ok(Setting::Bool(false))),
            (SettingType::Bool, "no", Err("`true` or `false`")),
            (
                SettingType::StrList,
                "a, b,",
                Ok(Setting::StrList(vec!["a".into(), "b".into()])),
            ),
        ];
        for (ty, text, want) in cases {
            assert_eq!(
                parse_answer(*ty, text),
                want.clone().map_err(str::to_owned),
                "{ty:?} {text:?}"
            );
        }
    }

    #[test]
    fn native_providers_come_first() {
        for (platform, _) in Platform::ALL {
            let order = providers_for(*platform);
            assert_eq!(order.len(), REGISTRY.len());
            let rank = |k: &&dyn ProviderKind| match k.auth().native_platform() {
                Some(n) if n == *platform => 0,
                None => 1,
                Some(_) => 2,
            };
            assert!(order.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])));
        }
    }

    #[test]
    fn static_credentials_are_asked_only_off_the_native_platform() {
        for kind in REGISTRY {
            for (platform, _) in Platform::ALL {
                let asks = follow_ups(*kind, *platform)
                    .iter()
                    .any(|f| f.key == CREDENTIALS_SECRET.key);
                assert_eq!(
                    asks,
                    needs_static(*kind, *platform),
                    "{kind:?} on {platform:?}"
                );
            }
        }
    }
}
