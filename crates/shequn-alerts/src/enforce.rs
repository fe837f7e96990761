//! Enforcing a group's ad policy (issue #15 item 4, seed 004: a rule nobody enforces means
//! nothing): the `[enforce]` table and the pure decision of what to do about one ad-policy
//! violation. Carrying it out (deleting, warning, muting) is the live service's job; this
//! module only says what should be done, so the decision is the same in a replay, a dry run
//! and the live service.
//!
//! ```toml
//! [enforce]
//! enabled = true              # off by default: nothing is ever decided
//! dry_run = true              # on by default: decisions are alerted, never carried out
//! allow_list = ["Ann", "u123"]  # member names or platform ids never enforced against
//! operators = ["群主小王"]      # never enforced against (besides the platform's owners/admins)
//! warn = true                 # post a short warning quoting the rule
//! escalate_after = 3          # the member's violations before escalating
//! escalate_action = "propose" # "mute" | "kick" | "propose" (an alert proposing it)
//! mute_minutes = 60
//!
//! [enforce.groups."读书会"]    # opt-in per group, by name or platform id
//! dry_run = false
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::alert::GroupRef;

/// What to do after `escalate_after` violations by one member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalateAction {
    /// Mute the member for `mute_minutes`.
    Mute,
    /// Remove the member from the group.
    Kick,
    /// Do neither; propose it to the operators (the decision carries [`Action::Propose`]).
    Propose,
}

/// The `[enforce]` table. Unknown keys are errors naming the key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnforceSettings {
    /// Off: no decision is ever made, whatever the groups say.
    pub enabled: bool,
    /// Decisions are reported (alerts), never carried out.
    pub dry_run: bool,
    /// Member names or platform ids never enforced against.
    pub allow_list: Vec<String>,
    /// Operators by name or platform id, never enforced against (the platform's owners and
    /// admins never are either).
    pub operators: Vec<String>,
    /// Post a short warning quoting the rule after deleting.
    pub warn: bool,
    /// A member's violations (this one included) at which the escalation applies.
    pub escalate_after: u32,
    pub escalate_action: EscalateAction,
    /// How long a mute lasts.
    pub mute_minutes: u32,
    /// The groups enforced in (by name or platform id); a group not listed is never enforced in.
    pub groups: BTreeMap<String, GroupEnforce>,
}

impl Default for EnforceSettings {
    fn default() -> EnforceSettings {
        EnforceSettings {
            enabled: false,
            dry_run: true,
            allow_list: Vec::new(),
            operators: Vec::new(),
            warn: true,
            escalate_after: 3,
            escalate_action: EscalateAction::Propose,
            mute_minutes: 60,
            groups: BTreeMap::new(),
        }
    }
}

/// `[enforce.groups."name or id"]`: the group opts in; any key given overrides the default.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GroupEnforce {
    /// Off: this group is listed but not enforced in (default on).
    pub enabled: Option<bool>,
    pub dry_run: Option<bool>,
    /// Added to the global allow list for this group.
    pub allow_list: Vec<String>,
    pub warn: Option<bool>,
    pub escalate_after: Option<u32>,
    pub escalate_action: Option<EscalateAction>,
    pub mute_minutes: Option<u32>,
}

/// The enforcement in force for one group (None: not enforced in).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GroupPolicyEnforcement {
    pub dry_run: bool,
    pub allow_list: Vec<String>,
    pub operators: Vec<String>,
    pub warn: bool,
    pub escalate_after: u32,
    pub escalate_action: EscalateAction,
    pub mute_minutes: u32,
}

impl EnforceSettings {
    /// Reads the `[enforce]` table; errors name the key.
    pub fn from_toml(value: &toml::Value) -> Result<EnforceSettings, String> {
        let s: EnforceSettings = value.clone().try_into().map_err(|e: toml::de::Error| format!("[enforce]: {e}"))?;
        let checks = std::iter::once(("[enforce]".to_string(), Some(s.escalate_after), Some(s.mute_minutes)))
            .chain(s.groups.iter().map(|(g, o)| (format!("[enforce.groups.{g:?}]"), o.escalate_after, o.mute_minutes)));
        for (table, after, mute) in checks {
            if after == Some(0) {
                return Err(format!(
                    "{table}: escalate_after must be 1 or more (the violations by one member before escalating)"
                ));
            }
            if mute == Some(0) {
                return Err(format!("{table}: mute_minutes must be 1 or more"));
            }
        }
        Ok(s)
    }

    /// Reads `[enforce]` from a whole config text (absent table: the defaults, enforcing nothing).
    pub fn from_toml_str(text: &str) -> Result<EnforceSettings, String> {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        match table.remove("enforce") {
            Some(v) => EnforceSettings::from_toml(&v),
            None => Ok(EnforceSettings::default()),
        }
    }

