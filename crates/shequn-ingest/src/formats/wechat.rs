//! WeChat CSV exports: 留痕/MemoTrace v1 (`localId,TalkerId,Type,…,Sender`) and v2
//! (Chinese header, display names only), PyWxDump v2 (`content` = JSON) and v3
//! (`msg,src`), sjzar/chatlog (`Time,…,Sender,…,Talker,Content`). CN-FORMATS.md
//! §2.1–2.6, system texts §5. Also the row → records step every WeChat exporter
//! module shares ([`emit`]), so all of them name groups and resolve names alike.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::OnceLock;

use chrono::{FixedOffset, NaiveDateTime};
use regex::Regex;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, GroupSlot, Message, MessageKind, Person, Platform, Record, Sink, Stamp,
};

use super::cn_system::{self, head_decoded, strip_markup, NameBook, WECHAT_LEAVE_NOTE};
use super::csv_rows::{rows, CsvRow};
use crate::{china_zone, Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct WechatCsv;

#[derive(Clone, Copy, PartialEq, Debug)]
pub(super) enum Layout {
    MemoV1,
    MemoV2,
    PyWxDumpV2,
    PyWxDumpV3,
    /// sjzar/chatlog and its forks: the column set varies, these four are always there.
    Chatlog,
}

fn layout(header: &[String]) -> Option<Layout> {
    let h: Vec<&str> = header.iter().map(|s| s.trim()).collect();
    let has = |k: &str| h.contains(&k);
    if has("localId") && has("TalkerId") && has("Type") && has("CreateTime") {
        Some(Layout::MemoV1)
    } else if has("消息ID") && has("类型") && has("发送人") && has("时间") {
        Some(Layout::MemoV2)
    } else if has("MsgSvrID") && has("type_name") && has("talker") && has("content") {
        Some(Layout::PyWxDumpV2)
    } else if has("MsgSvrID") && has("type_name") && has("talker") && has("msg") {
        Some(Layout::PyWxDumpV3)
    } else if has("Time") && has("Sender") && has("Talker") && has("Content") {
        Some(Layout::Chatlog)
    } else {
        None
    }
}

/// What a row is once its layout is read.
pub(super) enum What {
    Message(MessageKind),
    /// A system row; the kind is a hint when the text itself is not recognised.
    System(Option<EventKind>),
}

/// One row in layout-free form.
pub(super) struct Row {
    /// The conversation's key: a [`Conv::key`], or its own id when no `Conv` names it.
    pub conv: String,
    pub id: Option<String>,
    pub time: Stamp,
    pub sender: Option<Person>,
    /// Sent by the exporting user (`IsSender`/`is_sender` = 1).
    pub is_self: bool,
    pub what: What,
    pub text: String,
    pub reply_to: Option<String>,
}

/// A conversation as a file names it.
pub(super) struct Conv {
    pub key: String,
    pub platform_id: String,
    pub name: String,
    /// None: decided by the senders (more than two distinct senders make a group).
    pub kind: Option<GroupKind>,
}

impl Conv {
    /// A conversation known by its id (a `…@chatroom` id is a group, any other wxid a direct chat).
    pub fn by_id(key: &str, id: &str, name: &str) -> Conv {
        let kind = if id.ends_with("@chatroom") { GroupKind::Group } else { GroupKind::Direct };
        let name = if name.trim().is_empty() { id } else { name.trim() };
        Conv { key: key.into(), platform_id: id.into(), name: name.into(), kind: Some(kind) }
    }
}

/// The chat a per-chat export file belongs to, from where the exporter put it: 留痕 v2
/// writes `聊天记录/<备注>(<wxid>)/<备注>.txt`, v1 `聊天记录/<备注>/<备注>.txt`. Id and name
/// come from the folder when it carries a wxid, else the file's name is both.
pub(super) fn chat_of_file(path: &Path, suffixes: &[&str]) -> Conv {
    static DIR: OnceLock<Regex> = OnceLock::new();
    let dir = DIR.get_or_init(|| Regex::new(r"^(.*)\(([A-Za-z0-9_\-]+(?:@chatroom)?)\)$").expect("valid"));
    let file = path.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let mut stem = file.clone();
    for suffix in suffixes {
        if let Some(s) = stem.strip_suffix(suffix) {
            stem = s.to_string();
            break;
        }
    }
    let stem = if stem.is_empty() { "WeChat".to_string() } else { stem };
    let parent = path.parent().and_then(|p| p.file_name()).map(|s| s.to_string_lossy().into_owned());
    if let Some(c) = parent.as_deref().and_then(|p| dir.captures(p)) {
        let name = if c[1].trim().is_empty() { stem.clone() } else { c[1].trim().to_string() };
        return Conv::by_id(&stem, &c[2], &name);
    }
    Conv { key: stem.clone(), platform_id: stem.clone(), name: stem, kind: None }
}

/// An epoch time: exact, shown in `zone` (UTC+8 unless `--zone`).
pub(super) fn epoch_stamp(unix_ms: i64, zone: FixedOffset) -> Stamp {
    Stamp { unix_ms, offset_s: zone.local_minus_utc(), zone_inferred: false }
}

/// Kind for WeChat `Type`/`SubType` codes (§2.1).
pub(super) fn by_code(t: i64, sub: i64) -> What {
    use MessageKind::*;
    What::Message(match (t, sub) {
        (1, _) => Text,
        (3, _) => Image,
        (34, _) => Voice,
        (43, _) => Video,
        (47, _) => Sticker,
        (48, _) => Location,
        (50, _) => Call,
        (49, 6) => File,
        (49, 57) | (49, 1) => Text,
        (49, 19) => Other,
        (49, 2000) => Transfer,
        (49, 2001) => RedPacket,
        (49, 62) => return What::System(Some(EventKind::Pat)),
        (49, _) => Link,
        (10000, 4) => return What::System(Some(EventKind::Pat)),
        (10000, _) | (10002, _) => return What::System(None),
        _ => Other,
    })
}

/// Kind for a 4.x 64-bit `local_type` (`type | subtype << 32`).
pub(super) fn by_local_type(v: i64) -> What {
    by_code(v & 0xFFFF_FFFF, v >> 32)
}

/// Kind for the placeholder an exporter writes instead of media: 留痕 `[图片]` (v1) and
/// `【图片】` (v2), chatlog `![图片](…)`, `[链接|…]`. None for plain text.
pub(super) fn by_placeholder(text: &str) -> Option<MessageKind> {
    use MessageKind::*;
    let t = text.trim_start();
    let t = t.strip_prefix('!').unwrap_or(t);
    let inner = t.strip_prefix('[').or_else(|| t.strip_prefix('【'))?;
    let word: String = inner.chars().take_while(|c| !matches!(c, ']' | '】' | '|' | ':' | '：' | ' ')).collect();
    Some(match word.as_str() {
        "图片" => Image,
        "语音" => Voice,
        "视频" => Video,
        "表情包" | "动画表情" | "GIF表情" | "表情" => Sticker,
        "文件" => File,
        "链接" | "分享链接" | "分享" | "音乐分享" | "小程序" | "视频号" => Link,
        "红包" => RedPacket,
        "转账" | "已收款" | "发起转账" | "已退还" | "非实时转账收款" | "发起非实时转账" => {
            Transfer
        }
        "位置分享" | "位置" => Location,
        "音视频通话" | "语音通话" | "视频通话" => Call,
        "名片" | "合并转发" | "合并转发的聊天记录" | "笔记" | "群公告" | "红包封面" => Other,
        _ => return None,
    })
}

/// Kind for the Chinese type names of 留痕 v2 and PyWxDump.
pub(super) fn by_name(name: &str) -> What {
    use MessageKind::*;
    let n = name.trim();
    What::Message(match n {
        "文本" | "文本消息" | "引用回复" | "引用消息" => Text,
        "图片" | "图片消息" => Image,
        "动画表情" | "表情包" => Sticker,
        "语音" | "语音消息" => Voice,
        "视频" | "视频消息" => Video,
        "文件" | "文件消息" => File,
        "位置" | "位置分享" | "位置消息" => Location,
        "红包" | "红包消息" => RedPacket,
        "转账" | "转账消息" => Transfer,
        "音视频通话" | "语音通话" | "通话消息" => Call,
        "拍一拍" => return What::System(Some(EventKind::Pat)),
        "邀请加群" => return What::System(Some(EventKind::Join)),
        "系统通知" | "系统消息" => return What::System(None),
        _ if n.starts_with("消息撤回") => return What::System(Some(EventKind::Recall)),
        _ if n.contains("链接") || n.contains("小程序") || n.contains("视频号") || n.contains("音乐") => Link,
        _ => Other,
    })
}

pub(super) fn local_time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
}

