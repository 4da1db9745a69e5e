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

/// What [`Journal::comment`] says.
const COMMENT: &str = "esogen is writing (or was interrupted while writing) these files; the next run finishes or undoes it. Local, never committed.";

/// A [`Journal`] of borrowed paths, serialized the same way.
#[derive(Serialize)]
struct Borrowed<'a> {
    comment: &'a str,
    paths: Vec<&'a str>,
}

impl Journal {
    /// A journal for `paths`.
    pub fn new(mut paths: Vec<String>) -> Self {
        paths.sort();
        paths.dedup();
        Self {
            comment: COMMENT.to_owned(),
            paths,
        }
    }

    /// The bytes written to [`JOURNAL_FILE`].
    pub fn to_bytes(&self) -> Vec<u8> {
        // A struct of strings always serializes.
        serde_json::to_vec(self).unwrap_or_default()
    }

    /// The bytes of [`Journal::new`]`(paths)`, from borrowed paths: a full
    /// run's journal names every file (180,000 at 20,000 teams), and a copy
    /// of each path, then a buffer grown by doubling, were 20 MB at the
    /// peak of its memory. The buffer is sized for the paths as they are;
    /// the rare path that needs escaping costs one reallocation.
    pub fn bytes_of<'a>(paths: impl IntoIterator<Item = &'a str>) -> Vec<u8> {
        let mut paths: Vec<&str> = paths.into_iter().collect();
        paths.sort_unstable();
        paths.dedup();
        let size = paths.iter().map(|p| p.len() + 3).sum::<usize>() + COMMENT.len() + 32;
        let mut out = Vec::with_capacity(size);
        // A struct of strings always serializes.
        let _ = serde_json::to_writer(
            &mut out,
            &Borrowed {
                comment: COMMENT,
                paths,
            },
        );
        out
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The journal written from borrowed paths reads back as the journal of
    /// those paths, sorted and without duplicates; quotes, backslashes and
    /// non-ASCII survive, and the buffer's estimate does not have to hold.
    #[test]
    fn a_journal_of_borrowed_paths_is_the_journal_of_those_paths() {
        let paths = [
            "overlays/b/x.yaml",
            "overlays/a/\"quoted\\\".yaml",
            "policies/é/ü.json",
            "overlays/b/x.yaml",
            "",
        ];
        let bytes = Journal::bytes_of(paths);
        let owned = Journal::new(paths.iter().map(|p| (*p).to_owned()).collect());
        assert_eq!(bytes, owned.to_bytes());
        let read: Journal = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(read.paths, owned.paths);
        assert_eq!(
            read.paths,
            [
                "",
                "overlays/a/\"quoted\\\".yaml",
                "overlays/b/x.yaml",
                "policies/é/ü.json"
            ]
        );
        assert_eq!(read.comment, COMMENT);
    }
}
