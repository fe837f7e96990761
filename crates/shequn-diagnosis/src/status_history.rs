//! The life status week by week (METHOD §1): for the end of every week from the
//! first member message up to as-of, the status the §1 rule gives as of that
//! instant. The report marks where it changed on the activity chart.
//!
//! One pass collects member and human message times; each week is then a handful
//! of binary searches, so a group of N messages and W weeks costs O(N + W log N)
//! instead of W full diagnoses.

use serde::{Deserialize, Serialize};

use crate::facts::{Facts, DAY_MS, WEEK_MS};
use crate::status::{rule, StatusCounts};
use crate::Status;

/// The status at the end of one week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeekStatus {
    /// The week's Monday (ISO date, the group's clock), as in the report's weekly series.
    /// The status holds at the end of that week, or at as-of for the last week.
    pub week: String,
    pub status: Status,
}

/// The status at the end of each week, oldest first; the last entry is the status as of `f.as_of_ms`.
/// Empty when no member ever spoke (the group was never anything but dead).
pub(crate) fn status_history(f: &Facts) -> Vec<WeekStatus> {
    let s = f.settings;
    let times = |keep: &dyn Fn(usize) -> bool| -> Vec<i64> {
        (0..f.end).filter(|&i| keep(i)).map(|i| f.t.messages[i].time_ms).collect()
    };
    let member = times(&|i| f.is_member_msg(i));
    let human = times(&|i| f.is_human(i));
    let Some(&first) = member.first() else { return Vec::new() };
    // new_days[k]: how many of member[1..k] fall on another day than the message before,
    // so the distinct days of member[a..b] are 1 + new_days[b] - new_days[a + 1].
    let mut new_days = vec![0u32; member.len() + 1];
    for k in 0..member.len() {
        let new = k > 0 && f.day(member[k]) != f.day(member[k - 1]);
        new_days[k + 1] = new_days[k] + u32::from(new);
    }
    // Messages of `v` in (from, to].
    let span = |v: &[i64], from: i64, to: i64| (v.partition_point(|&t| t <= from), v.partition_point(|&t| t <= to));
    let count = |v: &[i64], from: i64, to: i64| {
        let (a, b) = span(v, from, to);
        (b - a) as u32
    };
    let window = i64::from(s.status_window_days) * DAY_MS;
    let dead_after = i64::from(s.dead_after_days) * DAY_MS;
    let declining = i64::from(s.declining_weeks) * WEEK_MS;
    let offset_ms = i64::from(f.t.group.utc_offset_s) * 1000;

    let first_day = f.day(first);
    let mut monday = first_day - (first_day + 3).rem_euclid(7); // 1970-01-01 was a Thursday
    let mut out = Vec::new();
    while monday * DAY_MS - offset_ms <= f.as_of_ms {
        let week_end = (monday + 7) * DAY_MS - offset_ms - 1;
        let now = week_end.min(f.as_of_ms);
        let (a, b) = span(&member, now - window, now);
        let counts = StatusCounts {
            member_days: if b > a { 1 + new_days[b] - new_days[a + 1] } else { 0 },
            member_in_dead: count(&member, now - dead_after, now),
            human_recent: count(&human, now - declining, now),
            human_before: count(&human, now - 2 * declining, now - declining),
        };
        out.push(WeekStatus { week: f.date(monday), status: rule(&counts, s) });
        monday += 7;
    }
    out
}
