//! GCP Secret Manager (ESO docs: provider/google-secrets-manager.md).
//!
//! On GKE the store's ServiceAccount carries `iam.gke.io/gcp-service-account`
//! and the store uses `auth.workloadIdentity`. Each identity is a Google
//! service account (GSA) that may access only secrets whose name starts with
//! the team prefix (an IAM condition, which names secrets by project
//! *number*), and that only the namespace's Kubernetes ServiceAccount may
//! impersonate (`roles/iam.workloadIdentityUser`).

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::types::Platform;
use crate::config::types::{Located, PathPrefix, Reason, describe_char};
use crate::diag::{Code, Diagnostic};
use crate::manifest::eso;
use crate::manifest::policy::{
    GcpBinding, GcpBindings, GcpCondition, GcpCustomRole, GcpPrecreate, PolicyDocument,
};
use crate::naming::Pattern;
use crate::source::Span;

use super::{
    AUTH, AuthChoice, AuthMode, AuthSupport, Backend, CREDENTIALS_SECRET, Decision, FollowUp,
    IdentityRequest, NativeAuth, ParseContext, Parsed, PolicyFile, ProviderConfig, ProviderKind,
    Required, SettingSpec, SettingType, StoreContext, parse_auth, static_decision,
};

/// The ServiceAccount annotation GKE Workload Identity reads.
pub const GSA_ANNOTATION: &str = "iam.gke.io/gcp-service-account";
/// Default GSA naming pattern.
pub const DEFAULT_GSA_NAME: &str = "eso-{{namespace}}";
/// Custom role for PushSecret writes (under the prefix condition).
pub const PUSHER_ROLE: &str = "esogenSecretPusher";
/// Custom role for `find` listing (on the project).
pub const LISTER_ROLE: &str = "esogenSecretLister";
/// Key of the static credentials Secret: a GSA key JSON.
pub const STATIC_KEYS: &[&str] = &["secret-access-credentials"];

const SETTINGS: &[SettingSpec] = &[
    SettingSpec::new(
        "project_id",
        SettingType::Str,
        Required::Yes,
        "project holding the secrets",
    )
    .with_example("acme-secrets"),
    SettingSpec::new(
        "project_number",
        SettingType::Str,
        Required::Yes,
        "its number, as a string: IAM conditions name secrets by number, not id (`gcloud projects describe P --format='value(projectNumber)'`)",
    )
    .with_example("123456789012"),
    SettingSpec::new(
        "cluster_location",
        SettingType::Str,
        Required::WithNativeAuth,
        "the GKE cluster's region or zone",
    )
    .with_example("europe-west1"),
    SettingSpec::new(
        "cluster_project_id",
        SettingType::Str,
        Required::No,
        "project of the cluster, whose Workload Identity pool the ServiceAccount belongs to",
    )
    .with_example("acme-clusters")
    .with_derived_default("`project_id`"),
    SettingSpec::new(
        "service_account_name",
        SettingType::Str,
        Required::No,
        "Google service account naming pattern",
    )
    .with_default(DEFAULT_GSA_NAME),
    SettingSpec::new(
        "gke_cluster_name",
        SettingType::Str,
        Required::No,
        "the GKE cluster's own name: ESO builds the Workload Identity resource from it (`gcloud container clusters list --format='value(name)'`)",
    )
    .with_example("prod-1")
    .with_derived_default("`[cluster].name`"),
    AUTH,
    CREDENTIALS_SECRET,
];

const NATIVE_AUTH: NativeAuth = NativeAuth {
    platform: Platform::Gke,
    mechanism: "GKE Workload Identity",
    static_keys: STATIC_KEYS,
    static_credentials: "a Google service account key JSON",
};

/// The GCP Secret Manager kind.
pub static SECRET_MANAGER: GcpKind = GcpKind;

/// GCP Secret Manager.
pub struct GcpKind;

