//! Churn and retention (METHOD §10; seed 000: "如果一周以内他都没有看到有利可图的东西…
//! 屏蔽、折叠，乃至退群") and the emotional share (METHOD §9).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use shequn_model::{EventKind, MemberIx};

use crate::facts::{median, ratio, Facts, DAY_MS, WEEK_MS};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeekCount {
    /// ISO date of the week's first day.
    pub week: String,
    pub joins: u32,
    pub leaves: u32,
    pub kicks: u32,
}

/// One week's newcomers: shares still present / ever spoke after 1, 4 and 12 weeks
/// (None where that much time has not passed): one row of the retention heat map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cohort {
    pub week: String,
    pub size: u32,
    pub present: [Option<f64>; 3],
    pub spoke: [Option<f64>; 3],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaveSpike {
    /// When the ad burst or push flood began.
    pub at: String,
    /// "ad" or "push".
    pub cause: String,
    pub burst_messages: u32,
    pub leaves_after: u32,
    /// Leaves per the same span, on average over the group's history.
    pub usual: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Churn {
    /// False when the source records no joins, leaves or kicks.
    pub has_events: bool,
    pub joins: u32,
    pub leaves: u32,
    pub kicks: u32,
    pub weekly: Vec<WeekCount>,
    pub cohorts: Vec<Cohort>,
    /// Median days from join to leave, for members with both.
    pub median_days_to_leave: Option<f64>,
    pub leave_spikes: Vec<LeaveSpike>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Emotion {
    /// Emotional share of human messages in the last 4 weeks and the 4 before (None without labels).
    pub share_recent: Option<f64>,
    pub share_before: Option<f64>,
    pub rising: Option<bool>,
}

pub const COHORT_WEEKS: [i64; 3] = [1, 4, 12];

pub fn churn(f: &Facts) -> Churn {
    let s = f.settings;
    let evs: Vec<_> = f.t.events.iter().filter(|e| e.time_ms <= f.as_of_ms).collect();
    let mut weekly: BTreeMap<i64, WeekCount> = BTreeMap::new();
    let mut joined: BTreeMap<MemberIx, i64> = BTreeMap::new();
    let mut gone: BTreeMap<MemberIx, i64> = BTreeMap::new();
    let mut leave_times = Vec::new();
    let (mut joins, mut leaves, mut kicks) = (0, 0, 0);
    for e in &evs {
        let w = e.time_ms.div_euclid(WEEK_MS);
        let row = weekly.entry(w).or_insert_with(|| WeekCount {
            week: f.date_of(w * WEEK_MS),
            joins: 0,
            leaves: 0,
            kicks: 0,
        });
        let n = e.subjects.len().max(1) as u32;
        match e.kind {
            EventKind::Join => {
                row.joins += n;
                joins += n;
                for &m in &e.subjects {
                    joined.entry(m).or_insert(e.time_ms);
                }
            }
            EventKind::Leave | EventKind::Kick => {
                if e.kind == EventKind::Leave {
                    row.leaves += n;
                    leaves += n;
                    leave_times.push(e.time_ms);
                } else {
                    row.kicks += n;
                    kicks += n;
                }
                for &m in &e.subjects {
                    if joined.get(&m).is_some_and(|&j| j <= e.time_ms) {
                        gone.entry(m).or_insert(e.time_ms);
                    }
                }
            }
            _ => {}
        }
    }
    // First message per member, for "ever spoke".
    let mut first_msg: BTreeMap<MemberIx, Vec<i64>> = BTreeMap::new();
    for i in 0..f.end {
        if f.is_human(i) {
            first_msg.entry(f.t.messages[i].sender).or_default().push(f.t.messages[i].time_ms);
        }
    }
    let mut cohort_members: BTreeMap<i64, Vec<(MemberIx, i64)>> = BTreeMap::new();
    for (&m, &j) in &joined {
        cohort_members.entry(j.div_euclid(WEEK_MS)).or_default().push((m, j));
    }
    let cohorts = cohort_members
        .iter()
        .map(|(&w, list)| {
            let mut present = [None; 3];
            let mut spoke = [None; 3];
            for (k, weeks) in COHORT_WEEKS.iter().enumerate() {
                let span = weeks * WEEK_MS;
                if list.iter().all(|&(_, j)| j + span <= f.as_of_ms) {
                    let p = list.iter().filter(|(m, j)| gone.get(m).is_none_or(|&g| g > j + span)).count();
                    let sp = list
                        .iter()
                        .filter(|(m, j)| {
                            first_msg.get(m).is_some_and(|ts| ts.iter().any(|&t| t >= *j && t <= j + span))
                        })
                        .count();
                    present[k] = Some(ratio(p, list.len()));
                    spoke[k] = Some(ratio(sp, list.len()));
                }
            }
            Cohort { week: f.date_of(w * WEEK_MS), size: list.len() as u32, present, spoke }
        })
        .collect();
    let to_leave: Vec<f64> =
        gone.iter().filter_map(|(m, g)| joined.get(m).map(|j| (g - j) as f64 / DAY_MS as f64)).collect();
    Churn {
        has_events: joins + leaves + kicks > 0,
        joins,
        leaves,
        kicks,
        weekly: weekly.into_values().collect(),
        cohorts,
        median_days_to_leave: median(to_leave),
        leave_spikes: spikes(f, &leave_times, s.leave_spike_hours),
    }
}

/// Ad bursts and push floods followed by more leaves than usual.
fn spikes(f: &Facts, leaves: &[i64], hours: u32) -> Vec<LeaveSpike> {
    let s = f.settings;
    if leaves.is_empty() || f.end == 0 {
        return Vec::new();
    }
    let after = i64::from(hours) * 3_600_000;
    let history = (f.as_of_ms - f.t.messages[0].time_ms).max(after);
    let usual = leaves.len() as f64 * after as f64 / history as f64;
    let mut out = Vec::new();
    for (cause, pick) in [("ad", true), ("push", false)] {
        let times: Vec<i64> = (0..f.end)
            .filter(|&i| if pick { f.labels[i].ad } else { f.labels[i].push })
            .map(|i| f.t.messages[i].time_ms)
            .collect();
        let window = i64::from(s.burst_window_minutes) * 60_000;
        let mut a = 0;
        let mut last_burst_end = i64::MIN;
        for b in 0..times.len() {
            while times[b] - times[a] > window {
                a += 1;
            }
            let n = (b + 1 - a) as u32;
            if n >= s.burst_min_messages && times[a] > last_burst_end {
                last_burst_end = times[b] + after;
                let start = times[a];
                let count = leaves.iter().filter(|&&l| l >= start && l <= start + after).count() as u32;
                if count >= s.leave_spike_min && f64::from(count) >= s.leave_spike_factor * usual {
                    out.push(LeaveSpike {
                        at: f.date_of(start),
                        cause: cause.into(),
                        burst_messages: n,
                        leaves_after: count,
                        usual,
                    });
                }
            }
        }
    }
    out
}

pub fn emotion(f: &Facts, labels_present: bool) -> Emotion {
    if !labels_present {
        return Emotion { share_recent: None, share_before: None, rising: None };
    }
    let share = |a: i64, b: i64| {
        let hs: Vec<usize> = f.range(a, b).filter(|&i| f.is_human(i)).collect();
        (!hs.is_empty()).then(|| ratio(hs.iter().filter(|&&i| f.labels[i].emotional).count(), hs.len()))
    };
    let now = f.as_of_ms;
    let recent = share(now - 4 * WEEK_MS, now);
    let before = share(now - 8 * WEEK_MS, now - 4 * WEEK_MS);
    let rising = match (recent, before) {
        (Some(r), Some(b)) => Some(r > b),
        _ => None,
    };
    Emotion { share_recent: recent, share_before: before, rising }
}
