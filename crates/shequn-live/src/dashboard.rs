//! The dashboard on live data: the report page and `/api/groups`, `/api/groups/{id}`, with
//! each group's results computed on demand and cached until that group's data changes (or
//! its as-of moves on by more than `refresh_ms`: a silence that goes on is news too).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use shequn_archive::Archive;
use shequn_engine::{AnalysisConfig, AsOf};
use shequn_report::GroupResult;

use crate::access::Access;
use crate::ingest::{Changes, Ingest};

/// What the dashboard analyses with, and its cache.
#[derive(Clone)]
pub struct Dashboard {
    inner: Arc<Inner>,
}

struct Inner {
    /// The dashboard's analyses run here: one thread at low priority, so re-analysing
    /// thousands of groups never takes the cores the webhooks and the writer need.
    pool: rayon::ThreadPool,
    config: AnalysisConfig,
    access: Access,
    refresh_ms: i64,
    /// Renders of the whole portfolio at once: more wait (then 503), so a burst of requests
    /// cannot take the memory of many reports.
    renders: Arc<tokio::sync::Semaphore>,
    cache: Mutex<HashMap<i64, Cached>>,
}

struct Cached {
    version: u64,
    as_of: i64,
    result: Arc<GroupResult>,
}

impl Dashboard {
    /// `access`: the token (bearer header or the `/login` cookie) and the host names allowed.
    /// `refresh_ms`: how far a group's as-of may move before its cached results are redone.
    pub fn new(config: AnalysisConfig, access: Access, refresh_ms: i64) -> Dashboard {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .thread_name(|_| "shequn-dashboard".into())
            .start_handler(|_| lower_priority())
            .build()
            .expect("one thread can always be started");
        let renders = Arc::new(tokio::sync::Semaphore::new(RENDERS_AT_ONCE));
        Dashboard {
            inner: Arc::new(Inner { pool, config, access, refresh_ms, renders, cache: Mutex::new(HashMap::new()) }),
        }
    }

    /// Every group's results (or one group's), oldest id first: cached ones as they are,
    /// the rest analysed now in parallel. Blocking: call from a blocking thread.
    pub fn results(&self, db: &Path, changes: &Changes, only: Option<i64>) -> anyhow::Result<Vec<Arc<GroupResult>>> {
        let archive = Archive::open_readonly(db)?;
        let spans = archive.spans()?;
        let as_of = AsOf::per_group(spans.iter().map(|g| (g.id, g.last_ms, g.coverage.map(|c| c.last_ms))));
        let ids: Vec<i64> = spans.iter().map(|g| g.id).filter(|id| only.is_none_or(|o| o == *id)).collect();
        drop(archive);
        let versions: Vec<u64> = ids.iter().map(|id| changes.version(*id)).collect();
        let stale: Vec<i64> = {
            let cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
            ids.iter()
                .zip(&versions)
                .filter(|(id, v)| {
                    cache
                        .get(id)
                        .is_none_or(|c| c.version != **v || (as_of.of(**id) - c.as_of).abs() > self.inner.refresh_ms)
                })
                .map(|(id, _)| *id)
                .collect()
        };
        if !stale.is_empty() {
            let fresh = self.inner.pool.install(|| {
                shequn_engine::analyse_groups(
                    &stale,
                    || Archive::open_readonly(db).map_err(|e| format!("cannot open {}: {e}", db.display())),
                    |a, id| Ok(a.timeline(id)?),
                    &self.inner.config,
                    &as_of,
                    &|| (),
                )
            })?;
            let mut cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
            for (id, result) in stale.iter().zip(fresh.groups) {
                let version = ids.iter().position(|x| x == id).map(|i| versions[i]).unwrap_or(0);
                cache.insert(*id, Cached { version, as_of: as_of.of(*id), result: Arc::new(result) });
            }
        }
        let cache = self.inner.cache.lock().unwrap_or_else(|e| e.into_inner());
        Ok(ids.iter().filter_map(|id| cache.get(id).map(|c| c.result.clone())).collect())
    }

    /// `/`, `/api/groups`, `/api/groups/{id}`, reading the archive `ingest` writes.
    pub fn router(&self, ingest: Ingest) -> Router {
        let state =
            Served { dashboard: self.clone(), db: ingest.path().to_path_buf(), changes: ingest.changes.clone() };
        Router::new()
            .route("/", get(page))
            .route("/api/groups", get(groups))
            .route("/api/groups/{id}", get(group))
            .route("/login", axum::routing::post(login))
            .with_state(state)
    }

