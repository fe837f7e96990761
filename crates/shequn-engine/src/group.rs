//! Every analysis of one group: reply links and content side by side, then the diagnosis and
//! responsiveness on top of them.

use shequn_diagnosis::{diagnose, Diagnosis};
use shequn_model::Timeline;
use shequn_replies::responsiveness::BidStatus;
use shequn_replies::{Responsiveness, Weights};

use crate::AnalysisConfig;

/// What every analysis says about one group: the reply links, the content
/// report (with one label per message), responsiveness, and the diagnosis built on them.
pub struct Analysed {
    pub links: Vec<shequn_model::Link>,
    pub content: shequn_content::ContentReport,
    pub responsiveness: Responsiveness,
    pub diagnosis: Diagnosis,
    /// A young group's chance of being dead by the horizon (METHOD §12); None for older groups
    /// or when no model fits its age.
    pub early_warning: Option<shequn_survival::EarlyWarning>,
}

/// Runs every analysis on one timeline: inferred reply links (explicit ones win),
/// content labels (ads, pushes, value, emotion; the group's ad policy if one is set), the
/// diagnosis, then responsiveness, which can turn the action into "respond".
/// Cross-group repetition is not looked at here.
/// A young group also gets its early warning (see [`crate::survival::early_warning`]).
pub fn analyse(t: &Timeline, config: &AnalysisConfig, as_of: i64) -> Analysed {
    let mut a = analyse_core(t, config, as_of);
    a.early_warning = crate::survival::early_warning(t, config, as_of);
    a
}

/// Every analysis but the early warning (which itself runs this on the group's first weeks).
pub(crate) fn analyse_core(t: &Timeline, config: &AnalysisConfig, as_of: i64) -> Analysed {
    // Every analysis sees the group as it was at as-of (content and links would otherwise
    // quote messages from after it).
    let clipped;
    let t = if t.last_ms().is_some_and(|last| last > as_of) {
        clipped = t.until(as_of);
        &clipped
    } else {
        t
    };
    static WEIGHTS: std::sync::OnceLock<Weights> = std::sync::OnceLock::new();
    let weights = WEIGHTS.get_or_init(Weights::builtin);
    let policy = config.ad_policies.for_group(&t.group.name, &t.group.platform_id, t.group.id);
    // Independent of each other: side by side, one huge chat keeps both cores busy through
    // the parts of each that run on one thread.
    let (links, content) = rayon::join(
        || shequn_replies::link(t, &config.replies, weights),
        || shequn_content::analyze_group(t, &config.content, policy, None, Some(as_of)),
    );
    let r = shequn_replies::responsiveness(t, &links, &config.responsiveness, as_of);
    // Bots the reply analysis found by behaviour (a link-title bot) are bots to the diagnosis
    // too: not key people, not members.
    let with_bots;
    let settings = if r.bots.is_empty() {
        &config.settings
    } else {
        let mut s = config.settings.clone();
        s.bots.extend(r.bots.iter().map(|b| b.name.clone()));
        with_bots = s;
        &with_bots
    };
    let d = diagnose(t, &links, &content.labels, settings, as_of);
    // The action weighs the recent questions and newcomers, not every remark since the
    // group began (a 2009 backlog is no reason to act today).
    let window_days = config.settings.status_window_days;
    let since = as_of - i64::from(window_days) * 86_400_000;
    let recent: Vec<&shequn_replies::responsiveness::Bid> =
        r.all_bids.iter().filter(|b| b.time_ms > since && (b.question || b.newcomer)).collect();
    let mut waits: Vec<i64> = recent.iter().filter_map(|b| b.first_response_ms).collect();
    waits.sort_unstable();
    let summary = shequn_diagnosis::Responsiveness {
        bids: recent.len() as u32,
        unanswered: recent.iter().filter(|b| b.status == BidStatus::Unanswered).count() as u32,
        median_first_response_minutes: waits.get(waits.len() / 2).map(|&ms| ms as f64 / 60_000.0),
        window_days,
    };
    let diagnosis = d.with_responsiveness(t, &links, &content.labels, as_of, summary);
    Analysed { links, content, responsiveness: r, diagnosis, early_warning: None }
}

/// The diagnosis of one timeline with every analysis run (see [`analyse`]).
pub fn diagnose_timeline(t: &Timeline, config: &AnalysisConfig, as_of: i64) -> Diagnosis {
    analyse(t, config, as_of).diagnosis
}
