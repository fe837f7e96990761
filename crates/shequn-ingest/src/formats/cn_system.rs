//! Chinese-platform system texts (QQ, WeChat zh/en UI, QQNT gray tips) turned into
//! events, plus the pieces every QQ/WeChat/WeCom parser shares: the zone note, the
//! leave note, head decoding for sniffing and name-to-person resolution.
//! Templates: CN-FORMATS.md §5.

use std::collections::HashMap;
use std::sync::OnceLock;

use chrono::FixedOffset;
use regex::Regex;
use shequn_model::{EventKind, Person, Stamp, SystemEvent};

use crate::Probe;

/// A system text as understood: who did what to whom.
#[derive(Debug, Clone, PartialEq)]
pub struct SysText {
    pub kind: EventKind,
    pub actor: Option<String>,
    pub subjects: Vec<String>,
    pub detail: Option<String>,
}

struct Rule {
    re: Regex,
    kind: EventKind,
    /// Capture group of the actor (0 = none).
    actor: usize,
    /// Capture group of the subjects (0 = none).
    subjects: usize,
    detail: Option<&'static str>,
}

fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| {
        let r = |p: &str, kind, actor, subjects, detail| Rule {
            re: Regex::new(p).expect("valid system-text pattern"),
            kind,
            actor,
            subjects,
            detail,
        };
        use EventKind::*;
        vec![
            // WeChat zh: invitations and QR codes.
            r(r"^(.+?)邀请你和(.+?)加入了群聊", Join, 1, 2, Some("invite")),
            r(r"^(.+?)邀请(你)加入了群聊", Join, 1, 2, Some("invite")),
            r(r"^(.+?)通过扫描(.+?)分享的二维码加入群聊", Join, 2, 1, Some("qr")),
            r(r"^(.+?)通过(.+?)的邀请二维码加入群聊", Join, 2, 1, Some("qr")),
            r(r"^(.+?)邀请(.+?)加入了(?:群聊|本群)", Join, 1, 2, Some("invite")),
            // QQ: X加入本群。 / QQNT X加入了群聊
            r(r"^(.+?)\s*加入(?:了)?(?:本群|群聊)。?$", Join, 0, 1, None),
            // Removals.
            r(r"^(你)将(.+?)移出了群聊", Kick, 1, 2, None),
            r(r"^(你)被(.+?)移出群聊", Kick, 2, 1, None),
            r(r"^(.+?)被(.+?)移出(?:了)?(?:群聊|本群)", Kick, 2, 1, None),
            r(r"^(.+?)被移出(?:了)?(?:群聊|本群)", Kick, 0, 1, None),
            r(r"^(.+?)(?:退出了群聊|退出本群|已退出群聊|退出了本群)", Leave, 0, 1, None),
            // Renames.
            r(r"^(.+?)修改群名为(.+)$", Rename, 1, 0, None),
            // Recalls (QQNT "X 撤回了 Y 的消息" first).
            r(r"^(.+?)\s*撤回了\s*(.+?)\s*的消息", Recall, 1, 2, None),
            r(r"^(.+?)\s*(?:撤回了一条消息|撤回了一則訊息|回收一則訊息)", Recall, 1, 0, None),
            // 拍一拍 / 戳一戳.
            r(r"^(.+?)\s*(?:拍了拍|戳了戳)\s*(.+)$", Pat, 1, 2, None),
            // Red packets.
            r(r"^(.+?)的口令红包\d+秒被领完，(.+?)，是运气王", RedPacket, 1, 2, Some("lucky")),
            r(r"^(.+?)领取了(.+?)的(?:口令|专享)?红包", RedPacket, 1, 2, Some("claimed")),
            // WeChat en.
            r(r"^(.+?) invited you and (.+?) to the group chat", Join, 1, 2, Some("invite")),
            r(r"^(.+?) invited (you) to a group chat", Join, 1, 2, Some("invite")),
            r(r"^(.+?) invited (.+?) to the group chat", Join, 1, 2, Some("invite")),
            r(r"^(.+?) joined (?:the )?group chat via the QR [Cc]ode shared by (.+)$", Join, 2, 1, Some("qr")),
            r(r"^(.+?) joined (?:the )?group chat via the QR [Cc]ode (you) shared", Join, 2, 1, Some("qr")),
            r(r"^(You) removed (.+?) from the group chat", Kick, 1, 2, None),
            r(r"^(You) were removed from the group chat by (.+)$", Kick, 2, 1, None),
            r(r"^(.+?) changed the group name to (.+)$", Rename, 1, 0, None),
            r(r"^(.+?) recalled a message", Recall, 1, 0, None),
            r(r"^(.+?) patted (.+)$", Pat, 1, 2, None),
            r(r"^(.+?) left the group chat", Leave, 0, 1, None),
        ]
    })
}

