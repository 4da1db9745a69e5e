//! `esogen generate` in each of its modes (`--check`, `diff`, write,
//! `--commit`): loads the tenants files, proves the output up to date from
//! the local cache when it can, runs the pipeline keeping the namespaces
//! the cache vouches for, then compares, writes or commits, and records the
//! cache for the next run. Consumes a [`GenerateRequest`]; produces a
//! [`GenerateReport`].

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::{Exit, MemoryHints, NoProgress, Phase, Progress};
use crate::cli::{DiffArgs, GenerateArgs};
use crate::config::Remember;
use crate::config::memo::TeamMemo;
use crate::diag::Diagnostics;
use crate::diag::render::ColorChoice;
use crate::load::{Loaded, load};
use crate::pipeline::{self, Generated, PipelineError};
use crate::source::Sources;
use crate::sync::cache::{self, AfterWrite, Cache};
use crate::sync::commit::{
    Commit, CommitError, CommitOptions, Committer, Content, OtherStaged, process_env,
};
use crate::sync::diff::{self, ChangeSet, DiffColor};
use crate::sync::git::{GitError, GitRepo};
use crate::sync::message::{self, Summary};
use crate::sync::{Note, SyncError, journal, write};
use crate::timing::Timeline;
use crate::tree::OutputTree;

/// What to generate from which tenants file, and what to do with it.
#[derive(Debug, Clone)]
pub struct GenerateRequest {
    /// The main tenants file.
    pub config: PathBuf,
    /// The output root.
    pub out: PathBuf,
    /// What to do with the tree.
    pub mode: Mode,
    /// Whether the diff of a stale tree is coloured.
    pub color: ColorChoice,
    /// Whether the report lists every file added, changed and removed
    /// ([`GenerateReport::files`]), for `--verbose` and `--format json`.
    pub list_files: bool,
}

/// What `generate` does with the tree.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Compare only, for a summary and a diff (`generate --check`).
    Check,
    /// Compare only, for a diff (`diff`).
    Diff,
    /// Write the changes.
    Write,
    /// Write and commit on the checked-out branch, or commit to another
    /// branch.
    Commit(CommitOptions),
}

impl GenerateRequest {
    /// `generate` with its flags; `color` is standard error's.
    pub fn from_generate(args: GenerateArgs, color: ColorChoice) -> Self {
        let mode = if args.check {
            Mode::Check
        } else if args.commit {
            Mode::Commit(CommitOptions {
                branch: args.branch,
                push: args.push,
                author: args.author,
                committer: args.committer,
                other_staged: if args.allow_staged {
                    OtherStaged::Include
                } else {
                    OtherStaged::Refuse
                },
                env: process_env,
            })
        } else {
            Mode::Write
        };
        Self {
            out: out_dir(&args.config.path(), args.out),
            config: args.config.path(),
            mode,
            color,
            list_files: false,
        }
    }

    /// `diff` with its flags; `color` is standard output's.
    pub fn from_diff(args: DiffArgs, color: ColorChoice) -> Self {
        Self {
            out: out_dir(&args.config.path(), args.out),
            config: args.config.path(),
            mode: Mode::Diff,
            color,
            list_files: false,
        }
    }
}

/// The output root: `out`, else the directory holding the config file.
pub fn out_dir(config: &Path, out: Option<PathBuf>) -> PathBuf {
    out.unwrap_or_else(|| {
        config
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    })
}

/// What a `generate` run found and did.
#[derive(Debug)]
pub struct GenerateReport {
    /// The tenants files read, for rendering `diagnostics`.
    pub sources: Sources,
    /// Every finding about the tenants files (none when the cache proved
    /// the output up to date: the files were not checked again).
    pub diagnostics: Diagnostics,
    /// What the run noticed about the output root and left alone.
    pub notes: Vec<Note>,
    /// When each phase ended, for `ESOGEN_TIMINGS` and `--verbose`.
    pub phases: Vec<crate::timing::Phase>,
    /// What the run changes by team, namespace and file, once compared
    /// (not when the cache proved the output up to date, nor for
    /// `--commit --branch`, which compares in git).
    pub plan: Option<Summary>,
    /// Every file added, changed and removed, when the request asked for
    /// the list (`list_files`) and the run compared.
    pub files: Option<Files>,
    /// The outcome, or why the run stopped.
    pub outcome: Result<Outcome, GenerateError>,
}

