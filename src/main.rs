//! The `esogen` binary: parse arguments, run, map the result to an exit code.

mod app;
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

/// How long mimalloc keeps freed memory before giving it back to the
/// system, in ms: its own default (v3), and the delay of a run that renders
/// everything.
const PURGE_DEFAULT_MS: std::ffi::c_long = 1000;
const PURGE_PROMPT_MS: std::ffi::c_long = 1;

/// Keeps freed memory for reuse a little longer: for an incremental run
/// (the local cache is there), which renders little and holds little, so
/// pages returned and faulted in again would cost a tenth of a one-team run
/// (BENCHMARKS.md). [`release_freed_memory_promptly`] ends it.
pub(crate) fn reuse_freed_memory() {
    // SAFETY: sets a plain integer option; mimalloc reads its options
    // atomically.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DEFAULT_MS) }
}

/// Gives freed memory back after 1 ms: a full run frees its plan and the
/// bytes it has written while it still holds the rest of the tree, and the
/// peak memory is what a 10,000-namespace cluster's CI runner notices
/// (180 MB -> 150 MB, no slower; BENCHMARKS.md).
pub(crate) fn release_freed_memory_promptly() {
    // SAFETY: as in reuse_freed_memory.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_PROMPT_MS) }
}

/// [`release_freed_memory_promptly`] from the middle of a run that turned
/// out to render most of the tree: what already waits for the longer delay
/// is given back at once.
pub(crate) fn release_freed_memory_now() {
    release_freed_memory_promptly();
    // SAFETY: mi_collect may run on any thread at any time.
    unsafe { libmimalloc_sys::mi_collect(true) }
}

fn main() -> ExitCode {
    // Commit arena memory as it is used, not ahead (BENCHMARKS.md).
    // SAFETY: sets a plain integer option before any other thread exists.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0);
    }
    release_freed_memory_promptly();
    let cli = esogen::cli::Cli::parse();
    match app::run(cli) {
        Ok(exit) => ExitCode::from(exit as u8),
        Err(e) => {
            // A remote given with `--push` may carry a token in its URL.
            eprintln!(
                "error: {}",
                esogen::redact::url_credentials(&format!("{e:#}"))
            );
            ExitCode::from(app::Exit::Error as u8)
        }
    }
}
