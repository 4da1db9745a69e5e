//! The provider side of a GCP identity as Config Connector objects or as
//! Terraform resources (hashicorp/google). Both carry exactly the grants
//! of the `files` document ([`super::policy`]), and create the Google
//! service account that document expects to exist.
//!
//! Config Connector has no custom role kind here (`IAMCustomRole` is not
//! among the CRDs esogen is checked against), so a store whose grants use
//! one (a push, a `find`) is refused with `config-connector`; nor is a
//! secret created for it, since only pushes ask for one.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diag::{Code, Diagnostic};
use crate::manifest::access::{AccessObject, config_connector as kcc};
use crate::manifest::gitops::managed_labels;
use crate::manifest::k8s::ObjectMeta;
use crate::manifest::policy::GcpCondition;
use crate::manifest::terraform::{TfFragment, TfProvider, TfResource};

use super::super::{AccessContext, Delivery};
use super::identity::GcpIdentity;
use super::policy::{CustomRole, Grant, MANAGED_BY_LABEL, Member, Role, Target};

/// The hashicorp/google version the resources need: `deletion_protection`
/// of `google_secret_manager_secret` came in 6.43.
const PROVIDER_VERSION: &str = ">= 6.43";

/// `google_service_account`.
#[derive(Serialize)]
struct TfServiceAccount {
    project: String,
    account_id: String,
    display_name: String,
    description: String,
    /// The `files` delivery expects the account to exist already: take it
    /// over instead of failing on creation.
    create_ignore_already_exists: bool,
}

/// `google_project_iam_custom_role`.
#[derive(Serialize)]
struct TfCustomRole {
    project: String,
    role_id: &'static str,
    title: &'static str,
    description: &'static str,
    permissions: &'static [&'static str],
}

/// `google_secret_manager_secret`, created once for pushes.
#[derive(Serialize)]
struct TfSecret {
    project: String,
    secret_id: String,
    labels: BTreeMap<&'static str, &'static str>,
    replication: TfReplication,
    /// The secret holds what the cluster pushed, maybe its only copy:
    /// Terraform refuses to destroy it when no store pushes to it any more
    /// (`terraform state rm` keeps it, `deletion_protection = false` then
    /// `apply` deletes it).
    deletion_protection: bool,
}

/// `replication { auto {} }`: Secret Manager chooses the locations, as
/// `gcloud secrets create --replication-policy=automatic`.
#[derive(Serialize)]
struct TfReplication {
    auto: BTreeMap<String, String>,
}

/// `google_project_iam_member`.
#[derive(Serialize)]
struct TfProjectMember {
    project: String,
    role: String,
    member: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<GcpCondition>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    depends_on: Vec<String>,
}

/// `google_service_account_iam_member`.
#[derive(Serialize)]
struct TfServiceAccountMember {
    service_account_id: String,
    role: String,
    member: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    condition: Option<GcpCondition>,
}

impl GcpIdentity {
    fn description(ctx: &AccessContext) -> String {
        format!(
            "esogen: ESO store {} in namespace {} of cluster {}",
            ctx.store_name, ctx.home_namespace, ctx.cluster
        )
    }

    /// At most 100 characters, as IAM allows.
    fn display_name(ctx: &AccessContext) -> String {
        let full = format!("esogen {}/{}", ctx.home_namespace, ctx.store_name);
        if full.len() <= 100 {
            full
        } else {
            format!("esogen {}", ctx.home_namespace)
        }
    }

    /// The name of the `IAMServiceAccount`: `<home>.<store>.<account
    /// id>.<project>`, both immutable in Google Cloud.
    fn service_account_object_name(&self, ctx: &AccessContext) -> String {
        format!(
            "{}.{}.{}",
            ctx.object_name(),
            self.account_id,
            self.project_id
        )
    }

    /// The `IAMPolicyMember` spec of one grant.
    fn member_spec(&self, grant: &Grant) -> kcc::PolicyMemberSpec {
        let resource_ref = match grant.target {
            Target::Project => kcc::ResourceRef {
                api_version: kcc::PROJECT_API_VERSION,
                kind: "Project",
                external: self.resource_name(Target::Project),
            },
            Target::ServiceAccount => kcc::ResourceRef {
                api_version: kcc::IAM_API_VERSION,
                kind: "IAMServiceAccount",
                external: self.resource_name(Target::ServiceAccount),
            },
        };
        kcc::PolicyMemberSpec {
            member: self.member_name(&grant.member),
            role: self.role_name(grant.role),
            resource_ref,
            condition: grant.condition.as_ref().map(|c| kcc::Condition {
                title: c.title.clone(),
                description: c.description.clone(),
                expression: c.expression.clone(),
            }),
        }
    }

