//! `/sync` JSON → records, with no I/O: what the pull loop fetched goes in, a [`Delivery`]
//! comes out. The room state this needs across pages (names, display names, power levels)
//! lives in [`Rooms`], which the loop keeps for the life of the process.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, MemberRole, Mention, Message, MessageKind, Person, Platform, Record, Stamp,
    SystemEvent,
};

use crate::source::Delivery;

/// Room setup that says nothing about the community: read where useful, never noted.
const QUIET: &[&str] = &[
    "m.room.join_rules",
    "m.room.history_visibility",
    "m.room.guest_access",
    "m.room.avatar",
    "m.room.server_acl",
    "m.room.aliases",
    "m.room.related_groups",
];

/// What one room's state says, as far as the events seen so far tell.
#[derive(Debug, Default, Clone)]
pub struct Room {
    pub name: Option<String>,
    pub alias: Option<String>,
    /// Display names by user id, from `m.room.member` state.
    pub names: HashMap<String, String>,
    levels: HashMap<String, i64>,
    levels_default: i64,
    levels_known: bool,
    /// Room v12 creators (infinite power) and the older `creator` field.
    creators: Vec<String>,
    pub joined: Option<u32>,
    /// Event types already noted as unmodelled, so each is noted once.
    noted: HashSet<String>,
    /// The room's whole current state has been read (from a first sync or `/state`).
    pub seeded: bool,
}

/// Every room the bot has seen, and who the bot is.
#[derive(Debug, Clone)]
pub struct Rooms {
    pub me: String,
    pub rooms: HashMap<String, Room>,
}

/// Events fetched with `/rooms/{id}/messages` to fill a `limited` timeline, oldest first.
#[derive(Debug, Clone, Default)]
pub struct Backfill {
    pub events: Vec<Value>,
    /// False when the bound was reached before the gap closed: older events were not read.
    pub complete: bool,
}

/// The part of a user id before the server: `@alice:example.org` → `alice`.
pub fn localpart(mxid: &str) -> &str {
    let s = mxid.strip_prefix('@').unwrap_or(mxid);
    s.split(':').next().unwrap_or(s)
}

fn str_at<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

fn events_at<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    let mut v = v;
    for p in path {
        match v.get(p) {
            Some(x) => v = x,
            None => return &[],
        }
    }
    v.as_array().map(Vec::as_slice).unwrap_or(&[])
}

impl Rooms {
    pub fn new(me: &str) -> Rooms {
        Rooms { me: me.to_string(), rooms: HashMap::new() }
    }

    pub fn known(&self, room: &str) -> bool {
        self.rooms.get(room).is_some_and(|r| r.seeded)
    }

    /// Reads a room's current state (`GET /rooms/{id}/state`) without emitting records: after
    /// a restart the names stay what they were instead of falling back to user ids.
    pub fn seed(&mut self, room_id: &str, state: &[Value]) {
        for e in state {
            self.learn(room_id, e);
        }
        self.rooms.entry(room_id.to_string()).or_default().seeded = true;
    }

    /// The group as the room's state names it; an empty name (unknown) keeps the archive's.
    pub fn group_info(&self, room_id: &str) -> GroupInfo {
        let room = self.rooms.get(room_id);
        let name = room
            .and_then(|r| r.name.clone().filter(|n| !n.is_empty()).or_else(|| r.alias.clone()))
            .or_else(|| room.filter(|r| r.seeded).map(|_| room_id.to_string()))
            .unwrap_or_default();
        GroupInfo {
            platform: Platform::Matrix,
            platform_id: room_id.to_string(),
            name,
            kind: GroupKind::Group,
            member_count: room.and_then(|r| r.joined),
        }
    }

    /// The person `mxid` as this room knows them now.
    pub fn person(&self, room_id: &str, mxid: &str) -> Person {
        let room = self.rooms.get(room_id);
        let name = room
            .and_then(|r| r.names.get(mxid))
            .filter(|n| !n.is_empty())
            .cloned()
            .unwrap_or_else(|| localpart(mxid).to_string());
        let role = room.filter(|r| r.levels_known || !r.creators.is_empty()).map(|r| {
            if r.creators.iter().any(|c| c == mxid) {
                MemberRole::Owner
            } else if r.levels.get(mxid).copied().unwrap_or(r.levels_default) >= 50 {
                MemberRole::Admin
            } else {
                MemberRole::Member
            }
        });
        Person { platform_id: Some(mxid.to_string()), name, is_bot: mxid == self.me, role, title: None }
    }

