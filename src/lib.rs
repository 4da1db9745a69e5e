//! esogen: turns `tenants.toml` into a Kustomize tree, provider policies,
//! admission policies and the Argo CD or Flux objects that deliver them, for
//! running External Secrets Operator safely on a shared cluster. The pipeline runs one way:
//! `load` → `config` → `plan` → `manifest` → `render` (an in-memory `tree`)
//! → `sync`. `command` wires it per subcommand, from the `cli` arguments to
//! a typed report the binary prints.

// Library code never prints (the binary does) and never panics on input.
#![deny(clippy::print_stdout, clippy::print_stderr, clippy::dbg_macro)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

/// This build of esogen: its version and a digest of the sources it was
/// built from (`build.rs`). The local cache and the incremental fingerprints
/// carry it, so a build from other sources with the same version number
/// regenerates instead of trusting them.
pub const BUILD: &str = concat!(env!("CARGO_PKG_VERSION"), "+", env!("ESOGEN_BUILD_ID"));

/// The git commit this binary was built from and its date (`<hash>
/// <yyyy-mm-dd>`, `-modified` after the hash when the sources differed from
/// it), as `build.rs` found it; empty when built outside a git checkout.
pub const COMMIT: &str = env!("ESOGEN_COMMIT");

/// What `--version` prints after the name: the version, then the commit it
/// was built from, as `cargo --version` does.
pub fn version() -> String {
    match COMMIT {
        "" => env!("CARGO_PKG_VERSION").to_owned(),
        commit => format!("{} ({commit})", env!("CARGO_PKG_VERSION")),
    }
}

pub mod cli;
pub mod command;
pub mod config;
pub mod diag;
pub mod explain;
pub mod init;
pub mod load;
pub mod manifest;
pub mod naming;
pub mod parallel;
pub mod pipeline;
pub mod plan;
pub mod provider;
pub mod redact;
pub mod render;
pub mod source;
pub mod sync;
pub mod timing;
pub mod tree;
