//! Slack: the workspace export (a folder or its `.zip`) and Slack message events
//! as JSON lines (the Clojurians log archive).
//!
//! Export layout: `channels.json`, `groups.json`, `dms.json`, `mpims.json` list the
//! conversations, `users.json` the people, and `<channel>/YYYY-MM-DD.json` hold each
//! day's messages (channels by name, DMs by id). A message's id is its `ts`; a thread
//! reply's `reply_to` is its thread root's `ts` (`thread_ts`).
//!
//! Subtypes: `channel_join`/`channel_leave` → join/leave events, `channel_topic` and
//! `channel_purpose` → topic, `channel_name` → rename, `pinned_item` → pin,
//! `message_deleted` → recall, `message_changed` → an edit of the earlier message,
//! `bot_message` → a message from a bot. `message_replied` (a notice that a thread got
//! a reply) and `tombstone` (a deleted thread root) carry no message and are skipped.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use regex::Regex;
use serde::Deserialize;
use serde_json::Value;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, GroupSlot, Mention, Message, MessageKind, Person, Platform, Record, Sink, Stamp,
    SystemEvent,
};

use crate::{Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

/// The export folder.
pub struct SlackExport;
/// The export as a `.zip`.
pub struct SlackZip;
/// Slack message events, one JSON object per line, in a folder with `channels.edn`.
pub struct SlackEvents;

/// Where an export's files come from: a folder or a zip.
trait Tree {
    /// The bytes of a file at a `/`-separated path inside the export, if present.
    fn read(&mut self, rel: &str) -> Result<Option<Vec<u8>>, ParseError>;
    /// Every `<folder>/<file>.json` message file, sorted.
    fn day_files(&self) -> Vec<String>;
    fn path(&self) -> &Path;
}

struct DirTree {
    root: PathBuf,
    limits: crate::Limits,
}

impl Tree for DirTree {
    fn read(&mut self, rel: &str) -> Result<Option<Vec<u8>>, ParseError> {
        let p = self.root.join(rel);
        if !p.is_file() {
            return Ok(None);
        }
        crate::Input::with_limits(&p, self.limits).read_bytes().map(Some)
    }
    fn day_files(&self) -> Vec<String> {
        let mut out = Vec::new();
        let Ok(dirs) = std::fs::read_dir(&self.root) else { return out };
        for d in dirs.filter_map(|e| e.ok()).filter(|e| e.path().is_dir()) {
            let folder = d.file_name().to_string_lossy().into_owned();
            let Ok(files) = std::fs::read_dir(d.path()) else { continue };
            for f in files.filter_map(|e| e.ok()) {
                let name = f.file_name().to_string_lossy().into_owned();
                if name.ends_with(".json") {
                    out.push(format!("{folder}/{name}"));
                }
            }
        }
        out.sort();
        out
    }
    fn path(&self) -> &Path {
        &self.root
    }
}

struct ZipTree {
    zip: crate::zip_reader::BoundedZip,
    /// Entry names with any single top folder the zip wraps everything in removed.
    prefix: String,
}

impl ZipTree {
    fn open(path: &Path, limits: &crate::Limits) -> Result<ZipTree, ParseError> {
        let zip = crate::zip_reader::BoundedZip::open(path, limits)?;
        let prefix = zip
            .file_names()
            .find(|n| n.ends_with("channels.json") || n.ends_with("users.json"))
            .and_then(|n| n.rsplit_once('/').map(|(dir, _)| format!("{dir}/")))
            .unwrap_or_default();
        Ok(ZipTree { zip, prefix })
    }
}

impl Tree for ZipTree {
    fn read(&mut self, rel: &str) -> Result<Option<Vec<u8>>, ParseError> {
        let name = format!("{}{rel}", self.prefix);
        self.zip.read(&name)
    }
    fn day_files(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .zip
            .file_names()
            .filter_map(|n| n.strip_prefix(self.prefix.as_str()))
            .filter(|n| n.ends_with(".json") && n.matches('/').count() == 1)
            .map(str::to_string)
            .collect();
        out.sort();
        out
    }
    fn path(&self) -> &Path {
        self.zip.path()
    }
}

const LISTS: [(&str, GroupKind); 4] = [
    ("channels.json", GroupKind::Channel),
    ("groups.json", GroupKind::Channel),
    ("mpims.json", GroupKind::Group),
    ("dms.json", GroupKind::Direct),
];

impl Format for SlackExport {
    fn name(&self) -> &'static str {
        "slack"
    }
    fn description(&self) -> &'static str {
        "Slack workspace export folder (channels.json, users.json, <channel>/YYYY-MM-DD.json)"
    }
    fn reads_directories(&self) -> bool {
        true
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let has = |n: &str| probe.dir_entries.iter().any(|e| e == n);
        if has("channels.json") && (has("users.json") || has("dms.json") || has("groups.json")) {
            90
        } else {
            0
        }
    }
    fn parse(&self, input: &Input, _opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        parse_export(&mut DirTree { root: input.path.clone(), limits: input.limits }, sink)
    }
}

