//! What a provider kind declares about itself besides its parser: the
//! settings of its `[providers.NAME]` table, how it authenticates on each
//! platform, and the questions `esogen init` asks for it. The parser's
//! unknown-key check, the JSON Schema, `esogen init` and the README tables
//! all read these declarations, so they cannot disagree with each other.

use crate::config::types::Platform;

use super::delivery::Delivery;

/// The TOML type of a setting's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SettingType {
    /// A string.
    Str,
    /// An integer.
    Int,
    /// `true` or `false`.
    Bool,
    /// An array of strings.
    StrList,
}

impl SettingType {
    /// The type in words, for documentation.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Str => "string",
            Self::Int => "integer",
            Self::Bool => "boolean",
            Self::StrList => "array of strings",
        }
    }

    /// Reads a value of this type from its spelling in a [`SettingSpec`]
    /// (`secret`, `2`, `false`; for an array, its one element). `None` when
    /// the spelling is not one of this type.
    pub fn parse_literal(self, text: &str) -> Option<SettingValue> {
        match self {
            Self::Str => Some(SettingValue::Str(text.to_owned())),
            Self::Int => text.parse().ok().map(SettingValue::Int),
            Self::Bool => text.parse().ok().map(SettingValue::Bool),
            Self::StrList => Some(SettingValue::StrList(vec![text.to_owned()])),
        }
    }
}

/// When a setting must be written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Required {
    /// Always.
    Yes,
    /// Never: the setting has a default or is an extra.
    No,
    /// When the provider uses its platform-native credentials (no
    /// `auth = "static"`).
    WithNativeAuth,
    /// With `auth = "static"`.
    WithStaticAuth,
    /// When the table's `delivery` is this one (an input only that
    /// delivery needs, such as how its controller logs in).
    WithDelivery(Delivery),
}

/// A setting's value when it is not written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SettingDefault {
    /// This literal value, spelled as [`SettingType::parse_literal`] reads
    /// it: goes into the JSON Schema's `default`.
    Value(&'static str),
    /// Taken from elsewhere, described in Markdown (such as "`project_id`").
    Derived(&'static str),
}

/// One setting of a provider table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SettingSpec {
    /// The key, in snake_case.
    pub key: &'static str,
    /// The value's type.
    pub ty: SettingType,
    /// When it must be written.
    pub required: Required,
    /// Its value when absent, if it has one.
    pub default: Option<SettingDefault>,
    /// A valid value, spelled as [`SettingType::parse_literal`] reads it:
    /// shown by editors (the JSON Schema's `examples`) and used by the
    /// registry tests to answer `esogen init`'s questions.
    pub example: Option<&'static str>,
    /// What it means, in one Markdown sentence without final period: user
    /// documentation (the README's settings tables and the JSON Schema).
    pub doc: &'static str,
    /// The shape of a string value (of each element, for an array), as a
    /// regular expression for the JSON Schema's `pattern`: accepts every
    /// value the kind's parser accepts (a unit test holds the two together).
    pub pattern: Option<&'static str>,
    /// The only values the parser accepts, spelled as
    /// [`SettingType::parse_literal`] reads them; empty when open.
    pub values: &'static [&'static str],
    /// Set when the parser refuses the setting unless the table
    /// authenticates this way (`credentials_secret` only with `auth =
    /// "static"`, say).
    pub only_with: Option<AuthChoice>,
}

impl SettingSpec {
    /// A setting without a default.
    pub const fn new(
        key: &'static str,
        ty: SettingType,
        required: Required,
        doc: &'static str,
    ) -> Self {
        Self {
            key,
            ty,
            required,
            default: None,
            example: None,
            doc,
            pattern: None,
            values: &[],
            only_with: None,
        }
    }

    /// The same setting with the shape of its values (see
    /// [`SettingSpec::pattern`]).
    pub const fn with_pattern(self, pattern: &'static str) -> Self {
        Self {
            pattern: Some(pattern),
            ..self
        }
    }

    /// The same setting with its closed list of values.
    pub const fn with_values(self, values: &'static [&'static str]) -> Self {
        Self { values, ..self }
    }

    /// The same setting, refused unless the table authenticates as `auth`.
    pub const fn only_with(self, auth: AuthChoice) -> Self {
        Self {
            only_with: Some(auth),
            ..self
        }
    }

    /// The same setting with an example value.
    pub const fn with_example(self, example: &'static str) -> Self {
        Self {
            example: Some(example),
            ..self
        }
    }

    /// The same setting with a literal default (spelled as in
    /// [`SettingDefault::Value`]).
    pub const fn with_default(self, value: &'static str) -> Self {
        Self {
            default: Some(SettingDefault::Value(value)),
            ..self
        }
    }

    /// The same setting with a default taken from elsewhere (Markdown).
    pub const fn with_derived_default(self, description: &'static str) -> Self {
        Self {
            default: Some(SettingDefault::Derived(description)),
            ..self
        }
    }
}

