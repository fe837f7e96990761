//! What live enforcement did to messages (migration 7): one row per step and outcome, keyed
//! by the message (platform, group's platform id, message key). The message itself is never
//! removed from the archive; these rows say what happened to it on the platform.

use rusqlite::params;

use crate::{Archive, Result};

/// One enforcement step on one message.
#[derive(Debug, Clone, PartialEq)]
pub struct EnforcementRow {
    pub group_id: Option<i64>,
    pub platform: String,
    pub group_platform_id: String,
    /// The message's archive key (`m:<platform id>`).
    pub message_key: String,
    /// The sender's platform id.
    pub sender: String,
    /// `delete`, `warn`, `mute`, `kick`.
    pub action: String,
    pub dry_run: bool,
    /// `done`, `would` (dry-run), `refused` (the platform said no), `failed` (unreachable).
    pub outcome: String,
    /// The platform's answer or what would have been called.
    pub detail: String,
    /// The alert that asked for it, if any.
    pub alert_key: Option<String>,
    pub at_ms: i64,
}

const COLUMNS: &str =
    "group_id, platform, group_platform_id, message_key, sender, action, dry_run, outcome, detail, alert_key, at_ms";

impl Archive {
    /// Appends enforcement rows (one statement each; the caller's writer batches them).
    pub fn insert_enforcement(&self, rows: &[EnforcementRow]) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "INSERT INTO enforcement_actions ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
            ))
            .map_err(|e| self.err(e))?;
        for r in rows {
            stmt.execute(params![
                r.group_id,
                r.platform,
                r.group_platform_id,
                r.message_key,
                r.sender,
                r.action,
                r.dry_run,
                r.outcome,
                r.detail,
                r.alert_key,
                r.at_ms
            ])
            .map_err(|e| self.err(e))?;
        }
        Ok(())
    }

    /// What was done to one message, oldest first.
    pub fn enforcement_for(
        &self,
        platform: &str,
        group_platform_id: &str,
        message_key: &str,
    ) -> Result<Vec<EnforcementRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "SELECT {COLUMNS} FROM enforcement_actions
                 WHERE platform = ?1 AND group_platform_id = ?2 AND message_key = ?3 ORDER BY id"
            ))
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![platform, group_platform_id, message_key], |r| {
                Ok(EnforcementRow {
                    group_id: r.get(0)?,
                    platform: r.get(1)?,
                    group_platform_id: r.get(2)?,
                    message_key: r.get(3)?,
                    sender: r.get(4)?,
                    action: r.get(5)?,
                    dry_run: r.get(6)?,
                    outcome: r.get(7)?,
                    detail: r.get(8)?,
                    alert_key: r.get(9)?,
                    at_ms: r.get(10)?,
                })
            })
            .map_err(|e| self.err(e))?;
        rows.collect::<std::result::Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_kept_per_message_in_order() {
        let a = Archive::open_in_memory().unwrap();
        let row = |action: &str, outcome: &str, key: &str| EnforcementRow {
            group_id: None,
            platform: "matrix".into(),
            group_platform_id: "!r:x".into(),
            message_key: key.into(),
            sender: "@ann:x".into(),
            action: action.into(),
            dry_run: outcome == "would",
            outcome: outcome.into(),
            detail: String::new(),
            alert_key: Some("k".into()),
            at_ms: 5,
        };
        a.insert_enforcement(&[
            row("delete", "done", "m:$1"),
            row("warn", "refused", "m:$1"),
            row("delete", "would", "m:$2"),
        ])
        .unwrap();
        let got = a.enforcement_for("matrix", "!r:x", "m:$1").unwrap();
        assert_eq!(
            got.iter().map(|r| (r.action.as_str(), r.outcome.as_str())).collect::<Vec<_>>(),
            [("delete", "done"), ("warn", "refused")]
        );
        let dry = a.enforcement_for("matrix", "!r:x", "m:$2").unwrap();
        assert!(dry[0].dry_run);
        assert!(a.enforcement_for("matrix", "!other", "m:$1").unwrap().is_empty());
    }
}
