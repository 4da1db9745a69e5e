//! The shape of ESO v2.9.0's SecretStore `spec` as data: every field of the
//! provider blocks esogen generates (`aws`, `gcpsm`, `azurekv`, `vault`),
//! with the CRD's `default:` values, and the other `spec` fields. The
//! admission rules pin a team's SecretStore to exactly the generated block:
//! each field esogen sets must equal the generated value, every other field
//! listed here must be absent (or hold its CRD default, which the API server
//! fills in before admission). CEL cannot list an object's keys, so a field
//! missing from these lists would be a field a tenant could set unchecked:
//! a test compares them with the real CRD, so a new ESO release cannot open
//! a hole silently.
//!
//! Paths are relative to the provider block and dotted; an object with
//! `properties` is listed together with its children, while arrays and maps
//! are leaves (they are compared or refused whole).

/// A CRD `default:` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldDefault {
    /// A string default.
    Str(&'static str),
    /// A boolean default.
    Bool(bool),
}

/// One field of a provider block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// Dotted path below the provider key, such as `auth.jwt`.
    pub path: &'static str,
    /// The CRD's default, which the API server sets before admission.
    pub default: Option<FieldDefault>,
}

const fn f(path: &'static str) -> Field {
    Field {
        path,
        default: None,
    }
}

const fn s(path: &'static str, value: &'static str) -> Field {
    Field {
        path,
        default: Some(FieldDefault::Str(value)),
    }
}

const fn b(path: &'static str, value: bool) -> Field {
    Field {
        path,
        default: Some(FieldDefault::Bool(value)),
    }
}

/// Every `spec` field of a SecretStore besides `provider`. esogen sets none
/// of them (`conditions` only on ClusterSecretStores).
pub const SPEC_FIELDS: &[&str] = &[
    "conditions",
    "controller",
    "refreshInterval",
    "retrySettings",
];

/// The provider block of `key` (a `spec.provider` key), for the providers
/// esogen generates.
pub fn provider_fields(key: &str) -> Option<&'static [Field]> {
    match key {
        "aws" => Some(AWS),
        "gcpsm" => Some(GCPSM),
        "azurekv" => Some(AZUREKV),
        "vault" => Some(VAULT),
        _ => None,
    }
}

/// The provider keys [`provider_fields`] knows.
pub const PINNED_PROVIDERS: &[&str] = &["aws", "azurekv", "gcpsm", "vault"];

/// `spec.provider.aws`.
pub const AWS: &[Field] = &[
    f("additionalRoles"),
    f("auth"),
    f("auth.jwt"),
    f("auth.jwt.serviceAccountRef"),
    f("auth.jwt.serviceAccountRef.audiences"),
    f("auth.jwt.serviceAccountRef.name"),
    f("auth.jwt.serviceAccountRef.namespace"),
    f("auth.secretRef"),
    f("auth.secretRef.accessKeyIDSecretRef"),
    f("auth.secretRef.accessKeyIDSecretRef.key"),
    f("auth.secretRef.accessKeyIDSecretRef.name"),
    f("auth.secretRef.accessKeyIDSecretRef.namespace"),
    f("auth.secretRef.secretAccessKeySecretRef"),
    f("auth.secretRef.secretAccessKeySecretRef.key"),
    f("auth.secretRef.secretAccessKeySecretRef.name"),
    f("auth.secretRef.secretAccessKeySecretRef.namespace"),
    f("auth.secretRef.sessionTokenSecretRef"),
    f("auth.secretRef.sessionTokenSecretRef.key"),
    f("auth.secretRef.sessionTokenSecretRef.name"),
    f("auth.secretRef.sessionTokenSecretRef.namespace"),
    f("customSessionTags"),
    f("externalID"),
    f("prefix"),
    f("region"),
    f("role"),
    f("secretsManager"),
    f("secretsManager.forceDeleteWithoutRecovery"),
    f("secretsManager.recoveryWindowInDays"),
    f("service"),
    f("sessionTags"),
    s("sessionTagsPolicy", "None"),
    f("transitiveTagKeys"),
];