    /// Updates the room's state from one state event.
    fn learn(&mut self, room_id: &str, e: &Value) {
        let Some(key) = str_at(e, "state_key") else { return };
        let room = self.rooms.entry(room_id.to_string()).or_default();
        let content = e.get("content").unwrap_or(&Value::Null);
        match str_at(e, "type").unwrap_or("") {
            "m.room.name" => room.name = str_at(content, "name").map(str::to_string).filter(|n| !n.is_empty()),
            "m.room.canonical_alias" => room.alias = str_at(content, "alias").map(str::to_string),
            "m.room.member" => {
                if let Some(n) = str_at(content, "displayname").filter(|n| !n.is_empty()) {
                    // An invitation carries the invitee's profile: a name, but not a newer one.
                    if str_at(content, "membership") != Some("invite") || !room.names.contains_key(key) {
                        room.names.insert(key.to_string(), n.to_string());
                    }
                }
            }
            "m.room.create" => {
                let mut creators = vec![];
                if let Some(s) = str_at(e, "sender") {
                    creators.push(s.to_string());
                }
                if let Some(more) = content.get("additional_creators").and_then(Value::as_array) {
                    creators.extend(more.iter().filter_map(Value::as_str).map(str::to_string));
                }
                // Before room v12 creators held power only through the power levels.
                let v12 = str_at(content, "room_version").and_then(|v| v.parse::<u32>().ok()).is_some_and(|v| v >= 12);
                room.creators = if v12 { creators } else { Vec::new() };
            }
            "m.room.power_levels" => {
                room.levels_known = true;
                room.levels_default = content.get("users_default").and_then(Value::as_i64).unwrap_or(0);
                room.levels = content
                    .get("users")
                    .and_then(Value::as_object)
                    .map(|m| m.iter().filter_map(|(k, v)| Some((k.clone(), v.as_i64()?))).collect())
                    .unwrap_or_default();
            }
            _ => {}
        }
    }

    /// One `/sync` response (and the backfill of its limited timelines) as one delivery;
    /// the caller sets the cursor. `initial`: the sync had no `since`.
    pub fn convert(&mut self, sync: &Value, backfill: &HashMap<String, Backfill>, initial: bool) -> Delivery {
        let mut delivery = Delivery::default();
        for section in ["join", "leave"] {
            let Some(rooms) = sync.get("rooms").and_then(|r| r.get(section)).and_then(Value::as_object) else {
                continue;
            };
            for (room_id, room) in rooms {
                let first_sight = !self.rooms.contains_key(room_id);
                if let Some(n) =
                    room.get("summary").and_then(|s| s.get("m.joined_member_count")).and_then(Value::as_u64)
                {
                    self.rooms.entry(room_id.clone()).or_default().joined = Some(n as u32);
                }
                let gap = backfill.get(room_id);
                let events: Vec<&Value> = gap
                    .map(|b| b.events.iter())
                    .into_iter()
                    .flatten()
                    .chain(events_at(room, &["state", "events"]))
                    .chain(events_at(room, &["timeline", "events"]))
                    .collect();
                // The group is declared with the name it has after this page.
                let room_state = self.rooms.entry(room_id.clone()).or_default();
                for e in events.iter().filter(|e| e.get("state_key").is_some()) {
                    let content = e.get("content").unwrap_or(&Value::Null);
                    match str_at(e, "type") {
                        Some("m.room.name") => {
                            room_state.name = str_at(content, "name").filter(|n| !n.is_empty()).map(str::to_string)
                        }
                        Some("m.room.canonical_alias") => {
                            room_state.alias = str_at(content, "alias").map(str::to_string)
                        }
                        _ => {}
                    }
                }
                // A first sync (no `since`) carries each room's whole state.
                room_state.seeded |= initial && first_sight;
                let slot = delivery.group(self.group_info(room_id));
                if gap.is_some_and(|b| !b.complete) {
                    delivery.records.push(Record::Note {
                        group: slot,
                        text: "Matrix: part of this room's history was not read (shequn live reads a bounded \
                               number of events back when it joins a room or after a gap)"
                            .into(),
                    });
                }
                for e in events {
                    self.event(room_id, slot, e, &mut delivery.records);
                }
            }
        }
        delivery
    }

