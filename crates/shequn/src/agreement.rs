//! How the diagnosis agrees with a demo portfolio's planted truth: the numbers
//! `shequn demo --json` prints and the issues' acceptance reads.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use shequn_demo::GroundTruth;
use shequn_diagnosis::Diagnosis;

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
    /// Share of planted key people (members, never operators) found among the top 5 of the
    /// diagnosis's ranking of members (the order METHOD §4's ≥ 50% key set is cut from).
    pub key_people_recall: f64,
    pub key_people_planted: u32,
    pub key_people_found: u32,
    /// Planted vs found, for temporary groups (METHOD §1).
    pub temporary_confusion: Confusion,
    /// Planted vs found, for broadcast-only groups (METHOD §7; needs the content analysis).
    pub broadcast_only_confusion: Confusion,
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
pub fn agreement(rows: &[GroupRow], diagnoses: &[Diagnosis], truth: &GroundTruth) -> Agreement {
    let by_id: HashMap<&str, (&GroupRow, &Diagnosis)> =
        rows.iter().zip(diagnoses).map(|(r, d)| (r.platform_id.as_str(), (r, d))).collect();
    let mut a = Agreement {
        groups: 0,
        status_accuracy: 0.0,
        status_confusion: Confusion::new(),
        key_people_recall: 0.0,
        key_people_planted: 0,
        key_people_found: 0,
        temporary_confusion: Confusion::new(),
        broadcast_only_confusion: Confusion::new(),
        status_mismatches: Vec::new(),
    };
    let mut status_hits = 0u32;
    for g in &truth.groups {
        let Some((row, d)) = by_id.get(g.id.as_str()) else { continue };
        a.groups += 1;
        let planted = serde_name(&g.status);
        let found = d.status.as_str().to_string();
        if planted == found {
            status_hits += 1;
        } else {
            a.status_mismatches.push((row.name.clone(), planted.clone(), found.clone()));
        }
        bump(&mut a.status_confusion, &planted, &found);
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
    a.status_accuracy = if a.groups > 0 { f64::from(status_hits) / f64::from(a.groups) } else { 0.0 };
    a.key_people_recall =
        if a.key_people_planted > 0 { f64::from(a.key_people_found) / f64::from(a.key_people_planted) } else { 0.0 };
    a
}
