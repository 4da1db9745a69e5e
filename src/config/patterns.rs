//! The shapes of `tenants.toml` values as regular expressions, for the JSON
//! Schema (`esogen schema`): what an editor can reject while the file is
//! typed. The checks that `esogen check` runs stay the parsers in
//! [`super::types`] and `validate`; the tests below hold each expression to
//! its parser over generated strings, so the two cannot drift apart. Each
//! expression accepts every value its parser accepts (an editor never flags
//! what `check` allows), and rejects what the parser rejects as far as the
//! comment says.
//!
//! The expressions use the common subset of ECMA-262, Python and Rust
//! regular expressions (no look-around, no `\d`, `\w`, `\s` or `.`, whose
//! meaning differs between them), so every JSON Schema tool reads them alike.

/// White space as Rust's `char::is_whitespace` (Unicode `White_Space`),
/// for use inside a character class of a `concat!`.
macro_rules! ws {
    () => {
        r"\t-\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000"
    };
}
pub(crate) use ws;

/// A DNS-1123 label of at most 63 characters: a namespace, team, cluster or
/// provider table name ([`super::types::NamespaceName`]).
pub const DNS_LABEL: &str = "^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$";

/// A DNS-1123 subdomain: labels joined by dots (an ExternalSecret or Secret
/// name, [`super::types::ObjectName`]); the 253-character limit is the
/// schema's `maxLength`.
pub const DNS_SUBDOMAIN: &str =
    r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$";

/// A Go duration as ESO reads it, such as `1h30m` or `0`
/// ([`super::types::Duration`]; only its 292-year ceiling is not checked).
pub const DURATION: &str = r"^(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|µs|μs|ms|s|m|h))+)$";

/// A team secret path prefix ([`super::types::PathPrefix`]): printable
/// ASCII without spaces or wildcards, optional leading and trailing `/`,
/// no empty, `.` or `..` segment. The length limit is the schema's
/// `maxLength`.
pub const PATH_PREFIX: &str = r"^/?(\.*[\x21-\x29\x2B-\x2D\x30-\x3E\x40-\x7E][\x21-\x29\x2B-\x2E\x30-\x3E\x40-\x7E]*|\.{3,})(/(\.*[\x21-\x29\x2B-\x2D\x30-\x3E\x40-\x7E][\x21-\x29\x2B-\x2E\x30-\x3E\x40-\x7E]*|\.{3,}))*/?$";

/// A remote key ([`super::types::RemoteKey`]), as far as it does not
/// depend on the team prefix: printable ASCII without spaces, optional
/// leading `/`, no trailing `/`, no empty, `.` or `..` segment.
pub const REMOTE_KEY: &str = r"^/?(\.*[\x21-\x2D\x30-\x7E][\x21-\x2E\x30-\x7E]*|\.{3,})(/(\.*[\x21-\x2D\x30-\x7E][\x21-\x2E\x30-\x7E]*|\.{3,}))*$";

/// A key of a Kubernetes Secret (the keys of a secret's `data`); the
/// 253-character limit is the schema's `maxLength`.
pub const SECRET_DATA_KEY: &str = "^[A-Za-z0-9._-]+$";

/// A JSON property of a remote secret (the values of a secret's `data`):
/// not empty, no white space around it.
pub const PROPERTY_NAME: &str = concat!("^[^", ws!(), "]([\\s\\S]*[^", ws!(), "])?$");

/// A Kubernetes Secret `type`, such as `kubernetes.io/tls`; the
/// 253-character limit is the schema's `maxLength`.
pub const SECRET_TYPE: &str = "^[A-Za-z0-9./_-]+$";

/// `find.name` has an anchor (`^` or `\A`) before any other `\` or `^`:
/// `check` wants the expression to start with one, after flags or groups
/// at most. (That the rest stays under the find path only `check` can
/// tell.)
pub const ANCHORED_REGEX: &str = r"^[^^\\]*(\^|\\A)";

