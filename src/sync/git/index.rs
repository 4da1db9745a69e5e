//! Index entries as `git add` writes them: the file's stat data, so git
//! sees a committed file as unchanged without reading it again.

use git2::Oid;

fn index_time(t: i64, ns: i64) -> git2::IndexTime {
    git2::IndexTime::new(t as i32, ns as u32)
}

/// An index entry with the stat data of the file on disk, as `git add`
/// records it.
pub(super) fn index_entry(
    path: &str,
    len: usize,
    meta: &std::fs::Metadata,
    id: Oid,
) -> git2::IndexEntry {
    let stat = StatData::of(meta);
    git2::IndexEntry {
        ctime: stat.ctime,
        mtime: stat.mtime,
        dev: stat.dev,
        ino: stat.ino,
        mode: 0o100_644,
        uid: stat.uid,
        gid: stat.gid,
        file_size: len as u32,
        id,
        flags: (path.len().min(0xfff)) as u16,
        flags_extended: 0,
        path: path.as_bytes().to_vec(),
    }
}

/// An entry's ctime, mtime (seconds, nanoseconds), dev, ino, mode, uid,
/// gid and size: the 32-bit words git stores before the object id.
#[allow(clippy::cast_sign_loss)]
pub(super) fn stat_words(e: &git2::IndexEntry) -> [u32; 10] {
    [
        e.ctime.seconds() as u32,
        e.ctime.nanoseconds(),
        e.mtime.seconds() as u32,
        e.mtime.nanoseconds(),
        e.dev,
        e.ino,
        e.mode,
        e.uid,
        e.gid,
        e.file_size,
    ]
}

/// The stat fields of an index entry.
struct StatData {
    ctime: git2::IndexTime,
    mtime: git2::IndexTime,
    dev: u32,
    ino: u32,
    uid: u32,
    gid: u32,
}

impl StatData {
    // Index fields are 32 bits wide; git truncates the same way.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    #[cfg(unix)]
    fn of(meta: &std::fs::Metadata) -> Self {
        use std::os::unix::fs::MetadataExt;
        Self {
            ctime: index_time(meta.ctime(), meta.ctime_nsec()),
            mtime: index_time(meta.mtime(), meta.mtime_nsec()),
            dev: meta.dev() as u32,
            ino: meta.ino() as u32,
            uid: meta.uid(),
            gid: meta.gid(),
        }
    }

    /// Without Unix stat data (Windows): the times git for Windows records
    /// too; device, inode and owner stay zero, as there.
    #[cfg(not(unix))]
    fn of(meta: &std::fs::Metadata) -> Self {
        Self::portable(meta)
    }

    /// Stat data from what every platform's metadata has (compiled and
    /// tested on every platform, used where Unix fields are missing).
    #[cfg_attr(unix, allow(dead_code))]
    #[allow(clippy::cast_possible_wrap)]
    fn portable(meta: &std::fs::Metadata) -> Self {
        let time = |t: std::io::Result<std::time::SystemTime>| {
            t.ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| index_time(d.as_secs() as i64, i64::from(d.subsec_nanos())))
                .unwrap_or_else(|| index_time(0, 0))
        };
        Self {
            ctime: time(meta.created()),
            mtime: time(meta.modified()),
            dev: 0,
            ino: 0,
            uid: 0,
            gid: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The entry says what `git add` would: size, mtime to the
    /// nanosecond, a regular file, the path's length in the flags.
    #[test]
    fn an_entry_carries_the_files_stat_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.yaml");
        std::fs::write(&path, "a: 1\n").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        let id = Oid::hash_object(git2::ObjectType::Blob, b"a: 1\n").unwrap();
        let e = index_entry("overlays/a/f.yaml", 5, &meta, id);
        let mtime = meta
            .modified()
            .unwrap()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap();
        assert_eq!(e.mtime.seconds() as u64, mtime.as_secs());
        assert_eq!(e.mtime.nanoseconds(), mtime.subsec_nanos());
        assert_eq!((e.file_size, e.mode, e.id), (5, 0o100_644, id));
        assert_eq!(usize::from(e.flags), "overlays/a/f.yaml".len());
        assert_eq!(e.path, b"overlays/a/f.yaml");
    }

    /// The fallback used where Unix stat fields are missing agrees with
    /// the Unix path on the times and leaves the Unix-only fields zero.
    #[test]
    fn the_portable_stat_data_keeps_the_times() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.yaml");
        std::fs::write(&path, "a: 1\n").unwrap();
        let meta = std::fs::metadata(&path).unwrap();
        let native = StatData::of(&meta);
        let portable = StatData::portable(&meta);
        assert_eq!(
            (portable.mtime.seconds(), portable.mtime.nanoseconds()),
            (native.mtime.seconds(), native.mtime.nanoseconds())
        );
        assert_eq!(
            (portable.dev, portable.ino, portable.uid, portable.gid),
            (0, 0, 0, 0)
        );
    }
}
