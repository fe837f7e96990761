//! The chat-analytics, whatstk and chatistics fixtures in `../shared/corpus`,
//! parsed through content sniffing, against what each fixture's own expected
//! parse (`*.ts`) asserts or against counts established by grep (written beside
//! each count). Times are read with the zone forced to UTC so the zone-less
//! fixtures' `Date.parse("…")` local times compare as UTC.

use std::path::Path;

use chrono::FixedOffset;
use shequn_ingest::{detect, Input, ParseOptions, Probe};
use shequn_model::{rfc3339_utc, EventKind, GroupInfo, GroupKind, Message, MessageKind, Platform, Record, SystemEvent};

fn utc() -> ParseOptions {
    ParseOptions { zone: FixedOffset::east_opt(0) }
}

/// Sniffs the file's format by content and parses it.
fn parse(path: &Path) -> (&'static str, Vec<Record>) {
    let (entries, head) = Input::probe_data(path).unwrap();
    let format = detect(&Probe { path, dir_entries: &entries, head: &head })
        .unwrap_or_else(|| panic!("no format claims {}", path.display()));
    let mut out = Vec::new();
    format.parse(&Input::new(path), &utc(), &mut out).unwrap_or_else(|e| panic!("{e}"));
    (format.name(), out)
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

fn ms(rfc3339: &str) -> i64 {
    chrono::DateTime::parse_from_rfc3339(rfc3339).unwrap().timestamp_millis()
}

const SAMPLES: &str = "chat-analytics-fixtures/tests/samples";

#[test]
fn telegram_dm_matches_expected_parse() {
    let p = shequn_corpus::require!(&format!("{SAMPLES}/telegram/DM_2A_7M.json"));
    let (format, recs) = parse(&p);
    assert_eq!(format, "telegram");
    let g = groups(&recs);
    assert_eq!(g.len(), 1);
    assert_eq!((g[0].platform_id.as_str(), g[0].kind), ("700000000", GroupKind::Direct));
    let msgs = messages(&recs);
    let (calls, texts): (Vec<&&Message>, Vec<&&Message>) = msgs.iter().partition(|m| m.kind == MessageKind::Call);
    // DM_2A_7M.json.ts: six messages and one call.
    let got: Vec<(&str, &str, i64)> = texts
        .iter()
        .map(|m| (m.id.as_deref().unwrap(), m.sender.platform_id.as_deref().unwrap(), m.time.unix_ms))
        .collect();
    assert_eq!(
        got,
        vec![
            ("3644", "user700000000", ms("2019-07-12T16:55:32Z")),
            ("3645", "user300000000", ms("2022-03-08T13:07:42Z")),
            ("3662", "user700000000", 1652135033 * 1000),
            ("3663", "user300000000", 1652138769 * 1000),
            ("3672", "user300000000", 1654898798 * 1000),
            ("3673", "user300000000", 1654898799 * 1000),
        ]
    );
    // chat-analytics pads links with spaces (" https://google.com  👀"); the text itself is the same.
    assert_eq!(texts[0].text, "https://google.com 👀");
    assert_eq!(texts[1].text, "hello world");
    assert_eq!(texts[2].text, "world?");
    assert_eq!(texts[3].text, "blah blah");
    assert_eq!((texts[4].kind, texts[5].kind), (MessageKind::Image, MessageKind::Image));
    // Zone-less `date` is inferred; `date_unixtime` is absolute.
    assert!(texts[0].time.zone_inferred && !texts[2].time.zone_inferred);
    assert_eq!(texts[1].sender.name, "Alice");
    assert_eq!(texts[0].sender.name, "Bob");
    assert!(msgs.iter().all(|m| !m.sender.is_bot));
    assert_eq!(calls.len(), 1);
    assert_eq!((calls[0].id.as_deref(), calls[0].time.unix_ms), (Some("3674"), 1691719862 * 1000));
    assert_eq!(calls[0].sender.platform_id.as_deref(), Some("user300000000"));
    // The `joined_telegram` service message is kept as an event, not a message.
    let ev = events(&recs);
    assert_eq!(ev.len(), 1);
    assert_eq!((ev[0].kind, ev[0].detail.as_deref()), (EventKind::Other, Some("joined_telegram")));
}

#[test]
fn telegram_big_sample_has_every_message() {
    let p = shequn_corpus::require!(&format!("{SAMPLES}/telegram/BIG_20A_5475M.json"));
    let (_, recs) = parse(&p);
    let g = groups(&recs);
    assert_eq!(
        (g[0].name.as_str(), g[0].platform_id.as_str(), g[0].kind),
        ("Big sample", "1111111111", GroupKind::Group)
    );
    let msgs = messages(&recs);
    // 5475 = gen.js's N_YEARS * 365 * 5 = `grep -c '"type": "message"'` on the file.
    assert_eq!(msgs.len(), 5475);
    let ids: Vec<String> = msgs.iter().map(|m| m.id.clone().unwrap()).collect();
    assert_eq!(ids, (1..=5475).map(|i| i.to_string()).collect::<Vec<_>>());
    let authors: std::collections::HashSet<_> = msgs.iter().map(|m| m.sender.platform_id.clone().unwrap()).collect();
    assert_eq!(authors.len(), 20);
    assert_eq!(msgs[0].sender.name, "Marjory.Cartwright");
    assert_eq!(msgs[0].sender.platform_id.as_deref(), Some("19"));
    assert_eq!(msgs[0].text, "Incidunt consequuntur alias.");
    assert_eq!(rfc3339_utc(msgs[0].time.unix_ms), "2017-01-01T06:20:09Z");
    assert!(!msgs[0].time.zone_inferred);
}

#[test]
fn discord_dm_matches_expected_parse() {
    let p = shequn_corpus::require!(&format!("{SAMPLES}/discord/DM_2A_2M.json"));
    let (format, recs) = parse(&p);
    assert_eq!(format, "discord");
    let g = groups(&recs);
    assert_eq!((g[0].platform_id.as_str(), g[0].kind), ("530805775262679064", GroupKind::Direct));
    let msgs = messages(&recs);
    assert_eq!(msgs.len(), 3);
    assert_eq!(msgs[0].id.as_deref(), Some("530805779645595660"));
    assert_eq!(msgs[0].sender.name, "mlomb#5506");
    assert_eq!(msgs[0].text, "blah");
    assert_eq!(msgs[0].time.unix_ms, ms("2019-01-04T17:52:39.762+00:00"));
    assert_eq!(msgs[1].id.as_deref(), Some("538148765782114306"));
    assert_eq!(msgs[1].sender.platform_id.as_deref(), Some("444444444444444444"));
    assert_eq!(msgs[1].sender.name, "Someones nickname#1234");
    assert!(msgs[1].sender.is_bot);
    assert_eq!(msgs[1].text, "something something text");
    assert_eq!((msgs[2].id.as_deref(), msgs[2].kind), (Some("100"), MessageKind::Call));
    assert_eq!(msgs[2].time.unix_ms, ms("2020-07-17T17:03:14.366+00:00"));
}

#[test]
fn discord_group_chat_matches_expected_parse() {
    let p = shequn_corpus::require!(&format!("{SAMPLES}/discord/GC_3A_5M.json"));
    let (_, recs) = parse(&p);
    let g = groups(&recs);
    assert_eq!(
        (g[0].platform_id.as_str(), g[0].name.as_str(), g[0].kind),
        ("1064990764406419508", "a group chat", GroupKind::Group)
    );
    let msgs = messages(&recs);
    let ids: Vec<_> = msgs.iter().map(|m| m.id.as_deref().unwrap()).collect();
    assert_eq!(ids, vec!["1064990824305274930", "1064991070322180096", "530805779645595660", "100"]);
    assert_eq!(msgs[0].sender.name, "theplant#6597");
    assert_eq!(msgs[0].text, "Should honor nickname over name");
    assert_eq!(msgs[1].text, "hey @mlomb whats up, check out https://chatanalytics.app");
    assert_eq!(msgs[1].sender.platform_id.as_deref(), Some("222222222222222222"));
    assert_eq!(msgs[2].reply_to.as_deref(), Some("1064990824305274930"));
    assert_eq!(msgs[2].time.unix_ms, ms("2023-01-18T20:12:12.123+00:00"));
    assert_eq!(msgs[3].kind, MessageKind::Call);
    let kinds: Vec<_> = events(&recs).iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec![EventKind::Rename, EventKind::Other]);
}

