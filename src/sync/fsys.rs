//! The file-system calls on esogen's hot paths (stat'ing 90,000 generated
//! files, reading them without following symbolic links), behind one small
//! interface with two implementations:
//!
//! - Linux: a path-only handle (`O_PATH`) on the output root and relative
//!   `statat` lookups, and `O_NOFOLLOW` opens, so the kernel never follows
//!   a link a pull request could plant;
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

    /// Whether `rel` is a directory, and its [`Stat`], without following a
    /// final symbolic link; `None` when it does not exist or is neither a
    /// regular file nor a directory.
    pub fn stat(&self, rel: &str) -> std::io::Result<Option<(bool, Stat)>> {
        #[cfg(target_os = "linux")]
        if let Some(fd) = &self.fd {
            return linux::stat_at(fd, rel);
        }
        match std::fs::symlink_metadata(self.path.join(rel)) {
            Ok(m) if m.is_dir() || m.is_file() => Ok(stat_of(&m).map(|s| (m.is_dir(), s))),
            Ok(_) => Ok(None),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound) => Ok(None),
            Err(e) if e.kind() == std::io::ErrorKind::NotADirectory => Ok(None),
            Err(e) => Err(e),
        }
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

#[cfg(target_os = "linux")]
mod linux {
    use super::{Opened, Stat};
    use std::os::fd::OwnedFd;
    use std::path::Path;

    pub(super) fn open_root(root: &Path) -> std::io::Result<OwnedFd> {
        use rustix::fs::{Mode, OFlags};
        Ok(rustix::fs::open(
            root,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?)
    }

    // The `stat` fields' integer types differ between platforms.
    #[allow(clippy::unnecessary_fallible_conversions, clippy::useless_conversion)]
    pub(super) fn stat_at(root: &OwnedFd, rel: &str) -> std::io::Result<Option<(bool, Stat)>> {
        use rustix::fs::{AtFlags, FileType, statat};
        let st = match statat(root, rel, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(st) => st,
            Err(rustix::io::Errno::NOENT | rustix::io::Errno::NOTDIR) => return Ok(None),
            Err(e) => return Err(e.into()),
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
