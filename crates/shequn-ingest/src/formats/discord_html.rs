//! DiscordChatExporter's HTML export (HtmlDark / HtmlLight), the layout of its Razor templates
//! `Exporting/PreambleTemplate.cshtml` and `MessageGroupTemplate.cshtml` (Tyrrrz/
//! DiscordChatExporter, read at commit 03c5c1b): one channel per file, each message a
//! `<div class="chatlog__message-container" data-message-id="…">`, the first of a run of one
//! author's messages carrying the author (`chatlog__author`, `data-user-id`), the reply
//! (`scrollToMessage(event, '<id>')`) and the header; the others only their content.
//!
//! The page writes dates with the exporting machine's culture (`g`, no seconds, no offset),
//! but every message id is a Discord snowflake whose top bits are the exact UTC time in
//! milliseconds since 2015-01-01: that is the time read, so nothing is assumed. Ids are the
//! JSON export's, so the same channel exported as JSON and HTML is stored once. The page
//! names no channel id: it comes from DCE's default file name (`Guild - Category - channel
//! [id].html`), as for the CSV. Attachments, embeds and stickers are kept as text notes
//! (`[attachment: route.png]`) after the message's text. A thread exported on its own names
//! no parent id, so it stays a group of its own; in its channel, `started a thread.` is an event.
//!
//! Read line by line, one message block at a time: a whole channel's page can be large.

use std::path::Path;

use shequn_model::{
    EventKind, GroupInfo, Mention, Message, MessageKind, Person, Platform, Record, Sink, Stamp, SystemEvent,
};

use super::discord::kind_of_file;
use super::discord_csv::Channel;
use super::html_text::{attr, text_of};
use crate::{Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct DiscordHtml;

/// Discord's epoch (2015-01-01T00:00:00Z) in Unix milliseconds.
const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;

const MESSAGE_START: &str = "data-message-id=\"";

impl Format for DiscordHtml {
    fn name(&self) -> &'static str {
        "discord-html"
    }

    fn description(&self) -> &'static str {
        "DiscordChatExporter HTML (HtmlDark/HtmlLight; one channel per file)"
    }

    fn sniff(&self, probe: &Probe) -> Score {
        let head = probe.head_text();
        let page = head.contains("<html") || head.contains("<!DOCTYPE html");
        if page && head.contains("chatlog__") && head.contains("preamble__entry") {
            90
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, _opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let mut lines = input.lines()?;
        let mut reader = Reader { path, sink, author: None };
        let mut head = String::new();
        let mut block = String::new();
        let mut block_line = 0;
        while let Some((no, line)) = lines.next_line()? {
            if line.contains(MESSAGE_START) {
                if block_line == 0 {
                    reader.declare(&head)?;
                } else {
                    reader.block(block_line, &block)?;
                }
                block.clear();
                block_line = no;
            }
            let into = if block_line == 0 { &mut head } else { &mut block };
            into.push_str(line);
            into.push('\n');
        }
        if block_line == 0 {
            if !head.contains("class=\"chatlog\"") {
                return Err(ParseError::new(path, "no <div class=\"chatlog\"> in the page / 页面里没有 chatlog 消息区")
                    .at(format!("line {}", lines.line_no()))
                    .hint("this is not a DiscordChatExporter HTML channel page; check --format / 这不是 DiscordChatExporter 的频道 HTML，请检查 --format"));
            }
            return reader.declare(&head);
        }
        reader.block(block_line, &block)
    }
}

struct Reader<'a> {
    path: &'a Path,
    sink: &'a mut dyn Sink,
    /// The author of the run of messages being read: follow-up messages do not repeat it.
    author: Option<Person>,
}

