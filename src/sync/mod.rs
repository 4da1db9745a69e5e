//! The only stage besides loading that touches the disk. Consumes an
//! `OutputTree` and an output root; `diff` computes the `ChangeSet` against
//! what is on disk, `write` applies it atomically per file (and per
//! directory, for a directory new in this run).

pub mod cache;
pub mod commit;
pub mod diff;
pub mod fsys;
pub mod git;
pub mod journal;
pub mod message;
pub mod write;

use std::path::PathBuf;

/// Why syncing the tree to disk failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// Reading or writing a file failed.
    #[error("cannot {action} `{path}`")]
    Io {
        /// What was being done ("read", "write", ...).
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A generated path would pass through a symbolic link, which could
    /// point outside the output root.
    #[error("refusing to write through the symbolic link `{path}`")]
    Symlink {
        /// The link.
        path: PathBuf,
    },
    /// A generated path is unsafe.
    #[error(transparent)]
    UnsafePath(#[from] crate::tree::UnsafePath),
}

/// One file operation of a run that writes, counted for fault injection.
///
/// Debug builds only (the integration tests run the debug binary): with
/// `ESOGEN_TEST_FAULT=abort:N` the process aborts at the N-th operation, as
/// under `kill -9` (no destructor, no cleanup); with `enospc:N` that
/// operation fails with "no space left on device". Every writer thread
/// counts on the same counter, so each step of the parallel path can be
/// cut. Release builds compile this to nothing.
pub(crate) fn fault_point() -> std::io::Result<()> {
    #[cfg(debug_assertions)]
    {
        use std::sync::OnceLock;
        use std::sync::atomic::{AtomicUsize, Ordering};
        static PLAN: OnceLock<Option<(bool, usize)>> = OnceLock::new();
        static STEP: AtomicUsize = AtomicUsize::new(0);
        let plan = PLAN.get_or_init(|| {
            let v = std::env::var("ESOGEN_TEST_FAULT").ok()?;
            let (kind, n) = v.split_once(':')?;
            Some((kind == "abort", n.parse().ok()?))
        });
        if let Some((abort, at)) = *plan
            && STEP.fetch_add(1, Ordering::SeqCst) + 1 == at
        {
            if abort {
                std::process::abort();
            }
            return Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                "No space left on device (injected by ESOGEN_TEST_FAULT)",
            ));
        }
    }
    Ok(())
}

/// What a run noticed about the output root and reports without acting on
/// it, from the [`diff::ChangeSet`] it computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// The last run that wrote here was interrupted: its journal or
    /// temporary files are left. A run that writes finishes it.
    Interrupted {
        /// Temporary files left, each private directory (a new directory
        /// the run was building) counted as one.
        temporary_files: usize,
    },
    /// A file in the managed directories that esogen did not generate;
    /// left untouched.
    Stray(String),
    /// A path the ownership record lists that esogen never generates;
    /// left untouched (the record is committed, so a pull request can edit
    /// it).
    Untrusted(String),
}

impl Note {
    /// The notes a change set calls for: an interrupted run first, then
    /// strays, then untrusted record entries, each in path order.
    pub fn from_changes(changes: &diff::ChangeSet) -> Vec<Note> {
        let interrupted = changes.journal.is_some() || !changes.leftovers.is_empty();
        let interrupted = interrupted.then_some(Note::Interrupted {
            temporary_files: changes.leftovers.len(),
        });
        interrupted
            .into_iter()
            .chain(changes.strays.iter().cloned().map(Note::Stray))
            .chain(changes.untrusted.iter().cloned().map(Note::Untrusted))
            .collect()
    }
}

/// True when `tree` holds the ownership record and comparing it with the
/// disk found it there as generated (neither added nor changed): the record
/// on disk is then byte for byte this run's, written from the same plan.
pub fn record_unchanged(tree: &crate::tree::OutputTree, changes: &diff::ChangeSet) -> bool {
    let record = crate::tree::OWNERSHIP_FILE;
    tree.contains(record)
        && !changes
            .added
            .iter()
            .chain(&changes.changed)
            .any(|p| p == record)
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Note::Interrupted { temporary_files } => write!(
                f,
                "note: the last run that wrote here was interrupted ({} left, {temporary_files} temporary files); a run that writes finishes it",
                journal::JOURNAL_FILE
            ),
            Note::Stray(path) => {
                write!(
                    f,
                    "note: `{path}` was not generated by esogen; left untouched"
                )
            }
            Note::Untrusted(path) => write!(
                f,
                "warning: `{path}` is listed in {} but esogen never generates it (outside bases/, overlays/ and policies/, or without esogen's marker); left untouched",
                crate::tree::OWNERSHIP_FILE
            ),
        }
    }
}
