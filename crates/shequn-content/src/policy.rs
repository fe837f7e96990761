//! A group's ad policy (METHOD §7, seed 004): ads allowed only in a weekly
//! window (资源快闪), only after a red packet of ≥ N yuan by the same sender
//! within M minutes, or only in a designated ad thread. Any combination; an ad
//! that meets none of the configured allowances is a violation. With no
//! allowance configured, every ad is a violation.
//!
//! ```toml
//! exempt_operators = true
//! [[windows]]
//! weekday = "fri"
//! start = "20:00"
//! end = "22:00"
//! [red_packet]
//! min_yuan = 100
//! within_minutes = 10
//! [thread]
//! root_contains = "广告贴"
//! ```

use serde::{Deserialize, Serialize};
use shequn_model::{EventKind, Example, MessageKind, MsgIx, Timeline};

use crate::clock::{local, rfc3339};

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct AdPolicy {
    /// Weekly windows in the group's clock when ads are allowed.
    pub windows: Vec<AdWindow>,
    pub red_packet: Option<RedPacketRule>,
    pub thread: Option<ThreadRule>,
    /// Owners and admins may post ads at any time.
    pub exempt_operators: bool,
}

impl Default for AdPolicy {
    fn default() -> Self {
        AdPolicy { windows: Vec::new(), red_packet: None, thread: None, exempt_operators: true }
    }
}

/// A weekly window; `end` before `start` runs past midnight into the next day.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct AdWindow {
    /// mon, tue, wed, thu, fri, sat, sun (or 周一…周日).
    pub weekday: String,
    /// `HH:MM`, group clock, inclusive.
    pub start: String,
    /// `HH:MM`, group clock, exclusive.
    pub end: String,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RedPacketRule {
    /// The smallest red packet (yuan) that buys the right to post an ad.
    pub min_yuan: f64,
    /// How long before the ad (minutes, inclusive) the red packet may have been sent.
    pub within_minutes: u32,
}

#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ThreadRule {
    /// Ads are allowed in replies (directly or down a reply chain) to a message containing this text.
    pub root_contains: String,
}

/// A policy file that could not be read.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyError(pub String);

impl std::fmt::Display for PolicyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl AdPolicy {
    /// Parses a policy from TOML text; `origin` names the file in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<AdPolicy, PolicyError> {
        let p: AdPolicy = toml::from_str(text).map_err(|e| PolicyError(format!("{origin}: {e}")))?;
        for w in &p.windows {
            w.minutes().map_err(|e| PolicyError(format!("{origin}: {e}")))?;
        }
        Ok(p)
    }
}

/// Ad policies for a portfolio: one `[default]` for every group without its own
/// `[groups."<name, platform id or archive id>"]` table. A file holding a bare policy
/// (no `default`/`groups` table) applies it to every group.
///
/// ```toml
/// [default]
/// exempt_operators = true
/// [groups."成都读书会交流群"]
/// red_packet = { min_yuan = 100, within_minutes = 10 }
/// ```
#[derive(Serialize, Deserialize, Clone, Debug, Default, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicyBook {
    #[serde(default)]
    pub default: Option<AdPolicy>,
    #[serde(default)]
    pub groups: std::collections::BTreeMap<String, AdPolicy>,
}

impl PolicyBook {
    /// Parses a policy book (or a single policy) from TOML text; `origin` names the file in errors.
    pub fn from_toml(text: &str, origin: &str) -> Result<PolicyBook, PolicyError> {
        let table: toml::Table = toml::from_str(text).map_err(|e| PolicyError(format!("{origin}: {e}")))?;
        let book = if table.contains_key("default") || table.contains_key("groups") {
            toml::from_str::<PolicyBook>(text).map_err(|e| PolicyError(format!("{origin}: {e}")))?
        } else {
            PolicyBook { default: Some(AdPolicy::from_toml(text, origin)?), groups: Default::default() }
        };
        for (name, p) in
            book.default.iter().map(|p| ("default", p)).chain(book.groups.iter().map(|(k, p)| (k.as_str(), p)))
        {
            for w in &p.windows {
                w.minutes().map_err(|e| PolicyError(format!("{origin}: [{name}]: {e}")))?;
            }
        }
        Ok(book)
    }

    /// The policy for a group: its own table (by name, platform id or archive id), else the default.
    pub fn for_group(&self, name: &str, platform_id: &str, archive_id: i64) -> Option<&AdPolicy> {
        self.groups
            .get(name)
            .or_else(|| self.groups.get(platform_id))
            .or_else(|| self.groups.get(&archive_id.to_string()))
            .or(self.default.as_ref())
    }

