//! AWS Secrets Manager and AWS Systems Manager Parameter Store (ESO docs:
//! provider/aws-access.md, aws-secrets-manager.md, aws-parameter-store.md).
//!
//! On EKS the store's ServiceAccount carries `eks.amazonaws.com/role-arn`
//! and the store authenticates with `auth.jwt.serviceAccountRef` (IRSA).
//! Each identity gets an IAM role whose trust policy pins the cluster's
//! OIDC provider, the exact `system:serviceaccount:<ns>:<sa>` subject and
//! the `sts.amazonaws.com` audience, and whose permission policy reads only
//! the team prefix. Elsewhere, static access keys are read from a Secret by
//! reference, and the same permission policy is generated for that IAM user.
//!
//! This file reads the provider table and plans identities;
//! [`identity`] is one planned identity, [`policy`] its IAM documents.

mod access;
mod identity;
mod policy;

use identity::{AwsIdentity, Role};

use std::sync::Arc;

use crate::config::types::Platform;
use crate::config::types::{Located, PathPrefix, Reason, describe_char};
use crate::diag::{Code, Diagnostic};
use crate::naming::Pattern;

use super::{
    AUTH, AuthChoice, AuthMode, AuthSupport, Backend, CREDENTIALS_SECRET, Delivery, Fields,
    FollowUp, IdentityRequest, NativeAuth, ParseContext, Parsed, ProviderConfig, ProviderKind,
    Required, SettingSpec, SettingType, parse_auth,
};

/// Default IAM role naming pattern: one role per store identity.
pub const DEFAULT_ROLE_NAME: &str = "eso-{{namespace}}";
/// The ServiceAccount annotation IRSA reads.
pub const ROLE_ARN_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
/// The audience EKS issues IRSA tokens for.
pub const STS_AUDIENCE: &str = "sts.amazonaws.com";
/// Keys of the static credentials Secret.
pub const STATIC_KEYS: &[&str] = &["access-key-id", "secret-access-key"];
/// The tag ESO puts on every secret and parameter it creates, and checks
/// before it updates or deletes one (`secretsmanager.go` and
/// `parameterstore.go`, constants `managedBy` and `externalSecrets`).
pub const MANAGED_BY_TAG: &str = "managed-by";
/// The value of [`MANAGED_BY_TAG`].
pub const MANAGED_BY_VALUE: &str = "external-secrets";

/// Which AWS service a provider reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// AWS Secrets Manager.
    SecretsManager,
    /// AWS Systems Manager Parameter Store.
    ParameterStore,
}

impl Service {
    fn kind_name(self) -> &'static str {
        match self {
            Self::SecretsManager => "aws-secrets-manager",
            Self::ParameterStore => "aws-parameter-store",
        }
    }

    fn eso_name(self) -> &'static str {
        match self {
            Self::SecretsManager => "SecretsManager",
            Self::ParameterStore => "ParameterStore",
        }
    }

    /// Actions on the prefix that reading needs: ESO reads one secret with
    /// `GetSecretValue` (`providers/v1/aws/secretsmanager/secretsmanager.go`,
    /// `fetch`) and one parameter with `GetParameter`
    /// (`providers/v1/aws/parameterstore/parameterstore.go`,
    /// `getParameterValue`); nothing else on the read path.
    pub fn read_actions(self) -> &'static [&'static str] {
        match self {
            Self::SecretsManager => &["secretsmanager:GetSecretValue"],
            Self::ParameterStore => &["ssm:GetParameter"],
        }
    }

    /// The service's KMS endpoint name, for `kms:ViaService`.
    fn kms_service(self) -> &'static str {
        match self {
            Self::SecretsManager => "secretsmanager",
            Self::ParameterStore => "ssm",
        }
    }

    /// The encryption-context key the service sets to the object's ARN.
    fn kms_context_key(self) -> &'static str {
        match self {
            Self::SecretsManager => "kms:EncryptionContext:SecretARN",
            Self::ParameterStore => "kms:EncryptionContext:PARAMETER_ARN",
        }
    }

    /// Actions `dataFrom.find` needs that AWS cannot limit to a resource.
    /// Secrets Manager lists with `BatchGetSecretValue` filtered by the
    /// path (which needs `ListSecrets` too), then each value is checked
    /// against `GetSecretValue` on the prefix. Parameter Store reads with
    /// `GetParametersByPath`, which IAM checks on the path itself, already
    /// granted on the prefix; ESO falls back to the account-wide
    /// `DescribeParameters` only after an AccessDenied there
    /// (`providers/v1/aws/parameterstore/parameterstore.go`, `findByName`).
    pub fn find_actions(self) -> &'static [&'static str] {
        match self {
            Self::SecretsManager => &[
                "secretsmanager:BatchGetSecretValue",
                "secretsmanager:ListSecrets",
            ],
            Self::ParameterStore => &[],
        }
    }

    fn resource(self, partition: &str, region: &str, account: &str, prefix: &str) -> String {
        match self {
            Self::SecretsManager => {
                format!("arn:{partition}:secretsmanager:{region}:{account}:secret:{prefix}*")
            }
            // The parameter ARN joins `parameter` and a fully qualified name
            // with one slash: `/prod/x` is `...:parameter/prod/x`.
            Self::ParameterStore => format!(
                "arn:{partition}:ssm:{region}:{account}:parameter/{}*",
                prefix.strip_prefix('/').unwrap_or(prefix)
            ),
        }
    }
}

