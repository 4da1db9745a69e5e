//! The identity of one GCP store: what its ServiceAccount carries, how its
//! store authenticates, and what esogen tells the user about it.

use std::collections::BTreeMap;

use crate::diag::{Code, Diagnostic};
use crate::manifest::eso;
use crate::manifest::policy::PolicyDocument;
use crate::source::Span;

use super::super::{
    AccessContext, AuthMode, Backend, Decision, Delivery, PolicyFile, StoreContext, static_decision,
};
use super::{GSA_ANNOTATION, PUSHER_ROLE, STATIC_KEYS};

/// The identity of one GCP store.
#[derive(Debug, Hash)]
pub struct GcpIdentity {
    /// The Google service account's e-mail.
    pub(super) email: String,
    /// Its account id (the part before `@`).
    pub(super) account_id: String,
    /// Where its naming pattern was written.
    pub(super) span: Span,
    pub(super) project_id: String,
    pub(super) project_number: String,
    pub(super) cluster: String,
    pub(super) cluster_location: String,
    pub(super) cluster_project_id: String,
    pub(super) auth: AuthMode,
    pub(super) sa_namespace: String,
    pub(super) sa_name: String,
    pub(super) prefixes: Vec<String>,
    /// Spans of the `find` searches the store serves.
    pub(super) finds: Vec<Span>,
    /// Spans of the secrets the store pushes.
    pub(super) push_spans: Vec<Span>,
    /// The remote keys those secrets push to, sorted.
    pub(super) push_keys: Vec<String>,
}

impl GcpIdentity {
    /// True when the store pushes (PushSecret).
    pub(super) fn pushes(&self) -> bool {
        !self.push_spans.is_empty()
    }
}

impl Backend for GcpIdentity {
    fn service_account_annotations(&self) -> BTreeMap<String, String> {
        match self.auth {
            AuthMode::Platform => BTreeMap::from([(GSA_ANNOTATION.to_owned(), self.email.clone())]),
            AuthMode::Static { .. } => BTreeMap::new(),
        }
    }

    fn uses_service_account(&self) -> bool {
        self.auth == AuthMode::Platform
    }

    fn store_provider(&self, ctx: &StoreContext) -> eso::StoreProvider {
        let auth = match &self.auth {
            AuthMode::Platform => eso::GcpAuth {
                workload_identity: Some(eso::GcpWorkloadIdentity {
                    cluster_location: self.cluster_location.clone(),
                    cluster_name: self.cluster.clone(),
                    cluster_project_id: self.cluster_project_id.clone(),
                    service_account_ref: ctx.service_account_ref(Vec::new()),
                }),
                secret_ref: None,
            },
            AuthMode::Static { secret } => eso::GcpAuth {
                workload_identity: None,
                secret_ref: Some(eso::GcpSecretRef {
                    secret_access_key_secret_ref: ctx.secret_key_ref(&secret.value, STATIC_KEYS[0]),
                }),
            },
        };
        eso::StoreProvider {
            gcpsm: Some(eso::GcpProvider {
                project_id: self.project_id.clone(),
                auth,
            }),
            ..eso::StoreProvider::default()
        }
    }

    fn policy_files(&self, store_name: &str) -> Vec<PolicyFile> {
        vec![PolicyFile {
            file_name: format!("{store_name}.gcp-iam.json"),
            purpose: format!("IAM bindings of {}", self.email),
            document: PolicyDocument::GcpBindings(self.bindings()),
        }]
    }

    fn decisions(&self) -> Vec<Decision> {
        let mut out = vec![match &self.auth {
            AuthMode::Platform => Decision {
                topic: "auth",
                choice: format!("GKE Workload Identity as `{}`", self.email),
                reason: format!(
                    "GKE + GCP Secret Manager: short-lived credentials; the ServiceAccount `{}/{}` carries \
                     `{GSA_ANNOTATION}` and only it may impersonate the service account (`roles/iam.workloadIdentityUser`)",
                    self.sa_namespace, self.sa_name
                ),
            },
            AuthMode::Static { secret } => static_decision(&secret.value, STATIC_KEYS),
        }];
        out.push(Decision {
            topic: "policy",
            choice: format!("`roles/secretmanager.secretAccessor` where `{}`", self.condition_expression()),
            reason: "credentials reach the team prefix and nothing else (ESO guide, question 3); IAM conditions \
                     name secrets by project number"
                .into(),
        });
        if self.pushes() {
            out.push(Decision {
                topic: "push",
                choice: format!(
                    "custom role `{PUSHER_ROLE}` (secrets.get, secrets.update, versions.add) under the same condition; \
                     each pushed secret created once by a platform administrator ({})",
                    self.push_keys.join(", ")
                ),
                reason: "exactly the calls ESO makes on a push to an existing secret; GCP checks secret creation on \
                         the project, where no name condition holds, so creating is not granted (a team could \
                         otherwise create another team's secret first, with its own expiry or notifications)"
                    .into(),
            });
        }
        out
    }

    fn findings(&self) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        out.extend(self.finds.iter().map(|span| {
            Diagnostic::warning(
                Code::ListSecretsExposure,
                format!(
                    "`find` grants `{}` `secretmanager.secrets.list` on project {}, which lists every secret name there",
                    self.email, self.project_id
                ),
            )
            .at(span)
            .help("values stay limited to the prefix; to avoid listing, name each secret with `key` instead of `find`")
        }));
        out
    }

    fn identity_key(&self) -> Option<(String, Span)> {
        Some((self.email.clone(), self.span.clone()))
    }

    fn verify_commands(&self) -> Vec<String> {
        vec![
            format!("gcloud iam service-accounts get-iam-policy {}", self.email),
            format!(
                "gcloud projects get-iam-policy {} --flatten=bindings --filter=bindings.members:serviceAccount:{}",
                self.project_id, self.email
            ),
        ]
    }

    fn granted_resources(&self) -> Vec<String> {
        self.prefixes
            .iter()
            .map(|p| format!("projects/{}/secrets/{p}", self.project_number))
            .collect()
    }

    fn access_objects(
        &self,
        delivery: Delivery,
        ctx: &AccessContext,
    ) -> Vec<crate::manifest::access::AccessObject> {
        match delivery {
            Delivery::ConfigConnector => self.config_connector_objects(ctx),
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
