//! Mechanical pushes, counted as they come (METHOD §7, seed 004): the report's push
//! detection (`shequn_content::push`) kept as per-sender counters instead of a pass over the
//! whole history. Each signal is counted the report's way; a sender is a pusher as soon as
//! the report's verdict (`shequn_content::push::is_pusher`) holds on the counts so far, and
//! each top-level post by a pusher from then on is a push.
//!
//! Bounded: per sender a few counters, their posts' openings (templates) and the clock windows
//! their posts fell in (at most 1,440); per group the last `RECENT` texts' SimHashes (near-same
//! posts) and top-level posts (answered ones).

use std::collections::{HashMap, VecDeque};

use shequn_content::push::{is_pusher, template_prefix, PushSettings, PushSignal};

/// How many recent texts and top-level posts are remembered for near-same copies and answers.
pub const RECENT: usize = 2048;

/// Openings remembered per sender.
pub const MAX_OPENINGS: usize = 256;

#[derive(Debug, Default, Clone)]
struct Sender {
    posts: u32,
    links: u32,
    /// Posts near-same as another text of the group (the report's own-group repetition).
    repeated: u32,
    /// Posts others replied to explicitly.
    answered: u32,
    /// Per opening (its xxh3): posts with it, and how many of those are also `repeated`. At
    /// most `MAX_OPENINGS`; past that an opening seen once is forgotten (a template repeats).
    openings: HashMap<u64, (u32, u32)>,
    /// Per clock window start (minute of day): (last day seen, distinct days, posts), from the
    /// `min_posts`-th post on; the posts before are kept as (day, minute) until then (most
    /// senders never post that often, and never need windows).
    clock: HashMap<u16, (i32, u32, u32)>,
    early: Vec<(i32, u16)>,
    is_bot: bool,
    pusher: bool,
}

/// One remembered text.
#[derive(Debug, Clone)]
struct Recent {
    hash: Option<u64>,
    sender: u32,
    opening: Option<u64>,
    top_level: bool,
    repeated: bool,
    platform_id: Option<String>,
    answered: bool,
}

/// The push detection of one group.
#[derive(Debug, Default)]
pub struct PushTracker {
    senders: HashMap<u32, Sender>,
    recent: VecDeque<Recent>,
}

/// One post as the tracker needs it.
pub struct Post<'a> {
    pub sender: u32,
    pub is_bot: bool,
    pub platform_id: Option<&'a str>,
    pub reply_to: Option<&'a str>,
    /// Local day number and minute of day in the group's clock.
    pub day: i32,
    pub minute: u32,
    /// SimHash of the compact text (None: too short to compare).
    pub hash: Option<u64>,
    pub compact: &'a str,
    pub has_link: bool,
}

impl PushTracker {
    /// Counts one message; returns whether it is a push (a top-level post by a sender who is
    /// a pusher once it is counted).
    pub fn add(&mut self, p: &Post<'_>, s: &PushSettings) -> bool {
        let max_hamming = 3u32;
        // Replies: the parent's sender gets an answered post (once per post).
        if let Some(parent) = p.reply_to {
            if let Some(r) = self.recent.iter_mut().rev().find(|r| r.platform_id.as_deref() == Some(parent)) {
                if r.top_level && !r.answered && r.sender != p.sender {
                    r.answered = true;
                    let owner = r.sender;
                    self.senders.entry(owner).or_default().answered += 1;
                }
            }
        }
        let top_level = p.reply_to.is_none();
        let opening =
            template_prefix(p.compact, s.template_prefix_chars).map(|o| xxhash_rust::xxh3::xxh3_64(o.as_bytes()));
        // Near-same texts: this message and each earlier one it matches are repeated.
        let mut repeated = false;
        if let Some(h) = p.hash {
            for r in self.recent.iter_mut() {
                if r.hash.is_some_and(|x| (x ^ h).count_ones() <= max_hamming) {
                    repeated = true;
                    if !r.repeated {
                        r.repeated = true;
                        if r.top_level {
                            let sender = self.senders.entry(r.sender).or_default();
                            sender.repeated += 1;
                            if let Some(o) = r.opening.and_then(|o| sender.openings.get_mut(&o)) {
                                o.1 += 1;
                            }
                        }
                    }
                }
            }
        }
        let sender = self.senders.entry(p.sender).or_default();
        sender.is_bot |= p.is_bot;
        if top_level {
            sender.posts += 1;
            sender.links += u32::from(p.has_link);
            sender.repeated += u32::from(repeated);
            if let Some(o) = opening {
                if sender.openings.len() >= MAX_OPENINGS && !sender.openings.contains_key(&o) {
                    sender.openings.retain(|_, c| c.0 > 1);
                }
                let e = sender.openings.entry(o).or_default();
                e.0 += 1;
                e.1 += u32::from(repeated);
            }
            // Every window [start, start + 2 × tolerance] holding this minute.
            let width = 2 * s.clock_tolerance_min;
            let count = |clock: &mut HashMap<u16, (i32, u32, u32)>, day: i32, minute: u32| {
                for start in minute.saturating_sub(width)..=minute {
                    let w = clock.entry(start as u16).or_insert((i32::MIN, 0, 0));
                    if w.0 != day {
                        w.0 = day;
                        w.1 += 1;
                    }
                    w.2 += 1;
                }
            };
            if sender.posts < s.min_posts {
                sender.early.push((p.day, p.minute as u16));
            } else {
                for (day, minute) in std::mem::take(&mut sender.early) {
                    count(&mut sender.clock, day, u32::from(minute));
                }
                count(&mut sender.clock, p.day, p.minute);
            }
        }
        sender.pusher = verdict(sender, s);
        let push = top_level && sender.pusher;
        self.recent.push_back(Recent {
            hash: p.hash,
            sender: p.sender,
            opening: opening.filter(|_| top_level),
            top_level,
            repeated,
            platform_id: p.platform_id.map(str::to_string),
            answered: false,
        });
        if self.recent.len() > RECENT {
            self.recent.pop_front();
        }
        push
    }

