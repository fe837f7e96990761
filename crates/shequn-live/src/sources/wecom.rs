//! WeCom (企业微信) callbacks: customer-group changes (`change_external_chat`) and the
//! messages members send to a self-built application, pushed to `/wecom` encrypted with
//! WXBizMsgCrypt ([`crypto`]).
//!
//! ```toml
//! [wecom]
//! token_env = "SHEQUN_WECOM_TOKEN"
//! aes_key_env = "SHEQUN_WECOM_AES_KEY"   # EncodingAESKey, 43 chars
//! receive_id = "ww1436e0e65a779aee"      # corp id (or suite id)
//! ```
//!
//! Groups are keyed as the WeCom importer keys them (the customer group's `ChatId`, which
//! the archive export calls `roomid`; members by userid / external_userid), so an export
//! and the live stream of one group are one group. Times are China time (UTC+8).

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde::Deserialize;
use sha1::{Digest, Sha1};
use shequn_model::{
    EventKind, GroupInfo, GroupKind, Message, MessageKind, Person, Platform, Record, Stamp, SystemEvent,
};

use crate::source::{bad_request, unauthorized, Delivery, Source, SourceContext};

pub mod crypto;
pub mod xml;

use crypto::{CryptoError, WecomCrypt};

/// The `[wecom]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WecomConfig {
    /// The environment variable holding the callback Token.
    pub token_env: String,
    /// The environment variable holding the 43-character EncodingAESKey.
    pub aes_key_env: String,
    /// The corp id (or suite id) decrypted messages must end with.
    pub receive_id: String,
}

pub struct Wecom {
    crypt: WecomCrypt,
}

pub fn from_config(table: &toml::Value) -> anyhow::Result<Arc<dyn Source>> {
    let c: WecomConfig = crate::config::table("wecom", table)?;
    let token = crate::config::secret(&c.token_env, "[wecom] token_env")?;
    let key = crate::config::secret(&c.aes_key_env, "[wecom] aes_key_env")?;
    if c.receive_id.trim().is_empty() {
        anyhow::bail!("[wecom] receive_id is empty; set it to the corp id (or suite id) shown in the WeCom admin");
    }
    let crypt = WecomCrypt::new(&token, &key, c.receive_id.trim())
        .map_err(|e| anyhow::anyhow!("[wecom] {}: {e}", c.aes_key_env))?;
    Ok(Arc::new(Wecom::new(crypt)))
}

impl Wecom {
    pub fn new(crypt: WecomCrypt) -> Wecom {
        Wecom { crypt }
    }
}

/// WeCom states times as Unix seconds and shows them in China time.
const CHINA_OFFSET_S: i32 = 8 * 3600;

/// Unix seconds as a stamp in China time; None outside 2000..2100 (a missing or hostile value).
fn stamp(secs: &str) -> Option<Stamp> {
    let s: i64 = secs.trim().parse().ok()?;
    (946_684_800..4_102_444_800).contains(&s).then(|| Stamp {
        unix_ms: s * 1000,
        offset_s: CHINA_OFFSET_S,
        zone_inferred: false,
    })
}

/// A member as the importer writes one: the id is also the name (events carry no names);
/// `wb…` ids are robots.
fn person(id: &str) -> Person {
    Person { is_bot: id.starts_with("wb"), ..Person::with_id(id, id) }
}

fn note(group: u32, text: impl Into<String>) -> Record {
    Record::Note { group, text: text.into() }
}

const RENAME_NOTE: &str = "企业微信的改群名事件不带新群名，群名以导入的名单为准 / WeCom's rename event does not carry the new name; the name comes from an imported member list";

/// Turns one decrypted callback (the inner XML) into records. Malformed XML is an error;
/// anything well-formed but not understood becomes a note on its group (or nothing, when
/// no group is named), so WeCom is never refused for a new event type.
pub fn convert(inner: &str) -> Result<Delivery, String> {
    let f = xml::parse(inner)?;
    let mut d = Delivery::default();
    // Third-party (suite) callbacks name the event InfoType and the time TimeStamp.
    let event = f.get("Event").or(f.get("InfoType"));
    let msg_type = f.get("MsgType");
    if event == Some("change_external_chat") {
        customer_group(&f, &mut d);
    } else if let Some(agent) = f.get("AgentID").or(f.get("AgentId")) {
        app_message(&f, agent, msg_type.unwrap_or(""), event, &mut d);
    }
    Ok(d)
}

