//! All groups of a portfolio diagnosed in parallel, and the portfolio's
//! distribution (METHOD §1; seed 002: 70% of one firm's 2,000 groups were dead).

use std::collections::BTreeMap;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shequn_model::{ContentLabel, Link, Timeline};

use crate::{diagnose, Diagnosis, Migrant, Settings};

/// One group's inputs. Empty `links` / `labels` mean the reply or content analysis did not run.
pub struct GroupInput<'a> {
    pub timeline: &'a Timeline,
    pub links: &'a [Link],
    pub labels: &'a [ContentLabel],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortfolioSummary {
    pub groups: u32,
    pub by_status: BTreeMap<String, u32>,
    pub by_stage: BTreeMap<String, u32>,
    pub by_action: BTreeMap<String, u32>,
    /// Dead groups whose last member message came within `early_death_days` of creation.
    pub died_early: u32,
    /// Of the groups whose data is long enough to judge (`groups − insufficient_coverage`).
    pub died_early_share: f64,
    /// Groups whose sources cover too little time for a dormant or dead verdict (数据不足);
    /// they are never counted as deaths.
    #[serde(default)]
    pub insufficient_coverage: u32,
    /// Lifespans in days (first to last member message): quartiles and median, over the groups
    /// with enough data (a 9-day export cuts every lifespan short).
    pub lifespan_days_quartiles: Option<[i64; 3]>,
    pub temporary: u32,
    pub fragile: u32,
    /// Every group to dissolve or migrate, with its willing members.
    pub migration: Vec<(String, Vec<Migrant>)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Portfolio {
    pub summary: PortfolioSummary,
    pub groups: Vec<Diagnosis>,
}

/// Diagnoses every group in parallel; the order of `groups` follows `inputs`.
pub fn diagnose_portfolio(inputs: &[GroupInput], settings: &Settings, as_of_ms: i64) -> Portfolio {
    let groups: Vec<Diagnosis> =
        inputs.par_iter().map(|g| diagnose(g.timeline, g.links, g.labels, settings, as_of_ms)).collect();
    Portfolio { summary: summarize(&groups), groups }
}

/// Diagnoses timelines with explicit links only and no content labels.
pub fn diagnose_timelines(ts: &[Timeline], settings: &Settings, as_of_ms: i64) -> Portfolio {
    let inputs: Vec<GroupInput> = ts.iter().map(|t| GroupInput { timeline: t, links: &[], labels: &[] }).collect();
    diagnose_portfolio(&inputs, settings, as_of_ms)
}

pub fn summarize(groups: &[Diagnosis]) -> PortfolioSummary {
    let mut by_status = BTreeMap::new();
    let mut by_stage = BTreeMap::new();
    let mut by_action = BTreeMap::new();
    for d in groups {
        *by_status.entry(d.status.as_str().to_string()).or_insert(0) += 1;
        *by_stage.entry(d.stage.map_or("none", |s| s.as_str()).to_string()).or_insert(0) += 1;
        *by_action.entry(d.triage.action.as_str().to_string()).or_insert(0) += 1;
    }
    let died_early = groups.iter().filter(|d| d.lifespan.died_early).count() as u32;
    let insufficient_coverage = groups.iter().filter(|d| d.evidence.insufficient_coverage).count() as u32;
    let judged = groups.len() as u32 - insufficient_coverage;
    let mut spans: Vec<i64> =
        groups.iter().filter(|d| !d.evidence.insufficient_coverage).filter_map(|d| d.lifespan.days).collect();
    spans.sort_unstable();
    let q = |p: f64| spans[((spans.len() - 1) as f64 * p).round() as usize];
    PortfolioSummary {
        groups: groups.len() as u32,
        by_status,
        by_stage,
        by_action,
        died_early,
        died_early_share: if judged == 0 { 0.0 } else { f64::from(died_early) / f64::from(judged) },
        insufficient_coverage,
        lifespan_days_quartiles: (!spans.is_empty()).then(|| [q(0.25), q(0.5), q(0.75)]),
        temporary: groups.iter().filter(|d| d.temporary.temporary).count() as u32,
        fragile: groups.iter().filter(|d| d.key_people.fragile).count() as u32,
        migration: groups
            .iter()
            .filter(|d| !d.triage.migration.is_empty())
            .map(|d| (d.group.clone(), d.triage.migration.clone()))
            .collect(),
    }
}
