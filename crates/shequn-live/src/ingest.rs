//! The one writer: every source's deliveries go through a bounded queue to a thread that
//! owns the archive, commits them in short transactions (several deliveries of one source
//! together when they queue up), and only then tells each sender it is stored.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use shequn_archive::Archive;
use shequn_model::Record;
use tokio::sync::{mpsc, oneshot};

use crate::source::{now_ms, Delivery};

/// Why a delivery was not stored.
#[derive(Debug, Clone, thiserror::Error)]
pub enum IngestError {
    #[error("the archive writer is busy; retry shortly")]
    Busy,
    #[error("the archive writer has stopped")]
    Stopped,
    #[error("could not write to the archive: {0}")]
    Failed(String),
    /// The records themselves were refused (a source bug or hostile input): retrying
    /// the same delivery cannot help.
    #[error("records refused: {0}")]
    Rejected(String),
}

/// What the writer needs to know.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// Deliveries waiting for the writer at most.
    pub queue: usize,
    /// How long `store` waits for room in the queue and for the commit.
    pub wait: Duration,
    /// Deliveries committed together at most.
    pub batch: usize,
    /// Live sources whose coverage the writer extends to "now" while the service runs.
    pub sources: Vec<String>,
    /// How often that coverage is extended when nothing arrives.
    pub heartbeat: Duration,
}

impl Default for IngestOptions {
    fn default() -> IngestOptions {
        IngestOptions {
            queue: 4096,
            wait: Duration::from_millis(2500),
            batch: 512,
            sources: Vec::new(),
            heartbeat: Duration::from_secs(60),
        }
    }
}

/// A committed delivery, as the writer announces it to listeners (the dashboard's cache,
/// alerting): which source, which groups changed, and the records themselves.
#[derive(Debug, Clone)]
pub struct Committed {
    pub source: String,
    pub group_ids: Vec<i64>,
    pub records: Arc<Vec<Record>>,
}

enum Job {
    Store { source: String, delivery: Delivery, done: oneshot::Sender<Result<Vec<i64>, IngestError>> },
    Heartbeat,
    Alert { op: AlertOp, done: oneshot::Sender<Result<AlertDone, IngestError>> },
    Enforcement { rows: Vec<shequn_archive::EnforcementRow>, done: oneshot::Sender<Result<(), IngestError>> },
}

/// A change to the stored alerts, written by the one writer like everything else.
#[derive(Debug, Clone)]
pub enum AlertOp {
    /// A new alert; not stored (and `AlertDone::Changed(false)`) when its key already is.
    Insert(shequn_archive::AlertRow),
    /// Its bid was answered at `at_ms`.
    Resolve { key: String, at_ms: i64, evidence: String },
    /// An operator acknowledged it.
    Ack { key: String, at_ms: i64 },
}

/// What an [`AlertOp`] did.
#[derive(Debug, Clone)]
pub enum AlertDone {
    /// Whether the row changed (inserted, resolved).
    Changed(bool),
    /// The alert after acknowledgement (None: no such key).
    Row(Option<shequn_archive::AlertRow>),
}

/// Per-group change counters: a cached result is good while its group's counter is unchanged.
#[derive(Default)]
pub struct Changes {
    versions: Mutex<HashMap<i64, u64>>,
}

impl Changes {
    pub fn version(&self, group: i64) -> u64 {
        self.versions.lock().unwrap_or_else(|e| e.into_inner()).get(&group).copied().unwrap_or(0)
    }
    fn bump(&self, groups: &[i64]) {
        let mut v = self.versions.lock().unwrap_or_else(|e| e.into_inner());
        for g in groups {
            *v.entry(*g).or_insert(0) += 1;
        }
    }
}

/// The handle sources store through. Cheap to clone.
#[derive(Clone)]
pub struct Ingest {
    tx: mpsc::Sender<Job>,
    wait: Duration,
    path: PathBuf,
    /// Bumped after every commit, per group.
    pub changes: Arc<Changes>,
    /// Every commit, for whoever listens (alerts, server-sent events). Lagging listeners
    /// miss messages rather than slow the writer.
    pub committed: tokio::sync::broadcast::Sender<Committed>,
    /// Every stored alert change (opened, resolved, acknowledged) as the archive now holds
    /// the alert, for the server-sent event stream. Lagging listeners miss changes.
    pub alert_changes: tokio::sync::broadcast::Sender<shequn_archive::AlertRow>,
}

