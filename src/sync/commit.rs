//! `generate --commit`: what goes into a commit, on top of the git wrapper
//! (`git.rs`). Consumes the rendered tree, the change set against the output
//! root and the tenants files read; produces a commit on the checked-out
//! branch (the files written to disk first, exactly the generated paths
//! staged) or on another branch (a tree built in memory; the working tree,
//! the index and the checked-out branch stay as they are), and pushes it.

use std::collections::BTreeSet;
use std::fs::File;
use std::path::{Path, PathBuf};

use crate::render::Ownership;
use crate::sync::cache::Cache;
use crate::sync::diff::{ChangeSet, Stat};
use crate::sync::git::{
    CommitOutcome, GitError, GitRepo, Identities, Oid, StagingState, TreeChanges, prefixed,
    tree_files,
};
use crate::sync::{SyncError, message, write};
use crate::timing::Timeline;
use crate::tree::{OWNERSHIP_FILE, OutputTree, check_path};

/// What `--commit` does with changes that were staged before the run and
/// that esogen did not make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtherStaged {
    /// Refuse to commit, changing nothing (the default).
    Refuse,
    /// Commit them too (`--allow-staged`).
    Include,
}

/// How and where to commit (`generate --commit` and its flags).
#[derive(Debug, Clone)]
pub struct CommitOptions {
    /// Commit to this branch, built in memory; `None`: the checked-out
    /// branch, through the working tree.
    pub branch: Option<String>,
    /// Push the committed branch to this remote (a name or a URL).
    pub push: Option<String>,
    /// Author as "Name <email>"; `None`: from `env`, then git config.
    pub author: Option<String>,
    /// Committer as "Name <email>"; `None`: from `env`, then git config,
    /// then the author.
    pub committer: Option<String>,
    /// Changes staged before the run.
    pub other_staged: OtherStaged,
    /// Looks up an environment variable (`GIT_AUTHOR_NAME`,
    /// `SOURCE_DATE_EPOCH`, `ESOGEN_GIT_TOKEN`, ...): [`process_env`] in the
    /// binary, a fixed table in tests.
    pub env: fn(&str) -> Option<String>,
}

/// The process environment, an empty value counting as unset.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Why a commit failed.
#[derive(Debug, thiserror::Error)]
pub enum CommitError {
    /// A git operation failed.
    #[error(transparent)]
    Git(#[from] GitError),
    /// The output directory could not be created.
    #[error("creating `{}`", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The lock file could not be created or locked.
    #[error("{action} `{}`", path.display())]
    Lock {
        /// "creating" or "locking".
        action: &'static str,
        /// `<git dir>/esogen.lock`.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A tenants file could not be read again for the commit.
    #[error("cannot read `{}`", path.display())]
    ReadConfig {
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// Writing the tree to the output root failed.
    #[error("writing to `{}`", out.display())]
    Write {
        /// The output root.
        out: PathBuf,
        /// Cause.
        #[source]
        source: SyncError,
    },
    /// A bug: a commit to another branch got a tree with kept files.
    #[error("internal error: a commit to another branch needs every file rendered")]
    IncompleteTree,
    /// A bug: a kept file has no size and mtime in the local cache.
    #[error("internal error: `{0}` kept unrecorded")]
    KeptUnrecorded(String),
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    /// A new commit, or none because nothing changed.
    pub outcome: CommitOutcome,
    /// The branch committed to (or that was up to date).
    pub branch: String,
    /// The commit message (made even when nothing was committed).
    pub message: String,
}

impl Commit {
    /// The message's first line.
    pub fn subject(&self) -> &str {
        self.message.lines().next().unwrap_or_default()
    }
}

impl std::fmt::Display for Commit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.outcome {
            CommitOutcome::Unchanged => {
                write!(f, "up to date: nothing to commit on `{}`", self.branch)
            }
            CommitOutcome::Committed { id, branch } => write!(
                f,
                "committed {} on `{branch}`: {}",
                &id[..id.len().min(12)],
                self.subject()
            ),
        }
    }
}

/// What a commit is made of, besides the tenants files.
#[derive(Debug, Clone, Copy)]
pub struct Content<'a> {
    /// The generated files.
    pub tree: &'a OutputTree,
    /// Each namespace's team now, for the message.
    pub teams: &'a message::Teams,
    /// The main tenants file's name, for the message.
    pub source_name: &'a str,
}

/// A repository opened for one commit: identities resolved and
/// `<git dir>/esogen.lock` held until it is dropped, so two `--commit` runs
/// on one repository take turns instead of interleaving writes and commits.
#[derive(Debug)]
pub struct Committer<'a> {
    repo: GitRepo,
    who: Identities,
    _lock: File,
    options: &'a CommitOptions,
    /// The output root.
    out: PathBuf,
    /// The output root inside the working tree, `/`-separated.
    prefix: String,
    /// The tenants files inside the repository: repo-relative path and path
    /// on disk.
    config: Vec<(String, PathBuf)>,
}