    /// The name of the `IAMPolicyMember` of one grant:
    /// `<home>.<store>.<role>.<digest of the spec>`, the role's last part in
    /// lower case.
    fn member_object_name(
        ctx: &AccessContext,
        grant: &Grant,
        spec: &kcc::PolicyMemberSpec,
    ) -> String {
        format!(
            "{}.{}.{}",
            ctx.object_name(),
            grant.role.short_name().to_ascii_lowercase(),
            spec.digest()
        )
    }

    /// The Config Connector objects: the Google service account and one
    /// `IAMPolicyMember` per grant, in the access namespace, each deleted
    /// from Google Cloud when the object is pruned.
    pub(super) fn config_connector_objects(&self, ctx: &AccessContext) -> Vec<AccessObject> {
        let meta = |name: String, project: bool| {
            let mut annotations =
                BTreeMap::from([(kcc::DELETION_POLICY.to_owned(), "delete".to_owned())]);
            if project {
                annotations.insert(kcc::PROJECT_ID.to_owned(), self.project_id.clone());
            }
            ObjectMeta {
                name,
                namespace: Some(ctx.access_namespace.to_owned()),
                labels: managed_labels(),
                annotations,
            }
        };
        let mut out = vec![AccessObject::new(
            kcc::IAM_API_VERSION,
            "IAMServiceAccount",
            meta(self.service_account_object_name(ctx), true),
            &kcc::ServiceAccountSpec {
                resource_id: self.account_id.clone(),
                display_name: Self::display_name(ctx),
                description: Self::description(ctx),
            },
        )];
        for grant in self.grants() {
            let spec = self.member_spec(&grant);
            out.push(AccessObject::new(
                kcc::IAM_API_VERSION,
                "IAMPolicyMember",
                meta(Self::member_object_name(ctx, &grant, &spec), false),
                &spec,
            ));
        }
        out
    }

    /// The Terraform name of a grant's resource: `<namespace>__<store>__<role>`.
    fn grant_tf_name(ctx: &AccessContext, grant: &Grant) -> String {
        format!("{}__{}", ctx.terraform_name(), grant.role.short_name())
    }

    /// A custom role, shared by every store of its project:
    /// `<project>__<role id>`.
    fn custom_role_resource(&self, role: &CustomRole, provider: &str) -> TfResource {
        TfResource::new(
            "google_project_iam_custom_role",
            format!("{}__{}", self.project_id, role.id),
            provider,
            &TfCustomRole {
                project: self.project_id.clone(),
                role_id: role.id,
                title: role.title,
                description: role.description,
                permissions: role.permissions,
            },
        )
    }

    /// A secret to create before the first push, shared by every store
    /// that pushes to it: `<project>__<secret id>`.
    fn secret_resource(&self, key: &str, provider: &str) -> TfResource {
        TfResource::new(
            "google_secret_manager_secret",
            format!("{}__{key}", self.project_id),
            provider,
            &TfSecret {
                project: self.project_id.clone(),
                secret_id: key.to_owned(),
                labels: BTreeMap::from([MANAGED_BY_LABEL]),
                replication: TfReplication {
                    auto: BTreeMap::new(),
                },
                deletion_protection: true,
            },
        )
    }

