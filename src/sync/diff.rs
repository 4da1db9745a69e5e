//! Compares the generated tree with the output root on disk.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use similar::TextDiff;

use super::SyncError;
use super::fsys::Root;
use super::journal::{is_private_dir, is_temporary};
use crate::render::Ownership;
use crate::tree::{OWNERSHIP_FILE, OutputTree, check_path};

mod after_write;
pub use after_write::listings_after_write;

/// Directories esogen generates into; strays are looked for only there.
pub const MANAGED_DIRS: &[&str] = &["bases", "overlays", "policies"];

/// What writing the tree would change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// Files that do not exist yet.
    pub added: Vec<String>,
    /// Files whose content differs.
    pub changed: Vec<String>,
    /// Files esogen generated before and no longer generates.
    pub removed: Vec<String>,
    /// Files in the managed directories that esogen did not generate; never
    /// touched, only reported.
    pub strays: Vec<String>,
    /// Paths the ownership record lists that esogen would never generate
    /// (outside its layout, or without its marker): never deleted, only
    /// reported. The record is committed, so a pull request can edit it.
    pub untrusted: Vec<String>,
    /// Temporary files an interrupted run left (`.esogen-*.tmp` in the
    /// managed directories, leftovers in `.esogen/`): never strays, removed
    /// by the next run that writes.
    pub leftovers: Vec<String>,
    /// The paths of the intent journal an interrupted run left (see
    /// `sync::journal`); `None` when the last run finished.
    pub journal: Option<Vec<String>>,
    /// Journal paths whose files are already gone: their emptied
    /// directories are pruned.
    pub vanished: Vec<String>,
    /// Number of files already up to date.
    pub unchanged: usize,
    /// The managed directories' listings, for the local cache.
    pub listings: Vec<Listing>,
    /// The size and mtime of the unchanged files compared, for the local
    /// cache.
    pub stats: Vec<(String, Stat)>,
    /// Directories under the managed directories that did not exist when
    /// compared, topmost only (`overlays/<ns>` for a new namespace, or
    /// `overlays` itself in an empty output), sorted: the writer builds
    /// each under a private name and moves it into place whole. Every file
    /// under one is in `added`.
    pub new_dirs: Vec<String>,
}

impl ChangeSet {
    /// True when writing would change nothing.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }

    /// True when a run that writes has something to do: a change, or the
    /// leftovers of an interrupted run to clean up.
    pub fn needs_write(&self) -> bool {
        !self.is_empty() || !self.leftovers.is_empty() || self.journal.is_some()
    }
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> SyncError {
    let path = path.to_path_buf();
    move |source| SyncError::Io {
        action,
        path,
        source,
    }
}

/// Refuses a relative path whose existing components include a symlink.
pub fn check_no_symlink(root: &Path, rel: &str) -> Result<(), SyncError> {
    check_no_symlink_memo(root, rel, &mut std::collections::HashSet::new())
}

/// [`check_no_symlink`], skipping directories in `real` (already found to
/// be real directories) and adding the ones it finds.
pub fn check_no_symlink_memo(
    root: &Path,
    rel: &str,
    real: &mut std::collections::HashSet<String>,
) -> Result<(), SyncError> {
    let mut end = 0;
    let mut parts = rel.split('/').peekable();
    while let Some(part) = parts.next() {
        end += part.len();
        let prefix = &rel[..end];
        end += 1;
        let is_dir = parts.peek().is_some();
        if is_dir && real.contains(prefix) {
            continue;
        }
        let cur = root.join(prefix);
        match std::fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => return Err(SyncError::Symlink { path: cur }),
            Ok(m) => {
                if is_dir && m.is_dir() {
                    real.insert(prefix.to_owned());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io("inspect", &cur)(e)),
        }
    }
    Ok(())
}

/// The files the previous run recorded as generated. A missing or unreadable
/// record means "owns nothing": esogen then never deletes anything.
pub fn previous_ownership(root: &Path) -> Ownership {
    std::fs::read(root.join(OWNERSHIP_FILE))
        .ok()
        .and_then(|b| Ownership::parse(&b))
        .unwrap_or_default()
}

/// The namespace → team map of the previous run's ownership record, for
/// naming the teams a run changes: only that field is read, so a record of
/// 100,000 paths costs a scan, not 100,000 strings. Empty when missing or
/// unreadable.
pub fn previous_teams(root: &Path) -> BTreeMap<String, String> {
    #[derive(serde::Deserialize)]
    struct Teams {
        #[serde(default)]
        namespaces: BTreeMap<String, String>,
    }
    std::fs::read(root.join(OWNERSHIP_FILE))
        .ok()
        .and_then(|b| serde_json::from_slice::<Teams>(&b).ok())
        .map(|t| t.namespaces)
        .unwrap_or_default()
}

/// Checks parent directories once each (there are far fewer directories than
/// files), then opens each file without following a final symlink.
struct Reader<'a> {
    root: &'a Path,
    checked: std::collections::HashSet<String>,
    missing: std::collections::HashSet<String>,
}