#[test]
fn discord_server_channel_matches_expected_parse() {
    let p = shequn_corpus::require!(&format!("{SAMPLES}/discord/SV_5A_5M.json"));
    let (_, recs) = parse(&p);
    let g = groups(&recs);
    assert_eq!(
        (g[0].platform_id.as_str(), g[0].name.as_str(), g[0].kind),
        ("253601524398293010", "DefleMask / general-chiptune", GroupKind::Channel)
    );
    let msgs = messages(&recs);
    // The file holds message 459136077417021488 twice; the archive keeps it once.
    let mut ids: Vec<_> = msgs.iter().map(|m| m.id.as_deref().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids, vec!["459136077417021488", "447793085255123004", "447793085255123005", "447793085255123006"]);
    assert_eq!(msgs[0].sender.platform_id.as_deref(), Some("555555555555555555"));
    assert_eq!(msgs[0].edited.map(|e| e.unix_ms), Some(ms("2018-05-20T16:09:56.439+00:00")));
    assert_eq!(msgs[0].time.unix_ms, ms("2018-05-20T16:09:44.209+00:00"));
    let with_media = msgs.iter().find(|m| m.id.as_deref() == Some("447793085255123005")).unwrap();
    assert_eq!(with_media.kind, MessageKind::Image);
    assert_eq!(with_media.text, "This message has attachments and stickers.");
    assert_eq!(msgs[2].sender.name, "mlomb#5506");
}

