//! Matrix: a bot account that long-polls `/sync` for the rooms it is in (accepting
//! invitations when `auto_join`), so any homeserver works without an appservice.
//!
//! Each `/sync` page is stored with its `next_batch` as the cursor, in the same transaction
//! as its records: a restart resumes from the last stored page, and `since` only moves after
//! the store succeeded, so nothing is lost or repeated (event ids are record ids as well).
//!
//! ```toml
//! [matrix]
//! homeserver = "https://matrix.example.org"
//! user_id = "@shequn:example.org"
//! access_token_env = "SHEQUN_MATRIX_TOKEN"   # or password_env = "SHEQUN_MATRIX_PASSWORD"
//! auto_join = true
//! timeout_ms = 30000
//! ```

pub mod convert;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::ingest::IngestError;
use crate::source::{Source, SourceContext};
use convert::{Backfill, Rooms};

/// The `[matrix]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixConfig {
    /// The client-server API base, e.g. `https://matrix.example.org`.
    pub homeserver: String,
    /// The bot's full user id, `@shequn:example.org`.
    pub user_id: String,
    /// The environment variable holding an access token.
    pub access_token_env: Option<String>,
    /// Or: the environment variable holding the bot's password (logs in as device `SHEQUN`).
    pub password_env: Option<String>,
    /// Accept room invitations.
    #[serde(default = "yes")]
    pub auto_join: bool,
    /// How long the homeserver holds a `/sync` open when nothing happens.
    #[serde(default = "default_timeout")]
    pub timeout_ms: u64,
    /// Events per room per `/sync` page.
    #[serde(default = "default_limit")]
    pub timeline_limit: u32,
    /// `/messages` pages (of `timeline_limit` events) read back to fill one gap at most.
    #[serde(default = "default_backfill")]
    pub backfill_pages: u32,
}

fn yes() -> bool {
    true
}
fn default_timeout() -> u64 {
    30_000
}
fn default_limit() -> u32 {
    100
}
fn default_backfill() -> u32 {
    10
}

/// How the bot proves who it is.
#[derive(Clone)]
pub enum Auth {
    Token { token: String, var: String },
    Password { password: String },
}

pub struct Matrix {
    pub config: MatrixConfig,
    homeserver: String,
    auth: Auth,
}

pub fn from_config(table: &toml::Value) -> anyhow::Result<Arc<dyn Source>> {
    let c: MatrixConfig = crate::config::table("matrix", table)?;
    let auth = match (&c.access_token_env, &c.password_env) {
        (Some(var), None) => {
            Auth::Token { token: crate::config::secret(var, "[matrix] access_token_env")?, var: var.clone() }
        }
        (None, Some(var)) => Auth::Password { password: crate::config::secret(var, "[matrix] password_env")? },
        _ => anyhow::bail!("[matrix]: set one of access_token_env or password_env"),
    };
    Ok(Arc::new(Matrix::new(c, auth)?))
}

impl Matrix {
    pub fn new(config: MatrixConfig, auth: Auth) -> anyhow::Result<Matrix> {
        if !config.user_id.starts_with('@') || !config.user_id.contains(':') {
            anyhow::bail!(
                "[matrix] user_id must be a full Matrix id like @shequn:example.org, not {:?}",
                config.user_id
            );
        }
        let homeserver = config.homeserver.trim_end_matches('/').to_string();
        if !homeserver.starts_with("http://") && !homeserver.starts_with("https://") {
            anyhow::bail!("[matrix] homeserver must start with https:// (or http:// on loopback)");
        }
        Ok(Matrix { config, homeserver, auth })
    }
}

impl Source for Matrix {
    fn name(&self) -> &'static str {
        "matrix"
    }

    /// `GET /matrix` says the source is there (it pulls; nothing is pushed to it). Also keeps
    /// the service's per-source `route_layer` from meeting an empty router, which panics.
    fn routes(self: Arc<Self>, _ctx: SourceContext) -> axum::Router {
        axum::Router::new().route(
            "/matrix",
            axum::routing::get(|| async { axum::Json(json!({ "source": "matrix", "mode": "sync" })) }),
        )
    }

    fn pull(self: Arc<Self>, ctx: SourceContext) -> Option<BoxFuture<'static, anyhow::Result<()>>> {
        Some(Box::pin(run(self, ctx)))
    }
}

