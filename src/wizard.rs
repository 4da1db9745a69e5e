//! The interactive side of `esogen init`: asks ESO's three questions in
//! order with dialoguer, or takes the answers from flags; without a
//! terminal, a missing answer is an error naming its flag.

use std::io::IsTerminal;

use anyhow::{Context, bail};
use dialoguer::{Input, Select};

use crate::app::Exit;
use esogen::cli::InitArgs;
use esogen::config::Platform;
use esogen::config::types::{ClusterName, NamespaceName, PathPrefix, TeamName};
use esogen::init::{self, Answers};

struct Asker {
    interactive: bool,
}

impl Asker {
    /// An answer from a flag, else from the terminal, else the default,
    /// else an error naming the flag. `check` validates every answer.
    fn text(
        &self,
        flag: Option<&String>,
        flag_name: &str,
        prompt: &str,
        default: Option<&str>,
        check: impl Fn(&str) -> Result<(), String>,
    ) -> anyhow::Result<String> {
        if let Some(v) = flag {
            check(v).map_err(|e| anyhow::anyhow!("--{flag_name} `{v}`: {e}"))?;
            return Ok(v.clone());
        }
        if !self.interactive {
            if let Some(d) = default {
                return Ok(d.to_owned());
            }
            bail!(
                "no answer for \"{prompt}\": standard input is not a terminal, so pass --{flag_name}"
            );
        }
        let mut input = Input::<String>::new().with_prompt(prompt);
        if let Some(d) = default {
            input = input.default(d.to_owned());
        }
        let answer = input
            .validate_with(|s: &String| check(s.trim()))
            .interact_text()
            .with_context(|| format!("reading the answer to \"{prompt}\""))?;
        Ok(answer.trim().to_owned())
    }

    fn select(
        &self,
        flag: Option<&String>,
        flag_name: &str,
        prompt: &str,
        items: &[&str],
    ) -> anyhow::Result<String> {
        if let Some(v) = flag {
            if !items.contains(&v.as_str()) {
                bail!("--{flag_name} `{v}` is not one of {}", items.join(", "));
            }
            return Ok(v.clone());
        }
        if !self.interactive {
            bail!(
                "no answer for \"{prompt}\": standard input is not a terminal, so pass --{flag_name} (one of {})",
                items.join(", ")
            );
        }
        let i = Select::new()
            .with_prompt(prompt)
            .items(items)
            .default(0)
            .interact()
            .with_context(|| format!("reading the answer to \"{prompt}\""))?;
        Ok(items[i].to_owned())
    }

    fn say(&self, text: &str) {
        if self.interactive {
            eprintln!("  → {text}");
        }
    }
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

/// Runs `esogen init`.
pub fn run(args: &InitArgs) -> anyhow::Result<Exit> {
    if args.output.exists() && !args.force {
        eprintln!(
            "error: `{}` already exists; pass --force to overwrite it",
            args.output.display()
        );
        return Ok(Exit::Error);
    }
    let asker = Asker {
        interactive: std::io::stdin().is_terminal() && std::io::stderr().is_terminal(),
    };

    // Question 1.
    let teams = match &args.teams {
        Some(t) => parse_team_list(&t.join(",")).map_err(|e| anyhow::anyhow!("--teams: {e}"))?,
        None => {
            let count = asker.text(
                None,
                "teams",
                "How many teams share this cluster?",
                None,
                |s| {
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
                |s| parse_team_list(s).map(|_| ()),
            )?;
            parse_team_list(&names).map_err(|e| anyhow::anyhow!(e))?
        }
    };

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
        bail!(
            "--provider `{provider_name}` is not one of {}",
            names.join(", ")
        );
    };
    asker.say(&init::auth_explanation(provider, platform));
    let mut settings = Vec::new();
    for f in init::follow_ups(provider, platform) {
        let flag = f.key.replace('_', "-");
        let answer = asker.text(args.setting(f.key), &flag, f.prompt, f.default, |s| {
            init::parse_answer(f.ty, s).map(|_| ())
        })?;
        let value = init::parse_answer(f.ty, &answer)
            .map_err(|e| anyhow::anyhow!("--{flag} `{answer}`: {e}"))?;
        settings.push((f.key.to_owned(), value));
    }

    // Question 3.
    let prefix = asker.text(
        args.prefix.as_ref(),
        "prefix",
        "What path or prefix do your secrets follow? ({team} is the team name)",
        Some(provider.default_prefix()),
        |s| PathPrefix::parse(&s.replace("{team}", "team")).map(|_| ()),
    )?;
    asker.say("the credentials of each team reach its prefix and nothing else; the policies under policies/ grant exactly that");
    let cluster = asker.text(
        args.cluster_name.as_ref(),
        "cluster-name",
        "Cluster name",
        Some("my-cluster"),
        |s| ClusterName::parse(s).map(|_| ()),
    )?;

    let text = init::render(&Answers {
        cluster,
        teams,
        platform,
        provider,
        settings,
        prefix,
    });
    // The file must pass `esogen check`; anything else is refused unwritten.
    let (sources, result, diags) =
        esogen::pipeline::generate_text(&args.output.display().to_string(), &text);
    if result.is_err() {
        eprint!(
            "{}",
            esogen::diag::render::render_all(
                &sources,
                &diags.sorted(),
                esogen::diag::render::ColorChoice::Never
            )
        );
        eprintln!("error: these answers do not make a valid tenants.toml; nothing was written");
        return Ok(Exit::Error);
    }
    std::fs::write(&args.output, text)
        .with_context(|| format!("writing `{}`", args.output.display()))?;
    println!(
        "wrote {}; next: add secrets under each team, then `esogen check` and `esogen generate`",
        args.output.display()
    );
    Ok(Exit::Ok)
}
