//! README.md's "Permissions per operation" section is rendered from the
//! conformance table; `ESOGEN_UPDATE_README=1` rewrites it.

use super::{OPERATIONS, PROVIDERS, table};
use crate::common::repo_root;

const BEGIN: &str = "<!-- permissions:begin -->";
const END: &str = "<!-- permissions:end -->";

fn resource_name(provider: &str, form: &str) -> String {
    let arn = match (provider, form) {
        ("aws-secrets-manager", "secret") => "`secret:{key}-??????`",
        (p, "parameter") if p.starts_with("aws-") => "`parameter/{key}`",
        (p, "path") if p.starts_with("aws-") => "`parameter/{path}` (the path itself)",
        (p, "*") if p.starts_with("aws-") => "`*`",
        (p, "role") if p.starts_with("aws-") => "the role (trust policy)",
        (p, "kms-key") if p.starts_with("aws-") => "the KMS key",
        ("gcp-secret-manager", "secret") => "`projects/{number}/secrets/{key}`",
        ("gcp-secret-manager", "version") => "`.../secrets/{key}/versions/latest`",
        ("gcp-secret-manager", "project") => "the project",
        ("gcp-secret-manager", "service-account") => "the Google service account",
        ("azure-key-vault", "vault") => "the vault",
        ("azure-key-vault", "secret") => "`{vault}/secrets/{key}`",
        (_, "data") => "`{mount}/data/{key}`",
        (_, "metadata") => "`{mount}/metadata/{key}`",
        (_, "metadata-dir") => "`{mount}/metadata/{path}/` and sub-folders",
        (_, "kv1") => "`{mount}/{key}`",
        (_, "kv1-dir") => "`{mount}/{path}/` and sub-folders",
        (_, "token-lookup-self") => "`auth/token/lookup-self`",
        (_, "token-revoke-self") => "`auth/token/revoke-self`",
        (_, "sys-mount") => "`sys/mounts/{mount}`",
        (p, f) => panic!("no README name for {p} resource {f}"),
    };
    arn.to_owned()
}

/// The section between the markers, markers included.
pub fn render() -> String {
    let t = table();
    let mut s = String::new();
    s.push_str(BEGIN);
    s.push_str("\n### Permissions per operation\n\n");
    s.push_str(&format!(
        "Rendered from [`conformance/eso-v2.9.toml`](conformance/eso-v2.9.toml) (what ESO {} does, read \
         from its source) by `tests/integration/conformance/readme.rs`; do not edit by hand: \
         `ESOGEN_UPDATE_README=1 cargo test --test integration conformance_readme` rewrites it. For each \
         operation, the calls ESO makes in order, as the permission and the resource it is checked on. \
         *if tag*: only when the [tag](conformance/README.md#if-tags) holds; *tolerated*: ESO carries \
         on when it is denied. The conformance tests replay these rows against every generated policy.\n",
        t.eso_version
    ));
    for p in PROVIDERS {
        s.push_str(&format!(
            "\n**`{p}`**\n\n| operation | permission on resource |\n|---|---|\n"
        ));
        for o in OPERATIONS {
            if let Some(op) = t.get(p, o) {
                let calls: Vec<String> = op
                    .call
                    .iter()
                    .map(|c| {
                        let mut x = format!("`{}` on {}", c.action, resource_name(p, &c.resource));
                        if let Some(cond) = &c.cond {
                            x.push_str(&format!(" *if {cond}*"));
                        }
                        if c.tolerated {
                            x.push_str(" *tolerated*");
                        }
                        x
                    })
                    .collect();
                let cell = if calls.is_empty() {
                    "(no call)".to_owned()
                } else {
                    calls.join("; ")
                };
                s.push_str(&format!("| `{o}` | {cell} |\n"));
            } else if t
                .unsupported
                .iter()
                .any(|u| u.provider == *p && u.operation == *o)
            {
                s.push_str(&format!("| `{o}` | not supported by ESO |\n"));
            }
        }
    }
    s.push_str(END);
    s
}

#[test]
fn conformance_readme_permissions_section_is_current() {
    let path = repo_root().join("README.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let want = render();
    let (Some(b), Some(e)) = (text.find(BEGIN), text.find(END)) else {
        panic!("README.md has no {BEGIN} ... {END} section");
    };
    let current = &text[b..e + END.len()];
    if current == want {
        return;
    }
    if std::env::var("ESOGEN_UPDATE_README").is_ok_and(|v| v == "1") {
        let new = format!("{}{want}{}", &text[..b], &text[e + END.len()..]);
        std::fs::write(&path, new).unwrap();
        eprintln!("README.md: permissions section rewritten");
        return;
    }
    let diff = similar::TextDiff::from_lines(current, &want)
        .unified_diff()
        .to_string();
    panic!(
        "README.md's permissions section is stale; run ESOGEN_UPDATE_README=1 cargo test --test integration conformance_readme\n{diff}"
    );
}
