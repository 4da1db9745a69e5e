//! The command-line conventions a platform engineer expects from kubectl,
//! terraform and cargo (issue 17): config discovery, one-line errors,
//! `--version` with the commit, Tab completion from the shell itself, and a
//! man page per subcommand read by the real `man`.

use std::path::Path;
use std::process::Command;

use crate::common::{esogen, example_repository as repository, repo_root, required, text};

#[test]
fn commands_find_tenants_toml_from_a_subdirectory() {
    let repo = repository();
    let deep = repo.path().join("overlays/payments");
    std::fs::create_dir_all(&deep).unwrap();
    let check = esogen(&["check"], &deep);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    assert!(
        text(&check.stderr).contains("../../tenants.toml: no findings"),
        "{}",
        text(&check.stderr)
    );
    // generate writes beside the file it found, not in the subdirectory.
    let gen_out = esogen(&["generate"], &deep);
    assert_eq!(gen_out.status.code(), Some(0), "{}", text(&gen_out.stderr));
    assert!(
        repo.path()
            .join("overlays/checkout/kustomization.yaml")
            .is_file()
    );
    assert!(!deep.join("bases").exists());
    let explain = esogen(&["explain", "payments"], &deep);
    assert_eq!(explain.status.code(), Some(0), "{}", text(&explain.stderr));
}

#[test]
fn discovery_stops_at_the_repository_root() {
    // A tenants.toml above the repository belongs to something else.
    let outer = repository();
    let inner = outer.path().join("inner");
    std::fs::create_dir_all(inner.join(".git")).unwrap();
    let check = esogen(&["check"], &inner);
    assert_eq!(check.status.code(), Some(2));
    let err = text(&check.stderr);
    assert!(err.contains("no `tenants.toml`"), "{err}");
    assert!(err.contains("esogen init"), "{err}");
}

#[test]
fn an_explicit_config_is_not_searched_for() {
    let repo = repository();
    let deep = repo.path().join("overlays");
    std::fs::create_dir_all(&deep).unwrap();
    let check = esogen(&["check", "--config", "tenants.toml"], &deep);
    assert_eq!(check.status.code(), Some(2), "{}", text(&check.stderr));
}

#[test]
fn out_pointing_at_a_file_is_one_line() {
    let repo = repository();
    std::fs::write(repo.path().join("afile"), "x").unwrap();
    for cmd in [
        &["generate", "--out", "afile"][..],
        &["diff", "--out", "afile"],
    ] {
        let run = esogen(cmd, repo.path());
        assert_eq!(run.status.code(), Some(2));
        let err = text(&run.stderr);
        assert_eq!(err.trim_end().lines().count(), 1, "{err}");
        assert!(err.contains("`afile` is not a directory"), "{err}");
        assert!(err.contains("--out DIR"), "{err}");
    }
    assert_eq!(
        std::fs::read_to_string(repo.path().join("afile")).unwrap(),
        "x"
    );
}

#[test]
fn an_array_left_open_is_reported_where_it_opens() {
    let repo = repository();
    let broken = "version = 1\n\n[[teams]]\nname = \"a\"\nnamespaces = [\"a\", \"b\"\n\n[cluster]\nname = \"x\"\n";
    std::fs::write(repo.path().join("tenants.toml"), broken).unwrap();
    let run = esogen(&["check", "--format", "github"], repo.path());
    assert_eq!(run.status.code(), Some(1));
    let out = text(&run.stdout);
    assert!(out.contains("line=5,col=14"), "{out}");
    assert!(out.contains("an array is not closed"), "{out}");
    assert!(out.contains("close the array with `]`"), "{out}");
}

#[test]
fn git_errors_carry_no_libgit2_internals() {
    let repo = repository();
    std::fs::write(repo.path().join(".git/index"), "not an index").unwrap();
    let run = esogen(&["generate", "--commit"], repo.path());
    assert_eq!(run.status.code(), Some(2));
    let err = text(&run.stderr);
    assert!(err.contains("index"), "{err}");
    assert!(!err.contains("class=") && !err.contains("code="), "{err}");
}

#[test]
fn version_names_the_commit_it_was_built_from() {
    let run = esogen(&["--version"], &repo_root());
    let line = text(&run.stdout);
    let head = Command::new("git")
        .args(["log", "-1", "--format=%H %cs"])
        .current_dir(repo_root())
        .output()
        .unwrap();
    let head = text(&head.stdout);
    let (hash, date) = head.trim().split_once(' ').unwrap();
    let want = format!("esogen {} ({}", env!("CARGO_PKG_VERSION"), &hash[..12]);
    assert!(line.starts_with(&want), "{line} vs {want}");
    assert!(line.trim_end().ends_with(&format!("{date})")), "{line}");
    // Subcommands say the same.
    let sub = esogen(&["check", "--version"], &repo_root());
    assert!(text(&sub.stdout).contains(&hash[..12]));
}

