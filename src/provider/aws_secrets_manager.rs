//! AWS Secrets Manager on EKS with IRSA (ESO docs: provider/aws-access.md
//! and provider/aws-secrets-manager.md).
//!
//! The store's ServiceAccount carries `eks.amazonaws.com/role-arn`; the store
//! authenticates with `auth.jwt.serviceAccountRef`. Each identity gets an IAM
//! role whose trust policy pins the cluster's OIDC provider, the exact
//! `system:serviceaccount:<ns>:<sa>` subject and the `sts.amazonaws.com`
//! audience, and whose permission policy reads only `secret:<prefix>*`.

use std::collections::BTreeMap;

use crate::config::Platform;
use crate::config::types::{Located, PathPrefix, Reason};
use crate::diag::{Code, Diagnostic};
use crate::manifest::{eso, iam};
use crate::naming::{Pattern, PatternVars};
use crate::source::Span;

use super::{Decision, Fields, IdentityRequest, PolicyDocument, PolicyFile, ProviderKind};

/// Default IAM role naming pattern: one role per store identity.
pub const DEFAULT_ROLE_NAME: &str = "eso-{{namespace}}";
/// The ServiceAccount annotation IRSA reads.
pub const ROLE_ARN_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
/// The audience EKS issues IRSA tokens for.
pub const STS_AUDIENCE: &str = "sts.amazonaws.com";
/// Read-only actions on one secret: what ESO needs to sync it.
pub const READ_ACTIONS: &[&str] = &[
    "secretsmanager:DescribeSecret",
    "secretsmanager:GetSecretValue",
    "secretsmanager:ListSecretVersionIds",
];
/// Actions `dataFrom.find` needs; neither can be limited to a resource.
pub const FIND_ACTIONS: &[&str] = &[
    "secretsmanager:BatchGetSecretValue",
    "secretsmanager:ListSecrets",
];

const KIND: ProviderKind = ProviderKind::AwsSecretsManager;

/// Validated settings.
#[derive(Debug, Clone)]
pub struct Settings {
    /// AWS region, such as `eu-west-1`.
    pub region: String,
    /// AWS partition derived from the region (`aws`, `aws-cn`, `aws-us-gov`).
    pub partition: &'static str,
    /// 12-digit account id.
    pub account_id: String,
    /// EKS OIDC provider without scheme.
    pub oidc_provider: String,
    /// IAM role naming pattern.
    pub role_name: Located<Pattern>,
}

fn invalid(span: &Span, message: String, help: &str) -> Diagnostic {
    Diagnostic::error(Code::ProviderSetting, message)
        .at(span)
        .help(help.to_owned())
}

fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