impl Format for SlackZip {
    fn name(&self) -> &'static str {
        "slack-zip"
    }
    fn description(&self) -> &'static str {
        "Slack workspace export as a .zip"
    }
    fn sniff(&self, probe: &Probe) -> Score {
        if !probe.head.starts_with(b"PK\x03\x04") {
            return 0;
        }
        match ZipTree::open(probe.path, &crate::Limits::default()) {
            Ok(z) if z.zip.file_names().any(|n| n == format!("{}channels.json", z.prefix)) => 90,
            _ => 0,
        }
    }
    fn parse(&self, input: &Input, _opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        parse_export(&mut ZipTree::open(&input.path, &input.limits)?, sink)
    }
}

#[derive(Deserialize)]
struct Conversation {
    id: String,
    #[serde(default)]
    name: Option<String>,
    /// Real exports write `"members": null` for some channels.
    #[serde(default)]
    members: Option<Vec<String>>,
    #[serde(default)]
    user: Option<String>,
}

#[derive(Deserialize)]
struct User {
    id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default)]
    is_bot: bool,
    #[serde(default)]
    profile: Option<Profile>,
}

#[derive(Deserialize, Default, Clone)]
struct Profile {
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    real_name: Option<String>,
    #[serde(default)]
    name: Option<String>,
}

impl Profile {
    fn best_name(&self) -> Option<String> {
        [&self.display_name, &self.real_name, &self.name].into_iter().flatten().find(|n| !n.is_empty()).cloned()
    }
}

/// Who is who: Slack user id → (name, is_bot).
#[derive(Default)]
struct People {
    by_id: HashMap<String, (String, bool)>,
}

impl People {
    fn person(&self, id: &str, profile: Option<&Profile>) -> Person {
        let known = self.by_id.get(id);
        let name = profile
            .and_then(Profile::best_name)
            .or_else(|| known.map(|k| k.0.clone()))
            .unwrap_or_else(|| id.to_string());
        Person { platform_id: Some(id.to_string()), name, is_bot: known.is_some_and(|k| k.1), ..Person::default() }
    }
    fn name(&self, id: &str) -> String {
        self.by_id.get(id).map(|k| k.0.clone()).unwrap_or_else(|| id.to_string())
    }
}

fn json_list<T: for<'de> Deserialize<'de>>(tree: &mut dyn Tree, rel: &str) -> Result<Vec<T>, ParseError> {
    let Some(bytes) = tree.read(rel)? else { return Ok(Vec::new()) };
    let shown = tree.path().join(rel);
    serde_json::from_slice(&bytes).map_err(|e| ParseError::json(&shown, &e, &format!("Slack {rel}")))
}

