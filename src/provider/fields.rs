//! The settings of one `[providers.NAME]` table as a provider module reads
//! them: typed accessors that collect findings, and a final check that
//! rejects keys the provider does not take, with a "did you mean". The
//! keys taken are the kind's declared settings ([`SettingSpec`]), so the
//! parser and the JSON Schema cannot disagree.

use std::collections::BTreeMap;

use crate::config::types::Located;
use crate::diag::{Code, Diagnostic};
use crate::naming::Pattern;
use crate::source::Span;

pub use super::spec::SettingValue;
use super::spec::{SettingSpec, SettingType};

/// A setting with the spans of its key and value.
#[derive(Debug, Clone)]
pub struct Setting {
    /// Where the key is.
    pub key_span: Span,
    /// The value and where it is.
    pub value: Located<SettingValue>,
}

/// The settings of one table, consumed by a provider's parser.
#[derive(Debug)]
pub struct Fields {
    kind: String,
    settings: &'static [SettingSpec],
    table: Span,
    values: BTreeMap<String, Setting>,
    diags: Vec<Diagnostic>,
}

impl Fields {
    /// Settings of the table at `table`, for provider kind `kind`, which
    /// takes `settings`.
    pub fn new(
        kind: &str,
        settings: &'static [SettingSpec],
        table: Span,
        values: BTreeMap<String, Setting>,
    ) -> Self {
        Self {
            kind: kind.to_owned(),
            settings,
            table,
            values,
            diags: Vec::new(),
        }
    }

    /// Records an error.
    pub fn error(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Records a warning or note (kept even when parsing succeeds).
    pub fn warn(&mut self, d: Diagnostic) {
        self.diags.push(d);
    }

    /// Checks that the parser asks for a declared setting with its declared
    /// type: a parser reading a key its kind does not declare is a bug the
    /// registry tests must catch, not something a user can cause.
    fn declared(&self, key: &str, ty: SettingType) {
        debug_assert!(
            self.settings.iter().any(|s| s.key == key && s.ty == ty),
            "provider kind `{}` reads `{key}` as {}, which its settings() do not declare",
            self.kind,
            ty.describe()
        );
    }

    /// True when an error was recorded.
    pub fn has_errors(&self) -> bool {
        self.diags.iter().any(Diagnostic::is_error)
    }

    /// Takes an optional string setting.
    pub fn opt_str(&mut self, key: &str) -> Option<Located<String>> {
        self.declared(key, SettingType::Str);
        let s = self.values.remove(key)?;
        match s.value.value {
            SettingValue::Str(v) => Some(Located::new(v, s.value.span)),
            other => {
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("`{key}` must be a string, not {}", other.type_name()),
                    )
                    .at(&s.value.span)
                    .help("quote the value"),
                );
                None
            }
        }
    }

    /// Takes a required string setting.
    pub fn req_str(&mut self, key: &str, why: &str) -> Option<Located<String>> {
        let present = self.values.contains_key(key);
        let v = self.opt_str(key);
        if !present {
            self.diags.push(
                Diagnostic::error(
                    Code::ProviderSetting,
                    format!("provider of kind `{}` needs `{key}`", self.kind),
                )
                .at(&self.table)
                .help(why.to_owned()),
            );
        }
        v
    }

    /// Keeps `value` when `ok` accepts it; otherwise records
    /// "`value` is not {what}" (with `help`) at the value.
    pub fn valid(
        &mut self,
        value: Option<Located<String>>,
        ok: impl Fn(&str) -> bool,
        what: &str,
        help: &str,
    ) -> Option<String> {
        let v = value?;
        if ok(&v.value) {
            return Some(v.value);
        }
        let mut d = Diagnostic::error(
            Code::ProviderSetting,
            format!("`{}` is not {what}", v.value),
        )
        .at(&v.span);
        if !help.is_empty() {
            d = d.help(help.to_owned());
        }
        self.diags.push(d);
        None
    }

    /// Takes an optional integer setting.
    pub fn opt_int(&mut self, key: &str) -> Option<Located<i64>> {
        self.declared(key, SettingType::Int);
        let s = self.values.remove(key)?;
        match s.value.value {
            SettingValue::Int(v) => Some(Located::new(v, s.value.span)),
            other => {
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!("`{key}` must be an integer, not {}", other.type_name()),
                    )
                    .at(&s.value.span),
                );
                None
            }
        }
    }

    /// Takes an optional boolean setting.
    pub fn opt_bool(&mut self, key: &str) -> Option<Located<bool>> {
        self.declared(key, SettingType::Bool);
        let s = self.values.remove(key)?;
        match s.value.value {
            SettingValue::Bool(v) => Some(Located::new(v, s.value.span)),
            other => {
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!(
                            "`{key}` must be `true` or `false`, not {}",
                            other.type_name()
                        ),
                    )
                    .at(&s.value.span),
                );
                None
            }
        }
    }

    /// Takes an optional array of strings; a single string is an error with
    /// a hint to use brackets.
    pub fn opt_str_list(&mut self, key: &str) -> Option<Located<Vec<String>>> {
        self.declared(key, SettingType::StrList);
        let s = self.values.remove(key)?;
        match s.value.value {
            SettingValue::StrList(v) => Some(Located::new(v, s.value.span)),
            other => {
                self.diags.push(
                    Diagnostic::error(
                        Code::InvalidValue,
                        format!(
                            "`{key}` must be an array of strings, not {}",
                            other.type_name()
                        ),
                    )
                    .at(&s.value.span)
                    .help(format!("write `{key} = [\"...\"]`")),
                );
                None
            }
        }
    }

    /// Takes an optional naming pattern, or compiles `default` (located at
    /// the table) when absent.
    pub fn pattern(&mut self, key: &str, default: &str) -> Option<Located<Pattern>> {
        match self.opt_str(key) {
            Some(p) => match Pattern::compile(&p.value) {
                Ok(c) => Some(Located::new(c, p.span)),
                Err(e) => {
                    self.diags
                        .push(crate::naming::pattern_diagnostic(&e, &p.span));
                    None
                }
            },
            None => match Pattern::compile(default) {
                Ok(c) => Some(Located::new(c, self.table.clone())),
                Err(e) => {
                    self.diags
                        .push(crate::naming::pattern_diagnostic(&e, &self.table));
                    None
                }
            },
        }
    }

    /// The span of the whole table.
    pub fn table_span(&self) -> &Span {
        &self.table
    }

    /// Ends parsing: every key not taken is an error (with a "did you mean"
    /// among the declared settings). Returns all findings; `Err` when any is
    /// an error.
    pub fn finish(mut self) -> Result<Vec<Diagnostic>, Vec<Diagnostic>> {
        let known: Vec<&str> = self.settings.iter().map(|s| s.key).collect();
        for (key, s) in std::mem::take(&mut self.values) {
            let list = known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let help = match crate::diag::suggest(&key, known.iter().copied()) {
                Some(k) => format!("did you mean `{k}`? `{}` takes {list}", self.kind),
                None => format!("`{}` takes {list}", self.kind),
            };
            self.diags.push(
                Diagnostic::error(
                    Code::UnknownKey,
                    format!("unknown key `{key}` for provider kind `{}`", self.kind),
                )
                .at_labelled(&s.key_span, "not a setting of this kind")
                .help(help),
            );
        }
        if self.has_errors() {
            Err(self.diags)
        } else {
            Ok(self.diags)
        }
    }
}
