//! Slack through the Events API: `POST /slack` is the app's Request URL.
//!
//! Every request is signed: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing secret,
//! "v0:" + X-Slack-Request-Timestamp + ":" + raw body)>`; a timestamp more than five minutes
//! from now is refused, so a captured request cannot be replayed. `url_verification` is
//! answered with its challenge after that check.
//!
//! Ids match the Slack importer: the channel id is the group's platform id, a message's `ts`
//! is its id, a thread reply's `reply_to` is its root's `ts`, and the subtypes the export
//! knows become the same events with the same ids. So an export and the live stream of one
//! channel are one group, and a message seen in both is stored once. Slack retries a delivery
//! it did not see acknowledged within 3 s; every record carries a key (`ts`, else `event_id`),
//! so a retry stores nothing new.
//!
//! Events carry user ids, not names: a member first seen live is stored without a name until
//! an export (or a message that carries `user_profile`) names them. Direct messages with the
//! app (`channel_type: im`) are not kept: they are not the community.
//!
//! Subscribing to both `message.channels` and `member_joined_channel` gives two join events per
//! join (the `channel_join` message and the member event have different ids); subscribe to one.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use serde_json::Value;
use sha2::Sha256;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, Mention, Message, MessageKind, Person, Platform, Record, Stamp, SystemEvent,
};

use crate::source::{bad_request, now_ms, same_secret, unauthorized, Delivery, Source, SourceContext};
use crate::sources::webhook::hex;

/// How far a request's timestamp may be from now, in seconds (Slack's own advice).
pub const MAX_SKEW_S: i64 = 300;

/// The `[slack]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    /// The environment variable holding the app's signing secret.
    pub signing_secret_env: String,
}

pub struct Slack {
    secret: Vec<u8>,
}

pub fn from_config(table: &toml::Value) -> anyhow::Result<Arc<dyn Source>> {
    let c: SlackConfig = crate::config::table("slack", table)?;
    let secret = crate::config::secret(&c.signing_secret_env, "[slack] signing_secret_env")?;
    Ok(Arc::new(Slack::new(secret.into_bytes())))
}

impl Slack {
    pub fn new(signing_secret: Vec<u8>) -> Slack {
        Slack { secret: signing_secret }
    }

    /// Checks the signature headers against the raw body at `now_s` (Unix seconds).
    pub fn verify(&self, headers: &HeaderMap, body: &[u8], now_s: i64) -> Result<(), &'static str> {
        let ts = headers
            .get("x-slack-request-timestamp")
            .and_then(|v| v.to_str().ok())
            .ok_or("missing X-Slack-Request-Timestamp")?;
        let ts_n: i64 = ts.trim().parse().map_err(|_| "X-Slack-Request-Timestamp is not a number of seconds")?;
        if (now_s - ts_n).abs() > MAX_SKEW_S {
            return Err("X-Slack-Request-Timestamp is more than 5 minutes from now (replayed, or a clock is wrong)");
        }
        let sig = headers
            .get("x-slack-signature")
            .and_then(|v| v.to_str().ok())
            .filter(|v| v.starts_with("v0="))
            .ok_or("missing X-Slack-Signature: v0=<hex>")?;
        if same_secret(sign(&self.secret, ts, body).as_bytes(), sig.as_bytes()) {
            Ok(())
        } else {
            Err("X-Slack-Signature does not match the body")
        }
    }
}

/// `v0=` + `hex(HMAC-SHA256(secret, "v0:" + ts + ":" + body))`: the whole signature header.
pub fn sign(secret: &[u8], ts: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"v0:");
    mac.update(ts.as_bytes());
    mac.update(b":");
    mac.update(body);
    format!("v0={}", hex(&mac.finalize().into_bytes()))
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Slack `ts` ("1517436010.000936") → a stamp (UTC, exact), as the importer reads it.
pub fn ts_stamp(ts: &str) -> Option<Stamp> {
    let (secs, frac) = ts.split_once('.').unwrap_or((ts, "0"));
    let secs: i64 = secs.parse().ok()?;
    let frac: String = frac.chars().chain("000".chars()).take(3).collect();
    let ms: i64 = frac.parse().ok()?;
    Some(Stamp::from_unix_ms(secs * 1000 + ms))
}

