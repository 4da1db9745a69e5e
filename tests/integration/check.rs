//! `esogen check`: output formats, exit codes, `--deny warnings`,
//! `tenants.d/`, `explain`, and every safety rule with a near miss.

use crate::common::{AWS_HEAD as HEAD, esogen, text};

use esogen::pipeline;
use serde_json::Value;

fn team(name: &str, prefix: &str, ns: &str, extra: &str) -> String {
    format!(
        "[[teams]]\nname = \"{name}\"\nprovider = \"aws\"\nprefix = \"{prefix}\"\nnamespaces = [\"{ns}\"]\n{extra}\n"
    )
}

fn codes(text: &str) -> Vec<String> {
    let (_, _, diags) = pipeline::generate_text("tenants.toml", text);
    diags.0.iter().map(|d| d.code.name().to_owned()).collect()
}

/// (rule, config that triggers it, code, a near miss that must not)
fn rules() -> Vec<(&'static str, String, &'static str, String)> {
    let a = team("a", "prod/a/", "a", "");
    vec![
        (
            "overlapping prefixes",
            format!(
                "{HEAD}{}{}",
                team("a", "prod/pay", "a", ""),
                team("b", "prod/payments/", "b", "")
            ),
            "overlapping-prefix",
            format!(
                "{HEAD}{}{}",
                team("a", "prod/pay/", "a", ""),
                team("b", "prod/payments/", "b", "")
            ),
        ),
        (
            "nested prefixes",
            format!(
                "{HEAD}{}{}",
                team("a", "prod/", "a", ""),
                team("b", "prod/b/", "b", "")
            ),
            "overlapping-prefix",
            format!(
                "{HEAD}{}{}",
                team("a", "prod-x/", "a", ""),
                team("b", "prod/b/", "b", "")
            ),
        ),
        (
            "remote key outside the prefix",
            format!(
                "{HEAD}{}",
                team(
                    "a",
                    "prod/a/",
                    "a",
                    "secrets = [{ name = \"s\", key = \"prod/a-evil/s\" }]"
                )
            ),
            "key-outside-prefix",
            format!(
                "{HEAD}{}",
                team(
                    "a",
                    "prod/a/",
                    "a",
                    "secrets = [{ name = \"s\", key = \"prod/a/evil/s\" }]"
                )
            ),
        ),
        (
            "find path outside the prefix",
            format!(
                "{HEAD}{}",
                team(
                    "a",
                    "prod/a/",
                    "a",
                    "secrets = [{ name = \"s\", find = { path = \"prod/\" } }]"
                )
            ),
            "key-outside-prefix",
            format!(
                "{HEAD}{}",
                team(
                    "a",
                    "prod/a/",
                    "a",
                    "secrets = [{ name = \"s\", find = { path = \"prod/a/x/\" } }]"
                )
            ),
        ),
        (
            "find regex outside the prefix",
            format!(
                "{HEAD}{}",
                team(
                    "a",
                    "prod/a/",
                    "a",
                    "secrets = [{ name = \"s\", find = { name = \"^prod/b/\" } }]"
                )
            ),
            "key-outside-prefix",
            format!(
                "{HEAD}{}",
                team(
                    "a",
                    "prod/a/",
                    "a",
                    "secrets = [{ name = \"s\", find = { name = \"^prod/a/db-.*\" } }]"
                )
            ),
        ),
        (
            "key with a trailing slash",
            format!(
                "{HEAD}{}",
                team(
                    "a",
                    "prod/a/",
                    "a",
                    "secrets = [{ name = \"s\", key = \"prod/a/s/\" }]"
                )
            ),
            "invalid-key",
            format!(
                "{HEAD}{}",
                team(
                    "a",
                    "prod/a/",
                    "a",
                    "secrets = [{ name = \"s\", key = \"prod/a/s\" }]"
                )
            ),
        ),
        (
            "key with surrounding space",
            format!(
                "{HEAD}{}",
                team(
                    "a",
                    "prod/a/",
                    "a",
                    "secrets = [{ name = \"s\", key = \"prod/a/s \" }]"
                )
            ),
            "invalid-key",
            format!(
                "{HEAD}{}",
                team(
                    "a",
                    "prod/a/",
                    "a",
                    "secrets = [{ name = \"s\", key = \"prod/a/s-t\" }]"
                )
            ),
        ),
        (
            "key with the wrong case",
            format!(
                "{HEAD}{}",
                team(
                    "a",
                    "prod/a/",
                    "a",
                    "secrets = [{ name = \"s\", key = \"Prod/A/s\" }]"
                )
            ),
            "key-outside-prefix",
            format!(
                "{HEAD}{}",
                team(
                    "a",
                    "prod/a/",
                    "a",
                    "secrets = [{ name = \"s\", key = \"prod/a/S\" }]"
                )
            ),
        ),
        (
            "namespace claimed by two teams",
            format!(
                "{HEAD}{}{}",
                team("a", "prod/a/", "x", ""),
                team("b", "prod/b/", "x", "")
            ),
            "duplicate-namespace",
            format!(
                "{HEAD}{}{}",
                team("a", "prod/a/", "x", ""),
                team("b", "prod/b/", "x-2", "")
            ),
        ),
        (
            "namespace that is not DNS-1123",
            format!("{HEAD}{}", team("a", "prod/a/", "team_a", "")),
            "invalid-namespace",
            format!("{HEAD}{}", team("a", "prod/a/", "team-a", "")),
        ),
        (
            "reserved namespace",
            format!("{HEAD}{}", team("a", "prod/a/", "kube-system", "")),
            "reserved-namespace",
            format!("{HEAD}{}", team("a", "prod/a/", "kube-systems", "")),
        ),
        (
            "the ESO namespace",
            format!("{HEAD}{}", team("a", "prod/a/", "external-secrets", "")),
            "reserved-namespace",
            format!("{HEAD}{}", team("a", "prod/a/", "external-secrets-a", "")),
        ),
        (
            "`..` in a name that becomes a path",
            format!(
                "{HEAD}{}",
                team(
                    "a",
                    "prod/a/",
                    "a",
                    "secrets = [{ name = \"..\", key = \"prod/a/s\" }]"
                )
            ),
            "invalid-name",
            format!(
                "{HEAD}{}",
                team(
                    "a",
                    "prod/a/",
                    "a",
                    "secrets = [{ name = \"a.b\", key = \"prod/a/s\" }]"
                )
            ),
        ),
        (
            "path separator in a name that becomes a path",
            format!(
                "{HEAD}{}",
                team(
                    "a",
                    "prod/a/",
                    "a",
                    "secrets = [{ name = \"a/b\", key = \"prod/a/s\" }]"
                )
            ),
            "invalid-name",
            format!(
                "{HEAD}{}",
                team(
                    "a",
                    "prod/a/",
                    "a",
                    "secrets = [{ name = \"a-b\", key = \"prod/a/s\" }]"
                )
            ),
        ),
        (
            "ClusterSecretStore shared by several teams",
            format!(
                "{}{}{}",
                HEAD.replace(
                    "platform = \"eks\"",
                    "platform = \"eks\"\nstore_scope = \"cluster\""
                ),
                a,
                team("b", "prod/b/", "b", "")
            ),
            "shared-cluster-store",
            format!(
                "{}{}",
                HEAD.replace(
                    "platform = \"eks\"",
                    "platform = \"eks\"\nstore_scope = \"cluster\""
                ),
                a
            ),
        ),
        (
            "static credentials where the platform has workload identity",
            format!(
                "{}{a}",
                HEAD.replace(
                    "oidc_provider = \"oidc.eks.eu-west-1.amazonaws.com/id/X\"",
                    "auth = \"static\"\ncredentials_secret = \"keys\""
                )
            ),
            "static-credentials",
            format!("{HEAD}{a}"),
        ),
        (
            "secret value in the file",
            format!("{HEAD}# AKIAIOSFODNN7EXAMPLE\n{a}"),
            "secret-value",
            format!("{HEAD}# AKIA-is-how-access-keys-start\n{a}"),
        ),
        (
            "refresh interval of zero",
            format!(
                "{HEAD}{}",
                team("a", "prod/a/", "a", "refresh_interval = \"0\"")
            ),
            "refresh-once",
            format!(
                "{HEAD}{}",
                team("a", "prod/a/", "a", "refresh_interval = \"10s\"")
            ),
        ),
        (
            "unparseable duration",
            format!(
                "{HEAD}{}",
                team("a", "prod/a/", "a", "refresh_interval = \"1 hour\"")
            ),
            "invalid-duration",
            format!(
                "{HEAD}{}",
                team("a", "prod/a/", "a", "refresh_interval = \"1h\"")
            ),
        ),
        (
            "provider and platform that cannot work",
            format!(
                "{}{a}",
                HEAD.replace("platform = \"eks\"", "platform = \"gke\"")
            ),
            "unsupported-provider",
            format!(
                "{}{a}",
                HEAD.replace("platform = \"eks\"", "platform = \"gke\"")
                    .replace(
                        "oidc_provider = \"oidc.eks.eu-west-1.amazonaws.com/id/X\"",
                        "auth = \"static\"\ncredentials_secret = \"keys\""
                    )
            ),
        ),
    ]
}