/// `spec.provider.gcpsm`.
pub const GCPSM: &[Field] = &[
    f("auth"),
    f("auth.secretRef"),
    f("auth.secretRef.secretAccessKeySecretRef"),
    f("auth.secretRef.secretAccessKeySecretRef.key"),
    f("auth.secretRef.secretAccessKeySecretRef.name"),
    f("auth.secretRef.secretAccessKeySecretRef.namespace"),
    f("auth.workloadIdentity"),
    f("auth.workloadIdentity.clusterLocation"),
    f("auth.workloadIdentity.clusterName"),
    f("auth.workloadIdentity.clusterProjectID"),
    f("auth.workloadIdentity.serviceAccountRef"),
    f("auth.workloadIdentity.serviceAccountRef.audiences"),
    f("auth.workloadIdentity.serviceAccountRef.name"),
    f("auth.workloadIdentity.serviceAccountRef.namespace"),
    f("auth.workloadIdentityFederation"),
    f("auth.workloadIdentityFederation.audience"),
    f("auth.workloadIdentityFederation.awsSecurityCredentials"),
    f("auth.workloadIdentityFederation.awsSecurityCredentials.awsCredentialsSecretRef"),
    f("auth.workloadIdentityFederation.awsSecurityCredentials.awsCredentialsSecretRef.name"),
    f("auth.workloadIdentityFederation.awsSecurityCredentials.awsCredentialsSecretRef.namespace"),
    f("auth.workloadIdentityFederation.awsSecurityCredentials.region"),
    f("auth.workloadIdentityFederation.credConfig"),
    f("auth.workloadIdentityFederation.credConfig.key"),
    f("auth.workloadIdentityFederation.credConfig.name"),
    f("auth.workloadIdentityFederation.credConfig.namespace"),
    f("auth.workloadIdentityFederation.externalTokenEndpoint"),
    f("auth.workloadIdentityFederation.gcpServiceAccountEmail"),
    f("auth.workloadIdentityFederation.serviceAccountRef"),
    f("auth.workloadIdentityFederation.serviceAccountRef.audiences"),
    f("auth.workloadIdentityFederation.serviceAccountRef.name"),
    f("auth.workloadIdentityFederation.serviceAccountRef.namespace"),
    f("location"),
    f("projectID"),
    s("secretVersionSelectionPolicy", "LatestOrFail"),
];

/// `spec.provider.azurekv`.
pub const AZUREKV: &[Field] = &[
    f("authSecretRef"),
    f("authSecretRef.clientCertificate"),
    f("authSecretRef.clientCertificate.key"),
    f("authSecretRef.clientCertificate.name"),
    f("authSecretRef.clientCertificate.namespace"),
    f("authSecretRef.clientId"),
    f("authSecretRef.clientId.key"),
    f("authSecretRef.clientId.name"),
    f("authSecretRef.clientId.namespace"),
    f("authSecretRef.clientSecret"),
    f("authSecretRef.clientSecret.key"),
    f("authSecretRef.clientSecret.name"),
    f("authSecretRef.clientSecret.namespace"),
    f("authSecretRef.tenantId"),
    f("authSecretRef.tenantId.key"),
    f("authSecretRef.tenantId.name"),
    f("authSecretRef.tenantId.namespace"),
    s("authType", "ServicePrincipal"),
    f("customCloudConfig"),
    f("customCloudConfig.activeDirectoryEndpoint"),
    f("customCloudConfig.keyVaultDNSSuffix"),
    f("customCloudConfig.keyVaultEndpoint"),
    f("customCloudConfig.resourceManagerEndpoint"),
    s("environmentType", "PublicCloud"),
    f("identityId"),
    f("serviceAccountRef"),
    f("serviceAccountRef.audiences"),
    f("serviceAccountRef.name"),
    f("serviceAccountRef.namespace"),
    f("tenantId"),
    b("useAzureSDK", false),
    f("vaultUrl"),
];

