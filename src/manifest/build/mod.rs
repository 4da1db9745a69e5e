//! `Plan` → artifacts: the typed objects and where each file goes.
//!
//! Layout (DESIGN.md section 4):
//! - Option A: `bases/tenant/<provider>/` holds the per-tenant shape (the
//!   parts of the ServiceAccount and SecretStore that every namespace on that
//!   provider shares); `overlays/<ns>/` includes it, sets the namespace and
//!   patches in what differs per namespace (the identity annotation, say).
//! - Option B: `bases/cluster/` holds the ClusterSecretStores and their
//!   ServiceAccounts, synced once; `overlays/<ns>/` holds only ExternalSecrets.
//! - `policies/<ns>/` holds provider-side policies of the store whose
//!   ServiceAccount lives in `<ns>`.

mod access;
mod teams;

use access::{access_index, policy_artifacts};

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::eso::{self, StoreKind};
use super::k8s::{ObjectMeta, ServiceAccount};
use super::kustomize::{Kustomization, LabelSet, Patch};
use super::terraform::{self, TfFile};
use super::{Artifact, Content, Object, platform};
use crate::config::SecretSource;
use crate::plan::{ExternalSecretPlan, NamespacePlan, Plan, StorePlacement, StorePlan};
use crate::provider::Delivery;

/// Builds every artifact of the plan, sorted by path.
pub fn build(plan: &Plan) -> Result<Vec<Artifact>, serde_json::Error> {
    let builder = Builder::new(plan)?;
    let mut out = builder.global();
    for t in builder.team_units() {
        out.extend(builder.team(t));
    }
    for ns in &plan.namespaces {
        out.extend(builder.namespace(ns)?);
    }
    out.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(out)
}

/// What every namespace's build shares, computed once from the plan; then
/// the files split into one unit per tenant namespace (its overlay and the
/// policies of the store whose ServiceAccount lives there) and the global
/// rest. Units are independent: they can be built on any thread, and a unit
/// whose [`Builder::fingerprint`] is unchanged need not be built at all.
pub struct Builder<'p> {
    plan: &'p Plan,
    argo: bool,
    shapes: BTreeMap<&'p str, TenantShape>,
    /// The store of each namespace with a SecretStore of its own, and its
    /// digest once a unit asked for it.
    by_namespace: foldhash::HashMap<&'p str, (&'p StorePlan, OnceLock<[u8; 20]>)>,
    cluster: Vec<&'p StorePlan>,
    /// Hash of the plan's global settings.
    global: Vec<u8>,
    /// The admission files, when the plan has any.
    admission: Option<platform::AdmissionFiles<'p>>,
}

impl<'p> Builder<'p> {
    /// Computes the per-provider tenant shapes and the indexes.
    pub fn new(plan: &'p Plan) -> Result<Self, serde_json::Error> {
        let argo = is_argo(plan);
        let mut namespaced: BTreeMap<&str, Vec<&StorePlan>> = BTreeMap::new();
        let mut cluster: Vec<&StorePlan> = Vec::new();
        // Index once: a linear search per namespace is quadratic at 10,000.
        let mut by_namespace = foldhash::HashMap::default();
        for store in &plan.stores {
            match &store.placement {
                StorePlacement::Namespace(ns) => {
                    namespaced
                        .entry(store.name.as_str())
                        .or_default()
                        .push(store);
                    by_namespace.insert(ns.as_str(), (store, OnceLock::new()));
                }
                StorePlacement::Cluster { .. } => cluster.push(store),
            }
        }
        // One shape per provider, each on its own thread: each one folds
        // every namespace of its provider.
        let groups: Vec<&Vec<&StorePlan>> = namespaced.values().collect();
        let computed = crate::parallel::each(&groups, |stores| TenantShape::compute(stores, plan));
        let mut shapes = BTreeMap::new();
        for (provider, shape) in namespaced.keys().zip(computed) {
            shapes.insert(*provider, shape?);
        }
        Ok(Self {
            plan,
            argo,
            shapes,
            by_namespace,
            cluster,
            global: global_fingerprint(plan),
            admission: platform::AdmissionFiles::new(plan),
        })
    }

