//! Findings about the user's `tenants.toml`. Consumes spans from `source`;
//! produces `Diagnostic` values that every stage collects in a list (they are
//! data, not `Err`), rendered in one place by `diag::render`.

pub mod render;

use crate::source::Span;

/// How serious a finding is. Errors block generation; warnings and notes do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Informational: something worth knowing, nothing wrong.
    Note,
    /// Works, but is riskier than it should be.
    Warning,
    /// Cannot or must not be generated.
    Error,
}

macro_rules! codes {
    ($( $(#[$doc:meta])* $variant:ident => $name:literal, $desc:literal; )*) => {
        /// Stable diagnostic codes. They are public API: never rename one, only
        /// deprecate it. `esogen` prints them as `error[code]`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Code {
            $( $(#[$doc])* #[doc = $desc] $variant, )*
        }

        impl Code {
            /// Every code, in declaration order.
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// The kebab-case name shown to users.
            pub fn name(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }

            /// One line saying what the code means.
            pub fn description(self) -> &'static str {
                match self { $( Code::$variant => $desc, )* }
            }
        }
    };
}

codes! {
    Io => "io", "a configuration file could not be read";
    TomlSyntax => "toml-syntax", "the file is not valid TOML";
    UnknownKey => "unknown-key", "a key that tenants.toml does not define";
    InvalidValue => "invalid-value", "a value of the wrong type or shape";
    MissingKey => "missing-key", "a required key is absent";
    UnsupportedVersion => "unsupported-version", "the file's `version` is not one this esogen reads";
    InvalidName => "invalid-name", "a name that cannot become a Kubernetes object name or a path";
    InvalidNamespace => "invalid-namespace", "a namespace that is not a DNS-1123 label";
    ReservedNamespace => "reserved-namespace", "a namespace that tenants must not use (kube-system, the ESO namespace, ...)";
    InvalidPrefix => "invalid-prefix", "a secret path prefix that cannot scope credentials safely";
    OverlappingPrefix => "overlapping-prefix", "two teams' prefixes overlap, so one team could read the other's secrets";
    KeyOutsidePrefix => "key-outside-prefix", "a remote key or find path that is not under the team's prefix";
    InvalidKey => "invalid-key", "a remote key with a trailing slash, surrounding space or other mistake";
    UnknownProvider => "unknown-provider", "a team names a provider that is not defined";
    UnsupportedProvider => "unsupported-provider", "a provider kind or platform/provider pair esogen cannot generate";
    ProviderSetting => "provider-setting", "a provider setting that is missing, malformed or belongs to another kind";
    DuplicateTeam => "duplicate-team", "two teams with the same name";
    DuplicateNamespace => "duplicate-namespace", "a namespace claimed twice";
    DuplicateSecret => "duplicate-secret", "two secrets of a team, or two targets in a namespace, with the same name";
    NamespaceNotInTeam => "namespace-not-in-team", "a secret limited to a namespace its team does not own";
    EmptyTeam => "empty-team", "a team with no namespaces";
    NoTeams => "no-teams", "the file defines no teams";
    InvalidDuration => "invalid-duration", "a refresh interval that is not a Go duration such as `1h` or `30m`";
    RefreshOnce => "refresh-once", "a refresh interval of zero: the secret is synced once and never again";
    PatternSyntax => "pattern-syntax", "a naming pattern that is not a valid handlebars template";
    PatternVariable => "pattern-variable", "a naming pattern that uses a variable esogen does not provide";
    PatternResult => "pattern-result", "a naming pattern that renders an invalid or colliding name";
    ListSecretsExposure => "list-secrets-exposure", "`find` needs account-wide ListSecrets, which reveals every secret name in the account";
    SharedClusterStore => "shared-cluster-store", "one ClusterSecretStore serves several teams: no per-team credential isolation";
    StaticCredentials => "static-credentials", "a provider authenticates with static credentials instead of short-lived platform credentials";
    SecretValue => "secret-value", "something that looks like a secret value (access key, private key, token) is written in a tenants file";
    UnscopedProvider => "unscoped-provider", "the provider cannot limit access to the team prefix and teams share a vault or identity";
}

/// A labelled span: where a diagnostic points, with an optional short message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// The text the label marks.
    pub span: Span,
    /// Shown next to the marker; empty for none.
    pub message: String,
}

/// One finding: severity, stable code, message, where, and advice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// How serious it is.
    pub severity: Severity,
    /// Stable code, see [`Code`].
    pub code: Code,
    /// Lowercase, no final period, offending value in backticks.
    pub message: String,
    /// The main place, when the finding has one.
    pub primary: Option<Label>,
    /// Related places ("first claimed here").
    pub secondary: Vec<Label>,
    /// Advice on how to fix it.
    pub help: Option<String>,
}

impl Diagnostic {
    fn new(severity: Severity, code: Code, message: impl Into<String>) -> Self {
        Self {
            severity,
            code,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
        }
    }

    /// An error finding.
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }

    /// A warning finding.
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }

    /// A note.
    pub fn note(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Note, code, message)
    }

    /// Points the finding at `span`.
    pub fn at(mut self, span: &Span) -> Self {
        self.primary = Some(Label {
            span: span.clone(),
            message: String::new(),
        });
        self
    }

    /// Points the finding at `span` with a short label.
    pub fn at_labelled(mut self, span: &Span, message: impl Into<String>) -> Self {
        self.primary = Some(Label {
            span: span.clone(),
            message: message.into(),
        });
        self
    }

    /// Adds a related place.
    pub fn also(mut self, span: &Span, message: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span: span.clone(),
            message: message.into(),
        });
        self
    }

    /// Adds advice.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// True for findings that block generation.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Findings collected across stages.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Adds one finding.
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }

    /// Adds many findings.
    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(ds);
    }

    /// True when any finding is an error.
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }

    /// True when there is no finding at all.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The findings, in a stable order: by file, position, then code.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut v: Vec<&Diagnostic> = self.0.iter().collect();
        // Compared by reference: a key that clones the message would copy
        // it at every comparison.
        let key = |d: &&Diagnostic| {
            let pos = d
                .primary
                .as_ref()
                .map(|l| (l.span.file, l.span.range.start, l.span.range.end));
            (pos, d.code)
        };
        v.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| a.message.cmp(&b.message)));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn codes_are_unique_kebab_case_and_described() {
        let names: BTreeSet<&str> = Code::ALL.iter().map(|c| c.name()).collect();
        assert_eq!(names.len(), Code::ALL.len(), "duplicate code name");
        for c in Code::ALL {
            let n = c.name();
            assert!(
                n.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'),
                "{n} is not kebab-case"
            );
            assert!(!c.description().is_empty());
        }
    }

    #[test]
    fn code_list_is_stable() {
        let list: Vec<String> = Code::ALL
            .iter()
            .map(|c| format!("{}: {}", c.name(), c.description()))
            .collect();
        insta::assert_snapshot!(list.join("\n"));
    }
}

/// The closest candidate to `word`, if one is close enough to be a typo.
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|(d, c)| *d <= (c.len().max(word.len()) / 3).max(1))
        .min()
        .map(|(_, c)| c)
}

#[cfg(test)]
mod suggest_tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(suggest("platfrom", ["name", "platform"]), Some("platform"));
        assert_eq!(
            suggest("namespcae", ["cluster", "namespace"]),
            Some("namespace")
        );
        assert_eq!(suggest("zzz", ["name", "platform"]), None);
    }
}
