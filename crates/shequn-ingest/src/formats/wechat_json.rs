//! WeChat exports that carry their messages as a JSON array (or a JavaScript one in an
//! HTML page): PyWxDump JSON and its HTML export's `data.js`, sjzar/chatlog JSON, and
//! 留痕/MemoTrace HTML (v1: JavaScript object literals; v2: JSON, also written beside
//! it as `<名>.html.json`).
//!
//! Written from: xaoyaoo/PyWxDump@36fcb2ac44fed45d20b0480987c142a150698264:
//! pywxdump/db/export/exportJSON.py, @81832a2a9909578bed62ccaf565c13a797e1df31:
//! pywxdump/db/export/exportHtml.py, @079414fa4fa96e8d6fb5a9e4e16be7118fa9d7b6:
//! pywxdump/db/dbMSG.py (`get_msg_detail`); sjzar/chatlog@53f14eaa931757024e72f44aeb54dc4b722064e1:
//! internal/model/message.go and @ca579552f8abee45b5aff78f9eedb15e2ffa346a: internal/export/export.go;
//! LC044/WeChatMsg@05063c62a07c6f32a301d38886bccaa3df4f20e0: app/util/exporter/exporter_html.py
//! (v1) and zprolab/WeChatMsg@6535ed011c90f4ce5daea6986d420617b14a70f2: exporter/exporter_html.py
//! with wxManager/model/message.py `to_json` (v2).

use std::collections::HashMap;
use std::io::Read;
use std::sync::OnceLock;

use chrono::DateTime;
use regex::Regex;
use serde_json::Value;
use shequn_model::{GroupKind, MessageKind, Person, Sink, Stamp};

use super::cn_system::{head_decoded, strip_markup};
use super::csv_rows::CsvRow;
use super::wechat::{
    by_code, by_local_type, chat_of_file, emit, epoch_stamp, parse_table, user_names, users_json, Conv, Layout, Row,
    What,
};
use crate::{china_zone, Format, Input, ParseError, ParseOptions, Probe, Score};

/// PyWxDump `{wxid}_0_N.json` (a list of its message rows) or its HTML export's `data.js`.
pub struct PyWxDumpJson;
/// sjzar/chatlog JSON: an array of `{seq, time, talker, sender, content, …}`.
pub struct ChatlogJson;
/// 留痕 v2 `<名>.html.json`: the messages of its HTML export, unescaped.
pub struct MemoTraceJson;
/// 留痕 HTML (v1 and v2).
pub struct MemoTraceHtml;

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1
}

/// Byte ranges of the elements of the JSON array whose `[` is at `start`, and the end
/// of the array. One element is parsed at a time, and each keeps its line for errors.
fn array_elements(text: &str, start: usize) -> Result<(Vec<(usize, usize)>, usize), usize> {
    let b = text.as_bytes();
    if b.get(start) != Some(&b'[') {
        return Err(start);
    }
    let mut out = Vec::new();
    let mut i = start + 1;
    let skip_ws = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        i
    };
    loop {
        i = skip_ws(i);
        match b.get(i) {
            None => return Err(i),
            Some(b']') if out.is_empty() => return Ok((out, i + 1)),
            _ => {}
        }
        let s = i;
        let (mut depth, mut in_str, mut esc) = (0i32, false, false);
        while i < b.len() {
            let c = b[i];
            if in_str {
                match c {
                    _ if esc => esc = false,
                    b'\\' => esc = true,
                    b'"' => in_str = false,
                    _ => {}
                }
            } else {
                match c {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' if depth > 0 => depth -= 1,
                    b',' | b']' if depth == 0 => break,
                    _ => {}
                }
            }
            i += 1;
        }
        let mut e = i;
        while e > s && b[e - 1].is_ascii_whitespace() {
            e -= 1;
        }
        out.push((s, e));
        match b.get(i) {
            Some(b',') => i += 1,
            Some(b']') => return Ok((out, i + 1)),
            _ => return Err(i),
        }
    }
}

