//! Classic PC QQ 消息管理器 exports: `.txt` (one file may hold many conversations)
//! and `.mht` (MIME-wrapped HTML table). CN-FORMATS.md §1.1–1.2.

use std::sync::OnceLock;

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use regex::Regex;
use shequn_model::{GroupSlot, Message, Record, Sink, Stamp};

use super::cn_system::{self, head_decoded};
use super::qq_sender::{body_kind, kind_of_folder, mentions, parse_sender, Conversations, Sender};
use crate::{china_zone, Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct QqTxt;
pub struct QqMht;

const TITLE_LINE: &str = "消息记录（此消息记录为文本格式";

fn header_re() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(\d{4}-\d{2}-\d{2}) (\d{1,2}:\d{2}:\d{2})(?: ([AP]M))? ([^\r\n]*)$")
            .expect("valid header pattern")
    })
}

/// Reads `H:MM:SS` with an optional `AM`/`PM` (English-locale Windows).
fn clock(hms: &str, ampm: Option<&str>) -> Option<NaiveTime> {
    let t = NaiveTime::parse_from_str(hms, "%H:%M:%S").ok()?;
    use chrono::Timelike;
    let h = t.hour();
    let h = match ampm {
        Some("AM") if h == 12 => 0,
        Some("PM") if h < 12 => h + 12,
        _ => h,
    };
    t.with_hour(h)
}

/// A `消息分组:` / `消息对象:` line's value (ASCII or full-width colon).
fn field<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(key)?;
    rest.strip_prefix(':').or_else(|| rest.strip_prefix('：')).map(str::trim)
}

fn stem(input: &Input) -> String {
    input.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "QQ".into())
}

/// One message or system row, before it is written.
struct Row {
    time: NaiveDateTime,
    sender: String,
    body: String,
}

/// Collects the rows of every conversation in a file, then writes them: names are
/// learned from the whole file first, so a system text or @mention naming someone who
/// speaks only later still links to their QQ number.
struct Writer<'a> {
    sink: &'a mut dyn Sink,
    input: &'a Input,
    convs: Conversations,
    zone: chrono::FixedOffset,
    folder: Option<String>,
    slot: Option<GroupSlot>,
    rows: Vec<(GroupSlot, Row)>,
}

impl Writer<'_> {
    fn open(&mut self, name: &str) -> Result<(), ParseError> {
        let kind = kind_of_folder(self.folder.as_deref());
        self.slot = Some(self.convs.open(self.sink, &self.input.path, name, kind, self.zone)?);
        Ok(())
    }

    fn write(&mut self, row: Row) -> Result<(), ParseError> {
        let slot = match self.slot {
            Some(s) => s,
            None => {
                let name = stem(self.input);
                self.open(&name)?;
                self.slot.unwrap_or(0)
            }
        };
        if let Sender::Member(person) = parse_sender(&row.sender) {
            self.convs.books[slot as usize].learn(&person);
        }
        self.rows.push((slot, row));
        Ok(())
    }

    fn finish(self) -> Result<(), ParseError> {
        for (slot, row) in self.rows {
            let time = Stamp::from_local_assumed(row.time, self.zone);
            let book = &self.convs.books[slot as usize];
            let record = match parse_sender(&row.sender) {
                Sender::System => Record::Event { group: slot, event: cn_system::event(time, &row.body, book) },
                Sender::Member(person) => {
                    let message = Message {
                        time,
                        kind: body_kind(&row.body),
                        mentions: mentions(&row.body, book),
                        sender: person,
                        text: row.body,
                        ..Message::default()
                    };
                    Record::Message { group: slot, message }
                }
            };
            self.sink.push(record).or_closed(&self.input.path)?;
        }
        Ok(())
    }
}

