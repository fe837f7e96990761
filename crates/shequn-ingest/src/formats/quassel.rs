//! Quassel's core database (`quassel-storage.sqlite`, the SQLite backend). Quassel writes no
//! log files and has no export: what a Quassel user has is the core's backlog, so that is
//! what is read. Tables as quassel/quassel's `src/core/SQL/SQLite/setup_*.sql` create them:
//! `backlog (messageid, time, bufferid, type, flags, senderid, senderprefixes, message)`,
//! `sender (senderid, sender = nick!user@host, realname, avatarurl)`, `buffer (bufferid,
//! networkid, buffername, buffertype, …)`, `network (networkid, networkname, …)`; older
//! cores lack `senderprefixes`, `realname` and `avatarurl`, which are not needed.
//!
//! Each channel buffer (`buffertype` 2) is a group keyed like the IRC logs' (`#chan`, in
//! lower case; `network/#chan` when two networks share the name); query buffers (4) are
//! direct conversations; status buffers are passed over. `time` is Unix seconds in older
//! cores and milliseconds since 0.13: a value above 10^11 is read as milliseconds. Message
//! types are Quassel's `Message::Type` bits: plain, notice and action are messages; nick,
//! join, part, quit, kick and topic are events; server, info, error, mode and day-change
//! lines are passed over.

use std::collections::HashMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};
use shequn_model::{EventKind, GroupInfo, GroupKind, Message, Person, Platform, Record, Sink, Stamp, SystemEvent};

use crate::{Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct QuasselDb;

/// `Message::Type` bits (quassel `src/common/message.h`).
mod kind {
    pub const PLAIN: i64 = 0x00001;
    pub const NOTICE: i64 = 0x00002;
    pub const ACTION: i64 = 0x00004;
    pub const NICK: i64 = 0x00008;
    pub const JOIN: i64 = 0x00020;
    pub const PART: i64 = 0x00040;
    pub const QUIT: i64 = 0x00080;
    pub const KICK: i64 = 0x00100;
    pub const TOPIC: i64 = 0x04000;
    pub const NETSPLIT_JOIN: i64 = 0x08000;
    pub const NETSPLIT_QUIT: i64 = 0x10000;
}

/// `BufferInfo::Type` values.
const CHANNEL_BUFFER: i64 = 0x02;
const QUERY_BUFFER: i64 = 0x04;

impl Format for QuasselDb {
    fn name(&self) -> &'static str {
        "quassel"
    }

    fn description(&self) -> &'static str {
        "Quassel core database (quassel-storage.sqlite): every channel's backlog, joins/parts/quits/kicks/nicks/topics"
    }

    fn sniff(&self, probe: &Probe) -> Score {
        let head = probe.head;
        let has = |needle: &[u8]| head.windows(needle.len()).any(|w| w == needle);
        if head.starts_with(b"SQLite format 3\0") && has(b"quasseluser") && has(b"backlog") && has(b"buffercname") {
            95
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, _opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let db = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX)
            .map_err(|e| sql_error(path, "open", &e))?;
        let slots = declare_buffers(path, &db, sink)?;
        let mut stmt = db
            .prepare(
                "SELECT b.messageid, b.time, b.bufferid, b.type, s.sender, b.message \
                 FROM backlog b LEFT JOIN sender s ON s.senderid = b.senderid \
                 ORDER BY b.bufferid, b.messageid",
            )
            .map_err(|e| sql_error(path, "read backlog", &e))?;
        let mut rows = stmt.query([]).map_err(|e| sql_error(path, "read backlog", &e))?;
        while let Some(row) = rows.next().map_err(|e| sql_error(path, "read backlog", &e))? {
            let get = |e: rusqlite::Error| sql_error(path, "read a backlog row", &e);
            let id: i64 = row.get(0).map_err(get)?;
            let time: i64 = row.get(1).map_err(get)?;
            let buffer: i64 = row.get(2).map_err(get)?;
            let kind: i64 = row.get(3).map_err(get)?;
            let sender: Option<String> = row.get(4).map_err(get)?;
            let text: Option<String> = row.get(5).map_err(get)?;
            let Some(&group) = slots.get(&buffer) else { continue };
            let at = || format!("backlog messageid {id}");
            let time = stamp(time).ok_or_else(|| {
                ParseError::new(path, format!("time {time} is not a Unix time / 时间不是 Unix 时间")).at(at())
            })?;
            let nick = nick_of(sender.as_deref().unwrap_or(""));
            let text = text.unwrap_or_default();
            if let Some(record) = record(group, id, time, kind, nick, text) {
                sink.push(record).or_closed(path)?;
            }
        }
        Ok(())
    }
}

fn sql_error(path: &Path, what: &str, e: &rusqlite::Error) -> ParseError {
    ParseError::new(path, format!("cannot {what} in the Quassel database: {e} / 无法读取 Quassel 数据库")).hint(
        "the file must be quasselcore's SQLite storage (quassel-storage.sqlite), copied while the core is stopped",
    )
}