/// A Kubernetes user name in `store_writers`: not empty, no white space or
/// control character.
pub const USER_NAME: &str = concat!("^[^\\x00-\\x1F\\x7F-\\x9F", ws!(), "]+$");

/// A Helm chart version: letters, digits, `.`, `+` and `-`.
pub const CHART_VERSION: &str = "^[A-Za-z0-9.+-]+$";

/// A URL git can clone (https, http, ssh, scp-style or file), without white
/// space.
pub const REPO_URL: &str = concat!("^(https://|http://|ssh://|git@|file://)[^", ws!(), "]*$");

/// A branch: not empty, no white space, no `..`.
pub const REVISION: &str = concat!("^((\\.?[^.", ws!(), "])+\\.?|\\.)$");

/// `repo_path`: a relative path inside the repository (`./` in front and
/// `/` behind are dropped; empty or `.` is the root): no `\`, `:` or
/// control character, no empty, `.` or `..` segment.
pub const REPO_PATH: &str = r"^(\./)*(\.|(\.*[^./\\:\x00-\x1F\x7F-\x9F][^/\\:\x00-\x1F\x7F-\x9F]*|\.{3,})(/(\.*[^./\\:\x00-\x1F\x7F-\x9F][^/\\:\x00-\x1F\x7F-\x9F]*|\.{3,}))*)?/*$";

/// An IPv4 or IPv6 network in CIDR notation (`egress_cidrs`), the prefix
/// length in range and without leading zeros. IPv4 addresses are checked
/// exactly; IPv6 addresses only for their characters.
pub const CIDR: &str = r"^(((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])/(3[0-2]|[12][0-9]|[0-9])|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*/(12[0-8]|1[01][0-9]|[1-9][0-9]|[0-9]))$";

