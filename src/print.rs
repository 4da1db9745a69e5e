//! Prints the library's reports: diagnostics, notes and errors on standard
//! error, results on standard output (and machine formats there too);
//! credentials in URLs redacted from errors and from what remotes said.

use esogen::cli::{CheckArgs, Format, OutputFormat};
use esogen::command::check::{CheckReport, Verdict};
use esogen::command::explain::{ExplainReport, Explained};
use esogen::command::generate::{GenerateReport, GenerateRequest, Mode, Outcome, Push};
use esogen::command::init::{InitError, InitReport};
use esogen::command::{Exit, Verbosity, json};
use esogen::diag::Diagnostics;
use esogen::diag::render::{self, ColorChoice, Limit, Report};
use esogen::redact::url_credentials;
use esogen::source::Sources;

/// Prints `error: ...` with the error's causes.
pub fn error(e: impl Into<anyhow::Error>) -> Exit {
    // A remote given with `--push` may carry a token in its URL.
    eprintln!("error: {}", url_credentials(&format!("{:#}", e.into())));
    Exit::Error
}

/// Findings on standard error, at most as many as `limit`.
fn diagnostics(sources: &Sources, diags: &Diagnostics, color: ColorChoice, limit: Limit) {
    eprint!(
        "{}",
        render::render_report(sources, &Report::new(&diags.sorted(), limit), color)
    );
}

/// How a command prints: colours, how many findings, how much else, and
/// in which format.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    /// Colours for diagnostics and diffs.
    pub color: ColorChoice,
    /// How many findings.
    pub limit: Limit,
    /// How much besides the result.
    pub verbosity: Verbosity,
    /// Text or JSON.
    pub format: OutputFormat,
}

/// A `generate` or `diff` run: findings, notes, the outcome, timings; or
/// one JSON document.
pub fn generate(report: GenerateReport, req: &GenerateRequest, style: Style) -> Exit {
    let exit = report.exit();
    if style.format == OutputFormat::Json {
        let doc = json::generate(
            report,
            &req.mode,
            req.config.display().to_string(),
            req.out.display().to_string(),
            style.limit,
        );
        return print_json(&doc, exit).map_or_else(error, |()| exit);
    }
    let quiet = style.verbosity == Verbosity::Quiet;
    let verbose = style.verbosity == Verbosity::Verbose;
    diagnostics(&report.sources, &report.diagnostics, req.color, style.limit);
    if verbose {
        eprintln!(
            "tenants file: {}; output root: {}",
            req.config.display(),
            req.out.display()
        );
    }
    for note in report.notes.iter().filter(|_| !quiet) {
        eprintln!("{note}");
    }
    if let (true, Some(files)) = (verbose, &report.files) {
        for (label, paths) in [
            ("added", &files.added),
            ("changed", &files.changed),
            ("removed", &files.removed),
        ] {
            for p in paths {
                eprintln!("  {label:<7} {p}");
            }
        }
    }
    // `diff` keeps standard output for the diff itself.
    let diff = matches!(req.mode, Mode::Diff);
    match report.outcome {
        Err(e) => _ = error(e),
        Ok(Outcome::Unreadable) => {}
        Ok(Outcome::Stale(stale)) if diff => stdout(&stale.diff, exit),
        Ok(Outcome::Stale(stale)) => {
            stdout(&format!("{stale}\n"), exit);
            stdout(&stale.diff, exit);
            stdout("run `esogen generate` and commit the result\n", exit);
        }
        Ok(Outcome::Committed { commit, push }) => {
            if !quiet {
                println!("{commit}");
            }
            if let Some(push) = push {
                pushed(push, quiet);
            }
        }
        Ok(o @ Outcome::Invalid) => eprintln!("{o}"),
        Ok(_) if quiet => {}
        Ok(o) if diff => eprintln!("{o}"),
        Ok(o) => println!("{o}"),
    }
    if verbose || std::env::var_os("ESOGEN_TIMINGS").is_some() {
        for phase in &report.phases {
            let peak = phase
                .peak_kib
                .map(|kib| format!(", peak memory {} MiB", kib / 1024))
                .unwrap_or_default();
            eprintln!(
                "timing: {} at {:.3} s{peak}",
                phase.name,
                phase.at.as_secs_f64()
            );
        }
    }
    exit
}

/// One JSON document on standard output.
fn print_json(doc: &impl serde::Serialize, exit: Exit) -> Result<(), serde_json::Error> {
    let mut text = serde_json::to_string_pretty(doc)?;
    text.push('\n');
    stdout(&text, exit);
    Ok(())
}

/// Writes a command's (possibly long) result to standard output. A reader
/// that went away (`esogen diff | head`) ends the run quietly with the
/// exit code it had (`exit`: drift stays 1 under `set -o pipefail`),
/// instead of a panic.
fn stdout(text: &str, exit: Exit) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(exit as i32);
        }
        eprintln!("error: writing to standard output: {e}");
        std::process::exit(2);
    }
}

fn pushed(push: Push, quiet: bool) {
    if let Ok(said) = &push.result {
        for line in said.iter().filter(|_| !quiet) {
            eprintln!("remote: {}", url_credentials(line));
        }
        if !quiet {
            println!("{push}");
        }
    }
    if let Err(e) = push.result {
        error(e);
    }
}

/// A check: findings in the chosen format.
pub fn check(report: CheckReport, args: &CheckArgs, style: Style) -> Exit {
    let (color, limit) = (style.color, style.limit);
    let sorted = report.diagnostics.sorted();
    let shown = Report::new(&sorted, limit);
    match args.format {
        Format::Human => eprint!("{}", render::render_report(&report.sources, &shown, color)),
        Format::Json => print!("{}", render::render_json_report(&report.sources, &shown)),
        Format::Github => print!("{}", render::render_github_report(&report.sources, &shown)),
    }
    if args.format == Format::Human
        && report.verdict == Verdict::NoFindings
        && style.verbosity != Verbosity::Quiet
    {
        eprintln!("{}: no findings", args.config.path().display());
    }
    report.exit()
}

/// An explanation, or why there is none: text, or one JSON document.
pub fn explain(report: ExplainReport, style: Style) -> Exit {
    if style.format == OutputFormat::Json {
        let exit = report.exit();
        return print_json(&json::explain(report, style.limit), exit).map_or_else(error, |()| exit);
    }
    diagnostics(
        &report.sources,
        &report.diagnostics,
        style.color,
        style.limit,
    );
    match &report.outcome {
        Explained::Unreadable => {}
        Explained::Model(model) => stdout(&model.to_string(), Exit::Ok),
        other => eprintln!("{other}"),
    }
    report.exit()
}

/// What `init` wrote, or why it wrote nothing.
pub fn init(result: Result<InitReport, InitError>, verbosity: Verbosity) -> Exit {
    match &result {
        Err(_) => {}
        Ok(InitReport::Written { .. }) if verbosity == Verbosity::Quiet => {}
        Ok(report @ InitReport::Written { .. }) => println!("{report}"),
        Ok(report @ InitReport::Rejected { .. }) => eprint!("{report}"),
    }
    result.map_or_else(error, |r| r.exit())
}

/// The exit code of a command that only prints: 0, or 2 after the error.
pub fn done<E: Into<anyhow::Error>>(result: Result<(), E>) -> Exit {
    result.map_or_else(error, |()| Exit::Ok)
}
