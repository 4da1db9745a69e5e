//! HashiCorp Vault and OpenBao with Kubernetes auth (ESO docs:
//! provider/hashicorp-vault.md, provider/openbao.md).
//!
//! The store logs in with its ServiceAccount's token through the Kubernetes
//! auth method; the Vault role is bound to exactly that ServiceAccount and
//! namespace, requires an audience (Vault 1.21+ rejects roles without one),
//! and carries a policy that reads only the team prefix. For KV v2 the
//! policy names `<mount>/data/<prefix>*` (and `metadata/` where listing or
//! pushing needs it) while ExternalSecret keys stay `<prefix>...`: ESO adds
//! `data/` itself, and writing it into keys is a classic mistake.
//!
//! The provider side (the policy and the role) is delivered as files, as
//! vault-config-operator objects or as Terraform ([`access`]).

mod access;
mod backend;

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::config::types::{Located, ObjectName, PathPrefix, Reason, describe_char};
use crate::diag::{Code, Diagnostic};
use crate::manifest::eso;
use crate::manifest::policy::{PolicyDocument, VaultPathRule, VaultPolicy, VaultRole};
use crate::naming::Pattern;
use crate::source::Span;

use super::{
    AccessContext, AuthChoice, AuthSupport, Backend, Decision, Delivery, FollowUp, IdentityRequest,
    ParseContext, Parsed, PolicyFile, ProviderConfig, ProviderKind, Required, SettingSpec,
    SettingType, StoreContext,
};

/// Default Vault role and policy naming pattern.
pub const DEFAULT_ROLE_NAME: &str = "eso-{{namespace}}";
/// Default token audience.
pub const DEFAULT_AUDIENCE: &str = "vault";
/// Default KV mount.
pub const DEFAULT_MOUNT: &str = "secret";
/// Default Kubernetes auth mount.
pub const DEFAULT_AUTH_MOUNT: &str = "kubernetes";
/// Lifetime of tokens issued to the store.
pub const TOKEN_TTL: &str = "15m";
/// Default mount of the Kubernetes auth method vault-config-operator logs
/// in at (the operator's own default).
pub const DEFAULT_OPERATOR_AUTH_MOUNT: &str = "kubernetes";
/// Default ServiceAccount, in the ESO namespace, whose token
/// vault-config-operator logs in with: a dedicated one, not the
/// namespace's `default` that every pod there gets unless it names another.
pub const DEFAULT_OPERATOR_SERVICE_ACCOUNT: &str = "vault-config-operator";

const SETTINGS: &[SettingSpec] = &[
    SettingSpec::new(
        "server",
        SettingType::Str,
        Required::Yes,
        "address, such as `https://vault.example.com:8200` (`http://` is warned)",
    )
    .with_example("https://vault.example.com:8200")
    .with_pattern(ADDRESS_PATTERN),
    SettingSpec::new("mount", SettingType::Str, Required::No, "KV mount path")
        .with_default(DEFAULT_MOUNT)
        .with_pattern(MOUNT_PATTERN),
    SettingSpec::new("kv_version", SettingType::Int, Required::No, "KV engine version, `1` or `2`")
        .with_default("2")
        .with_values(KV_VERSIONS),
    SettingSpec::new(
        "auth_mount",
        SettingType::Str,
        Required::No,
        "where the Kubernetes auth method is mounted",
    )
    .with_default(DEFAULT_AUTH_MOUNT)
    .with_pattern(MOUNT_PATTERN),
    SettingSpec::new(
        "role_name",
        SettingType::Str,
        Required::No,
        "Vault role and policy naming pattern",
    )
    .with_default(DEFAULT_ROLE_NAME),
    SettingSpec::new(
        "audience",
        SettingType::Str,
        Required::No,
        "token audience; Vault 1.21+ rejects Kubernetes auth roles without one, so the store's `serviceAccountRef.audiences` carries the same value",
    )
    .with_default(DEFAULT_AUDIENCE)
    .with_pattern(AUDIENCE_PATTERN),
    SettingSpec::new(
        "namespace",
        SettingType::Str,
        Required::No,
        "Vault Enterprise / OpenBao namespace",
    )
    .with_example("admin/platform"),
    SettingSpec::new(
        "operator_auth_role",
        SettingType::Str,
        Required::WithDelivery(Delivery::VaultConfigOperator),
        "the Vault role vault-config-operator logs in with to write this table's policies and roles (`spec.authentication.role`); it needs create, read, update and delete on `sys/policies/acl/*` and `auth/<auth_mount>/role/*`",
    )
    .with_example("vault-config-operator"),
    SettingSpec::new(
        "operator_auth_mount",
        SettingType::Str,
        Required::No,
        "with `delivery = \"vault-config-operator\"`: where the Kubernetes auth method the operator logs in at is mounted (`spec.authentication.path`)",
    )
    .with_default(DEFAULT_OPERATOR_AUTH_MOUNT),
    SettingSpec::new(
        "operator_service_account",
        SettingType::Str,
        Required::No,
        "with `delivery = \"vault-config-operator\"`: the ServiceAccount in the ESO namespace (where the objects live) whose token the operator logs in with; `operator_auth_role` must be bound to it (`spec.authentication.serviceAccount`)",
    )
    .with_default(DEFAULT_OPERATOR_SERVICE_ACCOUNT),
];

