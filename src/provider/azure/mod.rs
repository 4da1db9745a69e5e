//! Azure Key Vault (ESO docs: provider/azure-key-vault.md).
//!
//! On AKS the store's ServiceAccount carries
//! `azure.workload.identity/client-id` and the store uses
//! `authType: WorkloadIdentity`. Key Vault grants access per vault, not per
//! secret-name prefix, so the prefix is a naming convention there (enforced
//! by esogen's checks and the admission policy, not by Azure): isolation
//! between teams needs a vault per team (a `vault_url` pattern with
//! `{{team}}`) and an identity per team (a provider table per team).
//!
//! This file reads the provider table and plans identities; [`access`]
//! delivers an identity's provider side with Terraform or Azure Service
//! Operator.

mod access;
mod backend;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::types::Platform;
use crate::config::types::{Located, PathPrefix, Reason, describe_char};
use crate::diag::{Code, Diagnostic};
use crate::manifest::eso;
use crate::manifest::policy::{
    AzureFederatedCredential, AzureRoleAssignment, AzureRoleAssignments, AzureRoleDefinition,
    AzureRoleDefinitionInput, PolicyDocument,
};
use crate::naming::Pattern;
use crate::source::Span;

use super::{
    AUTH, AccessContext, AuthChoice, AuthMode, AuthSupport, Backend, CREDENTIALS_SECRET, Decision,
    Delivery, FollowUp, IdentityRequest, NativeAuth, ParseContext, Parsed, PolicyFile,
    ProviderConfig, ProviderKind, Reach, Required, SettingSpec, SettingType, StoreContext,
    parse_auth, static_decision,
};

/// ServiceAccount annotation naming the workload identity's client id.
pub const CLIENT_ID_ANNOTATION: &str = "azure.workload.identity/client-id";
/// ServiceAccount annotation naming the tenant. esogen never sets it: the
/// store carries `tenantId`, and ESO v2.9 refuses a tenant id given in both
/// places (`providers/v1/azure/keyvault/keyvault.go`,
/// `authorizerForWorkloadIdentity`: "multiple tenantID found").
pub const TENANT_ID_ANNOTATION: &str = "azure.workload.identity/tenant-id";
/// The audience Entra ID expects on federated tokens.
pub const TOKEN_EXCHANGE_AUDIENCE: &str = "api://AzureADTokenExchange";
/// Keys of the static (service principal) credentials Secret.
pub const STATIC_KEYS: &[&str] = &["client-id", "client-secret"];

