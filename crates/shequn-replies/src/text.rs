//! What a reader sees in one message's text: whom it addresses, whom it
//! mentions, whether it asks something, and its content words.

use std::collections::HashMap;
use std::sync::OnceLock;

use rayon::prelude::*;
use shequn_model::{MemberIx, Timeline};
use xxhash_rust::xxh3::xxh3_64;

/// Chinese, Japanese or Korean ideographs (the scripts that need word segmentation).
pub fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2A6DF)
}

/// Members by lower-cased display name, so text can name them.
pub struct NickIndex {
    /// Looked up for nearly every word of every message: foldhash, not SipHash.
    by_name: HashMap<String, MemberIx, foldhash::fast::RandomState>,
    /// The longest name in bytes: a longer word names no one and is not looked up.
    longest: usize,
}

impl NickIndex {
    pub fn new(t: &Timeline) -> NickIndex {
        let mut by_name = HashMap::with_capacity_and_hasher(t.members.len(), Default::default());
        for (ix, m) in t.members.iter().enumerate() {
            let name = m.name.trim().to_lowercase();
            // One-letter names match ordinary words too often to count as addressing.
            if name.chars().count() >= 2 {
                by_name.entry(name).or_insert(ix as MemberIx);
            }
        }
        // Lower-casing can shrink a letter to a third of its bytes (the Kelvin sign K to k):
        // a word up to three times the longest name may still be one.
        let longest = by_name.keys().map(|k: &String| k.len()).max().unwrap_or(0) * 3;
        NickIndex { by_name, longest }
    }

    fn find(&self, word: &str, buf: &mut String) -> Option<MemberIx> {
        if word.is_empty() || word.len() > 64 || word.len() > self.longest {
            return None;
        }
        buf.clear();
        if word.is_ascii() {
            buf.push_str(word);
            buf.make_ascii_lowercase();
        } else {
            for c in word.chars() {
                buf.extend(c.to_lowercase());
            }
        }
        self.by_name.get(buf.as_str()).copied()
    }

    /// The member named right after an `@`: the longest known nick that starts `after`.
    /// The Gitter export glued rendered mentions to the next word (`@joeweldsAre you…`),
    /// so the whole run of nick characters is tried first, then ever shorter prefixes
    /// (at least three characters, so `@bobcat` does not name `bo`). `user@host.org` and
    /// `root@box:~$` name no one.
    fn find_after_at(&self, before: Option<char>, after: &str, buf: &mut String) -> Option<MemberIx> {
        let run_end = after.find(|c: char| !is_nick_char(c)).unwrap_or(after.len());
        let run = &after[..run_end];
        let rest = &after[run_end..];
        let glued_before = before.is_some_and(|c| c.is_alphanumeric());
        let domain_or_path = rest.strip_prefix('.').is_some_and(|r| r.starts_with(|c: char| c.is_alphanumeric()))
            || rest.starts_with(":~")
            || rest.starts_with(":/");
        if glued_before && domain_or_path {
            return None;
        }
        if let Some(m) = self.find(run, buf) {
            return Some(m);
        }
        // Nicks are short; a long run is a glued word, tried only up to 48 characters.
        let ends: Vec<usize> = run.char_indices().map(|(k, _)| k).skip(3).take(46).collect();
        ends.into_iter().rev().find_map(|end| self.find(&run[..end], buf))
    }
}

/// Characters of IRC nicks and Gitter user names (`ghost~5826`, `bur[n]`).
fn is_nick_char(c: char) -> bool {
    c.is_alphanumeric() || matches!(c, '-' | '_' | '~' | '[' | ']' | '\\' | '^' | '{' | '}' | '|' | '`')
}

/// One message as the linker reads it.
#[derive(Debug, Clone, Default)]
pub struct Reading {
    /// The member named at the start (`nick:`, `nick,`, `@nick`, `回复 nick`).
    pub addressee: Option<MemberIx>,
    /// Members named anywhere else in the text (and the platform's mentions).
    pub mentioned: Vec<MemberIx>,
    /// Members named unmistakably: `@nick` anywhere (glued or not), `nick:`/`nick,` at the
    /// start, or the platform's mentions. A bare name at the start is not among them.
    pub named_explicitly: Vec<MemberIx>,
    /// Asks something: ?/？/吗/怎么/如何/请问/有没有/why/how …
    pub question: bool,
    /// Hashes of content words, sorted and without repeats.
    pub words: Vec<u64>,
    /// A 256-bit signature of `words`: two messages whose signatures share no
    /// bit share no word, which spares most exact comparisons.
    pub signature: [u64; 4],
}

