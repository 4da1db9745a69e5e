//! The decisions of ESO's setup guide, made explicit. Consumes a validated
//! `Config`; produces a `Plan`: which stores exist, where, with which identity
//! and policy scope, and which ExternalSecrets each namespace gets, every
//! choice with its reason. No Kubernetes objects yet, no I/O.

pub mod tenancy;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use crate::config::types::{ClusterName, NamespaceName, ObjectName, ProviderName, TeamName};
use crate::config::{
    Admission, AdmissionSettings, Config, EsoInstall, GitOps, Platform, SecretSource,
};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::provider::{Backend, Decision, IdentityRequest};
pub use tenancy::{ScopeDecision, StoreScope};

/// Everything esogen decided.
#[derive(Debug, Clone)]
pub struct Plan {
    /// File name of the config, for headers.
    pub source_name: String,
    /// Cluster name.
    pub cluster: ClusterName,
    /// Platform.
    pub platform: Platform,
    /// Namespace ESO runs in.
    pub eso_namespace: NamespaceName,
    /// Option A or B, and why.
    pub scope: ScopeDecision,
    /// Every store, sorted by (namespace, name); cluster stores first.
    pub stores: Vec<StorePlan>,
    /// Every tenant namespace, sorted by name.
    pub namespaces: Vec<NamespacePlan>,
    /// True when some secret is pushed (PushSecret is then needed): decided
    /// with the namespaces, whose ExternalSecrets the rendering hands to
    /// each namespace's worker and drops (`pipeline`).
    pub pushes: bool,
    /// Every team, sorted by name, for admission policies.
    pub teams: Vec<TeamPlan>,
    /// How the tree is delivered.
    pub gitops: GitOps,
    /// How the prefix rule is enforced in the cluster.
    pub admission: Admission,
    /// What the admission policies let tenants do besides the generated
    /// objects.
    pub admission_settings: AdmissionSettings,
    /// How ESO is installed and fenced.
    pub eso: EsoInstall,
}

/// The name of ESO's own ServiceAccount (the Helm chart's default).
pub const ESO_SERVICE_ACCOUNT: &str = "external-secrets";

/// What admission enforces for one team.
#[derive(Debug, Clone, Hash)]
pub struct TeamPlan {
    /// Team.
    pub name: TeamName,
    /// Prefix.
    pub prefix: String,
    /// Namespaces, sorted.
    pub namespaces: Vec<NamespaceName>,
    /// The store name its namespaces must reference.
    pub store: ProviderName,
    /// Whether that store is a SecretStore or a ClusterSecretStore.
    pub scope: StoreScope,
}

impl Plan {
    /// True when some secret is pushed (PushSecret is then needed).
    pub fn uses_push(&self) -> bool {
        self.pushes
    }
}

/// Where a store lives.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum StorePlacement {
    /// A SecretStore in one tenant namespace.
    Namespace(NamespaceName),
    /// A ClusterSecretStore usable only from these namespaces.
    Cluster {
        /// Explicit allow-list, sorted.
        allowed: Vec<NamespaceName>,
    },
}

/// One store and its identity.
#[derive(Debug, Clone)]
pub struct StorePlan {
    /// Store name: the provider table's name.
    pub name: ProviderName,
    /// Where the store lives.
    pub placement: StorePlacement,
    /// The store's ServiceAccount.
    pub service_account: ServiceAccountPlan,
    /// The provider identity behind the ServiceAccount.
    pub backend: Arc<dyn Backend>,
    /// How the identity's provider side is applied.
    pub delivery: crate::provider::Delivery,
    /// Teams served.
    pub teams: Vec<TeamName>,
    /// Why the store scope was chosen (shared by every store).
    pub scope_reason: Arc<str>,
}

impl Plan {
    /// Where `store`'s provider-side objects live and what they are called.
    pub fn access_context<'a>(
        &'a self,
        store: &'a StorePlan,
    ) -> crate::provider::AccessContext<'a> {
        crate::provider::AccessContext {
            cluster: self.cluster.as_str(),
            store_name: store.name.as_str(),
            home_namespace: store.home_namespace().as_str(),
            access_namespace: self.eso_namespace.as_str(),
        }
    }
}

