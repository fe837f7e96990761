//! QQChatExporter (QCE, QQNT) JSON: `metadata` + `chatInfo` + `messages`, with messages
//! in either shape — (B) "CleanMessage" (`id`, epoch-ms `timestamp`, `recalled`, `system`)
//! or (A) "ParsedMessage" (`messageId`, ISO `timestamp`, `isRecalled`, `isSystemMessage`,
//! `sender.role`). CN-FORMATS.md §1.3.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime};
use serde_json::Value;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, MemberRole, Mention, Message, MessageKind, Person, Platform, Record, Sink, Stamp,
    SystemEvent,
};

use super::cn_system::{self, head_decoded, NameBook};
use crate::{china_zone, Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct QqChatExporter;

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// A string or number field as text (`uin` is a string in some versions, a number in others).
fn text_of(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The stable id of a sender: the QQ number (links with classic exports), else the NT uid.
fn sender_id(sender: &Value) -> Option<String> {
    text_of(sender, "uin").filter(|u| u != "0").or_else(|| text_of(sender, "uid"))
}

fn person(sender: &Value) -> Person {
    let name = s(sender, "groupCard")
        .filter(|n| !n.is_empty())
        .or_else(|| s(sender, "name"))
        .or_else(|| s(sender, "nickname"))
        .unwrap_or("")
        .to_string();
    let role = match s(sender, "role") {
        Some("owner") => Some(MemberRole::Owner),
        Some("admin") => Some(MemberRole::Admin),
        Some("member") => Some(MemberRole::Member),
        _ => None,
    };
    let title = s(sender, "title").filter(|t| !t.is_empty()).map(str::to_string);
    Person { platform_id: sender_id(sender), name, is_bot: false, role, title }
}

/// The message time: epoch ms (shape B), ISO text (shape A), or `rawMessage.msgTime` seconds.
fn stamp(m: &Value, zone: chrono::FixedOffset) -> Option<Stamp> {
    match m.get("timestamp") {
        Some(Value::Number(n)) => n.as_i64().map(Stamp::from_unix_ms),
        Some(Value::String(t)) => {
            DateTime::parse_from_rfc3339(t).map(|d| Stamp::from_datetime(&d)).ok().or_else(|| {
                NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").ok().map(|l| Stamp::from_local_assumed(l, zone))
            })
        }
        _ => m
            .pointer("/rawMessage/msgTime")
            .and_then(|v| v.as_str().and_then(|s| s.parse().ok()).or(v.as_i64()))
            .map(|secs: i64| Stamp::from_unix_ms(secs * 1000)),
    }
}

/// The kind a message's elements show; the first non-text element decides.
fn kind_of(elements: &[Value]) -> MessageKind {
    let mut kind = MessageKind::Text;
    let mut only_faces = !elements.is_empty();
    for e in elements {
        let t = s(e, "type").unwrap_or("");
        match t {
            "text" | "at" | "reply" => only_faces = false,
            "face" | "market_face" => {}
            _ => only_faces = false,
        }
        let k = match t {
            "image" => MessageKind::Image,
            "file" => MessageKind::File,
            "video" => MessageKind::Video,
            "audio" | "ptt" => MessageKind::Voice,
            "json" | "ark" | "markdown" => MessageKind::Link,
            "location" => MessageKind::Location,
            "wallet" | "redpacket" | "red_packet" => MessageKind::RedPacket,
            "forward" => MessageKind::Other,
            _ => continue,
        };
        if kind == MessageKind::Text {
            kind = k;
        }
    }
    if only_faces {
        MessageKind::Sticker
    } else {
        kind
    }
}

impl Format for QqChatExporter {
    fn name(&self) -> &'static str {
        "qq-qce"
    }
    fn description(&self) -> &'static str {
        "QQChatExporter (QQNT) JSON export"
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let head = head_decoded(probe);
        if head.trim_start().starts_with('{') && head.contains("QQChatExporter") && head.contains("\"metadata\"") {
            95
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let text = input.read_text()?;
        let root: Value = serde_json::from_str(&text).map_err(|e| ParseError::json(path, &e, "QQChatExporter JSON"))?;
        let messages = root.get("messages").and_then(Value::as_array).ok_or_else(|| {
            ParseError::new(path, "no \"messages\" array").hint("export the chat again as JSON from QQChatExporter")
        })?;
        let chat = root.get("chatInfo").cloned().unwrap_or(Value::Null);
        let name = s(&chat, "name").unwrap_or("QQ").to_string();
        let kind = match s(&chat, "type") {
            Some("private") | Some("temp") => GroupKind::Direct,
            _ => GroupKind::Group,
        };
        let platform_id =
            text_of(&chat, "peerUin").or_else(|| text_of(&chat, "peerUid")).unwrap_or_else(|| name.clone());
        let member_count = chat.get("participantCount").and_then(Value::as_u64).map(|n| n as u32);
        sink.push(Record::Group(GroupInfo { platform: Platform::Qq, platform_id, name, kind, member_count }))
            .or_closed(path)?;
        let zone = opts.zone_or(china_zone());
        if messages.iter().any(|m| {
            m.get("timestamp").is_some_and(Value::is_string) && stamp(m, zone).is_some_and(|t| t.zone_inferred)
        }) {
            sink.push(Record::Note { group: 0, text: cn_system::zone_note(zone) }).or_closed(path)?;
        }
        // NT uids in @mentions map to the QQ numbers senders carry.
        let mut uid_to_person: HashMap<String, Person> = HashMap::new();
        for m in messages {
            if let Some(sender) = m.get("sender") {
                if let Some(uid) = text_of(sender, "uid") {
                    uid_to_person.entry(uid).or_insert_with(|| Person { role: None, title: None, ..person(sender) });
                }
            }
        }
        let mut book = NameBook::default();
        let mut pending_recalls: Vec<SystemEvent> = Vec::new();
        for (i, m) in messages.iter().enumerate() {
            let at = || format!("messages[{i}]");
            let time = stamp(m, zone)
                .ok_or_else(|| ParseError::new(path, "message without a readable \"timestamp\"").at(at()))?;
            let id = text_of(m, "id").or_else(|| text_of(m, "messageId"));
            let content = m.get("content").cloned().unwrap_or(Value::Null);
            let text = s(&content, "text").unwrap_or("").to_string();
            let sender = m.get("sender").map(person).unwrap_or_default();
            let is_system = m.get("system").or(m.get("isSystemMessage")).and_then(Value::as_bool).unwrap_or(false)
                || s(m, "type") == Some("system");
            if is_system {
                let mut event = cn_system::event(time, &text, &book);
                event.id = id;
                if event.kind == EventKind::Recall {
                    // The gray tip and the recalled message are one recall: link them.
                    let by = event.actor.as_ref().map(|a| a.key());
                    if let Some(k) = pending_recalls.iter().rposition(|p| p.actor.as_ref().map(|a| a.key()) == by) {
                        event.target = pending_recalls.remove(k).target;
                    }
                }
                sink.push(Record::Event { group: 0, event }).or_closed(path)?;
                continue;
            }
            book.learn(&sender);
            if let Some(raw) = m.get("sender") {
                for alias in ["name", "nickname", "groupCard", "remark"] {
                    book.alias(s(raw, alias).unwrap_or(""), &sender);
                }
            }
            let elements: Vec<Value> = content.get("elements").and_then(Value::as_array).cloned().unwrap_or_default();
            let reply_to = elements
                .iter()
                .find(|e| s(e, "type") == Some("reply"))
                .and_then(|e| e.get("data"))
                .or_else(|| content.get("reply"))
                .and_then(|d| text_of(d, "referencedMessageId"));
            let mut mentions: Vec<Mention> = Vec::new();
            let mut add = |m: Mention| {
                if !mentions.contains(&m) {
                    mentions.push(m)
                }
            };
            for e in elements.iter().filter(|e| s(e, "type") == Some("at")) {
                let d = e.get("data").cloned().unwrap_or(Value::Null);
                let uid = text_of(&d, "uid");
                if d.get("atType").and_then(Value::as_i64) == Some(1) || uid.as_deref() == Some("all") {
                    add(Mention::Everyone);
                } else if let Some(p) = uid.as_ref().and_then(|u| uid_to_person.get(u)) {
                    add(Mention::Member(p.clone()));
                } else if let Some(u) = uid {
                    add(Mention::Member(Person::with_id(u, s(&d, "name").unwrap_or(""))));
                }
            }
            for mention in content.get("mentions").and_then(Value::as_array).into_iter().flatten() {
                let uid = text_of(mention, "uid");
                if s(mention, "type") == Some("all") || uid.as_deref() == Some("all") {
                    add(Mention::Everyone);
                } else if let Some(p) = uid.as_ref().and_then(|u| uid_to_person.get(u)) {
                    add(Mention::Member(p.clone()));
                }
            }
            let recalled = m.get("recalled").or(m.get("isRecalled")).and_then(Value::as_bool).unwrap_or(false);
            let message = Message {
                id: id.clone(),
                time,
                kind: kind_of(&elements),
                text,
                reply_to,
                mentions,
                forwarded: elements.iter().any(|e| s(e, "type") == Some("forward")),
                sender: sender.clone(),
                ..Message::default()
            };
            sink.push(Record::Message { group: 0, message }).or_closed(path)?;
            if recalled {
                let mut event = SystemEvent::new(time, EventKind::Recall, "撤回了一条消息");
                event.id = id.as_ref().map(|i| format!("recall:{i}"));
                event.actor = Some(Person { role: None, title: None, ..sender });
                event.target = id;
                pending_recalls.push(event);
            }
        }
        // Recalled messages no gray tip announced still count as recalls.
        for event in pending_recalls {
            sink.push(Record::Event { group: 0, event }).or_closed(path)?;
        }
        Ok(())
    }
}
