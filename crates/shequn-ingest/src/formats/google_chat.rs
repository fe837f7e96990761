//! Google Chat from Google Takeout: `Google Chat/Groups/<Space …|DM …>/messages.json`
//! (`{"messages": [{creator, created_date, text, topic_id, message_id, attached_files,
//! annotations}]}`) with `group_info.json` beside it (the space's `name` and its `members`).
//!
//! Each `messages.json` is one group, keyed by its folder name (`Space AAAAxYz0Trail`, the id
//! `user_info.json` uses), streamed message by message. People are keyed by e-mail where the
//! export gives one. `created_date` is written `Thursday, November 3, 2016 at 11:59:50 AM UTC`
//! (newer exports put a narrow no-break space before `AM`/`PM`): a stated UTC, so nothing is
//! assumed. In a threaded space a topic's later messages reply to its first one (their
//! `message_id` is `<group>/<topic>/<id>`, the first one's id being its topic's).

use std::collections::HashMap;
use std::path::Path;

use chrono::{NaiveDateTime, Utc};
use serde::Deserialize;
use serde_json::{Map, Value};
use shequn_model::{GroupInfo, GroupKind, Message, MessageKind, Person, Platform, Record, RosterEntry, Sink, Stamp};

use super::discord::kind_of_file;
use super::json_stream::{self, ArrayHandler};
use crate::{Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct GoogleChat;

#[derive(Deserialize, Default, Clone)]
struct User {
    #[serde(default)]
    name: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    user_type: Option<String>,
}

impl User {
    fn person(&self) -> Person {
        let id = self.email.clone().filter(|e| !e.is_empty());
        let name = if self.name.is_empty() { id.clone().unwrap_or_default() } else { self.name.clone() };
        Person { platform_id: id, name, is_bot: self.user_type.as_deref() == Some("Bot"), ..Person::default() }
    }
}

#[derive(Deserialize, Default)]
struct GroupFile {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    members: Vec<User>,
}

#[derive(Deserialize)]
struct RawMessage {
    #[serde(default)]
    creator: Option<User>,
    created_date: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    topic_id: Option<String>,
    #[serde(default)]
    message_id: Option<String>,
    #[serde(default)]
    attached_files: Vec<Attached>,
    #[serde(default)]
    annotations: Vec<Map<String, Value>>,
}

#[derive(Deserialize)]
struct Attached {
    #[serde(default)]
    original_name: String,
    #[serde(default)]
    export_name: String,
}

impl Format for GoogleChat {
    fn name(&self) -> &'static str {
        "google-chat"
    }

    fn description(&self) -> &'static str {
        "Google Chat from Google Takeout (Google Chat/Groups/<space or DM>/messages.json + group_info.json)"
    }

    fn sniff(&self, probe: &Probe) -> Score {
        let head = probe.head_text();
        let t = head.trim_start();
        if t.starts_with('{')
            && t.contains("\"messages\"")
            && t.contains("\"created_date\"")
            && (t.contains("\"creator\"") || t.contains("\"topic_id\""))
        {
            90
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, _opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let folder = path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()).unwrap_or("").to_string();
        let info_path = path.with_file_name("group_info.json");
        let info: GroupFile = match std::fs::read_to_string(&info_path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                ParseError::json(&info_path, &e, "Google Chat group_info.json / Google Chat 的 group_info.json")
            })?,
            Err(_) => GroupFile::default(),
        };
        let mut writer =
            Writer { path, sink, folder, info: Some(info), declared: false, topics: HashMap::new(), count: 0 };
        json_stream::stream_array(
            path,
            input.json_reader()?,
            "messages",
            "Google Chat messages.json / Google Chat 的 messages.json",
            &mut writer,
        )?;
        writer.declare(None)
    }
}

struct Writer<'a> {
    path: &'a Path,
    sink: &'a mut dyn Sink,
    /// The conversation's folder (`Space AAAA…`, `DM k6ox…`): the group's key.
    folder: String,
    /// `group_info.json`, taken when the group is declared.
    info: Option<GroupFile>,
    declared: bool,
    /// Each topic's first message id: later ones in the topic reply to it.
    topics: HashMap<String, String>,
    count: usize,
}

