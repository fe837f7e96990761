//! Zulip: the zulip-archive layout and Zulip's own organisation export.
//!
//! zulip-archive (`zulip_json/<stream-id>-<stream>/<topic>.json`, `stream_index.json`):
//! each topic file is a JSON array of messages (`id`, `timestamp`, rendered HTML
//! `content`, `sender_full_name`). A stream is a group; a topic is a thread: its first
//! message starts it and every later one replies to it. Stream names holding `/`
//! become nested folders, so a stream is everything under its `<id>-…` folder.
//! Files are read one at a time: memory is bounded by one topic, not the archive.
//!
//! Organisation export (`realm.json`, `messages-000001.json`, …): `zerver_message`
//! rows point at `zerver_recipient` (a stream, a direct-message group or a person);
//! `zerver_realmauditlog` subscription rows become joins and leaves.

mod html;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, GroupSlot, Mention, Message, MessageKind, Person, Platform, Record, Sink, Stamp,
    SystemEvent,
};

use crate::{Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};
use html::{reduce, Mentioned};

/// A folder in zulip-archive's layout.
pub struct ZulipArchive;
/// A folder holding Zulip's organisation export.
pub struct ZulipExport;

/// One message of a topic file (also the shape of Zulip's `GET /messages`).
#[derive(Deserialize)]
struct ArchiveMessage {
    id: i64,
    timestamp: f64,
    content: String,
    #[serde(default)]
    sender_full_name: Option<String>,
    #[serde(default)]
    sender_id: Option<i64>,
    #[serde(default)]
    sender_email: Option<String>,
    #[serde(default)]
    last_edit_timestamp: Option<f64>,
}

#[derive(Deserialize)]
struct StreamIndex {
    streams: HashMap<String, IndexedStream>,
}

#[derive(Deserialize)]
struct IndexedStream {
    id: i64,
}

fn stamp(secs: f64) -> Stamp {
    Stamp::from_unix_ms((secs * 1000.0).round() as i64)
}

