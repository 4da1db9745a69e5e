//! The file-system calls on esogen's hot paths (stat'ing 90,000 generated
//! files, reading them without following symbolic links), behind one small
//! interface with two implementations:
//!
//! - Linux: a path-only handle (`O_PATH`) on the output root and relative
//!   `statat` lookups, and `O_NOFOLLOW` opens, so the kernel never follows
//!   a link a pull request could plant; for writing, handles on the
//!   directories opened with `openat2` refusing every link ([`Dirs`]),
//!   which also build a new directory under a private name and move it
//!   into place whole;
//! - portable (`std` only): the same answers from `symlink_metadata` and
//!   plain opens after a `symlink_metadata` check. It is what macOS and
//!   Windows builds use, and Linux too when `ESOGEN_PORTABLE_FS=1` is set:
//!   the test suite runs both on this machine.
//!
//! Nothing else in the crate uses `std::os::unix` or `rustix` for files.

use std::fs::File;
use std::path::{Path, PathBuf};

/// A file's size and modification time (nanoseconds since the epoch), what
/// the local cache trusts to say a file is unchanged.
pub type Stat = (u64, u128);

/// The [`Stat`] of metadata.
pub fn stat_of(m: &std::fs::Metadata) -> Option<Stat> {
    let mtime = m
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?
        .as_nanos();
    Some((m.len(), mtime))
}

/// The change time of metadata in nanoseconds ([`Root::dir_changed`]);
/// the modification time off Unix.
fn changed_of(m: &std::fs::Metadata) -> Option<u128> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt as _;
        let secs = u128::try_from(m.ctime()).ok()?;
        let nanos = u128::try_from(m.ctime_nsec()).ok()?;
        Some(secs * 1_000_000_000 + nanos)
    }
    #[cfg(not(unix))]
    stat_of(m).map(|(_, mtime)| mtime)
}

/// True when the portable implementation is in use: always off Linux, and
/// on Linux when `ESOGEN_PORTABLE_FS` is set to anything but `0` or empty.
pub fn portable() -> bool {
    static PORTABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *PORTABLE.get_or_init(|| {
        !cfg!(target_os = "linux")
            || std::env::var("ESOGEN_PORTABLE_FS").is_ok_and(|v| !v.is_empty() && v != "0")
    })
}

/// The output root, open for lookups of paths relative to it.
#[derive(Debug)]
pub struct Root {
    path: PathBuf,
    #[cfg(target_os = "linux")]
    fd: Option<std::os::fd::OwnedFd>,
}

impl Root {
    /// Opens `path` (a path-only handle on Linux: it grants nothing but
    /// looking up names).
    pub fn open(path: &Path) -> std::io::Result<Self> {
        #[cfg(target_os = "linux")]
        if !portable() {
            return Ok(Self {
                path: path.to_path_buf(),
                fd: Some(linux::open_root(path)?),
            });
        }
        if !std::fs::metadata(path)?.is_dir() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::NotADirectory,
                "not a directory",
            ));
        }
        Ok(Self {
            path: path.to_path_buf(),
            #[cfg(target_os = "linux")]
            fd: None,
        })
    }

    /// When directory `rel` last changed, in nanoseconds since the epoch:
    /// its status change time, which moves when an entry is added, removed
    /// or renamed and also when the directory itself is renamed (its
    /// modification time does not: two directories of the same mtime
    /// swapped by renaming would look unchanged); the modification time
    /// where the system keeps no change time. `None` when it does not
    /// exist or is not a directory (a final symbolic link is not followed).
    pub fn dir_changed(&self, rel: &str) -> std::io::Result<Option<u128>> {
        #[cfg(target_os = "linux")]
        if let Some(fd) = &self.fd {
            return linux::dir_changed_at(fd, rel);
        }
        let m = metadata_no_follow(&self.path.join(rel))?;
        Ok(m.filter(std::fs::Metadata::is_dir)
            .and_then(|m| changed_of(&m)))
    }

    /// Whether `rel` is a directory, and its [`Stat`], without following a
    /// final symbolic link; `None` when it does not exist or is neither a
    /// regular file nor a directory.
    pub fn stat(&self, rel: &str) -> std::io::Result<Option<(bool, Stat)>> {
        #[cfg(target_os = "linux")]
        if let Some(fd) = &self.fd {
            return linux::stat_at(fd, rel);
        }
        let m = metadata_no_follow(&self.path.join(rel))?;
        Ok(m.filter(|m| m.is_dir() || m.is_file())
            .and_then(|m| stat_of(&m).map(|s| (m.is_dir(), s))))
    }
}

