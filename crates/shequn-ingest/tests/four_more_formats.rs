//! DiscordChatExporter HTML, Google Chat Takeout, WechatExporter (iOS) and Quassel: counts
//! read off the files (grep/python, written beside each assertion), sniffing over every
//! sample, errors that name the file and line.
//!
//! Fixtures in `data/exporters/` were written from the exporters' own source, there being no
//! real sample in the corpus:
//! - `Hiking Guild - Text Channels - trips [400000000000000001].html`: DiscordChatExporter's
//!   `Exporting/PreambleTemplate.cshtml` and `MessageGroupTemplate.cshtml` (Tyrrrz/
//!   DiscordChatExporter at 03c5c1b), dates as `ExportContext.FormatDate` writes them in
//!   de-DE at UTC+1; message ids are snowflakes made for the times in the comments below.
//! - `google-chat/Groups/*/`: Google Takeout's Google Chat layout (`messages.json`,
//!   `group_info.json`) as public descriptions of the export give it (fields, the
//!   `Thursday, November 3, 2016 at 11:59:50 AM UTC` date and its newer narrow no-break
//!   space before `PM`, the `<group>/<topic>/<id>` message ids); no Takeout of ours to copy.
//! - `wechatexporter/12345678901@chatroom.txt`: BlueMatthew/WechatExporter's
//!   `res/templates_txt/*.html` (frame, msg, image, emoji, refer, system, transfer) and
//!   `core/Utils.cpp` `fromUnixTime` (`%Y-%m-%d %H:%M:%S`); the file named `<chat id>.txt` as
//!   `Exporter.cpp` names its outputs.
//! - Quassel: no file is committed; the test builds a core database with the tables of
//!   quassel/quassel's `src/core/SQL/SQLite/setup_*.sql` (current and pre-0.13 backlog) and
//!   the `Message::Type` values of `src/common/message.h`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use shequn_ingest::{by_name, detect, Input, ParseOptions, Probe};
use shequn_model::{EventKind, GroupKind, Mention, MessageKind, Platform, Record};

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/exporters").join(rel)
}

fn sniffed(path: &Path) -> Option<&'static str> {
    let (entries, head) = Input::probe_data(path).unwrap();
    detect(&Probe { path, dir_entries: &entries, head: &head }).map(|f| f.name())
}

fn parse_as(format: &str, path: &Path) -> Vec<Record> {
    let mut out = Vec::new();
    by_name(format).unwrap().parse(&Input::new(path), &ParseOptions::default(), &mut out).unwrap();
    out
}

/// Parses with the sniffed format, twice: both runs must give the same records.
fn parse(path: &Path, want: &str) -> Vec<Record> {
    assert_eq!(sniffed(path), Some(want), "{}", path.display());
    let a = parse_as(want, path);
    assert_eq!(a, parse_as(want, path), "parsing twice differs: {}", path.display());
    a
}

fn messages(records: &[Record]) -> Vec<&shequn_model::Message> {
    records.iter().filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None }).collect()
}

fn events(records: &[Record]) -> Vec<&shequn_model::SystemEvent> {
    records.iter().filter_map(|r| if let Record::Event { event, .. } = r { Some(event) } else { None }).collect()
}

