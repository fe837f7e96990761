//! Life status, lifespan and temporary groups (METHOD §1; seed 000: 99% of
//! groups die within three months; seed 004: groups kept "alive" by robots).

use serde::{Deserialize, Serialize};
use shequn_model::{EventKind, Example, MsgIx};

use crate::facts::{Facts, DAY_MS, WEEK_MS};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Alive,
    Declining,
    Dormant,
    Dead,
}

impl Status {
    pub const ALL: [Status; 4] = [Status::Alive, Status::Declining, Status::Dormant, Status::Dead];
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Alive => "alive",
            Status::Declining => "declining",
            Status::Dormant => "dormant",
            Status::Dead => "dead",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Status::Alive => "活跃",
            Status::Declining => "衰退",
            Status::Dormant => "休眠",
            Status::Dead => "死群",
        }
    }
    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|x| x.as_str() == s)
    }
    /// Alive or declining: a group with a stage.
    pub fn is_living(self) -> bool {
        matches!(self, Status::Alive | Status::Declining)
    }
}

/// The numbers behind the status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusEvidence {
    /// Distinct days with a member message in the status window.
    pub member_days: u32,
    pub member_messages: u32,
    /// Operator and bot messages (broadcasts) in the dead-after window.
    pub broadcast_messages: u32,
    /// Human messages in the last `declining_weeks` weeks and the span before.
    pub human_recent: u32,
    pub human_before: u32,
    /// Days since the last member message (None: there never was one).
    pub days_since_member: Option<f64>,
    pub last_member_message: Option<Example>,
    /// True when the group is dead although bots or operators kept posting.
    pub broadcast_only: bool,
    /// One line saying why, in each language.
    pub reason_en: String,
    pub reason_zh: String,
    /// Days of data before as-of the group's sources cover (None: coverage not recorded).
    #[serde(default)]
    pub coverage_days: Option<f64>,
    /// The first and last instant the sources cover (RFC 3339 UTC).
    #[serde(default)]
    pub coverage_start: Option<String>,
    #[serde(default)]
    pub coverage_end: Option<String>,
    /// True when the coverage is shorter than `status_window_days` (or `dead_after_days`):
    /// the status is then what the short window shows, not a verdict; "dormant" or "dead"
    /// leads to no migration or dissolution and is not counted as a death.
    #[serde(default)]
    pub insufficient_coverage: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lifespan {
    /// The group's creation: a create event, else its first message or event.
    pub created: Option<String>,
    pub first_member_day: Option<String>,
    pub last_member_day: Option<String>,
    pub days: Option<i64>,
    /// Dead, with its last member message within `early_death_days` of creation.
    pub died_early: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Temporary {
    pub temporary: bool,
    /// The densest span of `temporary_span_days`: its share of human messages.
    pub peak_share: f64,
    pub peak_start: Option<String>,
    pub peak_end: Option<String>,
    pub human_messages: u32,
}

/// What the §1 rule reads at one instant `now`.
pub struct StatusCounts {
    /// Distinct days with a member message in (now − `status_window_days`, now].
    pub member_days: u32,
    /// Member messages in (now − `dead_after_days`, now].
    pub member_in_dead: u32,
    /// Human messages in the last `declining_weeks` weeks and the same span before.
    pub human_recent: u32,
    pub human_before: u32,
}

/// The §1 rule itself: dead without member messages for `dead_after_days`; alive on
/// `alive_days` distinct days of the window, declining when human messages halved;
/// dormant otherwise. [`status`] and [`crate::status_history`] both apply it.
pub fn rule(c: &StatusCounts, s: &crate::Settings) -> Status {
    let declining = c.human_before >= s.declining_min_before
        && f64::from(c.human_recent) < s.declining_ratio * f64::from(c.human_before);
    if c.member_in_dead == 0 {
        Status::Dead
    } else if c.member_days >= s.alive_days {
        if declining {
            Status::Declining
        } else {
            Status::Alive
        }
    } else {
        Status::Dormant
    }
}

/// How much of the time before as-of the group's sources cover.
pub(crate) struct CoverageCheck {
    pub days: f64,
    /// The days a dormant or dead verdict needs: the longer of the status and dead windows.
    pub needed_days: u32,
    pub insufficient: bool,
    pub start_ms: i64,
    pub end_ms: i64,
}

/// None when the archive recorded no coverage for the group (then nothing is checked, as before).
pub(crate) fn coverage(f: &Facts) -> Option<CoverageCheck> {
    let c = f.t.group.coverage?;
    let s = f.settings;
    let needed_days = s.status_window_days.max(s.dead_after_days);
    let covered_ms = f.as_of_ms.min(c.last_ms) - c.first_ms;
    Some(CoverageCheck {
        days: covered_ms.max(0) as f64 / DAY_MS as f64,
        needed_days,
        insufficient: covered_ms < i64::from(needed_days) * DAY_MS,
        start_ms: c.first_ms,
        end_ms: c.last_ms,
    })
}

pub fn status(f: &Facts) -> (Status, StatusEvidence) {
    let s = f.settings;
    let now = f.as_of_ms;
    let window = f.range(now - i64::from(s.status_window_days) * DAY_MS, now);
    let dead_window = f.range(now - i64::from(s.dead_after_days) * DAY_MS, now);
    // "Days of the last 30" are calendar days: as-of's own and the 29 before it. The instant
    // window reaches into a 31st day whenever as-of is not midnight (#19 item 10).
    let first_day = f.day(now) - (i64::from(s.status_window_days) - 1);
    let mut days: Vec<i64> = window
        .clone()
        .filter(|&i| f.is_member_msg(i))
        .map(|i| f.day(f.t.messages[i].time_ms))
        .filter(|&d| d >= first_day)
        .collect();
    let member_messages = days.len() as u32;
    days.dedup();
    let member_days = days.len() as u32;
    let member_in_dead = dead_window.clone().filter(|&i| f.is_member_msg(i)).count();
    let broadcast_messages = dead_window.clone().filter(|&i| !f.is_member_msg(i)).count() as u32;
    let span = i64::from(s.declining_weeks) * WEEK_MS;
    let human_recent = f.range(now - span, now).filter(|&i| f.is_human(i)).count() as u32;
    let human_before = f.range(now - 2 * span, now - span).filter(|&i| f.is_human(i)).count() as u32;
    let last_member = (0..f.end).rev().find(|&i| f.is_member_msg(i));
    let days_since_member = last_member.map(|i| (now - f.t.messages[i].time_ms) as f64 / DAY_MS as f64);
    let last_member_message = last_member.map(|i| Example::of(f.t, i as MsgIx));

    let counts = StatusCounts { member_days, member_in_dead: member_in_dead as u32, human_recent, human_before };
    let status = rule(&counts, s);
    let broadcast_only = status == Status::Dead && broadcast_messages > 0;
    let since = days_since_member.map(|d| format!("{d:.0}")).unwrap_or_else(|| "-".into());
    let (reason_en, reason_zh) = match status {
        Status::Dead if broadcast_only => (
            format!(
                "only operator/bot broadcasts ({broadcast_messages}) and no member message in the last {} days; last member message {since} days ago",
                s.dead_after_days
            ),
            format!("近{}天只有群主/机器人推送（{broadcast_messages}条），无成员发言；最后一条成员消息在{since}天前", s.dead_after_days),
        ),
        Status::Dead => (
            format!("no member message in the last {} days (last one {since} days ago)", s.dead_after_days),
            format!("近{}天无成员发言（最后一条在{since}天前）", s.dead_after_days),
        ),
        Status::Dormant => (
            format!(
                "members spoke on {member_days} day(s) of the last {} (alive needs {})",
                s.status_window_days, s.alive_days
            ),
            format!("近{}天只有{member_days}天有成员发言（活跃需≥{}天）", s.status_window_days, s.alive_days),
        ),
        Status::Declining => (
            format!(
                "members spoke on {member_days} days of the last {}, but human messages fell from {human_before} to {human_recent} (last {} weeks vs the {} before)",
                s.status_window_days, s.declining_weeks, s.declining_weeks
            ),
            format!(
                "近{}天有{member_days}天有成员发言，但消息数从{human_before}降到{human_recent}（近{}周对比之前{}周）",
                s.status_window_days, s.declining_weeks, s.declining_weeks
            ),
        ),
        Status::Alive => (
            format!("members spoke on {member_days} days of the last {} ({member_messages} messages)", s.status_window_days),
            format!("近{}天有{member_days}天有成员发言（{member_messages}条）", s.status_window_days),
        ),
    };
    let coverage = coverage(f);
    let insufficient_coverage = coverage.as_ref().is_some_and(|c| c.insufficient);
    let (reason_en, reason_zh) = match &coverage {
        Some(c) if c.insufficient => (
            format!(
                "insufficient data: the sources cover {:.1} days before as-of, a verdict needs {}; {reason_en}",
                c.days, c.needed_days
            ),
            format!("数据不足：数据只覆盖截至日前{:.1}天，判定需要{}天；{reason_zh}", c.days, c.needed_days),
        ),
        _ => (reason_en, reason_zh),
    };
    let ev = StatusEvidence {
        coverage_days: coverage.as_ref().map(|c| (c.days * 10.0).round() / 10.0),
        coverage_start: coverage.as_ref().map(|c| shequn_model::rfc3339_utc(c.start_ms)),
        coverage_end: coverage.as_ref().map(|c| shequn_model::rfc3339_utc(c.end_ms)),
        insufficient_coverage,
        member_days,
        member_messages,
        broadcast_messages,
        human_recent,
        human_before,
        days_since_member,
        last_member_message,
        broadcast_only,
        reason_en,
        reason_zh,
    };
    (status, ev)
}

/// `died_early` is false when the coverage is too short to call the group dead.
pub fn lifespan(f: &Facts, status: Status) -> Lifespan {
    let t = f.t;
    let created_ms = t
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Create && e.time_ms <= f.as_of_ms)
        .map(|e| e.time_ms)
        .next()
        .or_else(|| {
            let m = t.messages.first().map(|m| m.time_ms);
            let e = t.events.first().map(|e| e.time_ms);
            match (m, e) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
        });
    let first = (0..f.end).find(|&i| f.is_member_msg(i)).map(|i| t.messages[i].time_ms);
    let last = (0..f.end).rev().find(|&i| f.is_member_msg(i)).map(|i| t.messages[i].time_ms);
    let days = match (first, last) {
        (Some(a), Some(b)) => Some(f.day(b) - f.day(a) + 1),
        _ => None,
    };
    let early = i64::from(f.settings.early_death_days) * DAY_MS;
    let judged = !coverage(f).is_some_and(|c| c.insufficient);
    let died_early = status == Status::Dead
        && judged
        && match (created_ms, last) {
            (Some(c), Some(l)) => l - c <= early,
            (Some(_), None) => true,
            _ => false,
        };
    Lifespan {
        created: created_ms.map(|c| f.date_of(c)),
        first_member_day: first.map(|x| f.date_of(x)),
        last_member_day: last.map(|x| f.date_of(x)),
        days,
        died_early,
    }
}

