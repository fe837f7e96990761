//! The archive (沉淀): one SQLite file that keeps every group's messages.
//!
//! Architecture invariants:
//! - One input file is written in one transaction ([`FileImport`]): a bad or
//!   interrupted file leaves the archive exactly as it was.
//! - Writing is idempotent: a message is keyed by its platform id, or by a
//!   content hash plus its occurrence number when the platform has none, so
//!   re-importing an export (or an overlapping newer one) adds nothing twice.
//! - Readers get plain [`Timeline`]s; nothing outside this crate sees SQL.

mod alerts;
mod enforcement;
mod import;
mod read;
mod schema;

pub use alerts::AlertRow;
pub use enforcement::EnforcementRow;
pub use import::{FileImport, ImportStats, SourceRecord};
pub use read::{GroupSpan, GroupSummary};

use std::path::{Path, PathBuf};

use rusqlite::Connection;

#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    #[error("archive {path}: {source}")]
    Sqlite { path: String, source: rusqlite::Error },
    #[error(
        "archive {path} was written by a newer shequn (schema version {found}, this one knows {known}); upgrade shequn"
    )]
    TooNew { path: String, found: i64, known: i64 },
    #[error("{0}")]
    Invalid(String),
}

pub type Result<T> = std::result::Result<T, ArchiveError>;

/// An open archive.
pub struct Archive {
    conn: Connection,
    path: String,
}

impl Archive {
    /// Opens (creating if needed) the archive at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Archive> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                ArchiveError::Invalid(format!("cannot create the archive's folder {}: {e}", dir.display()))
            })?;
        }
        let label = path.display().to_string();
        let conn = Connection::open(path).map_err(|source| ArchiveError::Sqlite { path: label.clone(), source })?;
        Archive::init(conn, label)
    }

    /// Opens an existing archive for reading only: one per thread when many
    /// groups are analysed in parallel (SQLite's WAL lets readers run side by side).
    pub fn open_readonly(path: &Path) -> Result<Archive> {
        use rusqlite::OpenFlags;
        let label = path.display().to_string();
        let conn =
            Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
                .map_err(|source| ArchiveError::Sqlite { path: label.clone(), source })?;
        let archive = Archive { conn, path: label };
        archive.conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS)).map_err(|e| archive.err(e))?;
        let version = archive.schema_version()?;
        let known = schema::MIGRATIONS.len() as i64;
        if version != known {
            return Err(ArchiveError::Invalid(format!(
                "archive {} is at schema version {version}, this shequn reads version {known}; open it once for writing (any import) to upgrade it",
                archive.path
            )));
        }
        Ok(archive)
    }

    /// An archive that lives in memory (tests, benchmarks of analysis alone).
    pub fn open_in_memory() -> Result<Archive> {
        let conn =
            Connection::open_in_memory().map_err(|source| ArchiveError::Sqlite { path: ":memory:".into(), source })?;
        Archive::init(conn, ":memory:".into())
    }

    fn init(conn: Connection, path: String) -> Result<Archive> {
        let mut archive = Archive { conn, path };
        // page_size only takes effect on a new file (before WAL is set): 16 KiB pages mean
        // fewer B-tree splits and page fetches; the import's writer needs ~15 % less CPU.
        // An existing archive keeps the page size it was created with.
        archive
            .conn
            .execute_batch(
                "PRAGMA page_size = 16384; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;
                 PRAGMA cache_size = -65536;",
            )
            .map_err(|e| archive.err(e))?;
        archive.conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS)).map_err(|e| archive.err(e))?;
        archive.migrate()?;
        Ok(archive)
    }

    fn migrate(&mut self) -> Result<()> {
        let known = schema::MIGRATIONS.len() as i64;
        let sqlite = |path: &str| {
            let path = path.to_string();
            move |source| ArchiveError::Sqlite { path: path.clone(), source }
        };
        loop {
            let version: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| self.err(e))?;
            if version > known {
                return Err(ArchiveError::TooNew { path: self.path.clone(), found: version, known });
            }
            if version == known {
                return Ok(());
            }
            // Immediate, and the version read again inside: two processes opening a new archive
            // at once take turns, and the second finds the migration done (#19 item 8).
            let tx = rusqlite::Transaction::new(&mut self.conn, rusqlite::TransactionBehavior::Immediate)
                .map_err(sqlite(&self.path))?;
            let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sqlite(&self.path))?;
            if now == version {
                tx.execute_batch(schema::MIGRATIONS[version as usize]).map_err(sqlite(&self.path))?;
                tx.pragma_update(None, "user_version", version + 1).map_err(sqlite(&self.path))?;
            }
            tx.commit().map_err(sqlite(&self.path))?;
        }
    }

    /// The schema version this archive is at.
    pub fn schema_version(&self) -> Result<i64> {
        self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| self.err(e))
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub(crate) fn err(&self, source: rusqlite::Error) -> ArchiveError {
        ArchiveError::Sqlite { path: self.path.clone(), source }
    }

    /// Starts importing one input file: everything until [`FileImport::commit`]
    /// is one transaction, rolled back if the import is dropped.
    ///
    /// Foreign keys are not checked while importing: the writer only stores ids
    /// it read or inserted in the same transaction, and checking costs two
    /// B-tree seeks per row. (The pragma cannot change inside a transaction.)
    ///
    /// Always in WAL, from the first file into an empty archive on: readers (`groups`, a
    /// report, the dashboard) read beside any writer and never fail. (A rollback journal for
    /// the first file wrote each page once instead of twice, 0.3 s of a 3.5 s import at 1M
    /// messages, but locked readers out for the whole file: #19 item 8.)
    pub fn begin_file(&mut self) -> Result<FileImport<'_>> {
        self.begin(false)
    }

    /// Starts one short transaction of the live service: always in WAL, so dashboards and
    /// reports read beside it; fully synced at commit, because the platform is told the
    /// records are kept (and stops resending them) as soon as this returns.
    pub fn begin_live(&mut self) -> Result<FileImport<'_>> {
        self.begin(true)
    }

    /// Waits up to `max_wait` for the write lock (another import or the live service holding
    /// it for a file's transaction), calling `on_wait` once first if the lock is taken, so
    /// writers queue behind each other instead of failing after the busy timeout. The next
    /// [`Archive::begin_file`] waits the same time.
    pub fn wait_for_writer(&mut self, max_wait: std::time::Duration, on_wait: impl FnOnce()) -> Result<()> {
        self.conn.busy_timeout(std::time::Duration::from_millis(100)).map_err(|e| self.err(e))?;
        let free = self.conn.execute_batch("BEGIN IMMEDIATE").is_ok();
        if free {
            self.conn.execute_batch("ROLLBACK").map_err(|e| self.err(e))?;
        } else {
            on_wait();
        }
        self.conn.busy_timeout(max_wait.max(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))).map_err(|e| self.err(e))
    }

    fn begin(&mut self, live: bool) -> Result<FileImport<'_>> {
        let path = self.path.clone();
        self.conn.execute_batch("PRAGMA foreign_keys = OFF").map_err(|e| self.err(e))?;
        if self.path != ":memory:" {
            let mode: String =
                self.conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).map_err(|e| self.err(e))?;
            if !mode.eq_ignore_ascii_case("wal") {
                return Err(ArchiveError::Invalid(format!(
                    "archive {path}: cannot switch to WAL (journal mode {mode})"
                )));
            }
        }
        // Live: a kill or power cut after the acknowledgement must not lose the batch
        // (imports keep NORMAL: a lost last file is simply read again).
        let sync = if live { "FULL" } else { "NORMAL" };
        self.conn.execute_batch(&format!("PRAGMA synchronous = {sync}")).map_err(|e| self.err(e))?;
        // `&mut self` keeps transactions from nesting; the statements and the
        // transaction share the connection for the import's lifetime.
        let conn: &Connection = &self.conn;
        let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)
            .map_err(|source| ArchiveError::Sqlite { path: path.clone(), source })?;
        FileImport::new(conn, tx, path)
    }
}

