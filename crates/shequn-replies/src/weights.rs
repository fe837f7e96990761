//! The learned scorer's weights: one number per feature of [`crate::features::NAMES`].

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::features::NAMES;

/// The weights file as stored (`weights.json`): names, not positions, so
/// adding a feature does not silently shift the others.
#[derive(Serialize, Deserialize, Clone, Debug)]
pub struct WeightsFile {
    /// Where the weights came from (command, data, date).
    pub note: String,
    pub weights: BTreeMap<String, f32>,
}

/// Dense weights, indexed like `NAMES`.
#[derive(Clone, Debug)]
pub struct Weights {
    pub note: String,
    pub values: Vec<f32>,
}

impl Weights {
    /// The weights committed with this crate (trained by `shequn train replies`).
    pub fn builtin() -> Weights {
        Weights::from_json(include_str!("../weights.json")).expect("the committed weights.json parses")
    }

    /// All zero: every candidate equally likely (used to start training).
    pub fn zero() -> Weights {
        Weights { note: String::new(), values: vec![0.0; NAMES.len()] }
    }

    /// Reads a weights file; features it does not name get weight 0.
    pub fn from_json(text: &str) -> Result<Weights, serde_json::Error> {
        let file: WeightsFile = serde_json::from_str(text)?;
        let values = NAMES.iter().map(|n| file.weights.get(*n).copied().unwrap_or(0.0)).collect();
        Ok(Weights { note: file.note, values })
    }

    pub fn to_json(&self) -> String {
        let weights = NAMES.iter().zip(&self.values).map(|(n, w)| (n.to_string(), (w * 1e4).round() / 1e4)).collect();
        let file = WeightsFile { note: self.note.clone(), weights };
        serde_json::to_string_pretty(&file).expect("weights serialize")
    }

    pub fn score(&self, features: &[u16]) -> f32 {
        features.iter().map(|&f| self.values[f as usize]).sum()
    }
}
