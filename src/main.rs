//! The `esogen` binary: parses the arguments, calls the library
//! (`esogen::command`, where every decision lives), prints the report and
//! exits with its code.

mod alloc;
mod print;
mod prompt;
mod status;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::FromArgMatches;
use esogen::cli::{Cli, Command, ConfigArg, ManArgs, OutputFormat};
use esogen::command::generate::{GenerateRequest, Mode, generate_with_progress};
use esogen::command::{Exit, Verbosity, check, color_choice, explain, init, man, shell};
use esogen::diag::render::Limit;
use print::Style;
use status::{PlanTo, Status};

fn main() -> ExitCode {
    alloc::configure();
    // A Tab in a shell whose completion script calls back: answer, exit.
    clap_complete::CompleteEnv::with_factory(shell::command)
        .var(shell::COMPLETE_VAR)
        .complete();
    let mut cli = match Cli::from_arg_matches(&shell::command().get_matches()) {
        Ok(cli) => cli,
        Err(e) => e.exit(),
    };
    if let Some(config) = config_arg(&mut cli.command) {
        discover(config);
    }
    if let Command::Generate(args) = &cli.command
        && args.commit
        && args.push.is_none()
    {
        skip_ca_certificates();
    }
    let verbosity = match (cli.quiet, cli.verbose) {
        (true, _) => Verbosity::Quiet,
        (false, true) => Verbosity::Verbose,
        (false, false) => Verbosity::Normal,
    };
    let style = |format| Style {
        color: color_choice(cli.color, std::io::stderr().is_terminal()),
        limit: Limit::from_max(cli.max_diagnostics),
        verbosity,
        format,
    };
    let exit = match cli.command {
        Command::Generate(args) => {
            let style = style(args.format);
            run(GenerateRequest::from_generate(args, style.color), style)
        }
        Command::Diff(args) => {
            let style = style(args.format);
            let color = color_choice(cli.color, std::io::stdout().is_terminal());
            run(GenerateRequest::from_diff(args, color), style)
        }
        Command::Check(args) => {
            // A check holds only the config and its plan, and frees what
            // parsing built: reused at once, not given back and faulted in
            // again (BENCHMARKS.md, issue 18).
            esogen::command::MemoryHints::reuse_freed(&alloc::Hints);
            print::check(
                check::check(&(&args).into()),
                &args,
                style(OutputFormat::Human),
            )
        }
        Command::Explain(args) => {
            print::explain(explain::explain(&(&args).into()), style(args.format))
        }
        Command::Init(args) => print::init(init::init(&args, prompt::terminal()), verbosity),
        Command::Schema => {
            let text = serde_json::to_string_pretty(&esogen::config::json_schema());
            print::done(text.map(|text| println!("{text}")))
        }
        Command::Completions { shell } => print::done(shell::write_registration(
            &shell.to_string(),
            &mut std::io::stdout(),
        )),
        Command::Man(args) => man_pages(&args),
    };
    ExitCode::from(exit as u8)
}

/// Points OpenSSL at an empty certificate file, for a run that commits but
/// does not push: libgit2 starts OpenSSL when it starts, which reads and
/// parses the system's whole CA bundle (30 to 40 ms, a third of a one-team
/// `--commit` at 1,000 teams; BENCHMARKS.md) for TLS that only a push uses.
#[allow(unsafe_code)]
fn skip_ca_certificates() {
    #[cfg(unix)]
    // SAFETY: called from `main` before the first thread starts, so no
    // other thread reads the environment while it changes.
    unsafe {
        std::env::set_var("SSL_CERT_FILE", "/dev/null");
    }
}

/// The `--config` of the subcommands that read the tenants file.
fn config_arg(command: &mut Command) -> Option<&mut ConfigArg> {
    match command {
        Command::Generate(a) => Some(&mut a.config),
        Command::Diff(a) => Some(&mut a.config),
        Command::Check(a) => Some(&mut a.config),
        Command::Explain(a) => Some(&mut a.config),
        Command::Init(_) | Command::Schema | Command::Completions { .. } | Command::Man(_) => None,
    }
}

/// Without `--config`, the tenants.toml of this directory or the nearest
/// parent, as git and cargo find theirs.
fn discover(config: &mut ConfigArg) {
    if config.config.is_none() {
        config.config = Some(esogen::load::discover_config(std::path::Path::new(".")));
    }
}

/// `esogen man`: one page on standard output, or every page into a directory.
fn man_pages(args: &ManArgs) -> Exit {
    let cmd = shell::command();
    if let Some(dir) = &args.dir {
        let written = man::pages(cmd).and_then(|pages| {
            std::fs::create_dir_all(dir)?;
            for (name, roff) in &pages {
                std::fs::write(dir.join(name), roff)?;
            }
            Ok(pages.len())
        });
        return print::done(written.map(|n| println!("wrote {n} man pages to {}", dir.display())));
    }
    match man::render(cmd.clone(), args.subcommand.as_deref()) {
        Ok(Some(roff)) => print::done(std::io::Write::write_all(&mut std::io::stdout(), &roff)),
        Ok(None) => print::error(anyhow::anyhow!(
            "`{}` is not a subcommand; pages exist for: {}",
            args.subcommand.as_deref().unwrap_or_default(),
            man::subcommand_names(&cmd).join(", ")
        )),
        Err(e) => print::error(e),
    }
}

/// A `generate` or `diff` run, with the plan line before writing and a
/// status line on a terminal while it runs.
fn run(mut req: GenerateRequest, style: Style) -> Exit {
    let human = style.format == OutputFormat::Human;
    req.list_files = !human || style.verbosity == Verbosity::Verbose;
    let plan_to = match (human, style.verbosity, &req.mode) {
        (false, _, _) | (_, Verbosity::Quiet, _) => PlanTo::Nowhere,
        (true, _, Mode::Diff) => PlanTo::Stderr,
        (true, _, _) => PlanTo::Stdout,
    };
    let status = Status::start(plan_to, human && style.verbosity != Verbosity::Quiet);
    let report = generate_with_progress(&req, &alloc::Hints, &status);
    status.finish();
    print::generate(report, &req, style)
}
