//! Incremental generation: a run that keeps unchanged namespaces from the
//! local cache must leave exactly the tree a run from scratch leaves, for
//! every edit; hand edits and stray files are still found.

use std::collections::BTreeMap;
use std::path::Path;

use proptest::prelude::*;

use crate::common::{esogen, text};

/// Every file under `dir` except the local cache, by relative path.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            (rel, std::fs::read(e.path()).unwrap())
        })
        .filter(|(rel, _)| rel != ".esogen/cache.bin")
        .collect()
}

fn run(dir: &Path, config: &str) -> std::process::Output {
    std::fs::write(dir.join("tenants.toml"), config).unwrap();
    esogen(&["generate"], dir)
}

/// [`run`] with the portable file-system implementation (`sync::fsys`)
/// when `portable`, the one macOS and Windows builds use.
fn run_with(dir: &Path, config: &str, portable: bool) -> std::process::Output {
    if !portable {
        return run(dir, config);
    }
    std::fs::write(dir.join("tenants.toml"), config).unwrap();
    std::process::Command::new(env!("CARGO_BIN_EXE_esogen"))
        .arg("generate")
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("ESOGEN_PORTABLE_FS", "1")
        .output()
        .unwrap()
}

/// [`run_with`] that must succeed: its standard error (where notes go).
fn notes_of(dir: &Path, config: &str, portable: bool) -> String {
    let out = run_with(dir, config, portable);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    text(&out.stderr)
}