/// The Secrets Manager kind.
pub static SECRETS_MANAGER: AwsKind = AwsKind {
    service: Service::SecretsManager,
};
/// The Parameter Store kind.
pub static PARAMETER_STORE: AwsKind = AwsKind {
    service: Service::ParameterStore,
};

/// An AWS provider kind.
pub struct AwsKind {
    service: Service,
}

const SETTINGS: &[SettingSpec] = &[
    SettingSpec::new(
        "region",
        SettingType::Str,
        Required::Yes,
        "AWS region of the secrets, such as `eu-west-1` (`cn-` and `us-gov-` regions get their partition)",
    )
    .with_example("eu-west-1")
    .with_pattern(REGION_PATTERN),
    SettingSpec::new(
        "account_id",
        SettingType::Str,
        Required::Yes,
        "12-digit account id of the secrets and the IAM roles, as a quoted string",
    )
    .with_example("123456789012")
    .with_pattern(ACCOUNT_ID_PATTERN),
    AUTH,
    CREDENTIALS_SECRET,
    SettingSpec::new(
        "oidc_provider",
        SettingType::Str,
        Required::WithNativeAuth,
        "the cluster's OIDC issuer without `https://`: `aws eks describe-cluster --name C --query cluster.identity.oidc.issuer`",
    )
    .with_example("oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE")
    .with_pattern(OIDC_PROVIDER_PATTERN)
    .only_with(AuthChoice::Platform),
    SettingSpec::new(
        "role_name",
        SettingType::Str,
        Required::No,
        "IAM role naming pattern (IRSA only)",
    )
    .with_default(DEFAULT_ROLE_NAME)
    .only_with(AuthChoice::Platform),
    SettingSpec::new(
        "kms_key_arns",
        SettingType::StrList,
        Required::No,
        "customer managed KMS keys (key ARNs, not aliases) of the secrets or SecureString parameters: grants `kms:Decrypt` (and `kms:GenerateDataKey` for Secrets Manager push) only through the service (`kms:ViaService`) and only for objects under the prefix (encryption context `SecretARN` / `PARAMETER_ARN`). Keys AWS manages (`aws/secretsmanager`, `aws/ssm`) need nothing",
    )
    .with_example("arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    .with_pattern(KMS_KEY_ARN_PATTERN),
];

/// The shape of `region` (see [`is_region`]).
const REGION_PATTERN: &str = "^[a-z]{2}(-[a-z]+)+-[0-9]+$";
/// The shape of `account_id` (see [`is_account_id`]).
const ACCOUNT_ID_PATTERN: &str = "^[0-9]{12}$";
/// The shape of `oidc_provider` (see [`oidc_help`]).
const OIDC_PROVIDER_PATTERN: &str = "^[A-Za-z0-9._-]*/[A-Za-z0-9._/-]*[A-Za-z0-9._-]$";
/// The shape of each `kms_key_arns` element (see [`is_kms_key_arn`]).
const KMS_KEY_ARN_PATTERN: &str =
    "^arn:aws[^:]*:kms:[a-z]{2}(-[a-z]+)+-[0-9]+:[0-9]{12}:key/[A-Za-z0-9-]+$";

const NATIVE_AUTH: NativeAuth = NativeAuth {
    platform: Platform::Eks,
    mechanism: "IRSA",
    static_keys: STATIC_KEYS,
    static_credentials: "an IAM user's access keys",
};

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

fn is_account_id(a: &str) -> bool {
    a.len() == 12 && a.chars().all(|c| c.is_ascii_digit())
}

fn is_role_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-".contains(c))
}

