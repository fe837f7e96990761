//! One group's watch: a bounded tail of its messages, fed in time order, and the bids in it
//! decided by the batch linker and response rule once their wait has elapsed.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use shequn_model::{
    EventKind, GroupKind, GroupMeta, Link, LinkSource, MemberIx, MemberMeta, Mention, Message, MessageKind, Msg,
    Person, RosterEntry, Stamp, SystemEvent, Timeline,
};
use shequn_replies::text::{is_cjk, is_greeting, is_question};
use shequn_replies::{ReplySettings, ResponsivenessSettings, Weights};

use crate::alert::{Alert, AlertChange, AlertKind, AlertState, GroupRef, Quote, Resolution};
use crate::enforce::Enforcement;
use crate::rules::{GroupRules, RuleConfig};
use crate::settings::{RuleSwitches, Waits};

/// How a watch decides and how much it keeps.
#[derive(Debug, Clone)]
pub struct WatchConfig {
    pub waits: Waits,
    /// The content and health rules (ads, policy, pushes, key people, status, leave spikes).
    pub rules: RuleConfig,
    /// The linker's settings (the same `[replies]` table the report uses).
    pub replies: ReplySettings,
    /// The response rule's settings (`[responsiveness]`; `answer_within_ms` is replaced by each wait).
    pub responsiveness: ResponsivenessSettings,
    /// The tail is re-linked at most this often (a wait is decided and an answer reported up
    /// to this late; what is decided does not depend on it, only when it is reported).
    pub eval_every_ms: i64,
    /// An open alert's bid is watched for an answer this long; then the alert simply stays open.
    pub track_ms: i64,
    /// Messages kept before the oldest bid still watched: what the linker looks back over.
    pub lead: usize,
    /// The tail never holds more messages than this (a flood drops the oldest).
    pub max_tail: usize,
}

impl WatchConfig {
    pub fn new(waits: Waits, replies: ReplySettings, responsiveness: ResponsivenessSettings) -> WatchConfig {
        let lead = (replies.window * 2).max(50);
        WatchConfig {
            waits,
            rules: RuleConfig::new(RuleSwitches::default()),
            replies,
            responsiveness,
            eval_every_ms: 1_000,
            track_ms: 24 * 3_600_000,
            lead,
            max_tail: 5_000,
        }
    }

    fn longest_wait(&self) -> i64 {
        self.waits.newcomer_ms.max(self.waits.question_ms)
    }
}

/// A message's key for alerts: `m:<platform id>`, or `c:<xxh3 of time, sender key, text>`
/// where the platform gives none; the same from a live record and from the archive, so an
/// alert raised before a restart is recognised after it.
pub fn message_key(platform_id: Option<&str>, time_ms: i64, sender_key: &str, text: &str) -> String {
    match platform_id {
        Some(id) => format!("m:{id}"),
        None => {
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            h.update(&time_ms.to_le_bytes());
            h.update(sender_key.as_bytes());
            h.update(&[0]);
            h.update(text.as_bytes());
            format!("c:{:016x}", h.digest())
        }
    }
}

/// The group as the archive holds it, to start a watch after a restart (or on first sight).
pub struct Seed<'a> {
    pub timeline: &'a Timeline,
    /// The service's clock: bids older than `now_ms` minus twice the longest wait are not
    /// raised any more (the service was down; they are history, not news).
    pub now_ms: i64,
    /// Alert keys already stored: never raised again, but still watched for an answer.
    pub raised: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Reply {
    None,
    /// To a message in the tail (by sequence number).
    Tail(u64),
    /// To a message older than the tail: the platform linked it, so the linker may not.
    Outside,
}

#[derive(Debug, Clone)]
struct Entry {
    seq: u64,
    key: String,
    time_ms: i64,
    offset_s: i32,
    sender: MemberIx,
    kind: MessageKind,
    text: String,
    reply: Reply,
    mentions: Vec<MemberIx>,
    mentions_everyone: bool,
    forwarded: bool,
    /// The sender's first message, and the sender is new (the batch `newcomers` rule).
    newcomer: bool,
    /// The newcomer and question waits are decided (or never apply).
    newcomer_done: bool,
    question_done: bool,
}

#[derive(Debug, Clone)]
struct Open {
    seq: u64,
    alert: Alert,
}

/// One group's incremental state. Feed it in time order ([`GroupWatch::push_message`],
/// [`GroupWatch::push_event`], [`GroupWatch::push_roster`]) and [`GroupWatch::tick`] it.
pub struct GroupWatch {
    cfg: WatchConfig,
    group: GroupRef,
    members: Vec<MemberMeta>,
    member_ix: HashMap<String, MemberIx>,
    spoken: Vec<bool>,
    joined: Vec<Option<i64>>,
    /// The group's first message: later first messages past `newcomer_grace_ms` are newcomers'.
    first_ms: Option<i64>,
    /// Some message ever carried a platform reply: the proximity rule is off (as in batch).
    records_replies: bool,
    tail: Vec<Entry>,
    next_seq: u64,
    by_platform_id: HashMap<String, u64>,
    keys: HashSet<String>,
    raised: HashSet<String>,
    open: Vec<Open>,
    dirty: bool,
    last_eval_ms: i64,
    offset_s: i32,
    newest_ms: i64,
    /// Messages with a sequence number from here on came since the last look at open alerts.
    seen_seq: u64,
    /// The earliest `now` at which a tick has a wait to decide (kept, so ticking many quiet
    /// groups costs nothing).
    due: Option<i64>,
    /// The other rules' state (ads, policy, pushes, key people, status, leave spikes).
    rules: GroupRules,
}

fn weights() -> &'static Weights {
    static W: OnceLock<Weights> = OnceLock::new();
    W.get_or_init(Weights::builtin)
}

fn person_key(platform_id: Option<&str>, name: &str) -> String {
    match platform_id {
        Some(id) => format!("id:{id}"),
        None => format!("name:{name}"),
    }
}

