//! What can go wrong with git, in words a platform engineer can act on.

use std::path::PathBuf;

/// Why a git operation failed.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    /// The output directory is not inside a git repository.
    #[error("`{path}` is not inside a git repository (run `git init` first)")]
    NotARepository {
        /// The directory.
        path: PathBuf,
        /// Cause.
        #[source]
        source: Libgit2,
    },
    /// The repository has no working tree (bare) but a working-tree commit was asked.
    #[error("the repository at `{0}` is bare: use `--branch` to commit without a working tree")]
    Bare(PathBuf),
    /// The output directory is outside the repository's working tree.
    #[error("`{0}` is outside the repository's working tree")]
    OutsideWorkTree(PathBuf),
    /// Other changes are staged already.
    #[error(
        "the index already holds staged changes esogen did not make: {}; commit or unstage them first, or pass --allow-staged",
        .0.join(", ")
    )]
    UnrelatedStaged(Vec<String>),
    /// No author could be found.
    #[error(
        "no commit identity: pass --author \"Name <email>\", set GIT_AUTHOR_NAME and GIT_AUTHOR_EMAIL, or set git config user.name and user.email"
    )]
    NoIdentity,
    /// An `--author`-style value is malformed.
    #[error("`{0}` is not an identity of the form \"Name <email>\"")]
    BadIdentity(String),
    /// The push is not a fast-forward: the remote branch has commits the
    /// local one lacks.
    #[error(
        "the remote rejected `{reference}`: not a fast-forward (the remote branch has commits this one lacks); fetch and merge (or rebase), regenerate, then push again; esogen never forces"
    )]
    NotFastForward {
        /// The reference pushed.
        reference: String,
    },
    /// The remote refused the update for its own reasons: a pre-receive or
    /// update hook, a protected branch, a size limit. Its messages are the
    /// only useful advice, so they are shown as it sent them.
    #[error(
        "the remote rejected `{reference}` ({reason}); the commit stays on the local branch: push it again once the remote accepts it{}",
        indented(.said, "remote: ")
    )]
    RemoteRejected {
        /// The reference pushed.
        reference: String,
        /// The remote's reason, as reported for the reference
        /// ("pre-receive hook declined").
        reason: String,
        /// The remote's own messages (its `remote:` lines), control
        /// characters escaped.
        said: Vec<String>,
    },
    /// The remote is a repository on this machine and the `git` command is
    /// not available: libgit2 would copy the objects itself and run none of
    /// the remote's hooks, so esogen does not push at all.
    #[error(
        "`{remote}` is a repository on this machine, and pushing to it without the `git` command would skip its hooks (pre-receive, update): install git, or push yourself with `git push`; the commit stays on the local branch"
    )]
    LocalPushNeedsGit {
        /// The remote as given.
        remote: String,
    },
    /// `git push` to a local remote failed for a reason other than a
    /// rejected reference (no such repository, a permission error).
    #[error("`git push` to `{remote}` failed{}", indented(.said, ""))]
    PushFailed {
        /// The remote as given.
        remote: String,
        /// What git printed, control characters escaped.
        said: Vec<String>,
    },
    /// The `git` command could not be run.
    #[error("cannot run `git push`")]
    RunGit(#[source] std::io::Error),
    /// The branch moved while esogen was committing to it.
    #[error("branch `{0}` changed while esogen was committing; run again")]
    Raced(String),
    /// HEAD names no branch, so a commit would land nowhere anyone expects.
    #[error(
        "HEAD is detached: check out the branch to commit on (`git switch BRANCH`), or commit to another branch with `--branch NAME`"
    )]
    DetachedHead,
    /// HEAD is a symbolic reference to something other than a branch
    /// (`git symbolic-ref HEAD refs/remotes/origin/x`): a commit would move
    /// that reference, or a branch nobody checked out.
    #[error(
        "HEAD points at `{0}`, which is not a branch: check out the branch to commit on (`git switch BRANCH`), or commit to another branch with `--branch NAME`"
    )]
    HeadNotOnBranch(String),
    /// `--branch` names something git does not accept as a branch.
    #[error("`{0}` is not a valid branch name (see `git check-ref-format --branch`)")]
    InvalidBranch(String),
    /// `--branch` names the checked-out branch, whose working tree and
    /// index esogen would leave behind.
    #[error(
        "`{0}` is the checked-out branch: run without `--branch` to commit on it (`--branch` is for another branch, such as a separate GitOps branch)"
    )]
    BranchCheckedOut(String),
    /// `--branch` names a branch checked out in another working tree of the
    /// repository (`git worktree add`), whose index would then stage the
    /// deletion of everything esogen commits.
    #[error(
        "`{branch}` is checked out in the working tree `{}`: commit there without `--branch`, or name another branch",
        .worktree.display()
    )]
    BranchCheckedOutElsewhere {
        /// The branch.
        branch: String,
        /// The working tree that has it checked out.
        worktree: PathBuf,
    },
    /// Any other libgit2 failure, with what was being done.
    #[error("git: cannot {action}")]
    Git {
        /// What was being done.
        action: String,
        /// Cause.
        #[source]
        source: Libgit2,
    },
}

/// A libgit2 error, shown by its message only: libgit2's own rendering
/// appends `; class=Index (10); code=NotFound (-3)`, internals that mean
/// nothing to the person reading the error (`Debug` keeps them).
#[derive(Debug)]
pub struct Libgit2(pub git2::Error);

impl std::fmt::Display for Libgit2 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0.message())
    }
}

impl std::error::Error for Libgit2 {}

impl From<git2::Error> for Libgit2 {
    fn from(e: git2::Error) -> Self {
        Self(e)
    }
}

/// Lines a remote (or git) printed, each on its own indented line after
/// the message, behind `prefix`.
pub(super) fn indented(said: &[String], prefix: &str) -> String {
    said.iter().map(|l| format!("\n  {prefix}{l}")).collect()
}

pub(super) fn git(action: impl Into<String>) -> impl FnOnce(git2::Error) -> GitError {
    let action = action.into();
    move |source| GitError::Git {
        action,
        source: Libgit2(source),
    }
}
