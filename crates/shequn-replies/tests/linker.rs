//! Reply linking on hand-built timelines.

use shequn_model::{LinkSource, TimelineBuilder};
use shequn_replies::{link, ReplySettings, Weights};

const MIN: i64 = 60_000;

#[test]
fn addressee_prefix_links_to_that_nicks_latest_message() {
    let mut b = TimelineBuilder::new("irc");
    let ann = b.member("ann");
    let bob = b.member("bob");
    let cat = b.member("cat");
    let eve = b.member("eve");
    b.message(0, ann, "anyone using the new kernel");
    b.message(MIN, bob, "the old one boots fine here");
    b.message(2 * MIN, cat, "my wifi card stopped working after the upgrade");
    let bobs_latest = b.message(3 * MIN, bob, "try booting with nomodeset");
    b.message(4 * MIN, ann, "cat: which chipset is it?");
    let q = b.message(5 * MIN, eve, "bob: nomodeset made no difference for me");
    let t = b.build();
    let links = link(&t, &ReplySettings::default(), &Weights::builtin());
    assert_eq!(links.len(), t.messages.len());
    assert_eq!(links[q as usize].parent, Some(bobs_latest));
    assert_eq!(links[q as usize].source, LinkSource::Mention);
    // ann addressed cat, so her question answers cat's message, not the one just before it.
    assert_eq!(links[4].parent, Some(2));
}

#[test]
fn chinese_reply_prefix_and_at_mention_link_to_the_named_member() {
    let mut b = TimelineBuilder::new("wechat");
    let zhang = b.member("张三");
    let li = b.member("李四");
    let wang = b.member("王五");
    let z = b.message(0, zhang, "数据库连接池怎么配置？");
    b.message(MIN, li, "今天下午开会");
    b.message(2 * MIN, li, "记得带电脑");
    let r = b.message(3 * MIN, wang, "回复 张三：连接池在配置文件里改");
    let l = b.message(4 * MIN, wang, "@李四 几点开会");
    let t = b.build();
    let links = link(&t, &ReplySettings::default(), &Weights::builtin());
    assert_eq!(links[r as usize].parent, Some(z));
    assert_eq!(links[r as usize].source, LinkSource::Mention);
    // Either of 李四's messages, never 张三's or 王五's own.
    let parent = links[l as usize].parent.expect("@李四 links to 李四");
    assert_eq!(t.messages[parent as usize].sender, li);
    assert_eq!(links[l as usize].source, shequn_model::LinkSource::Mention);
}

#[test]
fn explicit_link_beats_inferred_one() {
    let mut b = TimelineBuilder::new("telegram");
    let ann = b.member("ann");
    let bob = b.member("bob");
    let cat = b.member("cat");
    let old = b.message(0, ann, "does the bot support webhooks?");
    b.message(MIN, cat, "lunch anyone");
    // The text names cat, but the platform says it answers ann's old question.
    let r = b.reply(2 * MIN, bob, "cat: yes, since version 2", old);
    let t = b.build();
    let links = link(&t, &ReplySettings::default(), &Weights::builtin());
    assert_eq!(links[r as usize].parent, Some(old));
    assert_eq!(links[r as usize].source, LinkSource::Explicit);
    assert_eq!(links[r as usize].confidence, 1.0);
    // Hidden from the linker, the same message follows its text instead.
    let hidden = ReplySettings { use_explicit: false, ..ReplySettings::default() };
    let links = link(&t, &hidden, &Weights::builtin());
    assert_eq!(links[r as usize].parent, Some(1));
    assert_ne!(links[r as usize].source, LinkSource::Explicit);
}

#[test]
fn a_message_after_a_long_silence_starts_a_conversation() {
    let mut b = TimelineBuilder::new("g");
    let ann = b.member("ann");
    let bob = b.member("bob");
    b.message(0, ann, "good night all");
    let s = b.message(3 * 3600 * 1000, bob, "morning! has anyone tried the beta?");
    let t = b.build();
    let links = link(&t, &ReplySettings::default(), &Weights::builtin());
    assert_eq!(links[0].parent, None);
    assert_eq!(links[s as usize].parent, None);
    assert!(links[s as usize].confidence > 0.5);
}