fn parse_export(tree: &mut dyn Tree, sink: &mut dyn Sink) -> Result<(), ParseError> {
    let root = tree.path().to_path_buf();
    let mut people = People::default();
    for u in json_list::<User>(tree, "users.json")? {
        let name =
            u.profile.as_ref().and_then(Profile::best_name).or(u.real_name.filter(|n| !n.is_empty())).unwrap_or(u.name);
        people.by_id.insert(u.id, (name, u.is_bot));
    }
    // Folder name → (conversation id, display name, kind).
    let mut folders: HashMap<String, (String, String, GroupKind)> = HashMap::new();
    for (list, kind) in LISTS {
        for c in json_list::<Conversation>(tree, list)? {
            let display = match (&c.name, kind) {
                (Some(n), _) if !n.is_empty() => n.clone(),
                _ => {
                    let mut members: Vec<&str> = c.members.iter().flatten().map(String::as_str).collect();
                    if members.is_empty() {
                        members.extend(c.user.as_deref());
                    }
                    format!("DM {}", members.iter().map(|m| people.name(m)).collect::<Vec<_>>().join(", "))
                }
            };
            if let Some(n) = c.name.as_ref().filter(|n| !n.is_empty()) {
                folders.insert(n.clone(), (c.id.clone(), display.clone(), kind));
            }
            folders.insert(c.id.clone(), (c.id, display, kind));
        }
    }
    let days = tree.day_files();
    if days.is_empty() {
        return Err(ParseError::new(&root, "this Slack export holds no messages (no <channel>/YYYY-MM-DD.json files)")
            .hint("export again with message history included, or import the folder that holds the channel folders"));
    }
    let mut slots: HashMap<String, GroupSlot> = HashMap::new();
    let mut messages = 0usize;
    for rel in days {
        let (folder, _) = rel.split_once('/').unwrap_or((&rel, ""));
        let (id, name, kind) = folders
            .get(folder)
            .cloned()
            .unwrap_or_else(|| (folder.to_string(), folder.to_string(), GroupKind::Channel));
        let next = slots.len() as GroupSlot;
        let slot = match slots.get(&id) {
            Some(s) => *s,
            None => {
                sink.push(Record::Group(GroupInfo {
                    platform: Platform::Slack,
                    platform_id: id.clone(),
                    name,
                    kind,
                    member_count: None,
                }))
                .or_closed(&root)?;
                slots.insert(id.clone(), next);
                next
            }
        };
        let shown = root.join(&rel);
        let bytes = tree.read(&rel)?.unwrap_or_default();
        let day: Vec<Value> = serde_json::from_slice(&bytes)
            .map_err(|e| ParseError::json(&shown, &e, "a Slack day file (a JSON array of messages)"))?;
        for (i, v) in day.into_iter().enumerate() {
            let location = format!("{}: message {}", shown.display(), i + 1);
            if let Some(r) = convert(&v, slot, &people, &location) {
                messages += matches!(r, Record::Message { .. }) as usize;
                sink.push(r).or_closed(&root)?;
            }
        }
    }
    if messages == 0 {
        return Err(ParseError::new(&root, "this Slack export holds no messages (its day files are empty)")
            .hint("export again with message history included"));
    }
    Ok(())
}

#[derive(Deserialize, Default)]
struct SlackMessage {
    #[serde(default)]
    ts: String,
    #[serde(default)]
    user: Option<String>,
    #[serde(default)]
    user_profile: Option<Profile>,
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    bot_id: Option<String>,
    #[serde(default)]
    subtype: Option<String>,
    #[serde(default)]
    text: String,
    #[serde(default)]
    thread_ts: Option<String>,
    #[serde(default)]
    files: Vec<Value>,
    #[serde(default)]
    file: Option<Value>,
    #[serde(default)]
    edited: Option<Value>,
    #[serde(default)]
    topic: Option<String>,
    #[serde(default)]
    purpose: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    deleted_ts: Option<String>,
    #[serde(default)]
    item: Option<Value>,
    #[serde(default)]
    inviter: Option<String>,
}

