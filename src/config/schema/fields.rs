//! The values, shapes and rules of `tenants.toml` keys outside provider
//! tables, as schemars transforms that [`crate::config`]'s serde types name
//! (`#[schemars(transform = ...)]`). Closed lists come from the enums the
//! validator parses with, shapes from [`crate::config::patterns`], limits
//! from the newtypes' own constants: nothing here is a second list.

use schemars::Schema;
use serde_json::{Value, json};

use crate::config::patterns;
use crate::config::types::{
    Admission, CONFIG_VERSION, GitOpsTool, Platform, RESERVED_NAMESPACES, StoreScopeSetting,
};

/// Removes `null` from every `type` list and `anyOf`: serde's `Option`
/// allows it, TOML has no null, and a missing key is what `Option` means
/// in the file.
pub fn drop_null(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if let [one] = types.as_slice() {
                    let one = one.clone();
                    map.insert("type".into(), one);
                }
            }
            if let Some(Value::Array(any)) = map.get_mut("anyOf") {
                any.retain(|s| s != &json!({"type": "null"}));
                if let [Value::Object(one)] = any.as_slice() {
                    let one = one.clone();
                    map.remove("anyOf");
                    if one.contains_key("$ref") {
                        // Draft-07 ignores the siblings of a `$ref`.
                        map.insert("allOf".into(), json!([one]));
                    } else {
                        map.extend(one);
                    }
                }
            }
            map.values_mut().for_each(drop_null);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_null),
        _ => {}
    }
}

/// Longest DNS-1123 label.
const LABEL_MAX: usize = 63;
/// Longest DNS-1123 subdomain.
const SUBDOMAIN_MAX: usize = 253;
/// Longest path prefix ([`crate::config::types::PathPrefix`]).
const PREFIX_MAX: usize = 512;

fn set(schema: &mut Schema, key: &str, value: Value) {
    schema.insert(key.to_owned(), value);
}

