//! The analyses over a portfolio: each group's results as the report shows them
//! (diagnosis, weekly series, unanswered bids, ads), groups in parallel.
//!
//! The reply analysis (responsiveness, unanswered bids) and the content analysis
//! (labels, ads) plug in at [`analyse_timeline`]: one field each in `GroupResult`.

use std::collections::{BTreeMap, HashMap};

use rayon::prelude::*;
use shequn_diagnosis::{summarize, PortfolioSummary};

use crate::{AnalysisConfig, AsOf};
use shequn_model::{ContentLabel, Link, Timeline};
use shequn_report::{AdPosterRow, GroupResult, GroupSeries, NetNode, UnansweredBid, ViolationRow};

const DAY_MS: i64 = 86_400_000;
/// The network drawing keeps the most active people; a larger graph is unreadable.
const NETWORK_MAX_NODES: usize = 30;
/// Unanswered bids kept per group for the report and `unanswered.csv`.
const UNANSWERED_KEPT: usize = 200;

/// Every group's results and the portfolio summary.
pub struct PortfolioResults {
    pub groups: Vec<GroupResult>,
    pub summary: PortfolioSummary,
}

/// Analyses the given groups in parallel, each as of its own instant; the order follows
/// `ids`. Each worker thread opens its own handle with `open` (an archive connection) and
/// loads each timeline with `load`, so memory holds one timeline per thread, not the whole
/// archive. `on_group` is called as each group is done (progress).
pub fn analyse_groups<H, E>(
    ids: &[i64],
    open: impl Fn() -> Result<H, E> + Sync + Send,
    load: impl Fn(&H, i64) -> anyhow::Result<Timeline> + Sync + Send,
    config: &AnalysisConfig,
    as_of: &AsOf,
    on_group: &(dyn Fn() + Sync),
) -> anyhow::Result<PortfolioResults>
where
    E: std::fmt::Display,
{
    // Loads jieba and the models while the first timelines are read (see `warm_up`).
    std::thread::spawn(shequn_content::warm_up);
    let groups: Vec<GroupResult> = ids
        .par_iter()
        .map_init(&open, |handle, &id| {
            let handle = handle.as_ref().map_err(|e| anyhow::anyhow!("{e}"))?;
            let t = load(handle, id)?;
            let result = analyse_timeline(&t, config, as_of.of(id));
            on_group();
            Ok(result)
        })
        .collect::<anyhow::Result<_>>()?;
    let diagnoses: Vec<_> = groups.iter().map(|g| g.diagnosis.clone()).collect();
    Ok(PortfolioResults { summary: summarize(&diagnoses), groups })
}

/// Analyses timelines already in memory (tests, the demo).
pub fn analyse_timelines(ts: &[Timeline], config: &AnalysisConfig, as_of: i64) -> PortfolioResults {
    let groups: Vec<GroupResult> = ts.par_iter().map(|t| analyse_timeline(t, config, as_of)).collect();
    let diagnoses: Vec<_> = groups.iter().map(|g| g.diagnosis.clone()).collect();
    PortfolioResults { summary: summarize(&diagnoses), groups }
}

/// All analyses of one group.
pub fn analyse_timeline(t: &Timeline, config: &AnalysisConfig, as_of: i64) -> GroupResult {
    let a = crate::analyse(t, config, as_of);
    let from = as_of - i64::from(config.settings.roles_window_days) * DAY_MS;
    let series = series(t, &a.links, &a.content.labels, from, as_of);
    // Quote what the content analysis flagged: ads with their posters, and mechanical pushes.
    let ads: Vec<shequn_model::Example> = a
        .content
        .ads
        .posters
        .iter()
        .flat_map(|p| p.examples.iter().map(|e| e.example.clone()))
        .chain(a.content.push.pushers.iter().flat_map(|p| p.examples.iter().cloned()))
        .take(20)
        .collect();
    let ad_posters = a
        .content
        .ads
        .posters
        .iter()
        .map(|p| AdPosterRow { name: p.name.clone(), ads: p.ads, messages: p.messages })
        .collect();
    let violations = a
        .content
        .policy
        .iter()
        .flat_map(|p| &p.violations)
        .map(|v| ViolationRow { message: v.example.clone(), rules_broken: v.rules_broken.clone() })
        .collect();
    let unanswered = unanswered(t, &a.responsiveness, as_of);
    GroupResult {
        diagnosis: a.diagnosis,
        series,
        unanswered,
        ads,
        ad_posters,
        violations,
        early_warning: a.early_warning,
    }
}

/// Unanswered bids, newest first, at most [`UNANSWERED_KEPT`] per group; the wait is to
/// the late first response, or to as-of when none came.
fn unanswered(t: &Timeline, r: &shequn_replies::Responsiveness, as_of: i64) -> Vec<UnansweredBid> {
    r.all_bids
        .iter()
        .rev()
        .filter(|b| b.status == shequn_replies::responsiveness::BidStatus::Unanswered)
        .take(UNANSWERED_KEPT)
        .map(|b| UnansweredBid {
            message: shequn_model::Example::of(t, b.msg),
            platform_id: t.member(b.sender).platform_id.clone(),
            waited_hours: b.first_response_ms.unwrap_or(as_of - b.time_ms) as f64 / 3_600_000.0,
        })
        .collect()
}

