//! What classic PC QQ exports (`.txt` and `.mht`) share: the sender text
//! `【管理员】昵称(QQ号)`, body kinds (`[图片]`, `[QQ红包]`) and inline @mentions.
//! CN-FORMATS.md §1.1–1.2.

use std::collections::HashMap;
use std::sync::OnceLock;

use regex::Regex;
use shequn_model::{GroupInfo, GroupKind, GroupSlot, MemberRole, Mention, MessageKind, Person, Platform, Record, Sink};

use super::cn_system::{zone_note, NameBook};
use crate::{ParseError, SinkResultExt};

/// A parsed sender: a person, or the system (`系统消息(10000)`).
pub enum Sender {
    System,
    Member(Person),
}

/// Parses `【管理员】昵称(QQ号)`, `昵称<email>`, `(800039595)` or a bare nickname.
pub fn parse_sender(raw: &str) -> Sender {
    static TITLES: OnceLock<Regex> = OnceLock::new();
    static ID: OnceLock<Regex> = OnceLock::new();
    let titles_re = TITLES.get_or_init(|| Regex::new(r"^(?:【([^】]*)】\s*)").expect("valid"));
    let id_re = ID.get_or_init(|| Regex::new(r"^(.*?)(?:\(([^()]*)\)|<([^<>]*)>)\s*$").expect("valid"));
    let mut rest = raw.trim();
    let mut titles = Vec::new();
    while let Some(c) = titles_re.captures(rest) {
        titles.push(c[1].to_string());
        rest = &rest[c.get(0).map_or(0, |m| m.end())..];
    }
    let (name, id) = match id_re.captures(rest) {
        Some(c) => (
            c[1].trim().to_string(),
            c.get(2).or(c.get(3)).map(|m| m.as_str().trim().to_string()).filter(|s| !s.is_empty()),
        ),
        None => (rest.to_string(), None),
    };
    if name == "系统消息" && matches!(id.as_deref(), Some("10000") | Some("1000000")) {
        return Sender::System;
    }
    let role = if titles.iter().any(|t| t == "群主") {
        Some(MemberRole::Owner)
    } else if titles.iter().any(|t| t == "管理员") {
        Some(MemberRole::Admin)
    } else {
        None
    };
    let name = if name.is_empty() { id.clone().unwrap_or_default() } else { name };
    Sender::Member(Person {
        platform_id: id,
        name,
        is_bot: false,
        role,
        title: (!titles.is_empty()).then(|| titles.join(" ")),
    })
}

/// The kind a classic QQ body shows by its placeholders.
pub fn body_kind(body: &str) -> MessageKind {
    let t = body.trim();
    if t.is_empty() {
        return MessageKind::Other;
    }
    if t.starts_with("[QQ红包]") {
        return MessageKind::RedPacket;
    }
    if t.starts_with("[闪照]") || only_tokens(t, "[图片]") {
        return MessageKind::Image;
    }
    if only_tokens(t, "[表情]") {
        return MessageKind::Sticker;
    }
    MessageKind::Text
}

fn only_tokens(t: &str, token: &str) -> bool {
    t.contains(token) && t.replace(token, "").trim().is_empty()
}

/// `@全体成员` and @names of members seen before in this group.
pub fn mentions(body: &str, book: &NameBook) -> Vec<Mention> {
    static AT: OnceLock<Regex> = OnceLock::new();
    let at = AT.get_or_init(|| Regex::new(r"@([^\s@]+)").expect("valid"));
    let mut out = Vec::new();
    for c in at.captures_iter(body) {
        let name = &c[1];
        let m = if name.starts_with("全体成员") {
            Mention::Everyone
        } else if let Some(p) = book.get(name) {
            Mention::Member(p.clone())
        } else {
            continue;
        };
        if !out.contains(&m) {
            out.push(m);
        }
    }
    out
}

/// The group kind a `消息分组` value implies: group folders name 群 or 多人聊天.
pub fn kind_of_folder(folder: Option<&str>) -> GroupKind {
    match folder {
        None => GroupKind::Group,
        Some(f) if f.contains('群') || f.contains("多人聊天") => GroupKind::Group,
        Some(_) => GroupKind::Direct,
    }
}

/// Groups of one classic export by their `消息对象` name, each declared once with its zone note.
#[derive(Default)]
pub struct Conversations {
    slots: HashMap<String, GroupSlot>,
    pub books: Vec<NameBook>,
}

impl Conversations {
    pub fn open(
        &mut self,
        sink: &mut dyn Sink,
        path: &std::path::Path,
        name: &str,
        kind: GroupKind,
        zone: chrono::FixedOffset,
    ) -> Result<GroupSlot, ParseError> {
        if let Some(slot) = self.slots.get(name) {
            return Ok(*slot);
        }
        let slot = self.slots.len() as GroupSlot;
        sink.push(Record::Group(GroupInfo {
            platform: Platform::Qq,
            platform_id: name.to_string(),
            name: name.to_string(),
            kind,
            member_count: None,
        }))
        .or_closed(path)?;
        sink.push(Record::Note { group: slot, text: zone_note(zone) }).or_closed(path)?;
        self.slots.insert(name.to_string(), slot);
        self.books.push(NameBook::default());
        Ok(slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(raw: &str) -> Person {
        match parse_sender(raw) {
            Sender::Member(p) => p,
            Sender::System => panic!("{raw} parsed as system"),
        }
    }

    #[test]
    fn titles_are_kept_apart_from_names() {
        let p = member("【管理员】成员014(800118785)");
        assert_eq!((p.name.as_str(), p.platform_id.as_deref()), ("成员014", Some("800118785")));
        assert_eq!((p.role, p.title.as_deref()), (Some(MemberRole::Admin), Some("管理员")));
        let o = member("【群主】【金】甲<a@b.com>");
        assert_eq!(
            (o.role, o.title.as_deref(), o.platform_id.as_deref()),
            (Some(MemberRole::Owner), Some("群主 金"), Some("a@b.com"))
        );
    }

    #[test]
    fn last_parenthesis_is_the_id() {
        let p = member("名字(带(嵌套)括号) (0012345)");
        assert_eq!(p.platform_id.as_deref(), Some("0012345"));
        assert_eq!(member("(800039595)").name, "800039595");
        assert!(matches!(parse_sender("系统消息(10000)"), Sender::System));
        assert_eq!(member("Victor.Woo").platform_id, None);
    }
}
