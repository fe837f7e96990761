//! LINE's "Export chat history" text: a header naming the chat (`[LINE] Chat history in
//! …`, `[LINE] 與…的聊天記錄`, `[LINE] …的聊天记录`, `[LINE] …とのトーク履歴`), a
//! saved-on line, then date lines (`2024/01/15(Mon)`, `2024/1/15（一）`, `2024.01.15 Monday`,
//! `Mon, 01/15/2024`) each followed by `HH:MM\tName\ttext` lines. A message with line
//! breaks is written in double quotes (`""` inside); a line without a sender
//! (`HH:MM\t\ttext` or `HH:MM\ttext`) is LINE's own notice: joins, leaves, unsends.
//!
//! The header's wording tells a one-to-one chat (`with`, `與…`, `与…`, `…との`) from a
//! group. The export has no ids and no zone: the chat is keyed by its name, messages by
//! content, times read in the assumed zone (flagged inferred). Layouts and placeholder
//! words follow ChatLab's LINE importer (`line-native-txt`).

use std::path::Path;
use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveTime};
use regex::Regex;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, Message, MessageKind, Person, Platform, Record, Sink, Stamp, SystemEvent,
};

use crate::{head_is_utf8, Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct Line;

/// The chat's name and whether it is one-to-one, from the first line.
fn chat_header(line: &str) -> Option<(String, GroupKind)> {
    let line = line.trim_start_matches('\u{feff}').trim();
    let en = line.strip_prefix("[LINE] ").unwrap_or(line);
    if let Some(n) = en.strip_prefix("Chat history with ") {
        return Some((n.trim().to_string(), GroupKind::Direct));
    }
    if let Some(n) = en.strip_prefix("Chat history in ") {
        return Some((n.trim().to_string(), GroupKind::Group));
    }
    let rest = line.strip_prefix("[LINE] ")?;
    let forms: [(&str, &str, GroupKind); 5] = [
        ("與", "的聊天記錄", GroupKind::Direct),
        ("与", "的聊天记录", GroupKind::Direct),
        ("", "とのトーク履歴", GroupKind::Direct),
        ("", "的聊天記錄", GroupKind::Group),
        ("", "的聊天记录", GroupKind::Group),
    ];
    for (pre, post, kind) in forms {
        if let Some(n) = rest.strip_prefix(pre).and_then(|r| r.strip_suffix(post)) {
            return Some((n.trim().to_string(), kind));
        }
    }
    rest.strip_suffix("のトーク履歴").map(|n| (n.trim().to_string(), GroupKind::Group))
}

fn date_re() -> &'static [Regex] {
    static RE: OnceLock<Vec<Regex>> = OnceLock::new();
    RE.get_or_init(|| {
        [
            r"^(\d{4})/(\d{1,2})/(\d{1,2})\s*(?:[（(][^)）]*[)）]|周.|週.|星期.)?$",
            r"^(\d{4})\.(\d{1,2})\.(\d{1,2})(?:\s+\S+)?$",
            r"^[A-Za-z]{3,9},?\s+(\d{1,2})/(\d{1,2})/(\d{4})$",
        ]
        .iter()
        .map(|r| Regex::new(r).expect("valid regex"))
        .collect()
    })
}

/// A date line's day. The third layout (en-US) writes month/day/year.
fn date_line(line: &str) -> Option<Result<NaiveDate, ()>> {
    let line = line.trim();
    for (i, re) in date_re().iter().enumerate() {
        if let Some(c) = re.captures(line) {
            let n = |g: usize| c[g].parse::<u32>().unwrap_or(0);
            let (y, m, d) = if i == 2 { (n(3), n(1), n(2)) } else { (n(1), n(2), n(3)) };
            return Some(NaiveDate::from_ymd_opt(y as i32, m, d).ok_or(()));
        }
    }
    None
}