fn is_region(s: &str) -> bool {
    // Shapes like eu-west-1, us-gov-east-1, ap-southeast-3.
    let parts: Vec<&str> = s.split('-').collect();
    parts.len() >= 3
        && parts
            .first()
            .is_some_and(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && parts[1..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
}

fn is_role_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

impl Settings {
    /// Validates the `[providers.NAME]` settings of kind `aws-secrets-manager`.
    pub fn parse(
        mut fields: Fields,
        platform: &Located<Platform>,
        kind_span: &Span,
    ) -> Result<Self, Vec<Diagnostic>> {
        let mut errors = Vec::new();
        if platform.value != Platform::Eks {
            errors.push(
                Diagnostic::error(
                    Code::UnsupportedProvider,
                    format!(
                        "provider kind `aws-secrets-manager` is not supported on platform `{}`",
                        platform.value.name()
                    ),
                )
                .at(kind_span)
                .also(&platform.span, "platform chosen here")
                .help(
                    "esogen generates AWS Secrets Manager stores with IRSA, which needs platform `eks`; \
                     supported pairs: eks + aws-secrets-manager",
                ),
            );
        }
        let region = fields.require(
            "region",
            KIND,
            "set `region = \"eu-west-1\"` (the secrets' region)",
        );
        let account = fields.require(
            "account_id",
            KIND,
            "set `account_id` to the 12-digit AWS account that holds the secrets and the IAM roles",
        );
        let oidc = fields.require(
            "oidc_provider",
            KIND,
            "set `oidc_provider` to the cluster's OIDC issuer without `https://`: \
             `aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer`",
        );
        let role_name = fields.take("role_name");
        errors.extend(fields.leftovers(KIND));

        let region = match region {
            Ok(r) if is_region(&r.value) => Some(r.value),
            Ok(r) => {
                errors.push(invalid(
                    &r.span,
                    format!("`{}` is not an AWS region", r.value),
                    "use a region code such as `eu-west-1`",
                ));
                None
            }
            Err(d) => {
                errors.push(*d);
                None
            }
        };
        let account_id = match account {
            Ok(a) if a.value.len() == 12 && a.value.chars().all(|c| c.is_ascii_digit()) => {
                Some(a.value)
            }
            Ok(a) => {
                errors.push(invalid(
                    &a.span,
                    format!("`{}` is not a 12-digit AWS account id", a.value),
                    "write the account id as a quoted string of 12 digits, leading zeros included",
                ));
                None
            }
            Err(d) => {
                errors.push(*d);
                None
            }
        };
        let oidc_provider = match oidc {
            Ok(o) => {
                let v = &o.value;
                if v.starts_with("https://") || v.starts_with("http://") {
                    errors.push(invalid(
                        &o.span,
                        format!("`{v}` includes a URL scheme"),
                        "IAM names the OIDC provider without `https://`; remove the scheme",
                    ));
                    None
                } else if v.is_empty()
                    || v.ends_with('/')
                    || !v.contains('/')
                    || v.chars()
                        .any(|c| !(c.is_ascii_alphanumeric() || "./-_".contains(c)))
                {
                    errors.push(invalid(
                        &o.span,
                        format!("`{v}` is not an OIDC provider host and path"),
                        "expected the form `oidc.eks.<region>.amazonaws.com/id/<ID>`",
                    ));
                    None
                } else {
                    Some(v.clone())
                }
            }
            Err(d) => {
                errors.push(*d);
                None
            }
        };
        let role_name = match role_name {
            Some(p) => match Pattern::compile(&p.value) {
                Ok(c) => Some(Located::new(c, p.span)),
                Err(e) => {
                    errors.push(crate::config::pattern_diagnostic(&e, &p.span));
                    None
                }
            },
            None => Pattern::compile(DEFAULT_ROLE_NAME)
                .ok()
                .map(|c| Located::new(c, kind_span.clone())),
        };
        match (region, account_id, oidc_provider, role_name) {
            (Some(region), Some(account_id), Some(oidc_provider), Some(role_name))
                if errors.is_empty() =>
            {
                Ok(Self {
                    partition: partition_of(&region),
                    region,
                    account_id,
                    oidc_provider,
                    role_name,
                })
            }
            _ => Err(errors),
        }
    }

    /// Secrets Manager names take letters, digits and `/_+=.@-` only.
    pub fn check_prefix(&self, prefix: &PathPrefix) -> Result<(), Reason> {
        match prefix
            .as_str()
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "/_+=.@-".contains(*c)))
        {
            Some(c) => Err(format!(
                "Secrets Manager names cannot contain {}; allowed are letters, digits and `/_+=.@-`",
                crate::config::types::describe_char(c)
            )),
            None => Ok(()),
        }
    }

    /// Secrets live per account and region.
    pub fn overlap_scope(&self) -> String {
        format!("aws-secrets-manager:{}:{}", self.account_id, self.region)
    }

    fn arn(&self, service: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{}:{}:{resource}",
            self.partition, self.region, self.account_id
        )
    }

    /// Decides the IAM role and grants of one store identity.
    pub fn plan_identity(&self, req: &IdentityRequest) -> Result<Identity, Vec<Diagnostic>> {
        let vars = PatternVars {
            cluster: req.cluster.to_string(),
            team: req
                .teams
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join("-"),
            namespace: req.sa_namespace.to_string(),
            provider: req.provider.to_string(),
        };
        let role_name = self
            .role_name
            .value
            .render(&vars)
            .map_err(|e| vec![crate::config::pattern_diagnostic(&e, &self.role_name.span)])?;
        if !is_role_name(&role_name) {
            return Err(vec![
                Diagnostic::error(
                    Code::PatternResult,
                    format!(
                        "`role_name` renders `{role_name}` for namespace `{}`, which is not a valid IAM role name",
                        req.sa_namespace
                    ),
                )
                .at(&self.role_name.span)
                .help("IAM role names are 1 to 64 characters of letters, digits and `+=,.@_-`; shorten the pattern"),
            ]);
        }
        let role_arn = format!(
            "arn:{}:iam::{}:role/{role_name}",
            self.partition, self.account_id
        );
        let resources = req
            .prefixes
            .iter()
            .map(|p| self.arn("secretsmanager", &format!("secret:{}*", p.value.as_str())))
            .collect();
        Ok(Identity {
            region: self.region.clone(),
            account_id: self.account_id.clone(),
            partition: self.partition,
            oidc_provider: self.oidc_provider.clone(),
            role_name,
            role_name_span: self.role_name.span.clone(),
            role_arn,
            sa_namespace: req.sa_namespace.to_string(),
            sa_name: req.sa_name.to_owned(),
            prefixes: req.prefixes.iter().map(|p| p.value.to_string()).collect(),
            resources,
            finds: req.finds.iter().map(|s| (*s).clone()).collect(),
        })
    }
}

