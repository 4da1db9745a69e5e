//! Turns `Diagnostic` values into text for people. Consumes `Sources` and
//! diagnostics; produces strings. The only place that knows how findings look.

use codespan_reporting::diagnostic as cs;
use codespan_reporting::term::{self, termcolor};

use super::{Diagnostic, Severity};
use crate::source::{FileId, Sources};

/// Whether rendered output carries ANSI colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    /// Plain text (files, pipes, snapshots).
    Never,
    /// ANSI colours (a terminal).
    Always,
}

fn to_codespan(d: &Diagnostic) -> cs::Diagnostic<FileId> {
    let severity = match d.severity {
        Severity::Note => cs::Severity::Note,
        Severity::Warning => cs::Severity::Warning,
        Severity::Error => cs::Severity::Error,
    };
    let mut labels = Vec::new();
    if let Some(p) = &d.primary {
        labels.push(
            cs::Label::primary(p.span.file, p.span.range.clone()).with_message(p.message.clone()),
        );
    }
    for s in &d.secondary {
        labels.push(
            cs::Label::secondary(s.span.file, s.span.range.clone()).with_message(s.message.clone()),
        );
    }
    let mut out = cs::Diagnostic::new(severity)
        .with_code(d.code.name())
        .with_message(d.message.clone())
        .with_labels(labels);
    if let Some(h) = &d.help {
        out = out.with_notes(vec![format!("help: {h}")]);
    }
    out
}

/// Copies of the findings with every credential kept out, whatever the
/// format: the text of each `secret-value` span (as written, unquoted, and
/// decoded from TOML escapes) is replaced by `[redacted]` in every message,
/// label and help, and a finding with a label on a line that holds a secret
/// is shown without source lines (the bool). Findings such as "`AKIA...` is
/// not a 12-digit account id" would otherwise print the key.
fn conceal(sources: &Sources, ds: &[&Diagnostic]) -> Vec<(Diagnostic, bool)> {
    let spans: Vec<&crate::source::Span> = ds
        .iter()
        .filter(|d| d.code == super::Code::SecretValue)
        .filter_map(|d| d.primary.as_ref().map(|l| &l.span))
        .collect();
    let mut secrets: Vec<String> = Vec::new();
    let mut lines: Vec<(FileId, std::ops::Range<usize>)> = Vec::new();
    for span in &spans {
        let text = sources.text(span.file);
        let Some(raw) = text.get(span.range.clone()) else {
            continue;
        };
        secrets.push(raw.to_owned());
        secrets.push(raw.trim_matches(|c| c == '"' || c == '\'').to_owned());
        if let Some(v) = toml::from_str::<toml::Table>(&format!("v = {raw}"))
            .ok()
            .and_then(|t| t.get("v").and_then(toml::Value::as_str).map(str::to_owned))
        {
            secrets.push(v);
        }
        let start = text[..span.range.start].rfind('\n').map_or(0, |i| i + 1);
        let end = text[span.range.end..]
            .find('\n')
            .map_or(text.len(), |i| span.range.end + i);
        lines.push((span.file, start..end));
    }
    // Short strings would redact ordinary words; every pattern is longer.
    secrets.retain(|s| s.len() >= 8);
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    let redact = |text: &str| {
        let mut out = text.to_owned();
        for secret in &secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), "[redacted]");
            }
        }
        out
    };
    ds.iter()
        .map(|d| {
            if d.code == super::Code::SecretValue {
                return ((*d).clone(), true);
            }
            let mut d = (*d).clone();
            d.message = redact(&d.message);
            d.help = d.help.as_deref().map(redact);
            let mut hide = false;
            for l in d.primary.iter_mut().chain(d.secondary.iter_mut()) {
                l.message = redact(&l.message);
                hide |= lines.iter().any(|(file, r)| {
                    *file == l.span.file
                        && l.span.range.start <= r.end
                        && r.start <= l.span.range.end
                });
            }
            (d, hide)
        })
        .collect()
}

/// Renders one diagnostic the way a compiler would: header, `file:line:col`,
/// the source line with a marker under the span, then the help note. Use
/// [`render_all`] for findings that may involve a secret value.
pub fn render_human(sources: &Sources, d: &Diagnostic, color: ColorChoice) -> String {
    render_one(sources, d, d.code == super::Code::SecretValue, color)
}

fn render_one(sources: &Sources, d: &Diagnostic, hide_source: bool, color: ColorChoice) -> String {
    let mut config = term::Config::default();
    if hide_source {
        // Never echo the line holding a secret into CI logs: location only.
        config.display_style = term::DisplayStyle::Short;
    }
    let cs = to_codespan(d);
    match color {
        ColorChoice::Never => {
            term::emit_into_string(&config, sources.files(), &cs).unwrap_or_else(|_| fallback(d))
        }
        ColorChoice::Always => {
            let mut buf = termcolor::Buffer::ansi();
            match term::emit_to_write_style(&mut buf, &config, sources.files(), &cs) {
                Ok(()) => String::from_utf8_lossy(buf.as_slice()).into_owned(),
                Err(_) => fallback(d),
            }
        }
    }
}

