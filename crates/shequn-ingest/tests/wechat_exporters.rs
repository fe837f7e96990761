//! The WeChat exporters besides the CSVs: 留痕/MemoTrace TXT, HTML and `.html.json`,
//! PyWxDump JSON and `data.js`, sjzar/chatlog JSON, CSV and text. No real sample of
//! these is public, so each fixture is written here from the exporter's own writer
//! (file and commit named on each). Expected counts are read off the fixture text:
//! one header line / JSON element / CSV row per message or event.

mod cn_support;

use std::path::{Path, PathBuf};

use cn_support::*;
use shequn_ingest::{by_name, detect, Input, ParseOptions, Probe, Record};
use shequn_model::{EventKind, GroupKind, MessageKind};

const MINE: &[&str] =
    &["memotrace-txt", "memotrace-html", "memotrace-json", "pywxdump-json", "chatlog-json", "chatlog-text"];

fn write(dir: &Path, rel: &str, text: &str) -> PathBuf {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, text).unwrap();
    p
}

fn sniffed(path: &Path) -> Option<&'static str> {
    let (entries, head) = Input::probe_data(path).unwrap();
    detect(&Probe { path, dir_entries: &entries, head: &head }).map(|f| f.name())
}

/// Parses with the sniffed format, twice: both runs give the same records.
fn parse_stable(path: &Path, format: &str) -> Vec<Record> {
    let first = parse_as(path, format);
    assert_eq!(first, parse_as(path, format), "second parse of {} differs", path.display());
    first
}

fn kinds(r: &[Record], g: u32) -> Vec<MessageKind> {
    messages(r, g).iter().map(|m| m.kind).collect()
}

fn event_kinds(r: &[Record], g: u32) -> Vec<EventKind> {
    events(r, g).iter().map(|e| e.kind).collect()
}

// 留痕 v1 TXT: LC044/WeChatMsg@6feb0fc490c6bf8b446855c74955d4b39935c07d:app/util/exporter/exporter_txt.py.
// `{time} {name}\n{text}\n\n`; system `{time} {text}\n\n`; quote `title\n引用:name:content`;
// link card as indented lines. Newest first, as the last source commit (9d59919) queries it.
const MEMO_V1_TXT: &str = "2024-01-01 20:06:00 小赵\n第一段\n2024-01-02 08:00:00 不是新消息\n\n\
2024-01-01 20:05:00 \"小李\" 撤回了一条消息\n\n\
2024-01-01 20:04:00 小王\n            [链接]:title:读书清单\n            description:2024\n            url:https://example.com/list\n            name:公众号\n            \n\n\
2024-01-01 20:03:00 小赵\n收到\n引用:小王:大家好\n\n\
2024-01-01 20:02:00 小李\n[图片]\n\n\
2024-01-01 20:01:00 小王\n大家好\n\n\
2024-01-01 20:00:00 \"小王\"邀请\"小李、小赵\"加入了群聊\n\n";

#[test]
fn memotrace_v1_txt_group() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "data/聊天记录/读书会/读书会.txt", MEMO_V1_TXT);
    let r = parse_stable(&p, "memotrace-txt");
    // 7 headers: 20:00 and 20:05 are system lines (no body), the other 5 are messages.
    assert_eq!(totals(&r), (1, 5, 2));
    let g = groups(&r)[0];
    // No wxid in a v1 folder name: the chat is known by its name; 3 senders make a group.
    assert_eq!((g.platform_id.as_str(), g.name.as_str(), g.kind), ("读书会", "读书会", GroupKind::Group));
    use MessageKind::*;
    assert_eq!(kinds(&r, 0), vec![Text, Image, Text, Link, Text], "sorted oldest first");
    let ms = messages(&r, 0);
    assert_eq!(ms[0].time.to_rfc3339(), "2024-01-01T20:01:00+08:00");
    assert!(ms[0].time.zone_inferred);
    assert_eq!(ms[2].text, "收到", "the quoted message is not the sender's words");
    assert!(ms[3].text.starts_with("[链接]:title:读书清单\ndescription:2024"));
    assert_eq!(ms[4].text, "第一段\n2024-01-02 08:00:00 不是新消息", "a header-like body line stays in its body");
    assert_eq!(event_kinds(&r, 0), vec![EventKind::Join, EventKind::Recall]);
    let join = events(&r, 0)[0];
    assert_eq!(join.subjects.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(), vec!["小李", "小赵"]);
    assert!(notes(&r, 0).iter().any(|t| t.contains("UTC+08:00")));
    assert_reimport_adds_nothing(&r);
}