fn whatsapp_4a(p: &Path) -> Vec<Record> {
    let (format, recs) = parse(p);
    assert_eq!(format, "whatsapp");
    let g = groups(&recs);
    assert_eq!((g[0].name.as_str(), g[0].kind), ("Some cool group chat", GroupKind::Group));
    let msgs = messages(&recs);
    // 11 = the "4A_11M" in the name = `grep -c ' - [A-Za-z]*: '` on the .txt.
    assert_eq!(msgs.len(), 11);
    let authors: std::collections::BTreeSet<_> = msgs.iter().map(|m| m.sender.name.as_str()).collect();
    assert_eq!(authors.into_iter().collect::<Vec<_>>(), vec!["Alice", "Bob", "Eve", "Mallory", "Trent"]);
    let boiii = msgs.iter().find(|m| m.text == "boiii").unwrap();
    assert_eq!(boiii.sender.name, "Alice");
    assert_eq!(rfc3339_utc(boiii.time.unix_ms), "2020-09-12T23:55:00Z");
    assert!(msgs.iter().any(|m| m.sender.name == "Trent" && m.text == "👩🏻‍⚖️"));
    let kinds: Vec<_> = events(&recs).iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec![EventKind::Other, EventKind::Create, EventKind::Join]);
    recs
}

#[test]
fn whatsapp_txt_and_zip_match_expected_parse() {
    let txt = shequn_corpus::require!(&format!("{SAMPLES}/whatsapp/4A_11M.txt"));
    let zip = shequn_corpus::require!(&format!("{SAMPLES}/whatsapp/4A_11M.zip"));
    let from_txt = whatsapp_4a(&txt);
    let from_zip = whatsapp_4a(&zip);
    assert_eq!(from_txt, from_zip);
}

