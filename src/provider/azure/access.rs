//! The provider side of an Azure identity as Terraform resources or as
//! objects Azure Service Operator reconciles. Both carry exactly the
//! documents `policies/<ns>/` holds in the `files` delivery: the federated
//! credential (workload identity) and the custom role with its assignment
//! on the vault.
//!
//! The managed identity itself is referenced, never created, by both: the
//! ServiceAccount carries its client id (`client_id`, an input), and Azure
//! chooses a client id only when it creates an identity, so an identity
//! created here would not be the one the store authenticates as. Its
//! resource id (`identity_resource_id`) names it for the credential's
//! parent; pruning removes the credential and the assignment, never the
//! identity.
//!
//! Azure Service Operator delivers the federated credential only. The
//! assignments need esogen's custom role (the built-in Key Vault roles hold
//! more than ESO calls), ASO's `RoleDefinition` kind is not among the CRDs
//! esogen validates against, and `az role definition create` (the `files`
//! delivery) gives the role a random id an ASO `RoleAssignment` could not
//! name: such stores are refused with `azure-service-operator`, pointing at
//! `terraform` or `files`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diag::{Code, Diagnostic};
use crate::manifest::access::{AccessObject, aso};
use crate::manifest::gitops::managed_labels;
use crate::manifest::k8s::ObjectMeta;
use crate::manifest::terraform::{TfFragment, TfProvider, TfResource};

use super::super::{AccessContext, AuthMode, Delivery};
use super::{AzureIdentity, ROLE_DESCRIPTION, RoleGrant};

/// The azurerm provider. Its 5.0 upgrade guide: on
/// `azurerm_federated_identity_credential` "the deprecated `parent_id`
/// property has been removed in favour of the `user_assigned_identity_id`
/// property" (and `resource_group_name` went with it), so the arguments
/// written here are 5.x's. azurerm serialises credential writes per
/// identity (PR #20003): Azure refuses concurrent ones.
pub const AZURERM: (&str, &str) = ("hashicorp/azurerm", "~> 5.0");
/// The azuread provider: 3.x's `azuread_service_principal` data source
/// looks a service principal up by `client_id` and exports `object_id` and
/// `alternative_names` ("full resource ids for managed identities"). A
/// service principal running Terraform needs `Application.Read.All` or
/// `Directory.Read.All` for it; a user needs nothing more.
pub const AZUREAD: (&str, &str) = ("hashicorp/azuread", "~> 3.0");
/// The principal type of every assignment: a managed identity or an app,
/// both service principals. Saying so spares Azure a directory lookup that
/// fails for principals created moments before.
const PRINCIPAL_TYPE: &str = "ServicePrincipal";

/// Azure's rule for a federated credential's name (the ARM API's and ASO's
/// `azureName` pattern): `^[a-zA-Z0-9][a-zA-Z0-9-_]{2,119}$`.
fn valid_credential_name(name: &str) -> bool {
    (3..=120).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// A Terraform name for a value that may hold any character: letters,
/// digits and `-` kept, every other character (`_` too) written `_<hex>_`,
/// so two different values never share a name.
fn tf_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '-' {
            out.push(c);
        } else {
            out.push_str(&format!("_{:x}_", u32::from(c)));
        }
    }
    out
}

/// `azurerm_federated_identity_credential`.
#[derive(Serialize)]
struct TfFederatedCredential {
    name: String,
    user_assigned_identity_id: String,
    audience: Vec<String>,
    issuer: String,
    subject: String,
    lifecycle: TfLifecycle,
}

/// A `lifecycle` block holding preconditions.
#[derive(Serialize)]
struct TfLifecycle {
    precondition: Vec<TfCondition>,
}

/// One condition and what to say when it fails.
#[derive(Serialize)]
struct TfCondition {
    condition: String,
    error_message: String,
}

/// `data.azuread_service_principal`: the identity's service principal, by
/// client id, as `az role assignment create --assignee <client id>` finds it.
#[derive(Serialize)]
struct TfServicePrincipal {
    client_id: String,
}

