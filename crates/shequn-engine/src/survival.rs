//! The early warning (METHOD §12, docs/early-warning.md) wired to the other analyses: a group's
//! first weeks are analysed as they stood at the end of the window (nothing later is seen), the
//! outcome is the diagnosis's own status at `c + horizon_days`, and a young group's warning
//! is computed from the built-in (or given) weights.

use std::sync::OnceLock;

use shequn_diagnosis::{MemberClass, Stage, Status};
use shequn_model::{Coverage, EventKind, Timeline};
use shequn_survival::{
    created_ms, decide, warn, EarlyWarning, Exclusion, Features, Observation, SeenBid, SeenMessage, SurvivalWeights,
    Who, DAY_MS,
};

use crate::group::analyse_core;
use crate::AnalysisConfig;

/// The weights in force: the config's, else the compiled-in file.
pub fn weights(config: &AnalysisConfig) -> &SurvivalWeights {
    static BUILTIN: OnceLock<SurvivalWeights> = OnceLock::new();
    match &config.survival_weights {
        Some(w) => w,
        None => BUILTIN.get_or_init(SurvivalWeights::builtin),
    }
}

/// The signals of `[start_ms, start_ms + days)`, from every analysis run as of the window's end.
pub fn observe(t: &Timeline, config: &AnalysisConfig, start_ms: i64, days: u32) -> Features {
    let end = start_ms + i64::from(days) * DAY_MS - 1;
    let clipped = t.until(end);
    let a = analyse_core(&clipped, config, end);
    let mut settings = config.settings.clone();
    settings.bots.extend(a.responsiveness.bots.iter().map(|b| b.name.clone()));
    let class = shequn_diagnosis::member_classes(&clipped, &a.content.labels, &settings);
    let first = clipped.messages.partition_point(|m| m.time_ms < start_ms);
    let floor = config.settings.min_link_confidence;
    let messages = (first..clipped.messages.len())
        .map(|i| {
            let m = &clipped.messages[i];
            let label = a.content.labels.get(i).copied().unwrap_or_default();
            let parent = match a.links.get(i) {
                Some(l) if l.confidence >= floor => l.parent,
                Some(_) => None,
                None => m.reply_to,
            };
            SeenMessage {
                time_ms: m.time_ms,
                sender: m.sender,
                who: match class[m.sender as usize] {
                    MemberClass::Member => Who::Member,
                    MemberClass::Operator => Who::Operator,
                    MemberClass::Bot => Who::Bot,
                },
                push: label.push,
                ad: label.ad,
                value: label.value.is_some(),
                emotional: label.emotional,
                parent: parent.filter(|&p| (p as usize) >= first && (p as usize) < i).map(|p| p - first as u32),
            }
        })
        .collect();
    let bids = a
        .responsiveness
        .all_bids
        .iter()
        .filter(|b| b.time_ms >= start_ms)
        .map(|b| SeenBid { time_ms: b.time_ms, newcomer: b.newcomer, first_response_ms: b.first_response_ms })
        .collect();
    let in_window = |e: &&shequn_model::Ev| e.time_ms >= start_ms && e.time_ms <= end;
    let people = |e: &shequn_model::Ev| e.subjects.len().max(1) as u32;
    let joins = clipped.events.iter().filter(in_window).filter(|e| e.kind == EventKind::Join).map(people).sum();
    let leaves = clipped
        .events
        .iter()
        .filter(in_window)
        .filter(|e| matches!(e.kind, EventKind::Leave | EventKind::Kick))
        .map(people)
        .sum();
    Features::of(&Observation {
        start_ms,
        days,
        messages,
        bids,
        joins,
        leaves,
        answer_within_ms: config.responsiveness.answer_within_ms,
    })
}

/// A young group's warning as of `as_of`: only while its age is at least the shortest trained
/// window and below `observe_days + young_margin_days` (docs/early-warning.md).
pub fn early_warning(t: &Timeline, config: &AnalysisConfig, as_of: i64) -> Option<EarlyWarning> {
    let s = &config.survival;
    let c = created_ms(t)?;
    // Without a creation event, a group whose first message opens its sources' coverage may be
    // older than the data (a two-year-old group exported for its last month): its "first weeks"
    // are not its first, so it gets no warning. Coverage unrecorded: taken as its start.
    let created_event = t.events.iter().any(|e| e.kind == EventKind::Create);
    let margin = i64::from(s.start_margin_days) * DAY_MS;
    if !created_event && t.group.coverage.is_some_and(|cov| c < cov.first_ms + margin) {
        return None;
    }
    let age_days = (as_of - c) as f64 / DAY_MS as f64;
    if age_days >= f64::from(s.observe_days + s.young_margin_days) {
        return None;
    }
    let model = weights(config).model_for_age(age_days, s.observe_days)?;
    let features = observe(t, config, c, model.observe_days);
    Some(warn(model, &features, shequn_model::rfc3339_utc(c), Stage::Formation.playbook(), s))
}

/// What one group says about the question.
pub struct Case {
    pub group_id: i64,
    pub group: String,
    pub created_ms: Option<i64>,
    pub answer: Result<Answer, Exclusion>,
}

/// A group whose data answers the question.
pub struct Answer {
    pub died: bool,
    /// METHOD §1's temporary group (made to end), judged at the horizon: reported apart.
    pub temporary: bool,
    pub status: Status,
    /// The features of each requested window, in the order asked.
    pub windows: Vec<(u32, Features)>,
}

/// The question for one group: excluded (and why), or its outcome and the features of each
/// window in `observe_days`. `data_end_ms` is where observation ends for it (`--data-end`,
/// else its sources' coverage); `data_start_ms`, when known, where the data begins.
pub fn case(
    t: &Timeline,
    config: &AnalysisConfig,
    observe_days: &[u32],
    data_start_ms: Option<i64>,
    data_end_ms: i64,
) -> Case {
    let created = created_ms(t);
    let mut s = config.survival.clone();
    // The longest window decides what "new" must allow for; the horizon is the same for all.
    s.observe_days = observe_days.iter().copied().max().unwrap_or(s.observe_days);
    let answer = decide(created, data_start_ms, data_end_ms, &s).map(|q| {
        // The diagnosis at the horizon sees the data's end as the end of coverage.
        let mut judged = t.until(q.horizon_ms);
        let first = judged.group.coverage.map_or(q.created_ms, |c| c.first_ms.min(q.created_ms));
        judged.group.coverage = Some(Coverage { first_ms: first, last_ms: data_end_ms });
        let d = analyse_core(&judged, config, q.horizon_ms).diagnosis;
        Answer {
            died: d.status == Status::Dead,
            temporary: d.temporary.temporary,
            status: d.status,
            windows: observe_days.iter().map(|&n| (n, observe(t, config, q.created_ms, n))).collect(),
        }
    });
    Case { group_id: t.group.id, group: t.group.name.clone(), created_ms: created, answer }
}
