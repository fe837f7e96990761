//! Telegram Desktop JSON export: one chat (`result.json` with `name`, `type`,
//! `id`, `messages`) or the full-account export (`chats.list[]`, `left_chats.list[]`).
//!
//! The file is read as a stream: a serde visitor walks the document and hands
//! each message to the sink as soon as it is read, so a 1 GB export parses in
//! memory bounded by one message. Service messages (joins, removals, pins,
//! title changes) become events: they are the churn signal.

use std::fmt;

use chrono::{DateTime, NaiveDateTime};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, GroupSlot, Mention, Message, MessageKind, Person, Platform, Record, Sink, Stamp,
    SystemEvent,
};

use crate::{Format, Input, ParseError, ParseOptions, Probe, Score};

pub struct Telegram;

impl Format for Telegram {
    fn name(&self) -> &'static str {
        "telegram"
    }

    fn description(&self) -> &'static str {
        "Telegram Desktop JSON export (result.json): one chat or the whole account"
    }

    fn sniff(&self, probe: &Probe) -> Score {
        let head = probe.head_text();
        let start = head.trim_start();
        if !start.starts_with('{') {
            return 0;
        }
        let single = head.contains("\"messages\"") && head.contains("\"type\"") && head.contains("\"id\"");
        let telegram_types = [
            "\"personal_chat\"",
            "\"private_group\"",
            "\"private_supergroup\"",
            "\"public_supergroup\"",
            "\"private_channel\"",
            "\"public_channel\"",
            "\"saved_messages\"",
            "\"bot_chat\"",
        ];
        let typed = telegram_types.iter().any(|t| head.contains(t));
        let account = head.contains("\"personal_information\"") || head.contains("\"frequent_contacts\"");
        let tg_fields =
            head.contains("\"from_id\"") || head.contains("\"date_unixtime\"") || head.contains("\"text_entities\"");
        if (account && (typed || head.contains("\"chats\""))) || (single && typed) {
            90
        } else if single && tg_fields && !head.contains("\"guild\"") && !head.contains("\"chatlab\"") {
            70
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let reader = input.json_reader()?;
        let mark = reader.mark();
        let mut ctx = Ctx { input, opts, sink, next_slot: 0, failure: None, messages: 0, mark };
        let mut de = serde_json::Deserializer::from_reader(reader);
        let result = DocumentSeed { ctx: &mut ctx }.deserialize(&mut de).and_then(|()| de.end());
        match (result, ctx.failure.take()) {
            // Our own failure, placed where serde stopped reading.
            (Err(e), Some(mut failure)) if failure.message != shequn_model::SinkClosed.to_string() => {
                let line = format!("line {}, column {}", e.line(), e.column());
                failure.location = Some(match failure.location {
                    Some(loc) => format!("{line} ({loc})"),
                    None => line,
                });
                Err(failure)
            }
            (_, Some(failure)) => Err(failure),
            (Err(e), None) => Err(ParseError::json(&input.path, &e, "Telegram export JSON")
                .hint("export the chat again from Telegram Desktop (Export chat history → JSON)")),
            (Ok(()), None) => Ok(()),
        }
    }
}

/// What the visitors share while walking the document.
struct Ctx<'a> {
    input: &'a Input,
    opts: &'a ParseOptions,
    sink: &'a mut dyn Sink,
    next_slot: GroupSlot,
    /// A failure that is not a JSON syntax error (the sink closed, a bad value),
    /// kept here because serde errors carry only text.
    failure: Option<ParseError>,
    messages: u64,
    /// Each message is one record for the `json_record_mib` limit.
    mark: crate::limits::RecordMark,
}

impl Ctx<'_> {
    fn push(&mut self, record: Record) -> Result<(), ParseError> {
        self.sink.push(record).map_err(|_| ParseError::sink_closed(&self.input.path))
    }

    fn fail<E: de::Error>(&mut self, err: ParseError) -> E {
        let text = err.message.clone();
        self.failure = Some(err);
        E::custom(text)
    }
}

/// The top level: a single chat, or the account export holding `chats` and `left_chats`.
struct DocumentSeed<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(ChatVisitor { ctx: self.ctx, top: true })
    }
}

/// One chat object (also the top level, which may instead hold chat lists).
struct ChatVisitor<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    top: bool,
}