impl StorePlan {
    /// Feeds what the store's files are made from into a fingerprint: every
    /// field but `scope_reason` (read only by the base's comment, a global
    /// file, and counting all teams, so a new team would dirty every
    /// namespace). Destructured so that a new field is a compile error
    /// here until it is hashed or said not to matter.
    pub fn fingerprint(&self, mut h: &mut dyn std::hash::Hasher) {
        use std::hash::Hash;
        let StorePlan {
            name,
            placement,
            service_account,
            backend,
            delivery,
            teams,
            scope_reason: _,
        } = self;
        (name, placement, service_account, delivery, teams).hash(&mut h);
        backend.fingerprint(h);
    }

    /// What the store's provider block needs from its placement; read by
    /// the store builder and by the admission rules, which pin the block.
    pub fn context(&self) -> crate::provider::StoreContext {
        crate::provider::StoreContext {
            sa_name: self.service_account.name.clone(),
            namespace: match &self.placement {
                StorePlacement::Namespace(_) => None,
                // A ClusterSecretStore must say where its ServiceAccount and
                // any credentials Secret live (ESO guide, common pitfall 1).
                StorePlacement::Cluster { .. } => Some(self.service_account.namespace.to_string()),
            },
        }
    }

    /// The decisions taken for this store, with their reasons: its scope,
    /// then its identity. Made on demand (for `explain`), not kept for
    /// 10,000 stores.
    pub fn decisions(&self) -> Vec<Decision> {
        let mut out = vec![Decision {
            topic: "store scope",
            choice: match &self.placement {
                StorePlacement::Namespace(ns) => {
                    format!("SecretStore `{}` in namespace `{ns}`", self.name)
                }
                StorePlacement::Cluster { allowed } => format!(
                    "ClusterSecretStore `{}` limited to namespaces {}",
                    self.name,
                    allowed
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            reason: self.scope_reason.to_string(),
        }];
        out.extend(self.backend.decisions());
        out
    }

    /// The namespace the store's credentials and policies belong to.
    pub fn home_namespace(&self) -> &NamespaceName {
        &self.service_account.namespace
    }
}

/// A ServiceAccount that carries a provider identity.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ServiceAccountPlan {
    /// Name.
    pub name: String,
    /// Namespace.
    pub namespace: NamespaceName,
}

/// One tenant namespace.
#[derive(Debug, Clone, Hash)]
pub struct NamespacePlan {
    /// The namespace.
    pub namespace: NamespaceName,
    /// Owning team.
    pub team: TeamName,
    /// Provider the team uses.
    pub provider: ProviderName,
    /// Whether the namespace's ExternalSecrets use its own SecretStore or the
    /// ClusterSecretStore.
    pub scope: StoreScope,
    /// ExternalSecrets, sorted by name; shared with the team's other
    /// namespaces that get the same secret.
    pub external_secrets: Vec<Arc<ExternalSecretPlan>>,
}

/// One ExternalSecret.
#[derive(Debug, Clone, Hash)]
pub struct ExternalSecretPlan {
    /// Object name.
    pub name: ObjectName,
    /// Target Secret name.
    pub target: ObjectName,
    /// Target Secret type.
    pub target_type: Option<String>,
    /// Refresh interval as a Go duration.
    pub refresh_interval: String,
    /// What it reads (or, when pushed, where it writes).
    pub source: SecretSource,
    /// True for a PushSecret: the Kubernetes Secret `target` is written to
    /// the provider instead of read from it.
    pub push: bool,
    /// The provider's settings for each pushed entry, when it needs any
    /// (`ProviderConfig::push_metadata`).
    pub push_metadata: Option<crate::provider::PushMetadata>,
}

/// The ServiceAccount name a store authenticates as.
pub fn service_account_name(provider: &ProviderName) -> String {
    format!("eso-{provider}")
}

/// Builds the plan. Returns `None` with errors when an identity cannot be
/// decided (a naming pattern renders an invalid or colliding name).
pub fn build(config: &Config) -> (Option<Plan>, Diagnostics) {
    let mut diags = Diagnostics::default();
    let scope = tenancy::decide(config.cluster.store_scope.value, config.teams.len());
    let namespaces = namespace_plans(config, scope.scope, &mut diags);
    let mut stores = match scope.scope {
        StoreScope::PerNamespace => namespace_stores(config, &scope, &mut diags),
        StoreScope::Cluster => cluster_stores(config, &scope, &mut diags),
    };
    check_unique_identities(&stores, &mut diags);
    check_unscoped_reach(&stores, &mut diags);
    stores.sort_by(|a, b| (a.home_namespace(), &a.name).cmp(&(b.home_namespace(), &b.name)));
    if diags.has_errors() {
        return (None, diags);
    }
    let teams = team_plans(config, scope.scope);
    let plan = Plan {
        teams,
        gitops: config.cluster.gitops.clone(),
        admission: config.cluster.admission,
        admission_settings: config.cluster.admission_settings.clone(),
        eso: config.cluster.eso.clone(),
        source_name: config.source_name.clone(),
        cluster: config.cluster.name.value.clone(),
        platform: config.cluster.platform.value,
        eso_namespace: config.cluster.eso_namespace.clone(),
        scope,
        stores,
        pushes: namespaces
            .iter()
            .any(|n| n.external_secrets.iter().any(|e| e.push)),
        namespaces,
    };
    (Some(plan), diags)
}

/// Every tenant namespace with the ExternalSecrets it gets, sorted by
/// namespace.
fn namespace_plans(
    config: &Config,
    scope: StoreScope,
    diags: &mut Diagnostics,
) -> Vec<NamespacePlan> {
    let admitted = config.cluster.admission != crate::config::Admission::None;
    let per_team = per_team(config, |team, diags| {
        let provider = config.providers.get(&team.provider.value);
        let secrets =
            external_secrets_of(team, provider.map(|p| p.settings.as_ref()), admitted, diags);
        team.namespaces
            .iter()
            .map(|ns| NamespacePlan {
                namespace: ns.value.clone(),
                team: team.name.value.clone(),
                provider: team.provider.value.clone(),
                scope,
                external_secrets: external_secrets_for(&secrets, &ns.value),
            })
            .collect()
    });
    let mut namespaces = merge(per_team, diags);
    namespaces.sort_by(|a, b| a.namespace.cmp(&b.namespace));
    namespaces
}

/// Below this many teams, planning on one core is as fast.
const PARALLEL_TEAMS: usize = 256;

/// `plan` of every team, in team order, each with the findings it adds:
/// on every core when there are many teams. Planning one team reads only
/// the config and that team, and adds its findings in order, so the
/// results merged in team order are those of one pass.
fn per_team<T: Send>(
    config: &Config,
    plan: impl Fn(&crate::config::Team, &mut Diagnostics) -> Vec<T> + Sync,
) -> Vec<(Vec<T>, Diagnostics)> {
    let one = |team: &crate::config::Team| {
        let mut diags = Diagnostics::default();
        (plan(team, &mut diags), diags)
    };
    if on_every_core(config) {
        crate::parallel::map(&config.teams, one)
    } else {
        config.teams.iter().map(one).collect()
    }
}

/// Whether per-team planning runs on every core: many teams, many cores.
fn on_every_core(config: &Config) -> bool {
    config.teams.len() >= PARALLEL_TEAMS && crate::parallel::threads() > 1
}

/// The per-team results concatenated in team order, their findings added
/// to `diags`.
fn merge<T>(per_team: Vec<(Vec<T>, Diagnostics)>, diags: &mut Diagnostics) -> Vec<T> {
    let mut out = Vec::with_capacity(per_team.iter().map(|(v, _)| v.len()).sum());
    for (items, found) in per_team {
        out.extend(items);
        diags.extend(found.0);
    }
    out
}

/// Option A: a SecretStore in every tenant namespace, each with its own
/// identity scoped to the team's prefix.
fn namespace_stores(
    config: &Config,
    scope: &ScopeDecision,
    diags: &mut Diagnostics,
) -> Vec<StorePlan> {
    let mut provider_teams: BTreeMap<&ProviderName, usize> = BTreeMap::new();
    for team in &config.teams {
        *provider_teams.entry(&team.provider.value).or_default() += 1;
    }
    let store_of = |team: &crate::config::Team, ns: &NamespaceName, diags: &mut Diagnostics| {
        let req = IdentityRequest {
            cluster: &config.cluster.name.value,
            provider: &team.provider.value,
            teams: vec![&team.name.value],
            sa_namespace: ns,
            sa_name: &service_account_name(&team.provider.value),
            prefixes: vec![&team.prefix],
            finds: finds_in(team, Some(ns)),
            pushes: pushes_in(team, Some(ns)),
            push_keys: push_keys_in(team, Some(ns)),
            reads_keys: reads_keys_in(team, Some(ns)),
            provider_teams: provider_teams
                .get(&team.provider.value)
                .copied()
                .unwrap_or(1),
        };
        plan_store(
            config,
            &req,
            StorePlacement::Namespace(ns.clone()),
            scope,
            diags,
        )
    };
    if on_every_core(config) {
        let per_team = per_team(config, |team, diags| {
            team.namespaces
                .iter()
                .filter_map(|ns| store_of(team, &ns.value, diags))
                .collect()
        });
        if !per_team.iter().any(|(_, found)| found.has_errors()) {
            return merge(per_team, diags);
        }
    }
    // A provider's delivery error is reported once for all its stores
    // (`plan_store` looks for it among the findings so far): one pass.
    let mut stores = Vec::new();
    for team in &config.teams {
        for ns in &team.namespaces {
            stores.extend(store_of(team, &ns.value, diags));
        }
    }
    stores
}

/// Option B: one ClusterSecretStore per provider, limited to the
/// namespaces of the teams using it; a warning when teams share one.
fn cluster_stores(
    config: &Config,
    scope: &ScopeDecision,
    diags: &mut Diagnostics,
) -> Vec<StorePlan> {
    let mut stores = Vec::new();
    let mut by_provider: BTreeMap<&ProviderName, Vec<&crate::config::Team>> = BTreeMap::new();
    for team in &config.teams {
        by_provider
            .entry(&team.provider.value)
            .or_default()
            .push(team);
    }
    for (provider, teams) in by_provider {
        let mut allowed: Vec<NamespaceName> = teams
            .iter()
            .flat_map(|t| t.namespaces.iter().map(|n| n.value.clone()))
            .collect();
        allowed.sort();
        let sa_name = service_account_name(provider);
        let req = IdentityRequest {
            cluster: &config.cluster.name.value,
            provider,
            teams: teams.iter().map(|t| &t.name.value).collect(),
            sa_namespace: &config.cluster.eso_namespace,
            sa_name: &sa_name,
            prefixes: teams.iter().map(|t| &t.prefix).collect(),
            finds: teams.iter().flat_map(|t| finds_in(t, None)).collect(),
            pushes: teams.iter().flat_map(|t| pushes_in(t, None)).collect(),
            push_keys: {
                let mut keys: Vec<String> =
                    teams.iter().flat_map(|t| push_keys_in(t, None)).collect();
                keys.sort();
                keys.dedup();
                keys
            },
            reads_keys: teams.iter().any(|t| reads_keys_in(t, None)),
            provider_teams: teams.len(),
        };
        if scope.is_shared && teams.len() > 1 {
            diags.push(shared_store_warning(config, provider, &teams));
        }
        if let Some(store) = plan_store(
            config,
            &req,
            StorePlacement::Cluster { allowed },
            scope,
            diags,
        ) {
            stores.push(store);
        }
    }
    stores
}

/// The warning for a ClusterSecretStore that several teams share: one
/// credential reads all their prefixes.
fn shared_store_warning(
    config: &Config,
    provider: &ProviderName,
    teams: &[&crate::config::Team],
) -> Diagnostic {
    let names = some_teams(teams.iter().map(|t| t.name.value.to_string()), teams.len());
    Diagnostic::warning(
        Code::SharedClusterStore,
        format!(
            "ClusterSecretStore `{provider}` is shared by teams {names}: one credential reads every one of their prefixes"
        ),
    )
    .at(&config.cluster.store_scope.span)
    .help("any of these teams can read the others' secrets through the shared store; use `store_scope = \"auto\"` or `\"namespace\"` for a SecretStore per namespace")
}

/// What admission enforces for each team, sorted by team name.
fn team_plans(config: &Config, scope: StoreScope) -> Vec<TeamPlan> {
    let mut teams: Vec<TeamPlan> = config
        .teams
        .iter()
        .map(|t| {
            let mut namespaces: Vec<NamespaceName> =
                t.namespaces.iter().map(|n| n.value.clone()).collect();
            namespaces.sort();
            TeamPlan {
                name: t.name.value.clone(),
                prefix: t.prefix.value.to_string(),
                namespaces,
                store: t.provider.value.clone(),
                scope,
            }
        })
        .collect();
    teams.sort_by(|a, b| a.name.cmp(&b.name));
    teams
}

fn plan_store(
    config: &Config,
    req: &IdentityRequest,
    placement: StorePlacement,
    scope: &ScopeDecision,
    diags: &mut Diagnostics,
) -> Option<StorePlan> {
    let provider = config.providers.get(req.provider)?;
    match provider.settings.plan_identity(req) {
        Ok(backend) => {
            diags.extend(backend.findings());
            let delivery_errors = backend.delivery_findings(provider.delivery.value);
            if !delivery_errors.is_empty() {
                for d in delivery_errors {
                    let d = d.also(&provider.delivery.span, "delivery chosen here");
                    // Every store of the provider table finds the same.
                    if !diags.0.iter().any(|seen| seen == &d) {
                        diags.push(d);
                    }
                }
                return None;
            }
            Some(StorePlan {
                name: req.provider.clone(),
                placement,
                service_account: ServiceAccountPlan {
                    name: req.sa_name.to_owned(),
                    namespace: req.sa_namespace.clone(),
                },
                backend,
                delivery: provider.delivery.value,
                teams: req.teams.iter().map(|t| (*t).clone()).collect(),
                scope_reason: Arc::clone(&scope.reason),
            })
        }
        Err(ds) => {
            diags.extend(ds);
            None
        }
    }
}

fn check_unique_identities(stores: &[StorePlan], diags: &mut Diagnostics) {
    // Hashed: identities share long prefixes (`arn:aws:iam::...`), which a
    // tree compares at every level.
    let mut seen: foldhash::HashMap<String, &StorePlan> = foldhash::HashMap::default();
    for s in stores {
        let Some((key, span)) = s.backend.identity_key() else {
            continue;
        };
        if let Some(first) = seen.get(&key) {
            diags.push(
                Diagnostic::error(
                    Code::PatternResult,
                    format!(
                        "the stores of namespaces `{}` and `{}` would share the identity `{key}`",
                        first.home_namespace(),
                        s.home_namespace()
                    ),
                )
                .at(&span)
                .help("each store needs its own identity; include `{{namespace}}` (or `{{team}}`) in the naming pattern"),
            );
        } else {
            seen.insert(key, s);
        }
    }
}

/// Groups what every store reaches without a prefix limit (a Key Vault, a
/// workload identity) across all provider tables: two teams on one of them
/// read each other's secrets. That is an error unless every table involved
/// accepts it with `allow_shared = true`; then one warning per shared thing.
fn check_unscoped_reach(stores: &[StorePlan], diags: &mut Diagnostics) {
    struct Group<'a> {
        teams: BTreeSet<&'a TeamName>,
        spans: Vec<(crate::source::Span, bool)>,
        /// `spans` as `(file, start, end)`, to skip a repeated span without
        /// a scan per store.
        seen: BTreeSet<(crate::source::FileId, usize, usize)>,
    }
    let mut groups: BTreeMap<(&'static str, String), Group> = BTreeMap::new();
    for s in stores {
        for r in s.backend.unscoped_reach() {
            let g = groups.entry((r.what, r.key)).or_insert_with(|| Group {
                teams: BTreeSet::new(),
                spans: Vec::new(),
                seen: BTreeSet::new(),
            });
            g.teams.extend(s.teams.iter());
            if g.seen
                .insert((r.span.file, r.span.range.start, r.span.range.end))
            {
                g.spans.push((r.span, r.accepted));
            }
        }
    }
    for ((what, key), g) in groups {
        if g.teams.len() < 2 {
            continue;
        }
        let teams = some_teams(g.teams.iter().map(|t| format!("`{t}`")), g.teams.len());
        let accepted = g.spans.iter().all(|(_, a)| *a);
        let message = format!(
            "teams {teams} share the {what} `{key}`, which the provider cannot limit to a prefix: each team can read the others' secrets"
        );
        let mut d = if accepted {
            Diagnostic::warning(Code::UnscopedProvider, message).help(
                "accepted with `allow_shared = true`; for isolation give each team its own vault (`vault_url = \"https://kv-{{team}}.vault.azure.net\"`) and its own `client_id`",
            )
        } else {
            Diagnostic::error(Code::UnscopedProvider, message).help(
                "give each team its own `[providers.NAME]` with its own `client_id` and a vault per team (`vault_url = \"https://kv-{{team}}.vault.azure.net\"`), or set `allow_shared = true` on every provider table involved to accept it",
            )
        };
        let mut spans = g.spans.iter();
        if let Some((first, _)) = spans.next() {
            d = d.at_labelled(first, "shared here");
        }
        for (other, _) in spans.take(MAX_LABELS) {
            d = d.also(other, "and here");
        }
        diags.push(d);
    }
}

/// Teams named in one message, at most; the rest are counted, so a finding
/// about 100,000 teams stays one line.
const MAX_NAMED_TEAMS: usize = 10;
/// Secondary labels on one finding, at most.
const MAX_LABELS: usize = 10;

/// The first few of `names` (of `total`), then how many more.
fn some_teams(names: impl Iterator<Item = String>, total: usize) -> String {
    let named: Vec<String> = names.take(MAX_NAMED_TEAMS).collect();
    match total.saturating_sub(named.len()) {
        0 => named.join(", "),
        more => format!("{} and {more} more", named.join(", ")),
    }
}

/// Spans of the secrets of `team` (in `ns`, when given) that `pick` selects.
fn spans_in<'a>(
    team: &'a crate::config::Team,
    ns: Option<&NamespaceName>,
    pick: fn(&'a crate::config::Secret) -> Option<&'a crate::source::Span>,
) -> Vec<&'a crate::source::Span> {
    team.secrets
        .iter()
        .filter(|s| ns.is_none_or(|n| s.goes_to(n)))
        .filter_map(pick)
        .collect()
}

