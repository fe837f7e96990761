//! QQ through OneBot 11 (NapCat, LLOneBot, Lagrange.OneBot): group messages and the group
//! notices a diagnosis needs (joins, leaves, kicks, recalls, pokes).
//!
//! Two ways in, both configured in the implementation, not here:
//! - HTTP POST to `POST /onebot`. With `secret_env`, every request must carry
//!   `X-Signature: sha1=<hex HMAC-SHA1(secret, raw body)>`. Without it nothing is checked, so
//!   anyone who can reach the port can write to the archive: only sensible on loopback.
//!   Answered 204 once the write is durable (OneBot waits for the answer).
//! - Reverse WebSocket to `GET /onebot/ws` (`X-Client-Role: Event` or `Universal`). With
//!   `access_token_env`, the connection must carry `Authorization: Bearer <token>` (or
//!   `?access_token=`), checked before the upgrade.
//!
//! Ids match the QQ importers: the group number is the group's platform id and the QQ number
//! the member's, so an export and the live stream of one group are one group with one set of
//! members. Times are exact Unix seconds shown on China time (UTC+8), as QQ shows them.
//! Private chats with the bot are not kept: they are not the community, and each would
//! become a "group" of its own.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::{Map, Value};
use sha1::Sha1;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, MemberRole, Mention, Message, MessageKind, Person, Platform, Record, Stamp,
    SystemEvent,
};

use crate::source::{bad_request, same_secret, unauthorized, Delivery, Source, SourceContext};
use crate::sources::webhook::hex;

/// The `[onebot]` table. Both keys are optional (see the module docs for what that means).
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct OneBotConfig {
    /// The environment variable holding the HTTP POST signing secret (`secret` in OneBot).
    pub secret_env: Option<String>,
    /// The environment variable holding the reverse WebSocket access token.
    pub access_token_env: Option<String>,
}

pub struct OneBot {
    secret: Option<Vec<u8>>,
    token: Option<String>,
}

pub fn from_config(table: &toml::Value) -> anyhow::Result<Arc<dyn Source>> {
    let c: OneBotConfig = crate::config::table("onebot", table)?;
    let secret = c.secret_env.as_deref().map(|v| crate::config::secret(v, "[onebot] secret_env")).transpose()?;
    let token =
        c.access_token_env.as_deref().map(|v| crate::config::secret(v, "[onebot] access_token_env")).transpose()?;
    Ok(Arc::new(OneBot::new(secret.map(String::into_bytes), token)))
}

impl OneBot {
    /// `secret` signs HTTP POST bodies, `token` guards the reverse WebSocket; None: unchecked.
    pub fn new(secret: Option<Vec<u8>>, token: Option<String>) -> OneBot {
        OneBot { secret, token }
    }

    /// Checks `X-Signature` against the raw body when a secret is configured.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), &'static str> {
        let Some(secret) = &self.secret else { return Ok(()) };
        let sig = headers
            .get("x-signature")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("sha1="))
            .ok_or("missing X-Signature: sha1=<hex>")?;
        if same_secret(sign(secret, body).as_bytes(), sig.to_ascii_lowercase().as_bytes()) {
            Ok(())
        } else {
            Err("X-Signature does not match the body")
        }
    }

    /// Checks the reverse WebSocket's access token (header first, then the query).
    pub fn check_token(&self, headers: &HeaderMap, uri: &Uri) -> Result<(), &'static str> {
        let Some(token) = &self.token else { return Ok(()) };
        let given = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer ").or_else(|| v.strip_prefix("Token ")))
            .map(|t| t.trim().to_string())
            .or_else(|| query_param(uri.query().unwrap_or(""), "access_token"))
            .ok_or("missing access token (Authorization: Bearer <token>)")?;
        if same_secret(token.as_bytes(), given.as_bytes()) {
            Ok(())
        } else {
            Err("the access token does not match")
        }
    }
}

/// `hex(HMAC-SHA1(secret, body))`: what OneBot puts after `sha1=`.
pub fn sign(secret: &[u8], body: &[u8]) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(body);
    hex(&mac.finalize().into_bytes())
}

