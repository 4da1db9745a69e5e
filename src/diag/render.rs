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

/// Renders one diagnostic the way a compiler would: header, `file:line:col`,
/// the source line with a marker under the span, then the help note.
pub fn render_human(sources: &Sources, d: &Diagnostic, color: ColorChoice) -> String {
    let config = term::Config::default();
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
    for d in ds {
        out.push_str(&render_human(sources, d, color));
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
