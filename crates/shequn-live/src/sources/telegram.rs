//! Telegram through the Bot API: a webhook (`POST /telegram`, checked against the
//! `secret_token` given to setWebhook) or long polling with `getUpdates` (no public address
//! needed). Telegram allows one of the two per bot.
//!
//! Poll mode keeps its offset in the archive, written in the same transaction as the updates
//! it covers: an offset only moves on once its page is stored, so a stop or a crash
//! re-reads (and dedupes) at most one page and never skips one.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use futures_util::future::BoxFuture;
use serde::Deserialize;
use serde_json::Value;
use shequn_model::Record;

use crate::ingest::IngestError;
use crate::source::{answer_push, same_secret, Delivery, Source, SourceContext};

mod convert;

pub use convert::{bare_chat_id, convert, convert_update, group_info, message_key, parse_update, MODELLED};

/// The header Telegram echoes the webhook's `secret_token` in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// How updates arrive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    Webhook,
    Poll,
}

/// The `[telegram]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramConfig {
    #[serde(default)]
    pub mode: Mode,
    /// Webhook: the variable holding the `secret_token` given to setWebhook.
    pub secret_token_env: Option<String>,
    /// Poll: the variable holding the bot token.
    pub bot_token_env: Option<String>,
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// How long one `getUpdates` waits for updates on Telegram's side.
    #[serde(default = "default_poll_timeout")]
    pub poll_timeout_s: u64,
}

fn default_base_url() -> String {
    "https://api.telegram.org".into()
}

fn default_poll_timeout() -> u64 {
    50
}

pub fn from_config(table: &toml::Value) -> anyhow::Result<Arc<dyn Source>> {
    let c: TelegramConfig = crate::config::table("telegram", table)?;
    match c.mode {
        Mode::Webhook => {
            let var = c.secret_token_env.as_deref().ok_or_else(|| {
                anyhow::anyhow!("[telegram] mode = \"webhook\" needs secret_token_env (the variable holding the secret_token given to setWebhook)")
            })?;
            let secret = crate::config::secret(var, "[telegram] secret_token_env")?;
            // setWebhook refuses any other secret, so every request would be refused here.
            if secret.len() > 256 || !secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
                anyhow::bail!(
                    "[telegram] secret_token_env: {var} must hold 1-256 characters A-Z, a-z, 0-9, _ or - (what setWebhook accepts)"
                );
            }
            Ok(Arc::new(Telegram::webhook(secret.into_bytes())))
        }
        Mode::Poll => {
            let var = c.bot_token_env.as_deref().ok_or_else(|| {
                anyhow::anyhow!("[telegram] mode = \"poll\" needs bot_token_env (the variable holding the bot token)")
            })?;
            if c.poll_timeout_s == 0 {
                anyhow::bail!(
                    "[telegram] poll_timeout_s must be at least 1: 0 is short polling, a request after request"
                );
            }
            let token = crate::config::secret(var, "[telegram] bot_token_env")?;
            Ok(Arc::new(Telegram::poll(token, &c.base_url, c.poll_timeout_s)))
        }
    }
}

/// The Telegram source, in one of its two modes.
pub struct Telegram {
    mode: Mode,
    secret: Vec<u8>,
    poll: Option<Poller>,
}

struct Poller {
    token: String,
    base_url: String,
    timeout_s: u64,
    agent: ureq::Agent,
}

impl Telegram {
    /// Webhook mode: requests must carry `secret` in [`SECRET_HEADER`].
    pub fn webhook(secret: Vec<u8>) -> Telegram {
        Telegram { mode: Mode::Webhook, secret, poll: None }
    }

    /// Poll mode against `base_url` (`https://api.telegram.org`, or a local stand-in).
    pub fn poll(token: String, base_url: &str, timeout_s: u64) -> Telegram {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Above the long poll itself, so a silent connection is noticed.
            .timeout_global(Some(Duration::from_secs(timeout_s + 30)))
            .build()
            .into();
        let base_url = base_url.trim_end_matches('/').to_string();
        Telegram { mode: Mode::Poll, secret: Vec::new(), poll: Some(Poller { token, base_url, timeout_s, agent }) }
    }