impl GenerateReport {
    /// The exit code this run ends with.
    pub fn exit(&self) -> Exit {
        match &self.outcome {
            Err(_)
            | Ok(
                Outcome::Unreadable
                | Outcome::Invalid
                | Outcome::Committed {
                    push: Some(Push { result: Err(_), .. }),
                    ..
                },
            ) => Exit::Error,
            Ok(Outcome::Stale(_)) => Exit::Findings,
            Ok(_) => Exit::Ok,
        }
    }
}

/// How a run ended, when it did not fail. `Display` gives the line shown
/// for it: the summary lines for [`Outcome::Stale`] (its diff is apart),
/// nothing for [`Outcome::Unreadable`] (the diagnostics say it all).
#[derive(Debug)]
pub enum Outcome {
    /// A tenants file could not be read; the diagnostics say which.
    Unreadable,
    /// The configuration has errors; nothing was written.
    Invalid,
    /// The local cache proves every file up to date: inputs unchanged and
    /// every file as the last run left it. Nothing was compared.
    Fresh {
        /// Files proved up to date.
        files: usize,
        /// The main tenants file.
        config: PathBuf,
    },
    /// Compared (`--check`, `diff`): the output matches.
    Matches {
        /// Files up to date.
        files: usize,
        /// The main tenants file.
        config: PathBuf,
    },
    /// Compared (`--check`, `diff`): the output differs.
    Stale(Stale),
    /// Nothing needed writing.
    Unchanged {
        /// Files up to date.
        files: usize,
    },
    /// Nothing changed, but an interrupted run's leftovers were cleaned up.
    Recovered {
        /// Files up to date.
        files: usize,
    },
    /// The changes were written.
    Written(Written),
    /// Committed (or nothing to commit), and pushed when asked.
    Committed {
        /// The commit.
        commit: Commit,
        /// The push, when `--push` was given.
        push: Option<Push>,
    },
}

/// The paths a run added, changed and removed (or would, for `--check`
/// and `diff`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Files {
    /// Added.
    pub added: Vec<String>,
    /// Changed.
    pub changed: Vec<String>,
    /// Removed.
    pub removed: Vec<String>,
}

/// What differs between the tree and the output root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    /// The main tenants file.
    pub config: PathBuf,
    /// Files to add.
    pub added: Vec<String>,
    /// Files to change.
    pub changed: Vec<String>,
    /// Files to remove.
    pub removed: Vec<String>,
    /// The unified diff of all of them.
    pub diff: String,
}

/// What a run that wrote changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// Tenant namespaces generated.
    pub namespaces: usize,
    /// Files added.
    pub added: usize,
    /// Files changed.
    pub changed: usize,
    /// Files removed.
    pub removed: usize,
    /// Files already up to date.
    pub unchanged: usize,
}

/// A push of the committed branch.
#[derive(Debug)]
pub struct Push {
    /// The remote as given (may carry credentials: shown redacted).
    pub remote: String,
    /// The branch pushed.
    pub branch: String,
    /// What the remote said (its `remote:` lines), or why the push failed.
    pub result: Result<Vec<String>, GitError>,
}