const SETTINGS: &[SettingSpec] = &[
    SettingSpec::new(
        "vault_url",
        SettingType::Str,
        Required::Yes,
        "naming pattern for the vault URL; `https://kv-{{team}}.vault.azure.net` gives a vault per team",
    )
    .with_example("https://kv-{{team}}.vault.azure.net"),
    SettingSpec::new(
        "tenant_id",
        SettingType::Str,
        Required::Yes,
        "Entra ID tenant (UUID)",
    )
    .with_example("11111111-2222-3333-4444-555555555555")
    .with_pattern(UUID_PATTERN),
    SettingSpec::new(
        "client_id",
        SettingType::Str,
        Required::WithNativeAuth,
        "the managed identity's or app's client id (UUID)",
    )
    .with_example("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
    .with_pattern(UUID_PATTERN),
    SettingSpec::new(
        "oidc_issuer",
        SettingType::Str,
        Required::WithNativeAuth,
        "the AKS OIDC issuer URL: `az aks show -n CLUSTER -g GROUP --query oidcIssuerProfile.issuerUrl -o tsv`",
    )
    .with_example("https://westeurope.oic.prod-aks.azure.com/11111111-2222-3333-4444-555555555555/66666666-7777-8888-9999-000000000000/")
    .with_pattern(ISSUER_PATTERN),
    SettingSpec::new(
        "subscription_id",
        SettingType::Str,
        Required::No,
        "subscription of the vaults (UUID); with `resource_group`, a role-assignment file is generated",
    )
    .with_example("99999999-8888-7777-6666-555555555555")
    .with_pattern(UUID_PATTERN),
    SettingSpec::new(
        "resource_group",
        SettingType::Str,
        Required::No,
        "resource group of the vaults; goes with `subscription_id`: both or neither",
    )
    .with_example("rg-secrets")
    .with_pattern(RESOURCE_GROUP_PATTERN),
    SettingSpec::new(
        "identity_resource_id",
        SettingType::Str,
        Required::No,
        "resource id of the user-assigned managed identity whose client id is `client_id` (`az identity show -n NAME -g GROUP --query id -o tsv`); `delivery = \"terraform\"` and `\"azure-service-operator\"` add the federated credential to it. esogen references the identity, never creates or deletes it",
    )
    .with_example("/subscriptions/99999999-8888-7777-6666-555555555555/resourceGroups/rg-identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-eso-payments")
    .with_pattern(IDENTITY_ID_PATTERN)
    .only_with(AuthChoice::Platform),
    AUTH,
    CREDENTIALS_SECRET,
    SettingSpec::new(
        "allow_shared",
        SettingType::Bool,
        Required::No,
        "`true` accepts that several teams reach this table's vault or identity (then a warning instead of an error)",
    )
    .with_default("false"),
];

const NATIVE_AUTH: NativeAuth = NativeAuth {
    platform: Platform::Aks,
    mechanism: "Azure Workload Identity",
    static_keys: STATIC_KEYS,
    static_credentials: "a service principal's client id and secret",
};

/// The Azure Key Vault kind.
pub static KEY_VAULT: AzureKind = AzureKind;

/// Azure Key Vault.
pub struct AzureKind;

/// The shape of a tenant, client or subscription id (see [`is_uuid`]).
const UUID_PATTERN: &str =
    "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$";
/// The shape of `oidc_issuer` (see [`is_issuer`]).
const ISSUER_PATTERN: &str = concat!("^https://[^", crate::config::patterns::ws!(), "]*$");
/// The shape of `resource_group` (see [`is_resource_group`]); non-ASCII
/// characters are left to `check`, which takes the letters and digits.
const RESOURCE_GROUP_PATTERN: &str =
    r"^([A-Za-z0-9_().-]|[^\x00-\x7F]){0,89}([A-Za-z0-9_()-]|[^\x00-\x7F])$";
/// The shape of `identity_resource_id`: its nine `/`-separated parts
/// (see [`IdentityRef::parse`] for the rest).
const IDENTITY_ID_PATTERN: &str = "^/[^/]+(/[^/]+){7}$";

fn is_issuer(i: &str) -> bool {
    i.starts_with("https://") && !i.contains(char::is_whitespace)
}

fn is_uuid(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && parts
            .iter()
            .all(|p| p.chars().all(|c| c.is_ascii_hexdigit()))
}

/// The vault name of a Key Vault URL (`https://NAME.vault.azure.net/`).
fn vault_name(url: &str) -> Option<&str> {
    let host = url.strip_prefix("https://")?.trim_end_matches('/');
    let (name, domain) = host.split_once('.')?;
    let ok = (3..=24).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !domain.is_empty()
        && !domain.contains('/');
    ok.then_some(name)
}

/// Azure's rule for resource group names: 1 to 90 letters, digits and
/// `-_.()`, not ending with `.`.
fn is_resource_group(g: &str) -> bool {
    (1..=90).contains(&g.chars().count())
        && !g.ends_with('.')
        && g.chars()
            .all(|c| c.is_alphanumeric() || "-_.()".contains(c))
}

/// An existing user-assigned managed identity, by its resource id.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdentityRef {
    /// Its subscription (UUID).
    pub subscription: String,
    /// Its resource group.
    pub group: String,
    /// Its name.
    pub name: String,
}