impl Reader<'_> {
    fn error(&self, line: u64, message: String) -> ParseError {
        ParseError::new(self.path, message).at(format!("line {line}"))
    }

    /// The channel: its id from the file name, its name from the preamble.
    fn declare(&mut self, head: &str) -> Result<(), ParseError> {
        let channel = Channel::from_file(self.path);
        let entries: Vec<String> = head
            .match_indices("<div class=\"preamble__entry\">")
            .map(|(at, open)| {
                let from = at + open.len();
                let len = head[from..].find("</div>").unwrap_or(0);
                text_of(&head[from..from + len])
            })
            .collect();
        let name = match entries.as_slice() {
            [guild, channel_path, ..] => {
                let channel_name = channel_path.rsplit(" / ").next().unwrap_or(channel_path);
                if guild == "Direct Messages" {
                    channel_name.to_string()
                } else {
                    format!("{guild} / {channel_name}")
                }
            }
            _ => channel.name.clone(),
        };
        self.sink
            .push(Record::Group(GroupInfo {
                platform: Platform::Discord,
                platform_id: channel.id.clone(),
                name,
                kind: channel.kind,
                member_count: None,
            }))
            .or_closed(self.path)?;
        if !channel.id_from_name {
            let text = "the file name carries no [channel id]: the channel is keyed by its file name".to_string();
            self.sink.push(Record::Note { group: 0, text }).or_closed(self.path)?;
        }
        Ok(())
    }

    fn block(&mut self, line: u64, block: &str) -> Result<(), ParseError> {
        let id = block
            .find(MESSAGE_START)
            .map(|at| &block[at + MESSAGE_START.len()..])
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("");
        let time = snowflake_time(id).ok_or_else(|| {
            self.error(line, format!("expected a numeric Discord message id in data-message-id, saw {id:?} / data-message-id 应为数字的 Discord 消息 id，实为 {id:?}"))
        })?;
        if !block.contains("chatlog__message-container") {
            return Err(self.error(
                line,
                "an older DiscordChatExporter HTML layout (no chatlog__message-container) / 旧版 DiscordChatExporter HTML 布局".to_string(),
            )
            .hint("export the channel again with a current DiscordChatExporter, or as JSON (--format discord) / 请用新版 DiscordChatExporter 重新导出，或导出为 JSON"));
        }
        if let Some(author) = span_person(block, "chatlog__system-notification-author") {
            return self.notification(id, time, author, block);
        }
        if let Some(mut author) =
            span_person(block, "chatlog__author").or_else(|| span_person(block, "chatlog__author-name"))
        {
            author.is_bot = ["chatlog__author-tag\">BOT", "chatlog__bot-tag", "chatlog__bot-label"]
                .iter()
                .any(|tag| block.contains(tag));
            self.author = Some(author);
        }
        let Some(sender) = self.author.clone() else {
            return Err(self.error(
                line,
                format!("message {id} comes before any author (span.chatlog__author) / 消息 {id} 之前没有作者"),
            ));
        };
        // The reply block sits above the header; a message link in the text also scrolls.
        let above_header = &block[..block.find("class=\"chatlog__header\"").unwrap_or(block.len())];
        let reply_to = (above_header.contains("chatlog__reply") || above_header.contains("chatlog__reference"))
            .then(|| scrolled_to(above_header))
            .flatten();
        let (text, mentions) = content(block);
        let mut notes = Vec::new();
        let mut kind = MessageKind::Text;
        for (name, file_kind) in attachments(block) {
            if notes.is_empty() {
                kind = file_kind;
            }
            notes.push(format!("[attachment: {name}]"));
        }
        for title in embeds(block) {
            notes.push(format!("[embed: {title}]"));
        }
        for sticker in stickers(block) {
            if notes.is_empty() {
                kind = MessageKind::Sticker;
            }
            notes.push(format!("[sticker: {sticker}]"));
        }
        let mut full = text;
        for note in notes {
            if !full.is_empty() {
                full.push('\n');
            }
            full.push_str(&note);
        }
        let message = Message {
            id: Some(id.to_string()),
            time,
            sender,
            text: full,
            kind,
            reply_to,
            mentions,
            ..Message::default()
        };
        self.sink.push(Record::Message { group: 0, message }).or_closed(self.path)
    }

    /// A system notification: joins, adds and removals, pins, renames, threads, calls.
    fn notification(&mut self, id: &str, time: Stamp, author: Person, block: &str) -> Result<(), ParseError> {
        let what =
            between(block, "class=\"chatlog__system-notification-content\"", "chatlog__system-notification-timestamp")
                .map(|inner| inner.split_once('>').map_or(inner, |(_, r)| r))
                .map(|inner| text_of(inner).split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default();
        let text = format!("{} {what}", author.name);
        let linked = between(block, "class=\"chatlog__system-notification-link\"", "</a>")
            .and_then(|inner| inner.split_once('>').map(|(_, r)| text_of(r)))
            .filter(|n| !n.is_empty());
        if what.starts_with("started a call") {
            let message = Message {
                id: Some(id.to_string()),
                time,
                sender: author,
                text: what,
                kind: MessageKind::Call,
                ..Message::default()
            };
            return self.sink.push(Record::Message { group: 0, message }).or_closed(self.path);
        }
        let mut e = SystemEvent::new(time, EventKind::Other, text);
        e.id = Some(id.to_string());
        if what == "joined the server." {
            e.kind = EventKind::Join;
            e.subjects.push(author);
        } else if what == "left the group." {
            e.kind = EventKind::Leave;
            e.subjects.push(author);
        } else if what.starts_with("added ") {
            e.kind = EventKind::Join;
            e.subjects.extend(linked.map(Person::named));
            e.actor = Some(author);
        } else if what.starts_with("removed ") {
            e.kind = EventKind::Kick;
            e.subjects.extend(linked.map(Person::named));
            e.actor = Some(author);
        } else if what.starts_with("pinned ") {
            e.kind = EventKind::Pin;
            e.target = block
                .split("href=\"#chatlog__message-container-")
                .nth(1)
                .map(|r| r.chars().take_while(char::is_ascii_digit).collect::<String>())
                .filter(|t| !t.is_empty() && t != id);
            e.actor = Some(author);
        } else if let Some(name) = what.strip_prefix("changed the channel name: ") {
            e.kind = EventKind::Rename;
            e.detail = Some(name.to_string());
            e.actor = Some(author);
        } else {
            e.detail = Some(what);
            e.actor = Some(author);
        }
        self.sink.push(Record::Event { group: 0, event: e }).or_closed(self.path)
    }
}

