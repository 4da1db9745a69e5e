//! `esogen check`: validates and plans the tenants files, collecting every
//! finding, and writes nothing. Consumes a [`CheckRequest`]; produces a
//! [`CheckReport`].

use std::path::PathBuf;

use super::Exit;
use crate::cli::{CheckArgs, Deny};
use crate::diag::{Diagnostics, Severity};
use crate::load::load;
use crate::pipeline;
use crate::source::Sources;

/// Which tenants file to check, and how strictly.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckRequest {
    /// The main tenants file.
    pub config: PathBuf,
    /// Whether warnings fail the check.
    pub warnings: Warnings,
}

/// Whether warnings fail the check (`--deny warnings`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Warnings {
    /// Only errors fail it (the default).
    Allow,
    /// Warnings fail it too.
    Deny,
}

impl From<&CheckArgs> for CheckRequest {
    fn from(args: &CheckArgs) -> Self {
        Self {
            config: args.config.path(),
            warnings: match args.deny {
                Some(Deny::Warnings) => Warnings::Deny,
                None => Warnings::Allow,
            },
        }
    }
}

/// What a check found.
#[derive(Debug)]
pub struct CheckReport {
    /// The tenants files read, for rendering `diagnostics`.
    pub sources: Sources,
    /// Every finding.
    pub diagnostics: Diagnostics,
    /// The verdict.
    pub verdict: Verdict,
}

/// The verdict of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// A tenants file could not be read; the diagnostics say which.
    Unreadable,
    /// No finding at all.
    NoFindings,
    /// Findings, none that fails the check.
    Passed,
    /// An error, or a warning under [`Warnings::Deny`].
    Failed,
}

impl CheckReport {
    /// The exit code this check ends with.
    pub fn exit(&self) -> Exit {
        match self.verdict {
            Verdict::Unreadable => Exit::Error,
            Verdict::Failed => Exit::Findings,
            Verdict::NoFindings | Verdict::Passed => Exit::Ok,
        }
    }
}

/// Runs `check` as `req` says.
pub fn check(req: &CheckRequest) -> CheckReport {
    let loaded = match load(&req.config) {
        Ok(l) => l,
        Err((sources, diagnostics)) => {
            return CheckReport {
                sources,
                diagnostics,
                verdict: Verdict::Unreadable,
            };
        }
    };
    let (checked, diagnostics) = loaded.run(pipeline::check);
    // Only the findings are needed: the config and plan are freed beside
    // printing them.
    crate::parallel::drop_aside(checked);
    let warnings = diagnostics
        .0
        .iter()
        .any(|d| d.severity == Severity::Warning);
    let verdict = if diagnostics.has_errors() || (req.warnings == Warnings::Deny && warnings) {
        Verdict::Failed
    } else if diagnostics.is_empty() {
        Verdict::NoFindings
    } else {
        Verdict::Passed
    };
    CheckReport {
        sources: loaded.sources,
        diagnostics,
        verdict,
    }
}
