//! Facebook Messenger and Instagram "Download your information" JSON: one thread per file
//! (`participants`, `messages[]` newest first, then `title`, `thread_path`). A long thread
//! is split into `message_1.json`, `message_2.json`… in one folder; every part names the
//! same `thread_path`, so the parts land in one group.
//!
//! Meta writes the text's UTF-8 bytes as Latin-1 `\u00XX` escapes; [`repair_mojibake`]
//! turns them back into the characters people typed.

use std::borrow::Cow;
use std::io::Read;
use std::path::Path;

use serde::de::IgnoredAny;
use serde::Deserialize;
use serde_json::{Map, Value};
use shequn_model::{
    EventKind, GroupInfo, GroupKind, Message, MessageKind, Person, Platform, Record, RosterEntry, Sink, Stamp,
    SystemEvent,
};

use super::json_stream::{self, ArrayHandler};
use crate::{Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

/// Facebook Messenger's JSON export.
pub struct Messenger;
/// Instagram's JSON export: Messenger's layout, told apart by where it sits or what it links.
pub struct Instagram;

const EXPECTED: &str = "Messenger/Instagram JSON (participants, messages with sender_name and timestamp_ms)";

/// Undoes Meta's escaping of UTF-8 bytes as Latin-1 characters: when every character is
/// at most U+00FF and those bytes are valid UTF-8, the bytes are the real text.
pub fn repair_mojibake(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| ('\u{80}'..='\u{ff}').contains(&c)) || s.chars().any(|c| c > '\u{ff}') {
        return Cow::Borrowed(s);
    }
    let bytes: Vec<u8> = s.chars().map(|c| c as u8).collect();
    match String::from_utf8(bytes) {
        Ok(text) => Cow::Owned(text),
        Err(_) => Cow::Borrowed(s),
    }
}

fn fix(s: &str) -> String {
    repair_mojibake(s).into_owned()
}

/// True when the head is a Meta thread: an object with `messages` holding `sender_name`
/// and `timestamp_ms`.
fn is_meta_thread(probe: &Probe) -> bool {
    let head = probe.head_text();
    head.trim_start().starts_with('{')
        && head.contains("\"messages\"")
        && head.contains("\"sender_name\"")
        && head.contains("\"timestamp_ms\"")
}

/// Instagram's export sits under `your_instagram_activity/` or a folder named for it, and
/// its group invitations link `ig.me/j/`.
fn looks_instagram(path: &Path, head: &str) -> bool {
    let in_path = path.components().any(|c| c.as_os_str().to_string_lossy().to_ascii_lowercase().contains("instagram"));
    in_path || head.contains("ig.me/j/") || head.contains("your_instagram_activity/")
}

impl Format for Messenger {
    fn name(&self) -> &'static str {
        "messenger"
    }
    fn description(&self) -> &'static str {
        "Facebook Messenger JSON (Download your information: message_1.json per thread)"
    }
    fn sniff(&self, probe: &Probe) -> Score {
        if is_meta_thread(probe) {
            85
        } else {
            0
        }
    }
    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        parse_thread(Platform::Messenger, input, opts, sink)
    }
}

impl Format for Instagram {
    fn name(&self) -> &'static str {
        "instagram"
    }
    fn description(&self) -> &'static str {
        "Instagram JSON (Download your information: messages/inbox/<thread>/message_1.json)"
    }
    fn sniff(&self, probe: &Probe) -> Score {
        if is_meta_thread(probe) && looks_instagram(probe.path, &probe.head_text()) {
            86
        } else {
            0
        }
    }
    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        parse_thread(Platform::Instagram, input, opts, sink)
    }
}

#[derive(Deserialize)]
struct Named {
    #[serde(default)]
    name: String,
}

