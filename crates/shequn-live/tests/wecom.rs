//! The WeCom callback source over HTTP: Tencent's published vectors, customer-group events
//! encrypted here with the same algorithm, and what reaches the archive.

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use shequn_archive::Archive;
use shequn_live::server::test_context;
use shequn_live::sources::wecom::crypto::{CryptoError, WecomCrypt};
use shequn_live::sources::wecom::{self, Wecom};
use shequn_live::{Source, SourceContext};
use shequn_model::{EventKind, MessageKind};
use tower::ServiceExt;

// Vector A: sbzhu/weworkapi_golang@05178029 sample.go.
const A_TOKEN: &str = "QDG6eK";
const A_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const A_ID: &str = "wx5823bf96d3bd56c7";
const A_SIG: &str = "477715d11cdb4164915debcba66cb864d751f3e6";
const A_TS: &str = "1409659813";
const A_NONCE: &str = "1372623149";
const A_ENCRYPT: &str = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";
/// The plaintext of A_ENCRYPT as Tencent's "加解密方案说明" documents it.
const A_PLAIN: &str = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>";

// Vector B: sbzhu/weworkapi_python@609f4600 callback/Sample.py.
const B_TOKEN: &str = "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo";
const B_KEY: &str = "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt";
const B_ID: &str = "ww1436e0e65a779aee";
const B_SIG: &str = "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb";
const B_TS: &str = "1476416373";
const B_NONCE: &str = "47744683";
const B_ECHO: &str = "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==";

// Customer-group events in the shapes of WeCom's "事件格式" page (document 92130): the
// add_member sample as published, the others as the page lays them out.
const CHAT: &str = "wrx7HUARsKwGRaQBVKPBTcEyzdHA4HrQ";
const CREATE: &str = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610500</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrx7HUARsKwGRaQBVKPBTcEyzdHA4HrQ]]></ChatId><ChangeType><![CDATA[create]]></ChangeType></xml>";
const ADD_MEMBER: &str = "<xml>
<ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[sys]]></FromUserName>
<CreateTime>1403610513</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[change_external_chat]]></Event>
<ChatId><![CDATA[wrx7HUARsKwGRaQBVKPBTcEyzdHA4HrQ]]></ChatId>
<ChangeType><![CDATA[update]]></ChangeType>
<UpdateDetail><![CDATA[add_member]]></UpdateDetail>
<JoinScene>1</JoinScene>
<QuitScene>0</QuitScene>
<MemChangeCnt>10</MemChangeCnt>
<MemChangeList>
	<Item>Jack</Item>
	<Item>Rose</Item>
</MemChangeList>
<LastMemVer>9c3f97c2ada667dfb5f6d03308d963e1</LastMemVer>
<CurMemVer>71217227bbd112ecfe3a49c482195cb4</CurMemVer>
</xml>";
const KICK: &str = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610600</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrx7HUARsKwGRaQBVKPBTcEyzdHA4HrQ]]></ChatId><ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[del_member]]></UpdateDetail><QuitScene>1</QuitScene><MemChangeCnt>1</MemChangeCnt><MemChangeList><Item><![CDATA[Rose]]></Item></MemChangeList><LastMemVer><![CDATA[71217227bbd112ecfe3a49c482195cb4]]></LastMemVer><CurMemVer><![CDATA[a1b2c3d4e5f60718293a4b5c6d7e8f90]]></CurMemVer></xml>";
const DISMISS: &str = "<xml><ToUserName><![CDATA[toUser]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610700</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrx7HUARsKwGRaQBVKPBTcEyzdHA4HrQ]]></ChatId><ChangeType><![CDATA[dismiss]]></ChangeType></xml>";
/// The change_name sample Senparc's tests mark "官方提供" (another group).
const RENAME: &str = "<xml>
<ToUserName><![CDATA[wwea4ccebadeefd11a]]></ToUserName>
<FromUserName><![CDATA[sys]]></FromUserName>
<CreateTime>1700642907</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[change_external_chat]]></Event>
<ChatId><![CDATA[wree9uDgAAfxkLu5-lEbsmQBjsb7V8Cg]]></ChatId>
<ChangeType><![CDATA[update]]></ChangeType>
<UpdateDetail><![CDATA[change_name]]></UpdateDetail>
<JoinScene>0</JoinScene>
<MemChangeCnt>2</MemChangeCnt>
<LastMemVer><![CDATA[6ebe7c3f89cb839ec2e1720f04eae2e0]]></LastMemVer>
<CurMemVer><![CDATA[15722766561cf8bce92480a3d1457654]]></CurMemVer>
</xml>";

