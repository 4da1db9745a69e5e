//! The index file read and rewritten by esogen itself for a commit on the
//! checked-out branch. libgit2 parses every entry into its own allocation,
//! checks the file with collision-detecting SHA-1 and, to write, serializes
//! every entry again (BENCHMARKS.md, issue 18): at 100,000 entries that is
//! most of a one-team commit. Here the file is read once, entries are
//! located in place, unchanged entries are copied as they are and only the
//! changed ones are encoded.
//!
//! Only the plain format is handled: versions 2 and 3, every entry at stage
//! 0 (no conflicts), no required extension (`link`, `sdir`, ...), a valid
//! checksum. The cache-tree extension (`TREE`) is kept with the changed
//! directories invalidated, as `git add` does; other optional extensions
//! (untracked cache, fsmonitor, offset tables) are dropped, which git
//! allows. Anything else, and a change that turns a file into a directory
//! or back, goes through libgit2 (`Read::Other`, `Written::NotHandled`).

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

use git2::Oid;

use super::{GitError, git};

/// Fixed part of an entry: ctime, mtime (8 bytes each), dev, ino, mode,
/// uid, gid, size (4 each), object id (20), flags (2).
const FIXED: usize = 62;
const FLAG_EXTENDED: u16 = 0x4000;
const FLAG_STAGE: u16 = 0x3000;
/// The path's length in an entry's flags, up to 0xFFF.
const FLAG_NAME_LEN: u16 = 0x0FFF;
const SHA1_LEN: usize = 20;

/// A staged entry's size, mtime in nanoseconds and blob.
pub(super) type EntryMeta = (u64, i128, Oid);

/// The index's stage-0 entries by path.
pub(super) type StagedEntries<'a> = HashMap<Cow<'a, [u8]>, EntryMeta, foldhash::fast::RandomState>;

/// What reading the index gave.
pub(super) enum Read {
    /// The plain format, understood here.
    Plain(IndexFile),
    /// Another format or content: leave it to libgit2.
    Other,
}

/// An index file in memory, its entries located in place.
pub(super) struct IndexFile {
    bytes: Vec<u8>,
    version: u32,
    /// (start, length) of each entry, in the file's order (by path).
    entries: Vec<(usize, usize)>,
    /// The cache-tree extension's data, if any.
    tree: Option<(usize, usize)>,
}

/// A new stage-0 entry: path, stat data fields as git stores them, blob.
pub(super) struct NewEntry<'a> {
    pub(super) path: &'a [u8],
    /// ctime s, ctime ns, mtime s, mtime ns, dev, ino, mode, uid, gid, size.
    pub(super) stat: [u32; 10],
    pub(super) id: Oid,
}

/// What writing the index did.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Written {
    /// The index was written.
    Done,
    /// A change this module does not make (a file replacing a directory
    /// or the other way round): nothing was written.
    NotHandled,
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

impl IndexFile {
    /// Reads the index at `path`; a missing file is an empty index.
    pub(super) fn read(path: &Path) -> Result<Read, GitError> {
        match std::fs::read(path) {
            Ok(bytes) => Ok(Self::parse(bytes).map_or(Read::Other, Read::Plain)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Read::Plain(Self {
                bytes: Vec::new(),
                version: 2,
                entries: Vec::new(),
                tree: None,
            })),
            Err(e) => Err(io_error("read the index")(e)),
        }
    }

    /// Locates the entries and extensions; `None` for anything but the
    /// plain format with a valid checksum.
    fn parse(bytes: Vec<u8>) -> Option<Self> {
        use sha1::Digest;
        let body_len = bytes.len().checked_sub(SHA1_LEN)?;
        if bytes.get(..4)? != b"DIRC" {
            return None;
        }
        let (body, trailer) = bytes.split_at(body_len);
        // A zero checksum is what `index.skipHash` writes.
        if trailer.iter().any(|b| *b != 0) && sha1::Sha1::digest(body).as_slice() != trailer {
            return None;
        }
        let version = be32(body, 4)?;
        if !(2..=3).contains(&version) {
            return None;
        }
        let count = usize::try_from(be32(body, 8)?).ok()?;
        let mut entries = Vec::with_capacity(count);
        let mut at = 12;
        for _ in 0..count {
            let len = entry_len(body, at, version)?;
            entries.push((at, len));
            at += len;
        }
        let tree = extensions(body, at)?;
        let file = Self {
            bytes,
            version,
            entries,
            tree,
        };
        file.sorted_at_stage_0().then_some(file)
    }