/// Recognises a system text; unknown texts are `Other` with no people.
pub fn classify(text: &str) -> SysText {
    let text = text.trim();
    for rule in rules() {
        let Some(c) = rule.re.captures(text) else { continue };
        let get = |i: usize| (i > 0).then(|| c.get(i).map(|m| m.as_str())).flatten();
        let detail = if rule.kind == EventKind::Rename {
            c.get(2).map(|m| clean_name(m.as_str()))
        } else {
            rule.detail.map(str::to_string)
        };
        let mut subjects = get(rule.subjects).map(split_names).unwrap_or_default();
        if rule.kind == EventKind::Pat {
            // `"小王" 拍了拍 "小李" 的肩膀`: the suffix after the quoted name is not a name.
            if let Some(raw) = get(rule.subjects) {
                subjects = vec![quoted_or_whole(raw)];
            }
        }
        return SysText {
            kind: rule.kind,
            actor: get(rule.actor).map(clean_name).filter(|n| !n.is_empty()),
            subjects,
            detail,
        };
    }
    SysText { kind: EventKind::Other, actor: None, subjects: Vec::new(), detail: None }
}

/// Names in a list: `"李四、王五"`, `"A", "B"`, `A and B`.
fn split_names(s: &str) -> Vec<String> {
    s.split(['、', ',']).flat_map(|p| p.split(" and ")).map(clean_name).filter(|n| !n.is_empty()).collect()
}

/// The first quoted name in `s`, or all of `s` cleaned when it starts unquoted.
fn quoted_or_whole(s: &str) -> String {
    let t = s.trim();
    let mut chars = t.char_indices();
    match chars.next() {
        Some((_, '"' | '“')) => match t[1..].find(['"', '”']) {
            Some(end) => clean_name(&t[1..1 + end]),
            None => clean_name(t),
        },
        _ => clean_name(t),
    }
}

/// A name without the quotes and padding system texts put around it.
pub fn clean_name(s: &str) -> String {
    s.trim().trim_matches(|c: char| c == '"' || c == '“' || c == '”' || c.is_whitespace()).to_string()
}

/// Removes XML/HTML tags, CDATA wrappers and WeChat's `$revoke$` suffix.
pub fn strip_markup(s: &str) -> String {
    static TAG: OnceLock<Regex> = OnceLock::new();
    let tag = TAG.get_or_init(|| Regex::new(r"<[^<>]*>").expect("valid tag pattern"));
    let s = s.replace("<![CDATA[", "").replace("]]>", "").replace("$revoke$", "");
    let s = tag.replace_all(&s, "");
    s.replace("重新编辑", "").trim().to_string()
}

/// Builds the event for a system text, resolving names through `book`.
pub fn event(time: Stamp, text: &str, book: &NameBook) -> SystemEvent {
    let sys = classify(text);
    let mut e = SystemEvent::new(time, sys.kind, text.trim());
    e.actor = sys.actor.as_deref().map(|n| book.person(n));
    e.subjects = sys.subjects.iter().map(|n| book.person(n)).collect();
    e.detail = sys.detail;
    e
}

/// Display names seen so far, so a name in a system text or an @mention links to
/// the member's platform id.
#[derive(Default)]
pub struct NameBook {
    by_name: HashMap<String, Person>,
    /// The exporting user, who system texts call 你/我/You.
    me: Option<Person>,
}