// 留痕 v2 TXT: zprolab/WeChatMsg@11e8013dcadcd29e7b85f409ff3be46ed0ad2e41:exporter/exporter_txt.py
// (`'\n\n'.join(f'{title}\n{to_text()}')`, system title = time only) and wxManager/model/message.py
// `to_text` (【图片】, 【红包】: title, quote `正文\n引用：名: 文`, 拍一拍 = its title under the patter).
// Folder `聊天记录/<备注>(<wxid>)/` from exporter/exporter.py `origin_path`.
const MEMO_V2_TXT: &str = "2025-03-01 09:00:00\n\"阿May\"邀请\"小刘\"加入了群聊\n\n\
2025-03-01 09:01:00 阿May\n欢迎小刘\n\n\
2025-03-01 09:02:00 小刘\n【图片】\n\n\
2025-03-01 09:03:00 小刘\n\"小刘\" 拍了拍 \"阿May\"\n\n\
2025-03-01 09:04:00 阿May\n【红包】: 恭喜发财，大吉大利\n\n\
2025-03-01 09:05:00 老陈\n好的\n引用：阿May: 欢迎小刘\n\n\
2025-03-01 09:06:00\n你撤回了一条消息";

#[test]
fn memotrace_v2_txt_in_its_chat_folder() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "聊天记录/产品交流群(12345678901@chatroom)/产品交流群.txt", MEMO_V2_TXT);
    let r = parse_stable(&p, "memotrace-txt");
    // 7 blocks: 09:00 and 09:06 are time-only system blocks, 09:03 is a 拍一拍.
    assert_eq!(totals(&r), (1, 4, 3));
    let g = groups(&r)[0];
    assert_eq!(
        (g.platform_id.as_str(), g.name.as_str(), g.kind),
        ("12345678901@chatroom", "产品交流群", GroupKind::Group)
    );
    assert_eq!(kinds(&r, 0), vec![MessageKind::Text, MessageKind::Image, MessageKind::RedPacket, MessageKind::Text]);
    assert_eq!(messages(&r, 0)[3].text, "好的");
    assert_eq!(event_kinds(&r, 0), vec![EventKind::Join, EventKind::Pat, EventKind::Recall]);
    assert_reimport_adds_nothing(&r);
}

// 留痕 v2 `to_json` (zprolab/WeChatMsg@6535ed011c90f4ce5daea6986d420617b14a70f2:wxManager/model/message.py):
// `type` is str(4.x local_type) except 拍一拍 (int 10000); exporter/exporter_html.py writes it with
// `json.dump(html_json, indent=4)` to `<备注>.html.json` and html-escaped into the page.
const MEMO_V2_JSON: &str = r#"[
    {
        "type": "10000",
        "is_send": false,
        "timestamp": 1740790800,
        "server_id": "0",
        "display_name": "",
        "avatar_src": "",
        "xml_dict": {},
        "text": "\"阿May\"邀请\"小刘\"加入了群聊"
    },
    {
        "type": "1",
        "is_send": true,
        "timestamp": 1740790860,
        "server_id": "7001",
        "display_name": "阿May",
        "avatar_src": "https://wx.qlogo.cn/a.jpg",
        "xml_dict": {},
        "text": "欢迎 <小刘> & 'all'"
    },
    {
        "type": "3",
        "is_send": false,
        "timestamp": 1740790920,
        "server_id": "7002",
        "display_name": "小刘",
        "avatar_src": "",
        "xml_dict": {"msg": {"img": {"@md5": "abc"}}},
        "path": "./image/2025-03/20250301_090200_7002_0",
        "file_name": "20250301_090200_7002_0",
        "file_size": 0,
        "file_type": "",
        "thumb_path": "./image/2025-03/20250301_090200_7002_0_t"
    },
    {
        "type": "244813135921",
        "is_send": false,
        "timestamp": 1740790980,
        "server_id": "7003",
        "display_name": "小刘",
        "avatar_src": "",
        "xml_dict": {},
        "text": "谢谢",
        "quote_server_id": "7001",
        "quote_type": 1,
        "quote_text": "阿May: 欢迎"
    },
    {
        "type": 10000,
        "is_send": false,
        "timestamp": 1740791040,
        "server_id": "7004",
        "display_name": "小刘",
        "avatar_src": "",
        "xml_dict": {},
        "text": "\"小刘\" 拍了拍 \"阿May\""
    },
    {
        "type": "8594229559345",
        "is_send": false,
        "timestamp": 1740791100,
        "server_id": "7005",
        "display_name": "老陈",
        "avatar_src": "",
        "xml_dict": {},
        "text": "恭喜发财，大吉大利",
        "inner_type": 0
    },
    {
        "type": "25769803825",
        "is_send": false,
        "timestamp": 1740791160,
        "server_id": "7006",
        "display_name": "老陈",
        "avatar_src": "",
        "xml_dict": {},
        "path": "./file/2025-03/议程.pdf",
        "file_name": "议程.pdf",
        "file_size": 1024,
        "file_type": "pdf"
    }
]"#;