    /// Every entry at stage 0 and the paths strictly increasing, as git
    /// writes an index without conflicts.
    fn sorted_at_stage_0(&self) -> bool {
        let mut last: Option<&[u8]> = None;
        for e in &self.entries {
            let flags = u16::from_be_bytes([self.bytes[e.0 + 60], self.bytes[e.0 + 61]]);
            let path = self.path(*e);
            if flags & FLAG_STAGE != 0 || last.is_some_and(|l| l >= path) {
                return false;
            }
            last = Some(path);
        }
        true
    }

    /// The entry's path: as long as its flags say (`parse` checked that
    /// against the NUL ending it), or up to the NUL for a path of 4,095
    /// bytes or more. Found four times per entry for a commit, so the
    /// flags save scanning 100,000 paths for their ends each time.
    fn path(&self, (start, len): (usize, usize)) -> &[u8] {
        let raw = &self.bytes[start..start + len];
        let flags = u16::from_be_bytes([raw[60], raw[61]]);
        let from = if flags & FLAG_EXTENDED != 0 {
            FIXED + 2
        } else {
            FIXED
        };
        let rest = &raw[from..];
        let named = usize::from(flags & FLAG_NAME_LEN);
        if named < usize::from(FLAG_NAME_LEN) {
            return &rest[..named];
        }
        let end = rest.iter().position(|b| *b == 0).unwrap_or(rest.len());
        &rest[..end]
    }

