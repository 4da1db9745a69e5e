//! Which teams' prefixes overlap, in O(n log n). Consumes each team's
//! overlap scope and prefix as its provider's policies see them; produces
//! groups of teams with the same prefix and, for each group, the groups
//! whose prefix contains its own, then one diagnostic per group.
//!
//! Two prefixes overlap when one is a string prefix of the other
//! ([`PathPrefix::overlaps`](super::types::PathPrefix::overlaps)). Sorted,
//! every string that starts with `p` comes right after `p`, so one pass
//! with a stack of the prefixes containing the current one finds every
//! nesting; comparing every pair instead costs T² (BENCHMARKS.md has the numbers)
//! and reports T² findings when many teams share one prefix (issue 14,
//! item 10).

use super::Team;
use crate::diag::{Code, Diagnostic};

/// Teams listed by name in one message, at most; the rest are counted.
const MAX_NAMES: usize = 5;
/// Secondary labels on one diagnostic, at most; the rest are counted in
/// its message.
const MAX_LABELS: usize = 10;

/// The overlaps among a list of teams, as groups of team indices.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Overlaps {
    /// Teams with the same scope and prefix, each group in input order;
    /// groups sorted by scope and prefix. Every team with a scope is in
    /// exactly one group.
    pub groups: Vec<Vec<usize>>,
    /// For each group, the nearest group of the same scope whose prefix is
    /// a proper string prefix of its own.
    pub parent: Vec<Option<usize>>,
}

impl Overlaps {
    /// Groups of two teams or more: each pair in one overlaps.
    pub fn shared(&self) -> impl Iterator<Item = &[usize]> {
        self.groups
            .iter()
            .filter(|g| g.len() > 1)
            .map(Vec::as_slice)
    }

    /// The groups whose prefix lies inside another group's, each with its
    /// enclosing groups, nearest first.
    pub fn nested(&self) -> impl Iterator<Item = (usize, Vec<usize>)> + '_ {
        (0..self.groups.len()).filter_map(|g| {
            let ancestors = self.ancestors(g);
            (!ancestors.is_empty()).then_some((g, ancestors))
        })
    }

    /// The groups whose prefix contains group `g`'s, nearest first. A chain
    /// is at most as long as the longest prefix (512 bytes).
    pub fn ancestors(&self, g: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut at = self.parent.get(g).copied().flatten();
        while let Some(a) = at {
            out.push(a);
            at = self.parent.get(a).copied().flatten();
        }
        out
    }

    /// Every overlapping pair of team indices `(i, j)` with `i < j`, sorted.
    /// As many as T² pairs: for tests that compare with a pairwise check.
    pub fn pairs(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for g in self.shared() {
            for (k, &i) in g.iter().enumerate() {
                for &j in &g[k + 1..] {
                    out.push((i.min(j), i.max(j)));
                }
            }
        }
        for (g, ancestors) in self.nested() {
            for a in ancestors {
                for &i in &self.groups[g] {
                    for &j in &self.groups[a] {
                        out.push((i.min(j), i.max(j)));
                    }
                }
            }
        }
        out.sort_unstable();
        out
    }
}

/// Finds the overlaps among `entries`: per team, its overlap scope and its
/// prefix as the provider compares it, or `None` to leave the team out (its
/// provider is unknown). Prefixes overlap only within one scope.
pub fn find(entries: &[Option<(&str, &str)>]) -> Overlaps {
    let mut order: Vec<usize> = (0..entries.len())
        .filter(|&i| entries[i].is_some())
        .collect();
    // Stable: teams with the same key stay in input order.
    order.sort_by_key(|&i| entries[i]);
    let mut out = Overlaps::default();
    let mut keys: Vec<(&str, &str)> = Vec::new();
    for i in order {
        let Some(key) = entries[i] else { continue };
        match out.groups.last_mut() {
            Some(group) if keys.last() == Some(&key) => group.push(i),
            _ => {
                keys.push(key);
                out.groups.push(vec![i]);
            }
        }
    }
    // The stack holds the groups whose prefix contains the current one,
    // outermost first: if `a` is a prefix of `c` and `a <= b <= c`, then `a`
    // is a prefix of `b`, so nothing between an ancestor and its descendant
    // pops the ancestor.
    let mut stack: Vec<usize> = Vec::new();
    for (g, (scope, prefix)) in keys.iter().enumerate() {
        while let Some(&top) = stack.last() {
            let (top_scope, top_prefix) = keys[top];
            if top_scope == *scope && prefix.starts_with(top_prefix) {
                break;
            }
            stack.pop();
        }
        out.parent.push(stack.last().copied());
        stack.push(g);
    }
    out
}

/// "team `a`", "teams `a` and `b`", "teams `a`, `b`, ... and 12 more": the
/// teams of group `g`, the first few by name.
fn team_list(overlaps: &Overlaps, g: usize, teams: &[Team]) -> String {
    let group = overlaps.groups.get(g).map_or(&[][..], Vec::as_slice);
    let names: Vec<String> = group
        .iter()
        .take(MAX_NAMES)
        .filter_map(|&i| teams.get(i))
        .map(|t| format!("`{}`", t.name.value))
        .collect();
    let more = group.len().saturating_sub(names.len());
    match (names.split_last(), more) {
        (Some((only, [])), 0) => format!("team {only}"),
        (Some((last, rest)), 0) => format!("teams {} and {last}", rest.join(", ")),
        _ => format!("teams {} and {more} more", names.join(", ")),
    }
}

