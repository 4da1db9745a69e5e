//! External Secrets Operator objects (`external-secrets.io/v1`), only the
//! fields esogen sets. Field names follow the CRDs in ESO v2.9.

use std::collections::BTreeMap;

use serde::Serialize;

use super::k8s::ObjectMeta;

/// ESO's API group and version for stores and ExternalSecrets.
pub const API_VERSION: &str = "external-secrets.io/v1";

/// Which store kind an object is or refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum StoreKind {
    /// Namespaced `SecretStore` (ESO guide Option A).
    SecretStore,
    /// Cluster-scoped `ClusterSecretStore` (ESO guide Option B).
    ClusterSecretStore,
}

impl StoreKind {
    /// The Kubernetes kind name.
    pub fn as_str(self) -> &'static str {
        match self {
            StoreKind::SecretStore => "SecretStore",
            StoreKind::ClusterSecretStore => "ClusterSecretStore",
        }
    }
}

/// A `SecretStore` or `ClusterSecretStore`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretStore {
    /// [`API_VERSION`].
    pub api_version: &'static str,
    /// `SecretStore` or `ClusterSecretStore`.
    pub kind: StoreKind,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: SecretStoreSpec,
}

/// Store spec.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretStoreSpec {
    /// Which namespaces may use a ClusterSecretStore.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<StoreCondition>,
    /// The provider block.
    pub provider: StoreProvider,
}

/// A ClusterSecretStore condition. esogen only ever emits an explicit
/// namespace list: labels can be set by whoever edits a namespace, and
/// `namespaceRegexes` match unanchored.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreCondition {
    /// Exact namespace names.
    pub namespaces: Vec<String>,
}

/// `spec.provider`: exactly one field is set.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreProvider {
    /// AWS Secrets Manager / Parameter Store.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub aws: Option<AwsProvider>,
    /// GCP Secret Manager.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcpsm: Option<GcpProvider>,
    /// Azure Key Vault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azurekv: Option<AzureProvider>,
    /// HashiCorp Vault or OpenBao.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vault: Option<VaultProvider>,
}

impl StoreProvider {
    /// The `spec.provider` key that is set, and for AWS the service: what an
    /// admission rule pins a team's SecretStores to.
    pub fn kind_key(&self) -> (&'static str, Option<&'static str>) {
        if let Some(a) = &self.aws {
            ("aws", Some(a.service))
        } else if self.gcpsm.is_some() {
            ("gcpsm", None)
        } else if self.azurekv.is_some() {
            ("azurekv", None)
        } else {
            ("vault", None)
        }
    }
}

/// `spec.provider.aws`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsProvider {
    /// `SecretsManager` or `ParameterStore`.
    pub service: &'static str,
    /// AWS region.
    pub region: String,
    /// How ESO authenticates.
    pub auth: AwsAuth,
}

/// `spec.provider.aws.auth`: exactly one field is set.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsAuth {
    /// IRSA: a ServiceAccount token exchanged for the role in its annotation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jwt: Option<AwsJwtAuth>,
    /// Static access keys from a Secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<AwsSecretRef>,
}

/// `auth.jwt`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsJwtAuth {
    /// The ServiceAccount whose token is used.
    pub service_account_ref: ServiceAccountRef,
}

/// `auth.secretRef`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AwsSecretRef {
    /// Access key id.
    #[serde(rename = "accessKeyIDSecretRef")]
    pub access_key_id_secret_ref: SecretKeyRef,
    /// Secret access key.
    pub secret_access_key_secret_ref: SecretKeyRef,
}

/// A reference to one key of a Secret.
#[derive(Debug, Clone, Serialize)]
pub struct SecretKeyRef {
    /// Secret name.
    pub name: String,
    /// Key in the Secret.
    pub key: String,
    /// Set for a ClusterSecretStore.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// A reference to a ServiceAccount.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccountRef {
    /// ServiceAccount name.
    pub name: String,
    /// Always set for a ClusterSecretStore (ESO guide, common pitfall 1).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Token audiences.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub audiences: Vec<String>,
}

/// `spec.provider.gcpsm`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GcpProvider {
    /// Project holding the secrets.
    #[serde(rename = "projectID")]
    pub project_id: String,
    /// How ESO authenticates.
    pub auth: GcpAuth,
}

/// `gcpsm.auth`: exactly one field is set.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GcpAuth {
    /// GKE Workload Identity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workload_identity: Option<GcpWorkloadIdentity>,
    /// A service account key from a Secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_ref: Option<GcpSecretRef>,
}

/// `auth.workloadIdentity`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GcpWorkloadIdentity {
    /// Cluster location (region or zone).
    pub cluster_location: String,
    /// Cluster name.
    pub cluster_name: String,
    /// Project of the cluster.
    #[serde(rename = "clusterProjectID")]
    pub cluster_project_id: String,
    /// The annotated ServiceAccount.
    pub service_account_ref: ServiceAccountRef,
}

/// `auth.secretRef`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GcpSecretRef {
    /// The service account key JSON.
    pub secret_access_key_secret_ref: SecretKeyRef,
}

/// `spec.provider.azurekv`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AzureProvider {
    /// `WorkloadIdentity` or `ServicePrincipal`.
    pub auth_type: &'static str,
    /// Vault URL.
    pub vault_url: String,
    /// Entra tenant id.
    pub tenant_id: String,
    /// Workload identity ServiceAccount.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service_account_ref: Option<ServiceAccountRef>,
    /// Service principal credentials.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_secret_ref: Option<AzureSecretRef>,
}

/// `azurekv.authSecretRef`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AzureSecretRef {
    /// Client id.
    pub client_id: SecretKeyRef,
    /// Client secret.
    pub client_secret: SecretKeyRef,
}

