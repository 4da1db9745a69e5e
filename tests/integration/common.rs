//! Shared helpers: fixtures, the pure pipeline, external tools and schemas.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use esogen::pipeline;
use esogen::tree::OutputTree;
use serde_json::Value;

/// Runs the built binary in `dir`, without colours.
pub fn esogen(args: &[&str], dir: &Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_esogen"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("esogen runs")
}

/// Process output as text.
pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A valid cluster and AWS provider, for tests that append teams.
pub const AWS_HEAD: &str = r#"version = 1
[cluster]
name = "c"
platform = "eks"
[providers.aws]
kind = "aws-secrets-manager"
region = "eu-west-1"
account_id = "123456789012"
oidc_provider = "oidc.eks.eu-west-1.amazonaws.com/id/X"
"#;

/// The repository root.
pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every good fixture: `tests/fixtures/<case>/tenants.toml`, by case name.
pub fn fixtures() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(repo_root().join("tests/fixtures"))
        .expect("tests/fixtures exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("tenants.toml").is_file())
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, p.join("tenants.toml"))
        })
        .collect();
    out.sort();
    assert!(out.len() >= 4, "expected the fixture cases");
    out
}

/// Every provider example: `examples/<provider>/tenants.toml`.
pub fn examples() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(repo_root().join("examples"))
        .expect("examples exists")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.join("tenants.toml").is_file())
        .map(|p| {
            let name = format!("example-{}", p.file_name().unwrap().to_string_lossy());
            (name, p.join("tenants.toml"))
        })
        .collect();
    out.sort();
    out
}

/// The good fixtures, the provider examples and the repo root example.
pub fn all_good_configs() -> Vec<(String, PathBuf)> {
    let mut v = fixtures();
    v.extend(examples());
    v.push(("root-example".into(), repo_root().join("tenants.toml")));
    v
}

/// Runs the pure pipeline; panics with rendered diagnostics on failure.
pub fn generate(path: &Path) -> OutputTree {
    let text = std::fs::read_to_string(path).unwrap();
    let (sources, result, diags) = pipeline::generate_text("tenants.toml", &text);
    match result {
        Ok(g) => g.tree,
        Err(e) => panic!(
            "{}: {e}\n{}",
            path.display(),
            esogen::diag::render::render_all(
                &sources,
                &diags.sorted(),
                esogen::diag::render::ColorChoice::Never
            )
        ),
    }
}

