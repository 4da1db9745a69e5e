//! esogen's integration tests: one binary, one module per feature.

mod check;
mod cli;
mod common;
mod consumers;
mod diagnostics;
mod git;
mod properties;
mod providers;
mod snapshots;