/// Slack `ts` ("1517436010.000936") → a stamp (UTC, exact).
fn ts_stamp(ts: &str) -> Option<Stamp> {
    let (secs, frac) = ts.split_once('.').unwrap_or((ts, "0"));
    let secs: i64 = secs.parse().ok()?;
    let ms: i64 = format!("{frac:0<3}")[..3].parse().ok()?;
    Some(Stamp::from_unix_ms(secs * 1000 + ms))
}

fn mention_pattern() -> &'static Regex {
    static P: OnceLock<Regex> = OnceLock::new();
    P.get_or_init(|| Regex::new(r"<([@#!])([^>|]+)(?:\|([^>]*))?>|<([^>|]+)\|([^>]*)>").unwrap())
}

/// Slack markup → readable text and mentions: `<@U1>` → `@name`, `<!here>` → `@here`,
/// `<url|label>` → `label (url)`, entities decoded.
fn render_text(text: &str, people: &People) -> (String, Vec<Mention>) {
    let mut mentions = Vec::new();
    let out = mention_pattern().replace_all(text, |c: &regex::Captures| {
        if let Some(kind) = c.get(1) {
            let target = &c[2];
            let label = c.get(3).map(|m| m.as_str()).filter(|l| !l.is_empty());
            match kind.as_str() {
                "@" => {
                    let mut person = people.person(target, None);
                    if let Some(l) = label {
                        if person.name == target {
                            person.name = l.to_string();
                        }
                    }
                    let shown = format!("@{}", person.name);
                    mentions.push(Mention::Member(person));
                    shown
                }
                "#" => format!("#{}", label.unwrap_or(target)),
                _ => {
                    let word = target.split('^').next().unwrap_or(target);
                    if matches!(word, "channel" | "here" | "everyone") {
                        mentions.push(Mention::Everyone);
                    }
                    format!("@{}", label.unwrap_or(word).trim_start_matches('@'))
                }
            }
        } else {
            let (url, label) = (&c[4], &c[5]);
            if label == url {
                url.to_string()
            } else {
                format!("{label} ({url})")
            }
        }
    });
    (super::irc::decode_entities(&out), mentions)
}

