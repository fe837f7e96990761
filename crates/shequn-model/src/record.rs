use serde::{Deserialize, Serialize};

use crate::Stamp;

/// The chat platform a group lives on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    Telegram,
    Discord,
    Slack,
    Irc,
    Gitter,
    Qq,
    Wechat,
    Wecom,
    Whatsapp,
    Messenger,
    Matrix,
    Instagram,
    Mattermost,
    Zulip,
    Signal,
    Line,
    /// Google Chat (Takeout's `Google Chat/Groups/*/messages.json`).
    GoogleChat,
    Generic,
}

impl Platform {
    pub const ALL: [Platform; 18] = [
        Platform::Telegram,
        Platform::Discord,
        Platform::Slack,
        Platform::Irc,
        Platform::Gitter,
        Platform::Qq,
        Platform::Wechat,
        Platform::Wecom,
        Platform::Whatsapp,
        Platform::Messenger,
        Platform::Matrix,
        Platform::Instagram,
        Platform::Mattermost,
        Platform::Zulip,
        Platform::Signal,
        Platform::Line,
        Platform::GoogleChat,
        Platform::Generic,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Telegram => "telegram",
            Platform::Discord => "discord",
            Platform::Slack => "slack",
            Platform::Irc => "irc",
            Platform::Gitter => "gitter",
            Platform::Qq => "qq",
            Platform::Wechat => "wechat",
            Platform::Wecom => "wecom",
            Platform::Whatsapp => "whatsapp",
            Platform::Messenger => "messenger",
            Platform::Matrix => "matrix",
            Platform::Instagram => "instagram",
            Platform::Mattermost => "mattermost",
            Platform::Zulip => "zulip",
            Platform::Signal => "signal",
            Platform::Line => "line",
            Platform::GoogleChat => "googlechat",
            Platform::Generic => "generic",
        }
    }

    pub fn parse(s: &str) -> Option<Platform> {
        Platform::ALL.into_iter().find(|p| p.as_str().eq_ignore_ascii_case(s))
    }
}

/// What kind of room a group is, as far as the source says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum GroupKind {
    /// A chat room where members talk (WeChat/QQ group, Telegram group, IRC channel).
    #[default]
    Group,
    /// A broadcast channel or a Slack/Discord channel.
    Channel,
    /// A one-to-one conversation (kept, but not a community).
    Direct,
}

impl GroupKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GroupKind::Group => "group",
            GroupKind::Channel => "channel",
            GroupKind::Direct => "direct",
        }
    }
    pub fn parse(s: &str) -> GroupKind {
        match s {
            "channel" => GroupKind::Channel,
            "direct" => GroupKind::Direct,
            _ => GroupKind::Group,
        }
    }
}

/// A group as an export declares it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupInfo {
    pub platform: Platform,
    /// The platform's own id for the group (chat id, channel id, roomid). Where the
    /// source has none, a parser uses the group's name: re-imports then still match.
    pub platform_id: String,
    pub name: String,
    pub kind: GroupKind,
    /// A member count the source states (a roster size, a "members: 500" header).
    pub member_count: Option<u32>,
}

/// A member's standing as the platform states it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberRole {
    Owner,
    Admin,
    Member,
}

impl MemberRole {
    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Owner => "owner",
            MemberRole::Admin => "admin",
            MemberRole::Member => "member",
        }
    }
    pub fn parse(s: &str) -> Option<MemberRole> {
        match s {
            "owner" => Some(MemberRole::Owner),
            "admin" => Some(MemberRole::Admin),
            "member" => Some(MemberRole::Member),
            _ => None,
        }
    }
}

/// A person as one message or event names them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Person {
    /// A stable platform id (QQ号, wxid, WeCom userid, Telegram `user123`, Slack `U…`).
    /// None where the platform only shows names (IRC nicks, WhatsApp display names).
    pub platform_id: Option<String>,
    /// The display name shown at this moment (names change; the archive keeps them all).
    pub name: String,
    /// The platform flags this sender as a bot.
    pub is_bot: bool,
    pub role: Option<MemberRole>,
    /// A title shown beside the name (QQ `【管理员】`, group nicknames' badges).
    pub title: Option<String>,
}

