//! How the diagnosis agrees with a demo portfolio's planted truth: the numbers
//! `shequn demo --json` prints and the issues' acceptance reads.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use shequn_content::policy::{AdWindow, RedPacketRule};
use shequn_content::{AdPolicy, PolicyBook};
use shequn_demo::GroundTruth;
use shequn_report::GroupResult;

use crate::cmd::groups::GroupRow;

/// A confusion table: `table[truth][predicted]` = groups.
pub type Confusion = BTreeMap<String, BTreeMap<String, u32>>;

#[derive(Debug, Clone, Serialize)]
pub struct Agreement {
    /// Groups compared (present both in the truth and the archive).
    pub groups: u32,
    /// Share of groups whose diagnosed status equals the planted one.
    pub status_accuracy: f64,
    pub status_confusion: Confusion,
    /// Share of living groups whose stage equals the planted one (METHOD §2), and the table.
    pub stage_accuracy: f64,
    pub stage_confusion: Confusion,
    /// Share of planted key people (members, never operators) found among the top 5 of the
    /// diagnosis's ranking of members (the order METHOD §4's ≥ 50% key set is cut from).
    pub key_people_recall: f64,
    pub key_people_planted: u32,
    pub key_people_found: u32,
    /// Planted vs found, for temporary groups (METHOD §1).
    pub temporary_confusion: Confusion,
    /// Planted vs found, for broadcast-only groups (METHOD §7; needs the content analysis).
    pub broadcast_only_confusion: Confusion,
    /// Planted ad posters found among the content analysis's ad posters (METHOD §7), and
    /// posters found in groups where none were planted or beyond the planted ones.
    pub ad_posters_planted: u32,
    pub ad_posters_found: u32,
    pub ad_posters_extra: u32,
    /// Planted ad-policy violations found (same sender, same second), and violations
    /// reported that were not planted.
    pub violations_planted: u32,
    pub violations_found: u32,
    pub violations_extra: u32,
    /// Groups whose status differs, for reading: (group, planted, diagnosed).
    pub status_mismatches: Vec<(String, String, String)>,
}

fn bump(t: &mut Confusion, truth: &str, predicted: &str) {
    *t.entry(truth.to_string()).or_default().entry(predicted.to_string()).or_default() += 1;
}

fn serde_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}

/// Compares diagnoses (row i ↔ diagnosis i) with the truth, matched by platform id.
pub fn agreement(rows: &[GroupRow], results: &[GroupResult], truth: &GroundTruth) -> Agreement {
    let by_id: HashMap<&str, (&GroupRow, &GroupResult)> =
        rows.iter().zip(results).map(|(r, d)| (r.platform_id.as_str(), (r, d))).collect();
    let mut a = Agreement {
        groups: 0,
        status_accuracy: 0.0,
        status_confusion: Confusion::new(),
        stage_accuracy: 0.0,
        stage_confusion: Confusion::new(),
        key_people_recall: 0.0,
        key_people_planted: 0,
        key_people_found: 0,
        temporary_confusion: Confusion::new(),
        broadcast_only_confusion: Confusion::new(),
        ad_posters_planted: 0,
        ad_posters_found: 0,
        ad_posters_extra: 0,
        violations_planted: 0,
        violations_found: 0,
        violations_extra: 0,
        status_mismatches: Vec::new(),
    };
    let mut status_hits = 0u32;
    let (mut stage_hits, mut stage_total) = (0u32, 0u32);
    for g in &truth.groups {
        let Some((row, result)) = by_id.get(g.id.as_str()) else { continue };
        let d = &result.diagnosis;
        let posters: Vec<&str> = result.ad_posters.iter().map(|p| p.name.as_str()).collect();
        for p in &g.ad_posters {
            a.ad_posters_planted += 1;
            a.ad_posters_found += u32::from(posters.contains(&p.as_str()));
        }
        a.ad_posters_extra += posters.iter().filter(|p| !g.ad_posters.iter().any(|x| x == *p)).count() as u32;
        let second = |t: &str| chrono::DateTime::parse_from_rfc3339(t).map(|t| t.timestamp()).ok();
        let found: Vec<(&str, Option<i64>)> =
            result.violations.iter().map(|v| (v.message.sender.as_str(), second(&v.message.time))).collect();
        let planted: Vec<(&str, Option<i64>)> =
            g.violations.iter().map(|v| (v.sender.as_str(), second(&v.time))).collect();
        a.violations_planted += planted.len() as u32;
        a.violations_found += planted.iter().filter(|p| found.contains(p)).count() as u32;
        a.violations_extra += found.iter().filter(|f| !planted.contains(f)).count() as u32;
        a.groups += 1;
        let planted = serde_name(&g.status);
        let found = d.status.as_str().to_string();
        if planted == found {
            status_hits += 1;
        } else {
            a.status_mismatches.push((row.name.clone(), planted.clone(), found.clone()));
        }
        bump(&mut a.status_confusion, &planted, &found);
        if let Some(planted_stage) = g.stage.as_ref().map(serde_name) {
            let found_stage = d.stage.map(|s| s.as_str().to_string()).unwrap_or_else(|| "none".into());
            stage_total += 1;
            stage_hits += u32::from(planted_stage == found_stage);
            bump(&mut a.stage_confusion, &planted_stage, &found_stage);
        }
        let top: Vec<&str> = d.key_people.ranking.iter().take(5).map(|p| p.name.as_str()).collect();
        for k in &g.key_people {
            a.key_people_planted += 1;
            if top.contains(&k.as_str()) {
                a.key_people_found += 1;
            }
        }
        bump(&mut a.temporary_confusion, &g.temporary.to_string(), &d.temporary.temporary.to_string());
        bump(&mut a.broadcast_only_confusion, &g.broadcast_only.to_string(), &d.content.broadcast_only.to_string());
    }
    a.stage_accuracy = if stage_total > 0 { f64::from(stage_hits) / f64::from(stage_total) } else { 0.0 };
    a.status_accuracy = if a.groups > 0 { f64::from(status_hits) / f64::from(a.groups) } else { 0.0 };
    a.key_people_recall =
        if a.key_people_planted > 0 { f64::from(a.key_people_found) / f64::from(a.key_people_planted) } else { 0.0 };
    a
}

/// The planted ad policies as the policy book an operator would write (keyed by platform id).
pub fn policy_book(truth: &GroundTruth) -> PolicyBook {
    let mut book = PolicyBook::default();
    for g in &truth.groups {
        let Some(p) = &g.policy else { continue };
        let policy = match p {
            shequn_demo::AdPolicy::WeeklyWindow { weekday, start, end } => AdPolicy {
                windows: vec![AdWindow { weekday: weekday.clone(), start: start.clone(), end: end.clone() }],
                ..AdPolicy::default()
            },
            shequn_demo::AdPolicy::RedPacketFirst { min_yuan, within_minutes } => AdPolicy {
                red_packet: Some(RedPacketRule { min_yuan: *min_yuan, within_minutes: *within_minutes }),
                ..AdPolicy::default()
            },
        };
        book.groups.insert(g.id.clone(), policy);
    }
    book
}
