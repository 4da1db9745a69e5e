//! The intent journal: before a run writes or removes a single generated
//! file, it records every path it is about to touch in
//! `.esogen/journal.json`, and removes the journal only once the ownership
//! record is written and every removal is done.
//!
//! A journal found at the start of a run means the last one stopped half
//! way (killed, out of space, a crash). The run then trusts no cache, counts
//! the journal's paths as esogen's own (with the same checks as the
//! ownership record: in esogen's layout and still carrying its marker), so a
//! file the stopped run wrote and the config no longer asks for is removed
//! instead of being left as an orphan folder for Argo CD to deploy, and
//! removes the temporary files and the private directories (new
//! directories it was building, see `sync::write`) the stopped run left.
//!
//! The journal is local (never committed: the generated `.esogen/.gitignore`
//! lists it) and is written like every other file: to a temporary file
//! renamed into place.

use std::path::Path;

use serde::{Deserialize, Serialize};

/// Temporary files are named `.esogen-XXXXXX.tmp`, next to their target.
pub const TEMP_PREFIX: &str = ".esogen-";
/// See [`TEMP_PREFIX`].
pub const TEMP_SUFFIX: &str = ".tmp";

/// True when `rel` names one of esogen's temporary files.
pub fn is_temporary(rel: &str) -> bool {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
}

/// Private directories (`sync::fsys`) are named `.esogen-new-<pid>-<n>.tmp`
/// next to the directory they become: a temporary name ([`is_temporary`]).
pub const STAGED_DIR_PREFIX: &str = ".esogen-new-";

/// True when `name` is exactly the name esogen gives a private directory
/// (`.esogen-new-<pid>-<n>.tmp`, both in lower-case hex; `sync::fsys`):
/// a person's `.esogen-backup.tmp` is not one, nor a name that only reads
/// like one once invalid UTF-8 is replaced. Only such a directory, and
/// only while an interrupted run's journal is there (a private directory
/// never outlives the journal of the run that made it), is removed as a
/// leftover.
pub fn is_private_dir(name: &str) -> bool {
    let hex = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    name.strip_prefix(STAGED_DIR_PREFIX)
        .and_then(|rest| rest.strip_suffix(TEMP_SUFFIX))
        .and_then(|rest| rest.split_once('-'))
        .is_some_and(|(pid, n)| hex(pid) && hex(n))
}

/// Path of the journal inside the output root.
pub const JOURNAL_FILE: &str = ".esogen/journal.json";

/// What a run is about to do.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Journal {
    /// Says what the file is.
    pub comment: String,
    /// Relative paths about to be written or removed, sorted.
    pub paths: Vec<String>,
}

impl Journal {
    /// A journal for `paths`.
    pub fn new(mut paths: Vec<String>) -> Self {
        paths.sort();
        paths.dedup();
        Self {
            comment: "esogen is writing (or was interrupted while writing) these files; the next run finishes or undoes it. Local, never committed.".to_owned(),
            paths,
        }
    }

    /// The bytes written to [`JOURNAL_FILE`].
    pub fn to_bytes(&self) -> Vec<u8> {
        // A struct of strings always serializes.
        serde_json::to_vec(self).unwrap_or_default()
    }
}

/// The journal a stopped run left under `root`: `None` when the last run
/// finished. A journal that cannot be read or parsed (a disk error, a hand
/// edit) still means "interrupted", with no paths to go on: the run then
/// takes the full path and finds leftovers by listing every directory.
pub fn pending(root: &Path) -> Option<Journal> {
    match std::fs::read(root.join(JOURNAL_FILE)) {
        Ok(bytes) => Some(serde_json::from_slice(&bytes).unwrap_or_default()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(_) => Some(Journal::default()),
    }
}