/// Why a `generate` run stopped.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The output root is a file (or another non-directory).
    #[error(
        "the output root `{}` is not a directory: pass the directory that holds (or will hold) bases/, overlays/ and policies/ with `--out DIR`",
        .0.display()
    )]
    OutNotADirectory(PathBuf),
    /// The commit target was refused, before anything was written.
    #[error(transparent)]
    Git(#[from] GitError),
    /// Committing failed.
    #[error(transparent)]
    Commit(#[from] CommitError),
    /// Building or serializing the tree failed (a bug).
    #[error("generating the output tree failed")]
    Pipeline(#[source] PipelineError),
    /// Comparing the tree with the output root failed.
    #[error("comparing with `{}`", out.display())]
    Compare {
        /// The output root.
        out: PathBuf,
        /// Cause.
        #[source]
        source: SyncError,
    },
    /// Writing the tree failed.
    #[error("writing to `{}`", out.display())]
    Write {
        /// The output root.
        out: PathBuf,
        /// Cause.
        #[source]
        source: SyncError,
    },
}

/// Runs `generate` as `req` says. Never prints; `hints` tell the
/// allocator what the run is about to do.
pub fn generate(req: &GenerateRequest, hints: &dyn MemoryHints) -> GenerateReport {
    generate_with_progress(req, hints, &NoProgress)
}

/// [`generate`], telling `progress` what the run is doing as it goes.
pub fn generate_with_progress(
    req: &GenerateRequest,
    hints: &dyn MemoryHints,
    progress: &dyn Progress,
) -> GenerateReport {
    let mut timeline = Timeline::start();
    let mut report = GenerateReport {
        sources: Sources::new(),
        diagnostics: Diagnostics::default(),
        notes: Vec::new(),
        phases: Vec::new(),
        plan: None,
        files: None,
        outcome: Ok(Outcome::Unreadable),
    };
    let run_ctx = Run { req, progress };
    report.outcome = run(run_ctx, hints, &mut report, &mut timeline);
    report.phases = timeline.into_phases();
    report
}

/// The request and where to report progress.
#[derive(Clone, Copy)]
struct Run<'a> {
    req: &'a GenerateRequest,
    progress: &'a dyn Progress,
}

/// A run past the fast path: what its later steps share.
struct Prepared<'a> {
    req: &'a GenerateRequest,
    progress: &'a dyn Progress,
    loaded: Loaded,
    /// The tenants files' paths and texts, for the cache.
    inputs: Vec<(String, crate::load::InputDigest)>,
    /// What the last run left, when it can be trusted.
    cache: Option<Cache>,
    /// How what the run no longer needs is freed.
    freeing: Freeing<'a>,
}

/// How a run frees what it no longer needs (the plan, the tree, the
/// caches).
#[derive(Clone, Copy)]
struct Freeing<'a> {
    hints: &'a dyn MemoryHints,
    /// An incremental run hands it to [`MemoryHints::left_to_exit`]; a full
    /// run frees it on another thread at once, so that its peak stays that
    /// of its tree.
    incremental: bool,
}

impl Freeing<'_> {
    fn free<T: Send + 'static>(self, value: T) {
        if self.incremental {
            self.hints.left_to_exit(Box::new(value));
        } else {
            crate::parallel::drop_aside(value);
        }
    }
}

fn run(
    ctx: Run<'_>,
    hints: &dyn MemoryHints,
    report: &mut GenerateReport,
    timeline: &mut Timeline,
) -> Result<Outcome, GenerateError> {
    let req = ctx.req;
    ctx.progress.phase(Phase::Reading);
    if req.out.exists() && !req.out.is_dir() {
        return Err(GenerateError::OutNotADirectory(req.out.clone()));
    }
    // A commit that cannot land where the user expects is refused before
    // anything is written.
    if let Mode::Commit(c) = &req.mode {
        GitRepo::discover(&req.out)?.check_commit_target(c.branch.as_deref())?;
    }
    // The local cache is read on another core while the tenants files are
    // read and digested: nothing else can start before both are there.
    let (cache, loaded) = crate::parallel::join(|| previous_run(req), || load(&req.config));
    let mut loaded = match loaded {
        Ok(l) => l,
        Err((sources, diagnostics)) => {
            report.sources = sources;
            report.diagnostics = diagnostics;
            return Ok(Outcome::Unreadable);
        }
    };
    report.sources = std::mem::take(&mut loaded.sources);
    let inputs = loaded.cache_inputs();
    if !matches!(req.mode, Mode::Commit(_))
        && let Some(files) = cache.as_ref().and_then(|c| c.is_fresh(&inputs))
    {
        return Ok(Outcome::Fresh {
            files,
            config: req.config.clone(),
        });
    }
    timeline.mark("cache loaded");
    ctx.progress.phase(Phase::Generating);
    // The memo is kept where the cache is recorded afterwards: a run that
    // writes, or commits on the checked-out branch.
    let remember = match &req.mode {
        Mode::Write => true,
        Mode::Commit(c) => c.branch.is_none(),
        Mode::Check | Mode::Diff => false,
    };
    let Some((generated, incremental)) = build(
        &loaded,
        cache.as_ref(),
        remember,
        hints,
        &mut report.diagnostics,
    )?
    else {
        return Ok(Outcome::Invalid);
    };
    // What is freed from here on (the plan, written bytes) is not needed
    // again.
    hints.release_promptly();
    let prepared = Prepared {
        req,
        progress: ctx.progress,
        loaded,
        inputs,
        cache,
        freeing: Freeing { hints, incremental },
    };
    match &req.mode {
        Mode::Commit(options) => commit(prepared, options, generated, report, timeline),
        Mode::Check | Mode::Diff | Mode::Write => {
            timeline.mark("generated (read, checked, built, rendered)");
            sync_tree(prepared, generated, report, timeline)
        }
    }
}

