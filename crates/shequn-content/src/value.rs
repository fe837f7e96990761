//! Value delivered (METHOD §8, seed 004: 福利、信息、资源、案例、活动、链接):
//! a bilingual lexicon plus rules puts substantive messages into one of six
//! kinds; per group, weekly value output, the mix, the share of weeks with
//! value ("continuous value"), and a flag when value output halved over 8 weeks.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use shequn_model::{Example, MsgIx, Timeline, ValueKind};

use crate::clock::{day_string, week_start_day};
use crate::normalize::{normalize, HandleKind, Normalized};

/// Value settings (METHOD §8).
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(default, deny_unknown_fields)]
pub struct ValueSettings {
    /// Messages shorter than this (compact characters) are not substantive.
    pub min_chars: usize,
    /// Weeks compared for the falling-value flag (the earlier half against the later half).
    pub falling_weeks: usize,
    /// The later half's mean at or below this share of the earlier half's flags the group.
    pub falling_ratio: f64,
    pub examples: usize,
}

impl Default for ValueSettings {
    fn default() -> Self {
        ValueSettings { min_chars: 8, falling_weeks: 8, falling_ratio: 0.5, examples: 3 }
    }
}

/// Lexicon: words that point to each kind (matched on the folded, lower-case text).
const LEXICON: &[(ValueKind, &[&str])] = &[
    (
        ValueKind::Perk,
        &[
            "福利",
            "优惠券",
            "折扣码",
            "免费领",
            "抽奖",
            "红包",
            "赠送",
            "送书",
            "会员",
            "兑换码",
            "内推",
            "discount code",
            "coupon",
            "giveaway",
            "free ticket",
            "perk",
            "voucher",
        ],
    ),
    (
        ValueKind::Information,
        &[
            "通知",
            "公告",
            "消息",
            "新闻",
            "政策",
            "发布",
            "更新",
            "版本",
            "注意",
            "提醒",
            "据悉",
            "报道",
            "announcement",
            "release",
            "released",
            "update",
            "news",
            "deadline",
            "heads up",
            "fyi",
            "changelog",
            "security advisory",
        ],
    ),
    (
        ValueKind::Resource,
        &[
            "资料",
            "教程",
            "文档",
            "下载",
            "工具",
            "模板",
            "课件",
            "网盘",
            "电子书",
            "合集",
            "清单",
            "开源",
            "github",
            "tutorial",
            "docs",
            "documentation",
            "guide",
            "cheat sheet",
            "slides",
            "pdf",
            "library",
            "download",
            "template",
            "resource",
        ],
    ),
    (
        ValueKind::Case,
        &[
            "案例",
            "复盘",
            "经验",
            "实战",
            "心得",
            "踩坑",
            "我们是这样",
            "实践",
            "case study",
            "postmortem",
            "post-mortem",
            "lessons learned",
            "we solved",
            "in production",
            "how we",
            "war story",
        ],
    ),
    (
        ValueKind::Event,
        &[
            "活动",
            "报名",
            "讲座",
            "分享会",
            "直播",
            "沙龙",
            "线下",
            "聚会",
            "会议",
            "培训",
            "开课",
            "夜话",
            "meetup",
            "webinar",
            "workshop",
            "conference",
            "livestream",
            "sign up",
            "register",
            "rsvp",
            "hackathon",
            "talk",
        ],
    ),
    (
        ValueKind::Connection,
        &[
            "介绍一下",
            "认识一下",
            "对接",
            "引荐",
            "找人",
            "求推荐",
            "合作",
            "招聘",
            "求职",
            "内推",
            "自我介绍",
            "拉群",
            "introduce",
            "introduction",
            "looking for",
            "hiring",
            "connect you",
            "intro to",
            "collaborat",
            "job opening",
        ],
    ),
];

/// The value kind of a text, if it is substantive and points to one.
pub fn classify_value(text: &str, settings: &ValueSettings) -> Option<ValueKind> {
    classify_normalized(&normalize(text), settings)
}