#[test]
fn every_rule_triggers_and_its_near_miss_does_not() {
    for (rule, trigger, code, near_miss) in rules() {
        let got = codes(&trigger);
        assert!(
            got.iter().any(|c| c == code),
            "{rule}: expected {code}, got {got:?}\n{trigger}"
        );
        let got = codes(&near_miss);
        assert!(
            !got.iter().any(|c| c == code),
            "{rule}: near miss reported {code}\n{near_miss}"
        );
    }
}

fn workspace(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("tenants.toml"), config).unwrap();
    dir
}

#[test]
fn json_format_is_stable_and_located() {
    let ws = workspace(&format!("{HEAD}{}", team("a", "prod/a/", "Bad", "")));
    let out = esogen(&["check", "--format", "json"], ws.path());
    assert_eq!(out.status.code(), Some(1));
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    assert_eq!(v["version"], 1);
    assert_eq!(v["summary"]["errors"], 1);
    let d = &v["diagnostics"][0];
    assert_eq!(d["code"], "invalid-namespace");
    assert_eq!(d["severity"], "error");
    assert_eq!(d["location"]["file"], "tenants.toml");
    assert_eq!(d["location"]["line"], 14);
    assert_eq!(d["location"]["column"], 15);
    assert!(d["help"].as_str().unwrap().contains("DNS-1123"));
}

