//! A local cache that makes regenerating unchanged or slightly changed input
//! nearly free. It records, for the last successful run:
//!
//! - the SHA-1 of the tenants files' exact bytes, and the size and modification
//!   time of every file the run left on disk. When the inputs are
//!   byte-identical and every file still has its recorded size and mtime,
//!   the output is known to be up to date without running the pipeline or
//!   reading a single generated file (the same trust git places in its
//!   index): [`Cache::is_fresh`];
//! - per tenant namespace, the fingerprint of its inputs
//!   (`manifest::build::Builder::fingerprint`) and its files. A later run
//!   whose fingerprint for that namespace is the same, and whose files all
//!   still have their recorded size and mtime, keeps them instead of
//!   building, rendering and comparing them again: [`Cache`] implements
//!   `pipeline::Previous`.
//!
//! The cache lives in `.esogen/cache.bin` (postcard, a compact binary
//! encoding: it is
//! read and written on every run and holds 100,000 entries at 10,000
//! namespaces), is never committed (the tree
//! includes a `.esogen/.gitignore` for it) and never affects output bytes.
//! Without it, with another esogen version, or on any mismatch, esogen takes
//! the full path.

use foldhash::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};

use serde::{Deserialize, Serialize};

use crate::load::InputDigest;
use crate::pipeline::{Previous, Unit};
use crate::sync::diff::{ChangeSet, Listing, Listings};
use crate::sync::git::StagingState;

/// Path of the cache inside the output root.
pub const CACHE_FILE: &str = ".esogen/cache.bin";

pub use crate::sync::diff::Stat;

/// Bumped whenever the layout of [`Cache`] changes; with the version it
/// keeps a cache from being read as something it is not.
const FORMAT: u32 = 9;

/// What the cache records.
#[derive(Debug, Serialize, Deserialize)]
pub struct Cache {
    /// [`FORMAT`].
    pub format: u32,
    /// The esogen build that wrote it ([`crate::BUILD`]); another build,
    /// even of the same version, ignores it.
    pub version: String,
    /// Every tenants file read, with the SHA-1 of its exact content.
    pub inputs: Vec<(String, InputDigest)>,
    /// Generated files outside the namespace units: path, size, mtime.
    pub files: Vec<(String, u64, u128)>,
    /// One record per tenant namespace.
    pub units: Vec<UnitRecord>,
    /// The managed directories' listings, to find stray files without
    /// reading unchanged directories.
    pub listings: Vec<Listing>,
    /// HEAD and the index right after esogen's last commit: while they are
    /// unchanged, nothing else is staged and the staged tree is HEAD's, so
    /// `--commit` skips comparing the whole index with HEAD.
    pub staging: Option<StagingState>,
    /// The teams the run validated, for the next (`config::memo`, encoded;
    /// empty when there is none).
    #[serde(with = "serde_bytes")]
    pub memo: Vec<u8>,
    /// The output root the cache was read from, open, for stat'ing files
    /// by relative path; not recorded.
    #[serde(skip)]
    root: Option<crate::sync::fsys::Root>,
    /// `units` by namespace; not recorded.
    #[serde(skip)]
    index: Positions,
    /// `listings` by directory; not recorded.
    #[serde(skip)]
    dirs: Positions,
    /// Per unit, whether its files were found on disk as recorded
    /// ([`UNKNOWN`], [`INTACT`], [`CHANGED`]): filled by whichever thread
    /// asks first, [`Cache::check_ahead`], [`Cache::is_fresh`] or a worker,
    /// and kept for the rest of the run: a loaded cache answers for one run
    /// (load it again for the next); not recorded.
    #[serde(skip)]
    intact: Vec<AtomicU8>,
}

/// Positions in a list of records by their key, which the table does not
/// copy: it holds positions, hashed by the key and compared through the
/// list. At 20,000 units and 20,000 listings, a map of copied keys cost a
/// quarter of the cache's load.
#[derive(Debug, Default)]
struct Positions(hashbrown::HashTable<usize>);

fn key_hash(key: &str) -> u64 {
    use std::hash::BuildHasher as _;
    foldhash::fast::FixedState::default().hash_one(key)
}