/// Writes a tree under `dir`.
pub fn write_tree(tree: &OutputTree, dir: &Path) {
    for (rel, bytes) in tree.iter() {
        let p = dir.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
}

/// Parses a (possibly multi-document) YAML text into JSON values.
pub fn parse_yaml_docs(text: &str) -> Vec<Value> {
    let docs: Vec<Value> = serde_saphyr::from_multiple(text).expect("valid YAML");
    docs.into_iter().filter(|d| !d.is_null()).collect()
}

/// True when external tools and shared schemas must be present (CI).
pub fn required() -> bool {
    std::env::var("ESOGEN_REQUIRE_TOOLS").is_ok_and(|v| v == "1")
}

/// The kubectl binary, or `None` (with a message) when it is missing and not
/// required.
pub fn kubectl() -> Option<PathBuf> {
    let cmd = std::env::var("KUBECTL").unwrap_or_else(|_| "kubectl".into());
    let ok = Command::new(&cmd)
        .args(["version", "--client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if ok {
        return Some(PathBuf::from(cmd));
    }
    assert!(
        !required(),
        "kubectl is required (ESOGEN_REQUIRE_TOOLS=1) but `{cmd}` does not run; .ci/run installs it"
    );
    eprintln!("SKIP: kubectl not found; run .ci/run to install it");
    None
}

/// Renders one kustomization directory with `kubectl kustomize`.
pub fn kustomize(kubectl: &Path, dir: &Path) -> Vec<Value> {
    let out = Command::new(kubectl)
        .arg("kustomize")
        .arg(dir)
        .output()
        .expect("kubectl runs");
    assert!(
        out.status.success(),
        "kubectl kustomize {} failed:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    parse_yaml_docs(&String::from_utf8_lossy(&out.stdout))
}

/// `../shared`, or `None` when missing and not required.
pub fn shared_dir() -> Option<PathBuf> {
    let dir = std::env::var("ESOGEN_SHARED_DIR")
        .map_or_else(|_| repo_root().join("../shared"), PathBuf::from);
    if dir.join("crds").is_dir() {
        return Some(dir);
    }
    assert!(
        !required(),
        "{} is missing: the CRD schema checks cannot run",
        dir.join("crds").display()
    );
    eprintln!("SKIP: {} not found", dir.join("crds").display());
    None
}

/// Makes an OpenAPI schema closed: every object schema that lists
/// `properties`, has no `additionalProperties` and does not preserve unknown
/// fields gets `additionalProperties: false`. `metadata` has no `properties`
/// in CRDs, so it stays open.
pub fn strictify(schema: &mut Value) {
    let Value::Object(m) = schema else { return };
    let preserve = m
        .get("x-kubernetes-preserve-unknown-fields")
        .is_some_and(|p| p == &Value::Bool(true));
    // Go's RE2 takes an inline `(?i)` flag (Azure Service Operator's ARM id
    // patterns); ECMA regexps, which JSON Schema uses, do not: each letter
    // becomes a class of both cases, the same language.
    if let Some(Value::String(p)) = m.get_mut("pattern")
        && let Some(rest) = p.strip_prefix("(?i)")
    {
        *p = case_insensitive(rest);
    }
    if m.contains_key("properties") && !m.contains_key("additionalProperties") && !preserve {
        m.insert("additionalProperties".into(), Value::Bool(false));
    }
    // Recurse only where JSON Schema holds sub-schemas, so a field that is
    // itself named `properties` is not mistaken for a keyword.
    if let Some(Value::Object(props)) = m.get_mut("properties") {
        props.values_mut().for_each(strictify);
    }
    for key in ["items", "additionalProperties", "not"] {
        match m.get_mut(key) {
            Some(Value::Array(a)) => a.iter_mut().for_each(strictify),
            Some(v @ Value::Object(_)) => strictify(v),
            _ => {}
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(a)) = m.get_mut(key) {
            a.iter_mut().for_each(strictify);
        }
    }
}

/// A regular expression matching what `(?i)pattern` matches in RE2: every
/// ASCII letter outside a character class becomes `[xX]`. Letters after a
/// `\` are escapes (`\s`) and stay; a class holding a letter is refused
/// rather than matched more strictly than RE2 would.
pub fn case_insensitive(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() * 2);
    let mut chars = pattern.chars();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                out.push(c);
                out.extend(chars.next());
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            c if c.is_ascii_alphabetic() => {
                assert!(
                    !in_class,
                    "(?i) with a letter in a character class is not translated: {pattern}"
                );
                out.push('[');
                out.push(c.to_ascii_lowercase());
                out.push(c.to_ascii_uppercase());
                out.push(']');
            }
            c => out.push(c),
        }
    }
    out
}

/// Strict validators by `(apiVersion, kind)`.
pub struct Schemas {
    validators: BTreeMap<(String, String), jsonschema::Validator>,
}

impl Schemas {
    /// Validates one object; the error lists every violation.
    pub fn validate(&self, obj: &Value) -> Result<(), String> {
        self.validate_with(obj, true)
    }

    /// Validates a Kustomize base shape: unknown fields are still rejected,
    /// but required fields may be left to the overlays' patches.
    pub fn validate_shape(&self, obj: &Value) -> Result<(), String> {
        self.validate_with(obj, false)
    }

    fn validate_with(&self, obj: &Value, required: bool) -> Result<(), String> {
        let api = obj["apiVersion"].as_str().unwrap_or_default().to_owned();
        let kind = obj["kind"].as_str().unwrap_or_default().to_owned();
        let v = self
            .validators
            .get(&(api.clone(), kind.clone()))
            .unwrap_or_else(|| {
                panic!("no schema for {api} {kind}: every emitted kind must be checked")
            });
        let errors: Vec<String> = v
            .iter_errors(obj)
            .filter(|e| {
                required
                    || !matches!(
                        e.kind(),
                        jsonschema::error::ValidationErrorKind::Required { .. }
                    )
            })
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{kind} {}: {}",
                obj["metadata"]["name"],
                errors.join("; ")
            ))
        }
    }
}

fn load_crd(
    path: &Path,
    versions: &[&str],
    out: &mut BTreeMap<(String, String), jsonschema::Validator>,
) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let crd: Value = serde_saphyr::from_str(&text).expect("CRD parses");
    let group = crd["spec"]["group"].as_str().unwrap().to_owned();
    let kind = crd["spec"]["names"]["kind"].as_str().unwrap().to_owned();
    for v in crd["spec"]["versions"].as_array().unwrap() {
        let name = v["name"].as_str().unwrap();
        if !versions.contains(&name) {
            continue;
        }
        let mut schema = v["schema"]["openAPIV3Schema"].clone();
        strictify(&mut schema);
        let validator = jsonschema::draft4::new(&schema).expect("CRD schema compiles as draft 4");
        out.insert((format!("{group}/{name}"), kind.clone()), validator);
    }
}