/// The metadata of `path` without following a final symbolic link; `None`
/// when it does not exist (or a parent is not a directory).
fn metadata_no_follow(path: &Path) -> std::io::Result<Option<std::fs::Metadata>> {
    match std::fs::symlink_metadata(path) {
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Ok(None),
        Err(e) => Err(e),
    }
}

/// What opening a file without following a final symbolic link found.
#[derive(Debug)]
pub enum Opened {
    /// The file, open for reading.
    File(File),
    /// Nothing there.
    Missing,
    /// A symbolic link, not followed.
    Symlink,
}

/// Opens `path` for reading unless its last component is a symbolic link.
pub fn open_no_follow(path: &Path) -> std::io::Result<Opened> {
    #[cfg(target_os = "linux")]
    if !portable() {
        return linux::open_no_follow(path);
    }
    portable_open_no_follow(path)
}

/// [`open_no_follow`] with `std` alone: check, then open. A link swapped in
/// between is a race only the operating system's own flag closes; the
/// Linux implementation uses it.
fn portable_open_no_follow(path: &Path) -> std::io::Result<Opened> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => return Ok(Opened::Symlink),
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Opened::Missing),
        Err(e) => return Err(e),
    }
    match File::open(path) {
        Ok(f) => Ok(Opened::File(f)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Opened::Missing),
        Err(e) => Err(e),
    }
}

/// Permissions for new files: read and write for all, less the umask, as
/// git and editors create files. `None` where files have no such mode.
pub fn new_file_permissions() -> Option<std::fs::Permissions> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(std::fs::Permissions::from_mode(0o666))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// Writes files under the output root through handles on their
/// directories (Linux): each directory is opened once with `openat2` and
/// `RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH`, so the kernel refuses a
/// symbolic link anywhere on the way and the way out of the root, and every
/// temporary file and rename is then relative to that handle (one name to
/// look up, not the whole path). `None` where this is not available:
/// elsewhere, with `ESOGEN_PORTABLE_FS`, or on a kernel without `openat2`.
#[derive(Debug)]
pub struct Dirs {
    #[cfg(target_os = "linux")]
    inner: linux::Dirs,
}

impl Dirs {
    /// Handles under `root`; `None` when the path-based writer must be used.
    pub fn open(root: &Path) -> Option<Self> {
        #[cfg(target_os = "linux")]
        if !portable() {
            return linux::Dirs::open(root).map(|inner| Self { inner });
        }
        let _ = root;
        None
    }