fn convert(v: &Value, slot: GroupSlot, people: &People, location: &str) -> Option<Record> {
    let skip = |reason: &str| Some(Record::Skipped { location: location.to_string(), reason: reason.to_string() });
    let m: SlackMessage = match serde_json::from_value(v.clone()) {
        Ok(m) => m,
        Err(e) => return skip(&format!("not a Slack message object: {e}")),
    };
    let Some(time) = ts_stamp(&m.ts) else { return skip("no valid \"ts\"") };
    let sender = || match (&m.user, m.subtype.as_deref()) {
        (_, Some("bot_message")) | (None, _) => {
            let name = m.username.clone().or_else(|| m.bot_id.clone()).unwrap_or_else(|| "bot".into());
            Person { platform_id: m.bot_id.clone().or_else(|| m.user.clone()), name, is_bot: true, ..Person::default() }
        }
        (Some(u), _) => people.person(u, m.user_profile.as_ref()),
    };
    let event = |kind: EventKind| {
        let mut e = SystemEvent::new(time, kind, render_text(&m.text, people).0);
        e.id = Some(m.ts.clone());
        e
    };
    let subtype = m.subtype.as_deref();
    match subtype {
        None
        | Some("bot_message" | "file_share" | "me_message" | "thread_broadcast" | "file_comment" | "reminder_add")
        | Some("slackbot_response") => {
            let (text, mentions) = render_text(&m.text, people);
            let first_file = m.files.first().or(m.file.as_ref());
            let kind = match first_file.and_then(|f| f.get("mimetype")).and_then(Value::as_str) {
                Some(mt) if mt.starts_with("image/") => MessageKind::Image,
                Some(mt) if mt.starts_with("video/") => MessageKind::Video,
                Some(mt) if mt.starts_with("audio/") => MessageKind::Voice,
                _ if first_file.is_some() => MessageKind::File,
                _ => MessageKind::Text,
            };
            let text = if text.is_empty() {
                // Bot posts often carry their text in attachments.
                v.get("attachments")
                    .and_then(Value::as_array)
                    .and_then(|a| a.first())
                    .and_then(|a| a.get("fallback").or_else(|| a.get("text")))
                    .and_then(Value::as_str)
                    .map(|s| render_text(s, people).0)
                    .unwrap_or_default()
            } else {
                text
            };
            let edited = m.edited.as_ref().and_then(|e| e.get("ts")).and_then(Value::as_str).and_then(ts_stamp);
            Some(Record::Message {
                group: slot,
                message: Message {
                    id: Some(m.ts.clone()),
                    time,
                    sender: sender(),
                    text,
                    kind,
                    amount_cents: None,
                    reply_to: m.thread_ts.clone().filter(|t| *t != m.ts),
                    mentions,
                    forwarded: false,
                    edited,
                    relayed: None,
                },
            })
        }
        Some("channel_join" | "group_join") => {
            let mut e = event(EventKind::Join);
            e.subjects = vec![sender()];
            e.actor = m.inviter.as_deref().map(|i| people.person(i, None));
            Some(Record::Event { group: slot, event: e })
        }
        Some("channel_leave" | "group_leave") => {
            let mut e = event(EventKind::Leave);
            e.subjects = vec![sender()];
            Some(Record::Event { group: slot, event: e })
        }
        Some("channel_topic" | "group_topic" | "channel_purpose" | "group_purpose") => {
            let mut e = event(EventKind::Topic);
            e.actor = Some(sender());
            e.detail = m.topic.clone().or_else(|| m.purpose.clone());
            Some(Record::Event { group: slot, event: e })
        }
        Some("channel_name" | "group_name") => {
            let mut e = event(EventKind::Rename);
            e.actor = Some(sender());
            e.detail = m.name.clone();
            Some(Record::Event { group: slot, event: e })
        }
        Some("pinned_item") => {
            let mut e = event(EventKind::Pin);
            e.actor = Some(sender());
            e.target = m.item.as_ref().and_then(|i| i.get("ts")).and_then(Value::as_str).map(str::to_string);
            Some(Record::Event { group: slot, event: e })
        }
        Some("message_deleted") => {
            let mut e = event(EventKind::Recall);
            e.target = m.deleted_ts.clone();
            Some(Record::Event { group: slot, event: e })
        }
        Some("message_replied") => skip("a notice that a thread got a reply (the reply itself is a message)"),
        Some("tombstone") => skip("a deleted thread root (Slack keeps only a placeholder)"),
        Some("message_changed") => skip("an edit of a message outside this export"),
        Some(other) => skip(&format!("Slack subtype {other:?} is not a message or a known event")),
    }
}

impl Format for SlackEvents {
    fn name(&self) -> &'static str {
        "slack-events"
    }
    fn description(&self) -> &'static str {
        "Slack message events as JSON lines (logs/YYYY-MM-DD.txt with channels.edn and users.edn, e.g. Clojurians)"
    }
    fn reads_directories(&self) -> bool {
        true
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let has = |n: &str| probe.dir_entries.iter().any(|e| e == n);
        if has("channels.edn") && has("logs") {
            90
        } else {
            0
        }
    }
    fn parse(&self, input: &Input, _opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        parse_events(&input.path, sink)
    }
}

