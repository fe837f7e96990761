//! Text normalisation shared by every content feature (METHOD §7–§9): spammers
//! write 𝐕𝐗, ｖｘ, 加薇 and Cyrillic look-alikes to dodge filters, so every
//! feature reads the folded text, never the raw one.

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;
use regex::Regex;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

/// A message's text, folded, with what was recognised in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Normalized {
    /// NFKC, full-width → half-width, homoglyphs folded, lower-case, variants of 微信/QQ unified.
    pub folded: String,
    /// `folded` without whitespace, punctuation and decoration (for rules that spammers break up).
    pub compact: String,
    /// Whether the text holds any Han character (decides whether to segment it).
    pub has_han: bool,
    pub handles: Vec<Handle>,
}

/// A contact handle or link found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handle {
    pub kind: HandleKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HandleKind {
    Url,
    Telegram,
    Phone,
    Qq,
    Wechat,
}

impl HandleKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HandleKind::Url => "url",
            HandleKind::Telegram => "telegram",
            HandleKind::Phone => "phone",
            HandleKind::Qq => "qq",
            HandleKind::Wechat => "wechat",
        }
    }
}

/// Folds one character: Cyrillic and Greek look-alikes to Latin, decorative
/// marks dropped (None). Runs after NFKC, which already maps full-width and
/// mathematical alphanumerics (𝐕 → V, ｖ → v, ① → 1).
fn fold_char(c: char) -> Option<char> {
    if c.is_ascii() {
        return Some(c.to_ascii_lowercase());
    }
    if is_han(c) {
        return Some(c);
    }
    let folded = match c {
        // Cyrillic look-alikes.
        'а' | 'А' => 'a',
        'в' | 'В' => 'b',
        'е' | 'Е' | 'ё' | 'Ё' => 'e',
        'к' | 'К' => 'k',
        'м' | 'М' => 'm',
        'н' | 'Н' => 'h',
        'о' | 'О' => 'o',
        'р' | 'Р' => 'p',
        'с' | 'С' => 'c',
        'т' | 'Т' => 't',
        'у' | 'У' => 'y',
        'х' | 'Х' => 'x',
        'і' | 'І' => 'i',
        'ѕ' | 'Ѕ' => 's',
        // Greek look-alikes.
        'Α' | 'α' => 'a',
        'Β' | 'β' => 'b',
        'Ε' | 'ε' => 'e',
        'Ι' | 'ι' => 'i',
        'Κ' | 'κ' => 'k',
        'Μ' => 'm',
        'Ν' | 'ν' => 'v',
        'Ο' | 'ο' => 'o',
        'Ρ' | 'ρ' => 'p',
        'Τ' | 'τ' => 't',
        'Χ' | 'χ' => 'x',
        'Υ' | 'υ' => 'y',
        'Ζ' => 'z',
        // Plus-like signs used for 加.
        '➕' | '﹢' => '+',
        // Zero-width and direction marks, BOM.
        '\u{200b}'..='\u{200f}' | '\u{2060}' | '\u{feff}' | '\u{202a}'..='\u{202e}' => return None,
        // Combining marks left over after NFKC (Zalgo-style decoration).
        '\u{0300}'..='\u{036f}' | '\u{20d0}'..='\u{20ff}' => return None,
        c => c,
    };
    Some(folded.to_lowercase().next().unwrap_or(folded))
}

/// Variant spellings of contact words, unified after character folding.
const VARIANTS: &[(&str, &str)] = &[
    ("薇信", "微信"),
    ("徽信", "微信"),
    ("威信号", "微信号"),
    ("v信", "微信"),
    ("vx", "微信"),
    ("wx", "微信"),
    ("weixin", "微信"),
    ("wechat", "微信"),
    ("加薇", "加微信"),
    ("加威", "加微信"),
    ("加v", "加微信"),
    ("+v", "加微信"),
    ("+薇", "加微信"),
    ("+微", "加微"),
    ("伽v", "加微信"),
    ("扣扣", "qq"),
    ("企鹅号", "qq号"),
    ("蔻蔻", "qq"),
    ("电报", "telegram"),
    ("飞机号", "telegram"),
];

/// Normalises a text and recognises its handles.
pub fn normalize(text: &str) -> Normalized {
    // Most texts are already in NFKC; the quick check spares the decomposition pass.
    // ASCII is its own NFKC form and folds to lower case: one bulk pass (most chat lines).
    let mut folded: String = if text.is_ascii() {
        text.to_ascii_lowercase()
    } else if is_nfkc_quick(text.chars()) == IsNormalized::Yes {
        text.chars().filter_map(fold_char).collect()
    } else {
        text.nfkc().filter_map(fold_char).collect()
    };
    // One pass to see whether any variant occurs; replacing can only start from one that does.
    static VARIANT_FINDER: OnceLock<AhoCorasick> = OnceLock::new();
    let finder = VARIANT_FINDER
        .get_or_init(|| AhoCorasick::new(VARIANTS.iter().map(|(from, _)| from)).expect("variant automaton"));
    if finder.is_match(&folded) {
        for (from, to) in VARIANTS {
            if folded.contains(from) {
                folded = replace_variant(&folded, from, to);
            }
        }
    }
    // "加微信信" can arise from "加v信"; keep one.
    if folded.contains("微信信") {
        folded = folded.replace("微信信", "微信");
    }
    let keep = |c: char| is_han(c) || c.is_alphanumeric() || c == '.' || c == '/' || c == '+';
    let (compact, has_han): (String, bool) = if folded.is_ascii() {
        (folded.bytes().filter(|&b| keep(char::from(b))).map(char::from).collect(), false)
    } else {
        (folded.chars().filter(|&c| keep(c)).collect(), folded.chars().any(is_han))
    };
    let handles = find_handles(&folded, &compact);
    Normalized { folded, compact, has_han, handles }
}