impl GroupWatch {
    /// A watch on a group nothing is known of yet (its first message starts it).
    pub fn new(group: GroupRef, cfg: WatchConfig) -> GroupWatch {
        let rules = GroupRules::new(group.clone(), cfg.rules.clone());
        GroupWatch {
            rules,
            cfg,
            group,
            members: Vec::new(),
            member_ix: HashMap::new(),
            spoken: Vec::new(),
            joined: Vec::new(),
            first_ms: None,
            records_replies: false,
            tail: Vec::new(),
            next_seq: 0,
            by_platform_id: HashMap::new(),
            keys: HashSet::new(),
            raised: HashSet::new(),
            open: Vec::new(),
            dirty: false,
            last_eval_ms: i64::MIN,
            offset_s: 0,
            newest_ms: i64::MIN,
            seen_seq: 0,
            due: None,
        }
    }

    /// A watch that starts from the archive's copy of the group: every member and join, who
    /// has spoken, and the recent tail (`platform_id` gives a tail message's platform id).
    pub fn resume(
        group: GroupRef,
        cfg: WatchConfig,
        seed: Seed<'_>,
        platform_id: &mut dyn FnMut(&Msg) -> Option<String>,
    ) -> GroupWatch {
        let mut w = GroupWatch::new(group, cfg);
        let t = seed.timeline;
        w.raised.extend(seed.raised);
        w.offset_s = t.group.utc_offset_s;
        // The archive's members by index in `t`, as this watch numbers them.
        let mut map: Vec<MemberIx> = Vec::with_capacity(t.members.len());
        for m in &t.members {
            let ix = w.member(&person_key(m.platform_id.as_deref(), &m.name));
            let mm = &mut w.members[ix as usize];
            mm.name = m.name.clone();
            mm.platform_id = m.platform_id.clone();
            mm.is_bot |= m.is_bot;
            mm.role = m.role.or(mm.role);
            let j = &mut w.joined[ix as usize];
            *j = match (*j, m.roster_joined_ms) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
            map.push(ix);
        }
        for e in t.events.iter().filter(|e| e.kind == EventKind::Join) {
            for &s in &e.subjects {
                let j = &mut w.joined[map[s as usize] as usize];
                *j = Some(j.map_or(e.time_ms, |x| x.min(e.time_ms)));
            }
        }
        w.first_ms = t.first_ms();
        w.records_replies = t.messages.iter().any(|m| m.reply_to.is_some());
        // Bids from `first_live` on may still be raised; the linker's look-back is kept before them.
        let since = seed.now_ms - 2 * w.cfg.longest_wait();
        let first_live = t.messages.partition_point(|m| m.time_ms < since);
        let cut = first_live.saturating_sub(w.cfg.lead).max(t.messages.len().saturating_sub(w.cfg.max_tail));
        for m in &t.messages[..cut] {
            w.spoken[map[m.sender as usize] as usize] = true;
        }
        // The rules count the whole history (into bounded counters); only what a window can
        // still read is run through the ad classifier.
        let classify_from = seed.now_ms
            - i64::from(w.cfg.rules.diagnosis.burst_window_minutes) * 60_000
            - i64::from(w.cfg.rules.diagnosis.leave_spike_hours) * 3_600_000;
        // Platform ids (one archive look-up each) only where something still reads them: the
        // tail, and the rules' memory of recent messages (replies, answered pushes).
        let pid_from = cut.min(t.messages.len().saturating_sub(crate::pushes::RECENT));
        let mut pids: Vec<Option<String>> = Vec::with_capacity(t.messages.len());
        let mut k = 0;
        for (i, m) in t.messages.iter().enumerate() {
            while k < t.events.len() && t.events[k].time_ms <= m.time_ms {
                w.rules.event(&event_of(t, &t.events[k], t.group.utc_offset_s), true);
                k += 1;
            }
            let pid = if i >= pid_from { platform_id(m) } else { None };
            let reply = m.reply_to.and_then(|p| pids.get(p as usize).cloned().flatten());
            let message = message_of(t, m, pid.clone(), reply, t.group.utc_offset_s);
            let key = message_key(pid.as_deref(), m.time_ms, &message.sender.key(), &m.text);
            w.rules.message(&message, &key, true, m.time_ms >= classify_from);
            pids.push(pid);
            let _ = i;
        }
        for e in &t.events[k..] {
            w.rules.event(&event_of(t, e, t.group.utc_offset_s), true);
        }
        w.rules.tick(seed.now_ms, true);
        w.rules.take_changes();
        w.rules.take_enforcements();
        let mut seq_of: HashMap<usize, u64> = HashMap::new();
        for (i, m) in t.messages.iter().enumerate().skip(cut) {
            let pid = pids[i].clone();
            let sender = map[m.sender as usize];
            let key = message_key(pid.as_deref(), m.time_ms, &w.member_key(sender), &m.text);
            let reply = match m.reply_to.map(|p| p as usize) {
                Some(p) => seq_of.get(&p).map_or(Reply::Outside, |&s| Reply::Tail(s)),
                None => Reply::None,
            };
            let msg = Msg { sender, mentions: m.mentions.iter().map(|&x| map[x as usize]).collect(), ..m.clone() };
            let decided = i < first_live;
            let seq = w.append(key, pid, m.time_ms, t.group.utc_offset_s, sender, &msg, reply, decided);
            if let Some(seq) = seq {
                seq_of.insert(i, seq);
            }
        }
        w
    }

    pub fn group(&self) -> &GroupRef {
        &self.group
    }

