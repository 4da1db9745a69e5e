//! Compares the generated tree with the output root on disk.

use std::path::{Path, PathBuf};

use similar::TextDiff;
use walkdir::WalkDir;

use super::SyncError;
use crate::render::Ownership;
use crate::tree::{OWNERSHIP_FILE, OutputTree, check_path};

/// Directories esogen generates into; strays are looked for only there.
pub const MANAGED_DIRS: &[&str] = &["bases", "overlays", "policies"];

/// What writing the tree would change.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// Files that do not exist yet.
    pub added: Vec<String>,
    /// Files whose content differs.
    pub changed: Vec<String>,
    /// Files esogen generated before and no longer generates.
    pub removed: Vec<String>,
    /// Files in the managed directories that esogen did not generate; never
    /// touched, only reported.
    pub strays: Vec<String>,
    /// Number of files already up to date.
    pub unchanged: usize,
}

impl ChangeSet {
    /// True when writing would change nothing.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.changed.is_empty() && self.removed.is_empty()
    }
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> SyncError {
    let path = path.to_path_buf();
    move |source| SyncError::Io {
        action,
        path,
        source,
    }
}

/// Refuses a relative path whose existing components include a symlink.
pub fn check_no_symlink(root: &Path, rel: &str) -> Result<(), SyncError> {
    let mut cur = root.to_path_buf();
    for part in rel.split('/') {
        cur.push(part);
        match std::fs::symlink_metadata(&cur) {
            Ok(m) if m.file_type().is_symlink() => return Err(SyncError::Symlink { path: cur }),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(io("inspect", &cur)(e)),
        }
    }
    Ok(())
}

/// The files the previous run recorded as generated. A missing or unreadable
/// record means "owns nothing": esogen then never deletes anything.
pub fn previous_ownership(root: &Path) -> Ownership {
    std::fs::read(root.join(OWNERSHIP_FILE))
        .ok()
        .and_then(|b| Ownership::parse(&b))
        .unwrap_or_default()
}

/// Checks parent directories once each (there are far fewer directories than
/// files), then opens each file without following a final symlink.
struct Reader<'a> {
    root: &'a Path,
    checked: std::collections::HashSet<String>,
    missing: std::collections::HashSet<String>,
}

enum Found {
    Missing,
    Same,
    Different,
}

impl<'a> Reader<'a> {
    fn new(root: &'a Path) -> Self {
        Self {
            root,
            checked: Default::default(),
            missing: Default::default(),
        }
    }

    /// Verifies every parent directory of `rel`; `Ok(false)` when one does
    /// not exist (so the file does not either).
    fn parents_exist(&mut self, rel: &str) -> Result<bool, SyncError> {
        let mut end = 0;
        while let Some(pos) = rel[end..].find('/') {
            let dir = &rel[..end + pos];
            end += pos + 1;
            if self.missing.contains(dir) {
                return Ok(false);
            }
            if self.checked.contains(dir) {
                continue;
            }
            let path = self.root.join(dir);
            match std::fs::symlink_metadata(&path) {
                Ok(m) if m.file_type().is_symlink() => return Err(SyncError::Symlink { path }),
                Ok(_) => {
                    self.checked.insert(dir.to_owned());
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    self.missing.insert(dir.to_owned());
                    return Ok(false);
                }
                Err(e) => return Err(io("inspect", &path)(e)),
            }
        }
        Ok(true)
    }

    fn compare(&mut self, rel: &str, bytes: &[u8]) -> Result<Found, SyncError> {
        use std::io::Read;
        use std::os::unix::fs::OpenOptionsExt;
        if !self.parents_exist(rel)? {
            return Ok(Found::Missing);
        }
        let path = self.root.join(rel);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&path);
        let mut file = match file {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Found::Missing),
            Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
                return Err(SyncError::Symlink { path });
            }
            Err(e) => return Err(io("read", &path)(e)),
        };
        // A different size needs no read.
        let len = file.metadata().map_err(io("inspect", &path))?.len();
        if len != bytes.len() as u64 {
            return Ok(Found::Different);
        }
        let mut old = Vec::with_capacity(bytes.len());
        file.read_to_end(&mut old).map_err(io("read", &path))?;
        Ok(if old == bytes {
            Found::Same
        } else {
            Found::Different
        })
    }
}

/// Splits work over the machine's cores.
pub fn threads() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(8)
}

