//! The commit message of `generate --commit`: which teams and namespaces
//! were added, changed and removed. Pure: consumes a `ChangeSet` and the
//! namespace → team maps of the new and the previous run.

use std::collections::{BTreeMap, BTreeSet};

use super::diff::ChangeSet;
use crate::tree::OWNERSHIP_FILE;

/// Namespace → team.
pub type Teams = BTreeMap<String, String>;

fn namespace_of(path: &str) -> Option<&str> {
    let mut parts = path.split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("overlays"), Some(ns), Some(_)) => Some(ns),
        _ => None,
    }
}

/// How a removed file's access goes away.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Revocation {
    /// A controller object: pruned by Argo CD / Flux, and the controller
    /// deletes the role or binding.
    Controller,
    /// Terraform resources: the next `apply` destroys them.
    Terraform,
    /// A document applied by hand: someone must revoke it by hand.
    ByHand,
}

/// The namespace, store and revocation of a file that grants access:
/// `bases/access/<ns>.<store>.yaml`, `terraform/<ns>.<store>.tf.json` or
/// `policies/<ns>/<store>.<document>`.
fn access_of(path: &str) -> Option<(&str, &str, Revocation)> {
    if let Some(name) = path
        .strip_prefix("bases/access/")
        .and_then(|f| f.strip_suffix(".yaml"))
    {
        let (ns, store) = name.split_once('.')?;
        return Some((ns, store, Revocation::Controller));
    }
    if let Some(name) = path
        .strip_prefix("terraform/")
        .and_then(|f| f.strip_suffix(".tf.json"))
    {
        let (ns, store) = name.split_once('.')?;
        return Some((ns, store, Revocation::Terraform));
    }
    let (ns, file) = path.strip_prefix("policies/")?.split_once('/')?;
    let (store, _) = file.split_once('.')?;
    Some((ns, store, Revocation::ByHand))
}

/// What the removed files revoke, one line per store and way.
fn revocations(changes: &ChangeSet) -> Vec<String> {
    let mut found: BTreeSet<(Revocation, &str, &str)> = BTreeSet::new();
    for p in changes.removed.iter() {
        if let Some((ns, store, how)) = access_of(p) {
            found.insert((how, ns, store));
        }
    }
    found
        .into_iter()
        .map(|(how, ns, store)| match how {
            Revocation::Controller => format!(
                "{ns} (store {store}): its controller objects are pruned on sync, and the controller deletes the role or binding"
            ),
            Revocation::Terraform => format!(
                "{ns} (store {store}): the next `terraform apply` destroys its resources"
            ),
            Revocation::ByHand => format!(
                "{ns} (store {store}): its policy documents are gone; revoke the role or binding by hand"
            ),
        })
        .collect()
}

fn list(items: &BTreeSet<&str>) -> String {
    items.iter().copied().collect::<Vec<_>>().join(", ")
}

/// A subject-line list: a few names, then a count.
fn short_list(items: &BTreeSet<&str>) -> String {
    const SHOWN: usize = 4;
    if items.len() <= SHOWN {
        return list(items);
    }
    let first: Vec<&str> = items.iter().copied().take(SHOWN).collect();
    format!("{} and {} more", first.join(", "), items.len() - SHOWN)
}

/// Builds the message: a subject naming the teams, then the details.
pub fn commit_message(changes: &ChangeSet, now: &Teams, before: &Teams, source: &str) -> String {
    let touched = Touched::classify(changes, now, before);
    let teams = TeamChanges::between(&touched, now, before);
    let mut msg = format!(
        "esogen: {}\n\nGenerated from {source} by esogen.\n\n",
        teams.subject()
    );
    for (label, set) in [
        ("Teams added", &teams.added),
        ("Teams changed", &teams.changed),
        ("Teams removed", &teams.removed),
        ("Namespaces added", &touched.ns_added),
        ("Namespaces changed", &touched.ns_changed),
        ("Namespaces removed", &touched.ns_removed),
        ("Shared files changed", &touched.shared),
        ("Other files changed", &touched.other),
    ] {
        if !set.is_empty() {
            msg.push_str(&format!("{label}: {}\n", list(set)));
        }
    }
    let revoked = revocations(changes);
    if !revoked.is_empty() {
        msg.push_str("Access revoked:\n");
        for r in revoked {
            msg.push_str(&format!("- {r}\n"));
        }
    }
    msg.push_str(&format!(
        "Files: {} added, {} changed, {} removed\n",
        changes.added.len(),
        changes.changed.len(),
        changes.removed.len()
    ));
    msg
}

