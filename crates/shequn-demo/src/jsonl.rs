//! Writes a generated group in shequn's generic JSON Lines format (`docs/generic-jsonl.md`).

use std::io::{self, Write};

use chrono::{DateTime, FixedOffset};
use serde::Serialize;

use crate::generated::{EventKind, GroupData, Item, Kind};

#[derive(Serialize)]
struct Line<'a> {
    group: &'a str,
    group_name: &'a str,
    platform: &'a str,
    time: String,
    id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    event: Option<&'a str>,
    sender: &'a str,
    sender_id: &'a str,
    sender_role: &'a str,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    bot: bool,
    #[serde(skip_serializing_if = "str::is_empty")]
    text: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kind: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reply_to: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    subjects: Vec<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    subject_ids: Vec<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
}

/// Writes one group, one line per message or event, in time order.
pub fn write_group(g: &GroupData, out: &mut impl Write) -> io::Result<()> {
    let plan = &g.plan;
    let offset = FixedOffset::east_opt(plan.offset_s).expect("valid offset");
    let replies = plan.platform.records_replies();
    let time = |ms: i64| DateTime::from_timestamp_millis(ms).expect("valid time").with_timezone(&offset).to_rfc3339();
    for item in &g.items {
        let line = match item {
            Item::Message { id, time_ms, sender, text, kind, amount_cents, reply_to, .. } => {
                let m = &g.members[*sender];
                Line {
                    group: &plan.id,
                    group_name: &plan.name,
                    platform: plan.platform.as_str(),
                    time: time(*time_ms),
                    id: id.to_string(),
                    event: None,
                    sender: &m.name,
                    sender_id: &m.id,
                    sender_role: m.role.as_str(),
                    bot: m.bot,
                    text,
                    kind: (*kind != Kind::Text).then(|| kind.as_str()),
                    amount: amount_cents.map(|c| c as f64 / 100.0),
                    reply_to: if replies { reply_to.map(|r| r.to_string()) } else { None },
                    subjects: Vec::new(),
                    subject_ids: Vec::new(),
                    detail: None,
                }
            }
            Item::Event { id, time_ms, kind, member, actor, detail } => {
                let subject = &g.members[*member];
                // The actor (inviter, remover) is the sender; a self-join or leave is the member's own line.
                let (sender, subjects, subject_ids) = match (kind, actor) {
                    (EventKind::Leave, _) | (EventKind::Join, None) => (subject, Vec::new(), Vec::new()),
                    (_, Some(a)) => (&g.members[*a], vec![subject.name.as_str()], vec![subject.id.as_str()]),
                    (EventKind::Kick, None) => (subject, Vec::new(), Vec::new()),
                };
                Line {
                    group: &plan.id,
                    group_name: &plan.name,
                    platform: plan.platform.as_str(),
                    time: time(*time_ms),
                    id: id.to_string(),
                    event: Some(kind.as_str()),
                    sender: &sender.name,
                    sender_id: &sender.id,
                    sender_role: sender.role.as_str(),
                    bot: sender.bot,
                    text: "",
                    kind: None,
                    amount: None,
                    reply_to: None,
                    subjects,
                    subject_ids,
                    detail: *detail,
                }
            }
        };
        serde_json::to_writer(&mut *out, &line)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
