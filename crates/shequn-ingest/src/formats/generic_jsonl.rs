//! The documented generic JSON Lines format: one message or event per line,
//! for anything shequn has no dedicated parser for (see `docs/generic-jsonl.md`).
//!
//! ```text
//! {"group":"读书会","time":"2024-03-01T20:00:00+08:00","sender":"Ann","text":"晚上好"}
//! {"group":"读书会","time":"2024-03-01T20:01:00+08:00","event":"join","sender":"Bob"}
//! ```

use std::collections::HashMap;
use std::path::Path;

use chrono::DateTime;
use serde::Deserialize;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, GroupSlot, MemberRole, Mention, Message, MessageKind, Person, Platform, Record,
    Sink, Stamp, SystemEvent,
};

use crate::{Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct GenericJsonl;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    group: String,
    #[serde(default)]
    group_name: Option<String>,
    time: String,
    #[serde(default)]
    platform: Option<String>,
    #[serde(default)]
    sender: Option<String>,
    #[serde(default)]
    sender_id: Option<String>,
    #[serde(default)]
    sender_role: Option<String>,
    #[serde(default)]
    bot: bool,
    #[serde(default)]
    text: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    reply_to: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    event: Option<String>,
    /// For events: who it happened to (names), when not the sender.
    #[serde(default)]
    subjects: Vec<String>,
    /// Stable ids of `subjects`, in the same order (links them to their messages).
    #[serde(default)]
    subject_ids: Vec<String>,
    #[serde(default)]
    mentions: Vec<String>,
    /// Red packet or transfer amount in yuan (or the currency's main unit).
    #[serde(default)]
    amount: Option<f64>,
    #[serde(default)]
    forwarded: bool,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    target: Option<String>,
}

impl Format for GenericJsonl {
    fn name(&self) -> &'static str {
        "jsonl"
    }

    fn description(&self) -> &'static str {
        "shequn generic JSON Lines: one {\"group\",\"time\",\"sender\",\"text\"} object per line"
    }

    fn sniff(&self, probe: &Probe) -> Score {
        let text = probe.head_text();
        let Some(first) = text.lines().find(|l| !l.trim().is_empty()) else {
            return 0;
        };
        match serde_json::from_str::<serde_json::Value>(first) {
            Ok(serde_json::Value::Object(map)) if map.contains_key("group") && map.contains_key("time") => 60,
            _ => 0,
        }
    }

    fn parse(&self, input: &Input, _opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let mut lines = input.lines()?;
        let mut groups = GroupSlots::new();
        while let Some((no, raw)) = lines.next_line()? {
            parse_line(raw, no, path, &mut groups, sink)?;
        }
        Ok(())
    }
}

/// The groups declared so far, by platform and `group`.
pub type GroupSlots = HashMap<(Platform, String), GroupSlot>;

/// Reads text in this format that did not come from a file (the live service's signed
/// webhook): `label` names the request in errors, as a path names a file.
pub fn parse_text(text: &str, label: &Path, sink: &mut dyn Sink) -> Result<(), ParseError> {
    let mut groups = GroupSlots::new();
    for (i, raw) in text.lines().enumerate() {
        parse_line(raw, i as u64 + 1, label, &mut groups, sink)?;
    }
    Ok(())
}

