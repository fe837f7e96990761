//! Lifecycle stage of a living group (METHOD §2; seed 000: 形成期 → 同化期 → 协同期)
//! and its playbook line, quoted from the seed.

use regex::Regex;
use serde::{Deserialize, Serialize};
use shequn_model::MemberIx;

use crate::facts::{ratio, Facts, WEEK_MS};
use crate::key_people::KeyPeople;
use crate::network::{window_interactions, Network, Structure};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    Formation,
    Assimilation,
    Collaboration,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Formation => "formation",
            Stage::Assimilation => "assimilation",
            Stage::Collaboration => "collaboration",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Stage::Formation => "形成期",
            Stage::Assimilation => "同化期",
            Stage::Collaboration => "协同期",
        }
    }
    /// The seed's advice for the stage (seed 000).
    pub fn playbook(self) -> (&'static str, &'static str) {
        match self {
            Stage::Formation => (
                "形成期，要容易让人搭便车：每天交付“搭便车”的价值内容；有热心群友出来交流，一定要第一时间充分回应（无回应之地，即是绝境）。",
                "Formation: make free-riding easy — deliver useful content daily, and answer every enthusiast at once (\"a place without response is a dead end\").",
            ),
            Stage::Assimilation => (
                "同化期，要能够调动情绪，鼓励成员把人格投射进来：鼓励袒露情绪、分享八卦逸闻；出现掐架时及时管控，防止恶意攻击。",
                "Assimilation: stir emotion and let members project their personality — encourage personal and emotional sharing; moderate fights before they turn hostile.",
            ),
            Stage::Collaboration => (
                "协同期，塑造共同的使命感：给群一个共同使命，组织成员之间的合作与项目。",
                "Collaboration: shape a shared mission — give the group a common goal and joint projects.",
            ),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageSignals {
    /// Operator share of human messages in the last 4 weeks.
    pub operator_share: f64,
    pub member_member_share: f64,
    pub non_operator_key_people: u32,
    /// Emotional share of human messages (None when the content analysis did not run).
    pub emotional_share: Option<f64>,
    pub structure: Structure,
    /// Consecutive weeks up to as-of in which the assimilation signals held.
    pub weeks_held: u32,
    /// Messages with cooperation words (合作, 项目, 活动, 拉…进群, together, project…) in the window.
    pub cooperation_messages: u32,
    /// Value posts in the window by operators, and in all (None without content labels).
    pub value_by_operators: Option<f64>,
    /// Regulars: people who spoke in at least `core_min_weeks` distinct weeks of the window.
    pub core_people: u32,
    /// Their share of the window's human messages.
    pub core_share: f64,
    pub formation_score: f64,
    pub assimilation_score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageVerdict {
    pub stage: Stage,
    pub confidence: f64,
    pub signals: StageSignals,
    pub playbook_zh: String,
    pub playbook_en: String,
}

fn cooperation() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)合作|一起做|一起搞|项目|活动|报名|组队|线下|聚会|对接|拉.{0,6}进群|介绍.{0,6}(认识|给你)|共创|(?-u:\b)let'?s(?-u:\b)|(?-u:\b)together(?-u:\b)|(?-u:\b)project(?-u:\b)|(?-u:\b)meetup(?-u:\b)|(?-u:\b)collaborat|(?-u:\b)hackathon(?-u:\b)|(?-u:\b)sprint(?-u:\b)|(?-u:\b)co-?author")
            .expect("valid regex")
    })
}

