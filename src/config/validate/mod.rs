//! `RawConfig` → `Config`. Runs every check it can and collects all findings,
//! so a user fixes every problem in one pass; returns a `Config` only when no
//! finding is an error.

mod cluster;
mod gitops;
mod providers;
mod secrets;
mod teams;

use std::collections::{BTreeMap, BTreeSet};

use toml::Spanned;

use super::chunked::{Main, PartTeams};
use super::memo::{TeamMemo, TextId};
use super::types::{
    ClusterName, Duration, KeyProblem, Located, NamespaceName, ObjectName, PathPrefix,
    ProviderName, RemoteKey, TeamName,
};
use super::{
    ARGOCD_APPLICATION_CONTROLLER, Admission, AdmissionSettings, CONFIG_VERSION, Cluster, Config,
    DEFAULT_ARGOCD_NAMESPACE, DEFAULT_ESO_CHART_VERSION, DEFAULT_ESO_NAMESPACE,
    DEFAULT_FLUX_NAMESPACE, DEFAULT_MONITORING_NAMESPACE, DEFAULT_REFRESH_INTERVAL,
    DEFAULT_REVISION, EsoInstall, FLUX_KUSTOMIZE_CONTROLLER, GitOps, GitSource, Platform, Provider,
    RESERVED_NAMESPACES, Secret, SecretSource, StoreScopeSetting, StoreWriter, Team,
};
use crate::config::raw::{RawConfig, RawSecret, RawTeam, RawTeamFile, SStr};
use crate::diag::{Code, Diagnostic, Diagnostics, suggest};
use crate::provider::fields::{Setting, SettingValue};
use crate::provider::{Delivery, Fields, ParseContext, kind_named, kind_names};
use crate::source::{FileId, Span};
use serde_bytes::ByteBuf;

/// Parses and validates one `tenants.toml`. `source_name` is the file name
/// written into generated headers.
pub fn validate(
    main: ConfigFile,
    team_files: &[ConfigFile],
    source_name: &str,
) -> (Option<Config>, Diagnostics) {
    let (config, diags, _) = validate_remembering(main, team_files, source_name, None);
    (config, diags)
}

/// What a validation that remembers its teams is given: the memo of the
/// last run, if any.
#[derive(Debug, Clone, Copy, Default)]
pub struct Remember<'a> {
    /// The last run's memo.
    pub previous: Option<&'a TeamMemo>,
}