/// Each element of the array at `start`, parsed, with its line.
fn elements(path: &std::path::Path, text: &str, start: usize, what: &str) -> Result<Vec<(usize, Value)>, ParseError> {
    let (ranges, _) = array_elements(text, start).map_err(|at| {
        ParseError::new(path, format!("the {what} array is not closed (truncated file?)"))
            .at(format!("line {}", line_of(text, at)))
    })?;
    let mut out = Vec::with_capacity(ranges.len());
    for (s, e) in ranges {
        let line = line_of(text, s);
        let v: Value = serde_json::from_str(&text[s..e]).map_err(|err| {
            ParseError::new(path, format!("not valid JSON in a {what} message: {err}"))
                .at(format!("line {}", line + err.line() - 1))
        })?;
        out.push((line, v));
    }
    Ok(out)
}

/// A short excerpt of a value for error messages.
fn seen(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(80) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

fn as_text(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

fn as_int(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        Value::Bool(b) => Some(i64::from(*b)),
        _ => None,
    }
}

const PYWXDUMP_V3: [&str; 9] =
    ["id", "MsgSvrID", "type_name", "is_sender", "talker", "room_name", "msg", "src", "CreateTime"];

/// PyWxDump message objects laid out as its CSV rows, so both read alike.
fn pywxdump_rows(
    input: &Input,
    opts: &ParseOptions,
    items: Vec<(usize, Value)>,
    names: &HashMap<String, String>,
    sink: &mut dyn Sink,
) -> Result<(), ParseError> {
    let header: Vec<String> = PYWXDUMP_V3.iter().map(|s| s.to_string()).collect();
    let mut rows = Vec::with_capacity(items.len());
    for (line, v) in items {
        let ok = v.get("type_name").is_some() && v.get("CreateTime").is_some() && v.get("talker").is_some();
        let Some(obj) = v.as_object().filter(|_| ok) else {
            return Err(ParseError::new(
                &input.path,
                format!("expected a PyWxDump message with type_name, talker and CreateTime, found {}", seen(&v)),
            )
            .at(format!("line {line}")));
        };
        // v2 rows keep text in `content: {"src", "msg"}`.
        let msg = match (obj.get("msg"), obj.get("content")) {
            (Some(m), _) => as_text(Some(m)),
            (None, Some(Value::Object(c))) => as_text(c.get("msg")),
            (None, c) => as_text(c),
        };
        let fields = PYWXDUMP_V3.iter().map(|k| if *k == "msg" { msg.clone() } else { as_text(obj.get(*k)) }).collect();
        rows.push(CsvRow { line, fields });
    }
    parse_table(input, opts, Layout::PyWxDumpV3, &header, &rows, names, sink)
}

/// The text after `marker` in `text`: where a JavaScript assignment's value starts.
fn after(text: &str, marker: &str) -> Option<usize> {
    text.find(marker).map(|i| {
        let mut j = i + marker.len();
        while text.as_bytes().get(j).is_some_and(|b| b.is_ascii_whitespace()) {
            j += 1;
        }
        j
    })
}

fn head_starts_array(head: &str) -> bool {
    head.trim_start().starts_with('[')
}

impl Format for PyWxDumpJson {
    fn name(&self) -> &'static str {
        "pywxdump-json"
    }
    fn description(&self) -> &'static str {
        "WeChat JSON from PyWxDump (`{wxid}_0_N.json`) or its HTML export's `data.js`"
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let head = head_decoded(probe);
        if head.contains("local_msg_list") && head.contains("isUseLocalData") {
            return 90;
        }
        let keys = ["\"MsgSvrID\"", "\"type_name\"", "\"talker\"", "\"room_name\"", "\"CreateTime\""];
        if head_starts_array(&head) && keys.iter().all(|k| head.contains(k)) {
            90
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let text = input.read_text()?;
        if let Some(list) = after(&text, "const local_msg_list =") {
            let names = after(&text, "const local_user_list =")
                .and_then(|at| serde_json::Deserializer::from_str(&text[at..]).into_iter::<Value>().next())
                .and_then(|v| v.ok())
                .and_then(|v| v.as_object().map(user_names))
                .unwrap_or_default();
            let items = elements(path, &text, list, "local_msg_list")?;
            return pywxdump_rows(input, opts, items, &names, sink);
        }
        let start = text.len() - text.trim_start().len();
        if !text[start..].starts_with('[') {
            return Err(ParseError::new(path, "expected a JSON array of PyWxDump messages").at("line 1"));
        }
        let items = elements(path, &text, start, "PyWxDump")?;
        pywxdump_rows(input, opts, items, &users_json(path), sink)
    }
}

