//! The cues a reader uses to tell which earlier message a message answers,
//! as binary features of a (message, candidate parent) pair. The same code
//! serves linking and training, so the two never drift apart.

use shequn_model::{MemberIx, MsgIx, Timeline};

use crate::text::{may_overlap, overlap, read_all, NickIndex, Reading};

/// Feature names, in index order. The weights file stores weights by these names.
pub const NAMES: &[&str] = &[
    // The message starts a conversation (candidate = itself).
    "self",
    "self_addressed",
    "self_system",
    "self_question",
    "self_mentions",
    "self_first_in_window",
    "self_gap_prev_5min",
    // Candidate is an earlier message.
    "dist_1",
    "dist_2",
    "dist_3",
    "dist_4",
    "dist_5_6",
    "dist_7_10",
    "dist_11_20",
    "dist_21_plus",
    "gap_0min",
    "gap_1min",
    "gap_2min",
    "gap_3_5min",
    "gap_6_15min",
    "gap_16_60min",
    "gap_over_1h",
    "addr_to_cand_speaker",
    "addr_to_cand_speaker_latest",
    "mentions_cand_speaker",
    "mentions_cand_speaker_latest",
    "addr_to_someone_else",
    "cand_addr_to_speaker",
    "cand_addr_to_speaker_latest",
    "cand_mentions_speaker",
    "same_speaker",
    "same_speaker_previous",
    "partner",
    "partner_latest",
    "mutual_address",
    "cand_question",
    "cand_question_msg_not",
    "cand_system",
    "msg_system",
    "overlap_1",
    "overlap_2",
    "overlap_3_plus",
    "cand_addr_to_other",
    "cand_latest_of_speaker",
    "msg_addressed_cand_unaddressed",
    "cand_bot",
    "self_greeting",
    "same_speaker_dist_1",
    "short_msg_cand_addr_to_speaker",
    "cand_question_other_unaddressed",
    "cand_answered_speaker",
    "cand_answered_speaker_latest",
    "cand_is_parent_of_speaker_prev",
    "cand_in_speaker_prev_conversation",
];

fn ix(name: &str) -> u16 {
    NAMES.iter().position(|n| *n == name).expect("known feature") as u16
}

/// Feature indices, resolved once.
struct Ids {
    self_: u16,
    self_addressed: u16,
    self_system: u16,
    self_question: u16,
    self_mentions: u16,
    self_first: u16,
    self_gap5: u16,
    dist: [u16; 8],
    gap: [u16; 7],
    addr: u16,
    addr_latest: u16,
    mention: u16,
    mention_latest: u16,
    addr_else: u16,
    rev: u16,
    rev_latest: u16,
    rev_mention: u16,
    same: u16,
    same_prev: u16,
    partner: u16,
    partner_latest: u16,
    mutual: u16,
    cand_q: u16,
    cand_q_not: u16,
    cand_sys: u16,
    msg_sys: u16,
    overlap: [u16; 3],
    cand_addr_other: u16,
    cand_latest: u16,
    addressed_unaddressed: u16,
    cand_bot: u16,
    self_greeting: u16,
    same_dist1: u16,
    short_rev: u16,
    q_other_unaddr: u16,
    answered: u16,
    answered_latest: u16,
    parent_of_prev: u16,
    prev_conv: u16,
}

