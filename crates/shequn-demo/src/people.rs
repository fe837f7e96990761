//! Who is in the demo groups: a shared pool of people (the same person can be in
//! several groups, with the same platform id), the operator staff who run the
//! portfolio, and the spammers whose ads travel from group to group.

use crate::generated::{Member, Role};
use crate::phrases::{self, Lang};
use crate::plan::{mix, DemoPlatform};

/// People a portfolio draws its members from.
pub const POOL: u64 = 40_000;

/// A platform id for person number `n` in the style of the platform.
pub fn platform_id(platform: DemoPlatform, n: u64) -> (String, u64) {
    let num = 100_000_000 + mix(n, 0x1D) % 899_999_999;
    let id = match platform {
        DemoPlatform::Wechat => format!("wxid_{:x}", mix(n, 0x3C) & 0xffff_ffff_ffff),
        DemoPlatform::Qq => num.to_string(),
        DemoPlatform::Wecom => format!("wm{:x}", mix(n, 0x4E) & 0xff_ffff_ffff),
        DemoPlatform::Telegram | DemoPlatform::Whatsapp => num.to_string(),
        DemoPlatform::Discord => (700_000_000_000_000_000 + mix(n, 0x5F) % 99_999_999_999_999_999).to_string(),
        DemoPlatform::Slack => format!("U{:08X}", mix(n, 0x6A) & 0xffff_ffff),
    };
    (id, num)
}

/// A display name for person number `n`.
pub fn person_name(lang: Lang, n: u64) -> String {
    let h = mix(n, 0x77);
    match lang {
        Lang::Zh => match h % 10 {
            0..=5 => format!(
                "{}{}",
                phrases::ZH_SURNAMES[(h >> 8) as usize % phrases::ZH_SURNAMES.len()],
                phrases::ZH_GIVEN[(h >> 16) as usize % phrases::ZH_GIVEN.len()]
            ),
            6..=8 => phrases::ZH_NICKS[(h >> 8) as usize % phrases::ZH_NICKS.len()].to_string(),
            _ => format!(
                "{}-{}",
                phrases::ZH_NICKS[(h >> 8) as usize % phrases::ZH_NICKS.len()],
                ["深圳", "北京", "杭州", "成都", "上海", "武汉"][(h >> 20) as usize % 6]
            ),
        },
        Lang::En => match h % 4 {
            0 | 1 => format!(
                "{} {}",
                phrases::EN_FIRST[(h >> 8) as usize % phrases::EN_FIRST.len()],
                phrases::EN_LAST[(h >> 16) as usize % phrases::EN_LAST.len()]
            ),
            2 => phrases::EN_FIRST[(h >> 8) as usize % phrases::EN_FIRST.len()].to_string(),
            _ => format!(
                "{}{}",
                phrases::EN_FIRST[(h >> 8) as usize % phrases::EN_FIRST.len()].to_lowercase(),
                (h >> 24) % 100
            ),
        },
    }
}

pub fn member(platform: DemoPlatform, lang: Lang, n: u64, role: Role) -> Member {
    let (id, num) = platform_id(platform, n);
    Member { id, num, name: person_name(lang, n), role, bot: false }
}

/// The portfolio's operator staff: the same accounts run many groups.
pub fn operator(platform: DemoPlatform, lang: Lang, k: u64, role: Role) -> Member {
    let n = POOL + k;
    let (id, num) = platform_id(platform, n);
    let name = match lang {
        Lang::Zh => format!(
            "{}{}",
            ["小助手-", "运营-", "群主", "班长-", "客服-"][k as usize % 5],
            phrases::ZH_NICKS[(k as usize * 7) % phrases::ZH_NICKS.len()]
        ),
        Lang::En => format!("{} (mod)", phrases::EN_FIRST[(k as usize * 7) % phrases::EN_FIRST.len()]),
    };
    Member { id, num, name, role, bot: false }
}

/// The account that pushes a broadcast: a flagged bot where the platform flags bots,
/// else an admin account.
pub fn pusher(platform: DemoPlatform, lang: Lang, k: u64) -> Member {
    let n = POOL + 100 + k;
    let (id, num) = platform_id(platform, n);
    let flagged = platform.flags_bots();
    let name = match (lang, flagged) {
        (Lang::Zh, true) => "每日推送Bot".to_string(),
        (Lang::Zh, false) => format!("{}推送助手", ["官方", "运营", "课程"][k as usize % 3]),
        (Lang::En, true) => "DailyDigestBot".to_string(),
        (Lang::En, false) => "Announcements".to_string(),
    };
    Member { id, num, name, role: if flagged { Role::Member } else { Role::Admin }, bot: flagged }
}

/// Spammers: each runs one ad campaign, posted near-identically in several groups.
pub const SPAMMERS: u64 = 4;

pub struct Spammer {
    pub member: Member,
    /// The campaign's template (with `{c}` for the contact handle).
    pub template: &'static str,
    pub contact: String,
}

pub fn spammer(platform: DemoPlatform, lang: Lang, s: u64) -> Spammer {
    let n = POOL + 200 + s;
    let (id, num) = platform_id(platform, n);
    let (template, contact, name) = match lang {
        Lang::Zh => {
            let t = phrases::ZH_ADS[s as usize % phrases::ZH_ADS.len()];
            let contact = if t.contains("QQ") {
                format!("{}", 20_000_000 + mix(s, 1) % 900_000_000)
            } else {
                format!("xy{}{}", 66 + s, ["a", "b", "vip", "888"][s as usize % 4])
            };
            let name =
                ["兼职招聘小王", "福利官", "会员小铺", "财富导师", "瘦身顾问", "招聘-李姐", "优惠券分享", "好物推荐"]
                    [s as usize % 8]
                    .to_string();
            (t, contact, name)
        }
        Lang::En => {
            let t = phrases::EN_ADS[s as usize % phrases::EN_ADS.len()];
            let contact = ["cashflow_now", "signals_vip", "growfast_bot", "easy_money24"][s as usize % 4].to_string();
            let name = ["Jessica", "Crypto King", "Promo Team", "Anna Rich"][s as usize % 4].to_string();
            (t, contact, name)
        }
    };
    Spammer { member: Member { id, num, name, role: Role::Member, bot: false }, template, contact }
}
