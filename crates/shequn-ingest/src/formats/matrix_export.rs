//! Element's "Export chat" JSON (element-hq/element-web `src/utils/exportUtils/JSONExport.ts`):
//! `room_name`, `room_creator`, `topic`, `export_date`, `exported_by`, then `messages[]`, each a
//! Matrix event as the client holds it (`event_id`, `room_id`, `sender`, `origin_server_ts`,
//! `type`, `content`, `unsigned.prev_content`); an encrypted room's events are written as
//! `{"decrypted": …, "encrypted": …}`.
//!
//! Records are the ones shequn's live Matrix source makes from the same events (room id as
//! the group's id, event ids as message ids, `m.replace` edits onto the original id), so an
//! export and a live feed of one room land on the same rows. The header carries no room id:
//! the group is declared from the first event's `room_id`. Events stream one at a time.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde_json::{Map, Value};
use shequn_model::{
    EventKind, GroupInfo, GroupKind, Mention, Message, MessageKind, Person, Platform, Record, Sink, Stamp, SystemEvent,
};

use super::json_stream::{self, ArrayHandler};
use crate::{Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct MatrixExport;

impl Format for MatrixExport {
    fn name(&self) -> &'static str {
        "matrix-export"
    }

    fn description(&self) -> &'static str {
        "Element (Matrix) \"Export chat\" JSON (room_name, messages[] of Matrix events)"
    }

    fn sniff(&self, probe: &Probe) -> Score {
        let head = probe.head_text();
        let head = head.trim_start();
        if head.starts_with('{')
            && head.contains("\"room_name\"")
            && (head.contains("\"exported_by\"")
                || head.contains("\"export_date\"")
                || head.contains("\"room_creator\""))
        {
            90
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, _opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let mut w =
            Writer { path, sink, room_name: None, declared: false, names: HashMap::new(), noted: HashSet::new() };
        json_stream::stream_array(path, input.json_reader()?, "messages", "Element export JSON", &mut w).map_err(
            |e| match e.hint {
                Some(_) => e,
                None => e.hint("export the room again from Element: Room info → Export chat → JSON"),
            },
        )?;
        if !w.declared {
            let name = w.room_name.clone().unwrap_or_default();
            w.declare(&name)?;
        }
        Ok(())
    }
}

struct Writer<'a> {
    path: &'a Path,
    sink: &'a mut dyn Sink,
    room_name: Option<String>,
    declared: bool,
    /// Display names from the member events read so far.
    names: HashMap<String, String>,
    /// Event types already noted as left out.
    noted: HashSet<String>,
}

fn str_at<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// `@ann:example.org` → `ann`: the name a member without a display name is shown by.
fn localpart(mxid: &str) -> &str {
    let s = mxid.strip_prefix('@').unwrap_or(mxid);
    s.split(':').next().unwrap_or(s)
}

