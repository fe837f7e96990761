//! The Slack source over HTTP, into a real archive. Payloads are the documented Events API
//! examples (docs.slack.dev "message", "message_changed", "message_deleted",
//! "member_joined_channel", "channel_join", "url_verification"), signed as Slack signs them.

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use shequn_archive::Archive;
use shequn_ingest::{Format, Input, ParseOptions};
use shequn_live::server::test_context;
use shequn_live::sources::slack::{sign, Slack};
use shequn_live::Source;
use shequn_model::{EventKind, GroupKind, MessageKind, Platform, Timeline};
use tower::ServiceExt;

const SECRET: &[u8] = b"8f742231b10e8888abcd99yyyzzz85a5";

fn now_s() -> i64 {
    chrono::Utc::now().timestamp()
}

fn request(body: &str, ts: i64, sig: Option<String>) -> Request<Body> {
    let mut r = Request::post("/slack").header("content-type", "application/json");
    r = r.header("x-slack-request-timestamp", ts.to_string());
    if let Some(sig) = sig {
        r = r.header("x-slack-signature", sig);
    }
    r.body(Body::from(body.to_string())).unwrap()
}

fn signed(body: &str) -> Request<Body> {
    let ts = now_s();
    request(body, ts, Some(sign(SECRET, &ts.to_string(), body.as_bytes())))
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, String) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn app(db: &Path) -> (Router, tokio::sync::watch::Sender<bool>) {
    let (ctx, stop) = test_context(db).unwrap();
    (Arc::new(Slack::new(SECRET.to_vec())).routes(ctx), stop)
}

fn archive(db: &Path) -> Archive {
    Archive::open_readonly(db).unwrap()
}

fn only_timeline(db: &Path) -> Timeline {
    let a = archive(db);
    let groups = a.groups().unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    a.timeline(groups[0].id).unwrap()
}

/// An Events API envelope around `event`, as the documented examples wrap it.
fn envelope(event: &str, event_id: &str) -> String {
    format!(
        r#"{{"token":"XXYYZZ","team_id":"T123ABC456","api_app_id":"A123ABC456","event":{event},"type":"event_callback",
        "authorizations":[{{"team_id":"T123ABC456","user_id":"U123ABC456","is_bot":false,"is_enterprise_install":false}}],
        "event_id":"{event_id}","event_time":1355517523}}"#
    )
}

const MESSAGE: &str = r#"{"type":"message","channel":"C123ABC456","user":"U123ABC456","text":"Hello world","ts":"1355517523.000005","channel_type":"channel"}"#;
const CHANGED: &str = r#"{"type":"message","subtype":"message_changed","hidden":true,"channel":"C123ABC456","ts":"1358878755.000001",
    "message":{"type":"message","user":"U123ABC456","text":"Hello, world!","ts":"1355517523.000005","edited":{"user":"U123ABC456","ts":"1358878755.000001"}}}"#;

#[tokio::test]
async fn url_verification_answers_the_challenge_after_the_signature_check() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, _stop) = app(&db);
    let body = r#"{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let (status, text) = send(&app, request(body, now_s(), None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
    assert!(!text.contains("3eZbrw1a"), "{text}");
    let (status, text) = send(&app, signed(body)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["challenge"], "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
    assert_eq!(archive(&db).counts().unwrap(), (0, 0, 0));
}

#[tokio::test]
async fn unsigned_stale_or_forged_requests_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, _stop) = app(&db);
    let body = envelope(MESSAGE, "Ev123ABC456");
    let ts = now_s();
    let good = sign(SECRET, &ts.to_string(), body.as_bytes());
    // No signature, another secret, a body changed after signing, a request six minutes old.
    let stale = ts - 360;
    for req in [
        request(&body, ts, None),
        request(&body, ts, Some(sign(b"another secret", &ts.to_string(), body.as_bytes()))),
        request(&body.replace("Hello world", "Hello wOrld"), ts, Some(good.clone())),
        request(&body, stale, Some(sign(SECRET, &stale.to_string(), body.as_bytes()))),
        Request::post("/slack").header("x-slack-signature", good).body(Body::from(body.clone())).unwrap(),
    ] {
        let (status, text) = send(&app, req).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
    }
    assert_eq!(archive(&db).counts().unwrap(), (0, 0, 0));
    // The same body, signed now, is stored: the refusals were the signature's doing.
    let (status, _) = send(&app, signed(&body)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(archive(&db).counts().unwrap(), (1, 1, 0));
}

