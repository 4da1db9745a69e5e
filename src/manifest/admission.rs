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

/// A CEL string literal.
pub fn cel_string(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

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

/// A Go regexp (a CEL string expression) whose every match starts with the
/// prefix, as the generated Azure find carries it: `^`, then the prefix
/// escaped as `regex::escape` does it (RE2 reads `\` followed by
/// punctuation as that character), compared with case folded like the key,
/// then a rest that cannot widen the match: no `|` anywhere (`^p|.*` is an
/// alternation at the top level that matches everything; refusing every
/// `|` is simpler than parsing groups), no quantifier right after the
/// prefix (`?`, `*`, `+` or `{` would make its last character optional or
/// repeated), and as many `(` as `)` (an unbalanced group does not compile
/// in RE2 anyway; refused rather than relied on).
fn anchored_regexp(var: &str, prefix: &str) -> String {
    let anchor = format!("^{}", regex::escape(prefix)).to_ascii_lowercase();
    let rest = format!("{var}.substring({})", anchor.chars().count());
    format!(
        "({var}.lowerAscii().startsWith({}) && !{var}.contains('|') && ['?', '*', '+', '{{'].all(q, !{rest}.startsWith(q)) && {var}.split('(').size() == {var}.split(')').size())",
        cel_string(&anchor)
    )
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
            anchored_regexp("d.find.name.regexp", prefix)
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

/// The values of a provider block's leaves, by dotted path.
type Leaves = BTreeMap<String, Value>;

/// The leaves (scalars, arrays, maps without a schema of their own) and
/// the object nodes of a provider block, by dotted path.
#[derive(Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
struct BlockShape {
    objects: BTreeSet<String>,
    leaves: BTreeSet<String>,
}

fn flatten(v: &Value, path: &str, fields: &[Field], shape: &mut BlockShape, leaves: &mut Leaves) {
    let Value::Object(m) = v else { return };
    for (k, child) in m {
        let here = if path.is_empty() {
            k.clone()
        } else {
            format!("{path}.{k}")
        };
        // An object is a node when the schema lists fields below it.
        let is_node = child.is_object()
            && fields
                .iter()
                .any(|f| f.path.starts_with(&format!("{here}.")));
        if is_node {
            shape.objects.insert(here.clone());
            flatten(child, &here, fields, shape, leaves);
        } else {
            shape.leaves.insert(here.clone());
            leaves.insert(here, child.clone());
        }
    }
}

fn default_literal(d: FieldDefault) -> String {
    match d {
        FieldDefault::Str(s) => cel_string(s),
        FieldDefault::Bool(b) => b.to_string(),
    }
}

/// The provider block of the team's stores, pinned field by field: every
/// object and leaf esogen generates present and equal (a leaf that differs
/// between namespaces is looked up by `object.metadata.namespace`), every
/// other field of the provider's schema absent or at its CRD default.
fn pinned_block(key: &str, stores: &BTreeMap<String, Value>) -> String {
    let fields = store_schema::provider_fields(key).unwrap_or(&[]);
    let base = format!("object.spec.provider.{key}");
    // Namespaces grouped by the shape of their block (one group unless the
    // provider sets a field in some namespaces only).
    let mut groups: BTreeMap<BlockShape, Vec<(&str, Leaves)>> = BTreeMap::new();
    for (ns, provider) in stores {
        let mut shape = BlockShape::default();
        let mut leaves = BTreeMap::new();
        flatten(&provider[key], "", fields, &mut shape, &mut leaves);
        groups.entry(shape).or_default().push((ns.as_str(), leaves));
    }
    if groups.is_empty() {
        // No generated store to compare with: admit none.
        return "false".to_owned();
    }
    let single = groups.len() == 1;
    let mut alternatives = Vec::new();
    for (shape, members) in &groups {
        let mut checks = vec![format!("has({base})")];
        if !single {
            checks.push(format!(
                "object.metadata.namespace in {}",
                cel_list(members.iter().map(|(ns, _)| *ns))
            ));
        }
        let covered = |path: &str| match path.rsplit_once('.') {
            None => true,
            Some((parent, _)) => shape.objects.contains(parent),
        };
        let mut paths: BTreeSet<&str> = fields.iter().map(|f| f.path).collect();
        paths.extend(shape.objects.iter().map(String::as_str));
        paths.extend(shape.leaves.iter().map(String::as_str));
        for path in paths {
            if !covered(path) {
                continue;
            }
            let at = format!("{base}.{path}");
            if shape.objects.contains(path) {
                checks.push(format!("has({at})"));
            } else if shape.leaves.contains(path) {
                let values: BTreeMap<&str, &Value> = members
                    .iter()
                    .filter_map(|(ns, leaves)| leaves.get(path).map(|v| (*ns, v)))
                    .collect();
                let first = values.values().next().copied();
                let expected = match first {
                    Some(v) if values.values().all(|x| *x == v) => cel_literal(v),
                    _ => format!(
                        "{{{}}}[object.metadata.namespace]",
                        values
                            .iter()
                            .map(|(ns, v)| format!("{}: {}", cel_string(ns), cel_literal(v)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                };
                checks.push(format!("has({at}) && {at} == {expected}"));
            } else {
                let default = fields
                    .iter()
                    .find(|f| f.path == path)
                    .and_then(|f| f.default);
                checks.push(match default {
                    Some(d) => format!("(!has({at}) || {at} == {})", default_literal(d)),
                    None => format!("!has({at})"),
                });
            }
        }
        alternatives.push(format!("({})", checks.join(" && ")));
    }
    alternatives.join(" || ")
}

/// The rules on the team's SecretStores (Option A): the generated name, the
/// generated provider block and nothing else in `spec`.
fn store_rules(t: &TeamStore) -> Vec<Rule> {
    let team = t.team.name.as_str();
    let store = t.team.store.as_str();
    let provider_key = t.provider.0;
    let mut others = String::new();
    for other in ESO_PROVIDER_KEYS.iter().filter(|k| **k != provider_key) {
        others.push_str(&format!(" && !has(object.spec.provider.{other})"));
    }
    let pinned = pinned_block(provider_key, &t.stores);
    let spec_fields = store_schema::SPEC_FIELDS
        .iter()
        .map(|f| format!("!has(object.spec.{f})"))
        .collect::<Vec<_>>()
        .join(" && ");
    vec![
        Rule::new(
            format!(
                "object.kind != 'SecretStore' || object.metadata.name == {}",
                cel_string(store)
            ),
            format!("team {team}: the only SecretStore here is the generated `{store}`"),
        ),
        Rule::new(
            format!(
                "object.kind != 'SecretStore' || (has(object.spec.provider){others} && ({pinned}))"
            ),
            format!(
                "team {team}: a SecretStore must keep the generated `{provider_key}` provider block field for field (auth, role, region, server, path, vault and project included); change tenants.toml instead"
            ),
        ),
        Rule::new(
            format!("object.kind != 'SecretStore' || ({spec_fields})"),
            format!(
                "team {team}: a SecretStore's spec holds only the generated provider block (no {})",
                store_schema::SPEC_FIELDS.join(", ")
            ),
        ),
    ]
}

/// Who may create or change the team's SecretStores: the second defence,
/// besides the pinning, so that even a store identical to the generated one
/// comes only from the identity that applies the tree. An UPDATE that
/// leaves `spec` alone is anyone's: it is ESO adding or removing its
/// finalizer (or someone changing a label); the pinning still applies to it.
fn writer_rule(t: &TeamStore, writers: &[StoreWriter]) -> Rule {
    let mut users = Vec::new();
    let mut who = Vec::new();
    for w in writers {
        match w {
            StoreWriter::User(u) => users.push(u.as_str()),
            StoreWriter::FluxTenantReconciler => who.push(format!(
                "request.userInfo.username == 'system:serviceaccount:' + object.metadata.namespace + ':' + {}",
                cel_string(super::gitops::FLUX_TENANT_SA)
            )),
        }
    }
    if !users.is_empty() {
        who.insert(
            0,
            format!(
                "request.userInfo.username in {}",
                cel_list(users.iter().copied())
            ),
        );
    }
    let named: Vec<String> = writers
        .iter()
        .map(|w| match w {
            StoreWriter::User(u) => format!("`{u}`"),
            StoreWriter::FluxTenantReconciler => format!(
                "`system:serviceaccount:<namespace>:{}`",
                super::gitops::FLUX_TENANT_SA
            ),
        })
        .collect();
    Rule {
        expression: format!(
            "object.kind != 'SecretStore' || (request.operation == 'UPDATE' && object.spec == oldObject.spec) || {}",
            who.join(" || ")
        ),
        message: format!(
            "team {}: only {} may create or change SecretStores here (`store_writers`)",
            t.team.name,
            named.join(", ")
        ),
        reads_request: true,
    }
}

/// Option A: the team's namespaces hold its SecretStores. In Option B the
/// values install no SecretStore CRD (`crds.createSecretStore: false`), and
/// ExternalSecrets and PushSecrets may name only the ClusterSecretStore, so
/// a SecretStore there would reach nothing even where the chart installs the
/// CRD anyway (v2.9.0 gates only the Cluster* and PushSecret CRDs on their
/// `crds.create*` values, `hack/helm.generate.sh`).
fn has_store_rules(t: &TeamStore, scope: Scope<'_>) -> bool {
    scope.secret_store && t.team.scope == StoreScope::PerNamespace
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

fn operations() -> Vec<String> {
    vec!["CREATE".into(), "UPDATE".into()]
}

fn name(team: &TeamPlan) -> String {
    format!("esogen-{}", team.name)
}

fn namespaces_selector(team: &TeamPlan) -> LabelSelector {
    // `kubernetes.io/metadata.name` is set by the API server and cannot be
    // changed, unlike labels a namespace editor controls.
    LabelSelector {
        match_labels: BTreeMap::default(),
        match_expressions: vec![SelectorRequirement {
            key: "kubernetes.io/metadata.name".into(),
            operator: "In",
            values: team.namespaces.iter().map(|n| n.to_string()).collect(),
        }],
    }
}

/// The ValidatingAdmissionPolicy and its binding for one team.
pub fn vap(
    t: &TeamStore,
    scope: Scope<'_>,
) -> (ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding) {
    let meta = || ObjectMeta {
        name: name(t.team),
        labels: managed_labels(),
        ..ObjectMeta::default()
    };
    let mut by_group: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (group, _, resource) in matched_kinds(t, scope) {
        by_group.entry(group).or_default().push(resource.to_owned());
    }
    let policy = ValidatingAdmissionPolicy {
        api_version: "admissionregistration.k8s.io/v1",
        kind: "ValidatingAdmissionPolicy",
        metadata: meta(),
        spec: VapSpec {
            failure_policy: "Fail",
            match_constraints: MatchResources {
                namespace_selector: None,
                resource_rules: by_group
                    .into_iter()
                    .map(|(group, resources)| ResourceRule {
                        api_groups: vec![group.to_owned()],
                        api_versions: vec!["*".into()],
                        operations: operations(),
                        resources,
                    })
                    .collect(),
            },
            validations: rules(t, scope)
                .into_iter()
                .map(|r| Validation {
                    expression: r.expression,
                    message: r.message,
                    reason: "Forbidden",
                })
                .collect(),
        },
    };
    let binding = ValidatingAdmissionPolicyBinding {
        api_version: "admissionregistration.k8s.io/v1",
        kind: "ValidatingAdmissionPolicyBinding",
        metadata: meta(),
        spec: VapBindingSpec {
            policy_name: name(t.team),
            validation_actions: vec!["Deny"],
            match_resources: MatchResources {
                namespace_selector: Some(namespaces_selector(t.team)),
                resource_rules: Vec::new(),
            },
        },
    };
    (policy, binding)
}

fn cluster_policy(
    name: String,
    background: bool,
    rule: &str,
    kinds: Vec<String>,
    t: &TeamStore,
    rules: Vec<Rule>,
) -> ClusterPolicy {
    ClusterPolicy {
        api_version: "kyverno.io/v1",
        kind: "ClusterPolicy",
        metadata: ObjectMeta {
            name,
            labels: managed_labels(),
            ..ObjectMeta::default()
        },
        spec: ClusterPolicySpec {
            background,
            rules: vec![KyvernoRule {
                name: rule.into(),
                matcher: KyvernoMatch {
                    any: vec![KyvernoResourceFilter {
                        resources: KyvernoResources {
                            kinds,
                            namespaces: t.team.namespaces.iter().map(|n| n.to_string()).collect(),
                            operations: operations(),
                        },
                    }],
                },
                validate: KyvernoValidate {
                    failure_action: "Enforce",
                    cel: KyvernoCel {
                        expressions: rules
                            .into_iter()
                            .map(|r| KyvernoExpression {
                                expression: r.expression,
                                message: r.message,
                            })
                            .collect(),
                    },
                },
            }],
        },
    }
}

/// The Kyverno ClusterPolicies for one team, with the VAP's expressions:
/// `esogen-<team>` holds every rule on the object (background scans report
/// existing objects too); `esogen-<team>-store-writers`, when SecretStore
/// writers are checked, holds the rule that reads `request.userInfo`, which
/// exists only at admission: Kyverno requires `background: false` for it.
pub fn kyverno(t: &TeamStore, scope: Scope<'_>) -> Vec<ClusterPolicy> {
    let (on_request, on_object): (Vec<Rule>, Vec<Rule>) =
        rules(t, scope).into_iter().partition(|r| r.reads_request);
    let kinds = matched_kinds(t, scope)
        .into_iter()
        .map(|(group, kind, _)| format!("{group}/*/{kind}"))
        .collect();
    let mut out = vec![cluster_policy(
        name(t.team),
        true,
        "team-prefix-and-store",
        kinds,
        t,
        on_object,
    )];
    if !on_request.is_empty() {
        out.push(cluster_policy(
            format!("{}-store-writers", name(t.team)),
            false,
            "store-writers",
            vec!["external-secrets.io/*/SecretStore".into()],
            t,
            on_request,
        ));
    }
    out
}
