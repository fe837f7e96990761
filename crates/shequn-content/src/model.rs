//! The learned ad model: a linear model over hashed features, stored as a
//! bias and one i8-quantised weight per bucket (`weights/ads.bin`, 256 KiB),
//! compiled into the binary. `shequn train ads` writes the file.

use std::sync::OnceLock;

use crate::features::{bucket, BUCKETS, HASH_BITS};

const MAGIC: &[u8; 8] = b"SQADLIN1";

/// Weights of a linear model over hashed features.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    pub bias: f32,
    pub weights: Vec<f32>,
}

/// The shipped weights (see `weights/README.md` for their origin).
static SHIPPED: &[u8] = include_bytes!("../weights/ads.bin");

impl LinearModel {
    /// The model compiled into this build.
    pub fn shipped() -> &'static LinearModel {
        static M: OnceLock<LinearModel> = OnceLock::new();
        M.get_or_init(|| LinearModel::from_bytes(SHIPPED).expect("weights/ads.bin is a valid model file"))
    }

    /// The log-odds of spam for a set of distinct buckets.
    pub fn logit(&self, buckets: &[u32]) -> f32 {
        self.bias + buckets.iter().map(|&b| self.weights[b as usize]).sum::<f32>()
    }

    /// A token's weight (for explaining a verdict).
    pub fn weight(&self, token: &str) -> f32 {
        self.weights[bucket(token) as usize]
    }

    /// File layout: magic, u32 hash bits, f32 bias, f32 scale, then one i8 per bucket.
    pub fn to_bytes(&self) -> Vec<u8> {
        let max = self.weights.iter().fold(0f32, |m, w| m.max(w.abs()));
        let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
        let mut out = Vec::with_capacity(20 + self.weights.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&HASH_BITS.to_le_bytes());
        out.extend_from_slice(&self.bias.to_le_bytes());
        out.extend_from_slice(&scale.to_le_bytes());
        out.extend(self.weights.iter().map(|w| (w / scale).round().clamp(-127.0, 127.0) as i8 as u8));
        out
    }

    pub fn from_bytes(b: &[u8]) -> Result<LinearModel, String> {
        if b.len() < 20 || &b[..8] != MAGIC {
            return Err("not a shequn ad model file (bad magic)".into());
        }
        let bits = u32::from_le_bytes(b[8..12].try_into().expect("4 bytes"));
        if bits != HASH_BITS || b.len() != 20 + BUCKETS {
            return Err(format!("model has {bits} hash bits / {} bytes; this build expects {HASH_BITS}", b.len()));
        }
        let bias = f32::from_le_bytes(b[12..16].try_into().expect("4 bytes"));
        let scale = f32::from_le_bytes(b[16..20].try_into().expect("4 bytes"));
        let weights = b[20..].iter().map(|&q| q as i8 as f32 * scale).collect();
        Ok(LinearModel { bias, weights })
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
        let m = LinearModel { bias: -0.5, weights };
        let back = LinearModel::from_bytes(&m.to_bytes()).unwrap();
        assert_eq!(back.bias, -0.5);
        assert!((back.weights[3] - 2.54).abs() < 0.01);
        assert!((back.weights[7] + 1.27).abs() < 0.02);
        assert!(LinearModel::from_bytes(b"garbage").is_err());
    }
}
