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
    #[schemars(with = "i64", transform = crate::config::schema::fields::version)]
    pub version: Spanned<i64>,
    /// The cluster: its name and platform, how stores are scoped, how ESO
    /// is fenced, and how the generated tree is delivered.
    #[schemars(with = "RawCluster")]
    pub cluster: Spanned<RawCluster>,
    /// Named secret providers, `[providers.NAME]`: `kind` plus the settings
    /// of that kind, which the provider module validates.
    #[serde(default)]
    #[schemars(schema_with = "crate::config::schema::providers_schema")]
    pub providers: BTreeMap<SStr, Spanned<BTreeMap<SStr, Spanned<toml::Value>>>>,
    /// Teams sharing the cluster, `[[teams]]`: each owns namespaces and
    /// may read only the secrets under its prefix. Teams may also live in
    /// `tenants.d/<team>.toml` beside this file.
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
#[schemars(transform = crate::config::schema::fields::cluster_rules)]
pub struct RawCluster {
    /// Cluster name, a DNS-1123 label: used in naming patterns
    /// (`{{cluster}}`) and file headers.
    #[schemars(with = "String", transform = crate::config::schema::fields::label)]
    pub name: SStr,
    /// Where the cluster runs; decides the platform-native credentials:
    /// `eks` (IRSA), `gke` (GKE Workload Identity), `aks` (Azure Workload
    /// Identity), `openshift` or `generic` (static credentials or Vault's
    /// Kubernetes auth).
    #[schemars(with = "String", transform = crate::config::schema::fields::platform)]
    pub platform: SStr,
    /// How stores are scoped: `namespace` gives each tenant namespace its
    /// own SecretStore; `cluster` one guarded ClusterSecretStore per
    /// provider; `auto` (default) picks `namespace` when teams share the
    /// cluster.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::store_scope)]
    pub store_scope: Option<SStr>,
    /// How often ESO re-reads secrets by default, as a Go duration such as
    /// `1h` or `30m` (`0`: read once); default `1h`.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::duration)]
    pub refresh_interval: Option<SStr>,
    /// Namespace ESO runs in, reserved from tenants; default
    /// `external-secrets`.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::label)]
    pub eso_namespace: Option<SStr>,
    /// Who syncs the generated tree into the cluster: `argocd`, `flux`, or
    /// `none` (default: you apply it yourself). Argo CD and Flux need
    /// `repo_url`.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::gitops)]
    pub gitops: Option<SStr>,
    /// Git repository Argo CD or Flux syncs from, such as
    /// `https://git.example.com/platform/gitops.git` or
    /// `git@git.example.com:platform/gitops.git`; only with `gitops`.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::repo_url)]
    pub repo_url: Option<SStr>,
    /// Branch Argo CD or Flux syncs; default `main`; only with `gitops`.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::revision)]
    pub revision: Option<SStr>,
    /// Path of the generated tree inside the repository, such as
    /// `clusters/prod`; default the root; only with `gitops`.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::repo_path)]
    pub repo_path: Option<SStr>,
    /// How the cluster enforces the prefix rule on tenants' ExternalSecrets
    /// and stores: `vap` (ValidatingAdmissionPolicy, Kubernetes 1.30+,
    /// default), `kyverno` (Kyverno ClusterPolicies) or `none`.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::admission)]
    pub admission: Option<SStr>,
    /// Let tenants use ESO generators (`generators.external-secrets.io`);
    /// default false: the admission policies refuse them in team namespaces.
    #[schemars(with = "Option<bool>")]
    pub allow_generators: Option<Spanned<bool>>,
    /// Kubernetes user names that may create and change SecretStores in
    /// tenant namespaces, such as
    /// `system:serviceaccount:argocd:argocd-application-controller`;
    /// default: the GitOps controller's ServiceAccount (none without
    /// `gitops`).
    #[schemars(with = "Option<Vec<String>>", transform = crate::config::schema::fields::store_writers)]
    pub store_writers: Option<Spanned<Vec<SStr>>>,
    /// ESO Helm chart version, such as `2.9.0`; default the version esogen
    /// is tested with.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::chart_version)]
    pub eso_chart_version: Option<SStr>,
    /// Namespace Argo CD runs in; default `argocd`.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::label)]
    pub argocd_namespace: Option<SStr>,
    /// Namespace Flux runs in; default `flux-system`.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::label)]
    pub flux_namespace: Option<SStr>,
    /// With `gitops = "flux"`: Flux applies each tenant overlay as a
    /// per-tenant ServiceAccount instead of its own; default false.
    #[schemars(with = "Option<bool>")]
    pub flux_impersonate: Option<Spanned<bool>>,
    /// Networks (CIDRs such as `10.0.0.0/8`) ESO may reach on its egress
    /// ports; default everywhere (`0.0.0.0/0`).
    #[schemars(with = "Option<Vec<String>>", transform = crate::config::schema::fields::egress_cidrs)]
    pub egress_cidrs: Option<Spanned<Vec<SStr>>>,
    /// Namespace whose monitoring agent may scrape ESO metrics; default
    /// `monitoring`.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::label)]
    pub monitoring_namespace: Option<SStr>,
}