    /// Creates `dir` (absolute, under the root) and its parents, none of
    /// them through a symbolic link.
    pub fn create_dir_all(&mut self, dir: &Path) -> std::io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            self.inner.dir(dir).map(|_| ())
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = dir;
            Err(std::io::ErrorKind::Unsupported.into())
        }
    }

    /// Creates a new, empty temporary file (`.esogen-*.tmp`) in `dir`;
    /// returns it, open for writing, and its path.
    pub fn create_temp(&mut self, dir: &Path) -> std::io::Result<(File, PathBuf)> {
        #[cfg(target_os = "linux")]
        {
            self.inner.create_temp(dir)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = dir;
            Err(std::io::ErrorKind::Unsupported.into())
        }
    }

    /// Renames `from` to `to` in the same directory; a symbolic link at
    /// `to` is refused (an error), not replaced.
    pub fn rename(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            self.inner.rename(from, to)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (from, to);
            Err(std::io::ErrorKind::Unsupported.into())
        }
    }

    /// Creates a new, empty private directory (`.esogen-new-*.tmp`, 0777
    /// less the umask, as any directory esogen makes) next to `dir`, which
    /// does not exist yet; returns its path. `dir`'s contents are built
    /// there and the whole directory is then moved into place with
    /// [`Dirs::publish_dir`].
    pub fn stage_dir(&mut self, dir: &Path) -> std::io::Result<PathBuf> {
        #[cfg(target_os = "linux")]
        {
            self.inner.stage_dir(dir)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = dir;
            Err(std::io::ErrorKind::Unsupported.into())
        }
    }

    /// Creates the file `path` (0666 less the umask), which must not exist
    /// (no temporary file: for files in a private directory, which no
    /// reader sees); returns it open for writing. A symbolic link at
    /// `path` or on the way to it is refused.
    pub fn create_new(&mut self, path: &Path) -> std::io::Result<File> {
        #[cfg(target_os = "linux")]
        {
            self.inner.create_new(path)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = path;
            Err(std::io::ErrorKind::Unsupported.into())
        }
    }

    /// Moves the directory `from` to `to` in the same parent, never
    /// replacing anything at `to`: whatever appeared there since the
    /// comparison (a symbolic link included, refused with `ELOOP`) makes
    /// it fail.
    pub fn publish_dir(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            self.inner.publish_dir(from, to)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (from, to);
            Err(std::io::ErrorKind::Unsupported.into())
        }
    }

    /// Removes the directory `path` and everything in it without following
    /// a symbolic link anywhere (a link is removed, never entered); a link
    /// at `path` itself is removed too. Nothing there is fine.
    pub fn remove_tree(&mut self, path: &Path) -> std::io::Result<()> {
        #[cfg(target_os = "linux")]
        {
            self.inner.remove_tree(path)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let _ = path;
            Err(std::io::ErrorKind::Unsupported.into())
        }
    }
}

/// Private directories are named `.esogen-new-<pid>-<n>.tmp`, next to the
/// directory they become (`journal::is_private_dir`).
pub use super::journal::STAGED_DIR_PREFIX;

#[cfg(target_os = "linux")]
mod linux {
    use super::{Opened, Stat};
    use std::os::fd::OwnedFd;
    use std::path::Path;

    /// How many directory handles a writer keeps: files are written in
    /// path order, so the few last directories are the ones still in use
    /// (a directory of 10,000 files is looked up once, and a tree of
    /// 20,000 directories never holds 20,000 descriptors).
    const KEPT_DIRS: usize = 8;

    #[derive(Debug)]
    pub(super) struct Dirs {
        root: std::path::PathBuf,
        fd: OwnedFd,
        /// Recently used directories, relative to the root, newest last.
        open: Vec<(std::path::PathBuf, OwnedFd)>,
        /// This process's id, part of every temporary file's name.
        pid: u32,
        /// The private directories this writer made, by name: their device
        /// and inode, to know the one moved into place is the one made.
        staged: std::collections::HashMap<std::ffi::OsString, (u64, u64)>,
    }

    fn no_symlinks() -> rustix::fs::ResolveFlags {
        rustix::fs::ResolveFlags::NO_SYMLINKS | rustix::fs::ResolveFlags::BENEATH
    }

    impl Dirs {
        pub(super) fn open(root: &Path) -> Option<Self> {
            use rustix::fs::{Mode, OFlags};
            // `.` itself, to learn whether this kernel has `openat2`.
            let fd = open_root(root).ok()?;
            rustix::fs::openat2(
                &fd,
                ".",
                OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
                no_symlinks(),
            )
            .ok()?;
            Some(Self {
                root: root.to_path_buf(),
                fd,
                open: Vec::with_capacity(KEPT_DIRS),
                pid: std::process::id(),
                staged: std::collections::HashMap::new(),
            })
        }

