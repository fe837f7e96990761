//! Bot API updates → records, with the Telegram Desktop importer's ids so that a chat both
//! imported from an export and received live is one group whose messages dedupe.
//!
//! Ids, as `shequn_ingest::formats::telegram` writes them:
//! - group `platform_id`: the bare chat id. The Bot API writes supergroups and channels as
//!   `-100<id>` and basic groups as `-<id>`; exports write `<id>`.
//! - sender: `user<id>`, or `channel<bare id>` for a post made as a chat.
//! - message id: the per-chat `message_id` in supergroups and channels (one numbering that
//!   every member and bot sees). In basic groups and private chats Telegram numbers messages
//!   per account, so the bot's `message_id` is not the exporting user's: those are stored as
//!   `bot<message_id>`, so a bot id never matches (and overwrites) another message of the
//!   export.
//! - joins and leaves: `in:<user>:<date>` / `out:<user>:<date>`, one event per person. A join
//!   reaches a bot twice when it is admin (the `new_chat_members` service message and the
//!   `chat_member` update); one key makes it one event.

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::Value;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, Mention, Message, MessageKind, Person, Platform, Record, Stamp, SystemEvent,
};

use crate::source::Delivery;

/// The update kinds shequn turns into records; `getUpdates` asks for exactly these.
pub const MODELLED: &[&str] =
    &["message", "edited_message", "channel_post", "edited_channel_post", "my_chat_member", "chat_member"];

/// Service-message fields with no shequn event of their own: stored as [`EventKind::Other`]
/// (a message with no text would otherwise read as an empty text message).
const OTHER_SERVICE: &[&str] = &[
    "new_chat_photo",
    "delete_chat_photo",
    "message_auto_delete_timer_changed",
    "video_chat_scheduled",
    "video_chat_started",
    "video_chat_ended",
    "video_chat_participants_invited",
    "forum_topic_created",
    "forum_topic_edited",
    "forum_topic_closed",
    "forum_topic_reopened",
    "general_forum_topic_hidden",
    "general_forum_topic_unhidden",
    "boost_added",
    "chat_background_set",
    "proximity_alert_triggered",
    "write_access_allowed",
];