pub fn classify_normalized(n: &Normalized, settings: &ValueSettings) -> Option<ValueKind> {
    if n.compact.chars().count() < settings.min_chars {
        return None;
    }
    let folded = n.folded.as_str();
    // Each lexicon word counts once, as `folded.contains(word)` would; one automaton pass finds them all.
    let (automaton, kind_of) = lexicon_automaton();
    let mut seen = vec![false; kind_of.len()];
    let mut per_kind = [0usize; LEXICON.len()];
    for m in automaton.find_overlapping_iter(folded) {
        let p = m.pattern().as_usize();
        if !std::mem::replace(&mut seen[p], true) {
            per_kind[kind_of[p]] += 1;
        }
    }
    let mut best: Option<(usize, ValueKind)> = None;
    for (k, (kind, _)) in LEXICON.iter().enumerate() {
        let mut hits = per_kind[k];
        // Rules: a link with resource words is a resource; a date or clock time with event words is an event.
        if *kind == ValueKind::Resource && hits > 0 && n.handles.iter().any(|h| h.kind == HandleKind::Url) {
            hits += 1;
        }
        if *kind == ValueKind::Event && hits > 0 && has_date_or_time(folded) {
            hits += 1;
        }
        if hits > 0 && best.is_none_or(|(b, _)| hits > b) {
            best = Some((hits, *kind));
        }
    }
    if best.is_none() && n.handles.iter().any(|h| h.kind == HandleKind::Url) && n.compact.chars().count() >= 20 {
        // A link with some words about it shares something: information.
        return Some(ValueKind::Information);
    }
    best.map(|(_, k)| k)
}

/// All lexicon words in one automaton, and each pattern's index into [`LEXICON`].
fn lexicon_automaton() -> &'static (aho_corasick::AhoCorasick, Vec<usize>) {
    static A: std::sync::OnceLock<(aho_corasick::AhoCorasick, Vec<usize>)> = std::sync::OnceLock::new();
    A.get_or_init(|| {
        let (mut words, mut kind_of) = (Vec::new(), Vec::new());
        for (k, (_, ws)) in LEXICON.iter().enumerate() {
            for w in *ws {
                words.push(*w);
                kind_of.push(k);
            }
        }
        (aho_corasick::AhoCorasick::new(words).expect("value lexicon"), kind_of)
    })
}

fn has_date_or_time(s: &str) -> bool {
    let b = s.as_bytes();
    s.contains('月') && s.contains('日')
        || s.contains("周") && s.chars().any(|c| "一二三四五六日末".contains(c))
        || b.windows(3).any(|w| w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit())
        || [
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "tomorrow",
            "tonight",
            "明天",
            "今晚",
            "下午",
            "晚上",
        ]
        .iter()
        .any(|w| s.contains(w))
}