/// The find paths of the team (in `ns`, when given), with where each was
/// written.
fn finds_in<'a>(
    team: &'a crate::config::Team,
    ns: Option<&NamespaceName>,
) -> Vec<&'a crate::config::types::Located<String>> {
    team.secrets
        .iter()
        .filter(|s| ns.is_none_or(|n| s.goes_to(n)))
        .filter_map(|s| match &s.source {
            SecretSource::Find { path, .. } => Some(path),
            _ => None,
        })
        .collect()
}

/// Where each `push = true` of the team's secrets was written.
fn pushes_in<'a>(
    team: &'a crate::config::Team,
    ns: Option<&NamespaceName>,
) -> Vec<&'a crate::source::Span> {
    spans_in(team, ns, |s| s.push.as_ref())
}

/// The remote keys the team's pushed secrets (in `ns`, when given) write.
fn push_keys_in(team: &crate::config::Team, ns: Option<&NamespaceName>) -> Vec<String> {
    let mut keys: Vec<String> = team
        .secrets
        .iter()
        .filter(|s| s.push.is_some() && ns.is_none_or(|n| s.goes_to(n)))
        .filter_map(|s| match &s.source {
            SecretSource::Properties { key, .. } | SecretSource::Extract { key } => {
                Some(key.value.as_str().to_owned())
            }
            SecretSource::Find { .. } => None,
        })
        .collect();
    keys.sort();
    keys.dedup();
    keys
}

