//! `esogen explain`: the decisions for the cluster and each namespace, with
//! their reasons, from a valid configuration. Consumes an
//! [`ExplainRequest`]; produces an [`ExplainReport`] (the text itself comes
//! from `crate::explain`).

use std::path::PathBuf;

use super::Exit;
use crate::cli::ExplainArgs;
use crate::diag::Diagnostics;
use crate::load::load;
use crate::pipeline;
use crate::source::Sources;

/// What to explain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExplainRequest {
    /// The main tenants file.
    pub config: PathBuf,
    /// Only this namespace; `None`: the cluster and every namespace.
    pub namespace: Option<String>,
}

impl From<&ExplainArgs> for ExplainRequest {
    fn from(args: &ExplainArgs) -> Self {
        Self {
            config: args.config.path(),
            namespace: args.namespace.clone(),
        }
    }
}

/// What `explain` found.
#[derive(Debug)]
pub struct ExplainReport {
    /// The tenants files read, for rendering `diagnostics`.
    pub sources: Sources,
    /// Every finding.
    pub diagnostics: Diagnostics,
    /// The explanation, or why there is none.
    pub outcome: Explained,
}

/// The explanation, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Explained {
    /// A tenants file could not be read; the diagnostics say which.
    Unreadable,
    /// The configuration has errors; explaining needs a valid one.
    Invalid,
    /// The explanation (`Display` renders it as text).
    Model(crate::explain::Explanation),
    /// The namespace asked for is not one of any team.
    UnknownNamespace {
        /// The name asked for.
        wanted: String,
        /// The closest namespace name, if one is close.
        suggestion: Option<String>,
        /// Every namespace, in plan order.
        namespaces: Vec<String>,
    },
}

impl ExplainReport {
    /// The exit code this run ends with.
    pub fn exit(&self) -> Exit {
        match self.outcome {
            Explained::Model(_) => Exit::Ok,
            _ => Exit::Error,
        }
    }
}

/// Runs `explain` as `req` says.
pub fn explain(req: &ExplainRequest) -> ExplainReport {
    let loaded = match load(&req.config) {
        Ok(l) => l,
        Err((sources, diagnostics)) => {
            return ExplainReport {
                sources,
                diagnostics,
                outcome: Explained::Unreadable,
            };
        }
    };
    let (checked, diagnostics) = loaded.run(pipeline::check);
    let outcome = match checked {
        None => Explained::Invalid,
        Some((_, plan)) => match crate::explain::explanation(&plan, req.namespace.as_deref()) {
            Some(model) => Explained::Model(model),
            None => {
                let namespaces: Vec<String> = plan
                    .namespaces
                    .iter()
                    .map(|n| n.namespace.to_string())
                    .collect();
                let wanted = req.namespace.clone().unwrap_or_default();
                let suggestion =
                    crate::diag::suggest(&wanted, namespaces.iter().map(String::as_str))
                        .map(str::to_owned);
                Explained::UnknownNamespace {
                    wanted,
                    suggestion,
                    namespaces,
                }
            }
        },
    };
    ExplainReport {
        sources: loaded.sources,
        diagnostics,
        outcome,
    }
}

impl std::fmt::Display for Explained {
    /// The text, or the error line(s) shown for its absence.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Explained::Unreadable => Ok(()),
            Explained::Invalid => {
                f.write_str("fix the errors above; explain needs a valid configuration")
            }
            Explained::Model(model) => model.fmt(f),
            Explained::UnknownNamespace {
                wanted,
                suggestion,
                namespaces,
            } => {
                let hint = match suggestion {
                    Some(s) => format!("did you mean `{s}`? "),
                    None => String::new(),
                };
                write!(
                    f,
                    "error: `{wanted}` is not a namespace of any team\n  = help: {hint}namespaces: {}",
                    namespaces.join(", ")
                )
            }
        }
    }
}
