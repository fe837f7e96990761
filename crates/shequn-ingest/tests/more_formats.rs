//! Signal, LINE, DiscordChatExporter CSV and threads, Element export JSON: counts read off
//! the files here (lines, CSV rows, JSON elements), sniffing over every sample, errors that
//! name the line. Fixtures in `data/more/` were written from the exporters' own code:
//! signal-export `sigexport/models.py` (`Message.to_md`) and `main.py` (one folder per chat,
//! `chat.md`, a blank line after each message); DiscordChatExporter
//! `Exporting/CsvMessageWriter.cs` (every field quoted) with `ExportContext.FormatDate` ("g" in
//! en-US and de-DE) and DCE's default file name; element-web
//! `src/utils/exportUtils/JSONExport.ts` (header fields, events as `toJSON` gives them); LINE's
//! layouts as ChatLab's `line-native-txt` importer documents them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use shequn_ingest::{by_name, detect, Input, ParseOptions, Probe};
use shequn_model::{EventKind, GroupKind, MessageKind, Platform, Record};

const MINE: &[&str] = &["signal", "line", "discord-csv", "matrix-export"];

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/more").join(rel)
}

fn sniffed(path: &Path) -> Option<&'static str> {
    let (entries, head) = Input::probe_data(path).unwrap();
    detect(&Probe { path, dir_entries: &entries, head: &head }).map(|f| f.name())
}

fn parse_as(format: &str, path: &Path) -> Vec<Record> {
    let mut out = Vec::new();
    let opts = ParseOptions { zone: chrono::FixedOffset::east_opt(8 * 3600) };
    by_name(format).unwrap().parse(&Input::new(path), &opts, &mut out).unwrap();
    out
}

/// Parses with the sniffed format, twice: both runs must give the same records.
fn parse(path: &Path, want: &str) -> Vec<Record> {
    assert_eq!(sniffed(path), Some(want), "{}", path.display());
    let a = parse_as(want, path);
    assert_eq!(a, parse_as(want, path), "parsing twice differs: {}", path.display());
    a
}

struct Counts {
    messages: usize,
    events: usize,
    senders: BTreeSet<String>,
}

fn counts(records: &[Record]) -> Counts {
    let mut c = Counts { messages: 0, events: 0, senders: BTreeSet::new() };
    for r in records {
        match r {
            Record::Message { message, .. } => {
                c.messages += 1;
                c.senders.insert(message.sender.key());
            }
            Record::Event { .. } => c.events += 1,
            _ => {}
        }
    }
    c
}

fn events(records: &[Record]) -> Vec<&shequn_model::SystemEvent> {
    records.iter().filter_map(|r| if let Record::Event { event, .. } = r { Some(event) } else { None }).collect()
}

fn messages(records: &[Record]) -> Vec<&shequn_model::Message> {
    records.iter().filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None }).collect()
}

fn group(records: &[Record]) -> &shequn_model::GroupInfo {
    match &records[0] {
        Record::Group(g) => g,
        other => panic!("first record is not a group: {other:?}"),
    }
}

/// A LINE line's clock and the rest: `下午07:04\tName\ttext`, `9:02 AM\t\ttext`.
fn line_fields(l: &str) -> Option<Vec<&str>> {
    let (clock, rest) = l.split_once('\t')?;
    let digits =
        clock.trim_start_matches(['上', '下', '午', '前', '後']).trim_end_matches(" AM").trim_end_matches(" PM");
    let (h, m) = digits.split_once(':')?;
    (h.chars().all(|c| c.is_ascii_digit()) && m.len() == 2 && m.chars().all(|c| c.is_ascii_digit()))
        .then(|| rest.split('\t').collect())
}

