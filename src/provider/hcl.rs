//! A small writer for Vault / OpenBao ACL policies (HCL). Policies are text,
//! so they are written here with every value escaped, never by gluing
//! strings elsewhere.

use crate::manifest::policy::VaultPolicy;

/// Escapes a value for an HCL double-quoted string.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            // `${` and `%{` start template interpolation in HCL strings.
            '$' => out.push_str("$$"),
            '%' => out.push_str("%%"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes a policy with `header` comment lines first.
pub fn write_policy(header: &str, policy: &VaultPolicy) -> String {
    let mut out = String::new();
    for line in header
        .lines()
        .chain(policy.comments.iter().map(String::as_str))
    {
        out.push_str("# ");
        out.push_str(&line.replace('\n', " "));
        out.push('\n');
    }
    for rule in &policy.rules {
        out.push('\n');
        out.push_str(&format!("path {} {{\n", quote(&rule.path)));
        let caps: Vec<String> = rule.capabilities.iter().map(|c| quote(c)).collect();
        out.push_str(&format!("  capabilities = [{}]\n", caps.join(", ")));
        out.push_str("}\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::policy::VaultPathRule;

    #[test]
    fn escapes_values() {
        assert_eq!(quote(r#"a"b\c${x}"#), r#""a\"b\\c$${x}""#);
    }

    #[test]
    fn writes_rules() {
        let p = VaultPolicy {
            comments: vec!["team a".into()],
            rules: vec![VaultPathRule {
                path: "secret/data/a/*".into(),
                capabilities: vec!["read"],
            }],
        };
        assert_eq!(
            write_policy("generated", &p),
            "# generated\n# team a\n\npath \"secret/data/a/*\" {\n  capabilities = [\"read\"]\n}\n"
        );
    }
}