/// What a run changes, by team, namespace and file: the one line printed
/// before writing (as `terraform plan` ends with one), and the `teams`,
/// `namespaces` and `files` of `--format json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Summary {
    /// Teams added, changed and removed.
    pub teams: Lists,
    /// Tenant namespaces added, changed and removed.
    pub namespaces: Lists,
    /// Files added, changed and removed (counts).
    pub files: Counts,
}

/// Names added, changed and removed, each sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Lists {
    /// Added.
    pub added: Vec<String>,
    /// Changed.
    pub changed: Vec<String>,
    /// Removed.
    pub removed: Vec<String>,
}

/// How many were added, changed and removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    /// Added.
    pub added: usize,
    /// Changed.
    pub changed: usize,
    /// Removed.
    pub removed: usize,
}

fn owned(set: &BTreeSet<&str>) -> Vec<String> {
    set.iter().map(|s| (*s).to_owned()).collect()
}

/// The summary of `changes`, with `now` and `before` the namespace → team
/// maps of this run and the previous one.
pub fn summary(changes: &ChangeSet, now: &Teams, before: &Teams) -> Summary {
    let touched = Touched::classify(changes, now, before);
    let teams = TeamChanges::between(&touched, now, before);
    Summary {
        teams: Lists {
            added: owned(&teams.added),
            changed: owned(&teams.changed),
            removed: owned(&teams.removed),
        },
        namespaces: Lists {
            added: owned(&touched.ns_added),
            changed: owned(&touched.ns_changed),
            removed: owned(&touched.ns_removed),
        },
        files: Counts {
            added: changes.added.len(),
            changed: changes.changed.len(),
            removed: changes.removed.len(),
        },
    }
}

impl std::fmt::Display for Summary {
    /// `plan: add team search; update teams checkout, payments; remove
    /// team legacy (files: 3 to add, 2 to change, 1 to remove)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut parts = Vec::new();
        for (verb, names) in [
            ("add", &self.teams.added),
            ("update", &self.teams.changed),
            ("remove", &self.teams.removed),
        ] {
            if !names.is_empty() {
                let set: BTreeSet<&str> = names.iter().map(String::as_str).collect();
                let noun = if names.len() == 1 { "team" } else { "teams" };
                parts.push(format!("{verb} {noun} {}", short_list(&set)));
            }
        }
        if parts.is_empty() {
            parts.push("update shared configuration".to_owned());
        }
        write!(
            f,
            "plan: {} (files: {} to add, {} to change, {} to remove)",
            parts.join("; "),
            self.files.added,
            self.files.changed,
            self.files.removed
        )
    }
}

/// What happened to a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Added,
    Changed,
    Removed,
}

/// The paths of a change set, by what they belong to.
#[derive(Default)]
struct Touched<'a> {
    /// Tenant namespaces the previous run did not have.
    ns_added: BTreeSet<&'a str>,
    /// Tenant namespaces this run no longer has.
    ns_removed: BTreeSet<&'a str>,
    /// Tenant namespaces, neither added nor removed, whose files changed.
    ns_changed: BTreeSet<&'a str>,
    /// Cluster-wide files: bases and policies of no tenant namespace.
    shared: BTreeSet<&'a str>,
    /// Anything else.
    other: BTreeSet<&'a str>,
}

