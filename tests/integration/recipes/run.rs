//! The recipe's shell steps, run as a GitHub runner runs them (`bash -eo
//! pipefail`, the step's and the workflow's `env:`), against a release laid
//! out by release.yml's own steps and against local git remotes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use super::{RECIPE, RELEASE, jobs, load, release_targets, script, step, tools};
use crate::common::{AWS_HEAD, text};

/// The directory holding the built esogen, for PATH.
pub(super) fn esogen_dir() -> PathBuf {
    Path::new(env!("CARGO_BIN_EXE_esogen"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// A tenants file with one team per name, each with one secret.
pub(super) fn config(teams: &[&str]) -> String {
    let mut s = AWS_HEAD.to_owned();
    for t in teams {
        s.push_str(&format!(
            "\n[[teams]]\nname = \"{t}\"\nprovider = \"aws\"\nprefix = \"prod/{t}/\"\nnamespaces = [\"{t}\"]\n\
             [[teams.secrets]]\nname = \"db\"\nkey = \"prod/{t}/db\"\n"
        ));
    }
    s
}

/// The literal `env:` entries of a workflow or step (not `${{ }}` ones,
/// which the test supplies itself).
fn literal_env(node: &Value) -> Vec<(String, String)> {
    node["env"]
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .filter(|(_, v)| !v.contains("${{"))
                .collect()
        })
        .unwrap_or_default()
}

/// A place to run steps: a HOME with an empty git configuration (a runner
/// has no git identity) and a HOME for the people pushing meanwhile.
pub(super) struct Runner {
    runner_home: tempfile::TempDir,
    people_home: tempfile::TempDir,
}

impl Runner {
    pub(super) fn new() -> Self {
        let r = Runner {
            runner_home: tempfile::tempdir().unwrap(),
            people_home: tempfile::tempdir().unwrap(),
        };
        std::fs::write(r.runner_home.path().join("gitconfig"), "").unwrap();
        std::fs::write(
            r.people_home.path().join("gitconfig"),
            "[user]\n\tname = Dev\n\temail = dev@example.com\n[init]\n\tdefaultBranch = main\n",
        )
        .unwrap();
        r
    }

    fn isolate(cmd: &mut Command, home: &Path) {
        cmd.env("HOME", home)
            .env("XDG_CONFIG_HOME", home)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
            .env("NO_COLOR", "1");
        for var in [
            "GIT_AUTHOR_NAME",
            "GIT_AUTHOR_EMAIL",
            "GIT_COMMITTER_NAME",
            "GIT_COMMITTER_EMAIL",
            "ESOGEN_GIT_TOKEN",
            "GIT_TOKEN",
            "GIT_DIR",
        ] {
            cmd.env_remove(var);
        }
    }

    /// Runs a step's script as `shell: bash` does, with esogen on PATH.
    fn step(&self, script: &str, dir: &Path, env: &[(String, String)]) -> Output {
        let file = self.runner_home.path().join("step.sh");
        std::fs::write(&file, script).unwrap();
        let path = std::env::join_paths(std::iter::once(esogen_dir()).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))
        .unwrap();
        let mut cmd = Command::new("bash");
        Self::isolate(&mut cmd, self.runner_home.path());
        cmd.args(["--noprofile", "--norc", "-eo", "pipefail"])
            .arg(&file)
            .current_dir(dir)
            .env("PATH", path)
            .envs(env.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap()
    }

    /// git as a person on this machine (with an identity).
    pub(super) fn git(&self, dir: &Path, args: &[&str]) -> String {
        let mut cmd = Command::new("git");
        Self::isolate(&mut cmd, self.people_home.path());
        let out = cmd.args(args).current_dir(dir).output().unwrap();
        assert!(
            out.status.success(),
            "git {args:?} in {}: {}",
            dir.display(),
            text(&out.stderr)
        );
        text(&out.stdout).trim().to_owned()
    }

    /// A command run by a person on this machine (with a git identity).
    pub(super) fn person(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        Self::isolate(&mut cmd, self.people_home.path());
        cmd
    }

    /// esogen run by a person (with a git identity).
    pub(super) fn esogen(&self, dir: &Path, args: &[&str]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_esogen"));
        Self::isolate(&mut cmd, self.people_home.path());
        cmd.args(args).current_dir(dir).output().unwrap()
    }
}

pub(super) fn output(out: &Output) -> String {
    format!("{}{}", text(&out.stdout), text(&out.stderr))
}

/// release.yml's archive step (for each Linux target, with a stand-in for
/// the cross-compiled binary) and checksum step lay out
/// a release; the recipe's install step, on x64 and arm64 runners,
/// downloads from it, checks the SHA-256 and puts the binary on PATH. A
/// changed archive is refused.
#[test]
fn recipe_installs_what_the_release_publishes() {
    if !tools(&["bash", "curl", "tar", "sha256sum", "awk"]) {
        return;
    }
    let (release, recipe) = (load(RELEASE), load(RECIPE));
    let version = recipe["env"]["ESOGEN_VERSION"].as_str().unwrap().to_owned();
    let r = Runner::new();
    let work = tempfile::tempdir().unwrap();
    let build = work.path().join("build");
    std::fs::create_dir_all(&build).unwrap();
    std::fs::write(build.join("README.md"), "esogen\n").unwrap();
    let archive = script(step(&jobs(&release)["build"], "Archive"));
    for target in release_targets(&release)
        .iter()
        .filter(|t| t.contains("linux"))
    {
        let bin = build.join("target").join(target).join("release");
        std::fs::create_dir_all(&bin).unwrap();
        stand_in(&bin.join("esogen"), target);
        let env = [
            ("GITHUB_REF_NAME".to_owned(), version.clone()),
            ("TARGET".to_owned(), target.clone()),
        ];
        let out = r.step(archive, &build, &env);
        assert!(out.status.success(), "archive {target}: {}", output(&out));
    }
    let checksums = script(step(&jobs(&release)["publish"], "Checksums"));
    let out = r.step(checksums, &build.join("dist"), &[]);
    assert!(out.status.success(), "checksums: {}", output(&out));
    let releases = work.path().join("releases");
    std::fs::create_dir_all(&releases).unwrap();
    std::fs::rename(build.join("dist"), releases.join(&version)).unwrap();

    let install = script(step(&jobs(&recipe)["verify"], "Install esogen"));
    for (arch, target) in [
        ("X64", "x86_64-unknown-linux-musl"),
        ("ARM64", "aarch64-unknown-linux-musl"),
    ] {
        let (out, path, _temp) = run_install(&r, &recipe, install, &releases, arch);
        assert!(out.status.success(), "install on {arch}: {}", output(&out));
        let installed = Path::new(path.trim()).join("esogen");
        let v = Command::new(&installed).arg("--version").output().unwrap();
        let want = format!("esogen for {target}\n");
        assert_eq!(text(&v.stdout), want, "{}", installed.display());
        assert!(text(&out.stdout).contains(&want), "{}", output(&out));
    }

    let asset = releases
        .join(&version)
        .join(format!("esogen-{version}-x86_64-unknown-linux-musl.tar.gz"));
    let mut bytes = std::fs::read(&asset).unwrap();
    bytes.push(0);
    std::fs::write(&asset, bytes).unwrap();
    let (out, path, _temp) = run_install(&r, &recipe, install, &releases, "X64");
    assert!(!out.status.success(), "a changed archive was installed");
    assert!(output(&out).contains("FAILED"), "{}", output(&out));
    assert!(path.is_empty(), "nothing goes on PATH: {path}");
}

/// A small executable standing in for the release binary of `target` (the
/// release cross-compiles the real one; here the archive layout, names and
/// checksums are under test): it says which target it is.
fn stand_in(path: &Path, target: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, format!("#!/bin/sh\necho 'esogen for {target}'\n")).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Runs the install step on a runner of `arch`; returns its output, what
/// it appended to GITHUB_PATH, and the runner's temporary directory (where
/// the binary went).
fn run_install(
    r: &Runner,
    recipe: &Value,
    install: &str,
    releases: &Path,
    arch: &str,
) -> (Output, String, tempfile::TempDir) {
    let runner_temp = tempfile::tempdir().unwrap();
    let github_path = runner_temp.path().join("github_path");
    std::fs::write(&github_path, "").unwrap();
    let mut env = literal_env(recipe);
    env.retain(|(k, _)| k != "ESOGEN_RELEASES");
    env.extend([
        (
            "ESOGEN_RELEASES".to_owned(),
            format!("file://{}", releases.display()),
        ),
        ("RUNNER_ARCH".to_owned(), arch.to_owned()),
        (
            "RUNNER_TEMP".to_owned(),
            runner_temp.path().display().to_string(),
        ),
        ("GITHUB_PATH".to_owned(), github_path.display().to_string()),
    ]);
    let workspace = tempfile::tempdir().unwrap();
    let out = r.step(install, workspace.path(), &env);
    let path = std::fs::read_to_string(&github_path).unwrap();
    (out, path, runner_temp)
}

/// The verify job's steps pass on a fresh tree, fail a stale one with an
/// annotation naming the command to run, and annotate a broken config.
#[test]
fn verify_job_fails_a_stale_tree_with_the_command_to_run() {
    if !tools(&["bash"]) {
        return;
    }
    let recipe = load(RECIPE);
    let verify = &jobs(&recipe)["verify"];
    let check = script(step(verify, "esogen check"));
    let tree = script(step(verify, "The committed tree matches"));
    let r = Runner::new();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tenants.toml"), config(&["alpha"])).unwrap();
    let generated = r.esogen(dir.path(), &["generate"]);
    assert!(generated.status.success(), "{}", output(&generated));
    for s in [check, tree] {
        let out = r.step(s, dir.path(), &[]);
        assert!(out.status.success(), "{s}\n{}", output(&out));
    }

    std::fs::write(dir.path().join("tenants.toml"), config(&["alpha", "beta"])).unwrap();
    let out = r.step(check, dir.path(), &[]);
    assert!(out.status.success(), "{}", output(&out));
    let out = r.step(tree, dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", output(&out));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("::error title=esogen: the generated tree is stale::")
            && stdout.contains("Run `esogen generate` on your branch")
            && stdout.contains("and commit the result."),
        "{stdout}"
    );

    let broken = config(&["alpha"]).replace("key = \"prod/alpha/db\"", "key = \"prod/other/db\"");
    std::fs::write(dir.path().join("tenants.toml"), broken).unwrap();
    let out = r.step(check, dir.path(), &[]);
    assert_eq!(out.status.code(), Some(1), "{}", output(&out));
    assert!(
        text(&out.stdout).contains("::error file=tenants.toml"),
        "{}",
        output(&out)
    );
}

/// The fix-up job's push step, run in a shallow clone of a pull request's
/// branch after the author pushed again: the first push is rejected, the
/// step fetches the moved branch, regenerates on it and pushes. The branch
/// then holds the author's commit and, on top, a tree that matches every
/// team. Run again, it finds nothing to push.
#[test]
fn fixup_push_retries_after_a_concurrent_push() {
    if !tools(&["bash", "git"]) {
        return;
    }
    let r = Runner::new();
    let root = tempfile::tempdir().unwrap();
    let remote = root.path().join("remote.git");
    let url = format!("file://{}", remote.display());
    r.git(
        root.path(),
        &["init", "-q", "--bare", "-b", "main", "remote.git"],
    );

    let seed = root.path().join("seed");
    r.git(root.path(), &["clone", "-q", &url, "seed"]);
    std::fs::write(seed.join("tenants.toml"), config(&["alpha"])).unwrap();
    assert!(r.esogen(&seed, &["generate"]).status.success());
    r.git(&seed, &["add", "-A"]);
    r.git(&seed, &["commit", "-q", "-m", "alpha"]);
    r.git(&seed, &["push", "-q", "origin", "main"]);
    r.git(&seed, &["checkout", "-q", "-b", "feature"]);
    std::fs::write(seed.join("tenants.toml"), config(&["alpha", "beta"])).unwrap();
    r.git(
        &seed,
        &["commit", "-q", "-am", "add beta (tree not regenerated)"],
    );
    r.git(&seed, &["push", "-q", "origin", "feature"]);

    // The runner checks out the branch (shallow, as actions/checkout does);
    // then the author pushes again.
    r.git(
        root.path(),
        &[
            "clone", "-q", "--depth", "1", "--branch", "feature", &url, "runner",
        ],
    );
    let author = root.path().join("author");
    r.git(
        root.path(),
        &["clone", "-q", "--branch", "feature", &url, "author"],
    );
    std::fs::write(
        author.join("tenants.toml"),
        config(&["alpha", "beta", "gamma"]),
    )
    .unwrap();
    r.git(&author, &["commit", "-q", "-am", "add gamma"]);
    r.git(&author, &["push", "-q", "origin", "feature"]);
    let authors_tip = r.git(&author, &["rev-parse", "HEAD"]);

    let recipe = load(RECIPE);
    let fixup = step(&jobs(&recipe)["fixup"], "Regenerate, commit and push");
    let mut env = literal_env(fixup);
    env.push(("BRANCH".to_owned(), "feature".to_owned()));
    let runner = root.path().join("runner");
    let out = r.step(script(fixup), &runner, &env);
    assert!(out.status.success(), "{}", output(&out));
    assert!(
        output(&out).contains("push to feature rejected (attempt 1 of 5)"),
        "the first push should have met the author's: {}",
        output(&out)
    );

    r.git(
        root.path(),
        &["clone", "-q", "--branch", "feature", &url, "after"],
    );
    let after = root.path().join("after");
    assert_eq!(r.git(&after, &["rev-parse", "HEAD~1"]), authors_tip);
    let subject = r.git(&after, &["log", "-1", "--format=%s %an"]);
    assert!(
        subject.starts_with("esogen: ") && subject.ends_with(" github-actions[bot]"),
        "{subject}"
    );
    let fresh = r.esogen(&after, &["generate", "--check"]);
    assert!(fresh.status.success(), "{}", output(&fresh));
    for team in ["alpha", "beta", "gamma"] {
        assert!(
            after.join("overlays").join(team).is_dir(),
            "overlays/{team}"
        );
    }

    let tip = r.git(&after, &["rev-parse", "HEAD"]);
    let out = r.step(script(fixup), &runner, &env);
    assert!(out.status.success(), "{}", output(&out));
    assert!(output(&out).contains("nothing to push"), "{}", output(&out));
    let remote_tip = r.git(&after, &["ls-remote", &url, "refs/heads/feature"]);
    assert!(remote_tip.starts_with(&tip), "{remote_tip} vs {tip}");
}