/// Zulip's URL-hash escaping in file names (`.20` is a space, `.2E` a dot) undone.
fn undot(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |j: usize| b.get(j).and_then(|c| (*c as char).to_digit(16));
        match (b[i], hex(i + 1), hex(i + 2)) {
            (b'.', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, _, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The message as shequn keeps it: text from the HTML, mentions by id where the
/// source gives sender ids (else by name, as senders are).
fn message(
    id: i64,
    time: Stamp,
    sender: Person,
    rendered: &str,
    thread_root: Option<i64>,
    edited: Option<Stamp>,
) -> Message {
    let r = reduce(rendered);
    let by_id = sender.platform_id.is_some();
    let mentions = r
        .mentions
        .into_iter()
        .map(|m| match m {
            Mentioned::Everyone => Mention::Everyone,
            Mentioned::User { id: Some(uid), name } if by_id => Mention::Member(Person::with_id(uid, name)),
            Mentioned::User { name, .. } => Mention::Member(Person::named(name)),
        })
        .collect();
    let kind = if r.image {
        MessageKind::Image
    } else if r.upload {
        MessageKind::File
    } else {
        MessageKind::Text
    };
    Message {
        id: Some(id.to_string()),
        time,
        sender,
        text: r.text,
        kind,
        reply_to: thread_root.filter(|root| *root != id).map(|root| root.to_string()),
        mentions,
        edited,
        ..Message::default()
    }
}

/// The export folder of the archive: the folder itself or its `zulip_json`.
fn archive_root(path: &Path) -> PathBuf {
    let inner = path.join("zulip_json");
    if inner.is_dir() {
        inner
    } else {
        path.to_path_buf()
    }
}

/// `<id>-<name>` → (id, name as written).
fn stream_folder(name: &str) -> Option<(i64, &str)> {
    let (id, rest) = name.split_once('-')?;
    Some((id.parse().ok()?, rest))
}

/// Every `.json` file under `dir`, by relative path.
fn topic_files(dir: &Path) -> Result<Vec<PathBuf>, ParseError> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        let entries = std::fs::read_dir(&d).map_err(|e| ParseError::new(&d, format!("cannot read the folder: {e}")))?;
        for e in entries {
            let p = e.map_err(|e| ParseError::new(&d, format!("cannot read the folder: {e}")))?.path();
            if p.is_dir() {
                pending.push(p);
            } else if p.extension().is_some_and(|x| x == "json") {
                out.push(p);
            }
        }
    }
    out.sort();
    Ok(out)
}

const TOPIC_EXPECTED: &str =
    "a zulip-archive topic file (a JSON array of messages with id, timestamp, content and sender_full_name)";

fn parse_archive(input: &Input, sink: &mut dyn Sink) -> Result<(), ParseError> {
    let root = archive_root(&input.path);
    let index_path = root.join("stream_index.json");
    let names: HashMap<i64, String> = if index_path.is_file() {
        let bytes =
            std::fs::read(&index_path).map_err(|e| ParseError::new(&index_path, format!("cannot read: {e}")))?;
        let index: StreamIndex = serde_json::from_slice(&bytes).map_err(|e| {
            ParseError::json(&index_path, &e, "zulip-archive's stream_index.json ({\"streams\": {name: {\"id\": …}}})")
        })?;
        index.streams.into_iter().map(|(name, s)| (s.id, name)).collect()
    } else {
        HashMap::new()
    };
    let mut streams: Vec<(i64, String, PathBuf)> = Vec::new();
    for e in std::fs::read_dir(&root).map_err(|e| ParseError::new(&root, format!("cannot read the folder: {e}")))? {
        let p = e.map_err(|e| ParseError::new(&root, format!("cannot read the folder: {e}")))?.path();
        let file_name = p.file_name().and_then(|n| n.to_str()).unwrap_or("").to_string();
        if !p.is_dir() {
            continue;
        }
        match stream_folder(&file_name) {
            Some((id, written)) => streams.push((id, written.to_string(), p)),
            None => sink
                .push(Record::Skipped {
                    location: p.display().to_string(),
                    reason: "not a zulip-archive stream folder (<stream-id>-<name>)".into(),
                })
                .or_closed(&root)?,
        }
    }
    streams.sort_by(|a, b| a.2.cmp(&b.2));
    if streams.is_empty() {
        return Err(ParseError::new(&root, "no stream folders (<stream-id>-<stream>/) in this zulip-archive folder")
            .hint("import the folder that holds zulip_json/, or zulip_json/ itself"));
    }
    let mut messages = 0usize;
    for (slot, (id, written, dir)) in streams.iter().enumerate() {
        let files = topic_files(dir)?;
        // A stream named `a/b` is the folder `<id>-a/b`: the index has its real name.
        let name = names.get(id).cloned().unwrap_or_else(|| {
            let nested = dir.strip_prefix(&root).unwrap_or(dir).to_string_lossy().replace('\\', "/");
            let rest = nested.split_once('/').map_or(written.as_str(), |(_, r)| r);
            undot(if rest.is_empty() { written } else { rest })
        });
        sink.push(Record::Group(GroupInfo {
            platform: Platform::Zulip,
            platform_id: id.to_string(),
            name,
            kind: GroupKind::Channel,
            member_count: None,
        }))
        .or_closed(&root)?;
        let slot = slot as GroupSlot;
        for file in files {
            let bytes = std::fs::read(&file).map_err(|e| ParseError::new(&file, format!("cannot read: {e}")))?;
            let topic: Vec<ArchiveMessage> =
                serde_json::from_slice(&bytes).map_err(|e| ParseError::json(&file, &e, TOPIC_EXPECTED))?;
            let root_id = topic.iter().map(|m| m.id).min();
            for (i, m) in topic.into_iter().enumerate() {
                let name = m.sender_full_name.or_else(|| m.sender_email.clone()).ok_or_else(|| {
                    ParseError::new(
                        &file,
                        "expected a sender (sender_full_name or sender_email); saw a message with neither",
                    )
                    .at(format!("message {} (id {})", i + 1, m.id))
                })?;
                let sender = Person {
                    platform_id: m.sender_id.map(|s| s.to_string()).or(m.sender_email),
                    name,
                    ..Person::default()
                };
                let msg =
                    message(m.id, stamp(m.timestamp), sender, &m.content, root_id, m.last_edit_timestamp.map(stamp));
                sink.push(Record::Message { group: slot, message: msg }).or_closed(&root)?;
                messages += 1;
            }
        }
    }
    if messages == 0 {
        return Err(ParseError::new(&root, "this zulip-archive folder holds no messages (its topic files are empty)"));
    }
    Ok(())
}

impl Format for ZulipArchive {
    fn name(&self) -> &'static str {
        "zulip-archive"
    }
    fn description(&self) -> &'static str {
        "Zulip archive folder from zulip-archive (zulip_json/<stream-id>-<stream>/<topic>.json, stream_index.json)"
    }
    fn reads_directories(&self) -> bool {
        true
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let has = |n: &str| probe.dir_entries.iter().any(|e| e == n);
        let streams = probe.dir_entries.iter().filter(|e| stream_folder(e).is_some()).count();
        if has("zulip_json") || (has("stream_index.json") && streams > 0) {
            90
        } else {
            0
        }
    }
    fn parse(&self, input: &Input, _opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        parse_archive(input, sink)
    }
}

