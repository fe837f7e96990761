//! One group's content report (METHOD §7–§9) and the per-message labels the
//! diagnosis consumes.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shequn_model::{ContentLabel, Example, MemberIx, MessageKind, MsgIx, Timeline};

use crate::ads::{classify_cascade_gated, AdContext, AdFeature, AdFeatureKind, AdSettings, AdVerdict};
use crate::emotion::is_emotional;
use crate::normalize::{normalize, HandleKind, Normalized};
use crate::policy::{check, AdPolicy, Violation};
use crate::push::{pushes_prepared, PushReport, PushSettings};
use crate::repetition::{repetition_of_hashes, simhash_compact, Repetition, RepetitionSettings};
use crate::value::{classify_normalized, value_report, ValueReport, ValueSettings};

/// All content thresholds (METHOD §7–§9), echoed in every report.
#[derive(Serialize, Deserialize, Clone, Debug)]
#[serde(default, deny_unknown_fields)]
pub struct ContentSettings {
    pub ads: AdSettings,
    /// Added to the ad threshold when classifying group chat: the model learned from spam
    /// sets where ~31% of texts are spam, while in a group chat ads are a few percent; the
    /// Bayes prior shift ln(0.31/0.69) − ln(0.02/0.98) ≈ 3.1. `shequn eval ads` does not add it.
    pub chat_prior_log_odds: f32,
    /// In chat, a link with words about it is sharing (METHOD §8's 资源/链接), not an ad: a
    /// message with no commercial evidence (contact, solicitation, promotion, money,
    /// repetition) is an ad only if its score clears the chat threshold by this much.
    pub model_only_margin: f32,
    /// A post by a known operator (owner or admin) that delivers one of seed 004's six kinds of value
    /// (福利、信息、资源、案例、活动、链接; METHOD §8) is value, not an ad, even when worded like one
    /// ("群友福利，…免费领取，私信我") or re-posted: seed 004 names 福利 first among what a group owes
    /// its members, and an operator re-sharing an update is not selling. Operators' ads that carry
    /// no value (刷单 recruitment, 招商) stay ads, and members' perk posts are still judged as ads:
    /// "免费领取，私信我" from a member is how 爆粉 (harvesting contacts) is done.
    pub operator_value_is_not_ad: bool,
    /// In chat, promotion words are commercial evidence (see `model_only_margin`) only when at
    /// least this many different ones occur: one everyday word ("free" memory, "(not urgent)",
    /// "subscribe to updates", "non-profit") is how people at work talk too.
    pub chat_min_promotion_words: usize,
    /// Whether a repeated text is commercial evidence on its own in chat. Off: an issue link or a
    /// meeting line posted again, or in several streams, is cross-posting; a repeated ad still
    /// carries its contact, offer or promotion words (and repetition still adds its weight).
    pub repetition_is_commercial: bool,
    /// Whether messages of members known to be bots (platform flag or the `bots` list) are judged
    /// as ads. Off: an integration the group installed (a GitHub feed, an eval bot, a bridge's
    /// notices) posts what it is set up to post.
    pub judge_bots: bool,
    pub repetition: RepetitionSettings,
    pub push: PushSettings,
    pub value: ValueSettings,
    /// Evidence examples kept per list.
    pub examples: usize,
}

impl Default for ContentSettings {
    fn default() -> Self {
        ContentSettings {
            ads: AdSettings::default(),
            chat_prior_log_odds: 3.0,
            model_only_margin: 4.0,
            operator_value_is_not_ad: true,
            chat_min_promotion_words: 2,
            repetition_is_commercial: false,
            judge_bots: false,
            repetition: RepetitionSettings::default(),
            push: PushSettings::default(),
            value: ValueSettings::default(),
            examples: 3,
        }
    }
}

