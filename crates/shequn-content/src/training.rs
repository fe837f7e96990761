//! Training the ad model: logistic regression over hashed features, fitted by
//! AdaGrad stochastic gradient descent in a fixed (seeded) order, so the same
//! data always gives the same weights.

use rayon::prelude::*;

use crate::features::{buckets, tokens, BUCKETS};
use crate::labelled::Labelled;
use crate::model::LinearModel;
use crate::normalize::normalize;

/// Training settings.
#[derive(Debug, Clone)]
pub struct TrainSettings {
    pub epochs: usize,
    pub learning_rate: f32,
    /// L2 penalty per update.
    pub l2: f32,
    pub seed: u64,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings { epochs: 4, learning_rate: 0.3, l2: 1e-6, seed: 0x5eed }
    }
}

/// The hashed features of each text (in parallel: segmentation dominates).
pub fn featurize(rows: &[Labelled]) -> Vec<Vec<u32>> {
    rows.par_iter().map(|r| buckets(&tokens(&normalize(&r.text)))).collect()
}

/// Fits the model.
pub fn train(rows: &[Labelled], settings: &TrainSettings) -> LinearModel {
    let feats = featurize(rows);
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
            let z = bias + f.iter().map(|&b| w[b as usize]).sum::<f32>();
            let p = 1.0 / (1.0 + (-z).exp());
            let y = if rows[i].spam { 1.0 } else { 0.0 };
            let g = p - y;
            for &b in f {
                let b = b as usize;
                let gb = g + settings.l2 * w[b];
                g2[b] += gb * gb;
                w[b] -= settings.learning_rate * gb / g2[b].sqrt();
            }
            bias_g2 += g * g;
            bias -= settings.learning_rate * g / bias_g2.sqrt();
        }
    }
    LinearModel { bias, weights: w }
}