// ---- Organisation export -------------------------------------------------------------

#[derive(Deserialize, Default)]
struct Realm {
    #[serde(default)]
    zerver_realm: Vec<RealmRow>,
    #[serde(default)]
    zerver_userprofile: Vec<UserRow>,
    #[serde(default)]
    zerver_userprofile_mirrordummy: Vec<UserRow>,
    #[serde(default)]
    zerver_userprofile_crossrealm: Vec<UserRow>,
    #[serde(default)]
    zerver_stream: Vec<StreamRow>,
    #[serde(default)]
    zerver_recipient: Vec<RecipientRow>,
    #[serde(default)]
    zerver_subscription: Vec<SubscriptionRow>,
    #[serde(default)]
    zerver_realmauditlog: Vec<AuditRow>,
}

#[derive(Deserialize)]
struct RealmRow {
    #[serde(default)]
    name: String,
}

#[derive(Deserialize, Clone)]
struct UserRow {
    id: i64,
    #[serde(default)]
    full_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    is_bot: bool,
    #[serde(default)]
    role: Option<i64>,
}

#[derive(Deserialize)]
struct StreamRow {
    id: i64,
    name: String,
}

#[derive(Deserialize)]
struct RecipientRow {
    id: i64,
    #[serde(rename = "type")]
    kind: i64,
    type_id: i64,
}

#[derive(Deserialize)]
struct SubscriptionRow {
    user_profile: i64,
    recipient: i64,
}

#[derive(Deserialize)]
struct AuditRow {
    event_type: serde_json::Value,
    event_time: f64,
    #[serde(default)]
    modified_user: Option<i64>,
    #[serde(default)]
    modified_stream: Option<i64>,
    #[serde(default)]
    acting_user: Option<i64>,
}

#[derive(Deserialize)]
struct MessagesFile {
    zerver_message: Vec<ExportMessage>,
}

#[derive(Deserialize)]
struct ExportMessage {
    id: i64,
    sender: i64,
    recipient: i64,
    #[serde(default, alias = "topic_name")]
    subject: String,
    #[serde(default)]
    content: String,
    #[serde(default)]
    rendered_content: Option<String>,
    /// `pub_date` before Zulip 2.2.
    #[serde(alias = "pub_date")]
    date_sent: f64,
    #[serde(default)]
    last_edit_time: Option<f64>,
}

const STREAM: i64 = 2;
const PERSONAL: i64 = 1;

/// What the export says about people and conversations.
struct Directory {
    users: HashMap<i64, UserRow>,
    streams: HashMap<i64, String>,
    /// recipient id → (type, type id)
    recipients: HashMap<i64, (i64, i64)>,
    /// recipient id → subscribed users
    members: HashMap<i64, Vec<i64>>,
}

