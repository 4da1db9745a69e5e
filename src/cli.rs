//! Command-line arguments (clap derive types only; no logic).

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Generate External Secrets Operator configuration for a shared cluster from
/// one declarative tenants.toml: a Kustomize base and one overlay per
/// namespace, plus the provider policies that scope each team's credentials
/// to its own secret prefix.
///
/// Exit codes: 0 success or up to date; 1 findings or drift (check,
/// generate --check); 2 configuration, usage or I/O error.
#[derive(Debug, Parser)]
#[command(name = "esogen", version, propagate_version = true)]
pub struct Cli {
    /// When to colour diagnostics and diffs.
    #[arg(long, value_enum, default_value_t = Color::Auto, global = true)]
    pub color: Color,

    /// Print at most N findings, errors first, then warnings, then notes;
    /// the rest are counted: in a last line (human), in `summary.omitted`
    /// (json; `summary` still counts every finding) or in one last notice
    /// (github). 0 prints every finding. The exit code does not change.
    #[arg(
        long,
        value_name = "N",
        default_value_t = esogen::diag::render::DEFAULT_MAX_DIAGNOSTICS,
        global = true
    )]
    pub max_diagnostics: usize,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Colour choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Color {
    /// Colour when standard error is a terminal.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate bases/, overlays/ and policies/ from tenants.toml.
    ///
    /// Writes only files whose content changes (each atomically), removes
    /// files it generated before and no longer generates, and never touches
    /// files it did not generate. On any configuration error it writes
    /// nothing.
    Generate(GenerateArgs),
    /// Show, as a unified diff, what `generate` would change; write nothing.
    ///
    /// Exits 1 when there are changes, 0 when the output is up to date.
    Diff(DiffArgs),
    /// Validate tenants.toml (and tenants.d/*.toml) and print every
    /// finding, without writing.
    ///
    /// Exits 0 when clean (warnings allowed unless --deny warnings), 1 on
    /// findings, 2 on usage or I/O errors.
    Check(CheckArgs),
    /// Explain the decisions for the cluster and each namespace (store
    /// scope, auth method, policy scope) with their reasons, then the
    /// commands to verify and troubleshoot that namespace.
    Explain(ExplainArgs),
    /// Write a commented tenants.toml by asking ESO's three questions: how
    /// many teams share the cluster, which platform and provider, and which
    /// secret prefix; then only the follow-ups each answer needs. Every
    /// question has a flag; without a terminal, a missing answer is an error
    /// naming its flag.
    Init(Box<InitArgs>),
    /// Print the JSON Schema of tenants.toml (for editors: Taplo, VS Code).
    Schema,
    /// Print a shell completion script.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
}

/// `init` arguments: one flag per question.
#[derive(Debug, clap::Args)]
pub struct InitArgs {
    /// File to write.
    #[arg(long, short = 'o', value_name = "FILE", default_value = "tenants.toml")]
    pub output: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
    /// Question 1: the teams sharing the cluster, comma-separated.
    #[arg(long, value_name = "A,B,...", value_delimiter = ',')]
    pub teams: Option<Vec<String>>,
    /// Question 2: the platform (eks, gke, aks, openshift, generic).
    #[arg(long)]
    pub platform: Option<String>,
    /// Question 2: the secret provider kind.
    #[arg(long)]
    pub provider: Option<String>,
    /// Question 3: the secret prefix pattern; `{team}` is the team name.
    #[arg(long, value_name = "PATTERN")]
    pub prefix: Option<String>,
    /// Cluster name.
    #[arg(long)]
    pub cluster_name: Option<String>,
    /// AWS region.
    #[arg(long)]
    pub region: Option<String>,
    /// AWS account id.
    #[arg(long)]
    pub account_id: Option<String>,
    /// EKS OIDC provider.
    #[arg(long)]
    pub oidc_provider: Option<String>,
    /// GCP project id.
    #[arg(long)]
    pub project_id: Option<String>,
    /// GCP project number.
    #[arg(long)]
    pub project_number: Option<String>,
    /// GKE cluster location.
    #[arg(long)]
    pub cluster_location: Option<String>,
    /// Azure Key Vault URL (pattern).
    #[arg(long)]
    pub vault_url: Option<String>,
    /// Azure tenant id.
    #[arg(long)]
    pub tenant_id: Option<String>,
    /// Azure workload identity client id.
    #[arg(long)]
    pub client_id: Option<String>,
    /// AKS OIDC issuer URL.
    #[arg(long)]
    pub oidc_issuer: Option<String>,
    /// Vault / OpenBao address.
    #[arg(long)]
    pub server: Option<String>,
    /// Vault KV mount.
    #[arg(long)]
    pub mount: Option<String>,
    /// Vault KV version.
    #[arg(long)]
    pub kv_version: Option<String>,
    /// Kubernetes Secret with static credentials (providers without native
    /// identity on the platform).
    #[arg(long)]
    pub credentials_secret: Option<String>,
}

