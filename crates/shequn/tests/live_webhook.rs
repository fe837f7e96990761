//! `shequn live` end to end over loopback with the generic signed webhook: a real export
//! replayed through the live path gives the same diagnosis as importing it; bad requests
//! store nothing; kill -9 after acknowledgements loses nothing acknowledged.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SECRET: &str = "test-webhook-secret";

fn shequn() -> Command {
    Command::new(env!("CARGO_BIN_EXE_shequn"))
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running `shequn live`, killed (SIGKILL) when dropped.
struct Live {
    child: Child,
    addr: SocketAddr,
}

impl Live {
    fn start(dir: &Path, db: &Path, extra: &str) -> Live {
        let port = free_port();
        let config = dir.join("live.toml");
        std::fs::write(
            &config,
            format!("[server]\naddr = \"127.0.0.1:{port}\"\n[webhook]\nsecret_env = \"SHEQUN_TEST_WEBHOOK\"\n{extra}"),
        )
        .unwrap();
        let child = shequn()
            .arg("--db")
            .arg(db)
            .args(["live", "--config"])
            .arg(&config)
            .env("SHEQUN_TEST_WEBHOOK", SECRET)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(addr).is_err() {
            assert!(Instant::now() < deadline, "shequn live did not start listening on {addr}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Live { child, addr }
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One HTTP/1.1 request; returns (status, body).
fn request(addr: SocketAddr, method: &str, path: &str, headers: &[(&str, String)], body: &[u8]) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    let _ = s.read_to_end(&mut raw);
    let raw = String::from_utf8_lossy(&raw).to_string();
    let status = raw.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default();
    (status, body)
}

fn post_signed(addr: SocketAddr, body: &str) -> (u16, String) {
    let ts = (chrono::Utc::now().timestamp()).to_string();
    let sig = shequn_live::sources::webhook::sign(SECRET.as_bytes(), &ts, body.as_bytes());
    request(
        addr,
        "POST",
        "/webhook",
        &[("X-Shequn-Timestamp", ts), ("X-Shequn-Signature", format!("v1={sig}"))],
        body.as_bytes(),
    )
}

fn counts(db: &Path) -> (u64, u64, u64) {
    shequn_archive::Archive::open_readonly(db).unwrap().counts().unwrap()
}

fn group_json(db: &Path, group: &str, as_of: &str) -> serde_json::Value {
    let out = shequn().arg("--db").arg(db).args(["group", group, "--json", "--as-of", as_of]).output().unwrap();
    assert!(out.status.success(), "shequn group failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A real Gitter room's history (2,600+ lines of people at work) goes in once by import and
/// once through `shequn live`'s webhook, 400 lines a request: the two archives hold the same
/// messages and `shequn group --json` says the same about them.
#[test]
fn a_real_export_replayed_through_the_webhook_gives_the_same_diagnosis() {
    let export = shequn_corpus::require!("livechat-gitter/data/raw/gitter_gitter_chatFormat.ascii.txt");
    let dir = tempfile::tempdir().unwrap();
    let (imported, live_db) = (dir.path().join("imported.db"), dir.path().join("live.db"));
    let out = shequn().arg("--db").arg(&imported).args(["import", "--zone=+00:00"]).arg(&export).output().unwrap();
    assert!(out.status.success(), "import failed: {}", String::from_utf8_lossy(&out.stderr));

    // The same file read by the same parser, written as the webhook's JSON Lines.
    let head = std::fs::read(&export).unwrap();
    let probe = shequn_ingest::Probe { path: &export, dir_entries: &[], head: &head[..head.len().min(65536)] };
    let format = shequn_ingest::detect(&probe).expect("the export's format is recognised");
    let mut records = Vec::new();
    let opts = shequn_ingest::ParseOptions { zone: chrono::FixedOffset::east_opt(0) };
    format.parse(&shequn_ingest::Input::new(&export), &opts, &mut records).unwrap();
    let lines = shequn_live::replay::to_jsonl(&records);
    let messages = records.iter().filter(|r| matches!(r, shequn_model::Record::Message { .. })).count();
    // Lines of the file that are messages, read off the file: `[date time] <nick> text`.
    let text = String::from_utf8_lossy(&head);
    let by_grep = text.lines().filter(|l| l.starts_with('[') && l.contains("] <")).count();
    assert!(by_grep > 1000 && messages >= by_grep * 95 / 100, "parsed {messages} messages, the file has {by_grep}");

    let live = Live::start(dir.path(), &live_db, "");
    for chunk in lines.chunks(400) {
        let (status, body) = post_signed(live.addr, &chunk.join("\n"));
        assert_eq!(status, 200, "{body}");
    }
    let (status, body) = request(live.addr, "GET", "/api/groups", &[], b"");
    assert_eq!(status, 200);
    let rows: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(rows.as_array().map(|a| a.len()), Some(1), "{body}");
    drop(live);

    assert_eq!(counts(&imported).1, counts(&live_db).1, "the same number of messages either way");
    let as_of = "2020-06-01T00:00:00Z";
    let (mut a, mut b) = (group_json(&imported, "1", as_of), group_json(&live_db, "1", as_of));
    // The one thing that must differ: an export covers up to its last message, a live source
    // up to now (it was listening). Both are after as-of, so no verdict depends on it.
    for v in [&mut a, &mut b] {
        v["evidence"].as_object_mut().map(|d| d.remove("coverage_end"));
    }
    assert_eq!(a["status"], "alive", "the room was alive in mid-2020");
    assert_eq!(a["status"], b["status"]);
    let mut differ = Vec::new();
    diff("", &a, &b, &mut differ);
    assert!(differ.is_empty(), "the live archive must diagnose exactly as the imported one; differs at: {differ:?}");

    // The whole report too: report.json and the CSVs, but for when it was generated and the
    // coverage end.
    let report = |db: &Path, out: &Path| -> serde_json::Value {
        let o = shequn().arg("--db").arg(db).args(["report", "--as-of", as_of, "--out"]).arg(out).output().unwrap();
        assert!(o.status.success(), "shequn report failed: {}", String::from_utf8_lossy(&o.stderr));
        let mut v: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("report.json")).unwrap()).unwrap();
        v.as_object_mut().map(|o| o.remove("generated"));
        for g in v["groups"].as_array_mut().into_iter().flatten() {
            g["diagnosis"]["evidence"].as_object_mut().map(|e| e.remove("coverage_end"));
        }
        v
    };
    let (ra, rb) = (report(&imported, &dir.path().join("ra")), report(&live_db, &dir.path().join("rb")));
    assert_eq!(ra["groups"].as_array().map(|g| g.len()), Some(1));
    let mut differ = Vec::new();
    diff("", &ra, &rb, &mut differ);
    assert!(differ.is_empty(), "report.json differs at: {differ:?}");
    for csv in ["groups.csv", "triage.csv", "unanswered.csv"] {
        let read = |d: &str| std::fs::read_to_string(dir.path().join(d).join(csv)).unwrap();
        assert_eq!(read("ra"), read("rb"), "{csv} differs");
    }
}

/// The paths (`.a.b[3]`) where two JSON values differ, at most 20.
fn diff(at: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    if out.len() >= 20 || a == b {
        return;
    }
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                diff(&format!("{at}.{k}"), x.get(k).unwrap_or(&Value::Null), y.get(k).unwrap_or(&Value::Null), out);
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                diff(&format!("{at}[{i}]"), p, q, out);
            }
        }
        _ => out.push(format!("{at}: {} vs {}", short(a), short(b))),
    }
}

fn short(v: &serde_json::Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 120 {
        format!("{}…", s.chars().take(120).collect::<String>())
    } else {
        s
    }
}

#[test]
fn unsigned_malformed_and_oversized_requests_store_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let live = Live::start(dir.path(), &db, "[limits]\nbody_bytes = 4096\n");
    let line = r#"{"group":"g","time":"2024-03-01T20:00:00+08:00","sender":"Ann","text":"hi","id":"1"}"#;
    // No signature, a wrong one, a stale timestamp: 401.
    assert_eq!(request(live.addr, "POST", "/webhook", &[], line.as_bytes()).0, 401);
    let ts = chrono::Utc::now().timestamp().to_string();
    let wrong = shequn_live::sources::webhook::sign(b"not the secret", &ts, line.as_bytes());
    let h = [("X-Shequn-Timestamp", ts.clone()), ("X-Shequn-Signature", format!("v1={wrong}"))];
    assert_eq!(request(live.addr, "POST", "/webhook", &h, line.as_bytes()).0, 401);
    let old = (chrono::Utc::now().timestamp() - 3600).to_string();
    let sig = shequn_live::sources::webhook::sign(SECRET.as_bytes(), &old, line.as_bytes());
    let h = [("X-Shequn-Timestamp", old), ("X-Shequn-Signature", format!("v1={sig}"))];
    assert_eq!(request(live.addr, "POST", "/webhook", &h, line.as_bytes()).0, 401, "a replay an hour later");
    // Signed but malformed: 400 naming the line and the field.
    let (status, body) =
        post_signed(live.addr, &format!("{line}\n{{\"group\":\"g\",\"time\":\"2024-03-01T20:00:00Z\"}}"));
    assert_eq!(status, 400);
    assert!(body.contains("line 2") && body.contains("sender"), "{body}");
    // Too large: 413.
    let big = format!("{line}\n").repeat(100);
    assert_eq!(post_signed(live.addr, &big).0, 413);
    drop(live);
    assert_eq!(counts(&db).1, 0, "nothing refused was stored, not even the good first line of the 400");
}