impl Directory {
    fn person(&self, id: i64) -> Person {
        match self.users.get(&id) {
            Some(u) => Person {
                platform_id: Some(id.to_string()),
                name: if u.full_name.is_empty() { u.email.clone() } else { u.full_name.clone() },
                is_bot: u.is_bot,
                role: match u.role {
                    Some(100) => Some(shequn_model::MemberRole::Owner),
                    Some(200 | 300) => Some(shequn_model::MemberRole::Admin),
                    Some(_) => Some(shequn_model::MemberRole::Member),
                    None => None,
                },
                title: None,
            },
            None => Person::with_id(id.to_string(), format!("user {id}")),
        }
    }

    fn names(&self, ids: &[i64]) -> String {
        ids.iter().map(|i| self.person(*i).name).collect::<Vec<_>>().join(", ")
    }

    /// The group a message's recipient belongs to: (platform id, name, kind).
    fn conversation(&self, recipient: i64, sender: i64) -> Option<(String, String, GroupKind)> {
        let (kind, type_id) = *self.recipients.get(&recipient)?;
        Some(match kind {
            STREAM => (
                type_id.to_string(),
                self.streams.get(&type_id).cloned().unwrap_or_else(|| format!("stream {type_id}")),
                GroupKind::Channel,
            ),
            PERSONAL => {
                let pair = [sender.min(type_id), sender.max(type_id)];
                (format!("dm:{}-{}", pair[0], pair[1]), format!("DM {}", self.names(&pair)), GroupKind::Direct)
            }
            _ => {
                let mut ids = self.members.get(&recipient).cloned().unwrap_or_default();
                ids.sort();
                (format!("group:{type_id}"), format!("DM {}", self.names(&ids)), GroupKind::Group)
            }
        })
    }
}

/// One whole JSON file of the export, within the `whole_file_mib` and `json_depth` limits.
fn read_json<T: for<'de> Deserialize<'de>>(
    path: &Path,
    expected: &str,
    limits: &crate::Limits,
) -> Result<T, ParseError> {
    let file = std::fs::File::open(path).map_err(|e| ParseError::new(path, format!("cannot open: {e}")))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if len > limits.whole_file_bytes() {
        return Err(crate::limits::exceeded(
            path,
            "the file is larger than a format read whole may be",
            "whole_file_mib",
            limits.whole_file_mib,
        ));
    }
    let reader = crate::limits::JsonGuard::new(std::io::BufReader::with_capacity(256 * 1024, file), limits);
    serde_json::from_reader(reader).map_err(|e| ParseError::json(path, &e, expected))
}

