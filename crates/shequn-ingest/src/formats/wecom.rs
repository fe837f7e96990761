//! WeCom (企业微信): decrypted 会话内容存档 messages (one JSON object per line, or
//! an array) and the 客户群 `groupchat/get` member list as a roster. CN-FORMATS.md §3.

use std::collections::HashMap;

use serde_json::Value;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, GroupSlot, MemberRole, Message, MessageKind, Person, Platform, Record,
    RosterEntry, Sink, Stamp, SystemEvent,
};

use super::cn_system::head_decoded;
use crate::{Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct WecomArchive;
pub struct WecomRoster;

fn s<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Senders are ids only: internal `userid`, external `wm…`/`wo…`, robots `wb…`.
fn person(id: &str) -> Person {
    Person { is_bot: id.starts_with("wb"), ..Person::with_id(id, id) }
}

/// Kind and readable text of a `msgtype` payload (§3.1).
fn content(m: &Value, msgtype: &str) -> (MessageKind, String, Option<i64>) {
    let p = m.get(msgtype).cloned().unwrap_or(Value::Null);
    let info = m.get("info").cloned().unwrap_or(Value::Null);
    let t = |v: &Value, k: &str| s(v, k).unwrap_or("").to_string();
    use MessageKind::*;
    match msgtype {
        "text" => (Text, t(&p, "content"), None),
        "markdown" => (Text, t(&info, "content"), None),
        "image" => (Image, "[图片]".into(), None),
        "voice" => (Voice, "[语音]".into(), None),
        "video" => (Video, "[视频]".into(), None),
        "emotion" => (Sticker, "[表情]".into(), None),
        "file" => (File, format!("[文件] {}", t(&p, "filename")), None),
        "link" => (Link, format!("{} {}", t(&p, "title"), t(&p, "link_url")).trim().to_string(), None),
        "weapp" => (Link, t(&p, "title"), None),
        "docmsg" => {
            let d = m.get("doc").cloned().unwrap_or(Value::Null);
            (Link, format!("{} {}", t(&d, "title"), t(&d, "link_url")).trim().to_string(), None)
        }
        "news" => {
            let titles: Vec<String> = info
                .get("item")
                .and_then(Value::as_array)
                .map(|a| a.iter().map(|i| t(i, "title").trim().to_string()).collect())
                .unwrap_or_default();
            (Link, titles.join(" / "), None)
        }
        "location" => (Location, t(&p, "address"), None),
        "card" => (Other, format!("[名片] {}", t(&p, "corpname")), None),
        "vote" => (Poll, t(&p, "votetitle"), None),
        "collect" => (Poll, t(&p, "title"), None),
        "redpacket" | "external_redpacket" => (RedPacket, t(&p, "wish"), p.get("totalamount").and_then(Value::as_i64)),
        "meeting" => (Call, t(&p, "topic"), None),
        "meeting_voice_call" | "voip_doc_share" => (Call, String::new(), None),
        "chatrecord" => (Other, t(&p, "title"), None),
        "mixed" => {
            let parts: Vec<String> = p
                .get("item")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|i| match s(i, "type") {
                    Some("text") => serde_json::from_str::<Value>(s(i, "content").unwrap_or("{}"))
                        .ok()
                        .and_then(|c| s(&c, "content").map(str::to_string))
                        .unwrap_or_default(),
                    Some("image") => "[图片]".to_string(),
                    Some(other) => format!("[{other}]"),
                    None => String::new(),
                })
                .collect();
            (Text, parts.concat().trim().to_string(), None)
        }
        _ => (Other, format!("[{msgtype}]"), None),
    }
}

/// Conversations by roomid, or by the sorted pair of ids for 1:1 chats.
#[derive(Default)]
struct Rooms {
    slots: HashMap<String, GroupSlot>,
}

