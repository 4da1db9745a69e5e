//! Option A stores pinned field by field: a SecretStore in a team namespace
//! must carry exactly the provider block esogen generates for it (its
//! leaves compared one by one against the store schema), and only the
//! GitOps identity may write it when `store_writers` says so.

#[allow(clippy::wildcard_imports)]
use super::*;

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
pub(super) fn store_rules(t: &TeamStore) -> Vec<Rule> {
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
pub(super) fn writer_rule(t: &TeamStore, writers: &[StoreWriter]) -> Rule {
    let mut users = Vec::new();
    let mut who = Vec::new();
    for w in writers {
        match w {
            StoreWriter::User(u) => users.push(u.as_str()),
            StoreWriter::FluxTenantReconciler => who.push(format!(
                "request.userInfo.username == 'system:serviceaccount:' + object.metadata.namespace + ':' + {}",
                cel_string(super::super::gitops::FLUX_TENANT_SA)
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
                super::super::gitops::FLUX_TENANT_SA
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
pub(super) fn has_store_rules(t: &TeamStore, scope: Scope<'_>) -> bool {
    scope.secret_store && t.team.scope == StoreScope::PerNamespace
}