/// The identity of one store: its IAM role and what it may read.
#[derive(Debug, Clone)]
pub struct Identity {
    /// Region.
    pub region: String,
    /// Account id.
    pub account_id: String,
    /// Partition.
    pub partition: &'static str,
    /// OIDC provider without scheme.
    pub oidc_provider: String,
    /// IAM role name.
    pub role_name: String,
    /// Where the role name pattern was written.
    pub role_name_span: Span,
    /// IAM role ARN.
    pub role_arn: String,
    /// ServiceAccount namespace.
    pub sa_namespace: String,
    /// ServiceAccount name.
    pub sa_name: String,
    /// Team prefixes the role reads.
    pub prefixes: Vec<String>,
    /// Secret ARNs (with trailing `*`) the role reads.
    pub resources: Vec<String>,
    /// `find` searches served by the store.
    pub finds: Vec<Span>,
}

impl Identity {
    /// `eks.amazonaws.com/role-arn`.
    pub fn service_account_annotations(&self) -> BTreeMap<String, String> {
        BTreeMap::from([(ROLE_ARN_ANNOTATION.to_owned(), self.role_arn.clone())])
    }

    /// `spec.provider.aws` with `auth.jwt`.
    pub fn store_provider(&self, sa: eso::ServiceAccountRef) -> eso::StoreProvider {
        eso::StoreProvider {
            aws: Some(eso::AwsProvider {
                service: "SecretsManager",
                region: self.region.clone(),
                auth: eso::AwsAuth {
                    jwt: eso::AwsJwtAuth {
                        service_account_ref: sa,
                    },
                },
            }),
        }
    }

    fn permission_policy(&self) -> iam::PolicyDocument {
        let mut statement = vec![iam::Statement {
            sid: "ReadTeamPrefix".into(),
            effect: "Allow",
            principal: None,
            action: READ_ACTIONS.iter().map(|s| (*s).to_owned()).collect(),
            resource: self.resources.clone(),
            condition: BTreeMap::new(),
        }];
        if !self.finds.is_empty() {
            statement.push(iam::Statement {
                sid: "FindSecretsAccountWide".into(),
                effect: "Allow",
                principal: None,
                action: FIND_ACTIONS.iter().map(|s| (*s).to_owned()).collect(),
                resource: vec!["*".into()],
                condition: BTreeMap::new(),
            });
        }
        iam::PolicyDocument {
            version: iam::POLICY_VERSION,
            id: generated_id(),
            statement,
        }
    }

    fn trust_policy(&self) -> iam::PolicyDocument {
        let conditions = BTreeMap::from([
            (
                format!("{}:aud", self.oidc_provider),
                STS_AUDIENCE.to_owned(),
            ),
            (
                format!("{}:sub", self.oidc_provider),
                format!(
                    "system:serviceaccount:{}:{}",
                    self.sa_namespace, self.sa_name
                ),
            ),
        ]);
        iam::PolicyDocument {
            version: iam::POLICY_VERSION,
            id: generated_id(),
            statement: vec![iam::Statement {
                sid: "IrsaServiceAccount".into(),
                effect: "Allow",
                principal: Some(iam::Principal {
                    federated: format!(
                        "arn:{}:iam::{}:oidc-provider/{}",
                        self.partition, self.account_id, self.oidc_provider
                    ),
                }),
                action: vec!["sts:AssumeRoleWithWebIdentity".into()],
                resource: Vec::new(),
                condition: BTreeMap::from([("StringEquals".to_owned(), conditions)]),
            }],
        }
    }