/// One line: a group record the first time its group is named, then the message or event.
fn parse_line(raw: &str, no: u64, path: &Path, groups: &mut GroupSlots, sink: &mut dyn Sink) -> Result<(), ParseError> {
    if raw.trim().is_empty() {
        return Ok(());
    }
    let at = || format!("line {no}");
    let line: Line = serde_json::from_str(raw).map_err(|e| {
        ParseError::new(path, format!("not a shequn JSON Lines record: {e}"))
            .at(at())
            .hint("each line needs at least \"group\", \"time\" (RFC 3339) and \"sender\"")
    })?;
    let platform = match &line.platform {
        None => Platform::Generic,
        Some(p) => Platform::parse(p).ok_or_else(|| {
            ParseError::new(path, format!("unknown platform {p:?}"))
                .at(at())
                .hint(format!("use one of: {}", Platform::ALL.map(|p| p.as_str()).join(", ")))
        })?,
    };
    let time = DateTime::parse_from_rfc3339(&line.time).map_err(|e| {
        ParseError::new(path, format!("\"time\" {:?} is not RFC 3339: {e}", line.time))
            .at(at())
            .hint("write times like 2024-03-01T20:00:00+08:00")
    })?;
    let time = Stamp::from_datetime(&time);
    let next_slot = groups.len() as GroupSlot;
    let group = *match groups.entry((platform, line.group.clone())) {
        std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
        std::collections::hash_map::Entry::Vacant(v) => {
            sink.push(Record::Group(GroupInfo {
                platform,
                platform_id: line.group.clone(),
                name: line.group_name.clone().unwrap_or_else(|| line.group.clone()),
                kind: GroupKind::Group,
                member_count: None,
            }))
            .or_closed(path)?;
            v.insert(next_slot)
        }
    };
    let sender = line.sender.as_ref().map(|name| Person {
        platform_id: line.sender_id.clone(),
        name: name.clone(),
        is_bot: line.bot,
        role: line.sender_role.as_deref().and_then(MemberRole::parse),
        title: None,
    });
    let amount_cents = line.amount.map(|a| (a * 100.0).round() as i64);
    let record = if let Some(ev) = &line.event {
        let kind = EventKind::parse(ev).ok_or_else(|| {
            ParseError::new(path, format!("unknown event {ev:?}"))
                .at(at())
                .hint(format!("use one of: {}", EventKind::ALL.map(|k| k.as_str()).join(", ")))
        })?;
        let mut event = SystemEvent::new(time, kind, line.text.clone());
        event.id = line.id.clone();
        event.subjects = line
            .subjects
            .iter()
            .enumerate()
            .map(|(i, name)| match line.subject_ids.get(i) {
                Some(id) => Person::with_id(id.clone(), name.clone()),
                None => Person::named(name),
            })
            .collect();
        // A join or leave with no subjects concerns the sender.
        if event.subjects.is_empty() && matches!(kind, EventKind::Join | EventKind::Leave) {
            event.subjects.extend(sender.clone());
        } else {
            event.actor = sender.clone();
        }
        event.detail = line.detail.clone();
        event.target = line.target.clone();
        event.amount_cents = amount_cents;
        Record::Event { group, event }
    } else {
        let sender = sender.ok_or_else(|| {
            ParseError::new(path, "a message needs a \"sender\"")
                .at(at())
                .hint("add \"sender\", or \"event\" if this line is a join/leave")
        })?;
        let kind = match &line.kind {
            None => MessageKind::Text,
            Some(k) => MessageKind::parse(k).ok_or_else(|| {
                ParseError::new(path, format!("unknown kind {k:?}"))
                    .at(at())
                    .hint(format!("use one of: {}", MessageKind::ALL.map(|k| k.as_str()).join(", ")))
            })?,
        };
        let mentions = line
            .mentions
            .iter()
            .map(|m| match m.as_str() {
                "all" | "everyone" | "全体成员" => Mention::Everyone,
                name => Mention::Member(Person::named(name)),
            })
            .collect();
        Record::Message {
            group,
            message: Message {
                id: line.id,
                time,
                sender,
                text: line.text,
                kind,
                amount_cents,
                reply_to: line.reply_to,
                mentions,
                forwarded: line.forwarded,
                edited: None,
                relayed: None,
            },
        }
    };
    sink.push(record).or_closed(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn parse(text: &str) -> Result<Vec<Record>, ParseError> {
        let mut f = tempfile::NamedTempFile::new().unwrap();
        f.write_all(text.as_bytes()).unwrap();
        let mut out = Vec::new();
        GenericJsonl.parse(&Input::new(f.path()), &ParseOptions::default(), &mut out)?;
        Ok(out)
    }

    #[test]
    fn messages_and_events_in_two_groups() {
        let recs = parse(concat!(
            r#"{"group":"a","time":"2024-03-01T20:00:00+08:00","sender":"Ann","text":"hi","id":"1"}"#,
            "\n",
            r#"{"group":"b","time":"2024-03-01T20:00:05+08:00","sender":"Bob","event":"join"}"#,
            "\n",
            r#"{"group":"a","time":"2024-03-01T20:01:00+08:00","sender":"Cid","text":"yo","reply_to":"1","amount":6.66,"kind":"red_packet"}"#,
        ))
        .unwrap();
        assert_eq!(recs.len(), 5);
        assert!(matches!(&recs[2], Record::Group(g) if g.name == "b"));
        match &recs[3] {
            Record::Event { group: 1, event } => {
                assert_eq!(event.kind, EventKind::Join);
                assert_eq!(event.subjects[0].name, "Bob");
            }
            other => panic!("expected a join event, got {other:?}"),
        }
        match &recs[4] {
            Record::Message { group: 0, message } => {
                assert_eq!(message.reply_to.as_deref(), Some("1"));
                assert_eq!(message.amount_cents, Some(666));
                assert_eq!(message.time.offset_s, 8 * 3600);
            }
            other => panic!("expected a message, got {other:?}"),
        }
    }

    #[test]
    fn subject_ids_give_event_subjects_their_ids() {
        let recs = parse(
            r#"{"group":"a","time":"2024-03-01T20:00:00+08:00","sender":"Op","sender_id":"o1","event":"kick","subjects":["Bob","Cid"],"subject_ids":["b1"]}"#,
        )
        .unwrap();
        match &recs[1] {
            Record::Event { event, .. } => {
                assert_eq!(event.subjects[0].platform_id.as_deref(), Some("b1"));
                assert_eq!(event.subjects[1].platform_id, None, "no id given for the second subject");
                assert_eq!(event.actor.as_ref().and_then(|a| a.platform_id.as_deref()), Some("o1"));
            }
            other => panic!("expected an event, got {other:?}"),
        }
    }

    #[test]
    fn bad_time_names_the_line() {
        let err = parse("{\"group\":\"a\",\"time\":\"x\",\"sender\":\"s\"}\n\n{\"group\":\"a\",\"time\":\"yesterday\",\"sender\":\"s\"}").unwrap_err();
        assert_eq!(err.location.as_deref(), Some("line 1"));
        assert!(err.message.contains("RFC 3339"), "{}", err.message);
    }

    #[test]
    fn message_without_sender_is_an_error() {
        let err = parse(r#"{"group":"a","time":"2024-03-01T20:00:00Z","text":"?"}"#).unwrap_err();
        assert!(err.message.contains("sender"));
    }
}
