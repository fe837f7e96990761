//! Member roles (METHOD §3; seed 001: 思想者 / 批判者 / 围观者 / 沉默者 —
//! "一般有 40% 的成员都是围观者", "沉默者…一般会占到群成员的 50% 以上").

use std::collections::BTreeMap;

use regex::Regex;
use serde::{Deserialize, Serialize};
use shequn_model::{EventKind, MemberIx};

use crate::facts::{is_question, ratio, weighted_len, Class, Facts};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Thinker,
    Critic,
    /// Speaks often, but neither starts discussions nor critiques (outside the seed's four).
    Participant,
    Onlooker,
    Silent,
    Operator,
    Bot,
    Advertiser,
}

impl Role {
    pub const ALL: [Role; 8] = [
        Role::Thinker,
        Role::Critic,
        Role::Participant,
        Role::Onlooker,
        Role::Silent,
        Role::Operator,
        Role::Bot,
        Role::Advertiser,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Thinker => "thinker",
            Role::Critic => "critic",
            Role::Participant => "participant",
            Role::Onlooker => "onlooker",
            Role::Silent => "silent",
            Role::Operator => "operator",
            Role::Bot => "bot",
            Role::Advertiser => "advertiser",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Role::Thinker => "思想者",
            Role::Critic => "批判者",
            Role::Participant => "参与者",
            Role::Onlooker => "围观者",
            Role::Silent => "沉默者",
            Role::Operator => "运营",
            Role::Bot => "机器人",
            Role::Advertiser => "广告发布者",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberRole {
    pub member: MemberIx,
    pub name: String,
    pub role: Role,
    pub messages: u32,
    /// Discussions started that drew ≥ `thinker_min_repliers` distinct repliers.
    pub threads_started: u32,
    /// Substantive replies to others' substantive messages; disagreements count twice.
    pub critic_score: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoleMix {
    /// Counts per role (silent only where members are known without speaking).
    pub counts: BTreeMap<String, u32>,
    /// Silent members known by name (roster, join events).
    pub silent_named: u32,
    /// Silent share of known members; None when the source gives no roster,
    /// join events or member count: unknown, not guessed.
    pub silent_share: Option<f64>,
    pub onlooker_share: Option<f64>,
    /// Where the silent count came from: roster, join_events, member_count.
    pub silent_source: Vec<String>,
    /// The seed's expected mix (seed 001), for the report to set beside the counts.
    pub expected: BTreeMap<String, String>,
    pub flags: Vec<String>,
    pub members: Vec<MemberRole>,
}

fn disagreement() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"(?i)但是|不过|不同意|未必|不一定|不对|不认同|其实不|(?-u:\b)i disagree(?-u:\b)|(?-u:\b)but(?-u:\b)|(?-u:\b)however(?-u:\b)|(?-u:\b)not sure(?-u:\b)|(?-u:\b)actually(?-u:\b)|(?-u:\b)i don't think(?-u:\b)")
            .expect("valid regex")
    })
}

