//! `shequn bench live`: a real `shequn live` process (this binary, its own archive) receives
//! simulated traffic from many groups over HTTP on loopback, one signed webhook request per
//! message as platforms send them, at a fixed offered rate. Measured: messages acknowledged a
//! second, acknowledgement latency (p50/p99/max), and the service's resident memory early
//! and at the end of the run (from /proc).
//!
//! Alert latency: besides the load's groups, `alert_groups` more groups each get a regular's
//! note and a newcomer's join and greeting, timed (back-dated) so that each greeting's 10-minute wait ends at its own
//! moment during the run. The service posts each alert to a receiving webhook in this process;
//! the latency is the receipt time minus the alert's `opened_ms` (the moment its wait elapsed).
//!
//! State per group: measured in this process, not the service's (see [`state_bytes_per_group`]).

use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::spread::Spread;

const SECRET: &str = "bench-live-secret";

/// What one run is asked to do.
#[derive(Debug, Clone)]
pub struct LiveSettings {
    pub groups: usize,
    pub seconds: f64,
    /// Offered load, messages a second across all connections.
    pub rate: f64,
    pub connections: usize,
    pub runs: usize,
    /// Ask the dashboard for every group's results this often during the run (0: never):
    /// the analyses then compete with ingestion for the cores.
    pub dashboard_every_s: f64,
    /// Extra groups whose newcomer's wait ends during the run (alert latency).
    pub alert_groups: usize,
}

/// One run's figures.
#[derive(Debug, Clone, Serialize)]
pub struct LiveRun {
    pub sent: u64,
    pub acked: u64,
    pub failed: u64,
    pub seconds: f64,
    pub ingest_msgs_per_s: f64,
    pub ack_p50_ms: f64,
    pub ack_p99_ms: f64,
    pub ack_max_ms: f64,
    pub rss_mb_start: Option<f64>,
    pub rss_mb_end: Option<f64>,
    pub stored: u64,
    /// The archive's write-ahead log at the end (it must not grow with the run).
    pub wal_mb_end: Option<f64>,
    /// Dashboard requests answered during the run, and the slowest.
    pub dashboard_requests: u64,
    pub dashboard_max_s: f64,
    /// Alerts the receiving webhook got, of `alerts_expected`.
    pub alerts_received: u64,
    pub alerts_expected: u64,
    /// From the moment an alert's wait elapsed to its delivery call's arrival.
    pub alert_latency_p50_ms: f64,
    pub alert_latency_p99_ms: f64,
    pub alert_latency_max_ms: f64,
}

/// The median (and spread) over runs: what `--json` prints.
#[derive(Debug, Clone, Serialize)]
pub struct LiveSummary {
    pub groups: usize,
    pub offered_msgs_per_s: f64,
    pub connections: usize,
    pub seconds: f64,
    pub runs: usize,
    pub ingest_msgs_per_s: f64,
    pub ingest_msgs_per_s_spread: Option<Spread>,
    pub ack_p99_ms: f64,
    pub ack_p99_ms_spread: Option<Spread>,
    pub ack_p50_ms: f64,
    pub rss_mb_start: Option<f64>,
    pub rss_mb_end: Option<f64>,
    pub failed: u64,
    pub alert_latency_p99_ms: f64,
    pub alert_latency_p99_ms_spread: Option<Spread>,
    pub alerts_received: u64,
    pub alerts_expected: u64,
    /// Memory of the incremental alert state per group, measured after feeding the run's
    /// traffic per group (see [`state_bytes_per_group`]).
    pub state_bytes_per_group: Option<f64>,
    pub each: Vec<LiveRun>,
}

