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
    /// The disguise undone in `folded` (styled or look-alike letters, separators, spacing).
    pub disguise: Disguise,
    /// The separators dropped from between characters (each once), still a clue to the model.
    pub fillers: String,
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

/// Zero-width, direction and other default-ignorable marks (TR39's skeleton drops them too).
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00ad}' | '\u{034f}' | '\u{061c}' | '\u{115f}' | '\u{1160}' | '\u{17b4}' | '\u{17b5}'
        | '\u{180b}'..='\u{180f}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}'
        | '\u{3164}' | '\u{fe00}'..='\u{fe0f}' | '\u{feff}' | '\u{ffa0}' | '\u{e0000}'..='\u{e0fff}')
}

/// Styled forms that NFKC folds to plain letters and digits: mathematical alphanumerics (𝐇𝕌𝐗),
/// full-width forms (ＶＸ), enclosed alphanumerics (①, ⓥ, 🅥).
fn is_styled(c: char) -> bool {
    matches!(c, '\u{1d400}'..='\u{1d7ff}' | '\u{ff01}'..='\u{ff5e}' | '\u{2460}'..='\u{24ff}'
        | '\u{1f100}'..='\u{1f1ff}' | '\u{2100}'..='\u{214f}')
}

/// Punctuation that Chinese text is written with: never a disguise separator.
fn is_cjk_punctuation(c: char) -> bool {
    matches!(
        c,
        '，' | '。'
            | '、'
            | '！'
            | '？'
            | '：'
            | '；'
            | '“'
            | '”'
            | '‘'
            | '’'
            | '（'
            | '）'
            | '《'
            | '》'
            | '【'
            | '】'
            | '「'
            | '」'
            | '『'
            | '』'
            | '〈'
            | '〉'
            | '…'
            | '—'
            | '～'
            | '·'
            | '・'
    )
}

/// A letter or digit that TR39's confusable table (`unicode-security`'s skeleton) draws as one or
/// two ASCII letters or digits: Cyrillic а/о/з (з → 3), Greek ο, Cherokee, letter-like symbols.
/// A lower-case letter is also read through its capital (Cyrillic з has no entry of its own, З → 3).
fn ascii_lookalike(c: char) -> Option<[u8; 2]> {
    if !c.is_alphanumeric() {
        return None;
    }
    skeleton_ascii(c).or_else(|| {
        let mut upper = c.to_uppercase();
        match (upper.next(), upper.next()) {
            (Some(u), None) if u != c => skeleton_ascii(u),
            _ => None,
        }
    })
}

fn skeleton_ascii(c: char) -> Option<[u8; 2]> {
    let mut buf = [0u8; 4];
    let mut out = [0u8; 2];
    let mut n = 0;
    for p in unicode_security::skeleton(c.encode_utf8(&mut buf)) {
        if is_invisible(p) || unicode_normalization::char::is_combining_mark(p) {
            continue;
        }
        if !p.is_ascii_alphanumeric() || n == 2 {
            return None;
        }
        out[n] = p.to_ascii_lowercase() as u8;
        n += 1;
    }
    (n > 0).then_some(out)
}

/// Whether a character is decoration put between the characters of a word to break it up: a
/// symbol, a mark or a letter of a script restricted from identifiers (runes ᚰ, box drawing ╬,
/// geometric shapes ◐, arrows, emoji); not CJK punctuation and not ASCII.
fn is_filler(c: char) -> bool {
    use unicode_security::GeneralSecurityProfile;
    if c.is_ascii() || c.is_whitespace() || is_han(c) || is_cjk_punctuation(c) {
        return false;
    }
    !c.is_alphanumeric() || !c.identifier_allowed()
}

/// Which tricks were undone in a text (each also a model feature, `features::TokenKind::Disguise`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Disguise {
    /// Mathematical, full-width or enclosed letters and digits.
    pub styled: bool,
    /// Letters of another script drawn like Latin letters or digits, next to Latin, digits or Han.
    pub lookalike: bool,
    /// Symbols or restricted-script letters between the characters of a word.
    pub separators: bool,
    /// Zero-width, direction or combining marks.
    pub invisible: bool,
    /// Single characters spaced apart (加 微 信, w e c h a t).
    pub spaced: bool,
}

impl Disguise {
    pub fn any(self) -> bool {
        self.styled || self.lookalike || self.separators || self.invisible || self.spaced
    }

    /// The tricks found, named in both languages.
    pub fn names(self) -> Vec<&'static str> {
        let mut v = Vec::new();
        for (on, name) in [
            (self.styled, "styled letters 花体字"),
            (self.lookalike, "look-alike letters 形近字母"),
            (self.separators, "separators 插入符号"),
            (self.invisible, "invisible marks 隐形字符"),
            (self.spaced, "spaced characters 字间空格"),
        ] {
            if on {
                v.push(name);
            }
        }
        v
    }
}

