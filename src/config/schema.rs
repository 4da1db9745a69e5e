//! Pieces of the `tenants.toml` JSON Schema that serde types cannot
//! describe: provider tables, whose keys depend on `kind`, rendered from
//! each registered kind's declared settings ([`SettingSpec`]); and, in
//! [`fields`], the values, shapes and rules of the other tables' keys.
//!
//! The schema is JSON Schema draft-07, which editors (Taplo, VS Code's Even
//! Better TOML) and validators all read.

pub mod fields;

use schemars::{Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value, json};

use crate::provider::fields::SettingValue;
use crate::provider::spec::{AUTH_NATIVE, AUTH_STATIC};
use crate::provider::{
    AUTH, AuthChoice, Delivery, REGISTRY, Required, SettingDefault, SettingSpec, SettingType,
};

/// The schema of one setting: its type, its documentation and, when it has
/// a literal one, its default.
fn setting_schema(spec: &SettingSpec) -> Value {
    let mut schema = match spec.ty {
        SettingType::Str => json!({"type": "string"}),
        SettingType::Int => json!({"type": "integer"}),
        SettingType::Bool => json!({"type": "boolean"}),
        SettingType::StrList => json!({"type": "array", "items": {"type": "string"}}),
    };
    schema["description"] = Value::from(spec.doc);
    let values: Vec<Value> = spec
        .values
        .iter()
        .filter_map(|v| literal(spec.ty, v))
        .collect();
    if !values.is_empty() {
        schema["enum"] = Value::from(values);
    }
    if let Some(pattern) = spec.pattern {
        match spec.ty {
            SettingType::StrList => schema["items"]["pattern"] = Value::from(pattern),
            _ => schema["pattern"] = Value::from(pattern),
        }
    }
    if let Some(SettingDefault::Value(v)) = spec.default
        && let Some(d) = literal(spec.ty, v)
    {
        schema["default"] = d;
    }
    if let Some(e) = spec.example.and_then(|e| literal(spec.ty, e)) {
        schema["examples"] = json!([e]);
    }
    schema
}

/// A default or example, as JSON.
fn literal(ty: SettingType, text: &str) -> Option<Value> {
    Some(match ty.parse_literal(text)? {
        SettingValue::Str(s) => Value::from(s),
        SettingValue::Int(i) => Value::from(i),
        SettingValue::Bool(b) => Value::from(b),
        SettingValue::StrList(l) => Value::from(l),
        SettingValue::Other(_) => return None,
    })
}

fn keys_where(settings: &[SettingSpec], required: Required) -> Vec<&'static str> {
    settings
        .iter()
        .filter(|s| s.required == required)
        .map(|s| s.key)
        .collect()
}

/// The `then` branch for one kind: its settings only, the required ones
/// required, and those that depend on `auth` required by it.
fn kind_schema(settings: &[SettingSpec], kind: &str) -> Value {
    let mut props = Map::new();
    props.insert(
        "kind".into(),
        json!({"const": kind, "description": format!("`{kind}`: the settings below are this kind's")}),
    );
    for spec in settings {
        props.insert(spec.key.to_owned(), setting_schema(spec));
    }
    let mut schema = json!({
        "properties": Value::Object(props),
        "additionalProperties": false,
    });
    let always = keys_where(settings, Required::Yes);
    if !always.is_empty() {
        schema["required"] = json!(always);
    }
    // With `auth = "static"` and without: the keys each way requires, and
    // those it refuses.
    let branch = |required: Required, refused: AuthChoice| {
        let mut b = Map::new();
        let keys = keys_where(settings, required);
        if !keys.is_empty() {
            b.insert("required".into(), json!(keys));
        }
        let refused: Vec<Value> = settings
            .iter()
            .filter(|s| s.only_with == Some(refused))
            .map(|s| json!({"required": [s.key]}))
            .collect();
        if !refused.is_empty() {
            b.insert("not".into(), json!({"anyOf": refused}));
        }
        (!b.is_empty()).then_some(Value::Object(b))
    };
    let stat = branch(Required::WithStaticAuth, AuthChoice::Platform);
    let native = branch(Required::WithNativeAuth, AuthChoice::Static);
    if stat.is_some() || native.is_some() {
        schema["if"] = json!({
            "properties": {AUTH.key: {"const": AUTH_STATIC}},
            "required": [AUTH.key],
        });
        if let Some(b) = stat {
            schema["then"] = b;
        }
        if let Some(b) = native {
            schema["else"] = b;
        }
    }
    // Settings only one delivery needs: required when `delivery` is it.
    let mut by_delivery: Vec<(Delivery, Vec<&'static str>)> = Vec::new();
    for spec in settings {
        if let Required::WithDelivery(d) = spec.required {
            match by_delivery.iter_mut().find(|(e, _)| *e == d) {
                Some((_, keys)) => keys.push(spec.key),
                None => by_delivery.push((d, vec![spec.key])),
            }
        }
    }
    if !by_delivery.is_empty() {
        schema["allOf"] = by_delivery
            .into_iter()
            .map(|(d, keys)| {
                json!({
                    "if": {
                        "properties": {"delivery": {"const": d.name()}},
                        "required": ["delivery"],
                    },
                    "then": {"required": keys},
                })
            })
            .collect();
    }
    schema
}

/// Adds `delivery`: `files` or one of the kind's other deliveries.
fn with_delivery(mut schema: Value, deliveries: &[Delivery]) -> Value {
    let allowed: Vec<&str> = std::iter::once(Delivery::Files)
        .chain(deliveries.iter().copied())
        .map(Delivery::name)
        .collect();
    let doc = allowed
        .iter()
        .filter_map(|name| Delivery::parse(name))
        .map(|d| format!("`{}`: {}", d.name(), d.describe()))
        .collect::<Vec<_>>()
        .join("; ");
    schema["properties"]["delivery"] = json!({
        "type": "string",
        "enum": allowed,
        "default": Delivery::Files.name(),
        "description": format!("how the provider side (roles, policies, bindings) is applied: {doc}"),
    });
    schema
}

/// `[providers.NAME]`: `kind` is one of the registered kinds; for each kind,
/// only its own settings are allowed.
pub fn providers_schema(_: &mut SchemaGenerator) -> Schema {
    let kinds: Vec<&str> = REGISTRY.iter().map(|k| k.name()).collect();
    let kind_doc = format!(
        "the secret provider this table configures: {}; the other keys of the table are that kind's settings (see the README's provider sections)",
        kinds
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let variants: Vec<Value> = REGISTRY
        .iter()
        .map(|kind| {
            json!({
                "if": {"properties": {"kind": {"const": kind.name()}}},
                "then": with_delivery(kind_schema(kind.settings(), kind.name()), kind.deliveries()),
            })
        })
        .collect();
    json_schema!({
        "description": "Named secret providers, `[providers.NAME]`; each team picks one by name (`provider = \"NAME\"`). NAME becomes the SecretStore or ClusterSecretStore name, so it is a DNS-1123 label.",
        "type": "object",
        "propertyNames": fields::dns_label_schema(),
        "additionalProperties": {
            "description": format!("One secret provider: `kind` and its settings. With `auth = \"{AUTH_STATIC}\"` a kind with platform credentials reads static ones from a Secret instead; `{AUTH_NATIVE}` is the default."),
            "type": "object",
            "required": ["kind"],
            "properties": {"kind": {"type": "string", "enum": kinds, "description": kind_doc}},
            "allOf": variants,
        }
    })
}
