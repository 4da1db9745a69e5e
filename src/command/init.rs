//! `esogen init`: asks ESO's three questions in order (how many teams share
//! the cluster, which platform and provider, which secret prefix), then
//! only the follow-ups each answer needs, and writes the commented
//! `tenants.toml` they make (`crate::init` renders it) and, next to it, the
//! `tenants.schema.json` it refers to. Every answer is checked when it is
//! given, by `esogen check` itself (`crate::init::draft`), and asked again
//! on the terminal when refused. Every question has a flag; without a
//! terminal every missing or refused flag is reported at once. The
//! terminal side (dialoguer) is the binary's [`Prompter`].

mod asker;

use std::path::{Path, PathBuf};

use self::asker::{Asker, Question};
use super::Exit;
use crate::cli::InitArgs;
use crate::config::Platform;
use crate::init::draft::{self, Slot};
use crate::init::{self, Answers, Setting};
use crate::provider::{Delivery, FollowUp, ProviderKind, REGISTRY};

pub use self::asker::FlagProblem;

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
    /// Without a terminal: flags missing or refused, every one of them.
    #[error("{}", flags_message(.missing, .refused))]
    Flags {
        /// Questions no flag answers.
        missing: Vec<FlagProblem>,
        /// Flags whose value is refused.
        refused: Vec<FlagProblem>,
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
    /// A file could not be written.
    #[error("writing `{}`", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

fn flags_message(missing: &[FlagProblem], refused: &[FlagProblem]) -> String {
    let mut out = String::from("nothing was written:");
    if !missing.is_empty() {
        out.push_str(
            "\nstandard input is not a terminal, so every answer comes from a flag; missing:",
        );
        for m in missing {
            out.push_str(&format!("\n  {m}"));
        }
    }
    if !refused.is_empty() {
        out.push_str("\nrefused:");
        for r in refused {
            out.push_str(&format!("\n  {r}"));
        }
    }
    out
}

/// What `init` did.
#[derive(Debug)]
pub enum InitReport {
    /// Wrote the tenants file and, next to it, its schema.
    Written {
        /// The tenants file.
        config: PathBuf,
        /// The schema it refers to.
        schema: PathBuf,
    },
    /// The answers together make a file `check` refuses (a combination no
    /// single answer shows); nothing was written.
    Rejected {
        /// Every finding, each naming the answer it is about.
        findings: Vec<String>,
    },
}

impl InitReport {
    /// The exit code this run ends with.
    pub fn exit(&self) -> Exit {
        match self {
            InitReport::Written { .. } => Exit::Ok,
            InitReport::Rejected { .. } => Exit::Error,
        }
    }
}

/// Runs `init`: answers from `args`, else from `prompter`; writes
/// `args.output` and its schema only when the file passes `check`.
pub fn init(args: &InitArgs, prompter: Option<&dyn Prompter>) -> Result<InitReport, InitError> {
    if args.output.exists() && !args.force {
        return Err(InitError::Exists(args.output.clone()));
    }
    let asker = Asker::new(prompter);
    let answers = interview(args, &asker)?;
    asker.finish()?;
    let Some(mut answers) = answers else {
        // Every gap was recorded by the asker, which reported them above.
        return Err(InitError::Flags {
            missing: Vec::new(),
            refused: Vec::new(),
        });
    };
    split_unscoped(args, &asker, &mut answers)?;
    asker.finish()?;
    let findings = draft::findings(&answers, true);
    if !findings.is_empty() {
        let findings = findings
            .iter()
            .map(|f| match f.slot {
                Some(slot) => format!("{} — {}", slot_name(&answers, slot), f.text),
                None => f.text.clone(),
            })
            .collect();
        return Ok(InitReport::Rejected { findings });
    }
    write(args, &answers)
}

/// Writes the tenants file, then the schema next to it (what `esogen
/// schema` prints), so that Taplo and editors check the file at once.
fn write(args: &InitArgs, answers: &Answers) -> Result<InitReport, InitError> {
    let schema = args
        .output
        .parent()
        .unwrap_or_else(|| Path::new(""))
        .join("tenants.schema.json");
    let schema_text = serde_json::to_string_pretty(&crate::config::json_schema()).map_err(|e| {
        InitError::Write {
            path: schema.clone(),
            source: std::io::Error::other(e),
        }
    })?;
    let written = |path: &PathBuf, text: String| {
        std::fs::write(path, text).map_err(|source| InitError::Write {
            path: path.clone(),
            source,
        })
    };
    written(&args.output, init::render(answers))?;
    written(&schema, format!("{schema_text}\n"))?;
    Ok(InitReport::Written {
        config: args.output.clone(),
        schema,
    })
}

/// The answer a slot holds, named for a finding: its question and flag.
fn slot_name(a: &Answers, slot: Slot) -> String {
    let (flag, prompt) = match slot {
        Slot::Teams => ("teams".to_owned(), "team names".to_owned()),
        Slot::Prefix => ("prefix".to_owned(), "prefix".to_owned()),
        Slot::Cluster => ("cluster-name".to_owned(), "cluster name".to_owned()),
        Slot::Setting(key) => {
            let prompt = init::follow_ups(a.provider, a.platform)
                .into_iter()
                .find(|f| f.key == key)
                .map_or(key, |f| f.prompt);
            (flag_of(key), prompt.to_owned())
        }
    };
    format!("{prompt} (--{flag})")
}

fn flag_of(key: &str) -> String {
    key.replace('_', "-")
}

/// The answers before any is given: placeholders that only stand in for
/// the answers to come, so that each answer is checked in a whole file.
fn placeholder() -> Answers {
    let provider = REGISTRY[0];
    Answers {
        cluster: "my-cluster".into(),
        teams: vec!["team".into()],
        platform: Platform::Generic,
        provider,
        settings: Vec::new(),
        prefix: provider.default_prefix().into(),
        delivery: Delivery::Files,
    }
}

/// The three questions and their follow-ups, in order; `None` when an
/// answer is missing (recorded by the asker: no terminal).
fn interview(args: &InitArgs, asker: &Asker<'_>) -> Result<Option<Answers>, InitError> {
    let mut a = placeholder();
    let teams = teams(args, asker, &a)?;
    if let Some(t) = &teams {
        a.teams.clone_from(t);
    }

    // Question 2.
    let platform = platform(args, asker)?;
    let provider = provider(args, asker, platform.unwrap_or(Platform::Generic))?;
    let (Some(platform), Some(provider)) = (platform, provider) else {
        // The provider's own questions depend on both: the rest is named.
        require(args.prefix.as_ref(), asker, "prefix", PREFIX_PROMPT);
        require(
            args.cluster_name.as_ref(),
            asker,
            "cluster-name",
            "Cluster name",
        );
        return Ok(None);
    };
    a.platform = platform;
    a.provider = provider;
    provider.default_prefix().clone_into(&mut a.prefix);
    asker.say(&init::auth_explanation(provider, platform));
    let mut complete = teams.is_some();
    for f in init::follow_ups(provider, platform) {
        match follow_up(args, asker, &a, &f)? {
            Some(value) => a.settings.push((f.key.to_owned(), value)),
            None => complete = false,
        }
    }
    a.delivery = delivery(args, asker, provider)?.unwrap_or(Delivery::Files);

    // Question 3.
    let prefix = asker.text(
        args.prefix.as_deref(),
        Question {
            flag: "prefix",
            prompt: PREFIX_PROMPT,
        },
        Some(provider.default_prefix()),
        false,
        &|s| checked(&a, Slot::Prefix, |b| s.clone_into(&mut b.prefix)),
    )?;
    asker.say(match a.delivery {
        Delivery::Files => "the credentials of each team reach its prefix and nothing else; the policies under policies/ grant exactly that",
        Delivery::Terraform => "the credentials of each team reach its prefix and nothing else; the Terraform module under terraform/ grants exactly that",
        _ => "the credentials of each team reach its prefix and nothing else; the objects under bases/access/ grant exactly that",
    });
    if let Some(p) = prefix {
        a.prefix = p;
    }
    let cluster = asker.text(
        args.cluster_name.as_deref(),
        Question {
            flag: "cluster-name",
            prompt: "Cluster name",
        },
        Some("my-cluster"),
        false,
        &|s| checked(&a, Slot::Cluster, |b| s.clone_into(&mut b.cluster)),
    )?;
    if let Some(c) = cluster {
        a.cluster = c;
    }
    Ok(complete.then_some(a))
}

const PREFIX_PROMPT: &str = "What path or prefix do your secrets follow? ({team} is the team name)";

/// Records a question whose flag is missing, when there is no terminal to
/// ask it on later.
fn require(flag: Option<&String>, asker: &Asker<'_>, name: &str, prompt: &str) {
    if flag.is_none() && !asker.interactive() {
        asker.missing(name, prompt);
    }
}

/// `Ok` when `check` finds nothing wrong with `slot` in the file `a` makes
/// once `change` is applied; else every finding, one per line.
fn checked(a: &Answers, slot: Slot, change: impl FnOnce(&mut Answers)) -> Result<(), String> {
    let mut b = a.clone();
    change(&mut b);
    let errors = draft::errors_about(&b, slot);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors.join("; "))
    }
}