    /// The member for a key, added on first sight.
    fn member(&mut self, key: &str) -> MemberIx {
        if let Some(&ix) = self.member_ix.get(key) {
            return ix;
        }
        let ix = self.members.len() as MemberIx;
        self.members.push(MemberMeta {
            id: ix as i64 + 1,
            person_id: None,
            platform_id: None,
            name: key.split_once(':').map_or(key, |(_, n)| n).to_string(),
            is_bot: false,
            role: None,
            title: None,
            on_roster: false,
            roster_joined_ms: None,
        });
        self.member_ix.insert(key.to_string(), ix);
        self.spoken.push(false);
        self.joined.push(None);
        ix
    }

    fn member_key(&self, ix: MemberIx) -> String {
        let m = &self.members[ix as usize];
        person_key(m.platform_id.as_deref(), &m.name)
    }

    fn person(&mut self, p: &Person) -> MemberIx {
        let ix = self.member(&p.key());
        let m = &mut self.members[ix as usize];
        if !p.name.is_empty() {
            m.name = p.name.clone();
        }
        m.platform_id = p.platform_id.clone().or(m.platform_id.take());
        m.is_bot |= p.is_bot;
        m.role = p.role.or(m.role);
        ix
    }

    /// Adds one message (a platform's retry or the archive's copy of it is ignored).
    pub fn push_message(&mut self, m: &Message) {
        let sender = self.person(&m.sender);
        let key = message_key(m.id.as_deref(), m.time.unix_ms, &m.sender.key(), &m.text);
        if self.keys.contains(&key) {
            return;
        }
        self.rules.message(m, &key, false, true);
        let reply = match &m.reply_to {
            Some(p) => {
                self.records_replies = true;
                self.by_platform_id.get(p).map_or(Reply::Outside, |&s| Reply::Tail(s))
            }
            None => Reply::None,
        };
        let mut mentions = Vec::new();
        let mut everyone = false;
        for x in &m.mentions {
            match x {
                Mention::Everyone => everyone = true,
                // Only members already known: the archive would also match a name of
                // someone who speaks later (docs/alerts.md, "where they can differ").
                Mention::Member(p) => {
                    let found = match &p.platform_id {
                        Some(_) => self.member_ix.get(&p.key()).copied(),
                        None => self.members.iter().position(|mm| mm.name == p.name).map(|i| i as MemberIx),
                    };
                    if let Some(ix) = found.filter(|ix| !mentions.contains(ix)) {
                        mentions.push(ix);
                    }
                }
            }
        }
        let msg = Msg {
            id: 0,
            time_ms: m.time.unix_ms,
            sender,
            kind: m.kind,
            text: m.text.clone(),
            amount_cents: None,
            reply_to: None,
            mentions,
            mentions_everyone: everyone,
            forwarded: m.forwarded,
        };
        self.offset_s = m.time.offset_s;
        self.append(key, m.id.clone(), m.time.unix_ms, m.time.offset_s, sender, &msg, reply, false);
    }

    /// Adds a system event: joins say who is new.
    pub fn push_event(&mut self, e: &SystemEvent) {
        self.rules.event(e, false);
        if e.kind != EventKind::Join {
            return;
        }
        for p in &e.subjects {
            let ix = self.person(p) as usize;
            self.joined[ix] = Some(self.joined[ix].map_or(e.time.unix_ms, |x| x.min(e.time.unix_ms)));
        }
    }

    /// Adds a roster entry: a stated join time says who is new.
    pub fn push_roster(&mut self, r: &RosterEntry) {
        self.rules.roster(r);
        let ix = self.person(&r.person) as usize;
        if let Some(j) = r.joined {
            self.joined[ix] = Some(self.joined[ix].map_or(j.unix_ms, |x| x.min(j.unix_ms)));
        }
    }

    /// Appends (or, for a late record, inserts by time) one message; returns its sequence number.
    #[allow(clippy::too_many_arguments)]
    fn append(
        &mut self,
        key: String,
        platform_id: Option<String>,
        time_ms: i64,
        offset_s: i32,
        sender: MemberIx,
        m: &Msg,
        reply: Reply,
        decided: bool,
    ) -> Option<u64> {
        if !self.keys.insert(key.clone()) {
            return None;
        }
        let first = *self.first_ms.get_or_insert(time_ms);
        // A late record far older than what the watch has seen (a platform's redelivery after
        // the tail moved on) is history, not news: kept for linking, never raised.
        let decided = decided || time_ms < self.newest_ms - 2 * self.cfg.longest_wait();
        self.newest_ms = self.newest_ms.max(time_ms);
        let s = sender as usize;
        let newcomer = !self.spoken[s]
            && (self.joined[s].is_some_and(|j| j <= time_ms)
                || time_ms - first >= self.cfg.responsiveness.newcomer_grace_ms);
        self.spoken[s] = true;
        let seq = self.next_seq;
        self.next_seq += 1;
        if let Some(id) = platform_id {
            self.by_platform_id.insert(id, seq);
        }
        let question = is_question(&m.text);
        let entry = Entry {
            seq,
            key,
            time_ms,
            offset_s,
            sender,
            kind: m.kind,
            text: m.text.clone(),
            reply,
            mentions: m.mentions.clone(),
            mentions_everyone: m.mentions_everyone,
            forwarded: m.forwarded,
            newcomer,
            newcomer_done: decided || !newcomer || self.cfg.waits.newcomer_ms <= 0,
            question_done: decided || !question || self.cfg.waits.question_ms <= 0,
        };
        let w = &self.cfg.waits;
        for (done, wait) in [(entry.newcomer_done, w.newcomer_ms), (entry.question_done, w.question_ms)] {
            if !done {
                let d = time_ms + wait + 1;
                self.due = Some(self.due.map_or(d, |x| x.min(d)));
            }
        }
        let at = self.tail.partition_point(|e| e.time_ms <= time_ms);
        self.tail.insert(at, entry);
        self.dirty = true;
        Some(seq)
    }

    /// When the next wait elapses (the earliest `now` at which a tick has something to
    /// decide), for a caller that runs a simulated clock.
    pub fn next_due(&self) -> Option<i64> {
        self.due.map(|d| d.max(self.last_eval_ms.saturating_add(self.cfg.eval_every_ms)))
    }

