//! The import pipeline: sources → normalized records → archive.
//!
//! Inputs are expanded into units (one file, or one export folder), each
//! sniffed for its format. Worker threads parse units in order and stream
//! records in bounded chunks; one writer applies each unit in its own
//! transaction, so memory stays bounded and a bad file changes nothing.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{channel, sync_channel, Receiver, Sender, SyncSender};

use serde::Serialize;
use shequn_archive::{Archive, ImportStats, SourceRecord};
use shequn_ingest::{Format, Input, ParseError, ParseOptions, Probe, Record, Sink, SinkClosed};

/// One thing to parse: a file or an export folder, with its format.
pub struct Unit {
    pub path: PathBuf,
    pub format: &'static dyn Format,
}

/// A source's identity: a hash of its bytes, its format and this parser
/// version. An unchanged export has the same fingerprint and is not re-read.
#[derive(Debug, Clone)]
pub struct Fingerprint {
    pub hash: String,
    pub bytes: u64,
}

/// Hashes a file, or every file under a folder (names and bytes, in name order).
pub fn fingerprint(unit: &Unit) -> std::io::Result<Fingerprint> {
    use std::io::Read;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    hasher.update(unit.format.name().as_bytes());
    hasher.update(env!("CARGO_PKG_VERSION").as_bytes());
    let mut files = Vec::new();
    collect_files(&unit.path, &mut files)?;
    let mut bytes = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    for file in files {
        if let Ok(rel) = file.strip_prefix(&unit.path) {
            hasher.update(rel.to_string_lossy().as_bytes());
        }
        let mut f = std::fs::File::open(&file)?;
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                break;
            }
            bytes += n as u64;
            hasher.update(&buf[..n]);
        }
    }
    Ok(Fingerprint { hash: format!("{:032x}", hasher.digest128()), bytes })
}

fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    if path.is_dir() {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(path)?.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        entries.sort();
        for e in entries {
            collect_files(&e, out)?;
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// Runs `job` over `0..n` on `threads` threads, results in index order.
fn parallel_map<T: Send>(n: usize, threads: usize, job: impl Fn(usize) -> T + Sync) -> Vec<T> {
    let next = AtomicUsize::new(0);
    let results: Vec<std::sync::Mutex<Option<T>>> = (0..n).map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, n.max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                if i >= n {
                    break;
                }
                let r = job(i);
                *results[i].lock().expect("result lock") = Some(r);
            });
        }
    });
    results.into_iter().map(|m| m.into_inner().expect("result lock").expect("every index ran")).collect()
}

/// A file or folder that could not be imported, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub path: String,
    pub error: String,
}

/// A file passed over while walking a folder (not a chat export we know).
#[derive(Debug, Clone, Serialize)]
pub struct Passed {
    pub path: String,
    pub reason: String,
}

/// Turns the paths a user named into units. Problems with paths the user
/// named explicitly are failures; unknown files found inside folders are passed over.
pub fn plan(paths: &[PathBuf], forced: Option<&'static dyn Format>) -> (Vec<Unit>, Vec<Failure>, Vec<Passed>) {
    let mut units = Vec::new();
    let mut failures = Vec::new();
    let mut passed = Vec::new();
    // Folders already read, by their real path: a link back up (`loop -> .`) is read once.
    let mut seen = std::collections::HashSet::new();
    for path in paths {
        let before = units.len();
        if !path.exists() {
            failures.push(Failure { path: path.display().to_string(), error: "no such file or folder".into() });
            continue;
        }
        match classify(path, forced) {
            Ok(Some(format)) => units.push(Unit { path: path.clone(), format }),
            Ok(None) if path.is_dir() => {
                walk(path, forced, &mut units, &mut passed, &mut seen);
                if units.len() == before {
                    failures.push(Failure {
                        path: path.display().to_string(),
                        error: format!(
                            "no chat export found in this folder ({} other files passed over); formats shequn reads: {}",
                            passed.len(),
                            shequn_ingest::format_names().join(", ")
                        ),
                    });
                }
            }
            Ok(None) => failures.push(Failure { path: path.display().to_string(), error: unknown_format_error(path) }),
            Err(e) => failures.push(Failure { path: path.display().to_string(), error: e }),
        }
    }
    (units, failures, passed)
}