impl Ids {
    fn new() -> Ids {
        Ids {
            self_: ix("self"),
            self_addressed: ix("self_addressed"),
            self_system: ix("self_system"),
            self_question: ix("self_question"),
            self_mentions: ix("self_mentions"),
            self_first: ix("self_first_in_window"),
            self_gap5: ix("self_gap_prev_5min"),
            dist: [
                ix("dist_1"),
                ix("dist_2"),
                ix("dist_3"),
                ix("dist_4"),
                ix("dist_5_6"),
                ix("dist_7_10"),
                ix("dist_11_20"),
                ix("dist_21_plus"),
            ],
            gap: [
                ix("gap_0min"),
                ix("gap_1min"),
                ix("gap_2min"),
                ix("gap_3_5min"),
                ix("gap_6_15min"),
                ix("gap_16_60min"),
                ix("gap_over_1h"),
            ],
            addr: ix("addr_to_cand_speaker"),
            addr_latest: ix("addr_to_cand_speaker_latest"),
            mention: ix("mentions_cand_speaker"),
            mention_latest: ix("mentions_cand_speaker_latest"),
            addr_else: ix("addr_to_someone_else"),
            rev: ix("cand_addr_to_speaker"),
            rev_latest: ix("cand_addr_to_speaker_latest"),
            rev_mention: ix("cand_mentions_speaker"),
            same: ix("same_speaker"),
            same_prev: ix("same_speaker_previous"),
            partner: ix("partner"),
            partner_latest: ix("partner_latest"),
            mutual: ix("mutual_address"),
            cand_q: ix("cand_question"),
            cand_q_not: ix("cand_question_msg_not"),
            cand_sys: ix("cand_system"),
            msg_sys: ix("msg_system"),
            overlap: [ix("overlap_1"), ix("overlap_2"), ix("overlap_3_plus")],
            cand_addr_other: ix("cand_addr_to_other"),
            cand_latest: ix("cand_latest_of_speaker"),
            addressed_unaddressed: ix("msg_addressed_cand_unaddressed"),
            cand_bot: ix("cand_bot"),
            self_greeting: ix("self_greeting"),
            same_dist1: ix("same_speaker_dist_1"),
            short_rev: ix("short_msg_cand_addr_to_speaker"),
            q_other_unaddr: ix("cand_question_other_unaddressed"),
            answered: ix("cand_answered_speaker"),
            answered_latest: ix("cand_answered_speaker_latest"),
            parent_of_prev: ix("cand_is_parent_of_speaker_prev"),
            prev_conv: ix("cand_in_speaker_prev_conversation"),
        }
    }
}

const NONE: u32 = u32::MAX;

/// Receives the active features of a pair: a list (training) or a running score (linking).
pub trait FeatureSink {
    fn add(&mut self, f: u16);
}

impl FeatureSink for Vec<u16> {
    #[inline]
    fn add(&mut self, f: u16) {
        self.push(f);
    }
}

/// Sums the weights of the active features.
pub struct ScoreSink<'w> {
    pub weights: &'w [f32],
    pub score: f32,
}

impl FeatureSink for ScoreSink<'_> {
    #[inline]
    fn add(&mut self, f: u16) {
        self.score += self.weights[f as usize];
    }
}

/// What the candidate loop needs of each message, packed together so the loop stays in cache.
#[derive(Clone, Copy)]
struct Cue {
    time_ms: i64,
    sender: u32,
    addressee: u32,
    question: bool,
    system: bool,
    bot: bool,
    mentions_any: bool,
    /// At most three words ("thanks", "ok that worked").
    short: bool,
    /// Opens with a greeting or a call for help (hi, hello, anyone, 大家好, 请问).
    greeting: bool,
    signature: [u64; 4],
}

/// Walks a timeline once, front to back, keeping what a reader remembers:
/// each member's latest message, the latest message addressed to each member,
/// and each member's latest conversation partner.
pub struct Walker<'t> {
    t: &'t Timeline,
    readings: Vec<Reading>,
    cues: Vec<Cue>,
    latest_by: Vec<u32>,
    latest_to: Vec<u32>,
    partner: Vec<u32>,
    /// The sender of each passed message's parent (as linked so far), or NONE.
    parent_sender: Vec<u32>,
    /// Each passed message's parent, or NONE.
    parent: Vec<u32>,
    /// Each passed message's conversation (the index of its root).
    conversation: Vec<u32>,
    window: usize,
    ids: Ids,
    /// The message the walker stands at; candidates are computed for it.
    at: usize,
}