/// Kubernetes auth works on every platform: the cluster itself is the
/// identity provider.
const AUTH_SUPPORT: AuthSupport = AuthSupport::Portable {
    mechanism: "Kubernetes auth",
};

/// HashiCorp Vault.
pub static HASHICORP_VAULT: VaultKind = VaultKind {
    name: "vault",
    examples: &["vault", "vault-config-operator", "terraform-vault"],
};
/// OpenBao (Vault-compatible; ESO talks to it with its Vault provider).
pub static OPENBAO: VaultKind = VaultKind {
    name: "openbao",
    examples: &["openbao", "terraform-vault"],
};

/// A Vault-compatible kind.
pub struct VaultKind {
    name: &'static str,
    /// Its directories under `examples/`.
    examples: &'static [&'static str],
}

/// The shape of `server` (see [`is_address`]).
const ADDRESS_PATTERN: &str = concat!(
    "^(https://[^",
    crate::config::patterns::ws!(),
    "]+|http://[^",
    crate::config::patterns::ws!(),
    "]{2,})$"
);
/// The shape of a mount path (see [`is_mount`]).
const MOUNT_PATTERN: &str =
    r"^(\.*[A-Za-z0-9_-][A-Za-z0-9_.-]*|\.{3,})(/(\.*[A-Za-z0-9_-][A-Za-z0-9_.-]*|\.{3,}))*$";
/// The shape of `audience`: a word without white space.
const AUDIENCE_PATTERN: &str = concat!("^[^", crate::config::patterns::ws!(), "]+$");
/// The KV versions `kv_version` takes (see [`KvVersion::from_number`]).
const KV_VERSIONS: &[&str] = &["1", "2"];

/// A Vault address: a full `https://` or `http://` URL without white space.
fn is_address(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && !s.contains(char::is_whitespace)
        && s.len() > 8
}

fn is_audience(a: &str) -> bool {
    !a.is_empty() && !a.contains(char::is_whitespace)
}

fn is_mount(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('/')
        && !s.ends_with('/')
        && !s.contains("//")
        && s.split('/').all(|seg| seg != ".." && seg != ".")
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/_-.".contains(c))
}

fn is_role_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 128
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-.".contains(c))
}

