//! The ground truth: what was planted in each group, and what METHOD.md's
//! definitions say about the generated data (computed from it, so it is exact).
//! Written as `ground_truth.json`; the schema is documented in `docs/demo.md`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::generated::{GroupData, Item, Tag};
use crate::plan::{Archetype, Stage, Status, DAY_MS};

/// The METHOD.md thresholds the truth is computed with (§1, §7).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TruthSettings {
    /// §1 `alive_days`: member messages on at least this many distinct days of the last 30.
    pub alive_days: usize,
    /// §1 `dead_after`: days without a member message.
    pub dead_after_days: i64,
    /// §1 declining: last 4 weeks below this share of the 4 weeks before.
    pub declining_ratio: f64,
    /// §1 temporary: this share of human messages …
    pub temporary_share: f64,
    /// … within one span of at most this many days.
    pub temporary_span_days: i64,
    /// §7 broadcast-only: pushes at least this share of messages …
    pub broadcast_push_share: f64,
    /// … and fewer than this share of pushes answered …
    pub broadcast_response_rate: f64,
    /// … by a human within this many hours.
    pub push_response_hours: i64,
    /// §5 `answer_within`.
    pub answer_within_hours: i64,
}

impl Default for TruthSettings {
    fn default() -> Self {
        TruthSettings {
            alive_days: 4,
            dead_after_days: 30,
            declining_ratio: 0.5,
            temporary_share: 0.8,
            temporary_span_days: 14,
            broadcast_push_share: 0.5,
            broadcast_response_rate: 0.05,
            push_response_hours: 2,
            answer_within_hours: 24,
        }
    }
}

/// An ad policy (METHOD §7, seed 004).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AdPolicy {
    /// Ads only inside a weekly window, in the group's local time (资源快闪).
    WeeklyWindow { weekday: String, start: String, end: String },
    /// Ads only after the poster sent a red packet of at least `min_yuan` within `within_minutes` before.
    RedPacketFirst { min_yuan: f64, within_minutes: u32 },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    pub sender: String,
    /// RFC 3339 in the group's offset.
    pub time: String,
    /// `weekly_window` or `red_packet_before_ad`.
    pub rule: String,
    /// The message id as written in the export (JSON Lines `id`, Telegram `id`).
    pub message_id: String,
}

/// Facts the generator planted that the items alone do not name.
#[derive(Debug, Clone, Default)]
pub struct Planted {
    pub key_people: Vec<String>,
    pub pushers: Vec<String>,
    pub push_clock: Option<String>,
    pub ad_posters: Vec<String>,
    /// (template, contact) per ad burst.
    pub ad_campaigns: Vec<(String, String)>,
    /// (burst time, members who left within 48 h).
    pub leave_spikes: Vec<(i64, usize)>,
    pub policy: Option<AdPolicy>,
    pub violation_ids: Vec<(u64, Violation)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyPersonLoss {
    pub name: String,
    /// RFC 3339: their last message.
    pub last_active: String,
    pub silent_days: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaveSpike {
    /// RFC 3339: the ad burst.
    pub ad_burst: String,
    pub leaves_within_48h: usize,
}

/// The evidence behind the status: the counts METHOD §1 looks at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatusEvidence {
    /// Distinct local days with a member message in the last 30 days.
    pub member_days_last_30: usize,
    pub member_messages_last_30: usize,
    /// Human messages in the last 4 weeks and the 4 weeks before.
    pub human_last_4w: usize,
    pub human_prev_4w: usize,
}

/// The truth about one group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupTruth {
    /// As written in the export's `group` field.
    pub id: String,
    pub name: String,
    pub platform: String,
    pub lang: String,
    pub archetype: Archetype,
    pub status: Status,
    pub status_evidence: StatusEvidence,
    /// The stage it was built to be in; null unless alive or declining.
    pub stage: Option<Stage>,
    pub temporary: bool,
    /// The largest share of human messages inside any 14-day span.
    pub peak_14d_share: f64,
    pub broadcast_only: bool,
    pub pushers: Vec<String>,
    /// Local clock time (HH:MM) of the daily push.
    pub push_clock: Option<String>,
    pub push_share: f64,
    pub push_response_rate: Option<f64>,
    /// Planted key people (names); empty where the archetype plants none.
    pub key_people: Vec<String>,
    pub key_people_lost: Vec<KeyPersonLoss>,
    pub ad_posters: Vec<String>,
    pub ad_messages: usize,
    pub policy: Option<AdPolicy>,
    pub violations: Vec<Violation>,
    pub leave_spikes: Vec<LeaveSpike>,
    /// Bids (questions, newcomers' first messages) nobody answered.
    pub unanswered_bids: usize,
    pub unanswered_newcomers: usize,
    pub bids: usize,
    /// Platform records explicit reply links (written in the export).
    pub explicit_replies: bool,
    /// Every member's join is in the export (roster-style), so silent members are known.
    pub roster_known: bool,
    pub members: usize,
    pub speakers: usize,
    pub silent_members: usize,
    pub operators: Vec<String>,
    pub messages: usize,
    pub human_messages: usize,
    pub operator_share: f64,
    pub events: usize,
    pub joins: usize,
    pub leaves: usize,
    pub kicks: usize,
    /// RFC 3339.
    pub created: String,
    pub first_member_message: Option<String>,
    pub last_member_message: Option<String>,
    /// Days from the first to the last member message.
    pub lifespan_days: Option<f64>,
    /// Dead at as-of, with its last member message within 90 days of creation.
    pub died_within_90_days: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdCampaign {
    pub text: String,
    pub contact: String,
    pub groups: Vec<String>,
    pub bursts: usize,
}

/// Portfolio-level facts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PortfolioTruth {
    pub groups: usize,
    pub messages: usize,
    pub events: usize,
    pub by_status: BTreeMap<String, usize>,
    pub by_archetype: BTreeMap<String, usize>,
    pub by_platform: BTreeMap<String, usize>,
    pub temporary: usize,
    pub broadcast_only: usize,
    pub died_within_90_days: usize,
    /// Ad texts posted (near-)identically in several groups.
    pub ad_campaigns: Vec<AdCampaign>,
}

