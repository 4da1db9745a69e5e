//! The only stage besides loading that touches the disk. Consumes an
//! `OutputTree` and an output root; `diff` computes the `ChangeSet` against
//! what is on disk, `write` applies it atomically per file.

pub mod cache;
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