fn unknown_format_error(path: &Path) -> String {
    match std::fs::metadata(path) {
        Ok(m) if m.len() == 0 => "the file is empty: there is nothing to import".into(),
        _ => format!(
            "not a chat export shequn recognises; if you know its format, name it with --format (one of: {})",
            shequn_ingest::format_names().join(", ")
        ),
    }
}

/// The format for one path: forced, or sniffed from content.
fn classify(path: &Path, forced: Option<&'static dyn Format>) -> Result<Option<&'static dyn Format>, String> {
    // Opening a FIFO waits for a writer and a device never ends: only files and folders are read.
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read: {e}"))?;
    if !meta.is_file() && !meta.is_dir() {
        return Err("not a regular file or folder (a pipe, device or socket): not read".into());
    }
    let is_dir = meta.is_dir();
    // Also with --format: an empty file holds no export, and "imported 0 messages" would hide that.
    if !is_dir && meta.len() == 0 {
        return Err("the file is empty: there is nothing to import / 文件为空".into());
    }
    if let Some(f) = forced {
        return Ok((f.reads_directories() == is_dir).then_some(f));
    }
    let (entries, head) = Input::probe_data(path).map_err(|e| format!("cannot read: {e}"))?;
    if !is_dir && head.is_empty() {
        return Err("the file is empty: there is nothing to import".into());
    }
    if is_dir && entries.is_empty() {
        return Ok(None);
    }
    Ok(shequn_ingest::detect(&Probe { path, dir_entries: &entries, head: &head }))
}

fn walk(
    dir: &Path,
    forced: Option<&'static dyn Format>,
    units: &mut Vec<Unit>,
    passed: &mut Vec<Passed>,
    seen: &mut std::collections::HashSet<PathBuf>,
) {
    if let Ok(real) = std::fs::canonicalize(dir) {
        if !seen.insert(real) {
            passed.push(Passed {
                path: dir.display().to_string(),
                reason: "a link to a folder already read (read once)".into(),
            });
            return;
        }
    }
    let mut entries: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok()).map(|e| e.path()).collect(),
        Err(e) => {
            passed.push(Passed { path: dir.display().to_string(), reason: format!("cannot read folder: {e}") });
            return;
        }
    };
    entries.sort();
    for path in entries {
        let hidden = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        match classify(&path, forced) {
            Ok(Some(format)) => units.push(Unit { path, format }),
            Ok(None) if path.is_dir() => walk(&path, forced, units, passed, seen),
            Ok(None) => {
                passed.push(Passed { path: path.display().to_string(), reason: "not a recognised chat export".into() })
            }
            Err(reason) => passed.push(Passed { path: path.display().to_string(), reason }),
        }
    }
}

/// What flows from a parser to the writer.
enum Chunk {
    Records(Vec<Record>),
    Done(Result<(), ParseError>),
}

const CHUNK: usize = 4096;

struct ChunkSink {
    buf: Vec<Record>,
    tx: SyncSender<Chunk>,
    /// Chunks the writer has stored, handed back: their records are freed here,
    /// on the thread that allocated them, and the vector is reused.
    spent: Receiver<Vec<Record>>,
}

impl Sink for ChunkSink {
    fn push(&mut self, record: Record) -> Result<(), SinkClosed> {
        self.buf.push(record);
        if self.buf.len() >= CHUNK {
            let next = match self.spent.try_recv() {
                Ok(mut spent) => {
                    spent.clear();
                    spent
                }
                Err(_) => Vec::with_capacity(CHUNK),
            };
            let full = std::mem::replace(&mut self.buf, next);
            self.tx.send(Chunk::Records(full)).map_err(|_| SinkClosed)?;
        }
        Ok(())
    }
}