impl Person {
    pub fn named(name: impl Into<String>) -> Person {
        Person { name: name.into(), ..Person::default() }
    }
    pub fn with_id(id: impl Into<String>, name: impl Into<String>) -> Person {
        Person { platform_id: Some(id.into()), name: name.into(), ..Person::default() }
    }
    /// The key that identifies this person inside one group: the platform id where
    /// there is one, else the name. Renames keep the key only where there is an id.
    pub fn key(&self) -> String {
        match &self.platform_id {
            Some(id) => format!("id:{id}"),
            None => format!("name:{}", self.name),
        }
    }
}

/// What a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    #[default]
    Text,
    Image,
    Sticker,
    File,
    Voice,
    Video,
    Link,
    /// 红包: `amount_cents` holds the amount where the source states it.
    RedPacket,
    /// A money transfer (转账).
    Transfer,
    Location,
    Poll,
    Call,
    Other,
}

impl MessageKind {
    pub const ALL: [MessageKind; 13] = [
        MessageKind::Text,
        MessageKind::Image,
        MessageKind::Sticker,
        MessageKind::File,
        MessageKind::Voice,
        MessageKind::Video,
        MessageKind::Link,
        MessageKind::RedPacket,
        MessageKind::Transfer,
        MessageKind::Location,
        MessageKind::Poll,
        MessageKind::Call,
        MessageKind::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::Text => "text",
            MessageKind::Image => "image",
            MessageKind::Sticker => "sticker",
            MessageKind::File => "file",
            MessageKind::Voice => "voice",
            MessageKind::Video => "video",
            MessageKind::Link => "link",
            MessageKind::RedPacket => "red_packet",
            MessageKind::Transfer => "transfer",
            MessageKind::Location => "location",
            MessageKind::Poll => "poll",
            MessageKind::Call => "call",
            MessageKind::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<MessageKind> {
        MessageKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An @mention inside a message.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mention {
    /// One member, by id where the source gives it, else by the name written.
    Member(Person),
    /// @全体成员 / @all / @channel / @everyone: not a person.
    Everyone,
}

/// A message a member sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Message {
    /// The platform's message id, where it has one. Without one the archive
    /// derives a stable content key, so re-imports still add nothing.
    pub id: Option<String>,
    pub time: Stamp,
    pub sender: Person,
    /// The text as written (for media, the placeholder or caption the export shows).
    pub text: String,
    pub kind: MessageKind,
    /// Red packet or transfer amount in cents (分), where stated.
    pub amount_cents: Option<i64>,
    /// The platform id of the message this one explicitly replies to (Telegram
    /// reply_to_message_id, Discord reference, Slack thread_ts, WeChat quote).
    pub reply_to: Option<String>,
    pub mentions: Vec<Mention>,
    pub forwarded: bool,
    pub edited: Option<Stamp>,
    /// Set when a bridge bot posted this for someone on another network; `sender` and
    /// `text` are then the relayed person's and words, and this keeps the line as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relayed: Option<Relay>,
}

/// How a relayed message was written: `<DSpaceSlackBot> <pbecker> hi` is pbecker's "hi",
/// relayed by DSpaceSlackBot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Relay {
    /// The bridge that posted the line (the sender before unwrapping).
    pub bridge: Person,
    /// The text as read before unwrapping (`<pbecker> hi`).
    pub text: String,
}

impl Message {
    /// The sender key as the source wrote the line: the bridge's for a relayed message.
    /// Content keys are built from this and [`Message::written_text`], so unwrapping a relay
    /// leaves a message's archive key what it was.
    pub fn written_sender_key(&self) -> String {
        match &self.relayed {
            Some(r) => r.bridge.key(),
            None => self.sender.key(),
        }
    }

