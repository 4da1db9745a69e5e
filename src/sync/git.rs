//! The git side of `generate --commit`: the only module that uses git2.
//! Stages exactly the generated paths (and the tenants files), commits with
//! a given message, or commits a tree built in memory to another branch
//! without touching the working tree or the index, and pushes without ever
//! forcing (`push`: remotes on this machine through `git push`, so their
//! hooks run).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

pub use git2::Oid;
use git2::{Repository, Signature, build::TreeUpdateBuilder};

use crate::tree::OutputTree;

mod error;
mod index;
mod index_file;
mod memory;
mod objects;
mod push;
mod tree;

pub use error::GitError;
use error::git;
use objects::Pack;

/// A commit identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Name.
    pub name: String,
    /// Email.
    pub email: String,
}

impl Person {
    /// Parses `Name <email>`.
    pub fn parse(s: &str) -> Result<Self, GitError> {
        let bad = || GitError::BadIdentity(s.to_owned());
        let (name, rest) = s.split_once('<').ok_or_else(bad)?;
        let email = rest.strip_suffix('>').ok_or_else(bad)?.trim();
        let name = name.trim();
        if name.is_empty() || email.is_empty() || email.contains(['<', '>']) {
            return Err(bad());
        }
        Ok(Self {
            name: name.to_owned(),
            email: email.to_owned(),
        })
    }
}

/// Author and committer, plus the commit time (seconds since the epoch and
/// offset in minutes); `None` means now.
#[derive(Debug, Clone)]
pub struct Identities {
    /// Author.
    pub author: Person,
    /// Committer.
    pub committer: Person,
    /// Fixed time, for reproducible commits (`SOURCE_DATE_EPOCH`).
    pub time: Option<(i64, i32)>,
}

/// Repo-relative paths that differ between two trees.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TreeChanges {
    /// New paths.
    pub added: Vec<String>,
    /// Changed paths.
    pub modified: Vec<String>,
    /// Deleted paths.
    pub deleted: Vec<String>,
}

/// What a commit did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommitOutcome {
    /// A new commit.
    Committed {
        /// Its id.
        id: String,
        /// The branch it is on.
        branch: String,
    },
    /// The tree equals the current commit's: nothing to commit.
    Unchanged,
}

/// The files of a commit on the checked-out branch that were kept (not
/// rendered this run), as the local cache vouches for them.
#[derive(Debug)]
pub struct Kept<'a> {
    /// The output root inside the working tree, `/`-separated ("" for the
    /// root of the working tree).
    pub prefix: &'a str,
    /// The output root on disk.
    pub root: &'a Path,
    /// Each kept file: path relative to the output root, and the size and
    /// mtime the cache confirmed this run.
    pub files: Vec<(&'a str, crate::sync::diff::Stat)>,
}

/// A repository esogen commits to.
pub struct GitRepo {
    repo: Repository,
}

impl std::fmt::Debug for GitRepo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "GitRepo({})", self.repo.path().display())
    }
}

impl GitRepo {
    /// Opens the repository containing `path`.
    pub fn discover(path: &Path) -> Result<Self, GitError> {
        let repo = Repository::discover(path).map_err(|source| GitError::NotARepository {
            path: path.to_path_buf(),
            source: source.into(),
        })?;
        Ok(Self { repo })
    }

    /// The `.git` directory, where esogen keeps its lock file.
    pub fn git_dir(&self) -> &Path {
        self.repo.path()
    }

