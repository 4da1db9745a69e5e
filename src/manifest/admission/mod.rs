//! In-cluster enforcement of the prefix rule (DESIGN.md section 4; ESO
//! security guide, "Policy Engine Best Practices"): for each team, CEL rules
//! that ExternalSecrets and PushSecrets in the team's namespaces reference
//! only keys under the team prefix (`data`, `dataFrom.extract`,
//! `dataFrom.find.path`, push targets), only the team's store and no
//! generator; that a SecretStore there (Option A) is exactly the one esogen
//! generates: its name, and its provider block field by field, so a tenant
//! cannot drop `auth` (ESO would fall back to the controller's own
//! credentials) or point it at another role, region, server or vault; and
//! that no generator object is created there (unless `allow_generators`).
//! On Azure Key Vault, whose names are case-insensitive and whose find lists
//! the whole vault, keys are compared with case folded and a find must carry
//! a name regexp anchored at the escaped prefix.
//! The same expressions drive a ValidatingAdmissionPolicy or a Kyverno
//! ClusterPolicy.
//!
//! Both match only kinds whose CRDs the generated ESO values install
//! ([`Scope`]): Kyverno refuses, or never readies, a policy naming a kind
//! the cluster does not serve, and then enforces nothing of it.

pub mod cel;
mod engines;
pub mod key_vault;
mod stores;

pub use cel::cel_string;
pub use engines::{kyverno, vap};
pub use key_vault::{
    KEY_VAULT_WIDENING, key_vault_anchor, key_vault_find_admitted, key_vault_find_rule,
};
use stores::{has_store_rules, store_rules, writer_rule};

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::gitops::{
    ClusterPolicy, ClusterPolicySpec, KyvernoCel, KyvernoExpression, KyvernoMatch,
    KyvernoResourceFilter, KyvernoResources, KyvernoRule, KyvernoValidate, managed_labels,
};
use super::k8s::{
    LabelSelector, MatchResources, ObjectMeta, ResourceRule, SelectorRequirement,
    ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding, Validation, VapBindingSpec,
    VapSpec,
};
use super::store_schema::{self, Field, FieldDefault};
use crate::config::StoreWriter;
use crate::plan::{StoreScope, TeamPlan};

/// Every `spec.provider` key of ESO v2.9's SecretStore: a team's stores must
/// set its own and none of the others (CEL cannot count an object's fields).
pub const ESO_PROVIDER_KEYS: &[&str] = &[
    "akeyless",
    "aws",
    "azurekv",
    "barbican",
    "beyondtrust",
    "beyondtrustworkloadcredentials",
    "bitwardensecretsmanager",
    "chef",
    "cloudrusm",
    "conjur",
    "crd",
    "delinea",
    "doppler",
    "dvls",
    "fake",
    "fortanix",
    "gcpsm",
    "github",
    "gitlab",
    "ibm",
    "infisical",
    "keepersecurity",
    "kubernetes",
    "nebiusmysterybox",
    "ngrok",
    "onboardbase",
    "onepassword",
    "onepasswordSDK",
    "openBao",
    "oracle",
    "ovh",
    "passbolt",
    "passworddepot",
    "previder",
    "pulumi",
    "scaleway",
    "secretserver",
    "senhasegura",
    "vault",
    "volcengine",
    "webhook",
    "yandexcertificatemanager",
    "yandexlockbox",
];

/// ESO's generator API group.
pub const GENERATOR_GROUP: &str = "generators.external-secrets.io";

