//! Secret providers behind one interface (DESIGN.md section 3, question 2).
//!
//! Each provider module owns everything provider-specific: its settings,
//! the platforms it supports and how it authenticates there, the store's
//! `spec.provider` block, the ServiceAccount annotations, and the
//! provider-side policies scoped to the team prefix, and what it declares
//! about itself ([`spec`]): settings, authentication, `esogen init`
//! questions, default prefix and examples. A provider is registered by one
//! line in [`REGISTRY`]; nothing outside its module names it.

pub mod aws;
pub mod azure;
pub mod delivery;
pub mod fields;
pub mod gcp;
pub mod hcl;
pub mod spec;
pub mod vault;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

use crate::config::types::Platform;
use crate::config::types::{
    ClusterName, Located, NamespaceName, PathPrefix, ProviderName, Reason, TeamName,
};
use crate::diag::{Code, Diagnostic};
use crate::manifest::eso;
use crate::manifest::policy::PolicyDocument;
use crate::source::Span;
pub use delivery::{AccessContext, Delivery};
pub use fields::Fields;
pub use spec::{
    AUTH, AuthChoice, AuthSupport, CREDENTIALS_SECRET, FollowUp, NativeAuth, Required,
    SettingDefault, SettingSpec, SettingType,
};

/// Every provider kind esogen generates, by its `kind = "..."` spelling.
pub static REGISTRY: &[&dyn ProviderKind] = &[
    &aws::SECRETS_MANAGER,
    &aws::PARAMETER_STORE,
    &gcp::SECRET_MANAGER,
    &azure::KEY_VAULT,
    &vault::HASHICORP_VAULT,
    &vault::OPENBAO,
];

/// Looks a kind up by its spelling.
pub fn kind_named(name: &str) -> Option<&'static dyn ProviderKind> {
    REGISTRY.iter().copied().find(|k| k.name() == name)
}

/// Every kind spelling, for help texts.
pub fn kind_names() -> Vec<&'static str> {
    REGISTRY.iter().map(|k| k.name()).collect()
}

/// What the parser of a provider table gets.
pub struct ParseContext<'a> {
    /// The table's settings (everything but `kind`).
    pub fields: Fields,
    /// The cluster's platform.
    pub platform: &'a Located<Platform>,
    /// Where `kind` was written.
    pub kind_span: &'a Span,
    /// How the table's provider side is delivered (`files` when absent),
    /// for settings only one delivery needs ([`Required::WithDelivery`]).
    pub delivery: &'a Located<Delivery>,
}

/// A provider kind: declares its settings, authentication, `esogen init`
/// questions and examples, and parses its table.
pub trait ProviderKind: Sync {
    /// The `kind = "..."` spelling.
    fn name(&self) -> &'static str;
    /// The settings this kind takes, besides `kind`, in the order help texts
    /// list them. The parser refuses every other key, and the JSON Schema
    /// and the README's tables are rendered from this list.
    fn settings(&self) -> &'static [SettingSpec];
    /// How this kind authenticates on each platform.
    fn auth(&self) -> &'static AuthSupport;
    /// The prefix pattern `esogen init` suggests, `{team}` standing for the
    /// team name: the provider's naming rules differ.
    fn default_prefix(&self) -> &'static str;
    /// The settings `esogen init` asks for, in order, for a table that
    /// authenticates as `auth` says (`credentials_secret` excepted: init asks
    /// for it for every kind).
    fn follow_ups(&self, auth: AuthChoice) -> Vec<FollowUp>;
    /// How the provider side of this kind can be delivered besides
    /// [`Delivery::Files`]: Terraform and the controllers whose objects the
    /// kind generates.
    fn deliveries(&self) -> &'static [Delivery] {
        &[]
    }
    /// Directories under `examples/` that show this kind, the main one first.
    fn examples(&self) -> &'static [&'static str];
    /// Validates the settings of one `[providers.NAME]` table; on success
    /// also returns its warnings.
    fn parse(&self, ctx: ParseContext) -> Parsed;
}

