//! Applies a `ChangeSet`: each file is written to a temporary sibling,
//! and renamed over the old one, so a reader (or a crash, a full
//! disk, a killed process) sees either the old or the new content, never a
//! truncated file. Only files esogen owns are removed.
//!
//! A directory that is new in this run (`ChangeSet::new_dirs`: `overlays/`
//! of a first run, `overlays/<ns>/` of a new namespace) is instead built
//! under a private name next to where it goes, its files created there
//! directly (no reader can see them, so no temporary file and rename per
//! file), and then moved into place whole, never replacing anything that
//! appeared there meanwhile: readers see it absent or complete. That
//! takes directory handles that refuse symbolic links
//! ([`super::fsys::Dirs`]); the path-based writer writes every file
//! through a temporary file.
//!
//! The file operations go through [`FileOps`] so tests can inject a fault at
//! every single step and check that property.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::SyncError;
use super::diff::{ChangeSet, Stat, check_no_symlink, check_no_symlink_memo, stat_of};
use super::journal::{JOURNAL_FILE, Journal, TEMP_PREFIX, TEMP_SUFFIX};
use crate::tree::{OWNERSHIP_FILE, OutputTree};

/// The file operations `apply` performs, one call per step.
pub trait FileOps {
    /// Creates a directory and its parents.
    fn create_dir_all(&mut self, dir: &Path) -> std::io::Result<()>;
    /// Writes `bytes` to a new temporary file in `dir` and returns its path.
    fn write_temp(&mut self, dir: &Path, bytes: &[u8]) -> std::io::Result<PathBuf>;
    /// Renames `from` over `to` (atomic on one file system).
    fn rename(&mut self, from: &Path, to: &Path) -> std::io::Result<()>;
    /// Removes a file.
    fn remove_file(&mut self, path: &Path) -> std::io::Result<()>;
    /// Removes an empty directory.
    fn remove_dir(&mut self, path: &Path) -> std::io::Result<()>;
    /// The size and mtime of the file the last `rename` put in place, or
    /// the last `write_new` wrote, when known without another lookup (for
    /// the local cache).
    fn written_stat(&mut self) -> Option<Stat> {
        None
    }
    /// Creates a private directory next to `dir` (which does not exist)
    /// to build `dir` in, and returns its path; `None` when these
    /// operations cannot move a directory into place without the risk of
    /// replacing something (the path-based writer): every file then goes
    /// through a temporary file.
    fn stage_dir(&mut self, dir: &Path) -> std::io::Result<Option<PathBuf>> {
        let _ = dir;
        Ok(None)
    }
    /// Creates the file `path` in a private directory (it must not exist)
    /// with `bytes`.
    fn write_new(&mut self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let _ = (path, bytes);
        Err(std::io::ErrorKind::Unsupported.into())
    }
    /// Moves the private directory `from` to `to`, never replacing
    /// anything at `to`.
    fn publish_dir(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
        let _ = (from, to);
        Err(std::io::ErrorKind::Unsupported.into())
    }
    /// Removes a directory and everything in it, never following a
    /// symbolic link (one at `path` itself is removed).
    fn remove_tree(&mut self, path: &Path) -> std::io::Result<()> {
        super::fault_point()?;
        // `std`'s removal opens nothing through a link (CVE-2022-21658).
        std::fs::remove_dir_all(path)
    }
    /// True when these operations themselves refuse to create, write or
    /// replace anything through a symbolic link under the root; the writer
    /// then skips its own check of every path component.
    fn refuses_symlinks(&self) -> bool {
        false
    }
}

/// Makes the file operations of one writer thread.
pub type OpsFactory<'a> = &'a (dyn Fn() -> Box<dyn FileOps> + Sync);