fn parse_export(input: &Input, sink: &mut dyn Sink) -> Result<(), ParseError> {
    let root = &input.path;
    let realm: Realm =
        read_json(&root.join("realm.json"), "Zulip's realm.json (an object of zerver_* tables)", &input.limits)?;
    let mut users: HashMap<i64, UserRow> = HashMap::new();
    for u in realm
        .zerver_userprofile
        .into_iter()
        .chain(realm.zerver_userprofile_mirrordummy)
        .chain(realm.zerver_userprofile_crossrealm)
    {
        users.insert(u.id, u);
    }
    let mut members: HashMap<i64, Vec<i64>> = HashMap::new();
    for s in &realm.zerver_subscription {
        members.entry(s.recipient).or_default().push(s.user_profile);
    }
    let dir = Directory {
        users,
        streams: realm.zerver_stream.into_iter().map(|s| (s.id, s.name)).collect(),
        recipients: realm.zerver_recipient.iter().map(|r| (r.id, (r.kind, r.type_id))).collect(),
        members,
    };
    let stream_recipient: HashMap<i64, i64> =
        realm.zerver_recipient.iter().filter(|r| r.kind == STREAM).map(|r| (r.type_id, r.id)).collect();
    let mut slots: HashMap<String, GroupSlot> = HashMap::new();
    let mut slot_of = |sink: &mut dyn Sink, (id, name, kind): (String, String, GroupKind)| {
        if let Some(s) = slots.get(&id) {
            return Ok(*s);
        }
        let s = slots.len() as GroupSlot;
        sink.push(Record::Group(GroupInfo {
            platform: Platform::Zulip,
            platform_id: id.clone(),
            name,
            kind,
            member_count: None,
        }))
        .or_closed(root)?;
        slots.insert(id, s);
        Ok::<GroupSlot, ParseError>(s)
    };

    // Joins and leaves: the subscription rows of the audit log.
    for a in &realm.zerver_realmauditlog {
        let code = a.event_type.as_i64().or_else(|| match a.event_type.as_str() {
            Some("subscription_created") => Some(301),
            Some("subscription_activated") => Some(302),
            Some("subscription_deactivated") => Some(303),
            _ => None,
        });
        let (Some(code @ 301..=303), Some(stream), Some(user)) = (code, a.modified_stream, a.modified_user) else {
            continue;
        };
        let Some(conv) = stream_recipient.get(&stream).and_then(|r| dir.conversation(*r, user)) else { continue };
        let slot = slot_of(sink, conv)?;
        let by_other = a.acting_user.is_some_and(|u| u != user);
        let kind = match code {
            303 if by_other => EventKind::Kick,
            303 => EventKind::Leave,
            _ => EventKind::Join,
        };
        let mut e = SystemEvent::new(stamp(a.event_time), kind, "");
        e.subjects = vec![dir.person(user)];
        e.actor = a.acting_user.filter(|_| by_other).map(|u| dir.person(u));
        e.text =
            format!("{} {}", e.subjects[0].name, if kind == EventKind::Join { "subscribed" } else { "unsubscribed" });
        sink.push(Record::Event { group: slot, event: e }).or_closed(root)?;
    }

    let mut files: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|e| ParseError::new(root, format!("cannot read the folder: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            n.starts_with("messages-") && n.ends_with(".json")
        })
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(ParseError::new(root, "no messages-*.json beside realm.json")
            .hint("a Zulip organisation export holds realm.json and messages-000001.json, …"));
    }
    // (recipient, topic in lower case) → the topic's first message: Zulip topics ignore case.
    let mut roots: HashMap<(i64, String), i64> = HashMap::new();
    for file in files {
        let chunk: MessagesFile =
            read_json(&file, "a Zulip messages-*.json (an object with a zerver_message array)", &input.limits)?;
        for (i, m) in chunk.zerver_message.into_iter().enumerate() {
            let Some(conv) = dir.conversation(m.recipient, m.sender) else {
                sink.push(Record::Skipped {
                    location: format!("{}: message {} (id {})", file.display(), i + 1, m.id),
                    reason: format!("recipient {} is not in realm.json's zerver_recipient", m.recipient),
                })
                .or_closed(root)?;
                continue;
            };
            let is_stream = conv.2 == GroupKind::Channel;
            let slot = slot_of(sink, conv)?;
            let thread = is_stream
                .then(|| *roots.entry((m.recipient, m.subject.to_lowercase())).or_insert(m.id))
                .filter(|r| *r < m.id);
            let rendered = match &m.rendered_content {
                Some(h) => h.clone(),
                None => format!("<p>{}</p>", m.content.replace('&', "&amp;").replace('<', "&lt;")),
            };
            let msg =
                message(m.id, stamp(m.date_sent), dir.person(m.sender), &rendered, thread, m.last_edit_time.map(stamp));
            sink.push(Record::Message { group: slot, message: msg }).or_closed(root)?;
        }
    }
    if let Some(r) = realm.zerver_realm.first().filter(|r| !r.name.is_empty()) {
        for slot in slots.values() {
            sink.push(Record::Note { group: *slot, text: format!("Zulip 组织 / organisation: {}", r.name) })
                .or_closed(root)?;
        }
    }
    Ok(())
}