    pub fn is_empty(&self) -> bool {
        self.default.is_none() && self.groups.is_empty()
    }
}

impl AdWindow {
    /// (minute of week the window starts, length in minutes).
    fn minutes(&self) -> Result<(u32, u32), String> {
        let day = weekday_index(&self.weekday)
            .ok_or_else(|| format!("weekday `{}` is not one of mon…sun / 周一…周日", self.weekday))?;
        let start = hhmm(&self.start)?;
        let end = hhmm(&self.end)?;
        let len = (end + 1440 - start) % 1440;
        Ok((day * 1440 + start, if len == 0 { 1440 } else { len }))
    }

    /// Whether an instant falls inside the window, in the group's clock.
    pub fn contains(&self, unix_ms: i64, offset_s: i32) -> bool {
        let Ok((start, len)) = self.minutes() else { return false };
        let (_, weekday, minute) = local(unix_ms, offset_s);
        let mow = weekday * 1440 + minute;
        (mow + 10080 - start) % 10080 < len
    }

    fn describe(&self) -> String {
        format!("{} {}–{}", self.weekday, self.start, self.end)
    }
}

fn weekday_index(s: &str) -> Option<u32> {
    let s = s.trim().to_lowercase();
    let names = [
        ["mon", "monday", "周一", "星期一"],
        ["tue", "tuesday", "周二", "星期二"],
        ["wed", "wednesday", "周三", "星期三"],
        ["thu", "thursday", "周四", "星期四"],
        ["fri", "friday", "周五", "星期五"],
        ["sat", "saturday", "周六", "星期六"],
        ["sun", "sunday", "周日", "星期日"],
    ];
    names.iter().position(|n| n.contains(&s.as_str())).map(|i| i as u32)
}

fn hhmm(s: &str) -> Result<u32, String> {
    let (h, m) = s.split_once(':').ok_or_else(|| format!("time `{s}` is not HH:MM"))?;
    let (h, m): (u32, u32) = (
        h.parse().map_err(|_| format!("time `{s}` is not HH:MM"))?,
        m.parse().map_err(|_| format!("time `{s}` is not HH:MM"))?,
    );
    if h > 24 || m > 59 || (h == 24 && m > 0) {
        return Err(format!("time `{s}` is out of range"));
    }
    Ok(h * 60 + m)
}

/// One ad that broke the policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    pub sender: String,
    pub time: String,
    /// Each configured allowance the ad did not meet, in words (en / zh).
    pub rules_broken: Vec<String>,
    pub example: Example,
}

/// Checks each ad against the policy. `ads` are message indices judged ads.
pub fn check(t: &Timeline, policy: &AdPolicy, ads: &[MsgIx]) -> Vec<Violation> {
    let offset = t.group.utc_offset_s;
    let mut out = Vec::new();
    for &ix in ads {
        let m = &t.messages[ix as usize];
        let sender = t.sender(m);
        if policy.exempt_operators && sender.is_operator() {
            continue;
        }
        let mut broken = Vec::new();
        if !policy.windows.is_empty() {
            if policy.windows.iter().any(|w| w.contains(m.time_ms, offset)) {
                continue;
            }
            let ws: Vec<String> = policy.windows.iter().map(AdWindow::describe).collect();
            broken.push(format!("outside the ad window {} / 不在广告时段内", ws.join(", ")));
        }
        if let Some(rule) = &policy.red_packet {
            let best = largest_red_packet(t, m.sender, m.time_ms, rule.within_minutes);
            if best.is_some_and(|cents| cents as f64 >= rule.min_yuan * 100.0) {
                continue;
            }
            let seen = match best {
                Some(c) => format!("largest was {:.2} yuan / 最大 {:.2} 元", c as f64 / 100.0, c as f64 / 100.0),
                None => "none sent / 未发".to_string(),
            };
            broken.push(format!(
                "no red packet of ≥ {} yuan by the sender in the {} minutes before ({seen}) / 发广告前 {} 分钟内未发 ≥ {} 元红包",
                rule.min_yuan, rule.within_minutes, rule.within_minutes, rule.min_yuan
            ));
        }
        if let Some(rule) = &policy.thread {
            if in_thread(t, ix, &rule.root_contains) {
                continue;
            }
            broken.push(format!("not in the ad thread「{}」/ 不在广告贴内", rule.root_contains));
        }
        if broken.is_empty() {
            broken.push("ads are not allowed in this group / 本群不允许发广告".to_string());
        }
        out.push(Violation {
            sender: sender.name.clone(),
            time: rfc3339(m.time_ms, offset),
            rules_broken: broken,
            example: Example::of(t, ix),
        });
    }
    out
}

