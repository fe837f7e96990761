//! `shequn serve`: the report as a local web dashboard with a JSON API.
//! Loopback only unless an access token is given; every request passes the same door as the
//! live dashboard's (`shequn_live::access`: Host allow-list, Origin, token by header or cookie,
//! compared in constant time), connections are bounded in number and idle time, and every
//! answer is rendered once at start, so a burst of requests costs no memory per request.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};
use shequn_live::access::Access;
use shequn_live::connections::{Bounded, ConnectionLimits};

use super::Cli;
use crate::analysis;

/// Serve the report as a local dashboard (本地看板): the same pages at `/`, JSON at `/api/...`.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on. Anything other than loopback needs --token.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "IP:PORT")]
    pub addr: SocketAddr,
    /// Access token: API clients send `Authorization: Bearer T`; a browser posts it once on the
    /// page it is shown and keeps it in a cookie. Never in the URL.
    #[arg(long, env = "SHEQUN_TOKEN", value_name = "T")]
    pub token: Option<String>,
    /// A host name the dashboard answers to besides localhost and IP addresses (repeatable):
    /// other names are refused, so a web page cannot reach it by DNS rebinding.
    #[arg(long = "allow-host", value_name = "NAME")]
    pub allow_hosts: Vec<String>,
    /// At most this many connections at once (more wait to be accepted).
    #[arg(long, value_name = "N", default_value_t = ConnectionLimits::default().max)]
    pub max_connections: usize,
    /// Close a connection after this many seconds without a byte either way (half-sent requests).
    #[arg(long, value_name = "SECONDS", default_value_t = ConnectionLimits::default().idle.as_secs())]
    pub idle_timeout: u64,
    /// Diagnose as of this instant (RFC 3339). Default: the newest message in the archive.
    #[arg(long, value_name = "RFC3339")]
    pub as_of: Option<String>,
    #[command(flatten)]
    pub config: super::group::ConfigArgs,
}

/// Refuses a non-loopback address without a token: the archive holds private messages.
pub fn check_bind(addr: &SocketAddr, token: Option<&str>) -> anyhow::Result<()> {
    if !addr.ip().is_loopback() && token.is_none_or(str::is_empty) {
        anyhow::bail!(
            "refusing to serve on {addr} without an access token: anyone on that network could read your groups' messages.\n\
             hint: add --token SECRET (clients send `Authorization: Bearer SECRET`), or listen on 127.0.0.1"
        );
    }
    Ok(())
}

/// What the server answers from: rendered and serialised once at start.
pub struct Served {
    pub html: Bytes,
    pub report: Bytes,
    pub groups: Bytes,
    pub group: HashMap<i64, Bytes>,
    pub access: Access,
}

impl Served {
    /// Renders every answer of the report JSON once.
    pub fn new(html: String, report: &Value, access: Access) -> Served {
        let all = report["groups"].as_array().cloned().unwrap_or_default();
        let rows: Vec<Value> = all
            .iter()
            .map(|g| {
                let d = &g["diagnosis"];
                json!({"id": d["group_id"], "group": d["group"], "platform": d["platform"], "status": d["status"],
                       "stage": d["stage"], "action": d["triage"]["action"]})
            })
            .collect();
        let group = all
            .iter()
            .filter_map(|g| Some((g["diagnosis"]["group_id"].as_i64()?, Bytes::from(g.to_string()))))
            .collect();
        Served {
            html: Bytes::from(html),
            report: Bytes::from(report.to_string()),
            groups: Bytes::from(Value::from(rows).to_string()),
            group,
            access,
        }
    }
}

fn json_bytes(b: &Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], b.clone()).into_response()
}

async fn page(State(s): State<Arc<Served>>, h: HeaderMap) -> Response {
    if let Err(refused) = s.access.check(&h) {
        return refused.response();
    }
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")], s.html.clone())
        .into_response()
}

async fn report(State(s): State<Arc<Served>>, h: HeaderMap) -> Response {
    match s.access.check(&h) {
        Err(refused) => refused.response(),
        Ok(()) => json_bytes(&s.report),
    }
}

async fn groups(State(s): State<Arc<Served>>, h: HeaderMap) -> Response {
    match s.access.check(&h) {
        Err(refused) => refused.response(),
        Ok(()) => json_bytes(&s.groups),
    }
}

async fn group(State(s): State<Arc<Served>>, Path(id): Path<i64>, h: HeaderMap) -> Response {
    if let Err(refused) = s.access.check(&h) {
        return refused.response();
    }
    match s.group.get(&id) {
        Some(g) => json_bytes(g),
        None => (StatusCode::NOT_FOUND, format!("no group with id {id}; list them at /api/groups\n")).into_response(),
    }
}

async fn login(State(s): State<Arc<Served>>, h: HeaderMap, body: Bytes) -> Response {
    s.access.login(&h, &body)
}

/// The routes: `/`, `/login`, `/api/report`, `/api/groups`, `/api/groups/{id}`.
pub fn router(served: Served) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/login", post(login))
        .route("/api/report", get(report))
        .route("/api/groups", get(groups))
        .route("/api/groups/{id}", get(group))
        .with_state(Arc::new(served))
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    check_bind(&args.addr, args.token.as_deref())?;
    let config = args.config.load()?;
    let archive = cli.open_existing_archive()?;
    let ids: Vec<i64> = archive.groups()?.iter().map(|g| g.id).collect();
    let as_of = super::group::resolve_as_of(&archive, args.as_of.as_deref())?;
    drop(archive);
    let results = analysis::analyse_archive(&cli.db_path(), &ids, &config, &as_of, &|| ())?;
    let generated = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let input =
        shequn_report::ReportInput { results: &results.groups, summary: &results.summary, generated: &generated };
    let served = Served::new(
        shequn_report::render_html(&input),
        &shequn_report::report_json(&input),
        Access::new(args.token.clone(), args.allow_hosts.clone()),
    );
    drop(results);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_io().enable_time().build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.addr))?;
        eprintln!("看板 / dashboard: http://{}/ (Ctrl-C to stop)", listener.local_addr()?);
        let limits = ConnectionLimits {
            max: args.max_connections,
            idle: std::time::Duration::from_secs(args.idle_timeout.max(1)),
        };
        axum::serve(Bounded::new(listener, limits), router(served))
            .await
            .map_err(|e| anyhow::anyhow!("server stopped: {e}"))
    })?;
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_loopback_needs_a_token() {
        let lan: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        let v6: SocketAddr = "[::]:8080".parse().unwrap();
        let local: SocketAddr = "127.0.0.1:8080".parse().unwrap();
        let local6: SocketAddr = "[::1]:8080".parse().unwrap();
        assert!(check_bind(&lan, None).is_err());
        assert!(check_bind(&lan, Some("")).is_err());
        assert!(check_bind(&v6, None).is_err());
        assert!(check_bind(&lan, Some("s3cret")).is_ok());
        assert!(check_bind(&local, None).is_ok());
        assert!(check_bind(&local6, None).is_ok());
    }
}
