//! Parsing a large `tenants.toml` on every core. The file is cut before
//! each line that opens a team (`[[teams]]`); the part before the first
//! team and each team part are parsed on their own, and the teams' spans
//! shifted back to positions in the whole file.
//!
//! A part parsed alone means what it means inside the whole file exactly
//! when it parses, keeps to its own tables, and the part before the teams
//! defines no `teams`: a team part can then only add elements to `teams`,
//! and its `[[teams.secrets]]` headers can only refer to its own team.
//! Any doubt (a part that fails to parse, a cut inside a multi-line string
//! or array, a team part with a table of its own such as `[cluster]`, a
//! `teams` defined before the first `[[teams]]`) sends the whole text to
//! the one parse it always had, so errors and their positions are exactly
//! that parse's.

use std::collections::BTreeMap;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::Team;
use super::memo::{TeamMemo, TextId, text_id};
use super::raw::{RawConfig, RawFind, RawSecret, RawTeam};
use crate::source::FileId;

/// Below this many teams one parse is as fast: not worth the threads
/// (nor, on one core, at all).
const MIN_TEAMS: usize = 64;

/// The header that opens a team, at the start of a line.
const TEAM_HEADER: &str = "[[teams]]";

/// A team part: nothing but `[[teams]]` tables.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TeamPart {
    teams: Vec<Spanned<RawTeam>>,
}

/// Parses the main file: in parts on every core when it has many teams
/// and every part is sound, else in one parse.
pub(super) fn parse_main(text: &str) -> Result<RawConfig, toml::de::Error> {
    match parse_in_parts(text) {
        Some(raw) => Ok(raw),
        None => toml::from_str(text),
    }
}

/// The main file parsed, with what a memo gave.
pub(super) struct Main {
    /// The file; in parts, without the teams (they are in `parts`).
    pub raw: RawConfig,
    /// Its team parts in file order, when it was parsed in parts.
    pub parts: Vec<Part>,
    /// [`text_id`] of the text before the first team, when in parts.
    pub head: Option<TextId>,
}

/// One team part of the main file.
pub(super) struct Part {
    /// Where it starts in the file.
    pub start: usize,
    /// [`text_id`] of its text.
    pub id: TextId,
    /// Its teams.
    pub teams: PartTeams,
}

/// A part's teams: parsed, or its one team restored from the memo.
pub(super) enum PartTeams {
    /// Parsed from the part's text, spans in the whole file.
    Parsed(Vec<Spanned<RawTeam>>),
    /// Restored, with the memo's bytes for it.
    Restored(Box<Team>, Vec<u8>),
}

/// The main file cut for a run that remembers its teams: the part before
/// the first team and each team part, with the [`text_id`] of each and,
/// when the memo holds a part under the same head, its stored team.
pub(super) struct Cut<'m> {
    head: Range<usize>,
    head_id: TextId,
    parts: Vec<CutPart<'m>>,
}

/// A team part of a [`Cut`]: where it lies, its id, and its stored team
/// when the memo holds it.
type CutPart<'m> = (Range<usize>, TextId, Option<&'m [u8]>);

impl Cut<'_> {
    /// The part before the teams and every part the memo does not hold:
    /// what is read again (the memo holds only parts of a run that found
    /// nothing).
    pub(super) fn unremembered(&self) -> Vec<Range<usize>> {
        std::iter::once(self.head.clone())
            .chain(
                self.parts
                    .iter()
                    .filter(|(_, _, known)| known.is_none())
                    .map(|(r, _, _)| r.clone()),
            )
            .collect()
    }
}

/// Cuts the main file before each team (whenever it has many teams, on one
/// core too) and looks each part up in `memo`; `None` when it has few.
pub(super) fn cut<'m>(text: &str, memo: Option<&'m TeamMemo>) -> Option<Cut<'m>> {
    let starts = team_starts(text);
    if starts.len() < MIN_TEAMS {
        return None;
    }
    let head_id = text_id(&text[..starts[0]]);
    let known = memo
        .filter(|m| m.head == head_id)
        .map(TeamMemo::lookup)
        .unwrap_or_default();
    let mut ranges: Vec<Range<usize>> = starts.windows(2).map(|w| w[0]..w[1]).collect();
    ranges.push(starts[starts.len() - 1]..text.len());
    let ids = crate::parallel::map(&ranges, |r| text_id(&text[r.clone()]));
    let parts = ranges
        .into_iter()
        .zip(ids)
        .map(|(r, id)| {
            let bytes = known.get(&id).copied();
            (r, id, bytes)
        })
        .collect();
    Some(Cut {
        head: 0..starts[0],
        head_id,
        parts,
    })
}