fn groups(records: &[Record]) -> Vec<&shequn_model::GroupInfo> {
    records.iter().filter_map(|r| if let Record::Group(g) = r { Some(g) } else { None }).collect()
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn error(format: &str, path: &Path) -> shequn_ingest::ParseError {
    by_name(format).unwrap().parse(&Input::new(path), &ParseOptions::default(), &mut Vec::new()).unwrap_err()
}

const DCE: &str = "Hiking Guild - Text Channels - trips [400000000000000001].html";

#[test]
fn discord_html_channel_page() {
    let records = parse(&data(DCE), "discord-html");
    let g = groups(&records);
    assert_eq!(g.len(), 1);
    assert_eq!(
        (g[0].platform, g[0].platform_id.as_str(), g[0].name.as_str(), g[0].kind),
        (Platform::Discord, "400000000000000001", "Hiking Guild / trips", GroupKind::Channel)
    );
    // grep -c 'data-message-id=' → 10 blocks; grep -c chatlog__system-notification-author → 3.
    let msgs = messages(&records);
    let evs = events(&records);
    assert_eq!((msgs.len(), evs.len()), (7, 3));
    // grep -o 'data-user-id="[0-9]*"' | sort -u → 4 people; every message has an author id.
    let senders: BTreeSet<_> = msgs.iter().map(|m| m.sender.platform_id.clone().unwrap()).collect();
    assert_eq!(senders.len(), 4);
    // The first message: 2023-01-06T15:04:05Z from its snowflake (the page shows 16:04 at UTC+1).
    let first = msgs[0];
    assert_eq!(first.id.as_deref(), Some("1060936802631684096"));
    assert_eq!(first.time.to_datetime().to_rfc3339(), "2023-01-06T15:04:05+00:00");
    assert!(!first.time.zone_inferred);
    assert_eq!(first.text, "Who is in for Saturday? Bring <boots> & water");
    assert_eq!(
        (first.sender.name.as_str(), first.sender.platform_id.as_deref()),
        ("Alice", Some("200000000000000001"))
    );
    // The follow-up keeps Alice and carries the image as a note.
    assert_eq!(msgs[1].sender.name, "Alice");
    assert_eq!((msgs[1].text.as_str(), msgs[1].kind), ("The map:\n[attachment: route.png]", MessageKind::Image));
    // Bob's reply: grep -c scrollToMessage → 1, to the first message; his legacy tag is kept.
    let reply = msgs[2];
    assert_eq!(reply.reply_to.as_deref(), Some("1060936802631684096"));
    assert_eq!(reply.sender.name, "Bob#1234");
    assert_eq!(reply.text, "@Alice me! 👍");
    assert_eq!(reply.mentions, vec![Mention::Member(shequn_model::Person::named("Alice"))]);
    assert_eq!(msgs.iter().filter(|m| m.reply_to.is_some()).count(), 1);
    // The bot's embed-only message.
    assert!(msgs[3].sender.is_bot && msgs[3].text == "[embed: Saturday forecast]", "{:?}", msgs[3]);
    assert_eq!(msgs.iter().filter(|m| m.sender.is_bot).count(), 1);
    // Carol's file (kind from its name), the edited mark not in the text.
    assert_eq!(
        (msgs[4].text.as_str(), msgs[4].kind),
        ("Packing list attached\n[attachment: packing.pdf]", MessageKind::File)
    );
    assert_eq!(msgs[5].text, "Line one\nline two");
    assert_eq!(
        (msgs[6].text.as_str(), msgs[6].kind, msgs[6].sender.name.as_str()),
        ("[sticker: Happy Hiker]", MessageKind::Sticker, "Bob#1234")
    );
    // Events: Bob joins, Alice pins Carol's message, Carol starts a thread.
    assert_eq!(evs[0].kind, EventKind::Join);
    assert_eq!(evs[0].subjects[0].platform_id.as_deref(), Some("200000000000000002"));
    assert_eq!((evs[1].kind, evs[1].target.as_deref()), (EventKind::Pin, Some("1060953391104004096")));
    assert_eq!((evs[2].kind, evs[2].detail.as_deref()), (EventKind::Other, Some("started a thread.")));
}

#[test]
fn discord_html_message_links_are_not_replies() {
    // DCE renders a link to another message of the channel with the same scrollToMessage
    // call as a reply; only the reply block above the header is a reply.
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "G - T - c [1].html",
        concat!(
            "<!DOCTYPE html>\n<html>\n<div class=\"preamble__entry\">G</div>\n<div class=\"chatlog\">\n",
            "<div id=\"chatlog__message-container-1060936802631684096\" class=\"chatlog__message-container \" data-message-id=\"1060936802631684096\">\n",
            "<div class=\"chatlog__header\"><span class=\"chatlog__author\" title=\"a\" data-user-id=\"7\">A</span></div>\n",
            "<div class=\"chatlog__content chatlog__markdown\"><span class=\"chatlog__markdown-preserve\"><!--wmm:ignore-->see <a href=\"#\" onclick=\"scrollToMessage(event, '1060937075261444096')\">this</a><!--/wmm:ignore--></span></div>\n",
            "</div>\n",
        ),
    );
    let records = parse(&p, "discord-html");
    let msgs = messages(&records);
    assert_eq!((msgs.len(), msgs[0].text.as_str(), msgs[0].reply_to.as_deref()), (1, "see this", None));
}