/// Splits the `wxid_xxx:\n` sender prefix off group content (§2.1).
pub(super) fn sender_prefix(text: &str) -> Option<(&str, &str)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"^([A-Za-z][A-Za-z0-9_\-]{2,}(?:@chatroom)?):\r?\n").expect("valid"));
    let c = re.captures(text)?;
    let end = c.get(0)?.end();
    Some((c.get(1)?.as_str(), &text[end..]))
}

/// `<tag>value</tag>` out of WeChat XML, CDATA removed.
pub(super) fn xml_tag(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(strip_markup(&xml[start..end]))
}

struct Ctx<'a> {
    input: &'a Input,
    zone: chrono::FixedOffset,
    cols: HashMap<String, usize>,
    /// wxid → name, from PyWxDump's `users.json` beside the export.
    names: &'a HashMap<String, String>,
}

impl Ctx<'_> {
    fn get<'r>(&self, row: &'r CsvRow, col: &str) -> &'r str {
        self.cols.get(col).and_then(|&i| row.fields.get(i)).map(|s| s.as_str()).unwrap_or("")
    }
    fn err(&self, line: usize, msg: String) -> ParseError {
        ParseError::new(&self.input.path, msg)
            .at(format!("line {line}"))
            .hint("check that the file is an unmodified WeChat export (留痕/MemoTrace, PyWxDump or chatlog)")
    }
    fn local(&self, row: &CsvRow, col: &str) -> Result<Stamp, ParseError> {
        let v = self.get(row, col);
        local_time(v)
            .map(|t| Stamp::from_local_assumed(t, self.zone))
            .ok_or_else(|| self.err(row.line, format!("{col} {v:?} is not a date-time like 2024-10-04 21:25:04")))
    }
}

