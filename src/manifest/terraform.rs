//! Terraform / OpenTofu in its JSON syntax (`*.tf.json`): typed values
//! serialized by serde, never text templates. One root module under
//! `terraform/`: `main.tf.json` holds the version constraints, the provider
//! configurations and the variables, and each store's resources are in a
//! file of their own, so a one-team change touches one file and `plan`
//! touches only that team's addresses. What several stores may need alike
//! (a project's custom role, a secret pushed from several namespaces) is
//! declared once, in `main.tf.json`.

use std::collections::BTreeMap;

use serde::Serialize;

/// Where the root module lives.
pub const DIR: &str = "terraform";
/// The lowest Terraform version whose JSON syntax and functions the
/// module uses (`import`-free, `optional` attributes not used).
pub const REQUIRED_VERSION: &str = ">= 1.5.0";

/// A provider the module needs, with its configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TfProvider {
    /// Local name, such as `aws`.
    #[serde(skip)]
    pub name: &'static str,
    /// Registry source, such as `hashicorp/aws`.
    #[serde(skip)]
    pub source: &'static str,
    /// Version constraint.
    #[serde(skip)]
    pub version: &'static str,
    /// The alias resources select it by: the provider table's name.
    pub alias: String,
    /// The provider block's other arguments.
    #[serde(flatten)]
    pub config: serde_json::Map<String, serde_json::Value>,
}

impl TfProvider {
    /// How a resource names this configuration: `aws.<alias>`.
    pub fn reference(&self) -> String {
        format!("{}.{}", self.name, self.alias)
    }
}

/// An input the module cannot know, such as a Vault address.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TfVariable {
    /// Variable name.
    #[serde(skip)]
    pub name: String,
    /// What to set it to.
    pub description: String,
    /// Always `string`.
    #[serde(rename = "type")]
    pub ty: &'static str,
}

/// One resource: its type, its name (the address is `type.name`) and its
/// arguments, serialized from a typed struct.
#[derive(Debug, Clone, PartialEq)]
pub struct TfResource {
    /// Resource type, such as `aws_iam_role`.
    pub kind: &'static str,
    /// Resource name.
    pub name: String,
    /// Arguments.
    pub body: serde_json::Value,
}

impl TfResource {
    /// A resource with typed arguments; `provider` is the configuration it
    /// uses ([`TfProvider::reference`]).
    pub fn new<B: Serialize>(kind: &'static str, name: String, provider: &str, body: &B) -> Self {
        // Bodies are structs of strings, lists and maps with string keys:
        // serializing them cannot fail.
        let mut body = serde_json::to_value(body).unwrap_or(serde_json::Value::Null);
        if let Some(map) = body.as_object_mut() {
            map.insert("provider".into(), provider.into());
        }
        Self { kind, name, body }
    }

    /// `type.name`.
    pub fn address(&self) -> String {
        format!("{}.{}", self.kind, self.name)
    }

    /// A reference to one of this resource's attributes, as a template:
    /// `${type.name.attr}`.
    pub fn attr(&self, attr: &str) -> String {
        format!("${{{}.{}}}", self.address(), attr)
    }
}

/// The Terraform side of one store.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TfFragment {
    /// Provider configurations the resources use.
    pub providers: Vec<TfProvider>,
    /// Inputs.
    pub variables: Vec<TfVariable>,
    /// The resources.
    pub resources: Vec<TfResource>,
    /// Resources other stores may declare alike, by the same address (a
    /// custom role of a project, a secret two namespaces push to): written
    /// once, in `main.tf.json`, and destroyed only when no store declares
    /// them any more. Declaring them per store would create them twice.
    pub shared: Vec<TfResource>,
}

/// One `*.tf.json` file.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TfFile {
    /// Says the file is generated (Terraform ignores `//` keys).
    #[serde(rename = "//")]
    pub comment: String,
    /// The `terraform` block.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub terraform: Option<TfSettings>,
    /// Provider configurations, by local name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub provider: BTreeMap<&'static str, Vec<TfProvider>>,
    /// Variables, by name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub variable: BTreeMap<String, TfVariable>,
    /// Resources, by type and name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub resource: BTreeMap<&'static str, BTreeMap<String, serde_json::Value>>,
}

/// The `terraform` block.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TfSettings {
    /// Terraform version constraint.
    pub required_version: &'static str,
    /// Providers by local name.
    pub required_providers: BTreeMap<&'static str, TfRequirement>,
}

/// One required provider.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TfRequirement {
    /// Registry source.
    pub source: &'static str,
    /// Version constraint.
    pub version: &'static str,
}

impl TfFile {
    /// The file of one store's resources.
    pub fn resources(comment: String, resources: Vec<TfResource>) -> Self {
        let mut out = Self {
            comment,
            ..Self::default()
        };
        for r in resources {
            out.resource
                .entry(r.kind)
                .or_default()
                .insert(r.name, r.body);
        }
        out
    }

    /// `main.tf.json`: version constraints, every provider configuration
    /// (each once, by alias), every variable (each once) and every shared
    /// resource (each once, by address: the first store's declaration).
    pub fn main<'a>(comment: String, fragments: impl IntoIterator<Item = &'a TfFragment>) -> Self {
        let mut required = BTreeMap::new();
        let mut providers: BTreeMap<&'static str, BTreeMap<String, TfProvider>> = BTreeMap::new();
        let mut variable = BTreeMap::new();
        let mut resource: BTreeMap<&'static str, BTreeMap<String, serde_json::Value>> =
            BTreeMap::new();
        for f in fragments {
            for r in &f.shared {
                resource
                    .entry(r.kind)
                    .or_default()
                    .entry(r.name.clone())
                    .or_insert_with(|| r.body.clone());
            }
            for p in &f.providers {
                required.insert(
                    p.name,
                    TfRequirement {
                        source: p.source,
                        version: p.version,
                    },
                );
                providers
                    .entry(p.name)
                    .or_default()
                    .insert(p.alias.clone(), p.clone());
            }
            for v in &f.variables {
                variable.insert(v.name.clone(), v.clone());
            }
        }
        Self {
            comment,
            terraform: Some(TfSettings {
                required_version: REQUIRED_VERSION,
                required_providers: required,
            }),
            provider: providers
                .into_iter()
                .map(|(k, v)| (k, v.into_values().collect()))
                .collect(),
            variable,
            resource,
        }
    }
}
