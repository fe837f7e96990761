//! Plain types that analyses hand to each other, so each can be built and
//! tested alone: reply links (from the reply analysis), per-message content
//! labels (from the content analysis), and evidence examples (for every verdict).

use serde::{Deserialize, Serialize};

use crate::{MsgIx, Timeline};

/// Where a reply link came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkSource {
    /// The platform recorded it (Telegram reply, Slack thread, WeChat quote).
    Explicit,
    /// From an @mention or an addressee prefix (`nick:`, `回复 xx`).
    Mention,
    /// Inferred from timing, wording and who spoke recently.
    Inferred,
}

/// The message a message answers, or None when it starts a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub parent: Option<MsgIx>,
    pub source: LinkSource,
    /// 0–1; explicit links are 1.
    pub confidence: f32,
}

/// Links from what the platform recorded only: one per message, parent or none.
/// The analyses use this where the reply inference has not run.
pub fn explicit_links(t: &Timeline) -> Vec<Link> {
    t.messages
        .iter()
        .map(|m| match m.reply_to {
            Some(p) => Link { parent: Some(p), source: LinkSource::Explicit, confidence: 1.0 },
            None => Link { parent: None, source: LinkSource::Explicit, confidence: 1.0 },
        })
        .collect()
}

/// The value categories of METHOD §8 (seed 004: 福利、信息、资源、案例、活动、链接).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ValueKind {
    /// 福利 perks and welfare.
    Perk,
    /// 信息 information.
    Information,
    /// 资源 resources.
    Resource,
    /// 案例 cases.
    Case,
    /// 活动 events.
    Event,
    /// 链接 connections between people.
    Connection,
}

impl ValueKind {
    pub const ALL: [ValueKind; 6] = [
        ValueKind::Perk,
        ValueKind::Information,
        ValueKind::Resource,
        ValueKind::Case,
        ValueKind::Event,
        ValueKind::Connection,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ValueKind::Perk => "perk",
            ValueKind::Information => "information",
            ValueKind::Resource => "resource",
            ValueKind::Case => "case",
            ValueKind::Event => "event",
            ValueKind::Connection => "connection",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            ValueKind::Perk => "福利",
            ValueKind::Information => "信息",
            ValueKind::Resource => "资源",
            ValueKind::Case => "案例",
            ValueKind::Event => "活动",
            ValueKind::Connection => "链接",
        }
    }
}

/// What the content analysis says about one message. Default: nothing found.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ContentLabel {
    /// An ad or spam message (METHOD §7).
    pub ad: bool,
    /// Part of a mechanical push (a robot broadcast, METHOD §7).
    pub push: bool,
    /// The value it delivers (METHOD §8), if any.
    pub value: Option<ValueKind>,
    /// Emotional or personal expression (METHOD §9).
    pub emotional: bool,
}

/// A message quoted as evidence for a verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Example {
    pub msg: MsgIx,
    /// RFC 3339 in the group's own clock.
    pub time: String,
    pub sender: String,
    /// The text, cut to a readable length.
    pub text: String,
}

impl Example {
    /// Quotes message `ix` of `t`, text cut to 200 characters.
    pub fn of(t: &Timeline, ix: MsgIx) -> Example {
        let m = &t.messages[ix as usize];
        let stamp = crate::Stamp { unix_ms: m.time_ms, offset_s: t.group.utc_offset_s, zone_inferred: false };
        let mut text: String = m.text.chars().take(200).collect();
        if m.text.chars().count() > 200 {
            text.push('…');
        }
        Example { msg: ix, time: stamp.to_rfc3339(), sender: t.sender(m).name.clone(), text }
    }
}