fn read_row(ctx: &Ctx, layout: Layout, row: &CsvRow, stem: &str) -> Result<Row, ParseError> {
    let g = |c: &str| ctx.get(row, c);
    let opt = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    Ok(match layout {
        Layout::MemoV1 => {
            let code = |c: &str| g(c).trim().parse::<i64>().ok();
            let t = code("Type").ok_or_else(|| ctx.err(row.line, format!("Type {:?} is not a number", g("Type"))))?;
            let secs = code("CreateTime")
                .ok_or_else(|| ctx.err(row.line, format!("CreateTime {:?} is not epoch seconds", g("CreateTime"))))?;
            let what = by_code(t, code("SubType").unwrap_or(0));
            let raw = g("StrContent");
            let (prefix_id, content) = match sender_prefix(raw) {
                Some((id, rest)) => (Some(id.to_string()), rest),
                None => (None, raw),
            };
            let mut text = content.to_string();
            let mut reply_to = None;
            if content.contains("<refermsg>") {
                reply_to = xml_tag(content, "svrid");
                text = xml_tag(content, "title").unwrap_or_default();
            } else if matches!(what, What::System(_)) {
                text = xml_tag(content, "replacemsg")
                    .or_else(|| xml_tag(content, "plain").filter(|p| !p.is_empty()))
                    .or_else(|| xml_tag(content, "template"))
                    .unwrap_or_else(|| strip_markup(content));
            }
            let sender = if matches!(what, What::System(_)) {
                None
            } else {
                let id = opt(g("Sender")).or(prefix_id);
                let name = opt(g("NickName")).or(opt(g("Remark")));
                let self_sent = g("IsSender").trim() == "1";
                Some(match (id, name) {
                    (Some(id), name) => Person::with_id(id.clone(), name.unwrap_or(id)),
                    (None, Some(name)) => Person::named(name),
                    (None, None) if self_sent => Person::named("我"),
                    (None, None) => Person::named("未知"),
                })
            };
            Row {
                conv: g("TalkerId").trim().to_string(),
                id: None,
                time: epoch_stamp(secs * 1000, ctx.zone),
                is_self: g("IsSender").trim() == "1",
                sender,
                what,
                text,
                reply_to,
            }
        }
        Layout::MemoV2 => {
            let what = by_name(g("类型"));
            let sender = match what {
                What::System(_) => None,
                What::Message(_) => Some(Person::named(g("发送人").trim())),
            };
            Row {
                conv: stem.to_string(),
                id: opt(g("消息ID")),
                time: ctx.local(row, "时间")?,
                is_self: false,
                sender,
                what,
                text: g("内容").to_string(),
                reply_to: None,
            }
        }
        Layout::PyWxDumpV2 | Layout::PyWxDumpV3 => {
            let what = by_name(g("type_name"));
            let raw = if layout == Layout::PyWxDumpV2 {
                let c = g("content");
                serde_json::from_str::<serde_json::Value>(c)
                    .ok()
                    .and_then(|v| v.get("msg").and_then(|m| m.as_str()).map(str::to_string))
                    .unwrap_or_else(|| c.to_string())
            } else {
                g("msg").to_string()
            };
            let (prefix_id, content) = match sender_prefix(&raw) {
                Some((id, rest)) => (Some(id.to_string()), rest.to_string()),
                None => (None, raw.clone()),
            };
            let talker = g("talker").trim();
            let sender = match (&what, talker) {
                (What::System(_), _) | (_, "系统") => None,
                (_, "我") => Some(Person::named("我")),
                (_, "" | "未知") => {
                    Some(prefix_id.map(|id| Person::with_id(id.clone(), id)).unwrap_or_else(|| Person::named("未知")))
                }
                (_, id) => Some(Person::with_id(id, ctx.names.get(id).map(String::as_str).unwrap_or(id))),
            };
            let what = if sender.is_none() && matches!(what, What::Message(_)) { What::System(None) } else { what };
            let text = if matches!(what, What::System(_)) { strip_markup(&content) } else { content };
            Row {
                conv: g("room_name").trim().to_string(),
                id: opt(g("MsgSvrID")),
                time: ctx.local(row, "CreateTime")?,
                is_self: g("is_sender").trim() == "1",
                sender,
                what,
                text,
                reply_to: None,
            }
        }
        Layout::Chatlog => {
            let sender_id = g("Sender").trim();
            let content = g("Content");
            let type_desc = g("TypeDesc").trim();
            let what = if sender_id == "系统消息" || g("Type").trim() == "10000" {
                What::System(None)
            } else if type_desc == "拍一拍" {
                What::System(Some(EventKind::Pat))
            } else {
                let by_type = g("Type").trim().parse::<i64>().ok().map(|t| by_code(t, 0));
                match (by_placeholder(content), by_type) {
                    (Some(kind), _) => What::Message(kind),
                    (None, Some(What::Message(kind))) if kind != MessageKind::Link => What::Message(kind),
                    _ => What::Message(MessageKind::Text),
                }
            };
            let is_self = g("IsSelf").trim().eq_ignore_ascii_case("true") || sender_id == "我";
            let sender = match what {
                What::System(_) => None,
                What::Message(_) => {
                    let name = opt(g("SenderName")).unwrap_or_else(|| sender_id.to_string());
                    Some(if sender_id.is_empty() || sender_id == "我" {
                        Person::named(name)
                    } else {
                        Person::with_id(sender_id, name)
                    })
                }
            };
            Row {
                conv: g("Talker").trim().to_string(),
                id: opt(g("MessageID")),
                time: ctx.local(row, "Time")?,
                is_self,
                sender,
                what,
                text: content.to_string(),
                reply_to: None,
            }
        }
    })
}

