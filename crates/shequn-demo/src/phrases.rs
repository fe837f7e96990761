//! The phrase bank messages are written from, in Chinese and English.
//!
//! Templates carry slots: `{t}` a topic word of the group's theme, `{n}` a number,
//! `{d}` a day word, `{u}` a link. Categories follow what METHOD.md looks for
//! (bids, answers, casual/emotional chat, value posts, disagreement, joint action).

/// A group's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    pub fn as_str(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }
}

/// What a message is meant to be; the truth is written from these intents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    Greeting,
    Question,
    Answer,
    Chat,
    Emotional,
    Resource,
    Info,
    Event,
    Perk,
    Disagree,
    Collab,
    Newcomer,
    Thanks,
    Reaction,
}

/// A theme gives a group its name and its topic words.
pub struct Theme {
    pub name: &'static str,
    pub topics: &'static [&'static str],
}

pub const ZH_THEMES: &[Theme] = &[
    Theme {
        name: "读书会",
        topics: &["这本书", "第三章", "作者的观点", "书单", "读书笔记", "《人类简史》", "《置身事内》"],
    },
    Theme { name: "跑步打卡", topics: &["配速", "半马", "跑鞋", "膝盖", "晨跑", "间歇跑", "心率"] },
    Theme {
        name: "宝妈交流", topics: &["辅食", "疫苗", "早教", "奶粉", "睡眠训练", "幼儿园", "绘本"]
    },
    Theme {
        name: "考研互助", topics: &["数学一", "英语二", "政治", "专业课", "复试", "真题", "调剂"]
    },
    Theme {
        name: "Rust中文", topics: &["生命周期", "tokio", "借用检查", "宏", "async", "cargo", "所有权"]
    },
    Theme { name: "摄影爱好者", topics: &["光圈", "镜头", "后期", "构图", "扫街", "胶片", "调色"] },
    Theme {
        name: "理财学习", topics: &["基金定投", "指数", "保险", "记账", "复利", "债券", "资产配置"]
    },
    Theme {
        name: "露营户外", topics: &["帐篷", "营地", "天幕", "徒步路线", "睡袋", "炉具", "装备清单"]
    },
    Theme { name: "英语角", topics: &["口语", "雅思", "听力", "单词", "美剧", "发音", "写作"] },
    Theme {
        name: "独立开发者", topics: &["上架", "定价", "小程序", "服务器", "获客", "SaaS", "副业"]
    },
    Theme { name: "职场成长", topics: &["跳槽", "面试", "简历", "汇报", "绩效", "加薪", "带团队"] },
    Theme {
        name: "烘焙小分队", topics: &["戚风", "面包机", "黄油", "烤箱", "配方", "发酵", "奶油"]
    },
    Theme {
        name: "AI应用交流", topics: &["大模型", "提示词", "RAG", "智能体", "微调", "向量库", "推理成本"]
    },
    Theme {
        name: "同城羽毛球", topics: &["球馆", "拍子", "双打", "周末场", "报名", "羽毛球", "步法"]
    },
];

pub const EN_THEMES: &[Theme] = &[
    Theme { name: "Book Club", topics: &["this book", "chapter three", "the ending", "the reading list", "my notes"] },
    Theme { name: "Rustaceans", topics: &["lifetimes", "tokio", "the borrow checker", "macros", "async", "cargo"] },
    Theme { name: "Indie Hackers", topics: &["pricing", "the landing page", "SEO", "churn", "the launch", "Stripe"] },
    Theme { name: "Photo Walks", topics: &["the 35mm lens", "editing", "composition", "film", "the golden hour"] },
    Theme { name: "Running Crew", topics: &["pace", "the half marathon", "shoes", "intervals", "recovery"] },
    Theme { name: "ML Reading Group", topics: &["the paper", "attention", "evals", "fine-tuning", "the benchmark"] },
    Theme { name: "Remote Workers", topics: &["time zones", "standups", "the home office", "async work", "burnout"] },
    Theme { name: "Board Games", topics: &["the expansion", "game night", "the rules", "Catan", "co-op games"] },
];

pub const ZH_GROUP_SUFFIXES: &[&str] =
    &["交流群", "1群", "2群", "3群", "核心群", "打卡群", "福利群", "互助群", "学习群", "官方群", "VIP群", "闲聊群"];
pub const EN_GROUP_SUFFIXES: &[&str] = &["", " Chat", " Community", " HQ", " Lounge", " #2", " Circle"];