impl<'a> Touched<'a> {
    /// Sorts every added, changed and removed path but the ownership
    /// record; `now` and `before` tell a new or gone namespace from a
    /// changed one.
    fn classify(changes: &'a ChangeSet, now: &Teams, before: &Teams) -> Self {
        let mut t = Self::default();
        for (paths, kind) in [
            (&changes.added, Change::Added),
            (&changes.changed, Change::Changed),
            (&changes.removed, Change::Removed),
        ] {
            for p in paths.iter() {
                if p == OWNERSHIP_FILE {
                    continue;
                }
                match namespace_of(p) {
                    Some(ns) if kind == Change::Added && !before.contains_key(ns) => {
                        t.ns_added.insert(ns);
                    }
                    Some(ns) if kind == Change::Removed && !now.contains_key(ns) => {
                        t.ns_removed.insert(ns);
                    }
                    Some(ns) => {
                        t.ns_changed.insert(ns);
                    }
                    None if access_of(p).is_some() => {
                        // The provider side of a tenant namespace's store
                        // counts for it; others are cluster-wide (Option B).
                        match access_of(p)
                            .map(|(ns, _, _)| ns)
                            .filter(|ns| now.contains_key(*ns) || before.contains_key(*ns))
                        {
                            Some(ns) if !t.ns_added.contains(ns) && !t.ns_removed.contains(ns) => {
                                t.ns_changed.insert(ns);
                            }
                            Some(_) => {}
                            None => {
                                t.shared.insert(p.as_str());
                            }
                        }
                    }
                    None if p.starts_with("bases/") => {
                        t.shared.insert(p.as_str());
                    }
                    None => {
                        t.other.insert(p.as_str());
                    }
                }
            }
        }
        for ns in t.ns_added.iter().chain(&t.ns_removed) {
            t.ns_changed.remove(ns);
        }
        t
    }
}

/// Teams added, changed and removed between the previous run and this one.
struct TeamChanges<'a> {
    /// Teams only this run has.
    added: BTreeSet<&'a str>,
    /// Teams in both runs with a namespace added, changed or removed.
    changed: BTreeSet<&'a str>,
    /// Teams only the previous run had.
    removed: BTreeSet<&'a str>,
}

impl<'a> TeamChanges<'a> {
    /// The teams of `now` and `before` compared, and the owners of the
    /// touched namespaces.
    fn between(touched: &Touched<'_>, now: &'a Teams, before: &'a Teams) -> Self {
        let teams_now: BTreeSet<&str> = now.values().map(String::as_str).collect();
        let teams_before: BTreeSet<&str> = before.values().map(String::as_str).collect();
        let team_added: BTreeSet<&str> = teams_now.difference(&teams_before).copied().collect();
        let team_removed: BTreeSet<&str> = teams_before.difference(&teams_now).copied().collect();
        let team_changed: BTreeSet<&str> = touched
            .ns_added
            .iter()
            .chain(&touched.ns_changed)
            .filter_map(|ns| now.get(*ns).map(String::as_str))
            .chain(
                touched
                    .ns_removed
                    .iter()
                    .filter_map(|ns| before.get(*ns).map(String::as_str)),
            )
            .filter(|t| !team_added.contains(t) && !team_removed.contains(t))
            .collect();
        Self {
            added: team_added,
            changed: team_changed,
            removed: team_removed,
        }
    }