/// [`validate`]; with `remember`, the team parts `remember.previous` holds
/// are restored rather than parsed and validated, and the memo for the next
/// run comes back too when nothing at all was found (no error, no warning).
/// The config and the findings are exactly [`validate`]'s.
pub fn validate_remembering(
    main: ConfigFile,
    team_files: &[ConfigFile],
    source_name: &str,
    remember: Option<Remember<'_>>,
) -> (Option<Config>, Diagnostics, Option<TeamMemo>) {
    let mut v = Validator::new(main.file);
    let one_parse = |text| {
        super::chunked::parse_main(text).map(|raw| Main {
            raw,
            parts: Vec::new(),
            head: None,
        })
    };
    // Remembering, the file is cut into parts and the parts the memo holds
    // are neither parsed nor scanned again.
    let cut = remember.and_then(|r| super::chunked::cut(main.text, r.previous));
    // The scan for pasted secrets reads the text as written: it runs next
    // to the parse.
    let (found, parsed): (_, Result<Main, _>) = crate::parallel::join(
        || match &cut {
            Some(c) => Scanned::Clean(super::secrets::nothing_in(
                main.file,
                main.text,
                &c.unremembered(),
            )),
            None => Scanned::Found(super::secrets::scan(main.file, main.text)),
        },
        || match &cut {
            Some(c) => match super::chunked::parse_cut(main.text, main.file, c) {
                Some(m) => Ok(m),
                None => one_parse(main.text),
            },
            None => one_parse(main.text),
        },
    );
    let in_parts = parsed.as_ref().is_ok_and(|m| m.head.is_some());
    v.diags.extend(match found {
        Scanned::Found(found) => found,
        // The parts each parse alone, and none of them the scan read
        // found anything: neither would a scan of the whole text.
        Scanned::Clean(true) if in_parts => Vec::new(),
        // Found something, or the parts do not parse alone: the whole
        // text, for the scan's findings in its order.
        Scanned::Clean(_) => super::secrets::scan(main.file, main.text),
    });
    // Team files are parsed even when the main file is broken, so every
    // syntax error is reported in one pass.
    let mut extra = Vec::new();
    for f in team_files {
        v.diags.extend(super::secrets::scan(f.file, f.text));
        match toml::from_str::<RawTeamFile>(f.text) {
            Ok(t) => {
                if let Some(ver) = &t.version
                    && *ver.get_ref() != CONFIG_VERSION
                {
                    v.diags.push(
                        Diagnostic::error(
                            Code::UnsupportedVersion,
                            format!("`version = {}` is not supported", ver.get_ref()),
                        )
                        .at(&Span::new(f.file, ver.span()))
                        .help(format!("this esogen reads `version = {CONFIG_VERSION}`")),
                    );
                }
                extra.push((f.file, t.teams));
            }
            Err(e) => v.diags.push(toml_error(f.file, f.text, &e)),
        }
    }
    let parsed = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            v.diags.push(toml_error(main.file, main.text, &e));
            return (None, v.diags, None);
        }
    };
    let Main {
        mut raw,
        parts,
        head,
    } = parsed;
    // The main file's teams in file order: parsed ones to validate,
    // restored ones as they are.
    let mut raw_teams = std::mem::take(&mut raw.teams);
    let mut slots: Vec<Slot> = (0..raw_teams.len()).map(Slot::Raw).collect();
    let mut kinds = Vec::with_capacity(parts.len());
    for part in parts {
        match part.teams {
            PartTeams::Parsed(teams) => {
                kinds.push((part.start, part.id, PartKind::Parsed(teams.len())));
                for t in teams {
                    slots.push(Slot::Raw(raw_teams.len()));
                    raw_teams.push(t);
                }
            }
            PartTeams::Restored(team, bytes) => {
                kinds.push((part.start, part.id, PartKind::Restored(bytes)));
                slots.push(Slot::Known(team));
            }
        }
    }
    let config = v.config(raw, slots, &raw_teams, &extra, source_name);
    crate::parallel::drop_aside(raw_teams);
    if v.diags.has_errors() {
        return (None, v.diags, None);
    }
    let memo = match (remember, head, &config) {
        (Some(_), Some(head), Some(config)) if v.diags.is_empty() => {
            remembered(head, kinds, &config.teams)
        }
        _ => None,
    };
    (config, v.diags, memo)
}

/// What the scan for pasted secrets gave.
enum Scanned {
    /// The findings in the whole text.
    Found(Vec<Diagnostic>),
    /// Whether the parts it read found nothing.
    Clean(bool),
}

/// One team of the main file, in file order.
enum Slot {
    /// The parsed team at this index.
    Raw(usize),
    /// A team restored from the memo.
    Known(Box<Team>),
}

/// What a team part held.
enum PartKind {
    /// This many parsed teams.
    Parsed(usize),
    /// One team restored from the memo, with its bytes there.
    Restored(Vec<u8>),
}

/// The memo of a run that found nothing: every part of one team, by its
/// start, id and kind, against `teams` (the main file's come first, one per
/// team parsed or restored: nothing was found, so none was left out).
fn remembered(
    head: TextId,
    kinds: Vec<(usize, TextId, PartKind)>,
    teams: &[Team],
) -> Option<TeamMemo> {
    // Each part's team: the index in `teams` of a part of one team.
    let mut next = 0;
    let mut one = Vec::with_capacity(kinds.len());
    for (_, _, kind) in &kinds {
        let n = match kind {
            PartKind::Parsed(n) => *n,
            PartKind::Restored(_) => 1,
        };
        one.push((n == 1).then_some(next));
        next += n;
    }
    if next > teams.len() {
        return None;
    }
    // The parsed teams stored on every core (all 10,000 after a full run).
    let to_store: Vec<(usize, &Team)> = kinds
        .iter()
        .zip(&one)
        .filter_map(|((start, _, kind), i)| match (kind, i) {
            (PartKind::Parsed(_), Some(i)) => teams.get(*i).map(|t| (*start, t)),
            _ => None,
        })
        .collect();
    let mut stored =
        crate::parallel::map(&to_store, |(start, team)| super::memo::store(team, *start))
            .into_iter();
    let mut parts = Vec::with_capacity(kinds.len());
    for ((_, id, kind), i) in kinds.into_iter().zip(one) {
        match (kind, i) {
            (PartKind::Restored(bytes), _) => parts.push((id, ByteBuf::from(bytes))),
            (PartKind::Parsed(_), Some(_)) => {
                if let Some(bytes) = stored.next().flatten() {
                    parts.push((id, ByteBuf::from(bytes)));
                }
            }
            (PartKind::Parsed(_), None) => {}
        }
    }
    Some(TeamMemo { head, parts })
}

