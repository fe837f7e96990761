//! How good the probabilities are: AUC (ranking), Brier score (accuracy of the
//! probabilities) and a calibration table (predicted against observed, per bin).

use serde::Serialize;

/// The area under the ROC curve: the chance that a group that died got a higher risk than one
/// that lived (ties count half). None without both kinds.
pub fn auc(risk: &[f64], died: &[bool]) -> Option<f64> {
    let mut idx: Vec<usize> = (0..risk.len()).collect();
    idx.sort_by(|&a, &b| risk[a].total_cmp(&risk[b]));
    let (mut rank_sum, mut i) = (0.0, 0);
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && risk[idx[j + 1]] == risk[idx[i]] {
            j += 1;
        }
        let mid = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            if died[k] {
                rank_sum += mid;
            }
        }
        i = j + 1;
    }
    let pos = died.iter().filter(|&&d| d).count() as f64;
    let neg = died.len() as f64 - pos;
    (pos > 0.0 && neg > 0.0).then(|| (rank_sum - pos * (pos + 1.0) / 2.0) / (pos * neg))
}

/// Mean squared difference between the risk and what happened (0 best; always saying the
/// base rate p scores p(1 − p)).
pub fn brier(risk: &[f64], died: &[bool]) -> Option<f64> {
    (!risk.is_empty()).then(|| {
        risk.iter().zip(died).map(|(r, &d)| (r - if d { 1.0 } else { 0.0 }).powi(2)).sum::<f64>() / risk.len() as f64
    })
}

/// One row of the calibration table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationBin {
    pub from: f64,
    pub to: f64,
    pub groups: usize,
    pub deaths: usize,
    /// Mean predicted risk of the groups in the bin (None when empty).
    pub mean_risk: Option<f64>,
    /// Share of them that died (None when empty).
    pub observed: Option<f64>,
}

/// Equal-width bins of predicted risk.
pub fn calibration(risk: &[f64], died: &[bool], bins: u32) -> Vec<CalibrationBin> {
    let k = bins.max(1) as usize;
    (0..k)
        .map(|b| {
            let (from, to) = (b as f64 / k as f64, (b + 1) as f64 / k as f64);
            let inside: Vec<usize> = (0..risk.len())
                .filter(|&i| risk[i] >= from && (risk[i] < to || (b + 1 == k && risk[i] <= to)))
                .collect();
            let deaths = inside.iter().filter(|&&i| died[i]).count();
            let n = inside.len();
            CalibrationBin {
                from,
                to,
                groups: n,
                deaths,
                mean_risk: (n > 0).then(|| inside.iter().map(|&i| risk[i]).sum::<f64>() / n as f64),
                observed: (n > 0).then(|| deaths as f64 / n as f64),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auc_counts_ordered_pairs() {
        // Deaths at 0.9 and 0.4; lives at 0.5, 0.1: pairs (0.9>0.5, 0.9>0.1, 0.4<0.5, 0.4>0.1) = 3 of 4.
        let r = [0.9, 0.4, 0.5, 0.1];
        let d = [true, true, false, false];
        assert_eq!(auc(&r, &d), Some(0.75));
        assert_eq!(auc(&[0.3, 0.3], &[true, false]), Some(0.5));
        assert_eq!(auc(&[0.3], &[true]), None);
    }

    #[test]
    fn brier_and_bins_by_hand() {
        let r = [1.0, 0.0, 0.5];
        let d = [true, false, true];
        assert!((brier(&r, &d).unwrap() - 0.25 / 3.0).abs() < 1e-12);
        let c = calibration(&r, &d, 2);
        assert_eq!((c[0].groups, c[1].groups), (1, 2));
        assert_eq!(c[1].deaths, 2);
    }
}
