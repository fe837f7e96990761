//! WechatExporter (BlueMatthew/WechatExporter: an iTunes/Finder backup of an iPhone → one file
//! per chat) in its TXT output. Written from its templates, there being no real sample:
//! `res/templates_txt/frame.html` (`<chat name> - 微信聊天记录`, a blank line, the body),
//! `msg.html` (`NAME (TIME):MESSAGE`; a message's further lines follow as they are),
//! `image.html`/`video.html`/`emoji.html`/`audio.html` (`[Photo]`, `[Video]`, `[Emoji]` in the
//! UI's language, `[音频]`), `transfer.html`, `refer.html` (a quote `「name：text」`, a dashed
//! line, the reply) and `system.html` (`系统消息：…`, no name or time). `TIME` is
//! `core/Utils.cpp` `fromUnixTime`: `%Y-%m-%d %H:%M:%S` in the exporting computer's zone
//! (older releases `%Y-%m-%d %I:%M:%S %p`). The file is named after the chat's id
//! (`<id>@chatroom.txt` for a group), which keys the group.
//!
//! Senders are display names (the TXT has no wxid); times are read in UTC+8 unless `--zone`
//! and flagged as assumed; a system line takes the time of the message before it.

use std::sync::OnceLock;

use chrono::NaiveDateTime;
use regex::Regex;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, Message, MessageKind, Person, Platform, Record, Sink, Stamp, SystemEvent,
};

use crate::{china_zone, Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct WechatExporterTxt;

const TITLE_SUFFIX: &str = " - 微信聊天记录";
const SYSTEM_PREFIX: &str = "系统消息：";

fn header() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(.+?) \((\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?: [AP]M)?)\):(.*)$").expect("valid regex")
    })
}

impl Format for WechatExporterTxt {
    fn name(&self) -> &'static str {
        "wechatexporter-txt"
    }

    fn description(&self) -> &'static str {
        "WechatExporter (iOS backup) TXT: `群名 - 微信聊天记录`, then `名字 (2023-05-01 12:00:00):text`"
    }

    fn sniff(&self, probe: &Probe) -> Score {
        let head = probe.head_text();
        let mut lines = head.lines();
        let title = lines.next().unwrap_or("").trim_end_matches('\r');
        if !title.ends_with(TITLE_SUFFIX) {
            return 0;
        }
        if lines.take(50).any(|l| header().is_match(l.trim_end_matches('\r'))) {
            95
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let zone = opts.zone_or(china_zone());
        let mut lines = input.lines()?;
        let title = lines.next_line()?.map(|(_, l)| l.to_string()).unwrap_or_default();
        let Some(name) = title.strip_suffix(TITLE_SUFFIX) else {
            return Err(ParseError::new(
                path,
                format!(
                    "expected the title line `<chat> - 微信聊天记录`, saw {:?} / 第 1 行应为 `<聊天名> - 微信聊天记录`",
                    title.chars().take(60).collect::<String>()
                ),
            )
            .at("line 1")
            .hint("this is not a WechatExporter TXT file; check --format"));
        };
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or(name).to_string();
        let kind = if stem.ends_with("@chatroom") { GroupKind::Group } else { GroupKind::Direct };
        sink.push(Record::Group(GroupInfo {
            platform: Platform::Wechat,
            platform_id: stem,
            name: name.to_string(),
            kind,
            member_count: None,
        }))
        .or_closed(path)?;
        let note = format!(
            "WechatExporter TXT writes times in the exporting computer's zone without an offset: read as UTC{zone}; senders are display names"
        );
        sink.push(Record::Note { group: 0, text: note }).or_closed(path)?;

        let mut pending: Option<Message> = None;
        let mut last: Option<Stamp> = None;
        let flush = |pending: &mut Option<Message>, sink: &mut dyn Sink| -> Result<(), ParseError> {
            if let Some(mut m) = pending.take() {
                m.text = m.text.trim_end_matches('\n').to_string();
                m.kind = kind_of(&m.text);
                sink.push(Record::Message { group: 0, message: m }).or_closed(path)?;
            }
            Ok(())
        };
        while let Some((no, line)) = lines.next_line()? {
            if let Some(c) = header().captures(line) {
                flush(&mut pending, sink)?;
                let written = &c[2];
                let local = NaiveDateTime::parse_from_str(written, "%Y-%m-%d %H:%M:%S")
                    .or_else(|_| NaiveDateTime::parse_from_str(written, "%Y-%m-%d %I:%M:%S %p"))
                    .map_err(|_| {
                        ParseError::new(
                            path,
                            format!("expected a date such as 2023-05-01 12:00:00, saw {written:?} / 日期无法识别"),
                        )
                        .at(format!("line {no}"))
                    })?;
                let time = Stamp::from_local_assumed(local, zone);
                last = Some(time);
                pending = Some(Message {
                    time,
                    sender: Person::named(c[1].trim()),
                    text: c[3].to_string(),
                    ..Message::default()
                });
            } else if let Some(text) = line.strip_prefix(SYSTEM_PREFIX) {
                flush(&mut pending, sink)?;
                let Some(time) = last else {
                    return Err(ParseError::new(
                        path,
                        "a system line before any message gives it no time / 第一条消息之前的系统消息没有时间",
                    )
                    .at(format!("line {no}")));
                };
                sink.push(Record::Event { group: 0, event: system_event(text, time) }).or_closed(path)?;
            } else if let Some(m) = pending.as_mut() {
                m.text.push('\n');
                m.text.push_str(line);
            } else if !line.trim().is_empty() {
                return Err(ParseError::new(
                    path,
                    format!(
                        "expected `name (YYYY-MM-DD HH:MM:SS):text`, saw {:?} / 应为 `名字 (时间):内容`",
                        line.chars().take(60).collect::<String>()
                    ),
                )
                .at(format!("line {no}")));
            }
        }
        flush(&mut pending, sink)
    }
}

