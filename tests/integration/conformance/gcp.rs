//! GCP Secret Manager: each binding's IAM condition is CEL, evaluated with
//! the `cel` crate on the resource names ESO touches. Google documents the
//! attributes Secret Manager exposes to IAM Conditions
//! (<https://cloud.google.com/secret-manager/docs/access-control#conditions>,
//! <https://cloud.google.com/iam/docs/conditions-attribute-reference#resource-name>):
//! `resource.name` with the project NUMBER
//! (`projects/N/secrets/S`, `projects/N/secrets/S/versions/V`),
//! `resource.type` (`secretmanager.googleapis.com/Secret`,
//! `.../SecretVersion`) and `resource.service`
//! (`secretmanager.googleapis.com`).

use std::collections::BTreeSet;
use std::sync::Arc;

use cel::{Context, Env, Value as CelValue};
use serde_json::{Value, json};

use super::vault::requested;
use super::{Generated, Kind, Report, StoreUse, call_label, op_for, source, table};

/// Predefined roles, from Google's reference
/// <https://cloud.google.com/iam/docs/roles-permissions/secretmanager> and
/// <https://cloud.google.com/iam/docs/roles-permissions/iam>.
const PREDEFINED: &[(&str, &[&str])] = &[
    (
        "roles/secretmanager.secretAccessor",
        &[
            "resourcemanager.projects.get",
            "resourcemanager.projects.list",
            "secretmanager.versions.access",
        ],
    ),
    (
        "roles/secretmanager.secretVersionAdder",
        &[
            "resourcemanager.projects.get",
            "resourcemanager.projects.list",
            "secretmanager.versions.add",
        ],
    ),
    (
        "roles/secretmanager.secretVersionManager",
        &[
            "resourcemanager.projects.get",
            "resourcemanager.projects.list",
            "secretmanager.versions.add",
            "secretmanager.versions.destroy",
            "secretmanager.versions.disable",
            "secretmanager.versions.enable",
            "secretmanager.versions.get",
            "secretmanager.versions.list",
        ],
    ),
    (
        "roles/secretmanager.viewer",
        &[
            "resourcemanager.projects.get",
            "resourcemanager.projects.list",
            "secretmanager.locations.get",
            "secretmanager.locations.list",
            "secretmanager.secrets.get",
            "secretmanager.secrets.getIamPolicy",
            "secretmanager.secrets.list",
            "secretmanager.secrets.listEffectiveTags",
            "secretmanager.secrets.listTagBindings",
            "secretmanager.versions.get",
            "secretmanager.versions.list",
        ],
    ),
    (
        "roles/secretmanager.admin",
        &[
            "resourcemanager.projects.get",
            "resourcemanager.projects.list",
            "secretmanager.locations.get",
            "secretmanager.locations.list",
            "secretmanager.secrets.create",
            "secretmanager.secrets.createTagBinding",
            "secretmanager.secrets.delete",
            "secretmanager.secrets.deleteTagBinding",
            "secretmanager.secrets.get",
            "secretmanager.secrets.getIamPolicy",
            "secretmanager.secrets.list",
            "secretmanager.secrets.listEffectiveTags",
            "secretmanager.secrets.listTagBindings",
            "secretmanager.secrets.setIamPolicy",
            "secretmanager.secrets.update",
            "secretmanager.versions.access",
            "secretmanager.versions.add",
            "secretmanager.versions.destroy",
            "secretmanager.versions.disable",
            "secretmanager.versions.enable",
            "secretmanager.versions.get",
            "secretmanager.versions.list",
        ],
    ),
    (
        "roles/iam.workloadIdentityUser",
        &[
            "iam.serviceAccounts.get",
            "iam.serviceAccounts.getAccessToken",
            "iam.serviceAccounts.getOpenIdToken",
            "iam.serviceAccounts.list",
            "resourcemanager.projects.get",
            "resourcemanager.projects.list",
        ],
    ),
];

const WORKLOAD_IDENTITY_USER: &str = "roles/iam.workloadIdentityUser";

/// A resource as IAM Conditions see it.
#[derive(Debug, Clone)]
pub struct Resource {
    pub name: String,
    pub typ: &'static str,
    pub service: &'static str,
}

/// The resource form a permission is checked on.
fn form_of_permission(p: &str) -> &'static str {
    match p {
        "secretmanager.secrets.list" | "secretmanager.secrets.create" => "project",
        "secretmanager.versions.add" | "secretmanager.versions.list" => "secret",
        _ if p.starts_with("secretmanager.versions.") => "version",
        _ if p.starts_with("secretmanager.secrets.") => "secret",
        _ if p.starts_with("iam.serviceAccounts.") => "service-account",
        _ => "project",
    }
}

struct Names<'a> {
    number: &'a str,
    location: Option<&'a str>,
}