/// The first team of group `g`: the one its diagnostics point at.
fn first_of<'a>(overlaps: &Overlaps, g: usize, teams: &'a [Team]) -> Option<&'a Team> {
    overlaps
        .groups
        .get(g)
        .and_then(|group| group.first())
        .and_then(|&i| teams.get(i))
}

/// One diagnostic per group of teams sharing a prefix, and one per group
/// whose prefix lies inside others', naming every enclosing prefix once.
/// Each lists a few teams and prefixes and counts the rest, so the output
/// grows with the number of groups, not of pairs. `overlaps` must come from
/// [`find`] over the same `teams`.
pub fn diagnostics(overlaps: &Overlaps, teams: &[Team]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for (g, group) in overlaps.groups.iter().enumerate() {
        let Some(first) = first_of(overlaps, g, teams) else {
            continue;
        };
        if group.len() > 1 {
            let mut d = Diagnostic::error(
                Code::OverlappingPrefix,
                format!(
                    "prefix `{}` is shared by {}",
                    first.prefix.value,
                    team_list(overlaps, g, teams)
                ),
            )
            .at_labelled(&first.prefix.span, format!("team `{}`", first.name.value));
            for t in group
                .iter()
                .skip(1)
                .take(MAX_LABELS)
                .filter_map(|&i| teams.get(i))
            {
                d = d.also(&t.prefix.span, format!("team `{}`", t.name.value));
            }
            out.push(d.help(
                "each of these teams could read the others' secrets; give every team its own prefix, ending with `/`",
            ));
        }
        let ancestors = overlaps.ancestors(g);
        if ancestors.is_empty() {
            continue;
        }
        let described: Vec<(String, String)> = ancestors
            .iter()
            .take(MAX_NAMES)
            .filter_map(|&a| {
                let t = first_of(overlaps, a, teams)?;
                Some((t.prefix.value.to_string(), team_list(overlaps, a, teams)))
            })
            .collect();
        let more = ancestors.len().saturating_sub(described.len());
        let listed: Vec<String> = described
            .iter()
            .map(|(p, owners)| format!("`{p}` ({owners})"))
            .collect();
        let containing = match (described.as_slice(), listed.split_last(), more) {
            ([(p, owners)], _, 0) => format!("prefix `{p}` of {owners}"),
            (_, Some((last, rest)), 0) => format!("prefixes {} and {last}", rest.join(", ")),
            _ => format!("prefixes {} and {more} more", listed.join(", ")),
        };
        let mut d = Diagnostic::error(
            Code::OverlappingPrefix,
            format!(
                "prefix `{}` of {} overlaps {containing}",
                first.prefix.value,
                team_list(overlaps, g, teams)
            ),
        )
        .at_labelled(&first.prefix.span, "overlaps");
        for t in ancestors
            .iter()
            .take(MAX_LABELS)
            .filter_map(|&a| first_of(overlaps, a, teams))
        {
            d = d.also(&t.prefix.span, "this prefix");
        }
        out.push(d.help(
            "one team could read the other's secrets; give each team a prefix that is not a string prefix of another's, ending with `/`",
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(entries: &[(&str, &str)]) -> Vec<(usize, usize)> {
        let entries: Vec<Option<(&str, &str)>> = entries.iter().copied().map(Some).collect();
        find(&entries).pairs()
    }

    #[test]
    fn groups_and_nestings() {
        assert_eq!(pairs(&[("s", "a/"), ("s", "b/")]), []);
        assert_eq!(pairs(&[("s", "a/"), ("s", "a/")]), [(0, 1)]);
        assert_eq!(pairs(&[("s", "a/b/"), ("s", "a/")]), [(0, 1)]);
        // Another scope never overlaps.
        assert_eq!(pairs(&[("s", "a/"), ("t", "a/b/")]), []);
        // `a/b/` sorts between `a/` and `a/c/x/` but does not pop `a/`.
        assert_eq!(
            pairs(&[("s", "a/"), ("s", "a/b/"), ("s", "a/c/x/"), ("s", "a/c/")]),
            [(0, 1), (0, 2), (0, 3), (2, 3)]
        );
        // A sibling that sorts between a prefix and its descendant.
        assert_eq!(
            pairs(&[("s", "a"), ("s", "a-"), ("s", "a/x")]),
            [(0, 1), (0, 2)]
        );
    }

    #[test]
    fn a_shared_prefix_is_one_group() {
        let entries: Vec<Option<(&str, &str)>> = (0..2000).map(|_| Some(("s", "p/"))).collect();
        let o = find(&entries);
        assert_eq!(o.groups.len(), 1);
        assert_eq!(o.shared().count(), 1);
        assert_eq!(o.nested().count(), 0);
        assert_eq!(o.pairs().len(), 2000 * 1999 / 2);
    }

    #[test]
    fn teams_without_a_scope_are_left_out() {
        let o = find(&[Some(("s", "a/")), None, Some(("s", "a/"))]);
        assert_eq!(o.groups, [vec![0, 2]]);
    }
}