    /// The analysis settings the dashboard runs with (alerts link and judge replies the same way).
    pub fn analysis(&self) -> &AnalysisConfig {
        &self.inner.config
    }

    /// The answer refusing a request (wrong host, cross-origin, no token), or None when it
    /// may read: the alert routes are behind the same door.
    pub(crate) fn refuse(&self, headers: &HeaderMap) -> Option<Response> {
        self.inner.access.check(headers).err().map(|r| r.response())
    }
}

#[derive(Clone)]
struct Served {
    dashboard: Dashboard,
    db: PathBuf,
    changes: Arc<Changes>,
}

impl Served {
    async fn results(&self, only: Option<i64>) -> Result<Vec<Arc<GroupResult>>, Response> {
        let renders = self.dashboard.inner.renders.clone();
        let Ok(Ok(_permit)) = tokio::time::timeout(RENDER_WAIT, renders.acquire_owned()).await else {
            return Err(
                (StatusCode::SERVICE_UNAVAILABLE, "busy: too many reports being computed; try again\n").into_response()
            );
        };
        let me = self.clone();
        tokio::task::spawn_blocking(move || me.dashboard.results(&me.db, &me.changes, only))
            .await
            .map_err(|e| internal(&e.to_string()))?
            .map_err(|e| internal(&format!("{e:#}")))
    }
}

fn internal(e: &str) -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({ "error": e }))).into_response()
}

/// Portfolio computations at once, and how long a request waits for its turn.
const RENDERS_AT_ONCE: usize = 2;
const RENDER_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

async fn login(State(s): State<Served>, h: HeaderMap, body: axum::body::Bytes) -> Response {
    s.dashboard.inner.access.login(&h, &body)
}

async fn groups(State(s): State<Served>, h: HeaderMap) -> Response {
    if let Some(refused) = s.dashboard.refuse(&h) {
        return refused;
    }
    let results = match s.results(None).await {
        Ok(r) => r,
        Err(e) => return e,
    };
    let rows: Vec<serde_json::Value> = results
        .iter()
        .map(|g| {
            let d = &g.diagnosis;
            let v = serde_json::to_value(d).unwrap_or_default();
            json!({"id": v["group_id"], "group": v["group"], "platform": v["platform"], "status": v["status"],
                   "stage": v["stage"], "action": v["triage"]["action"], "as_of": v["as_of"],
                   "last_member_day": v["lifespan"]["last_member_day"],
                   "early_warning_risk": g.early_warning.as_ref().map(|w| w.risk)})
        })
        .collect();
    Json(rows).into_response()
}

async fn group(State(s): State<Served>, UrlPath(id): UrlPath<i64>, h: HeaderMap) -> Response {
    if let Some(refused) = s.dashboard.refuse(&h) {
        return refused;
    }
    match s.results(Some(id)).await {
        Ok(r) => match r.first() {
            Some(g) => Json(g.as_ref()).into_response(),
            None => {
                (StatusCode::NOT_FOUND, format!("no group with id {id}; list them at /api/groups\n")).into_response()
            }
        },
        Err(e) => e,
    }
}

async fn page(State(s): State<Served>, h: HeaderMap) -> Response {
    if let Some(refused) = s.dashboard.refuse(&h) {
        return refused;
    }
    let results = match s.results(None).await {
        Ok(r) => r,
        Err(e) => return e,
    };
    let html = tokio::task::spawn_blocking(move || {
        let owned: Vec<GroupResult> = results.iter().map(|r| r.as_ref().clone()).collect();
        let diagnoses: Vec<_> = owned.iter().map(|g| g.diagnosis.clone()).collect();
        let summary = shequn_diagnosis::summarize(&diagnoses);
        let generated = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
        shequn_report::render_html(&shequn_report::ReportInput {
            results: &owned,
            summary: &summary,
            generated: &generated,
        })
    })
    .await;
    match html {
        Ok(html) => {
            ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::X_CONTENT_TYPE_OPTIONS, "nosniff")], html)
                .into_response()
        }
        Err(e) => internal(&e.to_string()),
    }
}

/// Nice 10 for the calling thread (Linux schedules threads, so this touches no other thread).
fn lower_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority with PRIO_PROCESS and a thread id changes only that thread's nice value.
    unsafe {
        let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
        libc::setpriority(libc::PRIO_PROCESS, tid, 10);
    }
}