pub fn roles(f: &Facts, from_ms: i64) -> RoleMix {
    let s = f.settings;
    let range = f.range(from_ms, f.as_of_ms);
    let n = f.t.members.len();
    let mut msgs = vec![0u32; n];
    let mut ads = vec![0u32; n];
    let mut short = vec![0u32; n];
    let mut critic = vec![0u32; n];
    let mut repliers: BTreeMap<usize, Vec<MemberIx>> = BTreeMap::new();
    let substantive = |i: usize| weighted_len(&f.t.messages[i].text) >= s.substantive_min_chars;
    for i in range.clone() {
        let m = &f.t.messages[i];
        let who = m.sender as usize;
        msgs[who] += 1;
        if f.labels[i].ad {
            ads[who] += 1;
        }
        if !substantive(i) || is_question(&m.text) {
            short[who] += 1;
        }
        if let Some(p) = f.parent[i] {
            let p = p as usize;
            let parent_sender = f.t.messages[p].sender;
            if parent_sender != m.sender && f.is_human(i) {
                let list = repliers.entry(p).or_default();
                if !list.contains(&m.sender) {
                    list.push(m.sender);
                }
                if substantive(i) && substantive(p) {
                    critic[who] += if disagreement().is_match(&m.text) { 2 } else { 1 };
                }
            }
        }
    }
    let mut threads = vec![0u32; n];
    for (&p, list) in &repliers {
        if f.parent[p].is_none() && substantive(p) && list.len() as u32 >= s.thinker_min_repliers && p >= range.start {
            threads[f.t.messages[p].sender as usize] += 1;
        }
    }
    let mut members = Vec::new();
    for ix in 0..n {
        if msgs[ix] == 0 {
            continue;
        }
        let role = match f.class[ix] {
            Class::Bot => Role::Bot,
            Class::Operator => Role::Operator,
            Class::Member if f64::from(ads[ix]) >= s.advertiser_min_ad_share * f64::from(msgs[ix]) => Role::Advertiser,
            Class::Member if threads[ix] > 0 => Role::Thinker,
            Class::Member if critic[ix] >= s.critic_min_score => Role::Critic,
            Class::Member
                if msgs[ix] <= s.onlooker_max_messages
                    || f64::from(short[ix]) >= s.onlooker_short_share * f64::from(msgs[ix]) =>
            {
                Role::Onlooker
            }
            Class::Member => Role::Participant,
        };
        members.push(MemberRole {
            member: ix as MemberIx,
            name: f.t.members[ix].name.clone(),
            role,
            messages: msgs[ix],
            threads_started: threads[ix],
            critic_score: critic[ix],
        });
    }
    // Silent: known members who did not speak in the window.
    let mut known = vec![false; n];
    let mut sources = Vec::new();
    if f.t.members.iter().any(|m| m.on_roster) {
        sources.push("roster".to_string());
        for (ix, m) in f.t.members.iter().enumerate() {
            known[ix] |= m.on_roster;
        }
    }
    let mut left = vec![false; n];
    let mut any_join = false;
    for e in f.t.events.iter().filter(|e| e.time_ms <= f.as_of_ms) {
        for &who in &e.subjects {
            match e.kind {
                EventKind::Join => {
                    any_join = true;
                    known[who as usize] = true;
                    left[who as usize] = false;
                }
                EventKind::Leave | EventKind::Kick => left[who as usize] = true,
                _ => {}
            }
        }
    }
    if any_join {
        sources.push("join_events".to_string());
    }
    let silent_named =
        (0..n).filter(|&ix| known[ix] && !left[ix] && msgs[ix] == 0 && f.class[ix] == Class::Member).count() as u32;
    let speakers_members = members.iter().filter(|m| m.role != Role::Bot && m.role != Role::Operator).count() as u32;
    let mut silent = silent_named;
    if let Some(count) = f.t.group.member_count {
        sources.push("member_count".to_string());
        let operators_bots = members.len() as u32 - speakers_members;
        silent = silent.max(count.saturating_sub(speakers_members + operators_bots));
    }
    let silent_known = !sources.is_empty();
    let mut counts: BTreeMap<String, u32> = Role::ALL.iter().map(|r| (r.as_str().to_string(), 0)).collect();
    for m in &members {
        *counts.entry(m.role.as_str().to_string()).or_default() += 1;
    }
    counts.insert("silent".into(), silent);
    let population = (speakers_members + silent) as usize;
    let onlookers = counts["onlooker"] as usize;
    let silent_share = silent_known.then(|| ratio(silent as usize, population));
    let onlooker_share = silent_known.then(|| ratio(onlookers, population));
    let mut flags = Vec::new();
    if silent_share.is_some_and(|x| x > s.silent_flag_share) {
        flags.push("silent_over_threshold".to_string());
    }
    if counts["thinker"] == 0 && counts["critic"] == 0 && speakers_members > 0 {
        flags.push("no_thinker_no_critic".to_string());
    }
    let expected: BTreeMap<String, String> =
        [("thinker", "1–2"), ("critic", "a few 几个"), ("onlooker", "~40%"), ("silent", ">50%")]
            .into_iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
    RoleMix { counts, silent_named, silent_share, onlooker_share, silent_source: sources, expected, flags, members }
}
