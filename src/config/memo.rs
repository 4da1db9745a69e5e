//! What one run validated, for the next: each team part of the main file
//! (from a `[[teams]]` line to the next, `chunked`) that held one team
//! validated without a finding, by the SHA-1 of its text, under the SHA-1
//! of the text before the first team.
//!
//! Validating a team reads only its own part, the `[cluster]` and
//! `[providers]` tables before the first team, and whether an error was
//! reported before it (`validate::teams`). So a part with the same text
//! under the same head validates to the same team, with its spans moved by
//! however far the part moved: the next run restores it instead of parsing
//! and validating it again. At 10,000 teams a one-team change then parses
//! one team, not 10,000.
//!
//! A stored team is plain text and relative spans; it is restored through
//! the same parsing constructors as a validated one (`types`), so a memo
//! cannot put a value into a `Config` that validation would not. Anything
//! that does not restore sends its part to the parser.

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use sha1::{Digest as _, Sha1};

use super::types::{
    Duration, Located, NamespaceName, ObjectName, PathPrefix, ProviderName, RemoteKey, TeamName,
};
use super::{Secret, SecretSource, Team};
use crate::source::{FileId, Span};

/// The SHA-1 of a text.
pub type TextId = [u8; 20];

/// The SHA-1 of `text`.
pub fn text_id(text: &str) -> TextId {
    Sha1::digest(text.as_bytes()).into()
}

/// The teams one run validated cleanly, for the next run.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamMemo {
    /// [`text_id`] of the text before the first team.
    pub head: TextId,
    /// Per remembered part, in file order: the [`text_id`] of its text and
    /// its team, encoded ([`StoredTeam`] in postcard; bytes, not a list of
    /// numbers, which costs a call per byte).
    pub parts: Vec<(TextId, ByteBuf)>,
}

impl TeamMemo {
    /// The memo in bytes, for the local cache.
    pub fn encode(&self) -> Vec<u8> {
        postcard::to_stdvec(self).unwrap_or_default()
    }

    /// A memo from the local cache's bytes; `None` when they are not one.
    pub fn decode(bytes: &[u8]) -> Option<Self> {
        postcard::from_bytes(bytes).ok()
    }

    /// The encoded team of the part whose text has this id.
    pub fn lookup(&self) -> foldhash::HashMap<&TextId, &[u8]> {
        self.parts
            .iter()
            .map(|(id, b)| (id, b.as_slice()))
            .collect()
    }
}

/// A span relative to the start of its part.
type Rel = (usize, usize);

/// A team as stored: its text values and their spans relative to the
/// part's start. Stored with owned text (`S = String`); restored with text
/// borrowed from the memo's bytes (`S = &str`, the same encoding), so a
/// value is copied once, by the parsing constructor that validates it.
#[derive(Debug, Serialize, Deserialize)]
struct StoredTeam<S> {
    name: (S, Rel),
    provider: (S, Rel),
    prefix: (S, Rel),
    namespaces: Vec<(S, Rel)>,
    secrets: Vec<StoredSecret<S>>,
}

#[derive(Debug, Serialize, Deserialize)]
struct StoredSecret<S> {
    name: (S, Rel),
    target: S,
    target_type: Option<S>,
    refresh_interval: S,
    namespaces: Vec<S>,
    source: StoredSource<S>,
    push: Option<Rel>,
}

#[derive(Debug, Serialize, Deserialize)]
enum StoredSource<S> {
    Properties { key: (S, Rel), data: Vec<(S, S)> },
    Extract { key: (S, Rel) },
    Find { path: (S, Rel), name_regex: S },
}

/// `span` relative to `start`; `None` when it lies before it (not a span
/// of this part).
fn rel(span: &Span, start: usize) -> Option<Rel> {
    Some((
        span.range.start.checked_sub(start)?,
        span.range.end.checked_sub(start)?,
    ))
}

fn located<T: ToString>(v: &Located<T>, start: usize) -> Option<(String, Rel)> {
    Some((v.value.to_string(), rel(&v.span, start)?))
}

