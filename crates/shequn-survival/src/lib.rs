//! Early warning (METHOD §12; issue 18): from what a new group did in its first
//! `observe_days`, the calibrated probability that it is dead `horizon_days` after it began,
//! by the same status rule the diagnosis uses (METHOD §1), with the three signals that weigh
//! most for it in words and the seed's playbook line.
//!
//! Architecture invariant: no I/O. The engine fills an [`Observation`] from its analyses
//! (reply links, content labels, responsiveness) and decides each group's outcome with the
//! diagnosis; this crate turns those into features, fits and applies the model, and scores it.
//! The built-in weights are compiled in (`weights/survival.json`, origin in `weights/README.md`).

mod features;
mod logistic;
mod measure;
mod model;
mod observation;
mod question;
mod settings;
mod warning;

pub use features::{FeatureId, Features, Observed, FEATURES};
pub use logistic::{fit_logistic, Fitted};
pub use measure::{auc, brier, calibration, CalibrationBin};
pub use model::{train, ModelReport, SurvivalModel, SurvivalWeights, TrainingExample};
pub use observation::{Observation, SeenBid, SeenMessage, Who};
pub use question::{created_ms, decide, Exclusion, Question, DAY_MS};
pub use settings::SurvivalSettings;
pub use warning::{warn, EarlyWarning, Reason};