#[derive(Debug, Deserialize)]
pub struct Update {
    pub update_id: i64,
    pub message: Option<TgMessage>,
    pub edited_message: Option<TgMessage>,
    pub channel_post: Option<TgMessage>,
    pub edited_channel_post: Option<TgMessage>,
    pub chat_member: Option<MemberUpdated>,
    pub my_chat_member: Option<MemberUpdated>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Chat {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub title: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub username: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub id: i64,
    #[serde(default)]
    pub is_bot: bool,
    #[serde(default)]
    pub first_name: String,
    pub last_name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Entity {
    #[serde(rename = "type")]
    pub kind: String,
    pub offset: usize,
    pub length: usize,
    pub user: Option<User>,
}

/// Only the id of a message another one points at (a reply, a pin).
#[derive(Debug, Deserialize)]
pub struct MessageRef {
    pub message_id: i64,
}

#[derive(Debug, Deserialize)]
pub struct TgMessage {
    pub message_id: i64,
    pub date: i64,
    pub chat: Chat,
    pub from: Option<User>,
    pub sender_chat: Option<Chat>,
    pub edit_date: Option<i64>,
    pub message_thread_id: Option<i64>,
    #[serde(default)]
    pub is_topic_message: bool,
    pub text: Option<String>,
    pub caption: Option<String>,
    #[serde(default)]
    pub entities: Vec<Entity>,
    #[serde(default)]
    pub caption_entities: Vec<Entity>,
    pub reply_to_message: Option<MessageRef>,
    pub forward_origin: Option<IgnoredAny>,
    pub forward_date: Option<i64>,
    pub photo: Option<IgnoredAny>,
    pub sticker: Option<IgnoredAny>,
    pub animation: Option<IgnoredAny>,
    pub document: Option<IgnoredAny>,
    pub voice: Option<IgnoredAny>,
    pub audio: Option<IgnoredAny>,
    pub video: Option<IgnoredAny>,
    pub video_note: Option<IgnoredAny>,
    pub location: Option<IgnoredAny>,
    pub venue: Option<IgnoredAny>,
    pub poll: Option<IgnoredAny>,
    pub contact: Option<IgnoredAny>,
    pub dice: Option<IgnoredAny>,
    pub story: Option<IgnoredAny>,
    pub game: Option<IgnoredAny>,
    pub new_chat_members: Option<Vec<User>>,
    pub left_chat_member: Option<User>,
    pub new_chat_title: Option<String>,
    pub pinned_message: Option<MessageRef>,
    #[serde(default)]
    pub group_chat_created: bool,
    #[serde(default)]
    pub supergroup_chat_created: bool,
    #[serde(default)]
    pub channel_chat_created: bool,
    pub migrate_to_chat_id: Option<i64>,
    pub migrate_from_chat_id: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct ChatMember {
    pub status: String,
    pub user: User,
    /// Only for `restricted`: whether the restricted user is still in the chat.
    pub is_member: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct MemberUpdated {
    pub chat: Chat,
    pub from: User,
    pub date: i64,
    pub old_chat_member: ChatMember,
    pub new_chat_member: ChatMember,
    pub invite_link: Option<IgnoredAny>,
    #[serde(default)]
    pub via_join_request: bool,
}

/// Reads one update from a webhook body. Errors name the field (`message.chat.id: ...`).
pub fn parse_update(body: &[u8]) -> Result<Value, String> {
    let value: Value = serde_json::from_slice(body).map_err(|e| format!("the body is not JSON: {e}"))?;
    if !value.is_object() {
        return Err("the body is not a Telegram Update object".into());
    }
    Ok(value)
}

/// One webhook body → the records it holds.
pub fn convert(body: &[u8]) -> Result<Delivery, String> {
    let value = parse_update(body)?;
    let mut delivery = Delivery::default();
    convert_update(value, &mut delivery)?;
    Ok(delivery)
}

/// Adds one update's records to `delivery`; returns its `update_id`. An update kind shequn
/// does not model leaves a note on its chat (when it names one), never an error.
pub fn convert_update(value: Value, delivery: &mut Delivery) -> Result<i64, String> {
    let other_kind = value
        .as_object()
        .and_then(|o| o.keys().find(|k| *k != "update_id" && !MODELLED.contains(&k.as_str())).cloned());
    let unmodelled_chat = other_kind.as_ref().and_then(|k| chat_of_unmodelled(&value[k.as_str()]));
    let service = |kind: &str| OTHER_SERVICE.iter().copied().find(|f| value[kind].get(f).is_some());
    let services =
        [service("message"), service("edited_message"), service("channel_post"), service("edited_channel_post")];
    let update: Update = serde_path_to_error::deserialize(value)
        .map_err(|e| format!("not a Telegram update: {}: {}", e.path(), e.inner()))?;
    let messages = [&update.message, &update.edited_message, &update.channel_post, &update.edited_channel_post];
    for (i, (m, service)) in messages.into_iter().zip(services).enumerate() {
        if let Some(m) = m {
            message(m, i % 2 == 1, service, delivery);
        }
    }
    for (u, own) in [(&update.chat_member, false), (&update.my_chat_member, true)] {
        if let Some(u) = u {
            member_update(u, own, delivery);
        }
    }
    if let (Some(kind), Some(chat)) = (other_kind, unmodelled_chat) {
        let group = delivery.group(group_info(&chat));
        delivery.records.push(Record::Note {
            group,
            text: format!("telegram: updates of type {kind} were received and not modelled"),
        });
    }
    Ok(update.update_id)
}

/// The chat an update kind shequn does not model concerns: its `chat`, or its message's
/// (`callback_query.message.chat`).
fn chat_of_unmodelled(v: &Value) -> Option<Chat> {
    let chat = v.get("chat").or_else(|| v.get("message").and_then(|m| m.get("chat")))?;
    Chat::deserialize(chat).ok()
}

/// The bare chat id the Desktop export writes.
pub fn bare_chat_id(id: i64, kind: &str) -> String {
    match kind {
        "supergroup" | "channel" if id <= -1_000_000_000_000 => (-id - 1_000_000_000_000).to_string(),
        "group" => id.unsigned_abs().to_string(),
        _ => id.to_string(),
    }
}

pub fn group_info(chat: &Chat) -> GroupInfo {
    let kind = match chat.kind.as_str() {
        "private" => GroupKind::Direct,
        "channel" => GroupKind::Channel,
        _ => GroupKind::Group,
    };
    let name = match (&chat.title, &chat.first_name) {
        (Some(t), _) => t.clone(),
        (None, Some(first)) => full_name(first, chat.last_name.as_deref()),
        (None, None) => chat.username.clone().unwrap_or_default(),
    };
    GroupInfo {
        platform: Platform::Telegram,
        platform_id: bare_chat_id(chat.id, &chat.kind),
        name,
        kind,
        member_count: None,
    }
}

/// A message id as the archive keys it (see the module doc for `bot<id>`).
pub fn message_key(chat: &Chat, message_id: i64) -> String {
    match chat.kind.as_str() {
        "supergroup" | "channel" => message_id.to_string(),
        _ => format!("bot{message_id}"),
    }
}

fn full_name(first: &str, last: Option<&str>) -> String {
    match last {
        Some(l) if !l.is_empty() => format!("{first} {l}"),
        _ => first.to_string(),
    }
}

fn person(u: &User) -> Person {
    Person {
        platform_id: Some(format!("user{}", u.id)),
        name: full_name(&u.first_name, u.last_name.as_deref()),
        is_bot: u.is_bot,
        ..Person::default()
    }
}

fn chat_person(c: &Chat) -> Person {
    let name = c.title.clone().or_else(|| c.username.clone()).unwrap_or_default();
    Person { platform_id: Some(format!("channel{}", bare_chat_id(c.id, &c.kind))), name, ..Person::default() }
}

fn stamp(unix_s: i64) -> Stamp {
    Stamp::from_unix_ms(unix_s.saturating_mul(1000))
}

/// The text an entity covers: offsets and lengths count UTF-16 code units.
fn entity_text(text: &str, e: &Entity) -> String {
    let units: Vec<u16> = text.encode_utf16().collect();
    let end = e.offset.saturating_add(e.length).min(units.len());
    String::from_utf16_lossy(&units[e.offset.min(end)..end])
}

fn mentions(text: &str, entities: &[Entity]) -> Vec<Mention> {
    entities
        .iter()
        .filter_map(|e| match (e.kind.as_str(), &e.user) {
            ("mention", _) => Some(Mention::Member(Person::named(entity_text(text, e).trim_start_matches('@')))),
            ("text_mention", Some(u)) => Some(Mention::Member(person(u))),
            _ => None,
        })
        .collect()
}

fn kind_of(m: &TgMessage) -> MessageKind {
    // An animation also carries `document` (Bot API, for old clients): checked first.
    if m.photo.is_some() {
        MessageKind::Image
    } else if m.sticker.is_some() {
        MessageKind::Sticker
    } else if m.animation.is_some() || m.video.is_some() || m.video_note.is_some() {
        MessageKind::Video
    } else if m.voice.is_some() || m.audio.is_some() {
        MessageKind::Voice
    } else if m.document.is_some() {
        MessageKind::File
    } else if m.location.is_some() || m.venue.is_some() {
        MessageKind::Location
    } else if m.poll.is_some() {
        MessageKind::Poll
    } else if m.contact.is_some() || m.dice.is_some() || m.story.is_some() || m.game.is_some() {
        MessageKind::Other
    } else {
        MessageKind::Text
    }
}

/// Who a message is from: the chat it was posted as (channel posts, anonymous admins), else
/// the user; a message with neither is the chat's own.
fn sender(m: &TgMessage) -> Person {
    match (&m.sender_chat, &m.from) {
        (Some(c), _) => chat_person(c),
        (None, Some(u)) => person(u),
        (None, None) => chat_person(&m.chat),
    }
}

fn event(id: String, time: Stamp, kind: EventKind, text: String) -> SystemEvent {
    SystemEvent { id: Some(id), ..SystemEvent::new(time, kind, text) }
}

/// One message (`edited`: from `edited_*`; `service`: the service field it carries that
/// shequn has no event kind for).
fn message(m: &TgMessage, edited: bool, service: Option<&str>, d: &mut Delivery) {
    let mut info = group_info(&m.chat);
    if let Some(t) = &m.new_chat_title {
        info.name = t.clone();
    }
    let group = d.group(info);
    let time = stamp(m.date);
    let key = message_key(&m.chat, m.message_id);
    let from = sender(m);
    let mut events = Vec::new();
    if let Some(members) = &m.new_chat_members {
        for u in members {
            let mut e = event(format!("in:user{}:{}", u.id, m.date), time, EventKind::Join, String::new());
            let subject = person(u);
            if from.platform_id != subject.platform_id {
                e.text = format!("{} added {}", from.name, subject.name);
                e.detail = Some("invited".into());
                e.actor = Some(from.clone());
            } else {
                e.text = format!("{} joined", subject.name);
            }
            e.subjects = vec![subject];
            events.push(e);
        }
    }
    if let Some(u) = &m.left_chat_member {
        let subject = person(u);
        let mut e = event(format!("out:user{}:{}", u.id, m.date), time, EventKind::Leave, String::new());
        if m.from.is_some() && from.platform_id != subject.platform_id {
            e.kind = EventKind::Kick;
            e.text = format!("{} removed {}", from.name, subject.name);
            e.actor = Some(from.clone());
        } else {
            e.text = format!("{} left", subject.name);
        }
        e.subjects = vec![subject];
        events.push(e);
    }
    if let Some(title) = &m.new_chat_title {
        let mut e = event(key.clone(), time, EventKind::Rename, format!("{} renamed the group to {title}", from.name));
        e.detail = Some(title.clone());
        e.actor = Some(from.clone());
        events.push(e);
    }
    if let Some(p) = &m.pinned_message {
        let mut e = event(key.clone(), time, EventKind::Pin, format!("{} pinned a message", from.name));
        e.target = Some(message_key(&m.chat, p.message_id));
        e.actor = Some(from.clone());
        events.push(e);
    }
    if m.group_chat_created || m.supergroup_chat_created || m.channel_chat_created {
        let mut e = event(key.clone(), time, EventKind::Create, format!("{} created the group", from.name));
        e.detail = m.chat.title.clone();
        e.actor = Some(from.clone());
        events.push(e);
    }
    let migrated = match (m.migrate_to_chat_id, m.migrate_from_chat_id) {
        (Some(to), _) => Some(format!(
            "telegram: this group was upgraded to a supergroup; later messages are under chat {}",
            bare_chat_id(to, "supergroup")
        )),
        (None, Some(from_id)) => Some(format!(
            "telegram: this supergroup was upgraded from the basic group {}; earlier messages are under that chat",
            bare_chat_id(from_id, "group")
        )),
        (None, None) => None,
    };
    if let Some(text) = migrated {
        d.records.push(Record::Note { group, text });
        return;
    }
    if let (true, Some(field)) = (events.is_empty(), service) {
        let mut e = event(key.clone(), time, EventKind::Other, format!("{}: {field}", from.name));
        e.detail = Some(field.to_string());
        e.actor = Some(from.clone());
        events.push(e);
    }
    if !events.is_empty() {
        d.records.extend(events.into_iter().map(|event| Record::Event { group, event }));
        return;
    }
    let (text, entities) = match (&m.text, &m.caption) {
        (Some(t), _) => (t.clone(), &m.entities),
        (None, Some(c)) => (c.clone(), &m.caption_entities),
        (None, None) => (String::new(), &m.entities),
    };
    // In a forum topic, a message that replies to nothing points at the topic's first message.
    let reply_to = m
        .reply_to_message
        .as_ref()
        .filter(|r| !(m.is_topic_message && Some(r.message_id) == m.message_thread_id))
        .map(|r| message_key(&m.chat, r.message_id));
    let message = Message {
        id: Some(key),
        time,
        sender: from,
        mentions: mentions(&text, entities),
        text,
        kind: kind_of(m),
        amount_cents: None,
        reply_to,
        forwarded: m.forward_origin.is_some() || m.forward_date.is_some(),
        edited: if edited { Some(stamp(m.edit_date.unwrap_or(m.date))) } else { None },
        relayed: None,
    };
    d.records.push(Record::Message { group, message });
}

/// In the chat by Telegram's word: creator, admin, member, or restricted but still a member.
fn is_in(m: &ChatMember) -> bool {
    match m.status.as_str() {
        "creator" | "administrator" | "member" => true,
        "restricted" => m.is_member.unwrap_or(false),
        _ => false,
    }
}

fn member_update(u: &MemberUpdated, own: bool, d: &mut Delivery) {
    // The bot's own status in a private chat is the user blocking or unblocking it.
    if own && u.chat.kind == "private" {
        return;
    }
    let (was, is) = (is_in(&u.old_chat_member), is_in(&u.new_chat_member));
    if was == is {
        return;
    }
    let group = d.group(group_info(&u.chat));
    let member = &u.new_chat_member.user;
    let subject = person(member);
    let actor = (u.from.id != member.id).then(|| person(&u.from));
    let time = stamp(u.date);
    let mut e = if is {
        let mut e = event(format!("in:user{}:{}", member.id, u.date), time, EventKind::Join, String::new());
        e.detail = if u.via_join_request {
            Some("request".into())
        } else if u.invite_link.is_some() {
            Some("link".into())
        } else if actor.is_some() {
            Some("invited".into())
        } else {
            None
        };
        e.text = match &actor {
            Some(a) => format!("{} added {}", a.name, subject.name),
            None => format!("{} joined", subject.name),
        };
        e
    } else {
        let kicked = u.new_chat_member.status == "kicked" || actor.is_some();
        let kind = if kicked { EventKind::Kick } else { EventKind::Leave };
        let mut e = event(format!("out:user{}:{}", member.id, u.date), time, kind, String::new());
        e.text = match &actor {
            Some(a) => format!("{} removed {}", a.name, subject.name),
            None if kicked => format!("{} was removed", subject.name),
            None => format!("{} left", subject.name),
        };
        e
    };
    e.actor = actor;
    e.subjects = vec![subject];
    d.records.push(Record::Event { group, event: e });
}
