//! AWS Secrets Manager and Parameter Store: every request goes through the
//! offline IAM evaluator (`tests/conformance/iam-simulate`, the npm package
//! `@cloud-copilot/iam-simulate`, run as a separate process: AGPL, test-time
//! only), one batch per test. The IRSA trust policy is checked structurally
//! (exact `sub`, `aud`, federated principal) and through the evaluator.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use super::vault::requested;
use super::{
    Generated, Kind, Report, Request, StoreUse, all, call_label, load, note_shared_policies,
    op_for, source, table,
};
use crate::common::required;

/// The harness, or `None` (with a message) when it is not installed and not
/// required.
pub fn simulator() -> Option<PathBuf> {
    match std::env::var("ESOGEN_IAM_SIMULATE") {
        Ok(p) if PathBuf::from(&p).is_file() => Some(PathBuf::from(p)),
        other => {
            assert!(
                !required(),
                "ESOGEN_IAM_SIMULATE is required (ESOGEN_REQUIRE_TOOLS=1) but is {other:?}; .ci/run installs the harness \
                 (npm ci --prefix tests/conformance/iam-simulate) and exports it"
            );
            eprintln!(
                "SKIP: ESOGEN_IAM_SIMULATE is not set; run `npm ci --prefix tests/conformance/iam-simulate` and export \
                 ESOGEN_IAM_SIMULATE=$PWD/tests/conformance/iam-simulate/eval.mjs (or run .ci/run)"
            );
            None
        }
    }
}

/// Sends one batch to the harness; one result per request, same order.
pub fn simulate(sim: &Path, requests: &[Value]) -> Vec<Value> {
    let mut child = Command::new("node")
        .arg(sim)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("node runs the iam-simulate harness");
    let input = serde_json::to_vec(&json!({ "requests": requests })).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().expect("the harness finishes");
    writer
        .join()
        .unwrap()
        .expect("request written to the harness");
    assert!(
        out.status.success(),
        "iam-simulate failed ({}): {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("the harness answers JSON");
    let results = doc["results"].as_array().expect("results").clone();
    assert_eq!(results.len(), requests.len());
    results
}

struct Arns {
    partition: &'static str,
    region: String,
    account: String,
    store_prefix: String,
}

impl Arns {
    fn of(u: &StoreUse) -> Arns {
        let aws = &u.store["spec"]["provider"]["aws"];
        let region = aws["region"].as_str().expect("store region").to_owned();
        let partition = if region.starts_with("cn-") {
            "aws-cn"
        } else if region.starts_with("us-gov-") {
            "aws-us-gov"
        } else {
            "aws"
        };
        Arns {
            partition,
            region,
            account: u.provider_str("account_id").expect("account_id"),
            store_prefix: aws["prefix"].as_str().unwrap_or_default().to_owned(),
        }
    }

    fn secret(&self, key: &str) -> String {
        format!(
            "arn:{}:secretsmanager:{}:{}:secret:{}{key}-AbCdEf",
            self.partition, self.region, self.account, self.store_prefix
        )
    }

    fn parameter(&self, key: &str) -> String {
        let name = format!("{}{key}", self.store_prefix);
        format!(
            "arn:{}:ssm:{}:{}:parameter/{}",
            self.partition,
            self.region,
            self.account,
            name.trim_start_matches('/')
        )
    }

    /// GetParametersByPath is checked on the path's own ARN; find.path is
    /// sent verbatim, without the store prefix.
    fn path(&self, path: &str) -> String {
        format!(
            "arn:{}:ssm:{}:{}:parameter/{}",
            self.partition,
            self.region,
            self.account,
            path.trim_start_matches('/')
        )
    }

    fn resolve(&self, form: &str, key: &str) -> Option<String> {
        match form {
            "secret" => Some(self.secret(key)),
            "parameter" => Some(self.parameter(key)),
            "path" => Some(self.path(key)),
            "*" => Some("*".into()),
            _ => None,
        }
    }

    fn context(&self, call: &super::Call, resource: &str, worst_case: bool) -> Value {
        let mut ctx = serde_json::Map::new();
        for (k, v) in &call.context {
            if k.starts_with("kms:") {
                continue;
            }
            let v = v
                .replace("{region}", &self.region)
                .replace("{secret}", resource)
                .replace("{parameter}", resource);
            ctx.insert(k.clone(), Value::String(v));
        }
        if ctx.contains_key("aws:RequestTag/managed-by") {
            ctx.insert("aws:TagKeys".into(), json!(["managed-by"]));
        }
        if worst_case && (call.resource == "secret" || call.resource == "parameter") {
            ctx.entry("aws:ResourceTag/managed-by")
                .or_insert_with(|| json!("external-secrets"));
        }
        Value::Object(ctx)
    }
}

enum Expect {
    /// Must be allowed (a required call), with the request and call.
    Allow {
        text: String,
        depends_on: Option<usize>,
    },
    /// Evaluated to decide `by-path-denied`; may go either way.
    Probe,
    /// Must be denied.
    Deny { text: String },
}

struct Batch {
    requests: Vec<Value>,
    expect: Vec<(String, Expect, Value)>,
}

impl Batch {
    fn push(&mut self, label: &str, req: Value, expect: Expect, policy: &Value) -> usize {
        self.requests.push(req);
        self.expect.push((label.to_owned(), expect, policy.clone()));
        self.requests.len() - 1
    }
}

fn reason(result: &Value, policy: &Value) -> String {
    let d = &result["detail"];
    let mut parts = Vec::new();
    for g in d["grants"].as_array().into_iter().flatten() {
        parts.push(format!("granted by {}", statement(g, policy)));
    }
    for g in d["denials"].as_array().into_iter().flatten() {
        if g["statementIndex"].is_u64() {
            parts.push(format!("denied by {}", statement(g, policy)));
        } else {
            parts.push(format!(
                "no {} policy statement allows it",
                g["policyType"].as_str().unwrap_or("")
            ));
        }
    }
    format!(
        "{}{}",
        result["decision"].as_str().unwrap_or("?"),
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join("; "))
        }
    )
}