    /// The files outside every namespace unit: tenant bases, cluster stores
    /// and their policies, platform, delivery and admission objects.
    pub fn global(&self) -> Vec<Artifact> {
        let mut out = Vec::new();
        for (provider, shape) in &self.shapes {
            out.extend(shape.base_artifacts(provider));
        }
        for store in &self.cluster {
            out.extend(policy_artifacts(store, self.plan));
        }
        out.extend(access_index(self.plan));
        if !self.cluster.is_empty() {
            out.extend(cluster_base(&self.cluster, self.plan));
        }
        out.extend(platform::artifacts(
            self.plan,
            !self.cluster.is_empty(),
            !self.team_units().is_empty(),
        ));
        out
    }

    /// The files of one tenant namespace: `overlays/<ns>/` and the policies
    /// of its own store under `policies/<ns>/`.
    pub fn namespace(&self, ns: &NamespacePlan) -> Result<Vec<Artifact>, serde_json::Error> {
        let store = self
            .by_namespace
            .get(ns.namespace.as_str())
            .map(|(s, _)| *s);
        let mut out: Vec<Artifact> = store
            .map(|s| policy_artifacts(s, self.plan))
            .unwrap_or_default();
        let shape = store.and_then(|s| self.shapes.get(s.name.as_str()).map(|sh| (s, sh)));
        out.extend(overlay(ns, shape, self.argo)?);
        Ok(out)
    }

    /// A digest of everything [`Builder::namespace`] reads for `ns`: the
    /// plan's global settings, the namespace's plan, its store (identity
    /// included) and the shared shape it patches against. Equal
    /// fingerprints mean equal files; positions in the config file do not
    /// count (spans hash to nothing).
    pub fn fingerprint(&self, ns: &NamespacePlan) -> String {
        let mut h = Digest::new();
        h.write(&self.global);
        ns.hash(&mut h);
        if let Some((store, _)) = self.by_namespace.get(ns.namespace.as_str()) {
            h.write(&self.store_digest(store));
            if let Some(shape) = self.shapes.get(store.name.as_str()) {
                h.write(&shape.digest);
            }
        }
        h.hex()
    }
}

impl Builder<'_> {
    /// The SHA-1 of everything `store` is ([`StorePlan::fingerprint`]):
    /// worked out once per store of a namespace, though both the
    /// namespace's unit and its team's read it.
    fn store_digest(&self, store: &StorePlan) -> [u8; 20] {
        let digest = || {
            let mut h = Digest::new();
            store.fingerprint(&mut h);
            h.finish_array()
        };
        match self.by_namespace.get(store.home_namespace().as_str()) {
            Some((s, once)) if std::ptr::eq(*s, store) => *once.get_or_init(digest),
            _ => digest(),
        }
    }
}

/// Hash of the plan settings every unit may read.
fn global_fingerprint(plan: &Plan) -> Vec<u8> {
    let Plan {
        source_name,
        cluster,
        platform,
        eso_namespace,
        scope,
        gitops,
        admission,
        eso,
        // Read only by the admission policies, global files.
        admission_settings: _,
        // The units themselves and the global files' inputs.
        stores: _,
        namespaces: _,
        teams: _,
        // Read only by a global file (the Helm values).
        pushes: _,
    } = plan;
    let super::super::plan::ScopeDecision {
        scope,
        is_shared,
        // Counts every team; read only by global files.
        reason: _,
    } = scope;
    let mut h = Digest::new();
    (
        crate::BUILD,
        source_name,
        cluster,
        platform,
        eso_namespace,
        scope,
        is_shared,
        gitops,
        admission,
        eso,
    )
        .hash(&mut h);
    h.finish_bytes()
}

/// A SHA-1 [`Hasher`] for fingerprints: 160 bits, so two different inputs
/// never share one in practice, and stable across runs.
struct Digest(sha1::Sha1);

impl Digest {
    fn new() -> Self {
        Self(sha1::Sha1::default())
    }