enum Found {
    Missing,
    /// Same content; the size and mtime read from the open file.
    Same(Stat),
    Different,
}

pub use super::fsys::{Stat, stat_of};

impl<'a> Reader<'a> {
    fn new(root: &'a Path) -> Self {
        Self {
            root,
            checked: std::collections::HashSet::default(),
            missing: std::collections::HashSet::default(),
        }
    }

    /// Verifies every parent directory of `rel`; `Ok(false)` when one does
    /// not exist (so the file does not either).
    fn parents_exist(&mut self, rel: &str) -> Result<bool, SyncError> {
        let mut end = 0;
        while let Some(pos) = rel[end..].find('/') {
            let dir = &rel[..end + pos];
            end += pos + 1;
            if self.missing.contains(dir) {
                return Ok(false);
            }
            if self.checked.contains(dir) {
                continue;
            }
            let path = self.root.join(dir);
            match std::fs::symlink_metadata(&path) {
                Ok(m) if m.file_type().is_symlink() => return Err(SyncError::Symlink { path }),
                Ok(_) => {
                    self.checked.insert(dir.to_owned());
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    self.missing.insert(dir.to_owned());
                    return Ok(false);
                }
                Err(e) => return Err(io("inspect", &path)(e)),
            }
        }
        Ok(true)
    }

    fn compare(&mut self, rel: &str, bytes: &[u8]) -> Result<Found, SyncError> {
        use std::io::Read;
        if !self.parents_exist(rel)? {
            return Ok(Found::Missing);
        }
        let path = self.root.join(rel);
        let mut file = match super::fsys::open_no_follow(&path) {
            Ok(super::fsys::Opened::File(f)) => f,
            Ok(super::fsys::Opened::Missing) => return Ok(Found::Missing),
            Ok(super::fsys::Opened::Symlink) => return Err(SyncError::Symlink { path }),
            Err(e) => return Err(io("read", &path)(e)),
        };
        // A different size needs no read.
        let meta = file.metadata().map_err(io("inspect", &path))?;
        if meta.len() != bytes.len() as u64 {
            return Ok(Found::Different);
        }
        let mut old = Vec::with_capacity(bytes.len());
        file.read_to_end(&mut old).map_err(io("read", &path))?;
        // Read before the content: a change after it shows as a new mtime.
        Ok(match stat_of(&meta) {
            Some(stat) if old == bytes => Found::Same(stat),
            _ => Found::Different,
        })
    }
}

/// Computes the changes writing `tree` under `root` would make.
pub fn compute(root: &Path, tree: &OutputTree) -> Result<ChangeSet, SyncError> {
    compute_with(root, tree, None)
}

