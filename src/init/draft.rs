//! Every answer is checked by `esogen check` itself: the answers given so
//! far are rendered into the file `init` would write (placeholders for the
//! rest), the file is checked, and the findings located on the answer's
//! values are the answer's. No rule is written twice, so an answer `init`
//! takes is one `check` takes.

use std::ops::Range;

use toml_edit::{Document, Item};

use super::{Answers, render};
use crate::diag::{Code, Diagnostic};
use crate::pipeline;

/// An answer, by where its values sit in the written file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    /// The team names: each team's `name` and its namespace.
    Teams,
    /// A provider setting, in every provider table.
    Setting(&'static str),
    /// The prefix pattern: each team's `prefix`.
    Prefix,
    /// The cluster name.
    Cluster,
}

/// A finding of `check` on the file the answers make, with the answer it
/// is about (`None` when it is about no single answer).
#[derive(Debug, Clone)]
pub struct Finding {
    /// The answer whose value the finding points at.
    pub slot: Option<Slot>,
    /// The finding's code.
    pub code: Code,
    /// The message, then the advice, in one line.
    pub text: String,
    /// Every answer the finding points at, the primary place first.
    pub slots: Vec<Slot>,
}

/// The errors `check` finds in the file `a` makes that point at `slot`'s
/// values, as lines of text (message, then advice).
/// A finding repeated for every team (a prefix pattern) is given once.
pub fn errors_about(a: &Answers, slot: Slot) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for f in findings(a, false) {
        if f.slot == Some(slot) && !out.contains(&f.text) {
            out.push(f.text);
        }
    }
    out
}

/// Every error in the file `a` makes, each with the answer it points at.
/// With `generate`, the whole pipeline runs (manifests too), as `init`
/// does before writing; otherwise only `check`'s validation and plan.
pub fn findings(a: &Answers, generate: bool) -> Vec<Finding> {
    let text = render(a);
    let diags = run(&text, generate);
    let slots = slot_ranges(&text, a);
    diags
        .iter()
        .filter(|d| d.is_error())
        .map(|d| {
            let mut on: Vec<Slot> = Vec::new();
            let places = d.primary.iter().chain(&d.secondary);
            for label in places {
                if let Some(s) = slot_of(&slots, &label.span.range)
                    && !on.contains(&s)
                {
                    on.push(s);
                }
            }
            let primary = d
                .primary
                .as_ref()
                .and_then(|l| slot_of(&slots, &l.span.range));
            Finding {
                slot: primary,
                code: d.code,
                text: one_line(d),
                slots: on,
            }
        })
        .collect()
}

fn run(text: &str, generate: bool) -> Vec<Diagnostic> {
    if generate {
        pipeline::generate_text("tenants.toml", text).2.0
    } else {
        pipeline::check_text("tenants.toml", text).2.0
    }
}

/// A finding as one line: its message, then its advice.
fn one_line(d: &Diagnostic) -> String {
    match &d.help {
        Some(h) => format!("{} ({h})", d.message),
        None => d.message.clone(),
    }
}

/// The slot whose line holds `range` (a finding's place).
fn slot_of(slots: &[(Slot, Range<usize>)], range: &Range<usize>) -> Option<Slot> {
    slots
        .iter()
        .find(|(_, r)| r.start <= range.start && range.end <= r.end)
        .map(|(s, _)| *s)
}

/// Where each answer's values are in `text`: from the start of the line of
/// the key to the end of the value, so findings on the key count too.
fn slot_ranges(text: &str, a: &Answers) -> Vec<(Slot, Range<usize>)> {
    let Ok(doc) = Document::parse(text) else {
        return Vec::new();
    };
    let line = |r: Range<usize>| {
        let start = text[..r.start].rfind('\n').map_or(0, |i| i + 1);
        start..r.end
    };
    let mut out = Vec::new();
    let mut add = |slot: Slot, item: Option<&Item>| {
        if let Some(r) = item.and_then(Item::span) {
            out.push((slot, line(r)));
        }
    };
    add(
        Slot::Cluster,
        doc.get("cluster").and_then(|c| c.get("name")),
    );
    if let Some(providers) = doc.get("providers").and_then(Item::as_table) {
        for (_, table) in providers {
            for (key, _) in &a.settings {
                if let Some(slot) = setting_slot(a, key) {
                    add(slot, table.get(key));
                }
            }
        }
    }
    if let Some(teams) = doc.get("teams").and_then(Item::as_array_of_tables) {
        for team in teams {
            add(Slot::Teams, team.get("name"));
            add(Slot::Teams, team.get("namespaces"));
            add(Slot::Prefix, team.get("prefix"));
        }
    }
    out
}

/// The slot of a provider setting answered in `a`.
fn setting_slot(a: &Answers, key: &str) -> Option<Slot> {
    super::follow_ups(a.provider, a.platform)
        .into_iter()
        .find(|f| f.key == key)
        .map(|f| Slot::Setting(f.key))
}
