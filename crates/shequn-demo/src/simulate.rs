//! Generates one group's members, messages and events from its plan.
//!
//! Days are walked from creation to as-of; each day gets a number of
//! conversation threads drawn from the archetype's activity curve; a thread is
//! a starter (question, chat, value post, …) and the replies it draws. The
//! archetype decides who speaks (operator vs members, key people), how often
//! questions are answered, and what is added on top (pushes, ads, policy ads).

use std::collections::HashSet;

use fastrand::Rng;

use crate::generated::{EventKind, GroupData, Item, Kind, Member, Role, Tag};
use crate::people;
use crate::phrases::{self, fill, pick, Intent, Lang};
use crate::plan::{mix, Archetype, GroupPlan, DAY_MS};
use crate::truth::{self, AdPolicy, Planted, Violation};

const MIN_MS: i64 = 60_000;

/// Generates a group. The result is a pure function of the plan. When chance made
/// a group miss its archetype (an "alive" group that drew a quiet month), it is
/// generated again from the next sub-seed, so every archetype's property holds.
pub fn generate(plan: &GroupPlan) -> GroupData {
    let mut last = None;
    for attempt in 0..8 {
        let data = Sim::new(plan, attempt).run();
        if truth::fits_archetype(&data) {
            return data;
        }
        last = Some(data);
    }
    last.expect("at least one attempt")
}

struct Sim<'a> {
    plan: &'a GroupPlan,
    rng: Rng,
    lang: Lang,
    topics: &'static [&'static str],
    members: Vec<Member>,
    /// Speaking weight of each member (0: silent, never speaks).
    weight: Vec<f64>,
    joined: Vec<i64>,
    left: Vec<Option<i64>>,
    /// From this time on the member says nothing (a key person gone silent).
    silent_from: Vec<Option<i64>>,
    owner: usize,
    admin: Option<usize>,
    key: Vec<usize>,
    items: Vec<Item>,
    next_id: u64,
    planted: Planted,
    created: i64,
    as_of: i64,
}

struct Style {
    /// Chance a thread is started by the operator.
    op_start: f64,
    /// Chance a reply comes from the operator.
    op_reply: f64,
    /// Chance a question is answered.
    answer: f64,
    /// Chance a newcomer's greeting is answered.
    welcome: f64,
    /// Mean replies to a non-question thread.
    replies: f64,
    /// Share of messages written as emotional/casual (emoji, 哈哈).
    emotional: f64,
    disagree: f64,
    collab: f64,
    /// Share of regular members who never speak.
    silent: f64,
    /// Share of the talk the key people carry.
    key_share: f64,
    key_count: usize,
}

fn style(a: Archetype, rng: &mut Rng) -> Style {
    let base = Style {
        op_start: 0.08,
        op_reply: 0.05,
        answer: 0.8,
        welcome: 0.6,
        replies: 2.5,
        emotional: 0.2,
        disagree: 0.06,
        collab: 0.0,
        silent: 0.65,
        key_share: 0.0,
        key_count: 0,
    };
    match a {
        Archetype::Thriving => Style {
            answer: 0.93,
            welcome: 0.85,
            replies: 3.5,
            emotional: 0.28,
            disagree: 0.1,
            collab: 0.12,
            silent: 0.55,
            key_share: 0.6,
            key_count: 4 + rng.usize(0..2),
            ..base
        },
        Archetype::Assimilating => Style {
            answer: 0.88,
            welcome: 0.75,
            replies: 3.2,
            emotional: 0.35,
            disagree: 0.08,
            silent: 0.6,
            key_share: 0.6,
            key_count: 4 + rng.usize(0..2),
            ..base
        },
        Archetype::Forming => Style {
            op_start: 0.6,
            op_reply: 0.75,
            answer: 0.85,
            welcome: 0.9,
            replies: 1.3,
            emotional: 0.08,
            disagree: 0.02,
            silent: 0.8,
            ..base
        },
        Archetype::KeyPeople => Style {
            answer: 0.85,
            welcome: 0.6,
            replies: 2.8,
            emotional: 0.25,
            silent: 0.75,
            key_share: 0.78,
            key_count: 4 + rng.usize(0..2),
            ..base
        },
        Archetype::Declining => {
            Style { answer: 0.6, welcome: 0.35, key_share: 0.55, key_count: 4 + rng.usize(0..2), ..base }
        }
        Archetype::Dormant | Archetype::DiedAfterMonths => Style { answer: 0.6, welcome: 0.4, ..base },
        Archetype::DiedInWeeks => {
            Style { op_start: 0.35, op_reply: 0.3, answer: 0.5, welcome: 0.4, replies: 1.5, ..base }
        }
        Archetype::Temporary => Style { op_start: 0.3, op_reply: 0.3, answer: 0.75, replies: 2.0, silent: 0.7, ..base },
        Archetype::BroadcastOnly => Style { answer: 0.3, welcome: 0.1, replies: 1.0, silent: 0.9, ..base },
        Archetype::AdRidden => {
            Style { op_start: 0.2, op_reply: 0.2, answer: 0.5, welcome: 0.2, replies: 1.8, silent: 0.8, ..base }
        }
        Archetype::AdPolicy => Style {
            op_reply: 0.1,
            answer: 0.8,
            welcome: 0.6,
            replies: 2.8,
            emotional: 0.25,
            key_share: 0.55,
            key_count: 4 + rng.usize(0..2),
            ..base
        },
    }
}