/// Writes `bytes` to a new temporary file in `dir`; returns its path and
/// its size and mtime.
fn write_temp_file(dir: &Path, bytes: &[u8]) -> std::io::Result<(PathBuf, Option<Stat>)> {
    super::fault_point()?;
    // Created 0666 less the umask, as git and every editor create files
    // (tempfile's default, 0600, would make generated files private).
    let mut builder = tempfile::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    if let Some(permissions) = super::fsys::new_file_permissions() {
        builder.permissions(permissions);
    }
    let mut tmp = builder.tempfile_in(dir)?;
    // Cut here, the temporary file stays behind (a killed run's leftover).
    super::fault_point()?;
    // No fsync per file: the rename keeps readers and crashes of esogen
    // from seeing partial files; durability across power loss is the
    // file system's (and the git commit's) job, and fsyncing 90,000
    // files would dominate the run.
    tmp.write_all(bytes)?;
    let stat = tmp.as_file().metadata().ok().as_ref().and_then(stat_of);
    // Kept on disk until renamed; removed by `apply` if the rename fails.
    let (_, path) = tmp.keep().map_err(|e| e.error)?;
    Ok((path, stat))
}

/// The real file system.
#[derive(Debug, Default)]
pub struct RealFs;

impl FileOps for RealFs {
    fn create_dir_all(&mut self, dir: &Path) -> std::io::Result<()> {
        super::fault_point()?;
        std::fs::create_dir_all(dir)
    }

    fn write_temp(&mut self, dir: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
        write_temp_file(dir, bytes).map(|(path, _)| path)
    }

    fn rename(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
        super::fault_point()?;
        std::fs::rename(from, to)
    }

    fn remove_file(&mut self, path: &Path) -> std::io::Result<()> {
        super::fault_point()?;
        std::fs::remove_file(path)
    }

    fn remove_dir(&mut self, path: &Path) -> std::io::Result<()> {
        super::fault_point()?;
        std::fs::remove_dir(path)
    }
}

/// The real file system, remembering the directories it already made so a
/// directory of 10 files is created once, not checked 10 times, and the
/// size and mtime of the file it last renamed into place (read from the
/// open temporary file, so without another lookup). On Linux it works
/// through directory handles that refuse symbolic links
/// ([`super::fsys::Dirs`]); elsewhere through paths.
#[derive(Debug, Default)]
struct RealFsMemo {
    /// As bytes: hashing a `PathBuf` walks its components.
    made: std::collections::HashSet<std::ffi::OsString>,
    dirs: Option<super::fsys::Dirs>,
    pending: Option<Stat>,
    last: Option<Stat>,
}

impl RealFsMemo {
    fn new(root: &Path) -> Self {
        Self {
            dirs: super::fsys::Dirs::open(root),
            ..Self::default()
        }
    }
}

impl FileOps for RealFsMemo {
    fn create_dir_all(&mut self, dir: &Path) -> std::io::Result<()> {
        if self.made.contains(dir.as_os_str()) {
            return Ok(());
        }
        match &mut self.dirs {
            Some(dirs) => {
                super::fault_point()?;
                dirs.create_dir_all(dir)?;
            }
            None => RealFs.create_dir_all(dir)?,
        }
        self.made.insert(dir.as_os_str().to_owned());
        Ok(())
    }

    fn write_temp(&mut self, dir: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
        let (path, stat) = match &mut self.dirs {
            Some(dirs) => {
                super::fault_point()?;
                let (mut file, path) = dirs.create_temp(dir)?;
                // Cut here, the temporary file stays behind.
                super::fault_point()?;
                let written = file.write_all(bytes);
                if let Err(e) = written {
                    let _ = std::fs::remove_file(&path);
                    return Err(e);
                }
                (path, file.metadata().ok().as_ref().and_then(stat_of))
            }
            None => write_temp_file(dir, bytes)?,
        };
        self.pending = stat;
        Ok(path)
    }

    fn rename(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
        match &mut self.dirs {
            Some(dirs) => {
                super::fault_point()?;
                dirs.rename(from, to)?;
            }
            None => RealFs.rename(from, to)?,
        }
        // A rename keeps the inode, so its size and mtime.
        self.last = self.pending.take();
        Ok(())
    }

    fn stage_dir(&mut self, dir: &Path) -> std::io::Result<Option<PathBuf>> {
        let Some(dirs) = &mut self.dirs else {
            return Ok(None);
        };
        super::fault_point()?;
        dirs.stage_dir(dir).map(Some)
    }

