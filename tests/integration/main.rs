//! esogen's integration tests: one binary, one module per feature.

mod admission;
mod check;
mod cli;
mod commit_record;
mod common;
mod conformance;
mod consumers;
mod conventions;
mod delivery;
mod diagnostics;
mod git;
mod gitops;
mod incremental;
mod init;
mod interrupted;
mod issue13;
mod kept_record;
mod library;
mod output;
mod properties;
mod providers;
mod providers_registry;
mod recipes;
mod schema;
mod snapshots;
mod taplo;
