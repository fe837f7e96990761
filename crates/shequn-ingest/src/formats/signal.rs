//! Signal chats as signal-export (carderne/signal-export) writes them: one folder per chat
//! with `chat.md` (`index.md` before 2022), one `[YYYY-MM-DD HH:MM:SS] Sender: body` per
//! message, continuation lines below it. Older versions wrote `[YYYY-MM-DD, HH:MM]` (the
//! layout of chat-miner's Signal sample) or `[YYYY-MM-DD HH:MM]`.
//!
//! The exporter writes the machine's local wall clock without a zone, the exporting
//! account as `Me`, no message ids and no group updates: times are read in the assumed
//! zone (flagged inferred), the chat is keyed by its folder's name (the file's stem when
//! the file is not `chat.md`/`index.md`), messages by content.
//!
//! A message's markdown is `{quote}{body}  ` then reactions `(- name: emoji -)`, a sticker
//! `(( label ))` or `[label](../exported_stickers/…)`, attachments `![name](./media/…)`
//! (following `sigexport/models.py` `Message.to_md`): those parts are taken off the text
//! and give the message its kind.

use std::path::Path;
use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveDateTime};
use regex::Regex;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, Message, MessageKind, Person, Platform, Record, Sink, Stamp, SystemEvent,
};

use super::discord::kind_of_file;
use crate::{head_is_utf8, Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct Signal;

fn header_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^\[(\d{4})-(\d{2})-(\d{2})(,?) (\d{2}):(\d{2})(?::(\d{2}))?\] (.*)$").expect("valid regex")
    })
}

fn attachment_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"!?\[([^\]]*)\]\((\.{1,2}/[^)\s]*)\) *").expect("valid regex"))
}

fn call_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(?:Incoming|Outgoing|Missed) (?:(?:voice|video) )?call(?: \(.*\))?$").expect("valid regex")
    })
}

/// A header line: its wall-clock time, the comma layout, and the rest (`Sender: body`).
struct Header<'l> {
    local: Option<NaiveDateTime>,
    comma: bool,
    sender: &'l str,
    body: &'l str,
}

fn header(line: &str) -> Option<Header<'_>> {
    let c = header_re().captures(line)?;
    let rest = c.get(8).expect("group").as_str();
    let (sender, body) = match rest.split_once(": ") {
        Some(parts) => parts,
        None => (rest.strip_suffix(':')?, ""),
    };
    let n = |i: usize| c.get(i).map_or(0, |m| m.as_str().parse::<u32>().unwrap_or(99));
    let local = NaiveDate::from_ymd_opt(n(1) as i32, n(2), n(3)).and_then(|d| d.and_hms_opt(n(5), n(6), n(7)));
    Some(Header { local, comma: !c[4].is_empty(), sender, body })
}

fn seen(line: &str) -> String {
    let mut s: String = line.chars().take(60).collect();
    if line.chars().count() > 60 {
        s.push('…');
    }
    s
}

/// The chat's name: signal-export's folder for `chat.md`/`index.md`, else the file's stem.
fn chat_name(path: &Path) -> String {
    let file = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let folder = path.parent().and_then(|p| p.file_name()).and_then(|n| n.to_str());
    match folder {
        Some(f) if matches!(file, "chat.md" | "index.md") => f.to_string(),
        _ => path.file_stem().and_then(|n| n.to_str()).unwrap_or("signal").to_string(),
    }
}

impl Format for Signal {
    fn name(&self) -> &'static str {
        "signal"
    }

    fn description(&self) -> &'static str {
        "Signal chat as signal-export writes it (chat.md / index.md, or a [YYYY-MM-DD, HH:MM] Name: text .txt)"
    }

    /// WhatsApp (whatstk) writes `[2019-04-16 02:09] Name: text` too, so the plain layout
    /// is only claimed with signal-export's marks: its file names, the comma after the date
    /// (no WhatsApp locale writes it), or messages ending in markdown's two-space break.
    fn sniff(&self, probe: &Probe) -> Score {
        if !head_is_utf8(probe) {
            return 0;
        }
        let text = probe.head_text();
        let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).take(200).collect();
        let Some(first) = lines.iter().find(|l| !l.trim().is_empty()) else { return 0 };
        let Some(h) = header(first) else { return 0 };
        if h.sender.is_empty() || h.sender.starts_with('<') {
            return 0;
        }
        if matches!(probe.file_name(), "chat.md" | "index.md") || h.comma {
            return 85;
        }
        // The last line of each message before the next header ends in two spaces.
        let (mut ends, mut broken) = (0, 0);
        for (i, l) in lines.iter().enumerate().skip(1) {
            if header(l).is_none() {
                continue;
            }
            let Some(last) = lines[..i].iter().rev().find(|l| !l.trim().is_empty()) else { continue };
            if last.ends_with("  ") {
                ends += 1;
            } else {
                broken += 1;
            }
        }
        if ends >= 2 && broken == 0 {
            80
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let name = chat_name(path);
        sink.push(Record::Group(GroupInfo {
            platform: Platform::Signal,
            platform_id: name.clone(),
            name,
            kind: GroupKind::Group,
            member_count: None,
        }))
        .or_closed(path)?;
        let zone = opts.zone_or_local();
        let note = format!(
            "signal-export writes the exporting computer's wall clock without a zone: times read as UTC{zone}; \
             \"Me\" is the account that exported the chat"
        );
        sink.push(Record::Note { group: 0, text: note }).or_closed(path)?;
        let mut lines = input.lines()?;
        let mut pending: Option<Pending> = None;
        while let Some((no, line)) = lines.next_line()? {
            match header(line) {
                Some(h) => {
                    let local = h.local.ok_or_else(|| {
                        ParseError::new(path, format!("no such date or time in {:?}", seen(line)))
                            .at(format!("line {no}"))
                            .hint("expected [YYYY-MM-DD HH:MM:SS] Name: text with a real date")
                    })?;
                    if let Some(p) = pending.take() {
                        p.emit(path, sink)?;
                    }
                    pending = Some(Pending {
                        line: no,
                        time: Stamp::from_local_assumed(local, zone),
                        sender: h.sender.to_string(),
                        body: h.body.to_string(),
                    });
                }
                None => match &mut pending {
                    Some(p) => {
                        p.body.push('\n');
                        p.body.push_str(line);
                    }
                    None if line.trim().is_empty() => {}
                    None => {
                        return Err(ParseError::new(
                            path,
                            format!("expected a message line [YYYY-MM-DD HH:MM:SS] Name: text, saw {:?}", seen(line)),
                        )
                        .at(format!("line {no}"))
                        .hint("this is not a signal-export chat; check --format"))
                    }
                },
            }
        }
        if let Some(p) = pending.take() {
            p.emit(path, sink)?;
        }
        Ok(())
    }
}

