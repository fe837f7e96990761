//! `shequn train survival`: fits the early-warning model (METHOD §12) on archives whose
//! groups' fates are known, one model per observed window, and writes the weights file.

use std::path::PathBuf;
use std::process::ExitCode;

use shequn_survival::{train, SurvivalWeights, TrainingExample};

use super::group::ConfigArgs;
use super::Cli;
use crate::survival_cases::{cases, parse_instant, DataBounds};

#[derive(clap::Args)]
pub struct SurvivalArgs {
    /// More archives to train on, after the one `--db` names (`--db A.db B.db C.db`).
    #[arg(value_name = "ARCHIVE")]
    pub more: Vec<PathBuf>,
    /// The observed windows to fit a model for, in days.
    #[arg(long, value_delimiter = ',', default_value = "14,28")]
    pub observe_days: Vec<u32>,
    /// Days from creation at which death is read (METHOD §1's status rule).
    #[arg(long)]
    pub horizon_days: Option<u32>,
    /// The end of observation for every group of every archive given (default: each group's coverage end).
    #[arg(long, value_name = "RFC3339")]
    pub data_end: Option<String>,
    /// The start of the data: groups beginning within `start_margin_days` of it are left out.
    #[arg(long, value_name = "RFC3339")]
    pub data_start: Option<String>,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Where to write the weights (JSON; the built-in file is crates/shequn-survival/weights/survival.json). Default: print them.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub fn run(cli: &Cli, a: &SurvivalArgs) -> anyhow::Result<ExitCode> {
    let mut config = a.config.load()?;
    if let Some(h) = a.horizon_days {
        config.survival.horizon_days = h;
    }
    let mut windows = a.observe_days.clone();
    windows.sort_unstable();
    windows.dedup();
    for &n in &windows {
        shequn_survival::SurvivalSettings { observe_days: n, ..config.survival.clone() }
            .validate()
            .map_err(|e| anyhow::anyhow!("--observe-days {n}: {e}"))?;
    }
    let bounds = DataBounds {
        start_ms: a.data_start.as_deref().map(|s| parse_instant("--data-start", s)).transpose()?,
        end_ms: a.data_end.as_deref().map(|s| parse_instant("--data-end", s)).transpose()?,
    };
    let archives: Vec<PathBuf> = std::iter::once(cli.db_path()).chain(a.more.iter().cloned()).collect();
    let mut examples: Vec<Vec<TrainingExample>> = vec![Vec::new(); windows.len()];
    let (mut excluded, mut temporary) = (0usize, 0usize);
    for path in &archives {
        for c in cases(path, &config, &windows, bounds)? {
            match c.answer {
                Err(_) => excluded += 1,
                Ok(ans) if ans.temporary => temporary += 1,
                Ok(ans) => {
                    for (k, (_, f)) in ans.windows.into_iter().enumerate() {
                        examples[k].push(TrainingExample { values: f.values, died: ans.died });
                    }
                }
            }
        }
    }
    let models: Vec<_> = windows.iter().zip(&examples).map(|(&n, ex)| train(ex, n, &config.survival)).collect();
    for m in &models {
        eprintln!(
            "observe {} d: {} groups, {} deaths (excluded {excluded}, temporary {temporary}); held-out AUC {}, Brier {}",
            m.observe_days,
            m.training.groups,
            m.training.deaths,
            m.training.cv_auc.map_or("-".into(), |x| format!("{x:.3}")),
            m.training.cv_brier.map_or("-".into(), |x| format!("{x:.3}")),
        );
    }
    let names: Vec<String> = archives.iter().map(|p| p.display().to_string()).collect();
    let weights = SurvivalWeights {
        note: format!(
            "Trained by `shequn train survival` on {} ({} groups answered the question, {excluded} excluded, {temporary} temporary; horizon {} days, l2 {}). See weights/README.md for how the archives were built.",
            names.join(", "),
            examples.first().map_or(0, Vec::len),
            config.survival.horizon_days,
            config.survival.l2
        ),
        sources: names,
        models,
    };
    match &a.out {
        Some(p) => std::fs::write(p, weights.to_json() + "\n")
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", p.display()))?,
        None => println!("{}", weights.to_json()),
    }
    Ok(ExitCode::SUCCESS)
}