    fn compute_due(&self) -> Option<i64> {
        let w = &self.cfg.waits;
        self.tail
            .iter()
            .flat_map(|e| {
                [
                    (!e.newcomer_done).then(|| e.time_ms + w.newcomer_ms),
                    (!e.question_done).then(|| e.time_ms + w.question_ms),
                ]
            })
            .flatten()
            .min()
            .map(|d| d + 1)
    }

    /// Alerts opened and resolved as of `now_ms`: a bid whose wait ended before `now_ms`
    /// with no answer within it is opened (once); an open one's answer resolves it.
    pub fn tick(&mut self, now_ms: i64) -> Vec<AlertChange> {
        self.tick_with(now_ms, false)
    }

    /// As [`GroupWatch::tick`], without waiting out `eval_every_ms` (the end of a replay).
    pub fn flush(&mut self, now_ms: i64) -> Vec<AlertChange> {
        self.tick_with(now_ms, true)
    }

    fn tick_with(&mut self, now_ms: i64, force: bool) -> Vec<AlertChange> {
        let throttled = !force && now_ms.saturating_sub(self.last_eval_ms) < self.cfg.eval_every_ms;
        let due = !throttled && self.due.is_some_and(|d| d <= now_ms);
        let recheck = !throttled && self.dirty && !self.open.is_empty() && self.may_answer_open();
        let mut out = Vec::new();
        if due || recheck {
            self.evaluate(now_ms, &mut out);
            self.last_eval_ms = now_ms;
        }
        if due || recheck || self.open.is_empty() {
            self.dirty = false;
            self.seen_seq = self.next_seq;
        }
        let tracked = self.open.len();
        self.open.retain(|o| now_ms - o.alert.message.time_ms <= self.cfg.track_ms);
        // Trimming scans the tail: after a decision, or once plain chatter has piled up.
        if due || recheck || tracked != self.open.len() || self.tail.len() > 2 * self.cfg.lead {
            self.trim();
            self.due = self.compute_due();
        }
        // The other rules: days that ended are judged; what messages raised is reported. An
        // alert the archive already holds (raised before a restart) is not raised again.
        self.rules.tick(now_ms, false);
        for c in self.rules.take_changes() {
            if matches!(&c, AlertChange::Opened(a) if self.raised.contains(&a.key)) {
                continue;
            }
            out.push(c);
        }
        out
    }

    /// Enforcement decisions since the last call (ad-policy violations in an enforced group).
    pub fn take_enforcements(&mut self) -> Vec<Enforcement> {
        self.rules.take_enforcements()
    }

    /// The content and health rules' state (status, key people, pushers), for tests and views.
    pub fn rules(&self) -> &GroupRules {
        &self.rules
    }

    /// Approximate bytes this watch holds: the tail, the members, and the rules' counters
    /// (what `shequn bench live` reports as `state_bytes_per_group`).
    pub fn state_bytes(&self) -> usize {
        let tail: usize = self
            .tail
            .iter()
            .map(|e| std::mem::size_of::<Entry>() + e.key.len() + e.text.len() + e.mentions.len() * 4 + 2 * e.key.len())
            .sum();
        let members: usize = self
            .members
            .iter()
            .map(|m| {
                std::mem::size_of::<MemberMeta>()
                    + 2 * m.name.len()
                    + m.platform_id.as_ref().map_or(0, |p| 2 * p.len())
                    + 40
            })
            .sum();
        let ids: usize = self.by_platform_id.keys().map(|k| k.len() + 32).sum();
        let open: usize = self
            .open
            .iter()
            .map(|o| std::mem::size_of::<Open>() + o.alert.key.len() + o.alert.message.text.len() + 128)
            .sum();
        let raised: usize = self.raised.iter().map(|k| k.len() + 24).sum();
        std::mem::size_of::<GroupWatch>() + tail + members + ids + open + raised + self.rules.state_bytes()
    }

    /// Whether a message that came since the last look could answer an open alert's bid; the
    /// linker is only run again when one could. A new message links to a bid (or to the
    /// asker's follow-up) only within the linker's window after it, by a platform reply, by
    /// naming the asker, or (no link at all) as the next speaker within `proximity_answer_ms`:
    /// anything else leaves every open alert as it was, and the linker's earlier links do not
    /// change (it reads front to back).
    fn may_answer_open(&self) -> bool {
        let window = self.cfg.replies.window;
        let pos: HashMap<u64, usize> = self.tail.iter().enumerate().map(|(i, e)| (e.seq, i)).collect();
        self.open.iter().any(|o| {
            let Some(&b) = pos.get(&o.seq) else { return false };
            let asker = self.tail[b].sender;
            let name = self.members[asker as usize].name.to_lowercase();
            let mut last_own = b;
            self.tail.iter().enumerate().skip(b + 1).any(|(i, e)| {
                if e.sender == asker {
                    last_own = i;
                    return false;
                }
                e.seq >= self.seen_seq
                    && (i - last_own <= window
                        || !matches!(e.reply, Reply::None)
                        || e.mentions.contains(&asker)
                        || e.time_ms - self.tail[b].time_ms <= self.cfg.responsiveness.proximity_answer_ms
                        || (name.chars().count() >= 2 && e.text.to_lowercase().contains(&name)))
            })
        })
    }

    /// Alerts this watch is still watching for an answer.
    pub fn open_alerts(&self) -> impl Iterator<Item = &Alert> {
        self.open.iter().map(|o| &o.alert)
    }

    /// Messages held now (for tests of boundedness).
    pub fn tail_len(&self) -> usize {
        self.tail.len()
    }