/// The signature of a word list (see [`Reading::signature`]).
pub fn signature(words: &[u64]) -> [u64; 4] {
    let mut sig = [0u64; 4];
    for w in words {
        let bit = (w >> 56) as usize;
        sig[bit >> 6] |= 1 << (bit & 63);
    }
    sig
}

/// Whether two signatures share a bit (the messages may share a word).
pub fn may_overlap(a: &[u64; 4], b: &[u64; 4]) -> bool {
    (a[0] & b[0]) | (a[1] & b[1]) | (a[2] & b[2]) | (a[3] & b[3]) != 0
}

const TRIM: &[char] =
    &[':', ',', '.', ';', '!', '?', '(', ')', '<', '>', '"', '\'', '：', '，', '。', '！', '？', '、', '@', '[', ']'];

const ZH_QUESTION: &[&str] = &[
    "吗",
    "怎么",
    "如何",
    "请问",
    "有没有",
    "是不是",
    "为什么",
    "为啥",
    "能不能",
    "可不可以",
    "哪里",
    "哪个",
    "什么",
    "多少",
    "咋",
];
const EN_QUESTION: &[&str] = &[
    "why", "how", "what", "where", "when", "who", "which", "anyone", "anybody", "does", "can", "is", "are", "should",
    "could", "would", "do",
];

const STOP: &[&str] = &[
    "the", "and", "you", "for", "that", "this", "with", "have", "not", "are", "was", "but", "can", "your", "its",
    "it's", "just", "then", "there", "what", "how", "use", "get", "any", "all", "one", "out", "try", "from", "will",
    "like", "yes", "has", "don't", "i'm", "now", "know", "need", "want", "should", "does", "did", "sure", "thanks",
];

/// Whether a text asks something, in Chinese or English.
pub fn is_question(text: &str) -> bool {
    let t = text.trim_end();
    // A '?' outside links: "fails?All" (a lost space) asks; "https://x/?q=1" does not.
    if t.contains('？') || t.split_whitespace().any(|w| w.contains('?') && !w.contains("://")) {
        return true;
    }
    if t.chars().any(is_cjk) {
        return ZH_QUESTION.iter().any(|q| t.contains(q));
    }
    let first = t.split_whitespace().find(|w| !w.ends_with(':') && !w.ends_with(','));
    match first {
        Some(w) => {
            let w = w.trim_matches(TRIM).to_ascii_lowercase();
            EN_QUESTION.contains(&w.as_str())
        }
        None => false,
    }
}

/// Whether a text opens with a greeting or a call for help, as conversation starts often do.
pub fn is_greeting(text: &str) -> bool {
    const ZH: &[&str] = &["大家好", "请问", "各位", "有人"];
    const EN: &[&str] = &["hi", "hello", "hey", "anyone", "anybody", "hiya", "greetings", "morning"];
    let t = text.trim_start();
    if ZH.iter().any(|g| t.starts_with(g)) {
        return true;
    }
    let first = t.split_whitespace().next().unwrap_or("").trim_matches(TRIM).to_ascii_lowercase();
    EN.contains(&first.as_str())
}

/// Reads every message of `t` once; a long timeline is read in parallel chunks
/// (one huge chat would otherwise use one core), a short one on this thread.
pub fn read_all(t: &Timeline, nicks: &NickIndex) -> Vec<Reading> {
    t.messages
        .par_iter()
        .with_min_len(2048)
        .map_init(String::new, |buf, m| read(&m.text, &m.mentions, nicks, buf))
        .collect()
}

