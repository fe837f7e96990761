//! Every setting of the early warning, named, with a default (docs/early-warning.md).

use serde::{Deserialize, Serialize};

/// The `[survival]` table of the settings file; every key is optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SurvivalSettings {
    /// The first days of a group the prediction reads: `[c, c + observe_days)`.
    pub observe_days: u32,
    /// The group counts as dead when the status rule (METHOD §1) says dead at `c + horizon_days`
    /// (seed 000: 99% of groups fall silent within three months).
    pub horizon_days: u32,
    /// A group is "young" and shows an early warning while its age is at least the shortest
    /// trained window and below `observe_days + young_margin_days`.
    pub young_margin_days: u32,
    /// With a known start of the data, a group whose first message falls within this many days
    /// of it may be older than the data: it is left out of training and evaluation.
    pub start_margin_days: u32,
    /// At or above this risk, the playbook adds seed 002's advice (rescue or let it go).
    pub high_risk: f64,
    /// A signal is named as a reason only when it moves the score by at least this much
    /// (log-odds): a pull of 0.001 is no reason.
    pub reason_min_weight: f64,
    /// Ridge penalty on the standardized weights when training (larger: flatter, safer weights).
    pub l2: f64,
    /// Folds of the cross-validation whose held-out scores calibrate the probabilities (Platt).
    pub folds: u32,
    /// Bins of the calibration table (equal widths of predicted risk).
    pub calibration_bins: u32,
}

impl Default for SurvivalSettings {
    fn default() -> Self {
        SurvivalSettings {
            observe_days: 28,
            horizon_days: 90,
            young_margin_days: 14,
            start_margin_days: 7,
            high_risk: 0.5,
            reason_min_weight: 0.05,
            l2: 1.0,
            folds: 5,
            calibration_bins: 5,
        }
    }
}

impl SurvivalSettings {
    /// Checks the values together; the error names the key and what to write.
    pub fn validate(&self) -> Result<(), String> {
        if self.observe_days == 0 {
            return Err("[survival] observe_days must be at least 1 (e.g. 14 or 28)".into());
        }
        if self.horizon_days <= self.observe_days {
            return Err(format!(
                "[survival] horizon_days ({}) must be longer than observe_days ({}): the question is about what happens after the observed weeks",
                self.horizon_days, self.observe_days
            ));
        }
        if !(0.0..=1.0).contains(&self.high_risk) {
            return Err(format!("[survival] high_risk ({}) must be a probability between 0 and 1", self.high_risk));
        }
        if !(self.reason_min_weight >= 0.0 && self.reason_min_weight.is_finite()) {
            return Err(format!("[survival] reason_min_weight ({}) must be 0 or more", self.reason_min_weight));
        }
        if !(self.l2 >= 0.0 && self.l2.is_finite()) {
            return Err(format!("[survival] l2 ({}) must be 0 or more", self.l2));
        }
        if self.folds < 2 {
            return Err(format!("[survival] folds ({}) must be at least 2", self.folds));
        }
        if self.calibration_bins == 0 {
            return Err("[survival] calibration_bins must be at least 1".into());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_name_their_key() {
        assert!(SurvivalSettings::default().validate().is_ok());
        let s = SurvivalSettings { horizon_days: 20, ..Default::default() };
        assert!(s.validate().unwrap_err().contains("horizon_days"));
        let s = SurvivalSettings { high_risk: 1.5, ..Default::default() };
        assert!(s.validate().unwrap_err().contains("high_risk"));
        let s = SurvivalSettings { folds: 1, ..Default::default() };
        assert!(s.validate().unwrap_err().contains("folds"));
    }
}
