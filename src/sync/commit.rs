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
use crate::sync::diff::ChangeSet;
use crate::sync::git::{
    CommitOutcome, GitError, GitRepo, Identities, Kept, Oid, StagingState, TreeChanges, blob_id,
    prefixed, tree_files,
};
use crate::sync::{SyncError, fsys, message, write};
use crate::timing::Timeline;
use crate::tree::{OWNERSHIP_FILE, OutputTree, check_path};

mod record;

use record::Record;

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
        let message = self.message(&diff, content, &previous.namespaces);
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
    pub fn in_worktree<'c>(
        &self,
        content: &Content<'_>,
        changes: &'c ChangeSet,
        cache: Option<&Cache>,
        timeline: &mut Timeline,
    ) -> Result<(Commit, write::Written<'c>), CommitError> {
        let previous = self.head_record(self.repo.head_tree()?)?;
        let removed = removals(&self.prefix, &self.out, content.tree, changes, &previous);
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
        // When HEAD's record is the one on disk and that is byte for byte
        // the record generated now from `content.teams`, there is nothing
        // to parse. Worked out only when a message is wanted.
        let head_teams = std::cell::OnceCell::new();
        let word = |diff: &TreeChanges| {
            let previous = head_teams.get_or_init(|| {
                if previous.is_on_disk() && super::record_unchanged(content.tree, changes) {
                    content.teams.clone()
                } else {
                    previous.namespaces()
                }
            });
            self.message(diff, content, previous)
        };
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

    /// HEAD's ownership record (see [`Record`]): the copy on disk when it
    /// is that blob, else the blob read from HEAD's tree.
    fn head_record(&self, head_tree: Option<Oid>) -> Result<Record, CommitError> {
        let Some(tree) = head_tree else {
            return Ok(Record::default());
        };
        if let Some(bytes) = self.record_on_disk_if_heads(tree)? {
            return Ok(Record::on_disk(bytes));
        }
        let path = prefixed(&self.prefix, OWNERSHIP_FILE);
        Ok(Record::new(self.repo.read_in_tree(tree, &path)?))
    }

    /// The ownership record on disk, when git would store it as the very
    /// blob `tree` (HEAD's) names at its path: then it is HEAD's record
    /// byte for byte, whatever happened since the last commit (the file
    /// edited, a run that wrote but did not commit, a commit to another
    /// branch, an index changed by hand: any other content has another
    /// id). This costs a read and a SHA-1 of the file; reading the blob
    /// costs inflating it and libgit2's collision-detecting SHA-1, over
    /// 4.6 MB at 10,000 teams. `None` when the ids differ, or the file is
    /// missing, not a regular file or a symbolic link (not followed).
    fn record_on_disk_if_heads(&self, tree: Oid) -> Result<Option<Vec<u8>>, CommitError> {
        let path = prefixed(&self.prefix, OWNERSHIP_FILE);
        let Some(id) = self.repo.blob_id_in_tree(tree, &path)? else {
            return Ok(None);
        };
        let Some(bytes) = read_regular_file(&self.out.join(OWNERSHIP_FILE)) else {
            return Ok(None);
        };
        Ok((blob_id(&bytes)? == id).then_some(bytes))
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
        if let Some(left) = cache.and_then(|c| c.staging.as_ref())
            && self.repo.staging_is(left)?
        {
            return Ok(left.tree_id()?);
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
    fn kept_files<'t>(
        &'t self,
        tree: &'t OutputTree,
        cache: Option<&'t Cache>,
    ) -> Result<Kept<'t>, CommitError> {
        // Found unit by unit; by a map of every recorded file only when
        // the units do not account for them, which then names the file the
        // cache does not know.
        let files = match cache.and_then(|c| c.kept_stats(tree)) {
            Some(files) => files,
            None => {
                let stats = cache.map(Cache::stats).unwrap_or_default();
                tree.kept()
                    .map(|p| match stats.get(p.as_str()) {
                        Some(s) => Ok((p.as_str(), *s)),
                        None => Err(CommitError::KeptUnrecorded(p.clone())),
                    })
                    .collect::<Result<_, _>>()?
            }
        };
        Ok(Kept {
            prefix: &self.prefix,
            root: &self.out,
            files,
        })
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
    fn message(
        &self,
        diff: &TreeChanges,
        content: &Content<'_>,
        previous: &message::Teams,
    ) -> String {
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
        message::commit_message(&changes, content.teams, previous, content.source_name)
    }
}

/// The repo-relative paths the commit removes: the files esogen no longer
/// generates, and those already gone from disk that are still in HEAD,
/// when HEAD's ownership record `previous` says esogen generated them.
///
/// The comparison with disk went by the record on disk. When that is
/// HEAD's record, the gone ones are its `vanished` paths, and HEAD's file
/// list is parsed only when there are some. When it is not (a run wrote a
/// newer tree and record without committing them, or the record was
/// edited), files that run removed are listed by HEAD's record only:
/// those the tree no longer has and that are gone from `root` are
/// removed too, so the commit matches the working tree.
fn removals(
    prefix: &str,
    root: &Path,
    tree: &OutputTree,
    changes: &ChangeSet,
    previous: &Record,
) -> Vec<String> {
    let files = if changes.vanished.is_empty() && previous.is_on_disk() {
        Vec::new()
    } else {
        previous.files()
    };
    let committed: BTreeSet<&str> = files.iter().map(String::as_str).collect();
    let mut removed: Vec<&str> = changes
        .removed
        .iter()
        .chain(
            changes
                .vanished
                .iter()
                .filter(|p| committed.contains(p.as_str())),
        )
        .map(String::as_str)
        .collect();
    if !previous.is_on_disk() {
        let listed: BTreeSet<&str> = removed.iter().copied().collect();
        let gone = |p: &str| {
            matches!(std::fs::symlink_metadata(root.join(p)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound)
        };
        removed.extend(files.iter().map(String::as_str).filter(|p| {
            !tree.contains(p) && !listed.contains(p) && check_path(p).is_ok() && gone(p)
        }));
    }
    removed.into_iter().map(|p| prefixed(prefix, p)).collect()
}

/// The bytes of the regular file at `path`; `None` when it is missing, a
/// symbolic link (not followed), not a regular file or unreadable.
fn read_regular_file(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read;
    let fsys::Opened::File(mut file) = fsys::open_no_follow(path).ok()? else {
        return None;
    };
    let meta = file.metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.read_to_end(&mut bytes).ok()?;
    Some(bytes)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn options() -> CommitOptions {
        CommitOptions {
            branch: None,
            push: None,
            author: Some("Tester <t@example.com>".to_owned()),
            committer: None,
            other_staged: OtherStaged::Refuse,
            env: no_env,
        }
    }

    fn git(dir: &Path, args: &[&str]) {
        let out = std::process::Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("HOME", dir)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", dir.join("no-gitconfig"))
            .env("GIT_AUTHOR_NAME", "Tester")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "Tester")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn record(team: &str) -> Vec<u8> {
        let own = Ownership {
            comment: "Generated by esogen.".to_owned(),
            namespaces: [("pay".to_owned(), team.to_owned())].into(),
            files: vec!["overlays/pay/kustomization.yaml".to_owned()],
        };
        serde_json::to_vec_pretty(&own).unwrap()
    }

    /// A repository whose HEAD holds `bytes` as the ownership record of
    /// the output root `out/` (nothing else is needed here).
    fn repo_with_record(bytes: &[u8]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q", "-b", "main"]);
        let path = dir.path().join("out").join(OWNERSHIP_FILE);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        git(dir.path(), &["add", "-A"]);
        git(dir.path(), &["commit", "-q", "-m", "record"]);
        dir
    }

    /// What `in_worktree` reads as HEAD's record: from disk or not, and
    /// the namespaces it gives.
    fn head_record_of(dir: &Path) -> (bool, message::Teams) {
        let options = options();
        let c = Committer::open(&dir.join("out"), &options, &[]).unwrap();
        let head = c.repo.head_tree().unwrap();
        let from_disk = head
            .map(|t| c.record_on_disk_if_heads(t).unwrap())
            .is_some_and(|b| b.is_some());
        (from_disk, c.head_record(head).unwrap().namespaces())
    }

    fn teams(team: &str) -> message::Teams {
        [("pay".to_owned(), team.to_owned())].into()
    }

    /// The record on disk is read in place of HEAD's blob exactly when it
    /// has HEAD's bytes; in every other case HEAD's blob is read, so the
    /// commit message and the removals stay those of HEAD's record.
    #[test]
    fn the_record_on_disk_stands_in_for_heads_only_when_it_is_heads() {
        let path = |dir: &tempfile::TempDir| dir.path().join("out").join(OWNERSHIP_FILE);

        // As the last commit left it.
        let dir = repo_with_record(&record("payments"));
        assert_eq!(head_record_of(dir.path()), (true, teams("payments")));

        // Edited (same size: only the content tells), or rewritten by a
        // run that did not commit.
        std::fs::write(path(&dir), record("paymentz")).unwrap();
        assert_eq!(head_record_of(dir.path()), (false, teams("payments")));

        // Staged by hand: HEAD's record still counts.
        git(dir.path(), &["add", "-A"]);
        assert_eq!(head_record_of(dir.path()), (false, teams("payments")));

        // Committed by hand: it is HEAD's record now.
        git(dir.path(), &["commit", "-q", "-m", "edit"]);
        assert_eq!(head_record_of(dir.path()), (true, teams("paymentz")));

        // Gone from disk.
        std::fs::remove_file(path(&dir)).unwrap();
        assert_eq!(head_record_of(dir.path()), (false, teams("paymentz")));

        // A symbolic link to the same bytes is not followed.
        #[cfg(unix)]
        {
            let copy = dir.path().join("copy.json");
            std::fs::write(&copy, record("paymentz")).unwrap();
            std::os::unix::fs::symlink(&copy, path(&dir)).unwrap();
            assert_eq!(head_record_of(dir.path()), (false, teams("paymentz")));
            std::fs::remove_file(path(&dir)).unwrap();
        }

        // A directory in its place.
        std::fs::create_dir(path(&dir)).unwrap();
        assert_eq!(head_record_of(dir.path()), (false, teams("paymentz")));
    }

    /// Without a record in HEAD (or without HEAD), a file on disk is
    /// never taken for one.
    #[test]
    fn without_a_record_in_head_the_file_on_disk_is_not_read() {
        let dir = tempfile::tempdir().unwrap();
        git(dir.path(), &["init", "-q", "-b", "main"]);
        let path = dir.path().join("out").join(OWNERSHIP_FILE);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, record("payments")).unwrap();
        assert_eq!(head_record_of(dir.path()), (false, message::Teams::new()));
        std::fs::write(dir.path().join("other"), "x\n").unwrap();
        git(dir.path(), &["add", "other"]);
        git(dir.path(), &["commit", "-q", "-m", "other"]);
        assert_eq!(head_record_of(dir.path()), (false, message::Teams::new()));
    }
}
