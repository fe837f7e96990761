//! Zulip's rendered message HTML reduced to the text its author wrote: tags
//! dropped, entities decoded, link and code text kept, quotes kept as `> ` lines,
//! list items as `- `. Zulip's renderer writes well-formed HTML, so a tag stack
//! is enough; no HTML parser dependency. Previews Zulip adds (inline images,
//! tweets, link embeds) and KaTeX's visual copy of math are left out: nobody
//! typed them.

use super::super::irc::decode_entities;

/// Who a message mentions, as its HTML marks them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mentioned {
    /// `<span class="user-mention" data-user-id="5">@Name</span>`.
    User { id: Option<String>, name: String },
    /// `@all`, `@everyone`, `@stream`, `@topic` (`data-user-id="*"`, `topic-mention`).
    Everyone,
}

/// A message's content as text, with what the HTML says about it.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct Reduced {
    pub text: String,
    pub mentions: Vec<Mentioned>,
    /// An uploaded or linked image is shown inline.
    pub image: bool,
    /// A link to a file uploaded to Zulip (`/user_uploads/...`).
    pub upload: bool,
    /// Any link out of Zulip.
    pub link: bool,
}

/// What an open element means for the text.
enum Open {
    Plain,
    Block,
    Quote,
    Pre,
    List {
        ordered: bool,
        next: u32,
    },
    Link {
        href: String,
        start: usize,
    },
    Mention {
        id: Option<String>,
        start: usize,
        wildcard: bool,
    },
    Time {
        datetime: String,
        start: usize,
    },
    /// Math: only the TeX source in `<annotation>` is kept.
    Math,
    Annotation,
}

struct Element {
    name: String,
    open: Open,
}

/// Elements whose whole content is dropped (previews and rendering copies).
fn skipped_class(class: &str) -> bool {
    class.split_whitespace().any(|c| {
        matches!(
            c,
            "message_inline_image"
                | "message_inline_ref"
                | "inline-preview-twitter"
                | "message_embed"
                | "katex-html"
                | "youtube-video"
                | "vimeo-video"
                | "message_inline_video"
                | "twitter-tweet"
        )
    })
}

fn is_void(name: &str) -> bool {
    matches!(name, "br" | "img" | "hr" | "input" | "meta" | "link" | "source" | "wbr" | "col" | "area" | "embed")
}

fn is_block(name: &str) -> bool {
    matches!(
        name,
        "p" | "div"
            | "h1"
            | "h2"
            | "h3"
            | "h4"
            | "h5"
            | "h6"
            | "table"
            | "thead"
            | "tbody"
            | "tr"
            | "ul"
            | "ol"
            | "details"
            | "summary"
            | "figure"
    )
}

/// The text being built: whitespace collapsed outside `<pre>`, blocks on their own
/// lines, quoted lines prefixed.
#[derive(Default)]
struct Out {
    s: String,
    /// Newlines owed before the next character.
    newlines: usize,
    space: bool,
    quote: usize,
}

impl Out {
    fn block(&mut self) {
        self.newlines = self.newlines.max(1);
        self.space = false;
    }

    fn put(&mut self, c: char) {
        if !self.s.is_empty() && self.newlines > 0 {
            for i in 0..self.newlines {
                self.s.push('\n');
                if self.quote > 0 && i + 1 == self.newlines {
                    self.s.push_str(&"> ".repeat(self.quote));
                }
            }
        } else if self.s.is_empty() && self.quote > 0 {
            self.s.push_str(&"> ".repeat(self.quote));
        } else if self.space && !self.s.is_empty() {
            self.s.push(' ');
        }
        self.newlines = 0;
        self.space = false;
        self.s.push(c);
    }

    fn text(&mut self, t: &str, pre: bool) {
        for c in t.chars() {
            match c {
                '\n' if pre => self.newlines += 1,
                c if pre => self.put(c),
                c if c.is_whitespace() && c != '\u{A0}' => self.space = true,
                '\u{A0}' => self.put(' '),
                c => self.put(c),
            }
        }
    }
}

