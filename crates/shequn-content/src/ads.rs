//! The ad/spam verdict for one message (METHOD §7): explainable rule features
//! plus the learned model, combined into one log-odds score. Every verdict
//! lists the features that fired.

use serde::{Deserialize, Serialize};

use std::sync::OnceLock;

use aho_corasick::AhoCorasick;

use crate::features::Features;
use crate::model::LinearModel;
use crate::normalize::{money_amounts, normalize, HandleKind, Normalized};

/// Ad settings (METHOD §7). Rule weights are added to the model's log-odds.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(default, deny_unknown_fields)]
pub struct AdSettings {
    /// Log-odds above which a message is an ad.
    pub threshold: f32,
    /// Added when a contact handle (WeChat, QQ, phone, t.me) appears together with a solicitation word.
    pub contact_weight: f32,
    /// Added when a solicitation word appears without a contact handle ("加我微信", "DM me").
    pub solicitation_weight: f32,
    /// Added per promotion word, up to `promotion_cap` words.
    pub promotion_weight: f32,
    pub promotion_cap: usize,
    /// Added when the sender offers goods or services for sale (接私活, 代购, 价格好商量, "I'm selling",
    /// "hire me") and says how to reach them (a request to be contacted, a handle or a link): offer
    /// plus call to action is what a classified ad is, whatever the model makes of its wording. Large
    /// enough to clear the chat prior (`chat_prior_log_odds`, 3) when the model leans mildly against:
    /// the spam sets' short English ham pulls short English offers to log-odds −2…−4.
    pub offer_weight: f32,
    /// Added when the message holds a link.
    pub link_weight: f32,
    /// Added when a money amount appears together with a promotion word.
    pub money_weight: f32,
    /// Added when this is the sender's first message in the group.
    pub first_message_weight: f32,
    /// Added when the same or near-same text was posted in several groups or many times.
    pub repetition_weight: f32,
    /// How many model tokens to quote as reasons.
    pub reason_tokens: usize,
    /// A message whose score with the fast model (no jieba words) is this far below the
    /// threshold is not an ad, without running the full model. Over the 67,865 labelled texts of
    /// the corpus the full model's log-odds exceed the fast one's by at most 2.94
    /// (`examples/cascade_margin.rs`), so at 3.0 the screen never clears what the full model
    /// would flag there; 0 runs the full model on every message.
    pub cascade_margin: f32,
}

impl Default for AdSettings {
    fn default() -> Self {
        AdSettings {
            threshold: 0.0,
            contact_weight: 2.0,
            solicitation_weight: 1.0,
            promotion_weight: 0.75,
            promotion_cap: 3,
            offer_weight: 4.5,
            link_weight: 0.5,
            money_weight: 0.75,
            first_message_weight: 0.5,
            repetition_weight: 2.0,
            reason_tokens: 3,
            cascade_margin: 3.0,
        }
    }
}

/// Promotion words (METHOD §7 and the fbs-sms-cn categories), matched on the folded text.
pub const PROMOTION_WORDS: &[&str] = &[
    "优惠",
    "折扣",
    "代理",
    "招商",
    "兼职",
    "日赚",
    "日结",
    "返利",
    "返现",
    "扫码",
    "链接",
    "刷单",
    "刷下单",
    "一单一结",
    "好评",
    "无押金",
    "多劳多得",
    "加盟",
    "推广",
    "引流",
    "爆粉",
    "贷款",
    "放款",
    "低息",
    "免息",
    "秒到",
    "博彩",
    "彩票",
    "棋牌",
    "娱乐城",
    "包赔",
    "稳赚",
    "躺赚",
    "回本",
    "带单",
    "喊单",
    "收益",
    "理财",
    "培训",
    "特价",
    "促销",
    "清仓",
    "包邮",
    "限时",
    "秒杀",
    "领取",
    "免费领",
    "红包群",
    "资源群",
    "开户",
    "办证",
    "发票",
    "代购",
    "私活",
    "接单",
    "打折",
    "八折",
    "代开",
    "兑换",
    "积分",
    "点击",
    "详情",
    "咨询",
    "退订",
    "回复td",
    "earn",
    "profit",
    "investment",
    "invest",
    "crypto",
    "bitcoin",
    "forex",
    "trading",
    "withdrawal",
    "free",
    "prize",
    "winner",
    "won",
    "claim",
    "urgent",
    "offer",
    "discount",
    "selling",
    "for sale",
    "promo",
    "casino",
    "bonus",
    "income",
    "signals",
    "giveaway",
    "airdrop",
    "subscribe",
    "txt",
    "reply stop",
];

