//! Alert delivery over real HTTP: the Telegram, OneBot and WeCom chat targets speak each
//! platform's API (checked by local stand-ins for those APIs), a target that hangs and one
//! that answers 500 never hold up ingestion and give up with the alert still open, and the
//! server-sent event stream carries each stored change to a real HTTP client.

use std::io::{BufRead, BufReader};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use shequn_engine::AnalysisConfig;
use shequn_live::alerting::{self, Alerting};
use shequn_live::dashboard::Dashboard;
use shequn_live::server::Service;
use shequn_live::{Delivery, LiveConfig};
use shequn_model::{EventKind, GroupInfo, GroupKind, Message, Person, Platform, Record, Stamp, SystemEvent};

const MIN: i64 = 60_000;

fn now() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

fn group(id: &str) -> Record {
    Record::Group(GroupInfo {
        platform: Platform::Generic,
        platform_id: id.into(),
        name: "读书会".into(),
        kind: GroupKind::Group,
        member_count: None,
    })
}

fn msg(id: &str, at: i64, who: &str, text: &str) -> Record {
    Record::Message {
        group: 0,
        message: Message {
            id: Some(id.into()),
            time: Stamp::from_unix_ms(at),
            sender: Person::with_id(who.to_lowercase(), who),
            text: text.into(),
            ..Message::default()
        },
    }
}

/// Regulars an hour ago; Ann joins and greets so that her 10-minute wait ends in `in_ms`.
fn greeting(g: &str, in_ms: i64) -> Vec<Record> {
    let t = now();
    let mut e = SystemEvent::new(Stamp::from_unix_ms(t - 11 * MIN), EventKind::Join, "Ann joined".to_string());
    e.subjects.push(Person::with_id("ann", "Ann"));
    vec![
        group(g),
        msg("1", t - 70 * MIN, "Bob", "morning all, the meetup moved to Friday"),
        msg("2", t - 69 * MIN, "Cid", "thanks Bob, noted"),
        Record::Event { group: 0, event: e },
        msg("3", t - 10 * MIN + in_ms, "Ann", "大家好，我是新来的，请多关照"),
    ]
}

/// Every request a stand-in API got: (path, headers, body or query).
type Seen = Arc<Mutex<Vec<(String, HeaderMap, Value)>>>;

async fn serve(app: Router) -> String {
    serve_stoppable(app).await.0
}

/// Serves `app` until the handle is aborted.
async fn serve_stoppable(app: Router) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), task)
}

/// Stand-ins for a OneBot implementation's HTTP API and WeCom's API. WeCom's
/// first send answers "access token expired" (42001), as it does after two hours.
async fn platforms(seen: Seen) -> String {
    let (s2, s3, s4) = (seen.clone(), seen.clone(), seen.clone());
    let sends = Arc::new(Mutex::new(0));
    let app = Router::new()
        .route(
            "/onebot/{action}",
            post(move |Path(a): Path<String>, h: HeaderMap, Json(b): Json<Value>| async move {
                s2.lock().unwrap().push((format!("onebot {a}"), h, b));
                Json(json!({"status": "ok", "retcode": 0, "data": {"message_id": 7}}))
            }),
        )
        .route(
            "/wecom/cgi-bin/gettoken",
            get(move |Query(q): Query<std::collections::HashMap<String, String>>, h: HeaderMap| async move {
                s3.lock().unwrap().push(("wecom gettoken".into(), h, json!(q)));
                let n = s3.lock().unwrap().iter().filter(|x| x.0 == "wecom gettoken").count();
                Json(json!({"errcode": 0, "access_token": format!("AT{n}"), "expires_in": 7200}))
            }),
        )
        .route(
            "/wecom/cgi-bin/message/send",
            post(
                move |Query(q): Query<std::collections::HashMap<String, String>>,
                      h: HeaderMap,
                      Json(b): Json<Value>| {
                    let sends = sends.clone();
                    async move {
                        let n = {
                            let mut n = sends.lock().unwrap();
                            *n += 1;
                            *n
                        };
                        s4.lock().unwrap().push((format!("wecom send {}", q["access_token"]), h, b));
                        if n == 1 {
                            Json(json!({"errcode": 42001, "errmsg": "access_token expired"}))
                        } else {
                            Json(json!({"errcode": 0, "errmsg": "ok"}))
                        }
                    }
                },
            ),
        );
    serve(app).await
}

struct Running {
    service: Service,
    task: tokio::task::JoinHandle<()>,
}

