//! One recommended action per group (METHOD §11; seed 002: "不如索性直接解散…让想要留存的用户，
//! 游向新群"; seed 004: "只有机械式的推送", "只有广告的微信群", "建小群", "多建临时群").

use serde::{Deserialize, Serialize};
use shequn_model::MsgIx;

use crate::facts::{ratio, Facts, DAY_MS};
use crate::stage::Stage;
use crate::status::Status;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Keep,
    Respond,
    CleanAds,
    CutPushes,
    Boost,
    Split,
    Dissolve,
    Migrate,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Keep => "keep",
            Action::Respond => "respond",
            Action::CleanAds => "clean_ads",
            Action::CutPushes => "cut_pushes",
            Action::Boost => "boost",
            Action::Split => "split",
            Action::Dissolve => "dissolve",
            Action::Migrate => "migrate",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Action::Keep => "保持",
            Action::Respond => "回应",
            Action::CleanAds => "清理广告",
            Action::CutPushes => "减少推送",
            Action::Boost => "扶持",
            Action::Split => "拆小群",
            Action::Dissolve => "解散",
            Action::Migrate => "迁移",
        }
    }
}

/// Ad and push figures in the roles window (METHOD §7), from the content labels.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Content {
    pub messages: u32,
    pub ads: u32,
    pub ad_share: f64,
    pub pushes: u32,
    pub push_share: f64,
    /// Share of pushes that drew a human reply within `push_reply_minutes`.
    pub push_response_rate: Option<f64>,
    pub broadcast_only: bool,
}

/// Responsiveness (METHOD §5) as the reply analysis reports it; `diagnose` leaves it
/// empty and [`crate::Diagnosis::with_responsiveness`] plugs it in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Responsiveness {
    pub bids: u32,
    pub unanswered: u32,
    pub median_first_response_minutes: Option<f64>,
    /// The counts cover the questions and newcomers' first messages of this many days
    /// before as-of (0: the whole history, as in reports before this field).
    #[serde(default)]
    pub window_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Migrant {
    pub name: String,
    pub platform_id: Option<String>,
    pub last_spoke: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Triage {
    pub action: Action,
    pub reason_en: String,
    pub reason_zh: String,
    /// Members who spoke in the last `migrate_recent_days` (for dissolve and migrate).
    pub migration: Vec<Migrant>,
}

pub fn content(f: &Facts, from_ms: i64) -> Content {
    let s = f.settings;
    let r = f.range(from_ms, f.as_of_ms);
    let all: Vec<usize> = r.collect();
    let ads = all.iter().filter(|&&i| f.labels[i].ad).count();
    let pushes: Vec<usize> = all.iter().copied().filter(|&i| f.labels[i].push).collect();
    let within = i64::from(s.push_reply_minutes) * 60_000;
    let mut answered = vec![false; f.t.messages.len()];
    for i in 0..f.end {
        if let Some(p) = f.parent[i] {
            let p = p as usize;
            if f.is_human(i) && f.t.messages[i].time_ms - f.t.messages[p].time_ms <= within {
                answered[p] = true;
            }
        }
    }
    let response = (!pushes.is_empty()).then(|| ratio(pushes.iter().filter(|&&i| answered[i]).count(), pushes.len()));
    let push_share = ratio(pushes.len(), all.len());
    Content {
        messages: all.len() as u32,
        ads: ads as u32,
        ad_share: ratio(ads, all.len()),
        pushes: pushes.len() as u32,
        push_share,
        push_response_rate: response,
        broadcast_only: push_share >= s.broadcast_push_share && response.is_some_and(|r| r < s.broadcast_response_rate),
    }
}

pub struct TriageInput<'a> {
    pub status: Status,
    pub temporary: bool,
    pub stage: Option<Stage>,
    pub content: &'a Content,
    pub responsiveness: Option<&'a Responsiveness>,
    pub known_members: Option<u32>,
    pub speakers: u32,
    /// Days of the last 28 with a value message (None without content labels).
    pub value_days: Option<u32>,
    /// Weeks in a row, up to as-of, the group has been dormant (from the status history).
    pub weeks_dormant: u32,
    /// Days of data before as-of when they are too few for a verdict, and the days needed.
    pub insufficient_coverage: Option<(f64, u32)>,
}