/// `change_external_chat`: create, update (members, owner, name, notice), dismiss.
fn customer_group(f: &xml::Fields, d: &mut Delivery) {
    let Some(chat) = f.get("ChatId") else { return };
    let g = d.group(GroupInfo {
        platform: Platform::Wecom,
        platform_id: chat.to_string(),
        name: String::new(),
        kind: GroupKind::Group,
        member_count: None,
    });
    let change = f.get("ChangeType").unwrap_or("");
    let detail = f.get("UpdateDetail").unwrap_or("");
    let Some(time) = f.get("CreateTime").or(f.get("TimeStamp")).and_then(stamp) else {
        d.records.push(note(g, format!("企业微信客户群事件没有有效时间，未记录 / a WeCom customer-group event ({change} {detail}) had no usable CreateTime and was not stored")));
        return;
    };
    let mut seen = std::collections::HashSet::new();
    let members: Vec<String> = f.list("MemChangeList").into_iter().filter(|m| seen.insert(m.clone())).collect();
    let count = f.get("MemChangeCnt").and_then(|c| c.parse::<u32>().ok()).unwrap_or(members.len() as u32);
    let n = count.max(members.len() as u32);
    let (kind, detail_out, text): (EventKind, Option<String>, String) = match (change, detail) {
        ("create", _) => (EventKind::Create, None, "客户群已创建 / the customer group was created".into()),
        ("dismiss", _) => {
            (EventKind::Other, Some("dismissed".into()), "客户群已解散 / the customer group was dismissed".into())
        }
        ("update", "add_member") => {
            let (how, zh) = match f.get("JoinScene") {
                // The event documents 0 and 3; its own sample sends 1, which the member list
                // (`groupchat/get`, read by the importer) defines, as it does 2.
                Some("0") => (Some("invited".to_string()), "由成员邀请入群"),
                Some("1") => (Some("direct_invite".to_string()), "由成员直接邀请入群"),
                Some("2") => (Some("invite_link".to_string()), "通过邀请链接入群"),
                Some("3") => (Some("qr_code".to_string()), "扫描群二维码入群"),
                Some(other) => (Some(format!("join_scene {other}")), "入群"),
                None => (None, "入群"),
            };
            (EventKind::Join, how, format!("{n} 人{zh} / {n} joined"))
        }
        ("update", "del_member") => match f.get("QuitScene") {
            Some("1") => (
                EventKind::Kick,
                Some("removed".into()),
                format!("{n} 人被群主或管理员移出 / {n} removed by the owner or an admin"),
            ),
            Some("0") => (EventKind::Leave, None, format!("{n} 人退群 / {n} left")),
            Some(other) => (EventKind::Leave, Some(format!("quit_scene {other}")), format!("{n} 人退群 / {n} left")),
            None => (EventKind::Leave, Some("quit_scene unknown".into()), format!("{n} 人退群 / {n} left")),
        },
        ("update", "change_name") => {
            d.records.push(note(g, RENAME_NOTE));
            (EventKind::Rename, None, "群名已修改 / the group was renamed".into())
        }
        ("update", "change_owner") => {
            (EventKind::Other, Some("change_owner".into()), "群主已变更 / the owner changed".into())
        }
        ("update", "change_notice") => (EventKind::Topic, None, "群公告已修改 / the group notice changed".into()),
        _ => {
            d.records.push(note(
                g,
                format!("未识别的企业微信客户群事件 / unrecognised WeCom customer-group change: {change} {detail}"),
            ));
            return;
        }
    };
    let mut e = SystemEvent::new(time, kind, text);
    let scene = [f.get("JoinScene").unwrap_or(""), f.get("QuitScene").unwrap_or("")];
    e.id = Some(event_id(chat, time, &[change, detail, scene[0], scene[1]], &members));
    e.detail = detail_out;
    if matches!(kind, EventKind::Join | EventKind::Leave | EventKind::Kick) {
        e.subjects = members.iter().map(|m| person(m)).collect();
    }
    d.records.push(Record::Event { group: g, event: e });
}

/// WeCom gives events no id; this one is the same for every retry of one callback and
/// differs between changes (time, change, and the members concerned).
fn event_id(chat: &str, time: Stamp, what: &[&str], members: &[String]) -> String {
    let mut h = Sha1::new();
    for m in what.iter().copied().chain(members.iter().map(String::as_str)) {
        h.update(m.as_bytes());
        h.update([0]);
    }
    let digest = crate::sources::webhook::hex(&h.finalize());
    format!("wecom:{chat}:{}:{}:{}", time.unix_ms / 1000, what[..2].join(":"), &digest[..16])
}

