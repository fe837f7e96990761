//! The content and health rules of one group (issue #15 item 1): an ad posted, an ad-policy
//! violation (with the enforcement decision in an enforced group), a burst of mechanical
//! pushes, a key person gone silent, the life status getting worse, and leaves after an ad or
//! push burst. Each uses the batch analysis's own definition (the report's ad classifier,
//! `PolicyBook` check, push detection, key people, status rule and leave spikes), fed one
//! record at a time into bounded counters (see `docs/alerts.md` for where live and batch differ).

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::Arc;

use shequn_content::normalize::{normalize, HandleKind};
use shequn_content::report::{chat_ad_settings, fold_name, judge_ad, mention_names, wordy};
use shequn_content::{AdContext, AdPolicy, AdSettings, ContentSettings};
use shequn_diagnosis::{Settings, Status};
use shequn_model::{
    EventKind, GroupKind, GroupMeta, MemberMeta, MemberRole, Mention, Message, MessageKind, Msg, Person, RosterEntry,
    SystemEvent, Timeline,
};

use crate::activity::{Activity, DAY_MS};
use crate::alert::{Alert, AlertChange, AlertKind, AlertState, GroupRef, Quote, Resolution};
use crate::enforce::{decide, exempt, Enforcement, GroupPolicyEnforcement};
use crate::pushes::{Post, PushTracker, RECENT};
use crate::settings::RuleSwitches;

/// What the rules of one group run with (shared by every group: only `switches`, `policy` and
/// `enforce` differ per group).
#[derive(Debug, Clone)]
pub struct RuleConfig {
    pub switches: RuleSwitches,
    /// The diagnosis thresholds (`--settings`): status, key people, bursts, leave spikes, bots, operators.
    pub diagnosis: Arc<Settings>,
    /// The content thresholds (`[content]`): the ad classifier and push detection.
    pub content: Arc<ContentSettings>,
    /// The group's ad policy (`--ad-policy`), if any.
    pub policy: Option<Arc<AdPolicy>>,
    /// Enforcement in this group (`[enforce]`), if it opted in.
    pub enforce: Option<GroupPolicyEnforcement>,
}

