//! Mattermost bulk exports from `../shared/corpus`: counts are read off the JSON lines
//! with serde_json in the test, never from the parser.

use std::collections::BTreeSet;
use std::path::Path;

use serde_json::Value;
use shequn_ingest::{by_name, detect, Input, ParseOptions, Probe};
use shequn_model::{EventKind, GroupKind, Message, Platform, Record, SystemEvent};

fn parse(path: &Path) -> Vec<Record> {
    let (entries, head) = Input::probe_data(path).unwrap();
    let format = detect(&Probe { path, dir_entries: &entries, head: &head }).expect("claimed");
    assert_eq!(format.name(), "mattermost");
    let mut out = Vec::new();
    format.parse(&Input::new(path), &ParseOptions::default(), &mut out).unwrap_or_else(|e| panic!("{e}"));
    let mut again = Vec::new();
    format.parse(&Input::new(path), &ParseOptions::default(), &mut again).unwrap();
    assert_eq!(out, again, "parsing twice gives the same records");
    out
}

fn lines(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn messages(recs: &[Record]) -> Vec<&Message> {
    recs.iter().filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None }).collect()
}
fn events(recs: &[Record]) -> Vec<&SystemEvent> {
    recs.iter().filter_map(|r| if let Record::Event { event, .. } = r { Some(event) } else { None }).collect()
}

/// What the file holds, counted the plain way.
#[derive(Default, Debug)]
struct Counts {
    groups: BTreeSet<String>,
    messages: usize,
    replies: usize,
    system: usize,
    joins: usize,
    roster: usize,
}

/// A type-less post by `user` whose text is Mattermost's own notice wording.
fn legacy_notice(msg: &str, user: &str) -> bool {
    ["channel", "team"]
        .iter()
        .any(|p| msg == format!("{user} joined the {p}.") || (msg.ends_with(&format!(" added to the {p} by {user}."))))
}

