//! The teams memo (`config::memo`): a run that restores the teams the last
//! run validated finds exactly what a run from scratch finds (the same
//! config, the same findings in the same order) and leaves the same memo
//! for the next run, whatever changed in between: one key, a mistake in
//! any team, the text before the teams, teams removed, moved or copied,
//! two teams in one part.

use proptest::prelude::*;

use super::on_every_core::{Mistake, config};
use crate::config::memo::TeamMemo;
use crate::config::{ConfigFile, Remember, validate, validate_remembering};
use crate::source::Sources;

/// What a validation of `text` gives with the memo `previous`, as text to
/// compare, and the memo for the next run.
fn validated(text: &str, previous: Option<&TeamMemo>) -> (String, Option<TeamMemo>) {
    let mut sources = Sources::new();
    let file = sources.add("tenants.toml", text);
    let (config, diags, memo) = validate_remembering(
        ConfigFile { file, text },
        &[],
        "tenants.toml",
        Some(Remember { previous }),
    );
    (format!("{:?}", (config, diags)), memo)
}

/// What a validation that does not remember gives (one scan of the whole
/// text for pasted secrets), as text to compare.
fn plainly(text: &str) -> String {
    let mut sources = Sources::new();
    let file = sources.add("tenants.toml", text);
    format!(
        "{:?}",
        validate(ConfigFile { file, text }, &[], "tenants.toml")
    )
}

/// The byte offsets of the lines opening a team.
fn starts(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if line.starts_with("[[teams]]") {
            out.push(at);
        }
        at += line.len();
    }
    out
}

/// `text` cut into the part before the teams and one part per team.
fn parts(text: &str) -> (String, Vec<String>) {
    let s = starts(text);
    let mut out = Vec::new();
    for (i, start) in s.iter().enumerate() {
        let end = s.get(i + 1).copied().unwrap_or(text.len());
        out.push(text[*start..end].to_owned());
    }
    (text[..s[0]].to_owned(), out)
}

