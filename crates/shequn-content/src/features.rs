//! Hashed text features for the learned ad model, over the folded text: jieba
//! words, character bigrams and trigrams of the compact form (digit runs
//! collapsed to one mark), punctuation, Latin words and their letter trigrams,
//! number shapes and handle kinds. The same function is used to train and to
//! classify.
//!
//! Tokens are never built as strings: each is hashed straight from a slice of
//! the text (seeded by its kind) into a bucket, and kept as a small record so a
//! verdict can still name its strongest tokens. Scratch buffers are reused.

use std::cell::RefCell;
use std::sync::OnceLock;

use jieba_rs::Jieba;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::normalize::{is_han, Normalized};

/// log2 of the number of hash buckets.
pub const HASH_BITS: u32 = 18;
pub const BUCKETS: usize = 1 << HASH_BITS;
const MASK: u64 = BUCKETS as u64 - 1;

/// Compact length (characters) up to which a text counts as a short chat line.
pub const LENGTH_SPLIT: usize = 24;

/// The mark that stands for a run of digits (or of the `x` that anonymised data writes for digits).
const NUMBER_MARK: char = '#';

/// Which feature families a model uses (stored in the model file, so a model
/// is always read with the features it was trained with).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeatureSet {
    /// jieba words (Han texts only; the slowest family).
    pub words: bool,
    /// Segment only texts with more compact characters than this (0: every Han text).
    pub words_min_chars: u8,
    /// Character trigrams of the compact form, besides bigrams.
    pub trigrams: bool,
    /// Digit and `x` runs collapsed to one mark in the n-grams, plus number-shape tokens.
    pub number_shapes: bool,
    /// The top-level domain of links.
    pub link_kinds: bool,
    /// Each text's feature vector scaled to unit length (1/√buckets), so long texts do not
    /// pile up many small weights.
    pub unit_length: bool,
    /// Tokens for the disguise normalisation undid (styled letters, separators …). Off in the
    /// shipped model: on the disguised dev set they made disguised ham read as spam.
    pub disguise: bool,
    /// The separators normalisation dropped from between characters, as symbol tokens.
    pub separators: bool,
}

impl FeatureSet {
    /// The shipped fast model's set: the shipped set without jieba words, which are two thirds
    /// of a message's classification time. It screens chat messages; the full model decides
    /// the ones near the threshold (`ads::classify_cascade`).
    pub const FAST: FeatureSet = FeatureSet { words: false, ..FeatureSet::SHIPPED };

    /// The feature set of the shipped model (see `weights/README.md`).
    pub const SHIPPED: FeatureSet = FeatureSet {
        words: true,
        words_min_chars: 0,
        trigrams: false,
        number_shapes: true,
        link_kinds: true,
        unit_length: true,
        disguise: false,
        separators: true,
    };

    pub fn to_bits(self) -> u32 {
        self.words as u32
            | (self.trigrams as u32) << 1
            | (self.number_shapes as u32) << 2
            | (self.link_kinds as u32) << 3
            | (self.unit_length as u32) << 4
            | (self.disguise as u32) << 5
            | (self.separators as u32) << 6
            | (self.words_min_chars as u32) << 8
    }

    pub fn from_bits(b: u32) -> FeatureSet {
        FeatureSet {
            words: b & 1 != 0,
            trigrams: b & 2 != 0,
            number_shapes: b & 4 != 0,
            link_kinds: b & 8 != 0,
            unit_length: b & 16 != 0,
            disguise: b & 32 != 0,
            separators: b & 64 != 0,
            words_min_chars: (b >> 8) as u8,
        }
    }
}

/// The family of a token (also its hash seed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum TokenKind {
    Word = 1,
    Bigram,
    Trigram,
    Symbol,
    Number,
    Latin,
    LatinTrigram,
    Handle,
    Length,
    Domain,
    /// A disguise undone by normalisation (styled or look-alike letters, separators, spacing).
    Disguise,
}

/// Where a token's text lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenText {
    /// A byte range of `Normalized::folded`.
    Folded(u32, u32),
    /// A byte range of the n-gram form (the compact text, digit runs collapsed).
    Grams(u32, u32),
    Name(&'static str),
    /// A number's length in digits (capped).
    Digits(u8),
}

/// One token: its text, and its two buckets (the token alone, and the token
/// tied to the text's script × length class: short chat lines and long
/// broadcasts use words differently).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub text: TokenText,
    pub bucket: u32,
    pub class_bucket: u32,
}

/// Reusable buffers of one thread's feature extraction.
#[derive(Debug, Default)]
pub struct Features {
    pub tokens: Vec<Token>,
    /// Distinct buckets of all tokens, sorted.
    pub buckets: Vec<u32>,
    /// The n-gram form of the text and the byte offset of each of its characters (plus the end).
    grams: String,
    bounds: Vec<u32>,
}

impl Features {
    /// Runs `f` with this thread's scratch buffers.
    pub fn with<R>(f: impl FnOnce(&mut Features) -> R) -> R {
        thread_local! {
            static SCRATCH: RefCell<Features> = RefCell::new(Features::default());
        }
        SCRATCH.with(|s| f(&mut s.borrow_mut()))
    }

