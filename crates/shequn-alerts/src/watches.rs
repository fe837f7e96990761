//! Many groups' watches: records routed to their group's watch, ticks to all, and a replay of
//! a whole export on a simulated clock.

use std::collections::HashMap;

use std::sync::Arc;

use shequn_content::{ContentSettings, PolicyBook};
use shequn_diagnosis::Settings;
use shequn_model::{GroupInfo, Platform, Record};
use shequn_replies::{ReplySettings, ResponsivenessSettings};

use crate::alert::{AlertChange, GroupRef};
use crate::enforce::{EnforceSettings, Enforcement};
use crate::rules::RuleConfig;
use crate::settings::AlertSettings;
use crate::watch::{GroupWatch, WatchConfig};

/// When a record happened (None for group declarations, notes, skipped lines, and rosters
/// without a join time).
pub fn time_of(r: &Record) -> Option<i64> {
    match r {
        Record::Message { message, .. } => Some(message.time.unix_ms),
        Record::Event { event, .. } => Some(event.time.unix_ms),
        Record::Roster { entry, .. } => entry.joined.map(|j| j.unix_ms),
        Record::Group(_) | Record::Note { .. } | Record::Skipped { .. } => None,
    }
}

/// Every watched group, by platform and platform id.
pub struct Watches {
    settings: AlertSettings,
    replies: ReplySettings,
    responsiveness: ResponsivenessSettings,
    groups: HashMap<(Platform, String), GroupWatch>,
    eval_every_ms: Option<i64>,
    diagnosis: Arc<Settings>,
    content: Arc<ContentSettings>,
    policies: PolicyBook,
    enforce: EnforceSettings,
    /// Groups never watched (the operators' chats the alerts are delivered to).
    ignored: std::collections::HashSet<(Platform, String)>,
}

impl Watches {
    pub fn new(settings: AlertSettings, replies: ReplySettings, responsiveness: ResponsivenessSettings) -> Watches {
        Watches {
            settings,
            replies,
            responsiveness,
            groups: HashMap::new(),
            eval_every_ms: None,
            diagnosis: Arc::new(Settings::default()),
            content: Arc::new(ContentSettings::default()),
            policies: PolicyBook::default(),
            enforce: EnforceSettings::default(),
            ignored: Default::default(),
        }
    }

    /// The analysis settings the content and health rules use: the diagnosis thresholds
    /// (`--settings`), the content ones (`[content]`) and the ad policies (`--ad-policy`), the
    /// same the batch report reads.
    pub fn with_analysis(mut self, diagnosis: Settings, content: ContentSettings, policies: PolicyBook) -> Watches {
        self.diagnosis = Arc::new(diagnosis);
        self.content = Arc::new(content);
        self.policies = policies;
        self
    }

    /// The `[enforce]` table: which groups' ad-policy violations get enforcement decisions.
    pub fn with_enforce(mut self, enforce: EnforceSettings) -> Watches {
        self.enforce = enforce;
        self
    }

    /// Re-link each group's tail at most this often (a replay's simulated clock can afford
    /// minutes; what is decided does not change, only when it is reported).
    pub fn with_eval_every(mut self, ms: i64) -> Watches {
        self.eval_every_ms = Some(ms);
        self
    }

    /// Never watches these groups: the operators' chats alerts are delivered to, whose
    /// messages are the service's own alerts, not a group's talk.
    pub fn ignoring(mut self, groups: impl IntoIterator<Item = (Platform, String)>) -> Watches {
        self.ignored.extend(groups);
        self
    }

    /// Whether a group is left unwatched ([`Watches::ignoring`]).
    pub fn ignores(&self, platform: Platform, platform_id: &str) -> bool {
        self.ignored.contains(&(platform, platform_id.to_string()))
    }

    pub fn settings(&self) -> &AlertSettings {
        &self.settings
    }

    /// How a group is watched: its waits (with its override) and the analysis settings.
    pub fn config_for(&self, g: &GroupRef) -> WatchConfig {
        let waits = self.settings.waits_for(&g.name, &g.platform_id);
        let mut cfg = WatchConfig::new(waits, self.replies.clone(), self.responsiveness.clone());
        cfg.rules = RuleConfig {
            switches: self.settings.rules_for(&g.name, &g.platform_id),
            diagnosis: self.diagnosis.clone(),
            content: self.content.clone(),
            // The archive id is not known here; policies are addressed by name or platform id.
            policy: self.policies.for_group(&g.name, &g.platform_id, i64::MIN).cloned().map(Arc::new),
            enforce: self.enforce.for_group(&g.name, &g.platform_id),
        };
        if let Some(ms) = self.eval_every_ms {
            cfg.eval_every_ms = ms;
        }
        cfg
    }

    pub fn get(&self, platform: Platform, platform_id: &str) -> Option<&GroupWatch> {
        self.groups.get(&(platform, platform_id.to_string()))
    }

    /// The groups watched now.
    pub fn groups(&self) -> Vec<GroupRef> {
        self.groups.values().map(|w| w.group().clone()).collect()
    }