/// The main file (`file` in the sources) parsed part by part as `cut` has
/// it, restoring the parts the memo holds instead of parsing them; `None`
/// when one parse must decide (see the module).
pub(super) fn parse_cut(text: &str, file: FileId, cut: &Cut<'_>) -> Option<Main> {
    let (head, parts) = crate::parallel::join(
        || parse_head(&text[cut.head.clone()]),
        || {
            crate::parallel::chunks(&cut.parts, |chunk| {
                let mut out = Vec::with_capacity(chunk.len());
                for (range, id, known) in chunk {
                    let restored = known.and_then(|bytes| {
                        let team = super::memo::restore(bytes, file, range.start)?;
                        Some(PartTeams::Restored(Box::new(team), bytes.to_vec()))
                    });
                    let teams = match restored {
                        Some(r) => r,
                        None => {
                            let parsed: TeamPart = toml::from_str(&text[range.clone()]).ok()?;
                            PartTeams::Parsed(
                                parsed
                                    .teams
                                    .into_iter()
                                    .map(|t| shift(t, range.start))
                                    .collect(),
                            )
                        }
                    };
                    out.push(Part {
                        start: range.start,
                        id: *id,
                        teams,
                    });
                }
                Some(out)
            })
        },
    );
    let raw = head?;
    let mut all = Vec::with_capacity(cut.parts.len());
    for chunk in parts {
        all.extend(chunk?);
    }
    Some(Main {
        raw,
        parts: all,
        head: Some(cut.head_id),
    })
}

/// The byte offsets where a line opening a team starts: `[[teams]]`
/// after optional blanks, followed by blanks, a comment or the line end.
/// Found by searching for the header (memchr's `memmem`), not line by line:
/// a 4 MB file has 400,000 lines and 10,000 headers.
fn team_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let is_blank = |b: &u8| *b == b' ' || *b == b'\t';
    memchr::memmem::find_iter(bytes, TEAM_HEADER.as_bytes())
        .filter_map(|at| {
            let line = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |nl| nl + 1);
            if !bytes[line..at].iter().all(is_blank) {
                return None;
            }
            let after = at + TEAM_HEADER.len();
            let end = memchr::memchr(b'\n', &bytes[after..]).map_or(bytes.len(), |i| after + i);
            let rest = &bytes[after..end];
            let rest = &rest[rest
                .iter()
                .position(|b| !(is_blank(b) || *b == b'\r'))
                .unwrap_or(rest.len())..];
            (rest.is_empty() || rest[0] == b'#').then_some(line)
        })
        .collect()
}

