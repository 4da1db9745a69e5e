//! The provider side of an AWS identity as objects the ACK IAM controller
//! reconciles, or as Terraform resources. Both carry exactly the documents
//! `policies/<ns>/` holds in the `files` delivery: the permission policy
//! and, for IRSA, the trust policy.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diag::{Code, Diagnostic};
use crate::manifest::access::{AccessObject, ack, crossplane};
use crate::manifest::gitops::managed_labels;
use crate::manifest::iam;
use crate::manifest::k8s::ObjectMeta;
use crate::manifest::terraform::{TfFragment, TfProvider, TfResource, TfVariable};

use super::super::{AccessContext, AuthMode, Delivery};
use super::identity::AwsIdentity;

/// The inline policy's name on the role (and the user policy's name).
pub const INLINE_POLICY: &str = "esogen-team-prefix";

/// A document as the string IAM and the controllers take.
fn document(doc: &iam::PolicyDocument) -> String {
    // Plain strings, lists and maps: serializing cannot fail.
    serde_json::to_string(doc).unwrap_or_default()
}

/// `aws_iam_role`.
#[derive(Serialize)]
struct TfRole {
    name: String,
    description: String,
    assume_role_policy: String,
    tags: BTreeMap<&'static str, String>,
}

/// `aws_iam_role_policy`.
#[derive(Serialize)]
struct TfRolePolicy {
    name: &'static str,
    role: String,
    policy: String,
}

/// `aws_iam_user_policy`.
#[derive(Serialize)]
struct TfUserPolicy {
    name: &'static str,
    user: String,
    policy: String,
}

impl AwsIdentity {
    fn description(&self, ctx: &AccessContext) -> String {
        format!(
            "esogen: ESO store {} in namespace {} of cluster {}",
            ctx.store_name, ctx.home_namespace, ctx.cluster
        )
    }

