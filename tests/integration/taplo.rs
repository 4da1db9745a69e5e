//! Issue 17, item 7: the committed examples and the files `esogen init`
//! writes are formatted the way `taplo fmt` formats them, and valid against
//! `tenants.schema.json` as `taplo check` reads it (through the file's
//! `#:schema` directive), with the real Taplo (npm `@taplo/cli`, pinned in
//! `tests/conformance/taplo`).
//!
//! Formatting options: Taplo's defaults, with no `.taplo.toml` in this
//! repository nor in what `init` writes. A user's repository has no
//! esogen-specific Taplo settings, so the examples they copy and the file
//! `init` gives them must already be what plain `taplo fmt` keeps; a
//! `.taplo.toml` of ours would also reformat every other TOML file of theirs.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::common::{examples, repo_root, taplo, text};

fn run(taplo: &Path, dir: &Path, args: &[&str]) -> Output {
    Command::new(taplo)
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("RUST_LOG", "warn")
        .output()
        .expect("taplo runs")
}

/// `taplo fmt --check` and `taplo check` on `files` (relative to `dir`),
/// each tool run once for all of them (Taplo's WebAssembly build takes
/// seconds to start).
fn formatted_and_valid(taplo: &Path, dir: &Path, files: &[String]) {
    let files: Vec<&str> = files.iter().map(String::as_str).collect();
    let mut args = vec!["fmt", "--check", "--diff"];
    args.extend(&files);
    let out = run(taplo, dir, &args);
    assert!(
        out.status.success(),
        "{}: not as `taplo fmt` formats them:\n{}{}",
        dir.display(),
        text(&out.stdout),
        text(&out.stderr)
    );
    let mut args = vec!["check"];
    args.extend(&files);
    let out = run(taplo, dir, &args);
    assert!(
        out.status.success(),
        "{}: `taplo check` against their #:schema:\n{}",
        dir.display(),
        text(&out.stderr)
    );
}

#[test]
fn committed_examples_are_taplo_formatted_and_valid() {
    let Some(taplo) = taplo() else { return };
    let root = repo_root();
    let mut files = vec!["tenants.toml".to_owned()];
    for (_, path) in examples() {
        let rel = path.strip_prefix(&root).unwrap();
        files.push(rel.display().to_string());
    }
    formatted_and_valid(&taplo, &root, &files);
    // The check is real: a misspelt key is refused through the directive.
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root.join("tenants.schema.json"),
        dir.path().join("tenants.schema.json"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("tenants.toml"),
        "#:schema ./tenants.schema.json\nversion = 1\n\n[cluster]\nname = \"c\"\nplatfrom = \"eks\"\n",
    )
    .unwrap();
    let out = run(&taplo, dir.path(), &["check", "tenants.toml"]);
    assert!(!out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("platfrom"),
        "{}",
        text(&out.stderr)
    );
}

/// Answer sets for `esogen init`, through flags: one team and several, a
/// provider table per team (Azure on AKS), static credentials, Vault.
const ANSWER_SETS: &[&[&str]] = &[
    &[
        "--teams",
        "payments",
        "--platform",
        "eks",
        "--provider",
        "aws-secrets-manager",
        "--region",
        "eu-west-1",
        "--account-id",
        "123456789012",
        "--oidc-provider",
        "oidc.eks.eu-west-1.amazonaws.com/id/X",
        "--prefix",
        "prod/{team}/",
        "--cluster-name",
        "prod",
        "--delivery",
        "terraform",
    ],
    &[
        "--teams",
        "web,data",
        "--platform",
        "aks",
        "--provider",
        "azure-key-vault",
        "--vault-url",
        "https://kv-{{team}}.vault.azure.net",
        "--tenant-id",
        "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b",
        "--client-id",
        "web=1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d,data=9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a",
        "--oidc-issuer",
        "https://westeurope.oic.prod-aks.azure.com/6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b/0d1c2b3a-4e5f-4a6b-9c8d-7e6f5a4b3c2d/",
        "--prefix",
        "{team}-",
        "--cluster-name",
        "aks-prod",
        "--delivery",
        "files",
    ],
    &[
        "--teams",
        "a,b,c",
        "--platform",
        "openshift",
        "--provider",
        "aws-parameter-store",
        "--region",
        "us-gov-west-1",
        "--account-id",
        "012345678901",
        "--credentials-secret",
        "aws-keys",
        "--prefix",
        "/prod/{team}/",
        "--cluster-name",
        "ocp",
        "--delivery",
        "files",
    ],
    &[
        "--teams",
        "search,billing",
        "--platform",
        "generic",
        "--provider",
        "vault",
        "--server",
        "https://vault.example:8200",
        "--mount",
        "kv",
        "--kv-version",
        "1",
        "--prefix",
        "teams/{team}/",
        "--cluster-name",
        "lab",
        "--delivery",
        "files",
    ],
    &[
        "--teams",
        "data",
        "--platform",
        "gke",
        "--provider",
        "gcp-secret-manager",
        "--project-id",
        "acme-prod-1",
        "--project-number",
        "123456",
        "--cluster-location",
        "europe-west1",
        "--prefix",
        "prod-{team}-",
        "--cluster-name",
        "gke",
        "--delivery",
        "files",
    ],
];

#[test]
fn init_writes_taplo_formatted_files_taplo_checks() {
    let Some(taplo) = taplo() else { return };
    // Each answer set in a fresh directory (only what `init` writes), all
    // under one root so Taplo runs once.
    let root = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, answers) in ANSWER_SETS.iter().enumerate() {
        let dir = root.path().join(format!("repo-{i}"));
        std::fs::create_dir(&dir).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_esogen"))
            .arg("init")
            .args(*answers)
            .current_dir(&dir)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(out.status.success(), "{answers:?}: {}", text(&out.stderr));
        files.push(format!("repo-{i}/tenants.toml"));
    }
    formatted_and_valid(&taplo, root.path(), &files);
}