/// `team`, validated from the part starting at byte `start`, encoded; `None`
/// when one of its spans lies outside the part.
pub fn store(team: &Team, start: usize) -> Option<Vec<u8>> {
    let secrets = team
        .secrets
        .iter()
        .map(|s| {
            let source = match &s.source {
                SecretSource::Properties { key, data } => StoredSource::Properties {
                    key: (key.value.as_str().to_owned(), rel(&key.span, start)?),
                    data: data.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
                },
                SecretSource::Extract { key } => StoredSource::Extract {
                    key: (key.value.as_str().to_owned(), rel(&key.span, start)?),
                },
                SecretSource::Find { path, name_regex } => StoredSource::Find {
                    path: (path.value.clone(), rel(&path.span, start)?),
                    name_regex: name_regex.clone(),
                },
            };
            Some(StoredSecret {
                name: located(&s.name, start)?,
                target: s.target.to_string(),
                target_type: s.target_type.clone(),
                refresh_interval: s.refresh_interval.as_str().to_owned(),
                namespaces: s.namespaces.iter().map(ToString::to_string).collect(),
                source,
                push: match &s.push {
                    Some(span) => Some(rel(span, start)?),
                    None => None,
                },
            })
        })
        .collect::<Option<Vec<_>>>()?;
    let stored = StoredTeam {
        name: located(&team.name, start)?,
        provider: located(&team.provider, start)?,
        prefix: located(&team.prefix, start)?,
        namespaces: team
            .namespaces
            .iter()
            .map(|n| located(n, start))
            .collect::<Option<_>>()?,
        secrets,
    };
    postcard::to_stdvec(&stored).ok()
}

/// The team encoded in `bytes`, its spans in `file` moved to a part that
/// starts at byte `start`; `None` when the bytes are not a stored team or a
/// value does not parse as validation would have it.
pub fn restore(bytes: &[u8], file: FileId, start: usize) -> Option<Team> {
    let stored: StoredTeam<&str> = postcard::from_bytes(bytes).ok()?;
    let span = |(a, b): Rel| {
        Some(Span {
            file,
            range: start.checked_add(a)?..start.checked_add(b)?,
        })
    };
    fn at<T, E>(
        (text, r): (&str, Rel),
        parse: impl Fn(&str) -> Result<T, E>,
        span: &impl Fn(Rel) -> Option<Span>,
    ) -> Option<Located<T>> {
        Some(Located::new(parse(text).ok()?, span(r)?))
    }
    let prefix = at(stored.prefix, PathPrefix::parse, &span)?;
    // Collected through `Option`, a list does not know its length and grows
    // by doubling: five secrets would take the room of eight (a tenth of a
    // one-team run's memory at 10,000 teams). Sized once instead.
    let mut secrets = Vec::with_capacity(stored.secrets.len());
    let mut namespaces = Vec::with_capacity(stored.namespaces.len());
    for n in stored.namespaces {
        namespaces.push(at(n, NamespaceName::parse, &span)?);
    }
    for s in stored.secrets {
        let key = |k: (&str, Rel)| at(k, |t| RemoteKey::parse(t, &prefix.value), &span);
        let source = match s.source {
            StoredSource::Properties { key: k, data } => SecretSource::Properties {
                key: key(k)?,
                data: data
                    .into_iter()
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .collect(),
            },
            StoredSource::Extract { key: k } => SecretSource::Extract { key: key(k)? },
            StoredSource::Find { path, name_regex } => SecretSource::Find {
                path: at(path, |t| Ok::<_, ()>(t.to_owned()), &span)?,
                name_regex: name_regex.to_owned(),
            },
        };
        let mut limited = Vec::with_capacity(s.namespaces.len());
        for n in s.namespaces {
            limited.push(NamespaceName::parse(n).ok()?);
        }
        secrets.push(Secret {
            name: at(s.name, ObjectName::parse, &span)?,
            target: ObjectName::parse(s.target).ok()?,
            target_type: s.target_type.map(str::to_owned),
            refresh_interval: Duration::parse(s.refresh_interval).ok()?,
            namespaces: limited,
            source,
            push: match s.push {
                Some(r) => Some(span(r)?),
                None => None,
            },
        });
    }
    Some(Team {
        name: at(stored.name, TeamName::parse, &span)?,
        provider: at(stored.provider, ProviderName::parse, &span)?,
        prefix,
        namespaces,
        secrets,
    })
}
