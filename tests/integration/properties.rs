//! Rules that must hold for every input: keys and IAM resources stay under
//! the team prefix, overlapping prefixes are always refused, and output is
//! deterministic.

use std::collections::BTreeMap;

use esogen::pipeline;
use proptest::prelude::*;
use serde_json::Value;

use crate::common::parse_yaml_docs;

const ARN: &str = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:";

#[derive(Debug, Clone)]
struct TeamSpec {
    prefix: String,
    namespaces: usize,
    secrets: Vec<(u8, String)>,
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("prod".to_owned()),
        Just("pay".to_owned()),
        Just("payments".to_owned()),
        Just("a".to_owned()),
        Just("ab".to_owned()),
        "[a-z0-9_=@+-][a-z0-9_.=@+-]{0,5}",
    ]
}

fn prefix() -> impl Strategy<Value = String> {
    (prop::collection::vec(segment(), 1..4), any::<bool>()).prop_map(|(segs, slash)| {
        let mut p = segs.join("/");
        if slash {
            p.push('/');
        }
        p
    })
}

fn team() -> impl Strategy<Value = TeamSpec> {
    (
        prefix(),
        1usize..4,
        prop::collection::vec((0u8..4, "[a-z0-9/._-]{1,12}"), 0..5),
    )
        .prop_map(|(prefix, namespaces, secrets)| TeamSpec {
            prefix,
            namespaces,
            secrets,
        })
}

fn config(teams: &[TeamSpec], scope: &str) -> String {
    let mut s = format!(
        r#"version = 1
[cluster]
name = "prop"
platform = "eks"
store_scope = "{scope}"
[providers.aws]
kind = "aws-secrets-manager"
region = "eu-west-1"
account_id = "123456789012"
oidc_provider = "oidc.eks.eu-west-1.amazonaws.com/id/P"
"#
    );
    for (i, t) in teams.iter().enumerate() {
        let ns: Vec<String> = (0..t.namespaces)
            .map(|j| format!("\"t{i}-n{j}\""))
            .collect();
        s.push_str(&format!(
            "[[teams]]\nname = \"t{i}\"\nprovider = \"aws\"\nprefix = {:?}\nnamespaces = [{}]\n",
            t.prefix,
            ns.join(", ")
        ));
        for (j, (shape, suffix)) in t.secrets.iter().enumerate() {
            // Mostly keys under the prefix, sometimes arbitrary keys, which
            // must then be refused.
            let key = if *shape == 3 {
                suffix.clone()
            } else {
                format!("{}{suffix}", t.prefix)
            };
            let entry = match shape {
                1 => format!("{{ name = \"s{j}\", key = {key:?}, data = {{ k = \"p\" }} }}"),
                2 => format!("{{ name = \"s{j}\", find = {{ path = {key:?} }} }}"),
                // 0, and 3 (a key outside the prefix).
                _ => format!("{{ name = \"s{j}\", key = {key:?} }}"),
            };
            s.push_str(&format!(
                "[[teams.secrets]]\n{}\n",
                &entry[1..entry.len() - 1].replace(", ", "\n")
            ));
        }
    }
    s
}

