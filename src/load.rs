//! The load stage: reads `tenants.toml` and `tenants.d/*.toml` beside it
//! into [`Sources`] (for diagnostics) and texts the pure pipeline takes. The
//! only input I/O of a run; an unreadable file becomes an `io` diagnostic.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::config::{ConfigFile, TEAMS_DIR};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::pipeline::Inputs;
use crate::source::{FileId, Sources};

/// The tenants files of one run, as read from disk.
#[derive(Debug)]
pub struct Loaded {
    /// Every file read, for rendering diagnostics.
    pub sources: Sources,
    /// The main file: its id in `sources` and its text (the same text
    /// `sources` holds).
    main: (FileId, Arc<str>),
    /// The team files, in file-name order.
    teams: Vec<(FileId, Arc<str>)>,
    /// Every tenants file read, the main file first (for `--commit` to
    /// stage them).
    pub paths: Vec<PathBuf>,
    /// The main file's name, written into generated headers.
    pub source_name: String,
}

impl Loaded {
    /// Runs `f` (a pure pipeline entry point) on the texts read.
    pub fn run<T>(&self, f: impl FnOnce(Inputs) -> T) -> T {
        let teams: Vec<ConfigFile> = self
            .teams
            .iter()
            .map(|(file, text)| ConfigFile { file: *file, text })
            .collect();
        f(Inputs {
            main: ConfigFile {
                file: self.main.0,
                text: &self.main.1,
            },
            teams: &teams,
            source_name: &self.source_name,
        })
    }

    /// Every file's path (as given) and the digest of its exact text
    /// ([`crate::config::memo::text_id`], as the teams memo keys its
    /// parts), the main file first: what the local cache compares to prove
    /// a run unchanged. A digest, not the text: at 10,000 teams the text is
    /// 4 MB the cache would write, read and hold twice on every run.
    pub fn cache_inputs(&self) -> Vec<(String, InputDigest)> {
        let texts = std::iter::once(&self.main.1).chain(self.teams.iter().map(|(_, t)| t));
        self.paths
            .iter()
            .zip(texts)
            .map(|(p, text)| (p.display().to_string(), crate::config::memo::text_id(text)))
            .collect()
    }
}

/// The digest of a tenants file's exact text ([`Loaded::cache_inputs`]).
pub type InputDigest = crate::config::memo::TextId;

/// The file name esogen looks for when `--config` is not given.
pub const CONFIG_NAME: &str = "tenants.toml";

/// The tenants file for a run started in `dir` without `--config`:
/// `tenants.toml` in `dir` or the nearest parent that has one, as git and
/// cargo find their files, so commands work from inside `overlays/`. The
/// search stops at the root of the git repository holding `dir` (a file
/// above it belongs to something else). The path is relative to `dir`
/// (`../../tenants.toml`) when `dir` is relative; `tenants.toml` itself
/// when none is found, so the error names what was looked for.
pub fn discover_config(dir: &Path) -> PathBuf {
    // `dir` as the user would write it: nothing for the working directory.
    let mut path = match dir.as_os_str().to_str() {
        Some("" | ".") => PathBuf::new(),
        _ => dir.to_path_buf(),
    };
    // Walk the physical path: `..` is resolved by the kernel, past links.
    if let Ok(absolute) = std::fs::canonicalize(dir) {
        for ancestor in absolute.ancestors() {
            if ancestor.join(CONFIG_NAME).is_file() {
                return path.join(CONFIG_NAME);
            }
            if ancestor.join(".git").exists() {
                break;
            }
            path.push("..");
        }
    }
    PathBuf::from(CONFIG_NAME)
}

/// Reads the main file and `tenants.d/*.toml` beside it, in file-name order.
/// Any file that cannot be read fails the whole load with its `io`
/// diagnostics (and the files read so far, for rendering them).
pub fn load(path: &Path) -> Result<Loaded, (Sources, Diagnostics)> {
    let mut sources = Sources::new();
    let source_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string());
    let main = read_text(path, Role::Main, &mut sources)
        .map_err(|d| (Sources::new(), Diagnostics(vec![*d])))?;
    let dir = match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(parent) => parent.join(TEAMS_DIR),
        None => PathBuf::from(TEAMS_DIR),
    };
    let mut paths = vec![path.to_path_buf()];
    let mut teams = Vec::new();
    let mut errors = Diagnostics::default();
    if dir.is_dir() {
        for f in team_files(&dir, &mut errors) {
            match read_text(&f, Role::Team, &mut sources) {
                Ok(t) => {
                    teams.push(t);
                    paths.push(f);
                }
                Err(d) => errors.push(*d),
            }
        }
    }
    if !errors.is_empty() {
        return Err((sources, errors));
    }
    Ok(Loaded {
        sources,
        main,
        teams,
        paths,
        source_name,
    })
}