impl IdentityRef {
    /// Reads `/subscriptions/S/resourceGroups/G/providers/Microsoft.ManagedIdentity/userAssignedIdentities/N`
    /// (the fixed segments in any case, as ARM compares them).
    pub fn parse(id: &str) -> Result<Self, Reason> {
        let shape = "expected `/subscriptions/SUBSCRIPTION/resourceGroups/GROUP/providers/Microsoft.ManagedIdentity/userAssignedIdentities/NAME`";
        let parts: Vec<&str> = id.split('/').collect();
        let fixed = [
            (0, ""),
            (1, "subscriptions"),
            (3, "resourcegroups"),
            (5, "providers"),
            (6, "microsoft.managedidentity"),
            (7, "userassignedidentities"),
        ];
        if parts.len() != 9
            || fixed
                .iter()
                .any(|(i, want)| !parts[*i].eq_ignore_ascii_case(want))
        {
            return Err(shape.into());
        }
        let (subscription, group, name) = (parts[2], parts[4], parts[8]);
        if !is_uuid(subscription) {
            return Err(format!(
                "`{subscription}` is not a subscription id (a UUID)"
            ));
        }
        if !is_resource_group(group) {
            return Err(format!("`{group}` is not a resource group name"));
        }
        // Managed identity names: 3 to 128 letters, digits, `-` and `_`,
        // starting with a letter or digit.
        let name_ok = (3..=128).contains(&name.len())
            && name.starts_with(|c: char| c.is_ascii_alphanumeric())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !name_ok {
            return Err(format!(
                "`{name}` is not a managed identity name (3 to 128 letters, digits, `-` and `_`)"
            ));
        }
        Ok(Self {
            subscription: subscription.to_ascii_lowercase(),
            group: group.to_owned(),
            name: name.to_owned(),
        })
    }

    /// The resource id, spelled as Azure returns it.
    pub fn resource_id(&self) -> String {
        format!(
            "/subscriptions/{}/resourceGroups/{}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{}",
            self.subscription, self.group, self.name
        )
    }
}

