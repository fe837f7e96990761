//! WhatsApp "Export chat" text, from Android (`12/9/20, 23:55 - Name: text`)
//! and iOS (`[12.09.20, 23:55:01] Name: text`), as a `.txt` or the `.zip`
//! holding it. Header shapes follow whatstk's `header_format_support.json`.
//!
//! A file uses one header shape throughout; a line that looks like a header
//! in another shape is a continuation of the previous message. Day/month order
//! is decided per file from all its dates (a day above 12 settles it). The
//! export has no ids: the group is keyed by its name and messages by content.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveDateTime};
use regex::Regex;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, Message, MessageKind, Person, Platform, Record, Sink, Stamp, SystemEvent,
};

use crate::{decode_text, head_is_utf8, Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct WhatsApp;

fn header_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(concat!(
            r"^\x{FEFF}?(\[)?(\d{1,4})([./-])(\d{1,2})([./-])(\d{1,4})\.?,?[ \x{202F}\x{00A0}]+",
            r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?(?:[ \x{202F}\x{00A0}]*([AaPp])\.?[ \x{202F}\x{00A0}]?[Mm]\.?)?\.?(\])?",
            r"(?:[ \x{202F}\x{00A0}]*[-–][ \x{202F}\x{00A0}]| )(.*)$"
        ))
        .expect("valid regex")
    })
}

/// Bidi controls WhatsApp puts around dates, names and placeholders (LRM, RLM, ALM,
/// embeddings, isolates): never part of what anyone wrote.
fn is_bidi_mark(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{061C}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Where a line's date-and-time part ends: after the first `]` of a bracketed
/// (iOS) line, else after the first ` - ` (Android). The rest is left as written.
fn header_end(line: &str) -> usize {
    let lead = line.trim_start_matches(|c: char| is_bidi_mark(c) || c == '\u{FEFF}');
    if lead.starts_with('[') {
        return line.find(']').map_or(line.len().min(64), |i| i + 1);
    }
    [" - ", " – ", "\u{A0}- "]
        .iter()
        .filter_map(|d| line.find(d).map(|i| i + d.len()))
        .min()
        .filter(|i| *i <= 80)
        .unwrap_or(0)
}

/// The date-and-time part as the plain shape the header pattern reads: Arabic-Indic
/// digits and the Arabic comma and AM/PM letters mapped, bidi marks dropped, time
/// written first (Vietnamese) moved after the date, Japanese era years (`R4`) and
/// Buddhist years (`2565 BE`) turned into Gregorian years.
fn normalize_header(line: &str) -> Cow<'_, str> {
    let end = header_end(line);
    let (head, body) = line.split_at(end);
    let plain = |c: char| c.is_ascii() && !matches!(c, 'R' | 'H' | 'S' | 'T' | 'M' | 'E');
    let time_first = {
        let h = head.trim_start_matches(|c: char| is_bidi_mark(c) || c == '[');
        h.len() > 3 && h.as_bytes()[1..3].contains(&b':') && h.as_bytes()[0].is_ascii_digit()
    };
    if head.chars().all(plain) && !time_first {
        return Cow::Borrowed(line);
    }
    let mut h = String::with_capacity(head.len());
    for c in head.chars() {
        let mapped = match c {
            '\u{0660}'..='\u{0669}' => char::from_u32(c as u32 - 0x0660 + '0' as u32),
            '\u{06F0}'..='\u{06F9}' => char::from_u32(c as u32 - 0x06F0 + '0' as u32),
            '\u{060C}' => Some(','),
            c if is_bidi_mark(c) => None,
            c => Some(c),
        };
        h.extend(mapped);
    }
    let h =
        arabic_ampm().replace(&h, |c: &regex::Captures| format!("{}{}", &c[1], if &c[2] == "ص" { "AM" } else { "PM" }));
    let h = time_first_re().replace(&h, "$1$3, $2$4");
    let h = era_re().replace_all(&h, |c: &regex::Captures| {
        let n: i32 = c[3].parse().unwrap_or(0);
        let base = match &c[2] {
            "M" => 1867,
            "T" => 1911,
            "S" => 1925,
            "H" => 1988,
            _ => 2018,
        };
        format!("{}{}{}", &c[1], base + n, &c[4])
    });
    let h = buddhist_re().replace_all(&h, |c: &regex::Captures| {
        let y: i32 = c[1].parse().unwrap_or(0);
        format!("{}", y - 543)
    });
    Cow::Owned(format!("{h}{body}"))
}

fn arabic_ampm() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(\d[ \x{202F}\x{00A0}]*)([صم])").expect("valid regex"))
}

fn time_first_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(\[?)(\d{1,2}[:.]\d{2}(?:[:.]\d{2})?(?:[ \x{202F}\x{00A0}]*[AaPp]\.?[ \x{202F}\x{00A0}]?[Mm]\.?)?),? (\d{1,4}[./-]\d{1,2}[./-]\d{1,4})(\]|,? ?[-–] )")
            .expect("valid regex")
    })
}

