//! ESO's question 1, "how many teams share this cluster?", as a rule.
//! Consumes the store scope setting and the team count; produces the chosen
//! [`StoreScope`] with its reason.

use crate::config::StoreScopeSetting;

/// Where stores live (ESO guide: "SecretStore vs ClusterSecretStore").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StoreScope {
    /// Option A: one SecretStore per namespace, each with its own
    /// ServiceAccount and provider identity.
    PerNamespace,
    /// Option B: one ClusterSecretStore per provider, limited by
    /// `conditions` to an explicit namespace list.
    Cluster,
}

/// The store scope with the reason it was chosen.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ScopeDecision {
    /// The scope.
    pub scope: StoreScope,
    /// Why, in one sentence.
    pub reason: std::sync::Arc<str>,
    /// True when a ClusterSecretStore serves several teams because the user
    /// forced it: no per-team credential isolation.
    pub is_shared: bool,
}

/// Decides the store scope.
pub fn decide(setting: StoreScopeSetting, team_count: usize) -> ScopeDecision {
    let teams = if team_count == 1 {
        "one team uses".to_owned()
    } else {
        format!("{team_count} teams share")
    };
    match (setting, team_count) {
        (StoreScopeSetting::Auto, n) if n > 1 => ScopeDecision {
            scope: StoreScope::PerNamespace,
            reason: format!(
                "{teams} the cluster, so each namespace gets its own SecretStore and credentials (ESO guide Option A): a compromised namespace reaches only its own secrets"
            ).into(),
            is_shared: false,
        },
        (StoreScopeSetting::Auto, _) => ScopeDecision {
            scope: StoreScope::Cluster,
            reason: format!(
                "{teams} the cluster, so one ClusterSecretStore per provider is enough (ESO guide Option B), limited to the team's namespaces by an explicit list"
            ).into(),
            is_shared: false,
        },
        (StoreScopeSetting::Namespace, _) => ScopeDecision {
            scope: StoreScope::PerNamespace,
            reason: format!(
                "`store_scope = \"namespace\"`: each namespace gets its own SecretStore and credentials (ESO guide Option A); {teams} the cluster"
            ).into(),
            is_shared: false,
        },
        (StoreScopeSetting::Cluster, n) => ScopeDecision {
            scope: StoreScope::Cluster,
            reason: format!(
                "`store_scope = \"cluster\"` forces one ClusterSecretStore per provider (ESO guide Option B); {teams} the cluster"
            ).into(),
            is_shared: n > 1,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        use StoreScope::*;
        use StoreScopeSetting as S;
        let cases = [
            (S::Auto, 1, Cluster, false),
            (S::Auto, 2, PerNamespace, false),
            (S::Auto, 9, PerNamespace, false),
            (S::Namespace, 1, PerNamespace, false),
            (S::Namespace, 3, PerNamespace, false),
            (S::Cluster, 1, Cluster, false),
            (S::Cluster, 2, Cluster, true),
        ];
        for (setting, n, scope, shared) in cases {
            let d = decide(setting, n);
            assert_eq!(d.scope, scope, "{setting:?} {n}");
            assert_eq!(d.is_shared, shared, "{setting:?} {n}");
            assert!(!d.reason.is_empty());
        }
    }
}
