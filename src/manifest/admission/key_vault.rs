//! The admission rule for an Azure Key Vault find's name expression, and
//! its Rust twin that `check` applies (through the Azure provider), side by
//! side so they cannot drift apart. Imports only [`super::cel`]: the
//! provider module uses it without depending on the plan.

use super::cel::cel_string;

/// What may not follow the anchored prefix of a Key Vault find's name
/// expression: `?`, `*`, `+` or `{` would make the prefix's last character
/// optional or repeated.
pub const KEY_VAULT_WIDENING: [char; 4] = ['?', '*', '+', '{'];

/// `^` and the prefix escaped as `regex::escape` does it (RE2 reads `\`
/// followed by punctuation as that character), case folded: how every
/// admitted Key Vault find name expression begins.
pub fn key_vault_anchor(prefix: &str) -> String {
    format!("^{}", regex::escape(prefix)).to_ascii_lowercase()
}

/// A Go regexp (a CEL string expression) whose every match starts with the
/// prefix, as the generated Azure find carries it: [`key_vault_anchor`],
/// compared with case folded like the key, then a rest that cannot widen
/// the match: no `|` anywhere (`^p|.*` is an alternation at the top level
/// that matches everything; refusing every `|` is simpler than parsing
/// groups), none of [`KEY_VAULT_WIDENING`] right after the prefix, and as
/// many `(` as `)` (an unbalanced group does not compile in RE2 anyway;
/// refused rather than relied on). [`key_vault_find_admitted`] is the same
/// rule in Rust, for `check`.
pub fn key_vault_find_rule(var: &str, prefix: &str) -> String {
    let anchor = key_vault_anchor(prefix);
    let rest = format!("{var}.substring({})", anchor.chars().count());
    let widening: Vec<String> = KEY_VAULT_WIDENING
        .iter()
        .map(|c| cel_string(&c.to_string()))
        .collect();
    format!(
        "({var}.lowerAscii().startsWith({}) && !{var}.contains('|') && [{}].all(q, !{rest}.startsWith(q)) && {var}.split('(').size() == {var}.split(')').size())",
        cel_string(&anchor),
        widening.join(", ")
    )
}

/// True when the admission rule [`key_vault_find_rule`] admits `re` as the
/// find name expression of a team with `prefix`: what `check` holds a Key
/// Vault find to, so a file `check` accepts is never refused at apply time.
pub fn key_vault_find_admitted(re: &str, prefix: &str) -> bool {
    let anchor = key_vault_anchor(prefix);
    let rest: String = re.chars().skip(anchor.chars().count()).collect();
    re.to_ascii_lowercase().starts_with(&anchor)
        && !re.contains('|')
        && !rest.starts_with(KEY_VAULT_WIDENING)
        && re.matches('(').count() == re.matches(')').count()
}
