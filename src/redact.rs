//! Keeps credentials out of what esogen prints. At the bottom of the crate:
//! it imports nothing of it.

use std::sync::OnceLock;

use regex::Regex;

/// `text` with the user information of every URL in it replaced by `***`:
/// `https://user:TOKEN@host/x.git` becomes `https://***@host/x.git`. Used on
/// every message that may name a git remote (`--push`).
pub fn url_credentials(text: &str) -> String {
    static USERINFO: OnceLock<Option<Regex>> = OnceLock::new();
    match USERINFO.get_or_init(|| Regex::new(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@").ok()) {
        Some(re) => re.replace_all(text, "${1}***@").into_owned(),
        // The expression is a constant; failing to compile it would be a
        // bug, and then nothing URL-like is printed at all.
        None if text.contains("://") => "(a message naming a URL, withheld)".to_owned(),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_information_is_withheld() {
        assert_eq!(
            url_credentials("cannot push to `https://someone:T0KEN@host:9/x.git`: refused"),
            "cannot push to `https://***@host:9/x.git`: refused"
        );
        assert_eq!(
            url_credentials("ssh://git@host/x and https://ghp_abc@github.com/o/r"),
            "ssh://***@host/x and https://***@github.com/o/r"
        );
        for plain in ["https://host/x.git", "origin", "file:///srv/x.git", "a@b"] {
            assert_eq!(url_credentials(plain), plain);
        }
    }
}