fn count(values: &[Value]) -> Counts {
    let mut c = Counts::default();
    let dm = |members: Vec<&str>| {
        let set: BTreeSet<&str> = members.into_iter().collect();
        format!("dm:{}", set.into_iter().collect::<Vec<_>>().join(","))
    };
    for v in values {
        match v["type"].as_str().unwrap() {
            "channel" => {
                c.groups.insert(format!(
                    "{}/{}",
                    v["channel"]["team"].as_str().unwrap(),
                    v["channel"]["name"].as_str().unwrap()
                ));
            }
            "user" => {
                for t in v["user"]["teams"].as_array().into_iter().flatten() {
                    for ch in t["channels"].as_array().into_iter().flatten() {
                        c.groups.insert(format!("{}/{}", t["name"].as_str().unwrap(), ch["name"].as_str().unwrap()));
                        c.roster += 1;
                    }
                }
            }
            "direct_channel" => {
                let d = &v["direct_channel"];
                let members: Vec<&str> = match d.get("participants") {
                    Some(p) => p.as_array().unwrap().iter().map(|u| u["username"].as_str().unwrap()).collect(),
                    None => d["members"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect(),
                };
                let key = dm(members.clone());
                if c.groups.insert(key) {
                    c.roster += members.iter().collect::<BTreeSet<_>>().len();
                }
            }
            t @ ("post" | "direct_post") => {
                let p = &v[t];
                if t == "post" {
                    c.groups.insert(format!("{}/{}", p["team"].as_str().unwrap(), p["channel"].as_str().unwrap()));
                } else {
                    let members: Vec<&str> =
                        p["channel_members"].as_array().unwrap().iter().map(|u| u.as_str().unwrap()).collect();
                    if c.groups.insert(dm(members.clone())) {
                        c.roster += members.iter().collect::<BTreeSet<_>>().len();
                    }
                }
                let kind = p["type"].as_str();
                let user = p["user"].as_str().unwrap();
                let msg = p["message"].as_str().unwrap_or("");
                let system = match kind {
                    Some(k) => k.starts_with("system_"),
                    None => legacy_notice(msg, user),
                };
                if system {
                    c.system += 1;
                    if kind.is_none_or(|k| k.contains("join") || k.contains("add")) {
                        c.joins += 1;
                    }
                } else {
                    c.messages += 1;
                }
                let replies = p["replies"].as_array().map(|r| r.len()).unwrap_or(0);
                c.messages += replies;
                c.replies += replies;
            }
            _ => {}
        }
    }
    c
}

fn check(rel: &str) -> Vec<Record> {
    let p = shequn_corpus::path(rel).expect("checked by the caller");
    let values = lines(&p);
    let want = count(&values);
    let recs = parse(&p);
    let got_groups: BTreeSet<String> =
        recs.iter().filter_map(|r| if let Record::Group(g) = r { Some(g.platform_id.clone()) } else { None }).collect();
    assert_eq!(got_groups, want.groups, "{rel}");
    let n_groups = recs.iter().filter(|r| matches!(r, Record::Group(_))).count();
    assert_eq!(n_groups, want.groups.len(), "each group declared once");
    assert!(recs.iter().all(|r| match r {
        Record::Group(g) => g.platform == Platform::Mattermost,
        _ => true,
    }));
    let msgs = messages(&recs);
    assert_eq!(msgs.len(), want.messages, "{rel}");
    assert_eq!(msgs.iter().filter(|m| m.reply_to.is_some()).count(), want.replies, "{rel}");
    let ev = events(&recs);
    assert_eq!(ev.len(), want.system, "{rel}");
    assert_eq!(ev.iter().filter(|e| e.kind == EventKind::Join).count(), want.joins, "{rel}");
    assert_eq!(recs.iter().filter(|r| matches!(r, Record::Roster { .. })).count(), want.roster, "{rel}");
    // Every reply points at a message or event of the file.
    let ids: BTreeSet<&str> =
        msgs.iter().filter_map(|m| m.id.as_deref()).chain(ev.iter().filter_map(|e| e.id.as_deref())).collect();
    assert!(msgs.iter().filter_map(|m| m.reply_to.as_deref()).all(|r| ids.contains(r)));
    // Ids are unique: no two posts collapse into one on import.
    assert_eq!(ids.len(), msgs.len() + ev.len(), "{rel}");
    recs
}

macro_rules! skip_absent {
    ($rel:expr) => {
        if shequn_corpus::path($rel).is_none() {
            return;
        }
    };
}

#[test]
fn mmctl_v11_export() {
    let rel = "export-fixtures/mattermost/mattermost_v11.1.0_fixtures/raw_mmctl_output/import.jsonl";
    skip_absent!(rel);
    let recs = check(rel);
    // A DM whose two participants are the same user is a direct chat with one member.
    assert!(recs
        .iter()
        .any(|r| matches!(r, Record::Group(g) if g.kind == GroupKind::Direct && g.member_count == Some(1))));
    // Bots named by `bot` lines are flagged.
    let bots: BTreeSet<String> = lines(&shequn_corpus::path(rel).unwrap())
        .iter()
        .filter(|v| v["type"] == "bot")
        .map(|v| v["bot"]["username"].as_str().unwrap().to_string())
        .collect();
    let flagged = messages(&recs).iter().filter(|m| m.sender.is_bot).count()
        + events(&recs).iter().filter(|e| e.actor.as_ref().is_some_and(|a| a.is_bot)).count();
    let by_bots = messages(&recs).iter().filter(|m| bots.contains(&m.sender.name)).count()
        + events(&recs).iter().filter(|e| e.actor.as_ref().is_some_and(|a| bots.contains(&a.name))).count();
    assert_eq!(flagged, by_bots);
}

#[test]
fn older_hand_made_exports() {
    for rel in [
        "export-fixtures/mattermost/mattermost_fixtures/export.json",
        "export-fixtures/mattermost/mattermost_fixtures/guestExport.json",
        "export-fixtures/mattermost/mattermost_fixtures/direct_channel/export.json",
    ] {
        skip_absent!(rel);
        check(rel);
    }
}

#[test]
fn an_almost_export_names_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("export.jsonl");
    std::fs::write(
        &p,
        "{\"type\":\"version\",\"version\":1}\n{\"type\":\"team\",\"team\":{\"name\":\"t\"}}\n{\"type\":\"post\",\"post\":{\"team\":\"t\",\"channel\":\"c\",\"user\":\"u\",\"message\":\"hi\"}}\n",
    )
    .unwrap();
    let mut out = Vec::new();
    let err = by_name("mattermost").unwrap().parse(&Input::new(&p), &ParseOptions::default(), &mut out).unwrap_err();
    assert_eq!(err.path, p);
    assert!(err.location.as_deref().unwrap().starts_with("line 3"), "{err}");
    assert!(err.message.contains("create_at"), "{err}");
    // Without its version line the file is refused at line 1.
    std::fs::write(&p, "{\"type\":\"team\",\"team\":{\"name\":\"t\"}}\n").unwrap();
    let err = by_name("mattermost").unwrap().parse(&Input::new(&p), &ParseOptions::default(), &mut out).unwrap_err();
    assert_eq!(err.location.as_deref(), Some("line 1"));
}