/// One query parameter, percent-decoded.
fn query_param(query: &str, key: &str) -> Option<String> {
    let raw = query.split('&').find_map(|kv| kv.strip_prefix(key)?.strip_prefix('='))?;
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                match u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16) {
                    Ok(b) => {
                        out.push(b);
                        i += 3;
                        continue;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            b'+' => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// True for a frame that answers an API call (`{status, retcode, data, echo}`), not an event.
pub fn is_api_response(v: &Value) -> bool {
    v.get("post_type").is_none() && (v.get("retcode").is_some() || v.get("echo").is_some())
}

/// A string or number field as text (implementations differ: NapCat numbers, some strings).
fn id_of(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// The event's `time` (Unix seconds) on China time; the instant is exact, so the zone is not
/// marked as assumed.
fn stamp(v: &Value) -> Result<Stamp, String> {
    let t = match v.get("time") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) => s.parse().ok(),
        _ => None,
    }
    .ok_or("missing or non-numeric \"time\"")?;
    // Some forks send milliseconds; no second count reaches 10^11 before the year 5000.
    let unix_ms = if t > 100_000_000_000 { t } else { t * 1000 };
    Ok(Stamp { unix_ms, offset_s: 8 * 3600, zone_inferred: false })
}

/// The event's group, as the QQ importers key it. OneBot events rarely carry the group's
/// name; an empty name keeps the one the archive has.
fn group_of(v: &Value, group_id: &str) -> GroupInfo {
    GroupInfo {
        platform: Platform::Qq,
        platform_id: group_id.to_string(),
        name: str_of(v, "group_name").unwrap_or("").to_string(),
        kind: GroupKind::Group,
        member_count: None,
    }
}

/// A member named only by QQ number; the archive keeps the name it already knows.
fn qq(id: String) -> Person {
    Person::with_id(id, "")
}

/// Turns one OneBot event into records. Meta events, private chats and events outside a
/// group give an empty delivery; events this module does not map give a note on their group.
/// Errors name the field that was missing or malformed.
pub fn convert(v: &Value) -> Result<Delivery, String> {
    if !v.is_object() {
        return Err("the event is not a JSON object".into());
    }
    let post_type = str_of(v, "post_type").ok_or("missing \"post_type\"")?;
    match post_type {
        "meta_event" => Ok(Delivery::default()),
        // `message_sent`: the logged-in account's own messages (NapCat reports them when asked).
        "message" | "message_sent" => message(v),
        "notice" => notice(v),
        other => Ok(note(v, &format!("OneBot {other} events"))),
    }
}

/// A note on the event's group that a kind of event arrives but is not kept; nothing if the
/// event names no group. The text names the kind only, so repeats add nothing.
fn note(v: &Value, what: &str) -> Delivery {
    let mut d = Delivery::default();
    if let Some(gid) = id_of(v, "group_id") {
        let group = d.group(group_of(v, &gid));
        d.records.push(Record::Note { group, text: format!("{what} arrive but shequn live does not keep them") });
    }
    d
}

fn message(v: &Value) -> Result<Delivery, String> {
    let message_type = str_of(v, "message_type").ok_or("message event without \"message_type\"")?;
    match message_type {
        "group" => {}
        "private" => return Ok(Delivery::default()),
        other => return Ok(note(v, &format!("OneBot {other} messages"))),
    }
    let gid = id_of(v, "group_id").ok_or("group message without \"group_id\"")?;
    let time = stamp(v)?;
    let mut d = Delivery::default();
    let group = d.group(group_of(v, &gid));
    let segments = segments(v)?;
    let r = render(&segments);
    if str_of(v, "sub_type") == Some("notice") {
        // A system tip shown as a message ("管理员已禁止群内匿名聊天").
        let mut e = SystemEvent::new(time, EventKind::Other, r.text);
        e.id = id_of(v, "message_id");
        d.records.push(Record::Event { group, event: e });
        return Ok(d);
    }
    let id = id_of(v, "message_id").ok_or("group message without \"message_id\"")?;
    let message = Message {
        id: Some(id),
        time,
        sender: sender(v)?,
        text: r.text,
        kind: r.kind,
        reply_to: r.reply_to,
        mentions: r.mentions,
        forwarded: r.forwarded,
        ..Message::default()
    };
    d.records.push(Record::Message { group, message });
    Ok(d)
}

/// The sender as the group shows them: the group card, else the nickname.
fn sender(v: &Value) -> Result<Person, String> {
    let s = v.get("sender").cloned().unwrap_or(Value::Null);
    if str_of(v, "sub_type") == Some("anonymous") {
        // Anonymous posts share one QQ number; the anonymous name is all that tells them apart.
        let name = v.get("anonymous").and_then(|a| str_of(a, "name")).unwrap_or("匿名");
        return Ok(Person::named(name));
    }
    let id = id_of(v, "user_id").or_else(|| id_of(&s, "user_id")).ok_or("message without \"user_id\"")?;
    let nonempty = |k: &str| str_of(&s, k).map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
    Ok(Person {
        platform_id: Some(id),
        name: nonempty("card").or_else(|| nonempty("nickname")).unwrap_or_default(),
        is_bot: false,
        role: str_of(&s, "role").and_then(MemberRole::parse),
        title: nonempty("title"),
    })
}

/// One message segment: its type and data (values as the implementation sent them).
#[derive(Debug, Clone, PartialEq)]
pub struct Segment {
    pub kind: String,
    pub data: Map<String, Value>,
}

/// The message as segments: the array form, or the string (CQ code) form.
fn segments(v: &Value) -> Result<Vec<Segment>, String> {
    match v.get("message").or_else(|| v.get("raw_message")) {
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let kind = str_of(s, "type").ok_or(format!("\"message\"[{i}] has no \"type\""))?;
                let data = s.get("data").and_then(Value::as_object).cloned().unwrap_or_default();
                Ok(Segment { kind: kind.to_string(), data })
            })
            .collect(),
        Some(Value::String(s)) => Ok(parse_cq(s)),
        Some(_) => Err("\"message\" is neither a segment array nor a string".into()),
        None => Err("message event without \"message\"".into()),
    }
}

