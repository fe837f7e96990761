//! The Telegram source end to end: documented Bot API payloads posted to its webhook route
//! or served by a local stand-in for `getUpdates`, stored in a temporary archive, and read
//! back. Payloads: teloxide-core `types/update.rs` tests, updates captured in drui9/autogram
//! `api.md`, and a `new_chat_members` body quoted in ammarfaizi2's bot.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use shequn_archive::Archive;
use shequn_live::sources::telegram::Telegram;
use shequn_live::{Delivery, Source};
use shequn_model::EventKind;
use tower::ServiceExt;

const SECRET: &str = "s3cret-token_OK";

/// teloxide `update.rs` test `pinned_message_works`, the pinned message itself.
const PINNED_TEXT: &str = r#"{"update_id": 845402290, "message": {
    "chat": {"id": -1001276785818, "title": "teloxide dev", "type": "supergroup", "username": "teloxide_dev"},
    "date": 1582134643,
    "from": {"first_name": "Hirrolot", "id": 408258968, "is_bot": false, "username": "hirrolot"},
    "message_id": 20224,
    "text": "Faster than a bullet"
}}"#;

/// teloxide `update.rs` test `pinned_message_works`.
const PIN: &str = r#"{"message": {
    "chat": {"id": -1001276785818, "title": "teloxide dev", "type": "supergroup", "username": "teloxide_dev"},
    "date": 1582134655,
    "from": {"first_name": "Hirrolot", "id": 408258968, "is_bot": false, "username": "hirrolot"},
    "message_id": 20225,
    "pinned_message": {
        "chat": {"id": -1001276785818, "title": "teloxide dev", "type": "supergroup", "username": "teloxide_dev"},
        "date": 1582134643,
        "from": {"first_name": "Hirrolot", "id": 408258968, "is_bot": false, "username": "hirrolot"},
        "message_id": 20224,
        "text": "Faster than a bullet"
    }
}, "update_id": 845402291}"#;

/// The pinned message edited: the same message with `edit_date`, as `edited_message`.
const PINNED_EDITED: &str = r#"{"update_id": 845402292, "edited_message": {
    "chat": {"id": -1001276785818, "title": "teloxide dev", "type": "supergroup", "username": "teloxide_dev"},
    "date": 1582134643,
    "edit_date": 1582134700,
    "from": {"first_name": "Hirrolot", "id": 408258968, "is_bot": false, "username": "hirrolot"},
    "message_id": 20224,
    "text": "Faster than a bullet!"
}}"#;

/// ammarfaizi2's quoted webhook body: Ammar Faizi adds a bot to a supergroup.
const ADDED_BY_MESSAGE: &str = r#"{"update_id": 235259207, "message": {
    "message_id": 105,
    "from": {"id": 243692601, "first_name": "Ammar", "last_name": "Faizi", "username": "ammarfaizi2", "language_code": "en-US"},
    "chat": {"id": -1001143029479, "title": "a", "type": "supergroup"},
    "date": 1497766548,
    "new_chat_participant": {"id": 308645660, "first_name": "Kang IceTea", "username": "kang_icetea_bot"},
    "new_chat_member": {"id": 308645660, "first_name": "Kang IceTea", "username": "kang_icetea_bot"},
    "new_chat_members": [{"id": 308645660, "first_name": "Kang IceTea", "username": "kang_icetea_bot"}]
}}"#;

/// The same join as the `chat_member` update an admin bot also gets (shape: drui9/autogram
/// "Super Group add").
const ADDED_BY_MEMBER_UPDATE: &str = r#"{"update_id": 235259208, "chat_member": {
    "chat": {"id": -1001143029479, "title": "a", "type": "supergroup"},
    "from": {"id": 243692601, "is_bot": false, "first_name": "Ammar", "last_name": "Faizi", "username": "ammarfaizi2"},
    "date": 1497766548,
    "old_chat_member": {"user": {"id": 308645660, "is_bot": true, "first_name": "Kang IceTea", "username": "kang_icetea_bot"}, "status": "left"},
    "new_chat_member": {"user": {"id": 308645660, "is_bot": true, "first_name": "Kang IceTea", "username": "kang_icetea_bot"}, "status": "member"}
}}"#;

