//! What an alert says: which bid, in which group, how long it waited, in both languages.

use serde::{Deserialize, Serialize};
use shequn_model::Platform;

/// Which rule raised an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A newcomer's first message went unanswered (`newcomer_wait_min`).
    Newcomer,
    /// A question went unanswered (`question_wait_min`). A newcomer's question is one
    /// newcomer alert, not two.
    Question,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Newcomer => "newcomer",
            AlertKind::Question => "question",
        }
    }
}

/// Where an alert stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    Open,
    /// Someone answered after the wait: the group looked after it by itself.
    Resolved,
    /// An operator said they saw it (`POST /api/alerts/{key}/ack`).
    Acknowledged,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Open => "open",
            AlertState::Resolved => "resolved",
            AlertState::Acknowledged => "acknowledged",
        }
    }
    pub fn parse(s: &str) -> Option<AlertState> {
        [AlertState::Open, AlertState::Resolved, AlertState::Acknowledged].into_iter().find(|k| k.as_str() == s)
    }
}

/// The group an alert is about, as the platform names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct GroupRef {
    pub platform: Platform,
    pub platform_id: String,
    pub name: String,
}

impl GroupRef {
    /// `<platform>:<platform id>`: the first part of every alert key of this group.
    pub fn key(&self) -> String {
        format!("{}:{}", self.platform.as_str(), self.platform_id)
    }
}

/// The bid quoted as the report quotes evidence (`shequn_model::Example`: sender, time in the
/// source's clock, text cut to 200 characters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub sender: String,
    /// RFC 3339 in the source's own clock.
    pub time: String,
    pub time_ms: i64,
    pub text: String,
}

impl Quote {
    pub fn new(sender: &str, time_ms: i64, offset_s: i32, text: &str) -> Quote {
        let stamp = shequn_model::Stamp { unix_ms: time_ms, offset_s, zone_inferred: false };
        let mut cut: String = text.chars().take(200).collect();
        if text.chars().count() > 200 {
            cut.push('…');
        }
        Quote { sender: sender.to_string(), time: stamp.to_rfc3339(), time_ms, text: cut }
    }
}

/// Who answered an alert's bid, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resolution {
    pub by: String,
    pub at_ms: i64,
    /// Minutes from the bid to the answer.
    pub after_min: i64,
    pub text_zh: String,
    pub text_en: String,
}

/// One alert: a bid that waited too long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// `<platform>:<group platform id>:<kind>:<message key>`: the same bid is one alert,
    /// across restarts and replays.
    pub key: String,
    pub kind: AlertKind,
    pub group: GroupRef,
    /// The message's key (`m:<platform id>` or `c:<content hash>`, see [`crate::message_key`]).
    pub message_key: String,
    pub message: Quote,
    /// The wait that elapsed, in minutes.
    pub wait_min: i64,
    /// When the wait elapsed (the alert's time).
    pub opened_ms: i64,
    pub text_zh: String,
    pub text_en: String,
    pub state: AlertState,
    pub resolution: Option<Resolution>,
}

impl Alert {
    pub(crate) fn texts(kind: AlertKind, group: &str, sender: &str, wait_min: i64) -> (String, String) {
        match kind {
            AlertKind::Newcomer => (
                format!("「{group}」新人 {sender} 的第一条发言 {wait_min} 分钟无人回应"),
                format!("{group}: newcomer {sender}'s first message has had no answer for {wait_min} min"),
            ),
            AlertKind::Question => (
                format!("「{group}」{sender} 的提问 {wait_min} 分钟无人回应"),
                format!("{group}: {sender}'s question has had no answer for {wait_min} min"),
            ),
        }
    }
}

impl Resolution {
    pub(crate) fn new(alert: &Alert, by: &str, at_ms: i64) -> Resolution {
        let after_min = (at_ms - alert.message.time_ms).max(0) / 60_000;
        let (g, s) = (&alert.group.name, &alert.message.sender);
        Resolution {
            by: by.to_string(),
            at_ms,
            after_min,
            text_zh: format!("「{g}」{by} 回应了 {s}（{after_min} 分钟后）"),
            text_en: format!("{g}: {by} answered {s} after {after_min} min"),
        }
    }
}

/// What a tick reports.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum AlertChange {
    /// A bid's wait elapsed with no answer.
    Opened(Alert),
    /// An open alert's bid got its answer: the alert as it now stands (state resolved,
    /// `resolution` set).
    Resolved(Alert),
}

impl AlertChange {
    pub fn alert(&self) -> &Alert {
        match self {
            AlertChange::Opened(a) | AlertChange::Resolved(a) => a,
        }
    }
    pub fn key(&self) -> &str {
        &self.alert().key
    }
}