fn time_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(上午|下午|午前|午後)?(\d{1,2}):(\d{2})(?: ?([AaPp][Mm]))?\t(.*)$").expect("valid regex")
    })
}

/// A message line: its time (None when the clock is impossible), sender ("" for LINE's own
/// notices) and text.
fn message_line(line: &str) -> Option<(Option<NaiveTime>, &str, &str)> {
    let c = time_re().captures(line)?;
    let (mut h, m) = (c[2].parse::<u32>().unwrap_or(99), c[3].parse::<u32>().unwrap_or(99));
    let pm = match (c.get(1).map(|x| x.as_str()), c.get(4).map(|x| x.as_str().to_ascii_lowercase())) {
        (Some("下午" | "午後"), _) => Some(true),
        (Some(_), _) => Some(false),
        (None, Some(s)) => Some(s == "pm"),
        (None, None) => None,
    };
    match pm {
        Some(true) if h < 12 => h += 12,
        Some(false) if h == 12 => h = 0,
        _ => {}
    }
    let rest = c.get(5).expect("group").as_str();
    let (sender, text) = match rest.split_once('\t') {
        Some((s, t)) => (s, t),
        None => ("", rest),
    };
    Some((NaiveTime::from_hms_opt(h, m, 0), sender, text))
}

/// Placeholders LINE writes for media, in the export languages (en, zh-TW, zh-CN, ja).
const MEDIA: &[(&str, MessageKind)] = &[
    ("[Photo]", MessageKind::Image),
    ("[照片]", MessageKind::Image),
    ("[写真]", MessageKind::Image),
    ("[Album]", MessageKind::Image),
    ("[相簿]", MessageKind::Image),
    ("[アルバム]", MessageKind::Image),
    ("[Sticker]", MessageKind::Sticker),
    ("[貼圖]", MessageKind::Sticker),
    ("[贴图]", MessageKind::Sticker),
    ("[スタンプ]", MessageKind::Sticker),
    ("[Video]", MessageKind::Video),
    ("[影片]", MessageKind::Video),
    ("[视频]", MessageKind::Video),
    ("[動画]", MessageKind::Video),
    ("[Voice message]", MessageKind::Voice),
    ("[語音訊息]", MessageKind::Voice),
    ("[语音信息]", MessageKind::Voice),
    ("[ボイスメッセージ]", MessageKind::Voice),
    ("[File]", MessageKind::File),
    ("[檔案]", MessageKind::File),
    ("[文件]", MessageKind::File),
    ("[ファイル]", MessageKind::File),
    ("[Location]", MessageKind::Location),
    ("[位置情報]", MessageKind::Location),
    ("[位置]", MessageKind::Location),
    ("[Contact]", MessageKind::Other),
    ("[聯絡資訊]", MessageKind::Other),
    ("[連絡先]", MessageKind::Other),
];

fn kind_of(text: &str) -> MessageKind {
    if text.starts_with('☎') {
        return MessageKind::Call;
    }
    MEDIA.iter().find(|(p, _)| text.starts_with(p)).map_or(MessageKind::Text, |(_, k)| *k)
}

struct Rule {
    re: Regex,
    kind: EventKind,
    /// Group 1 is the actor; group 2 (where present) the subjects.
    actor_first: bool,
}

