//! Argo CD (`argoproj.io/v1alpha1`), Flux (`source.toolkit.fluxcd.io/v1`,
//! `kustomize.toolkit.fluxcd.io/v1`) and Kyverno (`kyverno.io/v1`) objects:
//! only the fields esogen sets.

use std::collections::BTreeMap;

use serde::Serialize;

use super::k8s::ObjectMeta;

/// The Flux reconciler ServiceAccount in each tenant namespace.
pub const FLUX_TENANT_SA: &str = "esogen-reconciler";

/// An Argo CD AppProject.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppProject {
    /// `argoproj.io/v1alpha1`.
    pub api_version: &'static str,
    /// `AppProject`.
    pub kind: &'static str,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: AppProjectSpec,
}

/// AppProject spec.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppProjectSpec {
    /// What it is for.
    pub description: String,
    /// Allowed repositories.
    pub source_repos: Vec<String>,
    /// Allowed destinations.
    pub destinations: Vec<Destination>,
    /// Cluster-scoped kinds allowed; empty allows none.
    pub cluster_resource_whitelist: Vec<GroupKind>,
    /// Namespaced kinds allowed; absent allows all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace_resource_whitelist: Option<Vec<GroupKind>>,
}

/// A group and kind.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct GroupKind {
    /// API group (`""` for core).
    pub group: String,
    /// Kind, or `*`.
    pub kind: String,
}

/// A destination.
#[derive(Debug, Clone, Serialize)]
pub struct Destination {
    /// API server URL.
    pub server: String,
    /// Namespace, or `*`.
    pub namespace: String,
}

/// An Argo CD Application.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Application {
    /// `argoproj.io/v1alpha1`.
    pub api_version: &'static str,
    /// `Application`.
    pub kind: &'static str,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: ApplicationSpec,
}

/// Application spec (also the ApplicationSet template's spec).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSpec {
    /// AppProject.
    pub project: String,
    /// Source.
    pub source: AppSource,
    /// Destination.
    pub destination: Destination,
    /// Sync policy.
    pub sync_policy: SyncPolicy,
}

/// Application source: a git path or a Helm chart.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppSource {
    /// Repository or chart repository URL.
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    /// Branch or chart version.
    pub target_revision: String,
    /// Path in the repository.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Chart name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chart: Option<String>,
    /// Helm settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub helm: Option<HelmSource>,
}

/// Helm settings.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HelmSource {
    /// Release name.
    pub release_name: String,
    /// Values.
    pub values_object: serde_json::Value,
}

/// Sync policy.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SyncPolicy {
    /// Automated sync.
    pub automated: Automated,
    /// Options such as `ServerSideApply=true`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sync_options: Vec<String>,
}

/// Automated sync.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Automated {
    /// Delete what left git.
    pub prune: bool,
    /// Undo drift.
    pub self_heal: bool,
}

/// An Argo CD ApplicationSet.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSet {
    /// `argoproj.io/v1alpha1`.
    pub api_version: &'static str,
    /// `ApplicationSet`.
    pub kind: &'static str,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: ApplicationSetSpec,
}

/// ApplicationSet spec.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationSetSpec {
    /// Use Go templates (`{{ .path.basename }}`).
    pub go_template: bool,
    /// Fail on a missing template key.
    pub go_template_options: Vec<String>,
    /// Generators.
    pub generators: Vec<Generator>,
    /// Application template.
    pub template: AppTemplate,
}

/// A generator.
#[derive(Debug, Clone, Serialize)]
pub struct Generator {
    /// Git directory generator.
    pub git: GitGenerator,
}

/// Git directory generator.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GitGenerator {
    /// Repository.
    #[serde(rename = "repoURL")]
    pub repo_url: String,
    /// Branch.
    pub revision: String,
    /// Directories.
    pub directories: Vec<GitDirectory>,
}

/// A directory glob.
#[derive(Debug, Clone, Serialize)]
pub struct GitDirectory {
    /// Glob.
    pub path: String,
}

/// The Application template.
#[derive(Debug, Clone, Serialize)]
pub struct AppTemplate {
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: ApplicationSpec,
}

/// A Flux GitRepository.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GitRepository {
    /// `source.toolkit.fluxcd.io/v1`.
    pub api_version: &'static str,
    /// `GitRepository`.
    pub kind: &'static str,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: GitRepositorySpec,
}

/// GitRepository spec.
#[derive(Debug, Clone, Serialize)]
pub struct GitRepositorySpec {
    /// How often to fetch.
    pub interval: String,
    /// URL.
    pub url: String,
    /// Branch.
    #[serde(rename = "ref")]
    pub reference: GitRef,
}

/// A branch reference.
#[derive(Debug, Clone, Serialize)]
pub struct GitRef {
    /// Branch.
    pub branch: String,
}

/// A Flux Kustomization.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FluxKustomization {
    /// `kustomize.toolkit.fluxcd.io/v1`.
    pub api_version: &'static str,
    /// `Kustomization`.
    pub kind: &'static str,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: FluxKustomizationSpec,
}