/// The largest red packet (cents) `sender` sent in the `within_minutes` before `at_ms` (inclusive).
fn largest_red_packet(t: &Timeline, sender: u32, at_ms: i64, within_minutes: u32) -> Option<i64> {
    let from = at_ms - within_minutes as i64 * 60_000;
    let in_range = |time: i64| time >= from && time <= at_ms;
    let from_messages = t
        .messages
        .iter()
        .filter(|m| m.kind == MessageKind::RedPacket && m.sender == sender && in_range(m.time_ms))
        .filter_map(|m| m.amount_cents);
    let from_events = t
        .events
        .iter()
        .filter(|e| e.kind == EventKind::RedPacket && e.actor == Some(sender) && in_range(e.time_ms))
        .filter_map(|e| e.amount_cents);
    from_messages.chain(from_events).max()
}

/// Whether a message replies, directly or down a chain, to a message containing `marker`.
fn in_thread(t: &Timeline, ix: MsgIx, marker: &str) -> bool {
    let mut cur = t.messages[ix as usize].reply_to;
    let mut steps = 0;
    while let Some(p) = cur {
        if t.messages[p as usize].text.contains(marker) {
            return true;
        }
        cur = t.messages[p as usize].reply_to;
        steps += 1;
        if steps > 1000 {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use shequn_model::{MemberRole, Msg, TimelineBuilder};

    // 2024-01-05 is a Friday. Group clock UTC+8.
    const FRI_MIDNIGHT_LOCAL_MS: i64 = 1_704_412_800_000 - 8 * 3_600_000;
    const MIN: i64 = 60_000;

    fn window_policy() -> AdPolicy {
        AdPolicy::from_toml("[[windows]]\nweekday = \"fri\"\nstart = \"20:00\"\nend = \"22:00\"\n", "test.toml")
            .unwrap()
    }

    fn group_with_ads(times: &[i64]) -> (Timeline, Vec<MsgIx>) {
        let mut b = TimelineBuilder::new("g");
        b.group_mut().utc_offset_s = 8 * 3600;
        let s = b.member("seller");
        let ads = times.iter().map(|&t| b.message(t, s, "优惠加微信")).collect();
        (b.build(), ads)
    }

    #[test]
    fn window_boundaries() {
        let at = |min: i64| FRI_MIDNIGHT_LOCAL_MS + min * MIN;
        let (t, ads) = group_with_ads(&[at(20 * 60 - 1), at(20 * 60), at(22 * 60 - 1), at(22 * 60)]);
        let v = check(&t, &window_policy(), &ads);
        let flagged: Vec<MsgIx> = v.iter().map(|v| v.example.msg).collect();
        assert_eq!(flagged, vec![0, 3], "19:59 and 22:00 are outside, 20:00 and 21:59 inside");
        assert!(v[0].rules_broken[0].contains("fri 20:00–22:00"));
        // Thursday 20:30 is outside.
        let (t, ads) = group_with_ads(&[at(-24 * 60 + 20 * 60 + 30)]);
        assert_eq!(check(&t, &window_policy(), &ads).len(), 1);
    }

    #[test]
    fn window_across_midnight() {
        let w = AdWindow { weekday: "sat".into(), start: "23:00".into(), end: "01:00".into() };
        let sat = FRI_MIDNIGHT_LOCAL_MS + 24 * 60 * MIN;
        assert!(w.contains(sat + (23 * 60 + 30) * MIN, 8 * 3600));
        assert!(w.contains(sat + (24 * 60 + 59) * MIN, 8 * 3600));
        assert!(!w.contains(sat + (25 * 60) * MIN, 8 * 3600));
    }

    fn red_packet_case(yuan_cents: i64, minutes_before: i64) -> usize {
        let mut b = TimelineBuilder::new("g");
        let s = b.member("seller");
        let ad_at = 100 * MIN;
        b.push(Msg {
            id: 0,
            time_ms: ad_at - minutes_before * MIN,
            sender: s,
            kind: MessageKind::RedPacket,
            text: "[红包]".into(),
            amount_cents: Some(yuan_cents),
            reply_to: None,
            mentions: vec![],
            mentions_everyone: false,
            forwarded: false,
        });
        let ad = b.message(ad_at, s, "招商代理，加微信");
        let t = b.build();
        let p =
            AdPolicy { red_packet: Some(RedPacketRule { min_yuan: 100.0, within_minutes: 10 }), ..AdPolicy::default() };
        check(&t, &p, &[ad]).len()
    }

    #[test]
    fn red_packet_boundaries() {
        assert_eq!(red_packet_case(10_000, 5), 0, "100 yuan 5 min before: allowed");
        assert_eq!(red_packet_case(9_999, 5), 1, "99.99 yuan: violation");
        assert_eq!(red_packet_case(10_001, 5), 0, "100.01 yuan: allowed");
        assert_eq!(red_packet_case(10_000, 10), 0, "exactly 10 min: allowed");
        assert_eq!(red_packet_case(10_000, 11), 1, "11 min before: violation");
    }

    #[test]
    fn red_packet_by_someone_else_does_not_count() {
        let mut b = TimelineBuilder::new("g");
        let s = b.member("seller");
        let friend = b.member("friend");
        let e = b.event(0, EventKind::RedPacket, &[]);
        b.event_mut(e).actor = Some(friend);
        b.event_mut(e).amount_cents = Some(50_000);
        let ad = b.message(MIN, s, "代理招商");
        let t = b.build();
        let p =
            AdPolicy { red_packet: Some(RedPacketRule { min_yuan: 100.0, within_minutes: 10 }), ..AdPolicy::default() };
        assert_eq!(check(&t, &p, &[ad]).len(), 1);
    }

    #[test]
    fn thread_rule_and_operator_exemption() {
        let mut b = TimelineBuilder::new("g");
        let admin = b.member("admin");
        b.member_mut(admin).role = Some(MemberRole::Admin);
        let s = b.member("seller");
        let root = b.message(0, admin, "本周广告贴：有资源的在这里回复");
        let r1 = b.reply(MIN, s, "代理招商 加微信", root);
        let r2 = b.reply(2 * MIN, s, "还有优惠", r1);
        let outside = b.message(3 * MIN, s, "优惠加微信");
        let by_admin = b.message(4 * MIN, admin, "优惠加微信");
        let t = b.build();
        let p = AdPolicy { thread: Some(ThreadRule { root_contains: "广告贴".into() }), ..AdPolicy::default() };
        let v = check(&t, &p, &[r1, r2, outside, by_admin]);
        assert_eq!(v.iter().map(|v| v.example.msg).collect::<Vec<_>>(), vec![outside]);
        let strict = AdPolicy { exempt_operators: false, ..p };
        assert_eq!(check(&t, &strict, &[by_admin]).len(), 1);
    }

    #[test]
    fn bad_policy_names_the_file() {
        let e =
            AdPolicy::from_toml("[[windows]]\nweekday = \"someday\"\nstart = \"20:00\"\nend = \"22:00\"\n", "g.toml");
        assert!(e.unwrap_err().0.starts_with("g.toml: weekday `someday`"));
        assert!(AdPolicy::from_toml("colour = 1", "g.toml").is_err());
    }

    #[test]
    fn policy_book_picks_the_group_table_then_the_default() {
        let text = r#"
[default]
exempt_operators = false
[groups."读书会"]
red_packet = { min_yuan = 100, within_minutes = 10 }
[groups."demo-g007"]
windows = [{ weekday = "fri", start = "20:00", end = "22:00" }]
"#;
        let book = PolicyBook::from_toml(text, "p.toml").unwrap();
        assert_eq!(book.for_group("读书会", "x", 1).unwrap().red_packet.as_ref().unwrap().min_yuan, 100.0);
        assert_eq!(book.for_group("other", "demo-g007", 2).unwrap().windows.len(), 1);
        let d = book.for_group("other", "y", 3).unwrap();
        assert!(!d.exempt_operators && d.red_packet.is_none());
        // A bare policy applies to every group.
        let bare = PolicyBook::from_toml("[red_packet]\nmin_yuan = 5\nwithin_minutes = 3\n", "p.toml").unwrap();
        assert_eq!(bare.for_group("any", "any", 9).unwrap().red_packet.as_ref().unwrap().within_minutes, 3);
        // A bad window names the file and the table.
        let err = PolicyBook::from_toml(
            "[groups.g]\nwindows = [{ weekday = \"xyz\", start = \"20:00\", end = \"21:00\" }]\n",
            "p.toml",
        )
        .unwrap_err();
        assert!(err.0.contains("p.toml") && err.0.contains("[g]"), "{}", err.0);
    }
}