impl NameBook {
    pub fn learn(&mut self, p: &Person) {
        if p.platform_id.is_some() && !p.name.is_empty() {
            let mut bare = p.clone();
            bare.role = None;
            bare.title = None;
            self.by_name.insert(p.name.clone(), bare);
        }
    }
    /// Links another name the same person goes by (nickname beside group card).
    pub fn alias(&mut self, name: &str, p: &Person) {
        if !name.is_empty() && !self.by_name.contains_key(name) {
            self.learn(&Person { name: name.to_string(), ..p.clone() });
            if let Some(known) = self.by_name.get_mut(name) {
                known.name = p.name.clone();
            }
        }
    }
    /// Records who the exporting user is, once a row says "sent by me".
    pub fn learn_me(&mut self, p: &Person) {
        if self.me.is_none() {
            self.me = Some(Person { role: None, title: None, ..p.clone() });
        }
    }
    pub fn get(&self, name: &str) -> Option<&Person> {
        match (name, &self.me) {
            ("你" | "我" | "You" | "you", Some(me)) => Some(me),
            _ => self.by_name.get(name),
        }
    }
    pub fn person(&self, name: &str) -> Person {
        self.get(name).cloned().unwrap_or_else(|| Person::named(name))
    }
}

/// The note each group with zone-less times gets.
pub fn zone_note(zone: FixedOffset) -> String {
    format!("时间按 UTC{zone} 读取 / times read as UTC{zone}")
}

/// The note each WeChat group gets: leaves are invisible in WeChat exports.
pub const WECHAT_LEAVE_NOTE: &str =
    "微信不显示主动退群，退群只能从成员名单变化推断 / WeChat does not record voluntary leaves; infer them from member-list changes";

/// The probe head as text: UTF-8 (BOM removed) or, failing that, GB18030.
pub fn head_decoded(probe: &Probe) -> String {
    let bytes = probe.head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(probe.head);
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(e) if e.error_len().is_none() => String::from_utf8_lossy(bytes).into_owned(),
        Err(_) => encoding_rs::GB18030.decode_without_bom_handling(bytes).0.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wechat_invite_lists_subjects() {
        let s = classify("\"张三\"邀请\"李四、王五\"加入了群聊");
        assert_eq!(s.kind, EventKind::Join);
        assert_eq!(s.actor.as_deref(), Some("张三"));
        assert_eq!(s.subjects, vec!["李四", "王五"]);
    }

    #[test]
    fn qr_join_names_the_sharer_as_actor() {
        let s = classify("\" 李四\"通过扫描\"张三\"分享的二维码加入群聊");
        assert_eq!(
            (s.kind, s.actor.as_deref(), s.subjects.clone()),
            (EventKind::Join, Some("张三"), vec!["李四".into()])
        );
        assert_eq!(s.detail.as_deref(), Some("qr"));
    }

    #[test]
    fn qq_texts() {
        assert_eq!(classify("┅☆伈随风飞加入本群").subjects, vec!["┅☆伈随风飞"]);
        let lucky = classify("15-经济-咏哥的口令红包50秒被领完，16 高分子，是运气王。");
        assert_eq!(lucky.kind, EventKind::RedPacket);
        assert_eq!(lucky.actor.as_deref(), Some("15-经济-咏哥"));
        assert_eq!(classify("群活跃等级降级为LV4").kind, EventKind::Other);
        assert_eq!(classify("成员1撤回了一条消息").actor.as_deref(), Some("成员1"));
    }

    #[test]
    fn english_ui() {
        let k = classify("You removed \"Li\" from the group chat");
        assert_eq!((k.kind, k.subjects.clone()), (EventKind::Kick, vec!["Li".to_string()]));
        let j = classify("\"Li\" joined the group chat via the QR Code shared by \"Zhang\"");
        assert_eq!((j.kind, j.actor.as_deref()), (EventKind::Join, Some("Zhang")));
        assert_eq!(classify("\"Li\" recalled a message.").kind, EventKind::Recall);
    }

    #[test]
    fn pat_suffix_is_not_part_of_the_name() {
        let p = classify("\"小王\" 拍了拍 \"小李\" 的肩膀");
        assert_eq!(
            (p.kind, p.actor.as_deref(), p.subjects.clone()),
            (EventKind::Pat, Some("小王"), vec!["小李".to_string()])
        );
    }

    #[test]
    fn markup_is_stripped() {
        assert_eq!(strip_markup("<revokemsg>你撤回了一条消息</revokemsg>"), "你撤回了一条消息");
    }
}
