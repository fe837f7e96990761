//! Records written back as shequn JSON Lines (`docs/generic-jsonl.md`), the generic webhook's
//! body: to feed an existing export through the live path (tests that compare the live
//! archive with an imported one, `shequn bench live`'s traffic).
//!
//! What the format cannot say is dropped: rosters, notes, skipped lines, a relay's original
//! line, mention ids, edits. A time keeps its offset but not the "zone assumed" flag.

use serde_json::{json, Map, Value};
use shequn_model::{GroupInfo, Mention, Person, Record};

/// One line per message or event, in order; groups are named on every line.
pub fn to_jsonl(records: &[Record]) -> Vec<String> {
    let mut groups: Vec<&GroupInfo> = Vec::new();
    let mut out = Vec::new();
    for r in records {
        let line = match r {
            Record::Group(g) => {
                groups.push(g);
                continue;
            }
            Record::Message { group, message: m } => {
                let Some(g) = groups.get(*group as usize) else { continue };
                let mut o = head(g, &m.time.to_rfc3339());
                sender(&mut o, &m.sender);
                put(&mut o, "text", (!m.text.is_empty()).then(|| json!(m.text)));
                put(&mut o, "id", m.id.as_ref().map(|v| json!(v)));
                put(&mut o, "reply_to", m.reply_to.as_ref().map(|v| json!(v)));
                put(&mut o, "kind", (m.kind != shequn_model::MessageKind::Text).then(|| json!(m.kind.as_str())));
                put(&mut o, "amount", m.amount_cents.map(|c| json!(c as f64 / 100.0)));
                put(&mut o, "forwarded", m.forwarded.then_some(json!(true)));
                let mentions: Vec<&str> = m
                    .mentions
                    .iter()
                    .map(|x| match x {
                        Mention::Everyone => "all",
                        Mention::Member(p) => p.name.as_str(),
                    })
                    .collect();
                put(&mut o, "mentions", (!mentions.is_empty()).then(|| json!(mentions)));
                o
            }
            Record::Event { group, event: e } => {
                let Some(g) = groups.get(*group as usize) else { continue };
                let mut o = head(g, &e.time.to_rfc3339());
                o.insert("event".into(), json!(e.kind.as_str()));
                let joins = matches!(e.kind, shequn_model::EventKind::Join | shequn_model::EventKind::Leave);
                // The format reads a lone sender of a join or leave as its subject.
                match (&e.actor, e.subjects.as_slice()) {
                    (None, [one]) if joins => sender(&mut o, one),
                    (actor, subjects) => {
                        if let Some(a) = actor {
                            sender(&mut o, a);
                        }
                        if !subjects.is_empty() {
                            o.insert("subjects".into(), json!(subjects.iter().map(|p| &p.name).collect::<Vec<_>>()));
                            if subjects.iter().all(|p| p.platform_id.is_some()) {
                                o.insert(
                                    "subject_ids".into(),
                                    json!(subjects.iter().filter_map(|p| p.platform_id.as_ref()).collect::<Vec<_>>()),
                                );
                            }
                        }
                    }
                }
                put(&mut o, "text", (!e.text.is_empty()).then(|| json!(e.text)));
                put(&mut o, "id", e.id.as_ref().map(|v| json!(v)));
                put(&mut o, "detail", e.detail.as_ref().map(|v| json!(v)));
                put(&mut o, "target", e.target.as_ref().map(|v| json!(v)));
                put(&mut o, "amount", e.amount_cents.map(|c| json!(c as f64 / 100.0)));
                o
            }
            Record::Roster { .. } | Record::Note { .. } | Record::Skipped { .. } => continue,
        };
        out.push(Value::Object(line).to_string());
    }
    out
}

fn head(g: &GroupInfo, time: &str) -> Map<String, Value> {
    let mut o = Map::new();
    o.insert("group".into(), json!(g.platform_id));
    o.insert("group_name".into(), json!(g.name));
    o.insert("platform".into(), json!(g.platform.as_str()));
    o.insert("time".into(), json!(time));
    o
}

fn sender(o: &mut Map<String, Value>, p: &Person) {
    o.insert("sender".into(), json!(p.name));
    put(o, "sender_id", p.platform_id.as_ref().map(|v| json!(v)));
    put(o, "sender_role", p.role.map(|r| json!(r.as_str())));
    put(o, "bot", p.is_bot.then_some(json!(true)));
}

fn put(o: &mut Map<String, Value>, key: &str, v: Option<Value>) {
    if let Some(v) = v {
        o.insert(key.into(), v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_read_back_as_the_same_records() {
        let text = concat!(
            r#"{"group":"g1","group_name":"读书会","platform":"wechat","time":"2024-03-01T20:00:00+08:00","sender":"Ann","sender_id":"a","text":"hi","id":"1"}"#,
            "\n",
            r#"{"group":"g1","group_name":"读书会","platform":"wechat","time":"2024-03-01T20:01:00+08:00","sender":"Bob","event":"join"}"#,
            "\n",
            r#"{"group":"g1","group_name":"读书会","platform":"wechat","time":"2024-03-01T20:02:00+08:00","sender":"Cid","text":"[红包]","kind":"red_packet","amount":6.66,"reply_to":"1","mentions":["Ann"]}"#,
        );
        let first = crate::sources::webhook::convert(text.as_bytes()).unwrap().records;
        let lines = to_jsonl(&first);
        assert_eq!(lines.len(), 3);
        let again = crate::sources::webhook::convert(lines.join("\n").as_bytes()).unwrap().records;
        assert_eq!(first, again);
    }
}