/// `statement N (Sid)` of the policy a grant or denial names.
fn statement(g: &Value, policy: &Value) -> String {
    let idx = g["statementIndex"].as_u64().unwrap_or(0) as usize;
    let sid = policy["Statement"]
        .get(idx.wrapping_sub(1))
        .and_then(|s| s["Sid"].as_str())
        .map(|s| format!(" {s}"))
        .unwrap_or_default();
    format!(
        "{} statement {idx}{sid}",
        g["policyIdentifier"]
            .as_str()
            .or(g["policyType"].as_str())
            .unwrap_or("")
    )
}

/// The provider's customer managed keys (`kms_key_arns`).
fn kms_keys(u: &StoreUse) -> Vec<String> {
    u.provider_cfg
        .get("kms_key_arns")
        .and_then(|v| v.as_array())
        .into_iter()
        .flatten()
        .filter_map(|k| k.as_str().map(str::to_owned))
        .collect()
}

/// A key policy that delegates to IAM, as the default key policy does: the
/// identity policy decides (KMS denies everything without a key policy).
fn key_policy(arns: &Arns) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"AWS": format!("arn:{}:iam::{}:root", arns.partition, arns.account)},
        "Action": "kms:*", "Resource": "*"}]})
}

fn own_key(u: &StoreUse, r: &Request, form: &str) -> String {
    match (r.operation, form) {
        ("find-path", "path") => r.key.clone().unwrap_or_default(),
        ("find-name", "path") => "/".into(),
        // A Parameter Store path is a hierarchy: what it returns is below it.
        ("find-path", "parameter") => {
            format!(
                "{}/x",
                r.key.clone().unwrap_or_default().trim_end_matches('/')
            )
        }
        ("find-path", _) => format!("{}x", r.key.clone().unwrap_or_default()),
        ("find-name" | "find-tags", _) => format!("{}x", u.prefix),
        _ => r.key.clone().unwrap_or_default(),
    }
}

/// Parent hierarchy of a parameter name: `/a/b/c` -> `/a/b/`.
fn parent_path(key: &str) -> String {
    let k = key.trim_end_matches('/');
    match k.rfind('/') {
        Some(i) => k[..=i].to_owned(),
        None => "/".into(),
    }
}