/// The string form: `text[CQ:type,key=value,...]text`, with `&#91;` `&#93;` `&#44;` `&amp;`
/// escapes. Enough to read what implementations send, not to validate it.
pub fn parse_cq(s: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = s;
    let text = |t: &str, out: &mut Vec<Segment>| {
        if !t.is_empty() {
            let mut data = Map::new();
            data.insert("text".into(), Value::String(unescape(t)));
            out.push(Segment { kind: "text".into(), data });
        }
    };
    while let Some(start) = rest.find("[CQ:") {
        let Some(len) = rest[start..].find(']') else { break };
        text(&rest[..start], &mut out);
        let inner = &rest[start + 4..start + len];
        let mut parts = inner.split(',');
        let kind = parts.next().unwrap_or("").to_string();
        let mut data = Map::new();
        for p in parts {
            if let Some((k, v)) = p.split_once('=') {
                data.insert(k.to_string(), Value::String(unescape(v)));
            }
        }
        out.push(Segment { kind, data });
        rest = &rest[start + len + 1..];
    }
    text(rest, &mut out);
    out
}

fn unescape(s: &str) -> String {
    s.replace("&#91;", "[").replace("&#93;", "]").replace("&#44;", ",").replace("&amp;", "&")
}

/// What a message's segments say, as shequn keeps it.
#[derive(Debug, Default)]
struct Rendered {
    text: String,
    mentions: Vec<Mention>,
    reply_to: Option<String>,
    kind: MessageKind,
    forwarded: bool,
}