impl Names<'_> {
    fn resolve(&self, form: &str, key: &str) -> Resource {
        let parent = match self.location {
            Some(l) => format!("projects/{}/locations/{l}", self.number),
            None => format!("projects/{}", self.number),
        };
        match form {
            "secret" => Resource {
                name: format!("{parent}/secrets/{key}"),
                typ: "secretmanager.googleapis.com/Secret",
                service: "secretmanager.googleapis.com",
            },
            "version" => Resource {
                name: format!("{parent}/secrets/{key}/versions/latest"),
                typ: "secretmanager.googleapis.com/SecretVersion",
                service: "secretmanager.googleapis.com",
            },
            "location" => Resource {
                name: parent,
                typ: "secretmanager.googleapis.com/Location",
                service: "secretmanager.googleapis.com",
            },
            "project" => Resource {
                name: format!("projects/{}", self.number),
                typ: "cloudresourcemanager.googleapis.com/Project",
                service: "cloudresourcemanager.googleapis.com",
            },
            other => panic!("GCP resource form {other} has no resource name here"),
        }
    }
}

fn env() -> Arc<Env> {
    let mut env = Env::stdlib();
    env.add_extension(cel::extensions::strings).unwrap();
    Arc::new(env)
}

/// Evaluates an IAM condition expression on a resource.
pub fn condition_holds(expr: &str, r: &Resource) -> Result<bool, String> {
    let env = env();
    let program = env.compile(expr).map_err(|e| format!("{expr}: {e:?}"))?;
    let mut ctx = Context::with_env(env.clone());
    ctx.add_variable(
        "resource",
        json!({"name": r.name, "type": r.typ, "service": r.service}),
    )
    .map_err(|e| format!("{e:?}"))?;
    match program.execute(&ctx) {
        Ok(CelValue::Bool(b)) => Ok(b),
        other => Err(format!("{expr} evaluated to {other:?} for {}", r.name)),
    }
}

struct Binding {
    resource: String,
    role: String,
    perms: Vec<String>,
    condition: Option<String>,
}

struct Policy {
    bindings: Vec<Binding>,
    project_id: String,
    number: String,
}

impl Policy {
    /// Whether the binding's resource is an ancestor of (or is) `r`.
    fn covers(&self, b: &Binding, r: &Resource) -> bool {
        let res = b.resource.replacen(
            &format!("projects/{}", self.project_id),
            &format!("projects/{}", self.number),
            1,
        );
        r.name == res || r.name.starts_with(&format!("{res}/"))
    }

    /// The bindings granting `perm` on `r`, or the reasons none does.
    fn allows(&self, perm: &str, r: &Resource) -> Result<Option<String>, String> {
        for b in &self.bindings {
            if !self.covers(b, r) || !b.perms.iter().any(|p| p == perm) {
                continue;
            }
            let ok = match &b.condition {
                None => true,
                Some(c) => condition_holds(c, r)?,
            };
            if ok {
                return Ok(Some(format!(
                    "{} on {}{}",
                    b.role,
                    b.resource,
                    b.condition
                        .as_deref()
                        .map(|c| format!(" if {c}"))
                        .unwrap_or_default()
                )));
            }
        }
        Ok(None)
    }
}