/// Words that ask the reader to get in touch (with a handle they make contact solicitation).
pub const SOLICITATION_WORDS: &[&str] = &[
    "加微信",
    "加微",
    "加我",
    "加qq",
    "加q",
    "私聊",
    "私信",
    "联系",
    "详询",
    "咨询",
    "微信号",
    "qq号",
    "dm me",
    "pm me",
    "contact",
    "message me",
    "write to",
    "whatsapp",
    "telegram",
    "call",
];

/// A listed word after these words is everyday speech, not promotion ("feel free to ask").
const EVERYDAY_PHRASES: &[(&str, &str)] = &[("free", "feel "), ("free", "to be "), ("offer", "to ")];

/// Explicit requests to be contacted: solicitation on their own, with no handle in the text.
/// Narrower than [`SOLICITATION_WORDS`] ("call", "contact" and "telegram" alone are everyday words).
pub const SOLICITATION_ALONE_WORDS: &[&str] = &[
    "加微信",
    "加微",
    "加我",
    "加qq",
    "私聊",
    "私信",
    "联系我",
    "详询",
    "dm me",
    "pm me",
    "message me",
    "contact me",
    "contact us",
    "call me",
];

/// The sender offering goods or services for sale: taking on paid work, buying on others' behalf,
/// "price negotiable", "anyone who needs it, add me". Real member ads often carry no handle and no
/// listed promotion word (接X相关的私活，价格好商量，联系我), so this evidence counts only together
/// with a way to reach the seller (see [`AdSettings::offer_weight`]). Not the free perks an
/// operator hands out (福利、免费领取): those are value (METHOD §8).
pub const OFFER_WORDS: &[&str] = &[
    // Taking on paid work, doing it for others.
    "私活",
    "接活",
    "接单",
    "承接",
    "代做",
    "代写",
    "代画",
    "代练",
    "代购",
    "代办",
    "代发",
    "代运营",
    // Selling.
    "出售",
    "低价出",
    "转让",
    "出闲置",
    "闲置出",
    "现货",
    "批发",
    "包教包会",
    "上门服务",
    // Prices offered to the reader.
    "价格好商量",
    "价钱好商量",
    "价格好说",
    "价钱好说",
    "价格美丽",
    "价格实惠",
    "价格优惠",
    "价格公道",
    "价格可谈",
    "价格可议",
    "量大从优",
    "群友价",
    "优惠价",
    "出厂价",
    "批发价",
    // Inviting buyers (the request itself is a separate word: see `OFFER_ASKS`).
    "欢迎选购",
    "欢迎下单",
    "欢迎订购",
    "有需要的朋友",
    "需要的朋友",
    "selling",
    "for sale",
    "hire me",
    "for hire",
    "taking commissions",
    "commissions open",
    "open for commissions",
    "for rates",
    "my rates",
    "reasonable price",
    "affordable price",
    "best price",
    "% off",
    "promo code",
    "my shop",
    "order now",
    "buy now",
];

/// Offers made to shoppers, for which a link is the way to buy; for every other offer the link may
/// just be a reference ("that domain is listed for sale <url>"), so it takes a request or a handle.
const LINK_OFFERS: &[&str] =
    &["% off", "promo code", "my shop", "order now", "buy now", "欢迎选购", "欢迎下单", "欢迎订购"];