/// `spec.provider.vault`.
pub const VAULT: &[Field] = &[
    f("auth"),
    f("auth.appRole"),
    s("auth.appRole.path", "approle"),
    f("auth.appRole.roleId"),
    f("auth.appRole.roleRef"),
    f("auth.appRole.roleRef.key"),
    f("auth.appRole.roleRef.name"),
    f("auth.appRole.roleRef.namespace"),
    f("auth.appRole.secretRef"),
    f("auth.appRole.secretRef.key"),
    f("auth.appRole.secretRef.name"),
    f("auth.appRole.secretRef.namespace"),
    f("auth.cert"),
    f("auth.cert.clientCert"),
    f("auth.cert.clientCert.key"),
    f("auth.cert.clientCert.name"),
    f("auth.cert.clientCert.namespace"),
    s("auth.cert.path", "cert"),
    f("auth.cert.secretRef"),
    f("auth.cert.secretRef.key"),
    f("auth.cert.secretRef.name"),
    f("auth.cert.secretRef.namespace"),
    f("auth.cert.vaultRole"),
    f("auth.gcp"),
    f("auth.gcp.location"),
    s("auth.gcp.path", "gcp"),
    f("auth.gcp.projectID"),
    f("auth.gcp.role"),
    f("auth.gcp.secretRef"),
    f("auth.gcp.secretRef.secretAccessKeySecretRef"),
    f("auth.gcp.secretRef.secretAccessKeySecretRef.key"),
    f("auth.gcp.secretRef.secretAccessKeySecretRef.name"),
    f("auth.gcp.secretRef.secretAccessKeySecretRef.namespace"),
    f("auth.gcp.serviceAccountRef"),
    f("auth.gcp.serviceAccountRef.audiences"),
    f("auth.gcp.serviceAccountRef.name"),
    f("auth.gcp.serviceAccountRef.namespace"),
    f("auth.gcp.workloadIdentity"),
    f("auth.gcp.workloadIdentity.clusterLocation"),
    f("auth.gcp.workloadIdentity.clusterName"),
    f("auth.gcp.workloadIdentity.clusterProjectID"),
    f("auth.gcp.workloadIdentity.serviceAccountRef"),
    f("auth.gcp.workloadIdentity.serviceAccountRef.audiences"),
    f("auth.gcp.workloadIdentity.serviceAccountRef.name"),
    f("auth.gcp.workloadIdentity.serviceAccountRef.namespace"),
    f("auth.iam"),
    f("auth.iam.externalID"),
    f("auth.iam.jwt"),
    f("auth.iam.jwt.serviceAccountRef"),
    f("auth.iam.jwt.serviceAccountRef.audiences"),
    f("auth.iam.jwt.serviceAccountRef.name"),
    f("auth.iam.jwt.serviceAccountRef.namespace"),
    f("auth.iam.path"),
    f("auth.iam.region"),
    f("auth.iam.role"),
    f("auth.iam.secretRef"),
    f("auth.iam.secretRef.accessKeyIDSecretRef"),
    f("auth.iam.secretRef.accessKeyIDSecretRef.key"),
    f("auth.iam.secretRef.accessKeyIDSecretRef.name"),
    f("auth.iam.secretRef.accessKeyIDSecretRef.namespace"),
    f("auth.iam.secretRef.secretAccessKeySecretRef"),
    f("auth.iam.secretRef.secretAccessKeySecretRef.key"),
    f("auth.iam.secretRef.secretAccessKeySecretRef.name"),
    f("auth.iam.secretRef.secretAccessKeySecretRef.namespace"),
    f("auth.iam.secretRef.sessionTokenSecretRef"),
    f("auth.iam.secretRef.sessionTokenSecretRef.key"),
    f("auth.iam.secretRef.sessionTokenSecretRef.name"),
    f("auth.iam.secretRef.sessionTokenSecretRef.namespace"),
    f("auth.iam.vaultAwsIamServerID"),
    f("auth.iam.vaultRole"),
    f("auth.jwt"),
    f("auth.jwt.kubernetesServiceAccountToken"),
    f("auth.jwt.kubernetesServiceAccountToken.audiences"),
    f("auth.jwt.kubernetesServiceAccountToken.expirationSeconds"),
    f("auth.jwt.kubernetesServiceAccountToken.serviceAccountRef"),
    f("auth.jwt.kubernetesServiceAccountToken.serviceAccountRef.audiences"),
    f("auth.jwt.kubernetesServiceAccountToken.serviceAccountRef.name"),
    f("auth.jwt.kubernetesServiceAccountToken.serviceAccountRef.namespace"),
    s("auth.jwt.path", "jwt"),
    f("auth.jwt.role"),
    f("auth.jwt.secretRef"),
    f("auth.jwt.secretRef.key"),
    f("auth.jwt.secretRef.name"),
    f("auth.jwt.secretRef.namespace"),
    f("auth.kubernetes"),
    s("auth.kubernetes.mountPath", "kubernetes"),
    f("auth.kubernetes.role"),
    f("auth.kubernetes.secretRef"),
    f("auth.kubernetes.secretRef.key"),
    f("auth.kubernetes.secretRef.name"),
    f("auth.kubernetes.secretRef.namespace"),
    f("auth.kubernetes.serviceAccountRef"),
    f("auth.kubernetes.serviceAccountRef.audiences"),
    f("auth.kubernetes.serviceAccountRef.name"),
    f("auth.kubernetes.serviceAccountRef.namespace"),
    f("auth.ldap"),
    s("auth.ldap.path", "ldap"),
    f("auth.ldap.secretRef"),
    f("auth.ldap.secretRef.key"),
    f("auth.ldap.secretRef.name"),
    f("auth.ldap.secretRef.namespace"),
    f("auth.ldap.username"),
    f("auth.namespace"),
    f("auth.tokenSecretRef"),
    f("auth.tokenSecretRef.key"),
    f("auth.tokenSecretRef.name"),
    f("auth.tokenSecretRef.namespace"),
    f("auth.userPass"),
    s("auth.userPass.path", "userpass"),
    f("auth.userPass.secretRef"),
    f("auth.userPass.secretRef.key"),
    f("auth.userPass.secretRef.name"),
    f("auth.userPass.secretRef.namespace"),
    f("auth.userPass.username"),
    f("caBundle"),
    f("caProvider"),
    f("caProvider.key"),
    f("caProvider.name"),
    f("caProvider.namespace"),
    f("caProvider.type"),
    f("checkAndSet"),
    f("checkAndSet.required"),
    f("forwardInconsistent"),
    f("headers"),
    f("namespace"),
    f("path"),
    f("readYourWrites"),
    f("server"),
    f("tls"),
    f("tls.certSecretRef"),
    f("tls.certSecretRef.key"),
    f("tls.certSecretRef.name"),
    f("tls.certSecretRef.namespace"),
    f("tls.keySecretRef"),
    f("tls.keySecretRef.key"),
    f("tls.keySecretRef.name"),
    f("tls.keySecretRef.namespace"),
    s("version", "v2"),
];