fn platform(args: &InitArgs, asker: &Asker<'_>) -> Result<Option<Platform>, InitError> {
    let names: Vec<&str> = Platform::ALL.iter().map(|(_, n)| *n).collect();
    let name = asker.select(
        args.platform.as_deref(),
        Question {
            flag: "platform",
            prompt: "Which platform runs your cluster?",
        },
        &names,
    )?;
    Ok(name.and_then(|n| Platform::ALL.iter().find(|(_, p)| *p == n).map(|(p, _)| *p)))
}

fn provider(
    args: &InitArgs,
    asker: &Asker<'_>,
    platform: Platform,
) -> Result<Option<&'static dyn ProviderKind>, InitError> {
    let providers = init::providers_for(platform);
    let names: Vec<&str> = providers.iter().map(|k| k.name()).collect();
    let prompt = if asker.interactive() {
        "Which secret provider do you use?"
    } else {
        // Without a terminal the provider's settings are flags too.
        "Which secret provider do you use? (its settings, such as --region, are flags too: esogen init --help)"
    };
    let name = asker.select(
        args.provider.as_deref(),
        Question {
            flag: "provider",
            prompt,
        },
        &names,
    )?;
    Ok(name.and_then(|n| providers.into_iter().find(|k| k.name() == n)))
}