fn keys_of(es: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for d in es["spec"]["data"].as_array().into_iter().flatten() {
        out.push(d["remoteRef"]["key"].as_str().unwrap().to_owned());
    }
    for d in es["spec"]["dataFrom"].as_array().into_iter().flatten() {
        if let Some(k) = d["extract"]["key"].as_str() {
            out.push(k.to_owned());
        }
        if let Some(p) = d["find"]["path"].as_str() {
            out.push(p.to_owned());
        }
    }
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn keys_and_grants_stay_under_the_team_prefix(
        teams in prop::collection::vec(team(), 1..5),
        scope in prop_oneof![Just("auto"), Just("namespace"), Just("cluster")],
    ) {
        let text = config(&teams, scope);
        let (_, result, diags) = pipeline::generate_text("tenants.toml", &text);
        let overlapping = teams.iter().enumerate().any(|(i, a)| {
            teams.iter().skip(i + 1).any(|b| a.prefix.starts_with(&b.prefix) || b.prefix.starts_with(&a.prefix))
        });
        if overlapping {
            prop_assert!(diags.0.iter().any(|d| d.code.name() == "overlapping-prefix"), "{text}");
            prop_assert!(result.is_err());
        }
        let Ok(generated) = result else { return Ok(()) };
        let tree = generated.tree;

        let mut prefix_of_ns: BTreeMap<String, String> = BTreeMap::new();
        for (i, t) in teams.iter().enumerate() {
            for j in 0..t.namespaces {
                prefix_of_ns.insert(format!("t{i}-n{j}"), t.prefix.clone());
            }
        }
        let all_prefixes: Vec<&String> = teams.iter().map(|t| &t.prefix).collect();
        for (path, bytes) in tree.iter() {
            let parts: Vec<&str> = path.split('/').collect();
            if parts[0] == "overlays" && parts[2].starts_with("externalsecret-") {
                let prefix = &prefix_of_ns[parts[1]];
                for es in parse_yaml_docs(&String::from_utf8_lossy(bytes)) {
                    for key in keys_of(&es) {
                        prop_assert!(key.starts_with(prefix.as_str()), "{key} outside {prefix} in {path}");
                    }
                }
            }
            if parts[0] == "policies" && path.ends_with(".iam-policy.json") {
                let doc: Value = serde_json::from_slice(bytes).unwrap();
                let allowed: Vec<&String> = match prefix_of_ns.get(parts[1]) {
                    Some(p) => vec![p],
                    None => all_prefixes.clone(),
                };
                for st in doc["Statement"].as_array().unwrap() {
                    for r in st["Resource"].as_array().unwrap() {
                        let r = r.as_str().unwrap();
                        if r == "*" {
                            let actions: Vec<&str> = st["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
                            prop_assert_eq!(actions, vec!["secretsmanager:BatchGetSecretValue", "secretsmanager:ListSecrets"]);
                            continue;
                        }
                        let granted = r.strip_prefix(ARN).and_then(|x| x.strip_suffix('*'));
                        prop_assert!(granted.is_some_and(|g| allowed.iter().any(|p| p.as_str() == g)), "{r} not a team prefix grant in {path}");
                    }
                }
            }
        }
        let (_, again, _) = pipeline::generate_text("tenants.toml", &text);
        prop_assert_eq!(&again.unwrap().tree, &tree);
    }
}

/// A prefix from a tiny alphabet, so that equal and nested prefixes are
/// common.
fn small_prefix() -> impl Strategy<Value = String> {
    (
        prop::collection::vec(prop_oneof![Just("a"), Just("b"), Just("ab")], 1..4),
        any::<bool>(),
    )
        .prop_map(|(segs, slash)| {
            let mut p = segs.join("/");
            if slash {
                p.push('/');
            }
            p
        })
}

/// Every overlapping pair `(i, j)`, `i < j`, the way the check worked
/// before issue 14: each pair of teams compared.
fn pairwise(entries: &[Option<(&str, &str)>]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    for (i, a) in entries.iter().enumerate() {
        for (j, b) in entries.iter().enumerate().skip(i + 1) {
            if let (Some((sa, pa)), Some((sb, pb))) = (a, b)
                && sa == sb
                && (pa.starts_with(pb) || pb.starts_with(pa))
            {
                out.push((i, j));
            }
        }
    }
    out
}

/// Three provider tables: `one` and `same` read the same account and
/// region (one overlap scope), `other` another account.
const THREE_PROVIDERS: &str = r#"version = 1
[cluster]
name = "prop"
platform = "eks"
[providers.one]
kind = "aws-secrets-manager"
region = "eu-west-1"
account_id = "111111111111"
oidc_provider = "oidc.eks.eu-west-1.amazonaws.com/id/P"
[providers.same]
kind = "aws-secrets-manager"
region = "eu-west-1"
account_id = "111111111111"
oidc_provider = "oidc.eks.eu-west-1.amazonaws.com/id/P"
[providers.other]
kind = "aws-secrets-manager"
region = "eu-west-1"
account_id = "222222222222"
oidc_provider = "oidc.eks.eu-west-1.amazonaws.com/id/P"
"#;

proptest! {
    #![proptest_config(ProptestConfig { cases: 500, .. ProptestConfig::default() })]

    /// Issue 14, item 10: the sorted, grouped overlap check finds exactly
    /// the pairs that comparing every pair finds.
    #[test]
    fn grouped_overlaps_are_exactly_the_pairwise_overlaps(
        entries in prop::collection::vec(
            prop::option::weighted(0.9, (prop_oneof![Just("s"), Just("t")], small_prefix())),
            0..40,
        ),
    ) {
        let entries: Vec<Option<(&str, &str)>> = entries
            .iter()
            .map(|e| e.as_ref().map(|(s, p)| (*s, p.as_str())))
            .collect();
        let overlaps = esogen::config::overlap::find(&entries);
        prop_assert_eq!(overlaps.pairs(), pairwise(&entries));
        // Each team is in one group, and nothing is reported twice.
        let mut seen: Vec<usize> = overlaps.groups.iter().flatten().copied().collect();
        seen.sort_unstable();
        let with_scope: Vec<usize> = (0..entries.len()).filter(|&i| entries[i].is_some()).collect();
        prop_assert_eq!(seen, with_scope);
        let pairs = overlaps.pairs();
        let mut unique = pairs.clone();
        unique.dedup();
        prop_assert_eq!(unique.len(), pairs.len());
    }

    /// The same through `check`: the `overlapping-prefix` findings (a
    /// group of teams sharing a prefix; a group inside enclosing prefixes)
    /// name exactly the pairs of teams whose prefixes overlap in one
    /// account, across provider tables.
    #[test]
    fn overlap_findings_name_exactly_the_overlapping_teams(
        teams in prop::collection::vec(
            (prop_oneof![Just("one"), Just("same"), Just("other")], small_prefix()),
            1..8,
        ),
    ) {
        let mut text = THREE_PROVIDERS.to_owned();
        // Where each team's prefix string starts in the file.
        let mut at: BTreeMap<usize, usize> = BTreeMap::new();
        for (i, (provider, prefix)) in teams.iter().enumerate() {
            text.push_str(&format!("[[teams]]\nname = \"t{i}\"\nprovider = \"{provider}\"\nprefix = "));
            at.insert(text.len(), i);
            text.push_str(&format!("{prefix:?}\nnamespaces = [\"n{i}\"]\n"));
        }
        let (_, _, diags) = pipeline::generate_text("tenants.toml", &text);
        let team_at = |l: &esogen::diag::Label| at.get(&l.span.range.start).copied();
        let found: Vec<&esogen::diag::Diagnostic> = diags
            .0
            .iter()
            .filter(|d| d.code.name() == "overlapping-prefix")
            .collect();
        // Teams sharing a prefix: the primary and every label.
        let mut group_of: Vec<Vec<usize>> = (0..teams.len()).map(|i| vec![i]).collect();
        let mut expected_shared = Vec::new();
        for d in found.iter().filter(|d| d.message.contains("is shared by")) {
            let group: Vec<usize> = d.primary.iter().chain(&d.secondary).filter_map(team_at).collect();
            for &i in &group {
                group_of[i] = group.clone();
            }
            expected_shared.push(group);
        }
        let mut pairs = Vec::new();
        for group in &expected_shared {
            for (k, &i) in group.iter().enumerate() {
                for &j in &group[k + 1..] {
                    pairs.push((i.min(j), i.max(j)));
                }
            }
        }
        // A prefix inside others: its group against each enclosing group.
        for d in found.iter().filter(|d| d.message.contains("overlaps")) {
            let inner = d.primary.as_ref().and_then(team_at);
            prop_assert!(inner.is_some(), "{}", d.message);
            for outer in d.secondary.iter().filter_map(team_at) {
                for &i in &group_of[inner.unwrap_or_default()] {
                    for &j in &group_of[outer] {
                        pairs.push((i.min(j), i.max(j)));
                    }
                }
            }
        }
        pairs.sort_unstable();
        let scope = |p: &str| if p == "other" { "222" } else { "111" };
        let entries: Vec<Option<(&str, &str)>> = teams
            .iter()
            .map(|(p, prefix)| Some((scope(p), prefix.as_str())))
            .collect();
        prop_assert_eq!(pairs, pairwise(&entries), "{}", text);
    }
}