/// Core kinds esogen emits and their schema files under `schemas/k8s`.
const CORE_SCHEMAS: &[(&str, &str, &str)] = &[
    ("serviceaccount-v1.json", "v1", "ServiceAccount"),
    (
        "networkpolicy-networking-v1.json",
        "networking.k8s.io/v1",
        "NetworkPolicy",
    ),
    ("role-rbac-v1.json", "rbac.authorization.k8s.io/v1", "Role"),
    (
        "rolebinding-rbac-v1.json",
        "rbac.authorization.k8s.io/v1",
        "RoleBinding",
    ),
    (
        "validatingadmissionpolicy-admissionregistration-v1.json",
        "admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicy",
    ),
    (
        "validatingadmissionpolicybinding-admissionregistration-v1.json",
        "admissionregistration.k8s.io/v1",
        "ValidatingAdmissionPolicyBinding",
    ),
];

/// The controllers' CRDs under `shared/crds/`: directory, file, versions.
const ACCESS_CRDS: &[(&str, &str, &[&str])] = &[
    ("ack", "iam.services.k8s.aws_roles.yaml", &["v1alpha1"]),
    (
        "crossplane-provider-aws",
        "iam.aws.upbound.io_roles.yaml",
        &["v1beta1"],
    ),
    (
        "crossplane-provider-aws",
        "iam.aws.upbound.io_rolepolicies.yaml",
        &["v1beta1"],
    ),
    (
        "config-connector",
        "apiextensions.k8s.io_v1_customresourcedefinition_iampolicymembers.iam.cnrm.cloud.google.com.yaml",
        &["v1beta1"],
    ),
    (
        "config-connector",
        "apiextensions.k8s.io_v1_customresourcedefinition_iampartialpolicies.iam.cnrm.cloud.google.com.yaml",
        &["v1beta1"],
    ),
    (
        "config-connector",
        "apiextensions.k8s.io_v1_customresourcedefinition_iamserviceaccounts.iam.cnrm.cloud.google.com.yaml",
        &["v1beta1"],
    ),
    (
        "config-connector",
        "apiextensions.k8s.io_v1_customresourcedefinition_secretmanagersecrets.secretmanager.cnrm.cloud.google.com.yaml",
        &["v1beta1"],
    ),
    (
        "azure-service-operator",
        "managedidentity.azure.com_userassignedidentities.yaml",
        &["v1api20230131"],
    ),
    (
        "azure-service-operator",
        "managedidentity.azure.com_federatedidentitycredentials.yaml",
        &["v1api20230131"],
    ),
    (
        "azure-service-operator",
        "authorization.azure.com_roleassignments.yaml",
        &["v1api20220401"],
    ),
    (
        "vault-config-operator",
        "redhatcop.redhat.io_policies.yaml",
        &["v1alpha1"],
    ),
    (
        "vault-config-operator",
        "redhatcop.redhat.io_kubernetesauthengineroles.yaml",
        &["v1alpha1"],
    ),
    (
        "crossplane-provider-vault",
        "vault.vault.upbound.io_policies.yaml",
        &["v1alpha1"],
    ),
    (
        "crossplane-provider-vault",
        "kubernetes.vault.upbound.io_authbackendroles.yaml",
        &["v1alpha1"],
    ),
];

