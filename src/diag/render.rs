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

/// `--max-diagnostics` when not given: enough to fix a file by, few enough
/// that a config with thousands of mistakes does not flood a CI log.
pub const DEFAULT_MAX_DIAGNOSTICS: usize = 50;

/// How many findings a run prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Every finding.
    All,
    /// At most this many: errors first, then warnings, then notes. The rest
    /// are counted.
    First(usize),
}

impl Limit {
    /// `--max-diagnostics N`: `0` means no limit.
    pub fn from_max(n: usize) -> Self {
        if n == 0 { Limit::All } else { Limit::First(n) }
    }
}

/// Findings counted by severity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Errors.
    pub errors: usize,
    /// Warnings.
    pub warnings: usize,
    /// Notes.
    pub notes: usize,
}

impl Counts {
    fn of<'a>(ds: impl IntoIterator<Item = &'a Diagnostic>) -> Self {
        let mut c = Counts::default();
        for d in ds {
            *c.get_mut(d.severity) += 1;
        }
        c
    }

    fn get_mut(&mut self, s: Severity) -> &mut usize {
        match s {
            Severity::Error => &mut self.errors,
            Severity::Warning => &mut self.warnings,
            Severity::Note => &mut self.notes,
        }
    }

    /// All findings counted.
    pub fn total(&self) -> usize {
        self.errors + self.warnings + self.notes
    }
}

/// The findings one run prints, and how many it leaves out.
#[derive(Debug, Clone)]
pub struct Report<'a> {
    /// The findings to print, in the order given.
    shown: Vec<&'a Diagnostic>,
    /// Every `secret-value` finding, printed or not: what no format may echo.
    secrets: Vec<&'a Diagnostic>,
    /// Every finding, counted.
    total: Counts,
}

