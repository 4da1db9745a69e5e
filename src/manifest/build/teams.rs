//! Units of one team: the files that depend on one team and its stores
//! alone (its admission policy), built and fingerprinted apart from the
//! global files so that an incremental run renders only the changed
//! teams' (see `pipeline`).

use std::hash::{Hash, Hasher};

use super::{Artifact, Builder, Digest};
use crate::plan::TeamPlan;

impl Builder<'_> {
    /// The teams whose files are units of their own: every team when the
    /// admission files are per team and independent (see
    /// `platform::AdmissionFiles::has_team_units`), none otherwise (their
    /// files are then among [`Builder::global`]'s).
    pub fn team_units(&self) -> &[TeamPlan] {
        match &self.admission {
            Some(a) if a.has_team_units() => &self.plan.teams,
            _ => &[],
        }
    }

    /// The key of team `t`'s unit in the local cache: never a namespace
    /// name (those have no `:`).
    pub fn team_key(t: &TeamPlan) -> String {
        format!("team:{}", t.name)
    }

    /// The files of team `t`'s unit.
    pub fn team(&self, t: &TeamPlan) -> Vec<Artifact> {
        self.admission
            .as_ref()
            .and_then(|a| a.team_file(t))
            .into_iter()
            .collect()
    }

    /// A digest of everything [`Builder::team`] reads for `t`: the plan's
    /// global settings, the team and its stores.
    pub fn team_fingerprint(&self, t: &TeamPlan) -> String {
        let mut h = Digest::new();
        h.write(&self.global);
        "team".hash(&mut h);
        if let Some(a) = &self.admission {
            a.team_inputs(t, &mut h, &|s| self.store_digest(s));
        }
        h.hex()
    }
}
