//! Telegram Desktop's HTML export (`messages.html`, `messages2.html`… in one chat folder).
//! Each file holds at most 1000 messages and starts its first message with the sender's
//! name, so each file is read on its own; the chat's name (the page header) keys the group,
//! so the parts of one chat land together. The HTML has no chat or user ids.
//!
//! A targeted scanner, not an HTML parser: Telegram escapes every `<` of user text, so each
//! `<div class="message …">` in the file is markup, and a message's parts are found by the
//! class names the exporter writes (`from_name`, `pull_right date details`, `text`,
//! `reply_to details`, `forwarded body`, `media_…`).

use std::path::Path;

use chrono::{FixedOffset, NaiveDate, NaiveDateTime};
use shequn_model::{
    EventKind, GroupInfo, GroupKind, Message, MessageKind, Person, Platform, Record, Sink, Stamp, SystemEvent,
};

use super::html_text::decode;
use crate::{Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct TelegramHtml;

impl Format for TelegramHtml {
    fn name(&self) -> &'static str {
        "telegram-html"
    }
    fn description(&self) -> &'static str {
        "Telegram Desktop HTML export (messages.html, messages2.html… of one chat)"
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let head = probe.head_text();
        let is_page = head.contains("<title>Exported Data</title>") || head.contains("class=\"page_wrap\"");
        if is_page && (head.contains("class=\"page_body chat_page\"") || head.contains("<div class=\"message ")) {
            90
        } else {
            0
        }
    }
    /// Reads the whole file: the exporter caps each file at 1000 messages.
    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let html = input.read_text()?;
        let Some(body_at) = html.find("class=\"page_body chat_page\"") else {
            return Err(ParseError::new(path, "no <div class=\"page_body chat_page\"> in the page")
                .at(format!("line {}", line_of(&html, html.len())))
                .hint(
                    "this is a Telegram export page but not a chat's messages*.html; import the chat folder's pages",
                ));
        };
        let name = header_name(&html[..body_at]).unwrap_or_default();
        if name.is_empty() {
            return Err(ParseError::new(path, "the page header names no chat (div.page_header div.text)")
                .at(format!("line {}", line_of(&html, body_at))));
        }
        sink.push(Record::Group(GroupInfo {
            platform: Platform::Telegram,
            platform_id: name.clone(),
            name,
            kind: GroupKind::Group,
            member_count: None,
        }))
        .or_closed(path)?;
        let mut reader = Reader { path, opts, sink, html: &html, sender: None, day: None, last: None, noted: false };
        let mut starts = html[body_at..].match_indices("<div class=\"message ").map(|(i, _)| body_at + i).peekable();
        while let Some(start) = starts.next() {
            let end = starts.peek().copied().unwrap_or(html.len());
            reader.block(start, &html[start..end])?;
        }
        Ok(())
    }
}

struct Reader<'a> {
    path: &'a Path,
    opts: &'a ParseOptions,
    sink: &'a mut dyn Sink,
    html: &'a str,
    /// The last sender named: a `joined` message (same sender, shortly after) omits it.
    sender: Option<String>,
    /// The day of the last date separator, for service messages, which carry no time.
    day: Option<NaiveDate>,
    /// The last message's time.
    last: Option<Stamp>,
    noted: bool,
}

