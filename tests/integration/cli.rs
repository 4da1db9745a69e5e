//! Runs the built `esogen` binary as a user would.

use crate::common::{esogen, text};
use std::path::Path;

use crate::common::repo_root;

fn files_under(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            e.path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    v.sort();
    v
}

fn workspace(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tenants.toml"), config).unwrap();
    dir
}

fn example() -> String {
    std::fs::read_to_string(repo_root().join("tenants.toml")).unwrap()
}

#[test]
fn generate_then_regenerate_is_a_no_op() {
    let ws = workspace(&example());
    let out = esogen(&["generate"], ws.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("generated 5 namespaces"));
    let kust = ws.path().join("overlays/payments/kustomization.yaml");
    assert!(kust.is_file());
    let before = std::fs::metadata(&kust).unwrap().modified().unwrap();

    let again = esogen(&["generate"], ws.path());
    assert_eq!(again.status.code(), Some(0));
    assert!(
        text(&again.stdout).contains("up to date"),
        "{}",
        text(&again.stdout)
    );
    assert_eq!(
        std::fs::metadata(&kust).unwrap().modified().unwrap(),
        before
    );

    let check = esogen(&["generate", "--check"], ws.path());
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
}

#[test]
fn check_reports_stale_output_and_writes_nothing() {
    let ws = workspace(&example());
    assert_eq!(esogen(&["generate"], ws.path()).status.code(), Some(0));
    let es = ws.path().join("overlays/payments/externalsecret-db.yaml");
    let edited = std::fs::read_to_string(&es)
        .unwrap()
        .replace("refreshInterval: 1h", "refreshInterval: 5h");
    std::fs::write(&es, &edited).unwrap();
    std::fs::remove_file(ws.path().join("policies/search/aws.iam-policy.json")).unwrap();
    let before = files_under(ws.path());

    let out = esogen(&["generate", "--check"], ws.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("stale"), "{stdout}");
    assert!(
        stdout.contains("change  overlays/payments/externalsecret-db.yaml"),
        "{stdout}"
    );
    assert!(
        stdout.contains("add     policies/search/aws.iam-policy.json"),
        "{stdout}"
    );
    assert!(
        stdout.contains("-  refreshInterval: 5h") && stdout.contains("+  refreshInterval: 1h"),
        "{stdout}"
    );
    assert_eq!(files_under(ws.path()), before);
    assert_eq!(std::fs::read_to_string(&es).unwrap(), edited);
}

#[test]
fn bad_config_is_located_and_writes_nothing() {
    let bad = example().replace(
        "namespaces = [\"checkout\"]",
        "namespaces = [\"checkout\", \"kube-system\"]",
    );
    let ws = workspace(&bad);
    let out = esogen(&["generate"], ws.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("error[reserved-namespace]"), "{stderr}");
    assert!(stderr.contains("tenants.toml:"), "{stderr}");
    assert!(stderr.contains("nothing was written"), "{stderr}");
    assert_eq!(files_under(ws.path()), ["tenants.toml"]);
}

#[test]
fn removed_namespace_is_pruned_but_user_files_stay() {
    let ws = workspace(&example());
    assert_eq!(esogen(&["generate"], ws.path()).status.code(), Some(0));
    let mine = ws.path().join("overlays/search/README.md");
    std::fs::write(&mine, "notes by a person\n").unwrap();
    let smaller = example()
        .replace(
            "namespaces = [\"search\", \"search-indexer\"]",
            "namespaces = [\"search-indexer\"]",
        )
        .replace(
            "namespaces = [\"search\"]\n",
            "namespaces = [\"search-indexer\"]\n",
        );
    std::fs::write(ws.path().join("tenants.toml"), smaller).unwrap();
    let out = esogen(&["generate"], ws.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !ws.path()
            .join("overlays/search/kustomization.yaml")
            .exists()
    );
    assert!(!ws.path().join("policies/search").exists());
    assert!(mine.is_file(), "a file esogen did not write must survive");
    assert!(
        text(&out.stderr).contains("overlays/search/README.md"),
        "stray is reported"
    );
}

