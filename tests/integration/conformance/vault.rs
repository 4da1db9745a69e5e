//! Vault and OpenBao: a matcher for Vault's ACL path rules, replayed over the
//! paths ESO requests.
//!
//! The rules, as Vault documents them
//! (<https://developer.hashicorp.com/vault/docs/concepts/policies>, "Priority
//! matching") and implements them (`vault/acl.go`: `AllowOperation`,
//! `CheckAllowedFromNonExactPaths`):
//! - a path without `*` or `+` matches exactly; a LIST also matches the rule
//!   for the path without its trailing `/`;
//! - a trailing `*` is a prefix glob (not a segment: `secret/a*` matches
//!   `secret/ab/c`);
//! - `+` matches exactly one path segment;
//! - an exact rule wins over every wildcard rule; among wildcard rules the
//!   highest priority wins: the later first `+`/`*`, then no trailing `*`,
//!   then fewer `+` segments, then the longer path, then lexicographically
//!   larger. Only the longest matching plain prefix rule competes;
//! - a LIST on `p/` first tries the wildcard rules on `p`;
//! - the same path in several policies unites its capabilities; `deny` wins
//!   over every other capability of that rule.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::{Generated, Kind, Report, StoreUse, call_label, op_for, source, table};

#[derive(Debug, Default)]
pub struct Acl {
    exact: BTreeMap<String, BTreeSet<String>>,
    prefix: BTreeMap<String, BTreeSet<String>>,
    segment: BTreeMap<String, BTreeSet<String>>,
}

struct Wc<'a> {
    first: usize,
    is_prefix: bool,
    wildcards: usize,
    path: &'a str,
    caps: &'a BTreeSet<String>,
}

impl Acl {
    /// Adds one `path` rule; rules on the same path unite.
    pub fn add(&mut self, path: &str, caps: &[&str]) {
        let path = path.trim_start_matches('/');
        let map = if path.contains('+') {
            &mut self.segment
        } else if let Some(p) = path.strip_suffix('*') {
            return self
                .prefix
                .entry(p.to_owned())
                .or_default()
                .extend(caps.iter().map(|c| (*c).to_owned()));
        } else {
            &mut self.exact
        };
        map.entry(path.to_owned())
            .or_default()
            .extend(caps.iter().map(|c| (*c).to_owned()));
    }

    /// Every `path "..." { capabilities = [...] }` of an HCL policy.
    pub fn parse(text: &str) -> Vec<(String, Vec<String>)> {
        crate::common::vault_policy_paths(text)
    }

    fn non_exact(&self, path: &str) -> Option<(&str, bool, &BTreeSet<String>)> {
        let mut cands: Vec<Wc> = Vec::new();
        // Longest matching prefix rule only (a radix tree's LongestPrefix).
        if let Some((p, caps)) = self
            .prefix
            .iter()
            .filter(|(p, _)| path.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
        {
            cands.push(Wc {
                first: p.len(),
                is_prefix: true,
                wildcards: 0,
                path: p,
                caps,
            });
        }
        let parts: Vec<&str> = path.split('/').collect();
        'rules: for (full, caps) in &self.segment {
            let (cur, is_prefix) = match full.strip_suffix('*') {
                Some(c) => (c, true),
                None => (full.as_str(), false),
            };
            let rule: Vec<&str> = cur.split('/').collect();
            if parts.len() < rule.len() || (!is_prefix && rule.len() != parts.len()) {
                continue;
            }
            let mut wildcards = 0;
            for (i, r) in rule.iter().enumerate() {
                if *r == "+" {
                    wildcards += 1;
                } else if *r == parts[i]
                    || (is_prefix && i == rule.len() - 1 && parts[i].starts_with(r))
                {
                } else {
                    continue 'rules;
                }
            }
            cands.push(Wc {
                first: full.find('+').unwrap_or(full.len()),
                is_prefix,
                wildcards,
                path: cur,
                caps,
            });
        }
        cands
            .into_iter()
            .max_by(|a, b| {
                a.first
                    .cmp(&b.first)
                    .then(b.is_prefix.cmp(&a.is_prefix))
                    .then(b.wildcards.cmp(&a.wildcards))
                    .then(a.path.len().cmp(&b.path.len()))
                    .then(a.path.cmp(b.path))
            })
            .map(|w| (w.path, w.is_prefix, w.caps))
    }