    /// Checks the secret header (constant time).
    pub fn verify(&self, headers: &HeaderMap) -> Result<(), &'static str> {
        let got = headers.get(SECRET_HEADER).ok_or("missing X-Telegram-Bot-Api-Secret-Token")?;
        if same_secret(got.as_bytes(), &self.secret) {
            Ok(())
        } else {
            Err("X-Telegram-Bot-Api-Secret-Token does not match")
        }
    }
}

async fn receive(State((me, ctx)): State<(Arc<Telegram>, SourceContext)>, headers: HeaderMap, body: Bytes) -> Response {
    // No "method" key: Telegram would run a method named in a webhook's answer.
    answer_push(&ctx, "telegram", me.verify(&headers), || convert(&body)).await
}

impl Source for Telegram {
    fn name(&self) -> &'static str {
        "telegram"
    }

    fn routes(self: Arc<Self>, ctx: SourceContext) -> Router {
        match self.mode {
            Mode::Webhook => Router::new().route("/telegram", post(receive)).with_state((self, ctx)),
            Mode::Poll => Router::new(),
        }
    }

    fn pull(self: Arc<Self>, ctx: SourceContext) -> Option<BoxFuture<'static, anyhow::Result<()>>> {
        match self.mode {
            Mode::Poll => Some(Box::pin(poll_loop(self, ctx))),
            Mode::Webhook => None,
        }
    }
}

/// One page of `getUpdates` as one delivery: every update's records, and the offset after
/// the last one as the cursor. An update that cannot be read is skipped with a message (a
/// retry would read it the same way, and would hold up every later update).
pub fn page_delivery(updates: Vec<Value>) -> (Delivery, Option<i64>) {
    let mut delivery = Delivery::default();
    let mut last: Option<i64> = None;
    for u in updates {
        let id = u.get("update_id").and_then(Value::as_i64);
        last = last.max(id);
        if let Err(reason) = convert_update(u, &mut delivery) {
            let location = format!("telegram update {}", id.map_or("without update_id".into(), |i| i.to_string()));
            eprintln!("shequn live: [telegram] {location} skipped: {reason}");
            delivery.records.push(Record::Skipped { location, reason });
        }
    }
    let next = last.map(|l| l + 1);
    delivery.cursor = next.map(|n| n.to_string());
    (delivery, next)
}

/// Why a `getUpdates` call gave no page.
#[derive(Debug)]
enum PollError {
    /// Worth retrying (network, 5xx, 409, 429), after `retry_after` seconds if Telegram said.
    Retry { message: String, retry_after: Option<u64> },
    /// Retrying cannot help (the token was refused).
    Fatal(String),
}

#[derive(Deserialize)]
struct ApiAnswer {
    ok: bool,
    result: Option<Vec<Value>>,
    error_code: Option<i64>,
    description: Option<String>,
    parameters: Option<ApiParameters>,
}

#[derive(Deserialize)]
struct ApiParameters {
    retry_after: Option<u64>,
}

impl Poller {
    /// `text` with the bot token blanked: ureq's errors quote the URL, which holds it.
    fn redact(&self, text: &str) -> String {
        if self.token.is_empty() {
            text.to_string()
        } else {
            text.replace(&self.token, "<bot token>")
        }
    }

    /// One blocking `getUpdates` call.
    fn get_updates(&self, offset: i64) -> Result<Vec<Value>, PollError> {
        let url = format!("{}/bot{}/getUpdates", self.base_url, self.token);
        let allowed = serde_json::to_string(MODELLED).unwrap_or_default();
        let retry = |message: String| PollError::Retry { message, retry_after: None };
        let mut resp = self
            .agent
            .get(&url)
            .query("offset", offset.to_string())
            .query("timeout", self.timeout_s.to_string())
            .query("allowed_updates", allowed)
            .call()
            .map_err(|e| retry(self.redact(&format!("getUpdates failed: {e}"))))?;
        let status = resp.status().as_u16();
        let text = resp
            .body_mut()
            .read_to_string()
            .map_err(|e| retry(self.redact(&format!("getUpdates answer could not be read: {e}"))))?;
        let answer: ApiAnswer = serde_json::from_str(&text).map_err(|e| {
            retry(format!("getUpdates answered HTTP {status} with something not the Bot API's JSON: {e}"))
        })?;
        if answer.ok {
            return Ok(answer.result.unwrap_or_default());
        }
        let code = answer.error_code.unwrap_or(i64::from(status));
        let description = self.redact(answer.description.as_deref().unwrap_or("no description"));
        match code {
            409 => Err(retry(format!(
                "getUpdates refused (409: {description}). A webhook is set for this bot, or another program polls it: \
                 call deleteWebhook, or set mode = \"webhook\" in [telegram]; run one poller per bot"
            ))),
            401 | 404 => Err(PollError::Fatal(format!(
                "Telegram refused the bot token ({code}: {description}); check the variable named by [telegram] bot_token_env"
            ))),
            _ => Err(PollError::Retry {
                message: format!("getUpdates refused ({code}: {description})"),
                retry_after: answer.parameters.and_then(|p| p.retry_after),
            }),
        }
    }
}