impl Rooms {
    fn slot(&mut self, m: &Value, sink: &mut dyn Sink, path: &std::path::Path) -> Result<GroupSlot, ParseError> {
        let room = s(m, "roomid").unwrap_or("");
        let (key, kind) = if room.is_empty() {
            let mut pair: Vec<&str> = std::iter::once(s(m, "from").unwrap_or(""))
                .chain(
                    m.get("tolist").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).take(1),
                )
                .collect();
            pair.sort();
            (pair.join("|"), GroupKind::Direct)
        } else {
            (room.to_string(), GroupKind::Group)
        };
        if let Some(slot) = self.slots.get(&key) {
            return Ok(*slot);
        }
        let slot = self.slots.len() as GroupSlot;
        let name = m.pointer("/collect/room_name").and_then(Value::as_str).unwrap_or(&key).to_string();
        sink.push(Record::Group(GroupInfo {
            platform: Platform::Wecom,
            platform_id: key.clone(),
            name,
            kind,
            member_count: None,
        }))
        .or_closed(path)?;
        sink.push(Record::Note {
            group: slot,
            text: "企业微信存档没有入群/退群消息，成员变化见客户群名单 / the WeCom archive has no join or leave messages; membership comes from the group member list".into(),
        })
        .or_closed(path)?;
        self.slots.insert(key, slot);
        Ok(slot)
    }
}

impl WecomArchive {
    fn one(
        &self,
        m: &Value,
        rooms: &mut Rooms,
        sink: &mut dyn Sink,
        input: &Input,
        at: &str,
    ) -> Result<(), ParseError> {
        let path = &input.path;
        let bad = |what: &str| {
            ParseError::new(path, format!("WeCom archive message without {what}"))
                .at(at.to_string())
                .hint("each line must be one decrypted 会话内容存档 message (msgid, action, from, msgtime, msgtype)")
        };
        let action = s(m, "action").unwrap_or("send");
        if action == "switch" {
            // A device switch notice: nobody said anything.
            return Ok(());
        }
        let msgid = s(m, "msgid").ok_or_else(|| bad("\"msgid\""))?.to_string();
        let from = s(m, "from").ok_or_else(|| bad("\"from\""))?;
        let ms = m.get("msgtime").and_then(Value::as_i64).ok_or_else(|| bad("a numeric \"msgtime\""))?;
        let msgtype = s(m, "msgtype").ok_or_else(|| bad("\"msgtype\""))?;
        if ms <= 0 {
            // Tencent's own examples carry `msgtime: 0`; a 1970 message would skew every
            // activity measure, so it is reported instead of stored.
            return sink
                .push(Record::Skipped {
                    location: format!("{}: {at}", path.display()),
                    reason: format!("message {msgid} has no send time (msgtime {ms}) / 消息没有发送时间"),
                })
                .or_closed(path);
        }
        let group = rooms.slot(m, sink, path)?;
        let time = Stamp::from_unix_ms(ms);
        let record = match msgtype {
            "revoke" => {
                let mut e = SystemEvent::new(time, EventKind::Recall, format!("{from} 撤回了一条消息"));
                e.id = Some(msgid);
                e.actor = Some(person(from));
                e.target = m.pointer("/revoke/pre_msgid").and_then(Value::as_str).map(str::to_string);
                Record::Event { group, event: e }
            }
            "agree" | "disagree" => {
                let text = if msgtype == "agree" {
                    "同意会话存档 / agreed to archiving"
                } else {
                    "拒绝会话存档 / refused archiving"
                };
                let mut e = SystemEvent::new(time, EventKind::Other, text);
                e.id = Some(msgid);
                e.actor = Some(person(from));
                e.detail = Some(msgtype.to_string());
                Record::Event { group, event: e }
            }
            _ => {
                let (kind, text, amount_cents) = content(m, msgtype);
                Record::Message {
                    group,
                    message: Message {
                        id: Some(msgid),
                        time,
                        sender: person(from),
                        text,
                        kind,
                        amount_cents,
                        forwarded: msgtype == "chatrecord",
                        ..Message::default()
                    },
                }
            }
        };
        sink.push(record).or_closed(path)
    }
}

fn looks_like_archive(v: &Value) -> bool {
    v.get("msgid").is_some() && (v.get("msgtime").is_some() || v.get("action").is_some())
}