    /// Recent texts near-same as `h` (SimHash within 3 bits): how many, and their senders.
    pub fn near(&self, h: u64) -> (u32, Vec<u32>) {
        let mut senders = Vec::new();
        let mut copies = 0;
        for r in self.recent.iter().filter(|r| r.hash.is_some_and(|x| (x ^ h).count_ones() <= 3)) {
            copies += 1;
            if !senders.contains(&r.sender) {
                senders.push(r.sender);
            }
        }
        (copies, senders)
    }

    /// The signals behind a sender's verdict, in the report's words.
    pub fn details(&self, sender: u32, s: &PushSettings) -> Vec<String> {
        self.senders.get(&sender).map(|x| signals(x, s).1).unwrap_or_default()
    }

    /// Senders judged pushers now.
    pub fn pushers(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.senders.iter().filter(|(_, s)| s.pusher).map(|(&k, _)| k).collect();
        v.sort_unstable();
        v
    }

    /// Approximate bytes held.
    pub fn state_bytes(&self) -> usize {
        let per_sender: usize = self
            .senders
            .values()
            .map(|s| {
                std::mem::size_of::<Sender>() + s.openings.len() * 24 + s.clock.len() * 16 + s.early.capacity() * 8
            })
            .sum();
        let recent: usize = self
            .recent
            .iter()
            .map(|r| std::mem::size_of::<Recent>() + r.platform_id.as_ref().map_or(0, |p| p.len()))
            .sum();
        per_sender + recent
    }
}

/// The report's signals on the counts so far.
fn signals(x: &Sender, s: &PushSettings) -> (Vec<PushSignal>, Vec<String>) {
    let mut signals = Vec::new();
    let mut details = Vec::new();
    let n = x.posts;
    if x.is_bot {
        signals.push(PushSignal::PlatformBot);
        details.push("the platform flags this sender as a bot / 平台标记为机器人".into());
    }
    if n >= s.min_posts {
        // The window with the most distinct days (the report's `same_clock`), its share of posts.
        if let Some((&start, &(_, days, posts))) =
            x.clock.iter().max_by(|a, b| a.1 .1.cmp(&b.1 .1).then(a.1 .2.cmp(&b.1 .2)).then(b.0.cmp(a.0)))
        {
            let share = f64::from(posts) / f64::from(n);
            if days >= s.min_days_same_clock && share >= s.same_clock_share {
                let minute = u32::from(start) + s.clock_tolerance_min;
                signals.push(PushSignal::SameClockTime);
                details.push(format!(
                    "posts around {:02}:{:02} on {days} days ({:.0}% of posts) / 在 {days} 天的同一时刻发送",
                    minute / 60,
                    minute % 60,
                    share * 100.0
                ));
            }
        }
        // Posts near-same as another text, or sharing their opening with two others.
        let by_opening: u32 = x.openings.values().filter(|o| o.0 >= 3).map(|o| o.0 - o.1).sum();
        let templated = x.repeated + by_opening;
        if f64::from(templated) / f64::from(n) >= s.templated_share {
            signals.push(PushSignal::Templated);
            details.push(format!("{templated} of {n} posts follow a template / {templated}/{n} 条为模板内容"));
        }
        if f64::from(x.links) / f64::from(n) >= s.link_share {
            signals.push(PushSignal::LinkHeavy);
            let links = x.links;
            details.push(format!("{links} of {n} posts hold a link / {links}/{n} 条带链接"));
        }
    }
    (signals, details)
}

fn verdict(x: &Sender, s: &PushSettings) -> bool {
    let (signals, _) = signals(x, s);
    let answered_share = f64::from(x.answered) / f64::from(x.posts.max(1));
    is_pusher(&signals, x.is_bot, answered_share, s)
}
