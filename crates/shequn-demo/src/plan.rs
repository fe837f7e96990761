//! The portfolio plan: which groups exist, of which archetype, on which platform,
//! when they were created and how busy they are. Cheap to build; the messages
//! themselves are generated per group on demand (`simulate`), so a plan of
//! 2,000 groups and 10M messages never sits in memory at once.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::phrases::{self, Lang};

pub const DAY_MS: i64 = 86_400_000;

/// A group lifecycle from METHOD.md, planted with known truth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Archetype {
    /// A mesh group with a shared mission: collaboration stage (协同期).
    Thriving,
    /// Members chat, share feelings, talk to each other: assimilation stage (同化期).
    Assimilating,
    /// The operator does most of the talking, members answer the operator: formation (形成期), hub-and-spoke.
    Forming,
    /// Carried by 4–5 key people (关键人法则); in some, one of them goes silent.
    KeyPeople,
    /// Created, talked for a few weeks, then nothing (死群 within weeks).
    DiedInWeeks,
    /// Lived for months, then stopped.
    DiedAfterMonths,
    /// Alive, but the last 4 weeks hold well under half the messages of the 4 weeks before.
    Declining,
    /// A member speaks on one or two days of the last 30.
    Dormant,
    /// An event, course or flash-sale group: ≥ 80% of its messages within ≤ 14 days.
    Temporary,
    /// A bot or operator pushes at the same clock time daily; nobody answers.
    BroadcastOnly,
    /// Spammers post near-identical ads (also in other groups); members leave after ad bursts.
    AdRidden,
    /// Ads are allowed under a policy (weekly window or red packet first); some break it.
    AdPolicy,
}

impl Archetype {
    /// Share of a portfolio per archetype (sums to 1), roughly seed 000/002's picture:
    /// many groups die or are dying, few thrive.
    pub const MIX: [(Archetype, f64); 12] = [
        (Archetype::Thriving, 0.04),
        (Archetype::Assimilating, 0.09),
        (Archetype::Forming, 0.09),
        (Archetype::KeyPeople, 0.10),
        (Archetype::DiedInWeeks, 0.14),
        (Archetype::DiedAfterMonths, 0.08),
        (Archetype::Declining, 0.08),
        (Archetype::Dormant, 0.07),
        (Archetype::Temporary, 0.08),
        (Archetype::BroadcastOnly, 0.08),
        (Archetype::AdRidden, 0.08),
        (Archetype::AdPolicy, 0.07),
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Archetype::Thriving => "thriving",
            Archetype::Assimilating => "assimilating",
            Archetype::Forming => "forming",
            Archetype::KeyPeople => "key_people",
            Archetype::DiedInWeeks => "died_in_weeks",
            Archetype::DiedAfterMonths => "died_after_months",
            Archetype::Declining => "declining",
            Archetype::Dormant => "dormant",
            Archetype::Temporary => "temporary",
            Archetype::BroadcastOnly => "broadcast_only",
            Archetype::AdRidden => "ad_ridden",
            Archetype::AdPolicy => "ad_policy",
        }
    }

    /// The life status this archetype is built to have at as-of.
    pub fn intended_status(self) -> Status {
        match self {
            Archetype::Thriving
            | Archetype::Assimilating
            | Archetype::Forming
            | Archetype::KeyPeople
            | Archetype::AdRidden
            | Archetype::AdPolicy => Status::Alive,
            Archetype::Declining => Status::Declining,
            Archetype::Dormant => Status::Dormant,
            Archetype::DiedInWeeks | Archetype::DiedAfterMonths | Archetype::Temporary | Archetype::BroadcastOnly => {
                Status::Dead
            }
        }
    }

    /// The lifecycle stage it is built to be in while alive.
    pub fn intended_stage(self) -> Option<Stage> {
        match self {
            Archetype::Thriving => Some(Stage::Collaboration),
            Archetype::Assimilating | Archetype::KeyPeople | Archetype::AdPolicy => Some(Stage::Assimilation),
            Archetype::Forming | Archetype::AdRidden => Some(Stage::Formation),
            Archetype::Declining => Some(Stage::Assimilation),
            _ => None,
        }
    }
}