impl Positions {
    /// The positions of `keys`; of a key listed twice, the last.
    fn of<'a>(keys: impl Iterator<Item = &'a str>) -> Self {
        let all: Vec<&str> = keys.collect();
        let mut table = hashbrown::HashTable::with_capacity(all.len());
        for (i, key) in all.iter().enumerate() {
            let hash = key_hash(key);
            match table.entry(
                hash,
                |&j: &usize| all.get(j) == Some(key),
                |&j: &usize| all.get(j).map_or(0, |k| key_hash(k)),
            ) {
                hashbrown::hash_table::Entry::Occupied(mut e) => *e.get_mut() = i,
                hashbrown::hash_table::Entry::Vacant(e) => {
                    e.insert(i);
                }
            }
        }
        Self(table)
    }

    /// The position of `key`, given the key at each position.
    fn get<'a>(&self, key: &str, key_at: impl Fn(usize) -> Option<&'a str>) -> Option<usize> {
        self.0
            .find(key_hash(key), |&i| key_at(i) == Some(key))
            .copied()
    }
}

/// [`Cache::intact`]'s states of a unit.
const UNKNOWN: u8 = 0;
const INTACT: u8 = 1;
const CHANGED: u8 = 2;

/// One unit (a tenant namespace, a team's files, the ownership record) as
/// the last run left it.
#[derive(Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct UnitRecord {
    /// The unit's key: the namespace, `team:<name>`, or the record's path.
    pub namespace: String,
    /// The fingerprint its files were generated from.
    pub fingerprint: String,
    /// Its files' paths in one string, each ended by a NUL (which no path
    /// holds): one allocation per unit instead of one per file, for
    /// 100,000 files read and recorded on every run.
    paths: String,
    /// The size and mtime of each file, in the order of `paths`, packed
    /// ([`STAT_LEN`] bytes each): one copy to read, where a list of
    /// numbers is decoded number by number.
    stats: Packed,
}

/// Bytes of a packed [`Stat`]: the size (`u64`) and the mtime (`u128`),
/// little-endian.
const STAT_LEN: usize = 24;

fn pack(stat: Stat, out: &mut Vec<u8>) {
    out.extend_from_slice(&stat.0.to_le_bytes());
    out.extend_from_slice(&stat.1.to_le_bytes());
}

fn unpack(bytes: &[u8]) -> Option<Stat> {
    let len = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
    let mtime = u128::from_le_bytes(bytes.get(8..STAT_LEN)?.try_into().ok()?);
    Some((len, mtime))
}

/// Bytes recorded as one byte string (postcard: a length, then the bytes)
/// rather than as a sequence of numbers.
#[derive(Debug, Default, PartialEq, Eq)]
struct Packed(Vec<u8>);

impl Serialize for Packed {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_bytes(&self.0)
    }
}

impl<'de> Deserialize<'de> for Packed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Bytes;
        impl serde::de::Visitor<'_> for Bytes {
            type Value = Packed;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E>(self, v: &[u8]) -> Result<Packed, E> {
                Ok(Packed(v.to_vec()))
            }
            fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<Packed, E> {
                Ok(Packed(v))
            }
        }
        d.deserialize_byte_buf(Bytes)
    }
}

impl UnitRecord {
    /// A record of `files` (path, size, mtime).
    pub fn new<'a>(
        namespace: String,
        fingerprint: String,
        files: impl IntoIterator<Item = (&'a str, Stat)>,
    ) -> Self {
        let mut r = Self {
            namespace,
            fingerprint,
            paths: String::new(),
            stats: Packed::default(),
        };
        for (path, stat) in files {
            r.paths.push_str(path);
            r.paths.push('\0');
            pack(stat, &mut r.stats.0);
        }
        r
    }

    /// Its files: path, size and mtime.
    pub fn files(&self) -> impl Iterator<Item = (&str, Stat)> {
        // memchr, not `split_terminator`: this runs for every kept file.
        let mut rest = self.paths.as_str();
        let paths = std::iter::from_fn(move || {
            let end = memchr::memchr(0, rest.as_bytes())?;
            let path = rest.get(..end)?;
            rest = rest.get(end + 1..)?;
            Some(path)
        });
        paths.zip(self.stats.0.chunks_exact(STAT_LEN).filter_map(unpack))
    }