/// LINE's notices. Group 1 names who did it, group 2 whom it concerns.
fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let r = |re: &str, kind, actor_first| Rule { re: Regex::new(re).expect("valid regex"), kind, actor_first };
        vec![
            r(r"^(.+?) added (.+) to the group\.?$", EventKind::Join, true),
            r(r"^(.+?)已新增(.+)至群組。?$", EventKind::Join, true),
            r(r"^(.+?)已将(.+)添加(?:至|到)群(?:组|聊)?。?$", EventKind::Join, true),
            r(r"^(.+?)が(.+)をグループに追加しました。?$", EventKind::Join, true),
            r(r"^(.+?) joined the group\.?$", EventKind::Join, false),
            r(r"^(.+?)已加入(?:群組|群组|该群|該群)。?$", EventKind::Join, false),
            r(r"^(.+?)がグループに参加しました。?$", EventKind::Join, false),
            r(r"^(.+?) removed (.+) from the group\.?$", EventKind::Kick, true),
            r(r"^(.+?) left the group\.?$", EventKind::Leave, false),
            r(r"^(.+?)已(?:離開群組|退出群组|退群)。?$", EventKind::Leave, false),
            r(r"^(.+?)がグループを退会しました。?$", EventKind::Leave, false),
            r(r"^(.+?) unsent a message\.?$", EventKind::Recall, true),
            r(r"^(.+?)已收回訊息。?$", EventKind::Recall, true),
            r(r"^(.+?)撤回了一条消息。?$", EventKind::Recall, true),
            r(r"^(.+?)が送信を取り消しました。?$", EventKind::Recall, true),
            r(r"^(.+?) changed the group name to (.+?)\.?$", EventKind::Rename, true),
            r(r"^(.+?) made an announcement\.?$", EventKind::Topic, true),
            r(r"^(.+?)已設定公告。?$", EventKind::Topic, true),
            r(r"^(.+?)发布了通告。?$", EventKind::Topic, true),
            r(r"^(.+?)がアナウンスしました。?$", EventKind::Topic, true),
            r(r"^(.+?) created the group\.?$", EventKind::Create, true),
        ]
    })
}

fn people(list: &str) -> Vec<Person> {
    list.split([',', '、', '，'])
        .flat_map(|p| p.split(" and "))
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(Person::named)
        .collect()
}

fn notice(text: &str, time: Stamp) -> SystemEvent {
    let mut e = SystemEvent::new(time, EventKind::Other, text);
    for rule in rules() {
        let Some(c) = rule.re.captures(text) else { continue };
        e.kind = rule.kind;
        let who = Person::named(c[1].trim());
        match (rule.kind, c.get(2).map(|m| m.as_str())) {
            (EventKind::Rename, Some(name)) => {
                e.actor = Some(who);
                e.detail = Some(name.to_string());
            }
            (_, Some(others)) => {
                e.actor = Some(who);
                e.subjects = people(others);
            }
            (_, None) if rule.actor_first => e.actor = Some(who),
            (_, None) => e.subjects = vec![who],
        }
        break;
    }
    e
}

fn seen(line: &str) -> String {
    let mut s: String = line.chars().take(60).collect();
    if line.chars().count() > 60 {
        s.push('…');
    }
    s
}

/// A header-less export is named after its file: `[LINE] Chat with Ann.txt` → `Chat with Ann`.
fn name_from_file(path: &Path) -> String {
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("LINE");
    stem.trim_start_matches("[LINE]").trim().to_string()
}

impl Format for Line {
    fn name(&self) -> &'static str {
        "line"
    }

    fn description(&self) -> &'static str {
        "LINE chat history .txt ([LINE] Chat history in … / …的聊天記錄 / …のトーク履歴)"
    }

    fn sniff(&self, probe: &Probe) -> Score {
        if !head_is_utf8(probe) {
            return 0;
        }
        let text = probe.head_text();
        let Some(first) = text.lines().find(|l| !l.trim().is_empty()) else { return 0 };
        if chat_header(first).is_some() {
            return 90;
        }
        // No header (some desktop exports): a date line, then tab-separated messages.
        let lines: Vec<&str> = text.lines().take(100).collect();
        let dates = lines.iter().filter(|l| date_line(l).is_some_and(|d| d.is_ok())).count();
        let messages = lines.iter().filter(|l| message_line(l).is_some_and(|(_, s, _)| !s.is_empty())).count();
        if date_line(first).is_some() && dates >= 1 && messages >= 2 {
            60
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let zone = opts.zone_or_local();
        let mut lines = input.lines()?;
        let mut reader = Reader { path, sink, zone, day: None, pending: None };
        let mut declared = false;
        while let Some((no, line)) = lines.next_line()? {
            if !declared {
                if line.trim().is_empty() {
                    continue;
                }
                let (name, kind) = chat_header(line).unwrap_or_else(|| (name_from_file(path), GroupKind::Group));
                declared = true;
                reader.declare(name, kind)?;
                if chat_header(line).is_some() {
                    continue;
                }
            }
            reader.line(no, line)?;
        }
        if !declared {
            reader.declare(name_from_file(path), GroupKind::Group)?;
        }
        reader.flush()
    }
}