#[test]
fn discord_html_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let head = "<!DOCTYPE html>\n<html>\n<div class=\"preamble__entry\">G</div>\n<div class=\"chatlog\">\n";
    let p = write(
        dir.path(),
        "a.html",
        &format!("{head}<div id=\"chatlog__message-container-x\" class=\"chatlog__message-container\" data-message-id=\"x1\">\n</div>\n"),
    );
    assert_eq!(sniffed(&p), Some("discord-html"));
    let e = error("discord-html", &p);
    assert_eq!((e.path.as_path(), e.location.as_deref()), (p.as_path(), Some("line 5")));
    assert!(e.message.contains("x1") && e.message.contains("消息"), "{e}");
    // A follow-up message with no author before it.
    let p = write(
        dir.path(),
        "b.html",
        &format!("{head}\n<div id=\"chatlog__message-container-1\" class=\"chatlog__message-container\" data-message-id=\"1060936802631684096\">\n<div class=\"chatlog__content\">hi</div>\n"),
    );
    let e = error("discord-html", &p);
    assert!(e.location.as_deref() == Some("line 6") && e.message.contains("author"), "{e}");
    // The layout before chatlog__message-container.
    let p = write(
        dir.path(),
        "c.html",
        &format!("{head}<div class=\"chatlog__message\" data-message-id=\"1060936802631684096\" id=\"message-1\">\n"),
    );
    let e = error("discord-html", &p);
    assert!(e.message.contains("older") && e.hint.as_deref().unwrap_or("").contains("JSON"), "{e}");
}

fn gchat(folder: &str) -> PathBuf {
    data(&format!("google-chat/Groups/{folder}/messages.json"))
}

#[test]
fn google_chat_space_and_dm() {
    let records = parse(&gchat("Space AAAAxYz0Trail"), "google-chat");
    let g = groups(&records);
    assert_eq!(g.len(), 1);
    assert_eq!(
        (g[0].platform, g[0].platform_id.as_str(), g[0].name.as_str(), g[0].kind, g[0].member_count),
        (Platform::GoogleChat, "Space AAAAxYz0Trail", "Trail Crew", GroupKind::Group, Some(4))
    );
    // group_info.json: 4 members (python: len(json.load(f)["members"])), one a bot without e-mail.
    let roster: Vec<_> =
        records.iter().filter_map(|r| if let Record::Roster { entry, .. } = r { Some(entry) } else { None }).collect();
    assert_eq!(roster.len(), 4);
    assert_eq!(roster.iter().filter(|e| e.person.is_bot).count(), 1);
    // messages.json: 5 messages (python: len(json.load(f)["messages"])), 4 distinct creators.
    let msgs = messages(&records);
    assert_eq!(msgs.len(), 5);
    let senders: BTreeSet<_> = msgs.iter().map(|m| m.sender.key()).collect();
    assert_eq!(senders.len(), 4);
    assert_eq!(msgs[0].sender.platform_id.as_deref(), Some("ann.lee@example.com"));
    assert_eq!(msgs[0].time.to_datetime().to_rfc3339(), "2022-11-03T11:59:50+00:00");
    assert!(!msgs[0].time.zone_inferred);
    // Bo's message shares Ann's topic LqFDi4ScZAQ: it replies to the topic's first message.
    assert_eq!(msgs[1].reply_to.as_deref(), Some("AAAAxYz0Trail/LqFDi4ScZAQ/LqFDi4ScZAQ"));
    assert_eq!(msgs.iter().filter(|m| m.reply_to.is_some()).count(), 1);
    assert_eq!(msgs[1].time.to_datetime().to_rfc3339(), "2022-11-03T12:05:02+00:00");
    assert_eq!((msgs[2].text.as_str(), msgs[2].kind), ("[attachment: map.png]", MessageKind::Image));
    assert_eq!(msgs[3].kind, MessageKind::Link);
    assert!(msgs[4].sender.is_bot && msgs[4].sender.platform_id.is_none());

    let records = parse(&gchat("DM k6oxHQAAAAE"), "google-chat");
    let g = groups(&records);
    assert_eq!((g[0].name.as_str(), g[0].kind), ("Ann Lee, Bo Chen", GroupKind::Direct));
    let msgs = messages(&records);
    assert_eq!(msgs.len(), 2);
    // The narrow no-break space before PM (U+202F) reads as a space.
    assert_eq!(msgs[0].time.to_datetime().to_rfc3339(), "2023-01-09T15:04:05+00:00");
    // group_info.json is not a chat of its own.
    assert_eq!(sniffed(&data("google-chat/Groups/DM k6oxHQAAAAE/group_info.json")), None);
}

