//! Clock arithmetic in a group's own time zone (push hours, ad windows, weeks).

use chrono::{DateTime, Datelike, Timelike};

/// Local (group clock) day number since 1970-01-01, weekday (0 = Monday) and minute of day.
pub fn local(unix_ms: i64, offset_s: i32) -> (i64, u32, u32) {
    let local_ms = unix_ms + offset_s as i64 * 1000;
    let day = local_ms.div_euclid(86_400_000);
    let dt = DateTime::from_timestamp_millis(local_ms).unwrap_or_default();
    (day, dt.weekday().num_days_from_monday(), dt.hour() * 60 + dt.minute())
}

/// The local day number of the Monday starting the week of `unix_ms`.
pub fn week_start_day(unix_ms: i64, offset_s: i32) -> i64 {
    let (day, weekday, _) = local(unix_ms, offset_s);
    day - weekday as i64
}

/// A local day number as `YYYY-MM-DD`.
pub fn day_string(day: i64) -> String {
    DateTime::from_timestamp(day * 86_400, 0).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// A Unix time as RFC 3339 in the group's clock.
pub fn rfc3339(unix_ms: i64, offset_s: i32) -> String {
    shequn_model::Stamp { unix_ms, offset_s, zone_inferred: false }.to_rfc3339()
}