fn era_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(^\[?|[./-])([MTSHR])(\d{1,2})([./-]|,| )").expect("valid regex"))
}

fn buddhist_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"(\d{4}) ?(?:BE|B\.E\.|พ\.ศ\.)").expect("valid regex"))
}

/// What a header line looks like, apart from its numbers: one per file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct Shape {
    bracket: bool,
    dash: bool,
    sep: u8,
    first_is_year: bool,
    last_is_year4: bool,
    seconds: bool,
    ampm: bool,
}

struct Header {
    shape: Shape,
    parts: [u32; 3],
    hms: (u32, u32, u32),
    pm: Option<bool>,
    rest: String,
}

fn header(line: &str) -> Option<Header> {
    let norm = normalize_header(line);
    let line = norm.as_ref();
    let c = header_re().captures(line)?;
    let bracket = c.get(1).is_some();
    if bracket != c.get(11).is_some() || c[3] != c[5] {
        return None;
    }
    let rest_start = c.get(12).expect("group").start();
    let time_end = (8..=11).filter_map(|i| c.get(i)).map(|m| m.end()).max().unwrap_or(rest_start);
    let between = &line[time_end..rest_start];
    let num = |i: usize| c[i].parse::<u32>().unwrap_or(0);
    let ampm = c.get(10).map(|m| m.as_str().eq_ignore_ascii_case("p"));
    Some(Header {
        shape: Shape {
            bracket,
            dash: between.contains('-') || between.contains('–'),
            sep: c[3].as_bytes()[0],
            first_is_year: c[2].len() == 4,
            last_is_year4: c[6].len() == 4,
            seconds: c.get(9).is_some(),
            ampm: ampm.is_some(),
        },
        parts: [num(2), num(4), num(6)],
        hms: (num(7), num(8), c.get(9).map_or(0, |_| num(9))),
        pm: ampm,
        rest: c.get(12).expect("group").as_str().to_string(),
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Dmy,
    Mdy,
    Ymd,
    Ydm,
}

impl Order {
    fn name(self) -> &'static str {
        match self {
            Order::Dmy => "day/month/year",
            Order::Mdy => "month/day/year",
            Order::Ymd => "year/month/day",
            Order::Ydm => "year/day/month",
        }
    }

    fn date(self, p: [u32; 3]) -> Option<NaiveDate> {
        let (y, m, d) = match self {
            Order::Dmy => (p[2], p[1], p[0]),
            Order::Mdy => (p[2], p[0], p[1]),
            Order::Ymd => (p[0], p[1], p[2]),
            Order::Ydm => (p[0], p[2], p[1]),
        };
        // A Buddhist-era year (Thai) written without its `BE`: no chat predates 1857.
        let y = match y {
            0..=99 => 2000 + y,
            2400.. => y - 543,
            _ => y,
        };
        NaiveDate::from_ymd_opt(y as i32, m, d)
    }
}

/// The date order that reads every date of the file; `true` when the dates settled it.
fn decide_order(dates: &[[u32; 3]], shape: Shape) -> (Order, bool) {
    let prefs: &[Order] = if shape.first_is_year {
        &[Order::Ymd, Order::Ydm]
    } else if shape.ampm {
        &[Order::Mdy, Order::Dmy, Order::Ymd, Order::Ydm]
    } else {
        &[Order::Dmy, Order::Mdy, Order::Ymd, Order::Ydm]
    };
    let valid: Vec<Order> = prefs.iter().copied().filter(|o| dates.iter().all(|d| o.date(*d).is_some())).collect();
    match valid.first() {
        Some(first) => (*first, valid.len() == 1 || dates.is_empty()),
        None => (prefs[0], false),
    }
}

/// The start of a line as an error message shows it.
fn seen(line: &str) -> String {
    let mut s: String = line.chars().filter(|c| !is_bidi_mark(*c)).take(60).collect();
    if line.chars().count() > 60 {
        s.push('…');
    }
    s
}

/// One header line and the lines that continue it.
struct Entry {
    line_no: usize,
    time: NaiveDateTime,
    rest: String,
}

fn clean_name(name: &str) -> String {
    let n: String = name.chars().filter(|c| !is_bidi_mark(*c)).collect();
    let n = n.trim();
    let n = n.strip_prefix('~').map(|s| s.trim_start_matches([' ', '\u{202F}', '\u{00A0}'])).unwrap_or(n);
    n.trim().to_string()
}

fn strip_marks(s: &str) -> &str {
    s.trim_start_matches(is_bidi_mark).trim_end()
}

/// The text with every bidi mark removed (they sit inside placeholders and numbers).
fn no_marks(s: &str) -> String {
    s.chars().filter(|c| !is_bidi_mark(*c)).collect::<String>().trim_end().to_string()
}

/// iOS marks what WhatsApp itself wrote (placeholders, notices) with a leading LRM/RLM.
fn starts_marked(body: &str) -> bool {
    body.starts_with(is_bidi_mark)
}

/// The end-to-end-encryption notice in any language: a long sentence naming WhatsApp
/// (Arabic spells it واتساب). Only asked of lines WhatsApp itself wrote.
fn is_localized_notice(text: &str) -> bool {
    let t = strip_marks(text);
    t.chars().count() >= 50 && (t.contains("WhatsApp") || t.contains("واتساب"))
}

fn notice_event(text: &str, time: Stamp, detail: &str) -> SystemEvent {
    let mut e = SystemEvent::new(time, EventKind::Other, no_marks(text));
    e.detail = Some(detail.into());
    e
}

struct SystemRule {
    re: Regex,
    kind: EventKind,
}

/// English system texts (the fixtures' UI language). Group 1 is the actor or
/// subject, group 2 (where present) the others or the new name.
fn system_rules() -> &'static [SystemRule] {
    static RULES: OnceLock<Vec<SystemRule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let r = |re: &str, kind| SystemRule { re: Regex::new(re).expect("valid regex"), kind };
        vec![
            r(r"^(.+?) joined using this group's invite link$", EventKind::Join),
            r(r"^(.+?) joined from the community$", EventKind::Join),
            r(r"^(.+?) joined$", EventKind::Join),
            r(r"^(.+?) added (.+)$", EventKind::Join),
            r(r"^(.+?) removed (.+)$", EventKind::Kick),
            r(r"^(.+?) left$", EventKind::Leave),
            r(r#"^(.+?) created group ["“](.+)["”]$"#, EventKind::Create),
            r(r#"^(.+?) changed the subject (?:from ["“].*["”] )?to ["“](.+)["”]$"#, EventKind::Rename),
            r(r#"^(.+?) changed the group name (?:from ["“].*["”] )?to ["“](.+)["”]$"#, EventKind::Rename),
            r(r"^(.+?) (?:changed|deleted) this group's icon$", EventKind::Other),
            r(r"^(.+?) changed the group description$", EventKind::Topic),
            r(r"^(.+?) changed their phone number.*$", EventKind::Other),
            r(r"^(.+?) changed to (.+)$", EventKind::Other),
        ]
    })
}

fn is_encryption_notice(text: &str) -> bool {
    let t = strip_marks(text);
    t.starts_with("Messages and calls are end-to-end encrypted")
        || t.starts_with("Messages to this group are now secured")
        || t.starts_with("Messages you send to this group are now secured")
        || t.starts_with("Messages to this chat and calls are now secured")
        || t.starts_with("Messages you send to this chat and calls are now secured")
}

fn split_people(list: &str) -> Vec<Person> {
    list.split(", ")
        .flat_map(|p| p.split(" and "))
        .map(clean_name)
        .filter(|p| !p.is_empty())
        .map(Person::named)
        .collect()
}

fn system_event(text: &str, time: Stamp) -> Option<SystemEvent> {
    let t = strip_marks(text);
    if is_encryption_notice(t) {
        let mut e = SystemEvent::new(time, EventKind::Other, t);
        e.detail = Some("encryption notice".into());
        return Some(e);
    }
    for rule in system_rules() {
        let Some(c) = rule.re.captures(t) else { continue };
        let who = &c[1];
        if who.contains(": ") || who.ends_with(':') || who.contains('"') {
            continue;
        }
        let who = Person::named(clean_name(who));
        let mut e = SystemEvent::new(time, rule.kind, t);
        let second = c.get(2).map(|m| m.as_str());
        match (rule.kind, second) {
            (EventKind::Join | EventKind::Kick, Some(others)) => {
                e.actor = Some(who);
                e.subjects = split_people(others);
                e.detail = Some(if rule.kind == EventKind::Join { "added".into() } else { "removed".into() });
            }
            (EventKind::Join, None) => {
                e.detail = t.contains("invite link").then(|| "link".to_string());
                e.subjects = vec![who];
            }
            (EventKind::Leave, _) => e.subjects = vec![who],
            (EventKind::Create | EventKind::Rename, Some(name)) => {
                e.actor = Some(who);
                e.detail = Some(name.to_string());
            }
            (_, detail) => {
                e.actor = Some(who);
                e.detail = detail.map(str::to_string);
            }
        }
        return Some(e);
    }
    None
}

/// Words that name a medium in WhatsApp's placeholders (`image omitted`, `Bild
/// weggelassen`, `画像は含まれていません` ...), in the languages of the fixtures.
const MEDIA_WORDS: &[(&[&str], MessageKind)] = &[
    (
        &["document", "dokumen", "документ", "डॉक्यूमेंट", "ドキュメント", "เอกสาร", "tài liệu", "المستند"],
        MessageKind::File,
    ),
    (
        &["sticker", "nálepka", "стикер", "наклейк", "स्टिकर", "stiker", "スタンプ", "สติกเกอร์", "الملصقات"],
        MessageKind::Sticker,
    ),
    (
        &[
            "contact",
            "vizitka",
            "kontaktkarte",
            "контакт",
            "कॉन्टैक्ट",
            "kontak",
            "連絡先",
            "รายชื่อ",
            "liên lạc",
            "جهة اتصال",
        ],
        MessageKind::Other,
    ),
    (&["gif"], MessageKind::Image),
    (&["video", "vidéo", "vídeo", "видео", "відео", "वीडियो", "ビデオ", "วิดีโอ", "الفيديو"], MessageKind::Video),
    (
        &["audio", "áudio", "zvukov", "аудио", "аудіо", "ऑडियो", "音声", "เสียง", "âm thanh", "الصوتية"],
        MessageKind::Voice,
    ),
    (
        &[
            "image",
            "imag",
            "obrázek",
            "bild",
            "immagine",
            "изображение",
            "зображення",
            "फ़ोटो",
            "gambar",
            "画像",
            "รูปภาพ",
            "hình ảnh",
            "الصورة",
            "photo",
            "foto",
        ],
        MessageKind::Image,
    ),
];

fn by_extension(name: &str) -> MessageKind {
    let ext = name.rsplit('.').next().unwrap_or("").trim_end_matches('>').to_ascii_lowercase();
    match ext.as_str() {
        "jpg" | "jpeg" | "png" | "gif" | "heic" => MessageKind::Image,
        "webp" => MessageKind::Sticker,
        "mp4" | "3gp" | "mov" => MessageKind::Video,
        "opus" | "ogg" | "m4a" | "mp3" | "aac" => MessageKind::Voice,
        "vcf" => MessageKind::Other,
        _ => MessageKind::File,
    }
}

fn attached_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // Android: `IMG-20220323-WA0002.jpg (file attached)`, `Alex.vcf (soubor byl přiložen)`.
    RE.get_or_init(|| Regex::new(r"^(\S+\.[A-Za-z0-9]{2,5}) \([^()]{3,40}\)$").expect("valid regex"))
}