#[test]
fn missing_config_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = esogen(&["generate", "--config", "nope.toml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read `nope.toml`"));
}

#[test]
fn out_dir_and_config_flags() {
    let ws = workspace(&example());
    let out = esogen(
        &["generate", "-c", "tenants.toml", "-o", "gitops"],
        ws.path(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        ws.path()
            .join("gitops/bases/tenant/aws/kustomization.yaml")
            .is_file()
    );
}

#[test]
fn check_command_exit_codes() {
    let ws = workspace(&example());
    assert_eq!(esogen(&["check"], ws.path()).status.code(), Some(0));
    std::fs::write(
        ws.path().join("tenants.toml"),
        example().replace("prefix = \"prod/search/\"", "prefix = \"prod/\""),
    )
    .unwrap();
    let out = esogen(&["check"], ws.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("overlapping-prefix"));
}

#[test]
fn committed_examples_are_up_to_date() {
    let out = esogen(&["generate", "--check"], &repo_root());
    assert_eq!(
        out.status.code(),
        Some(0),
        "run `esogen generate` at the repo root:\n{}",
        text(&out.stdout)
    );
    for (name, path) in crate::common::examples() {
        let out = esogen(
            &["generate", "--check", "--config", path.to_str().unwrap()],
            &repo_root(),
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{name} is stale:\n{}",
            text(&out.stdout)
        );
    }
}

#[test]
fn help_explains_exit_codes() {
    let out = esogen(&["--help"], &repo_root());
    assert!(text(&out.stdout).contains("Exit codes"));
}

#[test]
fn diff_shows_what_generate_would_change() {
    let ws = workspace(&example());
    let out = esogen(&["diff"], ws.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("--- /dev/null\n+++ b/overlays/payments/kustomization.yaml"),
        "{stdout}"
    );
    assert_eq!(
        files_under(ws.path()),
        ["tenants.toml"],
        "diff writes nothing"
    );
    assert_eq!(esogen(&["generate"], ws.path()).status.code(), Some(0));
    let out = esogen(&["diff"], ws.path());
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "");
    let colored = esogen(&["--color", "always", "diff"], ws.path());
    assert_eq!(colored.status.code(), Some(0));
    std::fs::remove_file(
        ws.path()
            .join("overlays/checkout/externalsecret-redis.yaml"),
    )
    .unwrap();
    let colored = esogen(&["--color", "always", "diff"], ws.path());
    assert!(
        text(&colored.stdout).contains("\x1b[32m+"),
        "{}",
        text(&colored.stdout)
    );
}

#[test]
fn symlinks_out_of_the_output_root_are_refused_before_writing() {
    let ws = workspace(&example());
    let outside = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(outside.path(), ws.path().join("overlays")).unwrap();
    let out = esogen(&["generate"], ws.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("symbolic link"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        files_under(outside.path()).is_empty(),
        "nothing written through the link"
    );
    assert!(!ws.path().join("bases").exists(), "nothing written at all");
}

#[test]
fn every_hostile_input_fails_cleanly_and_writes_nothing() {
    let mut count = 0;
    for entry in std::fs::read_dir(repo_root().join("tests/bad")).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let expected = String::from_utf8_lossy(&bytes)
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# expect: "))
            .unwrap()
            .to_owned();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("tenants.toml"), &bytes).unwrap();
        let out = esogen(&["generate"], dir.path());
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", path.display());
        assert!(
            stderr.contains(&format!("[{expected}]")),
            "{}: {stderr}",
            path.display()
        );
        assert!(!stderr.contains("panicked"), "{}", path.display());
        assert_eq!(
            files_under(dir.path()),
            ["tenants.toml"],
            "{}",
            path.display()
        );
        let check = esogen(&["check"], dir.path());
        assert_eq!(check.status.code(), Some(1), "{}", path.display());
        count += 1;
    }
    assert!(count >= 60, "the hostile corpus has {count} inputs");
}