/// A failed call: the homeserver's `errcode` when it answered, else the transport's error.
#[derive(Debug)]
enum CallError {
    Matrix { status: u16, errcode: String, error: String, retry_after_ms: Option<u64> },
    Transport(String),
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CallError::Matrix { status, errcode, error, .. } => write!(f, "HTTP {status} {errcode}: {error}"),
            CallError::Transport(e) => write!(f, "{e}"),
        }
    }
}

impl CallError {
    fn errcode(&self) -> &str {
        match self {
            CallError::Matrix { errcode, .. } => errcode,
            CallError::Transport(_) => "",
        }
    }
}

/// Blocking calls to the homeserver (ureq), made on their own threads.
#[derive(Clone)]
struct Client {
    agent: ureq::Agent,
    base: String,
}

/// Percent-encodes one path segment (room and event ids hold `!`, `$`, `:`, `/`...).
fn segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

impl Client {
    fn new(base: &str, timeout_ms: u64) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // A long-poll takes `timeout_ms`; give the homeserver half a minute more.
            .timeout_global(Some(Duration::from_millis(timeout_ms + 30_000)))
            .build()
            .into();
        Client { agent, base: base.to_string() }
    }

    fn call(
        &self,
        method: &str,
        path: &str,
        query: &[(&str, &str)],
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Result<Value, CallError> {
        let url = format!("{}{path}", self.base);
        let auth = token.map(|t| format!("Bearer {t}"));
        let result = if method == "GET" {
            let mut r = self.agent.get(&url);
            for (k, v) in query {
                r = r.query(*k, *v);
            }
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.call()
        } else {
            let mut r = if method == "PUT" { self.agent.put(&url) } else { self.agent.post(&url) };
            for (k, v) in query {
                r = r.query(*k, *v);
            }
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.header("Content-Type", "application/json").send(body.unwrap_or(&json!({})).to_string())
        };
        // ureq's error names the URL at most; the token is in a header and never printed.
        let mut resp = result.map_err(|e| CallError::Transport(format!("{path}: {e}")))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .with_config()
            .limit(256 * 1024 * 1024)
            .read_to_string()
            .map_err(|e| CallError::Transport(format!("{path}: reading the answer: {e}")))?;
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        if (200..300).contains(&status) {
            return Ok(value);
        }
        Err(CallError::Matrix {
            status,
            errcode: value.get("errcode").and_then(Value::as_str).unwrap_or("").to_string(),
            error: value
                .get("error")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| text.chars().take(200).collect()),
            retry_after_ms: value.get("retry_after_ms").and_then(Value::as_u64),
        })
    }
}

/// Runs `f` on a thread of its own. Not `spawn_blocking`: a long-poll in flight must not hold
/// up the runtime's shutdown.
async fn off_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::Builder::new()
        .name("shequn-matrix".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .expect("a thread for a Matrix request");
    rx.await.expect("the Matrix request thread answers")
}

/// Waits `d`, or less when the service stops; true when it stops.
async fn sleep_or_stop(d: Duration, stop: &mut tokio::sync::watch::Receiver<bool>) -> bool {
    if *stop.borrow() {
        return true;
    }
    tokio::select! {
        _ = tokio::time::sleep(d) => *stop.borrow(),
        r = stop.changed() => r.is_err() || *stop.borrow(),
    }
}

/// 1 s doubling to 30 s; reset after a success.
struct Backoff(Duration);

impl Backoff {
    fn new() -> Backoff {
        Backoff(Duration::from_secs(1))
    }
    fn next(&mut self, hint_ms: Option<u64>) -> Duration {
        let d = hint_ms.map(Duration::from_millis).unwrap_or(self.0);
        self.0 = (self.0 * 2).min(Duration::from_secs(30));
        d.min(Duration::from_secs(30))
    }
    fn reset(&mut self) {
        self.0 = Duration::from_secs(1);
    }
}