/// A provider follow-up: the flag (one value, or one per team as
/// `team=value,...`), else the terminal.
fn follow_up(
    args: &InitArgs,
    asker: &Asker<'_>,
    a: &Answers,
    f: &FollowUp,
) -> Result<Option<Setting>, InitError> {
    let flag = flag_of(f.key);
    if let Some(per_team) = args
        .setting(f.key)
        .and_then(|v| per_team_values(v, &a.teams))
    {
        return Ok(per_team_flag(asker, a, f, &flag, &per_team));
    }
    let default_ok = a
        .provider
        .settings()
        .iter()
        .any(|s| s.key == f.key && s.default.is_some());
    let answer = asker.text(
        args.setting(f.key).map(String::as_str),
        Question {
            flag: &flag,
            prompt: f.prompt,
        },
        f.default,
        default_ok,
        &|s| check_setting(a, f, s).map(|_| ()),
    )?;
    let Some(answer) = answer else {
        return Ok(None);
    };
    let (_, note) = init::normalize(f.key, &answer);
    if let Some(note) = note {
        asker.say(&note);
    }
    Ok(check_setting(a, f, &answer).ok())
}

/// An answer to a follow-up as its setting, once `check` takes it.
fn check_setting(a: &Answers, f: &FollowUp, text: &str) -> Result<Setting, String> {
    let (text, _) = init::normalize(f.key, text);
    let value = init::parse_answer(f.ty, &text)?;
    let slot = Slot::Setting(f.key);
    checked(a, slot, |b| set(b, f.key, value.clone()))?;
    Ok(value)
}

fn set(a: &mut Answers, key: &str, value: Setting) {
    match a.settings.iter_mut().find(|(k, _)| k == key) {
        Some((_, v)) => *v = value,
        None => a.settings.push((key.to_owned(), value)),
    }
}