/// What members send to an application: one group per application (`app:<AgentID>`).
fn app_message(f: &xml::Fields, agent: &str, msg_type: &str, event: Option<&str>, d: &mut Delivery) {
    let g = d.group(GroupInfo {
        platform: Platform::Wecom,
        platform_id: format!("app:{agent}"),
        name: format!("WeCom app {agent}"),
        kind: GroupKind::Channel,
        member_count: None,
    });
    let t = |k: &str| f.get(k).unwrap_or("").to_string();
    let (kind, text) = match msg_type {
        "text" => (MessageKind::Text, t("Content")),
        "image" => (MessageKind::Image, "[图片]".to_string()),
        "voice" => (MessageKind::Voice, "[语音]".to_string()),
        "video" => (MessageKind::Video, "[视频]".to_string()),
        "location" => {
            let label = t("Label");
            let text =
                if label.is_empty() { format!("[位置] {},{}", t("Location_X"), t("Location_Y")) } else { label };
            (MessageKind::Location, text)
        }
        "link" => (MessageKind::Link, format!("{} {}", t("Title"), t("Url")).trim().to_string()),
        _ => {
            let what = match event {
                Some(e) => format!("event {e}"),
                None => format!("MsgType {msg_type}"),
            };
            d.records.push(note(
                g,
                format!(
                    "未转换的企业微信应用回调 / WeCom application callbacks of this type are not converted: {what}"
                ),
            ));
            return;
        }
    };
    let (Some(from), Some(time)) = (f.get("FromUserName"), f.get("CreateTime").and_then(stamp)) else {
        d.records.push(note(g, "企业微信应用消息缺少发送者或时间，未记录 / a WeCom application message without FromUserName or a usable CreateTime was not stored"));
        return;
    };
    d.records.push(Record::Message {
        group: g,
        message: Message {
            id: f.get("MsgId").map(str::to_string),
            time,
            sender: person(from),
            text,
            kind,
            ..Message::default()
        },
    });
}

/// The query every callback carries; the error (a 400's text) names what is missing.
fn params(q: &Result<Query<HashMap<String, String>>, QueryRejection>, names: &[&str]) -> Result<Vec<String>, String> {
    let q = match q {
        Ok(Query(q)) => q,
        Err(e) => return Err(format!("bad query string: {e}")),
    };
    let missing: Vec<&str> = names.iter().copied().filter(|n| !matches!(q.get(*n), Some(v) if !v.is_empty())).collect();
    if !missing.is_empty() {
        return Err(format!("missing query parameters: {}", missing.join(", ")));
    }
    // A `+` sent unescaped arrives as a space; base64 and signatures never hold spaces.
    Ok(names.iter().map(|n| q[*n].replace(' ', "+")).collect())
}

fn crypto_failure(e: &CryptoError) -> Response {
    if e.is_origin_failure() {
        unauthorized(&e.to_string())
    } else {
        bad_request(e.to_string())
    }
}

fn plain(body: impl Into<axum::body::Body>) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], body.into()).into_response()
}

/// The URL check WeCom makes when the callback is configured: answer the decrypted echostr.
async fn verify_url(
    State((me, _ctx)): State<(Arc<Wecom>, SourceContext)>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
) -> Response {
    let p = match params(&q, &["msg_signature", "timestamp", "nonce", "echostr"]) {
        Ok(p) => p,
        Err(e) => return bad_request(e),
    };
    match me.crypt.verify_and_decrypt(&p[0], &p[1], &p[2], &p[3]) {
        Ok(msg) => plain(msg),
        Err(e) => crypto_failure(&e),
    }
}

async fn receive(
    State((me, ctx)): State<(Arc<Wecom>, SourceContext)>,
    q: Result<Query<HashMap<String, String>>, QueryRejection>,
    body: Bytes,
) -> Response {
    let p = match params(&q, &["msg_signature", "timestamp", "nonce"]) {
        Ok(p) => p,
        Err(e) => return bad_request(e),
    };
    let Ok(body) = std::str::from_utf8(&body) else { return bad_request("the body is not UTF-8 XML") };
    let envelope = match xml::parse(body) {
        Ok(f) => f,
        Err(e) => return bad_request(e),
    };
    let Some(encrypt) = envelope.get("Encrypt") else { return bad_request("the XML has no <Encrypt> element") };
    let inner = match me.crypt.verify_and_decrypt(&p[0], &p[1], &p[2], encrypt) {
        Ok(m) => m,
        Err(e) => return crypto_failure(&e),
    };
    let Ok(inner) = String::from_utf8(inner) else { return bad_request("the decrypted message is not UTF-8") };
    let delivery = match convert(&inner) {
        Ok(d) => d,
        Err(e) => return bad_request(format!("decrypted message: {e}")),
    };
    ctx.store_and_answer("wecom", delivery, plain("success")).await
}

