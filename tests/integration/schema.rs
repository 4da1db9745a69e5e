//! `tenants.schema.json` through a real JSON Schema validator: Python's
//! `jsonschema` (pinned in tests/conformance/jsonschema, installed by
//! .ci/run), with the draft the schema declares, reading each file with
//! tomllib as an editor reads TOML. Every example and fixture validates;
//! each file under tests/bad-schema/ (one mistake each) is rejected by the
//! schema and by `esogen check`, with the code its first line names; random
//! configurations `check` accepts all validate.

use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::Value;

use crate::common::{all_good_configs, esogen, repo_root, required, text};

/// The Python interpreter that has `jsonschema` (`ESOGEN_JSONSCHEMA`, set by
/// .ci/run), or `None` (with a message) when it is missing and not required.
fn python() -> Option<PathBuf> {
    let Some(python) = std::env::var_os("ESOGEN_JSONSCHEMA") else {
        assert!(
            !required(),
            "the JSON Schema validator is required (ESOGEN_REQUIRE_TOOLS=1): .ci/run installs it and sets ESOGEN_JSONSCHEMA"
        );
        eprintln!("SKIP: ESOGEN_JSONSCHEMA is not set");
        return None;
    };
    Some(PathBuf::from(python))
}

/// One file's result: the draft's validator and its errors.
struct Outcome {
    file: String,
    draft: String,
    errors: Vec<String>,
}

/// Validates `files` against the committed schema, in one run.
fn validate(python: &Path, files: &[PathBuf]) -> Vec<Outcome> {
    let root = repo_root();
    let out = Command::new(python)
        .arg(root.join("tests/conformance/jsonschema/validate.py"))
        .arg(root.join("tenants.schema.json"))
        .args(files)
        .output()
        .expect("the validator runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "validate.py failed: {}",
        text(&out.stderr)
    );
    let outcomes: Vec<Outcome> = text(&out.stdout)
        .lines()
        .map(|line| {
            let v: Value = serde_json::from_str(line).expect("one JSON object per line");
            Outcome {
                file: v["file"].as_str().unwrap_or_default().to_owned(),
                draft: v["draft"].as_str().unwrap_or_default().to_owned(),
                errors: v["errors"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| format!("{}: {}", e["path"], e["message"]))
                    .collect(),
            }
        })
        .collect();
    assert_eq!(outcomes.len(), files.len(), "one result per file");
    outcomes
}

#[test]
fn the_schema_declares_draft_07() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(repo_root().join("tenants.schema.json")).unwrap(),
    )
    .unwrap();
    // Draft-07 is the newest draft every editor reads (Taplo included).
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert!(
        schema.get("$defs").is_none(),
        "draft-07 names `definitions`"
    );
}

#[test]
fn every_example_and_fixture_validates() {
    let Some(python) = python() else { return };
    let files: Vec<PathBuf> = all_good_configs().into_iter().map(|(_, p)| p).collect();
    assert!(files.len() > 10);
    for o in validate(&python, &files) {
        assert_eq!(o.draft, "Draft7Validator", "{}", o.file);
        assert!(o.errors.is_empty(), "{}: {:#?}", o.file, o.errors);
    }
}

/// The broken files: `tests/bad-schema/*.toml`, each with `# expect: CODE`
/// on its first line.
fn broken_files() -> Vec<(PathBuf, String)> {
    let mut out: Vec<(PathBuf, String)> = std::fs::read_dir(repo_root().join("tests/bad-schema"))
        .expect("tests/bad-schema exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .map(|p| {
            let code = std::fs::read_to_string(&p)
                .unwrap()
                .lines()
                .next()
                .and_then(|l| l.strip_prefix("# expect: "))
                .unwrap_or_else(|| panic!("{}: first line names the code", p.display()))
                .trim()
                .to_owned();
            (p, code)
        })
        .collect();
    out.sort();
    out
}