impl ProviderKind for AzureKind {
    fn name(&self) -> &'static str {
        "azure-key-vault"
    }

    fn settings(&self) -> &'static [SettingSpec] {
        SETTINGS
    }

    fn auth(&self) -> &'static AuthSupport {
        &AuthSupport::Native(NATIVE_AUTH)
    }

    fn default_prefix(&self) -> &'static str {
        // Key Vault secret names hold letters, digits and `-` only.
        "{team}-"
    }

    fn follow_ups(&self, auth: AuthChoice) -> Vec<FollowUp> {
        let mut out = vec![
            FollowUp::text(
                "vault_url",
                "Key Vault URL ({{team}} gives a vault per team)",
            )
            .suggesting("https://kv-{{team}}.vault.azure.net"),
            FollowUp::text("tenant_id", "Entra ID tenant id"),
        ];
        if auth == AuthChoice::Platform {
            out.push(FollowUp::text("client_id", "Workload identity client id"));
            out.push(FollowUp::text("oidc_issuer", "AKS OIDC issuer URL"));
        }
        out
    }

    fn deliveries(&self) -> &'static [Delivery] {
        &[Delivery::Terraform, Delivery::AzureServiceOperator]
    }

    fn examples(&self) -> &'static [&'static str] {
        &[
            "azure-key-vault",
            "terraform-azure",
            "azure-service-operator",
        ]
    }

    fn parse(&self, ctx: ParseContext) -> Parsed {
        let ParseContext {
            mut fields,
            platform,
            kind_span,
            ..
        } = ctx;
        let vault_url = fields.req_str(
            "vault_url",
            "set `vault_url`, such as `https://kv-{{team}}.vault.azure.net` for a vault per team",
        );
        let tenant = fields.req_str(
            "tenant_id",
            "set `tenant_id` to the Entra ID tenant (a UUID)",
        );
        let auth = parse_auth(&mut fields, self.name(), platform, kind_span, &NATIVE_AUTH);
        let (client, issuer) = if auth == Some(AuthMode::Platform) {
            (
                fields.req_str("client_id", "set `client_id` to the managed identity's or app's client id (a UUID)"),
                fields.req_str(
                    "oidc_issuer",
                    "set `oidc_issuer`: `az aks show -n CLUSTER -g GROUP --query oidcIssuerProfile.issuerUrl -o tsv`",
                ),
            )
        } else {
            (fields.opt_str("client_id"), fields.opt_str("oidc_issuer"))
        };
        let allow_shared = fields.opt_bool("allow_shared").is_some_and(|b| b.value);
        let subscription = fields.opt_str("subscription_id");
        let group = fields.opt_str("resource_group");
        let identity = fields.opt_str("identity_resource_id");
        let vault_url = vault_url.and_then(|u| match Pattern::compile(&u.value) {
            Ok(p) => Some(Located::new(p, u.span)),
            Err(e) => {
                fields.error(crate::naming::pattern_diagnostic(&e, &u.span));
                None
            }
        });
        let tenant_id = fields.valid(tenant, is_uuid, "a tenant id (a UUID)", "");
        let client_span = client.as_ref().map(|c| c.span.clone());
        let client_id = fields
            .valid(client, is_uuid, "a client id (a UUID)", "")
            .zip(client_span)
            .map(|(v, span)| Located::new(v, span));
        let subscription_id = fields.valid(subscription, is_uuid, "a subscription id (a UUID)", "");
        let issuer = issuer.and_then(|i| {
            if is_issuer(&i.value) {
                Some(i.value)
            } else {
                fields.error(
                    Diagnostic::error(
                        Code::ProviderSetting,
                        format!("`{}` is not an https issuer URL", i.value),
                    )
                    .at(&i.span),
                );
                None
            }
        });
        // The group becomes part of a role-assignment scope (a resource id):
        // Azure's rules are 1 to 90 letters, digits and `-_.()`, not ending
        // with `.`.
        let group_given = group.is_some();
        let group = group.and_then(|g| {
            if is_resource_group(&g.value) {
                Some(g)
            } else {
                fields.error(
                    Diagnostic::error(
                        Code::ProviderSetting,
                        format!("`{}` is not an Azure resource group name", g.value),
                    )
                    .at(&g.span)
                    .help("resource group names are 1 to 90 letters, digits and `-_.()`, not ending with `.`"),
                );
                None
            }
        });
        let role_scope = match (subscription_id, group) {
            (Some(s), Some(g)) => Some(Located::new((s, g.value), g.span)),
            (None, None) => None,
            // Already reported: the group was given but invalid.
            (Some(_), None) if group_given => None,
            (s, g) => {
                let at = g
                    .map(|g| g.span)
                    .unwrap_or_else(|| fields.table_span().clone());
                fields.error(
                    Diagnostic::error(
                        Code::ProviderSetting,
                        "`subscription_id` and `resource_group` go together",
                    )
                    .at(&at)
                    .help(if s.is_some() {
                        "add `resource_group`"
                    } else {
                        "add `subscription_id`"
                    }),
                );
                None
            }
        };
        let identity = identity.and_then(|i| {
            if auth != Some(AuthMode::Platform) {
                fields.error(
                    Diagnostic::error(
                        Code::ProviderSetting,
                        "`identity_resource_id` is only used with workload identity",
                    )
                    .at(&i.span)
                    .help("remove it: a store with static credentials has no federated credential to add to an identity"),
                );
                return None;
            }
            match IdentityRef::parse(&i.value) {
                Ok(r) => Some(Located::new(r, i.span)),
                Err(reason) => {
                    fields.error(
                        Diagnostic::error(
                            Code::ProviderSetting,
                            format!("`{}` is not a user-assigned managed identity's resource id", i.value),
                        )
                        .at(&i.span)
                        .help(format!(
                            "{reason}; `az identity show -n NAME -g GROUP --query id -o tsv` prints it"
                        )),
                    );
                    None
                }
            }
        });
        let diags = fields.finish()?;
        let (Some(vault_url), Some(tenant_id), Some(auth)) = (vault_url, tenant_id, auth) else {
            return Err(diags);
        };
        Ok((
            Arc::new(AzureConfig {
                vault_url,
                tenant_id,
                client_id,
                issuer,
                role_scope,
                identity,
                auth,
                allow_shared,
            }),
            diags,
        ))
    }
}