#[test]
fn non_utf8_input_is_an_io_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tenants.toml"), [0xff, 0xfe, b'v', 0x00]).unwrap();
    let out = esogen(&["generate"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("error[io]"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(files_under(dir.path()), ["tenants.toml"]);
}

#[test]
fn secret_values_are_located_but_never_echoed() {
    let cfg = example().replace(
        "name = \"prod-eu-1\"",
        "name = \"prod-eu-1\"\n# key AKIAIOSFODNN7EXAMPLE",
    );
    let ws = workspace(&cfg);
    for format in ["human", "json", "github"] {
        let out = esogen(&["check", "--format", format], ws.path());
        assert_eq!(out.status.code(), Some(1));
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        assert!(all.contains("secret-value"), "{format}: {all}");
        assert!(all.contains("tenants.toml"), "{format}: {all}");
        assert!(
            !all.contains("AKIAIOSFODNN7EXAMPLE"),
            "{format} echoed the secret: {all}"
        );
    }
}

#[test]
fn the_local_cache_skips_unchanged_runs_but_never_hides_an_edit() {
    let ws = workspace(&example());
    assert_eq!(esogen(&["generate"], ws.path()).status.code(), Some(0));
    assert!(ws.path().join(".esogen/cache.bin").is_file());
    let again = esogen(&["generate"], ws.path());
    assert!(
        text(&again.stdout).contains("unchanged since the last run"),
        "{}",
        text(&again.stdout)
    );
    // An edit to a generated file changes its size or mtime: the cache steps aside.
    let f = ws
        .path()
        .join("overlays/search/externalsecret-opensearch.yaml");
    let original = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, original.replace("1h", "2h")).unwrap();
    let check = esogen(&["generate", "--check"], ws.path());
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stdout));
    assert_eq!(esogen(&["generate"], ws.path()).status.code(), Some(0));
    assert_eq!(std::fs::read_to_string(&f).unwrap(), original);
    // The cache is never committed.
    let ignore = std::fs::read_to_string(ws.path().join(".esogen/.gitignore")).unwrap();
    assert!(ignore.contains("/cache.bin"));
}

/// Issue 14, item 1: `.esogen/owned-files.json` is committed, so a pull
/// request can edit it. Listing files esogen does not generate (the config,
/// the README, `.git/`, a hand-written overlay file) must not delete them:
/// only files of esogen's own layout that still carry its marker are pruned.
#[test]
fn issue_14_a_tampered_ownership_record_deletes_nothing_esogen_did_not_generate() {
    let ws = workspace(&example());
    assert_eq!(esogen(&["generate"], ws.path()).status.code(), Some(0));
    let root = ws.path();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    std::fs::write(root.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::write(root.join("README.md"), "# ours\n").unwrap();
    std::fs::create_dir_all(root.join("tenants.d")).unwrap();
    std::fs::write(root.join("tenants.d/x.toml"), "version = 1\n").unwrap();
    std::fs::write(root.join("overlays/payments/notes.yaml"), "mine: true\n").unwrap();
    std::fs::write(root.join("policies/payments/extra.json"), "{}\n").unwrap();
    // A generated file whose marker a person removed is theirs now.
    let edited = root.join("overlays/checkout/externalsecret-redis.yaml");
    let body = std::fs::read_to_string(&edited).unwrap();
    let unmarked: String = body
        .lines()
        .filter(|l| !l.starts_with("# Generated by esogen"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&edited, &unmarked).unwrap();
    let victims = [
        ".git/HEAD",
        "README.md",
        "tenants.toml",
        "tenants.d/x.toml",
        "overlays/payments/notes.yaml",
        "policies/payments/extra.json",
        "overlays/checkout/externalsecret-redis.yaml",
        "../outside.txt",
    ];
    let record_path = root.join(".esogen/owned-files.json");
    let mut record: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&record_path).unwrap()).unwrap();
    for v in victims {
        record["files"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::Value::String(v.to_owned()));
    }
    std::fs::write(&record_path, serde_json::to_vec_pretty(&record).unwrap()).unwrap();
    // The secret's removal from the config makes its file a prune candidate.
    let smaller = example().replace(
        "[[teams.secrets]]\nname = \"redis\"\nkey = \"prod/checkout/redis\"\ndata = { url = \"url\", password = \"password\" }\n\n",
        "",
    );
    assert_ne!(smaller, example());
    std::fs::write(root.join("tenants.toml"), &smaller).unwrap();
    let _ = std::fs::remove_file(root.join(".esogen/cache.bin"));
    let out = esogen(&["generate"], root);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for v in victims.iter().filter(|v| !v.starts_with("..")) {
        assert!(root.join(v).is_file(), "{v} must survive");
    }
    let stderr = text(&out.stderr);
    for v in ["README.md", ".git/HEAD", "overlays/payments/notes.yaml"] {
        assert!(stderr.contains(v), "{v} is reported: {stderr}");
    }
    // Files esogen generated, unedited, are still pruned: drop a team.
    let start = smaller.find("[[teams]]\nname = \"checkout\"").unwrap();
    let end = smaller.find("[[teams]]\nname = \"search\"").unwrap();
    let fewer = format!("{}{}", &smaller[..start], &smaller[end..]);
    std::fs::write(root.join("tenants.toml"), &fewer).unwrap();
    let out = esogen(&["generate"], root);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        !root.join("overlays/checkout/kustomization.yaml").exists(),
        "a generated file is still pruned"
    );
    assert!(edited.is_file(), "the edited file stays");
}