#[derive(Default)]
struct ChatHead {
    name: Option<String>,
    kind: Option<String>,
    id: Option<String>,
    slot: Option<GroupSlot>,
}

impl ChatHead {
    fn declare(&mut self, ctx: &mut Ctx) -> Result<GroupSlot, ParseError> {
        if let Some(slot) = self.slot {
            return Ok(slot);
        }
        if self.kind.is_none() && self.id.is_none() {
            return Err(ParseError::new(
                &ctx.input.path,
                "a \"messages\" array with no Telegram chat \"type\" or \"id\" before it",
            )
            .hint("this does not look like a Telegram Desktop export; check --format"));
        }
        let id = self.id.clone().or_else(|| self.name.clone()).unwrap_or_else(|| "saved".into());
        let name = self.name.clone().unwrap_or_else(|| match self.kind.as_deref() {
            Some("saved_messages") => "Saved Messages".into(),
            _ => id.clone(),
        });
        let kind = match self.kind.as_deref() {
            Some("personal_chat" | "bot_chat" | "saved_messages") => GroupKind::Direct,
            Some("private_channel" | "public_channel") => GroupKind::Channel,
            _ => GroupKind::Group,
        };
        ctx.push(Record::Group(GroupInfo {
            platform: Platform::Telegram,
            platform_id: id,
            name,
            kind,
            member_count: None,
        }))?;
        let slot = ctx.next_slot;
        ctx.next_slot += 1;
        self.slot = Some(slot);
        Ok(slot)
    }
}

impl<'de> Visitor<'de> for ChatVisitor<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a Telegram chat object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut head = ChatHead::default();
        let mut saw_messages = false;
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "name" => head.name = map.next_value::<Option<String>>()?,
                "type" => head.kind = map.next_value::<Option<String>>()?,
                "id" => head.id = map.next_value::<Option<Value>>()?.map(|v| id_text(&v)),
                "messages" => {
                    saw_messages = true;
                    let slot = head.declare(self.ctx).map_err(|e| self.ctx.fail(e))?;
                    map.next_value_seed(MessagesSeed { ctx: self.ctx, slot })?;
                }
                "chats" | "left_chats" if self.top => map.next_value_seed(ChatListSeed { ctx: self.ctx })?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        // A chat with no messages is still a group (a 0-message export imports cleanly).
        if !self.top || saw_messages || head.kind.is_some() {
            head.declare(self.ctx).map_err(|e| self.ctx.fail(e))?;
        }
        Ok(())
    }
}

/// `{"about": ..., "list": [chat, ...]}` of the account export.
struct ChatListSeed<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
}

impl<'de> DeserializeSeed<'de> for ChatListSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ChatListSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a chat list object with \"list\"")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            if key == "list" {
                map.next_value_seed(ChatArraySeed { ctx: self.ctx })?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(())
    }
}

struct ChatArraySeed<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
}

impl<'de> DeserializeSeed<'de> for ChatArraySeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ChatArraySeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of chats")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element_seed(OneChatSeed { ctx: self.ctx })?.is_some() {}
        Ok(())
    }
}

struct OneChatSeed<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
}

impl<'de> DeserializeSeed<'de> for OneChatSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(ChatVisitor { ctx: self.ctx, top: false })
    }
}

/// The `messages` array: each element is read, converted and pushed at once.
struct MessagesSeed<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    slot: GroupSlot,
}

impl<'de> DeserializeSeed<'de> for MessagesSeed<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for MessagesSeed<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of Telegram messages")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        loop {
            self.ctx.mark.start();
            let Some(raw) = seq.next_element::<RawMessage>()? else { break };
            self.ctx.messages += 1;
            // Only a failing message needs its id again (for the error's location).
            let record = convert(raw, self.slot, self.ctx.opts)
                .map_err(|(msg, id)| ParseError::new(&self.ctx.input.path, msg).at(format!("message id {id}")))
                .and_then(|r| r.map_or(Ok(()), |r| self.ctx.push(r)));
            if let Err(e) = record {
                return Err(self.ctx.fail(e));
            }
        }
        Ok(())
    }
}