fn render(segments: &[Segment]) -> Rendered {
    let mut r = Rendered::default();
    // Whether anything but media was written (text, an @): then it is a text message.
    let mut wrote = false;
    let mut media: Vec<MessageKind> = Vec::new();
    for s in segments {
        let d = Value::Object(s.data.clone());
        let get = |k: &str| id_of(&d, k);
        let (shown, kind): (String, Option<MessageKind>) = match s.kind.as_str() {
            "text" => {
                let t = str_of(&d, "text").unwrap_or("").to_string();
                wrote |= !t.trim().is_empty();
                (t, None)
            }
            "at" => {
                wrote = true;
                let target = get("qq").unwrap_or_default();
                if target == "all" {
                    push_unique(&mut r.mentions, Mention::Everyone);
                    ("@全体成员".into(), None)
                } else {
                    let name = get("name").map(|n| n.trim_start_matches('@').to_string()).unwrap_or_default();
                    let shown = format!("@{}", if name.is_empty() { &target } else { &name });
                    push_unique(&mut r.mentions, Mention::Member(Person::with_id(target, name)));
                    (shown, None)
                }
            }
            "reply" => {
                if r.reply_to.is_none() {
                    r.reply_to = get("id");
                }
                (String::new(), None)
            }
            "face" => ("[表情]".into(), Some(MessageKind::Sticker)),
            "mface" | "marketface" => (summary(&d, "[表情]"), Some(MessageKind::Sticker)),
            // NapCat marks stickers sent as images with sub_type 1 ("[动画表情]").
            "image" if get("sub_type").as_deref() == Some("1") => {
                (summary(&d, "[动画表情]"), Some(MessageKind::Sticker))
            }
            "image" => (summary(&d, "[图片]"), Some(MessageKind::Image)),
            "record" => ("[语音]".into(), Some(MessageKind::Voice)),
            "video" => ("[视频]".into(), Some(MessageKind::Video)),
            "file" => {
                let name = get("name").or_else(|| get("file")).unwrap_or_default();
                (format!("[文件]{name}"), Some(MessageKind::File))
            }
            "json" | "xml" | "share" | "ark" | "music" => {
                let prompt = str_of(&d, "data")
                    .and_then(|j| serde_json::from_str::<Value>(j).ok())
                    .and_then(|j| str_of(&j, "prompt").map(str::to_string))
                    .or_else(|| get("title"));
                (prompt.unwrap_or_else(|| "[链接]".into()), Some(MessageKind::Link))
            }
            "location" => ("[位置]".into(), Some(MessageKind::Location)),
            "forward" | "node" => {
                r.forwarded = true;
                ("[合并转发]".into(), Some(MessageKind::Other))
            }
            "poke" | "shake" => ("[戳一戳]".into(), Some(MessageKind::Other)),
            "dice" => ("[骰子]".into(), Some(MessageKind::Other)),
            "rps" => ("[猜拳]".into(), Some(MessageKind::Other)),
            other => (format!("[{other}]"), Some(MessageKind::Other)),
        };
        r.text.push_str(&shown);
        media.extend(kind);
    }
    r.kind = match media.first() {
        None => MessageKind::Text,
        Some(_) if wrote => MessageKind::Text,
        Some(_) if media.iter().all(|k| *k == MessageKind::Sticker) => MessageKind::Sticker,
        Some(_) => media.iter().copied().find(|k| *k != MessageKind::Sticker).unwrap_or(MessageKind::Other),
    };
    r
}

fn summary(d: &Value, default: &str) -> String {
    str_of(d, "summary").filter(|s| !s.is_empty()).unwrap_or(default).to_string()
}

fn push_unique(list: &mut Vec<Mention>, m: Mention) {
    if !list.contains(&m) {
        list.push(m);
    }
}

fn notice(v: &Value) -> Result<Delivery, String> {
    let notice_type = str_of(v, "notice_type").ok_or("notice without \"notice_type\"")?;
    let sub_type = str_of(v, "sub_type").unwrap_or("");
    // Friend notices and anything else outside a group: nothing to keep.
    let Some(gid) = id_of(v, "group_id") else { return Ok(Delivery::default()) };
    let need = |key: &str| id_of(v, key).ok_or(format!("{notice_type} notice without \"{key}\""));
    let kind = match (notice_type, sub_type) {
        ("group_increase", _) => EventKind::Join,
        ("group_decrease", "kick" | "kick_me") => EventKind::Kick,
        ("group_decrease", _) => EventKind::Leave,
        ("group_recall", _) => EventKind::Recall,
        ("notify", "poke") => EventKind::Pat,
        _ => {
            let what = if sub_type.is_empty() {
                format!("OneBot notices \"{notice_type}\"")
            } else {
                format!("OneBot notices \"{notice_type}\" ({sub_type})")
            };
            return Ok(note(v, &what));
        }
    };
    let time = stamp(v)?;
    let text = if sub_type.is_empty() { notice_type.to_string() } else { format!("{notice_type}/{sub_type}") };
    let mut e = SystemEvent::new(time, kind, text);
    let user = need("user_id")?;
    // Operator 0 or the user themself: nobody else acted.
    let operator = id_of(v, "operator_id").filter(|o| o != "0" && *o != user);
    match kind {
        EventKind::Join => {
            e.subjects = vec![qq(user)];
            e.actor = operator.map(qq);
            e.detail = (!sub_type.is_empty()).then(|| sub_type.to_string());
        }
        EventKind::Leave | EventKind::Kick => {
            e.subjects = vec![qq(user)];
            e.actor = operator.map(qq);
        }
        EventKind::Recall => {
            let target = need("message_id")?;
            // As the QCE importer keys recalls, so a recall is stored once.
            e.id = Some(format!("recall:{target}"));
            e.target = Some(target);
            match operator {
                // An admin withdrew someone else's message.
                Some(op) => {
                    e.actor = Some(qq(op));
                    e.subjects = vec![qq(user)];
                }
                None => e.actor = Some(qq(user)),
            }
        }
        EventKind::Pat => {
            e.actor = Some(qq(user));
            e.subjects = id_of(v, "target_id").map(qq).into_iter().collect();
        }
        _ => {}
    }
    let mut d = Delivery::default();
    let group = d.group(group_of(v, &gid));
    d.records.push(Record::Event { group, event: e });
    Ok(d)
}

