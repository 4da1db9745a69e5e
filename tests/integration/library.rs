//! The subcommands called as library functions (`esogen::command`), the way
//! the binary calls them: typed requests in, typed reports out, asserted
//! without spawning the program or reading its output.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use clap::Parser;
use esogen::cli::{Cli, Command as Subcommand};
use esogen::command::check::{CheckRequest, Verdict, Warnings, check};
use esogen::command::explain::{ExplainRequest, Explained, explain};
use esogen::command::generate::{
    GenerateError, GenerateReport, GenerateRequest, Mode, Outcome, generate,
};
use esogen::command::init::{InitError, InitReport, PromptError, Prompter, init};
use esogen::command::{Exit, MemoryHints, NoHints};
use esogen::diag::Code;
use esogen::diag::render::ColorChoice;
use esogen::sync::Note;
use esogen::sync::commit::{CommitError, CommitOptions, OtherStaged};
use esogen::sync::git::{CommitOutcome, GitError};

use crate::common::{repo_root, text};

/// The example tenants file (5 namespaces) in a fresh directory.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo_root().join("tenants.toml"),
        dir.path().join("tenants.toml"),
    )
    .unwrap();
    dir
}

fn request(dir: &Path, mode: Mode) -> GenerateRequest {
    GenerateRequest {
        config: dir.join("tenants.toml"),
        out: dir.to_path_buf(),
        mode,
        color: ColorChoice::Never,
        list_files: false,
    }
}

fn run(dir: &Path, mode: Mode) -> GenerateReport {
    generate(&request(dir, mode), &NoHints)
}

/// The number of files the example renders, from the pure pipeline.
fn example_files() -> usize {
    crate::common::generate(&repo_root().join("tenants.toml")).len()
}