impl Ingest {
    /// Opens the archive at `path` (creating it, migrating it) and starts the writer thread.
    /// The thread ends when every `Ingest` clone is dropped; join the handle to wait for
    /// the last commit.
    pub fn start(path: &Path, opts: IngestOptions) -> anyhow::Result<(Ingest, std::thread::JoinHandle<()>)> {
        let archive =
            Archive::open(path).map_err(|e| anyhow::anyhow!("cannot open the archive {}: {e}", path.display()))?;
        // Checkpoints run beside the writer, not inside the commits platforms wait on.
        archive.no_autocheckpoint()?;
        archive.cache_kib(16 * 1024)?;
        let checkpointer = Archive::open(path)?;
        checkpointer.cache_kib(1024)?;
        let (tx, rx) = mpsc::channel(opts.queue.max(1));
        let changes = Arc::new(Changes::default());
        let (committed, _) = tokio::sync::broadcast::channel(1024);
        let (alert_changes, _) = tokio::sync::broadcast::channel(1024);
        let ingest = Ingest {
            tx,
            wait: opts.wait,
            path: path.to_path_buf(),
            changes: changes.clone(),
            committed,
            alert_changes,
        };
        let writing = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let still = writing.clone();
        let log_frames = Arc::new(std::sync::atomic::AtomicI64::new(0));
        let frames = log_frames.clone();
        std::thread::Builder::new().name("shequn-checkpoint".into()).spawn(move || {
            while still.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(500));
                if let Ok(n) = checkpointer.checkpoint() {
                    frames.store(n, std::sync::atomic::Ordering::Relaxed);
                }
            }
        })?;
        let writer = Writer {
            archive,
            changes,
            committed: ingest.committed.clone(),
            alert_changes: ingest.alert_changes.clone(),
            opts,
            log_frames,
        };
        let handle = std::thread::Builder::new().name("shequn-writer".into()).spawn(move || {
            writer.run(rx);
            writing.store(false, std::sync::atomic::Ordering::Relaxed);
        })?;
        Ok((ingest, handle))
    }

    /// The archive file this writes to.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stores a delivery from `source`; returns the archive ids of the groups it touched once
    /// it is committed and synced. Waits at most the configured time for room in the queue
    /// and for the commit: past it, [`IngestError::Busy`].
    pub async fn store(&self, source: &str, delivery: Delivery) -> Result<Vec<i64>, IngestError> {
        let (done, wait) = oneshot::channel();
        let job = Job::Store { source: source.to_string(), delivery, done };
        let deadline = tokio::time::Instant::now() + self.wait;
        match self.tx.send_timeout(job, self.wait).await {
            Ok(()) => {}
            Err(mpsc::error::SendTimeoutError::Timeout(_)) => return Err(IngestError::Busy),
            Err(mpsc::error::SendTimeoutError::Closed(_)) => return Err(IngestError::Stopped),
        }
        match tokio::time::timeout_at(deadline, wait).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(IngestError::Stopped),
            // Still queued or being written: it will be stored, but the platform is not told
            // so; it retries and the retry is a no-op (keys).
            Err(_) => Err(IngestError::Busy),
        }
    }

    /// Where `source` was in its platform's stream at its last commit.
    pub fn cursor(&self, source: &str) -> anyhow::Result<Option<String>> {
        let archive = Archive::open_readonly(&self.path)
            .map_err(|e| anyhow::anyhow!("cannot read the archive {}: {e}", self.path.display()))?;
        Ok(archive.cursor(source)?)
    }

    /// Writes an alert change through the writer (alerts live in the archive too).
    pub async fn alert(&self, op: AlertOp) -> Result<AlertDone, IngestError> {
        let (done, wait) = oneshot::channel();
        match self.tx.send_timeout(Job::Alert { op, done }, self.wait).await {
            Ok(()) => {}
            Err(mpsc::error::SendTimeoutError::Timeout(_)) => return Err(IngestError::Busy),
            Err(mpsc::error::SendTimeoutError::Closed(_)) => return Err(IngestError::Stopped),
        }
        wait.await.map_err(|_| IngestError::Stopped)?
    }

    /// Records what enforcement did (or would do) to messages, through the writer.
    pub async fn enforcement(&self, rows: Vec<shequn_archive::EnforcementRow>) -> Result<(), IngestError> {
        let (done, wait) = oneshot::channel();
        match self.tx.send_timeout(Job::Enforcement { rows, done }, self.wait).await {
            Ok(()) => {}
            Err(mpsc::error::SendTimeoutError::Timeout(_)) => return Err(IngestError::Busy),
            Err(mpsc::error::SendTimeoutError::Closed(_)) => return Err(IngestError::Stopped),
        }
        wait.await.map_err(|_| IngestError::Stopped)?
    }

    /// Asks the writer to extend the live sources' coverage to now.
    pub fn heartbeat(&self) {
        let _ = self.tx.try_send(Job::Heartbeat);
    }
}

