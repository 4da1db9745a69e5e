//! One function per subcommand, wiring the stages: read the config (the only
//! input I/O), run the pure pipeline, then diff, write or commit the tree.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context;

use esogen::cli::{CheckArgs, Cli, Color, Command, Deny, ExplainArgs, Format, GenerateArgs};
use esogen::diag::Diagnostics;
use esogen::diag::render::{ColorChoice, Limit, Report, render_report};
use esogen::load::{Loaded, load};
use esogen::pipeline::{self, Generated};
use esogen::render::Ownership;
use esogen::source::Sources;
use esogen::sync::diff::{self, ChangeSet, DiffColor};
use esogen::sync::git::{CommitOutcome, GitRepo, Oid, TreeChanges, prefixed};
use esogen::sync::{cache, journal, message, write};
use esogen::tree::{OWNERSHIP_FILE, OutputTree};

/// Process exit codes; documented in `--help` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success, or up to date.
    Ok = 0,
    /// Findings (`check`) or drift (`generate --check`, `diff`).
    Findings = 1,
    /// Configuration, usage, I/O or git error.
    Error = 2,
}

/// What `generate` does with the tree.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Mode {
    /// Compare only, with a summary (`generate --check`).
    Check,
    /// Compare only, as a full diff (`diff`).
    Diff,
    /// Write changes.
    Write,
    /// Write and commit on the current branch, or commit to another branch.
    Commit(CommitOptions),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct CommitOptions {
    branch: Option<String>,
    push: Option<String>,
    author: Option<String>,
    committer: Option<String>,
    allow_staged: bool,
}

struct Options {
    config: PathBuf,
    out: PathBuf,
    mode: Mode,
    color: ColorChoice,
    limit: Limit,
}

fn color_choice(c: Color, stream_is_tty: bool) -> ColorChoice {
    match c {
        Color::Always => ColorChoice::Always,
        Color::Never => ColorChoice::Never,
        Color::Auto if stream_is_tty && std::env::var_os("NO_COLOR").is_none() => {
            ColorChoice::Always
        }
        Color::Auto => ColorChoice::Never,
    }
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    let color = color_choice(cli.color, std::io::stderr().is_terminal());
    let limit = Limit::from_max(cli.max_diagnostics);
    match cli.command {
        Command::Generate(args) => generate(options(args, color, limit)),
        Command::Diff(args) => {
            let diff_color = color_choice(cli.color, std::io::stdout().is_terminal());
            generate(Options {
                out: out_dir(&args.config.config, args.out),
                config: args.config.config,
                mode: Mode::Diff,
                color: diff_color,
                limit,
            })
        }
        Command::Check(args) => check(&args, color, limit),
        Command::Explain(args) => explain(&args, color, limit),
        Command::Init(args) => crate::wizard::run(&args),
        Command::Schema => {
            let mut text = serde_json::to_string_pretty(&esogen::config::json_schema())?;
            text.push('\n');
            print!("{text}");
            Ok(Exit::Ok)
        }
        Command::Completions { shell } => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(shell, &mut cmd, "esogen", &mut std::io::stdout());
            Ok(Exit::Ok)
        }
        Command::Man => {
            let cmd = <Cli as clap::CommandFactory>::command();
            clap_mangen::Man::new(cmd).render(&mut std::io::stdout())?;
            Ok(Exit::Ok)
        }
    }
}

fn out_dir(config: &Path, out: Option<PathBuf>) -> PathBuf {
    out.unwrap_or_else(|| {
        config
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."))
    })
}

fn options(args: GenerateArgs, color: ColorChoice, limit: Limit) -> Options {
    let mode = if args.check {
        Mode::Check
    } else if args.commit {
        Mode::Commit(CommitOptions {
            branch: args.branch,
            push: args.push,
            author: args.author,
            committer: args.committer,
            allow_staged: args.allow_staged,
        })
    } else {
        Mode::Write
    };
    Options {
        out: out_dir(&args.config.config, args.out),
        config: args.config.config,
        mode,
        color,
        limit,
    }
}

fn print_diags(sources: &Sources, diags: &Diagnostics, color: ColorChoice, limit: Limit) {
    print_report(sources, &Report::new(&diags.sorted(), limit), color);
}

fn print_report(sources: &Sources, report: &Report, color: ColorChoice) {
    let text = render_report(sources, report, color);
    if !text.is_empty() {
        eprint!("{text}");
    }
}