/// The v2 page: the template's head, the same array html-escaped (Python `html.escape`,
/// quote=True, URLs left alone), the template's end. The template's own variable name is
/// not in the sources read; the parser finds the array itself.
fn memo_v2_html() -> String {
    let escaped = MEMO_V2_JSON
        .replace("欢迎 <小刘> & 'all'", "欢迎 &lt;小刘&gt; &amp; &#x27;all&#x27;")
        .replace("\\\"阿May\\\"邀请\\\"小刘\\\"", "&quot;阿May&quot;邀请&quot;小刘&quot;")
        .replace("\\\"小刘\\\" 拍了拍 \\\"阿May\\\"", "&quot;小刘&quot; 拍了拍 &quot;阿May&quot;");
    format!(
        "<!DOCTYPE html>\n<html lang=\"zh-CN\">\n<head>\n<meta charset=\"UTF-8\">\n<title>产品交流群</title>\n</head>\n<body>\n<p id=\"title\">产品交流群</p>\n<script>\n    const wxid = \"12345678901@chatroom\";\n    const chatMessages = {escaped};\n    const AllIndex = [0, 1, 2, 3, 4, 5, 6];\n</script>\n</body>\n</html>\n"
    )
}

fn check_memo_v2_json(r: &[Record]) {
    // 7 elements: the two type-10000 ones (join, 拍一拍) are events.
    assert_eq!(totals(r), (1, 5, 2));
    let g = groups(r)[0];
    assert_eq!((g.platform_id.as_str(), g.kind), ("12345678901@chatroom", GroupKind::Group));
    use MessageKind::*;
    assert_eq!(kinds(r, 0), vec![Text, Image, Text, RedPacket, File]);
    let ms = messages(r, 0);
    assert_eq!(ms[0].text, "欢迎 <小刘> & 'all'");
    assert_eq!((ms[0].id.as_deref(), ms[0].sender.name.as_str()), (Some("7001"), "阿May"));
    assert_eq!(ms[0].time.to_rfc3339(), "2025-03-01T09:01:00+08:00");
    assert!(!ms[0].time.zone_inferred, "timestamp is epoch seconds");
    assert_eq!(ms[1].text, "[图片]");
    assert_eq!(ms[2].reply_to.as_deref(), Some("7001"));
    assert_eq!(ms[4].text, "议程.pdf");
    assert_eq!(event_kinds(r, 0), vec![EventKind::Join, EventKind::Pat]);
    assert!(!notes(r, 0).iter().any(|t| t.contains("UTC+08:00")), "epoch times need no zone note");
}

#[test]
fn memotrace_v2_html_and_its_json() {
    let dir = tempfile::tempdir().unwrap();
    let folder = "聊天记录/产品交流群(12345678901@chatroom)";
    let json = write(dir.path(), &format!("{folder}/产品交流群.html.json"), MEMO_V2_JSON);
    let html = write(dir.path(), &format!("{folder}/产品交流群.html"), &memo_v2_html());
    let r = parse_stable(&json, "memotrace-json");
    check_memo_v2_json(&r);
    assert_reimport_adds_nothing(&r);
    // Beside its `.html.json` the page is passed over: the same chat is read once.
    assert_ne!(sniffed(&html), Some("memotrace-html"));
    // Alone, the page is read, to the same records.
    let alone = write(dir.path(), "only-html/产品交流群(12345678901@chatroom)/产品交流群.html", &memo_v2_html());
    let from_html = parse_stable(&alone, "memotrace-html");
    check_memo_v2_json(&from_html);
    assert_eq!(from_html, r);
}

// 留痕 v1 HTML: LC044/WeChatMsg@05063c62a07c6f32a301d38886bccaa3df4f20e0:app/util/exporter/exporter_html.py
// writes one `{ type:…, text: '…',is_send:…,…}` literal per message (escape_js_and_html strings,
// most without a newline between) into the template's `const chatMessages = [` slot (the template
// builder quoted in the index: `label = 'const chatMessages = [\n/*注意看这是分割线*/\n];\n'`).
const MEMO_V1_HTML: &str = "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"UTF-8\">\n<title>读书会</title>\n</head>\n<body>\n<p id=\"title\">读书会</p>\n<script>\nconst chatMessages = [\n\
{ type:0, text: '\\\"小王\\\"邀请\\\"小李、小赵\\\"加入了群聊',is_send:0,avatar_path:'',timestamp:1704110400,is_chatroom:1,displayname:''},\
{ type:1, text: '大家好 &lt;新年&gt; it\\'s',is_send:1,avatar_path:'https://wx.qlogo.cn/a',timestamp:1704110460,is_chatroom:1,displayname:'小王'},\
{ type:3, text: './image/a.jpg',is_send:0,avatar_path:'',timestamp:1704110520,is_chatroom:1,displayname:'小李'},\
{ type:49, text: '同意',is_send:0,sub_type:57,refer_text: '小王：大家好',avatar_path:'',timestamp:1704110580,is_chatroom:1,displayname:'小赵'},\
{ type:49,sub_type:5, text:'',is_send:0,avatar_path:'',url:'https://example.com/list',timestamp:1704110640,is_chatroom:1,displayname:'小赵',title:'读书清单',description:'2024',thumbnail:'',app_logo:'',app_name:'公众号'},\n\
{ type:0, text: '\\\"小李\\\" 撤回了一条消息',is_send:0,avatar_path:'',timestamp:1704110700,is_chatroom:1,displayname:''},\n\
];\n    renderPage(1);\n</script>\n</body>\n</html>\n";