async fn receive(State((me, ctx)): State<(Arc<OneBot>, SourceContext)>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(why) = me.verify(&headers, &body) {
        return unauthorized(why);
    }
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad_request(format!("the body is not JSON: {e}")),
    };
    let delivery = match convert(&v) {
        Ok(d) => d,
        Err(e) => return bad_request(e),
    };
    ctx.store_and_answer("onebot", delivery, StatusCode::NO_CONTENT.into_response()).await
}

async fn connect(
    State((me, ctx)): State<(Arc<OneBot>, SourceContext)>,
    headers: HeaderMap,
    uri: Uri,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    if let Err(why) = me.check_token(&headers, &uri) {
        return unauthorized(why);
    }
    if headers.get("x-client-role").and_then(|v| v.to_str().ok()).is_some_and(|r| r.eq_ignore_ascii_case("api")) {
        return bad_request("this endpoint takes events: connect with X-Client-Role: Event or Universal");
    }
    match upgrade {
        Ok(u) => u.max_message_size(ctx.limits.body_bytes).on_upgrade(move |socket| events(socket, ctx)),
        Err(rejection) => rejection.into_response(),
    }
}

/// Reads events off one reverse WebSocket, storing each before reading the next.
///
/// OneBot 11 has no acknowledgement or resend on WebSockets: what it sent is gone from its
/// side. When a store fails the socket is closed (1011), so the implementation reconnects
/// (every 3 s by default) and nothing more is read while the archive cannot take it; the event
/// whose store failed, and any the implementation sends while disconnected, are lost.
/// Frames that are not events (API answers, malformed JSON) are skipped.
async fn events(mut socket: WebSocket, ctx: SourceContext) {
    let mut stop = ctx.shutdown.clone();
    let stopping = async move {
        loop {
            if *stop.borrow_and_update() {
                return;
            }
            if stop.changed().await.is_err() {
                // The service handle is gone without a stop: keep reading.
                std::future::pending::<()>().await;
            }
        }
    };
    tokio::pin!(stopping);
    loop {
        let frame = tokio::select! {
            f = socket.recv() => f,
            _ = &mut stopping => {
                let _ = socket.send(WsMessage::Close(None)).await;
                return;
            }
        };
        let text = match frame {
            None | Some(Err(_)) | Some(Ok(WsMessage::Close(_))) => return,
            Some(Ok(WsMessage::Text(t))) => t.to_string(),
            Some(Ok(WsMessage::Binary(b))) => match String::from_utf8(b.to_vec()) {
                Ok(t) => t,
                Err(_) => continue,
            },
            Some(Ok(_)) => continue,
        };
        let v: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                eprintln!("shequn live: [onebot] skipped a WebSocket frame that is not JSON: {e}");
                continue;
            }
        };
        if is_api_response(&v) {
            continue;
        }
        let delivery = match convert(&v) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("shequn live: [onebot] skipped an event: {e}");
                continue;
            }
        };
        if delivery.is_empty() {
            continue;
        }
        if let Err(e) = ctx.ingest.store("onebot", delivery).await {
            eprintln!("shequn live: [onebot] closing the WebSocket so OneBot reconnects: {e}");
            let close = CloseFrame { code: 1011, reason: "archive write failed".into() };
            let _ = socket.send(WsMessage::Close(Some(close))).await;
            return;
        }
    }
}