/// The local cache, when this run may use it. Committing to another branch
/// needs every file's bytes (nothing is on disk there): no namespace is
/// kept then. After an interrupted run (its journal or temporary files are
/// still there) nothing the cache says is trusted: the full path finishes
/// or undoes that run.
fn previous_run(req: &GenerateRequest) -> Option<Cache> {
    let interrupted =
        journal::pending(&req.out).is_some() || !diff::private_leftovers(&req.out).is_empty();
    match &req.mode {
        Mode::Commit(c) if c.branch.is_some() => None,
        _ if interrupted => None,
        _ => Cache::load(&req.out),
    }
}

/// Runs the pure pipeline, keeping the namespaces `cache` vouches for;
/// `None` when the configuration has errors (the diagnostics say which).
///
/// With `remember`, the teams the cache's memo holds are restored instead
/// of parsed and validated, and the result carries the memo for the next
/// run.
fn build(
    loaded: &Loaded,
    cache: Option<&Cache>,
    remember: bool,
    hints: &dyn MemoryHints,
    diagnostics: &mut Diagnostics,
) -> Result<Option<(Generated, bool)>, GenerateError> {
    let watched = cache.map(|c| {
        hints.reuse_freed();
        Watched::new(c, hints)
    });
    let previous = watched.as_ref().map(|w| w as &dyn pipeline::Previous);
    let memo = cache.and_then(|c| TeamMemo::decode(&c.memo));
    let remember = remember.then_some(Remember {
        previous: memo.as_ref(),
    });
    // The kept files are stat'ed on another core while this one validates
    // and plans; not once the run turned out to be a full one.
    let ahead = |stop: &std::sync::atomic::AtomicBool| {
        if let (Some(c), Some(w)) = (cache, &watched) {
            c.check_ahead(|| stop.load(Ordering::Relaxed) || !w.stayed_incremental());
        }
    };
    let (result, diags) = crate::parallel::meanwhile(ahead, || {
        loaded.run(|i| pipeline::generate_incremental(i, previous, remember))
    });
    crate::parallel::drop_aside(memo);
    *diagnostics = diags;
    let incremental = watched.as_ref().is_some_and(Watched::stayed_incremental);
    match result {
        Ok(g) => Ok(Some((g, incremental))),
        Err(PipelineError::Invalid) => Ok(None),
        Err(e) => Err(GenerateError::Pipeline(e)),
    }
}

/// Compares (`--check`, `diff`) or writes the tree, then records the cache.
fn sync_tree(
    prepared: Prepared<'_>,
    generated: Generated,
    report: &mut GenerateReport,
    timeline: &mut Timeline,
) -> Result<Outcome, GenerateError> {
    let req = prepared.req;
    // Only the files are needed from here: the plan goes, so the peak
    // memory is the tree, not the tree and the plan.
    let Generated {
        teams: now,
        spent,
        tree,
        units,
        global,
        memo,
    } = generated;
    prepared.freeing.free(spent);
    let namespaces = now.len();
    prepared.progress.phase(Phase::Comparing);
    let mut changes = compare(&req.out, &tree, prepared.cache.as_ref())?;
    report.notes = Note::from_changes(&changes);
    planned(&prepared, &tree, &changes, &now, report);
    if let Mode::Check | Mode::Diff = req.mode {
        return Ok(compared(req, &tree, changes));
    }
    timeline.mark("compared");
    let listings = std::mem::take(&mut changes.listings);
    prepared.progress.phase(Phase::Writing {
        files: changes.added.len() + changes.changed.len() + changes.removed.len(),
    });
    let (outcome, written) = write_tree(&req.out, &tree, namespaces, &changes)?;
    timeline.mark("written");
    // The bytes are on disk now.
    prepared.freeing.free(tree);
    let run = AfterWrite {
        inputs: &prepared.inputs,
        global: &global,
        units: &units,
        changes: &changes,
        listings,
        written: &written,
        staging: None,
        memo: memo.map(|m| m.encode()).unwrap_or_default(),
    };
    let spent = cache::record_after_write(&req.out, run, prepared.cache);
    timeline.mark("cache recorded");
    drop(written);
    prepared.freeing.free((units, global, spent, changes));
    Ok(outcome)
}

