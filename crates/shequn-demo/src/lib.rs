//! shequn's demo portfolio: a seeded, reproducible set of synthetic chat groups
//! that follow METHOD.md's lifecycles, with the truth planted in them written
//! beside the export, so every analysis can be scored against it.
//!
//! ```no_run
//! use shequn_demo::{Portfolio, PortfolioSettings};
//! let portfolio = Portfolio::plan(&PortfolioSettings::default());
//! let written = shequn_demo::write_demo(&portfolio, std::path::Path::new("demo-out")).unwrap();
//! println!("{} messages in {}", written.messages, written.export_dir.display());
//! ```
//!
//! Generation is a pure function of the settings: the same seed gives the same
//! bytes. Each group is generated on its own from its plan, in parallel, so a
//! portfolio of any size is written with memory bounded by a few groups.

mod generated;
mod jsonl;
mod people;
mod phrases;
mod plan;
mod simulate;
mod telegram;
mod truth;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use rayon::prelude::*;

pub use generated::{EventKind, GroupData, Item, Kind, Member, Role, Tag};
pub use jsonl::write_group as write_jsonl_group;
pub use phrases::Lang;
pub use plan::{Archetype, DemoPlatform, GroupPlan, Portfolio, PortfolioSettings, Stage, Status, DEFAULT_AS_OF};
pub use simulate::generate;
pub use telegram::{chat_id, write_telegram_export, TelegramStats};
pub use truth::{
    compute as compute_truth, load_truth, AdCampaign, AdPolicy, GroundTruth, GroupTruth, KeyPersonLoss, LeaveSpike,
    PortfolioTruth, StatusEvidence, TruthSettings, Violation, TRUTH_VERSION,
};

/// One group's truth, its ad campaigns (group, template, contact) and its file size.
type GroupOutput = (GroupTruth, Vec<(String, String, String)>, u64);

/// What [`write_demo`] wrote.
#[derive(Debug, Clone)]
pub struct Written {
    /// `DIR/export`: one `<group>.jsonl` per group.
    pub export_dir: PathBuf,
    /// `DIR/ground_truth.json`.
    pub truth_path: PathBuf,
    pub truth: GroundTruth,
    pub messages: usize,
    pub events: usize,
    pub bytes: u64,
}

/// Writes the portfolio as generic JSON Lines into `dir/export/` (any earlier
/// `*.jsonl` there is removed first, so a smaller rerun leaves no stale groups)
/// and its ground truth as `dir/ground_truth.json`.
pub fn write_demo(portfolio: &Portfolio, dir: &Path) -> io::Result<Written> {
    let export_dir = dir.join("export");
    std::fs::create_dir_all(&export_dir)?;
    for entry in std::fs::read_dir(&export_dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "jsonl") {
            std::fs::remove_file(&path)?;
        }
    }
    let settings = TruthSettings::default();
    let results: Vec<io::Result<GroupOutput>> = portfolio
        .groups
        .par_iter()
        .map(|plan| {
            let g = generate(plan);
            let path = export_dir.join(format!("{}.jsonl", plan.file_stem));
            let mut w = BufWriter::with_capacity(1 << 18, File::create(&path)?);
            jsonl::write_group(&g, &mut w)?;
            w.flush()?;
            let bytes = w.get_ref().metadata()?.len();
            let campaigns =
                g.planted.ad_campaigns.iter().map(|(t, c)| (plan.id.clone(), t.clone(), c.clone())).collect();
            Ok((truth::compute(&g, &settings), campaigns, bytes))
        })
        .collect();
    let mut groups = Vec::with_capacity(results.len());
    let mut campaigns = Vec::new();
    let mut bytes = 0;
    for r in results {
        let (t, c, b) = r?;
        groups.push(t);
        campaigns.extend(c);
        bytes += b;
    }
    let truth = GroundTruth {
        version: TRUTH_VERSION,
        seed: portfolio.settings.seed,
        as_of: portfolio.settings.as_of.to_rfc3339(),
        settings,
        portfolio: truth::portfolio(&groups, &campaigns),
        groups,
    };
    let truth_path = dir.join("ground_truth.json");
    let mut w = BufWriter::new(File::create(&truth_path)?);
    serde_json::to_writer_pretty(&mut w, &truth)?;
    w.write_all(b"\n")?;
    w.flush()?;
    Ok(Written {
        export_dir,
        truth_path,
        messages: truth.portfolio.messages,
        events: truth.portfolio.events,
        truth,
        bytes,
    })
}

/// Settings whose portfolio holds about `messages` messages over `groups` groups
/// (for benchmarks). Some messages do not scale with volume (daily pushes, ad bursts,
/// newcomers' greetings), so the volume is found by generating a sample of up to 100 of
/// the groups, twice, and scaling to match.
pub fn settings_for_messages(messages: u64, groups: usize, seed: u64) -> PortfolioSettings {
    let mut settings = PortfolioSettings { groups, seed, ..PortfolioSettings::default() };
    let step = (groups / 100).max(1);
    for _ in 0..3 {
        let plan = Portfolio::plan(&settings);
        let sample: Vec<&GroupPlan> = plan.groups.iter().step_by(step).collect();
        let counts: Vec<(Archetype, u64, usize)> = sample
            .par_iter()
            .map(|g| (g.archetype, u64::from(g.target_messages), generate(g).message_count()))
            .collect();
        // Messages per planned message, per archetype (the big groups' share is not left to chance).
        let ratio = |a: Archetype| {
            let (t, n) = counts.iter().filter(|c| c.0 == a).fold((0, 0), |acc, c| (acc.0 + c.1, acc.1 + c.2));
            if t == 0 {
                1.0
            } else {
                n as f64 / t as f64
            }
        };
        let estimate: f64 = plan.groups.iter().map(|g| f64::from(g.target_messages) * ratio(g.archetype)).sum();
        settings.volume *= messages as f64 / estimate.max(1.0);
    }
    settings
}