/// Reads one message text; `platform_mentions` are the mentions the platform recorded.
pub fn read(text: &str, platform_mentions: &[MemberIx], nicks: &NickIndex, buf: &mut String) -> Reading {
    let mut r = Reading { question: is_question(text), ..Reading::default() };
    let trimmed = text.trim_start();
    // 回复 nick: … (WeChat/QQ manual reply) and @nick at the start.
    let rest = match trimmed.strip_prefix("回复") {
        Some(rest) => rest.trim_start(),
        None => trimmed,
    };
    let mut explicit_start = false;
    if let Some(first) = rest.split_whitespace().next() {
        // `nick:`, `nick,`, `@nick`, `回复 nick：…`, and a bare name at the start
        // ("nick text"), which IRC users often write without the colon.
        let name = first.split(['：', ':']).next().unwrap_or(first).trim_matches(TRIM);
        r.addressee = nicks.find(name, buf);
        explicit_start = first.starts_with('@')
            || first.ends_with([':', ',', '：', '，'])
            || first.contains(['：', ':'])
            || rest.len() != trimmed.len();
    }
    for w in trimmed.split_whitespace().skip(1) {
        if let Some(m) = nicks.find(w.trim_matches(TRIM), buf) {
            if Some(m) != r.addressee && !r.mentioned.contains(&m) {
                r.mentioned.push(m);
            }
        }
    }
    // `@nick` anywhere, also glued to the words around it ("Thanks@Asimk21", "@joeweldsAre").
    let mut at_named: Vec<MemberIx> = Vec::new();
    for (k, _) in trimmed.match_indices('@') {
        let before = trimmed[..k].chars().next_back();
        if let Some(m) = nicks.find_after_at(before, &trimmed[k + 1..], buf) {
            if !at_named.contains(&m) {
                at_named.push(m);
            }
        }
    }
    if let Some(a) = r.addressee.filter(|_| explicit_start) {
        r.named_explicitly.push(a);
    }
    for &m in &at_named {
        if r.addressee.is_none() {
            // An `@nick` is addressing wherever it stands: "sure @alice use…", "yes@ReaLau".
            r.addressee = Some(m);
            r.mentioned.retain(|&x| x != m);
        } else if Some(m) != r.addressee && !r.mentioned.contains(&m) {
            r.mentioned.push(m);
        }
        if !r.named_explicitly.contains(&m) {
            r.named_explicitly.push(m);
        }
    }
    for &m in platform_mentions {
        if r.addressee.is_none() && trimmed.starts_with('@') {
            r.addressee = Some(m);
        } else if Some(m) != r.addressee && !r.mentioned.contains(&m) {
            r.mentioned.push(m);
        }
        if !r.named_explicitly.contains(&m) {
            r.named_explicitly.push(m);
        }
    }
    r.words = content_words(text);
    r.signature = signature(&r.words);
    r
}