/// `ground_truth.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// Schema version of this file.
    pub version: u32,
    pub seed: u64,
    pub as_of: String,
    pub settings: TruthSettings,
    pub portfolio: PortfolioTruth,
    pub groups: Vec<GroupTruth>,
}

pub const TRUTH_VERSION: u32 = 1;

/// Reads a `ground_truth.json`.
pub fn load_truth(path: &Path) -> Result<GroundTruth, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: cannot read: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        format!("{}: line {} column {}: not a shequn demo ground truth: {e}", path.display(), e.line(), e.column())
    })
}

fn rfc(ms: i64, offset: FixedOffset) -> String {
    DateTime::from_timestamp_millis(ms).expect("valid time").with_timezone(&offset).to_rfc3339()
}

/// Computes a group's truth from its generated data.
pub fn compute(g: &GroupData, s: &TruthSettings) -> GroupTruth {
    let plan = &g.plan;
    let offset = FixedOffset::east_opt(plan.offset_s).expect("valid offset");
    let off_ms = i64::from(plan.offset_s) * 1000;
    let as_of = plan.as_of_ms;
    let is_member = |sender: usize| {
        let m = &g.members[sender];
        !m.bot && !m.role.is_operator()
    };
    let mut member_days = BTreeSet::new();
    let mut member_last30 = 0;
    let (mut last4, mut prev4) = (0, 0);
    let mut human_times = Vec::new();
    let mut first_member = None;
    let mut last_member = None;
    let mut spoke = vec![false; g.members.len()];
    let (mut messages, mut pushes, mut ads, mut op_msgs) = (0, 0, 0, 0);
    let (mut joins, mut leaves, mut kicks) = (0, 0, 0);
    let (mut bids, mut unanswered, mut unanswered_new) = (0, 0, 0);
    let mut push_times = Vec::new();
    let mut last_msg_by: HashMap<usize, i64> = HashMap::new();
    let mut first_msg_by: HashMap<usize, i64> = HashMap::new();
    for item in &g.items {
        match item {
            Item::Message { time_ms, sender, tag, .. } => {
                let (t, who) = (*time_ms, *sender);
                messages += 1;
                spoke[who] = true;
                last_msg_by.insert(who, t);
                let first_of_sender = *first_msg_by.entry(who).or_insert(t) == t;
                let human = !g.members[who].bot;
                if human {
                    human_times.push(t);
                    if g.members[who].role.is_operator() {
                        op_msgs += 1;
                    }
                    if t > as_of - 28 * DAY_MS {
                        last4 += 1;
                    } else if t > as_of - 56 * DAY_MS {
                        prev4 += 1;
                    }
                }
                if is_member(who) {
                    first_member.get_or_insert(t);
                    last_member = Some(t);
                    if t > as_of - s.dead_after_days * DAY_MS {
                        member_last30 += 1;
                        member_days.insert((t + off_ms).div_euclid(DAY_MS));
                    }
                }
                match tag {
                    Tag::Push => {
                        pushes += 1;
                        push_times.push(t);
                    }
                    Tag::Ad => ads += 1,
                    Tag::UnansweredBid | Tag::AnsweredBid => {
                        bids += 1;
                        if *tag == Tag::UnansweredBid {
                            unanswered += 1;
                            if first_of_sender {
                                unanswered_new += 1;
                            }
                        }
                    }
                    _ => {}
                }
            }
            Item::Event { kind, .. } => match kind {
                crate::generated::EventKind::Join => joins += 1,
                crate::generated::EventKind::Leave => leaves += 1,
                crate::generated::EventKind::Kick => kicks += 1,
            },
        }
    }
    let member_days_n = member_days.len();
    let status = if member_last30 == 0 {
        Status::Dead
    } else if member_days_n < s.alive_days {
        Status::Dormant
    } else if prev4 > 0 && (last4 as f64) < s.declining_ratio * prev4 as f64 {
        Status::Declining
    } else {
        Status::Alive
    };
    // Temporary: the largest share of human messages inside one span of ≤ 14 days.
    let span = s.temporary_span_days * DAY_MS;
    let mut best = 0;
    let mut lo = 0;
    for hi in 0..human_times.len() {
        while human_times[hi] - human_times[lo] > span {
            lo += 1;
        }
        best = best.max(hi + 1 - lo);
    }
    let peak = if human_times.is_empty() { 0.0 } else { best as f64 / human_times.len() as f64 };
    // Push response: a human other than the pushers speaks within 2 h of a push.
    let pusher_ix: Vec<usize> =
        g.members.iter().enumerate().filter(|(_, m)| g.planted.pushers.contains(&m.name)).map(|(i, _)| i).collect();
    let answered_pushes = push_times
        .iter()
        .filter(|&&tp| {
            g.items.iter().any(|i| match i {
                Item::Message { time_ms, sender, .. } => {
                    *time_ms > tp
                        && *time_ms <= tp + s.push_response_hours * 3_600_000
                        && !g.members[*sender].bot
                        && !pusher_ix.contains(sender)
                }
                _ => false,
            })
        })
        .count();
    let push_share = if messages == 0 { 0.0 } else { pushes as f64 / messages as f64 };
    let push_rate = (pushes > 0).then(|| answered_pushes as f64 / pushes as f64);
    let broadcast_only =
        push_share >= s.broadcast_push_share && push_rate.is_some_and(|r| r < s.broadcast_response_rate);
    let key_people_lost = g
        .planted
        .key_people
        .iter()
        .filter_map(|name| {
            let ix = g.members.iter().position(|m| &m.name == name)?;
            let last = *last_msg_by.get(&ix)?;
            let silent = (as_of - last) / DAY_MS;
            (silent >= 14).then(|| KeyPersonLoss {
                name: name.clone(),
                last_active: rfc(last, offset),
                silent_days: silent,
            })
        })
        .collect();
    let human = human_times.len();
    let speakers = spoke.iter().filter(|&&x| x).count();
    let lifespan = match (first_member, last_member) {
        (Some(a), Some(b)) => Some(((b - a) as f64 / DAY_MS as f64 * 10.0).round() / 10.0),
        _ => None,
    };
    let died90 = status == Status::Dead && last_member.is_some_and(|l| l - plan.created_ms <= 90 * DAY_MS);
    GroupTruth {
        id: plan.id.clone(),
        name: plan.name.clone(),
        platform: plan.platform.as_str().into(),
        lang: plan.lang.as_str().into(),
        archetype: plan.archetype,
        status,
        status_evidence: StatusEvidence {
            member_days_last_30: member_days_n,
            member_messages_last_30: member_last30,
            human_last_4w: last4,
            human_prev_4w: prev4,
        },
        stage: matches!(status, Status::Alive | Status::Declining).then(|| plan.archetype.intended_stage()).flatten(),
        temporary: peak >= s.temporary_share && human > 0,
        peak_14d_share: (peak * 1000.0).round() / 1000.0,
        broadcast_only,
        pushers: g.planted.pushers.clone(),
        push_clock: g.planted.push_clock.clone(),
        push_share: (push_share * 1000.0).round() / 1000.0,
        push_response_rate: push_rate.map(|r| (r * 1000.0).round() / 1000.0),
        key_people: g.planted.key_people.clone(),
        key_people_lost,
        ad_posters: g.planted.ad_posters.clone(),
        ad_messages: ads,
        policy: g.planted.policy.clone(),
        violations: g.planted.violation_ids.iter().map(|(_, v)| v.clone()).collect(),
        leave_spikes: g
            .planted
            .leave_spikes
            .iter()
            .map(|&(t, n)| LeaveSpike { ad_burst: rfc(t, offset), leaves_within_48h: n })
            .collect(),
        unanswered_bids: unanswered,
        unanswered_newcomers: unanswered_new,
        bids,
        explicit_replies: plan.platform.records_replies(),
        roster_known: plan.platform.knows_roster(),
        members: g.members.len(),
        speakers,
        silent_members: g.members.len() - speakers,
        operators: g.members.iter().filter(|m| m.role.is_operator()).map(|m| m.name.clone()).collect(),
        messages,
        human_messages: human,
        operator_share: if human == 0 { 0.0 } else { (op_msgs as f64 / human as f64 * 1000.0).round() / 1000.0 },
        events: g.items.len() - messages,
        joins,
        leaves,
        kicks,
        created: rfc(plan.created_ms, offset),
        first_member_message: first_member.map(|t| rfc(t, offset)),
        last_member_message: last_member.map(|t| rfc(t, offset)),
        lifespan_days: lifespan,
        died_within_90_days: died90,
    }
}

