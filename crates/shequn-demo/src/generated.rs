//! One generated group: its members and its items (messages and events) in time order.

use crate::phrases::Lang;
use crate::plan::{Archetype, GroupPlan};

/// A member's standing in the group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Owner,
    Admin,
    Member,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Owner => "owner",
            Role::Admin => "admin",
            Role::Member => "member",
        }
    }
    pub fn is_operator(self) -> bool {
        matches!(self, Role::Owner | Role::Admin)
    }
}

#[derive(Debug, Clone)]
pub struct Member {
    /// The platform id (wxid_…, QQ number, Telegram user id digits, …).
    pub id: String,
    /// A number for formats with numeric ids (Telegram `from_id: "user<num>"`).
    pub num: u64,
    pub name: String,
    pub role: Role,
    /// Flagged as a bot by the platform.
    pub bot: bool,
}

/// What a message carries (the subset of kinds the generator writes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Image,
    Sticker,
    RedPacket,
    Link,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Text => "text",
            Kind::Image => "image",
            Kind::Sticker => "sticker",
            Kind::RedPacket => "red_packet",
            Kind::Link => "link",
        }
    }
}

/// Why a message was generated: the truth is computed from these tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tag {
    /// Ordinary conversation.
    Talk,
    /// A bid (question or newcomer's first message) that no one answered.
    UnansweredBid,
    /// A bid that got an answer.
    AnsweredBid,
    /// A mechanical push (same clock time, template).
    Push,
    /// An advertisement (spam or a member's ad under a policy).
    Ad,
    /// A red packet sent to buy an ad slot (red-packet policy).
    AdRedPacket,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventKind {
    Join,
    Leave,
    Kick,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Join => "join",
            EventKind::Leave => "leave",
            EventKind::Kick => "kick",
        }
    }
}

#[derive(Debug, Clone)]
pub enum Item {
    Message {
        /// Unique within the group, increasing with time.
        id: u64,
        time_ms: i64,
        sender: usize,
        text: String,
        kind: Kind,
        amount_cents: Option<i64>,
        /// The message this one answers. Written as an explicit link only on platforms that record replies.
        reply_to: Option<u64>,
        tag: Tag,
    },
    Event {
        id: u64,
        time_ms: i64,
        kind: EventKind,
        /// Who joined, left or was removed.
        member: usize,
        /// Who invited or removed them.
        actor: Option<usize>,
        /// How they joined (`invited`, `qr_code`, `link`).
        detail: Option<&'static str>,
    },
}

impl Item {
    pub fn time_ms(&self) -> i64 {
        match self {
            Item::Message { time_ms, .. } | Item::Event { time_ms, .. } => *time_ms,
        }
    }
    pub fn id(&self) -> u64 {
        match self {
            Item::Message { id, .. } | Item::Event { id, .. } => *id,
        }
    }
}

/// A generated group, ready to be written in any export format.
#[derive(Debug, Clone)]
pub struct GroupData {
    pub plan: GroupPlan,
    pub members: Vec<Member>,
    /// Sorted by time; ids increase with time.
    pub items: Vec<Item>,
    /// Planted facts the items alone do not say (who the key people are meant to be, the policy, …).
    pub planted: crate::truth::Planted,
}

impl GroupData {
    pub fn lang(&self) -> Lang {
        self.plan.lang
    }
    pub fn archetype(&self) -> Archetype {
        self.plan.archetype
    }
    pub fn message_count(&self) -> usize {
        self.items.iter().filter(|i| matches!(i, Item::Message { .. })).count()
    }
    pub fn event_count(&self) -> usize {
        self.items.len() - self.message_count()
    }
}