        fn relative<'p>(&self, path: &'p Path) -> std::io::Result<&'p Path> {
            path.strip_prefix(&self.root)
                .map_err(|_| std::io::Error::other("path outside the output root"))
        }

        /// The handle of `dir`, created (with its parents) if missing.
        pub(super) fn dir(&mut self, dir: &Path) -> std::io::Result<&OwnedFd> {
            let rel = self.relative(dir)?.to_path_buf();
            self.dir_rel(rel)
        }

        /// [`Dirs::dir`] by path relative to the root; parents opened to
        /// create a directory are kept too (the next one needs them).
        fn dir_rel(&mut self, rel: std::path::PathBuf) -> std::io::Result<&OwnedFd> {
            // Newest first, as bytes (comparing `Path`s walks their
            // components): files come in path order, so it is nearly
            // always the last one.
            let found = self
                .open
                .iter()
                .rposition(|(d, _)| d.as_os_str() == rel.as_os_str());
            if let Some(i) = found {
                let entry = self.open.remove(i);
                self.open.push(entry);
            } else {
                let fd = self.open_or_create(&rel)?;
                if self.open.len() == KEPT_DIRS {
                    self.open.remove(0);
                }
                self.open.push((rel, fd));
            }
            match self.open.last() {
                Some((_, fd)) => Ok(fd),
                None => Err(std::io::Error::other("no directory handle")),
            }
        }

        fn open_beneath(&self, rel: &Path) -> rustix::io::Result<OwnedFd> {
            use rustix::fs::{Mode, OFlags};
            let rel = if rel.as_os_str().is_empty() {
                Path::new(".")
            } else {
                rel
            };
            rustix::fs::openat2(
                &self.fd,
                rel,
                OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
                no_symlinks(),
            )
        }

        fn open_or_create(&mut self, rel: &Path) -> std::io::Result<OwnedFd> {
            // Inside a private directory every directory is new: make it
            // first (no failed lookup of the whole path per directory).
            if !is_staged(rel) {
                match self.open_beneath(rel) {
                    Err(rustix::io::Errno::NOENT) => {}
                    other => return Ok(other?),
                }
            }
            let (Some(parent), Some(name)) = (rel.parent(), rel.file_name()) else {
                return Err(std::io::ErrorKind::NotFound.into());
            };
            let parent = self.dir_rel(parent.to_path_buf())?;
            match rustix::fs::mkdirat(parent, name, rustix::fs::Mode::from_raw_mode(0o777)) {
                Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                Err(e) => return Err(e.into()),
            }
            // One name relative to its parent's handle, still refusing a
            // link (one planted there since the `mkdirat` included).
            Ok(open_child(parent, name)?)
        }

        /// Forgets the handles of `rel` and of everything under it.
        fn forget(&mut self, rel: &Path) {
            self.open.retain(|(d, _)| !d.starts_with(rel));
        }

        pub(super) fn stage_dir(&mut self, dir: &Path) -> std::io::Result<std::path::PathBuf> {
            use std::sync::atomic::{AtomicU64, Ordering};
            static NEXT: AtomicU64 = AtomicU64::new(0);
            let (parent, _) = Self::split(dir)?;
            let pid = self.pid;
            let fd = self.dir(parent)?;
            loop {
                let name = format!(
                    "{}{:x}-{:x}{}",
                    super::STAGED_DIR_PREFIX,
                    pid,
                    NEXT.fetch_add(1, Ordering::Relaxed),
                    crate::sync::journal::TEMP_SUFFIX
                );
                match rustix::fs::mkdirat(fd, name.as_str(), rustix::fs::Mode::from_raw_mode(0o777))
                {
                    Ok(()) => {
                        // What was made, to check it is what goes into place.
                        let st = rustix::fs::statat(
                            fd,
                            name.as_str(),
                            rustix::fs::AtFlags::SYMLINK_NOFOLLOW,
                        )?;
                        self.staged
                            .insert(name.clone().into(), (st.st_dev, st.st_ino));
                        return Ok(parent.join(name));
                    }
                    // A leftover of an earlier process with the same id.
                    Err(rustix::io::Errno::EXIST) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }

        pub(super) fn create_new(&mut self, path: &Path) -> std::io::Result<std::fs::File> {
            use rustix::fs::{Mode, OFlags};
            let (dir, name) = Self::split(path)?;
            let fd = self.dir(dir)?;
            let file = rustix::fs::openat(
                fd,
                name,
                OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                Mode::from_raw_mode(0o666),
            )?;
            Ok(std::fs::File::from(file))
        }

        pub(super) fn publish_dir(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
            use rustix::fs::{AtFlags, FileType};
            let (dir, from_name) = Self::split(from)?;
            let (to_dir, to_name) = Self::split(to)?;
            if dir != to_dir {
                return Err(std::io::Error::other("rename across directories"));
            }
            let from_rel = self.relative(from)?.to_path_buf();
            self.forget(&from_rel);
            let made = self.staged.get(from_name).copied();
            let fd = self.dir(dir)?;
            let result = rename_no_replace(fd, from_name, to_name);
            match result {
                Err(rustix::io::Errno::EXIST | rustix::io::Errno::NOTEMPTY) => {
                    match rustix::fs::statat(fd, to_name, AtFlags::SYMLINK_NOFOLLOW) {
                        Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::Symlink => {
                            Err(rustix::io::Errno::LOOP.into())
                        }
                        _ => Err(rustix::io::Errno::EXIST.into()),
                    }
                }
                Err(e) => Err(e.into()),
                // Whatever had the private name was moved: it must be the
                // directory made there, not a link or another directory
                // put in its place since (the run then fails before the
                // ownership record, and the next run refuses a link).
                Ok(()) => {
                    let st = rustix::fs::statat(fd, to_name, AtFlags::SYMLINK_NOFOLLOW)?;
                    match FileType::from_raw_mode(st.st_mode) {
                        FileType::Symlink => Err(rustix::io::Errno::LOOP.into()),
                        FileType::Directory if made == Some((st.st_dev, st.st_ino)) => Ok(()),
                        _ => Err(std::io::Error::other(
                            "the directory moved into place is not the one esogen built \
                             (it was replaced while being written)",
                        )),
                    }
                }
            }
        }

        pub(super) fn remove_tree(&mut self, path: &Path) -> std::io::Result<()> {
            let rel = self.relative(path)?.to_path_buf();
            self.forget(&rel);
            let (Some(parent), Some(name)) = (rel.parent(), rel.file_name()) else {
                return Err(std::io::ErrorKind::InvalidInput.into());
            };
            // Only opened, never created: removing makes nothing.
            let parent = match self.open_beneath(parent) {
                Err(rustix::io::Errno::NOENT) => return Ok(()),
                other => other?,
            };
            match remove_entry(&parent, name, true) {
                Err(rustix::io::Errno::NOENT) => Ok(()),
                other => Ok(other?),
            }
        }

        fn split(path: &Path) -> std::io::Result<(&Path, &std::ffi::OsStr)> {
            path.parent()
                .zip(path.file_name())
                .ok_or_else(|| std::io::ErrorKind::InvalidInput.into())
        }

        pub(super) fn create_temp(
            &mut self,
            dir: &Path,
        ) -> std::io::Result<(std::fs::File, std::path::PathBuf)> {
            use rustix::fs::{Mode, OFlags};
            use std::sync::atomic::{AtomicU64, Ordering};
            static NEXT: AtomicU64 = AtomicU64::new(0);
            let pid = self.pid;
            let fd = self.dir(dir)?;
            loop {
                let name = format!(
                    "{}{:x}-{:x}{}",
                    crate::sync::journal::TEMP_PREFIX,
                    pid,
                    NEXT.fetch_add(1, Ordering::Relaxed),
                    crate::sync::journal::TEMP_SUFFIX
                );
                match rustix::fs::openat(
                    fd,
                    name.as_str(),
                    OFlags::WRONLY
                        | OFlags::CREATE
                        | OFlags::EXCL
                        | OFlags::NOFOLLOW
                        | OFlags::CLOEXEC,
                    Mode::from_raw_mode(0o666),
                ) {
                    Ok(file) => return Ok((std::fs::File::from(file), dir.join(name))),
                    // A leftover of an earlier process with the same id.
                    Err(rustix::io::Errno::EXIST) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }

        pub(super) fn rename(&mut self, from: &Path, to: &Path) -> std::io::Result<()> {
            use rustix::fs::{AtFlags, FileType, RenameFlags};
            let (dir, from_name) = Self::split(from)?;
            let (to_dir, to_name) = Self::split(to)?;
            if dir != to_dir {
                return Err(std::io::Error::other("rename across directories"));
            }
            let fd = self.dir(dir)?;
            // A new file needs nothing more: the kernel refuses to replace
            // whatever appeared there since.
            match rustix::fs::renameat_with(fd, from_name, fd, to_name, RenameFlags::NOREPLACE) {
                Err(rustix::io::Errno::EXIST | rustix::io::Errno::INVAL) => {}
                other => return Ok(other?),
            }
            match rustix::fs::statat(fd, to_name, AtFlags::SYMLINK_NOFOLLOW) {
                Ok(st) if FileType::from_raw_mode(st.st_mode) == FileType::Symlink => {
                    Err(rustix::io::Errno::LOOP.into())
                }
                _ => Ok(rustix::fs::renameat(fd, from_name, fd, to_name)?),
            }
        }
    }

    /// Renames `from` to `to` in `dir` unless something is at `to`
    /// (`EEXIST`).
    fn rename_no_replace(
        dir: &OwnedFd,
        from: &std::ffi::OsStr,
        to: &std::ffi::OsStr,
    ) -> rustix::io::Result<()> {
        use rustix::fs::{AtFlags, RenameFlags};
        match rustix::fs::renameat_with(dir, from, dir, to, RenameFlags::NOREPLACE) {
            // A file system without `RENAME_NOREPLACE`: a plain rename when
            // nothing is there. That fails on a link or a file, and replaces
            // only an empty directory made in the instant between the two
            // calls.
            Err(rustix::io::Errno::INVAL) => {
                match rustix::fs::statat(dir, to, AtFlags::SYMLINK_NOFOLLOW) {
                    Err(rustix::io::Errno::NOENT) => rustix::fs::renameat(dir, from, dir, to),
                    _ => Err(rustix::io::Errno::EXIST),
                }
            }
            other => other,
        }
    }

    /// True when `rel` (relative to the root) is inside a private
    /// directory.
    fn is_staged(rel: &Path) -> bool {
        rel.components().any(|c| {
            c.as_os_str()
                .to_str()
                .is_some_and(|n| n.starts_with(super::STAGED_DIR_PREFIX))
        })
    }

    /// Opens the directory `name` in `parent` for lookups, refusing a
    /// symbolic link.
    fn open_child(parent: &OwnedFd, name: &std::ffi::OsStr) -> rustix::io::Result<OwnedFd> {
        use rustix::fs::{Mode, OFlags};
        rustix::fs::openat2(
            parent,
            name,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
            no_symlinks(),
        )
    }

    /// Removes the entry `name` of the directory `parent`: a directory with
    /// everything in it, anything else (a symbolic link included, never
    /// followed) by unlinking it. `is_dir` is what the caller believes it
    /// is; the kernel's answer decides.
    fn remove_entry(
        parent: &OwnedFd,
        name: &std::ffi::OsStr,
        is_dir: bool,
    ) -> rustix::io::Result<()> {
        use rustix::fs::{AtFlags, FileType, Mode, OFlags};
        if !is_dir {
            match rustix::fs::unlinkat(parent, name, AtFlags::empty()) {
                // A directory after all (Linux says `EISDIR`).
                Err(rustix::io::Errno::ISDIR | rustix::io::Errno::PERM) => {}
                other => return other,
            }
        }
        // `O_NOFOLLOW | O_DIRECTORY`: a link here fails to open and is
        // unlinked as the link it is.
        let fd = match rustix::fs::openat(
            parent,
            name,
            OFlags::RDONLY | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        ) {
            Err(rustix::io::Errno::LOOP | rustix::io::Errno::NOTDIR) => {
                return rustix::fs::unlinkat(parent, name, AtFlags::empty());
            }
            other => other?,
        };
        let mut entries = Vec::new();
        let mut dir = rustix::fs::Dir::read_from(&fd)?;
        while let Some(entry) = dir.read() {
            let entry = entry?;
            let bytes = entry.file_name().to_bytes();
            if bytes == b"." || bytes == b".." {
                continue;
            }
            // Any bytes but `/` and NUL: not necessarily UTF-8.
            let name =
                <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(bytes).to_owned();
            entries.push((name, entry.file_type() == FileType::Directory));
        }
        drop(dir);
        for (name, is_dir) in entries {
            remove_entry(&fd, &name, is_dir)?;
        }
        rustix::fs::unlinkat(parent, name, AtFlags::REMOVEDIR)
    }

    pub(super) fn open_root(root: &Path) -> std::io::Result<OwnedFd> {
        use rustix::fs::{Mode, OFlags};
        Ok(rustix::fs::open(
            root,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?)
    }

    /// `rel`'s `stat` under `root` without following a final symbolic
    /// link; `None` when it does not exist (or a parent is not a directory).
    fn stat_no_follow(root: &OwnedFd, rel: &str) -> std::io::Result<Option<rustix::fs::Stat>> {
        match rustix::fs::statat(root, rel, rustix::fs::AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => Ok(Some(st)),
            Err(rustix::io::Errno::NOENT | rustix::io::Errno::NOTDIR) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    // The `stat` fields' integer types differ between platforms.
    #[allow(clippy::unnecessary_fallible_conversions, clippy::useless_conversion)]
    pub(super) fn dir_changed_at(root: &OwnedFd, rel: &str) -> std::io::Result<Option<u128>> {
        use rustix::fs::FileType;
        let Some(st) = stat_no_follow(root, rel)? else {
            return Ok(None);
        };
        if FileType::from_raw_mode(st.st_mode) != FileType::Directory {
            return Ok(None);
        }
        let changed = u128::try_from(st.st_ctime)
            .ok()
            .zip(u128::try_from(st.st_ctime_nsec).ok())
            .map(|(s, ns)| s * 1_000_000_000 + ns);
        Ok(changed)
    }

    // The `stat` fields' integer types differ between platforms.
    #[allow(clippy::unnecessary_fallible_conversions, clippy::useless_conversion)]
    pub(super) fn stat_at(root: &OwnedFd, rel: &str) -> std::io::Result<Option<(bool, Stat)>> {
        use rustix::fs::FileType;
        let Some(st) = stat_no_follow(root, rel)? else {
            return Ok(None);
        };
        let is_dir = match FileType::from_raw_mode(st.st_mode) {
            FileType::Directory => true,
            FileType::RegularFile => false,
            _ => return Ok(None),
        };
        let stat = u64::try_from(st.st_size)
            .ok()
            .zip(u128::try_from(st.st_mtime).ok())
            .zip(u128::try_from(st.st_mtime_nsec).ok())
            .map(|((len, s), ns)| (len, s * 1_000_000_000 + ns));
        Ok(stat.map(|stat| (is_dir, stat)))
    }

    pub(super) fn open_no_follow(path: &Path) -> std::io::Result<Opened> {
        use std::os::unix::fs::OpenOptionsExt;
        match std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(path)
        {
            Ok(f) => Ok(Opened::File(f)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Opened::Missing),
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => Ok(Opened::Symlink),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both implementations give the same answers on the same tree.
    #[cfg(all(target_os = "linux", unix))]
    #[test]
    fn linux_and_portable_agree() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/b/f.yaml"), "x: 1\n").unwrap();
        std::os::unix::fs::symlink("f.yaml", dir.path().join("a/b/link.yaml")).unwrap();
        std::os::unix::fs::symlink("/etc", dir.path().join("a/etc")).unwrap();
        let fd = linux::open_root(dir.path()).unwrap();
        let portable_root = Root {
            path: dir.path().to_path_buf(),
            fd: None,
        };
        for rel in [
            "a",
            "a/b",
            "a/b/f.yaml",
            "a/b/link.yaml",
            "a/etc",
            "a/etc/passwd",
            "a/b/f.yaml/x",
            "missing",
        ] {
            assert_eq!(
                linux::stat_at(&fd, rel).unwrap(),
                portable_root.stat(rel).unwrap(),
                "{rel}"
            );
        }
        for rel in ["a/b/f.yaml", "a/b/link.yaml", "a/b/none.yaml"] {
            let path = dir.path().join(rel);
            let kind = |o: Opened| match o {
                Opened::File(_) => "file",
                Opened::Missing => "missing",
                Opened::Symlink => "symlink",
            };
            assert_eq!(
                kind(linux::open_no_follow(&path).unwrap()),
                kind(portable_open_no_follow(&path).unwrap()),
                "{rel}"
            );
        }
    }
}
