//! Putting the service together: the writer, every configured source's routes and pull
//! loops behind the limits, the dashboard, and a clean stop on Ctrl-C.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;

use crate::dashboard::Dashboard;
use crate::ingest::{Ingest, IngestOptions};
use crate::limits::{Limits, RateLimit};
use crate::source::{Source, SourceContext};
use crate::LiveConfig;

/// Everything the service runs with besides its config.
pub struct Service {
    pub ingest: Ingest,
    pub writer: std::thread::JoinHandle<()>,
    pub sources: Vec<Arc<dyn Source>>,
    pub shutdown: tokio::sync::watch::Sender<bool>,
    pub limits: Arc<Limits>,
}

impl Service {
    /// Starts the writer on the archive at `db` and builds the configured sources (reading
    /// their secrets from the environment). Nothing listens yet.
    pub fn start(config: &LiveConfig, db: &Path) -> anyhow::Result<Service> {
        let mut sources = Vec::new();
        for (name, table) in &config.sources {
            sources.push(crate::sources::build(name, table)?);
        }
        Service::with_sources(config, db, sources)
    }

    /// As [`Service::start`], with sources built by the caller (tests, the benchmark).
    pub fn with_sources(config: &LiveConfig, db: &Path, sources: Vec<Arc<dyn Source>>) -> anyhow::Result<Service> {
        let limits = Arc::new(config.limits.clone());
        let opts = IngestOptions {
            queue: limits.queue,
            wait: Duration::from_millis(limits.ack_wait_ms),
            batch: limits.batch,
            sources: sources.iter().map(|s| s.name().to_string()).collect(),
            heartbeat: Duration::from_secs(config.server.heartbeat_s.max(1)),
        };
        let (ingest, writer) = Ingest::start(db, opts)?;
        let (shutdown, _) = tokio::sync::watch::channel(false);
        Ok(Service { ingest, writer, sources, shutdown, limits })
    }

    fn context(&self) -> SourceContext {
        SourceContext {
            ingest: self.ingest.clone(),
            shutdown: self.shutdown.subscribe(),
            limits: self.limits.clone(),
            rate: Arc::new(RateLimit::new(self.limits.rate_per_s, self.limits.burst)),
        }
    }

    /// Every source's routes, each behind its own rate limit, and the body limit.
    pub fn router(&self) -> Router {
        let mut app = Router::new();
        for s in &self.sources {
            let ctx = self.context();
            let rate = ctx.rate.clone();
            let routes = s.clone().routes(ctx);
            // A pull-only source has no routes (axum refuses a route layer on none).
            if routes.has_routes() {
                app = app.merge(routes.route_layer(middleware::from_fn_with_state(rate, rate_limited)));
            }
        }
        app.layer(DefaultBodyLimit::max(self.limits.body_bytes))
    }

    /// Starts the alerting task (see [`crate::alerting`]) on the current runtime; it stops
    /// with the service.
    pub fn spawn_alerting(&self, alerting: &crate::alerting::Alerting) -> tokio::task::JoinHandle<()> {
        alerting.spawn(self.ingest.clone(), self.shutdown.subscribe())
    }

    /// Starts every pull source's loop and the heartbeat on the current runtime.
    pub fn spawn_pulls(&self) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        for s in &self.sources {
            if let Some(fut) = s.clone().pull(self.context()) {
                let name = s.name();
                tasks.push(tokio::spawn(async move {
                    if let Err(e) = fut.await {
                        eprintln!("shequn live: [{name}] stopped: {e:#}");
                    }
                }));
            }
        }
        let ingest = self.ingest.clone();
        let mut stop = self.shutdown.subscribe();
        let every = Duration::from_secs(60);
        tasks.push(tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = tokio::time::sleep(every) => ingest.heartbeat(),
                    _ = stop.changed() => break,
                }
            }
        }));
        tasks
    }
}

async fn rate_limited(State(rate): State<Arc<RateLimit>>, req: Request, next: Next) -> Response {
    if rate.allow() {
        next.run(req).await
    } else {
        let mut r = (StatusCode::TOO_MANY_REQUESTS, "rate limit: slow down\n").into_response();
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
        r
    }
}

/// Runs the service until Ctrl-C (or SIGTERM): listens, pulls, serves the dashboard.
pub fn run(config: LiveConfig, db: &Path, dashboard: Dashboard) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async move {
        let service = Service::start(&config, db)?;
        let analysis = dashboard.analysis();
        let outbound = config.outbound.build()?;
        let alerting =
            crate::alerting::Alerting::new(&config.alerts, analysis.replies.clone(), analysis.responsiveness.clone())?
                .with_rules(analysis.settings.clone(), analysis.content.clone(), analysis.ad_policies.clone())
                .with_delivery(&config.deliver, &outbound);
        // Started here so a target without credentials stops the service before it listens.
        let deliveries = alerting.start_deliveries()?;
        let alerting = alerting.with_deliveries(deliveries);
        // Before any source runs: the task must be listening when the first commit lands.
        let alerts = service.spawn_alerting(&alerting);
        let app = service
            .router()
            .merge(dashboard.router(service.ingest.clone()))
            .merge(crate::alerting::router(&service.ingest, dashboard.clone()))
            .merge(crate::alert_page::router(&service.ingest, dashboard.clone(), service.shutdown.subscribe()));
        let listener = tokio::net::TcpListener::bind(config.server.addr)
            .await
            .map_err(|e| anyhow::anyhow!("cannot listen on {}: {e}", config.server.addr))?;
        let names: Vec<&str> = service.sources.iter().map(|s| s.name()).collect();
        eprintln!(
            "shequn live: listening on http://{} — sources / 来源: {} — dashboard / 看板: http://{}/ (Ctrl-C to stop)",
            listener.local_addr()?,
            if names.is_empty() { "none".to_string() } else { names.join(", ") },
            listener.local_addr()?
        );
        let mut tasks = service.spawn_pulls();
        tasks.push(alerts);
        let stop = service.shutdown.clone();
        axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                stop_signal().await;
                let _ = stop.send(true);
            })
            .await
            .map_err(|e| anyhow::anyhow!("server stopped: {e}"))?;
        let _ = service.shutdown.send(true);
        for t in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
        }
        let Service { ingest, writer, sources, .. } = service;
        drop(sources);
        drop(ingest);
        // The writer finishes what is queued, then ends with the last handle.
        let _ = tokio::task::spawn_blocking(move || writer.join()).await;
        Ok(())
    })
}

async fn stop_signal() {
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(t) => t,
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                return;
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// A context backed by a fresh writer on the archive at `db`, for tests of one source's
/// routes or pull loop (`tower::ServiceExt::oneshot` on `source.routes(ctx)`).
pub fn test_context(db: &Path) -> anyhow::Result<(SourceContext, tokio::sync::watch::Sender<bool>)> {
    let (ingest, _writer) = Ingest::start(db, IngestOptions::default())?;
    let (shutdown, rx) = tokio::sync::watch::channel(false);
    let limits = Arc::new(Limits::default());
    let ctx =
        SourceContext { ingest, shutdown: rx, rate: Arc::new(RateLimit::new(limits.rate_per_s, limits.burst)), limits };
    Ok((ctx, shutdown))
}
