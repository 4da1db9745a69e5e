//! The provider side of a Vault / OpenBao identity as vault-config-operator
//! objects, or as Terraform resources of the `hashicorp/vault` provider
//! (which OpenBao speaks too). Both carry exactly the documents
//! `policies/<ns>/` holds with the `files` delivery: the ACL policy and the
//! Kubernetes auth role.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diag::{Code, Diagnostic};
use crate::manifest::access::AccessObject;
use crate::manifest::access::vault_config_operator as vco;
use crate::manifest::gitops::managed_labels;
use crate::manifest::k8s::ObjectMeta;
use crate::manifest::policy::{VaultPolicy, VaultRole};
use crate::manifest::terraform::{TfFragment, TfProvider, TfResource, TfVariable};
use crate::provider::hcl::write_policy;

use super::super::{AccessContext, Delivery};
use super::VaultIdentity;

/// The role document's arguments in the typed form controllers and
/// Terraform take (the TTL in seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
struct RoleArgs {
    names: Vec<String>,
    namespaces: Vec<String>,
    audience: String,
    policies: Vec<String>,
    ttl_seconds: u64,
}

/// A Vault duration (`15m`, `1h30m`, `90s`, or bare seconds) in seconds;
/// `None` for anything else.
pub fn duration_seconds(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse().ok();
    }
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return None,
        };
        let n: u64 = std::mem::take(&mut digits).parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    digits.is_empty().then_some(total)
}

/// A string Terraform takes literally: its JSON syntax reads `${` and `%{`
/// in every string as template sequences, `$${` and `%%{` as the text.
fn tf_literal(s: &str) -> String {
    s.replace("${", "$${").replace("%{", "%%{")
}

/// `vault_policy`.
#[derive(Serialize)]
struct TfPolicy {
    name: String,
    policy: String,
}

/// `vault_kubernetes_auth_backend_role`.
#[derive(Serialize)]
struct TfAuthRole {
    backend: String,
    role_name: String,
    bound_service_account_names: Vec<String>,
    bound_service_account_namespaces: Vec<String>,
    audience: String,
    token_policies: Vec<String>,
    token_ttl: u64,
}