    fn write_new(&mut self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
        let Some(dirs) = &mut self.dirs else {
            return Err(std::io::ErrorKind::Unsupported.into());
        };
        super::fault_point()?;
        let mut file = dirs.create_new(path)?;
        // Cut here, an empty file stays behind in the private directory
        // (removed with it by the next run).
        super::fault_point()?;
        file.write_all(bytes)?;
        // The size and mtime from the open file; moving the directory into
        // place later changes neither.
        self.last = file.metadata().ok().as_ref().and_then(stat_of);
        Ok(())
    }

    fn publish_dir(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
        let Some(dirs) = &mut self.dirs else {
            return Err(std::io::ErrorKind::Unsupported.into());
        };
        super::fault_point()?;
        dirs.publish_dir(from, to)
    }

    fn remove_tree(&mut self, path: &Path) -> std::io::Result<()> {
        match &mut self.dirs {
            Some(dirs) => {
                super::fault_point()?;
                dirs.remove_tree(path)
            }
            None => RealFs.remove_tree(path),
        }
    }

    fn remove_file(&mut self, path: &Path) -> std::io::Result<()> {
        RealFs.remove_file(path)
    }

    fn remove_dir(&mut self, path: &Path) -> std::io::Result<()> {
        RealFs.remove_dir(path)
    }

    fn written_stat(&mut self) -> Option<Stat> {
        self.last.take()
    }

    fn refuses_symlinks(&self) -> bool {
        self.dirs.is_some()
    }
}

fn io_err(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> SyncError {
    let path = path.to_path_buf();
    move |source| SyncError::Io {
        action,
        path,
        source,
    }
}

fn write_atomic(ops: &mut dyn FileOps, path: &Path, bytes: &[u8]) -> Result<(), SyncError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    ops.create_dir_all(dir)
        .map_err(io_err("create the directory of", path))?;
    let tmp = ops
        .write_temp(dir, bytes)
        .map_err(io_err("write a temporary file next to", path))?;
    if let Err(e) = ops.rename(&tmp, path) {
        // Best effort: the target is untouched either way.
        let _ = std::fs::remove_file(&tmp);
        return Err(io_err("replace", path)(e));
    }
    Ok(())
}

/// The size and mtime of each file written, by its path in the
/// [`ChangeSet`] that listed it: a list per writer thread, not copied into
/// one (180,000 entries at 20,000 teams, at the peak of a full run).
pub type Written<'c> = Vec<Vec<(&'c str, Stat)>>;

/// Writes added and changed files, then the ownership record, then removes
/// files that are no longer generated and the directories they leave empty.
/// Before any of it, the intent journal lists every path about to be
/// touched; it goes only once all of it is done (see `sync::journal`), so a
/// run stopped at any step is finished or undone by the next one. Returns
/// the size and mtime of the files written in parallel, for the local
/// cache.
pub fn apply<'c>(
    root: &Path,
    tree: &OutputTree,
    changes: &'c ChangeSet,
) -> Result<Written<'c>, SyncError> {
    apply_using(&|| Box::new(RealFsMemo::new(root)), root, tree, changes)
}