    /// The `/`-separated path of `dir` inside the working tree ("" for the
    /// root), used as a prefix for generated paths.
    pub fn prefix_of(&self, dir: &Path) -> Result<String, GitError> {
        let Some(workdir) = self.repo.workdir() else {
            return Err(GitError::Bare(self.repo.path().to_path_buf()));
        };
        let workdir = workdir
            .canonicalize()
            .map_err(|_| GitError::OutsideWorkTree(dir.to_path_buf()))?;
        let dir_abs = dir
            .canonicalize()
            .map_err(|_| GitError::OutsideWorkTree(dir.to_path_buf()))?;
        let rel = dir_abs
            .strip_prefix(&workdir)
            .map_err(|_| GitError::OutsideWorkTree(dir.to_path_buf()))?;
        Ok(rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/"))
    }

    /// Resolves author and committer: flags, then the environment, then git
    /// config.
    pub fn identities(
        &self,
        author: Option<&str>,
        committer: Option<&str>,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Identities, GitError> {
        let config = self.repo.config().ok();
        let from_config = || {
            let c = config.as_ref()?;
            Some(Person {
                name: c.get_string("user.name").ok()?,
                email: c.get_string("user.email").ok()?,
            })
        };
        let from_env = |role: &str| {
            Some(Person {
                name: env(&format!("GIT_{role}_NAME"))?,
                email: env(&format!("GIT_{role}_EMAIL"))?,
            })
        };
        let author = match author {
            Some(a) => Person::parse(a)?,
            None => from_env("AUTHOR")
                .or_else(from_config)
                .ok_or(GitError::NoIdentity)?,
        };
        let committer = match committer {
            Some(c) => Person::parse(c)?,
            None => from_env("COMMITTER")
                .or_else(from_config)
                .unwrap_or_else(|| author.clone()),
        };
        let time = env("SOURCE_DATE_EPOCH")
            .and_then(|s| s.trim().parse::<i64>().ok())
            .map(|t| (t, 0));
        Ok(Identities {
            author,
            committer,
            time,
        })
    }

    fn signature(
        &self,
        p: &Person,
        time: Option<(i64, i32)>,
    ) -> Result<Signature<'static>, GitError> {
        match time {
            Some((t, off)) => Signature::new(&p.name, &p.email, &git2::Time::new(t, off)),
            None => Signature::now(&p.name, &p.email),
        }
        .map_err(git("build the commit signature"))
    }

    fn head_commit(&self) -> Result<Option<git2::Commit<'_>>, GitError> {
        match self.repo.head() {
            Ok(h) => Ok(Some(h.peel_to_commit().map_err(git("read HEAD"))?)),
            Err(e)
                if e.code() == git2::ErrorCode::UnbornBranch
                    || e.code() == git2::ErrorCode::NotFound =>
            {
                Ok(None)
            }
            Err(e) => Err(git("read HEAD")(e)),
        }
    }