/// `team=value,...` naming every team once, in any order: the values in
/// team order.
fn per_team_values(flag: &str, teams: &[String]) -> Option<Vec<String>> {
    let mut values = vec![None; teams.len()];
    for pair in flag.split(',') {
        let (team, value) = pair.split_once('=')?;
        let i = teams.iter().position(|t| t == team.trim())?;
        values[i] = Some(value.trim().to_owned());
    }
    values.into_iter().collect()
}

/// A follow-up flag with a value per team: each checked in its own table.
fn per_team_flag(
    asker: &Asker<'_>,
    a: &Answers,
    f: &FollowUp,
    flag: &str,
    values: &[String],
) -> Option<Setting> {
    let mut per = Vec::new();
    for (team, text) in a.teams.iter().zip(values) {
        match check_setting(&alone(a, team), f, text) {
            Ok(v) => per.push(v),
            Err(reason) => {
                asker.refuse(flag, &format!("{team}={text}"), &reason);
                return None;
            }
        }
    }
    Some(Setting::PerTeam(per))
}

/// After the provider: how its provider side is applied, `files` unless a
/// flag or the terminal says otherwise (each choice explained in one line).
fn delivery(
    args: &InitArgs,
    asker: &Asker<'_>,
    provider: &dyn ProviderKind,
) -> Result<Option<Delivery>, InitError> {
    let offered = init::deliveries_for(provider);
    let names: Vec<&str> = offered.iter().map(|(d, _)| d.name()).collect();
    let q = Question {
        flag: "delivery",
        prompt: "How is the provider side (roles, policies, bindings) applied?",
    };
    if args.delivery.is_some() || !asker.interactive() || offered.len() == 1 {
        // `files` is the setting's own default: no flag means `files`.
        let Some(flag) = &args.delivery else {
            return Ok(Some(Delivery::Files));
        };
        if let Some((d, _)) = offered.iter().find(|(d, _)| d.name() == flag) {
            return Ok(Some(*d));
        }
        asker.refuse(q.flag, flag, &format!("not one of {}", names.join(", ")));
        if !asker.interactive() {
            return Ok(None);
        }
    }
    let lines: Vec<&str> = offered.iter().map(|(_, line)| line.as_str()).collect();
    let chosen = asker.select(None, q, &lines)?;
    Ok(chosen.and_then(|c| offered.iter().find(|(_, line)| *line == c).map(|(d, _)| *d)))
}

/// Question 1: how many teams, then their names (as many as counted).
fn teams(
    args: &InitArgs,
    asker: &Asker<'_>,
    a: &Answers,
) -> Result<Option<Vec<String>>, InitError> {
    let q = Question {
        flag: "teams",
        prompt: "Team names, comma-separated (each also becomes its namespace)",
    };
    if let Some(t) = &args.teams {
        let list = t.join(",");
        let names = asker.text(Some(&list), q, None, false, &|s| team_list(a, s, None))?;
        if let Some(names) = names {
            return Ok(Some(split_names(&names)));
        }
    }
    if !asker.interactive() {
        if args.teams.is_none() {
            asker.missing("teams", "the teams sharing the cluster, comma-separated");
        }
        return Ok(None);
    }
    let count = asker.text(
        None,
        Question {
            flag: "teams",
            prompt: "How many teams share this cluster?",
        },
        None,
        false,
        &|s| {
            s.parse::<usize>()
                .ok()
                .filter(|n| *n > 0)
                .map(|_| ())
                .ok_or_else(|| "a number, at least 1".to_owned())
        },
    )?;
    let count = count.and_then(|c| c.parse::<usize>().ok()).unwrap_or(1);
    asker.say(&init::scope_line(count));
    let names = asker.text(None, q, None, false, &|s| team_list(a, s, Some(count)))?;
    Ok(names.map(|n| split_names(&n)))
}

