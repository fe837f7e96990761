//! Mechanical pushes (METHOD §7, seed 004: 只有机械式的推送): senders whose
//! posts recur at the same clock time on many days, are templated, link-heavy,
//! or repeat across groups; the share of pushes any human answered within 2 h;
//! and broadcast-only groups.

use std::collections::{HashMap, HashSet};

use serde::{Deserialize, Serialize};
use shequn_model::{Example, MemberIx, MsgIx, Timeline};

use crate::clock::local;
use crate::normalize::{normalize, HandleKind, Normalized};
use crate::repetition::{repetition_of_hashes, simhash_compact, Repetition, RepetitionSettings};

/// Push settings (METHOD §7).
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(default, deny_unknown_fields)]
pub struct PushSettings {
    /// A sender needs at least this many top-level posts to be judged.
    pub min_posts: u32,
    /// Posts within this many minutes of the same clock time count as "the same time".
    pub clock_tolerance_min: u32,
    /// Distinct days with a post at the same clock time that make a schedule.
    pub min_days_same_clock: u32,
    /// Share of the sender's posts at that clock time for the schedule to count.
    pub same_clock_share: f64,
    /// Share of posts near-same as another of the sender's posts, or opening with the same words.
    pub templated_share: f64,
    /// Characters of the opening compared for templates.
    pub template_prefix_chars: usize,
    /// Share of posts holding a link.
    pub link_share: f64,
    /// Share of posts repeated in other groups (needs the portfolio repetition).
    pub cross_group_share: f64,
    /// A push counts as answered when a human replies within this many minutes.
    pub response_window_min: u32,
    /// Pushes at or above this share of messages …
    pub broadcast_push_share: f64,
    /// … and a response rate below this make a group broadcast-only.
    pub broadcast_response_rate: f64,
    /// Evidence examples kept per list.
    pub examples: usize,
    /// A sender (not a platform bot) whose top-level posts draw explicit replies from
    /// others at least this often is talking with people, not pushing (seed 004: a
    /// mechanical push is the broadcast nobody answers).
    pub answered_exempt_share: f64,
    /// Templated and link-heavy are weak signals alone (people repeat their own phrases and
    /// share links); a sender needs this many of them, or one strong signal (same clock
    /// time on many days, repetition across groups), or a platform bot flag.
    pub weak_signals_needed: u32,
}