/// Runs each of the focused checks below on the Linux and the portable
/// file-system path.
macro_rules! on_both_file_system_paths {
    ($($name:ident),*) => {
        mod linux_fs {
            $(#[test] fn $name() { super::$name(false) })*
        }
        mod portable_fs {
            $(#[test] fn $name() { super::$name(true) })*
        }
    };
}

on_both_file_system_paths!(
    a_one_team_change_writes_only_that_teams_files,
    a_hand_edit_in_a_kept_namespace_is_still_repaired,
    a_removed_file_in_a_kept_namespace_is_written_again,
    stray_files_are_reported_on_every_run_with_cached_listings,
    a_file_left_untrusted_is_a_stray_on_later_runs,
    directories_swapped_by_rename_are_listed_again
);

#[derive(Debug, Clone)]
struct Team {
    provider: usize,
    /// Picks the prefix: `/prod/t<i>/` or `/prod/t<i>-<n>/`.
    prefix: u8,
    namespaces: Vec<u8>,
    secrets: Vec<(u8, u8)>,
}

#[derive(Debug, Clone)]
struct Setup {
    scope: u8,
    argocd: bool,
    /// `admission`: vap, kyverno or none.
    admission: u8,
    allow_generators: bool,
    regions: [u8; 2],
    teams: Vec<Team>,
}

const REGIONS: &[&str] = &["eu-west-1", "us-east-1", "ap-southeast-2"];

fn render(s: &Setup) -> String {
    let scope = ["auto", "namespace", "cluster"][usize::from(s.scope % 3)];
    let mut out = format!(
        "version = 1\n[cluster]\nname = \"inc\"\nplatform = \"eks\"\nstore_scope = \"{scope}\"\n"
    );
    if s.argocd {
        out.push_str("gitops = \"argocd\"\nrepo_url = \"https://git.example.com/p.git\"\n");
    }
    let admission = ["vap", "kyverno", "none"][usize::from(s.admission % 3)];
    out.push_str(&format!(
        "admission = \"{admission}\"\nallow_generators = {}\n",
        s.allow_generators
    ));
    for (i, kind) in ["aws-secrets-manager", "aws-parameter-store"]
        .iter()
        .enumerate()
    {
        let region = REGIONS[usize::from(s.regions[i]) % REGIONS.len()];
        out.push_str(&format!(
            "[providers.p{i}]\nkind = \"{kind}\"\nregion = \"{region}\"\naccount_id = \"123456789012\"\noidc_provider = \"oidc.eks.{region}.amazonaws.com/id/X\"\nrole_name = \"eso-{{{{provider}}}}-{{{{namespace}}}}\"\n"
        ));
    }
    for (t, team) in s.teams.iter().enumerate() {
        let mut ns: Vec<u8> = team.namespaces.clone();
        ns.sort_unstable();
        ns.dedup();
        let ns: Vec<String> = ns.iter().map(|n| format!("\"t{t}-n{n}\"")).collect();
        let prefix = match team.prefix % 3 {
            0 => format!("/prod/t{t}/"),
            n => format!("/prod/t{t}-{n}/"),
        };
        out.push_str(&format!(
            "[[teams]]\nname = \"t{t}\"\nprovider = \"p{}\"\nprefix = \"{prefix}\"\nnamespaces = [{}]\n",
            team.provider % 2,
            ns.join(", ")
        ));
        for (j, (shape, n)) in team.secrets.iter().enumerate() {
            out.push_str(&format!(
                "[[teams.secrets]]\nname = \"s{j}\"\nkey = \"{prefix}k{n}\"\n"
            ));
            if shape % 3 == 1 {
                out.push_str("data = { user = \"user\" }\n");
            }
            if shape % 3 == 2 {
                out.push_str("refresh_interval = \"5m\"\n");
            }
        }
    }
    out
}

fn team() -> impl Strategy<Value = Team> {
    (
        0usize..2,
        0u8..3,
        prop::collection::vec(0u8..4, 1..4),
        prop::collection::vec((0u8..3, 0u8..4), 0..4),
    )
        .prop_map(|(provider, prefix, namespaces, secrets)| Team {
            provider,
            prefix,
            namespaces,
            secrets,
        })
}

/// The many-teams shape: several teams of one namespace each.
fn small_team() -> impl Strategy<Value = Team> {
    (
        0usize..2,
        0u8..3,
        0u8..4,
        prop::collection::vec((0u8..3, 0u8..4), 0..3),
    )
        .prop_map(|(provider, prefix, namespace, secrets)| Team {
            provider,
            prefix,
            namespaces: vec![namespace],
            secrets,
        })
}

fn setup() -> impl Strategy<Value = Setup> {
    (
        0u8..3,
        any::<bool>(),
        (0u8..3, any::<bool>()),
        [0u8..3, 0u8..3],
        prop_oneof![
            prop::collection::vec(team(), 1..5),
            prop::collection::vec(small_team(), 4..9),
            // Enough teams to be parsed in parts, so that a run restores
            // the teams the last one validated (`config::memo`).
            prop::collection::vec(small_team(), 64..68),
        ],
    )
        .prop_map(
            |(scope, argocd, (admission, allow_generators), regions, teams)| Setup {
                scope,
                argocd,
                admission,
                allow_generators,
                regions,
                teams,
            },
        )
}

/// One edit a platform engineer might make in a pull request.
fn edit(s: &Setup, which: u8, k: usize, v: u8) -> Setup {
    let mut s = s.clone();
    let t = k % s.teams.len();
    match which % 12 {
        0 => s.teams[t].secrets.push((v % 3, v % 4)),
        1 => {
            s.teams[t].secrets.pop();
        }
        2 => s.teams[t].namespaces.push(v % 5),
        3 if s.teams[t].namespaces.len() > 1 => {
            s.teams[t].namespaces.remove(0);
        }
        4 => s.teams[t].provider += 1,
        5 => s.regions[usize::from(v % 2)] += 1,
        6 => s.argocd = !s.argocd,
        7 => s.scope += 1,
        8 if s.teams.len() > 1 => {
            s.teams.remove(t);
        }
        9 => s.teams[t].prefix += 1,
        10 => s.admission += 1,
        11 => s.allow_generators = !s.allow_generators,
        _ => s.teams.push(s.teams[t].clone()),
    }
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn incremental_generation_equals_generation_from_scratch(
        before in setup(),
        edits in prop::collection::vec((any::<u8>(), any::<usize>(), any::<u8>()), 1..4),
    ) {
        let inc = tempfile::tempdir().unwrap();
        let first = run(inc.path(), &render(&before));
        prop_assert_eq!(first.status.code(), Some(0), "{}", text(&first.stderr));
        let mut now = before.clone();
        for (which, k, v) in edits {
            now = edit(&now, which, k, v);
            let config = render(&now);
            let again = run(inc.path(), &config);
            prop_assert_eq!(again.status.code(), Some(0), "{}\n{}", config, text(&again.stderr));
            let fresh = tempfile::tempdir().unwrap();
            let full = run(fresh.path(), &config);
            prop_assert_eq!(full.status.code(), Some(0), "{}", text(&full.stderr));
            let (a, b) = (snapshot(inc.path()), snapshot(fresh.path()));
            let differ: Vec<&String> = a
                .keys()
                .chain(b.keys())
                .filter(|p| a.get(*p) != b.get(*p))
                .collect();
            prop_assert!(differ.is_empty(), "after editing to\n{}\nthese differ: {:?}", config, differ);
        }
    }
}

const TWO_TEAMS: &str = r#"version = 1
[cluster]
name = "c"
platform = "eks"
store_scope = "namespace"
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

fn mtime(p: &Path) -> std::time::SystemTime {
    std::fs::metadata(p).unwrap().modified().unwrap()
}

fn a_one_team_change_writes_only_that_teams_files(portable: bool) {
    let ws = tempfile::tempdir().unwrap();
    assert_eq!(
        run_with(ws.path(), TWO_TEAMS, portable).status.code(),
        Some(0)
    );
    let other = ws.path().join("overlays/pay/externalsecret-db.yaml");
    let policy = ws.path().join("policies/pay/aws.iam-policy.json");
    let (other_before, policy_before) = (mtime(&other), mtime(&policy));
    let out = run_with(
        ws.path(),
        &TWO_TEAMS.replace("search/os", "search/opensearch"),
        portable,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("0 added, 1 changed, 0 removed"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(mtime(&other), other_before);
    assert_eq!(mtime(&policy), policy_before);
    let es =
        std::fs::read_to_string(ws.path().join("overlays/search/externalsecret-os.yaml")).unwrap();
    assert!(es.contains("search/opensearch"), "{es}");
}

fn a_hand_edit_in_a_kept_namespace_is_still_repaired(portable: bool) {
    let ws = tempfile::tempdir().unwrap();
    assert_eq!(
        run_with(ws.path(), TWO_TEAMS, portable).status.code(),
        Some(0)
    );
    let f = ws.path().join("overlays/pay/externalsecret-db.yaml");
    let original = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, original.replace("pay/db", "search/os")).unwrap();
    // Another team changes: `pay` would be kept, but its file no longer
    // matches the cache, so it is rendered and compared again.
    let out = run_with(
        ws.path(),
        &TWO_TEAMS.replace("search/os", "search/opensearch"),
        portable,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("0 added, 2 changed, 0 removed"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(std::fs::read_to_string(&f).unwrap(), original);
}

fn a_removed_file_in_a_kept_namespace_is_written_again(portable: bool) {
    let ws = tempfile::tempdir().unwrap();
    assert_eq!(
        run_with(ws.path(), TWO_TEAMS, portable).status.code(),
        Some(0)
    );
    let f = ws.path().join("policies/pay-batch/aws.iam-policy.json");
    let original = std::fs::read(&f).unwrap();
    std::fs::remove_file(&f).unwrap();
    let out = run_with(
        ws.path(),
        &TWO_TEAMS.replace("search/os", "search/opensearch"),
        portable,
    );
    assert!(
        text(&out.stdout).contains("1 added, 1 changed, 0 removed"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(std::fs::read(&f).unwrap(), original);
}

fn stray_files_are_reported_on_every_run_with_cached_listings(portable: bool) {
    let ws = tempfile::tempdir().unwrap();
    assert_eq!(
        run_with(ws.path(), TWO_TEAMS, portable).status.code(),
        Some(0)
    );
    std::fs::write(ws.path().join("overlays/pay/notes.md"), "mine").unwrap();
    std::fs::create_dir(ws.path().join("overlays/search/extra")).unwrap();
    std::fs::write(ws.path().join("overlays/search/extra/a.yaml"), "x").unwrap();
    for (i, edit) in ["search/o1", "search/o2", "search/o3"].iter().enumerate() {
        if i == 1 {
            // A file added inside a subdirectory leaves its parent's mtime
            // alone; it must still be found.
            std::fs::write(ws.path().join("overlays/search/extra/b.yaml"), "y").unwrap();
        }
        let err = notes_of(ws.path(), &TWO_TEAMS.replace("search/os", edit), portable);
        assert!(
            err.contains("`overlays/pay/notes.md` was not generated"),
            "{err}"
        );
        assert!(
            err.contains("`overlays/search/extra/a.yaml` was not generated"),
            "{err}"
        );
        if i >= 1 {
            assert!(
                err.contains("`overlays/search/extra/b.yaml` was not generated"),
                "{err}"
            );
        }
    }
    // Strays are never touched.
    assert_eq!(
        std::fs::read_to_string(ws.path().join("overlays/pay/notes.md")).unwrap(),
        "mine"
    );
}

/// A file the record lists but no longer generated, whose marker a person
/// removed, is left alone as untrusted; from then on it is a stray on every
/// run, also when its directory is unchanged and the record kept (a listing
/// that still holds it is not one to skip).
fn a_file_left_untrusted_is_a_stray_on_later_runs(portable: bool) {
    let ws = tempfile::tempdir().unwrap();
    let with_cache = TWO_TEAMS.replace(
        "key = \"pay/db\"\n",
        "key = \"pay/db\"\n[[teams.secrets]]\nname = \"cache\"\nkey = \"pay/cache\"\n",
    );
    assert_eq!(
        run_with(ws.path(), &with_cache, portable).status.code(),
        Some(0)
    );
    // A second run that writes records the listings it looked through.
    let again = with_cache.replace("search/os", "search/o0");
    assert_eq!(run_with(ws.path(), &again, portable).status.code(), Some(0));
    let file = ws.path().join("overlays/pay/externalsecret-cache.yaml");
    assert!(file.is_file());
    std::fs::write(&file, "mine").unwrap();
    let err = notes_of(ws.path(), TWO_TEAMS, portable);
    assert!(
        err.contains("overlays/pay/externalsecret-cache.yaml"),
        "{err}"
    );
    assert!(!err.contains("was not generated"), "{err}");
    for edit in ["search/o1", "search/o2"] {
        let err = notes_of(ws.path(), &TWO_TEAMS.replace("search/os", edit), portable);
        assert!(
            err.contains("`overlays/pay/externalsecret-cache.yaml` was not generated"),
            "{edit}: {err}"
        );
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "mine");
}

/// Two directories with the same mtime (one clock tick) swapped by
/// renaming keep their mtimes: a listing recorded by path and mtime alone
/// would be reused for the other directory, and the files each now holds
/// would never be found as strays.
fn directories_swapped_by_rename_are_listed_again(portable: bool) {
    let ws = tempfile::tempdir().unwrap();
    assert_eq!(
        run_with(ws.path(), TWO_TEAMS, portable).status.code(),
        Some(0)
    );
    let (a, b) = (
        ws.path().join("overlays/pay"),
        ws.path().join("policies/pay"),
    );
    for dir in [&a, &b] {
        let touched = std::process::Command::new("touch")
            .args(["-m", "-d", "@1700000000"])
            .arg(dir)
            .status()
            .unwrap();
        assert!(touched.success());
    }
    // A run that records both listings with that mtime.
    let once = TWO_TEAMS.replace("search/os", "search/o1");
    assert_eq!(run_with(ws.path(), &once, portable).status.code(), Some(0));
    let aside = ws.path().join("swap");
    std::fs::rename(&a, &aside).unwrap();
    std::fs::rename(&b, &a).unwrap();
    std::fs::rename(&aside, &b).unwrap();
    let err = notes_of(
        ws.path(),
        &TWO_TEAMS.replace("search/os", "search/o2"),
        portable,
    );
    for stray in [
        "overlays/pay/aws.iam-policy.json",
        "policies/pay/kustomization.yaml",
    ] {
        assert!(
            err.contains(&format!("`{stray}` was not generated")),
            "{stray}: {err}"
        );
    }
}