impl Format for QqTxt {
    fn name(&self) -> &'static str {
        "qq-txt"
    }
    fn description(&self) -> &'static str {
        "classic PC QQ 消息管理器 text export (.txt, UTF-8 or GBK)"
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let head = head_decoded(probe);
        if head.contains(TITLE_LINE) || head.lines().any(|l| field(l, "消息对象").is_some()) {
            return 90;
        }
        // Headerless files: a header ending in `(QQ号)`/`<email>`, or a bare nickname
        // header whose body is on the next line (IRC-style logs keep text on the same line).
        let mut lines = head.lines().filter(|l| !l.trim().is_empty());
        let (first, second) = (lines.next().unwrap_or(""), lines.next().unwrap_or(""));
        match header_re().captures(first) {
            // IRC-style `<nick> text` / `* nick action` / `-!- …` lines are not QQ senders.
            Some(c) if c[4].starts_with(['<', '*', '-', '[']) => 0,
            Some(c) if c[4].trim_end().ends_with([')', '>']) => 80,
            Some(_) if header_re().is_match(second) => 0,
            Some(_) => 30,
            None => 0,
        }
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let text = input.read_text()?;
        // CRLF ends records; a bare CR or LF is a line break inside a body (§1.1).
        let lines: Vec<&str> =
            if text.contains("\r\n") { text.split("\r\n").collect() } else { text.split('\n').collect() };
        let zone = opts.zone_or(china_zone());
        let mut w =
            Writer { sink, input, convs: Conversations::default(), zone, folder: None, slot: None, rows: Vec::new() };
        let mut current: Option<(Row, Vec<&str>)> = None;
        let flush = |w: &mut Writer, cur: &mut Option<(Row, Vec<&str>)>| -> Result<(), ParseError> {
            if let Some((mut row, mut body)) = cur.take() {
                while body.last().is_some_and(|l| l.trim().is_empty()) {
                    body.pop();
                }
                row.body = body.join("\n").replace("\r\n", "\n").replace('\r', "\n");
                w.write(row)?;
            }
            Ok(())
        };
        // The header block: 64 `=` rules around `消息分组:`/`消息对象:` lines. A rule or a
        // field line counts only beside a partner (rule or field), so a message body may
        // contain either on its own.
        let is_field = |l: &str| field(l, "消息分组").is_some() || field(l, "消息对象").is_some();
        let is_rule = |l: &str| l.len() == 64 && l.bytes().all(|b| b == b'=');
        let at = |i: usize| lines.get(i).copied().unwrap_or("");
        for (i, line) in lines.iter().enumerate() {
            let no = i + 1;
            let before = if i == 0 { "" } else { at(i - 1) };
            let in_block = |l: &str| is_rule(l) && (is_field(at(i + 1)) || is_field(before));
            if line.starts_with(TITLE_LINE) || in_block(line) {
                flush(&mut w, &mut current)?;
                continue;
            }
            let partner = |l: &str| is_rule(l) || is_field(l);
            if is_field(line) && (partner(before) || partner(at(i + 1)) || current.is_none()) {
                flush(&mut w, &mut current)?;
                if let Some(folder) = field(line, "消息分组") {
                    w.folder = Some(folder.to_string());
                } else if let Some(name) = field(line, "消息对象") {
                    w.open(name)?;
                }
                continue;
            }
            if let Some(c) = header_re().captures(line) {
                let date = NaiveDate::parse_from_str(&c[1], "%Y-%m-%d").ok();
                let time = clock(&c[2], c.get(3).map(|m| m.as_str()));
                if let (Some(d), Some(t)) = (date, time) {
                    flush(&mut w, &mut current)?;
                    let row = Row { time: d.and_time(t), sender: c[4].to_string(), body: String::new() };
                    current = Some((row, Vec::new()));
                    continue;
                }
            }
            match &mut current {
                Some((_, body)) => body.push(line),
                None if line.trim().is_empty() => {}
                None => {
                    return Err(ParseError::new(&input.path, "text before the first message header")
                        .at(format!("line {no}"))
                        .hint("a QQ export message starts with a line like `2017-01-01 8:36:52 昵称(QQ号)`"))
                }
            }
        }
        flush(&mut w, &mut current)?;
        w.finish()
    }
}