    /// The enforcement for a group: its table by platform id, else by name; None when
    /// enforcement is off or the group has not opted in.
    pub fn for_group(&self, name: &str, platform_id: &str) -> Option<GroupPolicyEnforcement> {
        if !self.enabled {
            return None;
        }
        let g = self.groups.get(platform_id).or_else(|| self.groups.get(name))?;
        if g.enabled == Some(false) {
            return None;
        }
        Some(GroupPolicyEnforcement {
            dry_run: g.dry_run.unwrap_or(self.dry_run),
            allow_list: self.allow_list.iter().chain(&g.allow_list).cloned().collect(),
            operators: self.operators.clone(),
            warn: g.warn.unwrap_or(self.warn),
            escalate_after: g.escalate_after.unwrap_or(self.escalate_after),
            escalate_action: g.escalate_action.unwrap_or(self.escalate_action),
            mute_minutes: g.mute_minutes.unwrap_or(self.mute_minutes),
        })
    }
}

/// One thing to do about a violation, in the order given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// Remove the message (Telegram `deleteMessage`, OneBot `delete_msg`, Matrix redaction).
    Delete,
    /// Post this warning in the group.
    Warn { text_zh: String, text_en: String },
    /// Mute the sender.
    Mute { minutes: u32 },
    /// Remove the sender from the group.
    Kick,
    /// Tell the operators a mute (`mute_minutes`) or removal is due (an alert; nothing is done
    /// to the member).
    Propose { mute_minutes: u32, text_zh: String, text_en: String },
}

/// What to do about one ad-policy violation in an enforced group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Enforcement {
    pub group: GroupRef,
    /// The platform's id of the offending message (what a deletion needs); None when the
    /// platform gave none (then `Delete` cannot be carried out, and the glue says so).
    pub message_platform_id: Option<String>,
    /// The offending message's alert key (`m:…` / `c:…`), to tie the enforcement to its alert.
    pub message_key: String,
    /// The ad-policy alert's key.
    pub alert_key: String,
    pub sender_id: Option<String>,
    pub sender_name: String,
    /// The rule broken, quoted (the policy check's words, "en / zh").
    pub rule_zh: String,
    pub rule_en: String,
    pub actions: Vec<Action>,
    /// Report only: nothing is to be carried out.
    pub dry_run: bool,
    /// This member's violations in this group so far, this one included.
    pub violation_count: u32,
}

/// Whether a member is exempt: on the allow list or an operator (by name or platform id), or
/// an owner/admin by the platform's word.
pub fn exempt(g: &GroupPolicyEnforcement, sender_name: &str, sender_id: Option<&str>, platform_operator: bool) -> bool {
    let named = |list: &[String]| list.iter().any(|x| x == sender_name || Some(x.as_str()) == sender_id);
    platform_operator || named(&g.allow_list) || named(&g.operators)
}

/// The decision for one violation: delete, warn quoting the rule (when `warn`), and at
/// `escalate_after` violations (and every one after) the escalation. `rules_broken` are the
/// policy check's lines ("en / zh").
#[allow(clippy::too_many_arguments)]
pub fn decide(
    g: &GroupPolicyEnforcement,
    group: &GroupRef,
    message_platform_id: Option<String>,
    message_key: &str,
    alert_key: &str,
    sender_name: &str,
    sender_id: Option<&str>,
    rules_broken: &[String],
    violation_count: u32,
) -> Enforcement {
    let (rule_en, rule_zh) = split_rules(rules_broken);
    let mut actions = vec![Action::Delete];
    if g.warn {
        actions.push(Action::Warn {
            text_zh: format!("@{sender_name} 你的消息违反了本群广告规则（{rule_zh}），已删除。"),
            text_en: format!("@{sender_name} your message broke this group's ad rule ({rule_en}) and was removed."),
        });
    }
    if violation_count >= g.escalate_after {
        actions.push(match g.escalate_action {
            EscalateAction::Mute => Action::Mute { minutes: g.mute_minutes },
            EscalateAction::Kick => Action::Kick,
            EscalateAction::Propose => {
                let (what_zh, what_en) = (format!("禁言 {} 分钟或移出群", g.mute_minutes), "a mute or removal");
                Action::Propose {
                    mute_minutes: g.mute_minutes,
                    text_zh: format!(
                        "「{}」{sender_name} 已第 {violation_count} 次违反广告规则，建议{what_zh}",
                        group.name
                    ),
                    text_en: format!(
                        "{}: {sender_name} has broken the ad rule {violation_count} times; {what_en} is proposed",
                        group.name
                    ),
                }
            }
        });
    }
    Enforcement {
        group: group.clone(),
        message_platform_id,
        message_key: message_key.to_string(),
        alert_key: alert_key.to_string(),
        sender_id: sender_id.map(str::to_string),
        sender_name: sender_name.to_string(),
        rule_zh,
        rule_en,
        actions,
        dry_run: g.dry_run,
        violation_count,
    }
}