#[test]
fn github_format_annotates_the_pull_request() {
    let ws = workspace(&format!(
        "{HEAD}{}{}",
        team("a", "prod/pay", "a", ""),
        team("b", "prod/payments/", "b", "refresh_interval = \"0\"")
    ));
    let out = esogen(&["check", "--format", "github"], ws.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("::error file=tenants.toml,line=19,col=10,endLine=19,endColumn=26,title=esogen overlapping-prefix::"),
        "{stdout}"
    );
    assert!(stdout.contains("::notice file=tenants.toml"), "{stdout}");
    assert!(
        stdout.contains("%0Ahelp: "),
        "multi-line messages are escaped: {stdout}"
    );
    assert!(stdout.lines().all(|l| l.starts_with("::")), "{stdout}");
}

#[test]
fn deny_warnings_turns_warnings_into_failure() {
    let ws = workspace(&format!(
        "{HEAD}{}",
        team(
            "a",
            "prod/a/",
            "a",
            "secrets = [{ name = \"all\", find = {} }]"
        )
    ));
    let out = esogen(&["check"], ws.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "warnings alone pass: {}",
        text(&out.stderr)
    );
    assert!(text(&out.stderr).contains("warning[list-secrets-exposure]"));
    let out = esogen(&["check", "--deny", "warnings"], ws.path());
    assert_eq!(out.status.code(), Some(1));
    let out = esogen(&["check", "--format", "nope"], ws.path());
    assert_eq!(out.status.code(), Some(2), "usage errors exit 2");
}