/// One week of value output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekValue {
    /// The Monday starting the week (group clock).
    pub week: String,
    pub messages: u32,
    pub value_messages: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FallingValue {
    pub earlier_weekly_mean: f64,
    pub later_weekly_mean: f64,
    pub weeks: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueReport {
    pub value_messages: u32,
    pub mix: BTreeMap<ValueKind, u32>,
    pub weeks: Vec<WeekValue>,
    /// Share of weeks (first message to as-of) with at least one value message.
    pub continuous_share: f64,
    /// Set when value output fell by half or more over the last `falling_weeks` weeks.
    pub falling: Option<FallingValue>,
    pub examples: BTreeMap<ValueKind, Vec<Example>>,
}

/// Builds the weekly value report from per-message kinds (`None` for ads, pushes, chatter).
pub fn value_report(t: &Timeline, kinds: &[Option<ValueKind>], as_of_ms: i64, settings: &ValueSettings) -> ValueReport {
    let offset = t.group.utc_offset_s;
    let mut mix = BTreeMap::new();
    let mut examples: BTreeMap<ValueKind, Vec<Example>> = BTreeMap::new();
    let mut weeks: Vec<WeekValue> = Vec::new();
    if let Some(first) = t.first_ms() {
        let first_week = week_start_day(first, offset);
        let last_week = week_start_day(as_of_ms.max(first), offset);
        weeks = (0..=(last_week - first_week) / 7)
            .map(|k| WeekValue { week: day_string(first_week + 7 * k), messages: 0, value_messages: 0 })
            .collect();
        for (i, m) in t.messages.iter().enumerate() {
            if m.time_ms > as_of_ms {
                break;
            }
            let w = ((week_start_day(m.time_ms, offset) - first_week) / 7) as usize;
            weeks[w].messages += 1;
            if let Some(k) = kinds[i] {
                weeks[w].value_messages += 1;
                *mix.entry(k).or_insert(0u32) += 1;
                let ex = examples.entry(k).or_default();
                if ex.len() < settings.examples {
                    ex.push(Example::of(t, i as MsgIx));
                }
            }
        }
    }
    let with_value = weeks.iter().filter(|w| w.value_messages > 0).count();
    let continuous_share = if weeks.is_empty() { 0.0 } else { with_value as f64 / weeks.len() as f64 };
    let falling = falling_value(&weeks, settings);
    ValueReport { value_messages: mix.values().sum(), mix, weeks, continuous_share, falling, examples }
}

fn falling_value(weeks: &[WeekValue], settings: &ValueSettings) -> Option<FallingValue> {
    let n = settings.falling_weeks;
    if n < 2 || weeks.len() < n {
        return None;
    }
    let last = &weeks[weeks.len() - n..];
    let half = n / 2;
    let mean = |ws: &[WeekValue]| ws.iter().map(|w| w.value_messages as f64).sum::<f64>() / ws.len() as f64;
    let (earlier, later) = (mean(&last[..half]), mean(&last[half..]));
    (earlier > 0.0 && later <= earlier * settings.falling_ratio).then_some(FallingValue {
        earlier_weekly_mean: earlier,
        later_weekly_mean: later,
        weeks: n,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use shequn_model::TimelineBuilder;

    fn kind(s: &str) -> Option<ValueKind> {
        classify_value(s, &ValueSettings::default())
    }

    #[test]
    fn classifies_chinese_and_english_messages() {
        assert_eq!(kind("本周六下午3点线下沙龙，欢迎报名参加"), Some(ValueKind::Event));
        assert_eq!(
            kind("整理了一份入门教程和资料合集，网盘下载 https://pan.example.com/s/1"),
            Some(ValueKind::Resource)
        );
        assert_eq!(kind("分享一个我们上个月踩坑的复盘案例"), Some(ValueKind::Case));
        assert_eq!(kind("给大家介绍一下，这位是做供应链的王总，有需要可以对接"), Some(ValueKind::Connection));
        assert_eq!(kind("群友福利：今天抽奖送书三本"), Some(ValueKind::Perk));
        assert_eq!(kind("Heads up: version 2.3 was released today, see the changelog"), Some(ValueKind::Information));
        assert_eq!(kind("Join our webinar on Friday at 18:00, register here"), Some(ValueKind::Event));
        assert_eq!(kind("哈哈哈哈好的好的"), None);
        assert_eq!(kind("ok thanks"), None);
    }

    #[test]
    fn weekly_output_continuity_and_falling_flag() {
        const WEEK: i64 = 7 * 86_400_000;
        // 2024-01-01 is a Monday.
        let monday = 1_704_067_200_000;
        let mut b = TimelineBuilder::new("g");
        let a = b.member("a");
        // Weeks 0–3: 4 value messages each; weeks 4–7: 1 each except week 6 (none).
        let mut kinds = Vec::new();
        for w in 0..8i64 {
            let n = if w < 4 {
                4
            } else if w == 6 {
                0
            } else {
                1
            };
            for k in 0..n {
                b.message(monday + w * WEEK + k * 60_000, a, "x");
                kinds.push(Some(ValueKind::Information));
            }
            b.message(monday + w * WEEK + 3_600_000, a, "chat");
            kinds.push(None);
        }
        let t = b.build();
        let r = value_report(&t, &kinds, monday + 7 * WEEK + 86_400_000, &ValueSettings::default());
        assert_eq!(r.weeks.len(), 8);
        assert_eq!(r.weeks[0].week, "2024-01-01");
        assert_eq!(r.weeks[6].value_messages, 0);
        assert_eq!(r.continuous_share, 7.0 / 8.0);
        let f = r.falling.expect("4/week fell to 0.75/week");
        assert_eq!((f.earlier_weekly_mean, f.later_weekly_mean), (4.0, 0.75));
        // Steady output (the one chat message a week counted as value) is not flagged.
        let steady: Vec<Option<ValueKind>> =
            kinds.iter().map(|k| if k.is_none() { Some(ValueKind::Event) } else { None }).collect();
        assert!(value_report(&t, &steady, monday + 7 * WEEK + 86_400_000, &ValueSettings::default()).falling.is_none());
    }
}