impl<'a> Sim<'a> {
    fn new(plan: &'a GroupPlan, attempt: u64) -> Sim<'a> {
        let rng = Rng::with_seed(mix(plan.seed, 0xA77E + attempt));
        let topics = match plan.lang {
            Lang::Zh => phrases::ZH_THEMES[plan.theme].topics,
            Lang::En => phrases::EN_THEMES[plan.theme].topics,
        };
        Sim {
            plan,
            rng,
            lang: plan.lang,
            topics,
            members: Vec::new(),
            weight: Vec::new(),
            joined: Vec::new(),
            left: Vec::new(),
            silent_from: Vec::new(),
            owner: 0,
            admin: None,
            key: Vec::new(),
            items: Vec::new(),
            next_id: 0,
            planted: Planted::default(),
            created: plan.created_ms,
            as_of: plan.as_of_ms,
        }
    }

    fn add_member(&mut self, m: Member, weight: f64, joined: i64) -> usize {
        self.members.push(m);
        self.weight.push(weight);
        self.joined.push(joined);
        self.left.push(None);
        self.silent_from.push(None);
        self.members.len() - 1
    }

    fn run(mut self) -> GroupData {
        let a = self.plan.archetype;
        let st = style(a, &mut self.rng);
        self.cast(&st);
        let curve = self.curve();
        let sum: f64 = curve.iter().map(|(_, w)| w).sum();
        let per_thread = 1.0 + st.replies * 0.8;
        let rate = if sum > 0.0 { f64::from(self.plan.target_messages) / (sum * per_thread) } else { 0.0 };
        for &(day, w) in &curve {
            let n = poisson(&mut self.rng, rate * w);
            for _ in 0..n {
                let t = day + diurnal(&mut self.rng);
                self.thread(&st, t);
            }
        }
        self.newcomers(&st);
        match a {
            Archetype::Dormant => self.dormant_tail(),
            Archetype::BroadcastOnly => self.pushes(),
            Archetype::AdRidden => self.ads(),
            Archetype::AdPolicy => self.policy_ads(),
            _ => {}
        }
        self.baseline_leaves();
        self.finish()
    }

    /// Owner, admin, pusher, key people, speakers and silent members.
    fn cast(&mut self, st: &Style) {
        let p = self.plan.platform;
        let op_k = mix(self.plan.seed, 0x0B) % 6;
        self.owner = self.add_member(people::operator(p, self.lang, op_k, Role::Owner), 0.0, self.created);
        if matches!(
            self.plan.archetype,
            Archetype::Forming | Archetype::AdPolicy | Archetype::AdRidden | Archetype::Thriving | Archetype::Temporary
        ) {
            let m = people::operator(p, self.lang, 6 + (op_k + 1) % 6, Role::Admin);
            self.admin = Some(self.add_member(m, 0.0, self.created + MIN_MS));
        }
        let n = self.plan.members.max(8) as usize;
        let mut seen = HashSet::new();
        for m in &self.members {
            seen.insert(m.name.clone());
        }
        let lifetime = (self.as_of - self.created).max(DAY_MS);
        let founders = (n as f64 * (0.4 + 0.3 * self.rng.f64())) as usize;
        let base = mix(self.plan.seed, 0x9E) % people::POOL;
        let speakers = ((n as f64) * (1.0 - st.silent)).round().max(3.0) as usize;
        for i in 0..n {
            let person = (base + (i as u64) * 7_919) % people::POOL;
            let mut m = people::member(p, self.lang, person, Role::Member);
            let mut k = 2;
            let stem = m.name.clone();
            while !seen.insert(m.name.clone()) {
                m.name = format!("{stem}{k}");
                k += 1;
            }
            // Key people and early speakers are founders; later joiners arrive over the group's life,
            // more of them early on.
            let joined = if i < founders.max(st.key_count + 2) {
                self.created + MIN_MS * (2 + i as i64 % 50)
            } else {
                let u = self.rng.f64();
                self.created + (u * u * lifetime as f64) as i64
            };
            let is_key = i < st.key_count;
            let weight = if is_key {
                1.0
            } else if i < speakers {
                1.0 / ((i + 1 - st.key_count) as f64).powf(1.1)
            } else {
                0.0
            };
            let ix = self.add_member(m, weight, joined);
            if is_key {
                self.key.push(ix);
            }
        }
        // Scale key people so together they carry `key_share` of the member talk.
        if !self.key.is_empty() {
            let others: f64 = (0..self.members.len()).filter(|i| !self.key.contains(i)).map(|i| self.weight[i]).sum();
            // Each key person also outtalks the busiest ordinary member (weight 1) clearly.
            let each = (st.key_share / (1.0 - st.key_share) * others / self.key.len() as f64).max(2.0);
            for (j, &k) in self.key.clone().iter().enumerate() {
                // Not all equal: the first carries a bit more.
                self.weight[k] = each * (1.25 - 0.1 * j as f64).max(0.7);
            }
            self.planted.key_people = self.key.iter().map(|&k| self.members[k].name.clone()).collect();
        }
        if self.plan.archetype == Archetype::KeyPeople && self.plan.variant {
            let lost = self.key[0];
            let quiet = self.rng.i64(20..35);
            self.silent_from[lost] = Some(self.as_of - quiet * DAY_MS);
        }
    }

    /// Day starts (local midnight, as UTC ms) and the day's activity weight.
    fn curve(&mut self) -> Vec<(i64, f64)> {
        let off = i64::from(self.plan.offset_s) * 1000;
        let first_day = (self.created + off).div_euclid(DAY_MS) * DAY_MS - off;
        let days = ((self.as_of - first_day) / DAY_MS + 1) as usize;
        let a = self.plan.archetype;
        let age_days = days as f64;
        let r = &mut self.rng;
        let life = match a {
            Archetype::DiedInWeeks => r.f64() * 30.0 + 5.0,
            Archetype::DiedAfterMonths => 90.0 + r.f64() * (age_days - 130.0).clamp(1.0, 300.0),
            Archetype::Dormant => (age_days - 40.0 - r.f64() * 50.0).max(30.0),
            Archetype::Temporary => r.f64() * 8.0 + 4.0,
            Archetype::BroadcastOnly => r.f64() * 14.0 + 6.0,
            _ => age_days,
        };
        let start = match a {
            Archetype::Temporary => r.usize(0..3) as f64,
            _ => 0.0,
        };
        let mut out = Vec::with_capacity(days);
        for d in 0..days {
            let x = d as f64;
            let to_end = age_days - x;
            let ramp = (0.35 + x / 25.0).min(1.0);
            let weekday = ((first_day + off).div_euclid(DAY_MS) + d as i64 + 4).rem_euclid(7); // 0 = Sunday
            let week = if weekday == 0 || weekday == 6 { 1.2 } else { 1.0 };
            let noise = 0.7 + 0.6 * r.f64();
            let w = match a {
                Archetype::DiedInWeeks => {
                    if x < life {
                        (-x / (life / 2.5)).exp()
                    } else {
                        0.0
                    }
                }
                Archetype::DiedAfterMonths | Archetype::Dormant => {
                    if x < life {
                        ramp * (1.0 - 0.6 * x / life)
                    } else {
                        0.0
                    }
                }
                Archetype::Temporary => {
                    if x >= start && x < start + life {
                        1.0
                    } else if x >= start + life && x < start + life + 20.0 && to_end > 35.0 {
                        0.004
                    } else {
                        0.0
                    }
                }
                Archetype::BroadcastOnly => {
                    if x < life {
                        1.0
                    } else {
                        0.0
                    }
                }
                Archetype::Declining => {
                    if to_end <= 28.0 {
                        0.22
                    } else {
                        ramp
                    }
                }
                _ => ramp,
            };
            out.push((first_day + d as i64 * DAY_MS, w * week * noise));
        }
        out
    }

    fn present(&self, m: usize, t: i64) -> bool {
        self.joined[m] <= t && self.left[m].is_none_or(|l| t < l) && self.silent_from[m].is_none_or(|s| t < s)
    }

    /// A member who may speak at `t`, by weight, other than `not`.
    fn speaker(&mut self, t: i64, not: &[usize]) -> Option<usize> {
        let total: f64 = self.weight.iter().sum();
        if total <= 0.0 {
            return None;
        }
        for _ in 0..12 {
            let mut x = self.rng.f64() * total;
            let mut pick = None;
            for (i, w) in self.weight.iter().enumerate() {
                if *w <= 0.0 {
                    continue;
                }
                if x < *w {
                    pick = Some(i);
                    break;
                }
                x -= w;
            }
            if let Some(i) = pick {
                if self.present(i, t) && !not.contains(&i) {
                    return Some(i);
                }
            }
        }
        None
    }

    fn operator_at(&mut self) -> usize {
        match self.admin {
            Some(a) if self.rng.bool() => a,
            _ => self.owner,
        }
    }

    fn text(&mut self, intent: Intent) -> String {
        let topic = *pick(&mut self.rng, self.topics);
        let template = *pick(&mut self.rng, phrases::bank(self.lang, intent));
        fill(template, self.lang, topic, &mut self.rng)
    }

    fn decorate(&mut self, mut text: String, st: &Style) -> String {
        if self.rng.f64() < st.emotional * 0.5 {
            let e = *pick(&mut self.rng, if self.lang == Lang::Zh { phrases::ZH_EMOJI } else { phrases::EN_EMOJI });
            text.push(' ');
            text.push_str(e);
        }
        text
    }

    fn push_msg(
        &mut self,
        time_ms: i64,
        sender: usize,
        text: String,
        kind: Kind,
        reply_to: Option<u64>,
        tag: Tag,
    ) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.items.push(Item::Message { id, time_ms, sender, text, kind, amount_cents: None, reply_to, tag });
        id
    }