#[test]
fn memotrace_v1_html() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "data/聊天记录/读书会/读书会.html", MEMO_V1_HTML);
    let r = parse_stable(&p, "memotrace-html");
    // 6 literals: the two `type:0` ones are system messages.
    assert_eq!(totals(&r), (1, 4, 2));
    assert_eq!(groups(&r)[0].kind, GroupKind::Group, "is_chatroom:1");
    use MessageKind::*;
    assert_eq!(kinds(&r, 0), vec![Text, Image, Text, Link]);
    let ms = messages(&r, 0);
    assert_eq!(ms[0].text, "大家好 <新年> it's");
    assert_eq!(ms[0].time.unix_ms, 1_704_110_460_000);
    assert_eq!(ms[3].text, "读书清单");
    let ev = events(&r, 0);
    assert_eq!(event_kinds(&r, 0), vec![EventKind::Join, EventKind::Recall]);
    assert_eq!(ev[0].subjects.len(), 2);
    assert_eq!(ev[1].actor.as_ref().map(|p| p.name.as_str()), Some("小李"));
    assert_reimport_adds_nothing(&r);
}

// PyWxDump JSON: xaoyaoo/PyWxDump@36fcb2ac44fed45d20b0480987c142a150698264:pywxdump/db/export/exportJSON.py
// (`json.dump(data, indent=4)` to `{wxid}_{i}_{i+page}.json` + `users.json`), rows from
// @079414fa4fa96e8d6fb5a9e4e16be7118fa9d7b6:pywxdump/db/dbMSG.py `get_msg_detail`.
const PYWXDUMP_JSON: &str = r#"[
    {
        "id": 1,
        "MsgSvrID": "5001",
        "type_name": "系统通知",
        "is_sender": 0,
        "talker": "未知",
        "room_name": "12345678901@chatroom",
        "msg": "\"阿May\"邀请\"小刘\"加入了群聊",
        "src": "",
        "extra": {},
        "CreateTime": "2024-10-04 21:20:00"
    },
    {
        "id": 2,
        "MsgSvrID": "5002",
        "type_name": "文本",
        "is_sender": 0,
        "talker": "wxid_may",
        "room_name": "12345678901@chatroom",
        "msg": "欢迎",
        "src": "",
        "extra": {},
        "CreateTime": "2024-10-04 21:21:00"
    },
    {
        "id": 3,
        "MsgSvrID": "5003",
        "type_name": "图片",
        "is_sender": 0,
        "talker": "wxid_liu",
        "room_name": "12345678901@chatroom",
        "msg": "图片",
        "src": "FileStorage\\MsgAttach\\abc\\Image\\2024-10\\x.dat",
        "extra": {},
        "CreateTime": "2024-10-04 21:22:00"
    },
    {
        "id": 4,
        "MsgSvrID": "5004",
        "type_name": "引用回复",
        "is_sender": 1,
        "talker": "我",
        "room_name": "12345678901@chatroom",
        "msg": "谢谢\n\n[引用](2024-10-04 21:21:00)阿May:欢迎",
        "src": "",
        "extra": {},
        "CreateTime": "2024-10-04 21:23:00"
    },
    {
        "id": 5,
        "MsgSvrID": "5005",
        "type_name": "语音",
        "is_sender": 0,
        "talker": "wxid_liu",
        "room_name": "12345678901@chatroom",
        "msg": "语音时长：3.20秒",
        "src": "audio\\12345678901@chatroom\\2024-10-04_21-24-00_0_5005.wav",
        "extra": {},
        "CreateTime": "2024-10-04 21:24:00"
    },
    {
        "id": 6,
        "MsgSvrID": "5006",
        "type_name": "拍一拍",
        "is_sender": 0,
        "talker": "未知",
        "room_name": "12345678901@chatroom",
        "msg": "\"小刘\" 拍了拍 \"阿May\"",
        "src": "",
        "extra": {},
        "CreateTime": "2024-10-04 21:25:00"
    }
]"#;

const PYWXDUMP_USERS: &str = r#"{
    "wxid_may": {"wxid": "wxid_may", "nickname": "阿May", "remark": ""},
    "wxid_liu": {"wxid": "wxid_liu", "nickname": "小刘", "remark": "刘同学"}
}"#;

