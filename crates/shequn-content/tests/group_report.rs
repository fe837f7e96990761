//! A constructed portfolio: a spammer posting the same ad in two groups, a
//! policy window, a push bot, value and emotion, through `analyze_group`.

use shequn_content::policy::AdPolicy;
use shequn_content::{analyze_group, repetition, ContentSettings, RepetitionSettings};
use shequn_model::{TimelineBuilder, ValueKind};

const MIN: i64 = 60_000;
const DAY: i64 = 86_400_000;
// 2024-01-01 00:00 UTC (a Monday).
const MON: i64 = 1_704_067_200_000;

#[test]
fn portfolio_ads_policy_pushes_value_and_labels() {
    let ad = "兼职刷单日赚300元，一单一结，加微信 abc12345 详聊";
    let mut a = TimelineBuilder::new("产品交流群");
    let ann = a.member("Ann");
    let bob = a.member("Bob");
    let spam = a.member("小广告");
    let bot = a.member("早报");
    for d in 0..6 {
        a.message(
            MON + d * DAY + 8 * 60 * MIN,
            bot,
            &format!("【每日早报】第{d}期 今日要闻 https://news.example.com/{d}"),
        );
        if d == 0 {
            a.message(MON + 10 * 60 * MIN, ann, "本周六下午3点线下沙龙，欢迎报名参加");
            a.message(MON + 11 * 60 * MIN, bob, "哈哈好的，我觉得这个主题很有意思");
        }
    }
    // Monday 12:00 UTC: outside the Friday window.
    let ad_ix = a.message(MON + 6 * DAY + 12 * 60 * MIN, spam, ad);
    let mut b = TimelineBuilder::new("另一个群");
    let s2 = b.member("小广告");
    let c = b.member("Cat");
    b.message(MON, c, "大家好");
    b.message(MON + MIN, s2, ad);
    let (a, b) = (a.build(), b.build());
    let rep = repetition(&[&a, &b], &RepetitionSettings::default());
    let cross: Vec<_> = rep.clusters.iter().filter(|c| c.groups.len() == 2).collect();
    assert_eq!(cross.len(), 1, "only the ad repeats across the two groups");
    assert_eq!(cross[0].example.text, ad);
    // The bot's digests differ in their numbers, more than SimHash's 3 bits: not one cluster.
    assert_eq!(rep.clusters.len(), 1);
    let policy =
        AdPolicy::from_toml("[[windows]]\nweekday = \"fri\"\nstart = \"20:00\"\nend = \"22:00\"\n", "p.toml").unwrap();
    let r = analyze_group(&a, &ContentSettings::default(), Some(&policy), Some((&rep, 0)), None);
    assert!(r.labels[ad_ix as usize].ad);
    assert_eq!(r.ads.posters[0].name, "小广告");
    let violations = &r.policy.as_ref().unwrap().violations;
    assert!(violations.iter().any(|v| v.sender == "小广告"));
    assert!(r.push.pushers.iter().any(|p| p.name == "早报"));
    assert!(r.labels[0].push && !r.labels[0].ad);
    assert_eq!(r.labels[1].value, Some(ValueKind::Event));
    assert!(r.labels[2].emotional);
    assert!(r.emotion.share > 0.0);
    let json = serde_json::to_string(&r).unwrap();
    assert!(json.contains("\"violations\""));
}