    fn set_tag(&mut self, id: u64, tag: Tag) {
        if let Some(Item::Message { tag: t, .. }) = self.items.iter_mut().rev().find(|i| i.id() == id) {
            *t = tag;
        }
    }

    fn event(
        &mut self,
        time_ms: i64,
        kind: EventKind,
        member: usize,
        actor: Option<usize>,
        detail: Option<&'static str>,
    ) {
        let id = self.next_id;
        self.next_id += 1;
        self.items.push(Item::Event { id, time_ms, kind, member, actor, detail });
    }

    /// One conversation: a starter and the replies it draws.
    fn thread(&mut self, st: &Style, t0: i64) {
        if t0 > self.as_of {
            return;
        }
        let by_op = self.rng.f64() < st.op_start;
        let starter = if by_op { Some(self.operator_at()) } else { self.speaker(t0, &[]) };
        let Some(starter) = starter else { return };
        let r = self.rng.f64();
        let intent = if by_op {
            *pick(
                &mut self.rng,
                &[Intent::Resource, Intent::Info, Intent::Event, Intent::Perk, Intent::Greeting, Intent::Question],
            )
        } else if r < 0.24 {
            Intent::Question
        } else if r < 0.24 + st.collab {
            Intent::Collab
        } else if r < 0.44 + st.collab {
            Intent::Chat
        } else if r < 0.44 + st.collab + st.emotional {
            Intent::Emotional
        } else if r < 0.56 + st.collab + st.emotional {
            *pick(&mut self.rng, &[Intent::Resource, Intent::Info, Intent::Event, Intent::Perk])
        } else if r < 0.64 + st.collab + st.emotional {
            Intent::Greeting
        } else {
            Intent::Chat
        };
        let mut kind = Kind::Text;
        let mut text = self.text(intent);
        if intent == Intent::Chat && self.rng.f64() < 0.08 {
            kind = Kind::Image;
            text = if self.lang == Lang::Zh { "[图片]".into() } else { "[image]".into() };
        } else if matches!(intent, Intent::Resource) && text.contains("http") {
            kind = Kind::Link;
        }
        let text = self.decorate(text, st);
        let is_bid = intent == Intent::Question;
        let first = self.push_msg(t0, starter, text, kind, None, if is_bid { Tag::AnsweredBid } else { Tag::Talk });
        let n_replies = if is_bid {
            if self.rng.f64() < st.answer {
                1 + geometric(&mut self.rng, st.replies * 0.6)
            } else {
                0
            }
        } else {
            geometric(&mut self.rng, st.replies)
        };
        if is_bid && n_replies == 0 {
            self.set_tag(first, Tag::UnansweredBid);
            return;
        }
        let mut t = t0;
        let mut prev = (first, starter);
        for k in 0..n_replies {
            t += if k == 0 && is_bid {
                MIN_MS + (self.rng.f64().powi(3) * 120.0 * MIN_MS as f64) as i64
            } else {
                10_000 + (exp(&mut self.rng) * 3.0 * MIN_MS as f64) as i64
            };
            if t > self.as_of {
                break;
            }
            let op = self.rng.f64() < st.op_reply;
            let replier = if op {
                Some(self.operator_at()).filter(|&o| o != prev.1)
            } else if k == 1 && is_bid && self.rng.f64() < 0.5 {
                Some(starter).filter(|&s| s != prev.1)
            } else {
                self.speaker(t, &[prev.1])
            };
            let Some(replier) = replier else { continue };
            let intent = if k == 0 && is_bid {
                Intent::Answer
            } else if replier == starter && is_bid {
                Intent::Thanks
            } else {
                let r = self.rng.f64();
                if r < st.disagree {
                    Intent::Disagree
                } else if r < st.disagree + st.collab {
                    Intent::Collab
                } else if r < st.disagree + st.collab + st.emotional {
                    Intent::Emotional
                } else if r < 0.55 {
                    Intent::Reaction
                } else {
                    Intent::Chat
                }
            };
            let (kind, text) = if intent == Intent::Reaction && self.rng.f64() < 0.15 {
                (Kind::Sticker, if self.lang == Lang::Zh { "[动画表情]".to_string() } else { "[sticker]".to_string() })
            } else {
                let t = self.text(intent);
                (Kind::Text, self.decorate(t, st))
            };
            let to = if self.rng.f64() < 0.3 { first } else { prev.0 };
            let id = self.push_msg(t, replier, text, kind, Some(to), Tag::Talk);
            prev = (id, replier);
        }
    }

