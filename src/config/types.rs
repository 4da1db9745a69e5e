//! Validated value types. Each constrained string is a newtype built only
//! through its parsing constructor, so a `Config` can never hold an invalid
//! name, namespace, prefix or duration. Consumes `&str`; produces the types or
//! a reason string that `validate` turns into a located diagnostic.

use std::fmt;

use crate::source::Span;

/// A value together with the place in `tenants.toml` it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Located<T> {
    /// The validated value.
    pub value: T,
    /// Where the user wrote it.
    pub span: Span,
}

impl<T> Located<T> {
    /// Wraps a value with its span.
    pub fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }
}

/// Why a string was rejected, phrased to follow "`value` is not a valid X: ".
pub type Reason = String;

fn is_dns_label(s: &str, max: usize) -> Result<(), Reason> {
    if s.is_empty() {
        return Err("it is empty".into());
    }
    if s.len() > max {
        return Err(format!(
            "it is {} characters long, the limit is {max}",
            s.len()
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!(
            "it contains {}; only lowercase letters, digits and `-` are allowed",
            describe_char(c)
        ));
    }
    if s.starts_with('-') || s.ends_with('-') {
        return Err("it must start and end with a letter or digit".into());
    }
    Ok(())
}

/// Names a character for an error message, making invisible and look-alike
/// characters visible.
pub fn describe_char(c: char) -> String {
    if c.is_ascii_graphic() {
        format!("`{c}`")
    } else {
        format!("U+{:04X}", c as u32)
    }
}

macro_rules! label_newtype {
    ($(#[$doc:meta])* $name:ident, $max:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Parses a DNS-1123 label.
            pub fn parse(s: &str) -> Result<Self, Reason> {
                is_dns_label(s, $max)?;
                Ok(Self(s.to_owned()))
            }

            /// The name as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

label_newtype!(
    /// A Kubernetes namespace name: a DNS-1123 label of at most 63 characters.
    /// It also becomes a directory under `overlays/` and `policies/`.
    NamespaceName,
    63
);
label_newtype!(
    /// A team name: a DNS-1123 label, used in labels, naming patterns and messages.
    TeamName,
    63
);
label_newtype!(
    /// The name of a `[providers.NAME]` table. It becomes the SecretStore or
    /// ClusterSecretStore name and part of file names, so it is a DNS-1123 label.
    ProviderName,
    63
);
label_newtype!(
    /// A cluster name, used in naming patterns and file headers.
    ClusterName,
    63
);

/// A Kubernetes object name for an ExternalSecret or its target Secret:
/// a DNS-1123 subdomain (labels joined by dots), at most 253 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ObjectName(String);

impl ObjectName {
    /// Parses a DNS-1123 subdomain.
    pub fn parse(s: &str) -> Result<Self, Reason> {
        if s.len() > 253 {
            return Err(format!(
                "it is {} characters long, the limit is 253",
                s.len()
            ));
        }
        for label in s.split('.') {
            is_dns_label(label, 63).map_err(|r| {
                if label.is_empty() {
                    "it has an empty part between dots".to_owned()
                } else {
                    r
                }
            })?;
        }
        Ok(Self(s.to_owned()))
    }

    /// The name as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ObjectName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A team's secret path prefix in the provider, such as `prod/payments/`.
///
/// Every remote key the team may read must start with it, and the provider
/// policy grants it and nothing else. It may end with `/` (a folder) or not
/// (a name prefix: `prod/pay` also covers `prod/payments/...`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PathPrefix(String);

impl PathPrefix {
    /// Parses a prefix: non-empty, no whitespace or control characters, no
    /// wildcards (they would widen the grant), no empty or `..` segments.
    pub fn parse(s: &str) -> Result<Self, Reason> {
        if s.is_empty() {
            return Err("it is empty, which would grant every secret in the provider".into());
        }
        if s.len() > 512 {
            return Err(format!(
                "it is {} characters long, the limit is 512",
                s.len()
            ));
        }
        check_path_chars(s)?;
        if s.contains('*') || s.contains('?') {
            return Err(
                "it contains a wildcard; a prefix is matched literally and the wildcard would widen the grant"
                    .into(),
            );
        }
        if s == "/" {
            return Err("it is `/`, which would grant every secret in the provider".into());
        }
        let trimmed = s.strip_prefix('/').unwrap_or(s);
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        for seg in trimmed.split('/') {
            if seg.is_empty() {
                return Err("it has an empty path segment (`//`)".into());
            }
            if seg == ".." || seg == "." {
                return Err(format!("it has a `{seg}` segment"));
            }
        }
        Ok(Self(s.to_owned()))
    }

    /// The prefix as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True when `key` lies inside this prefix: a plain string prefix, which
    /// is exactly how provider policies (`arn:...:secret:prefix*`) match.
    pub fn contains_key(&self, key: &str) -> bool {
        key.starts_with(&self.0)
    }

    /// The prefix rewritten by `f`, for comparing prefixes the way a
    /// provider's policies see them (never for output).
    pub fn mapped(&self, f: impl FnOnce(&str) -> String) -> PathPrefix {
        PathPrefix(f(&self.0))
    }

    /// True when one prefix could grant a key the other also grants, that is
    /// when either is a string prefix of the other. `prod/pay` and
    /// `prod/payments/` overlap (`prod/payments/x` starts with both);
    /// `prod/pay/` and `prod/payments/` do not.
    pub fn overlaps(&self, other: &PathPrefix) -> bool {
        self.0.starts_with(&other.0) || other.0.starts_with(&self.0)
    }
}

impl fmt::Display for PathPrefix {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn check_path_chars(s: &str) -> Result<(), Reason> {
    // The common case, one pass over the bytes: printable ASCII has no
    // white space, control or non-ASCII character (and so nothing to trim).
    if s.bytes().all(|b| b.is_ascii_graphic()) {
        return Ok(());
    }
    check_path_chars_slowly(s)
}

/// [`check_path_chars`] one rule at a time, with the reason.
fn check_path_chars_slowly(s: &str) -> Result<(), Reason> {
    if s.trim() != s {
        return Err("it has leading or trailing white space".into());
    }
    if let Some(c) = s.chars().find(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("it contains {}", describe_char(c)));
    }
    if let Some(c) = s.chars().find(|c| !c.is_ascii()) {
        return Err(format!(
            "it contains the non-ASCII character {}, which is easily confused with an ASCII one",
            describe_char(c)
        ));
    }
    Ok(())
}

/// A key in the provider (`remoteRef.key`, `extract.key`), already checked
/// to lie under its team's prefix.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RemoteKey(String);

impl RemoteKey {
    /// Parses a key and checks it against the team prefix.
    pub fn parse(s: &str, prefix: &PathPrefix) -> Result<Self, KeyProblem> {
        key_shape(s).map_err(KeyProblem::Malformed)?;
        if !prefix.contains_key(s) {
            let case_only = s
                .to_lowercase()
                .starts_with(&prefix.as_str().to_lowercase());
            return Err(KeyProblem::OutsidePrefix { case_only });
        }
        if s == prefix.as_str() {
            return Err(KeyProblem::Malformed(
                "it is the prefix itself, not a secret under it".into(),
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// The key as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The checks on a remote key that do not depend on its team prefix: path
/// characters, no trailing `/`, no `.`, `..` or empty segment. Also what
/// the JSON Schema's key pattern stands for (`patterns::REMOTE_KEY`).
pub fn key_shape(s: &str) -> Result<(), Reason> {
    check_path_chars(s)?;
    if s.ends_with('/') {
        return Err(
            "it ends with `/`; provider key names are exact and a trailing slash returns \"not found\"".into(),
        );
    }
    if s.split('/').any(|seg| seg == ".." || seg == ".") {
        return Err("it has a `.` or `..` segment".into());
    }
    if s.contains("//") {
        return Err("it has an empty path segment (`//`)".into());
    }
    Ok(())
}

/// Why a remote key was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyProblem {
    /// The key is not a usable provider key.
    Malformed(Reason),
    /// The key is not under the team prefix; `case_only` when it would be
    /// with different letter case.
    OutsidePrefix {
        /// True when only letter case differs.
        case_only: bool,
    },
}

/// A Go duration string as ESO's `refreshInterval` takes it (`1h`, `30m`,
/// `1h30m`, `0`), kept as written together with its length in nanoseconds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Duration {
    text: String,
    nanos: u128,
}

impl Duration {
    /// Parses a Go duration: one or more `<number><unit>` pairs with units
    /// `ns`, `us`, `µs`, `ms`, `s`, `m`, `h`, or a bare `0`. Negative
    /// durations are rejected: ESO would treat them as an error.
    pub fn parse(s: &str) -> Result<Self, Reason> {
        if s == "0" {
            return Ok(Self {
                text: s.to_owned(),
                nanos: 0,
            });
        }
        if s.is_empty() {
            return Err("it is empty".into());
        }
        let mut rest = s;
        let mut total: u128 = 0;
        while !rest.is_empty() {
            let num_len = rest
                .find(|c: char| !(c.is_ascii_digit() || c == '.'))
                .unwrap_or(rest.len());
            if num_len == 0 {
                return Err("expected a number before each unit".into());
            }
            let (num, tail) = rest.split_at(num_len);
            let unit_len = tail
                .find(|c: char| c.is_ascii_digit() || c == '.')
                .unwrap_or(tail.len());
            let (unit, tail) = tail.split_at(unit_len);
            let scale: u128 = match unit {
                "ns" => 1,
                "us" | "µs" | "μs" => 1_000,
                "ms" => 1_000_000,
                "s" => 1_000_000_000,
                "m" => 60_000_000_000,
                "h" => 3_600_000_000_000,
                "" => return Err(format!("`{num}` has no unit (use h, m, s, ms, us or ns)")),
                other => {
                    return Err(format!(
                        "`{other}` is not a unit (use h, m, s, ms, us or ns; days are not supported)"
                    ));
                }
            };
            let (whole, frac) = num.split_once('.').unwrap_or((num, ""));
            if whole.is_empty() && frac.is_empty() || frac.contains('.') {
                return Err(format!("`{num}` is not a number"));
            }
            let whole: u128 = if whole.is_empty() {
                0
            } else {
                whole.parse().map_err(|_| format!("`{num}` is too large"))?
            };
            let mut part = whole
                .checked_mul(scale)
                .ok_or_else(|| format!("`{num}{unit}` is too large"))?;
            let mut div = 1u128;
            for d in frac.chars().take(18) {
                div *= 10;
                let digit = u128::from(d.to_digit(10).unwrap_or(0));
                part += digit * scale / div;
            }
            total = total
                .checked_add(part)
                .ok_or_else(|| "the duration is too large".to_owned())?;
            rest = tail;
        }
        // Go's time.Duration is an int64 of nanoseconds (about 292 years).
        if total > i64::MAX as u128 {
            return Err("the duration is longer than Go can represent (about 292 years)".into());
        }
        Ok(Self {
            text: s.to_owned(),
            nanos: total,
        })
    }

    /// The duration as the user wrote it; ESO parses the same syntax.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True for a zero duration, which makes ESO sync once and never again.
    pub fn is_zero(&self) -> bool {
        self.nanos == 0
    }
}

/// The platform running the cluster; it decides the auth method.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Platform {
    /// Amazon EKS: IRSA.
    Eks,
    /// Google GKE: Workload Identity.
    Gke,
    /// Azure AKS: Workload Identity.
    Aks,
    /// Red Hat OpenShift.
    Openshift,
    /// Any other Kubernetes.
    Generic,
}

impl Platform {
    /// Every platform with its `tenants.toml` spelling.
    pub const ALL: &'static [(Platform, &'static str)] = &[
        (Platform::Eks, "eks"),
        (Platform::Gke, "gke"),
        (Platform::Aks, "aks"),
        (Platform::Openshift, "openshift"),
        (Platform::Generic, "generic"),
    ];

    /// One line for completion and help: the platform and its workload
    /// identity.
    pub fn describe(self) -> &'static str {
        match self {
            Platform::Eks => "Amazon EKS (IRSA or EKS Pod Identity)",
            Platform::Gke => "Google GKE (Workload Identity)",
            Platform::Aks => "Azure AKS (Workload Identity)",
            Platform::Openshift => "Red Hat OpenShift",
            Platform::Generic => "any other Kubernetes",
        }
    }

    /// The `tenants.toml` spelling.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(p, _)| *p == self)
            .map(|(_, n)| *n)
            .unwrap_or("generic")
    }
}

/// The only `version` this esogen reads.
pub const CONFIG_VERSION: i64 = 1;

/// Namespaces no tenant may claim, besides the ESO namespace.
pub const RESERVED_NAMESPACES: &[&str] =
    &["default", "kube-system", "kube-public", "kube-node-lease"];

/// `[cluster] store_scope`: how the store scope is chosen (ESO guide, question 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoreScopeSetting {
    /// Option A when more than one team shares the cluster, else Option B.
    Auto,
    /// Always Option A: a SecretStore per namespace.
    Namespace,
    /// Always Option B: a guarded ClusterSecretStore (forced).
    Cluster,
}

impl StoreScopeSetting {
    /// Every setting with its spelling.
    pub const ALL: &'static [(StoreScopeSetting, &'static str)] = &[
        (StoreScopeSetting::Auto, "auto"),
        (StoreScopeSetting::Namespace, "namespace"),
        (StoreScopeSetting::Cluster, "cluster"),
    ];
}