/// Records what the run changes (and the file lists when asked), and
/// tells `progress`, before anything is written. The previous run's
/// teams come from its ownership record, read only when there is a change
/// and the record changes too: a record on disk byte for byte the one
/// this run generates maps the namespaces to the teams `now` does (it is
/// written from the same plan), so there is nothing to read.
fn planned(
    prepared: &Prepared<'_>,
    tree: &OutputTree,
    changes: &ChangeSet,
    now: &message::Teams,
    report: &mut GenerateReport,
) {
    let before = if changes.is_empty() {
        message::Teams::new()
    } else if crate::sync::record_unchanged(tree, changes) {
        now.clone()
    } else {
        diff::previous_teams(&prepared.req.out)
    };
    let summary = message::summary(changes, now, &before);
    if !changes.is_empty() {
        prepared.progress.planned(&summary);
    }
    report.plan = Some(summary);
    if prepared.req.list_files {
        report.files = Some(Files {
            added: changes.added.clone(),
            changed: changes.changed.clone(),
            removed: changes.removed.clone(),
        });
    }
}

fn compare(
    out: &Path,
    tree: &OutputTree,
    cache: Option<&Cache>,
) -> Result<ChangeSet, GenerateError> {
    let known = cache.map(|c| c as &dyn diff::Listings);
    diff::compute_with(out, tree, known).map_err(|source| GenerateError::Compare {
        out: out.to_path_buf(),
        source,
    })
}

/// The outcome of a comparison only (`--check`, `diff`).
fn compared(req: &GenerateRequest, tree: &OutputTree, mut changes: ChangeSet) -> Outcome {
    let config = req.config.clone();
    if changes.is_empty() {
        return Outcome::Matches {
            files: changes.unchanged,
            config,
        };
    }
    let color = match req.color {
        ColorChoice::Always => DiffColor::Ansi,
        ColorChoice::Never => DiffColor::Plain,
    };
    let diff = diff::render_changes(&req.out, tree, &changes, color);
    Outcome::Stale(Stale {
        config,
        added: std::mem::take(&mut changes.added),
        changed: std::mem::take(&mut changes.changed),
        removed: std::mem::take(&mut changes.removed),
        diff,
    })
}

/// Writes the changes; returns the outcome and the size and mtime of the
/// files written.
fn write_tree<'c>(
    out: &Path,
    tree: &OutputTree,
    namespaces: usize,
    changes: &'c ChangeSet,
) -> Result<(Outcome, write::Written<'c>), GenerateError> {
    let files = changes.unchanged;
    if !changes.needs_write() {
        return Ok((Outcome::Unchanged { files }, Vec::new()));
    }
    let written = write::apply(out, tree, changes).map_err(|source| GenerateError::Write {
        out: out.to_path_buf(),
        source,
    })?;
    let outcome = if changes.is_empty() {
        Outcome::Recovered { files }
    } else {
        Outcome::Written(Written {
            namespaces,
            added: changes.added.len(),
            changed: changes.changed.len(),
            removed: changes.removed.len(),
            unchanged: files,
        })
    };
    Ok((outcome, written))
}

