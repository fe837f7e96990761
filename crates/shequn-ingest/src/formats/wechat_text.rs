//! WeChat plain-text exports: 留痕/MemoTrace TXT (v1 and v2) and sjzar/chatlog's
//! text output. Both write a header line, the body below it and a blank line
//! between messages; neither writes a wxid for the sender, so people are names.
//! Times are the exporter's local clock: read in UTC+8 unless `--zone`.
//!
//! Written from LC044/WeChatMsg@6feb0fc490c6bf8b446855c74955d4b39935c07d:
//! app/util/exporter/exporter_txt.py (v1), zprolab/WeChatMsg@11e8013dcadcd29e7b85f409ff3be46ed0ad2e41:
//! exporter/exporter_txt.py and wxManager/model/message.py `to_text` (v2), and
//! sjzar/chatlog@53f14eaa931757024e72f44aeb54dc4b722064e1: internal/model/message.go `PlainText`.

use std::sync::OnceLock;

use regex::Regex;
use shequn_model::{EventKind, MessageKind, Person, Sink, Stamp};

use super::cn_system::{self, head_decoded};
use super::wechat::{by_placeholder, chat_of_file, emit, local_time, Conv, Row, What};
use crate::{china_zone, Format, Input, ParseError, ParseOptions, Probe, Score};

/// 留痕 TXT: `2023-05-01 12:00:00 张三` / body / blank line. A system message is the
/// time and its text on one line (v1), or the time alone with the text below (v2).
pub struct MemoTraceTxt;

/// sjzar/chatlog text: `张三(wxid_a) [群名(123@chatroom)] 2025-03-01 09:00:00` / body / blank line.
pub struct ChatlogText;

fn memo_header() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^(\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2})(?: (.*))?$").expect("valid"))
}

fn chatlog_header() -> &'static Regex {
    static RE: OnceLock<Regex> = OnceLock::new();
    RE.get_or_init(|| {
        Regex::new(r"^(\S.*?) (?:\[(.+)\] )?((?:\d{4}-)?(?:\d{2}-\d{2} )?\d{2}:\d{2}:\d{2})$").expect("valid")
    })
}

/// Lines with their 1-based numbers, line ends trimmed.
fn numbered(text: &str) -> Vec<(usize, &str)> {
    text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l)).enumerate().map(|(i, l)| (i + 1, l)).collect()
}

/// One block: its header line and the body lines under it.
struct Block<'a> {
    line: usize,
    header: &'a str,
    body: Vec<&'a str>,
}

/// Splits lines into blocks. A header counts only after a blank line (or first), so a
/// body line that happens to look like one stays in its body; the first non-blank line
/// must be a header.
fn blocks<'a>(
    lines: &[(usize, &'a str)],
    is_header: impl Fn(&str) -> bool,
) -> Result<Vec<Block<'a>>, (usize, &'a str)> {
    let mut out: Vec<Block> = Vec::new();
    let mut prev_blank = true;
    for &(no, line) in lines {
        let blank = line.trim().is_empty();
        if prev_blank && !blank && is_header(line) {
            out.push(Block { line: no, header: line, body: Vec::new() });
        } else if let Some(b) = out.last_mut() {
            b.body.push(line);
        } else if !blank {
            return Err((no, line));
        }
        prev_blank = blank;
    }
    for b in &mut out {
        while b.body.last().is_some_and(|l| l.trim().is_empty()) {
            b.body.pop();
        }
    }
    Ok(out)
}