    /// Joins after creation; some newcomers greet, and not all are welcomed.
    fn newcomers(&mut self, st: &Style) {
        let roster = self.plan.platform.knows_roster();
        for m in 0..self.members.len() {
            if m == self.owner {
                continue;
            }
            let joined = self.joined[m];
            let founder = joined < self.created + DAY_MS;
            if founder {
                if roster {
                    self.event(joined, EventKind::Join, m, Some(self.owner), Some("invited"));
                }
                continue;
            }
            if joined > self.as_of {
                continue;
            }
            let how = *pick(&mut self.rng, &["invited", "qr_code", "link"]);
            let actor = (how == "invited").then_some(self.owner);
            self.event(joined, EventKind::Join, m, actor, Some(how));
            // A newcomer's first message is a bid; the group answers it, or not.
            if self.members[m].role == Role::Member && self.rng.f64() < 0.25 {
                let t = joined + self.rng.i64(MIN_MS..30 * MIN_MS);
                if t > self.as_of || !self.active_day(t) {
                    continue;
                }
                let text = self.text(Intent::Newcomer);
                let id = self.push_msg(t, m, text, Kind::Text, None, Tag::AnsweredBid);
                if self.weight[m] == 0.0 {
                    self.weight[m] = 0.02; // has spoken once; mostly an onlooker
                }
                if self.rng.f64() < st.welcome {
                    let who = if self.rng.f64() < st.op_reply.max(0.3) {
                        Some(self.operator_at())
                    } else {
                        self.speaker(t, &[m])
                    };
                    if let Some(who) = who {
                        let welcome = match self.lang {
                            Lang::Zh => *pick(
                                &mut self.rng,
                                &["欢迎欢迎👏", "欢迎新朋友！", "欢迎，群公告里有资料", "欢迎入群～"],
                            ),
                            Lang::En => *pick(
                                &mut self.rng,
                                &["welcome!", "welcome aboard 👋", "hi and welcome, check the pinned post"],
                            ),
                        };
                        let tw = t + self.rng.i64(MIN_MS..90 * MIN_MS);
                        if tw <= self.as_of {
                            self.push_msg(tw, who, welcome.to_string(), Kind::Text, Some(id), Tag::Talk);
                            continue;
                        }
                    }
                }
                self.set_tag(id, Tag::UnansweredBid);
            }
        }
    }