/// Used only when a span no longer fits its file (which would be a bug):
/// the finding is still shown, without the source excerpt.
fn fallback(d: &Diagnostic) -> String {
    let sev = match d.severity {
        Severity::Note => "note",
        Severity::Warning => "warning",
        Severity::Error => "error",
    };
    let mut s = format!("{sev}[{}]: {}\n", d.code.name(), d.message);
    if let Some(h) = &d.help {
        s.push_str(&format!("  = help: {h}\n"));
    }
    s
}

/// Renders all findings followed by a one-line count, or an empty string when
/// there are none.
pub fn render_all(sources: &Sources, ds: &[&Diagnostic], color: ColorChoice) -> String {
    let mut out = String::new();
    for (d, hide) in conceal(sources, ds) {
        out.push_str(&render_one(sources, &d, hide, color));
    }
    let errors = ds.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = ds
        .iter()
        .filter(|d| d.severity == Severity::Warning)
        .count();
    if errors + warnings > 0 {
        out.push_str(&format!(
            "{} error{}, {} warning{}\n",
            errors,
            if errors == 1 { "" } else { "s" },
            warnings,
            if warnings == 1 { "" } else { "s" }
        ));
    }
    out
}

/// A position in a file, one-based.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct Position {
    /// File name as given.
    pub file: String,
    /// Line.
    pub line: usize,
    /// Column (characters).
    pub column: usize,
    /// Line of the span's end.
    pub end_line: usize,
    /// Column of the span's end (exclusive).
    pub end_column: usize,
}

fn position(sources: &Sources, l: &super::Label) -> Position {
    let (line, column) = sources.line_col(l.span.file, l.span.range.start);
    let (end_line, end_column) = sources.line_col(l.span.file, l.span.range.end);
    Position {
        file: sources.name(l.span.file),
        line,
        column,
        end_line,
        end_column,
    }
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Note => "note",
        Severity::Warning => "warning",
        Severity::Error => "error",
    }
}

/// One finding in the JSON format.
#[derive(Debug, serde::Serialize)]
struct JsonDiagnostic {
    code: &'static str,
    severity: &'static str,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Position>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JsonRelated>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<String>,
}

#[derive(Debug, serde::Serialize)]
struct JsonRelated {
    message: String,
    location: Position,
}

#[derive(Debug, serde::Serialize)]
struct JsonReport {
    /// Format version; bumped only on incompatible changes.
    version: u32,
    diagnostics: Vec<JsonDiagnostic>,
    summary: JsonSummary,
}

#[derive(Debug, serde::Serialize)]
struct JsonSummary {
    errors: usize,
    warnings: usize,
    notes: usize,
}

/// The stable machine format: `{"version": 1, "diagnostics": [...], "summary": {...}}`.
pub fn render_json(sources: &Sources, ds: &[&Diagnostic]) -> String {
    let concealed = conceal(sources, ds);
    let ds: Vec<&Diagnostic> = concealed.iter().map(|(d, _)| d).collect();
    let count = |s: Severity| ds.iter().filter(|d| d.severity == s).count();
    let report = JsonReport {
        version: 1,
        diagnostics: ds
            .iter()
            .map(|d| JsonDiagnostic {
                code: d.code.name(),
                severity: severity_name(d.severity),
                message: d.message.clone(),
                location: d.primary.as_ref().map(|l| position(sources, l)),
                related: d
                    .secondary
                    .iter()
                    .map(|l| JsonRelated {
                        message: l.message.clone(),
                        location: position(sources, l),
                    })
                    .collect(),
                help: d.help.clone(),
            })
            .collect(),
        summary: JsonSummary {
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            notes: count(Severity::Note),
        },
    };
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// Escapes a GitHub workflow command's message.
fn gh_escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a GitHub workflow command's property value.
fn gh_escape_property(s: &str) -> String {
    gh_escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub Actions workflow commands, so findings show inline on the PR.
pub fn render_github(sources: &Sources, ds: &[&Diagnostic]) -> String {
    let mut out = String::new();
    for (d, _) in conceal(sources, ds) {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "notice",
        };
        let mut props = vec![format!(
            "title={}",
            gh_escape_property(&format!("esogen {}", d.code.name()))
        )];
        if let Some(l) = &d.primary {
            let p = position(sources, l);
            props.insert(0, format!("file={}", gh_escape_property(&p.file)));
            props.insert(1, format!("line={}", p.line));
            props.insert(2, format!("col={}", p.column));
            props.insert(3, format!("endLine={}", p.end_line));
            props.insert(4, format!("endColumn={}", p.end_column));
        }
        let mut message = d.message.clone();
        if let Some(h) = &d.help {
            message.push_str("\nhelp: ");
            message.push_str(h);
        }
        out.push_str(&format!(
            "::{level} {}::{}\n",
            props.join(","),
            gh_escape_data(&message)
        ));
    }
    out
}