/// A message whose continuation lines are still being read.
struct Pending {
    line: u64,
    time: Stamp,
    sender: String,
    body: String,
}

impl Pending {
    fn emit(self, path: &Path, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let (text, kind) = body_parts(&self.body);
        let sender = Person::named(self.sender.trim());
        let record = if text == "(This message was deleted)" && kind == MessageKind::Text {
            let mut e = SystemEvent::new(self.time, EventKind::Recall, text);
            e.actor = Some(sender);
            Record::Event { group: 0, event: e }
        } else if self.sender == "No-Sender" && text.is_empty() && kind == MessageKind::Text {
            Record::Skipped {
                location: format!("line {}", self.line),
                reason: "a message with neither sender nor text (signal-export writes Signal's group updates so)"
                    .into(),
            }
        } else {
            Record::Message { group: 0, message: Message { time: self.time, sender, text, kind, ..Message::default() } }
        };
        sink.push(record).or_closed(path)
    }
}

/// The sender's own words and the message's kind: the quoted message, reactions,
/// sticker and attachment links the exporter adds are taken off.
fn body_parts(body: &str) -> (String, MessageKind) {
    let mut lines: Vec<&str> = body.lines().collect();
    // `{quote}` is "\n\n> line\n> line\n\n" right after `Sender: `.
    if lines.len() > 2 && lines[0].trim().is_empty() && lines[1].trim().is_empty() && lines[2].starts_with("> ") {
        let mut i = 2;
        while i < lines.len() && lines[i].starts_with("> ") {
            i += 1;
        }
        while i < lines.len() && lines[i].trim().is_empty() {
            i += 1;
        }
        lines.drain(..i);
    }
    let mut kind = MessageKind::Text;
    let mut kept = Vec::with_capacity(lines.len());
    for l in lines {
        let t = l.trim();
        if t.starts_with("(- ") && t.ends_with(" -)") {
            continue;
        }
        if t.starts_with("(( ") && t.ends_with(" ))") {
            kind = MessageKind::Sticker;
            continue;
        }
        kept.push(l);
    }
    let joined = kept.join("\n");
    let mut text = String::with_capacity(joined.len());
    let mut last = 0;
    for c in attachment_re().captures_iter(&joined) {
        let m = c.get(0).expect("match");
        text.push_str(&joined[last..m.start()]);
        last = m.end();
        let target = &c[2];
        if kind == MessageKind::Text {
            kind = if target.contains("exported_stickers/") { MessageKind::Sticker } else { kind_of_file(target) };
        }
    }
    text.push_str(&joined[last..]);
    let text = text.trim_end().to_string();
    if kind == MessageKind::Text && call_re().is_match(&text) {
        kind = MessageKind::Call;
    }
    (text, kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_every_layout() {
        for l in [
            "[2019-12-24, 12:23] Jane Doe: Hi",
            "[2019-12-24 12:23] Jane Doe: Hi",
            "[2019-12-24 12:23:05] Jane Doe: Hi",
        ] {
            let h = header(l).unwrap();
            assert_eq!((h.sender, h.body), ("Jane Doe", "Hi"), "{l}");
        }
        assert!(header("[2019-12-24 12:23] Jane Doe: ").unwrap().body.is_empty());
        assert!(header("[2019-13-24 12:23] Jane: x").unwrap().local.is_none());
    }

    #[test]
    fn exporter_additions_are_taken_off() {
        let (t, k) = body_parts("\n\n> what time?\n> today\n\nat six  \n(- Ann: 👍 -)");
        assert_eq!((t.as_str(), k), ("at six", MessageKind::Text));
        let (t, k) = body_parts("look  ![2023-01-05_00_cat.jpg](./media/2023-01-05_00_cat.jpg)  ");
        assert_eq!((t.as_str(), k), ("look", MessageKind::Image));
        let (t, k) = body_parts("  \n(( 😀 ))");
        assert_eq!((t.as_str(), k), ("", MessageKind::Sticker));
        assert_eq!(body_parts("Missed voice call  ").1, MessageKind::Call);
        assert_eq!(body_parts("Incoming video call (accepted, 1m 5s)  ").1, MessageKind::Call);
    }
}