/// Every acknowledged delivery survives kill -9 right after its acknowledgement, and a
/// delivery sent again (a platform's retry, a bridge) is stored once.
#[test]
fn acknowledged_messages_survive_kill_9_and_retries_are_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let mut live = Live::start(dir.path(), &db, "");
    let batch = |i: usize| {
        (0..10)
            .map(|j| {
                format!(
                    r#"{{"group":"g{}","time":"2024-03-01T20:{:02}:{:02}+08:00","sender":"m{j}","text":"message {i}-{j}","id":"{i}-{j}"}}"#,
                    i % 3,
                    i % 60,
                    j
                )
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    for i in 0..50 {
        assert_eq!(post_signed(live.addr, &batch(i)).0, 200);
    }
    live.kill();
    assert_eq!(counts(&db).1, 500, "50 acknowledged requests of 10 messages each");
    let live = Live::start(dir.path(), &db, "");
    for i in 40..60 {
        assert_eq!(post_signed(live.addr, &batch(i)).0, 200);
    }
    drop(live);
    assert_eq!(counts(&db).1, 600, "requests 40..50 sent again added nothing; 50..60 added 100");
}

/// The dashboard follows the stream: a group's results are redone when its data changes, not
/// when another group's does, and no restart is needed. A source past its rate gets 429.
#[test]
fn the_dashboard_shows_new_messages_and_floods_get_429() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let live = Live::start(dir.path(), &db, "[limits]\nrate_per_s = 0.001\nburst = 6.0\n");
    // Said just now, so every window of the diagnosis (as of now) holds them.
    let now = chrono::Utc::now();
    let line = |g: &str, i: usize| {
        let t = (now - chrono::Duration::seconds(60 - i as i64)).to_rfc3339();
        format!(r#"{{"group":"{g}","time":"{t}","sender":"m{i}","text":"hello {i}","id":"{g}-{i}"}}"#)
    };
    let members = |id: i64| -> u64 {
        let (status, body) = request(live.addr, "GET", &format!("/api/groups/{id}"), &[], b"");
        assert_eq!(status, 200, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        v["diagnosis"]["content"]["messages"].as_u64().expect("a message count")
    };
    assert_eq!(post_signed(live.addr, &[line("a", 1), line("a", 2)].join("\n")).0, 200);
    assert_eq!(post_signed(live.addr, &line("b", 1)).0, 200);
    let before = members(1);
    assert_eq!(before, 2);
    assert_eq!(post_signed(live.addr, &[line("a", 3), line("a", 4), line("a", 5)].join("\n")).0, 200);
    let after = members(1);
    assert_eq!(after, 5, "group a's results must include the three new messages");
    // Six requests of burst are spent (three posts here, none by the GETs); the next ones are refused.
    let mut statuses = Vec::new();
    for i in 10..16 {
        statuses.push(post_signed(live.addr, &line("c", i)).0);
    }
    assert!(statuses.contains(&429), "past the burst a source gets 429: {statuses:?}");
}