#[test]
fn line_exports_in_four_languages() {
    for (file, name, kind) in [
        ("line-zh-tw-group.txt", "登山社", GroupKind::Group),
        ("line-zh-cn-direct.txt", "李雷", GroupKind::Direct),
        ("line-ja-group.txt", "山の会", GroupKind::Group),
        ("line-en-group.txt", "Weekend Hikers", GroupKind::Group),
    ] {
        let path = data(file);
        let text = std::fs::read_to_string(&path).unwrap();
        let fields: Vec<Vec<&str>> = text.lines().filter_map(line_fields).collect();
        let want_messages = fields.iter().filter(|f| f.len() == 2 && !f[0].is_empty()).count();
        let want_events = fields.iter().filter(|f| f.len() == 2 && f[0].is_empty()).count();
        let want_senders: BTreeSet<String> =
            fields.iter().filter(|f| f.len() == 2 && !f[0].is_empty()).map(|f| format!("name:{}", f[0])).collect();
        let records = parse(&path, "line");
        let g = group(&records);
        assert_eq!((g.platform, g.name.as_str(), g.platform_id.as_str(), g.kind), (Platform::Line, name, name, kind));
        let c = counts(&records);
        assert_eq!((c.messages, c.events, &c.senders), (want_messages, want_events, &want_senders), "{file}");
        assert!(messages(&records).iter().all(|m| m.time.zone_inferred && m.time.offset_s == 8 * 3600));
    }
    // The zh-TW chat: a quoted two-line message, `""` inside quotes, the afternoon clock,
    // a sticker and a photo, joins, an unsend and a leave.
    let records = parse_as("line", &data("line-zh-tw-group.txt"));
    let ms = messages(&records);
    assert_eq!(ms[1].text, "好啊\n幾點集合？");
    assert_eq!(ms[4].text, "他說\"早上七點\"在捷運站");
    assert_eq!(ms[4].time.to_datetime().format("%Y-%m-%d %H:%M").to_string(), "2024-01-16 19:04");
    assert_eq!((ms[2].kind, ms[3].kind), (MessageKind::Sticker, MessageKind::Image));
    let kinds: Vec<EventKind> = events(&records).iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::Join, EventKind::Recall, EventKind::Leave]);
    assert_eq!(events(&records)[0].subjects[0].name, "陳美玲");
    // English: an invitation names the inviter and both invited; the call is a call.
    let records = parse_as("line", &data("line-en-group.txt"));
    let added = events(&records)[0];
    assert_eq!(
        (added.kind, added.actor.as_ref().unwrap().name.as_str(), added.subjects.len()),
        (EventKind::Join, "Ann", 2)
    );
    assert_eq!(messages(&records)[2].kind, MessageKind::Call);
    assert_eq!(messages(&records)[2].time.to_datetime().format("%m-%d %H:%M").to_string(), "04-07 13:30");
    let kinds: Vec<EventKind> = events(&records).iter().map(|e| e.kind).collect();
    assert_eq!(kinds, [EventKind::Join, EventKind::Recall, EventKind::Leave]);
    let ja = parse_as("line", &data("line-ja-group.txt"));
    assert_eq!(messages(&ja)[2].text, "明日は\n雨です");
    assert_eq!(messages(&ja)[1].time.to_datetime().format("%H:%M").to_string(), "13:15");
}

#[test]
fn signal_chat_miner_sample() {
    for rel in [
        "export-fixtures/chat-miner/head/signal/test_export.txt",
        "export-fixtures/chat-miner/history-62d255f5/signal/test_export.txt",
    ] {
        let path = shequn_corpus::require!(rel);
        let text = std::fs::read_to_string(&path).unwrap();
        let headers: Vec<&str> = text.lines().filter(|l| l.starts_with("[20")).collect();
        let senders: BTreeSet<String> = headers
            .iter()
            .map(|l| format!("name:{}", l.split_once("] ").unwrap().1.split_once(": ").unwrap().0))
            .collect();
        let records = parse(&path, "signal");
        let g = group(&records);
        assert_eq!((g.platform, g.platform_id.as_str()), (Platform::Signal, "test_export"));
        let c = counts(&records);
        assert_eq!((c.messages, c.events, &c.senders), (headers.len(), 0, &senders), "{rel}");
    }
    // chat-miner's target.json: John Doe's "Hello Jane!" at 2020-01-17 21:49 (wall clock).
    let path = shequn_corpus::require!("export-fixtures/chat-miner/head/signal/test_export.txt");
    let records = parse_as("signal", &path);
    let last = *messages(&records).last().unwrap();
    assert_eq!((last.sender.name.as_str(), last.text.as_str()), ("John Doe", "Hello\nJane!"));
    assert_eq!(last.time.to_datetime().format("%Y-%m-%dT%H:%M").to_string(), "2020-01-17T21:49");
    assert!(last.time.zone_inferred);
}