/// The `/sync` filter: room timelines and state only, every member's state (the names).
fn filter(limit: u32) -> String {
    json!({
        "presence": { "not_types": ["*"] },
        "account_data": { "not_types": ["*"] },
        "room": {
            "timeline": { "limit": limit },
            "state": { "lazy_load_members": false },
            "ephemeral": { "not_types": ["*"] },
            "account_data": { "not_types": ["*"] }
        }
    })
    .to_string()
}

/// The loop: sync, join invitations, fill gaps, store the page with its cursor, repeat.
async fn run(me: Arc<Matrix>, ctx: SourceContext) -> anyhow::Result<()> {
    let c = &me.config;
    let client = Client::new(&me.homeserver, c.timeout_ms);
    let mut since = ctx.ingest.cursor("matrix")?;
    let mut rooms = Rooms::new(&c.user_id);
    let mut backoff = Backoff::new();
    let filter = filter(c.timeline_limit.max(1));
    let mut stop = ctx.shutdown.clone();
    let mut token = None::<String>;
    let mut invites = BTreeSet::new();
    eprintln!(
        "shequn live: [matrix] syncing {} as {} ({})",
        me.homeserver,
        c.user_id,
        if since.is_some() { "resuming from the stored cursor" } else { "first sync" }
    );
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        let tok = match &token {
            Some(t) => t.clone(),
            None => match login(&me, &client, &mut stop, &mut backoff).await? {
                Some(t) => {
                    token = Some(t.clone());
                    t
                }
                None => return Ok(()),
            },
        };
        let timeout = if since.is_some() { c.timeout_ms } else { 0 }.to_string();
        let query: Vec<(String, String)> = [("filter", filter.clone()), ("timeout", timeout)]
            .into_iter()
            .chain(since.clone().map(|s| ("since", s)))
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let (cl, t) = (client.clone(), tok.clone());
        let call = off_thread(move || {
            let q: Vec<(&str, &str)> = query.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
            cl.call("GET", "/_matrix/client/v3/sync", &q, Some(&t), None)
        });
        let sync = tokio::select! {
            r = call => r,
            _ = stop.changed() => return Ok(()),
        };
        let sync = match sync {
            Ok(s) => s,
            Err(e) if e.errcode() == "M_UNKNOWN_TOKEN" => match &me.auth {
                Auth::Token { var, .. } => anyhow::bail!(
                    "the homeserver {} does not accept the access token in {var} (M_UNKNOWN_TOKEN): it was \
                     logged out or belongs to another account; create a new one and restart",
                    me.homeserver
                ),
                Auth::Password { .. } => {
                    let wait = backoff.next(None);
                    eprintln!(
                        "shequn live: [matrix] the session ended (M_UNKNOWN_TOKEN); logging in again in {} s",
                        wait.as_secs()
                    );
                    token = None;
                    if sleep_or_stop(wait, &mut stop).await {
                        return Ok(());
                    }
                    continue;
                }
            },
            Err(e) => {
                let hint = match &e {
                    CallError::Matrix { retry_after_ms, .. } => *retry_after_ms,
                    _ => None,
                };
                let wait = backoff.next(hint);
                eprintln!("shequn live: [matrix] /sync failed: {e}; retrying in {} s", wait.as_secs_f32());
                if sleep_or_stop(wait, &mut stop).await {
                    return Ok(());
                }
                continue;
            }
        };
        let Some(next) = sync.get("next_batch").and_then(Value::as_str).map(str::to_string) else {
            let wait = backoff.next(None);
            eprintln!("shequn live: [matrix] /sync answered without next_batch; retrying in {} s", wait.as_secs());
            if sleep_or_stop(wait, &mut stop).await {
                return Ok(());
            }
            continue;
        };
        if c.auto_join {
            join_invites(&client, &tok, &sync, &mut invites).await;
        }
        let initial = since.is_none();
        if !initial {
            seed_rooms(&client, &tok, &sync, &mut rooms).await;
        }
        let gaps = match backfill(&client, &tok, &sync, since.as_deref(), c).await {
            Ok(g) => g,
            Err(e) => {
                // The page is not stored without its gap: the same sync is tried again.
                let wait = backoff.next(None);
                eprintln!("shequn live: [matrix] could not fill a gap: {e}; retrying in {} s", wait.as_secs());
                if sleep_or_stop(wait, &mut stop).await {
                    return Ok(());
                }
                continue;
            }
        };
        let mut delivery = rooms.convert(&sync, &gaps, initial);
        delivery.cursor = Some(next.clone());
        // The page is stored before `since` moves: a failed store is retried as is.
        loop {
            match ctx.ingest.store("matrix", delivery.clone()).await {
                Ok(_) => break,
                Err(IngestError::Rejected(why)) => {
                    // Retrying cannot help and would stall every room: say so and move on.
                    eprintln!(
                        "shequn live: [matrix] the archive refused a /sync page of {} records ({why}); skipping it",
                        delivery.records.len()
                    );
                    delivery.records.clear();
                }
                Err(e) => {
                    let wait = backoff.next(None);
                    eprintln!(
                        "shequn live: [matrix] could not store a /sync page: {e}; retrying in {} s",
                        wait.as_secs()
                    );
                    if sleep_or_stop(wait, &mut stop).await {
                        return Ok(());
                    }
                }
            }
        }
        backoff.reset();
        since = Some(next);
    }
}

