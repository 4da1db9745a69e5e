//! The admission side of a generated tree as the API server and Kyverno see
//! it: which policies apply to an object (by namespace and resource), the
//! CRD defaults the API server fills in before admission, and an evaluation
//! of every applying CEL expression with `object`, `oldObject` and `request`
//! bound, by an independent CEL implementation (the `cel` crate).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};

use cel::{Context, Env, Program, Value as CelValue, extensions};
use esogen::tree::OutputTree;
use serde_json::{Value, json};

use crate::common::{parse_yaml_docs, shared_dir};

/// Which admission engine a policy is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// ValidatingAdmissionPolicy and its binding.
    Vap,
    /// Kyverno ClusterPolicy.
    Kyverno,
}

impl Engine {
    /// Both engines.
    pub const ALL: [Engine; 2] = [Engine::Vap, Engine::Kyverno];

    /// The `[cluster] admission` spelling.
    pub fn setting(self) -> &'static str {
        match self {
            Engine::Vap => "vap",
            Engine::Kyverno => "kyverno",
        }
    }
}

/// One policy (a VAP with its binding, or one rule of a ClusterPolicy).
#[derive(Debug, Clone)]
pub struct Policy {
    /// File and name, for messages.
    pub origin: String,
    /// Namespaces it applies in.
    pub namespaces: Vec<String>,
    /// `(API group, kind)` pairs it matches.
    pub kinds: Vec<(String, String)>,
    /// `(expression, message)`.
    pub expressions: Vec<(String, String)>,
    /// Kyverno only: whether the policy also runs in background scans.
    pub background: Option<bool>,
}

/// Every kind the ESO v2.9 chart can install, to turn VAP resource names back
/// into kinds.
pub const KNOWN_KINDS: &[(&str, &str)] = &[
    ("external-secrets.io", "ExternalSecret"),
    ("external-secrets.io", "ClusterExternalSecret"),
    ("external-secrets.io", "SecretStore"),
    ("external-secrets.io", "ClusterSecretStore"),
    ("external-secrets.io", "PushSecret"),
    ("external-secrets.io", "ClusterPushSecret"),
    ("generators.external-secrets.io", "ACRAccessToken"),
    (
        "generators.external-secrets.io",
        "BeyondtrustWorkloadCredentialsDynamicSecret",
    ),
    ("generators.external-secrets.io", "CloudsmithAccessToken"),
    ("generators.external-secrets.io", "ClusterGenerator"),
    ("generators.external-secrets.io", "ECRAuthorizationToken"),
    ("generators.external-secrets.io", "Fake"),
    ("generators.external-secrets.io", "GCRAccessToken"),
    ("generators.external-secrets.io", "GeneratorState"),
    ("generators.external-secrets.io", "GithubAccessToken"),
    ("generators.external-secrets.io", "GitlabDeployToken"),
    ("generators.external-secrets.io", "Grafana"),
    ("generators.external-secrets.io", "MFA"),
    ("generators.external-secrets.io", "Password"),
    ("generators.external-secrets.io", "QuayAccessToken"),
    ("generators.external-secrets.io", "SSHKey"),
    ("generators.external-secrets.io", "STSSessionToken"),
    ("generators.external-secrets.io", "UUID"),
    ("generators.external-secrets.io", "VaultDynamicSecret"),
    ("generators.external-secrets.io", "Webhook"),
];

/// The resource name of a kind (every ESO kind's plural is its lower-case
/// kind plus `s`).
pub fn plural(kind: &str) -> String {
    format!("{}s", kind.to_lowercase())
}