#[test]
fn tenants_d_files_merge_in_order_and_point_into_the_right_file() {
    let ws = workspace(&format!("{HEAD}{}", team("a", "prod/a/", "a", "")));
    let d = ws.path().join("tenants.d");
    std::fs::create_dir(&d).unwrap();
    std::fs::write(d.join("20-c.toml"), team("c", "prod/c/", "c", "")).unwrap();
    std::fs::write(
        d.join("10-b.toml"),
        format!("version = 1\n{}", team("b", "prod/b/", "b", "")),
    )
    .unwrap();
    std::fs::write(d.join("notes.md"), "not read").unwrap();
    let out = esogen(&["generate"], ws.path());
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    for ns in ["a", "b", "c"] {
        assert!(
            ws.path()
                .join(format!("overlays/{ns}/kustomization.yaml"))
                .is_file(),
            "{ns}"
        );
    }

    // A team defined again in another file: both places are named.
    std::fs::write(d.join("30-dup.toml"), team("b", "prod/b2/", "b2", "")).unwrap();
    let out = esogen(&["check"], ws.path());
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("error[duplicate-team]"), "{stderr}");
    assert!(stderr.contains("tenants.d/30-dup.toml:2:8"), "{stderr}");
    assert!(stderr.contains("tenants.d/10-b.toml:3:8"), "{stderr}");
    std::fs::remove_file(d.join("30-dup.toml")).unwrap();

    // A namespace claimed in two files.
    std::fs::write(d.join("30-dup.toml"), team("d", "prod/d/", "a", "")).unwrap();
    let out = esogen(&["check", "--format", "json"], ws.path());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let dup = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "duplicate-namespace")
        .unwrap();
    assert_eq!(dup["location"]["file"], "tenants.d/30-dup.toml");
    assert_eq!(dup["related"][0]["location"]["file"], "tenants.toml");
    std::fs::remove_file(d.join("30-dup.toml")).unwrap();

    // Errors in a team file are located there, and nothing is written.
    std::fs::write(
        d.join("40-bad.toml"),
        "[[teams]]\nname = \"e\"\nprefix = \"prod/e/\"\nprovider = \"aws\"\nnamespace = [\"e\"]\n",
    )
    .unwrap();
    let out = esogen(&["generate"], ws.path());
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("tenants.d/40-bad.toml:5:1"), "{stderr}");
    assert!(stderr.contains("did you mean `namespaces`"), "{stderr}");
    assert!(!ws.path().join("overlays/e").exists());
}

