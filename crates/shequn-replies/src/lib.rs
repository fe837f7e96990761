//! Who answers whom (METHOD §5): reply links inferred where the platform
//! recorded none, conversations built from them, and responsiveness: bids,
//! time to first response by another human, unanswered bids.
//!
//! Everything here is pure (a Timeline in, results out) except
//! [`corpus::read_split`], which reads the annotated IRC corpus for evaluation
//! and training.

pub mod bots;
pub mod conversations;
pub mod corpus;
pub mod features;
mod link;
pub mod responsiveness;
mod settings;
pub mod text;
pub mod train;
mod weights;

pub use conversations::{conversations, Conversation};
pub use link::{link, link_to_previous};
pub use responsiveness::{responsiveness, Responsiveness};
pub use settings::{ReplySettings, ResponsivenessSettings};
pub use weights::{Weights, WeightsFile};