/// The namespaced kinds of [`GENERATOR_GROUP`] in ESO v2.9.0, with their
/// resource names (`config/crds/bases`): the ExternalSecret CRD's
/// `generatorRef.kind` values without the cluster-scoped `ClusterGenerator`,
/// plus `GeneratorState`, which holds a generator's spec for ESO to clean up
/// with. The chart installs all of them whenever it installs CRDs (only the
/// Cluster* and PushSecret CRDs have a `crds.create*` switch).
pub const GENERATOR_KINDS: &[(&str, &str)] = &[
    ("ACRAccessToken", "acraccesstokens"),
    (
        "BeyondtrustWorkloadCredentialsDynamicSecret",
        "beyondtrustworkloadcredentialsdynamicsecrets",
    ),
    ("CloudsmithAccessToken", "cloudsmithaccesstokens"),
    ("ECRAuthorizationToken", "ecrauthorizationtokens"),
    ("Fake", "fakes"),
    ("GCRAccessToken", "gcraccesstokens"),
    ("GeneratorState", "generatorstates"),
    ("GithubAccessToken", "githubaccesstokens"),
    ("GitlabDeployToken", "gitlabdeploytokens"),
    ("Grafana", "grafanas"),
    ("MFA", "mfas"),
    ("Password", "passwords"),
    ("QuayAccessToken", "quayaccesstokens"),
    ("SSHKey", "sshkeys"),
    ("STSSessionToken", "stssessiontokens"),
    ("UUID", "uuids"),
    ("VaultDynamicSecret", "vaultdynamicsecrets"),
    ("Webhook", "webhooks"),
];