/// The policy check's lines ("english / 中文") as one English and one Chinese text.
pub fn split_rules(rules_broken: &[String]) -> (String, String) {
    let (mut en, mut zh) = (Vec::new(), Vec::new());
    for r in rules_broken {
        match r.rsplit_once(" / ") {
            Some((e, z)) => {
                en.push(e.trim().to_string());
                zh.push(z.trim().to_string());
            }
            None => {
                en.push(r.clone());
                zh.push(r.clone());
            }
        }
    }
    (en.join("; "), zh.join("；"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shequn_model::Platform;

    fn group() -> GroupRef {
        GroupRef { platform: Platform::Telegram, platform_id: "-100".into(), name: "读书会".into() }
    }

    #[test]
    fn off_by_default_dry_run_by_default_and_opt_in_per_group() {
        let s = EnforceSettings::from_toml_str("").unwrap();
        assert!(s.for_group("读书会", "-100").is_none());
        let s = EnforceSettings::from_toml_str("[enforce]\nenabled = true\n[enforce.groups.\"读书会\"]\n").unwrap();
        let g = s.for_group("读书会", "x").expect("opted in by name");
        assert!(g.dry_run && g.warn);
        assert_eq!((g.escalate_after, g.escalate_action, g.mute_minutes), (3, EscalateAction::Propose, 60));
        assert!(s.for_group("other", "y").is_none(), "not listed, not enforced");
        let s = EnforceSettings::from_toml_str(
            "[enforce]\nenabled = true\nescalate_action = \"mute\"\n[enforce.groups.\"-100\"]\ndry_run = false\nescalate_after = 2\n",
        )
        .unwrap();
        let g = s.for_group("any name", "-100").expect("opted in by id");
        assert!(!g.dry_run);
        assert_eq!((g.escalate_after, g.escalate_action), (2, EscalateAction::Mute));
    }

    #[test]
    fn bad_settings_name_the_key() {
        let err = EnforceSettings::from_toml_str("[enforce]\nescalate = 3\n").unwrap_err();
        assert!(err.contains("[enforce]") && err.contains("escalate"), "{err}");
        let err = EnforceSettings::from_toml_str("[enforce]\nescalate_action = \"ban\"\n").unwrap_err();
        assert!(err.contains("ban") || err.contains("escalate_action"), "{err}");
        let err = EnforceSettings::from_toml_str("[enforce.groups.g]\ndryrun = true\n").unwrap_err();
        assert!(err.contains("dryrun"), "{err}");
        let err = EnforceSettings::from_toml_str("[enforce.groups.g]\nescalate_after = 0\n").unwrap_err();
        assert!(err.contains("escalate_after") && err.contains("groups"), "{err}");
    }

    #[test]
    fn decisions_delete_warn_and_escalate_at_the_count() {
        let s = EnforceSettings::from_toml_str(
            "[enforce]\nenabled = true\nallow_list = [\"Ann\"]\noperators = [\"u9\"]\n[enforce.groups.\"读书会\"]\nescalate_after = 2\nescalate_action = \"kick\"\n",
        )
        .unwrap();
        let g = s.for_group("读书会", "-100").unwrap();
        assert!(exempt(&g, "Ann", None, false));
        assert!(exempt(&g, "Someone", Some("u9"), false));
        assert!(exempt(&g, "Boss", None, true));
        assert!(!exempt(&g, "Spammer", Some("u5"), false));
        let rules = vec!["outside the ad window fri 20:00–22:00 / 不在广告时段内".to_string()];
        let first = decide(&g, &group(), Some("42".into()), "m:42", "k", "Spammer", Some("u5"), &rules, 1);
        assert_eq!(first.rule_en, "outside the ad window fri 20:00–22:00");
        assert_eq!(first.rule_zh, "不在广告时段内");
        assert!(first.dry_run);
        assert_eq!(first.actions.len(), 2);
        assert_eq!(first.actions[0], Action::Delete);
        let Action::Warn { text_zh, text_en } = &first.actions[1] else { panic!("{:?}", first.actions) };
        assert!(text_zh.contains("不在广告时段内") && text_en.contains("fri 20:00–22:00"), "{text_zh} {text_en}");
        let second = decide(&g, &group(), Some("43".into()), "m:43", "k2", "Spammer", Some("u5"), &rules, 2);
        assert_eq!(second.actions.last(), Some(&Action::Kick));
        // Propose: nothing done to the member, an alert text instead.
        let p = GroupPolicyEnforcement { escalate_action: EscalateAction::Propose, warn: false, ..g };
        let third = decide(&p, &group(), None, "c:1", "k3", "Spammer", None, &rules, 3);
        assert_eq!(third.actions.len(), 2);
        assert!(matches!(&third.actions[1], Action::Propose { text_zh, .. } if text_zh.contains("第 3 次")));
    }
}