/// Life status (METHOD §1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Alive,
    Declining,
    Dormant,
    Dead,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Alive => "alive",
            Status::Declining => "declining",
            Status::Dormant => "dormant",
            Status::Dead => "dead",
        }
    }
}

/// Lifecycle stage (METHOD §2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Formation,
    Assimilation,
    Collaboration,
}

/// The platforms the demo mixes, with what each records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DemoPlatform {
    Wechat,
    Qq,
    Wecom,
    Telegram,
    Discord,
    Slack,
    Whatsapp,
}

impl DemoPlatform {
    pub fn as_str(self) -> &'static str {
        match self {
            DemoPlatform::Wechat => "wechat",
            DemoPlatform::Qq => "qq",
            DemoPlatform::Wecom => "wecom",
            DemoPlatform::Telegram => "telegram",
            DemoPlatform::Discord => "discord",
            DemoPlatform::Slack => "slack",
            DemoPlatform::Whatsapp => "whatsapp",
        }
    }
    /// Explicit reply links exist in the export (Telegram reply_to, Discord reference, Slack threads).
    pub fn records_replies(self) -> bool {
        matches!(self, DemoPlatform::Telegram | DemoPlatform::Discord | DemoPlatform::Slack)
    }
    /// Voluntary leaves show up (WeChat does not tell anyone when a member leaves).
    pub fn records_leaves(self) -> bool {
        !matches!(self, DemoPlatform::Wechat)
    }
    /// Every member, silent ones included, is known: the founders' joins are written too
    /// (a roster-style group).
    pub fn knows_roster(self) -> bool {
        matches!(self, DemoPlatform::Wechat | DemoPlatform::Wecom | DemoPlatform::Qq)
    }
    /// Red packets (红包) exist.
    pub fn has_red_packets(self) -> bool {
        matches!(self, DemoPlatform::Wechat | DemoPlatform::Wecom | DemoPlatform::Qq)
    }
    /// The platform flags bots.
    pub fn flags_bots(self) -> bool {
        matches!(self, DemoPlatform::Telegram | DemoPlatform::Discord | DemoPlatform::Slack)
    }
}

/// What to generate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PortfolioSettings {
    pub groups: usize,
    pub seed: u64,
    /// The instant the truth describes; no item is generated after it.
    pub as_of: DateTime<FixedOffset>,
    /// Multiplies every group's message volume (1.0: about 2,300 messages per group on average).
    pub volume: f64,
}

impl Default for PortfolioSettings {
    fn default() -> Self {
        PortfolioSettings {
            groups: 200,
            seed: 42,
            as_of: DateTime::parse_from_rfc3339(DEFAULT_AS_OF).expect("valid default as-of"),
            volume: 1.0,
        }
    }
}

/// The default as-of, fixed so output is reproducible.
pub const DEFAULT_AS_OF: &str = "2025-06-30T23:59:59+08:00";

/// One group to generate.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupPlan {
    pub index: usize,
    /// The group's id in the export (`demo-g007`).
    pub id: String,
    /// File stem for the export (`g007`).
    pub file_stem: String,
    pub name: String,
    pub lang: Lang,
    pub platform: DemoPlatform,
    pub archetype: Archetype,
    /// Index into the theme list of its language.
    pub theme: usize,
    pub seed: u64,
    /// The clock of the group's members (UTC offset, seconds).
    pub offset_s: i32,
    pub created_ms: i64,
    pub as_of_ms: i64,
    /// Messages to aim for (before volume is applied the generator adds variation).
    pub target_messages: u32,
    /// People in the group over its life, silent ones included.
    pub members: u32,
    /// Archetype variant: KeyPeople → one key person goes silent; AdPolicy → red-packet rule instead of a weekly window.
    pub variant: bool,
}