/// The bot leaves by itself a day later.
const LEFT_BY_MEMBER_UPDATE: &str = r#"{"update_id": 235259300, "chat_member": {
    "chat": {"id": -1001143029479, "title": "a", "type": "supergroup"},
    "from": {"id": 308645660, "is_bot": true, "first_name": "Kang IceTea", "username": "kang_icetea_bot"},
    "date": 1497852948,
    "old_chat_member": {"user": {"id": 308645660, "is_bot": true, "first_name": "Kang IceTea", "username": "kang_icetea_bot"}, "status": "member"},
    "new_chat_member": {"user": {"id": 308645660, "is_bot": true, "first_name": "Kang IceTea", "username": "kang_icetea_bot"}, "status": "left"}
}}"#;

/// Ammar removes someone: the service message.
const KICKED_BY_MESSAGE: &str = r#"{"update_id": 235259301, "message": {
    "message_id": 140,
    "from": {"id": 243692601, "is_bot": false, "first_name": "Ammar", "last_name": "Faizi", "username": "ammarfaizi2"},
    "chat": {"id": -1001143029479, "title": "a", "type": "supergroup"},
    "date": 1497853000,
    "left_chat_participant": {"id": 777, "is_bot": false, "first_name": "Spam"},
    "left_chat_member": {"id": 777, "is_bot": false, "first_name": "Spam"}
}}"#;

async fn post(app: &Router, secret: Option<&str>, body: &str) -> (StatusCode, String) {
    let mut req = Request::post("/telegram").header("content-type", "application/json");
    if let Some(s) = secret {
        req = req.header("X-Telegram-Bot-Api-Secret-Token", s);
    }
    let resp = app.clone().oneshot(req.body(Body::from(body.to_string())).unwrap()).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn webhook_app(db: &Path) -> (Router, tokio::sync::watch::Sender<bool>) {
    let (ctx, stop) = shequn_live::server::test_context(db).unwrap();
    let source = Arc::new(Telegram::webhook(SECRET.as_bytes().to_vec()));
    (source.routes(ctx), stop)
}

fn counts(db: &Path) -> (u64, u64, u64) {
    Archive::open_readonly(db).unwrap().counts().unwrap()
}

#[tokio::test]
async fn a_missing_or_wrong_secret_is_refused_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, _stop) = webhook_app(&db);
    for secret in [None, Some("wrong"), Some(&SECRET[..SECRET.len() - 1]), Some("")] {
        let (status, body) = post(&app, secret, PINNED_TEXT).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{secret:?}: {body}");
    }
    assert_eq!(counts(&db), (0, 0, 0));
    let (status, _) = post(&app, Some(SECRET), PINNED_TEXT).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(counts(&db), (1, 1, 0));
}

#[tokio::test]
async fn a_malformed_update_is_400_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, _stop) = webhook_app(&db);
    let bad_id = PINNED_TEXT.replace("\"id\": -1001276785818", "\"id\": \"-1001276785818\"");
    let (status, body) = post(&app, Some(SECRET), &bad_id).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("message.chat.id"), "{body}");
    let (status, body) = post(&app, Some(SECRET), "{\"update_id\": 1, \"message\": ").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("not JSON"), "{body}");
    assert_eq!(counts(&db), (0, 0, 0));
}

#[tokio::test]
async fn a_resent_update_is_stored_once_and_an_edit_replaces_the_text() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, _stop) = webhook_app(&db);
    for body in [PINNED_TEXT, PINNED_TEXT, PIN, PIN, PINNED_EDITED] {
        assert_eq!(post(&app, Some(SECRET), body).await.0, StatusCode::OK);
    }
    // One group, one message (20224), one event (the pin in 20225).
    assert_eq!(counts(&db), (1, 1, 1));
    let a = Archive::open_readonly(&db).unwrap();
    let groups = a.groups().unwrap();
    assert_eq!((groups[0].platform_id.as_str(), groups[0].name.as_str()), ("1276785818", "teloxide dev"));
    let t = a.timeline(groups[0].id).unwrap();
    assert_eq!(t.messages[0].text, "Faster than a bullet!");
    assert_eq!(t.events[0].kind, EventKind::Pin);
    assert_eq!(t.events[0].target, Some(0), "the pin points at the stored message");
}