    /// True when it has as many paths as stats (the cache file can be
    /// edited by hand: a record that is not whole is not trusted).
    fn is_whole(&self) -> bool {
        memchr::memchr_iter(0, self.paths.as_bytes()).count() * STAT_LEN == self.stats.0.len()
            && (self.paths.is_empty() || self.paths.ends_with('\0'))
    }
}

/// The [`Stat`] of `rel` under the open root; `None` unless it is a regular
/// file.
fn file_stat(root: &crate::sync::fsys::Root, rel: &str) -> Option<Stat> {
    match root.stat(rel) {
        Ok(Some((false, stat))) => Some(stat),
        _ => None,
    }
}

/// True when every file still has its recorded size and mtime. Each file is
/// stat'ed by its path relative to the open root: one system call per file
/// (opening each directory first costs two more per directory, and a system
/// call costs more than the kernel's walk of a path it has cached).
fn all_match(root: Option<&crate::sync::fsys::Root>, files: &[(String, u64, u128)]) -> bool {
    root.is_some_and(|root| {
        files
            .iter()
            .all(|(rel, len, mtime)| file_stat(root, rel) == Some((*len, *mtime)))
    })
}

/// [`all_match`] for a unit's files.
fn unit_matches(root: Option<&crate::sync::fsys::Root>, unit: &UnitRecord) -> bool {
    root.is_some_and(|root| {
        unit.files()
            .all(|(rel, stat)| file_stat(root, rel) == Some(stat))
    })
}

impl Cache {
    /// Reads the cache under `root`; `None` when there is none, it cannot be
    /// read, or another esogen version wrote it.
    pub fn load(root: &Path) -> Option<Self> {
        let bytes = std::fs::read(root.join(CACHE_FILE)).ok()?;
        let mut cache: Cache = postcard::from_bytes(&bytes).ok()?;
        if cache.format != FORMAT
            || cache.version != crate::BUILD
            || !cache.units.iter().all(UnitRecord::is_whole)
        {
            return None;
        }
        cache.root = crate::sync::diff::open_root(root).ok();
        cache.index = Positions::of(cache.units.iter().map(|u| u.namespace.as_str()));
        cache.dirs = Positions::of(cache.listings.iter().map(|l| l.dir.as_str()));
        cache.intact = cache.units.iter().map(|_| AtomicU8::new(UNKNOWN)).collect();
        Some(cache)
    }

    /// Whether unit `i`'s files are all on disk as recorded, stat'ed once
    /// per run whoever asks.
    fn intact(&self, i: usize) -> bool {
        let (Some(unit), Some(state)) = (self.units.get(i), self.intact.get(i)) else {
            return false;
        };
        match state.load(Ordering::Relaxed) {
            INTACT => true,
            CHANGED => false,
            _ => {
                let intact = unit_matches(self.root.as_ref(), unit);
                state.store(if intact { INTACT } else { CHANGED }, Ordering::Relaxed);
                intact
            }
        }
    }

    /// Stats the units' files ahead of the workers that will ask
    /// ([`Previous::unchanged`]), from the last unit back (the workers go
    /// forward: they meet rather than stat the same unit together), until
    /// `stop` says so. Meant for a thread of its own while the configuration
    /// is validated and planned: the `stat` of every kept file is most of
    /// what a small change costs, and needs nothing from the plan. A file
    /// edited between its `stat` here and the write is missed as it would
    /// be between a worker's `stat` and the write: the window is the
    /// validation's tens of milliseconds longer, and the next run, which
    /// finds the size or mtime changed, renders it again.
    pub fn check_ahead(&self, stop: impl Fn() -> bool) {
        for i in (0..self.units.len()).rev() {
            if stop() {
                return;
            }
            self.intact(i);
        }
    }

    /// The number of files the cache proves up to date under its root for
    /// these inputs; `None` on any doubt.
    pub fn is_fresh(&self, inputs: &[(String, InputDigest)]) -> Option<usize> {
        if self.inputs != inputs || !all_match(self.root.as_ref(), &self.files) {
            return None;
        }
        // On all cores: this is the whole cost of an unchanged run. What it
        // finds stays known, for the run that follows when a file changed.
        let units: Vec<usize> = (0..self.units.len()).collect();
        let fresh = crate::parallel::map(&units, |i| self.intact(*i));
        fresh.into_iter().all(|f| f).then(|| {
            let unit_files = self.units.iter().map(|u| u.stats.0.len() / STAT_LEN);
            self.files.len() + unit_files.sum::<usize>()
        })
    }

