//! `.pre-commit-hooks.yaml`, run by the real pre-commit (`try-repo`, as a
//! user tries hooks before pinning them) in a repository holding a
//! tenants.toml, with the built esogen on PATH and no network.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use super::run::{Runner, config, esogen_dir, output};
use super::{tool_from_env, tools};
use crate::common::repo_root;

/// The hooks, by id.
fn hooks() -> Vec<Value> {
    let yaml = std::fs::read_to_string(repo_root().join(".pre-commit-hooks.yaml")).unwrap();
    serde_saphyr::from_str(&yaml).expect("the hooks file is YAML")
}

/// Each `*-system` hook runs the esogen on PATH, and checks what its
/// built-from-source twin checks.
#[test]
fn system_hooks_mirror_the_source_hooks() {
    let hooks = hooks();
    let by_id = |id: &str| {
        hooks
            .iter()
            .find(|h| h["id"] == id)
            .unwrap_or_else(|| panic!("no hook {id}"))
    };
    for id in ["esogen-check", "esogen-generate-check"] {
        let (source, system) = (by_id(id), by_id(&format!("{id}-system")));
        assert_eq!(source["language"], "rust");
        assert_eq!(system["language"], "system");
        for key in ["entry", "files", "pass_filenames"] {
            assert_eq!(source[key], system[key], "{id}: {key}");
        }
    }
}

/// pre-commit with every proxy pointing at a closed port: a hook that
/// reached for the network (to install anything) would fail.
fn try_repo(r: &Runner, pre_commit: &Path, hooks: &Path, project: &Path, hook: &str) -> Output {
    let path = std::env::join_paths(std::iter::once(esogen_dir()).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    let offline = "http://127.0.0.1:9";
    r.person(pre_commit)
        .args(["try-repo", "--all-files", "--color", "never"])
        .arg(hooks)
        .arg(hook)
        .current_dir(project)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", project.parent().unwrap().join("cache"))
        .env("GIT_ALLOW_PROTOCOL", "file")
        .env("PIP_NO_INDEX", "1")
        .envs(
            [
                "http_proxy",
                "https_proxy",
                "HTTP_PROXY",
                "HTTPS_PROXY",
                "ALL_PROXY",
            ]
            .map(|v| (v, offline)),
        )
        .env_remove("no_proxy")
        .env_remove("NO_PROXY")
        .output()
        .unwrap()
}

/// `esogen-check-system` passes a valid tenants.toml and fails a broken one
/// with esogen's finding; `esogen-generate-check-system` passes a fresh
/// tree and fails a stale one.
#[test]
fn system_hooks_run_the_esogen_on_path() {
    let Some(pre_commit) = tool_from_env("ESOGEN_PRE_COMMIT", "pre-commit") else {
        return;
    };
    if !tools(&["git"]) {
        return;
    }
    let r = Runner::new();
    let root = tempfile::tempdir().unwrap();
    // try-repo clones the hooks repository: the hooks file must be committed.
    let hooks = root.path().join("hooks");
    std::fs::create_dir(&hooks).unwrap();
    r.git(&hooks, &["init", "-q"]);
    std::fs::copy(
        repo_root().join(".pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    r.git(&hooks, &["add", "."]);
    r.git(&hooks, &["commit", "-q", "-m", "hooks"]);

    let project = root.path().join("project");
    std::fs::create_dir(&project).unwrap();
    r.git(&project, &["init", "-q"]);
    std::fs::write(project.join("tenants.toml"), config(&["alpha"])).unwrap();
    assert!(r.esogen(&project, &["generate"]).status.success());
    r.git(&project, &["add", "-A"]);
    let run = |hook: &str| try_repo(&r, &pre_commit, &hooks, &project, hook);
    for hook in ["esogen-check-system", "esogen-generate-check-system"] {
        let out = run(hook);
        assert!(
            out.status.success(),
            "{hook} on a valid repository: {}",
            output(&out)
        );
        assert!(
            output(&out).contains("Passed"),
            "{hook} did not run: {}",
            output(&out)
        );
    }

    std::fs::write(project.join("tenants.toml"), config(&["alpha", "beta"])).unwrap();
    r.git(&project, &["add", "-A"]);
    let out = run("esogen-generate-check-system");
    assert!(
        !out.status.success(),
        "a stale tree passed: {}",
        output(&out)
    );
    assert!(output(&out).contains("overlays/beta"), "{}", output(&out));

    let broken = config(&["alpha"]).replace("key = \"prod/alpha/db\"", "key = \"prod/other/db\"");
    std::fs::write(project.join("tenants.toml"), broken).unwrap();
    r.git(&project, &["add", "-A"]);
    let out = run("esogen-check-system");
    assert!(
        !out.status.success(),
        "a broken tenants.toml passed: {}",
        output(&out)
    );
    assert!(
        output(&out).contains("key-outside-prefix"),
        "{}",
        output(&out)
    );
}
