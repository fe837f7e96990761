//! A group's history as the analyses read it: plain vectors, indices instead of
//! ids, sorted by time. The archive builds it; analyses never touch storage.

use serde::{Deserialize, Serialize};

use crate::{EventKind, GroupKind, MemberRole, MessageKind, Platform};

/// Index into [`Timeline::members`].
pub type MemberIx = u32;
/// Index into [`Timeline::messages`].
pub type MsgIx = u32;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupMeta {
    /// The archive's id for the group.
    pub id: i64,
    pub platform: Platform,
    pub platform_id: String,
    pub name: String,
    pub kind: GroupKind,
    /// A member count the source stated, if any.
    pub member_count: Option<u32>,
    /// The UTC offset most of the group's times were written in; reports show
    /// clock times (push hours, ad windows) in it.
    pub utc_offset_s: i32,
    /// True when that offset was assumed rather than stated by the source.
    pub zone_inferred: bool,
    /// Notes the importers left (assumptions, what the platform does not record).
    pub notes: Vec<String>,
    /// The span the imported sources that hold this group cover (None: not recorded, as in
    /// archives imported before sources kept it). A group silent inside it was silent.
    #[serde(default)]
    pub coverage: Option<Coverage>,
}

/// From the first to the last message time of the sources that held a group (each source
/// whole, so a channel quiet at the end of an export still counts as covered to its end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub first_ms: i64,
    pub last_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberMeta {
    /// The archive's id for this member of this group.
    pub id: i64,
    /// The archive's id for the person across groups, where a stable platform id links them.
    pub person_id: Option<i64>,
    pub platform_id: Option<String>,
    /// The latest display name.
    pub name: String,
    pub is_bot: bool,
    pub role: Option<MemberRole>,
    pub title: Option<String>,
    /// Listed on a roster the source gave (so known even if silent).
    pub on_roster: bool,
    /// Join time from the roster, if given.
    pub roster_joined_ms: Option<i64>,
}