pub fn triage(f: &Facts, x: &TriageInput) -> Triage {
    let s = f.settings;
    let recent = recent_speakers(f);
    let willing = recent.len() as u32;
    let ending = x.status == Status::Dead || x.status == Status::Dormant || x.temporary && x.status != Status::Alive;
    let (action, en, zh) = if let Some((days, needed)) = x.insufficient_coverage.filter(|_| ending) {
        (
            Action::Keep,
            format!(
                "insufficient data: {} on only {days:.1} days of data (a verdict needs {needed}); watch it, and diagnose again with a longer export before migrating or dissolving",
                x.status.as_str()
            ),
            format!(
                "数据不足：仅{days:.1}天的数据显示为{}（判定需要{needed}天）；先观察，导入更长的记录后再决定是否迁移或解散",
                x.status.zh()
            ),
        )
    } else if x.status == Status::Dead {
        (
            Action::Dissolve,
            "dead: dissolve it; invite the members who still spoke recently to a new group".to_string(),
            "死群：解散，把近期还发言的成员邀请到新群".to_string(),
        )
    } else if x.temporary && x.status != Status::Alive {
        (
            Action::Dissolve,
            "a temporary group whose event is over: dissolve it (seed 004: 做完就解散)".to_string(),
            "临时群，活动已结束：做完就解散".to_string(),
        )
    } else if x.status == Status::Dormant && x.weeks_dormant < s.dormant_weeks_before_migrating {
        (
            Action::Keep,
            format!(
                "dormant for {} week(s) only: watch it (a holiday gap is not an ending); migrate if it stays dormant {} weeks",
                x.weeks_dormant, s.dormant_weeks_before_migrating
            ),
            format!(
                "仅休眠{}周：先观察（假期空档不等于结束）；若持续休眠{}周再迁移",
                x.weeks_dormant, s.dormant_weeks_before_migrating
            ),
        )
    } else if x.status == Status::Dormant {
        if willing >= s.migrate_min_members {
            (
                Action::Migrate,
                format!(
                    "dormant, but {willing} members spoke in the last {} days: move them to a new group",
                    s.migrate_recent_days
                ),
                format!("休眠，但近{}天仍有{willing}人发言：让想留下的人游向新群", s.migrate_recent_days),
            )
        } else {
            (
                Action::Dissolve,
                format!("dormant and only {willing} member(s) spoke in the last {} days", s.migrate_recent_days),
                format!("休眠，近{}天只有{willing}人发言", s.migrate_recent_days),
            )
        }
    } else if x.content.broadcast_only {
        (
            Action::CutPushes,
            format!(
                "pushes are {:.0}% of messages and {:.0}% drew a reply: broadcast-only (seed 004: 只有机械式的推送)",
                x.content.push_share * 100.0,
                x.content.push_response_rate.unwrap_or(0.0) * 100.0
            ),
            format!(
                "推送占{:.0}%，仅{:.0}%得到回复：只有机械式的推送",
                x.content.push_share * 100.0,
                x.content.push_response_rate.unwrap_or(0.0) * 100.0
            ),
        )
    } else if x.content.ad_share >= s.clean_ads_share {
        (
            Action::CleanAds,
            format!(
                "ads are {:.0}% of messages: set an ad rule and remove the posters (seed 004: 只有广告的微信群)",
                x.content.ad_share * 100.0
            ),
            format!("广告占{:.0}%：立群规、清理广告（只有广告的微信群）", x.content.ad_share * 100.0),
        )
    } else if let Some(r) = x
        .responsiveness
        .filter(|r| r.bids > 0 && ratio(r.unanswered as usize, r.bids as usize) >= s.respond_unanswered_rate)
    {
        (
            Action::Respond,
            format!(
                "{} of {} questions and newcomers' first messages in the last {} days got no answer: answer them (seed 000: 无回应之地，即是绝境)",
                r.unanswered, r.bids, r.window_days
            ),
            format!("近{}天{}个提问/新人发言中{}个无人回应：无回应之地，即是绝境", r.window_days, r.bids, r.unanswered),
        )
    } else if x
        .known_members
        .is_some_and(|n| n >= s.split_min_members && f64::from(x.speakers) <= s.split_speaking_ratio * f64::from(n))
    {
        let n = x.known_members.unwrap_or(0);
        (
            Action::Split,
            format!("{} of {n} members spoke: build smaller groups (seed 004: 建小群)", x.speakers),
            format!("{n}人中只有{}人发言：建小群", x.speakers),
        )
    } else if x.stage == Some(Stage::Formation) && x.value_days.is_some_and(|n| n < s.boost_value_days)
        || x.status == Status::Declining && x.stage == Some(Stage::Formation)
    {
        let days = x.value_days.map(|n| format!("value on {n} of the last 28 days; ")).unwrap_or_default();
        let days_zh = x.value_days.map(|n| format!("近28天有{n}天有价值内容；")).unwrap_or_default();
        (
            Action::Boost,
            format!("still forming without enough free-ride value ({days}post useful content daily) (seed 000: 形成期，要容易让人搭便车)"),
            format!("仍在形成期，缺少“搭便车”的价值（{days_zh}每天交付有用内容）"),
        )
    } else {
        let note = if x.status == Status::Declining { " (declining: watch it)" } else { "" };
        let note_zh = if x.status == Status::Declining { "（在衰退，需关注）" } else { "" };
        (Action::Keep, format!("alive; nothing urgent{note}"), format!("活跃，无紧急问题{note_zh}"))
    };
    let migration = if matches!(action, Action::Dissolve | Action::Migrate) { recent } else { Vec::new() };
    Triage { action, reason_en: en, reason_zh: zh, migration }
}

/// Members (not bots, operators or advertisers) who spoke within `migrate_recent_days`.
fn recent_speakers(f: &Facts) -> Vec<Migrant> {
    let from = f.as_of_ms - i64::from(f.settings.migrate_recent_days) * DAY_MS;
    let mut last: Vec<Option<MsgIx>> = vec![None; f.t.members.len()];
    for i in f.range(from, f.as_of_ms) {
        if f.is_member_msg(i) && !f.labels[i].ad {
            last[f.t.messages[i].sender as usize] = Some(i as MsgIx);
        }
    }
    last.iter()
        .enumerate()
        .filter_map(|(ix, l)| {
            l.map(|i| Migrant {
                name: f.t.members[ix].name.clone(),
                platform_id: f.t.members[ix].platform_id.clone(),
                last_spoke: f.date_of(f.t.messages[i as usize].time_ms),
            })
        })
        .collect()
}