fn is_project_id(s: &str) -> bool {
    (6..=30).contains(&s.len())
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && !s.ends_with('-')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn is_gsa_name(s: &str) -> bool {
    is_project_id(s)
}

impl ProviderKind for GcpKind {
    fn name(&self) -> &'static str {
        "gcp-secret-manager"
    }

    fn settings(&self) -> &'static [SettingSpec] {
        SETTINGS
    }

    fn auth(&self) -> &'static AuthSupport {
        &AuthSupport::Native(NATIVE_AUTH)
    }

    fn default_prefix(&self) -> &'static str {
        // Secret names hold no `/`.
        "prod-{team}-"
    }

    fn follow_ups(&self, auth: AuthChoice) -> Vec<FollowUp> {
        let mut out = vec![
            FollowUp::text("project_id", "GCP project holding the secrets"),
            FollowUp::text("project_number", "GCP project number (digits)"),
        ];
        if auth == AuthChoice::Platform {
            out.push(FollowUp::text(
                "cluster_location",
                "GKE cluster location (region or zone)",
            ));
        }
        out
    }

    fn examples(&self) -> &'static [&'static str] {
        &["gcp-secret-manager"]
    }

    fn parse(&self, ctx: ParseContext) -> Parsed {
        let ParseContext {
            mut fields,
            platform,
            kind_span,
            ..
        } = ctx;
        let project = fields.req_str(
            "project_id",
            "set `project_id` to the project holding the secrets",
        );
        let number = fields.req_str(
            "project_number",
            "IAM conditions name secrets by project number: `gcloud projects describe PROJECT --format='value(projectNumber)'`",
        );
        let auth = parse_auth(&mut fields, self.name(), platform, kind_span, &NATIVE_AUTH);
        let location = if auth == Some(AuthMode::Platform) {
            fields.req_str(
                "cluster_location",
                "set `cluster_location` to the GKE cluster's region or zone, such as `europe-west1`",
            )
        } else {
            fields.opt_str("cluster_location")
        };
        let cluster_project = fields.opt_str("cluster_project_id");
        // ESO builds the workload identity pool and provider from the real
        // GKE cluster name (`providers/v1/gcp/secretmanager/
        // workload_identity.go`), which need not be `[cluster].name`.
        let gke_cluster_name = fields.opt_str("gke_cluster_name").and_then(|n| {
            let ok = !n.value.is_empty()
                && n.value.len() <= 40
                && n.value.starts_with(|c: char| c.is_ascii_lowercase())
                && n
                    .value
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
            if ok {
                Some(n.value)
            } else {
                fields.error(
                    Diagnostic::error(
                        Code::ProviderSetting,
                        format!("`{}` is not a GKE cluster name", n.value),
                    )
                    .at(&n.span)
                    .help("GKE cluster names are up to 40 lowercase letters, digits and `-`, starting with a letter: `gcloud container clusters list --format='value(name)'`"),
                );
                None
            }
        });
        let gsa = fields.pattern("service_account_name", DEFAULT_GSA_NAME);
        let project = fields.valid(
            project,
            is_project_id,
            "a GCP project id",
            "project ids are 6 to 30 lowercase letters, digits and `-`, starting with a letter",
        );
        let number = fields.valid(
            number,
            |n| !n.is_empty() && n.len() <= 20 && n.chars().all(|c| c.is_ascii_digit()),
            "a GCP project number",
            "the project number is all digits; quote it as a string",
        );
        let cluster_project_given = cluster_project.is_some();
        let cluster_project = fields.valid(cluster_project, is_project_id, "a GCP project id", "");
        if cluster_project_given && cluster_project.is_none() {
            return Err(fields.finish().err().unwrap_or_default());
        }
        let diags = fields.finish()?;
        let (Some(project_id), Some(project_number), Some(auth), Some(gsa)) =
            (project, number, auth, gsa)
        else {
            return Err(diags);
        };
        Ok((
            Arc::new(GcpConfig {
                cluster_project_id: cluster_project.unwrap_or_else(|| project_id.clone()),
                project_id,
                project_number,
                cluster_location: location.map(|l| l.value).unwrap_or_default(),
                gke_cluster_name,
                gsa,
                auth,
            }),
            diags,
        ))
    }
}

/// Validated GCP settings.
#[derive(Debug)]
pub struct GcpConfig {
    project_id: String,
    project_number: String,
    cluster_location: String,
    /// The GKE cluster's own name; `None` means `[cluster].name`.
    gke_cluster_name: Option<String>,
    cluster_project_id: String,
    gsa: Located<Pattern>,
    auth: AuthMode,
}