/// Validated Azure settings.
#[derive(Debug)]
pub struct AzureConfig {
    vault_url: Located<Pattern>,
    tenant_id: String,
    client_id: Option<Located<String>>,
    issuer: Option<String>,
    role_scope: Option<Located<(String, String)>>,
    identity: Option<Located<IdentityRef>>,
    auth: AuthMode,
    allow_shared: bool,
}

impl ProviderConfig for AzureConfig {
    fn kind_name(&self) -> &'static str {
        "azure-key-vault"
    }

    /// ESO v2.9.0 `keyvault.go`, `PushSecret` and `getSecretKey`: the
    /// secret is the one key's value or the whole Secret as JSON;
    /// `property` is never read.
    fn check_push_properties(&self) -> Result<(), Reason> {
        Err(super::PUSH_WHOLE_VALUES.to_owned())
    }

    fn check_prefix(&self, prefix: &PathPrefix) -> Result<(), Reason> {
        match prefix
            .as_str()
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            Some(c) => Err(format!(
                "Key Vault secret names hold only letters, digits and `-`, not {}",
                describe_char(c)
            )),
            None => Ok(()),
        }
    }

    fn overlap_scope(&self) -> String {
        format!("azure-key-vault:{}", self.vault_url.value.source())
    }

    fn find_path(&self, _prefix: &str, _path: &str) -> Result<Option<String>, Reason> {
        // ESO lists the whole vault and ignores `find.path`
        // (`keyvault.go`, `GetAllSecrets`): the anchored name expression is
        // the only limit, so no path is emitted to suggest otherwise.
        Ok(None)
    }

    fn check_find_name(&self, prefix: &str, name_regex: &str) -> Result<(), Reason> {
        // Admission compares the expression's text (CEL cannot parse a
        // regexp): the prefix must be written escaped, as esogen writes it.
        if crate::manifest::admission::key_vault::key_vault_find_admitted(name_regex, prefix) {
            return Ok(());
        }
        Err(format!(
            "the admission policy admits a Key Vault find only when its name expression starts with `{}` (the prefix escaped as `regex::escape` writes it, any letter case), with no `|`, no `?`, `*`, `+` or `{{` right after the prefix, and balanced parentheses",
            crate::manifest::admission::key_vault::key_vault_anchor(prefix)
        ))
    }

    fn overlap_key(&self, prefix: &PathPrefix) -> PathPrefix {
        // Key Vault object names are case-insensitive.
        prefix.mapped(str::to_lowercase)
    }

    fn plan_identity(&self, req: &IdentityRequest) -> Result<Arc<dyn Backend>, Vec<Diagnostic>> {
        let vars = req.pattern_vars();
        let url = self
            .vault_url
            .value
            .render(&vars)
            .map_err(|e| vec![crate::naming::pattern_diagnostic(&e, &self.vault_url.span)])?;
        let Some(name) = vault_name(&url) else {
            return Err(vec![
                Diagnostic::error(
                    Code::PatternResult,
                    format!("`vault_url` renders `{url}`, which is not a Key Vault URL"),
                )
                .at(&self.vault_url.span)
                .help("expected `https://NAME.vault.azure.net` with a 3 to 24 character NAME of letters, digits and `-`"),
            ]);
        };
        Ok(Arc::new(AzureIdentity {
            vault_name: name.to_owned(),
            vault_url: url.clone(),
            url_span: self.vault_url.span.clone(),
            tenant_id: self.tenant_id.clone(),
            client_id: self.client_id.as_ref().map(|c| c.value.clone()),
            client_span: self.client_id.as_ref().map(|c| c.span.clone()),
            issuer: self.issuer.clone(),
            role_scope: self.role_scope.as_ref().map(|r| r.value.clone()),
            role_scope_span: self.role_scope.as_ref().map(|r| r.span.clone()),
            identity: self.identity.as_ref().map(|i| i.value.clone()),
            auth: self.auth.clone(),
            cluster: req.cluster.to_string(),
            sa_namespace: req.sa_namespace.to_string(),
            sa_name: req.sa_name.to_owned(),
            prefixes: req.prefixes.iter().map(|p| p.value.to_string()).collect(),
            allow_shared: self.allow_shared,
            finds: !req.finds.is_empty(),
            pushes: !req.pushes.is_empty(),
        }))
    }
}