    /// One room event → at most a few records; learns its state.
    fn event(&mut self, room_id: &str, slot: u32, e: &Value, out: &mut Vec<Record>) {
        let kind = str_at(e, "type").unwrap_or("");
        let (Some(id), Some(sender)) = (str_at(e, "event_id"), str_at(e, "sender")) else { return };
        let Some(ts) = e.get("origin_server_ts").and_then(Value::as_i64) else { return };
        let time = Stamp::from_unix_ms(ts);
        let content = e.get("content").unwrap_or(&Value::Null);
        let prev = e.get("unsigned").and_then(|u| u.get("prev_content"));
        let is_state = e.get("state_key").is_some();
        // Who did it, named as the room knew them before this event.
        let actor = self.person(room_id, sender);
        let event = |kind: EventKind, text: String| {
            let mut ev = SystemEvent::new(time, kind, text);
            ev.id = Some(id.to_string());
            ev.actor = Some(actor.clone());
            ev
        };
        match kind {
            "m.room.message" | "m.sticker" => {
                if let Some(m) = self.message(room_id, e, id, time, kind == "m.sticker") {
                    out.push(Record::Message { group: slot, message: m });
                }
            }
            "m.room.member" if is_state => {
                let target = str_at(e, "state_key").unwrap_or(sender);
                let membership = str_at(content, "membership").unwrap_or("");
                let before = prev.and_then(|p| str_at(p, "membership")).unwrap_or("");
                let old_name = self.person(room_id, target).name;
                self.learn(room_id, e);
                let subject = self.person(room_id, target);
                let name = subject.name.clone();
                let mut push = |mut ev: SystemEvent, actor: bool| {
                    if !actor {
                        ev.actor = None;
                    }
                    ev.subjects = vec![subject.clone()];
                    out.push(Record::Event { group: slot, event: ev });
                };
                match (membership, before) {
                    ("join", "join") => {
                        let new = str_at(content, "displayname").unwrap_or("");
                        let was = prev.and_then(|p| str_at(p, "displayname")).unwrap_or(&old_name);
                        if !new.is_empty() && new != was {
                            let mut ev = event(EventKind::NickChange, format!("{was} changed their name to {new}"));
                            ev.detail = Some(new.to_string());
                            push(ev, true);
                        }
                    }
                    ("join", _) => {
                        let inviter = e.get("unsigned").and_then(|u| str_at(u, "prev_sender"));
                        let mut ev = event(EventKind::Join, format!("{name} joined the room"));
                        match inviter {
                            Some(by) if before == "invite" && by != target => {
                                ev.actor = Some(self.person(room_id, by));
                                ev.detail = Some("invite".into());
                                push(ev, true);
                            }
                            _ => push(ev, false),
                        }
                    }
                    // A declined or withdrawn invitation, an unban: nobody left.
                    ("leave", "invite" | "ban" | "leave" | "knock") => {}
                    ("leave", _) if sender == target => {
                        push(event(EventKind::Leave, format!("{name} left the room")), false)
                    }
                    ("leave", _) => {
                        let mut ev = event(EventKind::Kick, format!("{} removed {name}", actor.name));
                        ev.detail = str_at(content, "reason").map(str::to_string);
                        push(ev, true)
                    }
                    ("ban", "ban") => {}
                    ("ban", _) => {
                        let mut ev = event(EventKind::Kick, format!("{} banned {name}", actor.name));
                        ev.detail = Some(match str_at(content, "reason") {
                            Some(r) => format!("ban: {r}"),
                            None => "ban".into(),
                        });
                        push(ev, true)
                    }
                    _ => {}
                }
            }
            "m.room.redaction" => {
                let target = str_at(e, "redacts").or_else(|| str_at(content, "redacts"));
                if let Some(target) = target {
                    let mut ev = event(EventKind::Recall, format!("{} removed a message", actor.name));
                    ev.target = Some(target.to_string());
                    ev.detail = str_at(content, "reason").map(str::to_string);
                    out.push(Record::Event { group: slot, event: ev });
                }
            }
            "m.room.name" if is_state => {
                self.learn(room_id, e);
                let new = str_at(content, "name").unwrap_or("");
                if prev.and_then(|p| str_at(p, "name")) != Some(new) {
                    let mut ev = event(EventKind::Rename, format!("{} changed the room name to {new}", actor.name));
                    ev.detail = Some(new.to_string());
                    out.push(Record::Event { group: slot, event: ev });
                }
            }
            "m.room.topic" if is_state => {
                let new = str_at(content, "topic").unwrap_or("");
                if prev.and_then(|p| str_at(p, "topic")) != Some(new) {
                    let mut ev = event(EventKind::Topic, format!("{} changed the topic to {new}", actor.name));
                    ev.detail = Some(new.to_string());
                    out.push(Record::Event { group: slot, event: ev });
                }
            }
            "m.room.create" if is_state => {
                self.learn(room_id, e);
                out.push(Record::Event {
                    group: slot,
                    event: event(EventKind::Create, format!("{} created the room", actor.name)),
                });
            }
            "m.room.pinned_events" if is_state => {
                let ids = |v: Option<&Value>| -> Vec<String> {
                    v.and_then(|v| v.get("pinned"))
                        .and_then(Value::as_array)
                        .map_or(Vec::new(), |a| a.iter().filter_map(Value::as_str).map(str::to_string).collect())
                };
                let before = ids(prev);
                for pinned in ids(Some(content)).into_iter().filter(|p| !before.contains(p)) {
                    let mut ev = event(EventKind::Pin, format!("{} pinned a message", actor.name));
                    // One state event may pin several: each its own record.
                    ev.id = Some(format!("{id}/{pinned}"));
                    ev.target = Some(pinned);
                    out.push(Record::Event { group: slot, event: ev });
                }
            }
            "m.room.power_levels" | "m.room.canonical_alias" if is_state => self.learn(room_id, e),
            t if QUIET.contains(&t) => {}
            other => {
                let room = self.rooms.entry(room_id.to_string()).or_default();
                if room.noted.insert(other.to_string()) {
                    let text = if other == "m.room.encrypted" || other == "m.room.encryption" {
                        "Matrix: this room is end-to-end encrypted; shequn's bot cannot read encrypted messages, \
                         so they are not counted"
                            .to_string()
                    } else {
                        format!("Matrix events of type {other} are not analysed (left out)")
                    };
                    out.push(Record::Note { group: slot, text });
                }
            }
        }
    }

