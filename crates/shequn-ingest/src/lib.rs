//! Sources: every platform export format behind one [`Format`] trait.
//!
//! A format sniffs content (never the file extension alone), then streams
//! [`Record`]s into a [`Sink`]. Formats know nothing of the archive; adding a
//! platform means adding one module under `formats/` and one line in
//! [`formats::all`].

pub mod formats;
mod input;
pub mod limits;
pub mod mapping;
pub mod zip_reader;

pub use input::{decode_text, head_is_utf8, Input, TextLines};
pub use limits::Limits;
pub use shequn_model::{Record, Sink, SinkClosed};

use std::fmt;
use std::path::{Path, PathBuf};

use chrono::FixedOffset;

/// How sure a format is that an input is its own. 0 means "not mine".
pub type Score = u8;

/// What a format may look at to decide whether an input is its own.
pub struct Probe<'a> {
    pub path: &'a Path,
    /// For a directory: the names of its direct entries. Empty for a file.
    pub dir_entries: &'a [String],
    /// For a file: its first bytes (up to [`PROBE_BYTES`]), BOM included.
    pub head: &'a [u8],
}

impl Probe<'_> {
    pub fn is_dir(&self) -> bool {
        self.head.is_empty() && !self.dir_entries.is_empty()
    }
    /// The head as text, BOM removed, lossy for a cut-off last character.
    pub fn head_text(&self) -> std::borrow::Cow<'_, str> {
        let bytes = self.head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(self.head);
        String::from_utf8_lossy(bytes)
    }
    pub fn file_name(&self) -> &str {
        self.path.file_name().and_then(|n| n.to_str()).unwrap_or("")
    }
}

/// How many bytes of a file sniffing sees.
pub const PROBE_BYTES: usize = 64 * 1024;

/// Settings that apply to every parser.
#[derive(Debug, Clone, Default)]
pub struct ParseOptions {
    /// The zone for times the source writes without one. None: each format's
    /// default (UTC+8 for QQ/WeChat/WeCom, the machine's local zone otherwise).
    pub zone: Option<FixedOffset>,
}

impl ParseOptions {
    /// The zone for zone-less times: the user's choice, else the format's default.
    pub fn zone_or(&self, default: FixedOffset) -> FixedOffset {
        self.zone.unwrap_or(default)
    }
    /// The zone for zone-less times where the format's default is "local".
    pub fn zone_or_local(&self) -> FixedOffset {
        self.zone.unwrap_or_else(|| *chrono::Local::now().offset())
    }
}

/// UTC+8, the default zone for QQ, WeChat and WeCom exports.
pub fn china_zone() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("valid offset")
}

/// A platform export format.
pub trait Format: Send + Sync {
    /// Short name used by `--format` (`telegram`, `slack`, `irc`, ...).
    fn name(&self) -> &'static str;
    /// One line for `shequn import --help` and error messages.
    fn description(&self) -> &'static str;
    /// Whether this format reads directories (an export folder) rather than files.
    fn reads_directories(&self) -> bool {
        false
    }
    /// How sure this format is that the probed input is its own (0 = not mine).
    fn sniff(&self, probe: &Probe) -> Score;
    /// Streams the input's records into `sink`. On error, records already pushed
    /// are discarded by the caller: one input is imported whole or not at all.
    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError>;
}

/// A parse failure that tells the user where and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub path: PathBuf,
    /// "line 12", "byte 4096", "entry general/2018-02-01.json"; None for the whole file.
    pub location: Option<String>,
    pub message: String,
    /// What the user can do about it.
    pub hint: Option<String>,
}

impl ParseError {
    pub fn new(path: &Path, message: impl Into<String>) -> ParseError {
        ParseError { path: path.to_path_buf(), location: None, message: message.into(), hint: None }
    }
    pub fn at(mut self, location: impl Into<String>) -> ParseError {
        self.location = Some(location.into());
        self
    }
    pub fn hint(mut self, hint: impl Into<String>) -> ParseError {
        self.hint = Some(hint.into());
        self
    }
    /// The sink stopped: not the file's fault.
    pub fn sink_closed(path: &Path) -> ParseError {
        ParseError::new(path, SinkClosed.to_string())
    }
    /// An error from serde_json, with its line and column.
    pub fn json(path: &Path, err: &serde_json::Error, expected: &str) -> ParseError {
        let what = if err.is_eof() {
            "the file ends in the middle of the JSON (truncated?)".to_string()
        } else {
            err.to_string()
        };
        ParseError::new(path, format!("not valid {expected}: {what}")).at(format!(
            "line {}, column {}",
            err.line(),
            err.column()
        ))
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(loc) = &self.location {
            write!(f, ": {loc}")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, " ({hint})")?;
        }
        Ok(())
    }
}

impl std::error::Error for ParseError {}

/// Converts a sink failure inside a parser into a [`ParseError`].
pub trait SinkResultExt {
    fn or_closed(self, path: &Path) -> Result<(), ParseError>;
}

impl SinkResultExt for Result<(), SinkClosed> {
    fn or_closed(self, path: &Path) -> Result<(), ParseError> {
        self.map_err(|_| ParseError::sink_closed(path))
    }
}

/// Picks the format for an input by its content. Returns None when no format
/// claims it.
pub fn detect(probe: &Probe) -> Option<&'static dyn Format> {
    formats::all()
        .iter()
        .filter(|f| f.reads_directories() == probe.is_dir())
        .map(|f| (f.sniff(probe), *f))
        .filter(|(score, _)| *score > 0)
        .max_by_key(|(score, _)| *score)
        .map(|(_, f)| f)
}

/// Finds a format by its `--format` name.
pub fn by_name(name: &str) -> Option<&'static dyn Format> {
    formats::all().iter().copied().find(|f| f.name().eq_ignore_ascii_case(name))
}

/// All format names, for help texts and errors.
pub fn format_names() -> Vec<&'static str> {
    formats::all().iter().map(|f| f.name()).collect()
}