/// What is wrong with an `oidc_provider` value, as a help line; `None`
/// when it is an OIDC provider host and path.
fn oidc_help(v: &str) -> Option<&'static str> {
    if v.starts_with("https://") || v.starts_with("http://") {
        Some("IAM names the OIDC provider without `https://`: remove the URL scheme")
    } else if v.is_empty()
        || v.ends_with('/')
        || !v.contains('/')
        || v.chars()
            .any(|c| !(c.is_ascii_alphanumeric() || "./-_".contains(c)))
    {
        Some("expected the form `oidc.eks.<region>.amazonaws.com/id/<ID>`")
    } else {
        None
    }
}

fn check_oidc(fields: &mut Fields, o: Located<String>) -> Option<String> {
    let v = &o.value;
    match oidc_help(v) {
        Some(h) => {
            fields.error(
                Diagnostic::error(
                    Code::ProviderSetting,
                    format!("`{v}` is not an OIDC provider host and path"),
                )
                .at(&o.span)
                .help(h),
            );
            None
        }
        None => Some(v.clone()),
    }
}

/// True for a KMS key ARN: `arn:<partition>:kms:<region>:<account>:key/<id>`.
fn is_kms_key_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "kms"
        && is_region(parts[3])
        && is_account_id(parts[4])
        && parts[5].strip_prefix("key/").is_some_and(|id| {
            !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// Keeps the KMS key ARNs that are key ARNs (`arn:<partition>:kms:<region>:
/// <account>:key/<id>`): IAM authorizes KMS calls on the key itself, never
/// on an alias.
fn check_kms_keys(fields: &mut Fields, list: Located<Vec<String>>) -> Vec<String> {
    let mut out = Vec::new();
    for arn in &list.value {
        if is_kms_key_arn(arn) {
            out.push(arn.clone());
        } else {
            fields.error(
                Diagnostic::error(
                    Code::ProviderSetting,
                    format!("`{arn}` is not a KMS key ARN"),
                )
                .at(&list.span)
                .help("list key ARNs such as `arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab`; IAM checks KMS calls on the key, not on an alias"),
            );
        }
    }
    out.sort();
    out.dedup();
    out
}

impl ProviderKind for AwsKind {
    fn name(&self) -> &'static str {
        self.service.kind_name()
    }

    fn settings(&self) -> &'static [SettingSpec] {
        SETTINGS
    }

    fn auth(&self) -> &'static AuthSupport {
        &AuthSupport::Native(NATIVE_AUTH)
    }

    fn default_prefix(&self) -> &'static str {
        match self.service {
            Service::SecretsManager => "prod/{team}/",
            // A parameter name with a hierarchy starts with `/`.
            Service::ParameterStore => "/prod/{team}/",
        }
    }

    fn follow_ups(&self, auth: AuthChoice) -> Vec<FollowUp> {
        let mut out = vec![
            FollowUp::text("region", "AWS region of the secrets").suggesting("eu-west-1"),
            FollowUp::text("account_id", "AWS account id (12 digits)"),
        ];
        if auth == AuthChoice::Platform {
            out.push(FollowUp::text(
                "oidc_provider",
                "EKS OIDC provider (issuer without https://)",
            ));
        }
        out
    }

    fn deliveries(&self) -> &'static [Delivery] {
        &[Delivery::Terraform, Delivery::Ack, Delivery::Crossplane]
    }

    fn examples(&self) -> &'static [&'static str] {
        match self.service {
            Service::SecretsManager => &["aws-secrets-manager", "static-credentials"],
            Service::ParameterStore => &["aws-parameter-store"],
        }
    }

    fn parse(&self, ctx: ParseContext) -> Parsed {
        let ParseContext {
            mut fields,
            platform,
            kind_span,
            ..
        } = ctx;
        let kind = self.name();
        let region = fields.req_str(
            "region",
            "set `region = \"eu-west-1\"`, the region of the secrets",
        );
        let account = fields.req_str(
            "account_id",
            "set `account_id` to the 12-digit AWS account that holds the secrets and the IAM roles",
        );
        let auth = parse_auth(&mut fields, kind, platform, kind_span, &NATIVE_AUTH);
        let oidc = fields.opt_str("oidc_provider");
        let role = fields.opt_str("role_name");
        let kms_keys = fields
            .opt_str_list("kms_key_arns")
            .map(|l| check_kms_keys(&mut fields, l))
            .unwrap_or_default();
        let region = fields.valid(
            region,
            is_region,
            "an AWS region",
            "use a region code such as `eu-west-1`",
        );
        let account_id = fields.valid(
            account,
            is_account_id,
            "a 12-digit AWS account id",
            "write the account id as a quoted string of 12 digits, leading zeros included",
        );
        let mut irsa = None;
        match &auth {
            Some(AuthMode::Platform) => {
                let oidc = match oidc {
                    Some(o) => check_oidc(&mut fields, o),
                    None => {
                        fields.error(
                            Diagnostic::error(
                                Code::ProviderSetting,
                                format!("provider of kind `{kind}` on EKS needs `oidc_provider`"),
                            )
                            .at(fields.table_span())
                            .help("set it to the cluster's OIDC issuer without `https://`: `aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer`"),
                        );
                        None
                    }
                };
                let role_name = match role {
                    Some(p) => match Pattern::compile(&p.value) {
                        Ok(c) => Some(Located::new(c, p.span)),
                        Err(e) => {
                            fields.error(crate::naming::pattern_diagnostic(&e, &p.span));
                            None
                        }
                    },
                    None => Pattern::compile(DEFAULT_ROLE_NAME)
                        .ok()
                        .map(|c| Located::new(c, fields.table_span().clone())),
                };
                if let (Some(o), Some(r)) = (oidc, role_name) {
                    irsa = Some(Irsa {
                        oidc_provider: o,
                        role_name: r,
                    });
                }
            }
            Some(AuthMode::Static { .. }) => {
                for s in [oidc, role].into_iter().flatten() {
                    fields.error(
                        Diagnostic::error(
                            Code::ProviderSetting,
                            "`oidc_provider` and `role_name` are only used with IRSA",
                        )
                        .at(&s.span)
                        .help("remove them: with `auth = \"static\"` the Secret's access keys decide the identity"),
                    );
                }
            }
            None => {}
        }
        let diags = fields.finish()?;
        let (Some(region), Some(account_id), Some(auth)) = (region, account_id, auth) else {
            return Err(diags);
        };
        if auth == AuthMode::Platform && irsa.is_none() {
            return Err(diags);
        }
        Ok((
            Arc::new(AwsConfig {
                service: self.service,
                partition: partition_of(&region),
                region,
                account_id,
                auth,
                irsa,
                kms_keys,
            }),
            diags,
        ))
    }
}

