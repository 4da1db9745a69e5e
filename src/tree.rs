//! The generated output as an in-memory tree: relative path → bytes, ordered.
//! Produced by `render`, consumed by `sync`. Nothing touches the disk until
//! the whole tree exists.
//!
//! An incremental run (see `pipeline::generate`) also holds *kept* files:
//! paths of namespaces whose inputs did not change since the last run and
//! whose files are still on disk as that run left them. Their bytes are not
//! rendered again; they count as generated and unchanged.

use std::collections::BTreeMap;

/// Path of the ownership record inside the output root: the list of files
/// esogen generated last time, so only those are ever pruned.
pub const OWNERSHIP_FILE: &str = ".esogen/owned-files.json";

/// Generated files by `/`-separated relative path.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputTree {
    files: BTreeMap<String, Vec<u8>>,
    /// [`path_hash`] of each of `files`' paths: a kept path (up to every
    /// path of an incremental run) is looked for among the rendered ones
    /// by this hash first, and in the ordered map only on a match.
    rendered: foldhash::HashSet<u64>,
    /// Hashed, not ordered: an incremental run keeps up to every path, and
    /// the only ordered use ([`OutputTree::paths`]) sorts once.
    kept: foldhash::HashSet<String>,
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
///
/// Two quick passes over the bytes: it runs on every generated path, kept ones
/// included (100,000 per run at 10,000 teams), and kept paths come from the
/// local cache, which a person can edit. When a path has several faults,
/// the reason given is the first of: empty, absolute or not plain,
/// an empty, `.` or `..` component, a control character.
pub fn check_path(path: &str) -> Result<(), UnsafePath> {
    let bad = |reason| {
        Err(UnsafePath {
            path: path.to_owned(),
            reason,
        })
    };
    let bytes = path.as_bytes();
    if bytes.is_empty() {
        return bad("the path is empty");
    }
    // Generated paths are printable ASCII: one branch-free pass over the
    // bytes (which the compiler vectorizes) proves there is no control
    // character, `\\` or `:`, and only the components are left to look
    // at, found with memchr.
    let unusual = bytes.iter().fold(0u8, |acc, &b| {
        acc | u8::from(!(0x20..0x7f).contains(&b)) | u8::from(b == b'\\') | u8::from(b == b':')
    });
    if unusual == 0 {
        if bytes[0] == b'/' {
            return bad("it is absolute or not a plain relative path");
        }
        let mut start = 0;
        for end in memchr::memchr_iter(b'/', bytes).chain([bytes.len()]) {
            if is_bad_component(&bytes[start..end]) {
                return bad("it has an empty, `.` or `..` component");
            }
            start = end + 1;
        }
        return Ok(());
    }
    let mut not_plain = bytes[0] == b'/';
    let mut bad_component = false;
    let mut control = false;
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'\\' | b':' => not_plain = true,
            b'/' => {
                bad_component |= is_bad_component(&bytes[start..i]);
                start = i + 1;
            }
            // `char::is_control` is the category Cc: U+0000 to U+001F,
            // U+007F, and U+0080 to U+009F (encoded as 0xC2 0x80..=0x9F).
            0..=0x1f | 0x7f => control = true,
            0xc2 if matches!(bytes.get(i + 1), Some(0x80..=0x9f)) => control = true,
            _ => {}
        }
    }
    bad_component |= is_bad_component(&bytes[start..]);
    if not_plain {
        return bad("it is absolute or not a plain relative path");
    }
    if bad_component {
        return bad("it has an empty, `.` or `..` component");
    }
    if control {
        return bad("it contains a control character");
    }
    Ok(())
}

/// A hash of `path`, the same for equal paths in every tree (a fixed seed,
/// so equal trees compare equal).
fn path_hash(path: &str) -> u64 {
    use std::hash::BuildHasher as _;
    foldhash::fast::FixedState::default().hash_one(path)
}

/// A path [`check_path`] accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafePath(String);

impl SafePath {
    /// Checks `path` ([`check_path`]).
    pub fn parse(path: String) -> Result<Self, UnsafePath> {
        check_path(&path)?;
        Ok(Self(path))
    }
}