impl Reader<'_> {
    fn error(&self, at: usize, message: String) -> ParseError {
        ParseError::new(self.path, message).at(format!("line {}", line_of(self.html, at)))
    }

    fn block(&mut self, start: usize, block: &str) -> Result<(), ParseError> {
        let open_end = block.find('>').unwrap_or(block.len());
        let open = &block[..open_end];
        let classes = attr(open, "class").unwrap_or_default();
        let id = attr(open, "id").and_then(|i| i.strip_prefix("message")).map(str::to_string);
        if classes.split(' ').any(|c| c == "service") {
            return self.service(start, block, id);
        }
        if !classes.split(' ').any(|c| c == "default") {
            return Ok(());
        }
        let Some(title) = div_attr(block, "pull_right date details", "title") else {
            return Err(self.error(
                start,
                format!(
                    "a message (id {}) without its date: expected <div class=\"pull_right date details\" title=\"DD.MM.YYYY HH:MM:SS UTC+HH:MM\">",
                    id.as_deref().unwrap_or("?")
                ),
            ));
        };
        let time = self.stamp(&title).map_err(|e| self.error(start, e))?;
        if time.zone_inferred && !self.noted {
            self.noted = true;
            let zone = self.opts.zone_or_local();
            let text = format!("Telegram's HTML export gave no zone with its times: read as UTC{zone}");
            self.sink.push(Record::Note { group: 0, text }).or_closed(self.path)?;
        }
        // The poster's name comes before any forwarded part, which has its own from_name.
        let forwarded_at = block.find("forwarded body").unwrap_or(block.len());
        if let Some(name) = div_text(&block[..forwarded_at], "from_name") {
            let name = match name.split_once(" via @") {
                Some((n, _)) => n.to_string(),
                None => name,
            };
            self.sender = Some(name);
        }
        let Some(sender) = self.sender.clone() else {
            return Err(self.error(start, "the file's first message names no sender (div.from_name)".into()));
        };
        let reply_to = div_inner(block, "reply_to details").and_then(go_to_message);
        let text = div_text(block, "text").unwrap_or_default();
        let kind = media_kind(block);
        self.last = Some(time);
        self.day = Some(time.to_datetime().date_naive());
        let message = Message {
            id,
            time,
            sender: Person::named(sender),
            text,
            kind,
            reply_to,
            forwarded: forwarded_at < block.len(),
            ..Message::default()
        };
        self.sink.push(Record::Message { group: 0, message }).or_closed(self.path)
    }

    /// Date separators set the day; other service lines are events, dated by the message
    /// before them on that day (the export writes no time for them).
    fn service(&mut self, start: usize, block: &str, id: Option<String>) -> Result<(), ParseError> {
        let inner = div_inner(block, "body details").unwrap_or_default();
        let text = plain(inner);
        if id.as_deref().is_some_and(|i| i.starts_with('-')) {
            self.day = NaiveDate::parse_from_str(text.trim(), "%d %B %Y").ok().or(self.day);
            if self.last.is_some_and(|l| Some(l.to_datetime().date_naive()) != self.day) {
                self.last = None;
            }
            return Ok(());
        }
        let time = match (self.last, self.day) {
            (Some(t), _) => t,
            (None, Some(day)) => {
                let zone = self.opts.zone_or_local();
                Stamp::from_local_assumed(day.and_hms_opt(0, 0, 0).expect("midnight"), zone)
            }
            (None, None) => return Err(self.error(start, "a service message before any date".into())),
        };
        let mut e = service_event(&text, time);
        e.id = id;
        if e.kind == EventKind::Pin {
            e.target = go_to_message(inner);
        }
        self.sink.push(Record::Event { group: 0, event: e }).or_closed(self.path)
    }

    /// `DD.MM.YYYY HH:MM:SS` with ` UTC+HH:MM` in exports since 2021; without it, the
    /// wall clock is read in the assumed zone.
    fn stamp(&self, title: &str) -> Result<Stamp, String> {
        let (local, zone) = match title.split_once(" UTC") {
            Some((l, z)) => (l, Some(z)),
            None => (title, None),
        };
        let local = NaiveDateTime::parse_from_str(local.trim(), "%d.%m.%Y %H:%M:%S")
            .map_err(|e| format!("date {title:?}: expected DD.MM.YYYY HH:MM:SS ({e})"))?;
        match zone {
            Some(z) => {
                let offset =
                    parse_offset(z).ok_or_else(|| format!("date {title:?}: expected UTC+HH:MM after the time"))?;
                Ok(Stamp::from_local_known(local, offset))
            }
            None => Ok(Stamp::from_local_assumed(local, self.opts.zone_or_local())),
        }
    }
}

