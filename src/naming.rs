//! User naming patterns such as `role_name = "eso-{{namespace}}"`: the only
//! place handlebars is used. Consumes a pattern's text; produces a compiled
//! `Pattern` (strict mode: an unknown variable is an error) that renders names
//! from `PatternVars`.

use std::sync::Arc;

use handlebars::{Handlebars, RenderErrorReason};
use serde::Serialize;

use crate::diag::{Code, Diagnostic, suggest};
use crate::source::Span;

/// The variables a naming pattern may use. Every field is always present, so
/// strict mode turns a typo such as `{{namespcae}}` into an error.
#[derive(Debug, Clone, Serialize)]
pub struct PatternVars {
    /// `[cluster] name`.
    pub cluster: String,
    /// The team the identity serves (for a shared ClusterSecretStore, the
    /// team names joined by `-`).
    pub team: String,
    /// The namespace the ServiceAccount lives in.
    pub namespace: String,
    /// The `[providers.NAME]` table name.
    pub provider: String,
}

/// The variable names, for help texts.
pub const VARIABLES: &[&str] = &["cluster", "team", "namespace", "provider"];

/// Why a pattern could not be compiled or rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatternError {
    /// The handlebars syntax is wrong.
    #[error("{0}")]
    Syntax(String),
    /// The pattern uses a variable esogen does not provide.
    #[error("unknown variable `{0}`")]
    UnknownVariable(String),
    /// Rendering failed for another reason (a helper error).
    #[error("{0}")]
    Render(String),
}

/// A compiled naming pattern.
#[derive(Clone)]
pub struct Pattern {
    source: String,
    registry: Arc<Handlebars<'static>>,
}

impl std::fmt::Debug for Pattern {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Pattern({:?})", self.source)
    }
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.source == other.source
    }
}

const NAME: &str = "pattern";

/// Naming patterns need only variables: every `{{...}}` must hold one plain
/// name. Blocks, partials, inline partials, helpers and triple braces are
/// refused before handlebars sees the text: strict mode does not stop them,
/// and a recursive partial or thousands of nested blocks overflow its stack.
fn only_variables(source: &str) -> Result<(), PatternError> {
    let mut rest = source;
    while let Some(open) = rest.find("{{") {
        let after = &rest[open + 2..];
        let Some(close) = after.find("}}") else {
            return Err(PatternError::Syntax(
                "`{{` is never closed with `}}`".into(),
            ));
        };
        let inner = after[..close].trim();
        let is_name =
            !inner.is_empty() && inner.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !is_name {
            let shown: String = inner.chars().take(40).collect();
            return Err(PatternError::Syntax(format!(
                "`{{{{{shown}}}}}` is not a variable: naming patterns take only variables such as `{{{{namespace}}}}`, without helpers, blocks or partials"
            )));
        }
        rest = &after[close + 2..];
    }
    Ok(())
}

impl Pattern {
    /// Compiles `source` in strict mode with HTML escaping off, then renders it
    /// once with placeholder values so an unknown variable fails here, at load
    /// time, rather than for one team later.
    pub fn compile(source: &str) -> Result<Self, PatternError> {
        only_variables(source)?;
        let mut hb = Handlebars::new();
        hb.set_strict_mode(true);
        hb.register_escape_fn(handlebars::no_escape);
        hb.register_template_string(NAME, source)
            .map_err(|e| PatternError::Syntax(e.reason().to_string()))?;
        let pattern = Self {
            source: source.to_owned(),
            registry: Arc::new(hb),
        };
        pattern.render(&PatternVars {
            cluster: "c".into(),
            team: "t".into(),
            namespace: "n".into(),
            provider: "p".into(),
        })?;
        Ok(pattern)
    }

