//! The service as assembled: a slow disk never makes a platform wait past its timeout (503
//! with Retry-After within `ack_wait_ms`, the retry stored once), pull-only sources beside
//! push ones, and one message from two sources (a bridge) stored once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use shequn_archive::Archive;
use shequn_live::server::Service;
use shequn_live::sources::webhook::{sign, Webhook};
use shequn_live::{LiveConfig, Source};
use tower::ServiceExt;

fn signed(body: &str) -> Request<Body> {
    let ts = chrono::Utc::now().timestamp().to_string();
    let sig = sign(b"k", &ts, body.as_bytes());
    Request::post("/webhook")
        .header("x-shequn-timestamp", ts)
        .header("x-shequn-signature", format!("v1={sig}"))
        .body(Body::from(body.to_string()))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_archive_gives_503_in_time_and_the_retry_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let config = LiveConfig::from_toml("[limits]\nack_wait_ms = 300\nqueue = 2\n").unwrap();
    let sources: Vec<Arc<dyn Source>> = vec![Arc::new(Webhook::new(b"k".to_vec(), 300))];
    let service = Service::with_sources(&config, &db, sources).unwrap();
    let app = service.router();
    let body = r#"{"group":"g","time":"2024-03-01T20:00:00+08:00","sender":"Ann","text":"hi","id":"1"}"#;

    // Another process's import holds the write lock (a slow disk looks the same from here).
    let (hold, release) = std::sync::mpsc::channel::<()>();
    let db2 = db.clone();
    let holder = std::thread::spawn(move || {
        let mut other = Archive::open(&db2).unwrap();
        let tx = other.begin_file().unwrap();
        hold.send(()).unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        drop(tx);
    });
    release.recv().unwrap();
    let started = Instant::now();
    let r = app.clone().oneshot(signed(body)).await.unwrap();
    let waited = started.elapsed();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));
    assert!(waited < Duration::from_millis(1400), "answered while the archive was still held: {waited:?}");
    holder.join().unwrap();

    // The platform retries: stored once, even though the first attempt is written too
    // once the lock is gone (it was queued).
    let mut ok = false;
    for _ in 0..50 {
        if app.clone().oneshot(signed(body)).await.unwrap().status() == StatusCode::OK {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ok, "the retry is stored once the archive is free");
    let counts = Archive::open_readonly(&db).unwrap().counts().unwrap();
    assert_eq!(counts.1, 1, "one message, whatever the attempts");
}

/// A source with no routes (Telegram in poll mode, Matrix) beside one with routes: the
/// service still assembles.
#[test]
fn pull_only_sources_need_no_routes() {
    struct PullOnly;
    impl Source for PullOnly {
        fn name(&self) -> &'static str {
            "pull-only"
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let sources: Vec<Arc<dyn Source>> = vec![Arc::new(PullOnly), Arc::new(Webhook::new(b"k".to_vec(), 300))];
    let service = Service::with_sources(&LiveConfig::default(), &dir.path().join("a.db"), sources).unwrap();
    assert!(service.router().has_routes());
}

/// A bridge delivers what the platform delivers too: the same Telegram supergroup message
/// from the Telegram webhook (teloxide's documented update) and from a bridge posting shequn
/// JSON Lines with the same chat and message id is stored once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_message_from_two_sources_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let sources: Vec<Arc<dyn Source>> = vec![
        Arc::new(shequn_live::sources::telegram::Telegram::webhook(b"tg-secret".to_vec())),
        Arc::new(Webhook::new(b"k".to_vec(), 300)),
    ];
    let service = Service::with_sources(&LiveConfig::default(), &db, sources).unwrap();
    let app = service.router();
    let update = r#"{"update_id": 845402290, "message": {
        "chat": {"id": -1001276785818, "title": "teloxide dev", "type": "supergroup", "username": "teloxide_dev"},
        "date": 1582134643,
        "from": {"first_name": "Hirrolot", "id": 408258968, "is_bot": false, "username": "hirrolot"},
        "message_id": 20224, "text": "Faster than a bullet"}}"#;
    let r = Request::post("/telegram")
        .header("x-telegram-bot-api-secret-token", "tg-secret")
        .header("content-type", "application/json")
        .body(Body::from(update))
        .unwrap();
    assert_eq!(app.clone().oneshot(r).await.unwrap().status(), StatusCode::OK);
    // The bridge's copy: the export's bare chat id, the same message id, the same instant.
    let bridged = r#"{"platform":"telegram","group":"1276785818","group_name":"teloxide dev","time":"2020-02-19T17:50:43Z","sender":"Hirrolot","sender_id":"user408258968","text":"Faster than a bullet","id":"20224"}"#;
    assert_eq!(app.clone().oneshot(signed(bridged)).await.unwrap().status(), StatusCode::OK);
    let a = Archive::open_readonly(&db).unwrap();
    assert_eq!(a.counts().unwrap(), (1, 1, 0), "one group, one message, whichever source said it");
}
