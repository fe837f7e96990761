//! Calls shequn makes to platforms on its own initiative: a message to the operators' chat
//! (alert delivery) and enforcement (delete, warn, mute, kick). One client per platform, each
//! blocking (ureq) and used from its own thread, so a platform that hangs holds up nothing
//! but its own queue.
//!
//! Credentials come from `[outbound.<platform>]` (secrets only through `*_env` variables), or,
//! when that table is absent, from the platform's source table (`[telegram] bot_token_env`,
//! `[matrix] homeserver` + `access_token_env`).

pub mod config;
pub mod matrix;
pub mod onebot;
pub mod telegram;
pub mod wecom;

use std::time::Duration;

use serde_json::Value;

pub use config::{Outbound, OutboundConfig};

/// Why a call did not do what was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    /// Worth trying again: no answer, a timeout, a 5xx, rate limited (`after`: the platform's wait).
    Retry { reason: String, after: Option<Duration> },
    /// The platform answered no (no rights, unknown chat, message gone): trying again cannot help.
    Refused(String),
}

impl CallError {
    pub fn reason(&self) -> &str {
        match self {
            CallError::Retry { reason, .. } | CallError::Refused(reason) => reason,
        }
    }
    pub(crate) fn retry(reason: impl Into<String>) -> CallError {
        CallError::Retry { reason: reason.into(), after: None }
    }
}

impl std::fmt::Display for CallError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.reason())
    }
}

/// An agent that hands every status back (the caller reads the platform's error) and gives
/// one call at most `timeout`, connect and answer together.
pub fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder().http_status_as_error(false).timeout_global(Some(timeout)).build().into()
}

/// The status and JSON body of an answer (Null when the body is not JSON).
pub(crate) fn read(
    result: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    what: &str,
    hide: &str,
) -> Result<(u16, Value), CallError> {
    let clean = |s: String| if hide.is_empty() { s } else { s.replace(hide, "<secret>") };
    let mut resp = result.map_err(|e| CallError::retry(clean(format!("{what}: {e}"))))?;
    let status = resp.status().as_u16();
    let text = resp
        .body_mut()
        .read_to_string()
        .map_err(|e| CallError::retry(clean(format!("{what}: reading the answer: {e}"))))?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// A status that no answer of the platform's own explains: 5xx and 429 are worth retrying,
/// other statuses are a refusal.
pub(crate) fn by_status(status: u16, what: &str, detail: &str) -> CallError {
    if status >= 500 || status == 429 || status == 408 {
        CallError::retry(format!("{what}: HTTP {status} {detail}"))
    } else {
        CallError::Refused(format!("{what}: HTTP {status} {detail}"))
    }
}

/// Percent-encodes one URL path segment (Matrix room and event ids hold `!`, `$`, `:`).
pub fn segment(s: &str) -> String {
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