/// Changes the AWS region: every namespace's policies change.
fn change_region(dir: &Path) {
    let path = dir.join("tenants.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replace("eu-west-1", "eu-west-2")).unwrap();
}

#[test]
fn a_first_run_writes_every_file_and_a_second_is_proved_fresh() {
    let ws = workspace();
    let first = run(ws.path(), Mode::Write);
    let Ok(Outcome::Written(w)) = &first.outcome else {
        panic!("{:?}", first.outcome);
    };
    assert_eq!(w.namespaces, 5);
    assert_eq!(w.added, example_files());
    assert_eq!((w.changed, w.removed, w.unchanged), (0, 0, 0));
    assert_eq!(first.exit(), Exit::Ok);
    assert!(first.notes.is_empty(), "{:?}", first.notes);
    let phases: Vec<&str> = first.phases.iter().map(|p| p.name).collect();
    assert_eq!(
        phases,
        [
            "cache loaded",
            "generated (read, checked, built, rendered)",
            "compared",
            "written",
            "cache recorded"
        ]
    );

    let second = run(ws.path(), Mode::Write);
    match &second.outcome {
        Ok(Outcome::Fresh { files, config }) => {
            assert_eq!(*files, w.added);
            assert_eq!(config, &ws.path().join("tenants.toml"));
        }
        other => panic!("{other:?}"),
    }
    assert!(second.phases.is_empty(), "the fast path has no phases");
}

#[test]
fn check_mode_reports_what_is_stale_and_writes_nothing() {
    let ws = workspace();
    run(ws.path(), Mode::Write);
    change_region(ws.path());
    let report = run(ws.path(), Mode::Check);
    let Ok(Outcome::Stale(stale)) = &report.outcome else {
        panic!("{:?}", report.outcome);
    };
    assert_eq!(report.exit(), Exit::Findings);
    assert!(stale.added.is_empty() && stale.removed.is_empty());
    assert!(
        stale
            .changed
            .contains(&"bases/tenant/aws/secretstore.yaml".to_owned())
    );
    assert!(
        stale.diff.contains("+      region: eu-west-2"),
        "{}",
        stale.diff
    );
    assert!(
        stale.to_string().starts_with(&format!(
            "stale: the generated files do not match {} (0 to add, {} to change, 0 to remove)\n  change  ",
            ws.path().join("tenants.toml").display(),
            stale.changed.len()
        )),
        "{stale}"
    );
    // Nothing was written: the same comparison again, and as `diff`.
    let again = run(ws.path(), Mode::Diff);
    assert!(matches!(&again.outcome, Ok(Outcome::Stale(s)) if s == stale));

    let written = run(ws.path(), Mode::Write);
    let Ok(Outcome::Written(w)) = written.outcome else {
        panic!("{:?}", written.outcome);
    };
    assert_eq!(w.changed, stale.changed.len());
    // Without the cache the comparison reads the files.
    std::fs::remove_file(ws.path().join(".esogen/cache.bin")).unwrap();
    let report = run(ws.path(), Mode::Check);
    assert!(
        matches!(report.outcome, Ok(Outcome::Matches { files, .. }) if files == example_files()),
        "{:?}",
        report.outcome
    );
    let report = run(ws.path(), Mode::Write);
    assert!(
        matches!(report.outcome, Ok(Outcome::Unchanged { files }) if files == example_files()),
        "{:?}",
        report.outcome
    );
}

#[test]
fn strays_and_untrusted_record_entries_are_notes() {
    let ws = workspace();
    run(ws.path(), Mode::Write);
    std::fs::write(ws.path().join("overlays/stray.yaml"), "stray\n").unwrap();
    // A record edited to claim a file esogen never generates.
    let record = ws.path().join(".esogen/owned-files.json");
    let mut owned: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&record).unwrap()).unwrap();
    owned["files"]
        .as_array_mut()
        .unwrap()
        .push("README.md".into());
    std::fs::write(&record, owned.to_string()).unwrap();
    std::fs::write(ws.path().join("README.md"), "# ours\n").unwrap();
    change_region(ws.path());
    let report = run(ws.path(), Mode::Write);
    assert_eq!(
        report.notes,
        [
            Note::Stray("overlays/stray.yaml".into()),
            Note::Untrusted("README.md".into())
        ]
    );
    assert_eq!(
        report.notes[0].to_string(),
        "note: `overlays/stray.yaml` was not generated by esogen; left untouched"
    );
    assert!(report.notes[1].to_string().starts_with(
        "warning: `README.md` is listed in .esogen/owned-files.json but esogen never generates it"
    ));
    assert!(ws.path().join("overlays/stray.yaml").exists());
    assert_eq!(
        std::fs::read_to_string(ws.path().join("README.md")).unwrap(),
        "# ours\n"
    );
}

#[test]
fn an_interrupted_run_is_noted_and_finished_by_the_next_write() {
    let ws = workspace();
    run(ws.path(), Mode::Write);
    let journal = esogen::sync::journal::Journal::new(vec!["overlays/payments/gone.yaml".into()]);
    std::fs::write(
        ws.path().join(esogen::sync::journal::JOURNAL_FILE),
        journal.to_bytes(),
    )
    .unwrap();
    // The cache is not trusted after an interrupted run: the tree is
    // compared.
    let report = run(ws.path(), Mode::Check);
    assert!(
        matches!(report.outcome, Ok(Outcome::Matches { .. })),
        "{:?}",
        report.outcome
    );
    assert_eq!(report.notes, [Note::Interrupted { temporary_files: 0 }]);
    let report = run(ws.path(), Mode::Write);
    assert!(matches!(report.outcome, Ok(Outcome::Recovered { files }) if files == example_files()));
    assert!(!ws.path().join(esogen::sync::journal::JOURNAL_FILE).exists());
    let report = run(ws.path(), Mode::Write);
    assert!(report.notes.is_empty(), "{:?}", report.notes);
}

#[test]
fn an_invalid_or_unreadable_config_writes_nothing() {
    let ws = tempfile::tempdir().unwrap();
    std::fs::copy(
        repo_root().join("tests/bad/duplicate-team.toml"),
        ws.path().join("tenants.toml"),
    )
    .unwrap();
    let report = run(ws.path(), Mode::Write);
    assert!(matches!(report.outcome, Ok(Outcome::Invalid)));
    assert_eq!(report.exit(), Exit::Error);
    assert!(report.diagnostics.has_errors());
    assert!(!ws.path().join("bases").exists());

    let missing = generate(
        &GenerateRequest {
            config: ws.path().join("nope.toml"),
            ..request(ws.path(), Mode::Write)
        },
        &NoHints,
    );
    assert!(matches!(missing.outcome, Ok(Outcome::Unreadable)));
    assert_eq!(missing.diagnostics.0.len(), 1);
    assert_eq!(missing.diagnostics.0[0].code, Code::Io);
}

