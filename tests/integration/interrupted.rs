//! Interrupted runs: a `generate` killed (or out of space) at any step of
//! writing leaves a tree the next run brings to exactly what a clean run
//! writes — no orphan namespace folders, no temporary files, no "up to date"
//! over a half-written tree. Written files keep the user's umask.
//!
//! The binary's debug build reads `ESOGEN_TEST_FAULT=abort:N` (the process
//! dies at file operation N, as under `kill -9`: no destructor runs) or
//! `enospc:N` (operation N fails with "no space left on device"). Every
//! operation counts, on every writer thread, so the parallel write path is
//! cut at each of its steps too.

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;

use crate::common::text;

/// Every file under `dir` except the local cache (whose mtimes differ), by
/// relative path: temporary files and the journal count.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap_or_default())
        })
        .filter(|(rel, _)| rel != ".esogen/cache.bin")
        .collect()
}

fn generate(dir: &Path, config: &str, fault: Option<String>, umask: &str) -> std::process::Output {
    std::fs::write(dir.join("tenants.toml"), config).unwrap();
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(format!("umask {umask} && exec \"$0\" generate"))
        .arg(env!("CARGO_BIN_EXE_esogen"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("ESOGEN_TEST_FAULT");
    if let Some(f) = fault {
        // The out-of-space runs also take the portable file-system path
        // (`sync::fsys`), the one macOS and Windows builds use.
        if f.starts_with("enospc") {
            cmd.env("ESOGEN_PORTABLE_FS", "1");
        }
        cmd.env("ESOGEN_TEST_FAULT", f);
    }
    cmd.output().unwrap()
}

const BEFORE: &str = r#"version = 1
[cluster]
name = "c"
platform = "eks"
store_scope = "namespace"
gitops = "argocd"
repo_url = "https://git.example.com/platform.git"
[providers.aws]
kind = "aws-secrets-manager"
region = "eu-west-1"
account_id = "123456789012"
oidc_provider = "oidc.eks.eu-west-1.amazonaws.com/id/X"
[[teams]]
name = "pay"
provider = "aws"
prefix = "pay/"
namespaces = ["pay", "pay-batch"]
[[teams.secrets]]
name = "db"
key = "pay/db"
[[teams]]
name = "search"
provider = "aws"
prefix = "search/"
namespaces = ["search"]
[[teams.secrets]]
name = "os"
key = "search/os"
"#;

/// `search` offboarded, `ledger` onboarded with three namespaces, `pay`
/// changed: files are added, changed and removed.
fn after() -> String {
    BEFORE
        .replace("key = \"pay/db\"", "key = \"pay/database\"")
        .replace(
            "[[teams]]\nname = \"search\"",
            "[[teams]]\nname = \"ledger\"\nprovider = \"aws\"\nprefix = \"ledger/\"\nnamespaces = [\"ledger\", \"ledger-eu\", \"ledger-us\"]\n[[teams.secrets]]\nname = \"books\"\nkey = \"ledger/books\"\n[[teams]]\nname = \"search\"",
        )
        .replace(
            "[[teams]]\nname = \"search\"\nprovider = \"aws\"\nprefix = \"search/\"\nnamespaces = [\"search\"]\n[[teams.secrets]]\nname = \"os\"\nkey = \"search/os\"\n",
            "",
        )
}

/// A copy of `dir` with its mtimes (`cp -a`), so the local cache in it still
/// vouches for its files.
fn copy_of(dir: &Path) -> tempfile::TempDir {
    let ws = tempfile::tempdir().unwrap();
    let copied = Command::new("cp")
        .arg("-a")
        .arg(dir.join("."))
        .arg(ws.path())
        .status()
        .unwrap();
    assert!(copied.success());
    ws
}

fn clean_tree(config: &str) -> BTreeMap<String, Vec<u8>> {
    let ws = tempfile::tempdir().unwrap();
    let out = generate(ws.path(), config, None, "022");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    snapshot(ws.path())
}

#[test]
fn a_run_killed_at_any_step_converges_on_the_next_run() {
    converges_after_a_fault("abort");
}

#[test]
fn a_run_out_of_space_at_any_step_converges_on_the_next_run() {
    converges_after_a_fault("enospc");
}

fn converges_after_a_fault(mode: &str) {
    let after = after();
    assert!(!after.contains("search") && after.contains("ledger-us"));
    let clean_before = clean_tree(BEFORE);
    let clean_after = clean_tree(&after);
    // The tree (and local cache) a finished run of the old config left;
    // copied with its mtimes, so the cache still vouches for it.
    let base = tempfile::tempdir().unwrap();
    let first = generate(base.path(), BEFORE, None, "022");
    assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
    {
        let mut step = 1;
        loop {
            let ws = copy_of(base.path());
            let cut = generate(ws.path(), &after, Some(format!("{mode}:{step}")), "022");
            if cut.status.success() {
                // The run has fewer steps than `step`: every one was cut.
                assert_eq!(snapshot(ws.path()), clean_after);
                break;
            }
            match mode {
                "abort" => assert_eq!(
                    cut.status.signal(),
                    Some(6),
                    "step {step}: {}",
                    text(&cut.stderr)
                ),
                _ => assert!(
                    text(&cut.stderr).contains("No space left on device"),
                    "step {step}: {}",
                    text(&cut.stderr)
                ),
            }
            // The next run goes on with the new config, or with the old one
            // (the pull request was abandoned): both must converge.
            let (config, want) = if (step + usize::from(mode == "abort")) % 2 == 0 {
                (after.as_str(), &clean_after)
            } else {
                (BEFORE, &clean_before)
            };
            let next = generate(ws.path(), config, None, "022");
            assert_eq!(
                next.status.code(),
                Some(0),
                "{mode} at step {step}: {}",
                text(&next.stderr)
            );
            let got = snapshot(ws.path());
            let extra: Vec<&String> = got.keys().filter(|k| !want.contains_key(*k)).collect();
            let missing: Vec<&String> = want.keys().filter(|k| !got.contains_key(*k)).collect();
            let differ: Vec<&String> = want
                .iter()
                .filter(|(k, v)| got.get(*k).is_some_and(|g| g != *v))
                .map(|(k, _)| k)
                .collect();
            assert!(
                extra.is_empty() && missing.is_empty() && differ.is_empty(),
                "{mode} at step {step}, next run with the {} config: extra {extra:?}, missing {missing:?}, different {differ:?}\n{}",
                if config == BEFORE { "old" } else { "new" },
                text(&next.stdout)
            );
            // Finished is finished: the run after it, with a change, finds
            // no interrupted run and no stray (the leftovers were dropped
            // from the listings the cache keeps, not only from the disk).
            let other = if config == BEFORE {
                after.as_str()
            } else {
                BEFORE
            };
            let later = generate(ws.path(), other, None, "022");
            let said = format!("{}{}", text(&later.stdout), text(&later.stderr));
            assert!(
                later.status.success()
                    && !said.contains("interrupted")
                    && !said.contains("not generated by esogen"),
                "{mode} at step {step}, the run after the next one: {said}"
            );
            step += 1;
            assert!(step < 2000, "the run never finished");
        }
        eprintln!("{mode}: {step} steps");
        // Journal, temporary files, every written file, the record, every
        // removal: far more than a handful of steps were cut.
        assert!(step > 40, "{mode}: only {step} steps");
    }
}

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn written_files_keep_the_users_umask() {
    let ws = tempfile::tempdir().unwrap();
    let out = generate(ws.path(), BEFORE, None, "022");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let es = ws.path().join("overlays/pay/externalsecret-db.yaml");
    let record = ws.path().join(".esogen/owned-files.json");
    assert_eq!(mode(&es), 0o644);
    assert_eq!(mode(&record), 0o644);
    // Rewritten under another umask: the new umask, never 0600.
    let out = generate(
        ws.path(),
        &BEFORE
            .replace("key = \"pay/db\"", "key = \"pay/database\"")
            .replace("\"pay-batch\"]", "\"pay-batch\", \"pay-eu\"]"),
        None,
        "027",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(mode(&es), 0o640);
    assert_eq!(mode(&record), 0o640);
    assert_eq!(
        mode(&ws.path().join("overlays/pay-eu/externalsecret-db.yaml")),
        0o640
    );
}

/// `generate --commit` cut at a file operation: the next `--commit` (of
/// the new config, or of the old one) leaves a clean working tree and a
/// HEAD tree identical to the one a clean run commits.
#[test]
fn a_commit_killed_at_any_step_converges_on_the_next_commit() {
    let git = |dir: &Path, args: &[&str]| {
        let out = Command::new("git")
            .args(args)
            .current_dir(dir)
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
        text(&out.stdout).trim().to_owned()
    };
    let commit = |dir: &Path, config: &str, fault: Option<String>| {
        std::fs::write(dir.join("tenants.toml"), config).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_esogen"));
        cmd.args(["generate", "--commit", "--author", "CI <ci@example.com>"])
            .args(["--committer", "CI <ci@example.com>"])
            .current_dir(dir)
            .env("NO_COLOR", "1")
            .env_remove("ESOGEN_TEST_FAULT");
        if let Some(f) = fault {
            cmd.env("ESOGEN_TEST_FAULT", f);
        }
        cmd.output().unwrap()
    };
    let fresh_repo = |config: &str| {
        let ws = tempfile::tempdir().unwrap();
        git(ws.path(), &["init", "-q", "-b", "main"]);
        let out = commit(ws.path(), config, None);
        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        ws
    };
    let after = after();
    let tree_of = |config: &str| {
        let ws = fresh_repo(config);
        git(ws.path(), &["rev-parse", "HEAD^{tree}"])
    };
    let (clean_before, clean_after) = (tree_of(BEFORE), tree_of(&after));
    let base = fresh_repo(BEFORE);
    let mut step = 1;
    loop {
        let ws = copy_of(base.path());
        let cut = commit(ws.path(), &after, Some(format!("abort:{step}")));
        if cut.status.success() {
            assert_eq!(git(ws.path(), &["rev-parse", "HEAD^{tree}"]), clean_after);
            break;
        }
        assert_eq!(
            cut.status.signal(),
            Some(6),
            "step {step}: {}",
            text(&cut.stderr)
        );
        let (config, want) = if step % 2 == 0 {
            (after.as_str(), &clean_after)
        } else {
            (BEFORE, &clean_before)
        };
        let next = commit(ws.path(), config, None);
        assert_eq!(
            next.status.code(),
            Some(0),
            "step {step}: {}",
            text(&next.stderr)
        );
        assert_eq!(
            &git(ws.path(), &["rev-parse", "HEAD^{tree}"]),
            want,
            "step {step}: {}",
            text(&next.stdout)
        );
        assert_eq!(
            git(
                ws.path(),
                &["status", "--porcelain", "--untracked-files=all"]
            ),
            "",
            "step {step}: the working tree is clean"
        );
        // Every third operation (the file-level tests above cut at every
        // one); the parity of the step alternates the next config.
        step += 3;
        assert!(step < 2000, "the run never finished");
    }
    assert!(step > 40, "only {step} steps");
}
