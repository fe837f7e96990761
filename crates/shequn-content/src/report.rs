//! One group's content report (METHOD §7–§9) and the per-message labels the
//! diagnosis consumes.

use std::collections::{BTreeMap, HashMap, HashSet};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use shequn_model::{ContentLabel, Example, MemberIx, MessageKind, MsgIx, Timeline};

use crate::ads::{classify_with, AdContext, AdFeature, AdFeatureKind, AdSettings, AdVerdict};
use crate::emotion::is_emotional;
use crate::model::LinearModel;
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
    let model = LinearModel::shipped();
    let ad_settings =
        AdSettings { threshold: settings.ads.threshold + settings.chat_prior_log_odds, ..settings.ads.clone() };
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
    let judged: Vec<Judged> = (0..t.messages.len())
        .into_par_iter()
        .with_min_len(PER_MESSAGE_CHUNK)
        .map(|i| {
            let m = &t.messages[i];
            let n = &normalized[i];
            let is_human = !t.sender(m).is_bot && !push.is_push[i];
            let emotional = is_human && is_emotional(m, n);
            // A push is reported as a push (its own killer in METHOD §7), not also as an ad.
            if push.is_push[i] || !matches!(m.kind, MessageKind::Text | MessageKind::Link) || m.text.trim().is_empty() {
                return Judged { is_human, emotional, text: false, verdict: None, value: None };
            }
            // Repetition is an ad signal across groups, or when senders repeat themselves; the
            // same line from many members of one group is 接龙, a greeting, a catchphrase.
            // Bare links that differ only in a ticket number hash alike; they are not a repeated text.
            let link_chars: usize =
                n.handles.iter().filter(|h| h.kind == HandleKind::Url).map(|h| h.text.chars().count()).sum();
            let wordy = n.folded.chars().filter(|c| !c.is_whitespace()).count().saturating_sub(link_chars)
                >= settings.repetition.min_chars;
            let (repeated, repeated_groups) = rep
                .cluster_of(g, i as MsgIx)
                .filter(|c| wordy && (c.groups.len() >= 2 || c.copies >= 2 * c.senders))
                .map_or((0, 0), |c| (c.copies.saturating_sub(1), c.groups.len() as u32));
            let ctx = AdContext { first_message: first_message[i], repeated, repeated_groups };
            let mut v = classify_with(model, n, ctx, &ad_settings);
            let commercial = v.features.iter().any(|f| {
                matches!(
                    f.kind,
                    AdFeatureKind::Contact
                        | AdFeatureKind::Solicitation
                        | AdFeatureKind::Promotion
                        | AdFeatureKind::Money
                        | AdFeatureKind::Repetition
                )
            });
            if v.ad && !commercial && v.score <= ad_settings.threshold + settings.model_only_margin {
                v.ad = false;
            }
            let value = if v.ad { None } else { classify_normalized(n, &settings.value) };
            Judged { is_human, emotional, text: true, verdict: Some(v), value }
        })
        .collect();
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

/// Value mix as plain counts by kind name (for tables).
pub fn mix_by_name(r: &ValueReport) -> BTreeMap<&'static str, u32> {
    r.mix.iter().map(|(k, v)| (k.as_str(), *v)).collect()
}
