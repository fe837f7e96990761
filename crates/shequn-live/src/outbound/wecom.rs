//! WeCom (企业微信) application messages: `GET /cgi-bin/gettoken` (kept until it expires or
//! is refused) and `POST /cgi-bin/message/send?access_token=…`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{by_status, read, CallError};

pub struct WecomApi {
    agent: ureq::Agent,
    base: String,
    corp_id: String,
    secret: String,
    agent_id: i64,
    token: Mutex<Option<(String, Instant)>>,
}

/// WeCom's codes for an access token that expired or is not valid: fetch a new one and retry.
const TOKEN_CODES: [i64; 3] = [40001, 40014, 42001];

impl WecomApi {
    pub fn new(base: &str, corp_id: &str, secret: String, agent_id: i64, timeout: Duration) -> WecomApi {
        WecomApi {
            agent: super::agent(timeout),
            base: base.trim_end_matches('/').to_string(),
            corp_id: corp_id.to_string(),
            secret,
            agent_id,
            token: Mutex::new(None),
        }
    }

    fn access_token(&self) -> Result<String, CallError> {
        let mut held = self.token.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((t, until)) = held.as_ref() {
            if Instant::now() < *until {
                return Ok(t.clone());
            }
        }
        let result = self
            .agent
            .get(&format!("{}/cgi-bin/gettoken", self.base))
            .query("corpid", &self.corp_id)
            .query("corpsecret", &self.secret)
            .call();
        let (status, v) = read(result, "WeCom gettoken", &self.secret)?;
        if !(200..300).contains(&status) {
            return Err(by_status(status, "WeCom gettoken", ""));
        }
        let code = v.get("errcode").and_then(Value::as_i64).unwrap_or(0);
        match v.get("access_token").and_then(Value::as_str) {
            Some(t) if code == 0 => {
                let secs = v.get("expires_in").and_then(Value::as_u64).unwrap_or(7200);
                // Renewed a minute early, so a token never expires in flight.
                *held = Some((t.to_string(), Instant::now() + Duration::from_secs(secs.saturating_sub(60))));
                Ok(t.to_string())
            }
            _ => Err(CallError::Refused(format!(
                "WeCom gettoken: errcode {code} {} (check corp_id and the secret in corp_secret_env)",
                v.get("errmsg").and_then(Value::as_str).unwrap_or("")
            ))),
        }
    }

    /// A text application message to users (`a|b`, `@all`), departments or tags.
    pub fn send_text(&self, to_user: &str, to_party: &str, to_tag: &str, text: &str) -> Result<(), CallError> {
        let token = self.access_token()?;
        let body = json!({
            "touser": to_user, "toparty": to_party, "totag": to_tag,
            "msgtype": "text", "agentid": self.agent_id, "text": { "content": text },
        });
        let result = self
            .agent
            .post(&format!("{}/cgi-bin/message/send", self.base))
            .query("access_token", &token)
            .header("Content-Type", "application/json")
            .send(body.to_string());
        let (status, v) = read(result, "WeCom message/send", &token)?;
        if !(200..300).contains(&status) {
            return Err(by_status(status, "WeCom message/send", ""));
        }
        let code = v.get("errcode").and_then(Value::as_i64).unwrap_or(-1);
        let msg = v.get("errmsg").and_then(Value::as_str).unwrap_or("");
        match code {
            0 => Ok(()),
            c if TOKEN_CODES.contains(&c) => {
                *self.token.lock().unwrap_or_else(|e| e.into_inner()) = None;
                Err(CallError::retry(format!(
                    "WeCom message/send: access token refused ({c} {msg}); fetching a new one"
                )))
            }
            -1 => Err(CallError::retry(format!("WeCom message/send: system busy ({msg})"))),
            c => Err(CallError::Refused(format!("WeCom message/send: errcode {c} {msg}"))),
        }
    }
}
