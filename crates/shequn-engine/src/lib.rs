//! The analysis engine: a group's timeline + settings + as-of in, every analysis's results
//! (with their evidence) out. The CLI, the dashboard, the live service and cluster workers
//! all call it alike, so a group gets the same results whichever way it is looked at.
//!
//! Architecture invariant: no I/O. Callers read files and the archive and pass plain data
//! (settings text, timelines, or a loader closure for [`analyse_groups`]).

mod as_of;
mod config;
mod group;
mod portfolio;
pub mod survival;

pub use as_of::AsOf;
pub use config::AnalysisConfig;
pub use group::{analyse, diagnose_timeline, Analysed};
pub use portfolio::{analyse_groups, analyse_timeline, analyse_timelines, series, PortfolioResults};
