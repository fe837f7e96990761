//! The model: one logistic regression per observed window (14 and 28 days), on standardized
//! features, with Platt scaling fitted on cross-validated held-out scores so that a risk of
//! 0.3 means about 3 in 10 such groups died. Kept as a small JSON file (`weights/survival.json`).

use serde::{Deserialize, Serialize};

use crate::logistic::{fit_logistic, sigmoid, Fitted};
use crate::measure::{auc, brier};
use crate::{FeatureId, SurvivalSettings, FEATURES};

/// One feature's standardization and weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeatureWeight {
    pub name: String,
    pub mean: f64,
    pub std: f64,
    pub weight: f64,
}

/// What the model was trained on and how it scored in cross-validation.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ModelReport {
    pub groups: usize,
    pub deaths: usize,
    /// Held-out (cross-validated) AUC and Brier score on the training groups.
    pub cv_auc: Option<f64>,
    pub cv_brier: Option<f64>,
}

/// The model for one observed window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SurvivalModel {
    pub observe_days: u32,
    pub horizon_days: u32,
    pub intercept: f64,
    pub features: Vec<FeatureWeight>,
    /// Platt scaling: risk = σ(platt_a · score + platt_b).
    pub platt_a: f64,
    pub platt_b: f64,
    pub l2: f64,
    pub training: ModelReport,
}

/// The weights file: a note on the data and one model per window.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SurvivalWeights {
    pub note: String,
    /// The archives trained on (names and how they were built; see weights/README.md).
    #[serde(default)]
    pub sources: Vec<String>,
    pub models: Vec<SurvivalModel>,
}

static BUILTIN: &str = include_str!("../weights/survival.json");

impl SurvivalWeights {
    /// The weights compiled in.
    pub fn builtin() -> SurvivalWeights {
        serde_json::from_str(BUILTIN).expect("weights/survival.json is valid (checked by a test)")
    }

    pub fn from_json(text: &str) -> Result<SurvivalWeights, String> {
        let w: SurvivalWeights = serde_json::from_str(text).map_err(|e| format!("not a survival weights file: {e}"))?;
        for m in &w.models {
            for f in &m.features {
                if FeatureId::parse(&f.name).is_none() {
                    return Err(format!("unknown feature {:?} in the model for {} days", f.name, m.observe_days));
                }
            }
        }
        Ok(w)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("weights serialise")
    }

    /// The model trained for exactly this window.
    pub fn model(&self, observe_days: u32) -> Option<&SurvivalModel> {
        self.models.iter().find(|m| m.observe_days == observe_days)
    }

    /// The longest window that fits in `age_days` (a group observed for 20 days uses the
    /// 14-day model), no longer than `max_days`.
    pub fn model_for_age(&self, age_days: f64, max_days: u32) -> Option<&SurvivalModel> {
        self.models
            .iter()
            .filter(|m| f64::from(m.observe_days) <= age_days && m.observe_days <= max_days)
            .max_by_key(|m| m.observe_days)
    }
}

impl SurvivalModel {
    /// Each feature's pull on the score (weight × standardized value), in [`FEATURES`] order.
    pub fn contributions(&self, x: &[f64]) -> Vec<(FeatureId, f64)> {
        self.features
            .iter()
            .filter_map(|f| {
                let id = FeatureId::parse(&f.name)?;
                let i = FEATURES.iter().position(|&g| g == id)?;
                Some((id, f.weight * z(x[i], f.mean, f.std)))
            })
            .collect()
    }

    /// The calibrated probability of death by the horizon.
    pub fn risk(&self, x: &[f64]) -> f64 {
        let score = self.intercept + self.contributions(x).iter().map(|(_, c)| c).sum::<f64>();
        sigmoid(self.platt_a * score + self.platt_b)
    }
}

/// One training group: its features and whether it died.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingExample {
    pub values: Vec<f64>,
    pub died: bool,
}

/// Standardized values are clipped to ±this many standard deviations, so a group far outside
/// the training data (a WeChat group full of ads, where the training streams had none) moves
/// its risk by a bounded amount.
pub const Z_CLIP: f64 = 3.0;

fn z(v: f64, mean: f64, std: f64) -> f64 {
    ((v - mean) / std).clamp(-Z_CLIP, Z_CLIP)
}

struct Standardized {
    mean: Vec<f64>,
    std: Vec<f64>,
    fitted: Fitted,
}