impl<'a> Committer<'a> {
    /// Opens the repository holding `out` (created if missing), resolves
    /// author and committer, and takes the lock. `config_paths` are the
    /// tenants files read; those inside the repository are committed too.
    pub fn open(
        out: &Path,
        options: &'a CommitOptions,
        config_paths: &[PathBuf],
    ) -> Result<Self, CommitError> {
        std::fs::create_dir_all(out).map_err(|source| CommitError::CreateDir {
            path: out.to_path_buf(),
            source,
        })?;
        let repo = GitRepo::discover(out)?;
        let who = repo.identities(
            options.author.as_deref(),
            options.committer.as_deref(),
            &options.env,
        )?;
        let lock = lock(&repo)?;
        let prefix = repo.prefix_of(out)?;
        let config = config_paths
            .iter()
            .filter_map(|p| {
                let dir = p.parent().filter(|d| !d.as_os_str().is_empty());
                let dir = repo.prefix_of(dir.unwrap_or(Path::new("."))).ok()?;
                let name = p.file_name()?.to_string_lossy().into_owned();
                Some((prefixed(&dir, &name), p.clone()))
            })
            .collect();
        Ok(Self {
            repo,
            who,
            _lock: lock,
            options,
            out: out.to_path_buf(),
            prefix,
            config,
        })
    }

    /// Commits `content` (every file rendered) and the tenants files to
    /// `branch`, built in memory on the branch's tip; files the branch's
    /// ownership record lists and the tree no longer has are removed.
    pub fn to_branch(&self, branch: &str, content: &Content<'_>) -> Result<Commit, CommitError> {
        if !content.tree.is_complete() {
            return Err(CommitError::IncompleteTree);
        }
        let old_tree = self.repo.branch_tree(branch)?;
        let previous = self.ownership_in(old_tree)?;
        let config = self.config_bytes()?;
        let mut files = tree_files(&self.prefix, content.tree);
        files.extend(config.iter().map(|(rel, b, _)| (rel.clone(), b.as_slice())));
        let remove: Vec<String> = previous
            .files
            .iter()
            .filter(|p| content.tree.get(p.as_str()).is_none() && check_path(p).is_ok())
            .map(|p| prefixed(&self.prefix, p))
            .collect();
        let new_tree = self.repo.build_branch_tree(branch, &files, &remove)?;
        let diff = self.repo.tree_changes(old_tree, new_tree)?;
        let message = self.message(&diff, content, &previous);
        let outcome = self
            .repo
            .commit_on_branch(branch, new_tree, &message, &self.who)?;
        Ok(Commit {
            outcome,
            branch: branch.to_owned(),
            message,
        })
    }

    /// Writes `changes` to the output root and commits the generated files
    /// and the tenants files on the checked-out branch, staging exactly
    /// those paths. `cache` (what the last run left) vouches for kept files
    /// and for an index nobody touched since esogen's last commit. Returns
    /// the commit and the size and mtime of the files written.
    pub fn in_worktree(
        &self,
        content: &Content<'_>,
        changes: &ChangeSet,
        cache: Option<&Cache>,
        timeline: &mut Timeline,
    ) -> Result<(Commit, Vec<(String, Stat)>), CommitError> {
        let previous = self.ownership_in(self.repo.head_tree()?)?;
        let removed = removals(&self.prefix, changes, &previous);
        let staged = self.staged_base(content.tree, &removed, cache)?;
        let written = if changes.needs_write() {
            write::apply(&self.out, content.tree, changes).map_err(|source| CommitError::Write {
                out: self.out.clone(),
                source,
            })?
        } else {
            Vec::new()
        };
        timeline.mark("written");
        let kept = self.kept_files(content.tree, cache)?;
        let config = self.config_bytes()?;
        let mut files: Vec<(String, &[u8], PathBuf)> = content
            .tree
            .iter()
            .map(|(p, b)| (prefixed(&self.prefix, p), b.as_slice(), self.out.join(p)))
            .collect();
        files.extend(
            config
                .iter()
                .map(|(rel, b, p)| (rel.clone(), b.as_slice(), p.clone())),
        );
        let word = |diff: &TreeChanges| self.message(diff, content, &previous);
        let (outcome, message) = self
            .repo
            .commit_from_memory(staged, &files, &kept, &removed, &word, &self.who)?;
        timeline.mark("committed");
        let branch = self.repo.checked_out_branch()?;
        let commit = Commit {
            outcome,
            branch,
            message,
        };
        Ok((commit, written))
    }

    /// HEAD and the index now, for the local cache (see
    /// `sync::cache::Cache::staging`).
    pub fn staging_state(&self) -> Result<Option<StagingState>, CommitError> {
        Ok(self.repo.staging_state()?)
    }