impl Debug for dyn ProviderKind + '_ {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Kinds are equal when their spellings are: [`REGISTRY`] holds each once.
impl PartialEq for dyn ProviderKind + '_ {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Eq for dyn ProviderKind + '_ {}

/// The result of parsing a provider table: the settings and their warnings,
/// or every error found.
pub type Parsed = Result<(Arc<dyn ProviderConfig>, Vec<Diagnostic>), Vec<Diagnostic>>;

/// Validated settings of one provider table.
pub trait ProviderConfig: Debug + Send + Sync {
    /// The kind's spelling.
    fn kind_name(&self) -> &'static str;
    /// Checks that a team prefix can be expressed in this provider's names
    /// (and enforced by its policies).
    fn check_prefix(&self, prefix: &PathPrefix) -> Result<(), Reason>;
    /// Providers with the same scope read from the same secret namespace
    /// (one AWS account and region, one GCP project, one Vault mount): teams
    /// on them must not have overlapping prefixes.
    fn overlap_scope(&self) -> String;
    /// The `dataFrom.find.path` to emit for a find under `path` (inside the
    /// team `prefix`): most providers take it as written; `None` when the
    /// provider ignores paths (Key Vault); an error when the provider cannot
    /// search there without reaching outside the prefix.
    fn find_path(&self, prefix: &str, path: &str) -> Result<Option<String>, Reason> {
        let _ = prefix;
        Ok(Some(path.to_owned()))
    }
    /// Checks a find's name expression (`name_regex`, already known to
    /// match only names under the find path) against what the admission
    /// policies hold this provider's finds to; most hold none.
    fn check_find_name(&self, prefix: &str, name_regex: &str) -> Result<(), Reason> {
        let _ = (prefix, name_regex);
        Ok(())
    }
    /// Checks that a pushed secret's `data` (each key of the Kubernetes
    /// Secret into a property of the one remote value) can be pushed:
    /// most providers' push writes the property; the ones whose push
    /// ignores it say why.
    fn check_push_properties(&self) -> Result<(), Reason> {
        Ok(())
    }
    /// The `metadata` of every `data` entry of this provider's PushSecrets,
    /// when its push needs settings other than ESO's defaults.
    fn push_metadata(&self) -> Option<PushMetadata> {
        None
    }
    /// The prefix as the provider's policies see it, for the overlap check:
    /// Key Vault folds case, Parameter Store ARNs drop the leading `/`.
    fn overlap_key(&self, prefix: &PathPrefix) -> PathPrefix {
        prefix.clone()
    }
    /// Decides the identity of one store: names, auth, and policy scope.
    fn plan_identity(&self, req: &IdentityRequest) -> Result<Arc<dyn Backend>, Vec<Diagnostic>>;
}

/// Why `data` cannot be pushed to a provider whose push writes whole
/// values ([`ProviderConfig::check_push_properties`]).
pub const PUSH_WHOLE_VALUES: &str = "its push writes one whole value per remote key and never reads `property`, so each key of `data` would overwrite the value in turn and only the last would stay";

/// ESO's `PushSecretMetadata` (`runtime/esutils/metadata`), as far as
/// esogen sets it: the `metadata` of a PushSecret `data` entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushMetadata {
    /// Always [`PushMetadata::API_VERSION`]: ESO refuses any other.
    pub api_version: &'static str,
    /// Always `PushSecretMetadata`.
    pub kind: &'static str,
    /// The provider's settings.
    pub spec: PushMetadataSpec,
}

impl PushMetadata {
    /// The one `apiVersion` ESO parses push metadata at.
    pub const API_VERSION: &'static str = "kubernetes.external-secrets.io/v1alpha1";

    /// Metadata with this spec.
    pub fn new(spec: PushMetadataSpec) -> Self {
        Self {
            api_version: Self::API_VERSION,
            kind: "PushSecretMetadata",
            spec,
        }
    }
}

/// The provider settings of [`PushMetadata`] that esogen sets.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushMetadataSpec {
    /// Parameter Store: the parameter's type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_type: Option<&'static str>,
    /// Parameter Store: a whole Secret as JSON of its values as written,
    /// not base64.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub encode_as_decoded: bool,
}