/// Undoes 留痕 v1's `escape_js_and_html` on display names (`\'`, `\"`, `&amp;`).
fn unescape_name(s: &str) -> String {
    s.replace("\\'", "'")
        .replace("\\\"", "\"")
        .replace("\\\\", "\\")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A message row, or a 拍一拍 that 留痕 v2 writes under the patter's name.
fn message_or_pat(sender: Person, text: String) -> (Option<Person>, What, String) {
    if !text.contains('\n') && (text.contains("拍了拍") || text.contains("patted")) {
        let sys = cn_system::classify(&text);
        if sys.kind == EventKind::Pat {
            return (None, What::System(Some(EventKind::Pat)), text);
        }
    }
    let kind = by_placeholder(&text).unwrap_or(MessageKind::Text);
    (Some(sender), What::Message(kind), text)
}

/// The sender's own words of a 留痕 quote reply (`正文\n引用:名字:原文`).
fn without_quote(text: &str) -> String {
    match text.find("\n引用:").or_else(|| text.find("\n引用：")) {
        Some(i) => text[..i].to_string(),
        None => text.to_string(),
    }
}

impl Format for MemoTraceTxt {
    fn name(&self) -> &'static str {
        "memotrace-txt"
    }
    fn description(&self) -> &'static str {
        "WeChat TXT from 留痕/MemoTrace (v1, v2): `2023-05-01 12:00:00 名字`, the text below"
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let head = head_decoded(probe);
        let lines = numbered(&head);
        // The last line may be cut by the 64 KiB window.
        let lines = &lines[..lines.len().saturating_sub(1).max(1.min(lines.len()))];
        let Ok(found) = blocks(lines, |l| memo_header().is_match(l)) else { return 0 };
        if found.len() < 2 {
            return 0;
        }
        // QQ 消息管理器 writes the same shape with `(QQ号)`/`<email>` after the name and
        // unpadded hours; those are its files.
        let qq_like = found.iter().filter(|b| b.header.trim_end().ends_with([')', '>'])).count();
        if qq_like * 2 > found.len() {
            return 0;
        }
        // 留痕 writes `\n`; a CRLF file was re-saved or is another tool's.
        if head.contains("\r\n") {
            40
        } else {
            85
        }
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let text = input.read_text()?;
        let lines = numbered(&text);
        let found = blocks(&lines, |l| memo_header().is_match(l)).map_err(|(no, line)| {
            ParseError::new(
                path,
                format!("expected a 留痕 header line like `2023-05-01 12:00:00 名字`, found {line:?}"),
            )
            .at(format!("line {no}"))
            .hint("check that the file is an unmodified 留痕/MemoTrace TXT export")
        })?;
        let zone = opts.zone_or(china_zone());
        let chat = chat_of_file(path, &[".txt"]);
        let mut rows = Vec::with_capacity(found.len());
        for b in found {
            let c = memo_header().captures(b.header).expect("block headers match");
            let time = local_time(&c[1]).ok_or_else(|| {
                ParseError::new(path, format!("{:?} is not a date-time", &c[1])).at(format!("line {}", b.line))
            })?;
            let time = Stamp::from_local_assumed(time, zone);
            let rest = c.get(2).map(|m| m.as_str().trim()).unwrap_or("");
            let link = b.body.first().is_some_and(|l| l.trim_start().starts_with("[链接]"));
            let body: Vec<&str> = b.body.iter().map(|l| if link { l.trim() } else { l }).collect();
            let body = body.join("\n");
            let (sender, what, text) = if rest.is_empty() {
                // v2 system: the time alone, the text below.
                (None, What::System(None), body)
            } else if body.trim().is_empty() {
                // v1 system: time and text on one line.
                (None, What::System(None), rest.to_string())
            } else {
                message_or_pat(Person::named(unescape_name(rest)), without_quote(&body))
            };
            rows.push(Row {
                conv: chat.key.clone(),
                id: None,
                time,
                sender,
                is_self: false,
                what,
                text,
                reply_to: None,
            });
        }
        emit(path, vec![chat], rows, Some(zone), sink)
    }
}

/// `名字(id)` → (name, id); a bare `id` is both.
fn name_and_id(s: &str) -> (String, String) {
    let s = s.trim();
    if let Some(inner) = s.strip_suffix(')') {
        if let Some(open) = inner.rfind('(') {
            let (name, id) = (inner[..open].trim(), inner[open + 1..].trim());
            if !id.is_empty() {
                return (if name.is_empty() { id } else { name }.to_string(), id.to_string());
            }
        }
    }
    (s.to_string(), s.to_string())
}

