//! The Matrix client-server API as a bot account: send, redact, kick. Each write carries a
//! transaction id derived from what it does, so a retry after a lost answer is the same
//! event, not a second one.

use std::time::Duration;

use serde_json::{json, Value};

use super::{read, segment, CallError};

pub struct MatrixApi {
    agent: ureq::Agent,
    homeserver: String,
    token: String,
}

impl MatrixApi {
    pub fn new(homeserver: &str, token: String, timeout: Duration) -> MatrixApi {
        MatrixApi { agent: super::agent(timeout), homeserver: homeserver.trim_end_matches('/').to_string(), token }
    }

    /// One call; the homeserver's `errcode` decides: `M_LIMIT_EXCEEDED` and 5xx are retried
    /// (after `retry_after_ms`), everything else is a refusal.
    fn call(&self, method: &str, path: &str, body: &Value) -> Result<Value, CallError> {
        let url = format!("{}/_matrix/client/v3{path}", self.homeserver);
        let auth = format!("Bearer {}", self.token);
        let req = if method == "PUT" { self.agent.put(&url) } else { self.agent.post(&url) };
        let result =
            req.header("Authorization", &auth).header("Content-Type", "application/json").send(body.to_string());
        let what = path.split('/').nth(3).unwrap_or("call");
        let (status, v) = read(result, &format!("Matrix {what}"), &self.token)?;
        if (200..300).contains(&status) {
            return Ok(v);
        }
        let errcode = v.get("errcode").and_then(Value::as_str).unwrap_or("");
        let error = v.get("error").and_then(Value::as_str).unwrap_or("");
        let reason = format!("Matrix {what}: HTTP {status} {errcode} {error}");
        if status == 429 || errcode == "M_LIMIT_EXCEEDED" {
            let after = v.get("retry_after_ms").and_then(Value::as_u64).map(Duration::from_millis);
            return Err(CallError::Retry { reason, after });
        }
        if status >= 500 {
            return Err(CallError::retry(reason));
        }
        Err(CallError::Refused(reason))
    }

    /// `PUT /rooms/{room}/send/m.room.message/{txn}`: the event id.
    pub fn send_text(&self, room: &str, txn: &str, body: &str) -> Result<String, CallError> {
        let path = format!("/rooms/{}/send/m.room.message/{}", segment(room), segment(txn));
        let v = self.call("PUT", &path, &json!({ "msgtype": "m.notice", "body": body }))?;
        Ok(v.get("event_id").and_then(Value::as_str).unwrap_or_default().to_string())
    }

    /// `PUT /rooms/{room}/redact/{event}/{txn}`.
    pub fn redact(&self, room: &str, event: &str, txn: &str, reason: &str) -> Result<(), CallError> {
        let path = format!("/rooms/{}/redact/{}/{}", segment(room), segment(event), segment(txn));
        self.call("PUT", &path, &json!({ "reason": reason })).map(drop)
    }

    /// `POST /rooms/{room}/kick`.
    pub fn kick(&self, room: &str, user: &str, reason: &str) -> Result<(), CallError> {
        let path = format!("/rooms/{}/kick", segment(room));
        self.call("POST", &path, &json!({ "user_id": user, "reason": reason })).map(drop)
    }
}