/// Replaces a contact-word variant where it is not part of a longer Latin word: a Latin end of the
/// variant may not touch another letter (`avx2`, `wxwidgets`, `+virtual` in a wiki link, `加vip群`
/// stay as written). Digits, Han and marks may touch (`vx123456`, `+v信`, `vx:abc`). Only the short
/// variants are ambiguous so.
fn replace_variant(text: &str, from: &str, to: &str) -> String {
    // "wechat" and "weixin" are words of their own even when glued to others ("phonewechat").
    if from.chars().filter(char::is_ascii_alphabetic).count() > 2 {
        return text.replace(from, to);
    }
    let letter = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphabetic());
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (i, _) in text.match_indices(from) {
        if i < last {
            continue;
        }
        let before = text[..i].chars().next_back();
        let after = text[i + from.len()..].chars().next();
        let starts_latin = from.starts_with(|c: char| c.is_ascii_alphabetic());
        let ends_latin = from.ends_with(|c: char| c.is_ascii_alphabetic());
        // "+" between Latin words or numbers is URL or query syntax ("improvements+for+v1.6").
        let joins_latin = from.starts_with('+') && before.is_some_and(|c| c.is_ascii_alphanumeric());
        if (starts_latin && letter(before)) || (ends_latin && letter(after)) || joins_latin {
            continue;
        }
        out.push_str(&text[last..i]);
        out.push_str(to);
        last = i + from.len();
    }
    out.push_str(&text[last..]);
    out
}

/// CJK unified ideographs (basic block and extension A).
pub fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}')
}

struct Patterns {
    url: Regex,
    domain: Regex,
    telegram: Regex,
    phone: Regex,
    qq: Regex,
    wechat: Regex,
    money: Regex,
}

fn patterns() -> &'static Patterns {
    static P: OnceLock<Patterns> = OnceLock::new();
    P.get_or_init(|| Patterns {
        url: Regex::new(r"(?:https?://|www\.)[^\s，。,;；）)】]+").expect("url pattern"),
        domain: Regex::new(r"(?-u:\b)[a-z0-9][a-z0-9-]{1,62}\.(?:com|cn|net|org|top|xyz|cc|io|me|ltd|vip|shop|club|info|app|link|site|online)(?-u:\b)(?:/[^\s，。]*)?").expect("domain pattern"),
        telegram: Regex::new(r"(?:t\.me|telegram\.me)/[a-z0-9_+]+|(?:^|[^a-z0-9_.])@[a-z][a-z0-9_]{4,31}(?-u:\b)").expect("telegram pattern"),
        phone: Regex::new(r"(?:\+?86)?1[3-9]\d{9}|\+\d{1,3}[\d -]{7,14}\d").expect("phone pattern"),
        qq: Regex::new(r"(?:qq|q号|q群|qq群)[号码群:：]*\s*[1-9]\d{4,10}").expect("qq pattern"),
        wechat: Regex::new(r"(?:微信|微|wxid_)[号码:：]*\s*[a-z0-9][a-z0-9_-]{5,19}").expect("wechat pattern"),
        money: Regex::new(r"(?:[¥$￥]\s*\d+(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:元|块|万|rmb|美元|usd|usdt|dollars?|\$|k(?-u:\b)|w(?-u:\b)))").expect("money pattern"),
    })
}

