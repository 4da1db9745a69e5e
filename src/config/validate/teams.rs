//! `[[teams]]`: names, providers, prefixes (and their overlaps across teams), namespaces.

#[allow(clippy::wildcard_imports)]
use super::*;

/// Below this many teams, one pass on one core is as fast.
const PARALLEL_TEAMS: usize = 256;

impl Validator {
    pub(super) fn teams(
        &mut self,
        entries: Vec<Entry<'_>>,
        providers: &BTreeMap<ProviderName, Provider>,
        cluster: Option<&Cluster>,
    ) -> Vec<Team> {
        let raw: Vec<(FileId, &Spanned<RawTeam>)> = entries
            .iter()
            .filter_map(|e| match e {
                Entry::Raw(file, t) => Some((*file, *t)),
                Entry::Known(_) => None,
            })
            .collect();
        let mut teams: Vec<Team> = Vec::new();
        // Hashed, not ordered: only looked up (a tree of 10,000 names costs
        // a string comparison per level on every insert).
        let mut team_names: foldhash::HashMap<String, Span> = foldhash::HashMap::default();
        let mut namespaces: foldhash::HashMap<String, Span> = foldhash::HashMap::default();
        let mut validated = self
            .teams_on_every_core(&raw, providers, cluster)
            .map(Vec::into_iter);
        drop(raw);
        for entry in entries {
            let team = match entry {
                // Validated by an earlier run, from the same text under the
                // same head, without a finding.
                Entry::Known(team) => {
                    self.file = team.name.span.file;
                    Some(*team)
                }
                Entry::Raw(file, t) => {
                    self.file = file;
                    match validated.as_mut().and_then(Iterator::next) {
                        Some((team, diags)) => {
                            self.diags.extend(diags.0);
                            team
                        }
                        None => self.team(t.get_ref(), providers, cluster),
                    }
                }
            };
            if let Some(team) = team {
                if let Some(first) = team_names.get(team.name.value.as_str()) {
                    self.diags.push(
                        Diagnostic::error(
                            Code::DuplicateTeam,
                            format!("team `{}` is defined twice", team.name.value),
                        )
                        .at_labelled(&team.name.span, "defined again here")
                        .also(first, "first defined here")
                        .help("merge the two definitions or rename one team"),
                    );
                    continue;
                }
                team_names.insert(team.name.value.to_string(), team.name.span.clone());
                for ns in &team.namespaces {
                    if let Some(first) = namespaces.get(ns.value.as_str()) {
                        self.diags.push(
                            Diagnostic::error(
                                Code::DuplicateNamespace,
                                format!("namespace `{}` is claimed twice", ns.value),
                            )
                            .at_labelled(&ns.span, "claimed again here")
                            .also(first, "first claimed here")
                            .help("a namespace belongs to exactly one team; its store and credentials are that team's"),
                        );
                    } else {
                        namespaces.insert(ns.value.to_string(), ns.span.clone());
                    }
                }
                teams.push(team);
            }
        }
        self.check_prefix_overlaps(&teams, providers);
        teams
    }

    /// Each team validated on its own, on every core, with the findings
    /// each would add; `None` when one team found an error or there are
    /// few teams. Validating one team depends on the others only through
    /// "has an error been reported so far" (an unknown provider is not
    /// reported after an error), so without errors the teams validated
    /// apart give exactly the findings of one pass in file order; with
    /// one, that pass decides.
    fn teams_on_every_core(
        &mut self,
        raw: &[(FileId, &Spanned<RawTeam>)],
        providers: &BTreeMap<ProviderName, Provider>,
        cluster: Option<&Cluster>,
    ) -> Option<Vec<(Option<Team>, Diagnostics)>> {
        if raw.len() < PARALLEL_TEAMS || crate::parallel::threads() == 1 {
            return None;
        }
        let errors_before = self.has_errors();
        let validated = crate::parallel::map(raw, |(file, t)| {
            let mut v = Validator::new(*file);
            v.saw_error = errors_before;
            let team = v.team(t.get_ref(), providers, cluster);
            (team, v.diags)
        });
        (!validated.iter().any(|(_, d)| d.has_errors())).then_some(validated)
    }