fn kind_of_resource(group: &str, resource: &str) -> String {
    // The access kinds' plurals are irregular; the test
    // `access_kind_plurals_are_the_crds` holds them to the CRDs.
    if let Some((_, k, _)) = esogen::manifest::access::ACCESS_KINDS
        .iter()
        .find(|(g, _, r)| *g == group && *r == resource)
    {
        return (*k).to_owned();
    }
    KNOWN_KINDS
        .iter()
        .find(|(g, k)| *g == group && plural(k) == resource)
        .map_or_else(
            || panic!("unknown resource {group}/{resource}"),
            |(_, k)| (*k).to_owned(),
        )
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().expect("string").to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Every admission policy of a tree, read back from its YAML.
pub fn policies(tree: &OutputTree) -> Vec<Policy> {
    let mut out = Vec::new();
    for (path, bytes) in tree.iter() {
        if !path.starts_with("bases/admission/") || path.ends_with("kustomization.yaml") {
            continue;
        }
        let docs = parse_yaml_docs(&String::from_utf8_lossy(bytes));
        let mut vaps: Vec<&Value> = Vec::new();
        let mut bindings: Vec<&Value> = Vec::new();
        for doc in &docs {
            match doc["kind"].as_str() {
                Some("ValidatingAdmissionPolicy") => vaps.push(doc),
                Some("ValidatingAdmissionPolicyBinding") => bindings.push(doc),
                Some("ClusterPolicy") => out.extend(kyverno_rules(path, doc)),
                other => panic!("{path}: unexpected {other:?}"),
            }
        }
        for vap in vaps {
            let name = vap["metadata"]["name"].as_str().unwrap();
            let binding = bindings
                .iter()
                .find(|b| b["spec"]["policyName"] == name)
                .unwrap_or_else(|| panic!("{path}: no binding for {name}"));
            assert_eq!(binding["spec"]["validationActions"], json!(["Deny"]));
            assert_eq!(vap["spec"]["failurePolicy"], "Fail");
            let exprs = &binding["spec"]["matchResources"]["namespaceSelector"]["matchExpressions"];
            assert_eq!(exprs[0]["key"], "kubernetes.io/metadata.name");
            assert_eq!(exprs[0]["operator"], "In");
            let mut kinds = Vec::new();
            for rule in vap["spec"]["matchConstraints"]["resourceRules"]
                .as_array()
                .unwrap()
            {
                let ops = strings(&rule["operations"]);
                assert!(ops.contains(&"CREATE".to_owned()) && ops.contains(&"UPDATE".to_owned()));
                for g in strings(&rule["apiGroups"]) {
                    for r in strings(&rule["resources"]) {
                        kinds.push((g.clone(), kind_of_resource(&g, &r)));
                    }
                }
            }
            out.push(Policy {
                origin: format!("{path} {name}"),
                namespaces: strings(&exprs[0]["values"]),
                kinds,
                expressions: vap["spec"]["validations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|v| {
                        (
                            v["expression"].as_str().unwrap().to_owned(),
                            v["message"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect(),
                background: None,
            });
        }
    }
    out
}

fn kyverno_rules(path: &str, doc: &Value) -> Vec<Policy> {
    let name = doc["metadata"]["name"].as_str().unwrap();
    let background = doc["spec"]["background"].as_bool().unwrap_or(true);
    let mut out = Vec::new();
    for rule in doc["spec"]["rules"].as_array().unwrap() {
        assert_eq!(rule["validate"]["failureAction"], "Enforce");
        let mut kinds = Vec::new();
        let mut namespaces = Vec::new();
        for any in rule["match"]["any"].as_array().unwrap() {
            let r = &any["resources"];
            let ops = strings(&r["operations"]);
            assert!(ops.contains(&"CREATE".to_owned()) && ops.contains(&"UPDATE".to_owned()));
            namespaces.extend(strings(&r["namespaces"]));
            for k in strings(&r["kinds"]) {
                let parts: Vec<&str> = k.split('/').collect();
                assert_eq!(
                    parts.len(),
                    3,
                    "{path}: kind `{k}` is not group/version/kind"
                );
                kinds.push((parts[0].to_owned(), parts[2].to_owned()));
            }
        }
        out.push(Policy {
            origin: format!("{path} {name}/{}", rule["name"].as_str().unwrap()),
            namespaces,
            kinds,
            expressions: rule["validate"]["cel"]["expressions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| {
                    (
                        e["expression"].as_str().unwrap().to_owned(),
                        e["message"].as_str().unwrap().to_owned(),
                    )
                })
                .collect(),
            background: Some(background),
        });
    }
    out
}

fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        env.add_extension(extensions::strings).unwrap();
        Arc::new(env)
    })
    .clone()
}

thread_local! {
    /// Compiled expressions: the same few are evaluated against many objects.
    static PROGRAMS: RefCell<HashMap<String, Rc<Program>>> = RefCell::new(HashMap::new());
}

fn compiled(expr: &str) -> Result<Rc<Program>, String> {
    if let Some(p) = PROGRAMS.with(|c| c.borrow().get(expr).cloned()) {
        return Ok(p);
    }
    let program = Rc::new(env().compile(expr).map_err(|e| format!("compile: {e:?}"))?);
    PROGRAMS.with(|c| c.borrow_mut().insert(expr.to_owned(), program.clone()));
    Ok(program)
}

/// `object`, `oldObject` and `request` bound for evaluation.
fn bind(object: &Value, old: Option<&Value>, request: &Value) -> Context<'static, 'static> {
    let mut ctx = Context::with_env(env());
    ctx.add_variable("object", object.clone()).unwrap();
    ctx.add_variable("oldObject", old.cloned().unwrap_or(Value::Null))
        .unwrap();
    ctx.add_variable("request", request.clone()).unwrap();
    ctx
}

fn run(expr: &str, ctx: &Context) -> Result<bool, String> {
    match compiled(expr)?.execute(ctx) {
        Ok(CelValue::Bool(b)) => Ok(b),
        other => Err(format!("evaluated to {other:?}")),
    }
}

/// Evaluates one expression to a boolean, or says why it did not.
pub fn eval(
    expr: &str,
    object: &Value,
    old: Option<&Value>,
    request: &Value,
) -> Result<bool, String> {
    run(expr, &bind(object, old, request))
}