/// One element of `messages`, as much of it as shequn uses.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RawMessage {
    id: IdText,
    #[serde(rename = "type")]
    kind: Service,
    date: Option<LocalTime>,
    date_unixtime: Option<UnixTime>,
    edited: Option<LocalTime>,
    edited_unixtime: Option<UnixTime>,
    from: Option<String>,
    from_id: Option<IdText>,
    actor: Option<String>,
    actor_id: Option<IdText>,
    action: Option<String>,
    members: Option<Vec<Option<String>>>,
    title: Option<String>,
    message_id: Option<IdText>,
    inviter: Option<String>,
    text: RawText,
    text_entities: Mentions,
    reply_to_message_id: Option<IdText>,
    #[serde(deserialize_with = "present")]
    forwarded_from: bool,
    media_type: Option<String>,
    photo: Option<String>,
    file: Option<String>,
    mime_type: Option<String>,
    sticker_emoji: Option<String>,
    poll: Option<Value>,
    location_information: Option<Value>,
    contact_information: Option<Value>,
    duration_seconds: Option<i64>,
}

/// Whether `type` is `"service"`, read without keeping the text.
#[derive(Default)]
struct Service(bool);

impl<'de> Deserialize<'de> for Service {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Service, D::Error> {
        struct Kind;
        impl Visitor<'_> for Kind {
            type Value = Service;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a message type")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Service, E> {
                Ok(Service(v == "service"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Service, E> {
                Ok(Service(false))
            }
        }
        d.deserialize_any(Kind)
    }
}

/// A `date` as written: `YYYY-MM-DDTHH:MM:SS` read at once (every message has
/// one, so no text is kept), anything else kept for [`stamp`] to read or reject.
enum LocalTime {
    Plain(NaiveDateTime),
    Other(String),
}

impl<'de> Deserialize<'de> for LocalTime {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<LocalTime, D::Error> {
        struct Text;
        impl Visitor<'_> for Text {
            type Value = LocalTime;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a date-time text")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LocalTime, E> {
                Ok(plain_local_time(v).map_or_else(|| LocalTime::Other(v.to_string()), LocalTime::Plain))
            }
        }
        d.deserialize_str(Text)
    }
}

/// A `date_unixtime` (seconds as text), read at once; text that is not a number is kept for the error.
enum UnixTime {
    Seconds(i64),
    Invalid(String),
}

impl<'de> Deserialize<'de> for UnixTime {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<UnixTime, D::Error> {
        struct Text;
        impl Visitor<'_> for Text {
            type Value = UnixTime;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("unix seconds as text")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<UnixTime, E> {
                Ok(v.trim().parse().map_or_else(|_| UnixTime::Invalid(v.to_string()), UnixTime::Seconds))
            }
        }
        d.deserialize_str(Text)
    }
}

/// The mentions among `text_entities`. The other entities (plain text, links,
/// formatting) repeat `text` and are skipped without building anything.
#[derive(Default)]
struct Mentions(Vec<Mention>);