/// Computes the changes writing `tree` under `root` would make.
pub fn compute(root: &Path, tree: &OutputTree) -> Result<ChangeSet, SyncError> {
    let entries: Vec<(&String, &Vec<u8>)> = tree.iter().collect();
    for (rel, _) in &entries {
        check_path(rel)?;
    }
    let chunk = entries.len().div_ceil(threads()).max(1);
    let results: Vec<Result<ChangeSet, SyncError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = entries
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    let mut reader = Reader::new(root);
                    let mut cs = ChangeSet::default();
                    for (rel, bytes) in part {
                        match reader.compare(rel, bytes)? {
                            Found::Missing => cs.added.push((*rel).clone()),
                            Found::Different => cs.changed.push((*rel).clone()),
                            Found::Same => cs.unchanged += 1,
                        }
                    }
                    Ok(cs)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
            .collect()
    });
    // Kept files were just found as the last run left them.
    let mut cs = ChangeSet {
        unchanged: tree.kept().count(),
        ..ChangeSet::default()
    };
    for r in results {
        let part = r?;
        cs.added.extend(part.added);
        cs.changed.extend(part.changed);
        cs.unchanged += part.unchanged;
    }
    cs.added.sort();
    cs.changed.sort();
    let owned: std::collections::BTreeSet<String> =
        previous_ownership(root).files.into_iter().collect();
    for rel in &owned {
        if tree.contains(rel) || check_path(rel).is_err() {
            continue;
        }
        if check_no_symlink(root, rel).is_err() {
            continue;
        }
        if root.join(rel).is_file() {
            cs.removed.push(rel.clone());
        }
    }
    for dir in MANAGED_DIRS {
        let base = root.join(dir);
        if !base.is_dir() {
            continue;
        }
        for entry in WalkDir::new(&base).sort_by_file_name().follow_links(false) {
            let entry = entry.map_err(|e| SyncError::Io {
                action: "list",
                path: base.clone(),
                source: e.into(),
            })?;
            if entry.file_type().is_dir() {
                continue;
            }
            let rel = relative(root, entry.path());
            if !tree.contains(&rel) && !owned.contains(&rel) {
                cs.strays.push(rel);
            }
        }
    }
    cs.removed.sort();
    Ok(cs)
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// Whether diffs carry ANSI colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffColor {
    /// Plain text.
    Plain,
    /// Green additions, red deletions, cyan hunk headers.
    Ansi,
}

fn paint(text: &str, color: DiffColor) -> String {
    if color == DiffColor::Plain {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 64);
    for line in text.split_inclusive('\n') {
        let code = if line.starts_with("+++") || line.starts_with("---") {
            "1"
        } else if line.starts_with('+') {
            "32"
        } else if line.starts_with('-') {
            "31"
        } else if line.starts_with("@@") {
            "36"
        } else {
            ""
        };
        if code.is_empty() {
            out.push_str(line);
        } else {
            let body = line.strip_suffix('\n').unwrap_or(line);
            out.push_str(&format!("\x1b[{code}m{body}\x1b[0m"));
            if line.ends_with('\n') {
                out.push('\n');
            }
        }
    }
    out
}

/// A unified diff of one file between disk and the tree, for people.
/// Added files diff against `/dev/null`, removed ones to it.
pub fn unified(root: &Path, rel: &str, tree: &OutputTree, color: DiffColor) -> String {
    let on_disk = std::fs::read(root.join(rel)).ok();
    let generated = tree.get(rel);
    let old = String::from_utf8_lossy(on_disk.as_deref().unwrap_or_default()).into_owned();
    let new =
        String::from_utf8_lossy(generated.map(Vec::as_slice).unwrap_or_default()).into_owned();
    let a = if on_disk.is_some() {
        format!("a/{rel}")
    } else {
        "/dev/null".to_owned()
    };
    let b = if generated.is_some() {
        format!("b/{rel}")
    } else {
        "/dev/null".to_owned()
    };
    let text = TextDiff::from_lines(old.as_str(), new.as_str())
        .unified_diff()
        .context_radius(3)
        .header(&a, &b)
        .to_string();
    paint(&text, color)
}

/// Every file's diff in a change set, in path order.
pub fn render_changes(
    root: &Path,
    tree: &OutputTree,
    changes: &ChangeSet,
    color: DiffColor,
) -> String {
    let mut paths: Vec<&String> = changes
        .added
        .iter()
        .chain(&changes.changed)
        .chain(&changes.removed)
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|p| unified(root, p, tree, color))
        .collect()
}

/// Absolute path of a relative one under `root`.
pub fn absolute(root: &Path, rel: &str) -> PathBuf {
    root.join(rel)
}