#[test]
fn google_chat_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "messages.json",
        "{\n  \"messages\": [\n    {\n      \"creator\": {\"name\": \"A\"},\n      \"created_date\": \"2023-01-09 15:04\",\n      \"topic_id\": \"t\"\n    }\n  ]\n}\n",
    );
    assert_eq!(sniffed(&p), Some("google-chat"));
    let e = error("google-chat", &p);
    assert_eq!(e.path, p);
    // The stream's position just after the message (its `}` is line 7, the reader looks one token on).
    assert!(e.location.as_deref().is_some_and(|l| l.starts_with("line 8")), "{e}");
    assert!(e.message.contains("2023-01-09 15:04") && e.message.contains("expected created_date"), "{e}");
    let p = write(dir.path(), "messages.json", "{\n  \"messages\": [\n    {\"created_date\": 5}\n");
    let e = error("google-chat", &p);
    assert!(e.location.as_deref().is_some_and(|l| l.starts_with("line 3")), "{e}");
}

const WEX: &str = "wechatexporter/12345678901@chatroom.txt";

#[test]
fn wechatexporter_txt_group() {
    let records = parse(&data(WEX), "wechatexporter-txt");
    let g = groups(&records);
    assert_eq!(
        (g[0].platform, g[0].platform_id.as_str(), g[0].name.as_str(), g[0].kind),
        (Platform::Wechat, "12345678901@chatroom", "周末徒步群", GroupKind::Group)
    );
    // grep -cP '^.+ \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\):' → 6 messages; grep -c '^系统消息：' → 2.
    let msgs = messages(&records);
    let evs = events(&records);
    assert_eq!((msgs.len(), evs.len()), (6, 2));
    let senders: BTreeSet<_> = msgs.iter().map(|m| m.sender.name.clone()).collect();
    assert_eq!(senders.len(), 4);
    // Times as written, read in UTC+8 and flagged.
    assert_eq!(msgs[0].time.to_datetime().to_rfc3339(), "2023-05-06T09:00:00+08:00");
    assert!(msgs[0].time.zone_inferred);
    // A message's further lines belong to it.
    assert_eq!(msgs[1].text, "我来\n带两瓶水\n够吗");
    assert_eq!(msgs[2].kind, MessageKind::Image);
    assert!(msgs[3].text.ends_with("算我一个") && msgs[3].text.starts_with("「小红："));
    assert_eq!(msgs[4].kind, MessageKind::Sticker);
    assert_eq!(msgs[5].kind, MessageKind::Transfer);
    // The invitation names the inviter and both invitees; it takes the time before it.
    assert_eq!((evs[0].kind, evs[0].subjects.len()), (EventKind::Join, 2));
    assert_eq!(evs[0].actor.as_ref().map(|p| p.name.as_str()), Some("小红"));
    assert_eq!(evs[0].time, msgs[1].time);
    assert_eq!(evs[1].kind, EventKind::Recall);
}

#[test]
fn wechatexporter_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(
        dir.path(),
        "x.txt",
        "群 - 微信聊天记录\n\n系统消息：\"a\"撤回了一条消息\n小明 (2023-05-06 09:00:00):hi\n",
    );
    assert_eq!(sniffed(&p), Some("wechatexporter-txt"));
    let e = error("wechatexporter-txt", &p);
    assert!(e.location.as_deref() == Some("line 3") && e.message.contains("系统消息"), "{e}");
    let p = write(dir.path(), "y.txt", "群 - 微信聊天记录\n\nstray line\n小明 (2023-05-06 09:00:00):hi\n");
    let e = error("wechatexporter-txt", &p);
    assert!(e.location.as_deref() == Some("line 3") && e.message.contains("stray line"), "{e}");
    let p = write(dir.path(), "z.txt", "小明 (2023-05-06 09:00:00):hi\n");
    let e = error("wechatexporter-txt", &p);
    assert!(e.location.as_deref() == Some("line 1") && e.hint.is_some(), "{e}");
}

const MINE: &[&str] = &["discord-html", "google-chat", "wechatexporter-txt", "quassel"];

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