/// The media placeholders of the templates, in English and Chinese UIs.
fn kind_of(text: &str) -> MessageKind {
    match text.trim() {
        "[Photo]" | "[图片]" => MessageKind::Image,
        "[Video]" | "[视频]" => MessageKind::Video,
        "[音频]" | "[Audio]" | "[语音]" => MessageKind::Voice,
        "[Emoji]" | "[表情]" | "[动画表情]" => MessageKind::Sticker,
        t if t.starts_with("Weixin Transfer") || t.starts_with("微信转账") => MessageKind::Transfer,
        _ => MessageKind::Text,
    }
}

/// WeChat's own system texts: joins by invitation or QR code, leaves aren't written by WeChat.
fn system_event(text: &str, time: Stamp) -> SystemEvent {
    let mut e = SystemEvent::new(time, EventKind::Other, text);
    let unquote = |s: &str| s.trim().trim_matches(|c| c == '"' || c == '“' || c == '”').to_string();
    if let Some((actor, rest)) = text.split_once("邀请") {
        if let Some(invited) = rest.strip_suffix("加入了群聊") {
            e.kind = EventKind::Join;
            e.actor = Some(Person::named(unquote(actor)));
            e.subjects = invited.split('、').map(|n| Person::named(unquote(n))).collect();
            e.detail = Some("invited".into());
        }
    } else if let Some((who, _)) = text.split_once("通过扫描") {
        e.kind = EventKind::Join;
        e.subjects.push(Person::named(unquote(who)));
        e.detail = Some("qr".into());
    } else if let Some(who) = text.strip_suffix("撤回了一条消息") {
        e.kind = EventKind::Recall;
        e.actor = Some(Person::named(unquote(who)));
    } else if let Some((_, name)) = text.split_once("修改群名为") {
        e.kind = EventKind::Rename;
        e.detail = Some(unquote(name));
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_both_clock_styles() {
        let c = header().captures("小明 (2023-05-01 12:00:00):你好").unwrap();
        assert_eq!((&c[1], &c[2], &c[3]), ("小明", "2023-05-01 12:00:00", "你好"));
        assert!(header().is_match("Bo (2021-01-02 03:04:05 PM):[Photo]"));
        assert!(!header().is_match("2023-05-01 12:00:00 小明"));
    }

    #[test]
    fn system_texts() {
        let t = Stamp::default();
        let e = system_event("\"小红\"邀请\"小明\"、\"小刚\"加入了群聊", t);
        assert_eq!((e.kind, e.subjects.len()), (EventKind::Join, 2));
        assert_eq!(e.subjects[1].name, "小刚");
        assert_eq!(system_event("\"小明\"撤回了一条消息", t).kind, EventKind::Recall);
    }
}