    fn finish_array(self) -> [u8; 20] {
        use sha1::Digest as _;
        self.0.finalize().into()
    }

    fn finish_bytes(self) -> Vec<u8> {
        use sha1::Digest as _;
        self.0.finalize().to_vec()
    }

    fn hex(self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let bytes = self.finish_bytes();
        let mut out = String::with_capacity(bytes.len() * 2);
        for b in bytes {
            out.push(char::from(DIGITS[usize::from(b >> 4)]));
            out.push(char::from(DIGITS[usize::from(b & 0xf)]));
        }
        out
    }
}

impl Hasher for Digest {
    fn write(&mut self, bytes: &[u8]) {
        use sha1::Digest as _;
        self.0.update(bytes);
    }

    fn finish(&self) -> u64 {
        use sha1::Digest as _;
        let d = self.0.clone().finalize();
        d.iter()
            .take(8)
            .fold(0, |acc, b| (acc << 8) | u64::from(*b))
    }
}

/// Argo CD sync waves: identity, RBAC and stores before the secrets that use
/// them. Only set when Argo CD delivers the tree.
fn wave(plan_is_argo: bool, wave: &str) -> BTreeMap<String, String> {
    if plan_is_argo {
        BTreeMap::from([(platform::SYNC_WAVE.to_owned(), wave.to_owned())])
    } else {
        BTreeMap::new()
    }
}

fn is_argo(plan: &Plan) -> bool {
    matches!(plan.gitops, crate::config::GitOps::ArgoCd { .. })
}

fn service_account(store: &StorePlan, namespace: Option<String>, argo: bool) -> ServiceAccount {
    let mut annotations = store.backend.service_account_annotations();
    annotations.extend(wave(argo, "-1"));
    ServiceAccount::new(ObjectMeta {
        name: store.service_account.name.clone(),
        namespace,
        labels: BTreeMap::new(),
        annotations,
    })
}

fn secret_store(store: &StorePlan, argo: bool) -> eso::SecretStore {
    let (kind, conditions) = match &store.placement {
        StorePlacement::Namespace(_) => (StoreKind::SecretStore, Vec::new()),
        StorePlacement::Cluster { allowed } => (
            StoreKind::ClusterSecretStore,
            vec![eso::StoreCondition {
                namespaces: allowed.iter().map(|n| n.to_string()).collect(),
            }],
        ),
    };
    eso::SecretStore {
        api_version: eso::API_VERSION,
        kind,
        metadata: ObjectMeta {
            name: store.name.to_string(),
            annotations: wave(argo, "-1"),
            ..ObjectMeta::default()
        },
        spec: eso::SecretStoreSpec {
            conditions,
            provider: store.backend.store_provider(&store.context()),
        },
    }
}

/// The Option A shape of one provider: what all its namespaces share.
/// Each namespace's full objects are rebuilt when its overlay is built and
/// patched against it, so they never all exist at once.
struct TenantShape {
    /// `None` when the provider authenticates without a ServiceAccount.
    base_sa: Option<Value>,
    base_store: Value,
    /// ESO's token-creation grant for the ServiceAccount (same everywhere).
    rbac: Option<(
        crate::manifest::k8s::Role,
        crate::manifest::k8s::RoleBinding,
    )>,
    reason: String,
    /// Hash of what overlays patch against: the base objects and the RBAC.
    digest: Vec<u8>,
}

/// The full ServiceAccount (when the store uses one) and store of one
/// namespace, as values to take the common part of and patch against.
fn full_objects(s: &StorePlan, argo: bool) -> Result<(Option<Value>, Value), serde_json::Error> {
    let sa = if s.backend.uses_service_account() {
        Some(serde_json::to_value(service_account(s, None, argo))?)
    } else {
        None
    };
    Ok((sa, serde_json::to_value(secret_store(s, argo))?))
}

/// Folds one more value into a running common part.
fn fold_common(acc: Option<Option<Value>>, v: &Value) -> Option<Option<Value>> {
    Some(match acc {
        None => Some(v.clone()),
        Some(None) => None,
        Some(Some(mut a)) => narrow(&mut a, v).then_some(a),
    })
}

