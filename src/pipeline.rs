//! The pure part of the pipeline in one call: config text → validated config
//! → plan → manifests → output tree. No I/O; `command` and the tests use it.

#[cfg(test)]
mod on_every_core;
#[cfg(test)]
mod remembered;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use crate::config::memo::TeamMemo;
use crate::config::{self, Config, ConfigFile, Remember};
use crate::diag::Diagnostics;
use crate::manifest::build::Builder;
use crate::plan::{self, ExternalSecretPlan, NamespacePlan, Plan, TeamPlan};
use crate::render::{self, RenderError};
use crate::source::Sources;
use crate::tree::{OutputTree, SafePath, UnsafePath};

/// What the pure pipeline produced.
#[derive(Debug)]
pub struct Generated {
    /// Each tenant namespace's team: all that is read of the plan from
    /// here.
    pub teams: BTreeMap<String, String>,
    /// The rest of the plan, only to free.
    pub spent: SpentPlan,
    /// The files.
    pub tree: OutputTree,
    /// One entry per unit (each tenant namespace and each team with files
    /// of its own, interleaved, then the ownership record): its fingerprint
    /// and files, for the local cache of the next incremental run.
    pub units: Vec<Unit>,
    /// The files outside every unit (shared bases, delivery objects, the
    /// `.gitignore` of `.esogen/`), sorted.
    pub global: Vec<String>,
    /// The teams validated, for the next run (`config::memo`); only when
    /// asked for and nothing was found.
    pub memo: Option<TeamMemo>,
}

/// What is left of a plan once rendered: memory for the caller to free as
/// it frees the rest of the run (or to leave to the process's exit). Its
/// namespaces' ExternalSecrets went as each namespace was rendered, so
/// nothing is read from it.
#[derive(Debug)]
pub struct SpentPlan {
    _plan: Plan,
}

/// The files of one unit (a tenant namespace, or a team's admission
/// policy) and the fingerprint of their inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unit {
    /// The namespace, `team:<name>` for a team's unit, or the ownership
    /// record's path for the record.
    pub namespace: String,
    /// [`Builder::fingerprint`] of the namespace ([`Builder::team_fingerprint`]
    /// of a team, the record's digest for the record).
    pub fingerprint: String,
    /// Its files (`overlays/<ns>/...`, `policies/<ns>/...`), sorted.
    pub files: Vec<String>,
    /// True when the files were kept from the last run, not rendered.
    pub kept: bool,
}

/// What the last run left on disk, asked per namespace by an incremental
/// run. Implemented by the local cache (`sync::cache`); the pipeline itself
/// does no I/O.
pub trait Previous: Sync {
    /// The files of `namespace` when the last run generated them from inputs
    /// with this `fingerprint` and every one of them is still on disk as that
    /// run left it; `None` on any doubt (the namespace is then rendered).
    fn unchanged(&self, namespace: &str, fingerprint: &str) -> Option<Vec<String>>;
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
    let (checked, diags, _) = check_remembering(inputs, None);
    (checked, diags)
}

/// [`check`], restoring the teams `remember` holds instead of validating
/// them again, and giving the memo for the next run (see
/// `config::validate_remembering`).
fn check_remembering(
    inputs: Inputs,
    remember: Option<Remember<'_>>,
) -> (Option<(Config, Plan)>, Diagnostics, Option<TeamMemo>) {
    let (config, mut diags, memo) =
        config::validate_remembering(inputs.main, inputs.teams, inputs.source_name, remember);
    let Some(config) = config else {
        return (None, diags, None);
    };
    let (plan, plan_diags) = plan::build(&config);
    diags.extend(plan_diags.0);
    match plan {
        Some(plan) if !diags.has_errors() => (Some((config, plan)), diags, memo),
        _ => (None, diags, None),
    }
}

/// Runs the whole pure pipeline: every file rendered.
pub fn generate(inputs: Inputs) -> (Result<Generated, PipelineError>, Diagnostics) {
    generate_incremental(inputs, None, None)
}

/// Runs the pure pipeline, rendering only the tenant namespaces that
/// `previous` does not vouch for (all of them without it) plus the global
/// files. Namespaces are built and rendered on every core, one at a time,
/// so their typed objects never all exist at once.
///
/// With `remember`, the teams the last run's memo holds are restored rather
/// than parsed and validated, and [`Generated::memo`] is the memo for the
/// next run.
pub fn generate_incremental(
    inputs: Inputs,
    previous: Option<&dyn Previous>,
    remember: Option<Remember<'_>>,
) -> (Result<Generated, PipelineError>, Diagnostics) {
    let source_name = inputs.source_name;
    let (checked, diags, memo) = check_remembering(inputs, remember);
    let Some((config, mut plan)) = checked else {
        return (Err(PipelineError::Invalid), diags);
    };
    // Everything the files need is in the plan.
    crate::parallel::drop_aside(config);
    let result = render_plan(&mut plan, source_name, previous).map(|r| Generated {
        teams: r.teams,
        spent: SpentPlan { _plan: plan },
        tree: r.tree,
        units: r.units,
        global: r.global,
        memo,
    });
    (result, diags)
}