#[tokio::test]
async fn joins_leaves_and_kicks_are_stored_once_each() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, _stop) = webhook_app(&db);
    for body in [ADDED_BY_MESSAGE, ADDED_BY_MEMBER_UPDATE, ADDED_BY_MESSAGE, LEFT_BY_MEMBER_UPDATE, KICKED_BY_MESSAGE] {
        let (status, text) = post(&app, Some(SECRET), body).await;
        assert_eq!(status, StatusCode::OK, "{text}");
    }
    // The join arrived three times (twice as a service message, once as chat_member): one event.
    assert_eq!(counts(&db), (1, 0, 3));
    let a = Archive::open_readonly(&db).unwrap();
    let g = &a.groups().unwrap()[0];
    assert_eq!(g.platform_id, "1143029479");
    let t = a.timeline(g.id).unwrap();
    let kinds: Vec<EventKind> = t.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec![EventKind::Join, EventKind::Leave, EventKind::Kick]);
    let who = |ix: u32| t.members[ix as usize].platform_id.clone().unwrap_or_default();
    assert_eq!(who(t.events[0].subjects[0]), "user308645660");
    assert_eq!(t.events[0].actor.map(who).as_deref(), Some("user243692601"));
    assert_eq!(t.events[1].actor, None, "left of its own accord");
    assert_eq!(who(t.events[2].subjects[0]), "user777");
    assert_eq!(t.events[2].actor.map(who).as_deref(), Some("user243692601"));
}

#[tokio::test]
async fn an_unmodelled_update_leaves_a_note_and_one_without_a_chat_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, _stop) = webhook_app(&db);
    // teloxide `update.rs` test `message_reaction_updated`.
    let reaction = r#"{"update_id": 71651249, "message_reaction": {
        "chat": {"id": -1002184233434, "title": "Test", "type": "supergroup"},
        "message_id": 35,
        "user": {"id": 1459074222, "is_bot": false, "first_name": "shadowchain", "username": "shdwchn10", "language_code": "en", "is_premium": true},
        "date": 1721306082, "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "🌭"}]}}"#;
    let inline = r#"{"update_id": 3, "inline_query": {"id": "1", "from": {"id": 1, "is_bot": false, "first_name": "A"}, "query": "", "offset": ""}}"#;
    assert_eq!(post(&app, Some(SECRET), inline).await.0, StatusCode::OK);
    assert_eq!(counts(&db), (0, 0, 0));
    assert_eq!(post(&app, Some(SECRET), reaction).await.0, StatusCode::OK);
    let a = Archive::open_readonly(&db).unwrap();
    let g = &a.groups().unwrap()[0];
    assert_eq!(g.platform_id, "2184233434");
    let notes = a.timeline(g.id).unwrap().group.notes;
    assert!(notes.iter().any(|n| n.contains("message_reaction")), "{notes:?}");
}

#[tokio::test]
async fn a_desktop_export_and_live_updates_are_one_group() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    // The same chat as Telegram Desktop exports it (bare id, per-chat message ids).
    let export = dir.path().join("result.json");
    std::fs::write(
        &export,
        r#"{"name":"teloxide dev","type":"public_supergroup","id":1276785818,"messages":[
            {"id":20224,"type":"message","date":"2020-02-19T17:50:43","date_unixtime":"1582134643",
             "from":"Hirrolot","from_id":"user408258968","text":"Faster than a bullet"}]}"#,
    )
    .unwrap();
    let mut records = Vec::new();
    let format = shequn_ingest::by_name("telegram").unwrap();
    format.parse(&shequn_ingest::Input::new(&export), &shequn_ingest::ParseOptions::default(), &mut records).unwrap();
    let (ctx, _stop) = shequn_live::server::test_context(&db).unwrap();
    ctx.ingest.store("import", Delivery { records, cursor: None }).await.unwrap();
    assert_eq!(counts(&db), (1, 1, 0));

    let app = Arc::new(Telegram::webhook(SECRET.as_bytes().to_vec())).routes(ctx);
    for body in [PINNED_TEXT, PIN, PINNED_EDITED] {
        assert_eq!(post(&app, Some(SECRET), body).await.0, StatusCode::OK);
    }
    assert_eq!(counts(&db), (1, 1, 1), "the live message is the exported one");
    let a = Archive::open_readonly(&db).unwrap();
    let g = &a.groups().unwrap()[0];
    let t = a.timeline(g.id).unwrap();
    assert_eq!(t.messages[0].text, "Faster than a bullet!");
    assert_eq!(t.members.len(), 1, "the sender is the exported member");
}