    /// Pushes `branch` to `remote` without forcing; returns what the remote
    /// said (its `remote:` lines), as `git push` shows it.
    pub fn push(&self, remote: &str, branch: &str) -> Result<Vec<String>, GitError> {
        self.repo.push(remote, branch, &self.options.env)
    }

    /// The ownership record in `tree` (HEAD's or a branch's); empty when
    /// there is none.
    fn ownership_in(&self, tree: Option<Oid>) -> Result<Ownership, CommitError> {
        let path = prefixed(&self.prefix, OWNERSHIP_FILE);
        let bytes = match tree {
            Some(t) => self.repo.read_in_tree(t, &path)?,
            None => None,
        };
        Ok(bytes.and_then(|b| Ownership::parse(&b)).unwrap_or_default())
    }

    /// The staged tree to commit on: HEAD's when HEAD and the index are as
    /// esogen's last commit left them (nothing else can be staged then);
    /// otherwise the index's, after refusing staged paths outside the
    /// commit unless they may be included.
    fn staged_base(
        &self,
        tree: &OutputTree,
        removed: &[String],
        cache: Option<&Cache>,
    ) -> Result<Oid, CommitError> {
        let left = cache.and_then(|c| c.staging.as_ref());
        if let Some(now) = self.repo.staging_state()?
            && Some(&now) == left
        {
            return Ok(now.tree_id()?);
        }
        let allowed: BTreeSet<String> = tree
            .paths()
            .into_iter()
            .map(|p| prefixed(&self.prefix, p))
            .chain(self.config.iter().map(|(rel, _)| rel.clone()))
            .chain(removed.iter().cloned())
            .collect();
        let (unrelated, staged) = self.repo.unrelated_staged(&allowed)?;
        if !unrelated.is_empty() && self.options.other_staged == OtherStaged::Refuse {
            return Err(GitError::UnrelatedStaged(unrelated).into());
        }
        Ok(staged)
    }

    /// The kept files (not rendered this run), with the size and mtime the
    /// cache just confirmed.
    fn kept_files(
        &self,
        tree: &OutputTree,
        cache: Option<&Cache>,
    ) -> Result<Vec<(String, PathBuf, Stat)>, CommitError> {
        let stats = cache.map(Cache::stats).unwrap_or_default();
        tree.kept()
            .map(|p| match stats.get(p.as_str()) {
                Some(s) => Ok((prefixed(&self.prefix, p), self.out.join(p), *s)),
                None => Err(CommitError::KeptUnrecorded(p.clone())),
            })
            .collect()
    }

    /// The tenants files inside the repository: repo-relative path, bytes
    /// as on disk now, path on disk.
    fn config_bytes(&self) -> Result<Vec<(String, Vec<u8>, PathBuf)>, CommitError> {
        self.config
            .iter()
            .map(|(rel, p)| match std::fs::read(p) {
                Ok(bytes) => Ok((rel.clone(), bytes, p.clone())),
                Err(source) => Err(CommitError::ReadConfig {
                    path: p.clone(),
                    source,
                }),
            })
            .collect()
    }

    /// The commit message, from what the commit changes under the output
    /// root.
    fn message(&self, diff: &TreeChanges, content: &Content<'_>, previous: &Ownership) -> String {
        let strip = |v: &[String]| -> Vec<String> {
            v.iter()
                .filter_map(|p| {
                    if self.prefix.is_empty() {
                        Some(p.clone())
                    } else {
                        p.strip_prefix(&format!("{}/", self.prefix))
                            .map(str::to_owned)
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
        message::commit_message(
            &changes,
            content.teams,
            &previous.namespaces,
            content.source_name,
        )
    }
}

/// The repo-relative paths the commit removes: the files esogen no longer
/// generates, and those an interrupted run already deleted from disk that
/// are still in HEAD, when HEAD's ownership record says esogen generated
/// them.
fn removals(prefix: &str, changes: &ChangeSet, previous: &Ownership) -> Vec<String> {
    let committed: BTreeSet<&str> = previous.files.iter().map(String::as_str).collect();
    changes
        .removed
        .iter()
        .chain(
            changes
                .vanished
                .iter()
                .filter(|p| committed.contains(p.as_str())),
        )
        .map(|p| prefixed(prefix, p))
        .collect()
}

/// Holds `<git dir>/esogen.lock` while the returned file is open.
fn lock(repo: &GitRepo) -> Result<File, CommitError> {
    let path = repo.git_dir().join("esogen.lock");
    let err = |action| {
        let path = path.clone();
        move |source| CommitError::Lock {
            action,
            path,
            source,
        }
    };
    let file = File::create(&path).map_err(err("creating"))?;
    file.lock().map_err(err("locking"))?;
    Ok(file)
}
