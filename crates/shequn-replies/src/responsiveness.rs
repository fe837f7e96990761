//! Responsiveness (METHOD §5, seed 000: 无回应之地，即是绝境): which messages
//! sought a response, how long until another human gave one, and which never got one.

use serde::Serialize;
use shequn_model::{EventKind, Example, Link, LinkSource, MemberIx, MsgIx, Timeline};

use crate::bots::BotReason;
use crate::settings::ResponsivenessSettings;
use crate::text::{is_cjk, is_greeting, is_question};

/// What happened to a bid by the as-of time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BidStatus {
    /// Another human replied within `answer_within`.
    Answered,
    /// No reply by another human within `answer_within` (a late reply still leaves it unanswered).
    Unanswered,
    /// Younger than `answer_within` and not yet replied to: too early to say.
    Pending,
}

/// A member message that sought a response.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bid {
    pub msg: MsgIx,
    pub time_ms: i64,
    pub sender: MemberIx,
    pub question: bool,
    /// The sender's first message, and the sender is new to the group.
    pub newcomer: bool,
    /// It starts a conversation (no parent).
    pub starter: bool,
    /// Milliseconds to the first reply by another human (even if later than `answer_within`).
    pub first_response_ms: Option<i64>,
    pub responder: Option<MemberIx>,
    /// How the responding link was known (explicit, mention, inferred).
    pub response_source: Option<LinkSource>,
    /// The response is the next message by someone else soon after, not a reply link.
    pub by_proximity: bool,
    pub status: BidStatus,
}

/// Counts for one calendar week (Monday start, in the group's clock).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeekResponsiveness {
    /// The Monday, `YYYY-MM-DD`.
    pub week: String,
    pub bids: usize,
    pub answered: usize,
    pub unanswered: usize,
    pub pending: usize,
    pub newcomer_bids: usize,
    pub newcomers_unanswered: usize,
    pub median_first_response_ms: Option<i64>,
}

/// Which links the figures rest on: the platform's, names in the text, or inference.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct LinkSplit {
    pub explicit: usize,
    pub mention: usize,
    pub inferred: usize,
    /// Messages linked to no parent (conversation starts).
    pub starts: usize,
    /// Responses found by proximity in groups whose platform records no replies (see
    /// `ResponsivenessSettings::proximity_answer_ms`); zero in the link counts.
    pub proximity: usize,
}

/// A member whose messages the figures leave out as a bot's.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeftOutBot {
    pub member: MemberIx,
    pub name: String,
    pub reason: BotReason,
}

/// The responsiveness of one group as of one instant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Responsiveness {
    pub settings: ResponsivenessSettings,
    pub as_of_ms: i64,
    pub bids: usize,
    pub question_bids: usize,
    pub newcomer_bids: usize,
    pub starter_bids: usize,
    pub answered: usize,
    pub unanswered: usize,
    pub pending: usize,
    /// unanswered / (answered + unanswered); None when no bid is decided yet.
    pub unanswered_rate: Option<f64>,
    pub newcomers_unanswered: usize,
    /// Median and 90th percentile time to first response by another human, over all bids that got one.
    pub median_first_response_ms: Option<i64>,
    pub p90_first_response_ms: Option<i64>,
    /// The links under all messages up to as-of.
    pub links: LinkSplit,
    /// The links that answered bids, by source.
    pub response_links: LinkSplit,
    pub weeks: Vec<WeekResponsiveness>,
    /// Members left out as bots by configuration or behaviour (platform-flagged bots aside).
    pub bots: Vec<LeftOutBot>,
    /// Unanswered bids quoted: newcomers' first messages on top, then newest first.
    pub unanswered_examples: Vec<Example>,
    /// Every bid, for callers that need more than the summary.
    #[serde(skip)]
    pub all_bids: Vec<Bid>,
}

/// Characters with CJK counted double, so one length threshold fits both scripts.
fn weighted_chars(text: &str) -> usize {
    text.trim().chars().map(|c| if is_cjk(c) { 2 } else { 1 }).sum()
}

