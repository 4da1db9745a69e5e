//! The two IAM documents of an AWS identity: the permission policy (exactly
//! the calls ESO v2.9 makes for what the config asks, see
//! `conformance/eso-v2.9.toml`, on the team prefix) and the IRSA trust
//! policy.

use std::collections::BTreeMap;

use crate::manifest::iam;

use super::identity::{AwsIdentity, Role};
use super::{MANAGED_BY_TAG, MANAGED_BY_VALUE, STS_AUDIENCE, Service};

/// One `Allow` statement without a principal.
fn allow(
    sid: &str,
    action: &[&str],
    resource: Vec<String>,
    condition: iam::Conditions,
) -> iam::Statement {
    iam::Statement {
        sid: sid.into(),
        effect: "Allow",
        principal: None,
        action: action.iter().map(|s| (*s).to_owned()).collect(),
        resource,
        condition,
    }
}

/// `StringEquals` on ESO's tag under `key` (`aws:RequestTag` or
/// `aws:ResourceTag`).
fn managed(key: &str) -> iam::Conditions {
    BTreeMap::from([(
        "StringEquals".to_owned(),
        BTreeMap::from([(
            format!("{key}/{MANAGED_BY_TAG}"),
            iam::ConditionValue::from(MANAGED_BY_VALUE.to_owned()),
        )]),
    )])
}

/// Creating: the request carries ESO's tag and no other tag key (ESO
/// without PushSecret metadata sends exactly that one), so the grant cannot
/// tag an unmanaged secret as ESO's.
fn created() -> iam::Conditions {
    let mut c = managed("aws:RequestTag");
    c.insert(
        "ForAllValues:StringEquals".to_owned(),
        BTreeMap::from([(
            "aws:TagKeys".to_owned(),
            iam::ConditionValue::Any(vec![MANAGED_BY_TAG.to_owned()]),
        )]),
    );
    c
}

impl AwsIdentity {
    /// The permission policy of this identity.
    pub(super) fn permission_policy(&self) -> iam::PolicyDocument {
        let mut statement: Vec<iam::Statement> = self.read_statement().into_iter().collect();
        if self.pushes {
            statement.extend(self.push_statements());
        }
        statement.extend(self.find_statement());
        statement.extend(self.kms_statement());
        iam::PolicyDocument {
            version: iam::POLICY_VERSION,
            id: iam::GENERATED_ID.to_owned(),
            statement,
        }
    }

    /// Reads of single keys under the prefix, and the reads a push makes
    /// before it writes.
    fn read_statement(&self) -> Option<iam::Statement> {
        // Parameter Store's GetParametersByPath already reads what a find
        // returns; GetParameter is for single keys and pushes.
        let reads = self.service == Service::SecretsManager
            || self.reads_keys
            || self.pushes
            || self.finds.is_empty();
        let mut read: Vec<&str> = if reads {
            self.service.read_actions().to_vec()
        } else {
            Vec::new()
        };
        if self.pushes && self.service == Service::SecretsManager {
            // Every push starts with DescribeSecret, on a secret that may
            // not exist yet: no tag condition can hold there
            // (`secretsmanager.go`, `PushSecret`).
            read.push("secretsmanager:DescribeSecret");
        }
        if self.pushes && self.service == Service::ParameterStore {
            // An existing parameter's tags are read before it is updated
            // (`parameterstore.go`, `setExisting`).
            read.push("ssm:ListTagsForResource");
        }
        read.sort_unstable();
        (!read.is_empty()).then(|| {
            allow(
                "ReadTeamPrefix",
                &read,
                self.resources.clone(),
                BTreeMap::new(),
            )
        })
    }