    /// Every recorded file's size and mtime by path.
    pub fn stats(&self) -> HashMap<&str, Stat> {
        self.files
            .iter()
            .map(|(p, l, m)| (p.as_str(), (*l, *m)))
            .chain(self.units.iter().flat_map(UnitRecord::files))
            .collect()
    }

    /// The size and mtime of every file `tree` kept, from the records of
    /// the units whose files it kept: a unit is kept whole, so one lookup
    /// per unit finds them (at 20,000 teams a map of every recorded file
    /// cost 70 ms). `None` unless those records list exactly the kept
    /// files, each checked on every core.
    pub fn kept_stats(&self, tree: &crate::tree::OutputTree) -> Option<Vec<(&str, Stat)>> {
        let files: Vec<(&str, Stat)> = self
            .units
            .iter()
            .filter(|u| u.files().next().is_some_and(|(p, _)| tree.is_kept(p)))
            .flat_map(UnitRecord::files)
            .collect();
        let all_kept =
            crate::parallel::chunks(&files, |part| part.iter().all(|(p, _)| tree.is_kept(p)));
        (files.len() == tree.kept_count() && all_kept.into_iter().all(|k| k)).then_some(files)
    }
}

/// Answers for one run: whether a unit's files are intact is found once
/// and kept ([`Cache::check_ahead`]).
impl Previous for Cache {
    fn unchanged(&self, namespace: &str, fingerprint: &str) -> Option<Vec<String>> {
        let i = self
            .index
            .get(namespace, |i| Some(self.units.get(i)?.namespace.as_str()))?;
        let unit = self.units.get(i)?;
        if unit.fingerprint != fingerprint || !self.intact(i) {
            return None;
        }
        Some(unit.files().map(|(p, _)| p.to_owned()).collect())
    }
}

impl Listings for Cache {
    fn listing(&self, dir: &str, changed: u128) -> Option<&Listing> {
        let i = self
            .dirs
            .get(dir, |i| Some(self.listings.get(i)?.dir.as_str()))?;
        let l = self.listings.get(i)?;
        (l.changed == changed).then_some(l)
    }
}

/// What a run that wrote `changes` to disk knows, for [`record_after_write`].
#[derive(Debug)]
pub struct AfterWrite<'a> {
    /// The tenants files read.
    pub inputs: &'a [(String, InputDigest)],
    /// The files outside the namespace units (`pipeline::Generated::global`).
    pub global: &'a [String],
    /// Its namespace units.
    pub units: &'a [Unit],
    /// What the run compared and wrote.
    pub changes: &'a ChangeSet,
    /// The listings taken while comparing (`ChangeSet::listings`, taken
    /// out before the write: `written` borrows the rest).
    pub listings: Vec<Listing>,
    /// The size and mtime of the files written (`sync::write::Written`).
    pub written: &'a [Vec<(&'a str, Stat)>],
    /// HEAD and the index after a commit; `None` keeps the previous record.
    pub staging: Option<StagingState>,
    /// [`Cache::memo`].
    pub memo: Vec<u8>,
}

/// Records the cache after a run that wrote its changes: the listings
/// taken while comparing, updated for what was written, and the sizes and
/// mtimes of the files compared and written (already known, not stat'ed
/// again). The listings are brought up to date on another core while the
/// unit records are built: neither needs the other (at 10,000 teams each
/// is about half of a full run's recording). Failing to write the cache
/// only costs speed next time.
pub fn record_after_write(root: &Path, run: AfterWrite<'_>, previous: Option<Cache>) -> Spent {
    let AfterWrite {
        inputs,
        global,
        units,
        changes,
        listings,
        written,
        staging,
        memo,
    } = run;
    // Taken by the side that brings them up to date (`join` may call it on
    // this thread, once).
    let taken = std::sync::Mutex::new(listings);
    let (listings, (mut spent, built)) = crate::parallel::join(
        || {
            let mut taken = taken
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            crate::sync::diff::listings_after_write(root, std::mem::take(&mut *taken), changes)
        },
        || {
            let known = changes.stats.iter().map(|(p, s)| (p.as_str(), *s));
            let known = known.chain(written.iter().flatten().copied()).collect();
            records(root, global, units, &known, previous)
        },
    );
    if let Some(built) = built {
        spent.written = Some(write_built(
            root, inputs, built, listings, staging, memo, &mut spent,
        ));
    }
    spent
}

