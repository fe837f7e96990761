//! The `[alerts]` table of the live config: how long each kind of bid may wait, per-group
//! overrides, and where alert changes are posted.
//!
//! ```toml
//! [alerts]
//! newcomer_wait_min = 10
//! question_wait_min = 30
//! webhook_url = "https://ops.example.org/shequn"
//! webhook_secret_env = "SHEQUN_ALERT_SECRET"
//!
//! [alerts.groups."读书会"]      # a group's name or platform id
//! question_wait_min = 60
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The `[alerts]` table. Unknown keys are errors that name the key (a typo must not silently
/// leave the defaults in force).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertSettings {
    /// Off: no watches, no API routes beyond an empty list, no webhook.
    pub enabled: bool,
    /// Minutes a newcomer's first message may go unanswered before it is an alert (0: never).
    pub newcomer_wait_min: u32,
    /// Minutes a question may go unanswered before it is an alert (0: never).
    pub question_wait_min: u32,
    /// Where each alert change is POSTed as JSON (none: the API only).
    pub webhook_url: Option<String>,
    /// Names the environment variable holding the webhook's signing secret (required with a URL).
    pub webhook_secret_env: Option<String>,
    /// Alert changes waiting for the webhook at most; past it, changes are dropped from the
    /// webhook (they stay on the API), so a dead target never holds up anything else.
    pub webhook_queue: usize,
    /// Attempts per change (the first and the retries, with doubling pauses from 1 s).
    pub webhook_attempts: u32,
    /// Seconds one attempt may take (connect and answer).
    pub webhook_timeout_s: u64,
    /// Per-group overrides, by the group's name or platform id.
    pub groups: BTreeMap<String, GroupAlertSettings>,
}

impl Default for AlertSettings {
    fn default() -> AlertSettings {
        AlertSettings {
            enabled: true,
            newcomer_wait_min: 10,
            question_wait_min: 30,
            webhook_url: None,
            webhook_secret_env: None,
            webhook_queue: 256,
            webhook_attempts: 6,
            webhook_timeout_s: 10,
            groups: BTreeMap::new(),
        }
    }
}

/// `[alerts.groups."name or id"]`: what differs for one group.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupAlertSettings {
    pub newcomer_wait_min: Option<u32>,
    pub question_wait_min: Option<u32>,
}

/// The waits in force for one group, in milliseconds (0: that kind is off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waits {
    pub newcomer_ms: i64,
    pub question_ms: i64,
}

impl AlertSettings {
    /// Reads the `[alerts]` table; errors name the key.
    pub fn from_toml(value: &toml::Value) -> Result<AlertSettings, String> {
        let s: AlertSettings = value.clone().try_into().map_err(|e: toml::de::Error| format!("[alerts]: {e}"))?;
        if s.webhook_url.is_some() && s.webhook_secret_env.is_none() {
            return Err("[alerts]: webhook_url needs webhook_secret_env (the receiver must be able to check \
                        that an alert came from shequn)"
                .into());
        }
        if let Some(url) = &s.webhook_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(format!("[alerts]: webhook_url must start with http:// or https://, not {url:?}"));
            }
        }
        Ok(s)
    }

    /// Reads `[alerts]` from a whole config text (absent table: the defaults).
    pub fn from_toml_str(text: &str) -> Result<AlertSettings, String> {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        match table.remove("alerts") {
            Some(v) => AlertSettings::from_toml(&v),
            None => Ok(AlertSettings::default()),
        }
    }

    /// The waits for a group: its override by platform id, else by name, else the defaults.
    pub fn waits_for(&self, name: &str, platform_id: &str) -> Waits {
        let o = self.groups.get(platform_id).or_else(|| self.groups.get(name));
        let min = |over: Option<u32>, default: u32| i64::from(over.unwrap_or(default)) * 60_000;
        Waits {
            newcomer_ms: min(o.and_then(|o| o.newcomer_wait_min), self.newcomer_wait_min),
            question_ms: min(o.and_then(|o| o.question_wait_min), self.question_wait_min),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_overrides_and_typos() {
        let s = AlertSettings::from_toml_str("").unwrap();
        assert_eq!(s.waits_for("g", "1"), Waits { newcomer_ms: 600_000, question_ms: 1_800_000 });
        let s = AlertSettings::from_toml_str(
            "[alerts]\nquestion_wait_min = 20\n[alerts.groups.\"读书会\"]\nnewcomer_wait_min = 5\n[alerts.groups.\"-100\"]\nquestion_wait_min = 0\n",
        )
        .unwrap();
        assert_eq!(s.waits_for("读书会", "x"), Waits { newcomer_ms: 300_000, question_ms: 1_200_000 });
        assert_eq!(s.waits_for("other", "-100"), Waits { newcomer_ms: 600_000, question_ms: 0 });
        let err = AlertSettings::from_toml_str("[alerts]\nnewcomer_wait = 10\n").unwrap_err();
        assert!(err.contains("newcomer_wait") && err.contains("[alerts]"), "{err}");
        let err = AlertSettings::from_toml_str("[alerts.groups.g]\nquestion_wait = 1\n").unwrap_err();
        assert!(err.contains("question_wait"), "{err}");
        let err = AlertSettings::from_toml_str("[alerts]\nwebhook_url = \"https://x\"\n").unwrap_err();
        assert!(err.contains("webhook_secret_env"), "{err}");
    }
}