impl Writer<'_> {
    /// Declares the group once, from the folder and `group_info.json`, with its member list.
    fn declare(&mut self, first_id: Option<&str>) -> Result<(), ParseError> {
        if self.declared {
            return Ok(());
        }
        self.declared = true;
        let info = self.info.take().unwrap_or_default();
        let key = if !self.folder.is_empty() {
            self.folder.clone()
        } else {
            first_id.and_then(|id| id.split('/').next()).unwrap_or("google-chat").to_string()
        };
        let direct = key.starts_with("DM ");
        let name = match info.name.clone().filter(|n| !n.is_empty()) {
            Some(n) => n,
            None if !info.members.is_empty() => {
                info.members.iter().map(|m| m.person().name).collect::<Vec<_>>().join(", ")
            }
            None => key.clone(),
        };
        let kind = if direct && info.members.len() <= 2 { GroupKind::Direct } else { GroupKind::Group };
        let member_count = (!info.members.is_empty()).then_some(info.members.len() as u32);
        self.sink
            .push(Record::Group(GroupInfo {
                platform: Platform::GoogleChat,
                platform_id: key,
                name,
                kind,
                member_count,
            }))
            .or_closed(self.path)?;
        for m in &info.members {
            let entry = RosterEntry { person: m.person(), joined: None, join_scene: None };
            self.sink.push(Record::Roster { group: 0, entry }).or_closed(self.path)?;
        }
        Ok(())
    }
}

impl ArrayHandler<RawMessage> for Writer<'_> {
    fn head(&mut self, _fields: &Map<String, Value>) -> Result<(), ParseError> {
        Ok(())
    }

    fn item(&mut self, m: RawMessage) -> Result<(), ParseError> {
        self.count += 1;
        self.declare(m.message_id.as_deref())?;
        // No `.at()`: the stream adds the line and column where the message ends.
        let which = format!("message {} ({})", self.count, m.message_id.as_deref().unwrap_or("no message_id"));
        let time = created(&m.created_date).ok_or_else(|| {
            ParseError::new(
                self.path,
                format!(
                    "{which}: expected created_date like \"Thursday, November 3, 2016 at 11:59:50 AM UTC\", saw {:?} / created_date 格式不对",
                    m.created_date
                ),
            )
        })?;
        let sender = m.creator.as_ref().map(User::person).ok_or_else(|| {
            ParseError::new(self.path, format!("{which}: a message without its creator / 消息缺少 creator"))
        })?;
        let reply_to = match (&m.topic_id, &m.message_id) {
            (Some(topic), Some(id)) => match self.topics.get(topic) {
                Some(first) if first != id => Some(first.clone()),
                Some(_) => None,
                None => {
                    self.topics.insert(topic.clone(), id.clone());
                    None
                }
            },
            _ => None,
        };
        let mut text = m.text;
        let mut kind = MessageKind::Text;
        for (i, file) in m.attached_files.iter().enumerate() {
            let name = if file.original_name.is_empty() { &file.export_name } else { &file.original_name };
            if i == 0 {
                kind = kind_of_file(name);
            }
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(&format!("[attachment: {name}]"));
        }
        let linked = m.annotations.iter().any(|a| {
            a.contains_key("url_metadata") || a.contains_key("youtube_metadata") || a.contains_key("drive_metadata")
        });
        if kind == MessageKind::Text && linked {
            kind = MessageKind::Link;
        }
        let message = Message { id: m.message_id, time, sender, text, kind, reply_to, ..Message::default() };
        self.sink.push(Record::Message { group: 0, message }).or_closed(self.path)
    }
}

/// `Thursday, November 3, 2016 at 11:59:50 AM UTC`: the weekday is dropped, any kind of
/// space is one space, and the zone must be UTC (all Takeout writes).
fn created(s: &str) -> Option<Stamp> {
    let flat: String = s.chars().map(|c| if c.is_whitespace() { ' ' } else { c }).collect();
    let (_, rest) = flat.split_once(", ")?;
    let local = rest.trim().strip_suffix(" UTC").or_else(|| rest.trim().strip_suffix(" GMT"))?;
    let naive = NaiveDateTime::parse_from_str(local, "%B %d, %Y at %I:%M:%S %p").ok()?;
    Some(Stamp::from_datetime(&naive.and_utc().with_timezone(&Utc)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn takeout_dates() {
        let s = created("Thursday, November 3, 2016 at 11:59:50 AM UTC").unwrap();
        assert_eq!(s.to_datetime().to_rfc3339(), "2016-11-03T11:59:50+00:00");
        let s = created("Monday, January 9, 2023 at 3:04:05\u{202f}PM UTC").unwrap();
        assert_eq!(s.to_datetime().to_rfc3339(), "2023-01-09T15:04:05+00:00");
        assert!(!s.zone_inferred);
        assert!(created("2023-01-09 15:04:05").is_none());
        assert!(created("Monday, January 9, 2023 at 3:04:05 PM PST").is_none());
    }
}
