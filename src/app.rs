//! One function per subcommand, wiring the stages: read the config (the only
//! input I/O), run the pure pipeline, then diff, write or commit the tree.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::cli::{Cli, Color, Command, GenerateArgs};
use esogen::diag::render::{ColorChoice, render_all};
use esogen::diag::{Code, Diagnostic, Diagnostics};
use esogen::pipeline::{self, Generated};
use esogen::render::Ownership;
use esogen::source::Sources;
use esogen::sync::diff::{self, ChangeSet, DiffColor};
use esogen::sync::git::{CommitOutcome, GitRepo, Oid, prefixed};
use esogen::sync::{message, write};
use esogen::tree::OWNERSHIP_FILE;

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
    match cli.command {
        Command::Generate(args) => generate(options(args, color)),
        Command::Diff(args) => {
            let diff_color = color_choice(cli.color, std::io::stdout().is_terminal());
            generate(Options {
                out: out_dir(&args.config.config, args.out),
                config: args.config.config,
                mode: Mode::Diff,
                color: diff_color,
            })
        }
        Command::Check(args) => check(&args.config, color),
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

fn options(args: GenerateArgs, color: ColorChoice) -> Options {
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
    }
}

/// Reads the config; an unreadable file becomes an `io` diagnostic.
fn load(path: &Path, sources: &mut Sources) -> Result<(usize, String, String), Diagnostics> {
    let name = path.display().to_string();
    let source_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| name.clone());
    match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => {
                let id = sources.add(name, text.clone());
                Ok((id, text, source_name))
            }
            Err(_) => Err(Diagnostics(vec![Diagnostic::error(
                Code::Io,
                format!("`{name}` is not UTF-8 text"),
            )])),
        },
        Err(e) => Err(Diagnostics(vec![
            Diagnostic::error(Code::Io, format!("cannot read `{name}`: {e}"))
                .help("pass the tenants file with `--config FILE`"),
        ])),
    }
}

fn print_diags(sources: &Sources, diags: &Diagnostics, color: ColorChoice) {
    let text = render_all(sources, &diags.sorted(), color);
    if !text.is_empty() {
        eprint!("{text}");
    }
}

fn check(config: &Path, color: ColorChoice) -> anyhow::Result<Exit> {
    let mut sources = Sources::new();
    let (file, text, source_name) = match load(config, &mut sources) {
        Ok(l) => l,
        Err(d) => {
            print_diags(&sources, &d, color);
            return Ok(Exit::Error);
        }
    };
    let (ok, diags) = pipeline::check(file, &text, &source_name);
    print_diags(&sources, &diags, color);
    if ok.is_some() && diags.is_empty() {
        eprintln!("{}: no findings", config.display());
    }
    Ok(if diags.has_errors() {
        Exit::Findings
    } else {
        Exit::Ok
    })
}