fn check(g: &Generated, u: &StoreUse, report: &mut Report) {
    let label = u.label();
    let path = format!("{}gcp-iam.json", u.policy_base);
    let Some(text) = g.file(&path) else {
        report.add(Kind::Error, format!("{label}: {path} is not generated"));
        return;
    };
    let doc: Value = serde_json::from_str(text).expect("gcp-iam.json is JSON");
    let sm = &u.store["spec"]["provider"]["gcpsm"];
    let project_id = sm["projectID"].as_str().expect("projectID").to_owned();
    let Some(number) = u.provider_str("project_number") else {
        report.add(
            Kind::Error,
            format!("{label}: tenants.toml gives no project_number"),
        );
        return;
    };
    let names = Names {
        number: &number,
        location: sm["location"].as_str(),
    };
    let gsa = u.service_account.as_ref().and_then(|s| {
        s["metadata"]["annotations"]["iam.gke.io/gcp-service-account"]
            .as_str()
            .map(str::to_owned)
    });
    let member = gsa.as_ref().map(|g| format!("serviceAccount:{g}"));

    let custom = doc["roles"]
        .as_array()
        .or(doc["custom_roles"].as_array())
        .cloned()
        .unwrap_or_default();
    let mut bindings = Vec::new();
    let mut trust = Vec::new();
    for b in doc["bindings"].as_array().expect("bindings") {
        let role = b["role"].as_str().expect("role").to_owned();
        let members: Vec<String> = b["members"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m.as_str().map(str::to_owned))
            .collect();
        if role == WORKLOAD_IDENTITY_USER {
            trust.push((
                b["resource"].as_str().unwrap_or_default().to_owned(),
                members,
            ));
            continue;
        }
        if let Some(m) = &member
            && !members.contains(m)
        {
            report.add(
                Kind::Trust,
                format!("{label}: binding {role} is for {members:?}, not the store's {m}"),
            );
            continue;
        }
        let perms: Vec<String> = match PREDEFINED.iter().find(|(r, _)| *r == role) {
            Some((_, p)) => p.iter().map(|s| (*s).to_owned()).collect(),
            None => {
                if let Some(c) = custom.iter().find(|c| c["name"] == role.as_str()) {
                    c["includedPermissions"]
                        .as_array()
                        .or(c["permissions"].as_array())
                        .into_iter()
                        .flatten()
                        .filter_map(|p| p.as_str().map(str::to_owned))
                        .collect()
                } else {
                    report.add(
                    Kind::Error,
                    format!("{label}: role {role} is neither predefined (known here) nor defined in {path}"),
                );
                    continue;
                }
            }
        };
        bindings.push(Binding {
            resource: b["resource"].as_str().expect("resource").to_owned(),
            role,
            perms,
            condition: b["condition"]["expression"].as_str().map(str::to_owned),
        });
    }
    let policy = Policy {
        bindings,
        project_id,
        number: number.clone(),
    };

    // Trust: Workload Identity binds exactly the store's ServiceAccount.
    if u.tags.contains("gsa-annotation") {
        let gsa = gsa.clone().unwrap();
        let cluster_project = sm["auth"]["workloadIdentity"]["clusterProjectID"]
            .as_str()
            .unwrap_or(&policy.project_id);
        let ksa = u.store["spec"]["provider"]["gcpsm"]["auth"]["workloadIdentity"]
            ["serviceAccountRef"]["name"]
            .as_str()
            .unwrap_or_default();
        let want_member = format!(
            "serviceAccount:{cluster_project}.svc.id.goog[{}/{ksa}]",
            u.sa_namespace
        );
        let gsa_project = gsa
            .split('@')
            .nth(1)
            .and_then(|d| d.strip_suffix(".iam.gserviceaccount.com"))
            .unwrap_or_default();
        let want_resource = format!("projects/{gsa_project}/serviceAccounts/{gsa}");
        let ok = trust
            .iter()
            .any(|(res, members)| *res == want_resource && *members == [want_member.clone()]);
        report.checked += 1;
        if !ok {
            report.add(
                Kind::Trust,
                format!(
                    "{label}: no {WORKLOAD_IDENTITY_USER} binding on {want_resource} for exactly [{want_member}] (found {trust:?})"
                ),
            );
        }
    }

    let own_key = |r: &super::Request| match r.operation {
        "find-path" => format!("{}x", r.key.clone().unwrap_or_default()),
        "find-name" | "find-tags" => format!("{}x", u.prefix),
        _ => r.key.clone().unwrap_or_default(),
    };

    // Required calls.
    let mut needed: BTreeSet<String> = BTreeSet::new();
    for r in &u.requests {
        let Some(op) = op_for(u, r, report) else {
            continue;
        };
        for c in &op.call {
            if u.holds(c.cond.as_deref(), r) != Some(true) {
                continue;
            }
            needed.insert(c.action.clone());
            if c.tolerated || c.resource == "service-account" {
                continue;
            }
            // esogen never grants secrets.create (checked on the project, no
            // name condition can hold); the document lists each pushed secret
            // for a platform administrator (or Terraform) to create first,
            // with ESO's label: in the gcloud command, or as the labels a
            // delivery reads back.
            if c.action == "secretmanager.secrets.create" {
                let key = own_key(r);
                let listed = doc["precreate"].as_array().into_iter().flatten().any(|p| {
                    p["secret"] == key.as_str()
                        && (p["command"].as_array().is_some_and(|c| {
                            c.iter()
                                .any(|a| a == "--labels=managed-by=external-secrets")
                        }) || p["labels"]["managed-by"] == "external-secrets")
                });
                report.checked += 1;
                if !listed {
                    report.add(
                        Kind::Missing,
                        format!("{label}: {} pushes `{key}`, which is neither creatable nor listed to create first", r.object),
                    );
                }
                continue;
            }
            let form = if c.resource == "project" && names.location.is_some() {
                "location"
            } else {
                c.resource.as_str()
            };
            let res = names.resolve(form, &own_key(r));
            report.checked += 1;
            match policy.allows(&c.action, &res) {
                Ok(Some(_)) => {}
                Ok(None) => report.add(
                    Kind::Missing,
                    format!(
                        "{label}: {} needs {} `{}` on {} [{}]",
                        r.object,
                        call_label(op, c),
                        c.action,
                        res.name,
                        source(op, c)
                    ),
                ),
                Err(e) => report.add(Kind::Error, format!("{label}: {e}")),
            }
        }
    }

    // Foreign keys: every per-secret call of every operation is denied.
    for fk in g.foreign_keys(u) {
        for op in table().ops(u.row) {
            for c in &op.call {
                if c.resource != "secret" && c.resource != "version" {
                    continue;
                }
                let res = names.resolve(&c.resource, &fk);
                report.checked += 1;
                match policy.allows(&c.action, &res) {
                    Ok(None) => {}
                    Ok(Some(by)) => report.add(
                        Kind::Leak,
                        format!(
                            "{label}: `{}` on {} (another team's or a near-miss key, {}) is allowed by {by}",
                            c.action,
                            res.name,
                            call_label(op, c)
                        ),
                    ),
                    Err(e) => report.add(Kind::Error, format!("{label}: {e}")),
                }
            }
        }
    }

    // Surplus: permissions effective on the team's own resources that no
    // applicable call needs. A permission whose condition can never hold on
    // its resource type (resourcemanager.projects.get under a secret-name
    // condition) is not effective.
    let sample = u
        .requests
        .iter()
        .find_map(|r| r.key.clone())
        .unwrap_or_else(|| format!("{}x", u.prefix));
    for b in &policy.bindings {
        for p in &b.perms {
            let form = form_of_permission(p);
            if form == "service-account" {
                continue;
            }
            let res = names.resolve(form, &sample);
            let effective = policy.covers(b, &res)
                && match &b.condition {
                    None => true,
                    Some(c) => condition_holds(c, &res).unwrap_or(true),
                };
            if effective && !needed.contains(p) {
                report.add(
                    Kind::Surplus,
                    format!(
                        "{label}: `{p}` (from {} on {}) is effective on {} but no requested operation needs it (requested: {})",
                        b.role,
                        b.resource,
                        res.name,
                        requested(u)
                    ),
                );
            }
        }
    }
}