fn find_handles(folded: &str, compact: &str) -> Vec<Handle> {
    let p = patterns();
    let mut out = Vec::new();
    let mut push = |kind: HandleKind, text: &str| {
        let text = text.trim().trim_start_matches(|c: char| !c.is_alphanumeric() && c != '@').to_string();
        if !out.iter().any(|h: &Handle| h.kind == kind && h.text == text) {
            out.push(Handle { kind, text });
        }
    };
    // Each pattern runs only when the text holds what every match of it must hold
    // (cheap checks; most messages skip every regex).
    let mut has_url = false;
    if folded.contains("http") || folded.contains("www.") {
        for m in p.url.find_iter(folded) {
            has_url = true;
            push(HandleKind::Url, m.as_str());
        }
    }
    if folded.contains("me/") || folded.as_bytes().windows(2).any(|w| w[0] == b'@' && w[1].is_ascii_lowercase()) {
        for m in p.telegram.find_iter(folded) {
            push(HandleKind::Telegram, m.as_str());
        }
    }
    if !has_url && folded.as_bytes().windows(2).any(|w| w[0] == b'.' && w[1].is_ascii_lowercase()) {
        for m in p.domain.find_iter(folded) {
            push(HandleKind::Url, m.as_str());
        }
    }
    // Phone, QQ and WeChat ids are often broken up by spaces or marks: read the compact form.
    let numeric = |c: &char| c.is_ascii_digit() || (!c.is_ascii() && !is_han(*c) && c.is_numeric());
    if compact.chars().filter(numeric).nth(8).is_some() {
        for m in p.phone.find_iter(compact) {
            // Eleven digits cut from a longer run are a timestamp, an id or a version, not a phone.
            let digit = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit());
            if digit(compact[..m.start()].chars().next_back()) || digit(compact[m.end()..].chars().next()) {
                continue;
            }
            push(HandleKind::Phone, m.as_str());
        }
    }
    if compact.contains('q') {
        for m in p.qq.find_iter(compact) {
            push(HandleKind::Qq, m.as_str());
        }
    }
    if compact.contains('微') || compact.contains("wxid_") {
        for m in p.wechat.find_iter(compact) {
            push(HandleKind::Wechat, m.as_str());
        }
    }
    out
}

/// Money amounts written in a text (`日赚500元`, `$350000`, `6-25元`).
pub fn money_amounts(folded: &str) -> Vec<String> {
    patterns().money.find_iter(folded).map(|m| m.as_str().trim().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ascii_shortcut_folds_as_the_general_path_does() {
        // Every ASCII character, as `normalize` would fold it one by one.
        let all: String = (0u8..128).map(char::from).collect();
        let general: String = all.chars().filter_map(fold_char).collect();
        assert_eq!(all.to_ascii_lowercase(), general);
        let n = normalize("Join NOW: vx abc123456, http://Example.COM/x");
        assert!(n.folded.starts_with("join now: 微信 abc123456"), "{}", n.folded);
        assert_eq!(n.compact, "joinnow微信abc123456http//example.com/x");
        assert!(n.has_han);
    }

    #[test]
    fn folds_math_alphanumerics_and_full_width() {
        assert_eq!(normalize("𝐕𝐗：abc123").folded, "微信:abc123");
        assert_eq!(normalize("ＶＸ").folded, "微信");
        assert_eq!(normalize("𝕏𝘏𝘾593").folded, "xhc593");
    }

    #[test]
    fn folds_cyrillic_lookalikes() {
        // "сasinо" with Cyrillic с and о.
        assert_eq!(normalize("\u{0441}asin\u{043e}").folded, "casino");
    }

    #[test]
    fn unifies_wechat_variants() {
        assert!(normalize("加薇 sx111505").folded.starts_with("加微信"));
        assert!(normalize("有需要+V").folded.contains("加微信"));
        assert!(normalize("薇信号码").folded.contains("微信号"));
    }

    #[test]
    fn variants_inside_latin_words_stay_as_written() {
        // A wiki link's "+Virtual", "加VIP群", "wxWidgets" and "AVX" are not WeChat.
        assert!(!normalize("DevMtg+2012-02-27+-+Virtual+Summit").folded.contains("微信"));
        assert!(!normalize("加VIP群享折扣").folded.contains("微信"));
        assert!(!normalize("wxWidgets and AVX2").folded.contains("微信"));
        assert!(!normalize("display/Statistical+Improvements+for+v1.6").folded.contains("微信"));
        // The spammers' spellings still fold.
        assert!(normalize("vx123456").folded.starts_with("微信"));
        assert!(normalize("电话CELLPHONEWECHAT").folded.ends_with("微信"));
        assert!(normalize("加v: abc123").folded.starts_with("加微信"));
        assert!(normalize("咨询+v信").folded.contains("加微信"));
    }

    #[test]
    fn drops_zero_width_marks() {
        assert_eq!(normalize("加\u{200b}微\u{200d}信").folded, "加微信");
    }

    #[test]
    fn finds_handles() {
        let n = normalize("加QQ943265666 或 微信号：abc_12345，看 https://x.cn/a 和 t.me/spamchan 电话 138 0013 8000");
        let kinds: Vec<HandleKind> = n.handles.iter().map(|h| h.kind).collect();
        for k in [HandleKind::Qq, HandleKind::Wechat, HandleKind::Url, HandleKind::Telegram, HandleKind::Phone] {
            assert!(kinds.contains(&k), "{k:?} missing from {:?}", n.handles);
        }
        assert!(normalize("see you at 10, ok?").handles.is_empty());
        // Eleven digits inside a longer run (a build path's date-and-pid, a status id) are no phone.
        assert!(normalize("/tmp/node@8-20180427-17083-388al5/out").handles.iter().all(|h| h.kind != HandleKind::Phone));
        assert!(normalize("status/855085219602243584").handles.iter().all(|h| h.kind != HandleKind::Phone));
    }

    #[test]
    fn finds_money() {
        assert_eq!(money_amounts("一天120块钱左右"), vec!["120块"]);
        assert_eq!(money_amounts("withdrawal of $8000"), vec!["$8000"]);
    }
}
