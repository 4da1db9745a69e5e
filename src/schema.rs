//! Pieces of the `tenants.toml` JSON Schema that serde types cannot
//! describe: provider tables, whose keys depend on `kind`.

use schemars::{Schema, SchemaGenerator, json_schema};
use serde_json::{Map, Value, json};

use crate::provider::REGISTRY;

/// Settings whose value is an integer; every other setting is a string.
const INTEGER_SETTINGS: &[&str] = &["kv_version"];

/// `[providers.NAME]`: `kind` is one of the registered kinds; for each kind,
/// only its own settings are allowed.
pub fn providers_schema(_: &mut SchemaGenerator) -> Schema {
    let kinds: Vec<&str> = REGISTRY.iter().map(|k| k.name()).collect();
    let mut variants = Vec::new();
    for kind in REGISTRY {
        let mut props = Map::new();
        props.insert("kind".into(), json!({"const": kind.name()}));
        for key in kind.keys() {
            let ty = if INTEGER_SETTINGS.contains(key) {
                "integer"
            } else {
                "string"
            };
            props.insert((*key).to_owned(), json!({"type": ty}));
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