impl Source for Wecom {
    fn name(&self) -> &'static str {
        "wecom"
    }

    fn routes(self: Arc<Self>, ctx: SourceContext) -> Router {
        Router::new().route("/wecom", get(verify_url).post(receive)).with_state((self, ctx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(d: &Delivery) -> Vec<&SystemEvent> {
        d.records.iter().filter_map(|r| if let Record::Event { event, .. } = r { Some(event) } else { None }).collect()
    }

    fn notes(d: &Delivery) -> Vec<&str> {
        d.records
            .iter()
            .filter_map(|r| if let Record::Note { text, .. } = r { Some(text.as_str()) } else { None })
            .collect()
    }

    fn chat(change: &str, detail: &str, extra: &str) -> String {
        format!(
            "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName>\
             <CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType>\
             <Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA]]></ChatId>\
             <ChangeType><![CDATA[{change}]]></ChangeType><UpdateDetail><![CDATA[{detail}]]></UpdateDetail>{extra}</xml>"
        )
    }

    #[test]
    fn join_by_qr_code_names_members_in_china_time() {
        let d = convert(&chat(
            "update",
            "add_member",
            "<JoinScene>3</JoinScene><MemChangeCnt>2</MemChangeCnt><MemChangeList><Item>wmA</Item><Item>zhangsan</Item></MemChangeList>",
        ))
        .unwrap();
        let Record::Group(g) = &d.records[0] else { panic!("{:?}", d.records) };
        assert_eq!(
            (g.platform, g.platform_id.as_str(), g.name.as_str()),
            (Platform::Wecom, "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA", "")
        );
        let e = events(&d);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].kind, EventKind::Join);
        assert_eq!(e[0].detail.as_deref(), Some("qr_code"));
        let ids: Vec<_> = e[0].subjects.iter().map(|p| p.platform_id.clone().unwrap()).collect();
        assert_eq!(ids, vec!["wmA", "zhangsan"]);
        assert_eq!(e[0].time.to_rfc3339(), "2014-06-24T19:48:33+08:00");
        assert!(!e[0].time.zone_inferred);
    }

    #[test]
    fn quit_scene_tells_leave_from_kick() {
        let leave = convert(&chat(
            "update",
            "del_member",
            "<QuitScene>0</QuitScene><MemChangeList><Item>wmA</Item></MemChangeList>",
        ))
        .unwrap();
        let kick = convert(&chat(
            "update",
            "del_member",
            "<QuitScene>1</QuitScene><MemChangeList><Item>wmA</Item></MemChangeList>",
        ))
        .unwrap();
        assert_eq!(events(&leave)[0].kind, EventKind::Leave);
        assert_eq!(events(&kick)[0].kind, EventKind::Kick);
        assert_ne!(events(&leave)[0].id, events(&kick)[0].id);
    }

    #[test]
    fn the_other_changes() {
        let kinds: Vec<(EventKind, Option<String>)> = [
            ("create", ""),
            ("dismiss", ""),
            ("update", "change_owner"),
            ("update", "change_notice"),
            ("update", "change_name"),
        ]
        .iter()
        .map(|(c, u)| {
            let d = convert(&chat(c, u, "")).unwrap();
            let e = events(&d)[0];
            (e.kind, e.detail.clone())
        })
        .collect();
        assert_eq!(
            kinds,
            vec![
                (EventKind::Create, None),
                (EventKind::Other, Some("dismissed".into())),
                (EventKind::Other, Some("change_owner".into())),
                (EventKind::Topic, None),
                (EventKind::Rename, None),
            ]
        );
        assert_eq!(notes(&convert(&chat("update", "change_name", "")).unwrap()), vec![RENAME_NOTE]);
    }

    #[test]
    fn the_unknown_becomes_a_note_not_an_error() {
        let d = convert(&chat("update", "change_colour", "")).unwrap();
        assert!(events(&d).is_empty());
        assert!(notes(&d)[0].contains("change_colour"));
        // No ChatId: no group to put anything on.
        let d = convert("<xml><Event>change_external_chat</Event><ChangeType>create</ChangeType></xml>").unwrap();
        assert!(d.is_empty());
        // An application event.
        let d = convert("<xml><MsgType>event</MsgType><Event>enter_agent</Event><AgentID>1</AgentID></xml>").unwrap();
        assert!(notes(&d)[0].contains("enter_agent"));
        // A message with a year-9999 timestamp.
        let d = convert("<xml><MsgType>text</MsgType><FromUserName>a</FromUserName><CreateTime>253402300800</CreateTime><AgentID>1</AgentID></xml>").unwrap();
        assert_eq!(notes(&d).len(), 1);
        assert!(convert("<xml><A></xml>").is_err());
    }

    #[test]
    fn comma_separated_member_lists_are_read() {
        // As WxJava's own test writes the list.
        let d = convert(&chat(
            "update",
            "add_member",
            "<JoinScene>1</JoinScene><MemChangeCnt>2</MemChangeCnt><MemChangeList><![CDATA[wmEJiCwAAA9KG2qlSq6rKwASSgAAAA,wmEJiCwAAA9KG2qlSq6rKwBBBBBBB]]></MemChangeList>",
        ))
        .unwrap();
        let e = events(&d)[0];
        assert_eq!(e.subjects.len(), 2);
        assert_eq!(e.detail.as_deref(), Some("direct_invite"));
    }
}