impl Standardized {
    fn fit(rows: &[&TrainingExample], l2: f64) -> Standardized {
        let d = FEATURES.len();
        let n = rows.len().max(1) as f64;
        let mean: Vec<f64> = (0..d).map(|j| rows.iter().map(|r| r.values[j]).sum::<f64>() / n).collect();
        let std: Vec<f64> = (0..d)
            .map(|j| {
                let v = rows.iter().map(|r| (r.values[j] - mean[j]).powi(2)).sum::<f64>() / n;
                // A feature that never varies in the data carries no information: weight 0.
                if v > 1e-12 {
                    v.sqrt()
                } else {
                    1.0
                }
            })
            .collect();
        let x: Vec<Vec<f64>> = rows.iter().map(|r| (0..d).map(|j| z(r.values[j], mean[j], std[j])).collect()).collect();
        let y: Vec<bool> = rows.iter().map(|r| r.died).collect();
        // Fit, drop every feature whose weight goes against METHOD's direction, refit on the
        // rest, until all kept weights agree (at most one round per feature).
        let mut kept: Vec<usize> = (0..d).collect();
        let mut fitted = fit_logistic(&x, &y, l2);
        for _ in 0..d {
            let wrong: Vec<usize> = kept
                .iter()
                .enumerate()
                .filter(|(k, &j)| fitted.weights[*k] * FEATURES[j].expected_sign() < 0.0)
                .map(|(_, &j)| j)
                .collect();
            if wrong.is_empty() {
                break;
            }
            kept.retain(|j| !wrong.contains(j));
            let xs: Vec<Vec<f64>> = x.iter().map(|r| kept.iter().map(|&j| r[j]).collect()).collect();
            fitted = fit_logistic(&xs, &y, l2);
        }
        let mut weights = vec![0.0; d];
        for (k, &j) in kept.iter().enumerate() {
            weights[j] = fitted.weights[k];
        }
        Standardized { fitted: Fitted { intercept: fitted.intercept, weights }, mean, std }
    }

    fn score(&self, x: &[f64]) -> f64 {
        let zs: Vec<f64> = x.iter().enumerate().map(|(j, &v)| z(v, self.mean[j], self.std[j])).collect();
        self.fitted.logit(&zs)
    }
}

/// Fits the model for one window: held-out scores from `folds`-fold cross-validation
/// (deaths and survivors spread evenly over the folds) calibrate the final model's scores.
pub fn train(examples: &[TrainingExample], observe_days: u32, s: &SurvivalSettings) -> SurvivalModel {
    let folds = s.folds.max(2) as usize;
    // Stratified, deterministic fold assignment.
    let (mut nd, mut ns) = (0usize, 0usize);
    let fold: Vec<usize> = examples
        .iter()
        .map(|e| {
            let c = if e.died { &mut nd } else { &mut ns };
            *c += 1;
            (*c - 1) % folds
        })
        .collect();
    let mut held_out = vec![0.0; examples.len()];
    for k in 0..folds {
        let rows: Vec<&TrainingExample> = examples.iter().zip(&fold).filter(|(_, &f)| f != k).map(|(e, _)| e).collect();
        let m = Standardized::fit(&rows, s.l2);
        for (i, e) in examples.iter().enumerate() {
            if fold[i] == k {
                held_out[i] = m.score(&e.values);
            }
        }
    }
    let died: Vec<bool> = examples.iter().map(|e| e.died).collect();
    let platt = fit_logistic(&held_out.iter().map(|&z| vec![z]).collect::<Vec<_>>(), &died, 1e-3);
    let (platt_a, platt_b) = (platt.weights.first().copied().unwrap_or(0.0), platt.intercept);
    let calibrated: Vec<f64> = held_out.iter().map(|&z| sigmoid(platt_a * z + platt_b)).collect();
    let all: Vec<&TrainingExample> = examples.iter().collect();
    let m = Standardized::fit(&all, s.l2);
    SurvivalModel {
        observe_days,
        horizon_days: s.horizon_days,
        intercept: m.fitted.intercept,
        features: FEATURES
            .iter()
            .enumerate()
            .map(|(j, f)| FeatureWeight {
                name: f.name().into(),
                mean: m.mean[j],
                std: m.std[j],
                weight: m.fitted.weights[j],
            })
            .collect(),
        platt_a,
        platt_b,
        l2: s.l2,
        training: ModelReport {
            groups: examples.len(),
            deaths: died.iter().filter(|&&d| d).count(),
            cv_auc: auc(&calibrated, &died),
            cv_brier: brier(&calibrated, &died),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_weights_parse() {
        let w = SurvivalWeights::builtin();
        SurvivalWeights::from_json(&w.to_json()).unwrap();
    }

    #[test]
    fn risk_rises_with_the_signal_it_learned() {
        // Silence (the last feature) decides death; the rest is constant.
        let ex: Vec<TrainingExample> = (0..60)
            .map(|i| {
                let mut v = vec![0.5; FEATURES.len()];
                let silence = (i % 10) as f64 / 10.0;
                *v.last_mut().unwrap() = silence;
                TrainingExample { values: v, died: silence > 0.45 || i % 17 == 0 }
            })
            .collect();
        let m = train(&ex, 28, &SurvivalSettings::default());
        let mut quiet = vec![0.5; FEATURES.len()];
        *quiet.last_mut().unwrap() = 0.9;
        let mut busy = quiet.clone();
        *busy.last_mut().unwrap() = 0.0;
        assert!(m.risk(&quiet) > 0.7 && m.risk(&busy) < 0.3, "{} {}", m.risk(&quiet), m.risk(&busy));
        assert!(m.training.cv_auc.unwrap() > 0.9);
        assert_eq!(m.training.deaths, ex.iter().filter(|e| e.died).count());
    }
}