fn trust(g: &Generated, u: &StoreUse, batch: &mut Batch, report: &mut Report) {
    let label = u.label();
    if !u.tags.contains("irsa") {
        return;
    }
    let path = format!("{}trust-policy.json", u.policy_base);
    let Some(text) = g.file(&path) else {
        report.add(Kind::Trust, format!("{label}: IRSA store without {path}"));
        return;
    };
    let doc: Value = serde_json::from_str(text).expect("trust policy is JSON");
    let arns = Arns::of(u);
    let oidc = u.provider_str("oidc_provider").unwrap_or_default();
    let fed = format!(
        "arn:{}:iam::{}:oidc-provider/{oidc}",
        arns.partition, arns.account
    );
    let sa = u.store["spec"]["provider"]["aws"]["auth"]["jwt"]["serviceAccountRef"]["name"]
        .as_str()
        .unwrap_or_default();
    let sub = format!("system:serviceaccount:{}:{sa}", u.sa_namespace);
    let sts = u.service_account.as_ref().and_then(|s| {
        s["metadata"]["annotations"]["eks.amazonaws.com/audience"]
            .as_str()
            .map(str::to_owned)
    });
    let aud = sts.unwrap_or_else(|| "sts.amazonaws.com".into());
    let statements = doc["Statement"].as_array().cloned().unwrap_or_default();
    report.checked += 1;
    let exact = statements.len() == 1 && {
        let s = &statements[0];
        let cond = &s["Condition"];
        s["Effect"] == "Allow"
            && s["Principal"] == json!({ "Federated": fed })
            && (s["Action"] == "sts:AssumeRoleWithWebIdentity"
                || s["Action"] == json!(["sts:AssumeRoleWithWebIdentity"]))
            && cond.as_object().is_some_and(|c| c.len() == 1)
            && cond["StringEquals"]
                == json!({ format!("{oidc}:sub"): sub, format!("{oidc}:aud"): aud })
    };
    if !exact {
        report.add(
            Kind::Trust,
            format!(
                "{label}: {path} is not exactly one Allow of sts:AssumeRoleWithWebIdentity for Federated {fed} with StringEquals {oidc}:sub = {sub} and {oidc}:aud = {aud}: {doc}"
            ),
        );
    }
    let role = u
        .service_account
        .as_ref()
        .and_then(|s| s["metadata"]["annotations"]["eks.amazonaws.com/role-arn"].as_str())
        .map(str::to_owned);
    let Some(role) = role else {
        report.add(
            Kind::Trust,
            format!("{label}: the ServiceAccount has no eks.amazonaws.com/role-arn"),
        );
        return;
    };
    let assume = |sub: &str, aud: &str| {
        json!({
            "identity_policies": [],
            "action": "sts:AssumeRoleWithWebIdentity",
            "resource": role,
            "principal": fed,
            "resource_policy": doc,
            "context": { format!("{oidc}:sub"): sub, format!("{oidc}:aud"): aud },
        })
    };
    batch.push(
        &label,
        assume(&sub, &aud),
        Expect::Allow {
            text: format!("validate sts:AssumeRoleWithWebIdentity on {role} as {sub}"),
            depends_on: None,
        },
        &doc,
    );
    let mut others: BTreeSet<String> = g
        .uses
        .iter()
        .filter(|o| o.policy_base != u.policy_base)
        .map(|o| format!("system:serviceaccount:{}:{sa}", o.sa_namespace))
        .collect();
    others.insert(format!("system:serviceaccount:{}:default", u.sa_namespace));
    others.insert(format!("system:serviceaccount:{}x:{sa}", u.sa_namespace));
    others.remove(&sub);
    for o in others {
        batch.push(
            &label,
            assume(&o, &aud),
            Expect::Deny {
                text: format!("sts:AssumeRoleWithWebIdentity on {role} as {o}"),
            },
            &doc,
        );
    }
    batch.push(
        &label,
        assume(&sub, "not-sts"),
        Expect::Deny {
            text: format!("sts:AssumeRoleWithWebIdentity on {role} with audience not-sts"),
        },
        &doc,
    );
}

