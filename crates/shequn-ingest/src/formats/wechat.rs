//! WeChat CSV exports: 留痕/MemoTrace v1 (`localId,TalkerId,Type,…,Sender`) and v2
//! (Chinese header, display names only), PyWxDump v2 (`content` = JSON) and v3
//! (`msg,src`). CN-FORMATS.md §2.1–2.4, system texts §5.

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use chrono::NaiveDateTime;
use regex::Regex;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, GroupSlot, Message, MessageKind, Person, Platform, Record, Sink, Stamp,
};

use super::cn_system::{self, head_decoded, strip_markup, NameBook, WECHAT_LEAVE_NOTE};
use super::csv_rows::{rows, CsvRow};
use crate::{china_zone, Format, Input, ParseError, ParseOptions, Probe, Score, SinkResultExt};

pub struct WechatCsv;

#[derive(Clone, Copy, PartialEq, Debug)]
enum Layout {
    MemoV1,
    MemoV2,
    PyWxDumpV2,
    PyWxDumpV3,
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
    } else {
        None
    }
}

/// What a row is once its layout is read.
enum What {
    Message(MessageKind),
    /// A system row; the kind is a hint when the text itself is not recognised.
    System(Option<EventKind>),
}

/// One row in layout-free form.
struct Row {
    conv: String,
    id: Option<String>,
    time: Stamp,
    sender: Option<Person>,
    /// Sent by the exporting user (`IsSender`/`is_sender` = 1).
    is_self: bool,
    what: What,
    text: String,
    reply_to: Option<String>,
}

/// Kind for WeChat `Type`/`SubType` codes (§2.1).
fn by_code(t: i64, sub: i64) -> What {
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

/// Kind for the Chinese type names of 留痕 v2 and PyWxDump.
fn by_name(name: &str) -> What {
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

fn local_time(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim();
    ["%Y-%m-%d %H:%M:%S", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y-%m-%d %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
}

/// Splits the `wxid_xxx:\n` sender prefix off group content (§2.1).
fn sender_prefix(text: &str) -> Option<(&str, &str)> {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| Regex::new(r"^([A-Za-z][A-Za-z0-9_\-]{2,}(?:@chatroom)?):\r?\n").expect("valid"));
    let c = re.captures(text)?;
    let end = c.get(0)?.end();
    Some((c.get(1)?.as_str(), &text[end..]))
}

/// `<tag>value</tag>` out of WeChat XML, CDATA removed.
fn xml_tag(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))? + start;
    Some(strip_markup(&xml[start..end]))
}

struct Ctx<'a> {
    input: &'a Input,
    zone: chrono::FixedOffset,
    cols: HashMap<String, usize>,
}

impl Ctx<'_> {
    fn get<'r>(&self, row: &'r CsvRow, col: &str) -> &'r str {
        self.cols.get(col).and_then(|&i| row.fields.get(i)).map(|s| s.as_str()).unwrap_or("")
    }
    fn err(&self, line: usize, msg: String) -> ParseError {
        ParseError::new(&self.input.path, msg)
            .at(format!("line {line}"))
            .hint("check that the CSV is an unmodified WeChat export (留痕/MemoTrace or PyWxDump)")
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
                time: Stamp::from_unix_ms(secs * 1000),
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
                (_, id) => Some(Person::with_id(id, id)),
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
    })
}

impl Format for WechatCsv {
    fn name(&self) -> &'static str {
        "wechat-csv"
    }
    fn description(&self) -> &'static str {
        "WeChat CSV from 留痕/MemoTrace (v1, v2) or PyWxDump (v2, v3)"
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
                "expected 留痕 `localId,TalkerId,Type,…` / `消息ID,类型,发送人,…` or PyWxDump `id,MsgSvrID,type_name,…`",
            )
        })?;
        let cols = header.fields.iter().enumerate().map(|(i, h)| (h.trim().to_string(), i)).collect();
        let ctx = Ctx { input, zone: opts.zone_or(china_zone()), cols };
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "WeChat".into());
        let stem = stem.strip_suffix("_utf8").unwrap_or(&stem).to_string();
        let mut parsed = Vec::with_capacity(data.len());
        for row in data {
            if row.fields.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            parsed.push(read_row(&ctx, layout, row, &stem)?);
        }
        // Conversations in order of first appearance, with what decides group vs direct.
        let mut order: Vec<String> = Vec::new();
        let mut senders: HashMap<&str, HashSet<String>> = HashMap::new();
        for r in &parsed {
            if !senders.contains_key(r.conv.as_str()) {
                order.push(r.conv.clone());
            }
            let set = senders.entry(r.conv.as_str()).or_default();
            if let Some(p) = &r.sender {
                set.insert(p.key());
            }
        }
        let multi = order.len() > 1;
        let mut slots: HashMap<String, GroupSlot> = HashMap::new();
        for (i, conv) in order.iter().enumerate() {
            let (platform_id, name) = match layout {
                Layout::MemoV1 if multi => (format!("{stem}#{conv}"), format!("{stem}#{conv}")),
                Layout::MemoV1 | Layout::MemoV2 => (stem.clone(), stem.clone()),
                _ => (conv.clone(), conv.clone()),
            };
            let kind = match layout {
                Layout::PyWxDumpV2 | Layout::PyWxDumpV3 if conv.ends_with("@chatroom") => GroupKind::Group,
                Layout::PyWxDumpV2 | Layout::PyWxDumpV3 => GroupKind::Direct,
                // 留痕 names no room: more than two distinct senders make it a group.
                _ if senders[conv.as_str()].len() > 2 => GroupKind::Group,
                _ => GroupKind::Direct,
            };
            let slot = i as GroupSlot;
            sink.push(Record::Group(GroupInfo {
                platform: Platform::Wechat,
                platform_id,
                name,
                kind,
                member_count: None,
            }))
            .or_closed(path)?;
            sink.push(Record::Note { group: slot, text: WECHAT_LEAVE_NOTE.to_string() }).or_closed(path)?;
            if layout != Layout::MemoV1 {
                sink.push(Record::Note { group: slot, text: cn_system::zone_note(ctx.zone) }).or_closed(path)?;
            }
            slots.insert(conv.clone(), slot);
        }
        // Names first, so a system text naming someone who speaks later still links to their wxid.
        let mut books: HashMap<GroupSlot, NameBook> = HashMap::new();
        for r in &parsed {
            if let (What::Message(_), Some(sender)) = (&r.what, &r.sender) {
                let book = books.entry(slots[&r.conv]).or_default();
                book.learn(sender);
                if r.is_self {
                    book.learn_me(sender);
                }
            }
        }
        for r in parsed {
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