/// Two running common parts (of consecutive runs of values) made one.
fn merge_common(acc: Option<Option<Value>>, part: Option<Option<Value>>) -> Option<Option<Value>> {
    match (acc, part) {
        (acc, None) => acc,
        (None, part) => part,
        (Some(None), _) | (_, Some(None)) => Some(None),
        (Some(Some(mut a)), Some(Some(b))) => Some(narrow(&mut a, &b).then_some(a)),
    }
}

/// Narrows `acc`, in place, to the part it shares with `v`: afterwards it
/// is what `common(&[acc, v])` returns, made without copying what stays
/// (a fold over 10,000 namespaces rebuilt the common part 10,000 times).
/// False when nothing is shared; `acc` is then to be dropped.
fn narrow(acc: &mut Value, v: &Value) -> bool {
    if *acc == *v {
        return true;
    }
    let (Value::Object(a), Value::Object(b)) = (acc, v) else {
        return false;
    };
    // As in `common`: a key stays when both have it and its values share
    // something other than an empty object.
    a.retain(|k, av| match b.get(k) {
        Some(bv) => narrow(av, bv) && !matches!(av, Value::Object(m) if m.is_empty()),
        None => false,
    });
    true
}

impl TenantShape {
    fn compute(stores: &[&StorePlan], plan: &Plan) -> Result<Self, serde_json::Error> {
        let argo = is_argo(plan);
        // ESO's grant names the ServiceAccount, the same in every namespace:
        // taken from the last store that uses one.
        let rbac = stores
            .iter()
            .rev()
            .find(|s| s.backend.uses_service_account())
            .map(|s| {
                platform::token_rbac(&s.service_account.name, None, plan, argo.then_some("-1"))
            });
        // The common part of all namespaces' objects: the common part of
        // the common parts of contiguous runs of them, each run folded on
        // its own core one namespace at a time.
        let parts = crate::parallel::chunks(stores, |part| {
            let (mut sas, mut sts) = (None, None);
            for s in part {
                let (sa, st) = full_objects(s, argo)?;
                if let Some(sa) = &sa {
                    sas = fold_common(sas, sa);
                }
                sts = fold_common(sts, &st);
            }
            Ok::<_, serde_json::Error>((sas, sts))
        });
        let (mut sas, mut sts) = (None, None);
        for part in parts {
            let (sa, st) = part?;
            sas = merge_common(sas, sa);
            sts = merge_common(sts, st);
        }
        let base_sa = sas.flatten();
        let base_store = sts.flatten().unwrap_or(Value::Null);
        let mut h = Digest::new();
        h.write(serde_json::to_string(&(&base_sa, &base_store, &rbac))?.as_bytes());
        Ok(Self {
            rbac,
            base_sa,
            base_store,
            digest: h.finish_bytes(),
            reason: stores
                .first()
                .map(|s| s.scope_reason.to_string())
                .unwrap_or_default(),
        })
    }

    fn base_artifacts(&self, provider: &str) -> Vec<Artifact> {
        let dir = format!("bases/tenant/{provider}");
        let mut resources = Vec::new();
        let mut out = Vec::new();
        if let Some(sa) = &self.base_sa {
            resources.push("serviceaccount.yaml".to_owned());
            out.push(Artifact {
                path: format!("{dir}/serviceaccount.yaml"),
                reason: Some(
                    "the ServiceAccount the SecretStore authenticates as; overlays patch in its identity".into(),
                ),
                content: Content::Yaml(vec![Object::Derived(sa.clone())]),
            });
        }
        if let Some((role, binding)) = &self.rbac {
            resources.push("token-rbac.yaml".to_owned());
            out.push(Artifact {
                path: format!("{dir}/token-rbac.yaml"),
                reason: Some(
                    "ESO may create tokens for this ServiceAccount and no other (rbac.serviceAccountTokenCreate is off)".into(),
                ),
                content: Content::Yaml(vec![
                    Object::Role(Box::new(role.clone())),
                    Object::RoleBinding(Box::new(binding.clone())),
                ]),
            });
        }
        resources.push("secretstore.yaml".to_owned());
        out.push(Artifact {
            path: format!("{dir}/secretstore.yaml"),
            reason: Some(self.reason.clone()),
            content: Content::Yaml(vec![Object::Derived(self.base_store.clone())]),
        });
        out.push(Artifact {
            path: format!("{dir}/kustomization.yaml"),
            reason: Some(format!(
                "per-tenant shape for provider `{provider}`; each overlays/<namespace> includes it"
            )),
            content: Content::Yaml(vec![Object::Kustomization(Kustomization::new(resources))]),
        });
        out
    }

