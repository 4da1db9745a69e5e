//! The serde mirror of `tenants.toml`. Consumes TOML text; produces
//! `RawConfig`, whose every user-facing value carries its byte span. No logic:
//! rules live in `validate`. Every table rejects unknown keys.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

/// A spanned string, the common case.
pub type SStr = Spanned<String>;

/// The whole file.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// File format version; only `1` exists.
    #[schemars(with = "i64")]
    pub version: Spanned<i64>,
    /// Cluster-wide settings.
    #[schemars(with = "RawCluster")]
    pub cluster: Spanned<RawCluster>,
    /// Named secret providers, `[providers.NAME]`: `kind` plus the settings
    /// of that kind, which the provider module validates.
    #[serde(default)]
    #[schemars(schema_with = "crate::schema::providers_schema")]
    pub providers: BTreeMap<SStr, Spanned<BTreeMap<SStr, Spanned<toml::Value>>>>,
    /// Teams sharing the cluster, `[[teams]]`.
    #[serde(default)]
    #[schemars(with = "Vec<RawTeam>")]
    pub teams: Vec<Spanned<RawTeam>>,
}

/// A `tenants.d/<team>.toml` file: teams only, so CODEOWNERS can give each
/// team its own file while the cluster and providers stay central.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTeamFile {
    /// Optional; `1` when present.
    #[schemars(with = "Option<i64>")]
    pub version: Option<Spanned<i64>>,
    /// The file's teams.
    #[serde(default)]
    #[schemars(with = "Vec<RawTeam>")]
    pub teams: Vec<Spanned<RawTeam>>,
}

/// `[cluster]`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    /// Cluster name.
    #[schemars(with = "String")]
    pub name: SStr,
    /// `eks`, `gke`, `aks`, `openshift` or `generic`.
    #[schemars(with = "String")]
    pub platform: SStr,
    /// `auto` (default), `namespace` or `cluster`.
    #[schemars(with = "Option<String>")]
    pub store_scope: Option<SStr>,
    /// Default ExternalSecret refresh interval; default `1h`.
    #[schemars(with = "Option<String>")]
    pub refresh_interval: Option<SStr>,
    /// Namespace ESO runs in; default `external-secrets`.
    #[schemars(with = "Option<String>")]
    pub eso_namespace: Option<SStr>,
    /// `argocd`, `flux` or `none` (default).
    #[schemars(with = "Option<String>")]
    pub gitops: Option<SStr>,
    /// Git repository Argo CD or Flux syncs from.
    #[schemars(with = "Option<String>")]
    pub repo_url: Option<SStr>,
    /// Branch to sync; default `main`.
    #[schemars(with = "Option<String>")]
    pub revision: Option<SStr>,
    /// Path of the generated tree inside the repository; default `.`.
    #[schemars(with = "Option<String>")]
    pub repo_path: Option<SStr>,
    /// `vap` (default), `kyverno` or `none`.
    #[schemars(with = "Option<String>")]
    pub admission: Option<SStr>,
    /// Let tenants use ESO generators (`generators.external-secrets.io`);
    /// default false: the admission policies refuse them in team namespaces.
    #[schemars(with = "Option<bool>")]
    pub allow_generators: Option<Spanned<bool>>,
    /// Kubernetes user names that may create and change SecretStores in
    /// tenant namespaces; default: the GitOps controller's ServiceAccount
    /// (none without `gitops`).
    #[schemars(with = "Option<Vec<String>>")]
    pub store_writers: Option<Spanned<Vec<SStr>>>,
    /// ESO Helm chart version; default the version esogen is tested with.
    #[schemars(with = "Option<String>")]
    pub eso_chart_version: Option<SStr>,
    /// Namespace Argo CD runs in; default `argocd`.
    #[schemars(with = "Option<String>")]
    pub argocd_namespace: Option<SStr>,
    /// Namespace Flux runs in; default `flux-system`.
    #[schemars(with = "Option<String>")]
    pub flux_namespace: Option<SStr>,
    /// Flux reconciles each tenant overlay as a per-tenant ServiceAccount.
    #[schemars(with = "Option<bool>")]
    pub flux_impersonate: Option<Spanned<bool>>,
    /// CIDRs ESO may reach on its egress ports; default everywhere.
    #[schemars(with = "Option<Vec<String>>")]
    pub egress_cidrs: Option<Spanned<Vec<SStr>>>,
    /// Namespace whose monitoring agent may scrape ESO metrics; default `monitoring`.
    #[schemars(with = "Option<String>")]
    pub monitoring_namespace: Option<SStr>,
}

/// One `[[teams]]` entry.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawTeam {
    /// Team name.
    #[schemars(with = "String")]
    pub name: SStr,
    /// Name of a `[providers.NAME]` table.
    #[schemars(with = "String")]
    pub provider: SStr,
    /// Secret path prefix the team's credentials are scoped to.
    #[schemars(with = "String")]
    pub prefix: SStr,
    /// Namespaces the team owns.
    #[schemars(with = "Vec<String>")]
    pub namespaces: Spanned<Vec<SStr>>,
    /// Refresh interval for this team's secrets.
    #[schemars(with = "Option<String>")]
    pub refresh_interval: Option<SStr>,
    /// Default for the team's secrets: push them to the provider.
    #[schemars(with = "Option<bool>")]
    pub push: Option<Spanned<bool>>,
    /// The team's ExternalSecrets.
    #[serde(default)]
    #[schemars(with = "Vec<RawSecret>")]
    pub secrets: Vec<Spanned<RawSecret>>,
}

/// One secret of a team.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawSecret {
    /// ExternalSecret name.
    #[schemars(with = "String")]
    pub name: SStr,
    /// Remote key in the provider.
    #[schemars(with = "Option<String>")]
    pub key: Option<SStr>,
    /// Kubernetes Secret key → JSON property of the remote secret.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub data: Option<Spanned<BTreeMap<SStr, SStr>>>,
    /// Search for several secrets under a path (`dataFrom.find`).
    #[schemars(with = "Option<RawFind>")]
    pub find: Option<Spanned<RawFind>>,
    /// Target Kubernetes Secret name; defaults to `name`.
    #[schemars(with = "Option<String>")]
    pub target: Option<SStr>,
    /// Target Kubernetes Secret type, such as `kubernetes.io/dockerconfigjson`.
    #[serde(rename = "type")]
    #[schemars(with = "Option<String>")]
    pub secret_type: Option<SStr>,
    /// Refresh interval for this secret.
    #[schemars(with = "Option<String>")]
    pub refresh_interval: Option<SStr>,
    /// Subset of the team's namespaces that get this secret.
    #[schemars(with = "Option<Vec<String>>")]
    pub namespaces: Option<Spanned<Vec<SStr>>>,
    /// Push the Kubernetes Secret `target` to `key` (PushSecret) instead of
    /// reading it.
    #[schemars(with = "Option<bool>")]
    pub push: Option<Spanned<bool>>,
}

/// `find = { path = "...", name = "regex" }`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFind {
    /// Path to search under; defaults to the team prefix.
    #[schemars(with = "Option<String>")]
    pub path: Option<SStr>,
    /// Regular expression on secret names.
    #[schemars(with = "Option<String>")]
    pub name: Option<SStr>,
}
