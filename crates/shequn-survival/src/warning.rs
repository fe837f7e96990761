//! The early warning shown where operators look: the risk, the three signals that weigh
//! most for this group in words (both languages), and the seed's playbook line.

use serde::{Deserialize, Serialize};

use crate::{FeatureId, Features, Observed, SurvivalModel, SurvivalSettings};

/// One signal that pushed this group's risk, in words.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reason {
    pub feature: String,
    /// Its pull on the score (log-odds before calibration; positive raises the risk).
    pub weight: f64,
    pub en: String,
    pub zh: String,
}

/// A young group's chance of being dead by `horizon_days` (METHOD §12).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EarlyWarning {
    pub risk: f64,
    pub observe_days: u32,
    pub horizon_days: u32,
    /// The creation instant the window counts from (RFC 3339 UTC).
    pub created: String,
    pub reasons: Vec<Reason>,
    pub playbook_en: String,
    pub playbook_zh: String,
    /// Risk at or above `high_risk`.
    pub high: bool,
}

/// Seed 002: a group past saving is let go, and the members who want to stay swim to a new one.
const RELEASE: (&str, &str) = (
    "若两周内仍无起色：不要逆势强行拉长生命周期，趁群还有一点活力，筛选愿意留下的成员，让他们游向新群，然后解散（见迁移名单）。",
    "If nothing changes within two weeks: do not force a longer life; while some life remains, let the members who want to stay swim to a new group, then dissolve this one (see the migration list).",
);

fn words(f: FeatureId, o: &Observed) -> (String, String) {
    let pct = |a: u32, b: u32| if b == 0 { 0.0 } else { 100.0 * f64::from(a) / f64::from(b) };
    match f {
        FeatureId::ActiveDays => (
            format!("members spoke on {} of {} days", o.member_days, o.days),
            format!("{}天中只有{}天有成员发言", o.days, o.member_days),
        ),
        FeatureId::Speakers => (format!("{} members spoke", o.speakers), format!("{}位成员发过言", o.speakers)),
        FeatureId::SpeakerGrowth => (
            format!(
                "{} new speakers in the second half, after {} in the first",
                o.new_speakers_second_half, o.speakers_first_half
            ),
            format!("后半段新增{}位发言者（前半段{}位）", o.new_speakers_second_half, o.speakers_first_half),
        ),
        FeatureId::MemberToMember if o.interactions == 0 => {
            ("nobody has replied to anyone yet".into(), "还没有人回复过别人".into())
        }
        FeatureId::MemberToMember => (
            format!("{} of {} replies were between members", o.member_interactions, o.interactions),
            format!("{}次回复中{}次发生在成员之间", o.interactions, o.member_interactions),
        ),
        FeatureId::NewcomersAnswered if o.newcomers == 0 => ("no newcomer has spoken".into(), "还没有新人发言".into()),
        FeatureId::NewcomersAnswered => (
            format!("{} of {} newcomers were answered", o.newcomers_answered, o.newcomers),
            format!("{}位新人中{}位得到回应", o.newcomers, o.newcomers_answered),
        ),
        FeatureId::ResponseHours => match o.median_response_hours {
            Some(h) => (format!("first responses took {h:.1} h (median)"), format!("首次回应中位用时{h:.1}小时")),
            None => ("no question or newcomer got a response".into(), "没有提问或新人得到回应".into()),
        },
        FeatureId::OperatorShare => (
            format!("operators wrote {:.0}% of human messages", pct(o.operator_messages, o.human_messages)),
            format!("群主/管理员发了{:.0}%的消息", pct(o.operator_messages, o.human_messages)),
        ),
        FeatureId::PushShare => (
            format!("{} of {} messages were mechanical pushes", o.push_messages, o.messages),
            format!("{}条消息中{}条是机械推送", o.messages, o.push_messages),
        ),
        FeatureId::ValueDays => (
            format!("value on {} of {} days", o.value_days, o.days),
            format!("{}天中{}天有价值内容", o.days, o.value_days),
        ),
        FeatureId::AdShare => (
            format!("{} of {} messages were ads", o.ad_messages, o.messages),
            format!("{}条消息中{}条是广告", o.messages, o.ad_messages),
        ),
        FeatureId::Emotion => (
            format!("{} of {} messages showed feeling", o.emotional_messages, o.human_messages),
            format!("{}条消息中{}条带情绪表达", o.human_messages, o.emotional_messages),
        ),
        FeatureId::Joins => (format!("{} joined", o.joins), format!("{}人加入", o.joins)),
        FeatureId::Leaves => (format!("{} left", o.leaves), format!("{}人退出", o.leaves)),
        FeatureId::ReplyDepth => (
            format!("replies ran {:.1} deep on average", o.mean_reply_depth),
            format!("回复链平均深度{:.1}", o.mean_reply_depth),
        ),
        FeatureId::Trend => (
            format!(
                "member messages went from {} (first half) to {} (second half)",
                o.member_first_half, o.member_second_half
            ),
            format!("成员消息从前半段{}条变为后半段{}条", o.member_first_half, o.member_second_half),
        ),
        FeatureId::Silence => (
            format!("no member message in the last {:.0} of {} days", o.silent_days, o.days),
            format!("{}天中最后{:.0}天无成员发言", o.days, o.silent_days),
        ),
    }
}