struct Writer {
    archive: Archive,
    /// Frames in the WAL at the last passive checkpoint (the checkpoint thread's count).
    log_frames: Arc<std::sync::atomic::AtomicI64>,
    changes: Arc<Changes>,
    committed: tokio::sync::broadcast::Sender<Committed>,
    alert_changes: tokio::sync::broadcast::Sender<shequn_archive::AlertRow>,
    opts: IngestOptions,
}

/// WAL frames (16 KiB pages) after which the writer rewinds the log: about 64 MiB.
const LOG_REWIND_FRAMES: i64 = 4096;

/// Where a job's result goes.
type Done<T> = oneshot::Sender<Result<T, IngestError>>;

type Pending = (Delivery, oneshot::Sender<Result<Vec<i64>, IngestError>>);

impl Writer {
    fn run(mut self, mut rx: mpsc::Receiver<Job>) {
        while let Some(first) = rx.blocking_recv() {
            // Everything already waiting is committed together, per source: one sync for many
            // deliveries when traffic is heavy, one per delivery when it is light.
            let mut by_source: Vec<(String, Vec<Pending>)> = Vec::new();
            let mut heartbeat = false;
            let mut alerts: Vec<(AlertOp, oneshot::Sender<Result<AlertDone, IngestError>>)> = Vec::new();
            let mut enforced: Vec<(Vec<shequn_archive::EnforcementRow>, Done<()>)> = Vec::new();
            let mut take = |job: Job, heartbeat: &mut bool| match job {
                Job::Heartbeat => *heartbeat = true,
                Job::Alert { op, done } => alerts.push((op, done)),
                Job::Enforcement { rows, done } => enforced.push((rows, done)),
                Job::Store { source, delivery, done } => match by_source.iter_mut().find(|(s, _)| *s == source) {
                    Some((_, v)) => v.push((delivery, done)),
                    None => by_source.push((source, vec![(delivery, done)])),
                },
            };
            take(first, &mut heartbeat);
            let mut n = 1;
            while n < self.opts.batch {
                match rx.try_recv() {
                    Ok(job) => take(job, &mut heartbeat),
                    Err(_) => break,
                }
                n += 1;
            }
            for (source, jobs) in by_source {
                self.commit_source(&source, jobs);
            }
            for (op, done) in alerts {
                let _ = done.send(self.alert(op));
            }
            for (rows, done) in enforced {
                let _ =
                    done.send(self.archive.insert_enforcement(&rows).map_err(|e| IngestError::Failed(e.to_string())));
            }
            // Passive checkpoints never catch a writer that never pauses: rewind the log here,
            // between transactions, once it passes LOG_REWIND_FRAMES (most of it is copied
            // already, so this is short).
            if self.log_frames.load(std::sync::atomic::Ordering::Relaxed) > LOG_REWIND_FRAMES
                && self.archive.restart_log().is_ok()
            {
                self.log_frames.store(0, std::sync::atomic::Ordering::Relaxed);
            }
            if heartbeat {
                self.heartbeat();
            }
        }
    }

    /// Commits one source's deliveries together; if that fails, each alone, so one bad
    /// delivery cannot take the others down.
    fn commit_source(&mut self, source: &str, jobs: Vec<Pending>) {
        let deliveries: Vec<&Delivery> = jobs.iter().map(|(d, _)| d).collect();
        match self.write(source, &deliveries) {
            Ok(groups) => self.finish(source, jobs, groups),
            Err(_) if jobs.len() > 1 => {
                for job in jobs {
                    let result = self.write(source, &[&job.0]);
                    match result {
                        Ok(groups) => self.finish(source, vec![job], groups),
                        Err(e) => {
                            let _ = job.1.send(Err(e));
                        }
                    }
                }
            }
            Err(e) => {
                for (_, done) in jobs {
                    let _ = done.send(Err(e.clone()));
                }
            }
        }
    }