/// A message whose quoted text continues on the next lines.
struct Pending {
    time: Stamp,
    sender: String,
    text: String,
    /// Inside a `"…"` that has not closed yet.
    open_quote: bool,
}

struct Reader<'a> {
    path: &'a Path,
    sink: &'a mut dyn Sink,
    zone: chrono::FixedOffset,
    day: Option<NaiveDate>,
    pending: Option<Pending>,
}

impl Reader<'_> {
    fn declare(&mut self, name: String, kind: GroupKind) -> Result<(), ParseError> {
        let group = GroupInfo { platform: Platform::Line, platform_id: name.clone(), name, kind, member_count: None };
        self.sink.push(Record::Group(group)).or_closed(self.path)?;
        let text = format!("LINE writes times without a zone: read as UTC{}", self.zone);
        self.sink.push(Record::Note { group: 0, text }).or_closed(self.path)
    }

    fn error(&self, no: u64, message: String) -> ParseError {
        ParseError::new(self.path, message).at(format!("line {no}"))
    }

    fn line(&mut self, no: u64, line: &str) -> Result<(), ParseError> {
        if let Some(p) = self.pending.as_mut().filter(|p| p.open_quote) {
            p.text.push('\n');
            p.text.push_str(line);
            p.open_quote = !closes_quote(line);
            return Ok(());
        }
        if let Some(day) = date_line(line) {
            self.flush()?;
            let day = day.map_err(|()| self.error(no, format!("no such date: {:?}", seen(line))))?;
            self.day = Some(day);
            return Ok(());
        }
        if let Some((time, sender, text)) = message_line(line) {
            self.flush()?;
            let time = time.ok_or_else(|| self.error(no, format!("no such time of day: {:?}", seen(line))))?;
            let Some(day) = self.day else {
                return Err(self
                    .error(no, format!("a message before any date line: {:?}", seen(line)))
                    .hint("expected a date line such as 2024/01/15(Mon) before the first HH:MM line"));
            };
            let open_quote = text.starts_with('"') && !closes_quote(&text[1..]);
            self.pending = Some(Pending {
                time: Stamp::from_local_assumed(day.and_time(time), self.zone),
                sender: sender.to_string(),
                text: text.to_string(),
                open_quote,
            });
            return Ok(());
        }
        if line.trim().is_empty() {
            return Ok(());
        }
        match self.pending.as_mut() {
            // A line break LINE did not quote: the message goes on.
            Some(p) => {
                p.text.push('\n');
                p.text.push_str(line);
                Ok(())
            }
            None if self.day.is_none() && !line.contains('\t') => Ok(()), // saved-on line
            None => Err(self
                .error(no, format!("expected a date line or HH:MM<tab>name<tab>text, saw {:?}", seen(line)))
                .hint("this does not look like a LINE chat history; check --format")),
        }
    }

    fn flush(&mut self) -> Result<(), ParseError> {
        let Some(p) = self.pending.take() else { return Ok(()) };
        let text = unquote(&p.text);
        let record = if p.sender.is_empty() {
            Record::Event { group: 0, event: notice(&text, p.time) }
        } else {
            let kind = kind_of(&text);
            let message = Message { time: p.time, sender: Person::named(p.sender), text, kind, ..Message::default() };
            Record::Message { group: 0, message }
        };
        self.sink.push(record).or_closed(self.path)
    }
}

