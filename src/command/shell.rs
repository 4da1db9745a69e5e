//! Shell completion. The shell asks the binary itself at each Tab (clap's
//! dynamic completion, activated by [`COMPLETE_VAR`]), so the candidates
//! are always this build's: the values of every closed option (platforms,
//! provider kinds, deliveries, formats) and, for `explain`, the namespaces
//! of the tenants file found from the working directory.

use std::io::Write;
use std::path::Path;

use clap::CommandFactory;
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};
use clap_complete::env::Shells;

use crate::cli::Cli;
use crate::config::types::Platform;
use crate::load::{discover_config, load};
use crate::provider::delivery;

/// The environment variable that turns a run into a completion request:
/// `ESOGEN_COMPLETE=bash esogen` prints the registration script, and the
/// script calls `ESOGEN_COMPLETE=bash esogen -- <words>` at each Tab.
pub const COMPLETE_VAR: &str = "ESOGEN_COMPLETE";

/// The command line as clap parses it, with completion candidates for the
/// options whose values are closed sets the registry knows (they are
/// strings in [`Cli`] so that `init` can explain a wrong value itself).
pub fn command() -> clap::Command {
    Cli::command()
        .mut_subcommand("init", |init| {
            init.mut_arg("platform", |a| a.add(ArgValueCandidates::new(platforms)))
                .mut_arg("provider", |a| a.add(ArgValueCandidates::new(providers)))
                .mut_arg("delivery", |a| a.add(ArgValueCandidates::new(deliveries)))
        })
        .mut_subcommand("man", |man| {
            man.mut_arg("subcommand", |a| {
                a.add(ArgValueCandidates::new(|| {
                    super::man::subcommand_names(&Cli::command())
                        .into_iter()
                        .map(CompletionCandidate::new)
                        .collect::<Vec<_>>()
                }))
            })
        })
        .mut_subcommand("explain", |explain| {
            explain.mut_arg("namespace", |a| {
                a.add(ArgValueCandidates::new(|| {
                    namespaces(&discover_config(Path::new(".")))
                }))
            })
        })
}

/// Writes the script that registers completion for `shell` (a name clap
/// knows: bash, elvish, fish, powershell, zsh).
pub fn write_registration(shell: &str, out: &mut dyn Write) -> std::io::Result<()> {
    let shells = Shells::builtins();
    let Some(completer) = shells.completer(shell) else {
        return Err(std::io::Error::other(format!(
            "no completion for the shell `{shell}`"
        )));
    };
    completer.write_registration(COMPLETE_VAR, "esogen", "esogen", "esogen", out)
}

fn platforms() -> Vec<CompletionCandidate> {
    Platform::ALL
        .iter()
        .map(|(p, name)| CompletionCandidate::new(*name).help(Some(p.describe().into())))
        .collect()
}

fn providers() -> Vec<CompletionCandidate> {
    crate::provider::REGISTRY
        .iter()
        .map(|k| CompletionCandidate::new(k.name()))
        .collect()
}

fn deliveries() -> Vec<CompletionCandidate> {
    delivery::ALL
        .iter()
        .map(|d| CompletionCandidate::new(d.name()).help(Some(d.describe().into())))
        .collect()
}

/// The namespaces of every team in the tenants file at `config`, in plan
/// order; none when it cannot be read or has errors (a completion never
/// prints a diagnostic).
pub fn namespaces(config: &Path) -> Vec<CompletionCandidate> {
    let Ok(loaded) = load(config) else {
        return Vec::new();
    };
    let (checked, _) = loaded.run(crate::pipeline::check);
    checked
        .map(|(_, plan)| {
            plan.namespaces
                .iter()
                .map(|n| {
                    CompletionCandidate::new(n.namespace.to_string())
                        .help(Some(format!("team {}", n.team).into()))
                })
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_completion_command_is_valid() {
        command().debug_assert();
    }

    #[test]
    fn every_shell_clap_knows_registers() {
        for shell in ["bash", "elvish", "fish", "powershell", "zsh"] {
            let mut out = Vec::new();
            write_registration(shell, &mut out).unwrap();
            let text = String::from_utf8(out).unwrap();
            assert!(text.contains(COMPLETE_VAR), "{shell}: {text}");
        }
        assert!(write_registration("tcsh", &mut Vec::new()).is_err());
    }
}
