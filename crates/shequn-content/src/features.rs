//! Hashed text features for the learned ad model: jieba words, Han character
//! bigrams, Latin words and character trigrams, and shapes of numbers, over the
//! folded text. The same function is used to train and to classify.

use std::sync::OnceLock;

use jieba_rs::Jieba;
use xxhash_rust::xxh3::xxh3_64;

use crate::normalize::{is_han, Normalized};

/// log2 of the number of hash buckets.
pub const HASH_BITS: u32 = 18;
pub const BUCKETS: usize = 1 << HASH_BITS;

/// The jieba segmenter, with its dictionary loaded once per process.
pub fn jieba() -> &'static Jieba {
    static J: OnceLock<Jieba> = OnceLock::new();
    J.get_or_init(Jieba::new)
}

/// The token strings of a text (kept readable so verdicts can name them).
pub fn tokens(n: &Normalized) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let text = n.folded.as_str();
    if n.has_han {
        for w in jieba().cut(text, false) {
            let w = w.trim();
            if w.chars().any(is_han) {
                out.push(format!("w:{w}"));
            }
        }
    }
    // Character bigrams over the compact form: robust to the odd characters
    // disguised spam inserts between words.
    let chars: Vec<char> = n.compact.chars().collect();
    for pair in chars.windows(2) {
        if pair.iter().any(|c| !c.is_ascii_digit()) {
            out.push(format!("b:{}{}", pair[0], pair[1]));
        }
    }
    for c in text.chars().filter(|c| !c.is_alphanumeric() && !c.is_whitespace()) {
        out.push(format!("c:{c}"));
    }
    // Latin words and number shapes.
    for w in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '\'')).filter(|w| !w.is_empty()) {
        if w.chars().all(|c| c.is_ascii_digit()) {
            out.push(format!("n:{}", w.len().min(12)));
        } else if w.len() <= 24 {
            out.push(format!("e:{w}"));
            let b = w.as_bytes();
            if b.len() >= 3 {
                for t in b.windows(3) {
                    out.push(format!("t:{}", String::from_utf8_lossy(t)));
                }
            }
        }
    }
    for h in &n.handles {
        out.push(format!("h:{}", h.kind.as_str()));
    }
    if n.folded.chars().count() < 6 {
        out.push("len:short".to_string());
    }
    // Short chat lines and long broadcast texts use words differently: each
    // token also gets a copy tied to the text's script and length class.
    let class = match (n.has_han, n.compact.chars().count()) {
        (true, 0..=LENGTH_SPLIT) => "zs",
        (true, _) => "zl",
        (false, 0..=LENGTH_SPLIT) => "es",
        (false, _) => "el",
    };
    let conjoined: Vec<String> = out.iter().map(|t| format!("{class}|{t}")).collect();
    out.extend(conjoined);
    out.push(format!("len:{class}"));
    out.sort_unstable();
    out.dedup();
    out
}

/// Compact length (characters) up to which a text counts as a short chat line.
pub const LENGTH_SPLIT: usize = 24;

/// The bucket of one token.
pub fn bucket(token: &str) -> u32 {
    (xxh3_64(token.as_bytes()) & (BUCKETS as u64 - 1)) as u32
}

/// The distinct buckets of a text's tokens.
pub fn buckets(tokens: &[String]) -> Vec<u32> {
    let mut b: Vec<u32> = tokens.iter().map(|t| bucket(t)).collect();
    b.sort_unstable();
    b.dedup();
    b
}