    /// An `m.room.message` (or sticker): its kind, text, reply link, mentions; an edit
    /// (`m.replace`) becomes the original's id with the new text and `edited` set.
    fn message(&self, room_id: &str, e: &Value, id: &str, time: Stamp, sticker: bool) -> Option<Message> {
        let sender = self.person(room_id, str_at(e, "sender")?);
        let content = e.get("content").unwrap_or(&Value::Null);
        let relates = content.get("m.relates_to");
        let rel_type = relates.and_then(|r| str_at(r, "rel_type"));
        let mut m = Message { id: Some(id.to_string()), time, sender, ..Message::default() };
        let body_of = |c: &Value| str_at(c, "body").unwrap_or("").to_string();
        if rel_type == Some("m.replace") {
            let original = relates.and_then(|r| str_at(r, "event_id"))?;
            let new = content.get("m.new_content").unwrap_or(content);
            m.id = Some(original.to_string());
            m.edited = Some(time);
            m.kind = kind_of(str_at(new, "msgtype"));
            m.text = match content.get("m.new_content") {
                Some(n) => body_of(n),
                None => body_of(content).strip_prefix("* ").map(str::to_string).unwrap_or_else(|| body_of(content)),
            };
            return Some(m);
        }
        if content.as_object().is_none_or(|o| o.is_empty()) {
            // Redacted before the bot saw it: it was said, its words are gone.
            m.kind = MessageKind::Other;
            return Some(m);
        }
        m.kind = if sticker { MessageKind::Sticker } else { kind_of(str_at(content, "msgtype")) };
        let reply = relates.and_then(|r| r.get("m.in_reply_to"));
        let falling_back = relates.and_then(|r| r.get("is_falling_back")).and_then(Value::as_bool) == Some(true);
        m.reply_to = match (reply.and_then(|r| str_at(r, "event_id")), rel_type) {
            (Some(r), _) if !falling_back => Some(r.to_string()),
            (_, Some("m.thread")) => relates.and_then(|r| str_at(r, "event_id")).map(str::to_string),
            (r, _) => r.map(str::to_string),
        };
        let body = body_of(content);
        m.text = if reply.is_some() { strip_reply_fallback(&body) } else { body };
        if let Some(mentions) = content.get("m.mentions") {
            for u in mentions.get("user_ids").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
            {
                m.mentions.push(Mention::Member(self.person(room_id, u)));
            }
            if mentions.get("room").and_then(Value::as_bool) == Some(true) {
                m.mentions.push(Mention::Everyone);
            }
        }
        Some(m)
    }
}