/// True when the team (in `ns`, when given) reads a single key somewhere.
fn reads_keys_in(team: &crate::config::Team, ns: Option<&NamespaceName>) -> bool {
    team.secrets.iter().any(|s| {
        s.push.is_none()
            && ns.is_none_or(|n| s.goes_to(n))
            && !matches!(s.source, SecretSource::Find { .. })
    })
}

/// Each secret of the team once, sorted by name, with the namespaces it
/// goes to (sorted).
/// `admitted`: admission policies are generated, and a find they would
/// refuse is an error.
fn external_secrets_of<'a>(
    team: &'a crate::config::Team,
    provider: Option<&dyn crate::provider::ProviderConfig>,
    admitted: bool,
    diags: &mut Diagnostics,
) -> Vec<(&'a [NamespaceName], Arc<ExternalSecretPlan>)> {
    let mut out: Vec<(&[NamespaceName], Arc<ExternalSecretPlan>)> = team
        .secrets
        .iter()
        .map(|s| {
            (
                s.namespaces.as_slice(),
                Arc::new(ExternalSecretPlan {
                    name: s.name.value.clone(),
                    target: s.target.clone(),
                    target_type: s.target_type.clone(),
                    refresh_interval: s.refresh_interval.as_str().to_owned(),
                    source: match (&s.source, provider) {
                        (SecretSource::Find { path, name_regex }, Some(p)) => {
                            // An empty path means "emit none" (Key Vault).
                            let emitted = match p.find_path(team.prefix.value.as_str(), &path.value) {
                                Ok(emitted) => emitted.unwrap_or_default(),
                                Err(reason) => {
                                    diags.push(
                                        Diagnostic::error(
                                            Code::InvalidKey,
                                            format!(
                                                "find path `{}` cannot be searched with provider kind `{}`: {reason}",
                                                path.value,
                                                p.kind_name()
                                            ),
                                        )
                                        .at(&path.span)
                                        .also(&team.prefix.span, "team prefix"),
                                    );
                                    path.value.clone()
                                }
                            };
                            if let (true, Err(reason)) = (
                                admitted,
                                p.check_find_name(team.prefix.value.as_str(), name_regex),
                            ) {
                                diags.push(
                                    Diagnostic::error(
                                        Code::KeyOutsidePrefix,
                                        format!("find name `{}` would be refused in the cluster: {reason}", name_regex.escape_debug()),
                                    )
                                    .at(&path.span)
                                    .also(&team.prefix.span, "team prefix"),
                                );
                            }
                            SecretSource::Find {
                                path: crate::config::types::Located::new(emitted, path.span.clone()),
                                name_regex: name_regex.clone(),
                            }
                        }
                        (source, _) => source.clone(),
                    },
                    push: s.push.is_some(),
                    push_metadata: push_settings(s, provider, diags),
                }),
            )
        })
        .collect();
    out.sort_by(|a, b| a.1.name.cmp(&b.1.name));
    out
}

