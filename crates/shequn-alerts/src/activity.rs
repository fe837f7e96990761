//! A group's activity by day, for the rules judged once a day (METHOD §1 life status, §4 key
//! people): per day in the group's clock, the member and human messages and each person's
//! interaction ends, kept for the longest window a rule reads and dropped after. The status
//! at the end of a day is the report's rule (`shequn_diagnosis::status_rule`) on the same
//! counts the report takes (the day ranges equal its instant ranges at a day's end), so
//! judging costs a pass over at most `keep_days` days, never over the group's history.

use std::collections::{HashMap, VecDeque};

use shequn_diagnosis::{Settings, Status, StatusCounts};

pub const DAY_MS: i64 = 86_400_000;

/// A local day number as `YYYY-MM-DD`.
pub fn date(day: i64) -> String {
    let stamp = shequn_model::Stamp { unix_ms: day * DAY_MS, offset_s: 0, zone_inferred: false };
    stamp.to_rfc3339().chars().take(10).collect()
}

#[derive(Debug, Default, Clone)]
struct Day {
    day: i64,
    member_msgs: u32,
    human_msgs: u32,
    /// Interaction ends per person (each interaction has two: who spoke, who was answered).
    ends: HashMap<u32, u32>,
    interactions: u32,
    /// Human messages per sender (the key people's basis when there are no interactions).
    messages: HashMap<u32, u32>,
}

/// The daily counts of one group.
#[derive(Debug, Default)]
pub struct Activity {
    days: VecDeque<Day>,
    keep_days: i64,
}

/// The key people as the report finds them: the smallest set holding `key_share` of the
/// window's interaction ends (or human messages when there are none), at most `key_cap`.
#[derive(Debug, Clone, PartialEq)]
pub struct KeySet {
    pub by_interactions: bool,
    /// (person, ends) most first.
    pub people: Vec<(u32, u32)>,
    pub total: u32,
}

impl Activity {
    pub fn new(s: &Settings) -> Activity {
        let keep = [s.status_window_days, s.dead_after_days, 2 * 7 * s.declining_weeks, s.roles_window_days]
            .into_iter()
            .max()
            .unwrap_or(90);
        Activity { days: VecDeque::new(), keep_days: i64::from(keep) + 1 }
    }

    fn day_mut(&mut self, day: i64) -> Option<&mut Day> {
        let newest = self.days.back().map_or(day, |d| d.day);
        if day < newest - self.keep_days {
            return None; // older than any window: nothing reads it
        }
        let at = self.days.partition_point(|d| d.day < day);
        if self.days.get(at).is_none_or(|d| d.day != day) {
            self.days.insert(at, Day { day, ..Day::default() });
        }
        let newest = self.days.back().map_or(day, |d| d.day);
        while self.days.front().is_some_and(|d| d.day < newest - self.keep_days) {
            self.days.pop_front();
        }
        let at = self.days.partition_point(|d| d.day < day);
        self.days.get_mut(at)
    }

    /// Counts one human message (`member`: not by an operator) with its interactions
    /// (`targets`: the people it answers or names, other than the sender, none of them bots).
    pub fn message(&mut self, day: i64, sender: u32, member: bool, targets: &[u32]) {
        let Some(d) = self.day_mut(day) else { return };
        d.human_msgs += 1;
        d.member_msgs += u32::from(member);
        *d.messages.entry(sender).or_default() += 1;
        for &to in targets {
            d.interactions += 1;
            *d.ends.entry(sender).or_default() += 1;
            *d.ends.entry(to).or_default() += 1;
        }
    }

    fn sum(&self, from: i64, to: i64, f: impl Fn(&Day) -> u32) -> u32 {
        self.days.iter().filter(|d| d.day >= from && d.day <= to).map(f).sum()
    }

    /// The §1 counts at the end of day `day` (the report's windows end there).
    pub fn status_counts(&self, day: i64, s: &Settings) -> StatusCounts {
        let window = i64::from(s.status_window_days);
        let dead = i64::from(s.dead_after_days);
        let span = i64::from(s.declining_weeks) * 7;
        StatusCounts {
            member_days: self.days.iter().filter(|d| d.day > day - window && d.day <= day && d.member_msgs > 0).count()
                as u32,
            member_in_dead: self.sum(day - dead + 1, day, |d| d.member_msgs),
            human_recent: self.sum(day - span + 1, day, |d| d.human_msgs),
            human_before: self.sum(day - 2 * span + 1, day - span, |d| d.human_msgs),
        }
    }

    /// The status at the end of `day`.
    pub fn status(&self, day: i64, s: &Settings) -> (Status, StatusCounts) {
        let c = self.status_counts(day, s);
        (shequn_diagnosis::status_rule(&c, s), c)
    }

    /// The key people over the `roles_window_days` ending with `day`.
    pub fn key_set(&self, day: i64, s: &Settings) -> KeySet {
        let from = day - i64::from(s.roles_window_days) + 1;
        let window: Vec<&Day> = self.days.iter().filter(|d| d.day >= from && d.day <= day).collect();
        let by_interactions = window.iter().any(|d| d.interactions > 0);
        let mut ends: HashMap<u32, u32> = HashMap::new();
        for d in &window {
            let per = if by_interactions { &d.ends } else { &d.messages };
            for (&m, &n) in per {
                *ends.entry(m).or_default() += n;
            }
        }
        let total: u32 = ends.values().sum();
        let mut order: Vec<(u32, u32)> = ends.into_iter().collect();
        order.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut people = Vec::new();
        let mut held = 0u32;
        for (m, n) in order {
            if f64::from(held) >= s.key_share * f64::from(total) || people.len() >= s.key_cap as usize {
                break;
            }
            held += n;
            people.push((m, n));
        }
        KeySet { by_interactions, people, total }
    }

    /// Approximate bytes held.
    pub fn state_bytes(&self) -> usize {
        self.days.iter().map(|d| std::mem::size_of::<Day>() + (d.ends.len() + d.messages.len()) * 16).sum::<usize>()
            + std::mem::size_of::<Activity>()
    }
}