/// `spec.provider.vault`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultProvider {
    /// Server URL.
    pub server: String,
    /// KV mount path.
    pub path: String,
    /// KV engine version, `v1` or `v2`.
    pub version: &'static str,
    /// Vault Enterprise / OpenBao namespace.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// How ESO authenticates.
    pub auth: VaultAuth,
}

/// `vault.auth`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultAuth {
    /// Kubernetes auth.
    pub kubernetes: VaultKubernetesAuth,
}

/// `auth.kubernetes`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VaultKubernetesAuth {
    /// Where the Kubernetes auth method is mounted.
    pub mount_path: String,
    /// Vault role.
    pub role: String,
    /// ServiceAccount whose token logs in.
    pub service_account_ref: ServiceAccountRef,
}

/// An `ExternalSecret`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecret {
    /// [`API_VERSION`].
    pub api_version: &'static str,
    /// Always `ExternalSecret`.
    pub kind: &'static str,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: ExternalSecretSpec,
}

/// ExternalSecret spec.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSecretSpec {
    /// Go duration between syncs.
    pub refresh_interval: String,
    /// Which store to read from.
    pub secret_store_ref: StoreRef,
    /// The Kubernetes Secret to write.
    pub target: Target,
    /// Chosen properties.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub data: Vec<DataItem>,
    /// Whole secrets or searches.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub data_from: Vec<DataFrom>,
}

/// `secretStoreRef`.
#[derive(Debug, Clone, Serialize)]
pub struct StoreRef {
    /// Store name.
    pub name: String,
    /// Store kind.
    pub kind: StoreKind,
}

/// `target`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Target {
    /// Secret name.
    pub name: String,
    /// Always `Owner`: the Secret is garbage-collected with its ExternalSecret.
    pub creation_policy: &'static str,
    /// Set only to give the Secret a type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub template: Option<TargetTemplate>,
}

/// `target.template`, used only for the Secret type.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TargetTemplate {
    /// Secret type, such as `kubernetes.io/dockerconfigjson`.
    #[serde(rename = "type")]
    pub secret_type: String,
    /// Always `v2`.
    pub engine_version: &'static str,
    /// Always `Merge`: keep the fetched data, only set the type.
    pub merge_policy: &'static str,
}

/// One `data` entry.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DataItem {
    /// Key in the Kubernetes Secret.
    pub secret_key: String,
    /// Where the value comes from.
    pub remote_ref: RemoteRef,
}

/// `remoteRef`.
#[derive(Debug, Clone, Serialize)]
pub struct RemoteRef {
    /// Provider key.
    pub key: String,
    /// JSON property inside the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
}

/// One `dataFrom` entry: exactly one field set.
#[derive(Debug, Clone, Serialize)]
pub struct DataFrom {
    /// Every property of one secret.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extract: Option<Extract>,
    /// A search.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub find: Option<Find>,
}

/// `dataFrom.extract`.
#[derive(Debug, Clone, Serialize)]
pub struct Extract {
    /// Provider key.
    pub key: String,
}

/// `dataFrom.find`.
#[derive(Debug, Clone, Serialize)]
pub struct Find {
    /// Root path of the search, inside the team prefix; absent where the
    /// provider ignores it (Key Vault).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Name filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<FindName>,
}

/// `find.name`.
#[derive(Debug, Clone, Serialize)]
pub struct FindName {
    /// Regular expression.
    pub regexp: String,
}

/// Labels esogen sets on what it generates.
pub fn standard_labels(team: &str) -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "app.kubernetes.io/managed-by".to_owned(),
            "esogen".to_owned(),
        ),
        ("esogen.io/team".to_owned(), team.to_owned()),
    ])
}

/// `external-secrets.io/v1alpha1`, the version PushSecret is served at.
pub const PUSH_API_VERSION: &str = "external-secrets.io/v1alpha1";

/// A `PushSecret`: writes a Kubernetes Secret to the provider.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushSecret {
    /// [`PUSH_API_VERSION`].
    pub api_version: &'static str,
    /// Always `PushSecret`.
    pub kind: &'static str,
    /// Metadata.
    pub metadata: ObjectMeta,
    /// Spec.
    pub spec: PushSecretSpec,
}

/// PushSecret spec.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushSecretSpec {
    /// Go duration between pushes.
    pub refresh_interval: String,
    /// Always `None`: deleting the PushSecret leaves the provider's copy.
    pub deletion_policy: &'static str,
    /// Where to push.
    pub secret_store_refs: Vec<StoreRef>,
    /// Which Secret to push.
    pub selector: PushSelector,
    /// What to push.
    pub data: Vec<PushData>,
}

/// `selector`.
#[derive(Debug, Clone, Serialize)]
pub struct PushSelector {
    /// The source Secret.
    pub secret: PushSecretName,
}

/// `selector.secret`.
#[derive(Debug, Clone, Serialize)]
pub struct PushSecretName {
    /// Secret name.
    pub name: String,
}

/// One `data` entry.
#[derive(Debug, Clone, Serialize)]
pub struct PushData {
    /// The match.
    #[serde(rename = "match")]
    pub matcher: PushMatch,
    /// The provider's settings for this entry, when it needs any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub metadata: Option<crate::provider::PushMetadata>,
}

/// `data[].match`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushMatch {
    /// Key of the source Secret; absent pushes the whole Secret as JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret_key: Option<String>,
    /// Destination.
    pub remote_ref: PushRemoteRef,
}

/// `match.remoteRef`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PushRemoteRef {
    /// Provider key.
    pub remote_key: String,
    /// JSON property inside the value.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub property: Option<String>,
}