    /// The Terraform resources: the Google service account and one IAM
    /// member per grant in the store's file; the custom roles and the
    /// secrets to create before a push in `main.tf.json`, once per project.
    pub(super) fn terraform_fragment(&self, ctx: &AccessContext) -> TfFragment {
        let provider = TfProvider {
            name: "google",
            source: "hashicorp/google",
            version: PROVIDER_VERSION,
            alias: ctx.store_name.to_owned(),
            config: serde_json::Map::from_iter([(
                "project".to_owned(),
                self.project_id.clone().into(),
            )]),
        };
        let reference = provider.reference();
        let gsa = TfResource::new(
            "google_service_account",
            ctx.terraform_name(),
            &reference,
            &TfServiceAccount {
                project: self.project_id.clone(),
                account_id: self.account_id.clone(),
                display_name: Self::display_name(ctx),
                description: Self::description(ctx),
                create_ignore_already_exists: true,
            },
        );
        let roles: BTreeMap<&str, TfResource> = self
            .custom_roles()
            .into_iter()
            .map(|r| (r.id, self.custom_role_resource(r, &reference)))
            .collect();
        let secrets: Vec<TfResource> = self
            .push_keys
            .iter()
            .map(|k| self.secret_resource(k, &reference))
            .collect();
        let mut resources = Vec::new();
        for grant in self.grants() {
            let role = match grant.role {
                Role::Predefined(r) => r.to_owned(),
                Role::Custom(c) => roles
                    .get(c.id)
                    .map_or_else(|| self.role_name(grant.role), |r| r.attr("name")),
            };
            let member = match &grant.member {
                Member::ServiceAccount => format!("serviceAccount:{}", gsa.attr("email")),
                Member::Workload(m) => m.clone(),
            };
            let name = Self::grant_tf_name(ctx, &grant);
            resources.push(match grant.target {
                Target::Project => {
                    // The push grant is of use once the secrets it writes
                    // exist: created first, and named here so the module
                    // says which store needs which secret.
                    let depends_on = if grant.role == Role::Custom(&super::policy::PUSHER) {
                        secrets.iter().map(TfResource::address).collect()
                    } else {
                        Vec::new()
                    };
                    TfResource::new(
                        "google_project_iam_member",
                        name,
                        &reference,
                        &TfProjectMember {
                            project: self.project_id.clone(),
                            role,
                            member,
                            condition: grant.condition,
                            depends_on,
                        },
                    )
                }
                Target::ServiceAccount => TfResource::new(
                    "google_service_account_iam_member",
                    name,
                    &reference,
                    &TfServiceAccountMember {
                        service_account_id: gsa.attr("name"),
                        role,
                        member,
                        condition: grant.condition,
                    },
                ),
            });
        }
        resources.insert(0, gsa);
        TfFragment {
            providers: vec![provider],
            variables: Vec::new(),
            resources,
            data: Vec::new(),
            shared: roles.into_values().chain(secrets).collect(),
        }
    }

    /// Errors when `delivery` cannot apply this identity.
    pub(super) fn check_delivery(&self, delivery: Delivery) -> Vec<Diagnostic> {
        if delivery != Delivery::ConfigConnector {
            return Vec::new();
        }
        let refuse = |span: &crate::source::Span, what: &str, role: &CustomRole| {
            Diagnostic::error(
                Code::ProviderSetting,
                format!(
                    "`delivery = \"config-connector\"` cannot grant {what}: it needs the custom role `projects/{}/roles/{}`, and Config Connector has no custom role kind here",
                    self.project_id, role.id
                ),
            )
            .also(span, format!("{what} asked for here"))
            .help("use `delivery = \"terraform\"` (it creates the role as `google_project_iam_custom_role`) or `files` for this provider table, or give the store no push and no `find`")
        };
        let mut out = Vec::new();
        if let Some(span) = self.push_spans.first() {
            out.push(refuse(span, "a push", &super::policy::PUSHER));
        }
        if let Some(span) = self.finds.first() {
            out.push(refuse(span, "a `find`", &super::policy::LISTER));
        }
        out
    }

    /// How to check that `delivery` applied this identity.
    pub(super) fn checks(&self, delivery: Delivery, ctx: &AccessContext) -> Vec<String> {
        match delivery {
            Delivery::ConfigConnector => {
                let mut names = vec![format!(
                    "iamserviceaccounts.iam.cnrm.cloud.google.com/{}",
                    self.service_account_object_name(ctx)
                )];
                names.extend(self.grants().iter().map(|g| {
                    format!(
                        "iampolicymembers.iam.cnrm.cloud.google.com/{}",
                        Self::member_object_name(ctx, g, &self.member_spec(g))
                    )
                }));
                vec![format!(
                    "kubectl -n {} wait --for=condition=Ready --timeout=5m {}",
                    ctx.access_namespace,
                    names.join(" ")
                )]
            }
            Delivery::Terraform => {
                let mut addresses =
                    vec![format!("google_service_account.{}", ctx.terraform_name())];
                addresses.extend(self.grants().iter().map(|g| {
                    let kind = match g.target {
                        Target::Project => "google_project_iam_member",
                        Target::ServiceAccount => "google_service_account_iam_member",
                    };
                    format!("{kind}.{}", Self::grant_tf_name(ctx, g))
                }));
                addresses
                    .into_iter()
                    .map(|a| format!("terraform -chdir=terraform state show {a}"))
                    .collect()
            }
            _ => Vec::new(),
        }
    }
}