/// [`apply`] through the file operations `ops` makes, one set per writer
/// thread and one for the ordered steps: the seam the fault-injection tests
/// use, on the path production takes.
pub fn apply_using<'c>(
    ops: OpsFactory<'_>,
    root: &Path,
    tree: &OutputTree,
    changes: &'c ChangeSet,
) -> Result<Written<'c>, SyncError> {
    let mut serial = ops();
    begin(serial.as_mut(), root, changes)?;
    let mut staged = Staged::make(serial.as_mut(), root, &changes.new_dirs)?;
    // Files are independent: write them from all cores; then the ordered
    // part (new directories moved into place, the ownership record last,
    // removals, the journal).
    let writes: Vec<&String> = writes(changes).collect();
    let written = crate::parallel::chunks(&writes, |part| {
        let mut fs = ops();
        let mut real = std::collections::HashSet::new();
        let mut stats = Vec::with_capacity(part.len());
        for rel in part {
            let Some(bytes) = tree.get(rel) else {
                continue;
            };
            if let Some(private) = staged.private_path(rel) {
                write_staged(fs.as_mut(), &root.join(&private), bytes)
                    .map_err(|e| symlink_or(root, &private, e))?;
            } else {
                if !fs.refuses_symlinks() {
                    check_no_symlink_memo(root, rel, &mut real)?;
                }
                write_atomic(fs.as_mut(), &root.join(rel.as_str()), bytes)
                    .map_err(|e| symlink_or(root, rel, e))?;
            }
            if let Some(stat) = fs.written_stat() {
                stats.push((rel.as_str(), stat));
            }
        }
        Ok::<_, SyncError>(stats)
    });
    let published = written
        .into_iter()
        .collect::<Result<Written<'c>, _>>()
        .and_then(|stats| staged.publish(serial.as_mut(), root).map(|()| stats));
    let stats = match published {
        Ok(stats) => stats,
        Err(e) => {
            // Best effort: what is left is an interrupted run's leftover,
            // which the next run removes anyway.
            staged.discard(serial.as_mut(), root);
            return Err(e);
        }
    };
    finish(serial.as_mut(), root, tree, changes)?;
    Ok(stats)
}

/// The new directories of a run, each built under a private name.
struct Staged {
    /// Final path relative to the root, private path relative to the
    /// root, and whether it is in place yet.
    dirs: Vec<(String, String, bool)>,
    /// `dirs` by final path.
    index: std::collections::HashMap<String, usize>,
}

impl Staged {
    /// Makes a private directory for each of `new_dirs`; none when `ops`
    /// cannot (every file then takes the temporary-file path).
    fn make(ops: &mut dyn FileOps, root: &Path, new_dirs: &[String]) -> Result<Self, SyncError> {
        let mut staged = Self {
            dirs: Vec::with_capacity(new_dirs.len()),
            index: std::collections::HashMap::with_capacity(new_dirs.len()),
        };
        for dir in new_dirs {
            let path = root.join(dir);
            let made = ops.stage_dir(&path);
            let private = match made {
                Ok(Some(private)) => private,
                Ok(None) => break,
                Err(e) => {
                    staged.discard(ops, root);
                    return Err(symlink_or(
                        root,
                        dir,
                        io_err("create a directory next to", &path)(e),
                    ));
                }
            };
            let Some(private) = private
                .strip_prefix(root)
                .ok()
                .and_then(Path::to_str)
                .map(str::to_owned)
            else {
                staged.discard(ops, root);
                return Err(io_err("create a directory next to", &path)(
                    std::io::Error::other("private directory outside the output root"),
                ));
            };
            staged.index.insert(dir.clone(), staged.dirs.len());
            staged.dirs.push((dir.clone(), private, false));
        }
        Ok(staged)
    }

    /// Where `rel` is written: its path relative to the root inside a
    /// private directory, or `None` when it goes straight to its place.
    fn private_path(&self, rel: &str) -> Option<String> {
        if self.dirs.is_empty() {
            return None;
        }
        // New directories are the topmost missing ones: at most one of
        // `rel`'s parents is among them.
        let mut end = 0;
        while let Some(pos) = rel[end..].find('/') {
            end += pos;
            if let Some(i) = self.index.get(&rel[..end]) {
                let (_, private, _) = &self.dirs[*i];
                return Some(format!("{private}{}", &rel[end..]));
            }
            end += 1;
        }
        None
    }

    /// Moves every private directory into place.
    fn publish(&mut self, ops: &mut dyn FileOps, root: &Path) -> Result<(), SyncError> {
        for (dir, private, published) in &mut self.dirs {
            let to = root.join(dir.as_str());
            ops.publish_dir(&root.join(private.as_str()), &to)
                .map_err(|e| symlink_or(root, dir, io_err("move into place", &to)(e)))?;
            *published = true;
        }
        Ok(())
    }