/// One tag as read from the text starting at its `<`.
struct Tag {
    name: String,
    closing: bool,
    self_closing: bool,
    attrs: Vec<(String, String)>,
    /// The bytes the tag took, `<` to `>` included.
    len: usize,
}

impl Tag {
    fn attr(&self, key: &str) -> Option<&str> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
}

/// Reads the tag `s` starts with; None when the `<` starts no tag. Stops only on
/// ASCII bytes, so every slice falls on a character boundary.
fn read_tag(s: &str) -> Option<Tag> {
    let b = s.as_bytes();
    let closing = b.get(1) == Some(&b'/');
    let mut i = if closing { 2 } else { 1 };
    if !b.get(i).is_some_and(u8::is_ascii_alphabetic) {
        return None;
    }
    let name_start = i;
    while b.get(i).is_some_and(u8::is_ascii_alphanumeric) {
        i += 1;
    }
    let name = s[name_start..i].to_ascii_lowercase();
    let mut attrs = Vec::new();
    let mut self_closing = false;
    let skip_ws = |i: &mut usize| {
        while b.get(*i).is_some_and(u8::is_ascii_whitespace) {
            *i += 1;
        }
    };
    loop {
        skip_ws(&mut i);
        match b.get(i)? {
            b'>' => {
                i += 1;
                break;
            }
            b'/' => {
                self_closing = true;
                i += 1;
                continue;
            }
            _ => {}
        }
        let key_start = i;
        while b.get(i).is_some_and(|c| !matches!(c, b'=' | b'>' | b'/') && !c.is_ascii_whitespace()) {
            i += 1;
        }
        if i == key_start {
            i += 1;
            continue;
        }
        let key = s[key_start..i].to_ascii_lowercase();
        skip_ws(&mut i);
        let mut value = String::new();
        if b.get(i) == Some(&b'=') {
            i += 1;
            skip_ws(&mut i);
            match b.get(i) {
                Some(&q @ (b'"' | b'\'')) => {
                    let start = i + 1;
                    let end = start + s[start..].find(q as char)?;
                    value = decode_entities(&s[start..end]);
                    i = end + 1;
                }
                _ => {
                    let start = i;
                    while b.get(i).is_some_and(|c| *c != b'>' && !c.is_ascii_whitespace()) {
                        i += 1;
                    }
                    value = decode_entities(&s[start..i]);
                }
            }
        }
        attrs.push((key, value));
    }
    Some(Tag { name, closing, self_closing, attrs, len: i })
}

