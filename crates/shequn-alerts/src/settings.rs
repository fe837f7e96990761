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
//! ad = true                   # an ad posted
//! ad_policy = true            # an ad breaking the group's ad policy
//! push_burst_count = 3        # mechanical pushes within push_burst_min
//! push_burst_min = 60
//! key_person_silent_days = 14
//! status_change = true
//! leave_spike = true
//!
//! [alerts.groups."读书会"]      # a group's name or platform id
//! question_wait_min = 60
//! ad = false
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
    /// An ad posted (the report's ad classifier) is an alert.
    pub ad: bool,
    /// An ad that breaks the group's ad policy (`--ad-policy`, the batch `PolicyBook`) is an alert.
    pub ad_policy: bool,
    /// Mechanical pushes (the report's push detection) this many within `push_burst_min` are
    /// an alert (0: never).
    pub push_burst_count: u32,
    /// The span of a push burst, in minutes.
    pub push_burst_min: u32,
    /// A key person (the report's key people) silent this many days is an alert (0: never).
    pub key_person_silent_days: u32,
    /// A group's life status getting worse (alive → declining → dormant → dead, the report's
    /// rule, judged at the end of each day in the group's clock) is an alert.
    pub status_change: bool,
    /// More leaves than usual after a burst of ads or pushes (the report's leave spikes) is an alert.
    pub leave_spike: bool,
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
            ad: true,
            ad_policy: true,
            push_burst_count: 3,
            push_burst_min: 60,
            key_person_silent_days: 14,
            status_change: true,
            leave_spike: true,
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
    pub ad: Option<bool>,
    pub ad_policy: Option<bool>,
    pub push_burst_count: Option<u32>,
    pub push_burst_min: Option<u32>,
    pub key_person_silent_days: Option<u32>,
    pub status_change: Option<bool>,
    pub leave_spike: Option<bool>,
}

/// The other rules in force for one group (its override, else the `[alerts]` defaults).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleSwitches {
    pub ad: bool,
    pub ad_policy: bool,
    /// 0: off.
    pub push_burst_count: u32,
    pub push_burst_ms: i64,
    /// 0: off.
    pub key_person_silent_ms: i64,
    pub status_change: bool,
    pub leave_spike: bool,
}

impl Default for RuleSwitches {
    /// The `[alerts]` defaults.
    fn default() -> RuleSwitches {
        AlertSettings::default().rules_for("", "")
    }
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
        let bursts = std::iter::once(("[alerts]".to_string(), Some(s.push_burst_count), Some(s.push_burst_min))).chain(
            s.groups.iter().map(|(g, o)| (format!("[alerts.groups.{g:?}]"), o.push_burst_count, o.push_burst_min)),
        );
        for (table, count, min) in bursts {
            if count == Some(1) {
                return Err(format!(
                    "{table}: push_burst_count = 1 is one push, not a burst; use 2 or more, or 0 to turn the rule off"
                ));
            }
            if min == Some(0) {
                return Err(format!("{table}: push_burst_min must be at least 1 minute"));
            }
        }
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

    /// The rules for a group: its override by platform id, else by name, else the defaults.
    pub fn rules_for(&self, name: &str, platform_id: &str) -> RuleSwitches {
        let o = self.groups.get(platform_id).or_else(|| self.groups.get(name)).cloned().unwrap_or_default();
        RuleSwitches {
            ad: o.ad.unwrap_or(self.ad),
            ad_policy: o.ad_policy.unwrap_or(self.ad_policy),
            push_burst_count: o.push_burst_count.unwrap_or(self.push_burst_count),
            push_burst_ms: i64::from(o.push_burst_min.unwrap_or(self.push_burst_min)) * 60_000,
            key_person_silent_ms: i64::from(o.key_person_silent_days.unwrap_or(self.key_person_silent_days))
                * 86_400_000,
            status_change: o.status_change.unwrap_or(self.status_change),
            leave_spike: o.leave_spike.unwrap_or(self.leave_spike),
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
        let r = AlertSettings::from_toml_str(
            "[alerts]\nad = false\nkey_person_silent_days = 7\n[alerts.groups.\"读书会\"]\nad = true\npush_burst_count = 5\n",
        )
        .unwrap();
        let (g, other) = (r.rules_for("读书会", "x"), r.rules_for("other", "y"));
        assert!(g.ad && !other.ad);
        assert_eq!((g.push_burst_count, other.push_burst_count, g.push_burst_ms), (5, 3, 3_600_000));
        assert_eq!(other.key_person_silent_ms, 7 * 86_400_000);
        let err = AlertSettings::from_toml_str("[alerts]\nnewcomer_wait = 10\n").unwrap_err();
        assert!(err.contains("newcomer_wait") && err.contains("[alerts]"), "{err}");
        let err = AlertSettings::from_toml_str("[alerts.groups.g]\nquestion_wait = 1\n").unwrap_err();
        assert!(err.contains("question_wait"), "{err}");
        let err = AlertSettings::from_toml_str("[alerts.groups.g]\npush_burst = 1\n").unwrap_err();
        assert!(err.contains("push_burst"), "{err}");
        let err = AlertSettings::from_toml_str("[alerts.groups.g]\npush_burst_count = 1\n").unwrap_err();
        assert!(err.contains("push_burst_count") && err.contains("[alerts.groups.\"g\"]"), "{err}");
        let err = AlertSettings::from_toml_str("[alerts]\nkey_person_silent_days = \"two weeks\"\n").unwrap_err();
        assert!(err.contains("key_person_silent_days") || err.contains("integer"), "{err}");
        let err = AlertSettings::from_toml_str("[alerts]\nwebhook_url = \"https://x\"\n").unwrap_err();
        assert!(err.contains("webhook_secret_env"), "{err}");
    }
}
