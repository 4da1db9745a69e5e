//! Pieces of the `tenants.toml` JSON Schema that serde types cannot
//! describe: provider tables, whose keys depend on `kind`.

use schemars::{Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value, json};

use crate::provider::REGISTRY;

/// Settings whose value is an integer.
const INTEGER_SETTINGS: &[&str] = &["kv_version"];
/// Settings whose value is a boolean.
const BOOLEAN_SETTINGS: &[&str] = &["allow_shared"];
/// Settings whose value is an array of strings; every other setting is a
/// string.
const LIST_SETTINGS: &[&str] = &["kms_key_arns"];

/// `[providers.NAME]`: `kind` is one of the registered kinds; for each kind,
/// only its own settings are allowed.
pub fn providers_schema(_: &mut SchemaGenerator) -> Schema {
    let kinds: Vec<&str> = REGISTRY.iter().map(|k| k.name()).collect();
    let mut variants = Vec::new();
    for kind in REGISTRY {
        let mut props = Map::new();
        props.insert("kind".into(), json!({"const": kind.name()}));
        for key in kind.keys() {
            let schema = if INTEGER_SETTINGS.contains(key) {
                json!({"type": "integer"})
            } else if BOOLEAN_SETTINGS.contains(key) {
                json!({"type": "boolean"})
            } else if LIST_SETTINGS.contains(key) {
                json!({"type": "array", "items": {"type": "string"}})
            } else {
                json!({"type": "string"})
            };
            props.insert((*key).to_owned(), schema);
        }
        variants.push(json!({
            "if": {"properties": {"kind": {"const": kind.name()}}},
            "then": {"properties": Value::Object(props), "additionalProperties": false},
        }));
    }
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