impl Format for ChatlogJson {
    fn name(&self) -> &'static str {
        "chatlog-json"
    }
    fn description(&self) -> &'static str {
        "WeChat JSON from sjzar/chatlog (`[{\"seq\",\"time\",\"talker\",\"sender\",…}]`)"
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let head = head_decoded(probe);
        let keys = ["\"seq\"", "\"time\"", "\"talker\"", "\"sender\"", "\"isChatRoom\""];
        if head_starts_array(&head) && keys.iter().all(|k| head.contains(k)) {
            90
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, _opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let text = input.read_text()?;
        let start = text.len() - text.trim_start().len();
        if !text[start..].starts_with('[') {
            return Err(ParseError::new(path, "expected a JSON array of chatlog messages").at("line 1"));
        }
        let mut convs: Vec<Conv> = Vec::new();
        let mut rows = Vec::new();
        for (line, v) in elements(path, &text, start, "chatlog")? {
            let time = v
                .get("time")
                .and_then(|t| t.as_str())
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .filter(|_| v.get("talker").is_some())
                .ok_or_else(|| {
                    ParseError::new(
                        path,
                        format!(
                            "expected a chatlog message with an RFC 3339 `time` and a `talker`, found time {:?} in {}",
                            as_text(v.get("time")),
                            seen(&v)
                        ),
                    )
                    .at(format!("line {line}"))
                })?;
            let talker = as_text(v.get("talker"));
            if !convs.iter().any(|c| c.key == talker) {
                let mut conv = Conv::by_id(&talker, &talker, &as_text(v.get("talkerName")));
                if v.get("isChatRoom").and_then(|b| b.as_bool()) == Some(true) {
                    conv.kind = Some(GroupKind::Group);
                }
                convs.push(conv);
            }
            let (t, sub) = (as_int(v.get("type")).unwrap_or(1), as_int(v.get("subType")).unwrap_or(0));
            let sender_id = as_text(v.get("sender"));
            let what = if sender_id == "系统消息" || t == 10000 { What::System(None) } else { by_code(t, sub) };
            let is_self = v.get("isSelf").and_then(|b| b.as_bool()).unwrap_or(false);
            let content = as_text(v.get("content"));
            let text = match &what {
                What::Message(kind) if content.trim().is_empty() => placeholder(*kind, v.get("contents")),
                _ => content,
            };
            let sender = match what {
                What::System(_) => None,
                What::Message(_) => {
                    let name = Some(as_text(v.get("senderName"))).filter(|n| !n.trim().is_empty());
                    Some(Person::with_id(sender_id.clone(), name.unwrap_or_else(|| sender_id.clone())))
                }
            };
            rows.push(Row {
                conv: talker,
                id: as_int(v.get("seq")).map(|s| s.to_string()),
                time: Stamp::from_datetime(&time),
                sender,
                is_self,
                what,
                text,
                reply_to: None,
            });
        }
        emit(path, convs, rows, None, sink)
    }
}

/// The text shown for a media message that has none (chatlog leaves `content` empty).
fn placeholder(kind: MessageKind, contents: Option<&Value>) -> String {
    let title = contents.and_then(|c| c.get("title")).and_then(|t| t.as_str()).unwrap_or("");
    let word = match kind {
        MessageKind::Image => "图片",
        MessageKind::Voice => "语音",
        MessageKind::Video => "视频",
        MessageKind::Sticker => "动画表情",
        MessageKind::File => "文件",
        MessageKind::Link => "链接",
        MessageKind::RedPacket => "红包",
        MessageKind::Transfer => "转账",
        MessageKind::Location => "位置",
        MessageKind::Call => "语音通话",
        _ => "分享",
    };
    if title.is_empty() {
        format!("[{word}]")
    } else {
        format!("[{word}|{title}]")
    }
}

