//! Writes a portfolio as one Telegram Desktop full-account export (`result.json`
//! with `chats.list[]`), streamed group by group so 10M messages never sit in memory.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use chrono::{DateTime, FixedOffset};
use rayon::prelude::*;
use serde::Serialize;

use crate::generated::{EventKind, GroupData, Item, Kind};
use crate::plan::Portfolio;
use crate::simulate::generate;

/// What [`write_telegram_export`] wrote.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TelegramStats {
    pub chats: usize,
    pub messages: usize,
    pub service_messages: usize,
    pub bytes: u64,
}

const NOT_INCLUDED: &str = "(File not included. Change data exporting settings to download.)";

/// The chat id Telegram shows for a demo group.
pub fn chat_id(index: usize) -> u64 {
    1_500_000_000 + index as u64 * 37
}

#[derive(Serialize)]
#[serde(untagged)]
enum Text<'a> {
    Plain(&'a str),
    Parts(Vec<Part<'a>>),
}

#[derive(Serialize)]
#[serde(untagged)]
enum Part<'a> {
    Plain(&'a str),
    Entity {
        #[serde(rename = "type")]
        kind: &'static str,
        text: &'a str,
    },
}

#[derive(Serialize)]
struct Entity<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    text: &'a str,
}

#[derive(Serialize)]
struct Msg<'a> {
    id: u64,
    #[serde(rename = "type")]
    kind: &'static str,
    date: String,
    date_unixtime: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    from_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actor: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    actor_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    action: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    members: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    inviter: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to_message_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    photo: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    width: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    height: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sticker_emoji: Option<&'static str>,
    text: Text<'a>,
    text_entities: Vec<Entity<'a>>,
}

/// Splits text into plain runs and links (`http…`, `t.me/…`), as Telegram's entities do.
fn entities(text: &str) -> Vec<(&'static str, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    loop {
        let start = [rest.find("https://"), rest.find("http://"), rest.find("t.me/")].into_iter().flatten().min();
        let Some(start) = start else { break };
        let end = rest[start..]
            .find(|c: char| c.is_whitespace() || !c.is_ascii() || c == ',')
            .map(|e| start + e)
            .unwrap_or(rest.len());
        if start > 0 {
            out.push(("plain", &rest[..start]));
        }
        out.push(("link", &rest[start..end]));
        rest = &rest[end..];
    }
    if !rest.is_empty() || out.is_empty() {
        out.push(("plain", rest));
    }
    out
}

