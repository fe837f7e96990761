//! Training the ad model: logistic regression over hashed features, fitted by
//! AdaGrad stochastic gradient descent in a fixed (seeded) order, so the same
//! data always gives the same weights. The decision threshold is chosen on a
//! dev split carved out of the training files, never on an evaluation set.

use std::collections::HashSet;
use std::path::Path;

use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::ads::{classify_with, rule_features, AdContext, AdSettings};
use crate::features::{buckets, FeatureSet, BUCKETS};
use crate::labelled::{self, Labelled, LabelledFormat};
use crate::model::{feature_value, LinearModel};
use crate::normalize::normalize;

/// A training source: its path in the corpus, its layout, and which rows are used.
#[derive(Debug, Clone, Copy)]
pub struct Source {
    pub path: &'static str,
    pub format: LabelledFormat,
    /// Keep only rows outside the held-out fifth (the fifth is for evaluation).
    pub skip_held_out: bool,
}

/// What the shipped weights are trained on. Evaluation sets: cn-sms-spam sample2 (whole),
/// the held-out fifth of cn-tg-spam and of UCI SMS. fbs-sms-cn (spam only, pre-segmented and
/// anonymised) is left out: adding it lowered precision on held-out Chinese SMS;
/// `shequn eval ads --format fbs` measures recall on it.
pub const SOURCES: &[Source] = &[
    Source { path: "cn-sms-spam/data/sample1.csv", format: LabelledFormat::CnSms, skip_held_out: false },
    Source {
        path: "cn-tg-spam-markivory/ml/data/tg-spam/train.csv",
        format: LabelledFormat::CnTg,
        skip_held_out: true,
    },
    Source { path: "uci-sms-spam/SMSSpamCollection", format: LabelledFormat::Uci, skip_held_out: true },
    Source { path: "tg-spam/data", format: LabelledFormat::TgSpam, skip_held_out: false },
];

/// Rows equal to one in this file are dropped from training (the two cn-sms samples overlap).
pub const EVAL_ONLY: (&str, LabelledFormat) = ("cn-sms-spam/data/sample2.csv", LabelledFormat::CnSms);

/// How many rows one source gave.
#[derive(Debug, Clone)]
pub struct SourceCount {
    pub path: &'static str,
    pub total: usize,
    pub used: usize,
    pub spam: usize,
}

/// The training rows of the corpus (held-out fifths and evaluation-only texts removed).
pub fn training_rows(corpus: &Path) -> Result<(Vec<Labelled>, Vec<SourceCount>), String> {
    let eval_only: HashSet<String> = labelled::read(&corpus.join(EVAL_ONLY.0), EVAL_ONLY.1)?
        .into_iter()
        .map(|r| r.text.trim().to_string())
        .collect();
    let mut rows = Vec::new();
    let mut counts = Vec::new();
    for s in SOURCES {
        let all = labelled::read(&corpus.join(s.path), s.format)?;
        let total = all.len();
        let kept: Vec<Labelled> = all
            .into_iter()
            .filter(|r| !(s.skip_held_out && labelled::in_held_out_fifth(&r.text)))
            .filter(|r| !eval_only.contains(r.text.trim()))
            .collect();
        let spam = kept.iter().filter(|r| r.spam).count();
        counts.push(SourceCount { path: s.path, total, used: kept.len(), spam });
        rows.extend(kept);
    }
    Ok((rows, counts))
}

/// The dev tenth of the training rows (a hash independent of the held-out fifth's).
pub fn in_dev_tenth(text: &str) -> bool {
    xxh3_64_with_seed(text.as_bytes(), 0xde5).is_multiple_of(10)
}

/// Training settings.
#[derive(Debug, Clone)]
pub struct TrainSettings {
    pub features: FeatureSet,
    pub epochs: usize,
    pub learning_rate: f32,
    /// L2 penalty per update.
    pub l2: f32,
    /// Weight of a spam row's gradient relative to a ham row's.
    pub spam_weight: f32,
    /// Fit the model around the rule features (their score is a fixed offset in training),
    /// so it learns what the rules miss instead of counting their evidence twice.
    pub rules_as_offset: bool,
    pub seed: u64,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings {
            features: FeatureSet::SHIPPED,
            epochs: 4,
            learning_rate: 0.3,
            l2: 1e-6,
            spam_weight: 1.0,
            rules_as_offset: false,
            seed: 0x5eed,
        }
    }
}

/// The rules' score of each text, with no context (what `shequn eval ads` sees).
fn rule_offsets(rows: &[Labelled], on: bool) -> Vec<f32> {
    let settings = AdSettings::default();
    if !on {
        return vec![0.0; rows.len()];
    }
    rows.par_iter()
        .map(|r| rule_features(&normalize(&r.text), AdContext::default(), &settings).iter().map(|f| f.weight).sum())
        .collect()
}