/// What recording no longer needs: the last run's cache (what is left of
/// it once the kept units took their records over) and the record just
/// written. Only memory (20,000 units and listings at 10,000 teams), for
/// the caller to free as it frees the rest of the run.
#[derive(Debug)]
#[must_use]
pub struct Spent {
    /// What is left of the last run's cache, its root closed.
    pub previous: Option<Cache>,
    /// The cache written.
    pub written: Option<Cache>,
}

/// The new cache's records of the global files and of the units.
struct Built {
    files: Vec<(String, u64, u128)>,
    units: Vec<UnitRecord>,
}

/// The records of `global` and of `units`: kept units take over what
/// `previous` recorded for them, files `known` holds use that, the rest
/// are stat'ed on all cores. `None` when a file cannot be stat'ed (nothing
/// is recorded then); with what is left of `previous`.
fn records<'a>(
    root: &Path,
    global: &'a [String],
    units: &'a [Unit],
    known: &HashMap<&'a str, Stat>,
    previous: Option<Cache>,
) -> (Spent, Option<Built>) {
    let mut previous = previous;
    let mut reused = reused_records(units, &mut previous);
    // The open root is closed here: the rest is only memory.
    if let Some(p) = &mut previous {
        drop(p.root.take());
    }
    let spent = Spent {
        previous,
        written: None,
    };
    let Some(stats) = stat_unrecorded(root, units, &reused, global, known) else {
        return (spent, None);
    };
    let entry = |rel: &'a String| {
        known
            .get(rel.as_str())
            .or_else(|| stats.get(rel.as_str()))
            .map(|s| (rel.as_str(), *s))
    };
    let Some(records) = unit_records(units, &mut reused, entry) else {
        return (spent, None);
    };
    let Some(files) = global
        .iter()
        .map(|rel| entry(rel).map(|(p, (l, m))| (p.to_owned(), l, m)))
        .collect::<Option<Vec<_>>>()
    else {
        return (spent, None);
    };
    (
        spent,
        Some(Built {
            files,
            units: records,
        }),
    )
}

/// Writes the cache of `built` and `listings`, HEAD and the index from
/// `staging` or else from the last run's cache; the cache written.
fn write_built(
    root: &Path,
    inputs: &[(String, InputDigest)],
    built: Built,
    listings: Vec<Listing>,
    staging: Option<StagingState>,
    memo: Vec<u8>,
    spent: &mut Spent,
) -> Cache {
    let staging = staging.or_else(|| spent.previous.as_mut().and_then(|p| p.staging.take()));
    let cache = Cache {
        format: FORMAT,
        version: crate::BUILD.to_owned(),
        inputs: inputs.to_vec(),
        files: built.files,
        units: built.units,
        listings,
        staging,
        memo,
        root: None,
        index: Positions::default(),
        dirs: Positions::default(),
        intact: Vec::new(),
    };
    write_cache(root, &cache);
    cache
}

/// For each unit, the record `previous` holds for it when the unit was
/// kept and its fingerprint is unchanged, taken out of `previous`.
fn reused_records(units: &[Unit], previous: &mut Option<Cache>) -> Vec<Option<UnitRecord>> {
    units
        .iter()
        .map(|unit| {
            let p = previous.as_mut().filter(|_| unit.kept)?;
            let i = p.index.get(&unit.namespace, |i| {
                Some(p.units.get(i)?.namespace.as_str())
            })?;
            let r = p.units.get_mut(i)?;
            (r.fingerprint == unit.fingerprint).then(|| std::mem::take(r))
        })
        .collect()
}