impl Format for ZulipExport {
    fn name(&self) -> &'static str {
        "zulip-export"
    }
    fn description(&self) -> &'static str {
        "Zulip organisation export folder (realm.json, messages-000001.json, …)"
    }
    fn reads_directories(&self) -> bool {
        true
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let has_realm = probe.dir_entries.iter().any(|e| e == "realm.json");
        let has_messages = probe.dir_entries.iter().any(|e| e.starts_with("messages-") && e.ends_with(".json"));
        if has_realm && has_messages {
            90
        } else {
            0
        }
    }
    fn parse(&self, input: &Input, _opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        parse_export(input, sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dot_escapes_are_undone() {
        assert_eq!(undot("(no.20topic)"), "(no topic)");
        assert_eq!(undot("5000.2B.20issues!"), "5000+ issues!");
        assert_eq!(undot("t-compiler.2Fwg-nll"), "t-compiler/wg-nll");
        assert_eq!(undot("caf.C3.A9"), "café");
    }

    #[test]
    fn export_threads_by_topic_and_subscriptions_are_joins() {
        let dir = tempfile::tempdir().unwrap();
        // Field names as zerver/lib/export.py writes them (build_message / model_to_dict).
        std::fs::write(
            dir.path().join("realm.json"),
            r#"{"zerver_realm":[{"id":1,"name":"Acme"}],
                "zerver_userprofile":[{"id":10,"full_name":"Ann","email":"ann@x","is_bot":false,"role":100},
                                      {"id":11,"full_name":"Bob","email":"bob@x","is_bot":false,"role":400}],
                "zerver_stream":[{"id":5,"name":"general","realm":1}],
                "zerver_recipient":[{"id":50,"type":2,"type_id":5},{"id":60,"type":1,"type_id":11}],
                "zerver_subscription":[{"id":1,"user_profile":10,"recipient":50}],
                "zerver_realmauditlog":[{"id":1,"event_type":301,"event_time":1600000000.0,"modified_user":11,"modified_stream":5,"acting_user":10},
                                        {"id":2,"event_type":303,"event_time":1600000900.0,"modified_user":11,"modified_stream":5,"acting_user":11}]}"#,
        )
        .unwrap();
        std::fs::write(
            dir.path().join("messages-000001.json"),
            r#"{"zerver_message":[
                {"id":100,"sender":10,"recipient":50,"subject":"Plans","content":"hi","rendered_content":"<p>hi <span class=\"user-mention\" data-user-id=\"11\">@Bob</span></p>","date_sent":1600000100.0,"last_edit_time":null},
                {"id":101,"sender":11,"recipient":50,"subject":"plans","content":"yo","rendered_content":"<p>yo</p>","date_sent":1600000200.5},
                {"id":102,"sender":10,"recipient":60,"subject":"","content":"a <b>","rendered_content":null,"date_sent":1600000300.0}],
               "zerver_usermessage":[{"id":1,"user_profile":10,"message":100,"flags_mask":1}]}"#,
        )
        .unwrap();
        let mut out = Vec::new();
        ZulipExport.parse(&Input::new(dir.path()), &ParseOptions::default(), &mut out).unwrap();
        let msgs: Vec<&Message> = out
            .iter()
            .filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None })
            .collect();
        assert_eq!(msgs.len(), 3);
        assert_eq!((msgs[0].reply_to.as_deref(), msgs[1].reply_to.as_deref()), (None, Some("100")));
        assert_eq!(msgs[0].mentions, vec![Mention::Member(Person::with_id("11", "Bob"))]);
        assert_eq!(msgs[0].sender.role, Some(shequn_model::MemberRole::Owner));
        assert_eq!(msgs[1].time.unix_ms, 1_600_000_200_500);
        assert_eq!(msgs[2].text, "a <b>");
        let kinds: Vec<EventKind> = out
            .iter()
            .filter_map(|r| if let Record::Event { event, .. } = r { Some(event.kind) } else { None })
            .collect();
        assert_eq!(kinds, vec![EventKind::Join, EventKind::Leave]);
        let groups: Vec<(&str, GroupKind)> = out
            .iter()
            .filter_map(|r| if let Record::Group(g) = r { Some((g.platform_id.as_str(), g.kind)) } else { None })
            .collect();
        assert_eq!(groups, vec![("5", GroupKind::Channel), ("dm:10-11", GroupKind::Direct)]);
    }
}
