//! The generated output as an in-memory tree: relative path → bytes, ordered.
//! Produced by `render`, consumed by `sync`. Nothing touches the disk until
//! the whole tree exists.

use std::collections::BTreeMap;

/// Path of the ownership record inside the output root: the list of files
/// esogen generated last time, so only those are ever pruned.
pub const OWNERSHIP_FILE: &str = ".esogen/owned-files.json";

/// Generated files by `/`-separated relative path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputTree {
    files: BTreeMap<String, Vec<u8>>,
}

/// A path that would leave the output root or cannot be a plain file path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refusing to generate `{path}`: {reason}")]
pub struct UnsafePath {
    /// The offending path.
    pub path: String,
    /// Why it is unsafe.
    pub reason: &'static str,
}

/// Checks that a relative path stays inside the output root.
pub fn check_path(path: &str) -> Result<(), UnsafePath> {
    let bad = |reason| {
        Err(UnsafePath {
            path: path.to_owned(),
            reason,
        })
    };
    if path.is_empty() {
        return bad("the path is empty");
    }
    if path.starts_with('/') || path.contains('\\') || path.contains(':') {
        return bad("it is absolute or not a plain relative path");
    }
    if path
        .split('/')
        .any(|s| s.is_empty() || s == "." || s == "..")
    {
        return bad("it has an empty, `.` or `..` component");
    }
    if path.chars().any(|c| c.is_control()) {
        return bad("it contains a control character");
    }
    Ok(())
}

impl OutputTree {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a file; a path outside the root or a second file at the same
    /// path is refused (two artifacts must never collide silently).
    pub fn insert(&mut self, path: String, bytes: Vec<u8>) -> Result<(), UnsafePath> {
        check_path(&path)?;
        if self.files.contains_key(&path) {
            return Err(UnsafePath {
                path,
                reason: "two generated files would share this path",
            });
        }
        self.files.insert(path, bytes);
        Ok(())
    }

    /// Files in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Vec<u8>)> {
        self.files.iter()
    }

    /// One file's bytes.
    pub fn get(&self, path: &str) -> Option<&Vec<u8>> {
        self.files.get(path)
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when there are no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Total size in bytes.
    pub fn total_bytes(&self) -> usize {
        self.files.values().map(Vec::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_cannot_escape() {
        for bad in [
            "",
            "/etc/passwd",
            "../x",
            "a/../../x",
            "a//b",
            "a/./b",
            "c:\\x",
            "a\nb",
        ] {
            assert!(check_path(bad).is_err(), "{bad:?}");
        }
        assert!(check_path("overlays/payments/kustomization.yaml").is_ok());
    }

    #[test]
    fn duplicate_paths_are_refused() {
        let mut t = OutputTree::new();
        t.insert("a".into(), vec![]).unwrap();
        assert!(t.insert("a".into(), vec![]).is_err());
    }
}