/// Every format that gives the file a score above 0.
fn claimants(path: &Path) -> Vec<&'static str> {
    let (entries, head) = Input::probe_data(path).unwrap();
    let probe = Probe { path, dir_entries: &entries, head: &head };
    shequn_ingest::formats::all()
        .iter()
        .filter(|f| f.reads_directories() == probe.is_dir() && f.sniff(&probe) > 0)
        .map(|f| f.name())
        .collect()
}

#[test]
fn each_sample_is_claimed_by_its_own_format_only() {
    let mut fixtures = Vec::new();
    files_under(&data(""), &mut fixtures);
    let mut seen = 0;
    for p in &fixtures {
        let name = p.file_name().unwrap().to_string_lossy();
        let want: &[&str] = match () {
            _ if name.ends_with(".html") => &["discord-html"],
            _ if name == "messages.json" => &["google-chat"],
            _ if name == "group_info.json" => &[],
            _ => &["wechatexporter-txt"],
        };
        assert_eq!(claimants(p), want, "{}", p.display());
        seen += 1;
    }
    assert_eq!(seen, 6);
    // The samples of every other format in the corpus stay theirs.
    let Some(corpus) = shequn_corpus::dir() else {
        eprintln!("skipped: the corpus is absent");
        return;
    };
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
    for p in &others {
        if p.extension().is_some_and(|e| e == "md" || e == "ts" || e == "py") {
            continue;
        }
        if let Some(name) = sniffed(p) {
            assert!(!MINE.contains(&name), "{} claimed by {name}", p.display());
        }
        checked += 1;
    }
    eprintln!("{checked} samples of other formats checked");
    assert!(checked > 50 || !corpus.join("export-fixtures").is_dir(), "{checked}");
}

/// A Quassel core database with the current schema (or the pre-0.13 one: seconds, no
/// `senderprefixes`/`realname`/`avatarurl`), filled with the rows given.
fn quassel_db(dir: &Path, modern: bool) -> PathBuf {
    let p = dir.join("quassel-storage.sqlite");
    let db = rusqlite::Connection::open(&p).unwrap();
    let (sender, backlog) = if modern {
        (
            "CREATE TABLE sender (senderid INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, sender TEXT NOT NULL, realname TEXT, avatarurl TEXT)",
            "CREATE TABLE backlog (messageid INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, bufferid INTEGER NOT NULL, type INTEGER NOT NULL, flags INTEGER NOT NULL, senderid INTEGER NOT NULL, senderprefixes TEXT, message TEXT)",
        )
    } else {
        (
            "CREATE TABLE sender (senderid INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, sender TEXT UNIQUE NOT NULL)",
            "CREATE TABLE backlog (messageid INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL, bufferid INTEGER NOT NULL, type INTEGER NOT NULL, flags INTEGER NOT NULL, senderid INTEGER NOT NULL, message TEXT)",
        )
    };
    db.execute_batch(&format!(
        "CREATE TABLE quasseluser (userid INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, username TEXT UNIQUE NOT NULL, password TEXT NOT NULL);
         {sender};
         CREATE TABLE network (networkid INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, userid INTEGER NOT NULL, networkname TEXT NOT NULL);
         CREATE TABLE buffer (bufferid INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, userid INTEGER NOT NULL, groupid INTEGER, networkid INTEGER NOT NULL, buffername TEXT NOT NULL, buffercname TEXT NOT NULL, buffertype INTEGER NOT NULL DEFAULT 0, lastseenmsgid INTEGER NOT NULL DEFAULT 0, markerlinemsgid INTEGER NOT NULL DEFAULT 0, key TEXT, joined INTEGER NOT NULL DEFAULT 0);
         {backlog};
         INSERT INTO quasseluser VALUES (1, 'me', 'x');
         INSERT INTO network VALUES (1, 1, 'Libera');
         INSERT INTO buffer (bufferid, userid, networkid, buffername, buffercname, buffertype) VALUES
           (1, 1, 1, 'Libera', 'libera', 1), (2, 1, 1, '#Hikers', '#hikers', 2), (3, 1, 1, 'bo', 'bo', 4);
         INSERT INTO sender (senderid, sender) VALUES (1, 'ann!~ann@a.example'), (2, 'bo!~bo@b.example'), (3, 'irc.libera.chat'), (4, 'op!~op@c.example');"
    ))
    .unwrap();
    let t = |s: i64| if modern { s * 1000 + 250 } else { s };
    // (time, buffer, type, sender, message): Quassel's Message::Type values.
    let rows: &[(i64, i64, i64, i64, &str)] = &[
        (1_600_000_000, 1, 0x00400, 3, "Welcome to Libera"),
        (1_600_000_010, 2, 0x00020, 1, "#Hikers"),
        (1_600_000_020, 2, 0x00001, 1, "morning all"),
        (1_600_000_030, 2, 0x00020, 2, "#Hikers"),
        (1_600_000_040, 2, 0x00004, 2, "waves"),
        (1_600_000_050, 2, 0x00002, 4, "notice to channel"),
        (1_600_000_060, 2, 0x00008, 2, "bo_"),
        (1_600_000_070, 2, 0x04000, 0, "op has changed topic for #Hikers to: \"Sat: Teufelsberg\""),
        (1_600_000_080, 2, 0x00100, 4, "bo_ flooding"),
        (1_600_000_090, 2, 0x00040, 1, "bye"),
        (1_600_000_095, 2, 0x00010, 4, "+o ann"),
        (1_600_000_100, 3, 0x00001, 2, "private hello"),
    ];
    for (time, buffer, kind, sender, text) in rows {
        db.execute(
            "INSERT INTO backlog (time, bufferid, type, flags, senderid, message) VALUES (?1, ?2, ?3, 0, ?4, ?5)",
            rusqlite::params![t(*time), buffer, kind, sender, text],
        )
        .unwrap();
    }
    p
}