/// The thread's own fields; `messages` is skipped here (read in the second pass).
#[derive(Deserialize)]
struct ThreadHead {
    #[serde(default)]
    participants: Vec<Named>,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    thread_path: Option<String>,
    #[serde(default)]
    thread_type: Option<String>,
    #[serde(default)]
    messages: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct Share {
    #[serde(default)]
    link: Option<String>,
}

#[derive(Deserialize)]
struct RawMessage {
    #[serde(default)]
    sender_name: Option<String>,
    timestamp_ms: i64,
    #[serde(default)]
    content: Option<String>,
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    photos: Vec<IgnoredAny>,
    #[serde(default)]
    gifs: Vec<IgnoredAny>,
    #[serde(default)]
    videos: Vec<IgnoredAny>,
    #[serde(default)]
    audio_files: Vec<IgnoredAny>,
    #[serde(default)]
    files: Vec<IgnoredAny>,
    #[serde(default)]
    sticker: Option<IgnoredAny>,
    #[serde(default)]
    share: Option<Share>,
    #[serde(default)]
    call_duration: Option<i64>,
    #[serde(default)]
    users: Vec<Named>,
    #[serde(default)]
    is_unsent: bool,
}

/// The group id when the file names none: the thread folder (`inbox/alice_123/message_1.json`
/// → `alice_123`), or the file's own stem.
fn fallback_id(path: &Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("thread");
    let is_part = stem.strip_prefix("message_").is_some_and(|n| n.chars().all(|c| c.is_ascii_digit()));
    match path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str()) {
        Some(folder) if is_part => folder.to_string(),
        _ => stem.to_string(),
    }
}

/// Two passes over the file, each bounded by one element: the thread's name and path come
/// after `messages`, and the group must be declared before its messages.
fn parse_thread(
    platform: Platform,
    input: &Input,
    _opts: &ParseOptions,
    sink: &mut dyn Sink,
) -> Result<(), ParseError> {
    let path = &input.path;
    let mut de = serde_json::Deserializer::from_reader(input.json_reader()?);
    let head = ThreadHead::deserialize(&mut de).map_err(|e| ParseError::json(path, &e, EXPECTED))?;
    if head.messages.is_none() {
        return Err(ParseError::new(path, "no \"messages\" array in the thread object")
            .at("line 1")
            .hint("this looks like another Meta export file; import the thread's message_N.json"));
    }
    let participants: Vec<String> = head.participants.iter().map(|p| fix(&p.name)).collect();
    let platform_id = head.thread_path.clone().unwrap_or_else(|| fallback_id(path));
    let name = match head.title.as_deref().map(fix) {
        Some(t) if !t.is_empty() => t,
        _ if !participants.is_empty() => participants.join(", "),
        _ => platform_id.clone(),
    };
    let kind = match head.thread_type.as_deref() {
        Some("RegularGroup") => GroupKind::Group,
        Some("Regular") if participants.len() <= 2 => GroupKind::Direct,
        _ if participants.len() == 2 => GroupKind::Direct,
        _ => GroupKind::Group,
    };
    let member_count = (!participants.is_empty()).then_some(participants.len() as u32);
    sink.push(Record::Group(GroupInfo { platform, platform_id, name, kind, member_count })).or_closed(path)?;
    for name in participants {
        let entry = RosterEntry { person: Person::named(name), joined: None, join_scene: None };
        sink.push(Record::Roster { group: 0, entry }).or_closed(path)?;
    }
    let mut writer = Writer { path, sink, index: 0 };
    stream_messages(path, input.json_reader()?, &mut writer)
}

fn stream_messages<R: Read>(
    path: &Path,
    reader: crate::limits::JsonGuard<R>,
    writer: &mut Writer,
) -> Result<(), ParseError> {
    json_stream::stream_array(path, reader, "messages", EXPECTED, writer).map_err(|e| {
        if e.hint.is_some() {
            e
        } else {
            e.hint("export the thread again as JSON from Download your information")
        }
    })
}

struct Writer<'a> {
    path: &'a Path,
    sink: &'a mut dyn Sink,
    /// Position in `messages`, for error locations.
    index: usize,
}