/// Everything a provider needs to decide one store's identity.
#[derive(Debug, Clone)]
pub struct IdentityRequest<'a> {
    /// Cluster name.
    pub cluster: &'a ClusterName,
    /// Provider table name (the store name).
    pub provider: &'a ProviderName,
    /// Teams the store serves (one, except for a forced shared ClusterSecretStore).
    pub teams: Vec<&'a TeamName>,
    /// Namespace of the store's ServiceAccount (or credentials Secret).
    pub sa_namespace: &'a NamespaceName,
    /// Name of the store's ServiceAccount.
    pub sa_name: &'a str,
    /// Prefixes the identity may read, each with its span.
    pub prefixes: Vec<&'a Located<PathPrefix>>,
    /// The `find` searches the store serves: each find path (as written,
    /// inside a team prefix) with its span.
    pub finds: Vec<&'a Located<String>>,
    /// Spans of the secrets the store pushes (PushSecret); write access is
    /// granted only when there is one.
    pub pushes: Vec<&'a Span>,
    /// The remote keys those secrets push to, sorted.
    pub push_keys: Vec<String>,
    /// True when the store reads single keys (`data` or `dataFrom.extract`),
    /// not only `find` searches and pushes.
    pub reads_keys: bool,
    /// How many teams use this provider table in the whole file.
    pub provider_teams: usize,
}

impl IdentityRequest<'_> {
    /// The variables of naming patterns for this identity.
    pub fn pattern_vars(&self) -> crate::naming::PatternVars {
        crate::naming::PatternVars {
            cluster: self.cluster.to_string(),
            team: self
                .teams
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join("-"),
            namespace: self.sa_namespace.to_string(),
            provider: self.provider.to_string(),
        }
    }
}

/// Facts the store's `spec.provider` block needs from the layout.
#[derive(Debug, Clone)]
pub struct StoreContext {
    /// The ServiceAccount the store authenticates as.
    pub sa_name: String,
    /// Set for a ClusterSecretStore: where the ServiceAccount and any
    /// credentials Secret live (ESO guide, common pitfall 1).
    pub namespace: Option<String>,
}

impl StoreContext {
    /// A `serviceAccountRef` with the given token audiences.
    pub fn service_account_ref(&self, audiences: Vec<String>) -> eso::ServiceAccountRef {
        eso::ServiceAccountRef {
            name: self.sa_name.clone(),
            namespace: self.namespace.clone(),
            audiences,
        }
    }

    /// A reference to one key of the static credentials Secret.
    pub fn secret_key_ref(&self, secret: &str, key: &str) -> eso::SecretKeyRef {
        eso::SecretKeyRef {
            name: secret.to_owned(),
            key: key.to_owned(),
            namespace: self.namespace.clone(),
        }
    }
}

/// A decision taken, with its reason, for `explain` and file comments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// What was decided, such as "auth".
    pub topic: &'static str,
    /// The outcome.
    pub choice: String,
    /// Why.
    pub reason: String,
}

/// A provider-side policy file.
#[derive(Debug, Clone)]
pub struct PolicyFile {
    /// File name inside `policies/<namespace>/`.
    pub file_name: String,
    /// One line saying what it is for and how to apply it.
    pub purpose: String,
    /// The document.
    pub document: PolicyDocument,
}

/// Feeds a value into a fingerprint of incremental generation. Implemented
/// for every `Hash` type, so a backend takes part by deriving `Hash`: every
/// field counts, and spans (positions in the file) hash to nothing.
pub trait Fingerprint {
    /// Hashes `self` into `state`.
    fn fingerprint(&self, state: &mut dyn Hasher);
}

impl<T: Hash> Fingerprint for T {
    fn fingerprint(&self, mut state: &mut dyn Hasher) {
        self.hash(&mut state);
    }
}