    /// The entries by path, borrowed from the file.
    pub(super) fn staged(&self) -> StagedEntries<'_> {
        let mut out = StagedEntries::with_capacity_and_hasher(
            self.entries.len(),
            foldhash::fast::RandomState::default(),
        );
        for e in &self.entries {
            let raw = &self.bytes[e.0..e.0 + e.1];
            let word = |i: usize| u32::from_be_bytes([raw[i], raw[i + 1], raw[i + 2], raw[i + 3]]);
            let mtime = i128::from(word(8)) * 1_000_000_000 + i128::from(word(12));
            let Ok(id) = Oid::from_bytes(&raw[40..60]) else {
                continue;
            };
            out.insert(
                Cow::Borrowed(self.path(*e)),
                (u64::from(word(36)), mtime, id),
            );
        }
        out
    }

    /// Writes the index with `upsert` staged and `remove` unstaged through
    /// `index.lock`, as git does, unless a change replaces a file by a
    /// directory or the other way round.
    pub(super) fn write(
        &self,
        path: &Path,
        upsert: &[NewEntry<'_>],
        remove: &[&[u8]],
    ) -> Result<Written, GitError> {
        let mut upsert: Vec<&NewEntry<'_>> = upsert.iter().collect();
        upsert.sort_by(|a, b| a.path.cmp(b.path));
        upsert.dedup_by(|a, b| a.path == b.path);
        if self.file_dir_clash(&upsert) {
            return Ok(Written::NotHandled);
        }
        let mut removed: Vec<&[u8]> = remove.to_vec();
        removed.sort_unstable();
        let (body, count) = self.merged(&upsert, &removed);
        let mut out = Vec::with_capacity(body.len() + 64);
        out.extend_from_slice(b"DIRC");
        out.extend_from_slice(&self.version.to_be_bytes());
        let count = u32::try_from(count)
            .map_err(|e| io_error("write the index")(std::io::Error::other(e)))?;
        out.extend_from_slice(&count.to_be_bytes());
        out.extend_from_slice(&body);
        if let Some(tree) = self.tree_extension(&upsert, &removed) {
            out.extend_from_slice(b"TREE");
            let len = u32::try_from(tree.len())
                .map_err(|e| io_error("write the index")(std::io::Error::other(e)))?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(&tree);
        }
        use sha1::Digest;
        let sum = sha1::Sha1::digest(&out);
        out.extend_from_slice(&sum);
        replace_locked(path, &out)?;
        Ok(Written::Done)
    }

    /// Whether an upserted path is also a directory of the index, or has
    /// a file of the index as one of its directories.
    fn file_dir_clash(&self, upsert: &[&NewEntry<'_>]) -> bool {
        let paths: Vec<&[u8]> = self.entries.iter().map(|e| self.path(*e)).collect();
        upsert.iter().any(|e| {
            let mut dir = e.path.to_vec();
            dir.push(b'/');
            let below = paths.partition_point(|p| *p < dir.as_slice());
            let is_dir = paths.get(below).is_some_and(|p| p.starts_with(&dir));
            let parent_is_file = e
                .path
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'/')
                .any(|(i, _)| paths.binary_search(&&e.path[..i]).is_ok());
            is_dir || parent_is_file
        })
    }

    /// The entries of the new index, in order, and how many.
    fn merged(&self, upsert: &[&NewEntry<'_>], removed: &[&[u8]]) -> (Vec<u8>, usize) {
        let mut out = Vec::with_capacity(self.bytes.len() + upsert.len() * 128);
        let mut count = 0;
        let mut new = upsert.iter().peekable();
        for e in &self.entries {
            let path = self.path(*e);
            while let Some(n) = new.next_if(|n| n.path <= path) {
                encode(&mut out, n);
                count += 1;
            }
            let replaced = upsert.binary_search_by(|n| n.path.cmp(path)).is_ok();
            if !replaced && removed.binary_search(&path).is_err() {
                out.extend_from_slice(&self.bytes[e.0..e.0 + e.1]);
                count += 1;
            }
        }
        for n in new {
            encode(&mut out, n);
            count += 1;
        }
        (out, count)
    }

    /// The cache-tree extension with every directory on the way to a
    /// changed path invalidated; `None` if there was none (or it could not
    /// be read: git rebuilds it).
    fn tree_extension(&self, upsert: &[&NewEntry<'_>], removed: &[&[u8]]) -> Option<Vec<u8>> {
        let (start, len) = self.tree?;
        let mut node = CacheTree::parse(&mut &self.bytes[start..start + len])?;
        for p in upsert.iter().map(|n| n.path).chain(removed.iter().copied()) {
            node.invalidate(p);
        }
        let mut out = Vec::with_capacity(len);
        node.write(&mut out);
        Some(out)
    }
}

/// The length of the entry at `at`, padding included.
fn entry_len(body: &[u8], at: usize, version: u32) -> Option<usize> {
    let flags = u16::from_be_bytes(body.get(at + 60..at + 62)?.try_into().ok()?);
    let fixed = if flags & FLAG_EXTENDED != 0 {
        if version < 3 {
            return None;
        }
        FIXED + 2
    } else {
        FIXED
    };
    let name = body.get(at + fixed..)?;
    let nul = name.iter().position(|b| *b == 0)?;
    // The flags hold the path's length, or 0xFFF from 4,095 bytes on, as
    // git writes them; `IndexFile::path` relies on it.
    if usize::from(flags & FLAG_NAME_LEN) != nul.min(usize::from(FLAG_NAME_LEN)) {
        return None;
    }
    // The name and 1 to 8 NULs, the entry a multiple of 8 bytes.
    let len = (fixed + nul + 8) & !7;
    (at + len <= body.len()).then_some(len)
}

/// Walks the extensions from `at`; returns the cache tree's place, `None`
/// on a required extension or a malformed one.
#[allow(clippy::option_option)]
fn extensions(body: &[u8], mut at: usize) -> Option<Option<(usize, usize)>> {
    let mut tree = None;
    while at < body.len() {
        let sig = body.get(at..at + 4)?;
        let len = usize::try_from(be32(body, at + 4)?).ok()?;
        let data = at + 8;
        if data + len > body.len() || !sig[0].is_ascii_uppercase() {
            return None;
        }
        if sig == b"TREE" {
            tree = Some((data, len));
        } else if sig == b"REUC" {
            // Resolve-undo data names paths: keep libgit2's handling.
            return None;
        }
        at = data + len;
    }
    Some(tree)
}

/// An entry as git encodes it, at stage 0 without extended flags.
fn encode(out: &mut Vec<u8>, e: &NewEntry<'_>) {
    let start = out.len();
    for word in e.stat {
        out.extend_from_slice(&word.to_be_bytes());
    }
    out.extend_from_slice(e.id.as_bytes());
    let flags = u16::try_from(e.path.len().min(0xfff)).unwrap_or(0xfff);
    out.extend_from_slice(&flags.to_be_bytes());
    out.extend_from_slice(e.path);
    let len = (FIXED + e.path.len() + 8) & !7;
    out.resize(start + len, 0);
}

/// Writes `bytes` to `<path>.lock`, created exclusively, then renames it
/// over `path`: a lock another git process holds is an error, as in git.
fn replace_locked(path: &Path, bytes: &[u8]) -> Result<(), GitError> {
    let mut lock = path.as_os_str().to_owned();
    lock.push(".lock");
    let lock = std::path::PathBuf::from(lock);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&lock)
        .map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                git("write the index")(git2::Error::new(
                    git2::ErrorCode::Locked,
                    git2::ErrorClass::Index,
                    format!(
                        "`{}` exists: another git process is running, or one crashed (remove the file if none is running)",
                        lock.display()
                    ),
                ))
            } else {
                io_error("write the index")(e)
            }
        })?;
    let written = file.write_all(bytes).and_then(|()| file.flush());
    drop(file);
    if let Err(e) = written.and_then(|()| std::fs::rename(&lock, path)) {
        let _ = std::fs::remove_file(&lock);
        return Err(io_error("write the index")(e));
    }
    Ok(())
}

