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
    /// An ad was posted (the report's classifier; its reasons in `reasons`). Informational:
    /// open until acknowledged.
    Ad,
    /// An ad broke the group's ad policy (the rule it broke in `reasons`). Open until acknowledged.
    AdPolicy,
    /// `push_burst_count` mechanical pushes within `push_burst_min`. Open until acknowledged.
    PushBurst,
    /// A key person silent for `key_person_silent_days`; resolved when they speak again.
    KeyPersonSilent,
    /// The life status got worse; resolved when it is back where it was (or better).
    StatusChange,
    /// More leaves than usual after a burst of ads or pushes. Open until acknowledged.
    LeaveSpike,
}

impl AlertKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Newcomer => "newcomer",
            AlertKind::Question => "question",
            AlertKind::Ad => "ad",
            AlertKind::AdPolicy => "ad_policy",
            AlertKind::PushBurst => "push_burst",
            AlertKind::KeyPersonSilent => "key_person_silent",
            AlertKind::StatusChange => "status_change",
            AlertKind::LeaveSpike => "leave_spike",
        }
    }

    pub const ALL: [AlertKind; 8] = [
        AlertKind::Newcomer,
        AlertKind::Question,
        AlertKind::Ad,
        AlertKind::AdPolicy,
        AlertKind::PushBurst,
        AlertKind::KeyPersonSilent,
        AlertKind::StatusChange,
        AlertKind::LeaveSpike,
    ];

    pub fn parse(s: &str) -> Option<AlertKind> {
        AlertKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The kind's name in Chinese (for summaries).
    pub fn zh(self) -> &'static str {
        match self {
            AlertKind::Newcomer => "新人首条无人回应",
            AlertKind::Question => "提问无人回应",
            AlertKind::Ad => "广告",
            AlertKind::AdPolicy => "违反广告规则",
            AlertKind::PushBurst => "机械推送刷屏",
            AlertKind::KeyPersonSilent => "关键人沉默",
            AlertKind::StatusChange => "群状态变差",
            AlertKind::LeaveSpike => "广告/推送后退群激增",
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

/// One alert: a bid that waited too long, or one of the content and health rules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    /// `<platform>:<group platform id>:<kind>:<message key>`: the same bid is one alert,
    /// across restarts and replays.
    pub key: String,
    pub kind: AlertKind,
    pub group: GroupRef,
    /// The message's key (`m:<platform id>` or `c:<content hash>`, see [`crate::message_key`]):
    /// the bid, the ad, the burst's first push, the key person's last message, the group's
    /// last member message (status), the burst's first message (leave spike).
    pub message_key: String,
    pub message: Quote,
    /// The wait that elapsed, in minutes (0 for rules without a wait).
    #[serde(default)]
    pub wait_min: i64,
    /// When the wait elapsed (the alert's time).
    pub opened_ms: i64,
    pub text_zh: String,
    pub text_en: String,
    pub state: AlertState,
    pub resolution: Option<Resolution>,
    /// Further messages quoted as evidence (the pushes of a burst, the ads before a leave spike).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub quotes: Vec<Quote>,
    /// Why, in the batch analysis's words: the ad classifier's features, the policy rule
    /// broken, the push signals, the status rule's reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reasons: Vec<String>,
    /// The numbers behind the alert, by name (score, pushes, silent_days, leaves_after …).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub numbers: std::collections::BTreeMap<String, f64>,
}

impl Alert {
    pub(crate) fn texts(kind: AlertKind, group: &str, sender: &str, wait_min: i64) -> (String, String) {
        match kind {
            AlertKind::Newcomer => (
                format!("「{group}」新人 {sender} 的第一条发言 {wait_min} 分钟无人回应"),
                format!("{group}: newcomer {sender}'s first message has had no answer for {wait_min} min"),
            ),
            _ => (
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