/// Ways to ask a buyer to get in touch that count with an offer, besides [`SOLICITATION_ALONE_WORDS`]
/// ("代做找我", "DM for prices"); too common in ordinary talk to count alone.
pub const OFFER_ASKS: &[&str] =
    &["私我", "找我", "咨询", "dm", "inbox me", "hit me up", "reach out to me", "ping me", "email me", "get in touch"];

/// Which kind of evidence fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdFeatureKind {
    Contact,
    /// Asking to be contacted, with no handle in the text.
    Solicitation,
    Promotion,
    /// Goods or services offered for sale, with a way to reach the seller.
    Offer,
    Link,
    Money,
    FirstMessage,
    Repetition,
    Model,
    /// Not evidence (weight 0): the text as the classifier read it after undoing its disguise,
    /// shown beside the original on an ad.
    Undisguised,
}

/// One fired feature, with what it saw and what it added to the score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdFeature {
    pub kind: AdFeatureKind,
    pub detail: String,
    pub weight: f32,
}

/// The verdict on one message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdVerdict {
    pub ad: bool,
    /// Total log-odds (model + rules).
    pub score: f32,
    pub features: Vec<AdFeature>,
}

/// What the message's context adds (unknown when classifying a bare text).
#[derive(Debug, Clone, Copy, Default)]
pub struct AdContext {
    pub first_message: bool,
    /// Copies of this text elsewhere (other groups or the same group), 0 when none.
    pub repeated: u32,
    pub repeated_groups: u32,
}

/// Classifies a text with the shipped models (see [`classify_cascade`]).
pub fn classify(text: &str, context: AdContext, settings: &AdSettings) -> AdVerdict {
    classify_cascade(&normalize(text), context, settings)
}

/// Classifies with the shipped fast model first and the full model only where the fast
/// score comes within `settings.cascade_margin` of the threshold: jieba segmentation is two
/// thirds of a verdict's time and nearly every chat message is far from being an ad.
pub fn classify_cascade(n: &Normalized, context: AdContext, settings: &AdSettings) -> AdVerdict {
    classify_cascade_gated(n, context, settings, |_| 0.0)
}

/// [`classify_cascade`] for a caller that will demand `bar(rule features)` more than the
/// threshold before it believes the verdict (chat: a message with no commercial evidence needs
/// `model_only_margin` more). The screen clears against that higher bar, so it clears more,
/// and what it clears the caller would have turned down anyway.
pub fn classify_cascade_gated(
    n: &Normalized,
    context: AdContext,
    settings: &AdSettings,
    bar: impl Fn(&[AdFeature]) -> f32,
) -> AdVerdict {
    let fast = LinearModel::shipped_fast();
    if settings.cascade_margin > 0.0 {
        let mut features = rule_features(n, context, settings);
        let rules: f32 = features.iter().map(|f| f.weight).sum();
        let logit = Features::with(|f| {
            f.extract(n, fast.features);
            fast.logit(&f.buckets)
        });
        if rules + logit < settings.threshold + bar(&features) - settings.cascade_margin {
            features.push(AdFeature {
                kind: AdFeatureKind::Model,
                // Most chat messages end here: `{:+.2}` (exact decimal rounding) cost more than
                // the screen itself.
                detail: format!("model log-odds {} (fast screen)", signed_hundredths(logit)),
                weight: logit,
            });
            return AdVerdict { ad: false, score: rules + logit, features };
        }
    }
    classify_with(LinearModel::shipped(), n, context, settings)
}

