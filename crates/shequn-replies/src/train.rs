//! Training the scorer: a log-linear (multinomial logistic) model over each
//! message's candidate parents, fitted by AdaGrad on annotated timelines.

use shequn_model::{MsgIx, Timeline};

use crate::features::Walker;
use crate::weights::Weights;

/// A timeline with its human annotation: for each message, the messages it
/// answers (itself when it starts a conversation), or None when not annotated.
pub struct Annotated {
    pub timeline: Timeline,
    pub gold: Vec<Option<Vec<MsgIx>>>,
}

#[derive(Clone, Debug)]
pub struct TrainSettings {
    pub window: usize,
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
}

impl Default for TrainSettings {
    fn default() -> Self {
        TrainSettings { window: 25, epochs: 12, learning_rate: 0.2, l2: 1e-5 }
    }
}

/// One message's candidates: features of each, and which are right.
struct Example {
    /// Offsets into `feats` per candidate, plus the end.
    starts: Vec<u32>,
    feats: Vec<u16>,
    gold: Vec<bool>,
}

/// What training saw, for the note in the weights file.
#[derive(Clone, Debug)]
pub struct TrainReport {
    pub examples: usize,
    /// Annotated messages whose every parent lay outside the window (skipped).
    pub out_of_window: usize,
    pub final_loss: f64,
}

fn examples(data: &[Annotated], window: usize) -> (Vec<Example>, usize) {
    let mut out = Vec::new();
    let mut skipped = 0;
    let mut buf = Vec::new();
    for a in data {
        let mut w = Walker::new(&a.timeline, window);
        for i in 0..a.timeline.messages.len() {
            if let Some(gold) = &a.gold[i] {
                let first = w.first_candidate(i);
                let mask: Vec<bool> = (first..=i).map(|j| gold.contains(&(j as MsgIx))).collect();
                if mask.iter().any(|&g| g) {
                    w.stand_at(i);
                    let mut ex = Example { starts: Vec::new(), feats: Vec::new(), gold: mask };
                    for j in first..=i {
                        ex.starts.push(ex.feats.len() as u32);
                        buf.clear();
                        w.features(j, &mut buf);
                        ex.feats.extend_from_slice(&buf);
                    }
                    ex.starts.push(ex.feats.len() as u32);
                    out.push(ex);
                } else {
                    skipped += 1;
                }
            }
            // Teacher forcing: later messages see the annotated parent (the earliest one).
            let parent = a.gold[i].as_ref().and_then(|g| g.iter().copied().filter(|&p| (p as usize) < i).min());
            w.advance(i as MsgIx, parent);
        }
    }
    (out, skipped)
}

/// Fits weights that make the annotated parents likely among each message's candidates.
pub fn train(data: &[Annotated], settings: &TrainSettings) -> (Weights, TrainReport) {
    let (examples, out_of_window) = examples(data, settings.window);
    let mut w = Weights::zero();
    let n = w.values.len();
    let mut g2 = vec![1e-8f32; n];
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut scores = Vec::new();
    let mut grad = vec![0f32; n];
    let mut final_loss = 0.0;
    for _ in 0..settings.epochs {
        // Fisher–Yates with a fixed-seed xorshift: the same data gives the same weights.
        for k in (1..order.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            order.swap(k, (seed % (k as u64 + 1)) as usize);
        }
        let mut loss = 0.0f64;
        for &e in &order {
            let ex = &examples[e];
            let c = ex.gold.len();
            scores.clear();
            for k in 0..c {
                let f = &ex.feats[ex.starts[k] as usize..ex.starts[k + 1] as usize];
                scores.push(w.score(f));
            }
            let max = scores.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
            let z: f32 = scores.iter().map(|s| (s - max).exp()).sum();
            let zg: f32 = scores.iter().zip(&ex.gold).filter(|(_, g)| **g).map(|(s, _)| (s - max).exp()).sum();
            loss += (z.ln() - zg.ln()) as f64;
            // d(-log P(gold))/dw = E_all[f] - E_gold[f]
            grad.iter_mut().for_each(|g| *g = 0.0);
            for (k, &score) in scores.iter().enumerate() {
                let p = (score - max).exp() / z;
                let q = if ex.gold[k] { (score - max).exp() / zg } else { 0.0 };
                let coef = p - q;
                if coef != 0.0 {
                    for &f in &ex.feats[ex.starts[k] as usize..ex.starts[k + 1] as usize] {
                        grad[f as usize] += coef;
                    }
                }
            }
            for f in 0..n {
                let g = grad[f] + settings.l2 * w.values[f];
                if g != 0.0 {
                    g2[f] += g * g;
                    w.values[f] -= settings.learning_rate * g / g2[f].sqrt();
                }
            }
        }
        final_loss = loss / examples.len().max(1) as f64;
    }
    (w, TrainReport { examples: examples.len(), out_of_window, final_loss })
}