/// How long a writer waits for another connection's lock before giving up (unless
/// [`Archive::wait_for_writer`] set a longer wait), and how long a reader waits.
const BUSY_TIMEOUT_MS: u64 = 5000;

impl Archive {
    /// Leaves checkpoints (copying the WAL back into the file) to [`Archive::checkpoint`] on
    /// another connection: the live writer then never pays for one inside a commit that a
    /// platform is waiting on.
    pub fn no_autocheckpoint(&self) -> Result<()> {
        // A rewound log is also cut back to 64 MiB on disk.
        self.conn
            .execute_batch("PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864")
            .map_err(|e| self.err(e))
    }

    /// Caps this connection's page cache (KiB). The live writer keeps it small: its memory
    /// then levels off within minutes instead of growing with the archive up to the
    /// importer's 64 MiB.
    pub fn cache_kib(&self, kib: u32) -> Result<()> {
        self.conn.execute_batch(&format!("PRAGMA cache_size = -{kib}")).map_err(|e| self.err(e))
    }

    /// Copies what the WAL holds back into the archive file without waiting for the writer
    /// or readers (a passive checkpoint). Returns the frames in the log: a busy writer keeps
    /// appending, so only [`Archive::restart_log`] between its transactions rewinds it.
    pub fn checkpoint(&self) -> Result<i64> {
        self.conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1)).map_err(|e| self.err(e))
    }

    /// Finishes the checkpoint and rewinds the log to its start (waiting for readers up to
    /// the busy timeout). Cheap after passive checkpoints did most of the copying.
    pub fn restart_log(&self) -> Result<()> {
        self.conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(())).map_err(|e| self.err(e))
    }

    /// Where a live source was in its platform's stream at its last commit.
    pub fn cursor(&self, source: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row("SELECT value FROM live_cursors WHERE source = ?1", [source], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))
    }

    /// The source imported earlier with this fingerprint, if any.
    pub fn source(&self, fingerprint: &str) -> Result<Option<SourceRecord>> {
        use rusqlite::OptionalExtension;
        self.conn
            .query_row(
                "SELECT fingerprint, format, path, bytes, messages, events, imported_ms, first_ms, last_ms, batch FROM sources WHERE fingerprint = ?1",
                [fingerprint],
                |r| {
                    Ok(SourceRecord {
                        fingerprint: r.get(0)?,
                        format: r.get(1)?,
                        path: r.get(2)?,
                        bytes: r.get::<_, i64>(3)? as u64,
                        messages: r.get::<_, i64>(4)? as u64,
                        events: r.get::<_, i64>(5)? as u64,
                        imported_ms: r.get(6)?,
                        first_ms: r.get(7)?,
                        last_ms: r.get(8)?,
                        batch: r.get(9)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.err(e))
    }
}

/// Where the archive lives when neither `--db` nor `$SHEQUN_DB` says.
pub fn default_path() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .or_else(|| std::env::var_os("APPDATA").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("shequn").join("archive.db")
}