impl ProviderConfig for GcpConfig {
    fn kind_name(&self) -> &'static str {
        "gcp-secret-manager"
    }

    fn check_prefix(&self, prefix: &PathPrefix) -> Result<(), Reason> {
        match prefix
            .as_str()
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '_' || *c == '-'))
        {
            Some(c) => Err(format!(
                "GCP secret names can hold only letters, digits, `_` and `-`, not {}; write the prefix as `{}`",
                describe_char(c),
                prefix
                    .as_str()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() || c == '_' {
                        c
                    } else {
                        '-'
                    })
                    .collect::<String>()
                    .trim_start_matches('-')
            )),
            None => Ok(()),
        }
    }

    fn overlap_scope(&self) -> String {
        format!("gcp-secret-manager:{}", self.project_id)
    }

    fn plan_identity(&self, req: &IdentityRequest) -> Result<Arc<dyn Backend>, Vec<Diagnostic>> {
        let name = self
            .gsa
            .value
            .render(&req.pattern_vars())
            .map_err(|e| vec![crate::naming::pattern_diagnostic(&e, &self.gsa.span)])?;
        if !is_gsa_name(&name) {
            return Err(vec![
                Diagnostic::error(
                    Code::PatternResult,
                    format!(
                        "`service_account_name` renders `{name}` for namespace `{}`, which is not a valid GCP service account id",
                        req.sa_namespace
                    ),
                )
                .at(&self.gsa.span)
                .help("service account ids are 6 to 30 lowercase letters, digits and `-`, starting with a letter"),
            ]);
        }
        Ok(Arc::new(GcpIdentity {
            email: format!("{name}@{}.iam.gserviceaccount.com", self.project_id),
            span: self.gsa.span.clone(),
            project_id: self.project_id.clone(),
            project_number: self.project_number.clone(),
            cluster: self
                .gke_cluster_name
                .clone()
                .unwrap_or_else(|| req.cluster.to_string()),
            cluster_location: self.cluster_location.clone(),
            cluster_project_id: self.cluster_project_id.clone(),
            auth: self.auth.clone(),
            sa_namespace: req.sa_namespace.to_string(),
            sa_name: req.sa_name.to_owned(),
            prefixes: req.prefixes.iter().map(|p| p.value.to_string()).collect(),
            finds: req.finds.iter().map(|f| f.span.clone()).collect(),
            pushes: !req.pushes.is_empty(),
            push_keys: req.push_keys.clone(),
        }))
    }
}

/// The identity of one GCP store.
#[derive(Debug, Hash)]
pub struct GcpIdentity {
    email: String,
    span: Span,
    project_id: String,
    project_number: String,
    cluster: String,
    cluster_location: String,
    cluster_project_id: String,
    auth: AuthMode,
    sa_namespace: String,
    sa_name: String,
    prefixes: Vec<String>,
    finds: Vec<Span>,
    pushes: bool,
    push_keys: Vec<String>,
}

