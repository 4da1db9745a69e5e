//! The ownership record kept from the last run (issue 18): a run whose
//! record would list the same paths and teams as the last run's keeps the
//! file on disk instead of building it again, but never trusts a record
//! that was edited, nor one built from other teams.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::{AWS_HEAD, esogen, text};

const RECORD: &str = ".esogen/owned-files.json";

/// Two teams whose namespaces have files of the same names, so moving a
/// namespace from one team to the other changes the record's teams but
/// not its paths.
fn config(search_namespaces: &str, pay_namespaces: &str, key: &str) -> String {
    let team = |name: &str, namespaces: &str, key: &str| {
        format!(
            "[[teams]]\nname = \"{name}\"\nprovider = \"aws\"\nprefix = \"{name}/\"\n\
             namespaces = [{namespaces}]\n[[teams.secrets]]\nname = \"db\"\nkey = \"{name}/{key}\"\n"
        )
    };
    AWS_HEAD.replacen(
        "platform = \"eks\"\n",
        "platform = \"eks\"\nstore_scope = \"namespace\"\n",
        1,
    ) + &team("pay", pay_namespaces, key)
        + &team("search", search_namespaces, "db")
}

fn run(dir: &Path, config: &str) -> std::process::Output {
    std::fs::write(dir.join("tenants.toml"), config).unwrap();
    let out = esogen(&["generate"], dir);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    out
}

/// Every file under `dir` except the local cache, by relative path, as
/// text (readable when an assertion fails).
fn snapshot(dir: &Path) -> BTreeMap<String, String> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap();
            (rel.to_string_lossy().into_owned(), e.into_path())
        })
        .filter(|(rel, _)| rel != ".esogen/cache.bin")
        .map(|(rel, path)| (rel, std::fs::read_to_string(path).unwrap()))
        .collect()
}

/// The tree a run from scratch leaves for `config`.
fn scratch(config: &str) -> BTreeMap<String, String> {
    let dir = tempfile::tempdir().unwrap();
    run(dir.path(), config);
    snapshot(dir.path())
}

/// A workspace after two runs (the first incremental run makes the
/// cache's record of the record), and the record's path.
fn primed() -> (tempfile::TempDir, std::path::PathBuf) {
    let ws = tempfile::tempdir().unwrap();
    let record = ws.path().join(RECORD);
    run(ws.path(), &config(r#""search""#, r#""pay""#, "a"));
    run(ws.path(), &config(r#""search""#, r#""pay""#, "b"));
    (ws, record)
}

fn mtime(p: &Path) -> std::time::SystemTime {
    std::fs::metadata(p).unwrap().modified().unwrap()
}

#[test]
fn a_one_team_change_keeps_the_ownership_record() {
    let (ws, record) = primed();
    let before = mtime(&record);
    let changed = config(r#""search""#, r#""pay""#, "c");
    let out = run(ws.path(), &changed);
    assert!(
        text(&out.stdout).contains("0 added, 1 changed, 0 removed"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(mtime(&record), before, "the record was written again");
    assert_eq!(snapshot(ws.path()), scratch(&changed));
}

#[test]
fn a_hand_edited_ownership_record_is_restored_on_a_one_team_change() {
    let (ws, record) = primed();
    // Same size, other teams and paths: only its mtime tells.
    let original = std::fs::read_to_string(&record).unwrap();
    let edited = original.replace("search", "sEarch");
    assert_ne!(edited, original);
    std::fs::write(&record, &edited).unwrap();
    let changed = config(r#""search""#, r#""pay""#, "c");
    let out = run(ws.path(), &changed);
    assert!(
        text(&out.stdout).contains("0 added, 2 changed, 0 removed"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(snapshot(ws.path()), scratch(&changed));
}

#[test]
fn the_ownership_record_follows_a_namespace_moved_to_another_team() {
    let ws = tempfile::tempdir().unwrap();
    let before = config(r#""search""#, r#""pay", "batch""#, "a");
    run(ws.path(), &before);
    run(ws.path(), &config(r#""search""#, r#""pay", "batch""#, "b"));
    let moved = config(r#""search", "batch""#, r#""pay""#, "b");
    // The same paths: only the record's teams tell the two apart.
    let (old, new) = (scratch(&before), scratch(&moved));
    assert!(old.keys().eq(new.keys()), "the paths differ");
    assert_ne!(old.get(RECORD), new.get(RECORD));
    run(ws.path(), &moved);
    assert_eq!(snapshot(ws.path()), new);
}

#[test]
fn a_kept_ownership_record_still_removes_a_dropped_namespace() {
    let ws = tempfile::tempdir().unwrap();
    run(ws.path(), &config(r#""search""#, r#""pay", "batch""#, "a"));
    run(ws.path(), &config(r#""search""#, r#""pay", "batch""#, "b"));
    let dropped = config(r#""search""#, r#""pay""#, "b");
    let out = run(ws.path(), &dropped);
    assert!(
        !ws.path().join("overlays/batch").exists(),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(snapshot(ws.path()), scratch(&dropped));
    // And the run after it, with the record rebuilt for the new paths,
    // keeps it again.
    let record = ws.path().join(RECORD);
    run(ws.path(), &config(r#""search""#, r#""pay""#, "c"));
    let before = mtime(&record);
    let last = config(r#""search""#, r#""pay""#, "d");
    run(ws.path(), &last);
    assert_eq!(mtime(&record), before);
    assert_eq!(snapshot(ws.path()), scratch(&last));
}

/// Kept paths come from the local cache, which a person can edit: they are
/// checked like rendered ones, now on the cores that keep them.
#[test]
fn a_kept_path_edited_in_the_cache_is_still_refused() {
    use esogen::sync::cache::{Cache, UnitRecord};
    let ws = tempfile::tempdir().unwrap();
    run(ws.path(), &config(r#""search""#, r#""pay""#, "a"));
    run(ws.path(), &config(r#""search""#, r#""pay""#, "b"));
    let mut cache = Cache::load(ws.path()).expect("the cache is there");
    let unit = cache
        .units
        .iter_mut()
        .find(|u| u.namespace == "search")
        .expect("search is a unit");
    // The same files (their stats still match), by another spelling.
    let files: Vec<(String, (u64, u128))> = unit
        .files()
        .map(|(p, s)| (p.replace("overlays/search/", "overlays/search//"), s))
        .collect();
    assert!(files.iter().any(|(p, _)| p.contains("//")));
    *unit = UnitRecord::new(
        unit.namespace.clone(),
        unit.fingerprint.clone(),
        files.iter().map(|(p, s)| (p.as_str(), *s)),
    );
    std::fs::write(
        ws.path().join(".esogen/cache.bin"),
        postcard::to_stdvec(&cache).unwrap(),
    )
    .unwrap();
    std::fs::write(
        ws.path().join("tenants.toml"),
        config(r#""search""#, r#""pay""#, "c"),
    )
    .unwrap();
    let out = esogen(&["generate"], ws.path());
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("refusing to generate `overlays/search//"),
        "{err}"
    );
}
