//! Alerts on live groups (METHOD §5, seed 000: 无回应之地，即是绝境): a newcomer's first
//! message or a question that nobody answered within its wait is raised at once, and marked
//! resolved when someone answers later.
//!
//! Pure: records and the time come in as arguments, alert changes go out. The live service
//! (`shequn-live`) feeds committed records and ticks every second; `shequn live --replay`
//! feeds an export with a simulated clock. Both run the same [`GroupWatch`].
//!
//! Each watch keeps a bounded tail of its group (the bids still waiting or open, with the
//! reply linker's look-back before them) and decides a bid by running the batch reply linker
//! (`shequn_replies::link`) on that tail and the batch response rule on the result, so live
//! alerts and `shequn group`'s unanswered bids agree wherever the tail reaches (see
//! `docs/alerts.md` for where they can differ).

mod activity;
mod alert;
pub mod enforce;
mod pushes;
mod rules;
mod settings;
mod watch;
mod watches;

pub use alert::{Alert, AlertChange, AlertKind, AlertState, GroupRef, Quote, Resolution};
pub use enforce::{Action, EnforceSettings, Enforcement};
pub use rules::{GroupRules, RuleConfig};
pub use settings::{AlertSettings, GroupAlertSettings, RuleSwitches, Waits};
pub use watch::{message_key, GroupWatch, Seed, WatchConfig};
pub use watches::{time_of, Watches};