pub fn run(s: &LiveSettings, on_run: impl Fn(usize, &LiveRun)) -> anyhow::Result<LiveSummary> {
    let mut each = Vec::new();
    for i in 0..s.runs {
        let r = one_run(s)?;
        on_run(i, &r);
        each.push(r);
    }
    let med = |f: &dyn Fn(&LiveRun) -> f64| Spread::of(&each.iter().map(f).collect::<Vec<_>>());
    let rate = med(&|r| r.ingest_msgs_per_s);
    let p99 = med(&|r| r.ack_p99_ms);
    let p50 = med(&|r| r.ack_p50_ms);
    let alert_p99 = med(&|r| r.alert_latency_p99_ms);
    let mid = each.len() / 2;
    let per_group = each[mid].sent / s.groups.max(1) as u64;
    let state = state_bytes_per_group(s.groups, per_group.max(1));
    Ok(LiveSummary {
        groups: s.groups,
        offered_msgs_per_s: s.rate,
        connections: s.connections,
        seconds: s.seconds,
        runs: s.runs,
        ingest_msgs_per_s: rate.as_ref().map_or(0.0, |x| x.median),
        ingest_msgs_per_s_spread: rate,
        ack_p99_ms: p99.as_ref().map_or(0.0, |x| x.median),
        ack_p99_ms_spread: p99,
        ack_p50_ms: p50.map_or(0.0, |x| x.median),
        rss_mb_start: each[mid].rss_mb_start,
        rss_mb_end: each[mid].rss_mb_end,
        failed: each.iter().map(|r| r.failed).sum(),
        alert_latency_p99_ms: alert_p99.as_ref().map_or(0.0, |x| x.median),
        alert_latency_p99_ms_spread: alert_p99,
        alerts_received: each.iter().map(|r| r.alerts_received).sum(),
        alerts_expected: each.iter().map(|r| r.alerts_expected).sum(),
        state_bytes_per_group: state,
        each,
    })
}

/// The service under test, killed when dropped.
struct Service {
    child: Child,
    addr: SocketAddr,
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_service(dir: &Path, alert_url: &str) -> anyhow::Result<Service> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let config = dir.join("live.toml");
    // The rate limit is per source; the benchmark's one source carries every group.
    // Alerts go to the receiving webhook (the same secret; it is not checked there).
    std::fs::write(
        &config,
        format!(
            "[server]\naddr = \"127.0.0.1:{port}\"\n[webhook]\nsecret_env = \"SHEQUN_BENCH_WEBHOOK\"\n\
             [limits]\nrate_per_s = 1000000.0\nburst = 1000000.0\n\
             [alerts]\nnewcomer_wait_min = {NEWCOMER_WAIT_MIN}\nwebhook_url = \"{alert_url}\"\n\
             webhook_secret_env = \"SHEQUN_BENCH_WEBHOOK\"\nwebhook_queue = 100000\n"
        ),
    )?;
    let child = Command::new(std::env::current_exe()?)
        .arg("--db")
        .arg(dir.join("live.db"))
        .args(["live", "--config"])
        .arg(&config)
        .env("SHEQUN_BENCH_WEBHOOK", SECRET)
        .stdout(Stdio::null())
        // Its log, shown when alerts go missing.
        .stderr(std::fs::File::create(dir.join("live.log"))?)
        .spawn()?;
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(addr).is_err() {
        if Instant::now() > deadline {
            anyhow::bail!("shequn live did not start listening on {addr}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(Service { child, addr })
}

fn rss_mb(pid: u32) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kb: f64 = status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// One message of group `g`, as a signed request's body.
fn body(g: usize, n: u64) -> String {
    const WORDS: [&str; 12] = [
        "今晚几点开始？",
        "八点，老地方",
        "thanks, that fixed it",
        "有人用过这个吗",
        "+1",
        "see the docs here",
        "明天的活动报名了吗？",
        "I can help with that",
        "好的收到",
        "where is the meeting link?",
        "分享一篇文章",
        "good morning everyone",
    ];
    let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    format!(
        r#"{{"group":"bench-{g}","group_name":"压测群 {g}","platform":"telegram","time":"{time}","sender":"member {s}","sender_id":"u{g}-{s}","text":"{t}","id":"{n}"}}"#,
        s = n % 37,
        t = WORDS[(n % WORDS.len() as u64) as usize]
    )
}

const NEWCOMER_WAIT_MIN: i64 = 10;

/// A regular's note, then a newcomer's join and greeting in alert group `k`, back-dated so
/// the greeting's wait ends at `due_ms`.
fn greeting(k: usize, due_ms: i64) -> String {
    let at = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .unwrap_or_default()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    };
    let hello = due_ms - NEWCOMER_WAIT_MIN * 60_000;
    // A regular's note an hour before (a group's very first message is nobody's arrival).
    format!(
        "{{\"group\":\"alert-{k}\",\"group_name\":\"告警群 {k}\",\"platform\":\"telegram\",\"time\":\"{}\",\"sender\":\"regular {k}\",\"sender_id\":\"r{k}\",\"text\":\"会议纪要已上传\",\"id\":\"note-{k}\"}}\n\
         {{\"group\":\"alert-{k}\",\"group_name\":\"告警群 {k}\",\"platform\":\"telegram\",\"time\":\"{}\",\"event\":\"join\",\"sender\":\"newcomer {k}\",\"sender_id\":\"n{k}\"}}\n\
         {{\"group\":\"alert-{k}\",\"group_name\":\"告警群 {k}\",\"platform\":\"telegram\",\"time\":\"{}\",\"sender\":\"newcomer {k}\",\"sender_id\":\"n{k}\",\"text\":\"大家好，我是新来的\",\"id\":\"hello-{k}\"}}",
        at(hello - 3_600_000),
        at(hello - 60_000),
        at(hello)
    )
}

/// Receives the service's alert webhook posts; returns each alert's latency (receipt minus
/// `opened_ms`) through `out`.
async fn receive_alerts(listener: tokio::net::TcpListener, out: Arc<std::sync::Mutex<Vec<f64>>>) {
    loop {
        let Ok((mut conn, _)) = listener.accept().await else { return };
        let out = out.clone();
        tokio::spawn(async move {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                // One request: the head, then Content-Length bytes.
                let Some(head_end) = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|i| i + 4) else {
                    match conn.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                    continue;
                };
                let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
                let len: usize = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                    .unwrap_or(0);
                if buf.len() < head_end + len {
                    match conn.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                    continue;
                }
                let received = chrono::Utc::now().timestamp_millis();
                let body: serde_json::Value =
                    serde_json::from_slice(&buf[head_end..head_end + len]).unwrap_or_default();
                if body["change"] == "opened" {
                    if let Some(opened) = body["opened_ms"].as_i64() {
                        out.lock().unwrap_or_else(|e| e.into_inner()).push((received - opened) as f64);
                    }
                }
                buf.drain(..head_end + len);
                if conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n").await.is_err() {
                    return;
                }
            }
        });
    }
}

