//! What is said in a group (METHOD §7–§9): ads and spam, the ad policy,
//! mechanical pushes and their response, value delivered, and emotional
//! expression. Analyses are pure (a `Timeline` in, results with evidence out);
//! `labelled` alone reads files (the labelled spam sets, for training and evaluation).

pub mod ads;
pub mod features;
pub mod labelled;
pub mod model;
pub mod normalize;
pub mod training;