/// [`team_starts`] line by line, as it was: the reference its tests hold
/// it to.
#[cfg(test)]
fn team_starts_line_by_line(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut starts = Vec::new();
    let mut line = 0;
    while line < bytes.len() {
        let end = bytes[line..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(bytes.len(), |i| line + i);
        let content = text[line..end].trim_start_matches([' ', '\t']);
        if let Some(rest) = content.strip_prefix(TEAM_HEADER) {
            let rest = rest.trim_start_matches([' ', '\t', '\r']);
            if rest.is_empty() || rest.starts_with('#') {
                starts.push(line);
            }
        }
        line = end + 1;
    }
    starts
}

/// The file parsed part by part, or `None` when one parse must decide.
fn parse_in_parts(text: &str) -> Option<RawConfig> {
    let starts = team_starts(text);
    if starts.len() < MIN_TEAMS || crate::parallel::threads() == 1 {
        return None;
    }
    let head = &text[..starts[0]];
    let mut parts: Vec<Range<usize>> = starts.windows(2).map(|w| w[0]..w[1]).collect();
    parts.push(starts[starts.len() - 1]..text.len());
    let (head, teams) = crate::parallel::join(
        || parse_head(head),
        || {
            crate::parallel::chunks(&parts, |chunk| {
                let mut out = Vec::with_capacity(chunk.len());
                for range in chunk {
                    let part: TeamPart = toml::from_str(&text[range.clone()]).ok()?;
                    out.extend(part.teams.into_iter().map(|t| shift(t, range.start)));
                }
                Some(out)
            })
        },
    );
    let mut raw = head?;
    for chunk in teams {
        raw.teams.extend(chunk?);
    }
    Some(raw)
}

/// The part before the first team, which must not define `teams`.
fn parse_head(head: &str) -> Option<RawConfig> {
    let keys: toml::Table = toml::from_str(head).ok()?;
    if keys.contains_key("teams") {
        return None;
    }
    toml::from_str(head).ok()
}

/// Moves a value's spans `by` bytes later.
trait Shift: Sized {
    fn shift_by(self, by: usize) -> Self;
}

fn shift<T: Shift>(value: Spanned<T>, by: usize) -> Spanned<T> {
    value.shift_by(by)
}

impl<T: Shift> Shift for Spanned<T> {
    fn shift_by(self, by: usize) -> Self {
        let span = self.span();
        Spanned::new(
            span.start + by..span.end + by,
            self.into_inner().shift_by(by),
        )
    }
}

impl<T: Shift> Shift for Option<T> {
    fn shift_by(self, by: usize) -> Self {
        self.map(|v| v.shift_by(by))
    }
}

impl<T: Shift> Shift for Vec<T> {
    fn shift_by(self, by: usize) -> Self {
        let mut out = Vec::with_capacity(self.len());
        out.extend(self.into_iter().map(|v| v.shift_by(by)));
        out
    }
}

impl<K: Shift + Ord, V: Shift> Shift for BTreeMap<K, V> {
    fn shift_by(self, by: usize) -> Self {
        self.into_iter()
            .map(|(k, v)| (k.shift_by(by), v.shift_by(by)))
            .collect()
    }
}

macro_rules! no_spans {
    ($($t:ty),*) => {$(
        impl Shift for $t {
            fn shift_by(self, _: usize) -> Self {
                self
            }
        }
    )*};
}
no_spans!(String, bool);

impl Shift for RawTeam {
    fn shift_by(self, by: usize) -> Self {
        // Rebuilt anyway: the secrets get their exact length (a parse
        // grows the list by doubling), which the whole file's teams hold
        // until validated.
        RawTeam {
            name: self.name.shift_by(by),
            provider: self.provider.shift_by(by),
            prefix: self.prefix.shift_by(by),
            namespaces: self.namespaces.shift_by(by),
            refresh_interval: self.refresh_interval.shift_by(by),
            push: self.push.shift_by(by),
            secrets: self.secrets.shift_by(by),
        }
    }
}

impl Shift for RawSecret {
    fn shift_by(self, by: usize) -> Self {
        RawSecret {
            name: self.name.shift_by(by),
            key: self.key.shift_by(by),
            data: self.data.shift_by(by),
            find: self.find.shift_by(by),
            target: self.target.shift_by(by),
            secret_type: self.secret_type.shift_by(by),
            refresh_interval: self.refresh_interval.shift_by(by),
            namespaces: self.namespaces.shift_by(by),
            push: self.push.shift_by(by),
        }
    }
}

impl Shift for RawFind {
    fn shift_by(self, by: usize) -> Self {
        RawFind {
            path: self.path.shift_by(by),
            name: self.name.shift_by(by),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` teams, each with a secret whose data map and find carry spans.
    fn config(n: usize) -> String {
        let mut s = String::from(
            "version = 1\n[cluster]\nname = \"c\"\nplatform = \"eks\"\n\n\
             [providers.aws]\nkind = \"aws-secrets-manager\"\nregion = \"eu-west-1\"\n\n",
        );
        for i in 0..n {
            s.push_str(&format!(
                "  [[teams]]  # team {i}\nname = \"t{i}\"\nprovider = \"aws\"\nprefix = \"p/t{i}/\"\n\
                 namespaces = [\"t{i}\"]\nrefresh_interval = \"1m\"\npush = false\n\n\
                 [[teams.secrets]]\nname = \"s\"\nkey = \"p/t{i}/k\"\n\
                 data = {{ a = \"b\", c = \"d\" }}\nnamespaces = [\"t{i}\"]\n\
                 [[teams.secrets]]\nname = \"f\"\nfind = {{ path = \"p/t{i}/x/\", name = \"^p\" }}\n\r\n"
            ));
        }
        s
    }

    /// Every span of a parsed value, in order, with the text it covers.
    fn spans(raw: &RawConfig, text: &str) -> Vec<String> {
        let mut out = Vec::new();
        let mut push = |r: Range<usize>| out.push(format!("{r:?}={}", &text[r.clone()]));
        for t in &raw.teams {
            push(t.span());
            let t = t.get_ref();
            for s in [&t.name, &t.provider, &t.prefix] {
                push(s.span());
            }
            push(t.namespaces.span());
            t.namespaces.get_ref().iter().for_each(|n| push(n.span()));
            t.refresh_interval.iter().for_each(|r| push(r.span()));
            t.push.iter().for_each(|p| push(p.span()));
            for s in &t.secrets {
                push(s.span());
                let s = s.get_ref();
                push(s.name.span());
                s.key.iter().for_each(|k| push(k.span()));
                if let Some(d) = &s.data {
                    push(d.span());
                    for (k, v) in d.get_ref() {
                        push(k.span());
                        push(v.span());
                    }
                }
                if let Some(f) = &s.find {
                    push(f.span());
                    f.get_ref().path.iter().for_each(|p| push(p.span()));
                    f.get_ref().name.iter().for_each(|p| push(p.span()));
                }
                s.namespaces.iter().for_each(|n| push(n.span()));
            }
        }
        out
    }

    #[test]
    fn parts_give_the_values_and_spans_of_one_parse() {
        let text = config(MIN_TEAMS + 3);
        let parts = parse_in_parts(&text).expect("every part is sound");
        let whole: RawConfig = toml::from_str(&text).expect("valid");
        assert_eq!(parts.teams.len(), whole.teams.len());
        assert_eq!(spans(&parts, &text), spans(&whole, &text));
        assert_eq!(
            format!("{:?}", parts.providers),
            format!("{:?}", whole.providers)
        );
    }

    #[test]
    fn a_doubtful_cut_falls_back_to_one_parse() {
        let base = config(MIN_TEAMS);
        // A multi-line string holding a team header; a cluster table after
        // the teams; `teams` defined before the first team; a broken team.
        let cases = [
            base.replace("push = false\n", "push = false\nx = '''\n[[teams]]\n'''\n"),
            format!("{base}[cluster]\nname = \"again\"\n"),
            base.replacen("[cluster]", "teams = []\n[cluster]", 1),
            base.replacen("name = \"t5\"", "name = ", 1),
            // Valid, but a provider table after the teams: one parse.
            format!("{base}[providers.gcp]\nkind = \"gcp-secret-manager\"\n"),
        ];
        for text in cases {
            assert!(parse_in_parts(&text).is_none(), "{text}");
            let whole = toml::from_str::<RawConfig>(&text).map_err(|e| e.to_string());
            let main = parse_main(&text).map_err(|e| e.to_string());
            assert_eq!(format!("{main:?}"), format!("{whole:?}"));
        }
    }

    proptest::proptest! {
        /// The search for headers finds the lines the line-by-line scan
        /// finds, in any mix of headers, blanks, comments and text.
        #[test]
        fn searching_finds_what_a_scan_of_every_line_finds(
            pieces in proptest::collection::vec(proptest::sample::select(vec![
                "[[teams]]", "[[teams]", "[[ teams ]]", " ", "\t", "\r", "\n", "#", "x", "é",
                "[[teams.secrets]]", "\"",
            ]), 0..40)
        ) {
            let text = pieces.concat();
            proptest::prop_assert_eq!(team_starts(&text), team_starts_line_by_line(&text));
        }
    }

    #[test]
    fn only_lines_opening_a_team_are_cuts() {
        let text =
            "a = 1\n[[teams]]\n  [[teams]] # c\nx = \"[[teams]]\"\n[[teams]]x\n[[teams]]\r\n";
        assert_eq!(team_starts(text), [6, 16, 59]);
    }
}