/// The identity of one store, decided by its provider.
pub trait Backend: Debug + Send + Sync + Fingerprint {
    /// Annotations that give the store's ServiceAccount its identity.
    fn service_account_annotations(&self) -> BTreeMap<String, String>;
    /// False when the store authenticates without a ServiceAccount (static
    /// credentials); no ServiceAccount is generated then.
    fn uses_service_account(&self) -> bool;
    /// The store's `spec.provider` block.
    fn store_provider(&self, ctx: &StoreContext) -> eso::StoreProvider;
    /// Provider-side policies for this identity; `store_name` prefixes
    /// the file names.
    fn policy_files(&self, store_name: &str) -> Vec<PolicyFile>;
    /// The decisions behind this identity.
    fn decisions(&self) -> Vec<Decision>;
    /// Warnings and notes about this identity.
    fn findings(&self) -> Vec<Diagnostic>;
    /// A name that must be unique across stores (an IAM role, a Vault role),
    /// with the span of the setting that produced it.
    fn identity_key(&self) -> Option<(String, Span)>;
    /// Commands that check this identity on the provider side (reading a
    /// role's trust policy, say), for `explain`.
    fn verify_commands(&self) -> Vec<String>;
    /// TCP ports ESO must reach the provider on (for its NetworkPolicy).
    fn egress_ports(&self) -> Vec<u16> {
        vec![443]
    }
    /// What this identity reaches that the provider cannot limit to the
    /// team prefix (a whole Key Vault, a workload identity): two teams
    /// reaching the same thing read each other's secrets.
    fn unscoped_reach(&self) -> Vec<Reach> {
        Vec::new()
    }
    /// The resources or paths the identity's read grants cover, in the
    /// provider's own notation, for tests asserting nothing escapes the prefix.
    fn granted_resources(&self) -> Vec<String>;
    /// The objects `delivery` (a controller its kind declares) reconciles
    /// into this identity's provider side: the same documents as
    /// [`Backend::policy_files`], in the controller's kinds.
    fn access_objects(
        &self,
        delivery: Delivery,
        ctx: &AccessContext,
    ) -> Vec<crate::manifest::access::AccessObject> {
        let _ = (delivery, ctx);
        Vec::new()
    }
    /// This identity's provider side as Terraform resources: the same
    /// documents as [`Backend::policy_files`].
    fn terraform(&self, ctx: &AccessContext) -> crate::manifest::terraform::TfFragment {
        let _ = ctx;
        crate::manifest::terraform::TfFragment::default()
    }
    /// Errors when `delivery` cannot express this identity (a controller
    /// without a kind for one of its documents, say).
    fn delivery_findings(&self, delivery: Delivery) -> Vec<Diagnostic> {
        let _ = delivery;
        Vec::new()
    }
    /// How to check, on the cluster or in Terraform's state, that
    /// `delivery` applied this identity (for `explain`).
    fn delivery_checks(&self, delivery: Delivery, ctx: &AccessContext) -> Vec<String> {
        let _ = (delivery, ctx);
        Vec::new()
    }
}

/// One thing an identity reaches as a whole, without a prefix limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    /// What it is, such as "Key Vault".
    pub what: &'static str,
    /// Its identity, normalized (lower case where the provider ignores case).
    pub key: String,
    /// The setting that produced it.
    pub span: Span,
    /// The provider table says teams may share it (`allow_shared = true`).
    pub accepted: bool,
}

/// How a store authenticates.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum AuthMode {
    /// Platform-native short-lived credentials (IRSA, Workload Identity).
    Platform,
    /// Static credentials read from a Kubernetes Secret, referenced by name.
    Static {
        /// The Secret's name; it lives in each tenant namespace (Option A)
        /// or in the ESO namespace (Option B).
        secret: Located<String>,
    },
}

/// The folder (`.../`) that holds every name under `path`, when it lies
/// inside `prefix`: providers that search folders (Vault's LIST, Parameter
/// Store's GetParametersByPath) cannot search part of one.
pub fn folder_inside(prefix: &str, path: &str, why: &str) -> Result<String, Reason> {
    let folder = path.rfind('/').map(|i| &path[..=i]).unwrap_or_default();
    if folder.is_empty() || folder == "/" || !folder.starts_with(prefix) {
        return Err(format!(
            "{why}, and the folder holding `{path}` is not inside the prefix `{prefix}`; end the prefix with `/` and search a folder under it"
        ));
    }
    Ok(folder.to_owned())
}

