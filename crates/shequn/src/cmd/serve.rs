//! `shequn serve`: the report as a local web dashboard with a JSON API.
//! Loopback only unless an access token is given; with a token every request must carry it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{json, Value};

use super::Cli;
use crate::analysis;

/// Serve the report as a local dashboard (本地看板): the same pages at `/`, JSON at `/api/...`.
#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on. Anything other than loopback needs --token.
    #[arg(long, default_value = "127.0.0.1:8080", value_name = "IP:PORT")]
    pub addr: SocketAddr,
    /// Access token: requests must send `Authorization: Bearer T` or `?token=T`.
    #[arg(long, env = "SHEQUN_TOKEN", value_name = "T")]
    pub token: Option<String>,
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

/// What the server answers from: computed once at start.
pub struct Served {
    pub html: String,
    pub report: Value,
    pub token: Option<String>,
}

fn authorised(s: &Served, headers: &HeaderMap, query: &HashMap<String, String>) -> bool {
    let Some(t) = s.token.as_deref() else { return true };
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .is_some_and(|v| v == t);
    bearer || query.get("token").is_some_and(|v| v == t)
}

fn denied() -> Response {
    (StatusCode::UNAUTHORIZED, "access token required: send `Authorization: Bearer T` or add ?token=T\n")
        .into_response()
}

async fn page(State(s): State<Arc<Served>>, h: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    if !authorised(&s, &h, &q) {
        return denied();
    }
    ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")], s.html.clone())
        .into_response()
}

async fn report(State(s): State<Arc<Served>>, h: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    if !authorised(&s, &h, &q) {
        return denied();
    }
    Json(s.report.clone()).into_response()
}

async fn groups(State(s): State<Arc<Served>>, h: HeaderMap, Query(q): Query<HashMap<String, String>>) -> Response {
    if !authorised(&s, &h, &q) {
        return denied();
    }
    let rows: Vec<Value> = s.report["groups"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|g| {
            let d = &g["diagnosis"];
            json!({"id": d["group_id"], "group": d["group"], "platform": d["platform"], "status": d["status"],
                   "stage": d["stage"], "action": d["triage"]["action"]})
        })
        .collect();
    Json(rows).into_response()
}

async fn group(
    State(s): State<Arc<Served>>,
    Path(id): Path<i64>,
    h: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    if !authorised(&s, &h, &q) {
        return denied();
    }
    let found = s.report["groups"].as_array().into_iter().flatten().find(|g| g["diagnosis"]["group_id"] == id);
    match found {
        Some(g) => Json(g.clone()).into_response(),
        None => (StatusCode::NOT_FOUND, format!("no group with id {id}; list them at /api/groups\n")).into_response(),
    }
}

/// The routes: `/`, `/api/report`, `/api/groups`, `/api/groups/{id}`.
pub fn router(served: Served) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/api/report", get(report))
        .route("/api/groups", get(groups))
        .route("/api/groups/{id}", get(group))
        .with_state(Arc::new(served))
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    check_bind(&args.addr, args.token.as_deref())?;
    let config = args.config.load()?;
    let archive = cli.open_archive()?;
    let ids: Vec<i64> = archive.groups()?.iter().map(|g| g.id).collect();
    let as_of = super::group::resolve_as_of(&archive, args.as_of.as_deref())?;
    drop(archive);
    let results = analysis::analyse_archive(&cli.db_path(), &ids, &config, &as_of, &|| ())?;
    let generated = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let input =
        shequn_report::ReportInput { results: &results.groups, summary: &results.summary, generated: &generated };
    let served = Served {
        html: shequn_report::render_html(&input),
        report: shequn_report::report_json(&input),
        token: args.token.clone().filter(|t| !t.is_empty()),
    };
    drop(results);
    let rt = tokio::runtime::Builder::new_multi_thread().enable_io().build()?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", args.addr))?;
        eprintln!("看板 / dashboard: http://{}/ (Ctrl-C to stop)", listener.local_addr()?);
        axum::serve(listener, router(served)).await.map_err(|e| anyhow::anyhow!("server stopped: {e}"))
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