fn crypt_b() -> WecomCrypt {
    WecomCrypt::new(B_TOKEN, B_KEY, B_ID).unwrap()
}

/// A source on a fresh archive. The context keeps the writer running; the shutdown sender
/// is left in the directory tuple's scope by the caller (dropping it stops nothing here).
fn setup(crypt: WecomCrypt) -> (tempfile::TempDir, Arc<Wecom>, SourceContext) {
    let dir = tempfile::tempdir().unwrap();
    let (ctx, _shutdown) = test_context(&dir.path().join("a.db")).unwrap();
    (dir, Arc::new(Wecom::new(crypt)), ctx)
}

/// Percent-encodes what base64 holds that a query string cannot.
fn q(s: &str) -> String {
    s.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")
}

async fn send(source: &Arc<Wecom>, ctx: &SourceContext, req: Request<Body>) -> (StatusCode, String) {
    let resp = source.clone().routes(ctx.clone()).oneshot(req).await.unwrap();
    let status = resp.status();
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    (status, String::from_utf8_lossy(&body).into_owned())
}

fn get(uri: &str) -> Request<Body> {
    Request::builder().method("GET").uri(uri).body(Body::empty()).unwrap()
}

fn post(uri: &str, body: String) -> Request<Body> {
    Request::builder().method("POST").uri(uri).header("content-type", "text/xml").body(Body::from(body)).unwrap()
}

fn envelope(to: &str, encrypt: &str, agent: &str) -> String {
    format!("<xml><ToUserName><![CDATA[{to}]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt><AgentID><![CDATA[{agent}]]></AgentID></xml>")
}

/// A callback as WeCom would post it: `inner` encrypted and signed with `c`.
fn callback(c: &WecomCrypt, inner: &str, ts: &str, nonce: &str) -> Request<Body> {
    let mut random = [0u8; 16];
    for (i, b) in inner.bytes().take(16).enumerate() {
        random[i] = b ^ 0x5a;
    }
    let encrypt = c.encrypt(inner.as_bytes(), random);
    let sig = c.signature(ts, nonce, &encrypt);
    post(&format!("/wecom?msg_signature={sig}&timestamp={ts}&nonce={nonce}"), envelope(c.receive_id(), &encrypt, ""))
}

fn archive(dir: &tempfile::TempDir) -> Archive {
    Archive::open_readonly(Path::new(&dir.path().join("a.db"))).unwrap()
}