    fn patches(
        &self,
        store: &StorePlan,
        argo: bool,
    ) -> Result<Vec<(String, Value)>, serde_json::Error> {
        let (sa, full_store) = full_objects(store, argo)?;
        let mut out = Vec::new();
        if let (Some(sa), Some(base)) = (&sa, &self.base_sa)
            && let Some(patch) = patch_for(sa, base)
        {
            out.push(("patch-serviceaccount.yaml".to_owned(), patch));
        }
        if let Some(patch) = patch_for(&full_store, &self.base_store) {
            out.push(("patch-secretstore.yaml".to_owned(), patch));
        }
        Ok(out)
    }
}

/// The part every value shares: equal scalars and arrays, and objects
/// reduced to the keys all of them have in common. The definition the
/// tests hold `narrow` to (the build narrows in place).
#[cfg(test)]
fn common(values: &[&Value]) -> Option<Value> {
    let first = values.first()?;
    if values.iter().all(|v| v == first) {
        return Some((*first).clone());
    }
    let objects: Option<Vec<&Map<String, Value>>> = values.iter().map(|v| v.as_object()).collect();
    let objects = objects?;
    let mut out = Map::new();
    for key in objects.first()?.keys() {
        let children: Option<Vec<&Value>> = objects.iter().map(|o| o.get(key)).collect();
        match children.and_then(|c| common(&c)) {
            // An object nothing is shared in is left to the patches.
            Some(Value::Object(m)) if m.is_empty() => {}
            Some(c) => {
                out.insert(key.clone(), c);
            }
            None => {}
        }
    }
    Some(Value::Object(out))
}

/// What `target` adds to or changes in `base`, as a merge patch (`null`
/// deletes); `None` when they are equal.
fn diff(target: &Value, base: &Value) -> Option<Value> {
    if target == base {
        return None;
    }
    match (target, base) {
        (Value::Object(t), Value::Object(b)) => {
            let mut out = Map::new();
            for (k, tv) in t {
                match b.get(k) {
                    Some(bv) => {
                        if let Some(d) = diff(tv, bv) {
                            out.insert(k.clone(), d);
                        }
                    }
                    None => {
                        out.insert(k.clone(), tv.clone());
                    }
                }
            }
            for k in b.keys() {
                if !t.contains_key(k) {
                    out.insert(k.clone(), Value::Null);
                }
            }
            Some(Value::Object(out))
        }
        _ => Some(target.clone()),
    }
}

/// A strategic-merge patch file: the diff plus the fields Kustomize uses to
/// find the object it patches.
fn patch_for(target: &Value, base: &Value) -> Option<Value> {
    let mut patch = diff(target, base)?;
    let obj = patch.as_object_mut()?;
    for key in ["apiVersion", "kind"] {
        if let Some(v) = target.get(key) {
            obj.insert(key.to_owned(), v.clone());
        }
    }
    let name = target
        .get("metadata")
        .and_then(|m| m.get("name"))
        .cloned()?;
    let meta = obj
        .entry("metadata")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(m) = meta.as_object_mut() {
        m.insert("name".to_owned(), name);
    }
    Some(patch)
}