/// Temporary: the densest span of `temporary_span_days` holds ≥ `temporary_share` of
/// human messages, and the group's history (and its sources' coverage, when recorded) is
/// longer than that span: in a 9-day export every group would otherwise be "temporary".
pub fn temporary(f: &Facts) -> Temporary {
    let s = f.settings;
    let times: Vec<i64> = (0..f.end).filter(|&i| f.is_human(i)).map(|i| f.t.messages[i].time_ms).collect();
    let n = times.len();
    let span = i64::from(s.temporary_span_days) * DAY_MS;
    let (mut best, mut best_a, mut a) = (0usize, 0usize, 0usize);
    for b in 0..n {
        while times[b] - times[a] > span {
            a += 1;
        }
        if b + 1 - a > best {
            best = b + 1 - a;
            best_a = a;
        }
    }
    let peak_share = if n == 0 { 0.0 } else { best as f64 / n as f64 };
    let covered_longer = coverage(f).is_none_or(|c| c.days * DAY_MS as f64 > span as f64);
    let history_longer = times.first().is_some_and(|&first| f.as_of_ms - first > span) && covered_longer;
    Temporary {
        temporary: n >= s.temporary_min_messages as usize && peak_share >= s.temporary_share && history_longer,
        peak_share,
        peak_start: (n > 0).then(|| f.date_of(times[best_a])),
        peak_end: (n > 0).then(|| f.date_of(times[best_a + best - 1])),
        human_messages: n as u32,
    }
}