fn one_run(s: &LiveSettings) -> anyhow::Result<LiveRun> {
    let dir = tempfile::tempdir()?;
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    let alert_listener = rt.block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))?;
    let alert_url = format!("http://{}/alert", alert_listener.local_addr()?);
    let alert_latencies = Arc::new(std::sync::Mutex::new(Vec::new()));
    rt.spawn(receive_alerts(alert_listener, alert_latencies.clone()));
    let service = start_service(dir.path(), &alert_url)?;
    let pid = service.child.id();
    // The newcomers' greetings, each due at its own moment between 5 s in and 5 s before the end.
    let t0 = chrono::Utc::now().timestamp_millis();
    let span_ms = ((s.seconds - 10.0).max(1.0) * 1000.0) as i64;
    let k_all = s.alert_groups;
    let greetings_sent = rt.block_on(async {
        let mut conn = None;
        let mut ok = 0u64;
        for k in 0..k_all {
            let due = t0 + 5_000 + span_ms * k as i64 / k_all.max(1) as i64;
            let b = greeting(k, due);
            let ts = chrono::Utc::now().timestamp().to_string();
            let sig = shequn_live::sources::webhook::sign(SECRET.as_bytes(), &ts, b.as_bytes());
            let req = format!(
                "POST /webhook HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\nX-Shequn-Timestamp: {ts}\r\nX-Shequn-Signature: v1={sig}\r\n\r\n{b}",
                b.len()
            );
            match send(&mut conn, service.addr, req.as_bytes()).await {
                Ok(200) => ok += 1,
                _ => conn = None,
            }
        }
        ok
    });
    let sent = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let counter = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let end = started + Duration::from_secs_f64(s.seconds);
    let per_conn = s.rate / s.connections as f64;
    let mut rss_start = None;
    let latencies = rt.block_on(async {
        let mut tasks = Vec::new();
        for c in 0..s.connections {
            let (sent, failed, counter) = (sent.clone(), failed.clone(), counter.clone());
            let (addr, groups) = (service.addr, s.groups);
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut conn: Option<tokio::net::TcpStream> = None;
                let interval = Duration::from_secs_f64(1.0 / per_conn);
                // Each connection starts at its own offset so requests are spread evenly.
                let mut next = Instant::now() + interval.mul_f64(c as f64 / 8.0);
                while Instant::now() < end {
                    let now = Instant::now();
                    if next > now {
                        tokio::time::sleep(next - now).await;
                    }
                    // Latency counts from the scheduled send time: a late send is part of the wait.
                    let scheduled = next;
                    next += interval;
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let b = body((n as usize * 7919) % groups, n);
                    let ts = chrono::Utc::now().timestamp().to_string();
                    let sig = shequn_live::sources::webhook::sign(SECRET.as_bytes(), &ts, b.as_bytes());
                    let req = format!(
                        "POST /webhook HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\nX-Shequn-Timestamp: {ts}\r\nX-Shequn-Signature: v1={sig}\r\n\r\n{b}",
                        b.len()
                    );
                    sent.fetch_add(1, Ordering::Relaxed);
                    match send(&mut conn, addr, req.as_bytes()).await {
                        Ok(200) => lat.push(scheduled.elapsed().as_secs_f64() * 1000.0),
                        _ => {
                            failed.fetch_add(1, Ordering::Relaxed);
                            conn = None;
                        }
                    }
                }
                lat
            }));
        }
        let dashboard = (s.dashboard_every_s > 0.0).then(|| {
            let (addr, every) = (service.addr, Duration::from_secs_f64(s.dashboard_every_s));
            tokio::spawn(async move {
                let (mut n, mut slowest) = (0u64, 0f64);
                let mut conn = None;
                while Instant::now() + every < end {
                    tokio::time::sleep(every).await;
                    let t = Instant::now();
                    if let Ok(200) = send(&mut conn, addr, b"GET /api/groups HTTP/1.1\r\nHost: localhost\r\n\r\n").await {
                        n += 1;
                        slowest = slowest.max(t.elapsed().as_secs_f64());
                    } else {
                        conn = None;
                    }
                }
                (n, slowest)
            })
        });
        // Memory after the warm-up (a tenth of the run, at least 2 s).
        tokio::time::sleep(Duration::from_secs_f64((s.seconds / 10.0).max(2.0).min(s.seconds))).await;
        rss_start = rss_mb(pid);
        let mut all = Vec::new();
        for t in tasks {
            all.push(t.await.unwrap_or_default());
        }
        let dash = match dashboard {
            Some(d) => d.await.unwrap_or((0, 0.0)),
            None => (0, 0.0),
        };
        (all, dash)
    });
    let (latencies, (dashboard_requests, dashboard_max_s)) = latencies;
    let seconds = started.elapsed().as_secs_f64();
    let rss_end = rss_mb(pid);
    let wal_mb_end = std::fs::metadata(dir.path().join("live.db-wal")).ok().map(|m| m.len() as f64 / 1e6);
    // The last greetings are due 5 s before the end; give their alerts a moment to arrive.
    std::thread::sleep(Duration::from_secs(2));
    drop(service);
    let mut alerts: Vec<f64> = alert_latencies.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if (alerts.len() as u64) < greetings_sent {
        let log = std::fs::read_to_string(dir.path().join("live.log")).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        eprintln!(
            "bench live: {} of {greetings_sent} alerts arrived; the service's last log lines:\n{}",
            alerts.len(),
            lines[lines.len().saturating_sub(20)..].join("\n")
        );
    }
    alerts.sort_by(|a, b| a.total_cmp(b));
    let aq = |p: f64| {
        alerts.get(((alerts.len() as f64 * p) as usize).min(alerts.len().saturating_sub(1))).copied().unwrap_or(0.0)
    };
    let mut lat: Vec<f64> = latencies.into_iter().flatten().collect();
    lat.sort_by(|a, b| a.total_cmp(b));
    let q =
        |p: f64| lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1))).copied().unwrap_or(0.0);
    let stored = shequn_archive::Archive::open_readonly(&dir.path().join("live.db"))?.counts()?.1;
    Ok(LiveRun {
        sent: sent.load(Ordering::Relaxed),
        acked: lat.len() as u64,
        failed: failed.load(Ordering::Relaxed),
        seconds,
        ingest_msgs_per_s: lat.len() as f64 / seconds,
        ack_p50_ms: q(0.50),
        ack_p99_ms: q(0.99),
        ack_max_ms: lat.last().copied().unwrap_or(0.0),
        rss_mb_start: rss_start,
        rss_mb_end: rss_end,
        stored,
        wal_mb_end,
        dashboard_requests,
        dashboard_max_s,
        alerts_received: alerts.len() as u64,
        alerts_expected: greetings_sent,
        alert_latency_p50_ms: aq(0.50),
        alert_latency_p99_ms: aq(0.99),
        alert_latency_max_ms: alerts.last().copied().unwrap_or(0.0),
    })
}

