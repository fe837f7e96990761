//! The generic signed webhook: any bot (a Wechaty bridge for WeChat, a script) posts JSON
//! Lines in shequn's own record format (`docs/generic-jsonl.md`) to `POST /webhook`.
//!
//! Signed as Slack signs: `X-Shequn-Timestamp: <unix seconds>` and
//! `X-Shequn-Signature: v1=<hex HMAC-SHA256(secret, "v1:" + timestamp + ":" + body)>`;
//! a timestamp more than `max_skew_s` (300) from now is refused, so a captured request
//! cannot be replayed later.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use axum::Router;
use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use crate::source::{answer_push, now_ms, same_secret, Delivery, Source, SourceContext};

/// The `[webhook]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// The environment variable holding the shared secret.
    pub secret_env: String,
    /// How far the request's timestamp may be from now, in seconds.
    #[serde(default = "default_skew")]
    pub max_skew_s: i64,
}

fn default_skew() -> i64 {
    300
}

pub struct Webhook {
    secret: Vec<u8>,
    max_skew_s: i64,
}

pub fn from_config(table: &toml::Value) -> anyhow::Result<Arc<dyn Source>> {
    let c: WebhookConfig = crate::config::table("webhook", table)?;
    let secret = crate::config::secret(&c.secret_env, "[webhook] secret_env")?;
    Ok(Arc::new(Webhook::new(secret.into_bytes(), c.max_skew_s)))
}

impl Webhook {
    pub fn new(secret: Vec<u8>, max_skew_s: i64) -> Webhook {
        Webhook { secret, max_skew_s }
    }

    /// Checks the signature headers against the raw body.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8], now_s: i64) -> Result<(), &'static str> {
        let ts = headers.get("x-shequn-timestamp").and_then(|v| v.to_str().ok()).ok_or("missing X-Shequn-Timestamp")?;
        let ts_n: i64 = ts.parse().map_err(|_| "X-Shequn-Timestamp is not a number of seconds")?;
        if (now_s - ts_n).abs() > self.max_skew_s {
            return Err("X-Shequn-Timestamp is too far from now (replayed or clock wrong)");
        }
        let sig = headers
            .get("x-shequn-signature")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("v1="))
            .ok_or("missing X-Shequn-Signature: v1=<hex>")?;
        let expected = sign(&self.secret, ts, body);
        if same_secret(expected.as_bytes(), sig.as_bytes()) {
            Ok(())
        } else {
            Err("X-Shequn-Signature does not match the body")
        }
    }
}

/// `hex(HMAC-SHA256(secret, "v1:" + ts + ":" + body))`: what a client puts after `v1=`.
pub fn sign(secret: &[u8], ts: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes any key length");
    mac.update(b"v1:");
    mac.update(ts.as_bytes());
    mac.update(b":");
    mac.update(body);
    hex(&mac.finalize().into_bytes())
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

/// Turns a request body into records: JSON Lines as `shequn import --format jsonl` reads them.
pub fn convert(body: &[u8]) -> Result<Delivery, String> {
    let text = std::str::from_utf8(body).map_err(|e| format!("the body is not UTF-8: {e}"))?;
    let mut records = Vec::new();
    shequn_ingest::formats::generic_jsonl::parse_text(text, std::path::Path::new("request"), &mut records)
        .map_err(|e| e.to_string())?;
    Ok(Delivery { records, cursor: None })
}

async fn receive(State((me, ctx)): State<(Arc<Webhook>, SourceContext)>, headers: HeaderMap, body: Bytes) -> Response {
    answer_push(&ctx, "webhook", me.verify(&headers, &body, now_ms() / 1000), || convert(&body)).await
}

impl Source for Webhook {
    fn name(&self) -> &'static str {
        "webhook"
    }

    fn routes(self: Arc<Self>, ctx: SourceContext) -> Router {
        Router::new().route("/webhook", post(receive)).with_state((self, ctx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(ts: &str, sig: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-shequn-timestamp", ts.parse().unwrap());
        h.insert("x-shequn-signature", format!("v1={sig}").parse().unwrap());
        h
    }

    #[test]
    fn signature_over_timestamp_and_body() {
        let w = Webhook::new(b"s3cret".to_vec(), 300);
        let body = br#"{"group":"g","time":"2024-03-01T20:00:00+08:00","sender":"Ann","text":"hi"}"#;
        let sig = sign(b"s3cret", "1700000000", body);
        assert!(w.verify(&headers("1700000000", &sig), body, 1700000100).is_ok());
        // Another body, another secret, an old timestamp: refused.
        assert!(w.verify(&headers("1700000000", &sig), b"{}", 1700000100).is_err());
        assert!(w.verify(&headers("1700000000", &sign(b"other", "1700000000", body)), body, 1700000100).is_err());
        assert!(w.verify(&headers("1700000000", &sig), body, 1700000000 + 301).is_err());
        assert!(w.verify(&HeaderMap::new(), body, 1700000000).is_err());
    }

    #[test]
    fn hmac_sha256_matches_rfc_4231_case_2() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let mut mac = Hmac::<Sha256>::new_from_slice(b"Jefe").unwrap();
        mac.update(b"what do ya want for nothing?");
        assert_eq!(
            hex(&mac.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn bad_lines_name_the_line() {
        let err = convert(b"{\"group\":\"g\",\"time\":\"2024-03-01T20:00:00Z\",\"sender\":\"a\"}\n{\"group\":\"g\"}")
            .unwrap_err();
        assert!(err.contains("line 2"), "{err}");
    }
}
