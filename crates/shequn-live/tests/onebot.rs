//! The OneBot 11 source over HTTP POST and a real reverse WebSocket, into a real archive.
//! Payloads are the documented shapes (botuniverse/onebot-11 event/message.md, notice.md,
//! meta.md, communication/http-post.md) and NapCat's as it sends them (group messages with
//! `message_format: array`, images with `summary`/`sub_type`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use futures_util::{SinkExt, StreamExt};
use http_body_util::BodyExt;
use shequn_archive::Archive;
use shequn_live::server::test_context;
use shequn_live::sources::onebot::{sign, OneBot};
use shequn_live::Source;
use shequn_model::{EventKind, MemberRole, MessageKind, Platform, Timeline};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tower::ServiceExt;

const SECRET: &[u8] = b"onebot-secret";
const TOKEN: &str = "kSLuTF2GC2Q4q4ugm3";

/// NapCat group message, plain text (sender is an admin, card empty: the nickname shows).
const TEXT: &str = r#"{"self_id":3892215616,"user_id":5079132,"time":1747107314,"message_id":2096329721,"message_seq":2096329721,
  "real_id":2096329721,"real_seq":"20471","message_type":"group","sender":{"user_id":5079132,"nickname":"东风寄千愁","card":"","role":"admin"},
  "raw_message":"test","font":14,"sub_type":"normal","message":[{"type":"text","data":{"text":"test"}}],"message_format":"array",
  "post_type":"message","group_id":757951413}"#;

/// NapCat group message replying to TEXT, with @all, an @member, an image and a sticker.
const MIXED: &str = r#"{"self_id":3892215616,"user_id":5079132,"time":1747107572,"message_id":361878627,"message_seq":361878627,
  "real_id":361878627,"real_seq":"20472","message_type":"group","sender":{"user_id":5079132,"nickname":"东风寄千愁","card":"","role":"admin"},
  "raw_message":"[CQ:reply,id=2096329721][CQ:at,qq=all] test message[CQ:at,qq=1090558688][CQ:image,file=E8C195761CEDA1D66763414CB8EE494E.png,sub_type=0]","font":14,"sub_type":"normal",
  "message":[{"type":"reply","data":{"id":"2096329721"}},{"type":"at","data":{"qq":"all"}},{"type":"text","data":{"text":" test message"}},
    {"type":"at","data":{"qq":"1090558688"}},
    {"type":"image","data":{"summary":"","file":"E8C195761CEDA1D66763414CB8EE494E.png","sub_type":0,"url":"https://multimedia.nt.qq.com.cn/download?appid=1407","file_size":"9299"}},
    {"type":"image","data":{"summary":"[动画表情]","file":"5B0370E3C9EA52C6A1104EC94EF92022.jpg","sub_type":1,"url":"https://multimedia.nt.qq.com.cn/download?appid=1407","file_size":"155336"}}],
  "message_format":"array","post_type":"message","group_id":757951413}"#;

/// A group message in the string (CQ code) form, from a member with a group card: only an image.
const CQ_IMAGE: &str = r#"{"time":1747107600,"self_id":3892215616,"post_type":"message","message_type":"group","sub_type":"normal",
  "message_id":1001,"group_id":757951413,"user_id":1090558688,"anonymous":null,
  "message":"[CQ:image,file=http://baidu.com/1.jpg]","raw_message":"[CQ:image,file=http://baidu.com/1.jpg]","font":456,
  "sender":{"user_id":1090558688,"nickname":"小不点","card":"群名片","sex":"male","age":18,"area":"","level":"1","role":"owner","title":"头衔"}}"#;