impl InitArgs {
    /// The flag value for a provider follow-up setting.
    pub fn setting(&self, key: &str) -> Option<&String> {
        match key {
            "region" => self.region.as_ref(),
            "account_id" => self.account_id.as_ref(),
            "oidc_provider" => self.oidc_provider.as_ref(),
            "project_id" => self.project_id.as_ref(),
            "project_number" => self.project_number.as_ref(),
            "cluster_location" => self.cluster_location.as_ref(),
            "vault_url" => self.vault_url.as_ref(),
            "tenant_id" => self.tenant_id.as_ref(),
            "client_id" => self.client_id.as_ref(),
            "oidc_issuer" => self.oidc_issuer.as_ref(),
            "server" => self.server.as_ref(),
            "mount" => self.mount.as_ref(),
            "kv_version" => self.kv_version.as_ref(),
            "credentials_secret" => self.credentials_secret.as_ref(),
            _ => None,
        }
    }
}

/// `check` arguments.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The tenants file to read.
    #[command(flatten)]
    pub config: ConfigArg,

    /// Output format: human (compiler-style), json (stable, machine
    /// readable) or github (GitHub Actions annotations on the PR).
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Treat findings of this level as errors (only `warnings` exists).
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub deny: Option<Deny>,
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Compiler-style, with the source line and a marker.
    Human,
    /// One JSON document on standard output.
    Json,
    /// GitHub Actions workflow commands on standard output.
    Github,
}

/// `--deny`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    /// Warnings fail the check.
    Warnings,
}

/// `explain` arguments.
#[derive(Debug, clap::Args)]
pub struct ExplainArgs {
    /// The tenants file to read.
    #[command(flatten)]
    pub config: ConfigArg,

    /// Only this namespace.
    pub namespace: Option<String>,
}

/// `diff` arguments.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The tenants file to read.
    #[command(flatten)]
    pub config: ConfigArg,

    /// Output root; defaults to the directory holding the config file.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,
}

/// `--config`.
#[derive(Debug, clap::Args)]
pub struct ConfigArg {
    /// The tenants file to read.
    #[arg(long, short = 'c', value_name = "FILE", default_value = "tenants.toml")]
    pub config: PathBuf,
}

/// `generate` arguments.
#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// The tenants file to read.
    #[command(flatten)]
    pub config: ConfigArg,

    /// Output root; defaults to the directory holding the config file.
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Write nothing; exit 1 and show what differs if the committed output
    /// is stale (for CI on pull requests).
    #[arg(long, conflicts_with = "commit")]
    pub check: bool,

    /// Commit the generated files (and the tenants file) with git, in one
    /// commit whose message names the teams and namespaces added, changed
    /// and removed. No commit is made when nothing changed.
    #[arg(long)]
    pub commit: bool,

    /// Commit the generated tree to this branch instead, built in memory:
    /// the working tree, the index and the checked-out branch stay as they
    /// are (for a separate GitOps branch).
    #[arg(long, value_name = "NAME", requires = "commit")]
    pub branch: Option<String>,

    /// Push the committed branch to this remote (a name or a URL). Never
    /// forces: a rejected non-fast-forward push is an error. Credentials come
    /// from an SSH agent, ESOGEN_GIT_TOKEN (or GIT_TOKEN), or git's
    /// credential helpers.
    #[arg(long, value_name = "REMOTE", requires = "commit")]
    pub push: Option<String>,

    /// Commit author as "Name <email>"; default: GIT_AUTHOR_NAME and
    /// GIT_AUTHOR_EMAIL, then git config user.name and user.email.
    #[arg(long, value_name = "NAME <EMAIL>", requires = "commit")]
    pub author: Option<String>,

    /// Committer as "Name <email>"; default: GIT_COMMITTER_NAME and
    /// GIT_COMMITTER_EMAIL, then git config, then the author.
    #[arg(long, value_name = "NAME <EMAIL>", requires = "commit")]
    pub committer: Option<String>,

    /// Commit even when the index already holds other staged changes (they
    /// are committed too). Without it esogen refuses and changes nothing.
    #[arg(long, requires = "commit")]
    pub allow_staged: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn clap_definition_is_valid() {
        Cli::command().debug_assert();
    }
}
