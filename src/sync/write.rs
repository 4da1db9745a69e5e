//! Applies a `ChangeSet`: each file is written to a temporary sibling,
//! and renamed over the old one, so a reader (or a crash, a full
//! disk, a killed process) sees either the old or the new content, never a
//! truncated file. Only files esogen owns are removed.
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
    /// The size and mtime of the file the last `rename` put in place, when
    /// known without another lookup (for the local cache).
    fn renamed_stat(&mut self) -> Option<Stat> {
        None
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
    made: std::collections::HashSet<PathBuf>,
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
        if self.made.contains(dir) {
            return Ok(());
        }
        match &mut self.dirs {
            Some(dirs) => {
                super::fault_point()?;
                dirs.create_dir_all(dir)?;
            }
            None => RealFs.create_dir_all(dir)?,
        }
        self.made.insert(dir.to_path_buf());
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

    fn remove_file(&mut self, path: &Path) -> std::io::Result<()> {
        RealFs.remove_file(path)
    }

    fn remove_dir(&mut self, path: &Path) -> std::io::Result<()> {
        RealFs.remove_dir(path)
    }

    fn renamed_stat(&mut self) -> Option<Stat> {
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
    // Files are independent: write them from all cores; then the ordered
    // part (the ownership record last, removals, the journal).
    let writes: Vec<&String> = writes(changes).collect();
    let written = crate::parallel::chunks(&writes, |part| {
        let mut fs = ops();
        let mut real = std::collections::HashSet::new();
        let mut stats = Vec::with_capacity(part.len());
        for rel in part {
            if !fs.refuses_symlinks() {
                check_no_symlink_memo(root, rel, &mut real)?;
            }
            if let Some(bytes) = tree.get(rel) {
                write_atomic(fs.as_mut(), &root.join(rel.as_str()), bytes)
                    .map_err(|e| symlink_or(root, rel, e))?;
                if let Some(stat) = fs.renamed_stat() {
                    stats.push(((*rel).clone(), stat));
                }
            }
        }
        Ok::<_, SyncError>(stats)
    });
    let mut stats = Vec::new();
    for part in written {
        stats.extend(part?);
    }
    finish(serial.as_mut(), root, tree, changes)?;
    Ok(stats)
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
        remove_file(ops, &root.join(rel))?;
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

    /// Real operations that fail at step `fail_at`, counted across every
    /// writer thread; a failing temp write leaves a half-written temporary
    /// file, like a full disk would.
    struct Faulty {
        step: std::sync::Arc<std::sync::atomic::AtomicUsize>,
        fail_at: usize,
    }

    impl Faulty {
        fn tick(&mut self) -> std::io::Result<()> {
            let step = self.step.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            if step == self.fail_at {
                Err(std::io::Error::other("injected fault"))
            } else {
                Ok(())
            }
        }
    }

    impl FileOps for Faulty {
        fn create_dir_all(&mut self, dir: &Path) -> std::io::Result<()> {
            self.tick()?;
            RealFs.create_dir_all(dir)
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
            RealFs.write_temp(dir, bytes)
        }
        fn rename(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
            self.tick()?;
            RealFs.rename(from, to)
        }
        fn remove_file(&mut self, path: &Path) -> std::io::Result<()> {
            self.tick()?;
            RealFs.remove_file(path)
        }
        fn remove_dir(&mut self, path: &Path) -> std::io::Result<()> {
            self.tick()?;
            RealFs.remove_dir(path)
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
            (
                "overlays/a/one.yaml",
                "new one, also long enough to be cut in half\n",
            ),
            ("overlays/c/three.yaml", "new three\n"),
            (
                OWNERSHIP_FILE,
                "{\"files\":[\"overlays/a/one.yaml\",\"overlays/c/three.yaml\"]}",
            ),
        ]);
        let mut fail_at = 1;
        loop {
            let dir = tempfile::tempdir().unwrap();
            for (p, c) in old.iter() {
                let path = dir.path().join(p);
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, c).unwrap();
            }
            let mut changes = diff::compute(dir.path(), &new).unwrap();
            changes.removed = vec!["overlays/b/two.yaml".into(), "policies/b/p.json".into()];
            let step = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
            let result = apply_using(
                &|| {
                    Box::new(Faulty {
                        step: step.clone(),
                        fail_at,
                    })
                },
                dir.path(),
                &new,
                &changes,
            );
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
            if result.is_ok() {
                // No step left to fail: everything is new, nothing stale.
                let files: Vec<String> = snapshot(dir.path())
                    .into_iter()
                    .map(|(p, _)| p)
                    .filter(|p| !p.contains(".esogen-"))
                    .collect();
                assert_eq!(
                    files,
                    [
                        OWNERSHIP_FILE,
                        "overlays/a/one.yaml",
                        "overlays/c/three.yaml"
                    ]
                );
                assert!(
                    !dir.path().join("policies/b").exists(),
                    "empty directory pruned"
                );
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
            fail_at += 1;
            assert!(fail_at < 100, "apply never finished");
        }
        assert!(fail_at > 8, "every step was exercised ({fail_at})");
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
        ]);
        for planted in ["overlays/b", "overlays/b/two.yaml"] {
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
                std::fs::remove_dir_all(&target).unwrap();
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
        }
    }
}