    /// The tail as a timeline (holding this watch's members until [`GroupWatch::evaluate`]
    /// gives them back: cloning thousands of members per look cost more than the linking).
    fn timeline(&mut self) -> (Timeline, Vec<bool>) {
        let pos: HashMap<u64, usize> = self.tail.iter().enumerate().map(|(i, e)| (e.seq, i)).collect();
        let mut outside = vec![false; self.tail.len()];
        let messages = self
            .tail
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let reply_to = match e.reply {
                    Reply::Tail(s) => pos.get(&s).copied().filter(|&p| p < i).map(|p| p as u32),
                    Reply::Outside => None,
                    Reply::None => None,
                };
                outside[i] = e.reply == Reply::Outside || matches!(e.reply, Reply::Tail(_)) && reply_to.is_none();
                Msg {
                    id: e.seq as i64,
                    time_ms: e.time_ms,
                    sender: e.sender,
                    kind: e.kind,
                    text: e.text.clone(),
                    amount_cents: None,
                    reply_to,
                    mentions: e.mentions.clone(),
                    mentions_everyone: e.mentions_everyone,
                    forwarded: e.forwarded,
                }
            })
            .collect();
        let t = Timeline {
            group: GroupMeta {
                id: 0,
                platform: self.group.platform,
                platform_id: self.group.platform_id.clone(),
                name: self.group.name.clone(),
                kind: GroupKind::Group,
                member_count: None,
                utc_offset_s: self.offset_s,
                zone_inferred: false,
                notes: Vec::new(),
                coverage: None,
            },
            members: std::mem::take(&mut self.members),
            messages,
            events: Vec::new(),
        };
        (t, outside)
    }

    fn evaluate(&mut self, now_ms: i64, out: &mut Vec<AlertChange>) {
        if self.tail.is_empty() {
            return;
        }
        let (t, outside) = self.timeline();
        let mut links = shequn_replies::link(&t, &self.cfg.replies, weights());
        // A platform reply to a message older than the tail: the batch linker sees that
        // explicit link, so this message answers none of the tail's bids.
        for (l, &o) in links.iter_mut().zip(&outside) {
            if o {
                *l = Link { parent: None, source: LinkSource::Explicit, confidence: 1.0 };
            }
        }
        let newcomer: Vec<bool> = self.tail.iter().map(|e| e.newcomer).collect();
        let bids = bid_rule(&t, &links, &newcomer, &outside, self.records_replies, &self.cfg.responsiveness);
        self.give_back(t);
        let waits = self.cfg.waits;
        for (i, bid) in bids.iter().enumerate() {
            let e = &self.tail[i];
            let time_ms = e.time_ms;
            let checks = [
                (AlertKind::Newcomer, !e.newcomer_done, waits.newcomer_ms),
                (AlertKind::Question, !e.question_done, waits.question_ms),
            ];
            // History delivered late (a backfill, a replay through the live path) is not news.
            let stale = time_ms < now_ms - 2 * self.cfg.longest_wait() - self.cfg.eval_every_ms;
            for (kind, pending, wait) in checks {
                if !pending || time_ms + wait >= now_ms {
                    continue;
                }
                match kind {
                    AlertKind::Newcomer => self.tail[i].newcomer_done = true,
                    _ => self.tail[i].question_done = true,
                }
                if stale {
                    continue;
                }
                let applies = bid.as_ref().is_some_and(|b| match kind {
                    AlertKind::Newcomer => b.newcomer,
                    // A newcomer's question is the newcomer's alert, when that one is on.
                    _ => b.question && !(b.newcomer && waits.newcomer_ms > 0),
                });
                let Some(b) = bid.as_ref().filter(|_| applies) else { continue };
                if b.answered_within(wait) {
                    continue;
                }
                let alert = self.alert(i, kind, wait);
                if self.open.iter().any(|o| o.alert.key == alert.key) {
                    continue;
                }
                if self.raised.insert(alert.key.clone()) {
                    out.push(AlertChange::Opened(alert.clone()));
                }
                self.open.push(Open { seq: self.tail[i].seq, alert });
            }
        }
        // Answers to open alerts (including one that came after the wait but before this tick).
        let pos: HashMap<u64, usize> = self.tail.iter().enumerate().map(|(i, e)| (e.seq, i)).collect();
        let mut still = Vec::with_capacity(self.open.len());
        for o in std::mem::take(&mut self.open) {
            let answer = pos.get(&o.seq).and_then(|&i| bids[i].as_ref()).and_then(|b| b.first_response());
            match answer {
                Some((delay, by)) => {
                    let mut alert = o.alert;
                    let res = Resolution::new(&alert, &self.members[by as usize].name, alert.message.time_ms + delay);
                    alert.state = AlertState::Resolved;
                    alert.resolution = Some(res);
                    out.push(AlertChange::Resolved(alert));
                }
                None => still.push(o),
            }
        }
        self.open = still;
    }

    /// Takes the members back from the tail's timeline.
    fn give_back(&mut self, t: Timeline) {
        self.members = t.members;
    }

    fn alert(&self, i: usize, kind: AlertKind, wait: i64) -> Alert {
        let e = &self.tail[i];
        let sender = &self.members[e.sender as usize].name;
        let wait_min = wait / 60_000;
        let (text_zh, text_en) = Alert::texts(kind, &self.group.name, sender, wait_min);
        Alert {
            key: format!("{}:{}:{}", self.group.key(), kind.as_str(), e.key),
            kind,
            group: self.group.clone(),
            message_key: e.key.clone(),
            message: Quote::new(sender, e.time_ms, e.offset_s, &e.text),
            wait_min,
            opened_ms: e.time_ms + wait,
            text_zh,
            text_en,
            state: AlertState::Open,
            resolution: None,
            quotes: Vec::new(),
            reasons: Vec::new(),
            numbers: Default::default(),
        }
    }

    /// Drops what no bid needs any more: everything before the linker's look-back of the
    /// oldest bid still waiting or open, and the oldest messages past `max_tail`.
    fn trim(&mut self) {
        let oldest_open = self.open.iter().map(|o| o.seq).collect::<HashSet<_>>();
        let first_needed = self
            .tail
            .iter()
            .position(|e| !e.newcomer_done || !e.question_done || oldest_open.contains(&e.seq))
            .unwrap_or(self.tail.len());
        let cut = first_needed.saturating_sub(self.cfg.lead).max(self.tail.len().saturating_sub(self.cfg.max_tail));
        if cut == 0 {
            return;
        }
        let group = self.group.key();
        for e in self.tail.drain(..cut) {
            self.keys.remove(&e.key);
            for kind in [AlertKind::Newcomer, AlertKind::Question] {
                self.raised.remove(&format!("{group}:{}:{}", kind.as_str(), e.key));
            }
        }
        let first_seq = self.tail.first().map_or(u64::MAX, |e| e.seq);
        self.by_platform_id.retain(|_, s| *s >= first_seq);
        self.open.retain(|o| o.seq >= first_seq);
    }
}