impl ProviderKind for VaultKind {
    fn name(&self) -> &'static str {
        self.name
    }

    fn settings(&self) -> &'static [SettingSpec] {
        SETTINGS
    }

    fn auth(&self) -> &'static AuthSupport {
        &AUTH_SUPPORT
    }

    fn default_prefix(&self) -> &'static str {
        "prod/{team}/"
    }

    fn follow_ups(&self, _: AuthChoice) -> Vec<FollowUp> {
        vec![
            FollowUp::text("server", "Vault address"),
            FollowUp::text("mount", "KV mount path").suggesting(DEFAULT_MOUNT),
            FollowUp::integer("kv_version", "KV engine version (1 or 2)").suggesting("2"),
        ]
    }

    fn examples(&self) -> &'static [&'static str] {
        self.examples
    }

    fn deliveries(&self) -> &'static [Delivery] {
        &[Delivery::Terraform, Delivery::VaultConfigOperator]
    }

    fn parse(&self, ctx: ParseContext) -> Parsed {
        // Kubernetes auth works on every platform: the cluster itself is the
        // identity provider, so no platform check is needed.
        let mut fields = ctx.fields;
        let operator = parse_operator(&mut fields, ctx.delivery);
        let server = fields.req_str(
            "server",
            "set `server` to the Vault address, such as `https://vault.example.com:8200`",
        );
        let mount = fields.opt_str("mount");
        let version = fields.opt_int("kv_version");
        let auth_mount = fields.opt_str("auth_mount");
        let role = fields.pattern("role_name", DEFAULT_ROLE_NAME);
        let audience = fields.opt_str("audience");
        let namespace = fields.opt_str("namespace");

        let server = server.and_then(|s| {
            if !is_address(&s.value) {
                fields.error(
                    Diagnostic::error(
                        Code::ProviderSetting,
                        format!("`{}` is not a Vault address", s.value),
                    )
                    .at(&s.span)
                    .help("use the full URL, such as `https://vault.example.com:8200`"),
                );
                return None;
            }
            if s.value.starts_with("http://") {
                fields.warn(
                    Diagnostic::warning(
                        Code::ProviderSetting,
                        "the Vault address uses plain `http://`",
                    )
                    .at(&s.span)
                    .help("tokens and secrets would cross the network unencrypted; use `https://`"),
                );
            }
            Some(s.value.trim_end_matches('/').to_owned())
        });
        let server_key = server.as_deref().map(normalized_server);
        let mut path = |v: Option<Located<String>>, default: &str, what: &str| match v {
            None => Some(default.to_owned()),
            Some(m) if is_mount(&m.value) => Some(m.value),
            Some(m) => {
                fields.error(
                    Diagnostic::error(Code::ProviderSetting, format!("`{}` is not a valid {what}", m.value))
                        .at(&m.span)
                        .help("a mount path such as `secret` or `kv/prod`, without leading or trailing `/`"),
                );
                None
            }
        };
        let mount = path(mount, DEFAULT_MOUNT, "KV mount");
        let auth_mount = path(auth_mount, DEFAULT_AUTH_MOUNT, "auth mount");
        let version = match version {
            None => Some(KvVersion::V2),
            Some(v) => KvVersion::from_number(v.value).or_else(|| {
                fields.error(
                    Diagnostic::error(
                        Code::ProviderSetting,
                        format!("`kv_version = {}` is not a KV version", v.value),
                    )
                    .at(&v.span)
                    .help("use `1` or `2` (check with `vault secrets list -detailed`)"),
                );
                None
            }),
        };
        let audience = match audience {
            None => Some(DEFAULT_AUDIENCE.to_owned()),
            Some(a) if is_audience(&a.value) => Some(a.value),
            Some(a) => {
                fields.error(
                    Diagnostic::error(Code::ProviderSetting, "`audience` must be a non-empty word")
                        .at(&a.span),
                );
                None
            }
        };
        let diags = fields.finish()?;
        let (
            Some(server),
            Some(mount),
            Some(auth_mount),
            Some(version),
            Some(role),
            Some(audience),
            Some(operator),
        ) = (server, mount, auth_mount, version, role, audience, operator)
        else {
            return Err(diags);
        };
        Ok((
            Arc::new(VaultConfig {
                kind: self.name,
                server_key: server_key.unwrap_or_else(|| server.clone()),
                server,
                mount,
                auth_mount,
                version,
                role,
                audience,
                namespace: namespace.map(|n| n.value),
                operator,
            }),
            diags,
        ))
    }
}

/// How vault-config-operator logs in to Vault to apply a table's policies
/// and roles (`spec.authentication` of its objects).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OperatorAuth {
    /// The Vault role it logs in with.
    role: String,
    /// Where the Kubernetes auth method it logs in at is mounted.
    mount: String,
    /// The ServiceAccount, in the ESO namespace, whose token it uses.
    service_account: String,
}

