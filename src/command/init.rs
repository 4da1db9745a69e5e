//! `esogen init`: asks ESO's three questions in order (how many teams share
//! the cluster, which platform and provider, which secret prefix), then
//! only the follow-ups each answer needs, and writes the commented
//! `tenants.toml` they make (`crate::init` renders it). Every question has
//! a flag; a question without one goes to the [`Prompter`], and without a
//! prompter (no terminal) a missing answer is an error naming its flag.
//! The terminal side (dialoguer) is the binary's [`Prompter`].

use std::path::PathBuf;

use super::Exit;
use crate::cli::InitArgs;
use crate::config::Platform;
use crate::config::types::{ClusterName, NamespaceName, PathPrefix, TeamName};
use crate::diag::Diagnostics;
use crate::init::{self, Answers};
use crate::provider::{Delivery, ProviderKind};
use crate::source::Sources;

/// Why a prompt returned no answer (the terminal failed, or was closed).
pub type PromptError = Box<dyn std::error::Error + Send + Sync>;

/// Asks questions on a terminal.
pub trait Prompter {
    /// Asks for a line of text, offering `default`; an answer `check`
    /// rejects (trimmed) is asked again with the reason.
    fn text(
        &self,
        prompt: &str,
        default: Option<&str>,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<String, PromptError>;
    /// Asks to pick one of `items`; returns its index.
    fn select(&self, prompt: &str, items: &[&str]) -> Result<usize, PromptError>;
    /// Tells the user what an answer means for the generated files.
    fn say(&self, text: &str);
}

/// Why `init` wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// The output file exists and `--force` was not given.
    #[error("`{}` already exists; pass --force to overwrite it", .0.display())]
    Exists(PathBuf),
    /// A flag's value is not a valid answer.
    #[error("--{flag} `{value}`: {reason}")]
    Flag {
        /// The flag, without `--`.
        flag: String,
        /// Its value.
        value: String,
        /// What is expected.
        reason: String,
    },
    /// A flag's value is not one of the choices.
    #[error("--{flag} `{value}` is not one of {}", .choices.join(", "))]
    NotOneOf {
        /// The flag, without `--`.
        flag: String,
        /// Its value.
        value: String,
        /// The choices.
        choices: Vec<String>,
    },
    /// `--teams` is not a valid team list.
    #[error("--teams: {0}")]
    Teams(String),
    /// An answer typed at the prompt turned out invalid after all.
    #[error("{0}")]
    Answer(String),
    /// A question has no flag value and there is no terminal to ask on.
    #[error(
        "no answer for \"{prompt}\": standard input is not a terminal, so pass --{flag}{}",
        .choices.as_ref().map(|c| format!(" (one of {})", c.join(", "))).unwrap_or_default()
    )]
    NoAnswer {
        /// The question.
        prompt: String,
        /// The flag that answers it, without `--`.
        flag: String,
        /// The choices, for a question with a fixed set.
        choices: Option<Vec<String>>,
    },
    /// The terminal gave no answer.
    #[error("reading the answer to \"{prompt}\"")]
    Prompt {
        /// The question.
        prompt: String,
        /// Cause.
        #[source]
        source: PromptError,
    },
    /// The file could not be written.
    #[error("writing `{}`", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

/// What `init` did.
#[derive(Debug)]
pub enum InitReport {
    /// Wrote the file.
    Written(PathBuf),
    /// The answers make a tenants file with errors (a combination the
    /// questions cannot rule out); nothing was written.
    Rejected {
        /// The file that would have been written, for rendering.
        sources: Sources,
        /// Its findings.
        diagnostics: Diagnostics,
    },
}

impl InitReport {
    /// The exit code this run ends with.
    pub fn exit(&self) -> Exit {
        match self {
            InitReport::Written(_) => Exit::Ok,
            InitReport::Rejected { .. } => Exit::Error,
        }
    }
}

/// Runs `init`: answers from `args`, else from `prompter`, else defaults;
/// writes `args.output` only when the file they make passes `check`.
pub fn init(args: &InitArgs, prompter: Option<&dyn Prompter>) -> Result<InitReport, InitError> {
    if args.output.exists() && !args.force {
        return Err(InitError::Exists(args.output.clone()));
    }
    let asker = Asker { prompter };
    let answers = interview(args, &asker)?;
    let text = init::render(&answers);
    // The file must pass `esogen check`; anything else is refused unwritten.
    let (sources, result, diagnostics) =
        crate::pipeline::generate_text(&args.output.display().to_string(), &text);
    if result.is_err() {
        return Ok(InitReport::Rejected {
            sources,
            diagnostics,
        });
    }
    std::fs::write(&args.output, text).map_err(|source| InitError::Write {
        path: args.output.clone(),
        source,
    })?;
    Ok(InitReport::Written(args.output.clone()))
}

