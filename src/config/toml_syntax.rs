//! What to do about a TOML syntax error. The parser reports where it
//! noticed the mistake, which is not always where the mistake is: an array
//! left open is noticed at the next table header, lines later. This module
//! finds the place the mistake was made and says how to fix it, for the
//! mistakes people make when editing `tenants.toml` by hand.

use std::ops::Range;

/// The advice for one syntax error: what to do, and where the mistake was
/// made when that is not where the parser noticed it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Advice {
    /// A clearer message than the parser's, when it names the wrong mistake.
    pub message: Option<String>,
    /// What to do, for the diagnostic's `help`.
    pub help: Option<String>,
    /// Where the mistake was made, when the parser noticed it later: the
    /// diagnostic points here, and at the parser's place as a second label.
    pub origin: Option<(Range<usize>, String)>,
    /// Another place that explains the error (the first of two duplicates).
    pub related: Option<(Range<usize>, String)>,
}

/// Advice for the parser's message `msg`, noticed at byte `at` of `text`.
pub fn advise(msg: &str, text: &str, at: usize) -> Advice {
    let first = msg.lines().next().unwrap_or_default();
    let help = |h: &str| Advice {
        help: Some(h.to_owned()),
        ..Advice::default()
    };
    if first.starts_with("missing comma between array elements")
        || first.starts_with("unclosed array")
    {
        return match open_bracket(text, at) {
            Some(open) if line_of(text, open) != line_of(text, at) => Advice {
                message: Some("an array is not closed".to_owned()),
                help: Some(
                    "close the array with `]` after its last element (elements are separated by `,`)"
                        .to_owned(),
                ),
                origin: Some((open..open + 1, "this array is never closed".to_owned())),
                related: None,
            },
            _ if first.starts_with("unclosed array") => {
                help("close the array with `]` after its last element")
            }
            _ => help("separate the elements with `,`: `[\"a\", \"b\"]`"),
        };
    }
    if first.starts_with("invalid basic string") || first.starts_with("invalid literal string") {
        return match text.get(at..).and_then(|t| t.chars().next()) {
            Some(c)
                if c.is_control() && c != '\n' && c != '\r'
                    || c == '\r' && !text[at..].starts_with("\r\n") =>
            {
                help(
                    "a string cannot hold a control character (an escape sequence or a lone carriage return pasted in): delete it, or write it as an escape such as `\\u001b`",
                )
            }
            _ => help(
                "close the string on the same line; text over several lines goes in `\"\"\"` … `\"\"\"`",
            ),
        };
    }
    if first.starts_with("string values must be quoted") {
        return help("quote the value: `name = \"payments\"`");
    }
    if first.starts_with("key with no value") {
        return help("write `key = value`, with `=` between the key and its value");
    }
    if first.starts_with("unclosed table") {
        return help("close the table header with `]`: `[cluster]`, `[[teams]]`");
    }
    if first.starts_with("missing escaped value") || first.starts_with("invalid escape") {
        return help(
            "a `\\` in a \"...\" string starts an escape: write `\\\\` for a backslash, or use a literal string in single quotes: 'a\\b'",
        );
    }
    if first.starts_with("unexpected key or value") {
        return help(
            "one `key = value` per line: remove what follows the value (a trailing `,` is not TOML), or start a comment with `#`",
        );
    }
    if first.starts_with("duplicate key") {
        return Advice {
            help: Some(
                "a key or table can appear once: remove one, or merge them; each team is its own `[[teams]]` entry"
                    .to_owned(),
            ),
            message: None,
            origin: None,
            related: earlier_same_key(text, at).map(|r| (r, "first defined here".to_owned())),
        };
    }
    Advice::default()
}

fn line_of(text: &str, at: usize) -> usize {
    text.get(..at).map_or(0, |t| t.matches('\n').count())
}

