//! Messenger and Instagram "Download your information" JSON from `../shared/corpus`:
//! counts are read off the files with serde_json in the test, never from the parser.

use std::path::Path;

use serde_json::Value;
use shequn_ingest::{detect, Input, ParseError, ParseOptions, Probe};
use shequn_model::{EventKind, GroupInfo, GroupKind, Message, MessageKind, Platform, Record, SystemEvent};

fn parse(path: &Path) -> (&'static str, Vec<Record>) {
    let (entries, head) = Input::probe_data(path).unwrap();
    let format = detect(&Probe { path, dir_entries: &entries, head: &head })
        .unwrap_or_else(|| panic!("no format claims {}", path.display()));
    let mut out = Vec::new();
    format.parse(&Input::new(path), &ParseOptions::default(), &mut out).unwrap_or_else(|e| panic!("{e}"));
    let mut again = Vec::new();
    format.parse(&Input::new(path), &ParseOptions::default(), &mut again).unwrap();
    assert_eq!(out, again, "parsing twice gives the same records");
    (format.name(), out)
}

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap();
    serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap()
}

fn groups(recs: &[Record]) -> Vec<&GroupInfo> {
    recs.iter().filter_map(|r| if let Record::Group(g) = r { Some(g) } else { None }).collect()
}
fn messages(recs: &[Record]) -> Vec<&Message> {
    recs.iter().filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None }).collect()
}
fn events(recs: &[Record]) -> Vec<&SystemEvent> {
    recs.iter().filter_map(|r| if let Record::Event { event, .. } = r { Some(event) } else { None }).collect()
}
fn roster(recs: &[Record]) -> usize {
    recs.iter().filter(|r| matches!(r, Record::Roster { .. })).count()
}

#[test]
fn chat_analytics_messenger_thread() {
    let p = shequn_corpus::require!("chat-analytics-fixtures/tests/samples/messenger/2A_7M.json");
    let v = json(&p);
    let (format, recs) = parse(&p);
    assert_eq!(format, "messenger");
    let g = groups(&recs);
    assert_eq!(g.len(), 1);
    assert_eq!(g[0].platform, Platform::Messenger);
    assert_eq!(g[0].platform_id, v["thread_path"].as_str().unwrap());
    assert_eq!(g[0].kind, GroupKind::Direct);
    assert_eq!(roster(&recs), v["participants"].as_array().unwrap().len());
    let raw = v["messages"].as_array().unwrap();
    let msgs = messages(&recs);
    assert_eq!(msgs.len(), raw.len());
    // Each media field of the file gives its kind (2A_7M.json.ts: image, sticker, audio, other).
    for (m, r) in msgs.iter().zip(raw) {
        assert_eq!(m.time.unix_ms, r["timestamp_ms"].as_i64().unwrap());
        assert_eq!(m.sender.name, r["sender_name"].as_str().unwrap());
        let want = if r.get("photos").is_some() {
            MessageKind::Image
        } else if r.get("sticker").is_some() {
            MessageKind::Sticker
        } else if r.get("audio_files").is_some() {
            MessageKind::Voice
        } else if r.get("files").is_some() {
            MessageKind::File
        } else {
            MessageKind::Text
        };
        assert_eq!(m.kind, want);
        assert_eq!(m.text, r["content"].as_str().unwrap_or(""));
    }
}

#[test]
fn instagram_thread_with_mojibake_and_a_join() {
    let p = shequn_corpus::require!("export-fixtures/chat-miner/history-62d255f5/instagram/testlog.json");
    let v = json(&p);
    let (format, recs) = parse(&p);
    assert_eq!(format, "instagram");
    let g = groups(&recs);
    assert_eq!((g[0].platform, g[0].kind), (Platform::Instagram, GroupKind::Group));
    assert_eq!(g[0].name, "Test Log");
    let raw = v["messages"].as_array().unwrap();
    let joins = raw.iter().filter(|m| m["content"].as_str().is_some_and(|c| c.ends_with(" joined the group."))).count();
    assert_eq!(joins, 1);
    assert_eq!(messages(&recs).len(), raw.len() - joins);
    let ev = events(&recs);
    assert_eq!(ev.len(), joins);
    assert_eq!((ev[0].kind, ev[0].subjects[0].name.as_str()), (EventKind::Join, "Jane Doe"));
    assert_eq!(roster(&recs), v["participants"].as_array().unwrap().len());
    // testlog_target.csv (chat-miner's expected parse) spells these names and texts.
    let msgs = messages(&recs);
    assert!(msgs.iter().any(|m| m.sender.name == "J❤️hn Doe" && m.text == "Testing username with emoji: J❤️hn Doe"));
    assert!(msgs.iter().any(|m| m.sender.name == "❤️"));
    let kinds: Vec<MessageKind> = msgs.iter().map(|m| m.kind).collect();
    for k in [MessageKind::Voice, MessageKind::Video, MessageKind::Link, MessageKind::Image] {
        assert_eq!(kinds.iter().filter(|x| **x == k).count(), 1, "{k:?}");
    }
}