fn check(args: &CheckArgs, color: ColorChoice, limit: Limit) -> anyhow::Result<Exit> {
    let config = &args.config.config;
    let loaded = match load(config) {
        Ok(l) => l,
        Err((sources, d)) => {
            emit(&sources, &d, args.format, color, limit);
            return Ok(Exit::Error);
        }
    };
    let (_, diags) = loaded.run(pipeline::check);
    emit(&loaded.sources, &diags, args.format, color, limit);
    let warnings = diags
        .0
        .iter()
        .any(|d| d.severity == esogen::diag::Severity::Warning);
    let failed = diags.has_errors() || (args.deny == Some(Deny::Warnings) && warnings);
    if args.format == Format::Human && diags.is_empty() {
        eprintln!("{}: no findings", config.display());
    }
    Ok(if failed { Exit::Findings } else { Exit::Ok })
}

/// Prints findings in the chosen format: human to standard error, machine
/// formats to standard output.
fn emit(sources: &Sources, diags: &Diagnostics, format: Format, color: ColorChoice, limit: Limit) {
    let sorted = diags.sorted();
    let report = Report::new(&sorted, limit);
    match format {
        Format::Human => print_report(sources, &report, color),
        Format::Json => print!(
            "{}",
            esogen::diag::render::render_json_report(sources, &report)
        ),
        Format::Github => print!(
            "{}",
            esogen::diag::render::render_github_report(sources, &report)
        ),
    }
}