/// `auth = "workload-identity"`: the platform's short-lived credentials.
pub const AUTH_NATIVE: &str = "workload-identity";
/// `auth = "static"`: credentials from a Kubernetes Secret.
pub const AUTH_STATIC: &str = "static";

/// `auth`: how a provider with platform-native credentials authenticates.
/// Read by [`super::parse_auth`].
pub const AUTH: SettingSpec = SettingSpec::new(
    "auth",
    SettingType::Str,
    Required::No,
    "`workload-identity` (the platform's short-lived credentials, on the platform that has them) or `static` (credentials from the Kubernetes Secret named by `credentials_secret`)",
)
.with_default(AUTH_NATIVE)
.with_values(&[AUTH_NATIVE, AUTH_STATIC]);

/// `credentials_secret`: the Secret holding static credentials. Read by
/// [`super::parse_auth`].
pub const CREDENTIALS_SECRET: SettingSpec = SettingSpec::new(
    "credentials_secret",
    SettingType::Str,
    Required::WithStaticAuth,
    "name of the Kubernetes Secret holding the static credentials; esogen references it and never reads a value",
)
.with_example("provider-credentials")
.with_pattern(crate::config::patterns::DNS_SUBDOMAIN)
.only_with(AuthChoice::Static);

/// Platform-native credentials on one platform, static credentials from a
/// Secret on any platform (the `auth` and `credentials_secret` settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NativeAuth {
    /// The platform with native short-lived credentials for this provider.
    pub platform: Platform,
    /// The name of that mechanism, such as "IRSA".
    pub mechanism: &'static str,
    /// The keys of the static credentials Secret.
    pub static_keys: &'static [&'static str],
    /// What those keys hold, such as "an IAM user's access keys".
    pub static_credentials: &'static str,
}

/// How a provider kind authenticates: what `parse_auth` enforces, what
/// `esogen init` asks and explains, and the README's kind table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthSupport {
    /// Native on one platform, static credentials elsewhere.
    Native(NativeAuth),
    /// One mechanism that works on every platform with the cluster's own
    /// short-lived ServiceAccount tokens (Vault's Kubernetes auth); no static
    /// credentials and no `auth` setting.
    Portable {
        /// The mechanism, such as "Kubernetes auth".
        mechanism: &'static str,
    },
}

impl AuthSupport {
    /// The platform with native credentials; `None` when every platform is
    /// served alike.
    pub fn native_platform(&self) -> Option<Platform> {
        match self {
            Self::Native(n) => Some(n.platform),
            Self::Portable { .. } => None,
        }
    }

    /// The short-lived mechanism's name.
    pub fn mechanism(&self) -> &'static str {
        match self {
            Self::Native(n) => n.mechanism,
            Self::Portable { mechanism } => mechanism,
        }
    }

    /// How a provider table written for `platform` authenticates by
    /// default: short-lived credentials where there are any, static
    /// credentials elsewhere.
    pub fn choice_on(&self, platform: Platform) -> AuthChoice {
        match self {
            Self::Native(n) if n.platform != platform => AuthChoice::Static,
            _ => AuthChoice::Platform,
        }
    }
}

/// How a provider table `esogen init` writes authenticates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthChoice {
    /// Short-lived credentials: the platform's own, or a portable mechanism.
    Platform,
    /// `auth = "static"` with a `credentials_secret`.
    Static,
}

/// One question `esogen init` asks for a provider setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FollowUp {
    /// Setting name, also the flag (`--region` for `region`).
    pub key: &'static str,
    /// The question.
    pub prompt: &'static str,
    /// Suggested answer, if any.
    pub default: Option<&'static str>,
    /// The answer's type: the setting's type.
    pub ty: SettingType,
}

impl FollowUp {
    /// A question with a string answer and no suggestion.
    pub const fn text(key: &'static str, prompt: &'static str) -> Self {
        Self {
            key,
            prompt,
            default: None,
            ty: SettingType::Str,
        }
    }

    /// A question with an integer answer and no suggestion.
    pub const fn integer(key: &'static str, prompt: &'static str) -> Self {
        Self {
            key,
            prompt,
            default: None,
            ty: SettingType::Int,
        }
    }

    /// The same question with a suggested answer.
    pub const fn suggesting(self, default: &'static str) -> Self {
        Self {
            default: Some(default),
            ..self
        }
    }
}

/// One setting's value as written.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingValue {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A boolean.
    Bool(bool),
    /// An array of strings (spans are those of the whole array).
    StrList(Vec<String>),
    /// Anything else (table, array, float, date), by type name.
    Other(&'static str),
}

impl SettingValue {
    pub(super) fn type_name(&self) -> &'static str {
        match self {
            Self::Str(_) => "a string",
            Self::Int(_) => "an integer",
            Self::Bool(_) => "a boolean",
            Self::StrList(_) => "an array of strings",
            Self::Other(t) => t,
        }
    }
}
