//! ChatLab interchange format (v0.0.x), written by several WeChat/QQ exporters:
//! `.json` (`chatlab`, `meta`, `members`, `messages`) or `.jsonl` (a `header`
//! line, then `member` and `message` lines). See CN-FORMATS.md §4.

use std::collections::HashMap;
use std::path::Path;

use serde::Deserialize;
use serde_json::{Map, Value};
use shequn_model::{
    EventKind, GroupInfo, GroupKind, MemberRole, Message, MessageKind, Person, Platform, Record, RosterEntry, Sink,
    Stamp, SystemEvent,
};

use super::json_stream::{self, ArrayHandler};
use crate::{Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct ChatLab;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Meta {
    name: String,
    platform: String,
    #[serde(rename = "type")]
    kind: String,
    group_id: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", default)]
struct Member {
    platform_id: String,
    account_name: String,
    group_nickname: Option<String>,
    roles: Vec<Role>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Role {
    id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawMessage {
    sender: String,
    #[serde(default)]
    account_name: String,
    #[serde(default)]
    group_nickname: Option<String>,
    timestamp: i64,
    #[serde(rename = "type", default)]
    kind: i64,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    platform_message_id: Option<String>,
    #[serde(default)]
    reply_to_message_id: Option<String>,
}

/// One JSONL line: `_type` says which.
#[derive(Deserialize)]
struct Line {
    #[serde(rename = "_type")]
    kind: String,
    #[serde(flatten)]
    rest: serde_json::Value,
}

/// Reads records in order and remembers member roles for message senders.
struct Writer<'s> {
    sink: &'s mut dyn Sink,
    roles: HashMap<String, MemberRole>,
    declared: bool,
}

impl Writer<'_> {
    fn group(&mut self, path: &Path, meta: &Meta, fallback: &str) -> Result<(), ParseError> {
        let platform = Platform::parse(&meta.platform).unwrap_or(Platform::Generic);
        let name = if meta.name.is_empty() { fallback.to_string() } else { meta.name.clone() };
        let kind = if meta.kind == "private" { GroupKind::Direct } else { GroupKind::Group };
        let platform_id = meta.group_id.clone().filter(|s| !s.is_empty()).unwrap_or_else(|| name.clone());
        self.declared = true;
        self.sink
            .push(Record::Group(GroupInfo { platform, platform_id, name, kind, member_count: None }))
            .or_closed(path)
    }

    fn member(&mut self, path: &Path, m: Member) -> Result<(), ParseError> {
        let role = m.roles.iter().find_map(|r| MemberRole::parse(&r.id));
        if let Some(role) = role {
            self.roles.insert(m.platform_id.clone(), role);
        }
        let name = m.group_nickname.filter(|n| !n.is_empty()).unwrap_or(m.account_name);
        let person = Person { platform_id: Some(m.platform_id), name, role, ..Person::default() };
        self.sink
            .push(Record::Roster { group: 0, entry: RosterEntry { person, joined: None, join_scene: None } })
            .or_closed(path)
    }

    fn message(&mut self, path: &Path, m: RawMessage) -> Result<(), ParseError> {
        let time = Stamp::from_unix_ms(m.timestamp * 1000);
        let name = m.group_nickname.filter(|n| !n.is_empty()).unwrap_or(m.account_name);
        let sender = Person {
            platform_id: Some(m.sender.clone()),
            name,
            role: self.roles.get(&m.sender).copied(),
            ..Person::default()
        };
        let text = m.content.unwrap_or_default();
        let kind = match m.kind {
            0 | 25 | 26 => MessageKind::Text,
            1 => MessageKind::Image,
            2 => MessageKind::Voice,
            3 => MessageKind::Video,
            4 => MessageKind::File,
            5 => MessageKind::Sticker,
            7 | 24 => MessageKind::Link,
            8 => MessageKind::Location,
            20 => MessageKind::RedPacket,
            21 => MessageKind::Transfer,
            23 => MessageKind::Call,
            22 | 80 | 81 => {
                let kind = match m.kind {
                    22 => EventKind::Pat,
                    81 => EventKind::Recall,
                    _ => EventKind::Other,
                };
                let mut event = SystemEvent::new(time, kind, text);
                event.id = m.platform_message_id;
                event.actor = Some(sender);
                return self.sink.push(Record::Event { group: 0, event }).or_closed(path);
            }
            _ => MessageKind::Other,
        };
        let message = Message {
            id: m.platform_message_id,
            time,
            sender,
            text,
            kind,
            reply_to: m.reply_to_message_id,
            forwarded: m.kind == 26,
            ..Message::default()
        };
        self.sink.push(Record::Message { group: 0, message }).or_closed(path)
    }
}

/// The `.json` form: `meta` and `members` come before `messages`, which is streamed.
struct JsonDocument<'a, 'w, 's> {
    path: &'a Path,
    fallback: String,
    writer: &'w mut Writer<'s>,
}

impl ArrayHandler<RawMessage> for JsonDocument<'_, '_, '_> {
    fn head(&mut self, fields: &Map<String, Value>) -> Result<(), ParseError> {
        let bad = |what: &str, e: serde_json::Error| {
            ParseError::new(self.path, format!("ChatLab \"{what}\" is not as specified: {e}"))
        };
        let meta: Meta = match fields.get("meta") {
            Some(v) => serde_json::from_value(v.clone()).map_err(|e| bad("meta", e))?,
            None => Meta::default(),
        };
        self.writer.group(self.path, &meta, &self.fallback)?;
        if let Some(members) = fields.get("members") {
            let members: Vec<Member> = serde_json::from_value(members.clone()).map_err(|e| bad("members", e))?;
            for m in members {
                self.writer.member(self.path, m)?;
            }
        }
        Ok(())
    }

    fn item(&mut self, m: RawMessage) -> Result<(), ParseError> {
        self.writer.message(self.path, m)
    }
}