/// The day number (days since 1970-01-01) of the Monday of the week holding `ms` in the
/// group's own clock.
fn monday_of(ms: i64, offset_s: i32) -> i64 {
    let day = (ms + i64::from(offset_s) * 1000).div_euclid(DAY_MS);
    // 1970-01-01 was a Thursday: weekday index with Monday = 0.
    day - (day + 3).rem_euclid(7)
}

/// A day number as an ISO date.
fn iso_day(day: i64) -> String {
    chrono::DateTime::from_timestamp(day * 86_400, 0).map(|d| d.format("%Y-%m-%d").to_string()).unwrap_or_default()
}

/// The Monday (ISO date) of the week holding `ms` in the group's own clock.
#[cfg(test)]
fn week_of(ms: i64, offset_s: i32) -> String {
    iso_day(monday_of(ms, offset_s))
}

/// Counts the report draws: weekly member messages, weekly value mix, the interaction graph.
pub fn series(t: &Timeline, links: &[Link], labels: &[ContentLabel], from: i64, as_of: i64) -> GroupSeries {
    let off = t.group.utc_offset_s;
    // Weeks are counted by their Monday's day number and named once at the end.
    let mut weekly: BTreeMap<i64, u32> = BTreeMap::new();
    let mut value: BTreeMap<i64, BTreeMap<&'static str, u32>> = BTreeMap::new();
    for (i, m) in t.messages.iter().enumerate() {
        // Member talk only: a mechanical push is not a sign of life (METHOD §1, §7).
        if m.time_ms > as_of || t.sender(m).is_bot || labels.get(i).is_some_and(|l| l.push) {
            continue;
        }
        let w = monday_of(m.time_ms, off);
        if let Some(v) = labels.get(i).and_then(|l| l.value) {
            *value.entry(w).or_default().entry(v.as_str()).or_insert(0) += 1;
        }
        *weekly.entry(w).or_insert(0) += 1;
    }
    // Fill empty weeks so the line falls to zero where the group fell silent.
    let mut weekly_human = Vec::new();
    if let Some(&first) = weekly.keys().next() {
        let end_week = monday_of(as_of.max(t.last_ms().unwrap_or(as_of)), off);
        let mut week = first;
        // At most ~100 years of weeks.
        for _ in 0..=5_001 {
            weekly_human.push((iso_day(week), weekly.get(&week).copied().unwrap_or(0)));
            if week >= end_week {
                break;
            }
            week += 7;
        }
    }
    let weekly_value = value
        .into_iter()
        .map(|(w, ks)| (iso_day(w), ks.into_iter().map(|(k, n)| (k.to_string(), n)).collect::<Vec<(String, u32)>>()))
        .collect::<Vec<_>>();

    // Interaction graph of the window: replies (links) and mentions between humans.
    let in_window = |ix: usize| t.messages.get(ix).is_some_and(|m| m.time_ms > from && m.time_ms <= as_of);
    let mut spoke: HashMap<u32, u32> = HashMap::new();
    for (i, m) in t.messages.iter().enumerate() {
        if in_window(i) && !t.sender(m).is_bot {
            *spoke.entry(m.sender).or_insert(0) += 1;
        }
    }
    let mut pairs: HashMap<(u32, u32), u32> = HashMap::new();
    for (a, l) in links.iter().enumerate() {
        let Some(b) = l.parent.map(|p| p as usize) else { continue };
        if in_window(a) && b < t.messages.len() {
            let (x, y) = (t.messages[a].sender, t.messages[b].sender);
            if x != y {
                *pairs.entry((x, y)).or_insert(0) += 1;
            }
        }
    }
    for (i, m) in t.messages.iter().enumerate() {
        if in_window(i) {
            for &y in &m.mentions {
                if y != m.sender {
                    *pairs.entry((m.sender, y)).or_insert(0) += 1;
                }
            }
        }
    }
    let mut people: Vec<(u32, u32)> = spoke.into_iter().collect();
    people.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    people.truncate(NETWORK_MAX_NODES);
    let index: HashMap<u32, u32> = people.iter().enumerate().map(|(i, (m, _))| (*m, i as u32)).collect();
    let network_nodes = people
        .iter()
        .map(|(m, n)| {
            let meta = t.member(*m);
            NetNode { name: meta.name.clone(), messages: *n, operator: meta.is_operator() }
        })
        .collect();
    let mut network_edges: Vec<(u32, u32, u32)> =
        pairs.into_iter().filter_map(|((x, y), n)| Some((*index.get(&x)?, *index.get(&y)?, n))).collect();
    network_edges.sort_unstable();
    GroupSeries { weekly_human, weekly_value, network_nodes, network_edges }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        // 2024-01-03 is a Wednesday; its week starts Monday 2024-01-01.
        let ms = chrono::NaiveDate::from_ymd_opt(2024, 1, 3)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        assert_eq!(week_of(ms, 0), "2024-01-01");
        // Sunday late evening UTC is already Monday in UTC+8.
        let sun = chrono::NaiveDate::from_ymd_opt(2024, 1, 7)
            .unwrap()
            .and_hms_opt(20, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis();
        assert_eq!(week_of(sun, 0), "2024-01-01");
        assert_eq!(week_of(sun, 8 * 3600), "2024-01-08");
    }
}