/// A team to validate: parsed from a file, or already validated (restored
/// from the memo).
enum Entry<'a> {
    /// Parsed from this file.
    Raw(FileId, &'a Spanned<RawTeam>),
    /// Restored.
    Known(Box<Team>),
}

/// One loaded file: its id in `Sources` and its text.
#[derive(Debug, Clone, Copy)]
pub struct ConfigFile<'a> {
    /// The file's id.
    pub file: FileId,
    /// Its text.
    pub text: &'a str,
}

/// Serde and TOML errors arrive as text; map the known shapes to codes and
/// add a "did you mean" for unknown keys.
fn toml_error(file: FileId, text: &str, e: &toml::de::Error) -> Diagnostic {
    let span = Span::new(file, e.span().unwrap_or(0..0));
    let msg = e.message();
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let key = rest.split('`').next().unwrap_or_default();
        let expected: Vec<&str> = rest
            .split_once(", expected")
            .map(|(_, list)| list.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        let mut d = Diagnostic::error(Code::UnknownKey, format!("unknown key `{key}`"))
            .at_labelled(&span, "not a key of this table");
        let list = expected
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        d = match suggest(key, expected.iter().copied()) {
            Some(s) => d.help(format!("did you mean `{s}`? expected one of {list}")),
            None if !expected.is_empty() => d.help(format!("expected one of {list}")),
            None => d,
        };
        return d;
    }
    if let Some(rest) = msg.strip_prefix("missing field `") {
        let key = rest.split('`').next().unwrap_or_default();
        return Diagnostic::error(Code::MissingKey, format!("missing key `{key}`"))
            .at_labelled(&span, "in this table")
            .help(format!(
                "add `{key} = ...`; see the README's tenants.toml reference"
            ));
    }
    // TOML dates and times reach serde as a table with one private key.
    let at = text.get(span.range.clone()).unwrap_or_default();
    if msg.starts_with("invalid type: map")
        && at.starts_with(|c: char| c.is_ascii_digit())
        && toml::from_str::<toml::Table>(&format!("v = {at}"))
            .is_ok_and(|t| t.get("v").is_some_and(toml::Value::is_datetime))
    {
        let expected = msg.split_once(", expected ").map_or("a string", |(_, e)| e);
        return Diagnostic::error(
            Code::InvalidValue,
            format!(
                "invalid type: a date or time, expected {}",
                first_line(expected)
            ),
        )
        .at(&span)
        .help(format!("quote it: `\"{at}\"`"));
    }
    if msg.starts_with("invalid type")
        || msg.starts_with("invalid value")
        || msg.starts_with("invalid length")
    {
        return Diagnostic::error(Code::InvalidValue, first_line(msg)).at(&span);
    }
    let advice = super::toml_syntax::advise(msg, text, span.range.start);
    let d = Diagnostic::error(
        Code::TomlSyntax,
        format!(
            "invalid TOML: {}",
            advice.message.clone().unwrap_or_else(|| first_line(msg))
        ),
    );
    let mut d = match advice.origin {
        Some((range, label)) => d
            .at_labelled(&Span::new(file, range), label)
            .also(&span, "noticed here"),
        None => d.at(&span),
    };
    if let Some((range, label)) = advice.related {
        d = d.also(&Span::new(file, range), label);
    }
    match advice.help {
        Some(help) => d.help(help),
        None => d,
    }
}