fn check(g: &Generated, u: &StoreUse, batch: &mut Batch, report: &mut Report) -> Option<Surplus> {
    let label = u.label();
    trust(g, u, batch, report);
    let path = format!("{}iam-policy.json", u.policy_base);
    let Some(text) = g.file(&path) else {
        report.add(Kind::Error, format!("{label}: {path} is not generated"));
        return None;
    };
    let policy: Value = serde_json::from_str(text).expect("IAM policy is JSON");
    let arns = Arns::of(u);
    let mut fallback: Vec<(usize, Vec<String>)> = Vec::new();
    let mut needed: BTreeSet<String> = BTreeSet::new();
    for r in &u.requests {
        let Some(op) = op_for(u, r, report) else {
            continue;
        };
        let mut probe: Option<usize> = None;
        let mut deferred = Vec::new();
        for c in &op.call {
            let holds = u.holds(c.cond.as_deref(), r);
            if holds == Some(false) {
                continue;
            }
            if holds == Some(true) {
                needed.insert(c.action.clone());
            } else {
                deferred.push(c.action.clone());
            }
            if c.resource == "role"
                || (c.resource == "kms-key" && !u.tags.contains("customer-managed-key"))
            {
                continue;
            }
            let resources: Vec<(String, Value)> = if c.resource == "kms-key" {
                kms_keys(u)
                    .into_iter()
                    .map(|k| (k, key_policy(&arns)))
                    .collect()
            } else {
                let key = own_key(u, r, &c.resource);
                vec![(arns.resolve(&c.resource, &key).unwrap(), Value::Null)]
            };
            for (res, key_policy) in resources {
                let mut ctx = arns.context(c, &res, false);
                if c.resource == "kms-key" {
                    let owner = if u.row == "aws-secrets-manager" {
                        (
                            "secretsmanager",
                            "kms:EncryptionContext:SecretARN",
                            arns.secret(&own_key(u, r, "secret")),
                        )
                    } else {
                        (
                            "ssm",
                            "kms:EncryptionContext:PARAMETER_ARN",
                            arns.parameter(&own_key(u, r, "parameter")),
                        )
                    };
                    ctx["kms:ViaService"] =
                        json!(format!("{}.{}.amazonaws.com", owner.0, arns.region));
                    ctx[owner.1] = json!(owner.2);
                }
                let mut req = json!({
                    "identity_policies": [policy],
                    "action": c.action,
                    "resource": res,
                    "context": ctx,
                });
                if !key_policy.is_null() {
                    req["resource_policy"] = key_policy;
                }
                let text = format!(
                    "{} needs {} `{}` on {res} [{}]",
                    r.object,
                    call_label(op, c),
                    c.action,
                    source(op, c)
                );
                report.checked += 1;
                let expect = if c.tolerated {
                    Expect::Probe
                } else {
                    Expect::Allow {
                        text,
                        depends_on: if holds.is_none() { probe } else { None },
                    }
                };
                let i = batch.push(&label, req, expect, &policy);
                if c.tolerated && c.action == "ssm:GetParametersByPath" {
                    probe = Some(i);
                }
            }
        }
        if let Some(p) = probe {
            fallback.push((p, deferred));
        } else {
            assert!(
                deferred.is_empty(),
                "{label}: by-path-denied without a probe"
            );
        }
    }

    // Foreign keys, every call of every operation, assuming the worst: the
    // other team's secret carries managed-by=external-secrets.
    let mut seen = BTreeSet::new();
    for fk in g.foreign_keys(u) {
        // A customer managed key decrypts only for the team's own objects.
        if u.tags.contains("customer-managed-key") {
            let (service, ctx_key, object) = if u.row == "aws-secrets-manager" {
                (
                    "secretsmanager",
                    "kms:EncryptionContext:SecretARN",
                    arns.secret(&fk),
                )
            } else {
                (
                    "ssm",
                    "kms:EncryptionContext:PARAMETER_ARN",
                    arns.parameter(&fk),
                )
            };
            for key in kms_keys(u) {
                for action in ["kms:Decrypt", "kms:GenerateDataKey", "kms:Encrypt"] {
                    report.checked += 1;
                    batch.push(
                        &label,
                        json!({"identity_policies": [policy], "action": action, "resource": key,
                               "resource_policy": key_policy(&arns),
                               "context": {"kms:ViaService": format!("{service}.{}.amazonaws.com", arns.region),
                                           ctx_key: object}}),
                        Expect::Deny {
                            text: format!("`{action}` on {key} for {object} (another team's or a near-miss key)"),
                        },
                        &policy,
                    );
                }
            }
        }
        for op in table().ops(u.row) {
            for c in &op.call {
                let key = match c.resource.as_str() {
                    "secret" | "parameter" => fk.clone(),
                    "path" => parent_path(&fk),
                    _ => continue,
                };
                let res = arns.resolve(&c.resource, &key).unwrap();
                let ctx = arns.context(c, &res, true);
                if !seen.insert((c.action.clone(), res.clone(), ctx.to_string())) {
                    continue;
                }
                report.checked += 1;
                batch.push(
                    &label,
                    json!({"identity_policies": [policy], "action": c.action, "resource": res, "context": ctx}),
                    Expect::Deny {
                        text: format!(
                            "`{}` on {res} (another team's or a near-miss key, {})",
                            c.action,
                            call_label(op, c)
                        ),
                    },
                    &policy,
                );
            }
        }
    }

    Some(Surplus {
        label,
        policy,
        needed,
        fallback,
        requested: requested(u),
    })
}