/// The size and mtime of every file that neither a reused record nor
/// `known` accounts for, stat'ed on all cores; `None` when the root cannot
/// be opened or one of them is not a regular file.
fn stat_unrecorded<'a>(
    root: &Path,
    units: &'a [Unit],
    reused: &[Option<UnitRecord>],
    global: &'a [String],
    known: &HashMap<&str, Stat>,
) -> Option<HashMap<&'a str, Stat>> {
    let to_stat: Vec<&String> = units
        .iter()
        .zip(reused)
        .filter(|(_, r)| r.is_none())
        .flat_map(|(u, _)| &u.files)
        .chain(global)
        .filter(|rel| !known.contains_key(rel.as_str()))
        .collect();
    let Ok(root_fd) = crate::sync::diff::open_root(root) else {
        return None;
    };
    let stats = crate::parallel::map(&to_stat, |rel| file_stat(&root_fd, rel));
    to_stat
        .iter()
        .zip(stats)
        .map(|(rel, s)| s.map(|s| (rel.as_str(), s)))
        .collect::<Option<HashMap<&str, Stat>>>()
}

/// One record per unit: the reused one, or its files with their size and
/// mtime from `entry`; `None` when a file has neither.
fn unit_records<'a>(
    units: &'a [Unit],
    reused: &mut [Option<UnitRecord>],
    entry: impl Fn(&'a String) -> Option<(&'a str, Stat)>,
) -> Option<Vec<UnitRecord>> {
    let mut records = Vec::with_capacity(units.len());
    for (unit, reused) in units.iter().zip(reused) {
        let record = match reused.take() {
            Some(r) => r,
            None => {
                let files = unit.files.iter().map(&entry).collect::<Option<Vec<_>>>()?;
                UnitRecord::new(unit.namespace.clone(), unit.fingerprint.clone(), files)
            }
        };
        records.push(record);
    }
    Some(records)
}

/// Writes `cache` under `root` through a temporary file and a rename, and
/// removes the files of older cache formats. Failures are ignored: the
/// cache only saves time.
fn write_cache(root: &Path, cache: &Cache) {
    let _ = std::fs::create_dir_all(root.join(".esogen"));
    let tmp = root.join(".esogen/cache.bin.tmp");
    if super::fault_point().is_ok() && stream_to(&tmp, cache).is_ok() {
        let _ = super::fault_point().and_then(|()| std::fs::rename(&tmp, root.join(CACHE_FILE)));
    } else {
        let _ = std::fs::remove_file(&tmp);
    }
    // The cache of esogen versions before it was named `cache.bin`.
    for legacy in [".esogen/cache.json", ".esogen/cache.json.tmp"] {
        let _ = std::fs::remove_file(root.join(legacy));
    }
}

