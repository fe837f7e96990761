//! The learned ad model: a linear model over hashed features, stored as a
//! bias, the feature set it reads, and one i8-quantised weight per bucket
//! (`weights/ads.bin`, 256 KiB), compiled into the binary. `shequn train ads`
//! writes the file.

use std::sync::OnceLock;

use crate::features::{FeatureSet, BUCKETS, HASH_BITS};

const MAGIC: &[u8; 8] = b"SQADLIN2";
const HEADER: usize = 24;

/// Weights of a linear model over hashed features.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    /// The intercept; the decision threshold chosen on the dev split is already folded in,
    /// so a log-odds above 0 means spam.
    pub bias: f32,
    pub features: FeatureSet,
    pub weights: Vec<f32>,
}

/// The value of each present feature: 1, or 1/√n when vectors are scaled to unit length.
pub fn feature_value(set: FeatureSet, distinct: usize) -> f32 {
    if set.unit_length && distinct > 0 {
        1.0 / (distinct as f32).sqrt()
    } else {
        1.0
    }
}

/// The shipped weights (see `weights/README.md` for their origin).
static SHIPPED: &[u8] = include_bytes!("../weights/ads.bin");
/// The shipped fast model: same sources and training, no jieba words (`FeatureSet::FAST`).
static SHIPPED_FAST: &[u8] = include_bytes!("../weights/ads-fast.bin");

impl LinearModel {
    /// The model compiled into this build.
    pub fn shipped() -> &'static LinearModel {
        static M: OnceLock<LinearModel> = OnceLock::new();
        M.get_or_init(|| LinearModel::from_bytes(SHIPPED).expect("weights/ads.bin is a valid model file"))
    }

    /// The fast model compiled into this build (the screen of `ads::classify_cascade`).
    pub fn shipped_fast() -> &'static LinearModel {
        static M: OnceLock<LinearModel> = OnceLock::new();
        M.get_or_init(|| LinearModel::from_bytes(SHIPPED_FAST).expect("weights/ads-fast.bin is a valid model file"))
    }

    /// The log-odds of spam for a set of distinct buckets.
    pub fn logit(&self, buckets: &[u32]) -> f32 {
        self.bias + buckets.iter().map(|&b| self.weights[b as usize]).sum::<f32>() * self.feature_value(buckets.len())
    }

    /// The value of each present feature in a text with `distinct` buckets.
    pub fn feature_value(&self, distinct: usize) -> f32 {
        feature_value(self.features, distinct)
    }

    /// File layout: magic, u32 hash bits, u32 feature-set bits, f32 bias, f32 scale, then one i8 per bucket.
    pub fn to_bytes(&self) -> Vec<u8> {
        let max = self.weights.iter().fold(0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        let mut out = Vec::with_capacity(HEADER + self.weights.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&HASH_BITS.to_le_bytes());
        out.extend_from_slice(&self.features.to_bits().to_le_bytes());
        out.extend_from_slice(&self.bias.to_le_bytes());
        out.extend_from_slice(&scale.to_le_bytes());
        out.extend(self.weights.iter().map(|w| (w / scale).round().clamp(-127.0, 127.0) as i8 as u8));
        out
    }

    pub fn from_bytes(b: &[u8]) -> Result<LinearModel, String> {
        if b.len() < HEADER || &b[..8] != MAGIC {
            return Err("not a shequn ad model file of this version (bad magic)".into());
        }
        let word = |i: usize| -> [u8; 4] { b[i..i + 4].try_into().expect("4 bytes") };
        let bits = u32::from_le_bytes(word(8));
        if bits != HASH_BITS || b.len() != HEADER + BUCKETS {
            return Err(format!("model has {bits} hash bits / {} bytes; this build expects {HASH_BITS}", b.len()));
        }
        let features = FeatureSet::from_bits(u32::from_le_bytes(word(12)));
        let bias = f32::from_le_bytes(word(16));
        let scale = f32::from_le_bytes(word(20));
        let weights = b[HEADER..].iter().map(|&q| q as i8 as f32 * scale).collect();
        Ok(LinearModel { bias, features, weights })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_quantisation() {
        let mut weights = vec![0.0; BUCKETS];
        weights[3] = 2.54;
        weights[7] = -1.27;
        let features = FeatureSet {
            words: false,
            words_min_chars: 3,
            trigrams: true,
            number_shapes: false,
            link_kinds: true,
            unit_length: true,
            disguise: true,
            separators: false,
        };
        let m = LinearModel { bias: -0.5, features, weights };
        let back = LinearModel::from_bytes(&m.to_bytes()).unwrap();
        assert_eq!(back.bias, -0.5);
        assert_eq!(back.features, features);
        assert!((back.weights[3] - 2.54).abs() < 0.01);
        assert!((back.weights[7] + 1.27).abs() < 0.02);
        assert!(LinearModel::from_bytes(b"garbage").is_err());
    }

    #[test]
    fn shipped_model_loads() {
        assert_eq!(LinearModel::shipped().weights.len(), BUCKETS);
    }
}