/// A JSON value as a CEL literal.
fn cel_literal(v: &Value) -> String {
    match v {
        Value::Null => "null".to_owned(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => cel_string(s),
        Value::Array(a) => format!(
            "[{}]",
            a.iter().map(cel_literal).collect::<Vec<_>>().join(", ")
        ),
        Value::Object(m) => format!(
            "{{{}}}",
            m.iter()
                .map(|(k, v)| format!("{}: {}", cel_string(k), cel_literal(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn cel_list<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    format!(
        "[{}]",
        items
            .into_iter()
            .map(cel_string)
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// What the generated ESO install serves and what the config allows, which
/// decide what the policies match and admit.
#[derive(Debug, Clone, Copy)]
pub struct Scope<'a> {
    /// The PushSecret CRD is installed (something is pushed).
    pub push_secret: bool,
    /// The SecretStore CRD is installed (Option A).
    pub secret_store: bool,
    /// Tenants may use generators (`allow_generators`).
    pub allow_generators: bool,
    /// Who may create or change SecretStores (`store_writers`); empty: no
    /// identity check, only the pinning of the store's content.
    pub store_writers: &'a [StoreWriter],
}

/// The store a team's objects must reference, and the provider its
/// SecretStores must use.
#[derive(Debug, Clone)]
pub struct TeamStore<'a> {
    /// The team.
    pub team: &'a TeamPlan,
    /// `spec.provider` key and, for AWS, the service.
    pub provider: (&'static str, Option<&'static str>),
    /// Option A: the generated `spec.provider` of the store in each of the
    /// team's namespaces; empty for Option B.
    pub stores: BTreeMap<String, Value>,
}

impl TeamStore<'_> {
    /// Key Vault: names compared with case folded, finds scoped by name.
    fn is_azure(&self) -> bool {
        self.provider.0 == "azurekv"
    }
}

/// One rule: CEL and its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// CEL over `object` (and `oldObject` and `request` when
    /// [`Rule::reads_request`]).
    pub expression: String,
    /// Shown on denial.
    pub message: String,
    /// The rule reads `request.userInfo`, which exists only at admission:
    /// Kyverno must not run it in background scans.
    pub reads_request: bool,
}

impl Rule {
    fn new(expression: String, message: String) -> Self {
        Self {
            expression,
            message,
            reads_request: false,
        }
    }
}

/// A key (a CEL string expression) inside the prefix: starts with it, is not
/// the prefix itself, and has no `..` segment. With `fold`, compared in
/// lower case on both sides, as Key Vault compares names: `WEB-DB` is the
/// secret `web-db`, and `WEB-` is the prefix itself.
fn key_ok(var: &str, prefix: &str, fold: bool) -> String {
    let (k, p) = if fold {
        (
            format!("{var}.lowerAscii()"),
            cel_string(&prefix.to_ascii_lowercase()),
        )
    } else {
        (var.to_owned(), cel_string(prefix))
    };
    format!("({k}.startsWith({p}) && {k} != {p} && {var}.split('/').all(s, s != '..'))")
}

/// A `sourceRef` naming a generator in the namespace: not another store,
/// and not a ClusterGenerator (shared by every namespace, and not read by
/// ESO with `processClusterGenerator: false`).
fn generator_ref_ok(var: &str) -> String {
    format!(
        "(!has({var}.storeRef) && has({var}.generatorRef) && {var}.generatorRef.kind != 'ClusterGenerator')"
    )
}

/// The kind of the team's store.
fn store_kind(t: &TeamStore) -> &'static str {
    match t.team.scope {
        StoreScope::PerNamespace => "SecretStore",
        StoreScope::Cluster => "ClusterSecretStore",
    }
}

/// The CEL rules for one team.
pub fn rules(t: &TeamStore, scope: Scope<'_>) -> Vec<Rule> {
    let mut out = external_secret_rules(t, scope);
    if scope.push_secret {
        out.push(push_secret_rule(t, scope));
    }
    if has_store_rules(t, scope) {
        out.extend(store_rules(t));
        if !scope.store_writers.is_empty() {
            out.push(writer_rule(t, scope.store_writers));
        }
    }
    out.push(access_rule(t));
    if !scope.allow_generators {
        out.push(Rule::new(
            format!(
                "!object.apiVersion.startsWith({})",
                cel_string(&format!("{GENERATOR_GROUP}/"))
            ),
            format!(
                "team {}: ESO generators are off in team namespaces (`allow_generators`)",
                t.team.name
            ),
        ));
    }
    out
}

/// Objects that grant provider-side access (an ACK IAM Role, a Config
/// Connector binding, a vault-config-operator role) are platform-owned: in
/// a team namespace one would let the team grant itself any access.
fn access_rule(t: &TeamStore) -> Rule {
    let groups = super::access::access_groups()
        .into_iter()
        .map(|g| cel_string(&format!("{g}/")))
        .collect::<Vec<_>>()
        .join(", ");
    Rule::new(
        format!("![{groups}].exists(g, object.apiVersion.startsWith(g))"),
        format!(
            "team {}: objects that grant cloud or Vault access (IAM roles, bindings, identities, Vault policies) are platform-owned; esogen delivers them from bases/access/",
            t.team.name
        ),
    )
}

/// ExternalSecrets: keys and finds under the prefix, through the team's
/// store only.
fn external_secret_rules(t: &TeamStore, scope: Scope<'_>) -> Vec<Rule> {
    let prefix = t.team.prefix.as_str();
    let team = t.team.name.as_str();
    let kind = store_kind(t);
    let store = cel_string(t.team.store.as_str());
    let kind_lit = cel_string(kind);
    let fold = t.is_azure();
    let find_path = if fold {
        // ESO's Key Vault find lists the whole vault and filters by name
        // (and tags) only: `find.path` is ignored, the name regexp is the
        // only scope (providers/v1/azure/keyvault/keyvault.go).
        format!(
            "(has(d.find.name) && has(d.find.name.regexp) && {})",
            key_vault_find_rule("d.find.name.regexp", prefix)
        )
    } else {
        // Folder providers (Vault, Parameter Store) get the folder without
        // its slash, so the prefix's own folder is `prefix` minus `/`.
        format!(
            "(has(d.find.path) && (d.find.path.startsWith({p}) || d.find.path + '/' == {p}) && d.find.path.split('/').all(s, s != '..'))",
            p = cel_string(prefix)
        )
    };
    // A generator's output comes from the generator, not the provider: with
    // `allow_generators` such an entry names one, else it is refused like
    // any other `sourceRef` (which could also name another store).
    let data_item = if scope.allow_generators {
        format!(
            "(has(d.sourceRef) ? {} : {})",
            generator_ref_ok("d.sourceRef"),
            key_ok("d.remoteRef.key", prefix, fold)
        )
    } else {
        format!(
            "(!has(d.sourceRef) && {})",
            key_ok("d.remoteRef.key", prefix, fold)
        )
    };
    let provider_source = format!(
        "((has(d.extract) || has(d.find)) && (!has(d.extract) || {}) && (!has(d.find) || {find_path}))",
        key_ok("d.extract.key", prefix, fold)
    );
    let data_from_item = if scope.allow_generators {
        format!(
            "(has(d.sourceRef) ? ({} && !has(d.extract) && !has(d.find)) : {provider_source})",
            generator_ref_ok("d.sourceRef")
        )
    } else {
        format!("(!has(d.sourceRef) && {provider_source})")
    };
    let (key_note, find_note) = if fold {
        (
            "; compared case-insensitively, as Key Vault names are",
            " (keys compared case-insensitively; a find needs `name.regexp` anchored at the escaped prefix, as Key Vault ignores `find.path`)",
        )
    } else {
        ("", "")
    };
    let sources = if scope.allow_generators {
        "; a sourceRef only to a generator in the namespace"
    } else {
        "; no sourceRef (no other store, no generator)"
    };
    vec![
        Rule::new(
            format!(
                "object.kind != 'ExternalSecret' || !has(object.spec.data) || object.spec.data.all(d, {data_item})"
            ),
            format!(
                "team {team}: every spec.data[].remoteRef.key must lie under `{prefix}` (no `..`, not the prefix itself{key_note}){sources}"
            ),
        ),
        Rule::new(
            format!(
                "object.kind != 'ExternalSecret' || !has(object.spec.dataFrom) || object.spec.dataFrom.all(d, {data_from_item})"
            ),
            format!(
                "team {team}: every spec.dataFrom[] extract key and find must lie under `{prefix}`{find_note}{sources}"
            ),
        ),
        Rule::new(
            format!(
                "object.kind != 'ExternalSecret' || (has(object.spec.secretStoreRef) && (has(object.spec.secretStoreRef.kind) ? object.spec.secretStoreRef.kind : 'SecretStore') == {kind_lit} && object.spec.secretStoreRef.name == {store})"
            ),
            format!(
                "team {team}: ExternalSecrets must use the {kind} `{}`",
                t.team.store
            ),
        ),
    ]
}

/// PushSecrets: written only under the prefix, through the team's store,
/// from a Secret (or a namespace generator with `allow_generators`).
fn push_secret_rule(t: &TeamStore, scope: Scope<'_>) -> Rule {
    let prefix = t.team.prefix.as_str();
    let team = t.team.name.as_str();
    let kind = store_kind(t);
    let store = cel_string(t.team.store.as_str());
    let kind_lit = cel_string(kind);
    let fold = t.is_azure();
    let selector = if scope.allow_generators {
        "(!has(object.spec.selector.generatorRef) || object.spec.selector.generatorRef.kind != 'ClusterGenerator')"
    } else {
        "!has(object.spec.selector.generatorRef)"
    };
    Rule::new(
        format!(
            "object.kind != 'PushSecret' || (!has(object.spec.dataTo) && {selector} && (!has(object.spec.data) || object.spec.data.all(d, {})) && object.spec.secretStoreRefs.all(r, !has(r.labelSelector) && has(r.name) && (has(r.kind) ? r.kind : 'SecretStore') == {kind_lit} && r.name == {store}))",
            key_ok("d.match.remoteRef.remoteKey", prefix, fold)
        ),
        format!(
            "team {team}: PushSecrets may write only under `{prefix}` through the {kind} `{}`{}",
            t.team.store,
            if scope.allow_generators {
                ""
            } else {
                ", from a Secret, not a generator"
            }
        ),
    )
}

/// `(API group, kind, resource)` of every kind the team's policies match:
/// the ESO kinds the generated install serves, and the generators when they
/// are refused. Kyverno and the VAP match the same list.
fn matched_kinds(
    t: &TeamStore,
    scope: Scope<'_>,
) -> Vec<(&'static str, &'static str, &'static str)> {
    let eso = "external-secrets.io";
    let mut out = vec![(eso, "ExternalSecret", "externalsecrets")];
    if scope.push_secret {
        out.push((eso, "PushSecret", "pushsecrets"));
    }
    if has_store_rules(t, scope) {
        out.push((eso, "SecretStore", "secretstores"));
    }
    if !scope.allow_generators {
        out.extend(
            GENERATOR_KINDS
                .iter()
                .map(|(kind, resource)| (GENERATOR_GROUP, *kind, *resource)),
        );
    }
    out.extend(super::access::ACCESS_KINDS.iter().copied());
    out
}