/// Whether chance left a group with its archetype's defining property.
pub fn fits_archetype(g: &GroupData) -> bool {
    let t = compute(g, &TruthSettings::default());
    let a = g.plan.archetype;
    if t.status != a.intended_status() {
        return false;
    }
    // Keep clear of METHOD §1's boundaries, so a diagnosis that counts days or weeks a
    // little differently still reaches the same status.
    let e = &t.status_evidence;
    let ratio = if e.human_prev_4w == 0 { 1.0 } else { e.human_last_4w as f64 / e.human_prev_4w as f64 };
    let quiet_days = t
        .last_member_message
        .as_deref()
        .and_then(|l| DateTime::parse_from_rfc3339(l).ok())
        .map(|l| (g.plan.as_of_ms - l.timestamp_millis()) / DAY_MS)
        .unwrap_or(i64::MAX);
    let clear = match t.status {
        Status::Alive => e.member_days_last_30 >= 8 && ratio >= 0.6,
        Status::Declining => e.member_days_last_30 >= 6 && ratio <= 0.4,
        Status::Dormant => e.member_days_last_30 <= 2,
        Status::Dead => quiet_days >= 32,
    };
    if !clear {
        return false;
    }
    match a {
        Archetype::Temporary => t.temporary,
        Archetype::BroadcastOnly => t.broadcast_only,
        Archetype::KeyPeople if g.plan.variant => !t.key_people_lost.is_empty(),
        Archetype::AdPolicy => !t.violations.is_empty(),
        Archetype::AdRidden => !t.ad_posters.is_empty(),
        _ => !t.temporary || matches!(a, Archetype::DiedInWeeks),
    }
}

