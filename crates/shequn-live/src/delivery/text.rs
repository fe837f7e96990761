//! What an operator reads: one alert change, or a digest of many, Chinese first then
//! English, with the message the alert is about quoted as the report quotes evidence.

use shequn_alerts::AlertChange;

/// A digest lists this many changes at most; the rest are counted (chat apps cut long
/// messages: Telegram at 4,096 characters).
pub const DIGEST_ITEMS: usize = 20;
/// Characters of a quote in a digest line.
const DIGEST_QUOTE: usize = 80;

fn cut(s: &str, n: usize) -> String {
    let mut out: String = s.chars().take(n).collect();
    if s.chars().count() > n {
        out.push('…');
    }
    out
}

/// The change's own two lines (zh, en).
fn lines(c: &AlertChange) -> (&str, &str) {
    match c {
        AlertChange::Opened(a) => (&a.text_zh, &a.text_en),
        AlertChange::Resolved(a) => match &a.resolution {
            Some(r) => (&r.text_zh, &r.text_en),
            None => (&a.text_zh, &a.text_en),
        },
    }
}

fn mark(c: &AlertChange) -> &'static str {
    match c {
        AlertChange::Opened(_) => "⚠️ 告警 · Alert",
        AlertChange::Resolved(_) => "✅ 已解决 · Resolved",
    }
}

/// One change as a chat message.
pub fn single(c: &AlertChange, dashboard: Option<&str>) -> String {
    let a = c.alert();
    let (zh, en) = lines(c);
    let mut out = format!("{} [{}]\n{zh}\n{en}\n", mark(c), a.kind.as_str());
    if matches!(c, AlertChange::Opened(_)) {
        out.push_str(&format!("> {} ({}): {}\n", a.message.sender, a.message.time, a.message.text));
    }
    out.push_str(&format!("key: {}", a.key));
    if let Some(url) = dashboard {
        out.push_str(&format!("\n看板 · Dashboard: {url}"));
    }
    out
}

/// Several changes as one message: counts, then each change (zh line, en line, a short quote).
pub fn digest(changes: &[&AlertChange], dashboard: Option<&str>) -> String {
    let opened = changes.iter().filter(|c| matches!(c, AlertChange::Opened(_))).count();
    let resolved = changes.len() - opened;
    let mut out = format!(
        "shequn 告警摘要：新告警 {opened} 条，已解决 {resolved} 条\nshequn alert digest: {opened} new, {resolved} resolved\n"
    );
    for (i, c) in changes.iter().take(DIGEST_ITEMS).enumerate() {
        let a = c.alert();
        let (zh, en) = lines(c);
        let tag = if matches!(c, AlertChange::Opened(_)) { "⚠️" } else { "✅" };
        out.push_str(&format!("\n{}. {tag} {zh}\n   {en}\n", i + 1));
        if matches!(c, AlertChange::Opened(_)) {
            out.push_str(&format!("   > {}: {}\n", a.message.sender, cut(&a.message.text, DIGEST_QUOTE)));
        }
    }
    if changes.len() > DIGEST_ITEMS {
        let more = changes.len() - DIGEST_ITEMS;
        out.push_str(&format!("\n…… 另有 {more} 条 · {more} more"));
    }
    if let Some(url) = dashboard {
        out.push_str(&format!("\n看板 · Dashboard: {url}"));
    }
    out
}

/// A sample alert change for this crate's tests.
#[cfg(test)]
pub(crate) mod tests_support {
    use shequn_alerts::{Alert, AlertChange, AlertKind, AlertState, GroupRef, Quote};
    use shequn_model::Platform;

    pub(crate) fn opened(n: usize) -> AlertChange {
        AlertChange::Opened(Alert {
            key: format!("matrix:!r:newcomer:m:$e{n}"),
            kind: AlertKind::Newcomer,
            group: GroupRef { platform: Platform::Matrix, platform_id: "!r".into(), name: "读书会".into() },
            message_key: format!("m:$e{n}"),
            message: Quote::new("Ann", 1_700_000_000_000, 8 * 3600, &"大家好，我是新来的".repeat(10)),
            wait_min: 10,
            opened_ms: 1_700_000_600_000,
            text_zh: "「读书会」新人 Ann 的第一条发言 10 分钟无人回应".into(),
            text_en: "读书会: newcomer Ann's first message has had no answer for 10 min".into(),
            state: AlertState::Open,
            resolution: None,
            quotes: Vec::new(),
            reasons: Vec::new(),
            numbers: Default::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::tests_support::opened;
    use super::*;

    #[test]
    fn a_single_change_quotes_its_message_in_both_languages() {
        let t = single(&opened(1), Some("http://ops/alerts"));
        let zh = t.find("新人 Ann").unwrap();
        let en = t.find("newcomer Ann").unwrap();
        assert!(zh < en, "Chinese first: {t}");
        assert!(t.contains("> Ann (2023-11-15T06:13:20+08:00): 大家好，我是新来的"), "{t}");
        assert!(t.contains("key: matrix:!r:newcomer:m:$e1") && t.ends_with("http://ops/alerts"), "{t}");
    }

    #[test]
    fn a_digest_counts_lists_at_most_twenty_and_says_how_many_more() {
        let all: Vec<AlertChange> = (0..25).map(opened).collect();
        let refs: Vec<&AlertChange> = all.iter().collect();
        let t = digest(&refs, None);
        assert!(t.starts_with("shequn 告警摘要：新告警 25 条，已解决 0 条"), "{t}");
        assert_eq!(t.matches("⚠️").count(), 20);
        assert!(t.contains("20. ⚠️") && !t.contains("21. "), "{t}");
        assert!(t.ends_with("…… 另有 5 条 · 5 more"), "{t}");
        // Quotes are cut short in a digest.
        assert!(
            t.contains(&format!("> Ann: {}…", "大家好，我是新来的".repeat(10).chars().take(80).collect::<String>()))
        );
    }
}
