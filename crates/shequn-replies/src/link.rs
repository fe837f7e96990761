//! Reply linking: each message's parent, or none when it starts a conversation.

use shequn_model::{Link, LinkSource, MessageKind, MsgIx, Timeline};

use crate::features::{ScoreSink, Walker};
use crate::settings::ReplySettings;
use crate::weights::Weights;

/// One link per message of `t`. Explicit links (the platform's) always win;
/// the rest come from the learned scorer over the previous `settings.window`
/// messages, in one pass. A link whose parent's sender the message names is
/// marked [`LinkSource::Mention`]; the others are [`LinkSource::Inferred`].
pub fn link(t: &Timeline, settings: &ReplySettings, model: &Weights) -> Vec<Link> {
    let mut walker = Walker::new(t, settings.window);
    let mut out = Vec::with_capacity(t.messages.len());
    let mut scores: Vec<f32> = Vec::with_capacity(settings.window + 1);
    for i in 0..t.messages.len() {
        let m = &t.messages[i];
        if settings.use_explicit {
            if let Some(p) = m.reply_to {
                out.push(Link { parent: Some(p), source: LinkSource::Explicit, confidence: 1.0 });
                walker.advance(i as MsgIx, Some(p));
                continue;
            }
        }
        walker.stand_at(i);
        let first = walker.first_candidate(i);
        scores.clear();
        for j in first..=i {
            let mut sink = ScoreSink { weights: &model.values, score: 0.0 };
            walker.features(j, &mut sink);
            scores.push(sink.score);
        }
        let (best, max) =
            scores.iter().enumerate().fold((0, f32::NEG_INFINITY), |acc, (k, &s)| if s > acc.1 { (k, s) } else { acc });
        let total: f32 = scores.iter().map(|s| (s - max).exp()).sum();
        let confidence = 1.0 / total;
        let mut j = first + best;
        // An unmistakable name (`@nick` anywhere, `nick:`) beats the scorer's "starts a
        // conversation", and reaches the named member's message beyond the window.
        let r = walker.reading(i);
        // The first name is the addressee when the message has one ("bob: @carol said…" answers bob).
        let named_target = r
            .named_explicitly
            .iter()
            .find_map(|&member| walker.answered_message_of(i, member, settings.addressed_reach_ms));
        let mut confidence = confidence;
        if let Some(target) = named_target {
            let chosen = (j != i).then(|| t.messages[j].sender);
            let target_sender = t.messages[target].sender;
            let chosen_is_named = chosen.is_some_and(|s| r.named_explicitly.contains(&s));
            // The scorer chose the named member's later message (addressed to a third person).
            let later_of_same = j > target && chosen == Some(target_sender) && chosen_is_named;
            // The scorer could not see the named member's message: it lies beyond the window.
            let out_of_sight = target < first && !chosen_is_named;
            // The scorer followed a name further on, not the addressee at the start.
            let addressee_first =
                chosen_is_named && chosen != Some(target_sender) && r.addressee == Some(target_sender);
            if j == i || later_of_same || out_of_sight || addressee_first {
                j = target;
                // Beyond the window the scorer gave no probability; the name is the evidence.
                confidence = if target >= first { (scores[target - first] - max).exp() / total } else { 0.5 };
            }
        }
        let link = if j == i {
            Link { parent: None, source: LinkSource::Inferred, confidence }
        } else {
            let parent_sender = t.messages[j].sender;
            let named = r.addressee == Some(parent_sender) || r.mentioned.contains(&parent_sender);
            let source = if named { LinkSource::Mention } else { LinkSource::Inferred };
            Link { parent: Some(j as MsgIx), source, confidence }
        };
        walker.advance(i as MsgIx, link.parent);
        out.push(link);
    }
    out
}

/// The sanity baseline of the published evaluation: every message answers the
/// most recent message before it that is not a system line (a system line, from a
/// bot member with kind Other, such as IRC's `=== x joined`, starts its own).
pub fn link_to_previous(t: &Timeline) -> Vec<Link> {
    let is_system = |m: &shequn_model::Msg| m.kind == MessageKind::Other && t.member(m.sender).is_bot;
    let mut last: Option<MsgIx> = None;
    t.messages
        .iter()
        .enumerate()
        .map(|(i, m)| {
            if is_system(m) {
                return Link { parent: None, source: LinkSource::Inferred, confidence: 0.0 };
            }
            let l = Link { parent: last, source: LinkSource::Inferred, confidence: 0.0 };
            last = Some(i as MsgIx);
            l
        })
        .collect()
}