#[test]
fn signal_export_markdown() {
    let path = data("signal-export/Hiking Club/chat.md");
    let text = std::fs::read_to_string(&path).unwrap();
    let headers: Vec<&str> = text.lines().filter(|l| l.starts_with("[20")).collect();
    let deleted = headers.iter().filter(|l| l.ends_with("(This message was deleted)")).count();
    let records = parse(&path, "signal");
    assert_eq!(group(&records).name, "Hiking Club");
    let c = counts(&records);
    assert_eq!((c.messages, c.events), (headers.len() - deleted, deleted));
    let ms = messages(&records);
    assert_eq!((ms[0].kind, ms[0].text.as_str()), (MessageKind::Image, "Morning! Trail map attached"));
    assert_eq!(ms[1].text, "Thanks, looks good", "reactions are not words");
    assert_eq!(ms[2].text, "Can I bring my dog?\nAsking for a friend", "the quote is not Bo's words");
    assert_eq!((ms[3].kind, ms[4].kind), (MessageKind::Call, MessageKind::Sticker));
    assert_eq!(events(&records)[0].kind, EventKind::Recall);
    assert_eq!(ms[0].time.to_datetime().format("%H:%M:%S").to_string(), "09:12:03");
}

/// DCE CSV rows start with the quoted author id; a row's content may span lines.
#[test]
fn discord_csv_rows() {
    let path = data("Hiking Guild - Text Channels - trips [400000000000000001].csv");
    let text = std::fs::read_to_string(&path).unwrap();
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("\"3000")).collect();
    let system = rows
        .iter()
        .filter(|r| r.contains("\",\"Joined the server.\",") || r.contains("\",\"Pinned a message.\","))
        .count();
    let authors: BTreeSet<String> = rows.iter().map(|r| format!("id:{}", r.split('"').nth(1).unwrap())).collect();
    let records = parse(&path, "discord-csv");
    let g = group(&records);
    assert_eq!(
        (g.platform, g.platform_id.as_str(), g.name.as_str(), g.kind),
        (Platform::Discord, "400000000000000001", "Hiking Guild / trips", GroupKind::Channel)
    );
    let c = counts(&records);
    assert_eq!(c.messages, rows.len() - system);
    assert_eq!(c.events, system);
    assert_eq!(c.senders, authors);
    let ms = messages(&records);
    assert_eq!(ms[1].text, "Here is the \"plan\":\n1. hike\n2. lunch");
    assert_eq!((ms[1].kind, ms[2].kind), (MessageKind::File, MessageKind::Image));
    // en-US "g": month first, 12-hour clock, read in the given zone and flagged.
    assert_eq!(ms[3].time.to_datetime().format("%Y-%m-%d %H:%M").to_string(), "2023-01-14 22:30");
    assert!(ms[3].time.zone_inferred);
    assert_eq!(events(&records)[0].kind, EventKind::Join);
    // de-DE: day first; the part file joins the same channel.
    let part = parse(&data("Hiking Guild - Text Channels - trips [400000000000000001] [part 2].csv"), "discord-csv");
    assert_eq!(group(&part).platform_id, "400000000000000001");
    assert_eq!(messages(&part)[1].time.to_datetime().format("%Y-%m-%d").to_string(), "2023-01-13");
}

#[test]
fn discord_thread_goes_into_its_parent_channel() {
    let path = shequn_corpus::require!(
        "export-fixtures/discord-dce/dce-frontend-example-guild/_threads/Example guild - general - Thomas is Thomas [1060927310439657577].json"
    );
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let parent = json["channel"]["categoryId"].as_str().unwrap();
    let thread = json["channel"]["id"].as_str().unwrap();
    let n = json["messages"].as_array().unwrap().len();
    let records = parse(&path, "discord");
    let g = group(&records);
    assert_eq!((g.platform_id.as_str(), g.name.as_str()), (parent, "Example guild / general"));
    let ms = messages(&records);
    assert_eq!(ms.len(), n);
    for (m, raw) in ms.iter().zip(json["messages"].as_array().unwrap()) {
        let own = raw["reference"]["messageId"].as_str();
        assert_eq!(m.reply_to.as_deref(), Some(own.unwrap_or(thread)));
    }
    // The parent channel's own file declares the same group.
    let general = path
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("Example guild - Text Channels - general [1012224565567721552].json");
    assert_eq!(group(&parse(&general, "discord")).platform_id, parent);
}