/// Flux Kustomization spec.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FluxKustomizationSpec {
    /// How often to reconcile.
    pub interval: String,
    /// Path in the source.
    pub path: String,
    /// Delete what left git.
    pub prune: bool,
    /// Wait for readiness.
    pub wait: bool,
    /// The source.
    pub source_ref: SourceRef,
    /// Apply after these.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<DependsOn>,
    /// Impersonate this ServiceAccount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account_name: Option<String>,
}

/// A source reference.
#[derive(Debug, Clone, Serialize)]
pub struct SourceRef {
    /// `GitRepository`.
    pub kind: &'static str,
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
}

/// A dependency.
#[derive(Debug, Clone, Serialize)]
pub struct DependsOn {
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: String,
}

/// A Kyverno ClusterPolicy.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ClusterPolicy {
    /// `kyverno.io/v1`.
    pub api_version: &'static str,
    /// `ClusterPolicy`.
    pub kind: &'static str,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: ClusterPolicySpec,
}

/// ClusterPolicy spec.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterPolicySpec {
    /// Also report existing resources.
    pub background: bool,
    /// Rules.
    pub rules: Vec<KyvernoRule>,
}

/// One rule.
#[derive(Debug, Clone, Serialize)]
pub struct KyvernoRule {
    /// Name.
    pub name: String,
    /// Match.
    #[serde(rename = "match")]
    pub matcher: KyvernoMatch,
    /// Validation.
    pub validate: KyvernoValidate,
}

/// `match`.
#[derive(Debug, Clone, Serialize)]
pub struct KyvernoMatch {
    /// Any of these.
    pub any: Vec<KyvernoResourceFilter>,
}

/// A resource filter.
#[derive(Debug, Clone, Serialize)]
pub struct KyvernoResourceFilter {
    /// Resources.
    pub resources: KyvernoResources,
}

/// Resource description.
#[derive(Debug, Clone, Serialize)]
pub struct KyvernoResources {
    /// Kinds.
    pub kinds: Vec<String>,
    /// Namespaces.
    pub namespaces: Vec<String>,
    /// Operations.
    pub operations: Vec<String>,
}

/// `validate`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KyvernoValidate {
    /// Always `Enforce`.
    pub failure_action: &'static str,
    /// CEL expressions (the same as the ValidatingAdmissionPolicy's).
    pub cel: KyvernoCel,
}

/// `validate.cel`.
#[derive(Debug, Clone, Serialize)]
pub struct KyvernoCel {
    /// Expressions.
    pub expressions: Vec<KyvernoExpression>,
}

/// One expression.
#[derive(Debug, Clone, Serialize)]
pub struct KyvernoExpression {
    /// CEL.
    pub expression: String,
    /// Message.
    pub message: String,
}

/// ESO Helm chart values esogen sets: what the config does not use is off.
/// Keys as in the chart's `deploy/charts/external-secrets/values.yaml`
/// (ESO v2.9.0).
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EsoValues {
    /// Install the CRDs with the chart.
    #[serde(rename = "installCRDs")]
    pub install_crds: bool,
    /// Which CRDs to install.
    pub crds: EsoCrds,
    /// Reconcile ClusterSecretStores.
    pub process_cluster_store: bool,
    /// Reconcile ClusterExternalSecrets.
    pub process_cluster_external_secret: bool,
    /// Reconcile ClusterPushSecrets.
    pub process_cluster_push_secret: bool,
    /// Reconcile PushSecrets.
    pub process_push_secret: bool,
    /// Reconcile SecretStores.
    pub process_secret_store: bool,
    /// Read ClusterGenerators: always false. A ClusterGenerator serves every
    /// namespace, with credentials of its own, past the team prefixes.
    pub process_cluster_generator: bool,
    /// RBAC.
    pub rbac: EsoRbac,
}

/// `crds`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EsoCrds {
    /// ClusterSecretStore CRD.
    pub create_cluster_secret_store: bool,
    /// ClusterExternalSecret CRD.
    pub create_cluster_external_secret: bool,
    /// ClusterPushSecret CRD.
    pub create_cluster_push_secret: bool,
    /// PushSecret CRD.
    pub create_push_secret: bool,
    /// SecretStore CRD.
    pub create_secret_store: bool,
    /// ClusterGenerator CRD: always false, like `processClusterGenerator`
    /// (the chart asks for both together).
    pub create_cluster_generator: bool,
}

/// `rbac`.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct EsoRbac {
    /// Always false: token creation is granted per ServiceAccount instead.
    pub service_account_token_create: bool,
    /// Always false. The chart's default labels a ClusterRole with write
    /// access to every ESO kind (stores and generators included) for
    /// aggregation into the built-in `edit` role, so anyone who may edit a
    /// namespace could write its SecretStore (`templates/rbac.yaml`).
    pub aggregate_to_edit: bool,
    /// Always false, for the same reason: the same ClusterRole is also
    /// aggregated into `admin`, the role namespace owners usually get.
    pub aggregate_to_admin: bool,
}

/// Labels every esogen object carries.
pub fn managed_labels() -> BTreeMap<String, String> {
    BTreeMap::from([(
        "app.kubernetes.io/managed-by".to_owned(),
        "esogen".to_owned(),
    )])
}