/// EDN maps (`{:k "v" ...}` or `#:ns{...}`) → their string-valued keys. Enough EDN for
/// `channels.edn` and `users.edn`: flat maps whose interesting values are strings.
fn edn_maps(text: &str) -> Vec<HashMap<String, String>> {
    static P: OnceLock<(Regex, Regex)> = OnceLock::new();
    let (map, pair) = P.get_or_init(|| {
        (
            Regex::new(r#"\{((?:[^{}"]|"(?:[^"\\]|\\.)*")*)\}"#).unwrap(),
            Regex::new(r#":([\w.?*+!/-]+)\s+"((?:[^"\\]|\\.)*)""#).unwrap(),
        )
    });
    map.captures_iter(text)
        .map(|m| {
            let mut fields = HashMap::new();
            // The first value of a key wins: later ones sit in nested vectors (`:creator [...]`).
            for (k, v) in pair.captures_iter(&m[1]).map(|c| {
                let key = c[1].rsplit('/').next().unwrap_or(&c[1]);
                let owner = c[1].split('/').next().unwrap_or("");
                let key = if owner.starts_with("user-profile") { format!("profile.{key}") } else { key.to_string() };
                (key, c[2].replace("\\\"", "\"").replace("\\\\", "\\"))
            }) {
                fields.entry(k).or_insert(v);
            }
            fields
        })
        .collect()
}

fn parse_events(root: &Path, sink: &mut dyn Sink) -> Result<(), ParseError> {
    let read = |name: &str| -> Result<String, ParseError> {
        let p = root.join(name);
        std::fs::read_to_string(&p).map_err(|e| ParseError::new(&p, format!("cannot read: {e}")))
    };
    let mut channels: HashMap<String, String> = HashMap::new();
    for m in edn_maps(&read("channels.edn")?) {
        if let (Some(id), Some(name)) = (m.get("slack-id"), m.get("name")) {
            channels.insert(id.clone(), name.clone());
        }
    }
    let mut people = People::default();
    if root.join("users.edn").is_file() {
        for m in edn_maps(&read("users.edn")?) {
            let Some(id) = m.get("slack-id") else { continue };
            let name = [m.get("profile.display-name"), m.get("profile.real-name"), m.get("name")]
                .into_iter()
                .flatten()
                .find(|n| !n.is_empty())
                .cloned()
                .unwrap_or_else(|| id.clone());
            people.by_id.insert(id.clone(), (name, false));
        }
    }
    let logs = root.join("logs");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&logs)
        .map_err(|e| ParseError::new(&logs, format!("cannot read the logs folder: {e}")))?
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    // Records per channel, kept until the end so later edits reach earlier messages.
    let mut slots: HashMap<String, GroupSlot> = HashMap::new();
    let mut out: Vec<Record> = Vec::new();
    let mut by_ts: HashMap<(GroupSlot, String), usize> = HashMap::new();
    for file in &files {
        let input = Input::new(file);
        let mut lines = input.lines()?;
        while let Some((no, line)) = lines.next_line()? {
            if line.trim().is_empty() {
                continue;
            }
            let v: Value = serde_json::from_str(line).map_err(|e| {
                ParseError::new(file, format!("not a Slack event (JSON): {e}"))
                    .at(format!("line {no}"))
                    .hint("each line must be one Slack message event object")
            })?;
            let Some(channel) = v.get("channel").and_then(Value::as_str) else {
                out.push(Record::Skipped {
                    location: format!("{}: line {no}", file.display()),
                    reason: "no \"channel\"".into(),
                });
                continue;
            };
            let next = slots.len() as GroupSlot;
            let slot = *slots.entry(channel.to_string()).or_insert_with(|| {
                out.push(Record::Group(GroupInfo {
                    platform: Platform::Slack,
                    platform_id: channel.to_string(),
                    name: channels.get(channel).cloned().unwrap_or_else(|| channel.to_string()),
                    kind: GroupKind::Channel,
                    member_count: None,
                }));
                next
            });
            if v.get("subtype").and_then(Value::as_str) == Some("message_changed") {
                if let Some(new) = v.get("message") {
                    let ts = new.get("ts").and_then(Value::as_str).unwrap_or("");
                    if let Some(&ix) = by_ts.get(&(slot, ts.to_string())) {
                        if let Record::Message { message, .. } = &mut out[ix] {
                            let (text, mentions) =
                                render_text(new.get("text").and_then(Value::as_str).unwrap_or(""), &people);
                            message.text = text;
                            message.mentions = mentions;
                            message.edited = v.get("ts").and_then(Value::as_str).and_then(ts_stamp);
                        }
                        continue;
                    }
                }
            }
            let location = format!("{}: line {no}", file.display());
            if let Some(r) = convert(&v, slot, &people, &location) {
                if let Record::Message { message, .. } = &r {
                    if let Some(id) = &message.id {
                        by_ts.insert((slot, id.clone()), out.len());
                    }
                }
                out.push(r);
            }
        }
    }
    if !out.iter().any(|r| matches!(r, Record::Message { .. })) {
        return Err(ParseError::new(&logs, "no Slack messages found in logs/*.txt")
            .hint("each logs/YYYY-MM-DD.txt should hold one Slack message event per line"));
    }
    for r in out {
        sink.push(r).or_closed(root)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn people() -> People {
        let mut p = People::default();
        p.by_id.insert("U1".into(), ("ann".into(), false));
        p
    }

    #[test]
    fn markup_becomes_text_and_mentions() {
        let (text, mentions) =
            render_text("hi <@U1> and <!here|here> see <https://x.org|docs> &amp; <#C1|general>", &people());
        assert_eq!(text, "hi @ann and @here see docs (https://x.org) & #general");
        assert_eq!(mentions.len(), 2);
        assert!(matches!(&mentions[0], Mention::Member(p) if p.platform_id.as_deref() == Some("U1")));
        assert_eq!(mentions[1], Mention::Everyone);
    }

    #[test]
    fn thread_reply_links_to_root_and_join_is_an_event() {
        let p = people();
        let reply: Value = serde_json::from_str(
            r#"{"type":"message","user":"U1","text":"yes","ts":"1736554746.482349","thread_ts":"1736478630.905399"}"#,
        )
        .unwrap();
        match convert(&reply, 0, &p, "x").unwrap() {
            Record::Message { message, .. } => {
                assert_eq!(message.id.as_deref(), Some("1736554746.482349"));
                assert_eq!(message.reply_to.as_deref(), Some("1736478630.905399"));
                assert_eq!(message.sender.name, "ann");
                assert_eq!(message.time.unix_ms, 1_736_554_746_482);
            }
            other => panic!("{other:?}"),
        }
        let join: Value =
            serde_json::from_str(r#"{"subtype":"channel_join","user":"U1","text":"<@U1> has joined","ts":"1.5"}"#)
                .unwrap();
        assert!(
            matches!(convert(&join, 0, &p, "x"), Some(Record::Event { event, .. }) if event.kind == EventKind::Join && event.subjects[0].name == "ann")
        );
        let bot: Value = serde_json::from_str(
            r#"{"subtype":"bot_message","bot_id":"B1","username":"ci","text":"built","ts":"2.0"}"#,
        )
        .unwrap();
        assert!(
            matches!(convert(&bot, 0, &p, "x"), Some(Record::Message { message, .. }) if message.sender.is_bot && message.sender.name == "ci")
        );
    }

    #[test]
    fn channel_list_accepts_null_members() {
        let list: Vec<Conversation> =
            serde_json::from_str(r#"[{"id":"C1","name":"general","members":null},{"id":"D1","members":["U1"]}]"#)
                .unwrap();
        assert!(list[0].members.is_none());
        assert_eq!(list[1].members.as_deref(), Some(&["U1".to_string()][..]));
    }

    #[test]
    fn edn_maps_read_namespaced_keys() {
        let maps = edn_maps(
            r#"(#:channel{:slack-id "C1", :name "re-frame", :creator [:user/slack-id "U0"]}
               {:user/slack-id "U2", :user/name "dev", :user-profile/display-name "Dev \"D\""})"#,
        );
        assert_eq!(maps[0]["slack-id"], "C1");
        assert_eq!(maps[0]["name"], "re-frame");
        assert_eq!(maps[1]["profile.display-name"], "Dev \"D\"");
    }
}