fn check_pywxdump(r: &[Record]) {
    // 6 rows: 系统通知 and 拍一拍 are events.
    assert_eq!(totals(r), (1, 4, 2));
    let g = groups(r)[0];
    assert_eq!((g.platform_id.as_str(), g.kind), ("12345678901@chatroom", GroupKind::Group));
    use MessageKind::*;
    assert_eq!(kinds(r, 0), vec![Text, Image, Text, Voice]);
    let ms = messages(r, 0);
    assert_eq!((ms[0].sender.platform_id.as_deref(), ms[0].sender.name.as_str()), (Some("wxid_may"), "阿May"));
    assert_eq!(ms[1].sender.name, "刘同学", "users.json: remark before nickname");
    assert_eq!(ms[0].time.to_rfc3339(), "2024-10-04T21:21:00+08:00");
    assert!(ms[0].time.zone_inferred);
    let ev = events(r, 0);
    assert_eq!(event_kinds(r, 0), vec![EventKind::Join, EventKind::Pat]);
    assert_eq!(ev[0].actor.as_ref().and_then(|p| p.platform_id.as_deref()), Some("wxid_may"));
}

#[test]
fn pywxdump_json_with_users() {
    let dir = tempfile::tempdir().unwrap();
    let folder = "export/12345678901@chatroom";
    let p = write(dir.path(), &format!("{folder}/12345678901@chatroom_0_7.json"), PYWXDUMP_JSON);
    write(dir.path(), &format!("{folder}/users.json"), PYWXDUMP_USERS);
    let r = parse_stable(&p, "pywxdump-json");
    check_pywxdump(&r);
    assert_reimport_adds_nothing(&r);
    // users.json is not a chat.
    assert!(!MINE.contains(&sniffed(&dir.path().join(folder).join("users.json")).unwrap_or("")));
}

// PyWxDump HTML export: @81832a2a9909578bed62ccaf565c13a797e1df31:pywxdump/db/export/exportHtml.py
// writes `data.js` with the same rows (`json.dumps(indent=None)`) and the user map.
#[test]
fn pywxdump_html_data_js() {
    let dir = tempfile::tempdir().unwrap();
    let msgs: serde_json::Value = serde_json::from_str(PYWXDUMP_JSON).unwrap();
    let users: serde_json::Value = serde_json::from_str(PYWXDUMP_USERS).unwrap();
    let js = format!(
        "localStorage.setItem('isUseLocalData', 't')  //  't' : 'f' \nconst local_msg_count = 6\nconst local_mywxid = '我' \nconst local_user_list = {users} \nconst local_msg_list = {msgs} \n"
    );
    let p = write(dir.path(), "export/12345678901@chatroom/data.js", &js);
    let r = parse_stable(&p, "pywxdump-json");
    check_pywxdump(&r);
}

// sjzar/chatlog export: sjzar/chatlog@ca579552f8abee45b5aff78f9eedb15e2ffa346a:internal/export/export.go
// (`MessageWithDesc`, `encoder.SetIndent("", "  ")`, every contact into one file) with the fields of
// @53f14eaa931757024e72f44aeb54dc4b722064e1:internal/model/message.go (system rows: sender 系统消息).
const CHATLOG_JSON: &str = r#"[
  {
    "seq": 1740790800000,
    "time": "2025-03-01T09:00:00+08:00",
    "talker": "12345678901@chatroom",
    "talkerName": "产品交流群",
    "isChatRoom": true,
    "sender": "系统消息",
    "senderName": "",
    "isSelf": false,
    "type": 10000,
    "subType": 0,
    "content": "\"阿May\"邀请\"小刘\"加入了群聊",
    "typeDesc": "系统消息"
  },
  {
    "seq": 1740790860000,
    "time": "2025-03-01T09:01:00+08:00",
    "talker": "12345678901@chatroom",
    "talkerName": "产品交流群",
    "isChatRoom": true,
    "sender": "wxid_may",
    "senderName": "阿May",
    "isSelf": false,
    "type": 1,
    "subType": 0,
    "content": "欢迎小刘",
    "typeDesc": "文本消息"
  },
  {
    "seq": 1740790920000,
    "time": "2025-03-01T09:02:00+08:00",
    "talker": "12345678901@chatroom",
    "talkerName": "产品交流群",
    "isChatRoom": true,
    "sender": "wxid_liu",
    "senderName": "小刘",
    "isSelf": false,
    "type": 3,
    "subType": 0,
    "content": "",
    "contents": {"md5": "0123456789abcdef0123456789abcdef"},
    "typeDesc": "图片消息"
  },
  {
    "seq": 1740790980000,
    "time": "2025-03-01T09:03:00+08:00",
    "talker": "12345678901@chatroom",
    "talkerName": "产品交流群",
    "isChatRoom": true,
    "sender": "wxid_me",
    "senderName": "我自己",
    "isSelf": true,
    "type": 49,
    "subType": 57,
    "content": "同意",
    "contents": {"refer": {"seq": 0, "time": "2025-03-01T09:01:00+08:00", "talker": "", "talkerName": "", "isChatRoom": false, "sender": "wxid_may", "senderName": "阿May", "isSelf": false, "type": 1, "subType": 0, "content": "欢迎小刘"}},
    "typeDesc": "引用消息"
  },
  {
    "seq": 1740791040000,
    "time": "2025-03-01T09:04:00+08:00",
    "talker": "12345678901@chatroom",
    "talkerName": "产品交流群",
    "isChatRoom": true,
    "sender": "wxid_liu",
    "senderName": "小刘",
    "isSelf": false,
    "type": 49,
    "subType": 62,
    "content": "\"小刘\" 拍了拍 \"阿May\"",
    "typeDesc": "拍一拍"
  },
  {
    "seq": 1740791100000,
    "time": "2025-03-01T09:05:00+08:00",
    "talker": "wxid_friend",
    "talkerName": "老朋友",
    "isChatRoom": false,
    "sender": "wxid_friend",
    "senderName": "老朋友",
    "isSelf": false,
    "type": 1,
    "subType": 0,
    "content": "在吗",
    "typeDesc": "文本消息"
  }
]
"#;

