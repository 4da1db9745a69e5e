//! Catches secret values pasted into a tenants file (DESIGN.md section 5):
//! tenants files are committed and reviewed in pull requests, so a value
//! there is already leaked. Consumes raw file text; produces errors located
//! at the value, which the renderer shows without echoing the source line.

use std::sync::OnceLock;

use regex::Regex;

use crate::diag::{Code, Diagnostic};
use crate::source::{FileId, Span};

/// What a pattern detects, and the pattern.
const PATTERNS: &[(&str, &str)] = &[
    (
        "an AWS access key id",
        r"\b(?:AKIA|ASIA|AGPA|AIDA|AROA|ANPA|ANVA|AIPA)[A-Z0-9]{16}\b",
    ),
    ("a private key", r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----"),
    (
        "a GitHub token",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,})\b",
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

/// Every secret-looking value in `text`.
pub fn scan(file: FileId, text: &str) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut found = |what: &str, start: usize, end: usize| {
        out.push(
            Diagnostic::error(
                Code::SecretValue,
                format!("this looks like {what}: secret values must never be written into a tenants file"),
            )
            .at(&Span::new(file, start..end))
            .help("remove it and rotate it (it is in your git history now); give providers credentials with `auth = \"static\"` and `credentials_secret = \"NAME\"`, a reference to a Kubernetes Secret"),
        );
    };
    for (what, re) in compiled() {
        for m in re.find_iter(text) {
            found(what, m.start(), m.end());
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
    out
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
        ] {
            assert_eq!(kinds(t), 0, "{t}");
        }
    }
}
