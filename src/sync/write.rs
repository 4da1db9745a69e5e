//! Applies a `ChangeSet`: each file is written to a temporary sibling and
//! renamed over the old one, so a reader (or a crash) sees either the old or
//! the new content, never a truncated file. Only files esogen owns are removed.

use std::io::Write;
use std::path::Path;

use super::SyncError;
use super::diff::{ChangeSet, check_no_symlink};
use crate::tree::{OWNERSHIP_FILE, OutputTree};

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), SyncError> {
    let err = |action: &'static str| {
        let path = path.to_path_buf();
        move |source| SyncError::Io {
            action,
            path,
            source,
        }
    };
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(err("create the directory of"))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".esogen-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(err("create a temporary file next to"))?;
    tmp.write_all(bytes).map_err(err("write"))?;
    tmp.as_file().sync_all().map_err(err("flush"))?;
    tmp.persist(path).map_err(|e| SyncError::Io {
        action: "replace",
        path: path.to_path_buf(),
        source: e.error,
    })?;
    Ok(())
}

/// Writes added and changed files, then the ownership record, then removes
/// files that are no longer generated and the directories they leave empty.
pub fn apply(root: &Path, tree: &OutputTree, changes: &ChangeSet) -> Result<(), SyncError> {
    for rel in changes.added.iter().chain(&changes.changed) {
        if rel == OWNERSHIP_FILE {
            continue;
        }
        check_no_symlink(root, rel)?;
        if let Some(bytes) = tree.get(rel) {
            write_atomic(&root.join(rel), bytes)?;
        }
    }
    if changes
        .added
        .iter()
        .chain(&changes.changed)
        .any(|p| p == OWNERSHIP_FILE)
        && let Some(bytes) = tree.get(OWNERSHIP_FILE)
    {
        write_atomic(&root.join(OWNERSHIP_FILE), bytes)?;
    }
    for rel in &changes.removed {
        check_no_symlink(root, rel)?;
        let path = root.join(rel);
        match std::fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(source) => {
                return Err(SyncError::Io {
                    action: "remove",
                    path,
                    source,
                });
            }
        }
        let mut dir = path.parent();
        while let Some(d) = dir {
            if d == root || !d.starts_with(root) {
                break;
            }
            // Stops at the first directory that still has files.
            if std::fs::remove_dir(d).is_err() {
                break;
            }
            dir = d.parent();
        }
    }
    Ok(())
}
