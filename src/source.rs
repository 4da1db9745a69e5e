//! Loaded configuration files. Consumes paths and text; produces a `Sources`
//! registry whose byte spans diagnostics point into, so every finding can be
//! shown as `file:line:col` with the offending text underlined.

use std::ops::Range;

use codespan_reporting::files::{Files, SimpleFiles};

/// Identifies one loaded file inside [`Sources`].
pub type FileId = usize;

/// A byte range inside one loaded file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// Which file the range belongs to.
    pub file: FileId,
    /// Byte offsets, end exclusive.
    pub range: Range<usize>,
}

/// Spans hash to nothing: a position says where a value was written, not
/// what was decided, so the fingerprints of incremental generation
/// (`manifest::build::Builder::fingerprint`) must not change when an edit
/// above a team's table shifts its text. Trivially consistent with `Eq`.
impl std::hash::Hash for Span {
    fn hash<H: std::hash::Hasher>(&self, _state: &mut H) {}
}

impl Span {
    /// A span in `file` covering `range`.
    pub fn new(file: FileId, range: Range<usize>) -> Self {
        Self { file, range }
    }
}

/// Every file esogen has read, by the name the user would recognise.
#[derive(Default)]
pub struct Sources {
    files: SimpleFiles<String, String>,
}

impl std::fmt::Debug for Sources {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sources")
    }
}

impl Sources {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers a file's text under `name` (shown in diagnostics) and returns its id.
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.add(name.into(), text.into())
    }

    /// The text of a registered file.
    pub fn text(&self, file: FileId) -> &str {
        self.files
            .get(file)
            .map(|f| f.source().as_str())
            .unwrap_or("")
    }

    /// The name a registered file was added under.
    pub fn name(&self, file: FileId) -> String {
        self.files
            .get(file)
            .map(|f| f.name().clone())
            .unwrap_or_default()
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, file: FileId, offset: usize) -> (usize, usize) {
        let line = self.files.line_index(file, offset).unwrap_or(0);
        let col = self.files.column_number(file, line, offset).unwrap_or(1);
        (line + 1, col)
    }

    /// A copy whose texts show every character [`is_unsafe_char`] as `?`,
    /// one per byte so that every span still fits: a config must not be able
    /// to recolour, rewrite or reorder a terminal or CI log through the
    /// source lines a diagnostic quotes. `None` when nothing needs it.
    pub fn for_display(&self) -> Option<Sources> {
        let mut texts = Vec::new();
        let mut id = 0;
        while let Ok(f) = self.files.get(id) {
            texts.push((f.name().clone(), f.source().clone()));
            id += 1;
        }
        if !texts.iter().any(|(_, t)| has_unsafe_chars(t)) {
            return None;
        }
        let mut out = Sources::new();
        for (name, text) in texts {
            let mut shown = String::with_capacity(text.len());
            let mut chars = text.chars().peekable();
            while let Some(c) = chars.next() {
                // A CR that ends a CRLF line is a line ending, not a trick.
                if c == '\r' && chars.peek() == Some(&'\n') {
                    shown.push(c);
                } else if is_unsafe_char(c) {
                    shown.extend(std::iter::repeat_n('?', c.len_utf8()));
                } else {
                    shown.push(c);
                }
            }
            out.add(name, shown);
        }
        Some(out)
    }

    /// The underlying codespan file database, for the renderer.
    pub fn files(&self) -> &SimpleFiles<String, String> {
        &self.files
    }
}

/// Byte ranges in the loaded files, asked whether a range overlaps one of
/// them in O(log n): a scan of every range per question is quadratic when
/// a hostile file holds thousands of findings.
#[derive(Debug, Clone, Default)]
pub struct RangeSet {
    /// `(file, start, end)`, sorted.
    ranges: Vec<(FileId, usize, usize)>,
    /// The largest `end` among `ranges[..=i]` of the same file.
    max_end: Vec<usize>,
}

impl RangeSet {
    /// The set of `ranges` (half-open; they may overlap each other).
    pub fn new(ranges: impl IntoIterator<Item = (FileId, Range<usize>)>) -> Self {
        let mut ranges: Vec<(FileId, usize, usize)> = ranges
            .into_iter()
            .map(|(file, r)| (file, r.start, r.end))
            .collect();
        ranges.sort_unstable();
        let mut max_end = Vec::with_capacity(ranges.len());
        let mut prev: Option<(FileId, usize)> = None;
        for &(file, _, end) in &ranges {
            let m = match prev {
                Some((f, m)) if f == file => m.max(end),
                _ => end,
            };
            max_end.push(m);
            prev = Some((file, m));
        }
        Self { ranges, max_end }
    }

    /// True when `range` in `file` shares a byte with one of the ranges:
    /// some `r` with `r.start < range.end && range.start < r.end`.
    pub fn overlaps(&self, file: FileId, range: &Range<usize>) -> bool {
        // The ranges of `file` that start before `range` ends; one of them
        // overlaps when the furthest end among them passes `range.start`.
        let first = self.ranges.partition_point(|&(f, _, _)| f < file);
        let past = self
            .ranges
            .partition_point(|&(f, start, _)| (f, start) < (file, range.end));
        past > first && self.max_end[past - 1] > range.start
    }
}

/// Control characters other than newline and tab, and the Unicode
/// bidirectional controls (U+200E, U+200F, U+202A to U+202E, U+2066 to
/// U+2069): characters that change how a terminal or log shows text.
pub fn is_unsafe_char(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn has_unsafe_chars(text: &str) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if is_unsafe_char(c) && !(c == '\r' && chars.peek() == Some(&'\n')) {
            return true;
        }
    }
    false
}

/// `text` with every [`is_unsafe_char`] written as a `\u{..}` escape.
pub fn escape_unsafe(text: &str) -> String {
    if !text.chars().any(is_unsafe_char) {
        return text.to_owned();
    }
    text.chars()
        .map(|c| {
            if is_unsafe_char(c) {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_set_finds_overlaps_as_a_scan_would() {
        let ranges = [
            (0, 10..20),
            (0, 12..14),
            (0, 30..31),
            (1, 0..100),
            (0, 5..6),
        ];
        let set = RangeSet::new(ranges.iter().cloned());
        for file in 0..3 {
            for start in 0..40 {
                for end in start..40 {
                    let q = start..end;
                    let scan = ranges
                        .iter()
                        .any(|(f, r)| *f == file && r.start < q.end && q.start < r.end);
                    assert_eq!(set.overlaps(file, &q), scan, "{file} {q:?}");
                }
            }
        }
        assert!(!RangeSet::default().overlaps(0, &(0..10)));
    }
}