fn location_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    // `Location: https://maps.google.com/?q=…` in any language, or a shared venue.
    RE.get_or_init(|| {
        Regex::new(r"^[^\n]{0,80}: https?://(?:maps\.google\.[a-z.]+/\?q=|foursquare\.com/v/)").expect("valid regex")
    })
}

/// What a message carries, from the placeholder WhatsApp writes for it. Text with a
/// leading mark (iOS) is WhatsApp's own: a placeholder, named by its words.
fn media_kind(text: &str) -> MessageKind {
    let marked = starts_marked(text);
    let clean = no_marks(text);
    let first = clean.lines().next().unwrap_or("").trim();
    let lower = first.to_lowercase();
    match lower.as_str() {
        "<media omitted>" | "<médias omis>" | "contact card omitted" => return MessageKind::Other,
        "image omitted" | "gif omitted" => return MessageKind::Image,
        "video omitted" => return MessageKind::Video,
        "audio omitted" => return MessageKind::Voice,
        "sticker omitted" => return MessageKind::Sticker,
        "missed voice call" | "missed video call" => return MessageKind::Call,
        _ if lower.ends_with("document omitted") => return MessageKind::File,
        _ => {}
    }
    if let Some(name) = lower.strip_prefix("<attached: ") {
        return by_extension(name);
    }
    if let Some(name) = lower.strip_suffix("(file attached)") {
        return by_extension(name.trim());
    }
    if let Some(c) = attached_re().captures(first) {
        return by_extension(&c[1]);
    }
    if location_re().is_match(first) {
        return MessageKind::Location;
    }
    if lower.starts_with("poll:") {
        return MessageKind::Poll;
    }
    // Android's `<Media omitted>` in any language: one short bracketed phrase, a caption may follow.
    if first.starts_with('<') && first.ends_with('>') && first.chars().count() <= 40 && !first.contains("://") {
        return MessageKind::Other;
    }
    // iOS: `‎image omitted`, `report.pdf • ‎2 pages ‎document omitted`: the placeholder is
    // what follows the last mark.
    let first_raw = text.lines().next().unwrap_or("");
    if first_raw.contains(is_bidi_mark) {
        let tail = first_raw.rsplit(is_bidi_mark).next().unwrap_or("").trim().to_lowercase();
        if let Some(name) = tail.strip_prefix("<attached: ") {
            return by_extension(name);
        }
        if tail.chars().count() <= 60 {
            for (words, kind) in MEDIA_WORDS {
                if words.iter().any(|w| tail.contains(w)) {
                    return *kind;
                }
            }
        }
        if marked {
            return MessageKind::Other;
        }
    }
    MessageKind::Text
}