/// Serializes `cache` into a new file at `path` through a small buffer:
/// not into one 16 MB vector first (at 10,000 teams), whose growth touches
/// twice that in fresh pages on every run.
fn stream_to(path: &Path, cache: &Cache) -> std::io::Result<()> {
    use std::io::Write as _;
    let file = std::fs::File::create(path)?;
    let writer = postcard::to_io(cache, std::io::BufWriter::with_capacity(1 << 16, file))
        .map_err(std::io::Error::other)?;
    writer.into_inner().map_err(|e| e.into_error())?.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cache_of(version: &str) -> Cache {
        Cache {
            format: FORMAT,
            version: version.to_owned(),
            inputs: Vec::new(),
            files: Vec::new(),
            units: Vec::new(),
            listings: Vec::new(),
            staging: None,
            memo: Vec::new(),
            root: None,
            index: Positions::default(),
            dirs: Positions::default(),
            intact: Vec::new(),
        }
    }

    /// Positions answer for every key by the list they index, the last
    /// position of a key listed twice (as a map of copied keys did), and
    /// nothing for a key not listed.
    #[test]
    fn positions_find_every_key_through_the_list() {
        let keys: Vec<String> = (0..5000).map(|i| format!("ns-{i}")).collect();
        let mut listed: Vec<&str> = keys.iter().map(String::as_str).collect();
        listed.push("ns-7");
        let positions = Positions::of(listed.iter().copied());
        let at = |i: usize| listed.get(i).copied();
        for (i, key) in keys.iter().enumerate() {
            let want = if key == "ns-7" { listed.len() - 1 } else { i };
            assert_eq!(positions.get(key, at), Some(want), "{key}");
        }
        assert_eq!(positions.get("ns-5000", at), None);
        assert_eq!(positions.get("", at), None);
        assert_eq!(Positions::default().get("ns-1", at), None);
    }

    /// A unit record is one string of paths beside a list of stats: a
    /// cache edited so that the two disagree is not read (zipping them
    /// would drop files silently).
    #[test]
    fn a_unit_record_with_more_stats_than_paths_is_not_trusted() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".esogen")).unwrap();
        let mut cache = cache_of(crate::BUILD);
        cache.units.push(UnitRecord::new(
            "pay".into(),
            "f".into(),
            [
                ("overlays/pay/a.yaml", (1, 2)),
                ("overlays/pay/b.yaml", (3, 4)),
            ],
        ));
        write_cache(dir.path(), &cache);
        let loaded = Cache::load(dir.path()).expect("a whole record is read");
        let files: Vec<(&str, Stat)> = loaded.units[0].files().collect();
        assert_eq!(
            files,
            [
                ("overlays/pay/a.yaml", (1, 2)),
                ("overlays/pay/b.yaml", (3, 4))
            ]
        );
        for edit in [
            |u: &mut UnitRecord| pack((5, 6), &mut u.stats.0),
            |u: &mut UnitRecord| {
                u.stats.0.pop();
            },
            |u: &mut UnitRecord| u.paths.push_str("overlays/pay/c.yaml"),
            |u: &mut UnitRecord| {
                u.paths.pop();
            },
        ] {
            let mut cache = cache_of(crate::BUILD);
            let mut unit = UnitRecord::new(
                "pay".into(),
                "f".into(),
                [
                    ("overlays/pay/a.yaml", (1, 2)),
                    ("overlays/pay/b.yaml", (3, 4)),
                ],
            );
            edit(&mut unit);
            cache.units.push(unit);
            write_cache(dir.path(), &cache);
            assert!(Cache::load(dir.path()).is_none());
        }
    }

    /// The units stat'ed ahead ([`Cache::check_ahead`]) give the same
    /// answers as the units a worker stats when it asks: an edited file's
    /// unit is rendered again, the others are kept; with the work ahead
    /// stopped before it began, the workers stat every unit themselves.
    #[test]
    fn units_checked_ahead_keep_what_is_intact_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        for ns in ["pay", "ops"] {
            std::fs::create_dir_all(dir.path().join("overlays").join(ns)).unwrap();
            std::fs::write(dir.path().join(format!("overlays/{ns}/a.yaml")), "a: 1\n").unwrap();
        }
        std::fs::create_dir_all(dir.path().join(".esogen")).unwrap();
        let root = crate::sync::diff::open_root(dir.path()).unwrap();
        let mut cache = cache_of(crate::BUILD);
        for ns in ["pay", "ops"] {
            let rel = format!("overlays/{ns}/a.yaml");
            let stat = file_stat(&root, &rel).unwrap();
            cache.units.push(UnitRecord::new(
                ns.into(),
                "f".into(),
                [(rel.as_str(), stat)],
            ));
        }
        write_cache(dir.path(), &cache);
        std::fs::write(dir.path().join("overlays/ops/a.yaml"), "a: 22\n").unwrap();
        for stopped in [false, true] {
            let loaded = Cache::load(dir.path()).unwrap();
            loaded.check_ahead(|| stopped);
            let states: Vec<u8> = loaded
                .intact
                .iter()
                .map(|s| s.load(Ordering::Relaxed))
                .collect();
            let expected = if stopped {
                [UNKNOWN, UNKNOWN]
            } else {
                [INTACT, CHANGED]
            };
            assert_eq!(states, expected, "stopped: {stopped}");
            assert_eq!(
                loaded.unchanged("pay", "f"),
                Some(vec!["overlays/pay/a.yaml".to_owned()])
            );
            assert_eq!(loaded.unchanged("ops", "f"), None, "stopped: {stopped}");
            assert_eq!(loaded.unchanged("pay", "g"), None, "another fingerprint");
        }
    }

    /// A cache another build wrote is not trusted, even when that build has
    /// the same version number (a build from other sources of main): its
    /// fingerprints describe what that code generated.
    #[test]
    fn only_this_build_trusts_its_cache() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".esogen")).unwrap();
        write_cache(dir.path(), &cache_of(env!("CARGO_PKG_VERSION")));
        assert!(
            Cache::load(dir.path()).is_none(),
            "same version, other sources"
        );
        write_cache(dir.path(), &cache_of(crate::BUILD));
        assert!(Cache::load(dir.path()).is_some(), "this build");
    }
}
