//! Loading `tenants.toml`. Consumes the file's text; produces a validated
//! `Config` (every name, prefix and duration already parsed into its newtype,
//! inheritance resolved) plus the diagnostics found on the way. Nothing outside
//! this module sees the raw serde types.

mod chunked;
pub mod memo;
pub mod overlap;
pub mod patterns;
mod raw;
pub mod schema;
mod secrets;
mod toml_syntax;
pub mod types;
mod validate;

use std::collections::BTreeMap;

pub use types::Platform;
pub use validate::{ConfigFile, Remember, validate, validate_remembering};

use crate::naming::Pattern;
use std::sync::Arc;

use crate::provider::ProviderConfig;
use crate::source::Span;
pub use types::{Admission, CONFIG_VERSION, GitOpsTool, RESERVED_NAMESPACES, StoreScopeSetting};
use types::{
    ClusterName, Duration, Located, NamespaceName, ObjectName, PathPrefix, ProviderName, RemoteKey,
    TeamName,
};

/// Default `[cluster] refresh_interval`: ESO's own default.
pub const DEFAULT_REFRESH_INTERVAL: &str = "1h";
/// Default `[cluster] eso_namespace`: where ESO's Helm chart is usually installed.
pub const DEFAULT_ESO_NAMESPACE: &str = "external-secrets";
/// Default ESO Helm chart version: the release whose CRDs esogen's output is
/// validated against.
pub const DEFAULT_ESO_CHART_VERSION: &str = "2.9.0";
/// Default Argo CD namespace.
pub const DEFAULT_ARGOCD_NAMESPACE: &str = "argocd";
/// Default Flux namespace.
pub const DEFAULT_FLUX_NAMESPACE: &str = "flux-system";
/// Default branch GitOps syncs.
pub const DEFAULT_REVISION: &str = "main";
/// The ServiceAccount of Argo CD's application controller, which applies
/// every Application's objects (in `argocd_namespace`).
pub const ARGOCD_APPLICATION_CONTROLLER: &str = "argocd-application-controller";
/// The ServiceAccount of Flux's kustomize-controller (in `flux_namespace`),
/// which applies Kustomizations that impersonate no one.
pub const FLUX_KUSTOMIZE_CONTROLLER: &str = "kustomize-controller";
/// Default namespace of the monitoring agent allowed to scrape ESO.
pub const DEFAULT_MONITORING_NAMESPACE: &str = "monitoring";

/// Directory beside the main file whose `*.toml` files add teams, read in
/// file-name order.
pub const TEAMS_DIR: &str = "tenants.d";
/// A validated `tenants.toml`.
#[derive(Debug, Clone)]
pub struct Config {
    /// File name of the main config (no directory), named in generated headers.
    pub source_name: String,
    /// `[cluster]`.
    pub cluster: Cluster,
    /// `[providers.NAME]`, by name.
    pub providers: BTreeMap<ProviderName, Provider>,
    /// `[[teams]]`, in file order.
    pub teams: Vec<Team>,
}

/// `[cluster]`.
#[derive(Debug, Clone)]
pub struct Cluster {
    /// Cluster name.
    pub name: Located<ClusterName>,
    /// Platform.
    pub platform: Located<Platform>,
    /// Store scope setting.
    pub store_scope: Located<StoreScopeSetting>,
    /// Default refresh interval.
    pub refresh_interval: Duration,
    /// Namespace ESO runs in.
    pub eso_namespace: NamespaceName,
    /// How the tree is delivered.
    pub gitops: GitOps,
    /// In-cluster enforcement of the prefix rule.
    pub admission: Admission,
    /// What the admission policies let tenants do besides the generated
    /// objects.
    pub admission_settings: AdmissionSettings,
    /// How ESO itself is installed and fenced.
    pub eso: EsoInstall,
    /// The `[cluster]` table.
    pub span: Span,
}

/// `[cluster] gitops`: who syncs the tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GitOps {
    /// Nothing generated for delivery.
    None,
    /// Argo CD: AppProjects, an ApplicationSet and Applications.
    ArgoCd {
        /// Where the source is.
        source: GitSource,
        /// Argo CD's namespace.
        namespace: NamespaceName,
    },
    /// Flux: a GitRepository and Kustomizations.
    Flux {
        /// Where the source is.
        source: GitSource,
        /// Flux's namespace.
        namespace: NamespaceName,
        /// Reconcile tenant overlays as a per-tenant ServiceAccount.
        impersonate: bool,
    },
}

/// The repository a GitOps tool syncs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GitSource {
    /// Repository URL.
    pub url: String,
    /// Branch.
    pub revision: String,
    /// Path of the generated tree in the repository, without `./` or
    /// trailing `/`; empty for the root.
    pub path: String,
}

impl GitSource {
    /// A path in the repository, for GitOps objects.
    pub fn join(&self, rel: &str) -> String {
        if self.path.is_empty() {
            rel.to_owned()
        } else {
            format!("{}/{rel}", self.path)
        }
    }
}