#[test]
fn element_export_json() {
    let path = data("element-export-Hikers.json");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let evs: Vec<&serde_json::Value> = json["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| if e["decrypted"].is_object() { &e["decrypted"] } else { e })
        .collect();
    let of = |t: &str| evs.iter().filter(|e| e["type"] == t).count();
    let edits = evs.iter().filter(|e| e["content"]["m.relates_to"]["rel_type"] == "m.replace").count();
    let senders: BTreeSet<String> = evs
        .iter()
        .filter(|e| e["type"] == "m.room.message")
        .map(|e| format!("id:{}", e["sender"].as_str().unwrap()))
        .collect();
    let records = parse(&path, "matrix-export");
    let g = group(&records);
    assert_eq!(
        (g.platform, g.platform_id.as_str(), g.name.as_str()),
        (Platform::Matrix, "!hikers:example.org", "Hikers")
    );
    let c = counts(&records);
    assert_eq!(c.messages, of("m.room.message"));
    let ids: BTreeSet<&str> = messages(&records).iter().filter_map(|m| m.id.as_deref()).collect();
    assert_eq!(ids.len(), of("m.room.message") - edits, "an edit lands on its original's id");
    assert_eq!(c.senders, senders);
    assert_eq!(c.events, of("m.room.member") + of("m.room.create") + of("m.room.name") + of("m.room.redaction"));
    let kinds: Vec<EventKind> = events(&records).iter().map(|e| e.kind).collect();
    assert_eq!(kinds.iter().filter(|k| **k == EventKind::Join).count(), 4);
    assert_eq!(kinds.iter().filter(|k| **k == EventKind::Kick).count(), 1);
    assert_eq!(kinds.iter().filter(|k| **k == EventKind::Leave).count(), 1);
    let bo = events(&records).into_iter().find(|e| e.id.as_deref() == Some("$join-bo")).unwrap();
    assert_eq!(bo.actor.as_ref().and_then(|a| a.platform_id.as_deref()), Some("@ann:example.org"), "invited by Ann");
    let ms = messages(&records);
    let reply = ms.iter().find(|m| m.id.as_deref() == Some("$m2")).unwrap();
    assert_eq!((reply.reply_to.as_deref(), reply.text.as_str()), (Some("$m1"), "Yes, count me in"));
    assert_eq!(reply.sender.name, "Bo");
    assert!(ms.iter().any(|m| m.id.as_deref() == Some("$m5") && m.kind == MessageKind::File), "decrypted event read");
    assert!(records.iter().any(|r| matches!(r, Record::Note { text, .. } if text.contains("poll"))));
    assert!(!ms[0].time.zone_inferred);
}

fn files_under(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = rd.map(|e| e.unwrap().path()).collect();
    entries.sort();
    for e in entries {
        if e.is_dir() {
            files_under(&e, out);
        } else {
            out.push(e);
        }
    }
}

#[test]
fn every_sample_is_claimed_by_its_own_format_only() {
    let mut fixtures = Vec::new();
    files_under(&data(""), &mut fixtures);
    for p in &fixtures {
        let name = p.file_name().unwrap().to_string_lossy();
        let want = if name.starts_with("line-") {
            "line"
        } else if name.ends_with(".csv") {
            "discord-csv"
        } else if name.ends_with(".json") {
            "matrix-export"
        } else {
            "signal"
        };
        assert_eq!(sniffed(p), Some(want), "{}", p.display());
    }
    let Some(corpus) = shequn_corpus::dir() else {
        eprintln!("skipped: the corpus is absent");
        return;
    };
    for rel in [
        "export-fixtures/chat-miner/head/signal/test_export.txt",
        "export-fixtures/chat-miner/history-62d255f5/signal/test_export.txt",
    ] {
        if corpus.join(rel).exists() {
            assert_eq!(sniffed(&corpus.join(rel)), Some("signal"), "{rel}");
        }
    }
    // Everything else other formats read stays theirs.
    let mut others = Vec::new();
    for dir in [
        "export-fixtures",
        "whatstk-fixtures/chats",
        "whatsapp-locales",
        "chat-analytics-fixtures/tests/samples",
        "irc-loggers",
        "cn-formats",
        "chatistics-fixtures",
        "slackdump-fixtures",
    ] {
        files_under(&corpus.join(dir), &mut others);
    }
    let mut checked = 0;
    for p in others {
        let s = p.to_string_lossy();
        if s.contains("/signal/") || p.extension().is_some_and(|e| e == "md" || e == "ts" || e == "py") {
            continue;
        }
        if let Some(name) = sniffed(&p) {
            assert!(!MINE.contains(&name), "{} claimed by {name}", p.display());
        }
        checked += 1;
    }
    eprintln!("{checked} samples of other formats checked");
    assert!(checked > 50 || !corpus.join("export-fixtures").is_dir(), "{checked}");
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn error(format: &str, path: &Path) -> shequn_ingest::ParseError {
    by_name(format).unwrap().parse(&Input::new(path), &ParseOptions::default(), &mut Vec::new()).unwrap_err()
}

#[test]
fn almost_matching_files_name_line_expected_and_seen() {
    let dir = tempfile::tempdir().unwrap();
    // LINE: a message line with no date line before it.
    let p = write(dir.path(), "a.txt", "[LINE] Chat history in X\nSaved on: 2024/01/01 10:00\n\n10:00\tAnn\thi\n");
    let e = error("line", &p);
    assert_eq!((e.path.as_path(), e.location.as_deref()), (p.as_path(), Some("line 4")));
    assert!(e.message.contains("before any date line") && e.message.contains("10:00"), "{e}");
    let p = write(
        dir.path(),
        "b.txt",
        "[LINE] Chat history in X\n\n2024/01/01(Mon)\n10:00\tAnn\thi\nsome text\n2024/02/30(Fri)\n",
    );
    let e = error("line", &p);
    assert_eq!(e.location.as_deref(), Some("line 6"));
    assert!(e.message.contains("2024/02/30"), "{e}");
    // Signal: an impossible date in a header.
    let p = write(dir.path(), "c.txt", "[2020-01-17, 21:49] John: hi\n[2020-13-17, 21:49] John: hi\n");
    let e = error("signal", &p);
    assert_eq!(e.location.as_deref(), Some("line 2"));
    assert!(e.message.contains("2020-13-17") && e.hint.unwrap().contains("expected"), "{}", e.message);
    let p = write(dir.path(), "d.txt", "Hello\n[2020-01-17, 21:49] John: hi\n");
    let e = error("signal", &p);
    assert!(e.location.as_deref() == Some("line 1") && e.message.contains("expected") && e.message.contains("Hello"));
    // DCE CSV: a row with a field missing, then a date in no known layout.
    let head = "AuthorID,Author,Date,Content,Attachments,Reactions\n";
    let p = write(dir.path(), "e.csv", &format!("{head}\"1\",\"a\",\"1/6/2023 3:04 PM\",\"hi\",\"\"\n"));
    let e = error("discord-csv", &p);
    assert!(
        e.location.as_deref() == Some("line 2")
            && e.message.contains("expected 6 fields")
            && e.message.contains("saw 5")
    );
    let p = write(dir.path(), "f.csv", &format!("{head}\"1\",\"a\",\"yesterday\",\"hi\",\"\",\"\"\n"));
    let e = error("discord-csv", &p);
    assert!(
        e.location.as_deref() == Some("line 2")
            && e.message.contains("expected a date")
            && e.message.contains("yesterday")
    );
    let p = write(dir.path(), "g.csv", "Author;Date;Content\n");
    let e = error("discord-csv", &p);
    assert!(e.location.as_deref() == Some("line 1") && e.message.contains("Author;Date"));
    // Element: an element of messages[] that is not an event.
    let p = write(
        dir.path(),
        "h.json",
        "{\"room_name\": \"R\", \"exported_by\": \"a\",\n \"messages\": [\n {\"body\": \"hi\"}]}",
    );
    let e = error("matrix-export", &p);
    assert!(e.location.as_deref().is_some_and(|l| l.starts_with("line 3")) && e.message.contains("event_id"), "{e}");
    assert!(e.message.contains("\"body\""), "{e}");
}