/// `x` with a sign and two decimals, as `{:+.2}` writes it save for exact ties, by integer
/// arithmetic.
fn signed_hundredths(x: f32) -> String {
    let c = (f64::from(x) * 100.0).round() as i64;
    let sign = if x.is_sign_negative() { '-' } else { '+' };
    let c = c.unsigned_abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// Classifies a normalised text with a given model.
pub fn classify_with(model: &LinearModel, n: &Normalized, context: AdContext, settings: &AdSettings) -> AdVerdict {
    let mut features = rule_features(n, context, settings);
    let rules: f32 = features.iter().map(|f| f.weight).sum();
    features.push(Features::with(|f| {
        f.extract(n, model.features);
        let logit = model.logit(&f.buckets);
        // Naming the strongest tokens formats strings; only an ad's reasons are ever read
        // (a chat has thousands of plain messages per ad).
        let reasons = if rules + logit > settings.threshold { settings.reason_tokens } else { 0 };
        model_feature(model, n, f, logit, reasons)
    }));
    let score: f32 = features.iter().map(|f| f.weight).sum();
    let ad = score > settings.threshold;
    if ad && n.disguise.any() {
        features.push(undisguised(n));
    }
    AdVerdict { ad, score, features }
}

/// Characters of the undisguised text quoted in a reason.
const UNDISGUISED_QUOTE_CHARS: usize = 200;

/// The reason that shows what the classifier read: the text with its disguise undone (folded,
/// lower-case) and the tricks found. The original text stays with the message.
fn undisguised(n: &Normalized) -> AdFeature {
    let mut read: String = n.folded.chars().take(UNDISGUISED_QUOTE_CHARS).collect();
    if n.folded.chars().nth(UNDISGUISED_QUOTE_CHARS).is_some() {
        read.push('…');
    }
    let mut tricks = n.disguise.names().join(", ");
    if !n.fillers.is_empty() {
        tricks = format!("{tricks} ({})", n.fillers);
    }
    AdFeature {
        kind: AdFeatureKind::Undisguised, detail: format!("read as / 还原为: {read} — {tricks}"), weight: 0.0
    }
}

/// The model's log-odds, naming its strongest tokens (each token's weight alone plus tied to the length class).
fn model_feature(model: &LinearModel, n: &Normalized, f: &Features, model_logit: f32, reasons: usize) -> AdFeature {
    if reasons == 0 {
        return AdFeature {
            kind: AdFeatureKind::Model,
            detail: format!("model log-odds {model_logit:+.2}"),
            weight: model_logit,
        };
    }
    let mut top: Vec<(f32, usize)> = Vec::with_capacity(reasons + 1);
    let x = model.feature_value(f.buckets.len());
    for (i, t) in f.tokens.iter().enumerate() {
        let w = (model.weights[t.bucket as usize] + model.weights[t.class_bucket as usize]) * x;
        if w <= 0.0 {
            continue;
        }
        let at = top.partition_point(|(v, _)| *v >= w);
        // A token that occurs twice is named once.
        if at < reasons
            && !top.iter().any(|&(_, j)| f.tokens[j].bucket == t.bucket && f.tokens[j].class_bucket == t.class_bucket)
        {
            top.insert(at, (w, i));
            top.truncate(reasons);
        }
    }
    let named: Vec<String> = top.iter().map(|&(w, i)| format!("{} ({:+.2})", f.name(n, &f.tokens[i]), w)).collect();
    AdFeature {
        kind: AdFeatureKind::Model,
        detail: format!("model log-odds {model_logit:+.2}; strongest: {}", named.join(", ")),
        weight: model_logit,
    }
}

/// The explainable rule features of a message (everything but the model).
pub fn rule_features(n: &Normalized, context: AdContext, settings: &AdSettings) -> Vec<AdFeature> {
    let mut features = Vec::new();
    let folded = n.folded.as_str();
    let Listed { promos, solicits, offers, offer_asks } = listed_words(folded);
    let contacts: Vec<String> = n
        .handles
        .iter()
        .filter(|h| h.kind != HandleKind::Url)
        .map(|h| format!("{}: {}", h.kind.as_str(), h.text))
        .collect();
    if !contacts.is_empty() && (!solicits.is_empty() || !promos.is_empty()) {
        let mut detail = contacts.join(", ");
        if !solicits.is_empty() {
            detail = format!("{} ({})", detail, solicits.join(", "));
        }
        features.push(AdFeature { kind: AdFeatureKind::Contact, detail, weight: settings.contact_weight });
    }
    // Each explicit request holds a listed solicitation word, so only texts with one are searched.
    let asks: Vec<&str> = if solicits.is_empty() {
        Vec::new()
    } else {
        SOLICITATION_ALONE_WORDS.iter().copied().filter(|w| contains_word(folded, w)).collect()
    };
    if !asks.is_empty() && contacts.is_empty() {
        // "加我微信", "DM me": asking to be contacted is solicitation even without a handle (METHOD §7).
        features.push(AdFeature {
            kind: AdFeatureKind::Solicitation,
            detail: asks.join(", "),
            weight: settings.solicitation_weight,
        });
    }
    if !offers.is_empty() {
        // How a buyer reaches the seller: a request to be contacted, a handle, or (for a shop's
        // offer) a link.
        let mut reach: Vec<String> = asks.iter().map(|w| w.to_string()).collect();
        // An offer-only ask inside a listed request ("dm" in "dm me") is named once.
        reach.extend(offer_asks.iter().filter(|w| !asks.iter().any(|a| a.contains(**w))).map(|w| w.to_string()));
        let link_is_reach = offers.iter().any(|w| LINK_OFFERS.contains(w));
        reach.extend(
            n.handles
                .iter()
                .filter(|h| link_is_reach || h.kind != HandleKind::Url)
                .map(|h| format!("{}: {}", h.kind.as_str(), h.text)),
        );
        if !reach.is_empty() {
            features.push(AdFeature {
                kind: AdFeatureKind::Offer,
                detail: format!("{}; reach / 联系方式: {}", offers.join(", "), reach.join(", ")),
                weight: settings.offer_weight,
            });
        }
    }
    if !promos.is_empty() {
        let counted = promos.len().min(settings.promotion_cap);
        features.push(AdFeature {
            kind: AdFeatureKind::Promotion,
            detail: promos.join(", "),
            weight: settings.promotion_weight * counted as f32,
        });
    }
    let links: Vec<&str> =
        n.handles.iter().filter(|h| matches!(h.kind, HandleKind::Url)).map(|h| h.text.as_str()).collect();
    if !links.is_empty() {
        features.push(AdFeature { kind: AdFeatureKind::Link, detail: links.join(", "), weight: settings.link_weight });
    }
    if !promos.is_empty() || !offers.is_empty() {
        let money = money_amounts(folded);
        if !money.is_empty() {
            features.push(AdFeature {
                kind: AdFeatureKind::Money,
                detail: money.join(", "),
                weight: settings.money_weight,
            });
        }
    }
    if context.first_message {
        features.push(AdFeature {
            kind: AdFeatureKind::FirstMessage,
            detail: "the sender's first message in the group / 发送者在群里的第一条消息".into(),
            weight: settings.first_message_weight,
        });
    }
    if context.repeated > 0 {
        features.push(AdFeature {
            kind: AdFeatureKind::Repetition,
            detail: format!("{} near-same copies in {} groups", context.repeated, context.repeated_groups),
            weight: settings.repetition_weight,
        });
    }
    features
}

/// The listed words a folded text holds, each list in its table's order.
#[derive(Debug, Default, PartialEq)]
struct Listed {
    promos: Vec<&'static str>,
    solicits: Vec<&'static str>,
    offers: Vec<&'static str>,
    offer_asks: Vec<&'static str>,
}

/// The word tables searched in one pass, in this order.
const TABLES: [&[&str]; 4] = [PROMOTION_WORDS, SOLICITATION_WORDS, OFFER_WORDS, OFFER_ASKS];
const WORDS_IN_TABLES: usize = PROMOTION_WORDS.len() + SOLICITATION_WORDS.len() + OFFER_WORDS.len() + OFFER_ASKS.len();

/// One Aho–Corasick pass over the text instead of one substring search per word.
fn listed_words(folded: &str) -> Listed {
    static AC: OnceLock<AhoCorasick> = OnceLock::new();
    let ac = AC
        .get_or_init(|| AhoCorasick::new(TABLES.iter().flat_map(|t| t.iter())).expect("word lists build an automaton"));
    let mut hit = [false; WORDS_IN_TABLES];
    for m in ac.find_overlapping_iter(folded) {
        let i = m.pattern().as_usize();
        if hit[i] {
            continue;
        }
        let word = word_of_pattern(i);
        hit[i] = (!word.is_ascii() || latin_word_at(folded, word, m.start()))
            && !EVERYDAY_PHRASES.iter().any(|(w, before)| *w == word && folded[..m.start()].ends_with(before));
    }
    let mut lists = TABLES.iter().scan(0, |from, t| {
        let got: Vec<&'static str> = t.iter().zip(&hit[*from..]).filter(|(_, h)| **h).map(|(w, _)| *w).collect();
        *from += t.len();
        Some(got)
    });
    let mut next = || lists.next().unwrap_or_default();
    Listed { promos: next(), solicits: next(), offers: next(), offer_asks: next() }
}

/// The word of pattern `i` of the automaton over [`TABLES`].
fn word_of_pattern(mut i: usize) -> &'static str {
    for t in TABLES {
        if i < t.len() {
            return t[i];
        }
        i -= t.len();
    }
    unreachable!("pattern index beyond the word tables")
}