impl Default for PushSettings {
    fn default() -> Self {
        PushSettings {
            min_posts: 5,
            clock_tolerance_min: 10,
            min_days_same_clock: 4,
            same_clock_share: 0.5,
            templated_share: 0.5,
            template_prefix_chars: 6,
            link_share: 0.6,
            cross_group_share: 0.3,
            response_window_min: 120,
            broadcast_push_share: 0.5,
            broadcast_response_rate: 0.05,
            answered_exempt_share: 0.5,
            weak_signals_needed: 2,
            examples: 3,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushSignal {
    /// The platform flags the sender as a bot.
    PlatformBot,
    SameClockTime,
    Templated,
    LinkHeavy,
    CrossGroup,
}

/// A sender judged a mechanical pusher, with the numbers behind it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pusher {
    pub member: MemberIx,
    pub name: String,
    pub posts: u32,
    pub signals: Vec<PushSignal>,
    /// e.g. "posts at 08:00 on 12 days", "9 of 10 posts hold a link".
    pub details: Vec<String>,
    pub examples: Vec<Example>,
}

/// How an answered push was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseBasis {
    /// A human reply the platform linked to the push.
    ExplicitReply,
    /// No linked reply; some other human spoke within the window (weaker).
    HumanMessageInWindow,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PushReport {
    pub pushers: Vec<Pusher>,
    pub messages: u32,
    pub pushes: u32,
    pub push_share: f64,
    pub answered_explicit: u32,
    pub answered_in_window: u32,
    /// (answered_explicit + answered_in_window) / pushes; 0 without pushes.
    pub response_rate: f64,
    /// answered_explicit / pushes.
    pub explicit_response_rate: f64,
    pub broadcast_only: bool,
    pub unanswered_examples: Vec<Example>,
    /// For each message: is it a push.
    #[serde(skip)]
    pub is_push: Vec<bool>,
}

/// Detects pushers and measures responses in one group. `portfolio` gives
/// cross-group repetition for this group (`group` is its index there).
pub fn pushes(t: &Timeline, settings: &PushSettings, portfolio: Option<(&Repetition, usize)>) -> PushReport {
    let normalized: Vec<Normalized> = t.messages.iter().map(|m| normalize(&m.text)).collect();
    let min_chars = RepetitionSettings::default().min_chars;
    let hashes: Vec<Option<u64>> = normalized.iter().map(|n| simhash_compact(&n.compact, min_chars)).collect();
    pushes_prepared(t, settings, portfolio, &normalized, hashes)
}

/// [`pushes`] with each message's normalised text and SimHash already computed (the
/// content analysis has them), so no text is normalised twice.
pub fn pushes_prepared(
    t: &Timeline,
    settings: &PushSettings,
    portfolio: Option<(&Repetition, usize)>,
    normalized: &[Normalized],
    hashes: Vec<Option<u64>>,
) -> PushReport {
    let offset = t.group.utc_offset_s;
    let repeat_within = RepetitionSettings { min_copies: 2, ..RepetitionSettings::default() };
    let own = repetition_of_hashes(&[t], &[hashes], &repeat_within);
    let mut posts: HashMap<MemberIx, Vec<MsgIx>> = HashMap::new();
    for (i, m) in t.messages.iter().enumerate() {
        if m.reply_to.is_none() {
            posts.entry(m.sender).or_default().push(i as MsgIx);
        }
    }
    // Posts that drew an explicit reply from someone else.
    let mut answered: HashSet<MsgIx> = HashSet::new();
    for m in &t.messages {
        if let Some(p) = m.reply_to {
            if t.messages[p as usize].sender != m.sender {
                answered.insert(p);
            }
        }
    }
    let mut pushers = Vec::new();
    let mut senders: Vec<_> = posts.into_iter().collect();
    senders.sort_by_key(|(s, _)| *s);
    for (member, list) in senders {
        let meta = t.member(member);
        let n = list.len() as u32;
        let mut signals = Vec::new();
        let mut details = Vec::new();
        if meta.is_bot {
            signals.push(PushSignal::PlatformBot);
            details.push("the platform flags this sender as a bot / 平台标记为机器人".into());
        }
        if n >= settings.min_posts {
            if let Some((minute, days, share)) = same_clock(t, &list, offset, settings.clock_tolerance_min) {
                if days >= settings.min_days_same_clock && share >= settings.same_clock_share {
                    signals.push(PushSignal::SameClockTime);
                    details.push(format!(
                        "posts around {:02}:{:02} on {days} days ({:.0}% of posts) / 在 {} 天的同一时刻发送",
                        minute / 60,
                        minute % 60,
                        share * 100.0,
                        days
                    ));
                }
            }
            let templated = templated_count(normalized, &list, &own, settings.template_prefix_chars);
            if templated as f64 / n as f64 >= settings.templated_share {
                signals.push(PushSignal::Templated);
                details.push(format!("{templated} of {n} posts follow a template / {templated}/{n} 条为模板内容"));
            }
            let links = list
                .iter()
                .filter(|&&i| normalized[i as usize].handles.iter().any(|h| h.kind == HandleKind::Url))
                .count();
            if links as f64 / n as f64 >= settings.link_share {
                signals.push(PushSignal::LinkHeavy);
                details.push(format!("{links} of {n} posts hold a link / {links}/{n} 条带链接"));
            }
            if let Some((rep, g)) = portfolio {
                let cross = list.iter().filter(|&&i| rep.cluster_of(g, i).is_some_and(|c| c.groups.len() >= 2)).count();
                if cross as f64 / n as f64 >= settings.cross_group_share {
                    signals.push(PushSignal::CrossGroup);
                    details.push(format!(
                        "{cross} of {n} posts also appear in other groups / {cross}/{n} 条在其他群重复出现"
                    ));
                }
            }
        }
        let answered_share = list.iter().filter(|i| answered.contains(i)).count() as f64 / f64::from(n.max(1));
        if is_pusher(&signals, meta.is_bot, answered_share, settings) {
            pushers.push(Pusher {
                member,
                name: meta.name.clone(),
                posts: n,
                signals,
                details,
                examples: list.iter().take(settings.examples).map(|&i| Example::of(t, i)).collect(),
            });
        }
    }
    let pusher_set: HashSet<MemberIx> = pushers.iter().map(|p| p.member).collect();
    let is_push: Vec<bool> =
        t.messages.iter().map(|m| m.reply_to.is_none() && pusher_set.contains(&m.sender)).collect();
    let human = |ix: usize| {
        let m = &t.messages[ix];
        !pusher_set.contains(&m.sender) && !t.sender(m).is_bot
    };
    // Explicit human replies per push.
    let window_ms = settings.response_window_min as i64 * 60_000;
    let mut replied: HashSet<usize> = HashSet::new();
    for (i, m) in t.messages.iter().enumerate() {
        if let Some(p) = m.reply_to {
            let p = p as usize;
            if is_push[p]
                && human(i)
                && m.sender != t.messages[p].sender
                && m.time_ms - t.messages[p].time_ms <= window_ms
            {
                replied.insert(p);
            }
        }
    }
    let (mut explicit, mut in_window) = (0u32, 0u32);
    let mut unanswered = Vec::new();
    for (p, _) in is_push.iter().enumerate().filter(|(_, &b)| b) {
        if replied.contains(&p) {
            explicit += 1;
            continue;
        }
        let pm = &t.messages[p];
        let answered = t.messages[p + 1..]
            .iter()
            .enumerate()
            .take_while(|(_, m)| m.time_ms - pm.time_ms <= window_ms)
            .any(|(k, m)| m.sender != pm.sender && human(p + 1 + k));
        if answered {
            in_window += 1;
        } else if unanswered.len() < settings.examples {
            unanswered.push(Example::of(t, p as MsgIx));
        }
    }
    let pushes = is_push.iter().filter(|&&b| b).count() as u32;
    let messages = t.messages.len() as u32;
    let ratio = |a: u32, b: u32| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let push_share = ratio(pushes, messages);
    let response_rate = ratio(explicit + in_window, pushes);
    PushReport {
        pushers,
        messages,
        pushes,
        push_share,
        answered_explicit: explicit,
        answered_in_window: in_window,
        response_rate,
        explicit_response_rate: ratio(explicit, pushes),
        broadcast_only: pushes > 0
            && push_share >= settings.broadcast_push_share
            && response_rate < settings.broadcast_response_rate,
        unanswered_examples: unanswered,
        is_push,
    }
}

/// The verdict on one sender from the signals that fired: one strong signal (platform bot, same
/// clock time, cross-group) or `weak_signals_needed` weak ones (templated, link-heavy), unless
/// others answer their posts often enough (`answered_exempt_share`, never for a platform bot).
/// The live alerts apply it to the counts they keep.
pub fn is_pusher(signals: &[PushSignal], is_bot: bool, answered_share: f64, settings: &PushSettings) -> bool {
    let exempt = !is_bot && answered_share >= settings.answered_exempt_share;
    let weak = signals.iter().filter(|s| matches!(s, PushSignal::Templated | PushSignal::LinkHeavy)).count() as u32;
    let strong = signals.len() as u32 > weak;
    (strong || weak >= settings.weak_signals_needed) && !exempt
}

/// A post's opening as templates are compared: the compact text without digits (templates
/// vary in dates and numbers), `prefix_chars` long; None when the post is shorter.
pub fn template_prefix(compact: &str, prefix_chars: usize) -> Option<String> {
    let p: String = compact.chars().filter(|c| !c.is_ascii_digit()).take(prefix_chars).collect();
    (p.chars().count() == prefix_chars).then_some(p)
}

/// The clock time (minute of day) most of the posts cluster at: (minute, distinct days, share of posts).
fn same_clock(t: &Timeline, list: &[MsgIx], offset: i32, tolerance: u32) -> Option<(u32, u32, f64)> {
    let mut at: Vec<(u32, i64)> = list
        .iter()
        .map(|&i| {
            let (day, _, minute) = local(t.messages[i as usize].time_ms, offset);
            (minute, day)
        })
        .collect();
    at.sort_unstable();
    let mut best: Option<(u32, u32, f64)> = None;
    let mut lo = 0;
    // Posts per day inside the sliding window, and how many days it holds: linear in the
    // sender's posts (rebuilding the day set per step was quadratic for a sender with
    // thousands of posts near one clock time).
    let mut in_window: HashMap<i64, u32> = HashMap::new();
    let mut days = 0u32;
    for hi in 0..at.len() {
        let n = in_window.entry(at[hi].1).or_default();
        *n += 1;
        if *n == 1 {
            days += 1;
        }
        while at[hi].0 - at[lo].0 > 2 * tolerance {
            let n = in_window.get_mut(&at[lo].1).expect("a day in the window is counted");
            *n -= 1;
            if *n == 0 {
                days -= 1;
            }
            lo += 1;
        }
        let share = (hi - lo + 1) as f64 / at.len() as f64;
        if best.is_none_or(|b| days > b.1) {
            best = Some((at[(lo + hi) / 2].0, days, share));
        }
    }
    best
}

/// Posts near-same as another of the sender's posts, or sharing their opening (digits
/// ignored: templates vary in dates and numbers) with two others.
fn templated_count(normalized: &[Normalized], list: &[MsgIx], own: &Repetition, prefix_chars: usize) -> usize {
    let prefix = |i: MsgIx| template_prefix(&normalized[i as usize].compact, prefix_chars);
    let mut openings: HashMap<String, usize> = HashMap::new();
    for &i in list {
        if let Some(p) = prefix(i) {
            *openings.entry(p).or_default() += 1;
        }
    }
    list.iter()
        .filter(|&&i| {
            own.cluster_of(0, i).is_some() || prefix(i).and_then(|p| openings.get(&p)).is_some_and(|&c| c >= 3)
        })
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shequn_model::TimelineBuilder;

    const DAY: i64 = 86_400_000;
    const MIN: i64 = 60_000;

    /// A bot posting a news digest at 08:00 every day for `days` days; humans chat at noon
    /// and answer `answered` of the pushes with explicit replies.
    fn digest_group(days: i64, answered: i64, chatter: bool) -> Timeline {
        let mut b = TimelineBuilder::new("news");
        let bot = b.member("早报机器人");
        let ann = b.member("Ann");
        let bob = b.member("Bob");
        for d in 0..days {
            let p = b.message(
                d * DAY + 8 * 60 * MIN,
                bot,
                &format!("【每日早报】第{d}期 今日要闻速览 https://news.example.com/{d}"),
            );
            if d < answered {
                b.reply(d * DAY + 8 * 60 * MIN + 30 * MIN, ann, "谢谢分享", p);
            }
            if chatter {
                b.message(d * DAY + (10 * 60 + 30 + (d * 13) % 120) * MIN, bob, "中午吃什么");
            }
        }
        b.build()
    }

    #[test]
    fn same_clock_counts_distinct_days_in_the_busiest_window() {
        let mut b = TimelineBuilder::new("clock");
        let a = b.member("a");
        // Days 0..6 at 08:00±2 min, days 0..2 again at 08:01 (same days, not new ones), and
        // noise at 20:00 on 4 days.
        let mut at: Vec<i64> = (0..6i64).map(|d| d * DAY + (8 * 60 + (d % 3) - 1) * MIN).collect();
        at.extend((0..2i64).map(|d| d * DAY + (8 * 60 + 1) * MIN));
        at.extend((0..4i64).map(|d| d * DAY + 20 * 60 * MIN));
        at.sort_unstable();
        for ms in at {
            b.message(ms, a, "x");
        }
        let t = b.build();
        let list: Vec<MsgIx> = (0..t.messages.len() as MsgIx).collect();
        let (minute, days, share) = same_clock(&t, &list, 0, 2).expect("a window");
        assert_eq!(days, 6, "8 posts near 08:00 on 6 distinct days");
        assert!((8 * 60 - 2..=8 * 60 + 2).contains(&minute));
        assert!((share - 8.0 / 12.0).abs() < 1e-9);
        // With no tolerance the busiest minute is 08:00 or 08:01, never all 6 days.
        assert!(same_clock(&t, &list, 0, 0).unwrap().1 < 6);
    }

    #[test]
    fn detects_a_scheduled_templated_link_pusher() {
        let t = digest_group(10, 0, false);
        let r = pushes(&t, &PushSettings::default(), None);
        assert_eq!(r.pushers.len(), 1);
        let p = &r.pushers[0];
        assert_eq!(p.name, "早报机器人");
        for s in [PushSignal::SameClockTime, PushSignal::Templated, PushSignal::LinkHeavy] {
            assert!(p.signals.contains(&s), "{s:?} missing: {:?}", p.details);
        }
        assert_eq!(r.pushes, 10);
        assert!(r.broadcast_only);
    }

    #[test]
    fn a_templated_poster_whose_posts_are_answered_is_not_a_pusher() {
        let mut b = TimelineBuilder::new("g");
        let (ann, bob) = (b.member("Ann"), b.member("Bob"));
        for d in 0..10i64 {
            let q = b.message(d * 86_400_000 + 20 * 3_600_000, ann, &format!("第{d}天 今日问题：怎么看？"));
            // Ann's daily template draws an answer on 6 of 10 days (60% ≥ 50%): a conversation.
            if d % 5 < 3 {
                b.reply(d * 86_400_000 + 20 * 3_600_000 + 60_000, bob, "我觉得可以", q);
            }
        }
        let t = b.build();
        assert!(pushes(&t, &PushSettings::default(), None).pushers.iter().all(|p| p.name != "Ann"));
        // With the exemption raised above 60%, the same schedule is a push.
        let strict = PushSettings { answered_exempt_share: 0.7, ..PushSettings::default() };
        assert!(pushes(&t, &strict, None).pushers.iter().any(|p| p.name == "Ann"));
    }

    #[test]
    fn a_human_chatting_at_random_times_is_not_a_pusher() {
        let mut b = TimelineBuilder::new("chat");
        let ann = b.member("Ann");
        let texts = ["今天天气不错", "有人去吃饭吗", "这个问题我也遇到过", "周末一起爬山吧", "哈哈哈好的", "明天见"];
        for (d, text) in texts.iter().enumerate() {
            b.message(d as i64 * DAY + (9 + 2 * d as i64) * 60 * MIN, ann, text);
        }
        let t = b.build();
        assert!(pushes(&t, &PushSettings::default(), None).pushers.is_empty());
    }

    /// Ann repeats her own phrases at varied hours: templated, a weak signal alone.
    /// Give the same posts links and they are templated and link-heavy: a pusher.
    #[test]
    fn repeating_oneself_alone_is_not_pushing_but_templated_links_are() {
        let build = |with_links: bool| {
            let mut b = TimelineBuilder::new("chat");
            let ann = b.member("Ann");
            let texts = ["不过这个说法我不太同意", "新人求带，书单零基础", "刚下班，累死了"];
            for d in 0..12i64 {
                let text = texts[d as usize % 3];
                let text = if with_links { format!("{text} https://x.example/{d}") } else { text.to_string() };
                b.message(d * DAY + (8 + (d * 5) % 13) * 60 * MIN, ann, &text);
            }
            b.build()
        };
        let plain = pushes(&build(false), &PushSettings::default(), None);
        assert!(plain.pushers.is_empty(), "{:?}", plain.pushers.iter().map(|p| &p.details).collect::<Vec<_>>());
        let linked = pushes(&build(true), &PushSettings::default(), None);
        assert_eq!(linked.pushers.len(), 1);
        assert!(linked.pushers[0].signals.contains(&PushSignal::Templated));
        assert!(linked.pushers[0].signals.contains(&PushSignal::LinkHeavy));
        // One weak signal is enough when the setting says so.
        let eager = PushSettings { weak_signals_needed: 1, ..PushSettings::default() };
        assert_eq!(pushes(&build(false), &eager, None).pushers.len(), 1);
    }

    #[test]
    fn explicit_replies_and_window_fallback_are_told_apart() {
        let t = digest_group(10, 3, true);
        let r = pushes(&t, &PushSettings::default(), None);
        assert_eq!(r.answered_explicit, 3);
        // Chatter comes 2.5–4.5 h after the 08:00 push: outside the 2 h window.
        assert_eq!(r.answered_in_window, 0);
        let wide = PushSettings { response_window_min: 300, ..PushSettings::default() };
        let r = pushes(&t, &wide, None);
        assert_eq!((r.answered_explicit, r.answered_in_window), (3, 7));
    }

    #[test]
    fn broadcast_only_boundary() {
        // 10 pushes, 0 answered, 10 chatter messages: push share exactly 50%.
        let t = digest_group(10, 0, true);
        let r = pushes(&t, &PushSettings::default(), None);
        assert_eq!(r.push_share, 0.5);
        assert!(r.broadcast_only, "share 0.5 ≥ 0.5 and rate 0 < 0.05");
        // 20 pushes with 1 explicit answer: rate 5% is not below 5%.
        let t = digest_group(20, 1, false);
        let r = pushes(&t, &PushSettings::default(), None);
        assert_eq!(r.pushes, 20);
        assert_eq!(r.response_rate, 0.05);
        assert!(!r.broadcast_only);
        // 21 pushes with 1 answer: 4.8% < 5%.
        let t = digest_group(21, 1, false);
        assert!(pushes(&t, &PushSettings::default(), None).broadcast_only);
    }
}