#[test]
fn chatlog_json_two_chats_in_one_file() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "chatlog_export.json", CHATLOG_JSON);
    let r = parse_stable(&p, "chatlog-json");
    // 6 elements: 5 in the room (系统消息 and the 49/62 拍一拍 are events), 1 in the direct chat.
    assert_eq!(totals(&r), (2, 4, 2));
    let g = groups(&r);
    assert_eq!(
        (g[0].platform_id.as_str(), g[0].name.as_str(), g[0].kind),
        ("12345678901@chatroom", "产品交流群", GroupKind::Group)
    );
    assert_eq!((g[1].platform_id.as_str(), g[1].kind), ("wxid_friend", GroupKind::Direct));
    assert_eq!(kinds(&r, 0), vec![MessageKind::Text, MessageKind::Image, MessageKind::Text]);
    assert_eq!(messages(&r, 1).len(), 1);
    let ms = messages(&r, 0);
    assert_eq!(ms[0].time.to_rfc3339(), "2025-03-01T09:01:00+08:00");
    assert!(!ms[0].time.zone_inferred, "chatlog writes the offset");
    assert_eq!(ms[1].text, "[图片]");
    assert_eq!(ms[0].id.as_deref(), Some("1740790860000"));
    assert_eq!(event_kinds(&r, 0), vec![EventKind::Join, EventKind::Pat]);
    assert_eq!(events(&r, 0)[0].actor.as_ref().and_then(|p| p.platform_id.as_deref()), Some("wxid_may"));
    assert_reimport_adds_nothing(&r);
}

// chatlog CSV, two writers: internal/export/export.go@ca579552 (`Time,Talker,TalkerName,Sender,SenderName,
// IsSelf,Type,TypeDesc,Content`, Go encoding/csv) and the HTTP API's `MessageID,Time,SenderName,Sender,
// TalkerName,Talker,Content` (route.go in the index, `m.CSV(host)`).
const CHATLOG_EXPORT_CSV: &str = "Time,Talker,TalkerName,Sender,SenderName,IsSelf,Type,TypeDesc,Content\n\
2025-03-01 09:00:00,12345678901@chatroom,产品交流群,系统消息,,false,10000,系统消息,\"\"\"阿May\"\"邀请\"\"小刘\"\"加入了群聊\"\n\
2025-03-01 09:01:00,12345678901@chatroom,产品交流群,wxid_may,阿May,false,1,文本消息,欢迎小刘\n\
2025-03-01 09:02:00,12345678901@chatroom,产品交流群,wxid_liu,小刘,false,3,图片消息,\n\
2025-03-01 09:03:00,12345678901@chatroom,产品交流群,wxid_liu,小刘,false,49,拍一拍,\"\"\"小刘\"\" 拍了拍 \"\"阿May\"\"\"\n\
2025-03-01 09:04:00,wxid_friend,老朋友,wxid_friend,老朋友,false,1,文本消息,\"在吗\n有空聊聊\"\n\
2025-03-01 09:05:00,wxid_friend,老朋友,wxid_me,我自己,true,1,文本消息,有\n";

