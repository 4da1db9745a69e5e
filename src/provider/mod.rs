//! Secret providers behind one interface. Each provider lives in its own
//! module and owns everything provider-specific: which settings it takes,
//! which platforms it supports and how it authenticates there, the store's
//! `provider` block, the ServiceAccount annotations, and the provider-side
//! policies scoped to the team prefix. Adding a provider means one module plus
//! one line in [`ProviderKind::ALL`] and a match arm in each dispatcher here.

pub mod aws_secrets_manager;

use std::collections::BTreeMap;

use crate::config::Platform;
use crate::config::types::{
    ClusterName, Located, NamespaceName, PathPrefix, ProviderName, Reason, TeamName,
};
use crate::diag::{Code, Diagnostic};
use crate::manifest::{eso, iam};
use crate::source::Span;

/// Provider kinds esogen knows by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ProviderKind {
    /// AWS Secrets Manager.
    AwsSecretsManager,
    /// AWS Systems Manager Parameter Store.
    AwsParameterStore,
    /// Google Cloud Secret Manager.
    GcpSecretManager,
    /// Azure Key Vault.
    AzureKeyVault,
    /// HashiCorp Vault.
    Vault,
    /// OpenBao.
    Openbao,
}

impl ProviderKind {
    /// Every kind with its `tenants.toml` spelling and whether this version
    /// generates it.
    pub const ALL: &'static [(ProviderKind, &'static str, bool)] = &[
        (ProviderKind::AwsSecretsManager, "aws-secrets-manager", true),
        (
            ProviderKind::AwsParameterStore,
            "aws-parameter-store",
            false,
        ),
        (ProviderKind::GcpSecretManager, "gcp-secret-manager", false),
        (ProviderKind::AzureKeyVault, "azure-key-vault", false),
        (ProviderKind::Vault, "vault", false),
        (ProviderKind::Openbao, "openbao", false),
    ];

    /// The `tenants.toml` spelling.
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(k, _, _)| *k == self)
            .map(|(_, n, _)| *n)
            .unwrap_or("unknown")
    }

    /// True when this version can generate stores for the kind.
    pub fn is_supported(self) -> bool {
        Self::ALL.iter().any(|(k, _, s)| *k == self && *s)
    }
}

/// The settings of one `[providers.NAME]` table, by key, before a provider
/// module validates them. Keys a module does not take are reported.
#[derive(Debug)]
pub struct Fields {
    table: Span,
    values: BTreeMap<&'static str, Located<String>>,
}

impl Fields {
    /// Settings of the table at `table`.
    pub fn new(table: Span, values: BTreeMap<&'static str, Located<String>>) -> Self {
        Self { table, values }
    }

    /// Takes an optional setting.
    pub fn take(&mut self, key: &str) -> Option<Located<String>> {
        self.values.remove(key)
    }

    /// Takes a required setting, or says it is missing.
    pub fn require(
        &mut self,
        key: &str,
        kind: ProviderKind,
        why: &str,
    ) -> Result<Located<String>, Box<Diagnostic>> {
        self.take(key).ok_or_else(|| {
            Box::new(
                Diagnostic::error(
                    Code::ProviderSetting,
                    format!("provider of kind `{}` needs `{key}`", kind.name()),
                )
                .at(&self.table)
                .help(why.to_owned()),
            )
        })
    }

    /// Reports every setting nobody took: it belongs to another kind.
    pub fn leftovers(self, kind: ProviderKind) -> Vec<Diagnostic> {
        self.values
            .into_iter()
            .map(|(key, v)| {
                Diagnostic::error(
                    Code::ProviderSetting,
                    format!(
                        "`{key}` is not a setting of provider kind `{}`",
                        kind.name()
                    ),
                )
                .at(&v.span)
                .help("remove it, or check the provider's `kind`")
            })
            .collect()
    }
}

/// Validated settings of one provider.
#[derive(Debug, Clone)]
pub enum ProviderSettings {
    /// AWS Secrets Manager.
    AwsSecretsManager(aws_secrets_manager::Settings),
}

impl ProviderSettings {
    /// Validates a provider table of `kind` for `platform`.
    pub fn parse(
        kind: Located<ProviderKind>,
        fields: Fields,
        platform: &Located<Platform>,
    ) -> Result<Self, Vec<Diagnostic>> {
        match kind.value {
            ProviderKind::AwsSecretsManager => {
                aws_secrets_manager::Settings::parse(fields, platform, &kind.span)
                    .map(Self::AwsSecretsManager)
            }
            other => Err(vec![
                Diagnostic::error(
                    Code::UnsupportedProvider,
                    format!("provider kind `{}` is not supported yet", other.name()),
                )
                .at(&kind.span)
                .help(format!("supported kinds: {}", supported_kinds().join(", "))),
            ]),
        }
    }