impl RuleConfig {
    pub fn new(switches: RuleSwitches) -> RuleConfig {
        RuleConfig {
            switches,
            diagnosis: Arc::new(Settings::default()),
            content: Arc::new(ContentSettings::default()),
            policy: None,
            enforce: None,
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Member {
    key: String,
    name: String,
    platform_id: Option<String>,
    is_bot: bool,
    role: Option<MemberRole>,
    spoken: bool,
    sent: u32,
    pushed: u32,
    first_human_ms: Option<i64>,
    /// The last human message: (time, message key, text cut to 200 characters, offset).
    last_human: Option<(i64, String, String, i32)>,
    violations: u32,
}

/// A burst of ads or pushes waiting to see whether leaves follow.
#[derive(Debug, Clone)]
struct Burst {
    cause: &'static str,
    start_ms: i64,
    messages: u32,
    leaves: u32,
    first: Quote,
    first_key: String,
    raised: bool,
}

/// One group's rule state.
pub struct GroupRules {
    cfg: RuleConfig,
    group: GroupRef,
    ad_settings: AdSettings,
    members: Vec<Member>,
    member_ix: HashMap<String, u32>,
    names: HashSet<String>,
    pushes: PushTracker,
    activity: Activity,
    /// Sender of each recent message, by platform id (reply links → interactions).
    recent_senders: VecDeque<(String, u32)>,
    /// Message ids under the ad thread's root (`[thread] root_contains`).
    thread: HashSet<String>,
    thread_order: VecDeque<String>,
    /// Recent red packets: (time, sender, cents).
    red_packets: VecDeque<(i64, u32, i64)>,
    /// Times of recent ads and pushes (within the burst window), with the first's quote.
    ad_times: VecDeque<(i64, Quote, String)>,
    push_times: VecDeque<(i64, Quote, String)>,
    last_ad_burst_end: i64,
    last_push_burst_end: i64,
    last_alerted_push_burst: i64,
    bursts: Vec<Burst>,
    leaves: u32,
    first_ms: Option<i64>,
    last_member: Option<Quote>,
    last_member_key: String,
    offset_s: i32,
    /// The last day whose end was judged, and the status then.
    judged_day: Option<i64>,
    status: Option<Status>,
    /// Open status alerts: (the status before the drop, the alert).
    open_status: Vec<(Status, Alert)>,
    /// Open key-person alerts by member.
    open_silent: HashMap<u32, Alert>,
    changes: Vec<AlertChange>,
    enforcements: Vec<Enforcement>,
}

/// A local day number and minute of day.
fn local(ms: i64, offset_s: i32) -> (i64, u32) {
    let l = ms + i64::from(offset_s) * 1000;
    (l.div_euclid(DAY_MS), (l.rem_euclid(DAY_MS) / 60_000) as u32)
}

fn cut(text: &str) -> String {
    Quote::new("", 0, 0, text).text
}

impl GroupRules {
    pub fn new(group: GroupRef, cfg: RuleConfig) -> GroupRules {
        let ad_settings = chat_ad_settings(&cfg.content);
        let activity = Activity::new(&cfg.diagnosis);
        GroupRules {
            cfg,
            group,
            ad_settings,
            members: Vec::new(),
            member_ix: HashMap::new(),
            names: HashSet::new(),
            pushes: PushTracker::default(),
            activity,
            recent_senders: VecDeque::new(),
            thread: HashSet::new(),
            thread_order: VecDeque::new(),
            red_packets: VecDeque::new(),
            ad_times: VecDeque::new(),
            push_times: VecDeque::new(),
            last_ad_burst_end: i64::MIN,
            last_push_burst_end: i64::MIN,
            last_alerted_push_burst: i64::MIN,
            bursts: Vec::new(),
            leaves: 0,
            first_ms: None,
            last_member: None,
            last_member_key: String::new(),
            offset_s: 0,
            judged_day: None,
            status: None,
            open_status: Vec::new(),
            open_silent: HashMap::new(),
            changes: Vec::new(),
            enforcements: Vec::new(),
        }
    }

    fn person(&mut self, p: &Person) -> u32 {
        let key = p.key();
        let ix = match self.member_ix.get(&key) {
            Some(&ix) => ix,
            None => {
                let ix = self.members.len() as u32;
                self.members.push(Member { key: key.clone(), ..Member::default() });
                self.member_ix.insert(key, ix);
                ix
            }
        };
        let m = &mut self.members[ix as usize];
        if !p.name.is_empty() && m.name != p.name {
            m.name = p.name.clone();
            self.names.extend(mention_names(&p.name, None));
        }
        if let Some(id) = &p.platform_id {
            if m.platform_id.is_none() {
                self.names.insert(fold_name(id));
            }
            m.platform_id = Some(id.clone());
        }
        m.is_bot |= p.is_bot;
        m.role = p.role.or(m.role);
        ix
    }

    fn listed(list: &[String], m: &Member) -> bool {
        list.iter().any(|x| *x == m.name || m.platform_id.as_deref() == Some(x.as_str()))
    }

    /// A bot for the diagnosis: the platform's flag, the `bots` setting, or mostly pushes.
    fn is_bot(&self, ix: u32) -> bool {
        let s = &self.cfg.diagnosis;
        let m = &self.members[ix as usize];
        let push_sender = m.sent > 0 && f64::from(m.pushed) >= s.push_sender_share * f64::from(m.sent);
        m.is_bot
            || push_sender
            || s.bots.iter().any(|b| shequn_model::bot_name_matches(b, &m.name) || m.platform_id.as_deref() == Some(b))
    }

    fn is_operator(&self, ix: u32) -> bool {
        let m = &self.members[ix as usize];
        matches!(m.role, Some(MemberRole::Owner | MemberRole::Admin)) || Self::listed(&self.cfg.diagnosis.operators, m)
    }

    fn opened(&mut self, kind: AlertKind, key_tail: &str, message_key: &str, message: Quote, at_ms: i64) -> Alert {
        Alert {
            key: format!("{}:{}:{key_tail}", self.group.key(), kind.as_str()),
            kind,
            group: self.group.clone(),
            message_key: message_key.to_string(),
            message,
            wait_min: 0,
            opened_ms: at_ms,
            text_zh: String::new(),
            text_en: String::new(),
            state: AlertState::Open,
            resolution: None,
            quotes: Vec::new(),
            reasons: Vec::new(),
            numbers: BTreeMap::new(),
        }
    }

    /// Adds one message. `key` is its alert message key; `history` is the archive's copy
    /// when a watch starts (counted, never alerted); `classify` says whether the ad
    /// classifier runs on it (history older than any window need not be classified).
    pub fn message(&mut self, m: &Message, key: &str, history: bool, classify: bool) {
        let ix = self.person(&m.sender);
        let t = m.time.unix_ms;
        self.offset_s = m.time.offset_s;
        // Days that ended before this message are judged first, on what they held.
        self.tick(t, history);
        self.first_ms.get_or_insert(t);
        let (day, minute) = local(t, self.offset_s);
        let n = normalize(&m.text);
        let hash = shequn_content::repetition::simhash_compact(&n.compact, self.cfg.content.repetition.min_chars);
        // Repetition within the group so far (the report counts every copy in the group).
        let (copies, senders) = hash.map_or((0, 0), |h| self.copies_of(h, ix));
        let has_link = n.handles.iter().any(|h| h.kind == HandleKind::Url);
        let post = Post {
            sender: ix,
            is_bot: m.sender.is_bot,
            platform_id: m.id.as_deref(),
            reply_to: m.reply_to.as_deref(),
            day: day as i32,
            minute,
            hash,
            compact: &n.compact,
            has_link,
        };
        let push = self.pushes.add(&post, &self.cfg.content.push);
        let first_message = !self.members[ix as usize].spoken;
        {
            let mm = &mut self.members[ix as usize];
            mm.spoken = true;
            mm.sent += 1;
            mm.pushed += u32::from(push);
        }
        let quote = Quote::new(&self.members[ix as usize].name, t, self.offset_s, &m.text);
        // Red packets and the ad thread, for the policy check.
        if m.kind == MessageKind::RedPacket {
            if let Some(c) = m.amount_cents {
                self.red_packets.push_back((t, ix, c));
            }
        }
        self.trim_red_packets(t);
        if let Some(id) = &m.id {
            let marker = self.cfg.policy.as_ref().and_then(|p| p.thread.as_ref()).map(|r| r.root_contains.as_str());
            let in_thread = m.reply_to.as_ref().is_some_and(|p| self.thread.contains(p));
            if marker.is_some_and(|mk| m.text.contains(mk)) || in_thread {
                self.thread.insert(id.clone());
                self.thread_order.push_back(id.clone());
                if self.thread_order.len() > 4 * RECENT {
                    if let Some(old) = self.thread_order.pop_front() {
                        self.thread.remove(&old);
                    }
                }
            }
        }
        // Who is human, member, and whom this message answers or names.
        let bot = self.is_bot(ix);
        let human = !bot && !push;
        let member = human && !self.is_operator(ix);
        if human {
            let mut targets: Vec<u32> = Vec::new();
            if let Some(p) = &m.reply_to {
                if let Some(&(_, s)) = self.recent_senders.iter().rev().find(|(id, _)| id == p) {
                    targets.push(s);
                }
            }
            for x in &m.mentions {
                if let Mention::Member(p) = x {
                    let found = match &p.platform_id {
                        Some(_) => self.member_ix.get(&p.key()).copied(),
                        None => self.members.iter().position(|mm| mm.name == p.name).map(|i| i as u32),
                    };
                    if let Some(f) = found.filter(|f| !targets.contains(f)) {
                        targets.push(f);
                    }
                }
            }
            targets.retain(|&to| to != ix && !self.is_bot(to));
            self.activity.message(day, ix, member, &targets);
            let mm = &mut self.members[ix as usize];
            mm.first_human_ms.get_or_insert(t);
            if mm.last_human.as_ref().is_none_or(|l| l.0 <= t) {
                mm.last_human = Some((t, key.to_string(), cut(&m.text), self.offset_s));
            }
            if member {
                self.last_member = Some(quote.clone());
                self.last_member_key = key.to_string();
            }
            if !history {
                self.spoke_again(ix, t);
            }
        }
        if let Some(id) = &m.id {
            self.recent_senders.push_back((id.clone(), ix));
            if self.recent_senders.len() > RECENT {
                self.recent_senders.pop_front();
            }
        }
        // The ad classifier, as the report runs it: pushes are pushes, not ads.
        let text_like = matches!(m.kind, MessageKind::Text | MessageKind::Link) && !m.text.trim().is_empty();
        let mut ad = None;
        // Bots are not judged unless `judge_bots` says so, as in the report.
        let unjudged_bot = !self.cfg.content.judge_bots && self.members[ix as usize].is_bot;
        if classify && !push && text_like && !unjudged_bot {
            let repeated = if hash.is_some()
                && copies >= self.cfg.content.repetition.min_copies
                && copies >= 2 * senders
                && wordy(&n, self.cfg.content.repetition.min_chars)
            {
                copies - 1
            } else {
                0
            };
            let ctx = AdContext { first_message, repeated, repeated_groups: u32::from(repeated > 0) };
            let (v, _) =
                judge_ad(&m.text, &n, ctx, &self.names, self.is_operator(ix), &self.ad_settings, &self.cfg.content);
            if v.ad {
                ad = Some(v);
            }
        }
        if let Some(v) = &ad {
            self.on_ad(m, ix, key, &quote, v, history);
        }
        if push {
            self.on_push(ix, t, key, &quote, history);
        }
    }

    /// Near-same texts among the recent ones (this one included): (copies, senders).
    fn copies_of(&self, h: u64, sender: u32) -> (u32, u32) {
        let (copies, mut senders) = self.pushes.near(h);
        if !senders.contains(&sender) {
            senders.push(sender);
        }
        (copies + 1, senders.len() as u32)
    }

    fn trim_red_packets(&mut self, now: i64) {
        let keep = self.cfg.policy.as_ref().and_then(|p| p.red_packet.as_ref()).map_or(0, |r| r.within_minutes);
        let from = now - i64::from(keep) * 60_000;
        while self.red_packets.front().is_some_and(|r| r.0 < from) {
            self.red_packets.pop_front();
        }
    }

    fn on_ad(&mut self, m: &Message, ix: u32, key: &str, quote: &Quote, v: &shequn_content::AdVerdict, history: bool) {
        let t = m.time.unix_ms;
        let group = self.group.name.clone();
        let sender = self.members[ix as usize].name.clone();
        if self.cfg.switches.ad && !history {
            let mut a = self.opened(AlertKind::Ad, key, key, quote.clone(), t);
            a.text_zh = format!("「{group}」{sender} 发了广告");
            a.text_en = format!("{group}: {sender} posted an ad");
            a.reasons = v.features.iter().map(|f| format!("{:?}: {}", f.kind, f.detail)).collect();
            a.numbers.insert("score".into(), f64::from(v.score));
            self.changes.push(AlertChange::Opened(a));
        }
        if let (Some(policy), false) = (self.cfg.policy.clone(), history) {
            if let Some(rules) = self.violation(m, ix, &policy) {
                let mut a = self.opened(AlertKind::AdPolicy, key, key, quote.clone(), t);
                a.text_zh = format!("「{group}」{sender} 的广告违反本群广告规则");
                a.text_en = format!("{group}: {sender}'s ad breaks the group's ad policy");
                a.reasons = rules.clone();
                a.numbers.insert("score".into(), f64::from(v.score));
                let alert_key = a.key.clone();
                if self.cfg.switches.ad_policy {
                    self.changes.push(AlertChange::Opened(a));
                }
                if let Some(g) = self.cfg.enforce.clone() {
                    let mm = &self.members[ix as usize];
                    let operator = matches!(mm.role, Some(MemberRole::Owner | MemberRole::Admin));
                    if !exempt(&g, &mm.name, mm.platform_id.as_deref(), operator) {
                        let mm = &mut self.members[ix as usize];
                        mm.violations += 1;
                        let (name, id, count) = (mm.name.clone(), mm.platform_id.clone(), mm.violations);
                        let e =
                            decide(&g, &self.group, m.id.clone(), key, &alert_key, &name, id.as_deref(), &rules, count);
                        self.enforcements.push(e);
                    }
                }
            }
        }
        self.ad_times.push_back((t, quote.clone(), key.to_string()));
        self.burst("ad", t);
    }

    /// The policy check (`shequn_content::policy::check`) on the ad with what it reads: the
    /// sender's red packets in the window before, and whether the ad is in the ad thread.
    fn violation(&self, m: &Message, ix: u32, policy: &AdPolicy) -> Option<Vec<String>> {
        let mm = &self.members[ix as usize];
        let member = MemberMeta {
            id: 1,
            person_id: None,
            platform_id: mm.platform_id.clone(),
            name: mm.name.clone(),
            is_bot: mm.is_bot,
            role: if self.is_operator(ix) { Some(MemberRole::Admin) } else { mm.role },
            title: None,
            on_roster: false,
            roster_joined_ms: None,
        };
        let msg = |time_ms: i64, kind: MessageKind, text: &str, amount: Option<i64>, reply: Option<u32>| Msg {
            id: 0,
            time_ms,
            sender: 0,
            kind,
            text: text.to_string(),
            amount_cents: amount,
            reply_to: reply,
            mentions: Vec::new(),
            mentions_everyone: false,
            forwarded: false,
        };
        let mut messages: Vec<Msg> = self
            .red_packets
            .iter()
            .filter(|r| r.1 == ix && r.0 <= m.time.unix_ms)
            .map(|r| msg(r.0, MessageKind::RedPacket, "", Some(r.2), None))
            .collect();
        let mut parent = None;
        if let (Some(rule), Some(p)) = (&policy.thread, &m.reply_to) {
            if self.thread.contains(p) {
                messages.push(msg(m.time.unix_ms, MessageKind::Text, &rule.root_contains, None, None));
                parent = Some(messages.len() as u32 - 1);
            }
        }
        messages.push(msg(m.time.unix_ms, m.kind, &m.text, None, parent));
        let ad = messages.len() as u32 - 1;
        let t = Timeline {
            group: GroupMeta {
                id: 0,
                platform: self.group.platform,
                platform_id: self.group.platform_id.clone(),
                name: self.group.name.clone(),
                kind: GroupKind::Group,
                member_count: None,
                utc_offset_s: m.time.offset_s,
                zone_inferred: false,
                notes: Vec::new(),
                coverage: None,
            },
            members: vec![member],
            messages,
            events: Vec::new(),
        };
        shequn_content::policy::check(&t, policy, &[ad]).pop().map(|v| v.rules_broken)
    }

    fn on_push(&mut self, ix: u32, t: i64, key: &str, quote: &Quote, history: bool) {
        self.push_times.push_back((t, quote.clone(), key.to_string()));
        let window = self.cfg.switches.push_burst_ms;
        let need = self.cfg.switches.push_burst_count;
        if need >= 2 && !history {
            let from = t - window;
            let recent: Vec<&(i64, Quote, String)> = self.push_times.iter().filter(|p| p.0 >= from).collect();
            let start = recent.first().map_or(t, |p| p.0);
            if recent.len() as u32 >= need && start > self.last_alerted_push_burst {
                let (first_key, first) = (recent[0].2.clone(), recent[0].1.clone());
                let quotes: Vec<Quote> = recent.iter().skip(1).take(4).map(|p| p.1.clone()).collect();
                let n = recent.len();
                let mut a = self.opened(AlertKind::PushBurst, &first_key, &first_key, first, t);
                let g = &self.group.name;
                let mins = window / 60_000;
                a.text_zh = format!("「{g}」{mins} 分钟内有 {n} 条机械推送");
                a.text_en = format!("{g}: {n} mechanical pushes within {mins} min");
                a.quotes = quotes;
                a.reasons = self.pushes.details(ix, &self.cfg.content.push);
                a.numbers.insert("pushes".into(), n as f64);
                a.numbers.insert("window_min".into(), mins as f64);
                self.last_alerted_push_burst = t;
                self.changes.push(AlertChange::Opened(a));
            }
        }
        self.burst("push", t);
    }

    /// The report's ad bursts and push floods (`burst_min_messages` within
    /// `burst_window_minutes`), each then watched `leave_spike_hours` for leaves.
    fn burst(&mut self, cause: &'static str, t: i64) {
        let s = &self.cfg.diagnosis;
        let window = i64::from(s.burst_window_minutes) * 60_000;
        let after = i64::from(s.leave_spike_hours) * 3_600_000;
        let (times, last_end) = match cause {
            "ad" => (&mut self.ad_times, &mut self.last_ad_burst_end),
            _ => (&mut self.push_times, &mut self.last_push_burst_end),
        };
        while times.front().is_some_and(|x| t - x.0 > window) {
            times.pop_front();
        }
        let n = times.len() as u32;
        let Some(first) = times.front() else { return };
        if n >= s.burst_min_messages && first.0 > *last_end {
            *last_end = t + after;
            self.bursts.push(Burst {
                cause,
                start_ms: first.0,
                messages: n,
                leaves: 0,
                first: first.1.clone(),
                first_key: first.2.clone(),
                raised: false,
            });
        }
    }

    /// Adds an event: joins name members, leaves count toward leave spikes, red packets
    /// toward the policy.
    pub fn event(&mut self, e: &SystemEvent, history: bool) {
        let t = e.time.unix_ms;
        for p in &e.subjects {
            self.person(p);
        }
        match e.kind {
            EventKind::RedPacket => {
                if let (Some(a), Some(c)) = (&e.actor, e.amount_cents) {
                    let ix = self.person(a);
                    self.red_packets.push_back((t, ix, c));
                }
            }
            EventKind::Leave => {
                self.leaves += 1;
                self.leave(t, history);
            }
            _ => {}
        }
    }

    pub fn roster(&mut self, r: &RosterEntry) {
        self.person(&r.person);
    }

    fn leave(&mut self, t: i64, history: bool) {
        let s = self.cfg.diagnosis.clone();
        let after = i64::from(s.leave_spike_hours) * 3_600_000;
        self.bursts.retain(|b| t <= b.start_ms + after);
        let history_ms = self.first_ms.map_or(after, |f| (t - f).max(after));
        let usual = f64::from(self.leaves) * after as f64 / history_ms as f64;
        let mut raise = Vec::new();
        for b in self.bursts.iter_mut().filter(|b| t >= b.start_ms && t <= b.start_ms + after) {
            b.leaves += 1;
            if !b.raised && b.leaves >= s.leave_spike_min && f64::from(b.leaves) >= s.leave_spike_factor * usual {
                b.raised = true;
                raise.push(b.clone());
            }
        }
        if !self.cfg.switches.leave_spike || history {
            return;
        }
        for b in raise {
            let g = self.group.name.clone();
            let hours = s.leave_spike_hours;
            let (zh, en) = if b.cause == "ad" { ("广告", "ads") } else { ("机械推送", "pushes") };
            let mut a =
                self.opened(AlertKind::LeaveSpike, &format!("{}:{}", b.cause, b.first_key), &b.first_key, b.first, t);
            a.text_zh = format!(
                "「{g}」{} 条{zh}之后 {hours} 小时内已有 {} 人退群（平常约 {usual:.1} 人）",
                b.messages, b.leaves
            );
            a.text_en =
                format!("{g}: {} left within {hours} h of {} {en} (usually about {usual:.1})", b.leaves, b.messages);
            a.reasons = vec![format!("cause: {} / 起因：{zh}", b.cause)];
            a.numbers.insert("burst_messages".into(), f64::from(b.messages));
            a.numbers.insert("leaves_after".into(), f64::from(b.leaves));
            a.numbers.insert("usual".into(), usual);
            self.changes.push(AlertChange::Opened(a));
        }
    }

    /// A key person who had an open silence alert spoke: it resolves.
    fn spoke_again(&mut self, ix: u32, t: i64) {
        if let Some(mut a) = self.open_silent.remove(&ix) {
            let days = (t - a.message.time_ms) / DAY_MS;
            let (g, who) = (&self.group.name, &self.members[ix as usize].name);
            a.state = AlertState::Resolved;
            a.resolution = Some(Resolution {
                by: who.clone(),
                at_ms: t,
                after_min: (t - a.message.time_ms) / 60_000,
                text_zh: format!("「{g}」{who} 沉默 {days} 天后又发言了"),
                text_en: format!("{g}: {who} spoke again after {days} days"),
            });
            self.changes.push(AlertChange::Resolved(a));
        }
    }

    /// Judges every day that ended before `now_ms` (the group's clock) and has not been
    /// judged: the status at its end, and the key people silent by then. `history`: only
    /// take the baseline (a watch starting from the archive), raise nothing.
    pub fn tick(&mut self, now_ms: i64, history: bool) {
        let (today, _) = local(now_ms, self.offset_s);
        let last_complete = today - 1;
        let Some(first) = self.first_ms else { return };
        let first_day = local(first, self.offset_s).0;
        let from = match self.judged_day {
            Some(d) if d >= last_complete => return,
            Some(d) => (d + 1).max(last_complete - self.keep_days()),
            None => last_complete.max(first_day),
        };
        for day in from..=last_complete {
            self.judge_day(day, history || self.judged_day.is_none());
            self.judged_day = Some(day);
        }
    }

    fn keep_days(&self) -> i64 {
        let s = &self.cfg.diagnosis;
        i64::from(s.status_window_days.max(s.dead_after_days)) + 1
    }

    fn judge_day(&mut self, day: i64, quiet: bool) {
        let s = self.cfg.diagnosis.clone();
        let end_ms = (day + 1) * DAY_MS - i64::from(self.offset_s) * 1000 - 1;
        let (status, c) = self.activity.status(day, &s);
        let before = self.status.replace(status);
        let g = self.group.name.clone();
        let needed = i64::from(s.status_window_days.max(s.dead_after_days)) * DAY_MS;
        let covered = self.first_ms.is_some_and(|f| end_ms - f >= needed);
        if let Some(prev) = before {
            if status > prev && self.cfg.switches.status_change && !quiet && covered {
                let quote = self.last_member.clone().unwrap_or_else(|| Quote::new("", end_ms, self.offset_s, ""));
                let date = crate::activity::date(day);
                let tail = format!("{}-{}:{date}", prev.as_str(), status.as_str());
                let mk = self.last_member_key.clone();
                let mut a = self.opened(AlertKind::StatusChange, &tail, &mk, quote, end_ms);
                a.text_zh = format!("「{g}」状态由{}变为{}（{date}）", prev.zh(), status.zh());
                a.text_en = format!("{g}: status went from {} to {} ({date})", prev.as_str(), status.as_str());
                a.reasons = vec![format!(
                    "members spoke on {} of the last {} days (alive needs {}); member messages in the last {} days: {}; human messages {} in the last {} weeks vs {} the {} before / 近{}天有成员发言的天数 {}",
                    c.member_days, s.status_window_days, s.alive_days, s.dead_after_days, c.member_in_dead,
                    c.human_recent, s.declining_weeks, c.human_before, s.declining_weeks, s.status_window_days, c.member_days
                )];
                a.numbers.insert("member_days".into(), f64::from(c.member_days));
                a.numbers.insert("member_messages_dead_window".into(), f64::from(c.member_in_dead));
                a.numbers.insert("human_recent".into(), f64::from(c.human_recent));
                a.numbers.insert("human_before".into(), f64::from(c.human_before));
                self.open_status.push((prev, a.clone()));
                self.changes.push(AlertChange::Opened(a));
            }
            if status < prev {
                let (back, still): (Vec<_>, Vec<_>) = self.open_status.drain(..).partition(|(from, _)| status <= *from);
                self.open_status = still;
                for (_, mut a) in back {
                    a.state = AlertState::Resolved;
                    a.resolution = Some(Resolution {
                        by: String::new(),
                        at_ms: end_ms,
                        after_min: (end_ms - a.opened_ms) / 60_000,
                        text_zh: format!("「{g}」状态恢复为{}", status.zh()),
                        text_en: format!("{g}: status back to {}", status.as_str()),
                    });
                    self.changes.push(AlertChange::Resolved(a));
                }
            }
        }
        // Key people silent by the end of the day.
        let silent_ms = self.cfg.switches.key_person_silent_ms;
        if silent_ms <= 0 || quiet {
            return;
        }
        let keys = self.activity.key_set(day, &s);
        for (ix, ends) in keys.people {
            let Some(mm) = self.members.get(ix as usize) else { continue };
            let Some((last_ms, last_key, text, offset)) = mm.last_human.clone() else { continue };
            let active = last_ms - mm.first_human_ms.unwrap_or(last_ms);
            if end_ms - last_ms < silent_ms
                || active < i64::from(s.key_loss_min_active_days) * DAY_MS
                || self.open_silent.contains_key(&ix)
            {
                continue;
            }
            let who = mm.name.clone();
            let pkey = mm.key.clone();
            let days = (end_ms - last_ms) / DAY_MS;
            let quote = Quote::new(&who, last_ms, offset, &text);
            // Keyed by the last message's time: the same from the archive after a restart,
            // whether or not its platform id was looked up.
            let mut a = self.opened(AlertKind::KeyPersonSilent, &format!("{pkey}:{last_ms}"), &last_key, quote, end_ms);
            a.text_zh = format!("「{g}」关键人 {who} 已沉默 {days} 天");
            a.text_en = format!("{g}: key person {who} has been silent for {days} days");
            let basis = if keys.by_interactions { "interaction ends" } else { "human messages" };
            a.reasons = vec![format!(
                "{ends} of {} {basis} in the last {} days / 近{}天占 {ends}/{}",
                keys.total, s.roles_window_days, s.roles_window_days, keys.total
            )];
            a.numbers.insert("silent_days".into(), days as f64);
            a.numbers.insert("share".into(), f64::from(ends) / f64::from(keys.total.max(1)));
            a.numbers.insert("active_days".into(), (active / DAY_MS) as f64);
            self.open_silent.insert(ix, a.clone());
            self.changes.push(AlertChange::Opened(a));
        }
    }

    /// Alert changes since the last call.
    pub fn take_changes(&mut self) -> Vec<AlertChange> {
        std::mem::take(&mut self.changes)
    }

    /// Enforcement decisions since the last call.
    pub fn take_enforcements(&mut self) -> Vec<Enforcement> {
        std::mem::take(&mut self.enforcements)
    }

    /// The status at the end of the last judged day.
    pub fn status(&self) -> Option<Status> {
        self.status
    }

    /// The key people at the end of `day` (names), most first.
    pub fn key_people(&self, day: i64) -> Vec<String> {
        self.activity
            .key_set(day, &self.cfg.diagnosis)
            .people
            .iter()
            .map(|&(m, _)| self.members[m as usize].name.clone())
            .collect()
    }

    /// Names of the senders judged pushers now.
    pub fn pushers(&self) -> Vec<String> {
        self.pushes.pushers().into_iter().map(|m| self.members[m as usize].name.clone()).collect()
    }

    /// The status at the end of `day` from the counts kept.
    pub fn status_at(&self, day: i64) -> Status {
        self.activity.status(day, &self.cfg.diagnosis).0
    }

    /// Approximate bytes of this group's rule state.
    pub fn state_bytes(&self) -> usize {
        let members: usize = self
            .members
            .iter()
            .map(|m| {
                std::mem::size_of::<Member>()
                    + 2 * m.key.len()
                    + m.name.len()
                    + m.platform_id.as_ref().map_or(0, |p| p.len())
                    + m.last_human.as_ref().map_or(0, |l| l.1.len() + l.2.len())
                    + 16
            })
            .sum();
        let names: usize = self.names.iter().map(|n| n.len() + 24).sum();
        let recent: usize = self.recent_senders.iter().map(|(id, _)| id.len() + 28).sum();
        let thread: usize = self.thread_order.iter().map(|id| 2 * id.len() + 48).sum();
        let quotes = |v: &VecDeque<(i64, Quote, String)>| -> usize {
            v.iter().map(|(_, q, k)| 64 + q.text.len() + q.sender.len() + q.time.len() + k.len()).sum()
        };
        let open: usize = self.open_silent.values().chain(self.open_status.iter().map(|x| &x.1)).map(alert_bytes).sum();
        std::mem::size_of::<GroupRules>()
            + members
            + names
            + recent
            + thread
            + self.red_packets.len() * 24
            + quotes(&self.ad_times)
            + quotes(&self.push_times)
            + self.bursts.len() * (std::mem::size_of::<Burst>() + 256)
            + open
            + self.pushes.state_bytes()
            + self.activity.state_bytes()
    }
}

fn alert_bytes(a: &Alert) -> usize {
    std::mem::size_of::<Alert>() + a.key.len() + a.message.text.len() + a.text_zh.len() + a.text_en.len() + 64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enforce::{Action, EnforceSettings};
    use crate::settings::AlertSettings;
    use shequn_model::Platform;

    const MIN: i64 = 60_000;
    /// Monday 2024-03-04 00:00 UTC.
    const T0: i64 = 1_709_510_400_000;

    fn group() -> GroupRef {
        GroupRef { platform: Platform::Telegram, platform_id: "-100".into(), name: "读书会".into() }
    }

    fn msg(id: &str, at: i64, who: &str, text: &str) -> Message {
        Message {
            id: Some(id.into()),
            time: shequn_model::Stamp::from_unix_ms(at),
            sender: Person::with_id(who.to_lowercase(), who),
            text: text.into(),
            ..Message::default()
        }
    }

    fn rules(cfg: RuleConfig) -> GroupRules {
        GroupRules::new(group(), cfg)
    }

    fn feed(r: &mut GroupRules, m: &Message) -> Vec<AlertChange> {
        let key = crate::message_key(m.id.as_deref(), m.time.unix_ms, &m.sender.key(), &m.text);
        r.message(m, &key, false, true);
        r.tick(m.time.unix_ms, false);
        r.take_changes()
    }

    const AD: &str = "兼职刷单日赚300元，一单一结，加微信 abc12345 详聊";

    #[test]
    fn an_ad_is_an_alert_with_the_classifiers_reasons_and_chat_is_not() {
        let mut r = rules(RuleConfig::new(RuleSwitches::default()));
        assert!(feed(&mut r, &msg("1", T0, "Ann", "今晚的读书会几点开始？")).is_empty());
        let c = feed(&mut r, &msg("2", T0 + MIN, "Spam", AD));
        assert_eq!(c.len(), 1, "{c:?}");
        let a = c[0].alert();
        assert_eq!(a.kind, AlertKind::Ad);
        assert_eq!(a.key, "telegram:-100:ad:m:2");
        assert_eq!(a.text_zh, "「读书会」Spam 发了广告");
        assert_eq!(a.message.text, AD);
        assert!(!a.reasons.is_empty() && a.numbers["score"] > 0.0, "{a:?}");
        // The report's classifier agrees on the same text.
        let mut b = shequn_model::TimelineBuilder::new("读书会");
        let (ann, spam) = (b.member("Ann"), b.member("Spam"));
        b.message(T0, ann, "今晚的读书会几点开始？");
        b.message(T0 + MIN, spam, AD);
        let rep = shequn_content::analyze_group(&b.build(), &ContentSettings::default(), None, None, None);
        assert_eq!(rep.labels.iter().map(|l| l.ad).collect::<Vec<_>>(), vec![false, true]);
        // Off for this group: nothing.
        let off = RuleSwitches { ad: false, ..RuleSwitches::default() };
        let mut r = rules(RuleConfig::new(off));
        assert!(feed(&mut r, &msg("2", T0 + MIN, "Spam", AD)).is_empty());
    }

    #[test]
    fn a_policy_violation_quotes_the_rule_and_enforcement_escalates() {
        let book = shequn_content::PolicyBook::from_toml(
            "[groups.\"读书会\"]\n[[groups.\"读书会\".windows]]\nweekday = \"fri\"\nstart = \"20:00\"\nend = \"22:00\"\n",
            "policy.toml",
        )
        .unwrap();
        let enforce = EnforceSettings::from_toml_str(
            "[enforce]\nenabled = true\nallow_list = [\"Friend\"]\nescalate_after = 2\nescalate_action = \"mute\"\nmute_minutes = 30\n[enforce.groups.\"-100\"]\n",
        )
        .unwrap();
        let mut cfg = RuleConfig::new(RuleSwitches::default());
        cfg.policy = book.for_group("读书会", "-100", 0).cloned().map(Arc::new);
        cfg.enforce = enforce.for_group("读书会", "-100");
        let mut r = rules(cfg);
        // Monday: outside the Friday window.
        let c = feed(&mut r, &msg("1", T0 + 10 * 60 * MIN, "Spam", AD));
        let kinds: Vec<AlertKind> = c.iter().map(|c| c.alert().kind).collect();
        assert_eq!(kinds, vec![AlertKind::Ad, AlertKind::AdPolicy]);
        let p = c[1].alert();
        assert_eq!(p.key, "telegram:-100:ad_policy:m:1");
        assert!(p.reasons[0].contains("outside the ad window fri 20:00–22:00"), "{:?}", p.reasons);
        let e = r.take_enforcements();
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].message_platform_id.as_deref(), e[0].violation_count, e[0].dry_run), (Some("1"), 1, true));
        assert_eq!(e[0].actions.len(), 2, "delete and warn, no escalation yet");
        assert!(e[0].rule_zh.contains("不在广告时段内"));
        // The second violation escalates to a mute.
        feed(&mut r, &msg("2", T0 + 11 * 60 * MIN, "Spam", "加微信 abc12345 领取优惠券，免费送会员，限时抢购"));
        let e = r.take_enforcements();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].violation_count, 2);
        assert_eq!(e[0].actions.last(), Some(&Action::Mute { minutes: 30 }));
        // An allow-listed member: the violation is alerted, never enforced.
        let c = feed(&mut r, &msg("3", T0 + 12 * 60 * MIN, "Friend", AD));
        assert!(c.iter().any(|c| c.alert().kind == AlertKind::AdPolicy));
        assert!(r.take_enforcements().is_empty());
        // Friday 21:00 is inside the window: an ad, no violation.
        let fri = T0 + 4 * 1440 * MIN + 21 * 60 * MIN;
        let c = feed(&mut r, &msg("4", fri, "Other", AD));
        assert_eq!(c.iter().map(|c| c.alert().kind).collect::<Vec<_>>(), vec![AlertKind::Ad]);
    }

    #[test]
    fn a_daily_digest_bot_becomes_a_pusher_and_a_burst_is_one_alert() {
        let mut r = rules(RuleConfig::new(RuleSwitches::default()));
        let mut bursts = Vec::new();
        // A templated link post at 08:00 every day: a pusher from the fifth post (the report's
        // min_posts) on; then a flood of three within the hour.
        for d in 0..8i64 {
            let at = T0 + d * 1440 * MIN + 8 * 60 * MIN;
            let text = format!("【每日早报】第{d}期 今日要闻速览 https://news.example.com/{d}");
            bursts.extend(feed(&mut r, &msg(&format!("p{d}"), at, "早报", &text)));
            // (Ann's chatter wanders over the day: the same clock time daily would be a push.)
            feed(&mut r, &msg(&format!("h{d}"), at + (150 + (d * 97) % 600) * MIN, "Ann", "中午吃什么"));
        }
        assert_eq!(r.pushers(), vec!["早报".to_string()]);
        assert!(bursts.is_empty(), "one push a day is no burst: {bursts:?}");
        let at = T0 + 9 * 1440 * MIN + 9 * 60 * MIN;
        for k in 0..4i64 {
            let text = format!("【快讯】第{k}条 今日要闻速览 https://news.example.com/x{k}");
            bursts.extend(feed(&mut r, &msg(&format!("q{k}"), at + k * 5 * MIN, "早报", &text)));
        }
        let pb: Vec<&Alert> = bursts.iter().map(|c| c.alert()).filter(|a| a.kind == AlertKind::PushBurst).collect();
        assert_eq!(pb.len(), 1, "{bursts:?}");
        assert_eq!(pb[0].key, "telegram:-100:push_burst:m:q0");
        assert_eq!(pb[0].numbers["pushes"], 3.0);
        assert_eq!(pb[0].quotes.len(), 2);
        assert!(pb[0].reasons.iter().any(|d| d.contains("posts hold a link")), "{:?}", pb[0].reasons);
    }

    #[test]
    fn leaves_after_an_ad_burst_are_a_spike() {
        let mut r = rules(RuleConfig::new(RuleSwitches::default()));
        // A month of quiet chatter with one leave.
        for d in 0..30i64 {
            feed(&mut r, &msg(&format!("c{d}"), T0 + d * 1440 * MIN, "Ann", "今天天气不错"));
        }
        let mut e =
            SystemEvent::new(shequn_model::Stamp::from_unix_ms(T0 + 2 * 1440 * MIN), EventKind::Leave, "x left");
        e.subjects.push(Person::named("x"));
        r.event(&e, false);
        let at = T0 + 31 * 1440 * MIN;
        for k in 0..3i64 {
            feed(&mut r, &msg(&format!("a{k}"), at + k * MIN, &format!("Spam{k}"), AD));
        }
        let mut changes = Vec::new();
        for k in 0..3i64 {
            let mut e =
                SystemEvent::new(shequn_model::Stamp::from_unix_ms(at + (k + 1) * 60 * MIN), EventKind::Leave, "");
            e.subjects.push(Person::named(format!("m{k}")));
            r.event(&e, false);
            changes.extend(r.take_changes());
        }
        assert_eq!(changes.len(), 1, "{changes:?}");
        let a = changes[0].alert();
        assert_eq!(a.kind, AlertKind::LeaveSpike);
        assert_eq!(a.key, "telegram:-100:leave_spike:ad:m:a0");
        assert_eq!((a.numbers["burst_messages"], a.numbers["leaves_after"]), (3.0, 2.0));
    }

    #[test]
    fn a_silent_key_person_is_raised_once_and_resolves_when_they_speak() {
        // Ann and Bob hold 20 ends each of 40: the default 0.5 share is held by Ann alone.
        let s = Settings { key_loss_min_active_days: 10, key_share: 0.9, ..Settings::default() };
        let mut cfg = RuleConfig::new(AlertSettings::default().rules_for("", ""));
        cfg.diagnosis = Arc::new(s);
        let mut r = rules(cfg);
        // Ann and Bob talk (by replies) every day for 20 days; Cid chats alone. Times wander
        // over the day (the same clock time every day would make them pushers).
        let at_day = |d: i64| T0 + d * 1440 * MIN + (8 * 60 + (d * 97) % 600) * MIN;
        for d in 0..20i64 {
            let at = at_day(d);
            feed(&mut r, &msg(&format!("a{d}"), at, "Ann", "今天读到第几章了"));
            let mut b = msg(&format!("b{d}"), at + MIN, "Bob", "第三章，你呢");
            b.reply_to = Some(format!("a{d}"));
            feed(&mut r, &b);
            feed(&mut r, &msg(&format!("c{d}"), at + 2 * MIN, "Cid", "嗯"));
        }
        assert_eq!(r.key_people(local(T0, 0).0 + 19), vec!["Ann".to_string(), "Bob".to_string()]);
        // Bob goes quiet; Ann and Cid go on.
        let mut raised = Vec::new();
        for d in 20..40i64 {
            let at = at_day(d);
            raised.extend(feed(&mut r, &msg(&format!("a{d}"), at, "Ann", "有人在吗")));
            raised.extend(feed(&mut r, &msg(&format!("c{d}"), at + MIN, "Cid", "在")));
        }
        let silent: Vec<&Alert> =
            raised.iter().map(|c| c.alert()).filter(|a| a.kind == AlertKind::KeyPersonSilent).collect();
        assert_eq!(silent.len(), 1, "{raised:?}");
        assert_eq!(silent[0].message.sender, "Bob");
        assert_eq!(silent[0].numbers["silent_days"], 14.0);
        assert_eq!(silent[0].key, format!("telegram:-100:key_person_silent:id:bob:{}", at_day(19) + MIN));
        let at = T0 + 40 * 1440 * MIN;
        let c = feed(&mut r, &msg("b40", at, "Bob", "我回来了"));
        let resolved: Vec<&AlertChange> = c.iter().filter(|c| matches!(c, AlertChange::Resolved(_))).collect();
        assert_eq!(resolved.len(), 1, "{c:?}");
        assert_eq!(resolved[0].alert().resolution.as_ref().unwrap().text_zh, "「读书会」Bob 沉默 20 天后又发言了");
    }

    #[test]
    fn a_status_drop_is_raised_at_the_days_end_and_resolves_on_recovery() {
        let mut r = rules(RuleConfig::new(RuleSwitches::default()));
        // Members speak every day for 40 days: alive.
        let at_day = |d: i64| T0 + d * 1440 * MIN + (8 * 60 + (d * 97) % 600) * MIN;
        for d in 0..40i64 {
            feed(&mut r, &msg(&format!("m{d}"), at_day(d), "Ann", "早上好"));
        }
        r.tick(T0 + 40 * 1440 * MIN + MIN, false);
        assert_eq!(r.status(), Some(Status::Alive));
        // Silence from day 40 (day 0 = 2024-03-04). At the end of day D ≥ 40, by hand: member
        // days in the 30-day window 69 − D; human messages in the last 4 weeks 67 − D against
        // 27 the 4 weeks before at D = 54 (13 < 13.5: declining, 2024-04-27); fewer than 4
        // member days at D = 66 (dormant, 2024-05-09); none in 30 days at D = 69 (dead, 2024-05-12).
        let mut changes = Vec::new();
        for d in 41..80i64 {
            r.tick(T0 + d * 1440 * MIN, false);
            changes.extend(r.take_changes());
        }
        let kinds: Vec<String> = changes.iter().map(|c| c.alert().key.clone()).collect();
        assert_eq!(
            kinds,
            vec![
                "telegram:-100:status_change:alive-declining:2024-04-27".to_string(),
                "telegram:-100:status_change:declining-dormant:2024-05-09".to_string(),
                "telegram:-100:status_change:dormant-dead:2024-05-12".to_string(),
            ]
        );
        assert_eq!(changes[0].alert().text_zh, "「读书会」状态由活跃变为衰退（2024-04-27）");
        // Members come back daily from day 80: dormant again at once (the dead drop resolves),
        // alive by day 85 (4 weeks hold 6 messages against 10 before): every drop resolves.
        let mut back = Vec::new();
        for d in 80..90i64 {
            back.extend(feed(&mut r, &msg(&format!("n{d}"), at_day(d), "Bob", "回来了")));
        }
        back.extend({
            r.tick(T0 + 91 * 1440 * MIN, false);
            r.take_changes()
        });
        let resolved = back.iter().filter(|c| matches!(c, AlertChange::Resolved(_))).count();
        assert_eq!(resolved, 3, "{back:?}");
        assert_eq!(r.status(), Some(Status::Alive));
        assert!(r.state_bytes() < 64 * 1024, "{} bytes", r.state_bytes());
    }
}