/// A snowflake's creation time: its bits above 22 are milliseconds since Discord's epoch.
fn snowflake_time(id: &str) -> Option<Stamp> {
    let n: u64 = id.parse().ok()?;
    let ms = i64::try_from(n >> 22).ok()? + DISCORD_EPOCH_MS;
    Some(Stamp::from_unix_ms(ms))
}

/// The text between the first `from` and the next `to` after it.
fn between<'h>(html: &'h str, from: &str, to: &str) -> Option<&'h str> {
    let at = html.find(from)? + from.len();
    let len = html[at..].find(to)?;
    Some(&html[at..at + len])
}

/// The person a `<span class="{class}" title="full name" data-user-id="…">nick</span>` names.
/// The shown name is the nickname; a legacy `#1234` tag in the title is kept, as the JSON
/// import writes it.
fn span_person(block: &str, class: &str) -> Option<Person> {
    let open = format!("<span class=\"{class}\"");
    let at = block.find(&open)?;
    let tag_end = at + block[at..].find('>')?;
    let tag = &block[at..tag_end];
    let len = block[tag_end + 1..].find("</span>")?;
    let shown = text_of(&block[tag_end + 1..tag_end + 1 + len]);
    let tagged = attr(tag, "title")
        .and_then(|t| t.rsplit_once('#').map(|(_, d)| d.to_string()))
        .filter(|d| d.len() == 4 && d.chars().all(|c| c.is_ascii_digit()) && d != "0000");
    let name = match tagged {
        Some(d) => format!("{shown}#{d}"),
        None => shown,
    };
    Some(Person { platform_id: attr(tag, "data-user-id").filter(|i| !i.is_empty()), name, ..Person::default() })
}

/// The id in the reply's `scrollToMessage(event, '<id>')`.
fn scrolled_to(block: &str) -> Option<String> {
    let rest = block.split("scrollToMessage(event, ").nth(1)?;
    let rest = rest.trim_start_matches(['\'', '"']).trim_start_matches("&#39;").trim_start_matches("&#x27;");
    let id: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (!id.is_empty()).then_some(id)
}

/// The message's own text (between the markers DCE puts around rendered markdown) and the
/// people and roles it mentions by name (the page gives mentions no ids).
fn content(block: &str) -> (String, Vec<Mention>) {
    let Some(at) = block.find("class=\"chatlog__content") else {
        return (String::new(), Vec::new());
    };
    let rest = &block[at..];
    let inner = match between(rest, "<!--wmm:ignore-->", "<!--/wmm:ignore-->") {
        Some(inner) => inner,
        None => {
            let start = rest.find('>').map_or(0, |g| g + 1);
            let end =
                ["chatlog__edited-timestamp", "</div>"].iter().filter_map(|m| rest.find(m)).min().unwrap_or(rest.len());
            let end = rest[..end].rfind('<').filter(|e| *e >= start).unwrap_or(end.max(start));
            &rest[start..end]
        }
    };
    let mut mentions = Vec::new();
    for (m, _) in inner.match_indices("class=\"chatlog__markdown-mention\"") {
        let after = &inner[m..];
        let Some(gt) = after.find('>') else { continue };
        let Some(len) = after[gt + 1..].find("</span>") else { continue };
        let shown = text_of(&after[gt + 1..gt + 1 + len]);
        match shown.strip_prefix('@') {
            Some("everyone") | Some("here") => mentions.push(Mention::Everyone),
            Some(name) if !name.is_empty() => mentions.push(Mention::Member(Person::named(name))),
            _ => {}
        }
    }
    (text_of(inner), mentions)
}