impl<'a> Report<'a> {
    /// Picks the findings to print from `ds` (already in display order):
    /// under a limit, errors first, then warnings, then notes, each in
    /// their order in `ds`, so an error is never hidden behind notes.
    pub fn new(ds: &[&'a Diagnostic], limit: Limit) -> Self {
        let total = Counts::of(ds.iter().copied());
        let mut quota = match limit {
            Limit::All => total,
            Limit::First(max) => {
                let errors = total.errors.min(max);
                let warnings = total.warnings.min(max - errors);
                Counts {
                    errors,
                    warnings,
                    notes: total.notes.min(max - errors - warnings),
                }
            }
        };
        let shown = ds
            .iter()
            .copied()
            .filter(|d| {
                let left = quota.get_mut(d.severity);
                let keep = *left > 0;
                *left = left.saturating_sub(1);
                keep
            })
            .collect();
        let secrets = ds
            .iter()
            .copied()
            .filter(|d| d.code == super::Code::SecretValue)
            .collect();
        Self {
            shown,
            secrets,
            total,
        }
    }

    /// Every finding of `ds`.
    pub fn all(ds: &[&'a Diagnostic]) -> Self {
        Self::new(ds, Limit::All)
    }

    /// The findings left out, counted.
    pub fn omitted(&self) -> Counts {
        let shown = Counts::of(self.shown.iter().copied());
        Counts {
            errors: self.total.errors - shown.errors,
            warnings: self.total.warnings - shown.warnings,
            notes: self.total.notes - shown.notes,
        }
    }
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

/// Copies of the findings a report prints with every credential kept out,
/// whatever the format: the text of each `secret-value` span (printed or
/// not; as written, unquoted, and decoded from TOML escapes) is replaced by
/// `[redacted]` in every message, label and help, and a finding with a
/// label on a line that holds a secret is shown without source lines (the
/// bool). Findings such as "`AKIA...` is not a 12-digit account id" would
/// otherwise print the key. Secrets are matched in one pass per text and
/// lines found by binary search, so thousands of secrets and findings cost
/// n log n, not their product.
fn conceal(sources: &Sources, report: &Report) -> Vec<(Diagnostic, bool)> {
    let mut secrets: Vec<String> = Vec::new();
    let mut lines: Vec<(FileId, std::ops::Range<usize>)> = Vec::new();
    for span in report
        .secrets
        .iter()
        .filter_map(|d| d.primary.as_ref().map(|l| &l.span))
    {
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
        // Inclusive of the line's end: a label that starts right after
        // the line (on its newline) still touches it.
        lines.push((span.file, start..end + 1));
    }
    let lines = crate::source::RangeSet::new(lines);
    // Short strings would redact ordinary words; every pattern is longer.
    secrets.retain(|s| s.len() >= 8);
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    secrets.dedup();
    // Longest match first, as replacing the longest secrets first would.
    let matcher = aho_corasick::AhoCorasick::builder()
        .match_kind(aho_corasick::MatchKind::LeftmostLongest)
        .build(&secrets)
        .ok();
    let redact = |text: &str| {
        let out = crate::source::escape_unsafe(text);
        match &matcher {
            Some(m) if !secrets.is_empty() => {
                let mut redacted = String::with_capacity(out.len());
                m.replace_all_with(&out, &mut redacted, |_, _, dst| {
                    dst.push_str("[redacted]");
                    true
                });
                redacted
            }
            Some(_) => out,
            // The automaton could not be built (it never is in practice):
            // one secret at a time.
            None => secrets.iter().fold(out, |acc, secret| {
                acc.replace(secret.as_str(), "[redacted]")
            }),
        }
    };
    report
        .shown
        .iter()
        .map(|d| {
            if d.code == super::Code::SecretValue {
                let mut d = (*d).clone();
                d.message = crate::source::escape_unsafe(&d.message);
                return (d, true);
            }
            let mut d = (*d).clone();
            d.message = redact(&d.message);
            d.help = d.help.as_deref().map(redact);
            let mut hide = false;
            for l in d.primary.iter_mut().chain(d.secondary.iter_mut()) {
                l.message = redact(&l.message);
                hide |= lines.overlaps(l.span.file, &(l.span.range.start..l.span.range.end + 1));
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
    render_report(sources, &Report::all(ds), color)
}

/// Renders the findings a report prints, a line counting those it leaves
/// out, then the count of all findings; an empty string when there are none.
pub fn render_report(sources: &Sources, report: &Report, color: ColorChoice) -> String {
    let mut out = String::new();
    let findings = conceal(sources, report);
    // Made only for findings to show: it copies and scans every file.
    let display = if findings.is_empty() {
        None
    } else {
        sources.for_display()
    };
    let shown = display.as_ref().unwrap_or(sources);
    for (d, hide) in findings {
        out.push_str(&render_one(shown, &d, hide, color));
    }
    let omitted = report.omitted();
    if omitted.total() > 0 {
        out.push_str(&format!(
            "… {} not shown; run with `--max-diagnostics 0` to see all\n",
            counted_more(omitted)
        ));
    }
    let (errors, warnings) = (report.total.errors, report.total.warnings);
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

/// "1950 more errors and 3 warnings": the non-zero counts in words.
fn counted_more(c: Counts) -> String {
    let parts: Vec<String> = [
        (c.errors, "error"),
        (c.warnings, "warning"),
        (c.notes, "note"),
    ]
    .into_iter()
    .filter(|(n, _)| *n > 0)
    .enumerate()
    .map(|(i, (n, what))| {
        format!(
            "{n} {}{what}{}",
            if i == 0 { "more " } else { "" },
            if n == 1 { "" } else { "s" }
        )
    })
    .collect();
    match parts.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => "no more findings".to_owned(),
    }
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
    #[serde(flatten)]
    findings: JsonFindings,
}

/// The `diagnostics` and `summary` fields of every JSON document esogen
/// prints (`check`, `generate`, `diff`, `explain`), the same everywhere.
#[derive(Debug, serde::Serialize)]
pub struct JsonFindings {
    diagnostics: Vec<JsonDiagnostic>,
    summary: JsonSummary,
}

#[derive(Debug, serde::Serialize)]
struct JsonSummary {
    /// Every finding, listed or not.
    errors: usize,
    warnings: usize,
    notes: usize,
    /// Findings left out of `diagnostics` by `--max-diagnostics`.
    omitted: usize,
}

/// The stable machine format: `{"version": 1, "diagnostics": [...], "summary": {...}}`.
pub fn render_json(sources: &Sources, ds: &[&Diagnostic]) -> String {
    render_json_report(sources, &Report::all(ds))
}

/// [`render_json`] of the findings a report prints; `summary` counts every
/// finding and, in `omitted`, how many `diagnostics` leaves out.
pub fn render_json_report(sources: &Sources, report: &Report) -> String {
    let report_doc = JsonReport {
        version: 1,
        findings: json_findings(sources, report),
    };
    let mut s = serde_json::to_string_pretty(&report_doc).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

/// The findings a report prints, for a JSON document (secrets in the
/// source lines concealed, as in every format).
pub fn json_findings(sources: &Sources, report: &Report) -> JsonFindings {
    let concealed = conceal(sources, report);
    JsonFindings {
        diagnostics: concealed
            .iter()
            .map(|(d, _)| JsonDiagnostic {
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
            errors: report.total.errors,
            warnings: report.total.warnings,
            notes: report.total.notes,
            omitted: report.omitted().total(),
        },
    }
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
    render_github_report(sources, &Report::all(ds))
}

/// [`render_github`] of the findings a report prints, then one `notice`
/// counting those it leaves out (GitHub itself shows only the first few
/// annotations of a step).
pub fn render_github_report(sources: &Sources, report: &Report) -> String {
    let mut out = String::new();
    for (d, _) in conceal(sources, report) {
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
    let omitted = report.omitted();
    if omitted.total() > 0 {
        out.push_str(&format!(
            "::notice title={}::{}\n",
            gh_escape_property("esogen"),
            gh_escape_data(&format!(
                "{} not shown; run esogen check with `--max-diagnostics 0` to see all",
                counted_more(omitted)
            ))
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Code;

    #[test]
    fn a_limit_keeps_errors_first_in_their_order_and_counts_the_rest() {
        let ds = [
            Diagnostic::note(Code::RefreshOnce, "n1"),
            Diagnostic::error(Code::InvalidName, "e1"),
            Diagnostic::warning(Code::StaticCredentials, "w1"),
            Diagnostic::error(Code::InvalidName, "e2"),
            Diagnostic::note(Code::RefreshOnce, "n2"),
        ];
        let refs: Vec<&Diagnostic> = ds.iter().collect();
        let shown = |limit| -> Vec<String> {
            Report::new(&refs, limit)
                .shown
                .iter()
                .map(|d| d.message.clone())
                .collect()
        };
        assert_eq!(shown(Limit::First(1)), ["e1"]);
        assert_eq!(shown(Limit::First(3)), ["e1", "w1", "e2"]);
        assert_eq!(shown(Limit::First(4)), ["n1", "e1", "w1", "e2"]);
        assert_eq!(shown(Limit::All), ["n1", "e1", "w1", "e2", "n2"]);
        assert_eq!(shown(Limit::from_max(0)), shown(Limit::All));
        let omitted = Report::new(&refs, Limit::First(2)).omitted();
        assert_eq!(
            omitted,
            Counts {
                errors: 0,
                warnings: 1,
                notes: 2
            }
        );
        assert_eq!(counted_more(omitted), "1 more warning and 2 notes");
    }
}