/// Hashes of the content words of `text`: lower-cased Latin words of three or
/// more letters (minus common ones), and the character bigrams of each run of
/// ideographs. Bigrams stand in for segmented words: two messages that share a
/// word share its bigrams, and they cost a fraction of a dictionary segmentation
/// (jieba was two thirds of the linker's time on Chinese chat).
pub fn content_words(text: &str) -> Vec<u64> {
    let mut out = Vec::new();
    let mut prev: Option<char> = None;
    for w in text.split(|c: char| !(c.is_alphanumeric() || c == '\'' || c == '-' || c == '_')) {
        if !w.chars().any(is_cjk) {
            if w.len() >= 3 {
                push_latin(w, &mut out);
            }
            continue;
        }
        // Mixed runs such as "用docker部署": Latin parts are words, ideograph runs give bigrams.
        let mut latin_start: Option<usize> = None;
        for (i, c) in w.char_indices() {
            if is_cjk(c) {
                if let Some(s) = latin_start.take() {
                    if i - s >= 3 {
                        push_latin(&w[s..i], &mut out);
                    }
                }
                if let Some(p) = prev {
                    let mut buf = [0u8; 8];
                    let a = p.encode_utf8(&mut buf[..4]).len();
                    let b = c.encode_utf8(&mut buf[a..]).len();
                    out.push(xxh3_64(&buf[..a + b]));
                }
                prev = Some(c);
            } else {
                prev = None;
                latin_start.get_or_insert(i);
            }
        }
        if let Some(s) = latin_start {
            if w.len() - s >= 3 {
                push_latin(&w[s..], &mut out);
            }
        }
        prev = None;
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn push_latin(w: &str, out: &mut Vec<u64>) {
    let h = if w.is_ascii() {
        let mut buf = [0u8; 64];
        let n = w.len().min(64);
        for (d, s) in buf.iter_mut().zip(&w.as_bytes()[..n]) {
            *d = s.to_ascii_lowercase();
        }
        xxh3_64(&buf[..n])
    } else {
        xxh3_64(w.to_lowercase().as_bytes())
    };
    if stop_hashes().binary_search(&h).is_err() {
        out.push(h);
    }
}

/// Hashes of [`STOP`], sorted, so checking a word costs one hash and a binary search.
fn stop_hashes() -> &'static [u64] {
    static HASHES: OnceLock<Vec<u64>> = OnceLock::new();
    HASHES.get_or_init(|| {
        let mut v: Vec<u64> = STOP.iter().map(|w| xxh3_64(w.as_bytes())).collect();
        v.sort_unstable();
        v
    })
}

/// Number of words two sorted word lists share.
pub fn overlap(a: &[u64], b: &[u64]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn questions_in_both_languages() {
        assert!(is_question("how do I mount a usb disk"));
        assert!(is_question("bob: does that work?"));
        assert!(is_question("这个怎么安装"));
        assert!(is_question("有人在吗"));
        assert!(!is_question("thanks, that worked"));
        assert!(!is_question("我已经装好了"));
    }

    #[test]
    fn chinese_words_overlap() {
        let a = content_words("数据库连接池怎么配置");
        let b = content_words("连接池的配置在这里");
        assert!(overlap(&a, &b) >= 1);
        let c = content_words("今天天气很好");
        assert_eq!(overlap(&a, &c), 0);
        // Punctuation ends a run: no bigram spans "池，今".
        assert_eq!(content_words("连接池，今天").len(), 3);
    }

    #[test]
    fn mixed_runs_keep_latin_words() {
        let a = content_words("用docker部署服务");
        let b = content_words("Docker compose file");
        assert_eq!(overlap(&a, &b), 1, "docker is a word in both");
        // Bigrams do not bridge the Latin word: 用 and 部 are not adjacent.
        assert_eq!(a.len(), 1 + 1 + 1 + 1);
        assert_eq!(overlap(&a, &content_words("用部")), 0);
    }

    fn timeline(names: &[&str]) -> Timeline {
        let mut b = shequn_model::TimelineBuilder::new("gitter");
        for n in names {
            let m = b.member(n);
            b.message(0, m, "hi");
        }
        b.build()
    }

    #[test]
    fn at_mentions_anywhere_and_glued() {
        let t = timeline(&["joe", "joewelds", "Asimk21", "ReaLau", "example", "w96k"]);
        let nicks = NickIndex::new(&t);
        let mut buf = String::new();
        let r = |text: &str| read(text, &[], &nicks, &mut String::new());
        assert_eq!(r("[link] @joeweldsAre you behind a proxy/vpn?").addressee, Some(1));
        assert_eq!(r("Thanks@Asimk21 it works").addressee, Some(2));
        assert_eq!(r("yes@ReaLau").addressee, Some(3));
        assert_eq!(r("@w96kno, the webapp is only on GitLab").addressee, Some(5));
        let both = r("joe: ask @ReaLau about it");
        assert_eq!(both.addressee, Some(0));
        assert_eq!(both.mentioned, vec![3]);
        assert_eq!(both.named_explicitly, vec![0, 3]);
        // A bare name at the start still addresses, but not unmistakably.
        assert!(r("joe the log says otherwise").named_explicitly.is_empty());
        // Mail addresses and shell prompts name no one.
        assert_eq!(r("write to ann@example.com please").addressee, None);
        assert_eq!(r("then root@example:~$ ls").addressee, None);
        assert_eq!(nicks.find_after_at(None, "joeX", &mut buf), Some(0));
        assert_eq!(nicks.find_after_at(None, "jo", &mut buf), None);
    }
}