    /// The text as the source wrote the line (see [`Message::written_sender_key`]).
    pub fn written_text(&self) -> &str {
        match &self.relayed {
            Some(r) => &r.text,
            None => &self.text,
        }
    }
}

/// What happened in a system event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    /// Someone joined (by link, QR code, invitation): `subjects` joined, `actor` invited.
    Join,
    /// Someone left of their own accord.
    Leave,
    /// Someone was removed: `subjects` removed, `actor` removed them.
    Kick,
    /// A message was withdrawn (撤回): `target` names it where the source links it.
    Recall,
    /// The group was renamed: `detail` holds the new name.
    Rename,
    /// A message was pinned: `target` names it where known.
    Pin,
    /// A red packet notice (someone opened or sent one): `amount_cents` where stated.
    RedPacket,
    /// 拍一拍 (a "pat").
    Pat,
    /// A member changed name: `detail` holds the new name.
    NickChange,
    /// The topic or announcement changed: `detail` holds it.
    Topic,
    /// The group was created.
    Create,
    Other,
}

impl EventKind {
    pub const ALL: [EventKind; 12] = [
        EventKind::Join,
        EventKind::Leave,
        EventKind::Kick,
        EventKind::Recall,
        EventKind::Rename,
        EventKind::Pin,
        EventKind::RedPacket,
        EventKind::Pat,
        EventKind::NickChange,
        EventKind::Topic,
        EventKind::Create,
        EventKind::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Join => "join",
            EventKind::Leave => "leave",
            EventKind::Kick => "kick",
            EventKind::Recall => "recall",
            EventKind::Rename => "rename",
            EventKind::Pin => "pin",
            EventKind::RedPacket => "red_packet",
            EventKind::Pat => "pat",
            EventKind::NickChange => "nick_change",
            EventKind::Topic => "topic",
            EventKind::Create => "create",
            EventKind::Other => "other",
        }
    }
    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A system event: join, leave, kick, recall, rename, pin, red packet notice, 拍一拍.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemEvent {
    pub id: Option<String>,
    pub time: Stamp,
    pub kind: EventKind,
    /// Who did it (the inviter, the remover, the one who recalled).
    pub actor: Option<Person>,
    /// Who it happened to (the joined, the removed).
    pub subjects: Vec<Person>,
    /// The platform id of the message it concerns (recall, pin).
    pub target: Option<String>,
    /// The new name, the join method, the topic: whatever the kind needs.
    pub detail: Option<String>,
    pub amount_cents: Option<i64>,
    /// The source's own text for the event, kept for evidence.
    pub text: String,
}

impl SystemEvent {
    pub fn new(time: Stamp, kind: EventKind, text: impl Into<String>) -> SystemEvent {
        SystemEvent {
            id: None,
            time,
            kind,
            actor: None,
            subjects: Vec::new(),
            target: None,
            detail: None,
            amount_cents: None,
            text: text.into(),
        }
    }
}

/// One member of a roster (a member list the source gives, with or without messages).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RosterEntry {
    pub person: Person,
    pub joined: Option<Stamp>,
    /// How they joined (WeCom `join_scene`: invited, by link, by QR code).
    pub join_scene: Option<String>,
}

/// Index of a group inside one parsed file: the n-th [`Record::Group`] pushed.
pub type GroupSlot = u32;

/// What a parser emits, in order. A group is declared before anything refers to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Record {
    Group(GroupInfo),
    Roster {
        group: GroupSlot,
        entry: RosterEntry,
    },
    Message {
        group: GroupSlot,
        message: Message,
    },
    Event {
        group: GroupSlot,
        event: SystemEvent,
    },
    /// Something a reader of the archive must know about this group's data
    /// ("times read as UTC+08:00", "WeChat does not record voluntary leaves").
    Note {
        group: GroupSlot,
        text: String,
    },
    /// A line or record the parser could not use, with where and why.
    Skipped {
        location: String,
        reason: String,
    },
}

/// The sink stopped taking records (the archive writer failed or was cancelled).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkClosed;

impl std::fmt::Display for SinkClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the archive writer stopped taking records")
    }
}

impl std::error::Error for SinkClosed {}

/// Where parsers put what they read: parsers stream records out so memory
/// stays bounded by the batch, not the file.
pub trait Sink {
    fn push(&mut self, record: Record) -> Result<(), SinkClosed>;
}

impl Sink for Vec<Record> {
    fn push(&mut self, record: Record) -> Result<(), SinkClosed> {
        Vec::push(self, record);
        Ok(())
    }
}
