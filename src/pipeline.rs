//! The pure part of the pipeline in one call: config text → validated config
//! → plan → manifests → output tree. No I/O; `app` and the tests use it.

use crate::config::{self, Config, ConfigFile};
use crate::diag::Diagnostics;
use crate::manifest;
use crate::plan::{self, Plan};
use crate::render::{self, RenderError};
use crate::source::Sources;
use crate::tree::OutputTree;

/// What the pure pipeline produced.
#[derive(Debug)]
pub struct Generated {
    /// The validated config.
    pub config: Config,
    /// The plan.
    pub plan: Plan,
    /// The files.
    pub tree: OutputTree,
}

/// Why the pipeline stopped.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    /// The config has errors; the diagnostics say which.
    #[error("the configuration has errors")]
    Invalid,
    /// Serializing failed (a bug).
    #[error(transparent)]
    Render(#[from] RenderError),
    /// Building manifests failed (a bug).
    #[error("cannot build manifests")]
    Manifest(#[from] serde_json::Error),
}

/// The tenants files of one run: the main file and `tenants.d/*.toml`.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The main file.
    pub main: ConfigFile<'a>,
    /// Team files, in the order they are merged (file name order).
    pub teams: &'a [ConfigFile<'a>],
    /// The main file's name, written into generated headers.
    pub source_name: &'a str,
}

/// Validates and plans only: every finding, no files.
pub fn check(inputs: Inputs) -> (Option<(Config, Plan)>, Diagnostics) {
    let (config, mut diags) = config::validate(inputs.main, inputs.teams, inputs.source_name);
    let Some(config) = config else {
        return (None, diags);
    };
    let (plan, plan_diags) = plan::build(&config);
    diags.extend(plan_diags.0);
    match plan {
        Some(plan) if !diags.has_errors() => (Some((config, plan)), diags),
        _ => (None, diags),
    }
}

/// Runs the whole pure pipeline on one file's text.
pub fn generate(inputs: Inputs) -> (Result<Generated, PipelineError>, Diagnostics) {
    let source_name = inputs.source_name;
    let (checked, diags) = check(inputs);
    let Some((config, plan)) = checked else {
        return (Err(PipelineError::Invalid), diags);
    };
    let result = manifest::build::build(&plan)
        .map_err(PipelineError::from)
        .and_then(|artifacts| {
            let namespaces = plan
                .namespaces
                .iter()
                .map(|n| (n.namespace.to_string(), n.team.to_string()))
                .collect();
            Ok(render::render_tree(artifacts, source_name, &namespaces)?)
        })
        .map(|tree| Generated { config, plan, tree });
    (result, diags)
}

/// Convenience for tests and tools: registers `text` as `name` and runs the
/// pipeline.
pub fn generate_text(
    name: &str,
    text: &str,
) -> (Sources, Result<Generated, PipelineError>, Diagnostics) {
    let mut sources = Sources::new();
    let file = sources.add(name, text);
    let (r, d) = generate(Inputs {
        main: ConfigFile { file, text },
        teams: &[],
        source_name: name,
    });
    (sources, r, d)
}