    /// Whether the group still talks around `t` (newcomers do not greet a dead room).
    fn active_day(&self, t: i64) -> bool {
        match self.plan.archetype {
            Archetype::DiedInWeeks
            | Archetype::DiedAfterMonths
            | Archetype::Temporary
            | Archetype::BroadcastOnly
            | Archetype::Dormant => self.last_talk().is_some_and(|last| t < last),
            _ => true,
        }
    }

    fn last_talk(&self) -> Option<i64> {
        self.items.iter().filter(|i| matches!(i, Item::Message { .. })).map(Item::time_ms).max()
    }

    /// A dormant group: one or two days in the last 30 with a member speaking.
    fn dormant_tail(&mut self) {
        let days = 1 + self.rng.usize(0..2);
        let mut used = HashSet::new();
        for _ in 0..days {
            let d = loop {
                let d = self.rng.i64(2..26);
                if used.insert(d) {
                    break d;
                }
            };
            let t = self.as_of - d * DAY_MS - self.rng.i64(0..6 * 3_600_000);
            let Some(who) = self.speaker(t, &[]) else { continue };
            let text = match self.lang {
                Lang::Zh => *pick(&mut self.rng, &["还有人吗？", "好久没人说话了", "这个群还在吗"]),
                Lang::En => {
                    *pick(&mut self.rng, &["anyone still here?", "quiet in here", "is this group still active?"])
                }
            };
            let id = self.push_msg(t, who, text.to_string(), Kind::Text, None, Tag::UnansweredBid);
            if self.rng.bool() {
                // The operator answers; a member's day count does not change.
                let op = self.owner;
                let reply = if self.lang == Lang::Zh { "在的在的" } else { "still here!" };
                self.push_msg(t + 20 * MIN_MS, op, reply.into(), Kind::Text, Some(id), Tag::Talk);
                self.set_tag(id, Tag::AnsweredBid);
            }
        }
    }