    /// The rule that decides `op` on `path`, and its capabilities.
    pub fn decide(&self, op: &str, path: &str) -> Option<(String, &BTreeSet<String>)> {
        let path = path.trim_start_matches('/');
        if let Some(c) = self.exact.get(path) {
            return Some((path.to_owned(), c));
        }
        if op == "list" {
            let t = path.strip_suffix('/').unwrap_or(path);
            if let Some(c) = self.exact.get(t) {
                return Some((t.to_owned(), c));
            }
            if path.ends_with('/')
                && let Some((p, glob, c)) = self.non_exact(t)
            {
                return Some((rule_name(p, glob), c));
            }
        }
        self.non_exact(path)
            .map(|(p, glob, c)| (rule_name(p, glob), c))
    }

    pub fn allows(&self, op: &str, path: &str) -> bool {
        self.decide(op, path)
            .is_some_and(|(_, c)| !c.contains("deny") && c.contains(op))
    }
}

/// A rule as written in the policy: its path plus `*` when it is a glob.
fn rule_name(path: &str, glob: bool) -> String {
    if glob {
        format!("{path}*")
    } else {
        path.to_owned()
    }
}

/// The rules of Vault's built-in `default` policy that ESO relies on
/// (`vault/policy_store.go`, `defaultPolicy`).
const DEFAULT_POLICY: &[(&str, &[&str])] = &[
    ("auth/token/lookup-self", &["read"]),
    ("auth/token/renew-self", &["update"]),
    ("auth/token/revoke-self", &["update"]),
];

struct Paths<'a> {
    mount: &'a str,
    v2: bool,
}

impl Paths<'_> {
    /// ESO's buildPath: strips a leading `{mount}/`, then (KV v2) `data/`.
    fn build(&self, key: &str) -> String {
        let k = key.strip_prefix(&format!("{}/", self.mount)).unwrap_or(key);
        let k = if self.v2 {
            k.strip_prefix("data/").unwrap_or(k)
        } else {
            k
        };
        k.to_owned()
    }

    /// The concrete paths of one resource form for a key (a find path or a
    /// directory for the `-dir` forms).
    fn resolve(&self, form: &str, key: &str) -> Vec<String> {
        let m = self.mount;
        let dir = |k: &str| {
            if k.is_empty() || k.ends_with('/') {
                k.to_owned()
            } else {
                format!("{k}/")
            }
        };
        match form {
            "data" => vec![format!("{m}/data/{}", self.build(key))],
            "metadata" => vec![format!("{m}/metadata/{key}")],
            "metadata-dir" => vec![
                format!("{m}/metadata/{}", dir(key)),
                format!("{m}/metadata/{}x/", dir(key)),
            ],
            "kv1" => vec![format!("{m}/{}", self.build(key))],
            "kv1-dir" => vec![format!("{m}/{}", dir(key)), format!("{m}/{}x/", dir(key))],
            "token-lookup-self" => vec!["auth/token/lookup-self".into()],
            "token-revoke-self" => vec!["auth/token/revoke-self".into()],
            "sys-mount" => vec![format!("sys/mounts/{m}")],
            other => panic!("unknown Vault resource form {other}"),
        }
    }

    /// The resource form a policy path grants, for the surplus report.
    fn form_of(&self, path: &str, cap: &str) -> String {
        let m = self.mount;
        if path.starts_with("auth/token/lookup-self") {
            return "token-lookup-self".into();
        }
        if path.starts_with("auth/token/revoke-self") {
            return "token-revoke-self".into();
        }
        if path == format!("sys/mounts/{m}") {
            return "sys-mount".into();
        }
        let Some(rest) = path.strip_prefix(&format!("{m}/")) else {
            return format!("outside the mount: {path}");
        };
        let list = cap == "list";
        if self.v2 {
            if rest.starts_with("data/") {
                "data".into()
            } else if rest.starts_with("metadata/") {
                if list { "metadata-dir" } else { "metadata" }.into()
            } else {
                format!("neither data/ nor metadata/: {path}")
            }
        } else if list {
            "kv1-dir".into()
        } else {
            "kv1".into()
        }
    }
}