    pub(super) fn check_prefix_overlaps(
        &mut self,
        teams: &[Team],
        providers: &BTreeMap<ProviderName, Provider>,
    ) {
        // Providers whose names are case-insensitive (Key Vault) compare
        // prefixes folded: `Prod-a-` and `prod-a-x` name the same secrets.
        let keys: Vec<Option<(String, PathPrefix)>> = teams
            .iter()
            .map(|t| {
                providers.get(&t.provider.value).map(|p| {
                    (
                        p.settings.overlap_scope(),
                        p.settings.overlap_key(&t.prefix.value),
                    )
                })
            })
            .collect();
        let entries: Vec<Option<(&str, &str)>> = keys
            .iter()
            .map(|k| {
                k.as_ref()
                    .map(|(scope, key)| (scope.as_str(), key.as_str()))
            })
            .collect();
        let overlaps = crate::config::overlap::find(&entries);
        self.diags
            .extend(crate::config::overlap::diagnostics(&overlaps, teams));
    }

    pub(super) fn team(
        &mut self,
        t: &RawTeam,
        providers: &BTreeMap<ProviderName, Provider>,
        cluster: Option<&Cluster>,
    ) -> Option<Team> {
        let name = self.newtype(
            &t.name,
            TeamName::parse,
            Code::InvalidName,
            "team name",
            "team names are DNS-1123 labels: lowercase letters, digits and `-`",
        );
        let provider = self.team_provider(t, providers);
        let prefix = self.team_prefix(t, provider.as_ref().map(|(_, p)| *p));
        let namespaces = self.namespaces(t, cluster);
        let team_namespaces = TeamNamespaces::new(&namespaces);
        let team_refresh = t.refresh_interval.as_ref().and_then(|r| self.duration(r));
        let default_refresh = team_refresh.or_else(|| cluster.map(|c| c.refresh_interval.clone()));

        let (name, prefix, (provider, _)) = (name?, prefix?, provider?);
        let secrets = self.team_secrets(
            t,
            &name,
            &prefix,
            &team_namespaces,
            default_refresh.as_ref(),
        );
        if namespaces.is_empty() {
            return None;
        }
        Some(Team {
            name,
            provider,
            prefix,
            namespaces,
            secrets,
        })
    }