    /// The pattern as written.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// Renders a name.
    pub fn render(&self, vars: &PatternVars) -> Result<String, PatternError> {
        self.registry
            .render(NAME, vars)
            .map_err(|e| match e.reason() {
                RenderErrorReason::MissingVariable(Some(v)) => {
                    PatternError::UnknownVariable(v.clone())
                }
                RenderErrorReason::MissingVariable(None) => {
                    PatternError::UnknownVariable("(unnamed)".into())
                }
                RenderErrorReason::TemplateError(t) => PatternError::Syntax(t.reason().to_string()),
                other => PatternError::Render(other.to_string()),
            })
            // handlebars renders into an 8 KiB buffer; a name kept per store
            // must not hold on to it (BENCHMARKS.md, "Memory").
            .map(|name| name.as_str().to_owned())
    }
}

/// Turns a naming pattern failure into a diagnostic on the pattern.
pub fn pattern_diagnostic(e: &PatternError, span: &Span) -> Diagnostic {
    match e {
        PatternError::UnknownVariable(name) => {
            let mut d = Diagnostic::error(
                Code::PatternVariable,
                format!("naming pattern uses unknown variable `{name}`"),
            )
            .at_labelled(span, "in this pattern");
            let known = VARIABLES
                .iter()
                .map(|v| format!("`{{{{{v}}}}}`"))
                .collect::<Vec<_>>()
                .join(", ");
            d = match suggest(name, VARIABLES.iter().copied()) {
                Some(s) => d.help(format!("did you mean `{{{{{s}}}}}`? variables: {known}")),
                None => d.help(format!("variables: {known}")),
            };
            d
        }
        PatternError::Syntax(msg) => Diagnostic::error(
            Code::PatternSyntax,
            format!("naming pattern is not a valid template: {msg}"),
        )
        .at(span)
        .help("patterns are handlebars templates such as `eso-{{namespace}}`"),
        PatternError::Render(msg) => Diagnostic::error(
            Code::PatternSyntax,
            format!("naming pattern failed to render: {msg}"),
        )
        .at(span),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 14, item 3: a recursive inline partial or thousands of nested
    /// blocks overflowed handlebars' stack (the process aborted); naming
    /// patterns now take variables only, refused before handlebars parses.
    #[test]
    fn issue_14_patterns_take_only_variables() {
        let deep = format!(
            "{}x{}",
            "{{#if cluster}}".repeat(6000),
            "{{/if}}".repeat(6000)
        );
        for bad in [
            r#"{{#*inline "p"}}{{> p}}{{/inline}}{{> p}}"#,
            deep.as_str(),
            "eso-{{> other}}",
            "{{#each namespace}}x{{/each}}",
            r#"eso-{{lookup this "namespace"}}"#,
            "eso-{{{namespace}}}",
            "eso-{{namespace",
            "eso-{{}}",
        ] {
            assert!(
                matches!(Pattern::compile(bad), Err(PatternError::Syntax(_))),
                "{}",
                &bad[..bad.len().min(60)]
            );
        }
        for good in ["eso-{{namespace}}", "{{ cluster }}-{{team}}", "plain"] {
            assert!(Pattern::compile(good).is_ok(), "{good}");
        }
    }

    fn vars() -> PatternVars {
        PatternVars {
            cluster: "prod".into(),
            team: "payments".into(),
            namespace: "payments-batch".into(),
            provider: "aws".into(),
        }
    }

    #[test]
    fn renders_known_variables_without_escaping() {
        let p = Pattern::compile("eso-{{cluster}}-{{namespace}}&{{team}}").unwrap();
        assert_eq!(
            p.render(&vars()).unwrap(),
            "eso-prod-payments-batch&payments"
        );
    }

    #[test]
    fn unknown_variable_is_an_error_at_compile_time() {
        assert_eq!(
            Pattern::compile("eso-{{namespcae}}").unwrap_err(),
            PatternError::UnknownVariable("namespcae".into())
        );
    }

    #[test]
    fn syntax_error() {
        assert!(matches!(
            Pattern::compile("eso-{{namespace"),
            Err(PatternError::Syntax(_))
        ));
    }
}
