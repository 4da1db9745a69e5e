//! Command-line arguments: clap derive types only, no logic. The binary
//! parses them; `command` turns them into typed requests.

use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// Generate External Secrets Operator configuration for a shared cluster.
///
/// From one declarative tenants.toml: a Kustomize base and one overlay per
/// namespace, plus the provider policies that scope each team's credentials
/// to its own secret prefix.
///
/// Exit codes: 0 success or up to date; 1 findings or drift (check,
/// generate --check); 2 configuration, usage or I/O error.
#[derive(Debug, Parser)]
#[command(name = "esogen", version = crate::version(), propagate_version = true)]
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
        default_value_t = crate::diag::render::DEFAULT_MAX_DIAGNOSTICS,
        global = true
    )]
    pub max_diagnostics: usize,

    /// Print only errors, findings and what was asked for (a diff, an
    /// explanation, JSON): no plan or result line, notes or progress.
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Print more: the tenants file used, every file added, changed and
    /// removed, and when each phase of the run ended.
    #[arg(long, short = 'v', global = true)]
    pub verbose: bool,

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
    /// Validate tenants.toml and tenants.d/*.toml; write nothing.
    ///
    /// Prints every finding, each located at its line, without writing.
    /// Exits 0 when clean (warnings allowed unless --deny warnings), 1 on
    /// findings, 2 on usage or I/O errors.
    Check(CheckArgs),
    /// Explain the decisions for the cluster and each namespace.
    ///
    /// For the cluster and each namespace (or only NAMESPACE): the store
    /// scope, auth method and policy scope with their reasons, how the
    /// provider side is applied, then the commands to verify and
    /// troubleshoot that namespace.
    Explain(ExplainArgs),
    /// Write a commented tenants.toml by asking a few questions.
    ///
    /// Asks ESO's three questions: how many teams share the cluster, which
    /// platform and provider, and which secret prefix; then only the
    /// follow-ups each answer needs. Every question has a flag; without a
    /// terminal, nothing is guessed: one error names every missing flag.
    Init(Box<InitArgs>),
    /// Print the JSON Schema of tenants.toml (for editors: Taplo, VS Code).
    Schema,
    /// Print the script that enables Tab completion in a shell.
    ///
    /// The script asks esogen itself at each Tab, so candidates are always
    /// this version's: subcommands, flags, the values of closed options
    /// (--platform, --provider, --delivery, --format, ...) and, for
    /// `explain`, the namespaces of the tenants.toml found from the working
    /// directory. Load it when the shell starts, e.g. in ~/.bashrc:
    /// `source <(esogen completions bash)`; zsh: `source <(esogen
    /// completions zsh)`; fish: `esogen completions fish | source`.
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff), or write them all.
    ///
    /// `esogen man | man -l -` reads the top page; `esogen man generate`
    /// prints esogen-generate(1); `esogen man --dir DIR` writes esogen.1 and
    /// one esogen-<subcommand>.1 per subcommand into DIR (for packages:
    /// /usr/share/man/man1).
    Man(ManArgs),
}

/// `man` arguments.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (generate, check, ...); default:
    /// the top page, esogen(1).
    #[arg(value_name = "SUBCOMMAND", conflicts_with = "dir")]
    pub subcommand: Option<String>,
    /// Write every page into this directory instead of printing one.
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub dir: Option<std::path::PathBuf>,
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
    /// How the provider side is applied: `files` (the default: documents
    /// under policies/ applied by hand), `terraform`, or a controller the
    /// provider supports (`ack`, `crossplane`, ...).
    #[arg(long, value_name = "DELIVERY")]
    pub delivery: Option<String>,
    /// Provider settings (`--region`, `--server`, ...).
    #[command(flatten)]
    pub settings: ProviderSettings,
}

impl InitArgs {
    /// The flag value for a provider follow-up setting.
    pub fn setting(&self, key: &str) -> Option<&String> {
        self.settings.0.get(key)
    }
}

/// The `init` flags for provider settings: one per question any registered
/// provider asks (`--region` for `region`), made from the registry so a new
/// provider needs no change here. Values by setting key.
#[derive(Debug, Clone, Default)]
pub struct ProviderSettings(BTreeMap<&'static str, String>);

impl clap::FromArgMatches for ProviderSettings {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        let mut values = BTreeMap::new();
        for (question, _) in crate::init::all_follow_ups() {
            if let Some(v) = matches.get_one::<String>(question.key) {
                values.insert(question.key, v.clone());
            }
        }
        Ok(Self(values))
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        let update = Self::from_arg_matches(matches)?;
        self.0.extend(update.0);
        Ok(())
    }
}

impl clap::Args for ProviderSettings {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        crate::init::all_follow_ups()
            .into_iter()
            .fold(cmd, |cmd, (question, kinds)| {
                cmd.arg(
                    clap::Arg::new(question.key)
                        .long(question.key.replace('_', "-"))
                        .value_name(question.key.to_uppercase())
                        .help(format!("{} [{}]", question.prompt, kinds.join(", "))),
                )
            })
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        Self::augment_args(cmd)
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

/// `--format` of `generate`, `diff` and `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    /// Text for people.
    Human,
    /// One JSON document on standard output (the README documents its
    /// shape; fields marked optional there may be absent).
    Json,
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

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
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

    /// Output format: human (the diff) or json (the files and the diff in
    /// one document).
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

/// `--config`.
#[derive(Debug, clap::Args)]
pub struct ConfigArg {
    /// The tenants file to read [default: tenants.toml in this directory or
    /// the nearest parent that has one, up to the repository root].
    #[arg(long, short = 'c', value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
    pub config: Option<PathBuf>,
}

impl ConfigArg {
    /// The file given, or `tenants.toml` (the binary fills in the file it
    /// found from the working directory before calling a command).
    pub fn path(&self) -> PathBuf {
        self.config
            .clone()
            .unwrap_or_else(|| PathBuf::from("tenants.toml"))
    }
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

    /// Output format: human, or json (what was planned and done, in one
    /// document on standard output; findings included).
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
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