/// One character after NFKC, folded: what it reads as, or a mark to drop.
enum Folded {
    Char(char),
    Two(char, char),
    Drop,
}

/// Folds one character: look-alikes of Latin letters and digits to them (TR39 skeleton), marks
/// dropped. Runs after NFKC, which already maps full-width and mathematical alphanumerics
/// (𝐕 → V, ｖ → v, ① → 1).
fn fold_char(c: char) -> Folded {
    if c.is_ascii() {
        return Folded::Char(c.to_ascii_lowercase());
    }
    if is_han(c) {
        return Folded::Char(c);
    }
    match c {
        // Plus-like signs used for 加.
        '➕' | '﹢' => return Folded::Char('+'),
        _ if is_invisible(c) || unicode_normalization::char::is_combining_mark(c) => return Folded::Drop,
        _ => {}
    }
    if let Some([a, b]) = ascii_lookalike(c) {
        return if b == 0 { Folded::Char(char::from(a)) } else { Folded::Two(char::from(a), char::from(b)) };
    }
    Folded::Char(c.to_lowercase().next().unwrap_or(c))
}

/// What a character is, for undoing separators and spacing.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Class {
    Han,
    Alnum,
    Space,
    Other,
}

fn class_of(c: char) -> Class {
    if is_han(c) {
        Class::Han
    } else if c.is_ascii_alphanumeric() {
        Class::Alnum
    } else if c.is_whitespace() {
        Class::Space
    } else {
        Class::Other
    }
}

/// Folds a non-ASCII text and undoes its disguise; the separators dropped are kept in `fillers`.
fn fold_disguised(text: &str, disguise: &mut Disguise, fillers: &mut String) -> String {
    disguise.styled = text.chars().any(|c| is_styled(c) && c.is_alphanumeric());
    let nfkc: String =
        if is_nfkc_quick(text.chars()) == IsNormalized::Yes { text.to_string() } else { text.nfkc().collect() };
    // Pass 1: fold characters, note look-alikes next to Latin, digits or Han.
    let mut chars: Vec<char> = Vec::with_capacity(nfkc.len());
    let mut lookalike_at: Vec<usize> = Vec::new();
    for c in nfkc.chars() {
        match fold_char(c) {
            Folded::Drop => disguise.invisible = true,
            Folded::Char(f) => {
                if !c.is_ascii() && f.is_ascii_alphanumeric() {
                    lookalike_at.push(chars.len());
                }
                chars.push(f);
            }
            Folded::Two(a, b) => {
                lookalike_at.push(chars.len());
                chars.push(a);
                chars.push(b);
            }
        }
    }
    let plain =
        |i: usize| chars.get(i).is_some_and(|&c| is_han(c) || c.is_ascii_alphanumeric()) && !lookalike_at.contains(&i);
    disguise.lookalike = lookalike_at.iter().any(|&i| (i > 0 && plain(i - 1)) || plain(i + 1));
    // Pass 2: drop separators between two characters of a word (Han–Han, or Latin/digit on both
    // sides, with no space), restricted-script letters anywhere, and spaces between Han.
    let mut out = String::with_capacity(nfkc.len());
    let n = chars.len();
    let mut i = 0;
    while i < n {
        let c = chars[i];
        if is_filler(c) || (c.is_whitespace() && i > 0) {
            // The run of fillers and spaces, and the characters on its two sides.
            let mut j = i;
            while j < n && (is_filler(chars[j]) || chars[j].is_whitespace()) {
                j += 1;
            }
            let run = &chars[i..j];
            let before = out.chars().next_back().map(class_of);
            let after = chars.get(j).map(|&c| class_of(c));
            let spaced = run.iter().any(|c| c.is_whitespace());
            let joins = match (before, after) {
                (Some(Class::Han), Some(Class::Han)) => true,
                (Some(Class::Alnum), Some(Class::Alnum)) => !spaced,
                _ => false,
            };
            let restricted_letter = |c: &char| c.is_alphanumeric();
            if joins {
                if run.iter().any(|c| !c.is_whitespace()) {
                    disguise.separators = true;
                }
            } else {
                // Not between two characters of a word: keep spaces and ordinary symbols, drop
                // restricted-script letters (a rune appended as a marker).
                for &c in run {
                    if !restricted_letter(&c) || c.is_whitespace() {
                        out.push(c);
                    }
                }
            }
            for &c in run.iter().filter(|c| !c.is_whitespace()) {
                if (joins || restricted_letter(&c)) && !fillers.contains(c) {
                    fillers.push(c);
                }
            }
            i = j;
            continue;
        }
        out.push(c);
        i += 1;
    }
    // Han characters spaced apart ("加 微 信"): the spaces were dropped above; note the trick when
    // three or more single Han characters stood apart.
    if !disguise.spaced {
        disguise.spaced = spaced_singles(&nfkc);
    }
    out
}

