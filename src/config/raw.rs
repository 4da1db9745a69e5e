//! The serde mirror of `tenants.toml`. Consumes TOML text; produces
//! `RawConfig`, whose every user-facing value carries its byte span. No logic:
//! rules live in `validate`. Every table rejects unknown keys.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

/// A spanned string, the common case.
pub type SStr = Spanned<String>;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// File format version; only `1` exists.
    pub version: Spanned<i64>,
    /// Cluster-wide settings.
    pub cluster: Spanned<RawCluster>,
    /// Named secret providers, `[providers.NAME]`: `kind` plus the settings
    /// of that kind, which the provider module validates.
    #[serde(default)]
    pub providers: BTreeMap<SStr, Spanned<BTreeMap<SStr, Spanned<toml::Value>>>>,
    /// Teams sharing the cluster, `[[teams]]`.
    #[serde(default)]
    pub teams: Vec<Spanned<RawTeam>>,
}

/// A `tenants.d/<team>.toml` file: teams only, so CODEOWNERS can give each
/// team its own file while the cluster and providers stay central.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTeamFile {
    /// Optional; `1` when present.
    pub version: Option<Spanned<i64>>,
    /// The file's teams.
    #[serde(default)]
    pub teams: Vec<Spanned<RawTeam>>,
}

/// `[cluster]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCluster {
    /// Cluster name.
    pub name: SStr,
    /// `eks`, `gke`, `aks`, `openshift` or `generic`.
    pub platform: SStr,
    /// `auto` (default), `namespace` or `cluster`.
    pub store_scope: Option<SStr>,
    /// Default ExternalSecret refresh interval; default `1h`.
    pub refresh_interval: Option<SStr>,
    /// Namespace ESO runs in; default `external-secrets`.
    pub eso_namespace: Option<SStr>,
    /// `argocd`, `flux` or `none` (default).
    pub gitops: Option<SStr>,
    /// Git repository Argo CD or Flux syncs from.
    pub repo_url: Option<SStr>,
    /// Branch to sync; default `main`.
    pub revision: Option<SStr>,
    /// Path of the generated tree inside the repository; default `.`.
    pub repo_path: Option<SStr>,
    /// `vap` (default), `kyverno` or `none`.
    pub admission: Option<SStr>,
    /// ESO Helm chart version; default the version esogen is tested with.
    pub eso_chart_version: Option<SStr>,
    /// Namespace Argo CD runs in; default `argocd`.
    pub argocd_namespace: Option<SStr>,
    /// Namespace Flux runs in; default `flux-system`.
    pub flux_namespace: Option<SStr>,
    /// Flux reconciles each tenant overlay as a per-tenant ServiceAccount.
    pub flux_impersonate: Option<Spanned<bool>>,
    /// CIDRs ESO may reach on its egress ports; default everywhere.
    pub egress_cidrs: Option<Spanned<Vec<SStr>>>,
    /// Namespace whose monitoring agent may scrape ESO metrics; default `monitoring`.
    pub monitoring_namespace: Option<SStr>,
}

/// One `[[teams]]` entry.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTeam {
    /// Team name.
    pub name: SStr,
    /// Name of a `[providers.NAME]` table.
    pub provider: SStr,
    /// Secret path prefix the team's credentials are scoped to.
    pub prefix: SStr,
    /// Namespaces the team owns.
    pub namespaces: Spanned<Vec<SStr>>,
    /// Refresh interval for this team's secrets.
    pub refresh_interval: Option<SStr>,
    /// Default for the team's secrets: push them to the provider.
    pub push: Option<Spanned<bool>>,
    /// The team's ExternalSecrets.
    #[serde(default)]
    pub secrets: Vec<Spanned<RawSecret>>,
}

/// One secret of a team.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSecret {
    /// ExternalSecret name.
    pub name: SStr,
    /// Remote key in the provider.
    pub key: Option<SStr>,
    /// Kubernetes Secret key → JSON property of the remote secret.
    pub data: Option<Spanned<BTreeMap<SStr, SStr>>>,
    /// Search for several secrets under a path (`dataFrom.find`).
    pub find: Option<Spanned<RawFind>>,
    /// Target Kubernetes Secret name; defaults to `name`.
    pub target: Option<SStr>,
    /// Target Kubernetes Secret type, such as `kubernetes.io/dockerconfigjson`.
    #[serde(rename = "type")]
    pub secret_type: Option<SStr>,
    /// Refresh interval for this secret.
    pub refresh_interval: Option<SStr>,
    /// Subset of the team's namespaces that get this secret.
    pub namespaces: Option<Spanned<Vec<SStr>>>,
    /// Push the Kubernetes Secret `target` to `key` (PushSecret) instead of
    /// reading it.
    pub push: Option<Spanned<bool>>,
}

/// `find = { path = "...", name = "regex" }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFind {
    /// Path to search under; defaults to the team prefix.
    pub path: Option<SStr>,
    /// Regular expression on secret names.
    pub name: Option<SStr>,
}
