//! What is said in a group (METHOD §7–§9): ads and spam, the ad policy,
//! mechanical pushes and their response, value delivered, and emotional
//! expression. Analyses are pure (a `Timeline` in, results with evidence out);
//! `labelled` alone reads files (the labelled spam sets, for training and
//! evaluation), and `training` fits the model from them.

pub mod ads;
mod clock;
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
