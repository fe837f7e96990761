//! The signals of a group's first weeks, each one a METHOD definition counted over the
//! observed window, and the numbers the model reads (shares and logarithms, so a group of 10
//! and one of 1,000 are on one scale).

use serde::Serialize;

use crate::{Observation, Who, DAY_MS};

/// The model's inputs, in the order of the weights file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureId {
    /// §1: share of the observed days with a member message.
    ActiveDays,
    /// §6: distinct members who spoke, ln(1 + n).
    Speakers,
    /// §6: growth of activated members: ln((new speakers in the second half + 1) / (speakers in the first half + 1)).
    SpeakerGrowth,
    /// §2/§6: member↔member share of interactions (reply links between two members).
    MemberToMember,
    /// §5/§10: newcomers whose first message was answered within `answer_within`, (a + 1) / (n + 2).
    NewcomersAnswered,
    /// §5: median hours to the first response, ln(1 + h); no response at all counts as `answer_within`.
    ResponseHours,
    /// §2: the operators' share of human messages.
    OperatorShare,
    /// §7: mechanical pushes' share of all messages.
    PushShare,
    /// §8: share of the observed days with a value message.
    ValueDays,
    /// §7: ads' share of all messages.
    AdShare,
    /// §9: emotional or personal expression's share of human messages.
    Emotion,
    /// §10: joins, ln(1 + n).
    Joins,
    /// §10: leaves and kicks, ln(1 + n).
    Leaves,
    /// §5: mean depth of replies (a reply to a reply is 2), ln(1 + d).
    ReplyDepth,
    /// §1: member messages in the second half against the first, ln((b + 1) / (a + 1)).
    Trend,
    /// §1: days from the last member message to the end of the window, as a share of the window.
    Silence,
}

pub const FEATURES: [FeatureId; 16] = [
    FeatureId::ActiveDays,
    FeatureId::Speakers,
    FeatureId::SpeakerGrowth,
    FeatureId::MemberToMember,
    FeatureId::NewcomersAnswered,
    FeatureId::ResponseHours,
    FeatureId::OperatorShare,
    FeatureId::PushShare,
    FeatureId::ValueDays,
    FeatureId::AdShare,
    FeatureId::Emotion,
    FeatureId::Joins,
    FeatureId::Leaves,
    FeatureId::ReplyDepth,
    FeatureId::Trend,
    FeatureId::Silence,
];

impl FeatureId {
    pub fn name(self) -> &'static str {
        match self {
            FeatureId::ActiveDays => "active_days",
            FeatureId::Speakers => "speakers",
            FeatureId::SpeakerGrowth => "speaker_growth",
            FeatureId::MemberToMember => "member_to_member",
            FeatureId::NewcomersAnswered => "newcomers_answered",
            FeatureId::ResponseHours => "response_hours",
            FeatureId::OperatorShare => "operator_share",
            FeatureId::PushShare => "push_share",
            FeatureId::ValueDays => "value_days",
            FeatureId::AdShare => "ad_share",
            FeatureId::Emotion => "emotion",
            FeatureId::Joins => "joins",
            FeatureId::Leaves => "leaves",
            FeatureId::ReplyDepth => "reply_depth",
            FeatureId::Trend => "trend",
            FeatureId::Silence => "silence",
        }
    }

    /// The direction METHOD gives it: +1 when more of it should mean more risk of death, −1
    /// when less. Training keeps a weight only when the data agrees with this direction, so a
    /// quirk of the training archives (a few ads in one dead stream) cannot teach that ads
    /// keep a group alive.
    pub fn expected_sign(self) -> f64 {
        match self {
            FeatureId::ResponseHours
            | FeatureId::OperatorShare
            | FeatureId::PushShare
            | FeatureId::AdShare
            | FeatureId::Leaves
            | FeatureId::Silence => 1.0,
            _ => -1.0,
        }
    }

    pub fn parse(s: &str) -> Option<FeatureId> {
        FEATURES.into_iter().find(|f| f.name() == s)
    }
}

/// The counts behind the features, kept for the words of the reasons.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Observed {
    pub days: u32,
    pub member_days: u32,
    pub speakers: u32,
    pub speakers_first_half: u32,
    pub new_speakers_second_half: u32,
    pub interactions: u32,
    pub member_interactions: u32,
    pub newcomers: u32,
    pub newcomers_answered: u32,
    pub median_response_hours: Option<f64>,
    pub messages: u32,
    pub human_messages: u32,
    pub operator_messages: u32,
    pub push_messages: u32,
    pub value_days: u32,
    pub ad_messages: u32,
    pub emotional_messages: u32,
    pub joins: u32,
    pub leaves: u32,
    pub mean_reply_depth: f64,
    pub member_first_half: u32,
    pub member_second_half: u32,
    pub silent_days: f64,
}