impl Format for ChatlogText {
    fn name(&self) -> &'static str {
        "chatlog-text"
    }
    fn description(&self) -> &'static str {
        "WeChat text from sjzar/chatlog: `名字(wxid) 2025-03-01 09:00:00`, the text below"
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let head = head_decoded(probe);
        let lines = numbered(&head);
        let lines = &lines[..lines.len().saturating_sub(1).max(1.min(lines.len()))];
        let full = |l: &str| chatlog_header().captures(l).is_some_and(|c| c[3].len() == 19);
        let Ok(found) = blocks(lines, full) else { return 0 };
        // Every header carries an id in parentheses or is a system line; a logger's
        // `nick 2024-01-01 12:00:00` lines without bodies are not chatlog's.
        let shaped = found
            .iter()
            .filter(|b| !b.body.is_empty())
            .filter(|b| {
                let who = &chatlog_header().captures(b.header).expect("matched")[1];
                who.ends_with(')') || who == "系统消息"
            })
            .count();
        if found.len() >= 2 && shaped * 10 >= found.len() * 9 {
            75
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let text = input.read_text()?;
        let lines = numbered(&text);
        let found = blocks(&lines, |l| chatlog_header().is_match(l)).map_err(|(no, line)| {
            ParseError::new(
                path,
                format!("expected a chatlog header like `名字(wxid_xxx) 2025-03-01 09:00:00`, found {line:?}"),
            )
            .at(format!("line {no}"))
            .hint("check that the file is chatlog's text output (format=text)")
        })?;
        let zone = opts.zone_or(china_zone());
        let file_chat = chat_of_file(path, &[".txt", ".log"]);
        let mut convs: Vec<Conv> = Vec::new();
        let mut rows = Vec::with_capacity(found.len());
        for b in found {
            let c = chatlog_header().captures(b.header).expect("block headers match");
            let time = local_time(&c[3]).ok_or_else(|| {
                ParseError::new(path, format!("time {:?} has no date", &c[3])).at(format!("line {}", b.line)).hint(
                    "chatlog shortens times for short ranges; export with format=json, or a time range spanning years",
                )
            })?;
            let conv = match c.get(2) {
                Some(t) => {
                    let (name, id) = name_and_id(t.as_str());
                    if !convs.iter().any(|x| x.key == id) {
                        convs.push(Conv::by_id(&id, &id, &name));
                    }
                    id
                }
                None => {
                    if !convs.iter().any(|x| x.key == file_chat.key) {
                        convs.push(chat_of_file(path, &[".txt", ".log"]));
                    }
                    file_chat.key.clone()
                }
            };
            let (name, id) = name_and_id(&c[1]);
            let body = b.body.join("\n");
            let (sender, what, text, is_self) = if id == "系统消息" {
                (None, What::System(None), body, false)
            } else {
                let person = if id == "我" { Person::named(name) } else { Person::with_id(id.clone(), name) };
                let (s, w, t) = message_or_pat(person, body);
                (s, w, t, id == "我")
            };
            rows.push(Row {
                conv,
                id: None,
                time: Stamp::from_local_assumed(time, zone),
                sender,
                is_self,
                what,
                text,
                reply_to: None,
            });
        }
        emit(path, convs, rows, Some(zone), sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_ids() {
        assert_eq!(name_and_id("张三(wxid_a)"), ("张三".into(), "wxid_a".into()));
        assert_eq!(name_and_id("老(王)(wxid_b)"), ("老(王)".into(), "wxid_b".into()));
        assert_eq!(name_and_id("系统消息"), ("系统消息".into(), "系统消息".into()));
    }

    #[test]
    fn body_lines_that_look_like_headers_stay_in_the_body() {
        let lines =
            numbered("2023-05-01 12:00:00 张三\n第一行\n2023-05-01 12:00:01 不是头\n\n2023-05-01 12:00:02 李四\n好");
        let b = blocks(&lines, |l| memo_header().is_match(l)).unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].body.len(), 2);
    }

    #[test]
    fn quote_is_cut() {
        assert_eq!(without_quote("好的\n引用:张三:明天见"), "好的");
    }
}