/// One directory under the managed directories as a run listed it: when it
/// last changed (read before listing) and its entries.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Listing {
    /// Path relative to the output root.
    pub dir: String,
    /// When the directory last changed ([`Root::dir_changed`]), in
    /// nanoseconds since the epoch, read before listing it.
    pub changed: u128,
    /// Entries in one string, each ended by a NUL (which no file name
    /// holds), directories with a `/` before it: one allocation per
    /// directory instead of one per entry, for 20,000 directories read,
    /// reused and recorded on every run.
    entries: String,
    /// True when every file in it was in the tree of the run that listed
    /// it (no stray, nothing left behind): while the directory and that
    /// run's ownership record are unchanged, its files need no look-up.
    pub clean: bool,
}

impl Listing {
    /// An empty listing of `dir`, which last changed at `changed`.
    pub fn new(dir: String, changed: u128) -> Self {
        Self {
            dir,
            changed,
            entries: String::new(),
            clean: false,
        }
    }

    /// Entries, in no particular order: name, is a directory.
    pub fn entries(&self) -> impl Iterator<Item = (&str, bool)> {
        self.entries
            .split_terminator('\0')
            .map(|e| match e.strip_suffix('/') {
                Some(name) => (name, true),
                None => (e, false),
            })
    }

    /// Adds an entry.
    pub fn push(&mut self, name: &str, is_dir: bool) {
        self.entries.push_str(name);
        if is_dir {
            self.entries.push('/');
        }
        self.entries.push('\0');
    }

    /// Removes every entry called `name`.
    pub fn remove(&mut self, name: &str) {
        let rest: Vec<(&str, bool)> = self.entries().filter(|(n, _)| *n != name).collect();
        self.entries = Self::joined(rest);
    }

    /// Sorts the entries and drops duplicates.
    pub fn sort_dedup(&mut self) {
        let mut all: Vec<(&str, bool)> = self.entries().collect();
        all.sort_unstable();
        all.dedup();
        self.entries = Self::joined(all);
    }

    /// Entries in the one-string form.
    fn joined(entries: Vec<(&str, bool)>) -> String {
        let mut l = Listing::new(String::new(), 0);
        for (name, is_dir) in entries {
            l.push(name, is_dir);
        }
        l.entries
    }
}

/// Directory listings recorded by an earlier run (the local cache). A
/// directory's change time moves whenever an entry is added, removed or
/// renamed, and when the directory itself is renamed, so a recorded listing
/// with the same change time is still the listing; looking for stray files
/// then needs one `stat` per directory instead of reading it (git's
/// untracked cache works the same way, with the mtime).
pub trait Listings: Sync {
    /// The recorded listing of `dir` if it was recorded when the directory
    /// had last changed at `changed`.
    fn listing(&self, dir: &str, changed: u128) -> Option<&Listing>;
}

/// [`compute`], reusing the directory listings `known` vouches for to find
/// stray files; the listings used or made are returned in the change set.
pub fn compute_with(
    root: &Path,
    tree: &OutputTree,
    known: Option<&dyn Listings>,
) -> Result<ChangeSet, SyncError> {
    let mut cs = compare_tree(root, tree)?;
    let mut owned = recorded_paths(root, tree, &cs);
    // What an interrupted run was about to write or remove is esogen's as
    // much as what the record lists, under the same checks.
    cs.journal = super::journal::pending(root).map(|j| j.paths);
    owned.extend(cs.journal.iter().flatten().cloned());
    classify_owned(root, tree, &owned, &mut cs);
    let (found, listings) = strays(root, tree, &owned, known, cs.journal.is_some())?;
    // Temporary files are made only while the journal is there, like the
    // private directories: without it, such a name is a person's file.
    let journal = cs.journal.is_some();
    (cs.leftovers, cs.strays) = found
        .into_iter()
        .partition(|rel| journal && is_temporary(rel));
    cs.leftovers.extend(private_leftovers(root));
    cs.listings = listings;
    cs.removed.sort();
    Ok(cs)
}

