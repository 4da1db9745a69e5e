//! The identity of one AWS store: what its ServiceAccount carries, how its
//! store authenticates, and what esogen tells the user about it.

use std::collections::BTreeMap;

use crate::config::types::Located;
use crate::diag::{Code, Diagnostic};
use crate::manifest::eso;
use crate::manifest::policy::PolicyDocument;
use crate::source::Span;

use super::super::{
    AccessContext, AuthMode, Backend, Decision, Delivery, PolicyFile, StoreContext, static_decision,
};
use super::{ROLE_ARN_ANNOTATION, STATIC_KEYS, STS_AUDIENCE, Service};

/// The IAM role of an IRSA identity.
#[derive(Debug, Clone, Hash)]
pub(super) struct Role {
    pub(super) name: String,
    pub(super) arn: String,
    pub(super) span: Span,
    pub(super) oidc_provider: String,
}

/// The identity of one AWS store.
#[derive(Debug, Hash)]
pub struct AwsIdentity {
    pub(super) service: Service,
    pub(super) region: String,
    pub(super) account_id: String,
    pub(super) partition: &'static str,
    pub(super) auth: AuthMode,
    pub(super) role: Option<Role>,
    pub(super) sa_namespace: String,
    pub(super) sa_name: String,
    pub(super) resources: Vec<String>,
    /// Find paths as emitted in the ExternalSecrets.
    pub(super) finds: Vec<Located<String>>,
    pub(super) pushes: bool,
    pub(super) reads_keys: bool,
    pub(super) kms_keys: Vec<String>,
}

impl AwsIdentity {
    pub(super) fn principal(&self) -> String {
        match &self.role {
            Some(r) => format!("IAM role `{}`", r.name),
            None => "the IAM user of the static keys".to_owned(),
        }
    }
}

impl Backend for AwsIdentity {
    fn service_account_annotations(&self) -> BTreeMap<String, String> {
        match &self.role {
            Some(r) => BTreeMap::from([(ROLE_ARN_ANNOTATION.to_owned(), r.arn.clone())]),
            None => BTreeMap::new(),
        }
    }

    fn uses_service_account(&self) -> bool {
        self.role.is_some()
    }

    fn store_provider(&self, ctx: &StoreContext) -> eso::StoreProvider {
        let auth = match &self.auth {
            AuthMode::Platform => eso::AwsAuth {
                jwt: Some(eso::AwsJwtAuth {
                    service_account_ref: ctx.service_account_ref(Vec::new()),
                }),
                secret_ref: None,
            },
            AuthMode::Static { secret } => eso::AwsAuth {
                jwt: None,
                secret_ref: Some(eso::AwsSecretRef {
                    access_key_id_secret_ref: ctx.secret_key_ref(&secret.value, STATIC_KEYS[0]),
                    secret_access_key_secret_ref: ctx.secret_key_ref(&secret.value, STATIC_KEYS[1]),
                }),
            },
        };
        eso::StoreProvider {
            aws: Some(eso::AwsProvider {
                service: self.service.eso_name(),
                region: self.region.clone(),
                auth,
            }),
            ..eso::StoreProvider::default()
        }
    }

    fn policy_files(&self, store_name: &str) -> Vec<PolicyFile> {
        let mut out = vec![PolicyFile {
            file_name: format!("{store_name}.iam-policy.json"),
            purpose: format!(
                "permission policy of {}: aws iam put-role-policy --policy-document file://THIS_FILE",
                self.principal()
            ),
            document: PolicyDocument::Iam(self.permission_policy()),
        }];
        if let Some(role) = &self.role {
            out.push(PolicyFile {
                file_name: format!("{store_name}.trust-policy.json"),
                purpose: format!(
                    "trust policy of IAM role {}: aws iam create-role --assume-role-policy-document file://THIS_FILE",
                    role.name
                ),
                document: PolicyDocument::Iam(self.trust_policy(role)),
            });
        }
        out
    }