/// Reduces one message's rendered HTML.
pub(crate) fn reduce(html: &str) -> Reduced {
    let mut out = Out::default();
    let mut r = Reduced::default();
    let mut stack: Vec<Element> = Vec::new();
    // While skipping: the element name and how many of its kind are open.
    let mut skip: Option<(String, usize)> = None;
    let mut rest = html;
    while !rest.is_empty() {
        let lt = rest.find('<').unwrap_or(rest.len());
        if lt > 0 {
            let in_math = stack.iter().any(|e| matches!(e.open, Open::Math));
            let in_annotation = stack.iter().any(|e| matches!(e.open, Open::Annotation));
            if skip.is_none() && (!in_math || in_annotation) {
                let pre = stack.iter().any(|e| matches!(e.open, Open::Pre));
                out.text(&decode_entities(&rest[..lt]), pre);
            }
            rest = &rest[lt..];
            continue;
        }
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment.find("-->").map_or("", |i| &comment[i + 3..]);
            continue;
        }
        let Some(tag) = read_tag(rest) else {
            // A lone `<` (not a tag): text.
            if skip.is_none() {
                out.text("<", stack.iter().any(|e| matches!(e.open, Open::Pre)));
            }
            rest = &rest[1..];
            continue;
        };
        rest = &rest[tag.len..];
        if let Some((name, depth)) = &mut skip {
            if tag.name == *name && !is_void(&tag.name) && !tag.self_closing {
                if tag.closing {
                    *depth -= 1;
                    if *depth == 0 {
                        skip = None;
                    }
                } else {
                    *depth += 1;
                }
            }
            continue;
        }
        if tag.closing {
            close(&tag.name, &mut stack, &mut out, &mut r);
            continue;
        }
        let class = tag.attr("class").unwrap_or("");
        if skipped_class(class) {
            if class.contains("message_inline_image") || class.contains("youtube-video") {
                r.image = true;
            }
            if !is_void(&tag.name) && !tag.self_closing {
                skip = Some((tag.name.clone(), 1));
            }
            continue;
        }
        match tag.name.as_str() {
            "br" => out.newlines += 1,
            "hr" => out.block(),
            "img" => {
                if class.split_whitespace().any(|c| c == "emoji") {
                    out.text(tag.attr("alt").unwrap_or(""), false);
                } else {
                    r.image = true;
                }
            }
            _ => {}
        }
        if is_void(&tag.name) || tag.self_closing {
            continue;
        }
        let open = match tag.name.as_str() {
            "blockquote" => {
                out.block();
                out.quote += 1;
                Open::Quote
            }
            "pre" => {
                out.block();
                Open::Pre
            }
            "ul" | "ol" => {
                out.block();
                let start = tag.attr("start").and_then(|s| s.parse().ok()).unwrap_or(1);
                Open::List { ordered: tag.name == "ol", next: start }
            }
            "li" => {
                out.block();
                let marker = match stack.iter_mut().rev().find_map(|e| match &mut e.open {
                    Open::List { ordered, next } => Some((*ordered, next)),
                    _ => None,
                }) {
                    Some((true, next)) => {
                        *next += 1;
                        format!("{}. ", *next - 1)
                    }
                    _ => "- ".to_string(),
                };
                out.text(&marker, true);
                Open::Block
            }
            "td" | "th" => {
                if !out.s.is_empty() && out.newlines == 0 && !out.s.ends_with('\n') {
                    out.text(" | ", true);
                }
                Open::Plain
            }
            "a" => {
                let href = tag.attr("href").unwrap_or("").to_string();
                if href.contains("/user_uploads/") {
                    r.upload = true;
                } else if href.starts_with("http://") || href.starts_with("https://") {
                    r.link = true;
                }
                Open::Link { href, start: out.s.len() }
            }
            "span" if class.split_whitespace().any(|c| c == "user-mention" || c == "topic-mention") => {
                let id = tag.attr("data-user-id").map(str::to_string);
                let wildcard = id.as_deref() == Some("*") || class.contains("topic-mention");
                let silent = class.split_whitespace().any(|c| c == "silent");
                // A silent mention (`@_**Name**`) names someone without notifying them: text only.
                if silent {
                    Open::Plain
                } else {
                    Open::Mention { id: id.filter(|i| i != "*"), start: out.s.len(), wildcard }
                }
            }
            "time" => Open::Time { datetime: tag.attr("datetime").unwrap_or("").to_string(), start: out.s.len() },
            "math" => Open::Math,
            "annotation" => Open::Annotation,
            name if is_block(name) => {
                out.block();
                Open::Block
            }
            _ => Open::Plain,
        };
        stack.push(Element { name: tag.name, open });
    }
    r.text = out.s.trim_end().to_string();
    r
}