#[test]
fn each_broken_file_is_rejected_by_the_schema_and_by_check() {
    let cases = broken_files();
    assert!(cases.len() >= 40, "the broken files are there");
    // `check` first: it needs no tool, and a file it accepted would make
    // the schema stricter than esogen.
    for (path, code) in &cases {
        let out = esogen(
            &["check", "--config", &path.to_string_lossy()],
            &repo_root(),
        );
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{}: {stderr}", path.display());
        assert!(
            stderr.contains(&format!("[{code}]")),
            "{}: expected [{code}]: {stderr}",
            path.display()
        );
    }
    let Some(python) = python() else { return };
    let files: Vec<PathBuf> = cases.iter().map(|(p, _)| p.clone()).collect();
    for o in validate(&python, &files) {
        assert!(!o.errors.is_empty(), "{}: the schema accepts it", o.file);
    }
}

/// Every key the schema describes, in every table (provider settings
/// included), has a description; the conditions (`if`) only restate keys.
#[test]
fn every_key_has_a_description() {
    fn walk(v: &Value, at: &str, missing: &mut Vec<String>) {
        let Value::Object(m) = v else {
            if let Value::Array(items) = v {
                for (i, item) in items.iter().enumerate() {
                    walk(item, &format!("{at}/{i}"), missing);
                }
            }
            return;
        };
        if let Some(Value::Object(props)) = m.get("properties") {
            for (key, p) in props {
                if p.get("description").is_none() {
                    missing.push(format!("{at}/properties/{key}"));
                }
            }
        }
        for (k, sub) in m {
            if k != "if" {
                walk(sub, &format!("{at}/{k}"), missing);
            }
        }
    }
    let schema = esogen::config::json_schema();
    let mut missing = Vec::new();
    walk(&schema, "", &mut missing);
    assert!(missing.is_empty(), "no description: {missing:#?}");
}

/// A value from `valid` most of the time, from `other` (a near miss)
/// sometimes.
fn mostly(valid: &'static str, other: &'static str) -> impl Strategy<Value = String> {
    let re = |r| proptest::string::string_regex(r).unwrap();
    prop_oneof![9 => re(valid), 1 => re(other)]
}