/// The warning for one group's observed features. `formation` is the seed's formation-stage
/// playbook line (zh, en): what a new group needs (free-ride value, answer every enthusiast).
pub fn warn(
    model: &SurvivalModel,
    features: &Features,
    created: String,
    formation: (&str, &str),
    s: &SurvivalSettings,
) -> EarlyWarning {
    let risk = model.risk(&features.values);
    // A signal that barely moves the score (or that never varied in training) explains nothing.
    let mut pulls: Vec<(FeatureId, f64)> =
        model.contributions(&features.values).into_iter().filter(|p| p.1.abs() >= s.reason_min_weight).collect();
    // The signals that push toward death first; when fewer than three do, the strongest others.
    pulls.sort_by(|a, b| b.1.total_cmp(&a.1));
    let mut chosen: Vec<(FeatureId, f64)> = pulls.iter().copied().filter(|p| p.1 > 0.0).take(3).collect();
    if chosen.len() < 3 {
        let mut rest: Vec<(FeatureId, f64)> = pulls.iter().copied().filter(|p| p.1 <= 0.0).collect();
        rest.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        chosen.extend(rest.into_iter().take(3 - chosen.len()));
    }
    let reasons = chosen
        .into_iter()
        .map(|(f, w)| {
            let (en, zh) = words(f, &features.observed);
            Reason { feature: f.name().into(), weight: (w * 1000.0).round() / 1000.0, en, zh }
        })
        .collect();
    let high = risk >= s.high_risk;
    let (mut zh, mut en) = (formation.0.to_string(), formation.1.to_string());
    if high {
        zh = format!("{zh} {}", RELEASE.0);
        en = format!("{en} {}", RELEASE.1);
    }
    EarlyWarning {
        risk: (risk * 1000.0).round() / 1000.0,
        observe_days: model.observe_days,
        horizon_days: model.horizon_days,
        created,
        reasons,
        playbook_en: en,
        playbook_zh: zh,
        high,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::FeatureWeight;
    use crate::{ModelReport, FEATURES};

    /// A model where only newcomers answered (−2), value days (−1) and silence (+1.5) weigh.
    fn model() -> SurvivalModel {
        let weight = |f: FeatureId| match f {
            FeatureId::NewcomersAnswered => -2.0,
            FeatureId::ValueDays => -1.0,
            FeatureId::Silence => 1.5,
            _ => 0.0,
        };
        SurvivalModel {
            observe_days: 14,
            horizon_days: 90,
            intercept: 0.0,
            features: FEATURES
                .iter()
                .map(|&f| FeatureWeight { name: f.name().into(), mean: 0.5, std: 0.25, weight: weight(f) })
                .collect(),
            platt_a: 1.0,
            platt_b: 0.0,
            l2: 1.0,
            training: ModelReport::default(),
        }
    }

    #[test]
    fn reasons_are_the_heaviest_pulls_in_words() {
        let observed = Observed {
            days: 14,
            newcomers: 9,
            newcomers_answered: 2,
            value_days: 1,
            silent_days: 3.0,
            ..Default::default()
        };
        let mut values = vec![0.5; FEATURES.len()];
        let at = |f: FeatureId| FEATURES.iter().position(|&g| g == f).unwrap();
        values[at(FeatureId::NewcomersAnswered)] = 3.0 / 11.0; // (2 + 1) / (9 + 2)
        values[at(FeatureId::ValueDays)] = 1.0 / 14.0;
        values[at(FeatureId::Silence)] = 3.0 / 14.0; // below the mean: pulls risk down
        let w = warn(
            &model(),
            &Features { observed, values },
            "2020-01-01T00:00:00Z".into(),
            ("形成期", "Formation"),
            &SurvivalSettings::default(),
        );
        let names: Vec<&str> = w.reasons.iter().map(|r| r.feature.as_str()).collect();
        // Two signals push toward death (newcomers 2×0.91, value 1×1.71); silence pulls away
        // and fills the third place; the 13 zero-weight features are never named.
        assert_eq!(names, ["newcomers_answered", "value_days", "silence"]);
        assert_eq!(w.reasons[0].en, "2 of 9 newcomers were answered");
        assert_eq!(w.reasons[1].en, "value on 1 of 14 days");
        assert_eq!(w.reasons[1].zh, "14天中1天有价值内容");
        assert!(w.reasons[2].weight < 0.0);
        assert!(w.risk > 0.5 && w.high && w.playbook_en.contains("swim to a new group"));
    }
}