/// The three questions and their follow-ups, in order.
fn interview(args: &InitArgs, asker: &Asker<'_>) -> Result<Answers, InitError> {
    let teams = teams(args, asker)?;

    // Question 2.
    let platforms: Vec<&str> = Platform::ALL.iter().map(|(_, n)| *n).collect();
    let platform_name = asker.select(
        args.platform.as_ref(),
        "platform",
        "Which platform runs your cluster?",
        &platforms,
    )?;
    let platform = Platform::ALL
        .iter()
        .find(|(_, n)| *n == platform_name)
        .map(|(p, _)| *p)
        .unwrap_or(Platform::Generic);
    let providers = init::providers_for(platform);
    let names: Vec<&str> = providers.iter().map(|k| k.name()).collect();
    let provider_name = asker.select(
        args.provider.as_ref(),
        "provider",
        "Which secret provider do you use?",
        &names,
    )?;
    let Some(provider) = providers.into_iter().find(|k| k.name() == provider_name) else {
        return Err(not_one_of("provider", &provider_name, &names));
    };
    asker.say(&init::auth_explanation(provider, platform));
    let mut settings = Vec::new();
    for f in init::follow_ups(provider, platform) {
        let flag = f.key.replace('_', "-");
        let answer = asker.text(args.setting(f.key), &flag, f.prompt, f.default, &|s| {
            init::parse_answer(f.ty, s).map(|_| ())
        })?;
        let value = init::parse_answer(f.ty, &answer).map_err(|reason| InitError::Flag {
            flag: flag.clone(),
            value: answer.clone(),
            reason,
        })?;
        settings.push((f.key.to_owned(), value));
    }
    let delivery = delivery(args, asker, provider)?;

    // Question 3.
    let prefix = asker.text(
        args.prefix.as_ref(),
        "prefix",
        "What path or prefix do your secrets follow? ({team} is the team name)",
        Some(provider.default_prefix()),
        &|s| PathPrefix::parse(&s.replace("{team}", "team")).map(|_| ()),
    )?;
    asker.say(match delivery {
        Delivery::Files => "the credentials of each team reach its prefix and nothing else; the policies under policies/ grant exactly that",
        Delivery::Terraform => "the credentials of each team reach its prefix and nothing else; the Terraform module under terraform/ grants exactly that",
        _ => "the credentials of each team reach its prefix and nothing else; the objects under bases/access/ grant exactly that",
    });
    let cluster = asker.text(
        args.cluster_name.as_ref(),
        "cluster-name",
        "Cluster name",
        Some("my-cluster"),
        &|s| ClusterName::parse(s).map(|_| ()),
    )?;
    Ok(Answers {
        cluster,
        teams,
        platform,
        provider,
        settings,
        prefix,
        delivery,
    })
}

/// After the provider: how its provider side is applied, `files` unless a
/// flag or the terminal says otherwise (each choice explained in one line).
fn delivery(
    args: &InitArgs,
    asker: &Asker<'_>,
    provider: &dyn ProviderKind,
) -> Result<Delivery, InitError> {
    let offered = init::deliveries_for(provider);
    let names: Vec<&str> = offered.iter().map(|(d, _)| d.name()).collect();
    if let Some(flag) = &args.delivery {
        return offered
            .iter()
            .find(|(d, _)| d.name() == flag)
            .map(|(d, _)| *d)
            .ok_or_else(|| not_one_of("delivery", flag, &names));
    }
    if asker.prompter.is_none() || offered.len() == 1 {
        return Ok(Delivery::Files);
    }
    let lines: Vec<&str> = offered.iter().map(|(_, line)| line.as_str()).collect();
    let chosen = asker.select(
        None,
        "delivery",
        "How is the provider side (roles, policies, bindings) applied?",
        &lines,
    )?;
    Ok(offered
        .iter()
        .find(|(_, line)| *line == chosen)
        .map_or(Delivery::Files, |(d, _)| *d))
}