#[cfg(test)]
pub(crate) mod testing {
    //! Holding an expression to the parser it stands for.

    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};

    /// Compiles a schema expression with the `regex` crate, as a JSON
    /// Schema `pattern` (unanchored search).
    pub fn compile(pattern: &str) -> regex::Regex {
        regex::Regex::new(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"))
    }

    /// Asserts that `pattern` accepts every string `check` accepts (it may
    /// accept more), over `samples` and strings generated from `alphabet`;
    /// and that it rejects each of `rejected`.
    pub fn covers(
        pattern: &str,
        check: impl Fn(&str) -> bool,
        alphabet: &str,
        samples: &[&str],
        rejected: &[&str],
    ) {
        let re = compile(pattern);
        for s in rejected {
            assert!(!re.is_match(s) && !check(s), "pattern {pattern} on {s:?}");
        }
        agrees(
            r"[\s\S]*",
            None,
            |s| !check(s) || re.is_match(s),
            alphabet,
            samples,
        );
    }

    /// Asserts that `pattern` (with `max_len` characters at most, when
    /// given) accepts exactly the strings `check` accepts: over `samples`
    /// (written by hand: the edge cases) and over strings generated from
    /// `alphabet`, plain and around each sample.
    pub fn agrees(
        pattern: &str,
        max_len: Option<usize>,
        check: impl Fn(&str) -> bool,
        alphabet: &str,
        samples: &[&str],
    ) {
        let re = compile(pattern);
        let schema = |s: &str| re.is_match(s) && max_len.is_none_or(|m| s.chars().count() <= m);
        for s in samples {
            assert_eq!(schema(s), check(s), "pattern {pattern} on {s:?}");
        }
        let chars: Vec<char> = alphabet.chars().collect();
        let word = proptest::collection::vec(proptest::sample::select(chars), 0..24)
            .prop_map(|v| v.into_iter().collect::<String>());
        let owned: Vec<String> = samples.iter().map(|s| (*s).to_owned()).collect();
        let sample = proptest::sample::select(owned);
        let strategy = prop_oneof![
            word.clone(),
            (word.clone(), sample, word).prop_map(|(a, s, b)| {
                // Glued around a sample, or replacing its middle.
                if a.len() % 2 == 0 {
                    format!("{a}{s}{b}")
                } else {
                    let cut = s.len() / 2;
                    let head: String = s.chars().take(cut).collect();
                    format!("{head}{a}")
                }
            }),
        ];
        let mut runner = TestRunner::new(Config {
            cases: 2000,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&strategy, |s| {
                prop_assert_eq!(schema(&s), check(&s), "pattern {} on {:?}", pattern, s);
                Ok(())
            })
            .unwrap();
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{agrees, compile};
    use super::*;
    use crate::config::types::{Duration, NamespaceName, ObjectName, PathPrefix};

    #[test]
    fn white_space_is_rusts() {
        let re = compile(concat!("^[", ws!(), "]$"));
        for c in (0..=0x10_FFFF).filter_map(char::from_u32) {
            assert_eq!(
                re.is_match(&c.to_string()),
                c.is_whitespace(),
                "U+{:04X}",
                c as u32
            );
        }
    }

    #[test]
    fn names() {
        let label = |s: &str| NamespaceName::parse(s).is_ok();
        agrees(
            DNS_LABEL,
            None,
            label,
            "az09-.A_",
            &["a", "a-b", "-a", "a-", &"a".repeat(63), &"a".repeat(64)],
        );
        let object = |s: &str| ObjectName::parse(s).is_ok();
        let long = format!("{}.{}", "a".repeat(63), "b".repeat(64));
        agrees(
            DNS_SUBDOMAIN,
            Some(253),
            object,
            "az09-.A_",
            &[
                "db.creds",
                "a..b",
                ".a",
                "a.",
                "a-.b",
                &long,
                &"a.".repeat(127),
            ],
        );
    }

    #[test]
    fn durations() {
        let check = |s: &str| Duration::parse(s).is_ok();
        agrees(
            DURATION,
            None,
            check,
            "019.hmsunµμd-",
            &[
                "0", "1h", "1h30m", ".5h", "1.h", "1..5h", "300ms", "2µs", "2μs", "1d", "h", "00",
            ],
        );
    }

    #[test]
    fn prefixes_and_keys() {
        let prefix = |s: &str| PathPrefix::parse(s).is_ok();
        agrees(
            PATH_PREFIX,
            Some(512),
            prefix,
            "a/.*? -~!\u{e9}\n",
            &[
                "prod/payments/",
                "/prod/x/",
                "/",
                "//",
                "a//b",
                "./a",
                "a/../b",
                "a/.../b",
                ".a/",
                "a*",
                "a?",
                &"a".repeat(513),
            ],
        );
        // Whether a key lies under its team prefix only `check` can tell;
        // the shape is the same for every prefix.
        let key = |s: &str| !s.is_empty() && crate::config::types::key_shape(s).is_ok();
        agrees(
            REMOTE_KEY,
            None,
            key,
            "a/.*? ~\u{e9}\t",
            &[
                "db", "/db", "db/", "//db", "a//b", "a/./b", "a/../b", "a/.../b", "/", "", "*",
            ],
        );
    }

    #[test]
    fn cluster_strings() {
        let ws = |s: &str| s.is_empty() || s.chars().any(|c| c.is_whitespace() || c.is_control());
        agrees(
            USER_NAME,
            None,
            |s| !ws(s),
            "az: \t\u{3000}\u{85}\u{7f}",
            &["system:serviceaccount:argocd:x", "", " a", "a\u{a0}"],
        );
        agrees(
            CHART_VERSION,
            None,
            |s| {
                !s.is_empty()
                    && s.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".-+".contains(c))
            },
            "2.9-+a_ ",
            &["2.9.0", "v1.0.0-rc.1+build", "", "1 0"],
        );
        let url = |v: &str| {
            ["https://", "http://", "ssh://", "git@", "file://"]
                .iter()
                .any(|p| v.starts_with(p))
                && !v.contains(char::is_whitespace)
        };
        agrees(
            REPO_URL,
            None,
            url,
            "htps:/@gi \u{2028}",
            &[
                "https://git.example.com/x.git",
                "git@github.com:a/b.git",
                "ftp://x",
                "https://a b",
            ],
        );
        let revision =
            |r: &str| !r.is_empty() && !r.contains(char::is_whitespace) && !r.contains("..");
        agrees(
            REVISION,
            None,
            revision,
            "a./ \u{a0}",
            &["main", ".", "..", "a..b", ".a.", "release/1.0", ""],
        );
        let repo_path = |p: &str| {
            let trimmed = p.trim_start_matches("./").trim_end_matches('/');
            let trimmed = if trimmed == "." { "" } else { trimmed };
            trimmed.is_empty() || crate::tree::check_path(trimmed).is_ok()
        };
        agrees(
            REPO_PATH,
            None,
            repo_path,
            "a./\\: \u{1}",
            &[
                ".",
                "./",
                "/",
                "//",
                "/a",
                "./a/",
                "a//b",
                "../a",
                "./.",
                "./..",
                "a/.",
                "clusters/prod",
            ],
        );
    }

    #[test]
    fn secrets() {
        agrees(
            SECRET_DATA_KEY,
            Some(253),
            |k| {
                !k.is_empty()
                    && k.len() <= 253
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
            },
            "aZ9-._/ ",
            &["password", ".dockerconfigjson", "", "a/b"],
        );
        agrees(
            PROPERTY_NAME,
            None,
            |v| !v.trim().is_empty() && v.trim() == v,
            "ab \n\u{3000}\u{1c}",
            &["password", " a", "a ", "a b", "", "\u{1c}"],
        );
        agrees(
            SECRET_TYPE,
            Some(253),
            |v| {
                !v.is_empty()
                    && v.len() <= 253
                    && v.chars()
                        .all(|c| c.is_ascii_alphanumeric() || "./-_".contains(c))
            },
            "az./-_ :",
            &["Opaque", "kubernetes.io/tls", "", "a b"],
        );
    }

    #[test]
    fn find_names() {
        let re = compile(ANCHORED_REGEX);
        // Forms `check` accepts (anchored under `prod/pay/`) and refuses.
        for ok in [
            "^prod/pay/[a-z]+$",
            r"\Aprod/pay/",
            "(?s)^prod/pay/",
            "(?:^prod/pay/)",
            r"^prod/pay/a\.b",
        ] {
            assert!(re.is_match(ok), "{ok}");
        }
        for bad in ["db-.*", "prod/pay/.*", r"\^prod/pay/", ""] {
            assert!(!re.is_match(bad), "{bad}");
        }
    }

    #[test]
    fn cidrs() {
        // The schema checks IPv6 addresses only for their characters: held
        // to the real check over IPv4 and prefix lengths.
        let is_cidr = |s: &str| {
            let Some((addr, len)) = s.split_once('/') else {
                return false;
            };
            let plain = !len.is_empty()
                && len.bytes().all(|b| b.is_ascii_digit())
                && (len == "0" || !len.starts_with('0'));
            plain
                && match (addr.parse::<std::net::IpAddr>(), len.parse::<u8>()) {
                    (Ok(std::net::IpAddr::V4(_)), Ok(l)) => l <= 32,
                    (Ok(std::net::IpAddr::V6(_)), Ok(l)) => l <= 128,
                    _ => false,
                }
        };
        agrees(
            CIDR,
            None,
            is_cidr,
            "0125./",
            &[
                "10.0.0.0/8",
                "0.0.0.0/0",
                "10.0.0.0/08",
                "10.0.0.0/33",
                "256.0.0.0/8",
                "01.0.0.0/8",
                "10.0.0/8",
            ],
        );
        let re = compile(CIDR);
        for ok in [
            "2001:db8::/32",
            "::/0",
            "::ffff:10.0.0.0/104",
            "fe80::1/128",
        ] {
            assert!(re.is_match(ok) && is_cidr(ok), "{ok}");
        }
        for bad in ["2001:db8::/129", "2001:db8::/032", "2001:db8::"] {
            assert!(!re.is_match(bad) && !is_cidr(bad), "{bad}");
        }
    }
}