fn file_stem(input: &Input) -> String {
    input.path.file_stem().and_then(|s| s.to_str()).unwrap_or("chatlab").to_string()
}

impl Format for ChatLab {
    fn name(&self) -> &'static str {
        "chatlab"
    }

    fn description(&self) -> &'static str {
        "ChatLab interchange JSON or JSONL (written by several WeChat/QQ exporters)"
    }

    fn sniff(&self, probe: &Probe) -> Score {
        let head = probe.head_text();
        let start = head.trim_start();
        if start.starts_with("{\"_type\"") && head.contains("\"chatlab\"") {
            95
        } else if start.starts_with('{') && head.contains("\"chatlab\"") && head.contains("\"meta\"") {
            90
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, _opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let mut writer = Writer { sink, roles: HashMap::new(), declared: false };
        let is_jsonl = {
            let mut lines = input.lines()?;
            let mut first = None;
            while let Some((_, l)) = lines.next_line()? {
                if !l.trim().is_empty() {
                    first = Some(l.trim_start().starts_with("{\"_type\"") || l.contains("\"_type\":\"header\""));
                    break;
                }
            }
            first.unwrap_or(false)
        };
        if !is_jsonl {
            let mut doc = JsonDocument { path, fallback: file_stem(input), writer: &mut writer };
            return json_stream::stream_array(path, input.json_reader()?, "messages", "ChatLab JSON", &mut doc);
        }
        let mut lines = input.lines()?;
        while let Some((no, raw)) = lines.next_line()? {
            let raw = raw.trim();
            if raw.is_empty() || raw.starts_with('#') {
                continue;
            }
            let bad = |e: serde_json::Error| {
                ParseError::new(path, format!("not a ChatLab JSONL line: {e}"))
                    .at(format!("line {no}"))
                    .hint("each line needs \"_type\": header, member or message")
            };
            let line: Line = serde_json::from_str(raw).map_err(bad)?;
            match line.kind.as_str() {
                "header" => {
                    let meta = line.rest.get("meta").cloned().unwrap_or_default();
                    let meta: Meta = serde_json::from_value(meta).map_err(bad)?;
                    writer.group(path, &meta, &file_stem(input))?;
                }
                "member" | "message" if !writer.declared => {
                    return Err(ParseError::new(path, "a ChatLab JSONL file must start with its header line")
                        .at(format!("line {no}")));
                }
                "member" => writer.member(path, serde_json::from_value(line.rest).map_err(bad)?)?,
                "message" => writer.message(path, serde_json::from_value(line.rest).map_err(bad)?)?,
                other => {
                    writer
                        .sink
                        .push(Record::Skipped {
                            location: format!("line {no}"),
                            reason: format!("unknown _type {other:?}"),
                        })
                        .or_closed(path)?;
                }
            }
        }
        if !writer.declared {
            writer.group(path, &Meta::default(), &file_stem(input))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn parse(text: &str, ext: &str) -> Result<Vec<Record>, ParseError> {
        let mut f = tempfile::Builder::new().suffix(ext).tempfile().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        let mut out = Vec::new();
        ChatLab.parse(&Input::new(f.path()), &ParseOptions::default(), &mut out)?;
        Ok(out)
    }

    const JSON: &str = r#"{"chatlab":{"version":"0.0.2","exportedAt":1703001600},
      "meta":{"name":"技术交流群","platform":"wechat","type":"group","groupId":"38988428513"},
      "members":[{"platformId":"abc123","accountName":"张三","groupNickname":"群主-张三","roles":[{"id":"owner"}]}],
      "messages":[
        {"platformMessageId":"msg_001","sender":"abc123","accountName":"张三","timestamp":1703001600,"type":0,"content":"大家好"},
        {"platformMessageId":"msg_002","sender":"def456","accountName":"李四","timestamp":1703001610,"type":25,"content":"收到！","replyToMessageId":"msg_001"},
        {"sender":"def456","accountName":"李四","timestamp":1703001620,"type":81,"content":"李四撤回了一条消息"}]}"#;

    #[test]
    fn json_and_jsonl_give_the_same_records() {
        let from_json = parse(JSON, ".json").unwrap();
        let jsonl = concat!(
            r#"{"_type":"header","chatlab":{"version":"0.0.2","exportedAt":1703001600},"meta":{"name":"技术交流群","platform":"wechat","type":"group","groupId":"38988428513"}}"#,
            "\n# a comment line\n",
            r#"{"_type":"member","platformId":"abc123","accountName":"张三","groupNickname":"群主-张三","roles":[{"id":"owner"}]}"#,
            "\n",
            r#"{"_type":"message","platformMessageId":"msg_001","sender":"abc123","accountName":"张三","timestamp":1703001600,"type":0,"content":"大家好"}"#,
            "\n",
            r#"{"_type":"message","platformMessageId":"msg_002","sender":"def456","accountName":"李四","timestamp":1703001610,"type":25,"content":"收到！","replyToMessageId":"msg_001"}"#,
            "\n",
            r#"{"_type":"message","sender":"def456","accountName":"李四","timestamp":1703001620,"type":81,"content":"李四撤回了一条消息"}"#,
        );
        let from_jsonl = parse(jsonl, ".jsonl").unwrap();
        assert_eq!(from_json, from_jsonl);
        assert_eq!(from_json.len(), 5);
        match &from_json[0] {
            Record::Group(g) => {
                assert_eq!(g.platform, Platform::Wechat);
                assert_eq!(g.platform_id, "38988428513");
            }
            other => panic!("{other:?}"),
        }
        match &from_json[2] {
            Record::Message { message, .. } => {
                assert_eq!(message.sender.role, Some(MemberRole::Owner));
                assert_eq!(message.sender.name, "张三");
                assert_eq!(message.time.unix_ms, 1_703_001_600_000);
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(&from_json[3], Record::Message { message, .. } if message.reply_to.as_deref() == Some("msg_001"))
        );
        assert!(matches!(&from_json[4], Record::Event { event, .. } if event.kind == EventKind::Recall));
    }

    #[test]
    fn jsonl_without_header_is_an_error_with_line() {
        let err = parse(
            r#"{"_type":"message","sender":"a","accountName":"A","timestamp":1,"type":0,"content":"x"}"#,
            ".jsonl",
        )
        .unwrap_err();
        assert_eq!(err.location.as_deref(), Some("line 1"));
    }
}