impl<'de> Deserialize<'de> for Mentions {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Mentions, D::Error> {
        struct Entities;
        impl<'de> Visitor<'de> for Entities {
            type Value = Mentions;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of text entities")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Mentions, E> {
                Ok(Mentions::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Mentions, A::Error> {
                let mut out = Vec::new();
                while let Some(entity) = seq.next_element::<EntityMention>()? {
                    out.extend(entity.0);
                }
                Ok(Mentions(out))
            }
        }
        d.deserialize_any(Entities)
    }
}

/// One entity object: a mention when its `type` says so, else nothing.
struct EntityMention(Option<Mention>);

impl<'de> Deserialize<'de> for EntityMention {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<EntityMention, D::Error> {
        struct Entity;
        impl<'de> Visitor<'de> for Entity {
            type Value = EntityMention;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a text entity")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<EntityMention, A::Error> {
                // Telegram writes `type` first; a mention's fields are kept whatever the order.
                let mut kind = EntityKind::Unknown;
                let mut text: Option<String> = None;
                let mut user_id: Option<Value> = None;
                while let Some(key) = map.next_key::<EntityKey>()? {
                    match key {
                        EntityKey::Type => kind = map.next_value::<EntityKind>()?,
                        EntityKey::Text if kind != EntityKind::Other => text = map.next_value()?,
                        EntityKey::UserId if kind != EntityKind::Other => user_id = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let t = text.unwrap_or_default();
                Ok(EntityMention(match kind {
                    EntityKind::Mention => Some(Mention::Member(Person::named(t.trim_start_matches('@')))),
                    EntityKind::MentionName => {
                        let id = user_id.as_ref().map(id_text).map(|id| format!("user{id}"));
                        Some(Mention::Member(Person { platform_id: id, name: t, ..Person::default() }))
                    }
                    EntityKind::Other | EntityKind::Unknown => None,
                }))
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<EntityMention, E> {
                Ok(EntityMention(None))
            }
        }
        d.deserialize_any(Entity)
    }
}

enum EntityKey {
    Type,
    Text,
    UserId,
    Other,
}

impl<'de> Deserialize<'de> for EntityKey {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<EntityKey, D::Error> {
        struct Key;
        impl Visitor<'_> for Key {
            type Value = EntityKey;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an entity field name")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<EntityKey, E> {
                Ok(match v {
                    "type" => EntityKey::Type,
                    "text" => EntityKey::Text,
                    "user_id" => EntityKey::UserId,
                    _ => EntityKey::Other,
                })
            }
        }
        d.deserialize_identifier(Key)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EntityKind {
    /// Not read yet.
    Unknown,
    Mention,
    MentionName,
    Other,
}

impl<'de> Deserialize<'de> for EntityKind {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<EntityKind, D::Error> {
        struct Kind;
        impl Visitor<'_> for Kind {
            type Value = EntityKind;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an entity type")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<EntityKind, E> {
                Ok(match v {
                    "mention" => EntityKind::Mention,
                    "mention_name" => EntityKind::MentionName,
                    _ => EntityKind::Other,
                })
            }
            fn visit_unit<E: de::Error>(self) -> Result<EntityKind, E> {
                Ok(EntityKind::Other)
            }
        }
        d.deserialize_any(Kind)
    }
}

/// A field that is there, even as `null` (`"forwarded_from": null` is a hidden sender).
fn present<'de, D: de::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    IgnoredAny::deserialize(d).map(|_| true)
}

/// Ids come as numbers (`"id": 42`) or strings (`"from_id": "user42"`).
fn id_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        // Integer `to_string` skips the formatting machinery; this runs for every message id.
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => n.to_string(),
        },
        other => other.to_string(),
    }
}

/// An id field as text, read straight from the JSON number or string (no `Value` built).
#[derive(Default)]
struct IdText(String);

