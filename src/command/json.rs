//! `--format json` of `generate`, `diff` and `explain`: one document on
//! standard output per run, its shape documented in the README and stable
//! within its `version` (fields are added, never renamed or removed; an
//! optional field is absent rather than null). Every document ends with
//! the `diagnostics` and `summary` of `check --format json`.

use serde::Serialize;

use super::explain::{ExplainReport, Explained};
use super::generate::{Files, GenerateError, GenerateReport, Mode, Outcome};
use crate::diag::render::{self, JsonFindings, Limit, Report};
use crate::explain::Explanation;
use crate::redact::url_credentials;
use crate::sync::git::CommitOutcome;
use crate::sync::message::Summary;

/// The document of `generate` and `diff`.
#[derive(Debug, Serialize)]
pub struct GenerateJson {
    /// The shape's version.
    pub version: u32,
    /// `generate` or `diff`.
    pub command: &'static str,
    /// `write`, `check` (`generate --check`), `diff` or `commit`.
    pub mode: &'static str,
    /// The main tenants file read.
    pub config: String,
    /// The output root.
    pub out: String,
    /// How the run ended: `written`, `up-to-date`, `stale`, `committed`,
    /// `invalid` (configuration errors; nothing written), `unreadable` (a
    /// tenants file could not be read) or `failed` (see `error`).
    pub result: &'static str,
    /// Teams, namespaces and file counts added, changed and removed
    /// (optional: only when the run compared the output).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<Summary>,
    /// Every path added, changed and removed (optional: as `plan`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub files: Option<FilesJson>,
    /// The commit (optional: `--commit` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitJson>,
    /// The push (optional: `--push` only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push: Option<PushJson>,
    /// The unified diff (optional: `diff`, and `generate --check` when
    /// stale).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<String>,
    /// Why the run failed (optional: `result` is `failed`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What the run noticed about the output root and left alone (files
    /// esogen did not generate, ...), one sentence each; may be empty.
    pub notes: Vec<String>,
    /// The findings, as `check --format json` gives them.
    #[serde(flatten)]
    pub findings: JsonFindings,
}

/// Paths relative to the output root.
#[derive(Debug, Serialize)]
pub struct FilesJson {
    /// Added.
    pub added: Vec<String>,
    /// Changed.
    pub changed: Vec<String>,
    /// Removed.
    pub removed: Vec<String>,
}

/// A commit made, or not needed.
#[derive(Debug, Serialize)]
pub struct CommitJson {
    /// The branch committed to.
    pub branch: String,
    /// The new commit's id (optional: absent when nothing changed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The message's first line.
    pub subject: String,
}

/// A push.
#[derive(Debug, Serialize)]
pub struct PushJson {
    /// The remote, credentials redacted.
    pub remote: String,
    /// The branch pushed.
    pub branch: String,
    /// Whether the remote took it.
    pub ok: bool,
}

impl From<Files> for FilesJson {
    fn from(f: Files) -> Self {
        Self {
            added: f.added,
            changed: f.changed,
            removed: f.removed,
        }
    }
}

/// The document for a `generate` or `diff` run.
pub fn generate(
    report: GenerateReport,
    mode: &Mode,
    config: String,
    out: String,
    limit: Limit,
) -> GenerateJson {
    let sorted = report.diagnostics.sorted();
    let findings = render::json_findings(&report.sources, &Report::new(&sorted, limit));
    let (command, mode_name) = match mode {
        Mode::Check => ("generate", "check"),
        Mode::Diff => ("diff", "diff"),
        Mode::Write => ("generate", "write"),
        Mode::Commit(_) => ("generate", "commit"),
    };
    let mut doc = GenerateJson {
        version: 1,
        command,
        mode: mode_name,
        config,
        out,
        result: "failed",
        plan: report.plan,
        files: report.files.map(FilesJson::from),
        commit: None,
        push: None,
        diff: None,
        error: None,
        notes: report.notes.iter().map(ToString::to_string).collect(),
        findings,
    };
    match report.outcome {
        Err(e) => doc.error = Some(error_text(e)),
        Ok(outcome) => fill(&mut doc, outcome),
    }
    doc
}

fn error_text(e: GenerateError) -> String {
    url_credentials(&format!("{:#}", anyhow::Error::from(e)))
}

fn fill(doc: &mut GenerateJson, outcome: Outcome) {
    doc.result = match outcome {
        Outcome::Unreadable => "unreadable",
        Outcome::Invalid => "invalid",
        Outcome::Fresh { .. }
        | Outcome::Matches { .. }
        | Outcome::Unchanged { .. }
        | Outcome::Recovered { .. } => "up-to-date",
        Outcome::Written(_) => "written",
        Outcome::Stale(stale) => {
            doc.diff = Some(stale.diff);
            "stale"
        }
        Outcome::Committed { commit, push } => {
            let subject = commit.subject().to_owned();
            doc.commit = Some(CommitJson {
                id: match &commit.outcome {
                    CommitOutcome::Committed { id, .. } => Some(id.clone()),
                    CommitOutcome::Unchanged => None,
                },
                branch: commit.branch,
                subject,
            });
            if let Some(push) = push {
                if let Err(e) = &push.result {
                    doc.result = "failed";
                    doc.error = Some(url_credentials(&format!("{e:#}")));
                }
                doc.push = Some(PushJson {
                    remote: url_credentials(&push.remote),
                    branch: push.branch,
                    ok: push.result.is_ok(),
                });
                if doc.error.is_some() {
                    return;
                }
            }
            "committed"
        }
    };
    if doc.command == "diff" && doc.result == "up-to-date" {
        doc.diff = Some(String::new());
    }
}

/// The document of `explain`.
#[derive(Debug, Serialize)]
pub struct ExplainJson {
    /// The shape's version.
    pub version: u32,
    /// `explained`, `invalid`, `unreadable` or `unknown-namespace`.
    pub result: &'static str,
    /// The explanation (optional: `result` is `explained`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explanation: Option<Explanation>,
    /// The namespace asked for (optional: `unknown-namespace` only), and
    /// every namespace there is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unknown: Option<UnknownJson>,
    /// The findings, as `check --format json` gives them.
    #[serde(flatten)]
    pub findings: JsonFindings,
}

/// A namespace that is not one of any team.
#[derive(Debug, Serialize)]
pub struct UnknownJson {
    /// The name asked for.
    pub wanted: String,
    /// The closest namespace (optional).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<String>,
    /// Every namespace.
    pub namespaces: Vec<String>,
}

/// The document for an `explain` run.
pub fn explain(report: ExplainReport, limit: Limit) -> ExplainJson {
    let sorted = report.diagnostics.sorted();
    let findings = render::json_findings(&report.sources, &Report::new(&sorted, limit));
    let mut doc = ExplainJson {
        version: 1,
        result: "explained",
        explanation: None,
        unknown: None,
        findings,
    };
    match report.outcome {
        Explained::Unreadable => doc.result = "unreadable",
        Explained::Invalid => doc.result = "invalid",
        Explained::Model(e) => doc.explanation = Some(e),
        Explained::UnknownNamespace {
            wanted,
            suggestion,
            namespaces,
        } => {
            doc.result = "unknown-namespace";
            doc.unknown = Some(UnknownJson {
                wanted,
                suggestion,
                namespaces,
            });
        }
    }
    doc
}