pub const ZH_SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "林", "罗",
    "高",
];
pub const ZH_GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "磊", "洋", "艳", "勇", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平", "刚",
    "桂英", "晓东", "子涵", "浩然", "欣怡", "梓萱", "一诺", "宇轩", "思远", "雨桐", "俊杰", "佳琪",
];
pub const ZH_NICKS: &[&str] = &[
    "小鱼儿",
    "阿杰",
    "大橙子",
    "木子",
    "晴天",
    "追风少年",
    "奶茶不加糖",
    "Lucky",
    "老周",
    "Coco",
    "星星",
    "阿花",
    "Jason",
    "小麦",
    "熊猫先生",
    "柠檬",
    "七七",
    "Amy",
    "阿飞",
    "山风",
];
pub const EN_FIRST: &[&str] = &[
    "Alex", "Sam", "Jordan", "Taylor", "Chris", "Maria", "Priya", "Tom", "Lena", "Omar", "Yuki", "Ben", "Nina", "Leo",
    "Grace", "Ivan", "Sofia", "Dan", "Mei", "Ravi",
];
pub const EN_LAST: &[&str] = &["Smith", "Chen", "Garcia", "Kim", "Novak", "Patel", "Brown", "Silva", "Ito", "Khan"];

pub const ZH_EMOJI: &[&str] = &["😂", "👍", "🤣", "😄", "[呲牙]", "[捂脸]", "[强]", "🙏", "😭", "[偷笑]", "🎉", "❤️"];
pub const EN_EMOJI: &[&str] = &["😂", "👍", "🙌", "😅", "🎉", "🔥", "❤️", "🙏", "lol", "haha"];