impl VaultIdentity {
    fn product(&self) -> &'static str {
        if self.kind == "openbao" {
            "OpenBao"
        } else {
            "Vault"
        }
    }

    /// Every field of the role document, mapped. The destructuring is
    /// exhaustive on purpose: a field added to [`VaultRole`] does not
    /// compile here until it is carried, so no restriction is dropped
    /// silently. An error names what cannot be carried.
    fn role_args(&self) -> Result<RoleArgs, String> {
        let VaultRole {
            bound_service_account_names,
            bound_service_account_namespaces,
            audience,
            token_policies,
            token_ttl,
        } = self.role_document();
        let ttl_seconds = duration_seconds(&token_ttl)
            .ok_or_else(|| format!("the role's `token_ttl = \"{token_ttl}\"` is not a duration in seconds, minutes, hours or days"))?;
        Ok(RoleArgs {
            names: bound_service_account_names,
            namespaces: bound_service_account_namespaces,
            audience,
            policies: token_policies,
            ttl_seconds,
        })
    }

    /// The policy as controllers and Terraform hand it to Vault: the rules
    /// of the `files` policy, with its description but not its "apply with"
    /// line.
    fn policy_text(&self) -> String {
        let p = self.policy();
        let mut comments: Vec<String> = p.comments.into_iter().take(1).collect();
        comments.push(
            "written by esogen: change the tenants file and regenerate, not this policy".into(),
        );
        write_policy(
            "",
            &VaultPolicy {
                comments,
                rules: p.rules,
            },
        )
    }

    /// The vault-config-operator `Policy` and `KubernetesAuthEngineRole`.
    pub(super) fn operator_objects(&self, ctx: &AccessContext) -> Vec<AccessObject> {
        // Both are refused by `check_delivery` before anything is built.
        let (Some(op), Ok(role)) = (&self.operator, self.role_args()) else {
            return Vec::new();
        };
        let authentication = vco::Authentication {
            path: op.mount.clone(),
            role: op.role.clone(),
            service_account: vco::LocalObjectReference {
                name: op.service_account.clone(),
            },
            namespace: self.namespace.clone(),
        };
        let connection = vco::Connection {
            address: self.server.clone(),
        };
        let metadata = || ObjectMeta {
            name: ctx.object_name(),
            namespace: Some(ctx.access_namespace.to_owned()),
            labels: managed_labels(),
            annotations: BTreeMap::new(),
        };
        let policy = vco::PolicySpec {
            authentication: authentication.clone(),
            connection: connection.clone(),
            name: self.role.clone(),
            ty: "acl",
            policy: self.policy_text(),
        };
        let auth_role = vco::KubernetesAuthEngineRoleSpec {
            authentication,
            connection,
            path: self.auth_mount.clone(),
            name: self.role.clone(),
            target_service_accounts: role.names,
            target_namespaces: vco::TargetNamespaces {
                target_namespaces: role.namespaces,
            },
            policies: role.policies,
            audience: role.audience,
            token_ttl: role.ttl_seconds,
        };
        vec![
            AccessObject::new(vco::API_VERSION, "Policy", metadata(), &policy),
            AccessObject::new(
                vco::API_VERSION,
                "KubernetesAuthEngineRole",
                metadata(),
                &auth_role,
            ),
        ]
    }

    /// The Terraform variable holding the server's address, one per
    /// provider table.
    fn address_variable(ctx: &AccessContext) -> String {
        format!("{}_vault_address", ctx.store_name.replace('-', "_"))
    }

    /// The Terraform resources: the policy and the role, on the provider
    /// configuration of this table (its address a variable, its Vault
    /// Enterprise / OpenBao namespace fixed).
    pub(super) fn terraform_fragment(&self, ctx: &AccessContext) -> TfFragment {
        let Ok(role) = self.role_args() else {
            // Refused by `check_delivery` before anything is built.
            return TfFragment::default();
        };
        let variable = Self::address_variable(ctx);
        let mut config = serde_json::Map::new();
        config.insert("address".into(), format!("${{var.{variable}}}").into());
        if let Some(ns) = &self.namespace {
            config.insert("namespace".into(), tf_literal(ns).into());
        }
        let provider = TfProvider {
            name: "vault",
            source: "hashicorp/vault",
            version: ">= 4.0",
            alias: ctx.store_name.to_owned(),
            config,
        };
        let reference = provider.reference();
        let name = ctx.terraform_name();
        let policy = TfResource::new(
            "vault_policy",
            name.clone(),
            &reference,
            &TfPolicy {
                name: self.role.clone(),
                policy: tf_literal(&self.policy_text()),
            },
        );
        // The role names the policy resource's `name`: the same text, and
        // Terraform creates the policy first and destroys it last.
        let policies = role
            .policies
            .iter()
            .map(|p| {
                if *p == self.role {
                    policy.attr("name")
                } else {
                    tf_literal(p)
                }
            })
            .collect();
        let auth_role = TfResource::new(
            "vault_kubernetes_auth_backend_role",
            name,
            &reference,
            &TfAuthRole {
                backend: self.auth_mount.clone(),
                role_name: self.role.clone(),
                bound_service_account_names: role.names,
                bound_service_account_namespaces: role.namespaces,
                audience: role.audience,
                token_policies: policies,
                token_ttl: role.ttl_seconds,
            },
        );
        TfFragment {
            providers: vec![provider],
            variables: vec![TfVariable {
                name: variable,
                description: format!(
                    "address of the {} server of provider table `{}` as Terraform reaches it (ESO uses {})",
                    self.product(),
                    ctx.store_name,
                    self.server
                ),
                ty: "string",
            }],
            resources: vec![policy, auth_role],
            ..TfFragment::default()
        }
    }

    /// Errors when `delivery` cannot apply this identity exactly.
    pub(super) fn check_delivery(&self, delivery: Delivery) -> Vec<Diagnostic> {
        if !matches!(
            delivery,
            Delivery::VaultConfigOperator | Delivery::Terraform
        ) {
            return Vec::new();
        }
        let mut out = Vec::new();
        if let Err(why) = self.role_args() {
            out.push(
                Diagnostic::error(
                    Code::ProviderSetting,
                    format!(
                        "`delivery = \"{delivery}\"` cannot carry this Vault role exactly: {why}"
                    ),
                )
                .at_labelled(&self.span, "role chosen here")
                .help("use `delivery = \"files\"`; esogen never drops a restriction of the role"),
            );
        }
        if delivery == Delivery::VaultConfigOperator && self.operator.is_none() {
            out.push(
                Diagnostic::error(
                    Code::ProviderSetting,
                    "`delivery = \"vault-config-operator\"` needs `operator_auth_role`",
                )
                .at(&self.span),
            );
        }
        out
    }

    /// How to check that `delivery` applied this identity.
    pub(super) fn checks(&self, delivery: Delivery, ctx: &AccessContext) -> Vec<String> {
        match delivery {
            Delivery::VaultConfigOperator => ["policies", "kubernetesauthengineroles"]
                .iter()
                .map(|plural| {
                    format!(
                        "kubectl -n {} get {plural}.redhatcop.redhat.io {} -o jsonpath='{{.status.conditions[?(@.type==\"ReconcileSuccessful\")].status}}'   # True",
                        ctx.access_namespace,
                        ctx.object_name()
                    )
                })
                .collect(),
            Delivery::Terraform => ["vault_policy", "vault_kubernetes_auth_backend_role"]
                .iter()
                .map(|kind| {
                    format!(
                        "terraform -chdir=terraform state show {kind}.{}",
                        ctx.terraform_name()
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_seconds("15m"), Some(900));
        assert_eq!(duration_seconds("1h30m"), Some(5400));
        assert_eq!(duration_seconds("90"), Some(90));
        assert_eq!(duration_seconds("2d"), Some(172_800));
        assert_eq!(duration_seconds(""), None);
        assert_eq!(duration_seconds("15"), Some(15));
        assert_eq!(duration_seconds("m"), None);
        assert_eq!(duration_seconds("15x"), None);
        assert_eq!(duration_seconds("1h5"), None);
        assert_eq!(duration_seconds("99999999999999999999h"), None);
    }

    #[test]
    fn terraform_literals() {
        assert_eq!(tf_literal("a ${b} %{c} $d"), "a $${b} %%{c} $d");
    }

    #[test]
    fn the_files_token_ttl_is_a_duration() {
        assert_eq!(duration_seconds(super::super::TOKEN_TTL), Some(900));
    }

    fn identity() -> VaultIdentity {
        VaultIdentity {
            kind: "vault",
            server: "https://vault.example".into(),
            mount: "secret".into(),
            auth_mount: "kubernetes".into(),
            version: super::super::KvVersion::V2,
            audience: "vault".into(),
            namespace: None,
            role: "eso-a".into(),
            span: crate::source::Span::new(0, 0..0),
            sa_namespace: "a".into(),
            sa_name: "eso-v".into(),
            prefixes: vec!["prod/a/".into()],
            finds: false,
            pushes: false,
            operator: Some(super::super::OperatorAuth {
                role: "vco".into(),
                mount: "kubernetes".into(),
                service_account: "vault-config-operator".into(),
            }),
            token_ttl: super::super::TOKEN_TTL,
        }
    }

    #[test]
    fn a_role_field_that_cannot_be_carried_refuses_the_delivery() {
        let ok = identity();
        assert!(ok.check_delivery(Delivery::VaultConfigOperator).is_empty());
        assert!(ok.check_delivery(Delivery::Terraform).is_empty());
        let bad = VaultIdentity {
            token_ttl: "15 minutes",
            ..identity()
        };
        for d in [Delivery::VaultConfigOperator, Delivery::Terraform] {
            let errors = bad.check_delivery(d);
            assert_eq!(errors.len(), 1, "{d}");
            assert!(errors[0].is_error());
            assert!(
                errors[0].message.contains("token_ttl"),
                "{}",
                errors[0].message
            );
        }
        // Nothing is built from a role that cannot be carried.
        let ctx = AccessContext {
            cluster: "c",
            store_name: "v",
            home_namespace: "a",
            access_namespace: "external-secrets",
        };
        assert!(bad.operator_objects(&ctx).is_empty());
        assert!(bad.terraform_fragment(&ctx).resources.is_empty());
        assert!(bad.check_delivery(Delivery::Files).is_empty());
    }

    #[test]
    fn the_operator_delivery_needs_the_operators_login() {
        let no_login = VaultIdentity {
            operator: None,
            ..identity()
        };
        let errors = no_login.check_delivery(Delivery::VaultConfigOperator);
        assert_eq!(errors.len(), 1);
        assert!(errors[0].message.contains("operator_auth_role"));
        assert!(no_login.check_delivery(Delivery::Terraform).is_empty());
    }
}