/// True for a path component that is empty, `.` or `..`.
fn is_bad_component(c: &[u8]) -> bool {
    matches!(c, b"" | b"." | b"..")
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
        if self.contains(&path) {
            return Err(UnsafePath {
                path,
                reason: "two generated files would share this path",
            });
        }
        self.rendered.insert(path_hash(&path));
        self.files.insert(path, bytes);
        Ok(())
    }

    /// Adds a kept file: generated by the last run from the same inputs and
    /// still on disk unchanged, so not rendered again.
    pub fn keep(&mut self, path: String) -> Result<(), UnsafePath> {
        self.keep_safe(SafePath::parse(path)?)
    }

    /// [`OutputTree::keep`] for a path already checked (on another thread,
    /// say).
    pub fn keep_safe(&mut self, path: SafePath) -> Result<(), UnsafePath> {
        let SafePath(path) = path;
        let duplicate = |path| UnsafePath {
            path,
            reason: "two generated files would share this path",
        };
        if self.rendered.contains(&path_hash(&path)) && self.files.contains_key(&path) {
            return Err(duplicate(path));
        }
        // One hash of the path: `replace` hands back the equal path already
        // kept, if any (the set is unchanged then).
        match self.kept.replace(path) {
            Some(path) => Err(duplicate(path)),
            None => Ok(()),
        }
    }

    /// Makes room for `n` more kept files.
    pub fn reserve_kept(&mut self, n: usize) {
        self.kept.reserve(n);
    }

    /// True when `path` is generated, rendered or kept.
    pub fn contains(&self, path: &str) -> bool {
        // Kept first: in an incremental run nearly every path is kept, and
        // a hash lookup costs less than a walk of the ordered map.
        self.kept.contains(path) || self.files.contains_key(path)
    }

    /// True when `path` is a kept file.
    pub fn is_kept(&self, path: &str) -> bool {
        self.kept.contains(path)
    }

    /// Rendered files in path order (kept files are not among them).
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Vec<u8>)> {
        self.files.iter()
    }

    /// Kept files, in no particular order.
    pub fn kept(&self) -> impl Iterator<Item = &String> {
        self.kept.iter()
    }

    /// How many files are kept.
    pub fn kept_count(&self) -> usize {
        self.kept.len()
    }

    /// Every generated path, rendered and kept, in path order.
    pub fn paths(&self) -> Vec<&String> {
        let mut all: Vec<&String> = self.files.keys().chain(&self.kept).collect();
        all.sort_unstable();
        all
    }

    /// True when every file was rendered (none kept): what committing needs.
    pub fn is_complete(&self) -> bool {
        self.kept.is_empty()
    }

    /// One file's bytes.
    pub fn get(&self, path: &str) -> Option<&Vec<u8>> {
        self.files.get(path)
    }

    /// Number of files, rendered and kept.
    pub fn len(&self) -> usize {
        self.files.len() + self.kept.len()
    }

    /// True when there are no files.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Total size in bytes of the rendered files.
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

    /// The check as it was written before it became one pass over the
    /// bytes: the one-pass check must agree with it, reason included.
    fn check_path_by_parts(path: &str) -> Result<(), &'static str> {
        if path.is_empty() {
            return Err("the path is empty");
        }
        if path.starts_with('/') || path.contains('\\') || path.contains(':') {
            return Err("it is absolute or not a plain relative path");
        }
        if path
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == "..")
        {
            return Err("it has an empty, `.` or `..` component");
        }
        if path.chars().any(|c| c.is_control()) {
            return Err("it contains a control character");
        }
        Ok(())
    }

    proptest::proptest! {
        #[test]
        fn the_one_pass_check_agrees_with_the_check_by_parts(
            path in "([a-z/.:\\\\]|\\PC|[\\x00-\\x1f\\x7f-\\u{a0}]){0,12}"
        ) {
            proptest::prop_assert_eq!(
                check_path(&path).map_err(|e| e.reason),
                check_path_by_parts(&path)
            );
        }

        /// Printable ASCII, the fast path's domain.
        #[test]
        fn the_ascii_check_agrees_with_the_check_by_parts(path in "[a-b./:\\\\ ~]{0,10}") {
            proptest::prop_assert_eq!(
                check_path(&path).map_err(|e| e.reason),
                check_path_by_parts(&path)
            );
        }
    }

    #[test]
    fn each_unsafe_path_gets_the_first_reason() {
        for (path, reason) in [
            ("", "the path is empty"),
            ("/a//\u{85}", "it is absolute or not a plain relative path"),
            ("a/../\u{1}", "it has an empty, `.` or `..` component"),
            ("a/b.", "ok"),
            ("a/.b/..c", "ok"),
            ("a/\u{9f}", "it contains a control character"),
            ("a/\u{a0}\u{100}\u{c280}", "ok"),
            ("a/\u{7f}", "it contains a control character"),
        ] {
            let got = check_path(path).map_or_else(|e| e.reason, |()| "ok");
            assert_eq!(got, reason, "{path:?}");
            assert_eq!(
                check_path_by_parts(path).map_or_else(|e| e, |()| "ok"),
                reason
            );
        }
    }

    #[test]
    fn duplicate_paths_are_refused() {
        let mut t = OutputTree::new();
        t.insert("a".into(), vec![]).unwrap();
        assert!(t.insert("a".into(), vec![]).is_err());
        assert!(t.keep("a".into()).is_err());
        t.keep("b".into()).unwrap();
        assert!(t.insert("b".into(), vec![]).is_err());
        assert_eq!(t.paths(), ["a", "b"]);
        assert_eq!(t.len(), 2);
        assert!(!t.is_complete());
    }
}