/// Declares one group per channel and query buffer; returns each buffer's group slot.
fn declare_buffers(path: &Path, db: &Connection, sink: &mut dyn Sink) -> Result<HashMap<i64, u32>, ParseError> {
    let mut stmt = db
        .prepare(
            "SELECT bu.bufferid, bu.buffername, bu.buffertype, COALESCE(n.networkname, '') \
             FROM buffer bu LEFT JOIN network n ON n.networkid = bu.networkid ORDER BY bu.bufferid",
        )
        .map_err(|e| sql_error(path, "read buffers", &e))?;
    let buffers: Vec<(i64, String, i64, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .and_then(|rows| rows.collect())
        .map_err(|e| sql_error(path, "read buffers", &e))?;
    let wanted: Vec<_> = buffers.iter().filter(|b| b.2 == CHANNEL_BUFFER || b.2 == QUERY_BUFFER).collect();
    let mut slots = HashMap::new();
    for (bufferid, name, kind, network) in &wanted {
        let shared = wanted.iter().filter(|o| o.1.eq_ignore_ascii_case(name)).count() > 1;
        let key = if shared { format!("{network}/{name}") } else { name.clone() };
        let group_kind = if *kind == CHANNEL_BUFFER { GroupKind::Group } else { GroupKind::Direct };
        sink.push(Record::Group(GroupInfo {
            platform: Platform::Irc,
            platform_id: key.to_lowercase(),
            name: name.clone(),
            kind: group_kind,
            member_count: None,
        }))
        .or_closed(path)?;
        let slot = slots.len() as u32;
        let note = format!("read from a Quassel core database (network {network}); times are the core's, in UTC");
        sink.push(Record::Note { group: slot, text: note }).or_closed(path)?;
        slots.insert(*bufferid, slot);
    }
    Ok(slots)
}

/// Seconds before Quassel 0.13, milliseconds after.
fn stamp(time: i64) -> Option<Stamp> {
    if time <= 0 {
        return None;
    }
    let ms = if time > 100_000_000_000 { time } else { time.checked_mul(1000)? };
    Some(Stamp::from_unix_ms(ms))
}

/// `nick!user@host` → `nick`.
fn nick_of(sender: &str) -> &str {
    sender.split('!').next().unwrap_or(sender)
}

fn record(group: u32, id: i64, time: Stamp, kind: i64, nick: &str, text: String) -> Option<Record> {
    let person = Person::named(nick);
    if kind & (kind::PLAIN | kind::NOTICE | kind::ACTION) != 0 {
        if text.trim().is_empty() {
            return None;
        }
        let message = Message { id: Some(id.to_string()), time, sender: person, text, ..Message::default() };
        return Some(Record::Message { group, message });
    }
    let mut e = SystemEvent::new(time, EventKind::Other, text.clone());
    e.id = Some(id.to_string());
    if kind & (kind::JOIN | kind::NETSPLIT_JOIN) != 0 {
        e.kind = EventKind::Join;
        e.subjects.push(person);
    } else if kind & (kind::PART | kind::QUIT | kind::NETSPLIT_QUIT) != 0 {
        e.kind = EventKind::Leave;
        e.subjects.push(person);
        e.detail = (!text.is_empty()).then_some(text);
    } else if kind & kind::KICK != 0 {
        // The message is `<kicked nick> <reason>`.
        let (victim, reason) = text.split_once(' ').unwrap_or((&text, ""));
        e.kind = EventKind::Kick;
        e.subjects.push(Person::named(victim));
        e.actor = Some(person);
        e.detail = (!reason.is_empty()).then(|| reason.to_string());
    } else if kind & kind::NICK != 0 {
        e.kind = EventKind::NickChange;
        e.subjects.push(person);
        e.detail = Some(text);
    } else if kind & kind::TOPIC != 0 {
        // The core writes `<nick> has changed topic for <#chan> to: "<topic>"`.
        e.kind = EventKind::Topic;
        match text
            .split_once(" has changed topic for ")
            .and_then(|(who, rest)| Some((who, rest.split_once(" to: ")?.1)))
        {
            Some((who, topic)) => {
                e.actor = Some(Person::named(who));
                e.detail = Some(topic.trim_matches('"').to_string());
            }
            None => e.detail = Some(text),
        }
    } else {
        return None;
    }
    Some(Record::Event { group, event: e })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_and_milliseconds() {
        assert_eq!(stamp(1_600_000_000).unwrap().to_datetime().timestamp(), 1_600_000_000);
        assert_eq!(stamp(1_600_000_000_123).unwrap().to_datetime().timestamp_millis(), 1_600_000_000_123);
        assert!(stamp(0).is_none());
        assert_eq!(nick_of("ann!~a@host.example"), "ann");
    }
}