/// The channel an event happened in: `channel` as an id or an object, or a reaction's item.
fn channel_of(event: &Value) -> Option<&str> {
    match event.get("channel") {
        Some(Value::String(s)) => Some(s.as_str()),
        Some(Value::Object(o)) => o.get("id").and_then(Value::as_str),
        _ => event.get("item").and_then(|i| str_of(i, "channel")).or_else(|| str_of(event, "channel_id")),
    }
}

/// The channel's kind as the importer files it: public and private channels are channels,
/// group DMs are groups, DMs are direct.
fn kind_of(event: &Value) -> GroupKind {
    match str_of(event, "channel_type") {
        Some("mpim") => GroupKind::Group,
        Some("im" | "I" | "D") => GroupKind::Direct,
        _ => GroupKind::Channel,
    }
}

fn group(channel: &str, kind: GroupKind, name: &str) -> GroupInfo {
    GroupInfo {
        platform: Platform::Slack,
        platform_id: channel.to_string(),
        name: name.to_string(),
        kind,
        member_count: None,
    }
}

/// A note on the channel that a kind of event arrives but is not kept.
fn note(d: &mut Delivery, channel: &str, kind: GroupKind, what: &str) {
    let slot = d.group(group(channel, kind, ""));
    d.records.push(Record::Note { group: slot, text: format!("{what} arrive but shequn live does not keep them") });
}

/// Slack markup → readable text and mentions: `<@U1|ann>` → `@ann` (`@U1` without a label),
/// `<!here>` → `@here`, `<#C1|general>` → `#general`, `<url|label>` → `label (url)`, and
/// `&amp;` `&lt;` `&gt;` decoded; as the importer renders it, minus the names it looks up.
pub fn render_text(text: &str) -> (String, Vec<Mention>) {
    let mut out = String::with_capacity(text.len());
    let mut mentions = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let Some(len) = rest[open..].find('>') else { break };
        out.push_str(&rest[..open]);
        let inner = &rest[open + 1..open + len];
        let (target, label) = match inner.split_once('|') {
            Some((t, l)) => (t, Some(l).filter(|l| !l.is_empty())),
            None => (inner, None),
        };
        if let Some(user) = target.strip_prefix('@') {
            let name = label.unwrap_or("").to_string();
            out.push('@');
            out.push_str(if name.is_empty() { user } else { &name });
            let m = Mention::Member(Person::with_id(user, name));
            if !mentions.contains(&m) {
                mentions.push(m);
            }
        } else if let Some(ch) = target.strip_prefix('#') {
            out.push('#');
            out.push_str(label.unwrap_or(ch));
        } else if let Some(special) = target.strip_prefix('!') {
            let word = special.split('^').next().unwrap_or(special);
            if matches!(word, "channel" | "here" | "everyone") && !mentions.contains(&Mention::Everyone) {
                mentions.push(Mention::Everyone);
            }
            out.push('@');
            out.push_str(label.unwrap_or(word).trim_start_matches('@'));
        } else {
            match label {
                Some(l) if l != target => {
                    out.push_str(l);
                    out.push_str(" (");
                    out.push_str(target);
                    out.push(')');
                }
                _ => out.push_str(target),
            }
        }
        rest = &rest[open + len + 1..];
    }
    out.push_str(rest);
    (out.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&"), mentions)
}