/// The parent folder of a key: `a/b/c` -> `a/b/`, `c` -> ``.
fn parent_dir(key: &str) -> String {
    let k = key.trim_end_matches('/');
    match k.rfind('/') {
        Some(i) => k[..=i].to_owned(),
        None => String::new(),
    }
}

fn check(g: &Generated, u: &StoreUse, report: &mut Report) {
    let label = u.label();
    let Some(policy) = g.file(&format!("{}vault-policy.hcl", u.policy_base)) else {
        report.add(
            Kind::Error,
            format!(
                "{label}: {}vault-policy.hcl is not generated",
                u.policy_base
            ),
        );
        return;
    };
    let role: Value = if let Some(t) = g.file(&format!("{}vault-role.json", u.policy_base)) {
        serde_json::from_str(t).expect("the Vault role is JSON")
    } else {
        report.add(
            Kind::Error,
            format!("{label}: {}vault-role.json is not generated", u.policy_base),
        );
        Value::Null
    };
    let v = &u.store["spec"]["provider"]["vault"];
    let mount = v["path"].as_str().unwrap_or("secret");
    let paths = Paths {
        mount,
        v2: v["version"].as_str() != Some("v1"),
    };

    // Trust: the role binds exactly the store's ServiceAccount.
    let sa_ref = &v["auth"]["kubernetes"]["serviceAccountRef"];
    let sa = sa_ref["name"].as_str().unwrap_or_default();
    if role["bound_service_account_names"] != serde_json::json!([sa]) {
        report.add(
            Kind::Trust,
            format!(
                "{label}: role binds ServiceAccounts {} instead of exactly [{sa}]",
                role["bound_service_account_names"]
            ),
        );
    }
    if role["bound_service_account_namespaces"] != serde_json::json!([u.sa_namespace]) {
        report.add(
            Kind::Trust,
            format!(
                "{label}: role binds namespaces {} instead of exactly [{}]",
                role["bound_service_account_namespaces"], u.sa_namespace
            ),
        );
    }
    let auds = sa_ref["audiences"].as_array().cloned().unwrap_or_default();
    if !auds.contains(&role["audience"]) {
        report.add(
            Kind::Trust,
            format!(
                "{label}: role audience {} is not among the store's audiences {auds:?}",
                role["audience"]
            ),
        );
    }

    let rules = Acl::parse(policy);
    let mut acl = Acl::default();
    for (p, caps) in &rules {
        acl.add(p, &caps.iter().map(String::as_str).collect::<Vec<_>>());
    }
    if role["token_no_default_policy"] != true {
        for (p, caps) in DEFAULT_POLICY {
            acl.add(p, caps);
        }
    }

    // Required calls on the namespace's own keys.
    let mut needed: BTreeSet<(String, String)> = BTreeSet::new();
    for r in &u.requests {
        let Some(op) = op_for(u, r, report) else {
            continue;
        };
        for c in &op.call {
            if u.holds(c.cond.as_deref(), r) != Some(true) {
                continue;
            }
            needed.insert((c.action.clone(), c.resource.clone()));
            let key = match (r.operation, c.resource.as_str()) {
                (_, "metadata-dir" | "kv1-dir") => r.key.clone().unwrap_or_default(),
                // Vault lists folders: the names found are `{path}/...`.
                ("find-path", _) => {
                    let p = r.key.clone().unwrap_or_default();
                    format!("{}/x", p.trim_end_matches('/'))
                }
                ("find-name" | "find-tags", _) => format!("{}x", u.prefix),
                _ => r.key.clone().unwrap_or_default(),
            };
            for path in paths.resolve(&c.resource, &key) {
                report.checked += 1;
                if !acl.allows(&c.action, &path) && !c.tolerated {
                    let rule = acl.decide(&c.action, &path).map_or_else(
                        || "no rule matches".into(),
                        |(p, caps)| format!("rule {p:?} gives {caps:?}"),
                    );
                    report.add(
                        Kind::Missing,
                        format!(
                            "{label}: {} needs {} `{}` on {path} ({rule}) [{}]",
                            r.object,
                            call_label(op, c),
                            c.action,
                            source(op, c)
                        ),
                    );
                }
            }
        }
    }

    // Every call of every operation is denied on foreign keys.
    for fk in g.foreign_keys(u) {
        for op in table().ops(u.row) {
            for c in &op.call {
                let key = match c.resource.as_str() {
                    "metadata-dir" | "kv1-dir" => parent_dir(&fk),
                    "data" | "metadata" | "kv1" => fk.clone(),
                    _ => continue,
                };
                for path in paths.resolve(&c.resource, &key) {
                    report.checked += 1;
                    if acl.allows(&c.action, &path) {
                        let (rule, _) = acl.decide(&c.action, &path).unwrap();
                        report.add(
                            Kind::Leak,
                            format!(
                                "{label}: `{}` on {path} (another team's or a near-miss key, {}) is allowed by rule {rule:?}",
                                c.action,
                                call_label(op, c)
                            ),
                        );
                    }
                }
            }
        }
    }

    // Surplus: capabilities no applicable call needs.
    for (p, caps) in &rules {
        for cap in caps {
            let form = paths.form_of(p, cap);
            if !needed.contains(&(cap.clone(), form.clone())) {
                report.add(
                    Kind::Surplus,
                    format!(
                        "{label}: `{cap}` on {p:?} ({form}) is granted but no requested operation of {} needs it (requested: {})",
                        u.row,
                        requested(u)
                    ),
                );
            }
        }
    }
}