#[test]
fn quassel_core_database() {
    for modern in [true, false] {
        let dir = tempfile::tempdir().unwrap();
        let p = quassel_db(dir.path(), modern);
        assert_eq!(claimants(&p), vec!["quassel"]);
        let records = parse(&p, "quassel");
        // The status buffer is passed over: the channel and the query are groups.
        let g = groups(&records);
        assert_eq!(g.len(), 2);
        assert_eq!((g[0].platform, g[0].platform_id.as_str(), g[0].kind), (Platform::Irc, "#hikers", GroupKind::Group));
        assert_eq!((g[1].platform_id.as_str(), g[1].kind), ("bo", GroupKind::Direct));
        // Rows inserted above: #Hikers has 3 messages (plain, action, notice), 6 events
        // (2 joins, nick, topic, kick, part) and a mode line that is passed over; the query 1 message.
        let msgs = messages(&records);
        let evs = events(&records);
        let in_channel = |r: &&Record| matches!(r, Record::Message { group: 0, .. } | Record::Event { group: 0, .. });
        assert_eq!(records.iter().filter(in_channel).count(), 9);
        assert_eq!((msgs.len(), evs.len()), (4, 6));
        assert_eq!((msgs[0].sender.name.as_str(), msgs[0].text.as_str()), ("ann", "morning all"));
        let want = if modern { 1_600_000_020_250 } else { 1_600_000_020_000 };
        assert_eq!(msgs[0].time.to_datetime().timestamp_millis(), want);
        assert!(!msgs[0].time.zone_inferred);
        let kinds: Vec<EventKind> = evs.iter().map(|e| e.kind).collect();
        assert_eq!(
            kinds,
            vec![
                EventKind::Join,
                EventKind::Join,
                EventKind::NickChange,
                EventKind::Topic,
                EventKind::Kick,
                EventKind::Leave
            ]
        );
        assert_eq!(evs[3].detail.as_deref(), Some("Sat: Teufelsberg"));
        assert_eq!(evs[3].actor.as_ref().map(|p| p.name.as_str()), Some("op"));
        assert_eq!((evs[4].subjects[0].name.as_str(), evs[4].detail.as_deref()), ("bo_", Some("flooding")));
    }
}

#[test]
fn quassel_errors_name_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("quassel-storage.sqlite");
    let db = rusqlite::Connection::open(&p).unwrap();
    db.execute_batch("CREATE TABLE quasseluser (userid INTEGER); CREATE TABLE buffer (buffercname TEXT); CREATE TABLE backlog (x INTEGER);").unwrap();
    drop(db);
    let e = error("quassel", &p);
    assert_eq!(e.path, p);
    assert!(e.message.contains("Quassel") && e.hint.is_some(), "{e}");
}
