//! The terminal side of `esogen init`: dialoguer prompts on standard error.

use std::io::IsTerminal;

use dialoguer::{Input, Select};
use esogen::command::init::{PromptError, Prompter};

/// Prompts on the terminal.
struct Terminal;

/// The terminal to ask on: only when standard input and standard error
/// both are one.
pub fn terminal() -> Option<&'static dyn Prompter> {
    let interactive = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if interactive {
        restore_on_interrupt();
    }
    interactive.then_some(&Terminal)
}

/// Ctrl-C ends `init` with nothing written, the cursor shown again (a
/// selection list hides it while it is drawn) and the usual exit status of
/// an interrupted command (128 + SIGINT). The terminal's line settings are
/// already restored by the time the signal arrives: the key reader puts
/// them back before it raises SIGINT.
fn restore_on_interrupt() {
    if let Err(e) = ctrlc::set_handler(|| interrupted()) {
        eprintln!("warning: Ctrl-C will not restore the cursor: {e}");
    }
}

/// Shows the cursor, says nothing was written and exits with 130. Reached
/// twice for one Ctrl-C in a list: from the signal handler's thread, and
/// from the prompt, whose key reader returns "interrupted" after raising
/// the signal. Whichever comes first exits; had the prompt's error ended
/// the run first, the cursor would stay hidden.
fn interrupted() -> ! {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let term = dialoguer::console::Term::stderr();
        // Best effort: the process ends either way.
        let _ = term.show_cursor();
        let _ = term.write_line("\ninterrupted; nothing was written");
        std::process::exit(130);
    });
    // The other caller is exiting the process.
    loop {
        std::thread::park();
    }
}

/// A prompt's error, unless it is Ctrl-C (which ends the run).
fn unless_interrupted(e: dialoguer::Error) -> dialoguer::Error {
    let dialoguer::Error::IO(io) = &e;
    if io.kind() == std::io::ErrorKind::Interrupted {
        interrupted();
    }
    e
}

impl Prompter for Terminal {
    fn text(
        &self,
        prompt: &str,
        default: Option<&str>,
        check: &dyn Fn(&str) -> Result<(), String>,
    ) -> Result<String, PromptError> {
        let mut input = Input::<String>::new().with_prompt(prompt);
        if let Some(d) = default {
            input = input.default(d.to_owned());
        }
        Ok(input
            .validate_with(|s: &String| check(s.trim()))
            .interact_text()
            .map_err(unless_interrupted)?)
    }

    fn select(&self, prompt: &str, items: &[&str]) -> Result<usize, PromptError> {
        let select = Select::new().with_prompt(prompt).items(items).default(0);
        Ok(select.interact().map_err(unless_interrupted)?)
    }

    fn say(&self, text: &str) {
        eprintln!("  → {text}");
    }
}