/// The counts and the model's input vector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Features {
    pub observed: Observed,
    pub values: Vec<f64>,
}

fn share(a: u32, b: u32) -> f64 {
    if b == 0 {
        0.0
    } else {
        f64::from(a) / f64::from(b)
    }
}

impl Features {
    /// Counts every signal over the observation.
    pub fn of(o: &Observation) -> Features {
        let days = o.days.max(1);
        let end_ms = o.start_ms + i64::from(days) * DAY_MS;
        let half_ms = o.start_ms + i64::from(days) * DAY_MS / 2;
        let day_of = |ms: i64| (ms - o.start_ms).div_euclid(DAY_MS);
        let msgs = &o.messages;
        let is_human = |i: usize| msgs[i].who != Who::Bot && !msgs[i].push;
        let is_member = |i: usize| is_human(i) && msgs[i].who == Who::Member;

        let mut ob =
            Observed { days, messages: msgs.len() as u32, joins: o.joins, leaves: o.leaves, ..Default::default() };
        let mut member_days = Vec::new();
        let mut value_days = Vec::new();
        let mut first_half = std::collections::HashSet::new();
        let mut all = std::collections::HashSet::new();
        let mut last_member_ms = None;
        let mut depth = vec![0u32; msgs.len()];
        let (mut depth_sum, mut depth_n) = (0u64, 0u64);
        for (i, m) in msgs.iter().enumerate() {
            if m.push {
                ob.push_messages += 1;
            }
            if m.ad {
                ob.ad_messages += 1;
            }
            if m.value {
                value_days.push(day_of(m.time_ms));
            }
            if let Some(p) = m.parent.filter(|&p| (p as usize) < i) {
                depth[i] = depth[p as usize] + 1;
                depth_sum += u64::from(depth[i]);
                depth_n += 1;
                let (a, b) = (&msgs[p as usize], m);
                if is_human(i) && a.sender != b.sender && a.who != Who::Bot {
                    ob.interactions += 1;
                    if a.who == Who::Member && b.who == Who::Member {
                        ob.member_interactions += 1;
                    }
                }
            }
            if !is_human(i) {
                continue;
            }
            ob.human_messages += 1;
            if m.who == Who::Operator {
                ob.operator_messages += 1;
            }
            if m.emotional {
                ob.emotional_messages += 1;
            }
            if is_member(i) {
                member_days.push(day_of(m.time_ms));
                last_member_ms = Some(m.time_ms);
                if m.time_ms < half_ms {
                    ob.member_first_half += 1;
                    first_half.insert(m.sender);
                } else {
                    ob.member_second_half += 1;
                    if !all.contains(&m.sender) {
                        ob.new_speakers_second_half += 1;
                    }
                }
                all.insert(m.sender);
            }
        }
        member_days.dedup();
        value_days.sort_unstable();
        value_days.dedup();
        ob.member_days = member_days.len() as u32;
        ob.value_days = value_days.len() as u32;
        ob.speakers = all.len() as u32;
        ob.speakers_first_half = first_half.len() as u32;
        ob.mean_reply_depth = if depth_n == 0 { 0.0 } else { depth_sum as f64 / depth_n as f64 };
        ob.silent_days = match last_member_ms {
            Some(t) => (end_ms - t).max(0) as f64 / DAY_MS as f64,
            None => f64::from(days),
        };
        let newcomers: Vec<_> = o.bids.iter().filter(|b| b.newcomer).collect();
        ob.newcomers = newcomers.len() as u32;
        ob.newcomers_answered =
            newcomers.iter().filter(|b| b.first_response_ms.is_some_and(|r| r <= o.answer_within_ms)).count() as u32;
        let mut waits: Vec<f64> =
            o.bids.iter().filter_map(|b| b.first_response_ms).map(|r| r as f64 / 3_600_000.0).collect();
        waits.sort_by(|a, b| a.total_cmp(b));
        ob.median_response_hours = (!waits.is_empty()).then(|| {
            let n = waits.len();
            if n % 2 == 1 {
                waits[n / 2]
            } else {
                (waits[n / 2 - 1] + waits[n / 2]) / 2.0
            }
        });
        let values = Features::vector(&ob, o.answer_within_ms);
        Features { observed: ob, values }
    }

