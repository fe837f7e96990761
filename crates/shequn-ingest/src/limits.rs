//! How much of an input a parser may hold or unpack: the `[limits]` table of `--config`.
//!
//! A hostile or damaged export must end in a clear error, never in an allocation failure or an
//! hour of work. Every bound is a named setting with a default that keeps an import within a
//! laptop's memory; exceeding one names the file and the setting to raise.

use std::io::{self, Read};
use std::path::Path;

use serde::Deserialize;

use crate::ParseError;

const MIB: u64 = 1024 * 1024;

/// The bounds an import applies to every input. Sizes are in MiB.
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Unpacked bytes of one zip entry (a WhatsApp `_chat.txt`, a Slack day file).
    pub zip_entry_mib: u64,
    /// Unpacked bytes of all entries read from one zip export together.
    pub zip_export_mib: u64,
    /// Unpacked bytes per packed byte of a zip entry; text packs 3–15×, a zip bomb 300–1000×.
    pub zip_ratio: u64,
    /// The longest line a line-based reader accepts (a JSON Lines record is one line).
    pub line_mib: u64,
    /// The largest file a format that must read a file whole (HTML, MHT, whole-document
    /// JSON, WhatsApp text) reads.
    pub whole_file_mib: u64,
    /// The deepest nesting of arrays and objects in a JSON export (at most 128).
    pub json_depth: u32,
    /// The largest single element of a streamed JSON `messages` array.
    pub json_record_mib: u64,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            zip_entry_mib: 1024,
            zip_export_mib: 4096,
            zip_ratio: 100,
            line_mib: 16,
            whole_file_mib: 1024,
            json_depth: 100,
            json_record_mib: 64,
        }
    }
}

/// The setting names with their meaning, for errors and docs.
pub const LIMIT_KEYS: [&str; 7] =
    ["zip_entry_mib", "zip_export_mib", "zip_ratio", "line_mib", "whole_file_mib", "json_depth", "json_record_mib"];

impl Limits {
    /// Reads the `[limits]` table of a settings file; other tables belong to the analyses and
    /// are left alone. Unknown keys and impossible values are errors naming the key.
    pub fn from_toml(text: &str) -> Result<Limits, String> {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        let Some(value) = table.remove("limits") else { return Ok(Limits::default()) };
        let limits: Limits = value.try_into().map_err(|e: toml::de::Error| {
            format!("[limits]: {} (known keys: {})", e.message(), LIMIT_KEYS.join(", "))
        })?;
        limits.check()?;
        Ok(limits)
    }

    fn check(&self) -> Result<(), String> {
        let positive = [
            ("zip_entry_mib", self.zip_entry_mib),
            ("zip_export_mib", self.zip_export_mib),
            ("zip_ratio", self.zip_ratio),
            ("line_mib", self.line_mib),
            ("whole_file_mib", self.whole_file_mib),
            ("json_record_mib", self.json_record_mib),
        ];
        if let Some((key, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(format!("[limits] {key} must be at least 1"));
        }
        if !(1..=128).contains(&self.json_depth) {
            return Err(format!("[limits] json_depth must be 1 to 128, not {}", self.json_depth));
        }
        Ok(())
    }

    pub fn line_bytes(&self) -> u64 {
        self.line_mib.saturating_mul(MIB)
    }
    pub fn whole_file_bytes(&self) -> u64 {
        self.whole_file_mib.saturating_mul(MIB)
    }
    pub fn zip_entry_bytes(&self) -> u64 {
        self.zip_entry_mib.saturating_mul(MIB)
    }
    pub fn zip_export_bytes(&self) -> u64 {
        self.zip_export_mib.saturating_mul(MIB)
    }
    pub fn json_record_bytes(&self) -> u64 {
        self.json_record_mib.saturating_mul(MIB)
    }
}

/// The error for an input past a limit: which setting, its value, and how to raise it.
pub fn exceeded(path: &Path, what: &str, key: &str, value: u64) -> ParseError {
    ParseError::new(path, format!("{what}: more than the limit {key} = {value} / 超过上限 {key} = {value}")).hint(
        format!("if the file is genuine, raise `{key}` in the [limits] table of a --config file; otherwise the file may be damaged or hostile"),
    )
}

/// Reads at most `limit` bytes of `reader` into a vector grown as the bytes arrive (never
/// sized by what the input declares); more is an error from `too_big`.
pub fn read_bounded<R: Read>(
    mut reader: R,
    limit: u64,
    too_big: impl FnOnce() -> ParseError,
    io_error: impl FnOnce(io::Error) -> ParseError,
) -> Result<Vec<u8>, ParseError> {
    let mut out = Vec::new();
    (&mut reader).take(limit.saturating_add(1)).read_to_end(&mut out).map_err(io_error)?;
    if out.len() as u64 > limit {
        return Err(too_big());
    }
    Ok(out)
}

/// A reader in front of a JSON parser that counts nesting (outside strings) and the bytes of
/// the current record, failing with a message naming the limit. serde_json's own depth limit
/// (128) stays beneath it.
pub struct JsonGuard<R> {
    inner: R,
    max_depth: u32,
    max_record: u64,
    depth: u32,
    in_string: bool,
    escaped: bool,
    record: std::rc::Rc<std::cell::Cell<u64>>,
}

/// Marks where a record starts (the parser calls `start` before each streamed element).
#[derive(Clone, Default)]
pub struct RecordMark(std::rc::Rc<std::cell::Cell<u64>>);

impl RecordMark {
    pub fn start(&self) {
        self.0.set(0);
    }
}

impl<R: Read> JsonGuard<R> {
    /// A guard whose record count only starts once a [`RecordMark`] from [`JsonGuard::mark`] is
    /// used; before that (and for documents without streamed records) bytes are not counted.
    pub fn new(inner: R, limits: &Limits) -> JsonGuard<R> {
        JsonGuard {
            inner,
            max_depth: limits.json_depth,
            max_record: limits.json_record_bytes(),
            depth: 0,
            in_string: false,
            escaped: false,
            record: std::rc::Rc::new(std::cell::Cell::new(u64::MAX)),
        }
    }