impl Format for WecomArchive {
    fn name(&self) -> &'static str {
        "wecom-archive"
    }
    fn description(&self) -> &'static str {
        "WeCom 会话内容存档 decrypted messages (JSON lines or array)"
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let head = head_decoded(probe);
        let first = head.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim();
        if let Ok(v) = serde_json::from_str::<Value>(first.trim_start_matches('[').trim_end_matches(',')) {
            if looks_like_archive(&v) {
                return 85;
            }
        }
        let flat: String = head.chars().filter(|c| !c.is_whitespace()).collect();
        if flat.starts_with("[{") && flat.contains("\"msgid\":") && flat.contains("\"msgtype\":") {
            80
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, _opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let text = input.read_text()?;
        let mut rooms = Rooms::default();
        if text.trim_start().starts_with('[') {
            let all: Vec<Value> =
                serde_json::from_str(&text).map_err(|e| ParseError::json(&input.path, &e, "WeCom archive JSON"))?;
            for (i, m) in all.iter().enumerate() {
                self.one(m, &mut rooms, sink, input, &format!("item {}", i + 1))?;
            }
            return Ok(());
        }
        for (i, line) in text.lines().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let at = format!("line {}", i + 1);
            let m: Value = serde_json::from_str(line).map_err(|e| {
                ParseError::new(&input.path, format!("not a JSON object: {e}"))
                    .at(at.clone())
                    .hint("each line must be one decrypted 会话内容存档 message")
            })?;
            self.one(&m, &mut rooms, sink, input, &at)?;
        }
        Ok(())
    }
}

impl Format for WecomRoster {
    fn name(&self) -> &'static str {
        "wecom-roster"
    }
    fn description(&self) -> &'static str {
        "WeCom 客户群 groupchat/get member list (JSON) as a roster"
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let head = head_decoded(probe);
        if head.contains("\"group_chat\"") && head.contains("\"member_list\"") {
            95
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, _opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let text = input.read_text()?;
        let root: Value = serde_json::from_str(&text).map_err(|e| ParseError::json(path, &e, "groupchat/get JSON"))?;
        let chat = root.get("group_chat").ok_or_else(|| {
            ParseError::new(path, "no \"group_chat\" object")
                .hint("save the full response of externalcontact/groupchat/get")
        })?;
        let chat_id = s(chat, "chat_id").ok_or_else(|| ParseError::new(path, "group_chat has no \"chat_id\""))?;
        let members = chat.get("member_list").and_then(Value::as_array).cloned().unwrap_or_default();
        sink.push(Record::Group(GroupInfo {
            platform: Platform::Wecom,
            platform_id: chat_id.to_string(),
            name: s(chat, "name").filter(|n| !n.is_empty()).unwrap_or(chat_id).to_string(),
            kind: GroupKind::Group,
            member_count: Some(members.len() as u32),
        }))
        .or_closed(path)?;
        let owner = s(chat, "owner");
        let admins: Vec<&str> = chat
            .get("admin_list")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|a| s(a, "userid"))
            .collect();
        for (i, m) in members.iter().enumerate() {
            let userid = s(m, "userid").ok_or_else(|| {
                ParseError::new(path, "member without \"userid\"").at(format!("group_chat.member_list[{i}]"))
            })?;
            let name = s(m, "group_nickname").filter(|n| !n.is_empty()).or(s(m, "name")).unwrap_or(userid);
            let role = if Some(userid) == owner {
                Some(MemberRole::Owner)
            } else if admins.contains(&userid) {
                Some(MemberRole::Admin)
            } else {
                Some(MemberRole::Member)
            };
            let joined = m.get("join_time").and_then(Value::as_i64).map(|t| Stamp::from_unix_ms(t * 1000));
            let join_scene = m.get("join_scene").and_then(Value::as_i64).map(|c| {
                match c {
                    1 => "direct_invite",
                    2 => "invite_link",
                    3 => "qr_code",
                    _ => "other",
                }
                .to_string()
            });
            let person = Person { role, ..person(userid) };
            let person = Person { name: name.to_string(), ..person };
            sink.push(Record::Roster { group: 0, entry: RosterEntry { person, joined, join_scene } })
                .or_closed(path)?;
        }
        Ok(())
    }
}
