//! Opening inputs: byte-order marks, UTF-8 with a GB18030 fallback, and
//! line-by-line reading that keeps line numbers for error messages.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::limits::{exceeded, read_bounded, Limits};
use crate::{ParseError, Probe, PROBE_BYTES};

/// One input to parse: a file or an export folder, and how much of it may be read.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: PathBuf,
    pub limits: Limits,
}

impl Input {
    /// An input read within the default limits.
    pub fn new(path: impl Into<PathBuf>) -> Input {
        Input { path: path.into(), limits: Limits::default() }
    }

    /// An input read within the given limits (the `[limits]` table of `--config`).
    pub fn with_limits(path: impl Into<PathBuf>, limits: Limits) -> Input {
        Input { path: path.into(), limits }
    }

    /// Opens the file for streaming reads.
    pub fn open(&self) -> Result<BufReader<File>, ParseError> {
        File::open(&self.path)
            .map(|f| BufReader::with_capacity(256 * 1024, f))
            .map_err(|e| ParseError::new(&self.path, format!("cannot open: {e}")))
    }

    /// Opens the file for streaming reads with a UTF-8 BOM skipped.
    pub fn open_skip_bom(&self) -> Result<BufReader<File>, ParseError> {
        let mut r = self.open()?;
        let head = r.fill_buf().map_err(|e| self.io_error(e))?;
        if head.starts_with(b"\xEF\xBB\xBF") {
            r.consume(3);
        }
        Ok(r)
    }

    /// Reads the whole file as bytes, up to the `whole_file_mib` limit.
    pub fn read_bytes(&self) -> Result<Vec<u8>, ParseError> {
        let file = File::open(&self.path).map_err(|e| ParseError::new(&self.path, format!("cannot open: {e}")))?;
        read_bounded(
            file,
            self.limits.whole_file_bytes(),
            || {
                exceeded(
                    &self.path,
                    "the file is larger than a format read whole may be",
                    "whole_file_mib",
                    self.limits.whole_file_mib,
                )
            },
            |e| self.io_error(e),
        )
    }

    /// A JSON reader (BOM skipped) that enforces `json_depth` and `json_record_mib`.
    pub fn json_reader(&self) -> Result<crate::limits::JsonGuard<BufReader<File>>, ParseError> {
        Ok(crate::limits::JsonGuard::new(self.open_skip_bom()?, &self.limits))
    }

    /// Reads the whole file as text: UTF-8 (BOM removed), UTF-16 by BOM, or
    /// GB18030 when the bytes are not UTF-8. Fails on text that is neither.
    pub fn read_text(&self) -> Result<String, ParseError> {
        let bytes = self.read_bytes()?;
        decode_text(&self.path, &bytes)
    }

    /// Streams the file line by line (UTF-8 only; use [`Input::read_text`]
    /// for files that may be GBK).
    pub fn lines(&self) -> Result<TextLines<BufReader<File>>, ParseError> {
        Ok(TextLines::new(self.path.clone(), self.open_skip_bom()?).max_line(self.limits.line_bytes()))
    }

    pub fn io_error(&self, e: io::Error) -> ParseError {
        ParseError::new(&self.path, format!("read failed: {e}"))
    }

    /// Builds the probe sniffing looks at.
    pub fn probe_data(path: &Path) -> io::Result<(Vec<String>, Vec<u8>)> {
        if path.is_dir() {
            let mut names: Vec<String> = std::fs::read_dir(path)?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            Ok((names, Vec::new()))
        } else {
            let mut head = Vec::with_capacity(PROBE_BYTES);
            File::open(path)?.take(PROBE_BYTES as u64).read_to_end(&mut head)?;
            Ok((Vec::new(), head))
        }
    }
}