pub fn stage(f: &Facts, from_ms: i64, net: &Network, key: &KeyPeople, labels_present: bool) -> StageVerdict {
    let s = f.settings;
    let recent = f.range(f.as_of_ms - 4 * WEEK_MS, f.as_of_ms);
    let human: Vec<usize> = recent.filter(|&i| f.is_human(i)).collect();
    let operator_share = ratio(human.iter().filter(|&&i| f.is_operator(f.t.messages[i].sender)).count(), human.len());
    let emotional_share =
        labels_present.then(|| ratio(human.iter().filter(|&&i| f.labels[i].emotional).count(), human.len()));
    let window: Vec<usize> = f.range(from_ms, f.as_of_ms).filter(|&i| f.is_human(i)).collect();
    let cooperation_messages =
        window.iter().filter(|&&i| !f.labels[i].ad && cooperation().is_match(&f.t.messages[i].text)).count() as u32;
    let value: Vec<usize> = window.iter().copied().filter(|&i| f.labels[i].value.is_some()).collect();
    let value_by_operators = (labels_present && !value.is_empty())
        .then(|| ratio(value.iter().filter(|&&i| f.is_operator(f.t.messages[i].sender)).count(), value.len()));
    let weeks_held = weeks_held(f, from_ms);
    let mesh = net.structure == Structure::Mesh;
    let hub = net.structure == Structure::HubAndSpoke;
    // Interaction signals count only where interactions were recorded (IRC without
    // reply inference has none; "no member↔member talk" would be a false formation signal).
    let measured = net.interactions >= s.network_min_interactions;
    // With no operator known, every interaction is member↔member and the operator's share
    // is 0 by construction: those signals say nothing and do not vote.
    let operators_known = (0..f.t.members.len()).any(|m| f.is_operator(m as shequn_model::MemberIx));
    let mm_measured = measured && operators_known;
    let (core_people, core_share) = stable_core(f, &window);
    let core_measured = !window.is_empty();
    let mut formation = Vec::new();
    if core_measured {
        formation.push(core_share < s.formation_core_share);
    }
    if operators_known {
        formation.push(operator_share >= s.formation_operator_share);
    }
    if mm_measured {
        formation.push(net.member_member_share < s.assimilation_mm_share);
    }
    if net.structure.is_measured() {
        formation.push(hub);
    }
    if let Some(v) = value_by_operators.filter(|_| operators_known) {
        formation.push(v > 0.5);
    }
    let mut assimilation = vec![key.non_operator_count >= s.assimilation_key_people];
    if mm_measured {
        assimilation.push(net.member_member_share >= s.assimilation_mm_share);
    }
    if let Some(e) = emotional_share {
        assimilation.push(e >= s.assimilation_emotion_share);
    }
    if net.structure.is_measured() {
        assimilation.push(mesh);
    }
    let score = |v: &[bool]| ratio(v.iter().filter(|&&b| b).count(), v.len());
    let formation_score = score(&formation);
    let assimilation_score = score(&assimilation);
    let coop_needed =
        (s.collaboration_min_coop as usize).max((s.collaboration_min_coop_share * window.len() as f64).ceil() as usize);
    let joint_work = cooperation_messages as usize >= coop_needed;
    let core = core_people >= s.collaboration_core_people && core_share >= s.collaboration_core_share;
    // A stable core of members that carries the group stands in for the assimilation signals
    // (a working group need not be emotional); the joint work must still show.
    let core_coop_needed = (s.collaboration_min_coop as usize)
        .max((s.collaboration_core_min_coop_share * window.len() as f64).ceil() as usize);
    let collaboration = (assimilation_score >= 0.75 && weeks_held >= s.collaboration_weeks && joint_work)
        || (core && cooperation_messages as usize >= core_coop_needed);
    // Confidence shrinks with the signals that could not be measured (4 per stage).
    let coverage = |v: &[bool]| v.len() as f64 / 4.0;
    let (stage, confidence) = if collaboration {
        let coop = (f64::from(cooperation_messages) / f64::from(s.collaboration_min_coop * 2)).min(1.0);
        // Through a stable core, the evidence is the core and the joint work, not the four
        // assimilation signals.
        let base =
            if core { (core_share + coop) / 2.0 } else { (assimilation_score + coop) / 2.0 * coverage(&assimilation) };
        (Stage::Collaboration, base)
    } else if assimilation_score > formation_score {
        (Stage::Assimilation, assimilation_score * coverage(&assimilation))
    } else {
        (Stage::Formation, formation_score * coverage(&formation))
    };
    let (zh, en) = stage.playbook();
    StageVerdict {
        stage,
        confidence,
        signals: StageSignals {
            operator_share,
            member_member_share: net.member_member_share,
            non_operator_key_people: key.non_operator_count,
            emotional_share,
            structure: net.structure,
            weeks_held,
            cooperation_messages,
            value_by_operators,
            core_people,
            core_share,
            formation_score,
            assimilation_score,
        },
        playbook_zh: zh.to_string(),
        playbook_en: en.to_string(),
    }
}

/// The regulars of the window (human members, not operators, who spoke in at least
/// `core_min_weeks` distinct weeks counted back from as-of) and their share of the window's
/// human messages. Operators are left out: a group its operators carry is in formation however
/// regularly they post (METHOD §2).
fn stable_core(f: &Facts, window: &[usize]) -> (u32, f64) {
    let mut weeks: std::collections::HashMap<MemberIx, (std::collections::HashSet<i64>, usize)> = Default::default();
    for &i in window {
        let m = &f.t.messages[i];
        if f.is_operator(m.sender) {
            continue;
        }
        let e = weeks.entry(m.sender).or_default();
        e.0.insert((f.as_of_ms - m.time_ms) / WEEK_MS);
        e.1 += 1;
    }
    let min = f.settings.core_min_weeks as usize;
    let regulars = weeks.values().filter(|(w, _)| w.len() >= min);
    let (people, messages) = regulars.fold((0u32, 0usize), |(p, n), (_, c)| (p + 1, n + c));
    (people, ratio(messages, window.len()))
}

/// Consecutive weeks, counting back from as-of, where member↔member interactions were
/// ≥ `assimilation_mm_share` and ≥ `assimilation_key_people` non-operators took part in them.
fn weeks_held(f: &Facts, from_ms: i64) -> u32 {
    let s = f.settings;
    let xs: Vec<_> = window_interactions(f, from_ms.min(f.as_of_ms - 26 * WEEK_MS)).collect();
    let mut held = 0;
    for w in 0..26 {
        let hi = f.as_of_ms - w * WEEK_MS;
        let lo = hi - WEEK_MS;
        let week: Vec<_> = xs.iter().filter(|x| x.time_ms > lo && x.time_ms <= hi).collect();
        let mm = week.iter().filter(|x| f.is_mm(x)).count();
        let mut people: Vec<MemberIx> = week.iter().filter(|x| f.is_mm(x)).flat_map(|x| [x.from, x.to]).collect();
        people.sort_unstable();
        people.dedup();
        if !week.is_empty()
            && ratio(mm, week.len()) >= s.assimilation_mm_share
            && people.len() as u32 >= s.assimilation_key_people
        {
            held += 1;
        } else {
            break;
        }
    }
    held
}
