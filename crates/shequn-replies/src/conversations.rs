//! Conversations (threads): the messages joined by reply links, per group.

use serde::Serialize;
use shequn_model::{Link, LinkSource, MemberIx, MsgIx, Timeline};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conversation {
    /// The message that started it.
    pub root: MsgIx,
    /// Its messages in time order.
    pub messages: Vec<MsgIx>,
    /// Distinct speakers, in order of first message.
    pub participants: Vec<MemberIx>,
    pub start_ms: i64,
    pub end_ms: i64,
    /// Links inside it by source: how much rests on the platform's word and how much on inference.
    pub explicit_links: usize,
    pub mention_links: usize,
    pub inferred_links: usize,
}

/// Groups the messages of one group's timeline into conversations by
/// following each message's link to its parent; a message without parent
/// (or whose parent is not earlier) starts one. Ordered by start.
pub fn conversations(t: &Timeline, links: &[Link]) -> Vec<Conversation> {
    let n = t.messages.len().min(links.len());
    let mut conv_of: Vec<usize> = Vec::with_capacity(n);
    let mut out: Vec<Conversation> = Vec::new();
    for (i, (m, l)) in t.messages.iter().zip(links).take(n).enumerate() {
        let c = match l.parent {
            Some(p) if (p as usize) < i => {
                let c = conv_of[p as usize];
                match l.source {
                    LinkSource::Explicit => out[c].explicit_links += 1,
                    LinkSource::Mention => out[c].mention_links += 1,
                    LinkSource::Inferred => out[c].inferred_links += 1,
                }
                c
            }
            _ => {
                out.push(Conversation {
                    root: i as MsgIx,
                    messages: Vec::new(),
                    participants: Vec::new(),
                    start_ms: m.time_ms,
                    end_ms: m.time_ms,
                    explicit_links: 0,
                    mention_links: 0,
                    inferred_links: 0,
                });
                out.len() - 1
            }
        };
        let conv = &mut out[c];
        conv.messages.push(i as MsgIx);
        conv.end_ms = conv.end_ms.max(m.time_ms);
        if !conv.participants.contains(&m.sender) {
            conv.participants.push(m.sender);
        }
        conv_of.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use shequn_model::TimelineBuilder;

    #[test]
    fn replies_join_their_parents_conversation() {
        let mut b = TimelineBuilder::new("g");
        let ann = b.member("Ann");
        let bob = b.member("Bob");
        let q = b.message(0, ann, "how?");
        let other = b.message(1000, bob, "unrelated news");
        b.reply(2000, bob, "like this", q);
        let t = b.build();
        let links = shequn_model::explicit_links(&t);
        let cs = conversations(&t, &links);
        assert_eq!(cs.len(), 2);
        assert_eq!(cs[0].messages, vec![q, 2]);
        assert_eq!(cs[0].participants, vec![ann, bob]);
        assert_eq!(cs[0].explicit_links, 1);
        assert_eq!(cs[1].root, other);
    }
}