/// Reads the `operator_*` settings: with `delivery =
/// "vault-config-operator"`, `operator_auth_role` is required and the other
/// two have defaults; with any other delivery they mean nothing, which is
/// warned. `None` on an error; `Some(None)` when the operator is not used.
fn parse_operator(
    fields: &mut super::Fields,
    delivery: &Located<Delivery>,
) -> Option<Option<OperatorAuth>> {
    let role = fields.opt_str("operator_auth_role");
    let mount = fields.opt_str("operator_auth_mount");
    let account = fields.opt_str("operator_service_account");
    if delivery.value != Delivery::VaultConfigOperator {
        let set = [
            ("operator_auth_role", &role),
            ("operator_auth_mount", &mount),
            ("operator_service_account", &account),
        ];
        for (key, s) in set.into_iter().filter_map(|(k, s)| Some((k, s.as_ref()?))) {
            fields.warn(
                Diagnostic::warning(
                    Code::ProviderSetting,
                    format!("`{key}` is only used with `delivery = \"vault-config-operator\"`"),
                )
                .at(&s.span)
                .also(&delivery.span, "the provider side is delivered otherwise")
                .help("remove it, or set `delivery = \"vault-config-operator\"`"),
            );
        }
        return Some(None);
    }
    let Some(role) = role else {
        fields.error(
            Diagnostic::error(
                Code::ProviderSetting,
                "`delivery = \"vault-config-operator\"` needs `operator_auth_role`",
            )
            .at_labelled(&delivery.span, "the operator applies the policy and role")
            .help(
                "name the Vault role vault-config-operator logs in with (`spec.authentication.role` of its objects): \
                 a Kubernetes auth role bound to `operator_service_account` in the ESO namespace, allowed to create, \
                 read, update and delete `sys/policies/acl/*` and `auth/<auth_mount>/role/*`; esogen cannot know it",
            ),
        );
        return None;
    };
    let role = fields.valid(
        Some(role),
        is_role_name,
        "a valid Vault role name",
        "use letters, digits, `_`, `-` and `.`",
    );
    let mount = match mount {
        None => Some(DEFAULT_OPERATOR_AUTH_MOUNT.to_owned()),
        Some(m) => fields.valid(
            Some(m),
            is_mount,
            "a valid auth mount",
            "a mount path such as `kubernetes` or `kubernetes/platform`, without leading or trailing `/`",
        ),
    };
    let account = match account {
        None => Some(DEFAULT_OPERATOR_SERVICE_ACCOUNT.to_owned()),
        Some(a) => fields.valid(
            Some(a),
            |s| ObjectName::parse(s).is_ok(),
            "a valid ServiceAccount name",
            "a DNS-1123 subdomain: lowercase letters, digits, `-` and `.`",
        ),
    };
    Some(Some(OperatorAuth {
        role: role?,
        mount: mount?,
        service_account: account?,
    }))
}

/// A Vault address compared as a server: scheme and host folded to lower
/// case (DNS and URL schemes ignore case), the scheme's default port and a
/// trailing `/` dropped. The path keeps its case.
fn normalized_server(url: &str) -> String {
    let url = url.trim_end_matches('/');
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_ascii_lowercase();
    };
    let scheme = scheme.to_ascii_lowercase();
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut host = authority.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "https" => ":443",
        "http" => ":80",
        _ => "",
    };
    if !default_port.is_empty() && host.ends_with(default_port) {
        host.truncate(host.len() - default_port.len());
    }
    format!("{scheme}://{host}{path}")
}

/// KV secrets engine version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KvVersion {
    /// KV v1: secrets at `<mount>/<path>`.
    V1,
    /// KV v2: values at `<mount>/data/<path>`, metadata at `<mount>/metadata/<path>`.
    V2,
}

impl KvVersion {
    /// The version `kv_version = n` names, if any.
    fn from_number(n: i64) -> Option<Self> {
        match n {
            1 => Some(Self::V1),
            2 => Some(Self::V2),
            _ => None,
        }
    }
}

/// Validated Vault settings.
#[derive(Debug)]
pub struct VaultConfig {
    kind: &'static str,
    server: String,
    /// `server` with scheme and host in lower case and the default port
    /// dropped: one server however it is spelled, for the overlap check.
    server_key: String,
    mount: String,
    auth_mount: String,
    version: KvVersion,
    role: Located<Pattern>,
    audience: String,
    namespace: Option<String>,
    /// Set with `delivery = "vault-config-operator"`.
    operator: Option<OperatorAuth>,
}