/// Memory hints, as the run gave them.
#[derive(Default)]
struct Recorded(Mutex<Vec<&'static str>>);

impl MemoryHints for Recorded {
    fn reuse_freed(&self) {
        self.0.lock().unwrap().push("reuse");
    }
    fn release_promptly(&self) {
        self.0.lock().unwrap().push("promptly");
    }
    fn release_now(&self) {
        self.0.lock().unwrap().push("now");
    }
    fn left_to_exit(&self, value: Box<dyn std::any::Any + Send>) {
        self.0.lock().unwrap().push("exit");
        drop(value);
    }
}

fn hints_of(dir: &Path) -> Vec<&'static str> {
    let hints = Recorded::default();
    let report = generate(&request(dir, Mode::Write), &hints);
    assert!(report.outcome.is_ok(), "{:?}", report.outcome);
    hints.0.into_inner().unwrap()
}

#[test]
fn memory_hints_follow_how_much_of_the_tree_is_rendered() {
    let ws = workspace();
    // No cache: a full run, memory given back promptly throughout, and
    // what it no longer needs freed by the run itself.
    assert_eq!(hints_of(ws.path()), ["promptly"]);
    // A cache that vouches for every namespace: an incremental run, which
    // hands the plan, the tree, and the units with the spent caches over
    // to the process's exit.
    let path = ws.path().join("tenants.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, format!("{text}\n# a comment\n")).unwrap();
    assert_eq!(
        hints_of(ws.path()),
        ["reuse", "promptly", "exit", "exit", "exit"]
    );
    // Every namespace rendered again: a full run after all, told once
    // the first tenth of them missed; it frees its own.
    change_region(ws.path());
    assert_eq!(hints_of(ws.path()), ["reuse", "now", "promptly"]);
}

/// A repository made with the git command line, isolated from the user's
/// configuration.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("HOME", dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", dir.join(".no-gitconfig"))
        .env("GIT_AUTHOR_NAME", "T")
        .env("GIT_AUTHOR_EMAIL", "t@example.com")
        .env("GIT_COMMITTER_NAME", "T")
        .env("GIT_COMMITTER_EMAIL", "t@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

/// A fixed environment: the commit time only.
fn fixed_env(name: &str) -> Option<String> {
    (name == "SOURCE_DATE_EPOCH").then(|| "1700000000".to_owned())
}

fn commit_options(branch: Option<&str>, push: Option<PathBuf>) -> CommitOptions {
    CommitOptions {
        branch: branch.map(str::to_owned),
        push: push.map(|p| p.display().to_string()),
        author: Some("Esogen Test <esogen@example.com>".into()),
        committer: None,
        other_staged: OtherStaged::Refuse,
        env: fixed_env,
    }
}

fn committed(report: &GenerateReport) -> (&CommitOutcome, &str, &str) {
    match &report.outcome {
        Ok(Outcome::Committed { commit, .. }) => {
            (&commit.outcome, &commit.branch, commit.subject())
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_commit_in_a_fresh_repository_lands_on_its_branch() {
    let ws = workspace();
    git(ws.path(), &["init", "-q", "-b", "main"]);
    let report = run(ws.path(), Mode::Commit(commit_options(None, None)));
    let (outcome, branch, subject) = committed(&report);
    let CommitOutcome::Committed { id, branch: on } = outcome else {
        panic!("{outcome:?}");
    };
    assert_eq!((branch, on.as_str()), ("main", "main"));
    assert_eq!(subject, "esogen: add checkout, payments, search");
    assert_eq!(git(ws.path(), &["rev-parse", "HEAD"]).trim(), id);
    assert_eq!(
        git(ws.path(), &["log", "-1", "--format=%an <%ae> %at"]).trim(),
        "Esogen Test <esogen@example.com> 1700000000"
    );
    // Everything generated and the tenants file are committed, nothing
    // else is left staged or modified.
    assert_eq!(git(ws.path(), &["status", "--porcelain"]), "");

    let again = run(ws.path(), Mode::Commit(commit_options(None, None)));
    assert_eq!(committed(&again).0, &CommitOutcome::Unchanged);
    assert_eq!(
        again.outcome.as_ref().unwrap().to_string(),
        "up to date: nothing to commit on `main`"
    );
}

#[test]
fn a_commit_to_another_branch_leaves_the_working_tree_alone_and_pushes() {
    let ws = workspace();
    git(ws.path(), &["init", "-q", "-b", "main"]);
    let remote = tempfile::tempdir().unwrap();
    git(remote.path(), &["init", "-q", "--bare"]);
    let options = commit_options(Some("gitops"), Some(remote.path().to_path_buf()));
    let report = run(ws.path(), Mode::Commit(options));
    let (outcome, branch, _) = committed(&report);
    assert!(
        matches!(outcome, CommitOutcome::Committed { .. }),
        "{outcome:?}"
    );
    assert_eq!(branch, "gitops");
    assert!(!ws.path().join("bases").exists(), "nothing written to disk");
    let Ok(Outcome::Committed {
        push: Some(push), ..
    }) = &report.outcome
    else {
        panic!("{:?}", report.outcome);
    };
    assert!(push.result.is_ok(), "{:?}", push.result);
    assert_eq!(report.exit(), Exit::Ok);
    assert_eq!(
        git(remote.path(), &["rev-parse", "gitops"]),
        git(ws.path(), &["rev-parse", "gitops"])
    );
}

#[test]
fn staged_changes_esogen_did_not_make_are_refused_unless_included() {
    let ws = workspace();
    git(ws.path(), &["init", "-q", "-b", "main"]);
    std::fs::write(ws.path().join("other.txt"), "x\n").unwrap();
    git(ws.path(), &["add", "other.txt"]);
    let report = run(ws.path(), Mode::Commit(commit_options(None, None)));
    match &report.outcome {
        Err(GenerateError::Commit(CommitError::Git(GitError::UnrelatedStaged(paths)))) => {
            assert_eq!(paths, &["other.txt"]);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(report.exit(), Exit::Error);
    assert!(!ws.path().join("bases").exists(), "refused before writing");

    let options = CommitOptions {
        other_staged: OtherStaged::Include,
        ..commit_options(None, None)
    };
    let report = run(ws.path(), Mode::Commit(options));
    assert!(matches!(
        committed(&report).0,
        CommitOutcome::Committed { .. }
    ));
    assert_eq!(git(ws.path(), &["show", "HEAD:other.txt"]), "x\n");
}

#[test]
fn check_and_explain_report_typed_verdicts() {
    let warned = repo_root().join("tests/fixtures/cluster-scope-every-provider/tenants.toml");
    let strict = check(&CheckRequest {
        config: warned.clone(),
        warnings: Warnings::Deny,
    });
    assert!(!strict.diagnostics.is_empty());
    assert_eq!(
        (strict.verdict, strict.exit()),
        (Verdict::Failed, Exit::Findings)
    );
    let lenient = check(&CheckRequest {
        config: warned.clone(),
        warnings: Warnings::Allow,
    });
    assert_eq!(
        (lenient.verdict, lenient.exit()),
        (Verdict::Passed, Exit::Ok)
    );

    let report = explain(&ExplainRequest {
        config: repo_root().join("tenants.toml"),
        namespace: Some("paymnts".into()),
    });
    match &report.outcome {
        Explained::UnknownNamespace {
            suggestion,
            namespaces,
            ..
        } => {
            assert_eq!(suggestion.as_deref(), Some("payments"));
            assert_eq!(namespaces.len(), 5);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(report.exit(), Exit::Error);
}

/// Answers questions from a script: the answer to the first question whose
/// prompt contains the key; records what it was told.
struct Scripted {
    answers: Vec<(&'static str, &'static str)>,
    said: Mutex<Vec<String>>,
}

impl Scripted {
    fn answer(&self, prompt: &str) -> &'static str {
        self.answers
            .iter()
            .find(|(key, _)| prompt.contains(key))
            .map(|(_, a)| *a)
            .unwrap_or_else(|| panic!("unexpected question {prompt:?}"))
    }
}

impl Prompter for Scripted {
    fn text(
        &self,
        prompt: &str,
        _default: Option<&str>,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<String, PromptError> {
        let answer = self.answer(prompt);
        check(answer.trim()).map_err(|e| format!("{prompt}: {e}"))?;
        Ok(answer.to_owned())
    }

    fn select(&self, prompt: &str, items: &[&str]) -> Result<usize, PromptError> {
        let answer = self.answer(prompt);
        // A choice is named by its first word ("ack — IAM Role objects ...").
        Ok(items
            .iter()
            .position(|i| *i == answer || i.starts_with(&format!("{answer} — ")))
            .unwrap_or_else(|| panic!("{answer:?} is not one of {items:?}")))
    }

    fn say(&self, text: &str) {
        self.said.lock().unwrap().push(text.to_owned());
    }
}

fn init_args(dir: &Path, file: &str, flags: &[&str]) -> Box<esogen::cli::InitArgs> {
    let output = dir.join(file).display().to_string();
    let args = ["esogen", "init", "-o", &output]
        .into_iter()
        .chain(flags.iter().copied());
    match Cli::try_parse_from(args).unwrap().command {
        Subcommand::Init(args) => args,
        other => panic!("{other:?}"),
    }
}

#[test]
fn init_asks_what_no_flag_answers_and_writes_a_valid_file() {
    let dir = tempfile::tempdir().unwrap();
    let terminal = Scripted {
        answers: vec![
            // Most specific first: the OIDC and delivery questions name a
            // provider too.
            ("OIDC", "oidc.eks.eu-west-1.amazonaws.com/id/X"),
            ("provider side", "ack"),
            ("How many teams", " 2 "),
            ("Team names", "payments, search"),
            ("platform", "eks"),
            ("provider", "aws-secrets-manager"),
            ("region", "eu-west-1"),
            ("account", "123456789012"),
            ("prefix", "prod/{team}/"),
        ],
        said: Mutex::new(Vec::new()),
    };
    let args = init_args(
        dir.path(),
        "tenants.toml",
        &["--cluster-name", "lib-cluster"],
    );
    let report = init(&args, Some(&terminal)).unwrap();
    assert!(matches!(&report, InitReport::Written { config, .. } if config == &args.output));
    let said = terminal.said.into_inner().unwrap();
    assert!(said[0].starts_with("2 teams share the cluster"), "{said:?}");
    assert!(said[0].contains("Option A"), "{said:?}");
    let text = std::fs::read_to_string(&args.output).unwrap();
    assert!(text.contains("name = \"lib-cluster\""), "{text}");
    assert!(text.contains("prefix = \"prod/payments/\""), "{text}");
    assert!(text.contains("delivery = \"ack\""), "{text}");
    assert!(
        said.iter().any(|s| s.contains("bases/access/")),
        "the closing line names where the access is: {said:?}"
    );
    let checked = check(&CheckRequest {
        config: args.output.clone(),
        warnings: Warnings::Deny,
    });
    assert_eq!(checked.verdict, Verdict::NoFindings);

    // The file exists now; without a terminal, every missing answer names
    // its flag.
    assert!(matches!(init(&args, None), Err(InitError::Exists(_))));
    let args = init_args(dir.path(), "other.toml", &["--teams", "a"]);
    match init(&args, None) {
        Err(InitError::Flags { missing, refused }) => {
            let flags: Vec<&str> = missing.iter().map(|m| m.flag.as_str()).collect();
            assert_eq!(flags, ["platform", "provider", "prefix", "cluster-name"]);
            assert!(refused.is_empty(), "{refused:?}");
        }
        other => panic!("{other:?}"),
    }
}
