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

/// Writes added and changed files, then the ownership record, then removes
/// files that are no longer generated and the directories they leave empty.
/// Before any of it, the intent journal lists every path about to be
/// touched; it goes only once all of it is done (see `sync::journal`), so a
/// run stopped at any step is finished or undone by the next one. Returns
/// the size and mtime of the files written in parallel, for the local
/// cache.
pub fn apply(
    root: &Path,
    tree: &OutputTree,
    changes: &ChangeSet,
) -> Result<Vec<(String, Stat)>, SyncError> {
    apply_using(&|| Box::new(RealFsMemo::new(root)), root, tree, changes)
}

/// [`apply`] through the file operations `ops` makes, one set per writer
/// thread and one for the ordered steps: the seam the fault-injection tests
/// use, on the path production takes.
pub fn apply_using(
    ops: OpsFactory<'_>,
    root: &Path,
    tree: &OutputTree,
    changes: &ChangeSet,
) -> Result<Vec<(String, Stat)>, SyncError> {
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
                stats.push(((*rel).clone(), stat));
            }
        }
        Ok::<_, SyncError>(stats)
    });
    let mut stats = Vec::new();
    let published = written
        .into_iter()
        .try_for_each(|part| part.map(|s| stats.extend(s)))
        .and_then(|()| staged.publish(serial.as_mut(), root));
    if let Err(e) = published {
        // Best effort: what is left is an interrupted run's leftover, which
        // the next run removes anyway.
        staged.discard(serial.as_mut(), root);
        return Err(e);
    }
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
    let paths: Vec<String> = changes
        .added
        .iter()
        .chain(&changes.changed)
        .chain(&changes.removed)
        .chain(changes.journal.iter().flatten())
        .cloned()
        .collect();
    check_no_symlink(root, JOURNAL_FILE)?;
    write_atomic(
        ops,
        &root.join(JOURNAL_FILE),
        &Journal::new(paths).to_bytes(),
    )?;
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
mod tests {
    use super::*;
    use crate::sync::diff;

    /// The production operations (directory handles on Linux, paths with
    /// `ESOGEN_PORTABLE_FS=1`), failing at step `fail_at`, counted across
    /// every writer thread, and with `stop` at every step after it too (a
    /// killed run does nothing more, not even clean up); a failing write
    /// leaves a half-written file, like a full disk would.
    struct Faulty {
        step: std::sync::Arc<std::sync::atomic::AtomicUsize>,
        fail_at: usize,
        stop: bool,
        inner: RealFsMemo,
    }

    impl Faulty {
        fn tick(&mut self) -> std::io::Result<()> {
            let step = self.step.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            if step == self.fail_at || (self.stop && step > self.fail_at) {
                Err(std::io::Error::other("injected fault"))
            } else {
                Ok(())
            }
        }
    }

    impl FileOps for Faulty {
        fn create_dir_all(&mut self, dir: &Path) -> std::io::Result<()> {
            self.tick()?;
            self.inner.create_dir_all(dir)
        }
        fn write_temp(&mut self, dir: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
            if let Err(e) = self.tick() {
                let half = tempfile::Builder::new()
                    .prefix(TEMP_PREFIX)
                    .suffix(TEMP_SUFFIX)
                    .tempfile_in(dir)?;
                std::fs::write(half.path(), &bytes[..bytes.len() / 2])?;
                half.keep().map_err(|e| e.error)?;
                return Err(e);
            }
            self.inner.write_temp(dir, bytes)
        }
        fn rename(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
            self.tick()?;
            self.inner.rename(from, to)
        }
        fn remove_file(&mut self, path: &Path) -> std::io::Result<()> {
            self.tick()?;
            self.inner.remove_file(path)
        }
        fn remove_dir(&mut self, path: &Path) -> std::io::Result<()> {
            self.tick()?;
            self.inner.remove_dir(path)
        }
        fn written_stat(&mut self) -> Option<Stat> {
            self.inner.written_stat()
        }
        fn refuses_symlinks(&self) -> bool {
            self.inner.refuses_symlinks()
        }
        fn stage_dir(&mut self, dir: &Path) -> std::io::Result<Option<PathBuf>> {
            self.tick()?;
            self.inner.stage_dir(dir)
        }
        fn write_new(&mut self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
            if let Err(e) = self.tick() {
                self.inner.write_new(path, &bytes[..bytes.len() / 2])?;
                return Err(e);
            }
            self.inner.write_new(path, bytes)
        }
        fn publish_dir(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
            self.tick()?;
            self.inner.publish_dir(from, to)
        }
        fn remove_tree(&mut self, path: &Path) -> std::io::Result<()> {
            self.tick()?;
            self.inner.remove_tree(path)
        }
    }