/// `azurerm_role_definition`.
#[derive(Serialize)]
struct TfRoleDefinition {
    name: String,
    scope: String,
    description: &'static str,
    permissions: Vec<TfPermissions>,
    assignable_scopes: Vec<String>,
}

/// A role definition's `permissions` block: data actions only.
#[derive(Serialize)]
struct TfPermissions {
    data_actions: Vec<String>,
}

/// `azurerm_role_assignment`.
#[derive(Serialize)]
struct TfRoleAssignment {
    scope: String,
    role_definition_id: String,
    principal_id: String,
    principal_type: &'static str,
    description: String,
}

impl RoleGrant {
    /// The Terraform name of the custom role: one per role and resource
    /// group, shared by every store that assigns it there.
    fn terraform_name(&self) -> String {
        let role: String = self
            .role
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '_'
                }
            })
            .collect::<String>()
            .split('_')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join("_");
        let (sub, group) = self
            .group_scope
            .strip_prefix("/subscriptions/")
            .and_then(|rest| rest.split_once("/resourceGroups/"))
            .unwrap_or(("", &self.group_scope));
        format!("{role}__{}__{}", tf_escape(sub), tf_escape(group))
    }
}

impl AzureIdentity {
    fn description(ctx: &AccessContext) -> String {
        format!(
            "esogen: ESO store {} in namespace {} of cluster {}",
            ctx.store_name, ctx.home_namespace, ctx.cluster
        )
    }

    /// The subscription the Terraform provider configuration is pinned to:
    /// the vaults' when role assignments are written, else the identity's.
    fn terraform_subscription(&self) -> Option<&str> {
        self.role_scope
            .as_ref()
            .map(|(sub, _)| sub.as_str())
            .or_else(|| self.identity.as_ref().map(|i| i.subscription.as_str()))
    }

    /// The ASO `FederatedIdentityCredential` of a workload identity, a child
    /// of the existing managed identity named by its resource id.
    pub(super) fn aso_objects(&self, ctx: &AccessContext) -> Vec<AccessObject> {
        let (Some(credential), Some(identity)) = (self.federated_credential(), &self.identity)
        else {
            return Vec::new();
        };
        let spec = aso::FederatedIdentityCredentialSpec {
            azure_name: credential.name,
            owner: aso::ArmOwner {
                arm_id: identity.resource_id(),
            },
            issuer: credential.issuer,
            subject: credential.subject,
            audiences: credential.audiences,
        };
        let metadata = ObjectMeta {
            name: ctx.object_name(),
            namespace: Some(ctx.access_namespace.to_owned()),
            labels: managed_labels(),
            annotations: BTreeMap::from([(
                aso::RECONCILE_POLICY.to_owned(),
                aso::MANAGE.to_owned(),
            )]),
        };
        vec![AccessObject::new(
            aso::MANAGED_IDENTITY_API,
            "FederatedIdentityCredential",
            metadata,
            &spec,
        )]
    }

