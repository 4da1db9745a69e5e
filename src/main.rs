//! The `esogen` binary: parse arguments, run, map the result to an exit code.

mod app;
mod cli;
mod wizard;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match app::run(cli) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(app::Exit::Error as u8)
        }
    }
}
