//! CEL string literals, for the admission rules and the Rust twins that
//! sit beside them. A leaf: it imports nothing of the crate, so provider
//! code can share a rule with the admission policies without depending on
//! the plan.

/// A CEL string literal.
pub fn cel_string(s: &str) -> String {
    let mut out = String::from("'");
    for c in s.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}