    /// The subject line's words: teams added, updated and removed, or
    /// "update shared configuration" when no team is.
    fn subject(&self) -> String {
        let mut subject = Vec::new();
        if !self.added.is_empty() {
            subject.push(format!("add {}", short_list(&self.added)));
        }
        if !self.changed.is_empty() {
            subject.push(format!("update {}", short_list(&self.changed)));
        }
        if !self.removed.is_empty() {
            subject.push(format!("remove {}", short_list(&self.removed)));
        }
        if subject.is_empty() {
            subject.push("update shared configuration".to_owned());
        }
        subject.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn teams(pairs: &[(&str, &str)]) -> Teams {
        pairs
            .iter()
            .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
            .collect()
    }

    #[test]
    fn names_teams_and_namespaces() {
        let before = teams(&[("pay", "payments"), ("old", "legacy"), ("chk", "checkout")]);
        let now = teams(&[
            ("pay", "payments"),
            ("pay-batch", "payments"),
            ("chk", "checkout"),
            ("srch", "search"),
        ]);
        let changes = ChangeSet {
            added: vec![
                "overlays/pay-batch/kustomization.yaml".into(),
                "overlays/srch/kustomization.yaml".into(),
                "policies/srch/aws.iam-policy.json".into(),
            ],
            changed: vec![
                "overlays/chk/externalsecret-a.yaml".into(),
                OWNERSHIP_FILE.into(),
            ],
            removed: vec![
                "overlays/old/kustomization.yaml".into(),
                "policies/old/aws.iam-policy.json".into(),
            ],
            ..ChangeSet::default()
        };
        let msg = commit_message(&changes, &now, &before, "tenants.toml");
        assert_eq!(
            msg,
            "esogen: add search; update checkout, payments; remove legacy\n\n\
             Generated from tenants.toml by esogen.\n\n\
             Teams added: search\n\
             Teams changed: checkout, payments\n\
             Teams removed: legacy\n\
             Namespaces added: pay-batch, srch\n\
             Namespaces changed: chk\n\
             Namespaces removed: old\n\
             Access revoked:\n\
             - old (store aws): its policy documents are gone; revoke the role or binding by hand\n\
             Files: 3 added, 2 changed, 2 removed\n"
        );
    }

    #[test]
    fn the_summary_names_teams_like_the_commit_subject() {
        let before = teams(&[("pay", "payments"), ("old", "legacy")]);
        let now = teams(&[("pay", "payments"), ("srch", "search")]);
        let changes = ChangeSet {
            added: vec!["overlays/srch/kustomization.yaml".into()],
            changed: vec!["overlays/pay/externalsecret-a.yaml".into()],
            removed: vec![
                "overlays/old/kustomization.yaml".into(),
                "policies/old/aws.iam-policy.json".into(),
            ],
            ..ChangeSet::default()
        };
        let s = summary(&changes, &now, &before);
        assert_eq!(s.teams.removed, ["legacy"]);
        assert_eq!(s.namespaces.added, ["srch"]);
        assert_eq!(
            s.to_string(),
            "plan: add team search; update team payments; remove team legacy \
             (files: 1 to add, 1 to change, 2 to remove)"
        );
        let shared = ChangeSet {
            changed: vec!["bases/eso/values.yaml".into()],
            ..ChangeSet::default()
        };
        assert_eq!(
            summary(&shared, &now, &now).to_string(),
            "plan: update shared configuration (files: 0 to add, 1 to change, 0 to remove)"
        );
    }

    /// Issue 16 item 3: offboarding says what access goes, and how.
    #[test]
    fn removed_access_is_named_with_how_it_is_revoked() {
        let before = teams(&[("a", "alpha"), ("b", "beta"), ("c", "gamma")]);
        let now = teams(&[("c", "gamma")]);
        let changes = ChangeSet {
            removed: vec![
                "overlays/a/kustomization.yaml".into(),
                "bases/access/a.aws.yaml".into(),
                "overlays/b/kustomization.yaml".into(),
                "terraform/b.vault.tf.json".into(),
            ],
            changed: vec![
                "bases/access/kustomization.yaml".into(),
                "terraform/c.vault.tf.json".into(),
            ],
            ..ChangeSet::default()
        };
        let msg = commit_message(&changes, &now, &before, "tenants.toml");
        assert!(
            msg.contains(
                "Access revoked:\n\
                 - a (store aws): its controller objects are pruned on sync, and the controller deletes the role or binding\n\
                 - b (store vault): the next `terraform apply` destroys its resources\n"
            ),
            "{msg}"
        );
        // A changed store file counts for its namespace, not as shared.
        assert!(msg.contains("Namespaces changed: c\n"), "{msg}");
        assert!(
            msg.contains("Shared files changed: bases/access/kustomization.yaml\n"),
            "{msg}"
        );
    }

    #[test]
    fn long_lists_are_counted_in_the_subject() {
        let now: Teams = (0..10)
            .map(|i| (format!("n{i}"), format!("t{i}")))
            .collect();
        let changes = ChangeSet {
            added: (0..10)
                .map(|i| format!("overlays/n{i}/kustomization.yaml"))
                .collect(),
            ..ChangeSet::default()
        };
        let msg = commit_message(&changes, &now, &Teams::new(), "tenants.toml");
        assert!(
            msg.starts_with("esogen: add t0, t1, t2, t3 and 6 more\n"),
            "{msg}"
        );
        assert!(
            msg.contains("Teams added: t0, t1, t2, t3, t4, t5, t6, t7, t8, t9\n"),
            "the body lists all"
        );
    }

    #[test]
    fn shared_only() {
        let t = teams(&[("a", "a")]);
        let changes = ChangeSet {
            changed: vec!["bases/tenant/aws/secretstore.yaml".into()],
            ..ChangeSet::default()
        };
        let msg = commit_message(&changes, &t, &t, "tenants.toml");
        assert!(
            msg.starts_with("esogen: update shared configuration\n"),
            "{msg}"
        );
        assert!(msg.contains("Shared files changed: bases/tenant/aws/secretstore.yaml"));
    }
}