fn parse_offset(z: &str) -> Option<FixedOffset> {
    let z = z.trim();
    let (sign, rest) = match z.as_bytes().first()? {
        b'+' => (1, &z[1..]),
        b'-' => (-1, &z[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    let secs = h.parse::<i32>().ok()? * 3600 + m.parse::<i32>().ok()? * 60;
    FixedOffset::east_opt(sign * secs)
}

/// The service line as an event; the names it gives are display names only.
fn service_event(text: &str, time: Stamp) -> SystemEvent {
    let mut e = SystemEvent::new(time, EventKind::Other, text);
    let names = |list: &str| -> Vec<Person> {
        let (head, last) = match list.rsplit_once(" and ") {
            Some((h, l)) => (h, Some(l)),
            None => (list, None),
        };
        head.split(", ").chain(last).filter(|n| !n.is_empty()).map(Person::named).collect()
    };
    let quoted = |s: &str| s.split_once('«').and_then(|(_, r)| r.rsplit_once('»')).map(|(t, _)| t.to_string());
    if let Some((actor, rest)) = text.split_once(" created group «") {
        e.kind = EventKind::Create;
        e.actor = Some(Person::named(actor));
        e.detail = rest.rsplit_once('»').map(|(t, _)| t.to_string());
        if let Some((_, members)) = rest.split_once("» with members ") {
            e.subjects = names(members);
        }
    } else if let Some((actor, invited)) = text.split_once(" invited ") {
        e.kind = EventKind::Join;
        e.actor = Some(Person::named(actor));
        e.subjects = names(invited);
        e.detail = Some("invited".into());
    } else if let Some((who, _)) = text.split_once(" joined group by link") {
        e.kind = EventKind::Join;
        e.subjects.push(Person::named(who));
        e.detail = Some("link".into());
    } else if let Some((who, _)) = text.split_once(" joined group by request") {
        e.kind = EventKind::Join;
        e.subjects.push(Person::named(who));
        e.detail = Some("request".into());
    } else if let Some((actor, removed)) = text.split_once(" removed ").filter(|(_, r)| *r != "group photo") {
        e.kind = if actor == removed { EventKind::Leave } else { EventKind::Kick };
        e.subjects.push(Person::named(removed));
        if actor != removed {
            e.actor = Some(Person::named(actor));
        }
    } else if let Some((actor, _)) = text.split_once(" left the group") {
        e.kind = EventKind::Leave;
        e.subjects.push(Person::named(actor));
    } else if text.contains(" changed group title to «") || text.starts_with("Channel title changed to «") {
        e.kind = EventKind::Rename;
        e.actor = text.split_once(" changed group title to").map(|(a, _)| Person::named(a));
        e.detail = quoted(text);
    } else if let Some((actor, _)) = text.split_once(" pinned ") {
        e.kind = EventKind::Pin;
        e.actor = Some(Person::named(actor));
    }
    e
}

/// The message kind from the media block's class names.
fn media_kind(block: &str) -> MessageKind {
    let Some(at) = block.find("class=\"media_wrap") else {
        return MessageKind::Text;
    };
    let media = &block[at..];
    let has = |c: &str| media.contains(c);
    if has("sticker_wrap") || (has("media_photo") && div_text(media, "title bold").as_deref() == Some("Sticker")) {
        MessageKind::Sticker
    } else if has("photo_wrap") || has("animated_wrap") || has("media_photo") {
        MessageKind::Image
    } else if has("video_file_wrap") || has("media_video") {
        MessageKind::Video
    } else if has("media_voice_message") || has("media_audio_file") {
        MessageKind::Voice
    } else if has("media_file") {
        MessageKind::File
    } else if has("media_location") || has("media_live_location") || has("media_venue") {
        MessageKind::Location
    } else if has("media_poll") {
        MessageKind::Poll
    } else if has("media_call") {
        MessageKind::Call
    } else {
        MessageKind::Other
    }
}

/// `#go_to_message123` or `messages2.html#go_to_message123` → `123`.
fn go_to_message(html: &str) -> Option<String> {
    let (_, rest) = html.split_once("go_to_message")?;
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    (!digits.is_empty()).then_some(digits)
}

fn header_name(head: &str) -> Option<String> {
    let at = head.find("class=\"page_header\"")?;
    div_text(&head[at..], "text bold")
}

/// The value of `name="…"` in an opening tag.
fn attr<'t>(tag: &'t str, name: &str) -> Option<&'t str> {
    let key = format!(" {name}=\"");
    let at = tag.find(&key)? + key.len();
    let len = tag[at..].find('"')?;
    Some(&tag[at..at + len])
}

/// An attribute of the first `<div class="{class}" …>` in `html`.
fn div_attr(html: &str, class: &str, name: &str) -> Option<String> {
    let at = html.find(&format!("<div class=\"{class}\""))?;
    let end = at + html[at..].find('>')?;
    attr(&html[at..end], name).map(decode)
}

/// What sits between `<div class="{class}">` and its `</div>`: these divs hold no divs.
fn div_inner<'h>(html: &'h str, class: &str) -> Option<&'h str> {
    let open = format!("<div class=\"{class}\"");
    let at = html.find(&open)?;
    let start = at + html[at..].find('>')? + 1;
    let len = html[start..].find("</div>")?;
    Some(&html[start..start + len])
}

fn div_text(html: &str, class: &str) -> Option<String> {
    div_inner(html, class).map(plain)
}

/// Markup to text: `<br>` is a line break, other tags go, entities are decoded, and the
/// exporter's indentation around the content is trimmed.
fn plain(inner: &str) -> String {
    let mut out = String::with_capacity(inner.len());
    let mut rest = inner;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            rest = &rest[lt..];
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        if tag.eq_ignore_ascii_case("br") || tag.eq_ignore_ascii_case("br/") {
            out.push('\n');
        }
        rest = &rest[lt + gt + 1..];
    }
    out.push_str(rest);
    let trimmed = out.trim_matches(|c: char| c == ' ' || c == '\n' || c == '\r' || c == '\t');
    decode(trimmed)
}

fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_becomes_text() {
        assert_eq!(
            plain("\nA &lt;b&gt; <strong>bold</strong><br>line &laquo;x&raquo; &#x0A;&apos;\n   "),
            "A <b> bold\nline «x» \n'"
        );
    }

    #[test]
    fn service_lines_become_events() {
        let t = Stamp::default();
        let e = service_event("Ann created group «Club» with members Bo, Cy and Di", t);
        assert_eq!((e.kind, e.detail.as_deref(), e.subjects.len()), (EventKind::Create, Some("Club"), 3));
        let e = service_event("Ann invited Bo and Cy", t);
        assert_eq!((e.kind, e.subjects.len()), (EventKind::Join, 2));
        assert_eq!(service_event("Bo removed Bo", t).kind, EventKind::Leave);
        assert_eq!(service_event("Ann removed Bo", t).kind, EventKind::Kick);
        assert_eq!(service_event("Ann removed group photo", t).kind, EventKind::Other);
        assert_eq!(service_event("Bo joined group by link from Ann", t).subjects[0].name, "Bo");
    }

    #[test]
    fn offsets_parse() {
        assert_eq!(parse_offset("+02:00"), FixedOffset::east_opt(7200));
        assert_eq!(parse_offset("-05:30"), FixedOffset::east_opt(-19800));
    }
}