/// Bytes of incremental alert state per group: resident memory of this process before and
/// after `shequn_alerts::Watches` are fed `per_group` messages of each of `groups` groups (the
/// run's traffic shape, the same texts) and decided once. An estimate: it counts what the
/// allocator holds for the watches (their tails, members, keys), with allocator overhead, and
/// is None where /proc is not there.
// TODO(lead): use the alerts crate's own state-size function once it has one.
pub fn state_bytes_per_group(groups: usize, per_group: u64) -> Option<f64> {
    use shequn_model::{GroupInfo, GroupKind, Message, Person, Platform, Record, Stamp};
    let info = |g: usize| {
        Record::Group(GroupInfo {
            platform: Platform::Telegram,
            platform_id: format!("bench-{g}"),
            name: format!("压测群 {g}"),
            kind: GroupKind::Group,
            member_count: None,
        })
    };
    let analysis = shequn_engine::AnalysisConfig::default();
    let watches = || {
        shequn_alerts::Watches::new(
            shequn_alerts::AlertSettings::default(),
            analysis.replies.clone(),
            analysis.responsiveness.clone(),
        )
    };
    let now = chrono::Utc::now().timestamp_millis();
    let feed = |w: &mut shequn_alerts::Watches, groups: usize| {
        for n in 0..per_group * groups as u64 {
            let g = (n as usize * 7919) % groups;
            let v: serde_json::Value = serde_json::from_str(&body(g, n)).unwrap_or_default();
            let m = Message {
                id: Some(n.to_string()),
                time: Stamp::from_unix_ms(now - 60_000 + (n as i64 % 60_000)),
                sender: Person::with_id(v["sender_id"].as_str().unwrap_or(""), v["sender"].as_str().unwrap_or("")),
                text: v["text"].as_str().unwrap_or("").to_string(),
                ..Message::default()
            };
            w.push(&[info(g), Record::Message { group: 0, message: m }], &mut |_, _| None);
        }
        w.tick(now);
    };
    // Warm up what is built once (the linker's tables), so it is not counted.
    let mut warm = watches();
    feed(&mut warm, 4);
    drop(warm);
    let before = rss_mb(std::process::id())?;
    let mut w = watches();
    feed(&mut w, groups);
    let after = rss_mb(std::process::id())?;
    std::hint::black_box(&w);
    Some(((after - before) * 1024.0 * 1024.0 / groups as f64).max(0.0))
}

/// Sends one request on a kept-alive connection (opening one if needed); returns the status.
async fn send(conn: &mut Option<tokio::net::TcpStream>, addr: SocketAddr, req: &[u8]) -> std::io::Result<u16> {
    if conn.is_none() {
        let s = tokio::net::TcpStream::connect(addr).await?;
        s.set_nodelay(true)?;
        *conn = Some(s);
    }
    let s = conn.as_mut().expect("connected above");
    s.write_all(req).await?;
    // Read the head, then exactly Content-Length bytes of body.
    let mut buf = Vec::with_capacity(512);
    let mut chunk = [0u8; 1024];
    let head_end = loop {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::other("connection closed"));
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let status: u16 = head.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let len: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = s.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(status)
}
