//! `generate --commit` on the checked-out branch reads HEAD's ownership
//! record (the namespaces' teams for the message, the generated paths for
//! removals). It reads the copy on disk when that is HEAD's blob; these
//! tests make the copy on disk differ from HEAD's in each way it can and
//! check that the commit is the one a clean run makes: same message, same
//! tree, nothing left uncommitted.

use std::path::Path;
use std::process::{Command, Output};

use crate::common::{repo_root, text};

/// The isolated environment, with a fixed author.
fn isolated(cmd: &mut Command, home: &Path) {
    crate::common::isolated_git(cmd, home);
    cmd.env("GIT_AUTHOR_NAME", "Tester")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "Tester")
        .env("GIT_COMMITTER_EMAIL", "t@example.com");
}

/// A repository holding the example tenants file, its first commit made
/// by esogen.
struct Repo {
    dir: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Repo {
    fn committed() -> Self {
        let r = Repo {
            dir: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
        };
        r.git(&["init", "-q", "-b", "main"]);
        std::fs::copy(
            repo_root().join("tenants.toml"),
            r.path().join("tenants.toml"),
        )
        .unwrap();
        r.ok(&r.commit(&[]));
        r
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) -> String {
        let mut cmd = Command::new("git");
        isolated(&mut cmd, self.home.path());
        let out = cmd.args(args).current_dir(self.path()).output().unwrap();
        assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
        text(&out.stdout)
    }

    fn esogen(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_esogen"));
        isolated(&mut cmd, self.home.path());
        cmd.args(args).current_dir(self.path()).output().unwrap()
    }

    fn commit(&self, extra: &[&str]) -> Output {
        let mut args = vec![
            "generate",
            "--commit",
            "--author",
            "CI Bot <ci@example.com>",
        ];
        args.extend_from_slice(extra);
        self.esogen(&args)
    }

    fn ok(&self, out: &Output) {
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}{}",
            text(&out.stdout),
            text(&out.stderr)
        );
    }

    /// Namespace `search` leaves team `search` (its files are removed).
    fn shrink_search(&self) {
        let path = self.path().join("tenants.toml");
        let cfg = std::fs::read_to_string(&path).unwrap();
        let shrunk = cfg
            .replace(
                "namespaces = [\"search\", \"search-indexer\"]",
                "namespaces = [\"search-indexer\"]",
            )
            .replace(
                "namespaces = [\"search\"]\n",
                "namespaces = [\"search-indexer\"]\n",
            );
        assert_ne!(cfg, shrunk, "the example's search team has two namespaces");
        std::fs::write(path, shrunk).unwrap();
    }

    /// HEAD's message and tree, after checking nothing is left
    /// uncommitted.
    fn head(&self) -> (String, String) {
        assert_eq!(
            self.git(&["status", "--porcelain", "--untracked-files=all"]),
            "",
            "nothing left uncommitted"
        );
        (
            self.git(&["log", "-1", "--format=%B"]),
            self.git(&["rev-parse", "HEAD^{tree}"]),
        )
    }

    /// Rewrites the ownership record on disk: `search` no longer listed
    /// among the namespaces (the file list kept, so the comparison with
    /// disk still removes its files).
    fn edit_record(&self) {
        let path = self.path().join(".esogen/owned-files.json");
        let mut record: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        let namespaces = record["namespaces"].as_object_mut().unwrap();
        assert!(namespaces.remove("search").is_some(), "{namespaces:?}");
        std::fs::write(&path, serde_json::to_vec_pretty(&record).unwrap()).unwrap();
    }
}

/// The commit of the shrunk configuration made right after the first one.
fn clean() -> (String, String) {
    let r = Repo::committed();
    r.shrink_search();
    r.ok(&r.commit(&[]));
    let head = r.head();
    assert!(
        head.0.contains("Namespaces removed: search\n"),
        "{}",
        head.0
    );
    head
}

/// A run that wrote the tree without committing it (`generate`, or a
/// `--commit` interrupted after writing) left a newer record on disk, and
/// the files it removed are gone from disk but still in HEAD and the
/// index: the next commit removes them too, and says so.
#[test]
fn a_commit_after_a_run_that_only_wrote_removes_what_that_run_removed() {
    let r = Repo::committed();
    r.shrink_search();
    r.ok(&r.esogen(&["generate"]));
    assert!(!r.path().join("overlays/search").exists());
    r.ok(&r.commit(&[]));
    assert_eq!(r.head(), clean());
}

/// The record on disk edited by hand before the run.
#[test]
fn an_edited_record_on_disk_does_not_change_the_commit() {
    let r = Repo::committed();
    r.edit_record();
    r.shrink_search();
    r.ok(&r.commit(&[]));
    assert_eq!(r.head(), clean());
}

/// The edited record staged by hand: the index differs from HEAD.
#[test]
fn an_edited_record_staged_by_hand_does_not_change_the_commit() {
    let r = Repo::committed();
    r.edit_record();
    r.git(&["add", ".esogen/owned-files.json"]);
    r.shrink_search();
    r.ok(&r.commit(&[]));
    assert_eq!(r.head(), clean());
}

/// A commit of the shrunk configuration to another branch in between
/// (built in memory: the working tree and the index are not touched).
#[test]
fn a_commit_to_another_branch_in_between_does_not_change_the_commit() {
    let r = Repo::committed();
    r.shrink_search();
    r.ok(&r.commit(&["--branch", "side"]));
    r.ok(&r.commit(&[]));
    assert_eq!(r.head(), clean());
}