/// The same reading of `msgtype` and reply quotes as an Element export's (one place for both).
pub use shequn_ingest::formats::matrix_export::{kind_of, strip_reply_fallback};

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ROOM: &str = "!r:example.org";

    fn ev(id: &str, ts: i64, sender: &str, kind: &str, content: Value) -> Value {
        json!({ "event_id": id, "origin_server_ts": ts, "sender": sender, "type": kind, "content": content })
    }

    fn state(id: &str, ts: i64, sender: &str, kind: &str, key: &str, content: Value, prev: Option<Value>) -> Value {
        let mut e = ev(id, ts, sender, kind, content);
        e["state_key"] = json!(key);
        if let Some(p) = prev {
            e["unsigned"] = json!({ "prev_content": p });
        }
        e
    }

    /// A `/sync` answer as the spec's `sync.yaml` shapes it (one joined room).
    fn sync(state_events: Vec<Value>, timeline: Vec<Value>) -> Value {
        json!({
            "next_batch": "s72595_4483_1934",
            "rooms": { "join": { ROOM: {
                "summary": { "m.joined_member_count": 3 },
                "state": { "events": state_events },
                "timeline": { "events": timeline, "limited": false, "prev_batch": "p1" }
            } } }
        })
    }

    fn messages(d: &Delivery) -> Vec<&Message> {
        d.records
            .iter()
            .filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None })
            .collect()
    }

    fn events(d: &Delivery) -> Vec<&SystemEvent> {
        d.records.iter().filter_map(|r| if let Record::Event { event, .. } = r { Some(event) } else { None }).collect()
    }

    #[test]
    fn messages_replies_edits_and_kinds() {
        let mut rooms = Rooms::new("@bot:example.org");
        let s = sync(
            vec![
                state("$n", 1, "@alice:example.org", "m.room.name", "", json!({"name": "Rust 中文"}), None),
                state(
                    "$ma",
                    2,
                    "@alice:example.org",
                    "m.room.member",
                    "@alice:example.org",
                    json!({"membership": "join", "displayname": "Alice"}),
                    None,
                ),
            ],
            vec![
                ev(
                    "$1",
                    1_700_000_000_000,
                    "@alice:example.org",
                    "m.room.message",
                    json!({"msgtype": "m.text", "body": "hello"}),
                ),
                ev(
                    "$2",
                    1_700_000_001_000,
                    "@bob:example.org",
                    "m.room.message",
                    json!({
                        "msgtype": "m.text",
                        "body": "> <@alice:example.org> hello\n\nhi Alice",
                        "m.relates_to": { "m.in_reply_to": { "event_id": "$1" } },
                        "m.mentions": { "user_ids": ["@alice:example.org"] }
                    }),
                ),
                ev(
                    "$3",
                    1_700_000_002_000,
                    "@alice:example.org",
                    "m.room.message",
                    json!({
                        "msgtype": "m.text", "body": "* hello all",
                        "m.new_content": { "msgtype": "m.text", "body": "hello all" },
                        "m.relates_to": { "rel_type": "m.replace", "event_id": "$1" }
                    }),
                ),
                ev(
                    "$4",
                    1_700_000_003_000,
                    "@alice:example.org",
                    "m.room.message",
                    json!({"msgtype": "m.image", "body": "cat.png", "url": "mxc://x/y"}),
                ),
                ev(
                    "$5",
                    1_700_000_004_000,
                    "@bot:example.org",
                    "m.room.message",
                    json!({"msgtype": "m.notice", "body": "report ready"}),
                ),
                ev("$6", 1_700_000_005_000, "@alice:example.org", "m.room.message", json!({})),
            ],
        );
        let d = rooms.convert(&s, &HashMap::new(), true);
        let Record::Group(g) = &d.records[0] else { panic!("the group comes first") };
        assert_eq!(
            (g.platform, g.platform_id.as_str(), g.name.as_str(), g.member_count),
            (Platform::Matrix, ROOM, "Rust 中文", Some(3))
        );
        let m = messages(&d);
        assert_eq!(m.len(), 6);
        assert_eq!((m[0].id.as_deref(), m[0].text.as_str(), m[0].sender.name.as_str()), (Some("$1"), "hello", "Alice"));
        assert_eq!(m[0].time, Stamp::from_unix_ms(1_700_000_000_000));
        assert_eq!(m[1].reply_to.as_deref(), Some("$1"));
        assert_eq!(m[1].text, "hi Alice", "the quoted fallback is dropped");
        assert_eq!(m[1].sender.name, "bob", "no member state: the localpart");
        assert!(
            matches!(&m[1].mentions[0], Mention::Member(p) if p.platform_id.as_deref() == Some("@alice:example.org"))
        );
        // The edit is the original's id with the new words.
        assert_eq!(
            (m[2].id.as_deref(), m[2].text.as_str(), m[2].edited),
            (Some("$1"), "hello all", Some(Stamp::from_unix_ms(1_700_000_002_000)))
        );
        assert_eq!(m[3].kind, MessageKind::Image);
        assert!(m[4].sender.is_bot && m[4].kind == MessageKind::Text);
        assert_eq!((m[5].kind, m[5].text.as_str()), (MessageKind::Other, ""), "redacted before it was seen");
        let e = events(&d);
        assert_eq!(e[0].kind, EventKind::Rename);
        assert_eq!(e[0].detail.as_deref(), Some("Rust 中文"));
        assert_eq!(e[1].kind, EventKind::Join);
    }

    #[test]
    fn membership_changes() {
        let mut rooms = Rooms::new("@bot:example.org");
        let a = "@alice:example.org";
        let c = "@carol:example.org";
        let m = |id: &str, sender: &str, key: &str, content: Value, prev: Option<Value>| {
            state(id, 10, sender, "m.room.member", key, content, prev)
        };
        let mut joined_by_invite = m(
            "$j",
            "@bob:example.org",
            "@bob:example.org",
            json!({"membership": "join", "displayname": "Bob"}),
            Some(json!({"membership": "invite"})),
        );
        joined_by_invite["unsigned"]["prev_sender"] = json!(a);
        let s = sync(
            vec![],
            vec![
                m("$i", a, "@bob:example.org", json!({"membership": "invite", "displayname": "Bob"}), None),
                joined_by_invite,
                m("$c1", c, c, json!({"membership": "join", "displayname": "Carol"}), None),
                m(
                    "$c2",
                    c,
                    c,
                    json!({"membership": "join", "displayname": "Caroline"}),
                    Some(json!({"membership": "join", "displayname": "Carol"})),
                ),
                m(
                    "$c3",
                    c,
                    c,
                    json!({"membership": "join", "displayname": "Caroline", "avatar_url": "mxc://a"}),
                    Some(json!({"membership": "join", "displayname": "Caroline"})),
                ),
                m(
                    "$c4",
                    c,
                    c,
                    json!({"membership": "leave"}),
                    Some(json!({"membership": "join", "displayname": "Caroline"})),
                ),
                m(
                    "$k",
                    a,
                    "@dan:example.org",
                    json!({"membership": "leave", "reason": "spam"}),
                    Some(json!({"membership": "join"})),
                ),
                m("$b", a, "@eve:example.org", json!({"membership": "ban"}), Some(json!({"membership": "join"}))),
                m(
                    "$d",
                    "@fay:example.org",
                    "@fay:example.org",
                    json!({"membership": "leave"}),
                    Some(json!({"membership": "invite"})),
                ),
                ev("$r", 11, a, "m.room.redaction", json!({"redacts": "$x"})),
                state("$t", 12, a, "m.room.topic", "", json!({"topic": "Rust help"}), None),
                ev("$re", 13, a, "m.reaction", json!({})),
                ev("$re2", 14, a, "m.reaction", json!({})),
            ],
        );
        let d = rooms.convert(&s, &HashMap::new(), false);
        let e = events(&d);
        let kinds: Vec<EventKind> = e.iter().map(|e| e.kind).collect();
        use EventKind::*;
        assert_eq!(kinds, vec![Join, Join, NickChange, Leave, Kick, Kick, Recall, Topic]);
        assert_eq!(e[0].actor.as_ref().map(|p| p.name.as_str()), Some("alice"), "invited by alice");
        assert_eq!(e[0].subjects[0].name, "Bob");
        assert_eq!(e[2].detail.as_deref(), Some("Caroline"));
        assert_eq!(e[3].subjects[0].name, "Caroline", "who left is named as they were");
        assert_eq!(e[4].subjects[0].platform_id.as_deref(), Some("@dan:example.org"));
        assert_eq!(e[4].detail.as_deref(), Some("spam"));
        assert_eq!(e[5].detail.as_deref(), Some("ban"));
        assert_eq!(e[6].target.as_deref(), Some("$x"));
        let notes: Vec<&Record> = d.records.iter().filter(|r| matches!(r, Record::Note { .. })).collect();
        assert_eq!(notes.len(), 1, "one note per unmodelled type");
        // Room v11: `redacts` inside content; earlier: at the top level.
        let mut top = ev("$r2", 15, a, "m.room.redaction", json!({}));
        top["redacts"] = json!("$y");
        let d =
            rooms.convert(&sync(vec![], vec![top, ev("$re3", 16, a, "m.reaction", json!({}))]), &HashMap::new(), false);
        assert_eq!(events(&d)[0].target.as_deref(), Some("$y"));
        assert!(!d.records.iter().any(|r| matches!(r, Record::Note { .. })), "noted once per process");
    }

    #[test]
    fn names_roles_and_backfill() {
        let mut rooms = Rooms::new("@bot:example.org");
        let a = "@alice:example.org";
        // After a restart the room's state is read first: names come from it, no records.
        rooms.seed(
            ROOM,
            &[
                state("$c", 1, a, "m.room.create", "", json!({"room_version": "10"}), None),
                state("$p", 2, a, "m.room.power_levels", "", json!({"users": {a: 100}, "users_default": 0}), None),
                state("$al", 3, a, "m.room.canonical_alias", "", json!({"alias": "#rust:example.org"}), None),
                state("$m", 4, a, "m.room.member", a, json!({"membership": "join", "displayname": "Alice"}), None),
            ],
        );
        let mut gap = HashMap::new();
        gap.insert(
            ROOM.to_string(),
            Backfill {
                events: vec![ev("$0", 5, a, "m.room.message", json!({"msgtype": "m.text", "body": "earlier"}))],
                complete: false,
            },
        );
        let s = sync(
            vec![],
            vec![ev("$1", 6, "@bob:example.org", "m.room.message", json!({"msgtype": "m.text", "body": "later"}))],
        );
        let d = rooms.convert(&s, &gap, false);
        let Record::Group(g) = &d.records[0] else { panic!() };
        assert_eq!(g.name, "#rust:example.org", "no name: the alias");
        let m = messages(&d);
        assert_eq!(m.iter().map(|m| m.text.as_str()).collect::<Vec<_>>(), vec!["earlier", "later"]);
        assert_eq!((m[0].sender.name.as_str(), m[0].sender.role), ("Alice", Some(MemberRole::Admin)));
        assert_eq!(m[1].sender.role, Some(MemberRole::Member));
        assert!(
            d.records.iter().any(|r| matches!(r, Record::Note { text, .. } if text.contains("not read"))),
            "a gap left is noted"
        );
        // An unknown room after a restart keeps the archive's name (empty = unchanged).
        assert_eq!(Rooms::new("@bot:x").group_info("!other:x").name, "");
    }
}