/// The tree's files compared with the disk on all cores: added and changed
/// paths (sorted), and the unchanged ones with their size and mtime. Kept
/// files count as unchanged.
fn compare_tree(root: &Path, tree: &OutputTree) -> Result<ChangeSet, SyncError> {
    let entries: Vec<(&String, &Vec<u8>)> = tree.iter().collect();
    for (rel, _) in &entries {
        check_path(rel)?;
    }
    let results = crate::parallel::chunks(&entries, |part| {
        let mut reader = Reader::new(root);
        let mut cs = ChangeSet::default();
        for (rel, bytes) in part {
            match reader.compare(rel, bytes)? {
                Found::Missing => cs.added.push((*rel).clone()),
                Found::Different => cs.changed.push((*rel).clone()),
                Found::Same(stat) => {
                    cs.unchanged += 1;
                    cs.stats.push(((*rel).clone(), stat));
                }
            }
        }
        // A reader stops at the first missing directory of a path, so the
        // ones it found missing are the topmost.
        cs.new_dirs = reader
            .missing
            .into_iter()
            .filter(|d| is_managed(d))
            .collect();
        Ok::<_, SyncError>(cs)
    });
    // Kept files were just found as the last run left them.
    let mut cs = ChangeSet {
        unchanged: tree.kept().count(),
        ..ChangeSet::default()
    };
    for r in results {
        let part = r?;
        cs.added.extend(part.added);
        cs.changed.extend(part.changed);
        cs.unchanged += part.unchanged;
        cs.stats.extend(part.stats);
        cs.new_dirs.extend(part.new_dirs);
    }
    cs.added.sort();
    cs.changed.sort();
    cs.new_dirs.sort();
    cs.new_dirs.dedup();
    Ok(cs)
}

/// The paths the ownership record on disk lists; none when the tree's
/// record is on disk unchanged (it then lists exactly the tree's paths).
fn recorded_paths(
    root: &Path,
    tree: &OutputTree,
    cs: &ChangeSet,
) -> std::collections::BTreeSet<String> {
    // A record on disk identical to the one generated now lists exactly the
    // tree's paths: nothing to remove, nothing more to exclude from strays,
    // and no 91,000 paths to parse again. A kept record is one: the last
    // run wrote it from the same paths, and it is on disk as that run left
    // it.
    let record_unchanged = tree.is_kept(OWNERSHIP_FILE)
        || tree.get(OWNERSHIP_FILE).is_some()
            && !cs
                .added
                .iter()
                .chain(&cs.changed)
                .any(|p| p == OWNERSHIP_FILE);
    if record_unchanged {
        std::collections::BTreeSet::new()
    } else {
        previous_ownership(root).files.into_iter().collect()
    }
}

/// Sorts the `owned` paths the tree no longer has: a file still carrying
/// esogen's marker is removed, one outside the layout or without the
/// marker is untrusted (sorted), one already gone has vanished; anything
/// else (behind a symlink, not a file) is left alone.
fn classify_owned(
    root: &Path,
    tree: &OutputTree,
    owned: &std::collections::BTreeSet<String>,
    cs: &mut ChangeSet,
) {
    for rel in owned {
        if tree.contains(rel) {
            continue;
        }
        if check_path(rel).is_err() || !in_layout(rel) {
            cs.untrusted.push(rel.clone());
            continue;
        }
        if check_no_symlink(root, rel).is_err() {
            continue;
        }
        let path = root.join(rel);
        match std::fs::symlink_metadata(&path) {
            Ok(m) if m.is_file() => {
                if carries_marker(&path) {
                    cs.removed.push(rel.clone());
                } else {
                    cs.untrusted.push(rel.clone());
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => cs.vanished.push(rel.clone()),
            _ => {}
        }
    }
    cs.untrusted.sort();
}

/// True when `dir` is one of [`MANAGED_DIRS`] or under one.
fn is_managed(dir: &str) -> bool {
    let top = dir.split('/').next().unwrap_or_default();
    MANAGED_DIRS.contains(&top)
}

/// Opens `root` for relative lookups.
pub(crate) fn open_root(root: &Path) -> Result<Root, SyncError> {
    Root::open(root).map_err(io("open", root))
}

/// Lists one directory, or reuses its recorded listing when its change time
/// (read first, so a change during listing shows next time) is the same;
/// true when reused.
fn listing(
    root: &Path,
    root_fd: &Root,
    rel: &str,
    known: Option<&dyn Listings>,
) -> Result<Option<(Listing, bool)>, SyncError> {
    let Some(changed) = root_fd
        .dir_changed(rel)
        .map_err(io("inspect", &root.join(rel)))?
    else {
        return Ok(None);
    };
    let dir = root.join(rel);
    if let Some(l) = known.and_then(|k| k.listing(rel, changed)) {
        return Ok(Some((l.clone(), true)));
    }
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io("list", &dir)(e)),
    };
    let mut listing = Listing::new(rel.to_owned(), changed);
    for e in entries {
        let e = e.map_err(io("list", &dir))?;
        let is_dir = e.file_type().map_err(io("inspect", &e.path()))?.is_dir();
        listing.push(&e.file_name().to_string_lossy(), is_dir);
    }
    Ok(Some((listing, false)))
}

