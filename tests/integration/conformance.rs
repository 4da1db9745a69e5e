//! Issue 13, "the real deliverable": every example and fixture is generated
//! and, for every namespace, the ESO v2.9 conformance table
//! (`conformance/eso-v2.9.toml`) is replayed against the generated
//! provider-side policies with a real evaluator where one installs here:
//!
//! - AWS: the offline IAM evaluator `@cloud-copilot/iam-simulate` behind
//!   `tests/conformance/iam-simulate/eval.mjs` (`ESOGEN_IAM_SIMULATE`), for
//!   the permission policy and the IRSA trust policy (also checked
//!   structurally: exact `sub`, `aud` and OIDC provider);
//! - GCP: the bindings' IAM condition expressions are CEL, evaluated with the
//!   `cel` crate on the resource names ESO touches (project number);
//! - Vault/OpenBao: a matcher for Vault's ACL path rules (`vault` module);
//! - Azure: role-assignment scopes against the vault each store reads.
//!
//! Which operations a namespace needs is read from the generated objects
//! themselves (ExternalSecret, PushSecret, SecretStore). Every required call
//! must be allowed on the namespace's own keys; every call of every
//! operation must be denied on every other team's keys and on near misses of
//! the prefix; and anything granted that no applicable call needs is
//! reported as surplus. Findings are listed by kind (MISSING, LEAK, SURPLUS,
//! TRUST, ERROR) so the generator can be fixed; the tests never skip them.

mod aws;
mod azure;
mod gcp;
mod readme;
mod vault;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;

use crate::common::{all_good_configs, parse_yaml_docs, repo_root};

// ------------------------------------------------------------------ the table

/// `conformance/eso-v2.9.toml`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub eso_version: String,
    pub eso_commit: String,
    pub op: Vec<Op>,
    pub unsupported: Vec<Unsupported>,
}

/// One `[[op]]` row: what ESO does for one (provider, operation).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Op {
    pub provider: String,
    pub operation: String,
    pub summary: String,
    pub source: String,
    /// Read by people; kept so `deny_unknown_fields` accepts it.
    #[allow(dead_code)]
    pub note: Option<String>,
    pub call: Vec<Call>,
}

/// One `[[op.call]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Call {
    pub action: String,
    pub resource: String,
    pub when: String,
    #[serde(rename = "if")]
    pub cond: Option<String>,
    pub tolerated: bool,
    #[serde(default)]
    pub context: BTreeMap<String, String>,
    /// Read by people; kept so `deny_unknown_fields` accepts it.
    #[allow(dead_code)]
    pub note: Option<String>,
    pub source: Option<String>,
}

/// One `[[unsupported]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Unsupported {
    pub provider: String,
    pub operation: String,
    pub why: String,
    pub source: String,
}

pub const PROVIDERS: &[&str] = &[
    "aws-secrets-manager",
    "aws-parameter-store",
    "gcp-secret-manager",
    "azure-key-vault",
    "vault-kv2",
    "vault-kv1",
    "openbao-kv2",
];

pub const OPERATIONS: &[&str] = &[
    "read-key",
    "read-property",
    "extract",
    "find-name",
    "find-path",
    "find-tags",
    "push-create",
    "push-update",
    "push-metadata",
    "delete",
    "validate",
];

/// `if` tags decided from the configuration (conformance/README.md).
pub const CONFIG_TAGS: &[&str] = &[
    "metadata-policy-fetch",
    "update-policy-if-not-exists",
    "push-metadata-tags",
    "push-metadata-labels",
    "resource-policy-set",
    "replication",
    "push-metadata-kms-key",
    "push-metadata-kms-key-advanced",
    "customer-managed-key",
    "latest-or-fetch",
    "irsa",
    "assume-role",
    "session-tags",
    "gsa-annotation",
    "push-property",
    "native-openbao",
    "vault-token-revoke",
    "by-path-denied",
];

/// `if` tags that depend on the remote secret's state: assumed to hold.
pub const RUNTIME_TAGS: &[&str] = &[
    "secret-has-versions",
    "secret-exists",
    "value-changed",
    "find-match",
    "managed-by-tag",
    "foreign-tags",
    "foreign-labels",
];

pub fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let path = repo_root().join("conformance/eso-v2.9.toml");
        let text = std::fs::read_to_string(&path).expect("conformance/eso-v2.9.toml");
        toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    })
}

impl Table {
    pub fn ops(&self, provider: &str) -> impl Iterator<Item = &Op> {
        self.op.iter().filter(move |o| o.provider == provider)
    }