pub fn bank(lang: Lang, intent: Intent) -> &'static [&'static str] {
    match (lang, intent) {
        (Lang::Zh, Intent::Greeting) => &[
            "早上好各位",
            "大家早",
            "晚上好～",
            "周一愉快，大家加油",
            "早安，今天也要元气满满",
            "hello 大家好",
            "好久没冒泡了，大家最近怎么样",
            "早！今天天气不错",
        ],
        (Lang::Zh, Intent::Question) => &[
            "请问{t}大家一般怎么选？",
            "有没有人用过{t}？靠谱吗",
            "{t}这块怎么入门比较好？",
            "想问下{t}有推荐的资料吗？",
            "{t}是不是要提前准备？",
            "有人知道{t}怎么处理吗？急",
            "新手求问，{t}要注意什么？",
            "{t}和之前的有什么区别吗？",
            "请问{d}的活动还能报名吗？",
            "谁能解释一下{t}？看了半天没懂",
            "{t}多少钱合适？",
            "大家{t}一般花多长时间？",
        ],
        (Lang::Zh, Intent::Answer) => &[
            "我用过，{t}还不错，关键看需求",
            "可以先从{t}开始，别一上来就搞太难的",
            "这个我知道，{t}要先看官方说明",
            "我之前也遇到过，后来换了个思路就好了",
            "建议多看看群文件里的资料，{t}讲得很清楚",
            "不用提前，到时候再弄也来得及",
            "{t}的话大概{n}天就能上手",
            "我一般是先做笔记再对照{t}",
            "私下试过，效果一般，不太推荐",
            "你可以看下我昨天发的那个，{t}写得挺细",
        ],
        (Lang::Zh, Intent::Chat) => &[
            "今天{t}又搞了一下午",
            "刚下班，累死了",
            "周末有人出去玩吗",
            "我也是这么想的",
            "楼上说得对",
            "这个好厉害",
            "最近在研究{t}",
            "午饭吃啥好",
            "昨天那个事后来怎么样了",
            "{t}真的是越看越有意思",
            "晚安各位",
            "有道理",
        ],
        (Lang::Zh, Intent::Emotional) => &[
            "哈哈哈哈哈笑死我了",
            "太开心了！{t}终于搞定了",
            "唉，今天心情有点低落",
            "哈哈哈哈这也太真实了",
            "感动，这个群的人都好好",
            "我真的会谢，又踩坑了😭",
            "好羡慕你们",
            "哈哈哈我也是我也是",
            "呜呜呜终于考过了",
            "说出来你们可能不信，我今天{t}第一次成功",
            "这个表情包我收了哈哈",
            "爱了爱了",
        ],
        (Lang::Zh, Intent::Resource) => &[
            "分享一份{t}的资料合集，需要的自取 {u}",
            "整理了{t}的笔记，放群文件了",
            "推荐一个讲{t}的视频，讲得很透 {u}",
            "给大家一个{t}的模板，直接能用",
            "这是我收藏的{t}清单，共{n}个",
        ],
        (Lang::Zh, Intent::Info) => &[
            "通知：{t}的规则{d}起有调整，大家留意",
            "最新消息，{t}{d}开放了",
            "提醒一下，{t}截止到{d}",
            "刚看到的消息：{t}要涨价了",
            "官方发布了{t}的新说明 {u}",
        ],
        (Lang::Zh, Intent::Event) => &[
            "{d}晚上八点线上分享{t}，欢迎参加",
            "{d}线下聚会，一起聊{t}，报名接龙",
            "本周{t}打卡活动开始啦，坚持{n}天有奖",
            "{d}有个{t}的直播，感兴趣的可以看",
            "组织一次{t}交流会，时间定在{d}",
        ],
        (Lang::Zh, Intent::Perk) => &[
            "群福利：{t}优惠券{n}张，先到先得",
            "给群友争取到了{t}的内部折扣",
            "今晚抽{n}位送{t}，群友专属",
            "群友福利，{t}免费领取，私信我",
            "本群专属：{t}八折",
        ],
        (Lang::Zh, Intent::Disagree) => &[
            "但是我觉得{t}不一定适合所有人",
            "不过这个说法我不太同意",
            "未必吧，{t}其实没那么简单",
            "我不同意，{t}关键不在这",
            "有道理，但是成本太高了",
            "不过我自己试下来不是这样的",
            "这个我持保留意见，{t}风险不小",
        ],
        (Lang::Zh, Intent::Collab) => &[
            "要不我们一起做个{t}的项目？",
            "我拉个做{t}的朋友进来，他比较懂",
            "组队吗？{d}一起搞{t}",
            "我们分工吧，我负责{t}",
            "可以合作，{t}这块我来对接",
            "大家一起整理个{t}共享文档吧",
        ],
        (Lang::Zh, Intent::Newcomer) => &[
            "大家好，我是新来的，请多关照",
            "新人报到，想学习{t}",
            "hello，刚进群，请问这里平时聊什么？",
            "大家好，朋友推荐进来的，对{t}很感兴趣",
            "新人求带，{t}零基础",
        ],
        (Lang::Zh, Intent::Thanks) => {
            &["谢谢！", "感谢大佬", "收到，谢谢", "太有用了，谢谢分享", "好的明白了", "学到了🙏"]
        }
        (Lang::Zh, Intent::Reaction) => {
            &["哈哈哈", "👍", "+1", "同问", "厉害", "[强]", "是的", "赞", "收到", "哈哈哈哈"]
        }
        (Lang::En, Intent::Greeting) => {
            &["morning all", "hey everyone", "good evening folks", "happy Monday!", "hi all, long time no see", "gm"]
        }
        (Lang::En, Intent::Question) => &[
            "has anyone tried {t}?",
            "how do you usually handle {t}?",
            "any good resources on {t}?",
            "quick question: is {t} worth it?",
            "why does {t} keep failing for me?",
            "is the meetup on {d} still on?",
            "what's the best way to get started with {t}?",
            "can someone explain {t}? I'm lost",
        ],
        (Lang::En, Intent::Answer) => &[
            "I used {t} for a while, it's fine if you keep it simple",
            "start with {t}, the docs are decent",
            "had the same problem, restarting fixed it",
            "check the pinned post, it covers {t}",
            "took me about {n} days to get comfortable with {t}",
            "not worth it imo, try the other one first",
        ],
        (Lang::En, Intent::Chat) => &[
            "just spent the afternoon on {t}",
            "anyone around this weekend?",
            "same here",
            "good point",
            "that's wild",
            "been reading about {t} lately",
            "what's everyone up to?",
            "night all",
        ],
        (Lang::En, Intent::Emotional) => &[
            "haha this is so true",
            "so happy, {t} finally works!",
            "rough day today tbh",
            "lol I feel seen",
            "you all are the best ❤️",
            "I can't stop laughing 😂",
            "finally passed!! 🎉",
        ],
        (Lang::En, Intent::Resource) => &[
            "sharing my notes on {t}: {u}",
            "here's a great talk on {t} {u}",
            "made a template for {t}, feel free to use it",
            "collected {n} links about {t} in one doc",
        ],
        (Lang::En, Intent::Info) => &[
            "heads up: {t} changes on {d}",
            "news: {t} is now open",
            "reminder, {t} deadline is {d}",
            "official update on {t}: {u}",
        ],
        (Lang::En, Intent::Event) => &[
            "online session on {t} on {d} at 8pm, join us!",
            "meetup on {d}, let's talk {t}",
            "{n}-day {t} challenge starts now",
        ],
        (Lang::En, Intent::Perk) => &[
            "members perk: {n} free passes for {t}",
            "got us a discount on {t}, DM me",
            "giveaway: {t} for {n} of you",
        ],
        (Lang::En, Intent::Disagree) => &[
            "I disagree, {t} isn't the issue",
            "but that doesn't work for everyone",
            "however, {t} has real costs",
            "not sure about that, {t} worked fine for me",
            "I see it differently, but fair point",
        ],
        (Lang::En, Intent::Collab) => &[
            "should we build a {t} project together?",
            "let me bring in a friend who knows {t}",
            "who wants to team up on {t}?",
            "let's split it: I'll take {t}",
            "let's start a shared doc on {t}",
        ],
        (Lang::En, Intent::Newcomer) => &[
            "hi everyone, new here!",
            "hello, just joined, interested in {t}",
            "hey, a friend sent me here, what do you usually talk about?",
        ],
        (Lang::En, Intent::Thanks) => &["thanks!", "thank you, super helpful", "got it, thanks", "appreciate it 🙏"],
        (Lang::En, Intent::Reaction) => &["lol", "👍", "+1", "same", "nice", "haha", "agreed", "wow"],
    }
}