/// Who sent a message, keyed as the importer keys them: bots by `bot_id`, people by user id.
fn sender(m: &Value) -> Person {
    let user = str_of(m, "user");
    let bot_id = str_of(m, "bot_id");
    match (user, str_of(m, "subtype")) {
        (_, Some("bot_message")) | (None, _) => Person {
            platform_id: bot_id.or(user).map(str::to_string),
            name: str_of(m, "username").or(bot_id).unwrap_or("bot").to_string(),
            is_bot: true,
            ..Person::default()
        },
        (Some(u), _) => {
            let profile = m.get("user_profile");
            let name = ["display_name", "real_name", "name"]
                .iter()
                .filter_map(|k| profile.and_then(|p| str_of(p, k)))
                .find(|n| !n.is_empty())
                .unwrap_or("");
            Person {
                platform_id: Some(u.to_string()),
                name: name.to_string(),
                is_bot: bot_id.is_some(),
                ..Person::default()
            }
        }
    }
}

/// A message object (an event, or the `message` of a `message_changed`) as a message.
fn to_message(m: &Value) -> Result<Message, String> {
    let ts = str_of(m, "ts").ok_or("message without \"ts\"")?;
    let time = ts_stamp(ts).ok_or(format!("\"ts\" {ts:?} is not a Slack timestamp"))?;
    let (mut text, mentions) = render_text(str_of(m, "text").unwrap_or(""));
    if text.is_empty() {
        // Bot posts often carry their text in attachments.
        if let Some(a) = m.get("attachments").and_then(Value::as_array).and_then(|a| a.first()) {
            text = render_text(str_of(a, "fallback").or_else(|| str_of(a, "text")).unwrap_or("")).0;
        }
    }
    let first_file = m.get("files").and_then(Value::as_array).and_then(|f| f.first()).or_else(|| m.get("file"));
    let kind = match first_file.and_then(|f| str_of(f, "mimetype")) {
        Some(mt) if mt.starts_with("image/") => MessageKind::Image,
        Some(mt) if mt.starts_with("video/") => MessageKind::Video,
        Some(mt) if mt.starts_with("audio/") => MessageKind::Voice,
        _ if first_file.is_some() => MessageKind::File,
        _ => MessageKind::Text,
    };
    Ok(Message {
        id: Some(ts.to_string()),
        time,
        sender: sender(m),
        text,
        kind,
        reply_to: str_of(m, "thread_ts").filter(|t| *t != ts).map(str::to_string),
        mentions,
        edited: m.get("edited").and_then(|e| str_of(e, "ts")).and_then(ts_stamp),
        ..Message::default()
    })
}

/// Turns one `event_callback` envelope into records. Events in no channel (user changes,
/// app events) give an empty delivery; events this module does not map give a note on their
/// channel. Errors name the field that was missing or malformed.
pub fn convert(envelope: &Value) -> Result<Delivery, String> {
    let event = envelope.get("event").filter(|e| e.is_object()).ok_or("event_callback without an \"event\" object")?;
    let etype = str_of(event, "type").ok_or("event without \"type\"")?;
    let mut d = Delivery::default();
    let Some(channel) = channel_of(event) else { return Ok(d) };
    let kind = kind_of(event);
    if kind == GroupKind::Direct {
        return Ok(d);
    }
    let event_id = str_of(envelope, "event_id").map(str::to_string);
    // When the event has no ts of its own: `event_ts`, else the envelope's `event_time`.
    let event_time = || {
        str_of(event, "event_ts")
            .and_then(ts_stamp)
            .or_else(|| envelope.get("event_time").and_then(Value::as_i64).map(|s| Stamp::from_unix_ms(s * 1000)))
            .ok_or(format!("{etype} without a time (\"event_ts\" or \"event_time\")"))
    };
    match etype {
        "message" => message(&mut d, event, channel, kind)?,
        "member_joined_channel" | "member_left_channel" => {
            let user = str_of(event, "user").ok_or(format!("{etype} without \"user\""))?;
            let joined = etype == "member_joined_channel";
            let mut e = SystemEvent::new(event_time()?, if joined { EventKind::Join } else { EventKind::Leave }, etype);
            e.id = event_id;
            e.subjects = vec![Person::with_id(user, "")];
            e.actor = str_of(event, "inviter").map(|i| Person::with_id(i, ""));
            let slot = d.group(group(channel, kind, ""));
            d.records.push(Record::Event { group: slot, event: e });
        }
        "channel_rename" | "group_rename" => {
            let name = event.get("channel").and_then(|c| str_of(c, "name")).unwrap_or("");
            let mut e = SystemEvent::new(event_time()?, EventKind::Rename, etype);
            e.id = event_id;
            e.detail = Some(name.to_string()).filter(|n| !n.is_empty());
            let slot = d.group(group(channel, kind, name));
            d.records.push(Record::Event { group: slot, event: e });
        }
        other => note(&mut d, channel, kind, &format!("Slack events \"{other}\"")),
    }
    Ok(d)
}

