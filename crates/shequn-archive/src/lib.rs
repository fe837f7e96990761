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
        let version: i64 = self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| self.err(e))?;
        let known = schema::MIGRATIONS.len() as i64;
        if version > known {
            return Err(ArchiveError::TooNew { path: self.path.clone(), found: version, known });
        }
        for (i, sql) in schema::MIGRATIONS.iter().enumerate().skip(version as usize) {
            let tx =
                self.conn.transaction().map_err(|source| ArchiveError::Sqlite { path: self.path.clone(), source })?;
            tx.execute_batch(sql).map_err(|source| ArchiveError::Sqlite { path: self.path.clone(), source })?;
            tx.pragma_update(None, "user_version", i as i64 + 1)
                .map_err(|source| ArchiveError::Sqlite { path: self.path.clone(), source })?;
            tx.commit().map_err(|source| ArchiveError::Sqlite { path: self.path.clone(), source })?;
        }
        Ok(())
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
    /// A file imported into an empty archive only appends pages. With a rollback journal they
    /// are written once, straight into the file; WAL writes each page twice (into the log,
    /// then the checkpoint copies it back): 0.3 s of a 3.5 s import at 1M messages. The
    /// journal still undoes a failed file (it records the file's original size). Every other
    /// import, and every reader, uses WAL; the mode returns to WAL at commit. It can only
    /// change when no other connection has the file open: then the import simply stays in WAL.
    pub fn begin_file(&mut self) -> Result<FileImport<'_>> {
        self.begin(true)
    }

    /// Starts one short transaction of the live service: always in WAL, so dashboards and
    /// reports read beside it; fully synced at commit, because the platform is told the
    /// records are kept (and stops resending them) as soon as this returns.
    pub fn begin_live(&mut self) -> Result<FileImport<'_>> {
        self.begin(false)
    }

    fn begin(&mut self, may_append: bool) -> Result<FileImport<'_>> {
        let path = self.path.clone();
        self.conn.execute_batch("PRAGMA foreign_keys = OFF").map_err(|e| self.err(e))?;
        let empty = may_append
            && self.path != ":memory:"
            && !self
                .conn
                .query_row("SELECT EXISTS (SELECT 1 FROM groups)", [], |r| r.get::<_, bool>(0))
                .map_err(|e| self.err(e))?;
        let appending = empty && set_journal(&self.conn, Journal::Rollback).map_err(|e| self.err(e))?;
        if !appending {
            set_journal(&self.conn, Journal::Wal).map_err(|e| self.err(e))?;
        }
        if !may_append {
            // Live: a kill or power cut after the acknowledgement must not lose the batch
            // (imports keep NORMAL: a lost last file is simply read again).
            self.conn.execute_batch("PRAGMA synchronous = FULL").map_err(|e| self.err(e))?;
        }
        // `&mut self` keeps transactions from nesting; the statements and the
        // transaction share the connection for the import's lifetime.
        let conn: &Connection = &self.conn;
        let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)
            .map_err(|source| ArchiveError::Sqlite { path: path.clone(), source })?;
        FileImport::new(conn, tx, path, appending)
    }
}

/// How long a writer waits for another connection's lock before giving up.
const BUSY_TIMEOUT_MS: u64 = 5000;

/// How a file's transaction is journaled (see [`Archive::begin_file`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Journal {
    /// Readers alongside the writer; each page written twice.
    Wal,
    /// A rollback journal, synced fully: for appending to an empty archive.
    Rollback,
}

/// Switches the journal mode; returns whether the connection is now in it.
pub(crate) fn set_journal(conn: &Connection, journal: Journal) -> rusqlite::Result<bool> {
    let (mode, sync) = match journal {
        Journal::Wal => ("wal", "NORMAL"),
        Journal::Rollback => ("delete", "FULL"),
    };
    // Leaving WAL needs the file to itself: another connection makes it fail at once
    // (no waiting out the busy timeout), and the import goes on in WAL.
    conn.busy_timeout(std::time::Duration::ZERO)?;
    let now = conn.query_row(&format!("PRAGMA journal_mode = {mode}"), [], |r| r.get::<_, String>(0));
    conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))?;
    let now = match now {
        Err(rusqlite::Error::SqliteFailure(e, _))
            if matches!(e.code, rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) =>
        {
            return Ok(false)
        }
        other => other?,
    };
    let switched = now.eq_ignore_ascii_case(mode);
    if switched {
        conn.execute_batch(&format!("PRAGMA synchronous = {sync}"))?;
    }
    Ok(switched)
}

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