#[test]
fn chatlog_csv_both_layouts() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "all.csv", CHATLOG_EXPORT_CSV);
    let r = parse_stable(&p, "wechat-csv");
    // 6 rows: room 09:00 (系统消息) and 09:03 (拍一拍) are events; 2 room messages, 2 direct.
    assert_eq!(totals(&r), (2, 4, 2));
    let g = groups(&r);
    assert_eq!((g[0].platform_id.as_str(), g[0].name.as_str()), ("12345678901@chatroom", "产品交流群"));
    assert_eq!((g[1].platform_id.as_str(), g[1].kind), ("wxid_friend", GroupKind::Direct));
    assert_eq!(kinds(&r, 0), vec![MessageKind::Text, MessageKind::Image]);
    assert_eq!(messages(&r, 1)[0].text, "在吗\n有空聊聊");
    assert_eq!(event_kinds(&r, 0), vec![EventKind::Join, EventKind::Pat]);
    assert!(messages(&r, 0)[0].time.zone_inferred);
    assert_reimport_adds_nothing(&r);

    let api = "MessageID,Time,SenderName,Sender,TalkerName,Talker,Content\n\
9001,2025-03-01 09:00:00,,系统消息,产品交流群,12345678901@chatroom,\"\"\"阿May\"\"邀请\"\"小刘\"\"加入了群聊\"\n\
9002,2025-03-01 09:01:00,阿May,wxid_may,产品交流群,12345678901@chatroom,欢迎小刘\n\
9003,2025-03-01 09:02:00,小刘,wxid_liu,产品交流群,12345678901@chatroom,![图片](http://127.0.0.1:5030/image/abc)\n";
    let p = write(dir.path(), "api.csv", api);
    let r = parse_stable(&p, "wechat-csv");
    // 3 rows: one 系统消息.
    assert_eq!(totals(&r), (1, 2, 1));
    assert_eq!(kinds(&r, 0), vec![MessageKind::Text, MessageKind::Image]);
    assert_eq!(messages(&r, 0)[0].id.as_deref(), Some("9002"));
}

// chatlog text: internal/model/message.go@53f14eaa `PlainText(showChatRoom, timeFormat, host)` with
// the chat shown (several talkers asked for) and the full date (a range over a year), one "\n" after each.
const CHATLOG_TEXT: &str = "系统消息 [产品交流群(12345678901@chatroom)] 2024-12-31 09:00:00\n\"阿May\"邀请\"小刘\"加入了群聊\n\n\
阿May(wxid_may) [产品交流群(12345678901@chatroom)] 2024-12-31 09:01:00\n欢迎小刘\n\n\
小刘(wxid_liu) [产品交流群(12345678901@chatroom)] 2025-01-02 09:02:00\n![图片](http://127.0.0.1:5030/image/abc)\n\n\
我自己(我) [产品交流群(12345678901@chatroom)] 2025-01-02 09:03:00\n> 阿May(wxid_may) 12-31 09:01:00\n> 欢迎小刘\n同意\n\n";

#[test]
fn chatlog_text() {
    let dir = tempfile::tempdir().unwrap();
    let p = write(dir.path(), "chatlog.txt", CHATLOG_TEXT);
    let r = parse_stable(&p, "chatlog-text");
    // 4 headers: one 系统消息.
    assert_eq!(totals(&r), (1, 3, 1));
    let g = groups(&r)[0];
    assert_eq!(
        (g.platform_id.as_str(), g.name.as_str(), g.kind),
        ("12345678901@chatroom", "产品交流群", GroupKind::Group)
    );
    assert_eq!(kinds(&r, 0), vec![MessageKind::Text, MessageKind::Image, MessageKind::Text]);
    let ms = messages(&r, 0);
    assert_eq!(ms[0].sender.platform_id.as_deref(), Some("wxid_may"));
    assert_eq!(ms[2].text, "> 阿May(wxid_may) 12-31 09:01:00\n> 欢迎小刘\n同意");
    assert_eq!(ms[2].sender.platform_id, None, "the exporting user is shown as 我, not a wxid");
    assert_eq!(event_kinds(&r, 0), vec![EventKind::Join]);
    assert_reimport_adds_nothing(&r);
}

/// Several chats in one folder (留痕 writes one folder per chat): each file is its own group.
#[test]
fn one_group_per_chat_in_an_export_folder() {
    let dir = tempfile::tempdir().unwrap();
    let a = write(dir.path(), "聊天记录/产品交流群(12345678901@chatroom)/产品交流群.txt", MEMO_V2_TXT);
    let b = write(dir.path(), "聊天记录/读书会(99999999999@chatroom)/读书会.txt", MEMO_V1_TXT);
    let c = write(
        dir.path(),
        "聊天记录/老朋友(wxid_friend)/老朋友.txt",
        "2025-03-01 09:00:00 老朋友\n在吗\n\n2025-03-01 09:01:00 我\n在",
    );
    let ids: Vec<(String, GroupKind)> = [a, b, c]
        .iter()
        .map(|p| {
            let r = parse_as(p, "memotrace-txt");
            let g = groups(&r)[0].clone();
            (g.platform_id, g.kind)
        })
        .collect();
    assert_eq!(
        ids,
        vec![
            ("12345678901@chatroom".into(), GroupKind::Group),
            ("99999999999@chatroom".into(), GroupKind::Group),
            ("wxid_friend".into(), GroupKind::Direct),
        ]
    );
}