fn split_names(s: &str) -> Vec<String> {
    s.split(',')
        .map(|t| t.trim().to_owned())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Checks a team list: names, not a count; as many as `count`; each one a
/// name `check` takes (team, namespace, no duplicate).
fn team_list(a: &Answers, s: &str, count: Option<usize>) -> Result<(), String> {
    let names = split_names(s);
    if names.is_empty() {
        return Err("name at least one team".into());
    }
    if names.len() == 1
        && let Ok(n) = names[0].parse::<usize>()
    {
        let example = ["payments", "billing", "web", "search", "data"];
        let hint = example[..n.clamp(1, example.len())].join(",");
        return Err(format!(
            "`{n}` is a number; name the teams, comma-separated, such as `{hint}`"
        ));
    }
    let shown = names.join(", ");
    let got = names.len();
    checked(a, Slot::Teams, |b| b.teams = names)?;
    match count {
        Some(n) if got != n => Err(format!(
            "{n} teams were counted but {got} named ({shown}): name all {n}, comma-separated"
        )),
        _ => Ok(()),
    }
}

/// Teams on one provider table that `check` refuses to share (a Key Vault
/// or identity that cannot be limited to a prefix): the settings it points
/// at get a value per team, asked for each team or read from the flag as
/// `team=value,...`, and each team gets its own provider table.
fn split_unscoped(args: &InitArgs, asker: &Asker<'_>, a: &mut Answers) -> Result<(), InitError> {
    let findings = draft::findings(a, false);
    let shared: Vec<(&'static str, String)> = findings
        .iter()
        .filter(|f| f.code == crate::diag::Code::UnscopedProvider)
        .flat_map(|f| {
            f.slots.iter().filter_map(move |s| match s {
                Slot::Setting(k) => Some((*k, f.text.clone())),
                _ => None,
            })
        })
        .collect();
    for f in init::follow_ups(a.provider, a.platform) {
        let Some((_, why)) = shared.iter().find(|(k, _)| *k == f.key) else {
            continue;
        };
        let flag = flag_of(f.key);
        if !asker.interactive() {
            let example: Vec<String> = a.teams.iter().map(|t| format!("{t}=...")).collect();
            let value = args.setting(f.key).map_or("", String::as_str);
            asker.refuse(
                &flag,
                value,
                &format!("{why}; give one per team: --{flag} {}", example.join(",")),
            );
            continue;
        }
        asker.say(&format!("{why}: each team gets its own provider table"));
        let mut per = Vec::new();
        for team in a.teams.clone() {
            let prompt = format!("{} for team `{team}`", f.prompt);
            let value = asker.text(
                None,
                Question {
                    flag: &flag,
                    prompt: &prompt,
                },
                None,
                false,
                &|s| per_team_check(a, &f, &per, &team, s),
            )?;
            let alone = alone(a, &team);
            if let Some(v) = value.and_then(|v| check_setting(&alone, &f, &v).ok()) {
                per.push(v);
            }
        }
        set(a, f.key, Setting::PerTeam(per));
    }
    Ok(())
}

/// The answers for `team` alone: where a per-team value is checked.
fn alone(a: &Answers, team: &str) -> Answers {
    let mut b = a.clone();
    b.teams = vec![team.to_owned()];
    b
}

/// Checks one team's value of a per-team setting: alone, and not equal to
/// an earlier team's (which `check` would refuse as shared).
fn per_team_check(
    a: &Answers,
    f: &FollowUp,
    earlier: &[Setting],
    team: &str,
    s: &str,
) -> Result<(), String> {
    let v = check_setting(&alone(a, team), f, s)?;
    if let Some(j) = earlier.iter().position(|e| *e == v) {
        return Err(format!(
            "team `{}` has it already: each team needs its own",
            a.teams[j]
        ));
    }
    Ok(())
}

impl std::fmt::Display for InitReport {
    /// The lines shown: what was written and what to do next, or every
    /// finding and that nothing was written.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InitReport::Written { config, schema } => write!(
                f,
                "wrote {} and {}; next: add secrets under each team, then `esogen check` and `esogen generate`",
                config.display(),
                schema.display()
            ),
            InitReport::Rejected { findings } => {
                writeln!(
                    f,
                    "error: these answers together do not make a valid tenants.toml; nothing was written:"
                )?;
                for finding in findings {
                    writeln!(f, "  {finding}")?;
                }
                Ok(())
            }
        }
    }
}