    pub fn get(&self, provider: &str, operation: &str) -> Option<&Op> {
        self.op
            .iter()
            .find(|o| o.provider == provider && o.operation == operation)
    }
}

// ------------------------------------------------------------ the generated side

/// What one namespace asks one store for.
#[derive(Debug, Clone)]
pub struct Request {
    /// The table's operation.
    pub operation: &'static str,
    /// The remote key, or the find path (or `None` for a find without path,
    /// and for validate).
    pub key: Option<String>,
    /// The object that asks, for messages: `ExternalSecret/db`.
    pub object: String,
    /// Configuration tags that hold for this request.
    pub tags: BTreeSet<&'static str>,
}

/// One namespace reading through one store.
#[derive(Debug, Clone)]
pub struct StoreUse {
    pub config: String,
    pub namespace: String,
    pub team: String,
    pub prefix: String,
    pub store_kind: String,
    pub store_name: String,
    /// The store object after the overlay's patches.
    pub store: Value,
    /// The store's ServiceAccount after patches, when esogen generates one.
    pub service_account: Option<Value>,
    /// Namespace of that ServiceAccount.
    pub sa_namespace: String,
    /// `[providers.NAME]` of tenants.toml.
    pub provider_cfg: toml::Table,
    /// The table's provider row name.
    pub row: &'static str,
    /// `policies/<home>/<store>.`: prefix of the store's policy files.
    pub policy_base: String,
    pub requests: Vec<Request>,
    /// Store-wide configuration tags.
    pub tags: BTreeSet<&'static str>,
}

impl StoreUse {
    pub fn label(&self) -> String {
        format!(
            "{} ns/{} {} {}",
            self.config, self.namespace, self.store_kind, self.store_name
        )
    }

    /// Whether a call's `if` holds for a request; `None` for `by-path-denied`,
    /// which only the evaluator can decide.
    pub fn holds(&self, cond: Option<&str>, req: &Request) -> Option<bool> {
        let Some(cond) = cond else { return Some(true) };
        let (neg, tag) = match cond.strip_prefix('!') {
            Some(t) => (true, t),
            None => (false, cond),
        };
        let v = if RUNTIME_TAGS.contains(&tag) {
            true
        } else if tag == "by-path-denied" {
            return None;
        } else {
            assert!(CONFIG_TAGS.contains(&tag), "unknown if tag {tag:?}");
            req.tags.contains(tag) || self.tags.contains(tag)
        };
        Some(v != neg)
    }

    pub fn provider_str(&self, key: &str) -> Option<String> {
        self.provider_cfg
            .get(key)
            .and_then(|v| v.as_str())
            .map(str::to_owned)
    }
}

/// One generated config: its files and its store uses.
pub struct Generated {
    pub name: String,
    pub files: BTreeMap<String, String>,
    pub uses: Vec<StoreUse>,
}

impl Generated {
    pub fn file(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// Keys and prefixes of every store use whose policy is not `u`'s:
    /// what `u`'s credentials must not reach.
    pub fn foreign_keys(&self, u: &StoreUse) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for o in &self.uses {
            if o.policy_base == u.policy_base || o.row_family() != u.row_family() {
                continue;
            }
            if o.prefix == u.prefix {
                // The same team through another store or namespace.
                continue;
            }
            for r in &o.requests {
                if let Some(k) = &r.key {
                    out.insert(k.clone());
                }
            }
            out.insert(format!("{}x", o.prefix));
        }
        out.extend(near_misses(&u.prefix));
        out.retain(|k| !k.starts_with(&u.prefix));
        out
    }
}

impl StoreUse {
    /// Providers whose keys live in the same namespace of names.
    pub fn row_family(&self) -> &'static str {
        match self.row {
            "vault-kv2" | "vault-kv1" | "openbao-kv2" => "vault",
            r => r,
        }
    }
}

/// Notes, for the report, the teams that share one policy (a forced shared
/// ClusterSecretStore): their keys are not checked against each other.
pub fn note_shared_policies(report: &mut Report, family: &str) {
    for g in all() {
        let mut by_policy: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        for u in g.uses.iter().filter(|u| u.row_family() == family) {
            by_policy.entry(&u.policy_base).or_default().insert(&u.team);
        }
        for (p, teams) in by_policy.into_iter().filter(|(_, t)| t.len() > 1) {
            report.notes.insert(format!(
                "{}: teams {teams:?} share {p}*, so each reaches the others' keys by design (a shared store); not checked against each other",
                g.name
            ));
        }
    }
}

