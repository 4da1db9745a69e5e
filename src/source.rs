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

    /// The underlying codespan file database, for the renderer.
    pub fn files(&self) -> &SimpleFiles<String, String> {
        &self.files
    }
}