    /// A token's text, readable (for reasons).
    pub fn name(&self, n: &Normalized, t: &Token) -> String {
        match t.text {
            TokenText::Folded(a, b) => n.folded[a as usize..b as usize].to_string(),
            TokenText::Grams(a, b) => self.grams[a as usize..b as usize].to_string(),
            TokenText::Name(s) => s.to_string(),
            TokenText::Digits(d) => format!("{d}-digit number / {d}位数字"),
        }
    }

    /// Extracts the tokens and buckets of a normalised text.
    pub fn extract(&mut self, n: &Normalized, set: FeatureSet) {
        self.tokens.clear();
        self.buckets.clear();
        let compact_chars = n.compact.chars().count();
        let class: u64 = match (n.has_han, compact_chars <= LENGTH_SPLIT) {
            (true, true) => 1,
            (true, false) => 2,
            (false, true) => 3,
            (false, false) => 4,
        };
        let emit = |tokens: &mut Vec<Token>, kind: TokenKind, bytes: &[u8], text: TokenText| {
            let h = xxh3_64_with_seed(bytes, kind as u64);
            tokens.push(Token {
                kind,
                text,
                bucket: (h & MASK) as u32,
                class_bucket: (mix(h ^ class.wrapping_mul(0x9e37_79b9_7f4a_7c15)) & MASK) as u32,
            });
        };
        let text = n.folded.as_str();
        let base = text.as_ptr() as usize;
        let range = |s: &str| -> TokenText {
            let a = s.as_ptr() as usize - base;
            TokenText::Folded(a as u32, (a + s.len()) as u32)
        };
        if set.words && n.has_han && compact_chars > set.words_min_chars as usize {
            for w in jieba().cut(text, false) {
                let w = w.trim();
                if w.chars().any(is_han) {
                    emit(&mut self.tokens, TokenKind::Word, w.as_bytes(), range(w));
                }
            }
        }
        // Character n-grams over the compact form: robust to the odd characters
        // disguised spam inserts between words.
        self.grams.clear();
        self.bounds.clear();
        let mut in_number = false;
        let x_is_digit = set.number_shapes && n.has_han;
        for c in n.compact.chars() {
            let digit = c.is_ascii_digit() || (x_is_digit && c == 'x');
            if set.number_shapes && digit {
                if !in_number {
                    self.bounds.push(self.grams.len() as u32);
                    self.grams.push(NUMBER_MARK);
                }
                in_number = true;
                continue;
            }
            in_number = false;
            self.bounds.push(self.grams.len() as u32);
            self.grams.push(c);
        }
        self.bounds.push(self.grams.len() as u32);
        let g = self.grams.as_bytes();
        let chars = self.bounds.len() - 1;
        for i in 0..chars.saturating_sub(1) {
            let (a, b) = (self.bounds[i] as usize, self.bounds[i + 2] as usize);
            let s = &g[a..b];
            if !set.number_shapes && s.iter().all(u8::is_ascii_digit) {
                continue;
            }
            emit(&mut self.tokens, TokenKind::Bigram, s, TokenText::Grams(a as u32, b as u32));
            if set.trigrams && i + 3 < self.bounds.len() {
                let b3 = self.bounds[i + 3] as usize;
                // Latin trigrams come from the words below.
                if !g[a..b3].is_ascii() {
                    emit(&mut self.tokens, TokenKind::Trigram, &g[a..b3], TokenText::Grams(a as u32, b3 as u32));
                }
            }
        }
        for (i, c) in text.char_indices() {
            if !is_han(c) && !c.is_alphanumeric() && !c.is_whitespace() {
                let s = &text[i..i + c.len_utf8()];
                emit(&mut self.tokens, TokenKind::Symbol, s.as_bytes(), range(s));
            }
        }
        if set.separators {
            // The separators normalisation dropped are still symbols the text was written with.
            for (i, c) in n.fillers.char_indices() {
                let s = &n.fillers[i..i + c.len_utf8()];
                emit(&mut self.tokens, TokenKind::Symbol, s.as_bytes(), TokenText::Name("separator / 分隔符"));
            }
        }
        if set.disguise {
            let d = n.disguise;
            for (on, name) in [
                (d.styled, "styled letters / 花体字"),
                (d.lookalike, "look-alike letters / 形近字母"),
                (d.separators, "separators / 插入符号"),
                (d.invisible, "invisible marks / 隐形字符"),
                (d.spaced, "spaced characters / 字间空格"),
            ] {
                if on {
                    emit(&mut self.tokens, TokenKind::Disguise, name.as_bytes(), TokenText::Name(name));
                }
            }
        }
        // Latin words and number shapes.
        for w in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '\'')).filter(|w| !w.is_empty()) {
            let b = w.as_bytes();
            // In Han texts a run of `x` is an anonymised number (cn-sms-spam writes digits as x).
            let number = if set.number_shapes {
                b.iter().all(|c| c.is_ascii_digit() || *c == b'x') && (n.has_han || b.iter().any(u8::is_ascii_digit))
            } else {
                b.iter().all(u8::is_ascii_digit)
            };
            if number {
                let d = b.len().min(12) as u8;
                emit(&mut self.tokens, TokenKind::Number, &[d], TokenText::Digits(d));
            } else if b.len() <= 24 {
                emit(&mut self.tokens, TokenKind::Latin, b, range(w));
                for (j, t) in b.windows(3).enumerate() {
                    // Byte windows of an ASCII-alphanumeric word are whole characters.
                    emit(&mut self.tokens, TokenKind::LatinTrigram, t, range(&w[j..j + 3]));
                }
            }
        }
        for h in &n.handles {
            let name = h.kind.as_str();
            emit(&mut self.tokens, TokenKind::Handle, name.as_bytes(), TokenText::Name(name));
            if set.link_kinds && h.kind == crate::normalize::HandleKind::Url {
                let host = h.text.split("://").last().unwrap_or("").split('/').next().unwrap_or("");
                let tld = host.rsplit('.').next().unwrap_or("");
                if !tld.is_empty() && tld.len() <= 8 {
                    emit(&mut self.tokens, TokenKind::Domain, tld.as_bytes(), TokenText::Name(tld_name(tld)));
                }
            }
        }
        if text.chars().nth(5).is_none() {
            emit(&mut self.tokens, TokenKind::Length, b"short", TokenText::Name("short text / 短消息"));
        }
        emit(&mut self.tokens, TokenKind::Length, &class.to_le_bytes(), TokenText::Name("length class / 长度类别"));
        self.buckets.extend(self.tokens.iter().flat_map(|t| [t.bucket, t.class_bucket]));
        self.buckets.sort_unstable();
        self.buckets.dedup();
    }
}