fn notice(fields: &str) -> String {
    format!(r#"{{"time":1747108000,"self_id":3892215616,"post_type":"notice",{fields}}}"#)
}

fn post(body: &str, sig: Option<String>) -> Request<Body> {
    let mut r = Request::post("/onebot").header("content-type", "application/json").header("x-self-id", "3892215616");
    if let Some(sig) = sig {
        r = r.header("x-signature", sig);
    }
    r.body(Body::from(body.to_string())).unwrap()
}

fn signed(body: &str) -> Request<Body> {
    post(body, Some(format!("sha1={}", sign(SECRET, body.as_bytes()))))
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, String) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn source() -> Arc<OneBot> {
    Arc::new(OneBot::new(Some(SECRET.to_vec()), Some(TOKEN.to_string())))
}

fn app(db: &Path) -> (Router, tokio::sync::watch::Sender<bool>) {
    let (ctx, stop) = test_context(db).unwrap();
    (source().routes(ctx), stop)
}

fn counts(db: &Path) -> (u64, u64, u64) {
    Archive::open_readonly(db).unwrap().counts().unwrap()
}

fn only_timeline(db: &Path) -> Timeline {
    let a = Archive::open_readonly(db).unwrap();
    let groups = a.groups().unwrap();
    assert_eq!(groups.len(), 1, "{groups:?}");
    a.timeline(groups[0].id).unwrap()
}

#[tokio::test]
async fn signed_group_messages_are_stored_with_qq_ids() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, _stop) = app(&db);
    for body in [TEXT, MIXED, CQ_IMAGE] {
        let (status, text) = send(&app, signed(body)).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
    }
    assert_eq!(counts(&db), (1, 3, 0));
    let t = only_timeline(&db);
    assert_eq!((t.group.platform, t.group.platform_id.as_str()), (Platform::Qq, "757951413"));
    assert_eq!(t.group.name, "757951413", "a new group without a name is named by its number");
    assert_eq!(t.group.utc_offset_s, 8 * 3600);
    assert!(!t.group.zone_inferred);
    let first = &t.messages[0];
    assert_eq!((first.time_ms, first.text.as_str()), (1_747_107_314_000, "test"));
    let admin = t.sender(first);
    assert_eq!((admin.platform_id.as_deref(), admin.name.as_str()), (Some("5079132"), "东风寄千愁"));
    assert_eq!(admin.role, Some(MemberRole::Admin));
    let mixed = &t.messages[1];
    assert_eq!(mixed.text, "@全体成员 test message@1090558688[图片][动画表情]");
    assert_eq!(mixed.kind, MessageKind::Text);
    assert_eq!(mixed.reply_to, Some(0), "the reply segment links to the first message");
    assert!(mixed.mentions_everyone);
    assert_eq!(mixed.mentions.len(), 1);
    let image = &t.messages[2];
    assert_eq!((image.text.as_str(), image.kind), ("[图片]", MessageKind::Image));
    // The member @-mentioned before speaking is the same member once they speak, named by card.
    assert_eq!(image.sender, mixed.mentions[0]);
    let owner = t.sender(image);
    assert_eq!(
        (owner.name.as_str(), owner.role, owner.title.as_deref()),
        ("群名片", Some(MemberRole::Owner), Some("头衔"))
    );
}

#[tokio::test]
async fn unsigned_or_forged_posts_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, _stop) = app(&db);
    let forged = format!("sha1={}", sign(b"not the secret", TEXT.as_bytes()));
    let other_body = format!("sha1={}", sign(SECRET, MIXED.as_bytes()));
    for req in [post(TEXT, None), post(TEXT, Some(forged)), post(TEXT, Some(other_body))] {
        let (status, text) = send(&app, req).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{text}");
    }
    assert_eq!(counts(&db), (0, 0, 0));
    let (status, _) = send(&app, signed(TEXT)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(counts(&db), (1, 1, 0));
}

#[tokio::test]
async fn without_a_secret_posts_are_not_checked() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (ctx, _stop) = test_context(&db).unwrap();
    let app = Arc::new(OneBot::new(None, None)).routes(ctx);
    let (status, text) = send(&app, post(TEXT, None)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
    assert_eq!(counts(&db), (1, 1, 0));
}