/// The spellings of a closed setting.
fn spellings<T>(all: &[(T, &'static str)]) -> Value {
    all.iter().map(|(_, n)| *n).collect::<Vec<_>>().into()
}

/// The spelling of one value of a closed setting.
fn spelling<T: PartialEq>(all: &[(T, &'static str)], value: &T) -> Value {
    all.iter()
        .find(|(t, _)| t == value)
        .map_or(Value::Null, |(_, n)| (*n).into())
}

/// A DNS-1123 label (a provider table name, in `propertyNames`).
pub fn dns_label_schema() -> Value {
    json!({"type": "string", "pattern": patterns::DNS_LABEL, "maxLength": LABEL_MAX})
}

/// `version`: the one format version this esogen reads.
pub fn version(s: &mut Schema) {
    set(s, "const", CONFIG_VERSION.into());
}

/// A DNS-1123 label: cluster, team, provider and namespace names.
pub fn label(s: &mut Schema) {
    set(s, "pattern", patterns::DNS_LABEL.into());
    set(s, "maxLength", LABEL_MAX.into());
}

/// A DNS-1123 subdomain: ExternalSecret and Secret names.
pub fn object_name(s: &mut Schema) {
    set(s, "pattern", patterns::DNS_SUBDOMAIN.into());
    set(s, "maxLength", SUBDOMAIN_MAX.into());
}

/// A Go duration.
pub fn duration(s: &mut Schema) {
    set(s, "pattern", patterns::DURATION.into());
}

/// A team prefix or a find path.
pub fn prefix(s: &mut Schema) {
    set(s, "pattern", patterns::PATH_PREFIX.into());
    set(s, "maxLength", PREFIX_MAX.into());
}

/// A remote key.
pub fn remote_key(s: &mut Schema) {
    set(s, "pattern", patterns::REMOTE_KEY.into());
}

/// `find.name`: an anchored regular expression.
pub fn find_name(s: &mut Schema) {
    set(s, "pattern", patterns::ANCHORED_REGEX.into());
}

/// A Kubernetes Secret type.
pub fn secret_type(s: &mut Schema) {
    set(s, "pattern", patterns::SECRET_TYPE.into());
    set(s, "maxLength", SUBDOMAIN_MAX.into());
}

/// A secret's `data`: Secret keys to remote JSON properties, not empty.
pub fn data(s: &mut Schema) {
    set(
        s,
        "propertyNames",
        json!({"pattern": patterns::SECRET_DATA_KEY, "maxLength": SUBDOMAIN_MAX}),
    );
    set(
        s,
        "additionalProperties",
        json!({
            "type": "string",
            "pattern": patterns::PROPERTY_NAME,
            "description": "the JSON property of the remote secret copied into this Secret key",
        }),
    );
    set(s, "minProperties", 1.into());
}

/// `platform`.
pub fn platform(s: &mut Schema) {
    set(s, "enum", spellings(Platform::ALL));
}

/// `store_scope`.
pub fn store_scope(s: &mut Schema) {
    set(s, "enum", spellings(StoreScopeSetting::ALL));
    set(
        s,
        "default",
        spelling(StoreScopeSetting::ALL, &StoreScopeSetting::Auto),
    );
}

/// `admission`.
pub fn admission(s: &mut Schema) {
    set(s, "enum", spellings(Admission::ALL));
    set(s, "default", spelling(Admission::ALL, &Admission::Vap));
}

/// `gitops`.
pub fn gitops(s: &mut Schema) {
    set(s, "enum", spellings(GitOpsTool::ALL));
    set(s, "default", spelling(GitOpsTool::ALL, &GitOpsTool::None));
}

/// `repo_url`.
pub fn repo_url(s: &mut Schema) {
    set(s, "pattern", patterns::REPO_URL.into());
}

/// `revision`.
pub fn revision(s: &mut Schema) {
    set(s, "pattern", patterns::REVISION.into());
}

/// `repo_path`.
pub fn repo_path(s: &mut Schema) {
    set(s, "pattern", patterns::REPO_PATH.into());
}

/// `eso_chart_version`.
pub fn chart_version(s: &mut Schema) {
    set(s, "pattern", patterns::CHART_VERSION.into());
}

/// `store_writers`: at least one user name.
pub fn store_writers(s: &mut Schema) {
    set(
        s,
        "items",
        json!({"type": "string", "pattern": patterns::USER_NAME}),
    );
    set(s, "minItems", 1.into());
}

/// `egress_cidrs`: at least one CIDR.
pub fn egress_cidrs(s: &mut Schema) {
    set(
        s,
        "items",
        json!({"type": "string", "pattern": patterns::CIDR}),
    );
    set(s, "minItems", 1.into());
}

/// A team's `namespaces`: at least one, each once, none reserved.
pub fn team_namespaces(s: &mut Schema) {
    let mut item = dns_label_schema();
    item["not"] = json!({"enum": RESERVED_NAMESPACES});
    set(s, "items", item);
    set(s, "minItems", 1.into());
    set(s, "uniqueItems", true.into());
}

/// A secret's `namespaces`: at least one of the team's.
pub fn secret_namespaces(s: &mut Schema) {
    set(s, "items", dns_label_schema());
    set(s, "minItems", 1.into());
}

/// `[cluster]`: a GitOps tool needs `repo_url`; without one, the
/// repository keys mean nothing and are refused; `flux_impersonate` is
/// refused with Argo CD.
pub fn cluster_rules(s: &mut Schema) {
    let tools: Vec<&str> = GitOpsTool::ALL
        .iter()
        .filter(|(t, _)| *t != GitOpsTool::None)
        .map(|(_, n)| *n)
        .collect();
    let argo = spelling(GitOpsTool::ALL, &GitOpsTool::Argo);
    set(
        s,
        "allOf",
        json!([
            {
                "if": {"properties": {"gitops": {"enum": tools}}, "required": ["gitops"]},
                "then": {"required": ["repo_url"]},
                "else": {"not": {"anyOf": [
                    {"required": ["repo_url"]},
                    {"required": ["revision"]},
                    {"required": ["repo_path"]},
                ]}},
            },
            {
                "if": {"properties": {"gitops": {"const": argo}}, "required": ["gitops"]},
                "then": {"not": {"required": ["flux_impersonate"]}},
            },
        ]),
    );
}

/// `[[teams]]`: with `push = true`, a secret that searches (`find`) must
/// say `push = false`.
pub fn team_rules(s: &mut Schema) {
    set(
        s,
        "if",
        json!({"properties": {"push": {"const": true}}, "required": ["push"]}),
    );
    set(
        s,
        "then",
        json!({"properties": {"secrets": {
            "description": "with the team's `push = true`, a secret that searches (`find`) says `push = false`",
            "items": {
                "if": {"required": ["find"]},
                "then": {
                    "properties": {"push": {"const": false, "description": "a search cannot be pushed"}},
                    "required": ["push"],
                },
            },
        }}}),
    );
}

/// A secret: `key` or `find`, not both; `data` only with `key`; a pushed
/// secret has a `key`.
pub fn secret_rules(s: &mut Schema) {
    set(
        s,
        "oneOf",
        json!([{"required": ["key"]}, {"required": ["find"]}]),
    );
    set(
        s,
        "allOf",
        json!([
            {"if": {"required": ["find"]}, "then": {"not": {"required": ["data"]}}},
            {
                "if": {"properties": {"push": {"const": true}}, "required": ["push"]},
                "then": {"not": {"required": ["find"]}},
            },
        ]),
    );
}