/// `[cluster] admission`: how the prefix is enforced in the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Admission {
    /// Kubernetes ValidatingAdmissionPolicy (built in since 1.30).
    Vap,
    /// Kyverno ClusterPolicy.
    Kyverno,
    /// None.
    None,
}

impl Admission {
    /// Every mode with its `tenants.toml` spelling: what `check` accepts and
    /// the JSON Schema lists.
    pub const ALL: &'static [(Admission, &'static str)] = &[
        (Admission::Vap, "vap"),
        (Admission::Kyverno, "kyverno"),
        (Admission::None, "none"),
    ];
}

/// `[cluster] gitops` as written: which tool syncs the tree, before its
/// settings are read into a [`GitOps`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GitOpsTool {
    /// `none`: nothing generated for delivery.
    None,
    /// `argocd`.
    Argo,
    /// `flux`.
    Flux,
}

impl GitOpsTool {
    /// Every tool with its `tenants.toml` spelling: what `check` accepts and
    /// the JSON Schema lists.
    pub const ALL: &'static [(GitOpsTool, &'static str)] = &[
        (GitOpsTool::None, "none"),
        (GitOpsTool::Argo, "argocd"),
        (GitOpsTool::Flux, "flux"),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The one-pass check of printable ASCII agrees with the rules one
        /// at a time, on any text (white space, controls, non-ASCII).
        #[test]
        fn path_chars_fast_and_slow_agree(s in "[ -~\\t\\n\\r\\x00-\\x1f\\x7f\\u{a0}\\u{2028}é]{0,12}") {
            proptest::prop_assert_eq!(check_path_chars(&s), check_path_chars_slowly(&s));
        }
    }

    #[test]
    fn namespace_names() {
        for ok in ["a", "payments", "team-a-1", &"a".repeat(63)] {
            assert!(NamespaceName::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "-a",
            "a-",
            "A",
            "a_b",
            "a.b",
            "a/b",
            "..",
            &"a".repeat(64),
            "pаyments", /* Cyrillic a */
        ] {
            assert!(NamespaceName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn object_names() {
        assert!(ObjectName::parse("db.creds").is_ok());
        assert!(ObjectName::parse("db..creds").is_err());
        assert!(ObjectName::parse(".db").is_err());
        assert!(ObjectName::parse("Db").is_err());
    }

    #[test]
    fn prefixes() {
        for ok in ["prod/payments/", "prod/pay", "/prod/x/", "team-a"] {
            assert!(PathPrefix::parse(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "/",
            " prod/",
            "prod /x/",
            "prod//x/",
            "prod/../x/",
            "prod/*",
            "prod/\n",
            "prоd/", /* Cyrillic o */
        ] {
            assert!(PathPrefix::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn prefix_overlap_is_exact_on_strings() {
        let p = |s| PathPrefix::parse(s).unwrap();
        assert!(!p("prod/pay/").overlaps(&p("prod/payments/")));
        assert!(p("prod/pay").overlaps(&p("prod/payments/")));
        assert!(p("prod/").overlaps(&p("prod/payments/")));
        assert!(p("prod/payments/").overlaps(&p("prod/payments/")));
        assert!(!p("prod/a/").overlaps(&p("dev/a/")));
    }

    #[test]
    fn remote_keys() {
        let pre = PathPrefix::parse("prod/payments/").unwrap();
        assert!(RemoteKey::parse("prod/payments/db", &pre).is_ok());
        assert_eq!(
            RemoteKey::parse("prod/payments-evil/x", &pre),
            Err(KeyProblem::OutsidePrefix { case_only: false })
        );
        assert_eq!(
            RemoteKey::parse("Prod/Payments/db", &pre),
            Err(KeyProblem::OutsidePrefix { case_only: true })
        );
        for bad in [
            "prod/payments/db/",
            " prod/payments/db",
            "prod/payments/../other",
            "prod/payments/",
            "prod/payments//db",
        ] {
            assert!(
                matches!(RemoteKey::parse(bad, &pre), Err(KeyProblem::Malformed(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn durations() {
        for (s, zero) in [
            ("0", true),
            ("0s", true),
            ("1h", false),
            ("1h30m", false),
            ("1.5h", false),
            ("300ms", false),
        ] {
            let d = Duration::parse(s).unwrap();
            assert_eq!(d.is_zero(), zero, "{s}");
            assert_eq!(d.as_str(), s);
        }
        for bad in ["", "1", "h", "1d", "-1h", "1h-", "1..5h", "99999999999h"] {
            assert!(Duration::parse(bad).is_err(), "{bad}");
        }
    }
}
