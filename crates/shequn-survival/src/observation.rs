//! What the prediction reads of a group's first weeks: plain facts the engine takes from its
//! analyses (who is an operator or a bot, the content labels, the reply links, the bids and
//! their first responses, joins and leaves), already cut to the observed window.

use serde::Serialize;

/// How a sender counts (METHOD §0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Who {
    Member,
    Operator,
    Bot,
}

/// One message of the observed window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeenMessage {
    pub time_ms: i64,
    /// The sender's index in the group (stable within one observation).
    pub sender: u32,
    pub who: Who,
    /// A mechanical push (METHOD §7).
    pub push: bool,
    pub ad: bool,
    /// Carries value (METHOD §8: 福利/信息/资源/案例/活动/链接).
    pub value: bool,
    /// Emotional or personal expression (METHOD §9).
    pub emotional: bool,
    /// The index (in this observation) of the message it answers, explicit or inferred.
    pub parent: Option<u32>,
}

/// A bid (METHOD §5): a question, a newcomer's first message or a thread starter.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SeenBid {
    pub time_ms: i64,
    pub newcomer: bool,
    /// Milliseconds to the first response by another human, if one came inside the window.
    pub first_response_ms: Option<i64>,
}

/// A group's first `days` days, from `start_ms`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Observation {
    pub start_ms: i64,
    pub days: u32,
    /// In time order, all inside `[start_ms, start_ms + days)`.
    pub messages: Vec<SeenMessage>,
    pub bids: Vec<SeenBid>,
    pub joins: u32,
    pub leaves: u32,
    /// A bid counts as answered when its first response came within this (METHOD §5: 24 h).
    pub answer_within_ms: i64,
}