fn setting_value(v: &toml::Value) -> SettingValue {
    match v {
        toml::Value::String(s) => SettingValue::Str(s.clone()),
        toml::Value::Integer(i) => SettingValue::Int(*i),
        toml::Value::Boolean(b) => SettingValue::Bool(*b),
        toml::Value::Float(_) => SettingValue::Other("a float"),
        toml::Value::Datetime(_) => SettingValue::Other("a date"),
        toml::Value::Array(items) => {
            let strings: Option<Vec<String>> = items
                .iter()
                .map(|i| i.as_str().map(str::to_owned))
                .collect();
            match strings {
                Some(list) => SettingValue::StrList(list),
                None => SettingValue::Other("an array that is not all strings"),
            }
        }
        toml::Value::Table(_) => SettingValue::Other("a table"),
    }
}

/// True when every name `re` can match starts with `path`: the expression
/// is a plain sequence that begins with `^` (not multi-line) followed by
/// literal text starting with `path`. Anything else (no anchor, a top-level
/// `|`, a case-insensitive flag, a class in the literal part) could match
/// outside the path on a provider that lists a whole vault or account
/// (Key Vault ignores `find.path` entirely), so it is refused.
fn regex_anchored_under(re: &str, path: &str) -> bool {
    use regex_syntax::hir::{HirKind, Look};
    let Ok(hir) = regex_syntax::Parser::new().parse(re) else {
        return false;
    };
    let HirKind::Concat(parts) = hir.kind() else {
        return false;
    };
    let mut parts = parts.iter();
    if !matches!(
        parts.next().map(|h| h.kind()),
        Some(HirKind::Look(Look::Start))
    ) {
        return false;
    }
    let mut literal = Vec::new();
    for h in parts {
        match h.kind() {
            HirKind::Literal(l) => literal.extend_from_slice(&l.0),
            _ => break,
        }
    }
    literal.starts_with(path.as_bytes())
}

/// The `find.name.regexp` esogen emits when the file gives none: the find
/// path, escaped and anchored. ESO's AWS, Parameter Store and GCP `find`
/// refuse a search with neither a name nor tags ("unexpected find
/// operator": `providers/v1/aws/secretsmanager/secretsmanager.go`
/// `GetAllSecrets`, `providers/v1/aws/parameterstore/parameterstore.go`
/// `GetAllSecrets`, `providers/v1/gcp/secretmanager/client.go`
/// `GetAllSecrets`), and Key Vault filters by this expression alone.
pub fn default_find_regexp(path: &str) -> String {
    format!("^{}", regex::escape(path))
}

/// A user value for a message: control and invisible characters escaped,
/// cut to a readable length.
fn shown(s: &str) -> String {
    const MAX: usize = 80;
    let escaped: String = s.escape_debug().collect();
    if escaped.chars().count() <= MAX {
        return escaped;
    }
    let cut: String = escaped.chars().take(MAX).collect();
    format!("{cut}… ({} characters)", s.chars().count())
}

fn is_cidr(s: &str) -> bool {
    let Some((addr, len)) = s.split_once('/') else {
        return false;
    };
    // As Go's net.ParseCIDR, which Kubernetes uses: decimal digits only, no
    // sign, no leading zero.
    let plain = !len.is_empty()
        && len.bytes().all(|b| b.is_ascii_digit())
        && (len == "0" || !len.starts_with('0'));
    if !plain {
        return false;
    }
    match (addr.parse::<std::net::IpAddr>(), len.parse::<u8>()) {
        (Ok(std::net::IpAddr::V4(_)), Ok(l)) => l <= 32,
        (Ok(std::net::IpAddr::V6(_)), Ok(l)) => l <= 128,
        _ => false,
    }
}

fn first_line(s: &str) -> String {
    s.lines().next().unwrap_or_default().trim().to_owned()
}

/// "provider `x` is not defined", with the nearest defined name.
fn unknown_provider(
    name: &str,
    span: &Span,
    providers: &BTreeMap<ProviderName, Provider>,
) -> Diagnostic {
    let d = Diagnostic::error(
        Code::UnknownProvider,
        format!("provider `{name}` is not defined"),
    )
    .at(span);
    let names: Vec<&str> = providers.keys().map(|k| k.as_str()).collect();
    match suggest(name, names.iter().copied()) {
        Some(s) => d.help(format!("did you mean `{s}`?")),
        None if names.is_empty() => d.help("define it in a `[providers.NAME]` table".to_owned()),
        None => d.help(format!("defined providers: {}", names.join(", "))),
    }
}