    /// Removes the private directories not moved into place.
    fn discard(&self, ops: &mut dyn FileOps, root: &Path) {
        for (_, private, published) in &self.dirs {
            if !*published {
                let _ = ops.remove_tree(&root.join(private.as_str()));
            }
        }
    }
}

/// Writes a file inside a private directory: created there directly.
fn write_staged(ops: &mut dyn FileOps, path: &Path, bytes: &[u8]) -> Result<(), SyncError> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    ops.create_dir_all(dir)
        .map_err(io_err("create the directory of", path))?;
    ops.write_new(path, bytes).map_err(io_err("write", path))
}

/// The error of a failed write, or, when a symbolic link on its way is what
/// made it fail, the error that names the link.
fn symlink_or(root: &Path, rel: &str, error: SyncError) -> SyncError {
    match check_no_symlink(root, rel) {
        Err(e @ SyncError::Symlink { .. }) => e,
        _ => error,
    }
}

/// The files to write before the ownership record: every added or changed
/// one but the record itself.
fn writes(changes: &ChangeSet) -> impl Iterator<Item = &String> {
    changes
        .added
        .iter()
        .chain(&changes.changed)
        .filter(|p| p.as_str() != OWNERSHIP_FILE)
}

/// Records the intent (every path about to be written or removed, and the
/// paths an interrupted run's journal still names), then removes the
/// temporary files an interrupted run left.
fn begin(ops: &mut dyn FileOps, root: &Path, changes: &ChangeSet) -> Result<(), SyncError> {
    let paths = changes
        .added
        .iter()
        .chain(&changes.changed)
        .chain(&changes.removed)
        .chain(changes.journal.iter().flatten())
        .map(String::as_str);
    check_no_symlink(root, JOURNAL_FILE)?;
    write_atomic(ops, &root.join(JOURNAL_FILE), &Journal::bytes_of(paths))?;
    for rel in &changes.leftovers {
        check_no_symlink(root, rel)?;
        let path = root.join(rel);
        // A private directory a stopped run was building, or a file.
        let is_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        if is_dir {
            match ops.remove_tree(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                    return Err(io_err("remove", &path)(e));
                }
                _ => {}
            }
        } else {
            remove_file(ops, &path)?;
        }
    }
    Ok(())
}

/// Writes the ownership record, removes what is no longer generated (and
/// the directories left empty, also by an interrupted run), and last the
/// journal.
fn finish(
    ops: &mut dyn FileOps,
    root: &Path,
    tree: &OutputTree,
    changes: &ChangeSet,
) -> Result<(), SyncError> {
    // The ownership record goes after every other file: if a run stops
    // early, the old record (with the journal) still lists every file.
    let record = changes
        .added
        .iter()
        .chain(&changes.changed)
        .any(|p| p.as_str() == OWNERSHIP_FILE);
    if record && let Some(bytes) = tree.get(OWNERSHIP_FILE) {
        check_no_symlink(root, OWNERSHIP_FILE)?;
        write_atomic(ops, &root.join(OWNERSHIP_FILE), bytes)?;
    }
    for rel in &changes.removed {
        check_no_symlink(root, rel)?;
        remove_file(ops, &root.join(rel))?;
        prune_empty_parents(ops, root, rel);
    }
    for rel in &changes.vanished {
        if check_no_symlink(root, rel).is_ok() {
            prune_empty_parents(ops, root, rel);
        }
    }
    remove_file(ops, &root.join(JOURNAL_FILE))
}

/// Removes a file; one that is already gone is fine.
fn remove_file(ops: &mut dyn FileOps, path: &Path) -> Result<(), SyncError> {
    match ops.remove_file(path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(io_err("remove", path)(e)),
    }
}

/// Removes the directories above `rel` that are empty, up to the root.
fn prune_empty_parents(ops: &mut dyn FileOps, root: &Path, rel: &str) {
    let path = root.join(rel);
    let mut dir = path.parent();
    while let Some(d) = dir {
        if d == root || !d.starts_with(root) {
            break;
        }
        // Stops at the first directory that still has files.
        if ops.remove_dir(d).is_err() {
            break;
        }
        dir = d.parent();
    }
}

#[cfg(test)]
mod tests;
