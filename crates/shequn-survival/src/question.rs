//! The question, defined (docs/early-warning.md): a group created at `c` (its creation event
//! where the export records one, else its first message or event) and observed only in
//! `[c, c + observe_days)`: is it dead at `c + horizon_days` by METHOD §1's status rule?
//! A group whose data does not reach `c + horizon_days` cannot answer it and is left out,
//! never counted as a survivor.

use serde::Serialize;
use shequn_model::{EventKind, Timeline};

use crate::SurvivalSettings;

pub const DAY_MS: i64 = 86_400_000;

/// When the group began: its creation event, else its first message or event (the same
/// reading as the diagnosis's lifespan).
pub fn created_ms(t: &Timeline) -> Option<i64> {
    if let Some(e) = t.events.iter().find(|e| e.kind == EventKind::Create) {
        return Some(e.time_ms);
    }
    match (t.messages.first().map(|m| m.time_ms), t.events.first().map(|e| e.time_ms)) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The three instants of one group's question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Question {
    pub created_ms: i64,
    /// The end of the observed weeks (exclusive): `c + observe_days`.
    pub observe_end_ms: i64,
    /// When the status is read: `c + horizon_days`.
    pub horizon_ms: i64,
}

impl Question {
    pub fn new(created_ms: i64, observe_days: u32, horizon_days: u32) -> Question {
        Question {
            created_ms,
            observe_end_ms: created_ms + i64::from(observe_days) * DAY_MS,
            horizon_ms: created_ms + i64::from(horizon_days) * DAY_MS,
        }
    }
}

/// Why a group was left out of training or evaluation.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "reason", rename_all = "snake_case")]
pub enum Exclusion {
    /// The data ends before `c + horizon_days`: the answer is unknown (not a survivor).
    DataTooShort { data_end_ms: i64, needed_ms: i64 },
    /// The group's first message is within `start_margin_days` of the start of the data:
    /// it may be older than the data, so its "first weeks" may not be its first.
    MayPredateData { data_start_ms: i64 },
    /// No message or event at all.
    Empty,
}

impl Exclusion {
    /// One line in each language.
    pub fn words(&self) -> (String, String) {
        match self {
            Exclusion::DataTooShort { data_end_ms, needed_ms } => (
                format!(
                    "the data ends {:.0} days before the answer is known",
                    (needed_ms - data_end_ms) as f64 / DAY_MS as f64
                ),
                format!("数据在结果可知之前{:.0}天结束", (needed_ms - data_end_ms) as f64 / DAY_MS as f64),
            ),
            Exclusion::MayPredateData { .. } => (
                "it begins with the data, so it may be older than the data".into(),
                "群与数据同时开始，可能早于数据已存在".into(),
            ),
            Exclusion::Empty => ("no message or event".into(), "没有任何消息或事件".into()),
        }
    }
}

/// Whether the group's data can answer the question: `Err` says why not.
/// `data_start_ms` is the known start of the data (None: the data holds each group from its start).
pub fn decide(
    created: Option<i64>,
    data_start_ms: Option<i64>,
    data_end_ms: i64,
    s: &SurvivalSettings,
) -> Result<Question, Exclusion> {
    let c = created.ok_or(Exclusion::Empty)?;
    if let Some(start) = data_start_ms {
        if c < start + i64::from(s.start_margin_days) * DAY_MS {
            return Err(Exclusion::MayPredateData { data_start_ms: start });
        }
    }
    let q = Question::new(c, s.observe_days, s.horizon_days);
    if data_end_ms < q.horizon_ms {
        return Err(Exclusion::DataTooShort { data_end_ms, needed_ms: q.horizon_ms });
    }
    Ok(q)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shequn_model::TimelineBuilder;

    #[test]
    fn short_data_is_excluded_not_a_survivor() {
        let s = SurvivalSettings::default();
        let c = 1_600_000_000_000;
        // 89 days of data cannot say whether the group is dead at 90.
        let e = decide(Some(c), None, c + 89 * DAY_MS, &s).unwrap_err();
        assert!(matches!(e, Exclusion::DataTooShort { .. }), "{e:?}");
        assert!(decide(Some(c), None, c + 90 * DAY_MS, &s).is_ok());
        // A group that begins with the data may be older than it.
        let e = decide(Some(c), Some(c - DAY_MS), c + 200 * DAY_MS, &s).unwrap_err();
        assert!(matches!(e, Exclusion::MayPredateData { .. }));
        assert!(decide(Some(c), Some(c - 8 * DAY_MS), c + 200 * DAY_MS, &s).is_ok());
        assert_eq!(decide(None, None, c, &s).unwrap_err(), Exclusion::Empty);
    }

    #[test]
    fn creation_event_wins_over_first_message() {
        let mut b = TimelineBuilder::new("g");
        let a = b.member("a");
        b.event(1_000, EventKind::Join, &[a]);
        b.event(5_000, EventKind::Create, &[a]);
        b.message(2_000, a, "hi");
        let t = b.build();
        assert_eq!(created_ms(&t), Some(5_000));
        let mut b = TimelineBuilder::new("g");
        let a = b.member("a");
        b.message(2_000, a, "hi");
        b.event(1_000, EventKind::Join, &[a]);
        assert_eq!(created_ms(&b.build()), Some(1_000));
    }
}