    fn finish(&self, source: &str, jobs: Vec<Pending>, groups: Vec<i64>) {
        self.changes.bump(&groups);
        for (delivery, done) in jobs {
            let _ = done.send(Ok(groups.clone()));
            if self.committed.receiver_count() > 0 && !delivery.records.is_empty() {
                let _ = self.committed.send(Committed {
                    source: source.to_string(),
                    group_ids: groups.clone(),
                    records: Arc::new(delivery.records),
                });
            }
        }
    }

    /// One transaction: the deliveries' records (each delivery's group slots shifted past the
    /// ones before it), the newest cursor, and the source's coverage extended to now.
    fn write(&mut self, source: &str, deliveries: &[&Delivery]) -> Result<Vec<i64>, IngestError> {
        let mut tx = self.archive.begin_live().map_err(|e| IngestError::Failed(e.to_string()))?;
        let mut base = 0u32;
        let mut cursor = None;
        for d in deliveries {
            let mut declared = 0u32;
            for r in &d.records {
                let shifted;
                let r = match r {
                    Record::Group(_) => {
                        declared += 1;
                        r
                    }
                    other if base == 0 => other,
                    other => {
                        shifted = shift(other, base);
                        &shifted
                    }
                };
                tx.apply_ref(r).map_err(|e| match e {
                    shequn_archive::ArchiveError::Invalid(m) => IngestError::Rejected(m),
                    e => IngestError::Failed(e.to_string()),
                })?;
            }
            base += declared;
            if d.cursor.is_some() {
                cursor = d.cursor.as_deref();
            }
        }
        let now = now_ms();
        if let Some(c) = cursor {
            tx.set_cursor(source, c, now).map_err(|e| IngestError::Failed(e.to_string()))?;
        }
        if !tx.stats().group_ids.is_empty() {
            tx.record_live(source, now).map_err(|e| IngestError::Failed(e.to_string()))?;
        }
        let stats = tx.commit().map_err(|e| IngestError::Failed(e.to_string()))?;
        Ok(stats.group_ids)
    }

    fn alert(&mut self, op: AlertOp) -> Result<AlertDone, IngestError> {
        let key = match &op {
            AlertOp::Insert(row) => row.key.clone(),
            AlertOp::Resolve { key, .. } | AlertOp::Ack { key, .. } => key.clone(),
        };
        let done = self.store_alert(op)?;
        // Tell the stream what the archive now holds (an acknowledgement is a change too).
        let changed = matches!(done, AlertDone::Changed(true) | AlertDone::Row(Some(_)));
        if changed && self.alert_changes.receiver_count() > 0 {
            if let Ok(Some(row)) = self.archive.alert(&key) {
                let _ = self.alert_changes.send(row);
            }
        }
        Ok(done)
    }

    fn store_alert(&mut self, op: AlertOp) -> Result<AlertDone, IngestError> {
        let failed = |e: shequn_archive::ArchiveError| IngestError::Failed(e.to_string());
        match op {
            AlertOp::Insert(row) => self.archive.insert_alert(&row).map(AlertDone::Changed).map_err(failed),
            AlertOp::Resolve { key, at_ms, evidence } => {
                self.archive.resolve_alert(&key, at_ms, &evidence).map(AlertDone::Changed).map_err(failed)
            }
            AlertOp::Ack { key, at_ms } => self.archive.ack_alert(&key, at_ms).map(AlertDone::Row).map_err(failed),
        }
    }

    /// Extends every running live source's coverage to now: silence while the service
    /// listens is silence the diagnosis may count.
    fn heartbeat(&mut self) {
        let sources = self.opts.sources.clone();
        for s in sources {
            let Ok(mut tx) = self.archive.begin_live() else { return };
            if tx.extend_live(&s, now_ms()).is_ok() {
                let _ = tx.commit();
            }
        }
    }
}

/// A record with its group slot moved up by `base`.
fn shift(r: &Record, base: u32) -> Record {
    let mut r = r.clone();
    match &mut r {
        Record::Roster { group, .. }
        | Record::Message { group, .. }
        | Record::Event { group, .. }
        | Record::Note { group, .. } => *group += base,
        Record::Group(_) | Record::Skipped { .. } => {}
    }
    r
}