/// Portfolio-level facts from the groups' truths.
pub fn portfolio(groups: &[GroupTruth], campaigns: &[(String, String, String)]) -> PortfolioTruth {
    let mut by_status = BTreeMap::new();
    let mut by_archetype = BTreeMap::new();
    let mut by_platform = BTreeMap::new();
    for g in groups {
        *by_status.entry(g.status.as_str().to_string()).or_insert(0) += 1;
        *by_archetype.entry(g.archetype.as_str().to_string()).or_insert(0) += 1;
        *by_platform.entry(g.platform.clone()).or_insert(0) += 1;
    }
    let mut ad: BTreeMap<(String, String), (BTreeSet<String>, usize)> = BTreeMap::new();
    for (group, text, contact) in campaigns {
        let e = ad.entry((text.clone(), contact.clone())).or_default();
        e.0.insert(group.clone());
        e.1 += 1;
    }
    PortfolioTruth {
        groups: groups.len(),
        messages: groups.iter().map(|g| g.messages).sum(),
        events: groups.iter().map(|g| g.events).sum(),
        by_status,
        by_archetype,
        by_platform,
        temporary: groups.iter().filter(|g| g.temporary).count(),
        broadcast_only: groups.iter().filter(|g| g.broadcast_only).count(),
        died_within_90_days: groups.iter().filter(|g| g.died_within_90_days).count(),
        ad_campaigns: ad
            .into_iter()
            .map(|((text, contact), (groups, bursts))| AdCampaign {
                text: text.replace("{c}", &contact),
                contact,
                groups: groups.into_iter().collect(),
                bursts,
            })
            .collect(),
    }
}