/// Question 1: how many teams, then their names.
fn teams(args: &InitArgs, asker: &Asker<'_>) -> Result<Vec<String>, InitError> {
    if let Some(t) = &args.teams {
        return parse_team_list(&t.join(",")).map_err(InitError::Teams);
    }
    let count = asker.text(
        None,
        "teams",
        "How many teams share this cluster?",
        None,
        &|s| {
            s.parse::<u32>()
                .ok()
                .filter(|n| *n > 0)
                .map(|_| ())
                .ok_or_else(|| "a number, at least 1".to_owned())
        },
    )?;
    let several = count.parse::<u32>().unwrap_or(1) > 1;
    asker.say(if several {
        "several teams: each namespace gets its own SecretStore and credentials, so a compromised namespace reaches only its own secrets (ESO guide Option A)"
    } else {
        "one team: one ClusterSecretStore, limited to the team's namespaces by an explicit list, is enough (ESO guide Option B)"
    });
    let names = asker.text(
        None,
        "teams",
        "Team names, comma-separated (each also becomes its namespace)",
        None,
        &|s| parse_team_list(s).map(|_| ()),
    )?;
    parse_team_list(&names).map_err(InitError::Answer)
}

fn parse_team_list(s: &str) -> Result<Vec<String>, String> {
    let teams: Vec<String> = s
        .split(',')
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect();
    if teams.is_empty() {
        return Err("name at least one team".into());
    }
    for t in &teams {
        TeamName::parse(t).map_err(|e| format!("`{t}`: {e}"))?;
        NamespaceName::parse(t).map_err(|e| format!("`{t}`: {e}"))?;
    }
    Ok(teams)
}

fn not_one_of(flag: &str, value: &str, choices: &[&str]) -> InitError {
    InitError::NotOneOf {
        flag: flag.to_owned(),
        value: value.to_owned(),
        choices: choices.iter().map(|c| (*c).to_owned()).collect(),
    }
}

/// Where an answer comes from: a flag, else the terminal, else the default.
struct Asker<'a> {
    prompter: Option<&'a dyn Prompter>,
}

impl Asker<'_> {
    /// An answer from a flag, else from the terminal, else the default,
    /// else an error naming the flag. `check` validates every answer.
    fn text(
        &self,
        flag: Option<&String>,
        flag_name: &str,
        prompt: &str,
        default: Option<&str>,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<String, InitError> {
        if let Some(v) = flag {
            check(v).map_err(|reason| InitError::Flag {
                flag: flag_name.to_owned(),
                value: v.clone(),
                reason,
            })?;
            return Ok(v.clone());
        }
        let Some(prompter) = self.prompter else {
            return match default {
                Some(d) => Ok(d.to_owned()),
                None => Err(InitError::NoAnswer {
                    prompt: prompt.to_owned(),
                    flag: flag_name.to_owned(),
                    choices: None,
                }),
            };
        };
        let answer = prompter
            .text(prompt, default, check)
            .map_err(|source| InitError::Prompt {
                prompt: prompt.to_owned(),
                source,
            })?;
        Ok(answer.trim().to_owned())
    }

    /// One of `items`, from a flag or the terminal.
    fn select(
        &self,
        flag: Option<&String>,
        flag_name: &str,
        prompt: &str,
        items: &[&str],
    ) -> Result<String, InitError> {
        if let Some(v) = flag {
            if !items.contains(&v.as_str()) {
                return Err(not_one_of(flag_name, v, items));
            }
            return Ok(v.clone());
        }
        let Some(prompter) = self.prompter else {
            return Err(InitError::NoAnswer {
                prompt: prompt.to_owned(),
                flag: flag_name.to_owned(),
                choices: Some(items.iter().map(|c| (*c).to_owned()).collect()),
            });
        };
        let i = prompter
            .select(prompt, items)
            .map_err(|source| InitError::Prompt {
                prompt: prompt.to_owned(),
                source,
            })?;
        items
            .get(i)
            .map(|s| (*s).to_owned())
            .ok_or_else(|| InitError::Answer(format!("no choice {i} for \"{prompt}\"")))
    }

    fn say(&self, text: &str) {
        if let Some(p) = self.prompter {
            p.say(text);
        }
    }
}

impl std::fmt::Display for InitReport {
    /// The line shown: what was written and what to do next, or why
    /// nothing was (after the findings).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InitReport::Written(path) => write!(
                f,
                "wrote {}; next: add secrets under each team, then `esogen check` and `esogen generate`",
                path.display()
            ),
            InitReport::Rejected { .. } => f.write_str(
                "error: these answers do not make a valid tenants.toml; nothing was written",
            ),
        }
    }
}