/// Quotes a CEL string literal.
fn cel_string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl GcpIdentity {
    /// The IAM condition: secret resource names start with a team prefix.
    /// Conditions see `projects/<number>/secrets/<id>`, never the project id.
    pub fn condition_expression(&self) -> String {
        self.prefixes
            .iter()
            .map(|p| {
                format!(
                    "resource.name.startsWith({})",
                    cel_string(&format!("projects/{}/secrets/{p}", self.project_number))
                )
            })
            .collect::<Vec<_>>()
            .join(" || ")
    }

    fn member(&self) -> String {
        format!("serviceAccount:{}", self.email)
    }

    fn project_binding(&self, role: &str, condition: Option<GcpCondition>) -> GcpBinding {
        let mut command = vec![
            "gcloud".into(),
            "projects".into(),
            "add-iam-policy-binding".into(),
            self.project_id.clone(),
            format!("--member={}", self.member()),
            format!("--role={role}"),
        ];
        if let Some(c) = &condition {
            command.push(format!(
                "--condition=expression={},title={}",
                c.expression, c.title
            ));
        }
        GcpBinding {
            resource: format!("projects/{}", self.project_id),
            role: role.to_owned(),
            members: vec![self.member()],
            condition,
            command,
        }
    }

    fn custom_role(&self, id: &str, title: &str, permissions: &[&str]) -> GcpCustomRole {
        GcpCustomRole {
            name: format!("projects/{}/roles/{id}", self.project_id),
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
            command: vec![
                "gcloud".into(),
                "iam".into(),
                "roles".into(),
                "create".into(),
                id.to_owned(),
                format!("--project={}", self.project_id),
                format!("--title={title}"),
                format!("--permissions={}", permissions.join(",")),
            ],
        }
    }

    fn bindings(&self) -> GcpBindings {
        let condition = GcpCondition {
            title: format!("esogen-{}-prefix", self.sa_namespace),
            description: format!(
                "Generated by esogen: secrets under {} only",
                self.prefixes.join(", ")
            ),
            expression: self.condition_expression(),
        };
        let mut bindings = vec![self.project_binding(
            "roles/secretmanager.secretAccessor",
            Some(condition.clone()),
        )];
        let mut roles = Vec::new();
        if self.pushes {
            // What ESO calls on a push (`providers/v1/gcp/secretmanager/
            // client.go`, `PushSecret`): GetSecret, UpdateSecret for its
            // labels, AddSecretVersion; never a version destroy. These are
            // checked on the secret, so the prefix condition holds.
            let role = self.custom_role(
                PUSHER_ROLE,
                "esogen PushSecret writer",
                &[
                    "secretmanager.secrets.get",
                    "secretmanager.secrets.update",
                    "secretmanager.versions.add",
                ],
            );
            bindings.push(self.project_binding(&role.name, Some(condition)));
            roles.push(role);
        }
        // CreateSecret is checked on the project (its parent), where no
        // condition on the secret's name can hold: granting it would let a
        // team create another team's secret first, labelled as ESO's, with
        // its own expiry, topics or key, and ESO would then push into it
        // (`client.go`, `PushSecret`). A platform administrator creates each
        // pushed secret once instead.
        let precreate = self
            .push_keys
            .iter()
            .map(|key| GcpPrecreate {
                secret: key.clone(),
                command: vec![
                    "gcloud".into(),
                    "secrets".into(),
                    "create".into(),
                    key.clone(),
                    format!("--project={}", self.project_id),
                    "--replication-policy=automatic".into(),
                    "--labels=managed-by=external-secrets".into(),
                ],
            })
            .collect();
        if !self.finds.is_empty() {
            // ListSecrets is checked on the project; values are still read
            // through the prefix-conditioned accessor binding.
            let role = self.custom_role(
                LISTER_ROLE,
                "esogen find lister",
                &["secretmanager.secrets.list"],
            );
            bindings.push(self.project_binding(&role.name, None));
            roles.push(role);
        }
        if self.auth == AuthMode::Platform {
            let member = format!(
                "serviceAccount:{}.svc.id.goog[{}/{}]",
                self.cluster_project_id, self.sa_namespace, self.sa_name
            );
            bindings.push(GcpBinding {
                resource: format!(
                    "projects/{}/serviceAccounts/{}",
                    self.project_id, self.email
                ),
                role: "roles/iam.workloadIdentityUser".into(),
                members: vec![member.clone()],
                condition: None,
                command: vec![
                    "gcloud".into(),
                    "iam".into(),
                    "service-accounts".into(),
                    "add-iam-policy-binding".into(),
                    self.email.clone(),
                    format!("--project={}", self.project_id),
                    "--role=roles/iam.workloadIdentityUser".into(),
                    format!("--member={member}"),
                ],
            });
        }
        GcpBindings {
            comment: "Generated by esogen from tenants.toml. Do not edit. Create each role, then run each binding's command once the service account exists.".into(),
            roles,
            precreate,
            bindings,
        }
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
        if self.pushes {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn project_ids() {
        assert!(is_project_id("my-project-123"));
        assert!(!is_project_id("short"));
        assert!(!is_project_id("1project"));
        assert!(!is_project_id("project-"));
        assert!(!is_project_id("Project-x"));
    }

    #[test]
    fn cel_strings_are_escaped() {
        assert_eq!(cel_string(r#"a"b\c"#), r#""a\"b\\c""#);
    }
}