/// "This message was deleted" / "You deleted this message" as the fixtures' languages write it.
const DELETED: &[&str] = &[
    "this message was deleted",
    "you deleted this message",
    "tato zpráva byla smazána",
    "tuto zprávu jste smazal/a",
    "تم حذف هذه الرسالة",
    "لقد حذَفت هذه الرسالة",
    "ce message a été supprimé",
    "vous avez supprimé ce message",
    "diese nachricht wurde gelöscht",
    "du hast diese nachricht gelöscht",
    "questo messaggio è stato eliminato",
    "hai eliminato questo messaggio",
    "esta mensagem foi apagada",
    "apagou esta mensagem",
    "данное сообщение удалено",
    "вы удалили данное сообщение",
    "это сообщение удалено",
    "вы удалили это сообщение",
    "se eliminó este mensaje",
    "eliminaste este mensaje",
    "це повідомлення було видалено",
    "ви видалили це повідомлення",
    "यह मैसेज डिलीट कर दिया गया है",
    "आपने यह मैसेज डिलीट किया",
    "pesan ini dihapus",
    "anda menghapus pesan ini",
    "このメッセージは削除されました",
    "このメッセージを削除しました",
    "ข้อความนี้ถูกลบแล้ว",
    "คุณได้ลบข้อความนี้",
    "tin nhắn này đã bị xóa",
    "bạn đã xoá tin nhắn này",
    "bạn đã xóa tin nhắn này",
];