fn cluster_base(stores: &[&StorePlan], plan: &Plan) -> Vec<Artifact> {
    let mut out = Vec::new();
    let mut resources = Vec::new();
    for s in stores {
        let sa_file = format!("serviceaccount-{}.yaml", s.name);
        let store_file = format!("clustersecretstore-{}.yaml", s.name);
        if s.backend.uses_service_account() {
            out.push(Artifact {
                path: format!("bases/cluster/{sa_file}"),
                reason: Some(format!(
                    "identity of ClusterSecretStore `{}`, in the ESO namespace `{}`",
                    s.name, plan.eso_namespace
                )),
                content: Content::Yaml(vec![Object::ServiceAccount(service_account(
                    s,
                    Some(plan.eso_namespace.to_string()),
                    false,
                ))]),
            });
            resources.push(sa_file);
            let rbac_file = format!("token-rbac-{}.yaml", s.name);
            let (role, binding) = platform::token_rbac(
                &s.service_account.name,
                Some(plan.eso_namespace.to_string()),
                plan,
                None,
            );
            out.push(Artifact {
                path: format!("bases/cluster/{rbac_file}"),
                reason: Some(format!(
                    "ESO may create tokens for `{}` and no other ServiceAccount",
                    s.service_account.name
                )),
                content: Content::Yaml(vec![
                    Object::Role(Box::new(role)),
                    Object::RoleBinding(Box::new(binding)),
                ]),
            });
            resources.push(rbac_file);
        }
        out.push(Artifact {
            path: format!("bases/cluster/{store_file}"),
            reason: Some(plan.scope.reason.to_string()),
            content: Content::Yaml(vec![Object::SecretStore(Box::new(secret_store(s, false)))]),
        });
        resources.push(store_file);
    }
    let mut k = Kustomization::new(resources);
    k.labels = vec![LabelSet {
        pairs: BTreeMap::from([(
            "app.kubernetes.io/managed-by".to_owned(),
            "esogen".to_owned(),
        )]),
        include_selectors: false,
    }];
    out.push(Artifact {
        path: "bases/cluster/kustomization.yaml".into(),
        reason: Some(
            "cluster-scoped stores (ESO guide Option B), synced once for all namespaces".into(),
        ),
        content: Content::Yaml(vec![Object::Kustomization(k)]),
    });
    out
}

fn overlay(
    ns: &NamespacePlan,
    shape: Option<(&StorePlan, &TenantShape)>,
    argo: bool,
) -> Result<Vec<Artifact>, serde_json::Error> {
    let dir = format!("overlays/{}", ns.namespace);
    let mut out = Vec::new();
    let mut resources = Vec::new();
    let mut patches = Vec::new();
    let (store_name, store_kind) = match shape {
        Some((store, shape)) => {
            resources.push(format!("../../bases/tenant/{}", store.name));
            for (file, patch) in shape.patches(store, argo)? {
                out.push(Artifact {
                    path: format!("{dir}/{file}"),
                    reason: Some(format!(
                        "what namespace `{}` adds to the per-tenant shape",
                        ns.namespace
                    )),
                    content: Content::Yaml(vec![Object::Derived(patch)]),
                });
                patches.push(Patch { path: file });
            }
            (store.name.to_string(), StoreKind::SecretStore)
        }
        None => (ns.provider.to_string(), StoreKind::ClusterSecretStore),
    };
    for es in &ns.external_secrets {
        let (file, object) = if es.push {
            (
                format!("pushsecret-{}.yaml", es.name),
                Object::PushSecret(Box::new(push_secret(es, &store_name, store_kind, argo))),
            )
        } else {
            (
                format!("externalsecret-{}.yaml", es.name),
                Object::ExternalSecret(Box::new(external_secret(
                    es,
                    &store_name,
                    store_kind,
                    argo,
                ))),
            )
        };
        out.push(Artifact {
            path: format!("{dir}/{file}"),
            reason: None,
            content: Content::Yaml(vec![object]),
        });
        resources.push(file);
    }
    let mut k = Kustomization::new(resources);
    k.namespace = Some(ns.namespace.to_string());
    k.patches = patches;
    k.labels = vec![LabelSet {
        pairs: eso::standard_labels(ns.team.as_str()),
        include_selectors: false,
    }];
    out.push(Artifact {
        path: format!("{dir}/kustomization.yaml"),
        reason: Some(format!(
            "namespace `{}` of team `{}`, reading through {} `{}`",
            ns.namespace,
            ns.team,
            store_kind.as_str(),
            store_name
        )),
        content: Content::Yaml(vec![Object::Kustomization(k)]),
    });
    Ok(out)
}

