//! Pieces of the `tenants.toml` JSON Schema that serde types cannot
//! describe: provider tables, whose keys depend on `kind`. Rendered from
//! each registered kind's declared settings ([`SettingSpec`]).

use schemars::{Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value, json};

use crate::provider::fields::SettingValue;
use crate::provider::{
    AUTH, Delivery, REGISTRY, Required, SettingDefault, SettingSpec, SettingType,
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
    props.insert("kind".into(), json!({"const": kind}));
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
    let native = keys_where(settings, Required::WithNativeAuth);
    let stat = keys_where(settings, Required::WithStaticAuth);
    if !native.is_empty() || !stat.is_empty() {
        schema["if"] = json!({
            "properties": {AUTH.key: {"const": "static"}},
            "required": [AUTH.key],
        });
        if !stat.is_empty() {
            schema["then"] = json!({"required": stat});
        }
        if !native.is_empty() {
            schema["else"] = json!({"required": native});
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
        "description": "Named secret providers; each team picks one by name.",
        "type": "object",
        "additionalProperties": {
            "type": "object",
            "required": ["kind"],
            "properties": {"kind": {"enum": kinds}},
            "allOf": variants,
        }
    })
}