fn is_deleted(text: &str) -> bool {
    let t = no_marks(text);
    let t = t.trim().trim_end_matches(['.', '。']).to_lowercase();
    DELETED.contains(&t.as_str())
}

/// The chat's text and the name its file carries (`WhatsApp Chat with X`).
fn read_export(input: &Input) -> Result<(String, Option<String>), ParseError> {
    let path = &input.path;
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("").to_string();
    let mut magic = [0u8; 4];
    let is_zip = std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .map(|()| &magic == b"PK\x03\x04")
        .unwrap_or(false);
    if !is_zip {
        let bytes = input.read_bytes()?;
        return Ok((decode_text(path, &bytes)?, name_from_file(&stem)));
    }
    let mut zip =
        crate::zip_reader::BoundedZip::open(path, &input.limits).map_err(|e| e.hint("unzip it and import the .txt"))?;
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
    let pick = names
        .iter()
        .filter(|n| n.to_ascii_lowercase().ends_with(".txt"))
        .min_by_key(|n| !(n.ends_with("_chat.txt") || n.contains("WhatsApp Chat")))
        .cloned()
        .ok_or_else(|| {
            ParseError::new(path, "the zip holds no .txt chat").hint("a WhatsApp export zip holds _chat.txt")
        })?;
    let data = zip.read(&pick)?.ok_or_else(|| ParseError::new(path, format!("cannot read {pick}")))?;
    let text = decode_text(path, &data).map_err(|e| e.at(format!("entry {pick}")))?;
    let inner = pick.rsplit('/').next().unwrap_or(&pick).trim_end_matches(".txt").to_string();
    Ok((text, name_from_file(&stem).or_else(|| name_from_file(&inner))))
}

fn name_from_file(stem: &str) -> Option<String> {
    [
        "WhatsApp Chat with ",
        "WhatsApp Chat - ",
        "WhatsApp-Chat mit ",
        "Chat de WhatsApp con ",
        "Chat WhatsApp s uživatelem ",
        "Чат WhatsApp с контактом ",
        "Chat WhatsApp avec ",
        "Conversa do WhatsApp com ",
        "Chat di WhatsApp con ",
    ]
    .iter()
    .find_map(|p| stem.strip_prefix(p))
    .map(|s| s.trim().to_string())
    .filter(|s| !s.is_empty())
}