/// A random configuration: each closed setting and shape mostly valid,
/// sometimes a near miss; a provider of every kind with its settings'
/// examples, authenticating as its platform allows (or not, sometimes).
fn random_config() -> impl Strategy<Value = String> {
    let kinds: Vec<&'static dyn esogen::provider::ProviderKind> =
        esogen::provider::REGISTRY.to_vec();
    (
        (
            mostly("[a-z][a-z0-9-]{0,5}[a-z0-9]", "[a-z0-9-]{1,6}"),
            mostly("eks|gke|aks|openshift|generic", "EKS|k8s"),
            mostly("|auto|namespace|cluster", "namespaces|Auto"),
            mostly("|none|argocd|flux", "argo|gitops"),
            mostly("|vap|kyverno|none", "opa|VAP"),
            mostly("[1-9][0-9]?(h|m|s|ms)|0|1h30m|1\\.5h", "[0-9.]{1,3}(d|h)?"),
        ),
        proptest::sample::select(kinds),
        proptest::collection::vec(prop::bool::weighted(0.9), 14),
        (
            mostly("", "[a-z/.*-]{1,6}"),
            mostly("[a-z][a-z0-9-]{0,6}", "[a-zA-Z0-9-]{1,6}|kube-system"),
            mostly("[a-z0-9]{1,6}", "[a-z0-9/.-]{0,6}"),
            mostly("key|data|find", "both|none"),
        ),
    )
        .prop_map(|(cluster, kind, coin, team)| {
            use esogen::provider::{Required, SettingDefault, SettingType};
            let (name, platform, scope, gitops, admission, refresh) = cluster;
            let mut s = format!(
                "version = 1\n[cluster]\nname = {name:?}\nplatform = {platform:?}\nrefresh_interval = {refresh:?}\n"
            );
            for (key, v) in [("store_scope", &scope), ("gitops", &gitops), ("admission", &admission)] {
                if !v.is_empty() {
                    s.push_str(&format!("{key} = {v:?}\n"));
                }
            }
            if (gitops == "argocd" || gitops == "flux") == coin[0] {
                s.push_str("repo_url = \"https://git.example.com/x.git\"\n");
            }
            s.push_str(&format!("[providers.p]\nkind = {:?}\n", kind.name()));
            let native = kind
                .auth()
                .native_platform()
                .is_none_or(|p| p.name() == platform)
                == coin[1];
            let has_auth = kind.settings().iter().any(|spec| spec.key == "auth");
            if has_auth && !native {
                s.push_str("auth = \"static\"\n");
            }
            for (i, spec) in kind.settings().iter().enumerate() {
                let wanted = match spec.required {
                    Required::Yes => coin[2],
                    Required::WithNativeAuth => native == coin[3],
                    Required::WithStaticAuth => native != coin[3],
                    Required::WithDelivery(_) => !coin[4],
                    Required::No => !coin[5 + i % 9],
                };
                let value = spec.example.or(match spec.default {
                    Some(SettingDefault::Value(v)) => Some(v),
                    _ => None,
                });
                if spec.key == "auth" || !wanted {
                    continue;
                }
                if let Some(v) = value {
                    let literal = match spec.ty {
                        SettingType::Str => format!("{v:?}"),
                        SettingType::StrList => format!("[{v:?}]"),
                        _ => v.to_owned(),
                    };
                    s.push_str(&format!("{} = {literal}\n", spec.key));
                }
            }
            let (junk, namespace, leaf, shape) = team;
            let prefix = format!("{}{junk}", kind.default_prefix().replace("{team}", "t"));
            s.push_str(&format!(
                "[[teams]]\nname = \"t\"\nprovider = \"p\"\nprefix = {prefix:?}\nnamespaces = [{namespace:?}]\n[[teams.secrets]]\nname = \"s\"\n"
            ));
            let key = format!("{prefix}{leaf}");
            match shape.as_str() {
                "key" => s.push_str(&format!("key = {key:?}\n")),
                "data" => s.push_str(&format!("key = {key:?}\ndata = {{ k = \"p\" }}\n")),
                "find" => s.push_str(&format!("find = {{ path = {prefix:?} }}\n")),
                "both" => s.push_str(&format!("key = {key:?}\nfind = {{ path = {prefix:?} }}\n")),
                _ => {}
            }
            s
        })
}

/// The schema never refuses what `check` accepts: over random
/// configurations, every one `check` accepts validates. (Those it refuses
/// the schema may accept: some rules span tables or need the provider.)
#[test]
fn the_schema_accepts_every_random_config_check_accepts() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut runner = TestRunner::default();
    let strategy = random_config();
    let (mut accepted, mut refused) = (Vec::new(), Vec::new());
    for i in 0..400 {
        let config = strategy.new_tree(&mut runner).unwrap().current();
        let (_, result, _) = esogen::pipeline::generate_text("tenants.toml", &config);
        let path = dir.path().join(format!("{i}.toml"));
        std::fs::write(&path, &config).unwrap();
        if result.is_ok() {
            accepted.push(path);
        } else {
            refused.push(path);
        }
    }
    if accepted.is_empty()
        && let Some(first) = refused.first()
    {
        let config = std::fs::read_to_string(first).unwrap();
        let (sources, _, diags) = esogen::pipeline::generate_text("tenants.toml", &config);
        eprintln!(
            "{config}\n{}",
            esogen::diag::render::render_all(
                &sources,
                &diags.sorted(),
                esogen::diag::render::ColorChoice::Never
            )
        );
    }
    // The generator reaches both sides, or the property says little.
    assert!(accepted.len() >= 20, "only {} accepted", accepted.len());
    assert!(refused.len() >= 20, "only {} refused", refused.len());
    for o in validate(&python, &accepted) {
        let config = std::fs::read_to_string(&o.file).unwrap_or_default();
        assert!(
            o.errors.is_empty(),
            "check accepts, the schema refuses: {:#?}\n{config}",
            o.errors
        );
    }
    let caught = validate(&python, &refused)
        .iter()
        .filter(|o| !o.errors.is_empty())
        .count();
    eprintln!(
        "{} configs accepted by check, all valid; of {} refused, the schema catches {caught}",
        accepted.len(),
        refused.len()
    );
}
