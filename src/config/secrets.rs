//! Catches secret values pasted into a tenants file (DESIGN.md section 5):
//! tenants files are committed and reviewed in pull requests, so a value
//! there is already leaked. Consumes raw file text; produces errors located
//! at the value, which the renderer shows without echoing the source line.

use std::sync::OnceLock;

use regex::Regex;

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// What a pattern detects, and the pattern. Prefixed tokens are matched
/// even when glued to a word (`db_AKIA...`, `token_ghp_...`): `\b` does not
/// separate `_` from a letter, so the leading boundary only excludes a
/// letter or digit right before the prefix.
const PATTERNS: &[(&str, &str)] = &[
    (
        "an AWS access key id",
        r"(?:^|[^A-Za-z0-9])((?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16})(?:[^A-Za-z0-9]|$)",
    ),
    (
        "a private key",
        r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----",
    ),
    (
        "a GitHub token",
        r"(?:^|[^A-Za-z0-9])((?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,}))(?:[^A-Za-z0-9_]|$)",
    ),
    ("a GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
    ("a Slack token", r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    ("a Stripe key", r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}"),
    ("a Google API key", r"\bAIza[0-9A-Za-z_-]{35}\b"),
    ("a Vault token", r"\bhv[sbr]\.[A-Za-z0-9_-]{20,}"),
    (
        "a JSON Web Token",
        r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}",
    ),
];

fn compiled() -> &'static [(&'static str, Regex)] {
    static RES: OnceLock<Vec<(&'static str, Regex)>> = OnceLock::new();
    RES.get_or_init(|| {
        PATTERNS
            .iter()
            .filter_map(|(what, re)| Regex::new(re).ok().map(|r| (*what, r)))
            .collect()
    })
}

/// Bits of entropy per character.
fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[usize::from(b)] += 1;
    }
    let n = s.len() as f64;
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = f64::from(*c) / n;
            -p * p.log2()
        })
        .sum()
}

/// An AWS secret access key: 40 characters of base64 with upper and lower
/// case and digits, random-looking (paths and names are not).
fn looks_like_aws_secret_key(s: &str) -> bool {
    s.len() == 40
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'/' || b == b'+')
        && s.bytes().any(|b| b.is_ascii_uppercase())
        && s.bytes().any(|b| b.is_ascii_lowercase())
        && s.bytes().any(|b| b.is_ascii_digit())
        && entropy(s) > 4.2
}

/// What `text` looks like, when it looks like a credential: the first
/// pattern it matches, with the matched byte range.
pub fn looks_like_secret(text: &str) -> Option<(&'static str, std::ops::Range<usize>)> {
    let mut hits = Vec::new();
    scan_text(text, &mut |what, start, end| hits.push((what, start..end)));
    hits.into_iter().next()
}

