//! The targets: an operators' chat on each platform, and the signed webhook.

use std::sync::Arc;

use crate::outbound::matrix::MatrixApi;
use crate::outbound::onebot::OneBotApi;
use crate::outbound::telegram::TelegramApi;
use crate::outbound::wecom::WecomApi;
use crate::outbound::{by_status, CallError};
use crate::source::now_ms;

use super::runner::{Outgoing, Target};

/// `sendMessage` to a Telegram chat.
pub struct TelegramChat {
    pub api: Arc<TelegramApi>,
    pub chat_id: String,
}

impl Target for TelegramChat {
    fn describe(&self) -> String {
        format!("telegram chat {}", self.chat_id)
    }
    fn send(&self, out: &Outgoing<'_>) -> Result<(), CallError> {
        self.api.send_message(&self.chat_id, &out.text, None)
    }
}

/// A notice in a Matrix room; the transaction id is the message's id, so a retry after a
/// lost answer does not post it twice.
pub struct MatrixRoom {
    pub api: Arc<MatrixApi>,
    pub room_id: String,
}

impl Target for MatrixRoom {
    fn describe(&self) -> String {
        format!("matrix room {}", self.room_id)
    }
    fn send(&self, out: &Outgoing<'_>) -> Result<(), CallError> {
        self.api.send_text(&self.room_id, &out.id, &out.text).map(drop)
    }
}

/// `send_group_msg` or `send_private_msg` through OneBot.
pub struct OneBotChat {
    pub api: Arc<OneBotApi>,
    /// A QQ group number, else a QQ user number.
    pub group_id: Option<String>,
    pub user_id: Option<String>,
}

impl Target for OneBotChat {
    fn describe(&self) -> String {
        match (&self.group_id, &self.user_id) {
            (Some(g), _) => format!("onebot group {g}"),
            (_, Some(u)) => format!("onebot user {u}"),
            _ => "onebot".into(),
        }
    }
    fn send(&self, out: &Outgoing<'_>) -> Result<(), CallError> {
        match (&self.group_id, &self.user_id) {
            (Some(g), _) => self.api.send_group_msg(g, &out.text),
            (_, Some(u)) => self.api.send_private_msg(u, &out.text),
            _ => Err(CallError::Refused("onebot target without group_id or user_id".into())),
        }
    }
}

/// A WeCom application message.
pub struct WecomApp {
    pub api: Arc<WecomApi>,
    pub to_user: String,
    pub to_party: String,
    pub to_tag: String,
}

impl Target for WecomApp {
    fn describe(&self) -> String {
        format!("wecom app message to {}", [&self.to_user, &self.to_party, &self.to_tag].map(|s| s.as_str()).join("/"))
    }
    fn send(&self, out: &Outgoing<'_>) -> Result<(), CallError> {
        self.api.send_text(&self.to_user, &self.to_party, &self.to_tag, &out.text)
    }
}

/// The signed JSON webhook (`[alerts] webhook_url`): one POST per change, the body schema in
/// docs/alerts.md, signed as shequn's own `[webhook]` source checks
/// (`X-Shequn-Signature: v1=hex(HMAC-SHA256(secret, "v1:" + ts + ":" + body))`).
pub struct SignedWebhook {
    pub agent: ureq::Agent,
    pub url: String,
    pub secret: Vec<u8>,
}

impl Target for SignedWebhook {
    fn describe(&self) -> String {
        format!("alert webhook {}", self.url)
    }
    fn bundles(&self) -> bool {
        false
    }
    fn send(&self, out: &Outgoing<'_>) -> Result<(), CallError> {
        for change in out.changes {
            let body = serde_json::to_string(&**change).unwrap_or_default();
            let ts = (now_ms() / 1000).to_string();
            let sig = crate::sources::webhook::sign(&self.secret, &ts, body.as_bytes());
            let result = self
                .agent
                .post(&self.url)
                .header("content-type", "application/json")
                .header("x-shequn-timestamp", &ts)
                .header("x-shequn-signature", &format!("v1={sig}"))
                .send(body.as_str());
            match result {
                Ok(r) if r.status().is_success() => {}
                Ok(r) => return Err(by_status(r.status().as_u16(), "webhook", "")),
                Err(e) => return Err(CallError::retry(format!("webhook: {e}"))),
            }
        }
        Ok(())
    }
}