/// A change from one run to the next.
#[derive(Debug, Clone)]
enum Edit {
    /// One key of one team.
    Key(usize),
    /// A mistake in one team.
    Mistake(usize, Mistake),
    /// The cluster's default refresh interval, before the teams, which
    /// every secret without its own takes.
    Head,
    /// One team gone.
    Remove(usize),
    /// Two teams trade places.
    Swap(usize, usize),
    /// One team copied to the end (a duplicate name and namespace).
    Copy(usize),
    /// A team header written with spaces, which is no cut: the part before
    /// it holds two teams.
    SpacedHeader(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    let i = 0_usize..1000;
    prop_oneof![
        3 => i.clone().prop_map(Edit::Key),
        3 => (i.clone(), prop_oneof![
            Just(Mistake::DuplicateName),
            Just(Mistake::DuplicateNamespace),
            Just(Mistake::UnknownProvider),
            Just(Mistake::PrefixWithoutSeparator),
            Just(Mistake::OverlappingPrefix),
            Just(Mistake::KeyOutsidePrefix),
            Just(Mistake::BadNamespace),
            Just(Mistake::KeyAndFind),
            Just(Mistake::BrokenToml),
            Just(Mistake::PastedKey),
            Just(Mistake::EscapedKey),
        ]).prop_map(|(i, m)| Edit::Mistake(i, m)),
        1 => Just(Edit::Head),
        1 => i.clone().prop_map(Edit::Remove),
        1 => (i.clone(), i.clone()).prop_map(|(a, b)| Edit::Swap(a, b)),
        1 => i.clone().prop_map(Edit::Copy),
        1 => i.prop_map(Edit::SpacedHeader),
    ]
}

/// `text` (from `config` of `teams` teams without mistakes) after `edit`.
fn apply(text: &str, teams: usize, edit: &Edit, static_ack: bool, push: bool) -> String {
    let (head, mut parts) = parts(text);
    // An earlier edit may have removed or copied a team: indices are taken
    // in the parts there are now.
    let n = parts.len().max(1);
    match *edit {
        Edit::Key(i) => {
            let i = i % n;
            parts[i] = parts[i].replace(&format!("/prod/t{i}/k\""), &format!("/prod/t{i}/k2\""));
        }
        Edit::Mistake(i, m) => {
            let mut mistakes = vec![Mistake::None; teams];
            mistakes[i % teams] = m;
            return config(&mistakes, static_ack, push);
        }
        Edit::Head => {
            return text.replacen(
                "platform = \"eks\"\n",
                "platform = \"eks\"\nrefresh_interval = \"5m\"\n",
                1,
            );
        }
        Edit::Remove(i) => {
            parts.remove(i % n);
        }
        Edit::Swap(a, b) => parts.swap(a % n, b % n),
        Edit::Copy(i) => parts.push(parts[i % n].clone()),
        Edit::SpacedHeader(i) => {
            let i = i % n;
            parts[i] = parts[i].replacen("[[teams]]", "[[ teams ]]", 1);
        }
    }
    head + &parts.concat()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 40, ..ProptestConfig::default() })]

    #[test]
    fn a_run_with_the_memo_finds_what_a_run_from_scratch_finds(
        teams in 64_usize..90,
        edits in prop::collection::vec(edit(), 1..3),
        static_ack in any::<bool>(),
        push in any::<bool>(),
        one_core in any::<bool>(),
    ) {
        let run = |text: &str, memo: Option<&TeamMemo>| {
            if one_core {
                crate::parallel::on_one_core(|| validated(text, memo))
            } else {
                validated(text, memo)
            }
        };
        let mut text = config(&vec![Mistake::None; teams], static_ack, push);
        let (first, mut memo) = run(&text, None);
        // A clean run remembers every team; static credentials are a
        // warning, and a run with any finding remembers nothing.
        if !first.contains("Warning") {
            prop_assert!(memo.as_ref().is_some_and(|m| m.parts.len() == teams), "{}", first);
        }
        for e in &edits {
            text = apply(&text, teams, e, static_ack, push);
            let remembered = run(&text, memo.as_ref());
            let scratch = run(&text, None);
            prop_assert_eq!(&remembered.0, &scratch.0);
            prop_assert_eq!(&remembered.1, &scratch.1);
            prop_assert_eq!(&remembered.0, &plainly(&text));
            memo = remembered.1;
        }
    }
}

/// The memo is what a run uses: with two parts' teams traded in it, the
/// two teams come out traded (so the property above does not hold
/// vacuously, with the memo never read).
#[test]
fn the_memo_is_what_a_run_restores() {
    let text = config(&[Mistake::None; 70], false, false);
    let (scratch, memo) = validated(&text, None);
    let mut memo = memo.expect("a clean run leaves a memo");
    let (a, b) = (memo.parts[0].1.clone(), memo.parts[1].1.clone());
    memo.parts[0].1 = b;
    memo.parts[1].1 = a;
    let (traded, _) = validated(&text, Some(&memo));
    assert_ne!(traded, scratch);
    assert!(traded.contains("t1"), "{traded}");
}

/// A memo whose stored team does not parse as validation would have it (a
/// name no validation lets through, bytes that are no team) is not
/// restored: the part is parsed, and the run finds what a run from scratch
/// finds.
#[test]
fn a_memo_with_invalid_values_is_not_trusted() {
    let text = config(&[Mistake::None; 70], false, false);
    let (scratch, memo) = validated(&text, None);
    let mut memo = memo.expect("a clean run leaves a memo");
    let bytes = memo.parts[3].1.to_vec();
    // The team name `t3` as stored becomes `T3`, which is no DNS label.
    let at = bytes
        .windows(2)
        .position(|w| w == b"t3")
        .expect("the name is stored as text");
    let mut bad = bytes.clone();
    bad[at] = b'T';
    memo.parts[3].1 = bad.into();
    memo.parts[4].1 = vec![0xff; 7].into();
    let (remembered, _) = validated(&text, Some(&memo));
    assert_eq!(remembered, scratch);
}
