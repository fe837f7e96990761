//! What every part of the diagnosis reads: who is an operator or a bot, which
//! messages are human or member messages (METHOD §0), the interactions
//! (reply links and mentions between different people), and day arithmetic in
//! the group's own clock. Computed once per group, up to the as-of instant.

use shequn_model::{ContentLabel, Link, MemberIx, MsgIx, Timeline};

use crate::Settings;

pub const DAY_MS: i64 = 86_400_000;
pub const WEEK_MS: i64 = 7 * DAY_MS;

/// How a member counts in the diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Member,
    Operator,
    Bot,
}

/// One interaction: `from` answered or addressed `to` in message `msg`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interaction {
    pub msg: MsgIx,
    pub time_ms: i64,
    pub from: MemberIx,
    pub to: MemberIx,
}

pub struct Facts<'a> {
    pub t: &'a Timeline,
    pub labels: Vec<ContentLabel>,
    pub settings: &'a Settings,
    pub as_of_ms: i64,
    /// Messages at or before as-of: `t.messages[..end]`.
    pub end: usize,
    pub class: Vec<Class>,
    /// The parent each message answers (links at or above the confidence floor).
    pub parent: Vec<Option<MsgIx>>,
    /// All interactions between two different non-bot people, up to as-of, in time order.
    pub interactions: Vec<Interaction>,
}

impl<'a> Facts<'a> {
    pub fn new(
        t: &'a Timeline,
        links: &[Link],
        labels: &[ContentLabel],
        settings: &'a Settings,
        as_of_ms: i64,
    ) -> Facts<'a> {
        let end = t.messages.partition_point(|m| m.time_ms <= as_of_ms);
        let labels: Vec<ContentLabel> =
            (0..t.messages.len()).map(|i| labels.get(i).copied().unwrap_or_default()).collect();
        let class = classify(t, &labels, settings);
        let parent: Vec<Option<MsgIx>> = (0..t.messages.len())
            .map(|i| {
                let own = links.get(i).filter(|l| l.confidence >= settings.min_link_confidence).and_then(|l| l.parent);
                own.or(if links.is_empty() { t.messages[i].reply_to } else { None }).filter(|&p| (p as usize) < i)
            })
            .collect();
        let mut f = Facts { t, labels, settings, as_of_ms, end, class, parent, interactions: Vec::new() };
        f.interactions = f.collect_interactions();
        f
    }

    fn collect_interactions(&self) -> Vec<Interaction> {
        let mut out = Vec::new();
        for i in 0..self.end {
            let m = &self.t.messages[i];
            if !self.is_human(i) {
                continue;
            }
            let mut targets: Vec<MemberIx> = Vec::new();
            if let Some(p) = self.parent[i] {
                targets.push(self.t.messages[p as usize].sender);
            }
            for &who in &m.mentions {
                if !targets.contains(&who) {
                    targets.push(who);
                }
            }
            for to in targets {
                if to != m.sender && self.class[to as usize] != Class::Bot {
                    out.push(Interaction { msg: i as MsgIx, time_ms: m.time_ms, from: m.sender, to });
                }
            }
        }
        out
    }

    /// A message by a person (not a bot, not a mechanical push).
    pub fn is_human(&self, i: usize) -> bool {
        self.class[self.t.messages[i].sender as usize] != Class::Bot && !self.labels[i].push
    }

    /// A human message by a non-operator: what keeps a group alive (§1).
    pub fn is_member_msg(&self, i: usize) -> bool {
        self.is_human(i) && self.class[self.t.messages[i].sender as usize] == Class::Member
    }

    /// Indices of messages in `(from_ms, to_ms]`, clipped to as-of.
    pub fn range(&self, from_ms: i64, to_ms: i64) -> std::ops::Range<usize> {
        let msgs = &self.t.messages[..self.end];
        let a = msgs.partition_point(|m| m.time_ms <= from_ms);
        let b = msgs.partition_point(|m| m.time_ms <= to_ms);
        a..b.max(a)
    }

    /// The calendar day number of an instant in the group's own clock.
    pub fn day(&self, ms: i64) -> i64 {
        (ms + i64::from(self.t.group.utc_offset_s) * 1000).div_euclid(DAY_MS)
    }

    /// The ISO date of a day number.
    pub fn date(&self, day: i64) -> String {
        chrono::DateTime::from_timestamp(day * 86_400, 0).map(|d| d.date_naive().to_string()).unwrap_or_default()
    }

    /// The ISO date of an instant in the group's clock.
    pub fn date_of(&self, ms: i64) -> String {
        self.date(self.day(ms))
    }

    pub fn is_operator(&self, m: MemberIx) -> bool {
        self.class[m as usize] == Class::Operator
    }

    /// A member↔member interaction: neither end an operator.
    pub fn is_mm(&self, x: &Interaction) -> bool {
        !self.is_operator(x.from) && !self.is_operator(x.to)
    }
}

/// Operators by role or configuration; bots by flag, configuration, or mostly-push sending.
pub(crate) fn classify(t: &Timeline, labels: &[ContentLabel], s: &Settings) -> Vec<Class> {
    let named = |list: &[String], m: &shequn_model::MemberMeta| {
        list.iter().any(|x| *x == m.name || m.platform_id.as_deref() == Some(x.as_str()))
    };
    let mut sent = vec![0u32; t.members.len()];
    let mut pushed = vec![0u32; t.members.len()];
    for (i, m) in t.messages.iter().enumerate() {
        sent[m.sender as usize] += 1;
        if labels[i].push {
            pushed[m.sender as usize] += 1;
        }
    }
    t.members
        .iter()
        .enumerate()
        .map(|(ix, m)| {
            let push_sender = sent[ix] > 0 && f64::from(pushed[ix]) >= s.push_sender_share * f64::from(sent[ix]);
            let listed_bot = s
                .bots
                .iter()
                .any(|b| shequn_model::bot_name_matches(b, &m.name) || m.platform_id.as_deref() == Some(b.as_str()));
            if m.is_bot || listed_bot || push_sender {
                Class::Bot
            } else if m.is_operator() || named(&s.operators, m) {
                Class::Operator
            } else {
                Class::Member
            }
        })
        .collect()
}

/// Characters with CJK counted double, so "substantive" means about the same in both scripts.
pub fn weighted_len(text: &str) -> u32 {
    text.chars()
        .map(|c| if ('\u{2E80}'..='\u{9FFF}').contains(&c) || ('\u{F900}'..='\u{FAFF}').contains(&c) { 2 } else { 1 })
        .sum()
}

/// A question by its shape (METHOD §5's bid words, the short list).
pub fn is_question(text: &str) -> bool {
    let lower = text.to_lowercase();
    text.contains('?')
        || text.contains('？')
        || ["吗", "怎么", "如何", "请问", "有没有", "为什么", "什么"].iter().any(|w| text.contains(w))
        || ["how ", "why ", "what ", "anyone ", "does ", "is there"].iter().any(|w| lower.starts_with(w))
}

/// The median of a list (None when empty).
pub fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 { v[n / 2] } else { (v[n / 2 - 1] + v[n / 2]) / 2.0 })
}

/// `a / b`, or 0 when `b` is 0.
pub fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}