/// Runs `check` on every store of a provider family (a row, or `vault`
/// for Vault and OpenBao) in every configuration, then fails with the
/// report; `min` guards against a family that silently matched nothing.
pub fn check_family(
    family: &str,
    min: usize,
    what: &str,
    check: impl Fn(&Generated, &StoreUse, &mut Report),
) {
    let mut report = Report::default();
    let mut stores = 0;
    for g in all() {
        for u in g.uses.iter().filter(|u| u.row_family() == family) {
            stores += 1;
            check(g, u, &mut report);
        }
    }
    assert!(stores >= min, "{stores} {what} stores");
    note_shared_policies(&mut report, family);
    report.finish(what);
}

/// `<prefix minus last char>x-evil` and a key beside the prefix in its parent.
pub fn near_misses(prefix: &str) -> Vec<String> {
    let mut out = Vec::new();
    let trimmed = &prefix[..prefix.len() - prefix.chars().last().map_or(0, char::len_utf8)];
    out.push(format!("{trimmed}x-evil"));
    let sep = if prefix.contains('/') { '/' } else { '-' };
    let body = prefix.trim_end_matches(sep);
    let parent = match body.rfind(sep) {
        Some(i) => &body[..=i],
        None => "",
    };
    out.push(format!("{parent}x"));
    if sep == '/' {
        out.push(format!("{body}-evil/x"));
    }
    out
}