fn explain(args: &ExplainArgs, color: ColorChoice, limit: Limit) -> anyhow::Result<Exit> {
    let loaded = match load(&args.config.config) {
        Ok(l) => l,
        Err((sources, d)) => {
            print_diags(&sources, &d, color, limit);
            return Ok(Exit::Error);
        }
    };
    let (checked, diags) = loaded.run(pipeline::check);
    print_diags(&loaded.sources, &diags, color, limit);
    let Some((_, plan)) = checked else {
        eprintln!("fix the errors above; explain needs a valid configuration");
        return Ok(Exit::Error);
    };
    match esogen::explain::explain(&plan, args.namespace.as_deref()) {
        Some(text) => {
            print!("{text}");
            Ok(Exit::Ok)
        }
        None => {
            let names: Vec<&str> = plan
                .namespaces
                .iter()
                .map(|n| n.namespace.as_str())
                .collect();
            let wanted = args.namespace.as_deref().unwrap_or_default();
            let hint = match esogen::diag::suggest(wanted, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`? "),
                None => String::new(),
            };
            eprintln!(
                "error: `{wanted}` is not a namespace of any team\n  = help: {hint}namespaces: {}",
                names.join(", ")
            );
            Ok(Exit::Error)
        }
    }
}

/// Loads and runs the pure pipeline, keeping the namespaces `previous`
/// vouches for; `Err(exit)` after printing findings.
fn build(
    opts: &Options,
    previous: Option<&dyn pipeline::Previous>,
) -> Result<(Generated, Loaded), Exit> {
    let loaded = match load(&opts.config) {
        Ok(l) => l,
        Err((sources, d)) => {
            print_diags(&sources, &d, opts.color, opts.limit);
            return Err(Exit::Error);
        }
    };
    let (result, diags) = loaded.run(|i| pipeline::generate_incremental(i, previous));
    print_diags(&loaded.sources, &diags, opts.color, opts.limit);
    match result {
        Ok(g) => Ok((g, loaded)),
        Err(pipeline::PipelineError::Invalid) => {
            eprintln!("nothing was written");
            Err(Exit::Error)
        }
        Err(e) => {
            eprintln!("error: generating the output tree failed: {e}");
            Err(Exit::Error)
        }
    }
}

fn cache_inputs(opts: &Options) -> Option<Vec<(String, String)>> {
    // Read the tenants files only; parsing is part of what the cache skips.
    load(&opts.config).ok().map(|l| l.cache_inputs())
}

fn generate(opts: Options) -> anyhow::Result<Exit> {
    let phase = Phases::start();
    // A commit that cannot land where the user expects is refused before
    // anything is written.
    if let Mode::Commit(c) = &opts.mode {
        GitRepo::discover(&opts.out)?.check_commit_target(c.branch.as_deref())?;
    }
    let inputs = cache_inputs(&opts);
    // Committing to another branch needs every file's bytes (nothing is on
    // disk there): no namespace is kept then.
    // After an interrupted run (its journal or temporary files are still
    // there) nothing the cache says is trusted: the full path finishes or
    // undoes that run.
    let interrupted =
        journal::pending(&opts.out).is_some() || !diff::private_leftovers(&opts.out).is_empty();
    let cache = match &opts.mode {
        Mode::Commit(c) if c.branch.is_some() => None,
        _ if interrupted => None,
        _ => cache::Cache::load(&opts.out),
    };
    if matches!(opts.mode, Mode::Write | Mode::Check | Mode::Diff)
        && let Some(count) = cache
            .as_ref()
            .zip(inputs.as_deref())
            .and_then(|(c, i)| c.is_fresh(i))
    {
        let msg = format!(
            "up to date: {count} files match {} (unchanged since the last run)",
            opts.config.display()
        );
        if opts.mode == Mode::Diff {
            eprintln!("{msg}");
        } else {
            println!("{msg}");
        }
        return Ok(Exit::Ok);
    }
    phase.done("cache loaded");
    let watched = cache.as_ref().map(|c| {
        crate::reuse_freed_memory();
        Watched::new(c)
    });
    let previous = watched.as_ref().map(|w| w as &dyn pipeline::Previous);
    let (generated, loaded) = match build(&opts, previous) {
        Ok(g) => g,
        Err(exit) => return Ok(exit),
    };
    // What is freed from here on (the plan, written bytes) is not needed
    // again.
    crate::release_freed_memory_promptly();
    if let Mode::Commit(c) = &opts.mode {
        return commit(
            &opts,
            c,
            &generated,
            &loaded,
            cache,
            inputs.as_deref(),
            &phase,
        );
    }
    phase.done("generated (read, checked, built, rendered)");
    // Only the files are needed from here: the plan goes, so the peak
    // memory is the tree, not the tree and the plan.
    let Generated {
        plan,
        tree: owned_tree,
        units,
        global,
    } = generated;
    let namespaces = plan.namespaces.len();
    drop(plan);
    let tree = &owned_tree;
    let known = cache.as_ref().map(|c| c as &dyn diff::Listings);
    let changes = diff::compute_with(&opts.out, tree, known)
        .with_context(|| format!("comparing with `{}`", opts.out.display()))?;
    report_strays(&changes);
    match opts.mode {
        Mode::Check => {
            if changes.is_empty() {
                println!(
                    "up to date: {} files match {}",
                    changes.unchanged,
                    opts.config.display()
                );
                return Ok(Exit::Ok);
            }
            print_stale_summary(&opts, &changes);
            print!(
                "{}",
                diff::render_changes(&opts.out, tree, &changes, diff_color(opts.color))
            );
            println!("run `esogen generate` and commit the result");
            Ok(Exit::Findings)
        }
        Mode::Diff => {
            if changes.is_empty() {
                eprintln!(
                    "up to date: {} files match {}",
                    changes.unchanged,
                    opts.config.display()
                );
                return Ok(Exit::Ok);
            }
            print!(
                "{}",
                diff::render_changes(&opts.out, tree, &changes, diff_color(opts.color))
            );
            Ok(Exit::Findings)
        }
        Mode::Write | Mode::Commit(_) => {
            phase.done("compared");
            let written = write_tree(&opts, tree, namespaces, &changes)?;
            phase.done("written");
            if let Some(i) = &inputs {
                // The bytes are on disk now.
                drop(owned_tree);
                record_cache(
                    &opts.out, i, &global, &units, changes, &written, None, cache,
                );
            }
            phase.done("cache recorded");
            Ok(Exit::Ok)
        }
    }
}

/// The local cache as what the last run left, watching how much of the tree
/// it cannot vouch for: once a tenth of the namespaces must be rendered
/// again (a renamed cluster, a changed provider), the run is a full one and
/// gives freed memory back promptly, so its peak stays that of a full run.
struct Watched<'a> {
    cache: &'a cache::Cache,
    misses: std::sync::atomic::AtomicUsize,
    limit: usize,
}

impl<'a> Watched<'a> {
    fn new(cache: &'a cache::Cache) -> Self {
        Self {
            cache,
            misses: std::sync::atomic::AtomicUsize::new(0),
            limit: (cache.units.len() / 10).max(1),
        }
    }
}

impl pipeline::Previous for Watched<'_> {
    fn unchanged(&self, namespace: &str, fingerprint: &str) -> Option<Vec<String>> {
        let kept = self.cache.unchanged(namespace, fingerprint);
        if kept.is_none() {
            let seen = self
                .misses
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if seen + 1 == self.limit {
                crate::release_freed_memory_now();
            }
        }
        kept
    }
}

/// Phase timings on standard error when `ESOGEN_TIMINGS` is set, for
/// profiling (see BENCHMARKS.md).
struct Phases(Option<std::time::Instant>);

impl Phases {
    fn start() -> Self {
        Self(std::env::var_os("ESOGEN_TIMINGS").map(|_| std::time::Instant::now()))
    }

    fn done(&self, phase: &str) {
        if let Some(t) = self.0 {
            eprintln!("timing: {phase} at {:.3} s", t.elapsed().as_secs_f64());
        }
    }
}

fn diff_color(c: ColorChoice) -> DiffColor {
    match c {
        ColorChoice::Always => DiffColor::Ansi,
        ColorChoice::Never => DiffColor::Plain,
    }
}

fn report_strays(changes: &ChangeSet) {
    if changes.journal.is_some() || !changes.leftovers.is_empty() {
        eprintln!(
            "note: the last run that wrote here was interrupted ({} left, {} temporary files); a run that writes finishes it",
            journal::JOURNAL_FILE,
            changes.leftovers.len()
        );
    }
    for stray in &changes.strays {
        eprintln!("note: `{stray}` was not generated by esogen; left untouched");
    }
    for path in &changes.untrusted {
        eprintln!(
            "warning: `{path}` is listed in {} but esogen never generates it (outside bases/, overlays/ and policies/, or without esogen's marker); left untouched",
            esogen::tree::OWNERSHIP_FILE
        );
    }
}

fn print_stale_summary(opts: &Options, changes: &ChangeSet) {
    println!(
        "stale: the generated files do not match {} ({} to add, {} to change, {} to remove)",
        opts.config.display(),
        changes.added.len(),
        changes.changed.len(),
        changes.removed.len()
    );
    for (label, paths) in [
        ("add   ", &changes.added),
        ("change", &changes.changed),
        ("remove", &changes.removed),
    ] {
        for p in paths {
            println!("  {label}  {p}");
        }
    }
}

/// Records the local cache after a run that wrote `changes` (sizes and
/// mtimes of compared and `written` files are known already).
#[allow(clippy::too_many_arguments)]
fn record_cache(
    out: &Path,
    inputs: &[(String, String)],
    global: &[String],
    units: &[pipeline::Unit],
    mut changes: ChangeSet,
    written: &[(String, diff::Stat)],
    staging: Option<esogen::sync::git::StagingState>,
    previous: Option<cache::Cache>,
) {
    let listings = diff::listings_after_write(out, std::mem::take(&mut changes.listings), &changes);
    let known = changes.stats.iter().chain(written);
    cache::record(
        out,
        cache::Run {
            inputs,
            global,
            units,
            listings,
            known: known.map(|(p, s)| (p.as_str(), *s)).collect(),
            staging,
        },
        previous,
    );
}

/// Writes the changes; returns the size and mtime of the files written.
fn write_tree(
    opts: &Options,
    tree: &OutputTree,
    namespaces: usize,
    changes: &ChangeSet,
) -> anyhow::Result<Vec<(String, diff::Stat)>> {
    if !changes.needs_write() {
        println!("up to date: {} files, nothing written", changes.unchanged);
        return Ok(Vec::new());
    }
    let written = write::apply(&opts.out, tree, changes)
        .with_context(|| format!("writing to `{}`", opts.out.display()))?;
    if changes.is_empty() {
        println!(
            "up to date: {} files; cleaned up after the interrupted run",
            changes.unchanged
        );
        return Ok(written);
    }
    println!(
        "generated {} namespaces: {} added, {} changed, {} removed, {} unchanged",
        namespaces,
        changes.added.len(),
        changes.changed.len(),
        changes.removed.len(),
        changes.unchanged
    );
    Ok(written)
}

/// Holds `<git dir>/esogen.lock` for the whole run, so two `--commit` runs on
/// one repository take turns instead of interleaving writes and commits.
fn lock(repo: &GitRepo) -> anyhow::Result<File> {
    let path = repo.git_dir().join("esogen.lock");
    let file = File::create(&path).with_context(|| format!("creating `{}`", path.display()))?;
    file.lock()
        .with_context(|| format!("locking `{}`", path.display()))?;
    Ok(file)
}

fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn commit(
    opts: &Options,
    c: &CommitOptions,
    generated: &Generated,
    loaded: &Loaded,
    cache: Option<cache::Cache>,
    inputs: Option<&[(String, String)]>,
    phase: &Phases,
) -> anyhow::Result<Exit> {
    let source_name = loaded.source_name.as_str();
    anyhow::ensure!(
        c.branch.is_none() || generated.tree.is_complete(),
        "internal error: a commit to another branch needs every file rendered"
    );
    std::fs::create_dir_all(&opts.out)
        .with_context(|| format!("creating `{}`", opts.out.display()))?;
    let repo = GitRepo::discover(&opts.out)?;
    let who = repo.identities(c.author.as_deref(), c.committer.as_deref(), &env_var)?;
    let _lock = lock(&repo)?;
    let prefix = repo.prefix_of(&opts.out)?;
    // The tenants files that live inside the repository, repo-relative.
    let config_in_repo: Vec<(String, PathBuf)> = loaded
        .paths
        .iter()
        .filter_map(|p| {
            let dir = repo
                .prefix_of(
                    p.parent()
                        .filter(|d| !d.as_os_str().is_empty())
                        .unwrap_or(Path::new(".")),
                )
                .ok()?;
            let name = p.file_name()?.to_string_lossy().into_owned();
            Some((prefixed(&dir, &name), p.clone()))
        })
        .collect();
    let tree = &generated.tree;
    let now = generated
        .plan
        .namespaces
        .iter()
        .map(|n| (n.namespace.to_string(), n.team.to_string()))
        .collect();

    let (outcome, branch, msg) = match &c.branch {
        Some(branch) => {
            let previous = repo
                .branch_tree(branch)?
                .map(|t| repo.read_in_tree(t, &prefixed(&prefix, OWNERSHIP_FILE)))
                .transpose()?
                .flatten()
                .and_then(|b| Ownership::parse(&b))
                .unwrap_or_default();
            let mut files = esogen::sync::git::tree_files(&prefix, tree);
            let config_bytes: Vec<(String, Vec<u8>)> = config_in_repo
                .iter()
                .map(|(rel, p)| Ok((rel.clone(), std::fs::read(p)?)))
                .collect::<std::io::Result<_>>()?;
            files.extend(
                config_bytes
                    .iter()
                    .map(|(rel, b)| (rel.clone(), b.as_slice())),
            );
            let remove: Vec<String> = previous
                .files
                .iter()
                .filter(|p| tree.get(p.as_str()).is_none() && esogen::tree::check_path(p).is_ok())
                .map(|p| prefixed(&prefix, p))
                .collect();
            let old_tree = repo.branch_tree(branch)?;
            let new_tree = repo.build_branch_tree(branch, &files, &remove)?;
            let msg = message_for(
                &repo,
                old_tree,
                new_tree,
                &prefix,
                &now,
                &previous,
                source_name,
            )?;
            (
                repo.commit_on_branch(branch, new_tree, &msg, &who)?,
                branch.clone(),
                msg,
            )
        }
        None => {
            let known = cache.as_ref().map(|c| c as &dyn diff::Listings);
            let changes = diff::compute_with(&opts.out, tree, known)
                .with_context(|| format!("comparing with `{}`", opts.out.display()))?;
            report_strays(&changes);
            phase.done("compared");
            let all: Vec<String> = tree
                .paths()
                .into_iter()
                .map(|p| prefixed(&prefix, p))
                .chain(config_in_repo.iter().map(|(rel, _)| rel.clone()))
                .collect();
            let previous = repo
                .head_tree()?
                .map(|t| repo.read_in_tree(t, &prefixed(&prefix, OWNERSHIP_FILE)))
                .transpose()?
                .flatten()
                .and_then(|b| Ownership::parse(&b))
                .unwrap_or_default();
            // A file an interrupted run already deleted from disk is still
            // in HEAD: it goes from the commit too when HEAD's record says
            // esogen generated it.
            let committed: BTreeSet<&str> = previous.files.iter().map(String::as_str).collect();
            let removed: Vec<String> = changes
                .removed
                .iter()
                .chain(
                    changes
                        .vanished
                        .iter()
                        .filter(|p| committed.contains(p.as_str())),
                )
                .map(|p| prefixed(&prefix, p))
                .collect();
            let mut allowed: BTreeSet<String> = all.iter().cloned().collect();
            allowed.extend(removed.iter().cloned());
            // HEAD and the index as the last esogen commit left them: the
            // staged tree is HEAD's and nothing else is staged.
            let left = cache.as_ref().and_then(|c| c.staging.as_ref());
            let staged = match repo.staging_state()? {
                Some(now) if Some(&now) == left => Oid::from_str(&now.tree)?,
                _ => {
                    let (unrelated, staged) = repo.unrelated_staged(&allowed)?;
                    if !unrelated.is_empty() && !c.allow_staged {
                        return Err(esogen::sync::git::GitError::UnrelatedStaged(unrelated).into());
                    }
                    staged
                }
            };
            let written = if !changes.needs_write() {
                Vec::new()
            } else {
                write::apply(&opts.out, tree, &changes)
                    .with_context(|| format!("writing to `{}`", opts.out.display()))?
            };
            phase.done("written");
            // Kept files, with the size and mtime the cache just confirmed.
            let kept_stats = cache.as_ref().map(cache::Cache::stats).unwrap_or_default();
            let kept: Vec<(String, PathBuf, diff::Stat)> = tree
                .kept()
                .map(|p| {
                    kept_stats
                        .get(p.as_str())
                        .map(|s| (prefixed(&prefix, p), opts.out.join(p), *s))
                        .ok_or_else(|| anyhow::anyhow!("internal error: `{p}` kept unrecorded"))
                })
                .collect::<anyhow::Result<_>>()?;
            let mut files: Vec<(String, &[u8], PathBuf)> = tree
                .iter()
                .map(|(p, b)| (prefixed(&prefix, p), b.as_slice(), opts.out.join(p)))
                .collect();
            let config_bytes: Vec<(String, Vec<u8>, PathBuf)> = config_in_repo
                .iter()
                .map(|(rel, p)| Ok((rel.clone(), std::fs::read(p)?, p.clone())))
                .collect::<std::io::Result<_>>()?;
            files.extend(
                config_bytes
                    .iter()
                    .map(|(rel, b, p)| (rel.clone(), b.as_slice(), p.clone())),
            );
            let word =
                |diff: &TreeChanges| commit_message(diff, &prefix, &now, &previous, source_name);
            let (outcome, msg) =
                repo.commit_from_memory(staged, &files, &kept, &removed, &word, &who)?;
            phase.done("committed");
            if let Some(inputs) = inputs {
                let staging = repo.staging_state()?;
                record_cache(
                    &opts.out,
                    inputs,
                    &generated.global,
                    &generated.units,
                    changes,
                    &written,
                    staging,
                    cache,
                );
                phase.done("cache recorded");
            }
            let branch = repo.checked_out_branch()?;
            (outcome, branch, msg)
        }
    };
    match &outcome {
        CommitOutcome::Unchanged => println!("up to date: nothing to commit on `{branch}`"),
        CommitOutcome::Committed { id, branch } => {
            let subject = msg.lines().next().unwrap_or_default();
            println!(
                "committed {} on `{branch}`: {subject}",
                &id[..id.len().min(12)]
            );
        }
    }
    if let Some(remote) = &c.push {
        // What the remote said on success (a hook's notice, a link to open
        // a pull request), as `git push` shows it.
        for line in repo.push(remote, &branch, &env_var)? {
            eprintln!("remote: {}", esogen::redact::url_credentials(&line));
        }
        println!(
            "pushed `{branch}` to `{}`",
            esogen::redact::url_credentials(&remote.to_string())
        );
    }
    Ok(Exit::Ok)
}

/// The commit message, from what the commit changes under the output root.
fn message_for(
    repo: &GitRepo,
    old: Option<Oid>,
    new: Oid,
    prefix: &str,
    now: &message::Teams,
    previous: &Ownership,
    source_name: &str,
) -> anyhow::Result<String> {
    let diff = repo.tree_changes(old, new)?;
    Ok(commit_message(&diff, prefix, now, previous, source_name))
}

fn commit_message(
    diff: &TreeChanges,
    prefix: &str,
    now: &message::Teams,
    previous: &Ownership,
    source_name: &str,
) -> String {
    let strip = |v: &[String]| -> Vec<String> {
        v.iter()
            .filter_map(|p| {
                if prefix.is_empty() {
                    Some(p.clone())
                } else {
                    p.strip_prefix(&format!("{prefix}/")).map(str::to_owned)
                }
            })
            .collect()
    };
    let changes = ChangeSet {
        added: strip(&diff.added),
        changed: strip(&diff.modified),
        removed: strip(&diff.deleted),
        ..ChangeSet::default()
    };
    message::commit_message(&changes, now, &previous.namespaces, source_name)
}