    /// Daily pushes at the same clock time that nobody answers.
    fn pushes(&mut self) {
        let p = self.plan.platform;
        let k = mix(self.plan.seed, 0x50) % 3;
        let pusher = self.add_member(people::pusher(p, self.lang, k), 0.0, self.created);
        let off = i64::from(self.plan.offset_s) * 1000;
        let clock = *pick(&mut self.rng, &[7 * 60 + 30, 8 * 60, 9 * 60, 12 * 60, 18 * 60]) as i64 * MIN_MS;
        self.planted.push_clock = Some(format!("{:02}:{:02}", clock / 3_600_000, clock % 3_600_000 / MIN_MS));
        self.planted.pushers.push(self.members[pusher].name.clone());
        let first_day = (self.created + off).div_euclid(DAY_MS) + 1;
        let last_day = (self.as_of + off).div_euclid(DAY_MS);
        let templates = if self.lang == Lang::Zh { phrases::ZH_PUSH } else { phrases::EN_PUSH };
        let template = *pick(&mut self.rng, templates);
        let topic = *pick(&mut self.rng, self.topics);
        for day in first_day..=last_day {
            if self.rng.f64() < 0.03 {
                continue;
            }
            let t = day * DAY_MS - off + clock + self.rng.i64(0..90_000);
            if t > self.as_of {
                break;
            }
            let date = chrono::DateTime::from_timestamp_millis(t + off).map(|d| d.date_naive()).unwrap_or_default();
            let date = match self.lang {
                Lang::Zh => format!("{}月{}日", chrono::Datelike::month(&date), chrono::Datelike::day(&date)),
                Lang::En => date.format("%b %d").to_string(),
            };
            let text = fill(&template.replace("{date}", &date), self.lang, topic, &mut self.rng);
            self.push_msg(t, pusher, text, Kind::Link, None, Tag::Push);
        }
        // Members spoke only in the first weeks, never at push time; so nothing answers a push.
        let clock_lo = clock - 30 * MIN_MS;
        let clock_hi = clock + 3 * 60 * MIN_MS;
        self.items.retain(|i| match i {
            Item::Message { time_ms, tag, .. } if *tag != Tag::Push => {
                let c = (time_ms + off).rem_euclid(DAY_MS);
                !(clock_lo..clock_hi).contains(&c)
            }
            _ => true,
        });
    }

    /// Ad bursts by spammers from the portfolio's campaigns, each followed by a leave spike.
    fn ads(&mut self) {
        let p = self.plan.platform;
        // Three of the language's four campaigns: any two ad-ridden groups share one.
        let skip = mix(self.plan.seed, 0x5A) % people::SPAMMERS;
        let mut spammers = Vec::new();
        for s in (0..people::SPAMMERS).filter(|&s| s != skip) {
            let s = people::spammer(p, self.lang, s);
            let mut m = s.member.clone();
            if self.members.iter().any(|x| x.name == m.name) {
                m.name.push('_');
            }
            let ix = self.add_member(m, 0.0, i64::MAX);
            spammers.push((ix, s.template, s.contact));
        }
        let mut t = self.created + self.rng.i64(5..12) * DAY_MS;
        while t < self.as_of - 2 * DAY_MS {
            let (ix, template, contact) = spammers[self.rng.usize(..spammers.len())].clone();
            if self.joined[ix] == i64::MAX || self.left[ix].is_some() {
                let how = *pick(&mut self.rng, &["qr_code", "link"]);
                let tj = t - self.rng.i64(MIN_MS..60 * MIN_MS);
                self.event(tj, EventKind::Join, ix, None, Some(how));
                self.joined[ix] = t - 60 * MIN_MS;
                self.left[ix] = None;
            }
            let posts = 1 + self.rng.usize(0..3);
            let mut tp = t;
            for _ in 0..posts {
                let text = variant(&mut self.rng, &template.replace("{c}", &contact));
                self.push_msg(tp, ix, text, Kind::Text, None, Tag::Ad);
                tp += self.rng.i64(MIN_MS..40 * MIN_MS);
            }
            let name = self.members[ix].name.clone();
            if !self.planted.ad_posters.contains(&name) {
                self.planted.ad_posters.push(name);
            }
            self.planted.ad_campaigns.push((template.to_string(), contact.clone()));
            // Members leave within 48 h of the burst (where the platform records leaves).
            let leaves = 3 + self.rng.usize(0..6);
            let mut n = 0;
            for _ in 0..leaves * 6 {
                if n == leaves {
                    break;
                }
                let m = self.rng.usize(..self.members.len());
                if m == self.owner
                    || Some(m) == self.admin
                    || self.key.contains(&m)
                    || spammers.iter().any(|s| s.0 == m)
                {
                    continue;
                }
                if !self.present(m, tp) {
                    continue;
                }
                let tl = tp + self.rng.i64(10 * MIN_MS..46 * 60 * MIN_MS);
                if tl > self.as_of || self.spoke_after(m, tl) {
                    continue;
                }
                self.left[m] = Some(tl);
                if p.records_leaves() {
                    self.event(tl, EventKind::Leave, m, None, None);
                }
                n += 1;
            }
            if p.records_leaves() && n > 0 {
                self.planted.leave_spikes.push((t, n));
            }
            // The admin removes the spammer now and then.
            if let Some(admin) = self.admin {
                if self.rng.bool() {
                    let tk = tp + self.rng.i64(5 * MIN_MS..120 * MIN_MS);
                    if tk <= self.as_of {
                        self.event(tk, EventKind::Kick, ix, Some(admin), None);
                        self.left[ix] = Some(tk);
                    }
                }
            }
            t += self.rng.i64(4..12) * DAY_MS + self.rng.i64(0..DAY_MS);
        }
    }

