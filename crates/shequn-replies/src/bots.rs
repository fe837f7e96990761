//! Members that are bots by behaviour or by configuration, beside the platform's flag,
//! so they neither ask (bids) nor answer (responses) (METHOD §5: "by another human").
//!
//! The behaviour looked for is the link-title bot's: #duraspace's `kompewter` echoes the
//! page title of every URL or JIRA key someone posts, seconds later, and was credited with
//! answering 11% of the room's bids (docs/responsiveness-checks.md, pattern H).

use shequn_model::{MemberIx, Timeline};
use xxhash_rust::xxh3::xxh3_64;

use crate::settings::ResponsivenessSettings;

/// How many earlier messages an echo may follow (a title bot answers at once).
const ECHO_LOOKBACK: usize = 5;

/// Why a member counts as a bot in the responsiveness figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BotReason {
    /// The platform says so.
    Flagged,
    /// Listed in `ResponsivenessSettings::bots`.
    Configured,
    /// Most of its messages echo a URL or ticket id another member posted just before.
    Echoes { echoes: u32, messages: u32 },
}

/// One entry per member: why it is a bot, or None for a human.
pub fn bots(t: &Timeline, settings: &ResponsivenessSettings) -> Vec<Option<BotReason>> {
    let (echoes, sent) = echo_counts(t, settings.bot_echo_within_ms);
    t.members
        .iter()
        .enumerate()
        .map(|(ix, m)| {
            let listed = settings.bots.iter().any(|b| {
                shequn_model::bot_name_matches(b, &m.name) || m.platform_id.as_deref().is_some_and(|p| b == p)
            });
            let (e, n) = (echoes[ix], sent[ix]);
            if m.is_bot {
                Some(BotReason::Flagged)
            } else if listed {
                Some(BotReason::Configured)
            } else if settings.bot_detect
                && n >= settings.bot_min_messages
                && f64::from(e) >= settings.bot_echo_share * f64::from(n)
            {
                Some(BotReason::Echoes { echoes: e, messages: n })
            } else {
                None
            }
        })
        .collect()
}

/// Per member: messages that echo another member's URL or ticket id posted at most
/// `within_ms` earlier (among the few messages before), and messages sent.
fn echo_counts(t: &Timeline, within_ms: i64) -> (Vec<u32>, Vec<u32>) {
    let mut echoes = vec![0u32; t.members.len()];
    let mut sent = vec![0u32; t.members.len()];
    let refs: Vec<Vec<u64>> = t.messages.iter().map(|m| references(&m.text)).collect();
    for (i, m) in t.messages.iter().enumerate() {
        sent[m.sender as usize] += 1;
        if refs[i].is_empty() {
            continue;
        }
        let echoed = (i.saturating_sub(ECHO_LOOKBACK)..i).rev().any(|j| {
            let p = &t.messages[j];
            p.sender != m.sender && m.time_ms - p.time_ms <= within_ms && refs[j].iter().any(|r| refs[i].contains(r))
        });
        if echoed {
            echoes[m.sender as usize] += 1;
        }
    }
    (echoes, sent)
}

/// Hashes of the URLs and ticket ids (`DS-655`, `FCREPO-1057`) a text holds.
fn references(text: &str) -> Vec<u64> {
    const EDGE: &[char] = &['.', ',', ';', ':', '!', '?', '(', ')', '[', ']', '<', '>', '"', '\'', '{', '}'];
    let mut out = Vec::new();
    for w in text.split_whitespace() {
        let w = w.trim_matches(EDGE);
        if (w.contains("://") && w.len() > 10) || is_ticket_id(w) {
            out.push(xxh3_64(w.as_bytes()));
        }
    }
    out
}

/// `DS-655`: an upper-case project key, a dash and a number.
fn is_ticket_id(w: &str) -> bool {
    let Some((key, num)) = w.split_once('-') else { return false };
    key.len() >= 2
        && key.starts_with(|c: char| c.is_ascii_uppercase())
        && key.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        && !num.is_empty()
        && num.chars().all(|c| c.is_ascii_digit())
}

/// Whether member `m` is a bot by any reason (a shorthand for callers).
pub fn is_bot(flags: &[Option<BotReason>], m: MemberIx) -> bool {
    flags[m as usize].is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_urls_and_ticket_ids() {
        assert_eq!(references("see DS-655, and https://example.org/x?y=1.").len(), 2);
        assert_eq!(references("a COVID-19 note").len(), 1, "COVID-19 reads as a key; only echoes count");
        assert!(references("x-1 ds-655 -5 A-").is_empty());
    }
}