/// Deep merge, as a strategic merge patch does for these objects: maps are
/// merged, everything else replaced.
fn merge(base: &mut Value, patch: &Value) {
    match (base, patch) {
        (Value::Object(b), Value::Object(p)) => {
            for (k, v) in p {
                match b.get_mut(k) {
                    Some(bv) => merge(bv, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (b, p) => *b = p.clone(),
    }
}

fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

fn docs(files: &BTreeMap<String, String>, path: &str) -> Vec<Value> {
    files.get(path).map_or_else(
        || panic!("{path} is referenced but not generated"),
        |t| parse_yaml_docs(t),
    )
}

fn provider_row(store: &Value, cfg: &toml::Table) -> &'static str {
    let p = &store["spec"]["provider"];
    if p.get("aws").is_some() {
        match p["aws"]["service"].as_str() {
            Some("ParameterStore") => "aws-parameter-store",
            _ => "aws-secrets-manager",
        }
    } else if p.get("gcpsm").is_some() {
        "gcp-secret-manager"
    } else if p.get("azurekv").is_some() {
        "azure-key-vault"
    } else if p.get("vault").is_some() {
        let v1 = p["vault"]["version"].as_str() == Some("v1");
        let bao = cfg.get("kind").and_then(|k| k.as_str()) == Some("openbao");
        match (v1, bao) {
            (true, _) => "vault-kv1",
            (false, true) => "openbao-kv2",
            (false, false) => "vault-kv2",
        }
    } else if p.get("openbao").is_some() {
        "openbao-kv2"
    } else {
        panic!("unknown store provider {p}")
    }
}

fn requests_of(obj: &Value) -> Vec<(String, String, Request)> {
    // (store kind, store name, request)
    let kind = obj["kind"].as_str().unwrap_or_default();
    let name = obj["metadata"]["name"].as_str().unwrap_or_default();
    let object = format!("{kind}/{name}");
    let mut out = Vec::new();
    match kind {
        "ExternalSecret" => {
            let r = &obj["spec"]["secretStoreRef"];
            let sk = r["kind"].as_str().unwrap_or("SecretStore").to_owned();
            let sn = r["name"].as_str().expect("secretStoreRef.name").to_owned();
            for d in obj["spec"]["data"].as_array().into_iter().flatten() {
                let rr = &d["remoteRef"];
                let mut tags = BTreeSet::new();
                if rr["metadataPolicy"] == "Fetch" {
                    tags.insert("metadata-policy-fetch");
                }
                let op = if rr.get("property").is_some() {
                    "read-property"
                } else {
                    "read-key"
                };
                out.push((
                    sk.clone(),
                    sn.clone(),
                    Request {
                        operation: op,
                        key: rr["key"].as_str().map(str::to_owned),
                        object: object.clone(),
                        tags,
                    },
                ));
            }
            for d in obj["spec"]["dataFrom"].as_array().into_iter().flatten() {
                let mut tags = BTreeSet::new();
                let (op, key) = if let Some(e) = d.get("extract") {
                    if e["metadataPolicy"] == "Fetch" {
                        tags.insert("metadata-policy-fetch");
                    }
                    ("extract", e["key"].as_str().map(str::to_owned))
                } else if let Some(f) = d.get("find") {
                    if let Some(p) = f["path"].as_str() {
                        ("find-path", Some(p.to_owned()))
                    } else if f.get("name").is_some() {
                        ("find-name", None)
                    } else {
                        ("find-tags", None)
                    }
                } else {
                    panic!("{object}: dataFrom entry {d} is neither extract nor find")
                };
                out.push((
                    sk.clone(),
                    sn.clone(),
                    Request {
                        operation: op,
                        key,
                        object: object.clone(),
                        tags,
                    },
                ));
            }
        }
        "PushSecret" => {
            let delete = obj["spec"]["deletionPolicy"] == "Delete";
            let if_not_exists = obj["spec"]["updatePolicy"] == "IfNotExists";
            for r in obj["spec"]["secretStoreRefs"]
                .as_array()
                .into_iter()
                .flatten()
            {
                let sk = r["kind"].as_str().unwrap_or("SecretStore").to_owned();
                let sn = r["name"]
                    .as_str()
                    .expect("secretStoreRefs[].name")
                    .to_owned();
                for d in obj["spec"]["data"].as_array().into_iter().flatten() {
                    let rr = &d["match"]["remoteRef"];
                    let mut tags = BTreeSet::new();
                    if if_not_exists {
                        tags.insert("update-policy-if-not-exists");
                    }
                    if rr.get("property").is_some() {
                        tags.insert("push-property");
                    }
                    let md = &d["metadata"];
                    let spec = if md.get("spec").is_some() {
                        &md["spec"]
                    } else {
                        md
                    };
                    if spec.get("tags").is_some() {
                        tags.insert("push-metadata-tags");
                    }
                    if spec.get("labels").is_some() || spec.get("annotations").is_some() {
                        tags.insert("push-metadata-labels");
                    }
                    if spec.get("resourcePolicy").is_some() {
                        tags.insert("resource-policy-set");
                    }
                    if spec.get("replicationLocations").is_some() {
                        tags.insert("replication");
                    }
                    if spec.get("kmsKeyId").is_some() || spec.get("kmsKeyID").is_some() {
                        tags.insert("push-metadata-kms-key");
                        if spec["tier"] == "Advanced" {
                            tags.insert("push-metadata-kms-key-advanced");
                        }
                    }
                    let key = rr["remoteKey"].as_str().map(str::to_owned);
                    let mut ops = vec!["push-create", "push-update"];
                    if !md.is_null() {
                        ops.push("push-metadata");
                    }
                    if delete {
                        ops.push("delete");
                    }
                    for op in ops {
                        out.push((
                            sk.clone(),
                            sn.clone(),
                            Request {
                                operation: op,
                                key: key.clone(),
                                object: object.clone(),
                                tags: tags.clone(),
                            },
                        ));
                    }
                }
            }
        }
        _ => {}
    }
    out
}

fn store_tags(store: &Value, sa: Option<&Value>, cfg: &toml::Table) -> BTreeSet<&'static str> {
    let mut t = BTreeSet::new();
    let p = &store["spec"]["provider"];
    if cfg
        .get("kms_key_arns")
        .and_then(|v| v.as_array())
        .is_some_and(|a| !a.is_empty())
    {
        t.insert("customer-managed-key");
    }
    if p["aws"]["auth"]["jwt"].get("serviceAccountRef").is_some() {
        t.insert("irsa");
    }
    if p["aws"].get("role").is_some() {
        t.insert("assume-role");
        if p["aws"].get("sessionTags").is_some() || p["aws"].get("sessionTagsPolicy").is_some() {
            t.insert("session-tags");
        }
    }
    if p["gcpsm"]["secretVersionSelectionPolicy"] == "LatestOrFetch" {
        t.insert("latest-or-fetch");
    }
    if p["gcpsm"]["auth"].get("workloadIdentity").is_some()
        && sa.is_some_and(|s| {
            s["metadata"]["annotations"]
                .get("iam.gke.io/gcp-service-account")
                .is_some()
        })
    {
        t.insert("gsa-annotation");
    }
    if p.get("openbao").is_some() {
        t.insert("native-openbao");
    }
    if p.get("vault").is_some() && p["vault"]["auth"].get("tokenSecretRef").is_none() {
        t.insert("vault-token-revoke");
    }
    t
}

fn teams(cfg: &toml::Table) -> Vec<(String, String, String, Vec<String>)> {
    // (name, provider, prefix, namespaces)
    cfg.get("teams")
        .and_then(|t| t.as_array())
        .into_iter()
        .flatten()
        .map(|t| {
            let s = |k: &str| {
                t.get(k)
                    .and_then(|v| v.as_str())
                    .unwrap_or_default()
                    .to_owned()
            };
            let ns = t
                .get("namespaces")
                .and_then(|v| v.as_array())
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect();
            (s("name"), s("provider"), s("prefix"), ns)
        })
        .collect()
}

/// Reads one generated config back into store uses.
pub fn load(name: &str, path: &Path) -> Generated {
    let text = std::fs::read_to_string(path).unwrap();
    load_text(name, &text)
}

/// Generates a config from its text and reads it back.
pub fn load_text(name: &str, text: &str) -> Generated {
    let (sources, result, diags) = esogen::pipeline::generate_text("tenants.toml", text);
    let tree = match result {
        Ok(g) => g.tree,
        Err(e) => panic!(
            "{name}: {e}\n{}",
            esogen::diag::render::render_all(
                &sources,
                &diags.sorted(),
                esogen::diag::render::ColorChoice::Never
            )
        ),
    };
    let mut files: BTreeMap<String, String> = tree
        .iter()
        .map(|(p, b)| (p.clone(), String::from_utf8_lossy(b).into_owned()))
        .collect();
    // Stores delivered by a controller or Terraform: their documents, where
    // the checks below read them (`policies/<home>/<store>.*`).
    crate::delivery::add_delivered_documents(&mut files);
    let cfg: toml::Table = toml::from_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
    let providers = cfg
        .get("providers")
        .and_then(|p| p.as_table())
        .cloned()
        .unwrap_or_default();
    let teams = teams(&cfg);

    // Cluster-wide objects: ClusterSecretStores and their ServiceAccounts.
    let mut cluster: Vec<Value> = Vec::new();
    for (p, _) in files
        .iter()
        .filter(|(p, _)| p.starts_with("bases/cluster/"))
    {
        if p.ends_with(".yaml") && !p.ends_with("kustomization.yaml") {
            cluster.extend(docs(&files, p));
        }
    }

    let mut uses: Vec<StoreUse> = Vec::new();
    for (kpath, ktext) in &files {
        let Some(dir) = kpath
            .strip_prefix("overlays/")
            .and_then(|r| r.strip_suffix("/kustomization.yaml"))
        else {
            continue;
        };
        let k = &parse_yaml_docs(ktext)[0];
        let ns = k["namespace"]
            .as_str()
            .expect("overlay namespace")
            .to_owned();
        let base_dir = format!("overlays/{dir}");
        let mut objects: Vec<Value> = Vec::new();
        for r in k["resources"].as_array().into_iter().flatten() {
            let r = r.as_str().unwrap();
            let p = normalize(&format!("{base_dir}/{r}"));
            if p.ends_with(".yaml") {
                objects.extend(docs(&files, &p));
            } else {
                let bk = &docs(&files, &format!("{p}/kustomization.yaml"))[0];
                for br in bk["resources"].as_array().into_iter().flatten() {
                    objects.extend(docs(&files, &format!("{p}/{}", br.as_str().unwrap())));
                }
            }
        }
        for patch in k["patches"].as_array().into_iter().flatten() {
            let p = format!("{base_dir}/{}", patch["path"].as_str().expect("patch path"));
            for pd in docs(&files, &p) {
                let target = objects.iter_mut().find(|o| {
                    o["kind"] == pd["kind"] && o["metadata"]["name"] == pd["metadata"]["name"]
                });
                merge(target.unwrap_or_else(|| panic!("{p}: no target")), &pd);
            }
        }
        let (team, _, prefix, _) = teams
            .iter()
            .find(|t| t.3.contains(&ns))
            .unwrap_or_else(|| panic!("{name}: no team owns namespace {ns}"))
            .clone();

        let mut by_store: BTreeMap<(String, String), Vec<Request>> = BTreeMap::new();
        for o in &objects {
            for (sk, sn, r) in requests_of(o) {
                by_store.entry((sk, sn)).or_default().push(r);
            }
        }
        for ((sk, sn), mut requests) in by_store {
            let pool: &Vec<Value> = if sk == "SecretStore" {
                &objects
            } else {
                &cluster
            };
            let store = pool
                .iter()
                .find(|o| o["kind"] == sk.as_str() && o["metadata"]["name"] == sn.as_str())
                .unwrap_or_else(|| panic!("{name} ns/{ns}: {sk} {sn} is not generated"))
                .clone();
            let p = &store["spec"]["provider"];
            let sa_ref = [
                &p["aws"]["auth"]["jwt"]["serviceAccountRef"],
                &p["gcpsm"]["auth"]["workloadIdentity"]["serviceAccountRef"],
                &p["azurekv"]["serviceAccountRef"],
                &p["vault"]["auth"]["kubernetes"]["serviceAccountRef"],
            ]
            .into_iter()
            .find(|r| r.is_object())
            .cloned();
            let sa_namespace = sa_ref
                .as_ref()
                .and_then(|r| r["namespace"].as_str())
                .unwrap_or(&ns)
                .to_owned();
            let service_account = sa_ref.as_ref().and_then(|r| {
                pool.iter()
                    .find(|o| o["kind"] == "ServiceAccount" && o["metadata"]["name"] == r["name"])
                    .cloned()
            });
            let provider_cfg = providers
                .get(&sn)
                .and_then(|p| p.as_table())
                .cloned()
                .unwrap_or_default();
            let row = provider_row(&store, &provider_cfg);
            let tags = store_tags(&store, service_account.as_ref(), &provider_cfg);
            requests.push(Request {
                operation: "validate",
                key: None,
                object: format!("{sk}/{sn}"),
                tags: BTreeSet::new(),
            });
            let home = if sk == "SecretStore" {
                ns.clone()
            } else {
                files
                    .keys()
                    .find_map(|f| {
                        let rest = f.strip_prefix("policies/")?;
                        let (dir, file) = rest.split_once('/')?;
                        file.starts_with(&format!("{sn}.")).then(|| dir.to_owned())
                    })
                    .unwrap_or_else(|| sa_namespace.clone())
            };
            uses.push(StoreUse {
                config: name.to_owned(),
                namespace: ns.clone(),
                team: team.clone(),
                prefix: prefix.clone(),
                store_kind: sk,
                store_name: sn.clone(),
                store,
                service_account,
                sa_namespace,
                provider_cfg,
                row,
                policy_base: format!("policies/{home}/{sn}."),
                requests,
                tags,
            });
        }
    }
    Generated {
        name: name.to_owned(),
        files,
        uses,
    }
}

/// Configurations no example or fixture covers yet: customer managed KMS
/// keys, pushes and finds on every provider, Vault finds without a path.
const SYNTHETIC: &[(&str, &str)] = &[
    (
        "synthetic-aws-secrets-manager-kms",
        r#"version = 1
[cluster]
name = "c"
platform = "eks"
[providers.sm]
kind = "aws-secrets-manager"
region = "eu-west-1"
account_id = "123456789012"
oidc_provider = "oidc.eks.eu-west-1.amazonaws.com/id/X"
kms_key_arns = ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
[[teams]]
name = "a"
provider = "sm"
prefix = "prod/a/"
namespaces = ["a"]
secrets = [
  { name = "db", key = "prod/a/db", data = { password = "password" } },
  { name = "out", key = "prod/a/out", push = true },
  { name = "all", find = { path = "prod/a/sub/" } },
]
[[teams]]
name = "b"
provider = "sm"
prefix = "prod/b/"
namespaces = ["b"]
secrets = [{ name = "db", key = "prod/b/db" }, { name = "out", key = "prod/b/out", push = true }]
"#,
    ),
    (
        "synthetic-aws-parameter-store-kms",
        r#"version = 1
[cluster]
name = "c"
platform = "eks"
[providers.ssm]
kind = "aws-parameter-store"
region = "eu-west-1"
account_id = "123456789012"
oidc_provider = "oidc.eks.eu-west-1.amazonaws.com/id/X"
kms_key_arns = ["arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"]
[[teams]]
name = "a"
provider = "ssm"
prefix = "/prod/a/"
namespaces = ["a"]
secrets = [
  { name = "db", key = "/prod/a/db" },
  { name = "out", key = "/prod/a/out", push = true },
  { name = "all", find = { path = "/prod/a/sub/" } },
]
[[teams]]
name = "b"
provider = "ssm"
prefix = "/prod/b/"
namespaces = ["b"]
secrets = [{ name = "db", key = "/prod/b/db", push = true }]
"#,
    ),
    (
        "synthetic-gcp-push-find",
        r#"version = 1
[cluster]
name = "c"
platform = "gke"
[providers.gsm]
kind = "gcp-secret-manager"
project_id = "acme-secrets"
project_number = "1234567890"
cluster_location = "europe-west1"
service_account_name = "eso-tenant-{{namespace}}"
[[teams]]
name = "a"
provider = "gsm"
prefix = "prod-a-"
namespaces = ["a"]
secrets = [
  { name = "db", key = "prod-a-db" },
  { name = "out", key = "prod-a-out", push = true },
  { name = "all", find = { path = "prod-a-sub-" } },
]
[[teams]]
name = "b"
provider = "gsm"
prefix = "prod-b-"
namespaces = ["b"]
secrets = [{ name = "db", key = "prod-b-db" }, { name = "out", key = "prod-b-out", push = true }]
"#,
    ),
    (
        "synthetic-vault-find-push",
        r#"version = 1
[cluster]
name = "c"
platform = "generic"
store_scope = "namespace"
[providers.v]
kind = "vault"
server = "https://vault.example"
[providers.k1]
kind = "openbao"
server = "https://bao.example"
kv_version = 1
mount = "kv"
[[teams]]
name = "a"
provider = "v"
prefix = "prod/a/"
namespaces = ["a"]
secrets = [
  { name = "db", key = "prod/a/db" },
  { name = "all", find = {} },
  { name = "out", key = "prod/a/out", push = true },
]
[[teams]]
name = "b"
provider = "v"
prefix = "prod/b/"
namespaces = ["b"]
secrets = [{ name = "db", key = "prod/b/db" }, { name = "sub", find = { path = "prod/b/sub/" } }]
[[teams]]
name = "c"
provider = "k1"
prefix = "prod/c/"
namespaces = ["c"]
secrets = [{ name = "db", key = "prod/c/db" }, { name = "out", key = "prod/c/out", push = true }]
"#,
    ),
    (
        "synthetic-azure-push-find",
        r#"version = 1
[cluster]
name = "c"
platform = "aks"
[providers.kv-a]
kind = "azure-key-vault"
vault_url = "https://kv-{{team}}.vault.azure.net"
tenant_id = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
client_id = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
oidc_issuer = "https://issuer.example/"
subscription_id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
resource_group = "rg"
[providers.kv-b]
kind = "azure-key-vault"
vault_url = "https://kv-{{team}}.vault.azure.net"
tenant_id = "6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"
client_id = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
oidc_issuer = "https://issuer.example/"
subscription_id = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
resource_group = "rg"
[[teams]]
name = "a"
provider = "kv-a"
prefix = "a-"
namespaces = ["a"]
secrets = [
  { name = "db", key = "a-db" },
  { name = "out", key = "a-out", push = true },
  { name = "all", find = { name = "^a\\-x" } },
]
[[teams]]
name = "b"
provider = "kv-b"
prefix = "b-"
namespaces = ["b"]
secrets = [{ name = "db", key = "b-db" }]
"#,
    ),
];

/// Every example and fixture, plus the synthetic configurations, generated
/// once per test binary.
pub fn all() -> &'static [Generated] {
    static ALL: OnceLock<Vec<Generated>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v: Vec<Generated> = all_good_configs()
            .iter()
            .map(|(name, path)| load(name, path))
            .collect();
        v.extend(SYNTHETIC.iter().map(|(name, text)| load_text(name, text)));
        v
    })
}