#[test]
fn chat_miner_instagram_and_messenger_heads() {
    for (rel, name, platform) in [
        ("export-fixtures/chat-miner/head/instagram/test_export.json", "instagram", Platform::Instagram),
        (
            "export-fixtures/chat-miner/history-30734a82-facebookMessenger/facebookMessenger/testlog.json",
            "messenger",
            Platform::Messenger,
        ),
    ] {
        let p = shequn_corpus::require!(rel);
        let v = json(&p);
        let (format, recs) = parse(&p);
        assert_eq!(format, name);
        let g = groups(&recs);
        assert_eq!(g[0].platform, platform);
        // No thread_path or title: the file's stem names the thread.
        assert_eq!(g[0].platform_id, p.file_stem().unwrap().to_str().unwrap());
        let raw = v["messages"].as_array().unwrap();
        let msgs = messages(&recs);
        assert_eq!(msgs.len(), raw.len());
        for (m, r) in msgs.iter().zip(raw) {
            assert_eq!(
                (m.sender.name.as_str(), m.text.as_str()),
                (r["sender_name"].as_str().unwrap(), r["content"].as_str().unwrap())
            );
            assert!(!m.time.zone_inferred);
        }
    }
}

#[test]
fn thread_parts_in_one_folder_are_one_group_and_notices_are_events() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("messages/inbox/friends_42");
    std::fs::create_dir_all(&folder).unwrap();
    let part = |n: u32, body: &str| {
        let p = folder.join(format!("message_{n}.json"));
        std::fs::write(&p, body).unwrap();
        p
    };
    let one = part(
        1,
        r#"{"participants":[{"name":"Ann"},{"name":"Bo"},{"name":"Cy"}],"messages":[
{"sender_name":"Ann","timestamp_ms":3000,"content":"Ann removed Cy from the group.","type":"Generic"},
{"sender_name":"Bo","timestamp_ms":2000,"content":"Bo left the group.","type":"Generic"},
{"sender_name":"Ann","timestamp_ms":1500,"content":"Ann added Cy to the group.","type":"Generic"},
{"sender_name":"Ann","timestamp_ms":1000,"is_unsent":true}
],"title":"Friends","thread_type":"RegularGroup"}"#,
    );
    let two = part(
        2,
        r#"{"participants":[{"name":"Ann"}],"messages":[{"sender_name":"Bo","timestamp_ms":500,"content":"\u00e5\u00a4\u00a7\u00e5\u00ae\u00b6"}],"title":"Friends"}"#,
    );
    let (_, a) = parse(&one);
    let (_, b) = parse(&two);
    assert_eq!(groups(&a)[0].platform_id, "friends_42");
    assert_eq!(groups(&a)[0].platform_id, groups(&b)[0].platform_id);
    let kinds: Vec<EventKind> = events(&a).iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec![EventKind::Kick, EventKind::Leave, EventKind::Join, EventKind::Recall]);
    assert_eq!(events(&a)[0].subjects[0].name, "Cy");
    assert_eq!(events(&a)[2].subjects[0].name, "Cy");
    assert_eq!(messages(&b)[0].text, "大家");
}

#[test]
fn an_almost_thread_names_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("message_1.json");
    std::fs::write(&p, "{\"participants\":[{\"name\":\"A\"}],\"messages\":[\n{\"sender_name\":\"A\",\"timestamp_ms\":1,\"content\":\"x\"},\n{\"sender_name\":\"A\",\"content\":\"no time\"}]}").unwrap();
    let mut out = Vec::new();
    let err: ParseError = shequn_ingest::by_name("messenger")
        .unwrap()
        .parse(&Input::new(&p), &ParseOptions::default(), &mut out)
        .unwrap_err();
    assert_eq!(err.path, p);
    assert!(err.location.as_deref().unwrap().starts_with("line 3"), "{err}");
    assert!(err.message.contains("timestamp_ms") && err.message.contains("Messenger"), "{err}");
}
