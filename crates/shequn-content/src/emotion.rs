//! Emotional and personal expression (METHOD §9, seed 000 同化期): emoji,
//! stickers, laughter, sentiment words, first-person feelings.

use shequn_model::{MessageKind, Msg};

use crate::normalize::Normalized;

const LAUGHTER: &[&str] = &["哈哈", "嘿嘿", "嘻嘻", "呵呵", "233", "lol", "haha", "hehe", "lmao", "rofl", "xd", "笑死"];
const SENTIMENT: &[&str] = &[
    "开心",
    "高兴",
    "难过",
    "伤心",
    "感动",
    "激动",
    "生气",
    "烦",
    "累",
    "爱你",
    "喜欢",
    "讨厌",
    "羡慕",
    "心疼",
    "委屈",
    "害怕",
    "紧张",
    "郁闷",
    "无聊",
    "幸福",
    "太好了",
    "太棒了",
    "好棒",
    "可惜",
    "遗憾",
    "加油",
    "谢谢",
    "感谢",
    "抱抱",
    "辛苦",
    "love",
    "hate",
    "happy",
    "sad",
    "angry",
    "excited",
    "awesome",
    "great",
    "terrible",
    "sorry",
    "thanks",
    "thank you",
    "congrats",
    "congratulations",
    "miss you",
    "ugh",
    "yay",
    "wow",
    "omg",
];
const FIRST_PERSON_FEELING: &[&str] = &[
    "我觉得",
    "我感觉",
    "我好",
    "我太",
    "我真的",
    "我很",
    "我超",
    "我今天",
    "我也是",
    "i feel",
    "i'm so",
    "im so",
    "i am so",
    "i love",
    "i hate",
    "i think",
    "i miss",
    "i'm happy",
    "i'm sad",
    "i'm tired",
];

/// Persona: the day's rituals and life outside the topic — what members share once the
/// group is a place to them, not a help desk (D5 in docs/diagnosis-checks.md: technical
/// rooms measured 7–17% on feelings alone, clojure-uk's morning chat included).
const PERSONA: &[&str] = &[
    "早上好",
    "早安",
    "晚安",
    "午安",
    "周末愉快",
    "下班了",
    "放假了",
    "我家孩子",
    "我老婆",
    "我老公",
    "我女朋友",
    "我男朋友",
    "我妈",
    "我爸",
    "生日快乐",
    "good morning",
    "morning all",
    "morning everyone",
    "morning folks",
    "mornin",
    "moin",
    "good night",
    "goodnight",
    "nite all",
    "my wife",
    "my husband",
    "my partner",
    "my kids",
    "my son",
    "my daughter",
    "my dog",
    "my cat",
    "my family",
    "on holiday",
    "on vacation",
    "overslept",
    "happy birthday",
    "happy new year",
    "merry christmas",
    "have a nice weekend",
    "have a good weekend",
];

/// Whether a message expresses emotion or something personal.
pub fn is_emotional(m: &Msg, n: &Normalized) -> bool {
    if m.kind == MessageKind::Sticker {
        return true;
    }
    let s = n.folded.as_str();
    let has_emoji = s.chars().any(|c| matches!(c as u32, 0x1F300..=0x1FAFF | 0x2600..=0x27BF));
    // WeChat/QQ inline emoticons: [微笑] [表情] [Smile].
    let inline = s.contains('[')
        && s.contains(']')
        && (s.contains("[表情]")
            || s.contains("[微笑]")
            || s.contains("[捂脸]")
            || s.contains("[smile]")
            || s.contains("[呲牙]")
            || s.contains("[强]"));
    has_emoji || inline || has_emotion_word(s)
}

fn emotion_words() -> &'static aho_corasick::AhoCorasick {
    static A: std::sync::OnceLock<aho_corasick::AhoCorasick> = std::sync::OnceLock::new();
    A.get_or_init(|| {
        let words: Vec<&str> = [LAUGHTER, SENTIMENT, FIRST_PERSON_FEELING, PERSONA].concat();
        aho_corasick::AhoCorasick::new(words).expect("emotion words")
    })
}

/// Builds the word automaton now rather than on the first message (see [`crate::warm_up`]).
pub fn warm_up() {
    emotion_words();
}

/// Any word of the four lists: Han words as substrings, Latin words whole (so `sad` is
/// not in `sadly`... but is in `so sad!`). One automaton pass over the text.
fn has_emotion_word(s: &str) -> bool {
    let a = emotion_words();
    a.find_overlapping_iter(s).any(|m| {
        let w = &s[m.range()];
        if !w.is_ascii() {
            return true;
        }
        let before = s[..m.start()].chars().next_back();
        let after = s[m.end()..].chars().next();
        !before.is_some_and(|c| c.is_ascii_alphanumeric()) && !after.is_some_and(|c| c.is_ascii_alphanumeric())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;
    use shequn_model::TimelineBuilder;

    fn emotional(text: &str) -> bool {
        let mut b = TimelineBuilder::new("g");
        let a = b.member("a");
        b.message(0, a, text);
        let t = b.build();
        is_emotional(&t.messages[0], &normalize(text))
    }

    #[test]
    fn recognises_emotion_in_both_languages() {
        assert!(emotional("哈哈哈笑死我了"));
        assert!(emotional("我觉得今天特别累"));
        assert!(emotional("lol that's great"));
        assert!(emotional("see you 🎉"));
        assert!(emotional("[表情][表情]"));
        assert!(!emotional("请把文件发到群里"));
        assert!(!emotional("the build failed on line 12"));
        // "hate" inside "whatever" is not a feeling.
        assert!(!emotional("whatever works"));
    }

    #[test]
    fn persona_rituals_and_life_outside_the_topic() {
        assert!(emotional("Morning all"));
        assert!(emotional("moin moin"));
        assert!(emotional("sorry for the delay, overslept"));
        assert!(emotional("my kids are home today so I'm slow"));
        assert!(emotional("大家早上好"));
        // Whole words only: "moin" is not in "smoine", a morning job is not a greeting.
        assert!(!emotional("the smoinet module failed"));
        assert!(!emotional("the cron job runs every morning at 4"));
    }
}