/// Loads the ESO CRDs and core Kubernetes schemas once per test binary.
pub fn schemas() -> Option<&'static Schemas> {
    static SCHEMAS: OnceLock<Option<Schemas>> = OnceLock::new();
    SCHEMAS
        .get_or_init(|| {
            let shared = shared_dir()?;
            let mut validators = BTreeMap::new();
            let eso = shared.join("crds/external-secrets");
            for f in [
                "external-secrets.io_secretstores.yaml",
                "external-secrets.io_clustersecretstores.yaml",
                "external-secrets.io_externalsecrets.yaml",
            ] {
                load_crd(&eso.join(f), &["v1"], &mut validators);
            }
            load_crd(
                &eso.join("external-secrets.io_pushsecrets.yaml"),
                &["v1alpha1"],
                &mut validators,
            );
            for f in [
                "application-crd.yaml",
                "applicationset-crd.yaml",
                "appproject-crd.yaml",
            ] {
                load_crd(
                    &shared.join("crds/argo-cd").join(f),
                    &["v1alpha1"],
                    &mut validators,
                );
            }
            for f in [
                "kustomize.toolkit.fluxcd.io_kustomizations.yaml",
                "source.toolkit.fluxcd.io_gitrepositories.yaml",
            ] {
                load_crd(&shared.join("crds/flux").join(f), &["v1"], &mut validators);
            }
            load_crd(
                &shared.join("crds/kyverno/kyverno.io_clusterpolicies.yaml"),
                &["v1"],
                &mut validators,
            );
            // The provider-side controllers (issue 16): each CRD at the
            // version esogen writes; Azure Service Operator's at the plain
            // API version, not its `*storage` hub version.
            for (dir, file, versions) in ACCESS_CRDS {
                load_crd(
                    &shared.join("crds").join(dir).join(file),
                    versions,
                    &mut validators,
                );
            }
            let core = shared.join("schemas/k8s");
            for (file, api, kind) in CORE_SCHEMAS {
                let schema: Value =
                    serde_json::from_str(&std::fs::read_to_string(core.join(file)).unwrap())
                        .unwrap();
                let v = jsonschema::validator_for(&schema).expect("core schema compiles");
                validators.insert(((*api).to_owned(), (*kind).to_owned()), v);
            }
            Some(Schemas { validators })
        })
        .as_ref()
}

/// Every directory holding a `kustomization.yaml` in a tree, relative.
pub fn kustomization_dirs(tree: &OutputTree) -> Vec<String> {
    tree.iter()
        .filter_map(|(p, _)| p.strip_suffix("/kustomization.yaml").map(str::to_owned))
        .collect()
}

/// Every `path "..." { capabilities = [...] }` block of a Vault policy,
/// parsed by hcl-rs (an independent HCL parser).
pub fn vault_policy_paths(text: &str) -> Vec<(String, Vec<String>)> {
    let body: hcl::Body = hcl::from_str(text).expect("the policy is valid HCL");
    body.blocks()
        .map(|b| {
            assert_eq!(b.identifier(), "path", "only path blocks");
            let label = b.labels().first().expect("path label").as_str().to_owned();
            let caps: Vec<String> = b
                .body()
                .attributes()
                .find(|a| a.key() == "capabilities")
                .map(|a| match a.expr() {
                    hcl::Expression::Array(items) => items
                        .iter()
                        .map(|e| match e {
                            hcl::Expression::String(s) => s.clone(),
                            other => panic!("capability {other:?}"),
                        })
                        .collect(),
                    other => panic!("capabilities {other:?}"),
                })
                .expect("capabilities");
            (label, caps)
        })
        .collect()
}

/// A git repository (so config discovery stops at its root, whatever lies
/// above the temporary directory) holding the root example's tenants.toml.
pub fn example_repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::copy(
        repo_root().join("tenants.toml"),
        dir.path().join("tenants.toml"),
    )
    .unwrap();
    dir
}

/// Taplo, the TOML toolkit editors use (`ESOGEN_TAPLO`, which `.ci/run`
/// sets after `npm ci` in `tests/conformance/taplo`; else that install when
/// present), or `None` (with a message) when it is missing and not required.
pub fn taplo() -> Option<PathBuf> {
    let local = repo_root().join("tests/conformance/taplo/node_modules/.bin/taplo");
    let path = std::env::var_os("ESOGEN_TAPLO").map_or(local, PathBuf::from);
    // The WebAssembly build prints its version but exits 1 on `--version`.
    let runs = Command::new(&path)
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).starts_with("taplo "));
    if runs {
        return Some(path);
    }
    assert!(
        !required(),
        "taplo is required (ESOGEN_REQUIRE_TOOLS=1) but `{}` does not run; .ci/run installs it and sets ESOGEN_TAPLO",
        path.display()
    );
    eprintln!("SKIP: taplo not found; run .ci/run to install it");
    None
}

/// An isolated environment for git and esogen's git runs: no global or
/// system git config, no author unless a test sets one, no token, fixed
/// dates.
pub fn isolated_git(cmd: &mut std::process::Command, home: &Path) {
    cmd.env("HOME", home)
        .env("XDG_CONFIG_HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", home.join("gitconfig"))
        .env("NO_COLOR", "1")
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .env("GIT_AUTHOR_DATE", "1700000000 +0000")
        .env("GIT_COMMITTER_DATE", "1700000000 +0000")
        .env_remove("GIT_AUTHOR_NAME")
        .env_remove("GIT_AUTHOR_EMAIL")
        .env_remove("GIT_COMMITTER_NAME")
        .env_remove("GIT_COMMITTER_EMAIL")
        .env_remove("ESOGEN_GIT_TOKEN")
        .env_remove("GIT_TOKEN");
}
