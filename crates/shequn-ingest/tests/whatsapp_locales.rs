//! WhatsApp exports of one staged chat with the phone in 15 languages
//! (`../shared/corpus/whatsapp-locales`, see its SOURCE.md), iOS and Android, and
//! the `.zip`. Counts are read off each file in this test (header lines, lines
//! WhatsApp wrote itself), independently of the parser. Times are read as UTC.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::FixedOffset;
use shequn_ingest::{detect, formats, Input, ParseOptions, Probe};
use shequn_model::{rfc3339_utc, EventKind, GroupKind, Message, MessageKind, Record, SystemEvent};

const DIR: &str = "whatsapp-locales";

fn utc() -> ParseOptions {
    ParseOptions { zone: FixedOffset::east_opt(0) }
}

fn is_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Every export in the folder: the `.txt` files of `ios/`, `android/`, `languages/` and the zip.
fn exports(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in ["ios", "android", "languages"] {
        for e in std::fs::read_dir(root.join(sub)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "txt" || x == "zip") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The chat text of an export (the zip's `_chat.txt`).
fn chat_text(p: &Path) -> String {
    let bytes = std::fs::read(p).unwrap();
    if !bytes.starts_with(b"PK") {
        return String::from_utf8(bytes).unwrap();
    }
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    zip.by_name("_chat.txt").unwrap().read_to_string(&mut s).unwrap();
    s
}

/// One dated line as this test reads it: (iOS?, the text after the date).
fn dated(line: &str) -> Option<(bool, &str)> {
    let l = line.trim_start_matches(is_mark);
    if let Some(rest) = l.strip_prefix('[') {
        // `[3/27/22, 21:41:35] …`, `[14:56:01, 3/18/22] …`, `[١٨‏/٣‏/٢٠٢٢، ٢:٥٦:٠٠ م] …`
        let first = rest.trim_start_matches(is_mark).chars().next()?;
        let close = rest.find("] ")?;
        return first.is_numeric().then(|| (true, &rest[close + 2..]));
    }
    // `18/03/2022, 14:56 - …`, `18.03.22 13:31 - …`, `23-03-2022 13:31 - …`
    let first = l.chars().next()?;
    let dash = l.find(" - ")?;
    (first.is_numeric() && dash < 24).then(|| (false, &l[dash + 3..]))
}

/// "This message was deleted" / "You deleted this message" as the files write them
/// (read off the files: the lines at 21:50:54 and 21:54:45 of each iOS export).
const DELETED: &[&str] = &[
    "This message was deleted",
    "You deleted this message",
    "Tato zpráva byla smazána",
    "Tuto zprávu jste smazal/a",
    "تم حذف هذه الرسالة",
    "لقد حذَفت هذه الرسالة",
    "Ce message a été supprimé",
    "Vous avez supprimé ce message",
    "Diese Nachricht wurde gelöscht",
    "Du hast diese Nachricht gelöscht",
    "Questo messaggio è stato eliminato",
    "Hai eliminato questo messaggio",
    "Esta mensagem foi apagada",
    "Apagou esta mensagem",
    "Данное сообщение удалено",
    "Вы удалили данное сообщение",
    "Se eliminó este mensaje",
    "Eliminaste este mensaje",
    "Це повідомлення було видалено",
    "Ви видалили це повідомлення",
    "यह मैसेज डिलीट कर दिया गया है",
    "आपने यह मैसेज डिलीट किया",
    "Pesan ini dihapus",
    "Anda menghapus pesan ini",
    "このメッセージは削除されました",
    "このメッセージを削除しました",
    "ข้อความนี้ถูกลบแล้ว",
    "คุณได้ลบข้อความนี้",
    "Tin nhắn này đã bị xóa",
    "Bạn đã xoá tin nhắn này",
];

/// What the test reads off a file by itself.
#[derive(Debug, Default)]
struct Counted {
    dated: usize,
    /// Lines WhatsApp wrote: Android lines with no `Name: `, iOS notices (the first
    /// line, and bodies starting with two marks: "security code changed").
    system: usize,
    deleted: usize,
    senders: BTreeSet<String>,
}

fn count(text: &str) -> Counted {
    let mut c = Counted::default();
    for line in text.lines() {
        let Some((ios, rest)) = dated(line.trim_end_matches('\r')) else { continue };
        c.dated += 1;
        let split = rest.split_once(": ").filter(|(name, _)| !name.contains(" - "));
        let first = c.dated == 1;
        match split {
            Some((_, body)) if ios && (first || body.chars().take(2).all(is_mark)) => c.system += 1,
            Some((name, body)) => {
                let clean: String = body.chars().filter(|ch| !is_mark(*ch)).collect();
                let name: String = name.chars().filter(|ch| !is_mark(*ch)).collect();
                if DELETED.contains(&clean.trim().trim_end_matches(['.', '。'])) {
                    c.deleted += 1;
                } else {
                    c.senders.insert(name.trim().to_string());
                }
            }
            None => c.system += 1,
        }
    }
    c
}

/// Sniffs the export (only `whatsapp` may claim it) and parses it.
fn parse(path: &Path) -> Vec<Record> {
    let (entries, head) = Input::probe_data(path).unwrap();
    let probe = Probe { path, dir_entries: &entries, head: &head };
    let claimed: Vec<&str> = formats::all().iter().filter(|f| f.sniff(&probe) > 0).map(|f| f.name()).collect();
    assert_eq!(claimed, vec!["whatsapp"], "{}", path.display());
    let format = detect(&probe).unwrap_or_else(|| panic!("no format claims {}", path.display()));
    let mut out = Vec::new();
    format.parse(&Input::new(path), &utc(), &mut out).unwrap_or_else(|e| panic!("{e}"));
    out
}

fn messages(recs: &[Record]) -> Vec<&Message> {
    recs.iter().filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None }).collect()
}

fn events(recs: &[Record]) -> Vec<&SystemEvent> {
    recs.iter().filter_map(|r| if let Record::Event { event, .. } = r { Some(event) } else { None }).collect()
}

#[test]
fn every_locale_imports_with_its_counts_dates_and_kinds() {
    let root = shequn_corpus::require!(DIR);
    let files = exports(&root);
    // 22 in languages/, 17 in ios/ (16 .txt and the .zip), 5 in android/ (SOURCE.md).
    assert_eq!(files.len(), 44);
    for path in &files {
        let name = path.strip_prefix(&root).unwrap().display().to_string();
        let text = chat_text(path);
        let want = count(&text);
        assert!(want.dated > 0, "{name}");
        let recs = parse(path);
        assert_eq!(recs, parse(path), "{name}: parsing twice differs");
        let msgs = messages(&recs);
        let evs = events(&recs);
        assert_eq!(msgs.len(), want.dated - want.system - want.deleted, "{name}: messages");
        assert_eq!(evs.len(), want.system + want.deleted, "{name}: events");
        assert_eq!(evs.iter().filter(|e| e.kind == EventKind::Recall).count(), want.deleted, "{name}: deletions");
        let senders: BTreeSet<String> = msgs.iter().map(|m| m.sender.name.clone()).collect();
        assert_eq!(senders, want.senders, "{name}: members");

        // Marks are gone from names and texts.
        let marked = |s: &str| s.chars().any(is_mark);
        for m in &msgs {
            assert!(!marked(&m.text) && !marked(&m.sender.name), "{name}: {:?}", m.text);
        }
        for e in &evs {
            assert!(!marked(&e.text), "{name}: {:?}", e.text);
        }
        let Record::Group(g) = &recs[0] else { panic!("{name}: no group first") };
        assert!(!g.name.is_empty() && !marked(&g.name), "{name}: {:?}", g.name);

        // The staged chat ran from 2022-03-18 to 2023-01-12, whatever the calendar or digits.
        for m in &msgs {
            let t = rfc3339_utc(m.time.unix_ms);
            assert!(("2022-03-18".."2023-01-13").contains(&t.as_str()), "{name}: {t} {:?}", m.text);
        }
        // Placeholders are never left as text: `<Media omitted>` in any language, iOS marks.
        for m in &msgs {
            if m.kind == MessageKind::Text {
                assert!(!m.text.starts_with('<'), "{name}: {:?}", m.text);
            }
        }
        let hello = msgs.iter().find(|m| m.text.starts_with("Hello"));
        let is_ios = text.lines().next().is_some_and(|l| l.trim_start_matches(is_mark).starts_with('['));
        if is_ios {
            // `[3/27/22, 21:41:35] Dmitry S: Hello World` in every iOS export (day/month order, digits).
            assert_eq!(rfc3339_utc(hello.unwrap().time.unix_ms), "2022-03-27T21:41:35Z", "{name}");
            // The same sequence follows in every language: two images, a video, a voice note,
            // a venue, an emoji, a contact card, two stickers, three documents.
            let kinds: Vec<MessageKind> = msgs.iter().skip(1).take(12).map(|m| m.kind).collect();
            use MessageKind::*;
            assert_eq!(
                kinds,
                vec![Image, Image, Video, Voice, Location, Text, Other, Sticker, Sticker, File, File, File],
                "{name}"
            );
            assert_eq!(g.kind, GroupKind::Direct, "{name}");
        } else if let Some(hello) = hello.filter(|m| m.text == "Hello") {
            // `18/03/2022, 14:56 - Dmitry S: Hello` (Android 1:1 exports).
            assert_eq!(rfc3339_utc(hello.time.unix_ms), "2022-03-18T14:56:00Z", "{name}");
        }
    }
}

#[test]
fn android_group_events_and_placeholders() {
    let p = shequn_corpus::require!(&format!("{DIR}/android/WhatsApp Chat with Group Chat XXX Android.txt"));
    let recs = parse(&p);
    let Record::Group(g) = &recs[0] else { panic!() };
    // The file's name (`WhatsApp Chat with Group Chat XXX Android`) names the chat.
    assert_eq!((g.name.as_str(), g.kind), ("Group Chat XXX Android", GroupKind::Group));
    let kinds: Vec<EventKind> = events(&recs).iter().map(|e| e.kind).collect();
    // Read off the file: the notice, created, added you, settings, description, settings, admin,
    // settings, subject, three timers, timer off, description, joined by link, removed, deleted.
    use EventKind::*;
    assert_eq!(
        kinds,
        vec![
            Other, Create, Join, Other, Topic, Other, Other, Other, Rename, Other, Other, Other, Other, Topic, Join,
            Kick, Recall
        ]
    );
    let join = events(&recs)[14];
    assert_eq!(join.subjects[0].name, "+7 999 999-99-99");
    assert_eq!(join.detail.as_deref(), Some("link"));

    let p = shequn_corpus::require!(&format!("{DIR}/android/WhatsApp Chat with Dmitry S EN+Media Android.txt"));
    let recs = parse(&p);
    let msgs = messages(&recs);
    let kind_of = |text: &str| msgs.iter().find(|m| m.text.starts_with(text)).unwrap().kind;
    assert_eq!(kind_of("PTT-20220323-WA0000.opus"), MessageKind::Voice);
    assert_eq!(kind_of("IMG-20220323-WA0002.jpg"), MessageKind::Image);
    assert_eq!(kind_of("STK-20220323-WA0003.webp"), MessageKind::Sticker);
    assert_eq!(kind_of("VID-20220327-WA0001.mp4"), MessageKind::Video);
    assert_eq!(kind_of("location: https://maps.google.com"), MessageKind::Location);
    assert_eq!(kind_of("Missed voice call"), MessageKind::Call);
    // A caption stays with its placeholder.
    assert!(msgs.iter().any(|m| m.text == "<Media omitted>\nCaption" && m.kind == MessageKind::Other));
}

#[test]
fn localized_placeholders_and_arabic_digits() {
    let p = shequn_corpus::require!(&format!("{DIR}/android/Чат WhatsApp с контактом Dmitry S RU Android.txt"));
    let recs = parse(&p);
    let Record::Group(g) = &recs[0] else { panic!() };
    assert_eq!(g.name, "Dmitry S RU Android");
    let msgs = messages(&recs);
    assert!(msgs.iter().any(|m| m.text == "<Без медиафайлов>" && m.kind == MessageKind::Other));
    assert!(msgs.iter().any(|m| m.text == "Alex.vcf (файл добавлен)" && m.kind == MessageKind::Other));

    // `[٢٧‏/٣‏/٢٠٢٢، ٩:٤١:٣٥ م] Dmitry S: Hello World`: Eastern Arabic digits, RLMs, PM as م.
    let p = shequn_corpus::require!(&format!("{DIR}/languages/arabic_ios.txt"));
    let recs = parse(&p);
    let msgs = messages(&recs);
    assert_eq!(rfc3339_utc(msgs[0].time.unix_ms), "2022-03-27T21:41:35Z");
    // The notice's sender is a phone number wrapped in U+202A/U+202C: the chat's name, unwrapped.
    let Record::Group(g) = &recs[0] else { panic!() };
    assert_eq!(g.name, "+40 521 028 61 88");
}
