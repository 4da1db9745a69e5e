//! The `esogen` binary: parse arguments, run, map the result to an exit code.

mod app;
mod cli;
mod wizard;

use std::process::ExitCode;

use clap::Parser;

// esogen allocates many small, short-lived objects across two threads or
// more; mimalloc cuts allocator time and fragmentation against glibc's
// malloc (see BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