/// The `[` of the innermost value array still open at byte `at`, outside
/// strings and comments; table headers (`[x]` at the start of a line) are
/// not arrays.
fn open_bracket(text: &str, at: usize) -> Option<usize> {
    let mut open: Vec<usize> = Vec::new();
    let mut in_string: Option<char> = None;
    let mut line_start = true;
    let mut chars = text.get(..at)?.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (in_string, c) {
            (Some(_), '\\') if in_string == Some('"') => {
                chars.next();
            }
            (Some(q), c) if c == q => in_string = None,
            (Some(_), '\n') => in_string = None,
            (None, '"' | '\'') => in_string = Some(c),
            (None, '#') => {
                while chars.peek().is_some_and(|(_, c)| *c != '\n') {
                    chars.next();
                }
            }
            (None, '[') if line_start && open.is_empty() => {
                // A table header: skip to the end of its line.
                while chars.peek().is_some_and(|(_, c)| *c != '\n') {
                    chars.next();
                }
            }
            (None, '[') => open.push(i),
            (None, ']') => {
                open.pop();
            }
            _ => {}
        }
        line_start = c == '\n' || (line_start && c.is_whitespace());
    }
    open.pop()
}

/// For a duplicate noticed at `at`: the earlier `key =` or `[table]` line
/// with the same text before the `=` (or the same header).
fn earlier_same_key(text: &str, at: usize) -> Option<Range<usize>> {
    let line_start = text.get(..at)?.rfind('\n').map_or(0, |i| i + 1);
    let line = text.get(line_start..)?.lines().next()?.trim_end();
    let wanted = match line.trim_start() {
        h if h.starts_with('[') => h.to_owned(),
        kv => kv.split('=').next()?.trim_end().to_owned(),
    };
    let mut offset = 0;
    let mut found = None;
    for l in text.get(..line_start)?.split_inclusive('\n') {
        let trimmed = l.trim_start();
        let key = if trimmed.starts_with('[') {
            trimmed.trim_end()
        } else {
            trimmed.split('=').next().unwrap_or_default().trim_end()
        };
        if key == wanted {
            let start = offset + (l.len() - trimmed.len());
            found = Some(start..start + key.len());
        }
        offset += l.len();
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_array_left_open_points_at_its_bracket() {
        let text = "version = 1\n[[teams]]\nnamespaces = [\"a\", \"b\"\n\n[cluster]\n";
        let at = text.find("[cluster]").unwrap();
        let advice = advise(
            "missing comma between array elements, expected `,`",
            text,
            at,
        );
        let (range, label) = advice.origin.unwrap();
        assert_eq!(&text[range.clone()], "[");
        assert_eq!(range.start, text.find("= [").unwrap() + 2);
        assert!(label.contains("never closed"));
    }

    #[test]
    fn a_missing_comma_on_one_line_has_no_origin() {
        let text = "namespaces = [\"a\" \"b\"]\n";
        let advice = advise("missing comma between array elements", text, 18);
        assert!(advice.origin.is_none());
        assert!(advice.help.unwrap().contains("`,`"));
    }

    #[test]
    fn brackets_in_strings_and_comments_do_not_count() {
        let text = "a = [\"[\", '# [' ] # [\nb = [\n\n[t]\n";
        let at = text.find("[t]").unwrap();
        let open = open_bracket(text, at).unwrap();
        assert_eq!(open, text.find("b = [").unwrap() + 4);
    }

    #[test]
    fn a_control_character_is_not_an_unclosed_string() {
        let text = "name = \"pay\u{1b}[2J\"\n";
        let at = text.find('\u{1b}').unwrap();
        let advice = advise("invalid basic string", text, at);
        assert!(advice.help.unwrap().contains("control character"));
        let open = "name = \"pay\n";
        let advice = advise("invalid basic string", open, open.find('\n').unwrap());
        assert!(advice.help.unwrap().contains("close the string"));
    }

    #[test]
    fn a_duplicate_points_at_the_first() {
        let text = "[cluster]\nname = \"a\"\nname = \"b\"\n";
        let at = text.rfind("name").unwrap();
        let (range, _) = advise("duplicate key", text, at).related.unwrap();
        assert_eq!(range.start, text.find("name").unwrap());
        let text = "[cluster]\nname = \"a\"\n[cluster]\n";
        let (range, _) = advise("duplicate key", text, text.rfind("cluster").unwrap())
            .related
            .unwrap();
        assert_eq!(range.start, 0);
    }
}