/// The identity of one Azure store.
#[derive(Debug, Hash)]
pub struct AzureIdentity {
    vault_name: String,
    vault_url: String,
    url_span: Span,
    tenant_id: String,
    client_id: Option<String>,
    client_span: Option<Span>,
    issuer: Option<String>,
    role_scope: Option<(String, String)>,
    role_scope_span: Option<Span>,
    identity: Option<IdentityRef>,
    auth: AuthMode,
    cluster: String,
    sa_namespace: String,
    sa_name: String,
    prefixes: Vec<String>,
    allow_shared: bool,
    finds: bool,
    pushes: bool,
}

impl AzureIdentity {
    /// The Key Vault data actions ESO calls (conformance/eso-v2.9.toml):
    /// GetSecret to read and before every push, the vault-wide listing for
    /// `find` (`keyvault.go`, `GetAllSecrets`), SetSecret to push; never a
    /// delete (PushSecrets use `deletionPolicy: None`).
    fn data_actions(&self) -> Vec<&'static str> {
        let mut out = vec!["Microsoft.KeyVault/vaults/secrets/getSecret/action"];
        if self.finds {
            out.push("Microsoft.KeyVault/vaults/secrets/readMetadata/action");
        }
        if self.pushes {
            out.push("Microsoft.KeyVault/vaults/secrets/setSecret/action");
        }
        out
    }

    /// The custom role's name: one per combination of actions.
    fn role(&self) -> String {
        let mut what = vec!["read"];
        if self.finds {
            what.push("list");
        }
        if self.pushes {
            what.push("write");
        }
        format!("esogen Key Vault secrets ({})", what.join(", "))
    }

    /// The federated credential trusting the store's ServiceAccount, for
    /// workload identity: the same for every delivery.
    fn federated_credential(&self) -> Option<AzureFederatedCredential> {
        let (AuthMode::Platform, Some(issuer)) = (&self.auth, &self.issuer) else {
            return None;
        };
        Some(AzureFederatedCredential {
            name: format!(
                "esogen-{}-{}-{}",
                self.cluster, self.sa_namespace, self.sa_name
            ),
            issuer: issuer.clone(),
            subject: format!(
                "system:serviceaccount:{}:{}",
                self.sa_namespace, self.sa_name
            ),
            description: FEDERATED_CREDENTIAL_DESCRIPTION.into(),
            audiences: vec![TOKEN_EXCHANGE_AUDIENCE.into()],
        })
    }

    /// The custom role and its assignment on the vault, when the vaults'
    /// subscription and group and the client id are known.
    fn role_grant(&self) -> Option<RoleGrant> {
        let ((sub, group), client) = (self.role_scope.as_ref()?, self.client_id.as_ref()?);
        Some(RoleGrant {
            role: self.role(),
            data_actions: self
                .data_actions()
                .iter()
                .map(|a| (*a).to_owned())
                .collect(),
            group_scope: format!("/subscriptions/{sub}/resourceGroups/{group}"),
            vault_scope: format!(
                "/subscriptions/{sub}/resourceGroups/{group}/providers/Microsoft.KeyVault/vaults/{}",
                self.vault_name
            ),
            assignee: client.clone(),
        })
    }
}

/// The description of every federated credential esogen writes.
pub const FEDERATED_CREDENTIAL_DESCRIPTION: &str =
    "Generated by esogen from tenants.toml. Do not edit.";
/// The description of esogen's custom roles.
pub const ROLE_DESCRIPTION: &str =
    "Generated by esogen: the Key Vault data actions External Secrets Operator calls, nothing more";