/// What the files of a listing are looked up in.
struct Owners<'a> {
    /// The files generated now.
    tree: &'a OutputTree,
    /// The files the ownership record on disk lists.
    owned: &'a std::collections::BTreeSet<String>,
}

/// Sends the subdirectories of a listing to `dirs` (to walk) and its stray
/// files (in neither of `owners`) to `strays`; with `journal` (an
/// interrupted run's journal is there), its private directories to
/// `strays` too, as leftovers. Without `owners` its files are not looked
/// at. Returns whether every file was in the tree (the listing's
/// [`Listing::clean`]); true when its files were not looked at.
fn sort_entries(
    dir: &str,
    listing: &Listing,
    owners: Option<&Owners<'_>>,
    journal: bool,
    dirs: &mut Vec<String>,
    strays: &mut Vec<String>,
) -> bool {
    let mut clean = true;
    let mut rel = String::with_capacity(dir.len() + 64);
    for (name, is_dir) in listing.entries() {
        if !is_dir && owners.is_none() {
            continue;
        }
        rel.clear();
        rel.push_str(dir);
        rel.push('/');
        rel.push_str(name);
        if is_dir && journal && is_private_dir(name) {
            // A private directory an interrupted run was building: a
            // leftover, never walked (nothing in it is anyone's).
            strays.push(rel.clone());
        } else if is_dir {
            dirs.push(rel.clone());
        } else if let Some(o) = owners
            && !o.tree.contains(&rel)
        {
            clean = false;
            if !o.owned.contains(&rel) {
                strays.push(rel.clone());
            }
        }
    }
    clean
}

/// Temporary files an interrupted run left in `.esogen/` (the record's,
/// the journal's, the local cache's), and the private directories it was
/// building at the root (`bases`, `overlays` or `policies` of a first
/// run), relative to `root`. One listing each of two directories of a few
/// entries.
pub fn private_leftovers(root: &Path) -> Vec<String> {
    let in_private = std::fs::read_dir(root.join(".esogen"))
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| format!(".esogen/{}", e.file_name().to_string_lossy()))
        .filter(|rel| is_temporary(rel) || rel == ".esogen/cache.bin.tmp");
    // Directories only (a file at the root with such a name is not ours),
    // and only while the journal of the run that made them is there.
    let journal = super::journal::pending(root).is_some();
    let at_root = std::fs::read_dir(root)
        .into_iter()
        .flatten()
        .filter(|_| journal)
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|name| is_private_dir(name));
    let mut found: Vec<String> = in_private.chain(at_root).collect();
    found.sort();
    found
}

/// True when `rel` has the shape of a file esogen generates: a YAML, JSON or
/// HCL file inside one of [`MANAGED_DIRS`]. Never `.git/`, the config,
/// `tenants.d/` or anything else at the root.
fn in_layout(rel: &str) -> bool {
    let top = rel.split('/').next().unwrap_or_default();
    MANAGED_DIRS.contains(&top)
        && rel.contains('/')
        && [".yaml", ".json", ".hcl"]
            .iter()
            .any(|ext| rel.ends_with(ext))
}