/// Loads and runs the pure pipeline; `Err(exit)` after printing findings.
fn build(opts: &Options) -> Result<(Generated, String), Exit> {
    let mut sources = Sources::new();
    let (file, text, source_name) = match load(&opts.config, &mut sources) {
        Ok(l) => l,
        Err(d) => {
            print_diags(&sources, &d, opts.color);
            return Err(Exit::Error);
        }
    };
    let (result, diags) = pipeline::generate(file, &text, &source_name);
    print_diags(&sources, &diags, opts.color);
    match result {
        Ok(g) => Ok((g, source_name)),
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

fn generate(opts: Options) -> anyhow::Result<Exit> {
    let (generated, source_name) = match build(&opts) {
        Ok(g) => g,
        Err(exit) => return Ok(exit),
    };
    if let Mode::Commit(c) = &opts.mode {
        return commit(&opts, c, &generated, &source_name);
    }
    let tree = &generated.tree;
    let changes = diff::compute(&opts.out, tree)
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
            write_tree(&opts, &generated, &changes)?;
            Ok(Exit::Ok)
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
    for stray in &changes.strays {
        eprintln!("note: `{stray}` was not generated by esogen; left untouched");
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

fn write_tree(opts: &Options, generated: &Generated, changes: &ChangeSet) -> anyhow::Result<()> {
    if changes.is_empty() {
        println!("up to date: {} files, nothing written", changes.unchanged);
        return Ok(());
    }
    write::apply(&opts.out, &generated.tree, changes)
        .with_context(|| format!("writing to `{}`", opts.out.display()))?;
    println!(
        "generated {} namespaces: {} added, {} changed, {} removed, {} unchanged",
        generated.plan.namespaces.len(),
        changes.added.len(),
        changes.changed.len(),
        changes.removed.len(),
        changes.unchanged
    );
    Ok(())
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
    source_name: &str,
) -> anyhow::Result<Exit> {
    std::fs::create_dir_all(&opts.out)
        .with_context(|| format!("creating `{}`", opts.out.display()))?;
    let repo = GitRepo::discover(&opts.out)?;
    let who = repo.identities(c.author.as_deref(), c.committer.as_deref(), &env_var)?;
    let _lock = lock(&repo)?;
    let prefix = repo.prefix_of(&opts.out)?;
    let config_in_repo = repo
        .prefix_of(
            opts.config
                .parent()
                .filter(|p| !p.as_os_str().is_empty())
                .unwrap_or(Path::new(".")),
        )
        .ok()
        .and_then(|dir| {
            opts.config
                .file_name()
                .map(|f| prefixed(&dir, &f.to_string_lossy()))
        });
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
            let config_bytes;
            if let Some(cfg) = &config_in_repo {
                config_bytes = std::fs::read(&opts.config)?;
                files.push((cfg.clone(), config_bytes.as_slice()));
            }
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
            let changes = diff::compute(&opts.out, tree)
                .with_context(|| format!("comparing with `{}`", opts.out.display()))?;
            report_strays(&changes);
            let all: Vec<String> = tree
                .iter()
                .map(|(p, _)| prefixed(&prefix, p))
                .chain(config_in_repo.clone())
                .collect();
            let removed: Vec<String> = changes
                .removed
                .iter()
                .map(|p| prefixed(&prefix, p))
                .collect();
            let mut allowed: BTreeSet<String> = all.iter().cloned().collect();
            allowed.extend(removed.iter().cloned());
            let unrelated = repo.unrelated_staged(&allowed)?;
            if !unrelated.is_empty() && !c.allow_staged {
                return Err(esogen::sync::git::GitError::UnrelatedStaged(unrelated).into());
            }
            let previous = repo
                .head_tree()?
                .map(|t| repo.read_in_tree(t, &prefixed(&prefix, OWNERSHIP_FILE)))
                .transpose()?
                .flatten()
                .and_then(|b| Ownership::parse(&b))
                .unwrap_or_default();
            if !changes.is_empty() {
                write::apply(&opts.out, tree, &changes)
                    .with_context(|| format!("writing to `{}`", opts.out.display()))?;
            }
            let mut changed: BTreeSet<String> = changes
                .added
                .iter()
                .chain(&changes.changed)
                .map(|p| prefixed(&prefix, p))
                .collect();
            changed.extend(config_in_repo.clone());
            let new_tree = repo.stage(&all, &changed, &removed)?;
            let old_tree = repo.head_tree()?;
            let msg = message_for(
                &repo,
                old_tree,
                new_tree,
                &prefix,
                &now,
                &previous,
                source_name,
            )?;
            let branch = repo.current_branch().unwrap_or_else(|| "HEAD".into());
            (repo.commit_on_head(new_tree, &msg, &who)?, branch, msg)
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
        repo.push(remote, &branch, &env_var)?;
        println!("pushed `{branch}` to `{remote}`");
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
    let strip = |v: Vec<String>| -> Vec<String> {
        v.into_iter()
            .filter_map(|p| {
                if prefix.is_empty() {
                    Some(p)
                } else {
                    p.strip_prefix(&format!("{prefix}/")).map(str::to_owned)
                }
            })
            .collect()
    };
    let changes = ChangeSet {
        added: strip(diff.added),
        changed: strip(diff.modified),
        removed: strip(diff.deleted),
        ..ChangeSet::default()
    };
    Ok(message::commit_message(
        &changes,
        now,
        &previous.namespaces,
        source_name,
    ))
}