#[tokio::test]
async fn malformed_bodies_are_400_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, _stop) = app(&db);
    let cases = [
        ("{not json", "JSON"),
        (r#"{"token":"XXYYZZ","type":"event_callback","event_id":"Ev1"}"#, "\"event\""),
        (r#"{"token":"XXYYZZ","event":{}}"#, "\"type\""),
        (&envelope(r#"{"type":"message","channel":"C123ABC456","user":"U123ABC456","text":"no ts"}"#, "Ev2"), "\"ts\""),
        (
            &envelope(
                r#"{"type":"message","subtype":"message_deleted","channel":"C123ABC456","ts":"1358878755.000001"}"#,
                "Ev3",
            ),
            "deleted_ts",
        ),
    ];
    for (body, field) in cases {
        let (status, text) = send(&app, signed(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {text}");
        let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
        let error = answer["error"].as_str().unwrap();
        assert!(error.contains(field), "{body}: {error} should name {field}");
    }
    assert_eq!(archive(&db).counts().unwrap(), (0, 0, 0));
}

#[tokio::test]
async fn messages_threads_bots_edits_deletions_joins_and_leaves_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, _stop) = app(&db);
    let events = [
        envelope(MESSAGE, "Ev01"),
        // A thread reply (message.md "threaded replies"): reply_to is the root's ts.
        envelope(
            r#"{"type":"message","channel":"C123ABC456","user":"U222222222","text":"<@U123ABC456> welcome","ts":"1355517600.000008","thread_ts":"1355517523.000005","channel_type":"channel"}"#,
            "Ev02",
        ),
        // bot_message (message/bot_message): keyed by bot_id, flagged as a bot.
        envelope(
            r#"{"type":"message","subtype":"bot_message","channel":"C123ABC456","ts":"1358877455.000010","text":"Pushing is the answer","bot_id":"BB12033","username":"github","icons":{}}"#,
            "Ev03",
        ),
        // A message, then its deletion (message_deleted names it by deleted_ts).
        envelope(
            r#"{"type":"message","channel":"C123ABC456","user":"U222222222","text":"oops","ts":"1358878749.000002","channel_type":"channel"}"#,
            "Ev04",
        ),
        envelope(
            r#"{"type":"message","subtype":"message_deleted","hidden":true,"channel":"C123ABC456","ts":"1358878755.000002","deleted_ts":"1358878749.000002"}"#,
            "Ev05",
        ),
        envelope(CHANGED, "Ev06"),
        envelope(
            r#"{"type":"message","subtype":"channel_join","ts":"1358877458.000011","user":"U2147483828","text":"<@U2147483828|cal> has joined the channel","inviter":"U123456789","channel":"C123ABC456","event_ts":"1358877458.000011","channel_type":"channel"}"#,
            "Ev07",
        ),
        envelope(
            r#"{"type":"member_joined_channel","user":"W123ABC456","channel":"C123ABC456","channel_type":"C","team":"T123ABC456","inviter":"U123456789","enterprise":"E123456789"}"#,
            "Ev08",
        ),
        envelope(
            r#"{"type":"member_left_channel","user":"W123ABC456","channel":"C123ABC456","channel_type":"C","team":"T123ABC456"}"#,
            "Ev09",
        ),
    ];
    for body in &events {
        let (status, text) = send(&app, signed(body)).await;
        assert_eq!(status, StatusCode::OK, "{body}: {text}");
    }
    let a = archive(&db);
    let g = &a.groups().unwrap()[0];
    assert_eq!((g.platform.as_str(), g.platform_id.as_str(), g.kind.as_str()), ("slack", "C123ABC456", "channel"));
    // Four messages (the edit is the first one again); four events (deletion, two joins, leave).
    assert_eq!(a.counts().unwrap(), (1, 4, 4));
    let t = a.timeline(g.id).unwrap();
    assert_eq!(t.group.platform, Platform::Slack);
    assert_eq!(t.group.kind, GroupKind::Channel);
    let root = t.messages.iter().position(|m| m.time_ms == 1_355_517_523_000).unwrap();
    assert_eq!(t.messages[root].text, "Hello, world!", "the edit replaced the text");
    let reply = t.messages.iter().find(|m| m.text == "@U123ABC456 welcome").unwrap();
    assert_eq!(reply.reply_to, Some(root as u32));
    assert_eq!(reply.mentions.len(), 1);
    assert_eq!(t.member(reply.mentions[0]).platform_id.as_deref(), Some("U123ABC456"));
    let bot = t.messages.iter().find(|m| m.text == "Pushing is the answer").unwrap();
    assert!(t.sender(bot).is_bot);
    assert_eq!(t.sender(bot).platform_id.as_deref(), Some("BB12033"));
    assert_eq!(t.sender(bot).name, "github");
    assert_eq!(bot.kind, MessageKind::Text);
    let kinds: Vec<EventKind> = t.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds.iter().filter(|k| **k == EventKind::Join).count(), 2, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| **k == EventKind::Leave).count(), 1, "{kinds:?}");
    let recall = t.events.iter().find(|e| e.kind == EventKind::Recall).unwrap();
    let oops = t.messages.iter().position(|m| m.text == "oops").unwrap();
    assert_eq!(recall.target, Some(oops as u32));
    let join = t.events.iter().find(|e| e.kind == EventKind::Join && e.text.contains("has joined")).unwrap();
    assert_eq!(t.member(join.subjects[0]).platform_id.as_deref(), Some("U2147483828"));
    assert_eq!(t.member(join.actor.unwrap()).platform_id.as_deref(), Some("U123456789"));
    let left = t.events.iter().find(|e| e.kind == EventKind::Leave).unwrap();
    assert_eq!(t.member(left.subjects[0]).platform_id.as_deref(), Some("W123ABC456"));
    // member_joined_channel carries no ts: the envelope's event_time dates it.
    assert_eq!(left.time_ms, 1_355_517_523_000);
}

#[tokio::test]
async fn a_retry_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, _stop) = app(&db);
    let join = envelope(
        r#"{"type":"member_joined_channel","user":"W123ABC456","channel":"C123ABC456","channel_type":"C","team":"T123ABC456"}"#,
        "Ev123ABC456",
    );
    let message = envelope(MESSAGE, "Ev123ABC457");
    for retry in 0..3 {
        for body in [&join, &message] {
            let mut req = signed(body);
            if retry > 0 {
                req.headers_mut().insert("x-slack-retry-num", retry.to_string().parse().unwrap());
                req.headers_mut().insert("x-slack-retry-reason", "http_timeout".parse().unwrap());
            }
            let (status, text) = send(&app, req).await;
            assert_eq!(status, StatusCode::OK, "{text}");
        }
    }
    assert_eq!(archive(&db).counts().unwrap(), (1, 1, 1));
}