impl Format for WhatsApp {
    fn name(&self) -> &'static str {
        "whatsapp"
    }

    fn description(&self) -> &'static str {
        "WhatsApp \"Export chat\" text (Android or iOS), .txt or .zip"
    }

    fn sniff(&self, probe: &Probe) -> Score {
        if probe.head.starts_with(b"PK\x03\x04") {
            // The first local header names the first entry: `_chat.txt` or `WhatsApp Chat … .txt`.
            let n = probe.head.get(26..28).map_or(0, |b| u16::from_le_bytes([b[0], b[1]]) as usize);
            let name = probe.head.get(30..30 + n).map(String::from_utf8_lossy).unwrap_or_default();
            return if name.ends_with("_chat.txt") || (name.contains("WhatsApp") && name.ends_with(".txt")) {
                80
            } else {
                0
            };
        }
        if !head_is_utf8(probe) {
            return 0;
        }
        let text = probe.head_text();
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        let Some(first) = lines.next() else { return 0 };
        if header(first).is_none() {
            return 0;
        }
        let headers: Vec<Header> = std::iter::once(first).chain(lines.take(50)).filter_map(header).collect();
        // `[2019-01-01 12:00:00] <nick> text` and `* nick joins` are IRC logs, not WhatsApp.
        if headers.iter().any(|h| h.rest.starts_with('<') || h.rest.starts_with('*') || h.rest.starts_with("-!-")) {
            return 0;
        }
        if headers.iter().any(|h| h.rest.contains(": ")) {
            75
        } else {
            40
        }
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let (text, file_name) = read_export(input)?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
        let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();

        let mut counts: HashMap<Shape, usize> = HashMap::new();
        for l in &lines {
            if let Some(h) = header(l) {
                *counts.entry(h.shape).or_default() += 1;
            }
        }
        let Some(shape) = counts.iter().max_by_key(|(s, n)| (**n, s.dash, s.bracket)).map(|(s, _)| *s) else {
            return Err(ParseError::new(path, "no WhatsApp message header found")
                .at("line 1")
                .hint("expected lines like `12/09/20, 23:55 - Name: text` or `[12.09.20, 23:55:01] Name: text`"));
        };
        let dates: Vec<[u32; 3]> =
            lines.iter().filter_map(|l| header(l)).filter(|h| h.shape == shape).map(|h| h.parts).collect();
        let (order, settled) = decide_order(&dates, shape);

        let mut entries: Vec<Entry> = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            match header(l).filter(|h| h.shape == shape) {
                Some(h) => {
                    let date = order.date(h.parts).ok_or_else(|| {
                        ParseError::new(
                            path,
                            format!(
                                "expected a date in the {} order the file's other dates use; saw `{}`",
                                order.name(),
                                seen(l)
                            ),
                        )
                        .at(format!("line {}", i + 1))
                        .hint("a damaged line, or two exports pasted together")
                    })?;
                    let (mut hh, mm, ss) = h.hms;
                    if let Some(pm) = h.pm {
                        hh %= 12;
                        if pm {
                            hh += 12;
                        }
                    }
                    let time = date.and_hms_opt(hh, mm, ss).ok_or_else(|| {
                        ParseError::new(
                            path,
                            format!("expected a time of day; saw {hh}:{mm:02}:{ss:02} in `{}`", seen(l)),
                        )
                        .at(format!("line {}", i + 1))
                    })?;
                    entries.push(Entry { line_no: i + 1, time, rest: h.rest.to_string() });
                }
                None => match entries.last_mut() {
                    Some(e) => {
                        e.rest.push('\n');
                        e.rest.push_str(l);
                    }
                    None if l.trim().is_empty() => {}
                    None => {
                        return Err(ParseError::new(
                            path,
                            format!("expected a dated message line; saw `{}` before the first one", seen(l)),
                        )
                        .at(format!("line {}", i + 1))
                        .hint("a WhatsApp export starts with a dated line"))
                    }
                },
            }
        }

        let zone = opts.zone_or_local();
        let mut records: Vec<Record> = Vec::new();
        let mut senders: HashSet<String> = HashSet::new();
        let mut group_signs = false;
        let mut named_by_event: Option<String> = None;
        let mut named_by_notice: Option<String> = None;
        for e in &entries {
            let time = Stamp::from_local_assumed(e.time, zone);
            let rest = e.rest.as_str();
            let split = rest.find(": ").map(|i| (&rest[..i], &rest[i + 2..])).or_else(|| {
                let first_line = rest.lines().next().unwrap_or("");
                first_line
                    .strip_suffix(':')
                    .filter(|n| !n.contains(": "))
                    .map(|n| (n, rest[first_line.len()..].trim_start_matches('\n')))
            });
            // A system line: the whole rest is a known system text (Android), or the text
            // after the group's name is one, marked by U+200E (iOS).
            // A system line: the whole rest is a known system text (Android), or the text
            // after the chat's name is one, marked by a bidi mark (iOS). The notices every
            // chat starts with and security-code notices are told apart in any language.
            let event = match split {
                Some((name, body)) if starts_marked(body) || is_encryption_notice(body) => {
                    let notice = is_encryption_notice(body) || (starts_marked(body) && is_localized_notice(body));
                    if notice {
                        named_by_notice.get_or_insert_with(|| clean_name(name));
                        Some(notice_event(body, time, "encryption notice"))
                    } else if body.chars().take(2).filter(|c| is_bidi_mark(*c)).count() == 2 {
                        Some(notice_event(body, time, "security notice"))
                    } else {
                        system_event(body, time)
                    }
                }
                None if is_localized_notice(rest) => Some(notice_event(rest, time, "encryption notice")),
                _ => None,
            }
            .or_else(|| system_event(rest, time));
            if let Some(mut ev) = event {
                if matches!(ev.kind, EventKind::Create | EventKind::Rename) {
                    named_by_event = ev.detail.clone();
                }
                if !matches!(ev.kind, EventKind::Other) || ev.text.contains("group") {
                    group_signs = true;
                }
                ev.text = no_marks(&ev.text);
                records.push(Record::Event { group: 0, event: ev });
                continue;
            }
            let Some((name, body)) = split else {
                let mut ev = SystemEvent::new(time, EventKind::Other, no_marks(rest));
                ev.detail = Some(format!("unrecognised system line {}", e.line_no));
                records.push(Record::Event { group: 0, event: ev });
                continue;
            };
            let sender = Person::named(clean_name(name));
            senders.insert(sender.name.clone());
            if is_deleted(body) {
                let mut ev = SystemEvent::new(time, EventKind::Recall, no_marks(body));
                ev.actor = Some(sender);
                records.push(Record::Event { group: 0, event: ev });
                continue;
            }
            let message =
                Message { id: None, time, sender, text: no_marks(body), kind: media_kind(body), ..Message::default() };
            records.push(Record::Message { group: 0, message });
        }

        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("WhatsApp chat").to_string();
        let name = file_name.or(named_by_notice).or(named_by_event).unwrap_or(stem);
        let kind = if group_signs || senders.len() > 2 { GroupKind::Group } else { GroupKind::Direct };
        sink.push(Record::Group(GroupInfo {
            platform: Platform::Whatsapp,
            platform_id: name.clone(),
            name,
            kind,
            member_count: None,
        }))
        .or_closed(path)?;
        let offset = zone.local_minus_utc();
        let zone_text = format!(
            "UTC{}{:02}:{:02}",
            if offset < 0 { '-' } else { '+' },
            offset.abs() / 3600,
            offset.abs() % 3600 / 60
        );
        sink.push(Record::Note {
            group: 0,
            text: format!("时间按 {zone_text} 读取（WhatsApp 导出不含时区） / times read as {zone_text} (WhatsApp exports carry no zone)"),
        })
        .or_closed(path)?;
        if !settled {
            let how = match order {
                Order::Dmy => ("日/月", "day/month"),
                Order::Mdy => ("月/日", "month/day"),
                Order::Ymd => ("年/月/日", "year/month/day"),
                Order::Ydm => ("年/日/月", "year/day/month"),
            };
            sink.push(Record::Note {
                group: 0,
                text: format!(
                    "日期顺序无法从日期本身确定，按{}读取 / the dates do not settle their order; read as {}",
                    how.0, how.1
                ),
            })
            .or_closed(path)?;
        }
        for r in records {
            sink.push(r).or_closed(path)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn parse_named(text: &str, name: &str) -> Vec<Record> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(name);
        std::fs::File::create(&p).unwrap().write_all(text.as_bytes()).unwrap();
        let mut out = Vec::new();
        let opts = ParseOptions { zone: chrono::FixedOffset::east_opt(0) };
        WhatsApp.parse(&Input::new(&p), &opts, &mut out).unwrap();
        out
    }

    #[test]
    fn irc_logs_with_bracketed_dates_are_not_claimed() {
        let sniff = |text: &str| {
            WhatsApp.sniff(&Probe { path: std::path::Path::new("x.log"), dir_entries: &[], head: text.as_bytes() })
        };
        assert_eq!(sniff("[2019-01-01 12:00:00] <ann> hello: world\n[2019-01-01 12:00:05] * bob waves\n"), 0);
        assert!(sniff("[2019-01-01 12:00:00] ann: hello\n") > 0);
    }

    #[test]
    fn android_group_events_and_day_over_twelve() {
        let recs = parse_named(
            concat!(
                "03/04/21, 09:00 - Ann created group \"Hikers\"\n",
                "03/04/21, 09:01 - Ann added Bob, Cid and Dee\n",
                "13/04/21, 10:00 - Bob: first line\nsecond line\n",
                "13/04/21, 10:01 - ~ Eve joined using this group's invite link\n",
                "13/04/21, 10:02 - Ann removed Cid\n",
                "13/04/21, 10:03 - Dee left\n",
                "13/04/21, 10:04 - Bob: <Media omitted>\n",
                "13/04/21, 10:05 - Ann: This message was deleted\n",
            ),
            "WhatsApp Chat with Hikers.txt",
        );
        let Record::Group(g) = &recs[0] else { panic!() };
        assert_eq!((g.name.as_str(), g.kind), ("Hikers", GroupKind::Group));
        let events: Vec<_> =
            recs.iter().filter_map(|r| if let Record::Event { event, .. } = r { Some(event) } else { None }).collect();
        let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
        use EventKind::*;
        assert_eq!(kinds, vec![Create, Join, Join, Kick, Leave, Recall]);
        assert_eq!(events[1].subjects.len(), 3);
        assert_eq!(events[2].subjects[0].name, "Eve");
        let msgs: Vec<_> = recs
            .iter()
            .filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None })
            .collect();
        assert_eq!(msgs.len(), 2);
        assert_eq!(msgs[0].text, "first line\nsecond line");
        // 13/04 settles day-first, so 03/04 is the 3rd of April.
        assert_eq!(shequn_model::rfc3339_utc(events[0].time.unix_ms), "2021-04-03T09:00:00Z");
        assert_eq!(msgs[1].kind, MessageKind::Other);
    }

    #[test]
    fn ios_brackets_marks_and_twelve_hour_us_dates() {
        let recs = parse_named(
            concat!(
                "[1/2/22, 9:15:00 PM] Club: \u{200E}Messages and calls are end-to-end encrypted.\n",
                "[1/2/22, 9:16:00 PM] Club: \u{200E}Ann added Bob\n",
                "\u{200E}[1/13/22, 12:05:09 AM] ~\u{202F}Bob: \u{200E}image omitted\n",
            ),
            "_chat.txt",
        );
        let Record::Group(g) = &recs[0] else { panic!() };
        assert_eq!(g.name, "Club");
        let msg = recs
            .iter()
            .find_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None })
            .unwrap();
        assert_eq!(msg.sender.name, "Bob");
        assert_eq!(msg.kind, MessageKind::Image);
        assert_eq!(shequn_model::rfc3339_utc(msg.time.unix_ms), "2022-01-13T00:05:09Z");
        assert!(msg.time.zone_inferred);
    }

    fn times(text: &str) -> Vec<String> {
        parse_named(text, "_chat.txt")
            .iter()
            .filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None })
            .map(|m| shequn_model::rfc3339_utc(m.time.unix_ms))
            .collect()
    }

    #[test]
    fn calendars_digits_and_time_first_become_gregorian() {
        // The shapes of whats_json's `calendars/` exports (not in the corpus): Buddhist
        // `2565 BE` and Japanese era `R4` years, iOS phone in English.
        let want = vec!["2022-03-27T21:41:35Z".to_string(), "2022-03-28T09:00:00Z".to_string()];
        for text in [
            "[3/27/2565 BE, 21:41:35] Ann: hi\n[3/28/2565 BE, 09:00:00] Bob: yo\n",
            "[3/27/R4, 21:41:35] Ann: hi\n[3/28/R4, 09:00:00] Bob: yo\n",
            // Thai Android: the Buddhist year without its `BE`.
            "27/3/2565 21:41:35 - Ann: hi\n28/3/2565 09:00:00 - Bob: yo\n",
            // Vietnamese iOS writes the time first; Indonesian separates it with dots.
            "[21:41:35, 3/27/22] Ann: hi\n[09:00:00, 3/28/22] Bob: yo\n",
            "[3/27/22 21.41.35] Ann: hi\n[3/28/22 09.00.00] Bob: yo\n",
            // Arabic: Eastern Arabic digits, RLMs, the Arabic comma, م/ص for PM/AM.
            "[\u{200F}٢٧\u{200F}/٣\u{200F}/٢٠٢٢، ٩:٤١:٣٥\u{A0}م] Ann: hi\n[\u{200F}٢٨\u{200F}/٣\u{200F}/٢٠٢٢، ٩:٠٠:٠٠\u{A0}ص] Bob: yo\n",
        ] {
            assert_eq!(times(text), want, "{text}");
        }
    }

    #[test]
    fn a_date_no_order_reads_names_line_and_what_was_seen() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("chat.txt");
        std::fs::write(&p, "13/04/21, 10:00 - Bob: hi\n04/13/21, 10:01 - Ann: yo\n").unwrap();
        let err = WhatsApp.parse(&Input::new(&p), &ParseOptions::default(), &mut Vec::new()).unwrap_err();
        assert_eq!(err.path, p);
        assert_eq!(err.location.as_deref(), Some("line 2"));
        assert!(err.message.contains("day/month/year") && err.message.contains("`04/13/21, 10:01 - Ann: yo`"), "{err}");
    }

    #[test]
    fn localized_placeholders_get_their_kinds() {
        use MessageKind::*;
        for (text, kind) in [
            ("\u{200E}Bild weggelassen", Image),
            ("\u{200F}لم يتم إدراج المقاطع الصوتية", Voice),
            ("Some file.txt \u{200E}dokument vynechán", File),
            ("Resume.pdf • \u{200E}2 pages \u{200E}document omitted", File),
            ("\u{200E}Standort: https://maps.google.com/?q=1,2", Location),
            ("<Média vynechány>", Other),
            ("Alex.vcf (soubor byl přiložen)", Other),
            ("VID-1.mp4 (bestand bijgevoegd)", Video),
            ("I said <b> and </b>", Text),
            ("see my image omitted here", Text),
        ] {
            assert_eq!(media_kind(text), kind, "{text}");
        }
        assert!(is_deleted("\u{200E}このメッセージは削除されました。"));
    }
}
