//! Escaping for HTML text, attributes and inline JSON. Chat messages are
//! hostile input: every piece of text goes through one of these.

/// Explicit bidi formatting characters (embeddings, overrides, isolates).
fn is_bidi_control(ch: char) -> bool {
    matches!(ch, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Escapes text for an HTML element body or a quoted attribute value. Text holding bidi
/// controls is isolated between FSI and PDI (what `<bdi>` does, and valid in attributes too):
/// a name with U+202E cannot reverse the text after it.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let isolate = s.chars().any(is_bidi_control);
    if isolate {
        out.push('\u{2068}');
    }
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    if isolate {
        out.push('\u{2069}');
    }
    out
}

/// Serialises data for a `<script type="application/json">` block: `<`, `>`,
/// `&` and the JavaScript line separators are written as \u escapes, so no
/// message text can close the script element.
pub fn json_for_script<T: serde::Serialize>(value: &T) -> String {
    let raw = serde_json::to_string(value).unwrap_or_else(|_| "null".into());
    let mut out = String::with_capacity(raw.len());
    for ch in raw.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            _ => out.push(ch),
        }
    }
    out
}

/// Bilingual inline text: both languages are in the page, CSS shows one.
pub fn bi(zh: &str, en: &str) -> String {
    format!(r#"<span lang="zh">{}</span><span lang="en">{}</span>"#, esc(zh), esc(en))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_inert() {
        let s = esc(r#"<script>alert(1)</script><img src=x onerror="alert(2)"> 'x'"#);
        assert!(!s.contains('<') && !s.contains('>') && !s.contains('"') && !s.contains('\''));
        assert_eq!(esc("a&b"), "a&amp;b");
    }

    #[test]
    fn a_bidi_override_stays_inside_its_text() {
        assert_eq!(esc("evil\u{202E}gpj.exe"), "\u{2068}evil\u{202E}gpj.exe\u{2069}");
        assert_eq!(esc("plain عربي"), "plain عربي", "right-to-left letters alone need nothing");
    }

    #[test]
    fn json_cannot_close_the_script_element() {
        let s = json_for_script(&vec!["</script><script>alert(1)</script>"]);
        assert!(!s.contains("</script>"));
        let back: Vec<String> = serde_json::from_str(&s).unwrap();
        assert_eq!(back[0], "</script><script>alert(1)</script>");
    }
}
