//! How the provider side of an identity (the IAM role, the bindings, the
//! Vault policy) reaches the provider: as documents a person applies by
//! hand, as objects a Kubernetes controller reconciles (synced by the same
//! Argo CD or Flux objects as the rest, and pruned with them), or as a
//! Terraform root module.

use std::fmt;

/// The `delivery = "..."` setting of a provider table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Delivery {
    /// Documents under `policies/<namespace>/`, applied by hand.
    Files,
    /// A Terraform / OpenTofu root module under `terraform/`.
    Terraform,
    /// AWS Controllers for Kubernetes, IAM controller (`iam.services.k8s.aws`).
    Ack,
    /// Crossplane: the Upbound AWS provider (`iam.aws.upbound.io`) or the
    /// Vault provider (`*.vault.upbound.io`), by provider kind.
    Crossplane,
    /// Google Config Connector (`iam.cnrm.cloud.google.com`).
    ConfigConnector,
    /// Azure Service Operator v2 (`managedidentity.azure.com`,
    /// `authorization.azure.com`).
    AzureServiceOperator,
    /// The Red Hat Community of Practice vault-config-operator
    /// (`redhatcop.redhat.io`).
    VaultConfigOperator,
}

/// Every delivery, in the order help texts list them.
pub const ALL: &[Delivery] = &[
    Delivery::Files,
    Delivery::Terraform,
    Delivery::Ack,
    Delivery::Crossplane,
    Delivery::ConfigConnector,
    Delivery::AzureServiceOperator,
    Delivery::VaultConfigOperator,
];

impl Delivery {
    /// The spelling in `tenants.toml`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Files => "files",
            Self::Terraform => "terraform",
            Self::Ack => "ack",
            Self::Crossplane => "crossplane",
            Self::ConfigConnector => "config-connector",
            Self::AzureServiceOperator => "azure-service-operator",
            Self::VaultConfigOperator => "vault-config-operator",
        }
    }

    /// Reads a spelling.
    pub fn parse(s: &str) -> Option<Self> {
        ALL.iter().copied().find(|d| d.name() == s)
    }

    /// One line for `esogen init` and the README: what the choice means.
    pub fn describe(self) -> &'static str {
        match self {
            Self::Files => {
                "documents under policies/<namespace>/ that a person applies with the cloud CLI (the default)"
            }
            Self::Terraform => {
                "a Terraform / OpenTofu root module under terraform/, one file per namespace; CI or a person runs plan and apply"
            }
            Self::Ack => {
                "IAM Role objects the ACK IAM controller reconciles, synced and pruned by Argo CD / Flux"
            }
            Self::Crossplane => {
                "Crossplane managed resources (AWS or Vault provider), synced and pruned by Argo CD / Flux"
            }
            Self::ConfigConnector => {
                "Config Connector IAM objects, synced and pruned by Argo CD / Flux"
            }
            Self::AzureServiceOperator => {
                "Azure Service Operator federated credentials on the existing managed identities, synced and pruned by Argo CD / Flux"
            }
            Self::VaultConfigOperator => {
                "vault-config-operator Policy and KubernetesAuthEngineRole objects, synced and pruned by Argo CD / Flux"
            }
        }
    }

    /// True when a Kubernetes controller applies the provider side: the
    /// objects go to `bases/access/`, delivered by the platform's GitOps
    /// objects, never by a tenant overlay.
    pub fn is_controller(self) -> bool {
        !matches!(self, Self::Files | Self::Terraform)
    }
}

impl fmt::Display for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What a backend needs to place its provider-side objects.
#[derive(Debug, Clone, Copy)]
pub struct AccessContext<'a> {
    /// The cluster's name.
    pub cluster: &'a str,
    /// The store's name (the provider table's name).
    pub store_name: &'a str,
    /// The namespace of the store's ServiceAccount.
    pub home_namespace: &'a str,
    /// The platform namespace where namespaced controller objects live
    /// (never a tenant namespace).
    pub access_namespace: &'a str,
}

impl AccessContext<'_> {
    /// A name for this store's objects, unique in the cluster:
    /// `<home namespace>.<store>` (neither part can hold a `.`).
    pub fn object_name(&self) -> String {
        format!("{}.{}", self.home_namespace, self.store_name)
    }

    /// The file of this store's controller objects.
    pub fn access_path(&self) -> String {
        format!("bases/access/{}.yaml", self.object_name())
    }

    /// The file of this store's Terraform resources.
    pub fn terraform_path(&self) -> String {
        format!("terraform/{}.tf.json", self.object_name())
    }

    /// A Terraform resource name for this store's resources, stable as long
    /// as the namespace and store keep their names: `<namespace>__<store>`
    /// (neither part can hold a `_`), with a leading `_` when the namespace
    /// starts with a digit, as Kubernetes allows and Terraform identifiers
    /// do not.
    pub fn terraform_name(&self) -> String {
        let lead = if self
            .home_namespace
            .starts_with(|c: char| c.is_ascii_digit())
        {
            "_"
        } else {
            ""
        };
        format!("{lead}{}__{}", self.home_namespace, self.store_name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Terraform identifiers start with a letter or `_`, never a digit; the
    /// names stay distinct.
    #[test]
    fn terraform_names_are_identifiers() {
        let ctx = |ns| AccessContext {
            cluster: "c",
            store_name: "aws",
            home_namespace: ns,
            access_namespace: "external-secrets",
        };
        assert_eq!(ctx("payments").terraform_name(), "payments__aws");
        assert_eq!(ctx("1team").terraform_name(), "_1team__aws");
        assert_ne!(
            ctx("n1team").terraform_name(),
            ctx("1team").terraform_name()
        );
    }

    #[test]
    fn every_spelling_reads_back() {
        for d in ALL {
            assert_eq!(Delivery::parse(d.name()), Some(*d));
        }
        assert_eq!(Delivery::parse("File"), None);
    }
}