    /// The Terraform resources: the federated credential on the existing
    /// identity (checked, before it is written, to be the identity of
    /// `client_id`), and the assignment of the custom role on the vault to
    /// the identity's service principal; the role itself is shared by the
    /// stores of its resource group, in `main.tf.json`.
    pub(super) fn terraform_fragment(&self, ctx: &AccessContext) -> TfFragment {
        let Some(subscription) = self.terraform_subscription() else {
            return TfFragment::default();
        };
        let azurerm = TfProvider {
            name: "azurerm",
            source: AZURERM.0,
            version: AZURERM.1,
            alias: ctx.store_name.to_owned(),
            config: serde_json::Map::from_iter([
                (
                    "features".to_owned(),
                    serde_json::Value::Object(serde_json::Map::new()),
                ),
                ("subscription_id".to_owned(), subscription.into()),
                ("tenant_id".to_owned(), self.tenant_id.clone().into()),
            ]),
        };
        let rm = azurerm.reference();
        let name = ctx.terraform_name();
        let mut out = TfFragment {
            providers: vec![azurerm],
            ..TfFragment::default()
        };
        let Some(client) = &self.client_id else {
            return out;
        };
        let azuread = TfProvider {
            name: "azuread",
            source: AZUREAD.0,
            version: AZUREAD.1,
            alias: ctx.store_name.to_owned(),
            config: serde_json::Map::from_iter([(
                "tenant_id".to_owned(),
                self.tenant_id.clone().into(),
            )]),
        };
        let principal = TfResource::new(
            "azuread_service_principal",
            name.clone(),
            &azuread.reference(),
            &TfServicePrincipal {
                client_id: client.clone(),
            },
        );
        out.providers.push(azuread);
        if let (Some(credential), Some(identity)) = (self.federated_credential(), &self.identity) {
            let id = identity.resource_id();
            out.resources.push(TfResource::new(
                "azurerm_federated_identity_credential",
                name.clone(),
                &rm,
                &TfFederatedCredential {
                    name: credential.name,
                    user_assigned_identity_id: id.clone(),
                    audience: credential.audiences,
                    issuer: credential.issuer,
                    subject: credential.subject,
                    lifecycle: TfLifecycle {
                        precondition: vec![TfCondition {
                            // A managed identity's service principal lists
                            // the identity's resource id among its
                            // alternative names (ARM ids ignore case).
                            condition: format!(
                                "${{contains([for n in data.azuread_service_principal.{name}.alternative_names : lower(n)], \"{}\")}}",
                                id.to_ascii_lowercase()
                            ),
                            error_message: format!(
                                "The managed identity {id} (identity_resource_id in tenants.toml) is not the one whose client id is {client} (client_id): the federated credential would let the ServiceAccount act as another identity."
                            ),
                        }],
                    },
                },
            ));
        }
        if let Some(grant) = self.role_grant() {
            let definition = TfResource::new(
                "azurerm_role_definition",
                grant.terraform_name(),
                &rm,
                &TfRoleDefinition {
                    name: grant.role.clone(),
                    scope: grant.group_scope.clone(),
                    description: ROLE_DESCRIPTION,
                    permissions: vec![TfPermissions {
                        data_actions: grant.data_actions.clone(),
                    }],
                    assignable_scopes: vec![grant.group_scope.clone()],
                },
            );
            out.resources.push(TfResource::new(
                "azurerm_role_assignment",
                name,
                &rm,
                &TfRoleAssignment {
                    scope: grant.vault_scope,
                    role_definition_id: definition.attr("role_definition_resource_id"),
                    principal_id: principal.data_attr("object_id"),
                    principal_type: PRINCIPAL_TYPE,
                    description: Self::description(ctx),
                },
            ));
            out.shared.push(definition);
        }
        out.data.push(principal);
        out
    }