/// Whether a line ends a quoted text: it ends in an odd run of `"` (`""` is a quote inside).
fn closes_quote(line: &str) -> bool {
    let run = line.chars().rev().take_while(|c| *c == '"').count();
    run % 2 == 1
}

/// `"line one\nline ""two"""` → `line one\nline "two"`; unquoted text is kept as written.
fn unquote(text: &str) -> String {
    match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(inner) if text.contains('\n') || inner.contains("\"\"") => inner.replace("\"\"", "\""),
        _ => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_in_each_language() {
        let h = |l: &str| chat_header(l).unwrap();
        assert_eq!(h("[LINE] Chat history in Hikers"), ("Hikers".into(), GroupKind::Group));
        assert_eq!(h("\u{feff}[LINE] Chat history with Ann"), ("Ann".into(), GroupKind::Direct));
        assert_eq!(h("[LINE] 與王小明的聊天記錄"), ("王小明".into(), GroupKind::Direct));
        assert_eq!(h("[LINE] 登山社的聊天記錄"), ("登山社".into(), GroupKind::Group));
        assert_eq!(h("[LINE] 与李雷的聊天记录"), ("李雷".into(), GroupKind::Direct));
        assert_eq!(h("[LINE] 山の会のトーク履歴"), ("山の会".into(), GroupKind::Group));
        assert_eq!(h("[LINE] 田中とのトーク履歴"), ("田中".into(), GroupKind::Direct));
        assert!(chat_header("Chat with Ann").is_none());
    }

    #[test]
    fn dates_and_clocks() {
        let d = |l: &str| date_line(l).unwrap().unwrap();
        assert_eq!(d("2024/01/15(Mon)"), NaiveDate::from_ymd_opt(2024, 1, 15).unwrap());
        assert_eq!(d("2024/1/5（五）"), NaiveDate::from_ymd_opt(2024, 1, 5).unwrap());
        assert_eq!(d("2024/01/15(月)"), NaiveDate::from_ymd_opt(2024, 1, 15).unwrap());
        assert_eq!(d("2024.01.15 Monday"), NaiveDate::from_ymd_opt(2024, 1, 15).unwrap());
        assert_eq!(d("Mon, 01/15/2024"), NaiveDate::from_ymd_opt(2024, 1, 15).unwrap());
        assert!(date_line("2024/02/30(Fri)").unwrap().is_err());
        let t = |l: &str| message_line(l).unwrap().0.unwrap();
        assert_eq!(t("下午07:04\tAnn\thi"), NaiveTime::from_hms_opt(19, 4, 0).unwrap());
        assert_eq!(t("午前12:30\tAnn\thi"), NaiveTime::from_hms_opt(0, 30, 0).unwrap());
        assert_eq!(t("7:18 PM\tAnn\thi"), NaiveTime::from_hms_opt(19, 18, 0).unwrap());
        assert_eq!(message_line("19:04\t\tAnn joined the group.").unwrap().1, "");
    }

    #[test]
    fn notices_become_events() {
        let t = Stamp::default();
        let e = notice("Ann added Bo, Cy to the group.", t);
        assert_eq!((e.kind, e.actor.unwrap().name, e.subjects.len()), (EventKind::Join, "Ann".to_string(), 2));
        assert_eq!(notice("王小明已加入群組", t).subjects[0].name, "王小明");
        assert_eq!(notice("田中がグループを退会しました", t).kind, EventKind::Leave);
        assert_eq!(notice("Ann unsent a message.", t).kind, EventKind::Recall);
        assert_eq!(notice("Something else", t).kind, EventKind::Other);
    }

    #[test]
    fn quotes() {
        assert!(closes_quote("end\""));
        assert!(!closes_quote("say \"\""));
        assert_eq!(unquote("\"a\nb \"\"c\"\"\""), "a\nb \"c\"");
        assert_eq!(unquote("\"hi\""), "\"hi\"");
    }
}