    fn tags(ctx: &AccessContext) -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("esogen-cluster", ctx.cluster.to_owned()),
            ("esogen-namespace", ctx.home_namespace.to_owned()),
            ("esogen-store", ctx.store_name.to_owned()),
        ])
    }

    /// The ACK `Role` of an IRSA identity; none with static keys (ACK
    /// manages roles, not the IAM user behind the keys).
    pub(super) fn ack_objects(&self, ctx: &AccessContext) -> Vec<AccessObject> {
        let Some(role) = &self.role else {
            return Vec::new();
        };
        let spec = ack::RoleSpec {
            name: role.name.clone(),
            description: self.description(ctx),
            assume_role_policy_document: document(&self.trust_policy(role)),
            inline_policies: BTreeMap::from([(
                INLINE_POLICY.to_owned(),
                document(&self.permission_policy()),
            )]),
            tags: Self::tags(ctx)
                .into_iter()
                .map(|(key, value)| ack::Tag {
                    key: key.to_owned(),
                    value,
                })
                .collect(),
        };
        let metadata = ObjectMeta {
            name: ctx.object_name(),
            namespace: Some(ctx.access_namespace.to_owned()),
            labels: managed_labels(),
            annotations: BTreeMap::from([(ack::DELETION_POLICY.to_owned(), "delete".to_owned())]),
        };
        vec![AccessObject::new(ack::API_VERSION, "Role", metadata, &spec)]
    }

    /// The Crossplane `Role` and `RolePolicy` of an IRSA identity
    /// (cluster-scoped); none with static keys.
    pub(super) fn crossplane_objects(&self, ctx: &AccessContext) -> Vec<AccessObject> {
        let Some(role) = &self.role else {
            return Vec::new();
        };
        let meta = |external: &str| ObjectMeta {
            name: ctx.object_name(),
            namespace: None,
            labels: managed_labels(),
            annotations: BTreeMap::from([(
                crossplane::EXTERNAL_NAME.to_owned(),
                external.to_owned(),
            )]),
        };
        let role_spec = crossplane::Managed::new(crossplane::RoleParameters {
            assume_role_policy: document(&self.trust_policy(role)),
            description: self.description(ctx),
            tags: Self::tags(ctx)
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
        });
        let policy_spec = crossplane::Managed::new(crossplane::RolePolicyParameters {
            policy: document(&self.permission_policy()),
            role_ref: crossplane::Reference {
                name: ctx.object_name(),
            },
        });
        vec![
            AccessObject::new(
                crossplane::AWS_IAM_API_VERSION,
                "Role",
                meta(&role.name),
                &role_spec,
            ),
            AccessObject::new(
                crossplane::AWS_IAM_API_VERSION,
                "RolePolicy",
                meta(INLINE_POLICY),
                &policy_spec,
            ),
        ]
    }

    /// The Terraform resources: the role and its inline policy for IRSA;
    /// for static keys, the policy on the IAM user (a variable: esogen never
    /// sees the keys).
    pub(super) fn terraform_fragment(&self, ctx: &AccessContext) -> TfFragment {
        let provider = TfProvider {
            name: "aws",
            source: "hashicorp/aws",
            version: ">= 5.0",
            alias: ctx.store_name.to_owned(),
            config: serde_json::Map::from_iter([
                ("region".to_owned(), self.region.clone().into()),
                (
                    "allowed_account_ids".to_owned(),
                    vec![self.account_id.clone()].into(),
                ),
            ]),
        };
        let reference = provider.reference();
        let name = ctx.terraform_name();
        let policy = document(&self.permission_policy());
        let mut out = TfFragment {
            providers: vec![provider],
            ..TfFragment::default()
        };
        match &self.role {
            Some(role) => {
                let tf_role = TfResource::new(
                    "aws_iam_role",
                    name.clone(),
                    &reference,
                    &TfRole {
                        name: role.name.clone(),
                        description: self.description(ctx),
                        assume_role_policy: document(&self.trust_policy(role)),
                        tags: Self::tags(ctx),
                    },
                );
                let inline = TfResource::new(
                    "aws_iam_role_policy",
                    name,
                    &reference,
                    &TfRolePolicy {
                        name: INLINE_POLICY,
                        role: tf_role.attr("id"),
                        policy,
                    },
                );
                out.resources = vec![tf_role, inline];
            }
            None => {
                let user = format!("{}_iam_user", ctx.store_name.replace('-', "_"));
                out.variables.push(TfVariable {
                    name: user.clone(),
                    description: format!(
                        "name of the IAM user whose access keys store `{}` reads from its credentials Secret",
                        ctx.store_name
                    ),
                    ty: "string",
                });
                out.resources.push(TfResource::new(
                    "aws_iam_user_policy",
                    name,
                    &reference,
                    &TfUserPolicy {
                        name: INLINE_POLICY,
                        user: format!("${{var.{user}}}"),
                        policy,
                    },
                ));
            }
        }
        out
    }

    /// Errors when `delivery` cannot apply this identity.
    pub(super) fn check_delivery(&self, delivery: Delivery) -> Vec<Diagnostic> {
        match (delivery, &self.auth) {
            (Delivery::Ack | Delivery::Crossplane, AuthMode::Static { secret }) => vec![
                Diagnostic::error(
                    Code::ProviderSetting,
                    format!("`delivery = \"{delivery}\"` applies IAM roles, and this store authenticates with static access keys"),
                )
                .at_labelled(&secret.span, "static keys chosen here")
                .help("use `delivery = \"terraform\"` (it attaches the policy to the IAM user you name) or `files`, or IRSA (`auth = \"workload-identity\"` on EKS)"),
            ],
            _ => Vec::new(),
        }
    }

    /// How to check that `delivery` applied this identity.
    pub(super) fn checks(&self, delivery: Delivery, ctx: &AccessContext) -> Vec<String> {
        match delivery {
            Delivery::Ack => vec![format!(
                "kubectl -n {} get roles.iam.services.k8s.aws {} -o jsonpath='{{.status.conditions}}'   # ACK.ResourceSynced is True",
                ctx.access_namespace,
                ctx.object_name()
            )],
            Delivery::Crossplane => vec![format!(
                "kubectl get roles.iam.aws.upbound.io,rolepolicies.iam.aws.upbound.io {} -o wide   # READY and SYNCED are True",
                ctx.object_name()
            )],
            Delivery::Terraform => {
                let kind = if self.role.is_some() {
                    "aws_iam_role_policy"
                } else {
                    "aws_iam_user_policy"
                };
                vec![format!(
                    "terraform -chdir=terraform state show {kind}.{}",
                    ctx.terraform_name()
                )]
            }
            _ => Vec::new(),
        }
    }
}