    /// The team's `provider`: a name defined in `[providers]`, with its
    /// table. An unknown name is reported only when no error was found so
    /// far, since a provider table with errors is not defined either.
    fn team_provider<'p>(
        &mut self,
        t: &RawTeam,
        providers: &'p BTreeMap<ProviderName, Provider>,
    ) -> Option<(Located<ProviderName>, &'p Provider)> {
        let provider_span = self.span(&t.provider);
        match ProviderName::parse(t.provider.get_ref())
            .ok()
            .and_then(|n| providers.get(&n).map(|p| (n, p)))
        {
            Some((n, p)) => Some((Located::new(n, provider_span), p)),
            None => {
                // A provider table with errors was already reported; don't
                // pile on. (Asked per team: the message, with its
                // suggestion among every provider, only when shown.)
                if !self.has_errors() {
                    let d = unknown_provider(t.provider.get_ref(), &provider_span, providers);
                    self.diags.push(d);
                }
                None
            }
        }
    }

    /// The team's `prefix`, checked for a trailing separator and, when the
    /// provider is known, against the provider's own key rules. Those two
    /// findings are reported but keep the prefix, so the team's secrets are
    /// still checked against it.
    fn team_prefix(
        &mut self,
        t: &RawTeam,
        provider: Option<&Provider>,
    ) -> Option<Located<PathPrefix>> {
        let prefix = self.newtype(
            &t.prefix,
            PathPrefix::parse,
            Code::InvalidPrefix,
            "prefix",
            "a prefix such as `prod/payments/` scopes the team's credentials; end it with `/`",
        );
        // Every provider's policy matches a plain string prefix
        // (`secret:<prefix>*`, `<mount>/data/<prefix>*`, `startsWith`), so a
        // prefix that does not end with a separator also grants its
        // siblings: `prod/pay*` covers `prod/payments/`.
        if let Some(p) = &prefix
            && !p.value.as_str().ends_with(['/', '-', '_', '.'])
        {
            self.diags.push(
                Diagnostic::error(
                    Code::InvalidPrefix,
                    format!(
                        "prefix `{}` does not end with a separator, so its policy also covers names such as `{}x/...`",
                        p.value, p.value
                    ),
                )
                .at(&p.span)
                .help(format!("end it with `/` (or `-`, `_`, `.`): `{}/`", p.value)),
            );
        }
        if let (Some(prefix), Some(p)) = (&prefix, provider)
            && let Err(reason) = p.settings.check_prefix(&prefix.value)
        {
            self.diags.push(
                Diagnostic::error(
                    Code::InvalidPrefix,
                    format!("`{}` is not a valid prefix: {reason}", prefix.value),
                )
                .at(&prefix.span),
            );
        }
        prefix
    }

    /// The team's `[[teams.secrets]]` that pass validation, in file order.
    /// Two secrets with one name, or writing one Kubernetes Secret, are
    /// reported and the second is left out.
    fn team_secrets(
        &mut self,
        t: &RawTeam,
        name: &Located<TeamName>,
        prefix: &Located<PathPrefix>,
        team_namespaces: &TeamNamespaces,
        default_refresh: Option<&Duration>,
    ) -> Vec<Secret> {
        let mut secrets = Vec::with_capacity(t.secrets.len());
        let mut secret_names: BTreeMap<String, Span> = BTreeMap::new();
        let mut targets: BTreeMap<String, Span> = BTreeMap::new();
        for s in &t.secrets {
            let Some(secret) =
                self.secret(s, prefix, team_namespaces, default_refresh, t.push.as_ref())
            else {
                continue;
            };
            if let Some(first) = secret_names.get(secret.name.value.as_str()) {
                self.diags.push(
                    Diagnostic::error(
                        Code::DuplicateSecret,
                        format!(
                            "secret `{}` is defined twice in team `{}`",
                            secret.name.value, name.value
                        ),
                    )
                    .at_labelled(&secret.name.span, "defined again here")
                    .also(first, "first defined here"),
                );
                continue;
            }
            secret_names.insert(secret.name.value.to_string(), secret.name.span.clone());
            if let Some(first) = targets.get(secret.target.as_str()) {
                self.diags.push(
                    Diagnostic::error(
                        Code::DuplicateSecret,
                        format!(
                            "two secrets of team `{}` write the Kubernetes Secret `{}`",
                            name.value, secret.target
                        ),
                    )
                    .at_labelled(&secret.name.span, "this one")
                    .also(first, "and this one")
                    .help("give one of them a different `target`"),
                );
                continue;
            }
            targets.insert(secret.target.to_string(), secret.name.span.clone());
            secrets.push(secret);
        }
        secrets
    }

    pub(super) fn namespaces(
        &mut self,
        t: &RawTeam,
        cluster: Option<&Cluster>,
    ) -> Vec<Located<NamespaceName>> {
        if t.namespaces.get_ref().is_empty() {
            let span = self.span(&t.namespaces);
            self.diags.push(
                Diagnostic::error(
                    Code::EmptyTeam,
                    format!("team `{}` has no namespaces", t.name.get_ref()),
                )
                .at(&span)
                .help("list the namespaces the team's workloads run in"),
            );
        }
        let mut out: Vec<Located<NamespaceName>> = Vec::new();
        // Where each namespace was first listed: a scan of `out` per entry
        // is quadratic in a team's namespaces.
        let mut first: BTreeMap<NamespaceName, usize> = BTreeMap::new();
        for ns in t.namespaces.get_ref() {
            let Some(n) = self.newtype(
                ns,
                NamespaceName::parse,
                Code::InvalidNamespace,
                "namespace",
                "namespaces are DNS-1123 labels: lowercase letters, digits and `-`, at most 63",
            ) else {
                continue;
            };
            let reserved = RESERVED_NAMESPACES.contains(&n.value.as_str())
                || cluster.is_some_and(|c| c.eso_namespace == n.value);
            if reserved {
                self.diags.push(
                    Diagnostic::error(
                        Code::ReservedNamespace,
                        format!("namespace `{}` is reserved and cannot belong to a team", n.value),
                    )
                    .at(&n.span)
                    .help("system namespaces and the ESO namespace hold cluster credentials; give the team its own namespace"),
                );
                continue;
            }
            if let Some(at) = first.get(&n.value).and_then(|&i| out.get(i)) {
                self.diags.push(
                    Diagnostic::error(
                        Code::DuplicateNamespace,
                        format!("namespace `{}` is listed twice", n.value),
                    )
                    .at_labelled(&n.span, "listed again here")
                    .also(&at.span, "first listed here"),
                );
                continue;
            }
            first.insert(n.value.clone(), out.len());
            out.push(n);
        }
        out
    }
}