/// An ad with the features that fired.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdExample {
    pub example: Example,
    pub score: f32,
    pub features: Vec<AdFeature>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdPoster {
    pub name: String,
    pub ads: u32,
    pub messages: u32,
    pub examples: Vec<AdExample>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdSummary {
    pub ads: u32,
    /// Ads / text messages.
    pub ad_share: f64,
    /// Most ads first.
    pub posters: Vec<AdPoster>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyReport {
    pub ads_checked: u32,
    pub violations: Vec<Violation>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EmotionReport {
    pub human_messages: u32,
    pub emotional: u32,
    pub share: f64,
    /// Shares in the first and second halves of the group's messages (rising = assimilation).
    pub first_half_share: f64,
    pub second_half_share: f64,
    pub examples: Vec<Example>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ContentReport {
    pub group: String,
    pub messages: u32,
    pub ads: AdSummary,
    pub policy: Option<PolicyReport>,
    pub push: PushReport,
    pub value: ValueReport,
    pub emotion: EmotionReport,
    pub settings: ContentSettings,
    /// Per message, in timeline order.
    #[serde(skip)]
    pub labels: Vec<ContentLabel>,
}

/// Messages per parallel task inside one group: below this a group is judged on one thread.
const PER_MESSAGE_CHUNK: usize = 2048;

/// One message judged on its own, its order-dependent context fixed beforehand.
struct Judged {
    is_human: bool,
    emotional: bool,
    /// A text or link message that was classified (not a push, not empty).
    text: bool,
    verdict: Option<AdVerdict>,
    value: Option<shequn_model::ValueKind>,
}

/// What judging one message needs: the group's prepared data, read-only, so messages can be
/// judged in any order and on any thread.
struct Judge<'a> {
    t: &'a Timeline,
    normalized: &'a [Normalized],
    push: &'a PushReport,
    rep: &'a Repetition,
    group: usize,
    first_message: &'a [bool],
    member_names: &'a HashSet<String>,
    ad_settings: &'a AdSettings,
    settings: &'a ContentSettings,
}

impl Judge<'_> {
    fn judge(&self, i: usize) -> Judged {
        let t = self.t;
        let m = &t.messages[i];
        let n = &self.normalized[i];
        let is_human = !t.sender(m).is_bot && !self.push.is_push[i];
        let emotional = is_human && is_emotional(m, n);
        // A push is reported as a push (its own killer in METHOD §7), not also as an ad.
        let unjudged_bot = !self.settings.judge_bots && t.sender(m).is_bot;
        if self.push.is_push[i]
            || unjudged_bot
            || !matches!(m.kind, MessageKind::Text | MessageKind::Link)
            || m.text.trim().is_empty()
        {
            return Judged { is_human, emotional, text: false, verdict: None, value: None };
        }
        // Repetition is an ad signal across groups, or when senders repeat themselves; the
        // same line from many members of one group is 接龙, a greeting, a catchphrase.
        // Bare links that differ only in a ticket number hash alike; they are not a repeated text.
        // Counted only for a message in a repetition cluster (few are).
        let wordy = || wordy(n, self.settings.repetition.min_chars);
        let (repeated, repeated_groups) = self
            .rep
            .cluster_of(self.group, i as MsgIx)
            .filter(|c| (c.groups.len() >= 2 || c.copies >= 2 * c.senders) && wordy())
            .map_or((0, 0), |c| (c.copies.saturating_sub(1), c.groups.len() as u32));
        let ctx = AdContext { first_message: self.first_message[i], repeated, repeated_groups };
        let by_operator = t.sender(m).is_operator();
        let (v, value) = judge_ad(&m.text, n, ctx, self.member_names, by_operator, self.ad_settings, self.settings);
        Judged { is_human, emotional, text: true, verdict: Some(v), value }
    }
}

/// Analyses one group. `portfolio` is the portfolio repetition and this
/// group's index in it (from [`crate::repetition::repetition`]); without it,
/// repetition is looked for within the group only. `as_of_ms` defaults to the
/// newest message.
pub fn analyze_group(
    t: &Timeline,
    settings: &ContentSettings,
    policy: Option<&AdPolicy>,
    portfolio: Option<(&Repetition, usize)>,
    as_of_ms: Option<i64>,
) -> ContentReport {
    let ad_settings = chat_ad_settings(settings);
    let n_examples = settings.examples.max(1);
    // Every message is normalised and hashed once; repetition and pushes reuse both. The
    // per-message work runs in parallel inside the group too, so one huge chat (a single
    // export) uses every core; small groups stay on one thread (`with_min_len`).
    let normalized: Vec<Normalized> =
        t.messages.par_iter().with_min_len(PER_MESSAGE_CHUNK).map(|m| normalize(&m.text)).collect();
    let hashes: Vec<Option<u64>> = normalized
        .par_iter()
        .with_min_len(PER_MESSAGE_CHUNK)
        .map(|n| simhash_compact(&n.compact, settings.repetition.min_chars))
        .collect();
    let own;
    let (rep, g) = match portfolio {
        Some(p) => p,
        None => {
            own = repetition_of_hashes(&[t], std::slice::from_ref(&hashes), &settings.repetition);
            (&own, 0)
        }
    };
    let push = pushes_prepared(t, &settings.push, portfolio, &normalized, hashes);
    // The only context that depends on order: is this the sender's first message?
    let mut seen: HashSet<MemberIx> = HashSet::new();
    let first_message: Vec<bool> = t.messages.iter().map(|m| seen.insert(m.sender)).collect();
    let member_names = member_names(t);
    let judge = Judge {
        t,
        normalized: &normalized,
        push: &push,
        rep,
        group: g,
        first_message: &first_message,
        member_names: &member_names,
        ad_settings: &ad_settings,
        settings,
    };
    let judged: Vec<Judged> =
        (0..t.messages.len()).into_par_iter().with_min_len(PER_MESSAGE_CHUNK).map(|i| judge.judge(i)).collect();
    let mut labels = vec![ContentLabel::default(); t.messages.len()];
    let mut kinds = vec![None; t.messages.len()];
    let mut ad_ix: Vec<MsgIx> = Vec::new();
    let mut posters: HashMap<MemberIx, AdPoster> = HashMap::new();
    let mut sent: HashMap<MemberIx, u32> = HashMap::new();
    let (mut text_messages, mut human, mut emotional) = (0u32, 0u32, 0u32);
    let half = t.messages.len() / 2;
    let (mut human_first, mut emo_first) = (0u32, 0u32);
    let mut emotion_examples = Vec::new();
    for (i, (m, j)) in t.messages.iter().zip(judged).enumerate() {
        *sent.entry(m.sender).or_default() += 1;
        labels[i].push = push.is_push[i];
        if j.is_human {
            human += 1;
            if j.emotional {
                labels[i].emotional = true;
                emotional += 1;
                if i < half {
                    emo_first += 1;
                }
                if emotion_examples.len() < n_examples {
                    emotion_examples.push(Example::of(t, i as MsgIx));
                }
            }
            if i < half {
                human_first += 1;
            }
        }
        if j.text {
            text_messages += 1;
        }
        let Some(v) = j.verdict else { continue };
        if v.ad {
            labels[i].ad = true;
            ad_ix.push(i as MsgIx);
            let p = posters.entry(m.sender).or_insert_with(|| AdPoster {
                name: t.sender(m).name.clone(),
                ads: 0,
                messages: 0,
                examples: Vec::new(),
            });
            p.ads += 1;
            if p.examples.len() < n_examples {
                p.examples.push(AdExample {
                    example: Example::of(t, i as MsgIx),
                    score: v.score,
                    features: v.features,
                });
            }
        } else {
            kinds[i] = j.value;
            labels[i].value = j.value;
        }
    }
    let mut posters: Vec<AdPoster> = posters
        .into_iter()
        .map(|(s, mut p)| {
            p.messages = sent[&s];
            p
        })
        .collect();
    posters.sort_by(|a, b| b.ads.cmp(&a.ads).then(a.name.cmp(&b.name)));
    let ratio = |a: u32, b: u32| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let as_of = as_of_ms.or(t.last_ms()).unwrap_or(0);
    let policy = policy.map(|p| PolicyReport { ads_checked: ad_ix.len() as u32, violations: check(t, p, &ad_ix) });
    ContentReport {
        group: t.group.name.clone(),
        messages: t.messages.len() as u32,
        ads: AdSummary { ads: ad_ix.len() as u32, ad_share: ratio(ad_ix.len() as u32, text_messages), posters },
        policy,
        value: value_report(t, &kinds, as_of, &settings.value),
        emotion: EmotionReport {
            human_messages: human,
            emotional,
            share: ratio(emotional, human),
            first_half_share: ratio(emo_first, human_first),
            second_half_share: ratio(emotional - emo_first, human - human_first),
            examples: emotion_examples,
        },
        push,
        settings: settings.clone(),
        labels,
    }
}

/// The ad settings the report classifies chat with: the model's threshold raised by the chat
/// prior (`chat_prior_log_odds`).
pub fn chat_ad_settings(settings: &ContentSettings) -> AdSettings {
    AdSettings { threshold: settings.ads.threshold + settings.chat_prior_log_odds, ..settings.ads.clone() }
}

/// One message's ad verdict exactly as the report gives it, from its normalised text and its
/// context: `@name`s of members dropped, the commercial-evidence gate (`model_only_margin`,
/// code and logs), and the operators'-value rule; with the value kind when it is not an ad.
/// `ad_settings` is [`chat_ad_settings`]. The live alerts (`shequn-alerts`) call it per message.
pub fn judge_ad(
    text: &str,
    n: &Normalized,
    ctx: AdContext,
    member_names: &HashSet<String>,
    by_operator: bool,
    ad_settings: &AdSettings,
    settings: &ContentSettings,
) -> (AdVerdict, Option<shequn_model::ValueKind>) {
    let without_mentions = drop_mentions(n, member_names);
    // Pasted code and logs are full of what reads as contacts, promotion and repetition
    // (`@BeforeTest`, digit runs, "free", the same stack trace twice); in them only an
    // explicit request or offer counts as commercial evidence (D8 in docs/diagnosis-checks.md).
    // Asked only when such evidence fired (most messages have none).
    let code = std::cell::OnceCell::new();
    let commercial = |features: &[AdFeature]| {
        features.iter().any(|f| match f.kind {
            AdFeatureKind::Solicitation | AdFeatureKind::Offer => true,
            AdFeatureKind::Promotion if f.detail.split(", ").count() < settings.chat_min_promotion_words => false,
            AdFeatureKind::Repetition if !settings.repetition_is_commercial => false,
            AdFeatureKind::Contact | AdFeatureKind::Promotion | AdFeatureKind::Money | AdFeatureKind::Repetition => {
                !*code.get_or_init(|| looks_like_code_or_log(text))
            }
            _ => false,
        })
    };
    // A message with no commercial evidence must clear the threshold by `model_only_margin`.
    let bar = |features: &[AdFeature]| if commercial(features) { 0.0 } else { settings.model_only_margin };
    let mut v = classify_cascade_gated(without_mentions.as_ref().unwrap_or(n), ctx, ad_settings, bar);
    if v.ad && v.score <= ad_settings.threshold + bar(&v.features) {
        v.ad = false;
    }
    let by_operator = settings.operator_value_is_not_ad && by_operator;
    let value = if !v.ad || by_operator { classify_normalized(n, &settings.value) } else { None };
    // Seed 004 names 福利 (perks) first among the value a group must deliver: an operator handing
    // out a perk or re-sharing a resource delivers value (METHOD §8), not an ad.
    if v.ad && by_operator && value.is_some() {
        v.ad = false;
    }
    (v, value)
}

/// Whether a text has words enough beyond its links (`min_chars`) for a repeat of it to count as
/// an ad signal: bare links that differ only in a ticket number hash alike.
pub fn wordy(n: &Normalized, min_chars: usize) -> bool {
    let link_chars: usize =
        n.handles.iter().filter(|h| h.kind == HandleKind::Url).map(|h| h.text.chars().count()).sum();
    n.folded.chars().filter(|c| !c.is_whitespace()).count().saturating_sub(link_chars) >= min_chars
}

/// A member's name or platform id as an `@name` addressing them reads after normalisation
/// (lower-case, no spaces): what [`judge_ad`]'s `member_names` holds.
pub fn fold_name(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).flat_map(char::to_lowercase).collect()
}

/// Each member's display name and platform id, lower-case and without spaces: what an `@name`
/// addressing them would read after normalisation.
fn member_names(t: &Timeline) -> HashSet<String> {
    t.members.iter().flat_map(|m| mention_names(&m.name, m.platform_id.as_deref())).collect()
}

/// The `@name`s that address one member after normalisation: the folded name and platform id
/// ([`fold_name`]), and, for a display name of several words, its first word (Zulip writes
/// "@Esteban Küber", which reads as the handle `@esteban`) when that word is long enough to be a
/// name. The report and the live alerts both build [`judge_ad`]'s `member_names` with it.
pub fn mention_names(name: &str, platform_id: Option<&str>) -> impl Iterator<Item = String> {
    const FIRST_WORD_MIN_CHARS: usize = 3;
    let mut words = name.split_whitespace();
    let first = words.next().filter(|w| w.chars().count() >= FIRST_WORD_MIN_CHARS);
    let first_word = first.filter(|_| words.next().is_some()).map(|w| w.to_lowercase());
    std::iter::once(fold_name(name)).chain(platform_id.map(fold_name)).chain(first_word)
}

/// The text without the `@name`s that address someone rather than give a contact: a name of a
/// member of the group, or the name the message opens with ("@kumar can you call it twice?").
/// A Telegram handle is a contact in a spam set; in a group chat an `@name` is first of all a
/// mention. None when nothing was dropped.
fn drop_mentions(n: &Normalized, members: &HashSet<String>) -> Option<Normalized> {
    let opening = n.folded.trim_start();
    // Gitter's quotes glue the next word to the name ("@technokob_twitteryou can…").
    // A glued name is a prefix of five or more characters: look each prefix up rather than
    // scan every member (a group has hundreds).
    let names_member = |name: &str| {
        members.contains(name) || name.char_indices().skip(5).any(|(end, _)| members.contains(&name[..end]))
    };
    // In a group chat an `@name` addresses someone; it is a contact only when the text asks the
    // reader to reach it ("contact @x", "DM @x", "加我"). "call attention", "@rustbot claim", a
    // co-worker named in an agenda are mentions, whoever the name is.
    let asks_to_reach = || asks_to_be_contacted(&n.folded);
    let is_mention = |h: &crate::normalize::Handle| {
        h.kind == HandleKind::Telegram
            && h.text.starts_with('@')
            && (names_member(&h.text[1..]) || opening.starts_with(h.text.as_str()) || !asks_to_reach())
    };
    if !n.handles.iter().any(is_mention) {
        return None;
    }
    let mut kept = n.clone();
    kept.handles.retain(|h| !is_mention(h));
    Some(kept)
}

/// Whether a text asks the reader to get in touch: an explicit request
/// (`ads::SOLICITATION_ALONE_WORDS`: 加我, 私聊, DM me, contact me …) or a bare "contact", "dm",
/// "pm", "message", "join", "add" that a handle follows ("contact @x").
fn asks_to_be_contacted(folded: &str) -> bool {
    const BEFORE_HANDLE: &[&str] = &["contact", "dm", "pm", "message", "join", "add", "write to", "联系", "加"];
    crate::ads::SOLICITATION_ALONE_WORDS.iter().any(|w| folded.contains(w))
        || BEFORE_HANDLE
            .iter()
            .any(|w| folded.match_indices(w).any(|(i, _)| folded[i + w.len()..].trim_start().starts_with('@')))
}

/// Whether a text is pasted code, a log or a stack trace: many code symbols per character, or
/// the markers such pastes carry. Not a language detector; it only decides which ad evidence
/// counts.
pub fn looks_like_code_or_log(text: &str) -> bool {
    const MARKERS: &[&str] = &[
        "import ",
        "package ",
        "[debug]",
        "[info]",
        "[error]",
        "exception",
        "traceback",
        "</",
        "/>",
        "<?xml",
        "at org.",
        "at com.",
        "npm err",
        "```",
        "#include",
        "function(",
        "=>",
        "();",
    ];
    let lower = text.to_lowercase();
    if MARKERS.iter().any(|m| lower.contains(m)) {
        return true;
    }
    let (mut symbols, mut visible) = (0usize, 0usize);
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        visible += 1;
        if matches!(c, '{' | '}' | '[' | ']' | '(' | ')' | ';' | '<' | '>' | '=' | '\\' | '|' | '$' | '_') {
            symbols += 1;
        }
    }
    visible >= 40 && symbols * 100 >= visible * 8
}

