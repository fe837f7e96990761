//! Opening inputs: byte-order marks, UTF-8 with a GB18030 fallback, and
//! line-by-line reading that keeps line numbers for error messages.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

use crate::{ParseError, Probe, PROBE_BYTES};

/// One input to parse: a file or an export folder.
#[derive(Debug, Clone)]
pub struct Input {
    pub path: PathBuf,
}

impl Input {
    pub fn new(path: impl Into<PathBuf>) -> Input {
        Input { path: path.into() }
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

    /// Reads the whole file as bytes.
    pub fn read_bytes(&self) -> Result<Vec<u8>, ParseError> {
        std::fs::read(&self.path).map_err(|e| self.io_error(e))
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
        Ok(TextLines::new(self.path.clone(), self.open_skip_bom()?))
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
}

impl<R: BufRead> TextLines<R> {
    pub fn new(path: PathBuf, reader: R) -> TextLines<R> {
        TextLines { path, reader, line_no: 0, buf: Vec::new() }
    }

    /// The next line and its number, or None at the end.
    pub fn next_line(&mut self) -> Result<Option<(u64, &str)>, ParseError> {
        self.buf.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| ParseError::new(&self.path, format!("read failed: {e}")))?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        while matches!(self.buf.last(), Some(b'\n' | b'\r')) {
            self.buf.pop();
        }
        match std::str::from_utf8(&self.buf) {
            Ok(s) => Ok(Some((self.line_no, s))),
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
}