    /// Creating secrets with ESO's tag, and updating only those.
    fn push_statements(&self) -> [iam::Statement; 2] {
        match self.service {
            Service::SecretsManager => [
                // CreateSecret always carries ESO's tag, and AWS authorizes
                // the tags with TagResource (`createSecretWithContext`).
                allow(
                    "PushCreateTagged",
                    &["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
                    self.resources.clone(),
                    created(),
                ),
                // Later syncs write only secrets ESO created; with no
                // resource policy in the PushSecret, ESO deletes the
                // secret's resource policy on every sync and fails on
                // AccessDenied (`putSecretValueWithContext` →
                // `manageResourcePolicy`).
                allow(
                    "PushUpdateManaged",
                    &[
                        "secretsmanager:DeleteResourcePolicy",
                        "secretsmanager:PutSecretValue",
                    ],
                    self.resources.clone(),
                    managed("aws:ResourceTag"),
                ),
            ],
            Service::ParameterStore => [
                // A new parameter is written with ESO's tag
                // (`setManagedRemoteParameter`).
                allow(
                    "PushCreateTagged",
                    &["ssm:AddTagsToResource", "ssm:PutParameter"],
                    self.resources.clone(),
                    created(),
                ),
                // After a value change ESO removes the tags it did not set
                // (`parameterstore.go`, `setExisting`).
                allow(
                    "PushUpdateManaged",
                    &["ssm:PutParameter", "ssm:RemoveTagsFromResource"],
                    self.resources.clone(),
                    managed("aws:ResourceTag"),
                ),
            ],
        }
    }

    /// What `dataFrom.find` needs: an account-wide listing for Secrets
    /// Manager, the find paths themselves for Parameter Store.
    fn find_statement(&self) -> Option<iam::Statement> {
        if self.finds.is_empty() {
            return None;
        }
        Some(match self.service {
            Service::SecretsManager => allow(
                "FindAccountWide",
                self.service.find_actions(),
                vec!["*".into()],
                BTreeMap::new(),
            ),
            // IAM checks GetParametersByPath on the path's own ARN.
            Service::ParameterStore => {
                let mut paths: Vec<String> = self
                    .finds
                    .iter()
                    .map(|f| {
                        format!(
                            "arn:{}:ssm:{}:{}:parameter/{}",
                            self.partition,
                            self.region,
                            self.account_id,
                            f.value.trim_matches('/')
                        )
                    })
                    .collect();
                paths.sort();
                paths.dedup();
                allow(
                    "FindByPath",
                    &["ssm:GetParametersByPath"],
                    paths,
                    BTreeMap::new(),
                )
            }
        })
    }

    /// Customer managed keys: only through this service, and only for
    /// objects under the prefix (the service puts the object's ARN in the
    /// encryption context).
    fn kms_statement(&self) -> Option<iam::Statement> {
        if self.kms_keys.is_empty() {
            return None;
        }
        let mut kms = vec!["kms:Decrypt"];
        if self.pushes && self.service == Service::SecretsManager {
            kms.push("kms:GenerateDataKey");
        }
        let domain = if self.partition == "aws-cn" {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        let via = format!("{}.{}.{domain}", self.service.kms_service(), self.region);
        let condition = BTreeMap::from([
            (
                "StringEquals".to_owned(),
                BTreeMap::from([("kms:ViaService".to_owned(), iam::ConditionValue::from(via))]),
            ),
            (
                "StringLike".to_owned(),
                BTreeMap::from([(
                    self.service.kms_context_key().to_owned(),
                    iam::ConditionValue::of(self.resources.clone()),
                )]),
            ),
        ]);
        Some(allow(
            "KmsTeamPrefix",
            &kms,
            self.kms_keys.clone(),
            condition,
        ))
    }

    /// The IRSA trust policy of `role`: its OIDC provider, this exact
    /// ServiceAccount subject and the STS audience.
    pub(super) fn trust_policy(&self, role: &Role) -> iam::PolicyDocument {
        let conditions = BTreeMap::from([
            (
                format!("{}:aud", role.oidc_provider),
                STS_AUDIENCE.to_owned(),
            ),
            (
                format!("{}:sub", role.oidc_provider),
                format!(
                    "system:serviceaccount:{}:{}",
                    self.sa_namespace, self.sa_name
                ),
            ),
        ]);
        iam::PolicyDocument {
            version: iam::POLICY_VERSION,
            id: iam::GENERATED_ID.to_owned(),
            statement: vec![iam::Statement {
                sid: "IrsaServiceAccount".into(),
                effect: "Allow",
                principal: Some(iam::Principal {
                    federated: format!(
                        "arn:{}:iam::{}:oidc-provider/{}",
                        self.partition, self.account_id, role.oidc_provider
                    ),
                }),
                action: vec!["sts:AssumeRoleWithWebIdentity".into()],
                resource: Vec::new(),
                condition: BTreeMap::from([(
                    "StringEquals".to_owned(),
                    conditions
                        .into_iter()
                        .map(|(k, v)| (k, iam::ConditionValue::from(v)))
                        .collect(),
                )]),
            }],
        }
    }
}
