//! GCP Secret Manager (ESO docs: provider/google-secrets-manager.md).
//!
//! On GKE the store's ServiceAccount carries `iam.gke.io/gcp-service-account`
//! and the store uses `auth.workloadIdentity`. Each identity is a Google
//! service account (GSA) that may access only secrets whose name starts with
//! the team prefix (an IAM condition, which names secrets by project
//! *number*), and that only the namespace's Kubernetes ServiceAccount may
//! impersonate (`roles/iam.workloadIdentityUser`).

mod access;
mod identity;
mod policy;

pub use identity::GcpIdentity;

use std::sync::Arc;

use crate::config::types::Platform;
use crate::config::types::{Located, PathPrefix, Reason, describe_char};
use crate::diag::{Code, Diagnostic};
use crate::naming::Pattern;

use super::{
    AUTH, AuthChoice, AuthMode, AuthSupport, Backend, CREDENTIALS_SECRET, Delivery, FollowUp,
    IdentityRequest, NativeAuth, ParseContext, Parsed, ProviderConfig, ProviderKind, Required,
    SettingSpec, SettingType, parse_auth,
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
    .with_example("acme-secrets")
    .with_pattern(PROJECT_ID_PATTERN),
    SettingSpec::new(
        "project_number",
        SettingType::Str,
        Required::Yes,
        "its number, as a string: IAM conditions name secrets by number, not id (`gcloud projects describe P --format='value(projectNumber)'`)",
    )
    .with_example("123456789012")
    .with_pattern(PROJECT_NUMBER_PATTERN),
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
    .with_derived_default("`project_id`")
    .with_pattern(PROJECT_ID_PATTERN),
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
    .with_derived_default("`[cluster].name`")
    .with_pattern(GKE_CLUSTER_NAME_PATTERN),
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

/// The shape of a project id (see [`is_project_id`]).
const PROJECT_ID_PATTERN: &str = "^[a-z][a-z0-9-]{4,28}[a-z0-9]$";
/// The shape of `project_number` (see [`is_project_number`]).
const PROJECT_NUMBER_PATTERN: &str = "^[0-9]{1,20}$";
/// The shape of `gke_cluster_name` (see [`is_gke_cluster_name`]).
const GKE_CLUSTER_NAME_PATTERN: &str = "^[a-z][a-z0-9-]{0,39}$";

fn is_project_number(n: &str) -> bool {
    !n.is_empty() && n.len() <= 20 && n.chars().all(|c| c.is_ascii_digit())
}

/// GKE cluster names: up to 40 lowercase letters, digits and `-`, starting
/// with a letter.
fn is_gke_cluster_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 40
        && n.starts_with(|c: char| c.is_ascii_lowercase())
        && n.chars()
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

    fn deliveries(&self) -> &'static [Delivery] {
        &[Delivery::Terraform, Delivery::ConfigConnector]
    }

    fn examples(&self) -> &'static [&'static str] {
        &[
            "gcp-secret-manager",
            "gcp-config-connector",
            "terraform-gcp",
        ]
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
            if is_gke_cluster_name(&n.value) {
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
            is_project_number,
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
            account_id: name,
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
            push_spans: req.pushes.iter().map(|s| (*s).clone()).collect(),
            push_keys: req.push_keys.clone(),
        }))
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

    /// The JSON Schema's patterns accept exactly what the parser does.
    #[test]
    fn schema_patterns_agree_with_the_parser() {
        use crate::config::patterns::testing::agrees;
        agrees(
            PROJECT_ID_PATTERN,
            None,
            is_project_id,
            "az0-A",
            &[
                "my-project-123",
                "short",
                "1project",
                "project-",
                &"a".repeat(30),
                &"a".repeat(31),
            ],
        );
        agrees(
            PROJECT_NUMBER_PATTERN,
            None,
            is_project_number,
            "09a-",
            &["123456789012", "", &"1".repeat(20), &"1".repeat(21)],
        );
        agrees(
            GKE_CLUSTER_NAME_PATTERN,
            None,
            is_gke_cluster_name,
            "az0-A",
            &["prod-1", "1prod", "prod-", &"a".repeat(40), &"a".repeat(41)],
        );
    }
}
