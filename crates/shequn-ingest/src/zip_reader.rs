//! Reading entries out of a zip export within [`Limits`]: an entry's declared size is never
//! trusted (nothing is allocated from it), and the bytes actually unpacked are counted against
//! the entry and export limits and against the packed bytes read so far, so a zip bomb stops
//! after a few megabytes instead of filling memory.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use crate::limits::{exceeded, Limits};
use crate::ParseError;

/// Unpacked bytes below which the ratio is not judged (small entries pack unevenly).
const RATIO_FLOOR: u64 = 4 * 1024 * 1024;

/// A file reader that counts the bytes read from disk.
struct Counted {
    file: File,
    read: Arc<AtomicU64>,
}

impl Read for Counted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.file.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl Seek for Counted {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.file.seek(pos)
    }
}

/// A zip export opened for bounded reading.
pub struct BoundedZip {
    path: PathBuf,
    zip: zip::ZipArchive<BufReader<Counted>>,
    packed_read: Arc<AtomicU64>,
    /// Unpacked bytes of every entry read so far (the export limit).
    unpacked: u64,
    limits: Limits,
}

impl BoundedZip {
    pub fn open(path: &Path, limits: &Limits) -> Result<BoundedZip, ParseError> {
        let file = File::open(path).map_err(|e| ParseError::new(path, format!("cannot open: {e}")))?;
        let packed_read = Arc::new(AtomicU64::new(0));
        let reader = BufReader::new(Counted { file, read: packed_read.clone() });
        let zip = zip::ZipArchive::new(reader).map_err(|e| {
            ParseError::new(path, format!("not a readable zip file: {e}")).hint("the download may be incomplete")
        })?;
        Ok(BoundedZip { path: path.to_path_buf(), zip, packed_read, unpacked: 0, limits: *limits })
    }

    pub fn file_names(&self) -> impl Iterator<Item = &str> {
        self.zip.file_names()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The unpacked bytes of the entry `name`, None when the zip has no such entry.
    pub fn read(&mut self, name: &str) -> Result<Option<Vec<u8>>, ParseError> {
        let at = |e: ParseError| e.at(format!("entry {name}"));
        let mut entry = match self.zip.by_name(name) {
            Ok(e) => e,
            Err(zip::result::ZipError::FileNotFound) => return Ok(None),
            Err(e) => return Err(at(ParseError::new(&self.path, format!("cannot read zip entry: {e}")))),
        };
        let entry_limit = self.limits.zip_entry_bytes();
        // A declared size is only ever grounds to refuse early, never a size to allocate.
        if entry.size() > entry_limit {
            return Err(at(exceeded(
                &self.path,
                &format!("a zip entry declares {} bytes unpacked", entry.size()),
                "zip_entry_mib",
                self.limits.zip_entry_mib,
            )));
        }
        let packed_start = self.packed_read.load(Ordering::Relaxed);
        let export_left = self.limits.zip_export_bytes().saturating_sub(self.unpacked);
        let mut out = Vec::new();
        let mut chunk = vec![0u8; 64 * 1024];
        loop {
            let n = match entry.read(&mut chunk) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(at(ParseError::new(&self.path, format!("cannot unpack: {e}")))),
            };
            out.extend_from_slice(&chunk[..n]);
            let unpacked = out.len() as u64;
            if unpacked > entry_limit {
                return Err(at(exceeded(
                    &self.path,
                    "a zip entry unpacks to more bytes than allowed",
                    "zip_entry_mib",
                    self.limits.zip_entry_mib,
                )));
            }
            if unpacked > export_left {
                return Err(at(exceeded(
                    &self.path,
                    "the zip's entries unpack to more bytes than allowed",
                    "zip_export_mib",
                    self.limits.zip_export_mib,
                )));
            }
            let packed = self.packed_read.load(Ordering::Relaxed).saturating_sub(packed_start).max(1);
            if unpacked > RATIO_FLOOR && unpacked / packed > self.limits.zip_ratio {
                return Err(at(exceeded(
                    &self.path,
                    &format!("a zip entry unpacks to {}× its packed size (a zip bomb?)", unpacked / packed),
                    "zip_ratio",
                    self.limits.zip_ratio,
                )));
            }
        }
        self.unpacked += out.len() as u64;
        Ok(Some(out))
    }
}