#[tokio::test]
async fn other_events_leave_a_note_and_direct_messages_are_not_kept() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, _stop) = app(&db);
    // reaction_added (docs.slack.dev/reference/events/reaction_added): its channel is the item's.
    let reaction = envelope(
        r#"{"type":"reaction_added","user":"U123ABC456","reaction":"thumbsup","item_user":"U222222222","item":{"type":"message","channel":"C123ABC456","ts":"1360782400.498405"},"event_ts":"1360782804.083113"}"#,
        "Ev10",
    );
    let dm = envelope(
        r#"{"type":"message","channel":"D024BE91L","user":"U2147483697","text":"Hello hello can you hear me?","ts":"1355517523.000005","event_ts":"1355517523.000005","channel_type":"im"}"#,
        "Ev11",
    );
    let rate_limited = r#"{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","type":"app_rate_limited","team_id":"T123456","minute_rate_limited":1518467820,"api_app_id":"A123456"}"#;
    for body in [reaction.as_str(), dm.as_str(), rate_limited] {
        let (status, text) = send(&app, signed(body)).await;
        assert_eq!(status, StatusCode::OK, "{body}: {text}");
    }
    assert_eq!(archive(&db).counts().unwrap(), (1, 0, 0), "only the reaction's channel, with a note");
    let t = only_timeline(&db);
    assert_eq!(t.group.platform_id, "C123ABC456");
    assert_eq!(t.group.notes.len(), 1, "{:?}", t.group.notes);
    assert!(t.group.notes[0].contains("reaction_added"), "{:?}", t.group.notes);
}

/// An export and the live stream of one channel: one group, one member, one message.
#[tokio::test]
async fn live_events_join_the_imported_export() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export");
    std::fs::create_dir_all(export.join("general")).unwrap();
    std::fs::write(export.join("channels.json"), r#"[{"id":"C123ABC456","name":"general","members":["U123ABC456"]}]"#)
        .unwrap();
    std::fs::write(export.join("users.json"), r#"[{"id":"U123ABC456","name":"ann","real_name":"Ann Lee"}]"#).unwrap();
    std::fs::write(
        export.join("general/2012-12-14.json"),
        r#"[{"type":"message","user":"U123ABC456","text":"Hello world","ts":"1355517523.000005"}]"#,
    )
    .unwrap();
    let db = dir.path().join("a.db");
    {
        let mut records = Vec::new();
        shequn_ingest::formats::slack::SlackExport
            .parse(&Input::new(&export), &ParseOptions::default(), &mut records)
            .unwrap();
        let mut a = Archive::open(&db).unwrap();
        let mut tx = a.begin_file().unwrap();
        for r in records {
            tx.apply(r).unwrap();
        }
        tx.commit().unwrap();
    }
    assert_eq!(archive(&db).counts().unwrap(), (1, 1, 0));
    let (app, _stop) = app(&db);
    for body in [envelope(MESSAGE, "Ev20"), envelope(CHANGED, "Ev21")] {
        let (status, text) = send(&app, signed(&body)).await;
        assert_eq!(status, StatusCode::OK, "{text}");
    }
    assert_eq!(archive(&db).counts().unwrap(), (1, 1, 0), "the live message is the exported one");
    let t = only_timeline(&db);
    assert_eq!(t.group.name, "general", "the export's name is kept");
    assert_eq!(t.members.len(), 1);
    assert_eq!(t.members[0].name, "Ann Lee", "a live event without a name keeps the export's");
    assert_eq!(t.messages[0].text, "Hello, world!");
}