struct Validator {
    file: FileId,
    diags: Diagnostics,
    /// How many of `diags` [`Validator::has_errors`] has looked at, and
    /// whether one of them was an error: asked once per team, a scan from
    /// the start each time is quadratic.
    scanned: usize,
    saw_error: bool,
}

impl Validator {
    fn new(file: FileId) -> Self {
        Validator {
            file,
            diags: Diagnostics::default(),
            scanned: 0,
            saw_error: false,
        }
    }
}

/// Namespaces listed by one team name in a help, at most.
const MAX_LISTED_NAMESPACES: usize = 10;

/// A team's namespaces: as listed, and sorted for lookups (a team may list
/// thousands, and each secret names some of them).
struct TeamNamespaces<'a> {
    listed: &'a [Located<NamespaceName>],
    sorted: Vec<NamespaceName>,
}

impl<'a> TeamNamespaces<'a> {
    fn new(listed: &'a [Located<NamespaceName>]) -> Self {
        let mut sorted: Vec<NamespaceName> = listed.iter().map(|n| n.value.clone()).collect();
        sorted.sort();
        Self { listed, sorted }
    }

    fn get(&self, name: &str) -> Option<&NamespaceName> {
        self.sorted
            .binary_search_by(|n| n.as_str().cmp(name))
            .ok()
            .and_then(|i| self.sorted.get(i))
    }

    /// The first few namespaces, in file order, and how many more.
    fn listed(&self) -> String {
        let names: Vec<&str> = self
            .listed
            .iter()
            .take(MAX_LISTED_NAMESPACES)
            .map(|n| n.value.as_str())
            .collect();
        match self.listed.len() - names.len() {
            0 => names.join(", "),
            more => format!("{} and {more} more", names.join(", ")),
        }
    }
}