/// What the surplus report needs once the batch is judged.
struct Surplus {
    label: String,
    policy: Value,
    needed: BTreeSet<String>,
    /// (probe request, actions needed when the probe is denied).
    fallback: Vec<(usize, Vec<String>)>,
    requested: String,
}

fn granted_actions(policy: &Value) -> Vec<(String, String)> {
    // (action, resources) of every Allow statement.
    let mut out = Vec::new();
    for s in policy["Statement"].as_array().into_iter().flatten() {
        if s["Effect"] != "Allow" {
            continue;
        }
        let list = |v: &Value| -> Vec<String> {
            match v {
                Value::String(s) => vec![s.clone()],
                Value::Array(a) => a
                    .iter()
                    .filter_map(|x| x.as_str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            }
        };
        let res = list(&s["Resource"]).join(", ");
        for a in list(&s["Action"]) {
            out.push((a, res.clone()));
        }
        if s.get("NotAction").is_some() {
            out.push(("NotAction (everything else)".into(), res.clone()));
        }
    }
    out
}

#[test]
fn conformance_aws_policies_match_eso_calls() {
    let Some(sim) = simulator() else { return };
    let uses: Vec<(&Generated, &StoreUse)> = all()
        .iter()
        .flat_map(|g| g.uses.iter().map(move |u| (g, u)))
        .filter(|(_, u)| u.row.starts_with("aws-"))
        .collect();
    assert!(uses.len() >= 10, "{} AWS stores", uses.len());
    let mut report = replay(&sim, &uses);
    note_shared_policies(&mut report, "aws-secrets-manager");
    note_shared_policies(&mut report, "aws-parameter-store");
    report.finish("AWS");
}

/// Replays the table for these store uses in one harness batch.
fn replay(sim: &Path, uses: &[(&Generated, &StoreUse)]) -> Report {
    let mut report = Report::default();
    let mut batch = Batch {
        requests: Vec::new(),
        expect: Vec::new(),
    };
    let mut surplus = Vec::new();
    for (g, u) in uses {
        if let Some(s) = check(g, u, &mut batch, &mut report) {
            surplus.push(s);
        }
    }
    let start = std::time::Instant::now();
    let results = simulate(sim, &batch.requests);
    eprintln!(
        "iam-simulate: {} requests in {:.2?}",
        batch.requests.len(),
        start.elapsed()
    );
    let allowed = |i: usize| results[i]["decision"] == "Allowed";
    for (i, (label, expect, policy)) in batch.expect.iter().enumerate() {
        let r = &results[i];
        let errors = r["errors"].as_array().cloned().unwrap_or_default();
        if !errors.is_empty() {
            report.add(
                Kind::Error,
                format!(
                    "{label}: the evaluator could not judge {}: {errors:?}",
                    batch.requests[i]
                ),
            );
            continue;
        }
        match expect {
            Expect::Probe => {}
            Expect::Allow { text, depends_on } => {
                let required = depends_on.is_none_or(|p| !allowed(p));
                if required && !allowed(i) {
                    report.add(
                        Kind::Missing,
                        format!("{label}: {text}: {}", reason(r, policy)),
                    );
                }
            }
            Expect::Deny { text } => {
                if allowed(i) {
                    report.add(
                        Kind::Leak,
                        format!("{label}: {text} is {}", reason(r, policy)),
                    );
                }
            }
        }
    }
    for s in surplus {
        let mut needed = s.needed.clone();
        for (probe, actions) in &s.fallback {
            if !allowed(*probe) {
                needed.extend(actions.iter().cloned());
            }
        }
        let needed_lc: BTreeSet<String> = needed.iter().map(|a| a.to_ascii_lowercase()).collect();
        let mut by_action: BTreeMap<String, String> = BTreeMap::new();
        for (a, res) in granted_actions(&s.policy) {
            if !needed_lc.contains(&a.to_ascii_lowercase()) {
                by_action.insert(a, res);
            }
        }
        for (a, res) in by_action {
            report.add(
                Kind::Surplus,
                format!(
                    "{}: `{a}` on {res} is granted but no requested operation needs it (requested: {})",
                    s.label, s.requested
                ),
            );
        }
    }
    report
}

#[test]
fn conformance_aws_check_catches_a_widened_policy() {
    // The whole chain can fail: billing's policy widened to prod/* leaks
    // orders' secrets, and a trust policy on StringLike sub is refused.
    let Some(sim) = simulator() else { return };
    let mut g = load(
        "mutated-aws",
        &crate::common::repo_root().join("examples/aws-secrets-manager/tenants.toml"),
    );
    let p = "policies/billing/sm.iam-policy.json";
    let widened = g.files[p].replace("secret:prod/billing/*", "secret:prod/*");
    assert_ne!(widened, g.files[p]);
    g.files.insert(p.into(), widened);
    let t = "policies/billing/sm.trust-policy.json";
    let loose = g.files[t]
        .replace("StringEquals", "StringLike")
        .replace(":billing:", ":*:");
    g.files.insert(t.into(), loose);
    let uses: Vec<(&Generated, &StoreUse)> = g
        .uses
        .iter()
        .filter(|u| u.namespace == "billing")
        .map(|u| (&g, u))
        .collect();
    let report = replay(&sim, &uses);
    let has = |k: Kind, needle: &str| {
        report
            .findings
            .iter()
            .any(|(kind, t)| *kind == k && t.contains(needle))
    };
    assert!(
        has(Kind::Leak, "secret:prod/orders/db-AbCdEf"),
        "{:#?}",
        report.findings
    );
    assert!(
        has(Kind::Trust, "is not exactly one Allow"),
        "{:#?}",
        report.findings
    );
    assert!(
        has(Kind::Leak, "as system:serviceaccount:orders:eso-sm"),
        "{:#?}",
        report.findings
    );
}

#[test]
fn conformance_aws_evaluator_denies_a_near_miss() {
    let Some(sim) = simulator() else { return };
    let arn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:";
    let policy = |res: &str| {
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
            "Action": "secretsmanager:GetSecretValue", "Resource": format!("{arn}{res}")}]})
    };
    let req = |p: &Value, key: &str| {
        json!({"identity_policies": [p], "action": "secretsmanager:GetSecretValue",
               "resource": format!("{arn}{key}-AbCdEf")})
    };
    let slash = policy("prod/a/*");
    let glob = policy("prod/a*");
    let results = simulate(
        &sim,
        &[
            req(&slash, "prod/a/x"),
            req(&slash, "prod/ab/x"),
            req(&slash, "prod/b/x"),
            req(&glob, "prod/ab/x"),
        ],
    );
    let d: Vec<&str> = results
        .iter()
        .map(|r| r["decision"].as_str().unwrap())
        .collect();
    assert_eq!(
        d,
        ["Allowed", "ImplicitlyDenied", "ImplicitlyDenied", "Allowed"],
        "prod/a/* reaches prod/a/x only; prod/a* also reaches prod/ab/x: {results:?}"
    );
    assert_eq!(parent_path("/prod/shipping/x"), "/prod/shipping/");
    assert_eq!(parent_path("/x"), "/");
}