/// Issue 14, item 2: once a value looks like a credential, no diagnostic of
/// any kind, in any format, may print it (raw or decoded from TOML escapes)
/// or its source line.
#[test]
fn issue_14_secret_values_never_leak_from_any_diagnostic() {
    let cases: &[(&str, &[&str])] = &[
        (
            "secret-escaped-aws-key-id.toml",
            &["AKIAIOSFODNN7EXAMPLE", "AKIA\\u0049OSF"],
        ),
        (
            "secret-escaped-aws-secret-key.toml",
            &[
                "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                "JalrXUtnFEMI/K7MDENG",
            ],
        ),
        (
            "secret-pgp-private-key.toml",
            &["BEGIN PGP PRIVATE KEY BLOCK"],
        ),
        ("secret-glued-aws-key-id.toml", &["AKIAIOSFODNN7EXAMPLE"]),
        (
            "secret-glued-github-token.toml",
            &["ghp_0123456789abcdefghijklmnopqrstuvwxyz"],
        ),
        ("secret-account-id-is-a-key.toml", &["AKIAIOSFODNN7EXAMPLE"]),
        (
            "secret-github-token.toml",
            &["ghp_0123456789abcdefghijklmnopqrstuvwxyz"],
        ),
        ("secret-private-key.toml", &["BEGIN OPENSSH PRIVATE KEY"]),
        ("secret-aws-key-in-comment.toml", &["AKIAIOSFODNN7EXAMPLE"]),
        (
            "secret-jwt.toml",
            &["eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N"],
        ),
    ];
    for (file, secrets) in cases {
        let text_in = std::fs::read_to_string(repo_root().join("tests/bad").join(file)).unwrap();
        let ws = workspace(&text_in);
        for format in ["human", "json", "github"] {
            let out = esogen(&["check", "--format", format], ws.path());
            assert_eq!(out.status.code(), Some(1), "{file} {format}");
            let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
            assert!(all.contains("secret-value"), "{file} {format}: {all}");
            for s in *secrets {
                assert!(!all.contains(s), "{file} {format} printed `{s}`:\n{all}");
            }
        }
    }
}

/// Issue 14, item 2: a credential in a push URL is never printed.
#[test]
fn issue_14_push_url_credentials_are_redacted() {
    let ws = workspace(&example());
    let root = ws.path();
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .args(args)
            .current_dir(root)
            .output()
            .unwrap()
    };
    git(&["init", "-q", "-b", "main"]);
    let out = esogen(
        &[
            "generate",
            "--commit",
            "--author",
            "A <a@example.com>",
            "--push",
            "https://someone:s3cr3t-T0KEN@127.0.0.1:9/x.git",
        ],
        root,
    );
    assert_ne!(out.status.code(), Some(0));
    let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
    assert!(!all.contains("s3cr3t-T0KEN"), "{all}");
}