/// Whether a text holds three or more single letters, digits or Han characters in a row, each
/// standing alone between spaces or separators ("加 微 信", "w e c h a t", "1 3 8 0").
fn spaced_singles(text: &str) -> bool {
    let mut run = 0;
    for token in text.split(|c: char| c.is_whitespace() || is_filler(c) || c == '.').filter(|t| !t.is_empty()) {
        let mut cs = token.chars();
        let single = cs.next().is_some_and(|c| c.is_alphanumeric()) && cs.next().is_none();
        run = if single { run + 1 } else { 0 };
        if run >= 3 {
            return true;
        }
    }
    false
}

/// Joins single Latin letters or digits spaced apart ("w e c h a t" → "wechat"): three or more
/// in a row.
fn join_spaced_latin(text: &str) -> Option<String> {
    let tokens: Vec<&str> = text.split(' ').collect();
    let single = |t: &str| t.len() == 1 && t.as_bytes()[0].is_ascii_alphanumeric();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let mut changed = false;
    while i < tokens.len() {
        let mut j = i;
        while j < tokens.len() && single(tokens[j]) {
            j += 1;
        }
        if j - i >= 3 {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&tokens[i..j].concat());
            changed = true;
            i = j;
            continue;
        }
        if !out.is_empty() || i > 0 {
            out.push(' ');
        }
        out.push_str(tokens[i]);
        i += 1;
    }
    changed.then_some(out)
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
    let mut disguise = Disguise::default();
    let mut fillers = String::new();
    let mut folded: String =
        if text.is_ascii() { text.to_ascii_lowercase() } else { fold_disguised(text, &mut disguise, &mut fillers) };
    if folded.contains(' ') && spaced_singles(&folded) {
        if let Some(joined) = join_spaced_latin(&folded) {
            disguise.spaced = true;
            folded = joined;
        }
    }
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
    Normalized { folded, compact, has_han, handles, disguise, fillers }
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
            // Telegram names hold no `.`, `/` or `-`: `@fortawesome/fontawesome`, `@types/node`,
            // `@example.com` and `@name-suffix` are a package scope, a domain or a tag; `@@glibc_2`
            // is a symbol version.
            let rest = &folded[m.end()..];
            let mut ahead = rest.chars();
            let (next, next2) = (ahead.next(), ahead.next());
            let joined = matches!(next, Some('.' | '/' | '-')) && next2.is_some_and(|c| c.is_ascii_alphanumeric());
            if joined || folded[..m.start() + m.as_str().find('@').unwrap_or(0)].ends_with('@') {
                continue;
            }
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
        let general: String = all
            .chars()
            .map(|c| match fold_char(c) {
                Folded::Char(f) => f,
                _ => panic!("ASCII folds to one character"),
            })
            .collect();
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
    fn undoes_the_disguises_spammers_use() {
        // Mathematical alphanumerics, look-alike digits, symbols between digits and a rune marker.
        let n = normalize("𝐇𝕌𝐗457卖片ᚰ");
        assert_eq!(n.folded, "hux457卖片");
        assert!(n.disguise.styled && n.fillers.contains('ᚰ'), "{:?}", n.disguise);
        let n = normalize("2⊗48 78з2熟妇");
        assert_eq!(n.folded, "248 7832熟妇");
        assert!(n.disguise.separators && n.disguise.lookalike, "{:?}", n.disguise);
        // Separators and spaces between Han characters.
        assert_eq!(normalize("加◐微◐信 abc123").folded, "加微信 abc123");
        assert_eq!(normalize("加 微 信").folded, "加微信");
        assert!(normalize("加 微 信").disguise.spaced);
        // Spaced Latin letters.
        assert_eq!(normalize("add w e c h a t now").folded, "add 微信 now");
        // Cyrillic look-alikes inside a Latin word.
        let n = normalize("c\u{0430}sin\u{043e} b\u{043e}nus");
        assert_eq!(n.folded, "casino bonus");
        assert!(n.disguise.lookalike);
    }

    #[test]
    fn plain_text_is_not_disguised() {
        for t in ["明天下午三点开会，记得带电脑。", "see you at 10, ok?", "你好😂", "Привет, как дела?", "好的 明天见"]
        {
            let n = normalize(t);
            assert!(!n.disguise.styled && !n.disguise.lookalike && !n.disguise.separators, "{t}: {:?}", n.disguise);
        }
        // Punctuation and emoji outside words stay.
        assert_eq!(normalize("你好😂").folded, "你好😂");
        assert_eq!(normalize("明天见。好的").folded, "明天见。好的");
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
        // An npm scope, an e-mail domain, a tag and a symbol version are no Telegram handles.
        for t in [
            "npm i @fortawesome/fontawesome-free",
            "mail me at x @example.com",
            "@wg-prioritization",
            "pthread@@glibc_2.3",
        ] {
            assert!(normalize(t).handles.iter().all(|h| h.kind != HandleKind::Telegram), "{t}");
        }
        assert!(normalize("contact @signals_vip now").handles.iter().any(|h| h.kind == HandleKind::Telegram));
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