/// A readable name for a top-level domain (static, so tokens stay `Copy`).
fn tld_name(tld: &str) -> &'static str {
    const KNOWN: &[&str] = &[
        "com", "cn", "net", "org", "top", "xyz", "cc", "io", "me", "ltd", "vip", "shop", "club", "info", "app", "link",
        "site", "online",
    ];
    KNOWN.iter().copied().find(|k| *k == tld).unwrap_or("other top-level domain / 其他顶级域名")
}

/// splitmix64's finaliser: spreads a hash so the class copy lands in an unrelated bucket.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The jieba segmenter, with its dictionary loaded once per process.
pub fn jieba() -> &'static Jieba {
    static J: OnceLock<Jieba> = OnceLock::new();
    J.get_or_init(Jieba::new)
}

/// The distinct buckets of a text (allocates; training and tests use it).
pub fn buckets(n: &Normalized, set: FeatureSet) -> Vec<u32> {
    Features::with(|f| {
        f.extract(n, set);
        f.buckets.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn names(text: &str, set: FeatureSet) -> Vec<String> {
        let n = normalize(text);
        Features::with(|f| {
            f.extract(&n, set);
            f.tokens.iter().map(|t| format!("{:?}:{}", t.kind, f.name(&n, t))).collect()
        })
    }

    #[test]
    fn extracts_words_grams_numbers_and_handles() {
        let all = FeatureSet { trigrams: true, ..FeatureSet::SHIPPED };
        let t = names("兼职日赚500元，加微信 abc12345 详聊 https://x.top/a", all);
        for want in ["Word:兼职", "Bigram:日赚", "Bigram:#元", "Trigram:赚#元", "Symbol:,", "Handle:url", "Domain:top"]
        {
            assert!(t.iter().any(|x| x == want), "{want} missing from {t:?}");
        }
        assert!(t.iter().any(|x| x.starts_with("Number:3-digit")), "{t:?}");
        assert!(t.iter().any(|x| x == "LatinTrigram:abc"), "{t:?}");
        let none = FeatureSet {
            words: false,
            words_min_chars: 0,
            trigrams: false,
            number_shapes: false,
            link_kinds: false,
            unit_length: false,
            disguise: false,
            separators: false,
        };
        let plain = names("兼职日赚500元", none);
        assert!(!plain.iter().any(|x| x.starts_with("Word:") || x.starts_with("Trigram:")), "{plain:?}");
        assert!(plain.iter().any(|x| x == "Bigram:0元") && !plain.iter().any(|x| x == "Bigram:00"), "{plain:?}");
    }

    #[test]
    fn buckets_are_distinct_sorted_and_stable() {
        let n = normalize("Free entry! Call 08712345678 now, free free");
        let a = buckets(&n, FeatureSet::SHIPPED);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(a, buckets(&n, FeatureSet::SHIPPED));
        assert!(a.iter().all(|&b| (b as usize) < BUCKETS));
    }

    #[test]
    fn feature_set_bits_round_trip() {
        for b in (0..128).chain([24 << 8 | 1, 255 << 8 | 127]) {
            assert_eq!(FeatureSet::from_bits(b).to_bits(), b);
        }
    }
}