#[derive(Debug, Clone)]
struct Irsa {
    oidc_provider: String,
    role_name: Located<Pattern>,
}

/// Validated AWS provider settings.
#[derive(Debug)]
pub struct AwsConfig {
    service: Service,
    region: String,
    partition: &'static str,
    account_id: String,
    auth: AuthMode,
    irsa: Option<Irsa>,
    kms_keys: Vec<String>,
}

impl ProviderConfig for AwsConfig {
    fn kind_name(&self) -> &'static str {
        self.service.kind_name()
    }

    fn check_prefix(&self, prefix: &PathPrefix) -> Result<(), Reason> {
        let p = prefix.as_str();
        match self.service {
            Service::SecretsManager => {
                if let Some(c) = p
                    .chars()
                    .find(|c| !(c.is_ascii_alphanumeric() || "/_+=.@-".contains(*c)))
                {
                    return Err(format!(
                        "Secrets Manager names cannot contain {}; allowed are letters, digits and `/_+=.@-`",
                        describe_char(c)
                    ));
                }
            }
            Service::ParameterStore => {
                if let Some(c) = p
                    .chars()
                    .find(|c| !(c.is_ascii_alphanumeric() || "/_.-".contains(*c)))
                {
                    return Err(format!(
                        "parameter names cannot contain {}; allowed are letters, digits and `/_.-`",
                        describe_char(c)
                    ));
                }
                if p.contains('/') && !p.starts_with('/') {
                    return Err(format!(
                        "a parameter name with a hierarchy must start with `/`, so write `/{p}`; \
                         ESO keys then start with `/` too, while the IAM ARN drops it (`parameter/{p}*`)"
                    ));
                }
                let lower = p.trim_start_matches('/').to_ascii_lowercase();
                if lower.starts_with("aws") || lower.starts_with("ssm") {
                    return Err("parameter names cannot begin with `aws` or `ssm`".into());
                }
            }
        }
        Ok(())
    }

    fn overlap_key(&self, prefix: &PathPrefix) -> PathPrefix {
        match self.service {
            // The ARN drops the leading slash: `prod` and `/prod/b/` are
            // `parameter/prod*` and `parameter/prod/b/*`.
            Service::ParameterStore => prefix.mapped(|p| p.trim_start_matches('/').to_owned()),
            Service::SecretsManager => prefix.clone(),
        }
    }

    fn find_path(&self, prefix: &str, path: &str) -> Result<Option<String>, Reason> {
        match self.service {
            // GetParametersByPath reads a folder of the hierarchy, and IAM
            // checks it on the folder's own ARN, without a trailing slash.
            Service::ParameterStore => {
                super::folder_inside(prefix, path, "Parameter Store searches folders")
                    .map(|f| Some(f.trim_end_matches('/').to_owned()))
            }
            // BatchGetSecretValue filters names by the path as a prefix.
            Service::SecretsManager => Ok(Some(path.to_owned())),
        }
    }

    fn check_push_properties(&self) -> Result<(), Reason> {
        match self.service {
            // ESO v2.9.0 `parameterstore.go`, `PushSecret`: the parameter is
            // the one key's value or the whole Secret; `property` is never
            // read.
            Service::ParameterStore => Err(super::PUSH_WHOLE_VALUES.to_owned()),
            Service::SecretsManager => Ok(()),
        }
    }

    fn push_metadata(&self) -> Option<super::PushMetadata> {
        match self.service {
            // ESO's defaults (`constructMetadataWithDefaults`) push a plain
            // `String` parameter holding the Secret's values in base64; an
            // encrypted parameter of the values as written instead (with
            // the `aws/ssm` key, which needs no grant).
            Service::ParameterStore => Some(super::PushMetadata::new(super::PushMetadataSpec {
                secret_type: Some("SecureString"),
                encode_as_decoded: true,
            })),
            Service::SecretsManager => None,
        }
    }

    fn overlap_scope(&self) -> String {
        format!(
            "{}:{}:{}",
            self.service.kind_name(),
            self.account_id,
            self.region
        )
    }

    fn plan_identity(&self, req: &IdentityRequest) -> Result<Arc<dyn Backend>, Vec<Diagnostic>> {
        let mut role = None;
        if let Some(irsa) = &self.irsa {
            let vars = req.pattern_vars();
            let name =
                irsa.role_name.value.render(&vars).map_err(|e| {
                    vec![crate::naming::pattern_diagnostic(&e, &irsa.role_name.span)]
                })?;
            if !is_role_name(&name) {
                return Err(vec![
                    Diagnostic::error(
                        Code::PatternResult,
                        format!(
                            "`role_name` renders `{name}` for namespace `{}`, which is not a valid IAM role name",
                            req.sa_namespace
                        ),
                    )
                    .at(&irsa.role_name.span)
                    .help("IAM role names are 1 to 64 characters of letters, digits and `+=,.@_-`; shorten the pattern"),
                ]);
            }
            role = Some(Role {
                arn: format!(
                    "arn:{}:iam::{}:role/{name}",
                    self.partition, self.account_id
                ),
                name,
                span: irsa.role_name.span.clone(),
                oidc_provider: irsa.oidc_provider.clone(),
            });
        }
        // Each find lies under its team's prefix, and the prefixes of one
        // provider table never overlap (validate refuses it), so a find's
        // prefix is the greatest prefix sorting before it: a binary search,
        // not a scan of every team per find in a shared ClusterSecretStore.
        let mut sorted: Vec<&str> = req.prefixes.iter().map(|p| p.value.as_str()).collect();
        sorted.sort_unstable();
        let prefix_of = |find: &str| -> Option<&str> {
            let before = sorted.partition_point(|p| *p <= find);
            sorted
                .get(..before)
                .and_then(<[&str]>::last)
                .filter(|p| find.starts_with(**p))
                .or_else(|| sorted.iter().find(|p| find.starts_with(**p)))
                .copied()
        };
        let resources = req
            .prefixes
            .iter()
            .map(|p| {
                self.service.resource(
                    self.partition,
                    &self.region,
                    &self.account_id,
                    p.value.as_str(),
                )
            })
            .collect();
        Ok(Arc::new(AwsIdentity {
            service: self.service,
            region: self.region.clone(),
            account_id: self.account_id.clone(),
            partition: self.partition,
            auth: self.auth.clone(),
            role,
            sa_namespace: req.sa_namespace.to_string(),
            sa_name: req.sa_name.to_owned(),
            resources,
            finds: req
                .finds
                .iter()
                .filter_map(|f| {
                    let prefix = prefix_of(&f.value)?;
                    let path = self.find_path(prefix, &f.value).ok()??;
                    Some(Located::new(path, f.span.clone()))
                })
                .collect(),
            pushes: !req.pushes.is_empty(),
            reads_keys: req.reads_keys,
            kms_keys: self.kms_keys.clone(),
        }))
    }
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

    /// The JSON Schema's patterns accept exactly what the parser does.
    #[test]
    fn schema_patterns_agree_with_the_parser() {
        use crate::config::patterns::testing::agrees;
        agrees(
            REGION_PATTERN,
            None,
            is_region,
            "aeu-1 ",
            &[
                "eu-west-1",
                "us-gov-east-1",
                "eu-west",
                "eu--1",
                "e-west-1",
                "eu-west-1a",
            ],
        );
        agrees(
            ACCOUNT_ID_PATTERN,
            None,
            is_account_id,
            "019a ",
            &[
                "123456789012",
                "12345678901",
                "1234567890123",
                "12345678901a",
            ],
        );
        agrees(
            OIDC_PROVIDER_PATTERN,
            None,
            |v| oidc_help(v).is_none(),
            "oa./-_:h \\",
            &[
                "oidc.eks.eu-west-1.amazonaws.com/id/X",
                "https://oidc.eks.eu-west-1.amazonaws.com/id/X",
                "oidc/",
                "/x",
                "x",
                "",
            ],
        );
        agrees(
            KMS_KEY_ARN_PATTERN,
            None,
            is_kms_key_arn,
            "arn:awskmeu-1/y0",
            &[
                "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab",
                "arn:aws-cn:kms:cn-north-1:123456789012:key/a",
                "arn:aws:kms:eu-west-1:123456789012:alias/a",
                "arn:aws:kms:eu-west-1:12345678901:key/a",
                "arn:aws:kms:eu-west-1:123456789012:key/",
                "arn:aws:kms:eu-west-1:123456789012:key/a:b",
            ],
        );
    }

    #[test]
    fn parameter_arns_drop_the_leading_slash() {
        assert_eq!(
            Service::ParameterStore.resource("aws", "eu-west-1", "1", "/prod/pay/"),
            "arn:aws:ssm:eu-west-1:1:parameter/prod/pay/*"
        );
        assert_eq!(
            Service::SecretsManager.resource("aws", "eu-west-1", "1", "prod/pay/"),
            "arn:aws:secretsmanager:eu-west-1:1:secret:prod/pay/*"
        );
    }
}