/// Issue 14, item 6: a `tenants.d/` entry that is a symlink (dangling or
/// not) or not a regular file was skipped silently, so its team vanished and
/// its files were pruned with exit 0. It is now an error that writes nothing.
#[test]
fn issue_14_unreadable_team_files_are_errors_and_prune_nothing() {
    let main = example();
    // Move team `search` into tenants.d/search.toml.
    let start = main.find("[[teams]]\nname = \"search\"").unwrap();
    let ws = workspace(&main[..start]);
    let root = ws.path();
    std::fs::create_dir_all(root.join("tenants.d")).unwrap();
    std::fs::write(root.join("tenants.d/search.toml"), &main[start..]).unwrap();
    let out = esogen(&["generate"], root);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(root.join("overlays/search/kustomization.yaml").is_file());
    let elsewhere = tempfile::tempdir().unwrap();
    std::fs::write(elsewhere.path().join("search.toml"), &main[start..]).unwrap();
    let link = root.join("tenants.d/search.toml");
    for case in ["symlink", "dangling", "directory"] {
        std::fs::remove_file(&link)
            .or_else(|_| std::fs::remove_dir(&link))
            .unwrap();
        match case {
            "symlink" => {
                std::os::unix::fs::symlink(elsewhere.path().join("search.toml"), &link).unwrap();
            }
            "dangling" => std::os::unix::fs::symlink(root.join("gone.toml"), &link).unwrap(),
            _ => std::fs::create_dir(&link).unwrap(),
        }
        let out = esogen(&["generate"], root);
        assert_eq!(out.status.code(), Some(2), "{case}: {}", text(&out.stderr));
        assert!(
            text(&out.stderr).contains("tenants.d/search.toml"),
            "{case}: {}",
            text(&out.stderr)
        );
        assert!(
            root.join("overlays/search/kustomization.yaml").is_file(),
            "{case}: nothing is pruned"
        );
    }
}

/// Issue 14, item 11: raw control characters from the config (an ESC
/// sequence, a lone CR, U+202E) must not reach a terminal or CI log: they
/// are shown escaped, in the source excerpt and in messages.
#[test]
fn issue_14_control_characters_are_escaped_in_diagnostics() {
    let cfg = "version = 1\n[cluster]\nname = \"c\u{1b}[31mred\u{202e}x\rz\"\nplatform = \"eks\"\n";
    let ws = workspace(cfg);
    for format in ["human", "json", "github"] {
        let out = esogen(&["check", "--format", format], ws.path());
        assert_ne!(out.status.code(), Some(0));
        let all = format!("{}{}", text(&out.stdout), text(&out.stderr));
        for c in ['\u{1b}', '\u{202e}', '\r'] {
            assert!(!all.contains(c), "{format} printed {c:?}: {all:?}");
        }
    }
}

/// Issue 14, item 11: invalid UTF-8 is located; a date where a string is
/// expected says so.
#[test]
fn issue_14_encoding_and_type_errors_say_where_and_what() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::write(
        ws.path().join("tenants.toml"),
        b"version = 1\n[cluster]\nname = \"c\xff\"\n".as_slice(),
    )
    .unwrap();
    let out = esogen(&["check"], ws.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("line 3, column 10"),
        "{}",
        text(&out.stderr)
    );
    let ws = workspace("version = 1\n[cluster]\nname = 2024-01-01\nplatform = \"eks\"\n");
    let out = esogen(&["check"], ws.path());
    let err = text(&out.stderr);
    assert!(err.contains("date") && !err.contains("map"), "{err}");
}

/// `count` teams of one namespace each, all with `prefix`.
fn teams_sharing(count: usize, prefix: &str) -> String {
    let mut config = crate::common::AWS_HEAD.to_owned();
    for i in 0..count {
        config.push_str(&format!(
            "[[teams]]\nname = \"t{i}\"\nprovider = \"aws\"\nprefix = \"{prefix}\"\nnamespaces = [\"t{i}\"]\n"
        ));
    }
    config
}