/// Reads `auth` and `credentials_secret`, enforcing the platform × provider
/// matrix: native auth only on the native platform, static credentials
/// anywhere but only by reference, with a warning.
pub fn parse_auth(
    fields: &mut Fields,
    kind: &str,
    platform: &Located<Platform>,
    kind_span: &Span,
    support: &NativeAuth,
) -> Option<AuthMode> {
    let auth = fields.opt_str(AUTH.key);
    let secret = fields.opt_str(CREDENTIALS_SECRET.key);
    let supported = format!(
        "supported: platform `{}` with {} (the default), or any platform with `auth = \"static\"` and `credentials_secret = \"NAME\"`",
        support.platform.name(),
        support.mechanism
    );
    let wants_static = match &auth {
        None => false,
        Some(a) if a.value == spec::AUTH_STATIC => true,
        Some(a) if a.value == spec::AUTH_NATIVE => false,
        Some(a) => {
            fields.error(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`{}` is not a valid auth", a.value),
                )
                .at(&a.span)
                .help("expected `workload-identity` (platform-native, the default) or `static`"),
            );
            return None;
        }
    };
    if !wants_static {
        if let Some(s) = &secret {
            fields.error(
                Diagnostic::error(
                    Code::ProviderSetting,
                    "`credentials_secret` is only used with `auth = \"static\"`",
                )
                .at(&s.span)
                .help("remove it to use platform-native credentials"),
            );
            return None;
        }
        if platform.value != support.platform {
            let at = auth
                .as_ref()
                .map(|a| a.span.clone())
                .unwrap_or_else(|| kind_span.clone());
            fields.error(
                Diagnostic::error(
                    Code::UnsupportedProvider,
                    format!(
                        "provider kind `{kind}` has no platform-native credentials on platform `{}`",
                        platform.value.name()
                    ),
                )
                .at(&at)
                .also(&platform.span, "platform chosen here")
                .help(supported),
            );
            return None;
        }
        return Some(AuthMode::Platform);
    }
    let Some(secret) = secret else {
        let at = auth.map(|a| a.span).unwrap_or_else(|| kind_span.clone());
        fields.error(
            Diagnostic::error(
                Code::ProviderSetting,
                "`auth = \"static\"` needs `credentials_secret`",
            )
            .at(&at)
            .help(format!(
                "name the Kubernetes Secret holding the credentials (keys {}); esogen never takes the values themselves",
                support
                    .static_keys
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        );
        return None;
    };
    if let Err(reason) = crate::config::types::ObjectName::parse(&secret.value) {
        fields.error(
            Diagnostic::error(
                Code::ProviderSetting,
                format!("`{}` is not a valid Secret name: {reason}", secret.value),
            )
            .at(&secret.span)
            .help("give the name of a Kubernetes Secret, not its content"),
        );
        return None;
    }
    let native_note = if platform.value == support.platform {
        format!(
            "; platform `{}` offers {}, which needs no stored secret",
            platform.value.name(),
            support.mechanism
        )
    } else {
        String::new()
    };
    fields.warn(
        Diagnostic::warning(
            Code::StaticCredentials,
            format!(
                "provider uses static credentials from Secret `{}`{native_note}",
                secret.value
            ),
        )
        .at(&secret.span)
        .help("short-lived platform credentials are the default rule (ESO guide, question 2); static keys must be rotated by hand and can leak"),
    );
    Some(AuthMode::Static { secret })
}

/// The decision text for an auth mode.
pub fn static_decision(secret: &str, keys: &[&str]) -> Decision {
    Decision {
        topic: "auth",
        choice: format!("static credentials from Secret `{secret}`"),
        reason: format!(
            "no platform-native identity was chosen; the store reads keys {} of the Secret by reference, never the values",
            keys.iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
