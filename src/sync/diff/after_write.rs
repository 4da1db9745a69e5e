//! The managed directories' listings after a write, for the local cache:
//! the listings taken while comparing, updated for the files the write
//! added and removed, so the next run need not read those directories.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use super::{ChangeSet, Listing, MANAGED_DIRS, open_root};

/// The managed directories' listings after `changes` were written: the
/// `listings` taken before writing (`changes.listings`, moved out), with added and removed files (and the
/// directories created or emptied for them) applied and each touched
/// directory's new change time read back.
pub fn listings_after_write(
    root: &Path,
    listings: Vec<Listing>,
    changes: &ChangeSet,
) -> Vec<Listing> {
    let mut map: BTreeMap<String, Listing> =
        listings.into_iter().map(|l| (l.dir.clone(), l)).collect();
    let touched = apply_changes(&mut map, changes);
    read_back_changed(root, &mut map, touched);
    map.into_values().collect()
}

/// Applies the added and removed files under the managed directories to
/// the listings, entering new directories in their parents; returns every
/// directory the write changed.
fn apply_changes(map: &mut BTreeMap<String, Listing>, changes: &ChangeSet) -> BTreeSet<String> {
    let mut touched: BTreeSet<String> = BTreeSet::new();
    // New files by directory (`added` is sorted, so a directory's files
    // are next to each other); each new directory is entered in its
    // parent's listing once.
    let mut added = changes
        .added
        .iter()
        .filter(|r| managed(r))
        .filter_map(|rel| rel.rsplit_once('/'))
        .peekable();
    while let Some((dir, name)) = added.next() {
        enter_dir(map, &mut touched, dir);
        let Some(l) = map.get_mut(dir) else { continue };
        l.push(name, false);
        while let Some((_, name)) = added.next_if(|(d, _)| *d == dir) {
            l.push(name, false);
        }
    }
    // An interrupted run's leftovers (temporary files, private directories)
    // were removed too: a listing that kept them would show a leftover, and
    // an interrupted run, on every later run.
    for rel in changes
        .removed
        .iter()
        .chain(&changes.leftovers)
        .filter(|r| managed(r))
    {
        if let Some((dir, name)) = rel.rsplit_once('/')
            && let Some(l) = map.get_mut(dir)
        {
            l.remove(name);
            touched.insert(dir.to_owned());
        }
    }
    // A changed file was replaced by renaming a temporary file over it,
    // which changes its directory's mtime and change time but not its
    // entries.
    for rel in changes.changed.iter().filter(|r| managed(r)) {
        if let Some((dir, _)) = rel.rsplit_once('/')
            && map.contains_key(dir)
        {
            touched.insert(dir.to_owned());
        }
    }
    touched
}

/// Reads back the change time of each `touched` directory into its listing
/// (sorted and deduplicated); a directory that is gone or unreadable is
/// dropped from the listings and from its parent's.
fn read_back_changed(root: &Path, map: &mut BTreeMap<String, Listing>, touched: BTreeSet<String>) {
    // Deepest first, so a directory emptied and removed by the write also
    // leaves its parent's listing (which is then read again too).
    let depth = |d: &str| d.matches('/').count();
    let touched: Vec<String> = touched.into_iter().collect();
    let root_fd = open_root(root).ok();
    let mut read: BTreeMap<&String, Option<u128>> = touched
        .iter()
        .zip(crate::parallel::map(&touched, |d| {
            root_fd
                .as_ref()
                .and_then(|r| r.dir_changed(d).ok().flatten())
        }))
        .collect();
    let mut queue: std::collections::BinaryHeap<(usize, String)> =
        touched.iter().map(|d| (depth(d), d.clone())).collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    while let Some((_, dir)) = queue.pop() {
        if !done.insert(dir.clone()) {
            continue;
        }
        let changed = match read.remove(&dir) {
            Some(m) => m,
            None => root_fd
                .as_ref()
                .and_then(|r| r.dir_changed(&dir).ok().flatten()),
        };
        match changed {
            Some(changed) => {
                if let Some(l) = map.get_mut(&dir) {
                    l.sort_dedup();
                    l.changed = changed;
                }
            }
            // Emptied and removed, or unreadable: not recorded.
            _ => {
                map.remove(&dir);
                if let Some((parent, name)) = dir.rsplit_once('/') {
                    if let Some(l) = map.get_mut(parent) {
                        l.remove(name);
                    }
                    done.remove(parent);
                    queue.push((depth(parent), parent.to_owned()));
                }
            }
        }
    }
}

/// True when `rel` is under one of the managed directories.
fn managed(rel: &str) -> bool {
    rel.split_once('/')
        .is_some_and(|(top, _)| MANAGED_DIRS.contains(&top))
}

/// Enters a directory the write created (and any new parents) in the
/// listings, as an empty listing and an entry of its parent. It is clean
/// ([`Listing::clean`]): it holds only what the write puts in it.
fn enter_dir(map: &mut BTreeMap<String, Listing>, touched: &mut BTreeSet<String>, dir: &str) {
    touched.insert(dir.to_owned());
    if map.contains_key(dir) {
        return;
    }
    if let Some((parent, name)) = dir.rsplit_once('/') {
        enter_dir(map, touched, parent);
        if let Some(l) = map.get_mut(parent) {
            l.push(name, true);
        }
    }
    let mut listing = Listing::new(dir.to_owned(), 0);
    listing.clean = true;
    map.insert(dir.to_owned(), listing);
}