/// One `[[teams]]` entry.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = crate::config::schema::fields::team_rules)]
pub struct RawTeam {
    /// Team name, a DNS-1123 label: used in labels and naming patterns
    /// (`{{team}}`).
    #[schemars(with = "String", transform = crate::config::schema::fields::label)]
    pub name: SStr,
    /// The `[providers.NAME]` table holding the team's secrets.
    #[schemars(with = "String", transform = crate::config::schema::fields::label)]
    pub provider: SStr,
    /// Secret path prefix, such as `prod/payments/`: the team's
    /// credentials reach only names starting with it, and its keys must.
    /// End it with `/` for a folder; no wildcards.
    #[schemars(with = "String", transform = crate::config::schema::fields::prefix)]
    pub prefix: SStr,
    /// Namespaces the team owns (DNS-1123 labels, each in one team only;
    /// not `default` or `kube-*`).
    #[schemars(with = "Vec<String>", transform = crate::config::schema::fields::team_namespaces)]
    pub namespaces: Spanned<Vec<SStr>>,
    /// How often ESO re-reads this team's secrets (a Go duration); default
    /// the cluster's.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::duration)]
    pub refresh_interval: Option<SStr>,
    /// Default for the team's secrets: `true` pushes each Kubernetes Secret
    /// to its `key` (PushSecret) instead of reading it; default false.
    #[schemars(with = "Option<bool>")]
    pub push: Option<Spanned<bool>>,
    /// The team's secrets, `[[teams.secrets]]`: each becomes an
    /// ExternalSecret (or PushSecret) in the team's namespaces.
    #[serde(default)]
    #[schemars(with = "Vec<RawSecret>")]
    pub secrets: Vec<Spanned<RawSecret>>,
}

/// One secret of a team: `key` (one remote secret) or `find` (every
/// secret under a path), not both.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = crate::config::schema::fields::secret_rules)]
pub struct RawSecret {
    /// ExternalSecret name, a DNS-1123 subdomain; unique in the team.
    #[schemars(with = "String", transform = crate::config::schema::fields::object_name)]
    pub name: SStr,
    /// Remote key in the provider; it must start with the team's `prefix`.
    /// Without `data`, every property of the remote JSON secret is copied.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::remote_key)]
    pub key: Option<SStr>,
    /// Only with `key`: Kubernetes Secret key → JSON property of the remote
    /// secret, such as `{ password = "db_password" }`.
    #[schemars(with = "Option<BTreeMap<String, String>>", transform = crate::config::schema::fields::data)]
    pub data: Option<Spanned<BTreeMap<SStr, SStr>>>,
    /// Copies every secret under a path (`dataFrom.find`) instead of one
    /// `key`.
    #[schemars(with = "Option<RawFind>")]
    pub find: Option<Spanned<RawFind>>,
    /// Name of the Kubernetes Secret written (or, with `push`, read);
    /// defaults to `name`.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::object_name)]
    pub target: Option<SStr>,
    /// Type of the Kubernetes Secret written, such as `Opaque` or
    /// `kubernetes.io/dockerconfigjson`; default `Opaque`.
    #[serde(rename = "type")]
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::secret_type)]
    pub secret_type: Option<SStr>,
    /// How often ESO re-reads this secret (a Go duration); default the
    /// team's.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::duration)]
    pub refresh_interval: Option<SStr>,
    /// The team namespaces that get this secret; default all of them.
    #[schemars(with = "Option<Vec<String>>", transform = crate::config::schema::fields::secret_namespaces)]
    pub namespaces: Option<Spanned<Vec<SStr>>>,
    /// `true` pushes the Kubernetes Secret `target` to `key` (PushSecret)
    /// instead of reading it; default the team's `push`.
    #[schemars(with = "Option<bool>")]
    pub push: Option<Spanned<bool>>,
}

/// `find = { path = "...", name = "regex" }`: every secret under `path`
/// whose name matches `name`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RawFind {
    /// Path to search under, inside the team prefix; default the prefix.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::prefix)]
    pub path: Option<SStr>,
    /// Regular expression on full secret names, anchored with `^` and the
    /// path, such as `^prod/payments/db-`; default every name under the
    /// path.
    #[schemars(with = "Option<String>", transform = crate::config::schema::fields::find_name)]
    pub name: Option<SStr>,
}
