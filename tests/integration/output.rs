//! How much a run prints and in which shape (issue 17, item 9): `-q` and
//! `-v`, the plan line before writing, `--format json` of `generate`,
//! `diff` and `explain`, a status line on a terminal only, and a reader
//! that closes the pipe early.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use expectrl::Expect;
use serde_json::Value;

use crate::common::{AWS_HEAD, esogen, example_repository as workspace, text};

/// `count` teams of one namespace each, every team its own prefix.
fn many_teams(count: usize) -> String {
    let mut config = AWS_HEAD.to_owned();
    for i in 0..count {
        config.push_str(&format!(
            "[[teams]]\nname = \"t{i}\"\nprovider = \"aws\"\nprefix = \"prod/t{i}/\"\nnamespaces = [\"t{i}\"]\n\
             [[teams.secrets]]\nname = \"db\"\nkey = \"prod/t{i}/db\"\n"
        ));
    }
    config
}

fn json(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)))
}

fn rename_namespace(dir: &Path, from: &str, to: &str) {
    let path = dir.join("tenants.toml");
    let config = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, config.replace(from, to)).unwrap();
}

#[test]
fn the_plan_line_comes_before_the_result() {
    let ws = workspace();
    let out = esogen(&["generate"], ws.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines[0],
        "plan: add teams checkout, payments, search (files: 53 to add, 0 to change, 0 to remove)"
    );
    assert!(lines[1].starts_with("generated 5 namespaces"), "{stdout}");
    // Offboarding a namespace names its team as changed.
    rename_namespace(ws.path(), "\"search-indexer\"", "\"search-idx\"");
    let out = esogen(&["generate"], ws.path());
    assert!(
        text(&out.stdout).starts_with("plan: update team search (files: "),
        "{}",
        text(&out.stdout)
    );
    // Nothing to do: no plan line.
    let again = esogen(&["generate"], ws.path());
    assert!(!text(&again.stdout).contains("plan:"));
    // One key of one team: the ownership record stays as it is (same
    // files, same namespaces), and the team is named as changed, not every
    // team as added.
    rename_namespace(
        ws.path(),
        "prod/search/opensearch",
        "prod/search/opensearch-v2",
    );
    let out = esogen(&["generate"], ws.path());
    assert_eq!(
        text(&out.stdout).lines().next(),
        Some("plan: update team search (files: 0 to add, 2 to change, 0 to remove)"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn quiet_prints_only_what_matters() {
    let ws = workspace();
    let out = esogen(&["generate", "-q"], ws.path());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(text(&out.stderr), "");
    let check = esogen(&["check", "--quiet"], ws.path());
    assert_eq!(
        (text(&check.stdout), text(&check.stderr)),
        (String::new(), String::new())
    );
    // Errors and findings still show.
    std::fs::write(ws.path().join("tenants.toml"), "version = 1\n[cluster]\n").unwrap();
    let bad = esogen(&["generate", "-q"], ws.path());
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        text(&bad.stderr).contains("missing key `name`"),
        "{}",
        text(&bad.stderr)
    );
    // Both at once is a usage error.
    let both = esogen(&["generate", "-q", "-v"], ws.path());
    assert_eq!(both.status.code(), Some(2));
}

#[test]
fn verbose_names_the_file_every_path_and_the_phases() {
    let ws = workspace();
    let out = esogen(&["generate", "-v"], ws.path());
    assert_eq!(out.status.code(), Some(0));
    let err = text(&out.stderr);
    assert!(
        err.contains("tenants file: tenants.toml; output root: ."),
        "{err}"
    );
    assert!(
        err.contains("  added   overlays/payments/kustomization.yaml"),
        "{err}"
    );
    assert!(err.contains("timing: written at"), "{err}");
}

#[test]
fn generate_json_says_what_was_planned_and_done() {
    let ws = workspace();
    let first = esogen(&["generate", "--format", "json"], ws.path());
    assert_eq!(first.status.code(), Some(0));
    let doc = json(&first);
    assert_eq!(doc["version"], 1);
    assert_eq!(doc["command"], "generate");
    assert_eq!(doc["mode"], "write");
    assert_eq!(doc["result"], "written");
    assert_eq!(
        doc["plan"]["teams"]["added"],
        serde_json::json!(["checkout", "payments", "search"])
    );
    let added = doc["files"]["added"].as_array().unwrap();
    assert_eq!(
        added.len(),
        doc["plan"]["files"]["added"].as_u64().unwrap() as usize
    );
    for f in added {
        assert!(ws.path().join(f.as_str().unwrap()).is_file(), "{f}");
    }
    assert_eq!(doc["summary"]["errors"], 0);

    // Unchanged: up to date, no plan (the cache proved it).
    let again = json(&esogen(&["generate", "--format", "json"], ws.path()));
    assert_eq!(again["result"], "up-to-date");
    assert!(
        again.get("plan").is_none(),
        "optional fields are absent, not null"
    );

    // Stale under --check: exit 1, the diff in the document.
    rename_namespace(ws.path(), "\"search-indexer\"", "\"search-idx\"");
    let stale = esogen(&["generate", "--check", "--format", "json"], ws.path());
    assert_eq!(stale.status.code(), Some(1));
    let stale = json(&stale);
    assert_eq!(
        (stale["mode"].clone(), stale["result"].clone()),
        ("check".into(), "stale".into())
    );
    assert!(stale["diff"].as_str().unwrap().contains("search-idx"));
    assert_eq!(
        stale["plan"]["namespaces"]["removed"],
        serde_json::json!(["search-indexer"])
    );

    // diff: the same document shape.
    let diff = esogen(&["diff", "--format", "json"], ws.path());
    assert_eq!(diff.status.code(), Some(1));
    assert_eq!(json(&diff)["command"], "diff");

    // --commit: the commit's id is HEAD's.
    let commit = esogen(&["generate", "--commit", "--format", "json"], ws.path());
    assert_eq!(commit.status.code(), Some(0), "{}", text(&commit.stderr));
    let commit = json(&commit);
    let head = Command::new("git")
        .args(["rev-parse", "HEAD"])
        .current_dir(ws.path())
        .output()
        .unwrap();
    assert_eq!(commit["result"], "committed");
    assert_eq!(
        commit["commit"]["id"].as_str().unwrap(),
        text(&head.stdout).trim()
    );

    // Configuration errors: findings in the document, nothing else.
    std::fs::write(ws.path().join("tenants.toml"), "version = 1\n[cluster]\n").unwrap();
    let invalid = esogen(&["generate", "--format", "json"], ws.path());
    assert_eq!(invalid.status.code(), Some(2));
    let invalid = json(&invalid);
    assert_eq!(invalid["result"], "invalid");
    assert_eq!(invalid["diagnostics"][0]["code"], "missing-key");
    assert!(text(&esogen(&["generate", "--format", "json"], ws.path()).stderr).is_empty());
}

#[test]
fn explain_json_carries_the_decisions() {
    let ws = workspace();
    let out = esogen(&["explain", "payments", "--format", "json"], ws.path());
    assert_eq!(out.status.code(), Some(0));
    let doc = json(&out);
    assert_eq!(doc["result"], "explained");
    let e = &doc["explanation"];
    assert_eq!(e["cluster"]["store_scope"], "namespace");
    let ns = &e["namespaces"][0];
    assert_eq!(
        (ns["namespace"].clone(), ns["team"].clone()),
        ("payments".into(), "payments".into())
    );
    assert_eq!(ns["decisions"][0]["topic"], "store scope");
    assert_eq!(ns["access"]["delivery"], "files");
    assert!(!ns["verify"].as_array().unwrap().is_empty());
    // The text is the same model, rendered.
    let text_out = text(&esogen(&["explain", "payments"], ws.path()).stdout);
    assert!(text_out.contains(ns["decisions"][0]["choice"].as_str().unwrap()));

    let unknown = esogen(&["explain", "paymnts", "--format", "json"], ws.path());
    assert_eq!(unknown.status.code(), Some(2));
    let unknown = json(&unknown);
    assert_eq!(unknown["result"], "unknown-namespace");
    assert_eq!(unknown["unknown"]["suggestion"], "payments");
}

/// A workspace whose tenants.toml is a named pipe: a run blocks reading it
/// until [`feed`] writes the configuration, so it lasts as long as the
/// test wants, whatever the machine's speed.
fn piped_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let ok = Command::new("mkfifo")
        .arg(dir.path().join("tenants.toml"))
        .status()
        .unwrap();
    assert!(ok.success());
    dir
}

/// Writes the configuration into the pipe after `delay`.
fn feed(dir: &Path, delay: Duration) -> std::thread::JoinHandle<()> {
    let path = dir.join("tenants.toml");
    std::thread::spawn(move || {
        std::thread::sleep(delay);
        std::fs::write(path, many_teams(20)).unwrap();
    })
}

#[test]
fn no_status_line_without_a_terminal() {
    let dir = piped_workspace();
    let writer = feed(dir.path(), Duration::from_millis(1800));
    let out = esogen(&["generate", "--config", "tenants.toml"], dir.path());
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(!text(&out.stderr).contains('\r'), "{}", text(&out.stderr));
}

#[test]
fn a_long_run_on_a_terminal_shows_its_phase_then_erases_it() {
    let dir = piped_workspace();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_esogen"));
    cmd.args(["generate", "--config", "tenants.toml"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    let mut p = expectrl::Session::spawn(cmd).expect("spawn in a pty");
    p.set_expect_timeout(Some(Duration::from_secs(60)));
    // Nothing for the first second, then: erase, a spinner frame, the
    // phase and the time.
    let shown = p
        .expect(expectrl::Regex(
            r"\x1b\[2K. reading the tenants files \(1\.[0-9] s\)",
        ))
        .expect("a status line once the run has taken a second");
    let before = String::from_utf8_lossy(shown.before()).into_owned();
    assert!(!before.contains("reading"), "drawn too early: {before:?}");
    let writer = feed(dir.path(), Duration::ZERO);
    // The line is erased before the plan line is printed.
    let rest = p.expect("generated 20 namespaces").unwrap();
    let rest = String::from_utf8_lossy(rest.before()).into_owned();
    let plan_at = rest.find("plan: add teams").expect("the plan line");
    assert!(rest[..plan_at].ends_with("\r\x1b[2K"), "{rest:?}");
    p.expect(expectrl::Eof).unwrap();
    writer.join().unwrap();
}

#[test]
fn a_reader_that_stops_early_ends_the_run_quietly() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tenants.toml"), many_teams(300)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_esogen"))
        .args(["explain"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
