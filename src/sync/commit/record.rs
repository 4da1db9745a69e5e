//! HEAD's ownership record as `--commit` on the checked-out branch needs
//! it: the namespace → team map for the message on every commit, the file
//! list only when some generated file vanished from disk. Consumes the
//! record's bytes (HEAD's blob, or the copy on disk when it is that blob);
//! produces those two parts, parsed only when asked for.
//!
//! At 10,000 teams the record is 4.6 MB, almost all of it the file list
//! (100,000 paths): parsing it whole costs more than the rest of the commit
//! message, so the namespaces are parsed alone. They must come out exactly
//! as a parse of the whole record gives them (`render::Ownership::parse`,
//! empty when that fails): the other fields are checked for the same types
//! without being kept.

use std::fmt;

use serde::de::{Deserialize, Deserializer, SeqAccess, Visitor};

use crate::render::Ownership;
use crate::sync::message::Teams;

/// An ownership record's bytes; none when the tree has no record.
#[derive(Debug, Default)]
pub(super) struct Record {
    bytes: Option<Vec<u8>>,
    /// The bytes are the record on disk's, which the comparison with disk
    /// also went by.
    on_disk: bool,
}

impl Record {
    /// The record made of `bytes`, read from a tree.
    pub(super) fn new(bytes: Option<Vec<u8>>) -> Self {
        Self {
            bytes,
            on_disk: false,
        }
    }

    /// The record made of `bytes`, read from the record on disk.
    pub(super) fn on_disk(bytes: Vec<u8>) -> Self {
        Self {
            bytes: Some(bytes),
            on_disk: true,
        }
    }

    /// True when these are the bytes of the record on disk.
    pub(super) fn is_on_disk(&self) -> bool {
        self.on_disk
    }

    /// Namespace → team, as `Ownership::parse` gives it; empty when there
    /// is no record or it does not parse as one.
    pub(super) fn namespaces(&self) -> Teams {
        self.bytes
            .as_deref()
            .and_then(|b| serde_json::from_slice::<NamespacesOnly>(b).ok())
            .map(|r| r.namespaces)
            .unwrap_or_default()
    }

    /// The generated paths the record lists; empty when there is no record
    /// or it does not parse as one.
    pub(super) fn files(&self) -> Vec<String> {
        self.bytes
            .as_deref()
            .and_then(Ownership::parse)
            .map(|o| o.files)
            .unwrap_or_default()
    }
}

/// `render::Ownership` with only `namespaces` kept: the same fields in the
/// same order with the same types and defaults (serde also reads a struct
/// from a JSON array, by position), so it parses exactly the documents
/// `Ownership` parses.
#[derive(serde::Deserialize)]
struct NamespacesOnly {
    #[serde(rename = "comment")]
    _comment: AString,
    #[serde(default)]
    namespaces: Teams,
    #[serde(rename = "files")]
    _files: Strings,
}

/// A string, checked and dropped: what `String` accepts, without the
/// allocation.
struct AString;

impl<'de> Deserialize<'de> for AString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = AString;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<AString, E> {
                Ok(AString)
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<AString, E> {
                match std::str::from_utf8(v) {
                    Ok(_) => Ok(AString),
                    Err(_) => Err(E::invalid_value(serde::de::Unexpected::Bytes(v), &self)),
                }
            }
        }
        d.deserialize_string(V)
    }
}

/// A list of strings, checked and dropped: what `Vec<String>` accepts.
struct Strings;

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Strings;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a sequence")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Strings, A::Error> {
                while seq.next_element::<AString>()?.is_some() {}
                Ok(Strings)
            }
        }
        d.deserialize_seq(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The namespaces parsed alone are exactly those of the whole parse,
    /// for records and for documents that are not one (a wrong type in a
    /// field that is not kept must still make the parse fail).
    #[test]
    fn namespaces_alone_parse_as_the_whole_record() {
        let cases: &[&str] = &[
            r#"{"comment":"c","namespaces":{"a":"t1","b":"t2"},"files":["x","y\"z"]}"#,
            r#"{"comment":"c","files":[]}"#,
            r#"{"files":["x"],"namespaces":{"a":"t"},"comment":"c","extra":[1,{}]}"#,
            r#"  {"comment":"c\u00e9","namespaces":{"a\n":"t"},"files":["\u0000"]}  "#,
            r#"["c",{"a":"t"},["x"]]"#,
            r#"["c",{"a":"t"}]"#,
            r#"{"comment":"c","namespaces":{"a":"t"}}"#,
            r#"{"namespaces":{"a":"t"},"files":[]}"#,
            r#"{"comment":1,"namespaces":{"a":"t"},"files":[]}"#,
            r#"{"comment":"c","namespaces":{"a":"t"},"files":["x",2]}"#,
            r#"{"comment":"c","namespaces":{"a":"t"},"files":"x"}"#,
            r#"{"comment":"c","namespaces":{"a":"t"},"files":null}"#,
            r#"{"comment":"c","namespaces":null,"files":[]}"#,
            r#"{"comment":"c","namespaces":{"a":1},"files":[]}"#,
            r#"{"comment":"c","comment":"d","namespaces":{"a":"t"},"files":[]}"#,
            r#"{"comment":"c","namespaces":{"a":"t"},"files":[],"files":[]}"#,
            r#"{"comment":"c","namespaces":{"a":"t"},"files":[]} x"#,
            r#"{"comment":"c","namespaces":{"a":"t"},"files":["x"]"#,
            "{\"comment\":\"\\ud800\",\"namespaces\":{\"a\":\"t\"},\"files\":[]}",
            "",
            "null",
        ];
        for case in cases {
            let whole = Ownership::parse(case.as_bytes())
                .map(|o| o.namespaces)
                .unwrap_or_default();
            let record = Record::new(Some(case.as_bytes().to_vec()));
            assert_eq!(record.namespaces(), whole, "{case}");
        }
        let invalid_utf8 = b"{\"comment\":\"\xff\",\"namespaces\":{\"a\":\"t\"},\"files\":[]}";
        assert_eq!(
            Record::new(Some(invalid_utf8.to_vec())).namespaces(),
            Teams::new()
        );
        assert!(Record::default().namespaces().is_empty());
        assert!(Record::default().files().is_empty());
    }

    /// A record as `render::finish_record` writes it.
    #[test]
    fn a_written_record_gives_its_namespaces_and_files() {
        let own = Ownership {
            comment: "Generated by esogen.".to_owned(),
            namespaces: [("pay".to_owned(), "payments".to_owned())].into(),
            files: vec!["overlays/pay/kustomization.yaml".to_owned()],
        };
        let bytes = serde_json::to_vec_pretty(&own).unwrap();
        let record = Record::new(Some(bytes));
        assert_eq!(record.namespaces(), own.namespaces);
        assert_eq!(record.files(), own.files);
    }
}