/// An archived member as the live records name them.
fn person_of(m: &MemberMeta) -> Person {
    Person {
        platform_id: m.platform_id.clone(),
        name: m.name.clone(),
        is_bot: m.is_bot,
        role: m.role,
        title: m.title.clone(),
    }
}

/// An archived message as a live record (for the rules when a watch starts from the archive).
fn message_of(t: &Timeline, m: &Msg, id: Option<String>, reply_to: Option<String>, offset_s: i32) -> Message {
    let mentions = m.mentions.iter().map(|&x| Mention::Member(person_of(t.member(x)))).collect();
    Message {
        id,
        time: Stamp { unix_ms: m.time_ms, offset_s, zone_inferred: false },
        sender: person_of(t.sender(m)),
        text: m.text.clone(),
        kind: m.kind,
        amount_cents: m.amount_cents,
        reply_to,
        mentions,
        forwarded: m.forwarded,
        edited: None,
        relayed: None,
    }
}

/// An archived event as a live record.
fn event_of(t: &Timeline, e: &shequn_model::Ev, offset_s: i32) -> SystemEvent {
    let mut out =
        SystemEvent::new(Stamp { unix_ms: e.time_ms, offset_s, zone_inferred: false }, e.kind, e.text.clone());
    out.actor = e.actor.map(|a| person_of(t.member(a)));
    out.subjects = e.subjects.iter().map(|&s| person_of(t.member(s))).collect();
    out.amount_cents = e.amount_cents;
    out
}

/// What the batch rule says about one bid of the tail.
#[derive(Debug, Clone)]
struct BidEval {
    sender: MemberIx,
    time_ms: i64,
    question: bool,
    newcomer: bool,
    /// Delay to the first reply link from another human, and who.
    response: Option<(i64, MemberIx)>,
    /// Delay to the next human speaker within `proximity_answer_ms` (platforms that record
    /// no replies), and who.
    near: Option<(i64, MemberIx)>,
}

impl BidEval {
    /// Answered as the batch rule says as of the end of the wait: a reply link within it, or,
    /// with no reply link by then, the next speaker within it. (Batch over a whole timeline
    /// lets a reply link hours later override that next speaker; see docs/alerts.md.)
    fn answered_within(&self, wait: i64) -> bool {
        self.response.is_some_and(|(d, _)| d <= wait) || self.near.is_some_and(|(d, _)| d <= wait)
    }

