//! OneBot 11's HTTP API (go-cqhttp, NapCat, LLOneBot ...): `POST {api_url}/{action}` with a
//! JSON body, `Authorization: Bearer <access_token>` when one is set.

use std::time::Duration;

use serde_json::{json, Value};

use super::{by_status, read, CallError};

pub struct OneBotApi {
    agent: ureq::Agent,
    api_url: String,
    token: Option<String>,
}

/// OneBot ids are numbers (QQ group and user numbers, message ids); sent as numbers when they are.
fn number(id: &str) -> Value {
    id.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::from(id))
}

impl OneBotApi {
    pub fn new(api_url: &str, token: Option<String>, timeout: Duration) -> OneBotApi {
        OneBotApi { agent: super::agent(timeout), api_url: api_url.trim_end_matches('/').to_string(), token }
    }

    /// One action; `{"status": "failed"}` (a non-zero `retcode`) is a refusal, `async` counts as done.
    pub fn call(&self, action: &str, body: &Value) -> Result<Value, CallError> {
        let mut req = self.agent.post(&format!("{}/{action}", self.api_url)).header("Content-Type", "application/json");
        if let Some(t) = &self.token {
            req = req.header("Authorization", &format!("Bearer {t}"));
        }
        let hide = self.token.as_deref().unwrap_or("");
        let (status, v) = read(req.send(body.to_string()), &format!("OneBot {action}"), hide)?;
        if !(200..300).contains(&status) {
            return Err(by_status(status, &format!("OneBot {action}"), ""));
        }
        let retcode = v.get("retcode").and_then(Value::as_i64).unwrap_or(-1);
        match v.get("status").and_then(Value::as_str) {
            Some("ok" | "async") if retcode == 0 || retcode == 1 => Ok(v.get("data").cloned().unwrap_or(Value::Null)),
            _ => Err(CallError::Refused(format!(
                "OneBot {action}: retcode {retcode} {}",
                v.get("wording").or_else(|| v.get("msg")).and_then(Value::as_str).unwrap_or("")
            ))),
        }
    }

    pub fn send_group_msg(&self, group_id: &str, text: &str) -> Result<(), CallError> {
        self.call("send_group_msg", &json!({ "group_id": number(group_id), "message": text, "auto_escape": true }))
            .map(drop)
    }

    pub fn send_private_msg(&self, user_id: &str, text: &str) -> Result<(), CallError> {
        self.call("send_private_msg", &json!({ "user_id": number(user_id), "message": text, "auto_escape": true }))
            .map(drop)
    }

    pub fn delete_msg(&self, message_id: &str) -> Result<(), CallError> {
        self.call("delete_msg", &json!({ "message_id": number(message_id) })).map(drop)
    }

    pub fn set_group_ban(&self, group_id: &str, user_id: &str, seconds: i64) -> Result<(), CallError> {
        let body = json!({ "group_id": number(group_id), "user_id": number(user_id), "duration": seconds });
        self.call("set_group_ban", &body).map(drop)
    }

    pub fn set_group_kick(&self, group_id: &str, user_id: &str) -> Result<(), CallError> {
        let body = json!({ "group_id": number(group_id), "user_id": number(user_id), "reject_add_request": false });
        self.call("set_group_kick", &body).map(drop)
    }
}
