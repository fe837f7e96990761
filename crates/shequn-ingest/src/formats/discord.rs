//! DiscordChatExporter JSON: one channel per file (`guild`, `channel`,
//! `messages[]`). Many files are imported at once by the pipeline. Member
//! joins, recipients added or removed and pins become events.
//!
//! A thread's file (`GuildPublicThread`, `GuildPrivateThread`, `GuildNewsThread`) names its
//! parent channel in `channel.categoryId`/`category`: its messages go into the parent
//! channel's group, each without a reply of its own replying to the thread's start (the
//! thread's id is the id of the message or `ThreadCreated` notice it grew from), so a
//! thread is a conversation of its channel rather than a community of its own.

use std::path::Path;

use chrono::DateTime;
use serde::Deserialize;
use serde_json::{Map, Value};
use shequn_model::{
    EventKind, GroupInfo, GroupKind, Mention, Message, MessageKind, Person, Platform, Record, Sink, Stamp, SystemEvent,
};

use super::json_stream::{self, ArrayHandler};
use crate::{Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct Discord;

#[derive(Deserialize)]
struct Guild {
    id: String,
    name: String,
}

#[derive(Deserialize)]
struct Channel {
    id: String,
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "categoryId")]
    category_id: Option<String>,
    #[serde(default)]
    category: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMessage {
    id: String,
    #[serde(rename = "type", default)]
    kind: String,
    timestamp: String,
    #[serde(default)]
    timestamp_edited: Option<String>,
    #[serde(default)]
    content: String,
    author: Author,
    #[serde(default)]
    attachments: Vec<Attachment>,
    #[serde(default)]
    stickers: Vec<serde::de::IgnoredAny>,
    #[serde(default)]
    embeds: Vec<serde::de::IgnoredAny>,
    #[serde(default)]
    mentions: Vec<Author>,
    #[serde(default)]
    reference: Option<Reference>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Author {
    id: String,
    name: String,
    #[serde(default)]
    discriminator: Option<String>,
    #[serde(default)]
    nickname: Option<String>,
    #[serde(default)]
    is_bot: bool,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Attachment {
    #[serde(default)]
    file_name: String,
    #[serde(default)]
    url: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Reference {
    message_id: Option<String>,
}

impl Author {
    /// The name the channel showed: the nickname where set, with the legacy `#1234` tag.
    fn person(&self) -> Person {
        let shown = self.nickname.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| self.name.clone());
        let name = match self.discriminator.as_deref() {
            Some(d) if !d.is_empty() && d.chars().any(|c| c != '0') => format!("{shown}#{d}"),
            _ => shown,
        };
        Person { platform_id: Some(self.id.clone()), name, is_bot: self.is_bot, ..Person::default() }
    }
}

fn stamp(s: &str) -> Result<Stamp, String> {
    DateTime::parse_from_rfc3339(s).map(|d| Stamp::from_datetime(&d)).map_err(|e| format!("timestamp {s:?}: {e}"))
}

fn attachment_kind(a: &Attachment) -> MessageKind {
    kind_of_file(if a.file_name.is_empty() { &a.url } else { &a.file_name })
}

/// A media kind from a file name or URL's extension: exports that only keep the file
/// (Discord, Mattermost, Messenger) say what was sent through it.
pub(crate) fn kind_of_file(name: &str) -> MessageKind {
    let name = name.split('?').next().unwrap_or("");
    let ext = name.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "png" | "jpg" | "jpeg" | "gif" | "webp" | "bmp" => MessageKind::Image,
        "mp4" | "webm" | "mov" | "mkv" => MessageKind::Video,
        "ogg" | "mp3" | "wav" | "m4a" | "flac" => MessageKind::Voice,
        _ => MessageKind::File,
    }
}

impl Format for Discord {
    fn name(&self) -> &'static str {
        "discord"
    }

    fn description(&self) -> &'static str {
        "DiscordChatExporter JSON (one channel per file)"
    }

    fn sniff(&self, probe: &Probe) -> Score {
        let head = probe.head_text();
        if head.trim_start().starts_with('{')
            && head.contains("\"guild\"")
            && head.contains("\"channel\"")
            && (head.contains("\"messages\"") || head.contains("\"dateRange\""))
        {
            90
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, _opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let mut writer = Writer { path, sink, thread: None };
        json_stream::stream_array(path, input.json_reader()?, "messages", "DiscordChatExporter JSON", &mut writer)
            .map_err(|e| match e.hint {
                Some(_) => e,
                None => e.hint("export the channel again with DiscordChatExporter's JSON format"),
            })
    }
}

/// Declares the channel from the fields before `messages`, then converts each message.
struct Writer<'a> {
    path: &'a Path,
    sink: &'a mut dyn Sink,
    /// The thread's id when the file is a thread kept in its parent channel's group.
    thread: Option<String>,
}