/// What the writer reports while it works (for progress bars).
pub enum Progress<'r> {
    /// Another chunk of records is stored (in the unit's open transaction).
    Stored { records: usize },
    /// A unit is done: committed, failed, or unchanged.
    Done(&'r UnitReport),
    /// Another process holds the archive's write lock: this unit waits for it.
    Waiting,
}

/// How long a unit waits for another writer (another import, `shequn live`) to finish its
/// transaction before the import gives up; `import --wait` overrides it.
pub const WRITER_WAIT_SECS: u64 = 600;

/// What bounds a run: how much each input may make the parsers hold, and how long each unit
/// queues behind another writer.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    pub limits: shequn_ingest::Limits,
    pub wait_secs: u64,
}

impl Default for Bounds {
    fn default() -> Bounds {
        Bounds { limits: shequn_ingest::Limits::default(), wait_secs: WRITER_WAIT_SECS }
    }
}

/// The outcome of one unit.
#[derive(Debug, Clone, Serialize)]
pub struct UnitReport {
    pub path: String,
    pub format: &'static str,
    pub stats: Option<ImportStats>,
    pub error: Option<String>,
    /// True when the same bytes were imported before and were not read again.
    pub unchanged: bool,
    /// The platforms of the groups the unit held (filled in once the import is done).
    pub platforms: Vec<String>,
}

/// Parses units on worker threads and writes each in its own transaction.
/// `on_progress` hears of each stored chunk and each finished unit. A storage failure stops
/// everything and is returned as the error.
pub fn run(
    archive: &mut Archive,
    units: &[Unit],
    opts: &ParseOptions,
    bounds: &Bounds,
    threads: usize,
    force: bool,
    mut on_progress: impl FnMut(Progress<'_>),
) -> anyhow::Result<Vec<UnitReport>> {
    let prints = parallel_map(units.len(), threads, |i| fingerprint(&units[i]));
    // A unit seen before with the same bytes is reported from the archive, not re-read.
    let mut known: Vec<Option<SourceRecord>> = Vec::with_capacity(units.len());
    for p in &prints {
        known.push(match p {
            Ok(fp) if !force => archive.source(&fp.hash)?,
            _ => None,
        });
    }
    let mut senders = Vec::with_capacity(units.len());
    let mut receivers: Vec<(Receiver<Chunk>, Sender<Vec<Record>>)> = Vec::with_capacity(units.len());
    for _ in units {
        let (tx, rx) = sync_channel::<Chunk>(4);
        let (spent_tx, spent_rx) = channel::<Vec<Record>>();
        senders.push(Some((tx, spent_rx)));
        receivers.push((rx, spent_tx));
    }
    type ParserEnds = (SyncSender<Chunk>, Receiver<Vec<Record>>);
    let senders: Vec<std::sync::Mutex<Option<ParserEnds>>> = senders.into_iter().map(std::sync::Mutex::new).collect();
    let next = AtomicUsize::new(0);
    let mut reports = Vec::with_capacity(units.len());
    std::thread::scope(|scope| -> anyhow::Result<()> {
        for _ in 0..threads.max(1) {
            scope.spawn(|| loop {
                // Units are taken in order, so the one the writer waits for is always being parsed.
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(unit) = units.get(i) else { break };
                let Some((tx, spent)) = senders[i].lock().expect("sender lock").take() else { continue };
                if known[i].is_some() {
                    let _ = tx.send(Chunk::Done(Ok(())));
                    continue;
                }
                let mut sink = ChunkSink { buf: Vec::with_capacity(CHUNK), tx: tx.clone(), spent };
                let input = Input::with_limits(&unit.path, bounds.limits);
                let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    unit.format.parse(&input, opts, &mut sink)
                }))
                .unwrap_or_else(|_| {
                    Err(ParseError::new(
                        &unit.path,
                        format!(
                            "the {} parser crashed on this file (a bug in shequn: please report it)",
                            unit.format.name()
                        ),
                    ))
                });
                let rest = std::mem::take(&mut sink.buf);
                let result = if result.is_ok() && !rest.is_empty() && tx.send(Chunk::Records(rest)).is_err() {
                    Err(ParseError::sink_closed(&unit.path))
                } else {
                    result
                };
                let _ = tx.send(Chunk::Done(result));
            });
        }
        let outcome = (|| -> anyhow::Result<()> {
            for (i, (unit, (rx, spent))) in units.iter().zip(receivers.iter()).enumerate() {
                let report = match (&known[i], &prints[i]) {
                    (Some(seen), _) => {
                        let _ = rx.recv();
                        unchanged_report(unit, seen)
                    }
                    (None, print) => {
                        write_unit(archive, unit, rx, spent, print.as_ref().ok(), bounds.wait_secs, &mut on_progress)?
                    }
                };
                on_progress(Progress::Done(&report));
                reports.push(report);
            }
            Ok(())
        })();
        // On a storage failure, stop the parsers: dropping receivers closes their sinks.
        drop(receivers);
        outcome
    })?;
    Ok(reports)
}