/// A scoped thread's result; its panic goes on in the caller.
/// What one namespace produced.
enum UnitFiles {
    /// Kept paths: for the tree, and sorted for the unit (copied on the
    /// worker, not on the thread that assembles the tree).
    Kept(Vec<String>, Vec<String>),
    Rendered(Vec<(String, Vec<u8>)>),
}

/// A namespace's ExternalSecrets, taken out of the plan for the worker
/// that renders the namespace, which drops them: the rendered files reuse
/// their memory (25 MB at 20,000 teams, at the peak of a full run).
type Handed = Mutex<Vec<Arc<ExternalSecretPlan>>>;

/// One unit of work: a tenant namespace, or a team's own files.
#[derive(Clone, Copy)]
enum Work<'p> {
    Namespace(&'p NamespacePlan, &'p Handed),
    Team(&'p TeamPlan),
}

impl Work<'_> {
    /// The unit's key in the local cache.
    fn key(&self) -> String {
        match self {
            Work::Namespace(ns, _) => ns.namespace.to_string(),
            Work::Team(t) => Builder::team_key(t),
        }
    }
}

/// The whole plan of namespace `ns` again, with the ExternalSecrets handed
/// to it; they are dropped with it.
fn with_handed(ns: &NamespacePlan, handed: &Handed) -> NamespacePlan {
    let mut secrets = handed.lock().unwrap_or_else(PoisonError::into_inner);
    NamespacePlan {
        namespace: ns.namespace.clone(),
        team: ns.team.clone(),
        provider: ns.provider.clone(),
        scope: ns.scope,
        external_secrets: std::mem::take(&mut *secrets),
    }
}

/// What [`render_plan`] made ([`Generated`] without the plan and memo).
struct RenderedPlan {
    teams: BTreeMap<String, String>,
    tree: OutputTree,
    units: Vec<Unit>,
    global: Vec<String>,
}

/// A unit of work with what was handed to it.
enum Taken<'p> {
    Namespace(NamespacePlan),
    Team(&'p TeamPlan),
}

fn render_unit(
    builder: &Builder,
    work: Work<'_>,
    head: &str,
    source_name: &str,
    previous: Option<&dyn Previous>,
) -> Result<(String, UnitFiles), PipelineError> {
    // A namespace's plan is whole again here, and goes when this returns.
    let taken = match work {
        Work::Namespace(ns, handed) => Taken::Namespace(with_handed(ns, handed)),
        Work::Team(t) => Taken::Team(t),
    };
    let fingerprint = match &taken {
        Taken::Namespace(ns) => builder.fingerprint(ns),
        Taken::Team(t) => builder.team_fingerprint(t),
    };
    if let Some(files) = previous.and_then(|p| p.unchanged(&work.key(), &fingerprint)) {
        let mut sorted = files.clone();
        sorted.sort_unstable();
        return Ok((fingerprint, UnitFiles::Kept(files, sorted)));
    }
    let artifacts = match &taken {
        Taken::Namespace(ns) => builder.namespace(ns)?,
        Taken::Team(t) => builder.team(t),
    };
    let files = artifacts
        .into_iter()
        .map(|a| render::render_artifact(a, head, source_name))
        .collect::<Result<_, _>>()?;
    Ok((fingerprint, UnitFiles::Rendered(files)))
}

/// The units in the order they are spread over the cores: namespaces and
/// teams evenly mixed, so that every contiguous chunk gets its share of
/// both (a team's policy costs more than a namespace's files).
fn interleave<'p>(
    namespaces: &'p [NamespacePlan],
    handed: &'p [Handed],
    teams: &'p [TeamPlan],
) -> Vec<Work<'p>> {
    let mut out = Vec::with_capacity(namespaces.len() + teams.len());
    let mut next_team = teams.iter();
    for (i, (ns, handed)) in namespaces.iter().zip(handed).enumerate() {
        out.push(Work::Namespace(ns, handed));
        let due = (i + 1) * teams.len() / namespaces.len();
        while out.len() - (i + 1) < due {
            match next_team.next() {
                Some(t) => out.push(Work::Team(t)),
                None => break,
            }
        }
    }
    out.extend(next_team.map(Work::Team));
    out
}

