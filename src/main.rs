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

/// mimalloc v3 options the sys crate has no constants for (see
/// `mi_option_e` in its `mimalloc.h`).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

fn main() -> ExitCode {
    // Commit arena memory as it is used and give freed memory back after
    // 1 ms instead of 10: a run frees its plan and the bytes it has written
    // while it still holds the rest of the tree, and peak memory is what a
    // 10,000-namespace cluster's CI runner notices (180 MB -> 140 MB, no
    // slower; BENCHMARKS.md).
    // SAFETY: sets plain integer options before any other thread exists.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, 1);
    }
    let cli = cli::Cli::parse();
    match app::run(cli) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(app::Exit::Error as u8)
        }
    }
}