impl Writer<'_> {
    fn declare(&mut self, room_id: &str) -> Result<(), ParseError> {
        self.declared = true;
        let name = self.room_name.clone().filter(|n| !n.is_empty()).unwrap_or_else(|| room_id.to_string());
        let group = GroupInfo {
            platform: Platform::Matrix,
            platform_id: room_id.to_string(),
            name,
            kind: GroupKind::Group,
            member_count: None,
        };
        self.sink.push(Record::Group(group)).or_closed(self.path)
    }

    fn person(&self, mxid: &str) -> Person {
        let name = self.names.get(mxid).cloned().unwrap_or_else(|| localpart(mxid).to_string());
        Person::with_id(mxid, name)
    }

    fn push(&mut self, record: Record) -> Result<(), ParseError> {
        self.sink.push(record).or_closed(self.path)
    }

    fn message(&self, e: &Value, id: &str, sender: &str, time: Stamp, sticker: bool) -> Message {
        let content = e.get("content").unwrap_or(&Value::Null);
        let relates = content.get("m.relates_to");
        let rel_type = relates.and_then(|r| str_at(r, "rel_type"));
        let mut m = Message { id: Some(id.to_string()), time, sender: self.person(sender), ..Message::default() };
        let body = |c: &Value| str_at(c, "body").unwrap_or("").to_string();
        if rel_type == Some("m.replace") {
            if let Some(original) = relates.and_then(|r| str_at(r, "event_id")) {
                let new = content.get("m.new_content").unwrap_or(content);
                m.id = Some(original.to_string());
                m.edited = Some(time);
                m.kind = kind_of(str_at(new, "msgtype"));
                m.text = match content.get("m.new_content") {
                    Some(n) => body(n),
                    None => body(content).strip_prefix("* ").map(str::to_string).unwrap_or_else(|| body(content)),
                };
                return m;
            }
        }
        if content.as_object().is_none_or(|o| o.is_empty()) {
            // A redacted message: its content is gone.
            m.kind = MessageKind::Other;
            return m;
        }
        m.kind = if sticker { MessageKind::Sticker } else { kind_of(str_at(content, "msgtype")) };
        let reply = relates.and_then(|r| r.get("m.in_reply_to"));
        let falling_back = relates.and_then(|r| r.get("is_falling_back")).and_then(Value::as_bool) == Some(true);
        m.reply_to = match (reply.and_then(|r| str_at(r, "event_id")), rel_type) {
            (Some(r), _) if !falling_back => Some(r.to_string()),
            (_, Some("m.thread")) => relates.and_then(|r| str_at(r, "event_id")).map(str::to_string),
            (r, _) => r.map(str::to_string),
        };
        let text = body(content);
        m.text = if reply.is_some() { strip_reply_fallback(&text) } else { text };
        if let Some(mentions) = content.get("m.mentions") {
            let users = mentions.get("user_ids").and_then(Value::as_array);
            for u in users.into_iter().flatten().filter_map(Value::as_str) {
                m.mentions.push(Mention::Member(self.person(u)));
            }
            if mentions.get("room").and_then(Value::as_bool) == Some(true) {
                m.mentions.push(Mention::Everyone);
            }
        }
        m
    }

    fn member(&mut self, e: &Value, id: &str, sender: &str, time: Stamp) -> Option<SystemEvent> {
        let content = e.get("content").unwrap_or(&Value::Null);
        let prev = e.get("unsigned").and_then(|u| u.get("prev_content"));
        let target = str_at(e, "state_key").unwrap_or(sender);
        let membership = str_at(content, "membership").unwrap_or("");
        let before = prev.and_then(|p| str_at(p, "membership")).unwrap_or("");
        let old_name = self.person(target).name;
        if let Some(n) = str_at(content, "displayname").filter(|n| !n.is_empty()) {
            if membership != "invite" || !self.names.contains_key(target) {
                self.names.insert(target.to_string(), n.to_string());
            }
        }
        let subject = self.person(target);
        let name = subject.name.clone();
        let actor = self.person(sender);
        let ev = |kind: EventKind, text: String, with_actor: bool| {
            let mut ev = SystemEvent::new(time, kind, text);
            ev.id = Some(id.to_string());
            ev.actor = with_actor.then(|| actor.clone());
            ev.subjects = vec![subject.clone()];
            ev
        };
        match (membership, before) {
            ("join", "join") => {
                let new = str_at(content, "displayname").unwrap_or("");
                let was = prev.and_then(|p| str_at(p, "displayname")).unwrap_or(&old_name).to_string();
                (!new.is_empty() && new != was).then(|| {
                    let mut e = ev(EventKind::NickChange, format!("{was} changed their name to {new}"), true);
                    e.detail = Some(new.to_string());
                    e
                })
            }
            ("join", _) => {
                let inviter = e.get("unsigned").and_then(|u| str_at(u, "prev_sender"));
                match inviter {
                    Some(by) if before == "invite" && by != target => {
                        let mut e = ev(EventKind::Join, format!("{name} joined the room"), false);
                        e.actor = Some(self.person(by));
                        e.detail = Some("invite".into());
                        Some(e)
                    }
                    _ => Some(ev(EventKind::Join, format!("{name} joined the room"), false)),
                }
            }
            ("leave", "invite" | "ban" | "leave" | "knock") => None,
            ("leave", _) if sender == target => Some(ev(EventKind::Leave, format!("{name} left the room"), false)),
            ("leave", _) => {
                let mut e = ev(EventKind::Kick, format!("{} removed {name}", actor.name), true);
                e.detail = str_at(content, "reason").map(str::to_string);
                Some(e)
            }
            ("ban", "ban") => None,
            ("ban", _) => {
                let mut e = ev(EventKind::Kick, format!("{} banned {name}", actor.name), true);
                e.detail = Some(match str_at(content, "reason") {
                    Some(r) => format!("ban: {r}"),
                    None => "ban".into(),
                });
                Some(e)
            }
            _ => None,
        }
    }
}