/// Waits between failed attempts: 1 s doubling to 30 s, or as long as Telegram asked.
struct Backoff {
    next: Duration,
}

impl Backoff {
    const FIRST: Duration = Duration::from_secs(1);
    const MAX: Duration = Duration::from_secs(30);

    /// Sleeps; false when the service is stopping instead.
    async fn wait(&mut self, retry_after: Option<u64>, shutdown: &mut tokio::sync::watch::Receiver<bool>) -> bool {
        let delay = retry_after.map_or(self.next, |s| Duration::from_secs(s).min(Self::MAX * 2));
        self.next = (self.next * 2).min(Self::MAX);
        tokio::select! {
            _ = tokio::time::sleep(delay) => !*shutdown.borrow(),
            _ = shutdown.changed() => false,
        }
    }
}

/// One `getUpdates` call on a thread of its own. Not `spawn_blocking`: a runtime waits for
/// its blocking tasks when it shuts down, and a long poll would hold up Ctrl-C for up to
/// `poll_timeout_s`.
async fn fetch(me: &Arc<Telegram>, offset: i64) -> Result<Vec<Value>, PollError> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    let me2 = me.clone();
    let spawned = std::thread::Builder::new().name("shequn-telegram-poll".into()).spawn(move || {
        if let Some(p) = &me2.poll {
            let _ = tx.send(p.get_updates(offset));
        }
    });
    if let Err(e) = spawned {
        return Err(PollError::Retry { message: format!("cannot start the poll thread: {e}"), retry_after: None });
    }
    rx.await.unwrap_or_else(|_| Err(PollError::Retry { message: "the poll thread stopped".into(), retry_after: None }))
}

async fn poll_loop(me: Arc<Telegram>, ctx: SourceContext) -> anyhow::Result<()> {
    let mut shutdown = ctx.shutdown.clone();
    let mut offset: i64 = match ctx.ingest.cursor("telegram")? {
        None => 0,
        Some(c) => {
            c.parse().map_err(|_| anyhow::anyhow!("the archive's telegram cursor {c:?} is not a getUpdates offset"))?
        }
    };
    let mut backoff = Backoff { next: Backoff::FIRST };
    loop {
        if *shutdown.borrow() {
            return Ok(());
        }
        let fetched = tokio::select! {
            r = fetch(&me, offset) => r,
            _ = shutdown.changed() => return Ok(()),
        };
        let updates = match fetched {
            Ok(u) => u,
            Err(PollError::Fatal(m)) => anyhow::bail!("{m}"),
            Err(PollError::Retry { message, retry_after }) => {
                eprintln!("shequn live: [telegram] {message}");
                if !backoff.wait(retry_after, &mut shutdown).await {
                    return Ok(());
                }
                continue;
            }
        };
        backoff = Backoff { next: Backoff::FIRST };
        if updates.is_empty() {
            continue;
        }
        let (delivery, next) = page_delivery(updates);
        let Some(next) = next else {
            eprintln!("shequn live: [telegram] a getUpdates page without update ids; asking again");
            if !backoff.wait(None, &mut shutdown).await {
                return Ok(());
            }
            continue;
        };
        // The same page until it is stored: the offset (Telegram's acknowledgement) only
        // moves past what the archive holds.
        loop {
            match ctx.ingest.store("telegram", delivery.clone()).await {
                Ok(_) => {
                    offset = next;
                    break;
                }
                Err(e @ (IngestError::Rejected(_) | IngestError::Stopped)) => {
                    anyhow::bail!("updates up to {} not stored: {e}", next - 1)
                }
                Err(e) => {
                    eprintln!("shequn live: [telegram] updates up to {} not stored yet: {e}", next - 1);
                    if !backoff.wait(None, &mut shutdown).await {
                        return Ok(());
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