/// Whether `word`, found at `start`, stands as a whole Latin word (so `won` is not in `wonderful`);
/// an end of the word that is not a letter or digit (`% off`) needs no boundary there.
///
/// A word joined to others into one token is not the word: a file name or path (`LICENSE.txt`,
/// `src/free.rs`), a compound (`non-profit`, `lock-free`, `free_global_ctxt`), a scope or tag
/// (`@fortawesome/free-solid`, `#free`). `.`, `/`, `-` join only between two letters or digits, so
/// a word at the end of a sentence ("it's free.") or before a dash still counts.
fn latin_word_at(haystack: &str, word: &str, start: usize) -> bool {
    let end = start + word.len();
    let alnum = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
    let mut back = haystack[..start].chars().rev();
    let (before, before2) = (back.next(), back.next());
    let mut ahead = haystack[end..].chars();
    let (after, after2) = (ahead.next(), ahead.next());
    let joiner = |c: Option<char>| matches!(c, Some('.' | '/' | '-'));
    let glued_before = alnum(before) || matches!(before, Some('_' | '@' | '#')) || (joiner(before) && alnum(before2));
    let glued_after = alnum(after) || after == Some('_') || (joiner(after) && alnum(after2));
    (!alnum(word.chars().next()) || !glued_before) && (!alnum(word.chars().next_back()) || !glued_after)
}