/// The largest file esogen would consider its own (generated files are a
/// few kilobytes).
const MAX_OWNED_FILE: u64 = 16 * 1024 * 1024;

/// True when the file still carries esogen's generated marker: the header
/// of YAML and HCL files, the IAM policy `Id`, the `comment`/`description`
/// of GCP and Azure documents, or, for Vault role parameters (which have no
/// free-text field), exactly the keys esogen writes. A person who removed
/// the marker made the file theirs.
fn carries_marker(path: &Path) -> bool {
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= MAX_OWNED_FILE);
    let Some(bytes) = small.then(|| std::fs::read(path).ok()).flatten() else {
        return false;
    };
    let contains = |needle: &[u8]| bytes.windows(needle.len()).any(|w| w == needle);
    if contains(b"Generated by esogen") || contains(crate::manifest::iam::GENERATED_ID.as_bytes()) {
        return true;
    }
    if path.to_string_lossy().ends_with(".vault-role.json") {
        const KEYS: &[&str] = &[
            "bound_service_account_names",
            "bound_service_account_namespaces",
            "audience",
            "token_policies",
            "token_ttl",
        ];
        return serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&bytes)
            .is_ok_and(|m| !m.is_empty() && m.keys().all(|k| KEYS.contains(&k.as_str())));
    }
    false
}

/// Files under the managed directories that esogen neither generates now
/// nor generated before, sorted, and the listings that found them. Symlinks
/// count as files (never followed). The children of each managed directory
/// (one per namespace or provider) are walked on all cores.
fn strays(
    root: &Path,
    tree: &OutputTree,
    owned: &std::collections::BTreeSet<String>,
    known: Option<&dyn Listings>,
    journal: bool,
) -> Result<(Vec<String>, Vec<Listing>), SyncError> {
    let owners = Owners { tree, owned };
    if !root.is_dir() {
        return Ok((Vec::new(), Vec::new()));
    }
    // A kept ownership record is on disk as the run that recorded `known`
    // wrote it, and lists the same files as the tree: every file in a clean
    // listing of that run is in the tree now, and the listing stays clean.
    let trust_clean = known.is_some() && !journal && tree.is_kept(OWNERSHIP_FILE);
    let sort = |dir: &str, (mut l, reused): (Listing, bool), dirs: &mut _, out: &mut _| {
        let skip = trust_clean && reused && l.clean;
        l.clean = sort_entries(dir, &l, (!skip).then_some(&owners), journal, dirs, out);
        l
    };
    let root_fd = &open_root(root)?;
    let mut out = Vec::new();
    let mut listings = Vec::new();
    // Subdirectories of the managed directories, walked in parallel.
    let mut children: Vec<Vec<String>> = Vec::new();
    for dir in MANAGED_DIRS {
        let Some(found) = listing(root, root_fd, dir, known)? else {
            continue;
        };
        let mut dirs = Vec::new();
        listings.push(sort(dir, found, &mut dirs, &mut out));
        children.push(dirs);
    }
    // Mixed, so that each core gets its part of each managed directory:
    // `overlays/<ns>` holds more files than `policies/<ns>`, and a core
    // given all of one kind would wait for the other.
    let jobs = interleave(children);
    let found = crate::parallel::chunks(&jobs, |part| {
        let (mut out, mut listings) = (Vec::new(), Vec::new());
        let mut pending: Vec<String> = part.to_vec();
        while let Some(dir) = pending.pop() {
            let Some(found) = listing(root, root_fd, &dir, known)? else {
                continue;
            };
            listings.push(sort(&dir, found, &mut pending, &mut out));
        }
        Ok::<_, SyncError>((out, listings))
    });
    for part in found {
        let (o, l) = part?;
        out.extend(o);
        listings.extend(l);
    }
    out.sort();
    Ok((out, listings))
}