impl ProviderConfig for VaultConfig {
    fn kind_name(&self) -> &'static str {
        self.kind
    }

    fn check_prefix(&self, prefix: &PathPrefix) -> Result<(), Reason> {
        let p = prefix.as_str();
        if p.starts_with('/') {
            return Err(format!(
                "Vault keys are relative to the mount `{}`; drop the leading `/`",
                self.mount
            ));
        }
        if let Some(c) = p
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || "/_.-".contains(*c)))
        {
            return Err(format!(
                "{} cannot be used in a Vault policy path (`+` and `*` are globs there)",
                describe_char(c)
            ));
        }
        // ESO drops a leading `<mount>/` from every key
        // (`providers/v1/vault/client_get.go`, `buildPath`), so `secret/a/db`
        // on mount `secret` reads `secret/data/a/db`, outside the policy
        // written for the prefix. A prefix that `<mount>/` starts with has
        // keys that begin with the mount too.
        let mount_slash = format!("{}/", self.mount);
        if let Some(rest) = p.strip_prefix(&mount_slash) {
            return Err(format!(
                "keys are relative to the mount `{}`, and ESO strips a leading `{mount_slash}` from them; write `{rest}`",
                self.mount
            ));
        }
        if mount_slash.starts_with(p) {
            return Err(format!(
                "keys under this prefix can begin with the mount `{mount_slash}`, which ESO strips from them; choose a prefix that does not start the mount's name"
            ));
        }
        if self.version == KvVersion::V2 && (p.starts_with("data/") || p.starts_with("metadata/")) {
            let rest = p
                .trim_start_matches("data/")
                .trim_start_matches("metadata/");
            let fix = if rest.is_empty() {
                // A team named `data` with the prefix `{team}/`.
                "choose a prefix that starts with another folder, such as `teams/data/`".to_owned()
            } else {
                format!("write `{rest}`")
            };
            return Err(format!(
                "with KV v2 keys do not include `data/` or `metadata/`: ESO adds `data/` itself; {fix}"
            ));
        }
        Ok(())
    }

    fn find_path(&self, prefix: &str, path: &str) -> Result<Option<String>, Reason> {
        // ESO lists the folder `<path>/` and every folder below it
        // (`providers/v1/vault/client_get_all_secrets.go`, `GetAllSecrets`
        // appends the slash), so the path is the folder that holds the
        // search, without its slash; the name expression keeps the rest.
        // That folder must lie inside the prefix, or the LIST is denied.
        super::folder_inside(prefix, path, "Vault lists folders")
            .map(|f| Some(f.trim_end_matches('/').to_owned()))
    }

    fn overlap_scope(&self) -> String {
        format!(
            "vault:{}:{}:{}",
            self.server_key,
            self.namespace.as_deref().unwrap_or(""),
            self.mount
        )
    }

    fn plan_identity(&self, req: &IdentityRequest) -> Result<Arc<dyn Backend>, Vec<Diagnostic>> {
        let role = self
            .role
            .value
            .render(&req.pattern_vars())
            .map_err(|e| vec![crate::naming::pattern_diagnostic(&e, &self.role.span)])?;
        if !is_role_name(&role) {
            return Err(vec![
                Diagnostic::error(
                    Code::PatternResult,
                    format!(
                        "`role_name` renders `{role}` for namespace `{}`, which is not a valid Vault role name",
                        req.sa_namespace
                    ),
                )
                .at(&self.role.span)
                .help("use letters, digits, `_`, `-` and `.`"),
            ]);
        }
        Ok(Arc::new(VaultIdentity {
            kind: self.kind,
            server: self.server.clone(),
            mount: self.mount.clone(),
            auth_mount: self.auth_mount.clone(),
            version: self.version,
            audience: self.audience.clone(),
            namespace: self.namespace.clone(),
            role,
            span: self.role.span.clone(),
            sa_namespace: req.sa_namespace.to_string(),
            sa_name: req.sa_name.to_owned(),
            prefixes: req.prefixes.iter().map(|p| p.value.to_string()).collect(),
            finds: !req.finds.is_empty(),
            pushes: !req.pushes.is_empty(),
            operator: self.operator.clone(),
            token_ttl: TOKEN_TTL,
        }))
    }
}

/// The identity of one Vault store.
#[derive(Debug, Hash)]
pub struct VaultIdentity {
    kind: &'static str,
    server: String,
    mount: String,
    auth_mount: String,
    version: KvVersion,
    audience: String,
    namespace: Option<String>,
    role: String,
    span: Span,
    sa_namespace: String,
    sa_name: String,
    prefixes: Vec<String>,
    finds: bool,
    pushes: bool,
    operator: Option<OperatorAuth>,
    /// Lifetime of issued tokens, as a Vault duration ([`TOKEN_TTL`]).
    token_ttl: &'static str,
}