/// The token to sync with: the configured one, or a fresh login. None when stopping.
async fn login(
    me: &Matrix,
    client: &Client,
    stop: &mut tokio::sync::watch::Receiver<bool>,
    backoff: &mut Backoff,
) -> anyhow::Result<Option<String>> {
    let password = match &me.auth {
        Auth::Token { token, .. } => return Ok(Some(token.clone())),
        Auth::Password { password } => password.clone(),
    };
    loop {
        let body = json!({
            "type": "m.login.password",
            "identifier": { "type": "m.id.user", "user": me.config.user_id },
            "password": password,
            "device_id": "SHEQUN",
            "initial_device_display_name": "shequn live",
        });
        let cl = client.clone();
        let r = off_thread(move || cl.call("POST", "/_matrix/client/v3/login", &[], None, Some(&body))).await;
        match r {
            Ok(v) => match v.get("access_token").and_then(Value::as_str) {
                Some(t) => return Ok(Some(t.to_string())),
                None => anyhow::bail!("{} answered the login without an access token", me.homeserver),
            },
            Err(e) if e.errcode() == "M_FORBIDDEN" || e.errcode() == "M_USER_DEACTIVATED" => anyhow::bail!(
                "the homeserver {} refused the login of {} ({}): check the password in password_env",
                me.homeserver,
                me.config.user_id,
                e.errcode()
            ),
            Err(e) => {
                let wait = backoff.next(None);
                eprintln!("shequn live: [matrix] login failed: {e}; retrying in {} s", wait.as_secs());
                if sleep_or_stop(wait, stop).await {
                    return Ok(None);
                }
            }
        }
    }
}

/// Accepts the invitations in the page and those still pending: an incremental `/sync` shows
/// an invitation once, so a join that failed for a passing reason is tried again at each
/// page; one the homeserver refuses outright is given up.
async fn join_invites(client: &Client, token: &str, sync: &Value, pending: &mut BTreeSet<String>) {
    if let Some(invites) = sync.get("rooms").and_then(|r| r.get("invite")).and_then(Value::as_object) {
        pending.extend(invites.keys().cloned());
    }
    for room in pending.clone() {
        let (cl, t) = (client.clone(), token.to_string());
        let path = format!("/_matrix/client/v3/join/{}", segment(&room));
        match off_thread(move || cl.call("POST", &path, &[], Some(&t), Some(&json!({})))).await {
            Ok(_) => {
                eprintln!("shequn live: [matrix] joined {room} (invited)");
                pending.remove(&room);
            }
            Err(e @ CallError::Matrix { status: 403 | 404, .. }) => {
                eprintln!("shequn live: [matrix] could not join {room}: {e}; giving up on this invitation");
                pending.remove(&room);
            }
            Err(e) => eprintln!("shequn live: [matrix] could not join {room}: {e}; trying again at the next page"),
        }
    }
}

