//! The allocator: mimalloc, tuned for esogen's runs, taking the memory
//! hints the library gives (`esogen::command::MemoryHints`). The binary's
//! only `unsafe` code: mimalloc's integer options, and a collection.

// The one place unsafe code is allowed (Cargo.toml denies it elsewhere);
// each block has its SAFETY note.
#![allow(unsafe_code)]

// Many small, short-lived objects across two threads or more: mimalloc cuts
// allocator time and fragmentation against glibc's malloc (BENCHMARKS.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc v3 options the sys crate has no constants for (`mi_option_e`
/// in its `mimalloc.h`).
const MI_OPTION_ARENA_EAGER_COMMIT: libmimalloc_sys::mi_option_t = 4;
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// How long freed memory is kept before it goes back to the system, in ms:
/// mimalloc's own default (v3), and the delay of a run that renders much.
const PURGE_DEFAULT_MS: std::ffi::c_long = 1000;
const PURGE_PROMPT_MS: std::ffi::c_long = 1;

/// Commits arena memory as it is used, not ahead, and gives freed memory
/// back promptly until a hint says otherwise (BENCHMARKS.md).
pub fn configure() {
    // SAFETY: sets a plain integer option before any other thread exists.
    unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_ARENA_EAGER_COMMIT, 0) }
    esogen::command::MemoryHints::release_promptly(&Hints);
}

/// mimalloc's side of the library's memory hints. An incremental run
/// renders and holds little: pages given back and faulted in again would
/// cost a tenth of a one-team run. A full run frees its plan and written
/// bytes while it holds the rest of the tree: giving them back at once
/// keeps the peak a 10,000-namespace CI runner notices down.
pub struct Hints;

impl esogen::command::MemoryHints for Hints {
    fn reuse_freed(&self) {
        // SAFETY: sets a plain integer option; mimalloc reads its options
        // atomically.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DEFAULT_MS) }
    }

    fn release_promptly(&self) {
        // SAFETY: as in reuse_freed.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_PROMPT_MS) }
    }

    /// The binary runs one command and exits: the system takes the memory
    /// back at once.
    fn left_to_exit(&self, value: Box<dyn std::any::Any + Send>) {
        std::mem::forget(value);
    }

    fn release_now(&self) {
        self.release_promptly();
        // SAFETY: mi_collect may run on any thread at any time.
        unsafe { libmimalloc_sys::mi_collect(true) }
    }
}