    fn vector(ob: &Observed, answer_within_ms: i64) -> Vec<f64> {
        let ln1 = |x: f64| (1.0 + x.max(0.0)).ln();
        let ratio = |b: u32, a: u32| ((f64::from(b) + 1.0) / (f64::from(a) + 1.0)).ln();
        FEATURES
            .iter()
            .map(|f| match f {
                FeatureId::ActiveDays => share(ob.member_days, ob.days),
                FeatureId::Speakers => ln1(f64::from(ob.speakers)),
                FeatureId::SpeakerGrowth => ratio(ob.new_speakers_second_half, ob.speakers_first_half),
                FeatureId::MemberToMember => share(ob.member_interactions, ob.interactions),
                FeatureId::NewcomersAnswered => {
                    (f64::from(ob.newcomers_answered) + 1.0) / (f64::from(ob.newcomers) + 2.0)
                }
                FeatureId::ResponseHours => {
                    ln1(ob.median_response_hours.unwrap_or(answer_within_ms as f64 / 3_600_000.0))
                }
                FeatureId::OperatorShare => share(ob.operator_messages, ob.human_messages),
                FeatureId::PushShare => share(ob.push_messages, ob.messages),
                FeatureId::ValueDays => share(ob.value_days, ob.days),
                FeatureId::AdShare => share(ob.ad_messages, ob.messages),
                FeatureId::Emotion => share(ob.emotional_messages, ob.human_messages),
                FeatureId::Joins => ln1(f64::from(ob.joins)),
                FeatureId::Leaves => ln1(f64::from(ob.leaves)),
                FeatureId::ReplyDepth => ln1(ob.mean_reply_depth),
                FeatureId::Trend => ratio(ob.member_second_half, ob.member_first_half),
                FeatureId::Silence => ob.silent_days / f64::from(ob.days),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{SeenBid, SeenMessage};

    fn msg(day: i64, sender: u32, who: Who) -> SeenMessage {
        SeenMessage {
            time_ms: day * DAY_MS + 3_600_000,
            sender,
            who,
            push: false,
            ad: false,
            value: false,
            emotional: false,
            parent: None,
        }
    }

    #[test]
    fn counts_a_small_window_by_hand() {
        let (a, b, op, bot) = (0, 1, 2, 3);
        let mut m = vec![msg(0, a, Who::Member), msg(0, op, Who::Operator), msg(1, b, Who::Member)];
        m[2].parent = Some(0); // b answers a: one member↔member reply, depth 1
        let mut push = msg(2, bot, Who::Bot);
        push.push = true;
        m.push(push);
        let mut useful = msg(8, a, Who::Member);
        useful.value = true;
        useful.emotional = true;
        m.push(useful);
        let o = Observation {
            start_ms: 0,
            days: 14,
            messages: m,
            bids: vec![
                SeenBid { time_ms: 3_600_000, newcomer: true, first_response_ms: Some(3_600_000) },
                SeenBid { time_ms: DAY_MS, newcomer: true, first_response_ms: None },
            ],
            joins: 2,
            leaves: 1,
            answer_within_ms: 24 * 3_600_000,
        };
        let f = Features::of(&o);
        let ob = &f.observed;
        assert_eq!((ob.member_days, ob.speakers, ob.speakers_first_half, ob.new_speakers_second_half), (3, 2, 2, 0));
        assert_eq!((ob.interactions, ob.member_interactions), (1, 1));
        assert_eq!((ob.newcomers, ob.newcomers_answered, ob.median_response_hours), (2, 1, Some(1.0)));
        // Human messages leave out the bot's push: a, op, b, a.
        assert_eq!((ob.messages, ob.human_messages, ob.operator_messages, ob.push_messages), (5, 4, 1, 1));
        assert_eq!((ob.value_days, ob.emotional_messages, ob.joins, ob.leaves), (1, 1, 2, 1));
        assert_eq!((ob.member_first_half, ob.member_second_half), (2, 1));
        assert!((ob.silent_days - (14.0 - 8.0 - 1.0 / 24.0)).abs() < 1e-9, "{}", ob.silent_days);
        let at = |id: FeatureId| f.values[FEATURES.iter().position(|&g| g == id).unwrap()];
        assert_eq!(at(FeatureId::ActiveDays), 3.0 / 14.0);
        assert_eq!(at(FeatureId::NewcomersAnswered), 2.0 / 4.0);
        assert_eq!(at(FeatureId::OperatorShare), 0.25);
        assert_eq!(at(FeatureId::PushShare), 0.2);
        assert_eq!(at(FeatureId::Trend), (2.0f64 / 3.0).ln());
    }
}