    fn tree(files: &[(&str, &str)]) -> OutputTree {
        let mut t = OutputTree::new();
        for (p, c) in files {
            t.insert((*p).to_owned(), c.as_bytes().to_vec()).unwrap();
        }
        t
    }

    fn snapshot(root: &Path) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = walkdir::WalkDir::new(root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_file())
            .map(|e| {
                (
                    e.path()
                        .strip_prefix(root)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                    std::fs::read_to_string(e.path()).unwrap(),
                )
            })
            .collect();
        out.sort();
        out
    }

    /// Every private directory under `root`, relative to it.
    fn private_dirs(root: &Path) -> Vec<String> {
        walkdir::WalkDir::new(root)
            .into_iter()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_dir())
            .map(|e| {
                e.path()
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .filter(|p| crate::sync::journal::is_temporary(p))
            .collect()
    }

    /// The files a run writes into new directories, by directory: each
    /// directory is absent or holds all of them.
    const NEW_DIRS: &[(&str, &[&str])] = &[
        ("bases", &["bases/new.yaml"]),
        (
            "overlays/c",
            &["overlays/c/four.yaml", "overlays/c/three.yaml"],
        ),
        ("policies/d", &["policies/d/e/deep.json"]),
    ];

    #[test]
    fn a_fault_at_any_step_leaves_every_file_old_or_new() {
        let old = tree(&[
            (
                "overlays/a/one.yaml",
                "old one, long enough to be cut in half\n",
            ),
            ("overlays/b/two.yaml", "old two\n"),
            ("policies/b/p.json", "old policy\n"),
            (
                OWNERSHIP_FILE,
                "{\"files\":[\"overlays/a/one.yaml\",\"overlays/b/two.yaml\",\"policies/b/p.json\"]}",
            ),
        ]);
        let new = tree(&[
            ("bases/new.yaml", "new base, long enough to be cut\n"),
            (
                "overlays/a/one.yaml",
                "new one, also long enough to be cut in half\n",
            ),
            ("overlays/c/four.yaml", "new four, long enough to be cut\n"),
            ("overlays/c/three.yaml", "new three\n"),
            ("policies/d/e/deep.json", "new deep policy, long enough\n"),
            (
                OWNERSHIP_FILE,
                "{\"files\":[\"bases/new.yaml\",\"overlays/a/one.yaml\",\"overlays/c/four.yaml\",\"overlays/c/three.yaml\",\"policies/d/e/deep.json\"]}",
            ),
        ]);
        let faulty = |root: &Path, fail_at: usize, stop: bool| {
            let step = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let root = root.to_path_buf();
            move || -> Box<dyn FileOps> {
                Box::new(Faulty {
                    step: step.clone(),
                    fail_at,
                    stop,
                    inner: RealFsMemo::new(&root),
                })
            }
        };
        for stop in [false, true] {
            fault_at_every_step(&old, &new, &|root, at| Box::new(faulty(root, at, stop)));
        }
    }

    /// Makes the file operations of one writer thread, owned.
    type OpsMaker = Box<dyn Fn() -> Box<dyn FileOps> + Sync>;

    /// Cuts `apply` of `old` → `new` at every step in turn with the
    /// operations `faulty(root, step)` makes, checks what a reader sees,
    /// and that the next run finishes the job.
    fn fault_at_every_step(
        old: &OutputTree,
        new: &OutputTree,
        faulty: &dyn Fn(&Path, usize) -> OpsMaker,
    ) {
        let final_files: Vec<String> = new.iter().map(|(p, _)| p.clone()).collect();
        let old_only = ["overlays/b/two.yaml", "policies/b/p.json"];
        let mut fail_at = 1;
        loop {
            let dir = tempfile::tempdir().unwrap();
            for (p, c) in old.iter() {
                let path = dir.path().join(p);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, c).unwrap();
            }
            let mut changes = diff::compute(dir.path(), new).unwrap();
            assert_eq!(
                changes.new_dirs,
                NEW_DIRS.iter().map(|(d, _)| *d).collect::<Vec<_>>()
            );
            changes.removed = old_only.map(str::to_owned).to_vec();
            let result = apply_using(&*faulty(dir.path(), fail_at), dir.path(), new, &changes);
            for (path, content) in snapshot(dir.path()) {
                if path.contains(".esogen-") || path == JOURNAL_FILE {
                    continue;
                }
                let was = old
                    .get(&path)
                    .map(|b| String::from_utf8_lossy(b).into_owned());
                let will = new
                    .get(&path)
                    .map(|b| String::from_utf8_lossy(b).into_owned());
                assert!(
                    Some(&content) == was.as_ref() || Some(&content) == will.as_ref(),
                    "fault at step {fail_at}: {path} is neither old nor new: {content:?}"
                );
            }
            // A reader never sees a new directory half-built (the
            // path-based writer, `ESOGEN_PORTABLE_FS=1`, makes no such
            // promise: it fails here).
            let stages = RealFsMemo::new(dir.path()).refuses_symlinks();
            for (new_dir, files) in NEW_DIRS.iter().filter(|_| stages) {
                if dir.path().join(new_dir).exists() {
                    for f in *files {
                        assert!(
                            dir.path().join(f).exists(),
                            "fault at step {fail_at}: {new_dir} exists without {f}"
                        );
                    }
                }
            }
            if result.is_ok() {
                // No step left to fail: everything is new, nothing stale.
                let files: Vec<String> = snapshot(dir.path()).into_iter().map(|(p, _)| p).collect();
                assert_eq!(files, final_files);
                assert!(
                    !dir.path().join("policies/b").exists(),
                    "empty directory pruned"
                );
                assert_eq!(private_dirs(dir.path()), Vec::<String>::new());
                break;
            }
            // The ownership record is written after every other file, so
            // an interrupted run never forgets a file it owns.
            let record = std::fs::read_to_string(dir.path().join(OWNERSHIP_FILE)).unwrap();
            if record.contains("three") {
                assert!(dir.path().join("overlays/c/three.yaml").exists());
            }
            // Until the run is done, the journal names every path it touches.
            let journal =
                std::fs::read_to_string(dir.path().join(JOURNAL_FILE)).unwrap_or_default();
            if fail_at > 3 {
                for p in [
                    "overlays/c/three.yaml",
                    "overlays/b/two.yaml",
                    "policies/b/p.json",
                ] {
                    assert!(journal.contains(p), "fault at step {fail_at}: {journal}");
                }
            }
            // The next run finds every private directory left (those at
            // the root also before comparing, so no cache is trusted),
            // removes them and finishes the run.
            let left = private_dirs(dir.path());
            let mut next = diff::compute(dir.path(), new).unwrap();
            for d in &left {
                assert!(
                    next.leftovers.contains(d),
                    "fault at step {fail_at}: {d} not found: {:?}",
                    next.leftovers
                );
                if !d.contains('/') {
                    assert!(diff::private_leftovers(dir.path()).contains(d));
                }
            }
            next.removed = old_only
                .iter()
                .filter(|p| dir.path().join(p).exists())
                .map(|p| (*p).to_owned())
                .collect();
            apply(dir.path(), new, &next).unwrap();
            let files: Vec<String> = snapshot(dir.path()).into_iter().map(|(p, _)| p).collect();
            assert_eq!(files, final_files, "next run after a fault at {fail_at}");
            assert_eq!(private_dirs(dir.path()), Vec::<String>::new());
            fail_at += 1;
            assert!(fail_at < 100, "apply never finished");
        }
        assert!(fail_at > 12, "every step was exercised ({fail_at})");
    }

    /// A directory new in this run gets the same permissions as one made
    /// with `mkdir`, its files those of a file made with `create`; the
    /// cache gets each written file's size and mtime as they are on disk.
    #[cfg(unix)]
    #[test]
    fn new_directories_keep_permissions_and_report_each_files_stat() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let reference = tempfile::tempdir().unwrap();
        std::fs::create_dir(reference.path().join("d")).unwrap();
        std::fs::write(reference.path().join("f"), "").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let new = tree(&[
            ("overlays/a/one.yaml", "one\n"),
            ("overlays/a/sub/two.yaml", "two\n"),
            ("policies/p.json", "{}\n"),
            (OWNERSHIP_FILE, "{}"),
        ]);
        let changes = diff::compute(dir.path(), &new).unwrap();
        let stats = apply(dir.path(), &new, &changes).unwrap();
        for d in ["overlays", "overlays/a", "overlays/a/sub", "policies"] {
            assert_eq!(
                mode(&dir.path().join(d)),
                mode(&reference.path().join("d")),
                "{d}"
            );
        }
        let want: Vec<&String> = writes(&changes).collect();
        assert_eq!(stats.iter().map(|(p, _)| p).collect::<Vec<_>>(), want);
        for (rel, stat) in &stats {
            let path = dir.path().join(rel);
            assert_eq!(mode(&path), mode(&reference.path().join("f")), "{rel}");
            let on_disk = stat_of(&std::fs::metadata(&path).unwrap());
            assert_eq!(Some(*stat), on_disk, "{rel}");
        }
    }

    /// A symbolic link planted after the comparison, in place of a
    /// directory or of a file, is refused by name and nothing is written
    /// through it: the production writer on every implementation.
    #[cfg(unix)]
    #[test]
    fn a_symlink_planted_after_comparing_is_refused() {
        let new = tree(&[
            ("overlays/a/one.yaml", "one\n"),
            ("overlays/b/two.yaml", "two\n"),
            ("overlays/c/three.yaml", "three\n"),
        ]);
        // `overlays/c` is new: the link goes where it is moved to.
        for planted in ["overlays/b", "overlays/b/two.yaml", "overlays/c"] {
            let dir = tempfile::tempdir().unwrap();
            let outside = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(dir.path().join("overlays/b")).unwrap();
            std::fs::write(dir.path().join("overlays/b/two.yaml"), "old\n").unwrap();
            let changes = diff::compute(dir.path(), &new).unwrap();
            let target = dir.path().join(planted);
            if planted.ends_with(".yaml") {
                std::fs::remove_file(&target).unwrap();
                std::os::unix::fs::symlink(outside.path().join("x.yaml"), &target).unwrap();
            } else {
                let _ = std::fs::remove_dir_all(&target);
                std::os::unix::fs::symlink(outside.path(), &target).unwrap();
            }
            let err = apply(dir.path(), &new, &changes).unwrap_err();
            assert!(
                matches!(&err, SyncError::Symlink { path } if *path == target),
                "{planted}: {err}"
            );
            assert_eq!(
                std::fs::read_dir(outside.path()).unwrap().count(),
                0,
                "{planted}: written through the link"
            );
            assert!(
                std::fs::symlink_metadata(&target)
                    .unwrap()
                    .file_type()
                    .is_symlink(),
                "{planted}: the link was replaced"
            );
            assert_eq!(private_dirs(dir.path()), Vec::<String>::new(), "{planted}");
        }
    }

    /// A directory made where a new one goes after the comparison (by a
    /// person, another run) is neither replaced nor merged into: the run
    /// fails naming it, and what was there stays.
    #[test]
    fn a_directory_made_after_comparing_is_not_replaced() {
        if !RealFsMemo::new(Path::new("/")).refuses_symlinks() {
            return;
        }
        let new = tree(&[("overlays/c/three.yaml", "three\n")]);
        for with_file in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir(dir.path().join("overlays")).unwrap();
            let changes = diff::compute(dir.path(), &new).unwrap();
            assert_eq!(changes.new_dirs, ["overlays/c"]);
            let theirs = dir.path().join("overlays/c");
            std::fs::create_dir(&theirs).unwrap();
            if with_file {
                std::fs::write(theirs.join("mine.txt"), "mine\n").unwrap();
            }
            let err = apply(dir.path(), &new, &changes).unwrap_err();
            assert!(
                matches!(&err, SyncError::Io { path, .. } if *path == theirs),
                "{err}"
            );
            let left: Vec<_> = std::fs::read_dir(&theirs)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            let want: &[&str] = if with_file { &["mine.txt"] } else { &[] };
            assert_eq!(left, want);
            assert_eq!(private_dirs(dir.path()), Vec::<String>::new());
        }
    }

    /// A private directory an interrupted run left, with symbolic links in
    /// it to a directory and a file outside the root, is found by the next
    /// comparison and removed without touching what the links point to.
    #[cfg(unix)]
    #[test]
    fn a_leftover_private_directory_is_removed_without_following_links() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("keep.yaml"), "keep\n").unwrap();
        for left in ["overlays/.esogen-new-1-1.tmp", ".esogen-new-1-2.tmp"] {
            let private = dir.path().join(left);
            std::fs::create_dir_all(private.join("ns/deeper")).unwrap();
            std::fs::write(private.join("ns/half.yaml"), "ha").unwrap();
            std::os::unix::fs::symlink(outside.path(), private.join("ns/to-dir")).unwrap();
            std::os::unix::fs::symlink(outside.path(), private.join("ns/deeper/to-dir")).unwrap();
            std::os::unix::fs::symlink(outside.path().join("keep.yaml"), private.join("to-file"))
                .unwrap();
        }
        std::fs::write(dir.path().join("overlays/a.yaml"), "a\n").unwrap();
        let new = tree(&[("overlays/a.yaml", "a\n")]);
        let changes = diff::compute(dir.path(), &new).unwrap();
        let mut found = changes.leftovers.clone();
        found.sort();
        assert_eq!(
            found,
            [".esogen-new-1-2.tmp", "overlays/.esogen-new-1-1.tmp"]
        );
        assert_eq!(
            diff::private_leftovers(dir.path()),
            [".esogen-new-1-2.tmp"],
            "found before comparing, so no cache is trusted"
        );
        apply(dir.path(), &new, &changes).unwrap();
        assert_eq!(private_dirs(dir.path()), Vec::<String>::new());
        assert_eq!(
            std::fs::read_to_string(outside.path().join("keep.yaml")).unwrap(),
            "keep\n"
        );
    }

    /// The production operations, planting a symbolic link to `outside`
    /// inside a private directory: at the first subdirectory made there, or
    /// at the first file created there.
    struct Planting {
        inner: RealFsMemo,
        outside: PathBuf,
        at_file: bool,
        planted: std::sync::Arc<std::sync::Mutex<Option<PathBuf>>>,
    }

    impl Planting {
        fn plant(&mut self, at: &Path) {
            let mut planted = self.planted.lock().unwrap();
            if planted.is_none() && at.to_string_lossy().contains(".esogen-new-") {
                std::os::unix::fs::symlink(&self.outside, at).unwrap();
                *planted = Some(at.to_path_buf());
            }
        }
    }

    impl FileOps for Planting {
        fn create_dir_all(&mut self, dir: &Path) -> std::io::Result<()> {
            if !self.at_file {
                self.plant(dir);
            }
            self.inner.create_dir_all(dir)
        }
        fn write_temp(&mut self, dir: &Path, bytes: &[u8]) -> std::io::Result<PathBuf> {
            self.inner.write_temp(dir, bytes)
        }
        fn rename(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
            self.inner.rename(from, to)
        }
        fn remove_file(&mut self, path: &Path) -> std::io::Result<()> {
            self.inner.remove_file(path)
        }
        fn remove_dir(&mut self, path: &Path) -> std::io::Result<()> {
            self.inner.remove_dir(path)
        }
        fn written_stat(&mut self) -> Option<Stat> {
            self.inner.written_stat()
        }
        fn refuses_symlinks(&self) -> bool {
            self.inner.refuses_symlinks()
        }
        fn stage_dir(&mut self, dir: &Path) -> std::io::Result<Option<PathBuf>> {
            self.inner.stage_dir(dir)
        }
        fn write_new(&mut self, path: &Path, bytes: &[u8]) -> std::io::Result<()> {
            if self.at_file {
                self.plant(path);
            }
            self.inner.write_new(path, bytes)
        }
        fn publish_dir(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
            self.inner.publish_dir(from, to)
        }
        fn remove_tree(&mut self, path: &Path) -> std::io::Result<()> {
            self.inner.remove_tree(path)
        }
    }

    /// A symbolic link planted inside a private directory while it is
    /// built (as a subdirectory, or as a file) is refused by name, nothing
    /// is written through it, and the private directory is removed without
    /// following it.
    #[cfg(unix)]
    #[test]
    fn a_symlink_planted_in_a_private_directory_is_refused() {
        if !RealFsMemo::new(Path::new("/")).refuses_symlinks() {
            // The path-based writer builds no private directory.
            return;
        }
        let new = tree(&[("overlays/c/sub/three.yaml", "three\n")]);
        for at_file in [false, true] {
            let dir = tempfile::tempdir().unwrap();
            let outside = tempfile::tempdir().unwrap();
            std::fs::write(outside.path().join("keep.yaml"), "keep\n").unwrap();
            std::fs::create_dir(dir.path().join("overlays")).unwrap();
            let changes = diff::compute(dir.path(), &new).unwrap();
            let planted = std::sync::Arc::new(std::sync::Mutex::new(None));
            let root = dir.path().to_path_buf();
            let target = if at_file {
                outside.path().join("three.yaml")
            } else {
                outside.path().to_path_buf()
            };
            let ops = || -> Box<dyn FileOps> {
                Box::new(Planting {
                    inner: RealFsMemo::new(&root),
                    outside: target.clone(),
                    at_file,
                    planted: planted.clone(),
                })
            };
            let err = apply_using(&ops, dir.path(), &new, &changes).unwrap_err();
            let link = planted.lock().unwrap().clone().expect("a link was planted");
            assert!(
                matches!(&err, SyncError::Symlink { path } if *path == link),
                "at file {at_file}: {err} ({})",
                link.display()
            );
            let outside_files: Vec<_> = std::fs::read_dir(outside.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(outside_files, ["keep.yaml"], "at file {at_file}");
            assert_eq!(private_dirs(dir.path()), Vec::<String>::new());
            assert!(!dir.path().join("overlays/c").exists());
        }
    }
}
