//! The Telegram Bot API: `sendMessage`, `deleteMessage`, `restrictChatMember`, `banChatMember`.

use std::time::Duration;

use serde_json::{json, Value};

use super::{by_status, read, CallError};

pub struct TelegramApi {
    agent: ureq::Agent,
    /// `https://api.telegram.org` or a local Bot API server.
    base: String,
    token: String,
}

impl TelegramApi {
    pub fn new(base: &str, token: String, timeout: Duration) -> TelegramApi {
        TelegramApi { agent: super::agent(timeout), base: base.trim_end_matches('/').to_string(), token }
    }

    /// One method call; `{"ok": false}` answers are refusals, except 429 (with Telegram's
    /// `retry_after`) and 5xx.
    pub fn call(&self, method: &str, body: &Value) -> Result<Value, CallError> {
        let url = format!("{}/bot{}/{method}", self.base, self.token);
        let result = self.agent.post(&url).header("Content-Type", "application/json").send(body.to_string());
        let (status, v) = read(result, method, &self.token)?;
        if v.get("ok").and_then(Value::as_bool) == Some(true) {
            return Ok(v.get("result").cloned().unwrap_or(Value::Null));
        }
        let code = v.get("error_code").and_then(Value::as_u64).unwrap_or(u64::from(status));
        let desc = v.get("description").and_then(Value::as_str).unwrap_or("no description");
        let reason = format!("Telegram {method}: {code} {desc}").replace(&self.token, "<secret>");
        match code {
            429 => Err(CallError::Retry {
                reason,
                after: v.pointer("/parameters/retry_after").and_then(Value::as_u64).map(Duration::from_secs),
            }),
            c if c >= 500 => Err(CallError::retry(reason)),
            _ if v.is_null() => Err(by_status(status, method, "")),
            _ => Err(CallError::Refused(reason)),
        }
    }

    /// A chat id as Telegram wants it: a number when it is one, else `@channelname`.
    fn chat(chat_id: &str) -> Value {
        chat_id.parse::<i64>().map(Value::from).unwrap_or_else(|_| Value::from(chat_id))
    }

    pub fn send_message(&self, chat_id: &str, text: &str, reply_to: Option<&str>) -> Result<(), CallError> {
        let mut body = json!({ "chat_id": Self::chat(chat_id), "text": text, "disable_web_page_preview": true });
        if let Some(id) = reply_to.and_then(|r| r.parse::<i64>().ok()) {
            body["reply_parameters"] = json!({ "message_id": id, "allow_sending_without_reply": true });
        }
        self.call("sendMessage", &body).map(drop)
    }

    pub fn delete_message(&self, chat_id: &str, message_id: &str) -> Result<(), CallError> {
        let id = message_id
            .parse::<i64>()
            .map_err(|_| CallError::Refused(format!("Telegram message ids are numbers, not {message_id:?}")))?;
        self.call("deleteMessage", &json!({ "chat_id": Self::chat(chat_id), "message_id": id })).map(drop)
    }

    /// Takes the right to send away until `until_unix_s` (Telegram: 30 s to 366 days, else forever).
    pub fn restrict(&self, chat_id: &str, user_id: &str, until_unix_s: i64) -> Result<(), CallError> {
        let body = json!({
            "chat_id": Self::chat(chat_id), "user_id": user_number(user_id)?,
            "permissions": { "can_send_messages": false, "can_send_other_messages": false,
                             "can_send_polls": false, "can_add_web_page_previews": false },
            "until_date": until_unix_s,
        });
        self.call("restrictChatMember", &body).map(drop)
    }

    pub fn ban(&self, chat_id: &str, user_id: &str) -> Result<(), CallError> {
        self.call("banChatMember", &json!({ "chat_id": Self::chat(chat_id), "user_id": user_number(user_id)? }))
            .map(drop)
    }
}

fn user_number(user_id: &str) -> Result<i64, CallError> {
    // Live Telegram senders are stored as `user<id>` (Desktop exports' form) or the bare id.
    let digits = user_id.strip_prefix("user").unwrap_or(user_id);
    digits.parse::<i64>().map_err(|_| CallError::Refused(format!("Telegram user ids are numbers, not {user_id:?}")))
}