impl Format for QqMht {
    fn name(&self) -> &'static str {
        "qq-mht"
    }
    fn description(&self) -> &'static str {
        "classic PC QQ 消息管理器 web-archive export (.mht)"
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let head = head_decoded(probe);
        if head.contains("Save by Tencent MsgMgr") || (head.contains("multipart/related") && head.contains("消息对象"))
        {
            95
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let text = input.read_text()?;
        let html = html_part(&text).ok_or_else(|| {
            ParseError::new(&input.path, "no HTML part found in the .mht file")
                .hint("export again from QQ 消息管理器 as 网页格式(*.mht)")
        })?;
        let zone = opts.zone_or(china_zone());
        let mut w =
            Writer { sink, input, convs: Conversations::default(), zone, folder: None, slot: None, rows: Vec::new() };
        static MSG: OnceLock<Regex> = OnceLock::new();
        let msg_re = MSG.get_or_init(|| {
            Regex::new(r"(?is)margin-right:6px;?>(.*?)</div>\s*(\d{1,2}:\d{2}:\d{2})(?:\s*([AP]M))?\s*</div>(.*)$")
                .expect("valid row pattern")
        });
        let mut date: Option<NaiveDate> = None;
        for (i, row) in split_rows(&html).into_iter().enumerate() {
            let no = i + 1;
            if let Some(c) = msg_re.captures(row) {
                let Some(day) = date else {
                    return Err(ParseError::new(&input.path, "a message row comes before any 日期 row")
                        .at(format!("table row {no}"))
                        .hint("the .mht file looks cut; export it again"));
                };
                let t = clock(c[2].trim(), c.get(3).map(|m| m.as_str())).ok_or_else(|| {
                    ParseError::new(&input.path, format!("bad time {:?}", &c[2])).at(format!("table row {no}"))
                })?;
                let sender = html_text(&c[1]);
                let body = html_text(&c[4]);
                w.write(Row { time: day.and_time(t), sender, body })?;
                continue;
            }
            let plain = html_text(row);
            if let Some(folder) = field(&plain, "消息分组") {
                w.folder = Some(folder.to_string());
            } else if let Some(name) = field(&plain, "消息对象") {
                w.open(name)?;
            } else if let Some(d) = field(&plain, "日期") {
                date = Some(NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| {
                    ParseError::new(&input.path, format!("bad date {d:?}")).at(format!("table row {no}"))
                })?);
            }
        }
        w.finish()
    }
}

/// The first `text/html` part of a MIME multipart file (quoted-printable decoded).
fn html_part(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<html").or_else(|| lower.find("<table"))?;
    // The part ends at the next MIME boundary line.
    let end = text[start..].find("\n------=_").map_or(text.len(), |e| start + e);
    let headers = &lower[..start];
    let part = &text[start..end];
    let qp = headers.rfind("content-type").is_some_and(|i| headers[i..].contains("quoted-printable"));
    Some(if qp { quoted_printable(part) } else { part.to_string() })
}

fn quoted_printable(s: &str) -> String {
    let s = s.replace("=\r\n", "").replace("=\n", "");
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'=' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Table rows: the text between `<tr>` openings.
fn split_rows(html: &str) -> Vec<&str> {
    let lower = html.to_ascii_lowercase();
    let starts: Vec<usize> = lower.match_indices("<tr").map(|(i, _)| i).collect();
    starts.iter().enumerate().map(|(k, &s)| &html[s..starts.get(k + 1).copied().unwrap_or(html.len())]).collect()
}

/// Visible text of an HTML fragment: `<br>` → newline, images → `[图片]`, entities decoded.
fn html_text(fragment: &str) -> String {
    static BR: OnceLock<Regex> = OnceLock::new();
    static IMG: OnceLock<Regex> = OnceLock::new();
    static TAG: OnceLock<Regex> = OnceLock::new();
    let br = BR.get_or_init(|| Regex::new(r"(?i)<br\s*/?>").expect("valid"));
    let img = IMG.get_or_init(|| Regex::new(r"(?i)<img[^>]*>").expect("valid"));
    let tag = TAG.get_or_init(|| Regex::new(r"<[^<>]*>").expect("valid"));
    let s = br.replace_all(fragment, "\n");
    let s = img.replace_all(&s, "[图片]");
    let s = tag.replace_all(&s, "");
    let s = s
        .replace("&nbsp;", " ")
        .replace("&get;", ">")
        .replace("&gt;", ">")
        .replace("&lt;", "<")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    s.replace(['\r'], "").trim().replace('\u{a0}', " ").trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_hour_clock() {
        assert_eq!(clock("8:43:38", Some("PM")), NaiveTime::from_hms_opt(20, 43, 38));
        assert_eq!(clock("12:01:00", Some("AM")), NaiveTime::from_hms_opt(0, 1, 0));
        assert_eq!(clock("12:01:00", Some("PM")), NaiveTime::from_hms_opt(12, 1, 0));
    }

    #[test]
    fn html_text_decodes_qq_entities() {
        assert_eq!(html_text("<font>a&get;b&nbsp;c</font><br><IMG src=\"{x}.jpg\">"), "a>b c\n[图片]");
    }
}
