//! Every threshold of the reply analysis, named (METHOD §5).

use serde::{Deserialize, Serialize};

/// How reply links are found (METHOD §5, "reply links").
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ReplySettings {
    /// How many earlier messages may be a message's parent. 25 keeps linking above
    /// 300k messages a second; 50 gains about half a point of F1 on the IRC dev split.
    pub window: usize,
    /// Use the platform's recorded replies. Off only to test the inference against them.
    pub use_explicit: bool,
    /// A message that names someone unmistakably (`@nick` anywhere, `nick:`) answers that
    /// member's message even beyond the window, back this far (a late addressed answer in a
    /// busy room; docs/responsiveness-checks.md, pattern D).
    pub addressed_reach_ms: i64,
}

impl Default for ReplySettings {
    fn default() -> Self {
        ReplySettings { window: 25, use_explicit: true, addressed_reach_ms: 24 * 3600 * 1000 }
    }
}

/// What counts as an answered bid (METHOD §5, "bid", "time to first response", "unanswered").
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ResponsivenessSettings {
    /// A bid with no reply by another human within this long is unanswered.
    pub answer_within_ms: i64,
    /// Inferred links below this confidence are not counted as replies.
    pub min_confidence: f32,
    /// How many unanswered bids to quote as evidence.
    pub max_examples: usize,
    /// A member whose first message comes this long after the archive's first
    /// message counts as a newcomer even without a recorded join (so the start
    /// of an archive does not make everyone new).
    pub newcomer_grace_ms: i64,
    /// A conversation starter that is neither a question nor a newcomer's first message
    /// is a bid only when it says something: at least this many characters (CJK count
    /// double) or a greeting. Votes, "+1", "ok" and goodbyes seek no answer
    /// (hand check of 80 bids, docs/responsiveness-checks.md).
    pub starter_min_chars: usize,
    /// Where the platform records no replies, the first message by someone else within this
    /// long after a question or a newcomer's hello answers it (0 turns this off).
    pub proximity_answer_ms: i64,
    /// Members that are bots (name, case-insensitive, a trailing `*` matching any suffix,
    /// or platform id), beside the platform's flag: they neither ask nor answer. Like the
    /// diagnosis's `bots`, and with the same default (`shequn_model::DEFAULT_BOTS`).
    pub bots: Vec<String>,
    /// Also call a member a bot by behaviour: most of its messages echo a URL or ticket id
    /// another member posted just before (a link-title bot such as #duraspace's kompewter).
    pub bot_detect: bool,
    /// Behaviour counts only for members with at least this many messages.
    pub bot_min_messages: u32,
    /// The share of a member's messages that must be echoes. kompewter: 87%; the most
    /// echoing human in the four rooms checked: 14%.
    pub bot_echo_share: f64,
    /// An echo follows the echoed message by at most this long (IRC logs keep whole minutes).
    pub bot_echo_within_ms: i64,
}

impl Default for ResponsivenessSettings {
    fn default() -> Self {
        ResponsivenessSettings {
            answer_within_ms: 24 * 3600 * 1000,
            min_confidence: 0.0,
            max_examples: 20,
            newcomer_grace_ms: 7 * 24 * 3600 * 1000,
            starter_min_chars: 20,
            proximity_answer_ms: 30 * 60 * 1000,
            bots: shequn_model::DEFAULT_BOTS.iter().map(|b| b.to_string()).collect(),
            bot_detect: true,
            bot_min_messages: 20,
            bot_echo_share: 0.5,
            bot_echo_within_ms: 60_000,
        }
    }
}
