//! Loaded configuration files. Consumes paths and text; produces a `Sources`
//! registry whose byte spans diagnostics point into, so every finding can be
//! shown as `file:line:col` with the offending text underlined.

use std::ops::Range;
use std::sync::OnceLock;

use codespan_reporting::files::{Error as FilesError, Files};

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
    files: Vec<SourceFile>,
}

/// One loaded file. Its line starts are found on first use, when a
/// finding is shown: codespan's `SimpleFiles` found them as each file was
/// added, 53 M instructions (a character search) for a 4 MB tenants file
/// on the main thread of every run, before the parse could start.
struct SourceFile {
    name: String,
    /// Shared with the load stage, which hands the same text to the
    /// pipeline: one copy of a large file, not two.
    text: std::sync::Arc<str>,
    line_starts: OnceLock<Vec<usize>>,
}

impl SourceFile {
    /// The byte offset of each line's start; the first is 0.
    fn line_starts(&self) -> &[usize] {
        self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i + 1))
                .collect()
        })
    }

    /// Where line `line` (0-based) starts; one past the last line is the
    /// end of the text.
    fn line_start(&self, line: usize) -> Result<usize, FilesError> {
        let starts = self.line_starts();
        match line.cmp(&starts.len()) {
            std::cmp::Ordering::Less => Ok(starts[line]),
            std::cmp::Ordering::Equal => Ok(self.text.len()),
            std::cmp::Ordering::Greater => Err(FilesError::LineTooLarge {
                given: line,
                max: starts.len() - 1,
            }),
        }
    }
}

/// The file database codespan's renderer reads: the same answers as its
/// `SimpleFiles`, with the line starts found lazily.
impl<'a> Files<'a> for Sources {
    type FileId = FileId;
    type Name = String;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<String, FilesError> {
        Ok(self.file(id)?.name.clone())
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, FilesError> {
        Ok(&self.file(id)?.text)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, FilesError> {
        Ok(self
            .file(id)?
            .line_starts()
            .binary_search(&byte_index)
            .unwrap_or_else(|next| next - 1))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, FilesError> {
        let file = self.file(id)?;
        Ok(file.line_start(line_index)?..file.line_start(line_index + 1)?)
    }
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
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<std::sync::Arc<str>>) -> FileId {
        self.files.push(SourceFile {
            name: name.into(),
            text: text.into(),
            line_starts: OnceLock::new(),
        });
        self.files.len() - 1
    }

    fn file(&self, id: FileId) -> Result<&SourceFile, FilesError> {
        self.files.get(id).ok_or(FilesError::FileMissing)
    }

    /// The text of a registered file.
    pub fn text(&self, file: FileId) -> &str {
        self.files.get(file).map_or("", |f| &f.text)
    }

    /// The name a registered file was added under.
    pub fn name(&self, file: FileId) -> String {
        self.files
            .get(file)
            .map(|f| f.name.clone())
            .unwrap_or_default()
    }

    /// One-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, file: FileId, offset: usize) -> (usize, usize) {
        let line = self.line_index(file, offset).unwrap_or(0);
        let col = self.column_number(file, line, offset).unwrap_or(1);
        (line + 1, col)
    }

    /// A copy whose texts show every character [`is_unsafe_char`] as `?`,
    /// one per byte so that every span still fits: a config must not be able
    /// to recolour, rewrite or reorder a terminal or CI log through the
    /// source lines a diagnostic quotes. `None` when nothing needs it.
    pub fn for_display(&self) -> Option<Sources> {
        if !self.files.iter().any(|f| has_unsafe_chars(&f.text)) {
            return None;
        }
        let mut out = Sources::new();
        for SourceFile { name, text, .. } in &self.files {
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
            out.add(name.as_str(), shown);
        }
        Some(out)
    }

    /// The file database, for codespan's renderer.
    pub fn files(&self) -> &Self {
        self
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

    proptest::proptest! {
        /// The lazy line index answers as codespan's `SimpleFiles` does, for
        /// every byte offset and line of any text (CRLF, no final newline,
        /// empty lines, multi-byte characters), and for a missing file.
        #[test]
        fn the_lazy_line_index_answers_as_codespan_does(
            texts in proptest::collection::vec("[a\\n\\ré]{0,40}", 1..3),
        ) {
            use codespan_reporting::files::SimpleFiles;
            let mut ours = Sources::new();
            let mut theirs = SimpleFiles::new();
            for (i, t) in texts.iter().enumerate() {
                ours.add(format!("f{i}"), t.clone());
                theirs.add(format!("f{i}"), t.clone());
            }
            for (id, t) in texts.iter().enumerate().chain([(texts.len(), &String::new())]) {
                proptest::prop_assert_eq!(Files::name(&ours, id).ok(), theirs.name(id).ok());
                proptest::prop_assert_eq!(Files::source(&ours, id).ok(), theirs.source(id).ok());
                for at in 0..=t.len() + 1 {
                    let line = ours.line_index(id, at).ok();
                    proptest::prop_assert_eq!(line, theirs.line_index(id, at).ok(), "line of {}", at);
                    if let Some(line) = line {
                        proptest::prop_assert_eq!(
                            ours.column_number(id, line, at).ok(),
                            theirs.column_number(id, line, at).ok()
                        );
                    }
                }
                for line in 0..t.len() + 3 {
                    proptest::prop_assert_eq!(
                        ours.line_range(id, line).map_err(|e| e.to_string()),
                        theirs.line_range(id, line).map_err(|e| e.to_string())
                    );
                }
            }
        }
    }
}