/// A `message` event: a message, an edit, or one of the subtypes the importer maps to events.
fn message(d: &mut Delivery, m: &Value, channel: &str, kind: GroupKind) -> Result<(), String> {
    let subtype = str_of(m, "subtype");
    match subtype {
        None
        | Some("bot_message" | "file_share" | "me_message" | "thread_broadcast" | "file_comment" | "reminder_add")
        | Some("slackbot_response") => {
            let message = to_message(m)?;
            let slot = d.group(group(channel, kind, ""));
            d.records.push(Record::Message { group: slot, message });
        }
        Some("message_changed") => {
            // The message as it is now, under its own ts: the archive replaces the stored text
            // when the edit is newer, or stores it if the original never arrived.
            let inner = m.get("message").filter(|i| i.is_object()).ok_or("message_changed without \"message\"")?;
            let message = to_message(inner)?;
            let slot = d.group(group(channel, kind, ""));
            d.records.push(Record::Message { group: slot, message });
        }
        // A notice that a thread got a reply, a deleted thread root's placeholder: no message.
        Some("message_replied" | "tombstone") => {}
        Some(st) => {
            let ts = str_of(m, "ts").ok_or(format!("{st} without \"ts\""))?;
            let time = ts_stamp(ts).ok_or(format!("\"ts\" {ts:?} is not a Slack timestamp"))?;
            let (text, _) = render_text(str_of(m, "text").unwrap_or(""));
            let mut e = SystemEvent::new(time, EventKind::Other, text);
            e.id = Some(ts.to_string());
            let mut name = "";
            match st {
                "channel_join" | "group_join" => {
                    e.kind = EventKind::Join;
                    e.subjects = vec![sender(m)];
                    e.actor = str_of(m, "inviter").map(|i| Person::with_id(i, ""));
                }
                "channel_leave" | "group_leave" => {
                    e.kind = EventKind::Leave;
                    e.subjects = vec![sender(m)];
                }
                "channel_topic" | "group_topic" | "channel_purpose" | "group_purpose" => {
                    e.kind = EventKind::Topic;
                    e.actor = Some(sender(m));
                    e.detail = str_of(m, "topic").or_else(|| str_of(m, "purpose")).map(str::to_string);
                }
                "channel_name" | "group_name" => {
                    e.kind = EventKind::Rename;
                    e.actor = Some(sender(m));
                    name = str_of(m, "name").unwrap_or("");
                    e.detail = Some(name.to_string()).filter(|n| !n.is_empty());
                }
                "pinned_item" => {
                    e.kind = EventKind::Pin;
                    e.actor = Some(sender(m));
                    e.target = m.get("item").and_then(|i| str_of(i, "ts")).map(str::to_string);
                }
                "message_deleted" => {
                    e.kind = EventKind::Recall;
                    e.target =
                        Some(str_of(m, "deleted_ts").ok_or("message_deleted without \"deleted_ts\"")?.to_string());
                }
                other => {
                    note(d, channel, kind, &format!("Slack messages of subtype \"{other}\""));
                    return Ok(());
                }
            }
            let slot = d.group(group(channel, kind, name));
            d.records.push(Record::Event { group: slot, event: e });
        }
    }
    Ok(())
}