pub const ZH_DAYS: &[&str] = &["周五", "周六", "周日", "下周三", "月底", "明天", "本周末", "15号"];
pub const EN_DAYS: &[&str] = &["Friday", "Saturday", "next Wednesday", "the 15th", "tomorrow", "end of month"];
pub const LINKS: &[&str] = &[
    "https://mp.weixin.qq.com/s/x8Kd2",
    "https://pan.baidu.com/s/1aQ",
    "https://github.com/awesome/list",
    "https://www.bilibili.com/video/BV1x",
    "https://docs.example.org/guide",
    "https://zhuanlan.zhihu.com/p/61",
];

/// Mechanical pushes: a daily template, sent at the same clock time.
pub const ZH_PUSH: &[&str] = &[
    "【每日早报】{date}｜今日{t}资讯汇总，点击查看 {u}",
    "【今日打卡提醒】{date} 记得完成今天的{t}任务哦～ {u}",
    "【福利推送】{date} 限时{t}特惠，详情见链接 {u}",
    "【课程通知】{date} 今晚{t}直播课，入口 {u}",
];
pub const EN_PUSH: &[&str] =
    &["[Daily digest] {date}: today's {t} news {u}", "[Reminder] {date}: don't forget today's {t} task {u}"];

/// Ad campaigns posted (near-)identically across groups: contact solicitation and promotion.
pub const ZH_ADS: &[&str] = &[
    "兼职刷单，日赚300-500，在家就能做，有意者加微信{c}",
    "【招代理】零投资高返利，宝妈学生都可以做，vx：{c}",
    "低价出售各类会员账号，需要的私聊，QQ号{c}",
    "内部渠道，股票推荐稳赚不赔，扫码进群或加v {c}",
    "减肥茶厂家直销，7天瘦10斤，优惠价咨询微信 {c}",
    "兼职打字员，手机操作，日结，联系QQ {c}",
];
pub const EN_ADS: &[&str] = &[
    "Earn $500/day from home!! DM me or join t.me/{c}",
    "Crypto signals 100% accurate, join t.me/{c} now",
    "Cheap followers and likes, contact t.me/{c}",
];
/// Ads members post under a group's ad policy (legitimate when inside the rules).
pub const ZH_MEMBER_ADS: &[&str] = &[
    "自家果园{t}上市了，群友价优惠，需要的私聊我",
    "我在做{t}代购，有需要的加我微信",
    "接{t}相关的私活，价格好商量，联系我",
    "小店开业，{t}全场八折，链接 {u}",
];
pub const EN_MEMBER_ADS: &[&str] =
    &["I'm selling {t} at a discount, DM me", "shameless plug: my {t} shop, 20% off {u}"];

/// Fills `{t}`, `{n}`, `{d}`, `{u}` in a template.
pub fn fill(template: &str, lang: Lang, topic: &str, rng: &mut fastrand::Rng) -> String {
    let mut out = String::with_capacity(template.len() + 16);
    let mut rest = template;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let slot = after.get(..3).unwrap_or("");
        match slot {
            "{t}" => out.push_str(topic),
            "{n}" => out.push_str(&rng.u32(2..30).to_string()),
            "{d}" => {
                let day: &&str = pick(rng, if lang == Lang::Zh { ZH_DAYS } else { EN_DAYS });
                out.push_str(day)
            }
            "{u}" => {
                let link: &&str = pick(rng, LINKS);
                out.push_str(link)
            }
            _ => {
                out.push('{');
                rest = &after[1..];
                continue;
            }
        }
        rest = &after[3..];
    }
    out.push_str(rest);
    out
}

pub fn pick<'a, T>(rng: &mut fastrand::Rng, items: &'a [T]) -> &'a T {
    &items[rng.usize(..items.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fill_replaces_every_slot() {
        let mut rng = fastrand::Rng::with_seed(1);
        let s = fill("{t} on {d}: {n} links {u} {x}", Lang::En, "tokio", &mut rng);
        assert!(s.starts_with("tokio on "), "{s}");
        assert!(!s.contains("{t}") && !s.contains("{d}") && !s.contains("{n}") && !s.contains("{u}"), "{s}");
        assert!(s.ends_with("{x}"), "unknown slots stay as written: {s}");
    }
}