// ------------------------------------------------------------------ findings

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A required call is denied.
    Missing,
    /// Another team's key, or a near miss of the prefix, is reachable.
    Leak,
    /// Granted, but no applicable call of any requested operation needs it.
    Surplus,
    /// The trust side (IRSA trust policy, Workload Identity binding,
    /// federated credential, Vault role) does not pin the ServiceAccount.
    Trust,
    /// The generated objects ask ESO for something it does not support.
    Unsupported,
    /// The evaluator or the files could not judge.
    Error,
}

#[derive(Debug, Default)]
pub struct Report {
    pub findings: BTreeSet<(Kind, String)>,
    pub checked: usize,
    pub notes: BTreeSet<String>,
}

impl Report {
    pub fn add(&mut self, kind: Kind, text: String) {
        self.findings.insert((kind, text));
    }

    /// Prints every finding and fails when there is one.
    pub fn finish(self, what: &str) {
        for n in &self.notes {
            eprintln!("note: {n}");
        }
        eprintln!(
            "{what}: {} checks, {} findings",
            self.checked,
            self.findings.len()
        );
        if self.findings.is_empty() {
            return;
        }
        let mut text = String::new();
        for (k, f) in &self.findings {
            let tag = match k {
                Kind::Missing => "MISSING",
                Kind::Leak => "LEAK",
                Kind::Surplus => "SURPLUS",
                Kind::Trust => "TRUST",
                Kind::Unsupported => "UNSUPPORTED",
                Kind::Error => "ERROR",
            };
            text.push_str(&format!("{tag}: {f}\n"));
        }
        panic!(
            "{what}: the generated policies do not conform to ESO {} ({} findings; fix the generator, not this test):\n{text}",
            table().eso_version,
            self.findings.len()
        );
    }
}