/// What the admission policies let tenants do besides applying the
/// generated objects.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AdmissionSettings {
    /// `allow_generators` (default false): tenants may create ESO generators
    /// (`generators.external-secrets.io`) in their namespaces and reference
    /// them from ExternalSecrets and PushSecrets. Off by default: several
    /// generators (ECR, STS, Vault dynamic secrets, ...) authenticate on
    /// their own, past the team prefix and the provider identity.
    pub allow_generators: bool,
    /// `store_writers`: who may create and change SecretStores in tenant
    /// namespaces. Default: the GitOps controller's identity (Argo CD's
    /// application controller, Flux's kustomize-controller, or with
    /// `flux_impersonate` the ServiceAccount Flux impersonates there); empty
    /// without GitOps, which leaves only the pinning of the store's content.
    pub store_writers: Vec<StoreWriter>,
}

/// One identity allowed to write SecretStores in tenant namespaces, as the
/// API server names it in `request.userInfo.username`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StoreWriter {
    /// A user name, such as
    /// `system:serviceaccount:argocd:argocd-application-controller`.
    User(String),
    /// The per-tenant ServiceAccount Flux impersonates, in the store's own
    /// namespace (`flux_impersonate`).
    FluxTenantReconciler,
}

/// ESO install settings.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EsoInstall {
    /// Helm chart version.
    pub chart_version: String,
    /// CIDRs ESO may reach (API server, providers).
    pub egress_cidrs: Vec<String>,
    /// Namespace allowed to scrape metrics.
    pub monitoring_namespace: NamespaceName,
}

/// A named secret provider.
#[derive(Debug, Clone)]
pub struct Provider {
    /// The `NAME` of `[providers.NAME]`.
    pub name: Located<ProviderName>,
    /// Where `kind` was written.
    pub kind_span: Span,
    /// Validated, kind-specific settings.
    pub settings: Arc<dyn ProviderConfig>,
    /// How the provider side is applied (`delivery`, default `files`).
    pub delivery: Located<crate::provider::Delivery>,
}

/// One team.
#[derive(Debug, Clone)]
pub struct Team {
    /// Team name.
    pub name: Located<TeamName>,
    /// Provider the team uses.
    pub provider: Located<ProviderName>,
    /// Secret path prefix.
    pub prefix: Located<PathPrefix>,
    /// Owned namespaces, in file order.
    pub namespaces: Vec<Located<NamespaceName>>,
    /// Secrets, in file order.
    pub secrets: Vec<Secret>,
}

/// One secret of a team: an ExternalSecret in each of its namespaces.
#[derive(Debug, Clone)]
pub struct Secret {
    /// ExternalSecret name.
    pub name: Located<ObjectName>,
    /// Target Kubernetes Secret name.
    pub target: ObjectName,
    /// Target Secret type; `None` lets ESO default it (`Opaque`).
    pub target_type: Option<String>,
    /// Resolved refresh interval (secret, else team, else cluster).
    pub refresh_interval: Duration,
    /// Namespaces that get this secret (all the team's unless limited),
    /// sorted.
    pub namespaces: Vec<NamespaceName>,
    /// What to read from the provider.
    pub source: SecretSource,
    /// Set when the secret is pushed (PushSecret) rather than read: where
    /// `push = true` was written.
    pub push: Option<Span>,
}

impl Secret {
    /// True when namespace `ns` gets this secret (a binary search: a team
    /// may have thousands of namespaces).
    pub fn goes_to(&self, ns: &NamespaceName) -> bool {
        self.namespaces.binary_search(ns).is_ok()
    }
}

/// What a secret reads from the provider.
#[derive(Debug, Clone, Hash)]
pub enum SecretSource {
    /// Chosen JSON properties of one remote secret (`data`).
    Properties {
        /// Remote key.
        key: Located<RemoteKey>,
        /// Kubernetes Secret key → property of the remote value, sorted.
        data: BTreeMap<String, String>,
    },
    /// Every property of one remote JSON secret (`dataFrom.extract`).
    Extract {
        /// Remote key.
        key: Located<RemoteKey>,
    },
    /// Every secret under a path, optionally filtered by name (`dataFrom.find`).
    Find {
        /// Path to search under, inside the team prefix.
        path: Located<String>,
        /// Regular expression on full names, anchored inside `path`: the
        /// file's own, or the escaped path (see `default_find_regexp`).
        name_regex: String,
    },
}

/// The JSON Schema of `tenants.toml` (draft-07, which editors read best),
/// derived from the raw config types (and, for provider tables, from each
/// provider's settings).
pub fn json_schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let mut schema = serde_json::to_value(generator.into_root_schema_for::<raw::RawConfig>())
        .unwrap_or_default();
    crate::config::schema::fields::drop_null(&mut schema);
    if let Some(obj) = schema.as_object_mut() {
        obj.insert("title".into(), "tenants.toml (esogen)".into());
        // Taplo reads this directive comment; the key itself is allowed.
        obj.insert(
            "description".into(),
            "The teams sharing a cluster, their providers and secret prefixes. See the esogen README.".into(),
        );
    }
    schema
}

/// A naming pattern with the span it was written at.
pub type LocatedPattern = Located<Pattern>;