#[test]
fn whatsapp_dm_matches_expected_parse() {
    let p = shequn_corpus::require!(&format!("{SAMPLES}/whatsapp/2A_5M.txt"));
    let (_, recs) = parse(&p);
    assert_eq!(groups(&recs)[0].kind, GroupKind::Direct);
    let got: Vec<(String, String, String)> =
        messages(&recs).iter().map(|m| (m.sender.name.clone(), m.text.clone(), rfc3339_utc(m.time.unix_ms))).collect();
    let want = [
        ("A", "Hi", "2021-01-01T12:00:00Z"),
        ("B", "Whats up?", "2021-01-01T12:01:00Z"),
        ("A", "All good", "2021-01-01T12:02:00Z"),
        ("B", "<media omitted>", "2021-01-01T12:03:00Z"),
        ("A", "This message should be reordered", "2021-01-01T12:02:00Z"),
    ];
    let want: Vec<_> = want.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
    assert_eq!(got, want);
    assert_eq!(messages(&recs)[3].kind, MessageKind::Other);
}

/// Message counts established by grep on each file (commands beside each).
#[test]
fn whatsapp_locale_fixtures_have_their_message_counts() {
    let cases: &[(&str, usize)] = &[
        // grep -cP '^\[\d' : every line is one message header, none is a system line.
        ("whatstk-fixtures/chats/whatsapp/lorem-2000.txt", 2000),
        ("whatstk-fixtures/chats/whatsapp/lorem.txt", 500),
        // grep -cP '^\d' (dash style, `YYYY-MM-DD, HH:MM - `).
        ("whatstk-fixtures/chats/whatsapp/lorem-merge-part1.txt", 300),
        ("whatstk-fixtures/chats/whatsapp/lorem-merge-part2.txt", 300),
        // 20 header lines minus 2 encryption notices (grep -cP 'end-to-end|now secured').
        ("whatstk-fixtures/chats/whatsapp/pokemon.txt", 18),
        // grep -cP '^\x{200E}?\[\d{1,2}\.\d{1,2}\.\d{2}, \d\d:\d\d:\d\d\] [^:]+: ' (two-digit years;
        // the 4-digit-year and dash-style lines are continuations, as chatistics' test says).
        ("chatistics-fixtures/tests/test_data/whatsapp/_chat.txt", 20),
        // grep -cP '^\[\d{1,2}\.\d{1,2}\.\d{4}, \d\d:\d\d:\d\d\] [^:]+: ' (the 2-digit-year line continues).
        ("chatistics-fixtures/tests/test_data/whatsapp/_chat 2.txt", 4),
        // grep -cP '^\d{1,2}/\d{1,2}/\d{2}, \d{1,2}:\d\d - .+?: ' gives 8, plus `John Doe:` with an empty
        // first line (line 10); the two "now secured" lines are system notices.
        ("chatistics-fixtures/tests/test_data/whatsapp/_chat 3.txt", 9),
        // grep -cP '^\d\d/\d\d/\d\d, \d{1,2}:\d\d:\d\d [AaPp][Mm] – .+?: ' (US order, 12-hour).
        ("chatistics-fixtures/tests/test_data/whatsapp/_chat 4.txt", 3),
    ];
    for (rel, want) in cases {
        let p = shequn_corpus::require!(rel);
        let (format, recs) = parse(&p);
        assert_eq!(format, "whatsapp", "{rel}");
        assert_eq!(messages(&recs).len(), *want, "{rel}");
        assert_eq!(groups(&recs)[0].platform, Platform::Whatsapp);
    }
}

#[test]
fn whatsapp_us_dates_are_month_first() {
    let p = shequn_corpus::require!("chatistics-fixtures/tests/test_data/whatsapp/_chat 4.txt");
    let (_, recs) = parse(&p);
    let times: Vec<_> = messages(&recs).iter().map(|m| rfc3339_utc(m.time.unix_ms)).collect();
    assert_eq!(times, vec!["2019-09-17T08:30:52Z", "2019-09-17T16:30:10Z", "2019-09-18T16:50:32Z"]);
}

#[test]
fn whatsapp_multiline_body_is_kept_whole() {
    let p = shequn_corpus::require!("chatistics-fixtures/tests/test_data/whatsapp/_chat 2.txt");
    let (_, recs) = parse(&p);
    let first = messages(&recs)[0];
    assert_eq!(
        first.text,
        "This is a message from Peter Doe\n[1.9.19, 00:00:00] Peter Doe: this is the second line of the first message"
    );
}
