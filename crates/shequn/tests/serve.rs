//! The dashboard in-process on 127.0.0.1: pages, the JSON API and the access token.

mod fixture;

use std::io::{Read, Write};
use std::net::TcpStream;

use shequn::cmd::serve::{router, Served};
use shequn_report::ReportInput;

/// One HTTP/1.1 request; returns (status, body).
fn get(addr: std::net::SocketAddr, path: &str, auth: Option<&str>) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    let auth = auth.map(|t| format!("Authorization: Bearer {t}\r\n")).unwrap_or_default();
    write!(s, "GET {path} HTTP/1.1\r\nHost: localhost\r\n{auth}Connection: close\r\n\r\n").unwrap();
    let mut raw = String::new();
    s.read_to_string(&mut raw).unwrap();
    let status = raw.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = raw.split_once("\r\n\r\n").map(|x| x.1.to_string()).unwrap_or_default();
    (status, body)
}

#[test]
fn dashboard_serves_the_report_and_requires_the_token() {
    let r = fixture::results(4);
    let input = ReportInput { results: &r.groups, summary: &r.summary, generated: "now" };
    let served = Served {
        html: shequn_report::render_html(&input),
        report: shequn_report::report_json(&input),
        token: Some("s3cret".into()),
    };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_io().build().unwrap();
    let listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0")).unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move { axum::serve(listener, router(served)).await });

    assert_eq!(get(addr, "/", None).0, 401, "no token, no page");
    assert_eq!(get(addr, "/api/groups", Some("wrong")).0, 401);
    let (status, html) = get(addr, "/?token=s3cret", None);
    assert_eq!(status, 200);
    assert!(html.contains("id=\"t-1\"") && !html.contains("<script>document"));
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