fn io_error(what: &'static str) -> impl Fn(std::io::Error) -> GitError {
    move |e| git(what)(git2::Error::from_str(&e.to_string()))
}

/// One directory of the cache-tree extension: its name, entry count (-1:
/// invalid), subtree ids and children.
struct CacheTree {
    name: Vec<u8>,
    entries: i64,
    id: Option<[u8; SHA1_LEN]>,
    children: Vec<CacheTree>,
}

impl CacheTree {
    fn parse(data: &mut &[u8]) -> Option<Self> {
        let nul = data.iter().position(|b| *b == 0)?;
        let name = data[..nul].to_vec();
        *data = &data[nul + 1..];
        let nl = data.iter().position(|b| *b == b'\n')?;
        let head = std::str::from_utf8(&data[..nl]).ok()?;
        let (entries, subtrees) = head.split_once(' ')?;
        let entries: i64 = entries.parse().ok()?;
        let subtrees: usize = subtrees.parse().ok()?;
        *data = &data[nl + 1..];
        let id = if entries >= 0 {
            let id: [u8; SHA1_LEN] = data.get(..SHA1_LEN)?.try_into().ok()?;
            *data = &data[SHA1_LEN..];
            Some(id)
        } else {
            None
        };
        let children = (0..subtrees)
            .map(|_| Self::parse(data))
            .collect::<Option<Vec<_>>>()?;
        Some(Self {
            name,
            entries,
            id,
            children,
        })
    }