    pub fn mark(&self) -> RecordMark {
        RecordMark(self.record.clone())
    }

    fn scan(&mut self, bytes: &[u8]) -> io::Result<()> {
        for &b in bytes {
            if self.in_string {
                match (self.escaped, b) {
                    (true, _) => self.escaped = false,
                    (false, b'\\') => self.escaped = true,
                    (false, b'"') => self.in_string = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'[' | b'{' => {
                    self.depth += 1;
                    if self.depth > self.max_depth {
                        return Err(io::Error::other(format!(
                            "nested deeper than the limit json_depth = {} / 嵌套超过上限 json_depth",
                            self.max_depth
                        )));
                    }
                }
                b']' | b'}' => self.depth = self.depth.saturating_sub(1),
                _ => {}
            }
        }
        let counted = self.record.get();
        if counted != u64::MAX {
            let now = counted.saturating_add(bytes.len() as u64);
            self.record.set(now);
            if now > self.max_record {
                return Err(io::Error::other(format!(
                    "one message is larger than the limit json_record_mib = {} / 单条记录超过上限 json_record_mib",
                    self.max_record / MIB
                )));
            }
        }
        Ok(())
    }
}

impl<R: Read> Read for JsonGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.scan(&buf[..n])?;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_read_and_mistakes_name_the_key() {
        let l = Limits::from_toml("alive_days = 3\n[limits]\nzip_ratio = 50\n[content]\nx = 1\n").unwrap();
        assert_eq!(l.zip_ratio, 50);
        assert_eq!(l.line_mib, Limits::default().line_mib);
        let err = Limits::from_toml("[limits]\nzip_ration = 50\n").unwrap_err();
        assert!(err.contains("zip_ration") && err.contains("zip_ratio"), "{err}");
        let err = Limits::from_toml("[limits]\njson_depth = 500\n").unwrap_err();
        assert!(err.contains("json_depth"), "{err}");
        let err = Limits::from_toml("[limits]\nline_mib = 0\n").unwrap_err();
        assert!(err.contains("line_mib"), "{err}");
        assert_eq!(Limits::from_toml("").unwrap(), Limits::default());
    }

    #[test]
    fn depth_past_the_limit_fails_but_brackets_in_strings_do_not_count() {
        let limits = Limits { json_depth: 3, ..Limits::default() };
        let ok = br#"{"a":[{"t":"[[[[{{{{"}]}"#;
        let mut out = Vec::new();
        JsonGuard::new(&ok[..], &limits).read_to_end(&mut out).unwrap();
        let deep = br#"{"a":[[{"t":1}]]}"#;
        let err = JsonGuard::new(&deep[..], &limits).read_to_end(&mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("json_depth = 3"), "{err}");
        // An escaped quote does not end the string.
        let escaped = br#"{"t":"\"[[[[[["}"#;
        JsonGuard::new(&escaped[..], &limits).read_to_end(&mut Vec::new()).unwrap();
    }

    #[test]
    fn a_record_past_the_limit_fails_once_counting_starts() {
        let limits = Limits { json_record_mib: 1, ..Limits::default() };
        let big = vec![b' '; 2 * MIB as usize];
        // Not counted before a mark starts a record.
        JsonGuard::new(&big[..], &limits).read_to_end(&mut Vec::new()).unwrap();
        let mut g = JsonGuard::new(&big[..], &limits);
        g.mark().start();
        let err = g.read_to_end(&mut Vec::new()).unwrap_err();
        assert!(err.to_string().contains("json_record_mib = 1"), "{err}");
    }
}