impl<'de> Deserialize<'de> for IdText {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<IdText, D::Error> {
        struct Id;
        impl<'de> Visitor<'de> for Id {
            type Value = IdText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an id (a number or a string)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<IdText, E> {
                Ok(IdText(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<IdText, E> {
                Ok(IdText(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<IdText, E> {
                Ok(IdText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<IdText, E> {
                Ok(IdText(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<IdText, E> {
                Ok(IdText(Value::from(v).to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<IdText, E> {
                Ok(IdText(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<IdText, E> {
                Ok(IdText::default())
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<IdText, A::Error> {
                let v = Value::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(IdText(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<IdText, A::Error> {
                let v = Value::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(IdText(v.to_string()))
            }
        }
        d.deserialize_any(Id)
    }
}

/// Visitor methods for a string (the text itself) and the other JSON scalars (null, numbers,
/// booleans: no text).
macro_rules! text_of_scalars {
    ($ty:ty, $plain:path, $none:expr) => {
        fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
            Ok($plain(v.to_string()))
        }
        fn visit_string<E: de::Error>(self, v: String) -> Result<$ty, E> {
            Ok($plain(v))
        }
        fn visit_unit<E: de::Error>(self) -> Result<$ty, E> {
            Ok($none)
        }
        fn visit_i64<E: de::Error>(self, _: i64) -> Result<$ty, E> {
            Ok($none)
        }
        fn visit_u64<E: de::Error>(self, _: u64) -> Result<$ty, E> {
            Ok($none)
        }
        fn visit_f64<E: de::Error>(self, _: f64) -> Result<$ty, E> {
            Ok($none)
        }
        fn visit_bool<E: de::Error>(self, _: bool) -> Result<$ty, E> {
            Ok($none)
        }
    };
}

/// `text`: a string, or an array of strings and entity objects, flattened while it is read
/// (an array built as a `Value` tree cost a map per entity).
#[derive(Default)]
enum RawText {
    #[default]
    Absent,
    Plain(String),
    /// The concatenated parts and the mentions among them.
    Parts(String, Vec<Mention>),
}

impl<'de> Deserialize<'de> for RawText {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<RawText, D::Error> {
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = RawText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a text (a string, or an array of strings and entities)")
            }
            text_of_scalars!(RawText, RawText::Plain, RawText::Absent);
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawText, A::Error> {
                let mut out = String::new();
                let mut mentions = Vec::new();
                while let Some(part) = seq.next_element::<TextPart>()? {
                    if let Some(m) = part.push_onto(&mut out) {
                        mentions.push(m);
                    }
                }
                Ok(RawText::Parts(out, mentions))
            }
            // Objects hold no text either.
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawText, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(RawText::Absent)
            }
        }
        d.deserialize_any(Text)
    }
}

/// One element of a `text` array: a plain string, or an entity object (its text, and a
/// mention where it is one). Anything else holds no text.
enum TextPart {
    Plain(String),
    Entity { kind: EntityKind, text: String, user_id: Option<Value> },
    Nothing,
}

impl TextPart {
    /// Appends the part's text; returns the mention it makes, if any.
    fn push_onto(self, out: &mut String) -> Option<Mention> {
        match self {
            TextPart::Plain(s) => {
                out.push_str(&s);
                None
            }
            TextPart::Entity { kind, text, user_id } => {
                out.push_str(&text);
                match kind {
                    EntityKind::Mention => Some(Mention::Member(Person::named(text.trim_start_matches('@')))),
                    EntityKind::MentionName => {
                        let id = user_id.as_ref().map(id_text).map(|id| format!("user{id}"));
                        Some(Mention::Member(Person { platform_id: id, name: text, ..Person::default() }))
                    }
                    EntityKind::Other | EntityKind::Unknown => None,
                }
            }
            TextPart::Nothing => None,
        }
    }
}

impl<'de> Deserialize<'de> for TextPart {
    fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<TextPart, D::Error> {
        struct Part;
        impl<'de> Visitor<'de> for Part {
            type Value = TextPart;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string or a text entity")
            }
            text_of_scalars!(TextPart, TextPart::Plain, TextPart::Nothing);
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TextPart, A::Error> {
                let mut kind = EntityKind::Unknown;
                let mut text = String::new();
                let mut user_id: Option<Value> = None;
                while let Some(key) = map.next_key::<EntityKey>()? {
                    match key {
                        EntityKey::Type => kind = map.next_value::<EntityKind>()?,
                        // A non-string text (never written by Telegram) holds no text.
                        EntityKey::Text => {
                            text = match map.next_value::<Value>()? {
                                Value::String(s) => s,
                                _ => String::new(),
                            }
                        }
                        EntityKey::UserId => user_id = map.next_value()?,
                        EntityKey::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(TextPart::Entity { kind, text, user_id })
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TextPart, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(TextPart::Nothing)
            }
        }
        d.deserialize_any(Part)
    }
}

fn person(name: Option<String>, id: Option<IdText>) -> Person {
    let id = id.map(|i| i.0).filter(|s| !s.is_empty());
    let name = name.or_else(|| id.clone()).unwrap_or_else(|| "Deleted Account".into());
    Person { platform_id: id, name, ..Person::default() }
}

/// `YYYY-MM-DDTHH:MM:SS` read by hand (every message has one); None for anything else.
fn plain_local_time(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if b.len() != 19 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        b[from..to].iter().try_fold(0u32, |acc, c| c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0')))
    };
    let date = chrono::NaiveDate::from_ymd_opt(num(0, 4)? as i32, num(5, 7)?, num(8, 10)?)?;
    date.and_hms_opt(num(11, 13)?, num(14, 16)?, num(17, 19)?)
}

/// `date_unixtime` when present (with the export's own offset read from the
/// local `date` beside it), else the zone-less `date` read in the assumed zone.
fn stamp(local: &Option<LocalTime>, unix: &Option<UnixTime>, opts: &ParseOptions) -> Result<Option<Stamp>, String> {
    let local_dt = match local {
        Some(LocalTime::Plain(t)) => Some(*t),
        Some(LocalTime::Other(s)) if s.ends_with('Z') || s.contains('+') => {
            let dt = DateTime::parse_from_rfc3339(s).map_err(|e| format!("date {s:?} is not a date-time: {e}"))?;
            return Ok(Some(Stamp::from_datetime(&dt)));
        }
        Some(LocalTime::Other(s)) => Some(
            NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S")
                .map_err(|e| format!("date {s:?} is not YYYY-MM-DDTHH:MM:SS: {e}"))?,
        ),
        None => None,
    };
    if let Some(u) = unix {
        let secs = match u {
            UnixTime::Seconds(secs) => *secs,
            UnixTime::Invalid(u) => return Err(format!("date_unixtime {u:?} is not a number")),
        };
        let mut st = Stamp::from_unix_ms(secs * 1000);
        if let Some(l) = local_dt {
            let diff = l.and_utc().timestamp() - secs;
            if diff.abs() <= 18 * 3600 {
                st.offset_s = diff as i32;
            }
        }
        return Ok(Some(st));
    }
    Ok(local_dt.map(|l| Stamp::from_local_assumed(l, opts.zone_or_local())))
}

/// Plain text and mentions from `text` (a string, or an array of strings and
/// entity objects); a plain-string `text` takes its mentions from `text_entities`.
fn flatten(text: RawText, entities: Mentions) -> (String, Vec<Mention>) {
    match text {
        RawText::Parts(out, mentions) => (out, mentions),
        RawText::Plain(s) => (s, entities.0),
        RawText::Absent => (String::new(), entities.0),
    }
}

fn message_kind(m: &RawMessage) -> MessageKind {
    if m.photo.is_some() {
        return MessageKind::Image;
    }
    match m.media_type.as_deref() {
        Some("sticker") => return MessageKind::Sticker,
        Some("animation") => return MessageKind::Image,
        Some("video_file" | "video_message") => return MessageKind::Video,
        Some("voice_message" | "audio_file") => return MessageKind::Voice,
        Some(_) => return MessageKind::File,
        None => {}
    }
    if m.sticker_emoji.is_some() {
        return MessageKind::Sticker;
    }
    if m.file.is_some() || m.mime_type.is_some() {
        return MessageKind::File;
    }
    if m.poll.is_some() {
        return MessageKind::Poll;
    }
    if m.location_information.is_some() {
        return MessageKind::Location;
    }
    if m.contact_information.is_some() {
        return MessageKind::Other;
    }
    MessageKind::Text
}

/// One raw message → a record.
/// On failure: what is wrong, and the message's id (for the error's location).
fn convert(mut m: RawMessage, group: GroupSlot, opts: &ParseOptions) -> Result<Option<Record>, (String, String)> {
    let stamps = match stamp(&m.date, &m.date_unixtime, opts) {
        Ok(Some(time)) if m.kind.0 => Ok((time, None)),
        Ok(Some(time)) => stamp(&m.edited, &m.edited_unixtime, opts).map(|edited| (time, edited)),
        Ok(None) => Err("a message with neither \"date\" nor \"date_unixtime\"".to_string()),
        Err(e) => Err(e),
    };
    let (time, edited) = stamps.map_err(|e| (e, std::mem::take(&mut m.id.0)))?;
    let id = Some(std::mem::take(&mut m.id.0)).filter(|s| !s.is_empty());
    let (text, mentions) = flatten(std::mem::take(&mut m.text), std::mem::take(&mut m.text_entities));
    if m.kind.0 {
        let actor = person(m.actor.take(), m.actor_id.take());
        let action = m.action.clone().unwrap_or_default();
        let members: Vec<Person> = m.members.iter().flatten().flatten().map(Person::named).collect();
        let (kind, actor_opt, subjects, detail, target) = match action.as_str() {
            "phone_call" | "group_call" => {
                let message = Message {
                    id,
                    time,
                    sender: actor,
                    text: m.duration_seconds.map(|d| format!("call, {d} s")).unwrap_or_default(),
                    kind: MessageKind::Call,
                    ..Message::default()
                };
                return Ok(Some(Record::Message { group, message }));
            }
            "invite_members" => (EventKind::Join, Some(actor), members, Some("invited".to_string()), None),
            "join_group_by_link" => {
                let via = m.inviter.as_ref().map(|i| format!("link by {i}")).unwrap_or_else(|| "link".into());
                (EventKind::Join, None, vec![actor], Some(via), None)
            }
            "join_group_by_request" => (EventKind::Join, None, vec![actor], Some("request".into()), None),
            "remove_members" => {
                let self_leave = members.len() == 1 && members[0].name == actor.name;
                if self_leave || members.is_empty() {
                    (EventKind::Leave, None, vec![actor], None, None)
                } else {
                    (EventKind::Kick, Some(actor), members, None, None)
                }
            }
            "pin_message" => (EventKind::Pin, Some(actor), vec![], None, m.message_id.take().map(|i| i.0)),
            "edit_group_title" => (EventKind::Rename, Some(actor), vec![], m.title.clone(), None),
            "create_group" | "create_channel" => (EventKind::Create, Some(actor), members, m.title.clone(), None),
            _ => (EventKind::Other, Some(actor), members, Some(action.clone()), None),
        };
        let mut event = SystemEvent::new(time, kind, if text.is_empty() { action } else { text });
        event.id = id;
        event.actor = actor_opt;
        event.subjects = subjects;
        event.detail = detail;
        event.target = target;
        return Ok(Some(Record::Event { group, event }));
    }
    // The export flags no bots: a `via_bot` message is still sent by the person who used the bot.
    let sender = person(m.from.take(), m.from_id.take());
    let message = Message {
        id,
        time,
        sender,
        text,
        kind: message_kind(&m),
        amount_cents: None,
        reply_to: m.reply_to_message_id.take().map(|i| i.0),
        mentions,
        forwarded: m.forwarded_from,
        edited,
        relayed: None,
    };
    Ok(Some(Record::Message { group, message }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn parse(text: &str) -> Result<Vec<Record>, ParseError> {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        let mut out = Vec::new();
        Telegram.parse(&Input::new(f.path()), &ParseOptions::default(), &mut out)?;
        Ok(out)
    }

    #[test]
    fn text_parts_of_any_shape_and_ids_of_either_kind() {
        let recs = parse(
            r#"{"name":"G","type":"private_group","id":5,"messages":[
                {"id":"m-1","type":"message","date":"2024-01-01T10:01:00","from":"Bob","from_id":"user2",
                 "text":["a",7,null,["nested"],{"type":"bold","text":"b"},{"text":{"odd":1}},{"type":"mention_name","text":"Ann","user_id":"1"},"c"],
                 "reply_to_message_id":"m-0"},
                {"id":2,"type":"message","date":"2024-01-01T10:02:00","from":"Bob","from_id":7,"text":{"unexpected":true}},
                {"id":3,"type":"message","date":"2024-01-01T10:03:00","from":"Bob","from_id":"user2","text":12}]}"#,
        )
        .unwrap();
        let msgs: Vec<&Message> = recs
            .iter()
            .filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None })
            .collect();
        assert_eq!(msgs.len(), 3);
        assert_eq!((msgs[0].id.as_deref(), msgs[0].reply_to.as_deref()), (Some("m-1"), Some("m-0")));
        assert_eq!(msgs[0].text, "abAnnc", "strings and entity texts, nothing else");
        assert_eq!(msgs[0].mentions.len(), 1);
        let Mention::Member(ann) = &msgs[0].mentions[0] else { panic!("a member mention") };
        assert_eq!((ann.platform_id.as_deref(), ann.name.as_str()), (Some("user1"), "Ann"));
        assert_eq!(msgs[1].sender.platform_id.as_deref(), Some("7"));
        assert_eq!((msgs[1].text.as_str(), msgs[2].text.as_str()), ("", ""));
    }

    #[test]
    fn a_bad_date_names_the_message() {
        let err = parse(
            r#"{"name":"G","type":"private_group","id":5,"messages":[
                {"id":41,"type":"message","date":"2024-01-01T10:01:00","from":"A","text":"ok"},
                {"id":42,"type":"message","date":"yesterday","from":"A","text":"bad"}]}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("message id 42") && err.contains("yesterday"), "{err}");
    }

    #[test]
    fn account_export_with_service_events() {
        let recs = parse(
            r#"{"about":"x","personal_information":{"user_id":1},
            "chats":{"about":"y","list":[
              {"name":"G","type":"private_supergroup","id":5,"messages":[
                {"id":1,"type":"service","date":"2024-01-01T10:00:00","date_unixtime":"1704103200","actor":"Ann","actor_id":"user1","action":"invite_members","members":["Bob",null],"text":""},
                {"id":2,"type":"message","date":"2024-01-01T10:01:00","date_unixtime":"1704074460","from":"Bob","from_id":"user2","text":["hi ",{"type":"mention_name","text":"Ann","user_id":1}," ",{"type":"mention","text":"@cid"}],"reply_to_message_id":1,"forwarded_from":null},
                {"id":3,"type":"service","date":"2024-01-01T10:02:00","actor":"Bob","actor_id":"user2","action":"remove_members","members":["Bob"],"text":""},
                {"id":4,"type":"service","date":"2024-01-01T10:03:00","actor":"Ann","actor_id":"user1","action":"remove_members","members":["Cid"],"text":""}
              ]},
              {"name":"Empty","type":"public_channel","id":6,"messages":[]}
            ]},
            "left_chats":{"list":[{"name":"Old","type":"private_group","id":7,"messages":[
                {"id":9,"type":"service","date":"2020-01-01T00:00:00","actor":"Z","actor_id":"user9","action":"join_group_by_link","inviter":"Group","text":""}]}]}}"#,
        )
        .unwrap();
        let groups: Vec<_> =
            recs.iter().filter_map(|r| if let Record::Group(g) = r { Some(g) } else { None }).collect();
        assert_eq!(groups.len(), 3);
        assert_eq!(groups[1].kind, GroupKind::Channel);
        let kinds: Vec<_> = recs
            .iter()
            .filter_map(|r| if let Record::Event { event, .. } = r { Some(event.kind) } else { None })
            .collect();
        assert_eq!(kinds, vec![EventKind::Join, EventKind::Leave, EventKind::Kick, EventKind::Join]);
        let msg = recs.iter().find_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None });
        let msg = msg.unwrap();
        assert_eq!(msg.text, "hi Ann @cid");
        assert_eq!(msg.reply_to.as_deref(), Some("1"));
        assert!(msg.forwarded);
        assert_eq!(msg.mentions.len(), 2);
        // date 10:01 local beside a unix time 8 hours earlier: the export was written at UTC+8.
        assert_eq!(msg.time.unix_ms, 1_704_074_460_000);
        assert_eq!(msg.time.offset_s, 8 * 3600);
        assert!(!msg.time.zone_inferred);
    }

    #[test]
    fn plain_text_takes_mentions_from_text_entities_and_dates_in_every_shape() {
        let recs = parse(
            r#"{"name":"G","type":"private_group","id":5,"messages":[
                {"id":1,"type":"message","date":"2024-01-01T10:01:00","date_unixtime":"1704074460","from":"Bob","from_id":"user2",
                 "text":"hi Ann @cid","text_entities":[{"type":"plain","text":"hi "},{"user_id":1,"type":"mention_name","text":"Ann"},{"type":"plain","text":" "},{"type":"mention","text":"@cid"}]},
                {"id":2,"type":"message","date":"2024-01-01T10:02:00+08:00","from":"Bob","from_id":"user2","text":"x","text_entities":null},
                {"id":3,"type":"message","date":"2024-01-01T10:03:00","from":"Bob","from_id":"user2","text":"y"}
            ]}"#,
        )
        .unwrap();
        let msgs: Vec<&Message> = recs
            .iter()
            .filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None })
            .collect();
        assert_eq!(msgs.len(), 3);
        assert_eq!(msgs[0].text, "hi Ann @cid");
        let named: Vec<(Option<&str>, &str)> = msgs[0]
            .mentions
            .iter()
            .filter_map(|m| {
                if let Mention::Member(p) = m {
                    Some((p.platform_id.as_deref(), p.name.as_str()))
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(named, vec![(Some("user1"), "Ann"), (None, "cid")]);
        assert_eq!(msgs[1].time.unix_ms, 1_704_074_520_000, "a date with its own offset");
        assert!(msgs[1].mentions.is_empty());
        // A zone-less date without a unix time is read in the assumed zone: its wall clock stays 10:03.
        assert_eq!(msgs[2].time.unix_ms / 1000 + i64::from(msgs[2].time.offset_s), 1_704_103_380);
        let err = parse(
            r#"{"name":"G","type":"private_group","id":5,"messages":[
                {"id":7,"type":"message","date":"2024-01-01T10:01:00","date_unixtime":"soon","from":"Bob","text":""}]}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("date_unixtime \"soon\" is not a number"), "{err}");
    }
}