#[tokio::test]
async fn malformed_events_are_400_naming_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, _stop) = app(&db);
    let no_group = TEXT.replace(r#","group_id":757951413"#, "");
    let no_id = TEXT.replace(r#""message_id":2096329721,"#, "");
    let cases = [
        ("{\"post_type\":", "JSON"),
        (r#"{"time":1747107314,"self_id":1}"#, "post_type"),
        (no_group.as_str(), "group_id"),
        (no_id.as_str(), "message_id"),
        (
            &notice(r#""notice_type":"group_recall","group_id":757951413,"user_id":5079132,"operator_id":5079132"#),
            "message_id",
        ),
    ];
    for (body, field) in cases {
        let (status, text) = send(&app, signed(body)).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {text}");
        assert!(text.contains(field), "{body}: {text} should name {field}");
    }
    assert_eq!(counts(&db), (0, 0, 0));
}

#[tokio::test]
async fn notices_become_events_and_meta_events_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, _stop) = app(&db);
    let heartbeat = r#"{"time":1746673666,"self_id":3892215616,"post_type":"meta_event","meta_event_type":"heartbeat","status":{"online":true,"good":true},"interval":30000}"#;
    let lifecycle = r#"{"time":1515204254,"self_id":10001000,"post_type":"meta_event","meta_event_type":"lifecycle","sub_type":"enable"}"#;
    // http-post.md's own example: a private message, which is not kept.
    let private = r#"{"time":1515204254,"self_id":10001000,"post_type":"message","message_type":"private","sub_type":"friend","message_id":12,"user_id":12345678,"message":"你好～","raw_message":"你好～","font":456,"sender":{"nickname":"小不点","sex":"male","age":18}}"#;
    for body in [heartbeat, lifecycle, private] {
        let (status, text) = send(&app, signed(body)).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
    }
    assert_eq!(counts(&db), (0, 0, 0));

    let events = [
        TEXT.to_string(),
        notice(
            r#""notice_type":"group_increase","sub_type":"invite","group_id":757951413,"operator_id":5079132,"user_id":20001"#,
        ),
        notice(
            r#""notice_type":"group_increase","sub_type":"approve","group_id":757951413,"operator_id":0,"user_id":20002"#,
        ),
        notice(
            r#""notice_type":"group_decrease","sub_type":"leave","group_id":757951413,"operator_id":20002,"user_id":20002"#,
        ),
        notice(
            r#""notice_type":"group_decrease","sub_type":"kick","group_id":757951413,"operator_id":5079132,"user_id":20001"#,
        ),
        notice(
            r#""notice_type":"group_recall","group_id":757951413,"user_id":5079132,"operator_id":5079132,"message_id":2096329721"#,
        ),
        notice(r#""notice_type":"notify","sub_type":"poke","group_id":757951413,"user_id":20002,"target_id":5079132"#),
        notice(
            r#""notice_type":"group_ban","sub_type":"ban","group_id":757951413,"operator_id":5079132,"user_id":20001,"duration":600"#,
        ),
        notice(r#""notice_type":"friend_recall","user_id":5079132,"message_id":12"#),
    ];
    for body in &events {
        let (status, text) = send(&app, signed(body)).await;
        assert_eq!(status, StatusCode::NO_CONTENT, "{body}: {text}");
    }
    assert_eq!(counts(&db), (1, 1, 6));
    let t = only_timeline(&db);
    let member = |ix: u32| t.member(ix).platform_id.clone().unwrap();
    let find = |kind: EventKind| t.events.iter().filter(move |e| e.kind == kind).collect::<Vec<_>>();
    let joins = find(EventKind::Join);
    assert_eq!(joins.len(), 2);
    let invited = joins.iter().find(|e| member(e.subjects[0]) == "20001").unwrap();
    assert_eq!(invited.actor.map(member).as_deref(), Some("5079132"));
    assert_eq!(invited.detail.as_deref(), Some("invite"));
    let approved = joins.iter().find(|e| member(e.subjects[0]) == "20002").unwrap();
    assert_eq!(approved.actor, None, "operator 0 is nobody");
    let leave = &find(EventKind::Leave)[0];
    assert_eq!((member(leave.subjects[0]), leave.actor), ("20002".to_string(), None));
    let kick = &find(EventKind::Kick)[0];
    assert_eq!((member(kick.subjects[0]), kick.actor.map(member)), ("20001".to_string(), Some("5079132".to_string())));
    let recall = &find(EventKind::Recall)[0];
    assert_eq!(recall.target, Some(0), "the recall names the stored message");
    assert_eq!(recall.actor.map(member).as_deref(), Some("5079132"));
    let pat = &find(EventKind::Pat)[0];
    assert_eq!((pat.actor.map(member), member(pat.subjects[0])), (Some("20002".to_string()), "5079132".to_string()));
    assert_eq!(t.group.notes.len(), 1, "{:?}", t.group.notes);
    assert!(t.group.notes[0].contains("group_ban"), "{:?}", t.group.notes);
}

#[tokio::test]
async fn a_repeated_event_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, _stop) = app(&db);
    let join = notice(
        r#""notice_type":"group_increase","sub_type":"approve","group_id":757951413,"operator_id":0,"user_id":20002"#,
    );
    let recall = notice(
        r#""notice_type":"group_recall","group_id":757951413,"user_id":5079132,"operator_id":5079132,"message_id":2096329721"#,
    );
    for _ in 0..2 {
        for body in [TEXT, join.as_str(), recall.as_str()] {
            let (status, text) = send(&app, signed(body)).await;
            assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
        }
    }
    assert_eq!(counts(&db), (1, 1, 2));
}

/// Polls until the archive holds `want` (group, message, event) counts, or five seconds pass.
async fn wait_for(db: &Path, want: (u64, u64, u64)) -> (u64, u64, u64) {
    let mut got = (0, 0, 0);
    for _ in 0..100 {
        if db.exists() {
            got = counts(db);
            if got == want {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    got
}

#[tokio::test]
async fn reverse_websocket_checks_the_token_then_stores_each_event() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, stop) = app(&db);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let url = format!("ws://{addr}/onebot/ws");

    // No token, a wrong token: refused before the upgrade.
    for auth in [None, Some("Bearer wrong")] {
        let mut req = url.as_str().into_client_request().unwrap();
        req.headers_mut().insert("x-client-role", "Universal".parse().unwrap());
        if let Some(a) = auth {
            req.headers_mut().insert("authorization", a.parse().unwrap());
        }
        match tokio_tungstenite::connect_async(req).await {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => assert_eq!(resp.status(), 401),
            other => panic!("expected 401, got {:?}", other.map(|(_, r)| r.status())),
        }
    }

    let mut req = url.as_str().into_client_request().unwrap();
    req.headers_mut().insert("x-client-role", "Universal".parse().unwrap());
    req.headers_mut().insert("x-self-id", "3892215616".parse().unwrap());
    req.headers_mut().insert("authorization", format!("Bearer {TOKEN}").parse().unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    let frames = [
        r#"{"time":1746673610,"self_id":3892215616,"post_type":"meta_event","meta_event_type":"lifecycle","sub_type":"connect"}"#
            .to_string(),
        // An answer to an API call on a Universal connection: not an event.
        r#"{"status":"ok","retcode":0,"data":{"message_id":123039305},"message":"","wording":"","echo":"123"}"#.to_string(),
        "not json".to_string(),
        TEXT.to_string(),
        MIXED.to_string(),
        notice(r#""notice_type":"group_recall","group_id":757951413,"user_id":5079132,"operator_id":5079132,"message_id":361878627"#),
    ];
    for f in frames {
        ws.send(WsMessage::text(f)).await.unwrap();
    }
    assert_eq!(wait_for(&db, (1, 2, 1)).await, (1, 2, 1));
    let t = only_timeline(&db);
    assert_eq!(t.events[0].target, Some(1));

    // The service stopping closes the socket from its side.
    stop.send(true).unwrap();
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(frame) = ws.next().await {
            match frame {
                Ok(WsMessage::Close(_)) | Err(_) => return true,
                Ok(_) => continue,
            }
        }
        true
    })
    .await;
    assert!(matches!(closed, Ok(true)), "the socket was not closed");
}

#[tokio::test]
async fn the_api_role_is_refused_on_the_event_socket() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (app, _stop) = app(&db);
    let req = Request::get(format!("/onebot/ws?access_token={TOKEN}"))
        .header("x-client-role", "API")
        .header("connection", "upgrade")
        .header("upgrade", "websocket")
        .header("sec-websocket-version", "13")
        .header("sec-websocket-key", "dGhlIHNhbXBsZSBub25jZQ==")
        .body(Body::empty())
        .unwrap();
    let (status, text) = send(&app, req).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
    assert!(text.contains("Event or Universal"), "{text}");
}

/// A QQChatExporter export of the group, then the live stream: one group, one member.
#[tokio::test]
async fn live_events_join_the_imported_export() {
    use shequn_ingest::{Format, Input, ParseOptions};
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("group.json");
    std::fs::write(
        &export,
        r#"{"metadata":{"name":"QQChatExporter V4","version":"4.0.0"},
            "chatInfo":{"name":"测试群","type":"group","peerUin":"757951413","participantCount":3},
            "messages":[{"id":"7503884393539458069","timestamp":1747100000000,"type":"text",
              "sender":{"uin":"5079132","uid":"u_abc","name":"东风寄千愁"},
              "content":{"text":"hello","elements":[{"type":"text","data":{"text":"hello"}}]}}]}"#,
    )
    .unwrap();
    let db = dir.path().join("a.db");
    {
        let mut records = Vec::new();
        shequn_ingest::formats::qq_qce::QqChatExporter
            .parse(&Input::new(&export), &ParseOptions::default(), &mut records)
            .unwrap();
        let mut a = Archive::open(&db).unwrap();
        let mut tx = a.begin_file().unwrap();
        for r in records {
            tx.apply(r).unwrap();
        }
        tx.commit().unwrap();
    }
    assert_eq!(counts(&db), (1, 1, 0));
    let (app, _stop) = app(&db);
    let (status, text) = send(&app, signed(TEXT)).await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{text}");
    assert_eq!(counts(&db), (1, 2, 0), "the same group, one more message");
    let t = only_timeline(&db);
    assert_eq!(t.group.name, "测试群", "the export's name is kept");
    assert_eq!(t.members.len(), 1, "{:?}", t.members);
    assert_eq!(t.messages[0].sender, t.messages[1].sender);
    assert_eq!(t.members[0].role, Some(MemberRole::Admin), "the live event adds the role");
}