/// Closes the innermost open element of that name (and any left open inside it).
fn close(name: &str, stack: &mut Vec<Element>, out: &mut Out, r: &mut Reduced) {
    let Some(at) = stack.iter().rposition(|e| e.name == name) else { return };
    while stack.len() > at {
        let e = stack.pop().expect("non-empty");
        match e.open {
            Open::Block | Open::List { .. } => out.block(),
            Open::Pre => {
                out.newlines = 0;
                out.block();
            }
            Open::Quote => {
                out.quote = out.quote.saturating_sub(1);
                out.block();
            }
            Open::Link { href, start } => {
                let label = out.s.get(start..).unwrap_or("").trim().to_string();
                let external = href.starts_with("http://") || href.starts_with("https://");
                // An autolinked `crates.io` is its own URL: no need to repeat it.
                let bare = href.split_once("://").map_or(href.as_str(), |(_, r)| r).trim_end_matches('/');
                if external && !label.is_empty() && !label.contains(bare) {
                    out.text(&format!(" ({href})"), true);
                } else if external && label.is_empty() {
                    out.text(&href, true);
                }
            }
            Open::Mention { id, start, wildcard } => {
                let shown = out.s.get(start..).unwrap_or("").trim();
                if wildcard {
                    r.mentions.push(Mentioned::Everyone);
                } else {
                    let name = shown.trim_start_matches('@').trim_matches('*').to_string();
                    r.mentions.push(Mentioned::User { id, name });
                }
            }
            Open::Time { datetime, start } => {
                if out.s.len() == start && !datetime.is_empty() {
                    out.text(&datetime, true);
                }
            }
            Open::Plain | Open::Math | Open::Annotation => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_quotes_code_and_lists() {
        let r = reduce(concat!(
            "<blockquote>\n<p>is it enough\nto emit mir?</p>\n</blockquote>\n<p>I think <em>so</em> &amp; ",
            "<code>a &lt; b</code>.</p>\n<div class=\"codehilite\"><pre><span></span><code>fn main() {\n",
            "    <span class=\"n\">x</span>\n}\n</code></pre></div>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>",
            "<ol start=\"3\"><li>three</li></ol>"
        ));
        assert_eq!(
            r.text,
            "> is it enough to emit mir?\nI think so & a < b.\nfn main() {\n    x\n}\n- one\n- two\n3. three"
        );
    }

    #[test]
    fn mentions_links_emoji_and_previews() {
        let r = reduce(concat!(
            "<p><span class=\"user-mention\" data-user-id=\"116015\">@Alex Crichton</span> see ",
            "<a href=\"https://github.com/rust-lang/rust/pull/1\">the PR</a> and ",
            "<a href=\"https://x.org/\">x.org</a> <span class=\"user-mention silent\" data-user-id=\"9\">Bo</span> ",
            "<span class=\"user-mention\" data-user-id=\"*\">@everyone</span> ",
            "<img alt=\":ferris:\" class=\"emoji\" src=\"/e.png\" title=\"ferris\"> ",
            "<a class=\"stream\" data-stream-id=\"1\" href=\"/#narrow/stream/1-general\">#general</a></p>\n",
            "<p><a href=\"/user_uploads/4715/x/image.png\">image.png</a></p>\n",
            "<div class=\"message_inline_image\"><a href=\"/user_uploads/4715/x/image.png\"><img src=\"/u.png\"></a></div>",
            "<p>x <time datetime=\"2021-02-15T15:30:00Z\">2021-02-15T10:30:00-05:00</time></p>"
        ));
        assert_eq!(
            r.text,
            "@Alex Crichton see the PR (https://github.com/rust-lang/rust/pull/1) and x.org Bo @everyone :ferris: #general\nimage.png\nx 2021-02-15T10:30:00-05:00"
        );
        assert_eq!(
            r.mentions,
            vec![Mentioned::User { id: Some("116015".into()), name: "Alex Crichton".into() }, Mentioned::Everyone]
        );
        assert!(r.image && r.upload && r.link);
    }

    #[test]
    fn math_keeps_its_tex_and_tweets_are_dropped() {
        let r = reduce(concat!(
            "<p>is <span class=\"katex\"><span class=\"katex-mathml\"><math><semantics><mrow><mi>X</mi></mrow>",
            "<annotation encoding=\"application/x-tex\">X^2</annotation></semantics></math></span>",
            "<span aria-hidden=\"true\" class=\"katex-html\"><span class=\"base\"><span>X</span></span></span></span>, right?</p>",
            "<div class=\"inline-preview-twitter\"><div class=\"twitter-tweet\"><p>tweet text</p></div></div>"
        ));
        assert_eq!(r.text, "is X^2, right?");
    }
}
