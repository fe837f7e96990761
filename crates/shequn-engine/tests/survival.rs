//! The early warning end to end on constructed groups: every analysis runs on their first
//! weeks, the built-in weights score them, and the outcome is the diagnosis's own status.

use shequn_engine::survival::{case, early_warning};
use shequn_engine::AnalysisConfig;
use shequn_model::{Coverage, EventKind, MemberRole, Timeline, TimelineBuilder};
use shequn_survival::Exclusion;

const DAY: i64 = 86_400_000;
const HOUR: i64 = 3_600_000;
const C: i64 = 1_600_000_000_000; // 2020-09-13, a Sunday

/// A group that dies the way seed 000 says groups die: newcomers ask and nobody answers, the
/// operator's useful posts stop after the first days, and the members fall silent.
fn dying(name: &str, days_with_life: i64) -> Timeline {
    let mut b = TimelineBuilder::new(name);
    let op = b.member("owner");
    b.member_mut(op).role = Some(MemberRole::Owner);
    b.event(C, EventKind::Create, &[op]);
    b.message(C + HOUR, op, "欢迎大家！这里是读书群，资料下载：https://example.com/books/list 每天分享一本书");
    b.message(C + DAY + HOUR, op, "今天分享：《社群运营》电子版下载 https://example.com/books/1");
    for i in 0..9i64 {
        let t = C + (i * days_with_life / 9).max(1) * DAY + 10 * HOUR;
        if t >= C + days_with_life * DAY {
            break;
        }
        let m = b.member(&format!("newcomer{i}"));
        b.event(t - HOUR, EventKind::Join, &[m]);
        b.message(t, m, "请问这个群每周什么时候讨论？怎么参加？");
    }
    b.build()
}

/// A group that lives: members talk every day, answer each other and newcomers within minutes,
/// and share resources.
fn living(name: &str, days: i64) -> Timeline {
    let mut b = TimelineBuilder::new(name);
    let people: Vec<u32> = (0..8).map(|i| b.member(&format!("member{i}"))).collect();
    b.event(C, EventKind::Create, &[people[0]]);
    for d in 0..days {
        for k in 0..4i64 {
            let t = C + d * DAY + (9 + 3 * k) * HOUR;
            let asker = people[((d + k) % 8) as usize];
            let answerer = people[((d + k + 3) % 8) as usize];
            let q = b.message(t, asker, &format!("有没有人用过第{d}章提到的方法？效果怎么样？"));
            b.reply(
                t + 5 * 60_000,
                answerer,
                "用过，很有效，我把笔记整理好了：https://example.com/notes 大家可以看看",
                q,
            );
            b.reply(t + 9 * 60_000, asker, "太好了，谢谢！哈哈，我今晚就试试", q + 1);
        }
        if d % 7 == 3 {
            let m = b.member(&format!("new{d}"));
            let t = C + d * DAY + 20 * HOUR;
            b.event(t - HOUR, EventKind::Join, &[m]);
            let q = b.message(t, m, "大家好，我是新来的，请问资料在哪里下载？");
            b.reply(t + 3 * 60_000, people[(d % 8) as usize], "欢迎！资料都在这里：https://example.com/books/list", q);
        }
    }
    b.build()
}

#[test]
fn groups_that_die_get_higher_risk_than_groups_that_live() {
    let config = AnalysisConfig::default();
    let as_of = C + 30 * DAY; // past the 28-day window, inside its margin
    let dead = early_warning(&dying("dying", 10), &config, as_of).expect("a 30-day-old group is young");
    let alive = early_warning(&living("living", 31), &config, as_of).expect("a 30-day-old group is young");
    assert_eq!((dead.observe_days, alive.observe_days), (28, 28));
    eprintln!("dying {dead:?}\nliving {alive:?}");
    assert!(dead.risk > alive.risk + 0.2, "dying {} vs living {}", dead.risk, alive.risk);
    assert_eq!(dead.reasons.len(), 3);
    assert!(dead.reasons.iter().all(|r| !r.en.is_empty() && !r.zh.is_empty()));
    // Nobody answered the dying group's newcomers: if the reasons speak of newcomers, they say so.
    if let Some(r) = dead.reasons.iter().find(|r| r.feature == "newcomers_answered") {
        let answered: u32 = r.en.split(" of ").next().unwrap().parse().unwrap();
        assert!(answered <= 1, "{}", r.en);
    }
    // A group seen for 20 days gets the 14-day model.
    let mid = early_warning(&dying("dying", 10), &config, C + 20 * DAY).unwrap();
    assert_eq!(mid.observe_days, 14);
}

#[test]
fn only_young_groups_get_a_warning() {
    let config = AnalysisConfig::default();
    let t = living("living", 60);
    assert!(early_warning(&t, &config, C + 10 * DAY).is_none(), "too young: no trained window fits 10 days");
    assert!(early_warning(&t, &config, C + 41 * DAY).is_some());
    assert!(early_warning(&t, &config, C + 42 * DAY).is_none(), "past observe_days + young_margin_days");
}

#[test]
fn a_group_that_begins_with_its_data_needs_a_creation_event() {
    let config = AnalysisConfig::default();
    let as_of = C + 30 * DAY;
    // No creation event, and the export starts with its first message: it may be an old group
    // exported for its last month, so no warning.
    let mut t = dying("old?", 10);
    t.events.retain(|e| e.kind != EventKind::Create);
    let first = t.messages[0].time_ms;
    t.group.coverage = Some(Coverage { first_ms: first, last_ms: as_of });
    assert!(early_warning(&t, &config, as_of).is_none());
    // The same group in an export that was watching for weeks before it began is new.
    t.group.coverage = Some(Coverage { first_ms: first - 30 * DAY, last_ms: as_of });
    assert!(early_warning(&t, &config, as_of).is_some());
    // A creation event says when it began, whatever the export covers.
    let mut t = dying("created", 10);
    t.group.coverage = Some(Coverage { first_ms: C, last_ms: as_of });
    assert!(early_warning(&t, &config, as_of).is_some());
}

#[test]
fn outcome_is_the_status_at_the_horizon_and_short_data_is_excluded() {
    let config = AnalysisConfig::default();
    // Data to day 120: the dying group's last member message is on day 9 → dead at day 90.
    let c = case(&dying("dying", 10), &config, &[14, 28], None, C + 120 * DAY);
    let a = c.answer.as_ref().unwrap_or_else(|e| panic!("{e:?}"));
    assert!(a.died);
    assert_eq!(a.windows.iter().map(|w| w.0).collect::<Vec<_>>(), vec![14, 28]);
    let c = case(&living("living", 120), &config, &[28], None, C + 120 * DAY);
    assert!(!c.answer.as_ref().unwrap_or_else(|e| panic!("{e:?}")).died);
    // Data that ends on day 60 cannot say whether the group is dead on day 90: excluded, not scored.
    let c = case(&dying("dying", 10), &config, &[28], None, C + 60 * DAY);
    assert!(matches!(c.answer, Err(Exclusion::DataTooShort { .. })), "{:?}", c.answer.err());
}
