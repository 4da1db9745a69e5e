//! The `esogen` binary: parses the arguments, calls the library
//! (`esogen::command`, where every decision lives), prints the report and
//! exits with its code.

mod alloc;
mod print;
mod prompt;

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};
use esogen::cli::{Cli, Command};
use esogen::command::generate::{GenerateRequest, generate};
use esogen::command::{Exit, check, color_choice, explain, init};
use esogen::diag::render::Limit;

fn main() -> ExitCode {
    alloc::configure();
    let cli = Cli::parse();
    let color = color_choice(cli.color, std::io::stderr().is_terminal());
    let limit = Limit::from_max(cli.max_diagnostics);
    let exit = match cli.command {
        Command::Generate(args) => run(GenerateRequest::from_generate(args, color), limit),
        Command::Diff(args) => {
            let color = color_choice(cli.color, std::io::stdout().is_terminal());
            run(GenerateRequest::from_diff(args, color), limit)
        }
        Command::Check(args) => print::check(check::check(&(&args).into()), &args, color, limit),
        Command::Explain(args) => print::explain(explain::explain(&(&args).into()), color, limit),
        Command::Init(args) => print::init(init::init(&args, prompt::terminal())),
        Command::Schema => {
            let text = serde_json::to_string_pretty(&esogen::config::json_schema());
            print::done(text.map(|text| println!("{text}")))
        }
        Command::Completions { shell } => {
            clap_complete::generate(shell, &mut Cli::command(), "esogen", &mut std::io::stdout());
            Exit::Ok
        }
        Command::Man => {
            print::done(clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()))
        }
    };
    ExitCode::from(exit as u8)
}

fn run(req: GenerateRequest, limit: Limit) -> Exit {
    print::generate(generate(&req, &alloc::Hints), &req, limit)
}
