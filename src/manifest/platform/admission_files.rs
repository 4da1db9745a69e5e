//! The admission policy files: one per team under `bases/admission/` and
//! the kustomization listing them. With a SecretStore per namespace each
//! team's file depends only on that team and its stores, so it can be a
//! unit of incremental generation of its own ([`AdmissionFiles::team_file`],
//! [`AdmissionFiles::team_inputs`]): a one-team change then renders one
//! policy, not one per team.

use std::hash::{Hash, Hasher};

use super::super::admission::{self, TeamStore};
use super::super::{Artifact, Object};
use super::{eso_values, kustomization, yaml};
use crate::config::Admission;
use crate::plan::{Plan, StorePlacement, StorePlan, StoreScope, TeamPlan};

/// The admission files of a plan whose admission mode is not `none`.
pub struct AdmissionFiles<'p> {
    plan: &'p Plan,
    scope: admission::Scope<'p>,
    /// The store of each (store name, namespace), indexed once.
    index: foldhash::HashMap<(&'p str, &'p str), &'p StorePlan>,
}

impl<'p> AdmissionFiles<'p> {
    /// `None` when the plan enforces nothing in the cluster.
    pub fn new(plan: &'p Plan) -> Option<Self> {
        if plan.admission == Admission::None {
            return None;
        }
        // The policies match only what the generated install serves.
        let values = eso_values(plan);
        let scope = admission::Scope {
            push_secret: values.install_crds && values.crds.create_push_secret,
            secret_store: values.install_crds && values.crds.create_secret_store,
            allow_generators: plan.admission_settings.allow_generators,
            store_writers: &plan.admission_settings.store_writers,
        };
        let mut index = foldhash::HashMap::default();
        for s in &plan.stores {
            match &s.placement {
                StorePlacement::Namespace(n) => {
                    index.insert((s.name.as_str(), n.as_str()), s);
                }
                StorePlacement::Cluster { allowed } => {
                    for n in allowed {
                        index.insert((s.name.as_str(), n.as_str()), s);
                    }
                }
            }
        }
        Some(Self { plan, scope, index })
    }

    /// True when each team's file is a unit of its own: with a SecretStore
    /// per namespace (a ClusterSecretStore serves every team, so every
    /// team's file would depend on all of them).
    pub fn has_team_units(&self) -> bool {
        self.plan.scope.scope == StoreScope::PerNamespace
    }

    /// The files outside the team units: the kustomization, and with
    /// `per_team_units` false every team's file too.
    pub fn global_artifacts(&self, per_team_units: bool) -> Vec<Artifact> {
        let mut out = Vec::new();
        let mut resources = Vec::new();
        for t in &self.plan.teams {
            let Some(store) = self.store_of(t) else {
                continue;
            };
            resources.push(self.file_name(t));
            if !per_team_units {
                out.push(self.build(&self.team_store(t, store)));
            }
        }
        out.push(kustomization(
            "bases/admission",
            "the prefix rule enforced in the cluster, not only by provider policies",
            resources,
        ));
        out
    }

    /// The policy file of team `t`; `None` when no store serves it.
    pub fn team_file(&self, t: &TeamPlan) -> Option<Artifact> {
        let store = self.store_of(t)?;
        Some(self.build(&self.team_store(t, store)))
    }

    /// Feeds everything [`AdmissionFiles::team_file`] reads for `t`, besides
    /// the plan's global settings, into `h`: the team, the admission scope
    /// and the stores of the team's namespaces (identity included), each
    /// by `digest` (a digest of its [`StorePlan::fingerprint`]).
    pub fn team_inputs(
        &self,
        t: &TeamPlan,
        h: &mut dyn Hasher,
        digest: &dyn Fn(&StorePlan) -> [u8; 20],
    ) {
        let mut h = h;
        let admission::Scope {
            push_secret,
            secret_store,
            allow_generators,
            store_writers,
        } = self.scope;
        (push_secret, secret_store, allow_generators, store_writers).hash(&mut h);
        t.hash(&mut h);
        for n in &t.namespaces {
            let Some(s) = self.index.get(&(t.store.as_str(), n.as_str())) else {
                0u8.hash(&mut h);
                continue;
            };
            1u8.hash(&mut h);
            h.write(&digest(s));
        }
    }

    /// The store the team's objects must reference: the first of its
    /// namespaces' stores.
    fn store_of(&self, t: &TeamPlan) -> Option<&'p StorePlan> {
        t.namespaces
            .iter()
            .find_map(|n| self.index.get(&(t.store.as_str(), n.as_str())))
            .copied()
    }

    fn file_name(&self, t: &TeamPlan) -> String {
        match self.plan.admission {
            Admission::Kyverno => format!("kyverno-{}.yaml", t.name),
            Admission::Vap | Admission::None => format!("vap-{}.yaml", t.name),
        }
    }

    fn team_store<'t>(&self, t: &'t TeamPlan, store: &StorePlan) -> TeamStore<'t> {
        let provider = store
            .backend
            .store_provider(&crate::provider::StoreContext {
                sa_name: String::new(),
                namespace: None,
            })
            .kind_key();
        // Option A: the provider block each namespace's SecretStore gets,
        // exactly as the overlays render it, for the admission rules to pin.
        let stores = t
            .namespaces
            .iter()
            .filter_map(|n| {
                let s = self.index.get(&(t.store.as_str(), n.as_str()))?;
                let StorePlacement::Namespace(_) = s.placement else {
                    return None;
                };
                let block = s.backend.store_provider(&s.context());
                // Plain strings and booleans: cannot fail. Were it to, a
                // null block pins nothing and admits no store.
                let block = serde_json::to_value(block).unwrap_or(serde_json::Value::Null);
                Some((n.to_string(), block))
            })
            .collect();
        TeamStore {
            team: t,
            provider,
            stores,
        }
    }

    fn build(&self, t: &TeamStore<'_>) -> Artifact {
        let reason = format!(
            "team {}: keys under `{}` only, through its own store and provider; its SecretStores exactly as generated",
            t.team.name, t.team.prefix
        );
        let objects = match self.plan.admission {
            Admission::Kyverno => admission::kyverno(t, self.scope)
                .into_iter()
                .map(|p| Object::ClusterPolicy(Box::new(p)))
                .collect(),
            Admission::Vap | Admission::None => {
                let (p, b) = admission::vap(t, self.scope);
                vec![Object::Vap(Box::new(p)), Object::VapBinding(Box::new(b))]
            }
        };
        yaml(
            format!("bases/admission/{}", self.file_name(t.team)),
            &reason,
            objects,
        )
    }
}