impl Format for WechatCsv {
    fn name(&self) -> &'static str {
        "wechat-csv"
    }
    fn description(&self) -> &'static str {
        "WeChat CSV from 留痕/MemoTrace (v1, v2), PyWxDump (v2, v3) or sjzar/chatlog"
    }
    fn sniff(&self, probe: &Probe) -> Score {
        let head = head_decoded(probe);
        let first = head.lines().next().unwrap_or("");
        let header: Vec<String> = first.trim_end_matches('\r').split(',').map(str::to_string).collect();
        if layout(&header).is_some() {
            95
        } else {
            0
        }
    }

    fn parse(&self, input: &Input, opts: &ParseOptions, sink: &mut dyn Sink) -> Result<(), ParseError> {
        let path = &input.path;
        let text = input.read_text()?;
        let all = rows(&text);
        let Some((header, data)) = all.split_first() else {
            return Err(ParseError::new(path, "empty CSV file"));
        };
        let layout = layout(&header.fields).ok_or_else(|| {
            ParseError::new(path, "CSV header is not a known WeChat export header").at("line 1").hint(
                "expected 留痕 `localId,TalkerId,Type,…` / `消息ID,类型,发送人,…`, PyWxDump `id,MsgSvrID,type_name,…` or chatlog `Time,SenderName,Sender,…`",
            )
        })?;
        let names = match layout {
            Layout::PyWxDumpV2 | Layout::PyWxDumpV3 => users_json(path),
            _ => HashMap::new(),
        };
        parse_table(input, opts, layout, &header.fields, data, &names, sink)
    }
}