/// Value mix as plain counts by kind name (for tables).
pub fn mix_by_name(r: &ValueReport) -> BTreeMap<&'static str, u32> {
    r.mix.iter().map(|(k, v)| (k.as_str(), *v)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use shequn_model::{MemberRole, TimelineBuilder, ValueKind};

    const PERK: &str = "群友福利：烘焙课优惠券免费领取，名额有限，私信我领取";

    #[test]
    fn code_and_logs_are_recognised_and_chat_is_not() {
        assert!(looks_like_code_or_log("package appiumBasics;import org.testng.annotations.BeforeTest;"));
        assert!(looks_like_code_or_log("[debug] [XCUITest] Xcode version set to '8.1'"));
        assert!(looks_like_code_or_log("if (x) { y(); } else { z[0] = w; } // $PATH \\ a_b_c <tag>"));
        assert!(!looks_like_code_or_log("兼职刷单日赚300元，一单一结，加微信 abc12345 详聊"));
        assert!(!looks_like_code_or_log("free crypto signals, contact @signals_vip now (limited)"));
        assert!(!looks_like_code_or_log("does anyone know why the build fails on windows?"));
    }

    #[test]
    fn a_pasted_stack_trace_is_not_an_ad_but_a_request_in_code_still_counts() {
        let mut b = TimelineBuilder::new("dev chat");
        let a = b.member("ann");
        let paste = b.message(
            0,
            a,
            "package demo;import org.testng.annotations.BeforeTest; free trial build 13912345678 @BeforeTest \
             public void setup() { driver = new AndroidDriver(); }",
        );
        let wrapped = b.message(60_000, a, "```兼职刷单日赚300元，一单一结，加微信 abc12345 详聊```");
        let t = b.build();
        let r = analyze_group(&t, &ContentSettings::default(), None, None, None);
        assert!(!r.labels[paste as usize].ad, "a code paste's handles and digits are not contact evidence");
        assert!(looks_like_code_or_log(&t.messages[wrapped as usize].text));
        assert!(r.labels[wrapped as usize].ad, "an ad wrapped in a code fence still asks to be contacted");
    }

    #[test]
    fn an_at_name_addressing_someone_is_not_a_contact_handle() {
        let mut b = TimelineBuilder::new("dev chat");
        let ann = b.member("ann_dev");
        let bob = b.member("Bob");
        // Addressing a member, or opening the message with a name: mentions.
        let to_member = b.message(0, bob, "thanks, and ask ann_dev: @ann_dev is the free tier enough? call me");
        let glued = b.message(30_000, bob, "[quote] @ann_devYou can have it for free, call me");
        let opening = b.message(60_000, ann, "@somebody_else I won't call that function twice");
        // A handle after a request to be contacted, naming nobody in the group: a contact.
        let contact = b.message(120_000, bob, "free crypto signals, contact @signals_vip now");
        let t = b.build();
        let r = analyze_group(&t, &ContentSettings::default(), None, None, None);
        let names = member_names(&t);
        let handles = |ix: MsgIx| drop_mentions(&normalize(&t.messages[ix as usize].text), &names).map(|n| n.handles);
        assert_eq!(handles(to_member), Some(vec![]));
        assert_eq!(handles(glued), Some(vec![]));
        assert_eq!(handles(opening), Some(vec![]));
        assert_eq!(handles(contact), None, "nothing dropped");
        // A name nobody in the export owns, with no request to reach it: still a mention.
        let n = normalize("I wanted to call attention to this bug, @nagisa and @rustbot claim it");
        assert_eq!(drop_mentions(&n, &names).map(|n| n.handles), Some(vec![]));
        assert!(drop_mentions(&normalize("signals daily, DM @signals_vip"), &names).is_none());
        // ("call me" after the mention is itself a request to be contacted: whether that message is
        // an ad is the model's call; the mention adds no contact evidence either way.)
        assert!(!r.labels[opening as usize].ad);
    }

    #[test]
    fn an_operators_perk_or_resource_is_value_not_an_ad() {
        let mut b = TimelineBuilder::new("烘焙交流群");
        let owner = b.member("群主");
        b.member_mut(owner).role = Some(MemberRole::Owner);
        let member = b.member("路人");
        let by_owner = b.message(0, owner, PERK);
        let by_member = b.message(60_000, member, PERK);
        // An operator's ad that is not a perk stays an ad.
        let owner_ad = b.message(120_000, owner, "兼职刷单日赚300元，一单一结，加微信 abc12345 详聊");
        // Re-sharing the same resource is not selling it (three copies by one sender: repetition).
        // A member thanks each time, so the owner is talking with people, not pushing.
        let mut shares = Vec::new();
        for k in 0..3 {
            let at = (1 + 2 * k) * 86_400_000 + k * 7_000_000;
            shares.push(b.message(at, owner, "分享一份烘焙入门的资料合集，需要的自取 https://pan.example.com/s/1aQ"));
            b.reply(at + 60_000, member, "谢谢群主", shares[k as usize]);
        }
        let t = b.build();
        let r = analyze_group(&t, &ContentSettings::default(), None, None, None);
        assert!(!r.labels[by_owner as usize].ad);
        assert_eq!(r.labels[by_owner as usize].value, Some(ValueKind::Perk));
        // The same words from a member are still judged an ad (爆粉: "free, DM me").
        assert!(r.labels[by_member as usize].ad);
        assert!(r.labels[owner_ad as usize].ad);
        for s in &shares {
            assert_eq!((r.labels[*s as usize].ad, r.labels[*s as usize].value), (false, Some(ValueKind::Resource)));
        }
        let posters: Vec<(&str, u32)> = r.ads.posters.iter().map(|p| (p.name.as_str(), p.ads)).collect();
        assert_eq!(posters, vec![("群主", 1), ("路人", 1)]);
        // The setting turns it off.
        let strict = ContentSettings {
            operator_value_is_not_ad: false,
            repetition_is_commercial: true,
            ..ContentSettings::default()
        };
        let strict = analyze_group(&t, &strict, None, None, None);
        assert!(strict.labels[by_owner as usize].ad);
        assert!(shares.iter().any(|s| strict.labels[*s as usize].ad), "the re-shares are ads without the setting");
    }
}