impl<'t> Walker<'t> {
    pub fn new(t: &'t Timeline, window: usize) -> Walker<'t> {
        let nicks = NickIndex::new(t);
        let readings = read_all(t, &nicks);
        let cues = t
            .messages
            .iter()
            .zip(&readings)
            .map(|(m, r)| {
                let bot = t.member(m.sender).is_bot;
                Cue {
                    time_ms: m.time_ms,
                    sender: m.sender,
                    addressee: r.addressee.unwrap_or(NONE),
                    question: r.question,
                    system: bot && m.kind == shequn_model::MessageKind::Other,
                    bot,
                    mentions_any: !r.mentioned.is_empty(),
                    short: m.text.split_whitespace().count() <= 3 && m.text.chars().count() <= 20,
                    greeting: crate::text::is_greeting(&m.text),
                    signature: r.signature,
                }
            })
            .collect();
        let n = t.members.len();
        Walker {
            t,
            readings,
            cues,
            latest_by: vec![NONE; n],
            latest_to: vec![NONE; n],
            partner: vec![NONE; n],
            parent_sender: vec![NONE; t.messages.len()],
            parent: vec![NONE; t.messages.len()],
            conversation: (0..t.messages.len() as u32).collect(),
            window: window.max(1),
            ids: Ids::new(),
            at: 0,
        }
    }

    pub fn reading(&self, i: usize) -> &Reading {
        &self.readings[i]
    }

    /// The first candidate for message `i` (the candidates are `first..=i`, `i` meaning "starts a conversation").
    pub fn first_candidate(&self, i: usize) -> usize {
        i.saturating_sub(self.window)
    }

    /// Writes the active features of (message `at`, candidate `j`) into `out`.
    #[inline]
    pub fn features<S: FeatureSink>(&self, j: usize, out: &mut S) {
        let i = self.at;
        let a = &self.cues[i];
        let ids = &self.ids;
        if j == i {
            out.add(ids.self_);
            if a.addressee != NONE {
                out.add(ids.self_addressed);
            }
            if a.system {
                out.add(ids.self_system);
            }
            if a.question {
                out.add(ids.self_question);
            }
            if a.mentions_any {
                out.add(ids.self_mentions);
            }
            let prev_own = self.latest_by[a.sender as usize];
            if prev_own == NONE || i - prev_own as usize > self.window {
                out.add(ids.self_first);
            }
            if i > 0 && a.time_ms - self.cues[i - 1].time_ms >= 5 * 60_000 {
                out.add(ids.self_gap5);
            }
            if a.greeting {
                out.add(ids.self_greeting);
            }
            return;
        }
        let b = &self.cues[j];
        let d = i - j;
        out.add(
            ids.dist[match d {
                1 => 0,
                2 => 1,
                3 => 2,
                4 => 3,
                5..=6 => 4,
                7..=10 => 5,
                11..=20 => 6,
                _ => 7,
            }],
        );
        let gap_min = (a.time_ms - b.time_ms).max(0) / 60_000;
        out.add(
            ids.gap[match gap_min {
                0 => 0,
                1 => 1,
                2 => 2,
                3..=5 => 3,
                6..=15 => 4,
                16..=60 => 5,
                _ => 6,
            }],
        );
        let latest = self.latest_by[b.sender as usize] == j as u32;
        if latest {
            out.add(ids.cand_latest);
        }
        let speaker = a.sender;
        if a.addressee == b.sender && b.sender != speaker {
            out.add(ids.addr);
            if latest {
                out.add(ids.addr_latest);
            }
        } else if a.addressee != NONE {
            out.add(ids.addr_else);
        }
        if a.mentions_any && self.readings[i].mentioned.contains(&b.sender) {
            out.add(ids.mention);
            if latest {
                out.add(ids.mention_latest);
            }
        }
        if b.addressee == speaker && b.sender != speaker {
            out.add(ids.rev);
            if a.short {
                out.add(ids.short_rev);
            }
            if self.latest_to[speaker as usize] == j as u32 {
                out.add(ids.rev_latest);
            }
            if a.addressee == b.sender {
                out.add(ids.mutual);
            }
        } else if b.addressee != NONE {
            out.add(ids.cand_addr_other);
        } else if a.addressee != NONE {
            out.add(ids.addressed_unaddressed);
        }
        if b.mentions_any && self.readings[j].mentioned.contains(&speaker) {
            out.add(ids.rev_mention);
        }
        if b.sender == speaker {
            out.add(ids.same);
            if latest {
                out.add(ids.same_prev);
            }
            if d == 1 {
                out.add(ids.same_dist1);
            }
        } else if self.partner[speaker as usize] == b.sender {
            out.add(ids.partner);
            if latest {
                out.add(ids.partner_latest);
            }
        }
        let prev_own = self.latest_by[speaker as usize];
        if prev_own != NONE {
            if self.parent[prev_own as usize] == j as u32 {
                out.add(ids.parent_of_prev);
            }
            if self.conversation[prev_own as usize] == self.conversation[j] {
                out.add(ids.prev_conv);
            }
        }
        if self.parent_sender[j] == speaker && b.sender != speaker {
            out.add(ids.answered);
            if latest {
                out.add(ids.answered_latest);
            }
        }
        if b.question {
            out.add(ids.cand_q);
            if !a.question {
                out.add(ids.cand_q_not);
            }
            if b.sender != speaker && a.addressee == NONE {
                out.add(ids.q_other_unaddr);
            }
        }
        if b.system {
            out.add(ids.cand_sys);
        } else if b.bot {
            out.add(ids.cand_bot);
        }
        if a.system {
            out.add(ids.msg_sys);
        }
        if may_overlap(&a.signature, &b.signature) {
            match overlap(&self.readings[i].words, &self.readings[j].words) {
                0 => {}
                1 => out.add(ids.overlap[0]),
                2 => out.add(ids.overlap[1]),
                _ => out.add(ids.overlap[2]),
            }
        }
    }

    /// Sets the message whose candidates [`Walker::features`] describes.
    pub fn stand_at(&mut self, i: usize) {
        self.at = i;
    }

    /// Moves past message `i` (call after its candidates were scored), remembering
    /// what it said and the parent it was given (None: starts a conversation).
    pub fn advance(&mut self, i: MsgIx, parent: Option<MsgIx>) {
        if let Some(p) = parent.filter(|&p| p < i) {
            self.parent_sender[i as usize] = self.t.messages[p as usize].sender;
            self.parent[i as usize] = p;
            self.conversation[i as usize] = self.conversation[p as usize];
        }
        let m = &self.t.messages[i as usize];
        let r = &self.readings[i as usize];
        self.latest_by[m.sender as usize] = i;
        if let Some(to) = r.addressee {
            self.latest_to[to as usize] = i;
            if to != m.sender {
                self.partner[m.sender as usize] = to;
                self.partner[to as usize] = m.sender;
            }
        }
    }

    /// The message of `member` that message `i`, naming them, most likely answers: their
    /// latest, unless that one addressed a third person and an earlier one of theirs
    /// addressed the speaker ("MadLittleMods: thnx" thanks the message to its sender, not
    /// the one to someone else). None when `member` is the speaker or said nothing within
    /// `reach_ms`. Needs no window: each member's latest message is remembered.
    pub fn answered_message_of(&self, i: usize, member: MemberIx, reach_ms: i64) -> Option<usize> {
        let speaker = self.cues[i].sender;
        let latest = self.latest_by[member as usize];
        if member == speaker || latest == NONE {
            return None;
        }
        let within = |j: u32| j != NONE && self.cues[i].time_ms - self.cues[j as usize].time_ms <= reach_ms;
        let to_speaker = self.latest_to[speaker as usize];
        let latest_to_other = {
            let a = self.cues[latest as usize].addressee;
            a != NONE && a != speaker
        };
        if latest_to_other && within(to_speaker) && self.cues[to_speaker as usize].sender == member {
            return Some(to_speaker as usize);
        }
        within(latest).then_some(latest as usize)
    }

    pub fn sender(&self, i: usize) -> MemberIx {
        self.t.messages[i].sender
    }
}
