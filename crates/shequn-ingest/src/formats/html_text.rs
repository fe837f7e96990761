//! Text out of exporter-written HTML: entities decoded, tags dropped. The HTML exports
//! shequn reads (Telegram Desktop, DiscordChatExporter, WechatExporter) escape every `<`
//! of user text, so a targeted scan by class names is enough; no DOM is built.

/// Decodes the named entities exporters write and every numeric one.
pub(crate) fn decode(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        // Bytes, not a slice: the 12th byte may fall inside a character.
        let Some(semi) = rest.bytes().take(12).position(|b| b == b';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let ch = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            "laquo" => Some('«'),
            "raquo" => Some('»'),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// The value of `name="…"` (or `name='…'`) in an opening tag, entities decoded.
pub(crate) fn attr(tag: &str, name: &str) -> Option<String> {
    for quote in ['"', '\''] {
        let key = format!(" {name}={quote}");
        if let Some(at) = tag.find(&key).map(|a| a + key.len()) {
            let len = tag[at..].find(quote)?;
            return Some(decode(&tag[at..at + len]));
        }
    }
    None
}

/// Markup to text: `<br>` is a line break, an `<img>` is its `alt` (emoji), comments and
/// other tags go, entities are decoded, and each line's template indentation is trimmed.
pub(crate) fn text_of(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map_or("", |end| &after[end + 3..]);
            continue;
        }
        let Some(gt) = rest.find('>') else {
            rest = ""; // a tag cut off at the end of the slice
            break;
        };
        let tag = &rest[1..gt];
        let name = tag.split(|c: char| c.is_whitespace() || c == '/').next().unwrap_or("");
        if name.eq_ignore_ascii_case("br") {
            out.push('\n');
        } else if name.eq_ignore_ascii_case("img") {
            out.push_str(&attr(tag, "alt").unwrap_or_default());
        }
        rest = &rest[gt + 1..];
    }
    out.push_str(rest);
    let decoded = decode(&out);
    let lines: Vec<&str> = decoded.lines().map(str::trim).collect();
    let mut text = lines.join("\n");
    while text.contains("\n\n\n") {
        text = text.replace("\n\n\n", "\n\n");
    }
    text.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_becomes_text() {
        assert_eq!(
            text_of("  a <b>bold</b><br>   b &lt;c&gt; <img alt=\"👍\" src=x> <!-- x -->d"),
            "a bold\nb <c> 👍 d"
        );
        assert_eq!(text_of("x</span> <span class=\""), "x");
        assert_eq!(attr("<span title='a&amp;b' x=\"y\">", "title").as_deref(), Some("a&b"));
        assert_eq!(decode("&#x41;&#66;&foo;"), "AB&foo;");
    }
}