/// Every secret-looking value in `text`: in the text as written (comments
/// included), and in every string value and key after TOML decodes its
/// escapes (`"AKIA\u0049OSF..."` is an access key once decoded).
pub fn scan(file: FileId, text: &str) -> Vec<Diagnostic> {
    let mut spans: Vec<(&'static str, std::ops::Range<usize>)> = Vec::new();
    scan_text(text, &mut |what, start, end| spans.push((what, start..end)));
    // Without a backslash there is no escape: every decoded string is then
    // text the scan above already read. Skipping the second parse keeps
    // `check` at 10,000 namespaces at its old speed (BENCHMARKS.md).
    if !text.contains('\\') {
        return spans
            .into_iter()
            .map(|(what, range)| secret_diagnostic(what, &Span::new(file, range)))
            .collect();
    }
    if let Ok(doc) = toml_edit::Document::parse(text) {
        let mut strings = Vec::new();
        collect_strings(doc.as_item(), &mut strings);
        // Only strings written with an escape can hide a value from the
        // scan of the text as written.
        strings.retain(|(_, span)| text.get(span.clone()).is_some_and(|raw| raw.contains('\\')));
        let found = crate::source::RangeSet::new(spans.iter().map(|(_, r)| (file, r.clone())));
        for (decoded, span) in strings {
            if found.overlaps(file, &span) {
                continue;
            }
            if let Some((what, _)) = looks_like_secret(&decoded) {
                spans.push((what, span));
            }
        }
    }
    spans
        .into_iter()
        .map(|(what, range)| secret_diagnostic(what, &Span::new(file, range)))
        .collect()
}

/// True when [`scan`] finds nothing in any of `ranges` of `text`, each
/// read alone. When the ranges are the part before the teams and team
/// parts that each parse alone (`chunked`), and the rest of the text is
/// team parts a scan found nothing in before, [`scan`] of the whole text
/// then finds nothing either: every pattern matches within a line and a
/// part starts a line with `[[teams]]`, so no match reaches across a cut,
/// and each decoded string lies in one part. (When this is false, the
/// caller scans the whole text, for [`scan`]'s findings in its order.)
pub fn nothing_in(file: FileId, text: &str, ranges: &[std::ops::Range<usize>]) -> bool {
    crate::parallel::map(ranges, |r| {
        text.get(r.clone())
            .is_some_and(|part| scan(file, part).is_empty())
    })
    .into_iter()
    .all(|clean| clean)
}

fn secret_diagnostic(what: &str, at: &Span) -> Diagnostic {
    Diagnostic::error(
        Code::SecretValue,
        format!("this looks like {what}: secret values must never be written into a tenants file"),
    )
    .at(at)
    .help("remove it and rotate it (it is in your git history now); give providers credentials with `auth = \"static\"` and `credentials_secret = \"NAME\"`, a reference to a Kubernetes Secret")
}

/// Every string value and key of a parsed document, decoded, with the span
/// of its text in the file.
fn collect_strings(item: &toml_edit::Item, out: &mut Vec<(String, std::ops::Range<usize>)>) {
    match item {
        toml_edit::Item::Value(v) => collect_value(v, out),
        toml_edit::Item::Table(t) => {
            for (key, item) in t.iter() {
                if let Some(span) = t.key(key).and_then(toml_edit::Key::span) {
                    out.push((key.to_owned(), span));
                }
                collect_strings(item, out);
            }
        }
        toml_edit::Item::ArrayOfTables(a) => {
            for t in a.iter() {
                for (key, item) in t.iter() {
                    if let Some(span) = t.key(key).and_then(toml_edit::Key::span) {
                        out.push((key.to_owned(), span));
                    }
                    collect_strings(item, out);
                }
            }
        }
        toml_edit::Item::None => {}
    }
}

fn collect_value(v: &toml_edit::Value, out: &mut Vec<(String, std::ops::Range<usize>)>) {
    match v {
        toml_edit::Value::String(s) => {
            if let Some(span) = s.span() {
                out.push((s.value().clone(), span));
            }
        }
        toml_edit::Value::Array(a) => a.iter().for_each(|v| collect_value(v, out)),
        toml_edit::Value::InlineTable(t) => {
            for (key, v) in t.iter() {
                if let Some(span) = t.key(key).and_then(toml_edit::Key::span) {
                    out.push((key.to_owned(), span));
                }
                collect_value(v, out);
            }
        }
        _ => {}
    }
}

/// Calls `found` for every secret-looking match in `text`.
fn scan_text(text: &str, found: &mut dyn FnMut(&'static str, usize, usize)) {
    for (what, re) in compiled() {
        for c in re.captures_iter(text) {
            // Patterns with a boundary group report the token itself.
            if let Some(m) = c.get(1).or_else(|| c.get(0)) {
                found(what, m.start(), m.end());
            }
        }
    }
    static TOKEN: OnceLock<Option<Regex>> = OnceLock::new();
    if let Some(token) = TOKEN.get_or_init(|| Regex::new(r"[A-Za-z0-9/+]{40}").ok()) {
        for m in token.find_iter(text) {
            let before = text[..m.start()].chars().next_back();
            let after = text[m.end()..].chars().next();
            let bounded = |c: Option<char>| {
                c.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '/' || c == '+'))
            };
            if bounded(before) && bounded(after) && looks_like_aws_secret_key(m.as_str()) {
                found("an AWS secret access key", m.start(), m.end());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> usize {
        scan(0, text).len()
    }

    #[test]
    fn finds_pasted_values() {
        for t in [
            "account_id = \"AKIAIOSFODNN7EXAMPLE\"",
            "k = \"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"",
            "-----BEGIN RSA PRIVATE KEY-----",
            "t = \"ghp_0123456789abcdefghijklmnopqrstuvwxyz\"",
            "t = \"xoxb-123456789012-abcdef\"",
            "t = \"sk_live_abcdefghijklmnop1234\"",
            "t = \"hvs.CAESIJ0123456789abcdefghijkl\"",
            "t = \"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N\"",
            // Issue 14, item 2: escapes, PGP blocks, tokens glued to a word.
            "a = \"AKIA\\u0049OSFODNN7EXAMPLE\"",
            "k = \"\\u0077JalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\"",
            "t = \"-----BEGIN PGP PRIVATE KEY BLOCK-----\"",
            "key = \"prod/a/db_AKIAIOSFODNN7EXAMPLE\"",
            "key = \"prod/a/token_ghp_0123456789abcdefghijklmnopqrstuvwxyz\"",
        ] {
            assert_eq!(kinds(t), 1, "{t}");
        }
    }

    #[test]
    fn ignores_ordinary_config() {
        for t in [
            "prefix = \"prod/payments/\"",
            "key = \"prod/payments/database-credentials-primary\"",
            "oidc_provider = \"oidc.eks.eu-west-1.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF\"",
            "client_id = \"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d\"",
            "key = \"prod/teamaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"",
            "role_name = \"eso-{{cluster}}-{{namespace}}\"",
            "key = \"prod/a/XAKIAIOSFODNN7EXAMPLE\"",
            "a = \"\\u0070rod/payments/\"",
        ] {
            assert_eq!(kinds(t), 0, "{t}");
        }
    }
}
