//! The actors: Telegram, Matrix and OneBot (QQ). WeCom's customer-group API offers no
//! deletion or removal, so WeCom groups get alerts, not enforcement.

use std::sync::Arc;

use crate::outbound::matrix::MatrixApi;
use crate::outbound::onebot::OneBotApi;
use crate::outbound::telegram::TelegramApi;
use crate::outbound::CallError;
use crate::source::now_ms;

use super::{Acted, Actor, EnforcementAction, Step};

fn done(r: Result<(), CallError>) -> Result<Acted, CallError> {
    r.map(|()| Acted::Done)
}

/// The Bot API; the bot must be an administrator with the rights to delete and restrict.
pub struct TelegramActor {
    pub api: Arc<TelegramApi>,
}

impl TelegramActor {
    /// The Bot API chat id and message id behind a stored group id and message id: the live
    /// source stores supergroups without their `-100` and basic groups' messages as `bot<id>`.
    pub fn chat_and_message(a: &EnforcementAction) -> (String, String) {
        let bare = a.group.platform_id.as_str();
        if bare.starts_with('-') {
            return (bare.to_string(), a.message_id.trim_start_matches("bot").to_string());
        }
        match a.message_id.strip_prefix("bot") {
            Some(id) => (format!("-{bare}"), id.to_string()),
            None => (format!("-100{bare}"), a.message_id.clone()),
        }
    }
}

impl Actor for TelegramActor {
    fn describe(&self, a: &EnforcementAction, step: &Step) -> String {
        let (chat, msg) = Self::chat_and_message(a);
        match step {
            Step::Delete => format!("deleteMessage(chat_id {chat}, message_id {msg})"),
            Step::Warn { text } => format!("sendMessage(chat_id {chat}): {text}"),
            Step::Mute { minutes } => format!("restrictChatMember(chat_id {chat}, user {}, {minutes} min)", a.sender),
            Step::Kick => format!("banChatMember(chat_id {chat}, user {})", a.sender),
        }
    }
    fn delete(&self, a: &EnforcementAction) -> Result<Acted, CallError> {
        let (chat, msg) = Self::chat_and_message(a);
        done(self.api.delete_message(&chat, &msg))
    }
    fn warn(&self, a: &EnforcementAction, text: &str) -> Result<Acted, CallError> {
        let (chat, msg) = Self::chat_and_message(a);
        done(self.api.send_message(&chat, text, Some(&msg)))
    }
    fn mute(&self, a: &EnforcementAction, minutes: u32) -> Result<Acted, CallError> {
        let (chat, _) = Self::chat_and_message(a);
        done(self.api.restrict(&chat, &a.sender, now_ms() / 1000 + 60 * i64::from(minutes)))
    }
    fn kick(&self, a: &EnforcementAction) -> Result<Acted, CallError> {
        let (chat, _) = Self::chat_and_message(a);
        done(self.api.ban(&chat, &a.sender))
    }
}

/// A bot account with the power to redact and kick. Matrix has no timed mute: a mute is
/// proposed to an operator (lowering a power level by hand, or a moderation bot).
pub struct MatrixActor {
    pub api: Arc<MatrixApi>,
}

/// A transaction id that is the same for the same step on the same event (a retry after a
/// lost answer is then the same redaction, not a second one).
fn txn(step: &str, event: &str) -> String {
    format!("shequn-{step}-{:016x}", xxhash_rust::xxh3::xxh3_64(event.as_bytes()))
}

impl Actor for MatrixActor {
    fn describe(&self, a: &EnforcementAction, step: &Step) -> String {
        let room = &a.group.platform_id;
        match step {
            Step::Delete => format!("redact(room {room}, event {})", a.message_id),
            Step::Warn { text } => format!("send m.notice(room {room}): {text}"),
            Step::Mute { minutes } => {
                format!("mute {} for {minutes} min (proposed: Matrix has no timed mute)", a.sender)
            }
            Step::Kick => format!("kick(room {room}, user {})", a.sender),
        }
    }
    fn delete(&self, a: &EnforcementAction) -> Result<Acted, CallError> {
        let reason = "shequn: 违反本群广告规则 / breaks this room's ad rules";
        done(self.api.redact(&a.group.platform_id, &a.message_id, &txn("redact", &a.message_id), reason))
    }
    fn warn(&self, a: &EnforcementAction, text: &str) -> Result<Acted, CallError> {
        self.api.send_text(&a.group.platform_id, &txn("warn", &a.message_id), text).map(|_| Acted::Done)
    }
    fn mute(&self, a: &EnforcementAction, minutes: u32) -> Result<Acted, CallError> {
        Ok(Acted::Proposed(format!(
            "Matrix 没有限时禁言：请管理员降低 {0} 的权限等级 {minutes} 分钟 / Matrix has no timed mute: lower {0}'s power level for {minutes} min by hand",
            a.sender
        )))
    }
    fn kick(&self, a: &EnforcementAction) -> Result<Acted, CallError> {
        done(self.api.kick(&a.group.platform_id, &a.sender, "shequn: 多次违规 / repeated violations"))
    }
}

/// OneBot 11; the bot's QQ account must be a group administrator.
pub struct OneBotActor {
    pub api: Arc<OneBotApi>,
}

impl Actor for OneBotActor {
    fn describe(&self, a: &EnforcementAction, step: &Step) -> String {
        let g = &a.group.platform_id;
        match step {
            Step::Delete => format!("delete_msg(message_id {})", a.message_id),
            Step::Warn { text } => format!("send_group_msg(group_id {g}): {text}"),
            Step::Mute { minutes } => format!("set_group_ban(group_id {g}, user_id {}, {} s)", a.sender, minutes * 60),
            Step::Kick => format!("set_group_kick(group_id {g}, user_id {})", a.sender),
        }
    }
    fn delete(&self, a: &EnforcementAction) -> Result<Acted, CallError> {
        done(self.api.delete_msg(&a.message_id))
    }
    fn warn(&self, a: &EnforcementAction, text: &str) -> Result<Acted, CallError> {
        done(self.api.send_group_msg(&a.group.platform_id, text))
    }
    fn mute(&self, a: &EnforcementAction, minutes: u32) -> Result<Acted, CallError> {
        done(self.api.set_group_ban(&a.group.platform_id, &a.sender, 60 * i64::from(minutes)))
    }
    fn kick(&self, a: &EnforcementAction) -> Result<Acted, CallError> {
        done(self.api.set_group_kick(&a.group.platform_id, &a.sender))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shequn_alerts::GroupRef;
    use shequn_model::Platform;

    fn action(group: &str, message: &str) -> EnforcementAction {
        EnforcementAction {
            group: GroupRef { platform: Platform::Telegram, platform_id: group.into(), name: "g".into() },
            message_id: message.into(),
            sender: "user42".into(),
            steps: vec![Step::Delete],
            dry_run: true,
            alert_key: None,
        }
    }

    #[test]
    fn telegram_chat_ids_are_rebuilt_from_the_stored_form() {
        assert_eq!(
            TelegramActor::chat_and_message(&action("1234567890", "55")),
            ("-1001234567890".into(), "55".into())
        );
        assert_eq!(TelegramActor::chat_and_message(&action("4242", "bot7")), ("-4242".into(), "7".into()));
    }
}