/// Substring match for Han words; word-boundary match for Latin words.
fn contains_word(haystack: &str, word: &str) -> bool {
    if !word.is_ascii() {
        return haystack.contains(word);
    }
    haystack.match_indices(word).any(|(i, _)| latin_word_at(haystack, word, i))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hundredths_read_as_the_standard_format_does() {
        for x in [0.0f32, -0.0, 1.0, -1.0, 3.1, -2.75, 0.004, -0.004, 12.345_6, -99.994, 1234.5678, -0.5] {
            assert_eq!(signed_hundredths(x), format!("{x:+.2}"), "{x}");
        }
    }

    #[test]
    fn asking_to_be_contacted_is_solicitation_without_a_handle() {
        let kinds = |text: &str| -> Vec<AdFeatureKind> {
            rule_features(&normalize(text), AdContext::default(), &AdSettings::default())
                .iter()
                .map(|f| f.kind)
                .collect()
        };
        assert!(kinds("我在做雅思代购，有需要的加我微信").contains(&AdFeatureKind::Solicitation));
        assert!(kinds("selling my old board games, DM me").contains(&AdFeatureKind::Solicitation));
        // Everyday words are not requests: "call" a function, "contact" in a sentence.
        assert!(!kinds("the function call failed again").contains(&AdFeatureKind::Solicitation));
        assert!(!kinds("we lost contact with the server").contains(&AdFeatureKind::Solicitation));
        // With a handle it is the stronger contact feature, not both.
        let k = kinds("加我微信 wxid_abc12345 详聊");
        assert!(k.contains(&AdFeatureKind::Contact) && !k.contains(&AdFeatureKind::Solicitation), "{k:?}");
    }

    fn kinds_of(text: &str) -> Vec<AdFeatureKind> {
        rule_features(&normalize(text), AdContext::default(), &AdSettings::default()).iter().map(|f| f.kind).collect()
    }

    #[test]
    fn the_fast_screen_agrees_with_the_full_model() {
        let texts = [
            "兼职刷单日赚300元，一单一结，加微信 abc12345 详聊",
            "明天下午三点开会，记得带电脑",
            "WINNER!! Claim your free prize now, call 09061701461",
            "are we still on for lunch tomorrow?",
            "帮人做PPT的私活也接，价格可谈，联系我",
            "哈哈哈笑死我了",
        ];
        let full = AdSettings { cascade_margin: 0.0, ..AdSettings::default() };
        let mut screened = 0;
        for t in texts {
            let n = normalize(t);
            let a = classify_cascade(&n, AdContext::default(), &AdSettings::default());
            let b = classify_cascade(&n, AdContext::default(), &full);
            assert_eq!(a.ad, b.ad, "{t}");
            let model =
                |v: &AdVerdict| v.features.iter().find(|f| f.kind == AdFeatureKind::Model).unwrap().detail.clone();
            assert!(!model(&b).contains("fast screen"), "margin 0 always runs the full model");
            if model(&a).contains("fast screen") {
                screened += 1;
                assert!(!a.ad && a.score < -AdSettings::default().cascade_margin, "{t}: {}", a.score);
            }
        }
        assert!(screened >= 2, "plain chat is cleared by the fast model alone");
    }

    #[test]
    fn only_an_ads_model_feature_names_its_tokens() {
        let model = |text: &str| {
            let v = classify(text, AdContext::default(), &AdSettings::default());
            let f = v.features.into_iter().find(|f| f.kind == AdFeatureKind::Model).expect("a model feature");
            (v.ad, f.detail)
        };
        let (ad, detail) = model("兼职刷单日赚300元，一单一结，加微信 abc12345 详聊");
        assert!(ad && detail.contains("strongest"), "{detail}");
        let (ad, detail) = model("明天下午三点开会，记得带电脑");
        assert!(!ad && detail.starts_with("model log-odds") && !detail.contains("strongest"), "{detail}");
    }

    #[test]
    fn an_offer_with_a_way_to_reach_the_seller_is_an_offer() {
        // Paid work offered, with a request to be contacted (no handle, no listed promotion word).
        assert!(kinds_of("帮人做PPT的私活也接，价格可谈，联系我").contains(&AdFeatureKind::Offer));
        // "Anyone who needs it, DM me" after goods.
        assert!(kinds_of("老家的土蜂蜜，有需要的朋友私我").contains(&AdFeatureKind::Offer));
        assert!(kinds_of("代写论文找我，包过").contains(&AdFeatureKind::Offer));
        // A price offered, with a handle.
        assert!(kinds_of("二手显示器转让，微信 abc_12345").contains(&AdFeatureKind::Offer));
        assert!(kinds_of("I'm selling my old Kindle, DM me").contains(&AdFeatureKind::Offer));
        assert!(kinds_of("Freelance designer, available - hire me, rates on request, email me")
            .contains(&AdFeatureKind::Offer));
        assert!(kinds_of("summer sale, 30% off everything https://shop.example.com").contains(&AdFeatureKind::Offer));
    }

    #[test]
    fn an_offer_without_a_way_to_reach_or_a_request_without_an_offer_is_not() {
        // Near misses: the same words with no way to reach the seller, or asking without offering.
        assert!(!kinds_of("最近接了个私活，累死了").contains(&AdFeatureKind::Offer));
        assert!(!kinds_of("有需要的话我可以帮你看看代码").contains(&AdFeatureKind::Offer));
        assert!(!kinds_of("这个问题私聊我吧，群里不方便").contains(&AdFeatureKind::Offer));
        assert!(!kinds_of("I'm selling nothing, just asking about the bug").contains(&AdFeatureKind::Offer));
        // A link is a way to buy only from a shop's offer, not after "for sale" in a discussion.
        assert!(!kinds_of("that domain is listed as for sale https://example.com").contains(&AdFeatureKind::Offer));
        assert!(!kinds_of("my shopping list for the trip, DM me if I forgot something").contains(&AdFeatureKind::Offer));
        // "% off" needs a number before it and a way to reach; "dm" must be a whole word.
        assert!(!kinds_of("turned 20% off the volume, admin says hi").contains(&AdFeatureKind::Offer));
    }

    #[test]
    fn no_offer_word_holds_a_request() {
        // An offer needs a way to reach the seller besides itself; a phrase that is both ("价格私聊")
        // would make one phrase count twice.
        for offer in OFFER_WORDS {
            for ask in SOLICITATION_ALONE_WORDS.iter().chain(OFFER_ASKS) {
                assert!(!contains_word(offer, ask), "{offer} holds {ask}");
            }
        }
    }

    #[test]
    fn percent_off_matches_after_a_number() {
        assert!(contains_word("now 20% off", "% off"));
        assert!(!contains_word("20% offset", "% off"));
    }

    #[test]
    fn feel_free_is_not_promotion() {
        assert!(listed_words("feel free to ask here").promos.is_empty());
        assert_eq!(listed_words("free iphone, claim now").promos, vec!["free", "claim"]);
    }

    #[test]
    fn latin_words_match_whole_words_only() {
        assert!(contains_word("you won a prize", "won"));
        assert!(!contains_word("wonderful day", "won"));
        assert!(contains_word("快来兼职吧", "兼职"));
    }

    #[test]
    fn one_pass_word_lists_match_word_by_word_search() {
        for text in [
            "you won a free prize, call now",
            "wonderful day, free!",
            "兼职刷下单一单一结，加微信咨询",
            "txt stop",
            "接私活，价格好商量，有需要的朋友私我",
            "i'm selling my bike, 20% off, dm for rates",
        ] {
            let got = listed_words(text);
            let want = |table: &[&'static str]| -> Vec<&'static str> {
                table.iter().copied().filter(|w| contains_word(text, w)).collect()
            };
            assert_eq!(got.promos, want(PROMOTION_WORDS), "{text}");
            assert_eq!(got.solicits, want(SOLICITATION_WORDS), "{text}");
            assert_eq!(got.offers, want(OFFER_WORDS), "{text}");
            assert_eq!(got.offer_asks, want(OFFER_ASKS), "{text}");
        }
    }

    #[test]
    fn context_adds_its_features() {
        // One model for both (the fast screen would score the plain text with the other one).
        let s = AdSettings { cascade_margin: 0.0, ..AdSettings::default() };
        let plain = classify("hello there", AdContext::default(), &s);
        let ctx = AdContext { first_message: true, repeated: 4, repeated_groups: 3 };
        let with = classify("hello there", ctx, &s);
        let kinds: Vec<AdFeatureKind> = with.features.iter().map(|f| f.kind).collect();
        assert!(kinds.contains(&AdFeatureKind::FirstMessage) && kinds.contains(&AdFeatureKind::Repetition));
        assert!((with.score - plain.score - 2.5).abs() < 1e-4);
    }
}