/// esogen's custom role on one resource group and its assignment to the
/// store's identity on one vault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleGrant {
    /// The custom role's name.
    pub role: String,
    /// Its Key Vault data actions.
    pub data_actions: Vec<String>,
    /// Where it is defined and assignable: the vaults' resource group.
    pub group_scope: String,
    /// The vault it is assigned on.
    pub vault_scope: String,
    /// The identity's client id.
    pub assignee: String,
}

impl RoleGrant {
    /// The `files` document: the role to create, then the assignment.
    pub fn document(&self) -> AzureRoleAssignments {
        let input = AzureRoleDefinitionInput {
            name: self.role.clone(),
            description: ROLE_DESCRIPTION.into(),
            actions: Vec::new(),
            data_actions: self.data_actions.clone(),
            assignable_scopes: vec![self.group_scope.clone()],
        };
        let definition = AzureRoleDefinition {
            name: self.role.clone(),
            data_actions: self.data_actions.clone(),
            assignable_scopes: vec![self.group_scope.clone()],
            command: vec![
                "az".into(),
                "role".into(),
                "definition".into(),
                "create".into(),
                "--role-definition".into(),
                serde_json::to_string(&input).unwrap_or_default(),
            ],
        };
        AzureRoleAssignments {
            comment: "Generated by esogen from tenants.toml. Do not edit. Create each role, then run each assignment's command.".into(),
            role_definitions: vec![definition],
            assignments: vec![AzureRoleAssignment {
                role: self.role.clone(),
                assignee: self.assignee.clone(),
                scope: self.vault_scope.clone(),
                command: vec![
                    "az".into(),
                    "role".into(),
                    "assignment".into(),
                    "create".into(),
                    "--role".into(),
                    self.role.clone(),
                    "--assignee".into(),
                    self.assignee.clone(),
                    "--scope".into(),
                    self.vault_scope.clone(),
                ],
            }],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_and_vault_names() {
        assert!(is_uuid("7d8cdf74-1234-4bcd-8ef0-274d963d358b"));
        assert!(!is_uuid("7d8cdf74-xxxx-xxxx-xxxx-274d963d358b"));
        assert_eq!(vault_name("https://kv-pay.vault.azure.net"), Some("kv-pay"));
        assert_eq!(
            vault_name("https://kv-pay.vault.azure.net/"),
            Some("kv-pay")
        );
        assert_eq!(vault_name("http://kv.vault.azure.net"), None);
        assert_eq!(vault_name("https://kv/x"), None);
    }

    /// The JSON Schema's patterns accept what the parser does: exactly, or
    /// more where the parser's rule is not a regular expression's.
    #[test]
    fn schema_patterns_agree_with_the_parser() {
        use crate::config::patterns::testing::{agrees, covers};
        agrees(
            UUID_PATTERN,
            None,
            is_uuid,
            "0aF-g",
            &[
                "7d8cdf74-1234-4bcd-8ef0-274d963d358b",
                "7d8cdf74-1234-4bcd-8ef0-274d963d358",
                "7d8cdf74123414bcd18ef01274d963d358b",
            ],
        );
        agrees(
            ISSUER_PATTERN,
            None,
            is_issuer,
            "htps:/a \u{2003}",
            &["https://x/", "http://x/", "https://a b"],
        );
        covers(
            RESOURCE_GROUP_PATTERN,
            is_resource_group,
            "aZ0-_.()/ \u{e9}",
            &[
                "rg-secrets",
                "rg.",
                "a(b)",
                "\u{e9}t\u{e9}",
                &"a".repeat(90),
            ],
            &["", "rg.", "a b", "a/b", &"a".repeat(91)],
        );
        covers(
            IDENTITY_ID_PATTERN,
            |i| IdentityRef::parse(i).is_ok(),
            "/a-",
            &[
                "/subscriptions/99999999-8888-7777-6666-555555555555/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-eso",
            ],
            &[
                "",
                "id-eso",
                "/subscriptions/x",
                "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee",
            ],
        );
    }
}