    /// Stores a pack and its index under `objects/pack/`: each written to a
    /// temporary file and renamed, the index last, since git finds packs by
    /// their index.
    fn store_pack(&self, pack: &Pack) -> Result<(), GitError> {
        let dir = self.repo.path().join("objects").join("pack");
        let io = |what: &'static str| {
            move |e: std::io::Error| git(what)(git2::Error::from_str(&e.to_string()))
        };
        std::fs::create_dir_all(&dir).map_err(io("create objects/pack"))?;
        for (ext, bytes) in [("pack", &pack.pack), ("idx", &pack.idx)] {
            let mut tmp = tempfile::Builder::new()
                .prefix("tmp_esogen_")
                .tempfile_in(&dir)
                .map_err(io("write a packfile"))?;
            std::io::Write::write_all(&mut tmp, bytes).map_err(io("write a packfile"))?;
            tmp.persist(dir.join(format!("pack-{}.{ext}", pack.name)))
                .map_err(|e| io("store the packfile")(e.error))?;
        }
        Ok(())
    }

    /// HEAD's commit and the index file's size and mtime: while both are
    /// what an esogen commit left, the index holds exactly HEAD's tree and
    /// nothing else is staged (see `sync::cache`).
    pub fn staging_state(&self) -> Result<Option<StagingState>, GitError> {
        let Some(head) = self.head_commit()? else {
            return Ok(None);
        };
        Ok(self.index_stat().map(|index| StagingState {
            head: head.id().to_string(),
            tree: head.tree_id().to_string(),
            index,
        }))
    }

    /// True when HEAD and the index are what `left` records: HEAD names
    /// the same commit (whose id fixes its tree) and the index file has the
    /// same size and mtime. Unlike [`GitRepo::staging_state`] it does not
    /// read HEAD's commit (a first commit's message lists every team).
    pub fn staging_is(&self, left: &StagingState) -> Result<bool, GitError> {
        let head = match self.repo.head() {
            Ok(h) => h.target(),
            Err(e)
                if e.code() == git2::ErrorCode::UnbornBranch
                    || e.code() == git2::ErrorCode::NotFound =>
            {
                None
            }
            Err(e) => return Err(git("read HEAD")(e)),
        };
        Ok(head.is_some_and(|id| id.to_string() == left.head)
            && self.index_stat() == Some(left.index))
    }

    /// The index file's size and mtime; `None` when it is missing.
    fn index_stat(&self) -> Option<crate::sync::diff::Stat> {
        std::fs::symlink_metadata(self.repo.path().join("index"))
            .ok()
            .as_ref()
            .and_then(crate::sync::diff::stat_of)
    }

    /// Paths staged (index differs from HEAD) that are not in `allowed`,
    /// and the staged tree (the base of [`GitRepo::commit_from_memory`]).
    pub fn unrelated_staged(
        &self,
        allowed: &BTreeSet<String>,
    ) -> Result<(Vec<String>, Oid), GitError> {
        let head_tree = match self.head_commit()? {
            Some(c) => Some(c.tree().map_err(git("read HEAD's tree"))?),
            None => None,
        };
        let mut index = self.repo.index().map_err(git("read the index"))?;
        // The usual case, nothing staged, without a diff of every entry.
        let staged = index.write_tree().map_err(git("read the staged tree"))?;
        if head_tree.as_ref().map(git2::Tree::id) == Some(staged)
            || (head_tree.is_none() && index.is_empty())
        {
            return Ok((Vec::new(), staged));
        }
        let diff = self
            .repo
            .diff_tree_to_index(head_tree.as_ref(), Some(&index), None)
            .map_err(git("compare the index with HEAD"))?;
        let mut out = BTreeSet::new();
        for d in diff.deltas() {
            for f in [d.old_file(), d.new_file()] {
                if let Some(p) = f.path() {
                    let p = p.to_string_lossy().replace('\\', "/");
                    if !allowed.contains(&p) {
                        out.insert(p);
                    }
                }
            }
        }
        Ok((out.into_iter().collect(), staged))
    }

    /// The tree of HEAD, if there is a commit.
    pub fn head_tree(&self) -> Result<Option<Oid>, GitError> {
        Ok(self.head_commit()?.map(|c| c.tree_id()))
    }

    /// The tree of a branch tip, if the branch exists.
    pub fn branch_tree(&self, branch: &str) -> Result<Option<Oid>, GitError> {
        Ok(self.branch_tip(branch)?.map(|c| c.tree_id()))
    }

    /// The content of `path` in a tree, if present.
    pub fn read_in_tree(&self, tree: Oid, path: &str) -> Result<Option<Vec<u8>>, GitError> {
        let tree = self.repo.find_tree(tree).map_err(git("read a tree"))?;
        match tree.get_path(Path::new(path)) {
            Ok(entry) => {
                let blob = entry
                    .to_object(&self.repo)
                    .and_then(|o| o.peel_to_blob())
                    .map_err(git(format!("read `{path}`")))?;
                Ok(Some(blob.content().to_vec()))
            }
            Err(_) => Ok(None),
        }
    }

    /// The id of the blob at `path` in `tree`, from the trees on the way
    /// (the blob itself is not read); `None` when `path` is not a blob
    /// there.
    pub fn blob_id_in_tree(&self, tree: Oid, path: &str) -> Result<Option<Oid>, GitError> {
        let tree = self.repo.find_tree(tree).map_err(git("read a tree"))?;
        Ok(tree
            .get_path(Path::new(path))
            .ok()
            .filter(|e| e.kind() == Some(git2::ObjectType::Blob))
            .map(|e| e.id()))
    }

    /// Paths added, modified and deleted from `old` (or nothing) to `new`.
    pub fn tree_changes(&self, old: Option<Oid>, new: Oid) -> Result<TreeChanges, GitError> {
        let old = old
            .map(|o| self.repo.find_tree(o))
            .transpose()
            .map_err(git("read the old tree"))?;
        let new = self.repo.find_tree(new).map_err(git("read the new tree"))?;
        let diff = self
            .repo
            .diff_tree_to_tree(old.as_ref(), Some(&new), None)
            .map_err(git("compare trees"))?;
        let (mut added, mut modified, mut deleted) = (Vec::new(), Vec::new(), Vec::new());
        for d in diff.deltas() {
            let path = |f: git2::DiffFile| f.path().map(|p| p.to_string_lossy().replace('\\', "/"));
            match d.status() {
                git2::Delta::Added => added.extend(path(d.new_file())),
                git2::Delta::Deleted => deleted.extend(path(d.old_file())),
                _ => modified.extend(path(d.new_file())),
            }
        }
        Ok(TreeChanges {
            added,
            modified,
            deleted,
        })
    }

    fn branch_tip(&self, branch: &str) -> Result<Option<git2::Commit<'_>>, GitError> {
        match self.repo.find_reference(&format!("refs/heads/{branch}")) {
            Ok(r) => Ok(Some(
                r.peel_to_commit()
                    .map_err(git(format!("read branch `{branch}`")))?,
            )),
            Err(e) if e.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(e) => Err(git(format!("read branch `{branch}`"))(e)),
        }
    }

    /// Builds, in memory, the tree of `branch` with `files` upserted and
    /// `remove` deleted: the working tree, the index and HEAD are not touched.
    pub fn build_branch_tree(
        &self,
        branch: &str,
        files: &[(String, &[u8])],
        remove: &[String],
    ) -> Result<Oid, GitError> {
        let base = match self.branch_tip(branch)? {
            Some(c) => c.tree().map_err(git("read the branch tree"))?,
            None => {
                let empty = self
                    .repo
                    .treebuilder(None)
                    .and_then(|b| b.write())
                    .map_err(git("build an empty tree"))?;
                self.repo
                    .find_tree(empty)
                    .map_err(git("read the empty tree"))?
            }
        };
        let mut update = TreeUpdateBuilder::new();
        for (path, bytes) in files {
            let blob = self
                .repo
                .blob(bytes)
                .map_err(git(format!("store `{path}`")))?;
            update.upsert(path.as_str(), blob, git2::FileMode::Blob);
        }
        for path in remove {
            update.remove(path.as_str());
        }
        update
            .create_updated(&self.repo, &base)
            .map_err(git("build the new tree"))
    }

    /// Commits `tree` on `branch` (created if missing) unless it equals the
    /// tip's tree. Fails with [`GitError::Raced`] if the branch moved.
    pub fn commit_on_branch(
        &self,
        branch: &str,
        tree: Oid,
        message: &str,
        who: &Identities,
    ) -> Result<CommitOutcome, GitError> {
        let tip = self.branch_tip(branch)?;
        if tip.as_ref().is_some_and(|c| c.tree_id() == tree) {
            return Ok(CommitOutcome::Unchanged);
        }
        let tree = self
            .repo
            .find_tree(tree)
            .map_err(git("read the new tree"))?;
        let author = self.signature(&who.author, who.time)?;
        let committer = self.signature(&who.committer, who.time)?;
        let parents: Vec<&git2::Commit> = tip.iter().collect();
        let id = self
            .repo
            .commit(
                Some(&format!("refs/heads/{branch}")),
                &author,
                &committer,
                message,
                &tree,
                &parents,
            )
            .map_err(|e| {
                // libgit2 refuses when the branch moved since we read its tip.
                if e.code() == git2::ErrorCode::Modified {
                    GitError::Raced(branch.to_owned())
                } else {
                    git("create the commit")(e)
                }
            })?;
        Ok(CommitOutcome::Committed {
            id: id.to_string(),
            branch: branch.to_owned(),
        })
    }

    /// Refuses, before anything is written, a commit that would not land
    /// where the user expects: without `--branch`, a HEAD that names no
    /// branch (detached, or pointing at a tag or remote-tracking ref); with
    /// it, a branch name git rejects, or a branch checked out in this or
    /// another working tree of the repository. An unborn branch (a
    /// repository without commits) is fine: the commit creates it.
    pub fn check_commit_target(&self, branch: Option<&str>) -> Result<(), GitError> {
        let Some(name) = branch else {
            return self.checked_out_branch().map(drop);
        };
        if !git2::Branch::name_is_valid(name).unwrap_or(false) || name.starts_with('-') {
            return Err(GitError::InvalidBranch(name.to_owned()));
        }
        if !self.repo.is_bare() && self.current_branch().as_deref() == Some(name) {
            return Err(GitError::BranchCheckedOut(name.to_owned()));
        }
        if let Some(worktree) = self.worktree_on_branch(name)? {
            return Err(GitError::BranchCheckedOutElsewhere {
                branch: name.to_owned(),
                worktree,
            });
        }
        Ok(())
    }

    /// The branch HEAD names, born or not: the one a commit without
    /// `--branch` goes to. Never a guess: a detached HEAD, or one pointing
    /// outside `refs/heads/`, is an error.
    pub fn checked_out_branch(&self) -> Result<String, GitError> {
        let head = self.repo.find_reference("HEAD").map_err(git("read HEAD"))?;
        let Some(target) = head.symbolic_target_bytes() else {
            return Err(GitError::DetachedHead);
        };
        // A name that is not UTF-8 could not be written back unchanged.
        let lossy = || GitError::HeadNotOnBranch(String::from_utf8_lossy(target).into_owned());
        let target = std::str::from_utf8(target).map_err(|_| lossy())?;
        match target.strip_prefix("refs/heads/") {
            Some(branch) => Ok(branch.to_owned()),
            None => Err(lossy()),
        }
    }

    /// The current branch name, if HEAD is on one.
    pub fn current_branch(&self) -> Option<String> {
        current_branch_of(&self.repo)
    }

    /// Another working tree of this repository (the main one, or one added
    /// with `git worktree add`) that has `branch` checked out. Linked
    /// working trees whose directory is gone are skipped, as `git worktree
    /// prune` would drop them.
    fn worktree_on_branch(&self, branch: &str) -> Result<Option<PathBuf>, GitError> {
        // From a linked working tree, the main one is the common directory's.
        let opened;
        let main = if self.repo.is_worktree() {
            opened = Repository::open(self.repo.commondir())
                .map_err(git("open the repository's main working tree"))?;
            &opened
        } else {
            &self.repo
        };
        let here = self.repo.path().canonicalize().ok();
        let is_here = |r: &Repository| r.path().canonicalize().ok() == here;
        if !main.is_bare() && !is_here(main) && current_branch_of(main).as_deref() == Some(branch) {
            // Without the trailing `/` libgit2 keeps on a working directory.
            return Ok(main.workdir().map(|d| d.components().collect()));
        }
        let names = main.worktrees().map_err(git("list the working trees"))?;
        for name in names.iter().flatten().flatten() {
            let worktree = main
                .find_worktree(name)
                .map_err(git(format!("read the working tree `{name}`")))?;
            if worktree.validate().is_err() {
                continue;
            }
            let repo = Repository::open_from_worktree(&worktree)
                .map_err(git(format!("open the working tree `{name}`")))?;
            if !is_here(&repo) && current_branch_of(&repo).as_deref() == Some(branch) {
                return Ok(Some(worktree.path().to_path_buf()));
            }
        }
        Ok(None)
    }
}

