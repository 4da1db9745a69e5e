//! The writer's tests: faults injected at every step, symbolic links
//! planted between comparing and writing, permissions and the cache's
//! stats of what was written.

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
        let journal = std::fs::read_to_string(dir.path().join(JOURNAL_FILE)).unwrap_or_default();
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
    let want: Vec<&str> = writes(&changes).map(String::as_str).collect();
    let stats: Vec<(&str, Stat)> = stats.into_iter().flatten().collect();
    assert_eq!(stats.iter().map(|(p, _)| *p).collect::<Vec<_>>(), want);
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
        // A name that is not UTF-8 (any bytes but `/` and NUL are).
        let latin1 = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(b"caf\xe9");
        std::fs::write(private.join("ns").join(latin1), "x").unwrap();
        std::os::unix::fs::symlink(outside.path(), private.join("ns/to-dir")).unwrap();
        std::os::unix::fs::symlink(outside.path(), private.join("ns/deeper/to-dir")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("keep.yaml"), private.join("to-file"))
            .unwrap();
    }
    std::fs::write(dir.path().join("overlays/a.yaml"), "a\n").unwrap();
    // The journal the interrupted run left: private directories never
    // outlive it.
    std::fs::create_dir_all(dir.path().join(".esogen")).unwrap();
    let journal = Journal::new(vec!["overlays/ns/half.yaml".to_owned()]).to_bytes();
    std::fs::write(dir.path().join(JOURNAL_FILE), journal).unwrap();
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

/// What [`Meddling`] does to a private directory while it is built.
#[derive(Clone, Copy, PartialEq)]
enum Meddle {
    /// Plants a link to `outside` at the first subdirectory made there.
    PlantAtDir,
    /// Plants a link to `outside` at the first file created there.
    PlantAtFile,
    /// Replaces it by a link to `outside` just before it is moved into place.
    SwapWithLink,
    /// Replaces it by another directory just before it is moved into place.
    SwapWithDir,
}

/// The production operations, meddling with the private directories.
struct Meddling {
    inner: RealFsMemo,
    outside: PathBuf,
    meddle: Meddle,
    planted: std::sync::Arc<std::sync::Mutex<Option<PathBuf>>>,
}

impl Meddling {
    fn plant(&mut self, at: &Path, when: Meddle) {
        let mut planted = self.planted.lock().unwrap();
        if self.meddle == when && planted.is_none() && at.to_string_lossy().contains(".esogen-new-")
        {
            std::os::unix::fs::symlink(&self.outside, at).unwrap();
            *planted = Some(at.to_path_buf());
        }
    }
}

impl FileOps for Meddling {
    fn create_dir_all(&mut self, dir: &Path) -> std::io::Result<()> {
        self.plant(dir, Meddle::PlantAtDir);
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
        self.plant(path, Meddle::PlantAtFile);
        self.inner.write_new(path, bytes)
    }
    fn publish_dir(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
        if matches!(self.meddle, Meddle::SwapWithLink | Meddle::SwapWithDir) {
            std::fs::rename(from, from.with_extension("moved"))?;
            if self.meddle == Meddle::SwapWithLink {
                std::os::unix::fs::symlink(&self.outside, from)?;
            } else {
                std::fs::create_dir(from)?;
            }
        }
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
            Box::new(Meddling {
                inner: RealFsMemo::new(&root),
                outside: target.clone(),
                meddle: if at_file {
                    Meddle::PlantAtFile
                } else {
                    Meddle::PlantAtDir
                },
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

/// A person's directories are never taken for an interrupted run's private
/// directories: not one named like esogen's temporary files
/// (`.esogen-backup.tmp`), not one named exactly like a private directory
/// while no journal says a run was interrupted, not one whose name only
/// reads like one once its invalid UTF-8 is replaced. Each is left with
/// everything in it (its files reported as not esogen's), and none makes a
/// later run believe it was interrupted.
#[cfg(unix)]
#[test]
fn a_persons_directory_with_a_temporary_like_name_is_never_removed() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let not_utf8 = std::ffi::OsStr::from_bytes(b".esogen-new-\xff-1.tmp").to_os_string();
    let names: Vec<std::path::PathBuf> = vec![
        ".esogen-backup.tmp".into(),
        "overlays/.esogen-notes.tmp".into(),
        ".esogen-new-1-2.tmp".into(),
        "overlays/.esogen-new-1-1.tmp".into(),
        std::path::Path::new("overlays").join(&not_utf8),
        not_utf8.clone().into(),
    ];
    for name in &names {
        std::fs::create_dir_all(dir.path().join(name).join("deep")).unwrap();
        std::fs::write(dir.path().join(name).join("deep/mine.yaml"), "mine\n").unwrap();
    }
    // A file named like a temporary one, with no journal either.
    std::fs::write(
        dir.path().join("overlays/.esogen-notes.tmp/.esogen-x1.tmp"),
        "n\n",
    )
    .unwrap();
    let new = tree(&[("overlays/a/a.yaml", "a\n")]);
    for _ in 0..2 {
        assert_eq!(diff::private_leftovers(dir.path()), Vec::<String>::new());
        let changes = diff::compute(dir.path(), &new).unwrap();
        assert_eq!(changes.leftovers, Vec::<String>::new());
        apply(dir.path(), &new, &changes).unwrap();
        for name in &names {
            let kept = std::fs::read(dir.path().join(name).join("deep/mine.yaml"));
            assert_eq!(kept.unwrap(), b"mine\n", "{}", name.display());
        }
        let note = std::fs::read(dir.path().join("overlays/.esogen-notes.tmp/.esogen-x1.tmp"));
        assert_eq!(note.unwrap(), b"n\n");
    }
    let changes = diff::compute(dir.path(), &new).unwrap();
    assert!(
        changes
            .strays
            .contains(&"overlays/.esogen-new-1-1.tmp/deep/mine.yaml".to_owned()),
        "{:?}",
        changes.strays
    );
}

/// A private directory replaced just before it is moved into place (by a
/// link, or by another directory) is not taken for the one esogen built:
/// the run fails before the ownership record and the end of its journal,
/// so it is reported and the next run finishes or undoes it.
#[cfg(unix)]
#[test]
fn a_private_directory_replaced_before_it_is_moved_into_place_fails_the_run() {
    if !RealFsMemo::new(Path::new("/")).refuses_symlinks() {
        return;
    }
    let new = tree(&[("overlays/c/three.yaml", "three\n")]);
    for with_link in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("overlays")).unwrap();
        let changes = diff::compute(dir.path(), &new).unwrap();
        assert_eq!(changes.new_dirs, ["overlays/c"]);
        let root = dir.path().to_path_buf();
        let target = outside.path().to_path_buf();
        let ops = || -> Box<dyn FileOps> {
            Box::new(Meddling {
                inner: RealFsMemo::new(&root),
                outside: target.clone(),
                meddle: if with_link {
                    Meddle::SwapWithLink
                } else {
                    Meddle::SwapWithDir
                },
                planted: std::sync::Arc::default(),
            })
        };
        let result = apply_using(&ops, dir.path(), &new, &changes);
        assert!(result.is_err(), "with a link: {with_link}");
        assert!(
            dir.path().join(JOURNAL_FILE).exists(),
            "the run did not finish"
        );
        assert!(!outside.path().join("three.yaml").exists());
    }
}