/// Who is new: a join (event or roster) recorded before their first message, or
/// a first message well after the archive begins.
fn newcomers(t: &Timeline, settings: &ResponsivenessSettings) -> Vec<bool> {
    // The earliest join recorded for each member (event or roster).
    let mut joined: Vec<Option<i64>> = t.members.iter().map(|m| m.roster_joined_ms).collect();
    for e in &t.events {
        if e.kind == EventKind::Join {
            for &s in &e.subjects {
                let j = &mut joined[s as usize];
                *j = Some(j.map_or(e.time_ms, |x| x.min(e.time_ms)));
            }
        }
    }
    let start = t.first_ms().unwrap_or(0);
    let mut seen = vec![false; t.members.len()];
    let mut first_is_new = vec![false; t.messages.len()];
    for (i, m) in t.messages.iter().enumerate() {
        let s = m.sender as usize;
        if !seen[s] {
            seen[s] = true;
            first_is_new[i] =
                joined[s].is_some_and(|j| j <= m.time_ms) || m.time_ms - start >= settings.newcomer_grace_ms;
        }
    }
    first_is_new
}

fn median_and_p90(mut v: Vec<i64>) -> (Option<i64>, Option<i64>) {
    if v.is_empty() {
        return (None, None);
    }
    v.sort_unstable();
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    (Some(at(0.5)), Some(at(0.9)))
}