    /// `<store>.iam-policy.json` and `<store>.trust-policy.json`.
    pub fn policy_files(&self, store_name: &str) -> Vec<PolicyFile> {
        vec![
            PolicyFile {
                file_name: format!("{store_name}.iam-policy.json"),
                purpose: format!("permission policy of IAM role {}", self.role_name),
                document: PolicyDocument::Iam(self.permission_policy()),
            },
            PolicyFile {
                file_name: format!("{store_name}.trust-policy.json"),
                purpose: format!("trust policy of IAM role {}", self.role_name),
                document: PolicyDocument::Iam(self.trust_policy()),
            },
        ]
    }

    /// Auth and policy decisions with reasons.
    pub fn decisions(&self) -> Vec<Decision> {
        let mut out = vec![
            Decision {
                topic: "auth",
                choice: format!("IRSA with IAM role `{}`", self.role_name),
                reason: format!(
                    "EKS + AWS Secrets Manager: short-lived web-identity credentials; the ServiceAccount \
                     `{}/{}` carries `{ROLE_ARN_ANNOTATION}` and the store uses `auth.jwt.serviceAccountRef`",
                    self.sa_namespace, self.sa_name
                ),
            },
            Decision {
                topic: "policy",
                choice: format!(
                    "read-only on {}",
                    self.resources
                        .iter()
                        .map(|r| format!("`{r}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                reason: "credentials reach the team prefix and nothing else (ESO guide, question 3); \
                         the trust policy pins the OIDC provider, the exact ServiceAccount subject and \
                         the `sts.amazonaws.com` audience"
                    .into(),
            },
        ];
        if !self.finds.is_empty() {
            out.push(Decision {
                topic: "find",
                choice: "account-wide `ListSecrets` and `BatchGetSecretValue`".into(),
                reason: "`dataFrom.find` lists secrets, which AWS cannot limit to a prefix; values stay \
                         limited to the prefix because `GetSecretValue` is"
                    .into(),
            });
        }
        out
    }

    /// A warning for each `find`: it exposes every secret name in the account.
    pub fn findings(&self) -> Vec<Diagnostic> {
        self.finds
            .iter()
            .map(|span| {
                Diagnostic::warning(
                    Code::ListSecretsExposure,
                    format!(
                        "`find` grants IAM role `{}` account-wide `secretsmanager:ListSecrets`, which reveals every secret name in account {}",
                        self.role_name, self.account_id
                    ),
                )
                .at(span)
                .help("values stay limited to the prefix; to avoid listing, name each secret with `key` instead of `find`")
            })
            .collect()
    }

    /// Resources granted by the permission policy.
    pub fn granted_resources(&self) -> Vec<String> {
        self.permission_policy()
            .statement
            .into_iter()
            .flat_map(|s| s.resource)
            .collect()
    }
}

fn generated_id() -> String {
    // JSON has no comments, so the policy `Id` carries the "generated" marker.
    "esogen-generated-from-tenants-toml-do-not-edit".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_and_partitions() {
        for ok in ["eu-west-1", "us-gov-west-1", "ap-southeast-3", "cn-north-1"] {
            assert!(is_region(ok), "{ok}");
        }
        for bad in ["eu-west", "euwest1", "EU-west-1", "eu--1", ""] {
            assert!(!is_region(bad), "{bad}");
        }
        assert_eq!(partition_of("cn-north-1"), "aws-cn");
        assert_eq!(partition_of("us-gov-east-1"), "aws-us-gov");
        assert_eq!(partition_of("eu-west-1"), "aws");
    }

    #[test]
    fn role_names() {
        assert!(is_role_name("eso-payments"));
        assert!(!is_role_name(&"a".repeat(65)));
        assert!(!is_role_name("eso/payments"));
        assert!(!is_role_name(""));
    }
}