/// Undoes Python's `html.escape` (the v2 HTML escapes every string but URLs).
fn html_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#x27;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// One 留痕 v2 `to_json` message (`type` is the 4.x 64-bit type, as text or a number).
fn memo_v2_row(
    path: &std::path::Path,
    conv: &str,
    line: usize,
    v: &Value,
    escaped: bool,
    zone: chrono::FixedOffset,
) -> Result<Row, ParseError> {
    let (Some(t), Some(ts)) = (as_int(v.get("type")), as_int(v.get("timestamp"))) else {
        return Err(ParseError::new(
            path,
            format!("expected a 留痕 message with a numeric `type` and `timestamp`, found {}", seen(v)),
        )
        .at(format!("line {line}")));
    };
    let un = |s: String| if escaped { html_unescape(&s) } else { s };
    let what = match t {
        1 | 2 => What::Message(MessageKind::Text),
        _ => by_local_type(t),
    };
    let field = |k: &str| Some(un(as_text(v.get(k)))).filter(|s| !s.trim().is_empty());
    let text = field("text")
        .or_else(|| field("title"))
        .or_else(|| field("file_name").filter(|_| matches!(what, What::Message(MessageKind::File))))
        .or_else(|| field("display_content"))
        .unwrap_or_else(|| match &what {
            What::Message(kind) => placeholder(*kind, None),
            What::System(_) => String::new(),
        });
    let text = if matches!(what, What::System(_)) { strip_markup(&text) } else { text };
    let sender = match what {
        What::System(_) => None,
        What::Message(_) => Some(Person::named(field("display_name").unwrap_or_else(|| "未知".into()))),
    };
    let reply_to = field("quote_server_id").filter(|s| s != "0");
    Ok(Row {
        conv: conv.to_string(),
        id: field("server_id").filter(|s| s != "0"),
        time: epoch_stamp(ts * 1000, zone),
        sender,
        is_self: v.get("is_send").and_then(|b| b.as_bool().or(b.as_i64().map(|n| n == 1))).unwrap_or(false),
        what,
        text,
        reply_to,
    })
}

fn memo_v2_records(
    input: &Input,
    opts: &ParseOptions,
    text: &str,
    start: usize,
    escaped: bool,
    suffixes: &[&str],
    sink: &mut dyn Sink,
) -> Result<(), ParseError> {
    let path = &input.path;
    let zone = opts.zone_or(china_zone());
    let chat = chat_of_file(path, suffixes);
    let mut rows = Vec::new();
    for (line, v) in elements(path, text, start, "留痕")? {
        rows.push(memo_v2_row(path, &chat.key, line, &v, escaped, zone)?);
    }
    emit(path, vec![chat], rows, None, sink)
}

impl Format for MemoTraceJson {
    fn name(&self) -> &'static str {
        "memotrace-json"
    }
    fn description(&self) -> &'static str {
        "WeChat messages 留痕/MemoTrace v2 writes beside its HTML (`<名>.html.json`)"
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let head = head_decoded(probe);
        let keys = ["\"server_id\"", "\"display_name\"", "\"avatar_src\"", "\"is_send\"", "\"timestamp\""];
        if head_starts_array(&head) && keys.iter().all(|k| head.contains(k)) {
            90
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let text = input.read_text()?;
        let start = text.len() - text.trim_start().len();
        if !text[start..].starts_with('[') {
            return Err(ParseError::new(&input.path, "expected a JSON array of 留痕 messages").at("line 1"));
        }
        memo_v2_records(input, opts, &text, start, false, &[".html.json", ".json"], sink)
    }
}

/// Where v2's `json.dumps(indent=4)` array starts in the page.
fn v2_array(text: &str) -> Option<usize> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r#"\[\s*\{\s*"type":"#).expect("valid"));
    re.find(text).map(|m| m.start())
}

/// Where v1's `const chatMessages = [` array starts (its template's data slot).
const V1_MARKER: &str = "const chatMessages = [";

/// How much of an HTML file sniffing reads to find the data: the 留痕 templates put
/// hundreds of KiB of CSS and script before it.
const HTML_SNIFF_BYTES: u64 = 4 * 1024 * 1024;