fn week_of(ms: i64, offset_s: i32) -> String {
    let day = (ms + offset_s as i64 * 1000).div_euclid(86_400_000);
    // 1970-01-01 was a Thursday: Monday-based weekday is (day + 3) mod 7.
    let monday = day - (day + 3).rem_euclid(7);
    chrono::DateTime::from_timestamp(monday * 86_400, 0).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// Bids, time to first response by another human (bots excluded), and unanswered
/// bids, for the messages up to `as_of_ms`. A reply counts when it answers the bid
/// or a follow-up the asker attached to it; the asker's own replies never answer.
pub fn responsiveness(
    t: &Timeline,
    links: &[Link],
    settings: &ResponsivenessSettings,
    as_of_ms: i64,
) -> Responsiveness {
    let n = t.messages.iter().take_while(|m| m.time_ms <= as_of_ms).count().min(links.len());
    let new_first = newcomers(t, settings);
    // Flagged, configured, or behaving like a link-title bot.
    let bot_flags = crate::bots::bots(t, settings);
    let human = |m: MemberIx| !crate::bots::is_bot(&bot_flags, m);
    // For each message: the bid it continues (the bid itself, or the asker's follow-ups to it).
    let mut bid_of: Vec<Option<usize>> = vec![None; n];
    let mut bids: Vec<Bid> = Vec::new();
    let mut split = LinkSplit::default();
    let mut response_split = LinkSplit::default();
    for i in 0..n {
        let m = &t.messages[i];
        let l = links[i];
        let parent = l.parent.map(|p| p as usize).filter(|&p| p < i);
        match parent {
            None => split.starts += 1,
            Some(_) => match l.source {
                LinkSource::Explicit => split.explicit += 1,
                LinkSource::Mention => split.mention += 1,
                LinkSource::Inferred => split.inferred += 1,
            },
        }
        let counts = l.source == LinkSource::Explicit || l.confidence >= settings.min_confidence;
        if let (Some(p), true) = (parent, counts) {
            if let Some(b) = bid_of[p] {
                let bid = &mut bids[b];
                if m.sender == bid.sender {
                    bid_of[i] = Some(b);
                } else if human(m.sender) && bid.first_response_ms.is_none() {
                    bid.first_response_ms = Some(m.time_ms - bid.time_ms);
                    bid.responder = Some(m.sender);
                    bid.response_source = Some(l.source);
                }
            }
        }
        if !human(m.sender) || bid_of[i].is_some() {
            continue;
        }
        let question = is_question(&m.text);
        let newcomer = new_first[i];
        let starter =
            parent.is_none() && (weighted_chars(&m.text) >= settings.starter_min_chars || is_greeting(&m.text));
        if question || newcomer || starter {
            bid_of[i] = Some(bids.len());
            bids.push(Bid {
                msg: i as MsgIx,
                time_ms: m.time_ms,
                sender: m.sender,
                question,
                newcomer,
                starter,
                first_response_ms: None,
                responder: None,
                response_source: None,
                by_proximity: false,
                status: BidStatus::Pending,
            });
        }
    }
    // Platforms that record no replies (WeChat/QQ text exports, IRC) leave slow answers
    // unlinked: the reply model learned on fast IRC calls a reply 15 minutes later a new
    // conversation. There, the first message by another person soon after a question or a
    // newcomer's hello answers it, unless it is addressed to someone else.
    let records_replies = t.messages.iter().any(|m| m.reply_to.is_some());
    if !records_replies && settings.proximity_answer_ms > 0 {
        for b in bids.iter_mut().filter(|b| b.first_response_ms.is_none()) {
            let bid = b.msg as usize;
            let hit = (bid + 1..n)
                .take_while(|&j| t.messages[j].time_ms - b.time_ms <= settings.proximity_answer_ms)
                .find(|&j| {
                    let m = &t.messages[j];
                    let addressed_elsewhere = links[j].source == LinkSource::Mention && links[j].parent != Some(b.msg);
                    m.sender != b.sender && human(m.sender) && !addressed_elsewhere
                });
            if let Some(j) = hit {
                b.first_response_ms = Some(t.messages[j].time_ms - b.time_ms);
                b.responder = Some(t.messages[j].sender);
                b.response_source = Some(LinkSource::Inferred);
                b.by_proximity = true;
            }
        }
    }
    for b in &mut bids {
        b.status = match b.first_response_ms {
            Some(d) if d <= settings.answer_within_ms => BidStatus::Answered,
            _ if as_of_ms - b.time_ms < settings.answer_within_ms => BidStatus::Pending,
            _ => BidStatus::Unanswered,
        };
        if b.status == BidStatus::Answered && b.by_proximity {
            response_split.proximity += 1;
        } else if b.status == BidStatus::Answered {
            match b.response_source {
                Some(LinkSource::Explicit) => response_split.explicit += 1,
                Some(LinkSource::Mention) => response_split.mention += 1,
                _ => response_split.inferred += 1,
            }
        }
    }
    let count = |f: &dyn Fn(&Bid) -> bool| bids.iter().filter(|b| f(b)).count();
    let answered = count(&|b| b.status == BidStatus::Answered);
    let unanswered = count(&|b| b.status == BidStatus::Unanswered);
    let (median, p90) = median_and_p90(bids.iter().filter_map(|b| b.first_response_ms).collect());

    let mut weeks: Vec<WeekResponsiveness> = Vec::new();
    let mut week_times: Vec<Vec<i64>> = Vec::new();
    for b in &bids {
        let wk = week_of(b.time_ms, t.group.utc_offset_s);
        if weeks.last().map(|w| w.week != wk).unwrap_or(true) {
            weeks.push(WeekResponsiveness {
                week: wk,
                bids: 0,
                answered: 0,
                unanswered: 0,
                pending: 0,
                newcomer_bids: 0,
                newcomers_unanswered: 0,
                median_first_response_ms: None,
            });
            week_times.push(Vec::new());
        }
        let w = weeks.last_mut().expect("pushed");
        w.bids += 1;
        match b.status {
            BidStatus::Answered => w.answered += 1,
            BidStatus::Unanswered => w.unanswered += 1,
            BidStatus::Pending => w.pending += 1,
        }
        if b.newcomer {
            w.newcomer_bids += 1;
            if b.status == BidStatus::Unanswered {
                w.newcomers_unanswered += 1;
            }
        }
        if let Some(d) = b.first_response_ms {
            week_times.last_mut().expect("pushed").push(d);
        }
    }
    for (w, times) in weeks.iter_mut().zip(week_times) {
        w.median_first_response_ms = median_and_p90(times).0;
    }

    let mut open: Vec<&Bid> = bids.iter().filter(|b| b.status == BidStatus::Unanswered).collect();
    open.sort_by(|a, b| b.newcomer.cmp(&a.newcomer).then(b.time_ms.cmp(&a.time_ms)));
    let unanswered_examples = open.iter().take(settings.max_examples).map(|b| Example::of(t, b.msg)).collect();
    let decided = answered + unanswered;
    Responsiveness {
        settings: settings.clone(),
        as_of_ms,
        bids: bids.len(),
        question_bids: count(&|b| b.question),
        newcomer_bids: count(&|b| b.newcomer),
        starter_bids: count(&|b| b.starter),
        answered,
        unanswered,
        pending: count(&|b| b.status == BidStatus::Pending),
        unanswered_rate: (decided > 0).then(|| unanswered as f64 / decided as f64),
        newcomers_unanswered: count(&|b| b.newcomer && b.status == BidStatus::Unanswered),
        median_first_response_ms: median,
        p90_first_response_ms: p90,
        links: split,
        response_links: response_split,
        weeks,
        bots: bot_flags
            .iter()
            .enumerate()
            .filter_map(|(ix, r)| {
                let reason = r.filter(|r| *r != BotReason::Flagged)?;
                Some(LeftOutBot { member: ix as MemberIx, name: t.members[ix].name.clone(), reason })
            })
            .collect(),
        unanswered_examples,
        all_bids: bids,
    }
}

fn duration(ms: i64) -> String {
    let s = ms / 1000;
    match s {
        s if s < 120 => format!("{s} s"),
        s if s < 7200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{:.1} h", s as f64 / 3600.0),
        s => format!("{:.1} d", s as f64 / 86_400.0),
    }
}

impl Responsiveness {
    /// Lines for a terminal, each in Chinese and English.
    pub fn summary_lines(&self) -> Vec<String> {
        let hours = self.settings.answer_within_ms as f64 / 3_600_000.0;
        let mut out = vec![format!(
            "求助/发言请求 {} 条（提问 {}，新人首条 {}，话题发起 {}）· bids {} (questions {}, newcomers' first {}, thread starters {})",
            self.bids, self.question_bids, self.newcomer_bids, self.starter_bids,
            self.bids, self.question_bids, self.newcomer_bids, self.starter_bids
        )];
        let rate = self.unanswered_rate.map(|r| format!("{:.0}%", r * 100.0)).unwrap_or_else(|| "—".into());
        out.push(format!(
            "{hours} 小时内无人回应 {} 条（{rate}），已回应 {}，待定 {} · unanswered within {hours} h: {} ({rate}), answered {}, pending {}",
            self.unanswered, self.answered, self.pending, self.unanswered, self.answered, self.pending
        ));
        if let (Some(m), Some(p)) = (self.median_first_response_ms, self.p90_first_response_ms) {
            out.push(format!(
                "首次他人回应时间：中位 {}，90% 分位 {} · time to first response by another human: median {}, p90 {}",
                duration(m),
                duration(p),
                duration(m),
                duration(p)
            ));
        }
        out.push(format!(
            "无人理会的新人 {} 位 · newcomers left unanswered: {}",
            self.newcomers_unanswered, self.newcomers_unanswered
        ));
        let r = &self.response_links;
        out.push(format!(
            "回应链接来源：平台记录 {}，@/称呼 {}，推断 {} · response links: explicit {}, mention {}, inferred {}",
            r.explicit, r.mention, r.inferred, r.explicit, r.mention, r.inferred
        ));
        for bot in &self.bots {
            let why = match bot.reason {
                BotReason::Flagged => "平台标记 · flagged by the platform".to_string(),
                BotReason::Configured => "配置列出 · listed in the settings".to_string(),
                BotReason::Echoes { echoes, messages } => format!(
                    "{echoes}/{messages} 条紧跟他人链接或工单号回显标题 · {echoes} of {messages} messages echo another member's link or ticket id"
                ),
            };
            out.push(format!("  不计入的机器人 bot left out: {}（{why}）", bot.name));
        }
        for e in self.unanswered_examples.iter().take(5) {
            out.push(format!("  无人回应 unanswered: [{}] {}: {}", e.time, e.sender, e.text));
        }
        out
    }
}