/// The API group and kind of an object.
pub fn group_kind(object: &Value) -> (String, String) {
    let api = object["apiVersion"].as_str().expect("apiVersion");
    let group = api.rsplit_once('/').map_or("", |(g, _)| g);
    (
        group.to_owned(),
        object["kind"].as_str().expect("kind").to_owned(),
    )
}

/// Who sends a request.
#[derive(Debug, Clone)]
pub struct Request {
    /// `request.userInfo.username`.
    pub username: String,
    /// The object before an UPDATE; `None` for a CREATE.
    pub old: Option<Value>,
}

impl Request {
    /// A CREATE by `username`.
    pub fn create(username: &str) -> Self {
        Self {
            username: username.to_owned(),
            old: None,
        }
    }

    /// An UPDATE of `old` by `username`.
    pub fn update(username: &str, old: &Value) -> Self {
        Self {
            username: username.to_owned(),
            old: Some(old.clone()),
        }
    }
}

/// The outcome of admission for one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every applying expression held; `matched` counts applying policies.
    Admitted {
        /// How many policies applied.
        matched: usize,
    },
    /// An expression was false (its message) or could not be evaluated
    /// (both engines then refuse: the policies fail closed).
    Denied(String),
}

/// Admission of `object` in its own namespace by every policy that applies
/// there to its kind.
pub fn admit(policies: &[Policy], object: &Value, request: &Request) -> Verdict {
    let ns = object["metadata"]["namespace"]
        .as_str()
        .expect("a namespaced object with its namespace set");
    let gk = group_kind(object);
    let operation = if request.old.is_some() {
        "UPDATE"
    } else {
        "CREATE"
    };
    let req = json!({
        "operation": operation,
        "namespace": ns,
        "name": object["metadata"]["name"],
        "userInfo": {"username": request.username},
    });
    let ctx = bind(object, request.old.as_ref(), &req);
    let mut matched = 0;
    for p in policies {
        if !p.namespaces.iter().any(|n| n == ns) || !p.kinds.contains(&gk) {
            continue;
        }
        matched += 1;
        for (expr, message) in &p.expressions {
            match run(expr, &ctx) {
                Ok(true) => {}
                Ok(false) => return Verdict::Denied(format!("{}: {message}", p.origin)),
                Err(e) => return Verdict::Denied(format!("{}: {expr}: {e}", p.origin)),
            }
        }
    }
    Verdict::Admitted { matched }
}

/// The `openAPIV3Schema` of an ESO CRD at the version esogen emits, or
/// `None` without `../shared`. Parsed once per test binary.
pub fn eso_schema(kind: &str) -> Option<&'static Value> {
    static SCHEMAS: OnceLock<Option<Vec<(&'static str, Value)>>> = OnceLock::new();
    let all = SCHEMAS.get_or_init(|| {
        let dir = shared_dir()?.join("crds/external-secrets");
        let mut out = Vec::new();
        for (kind, file, version) in [
            ("SecretStore", "external-secrets.io_secretstores.yaml", "v1"),
            (
                "ExternalSecret",
                "external-secrets.io_externalsecrets.yaml",
                "v1",
            ),
            (
                "PushSecret",
                "external-secrets.io_pushsecrets.yaml",
                "v1alpha1",
            ),
        ] {
            let text = std::fs::read_to_string(dir.join(file)).unwrap();
            let crd: Value = serde_saphyr::from_str(&text).unwrap();
            let v = crd["spec"]["versions"]
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["name"] == version)
                .unwrap();
            out.push((kind, v["schema"]["openAPIV3Schema"].clone()));
        }
        Some(out)
    });
    all.as_ref()?
        .iter()
        .find(|(k, _)| *k == kind)
        .map(|(_, s)| s)
}

/// Applies a structural schema's `default:` values the way the API server
/// does before admission: a missing property with a default is set, inside
/// every object and array item that is present.
pub fn apply_defaults(object: &mut Value, schema: &Value) {
    match object {
        Value::Object(map) => {
            if let Some(Value::Object(props)) = schema.get("properties") {
                for (k, sub) in props {
                    if !map.contains_key(k)
                        && let Some(d) = sub.get("default")
                    {
                        map.insert(k.clone(), d.clone());
                    }
                    if let Some(child) = map.get_mut(k) {
                        apply_defaults(child, sub);
                    }
                }
            }
        }
        Value::Array(items) => {
            if let Some(item_schema) = schema.get("items") {
                for item in items {
                    apply_defaults(item, item_schema);
                }
            }
        }
        _ => {}
    }
}

/// `object` with its CRD defaults applied, when the CRDs are available.
pub fn defaulted(object: &Value) -> Value {
    let mut o = object.clone();
    let (group, kind) = group_kind(object);
    if group == "external-secrets.io"
        && ["SecretStore", "ExternalSecret", "PushSecret"].contains(&kind.as_str())
        && let Some(schema) = eso_schema(&kind)
    {
        apply_defaults(&mut o, schema);
    }
    o
}