    /// Errors when `delivery` cannot apply this identity.
    pub(super) fn check_delivery(&self, delivery: Delivery) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let name = delivery.name();
        match (delivery, &self.auth) {
            (Delivery::Terraform | Delivery::AzureServiceOperator, AuthMode::Platform) => {
                if self.identity.is_none() {
                    let mut d = Diagnostic::error(
                        Code::ProviderSetting,
                        format!(
                            "`delivery = \"{name}\"` adds the federated credential to the managed identity, and `identity_resource_id` does not name it"
                        ),
                    )
                    .help(format!(
                        "set `identity_resource_id` to `az identity show --query id -o tsv` of the user-assigned identity whose client id is `{}`; esogen references it and never creates or deletes it",
                        self.client_id.as_deref().unwrap_or_default()
                    ));
                    if let Some(span) = &self.client_span {
                        d = d.also(span, "the identity's client id");
                    }
                    out.push(d);
                }
                if let Some(credential) = self.federated_credential()
                    && !valid_credential_name(&credential.name)
                {
                    out.push(
                        Diagnostic::error(
                            Code::ProviderSetting,
                            format!(
                                "the federated credential name `{}` is not one Azure accepts",
                                credential.name
                            ),
                        )
                        .help("Azure takes 3 to 120 letters, digits, `-` and `_` (`esogen-<cluster>-<namespace>-<serviceaccount>`): shorten the cluster, namespace or provider table name"),
                    );
                }
            }
            (Delivery::Terraform, AuthMode::Static { secret }) if self.role_grant().is_none() => {
                out.push(
                    Diagnostic::error(
                        Code::ProviderSetting,
                        "`delivery = \"terraform\"` has nothing to apply: a store with static credentials has no federated credential, and no role assignment is written without `subscription_id`, `resource_group` and `client_id`",
                    )
                    .also(&secret.span, "static credentials chosen here")
                    .help("set `subscription_id`, `resource_group` and the service principal's `client_id` to assign its role with Terraform, or remove `delivery`"),
                );
            }
            (Delivery::AzureServiceOperator, AuthMode::Static { secret }) => {
                out.push(
                    Diagnostic::error(
                        Code::ProviderSetting,
                        "`delivery = \"azure-service-operator\"` adds federated credentials to managed identities, and this store authenticates with a service principal's secret",
                    )
                    .also(&secret.span, "static credentials chosen here")
                    .help("use `delivery = \"terraform\"` (it assigns the service principal its role) or `files`, or workload identity on AKS"),
                );
            }
            _ => {}
        }
        if delivery == Delivery::AzureServiceOperator
            && let Some(grant) = self.role_grant()
        {
            let mut d = Diagnostic::error(
                Code::ProviderSetting,
                format!(
                    "`delivery = \"azure-service-operator\"` cannot create the custom role `{}` its role assignment needs",
                    grant.role
                ),
            )
            .help("ASO's RoleDefinition kind is not among the CRDs esogen validates against, and the role created by `az role definition create` gets a random id no RoleAssignment object could name: use `delivery = \"terraform\"` (it creates the role and assigns it) or `files`; or remove `subscription_id` and `resource_group` to deliver only the federated credential with ASO and assign the vault's role yourself");
            if let Some(span) = &self.role_scope_span {
                d = d.also(span, "role assignments asked for here");
            }
            out.push(d);
        }
        out
    }

    /// How to check that `delivery` applied this identity.
    pub(super) fn checks(&self, delivery: Delivery, ctx: &AccessContext) -> Vec<String> {
        let mut out = Vec::new();
        let credential = self.federated_credential();
        match delivery {
            Delivery::AzureServiceOperator => {
                out.push(format!(
                    "kubectl -n {} get federatedidentitycredentials.managedidentity.azure.com {} -o jsonpath='{{.status.conditions}}'   # Ready is True",
                    ctx.access_namespace,
                    ctx.object_name()
                ));
            }
            Delivery::Terraform => {
                let name = ctx.terraform_name();
                if credential.is_some() {
                    out.push(format!(
                        "terraform -chdir=terraform state show azurerm_federated_identity_credential.{name}"
                    ));
                }
                if self.role_grant().is_some() {
                    out.push(format!(
                        "terraform -chdir=terraform state show azurerm_role_assignment.{name}"
                    ));
                }
            }
            _ => return out,
        }
        if let (Some(credential), Some(identity)) = (credential, &self.identity) {
            out.push(format!(
                "az identity federated-credential show --name {} --identity-name {} --resource-group {} --subscription {}",
                credential.name, identity.name, identity.group, identity.subscription
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_names_follow_azure() {
        assert!(valid_credential_name("esogen-prod-web-eso-kv"));
        assert!(!valid_credential_name("-esogen"));
        assert!(!valid_credential_name("ab"));
        assert!(!valid_credential_name(&"a".repeat(121)));
        assert!(valid_credential_name(&"a".repeat(120)));
        assert!(!valid_credential_name("esogen.x"));
    }

    #[test]
    fn escaped_names_are_distinct_and_valid() {
        assert_eq!(tf_escape("rg-a"), "rg-a");
        assert_ne!(tf_escape("rg.a"), tf_escape("rg_a"));
        assert_ne!(tf_escape("rg_2e_a"), tf_escape("rg.a"));
        assert_eq!(tf_escape("/s/x"), "_2f_s_2f_x");
    }
}