    pub fn len(&self) -> usize {
        self.groups.len()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// Forgets every watch (after missed records: each is started again from the archive).
    pub fn clear(&mut self) {
        self.groups.clear();
    }

    /// Feeds records that refer to groups by slot (one delivery, one export); a group seen
    /// for the first time is started by `start` (from the archive), or empty when it gives None.
    pub fn push(&mut self, records: &[Record], start: &mut dyn FnMut(&GroupRef, WatchConfig) -> Option<GroupWatch>) {
        let mut slots: Vec<&GroupInfo> = Vec::new();
        for r in records {
            let slot = match r {
                Record::Group(g) => {
                    slots.push(g);
                    continue;
                }
                Record::Message { group, .. } | Record::Event { group, .. } | Record::Roster { group, .. } => *group,
                Record::Note { .. } | Record::Skipped { .. } => continue,
            };
            if let Some(g) = slots.get(slot as usize) {
                self.push_one(g, r, start);
            }
        }
    }

    /// Feeds one record of group `g`.
    pub fn push_one(
        &mut self,
        g: &GroupInfo,
        r: &Record,
        start: &mut dyn FnMut(&GroupRef, WatchConfig) -> Option<GroupWatch>,
    ) {
        if !self.settings.enabled {
            return;
        }
        let id = (g.platform, g.platform_id.clone());
        if self.ignored.contains(&id) {
            return;
        }
        if !self.groups.contains_key(&id) {
            let gref = GroupRef { platform: g.platform, platform_id: g.platform_id.clone(), name: g.name.clone() };
            let cfg = self.config_for(&gref);
            let w = start(&gref, cfg.clone()).unwrap_or_else(|| GroupWatch::new(gref, cfg));
            self.groups.insert(id.clone(), w);
        }
        let w = self.groups.get_mut(&id).expect("inserted above");
        match r {
            Record::Message { message, .. } => w.push_message(message),
            Record::Event { event, .. } => w.push_event(event),
            Record::Roster { entry, .. } => w.push_roster(entry),
            _ => {}
        }
    }

    /// Adds a watch built elsewhere (started from the archive before any record arrived).
    pub fn insert(&mut self, w: GroupWatch) {
        let g = w.group();
        if self.ignores(g.platform, &g.platform_id) {
            return;
        }
        self.groups.insert((g.platform, g.platform_id.clone()), w);
    }

    /// Every group's alert changes as of `now_ms`.
    pub fn tick(&mut self, now_ms: i64) -> Vec<AlertChange> {
        let mut out = Vec::new();
        for w in self.groups.values_mut() {
            out.extend(w.tick(now_ms));
        }
        out.sort_by(|a, b| a.alert().opened_ms.cmp(&b.alert().opened_ms).then_with(|| a.key().cmp(b.key())));
        out
    }

    /// As [`Watches::tick`], every group looked at now (the end of a replay).
    pub fn flush(&mut self, now_ms: i64) -> Vec<AlertChange> {
        let mut out = Vec::new();
        for w in self.groups.values_mut() {
            out.extend(w.flush(now_ms));
        }
        out.sort_by(|a, b| a.alert().opened_ms.cmp(&b.alert().opened_ms).then_with(|| a.key().cmp(b.key())));
        out
    }

    /// Enforcement decisions since the last call, over every group.
    pub fn take_enforcements(&mut self) -> Vec<Enforcement> {
        let mut out = Vec::new();
        for w in self.groups.values_mut() {
            out.extend(w.take_enforcements());
        }
        out
    }

    /// Approximate bytes of watch state per group: (group, bytes).
    pub fn state_bytes(&self) -> Vec<(GroupRef, usize)> {
        self.groups.values().map(|w| (w.group().clone(), w.state_bytes())).collect()
    }

    /// The earliest time a tick has a wait to decide, over every group.
    pub fn next_due(&self) -> Option<i64> {
        self.groups.values().filter_map(|w| w.next_due()).min()
    }

    /// Runs a whole export through the watches in time order on a simulated clock: before
    /// each record, every wait that ended earlier is decided; after the last, every wait
    /// that ended by its time. `wait_until(t)` is called before anything happens at
    /// simulated time `t` (a caller that replays in real time sleeps there); `emit` gets
    /// each change as it happens. Nothing happens after the export's last record: its
    /// silence beyond that is unknown.
    pub fn replay(&mut self, records: &[Record], wait_until: &mut dyn FnMut(i64), emit: &mut dyn FnMut(AlertChange)) {
        let mut slots: Vec<&GroupInfo> = Vec::new();
        let mut timed: Vec<(i64, &GroupInfo, &Record)> = Vec::new();
        let mut none = |_: &GroupRef, _: WatchConfig| None;
        for r in records {
            let slot = match r {
                Record::Group(g) => {
                    slots.push(g);
                    continue;
                }
                Record::Message { group, .. } | Record::Event { group, .. } | Record::Roster { group, .. } => *group,
                Record::Note { .. } | Record::Skipped { .. } => continue,
            };
            let Some(g) = slots.get(slot as usize).copied() else { continue };
            match time_of(r) {
                Some(t) => timed.push((t, g, r)),
                // A roster without join times is known from the start.
                None => self.push_one(g, r, &mut none),
            }
        }
        timed.sort_by_key(|x| x.0);
        let Some(end) = timed.last().map(|x| x.0) else { return };
        for (t, g, r) in timed {
            self.run_until(t, wait_until, emit);
            wait_until(t);
            self.push_one(g, r, &mut none);
            for c in self.tick(t) {
                emit(c);
            }
        }
        self.run_until(end + 1, wait_until, emit);
        wait_until(end + 1);
        for c in self.flush(end + 1) {
            emit(c);
        }
    }

    /// Decides every wait due by `t`, each at its own moment.
    fn run_until(&mut self, t: i64, wait_until: &mut dyn FnMut(i64), emit: &mut dyn FnMut(AlertChange)) {
        while let Some(due) = self.next_due().filter(|&d| d <= t) {
            wait_until(due);
            for c in self.tick(due) {
                emit(c);
            }
        }
    }
}