impl MemberMeta {
    /// Owner or admin by the platform's word.
    pub fn is_operator(&self) -> bool {
        matches!(self.role, Some(MemberRole::Owner | MemberRole::Admin))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Msg {
    /// The archive's id for the message.
    pub id: i64,
    pub time_ms: i64,
    pub sender: MemberIx,
    pub kind: MessageKind,
    pub text: String,
    pub amount_cents: Option<i64>,
    /// The explicit reply link the platform recorded, resolved to an index.
    /// Inferred links are computed by the reply analysis, never stored here.
    pub reply_to: Option<MsgIx>,
    pub mentions: Vec<MemberIx>,
    pub mentions_everyone: bool,
    pub forwarded: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ev {
    pub id: i64,
    pub time_ms: i64,
    pub kind: EventKind,
    pub actor: Option<MemberIx>,
    pub subjects: Vec<MemberIx>,
    pub target: Option<MsgIx>,
    pub detail: Option<String>,
    pub amount_cents: Option<i64>,
    pub text: String,
}

/// One group's whole history. `messages` and `events` are sorted by time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timeline {
    pub group: GroupMeta,
    pub members: Vec<MemberMeta>,
    pub messages: Vec<Msg>,
    pub events: Vec<Ev>,
}

impl Timeline {
    pub fn member(&self, ix: MemberIx) -> &MemberMeta {
        &self.members[ix as usize]
    }
    pub fn sender(&self, msg: &Msg) -> &MemberMeta {
        self.member(msg.sender)
    }
    pub fn first_ms(&self) -> Option<i64> {
        self.messages.first().map(|m| m.time_ms)
    }
    pub fn last_ms(&self) -> Option<i64> {
        self.messages.last().map(|m| m.time_ms)
    }

    /// The group as it was at `as_of_ms`: later messages and events left out (messages are
    /// in time order, so the kept ones keep their indices and reply links).
    pub fn until(&self, as_of_ms: i64) -> Timeline {
        let n = self.messages.partition_point(|m| m.time_ms <= as_of_ms);
        let events = self
            .events
            .iter()
            .filter(|e| e.time_ms <= as_of_ms)
            .map(|e| Ev { target: e.target.filter(|&t| (t as usize) < n), ..e.clone() })
            .collect();
        Timeline {
            group: self.group.clone(),
            members: self.members.clone(),
            messages: self.messages[..n].to_vec(),
            events,
        }
    }
}

/// Builds small timelines by hand, for tests and the demo generator.
///
/// ```
/// use shequn_model::TimelineBuilder;
/// let mut b = TimelineBuilder::new("test");
/// let ann = b.member("Ann");
/// let bob = b.member("Bob");
/// let q = b.message(0, ann, "how do I start?");
/// b.reply(180_000, bob, "like this", q);
/// let t = b.build();
/// assert_eq!(t.messages[1].reply_to, Some(0));
/// ```
#[derive(Debug, Clone)]
pub struct TimelineBuilder {
    timeline: Timeline,
}

impl TimelineBuilder {
    pub fn new(name: &str) -> TimelineBuilder {
        TimelineBuilder {
            timeline: Timeline {
                group: GroupMeta {
                    id: 1,
                    platform: Platform::Generic,
                    platform_id: name.to_string(),
                    name: name.to_string(),
                    kind: GroupKind::Group,
                    member_count: None,
                    utc_offset_s: 0,
                    zone_inferred: false,
                    notes: Vec::new(),
                    coverage: None,
                },
                members: Vec::new(),
                messages: Vec::new(),
                events: Vec::new(),
            },
        }
    }

    pub fn group_mut(&mut self) -> &mut GroupMeta {
        &mut self.timeline.group
    }

    /// Adds a member and returns its index.
    pub fn member(&mut self, name: &str) -> MemberIx {
        let ix = self.timeline.members.len();
        self.timeline.members.push(MemberMeta {
            id: ix as i64 + 1,
            person_id: None,
            platform_id: None,
            name: name.to_string(),
            is_bot: false,
            role: None,
            title: None,
            on_roster: false,
            roster_joined_ms: None,
        });
        ix as MemberIx
    }

    pub fn member_mut(&mut self, ix: MemberIx) -> &mut MemberMeta {
        &mut self.timeline.members[ix as usize]
    }

    /// Adds a text message and returns its index. Times must not go backwards.
    pub fn message(&mut self, time_ms: i64, sender: MemberIx, text: &str) -> MsgIx {
        self.push(Msg {
            id: 0,
            time_ms,
            sender,
            kind: MessageKind::Text,
            text: text.to_string(),
            amount_cents: None,
            reply_to: None,
            mentions: Vec::new(),
            mentions_everyone: false,
            forwarded: false,
        })
    }

    /// Adds a message with an explicit reply link.
    pub fn reply(&mut self, time_ms: i64, sender: MemberIx, text: &str, to: MsgIx) -> MsgIx {
        let ix = self.message(time_ms, sender, text);
        self.timeline.messages[ix as usize].reply_to = Some(to);
        ix
    }

    /// Adds a fully specified message (its `id` is assigned).
    pub fn push(&mut self, mut msg: Msg) -> MsgIx {
        if let Some(last) = self.timeline.messages.last() {
            assert!(msg.time_ms >= last.time_ms, "TimelineBuilder: messages must be added in time order");
        }
        let ix = self.timeline.messages.len();
        msg.id = ix as i64 + 1;
        self.timeline.messages.push(msg);
        ix as MsgIx
    }

    pub fn message_mut(&mut self, ix: MsgIx) -> &mut Msg {
        &mut self.timeline.messages[ix as usize]
    }

    /// Adds a system event concerning `subjects`.
    pub fn event(&mut self, time_ms: i64, kind: EventKind, subjects: &[MemberIx]) -> usize {
        let ix = self.timeline.events.len();
        self.timeline.events.push(Ev {
            id: ix as i64 + 1,
            time_ms,
            kind,
            actor: None,
            subjects: subjects.to_vec(),
            target: None,
            detail: None,
            amount_cents: None,
            text: String::new(),
        });
        ix
    }

    pub fn event_mut(&mut self, ix: usize) -> &mut Ev {
        &mut self.timeline.events[ix]
    }

    pub fn build(mut self) -> Timeline {
        self.timeline.events.sort_by_key(|e| e.time_ms);
        self.timeline
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_keeps_the_past_and_its_links() {
        let mut b = TimelineBuilder::new("g");
        let (ann, bob) = (b.member("Ann"), b.member("Bob"));
        let q = b.message(0, ann, "q");
        b.reply(10, bob, "a", q);
        b.message(100, ann, "later");
        let t = b.build();
        let past = t.until(50);
        assert_eq!(past.messages.len(), 2);
        assert_eq!(past.messages[1].reply_to, Some(q));
        assert_eq!(t.until(100).messages.len(), 3);
        assert!(t.until(-1).messages.is_empty());
    }
}