impl VaultIdentity {
    /// The ACL policy: the team prefix under the right KV paths only.
    pub fn policy(&self) -> VaultPolicy {
        let mut rules = Vec::new();
        for p in &self.prefixes {
            match self.version {
                // What ESO v2.9 requests (conformance/eso-v2.9.toml): reads
                // `data/<key>`; a find lists `metadata/<path>/` and each
                // folder below; a push reads the data, writes
                // `custom_metadata` to `metadata/<key>` first (create on a
                // new secret, update later), then the data, which Vault then
                // checks as update because the metadata exists
                // (`providers/v1/vault/client_push.go`, `PushSecret`).
                KvVersion::V2 => {
                    let mut data = vec!["read"];
                    if self.pushes {
                        data.push("update");
                    }
                    rules.push(VaultPathRule {
                        path: format!("{}/data/{p}*", self.mount),
                        capabilities: data,
                    });
                    let mut metadata = Vec::new();
                    if self.pushes {
                        metadata.extend(["create", "read", "update"]);
                    }
                    if self.finds {
                        metadata.push("list");
                    }
                    if !metadata.is_empty() {
                        metadata.sort_unstable();
                        rules.push(VaultPathRule {
                            path: format!("{}/metadata/{p}*", self.mount),
                            capabilities: metadata,
                        });
                    }
                }
                KvVersion::V1 => {
                    let mut caps = vec!["read"];
                    if self.finds {
                        caps.push("list");
                    }
                    if self.pushes {
                        caps = vec!["create", "read", "update"];
                        if self.finds {
                            caps.push("list");
                        }
                    }
                    rules.push(VaultPathRule {
                        path: format!("{}/{p}*", self.mount),
                        capabilities: caps,
                    });
                }
            }
        }
        VaultPolicy {
            comments: vec![
                format!(
                    "policy {} for the ServiceAccount {}/{}: KV v{} mount `{}`, prefix {}",
                    self.role,
                    self.sa_namespace,
                    self.sa_name,
                    if self.version == KvVersion::V2 { 2 } else { 1 },
                    self.mount,
                    self.prefixes.join(", ")
                ),
                format!(
                    "apply with: {} policy write {} THIS_FILE",
                    if self.kind == "openbao" {
                        "bao"
                    } else {
                        "vault"
                    },
                    self.role
                ),
            ],
            rules,
        }
    }

    /// The Kubernetes auth role.
    pub fn role_document(&self) -> VaultRole {
        VaultRole {
            bound_service_account_names: vec![self.sa_name.clone()],
            bound_service_account_namespaces: vec![self.sa_namespace.clone()],
            audience: self.audience.clone(),
            token_policies: vec![self.role.clone()],
            token_ttl: self.token_ttl.into(),
        }
    }

    fn cli(&self) -> &'static str {
        if self.kind == "openbao" {
            "bao"
        } else {
            "vault"
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mounts() {
        assert!(is_mount("secret"));
        assert!(is_mount("kv/prod"));
        assert!(!is_mount("/secret"));
        assert!(!is_mount("secret/"));
        assert!(!is_mount("a/../b"));
    }

    /// The JSON Schema's patterns and values accept exactly what the parser
    /// does.
    #[test]
    fn schema_patterns_agree_with_the_parser() {
        use crate::config::patterns::testing::agrees;
        agrees(
            ADDRESS_PATTERN,
            None,
            is_address,
            "htps:/a \u{a0}",
            &[
                "https://vault.example.com:8200",
                "http://a",
                "http://ab",
                "https://",
                "https://a",
                "vault:8200",
            ],
        );
        agrees(
            MOUNT_PATTERN,
            None,
            is_mount,
            "a/._-: ",
            &[
                "secret", "kv/prod", "/secret", "secret/", "a/../b", "a//b", "...", ".a", "",
            ],
        );
        agrees(
            AUDIENCE_PATTERN,
            None,
            is_audience,
            "a \t",
            &["vault", "", "a b"],
        );
        for n in -3..10 {
            assert_eq!(
                KvVersion::from_number(n).is_some(),
                KV_VERSIONS.contains(&n.to_string().as_str()),
                "{n}"
            );
        }
    }
}