pub fn requested(u: &StoreUse) -> String {
    let ops: BTreeSet<&str> = u.requests.iter().map(|r| r.operation).collect();
    ops.into_iter().collect::<Vec<_>>().join(", ")
}

#[test]
fn conformance_vault_policies_match_eso_paths() {
    super::check_family("vault", 4, "Vault/OpenBao", check);
}

#[test]
fn conformance_vault_matcher_follows_vault_docs() {
    let acl = |rules: &[(&str, &[&str])]| {
        let mut a = Acl::default();
        for (p, c) in rules {
            a.add(p, c);
        }
        a
    };
    // Exact path.
    let a = acl(&[("secret/foo", &["read"])]);
    assert!(a.allows("read", "secret/foo"));
    assert!(!a.allows("read", "secret/foo/bar"));
    assert!(!a.allows("read", "secret/fo"));
    // A glob is a prefix, not a segment.
    let a = acl(&[("secret/foo*", &["read"])]);
    for p in ["secret/foo", "secret/food", "secret/foo/bar"] {
        assert!(a.allows("read", p), "{p}");
    }
    assert!(!a.allows("read", "secret/fo"));
    // `+` is one segment (docs: "secret/+/teamb").
    let a = acl(&[("secret/+/teamb", &["read"])]);
    assert!(a.allows("read", "secret/foo/teamb"));
    assert!(!a.allows("read", "secret/foo/bar/teamb"));
    assert!(!a.allows("read", "secret/teamb"));
    let a = acl(&[("secret/+/+/teamb*", &["read"])]);
    assert!(a.allows("read", "secret/a/b/teamb/c"));
    assert!(!a.allows("read", "secret/a/teamb/c"));
    // The more specific rule wins, it does not add up (docs: "secret/*"
    // create vs "secret/foo/*" read).
    let a = acl(&[("secret/*", &["create"]), ("secret/foo/*", &["read"])]);
    assert!(a.allows("read", "secret/foo/bar"));
    assert!(!a.allows("create", "secret/foo/bar"));
    assert!(a.allows("create", "secret/bar"));
    // Exact beats glob; deny wins in its rule.
    let a = acl(&[("secret/*", &["read"]), ("secret/x", &["deny"])]);
    assert!(!a.allows("read", "secret/x"));
    assert!(a.allows("read", "secret/y"));
    // Later first wildcard wins: foo/a* over foo/+ (acl.go comment).
    let a = acl(&[("foo/a*", &["read"]), ("foo/+", &["deny"])]);
    assert!(a.allows("read", "foo/ab"));
    assert!(!a.allows("read", "foo/b"));
    // At the same position, no trailing glob wins: foo/+ over foo/*.
    let a = acl(&[("foo/*", &["read"]), ("foo/+", &["list"])]);
    assert!(!a.allows("read", "foo/b"));
    assert!(a.allows("list", "foo/b"));
    assert!(a.allows("read", "foo/b/c"));
    // Fewer `+` wins: foo/bar/+/baz over foo/+/+/baz.
    let a = acl(&[("foo/bar/+/baz", &["read"]), ("foo/+/+/baz", &["update"])]);
    assert!(a.allows("read", "foo/bar/x/baz"));
    assert!(!a.allows("update", "foo/bar/x/baz"));
    // Same pattern twice: capabilities unite.
    let a = acl(&[("secret/a/*", &["read"]), ("secret/a/*", &["list"])]);
    assert!(a.allows("read", "secret/a/x") && a.allows("list", "secret/a/x/"));
    // LIST on a folder: `p/*` matches `p/` itself; an exact rule without
    // the trailing slash matches too.
    let a = acl(&[("secret/metadata/a/*", &["list"])]);
    assert!(a.allows("list", "secret/metadata/a/"));
    assert!(a.allows("list", "secret/metadata/a/b/"));
    assert!(!a.allows("list", "secret/metadata/"));
    let a = acl(&[("secret/metadata/a", &["list"])]);
    assert!(a.allows("list", "secret/metadata/a/"));
    assert!(!a.allows("read", "secret/metadata/a/"));
}

