//! The subcommands as library calls, one module each: a typed request in
//! (built once from the parsed `cli` arguments), the stages wired
//! (load → pipeline → sync), a typed report out. Nothing here prints: the
//! binary renders the report's diagnostics and lines, picks the streams,
//! and exits with [`Exit`] as the report says. So every decision a run
//! makes can be tested by calling it, without spawning the program.

pub mod check;
pub mod explain;
pub mod generate;
pub mod init;
pub mod json;
pub mod man;
pub mod shell;

use crate::cli::Color;
use crate::diag::render::ColorChoice;

/// Process exit codes; documented in `--help` and the README, stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success, or up to date.
    Ok = 0,
    /// Findings (`check`) or drift (`generate --check`, `diff`).
    Findings = 1,
    /// Configuration, usage, I/O or git error.
    Error = 2,
}

/// Hints to the memory allocator, which the binary owns (the library has
/// no allocator dependency and no `unsafe`). A run that keeps most of the
/// tree from the last run holds little and reuses what it frees; a run that
/// renders most of it should give freed memory back promptly, so its peak
/// stays that of a full run (BENCHMARKS.md).
pub trait MemoryHints: Sync {
    /// Keep freed memory for reuse a while (an incremental run starts).
    fn reuse_freed(&self);
    /// Give freed memory back soon (what is freed from now on is not
    /// needed again).
    fn release_promptly(&self);
    /// Give back at once what waits for the longer delay, and soon from
    /// then on (an incremental run turned out to render most of the tree).
    fn release_now(&self);
    /// `value` is only memory the run no longer needs, handed over by an
    /// incremental run (a full run frees its own, to keep its peak down).
    /// By default it is freed on another thread. A process that exits
    /// right after the run may leave it to the system instead: freeing the
    /// plan, the tree's paths and the caches of 10,000 teams, object by
    /// object and across threads, costs a one-team change about a sixth of
    /// its time (BENCHMARKS.md).
    fn left_to_exit(&self, value: Box<dyn std::any::Any + Send>) {
        crate::parallel::drop_aside(value);
    }
}

/// [`MemoryHints`] that do nothing: for tests and other embedders.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoHints;

impl MemoryHints for NoHints {
    fn reuse_freed(&self) {}
    fn release_promptly(&self) {}
    fn release_now(&self) {}
}

/// What a run is doing, for a progress display. Every method does nothing
/// unless implemented; the library calls them, the binary shows them.
pub trait Progress: Sync {
    /// A phase of the run starts.
    fn phase(&self, _phase: Phase) {}
    /// The changes are known; writing (or committing) starts next.
    fn planned(&self, _summary: &crate::sync::message::Summary) {}
}

/// The phases of a `generate` run, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Reading the tenants files and the local cache.
    Reading,
    /// Checking, planning and rendering the tree.
    Generating,
    /// Comparing the tree with the output root.
    Comparing,
    /// Writing this many files (added, changed and removed).
    Writing {
        /// Files to write or remove.
        files: usize,
    },
    /// Committing with git.
    Committing,
    /// Pushing to the remote.
    Pushing,
}

impl std::fmt::Display for Phase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Phase::Reading => f.write_str("reading the tenants files"),
            Phase::Generating => f.write_str("checking and generating"),
            Phase::Comparing => f.write_str("comparing with the files on disk"),
            Phase::Writing { files } => write!(f, "writing {files} files"),
            Phase::Committing => f.write_str("committing"),
            Phase::Pushing => f.write_str("pushing"),
        }
    }
}

/// [`Progress`] that shows nothing: for tests and other embedders.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {}

/// How much a command prints besides its result and findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Verbosity {
    /// `--quiet`: errors, findings and what was asked for only.
    Quiet,
    /// The default: also the plan line, the result line and notes.
    #[default]
    Normal,
    /// `--verbose`: also the tenants file used, every file and the phase
    /// times.
    Verbose,
}

/// Whether output for a stream is coloured: `--color auto` colours a
/// terminal unless `NO_COLOR` is set.
pub fn color_choice(color: Color, stream_is_tty: bool) -> ColorChoice {
    match color {
        Color::Always => ColorChoice::Always,
        Color::Auto if stream_is_tty && std::env::var_os("NO_COLOR").is_none() => {
            ColorChoice::Always
        }
        Color::Never | Color::Auto => ColorChoice::Never,
    }
}