/// Issue 14, item 10: 2,000 teams sharing one prefix made 1,999,000
/// findings, one per pair (805 MB of standard error, 2.8 GB of memory).
/// Teams with the same prefix are one finding, in every format.
#[test]
fn issue_14_teams_sharing_one_prefix_are_one_finding() {
    let ws = workspace(&teams_sharing(2000, "prod/shared/"));
    let out = esogen(&["check"], ws.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.len() < 4096,
        "{} bytes of standard error",
        stderr.len()
    );
    assert!(
        stderr.contains(
            "error[overlapping-prefix]: prefix `prod/shared/` is shared by teams `t0`, `t1`, `t2`, `t3`, `t4` and 1995 more"
        ),
        "{stderr}"
    );
    assert_eq!(stderr.matches("error[").count(), 1, "{stderr}");
    assert!(stderr.ends_with("1 error, 0 warnings\n"), "{stderr}");

    let out = esogen(&["check", "--format", "json"], ws.path());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(v["summary"]["errors"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "overlapping-prefix");
    assert_eq!(d["location"]["line"], 13);
    // The other teams are labelled, up to a limit.
    assert_eq!(d["related"].as_array().map(Vec::len), Some(10));
}

/// Issue 14, item 10: however many findings there are, a run prints at most
/// `--max-diagnostics` of them (50 by default), errors first, and counts
/// the rest; `--max-diagnostics 0` prints them all.
#[test]
fn issue_14_findings_beyond_the_limit_are_counted_not_printed() {
    // A note first in the file, then 2,000 invalid namespaces.
    let mut config = crate::common::AWS_HEAD.to_owned();
    config.push_str(
        "[[teams]]\nname = \"w\"\nprovider = \"aws\"\nprefix = \"w/\"\nnamespaces = [\"w\"]\nrefresh_interval = \"0\"\n",
    );
    for i in 0..2000 {
        config.push_str(&format!(
            "[[teams]]\nname = \"t{i}\"\nprovider = \"aws\"\nprefix = \"t{i}/\"\nnamespaces = [\"T{i}\"]\n"
        ));
    }
    let ws = workspace(&config);

    let out = esogen(&["check"], ws.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.matches("error[invalid-namespace]").count(), 50);
    assert!(!stderr.contains("note[refresh-once]"), "errors come first");
    assert!(
        stderr.contains("… 1950 more errors and 1 note not shown; run with `--max-diagnostics 0` to see all\n2000 errors, 0 warnings\n"),
        "{}",
        &stderr[stderr.len().saturating_sub(400)..]
    );
    assert!(
        stderr.len() < 50_000,
        "{} bytes of standard error",
        stderr.len()
    );

    let out = esogen(&["check", "--max-diagnostics", "0"], ws.path());
    let stderr = text(&out.stderr);
    assert_eq!(stderr.matches("error[invalid-namespace]").count(), 2000);
    assert_eq!(stderr.matches("note[refresh-once]").count(), 1);
    assert!(!stderr.contains("not shown"));

    // `generate` prints the same way, and writes nothing.
    let out = esogen(&["generate", "--max-diagnostics", "3"], ws.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert_eq!(stderr.matches("error[").count(), 3);
    assert!(
        stderr.contains("… 1997 more errors and 1 note not shown"),
        "{stderr}"
    );

    let out = esogen(&["check", "--format", "json"], ws.path());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(v["diagnostics"].as_array().map(Vec::len), Some(50));
    assert_eq!(v["summary"]["errors"], 2000);
    assert_eq!(v["summary"]["notes"], 1);
    assert_eq!(v["summary"]["omitted"], 1951);

    let out = esogen(&["check", "--format", "github"], ws.path());
    let stdout = text(&out.stdout);
    assert_eq!(stdout.matches("::error ").count(), 50);
    assert!(
        stdout.ends_with("::notice title=esogen::1950 more errors and 1 note not shown; run esogen check with `--max-diagnostics 0` to see all\n"),
        "{}",
        &stdout[stdout.len().saturating_sub(400)..]
    );
}