/// Decodes a text file's bytes: BOM first, then UTF-8, then GB18030.
pub fn decode_text(path: &Path, bytes: &[u8]) -> Result<String, ParseError> {
    if let Some((enc, bom_len)) = encoding_rs::Encoding::for_bom(bytes) {
        let (text, had_errors) = enc.decode_without_bom_handling(&bytes[bom_len..]);
        if had_errors {
            return Err(ParseError::new(path, format!("not valid {} text after its byte-order mark", enc.name())));
        }
        return Ok(text.into_owned());
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(utf8_err) if utf8_err.error_len().is_none() && utf8_err.valid_up_to() > 0 => Err(ParseError::new(
            path,
            "the file ends in the middle of a UTF-8 character: it was cut off / 文件在一个字符中间结束：文件不完整",
        )
        .at(format!("byte {}", utf8_err.valid_up_to()))
        .hint("copy or download the whole export again")),
        Err(utf8_err) => {
            let (text, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
            if had_errors {
                Err(ParseError::new(path, "the file is neither UTF-8 nor GBK/GB18030 text")
                    .at(format!("byte {}", utf8_err.valid_up_to()))
                    .hint("re-export it as UTF-8 text, or check that it is a chat export"))
            } else {
                Ok(text.into_owned())
            }
        }
    }
}

/// True when `probe`'s head is text in UTF-8 (a cut-off last character allowed).
pub fn head_is_utf8(probe: &Probe) -> bool {
    match std::str::from_utf8(probe.head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && probe.head.len() >= PROBE_BYTES - 4,
    }
}

/// Lines of a UTF-8 stream with their 1-based numbers; `\r\n` endings trimmed.
pub struct TextLines<R> {
    path: PathBuf,
    reader: R,
    line_no: u64,
    buf: Vec<u8>,
    max_line: u64,
}

impl<R: BufRead> TextLines<R> {
    pub fn new(path: PathBuf, reader: R) -> TextLines<R> {
        TextLines { path, reader, line_no: 0, buf: Vec::new(), max_line: Limits::default().line_bytes() }
    }

    /// Lines longer than `bytes` are an error (the `line_mib` limit), not read into memory.
    pub fn max_line(mut self, bytes: u64) -> TextLines<R> {
        self.max_line = bytes;
        self
    }

    /// The next line and its number, or None at the end.
    pub fn next_line(&mut self) -> Result<Option<(u64, &str)>, ParseError> {
        self.buf.clear();
        let n = (&mut self.reader)
            .take(self.max_line.saturating_add(2))
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| ParseError::new(&self.path, format!("read failed: {e}")))?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        if self.buf.len() as u64 > self.max_line {
            let mib = self.max_line / (1024 * 1024);
            return Err(exceeded(&self.path, "a line is longer than allowed", "line_mib", mib)
                .at(format!("line {}", self.line_no)));
        }
        match std::str::from_utf8(&self.buf) {
            Ok(s) => Ok(Some((self.line_no, s))),
            Err(e) if e.error_len().is_none() => Err(ParseError::new(
                &self.path,
                "the file ends in the middle of a UTF-8 character: it was cut off / 文件在一个字符中间结束：文件不完整",
            )
            .at(format!("line {}, byte {} of the line", self.line_no, e.valid_up_to()))
            .hint("copy or download the whole export again")),
            Err(e) => Err(ParseError::new(&self.path, "invalid UTF-8 text")
                .at(format!("line {}, byte {} of the line", self.line_no, e.valid_up_to()))
                .hint("the file may be damaged or in another encoding; re-export it as UTF-8")),
        }
    }

    pub fn line_no(&self) -> u64 {
        self.line_no
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gbk_bytes_decode_as_chinese() {
        let (gbk, _, _) = encoding_rs::GBK.encode("好运2017，大家加油");
        let text = decode_text(Path::new("x.txt"), &gbk).unwrap();
        assert_eq!(text, "好运2017，大家加油");
    }

    #[test]
    fn utf8_bom_is_removed() {
        let text = decode_text(Path::new("x.txt"), "\u{feff}abc".as_bytes()).unwrap();
        assert_eq!(text, "abc");
    }

    #[test]
    fn lines_report_invalid_utf8_with_line_number() {
        let data: &[u8] = b"ok\nbad \xff here\n";
        let mut lines = TextLines::new(PathBuf::from("f.txt"), data);
        assert_eq!(lines.next_line().unwrap().unwrap().1, "ok");
        let err = lines.next_line().unwrap_err();
        assert_eq!(err.location.as_deref(), Some("line 2, byte 4 of the line"));
    }

    #[test]
    fn utf8_cut_mid_character_is_reported_as_cut() {
        let mut bytes = "群聊记录：你好".as_bytes().to_vec();
        bytes.pop();
        let err = decode_text(Path::new("x.txt"), &bytes).unwrap_err();
        assert!(err.message.contains("cut off"), "{err}");
        let mut lines = TextLines::new(PathBuf::from("f.txt"), &bytes[..]);
        let err = lines.next_line().unwrap_err();
        assert!(err.message.contains("cut off"), "{err}");
    }

    #[test]
    fn a_line_past_the_limit_fails_and_one_at_it_passes() {
        let mut data = vec![b'a'; 100];
        data.extend_from_slice(b"\r\n");
        data.extend_from_slice(&[b'b'; 101]);
        data.push(b'\n');
        let mut lines = TextLines::new(PathBuf::from("f.txt"), &data[..]).max_line(100);
        assert_eq!(lines.next_line().unwrap().unwrap().1.len(), 100);
        let err = lines.next_line().unwrap_err();
        assert!(err.message.contains("line_mib"), "{err}");
        assert_eq!(err.location.as_deref(), Some("line 2"));
    }
}
