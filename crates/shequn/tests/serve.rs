//! The dashboard in-process on 127.0.0.1: pages, the JSON API, the access token (header or
//! cookie, never the URL), the Host allow-list, and bounded connections.

mod fixture;

use std::io::{Read, Write};
use std::net::TcpStream;

use shequn::cmd::serve::{router, Served};
use shequn_live::access::Access;
use shequn_live::connections::{Bounded, ConnectionLimits};
use shequn_report::ReportInput;

/// One HTTP/1.1 request with extra header lines; returns (status, head, body).
fn request(addr: std::net::SocketAddr, method: &str, path: &str, headers: &str, body: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "{method} {path} HTTP/1.1\r\n{headers}Content-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len())
        .unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let (head, body) = raw.split_once("\r\n\r\n").map(|(h, b)| (h.to_string(), b.to_string())).unwrap_or_default();
    (status, head, body)
}

/// A GET from localhost with an optional bearer token; returns (status, body).
fn get(addr: std::net::SocketAddr, path: &str, auth: Option<&str>) -> (u16, String) {
    let auth = auth.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    let (status, _, body) = request(addr, "GET", path, &format!("Host: localhost\r\n{auth}"), "");
    (status, body)
}

#[test]
fn dashboard_serves_the_report_and_requires_the_token() {
    let r = fixture::results(4);
    let input = ReportInput { results: &r.groups, summary: &r.summary, generated: "now" };
    let served = Served::new(
        shequn_report::render_html(&input),
        &shequn_report::report_json(&input),
        Access::new(Some("s3cret".into()), Vec::new()),
    );
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_io().enable_time().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move { axum::serve(listener, router(served)).await });

    assert_eq!(get(addr, "/", None).0, 401, "no token, no page");
    assert_eq!(get(addr, "/api/groups", Some("wrong")).0, 401);
    assert_eq!(get(addr, "/?token=s3cret", None).0, 401, "a token in the URL is not accepted");
    // A browser posts the token once and keeps it in a cookie.
    let form = "Host: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n";
    let (status, head, _) = request(addr, "POST", "/login", form, "token=s3cret");
    assert_eq!(status, 303);
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
        .expect("a cookie is set")
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let (status, _, html) = request(addr, "GET", "/", &format!("Host: localhost\r\nCookie: {cookie}\r\n"), "");
    assert_eq!(status, 200);
    assert!(html.contains("id=\"t-1\"") && !html.contains("<script>document"));
    // DNS rebinding: the right token on a foreign host name is still refused.
    let rebound = "Host: attacker.example:8080\r\nAuthorization: Bearer s3cret\r\n";
    assert_eq!(request(addr, "GET", "/api/report", rebound, "").0, 421);
    let cross = "Host: localhost\r\nOrigin: http://attacker.example\r\nAuthorization: Bearer s3cret\r\n";
    assert_eq!(request(addr, "GET", "/api/report", cross, "").0, 403);
    let (status, body) = get(addr, "/api/groups", Some("s3cret"));
    assert_eq!(status, 200);
    let rows: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 4);
    let (status, body) = get(addr, "/api/groups/2", Some("s3cret"));
    assert_eq!(status, 200);
    let g: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(g["diagnosis"]["group_id"], 2);
    assert_eq!(get(addr, "/api/groups/99", Some("s3cret")).0, 404);
    let (status, body) = get(addr, "/api/report", Some("s3cret"));
    assert_eq!(status, 200);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap()["schema_version"],
        shequn_report::SCHEMA_VERSION
    );
}

#[test]
fn half_sent_requests_are_closed_when_idle_and_connections_are_bounded() {
    let r = fixture::results(2);
    let input = ReportInput { results: &r.groups, summary: &r.summary, generated: "now" };
    let served =
        Served::new(shequn_report::render_html(&input), &shequn_report::report_json(&input), Access::default());
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_io().enable_time().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    let limits = ConnectionLimits { max: 4, idle: std::time::Duration::from_millis(500) };
    rt.spawn(async move { axum::serve(Bounded::new(listener, limits), router(served)).await });

    // Four half-sent requests take every place; they are closed once idle.
    let mut stalled: Vec<TcpStream> = (0..4)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(b"GET / HTTP/1.1\r\nHost: local").unwrap();
            s
        })
        .collect();
    let started = std::time::Instant::now();
    for s in &mut stalled {
        s.set_read_timeout(Some(std::time::Duration::from_secs(10))).unwrap();
        let mut buf = Vec::new();
        // The server closes the connection: the read ends (an error answer or nothing).
        let _ = s.read_to_end(&mut buf);
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "closed after the idle time, not left open");
    // A whole request is answered once the places are free again.
    assert_eq!(get(addr, "/api/groups", None).0, 200);
}