#[tokio::test]
async fn url_verification_answers_vector_b() {
    let (_dir, source, ctx) = setup(crypt_b());
    let uri = format!("/wecom?msg_signature={B_SIG}&timestamp={B_TS}&nonce={B_NONCE}&echostr={}", q(B_ECHO));
    let resp = source.clone().routes(ctx.clone()).oneshot(get(&uri)).await.unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/plain"));
    let body = resp.into_body().collect().await.unwrap().to_bytes();
    assert_eq!(&body[..], b"1288432023552776189");

    // The same request with a `+` left unescaped (it arrives as a space) still verifies.
    let raw =
        format!("/wecom?msg_signature={B_SIG}&timestamp={B_TS}&nonce={B_NONCE}&echostr={}", B_ECHO.replace('=', "%3D"));
    assert_eq!(send(&source, &ctx, get(&raw)).await, (StatusCode::OK, "1288432023552776189".into()));

    // Another timestamp: the signature no longer matches.
    let bad = format!("/wecom?msg_signature={B_SIG}&timestamp=1476416374&nonce={B_NONCE}&echostr={}", q(B_ECHO));
    assert_eq!(send(&source, &ctx, get(&bad)).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn missing_query_parameters_are_named() {
    let (dir, source, ctx) = setup(crypt_b());
    let (status, body) = send(&source, &ctx, get(&format!("/wecom?msg_signature={B_SIG}&timestamp={B_TS}"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("nonce") && body.contains("echostr") && !body.contains("timestamp"), "{body}");
    let (status, body) = send(&source, &ctx, post("/wecom?timestamp=1&nonce=2", envelope(B_ID, "AAAA", "1"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("msg_signature") && !body.contains("nonce"), "{body}");
    assert_eq!(archive(&dir).counts().unwrap(), (0, 0, 0));
}

#[tokio::test]
async fn vector_a_message_decrypts_to_the_documented_xml_and_is_stored() {
    let c = WecomCrypt::new(A_TOKEN, A_KEY, A_ID).unwrap();
    let plain = c.verify_and_decrypt(A_SIG, A_TS, A_NONCE, A_ENCRYPT).unwrap();
    assert_eq!(plain.len(), 284);
    assert_eq!(String::from_utf8(plain).unwrap(), A_PLAIN);

    // Tencent's own request, byte for byte, through the route.
    let (dir, source, ctx) = setup(c);
    let body = format!("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[{A_ENCRYPT}]]></Encrypt><AgentID><![CDATA[218]]></AgentID></xml>");
    let uri = format!("/wecom?msg_signature={A_SIG}&timestamp={A_TS}&nonce={A_NONCE}");
    assert_eq!(send(&source, &ctx, post(&uri, body.clone())).await, (StatusCode::OK, "success".into()));
    assert_eq!(send(&source, &ctx, post(&uri, body)).await, (StatusCode::OK, "success".into()));

    let a = archive(&dir);
    assert_eq!(a.counts().unwrap(), (1, 1, 0), "one group, one message, stored once");
    let groups = a.groups().unwrap();
    assert_eq!((groups[0].platform.as_str(), groups[0].platform_id.as_str()), ("wecom", "app:218"));
    assert_eq!((groups[0].name.as_str(), groups[0].kind.as_str()), ("WeCom app 218", "channel"));
    let t = a.timeline(groups[0].id).unwrap();
    let m = &t.messages[0];
    assert_eq!((m.kind, m.text.as_str(), m.time_ms), (MessageKind::Text, "hello", 1_409_659_813_000));
    assert_eq!(t.sender(m).platform_id.as_deref(), Some("mycreate"));
}

#[tokio::test]
async fn customer_group_events_are_stored_once() {
    let c = crypt_b();
    let (dir, source, ctx) = setup(c.clone());
    let payloads = [CREATE, ADD_MEMBER, KICK, DISMISS, RENAME];
    for (i, p) in payloads.iter().enumerate() {
        let req = callback(&c, p, &format!("17000000{i:02}"), &format!("n{i}"));
        assert_eq!(send(&source, &ctx, req).await, (StatusCode::OK, "success".into()), "payload {i}");
    }
    // WeCom retries a callback it thinks failed: same plaintext, new timestamp and nonce.
    let retry = callback(&c, ADD_MEMBER, "1700000099", "retry");
    assert_eq!(send(&source, &ctx, retry).await.0, StatusCode::OK);

    let a = archive(&dir);
    assert_eq!(a.counts().unwrap(), (2, 0, payloads.len() as u64));
    let groups = a.groups().unwrap();
    let g = groups.iter().find(|g| g.platform_id == CHAT).unwrap();
    assert_eq!((g.platform.as_str(), g.name.as_str(), g.events), ("wecom", CHAT, 4));
    let t = a.timeline(g.id).unwrap();
    let kinds: Vec<EventKind> = t.events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec![EventKind::Create, EventKind::Join, EventKind::Kick, EventKind::Other]);
    let names = |e: &shequn_model::Ev| -> Vec<String> {
        e.subjects.iter().map(|s| t.member(*s).platform_id.clone().unwrap()).collect()
    };
    assert_eq!(names(&t.events[1]), vec!["Jack", "Rose"]);
    assert_eq!(t.events[1].detail.as_deref(), Some("direct_invite"));
    assert_eq!(t.events[1].time_ms, 1_403_610_513_000);
    assert_eq!(names(&t.events[2]), vec!["Rose"]);
    assert_eq!(t.events[3].detail.as_deref(), Some("dismissed"));
    assert_eq!(t.members.len(), 2);

    let renamed = groups.iter().find(|g| g.platform_id == "wree9uDgAAfxkLu5-lEbsmQBjsb7V8Cg").unwrap();
    let t = a.timeline(renamed.id).unwrap();
    assert_eq!(t.events.len(), 1);
    assert_eq!((t.events[0].kind, t.events[0].detail.as_deref()), (EventKind::Rename, None));
    assert!(t.group.notes.iter().any(|n| n.contains("does not carry the new name")), "{:?}", t.group.notes);
}

#[tokio::test]
async fn wrong_signature_or_receive_id_is_401_and_stores_nothing() {
    let c = crypt_b();
    let (dir, source, ctx) = setup(c.clone());
    let encrypt = c.encrypt(ADD_MEMBER.as_bytes(), [7; 16]);
    let sig = c.signature("1700000000", "n", &encrypt);
    let mut wrong = sig.clone().into_bytes();
    wrong[0] = if wrong[0] == b'0' { b'1' } else { b'0' };
    let wrong = String::from_utf8(wrong).unwrap();
    let (status, body) = send(
        &source,
        &ctx,
        post(&format!("/wecom?msg_signature={wrong}&timestamp=1700000000&nonce=n"), envelope(B_ID, &encrypt, "")),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // Signed with our token but encrypted for another corp.
    let other = WecomCrypt::new(B_TOKEN, B_KEY, "wwffffffffffffffff").unwrap();
    let (status, body) = send(&source, &ctx, callback(&other, ADD_MEMBER, "1700000000", "n")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("receive id"), "{body}");
    assert_eq!(archive(&dir).counts().unwrap(), (0, 0, 0));
    // The right signature for the same body is accepted: the refusals were the signature's.
    let ok = post(&format!("/wecom?msg_signature={sig}&timestamp=1700000000&nonce=n"), envelope(B_ID, &encrypt, ""));
    assert_eq!(send(&source, &ctx, ok).await.0, StatusCode::OK);
    assert_eq!(archive(&dir).counts().unwrap(), (1, 0, 1));
}

#[tokio::test]
async fn malformed_xml_is_400() {
    let c = crypt_b();
    let (dir, source, ctx) = setup(c.clone());
    let uri = "/wecom?msg_signature=x&timestamp=1&nonce=2";
    for body in ["<xml><Encrypt>abc</xml>", "not xml", "<xml><ToUserName>a</ToUserName></xml>"] {
        assert_eq!(send(&source, &ctx, post(uri, body.into())).await.0, StatusCode::BAD_REQUEST, "{body}");
    }
    // Well signed and encrypted, but the inside is not XML.
    assert_eq!(send(&source, &ctx, callback(&c, "<xml><ChatId>", "1700000000", "n")).await.0, StatusCode::BAD_REQUEST);
    assert_eq!(archive(&dir).counts().unwrap(), (0, 0, 0));
}

#[test]
fn config_reads_secrets_from_the_environment() {
    std::env::set_var("SHEQUN_TEST_WECOM_TOKEN_1", B_TOKEN);
    std::env::set_var("SHEQUN_TEST_WECOM_KEY_1", B_KEY);
    std::env::set_var("SHEQUN_TEST_WECOM_KEY_BAD", "tooshort");
    let table = |key_env: &str| -> toml::Value {
        toml::from_str(&format!(
            "token_env = \"SHEQUN_TEST_WECOM_TOKEN_1\"\naes_key_env = \"{key_env}\"\nreceive_id = \"{B_ID}\""
        ))
        .unwrap()
    };
    let s = wecom::from_config(&table("SHEQUN_TEST_WECOM_KEY_1")).unwrap();
    assert_eq!(s.name(), "wecom");
    let err = wecom::from_config(&table("SHEQUN_TEST_WECOM_KEY_UNSET")).err().unwrap().to_string();
    assert!(err.contains("SHEQUN_TEST_WECOM_KEY_UNSET"), "{err}");
    let err = wecom::from_config(&table("SHEQUN_TEST_WECOM_KEY_BAD")).err().unwrap().to_string();
    assert!(err.contains("EncodingAESKey"), "{err}");
    let typo: toml::Value = toml::from_str("token_env = \"A\"\naes_key_env = \"B\"\nreceiveid = \"x\"").unwrap();
    let err = wecom::from_config(&typo).err().unwrap().to_string();
    assert!(err.contains("receiveid"), "{err}");
    assert_eq!(WecomCrypt::new("t", "tooshort", "x").unwrap_err(), CryptoError::BadKey);
}