/// The table's row for a request, or an UNSUPPORTED finding that quotes why.
pub fn op_for(u: &StoreUse, r: &Request, report: &mut Report) -> Option<&'static Op> {
    if let Some(op) = table().get(u.row, r.operation) {
        return Some(op);
    }
    let why = table()
        .unsupported
        .iter()
        .find(|x| x.provider == u.row && x.operation == r.operation)
        .map_or("not in the table", |x| x.why.as_str());
    report.add(
        Kind::Unsupported,
        format!(
            "{}: {} asks ESO for {} {}: {why}",
            u.label(),
            r.object,
            u.row,
            r.operation
        ),
    );
    None
}

/// The finest citation of a call: its own `source`, else its row's.
pub fn source<'a>(op: &'a Op, c: &'a Call) -> &'a str {
    c.source.as_deref().unwrap_or(&op.source)
}

/// Describes a call for messages.
pub fn call_label(op: &Op, c: &Call) -> String {
    let cond = c
        .cond
        .as_deref()
        .map(|t| format!(" if {t}"))
        .unwrap_or_default();
    format!("{} {} on {}{cond}", op.operation, c.action, c.resource)
}

// --------------------------------------------------------------------- tests

#[test]
fn conformance_table_covers_every_pair_once_with_known_tags() {
    let t = table();
    assert_eq!(t.eso_version, "v2.9.0");
    assert_eq!(t.eso_commit.len(), 40);
    let mut seen = BTreeSet::new();
    for o in &t.op {
        assert!(PROVIDERS.contains(&o.provider.as_str()), "{}", o.provider);
        assert!(
            OPERATIONS.contains(&o.operation.as_str()),
            "{}",
            o.operation
        );
        assert!(!o.source.is_empty() && !o.summary.is_empty());
        assert!(
            seen.insert((o.provider.clone(), o.operation.clone())),
            "{} {} twice",
            o.provider,
            o.operation
        );
        for c in &o.call {
            if let Some(cond) = &c.cond {
                let tag = cond.trim_start_matches('!');
                assert!(
                    CONFIG_TAGS.contains(&tag) || RUNTIME_TAGS.contains(&tag),
                    "{} {}: unknown if tag {cond:?}",
                    o.provider,
                    o.operation
                );
            } else {
                assert!(
                    c.when.starts_with("always")
                        || c.when.starts_with("right after")
                        || c.when.starts_with("whole-secret")
                        || c.when.starts_with("creation only"),
                    "{} {} {}: `when` = {:?} needs an `if` tag",
                    o.provider,
                    o.operation,
                    c.action,
                    c.when
                );
            }
        }
    }
    for u in &t.unsupported {
        assert!(!u.why.is_empty() && !u.source.is_empty());
        assert!(
            seen.insert((u.provider.clone(), u.operation.clone())),
            "{} {} twice",
            u.provider,
            u.operation
        );
    }
    assert_eq!(seen.len(), PROVIDERS.len() * OPERATIONS.len());
}

#[test]
fn conformance_requested_operations_are_supported_by_eso() {
    // The model the other tests replay: every overlay has a store, and
    // every requested operation exists in the table for its provider.
    let mut report = Report::default();
    for g in all() {
        assert!(!g.uses.is_empty(), "{}: no store use", g.name);
        for u in &g.uses {
            for r in &u.requests {
                report.checked += 1;
                op_for(u, r, &mut report);
            }
        }
    }
    assert!(report.checked > 40, "{}", report.checked);
    report.finish("operations ESO supports");
}

#[test]
fn conformance_near_misses() {
    assert_eq!(
        near_misses("prod/payments/"),
        [
            "prod/paymentsx-evil".to_owned(),
            "prod/x".to_owned(),
            "prod/payments-evil/x".to_owned()
        ]
    );
    assert_eq!(
        near_misses("prod-reviews-"),
        ["prod-reviewsx-evil".to_owned(), "prod-x".to_owned()]
    );
    assert_eq!(
        near_misses("dev/"),
        [
            "devx-evil".to_owned(),
            "x".to_owned(),
            "dev-evil/x".to_owned()
        ]
    );
}
