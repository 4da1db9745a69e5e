//! The only stage besides loading that touches the disk. Consumes an
//! `OutputTree` and an output root; `diff` computes the `ChangeSet` against
//! what is on disk, `write` applies it atomically per file.

pub mod cache;
pub mod diff;
pub mod git;
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