/// Commits the tree (see `sync::commit`), records the cache after a commit
/// on the checked-out branch, and pushes when asked.
fn commit(
    prepared: Prepared<'_>,
    options: &CommitOptions,
    generated: Generated,
    report: &mut GenerateReport,
    timeline: &mut Timeline,
) -> Result<Outcome, GenerateError> {
    let req = prepared.req;
    let committer = Committer::open(&req.out, options, &prepared.loaded.paths)?;
    let teams = &generated.teams;
    let content = Content {
        tree: &generated.tree,
        teams,
        source_name: &prepared.loaded.source_name,
    };
    let commit = match &options.branch {
        Some(branch) => {
            prepared.progress.phase(Phase::Committing);
            committer.to_branch(branch, &content)?
        }
        None => {
            prepared.progress.phase(Phase::Comparing);
            let mut changes = compare(&req.out, &generated.tree, prepared.cache.as_ref())?;
            report.notes = Note::from_changes(&changes);
            planned(&prepared, &generated.tree, &changes, teams, report);
            timeline.mark("compared");
            let listings = std::mem::take(&mut changes.listings);
            prepared.progress.phase(Phase::Committing);
            let (commit, written) =
                committer.in_worktree(&content, &changes, prepared.cache.as_ref(), timeline)?;
            let run = AfterWrite {
                inputs: &prepared.inputs,
                global: &generated.global,
                units: &generated.units,
                changes: &changes,
                listings,
                written: &written,
                staging: committer.staging_state()?,
                memo: generated
                    .memo
                    .as_ref()
                    .map(TeamMemo::encode)
                    .unwrap_or_default(),
            };
            let spent = cache::record_after_write(&req.out, run, prepared.cache);
            timeline.mark("cache recorded");
            prepared.freeing.free(spent);
            commit
        }
    };
    // The plan and the tree are committed: freed beside the push.
    prepared.freeing.free(generated);
    if options.push.is_some() {
        prepared.progress.phase(Phase::Pushing);
    }
    let push = options.push.as_ref().map(|remote| Push {
        remote: remote.clone(),
        branch: commit.branch.clone(),
        result: committer.push(remote, &commit.branch),
    });
    Ok(Outcome::Committed { commit, push })
}

/// The local cache as what the last run left, watching how much of the tree
/// it cannot vouch for: once a tenth of the namespaces must be rendered
/// again (a renamed cluster, a changed provider), the run is a full one and
/// gives freed memory back promptly, so its peak stays that of a full run.
struct Watched<'a> {
    cache: &'a Cache,
    hints: &'a dyn MemoryHints,
    misses: AtomicUsize,
    limit: usize,
}

impl<'a> Watched<'a> {
    fn new(cache: &'a Cache, hints: &'a dyn MemoryHints) -> Self {
        Self {
            cache,
            hints,
            misses: AtomicUsize::new(0),
            limit: (cache.units.len() / 10).max(1),
        }
    }

    /// True while fewer namespaces than the limit had to be rendered again.
    fn stayed_incremental(&self) -> bool {
        self.misses.load(Ordering::Relaxed) < self.limit
    }
}

impl pipeline::Previous for Watched<'_> {
    fn unchanged(&self, namespace: &str, fingerprint: &str) -> Option<Vec<String>> {
        let kept = self.cache.unchanged(namespace, fingerprint);
        if kept.is_none() && self.misses.fetch_add(1, Ordering::Relaxed) + 1 == self.limit {
            self.hints.release_now();
        }
        kept
    }
}

impl std::fmt::Display for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Unreadable => Ok(()),
            Outcome::Invalid => f.write_str("nothing was written"),
            Outcome::Fresh { files, config } => write!(
                f,
                "up to date: {files} files match {} (unchanged since the last run)",
                config.display()
            ),
            Outcome::Matches { files, config } => {
                write!(f, "up to date: {files} files match {}", config.display())
            }
            Outcome::Stale(stale) => stale.fmt(f),
            Outcome::Unchanged { files } => {
                write!(f, "up to date: {files} files, nothing written")
            }
            Outcome::Recovered { files } => write!(
                f,
                "up to date: {files} files; cleaned up after the interrupted run"
            ),
            Outcome::Written(w) => write!(
                f,
                "generated {} namespaces: {} added, {} changed, {} removed, {} unchanged",
                w.namespaces, w.added, w.changed, w.removed, w.unchanged
            ),
            Outcome::Committed { commit, .. } => commit.fmt(f),
        }
    }
}

impl std::fmt::Display for Stale {
    /// The summary: a count line, then one line per file (no final newline).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "stale: the generated files do not match {} ({} to add, {} to change, {} to remove)",
            self.config.display(),
            self.added.len(),
            self.changed.len(),
            self.removed.len()
        )?;
        for (label, paths) in [
            ("add   ", &self.added),
            ("change", &self.changed),
            ("remove", &self.removed),
        ] {
            for p in paths {
                write!(f, "\n  {label}  {p}")?;
            }
        }
        Ok(())
    }
}

impl std::fmt::Display for Push {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pushed `{}` to `{}`",
            self.branch,
            crate::redact::url_credentials(&self.remote)
        )
    }
}
