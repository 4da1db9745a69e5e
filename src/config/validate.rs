//! `RawConfig` → `Config`. Runs every check it can and collects all findings,
//! so a user fixes every problem in one pass; returns a `Config` only when no
//! finding is an error.

use std::collections::{BTreeMap, BTreeSet};

use toml::Spanned;

use super::raw::{RawConfig, RawSecret, RawTeam, RawTeamFile, SStr};
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
use crate::diag::{Code, Diagnostic, Diagnostics, suggest};
use crate::provider::fields::{Setting, SettingValue};
use crate::provider::{Fields, ParseContext, kind_named, kind_names};
use crate::source::{FileId, Span};

/// Parses and validates one `tenants.toml`. `source_name` is the file name
/// written into generated headers.
pub fn validate(
    main: ConfigFile,
    team_files: &[ConfigFile],
    source_name: &str,
) -> (Option<Config>, Diagnostics) {
    let mut v = Validator {
        file: main.file,
        diags: Diagnostics::default(),
        scanned: 0,
        saw_error: false,
    };
    v.diags.extend(super::secrets::scan(main.file, main.text));
    let parsed: Result<RawConfig, _> = toml::from_str(main.text);
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
    let raw = match parsed {
        Ok(raw) => raw,
        Err(e) => {
            v.diags.push(toml_error(main.file, main.text, &e));
            return (None, v.diags);
        }
    };
    let config = v.config(raw, &extra, source_name);
    if v.diags.has_errors() {
        (None, v.diags)
    } else {
        (config, v.diags)
    }
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
    Diagnostic::error(
        Code::TomlSyntax,
        format!("invalid TOML: {}", first_line(msg)),
    )
    .at(&span)
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
        let all: Vec<(FileId, &Spanned<RawTeam>)> = raw
            .teams
            .iter()
            .map(|t| (main, t))
            .chain(
                extra
                    .iter()
                    .flat_map(|(f, ts)| ts.iter().map(move |t| (*f, t))),
            )
            .collect();
        let teams = self.teams(&all, &providers, cluster.as_ref());
        self.file = main;
        if all.is_empty() {
            let span = self.span(&raw.cluster);
            self.diags.push(
                Diagnostic::error(Code::NoTeams, "the file defines no teams")
                    .at(&Span::new(self.file, span.range.start..span.range.start))
                    .help("add a `[[teams]]` table with `name`, `provider`, `prefix` and `namespaces`, here or in `tenants.d/<team>.toml`"),
            );
        }
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

    fn cluster(&mut self, raw: &Spanned<super::raw::RawCluster>) -> Option<Cluster> {
        let c = raw.get_ref();
        let name = self.newtype(
            &c.name,
            ClusterName::parse,
            Code::InvalidName,
            "cluster name",
            "use lowercase letters, digits and `-`",
        );
        let platform = parse_enum(&c.platform, Platform::ALL, "platform", self.file)
            .map_err(|d| self.diags.push(*d))
            .ok();
        let store_scope = match &c.store_scope {
            Some(s) => parse_enum(s, StoreScopeSetting::ALL, "store scope", self.file)
                .map_err(|d| self.diags.push(*d))
                .ok(),
            None => Some(Located::new(StoreScopeSetting::Auto, self.span(raw))),
        };
        let refresh_interval = match &c.refresh_interval {
            Some(r) => self.duration(r),
            None => Duration::parse(DEFAULT_REFRESH_INTERVAL).ok(),
        };
        let eso_namespace = self.namespace_setting(c.eso_namespace.as_ref(), DEFAULT_ESO_NAMESPACE);
        let gitops = self.gitops(raw);
        let admission = match &c.admission {
            None => Some(Admission::Vap),
            Some(a) => parse_enum(
                a,
                &[
                    (Admission::Vap, "vap"),
                    (Admission::Kyverno, "kyverno"),
                    (Admission::None, "none"),
                ],
                "admission mode",
                self.file,
            )
            .map_err(|d| self.diags.push(*d))
            .ok()
            .map(|l| l.value),
        };
        let eso = self.eso_install(c);
        let store_writers = self.store_writers(c, gitops.as_ref());
        Some(Cluster {
            name: name?,
            platform: platform?,
            store_scope: store_scope?,
            refresh_interval: refresh_interval?,
            eso_namespace: eso_namespace?,
            gitops: gitops?,
            admission: admission?,
            admission_settings: AdmissionSettings {
                allow_generators: c.allow_generators.as_ref().is_some_and(|b| *b.get_ref()),
                store_writers: store_writers?,
            },
            eso: eso?,
            span: self.span(raw),
        })
    }

    fn namespace_setting(&mut self, raw: Option<&SStr>, default: &str) -> Option<NamespaceName> {
        match raw {
            Some(n) => self
                .newtype(
                    n,
                    NamespaceName::parse,
                    Code::InvalidNamespace,
                    "namespace",
                    "namespaces are DNS-1123 labels: lowercase letters, digits and `-`, at most 63",
                )
                .map(|l| l.value),
            None => NamespaceName::parse(default).ok(),
        }
    }

    fn gitops(&mut self, raw: &Spanned<super::raw::RawCluster>) -> Option<GitOps> {
        let c = raw.get_ref();
        #[derive(Clone, Copy)]
        enum Kind {
            None,
            Argo,
            Flux,
        }
        let kind = match &c.gitops {
            None => Kind::None,
            Some(g) => {
                parse_enum(
                    g,
                    &[
                        (Kind::None, "none"),
                        (Kind::Argo, "argocd"),
                        (Kind::Flux, "flux"),
                    ],
                    "gitops tool",
                    self.file,
                )
                .map_err(|d| self.diags.push(*d))
                .ok()?
                .value
            }
        };
        if matches!(kind, Kind::None) {
            for (key, v) in [
                ("repo_url", &c.repo_url),
                ("revision", &c.revision),
                ("repo_path", &c.repo_path),
            ] {
                if let Some(v) = v {
                    let span = self.span(v);
                    self.diags.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!("`{key}` needs `gitops = \"argocd\"` or `\"flux\"`"),
                        )
                        .at(&span)
                        .help("set `gitops`, or remove the key"),
                    );
                }
            }
            return Some(GitOps::None);
        }
        let table = self.span(raw);
        let url = match &c.repo_url {
            Some(u) => {
                let v = u.get_ref();
                let ok = ["https://", "http://", "ssh://", "git@", "file://"]
                    .iter()
                    .any(|p| v.starts_with(p))
                    && !v.contains(char::is_whitespace);
                if !ok {
                    let span = self.span(u);
                    self.diags.push(
                        Diagnostic::error(Code::InvalidValue, format!("`{}` is not a git repository URL", shown(v)))
                            .at(&span)
                            .help("use the URL Argo CD or Flux clones, such as `https://git.example.com/platform/gitops.git`"),
                    );
                    None
                } else {
                    Some(v.clone())
                }
            }
            None => {
                self.diags.push(
                    Diagnostic::error(Code::MissingKey, "missing key `repo_url`")
                        .at_labelled(&table, "needed by `gitops`")
                        .help("set `repo_url` to the repository Argo CD or Flux syncs"),
                );
                None
            }
        };
        let revision = match &c.revision {
            None => Some(DEFAULT_REVISION.to_owned()),
            Some(r)
                if !r.get_ref().is_empty()
                    && !r.get_ref().contains(char::is_whitespace)
                    && !r.get_ref().contains("..") =>
            {
                Some(r.get_ref().clone())
            }
            Some(r) => {
                let span = self.span(r);
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("`{}` is not a branch name", shown(r.get_ref())),
                    )
                    .at(&span),
                );
                None
            }
        };
        let path = match &c.repo_path {
            None => Some(String::new()),
            Some(p) => {
                let trimmed = p.get_ref().trim_start_matches("./").trim_end_matches('/');
                let trimmed = if trimmed == "." { "" } else { trimmed };
                if trimmed.is_empty() || crate::tree::check_path(trimmed).is_ok() {
                    Some(trimmed.to_owned())
                } else {
                    let span = self.span(p);
                    self.diags.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!(
                                "`{}` is not a path inside the repository",
                                shown(p.get_ref())
                            ),
                        )
                        .at(&span)
                        .help("a relative path such as `clusters/prod`, without `..`"),
                    );
                    None
                }
            }
        };
        let source = GitSource {
            url: url?,
            revision: revision?,
            path: path?,
        };
        match kind {
            Kind::Argo => {
                if let Some(f) = &c.flux_impersonate {
                    let span = self.span(f);
                    self.diags.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            "`flux_impersonate` needs `gitops = \"flux\"`",
                        )
                        .at(&span),
                    );
                }
                let namespace =
                    self.namespace_setting(c.argocd_namespace.as_ref(), DEFAULT_ARGOCD_NAMESPACE)?;
                Some(GitOps::ArgoCd { source, namespace })
            }
            Kind::Flux => {
                let namespace =
                    self.namespace_setting(c.flux_namespace.as_ref(), DEFAULT_FLUX_NAMESPACE)?;
                Some(GitOps::Flux {
                    source,
                    namespace,
                    impersonate: c.flux_impersonate.as_ref().is_some_and(|f| *f.get_ref()),
                })
            }
            Kind::None => Some(GitOps::None),
        }
    }

    /// `store_writers`, or the identity that applies the tree by default.
    fn store_writers(
        &mut self,
        c: &super::raw::RawCluster,
        gitops: Option<&GitOps>,
    ) -> Option<Vec<StoreWriter>> {
        let Some(list) = &c.store_writers else {
            let sa = |ns: &NamespaceName, name: &str| {
                StoreWriter::User(format!("system:serviceaccount:{ns}:{name}"))
            };
            return Some(match gitops? {
                GitOps::None => Vec::new(),
                GitOps::ArgoCd { namespace, .. } => {
                    vec![sa(namespace, ARGOCD_APPLICATION_CONTROLLER)]
                }
                GitOps::Flux {
                    impersonate: true, ..
                } => vec![StoreWriter::FluxTenantReconciler],
                GitOps::Flux { namespace, .. } => vec![sa(namespace, FLUX_KUSTOMIZE_CONTROLLER)],
            });
        };
        let mut out = Vec::new();
        let mut ok = true;
        for w in list.get_ref() {
            let v = w.get_ref();
            if v.is_empty() || v.chars().any(|ch| ch.is_whitespace() || ch.is_control()) {
                ok = false;
                let span = self.span(w);
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        if v.is_empty() {
                            "an empty string is not a Kubernetes user name".to_owned()
                        } else {
                            format!("`{}` is not a Kubernetes user name", shown(v))
                        },
                    )
                    .at(&span)
                    .help("such as `system:serviceaccount:argocd:argocd-application-controller`"),
                );
            } else {
                out.push(StoreWriter::User(v.clone()));
            }
        }
        if ok && out.is_empty() {
            let span = self.span(list);
            self.diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    "`store_writers` is empty, so nobody could apply the generated SecretStores",
                )
                .at(&span)
                .help("list the identity that applies the tree, or remove the key for the GitOps controller's own"),
            );
            ok = false;
        }
        ok.then_some(out)
    }

    fn eso_install(&mut self, c: &super::raw::RawCluster) -> Option<EsoInstall> {
        let chart_version = match &c.eso_chart_version {
            None => Some(DEFAULT_ESO_CHART_VERSION.to_owned()),
            Some(v)
                if !v.get_ref().is_empty()
                    && v.get_ref()
                        .chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || ".-+".contains(ch)) =>
            {
                Some(v.get_ref().clone())
            }
            Some(v) => {
                let span = self.span(v);
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("`{}` is not a chart version", shown(v.get_ref())),
                    )
                    .at(&span)
                    .help("for example `2.9.0`"),
                );
                None
            }
        };
        let mut ok = true;
        let egress_cidrs = match &c.egress_cidrs {
            None => vec!["0.0.0.0/0".to_owned()],
            Some(list) => {
                let mut out = Vec::new();
                for cidr in list.get_ref() {
                    if is_cidr(cidr.get_ref()) {
                        out.push(cidr.get_ref().clone());
                    } else {
                        ok = false;
                        let span = self.span(cidr);
                        self.diags.push(
                            Diagnostic::error(
                                Code::InvalidValue,
                                format!("`{}` is not a CIDR", shown(cidr.get_ref())),
                            )
                            .at(&span)
                            .help("for example `10.0.0.0/8` or `2001:db8::/32`"),
                        );
                    }
                }
                if out.is_empty() && ok {
                    let span = self.span(list);
                    self.diags.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            "`egress_cidrs` is empty, so ESO could reach nothing",
                        )
                        .at(&span),
                    );
                    ok = false;
                }
                out
            }
        };
        let monitoring_namespace = self.namespace_setting(
            c.monitoring_namespace.as_ref(),
            DEFAULT_MONITORING_NAMESPACE,
        );
        if !ok {
            return None;
        }
        Some(EsoInstall {
            chart_version: chart_version?,
            egress_cidrs,
            monitoring_namespace: monitoring_namespace?,
        })
    }

    fn providers(
        &mut self,
        raw: &BTreeMap<SStr, Spanned<BTreeMap<SStr, Spanned<toml::Value>>>>,
        platform: &Located<Platform>,
    ) -> BTreeMap<ProviderName, Provider> {
        let mut out = BTreeMap::new();
        for (name, table) in raw {
            let name = self.newtype(
                name,
                ProviderName::parse,
                Code::InvalidName,
                "provider name",
                "provider names become store names: lowercase letters, digits and `-`",
            );
            let table_span = self.span(table);
            let mut values = BTreeMap::new();
            let mut kind = None;
            for (key, value) in table.get_ref() {
                let setting = Setting {
                    key_span: self.span(key),
                    value: Located::new(setting_value(value.get_ref()), self.span(value)),
                };
                if key.get_ref() == "kind" {
                    kind = Some(setting);
                } else {
                    values.insert(key.get_ref().clone(), setting);
                }
            }
            let Some(kind) = kind else {
                self.diags.push(
                    Diagnostic::error(Code::MissingKey, "missing key `kind`")
                        .at_labelled(&table_span, "in this provider table")
                        .help(format!(
                            "add `kind = \"...\"`, one of {}",
                            kind_names().join(", ")
                        )),
                );
                continue;
            };
            let kind_span = kind.value.span.clone();
            let SettingValue::Str(kind_name) = kind.value.value else {
                self.diags.push(
                    Diagnostic::error(Code::InvalidValue, "`kind` must be a string").at(&kind_span),
                );
                continue;
            };
            let Some(def) = kind_named(&kind_name) else {
                let names = kind_names();
                let list = names
                    .iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let help = match suggest(&kind_name, names.iter().copied()) {
                    Some(s) => format!("did you mean `{s}`? expected one of {list}"),
                    None => format!("expected one of {list}"),
                };
                self.diags.push(
                    Diagnostic::error(
                        Code::UnsupportedProvider,
                        format!(
                            "`{}` is not a provider kind esogen knows",
                            shown(&kind_name)
                        ),
                    )
                    .at(&kind_span)
                    .help(help),
                );
                continue;
            };
            let fields = Fields::new(def.name(), def.settings(), table_span, values);
            let ctx = ParseContext {
                fields,
                platform,
                kind_span: &kind_span,
            };
            match def.parse(ctx) {
                Ok((settings, warnings)) => {
                    self.diags.extend(warnings);
                    if let Some(name) = name {
                        out.insert(
                            name.value.clone(),
                            Provider {
                                name,
                                kind_span,
                                settings,
                            },
                        );
                    }
                }
                Err(ds) => self.diags.extend(ds),
            }
        }
        out
    }

    fn teams(
        &mut self,
        raw: &[(FileId, &Spanned<RawTeam>)],
        providers: &BTreeMap<ProviderName, Provider>,
        cluster: Option<&Cluster>,
    ) -> Vec<Team> {
        let mut teams: Vec<Team> = Vec::new();
        let mut team_names: BTreeMap<String, Span> = BTreeMap::new();
        let mut namespaces: BTreeMap<String, Span> = BTreeMap::new();
        for (file, t) in raw {
            self.file = *file;
            let raw_team = t.get_ref();
            if let Some(team) = self.team(raw_team, providers, cluster) {
                if let Some(first) = team_names.get(team.name.value.as_str()) {
                    self.diags.push(
                        Diagnostic::error(
                            Code::DuplicateTeam,
                            format!("team `{}` is defined twice", team.name.value),
                        )
                        .at_labelled(&team.name.span, "defined again here")
                        .also(first, "first defined here")
                        .help("merge the two definitions or rename one team"),
                    );
                    continue;
                }
                team_names.insert(team.name.value.to_string(), team.name.span.clone());
                for ns in &team.namespaces {
                    if let Some(first) = namespaces.get(ns.value.as_str()) {
                        self.diags.push(
                            Diagnostic::error(
                                Code::DuplicateNamespace,
                                format!("namespace `{}` is claimed twice", ns.value),
                            )
                            .at_labelled(&ns.span, "claimed again here")
                            .also(first, "first claimed here")
                            .help("a namespace belongs to exactly one team; its store and credentials are that team's"),
                        );
                    } else {
                        namespaces.insert(ns.value.to_string(), ns.span.clone());
                    }
                }
                teams.push(team);
            }
        }
        self.check_prefix_overlaps(&teams, providers);
        teams
    }

    fn check_prefix_overlaps(
        &mut self,
        teams: &[Team],
        providers: &BTreeMap<ProviderName, Provider>,
    ) {
        // Providers whose names are case-insensitive (Key Vault) compare
        // prefixes folded: `Prod-a-` and `prod-a-x` name the same secrets.
        let keys: Vec<Option<(String, PathPrefix)>> = teams
            .iter()
            .map(|t| {
                providers.get(&t.provider.value).map(|p| {
                    (
                        p.settings.overlap_scope(),
                        p.settings.overlap_key(&t.prefix.value),
                    )
                })
            })
            .collect();
        let entries: Vec<Option<(&str, &str)>> = keys
            .iter()
            .map(|k| {
                k.as_ref()
                    .map(|(scope, key)| (scope.as_str(), key.as_str()))
            })
            .collect();
        let overlaps = super::overlap::find(&entries);
        self.diags
            .extend(super::overlap::diagnostics(&overlaps, teams));
    }

    fn team(
        &mut self,
        t: &RawTeam,
        providers: &BTreeMap<ProviderName, Provider>,
        cluster: Option<&Cluster>,
    ) -> Option<Team> {
        let name = self.newtype(
            &t.name,
            TeamName::parse,
            Code::InvalidName,
            "team name",
            "team names are DNS-1123 labels: lowercase letters, digits and `-`",
        );
        let provider_span = self.span(&t.provider);
        let provider = match ProviderName::parse(t.provider.get_ref())
            .ok()
            .and_then(|n| providers.get(&n).map(|p| (n, p)))
        {
            Some((n, p)) => Some((Located::new(n, provider_span), p)),
            None => {
                // A provider table with errors was already reported; don't
                // pile on. (Asked per team: the message, with its
                // suggestion among every provider, only when shown.)
                if !self.has_errors() {
                    let d = unknown_provider(t.provider.get_ref(), &provider_span, providers);
                    self.diags.push(d);
                }
                None
            }
        };
        let prefix = self.newtype(
            &t.prefix,
            PathPrefix::parse,
            Code::InvalidPrefix,
            "prefix",
            "a prefix such as `prod/payments/` scopes the team's credentials; end it with `/`",
        );
        // Every provider's policy matches a plain string prefix
        // (`secret:<prefix>*`, `<mount>/data/<prefix>*`, `startsWith`), so a
        // prefix that does not end with a separator also grants its
        // siblings: `prod/pay*` covers `prod/payments/`.
        if let Some(p) = &prefix
            && !p.value.as_str().ends_with(['/', '-', '_', '.'])
        {
            self.diags.push(
                Diagnostic::error(
                    Code::InvalidPrefix,
                    format!(
                        "prefix `{}` does not end with a separator, so its policy also covers names such as `{}x/...`",
                        p.value, p.value
                    ),
                )
                .at(&p.span)
                .help(format!("end it with `/` (or `-`, `_`, `.`): `{}/`", p.value)),
            );
        }
        if let (Some(prefix), Some((_, p))) = (&prefix, &provider)
            && let Err(reason) = p.settings.check_prefix(&prefix.value)
        {
            self.diags.push(
                Diagnostic::error(
                    Code::InvalidPrefix,
                    format!("`{}` is not a valid prefix: {reason}", prefix.value),
                )
                .at(&prefix.span),
            );
        }
        let namespaces = self.namespaces(t, cluster);
        let team_namespaces = TeamNamespaces::new(&namespaces);
        let team_refresh = t.refresh_interval.as_ref().and_then(|r| self.duration(r));
        let default_refresh = team_refresh.or_else(|| cluster.map(|c| c.refresh_interval.clone()));

        let (name, prefix, (provider, _)) = (name?, prefix?, provider?);
        let mut secrets = Vec::new();
        let mut secret_names: BTreeMap<String, Span> = BTreeMap::new();
        let mut targets: BTreeMap<String, Span> = BTreeMap::new();
        for s in &t.secrets {
            let Some(secret) = self.secret(
                s,
                &prefix,
                &team_namespaces,
                default_refresh.as_ref(),
                t.push.as_ref(),
            ) else {
                continue;
            };
            if let Some(first) = secret_names.get(secret.name.value.as_str()) {
                self.diags.push(
                    Diagnostic::error(
                        Code::DuplicateSecret,
                        format!(
                            "secret `{}` is defined twice in team `{}`",
                            secret.name.value, name.value
                        ),
                    )
                    .at_labelled(&secret.name.span, "defined again here")
                    .also(first, "first defined here"),
                );
                continue;
            }
            secret_names.insert(secret.name.value.to_string(), secret.name.span.clone());
            if let Some(first) = targets.get(secret.target.as_str()) {
                self.diags.push(
                    Diagnostic::error(
                        Code::DuplicateSecret,
                        format!(
                            "two secrets of team `{}` write the Kubernetes Secret `{}`",
                            name.value, secret.target
                        ),
                    )
                    .at_labelled(&secret.name.span, "this one")
                    .also(first, "and this one")
                    .help("give one of them a different `target`"),
                );
                continue;
            }
            targets.insert(secret.target.to_string(), secret.name.span.clone());
            secrets.push(secret);
        }
        if namespaces.is_empty() {
            return None;
        }
        Some(Team {
            name,
            provider,
            prefix,
            namespaces,
            secrets,
        })
    }

    fn namespaces(
        &mut self,
        t: &RawTeam,
        cluster: Option<&Cluster>,
    ) -> Vec<Located<NamespaceName>> {
        if t.namespaces.get_ref().is_empty() {
            let span = self.span(&t.namespaces);
            self.diags.push(
                Diagnostic::error(
                    Code::EmptyTeam,
                    format!("team `{}` has no namespaces", t.name.get_ref()),
                )
                .at(&span)
                .help("list the namespaces the team's workloads run in"),
            );
        }
        let mut out: Vec<Located<NamespaceName>> = Vec::new();
        // Where each namespace was first listed: a scan of `out` per entry
        // is quadratic in a team's namespaces.
        let mut first: BTreeMap<NamespaceName, usize> = BTreeMap::new();
        for ns in t.namespaces.get_ref() {
            let Some(n) = self.newtype(
                ns,
                NamespaceName::parse,
                Code::InvalidNamespace,
                "namespace",
                "namespaces are DNS-1123 labels: lowercase letters, digits and `-`, at most 63",
            ) else {
                continue;
            };
            let reserved = RESERVED_NAMESPACES.contains(&n.value.as_str())
                || cluster.is_some_and(|c| c.eso_namespace == n.value);
            if reserved {
                self.diags.push(
                    Diagnostic::error(
                        Code::ReservedNamespace,
                        format!("namespace `{}` is reserved and cannot belong to a team", n.value),
                    )
                    .at(&n.span)
                    .help("system namespaces and the ESO namespace hold cluster credentials; give the team its own namespace"),
                );
                continue;
            }
            if let Some(at) = first.get(&n.value).and_then(|&i| out.get(i)) {
                self.diags.push(
                    Diagnostic::error(
                        Code::DuplicateNamespace,
                        format!("namespace `{}` is listed twice", n.value),
                    )
                    .at_labelled(&n.span, "listed again here")
                    .also(&at.span, "first listed here"),
                );
                continue;
            }
            first.insert(n.value.clone(), out.len());
            out.push(n);
        }
        out
    }

    fn remote_key(
        &mut self,
        raw: &SStr,
        prefix: &Located<PathPrefix>,
    ) -> Option<Located<RemoteKey>> {
        let span = self.span(raw);
        match RemoteKey::parse(raw.get_ref(), &prefix.value) {
            Ok(k) => Some(Located::new(k, span)),
            Err(KeyProblem::Malformed(reason)) => {
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidKey,
                        format!(
                            "`{}` is not a valid remote key: {reason}",
                            shown(raw.get_ref())
                        ),
                    )
                    .at(&span)
                    .help("provider key names are exact: no surrounding space, no trailing `/`"),
                );
                None
            }
            Err(KeyProblem::OutsidePrefix { case_only }) => {
                let help = if case_only {
                    "provider keys are case-sensitive: match the prefix's letter case exactly"
                        .to_owned()
                } else {
                    format!("keys of this team must start with `{}`", prefix.value)
                };
                self.diags.push(
                    Diagnostic::error(
                        Code::KeyOutsidePrefix,
                        format!(
                            "key `{}` is outside the team prefix `{}`",
                            shown(raw.get_ref()),
                            prefix.value
                        ),
                    )
                    .at(&span)
                    .also(&prefix.span, "team prefix")
                    .help(help),
                );
                None
            }
        }
    }

    fn secret(
        &mut self,
        s: &Spanned<RawSecret>,
        prefix: &Located<PathPrefix>,
        team_namespaces: &TeamNamespaces,
        default_refresh: Option<&Duration>,
        team_push: Option<&Spanned<bool>>,
    ) -> Option<Secret> {
        let r = s.get_ref();
        let push = match r.push.as_ref().or(team_push) {
            Some(p) if *p.get_ref() => Some(self.span(p)),
            _ => None,
        };
        if let (Some(push_span), Some(find)) = (&push, &r.find) {
            let span = self.span(find);
            self.diags.push(
                Diagnostic::error(Code::InvalidValue, "a pushed secret needs `key`, not `find`")
                    .at(&span)
                    .also(push_span, "push set here")
                    .help("PushSecret writes one Kubernetes Secret to one remote key; set `push = false` on this secret to read with `find`"),
            );
            return None;
        }
        let name = self.newtype(
            &r.name,
            ObjectName::parse,
            Code::InvalidName,
            "secret name",
            "secret names become ExternalSecret names: lowercase letters, digits, `-` and `.`",
        );
        let target = match &r.target {
            Some(t) => self
                .newtype(
                    t,
                    ObjectName::parse,
                    Code::InvalidName,
                    "target Secret name",
                    "Kubernetes Secret names: lowercase letters, digits, `-` and `.`",
                )
                .map(|l| l.value),
            None => name.as_ref().map(|n| n.value.clone()),
        };
        let target_type = match &r.secret_type {
            Some(t) => {
                let v = t.get_ref();
                let ok = !v.is_empty()
                    && v.len() <= 253
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "./-_".contains(c));
                if !ok {
                    let span = self.span(t);
                    self.diags.push(
                        Diagnostic::error(
                            Code::InvalidValue,
                            format!("`{}` is not a Kubernetes Secret type", shown(v)),
                        )
                        .at(&span)
                        .help("for example `Opaque`, `kubernetes.io/dockerconfigjson` or `kubernetes.io/tls`"),
                    );
                    None
                } else {
                    Some(Some(v.clone()))
                }
            }
            None => Some(None),
        };
        let refresh = match &r.refresh_interval {
            Some(d) => self.duration(d),
            None => default_refresh.cloned(),
        };
        let source = self.secret_source(s, prefix);
        let namespaces = match &r.namespaces {
            None => Some(team_namespaces.sorted.clone()),
            Some(list) => {
                if list.get_ref().is_empty() {
                    let span = self.span(list);
                    self.diags.push(
                        Diagnostic::error(
                            Code::NamespaceNotInTeam,
                            "`namespaces` is empty, so the secret would go nowhere",
                        )
                        .at(&span)
                        .help("remove `namespaces` to deliver the secret to all the team's namespaces"),
                    );
                }
                let mut out = BTreeSet::new();
                let mut ok = true;
                for ns in list.get_ref() {
                    let span = self.span(ns);
                    match team_namespaces.get(ns.get_ref()) {
                        Some(n) => {
                            out.insert(n.clone());
                        }
                        None => {
                            ok = false;
                            let owned = team_namespaces.listed();
                            self.diags.push(
                                Diagnostic::error(
                                    Code::NamespaceNotInTeam,
                                    format!(
                                        "namespace `{}` does not belong to this team",
                                        ns.get_ref()
                                    ),
                                )
                                .at(&span)
                                .help(format!("the team owns: {owned}")),
                            );
                        }
                    }
                }
                ok.then(|| out.into_iter().collect())
            }
        };
        Some(Secret {
            name: name?,
            target: target?,
            target_type: target_type?,
            refresh_interval: refresh?,
            namespaces: namespaces?,
            source: source?,
            push,
        })
    }

    fn secret_source(
        &mut self,
        s: &Spanned<RawSecret>,
        prefix: &Located<PathPrefix>,
    ) -> Option<SecretSource> {
        let r = s.get_ref();
        let secret_span = self.span(s);
        match (&r.key, &r.find) {
            (Some(_), Some(find)) => {
                let span = self.span(find);
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        "a secret takes `key` or `find`, not both",
                    )
                    .at(&span)
                    .help("`key` reads one remote secret; `find` searches under a path"),
                );
                None
            }
            (None, None) => {
                self.diags.push(
                    Diagnostic::error(Code::MissingKey, "a secret needs `key` or `find`")
                        .at(&Span::new(
                            self.file,
                            secret_span.range.start..secret_span.range.start,
                        ))
                        .help("add `key = \"<prefix>...\"` naming the remote secret"),
                );
                None
            }
            (Some(key), None) => {
                let key = self.remote_key(key, prefix);
                match &r.data {
                    None => Some(SecretSource::Extract { key: key? }),
                    Some(data) => {
                        let mut out = BTreeMap::new();
                        if data.get_ref().is_empty() {
                            let span = self.span(data);
                            self.diags.push(
                                Diagnostic::error(Code::InvalidValue, "`data` is empty")
                                    .at(&span)
                                    .help("map Secret keys to properties, or remove `data` to copy every property"),
                            );
                        }
                        for (k, v) in data.get_ref() {
                            let kspan = self.span(k);
                            let valid = !k.get_ref().is_empty()
                                && k.get_ref().len() <= 253
                                && k.get_ref()
                                    .chars()
                                    .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c));
                            if !valid {
                                self.diags.push(
                                    Diagnostic::error(
                                        Code::InvalidName,
                                        format!(
                                            "`{}` is not a valid Kubernetes Secret key",
                                            shown(k.get_ref())
                                        ),
                                    )
                                    .at(&kspan)
                                    .help("Secret keys use letters, digits, `-`, `_` and `.`"),
                                );
                                continue;
                            }
                            if v.get_ref().trim().is_empty() || v.get_ref().trim() != v.get_ref() {
                                let vspan = self.span(v);
                                self.diags.push(
                                    Diagnostic::error(
                                        Code::InvalidValue,
                                        format!("property `{}` is empty or has surrounding space", shown(v.get_ref())),
                                    )
                                    .at(&vspan)
                                    .help("name the JSON property of the remote secret, such as `password`"),
                                );
                                continue;
                            }
                            out.insert(k.get_ref().clone(), v.get_ref().clone());
                        }
                        Some(SecretSource::Properties {
                            key: key?,
                            data: out,
                        })
                    }
                }
            }
            (None, Some(find)) => {
                if let Some(data) = &r.data {
                    let span = self.span(data);
                    self.diags.push(
                        Diagnostic::error(Code::InvalidValue, "`data` cannot be combined with `find`")
                            .at(&span)
                            .help("`find` copies every matching secret; `data` picks properties of one `key`"),
                    );
                    return None;
                }
                let f = find.get_ref();
                let path = match &f.path {
                    None => Some(Located::new(prefix.value.to_string(), self.span(find))),
                    Some(p) => {
                        let span = self.span(p);
                        match PathPrefix::parse(p.get_ref()) {
                            Err(reason) => {
                                self.diags.push(
                                    Diagnostic::error(
                                        Code::InvalidKey,
                                        format!(
                                            "`{}` is not a valid find path: {reason}",
                                            shown(p.get_ref())
                                        ),
                                    )
                                    .at(&span),
                                );
                                None
                            }
                            Ok(path) if !path.as_str().starts_with(prefix.value.as_str()) => {
                                self.diags.push(
                                    Diagnostic::error(
                                        Code::KeyOutsidePrefix,
                                        format!(
                                            "find path `{}` is outside the team prefix `{}`",
                                            path, prefix.value
                                        ),
                                    )
                                    .at(&span)
                                    .also(&prefix.span, "team prefix")
                                    .help(format!(
                                        "a find path must start with `{}`",
                                        prefix.value
                                    )),
                                );
                                None
                            }
                            Ok(path) => Some(Located::new(path.to_string(), span)),
                        }
                    }
                };
                let name_regex = match (&f.name, &path) {
                    (None, Some(p)) => Some(default_find_regexp(&p.value)),
                    (None, None) => None,
                    (Some(n), path) => match regex::Regex::new(n.get_ref()) {
                        Ok(_) => {
                            let under = path
                                .as_ref()
                                .map_or(prefix.value.as_str(), |p| p.value.as_str());
                            if regex_anchored_under(n.get_ref(), under) {
                                Some(n.get_ref().clone())
                            } else {
                                let span = self.span(n);
                                self.diags.push(
                                    Diagnostic::error(
                                        Code::KeyOutsidePrefix,
                                        format!(
                                            "find name `{}` may match secrets outside the find path `{under}`",
                                            shown(n.get_ref())
                                        ),
                                    )
                                    .at(&span)
                                    .also(&prefix.span, "team prefix")
                                    .help(format!(
                                        "start the expression with `^` and the path, such as `{}`, with no top-level `|`; some providers (Key Vault) search the whole vault by this expression alone",
                                        default_find_regexp(under)
                                    )),
                                );
                                None
                            }
                        }
                        Err(e) => {
                            let span = self.span(n);
                            self.diags.push(
                                Diagnostic::error(
                                    Code::InvalidValue,
                                    format!(
                                        "`{}` is not a valid regular expression",
                                        shown(n.get_ref())
                                    ),
                                )
                                .at(&span)
                                .help(first_line(&e.to_string())),
                            );
                            None
                        }
                    },
                };
                Some(SecretSource::Find {
                    path: path?,
                    name_regex: name_regex?,
                })
            }
        }
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