/// Each attachment's file name and kind: `title="Image: name (size)"` on media, the link
/// text in a generic file box.
fn attachments(block: &str) -> Vec<(String, MessageKind)> {
    let starts: Vec<usize> = block
        .match_indices("class=\"chatlog__attachment")
        .filter(|(at, m)| matches!(block[at + m.len()..].chars().next(), Some('"' | ' ')))
        .map(|(at, _)| at)
        .collect();
    let mut out = Vec::new();
    for (i, start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(block.len());
        let part = &block[*start..end];
        let titled = [
            ("title=\"Image: ", MessageKind::Image),
            ("title=\"Video: ", MessageKind::Video),
            ("title=\"Audio: ", MessageKind::Voice),
        ]
        .into_iter()
        .find_map(|(key, kind)| {
            let at = part.find(key)? + key.len();
            let len = part[at..].find('"')?;
            let title = super::html_text::decode(&part[at..at + len]);
            let name = title.rsplit_once(" (").map_or(title.as_str(), |(n, _)| n).to_string();
            Some((name, kind))
        });
        let named = titled.or_else(|| {
            let inner = between(part, "class=\"chatlog__attachment-generic-name\"", "</div>")?;
            let name = text_of(inner.split_once('>').map_or(inner, |(_, r)| r));
            let kind = kind_of_file(&name);
            Some((name, kind))
        });
        if let Some(found) = named {
            out.push(found);
        }
    }
    out
}

/// A short title for each embed: its title, else its author, else its description.
fn embeds(block: &str) -> Vec<String> {
    let starts: Vec<usize> = block.match_indices("<div class=\"chatlog__embed\"").map(|(at, _)| at).collect();
    let mut out = Vec::new();
    for (i, start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(block.len());
        let part = &block[*start..end];
        let marked = |class: &str| {
            let at = part.find(class)?;
            between(&part[at..], "<!--wmm:ignore-->", "<!--/wmm:ignore-->").map(text_of)
        };
        let author = || {
            between(part, "<div class=\"chatlog__embed-author\"", "</div>")
                .map(|inner| text_of(inner.split_once('>').map_or(inner, |(_, r)| r)))
        };
        let title = marked("chatlog__embed-title")
            .or_else(author)
            .or_else(|| marked("chatlog__embed-description"))
            .filter(|t| !t.is_empty())
            .map(|t| t.lines().next().unwrap_or("").to_string());
        let media = if part.contains("chatlog__embed-generic-image") || part.contains("chatlog__embed-image") {
            "image"
        } else if part.contains("video") || part.contains("youtube") {
            "video"
        } else {
            "link"
        };
        out.push(title.unwrap_or_else(|| media.to_string()));
    }
    out
}

/// Sticker names (`<div class="chatlog__sticker" title="name">`).
fn stickers(block: &str) -> Vec<String> {
    block
        .match_indices("<div class=\"chatlog__sticker\"")
        .filter_map(|(at, _)| {
            let end = at + block[at..].find('>')?;
            attr(&block[at..end], "title")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snowflakes_carry_their_time() {
        // 175928847299117063 is Discord's documented example: 2016-04-30T11:18:25.796Z.
        let s = snowflake_time("175928847299117063").unwrap();
        assert_eq!(s.to_datetime().timestamp_millis(), 1_462_015_105_796);
        assert!(!s.zone_inferred);
        assert!(snowflake_time("abc").is_none());
    }

    #[test]
    fn authors_keep_their_legacy_tag() {
        let p = span_person(
            "<span class=\"chatlog__author\" style=\"\" title=\"bob#1234\" data-user-id=\"2\">Bob</span>",
            "chatlog__author",
        )
        .unwrap();
        assert_eq!((p.platform_id.as_deref(), p.name.as_str()), (Some("2"), "Bob#1234"));
        let p = span_person(
            "<span class=\"chatlog__author\" title=\"ann\" data-user-id=\"3\">Ann</span>",
            "chatlog__author",
        )
        .unwrap();
        assert_eq!(p.name, "Ann");
    }
}