    /// Invalidates this directory and those on the way to `path` (relative
    /// to it).
    fn invalidate(&mut self, path: &[u8]) {
        self.entries = -1;
        self.id = None;
        let Some(slash) = path.iter().position(|b| *b == b'/') else {
            return;
        };
        let (dir, rest) = (&path[..slash], &path[slash + 1..]);
        if let Some(child) = self.children.iter_mut().find(|c| c.name == dir) {
            child.invalidate(rest);
        }
    }

    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.name);
        out.push(0);
        out.extend_from_slice(format!("{} {}\n", self.entries, self.children.len()).as_bytes());
        if let Some(id) = &self.id {
            out.extend_from_slice(id);
        }
        for c in &self.children {
            c.write(out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repository whose index libgit2 wrote with entries in three
    /// directories and a cache-tree extension; returns it and the blobs.
    fn repo_with_index(dir: &Path) -> (git2::Repository, Vec<Oid>) {
        let repo = git2::Repository::init(dir).unwrap();
        let blobs: Vec<Oid> = (0..4)
            .map(|i| repo.blob(format!("v{i}\n").as_bytes()).unwrap())
            .collect();
        let mut index = repo.index().unwrap();
        for (path, id) in [
            ("a/x.yaml", blobs[0]),
            ("a/y.yaml", blobs[1]),
            ("b/c/z.yaml", blobs[2]),
            ("top.toml", blobs[3]),
        ] {
            index.add(&entry(path, id)).unwrap();
        }
        index.write_tree().unwrap();
        index.write().unwrap();
        (repo, blobs)
    }

    fn entry(path: &str, id: Oid) -> git2::IndexEntry {
        let t = git2::IndexTime::new(1_700_000_000, 5);
        git2::IndexEntry {
            ctime: t,
            mtime: t,
            dev: 1,
            ino: 2,
            mode: 0o100_644,
            uid: 3,
            gid: 4,
            file_size: 3,
            id,
            flags: u16::try_from(path.len()).unwrap(),
            flags_extended: 0,
            path: path.as_bytes().to_vec(),
        }
    }

    fn plain(path: &Path) -> IndexFile {
        match IndexFile::read(path).unwrap() {
            Read::Plain(f) => f,
            Read::Other => panic!("the plain format was not recognized"),
        }
    }

    /// (path, id, size, mtime) of every entry, as libgit2 reads them.
    fn listing(index: &git2::Index) -> Vec<(Vec<u8>, Oid, u32, i32, u32)> {
        index
            .iter()
            .map(|e| {
                (
                    e.path,
                    e.id,
                    e.file_size,
                    e.mtime.seconds(),
                    e.mtime.nanoseconds(),
                )
            })
            .collect()
    }

    /// Staging, replacing and unstaging give the index libgit2 gives for
    /// the same changes, entry for entry, and the tree written from it is
    /// the same: the cache tree of the changed directories was
    /// invalidated, not reused.
    #[test]
    fn updates_match_libgit2_and_invalidate_the_cache_tree() {
        let dir = tempfile::tempdir().unwrap();
        let (repo, blobs) = repo_with_index(dir.path());
        let path = repo.path().join("index");
        assert!(
            std::fs::read(&path)
                .unwrap()
                .windows(4)
                .any(|w| w == b"TREE")
        );
        let fresh = repo.blob(b"new\n").unwrap();
        let changes = [entry("a/x.yaml", fresh), entry("b/c/new.yaml", blobs[0])];

        let mut theirs = git2::Index::open(&path).unwrap();
        for e in &changes {
            theirs.add(e).unwrap();
        }
        theirs.remove_path(Path::new("top.toml")).unwrap();
        let their_tree = theirs.write_tree_to(&repo).unwrap();

        let new: Vec<NewEntry<'_>> = changes
            .iter()
            .map(|e| NewEntry {
                path: &e.path,
                stat: crate::sync::git::index::stat_words(e),
                id: e.id,
            })
            .collect();
        let written = plain(&path).write(&path, &new, &[b"top.toml"]).unwrap();
        assert_eq!(written, Written::Done);
        assert!(!path.with_extension("lock").exists());
        let mut ours = git2::Index::open(&path).unwrap();
        assert_eq!(listing(&ours), listing(&theirs));
        assert_eq!(ours.write_tree_to(&repo).unwrap(), their_tree);
        // Read again by esogen: the same entries.
        let again = plain(&path);
        let staged = again.staged();
        assert_eq!(staged.len(), 4);
        assert_eq!(staged.get(&b"a/x.yaml"[..]).map(|m| m.2), Some(fresh));
    }

    /// Writing into an empty repository creates the index.
    #[test]
    fn a_missing_index_is_empty_and_gets_written() {
        let dir = tempfile::tempdir().unwrap();
        let repo = git2::Repository::init(dir.path()).unwrap();
        let path = repo.path().join("index");
        let file = plain(&path);
        assert!(file.staged().is_empty());
        let id = repo.blob(b"x").unwrap();
        let e = entry("d/f.yaml", id);
        let new = [NewEntry {
            path: &e.path,
            stat: crate::sync::git::index::stat_words(&e),
            id,
        }];
        file.write(&path, &new, &[]).unwrap();
        let index = git2::Index::open(&path).unwrap();
        assert_eq!(index.len(), 1);
        assert_eq!(index.get_path(Path::new("d/f.yaml"), 0).unwrap().id, id);
    }

    /// Formats and changes this module does not handle are left to
    /// libgit2: version 4, a conflict, a bad checksum, a file that becomes
    /// a directory.
    #[test]
    fn other_formats_and_file_directory_changes_are_left_to_libgit2() {
        let dir = tempfile::tempdir().unwrap();
        let (repo, blobs) = repo_with_index(dir.path());
        let path = repo.path().join("index");
        let good = std::fs::read(&path).unwrap();

        for swapped in ["top.toml/inside.yaml", "a"] {
            let e = entry(swapped, blobs[0]);
            let new = [NewEntry {
                path: &e.path,
                stat: crate::sync::git::index::stat_words(&e),
                id: e.id,
            }];
            assert_eq!(
                plain(&path).write(&path, &new, &[]).unwrap(),
                Written::NotHandled,
                "{swapped}"
            );
        }
        assert_eq!(std::fs::read(&path).unwrap(), good);

        let mut corrupt = good.clone();
        corrupt[20] ^= 1;
        assert!(IndexFile::parse(corrupt).is_none());

        let mut index = repo.index().unwrap();
        index.set_version(4).unwrap();
        index.write().unwrap();
        assert!(matches!(IndexFile::read(&path).unwrap(), Read::Other));

        std::fs::write(&path, &good).unwrap();
        let mut index = git2::Index::open(&path).unwrap();
        let mut theirs = entry("a/x.yaml", blobs[1]);
        theirs.flags |= 0x2000;
        index.add(&theirs).unwrap();
        index.write().unwrap();
        assert!(matches!(IndexFile::read(&path).unwrap(), Read::Other));
    }

    /// Paths are found by the length in their flags, or up to their NUL
    /// from 4,095 bytes on (the flags then say 0xFFF); an index whose
    /// flags disagree with the NUL is left to libgit2.
    #[test]
    fn paths_come_from_the_flags_up_to_4095_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let (repo, blobs) = repo_with_index(dir.path());
        let path = repo.path().join("index");
        let long = format!("d/{}", "x".repeat(5000));
        let mut index = repo.index().unwrap();
        let mut e = entry(&long, blobs[0]);
        e.flags = 0xfff;
        index.add(&e).unwrap();
        index.write().unwrap();
        let file = plain(&path);
        let staged = file.staged();
        let mut paths: Vec<&[u8]> = staged.keys().map(|k| k.as_ref()).collect();
        paths.sort_unstable();
        let want: Vec<&[u8]> = vec![
            b"a/x.yaml",
            b"a/y.yaml",
            b"b/c/z.yaml",
            long.as_bytes(),
            b"top.toml",
        ];
        assert_eq!(paths, want);

        // `a/x.yaml` (the first entry) said to be 7 bytes long, checksum
        // made good again.
        use sha1::Digest;
        let mut bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[12 + 62..12 + 70], b"a/x.yaml");
        assert_eq!(bytes[12 + 61], 8);
        bytes[12 + 61] = 7;
        let body = bytes.len() - SHA1_LEN;
        let sum = sha1::Sha1::digest(&bytes[..body]);
        bytes[body..].copy_from_slice(&sum);
        assert!(IndexFile::parse(bytes).is_none());
    }

    /// A held `index.lock` is an error and leaves the index as it was.
    #[test]
    fn a_held_lock_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (repo, _) = repo_with_index(dir.path());
        let path = repo.path().join("index");
        let before = std::fs::read(&path).unwrap();
        std::fs::write(repo.path().join("index.lock"), b"").unwrap();
        let err = plain(&path).write(&path, &[], &[b"top.toml"]).unwrap_err();
        assert!(err.to_string().contains("write the index"), "{err}");
        assert_eq!(std::fs::read(&path).unwrap(), before);
        assert!(repo.path().join("index.lock").exists());
    }
}