impl Format for MemoTraceHtml {
    fn name(&self) -> &'static str {
        "memotrace-html"
    }
    fn description(&self) -> &'static str {
        "WeChat HTML from 留痕/MemoTrace (v1 and v2; v2's `.html.json` beside it is read instead)"
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let head = head_decoded(probe).to_ascii_lowercase();
        if !(head.contains("<html") || head.contains("<!doctype html")) {
            return 0;
        }
        // v2 writes the same messages unescaped beside the page: that file is the one to read.
        let twin = probe.path.with_file_name(format!("{}.json", probe.file_name()));
        if twin.is_file() {
            return 0;
        }
        let mut buf = Vec::new();
        let read = std::fs::File::open(probe.path).and_then(|f| f.take(HTML_SNIFF_BYTES).read_to_end(&mut buf));
        if read.is_err() {
            return 0;
        }
        let text = String::from_utf8_lossy(&buf);
        let v1 = text.contains(V1_MARKER) && text.contains("is_chatroom:") && text.contains("displayname:'");
        let v2 = text.contains("\"server_id\": ") && text.contains("\"avatar_src\": ") && v2_array(&text).is_some();
        if v1 || v2 {
            85
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let text = input.read_text()?;
        // v2 fills the same `chatMessages` slot with JSON (`[{"type": …`), v1 with `{ type:…`.
        if let Some(start) = v2_array(&text) {
            return memo_v2_records(input, opts, &text, start, true, &[".html"], sink);
        }
        if let Some(at) = text.find(V1_MARKER) {
            let items = js_objects(&text, at + V1_MARKER.len() - 1).map_err(|(at, why)| {
                ParseError::new(path, format!("expected a 留痕 message `{{ type:1, text: '…', … }}`: {why}"))
                    .at(format!("line {}", line_of(&text, at)))
                    .hint("check that the page is an unmodified 留痕/MemoTrace HTML export")
            })?;
            return memo_v1_records(input, opts, &text, items, sink);
        }
        Err(ParseError::new(path, "no 留痕 message data found in the page")
            .hint("expected `const chatMessages = [{ type:…` (v1) or a JSON array of messages (v2)"))
    }
}

/// v1's records: `{ type:1, text: 'hi',is_send:0,…,timestamp:1700000000,…,displayname:'张三'}`.
type JsObject = (usize, HashMap<String, String>);

/// Reads the JavaScript object literals of the array whose `[` is at `start`. Strings
/// are single-quoted with `escape_js_and_html` escapes; other values are bare tokens.
fn js_objects(text: &str, start: usize) -> Result<Vec<JsObject>, (usize, String)> {
    let b = text.as_bytes();
    let mut i = start + 1;
    let mut out = Vec::new();
    let skip = |mut i: usize, extra: &[u8]| {
        while i < b.len() && (b[i].is_ascii_whitespace() || extra.contains(&b[i])) {
            i += 1;
        }
        i
    };
    loop {
        i = skip(i, b",");
        match b.get(i) {
            Some(b']') => return Ok(out),
            Some(b'{') => {}
            Some(_) => return Err((i, format!("found {:?}", text[i..].chars().take(20).collect::<String>()))),
            None => return Err((i, "the array is not closed (truncated file?)".into())),
        }
        let at = i;
        i += 1;
        let mut obj = HashMap::new();
        loop {
            i = skip(i, b",");
            match b.get(i) {
                Some(b'}') => {
                    i += 1;
                    break;
                }
                None => return Err((i, "an object is not closed".into())),
                _ => {}
            }
            let k0 = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            let key = text[k0..i].to_string();
            i = skip(i, b"");
            if key.is_empty() || b.get(i) != Some(&b':') {
                return Err((
                    i,
                    format!("found {:?} where a `key:` was expected", text[k0..].chars().take(20).collect::<String>()),
                ));
            }
            i = skip(i + 1, b"");
            let value = if b.get(i) == Some(&b'\'') {
                let mut v = String::new();
                let mut chars = text[i + 1..].char_indices();
                let mut end = None;
                while let Some((j, c)) = chars.next() {
                    match c {
                        '\\' => match chars.next() {
                            Some((_, 'n')) => v.push('\n'),
                            Some((_, 'r')) => v.push('\r'),
                            Some((_, 't')) => v.push('\t'),
                            Some((_, other)) => v.push(other),
                            None => break,
                        },
                        '\'' => {
                            end = Some(i + 1 + j + 1);
                            break;
                        }
                        _ => v.push(c),
                    }
                }
                i = end.ok_or((i, "a string is not closed".to_string()))?;
                v
            } else {
                let v0 = i;
                while i < b.len() && !matches!(b[i], b',' | b'}') {
                    i += 1;
                }
                text[v0..i].trim().to_string()
            };
            obj.insert(key, value);
        }
        out.push((at, obj));
    }
}