fn forced(path: &Path, format: &str) -> shequn_ingest::ParseError {
    let f = by_name(format).unwrap();
    let mut out = Vec::new();
    f.parse(&Input::new(path), &ParseOptions::default(), &mut out).unwrap_err()
}

#[test]
fn almost_matching_files_name_file_line_expected_and_seen() {
    let dir = tempfile::tempdir().unwrap();
    // A TXT with a title line the exporter never writes.
    let p = write(dir.path(), "t.txt", &format!("微信聊天记录\n\n{MEMO_V2_TXT}"));
    let e = forced(&p, "memotrace-txt");
    assert_eq!(e.location.as_deref(), Some("line 1"));
    assert!(
        e.to_string().contains("t.txt")
            && e.message.contains("2023-05-01 12:00:00 名字")
            && e.message.contains("微信聊天记录"),
        "{e}"
    );

    // A chatlog element without its time: the second element, on line 16.
    let bad = CHATLOG_JSON.replacen("\"time\": \"2025-03-01T09:01:00+08:00\",", "\"time\": \"yesterday\",", 1);
    let p = write(dir.path(), "c.json", &bad);
    let e = forced(&p, "chatlog-json");
    assert_eq!(e.location.as_deref(), Some("line 16"));
    assert!(e.message.contains("RFC 3339 `time`") && e.message.contains("yesterday"), "{e}");

    // A PyWxDump row whose time is not a time.
    let bad = PYWXDUMP_JSON.replacen("\"CreateTime\": \"2024-10-04 21:22:00\"", "\"CreateTime\": \"昨天\"", 1);
    let p = write(dir.path(), "p.json", &bad);
    let e = forced(&p, "pywxdump-json");
    assert_eq!(e.location.as_deref(), Some("line 26"));
    assert!(e.message.contains("CreateTime") && e.message.contains("昨天"), "{e}");

    // A 留痕 v1 literal with a broken timestamp, on line 11 of the page.
    let bad = MEMO_V1_HTML.replacen("timestamp:1704110640", "timestamp:NaN", 1);
    let p = write(dir.path(), "h.html", &bad);
    let e = forced(&p, "memotrace-html");
    assert_eq!(e.location.as_deref(), Some("line 11"));
    assert!(e.message.contains("timestamp") && e.message.contains("NaN"), "{e}");

    // chatlog text whose times lost their date (a short range).
    let p = write(dir.path(), "short.txt", "阿May(wxid_may) 09:01:00\n欢迎\n");
    let e = forced(&p, "chatlog-text");
    assert_eq!(e.location.as_deref(), Some("line 1"));
    assert!(e.message.contains("09:01:00") && e.hint.is_some(), "{e}");
}

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

#[test]
fn each_fixture_is_claimed_by_its_own_format_and_nothing_else_by_these() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let own = [
        (write(d, "a/读书会.txt", MEMO_V1_TXT), "memotrace-txt"),
        (write(d, "b/产品交流群.txt", MEMO_V2_TXT), "memotrace-txt"),
        (write(d, "c/产品交流群.html.json", MEMO_V2_JSON), "memotrace-json"),
        (write(d, "d/产品交流群.html", &memo_v2_html()), "memotrace-html"),
        (write(d, "e/读书会.html", MEMO_V1_HTML), "memotrace-html"),
        (write(d, "f/x_0_7.json", PYWXDUMP_JSON), "pywxdump-json"),
        (write(d, "g/chatlog.json", CHATLOG_JSON), "chatlog-json"),
        (write(d, "h/chatlog.txt", CHATLOG_TEXT), "chatlog-text"),
        (write(d, "i/all.csv", CHATLOG_EXPORT_CSV), "wechat-csv"),
    ];
    for (p, want) in &own {
        assert_eq!(sniffed(p), Some(*want), "{}", p.display());
    }
    // The hand-made QQ/WeChat/WeCom fixtures in the repository stay with their formats.
    let mut others = Vec::new();
    files_under(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data"), &mut others);
    // And every real sample in the corpus: the cn-formats files and other platforms' exports.
    if let Some(corpus) = shequn_corpus::dir() {
        for sub in [
            "cn-formats",
            "chat-analytics-fixtures/tests/samples",
            "chatistics-fixtures",
            "export-fixtures",
            "irc-loggers",
        ] {
            files_under(&corpus.join(sub), &mut others);
        }
    } else {
        eprintln!("skipped the corpus part: the corpus is absent");
    }
    let mut checked = 0;
    for p in others {
        if p.extension().is_some_and(|e| e == "zip" || e == "gz") {
            continue;
        }
        if let Some(name) = sniffed(&p) {
            assert!(!MINE.contains(&name), "{} claimed by {name}", p.display());
        }
        checked += 1;
    }
    assert!(checked > 5, "{checked}");
}
