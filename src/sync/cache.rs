//! A local cache that makes regenerating unchanged input nearly free: the
//! exact bytes of the tenants files of the last successful run, and the size
//! and modification time of every file it left on disk. When the inputs are
//! byte-identical and every file still has its recorded size and mtime, the
//! output is known to be up to date without running the pipeline or reading
//! a single generated file (the same trust git places in its index).
//!
//! The cache lives in `.esogen/cache.json`, is never committed (the tree
//! includes a `.esogen/.gitignore` for it) and never affects output bytes.
//! Without it, or on any mismatch, esogen takes the full path.

use std::path::Path;
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};

use crate::tree::OutputTree;

/// Path of the cache inside the output root.
pub const CACHE_FILE: &str = ".esogen/cache.json";

/// What the cache records.
#[derive(Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Cache {
    /// esogen version that wrote it; another version ignores it.
    pub version: String,
    /// Every tenants file read, with its exact content.
    pub inputs: Vec<(String, String)>,
    /// Every generated file: path, size, mtime in nanoseconds.
    pub files: Vec<(String, u64, u128)>,
}

fn stat(root: &Path, rel: &str) -> Option<(u64, u128)> {
    let m = std::fs::symlink_metadata(root.join(rel)).ok()?;
    if !m.file_type().is_file() {
        return None;
    }
    let mtime = m
        .modified()
        .ok()?
        .duration_since(UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some((m.len(), mtime))
}

/// The cache's view of the inputs of this run.
pub fn inputs(files: &[(String, String)]) -> Vec<(String, String)> {
    files.to_vec()
}

/// True when the cache proves the output under `root` is up to date for
/// these inputs; any doubt is `false`.
pub fn is_fresh(root: &Path, inputs: &[(String, String)]) -> Option<usize> {
    let bytes = std::fs::read(root.join(CACHE_FILE)).ok()?;
    let cache: Cache = serde_json::from_slice(&bytes).ok()?;
    if cache.version != env!("CARGO_PKG_VERSION") || cache.inputs != inputs {
        return None;
    }
    for (rel, len, mtime) in &cache.files {
        if stat(root, rel)? != (*len, *mtime) {
            return None;
        }
    }
    Some(cache.files.len())
}

/// Records the state after a run that left `tree` on disk under `root`.
/// Failing to write the cache only costs speed next time.
pub fn record(root: &Path, inputs: &[(String, String)], tree: &OutputTree) {
    let mut files = Vec::with_capacity(tree.len());
    for (rel, _) in tree.iter() {
        match stat(root, rel) {
            Some((len, mtime)) => files.push((rel.clone(), len, mtime)),
            None => return,
        }
    }
    let cache = Cache {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        inputs: inputs.to_vec(),
        files,
    };
    if let Ok(text) = serde_json::to_vec(&cache) {
        let _ = std::fs::create_dir_all(root.join(".esogen"));
        let tmp = root.join(".esogen/cache.json.tmp");
        if std::fs::write(&tmp, text).is_ok() {
            let _ = std::fs::rename(&tmp, root.join(CACHE_FILE));
        }
    }
}