    fn spoke_after(&self, m: usize, t: i64) -> bool {
        self.items.iter().any(|i| matches!(i, Item::Message { sender, time_ms, .. } if *sender == m && *time_ms >= t))
    }

    /// Members' ads under the group's policy, some of them breaking it.
    fn policy_ads(&mut self) {
        let red_packet = self.plan.variant && self.plan.platform.has_red_packets();
        let policy = if red_packet {
            AdPolicy::RedPacketFirst { min_yuan: 5.0, within_minutes: 10 }
        } else {
            AdPolicy::WeeklyWindow { weekday: "fri".into(), start: "20:00".into(), end: "22:00".into() }
        };
        self.planted.policy = Some(policy.clone());
        let off = i64::from(self.plan.offset_s) * 1000;
        let sellers: Vec<usize> = (0..self.members.len())
            .filter(|&m| self.weight[m] > 0.0 && !self.key.contains(&m) && self.members[m].role == Role::Member)
            .take(5)
            .collect();
        if sellers.is_empty() {
            return;
        }
        let mut day = (self.created + off).div_euclid(DAY_MS) + 7;
        let last = (self.as_of + off).div_euclid(DAY_MS);
        while day < last {
            let seller = sellers[self.rng.usize(..sellers.len())];
            let comply = self.rng.f64() < 0.65;
            let (t, rule) = match (&policy, comply) {
                (AdPolicy::WeeklyWindow { .. }, true) => {
                    // The Friday of this week, 20:05–21:50.
                    let weekday = (day + 4).rem_euclid(7); // 0 = Sunday
                    let fri = day + (5 - weekday).rem_euclid(7);
                    (fri * DAY_MS - off + 20 * 3_600_000 + self.rng.i64(5 * MIN_MS..110 * MIN_MS), None)
                }
                (AdPolicy::WeeklyWindow { .. }, false) => {
                    // Any time outside Friday 20:00–22:00: a weekday afternoon.
                    let weekday = (day + 4).rem_euclid(7);
                    let d = if weekday == 5 { day + 1 } else { day };
                    (d * DAY_MS - off + self.rng.i64(10 * 60..17 * 60) * MIN_MS, Some("weekly_window"))
                }
                (AdPolicy::RedPacketFirst { .. }, _) => (
                    day * DAY_MS - off + self.rng.i64(9 * 60..22 * 60) * MIN_MS,
                    (!comply).then_some("red_packet_before_ad"),
                ),
            };
            if t > self.as_of || !self.present(seller, t) {
                day += self.rng.i64(3..8);
                continue;
            }
            if let AdPolicy::RedPacketFirst { .. } = policy {
                // Compliant: ≥ 5 yuan within 10 minutes before. Violations: none, or too small.
                let amount = if comply { self.rng.i64(5..30) * 100 } else { self.rng.i64(1..5) * 100 };
                if comply || self.rng.bool() {
                    let tr = t - self.rng.i64(MIN_MS..8 * MIN_MS);
                    self.red_packet(tr, seller, amount, Tag::AdRedPacket);
                }
            }
            let template = *pick(
                &mut self.rng,
                if self.lang == Lang::Zh { phrases::ZH_MEMBER_ADS } else { phrases::EN_MEMBER_ADS },
            );
            let topic = *pick(&mut self.rng, self.topics);
            let text = fill(template, self.lang, topic, &mut self.rng);
            let id = self.push_msg(t, seller, text, Kind::Text, None, Tag::Ad);
            let name = self.members[seller].name.clone();
            if !self.planted.ad_posters.contains(&name) {
                self.planted.ad_posters.push(name.clone());
            }
            if let Some(rule) = rule {
                self.planted.violation_ids.push((
                    id,
                    Violation { sender: name, time: String::new(), rule: rule.into(), message_id: String::new() },
                ));
            }
            day += self.rng.i64(3..8);
        }
        // Red packets for the fun of it, not followed by ads.
        if red_packet {
            let n = (self.as_of - self.created) / (20 * DAY_MS);
            for _ in 0..n {
                let t = self.rng.i64(self.created + DAY_MS..self.as_of);
                if let Some(who) = self.speaker(t, &[]) {
                    let amount = self.rng.i64(1..20) * 100;
                    self.red_packet(t, who, amount, Tag::Talk);
                }
            }
        }
    }

    fn red_packet(&mut self, t: i64, sender: usize, cents: i64, tag: Tag) {
        let id = self.next_id;
        self.next_id += 1;
        let text = if self.lang == Lang::Zh { "[红包]恭喜发财，大吉大利" } else { "[red packet]" };
        self.items.push(Item::Message {
            id,
            time_ms: t,
            sender,
            text: text.into(),
            kind: Kind::RedPacket,
            amount_cents: Some(cents),
            reply_to: None,
            tag,
        });
    }