/// A unit as its worker hands it to the assembly: kept paths already
/// checked (so the check runs on every core, not on the thread that
/// assembles the tree), with the digest of its sorted paths for the
/// ownership record.
enum Ready {
    Kept(Vec<Result<SafePath, UnsafePath>>, Vec<String>),
    Rendered(Vec<(String, Vec<u8>)>),
}

/// A unit's files made ready for the assembly, on the worker that kept or
/// rendered them.
fn ready(fingerprint: String, files: UnitFiles) -> (String, Ready, render::PathsDigest) {
    match files {
        UnitFiles::Kept(for_tree, sorted) => {
            let digest = render::PathsDigest::of(sorted.iter().map(String::as_str));
            let checked = for_tree.into_iter().map(SafePath::parse).collect();
            (fingerprint, Ready::Kept(checked, sorted), digest)
        }
        UnitFiles::Rendered(files) => {
            let mut paths: Vec<&str> = files.iter().map(|(p, _)| p.as_str()).collect();
            paths.sort_unstable();
            let digest = render::PathsDigest::of(paths);
            (fingerprint, Ready::Rendered(files), digest)
        }
    }
}

/// Renders `plan`'s files, keeping the units `previous` vouches for. Each
/// namespace's ExternalSecrets are taken out of the plan and dropped once
/// the namespace is done; nothing else reads them.
fn render_plan(
    plan: &mut Plan,
    source_name: &str,
    previous: Option<&dyn Previous>,
) -> Result<RenderedPlan, PipelineError> {
    let handed: Vec<Handed> = plan
        .namespaces
        .iter_mut()
        .map(|n| Mutex::new(std::mem::take(&mut n.external_secrets)))
        .collect();
    let plan: &Plan = plan;
    let builder = Builder::new(plan)?;
    let head = render::header(source_name);
    type Rendered = Result<Vec<(String, Vec<u8>)>, PipelineError>;
    let work = interleave(&plan.namespaces, &handed, builder.team_units());
    // The shared files are built and rendered next to the units.
    let (global_files, parts): (Rendered, _) = crate::parallel::join(
        || {
            builder
                .global()
                .into_iter()
                .map(|a| Ok(render::render_artifact(a, &head, source_name)?))
                .collect()
        },
        || {
            crate::parallel::chunks(&work, |part| {
                part.iter()
                    .map(|w| {
                        let (fingerprint, files) =
                            render_unit(&builder, *w, &head, source_name, previous)?;
                        Ok(ready(fingerprint, files))
                    })
                    .collect::<Result<Vec<_>, PipelineError>>()
            })
        },
    );
    let namespaces = plan
        .namespaces
        .iter()
        .map(|n| (n.namespace.to_string(), n.team.to_string()))
        .collect();
    // The record's digest takes the global files' paths in the order they
    // are built, then each unit's digest: the same whether a unit was kept
    // or rendered.
    let mut record = render::RecordDigest::new(source_name, &namespaces);
    let mut tree = OutputTree::new();
    let mut global = Vec::new();
    for (path, bytes) in global_files? {
        global.push(path.clone());
        record.path(&path);
        tree.insert(path, bytes).map_err(RenderError::from)?;
    }
    let results = parts.into_iter().flat_map(|p| match p {
        Ok(v) => v.into_iter().map(Ok).collect::<Vec<_>>(),
        Err(e) => vec![Err(e)],
    });
    let mut units = assemble(&work, results.collect(), &mut tree, &mut record)?;
    render::finish_ignore(&mut tree, source_name)?;
    global.push(render::IGNORE_FILE.to_owned());
    record.path(render::IGNORE_FILE);
    global.sort();
    units.push(ownership_unit(
        &mut tree,
        record,
        source_name,
        &namespaces,
        previous,
    )?);
    Ok(RenderedPlan {
        teams: namespaces,
        tree,
        units,
        global,
    })
}

