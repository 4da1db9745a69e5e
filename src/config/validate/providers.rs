//! `[providers.NAME]`: each table parsed by its provider kind.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::provider::ProviderKind;

impl Validator {
    pub(super) fn providers(
        &mut self,
        raw: &BTreeMap<SStr, Spanned<BTreeMap<SStr, Spanned<toml::Value>>>>,
        platform: &Located<Platform>,
    ) -> BTreeMap<ProviderName, Provider> {
        let mut out = BTreeMap::new();
        for (name, table) in raw {
            let name = self.newtype(
                name,
                ProviderName::parse,
                Code::InvalidName,
                "provider name",
                "provider names become store names: lowercase letters, digits and `-`",
            );
            let table_span = self.span(table);
            let (kind, mut values) = self.provider_settings(table);
            let Some((def, kind_span)) = self.provider_kind(kind, &table_span) else {
                continue;
            };
            let delivery = self.delivery(def, values.remove("delivery"), &table_span);
            let fields = Fields::new(def.name(), def.settings(), table_span, values);
            let ctx = ParseContext {
                fields,
                platform,
                kind_span: &kind_span,
                delivery: &delivery,
            };
            match def.parse(ctx) {
                Ok((settings, warnings)) => {
                    self.diags.extend(warnings);
                    if let Some(name) = name {
                        out.insert(
                            name.value.clone(),
                            Provider {
                                name,
                                kind_span,
                                settings,
                                delivery,
                            },
                        );
                    }
                }
                Err(ds) => self.diags.extend(ds),
            }
        }
        out
    }

    /// Reads `delivery`: `files` when absent; otherwise one of the kind's
    /// deliveries. An error leaves `files`, so that the rest of the table is
    /// still checked.
    fn delivery(
        &mut self,
        def: &dyn ProviderKind,
        setting: Option<Setting>,
        table_span: &Span,
    ) -> Located<Delivery> {
        let Some(setting) = setting else {
            return Located::new(Delivery::Files, table_span.clone());
        };
        let span = setting.value.span;
        let allowed: Vec<Delivery> = std::iter::once(Delivery::Files)
            .chain(def.deliveries().iter().copied())
            .collect();
        let list = allowed
            .iter()
            .map(|d| format!("`{d}`"))
            .collect::<Vec<_>>()
            .join(", ");
        let SettingValue::Str(text) = setting.value.value else {
            self.diags.push(
                Diagnostic::error(Code::InvalidValue, "`delivery` must be a string")
                    .at(&span)
                    .help(format!("one of {list}")),
            );
            return Located::new(Delivery::Files, span);
        };
        match Delivery::parse(&text) {
            Some(d) if allowed.contains(&d) => Located::new(d, span),
            known => {
                let message = match known {
                    Some(d) => format!(
                        "provider kind `{}` cannot be delivered by `{d}`",
                        def.name()
                    ),
                    None => format!("`{}` is not a delivery esogen knows", shown(&text)),
                };
                let help = match suggest(&text, allowed.iter().map(|d| d.name())) {
                    Some(s) if known.is_none() => {
                        format!("did you mean `{s}`? for `{}`: {list}", def.name())
                    }
                    _ => format!("for `{}`: {list}", def.name()),
                };
                self.diags.push(
                    Diagnostic::error(Code::InvalidValue, message)
                        .at(&span)
                        .help(help),
                );
                Located::new(Delivery::Files, span)
            }
        }
    }

    /// A provider table's settings: `kind` on its own, every other one by
    /// key.
    fn provider_settings(
        &self,
        table: &Spanned<BTreeMap<SStr, Spanned<toml::Value>>>,
    ) -> (Option<Setting>, BTreeMap<String, Setting>) {
        let mut values = BTreeMap::new();
        let mut kind = None;
        for (key, value) in table.get_ref() {
            let setting = Setting {
                key_span: self.span(key),
                value: Located::new(setting_value(value.get_ref()), self.span(value)),
            };
            if key.get_ref() == "kind" {
                kind = Some(setting);
            } else {
                values.insert(key.get_ref().clone(), setting);
            }
        }
        (kind, values)
    }

    /// The provider kind a table's `kind` names, and where it is: `None`
    /// after reporting a missing, non-string or unknown kind (with the
    /// nearest known spelling). `table_span` is the provider table.
    fn provider_kind(
        &mut self,
        kind: Option<Setting>,
        table_span: &Span,
    ) -> Option<(&'static dyn ProviderKind, Span)> {
        let Some(kind) = kind else {
            self.diags.push(
                Diagnostic::error(Code::MissingKey, "missing key `kind`")
                    .at_labelled(table_span, "in this provider table")
                    .help(format!(
                        "add `kind = \"...\"`, one of {}",
                        kind_names().join(", ")
                    )),
            );
            return None;
        };
        let kind_span = kind.value.span.clone();
        let SettingValue::Str(kind_name) = kind.value.value else {
            self.diags.push(
                Diagnostic::error(Code::InvalidValue, "`kind` must be a string").at(&kind_span),
            );
            return None;
        };
        let Some(def) = kind_named(&kind_name) else {
            let names = kind_names();
            let list = names
                .iter()
                .map(|n| format!("`{n}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let help = match suggest(&kind_name, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`? expected one of {list}"),
                None => format!("expected one of {list}"),
            };
            self.diags.push(
                Diagnostic::error(
                    Code::UnsupportedProvider,
                    format!(
                        "`{}` is not a provider kind esogen knows",
                        shown(&kind_name)
                    ),
                )
                .at(&kind_span)
                .help(help),
            );
            return None;
        };
        Some((def, kind_span))
    }
}