impl Source for OneBot {
    fn name(&self) -> &'static str {
        "onebot"
    }

    fn routes(self: Arc<Self>, ctx: SourceContext) -> Router {
        Router::new().route("/onebot", post(receive)).route("/onebot/ws", get(connect)).with_state((self, ctx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(d: &Delivery) -> &Record {
        assert!(matches!(d.records[0], Record::Group(_)), "{:?}", d.records);
        assert_eq!(d.records.len(), 2, "{:?}", d.records);
        &d.records[1]
    }

    #[test]
    fn config_keys_are_optional_but_named_variables_must_be_set() {
        let empty: toml::Value = toml::from_str("").unwrap();
        assert_eq!(from_config(&empty).unwrap().name(), "onebot");
        let unset: toml::Value = toml::from_str("secret_env = \"SHEQUN_TEST_SURELY_UNSET_ONEBOT\"").unwrap();
        let err = from_config(&unset).err().unwrap().to_string();
        assert!(err.contains("SHEQUN_TEST_SURELY_UNSET_ONEBOT") && err.contains("[onebot]"), "{err}");
        let typo: toml::Value = toml::from_str("secret = \"x\"").unwrap();
        assert!(from_config(&typo).is_err());
    }

    #[test]
    fn hmac_sha1_matches_rfc_2202_case_2() {
        assert_eq!(sign(b"Jefe", b"what do ya want for nothing?"), "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
    }

    #[test]
    fn signature_is_checked_only_with_a_secret() {
        let body = br#"{"post_type":"meta_event"}"#;
        let mut h = HeaderMap::new();
        assert!(OneBot::new(None, None).verify(&h, body).is_ok());
        let signed = OneBot::new(Some(b"k".to_vec()), None);
        assert!(signed.verify(&h, body).is_err());
        h.insert("x-signature", format!("sha1={}", sign(b"k", body)).parse().unwrap());
        assert!(signed.verify(&h, body).is_ok());
        assert!(signed.verify(&h, b"{}").is_err());
    }

    #[test]
    fn token_from_header_or_query() {
        let b = OneBot::new(None, Some("a b".into()));
        let mut h = HeaderMap::new();
        let plain: Uri = "/onebot/ws".parse().unwrap();
        assert!(b.check_token(&h, &plain).is_err());
        assert!(b.check_token(&h, &"/onebot/ws?access_token=a%20b".parse().unwrap()).is_ok());
        assert!(b.check_token(&h, &"/onebot/ws?access_token=ab".parse().unwrap()).is_err());
        h.insert("authorization", "Bearer a b".parse().unwrap());
        assert!(b.check_token(&h, &plain).is_ok());
    }

    #[test]
    fn cq_string_form_is_read() {
        let s = parse_cq("[CQ:reply,id=42]hi &#91;x&#93; [CQ:at,qq=123][CQ:at,qq=all][CQ:face,id=1]");
        let kinds: Vec<&str> = s.iter().map(|x| x.kind.as_str()).collect();
        assert_eq!(kinds, ["reply", "text", "at", "at", "face"]);
        let r = render(&s);
        assert_eq!(r.text, "hi [x] @123@全体成员[表情]");
        assert_eq!(r.reply_to.as_deref(), Some("42"));
        assert_eq!(r.mentions.len(), 2);
        assert_eq!(r.kind, MessageKind::Text);
        assert_eq!(render(&parse_cq("[CQ:image,file=a.jpg]")).kind, MessageKind::Image);
        assert_eq!(render(&parse_cq("[CQ:face,id=1][CQ:face,id=2]")).kind, MessageKind::Sticker);
        assert_eq!(render(&parse_cq("unclosed [CQ:at")).text, "unclosed [CQ:at");
    }

    #[test]
    fn notices_map_to_events() {
        let kick = serde_json::json!({"time":1700000000,"self_id":1,"post_type":"notice","notice_type":"group_decrease",
            "sub_type":"kick","group_id":100,"operator_id":7,"user_id":8});
        match one(&convert(&kick).unwrap()) {
            Record::Event { event, .. } => {
                assert_eq!(event.kind, EventKind::Kick);
                assert_eq!(event.subjects[0].platform_id.as_deref(), Some("8"));
                assert_eq!(event.actor.as_ref().unwrap().platform_id.as_deref(), Some("7"));
                assert_eq!(event.time.offset_s, 8 * 3600);
            }
            other => panic!("{other:?}"),
        }
        let ban = serde_json::json!({"time":1,"post_type":"notice","notice_type":"group_ban","sub_type":"ban","group_id":100,"user_id":8});
        assert!(matches!(one(&convert(&ban).unwrap()), Record::Note { text, .. } if text.contains("group_ban")));
        let friend = serde_json::json!({"time":1,"post_type":"notice","notice_type":"friend_add","user_id":8});
        assert!(convert(&friend).unwrap().is_empty());
        let bad =
            serde_json::json!({"time":1,"post_type":"notice","notice_type":"group_recall","group_id":1,"user_id":2});
        assert!(convert(&bad).unwrap_err().contains("message_id"));
    }
}