impl Running {
    fn start(db: &std::path::Path, config: &LiveConfig) -> Running {
        let service = Service::with_sources(config, db, Vec::new()).unwrap();
        let analysis = AnalysisConfig::default();
        let outbound = config.outbound.build().unwrap();
        let mut a = Alerting::with_secret(
            &config.alerts,
            analysis.replies.clone(),
            analysis.responsiveness.clone(),
            Some(b"s".to_vec()),
        )
        .with_delivery(&config.deliver, &outbound);
        a.first_retry = Duration::from_millis(100);
        let task = service.spawn_alerting(&a);
        Running { service, task }
    }

    async fn stop(self) {
        let _ = self.service.shutdown.send(true);
        let _ = self.task.await;
        let Service { ingest, writer, .. } = self.service;
        drop(ingest);
        let _ = tokio::task::spawn_blocking(move || writer.join()).await;
    }
}

async fn wait_until(secs: u64, what: &str, mut ok: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !ok() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chat_targets_speak_onebot_and_wecom() {
    let seen: Seen = Arc::default();
    let base = platforms(seen.clone()).await;
    std::env::set_var("SHEQUN_TEST_DELIVER_ONEBOT", "ob-token");
    std::env::set_var("SHEQUN_TEST_DELIVER_WECOM", "wecom-secret");
    let config = LiveConfig::from_toml(&format!(
        r#"
[alerts]
question_wait_min = 0
[alerts.deliver]
dashboard_url = "http://ops.example/alerts"
[alerts.deliver.onebot]
group_id = 5566
platforms = ["generic"]
[alerts.deliver.wecom]
to_user = "@all"
platforms = ["generic"]
[outbound.onebot]
api_url = "{base}/onebot"
access_token_env = "SHEQUN_TEST_DELIVER_ONEBOT"
[outbound.wecom]
corp_id = "ww42"
corp_secret_env = "SHEQUN_TEST_DELIVER_WECOM"
agent_id = 1000002
base_url = "{base}/wecom"
"#
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let live = Running::start(&db, &config);
    live.service.ingest.store("webhook", Delivery { records: greeting("g1", 1_500), cursor: None }).await.unwrap();

    wait_until(15, "OneBot and WeCom messages", || {
        let s = seen.lock().unwrap();
        s.iter().any(|x| x.0 == "onebot send_group_msg") && s.iter().any(|x| x.0 == "wecom send AT2")
    })
    .await;
    let s = seen.lock().unwrap().clone();
    let ob = s.iter().find(|x| x.0 == "onebot send_group_msg").unwrap();
    assert_eq!(ob.1.get("authorization").unwrap(), "Bearer ob-token");
    assert_eq!(ob.2["group_id"], 5566, "a number, as OneBot wants it");
    let text = ob.2["message"].as_str().unwrap();
    assert!(text.contains("「读书会」新人 Ann 的第一条发言 10 分钟无人回应"), "{text}");
    assert!(text.contains("读书会: newcomer Ann's first message has had no answer for 10 min"), "{text}");
    assert!(text.contains("): 大家好，我是新来的，请多关照"), "the quote: {text}");
    assert!(text.ends_with("http://ops.example/alerts"), "{text}");
    // WeCom: a token, a send refused as expired, a new token, the send again.
    let wecom: Vec<&str> = s.iter().filter(|x| x.0.starts_with("wecom")).map(|x| x.0.as_str()).collect();
    assert_eq!(wecom, ["wecom gettoken", "wecom send AT1", "wecom gettoken", "wecom send AT2"]);
    let gettoken = s.iter().find(|x| x.0 == "wecom gettoken").unwrap();
    assert_eq!(
        (gettoken.2["corpid"].as_str(), gettoken.2["corpsecret"].as_str()),
        (Some("ww42"), Some("wecom-secret"))
    );
    let sent = s.iter().find(|x| x.0 == "wecom send AT2").unwrap();
    assert_eq!((sent.2["touser"].as_str(), sent.2["agentid"].as_i64()), (Some("@all"), Some(1000002)));
    assert!(sent.2["text"]["content"].as_str().unwrap().contains("新人 Ann"));
    live.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn telegram_send_message_goes_to_the_bot_api_path_with_the_chat_id_as_a_number() {
    let seen: Seen = Arc::default();
    let s = seen.clone();
    let app = Router::new().route(
        "/{bot}/{method}",
        post(move |Path((bot, m)): Path<(String, String)>, h: HeaderMap, Json(b): Json<Value>| async move {
            s.lock().unwrap().push((format!("{bot} {m}"), h, b));
            Json(json!({"ok": true, "result": {"message_id": 1}}))
        }),
    );
    let base = serve(app).await;
    std::env::set_var("SHEQUN_TEST_DELIVER_TG2", "123:ABC");
    let config = LiveConfig::from_toml(&format!(
        "[alerts]\nquestion_wait_min = 0\n[alerts.deliver.telegram]\nchat_id = -1001234\nplatforms = [\"generic\"]\n\
         [telegram]\nmode = \"poll\"\nbot_token_env = \"SHEQUN_TEST_DELIVER_TG2\"\nbase_url = \"{base}\"\n"
    ))
    .unwrap();
    // No [outbound.telegram]: the [telegram] source's token and base are used.
    assert_eq!(config.outbound.telegram.as_ref().unwrap().bot_token_env, "SHEQUN_TEST_DELIVER_TG2");
    let dir = tempfile::tempdir().unwrap();
    let live = Running::start(&dir.path().join("a.db"), &config);
    live.service.ingest.store("webhook", Delivery { records: greeting("g1", 1_500), cursor: None }).await.unwrap();
    wait_until(15, "sendMessage", || !seen.lock().unwrap().is_empty()).await;
    let s = seen.lock().unwrap().clone();
    assert_eq!(s[0].0, "bot123:ABC sendMessage");
    assert_eq!(s[0].2["chat_id"], -1001234);
    assert!(s[0].2["text"].as_str().unwrap().starts_with("⚠️ 告警 · Alert [newcomer]\n「读书会」新人 Ann"));
    live.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hanging_target_and_a_failing_one_never_hold_up_ingestion_and_give_up_with_the_alert_open() {
    // One stand-in hangs for 30 s on every call; the webhook answers 500.
    let calls = Arc::new(Mutex::new(Vec::<(String, Instant)>::new()));
    let (c1, c2) = (calls.clone(), calls.clone());
    let app = Router::new()
        .route(
            "/onebot/{action}",
            post(move |Path(a): Path<String>| async move {
                c1.lock().unwrap().push((a, Instant::now()));
                tokio::time::sleep(Duration::from_secs(30)).await;
                Json(json!({"status": "ok", "retcode": 0}))
            }),
        )
        .route(
            "/hook",
            post(move || async move {
                c2.lock().unwrap().push(("hook".into(), Instant::now()));
                StatusCode::INTERNAL_SERVER_ERROR
            }),
        );
    let base = serve(app).await;
    let config = LiveConfig::from_toml(&format!(
        "[alerts]\nquestion_wait_min = 0\nwebhook_url = \"{base}/hook\"\nwebhook_secret_env = \"UNUSED\"\nwebhook_attempts = 3\n\
         [alerts.deliver]\nattempts = 2\n[alerts.deliver.onebot]\nuser_id = 10001\nplatforms = [\"generic\"]\n\
         [outbound]\ntimeout_s = 1\n[outbound.onebot]\napi_url = \"{base}/onebot\"\n"
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let live = Running::start(&db, &config);
    let t0 = Instant::now();
    live.service.ingest.store("webhook", Delivery { records: greeting("g1", 1_000), cursor: None }).await.unwrap();

    // While both targets fail, ingestion goes on at full speed.
    wait_until(10, "the first delivery attempts", || calls.lock().unwrap().len() >= 2).await;
    let mut slowest = Duration::ZERO;
    for i in 0..300 {
        let r = vec![group("g2"), msg(&format!("x{i}"), now(), "Bob", "still talking")];
        let t = Instant::now();
        live.service.ingest.store("webhook", Delivery { records: r, cursor: None }).await.unwrap();
        slowest = slowest.max(t.elapsed());
    }
    assert!(slowest < Duration::from_secs(1), "a store waited {slowest:?} behind a failing target");

    // Both give up after their attempts: OneBot 2 × 1 s timeouts, the webhook 3 × 500.
    wait_until(20, "every attempt", || {
        let c = calls.lock().unwrap();
        c.iter().filter(|x| x.0 == "send_private_msg").count() == 2 && c.iter().filter(|x| x.0 == "hook").count() == 3
    })
    .await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    let c = calls.lock().unwrap().clone();
    assert_eq!(c.iter().filter(|x| x.0 == "send_private_msg").count(), 2, "given up, not retried forever");
    assert_eq!(c.iter().filter(|x| x.0 == "hook").count(), 3);
    assert!(t0.elapsed() < Duration::from_secs(15), "bounded: {:?}", t0.elapsed());
    let a = shequn_archive::Archive::open_readonly(&db).unwrap();
    assert_eq!(a.alert("generic:g1:newcomer:m:3").unwrap().unwrap().state, "open", "still open on the API");
    live.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_event_stream_carries_each_stored_change_to_a_real_client() {
    let config = LiveConfig::from_toml("[alerts]\nquestion_wait_min = 0\n").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let live = Running::start(&db, &config);
    let dashboard = Dashboard::new(
        AnalysisConfig::default(),
        shequn_live::access::Access::new(Some("tok".into()), Vec::new()),
        3_600_000,
    );
    let app = alerting::router(&live.service.ingest, dashboard.clone()).merge(shequn_live::alert_page::router(
        &live.service.ingest,
        dashboard,
        live.service.shutdown.subscribe(),
    ));
    let (base, server) = serve_stoppable(app).await;

    // The page: a shell with its CSP; the stream: behind the token.
    let b = base.clone();
    let (page_csp, page, refused) = tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        let mut r = agent.get(&format!("{b}/alerts")).call().unwrap();
        let csp = r.headers().get("content-security-policy").unwrap().to_str().unwrap().to_string();
        let page = r.body_mut().read_to_string().unwrap();
        let refused = agent.get(&format!("{b}/api/alerts/stream")).call().unwrap().status().as_u16();
        (csp, page, refused)
    })
    .await
    .unwrap();
    assert!(page_csp.contains("connect-src 'self'") && page_csp.contains("script-src 'sha256-"), "{page_csp}");
    assert!(page.contains("<span lang=\"zh\">告警</span><span lang=\"en\">Alerts</span>"));
    assert_eq!(refused, 401);

    // A reader on its own thread, with ureq, collects (event, data) pairs.
    let events = Arc::new(Mutex::new(Vec::<(String, Value)>::new()));
    let (ev, b) = (events.clone(), base.clone());
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder().build().into();
        let r = agent.get(&format!("{b}/api/alerts/stream")).header("authorization", "Bearer tok").call().unwrap();
        let ct = r.headers().get("content-type").unwrap().to_str().unwrap().to_string();
        ready_tx.send(ct).unwrap();
        let mut name = String::new();
        for line in BufReader::new(r.into_body().into_reader()).lines() {
            let Ok(line) = line else { break };
            if let Some(n) = line.strip_prefix("event:") {
                name = n.trim().to_string();
            } else if let Some(d) = line.strip_prefix("data:") {
                ev.lock().unwrap().push((name.clone(), serde_json::from_str(d.trim()).unwrap_or(Value::Null)));
            }
        }
    });
    let ct =
        tokio::task::spawn_blocking(move || ready_rx.recv_timeout(Duration::from_secs(10)).unwrap()).await.unwrap();
    assert_eq!(ct, "text/event-stream");

    live.service.ingest.store("webhook", Delivery { records: greeting("g1", 500), cursor: None }).await.unwrap();
    wait_until(10, "the opened alert on the stream", || !events.lock().unwrap().is_empty()).await;
    {
        let e = events.lock().unwrap();
        assert_eq!(e[0].0, "alert");
        assert_eq!((e[0].1["key"].as_str(), e[0].1["state"].as_str()), (Some("generic:g1:newcomer:m:3"), Some("open")));
        assert_eq!(e[0].1["message"]["text"], "大家好，我是新来的，请多关照");
    }
    // An acknowledgement is a change too.
    let b = base.clone();
    let status = tokio::task::spawn_blocking(move || {
        let agent: ureq::Agent = ureq::Agent::config_builder().http_status_as_error(false).build().into();
        agent
            .post(&format!("{b}/api/alerts/generic:g1:newcomer:m:3/ack"))
            .header("authorization", "Bearer tok")
            .send_empty()
            .unwrap()
            .status()
            .as_u16()
    })
    .await
    .unwrap();
    assert_eq!(status, 200);
    wait_until(10, "the acknowledgement on the stream", || events.lock().unwrap().len() == 2).await;
    assert_eq!(events.lock().unwrap()[1].1["state"], "acknowledged");
    // Stopping ends the stream (a listening browser must not hold a graceful stop open).
    let _ = live.service.shutdown.send(true);
    wait_until(10, "the stream's goodbye", || events.lock().unwrap().len() == 3).await;
    assert_eq!(events.lock().unwrap()[2].0, "bye");
    server.abort();
    let _ = server.await;
    live.stop().await;
}