impl ArrayHandler<RawMessage> for Writer<'_> {
    fn head(&mut self, fields: &Map<String, Value>) -> Result<(), ParseError> {
        let field = |key: &str| {
            fields.get(key).cloned().ok_or_else(|| {
                ParseError::new(self.path, format!("no \"{key}\" object before \"messages\""))
                    .hint("this does not look like a DiscordChatExporter JSON export; check --format")
            })
        };
        let bad = |e: serde_json::Error| ParseError::new(self.path, format!("not a DiscordChatExporter header: {e}"));
        let guild: Guild = serde_json::from_value(field("guild")?).map_err(bad)?;
        let channel: Channel = serde_json::from_value(field("channel")?).map_err(bad)?;
        if let (true, Some(parent)) = (channel.kind.contains("Thread"), channel.category_id.clone()) {
            let parent_name = channel.category.clone().unwrap_or_else(|| parent.clone());
            let thread_name = channel.name.clone().unwrap_or_else(|| channel.id.clone());
            self.sink
                .push(Record::Group(GroupInfo {
                    platform: Platform::Discord,
                    platform_id: parent,
                    name: format!("{} / {}", guild.name, parent_name),
                    kind: GroupKind::Channel,
                    member_count: None,
                }))
                .or_closed(self.path)?;
            let text = format!(
                "thread \"{thread_name}\" ({}) is kept in its parent channel #{parent_name}: its messages reply to the thread's start",
                channel.id
            );
            self.thread = Some(channel.id);
            return self.sink.push(Record::Note { group: 0, text }).or_closed(self.path);
        }
        let direct = channel.kind.starts_with("Direct");
        let channel_name = channel.name.clone().unwrap_or_else(|| channel.id.clone());
        let name = if direct || guild.id == "0" { channel_name } else { format!("{} / {}", guild.name, channel_name) };
        let kind = match channel.kind.as_str() {
            "DirectTextChat" => GroupKind::Direct,
            "DirectGroupTextChat" => GroupKind::Group,
            _ => GroupKind::Channel,
        };
        self.sink
            .push(Record::Group(GroupInfo {
                platform: Platform::Discord,
                platform_id: channel.id,
                name,
                kind,
                member_count: None,
            }))
            .or_closed(self.path)
    }

    fn item(&mut self, m: RawMessage) -> Result<(), ParseError> {
        let at = format!("message id {}", m.id);
        let time = stamp(&m.timestamp).map_err(|e| ParseError::new(self.path, e).at(&at))?;
        let author = m.author.person();
        let first_mention = m.mentions.first().map(Author::person);
        let event = |kind: EventKind| {
            let mut e = SystemEvent::new(time, kind, m.content.clone());
            e.id = Some(m.id.clone());
            e
        };
        let record = match m.kind.as_str() {
            "Default" | "Reply" | "Call" | "" => {
                let mut kind = m.attachments.first().map(attachment_kind).unwrap_or(MessageKind::Text);
                if m.attachments.is_empty() && !m.stickers.is_empty() {
                    kind = MessageKind::Sticker;
                }
                if m.kind == "Call" {
                    kind = MessageKind::Call;
                } else if kind == MessageKind::Text && !m.embeds.is_empty() && m.content.contains("://") {
                    kind = MessageKind::Link;
                }
                let mut mentions: Vec<Mention> = m.mentions.iter().map(|a| Mention::Member(a.person())).collect();
                if m.content.contains("@everyone") || m.content.contains("@here") {
                    mentions.push(Mention::Everyone);
                }
                let edited = match &m.timestamp_edited {
                    Some(t) => Some(stamp(t).map_err(|e| ParseError::new(self.path, e).at(&at))?),
                    None => None,
                };
                Record::Message {
                    group: 0,
                    message: Message {
                        id: Some(m.id.clone()),
                        time,
                        sender: author,
                        text: m.content.clone(),
                        kind,
                        amount_cents: None,
                        reply_to: m
                            .reference
                            .as_ref()
                            .and_then(|r| r.message_id.clone())
                            .or_else(|| self.thread.clone()),
                        mentions,
                        forwarded: false,
                        edited,
                        relayed: None,
                    },
                }
            }
            "GuildMemberJoin" => {
                let mut e = event(EventKind::Join);
                e.subjects.push(author);
                Record::Event { group: 0, event: e }
            }
            "RecipientAdd" => {
                let mut e = event(EventKind::Join);
                e.subjects.extend(first_mention);
                e.actor = Some(author);
                Record::Event { group: 0, event: e }
            }
            "RecipientRemove" => {
                let leave = match &first_mention {
                    None => true,
                    Some(p) => p.platform_id == author.platform_id,
                };
                let mut e = event(if leave { EventKind::Leave } else { EventKind::Kick });
                if leave {
                    e.subjects.push(author);
                } else {
                    e.subjects.extend(first_mention);
                    e.actor = Some(author);
                }
                Record::Event { group: 0, event: e }
            }
            "ChannelPinnedMessage" => {
                let mut e = event(EventKind::Pin);
                e.target = m.reference.as_ref().and_then(|r| r.message_id.clone());
                e.actor = Some(author);
                Record::Event { group: 0, event: e }
            }
            "ChannelNameChange" => {
                let mut e = event(EventKind::Rename);
                e.actor = Some(author);
                Record::Event { group: 0, event: e }
            }
            other => {
                let mut e = event(EventKind::Other);
                e.detail = Some(other.to_string());
                e.actor = Some(author);
                Record::Event { group: 0, event: e }
            }
        };
        self.sink.push(record).or_closed(self.path)
    }
}