    /// The provider kind.
    pub fn kind(&self) -> ProviderKind {
        match self {
            Self::AwsSecretsManager(_) => ProviderKind::AwsSecretsManager,
        }
    }

    /// Checks that a team prefix can be expressed in this provider's names.
    pub fn check_prefix(&self, prefix: &PathPrefix) -> Result<(), Reason> {
        match self {
            Self::AwsSecretsManager(s) => s.check_prefix(prefix),
        }
    }

    /// Providers with the same key read from the same secret namespace (the
    /// same AWS account and region, say): teams on them must not overlap.
    pub fn overlap_scope(&self) -> String {
        match self {
            Self::AwsSecretsManager(s) => s.overlap_scope(),
        }
    }

    /// Decides the identity of one store: names, auth, and policy scope.
    pub fn plan_identity(&self, req: &IdentityRequest) -> Result<BackendPlan, Vec<Diagnostic>> {
        match self {
            Self::AwsSecretsManager(s) => s.plan_identity(req).map(BackendPlan::AwsSecretsManager),
        }
    }
}

/// The supported kind names, for help texts.
pub fn supported_kinds() -> Vec<&'static str> {
    ProviderKind::ALL
        .iter()
        .filter(|(_, _, s)| *s)
        .map(|(_, n, _)| *n)
        .collect()
}

/// Everything a provider needs to decide one store's identity.
#[derive(Debug, Clone)]
pub struct IdentityRequest<'a> {
    /// Cluster name.
    pub cluster: &'a ClusterName,
    /// Provider table name.
    pub provider: &'a ProviderName,
    /// Teams the store serves (one, except for a forced shared ClusterSecretStore).
    pub teams: Vec<&'a TeamName>,
    /// Namespace of the store's ServiceAccount.
    pub sa_namespace: &'a NamespaceName,
    /// Name of the store's ServiceAccount.
    pub sa_name: &'a str,
    /// Prefixes the identity may read, each with its span.
    pub prefixes: Vec<&'a Located<PathPrefix>>,
    /// Spans of the `find` searches the store serves, if any.
    pub finds: Vec<&'a Span>,
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
    /// One line saying what it is for.
    pub purpose: String,
    /// The document.
    pub document: PolicyDocument,
}

/// A provider-side policy document.
#[derive(Debug, Clone)]
pub enum PolicyDocument {
    /// AWS IAM JSON.
    Iam(iam::PolicyDocument),
}

/// The identity of one store, decided by its provider.
#[derive(Debug, Clone)]
pub enum BackendPlan {
    /// AWS Secrets Manager with IRSA.
    AwsSecretsManager(aws_secrets_manager::Identity),
}

impl BackendPlan {
    /// Annotations that give the store's ServiceAccount its provider identity.
    pub fn service_account_annotations(&self) -> BTreeMap<String, String> {
        match self {
            Self::AwsSecretsManager(i) => i.service_account_annotations(),
        }
    }

    /// The store's `spec.provider` block.
    pub fn store_provider(&self, sa: eso::ServiceAccountRef) -> eso::StoreProvider {
        match self {
            Self::AwsSecretsManager(i) => i.store_provider(sa),
        }
    }

    /// Provider-side policies for this identity.
    pub fn policy_files(&self, store_name: &str) -> Vec<PolicyFile> {
        match self {
            Self::AwsSecretsManager(i) => i.policy_files(store_name),
        }
    }

    /// The decisions behind this identity.
    pub fn decisions(&self) -> Vec<Decision> {
        match self {
            Self::AwsSecretsManager(i) => i.decisions(),
        }
    }

    /// Warnings and notes about this identity (such as account-wide listing).
    pub fn findings(&self) -> Vec<Diagnostic> {
        match self {
            Self::AwsSecretsManager(i) => i.findings(),
        }
    }

    /// A name that must be unique across stores (an IAM role ARN, say), with
    /// the span of the pattern that produced it.
    pub fn identity_key(&self) -> (String, Span) {
        match self {
            Self::AwsSecretsManager(i) => (i.role_arn.clone(), i.role_name_span.clone()),
        }
    }

    /// Every resource the identity's permission policies grant, for checks
    /// and tests that assert nothing escapes the prefix.
    pub fn granted_resources(&self) -> Vec<String> {
        match self {
            Self::AwsSecretsManager(i) => i.granted_resources(),
        }
    }
}
