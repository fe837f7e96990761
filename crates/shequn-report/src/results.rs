//! What the report renders: one [`GroupResult`] per group, computed by the
//! analyses (crate `shequn`'s `analysis` module). New analyses add one field here.

use serde::{Deserialize, Serialize};
use shequn_diagnosis::{Diagnosis, PortfolioSummary};
use shequn_model::Example;

/// The version of `report.json`'s schema (`docs/report-schema.json`).
pub const SCHEMA_VERSION: &str = "1.0";

/// One group's results: the diagnosis and the timeline series the charts draw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupResult {
    pub diagnosis: Diagnosis,
    /// Weekly series, activity and interaction graph the report draws.
    pub series: GroupSeries,
    /// Questions nobody answered (from the reply analysis; empty until it runs).
    pub unanswered: Vec<UnansweredBid>,
    /// Ads and rule violations quoted (from the content analysis; empty until it runs).
    pub ads: Vec<Example>,
    /// Who posted ads, most ads first (METHOD §7).
    #[serde(default)]
    pub ad_posters: Vec<AdPosterRow>,
    /// Ads that broke the group's ad policy; empty when no policy was set.
    #[serde(default)]
    pub violations: Vec<ViolationRow>,
    /// A young group's chance of being dead by the horizon, with its reasons (METHOD §12);
    /// absent for groups past their first weeks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_warning: Option<shequn_survival::EarlyWarning>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdPosterRow {
    pub name: String,
    pub ads: u32,
    pub messages: u32,
}

/// An ad posted against the group's ad policy (seed 004), with the allowances it missed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ViolationRow {
    pub message: Example,
    pub rules_broken: Vec<String>,
}

/// Timeline-derived series: no verdicts, only counts.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupSeries {
    /// Member (human, non-bot) messages per week: (ISO date of the week's Monday, count).
    pub weekly_human: Vec<(String, u32)>,
    /// Per week: messages labelled with each value kind; empty when no labels exist.
    pub weekly_value: Vec<(String, Vec<(String, u32)>)>,
    /// The most active people of the diagnosis window and their interactions.
    pub network_nodes: Vec<NetNode>,
    /// (from node index, to node index, interactions).
    pub network_edges: Vec<(u32, u32, u32)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NetNode {
    pub name: String,
    pub messages: u32,
    pub operator: bool,
}

/// A question or request that got no answer (METHOD §5).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UnansweredBid {
    pub message: Example,
    pub platform_id: Option<String>,
    pub waited_hours: f64,
}

/// The whole report's input.
pub struct ReportInput<'a> {
    pub results: &'a [GroupResult],
    pub summary: &'a PortfolioSummary,
    /// RFC 3339 of the generation time.
    pub generated: &'a str,
}
