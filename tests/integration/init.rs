//! `esogen init`: driven through a real pseudo-terminal as a person would,
//! and through flags; the written file always passes `esogen check`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use expectrl::{Eof, Expect, Session};

fn esogen_cmd(dir: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_esogen"));
    cmd.current_dir(dir)
        .env("NO_COLOR", "1")
        .env("TERM", "xterm");
    cmd
}

fn check_ok(dir: &Path) {
    let out = esogen_cmd(dir).args(["check"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = esogen_cmd(dir).args(["generate"]).output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn wizard_through_a_pseudo_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = esogen_cmd(dir.path());
    cmd.arg("init");
    let mut p = Session::spawn(cmd).expect("spawn in a pty");
    p.set_expect_timeout(Some(Duration::from_secs(20)));
    p.expect("How many teams share this cluster?").unwrap();
    p.send_line("2").unwrap();
    p.expect("Option A").unwrap();
    p.expect("Team names").unwrap();
    // An invalid name is refused on the spot and asked again.
    p.send_line("Payments_Team").unwrap();
    p.expect("only lowercase letters").unwrap();
    // Clear the rejected text before typing again.
    for _ in 0.."Payments_Team".len() {
        p.send("\x7f").unwrap();
    }
    p.send_line("payments, search").unwrap();
    p.expect("Which platform runs your cluster?").unwrap();
    p.send("\r").unwrap(); // eks, the first entry
    p.expect("Which secret provider do you use?").unwrap();
    p.send("\r").unwrap(); // aws-secrets-manager, native on EKS, listed first
    p.expect("short-lived credentials").unwrap();
    p.expect("AWS region").unwrap();
    p.send_line("").unwrap(); // the default
    p.expect("AWS account id").unwrap();
    p.send_line("123456789012").unwrap();
    p.expect("EKS OIDC provider").unwrap();
    p.send_line("oidc.eks.eu-west-1.amazonaws.com/id/PTY")
        .unwrap();
    // How the provider side is applied: each choice explained in one line,
    // `files` first and the default.
    p.expect("How is the provider side").unwrap();
    p.expect("files — documents under policies/").unwrap();
    p.expect("terraform — ").unwrap();
    p.send("\r").unwrap();
    p.expect("What path or prefix").unwrap();
    p.send_line("").unwrap();
    p.expect("Cluster name").unwrap();
    p.send_line("pty-cluster").unwrap();
    p.expect("wrote tenants.toml").unwrap();
    p.expect(Eof).unwrap();

    let text = std::fs::read_to_string(dir.path().join("tenants.toml")).unwrap();
    assert!(text.contains("name = \"pty-cluster\""), "{text}");
    assert!(text.contains("prefix = \"prod/payments/\""), "{text}");
    assert!(text.contains("region = \"eu-west-1\""), "{text}");
    assert!(!text.contains("delivery"), "files is the default: {text}");
    assert!(
        text.contains("# Question 1"),
        "the file is commented: {text}"
    );
    check_ok(dir.path());
}

#[test]
fn flags_answer_every_question() {
    let dir = tempfile::tempdir().unwrap();
    let out = esogen_cmd(dir.path())
        .args([
            "init",
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
            "--cluster-name",
            "gke-prod",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.path().join("tenants.toml")).unwrap();
    assert!(
        text.contains("prefix = \"prod-data-\""),
        "GCP names cannot hold `/`: {text}"
    );
    check_ok(dir.path());

    // Vault on any platform, and static credentials where the platform has no identity.
    for (platform, provider, extra) in [
        (
            "generic",
            "vault",
            vec!["--server", "https://vault.example:8200"],
        ),
        (
            "openshift",
            "aws-parameter-store",
            vec!["--account-id", "123456789012"],
        ),
    ] {
        let d = tempfile::tempdir().unwrap();
        let mut args = vec![
            "init",
            "--teams",
            "a,b",
            "--platform",
            platform,
            "--provider",
            provider,
        ];
        args.extend(extra);
        let out = esogen_cmd(d.path())
            .args(&args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{provider}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        check_ok(d.path());
    }
}

#[test]
fn a_missing_answer_without_a_terminal_names_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let out = esogen_cmd(dir.path())
        .args([
            "init",
            "--teams",
            "a",
            "--platform",
            "eks",
            "--provider",
            "aws-secrets-manager",
            "--account-id",
            "123456789012",
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --oidc-provider"));
    assert!(!dir.path().join("tenants.toml").exists());

    let out = esogen_cmd(dir.path())
        .args(["init"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("pass --teams"));
}

#[test]
fn refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tenants.toml"), "mine").unwrap();
    let args = [
        "init",
        "--teams",
        "a",
        "--platform",
        "generic",
        "--provider",
        "vault",
        "--server",
        "https://v.example",
    ];
    let out = esogen_cmd(dir.path())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--force"));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("tenants.toml")).unwrap(),
        "mine"
    );
    let out = esogen_cmd(dir.path())
        .args(args)
        .arg("--force")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    check_ok(dir.path());
}

#[test]
fn schema_is_derived_committed_and_up_to_date() {
    let root = crate::common::repo_root();
    let out = esogen_cmd(&root).arg("schema").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let committed = std::fs::read_to_string(root.join("tenants.schema.json")).unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        committed,
        "run `esogen schema > tenants.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&committed).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    // Every example validates; typos and wrong kinds do not.
    for path in std::iter::once(root.join("tenants.toml"))
        .chain(crate::common::examples().into_iter().map(|(_, p)| p))
    {
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(
            text.starts_with("#:schema "),
            "{}: Taplo directive",
            path.display()
        );
        let doc: serde_json::Value =
            serde_json::to_value(toml::from_str::<toml::Value>(&text).unwrap()).unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
    }
    let bad: serde_json::Value = serde_json::to_value(
        toml::from_str::<toml::Value>("version = 1\n[cluster]\nname = \"c\"\nplatfrom = \"eks\"\n[providers.p]\nkind = \"vault\"\nregion = \"x\"\n").unwrap(),
    )
    .unwrap();
    let errors: Vec<String> = validator.iter_errors(&bad).map(|e| e.to_string()).collect();
    assert!(errors.iter().any(|e| e.contains("platfrom")), "{errors:?}");
    assert!(
        errors.iter().any(|e| e.contains("region")),
        "vault takes no region: {errors:?}"
    );
}

#[test]
fn completions_and_man_page() {
    let root = crate::common::repo_root();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = esogen_cmd(&root)
            .args(["completions", shell])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("esogen") && text.contains("generate"),
            "{shell}"
        );
    }
    let out = esogen_cmd(&root).arg("man").output().unwrap();
    let man = String::from_utf8_lossy(&out.stdout);
    assert!(
        man.starts_with(".ie") || man.contains(".TH esogen"),
        "{man}"
    );
    assert!(man.contains("generate"));
}

/// `--delivery` answers the delivery question; a value the provider does
/// not support is refused with the ones it does.
#[test]
fn delivery_flag_is_checked_against_the_provider() {
    let run = |delivery: &str| {
        let dir = tempfile::tempdir().unwrap();
        let out = esogen_cmd(dir.path())
            .args([
                "init",
                "--teams",
                "orders",
                "--platform",
                "eks",
                "--provider",
                "aws-parameter-store",
                "--region",
                "eu-west-1",
                "--account-id",
                "123456789012",
                "--oidc-provider",
                "oidc.eks.eu-west-1.amazonaws.com/id/X",
                "--prefix",
                "/prod/{team}/",
                "--cluster-name",
                "c",
                "--delivery",
                delivery,
            ])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = std::fs::read_to_string(dir.path().join("tenants.toml")).ok();
        (out, text)
    };
    let (out, text) = run("terraform");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text.unwrap().contains("delivery = \"terraform\""));
    let (out, text) = run("config-connector");
    assert_ne!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--delivery") && err.contains("ack"), "{err}");
    assert!(text.is_none(), "nothing written");
}