fn external_secret(
    es: &ExternalSecretPlan,
    store: &str,
    kind: StoreKind,
    argo: bool,
) -> eso::ExternalSecret {
    let (data, data_from) = match &es.source {
        SecretSource::Properties { key, data } => (
            data.iter()
                .map(|(secret_key, property)| eso::DataItem {
                    secret_key: secret_key.clone(),
                    remote_ref: eso::RemoteRef {
                        key: key.value.as_str().to_owned(),
                        property: Some(property.clone()),
                    },
                })
                .collect(),
            Vec::new(),
        ),
        SecretSource::Extract { key } => (
            Vec::new(),
            vec![eso::DataFrom {
                extract: Some(eso::Extract {
                    key: key.value.as_str().to_owned(),
                }),
                find: None,
            }],
        ),
        SecretSource::Find { path, name_regex } => (
            Vec::new(),
            vec![eso::DataFrom {
                extract: None,
                find: Some(eso::Find {
                    path: (!path.value.is_empty()).then(|| path.value.clone()),
                    name: Some(eso::FindName {
                        regexp: name_regex.clone(),
                    }),
                }),
            }],
        ),
    };
    eso::ExternalSecret {
        api_version: eso::API_VERSION,
        kind: "ExternalSecret",
        metadata: ObjectMeta {
            name: es.name.to_string(),
            annotations: wave(argo, "1"),
            ..ObjectMeta::default()
        },
        spec: eso::ExternalSecretSpec {
            refresh_interval: es.refresh_interval.clone(),
            secret_store_ref: eso::StoreRef {
                name: store.to_owned(),
                kind,
            },
            target: eso::Target {
                name: es.target.to_string(),
                creation_policy: "Owner",
                template: es.target_type.as_ref().map(|t| eso::TargetTemplate {
                    secret_type: t.clone(),
                    engine_version: "v2",
                    merge_policy: "Merge",
                }),
            },
            data,
            data_from,
        },
    }
}

fn push_secret(
    es: &ExternalSecretPlan,
    store: &str,
    kind: StoreKind,
    argo: bool,
) -> eso::PushSecret {
    let data = match &es.source {
        SecretSource::Properties { key, data } => data
            .iter()
            .map(|(secret_key, property)| eso::PushData {
                matcher: eso::PushMatch {
                    secret_key: Some(secret_key.clone()),
                    remote_ref: eso::PushRemoteRef {
                        remote_key: key.value.as_str().to_owned(),
                        property: Some(property.clone()),
                    },
                },
                metadata: es.push_metadata.clone(),
            })
            .collect(),
        // Without `data` the whole Secret is pushed as one JSON value.
        SecretSource::Extract { key } => vec![eso::PushData {
            matcher: eso::PushMatch {
                secret_key: None,
                remote_ref: eso::PushRemoteRef {
                    remote_key: key.value.as_str().to_owned(),
                    property: None,
                },
            },
            metadata: es.push_metadata.clone(),
        }],
        // Validation refuses `find` with `push`.
        SecretSource::Find { .. } => Vec::new(),
    };
    eso::PushSecret {
        api_version: eso::PUSH_API_VERSION,
        kind: "PushSecret",
        metadata: ObjectMeta {
            name: es.name.to_string(),
            annotations: wave(argo, "1"),
            ..ObjectMeta::default()
        },
        spec: eso::PushSecretSpec {
            refresh_interval: es.refresh_interval.clone(),
            deletion_policy: "None",
            secret_store_refs: vec![eso::StoreRef {
                name: store.to_owned(),
                kind,
            }],
            selector: eso::PushSelector {
                secret: eso::PushSecretName {
                    name: es.target.to_string(),
                },
            },
            data,
        },
    }
}

#[cfg(test)]
mod tests;
