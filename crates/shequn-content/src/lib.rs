//! What is said in a group (METHOD §7–§9): ads and spam, the ad policy,
//! mechanical pushes and their response, value delivered, and emotional
//! expression. Analyses are pure (a `Timeline` in, results with evidence out);
//! `labelled` alone reads files (the labelled spam sets, for training and
//! evaluation), and `training` fits the model from them.

pub mod ads;
mod clock;
pub mod disguise;
pub mod emotion;
pub mod features;
pub mod labelled;
pub mod model;
pub mod normalize;
pub mod policy;
pub mod push;
pub mod repetition;
pub mod report;
pub mod training;
pub mod value;

pub use ads::{classify, AdContext, AdSettings, AdVerdict};
pub use policy::{AdPolicy, PolicyBook};
pub use repetition::{repetition, Repetition, RepetitionSettings};
pub use report::{analyze_group, ContentReport, ContentSettings};

/// Builds what the analyses load on first use (jieba's dictionary, both ad models, the word
/// automata), so a caller can do it on a spare thread while timelines are still being read:
/// otherwise the first group to need them waits, and in a one-chat report so does the other core.
pub fn warm_up() {
    features::jieba();
    // A text near the bar takes the full path: normalising, both models, jieba words, the word lists.
    let _ = classify("加微信领取优惠券，免费送会员，限时抢购", AdContext::default(), &AdSettings::default());
    emotion::warm_up();
}