#[test]
fn conformance_vault_matcher_denies_another_prefix() {
    // The evaluator can fail: a policy on a/ does not reach b/ or ab/.
    let mut a = Acl::default();
    a.add("secret/data/a/*", &["read"]);
    assert!(a.allows("read", "secret/data/a/x"));
    assert!(!a.allows("read", "secret/data/b/x"));
    assert!(!a.allows("read", "secret/data/ab/x"));
    assert!(!a.allows("update", "secret/data/a/x"));
    let p = Paths {
        mount: "secret",
        v2: true,
    };
    assert_eq!(p.resolve("data", "secret/a/x"), ["secret/data/a/x"]);
    assert_eq!(p.resolve("data", "data/a/x"), ["secret/data/a/x"]);
    assert_eq!(p.resolve("metadata", "a/x"), ["secret/metadata/a/x"]);
    assert_eq!(
        p.resolve("metadata-dir", "a/"),
        ["secret/metadata/a/", "secret/metadata/a/x/"]
    );
    assert_eq!(parent_dir("prod/b/x"), "prod/b/");
    assert_eq!(parent_dir("x"), "");
}

#[test]
fn conformance_vault_check_catches_a_widened_policy() {
    // The whole chain can fail: payments' policy widened to prod/ leaks
    // reporting's secrets and loses the metadata listing its find needs.
    let mut g = super::load(
        "mutated-vault",
        &crate::common::repo_root().join("examples/vault/tenants.toml"),
    );
    g.files.insert(
        "policies/payments/vault.vault-policy.hcl".into(),
        "path \"secret/data/prod/*\" {\n  capabilities = [\"read\"]\n}\n".into(),
    );
    let mut report = Report::default();
    for u in g.uses.iter().filter(|u| u.namespace == "payments") {
        check(&g, u, &mut report);
    }
    let has = |k: Kind, needle: &str| {
        report
            .findings
            .iter()
            .any(|(kind, t)| *kind == k && t.contains(needle))
    };
    assert!(
        has(Kind::Leak, "secret/data/prod/reporting/warehouse"),
        "{:#?}",
        report.findings
    );
    assert!(
        has(
            Kind::Missing,
            "`list` on secret/metadata/prod/payments/api-keys/"
        ),
        "{:#?}",
        report.findings
    );
}