    /// A few ordinary leaves over the group's life (members who stopped speaking).
    fn baseline_leaves(&mut self) {
        if !self.plan.platform.records_leaves() {
            return;
        }
        let months = ((self.as_of - self.created) / (30 * DAY_MS)).max(1) as usize;
        for _ in 0..months {
            let m = self.rng.usize(..self.members.len());
            if m == self.owner || Some(m) == self.admin || self.key.contains(&m) || self.left[m].is_some() {
                continue;
            }
            if self.members[m].bot || self.joined[m] >= self.as_of {
                continue;
            }
            let last_spoke = self
                .items
                .iter()
                .filter_map(|i| match i {
                    Item::Message { sender, time_ms, .. } if *sender == m => Some(*time_ms),
                    _ => None,
                })
                .max()
                .unwrap_or(self.joined[m]);
            let from = last_spoke.max(self.joined[m]) + MIN_MS;
            if from >= self.as_of {
                continue;
            }
            let tl = self.rng.i64(from..self.as_of);
            self.left[m] = Some(tl);
            self.event(tl, EventKind::Leave, m, None, None);
        }
    }

    /// Sorts items, renumbers ids in time order, fixes reply links, fills violation times.
    fn finish(mut self) -> GroupData {
        let as_of = self.as_of;
        // Exports show whole seconds.
        for item in self.items.iter_mut() {
            match item {
                Item::Message { time_ms, .. } | Item::Event { time_ms, .. } => *time_ms -= time_ms.rem_euclid(1000),
            }
        }
        self.items.retain(|i| i.time_ms() <= as_of);
        self.items.sort_by_key(|i| (i.time_ms(), i.id()));
        let base = 1000 + self.plan.index as u64 * 17;
        let mut map = std::collections::HashMap::with_capacity(self.items.len());
        for (n, item) in self.items.iter_mut().enumerate() {
            let new = base + n as u64;
            match item {
                Item::Message { id, .. } | Item::Event { id, .. } => {
                    map.insert(*id, new);
                    *id = new;
                }
            }
        }
        for item in self.items.iter_mut() {
            if let Item::Message { reply_to, .. } = item {
                *reply_to = reply_to.and_then(|r| map.get(&r).copied());
            }
        }
        let offset = chrono::FixedOffset::east_opt(self.plan.offset_s).expect("valid offset");
        let mut violations = Vec::new();
        for (old, mut v) in std::mem::take(&mut self.planted.violation_ids) {
            let Some(&new) = map.get(&old) else { continue };
            let Some(Item::Message { time_ms, .. }) = self.items.iter().find(|i| i.id() == new) else { continue };
            v.time = chrono::DateTime::from_timestamp_millis(*time_ms)
                .expect("valid time")
                .with_timezone(&offset)
                .to_rfc3339();
            v.message_id = new.to_string();
            violations.push((new, v));
        }
        self.planted.violation_ids = violations;
        GroupData { plan: self.plan.clone(), members: self.members, items: self.items, planted: self.planted }
    }
}

/// Near-same text: the same ad with a small change, as spammers do to dodge filters.
fn variant(rng: &mut Rng, text: &str) -> String {
    match rng.usize(0..5) {
        0 => text.to_string(),
        1 => format!("{text}🔥"),
        2 => format!("【限时】{text}"),
        3 => format!("{text}！！"),
        _ => text.replacen('，', " ， ", 1),
    }
}

/// Hours of the day people talk (local), as ms after midnight: evenings busiest.
fn diurnal(rng: &mut Rng) -> i64 {
    const HOURS: [f64; 24] = [
        0.3, 0.1, 0.05, 0.02, 0.02, 0.05, 0.3, 0.8, 1.2, 1.3, 1.2, 1.3, 1.5, 1.2, 1.0, 1.0, 1.0, 1.1, 1.2, 1.5, 1.8,
        2.0, 1.6, 0.9,
    ];
    let total: f64 = HOURS.iter().sum();
    let mut x = rng.f64() * total;
    let mut h = 0;
    for (i, w) in HOURS.iter().enumerate() {
        if x < *w {
            h = i;
            break;
        }
        x -= w;
    }
    h as i64 * 3_600_000 + rng.i64(0..3_600_000)
}

fn exp(rng: &mut Rng) -> f64 {
    -(1.0 - rng.f64()).ln()
}

fn poisson(rng: &mut Rng, lambda: f64) -> usize {
    if lambda <= 0.0 {
        return 0;
    }
    if lambda > 30.0 {
        // Normal approximation for busy days.
        let z = (-2.0 * (1.0 - rng.f64()).ln()).sqrt() * (std::f64::consts::TAU * rng.f64()).cos();
        return (lambda + z * lambda.sqrt()).round().max(0.0) as usize;
    }
    let l = (-lambda).exp();
    let mut k = 0;
    let mut p = 1.0;
    loop {
        p *= rng.f64();
        if p <= l {
            return k;
        }
        k += 1;
    }
}

fn geometric(rng: &mut Rng, mean: f64) -> usize {
    if mean <= 0.0 {
        return 0;
    }
    let p = 1.0 / (1.0 + mean);
    let mut k = 0;
    while rng.f64() > p && k < 40 {
        k += 1;
    }
    k
}