/// The provider's settings for secret `s`'s PushSecret, when it is pushed;
/// an error when the provider cannot push its `data` into properties.
fn push_settings(
    s: &crate::config::Secret,
    provider: Option<&dyn crate::provider::ProviderConfig>,
    diags: &mut Diagnostics,
) -> Option<crate::provider::PushMetadata> {
    let (Some(push), Some(p)) = (&s.push, provider) else {
        return None;
    };
    if let (SecretSource::Properties { key, .. }, Err(reason)) =
        (&s.source, p.check_push_properties())
    {
        diags.push(
            Diagnostic::error(
                Code::InvalidValue,
                format!(
                    "secret `{}` pushes `data` into properties of `{}`, which provider kind `{}` cannot do: {reason}",
                    s.name.value,
                    key.value.as_str(),
                    p.kind_name()
                ),
            )
            .at(&key.span)
            .also(push, "push set here")
            .help("remove `data`: the whole Secret is then pushed as one JSON object of its keys, which an ExternalSecret reads back key by key with `data`"),
        );
    }
    p.push_metadata()
}

fn external_secrets_for(
    secrets: &[(&[NamespaceName], Arc<ExternalSecretPlan>)],
    ns: &NamespaceName,
) -> Vec<Arc<ExternalSecretPlan>> {
    secrets
        .iter()
        .filter(|(namespaces, _)| namespaces.binary_search(ns).is_ok())
        .map(|(_, es)| Arc::clone(es))
        .collect()
}
