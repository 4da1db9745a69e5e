//! Prints the library's reports: diagnostics, notes and errors on standard
//! error, results on standard output (and machine formats there too);
//! credentials in URLs redacted from errors and from what remotes said.

use esogen::cli::{CheckArgs, Format};
use esogen::command::Exit;
use esogen::command::check::{CheckReport, Verdict};
use esogen::command::explain::{ExplainReport, Explained};
use esogen::command::generate::{GenerateReport, GenerateRequest, Mode, Outcome, Push};
use esogen::command::init::{InitError, InitReport};
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

/// A `generate` or `diff` run: findings, notes, the outcome, timings.
pub fn generate(report: GenerateReport, req: &GenerateRequest, limit: Limit) -> Exit {
    let exit = report.exit();
    diagnostics(&report.sources, &report.diagnostics, req.color, limit);
    for note in &report.notes {
        eprintln!("{note}");
    }
    // `diff` keeps standard output for the diff itself.
    let diff = matches!(req.mode, Mode::Diff);
    match report.outcome {
        Err(e) => _ = error(e),
        Ok(Outcome::Unreadable) => {}
        Ok(Outcome::Stale(stale)) if diff => print!("{}", stale.diff),
        Ok(Outcome::Stale(stale)) => {
            println!("{stale}");
            print!("{}", stale.diff);
            println!("run `esogen generate` and commit the result");
        }
        Ok(Outcome::Committed { commit, push }) => {
            println!("{commit}");
            if let Some(push) = push {
                pushed(push);
            }
        }
        Ok(o @ Outcome::Invalid) => eprintln!("{o}"),
        Ok(o) if diff => eprintln!("{o}"),
        Ok(o) => println!("{o}"),
    }
    if std::env::var_os("ESOGEN_TIMINGS").is_some() {
        for (phase, at) in &report.phases {
            eprintln!("timing: {phase} at {:.3} s", at.as_secs_f64());
        }
    }
    exit
}

fn pushed(push: Push) {
    if let Ok(said) = &push.result {
        for line in said {
            eprintln!("remote: {}", url_credentials(line));
        }
        println!("{push}");
    }
    if let Err(e) = push.result {
        error(e);
    }
}

/// A check: findings in the chosen format.
pub fn check(report: CheckReport, args: &CheckArgs, color: ColorChoice, limit: Limit) -> Exit {
    let sorted = report.diagnostics.sorted();
    let shown = Report::new(&sorted, limit);
    match args.format {
        Format::Human => eprint!("{}", render::render_report(&report.sources, &shown, color)),
        Format::Json => print!("{}", render::render_json_report(&report.sources, &shown)),
        Format::Github => print!("{}", render::render_github_report(&report.sources, &shown)),
    }
    if args.format == Format::Human && report.verdict == Verdict::NoFindings {
        eprintln!("{}: no findings", args.config.config.display());
    }
    report.exit()
}

/// An explanation, or why there is none.
pub fn explain(report: ExplainReport, color: ColorChoice, limit: Limit) -> Exit {
    diagnostics(&report.sources, &report.diagnostics, color, limit);
    match &report.outcome {
        Explained::Unreadable => {}
        Explained::Text(text) => print!("{text}"),
        other => eprintln!("{other}"),
    }
    report.exit()
}

/// What `init` wrote, or why it wrote nothing.
pub fn init(result: Result<InitReport, InitError>) -> Exit {
    match &result {
        Err(_) => {}
        Ok(report @ InitReport::Written { .. }) => println!("{report}"),
        Ok(report @ InitReport::Rejected { .. }) => eprint!("{report}"),
    }
    result.map_or_else(error, |r| r.exit())
}

/// The exit code of a command that only prints: 0, or 2 after the error.
pub fn done<E: Into<anyhow::Error>>(result: Result<(), E>) -> Exit {
    result.map_or_else(error, |()| Exit::Ok)
}