impl ArrayHandler<RawMessage> for Writer<'_> {
    fn head(&mut self, _fields: &Map<String, Value>) -> Result<(), ParseError> {
        Ok(())
    }

    fn item(&mut self, m: RawMessage) -> Result<(), ParseError> {
        self.index += 1;
        let time = Stamp::from_unix_ms(m.timestamp_ms);
        let sender = Person::named(m.sender_name.as_deref().map(fix).unwrap_or_default());
        let text = m.content.as_deref().map(fix).unwrap_or_default();
        if sender.name.is_empty() {
            let reason = "no sender_name".to_string();
            let location = format!("messages[{}]", self.index - 1);
            return self.sink.push(Record::Skipped { location, reason }).or_closed(self.path);
        }
        let users: Vec<Person> = m.users.iter().map(|u| Person::named(fix(&u.name))).collect();
        if let Some(event) = membership_event(&m, &sender, users, &text, time) {
            return self.sink.push(Record::Event { group: 0, event }).or_closed(self.path);
        }
        if m.is_unsent {
            let mut e = SystemEvent::new(time, EventKind::Recall, text);
            e.actor = Some(sender);
            return self.sink.push(Record::Event { group: 0, event: e }).or_closed(self.path);
        }
        let kind = if m.call_duration.is_some() || m.kind.as_deref() == Some("Call") {
            MessageKind::Call
        } else if !m.photos.is_empty() || !m.gifs.is_empty() {
            MessageKind::Image
        } else if !m.videos.is_empty() {
            MessageKind::Video
        } else if !m.audio_files.is_empty() {
            MessageKind::Voice
        } else if !m.files.is_empty() {
            MessageKind::File
        } else if m.sticker.is_some() {
            MessageKind::Sticker
        } else if m.share.is_some() {
            MessageKind::Link
        } else {
            MessageKind::Text
        };
        let text = match (&m.share, text.is_empty()) {
            (Some(Share { link: Some(link) }), true) => link.clone(),
            _ => text,
        };
        let message = Message { time, sender, text, kind, ..Message::default() };
        self.sink.push(Record::Message { group: 0, message }).or_closed(self.path)
    }
}

/// Joins and leaves: the `Subscribe`/`Unsubscribe` types of older exports, else the
/// English notices newer ones write as plain messages (`X added Y to the group.`).
fn membership_event(
    m: &RawMessage,
    sender: &Person,
    users: Vec<Person>,
    text: &str,
    time: Stamp,
) -> Option<SystemEvent> {
    let t = text.trim_end_matches('.');
    // Who the notice names between two phrases, when the export lists no `users`.
    let named = |after: &str, before: &str| -> Vec<Person> {
        let inner = t.split_once(after).and_then(|(_, rest)| rest.strip_suffix(before));
        inner.map(|n| vec![Person::named(n)]).unwrap_or_default()
    };
    let (kind, listed) = match m.kind.as_deref() {
        Some("Subscribe") => (EventKind::Join, Vec::new()),
        Some("Unsubscribe") => (EventKind::Leave, Vec::new()),
        _ if t.ends_with(" joined the group") => (EventKind::Join, Vec::new()),
        _ if t.contains(" added ") && t.ends_with(" to the group") => {
            (EventKind::Join, named(" added ", " to the group"))
        }
        _ if t.ends_with(" left the group") => (EventKind::Leave, Vec::new()),
        _ if t.contains(" removed ") && t.ends_with(" from the group") => {
            (EventKind::Kick, named(" removed ", " from the group"))
        }
        _ if t.contains(" named the group ") => {
            let mut e = SystemEvent::new(time, EventKind::Rename, text);
            e.actor = Some(sender.clone());
            e.detail = t.split_once(" named the group ").map(|(_, n)| n.to_string());
            return Some(e);
        }
        _ => return None,
    };
    let subjects = match (users.is_empty(), listed.is_empty()) {
        (false, _) => users,
        (true, false) => listed,
        (true, true) => vec![sender.clone()],
    };
    let by_self = subjects.len() == 1 && subjects[0] == *sender;
    let kind = match kind {
        EventKind::Leave if !by_self => EventKind::Kick,
        EventKind::Kick if by_self => EventKind::Leave,
        k => k,
    };
    let mut e = SystemEvent::new(time, kind, text);
    if !by_self {
        e.actor = Some(sender.clone());
    }
    e.subjects = subjects;
    Some(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mojibake_is_repaired_and_real_text_kept() {
        assert_eq!(repair_mojibake("J\u{e2}\u{9d}\u{a4}\u{ef}\u{b8}\u{8f}hn"), "J❤️hn");
        assert_eq!(repair_mojibake("\u{e5}\u{a4}\u{a7}\u{e5}\u{ae}\u{b6}"), "大家");
        // Latin-1 that is not UTF-8 stays, and so does text with characters past U+00FF.
        assert_eq!(repair_mojibake("café"), "café");
        assert_eq!(repair_mojibake("大家 é"), "大家 é");
        assert!(matches!(repair_mojibake("plain"), Cow::Borrowed(_)));
    }

    #[test]
    fn part_files_take_their_folder_as_thread() {
        assert_eq!(fallback_id(Path::new("inbox/alice_123/message_2.json")), "alice_123");
        assert_eq!(fallback_id(Path::new("x/testlog.json")), "testlog");
    }
}