/// Names PyWxDump wrote beside its export (`users.json`: wxid → {remark, nickname, …}).
pub(super) fn users_json(path: &Path) -> HashMap<String, String> {
    let Some(file) = path.parent().map(|d| d.join("users.json")) else { return HashMap::new() };
    let Ok(text) = std::fs::read_to_string(file) else { return HashMap::new() };
    let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(&text) else {
        return HashMap::new();
    };
    user_names(&map)
}

/// wxid → display name out of a PyWxDump user map (remark first, then nickname).
pub(super) fn user_names(map: &serde_json::Map<String, serde_json::Value>) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (id, v) in map {
        let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::trim).filter(|x| !x.is_empty());
        if let Some(name) = field("remark").or_else(|| field("nickname")) {
            out.insert(id.clone(), name.to_string());
        }
    }
    out
}

/// Reads table rows (CSV rows, or JSON objects laid out as rows) of a known layout and emits them.
pub(super) fn parse_table(
    input: &Input,
    opts: &ParseOptions,
    layout: Layout,
    header: &[String],
    data: &[CsvRow],
    names: &HashMap<String, String>,
    sink: &mut dyn Sink,
) -> Result<(), ParseError> {
    let path = &input.path;
    let cols = header.iter().enumerate().map(|(i, h)| (h.trim().to_string(), i)).collect();
    let ctx = Ctx { input, zone: opts.zone_or(china_zone()), cols, names };
    let file_chat = chat_of_file(path, &["_utf8.csv", ".csv", ".json"]);
    let stem = file_chat.key.clone();
    let mut parsed = Vec::with_capacity(data.len());
    for row in data {
        if row.fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        parsed.push(read_row(&ctx, layout, row, &stem)?);
    }
    let mut keys: Vec<&str> = Vec::new();
    for r in &parsed {
        if !keys.contains(&r.conv.as_str()) {
            keys.push(&r.conv);
        }
    }
    let talker_names: HashMap<&str, &str> = match layout {
        Layout::Chatlog => data
            .iter()
            .map(|row| (ctx.get(row, "Talker").trim(), ctx.get(row, "TalkerName").trim()))
            .filter(|(_, n)| !n.is_empty())
            .collect(),
        _ => HashMap::new(),
    };
    let convs: Vec<Conv> = keys
        .iter()
        .map(|&key| match layout {
            // TalkerId is a row number in the exporter's own table: the file names the chat.
            Layout::MemoV1 if keys.len() > 1 => Conv {
                key: key.into(),
                platform_id: format!("{stem}#{key}"),
                name: format!("{stem}#{key}"),
                kind: None,
            },
            Layout::MemoV1 | Layout::MemoV2 => Conv { key: key.into(), ..chat_of_file(path, &["_utf8.csv", ".csv"]) },
            Layout::Chatlog => Conv::by_id(key, key, talker_names.get(key).copied().unwrap_or(key)),
            _ => Conv::by_id(key, key, names.get(key).map(String::as_str).unwrap_or(key)),
        })
        .collect();
    let note = (layout != Layout::MemoV1).then_some(ctx.zone);
    emit(path, convs, parsed, note, sink)
}