/// Fits the model (threshold 0: see [`calibrate`]).
pub fn train(rows: &[Labelled], settings: &TrainSettings) -> LinearModel {
    // In parallel: segmentation dominates.
    let feats: Vec<Vec<u32>> = rows.par_iter().map(|r| buckets(&normalize(&r.text), settings.features)).collect();
    let offsets = rule_offsets(rows, settings.rules_as_offset);
    let mut w = vec![0f32; BUCKETS];
    let mut g2 = vec![1e-3f32; BUCKETS];
    let spam = rows.iter().filter(|r| r.spam).count().max(1) as f32;
    let ham = (rows.len() as f32 - spam).max(1.0);
    let mut bias = (spam / ham).ln();
    let mut bias_g2 = 1e-3f32;
    let mut order: Vec<usize> = (0..rows.len()).collect();
    let mut state = settings.seed;
    for _ in 0..settings.epochs {
        // Fisher–Yates with a fixed xorshift generator.
        for i in (1..order.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            order.swap(i, (state % (i as u64 + 1)) as usize);
        }
        for &i in &order {
            let f = &feats[i];
            let x = feature_value(settings.features, f.len());
            let z = bias + offsets[i] + f.iter().map(|&b| w[b as usize]).sum::<f32>() * x;
            let p = 1.0 / (1.0 + (-z).exp());
            let (y, weight) = if rows[i].spam { (1.0, settings.spam_weight) } else { (0.0, 1.0) };
            let g = (p - y) * weight;
            for &b in f {
                let b = b as usize;
                let gb = g * x + settings.l2 * w[b];
                g2[b] += gb * gb;
                w[b] -= settings.learning_rate * gb / g2[b].sqrt();
            }
            bias_g2 += g * g;
            bias -= settings.learning_rate * g / bias_g2.sqrt();
        }
    }
    LinearModel { bias, features: settings.features, weights: w }
}

/// Precision, recall and F1 of the spam class.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Score {
    pub precision: f64,
    pub recall: f64,
    pub f1: f64,
}

impl Score {
    pub fn of(tp: usize, fp: usize, fneg: usize) -> Score {
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fneg);
        let f1 = if precision + recall > 0.0 { 2.0 * precision * recall / (precision + recall) } else { 0.0 };
        Score { precision, recall, f1 }
    }
}

/// The full verdict score (model and rules, no context) of each row.
pub fn scores(model: &LinearModel, rows: &[Labelled]) -> Vec<f32> {
    let settings = AdSettings::default();
    rows.par_iter().map(|r| classify_with(model, &normalize(&r.text), AdContext::default(), &settings).score).collect()
}

/// The score of thresholding at `t`.
pub fn score_at(scores: &[f32], rows: &[Labelled], t: f32) -> Score {
    let (mut tp, mut fp, mut fneg) = (0, 0, 0);
    for (s, r) in scores.iter().zip(rows) {
        match (r.spam, *s > t) {
            (true, true) => tp += 1,
            (false, true) => fp += 1,
            (true, false) => fneg += 1,
            _ => {}
        }
    }
    Score::of(tp, fp, fneg)
}

/// The threshold on the full verdict score that maximises spam F1 on `dev`
/// (midway between the two scores it separates), with that F1.
pub fn calibrate(model: &LinearModel, dev: &[Labelled]) -> (f32, Score) {
    let s = scores(model, dev);
    let mut sorted: Vec<f32> = s.clone();
    sorted.sort_by(f32::total_cmp);
    sorted.dedup();
    let mut best = (0.0f32, score_at(&s, dev, 0.0));
    for pair in sorted.windows(2) {
        let t = (pair[0] + pair[1]) / 2.0;
        let sc = score_at(&s, dev, t);
        if sc.f1 > best.1.f1 {
            best = (t, sc);
        }
    }
    best
}

/// Training as `shequn train ads` does it: fit on the training rows outside the dev tenth,
/// choose the threshold on the dev tenth, then fit again on all training rows and fold the
/// threshold into the bias. Returns the model, the threshold and the dev score at it.
pub fn train_calibrated(rows: &[Labelled], settings: &TrainSettings) -> (LinearModel, f32, Score) {
    let (dev, fit): (Vec<Labelled>, Vec<Labelled>) = rows.iter().cloned().partition(|r| in_dev_tenth(&r.text));
    let first = train(&fit, settings);
    let (threshold, dev_score) = calibrate(&first, &dev);
    let mut model = train(rows, settings);
    model.bias -= threshold;
    (model, threshold, dev_score)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(text: &str, spam: bool) -> Labelled {
        Labelled { text: text.to_string(), spam }
    }

    #[test]
    fn learns_a_toy_split_and_calibrates() {
        let mut rows = Vec::new();
        for i in 0..40 {
            rows.push(row(&format!("兼职日赚{i}00元 加微信 abc{i}123 详聊"), true));
            rows.push(row(&format!("今晚{i}点一起吃饭吗 好的"), false));
        }
        let settings = TrainSettings { epochs: 3, ..TrainSettings::default() };
        let model = train(&rows, &settings);
        let s = scores(&model, &rows);
        assert_eq!(score_at(&s, &rows, 0.0).f1, 1.0);
        let (_, dev) = calibrate(&model, &rows);
        assert_eq!(dev.f1, 1.0);
    }

    #[test]
    fn score_counts() {
        let s = Score::of(9, 1, 1);
        assert!((s.precision - 0.9).abs() < 1e-9 && (s.f1 - 0.9).abs() < 1e-9);
        assert_eq!(Score::of(0, 0, 0).f1, 0.0);
    }
}