/// Puts the units' files into `tree` in unit order and folds each unit's
/// digest into `record`; the units for the cache.
fn assemble(
    work: &[Work<'_>],
    results: Vec<Result<(String, Ready, render::PathsDigest), PipelineError>>,
    tree: &mut OutputTree,
    record: &mut render::RecordDigest,
) -> Result<Vec<Unit>, PipelineError> {
    let kept_paths = results
        .iter()
        .map(|r| match r {
            Ok((_, Ready::Kept(p, _), _)) => p.len(),
            _ => 0,
        })
        .sum();
    tree.reserve_kept(kept_paths);
    let mut units = Vec::with_capacity(work.len() + 1);
    for (w, result) in work.iter().zip(results) {
        let (fingerprint, files, digest) = result?;
        let (paths, kept) = match files {
            Ready::Kept(checked, sorted) => {
                for p in checked {
                    tree.keep_safe(p.map_err(RenderError::from)?)
                        .map_err(RenderError::from)?;
                }
                (sorted, true)
            }
            Ready::Rendered(files) => {
                let mut paths = Vec::with_capacity(files.len());
                for (p, bytes) in files {
                    paths.push(p.clone());
                    tree.insert(p, bytes).map_err(RenderError::from)?;
                }
                paths.sort_unstable();
                (paths, false)
            }
        };
        record.unit(&digest);
        units.push(Unit {
            namespace: w.key(),
            fingerprint,
            files: paths,
            kept,
        });
    }
    Ok(units)
}

/// The ownership record as a unit of its own, keyed by its path (no
/// namespace or `team:` key has a `/`): kept when the last run wrote it
/// from the same digest and it is on disk as that run left it, so a
/// one-team change neither sorts nor serializes every path again; else
/// written into `tree`.
fn ownership_unit(
    tree: &mut OutputTree,
    record: render::RecordDigest,
    source_name: &str,
    namespaces: &BTreeMap<String, String>,
    previous: Option<&dyn Previous>,
) -> Result<Unit, PipelineError> {
    let fingerprint = record.hex();
    let record_path = crate::tree::OWNERSHIP_FILE;
    let kept = previous
        .and_then(|p| p.unchanged(record_path, &fingerprint))
        .is_some_and(|files| files == [record_path]);
    if kept {
        tree.keep(record_path.to_owned())
            .map_err(RenderError::from)?;
    } else {
        render::finish_record(tree, source_name, namespaces)?;
    }
    Ok(Unit {
        namespace: record_path.to_owned(),
        fingerprint,
        files: vec![record_path.to_owned()],
        kept,
    })
}

/// Convenience for tests and tools: registers `text` as `name` and checks
/// it (validation and plan, no files).
pub fn check_text(name: &str, text: &str) -> (Sources, Option<(Config, Plan)>, Diagnostics) {
    let mut sources = Sources::new();
    let file = sources.add(name, text);
    let (checked, d) = check(Inputs {
        main: ConfigFile { file, text },
        teams: &[],
        source_name: name,
    });
    (sources, checked, d)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The rendering takes each namespace's ExternalSecrets out of the plan
    /// and drops them once the namespace is done, so that the rendered
    /// files reuse their memory; the files are those of the plan as it was,
    /// global ones included (the Helm values turn PushSecret on when a
    /// secret is pushed).
    #[test]
    fn each_namespace_drops_its_external_secrets_once_rendered() {
        let examples = [
            (include_str!("../tenants.toml"), false),
            (
                include_str!("../examples/aws-secrets-manager/tenants.toml"),
                true,
            ),
        ];
        for (text, pushes) in examples {
            let (_sources, checked, diags) = check_text("tenants.toml", text);
            let Some((_, mut plan)) = checked else {
                panic!("the example checks: {diags:?}");
            };
            assert_eq!(plan.uses_push(), pushes);
            let whole = crate::manifest::build::build(&plan).unwrap();
            let secrets: Vec<std::sync::Weak<ExternalSecretPlan>> = plan
                .namespaces
                .iter()
                .flat_map(|n| n.external_secrets.iter().map(Arc::downgrade))
                .collect();
            assert!(secrets.len() > 2, "the example has ExternalSecrets");
            let RenderedPlan {
                tree, units, teams, ..
            } = render_plan(&mut plan, "tenants.toml", None).unwrap();
            let alive = secrets.iter().filter(|s| s.upgrade().is_some()).count();
            assert_eq!(alive, 0, "ExternalSecrets still held after rendering");
            assert!(units.iter().all(|u| !u.kept));
            let head = render::header("tenants.toml");
            let mut paths = 0;
            for artifact in whole {
                let (path, bytes) =
                    render::render_artifact(artifact, &head, "tenants.toml").unwrap();
                let got = tree.get(&path).map(|b| String::from_utf8_lossy(b));
                assert_eq!(got, Some(String::from_utf8_lossy(&bytes)), "{path}");
                paths += 1;
            }
            // Beside the built files: the ownership record and `.gitignore`.
            assert_eq!(tree.paths().len(), paths + 2);
            assert_eq!(teams.len(), plan.namespaces.len());
        }
    }
}