/// A stand-in for `api.telegram.org`: serves `updates` two at a time from the offset asked
/// for, remembers what was asked, and answers the first call with a 409 when told to.
#[derive(Clone, Default)]
struct Fake {
    updates: Arc<Mutex<Vec<Value>>>,
    asked: Arc<Mutex<Vec<(i64, String)>>>,
    conflict_once: Arc<AtomicBool>,
}

const TOKEN: &str = "110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw";

async fn get_updates(State(f): State<Fake>, Query(q): Query<HashMap<String, String>>) -> axum::response::Response {
    let offset: i64 = q.get("offset").and_then(|o| o.parse().ok()).unwrap_or(-1);
    f.asked.lock().unwrap().push((offset, q.get("allowed_updates").cloned().unwrap_or_default()));
    if f.conflict_once.swap(false, Ordering::SeqCst) {
        // The Bot API's answer while a webhook is set.
        let body = json!({"ok": false, "error_code": 409,
            "description": "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"});
        return (StatusCode::CONFLICT, axum::Json(body)).into_response();
    }
    let page: Vec<Value> = f
        .updates
        .lock()
        .unwrap()
        .iter()
        .filter(|u| u["update_id"].as_i64().unwrap() >= offset)
        .take(2)
        .cloned()
        .collect();
    if page.is_empty() {
        // A long poll with nothing new, shortened.
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
    axum::Json(json!({"ok": true, "result": page})).into_response()
}

async fn serve(fake: Fake) -> String {
    let app = Router::new().route(&format!("/bot{TOKEN}/getUpdates"), axum::routing::get(get_updates)).with_state(fake);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn update(id: i64, message_id: i64, text: &str) -> Value {
    json!({"update_id": id, "message": {
        "message_id": message_id, "date": 1582134643 + message_id,
        "chat": {"id": -1001276785818i64, "title": "teloxide dev", "type": "supergroup", "username": "teloxide_dev"},
        "from": {"first_name": "Hirrolot", "id": 408258968, "is_bot": false, "username": "hirrolot"},
        "text": text}})
}

/// Runs the pull loop until the stand-in has been asked for `until`, then stops it.
async fn run_until(db: &Path, base: &str, fake: &Fake, until: i64) {
    let (ctx, stop) = shequn_live::server::test_context(db).unwrap();
    let source = Arc::new(Telegram::poll(TOKEN.to_string(), base, 1));
    let task = tokio::spawn(source.pull(ctx).expect("poll mode pulls"));
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while !fake.asked.lock().unwrap().iter().any(|(o, _)| *o == until) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "never asked for offset {until}: {:?}",
            fake.asked.lock().unwrap()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    stop.send(true).unwrap();
    let ended = tokio::time::timeout(Duration::from_secs(5), task).await.expect("the loop stops on shutdown");
    ended.unwrap().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_resumes_from_the_stored_offset_and_stores_nothing_twice() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let fake = Fake::default();
    let join: Value = serde_json::from_str(ADDED_BY_MEMBER_UPDATE).unwrap();
    let mut join = join;
    join["update_id"] = json!(501);
    *fake.updates.lock().unwrap() = vec![update(500, 20224, "one"), join, update(502, 20226, "two")];
    fake.conflict_once.store(true, Ordering::SeqCst);
    let base = serve(fake.clone()).await;

    run_until(&db, &base, &fake, 503).await;
    let asked: Vec<i64> = fake.asked.lock().unwrap().iter().map(|(o, _)| *o).collect();
    // 0 refused (409), 0 again after the back-off, then past each stored page.
    assert_eq!(&asked[..4], &[0, 0, 502, 503], "{asked:?}");
    let allowed = fake.asked.lock().unwrap()[0].1.clone();
    assert!(allowed.contains("\"chat_member\"") && allowed.contains("\"message\""), "{allowed}");
    // Two messages in one group, one join in another.
    assert_eq!(counts(&db), (2, 2, 1));
    let cursor = Archive::open_readonly(&db).unwrap().cursor("telegram").unwrap();
    assert_eq!(cursor.as_deref(), Some("503"));

    // Started again on the same archive: it asks from 503 and stores only what is new.
    fake.asked.lock().unwrap().clear();
    fake.updates.lock().unwrap().push(update(503, 20227, "three"));
    run_until(&db, &base, &fake, 504).await;
    let asked: Vec<i64> = fake.asked.lock().unwrap().iter().map(|(o, _)| *o).collect();
    assert_eq!(asked[0], 503, "{asked:?}");
    assert_eq!(counts(&db), (2, 3, 1));
}