    /// The first answer of any kind, for resolving an open alert.
    fn first_response(&self) -> Option<(i64, MemberIx)> {
        match (self.response, self.near) {
            (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
            (a, b) => a.or(b),
        }
    }
}

/// Characters with CJK counted double (as the batch rule counts a starter's length).
fn weighted_chars(text: &str) -> usize {
    text.trim().chars().map(|c| if is_cjk(c) { 2 } else { 1 }).sum()
}

/// `shequn_replies::responsiveness`'s bids and first responses, message by message, with the
/// newcomer flags and the platform-records-replies fact from the whole group (the watch's),
/// not from the tail. Kept line for line beside the batch code; the real-data test holds the
/// two to the same counts.
fn bid_rule(
    t: &Timeline,
    links: &[Link],
    newcomer: &[bool],
    outside: &[bool],
    records_replies: bool,
    s: &ResponsivenessSettings,
) -> Vec<Option<BidEval>> {
    let n = t.messages.len().min(links.len());
    let bot_flags = shequn_replies::bots::bots(t, s);
    let human = |m: MemberIx| !shequn_replies::bots::is_bot(&bot_flags, m);
    let mut bid_of: Vec<Option<usize>> = vec![None; n];
    let mut bids: Vec<(usize, BidEval)> = Vec::new();
    for i in 0..n {
        let m = &t.messages[i];
        let l = links[i];
        let parent = l.parent.map(|p| p as usize).filter(|&p| p < i);
        let counts = l.source == LinkSource::Explicit || l.confidence >= s.min_confidence;
        if let (Some(p), true) = (parent, counts) {
            if let Some(b) = bid_of[p] {
                let bid = &mut bids[b].1;
                if m.sender == bid.sender {
                    bid_of[i] = Some(b);
                } else if human(m.sender) && bid.response.is_none() {
                    bid.response = Some((m.time_ms - bid.time_ms, m.sender));
                }
            }
        }
        if !human(m.sender) || bid_of[i].is_some() {
            continue;
        }
        let question = is_question(&m.text);
        let starter =
            parent.is_none() && !outside[i] && (weighted_chars(&m.text) >= s.starter_min_chars || is_greeting(&m.text));
        if question || newcomer[i] || starter {
            bid_of[i] = Some(bids.len());
            bids.push((
                i,
                BidEval {
                    sender: m.sender,
                    time_ms: m.time_ms,
                    question,
                    newcomer: newcomer[i],
                    response: None,
                    near: None,
                },
            ));
        }
    }
    if !records_replies && s.proximity_answer_ms > 0 {
        // Every bid's, not only those without a reply link: which one counts depends on when
        // the wait ends (`BidEval::answered_within`), so deciding later changes nothing.
        for (bid, b) in bids.iter_mut() {
            let bid = *bid;
            let hit =
                (bid + 1..n).take_while(|&j| t.messages[j].time_ms - b.time_ms <= s.proximity_answer_ms).find(|&j| {
                    let m = &t.messages[j];
                    let addressed_elsewhere =
                        links[j].source == LinkSource::Mention && links[j].parent != Some(bid as u32);
                    m.sender != b.sender && human(m.sender) && !addressed_elsewhere
                });
            if let Some(j) = hit {
                b.near = Some((t.messages[j].time_ms - b.time_ms, t.messages[j].sender));
            }
        }
    }
    let mut out = vec![None; t.messages.len()];
    for (i, b) in bids {
        out[i] = Some(b);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::AlertSettings;
    use shequn_model::{Platform, Stamp, TimelineBuilder};

    const MIN: i64 = 60_000;
    /// Monday 2024-03-04 12:00 UTC.
    const T0: i64 = 1_709_553_600_000;

    fn group() -> GroupRef {
        GroupRef { platform: Platform::Generic, platform_id: "g1".into(), name: "读书会".into() }
    }

    fn cfg() -> WatchConfig {
        let s = AlertSettings::default();
        WatchConfig::new(s.waits_for("读书会", "g1"), ReplySettings::default(), ResponsivenessSettings::default())
    }

    fn msg(id: &str, at: i64, who: &str, text: &str) -> Message {
        Message {
            id: Some(id.into()),
            time: Stamp::from_unix_ms(at),
            sender: Person::with_id(who.to_lowercase(), who),
            text: text.into(),
            ..Message::default()
        }
    }

    fn join(at: i64, who: &str) -> SystemEvent {
        let mut e = SystemEvent::new(Stamp::from_unix_ms(at), EventKind::Join, format!("{who} joined"));
        e.subjects.push(Person::with_id(who.to_lowercase(), who));
        e
    }

    /// A group where Bob and Cid have talked for an hour, and Ann joins at T0.
    fn with_regulars() -> GroupWatch {
        let mut w = GroupWatch::new(group(), cfg());
        w.push_message(&msg("1", T0 - 60 * MIN, "Bob", "morning all, the meetup moved to Friday"));
        w.push_message(&msg("2", T0 - 59 * MIN, "Cid", "thanks Bob, noted"));
        w.push_event(&join(T0, "Ann"));
        w
    }

    /// Ticks every minute from `from` to `to` (inclusive), collecting changes.
    fn run(w: &mut GroupWatch, from: i64, to: i64) -> Vec<AlertChange> {
        let mut out = Vec::new();
        let mut t = from;
        while t <= to {
            out.extend(w.tick(t));
            t += MIN;
        }
        out
    }

    #[test]
    fn an_unanswered_newcomer_is_one_alert_after_the_wait() {
        let mut w = with_regulars();
        w.push_message(&msg("3", T0 + MIN, "Ann", "hi everyone, I just joined, glad to be here"));
        assert!(run(&mut w, T0 + MIN, T0 + 11 * MIN).is_empty(), "not before the 10 minutes are over");
        let changes = run(&mut w, T0 + 12 * MIN, T0 + 120 * MIN);
        assert_eq!(changes.len(), 1, "{changes:?}");
        let AlertChange::Opened(a) = &changes[0] else { panic!("{changes:?}") };
        assert_eq!(a.key, "generic:g1:newcomer:m:3");
        assert_eq!(a.kind, AlertKind::Newcomer);
        assert_eq!(a.wait_min, 10);
        assert_eq!(a.opened_ms, T0 + 11 * MIN);
        assert_eq!(a.message.sender, "Ann");
        assert_eq!(a.text_zh, "「读书会」新人 Ann 的第一条发言 10 分钟无人回应");
        assert_eq!(a.text_en, "读书会: newcomer Ann's first message has had no answer for 10 min");
        assert_eq!(a.state, AlertState::Open);
    }

    #[test]
    fn an_answer_within_the_wait_raises_nothing() {
        let mut w = with_regulars();
        w.push_message(&msg("3", T0 + MIN, "Ann", "hi everyone, I just joined, glad to be here"));
        run(&mut w, T0 + MIN, T0 + 3 * MIN);
        w.push_message(&msg("4", T0 + 4 * MIN, "Bob", "welcome Ann! glad you made it"));
        assert!(run(&mut w, T0 + 4 * MIN, T0 + 240 * MIN).is_empty());
        assert_eq!(w.open_alerts().count(), 0);
    }

    #[test]
    fn an_answer_after_the_alert_resolves_it() {
        let mut w = with_regulars();
        w.push_message(&msg("3", T0 + MIN, "Ann", "hi everyone, I just joined, glad to be here"));
        let opened = run(&mut w, T0 + MIN, T0 + 20 * MIN);
        assert_eq!(opened.len(), 1);
        w.push_message(&msg("4", T0 + 21 * MIN, "Bob", "welcome Ann! sorry, was away"));
        let changes = run(&mut w, T0 + 21 * MIN, T0 + 60 * MIN);
        assert_eq!(changes.len(), 1, "{changes:?}");
        let AlertChange::Resolved(a) = &changes[0] else { panic!("{changes:?}") };
        assert_eq!(a.key, opened[0].key());
        assert_eq!(a.state, AlertState::Resolved);
        let r = a.resolution.as_ref().unwrap();
        assert_eq!((r.by.as_str(), r.after_min), ("Bob", 20));
        assert_eq!(r.text_zh, "「读书会」Bob 回应了 Ann（20 分钟后）");
        assert_eq!(w.open_alerts().count(), 0);
    }

    #[test]
    fn a_question_answered_by_a_reply_link_raises_nothing_and_an_ignored_one_does() {
        let mut w = with_regulars();
        // The platform records replies (Telegram-like): the proximity rule is off.
        let mut old = msg("5", T0 - 58 * MIN, "Bob", "yes, at the library");
        old.reply_to = Some("2".into());
        w.push_message(&old);
        w.push_message(&msg("6", T0 + 2 * MIN, "Cid", "how do I get the reading list for this month?"));
        let mut answer = msg("7", T0 + 9 * MIN, "Bob", "it is pinned at the top");
        answer.reply_to = Some("6".into());
        w.push_message(&answer);
        assert!(run(&mut w, T0, T0 + 120 * MIN).is_empty());

        // (Cid asking again would continue Cid's answered question, as in the batch rule.)
        w.push_message(&msg("8", T0 + 130 * MIN, "Dan", "does anyone have the PDF of chapter 3?"));
        let changes = run(&mut w, T0 + 130 * MIN, T0 + 200 * MIN);
        assert_eq!(changes.len(), 1, "{changes:?}");
        let a = changes[0].alert();
        assert_eq!((a.kind, a.wait_min, a.opened_ms), (AlertKind::Question, 30, T0 + 160 * MIN));
        assert_eq!(a.text_en, "读书会: Dan's question has had no answer for 30 min");
    }

    #[test]
    fn a_newcomers_question_is_one_alert_not_two() {
        let mut w = with_regulars();
        w.push_message(&msg("3", T0 + MIN, "Ann", "hello, how do I join the Friday meetup?"));
        let changes = run(&mut w, T0, T0 + 120 * MIN);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].alert().kind, AlertKind::Newcomer);
    }

