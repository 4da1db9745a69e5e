//! Bad inputs: each `tests/bad/*.toml` names its expected code on its first
//! line (`# expect: CODE`); the rendered diagnostics are snapshotted, and a
//! table checks exactly where findings point.

use esogen::diag::render::{ColorChoice, render_all};
use esogen::pipeline;

fn run(text: &str) -> (esogen::source::Sources, esogen::diag::Diagnostics, bool) {
    let (sources, result, diags) = pipeline::generate_text("tenants.toml", text);
    (sources, diags, result.is_ok())
}

#[test]
fn bad_inputs_report_their_code() {
    insta::glob!("../bad", "*.toml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let expected = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .expect("first line names the expected code")
            .trim()
            .to_owned();
        let (sources, diags, ok) = run(&text);
        assert!(!ok, "{}: must not generate", path.display());
        let codes: Vec<&str> = diags
            .0
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.code.name())
            .collect();
        assert!(
            codes.contains(&expected.as_str()),
            "{}: expected {expected}, got {codes:?}",
            path.display()
        );
        insta::assert_snapshot!(render_all(&sources, &diags.sorted(), ColorChoice::Never));
    });
}

use crate::common::AWS_HEAD as HEAD;

/// (text after HEAD, code, 1-based line, 1-based column, width of the span)
const SPANS: &[(&str, &str, usize, usize, usize)] = &[
    (
        "[[teams]]\nname = \"a\"\nprovider = \"aws\"\nprefix = \"a/\"\nnamespaces = [\"a\"]\nnamspace = 1\n",
        "unknown-key",
        15,
        1,
        8,
    ),
    (
        "[[teams]]\nname = \"a\"\nprovider = \"awz\"\nprefix = \"a/\"\nnamespaces = [\"a\"]\n",
        "unknown-provider",
        12,
        12,
        5,
    ),
    (
        "[[teams]]\nname = \"a\"\nprovider = \"aws\"\nprefix = \"a/\"\nnamespaces = [\"ok\", \"Bad\"]\n",
        "invalid-namespace",
        14,
        21,
        5,
    ),
    (
        "[[teams]]\nname = \"a\"\nprovider = \"aws\"\nprefix = \"a/\"\nnamespaces = [\"a\"]\nsecrets = [{ name = \"s\", key = \"b/s\" }]\n",
        "key-outside-prefix",
        15,
        32,
        5,
    ),
    (
        "[[teams]]\nname = \"a\"\nprovider = \"aws\"\nprefix = \"a/\"\nnamespaces = [\"a\"]\nrefresh_interval = \"1y\"\n",
        "invalid-duration",
        15,
        20,
        4,
    ),
];

#[test]
fn diagnostics_point_at_the_offending_text() {
    for (body, code, line, col, width) in SPANS {
        let text = format!("{HEAD}{body}");
        let (sources, diags, _) = run(&text);
        let d = diags
            .0
            .iter()
            .find(|d| d.code.name() == *code)
            .unwrap_or_else(|| panic!("{code} not reported for:\n{body}\n{diags:?}"));
        let label = d.primary.as_ref().expect("located");
        let (l, c) = sources.line_col(label.span.file, label.span.range.start);
        assert_eq!(
            (l, c, label.span.range.len()),
            (*line, *col, *width),
            "{code}: `{}`",
            &text[label.span.range.clone()]
        );
    }
}

#[test]
fn near_misses_are_accepted() {
    // Prefixes that share text but not a string prefix do not overlap;
    // a key equal to another team's prefix text in a different account is fine.
    let body = r#"
[[teams]]
name = "pay"
provider = "aws"
prefix = "prod/pay/"
namespaces = ["pay"]
secrets = [{ name = "db", key = "prod/pay/db" }]

[[teams]]
name = "payments"
provider = "aws"
prefix = "prod/payments/"
namespaces = ["payments"]
secrets = [{ name = "db", key = "prod/payments/db", refresh_interval = "1h30m" }]
"#;
    let (_, diags, ok) = run(&format!("{HEAD}{body}"));
    assert!(ok, "{diags:?}");
    assert!(diags.is_empty(), "{diags:?}");
}

#[test]
fn all_findings_are_reported_in_one_pass() {
    let body = r#"
[[teams]]
name = "a"
provider = "aws"
prefix = "a/"
namespaces = ["kube-system", "Upper"]
refresh_interval = "soon"
secrets = [{ name = "s", key = "b/s" }]
"#;
    let (_, diags, _) = run(&format!("{HEAD}{body}"));
    let mut codes: Vec<&str> = diags.0.iter().map(|d| d.code.name()).collect();
    codes.sort_unstable();
    assert_eq!(
        codes,
        [
            "invalid-duration",
            "invalid-namespace",
            "key-outside-prefix",
            "reserved-namespace"
        ]
    );
}