/// The items of `lists` in one block per core, each block holding that
/// core's share of every list, so that the cores' contiguous chunks
/// ([`crate::parallel::chunks`]) get an even mix. Within a block each
/// list's items stay in order: the listings come back in a few sorted
/// runs, which the cache's map of them sorts cheaply.
fn interleave(lists: Vec<Vec<String>>) -> Vec<String> {
    let parts = crate::parallel::threads().max(1);
    let mut out = Vec::with_capacity(lists.iter().map(Vec::len).sum());
    let mut lists: Vec<(usize, std::vec::IntoIter<String>)> = lists
        .into_iter()
        .map(|l| (l.len(), l.into_iter()))
        .collect();
    for i in 0..parts {
        for (len, items) in &mut lists {
            let share = *len * (i + 1) / parts - *len * i / parts;
            out.extend(items.take(share));
        }
    }
    out
}

/// Whether diffs carry ANSI colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffColor {
    /// Plain text.
    Plain,
    /// Green additions, red deletions, cyan hunk headers.
    Ansi,
}

fn paint(text: &str, color: DiffColor) -> String {
    if color == DiffColor::Plain {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let code = if line.starts_with("+++") || line.starts_with("---") {
            "1"
        } else if line.starts_with('+') {
            "32"
        } else if line.starts_with('-') {
            "31"
        } else if line.starts_with("@@") {
            "36"
        } else {
            ""
        };
        if code.is_empty() {
            out.push_str(line);
        } else {
            let body = line.strip_suffix('\n').unwrap_or(line);
            out.push_str(&format!("\x1b[{code}m{body}\x1b[0m"));
            if line.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    out
}

/// A unified diff of one file between disk and the tree, for people.
/// Added files diff against `/dev/null`, removed ones to it.
pub fn unified(root: &Path, rel: &str, tree: &OutputTree, color: DiffColor) -> String {
    let on_disk = std::fs::read(root.join(rel)).ok();
    let generated = tree.get(rel);
    let old = String::from_utf8_lossy(on_disk.as_deref().unwrap_or_default()).into_owned();
    let new =
        String::from_utf8_lossy(generated.map(Vec::as_slice).unwrap_or_default()).into_owned();
    let a = if on_disk.is_some() {
        format!("a/{rel}")
    } else {
        "/dev/null".to_owned()
    };
    let b = if generated.is_some() {
        format!("b/{rel}")
    } else {
        "/dev/null".to_owned()
    };
    let text = TextDiff::from_lines(old.as_str(), new.as_str())
        .unified_diff()
        .context_radius(3)
        .header(&a, &b)
        .to_string();
    paint(&text, color)
}

/// Every file's diff in a change set, in path order.
pub fn render_changes(
    root: &Path,
    tree: &OutputTree,
    changes: &ChangeSet,
    color: DiffColor,
) -> String {
    let mut paths: Vec<&String> = changes
        .added
        .iter()
        .chain(&changes.changed)
        .chain(&changes.removed)
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| unified(root, p, tree, color))
        .collect()
}

/// Absolute path of a relative one under `root`.
pub fn absolute(root: &Path, rel: &str) -> PathBuf {
    root.join(rel)
}

#[cfg(test)]
mod tests {
    use super::Listing;

    #[test]
    fn a_listing_keeps_names_and_kinds_through_edits() {
        let mut l = Listing::new("overlays".into(), 7);
        l.push("b.yaml", false);
        l.push("team-a", true);
        l.push("a b.yaml", false);
        l.push("b.yaml", false);
        l.sort_dedup();
        let all: Vec<(&str, bool)> = l.entries().collect();
        assert_eq!(
            all,
            [("a b.yaml", false), ("b.yaml", false), ("team-a", true)]
        );
        l.remove("b.yaml");
        l.remove("absent");
        let all: Vec<(&str, bool)> = l.entries().collect();
        assert_eq!(all, [("a b.yaml", false), ("team-a", true)]);
        l.remove("team-a");
        l.remove("a b.yaml");
        assert_eq!(l.entries().count(), 0);
    }
}