    /// The archive's copy of the group, as `shequn live` reads it after a restart.
    fn archived(with_greeting: bool) -> Timeline {
        let mut b = TimelineBuilder::new("读书会");
        b.group_mut().platform_id = "g1".into();
        let (bob, cid, ann) = (b.member("Bob"), b.member("Cid"), b.member("Ann"));
        for (ix, id) in [(bob, "bob"), (cid, "cid"), (ann, "ann")] {
            b.member_mut(ix).platform_id = Some(id.into());
        }
        b.message(T0 - 60 * MIN, bob, "morning all, the meetup moved to Friday");
        b.message(T0 - 59 * MIN, cid, "thanks Bob, noted");
        b.event(T0, EventKind::Join, &[ann]);
        if with_greeting {
            b.message(T0 + MIN, ann, "hi everyone, I just joined, glad to be here");
        }
        b.build()
    }

    fn ids(m: &Msg) -> Option<String> {
        Some(m.id.to_string())
    }

    #[test]
    fn a_restart_between_greeting_and_wait_still_alerts_once() {
        // Before the restart: the greeting arrived, the wait had not elapsed.
        let mut before = with_regulars();
        before.push_message(&msg("3", T0 + MIN, "Ann", "hi everyone, I just joined, glad to be here"));
        assert!(run(&mut before, T0 + MIN, T0 + 5 * MIN).is_empty());
        drop(before);
        // After: started from the archive at T0 + 7 min (message ids are the row ids there).
        let t = archived(true);
        let seed = Seed { timeline: &t, now_ms: T0 + 7 * MIN, raised: Vec::new() };
        let mut w = GroupWatch::resume(group(), cfg(), seed, &mut ids);
        // The platform redelivers the greeting: it is the same message.
        w.push_message(&msg("3", T0 + MIN, "Ann", "hi everyone, I just joined, glad to be here"));
        let changes = run(&mut w, T0 + 7 * MIN, T0 + 60 * MIN);
        assert_eq!(changes.len(), 1, "{changes:?}");
        assert_eq!(changes[0].alert().message.sender, "Ann");
        let key = changes[0].key().to_string();

        // Restarted again after the alert was stored: not raised again, still resolved by an answer.
        let seed = Seed { timeline: &t, now_ms: T0 + 15 * MIN, raised: vec![key.clone()] };
        let mut w = GroupWatch::resume(group(), cfg(), seed, &mut ids);
        assert!(run(&mut w, T0 + 15 * MIN, T0 + 30 * MIN).is_empty(), "raised once, before the restart");
        w.push_message(&msg("9", T0 + 31 * MIN, "Cid", "welcome Ann!"));
        let changes = run(&mut w, T0 + 31 * MIN, T0 + 40 * MIN);
        assert!(matches!(&changes[..], [AlertChange::Resolved(a)] if a.key == key), "{changes:?}");
    }

    #[test]
    fn bids_from_before_a_long_outage_are_not_raised() {
        let t = archived(true);
        let seed = Seed { timeline: &t, now_ms: T0 + 300 * MIN, raised: Vec::new() };
        let mut w = GroupWatch::resume(group(), cfg(), seed, &mut ids);
        assert!(run(&mut w, T0 + 300 * MIN, T0 + 400 * MIN).is_empty());
    }

    #[test]
    fn history_delivered_late_raises_nothing() {
        let mut w = with_regulars();
        w.push_message(&msg("3", T0 + MIN, "Ann", "hi everyone, I just joined, glad to be here"));
        // First looked at a day later (a backfill through the live path).
        assert!(w.tick(T0 + 24 * 60 * MIN).is_empty());
        assert!(w.next_due().is_none());
    }

    #[test]
    fn the_tail_stays_bounded() {
        let mut w = with_regulars();
        for i in 0..20_000i64 {
            let who = if i % 2 == 0 { "Bob" } else { "Cid" };
            let text = if i % 7 == 0 { "why is the build red again?" } else { "ok, pushing a fix now" };
            w.push_message(&msg(&format!("x{i}"), T0 + i * 10_000, who, text));
            w.tick(T0 + i * 10_000);
        }
        // 30 minutes of chatter (180 messages) plus the linker's look-back, at most.
        assert!(w.tail_len() <= 180 + 2 * w.cfg.lead + 1, "tail holds {}", w.tail_len());
    }
}