/// A portfolio to generate: the settings and one plan per group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Portfolio {
    pub settings: PortfolioSettings,
    pub groups: Vec<GroupPlan>,
}

/// Splitmix64: derives independent sub-seeds from one seed.
pub fn mix(seed: u64, salt: u64) -> u64 {
    let mut z = seed ^ salt.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Portfolio {
    /// Plans a portfolio: archetypes in the proportions of [`Archetype::MIX`] (at least one of each
    /// when there are ≥ 12 groups), shuffled, with platforms, names and volumes drawn from the seed.
    pub fn plan(settings: &PortfolioSettings) -> Portfolio {
        let mut rng = fastrand::Rng::with_seed(mix(settings.seed, 0xD3E0));
        let n = settings.groups;
        let mut kinds: Vec<Archetype> = Vec::with_capacity(n);
        // Largest-remainder allocation, so proportions hold for any n.
        let mut counts: Vec<(Archetype, usize, f64)> =
            Archetype::MIX.iter().map(|&(a, p)| (a, (p * n as f64).floor() as usize, p * n as f64)).collect();
        if n >= Archetype::MIX.len() {
            for c in counts.iter_mut() {
                c.1 = c.1.max(1);
            }
        }
        let mut total: usize = counts.iter().map(|c| c.1).sum();
        while total < n {
            let best = (0..counts.len())
                .max_by(|&a, &b| {
                    let ra = counts[a].2 - counts[a].1 as f64;
                    let rb = counts[b].2 - counts[b].1 as f64;
                    ra.partial_cmp(&rb).unwrap_or(std::cmp::Ordering::Equal).then(b.cmp(&a))
                })
                .expect("non-empty mix");
            counts[best].1 += 1;
            total += 1;
        }
        while total > n {
            let biggest = (0..counts.len()).max_by_key(|&i| counts[i].1).expect("non-empty mix");
            counts[biggest].1 -= 1;
            total -= 1;
        }
        for (a, c, _) in &counts {
            for _ in 0..*c {
                kinds.push(*a);
            }
        }
        rng.shuffle(&mut kinds);

        let as_of_ms = settings.as_of.timestamp_millis();
        let mut used_names = std::collections::HashSet::new();
        let groups = kinds
            .into_iter()
            .enumerate()
            .map(|(index, archetype)| {
                let seed = mix(settings.seed, index as u64 + 1);
                let mut g = fastrand::Rng::with_seed(seed);
                let lang = if g.f64() < 0.75 { Lang::Zh } else { Lang::En };
                let platform = pick_platform(&mut g, lang, archetype);
                let (theme, mut name) = group_name(&mut g, lang);
                let mut k = 2;
                while !used_names.insert(name.clone()) {
                    name = format!("{name}{k}");
                    k += 1;
                }
                let offset_s = match lang {
                    Lang::Zh => 8 * 3600,
                    Lang::En => *phrases::pick(&mut g, &[0, -5 * 3600, 3600, 8 * 3600]),
                };
                let (age_days, target, members) = shape(&mut g, archetype);
                let target = ((target as f64) * settings.volume).round().max(8.0) as u32;
                GroupPlan {
                    index,
                    id: format!("demo-g{index:03}"),
                    file_stem: format!("g{index:03}"),
                    name,
                    lang,
                    platform,
                    archetype,
                    theme,
                    seed,
                    offset_s,
                    created_ms: as_of_ms - age_days * DAY_MS - g.i64(0..DAY_MS),
                    as_of_ms,
                    target_messages: target,
                    members,
                    variant: g.bool(),
                }
            })
            .collect();
        Portfolio { settings: settings.clone(), groups }
    }
}

fn pick_platform(g: &mut fastrand::Rng, lang: Lang, archetype: Archetype) -> DemoPlatform {
    use DemoPlatform::*;
    match (lang, archetype) {
        // Red-packet policies need red packets; leave spikes need recorded leaves.
        (Lang::Zh, Archetype::AdPolicy) => *phrases::pick(g, &[Wechat, Wechat, Qq, Wecom]),
        (Lang::Zh, Archetype::AdRidden) => *phrases::pick(g, &[Qq, Qq, Wecom, Telegram]),
        (Lang::Zh, _) => *phrases::pick(g, &[Wechat, Wechat, Wechat, Qq, Qq, Wecom, Telegram]),
        (Lang::En, _) => *phrases::pick(g, &[Telegram, Telegram, Discord, Slack, Whatsapp]),
    }
}

fn group_name(g: &mut fastrand::Rng, lang: Lang) -> (usize, String) {
    match lang {
        Lang::Zh => {
            let theme = g.usize(..phrases::ZH_THEMES.len());
            let city = phrases::pick(g, &["", "", "北京", "上海", "深圳", "杭州", "成都", "广州"]);
            let suffix = phrases::pick(g, phrases::ZH_GROUP_SUFFIXES);
            (theme, format!("{city}{}{suffix}", phrases::ZH_THEMES[theme].name))
        }
        Lang::En => {
            let theme = g.usize(..phrases::EN_THEMES.len());
            let suffix = phrases::pick(g, phrases::EN_GROUP_SUFFIXES);
            (theme, format!("{}{suffix}", phrases::EN_THEMES[theme].name))
        }
    }
}

/// Age at as-of (days), messages to aim for, and people in the group, per archetype.
fn shape(g: &mut fastrand::Rng, a: Archetype) -> (i64, u32, u32) {
    match a {
        Archetype::Thriving => (g.i64(300..700), g.u32(7_000..18_000), g.u32(250..500)),
        Archetype::Assimilating => (g.i64(120..500), g.u32(1_800..5_500), g.u32(80..400)),
        Archetype::Forming => (g.i64(40..200), g.u32(500..2_000), g.u32(60..300)),
        Archetype::KeyPeople => (g.i64(150..500), g.u32(1_500..4_500), g.u32(60..250)),
        Archetype::DiedInWeeks => (g.i64(60..520), g.u32(20..300), g.u32(15..120)),
        Archetype::DiedAfterMonths => (g.i64(200..700), g.u32(300..2_200), g.u32(40..250)),
        Archetype::Declining => (g.i64(120..300), g.u32(1_200..3_500), g.u32(50..300)),
        Archetype::Dormant => (g.i64(120..600), g.u32(150..900), g.u32(30..200)),
        Archetype::Temporary => (g.i64(45..400), g.u32(200..2_000), g.u32(50..400)),
        Archetype::BroadcastOnly => (g.i64(90..400), 0, g.u32(80..450)),
        Archetype::AdRidden => (g.i64(150..500), g.u32(800..2_800), g.u32(100..450)),
        Archetype::AdPolicy => (g.i64(150..450), g.u32(1_200..3_500), g.u32(80..300)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mix_sums_to_one_and_every_archetype_appears() {
        let s: f64 = Archetype::MIX.iter().map(|m| m.1).sum();
        assert!((s - 1.0).abs() < 1e-9, "{s}");
        let p = Portfolio::plan(&PortfolioSettings { groups: 20, ..Default::default() });
        assert_eq!(p.groups.len(), 20);
        for (a, _) in Archetype::MIX {
            assert!(p.groups.iter().any(|g| g.archetype == a), "{a:?} missing from 20 groups");
        }
    }

    #[test]
    fn group_names_are_unique() {
        let p = Portfolio::plan(&PortfolioSettings { groups: 500, ..Default::default() });
        let names: std::collections::HashSet<_> = p.groups.iter().map(|g| &g.name).collect();
        assert_eq!(names.len(), 500);
    }
}