/// After a restart, reads the current state of each room met for the first time, so names
/// stay the room's and the members' own.
async fn seed_rooms(client: &Client, token: &str, sync: &Value, rooms: &mut Rooms) {
    // A room the bot has left answers 403: its names come from the page itself.
    let ids: Vec<String> = ["join"]
        .iter()
        .filter_map(|s| sync.get("rooms").and_then(|r| r.get(*s)).and_then(Value::as_object))
        .flat_map(|o| o.keys().cloned())
        .filter(|id| !rooms.known(id))
        .collect();
    for room in ids {
        let (cl, t) = (client.clone(), token.to_string());
        let path = format!("/_matrix/client/v3/rooms/{}/state", segment(&room));
        match off_thread(move || cl.call("GET", &path, &[], Some(&t), None)).await {
            Ok(Value::Array(state)) => rooms.seed(&room, &state),
            Ok(_) => {}
            Err(e) => eprintln!("shequn live: [matrix] could not read the state of {room}: {e}"),
        }
    }
}

/// Fills each `limited` timeline from its `prev_batch` back to the previous page (`to` = the
/// old `since`), or, in a room the bot has just joined or on a first sync, back to the room's
/// start; at most `backfill_pages` pages a room.
async fn backfill(
    client: &Client,
    token: &str,
    sync: &Value,
    since: Option<&str>,
    c: &MatrixConfig,
) -> Result<HashMap<String, Backfill>, CallError> {
    let mut out = HashMap::new();
    let me = c.user_id.as_str();
    let limited: Vec<(String, String, Option<String>)> = ["join", "leave"]
        .iter()
        .filter_map(|s| sync.get("rooms").and_then(|r| r.get(*s)).and_then(Value::as_object))
        .flat_map(|o| o.iter())
        .filter(|(_, r)| r.pointer("/timeline/limited").and_then(Value::as_bool) == Some(true))
        .filter_map(|(id, r)| {
            let prev = r.pointer("/timeline/prev_batch")?.as_str()?.to_string();
            let joined_now = r.pointer("/timeline/events").and_then(Value::as_array).is_some_and(|evs| {
                evs.iter().any(|e| {
                    e.get("type").and_then(Value::as_str) == Some("m.room.member")
                        && e.get("state_key").and_then(Value::as_str) == Some(me)
                        && e.pointer("/content/membership").and_then(Value::as_str) == Some("join")
                        && e.pointer("/unsigned/prev_content/membership").and_then(Value::as_str) != Some("join")
                })
            });
            Some((id.clone(), prev, if joined_now { None } else { since.map(str::to_string) }))
        })
        .collect();
    for (room, prev_batch, to) in limited {
        let (cl, t) = (client.clone(), token.to_string());
        let path = format!("/_matrix/client/v3/rooms/{}/messages", segment(&room));
        let (limit, pages) = (c.timeline_limit.max(1).to_string(), c.backfill_pages);
        let gap = off_thread(move || {
            let mut from = prev_batch;
            let mut events: Vec<Value> = Vec::new();
            for _ in 0..pages {
                let mut q = vec![("dir", "b"), ("from", from.as_str()), ("limit", limit.as_str())];
                if let Some(to) = &to {
                    q.push(("to", to.as_str()));
                }
                let page = cl.call("GET", &path, &q, Some(&t), None)?;
                let chunk = page.get("chunk").and_then(Value::as_array).cloned().unwrap_or_default();
                let end = page.get("end").and_then(Value::as_str).map(str::to_string);
                let more = !chunk.is_empty();
                events.extend(chunk);
                match end {
                    Some(e) if more => from = e,
                    _ => {
                        events.reverse();
                        return Ok(Backfill { events, complete: true });
                    }
                }
            }
            events.reverse();
            Ok::<_, CallError>(Backfill { events, complete: false })
        })
        .await?;
        out.insert(room, gap);
    }
    Ok(out)
}