/// Parses a closed set of spellings, with a hint on a near miss.
fn parse_enum<T: Copy>(
    value: &SStr,
    all: &[(T, &'static str)],
    what: &str,
    file: FileId,
) -> Result<Located<T>, Box<Diagnostic>> {
    let span = Span::new(file, value.span());
    match all.iter().find(|(_, n)| *n == value.get_ref().as_str()) {
        Some((t, _)) => Ok(Located::new(*t, span)),
        None => {
            let names: Vec<&str> = all.iter().map(|(_, n)| *n).collect();
            let list = names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let help = match suggest(value.get_ref(), names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`? expected one of {list}"),
                None => format!("expected one of {list}"),
            };
            Err(Box::new(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`{}` is not a valid {what}", shown(value.get_ref())),
                )
                .at(&span)
                .help(help),
            ))
        }
    }
}

impl Validator {
    fn span<T>(&self, s: &Spanned<T>) -> Span {
        Span::new(self.file, s.span())
    }

    /// True when an error was found so far, looking at each finding once
    /// over the whole run.
    fn has_errors(&mut self) -> bool {
        if !self.saw_error {
            let new = self.diags.0.get(self.scanned..).unwrap_or_default();
            self.saw_error = new.iter().any(Diagnostic::is_error);
            self.scanned = self.diags.0.len();
        }
        self.saw_error
    }

    fn newtype<T>(
        &mut self,
        raw: &SStr,
        parse: impl Fn(&str) -> Result<T, String>,
        code: Code,
        what: &str,
        help: &str,
    ) -> Option<Located<T>> {
        let span = self.span(raw);
        match parse(raw.get_ref()) {
            Ok(v) => Some(Located::new(v, span)),
            Err(reason) => {
                self.diags.push(
                    Diagnostic::error(
                        code,
                        format!("`{}` is not a valid {what}: {reason}", shown(raw.get_ref())),
                    )
                    .at(&span)
                    .help(help.to_owned()),
                );
                None
            }
        }
    }

    fn duration(&mut self, raw: &SStr) -> Option<Duration> {
        let span = self.span(raw);
        match Duration::parse(raw.get_ref()) {
            Ok(d) => {
                if d.is_zero() {
                    self.diags.push(
                        Diagnostic::note(
                            Code::RefreshOnce,
                            format!(
                                "refresh interval `{}` makes ESO sync once and never refresh",
                                raw.get_ref()
                            ),
                        )
                        .at(&span)
                        .help("rotated values will not reach the cluster; use a duration such as `1h` unless that is intended"),
                    );
                }
                Some(d)
            }
            Err(reason) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidDuration,
                        format!(
                            "`{}` is not a valid refresh interval: {reason}",
                            shown(raw.get_ref())
                        ),
                    )
                    .at(&span)
                    .help("use a Go duration such as `1h`, `30m` or `1h30m`"),
                );
                None
            }
        }
    }

    fn config(
        &mut self,
        raw: RawConfig,
        main_teams: Vec<Slot>,
        raw_teams: &[Spanned<RawTeam>],
        extra: &[(FileId, Vec<Spanned<RawTeam>>)],
        source_name: &str,
    ) -> Option<Config> {
        if *raw.version.get_ref() != CONFIG_VERSION {
            let span = self.span(&raw.version);
            self.diags.push(
                Diagnostic::error(
                    Code::UnsupportedVersion,
                    format!("`version = {}` is not supported", raw.version.get_ref()),
                )
                .at(&span)
                .help(format!("this esogen reads `version = {CONFIG_VERSION}`")),
            );
        }
        let cluster = self.cluster(&raw.cluster);
        let providers = match &cluster {
            Some(c) => self.providers(&raw.providers, &c.platform),
            None => BTreeMap::new(),
        };
        let main = self.file;
        let all: Vec<Entry<'_>> = main_teams
            .into_iter()
            .filter_map(|slot| match slot {
                Slot::Raw(i) => raw_teams.get(i).map(|t| Entry::Raw(main, t)),
                Slot::Known(team) => Some(Entry::Known(team)),
            })
            .chain(
                extra
                    .iter()
                    .flat_map(|(f, ts)| ts.iter().map(move |t| Entry::Raw(*f, t))),
            )
            .collect();
        let no_teams = all.is_empty();
        let teams = self.teams(all, &providers, cluster.as_ref());
        self.file = main;
        if no_teams {
            let span = self.span(&raw.cluster);
            self.diags.push(
                Diagnostic::error(Code::NoTeams, "the file defines no teams")
                    .at(&Span::new(self.file, span.range.start..span.range.start))
                    .help("add a `[[teams]]` table with `name`, `provider`, `prefix` and `namespaces`, here or in `tenants.d/<team>.toml`"),
            );
        }
        // Everything is validated: the parsed text is freed beside planning.
        crate::parallel::drop_aside(raw);
        let cluster = cluster?;
        if self.diags.has_errors() {
            return None;
        }
        Some(Config {
            source_name: source_name.to_owned(),
            cluster,
            providers,
            teams,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn find_regexes_must_stay_under_the_path() {
        assert!(regex_anchored_under("^prod/pay/[a-z]+$", "prod/pay/"));
        assert!(regex_anchored_under("^prod/pay/x?", "prod/pay/"));
        assert!(regex_anchored_under(r"^prod/pay/a\.b", "prod/pay/"));
        // Shorter than the path, unanchored, another path, alternation at
        // the top, flags that change what the literal matches.
        assert!(!regex_anchored_under("^prod/", "prod/pay/"));
        assert!(!regex_anchored_under("db-.*", "prod/pay/"));
        assert!(!regex_anchored_under("^prod/other/.*", "prod/pay/"));
        assert!(!regex_anchored_under("^prod/pay/|x", "prod/pay/"));
        assert!(!regex_anchored_under("(?i)^prod/pay/", "prod/pay/"));
        assert!(!regex_anchored_under("(?m)^prod/pay/", "prod/pay/"));
        assert!(!regex_anchored_under("^prod/pa?y/", "prod/pay/"));
        // The default expression is always accepted and matches literally.
        for path in ["prod/pay/", "/prod/a.b+c/", "kv-(x)-"] {
            let re = default_find_regexp(path);
            assert!(regex_anchored_under(&re, path), "{re}");
            assert!(
                regex::Regex::new(&re)
                    .unwrap()
                    .is_match(&format!("{path}x"))
            );
        }
    }
}