#[test]
fn conformance_gcp_bindings_match_eso_calls() {
    super::check_family("gcp-secret-manager", 3, "GCP Secret Manager", check);
}

#[test]
fn conformance_gcp_condition_denies_another_prefix() {
    let names = Names {
        number: "482019374651",
        location: None,
    };
    let cond = r#"resource.name.startsWith("projects/482019374651/secrets/prod-a-")"#;
    let own = names.resolve("version", "prod-a-db");
    assert_eq!(
        own.name,
        "projects/482019374651/secrets/prod-a-db/versions/latest"
    );
    assert_eq!(condition_holds(cond, &own), Ok(true));
    for other in ["prod-b-db", "prod-ab-db", "prod-a", "x"] {
        assert_eq!(
            condition_holds(cond, &names.resolve("version", other)),
            Ok(false),
            "{other}"
        );
    }
    // A condition on the project id instead of its number matches nothing.
    let by_id = r#"resource.name.startsWith("projects/acme/secrets/prod-a-")"#;
    assert_eq!(condition_holds(by_id, &own), Ok(false));
    assert_eq!(
        condition_holds(cond, &names.resolve("project", "")),
        Ok(false)
    );
    let typed = r#"resource.type == "secretmanager.googleapis.com/Secret" && resource.service == "secretmanager.googleapis.com""#;
    assert_eq!(
        condition_holds(typed, &names.resolve("secret", "a")),
        Ok(true)
    );
    assert_eq!(condition_holds(typed, &own), Ok(false));
}

#[test]
fn conformance_gcp_check_catches_a_dropped_condition() {
    // The whole chain can fail: catalog's accessor binding without its
    // condition reaches the reviews team's secret.
    let mut g = super::load(
        "mutated-gcp",
        &crate::common::repo_root().join("examples/gcp-secret-manager/tenants.toml"),
    );
    let p = "policies/catalog/gsm.gcp-iam.json";
    let mut doc: Value = serde_json::from_str(&g.files[p]).unwrap();
    doc["bindings"][0]
        .as_object_mut()
        .unwrap()
        .remove("condition");
    g.files.insert(p.into(), doc.to_string());
    let mut report = Report::default();
    for u in g.uses.iter().filter(|u| u.namespace == "catalog") {
        check(&g, u, &mut report);
    }
    assert!(
        report.findings.iter().any(|(k, t)| *k == Kind::Leak
            && t.contains("projects/482019374651/secrets/prod-reviews-api/versions/latest")),
        "{:#?}",
        report.findings
    );
    assert!(
        report
            .findings
            .iter()
            .any(|(k, t)| *k == Kind::Surplus && t.contains("resourcemanager.projects.get")),
        "{:#?}",
        report.findings
    );
}