#[test]
fn explain_gives_reasons_and_commands() {
    let root = crate::common::repo_root();
    let out = esogen(&["explain", "payments"], &root);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for needle in [
        "store scope: a SecretStore per namespace (ESO guide Option A)",
        "why: 3 teams share the cluster",
        "auth: IRSA with IAM role `eso-prod-eu-1-payments`",
        "policy: read-only on `arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/payments/*`",
        "kubectl get secretstore aws -n payments",
        "kubectl describe externalsecret db -n payments",
        "kubectl get events -n payments --field-selector involvedObject.name=db",
        "kubectl annotate externalsecret db -n payments force-sync=$(date +%s) --overwrite",
        "kubectl logs -n external-secrets deploy/external-secrets",
        "aws iam get-role --role-name eso-prod-eu-1-payments --query Role.AssumeRolePolicyDocument",
    ] {
        assert!(stdout.contains(needle), "missing `{needle}` in:\n{stdout}");
    }
    assert!(
        !stdout.contains("namespace `checkout`"),
        "only the asked namespace"
    );

    let all = esogen(&["explain"], &root);
    assert!(text(&all.stdout).contains("namespace `checkout`"));

    let vault = esogen(
        &[
            "explain",
            "reporting",
            "--config",
            "examples/vault/tenants.toml",
        ],
        &root,
    );
    let v = text(&vault.stdout);
    assert!(
        v.contains("vault read auth/kubernetes/onprem-1/role/eso-onprem-1-reporting"),
        "{v}"
    );
    assert!(v.contains("PushSecret `export-token`"), "{v}");

    let bao = esogen(
        &[
            "explain",
            "dev-backend",
            "--config",
            "examples/openbao/tenants.toml",
        ],
        &root,
    );
    let b = text(&bao.stdout);
    assert!(b.contains("kubectl get clustersecretstore bao"), "{b}");
    assert!(b.contains("bao policy read eso-ocp-dev"), "{b}");

    let unknown = esogen(&["explain", "paymnets"], &root);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("did you mean `payments`"));
}

/// Issue 14, item 10: a finding about many teams or namespaces names a few
/// and counts the rest, so one finding about 100,000 teams is not a
/// megabyte long.
#[test]
fn issue_14_findings_about_many_teams_name_a_few_and_count_the_rest() {
    let message = |text: &str, code: &str| -> String {
        let (_, _, diags) = pipeline::generate_text("tenants.toml", text);
        let d = diags
            .0
            .iter()
            .find(|d| d.code.name() == code)
            .unwrap_or_else(|| panic!("no {code}: {diags:?}"));
        format!("{} {}", d.message, d.help.clone().unwrap_or_default())
    };
    let many = |provider: &str, prefix: &str| -> String {
        (0..100)
            .map(|i| {
                format!(
                    "[[teams]]\nname = \"t{i}\"\nprovider = \"{provider}\"\nprefix = \"{prefix}{i}-\"\nnamespaces = [\"t{i}\"]\n"
                )
            })
            .collect()
    };

    // One ClusterSecretStore forced on 100 teams.
    let cluster = format!(
        "{}{}",
        HEAD.replace(
            "platform = \"eks\"",
            "platform = \"eks\"\nstore_scope = \"cluster\""
        ),
        many("aws", "prod/t")
    );
    let m = message(&cluster, "shared-cluster-store");
    assert!(m.contains("t0, t1, ") && m.contains(" and 90 more"), "{m}");
    assert!(m.len() < 1000, "{m}");

    // One Key Vault and identity for 100 teams.
    let azure = format!(
        "version = 1\n[cluster]\nname = \"c\"\nplatform = \"aks\"\n[providers.kv]\nkind = \"azure-key-vault\"\ntenant_id = \"6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b\"\nclient_id = \"1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d\"\noidc_issuer = \"https://issuer.example/\"\nvault_url = \"https://kv-shared.vault.azure.net\"\n{}",
        many("kv", "t")
    );
    let m = message(&azure, "unscoped-provider");
    assert!(m.contains(" and 90 more"), "{m}");
    assert!(m.len() < 1000, "{m}");

    // A secret limited to a namespace its team of 100 does not own.
    let namespaces: Vec<String> = (0..100).map(|i| format!("\"n{i}\"")).collect();
    let team = format!(
        "{HEAD}[[teams]]\nname = \"a\"\nprovider = \"aws\"\nprefix = \"prod/a/\"\nnamespaces = [{}]\nsecrets = [{{ name = \"s\", key = \"prod/a/s\", namespaces = [\"other\"] }}]\n",
        namespaces.join(", ")
    );
    let m = message(&team, "namespace-not-in-team");
    assert!(
        m.contains("the team owns: n0, n1, ") && m.contains(" and 90 more"),
        "{m}"
    );
}