impl ArrayHandler<Value> for Writer<'_> {
    fn head(&mut self, fields: &Map<String, Value>) -> Result<(), ParseError> {
        match fields.get("room_name") {
            Some(Value::String(n)) => self.room_name = Some(n.clone()),
            Some(Value::Null) | None => {}
            Some(_) => {
                return Err(ParseError::new(self.path, "expected \"room_name\" to be a string before \"messages\"")
                    .hint("this does not look like an Element export; check --format"))
            }
        }
        Ok(())
    }

    fn item(&mut self, raw: Value) -> Result<(), ParseError> {
        // An encrypted room's event is written as its clear and its encrypted form.
        let e = raw.get("decrypted").filter(|d| d.is_object()).unwrap_or(&raw);
        let (Some(id), Some(sender), Some(ts)) =
            (str_at(e, "event_id"), str_at(e, "sender"), e.get("origin_server_ts").and_then(Value::as_i64))
        else {
            let seen: String = e.to_string().chars().take(80).collect();
            return Err(ParseError::new(
                self.path,
                format!("expected a Matrix event with event_id, sender and origin_server_ts, saw {seen}"),
            ));
        };
        if !self.declared {
            let room = str_at(e, "room_id").map(str::to_string);
            let room = room.or_else(|| self.room_name.clone()).unwrap_or_default();
            self.declare(&room)?;
        }
        let time = Stamp::from_unix_ms(ts);
        let content = e.get("content").unwrap_or(&Value::Null);
        let prev = e.get("unsigned").and_then(|u| u.get("prev_content"));
        let is_state = e.get("state_key").is_some();
        let actor = self.person(sender);
        let event = |kind: EventKind, text: String| {
            let mut ev = SystemEvent::new(time, kind, text);
            ev.id = Some(id.to_string());
            ev.actor = Some(actor.clone());
            ev
        };
        let kind = str_at(e, "type").unwrap_or("");
        let record = match kind {
            "m.room.message" | "m.sticker" => {
                let message = self.message(e, id, sender, time, kind == "m.sticker");
                Some(Record::Message { group: 0, message })
            }
            "m.room.member" if is_state => {
                self.member(e, id, sender, time).map(|event| Record::Event { group: 0, event })
            }
            "m.room.redaction" => str_at(e, "redacts").or_else(|| str_at(content, "redacts")).map(|target| {
                let mut ev = event(EventKind::Recall, format!("{} removed a message", actor.name));
                ev.target = Some(target.to_string());
                ev.detail = str_at(content, "reason").map(str::to_string);
                Record::Event { group: 0, event: ev }
            }),
            "m.room.name" if is_state => {
                let new = str_at(content, "name").unwrap_or("");
                (prev.and_then(|p| str_at(p, "name")) != Some(new)).then(|| {
                    let mut ev = event(EventKind::Rename, format!("{} changed the room name to {new}", actor.name));
                    ev.detail = Some(new.to_string());
                    Record::Event { group: 0, event: ev }
                })
            }
            "m.room.topic" if is_state => {
                let new = str_at(content, "topic").unwrap_or("");
                (prev.and_then(|p| str_at(p, "topic")) != Some(new)).then(|| {
                    let mut ev = event(EventKind::Topic, format!("{} changed the topic to {new}", actor.name));
                    ev.detail = Some(new.to_string());
                    Record::Event { group: 0, event: ev }
                })
            }
            "m.room.create" if is_state => Some(Record::Event {
                group: 0,
                event: event(EventKind::Create, format!("{} created the room", actor.name)),
            }),
            "m.room.pinned_events" if is_state => {
                let ids = |v: Option<&Value>| -> Vec<String> {
                    v.and_then(|v| v.get("pinned"))
                        .and_then(Value::as_array)
                        .map_or(Vec::new(), |a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                };
                let before = ids(prev);
                for pinned in ids(Some(content)).into_iter().filter(|p| !before.contains(p)) {
                    let mut ev = event(EventKind::Pin, format!("{} pinned a message", actor.name));
                    ev.id = Some(format!("{id}/{pinned}"));
                    ev.target = Some(pinned);
                    self.push(Record::Event { group: 0, event: ev })?;
                }
                None
            }
            "m.room.join_rules"
            | "m.room.history_visibility"
            | "m.room.guest_access"
            | "m.room.avatar"
            | "m.room.server_acl"
            | "m.room.power_levels"
            | "m.room.canonical_alias"
            | "m.reaction" => None,
            other => self.noted.insert(other.to_string()).then(|| {
                let text = if other == "m.room.encrypted" {
                    "Matrix: the export holds encrypted events Element could not decrypt; they are not counted"
                        .to_string()
                } else {
                    format!("Matrix events of type {other} are not analysed (left out)")
                };
                Record::Note { group: 0, text }
            }),
        };
        match record {
            Some(r) => self.push(r),
            None => Ok(()),
        }
    }
}

/// `msgtype` → what the message carries (shared with the live Matrix source).
pub fn kind_of(msgtype: Option<&str>) -> MessageKind {
    match msgtype {
        Some("m.text" | "m.notice" | "m.emote") | None => MessageKind::Text,
        Some("m.image") => MessageKind::Image,
        Some("m.file") => MessageKind::File,
        Some("m.audio") => MessageKind::Voice,
        Some("m.video") => MessageKind::Video,
        Some("m.location") => MessageKind::Location,
        Some(_) => MessageKind::Other,
    }
}

/// A reply's body starts with the quoted original (`> <@ann:x> …`): not the sender's words.
/// Shared with the live Matrix source.
pub fn strip_reply_fallback(body: &str) -> String {
    if !body.starts_with("> ") {
        return body.to_string();
    }
    let mut rest = body;
    while let Some(line) = rest.lines().next().filter(|l| l.starts_with('>')) {
        rest = rest[line.len()..].strip_prefix('\n').unwrap_or("");
    }
    rest.trim_start_matches('\n').to_string()
}