fn unchanged_report(unit: &Unit, seen: &SourceRecord) -> UnitReport {
    let stats = ImportStats { messages_present: seen.messages, events_present: seen.events, ..ImportStats::default() };
    UnitReport {
        path: unit.path.display().to_string(),
        format: unit.format.name(),
        stats: Some(stats),
        error: None,
        unchanged: true,
        platforms: Vec::new(),
    }
}

/// The batch a unit belongs to, canonical so `./x` and `/home/me/x` agree: a file's folder
/// (files side by side were exported together and share one coverage end), or the unit
/// itself when it is a folder (a Slack export folder is a whole export of its own).
fn batch_of(path: &Path) -> Option<String> {
    let full = std::fs::canonicalize(path).ok()?;
    let batch = if full.is_dir() { full.as_path() } else { full.parent()? };
    Some(batch.display().to_string())
}

fn write_unit(
    archive: &mut Archive,
    unit: &Unit,
    rx: &Receiver<Chunk>,
    spent: &Sender<Vec<Record>>,
    print: Option<&Fingerprint>,
    wait_secs: u64,
    on_progress: &mut dyn FnMut(Progress<'_>),
) -> anyhow::Result<UnitReport> {
    let mut waiting = false;
    archive.wait_for_writer(std::time::Duration::from_secs(wait_secs), || waiting = true)?;
    if waiting {
        on_progress(Progress::Waiting);
    }
    let mut file = archive.begin_file()?;
    let mut report = UnitReport {
        path: unit.path.display().to_string(),
        format: unit.format.name(),
        stats: None,
        error: None,
        unchanged: false,
        platforms: Vec::new(),
    };
    loop {
        match rx.recv() {
            Ok(Chunk::Records(records)) => {
                for r in &records {
                    file.apply_ref(r).map_err(|e| anyhow::anyhow!("while storing {}: {e}", unit.path.display()))?;
                }
                on_progress(Progress::Stored { records: records.len() });
                // Freed by the parser (or here, if it has finished).
                let _ = spent.send(records);
            }
            Ok(Chunk::Done(Ok(()))) => {
                if let Some(fp) = print {
                    let stats = file.stats();
                    let source = SourceRecord {
                        fingerprint: fp.hash.clone(),
                        format: unit.format.name().to_string(),
                        path: unit.path.display().to_string(),
                        bytes: fp.bytes,
                        messages: stats.messages_new + stats.messages_present,
                        events: stats.events_new + stats.events_present,
                        imported_ms: chrono::Utc::now().timestamp_millis(),
                        first_ms: stats.first_ms,
                        last_ms: stats.last_ms,
                        batch: batch_of(&unit.path),
                    };
                    file.record_source(&source)?;
                }
                report.stats = Some(file.commit()?);
                return Ok(report);
            }
            Ok(Chunk::Done(Err(e))) => {
                // Dropping `file` rolls the unit back: nothing of it stays.
                report.error = Some(e.to_string());
                return Ok(report);
            }
            Err(_) => {
                report.error = Some(format!("{}: the parser stopped without finishing", unit.path.display()));
                return Ok(report);
            }
        }
    }
}