fn write_chat(g: &GroupData, w: &mut impl Write, first: bool, stats: &mut TelegramStats) -> io::Result<()> {
    let plan = &g.plan;
    let offset = FixedOffset::east_opt(plan.offset_s).expect("valid offset");
    let replies = plan.platform.records_replies();
    if !first {
        w.write_all(b",\n")?;
    }
    write!(
        w,
        "   {{\n    \"name\": {},\n    \"type\": \"private_supergroup\",\n    \"id\": {},\n    \"messages\": [",
        serde_json::to_string(&plan.name)?,
        chat_id(plan.index)
    )?;
    let user = |ix: usize| format!("user{}", g.members[ix].num);
    for (n, item) in g.items.iter().enumerate() {
        let t = item.time_ms();
        let local = DateTime::from_timestamp_millis(t).expect("valid time").with_timezone(&offset);
        let date = local.format("%Y-%m-%dT%H:%M:%S").to_string();
        let unix = (t / 1000).to_string();
        let msg = match item {
            Item::Message { id, sender, text, kind, reply_to, .. } => {
                stats.messages += 1;
                let m = &g.members[*sender];
                let parts = entities(text);
                let (photo, sticker) = (*kind == Kind::Image, *kind == Kind::Sticker);
                let shown = if photo || sticker { "" } else { text.as_str() };
                let text_field = if photo || sticker || (parts.len() == 1 && parts[0].0 == "plain") {
                    Text::Plain(shown)
                } else {
                    Text::Parts(
                        parts
                            .iter()
                            .map(
                                |&(k, s)| if k == "plain" { Part::Plain(s) } else { Part::Entity { kind: k, text: s } },
                            )
                            .collect(),
                    )
                };
                let ents = if shown.is_empty() {
                    Vec::new()
                } else {
                    parts.iter().map(|&(k, s)| Entity { kind: k, text: s }).collect()
                };
                Msg {
                    id: *id,
                    kind: "message",
                    date,
                    date_unixtime: unix,
                    from: Some(&m.name),
                    from_id: Some(user(*sender)),
                    actor: None,
                    actor_id: None,
                    action: None,
                    members: None,
                    inviter: None,
                    reply_to_message_id: if replies { *reply_to } else { None },
                    photo: photo.then_some(NOT_INCLUDED),
                    width: photo.then_some(960),
                    height: photo.then_some(1280),
                    file: sticker.then_some(NOT_INCLUDED),
                    media_type: sticker.then_some("sticker"),
                    sticker_emoji: sticker.then_some("😀"),
                    text: text_field,
                    text_entities: ents,
                }
            }
            Item::Event { id, kind, member, actor, .. } => {
                stats.service_messages += 1;
                let subject = &g.members[*member];
                let (action, actor_ix, members, inviter) = match (kind, actor) {
                    (EventKind::Join, Some(a)) => ("invite_members", *a, Some(vec![subject.name.as_str()]), None),
                    (EventKind::Join, None) => ("join_group_by_link", *member, None, Some("Group")),
                    (EventKind::Leave, _) => ("remove_members", *member, Some(vec![subject.name.as_str()]), None),
                    (EventKind::Kick, a) => {
                        ("remove_members", a.unwrap_or(*member), Some(vec![subject.name.as_str()]), None)
                    }
                };
                Msg {
                    id: *id,
                    kind: "service",
                    date,
                    date_unixtime: unix,
                    from: None,
                    from_id: None,
                    actor: Some(&g.members[actor_ix].name),
                    actor_id: Some(user(actor_ix)),
                    action: Some(action),
                    members,
                    inviter,
                    reply_to_message_id: None,
                    photo: None,
                    width: None,
                    height: None,
                    file: None,
                    media_type: None,
                    sticker_emoji: None,
                    text: Text::Plain(""),
                    text_entities: Vec::new(),
                }
            }
        };
        w.write_all(if n == 0 { b"\n     " } else { b",\n     " })?;
        serde_json::to_writer(&mut *w, &msg)?;
    }
    w.write_all(b"\n    ]\n   }")?;
    stats.chats += 1;
    Ok(())
}

/// Writes every group of `portfolio` as one chat of a Telegram Desktop full-account
/// export at `path`. Groups are generated in parallel batches and written in order,
/// so memory stays bounded by a batch of groups, not by the export.
pub fn write_telegram_export(portfolio: &Portfolio, path: &Path) -> io::Result<TelegramStats> {
    let file = File::create(path)?;
    let mut w = BufWriter::with_capacity(1 << 20, file);
    let mut stats = TelegramStats::default();
    w.write_all(
        b"{\n \"about\": \"Here is the data you requested. Remember: Telegram is ad free, it doesn't sell your data, and it doesn't use your data for ads. Telegram cares about your privacy.\",\n \"chats\": {\n  \"about\": \"This page lists all chats from this export.\",\n  \"list\": [\n",
    )?;
    let batch = rayon::current_num_threads().max(1) * 4;
    for chunk in portfolio.groups.chunks(batch) {
        let groups: Vec<GroupData> = chunk.par_iter().map(generate).collect();
        for g in &groups {
            write_chat(g, &mut w, stats.chats == 0, &mut stats)?;
        }
    }
    w.write_all(b"\n  ]\n }\n}\n")?;
    w.flush()?;
    stats.bytes = w.get_ref().metadata()?.len();
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::entities;

    #[test]
    fn links_become_entities() {
        let e = entities("join t.me/abc now https://x.org/a,ok");
        assert_eq!(
            e,
            vec![
                ("plain", "join "),
                ("link", "t.me/abc"),
                ("plain", " now "),
                ("link", "https://x.org/a"),
                ("plain", ",ok")
            ]
        );
        assert_eq!(entities("no links"), vec![("plain", "no links")]);
    }
}