async fn receive(State((me, ctx)): State<(Arc<Slack>, SourceContext)>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(why) = me.verify(&headers, &body, now_ms() / 1000) {
        return unauthorized(why);
    }
    let v: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return bad_request(format!("the body is not JSON: {e}")),
    };
    match str_of(&v, "type") {
        Some("url_verification") => match str_of(&v, "challenge") {
            Some(c) => (StatusCode::OK, axum::Json(serde_json::json!({ "challenge": c }))).into_response(),
            None => bad_request("url_verification without \"challenge\""),
        },
        Some("event_callback") => {
            let delivery = match convert(&v) {
                Ok(d) => d,
                Err(e) => return bad_request(e),
            };
            ctx.store_and_answer("slack", delivery, StatusCode::OK.into_response()).await
        }
        // app_rate_limited and whatever Slack adds: acknowledged, nothing to keep.
        Some(_) => StatusCode::OK.into_response(),
        None => bad_request("missing \"type\""),
    }
}

impl Source for Slack {
    fn name(&self) -> &'static str {
        "slack"
    }

    fn routes(self: Arc<Self>, ctx: SourceContext) -> Router {
        Router::new().route("/slack", post(receive)).with_state((self, ctx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// LIVE-ANCHORS §7: the vector from Slack's "Verifying requests from Slack".
    const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
    const TS: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const SIG: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn headers(ts: &str, sig: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-slack-request-timestamp", ts.parse().unwrap());
        h.insert("x-slack-signature", sig.parse().unwrap());
        h
    }

    #[test]
    fn slack_documented_signature_vector() {
        assert_eq!(sign(SECRET.as_bytes(), TS, BODY.as_bytes()), SIG);
        let s = Slack::new(SECRET.as_bytes().to_vec());
        let now = 1531420618 + 60;
        assert!(s.verify(&headers(TS, SIG), BODY.as_bytes(), now).is_ok());
        // One byte of body, the secret, or five minutes and a second: refused.
        assert!(s.verify(&headers(TS, SIG), format!("{BODY}x").as_bytes(), now).is_err());
        assert!(Slack::new(b"other".to_vec()).verify(&headers(TS, SIG), BODY.as_bytes(), now).is_err());
        assert!(s.verify(&headers(TS, SIG), BODY.as_bytes(), 1531420618 + 301).is_err());
        assert!(s.verify(&headers(TS, SIG), BODY.as_bytes(), 1531420618 - 301).is_err());
        assert!(s.verify(&HeaderMap::new(), BODY.as_bytes(), now).is_err());
    }

    #[test]
    fn config_needs_the_signing_secret() {
        let unset: toml::Value = toml::from_str("signing_secret_env = \"SHEQUN_TEST_SURELY_UNSET_SLACK\"").unwrap();
        let err = from_config(&unset).err().unwrap().to_string();
        assert!(err.contains("SHEQUN_TEST_SURELY_UNSET_SLACK") && err.contains("[slack]"), "{err}");
        assert!(from_config(&toml::from_str::<toml::Value>("").unwrap()).is_err());
    }

    #[test]
    fn markup_becomes_text_and_mentions() {
        let (text, mentions) =
            render_text("hi <@U1> <@U2|cal> and <!here> see <https://x.org|docs> &amp; <#C1|general> <https://y.org>");
        assert_eq!(text, "hi @U1 @cal and @here see docs (https://x.org) & #general https://y.org");
        assert_eq!(mentions.len(), 3);
        assert!(
            matches!(&mentions[1], Mention::Member(p) if p.platform_id.as_deref() == Some("U2") && p.name == "cal")
        );
        assert_eq!(mentions[2], Mention::Everyone);
    }

    #[test]
    fn ts_reads_as_the_importer_reads_it() {
        assert_eq!(ts_stamp("1355517523.000005").unwrap().unix_ms, 1_355_517_523_000);
        assert_eq!(ts_stamp("1736554746.482349").unwrap().unix_ms, 1_736_554_746_482);
        assert_eq!(ts_stamp("7").unwrap().unix_ms, 7000);
        assert!(ts_stamp("x.1").is_none());
    }
}