/// Pushes the groups, then their messages and events in time order. System texts
/// are read by [`cn_system`] against the names every group's senders go by.
/// `zone_note`: the zone zone-less times were read in (None when all times are epochs).
pub(super) fn emit(
    path: &Path,
    mut convs: Vec<Conv>,
    mut rows: Vec<Row>,
    zone_note: Option<FixedOffset>,
    sink: &mut dyn Sink,
) -> Result<(), ParseError> {
    for r in &rows {
        if !convs.iter().any(|c| c.key == r.conv) {
            convs.push(Conv { key: r.conv.clone(), platform_id: r.conv.clone(), name: r.conv.clone(), kind: None });
        }
    }
    // Exporters write newest-first as often as oldest-first (留痕 9d59919): time order is ours to make.
    rows.sort_by_key(|r| r.time.unix_ms);
    let mut senders: HashMap<&str, HashSet<String>> = HashMap::new();
    for r in &rows {
        if let Some(p) = &r.sender {
            senders.entry(r.conv.as_str()).or_default().insert(p.key());
        }
    }
    let mut slots: HashMap<String, GroupSlot> = HashMap::new();
    for (i, conv) in convs.iter().enumerate() {
        let kind = conv.kind.unwrap_or_else(|| {
            if senders.get(conv.key.as_str()).map_or(0, |s| s.len()) > 2 {
                GroupKind::Group
            } else {
                GroupKind::Direct
            }
        });
        let slot = i as GroupSlot;
        sink.push(Record::Group(GroupInfo {
            platform: Platform::Wechat,
            platform_id: conv.platform_id.clone(),
            name: conv.name.clone(),
            kind,
            member_count: None,
        }))
        .or_closed(path)?;
        sink.push(Record::Note { group: slot, text: WECHAT_LEAVE_NOTE.to_string() }).or_closed(path)?;
        if let Some(zone) = zone_note {
            sink.push(Record::Note { group: slot, text: cn_system::zone_note(zone) }).or_closed(path)?;
        }
        slots.insert(conv.key.clone(), slot);
    }
    // Names first, so a system text naming someone who speaks later still links to their wxid.
    let mut books: HashMap<GroupSlot, NameBook> = HashMap::new();
    for r in &rows {
        if let (What::Message(_), Some(sender)) = (&r.what, &r.sender) {
            let book = books.entry(slots[&r.conv]).or_default();
            book.learn(sender);
            if r.is_self {
                book.learn_me(sender);
            }
        }
    }
    for r in rows {
        let group = slots[&r.conv];
        let book = books.entry(group).or_default();
        let record = match (r.what, r.sender) {
            (What::Message(kind), Some(sender)) => Record::Message {
                group,
                message: Message {
                    id: r.id,
                    time: r.time,
                    sender,
                    text: r.text,
                    kind,
                    reply_to: r.reply_to,
                    ..Message::default()
                },
            },
            (what, _) => {
                let mut event = cn_system::event(r.time, &r.text, book);
                if let (EventKind::Other, What::System(Some(hint))) = (event.kind, what) {
                    event.kind = hint;
                }
                event.id = r.id;
                Record::Event { group, event }
            }
        };
        sink.push(record).or_closed(path)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_is_split() {
        assert_eq!(sender_prefix("wxid_abc123:\n你好"), Some(("wxid_abc123", "你好")));
        assert_eq!(sender_prefix("好的:\n"), None);
    }

    #[test]
    fn quote_reply_xml() {
        let xml = "<msg><appmsg><title>同意</title><refermsg><svrid>123</svrid></refermsg></appmsg></msg>";
        assert_eq!(xml_tag(xml, "svrid").as_deref(), Some("123"));
        assert_eq!(xml_tag(xml, "title").as_deref(), Some("同意"));
    }
}