/// The `*.toml` regular files directly in `dir`, sorted. Every one must be
/// read, or the run stops: a team file skipped would make its team
/// disappear and its files be pruned. Entries that cannot be listed, links
/// and other non-files become errors.
fn team_files(dir: &Path, errors: &mut Diagnostics) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = Vec::new();
    for entry in walkdir::WalkDir::new(dir).min_depth(1).max_depth(1) {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                errors.push(
                    Diagnostic::error(Code::Io, format!("cannot list `{}`: {e}", dir.display()))
                        .help("every team file there must be readable; nothing was written"),
                );
                continue;
            }
        };
        let is_toml = entry.path().extension().is_some_and(|x| x == "toml");
        if !is_toml {
            continue;
        }
        let what = if entry.path_is_symlink() {
            Some("a symbolic link")
        } else if !entry.file_type().is_file() {
            Some("not a regular file")
        } else {
            None
        };
        match what {
            None => files.push(entry.path().to_path_buf()),
            Some(what) => errors.push(
                Diagnostic::error(
                    Code::Io,
                    format!("`{}` is {what}", entry.path().display()),
                )
                .help("team files in tenants.d/ must be regular files in the repository (a link could bring a team in from elsewhere, or lose one); nothing was written"),
            ),
        }
    }
    files.sort();
    files
}

/// Which tenants file is read: what to do when it cannot be depends on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The main file (`--config`, or found from the working directory).
    Main,
    /// A team file in `tenants.d/`.
    Team,
}

/// The one-line error for a tenants file that cannot be read, and what to do.
fn unreadable(name: &str, role: Role, e: &std::io::Error) -> Diagnostic {
    use std::io::ErrorKind;
    match (role, e.kind()) {
        // What discovery returns when it found nothing.
        (Role::Main, ErrorKind::NotFound) if name == CONFIG_NAME => Diagnostic::error(
            Code::Io,
            format!("no `{name}`: esogen looked in this directory and its parents, up to the repository root"),
        )
        .help("run `esogen init` to write one, or pass the tenants file with `--config FILE`"),
        (Role::Main, ErrorKind::NotFound) => {
            Diagnostic::error(Code::Io, format!("cannot read `{name}`: {e}"))
                .help(format!("check the path; `esogen init --output {name}` writes a new tenants file there"))
        }
        (Role::Main, ErrorKind::IsADirectory) => {
            Diagnostic::error(Code::Io, format!("`{name}` is a directory, not a tenants file"))
                .help("pass the tenants file itself with `--config FILE`")
        }
        (Role::Main, _) => Diagnostic::error(Code::Io, format!("cannot read `{name}`: {e}"))
            .help("make the file readable, or pass another tenants file with `--config FILE`"),
        (Role::Team, _) => Diagnostic::error(Code::Io, format!("cannot read the team file `{name}`: {e}"))
            .help("every *.toml file in tenants.d/ is a team file and must be readable: fix its permissions or move it out of tenants.d/; nothing was written"),
    }
}

/// Reads one tenants file as UTF-8 and registers it in `sources`.
fn read_text(
    path: &Path,
    role: Role,
    sources: &mut Sources,
) -> Result<(FileId, Arc<str>), Box<Diagnostic>> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Box::new(unreadable(&name, role, &e)))?;
    match String::from_utf8(bytes) {
        Ok(text) => {
            let text: Arc<str> = text.into();
            Ok((sources.add(name, Arc::clone(&text)), text))
        }
        Err(e) => {
            // Locate the first invalid byte: the text before it is valid.
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let valid = std::str::from_utf8(valid).unwrap_or_default();
            let line = valid.matches('\n').count() + 1;
            let column = valid
                .rsplit('\n')
                .next()
                .unwrap_or_default()
                .chars()
                .count()
                + 1;
            Err(Box::new(
                Diagnostic::error(
                    Code::Io,
                    format!(
                        "`{name}` is not UTF-8 text: invalid byte at line {line}, column {column}"
                    ),
                )
                .help("save the file as UTF-8"),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_team_file_that_cannot_be_read_says_it_is_a_team_file() {
        let dir = tempfile::tempdir().unwrap();
        let gone = dir.path().join("tenants.d/payments.toml");
        let d = read_text(&gone, Role::Team, &mut Sources::new()).unwrap_err();
        let shown = format!("{d:?}");
        assert!(shown.contains("team file"), "{shown}");
        assert!(shown.contains("tenants.d/"), "{shown}");
        let main = read_text(
            &dir.path().join("tenants.toml"),
            Role::Main,
            &mut Sources::new(),
        )
        .unwrap_err();
        assert!(format!("{main:?}").contains("esogen init"));
    }

    #[test]
    fn discovery_walks_up_and_stops_at_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("repo/.git")).unwrap();
        std::fs::create_dir_all(root.join("repo/overlays/a")).unwrap();
        std::fs::write(root.join("repo/tenants.toml"), "").unwrap();
        let deep = root.join("repo/overlays/a");
        assert_eq!(
            discover_config(&deep),
            deep.join("../../tenants.toml"),
            "relative to the directory given"
        );
        std::fs::remove_file(root.join("repo/tenants.toml")).unwrap();
        std::fs::write(root.join("tenants.toml"), "").unwrap();
        assert_eq!(discover_config(&deep), PathBuf::from(CONFIG_NAME));
    }
}