/// The branch `repo`'s HEAD names, if it names one.
fn current_branch_of(repo: &Repository) -> Option<String> {
    let head = repo.find_reference("HEAD").ok()?;
    let target = head.symbolic_target().ok().flatten()?;
    target.strip_prefix("refs/heads/").map(str::to_owned)
}

/// HEAD and the index as an esogen commit left them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StagingState {
    /// HEAD's commit id.
    pub head: String,
    /// Its tree id.
    pub tree: String,
    /// The index file's size and mtime.
    pub index: crate::sync::diff::Stat,
}

impl StagingState {
    /// The staged tree's id.
    pub fn tree_id(&self) -> Result<Oid, GitError> {
        Oid::from_str(&self.tree).map_err(git("read the recorded staged tree"))
    }
}

/// The id git gives a blob of `bytes`.
pub fn blob_id(bytes: &[u8]) -> Result<Oid, GitError> {
    objects::object_id(objects::PackKind::Blob, bytes)
}

/// Repo-relative paths of a tree under `prefix`.
pub fn prefixed(prefix: &str, rel: &str) -> String {
    if prefix.is_empty() {
        rel.to_owned()
    } else {
        format!("{prefix}/{rel}")
    }
}

/// The files of `tree` with repo-relative paths.
pub fn tree_files<'a>(prefix: &str, tree: &'a OutputTree) -> Vec<(String, &'a [u8])> {
    tree.iter()
        .map(|(p, b)| (prefixed(prefix, p), b.as_slice()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identities_parse() {
        assert_eq!(
            Person::parse("CI Bot <ci@example.com>").unwrap(),
            Person {
                name: "CI Bot".into(),
                email: "ci@example.com".into()
            }
        );
        for bad in ["nobody", "<a@b>", "Name <>", "Name <a@b"] {
            assert!(Person::parse(bad).is_err(), "{bad}");
        }
    }
}
