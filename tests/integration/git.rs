//! `generate --commit`, `--branch` and `--push`, verified with the git
//! command line (the real consumer), a bare remote over file:// and a real
//! `git daemon` on 127.0.0.1.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::common::{repo_root, text};

/// An isolated environment: no global or system git config, fixed dates.
fn base_env(cmd: &mut Command, home: &Path) {
    crate::common::isolated_git(cmd, home);
}

struct Repo {
    dir: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Repo {
    fn new() -> Self {
        Self::init(&["init", "-q", "-b", "main"])
    }

    /// A repository made by `git <init>`, with the example tenants file.
    fn init(init: &[&str]) -> Self {
        let r = Repo {
            dir: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
        };
        r.git(init);
        std::fs::copy(
            repo_root().join("tenants.toml"),
            r.path().join("tenants.toml"),
        )
        .unwrap();
        r
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    fn git(&self, args: &[&str]) -> String {
        git_in(self.path(), self.home.path(), args)
    }

    fn esogen(&self, args: &[&str]) -> Output {
        self.esogen_in(self.path(), args, &[])
    }

    /// esogen run in `dir` with extra environment variables.
    fn esogen_in(&self, dir: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_esogen"));
        base_env(&mut cmd, self.home.path());
        cmd.envs(env.iter().copied())
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap()
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

    fn count(&self, rev: &str) -> usize {
        self.git(&["rev-list", "--count", rev])
            .trim()
            .parse()
            .unwrap()
    }
}

fn git_in(dir: &Path, home: &Path, args: &[&str]) -> String {
    let mut cmd = Command::new("git");
    base_env(&mut cmd, home);
    cmd.env("GIT_AUTHOR_NAME", "Tester")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "Tester")
        .env("GIT_COMMITTER_EMAIL", "t@example.com");
    let out = cmd.args(args).current_dir(dir).output().unwrap();
    assert!(
        out.status.success(),
        "git {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fsck(dir: &Path, home: &Path) {
    let out = git_in(dir, home, &["fsck", "--full", "--strict"]);
    assert!(!out.contains("error"), "{out}");
}

fn shrink_search(r: &Repo) {
    let cfg = std::fs::read_to_string(r.path().join("tenants.toml"))
        .unwrap()
        .replace(
            "namespaces = [\"search\", \"search-indexer\"]",
            "namespaces = [\"search-indexer\"]",
        )
        .replace(
            "namespaces = [\"search\"]\n",
            "namespaces = [\"search-indexer\"]\n",
        );
    std::fs::write(r.path().join("tenants.toml"), cfg).unwrap();
}

/// A change that leaves the ownership record as it is (one key of one
/// team) names that team as changed in the message, and no team as added
/// or removed: the previous namespaces are the record's, which is HEAD's.
#[test]
fn a_commit_of_one_key_names_its_team_as_changed() {
    let r = Repo::new();
    assert_eq!(r.commit(&[]).status.code(), Some(0));
    let cfg = std::fs::read_to_string(r.path().join("tenants.toml"))
        .unwrap()
        .replace("prod/search/opensearch", "prod/search/opensearch-v2");
    std::fs::write(r.path().join("tenants.toml"), cfg).unwrap();
    let out = r.commit(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let log = r.git(&["log", "-1", "--format=%B"]);
    assert!(log.starts_with("esogen: update search\n"), "{log}");
    assert!(log.contains("Teams changed: search\n"), "{log}");
    assert!(!log.contains("Teams added"), "{log}");
    assert!(!log.contains("Teams removed"), "{log}");
    assert!(
        log.contains("Namespaces changed: search, search-indexer\n"),
        "{log}"
    );
    assert!(!log.contains(".esogen/owned-files.json"), "{log}");
}

#[test]
fn commit_on_a_repository_without_commits_then_nothing_to_commit() {
    let r = Repo::new();
    let out = r.commit(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(r.count("HEAD"), 1);
    let log = r.git(&["log", "-1", "--format=%an <%ae>%n%B"]);
    assert!(
        log.starts_with("CI Bot <ci@example.com>\nesogen: add checkout, payments, search\n"),
        "{log}"
    );
    assert!(
        log.contains(
            "Namespaces added: checkout, payments, payments-batch, search, search-indexer"
        ),
        "{log}"
    );
    let files = r.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert!(files.contains("overlays/payments/kustomization.yaml"));
    assert!(
        files.contains("tenants.toml"),
        "the tenants file is committed too"
    );
    assert!(files.contains(".esogen/owned-files.json"));
    assert_eq!(
        r.git(&["status", "--porcelain"]),
        "",
        "nothing left uncommitted"
    );
    fsck(r.path(), r.home.path());

    let again = r.commit(&[]);
    assert_eq!(again.status.code(), Some(0));
    assert!(
        text(&again.stdout).contains("nothing to commit"),
        "{}",
        text(&again.stdout)
    );
    assert_eq!(r.count("HEAD"), 1, "no empty commit");
}

#[test]
fn removing_a_namespace_commits_its_removal_and_names_it() {
    let r = Repo::new();
    assert_eq!(r.commit(&[]).status.code(), Some(0));
    shrink_search(&r);
    let out = r.commit(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let log = r.git(&["log", "-1", "--format=%B"]);
    assert!(log.starts_with("esogen: update search"), "{log}");
    assert!(log.contains("Namespaces removed: search\n"), "{log}");
    let tree = r.git(&["ls-tree", "-r", "--name-only", "HEAD"]);
    assert!(!tree.contains("overlays/search/"), "{tree}");
    assert!(tree.contains("overlays/search-indexer/"));
    assert_eq!(r.git(&["status", "--porcelain"]), "");
    fsck(r.path(), r.home.path());
}

#[test]
fn unrelated_staged_changes_are_refused_and_nothing_changes() {
    let r = Repo::new();
    std::fs::write(r.path().join("notes.txt"), "mine\n").unwrap();
    r.git(&["add", "notes.txt"]);
    let index_before = std::fs::read(r.path().join(".git/index")).unwrap();
    let out = r.commit(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("notes.txt"),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("--allow-staged"));
    assert!(!r.path().join("overlays").exists(), "nothing written");
    assert_eq!(
        std::fs::read(r.path().join(".git/index")).unwrap(),
        index_before
    );

    let out = r.commit(&["--allow-staged"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        r.git(&["show", "--name-only", "--format=", "HEAD"])
            .contains("notes.txt")
    );
}

#[test]
fn a_second_commit_from_the_cache_is_incremental_and_still_refuses_new_staging() {
    let r = Repo::new();
    assert_eq!(r.commit(&[]).status.code(), Some(0));
    assert!(r.path().join(".esogen/cache.bin").is_file());
    // One team changes: its namespaces are rendered, the rest kept from the
    // cache and staged from the index; the commit holds only that change.
    let cfg = std::fs::read_to_string(r.path().join("tenants.toml")).unwrap();
    let edited = cfg.replacen(
        "refresh_interval = \"15m\"",
        "refresh_interval = \"20m\"",
        1,
    );
    assert_ne!(cfg, edited, "the example sets a refresh interval");
    std::fs::write(r.path().join("tenants.toml"), &edited).unwrap();
    let out = r.commit(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let changed = r.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert!(
        changed.lines().all(|l| l == "tenants.toml"
            || l.starts_with("overlays/")
            || l.starts_with(".esogen/")),
        "{changed}"
    );
    assert_eq!(r.git(&["status", "--porcelain"]), "");
    fsck(r.path(), r.home.path());
    // Staging something by hand rewrites the index: the shortcut no longer
    // applies and the unrelated file is refused as before.
    std::fs::write(r.path().join("notes.txt"), "mine\n").unwrap();
    r.git(&["add", "notes.txt"]);
    std::fs::write(r.path().join("tenants.toml"), &cfg).unwrap();
    let out = r.commit(&[]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("notes.txt"),
        "{}",
        text(&out.stderr)
    );
}

/// The "Files: ..." line of HEAD's message, and the same counts from git's
/// own comparison of HEAD with its parent.
fn counted_vs_git(r: &Repo) -> (String, String) {
    let msg = r.git(&["log", "-1", "--format=%B"]);
    let line = msg
        .lines()
        .find(|l| l.starts_with("Files: "))
        .unwrap_or_default()
        .to_owned();
    let status = r.git(&["diff", "--name-status", "--no-renames", "HEAD~1", "HEAD"]);
    let count = |c: char| status.lines().filter(|l| l.starts_with(c)).count();
    let git = format!(
        "Files: {} added, {} changed, {} removed",
        count('A'),
        count('M'),
        count('D')
    );
    (line, git)
}

#[test]
fn incremental_commit_messages_count_what_git_sees() {
    let r = Repo::new();
    assert_eq!(r.commit(&[]).status.code(), Some(0));
    let cfg = std::fs::read_to_string(r.path().join("tenants.toml")).unwrap();
    // A namespace added and a setting changed...
    let grown = cfg
        .replacen(
            "namespaces = [\"checkout\"]",
            "namespaces = [\"checkout\", \"checkout-canary\"]",
            1,
        )
        .replacen(
            "refresh_interval = \"15m\"",
            "refresh_interval = \"20m\"",
            1,
        );
    assert_ne!(
        cfg, grown,
        "the example has a checkout team and a refresh interval"
    );
    std::fs::write(r.path().join("tenants.toml"), &grown).unwrap();
    let out = r.commit(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (line, git) = counted_vs_git(&r);
    assert!(
        !git.contains(" 0 added") && !git.contains(" 0 changed"),
        "{git}"
    );
    assert_eq!(line, git);
    // ...then removed again.
    std::fs::write(r.path().join("tenants.toml"), &cfg).unwrap();
    let out = r.commit(&[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let (line, git) = counted_vs_git(&r);
    assert!(!git.contains(" 0 removed"), "{git}");
    assert_eq!(line, git);
    fsck(r.path(), r.home.path());
}

#[test]
fn identity_comes_from_flags_then_environment_then_config() {
    let r = Repo::new();
    let out = r.esogen(&["generate", "--commit"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("no commit identity"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        !r.path().join("overlays").exists(),
        "nothing written without an identity"
    );

    r.git(&["config", "user.name", "From Config"]);
    r.git(&["config", "user.email", "config@example.com"]);
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_esogen"));
    base_env(&mut cmd, r.home.path());
    let out = cmd
        .args(["generate", "--commit"])
        .env("GIT_AUTHOR_NAME", "From Env")
        .env("GIT_AUTHOR_EMAIL", "env@example.com")
        .current_dir(r.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        r.git(&["log", "-1", "--format=%an <%ae> / %cn <%ce>"])
            .trim(),
        "From Env <env@example.com> / From Config <config@example.com>"
    );

    shrink_search(&r);
    let out = r.esogen(&["generate", "--commit"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        r.git(&["log", "-1", "--format=%an <%ae>"]).trim(),
        "From Config <config@example.com>"
    );

    let bad = r.esogen(&["generate", "--commit", "--author", "nobody"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(text(&bad.stderr).contains("Name <email>"));
}

#[test]
fn branch_mode_leaves_worktree_index_and_head_alone() {
    let r = Repo::new();
    std::fs::write(r.path().join("README"), "app\n").unwrap();
    r.git(&["add", "README"]);
    r.git(&["commit", "-q", "-m", "app"]);
    let head = r.git(&["rev-parse", "HEAD"]);
    let index_before = std::fs::read(r.path().join(".git/index")).unwrap();

    let out = r.commit(&["--branch", "gitops"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(r.git(&["rev-parse", "HEAD"]), head);
    assert_eq!(
        std::fs::read(r.path().join(".git/index")).unwrap(),
        index_before
    );
    assert!(
        !r.path().join("overlays").exists(),
        "working tree untouched"
    );
    assert_eq!(r.git(&["status", "--porcelain"]), "?? tenants.toml\n");
    let k = r.git(&["show", "gitops:overlays/payments/kustomization.yaml"]);
    assert!(k.contains("namespace: payments"));
    assert_eq!(r.count("gitops"), 1);

    let again = r.commit(&["--branch", "gitops"]);
    assert!(text(&again.stdout).contains("nothing to commit"));
    assert_eq!(r.count("gitops"), 1);

    shrink_search(&r);
    assert_eq!(r.commit(&["--branch", "gitops"]).status.code(), Some(0));
    let tree = r.git(&["ls-tree", "-r", "--name-only", "gitops"]);
    assert!(
        !tree.contains("overlays/search/") && tree.contains("overlays/search-indexer/"),
        "{tree}"
    );
    assert_eq!(r.count("gitops"), 2);
    fsck(r.path(), r.home.path());
}

#[test]
fn push_to_a_bare_remote_over_file_url_and_refuse_non_fast_forward() {
    let r = Repo::new();
    let remote = tempfile::tempdir().unwrap();
    git_in(
        remote.path(),
        r.home.path(),
        &["init", "-q", "--bare", "-b", "main"],
    );
    let url = format!("file://{}", remote.path().display());

    let out = r.commit(&["--push", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let local = r.git(&["rev-parse", "HEAD"]);
    let pushed = git_in(
        remote.path(),
        r.home.path(),
        &["rev-parse", "refs/heads/main"],
    );
    assert_eq!(local, pushed);

    // Someone else pushes first: our next push is not a fast-forward.
    let other = tempfile::tempdir().unwrap();
    git_in(other.path(), r.home.path(), &["clone", "-q", &url, "."]);
    std::fs::write(other.path().join("x"), "x\n").unwrap();
    git_in(other.path(), r.home.path(), &["add", "x"]);
    git_in(
        other.path(),
        r.home.path(),
        &["commit", "-q", "-m", "other"],
    );
    git_in(
        other.path(),
        r.home.path(),
        &["push", "-q", "origin", "main"],
    );
    let remote_tip = git_in(
        remote.path(),
        r.home.path(),
        &["rev-parse", "refs/heads/main"],
    );

    shrink_search(&r);
    let out = r.commit(&["--push", &url]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let err = text(&out.stderr);
    assert!(
        err.contains("rejected") || err.contains("fast-forward"),
        "{err}"
    );
    assert!(err.contains("never forces"), "{err}");
    assert!(err.contains("fetch and merge"), "{err}");
    assert_eq!(
        git_in(
            remote.path(),
            r.home.path(),
            &["rev-parse", "refs/heads/main"]
        ),
        remote_tip,
        "remote untouched"
    );
    fsck(remote.path(), r.home.path());
}

struct Daemon(Child);

impl Drop for Daemon {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A `git daemon` on 127.0.0.1 serving (and accepting pushes to) the
/// repositories under `base`, and its port.
fn start_daemon(base: &Path, home: &Path) -> (Daemon, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // `git-daemon` itself, not `git daemon`: the `git` wrapper runs the
    // daemon as its child, and killing the wrapper left the daemon behind.
    let exec_path = git_in(base, home, &["--exec-path"]);
    let mut cmd = Command::new(Path::new(exec_path.trim()).join("git-daemon"));
    base_env(&mut cmd, home);
    let child = cmd
        .args([
            "--reuseaddr",
            "--export-all",
            "--enable=receive-pack",
            "--listen=127.0.0.1",
            &format!("--port={port}"),
            &format!("--base-path={}", base.display()),
        ])
        .arg(base)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("git daemon starts");
    let daemon = Daemon(child);
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "git daemon did not listen");
        std::thread::sleep(Duration::from_millis(50));
    }
    (daemon, port)
}

#[test]
fn push_to_a_real_git_daemon_on_loopback() {
    let r = Repo::new();
    let base = tempfile::tempdir().unwrap();
    git_in(
        base.path(),
        r.home.path(),
        &["init", "-q", "--bare", "-b", "main", "gitops.git"],
    );
    let (daemon, port) = start_daemon(base.path(), r.home.path());
    let url = format!("git://127.0.0.1:{port}/gitops.git");
    let out = r.commit(&["--push", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("pushed `main`"));
    // The test leaves no daemon behind.
    drop(daemon);
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "git daemon still listens after the test"
    );
    let bare = base.path().join("gitops.git");
    assert_eq!(
        git_in(&bare, r.home.path(), &["rev-parse", "refs/heads/main"]),
        r.git(&["rev-parse", "HEAD"])
    );
    let log = git_in(&bare, r.home.path(), &["log", "--format=%s", "main"]);
    assert_eq!(log, "esogen: add checkout, payments, search\n");
    fsck(&bare, r.home.path());
}

#[test]
fn two_concurrent_commits_both_finish_cleanly() {
    for _ in 0..3 {
        let r = Repo::new();
        let spawn = || {
            let mut cmd = Command::new(env!("CARGO_BIN_EXE_esogen"));
            base_env(&mut cmd, r.home.path());
            cmd.args([
                "generate",
                "--commit",
                "--author",
                "CI Bot <ci@example.com>",
            ])
            .current_dir(r.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
        for o in [&a, &b] {
            assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
        }
        let outs = format!("{}{}", text(&a.stdout), text(&b.stdout));
        assert_eq!(outs.matches("committed").count(), 1, "{outs}");
        assert_eq!(outs.matches("nothing to commit").count(), 1, "{outs}");
        assert_eq!(r.count("HEAD"), 1);
        assert_eq!(r.git(&["status", "--porcelain"]), "");
        fsck(r.path(), r.home.path());
    }
}

#[test]
fn commit_outside_a_repository_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo_root().join("tenants.toml"),
        dir.path().join("tenants.toml"),
    )
    .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_esogen"));
    base_env(&mut cmd, home.path());
    let out = cmd
        .args(["generate", "--commit", "--author", "A <a@b>"])
        .env("GIT_CEILING_DIRECTORIES", dir.path().parent().unwrap())
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not inside a git repository"),
        "{}",
        text(&out.stderr)
    );
}

/// Issue 14, item 8: a detached HEAD silently committed on `main`; branch
/// names git refuses (`HEAD`, `-x`) were created; `--branch` naming the
/// checked-out branch moved it under the working tree. Each is refused
/// before anything is written or committed.
#[test]
fn issue_14_detached_head_bad_branch_names_and_the_checked_out_branch_are_refused() {
    let r = Repo::new();
    assert_eq!(r.commit(&[]).status.code(), Some(0));
    // Something to commit next time.
    std::fs::write(
        r.path().join("tenants.toml"),
        std::fs::read_to_string(r.path().join("tenants.toml"))
            .unwrap()
            .replace("refresh_interval = \"15m\"", "refresh_interval = \"20m\""),
    )
    .unwrap();
    r.git(&["add", "tenants.toml"]);
    r.git(&["commit", "-q", "-m", "tenants: stripe refresh"]);
    let head = r.git(&["rev-parse", "HEAD"]);
    let refs_before = r.git(&["for-each-ref"]);
    r.git(&["checkout", "-q", "--detach"]);
    for (args, what) in [
        (vec![], "detached"),
        (vec!["--branch", "HEAD"], "HEAD"),
        (vec!["--branch=-x"], "-x"),
        (vec!["--branch", "a..b"], "a..b"),
    ] {
        let out = r.commit(&args);
        assert_eq!(out.status.code(), Some(2), "{what}: {}", text(&out.stderr));
        assert_eq!(
            r.git(&["for-each-ref"]),
            refs_before,
            "{what}: no ref moved"
        );
        assert_eq!(r.git(&["rev-parse", "HEAD"]), head, "{what}: HEAD stays");
    }
    r.git(&["checkout", "-q", "main"]);
    let out = r.commit(&["--branch", "main"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("checked-out branch"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(r.git(&["for-each-ref"]), refs_before);
    assert_eq!(
        r.git(&["status", "--porcelain", "--untracked-files=no"]),
        ""
    );
}

/// The refs of `dir`, one `name sha` a line.
fn refs(dir: &Path, home: &Path) -> String {
    git_in(
        dir,
        home,
        &["for-each-ref", "--format=%(refname) %(objectname)"],
    )
}

/// Issue 14, item 8: esogen commits on whichever branch is checked out,
/// born or unborn, whatever `init.defaultBranch` named it, and pushes that
/// branch; it never assumes `main`.
#[test]
fn issue_14_commits_and_pushes_the_checked_out_branch_whatever_its_name() {
    for (init, branch, first_commit) in [
        (&["init", "-q", "-b", "master"][..], "master", false),
        (
            &["-c", "init.defaultBranch=trunk", "init", "-q"],
            "trunk",
            false,
        ),
        (&["init", "-q", "-b", "trunk"], "trunk", true),
        (&["init", "-q", "-b", "release/2024"], "release/2024", true),
    ] {
        let r = Repo::init(init);
        if first_commit {
            std::fs::write(r.path().join("README"), "app\n").unwrap();
            r.git(&["add", "README"]);
            r.git(&["commit", "-q", "-m", "app"]);
        }
        let out = r.commit(&[]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{branch}: {}",
            text(&out.stderr)
        );
        assert!(
            text(&out.stdout).contains(&format!("on `{branch}`")),
            "{branch}: {}",
            text(&out.stdout)
        );
        assert_eq!(
            r.git(&["symbolic-ref", "HEAD"]).trim(),
            format!("refs/heads/{branch}")
        );
        let head = r.git(&["rev-parse", "HEAD"]);
        assert_eq!(
            refs(r.path(), r.home.path()),
            format!("refs/heads/{branch} {head}"),
            "{branch}: only the checked-out branch, no `main`"
        );
        assert_eq!(r.count("HEAD"), 1 + usize::from(first_commit));
        assert_eq!(r.git(&["status", "--porcelain"]), "", "{branch}");

        let remote = tempfile::tempdir().unwrap();
        git_in(
            remote.path(),
            r.home.path(),
            &["init", "-q", "--bare", "-b", "main"],
        );
        let url = format!("file://{}", remote.path().display());
        let out = r.commit(&["--push", &url]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{branch}: {}",
            text(&out.stderr)
        );
        assert!(text(&out.stdout).contains(&format!("pushed `{branch}`")));
        assert_eq!(
            refs(remote.path(), r.home.path()),
            format!("refs/heads/{branch} {head}")
        );
        fsck(r.path(), r.home.path());
    }
}

/// Issue 14, item 8: `--branch` in a repository without a single commit
/// creates that branch and leaves the unborn checked-out branch, the index
/// and the working tree alone; `--branch` naming the unborn checked-out
/// branch is refused like a born one.
#[test]
fn issue_14_branch_mode_in_a_repository_without_commits() {
    let r = Repo::init(&["init", "-q", "-b", "master"]);
    let out = r.commit(&["--branch", "master"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("`master` is the checked-out branch"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(refs(r.path(), r.home.path()), "");

    let out = r.commit(&["--branch", "gitops"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("on `gitops`"));
    let tip = r.git(&["rev-parse", "gitops"]);
    assert_eq!(
        refs(r.path(), r.home.path()),
        format!("refs/heads/gitops {tip}")
    );
    assert_eq!(r.git(&["symbolic-ref", "HEAD"]).trim(), "refs/heads/master");
    assert!(!r.path().join(".git/index").exists(), "nothing staged");
    assert!(
        !r.path().join("overlays").exists(),
        "working tree untouched"
    );
    assert!(
        r.git(&["show", "gitops:overlays/payments/kustomization.yaml"])
            .contains("namespace: payments")
    );
    fsck(r.path(), r.home.path());
}

/// Issue 14, item 8: a HEAD that names no branch (detached, or a symbolic
/// reference to a remote-tracking ref) in a repository without `main` ended
/// with libgit2's "reference 'refs/heads/main' not found" after writing and
/// staging the tree. Now it is refused before anything is written, saying
/// what HEAD points at.
#[test]
fn issue_14_a_head_that_names_no_branch_is_refused_before_writing() {
    let r = Repo::init(&["init", "-q", "-b", "trunk"]);
    std::fs::write(r.path().join("README"), "app\n").unwrap();
    r.git(&["add", "README"]);
    r.git(&["commit", "-q", "-m", "app"]);
    r.git(&["update-ref", "refs/remotes/origin/x", "HEAD"]);
    let refs_before = refs(r.path(), r.home.path());
    for (setup, expected) in [
        (
            &["symbolic-ref", "HEAD", "refs/remotes/origin/x"][..],
            "HEAD points at `refs/remotes/origin/x`, which is not a branch",
        ),
        (&["checkout", "-q", "--detach", "trunk"], "HEAD is detached"),
    ] {
        r.git(setup);
        let out = r.commit(&[]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(expected), "{err}");
        assert!(!err.contains("refs/heads/main"), "{err}");
        assert!(!r.path().join("overlays").exists(), "nothing written");
        assert_eq!(r.git(&["status", "--porcelain"]), "?? tenants.toml\n");
        assert_eq!(refs(r.path(), r.home.path()), refs_before);
    }
}

/// Issue 14, item 8: a branch checked out in another working tree of the
/// repository (`git worktree add`) is refused for `--branch` as the current
/// one is: moving it would leave that working tree's index staging the
/// deletion of the whole generated tree.
#[test]
fn issue_14_branch_checked_out_in_another_worktree_is_refused() {
    let r = Repo::new();
    std::fs::write(r.path().join("README"), "app\n").unwrap();
    r.git(&["add", "README"]);
    r.git(&["commit", "-q", "-m", "app"]);
    let other = tempfile::tempdir().unwrap();
    let linked = other.path().join("linked");
    r.git(&[
        "worktree",
        "add",
        "-q",
        "-b",
        "other",
        &linked.display().to_string(),
    ]);
    std::fs::copy(r.path().join("tenants.toml"), linked.join("tenants.toml")).unwrap();
    let refs_before = refs(r.path(), r.home.path());
    let args = |branch| {
        vec![
            "generate",
            "--commit",
            "--author",
            "CI Bot <ci@example.com>",
            "--branch",
            branch,
        ]
    };
    for (dir, branch) in [(r.path(), "other"), (linked.as_path(), "main")] {
        let out = r.esogen_in(dir, &args(branch), &[]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{branch}: {err}");
        assert!(
            err.contains(&format!("`{branch}` is checked out in the working tree")),
            "{err}"
        );
        assert_eq!(refs(r.path(), r.home.path()), refs_before, "{branch}");
    }
    // Another branch, from the linked working tree, is fine, and both
    // working trees stay clean.
    let out = r.esogen_in(&linked, &args("gitops"), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        r.git(&["status", "--porcelain", "--untracked-files=no"]),
        ""
    );
    assert_eq!(
        git_in(
            &linked,
            r.home.path(),
            &["status", "--porcelain", "--untracked-files=no"]
        ),
        ""
    );
}

/// A bare repository `<dir>/gitops.git` whose pre-receive hook prints a
/// line on stdout and one on stderr and refuses every push.
fn bare_with_refusing_hook(dir: &Path, home: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    git_in(
        dir,
        home,
        &["init", "-q", "--bare", "-b", "main", "gitops.git"],
    );
    let bare = dir.join("gitops.git");
    let hook = bare.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\necho 'policy: pushes to main need ticket ESO-1'\necho 'ask #platform' >&2\nexit 1\n",
    )
    .unwrap();
    std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    bare
}

fn assert_hook_refusal(out: &Output) {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("pre-receive hook declined"), "{err}");
    assert!(
        err.contains("remote: policy: pushes to main need ticket ESO-1")
            && err.contains("remote: ask #platform"),
        "the hook's own words: {err}"
    );
    assert!(!err.contains("fetch and merge"), "{err}");
    assert!(!err.contains("fast-forward"), "{err}");
}

/// Issue 14, item 9: libgit2's local transport runs none of the remote's
/// hooks, so a push to a `file://` remote (or a path, or a remote whose URL
/// is one) its pre-receive hook refuses succeeded. Such pushes go through
/// `git push`: refused, with the hook's words; accepted once the hook
/// allows it, with what the remote said.
#[test]
fn issue_14_push_to_a_local_remote_runs_its_hooks() {
    use std::os::unix::fs::PermissionsExt;
    let r = Repo::new();
    let dir = tempfile::tempdir().unwrap();
    let bare = bare_with_refusing_hook(dir.path(), r.home.path());
    r.git(&["remote", "add", "origin", &bare.display().to_string()]);
    let url = format!("file://{}", bare.display());
    for remote in [url.as_str(), &bare.display().to_string(), "origin"] {
        let out = r.commit(&["--push", remote]);
        assert_hook_refusal(&out);
        assert_eq!(refs(&bare, r.home.path()), "", "{remote}: nothing pushed");
        assert_eq!(r.count("main"), 1, "{remote}: the commit stays");
    }
    std::fs::remove_file(bare.join("hooks/pre-receive")).unwrap();
    let notice = bare.join("hooks/post-receive");
    std::fs::write(&notice, "#!/bin/sh\necho 'deploy queued'\n").unwrap();
    std::fs::set_permissions(&notice, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = r.commit(&["--push", "origin"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("remote: deploy queued"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        refs(&bare, r.home.path()),
        format!("refs/heads/main {}", r.git(&["rev-parse", "HEAD"]))
    );
    fsck(&bare, r.home.path());
}

/// Issue 14, item 9: without the `git` command a push to a local remote
/// would skip its hooks, so esogen refuses it (the commit is kept). The
/// refusal names the remote without the credential its URL carries.
#[test]
fn issue_14_push_to_a_local_remote_without_git_is_refused() {
    let r = Repo::new();
    let dir = tempfile::tempdir().unwrap();
    let bare = bare_with_refusing_hook(dir.path(), r.home.path());
    let url = format!("file://someone:s3cr3t-T0KEN@{}", bare.display());
    let empty = tempfile::tempdir().unwrap();
    let out = r.esogen_in(
        r.path(),
        &[
            "generate",
            "--commit",
            "--author",
            "CI Bot <ci@example.com>",
            "--push",
            &url,
        ],
        &[("PATH", empty.path())],
    );
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("would skip its hooks"), "{err}");
    assert!(err.contains("install git"), "{err}");
    assert!(!err.contains("s3cr3t-T0KEN"), "{err}");
    assert_eq!(refs(&bare, r.home.path()), "", "nothing pushed");
    assert_eq!(r.count("main"), 1, "the commit stays");
}

/// Issue 14, item 9: a `git://` push refused by the remote's pre-receive
/// hook was reported with "fetch and merge"; now with the hook's words.
/// A push that is not a fast-forward still gets that advice.
#[test]
fn issue_14_git_daemon_hook_rejection_says_what_the_remote_said() {
    let r = Repo::new();
    let base = tempfile::tempdir().unwrap();
    let bare = bare_with_refusing_hook(base.path(), r.home.path());
    let (_daemon, port) = start_daemon(base.path(), r.home.path());
    let url = format!("git://127.0.0.1:{port}/gitops.git");
    let out = r.commit(&["--push", &url]);
    assert_hook_refusal(&out);
    assert_eq!(refs(&bare, r.home.path()), "", "nothing pushed");

    std::fs::remove_file(bare.join("hooks/pre-receive")).unwrap();
    let out = r.commit(&["--push", &url]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    // Someone else pushes first: the next push is not a fast-forward.
    let other = tempfile::tempdir().unwrap();
    git_in(other.path(), r.home.path(), &["clone", "-q", &url, "."]);
    std::fs::write(other.path().join("x"), "x\n").unwrap();
    git_in(other.path(), r.home.path(), &["add", "x"]);
    git_in(
        other.path(),
        r.home.path(),
        &["commit", "-q", "-m", "other"],
    );
    git_in(
        other.path(),
        r.home.path(),
        &["push", "-q", "origin", "main"],
    );
    let remote_tip = refs(&bare, r.home.path());
    shrink_search(&r);
    let out = r.commit(&["--push", &url]);
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("not a fast-forward"), "{err}");
    assert!(err.contains("fetch and merge"), "{err}");
    assert_eq!(refs(&bare, r.home.path()), remote_tip, "remote untouched");
}

/// Issue 16 item 3: offboarding a team whose provider side a controller
/// applies is one commit that removes its objects (Argo CD / Flux prune
/// them) and whose message says what access is revoked and how.
#[test]
fn offboarding_commits_say_which_access_is_revoked() {
    let r = Repo::new();
    let text = std::fs::read_to_string(repo_root().join("examples/aws-ack/tenants.toml"))
        .unwrap()
        // One team left must keep its own SecretStore (Option A).
        .replace(
            "platform = \"eks\"\n",
            "platform = \"eks\"\nstore_scope = \"namespace\"\n",
        );
    std::fs::write(r.path().join("tenants.toml"), &text).unwrap();
    let out = r.commit(&[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = r.git(&["ls-tree", "-r", "--name-only", "HEAD"]);
    assert!(files.contains("bases/access/billing.sm.yaml"), "{files}");
    // The second team (billing) leaves.
    let cut = text.rfind("[[teams]]").unwrap();
    std::fs::write(r.path().join("tenants.toml"), &text[..cut]).unwrap();
    let out = r.commit(&[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let files = r.git(&["ls-tree", "-r", "--name-only", "HEAD"]);
    assert!(!files.contains("bases/access/billing."), "{files}");
    assert!(files.contains("bases/access/orders.sm.yaml"), "{files}");
    let msg = r.git(&["log", "-1", "--format=%B"]);
    assert!(
        msg.lines().next().unwrap().contains("remove billing"),
        "{msg}"
    );
    assert!(
        msg.contains(
            "Access revoked:\n- billing (store sm): its controller objects are pruned on sync, and the controller deletes the role or binding\n"
        ),
        "{msg}"
    );
}

/// Issue 18: esogen rewrites the index itself. After git wrote it (with
/// its cache of tree ids, and once in format 4, which esogen leaves to
/// libgit2), a one-team commit leaves an index from which git builds
/// exactly the committed tree, and a clean status.
#[test]
fn issue_18_the_index_esogen_writes_is_the_one_git_expects() {
    for version in ["2", "4"] {
        let r = Repo::new();
        assert_eq!(r.commit(&[]).status.code(), Some(0));
        // git writes the index with a valid cache tree for every directory.
        std::fs::write(r.path().join("notes.txt"), "mine\n").unwrap();
        r.git(&["add", "notes.txt"]);
        r.git(&["update-index", "--index-version", version]);
        r.git(&["commit", "-q", "-m", "notes"]);
        let cfg = std::fs::read_to_string(r.path().join("tenants.toml")).unwrap();
        let edited = cfg.replacen(
            "refresh_interval = \"15m\"",
            "refresh_interval = \"20m\"",
            1,
        );
        std::fs::write(r.path().join("tenants.toml"), &edited).unwrap();
        let out = r.commit(&[]);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(r.count("HEAD"), 3);
        assert_eq!(
            r.git(&["write-tree"]),
            r.git(&["rev-parse", "HEAD^{tree}"]),
            "index format {version}"
        );
        assert_eq!(r.git(&["status", "--porcelain"]), "");
        assert_eq!(r.git(&["diff", "--cached", "--stat"]), "");
        fsck(r.path(), r.home.path());
    }
}
