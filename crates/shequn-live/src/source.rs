//! The one trait every live source implements, and the answers they share.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Router;
use futures_util::future::BoxFuture;
use shequn_model::{GroupInfo, Record};

use crate::ingest::{Ingest, IngestError};
use crate::limits::{Limits, RateLimit};

/// What one platform delivery (a webhook request, one page of `getUpdates`, one `/sync`)
/// turned into. Records refer to groups by slot, as a parser's do: a
/// [`Record::Group`] comes before anything that refers to it.
#[derive(Debug, Clone, Default)]
pub struct Delivery {
    pub records: Vec<Record>,
    /// Where the source now is in its platform's stream (an offset, a sync token): stored in
    /// the same transaction as the records, under the source's name.
    pub cursor: Option<String>,
}

impl Delivery {
    /// Declares `group` (once per delivery) and returns its slot.
    pub fn group(&mut self, group: GroupInfo) -> u32 {
        let mut slot = 0u32;
        for r in &self.records {
            if let Record::Group(g) = r {
                if g.platform == group.platform && g.platform_id == group.platform_id {
                    return slot;
                }
                slot += 1;
            }
        }
        self.records.push(Record::Group(group));
        slot
    }

    /// True when there is nothing to store (an event with no group, a heartbeat).
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.cursor.is_none()
    }
}

/// What a source gets to work with.
#[derive(Clone)]
pub struct SourceContext {
    /// Where deliveries go; `store` returns once they are durable.
    pub ingest: Ingest,
    /// Flips to true when the service stops: pull loops return.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    pub limits: Arc<Limits>,
    /// This source's request budget (per second, with a burst).
    pub rate: Arc<RateLimit>,
}

impl SourceContext {
    /// Stores a delivery under `source` and maps the outcome to an HTTP answer: `ok` once
    /// durable, 503 (the platform retries) when the writer is busy or failed, 400 when the
    /// records themselves were refused.
    pub async fn store_and_answer(&self, source: &str, delivery: Delivery, ok: Response) -> Response {
        if delivery.is_empty() {
            return ok;
        }
        match self.ingest.store(source, delivery).await {
            Ok(_) => ok,
            Err(e) => error_response(&e),
        }
    }
}

/// The usual answer to a push: 401 when the origin check failed (nothing parsed), 400 when
/// the body does not convert, else stored and then 200 `{"stored": records}`.
pub async fn answer_push(
    ctx: &SourceContext,
    source: &str,
    origin: Result<(), &str>,
    convert: impl FnOnce() -> Result<Delivery, String>,
) -> Response {
    if let Err(why) = origin {
        return unauthorized(why);
    }
    let delivery = match convert() {
        Ok(d) => d,
        Err(e) => return bad_request(e),
    };
    let n = delivery.records.len();
    let ok = (StatusCode::OK, axum::Json(serde_json::json!({ "stored": n }))).into_response();
    ctx.store_and_answer(source, delivery, ok).await
}

/// A platform source. Adding a platform is one module under [`crate::sources`] and one line
/// in [`crate::sources::build`].
pub trait Source: Send + Sync + 'static {
    /// The config table and cursor name (`telegram`, `onebot`, ...).
    fn name(&self) -> &'static str;

    /// HTTP routes the platform pushes to (webhooks). Paths start with `/<name>`.
    fn routes(self: Arc<Self>, _ctx: SourceContext) -> Router {
        Router::new()
    }

    /// A loop that pulls from the platform until `ctx.shutdown`; None for push-only sources.
    fn pull(self: Arc<Self>, _ctx: SourceContext) -> Option<BoxFuture<'static, anyhow::Result<()>>> {
        None
    }
}

/// The answer for a write that did not happen.
pub fn error_response(e: &IngestError) -> Response {
    let status = match e {
        IngestError::Busy | IngestError::Failed(_) | IngestError::Stopped => StatusCode::SERVICE_UNAVAILABLE,
        IngestError::Rejected(_) => StatusCode::BAD_REQUEST,
    };
    let mut r = (status, axum::Json(serde_json::json!({ "error": e.to_string() }))).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        r.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
    }
    r
}

/// 400 naming what was wrong with the request (the field, the line).
pub fn bad_request(what: impl Into<String>) -> Response {
    (StatusCode::BAD_REQUEST, axum::Json(serde_json::json!({ "error": what.into() }))).into_response()
}

/// 401: the request did not prove it came from the platform. Nothing is stored.
pub fn unauthorized(what: &str) -> Response {
    (StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({ "error": what }))).into_response()
}

/// Compares secrets in constant time (no early exit that a timing probe could measure).
pub fn same_secret(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// The current time in milliseconds since the epoch.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}
