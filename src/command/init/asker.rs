//! Where an answer comes from: a flag, else the terminal. Every answer is
//! checked when it is given; on the terminal a refused answer is asked
//! again with the reason. Without a terminal nothing is asked: every
//! missing or refused flag is recorded, and reported all at once.

use std::cell::RefCell;

use super::{InitError, Prompter};

/// A question's flag, without `--`, and its prompt.
#[derive(Debug, Clone, Copy)]
pub struct Question<'q> {
    /// The flag that answers it, without `--`.
    pub flag: &'q str,
    /// The question.
    pub prompt: &'q str,
}

/// A flag that is missing or whose value was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagProblem {
    /// The flag, without `--`.
    pub flag: String,
    /// What is wrong: the question it answers, or why its value is refused.
    pub problem: String,
}

impl std::fmt::Display for FlagProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "--{}: {}", self.flag, self.problem)
    }
}

/// Asks on the terminal, or records what the flags lack.
pub struct Asker<'a> {
    prompter: Option<&'a dyn Prompter>,
    missing: RefCell<Vec<FlagProblem>>,
    refused: RefCell<Vec<FlagProblem>>,
}

impl<'a> Asker<'a> {
    pub fn new(prompter: Option<&'a dyn Prompter>) -> Self {
        Self {
            prompter,
            missing: RefCell::new(Vec::new()),
            refused: RefCell::new(Vec::new()),
        }
    }

    /// True when there is a terminal to ask on.
    pub fn interactive(&self) -> bool {
        self.prompter.is_some()
    }

    /// The answer to `q`: the flag's value when `check` takes it; else
    /// asked on the terminal (offering `suggestion`) until `check` takes
    /// it. Without a terminal, `None`, recorded as missing or refused;
    /// `suggestion` is taken only when `default_ok` (it is the setting's
    /// own default, so writing it changes nothing).
    pub fn text(
        &self,
        flag: Option<&str>,
        q: Question<'_>,
        suggestion: Option<&str>,
        default_ok: bool,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<Option<String>, InitError> {
        if let Some(v) = flag {
            match check(v.trim()) {
                Ok(()) => return Ok(Some(v.trim().to_owned())),
                Err(reason) => self.refuse(q.flag, v, &reason),
            }
        }
        let Some(prompter) = self.prompter else {
            if flag.is_some() {
                return Ok(None);
            }
            if let (Some(d), true) = (suggestion, default_ok) {
                return Ok(Some(d.to_owned()));
            }
            self.missing(q.flag, q.prompt);
            return Ok(None);
        };
        let answer = prompter
            .text(q.prompt, suggestion, check)
            .map_err(|source| InitError::Prompt {
                prompt: q.prompt.to_owned(),
                source,
            })?;
        Ok(Some(answer.trim().to_owned()))
    }

    /// One of `items`, from the flag or the terminal; `None` (recorded)
    /// without either.
    pub fn select(
        &self,
        flag: Option<&str>,
        q: Question<'_>,
        items: &[&str],
    ) -> Result<Option<String>, InitError> {
        if let Some(v) = flag {
            if items.contains(&v) {
                return Ok(Some(v.to_owned()));
            }
            self.refuse(q.flag, v, &format!("not one of {}", items.join(", ")));
        }
        let Some(prompter) = self.prompter else {
            if flag.is_none() {
                self.missing(
                    q.flag,
                    &format!("{} (one of {})", q.prompt, items.join(", ")),
                );
            }
            return Ok(None);
        };
        let i = prompter
            .select(q.prompt, items)
            .map_err(|source| InitError::Prompt {
                prompt: q.prompt.to_owned(),
                source,
            })?;
        Ok(items.get(i).map(|s| (*s).to_owned()))
    }

    /// Tells the user, on the terminal only.
    pub fn say(&self, text: &str) {
        if let Some(p) = self.prompter {
            p.say(text);
        }
    }

    /// Records a flag whose value is refused; on a terminal, says why (the
    /// question is then asked).
    pub fn refuse(&self, flag: &str, value: &str, reason: &str) {
        let problem = FlagProblem {
            flag: flag.to_owned(),
            problem: format!("`{value}` is refused: {reason}"),
        };
        match self.prompter {
            Some(p) => p.say(&problem.to_string()),
            None => self.refused.borrow_mut().push(problem),
        }
    }

    /// Records a question no flag answers (no terminal).
    pub fn missing(&self, flag: &str, prompt: &str) {
        let mut missing = self.missing.borrow_mut();
        if !missing.iter().any(|m| m.flag == flag) {
            missing.push(FlagProblem {
                flag: flag.to_owned(),
                problem: prompt.to_owned(),
            });
        }
    }

    /// Every missing and refused flag, as one error; `Ok` when none.
    pub fn finish(&self) -> Result<(), InitError> {
        let missing = self.missing.take();
        let refused = self.refused.take();
        if missing.is_empty() && refused.is_empty() {
            Ok(())
        } else {
            Err(InitError::Flags { missing, refused })
        }
    }
}