    fn decisions(&self) -> Vec<Decision> {
        let mut out = vec![match (&self.role, &self.auth) {
            (Some(role), _) => Decision {
                topic: "auth",
                choice: format!("IRSA with IAM role `{}`", role.name),
                reason: format!(
                    "EKS + AWS: short-lived web-identity credentials; the ServiceAccount `{}/{}` carries \
                     `{ROLE_ARN_ANNOTATION}` and the store uses `auth.jwt.serviceAccountRef`; the trust policy \
                     pins the OIDC provider, that exact subject and the `{STS_AUDIENCE}` audience",
                    self.sa_namespace, self.sa_name
                ),
            },
            (None, AuthMode::Static { secret }) => static_decision(&secret.value, STATIC_KEYS),
            (None, AuthMode::Platform) => static_decision("?", STATIC_KEYS),
        }];
        out.push(Decision {
            topic: "policy",
            choice: format!(
                "{} on {}",
                if self.pushes {
                    "read and push"
                } else {
                    "read-only"
                },
                self.resources
                    .iter()
                    .map(|r| format!("`{r}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            reason: "credentials reach the team prefix and nothing else (ESO guide, question 3)"
                .into(),
        });
        if !self.finds.is_empty() && !self.service.find_actions().is_empty() {
            out.push(Decision {
                topic: "find",
                choice: format!(
                    "account-wide {}",
                    self.service
                        .find_actions()
                        .iter()
                        .map(|a| format!("`{a}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                reason: "`dataFrom.find` lists names, which AWS cannot limit to a prefix; values stay limited to the prefix".into(),
            });
        }
        out
    }

    fn findings(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        let what = match self.service {
            Service::SecretsManager => {
                "`secretsmanager:ListSecrets`, which reveals every secret name"
            }
            // GetParametersByPath is scoped to the prefix: nothing to warn.
            Service::ParameterStore => return out,
        };
        out.extend(self.finds.iter().map(|find| {
            Diagnostic::warning(
                Code::ListSecretsExposure,
                format!(
                    "`find` grants {} account-wide {what} in account {}",
                    self.principal(),
                    self.account_id
                ),
            )
            .at(&find.span)
            .help("values stay limited to the prefix; to avoid listing, name each secret with `key` instead of `find`")
        }));
        out
    }

    fn identity_key(&self) -> Option<(String, Span)> {
        self.role.as_ref().map(|r| (r.arn.clone(), r.span.clone()))
    }

    fn verify_commands(&self) -> Vec<String> {
        match &self.role {
            Some(r) => vec![
                format!(
                    "aws iam get-role --role-name {} --query Role.AssumeRolePolicyDocument",
                    r.name
                ),
                format!("aws iam list-role-policies --role-name {}", r.name),
            ],
            None => vec![format!(
                "aws iam simulate-principal-policy --policy-source-arn <the IAM user of the keys> --action-names {} --resource-arns {}",
                self.service.read_actions().join(" "),
                self.resources.join(" ")
            )],
        }
    }

    fn granted_resources(&self) -> Vec<String> {
        self.resources.clone()
    }

    fn access_objects(
        &self,
        delivery: Delivery,
        ctx: &AccessContext,
    ) -> Vec<crate::manifest::access::AccessObject> {
        match delivery {
            Delivery::Ack => self.ack_objects(ctx),
            Delivery::Crossplane => self.crossplane_objects(ctx),
            _ => Vec::new(),
        }
    }

    fn terraform(&self, ctx: &AccessContext) -> crate::manifest::terraform::TfFragment {
        self.terraform_fragment(ctx)
    }

    fn delivery_findings(&self, delivery: Delivery) -> Vec<Diagnostic> {
        self.check_delivery(delivery)
    }

    fn delivery_checks(&self, delivery: Delivery, ctx: &AccessContext) -> Vec<String> {
        self.checks(delivery, ctx)
    }
}