/// What bash offers at the end of `line` (words split on spaces; a
/// trailing space starts an empty word), using the script `esogen
/// completions bash` prints, in `dir`.
fn bash_completions(line: &str, dir: &Path) -> Vec<String> {
    let bin = Path::new(env!("CARGO_BIN_EXE_esogen"));
    let script = format!(
        r#"source <(esogen completions bash)
line={line:?}
read -r -a COMP_WORDS <<< "$line"
[[ "$line" == *" " ]] && COMP_WORDS+=("")
COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))
COMP_LINE="$line"; COMP_POINT=${{#line}}
_clap_complete_esogen esogen "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}""#
    );
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = Command::new("bash")
        .args(["--norc", "-c", &script])
        .env("PATH", path)
        .current_dir(dir)
        .output()
        .expect("bash runs");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
        .lines()
        .map(|l| l.trim().to_owned())
        .filter(|l| !l.is_empty())
        .collect()
}

#[test]
fn bash_completes_closed_values_and_namespaces() {
    let repo = repository();
    let platforms = bash_completions("esogen init --platform ", repo.path());
    for p in ["eks", "gke", "aks", "openshift", "generic"] {
        assert!(platforms.contains(&p.to_owned()), "{platforms:?}");
    }
    let providers = bash_completions("esogen init --provider aws", repo.path());
    assert!(
        providers.contains(&"aws-secrets-manager".to_owned()),
        "{providers:?}"
    );
    assert!(
        providers.iter().all(|p| p.starts_with("aws")),
        "{providers:?}"
    );
    let deliveries = bash_completions("esogen init --delivery ", repo.path());
    assert!(
        deliveries.contains(&"terraform".to_owned()),
        "{deliveries:?}"
    );
    let formats = bash_completions("esogen check --format ", repo.path());
    assert!(formats.contains(&"github".to_owned()), "{formats:?}");
    // Namespaces come from the tenants.toml found from the directory, even
    // from inside overlays/.
    let deep = repo.path().join("overlays");
    std::fs::create_dir_all(&deep).unwrap();
    let namespaces = bash_completions("esogen explain pay", &deep);
    assert_eq!(namespaces, ["payments", "payments-batch"], "{namespaces:?}");
    let subcommands = bash_completions("esogen ge", repo.path());
    assert_eq!(subcommands, ["generate"]);
    let pages = bash_completions("esogen man ex", repo.path());
    assert_eq!(pages, ["explain"]);
}

#[test]
fn every_subcommand_has_a_man_page_the_real_man_reads() {
    let Some(man) = which("man") else {
        assert!(!required(), "man is required (ESOGEN_REQUIRE_TOOLS=1)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let run = esogen(&["man", "--dir", "."], dir.path());
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    for sub in [
        "generate",
        "diff",
        "check",
        "explain",
        "init",
        "schema",
        "completions",
        "man",
    ] {
        let page = dir.path().join(format!("esogen-{sub}.1"));
        let out = Command::new(&man)
            .arg("-l")
            .arg(&page)
            .env("MANWIDTH", "100")
            .env("MAN_KEEP_FORMATTING", "0")
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .output()
            .unwrap();
        assert!(out.status.success(), "{sub}: {}", text(&out.stderr));
        // Overstrike bold (x\bx) removed, as a reader sees it.
        let shown = strip_overstrike(&text(&out.stdout));
        assert!(
            shown.contains(&format!("esogen-{sub} - ")),
            "{sub}:\n{shown}"
        );
        assert!(shown.contains("EXIT STATUS"), "{sub}:\n{shown}");
        assert!(shown.contains("SEE ALSO"), "{sub}:\n{shown}");
        let name_line = shown
            .lines()
            .skip_while(|l| l.trim() != "NAME")
            .nth(1)
            .unwrap_or_default();
        assert!(
            name_line.len() < 100,
            "{sub}: a short NAME line: {name_line}"
        );
    }
    let generate = std::fs::read_to_string(dir.path().join("esogen-generate.1")).unwrap();
    assert!(generate.contains("ENVIRONMENT") && generate.contains("ESOGEN_GIT_TOKEN"));
    // The top page lists every subcommand page, and `esogen man generate`
    // prints the same page as the file.
    let top = std::fs::read_to_string(dir.path().join("esogen.1")).unwrap();
    assert!(top.contains("esogen\\-generate"));
    let one = esogen(&["man", "generate"], dir.path());
    assert_eq!(text(&one.stdout), generate);
    let unknown = esogen(&["man", "nope"], dir.path());
    assert_eq!(unknown.status.code(), Some(2));
    assert!(text(&unknown.stderr).contains("pages exist for: generate"));
}

fn strip_overstrike(s: &str) -> String {
    let mut out: Vec<char> = Vec::new();
    for c in s.chars() {
        if c == '\u{8}' {
            out.pop();
        } else {
            out.push(c);
        }
    }
    out.into_iter().collect()
}

fn which(tool: &str) -> Option<std::path::PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(tool))
            .find(|p| p.is_file())
    })
}
