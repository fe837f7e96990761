//! `shequn eval survival`: how well the early warning (METHOD §12) foresaw which groups of an
//! archive were dead `horizon_days` after they began: AUC, Brier score, a calibration table,
//! one prediction per group; excluded and temporary groups listed apart.

use std::path::PathBuf;
use std::process::ExitCode;

use serde::Serialize;
use shequn_survival::{auc, brier, calibration, CalibrationBin, SurvivalWeights};

use super::group::ConfigArgs;
use super::Cli;
use crate::survival_cases::{cases, parse_instant, DataBounds};

#[derive(clap::Args)]
pub struct SurvivalArgs {
    /// The observed window, in days (a model for it must be in the weights).
    #[arg(long, default_value_t = 28)]
    pub observe_days: u32,
    /// Days from creation at which death is read.
    #[arg(long)]
    pub horizon_days: Option<u32>,
    /// The end of observation for every group of the archive (an organisation's export ends
    /// where the export ends). Default: each group's coverage end.
    #[arg(long, value_name = "RFC3339")]
    pub data_end: Option<String>,
    /// The start of the data: groups beginning within `start_margin_days` of it are left out.
    #[arg(long, value_name = "RFC3339")]
    pub data_start: Option<String>,
    /// A weights file from `shequn train survival` instead of the built-in one.
    #[arg(long, value_name = "FILE")]
    pub weights: Option<PathBuf>,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Prediction {
    group: String,
    group_id: i64,
    created: String,
    risk: f64,
    died: bool,
    status: shequn_diagnosis::Status,
}

#[derive(Serialize)]
struct Excluded {
    group: String,
    group_id: i64,
    #[serde(flatten)]
    why: shequn_survival::Exclusion,
    en: String,
    zh: String,
}

#[derive(Serialize)]
struct Evaluation {
    archive: String,
    observe_days: u32,
    horizon_days: u32,
    data_end: Option<String>,
    weights: String,
    auc: Option<f64>,
    brier: Option<f64>,
    /// The Brier score of always predicting the archive's own death rate (for scale).
    brier_base_rate: Option<f64>,
    groups: usize,
    deaths: usize,
    excluded: usize,
    calibration: Vec<CalibrationBin>,
    predictions: Vec<Prediction>,
    /// Temporary groups (METHOD §1, made to end), scored but kept out of the numbers above.
    temporary: Vec<Prediction>,
    excluded_groups: Vec<Excluded>,
}

pub fn run(cli: &Cli, a: &SurvivalArgs) -> anyhow::Result<ExitCode> {
    let mut config = a.config.load()?;
    config.survival.observe_days = a.observe_days;
    if let Some(h) = a.horizon_days {
        config.survival.horizon_days = h;
    }
    config.survival.validate().map_err(|e| anyhow::anyhow!("{e} (from --observe-days / --horizon-days)"))?;
    let (weights, weights_name) = match &a.weights {
        Some(p) => {
            let text = std::fs::read_to_string(p).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", p.display()))?;
            (
                SurvivalWeights::from_json(&text).map_err(|e| anyhow::anyhow!("{}: {e}", p.display()))?,
                p.display().to_string(),
            )
        }
        None => (SurvivalWeights::builtin(), "built-in".to_string()),
    };
    let Some(model) = weights.model(a.observe_days).cloned() else {
        anyhow::bail!(
            "the {weights_name} weights hold no model for --observe-days {} (they have: {}); fit one with `shequn train survival --observe-days {}`",
            a.observe_days,
            weights.models.iter().map(|m| m.observe_days.to_string()).collect::<Vec<_>>().join(", "),
            a.observe_days
        );
    };
    if model.horizon_days != config.survival.horizon_days {
        eprintln!(
            "note / 注意: the model was trained for a {}-day horizon, scored here at {} / 模型按{}天训练，此处按{}天评测",
            model.horizon_days, config.survival.horizon_days, model.horizon_days, config.survival.horizon_days
        );
    }
    let bounds = DataBounds {
        start_ms: a.data_start.as_deref().map(|s| parse_instant("--data-start", s)).transpose()?,
        end_ms: a.data_end.as_deref().map(|s| parse_instant("--data-end", s)).transpose()?,
    };
    let path = cli.db_path();
    let found = cases(&path, &config, &[a.observe_days], bounds)?;
    let (mut predictions, mut temporary, mut excluded) = (Vec::new(), Vec::new(), Vec::new());
    for c in found {
        let created = c.created_ms.map(shequn_model::rfc3339_utc).unwrap_or_default();
        match c.answer {
            Err(why) => {
                let (en, zh) = why.words();
                excluded.push(Excluded { group: c.group, group_id: c.group_id, why, en, zh });
            }
            Ok(ans) => {
                let p = Prediction {
                    group: c.group,
                    group_id: c.group_id,
                    created,
                    risk: (model.risk(&ans.windows[0].1.values) * 10_000.0).round() / 10_000.0,
                    died: ans.died,
                    status: ans.status,
                };
                if ans.temporary {
                    temporary.push(p);
                } else {
                    predictions.push(p);
                }
            }
        }
    }
    let risk: Vec<f64> = predictions.iter().map(|p| p.risk).collect();
    let died: Vec<bool> = predictions.iter().map(|p| p.died).collect();
    let deaths = died.iter().filter(|&&d| d).count();
    let rate = (!died.is_empty()).then(|| deaths as f64 / died.len() as f64);
    let e = Evaluation {
        archive: path.display().to_string(),
        observe_days: a.observe_days,
        horizon_days: config.survival.horizon_days,
        data_end: a.data_end.clone(),
        weights: weights_name,
        auc: auc(&risk, &died),
        brier: brier(&risk, &died),
        brier_base_rate: rate.map(|r| r * (1.0 - r)),
        groups: predictions.len(),
        deaths,
        excluded: excluded.len(),
        calibration: calibration(&risk, &died, config.survival.calibration_bins),
        predictions,
        temporary,
        excluded_groups: excluded,
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&e)?);
        return Ok(ExitCode::SUCCESS);
    }
    let f = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.3}"));
    println!(
        "早期预警评测 / early-warning evaluation: {} (observe {} d, horizon {} d, weights {})",
        e.archive, e.observe_days, e.horizon_days, e.weights
    );
    println!(
        "AUC {}  Brier {} (base rate {})  groups 群 {}  deaths 死群 {}  excluded 排除 {}  temporary 临时群 {}",
        f(e.auc),
        f(e.brier),
        f(e.brier_base_rate),
        e.groups,
        e.deaths,
        e.excluded,
        e.temporary.len()
    );
    println!("calibration 校准: risk 风险 | groups 群 | mean risk 平均风险 | died 实际死亡");
    for b in &e.calibration {
        println!("  {:.1}–{:.1} | {:>4} | {} | {}", b.from, b.to, b.groups, f(b.mean_risk), f(b.observed));
    }
    let mut sorted: Vec<&Prediction> = e.predictions.iter().collect();
    sorted.sort_by(|x, y| y.risk.total_cmp(&x.risk));
    for p in sorted {
        let name = crate::table::terminal_safe(&p.group, false);
        println!("  {:.3}  {}  {}", p.risk, if p.died { "died 死" } else { "lived 活" }, name);
    }
    Ok(ExitCode::SUCCESS)
}
