//! The live service's alerts (migration 6): stored once per key, so a restart never raises
//! an alert twice, and read back for `GET /api/alerts`. Plain rows: the archive does not
//! know what an alert says (its JSON evidence is the alerts crate's).

use rusqlite::{params, OptionalExtension};

use crate::{Archive, Result};

/// One stored alert.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRow {
    pub key: String,
    pub group_id: Option<i64>,
    pub kind: String,
    /// `open`, `resolved` or `acknowledged`.
    pub state: String,
    pub opened_ms: i64,
    pub resolved_ms: Option<i64>,
    pub acked_ms: Option<i64>,
    /// The alert as JSON at its last change.
    pub evidence: String,
}

const COLUMNS: &str = "key, group_id, kind, state, opened_ms, resolved_ms, acked_ms, evidence";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AlertRow> {
    Ok(AlertRow {
        key: r.get(0)?,
        group_id: r.get(1)?,
        kind: r.get(2)?,
        state: r.get(3)?,
        opened_ms: r.get(4)?,
        resolved_ms: r.get(5)?,
        acked_ms: r.get(6)?,
        evidence: r.get(7)?,
    })
}

impl Archive {
    /// Stores a new alert; false (and nothing changed) when its key is already stored.
    pub fn insert_alert(&self, a: &AlertRow) -> Result<bool> {
        let n = self
            .conn
            .execute(
                &format!("INSERT OR IGNORE INTO alerts ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"),
                params![a.key, a.group_id, a.kind, a.state, a.opened_ms, a.resolved_ms, a.acked_ms, a.evidence],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }

    /// Records that an alert's bid was answered at `at_ms`: an open alert becomes resolved,
    /// an acknowledged one keeps its state. False when unknown or already resolved.
    pub fn resolve_alert(&self, key: &str, at_ms: i64, evidence: &str) -> Result<bool> {
        let n = self
            .conn
            .execute(
                "UPDATE alerts SET resolved_ms = ?2, evidence = ?3,
                        state = CASE state WHEN 'open' THEN 'resolved' ELSE state END
                 WHERE key = ?1 AND resolved_ms IS NULL",
                params![key, at_ms, evidence],
            )
            .map_err(|e| self.err(e))?;
        Ok(n == 1)
    }

    /// An operator saw the alert: it becomes acknowledged (whatever it was). None when unknown.
    pub fn ack_alert(&self, key: &str, at_ms: i64) -> Result<Option<AlertRow>> {
        self.conn
            .execute(
                "UPDATE alerts SET state = 'acknowledged', acked_ms = COALESCE(acked_ms, ?2) WHERE key = ?1",
                params![key, at_ms],
            )
            .map_err(|e| self.err(e))?;
        self.alert(key)
    }

    pub fn alert(&self, key: &str) -> Result<Option<AlertRow>> {
        self.conn
            .query_row(&format!("SELECT {COLUMNS} FROM alerts WHERE key = ?1"), [key], row)
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Alerts in `state` (every state when None), newest first, at most `limit`.
    pub fn alerts(&self, state: Option<&str>, limit: usize) -> Result<Vec<AlertRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM alerts WHERE ?1 IS NULL OR state = ?1 ORDER BY opened_ms DESC, key LIMIT ?2"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map(params![state, limit as i64], row).map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// Keys of the alerts stored for one group (keys start `<platform>:<group id>:`).
    pub fn alert_keys(&self, group_prefix: &str) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT key FROM alerts WHERE substr(key, 1, length(?1)) = ?1")
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([group_prefix], |r| r.get(0)).map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<String>, _>>().map_err(|e| self.err(e))
    }

    /// The archive id of a group, by platform and platform id.
    pub fn group_id(&self, platform: &str, platform_id: &str) -> Result<Option<i64>> {
        self.conn
            .query_row("SELECT id FROM groups WHERE platform = ?1 AND platform_id = ?2", [platform, platform_id], |r| {
                r.get(0)
            })
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Groups with a message at or after `since_ms`, as (id, platform, platform id, name):
    /// the ones whose alerts may still be due when the live service starts.
    pub fn groups_active_since(&self, since_ms: i64) -> Result<Vec<(i64, String, String, String)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, platform, platform_id, name FROM groups WHERE last_ms >= ?1 ORDER BY id")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([since_ms], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// A message's platform id (its key without `m:`), by the archive's row id; None for a
    /// message the platform gave no id.
    pub fn message_platform_id(&self, id: i64) -> Result<Option<String>> {
        let key: Option<String> = self
            .conn
            .query_row("SELECT key FROM messages WHERE id = ?1", [id], |r| r.get(0))
            .optional()
            .map_err(|e| self.err(e))?;
        Ok(key.and_then(|k| k.strip_prefix("m:").map(str::to_string)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(key: &str) -> AlertRow {
        AlertRow {
            key: key.into(),
            group_id: Some(1),
            kind: "newcomer".into(),
            state: "open".into(),
            opened_ms: 10,
            resolved_ms: None,
            acked_ms: None,
            evidence: "{}".into(),
        }
    }

    #[test]
    fn an_alert_is_stored_once_resolved_once_and_acknowledged() {
        let a = Archive::open_in_memory().unwrap();
        assert_eq!(a.schema_version().unwrap(), 7);
        assert!(a.insert_alert(&alert("generic:g:newcomer:m:1")).unwrap());
        assert!(!a.insert_alert(&alert("generic:g:newcomer:m:1")).unwrap(), "the same key again");
        assert!(a.insert_alert(&alert("generic:h:question:m:2")).unwrap());
        assert_eq!(a.alert_keys("generic:g:").unwrap(), vec!["generic:g:newcomer:m:1".to_string()]);
        assert!(a.resolve_alert("generic:g:newcomer:m:1", 20, "{\"r\":1}").unwrap());
        assert!(!a.resolve_alert("generic:g:newcomer:m:1", 30, "{}").unwrap(), "resolved once");
        assert_eq!(a.alerts(Some("resolved"), 10).unwrap().len(), 1);
        let acked = a.ack_alert("generic:h:question:m:2", 40).unwrap().unwrap();
        assert_eq!((acked.state.as_str(), acked.acked_ms), ("acknowledged", Some(40)));
        // Answered after the acknowledgement: the answer is kept, the state stays.
        assert!(a.resolve_alert("generic:h:question:m:2", 50, "{}").unwrap());
        assert_eq!(a.alert("generic:h:question:m:2").unwrap().unwrap().state, "acknowledged");
        assert_eq!(a.alerts(None, 10).unwrap().len(), 2);
        assert!(a.ack_alert("nope", 1).unwrap().is_none());
    }
}