fn memo_v1_records(
    input: &Input,
    opts: &ParseOptions,
    text: &str,
    items: Vec<JsObject>,
    sink: &mut dyn Sink,
) -> Result<(), ParseError> {
    let path = &input.path;
    let zone = opts.zone_or(china_zone());
    let mut chat = chat_of_file(path, &[".html"]);
    let mut rows = Vec::with_capacity(items.len());
    let mut room = None;
    for (at, obj) in items {
        let get = |k: &str| obj.get(k).map(String::as_str).unwrap_or("");
        let (Ok(t), Ok(ts)) = (get("type").parse::<i64>(), get("timestamp").parse::<i64>()) else {
            return Err(ParseError::new(
                path,
                format!(
                    "expected a 留痕 message with numeric `type` and `timestamp`, found type {:?}, timestamp {:?}",
                    get("type"),
                    get("timestamp")
                ),
            )
            .at(format!("line {}", line_of(text, at))));
        };
        room = room.or(Some(get("is_chatroom") == "1"));
        let sub = get("sub_type").parse::<i64>().unwrap_or(0);
        let what = match (t, sub) {
            (0, _) => What::System(None),
            (49, 57) | (49, 1) => What::Message(MessageKind::Text),
            (49, 2000) => What::Message(MessageKind::Transfer),
            _ => by_code(t, sub),
        };
        // Tags first (`replace_text` adds `<img>` for emoji), then the entities escape_js_and_html wrote.
        let un = |k: &str| html_unescape(&strip_markup(get(k)));
        let text = match (&what, t, sub) {
            (What::System(_), ..) | (_, 1, _) | (_, 49, 57) | (_, 49, 2000) | (_, 50, _) => un("text"),
            (_, 49, 5) | (_, 49, 3) => un("title"),
            (_, 49, 6) => un("file_name"),
            (What::Message(kind), ..) => placeholder(*kind, None),
        };
        let sender = match what {
            What::System(_) => None,
            What::Message(_) => Some(Person::named(html_unescape(get("displayname")))),
        };
        rows.push(Row {
            conv: chat.key.clone(),
            id: None,
            time: epoch_stamp(ts * 1000, zone),
            sender,
            is_self: get("is_send") == "1",
            what,
            text,
            reply_to: None,
        });
    }
    if chat.kind.is_none() {
        chat.kind = room.map(|r| if r { GroupKind::Group } else { GroupKind::Direct });
    }
    emit(path, vec![chat], rows, None, sink)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_elements_with_strings_and_nesting() {
        let t = r#"x = [ {"a": "],\"{"}, [1, 2] , 3 ];"#;
        let (r, end) = array_elements(t, 4).unwrap();
        let parts: Vec<&str> = r.iter().map(|&(s, e)| &t[s..e]).collect();
        assert_eq!(parts, vec![r#"{"a": "],\"{"}"#, "[1, 2]", "3"]);
        assert_eq!(&t[end..], ";");
        assert_eq!(array_elements("[ ]", 0).unwrap().0.len(), 0);
        assert!(array_elements("[1, 2", 0).is_err());
    }

    #[test]
    fn js_literals() {
        let t = r#"const chatMessages = [
{ type:1, text: 'it\'s \"ok\"\n2',is_send:0,timestamp:1700000000,displayname:'A&amp;B'},{ type:0, text: 'x',is_send:0,timestamp:1,displayname:''},
];"#;
        let objs = js_objects(t, t.find('[').unwrap()).unwrap();
        assert_eq!(objs.len(), 2);
        assert_eq!(objs[0].1["text"], "it's \"ok\"\n2");
        assert_eq!(objs[0].1["timestamp"], "1700000000");
        assert_eq!(objs[1].1["type"], "0");
    }
}
