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

/// Links of a timeline with the builtin weights and default settings.
fn default_links(t: &shequn_model::Timeline) -> Vec<shequn_model::Link> {
    link(t, &ReplySettings::default(), &Weights::builtin())
}

#[test]
fn at_mention_inside_the_text_links_to_the_named_member() {
    // Hand check, pattern B: "sure @alice …" ten minutes later with talk in between was left unlinked.
    let mut b = TimelineBuilder::new("gitter");
    let alice = b.member("alice");
    let bob = b.member("bob");
    let cat = b.member("cat");
    let dan = b.member("dan");
    let q = b.message(0, alice, "how do I mount a volume in compose?");
    b.message(4 * MIN, cat, "anyone tried the new swarm mode yet");
    b.message(6 * MIN, dan, "cat: yes, works fine for me on three nodes");
    let a = b.message(10 * MIN, bob, "sure @alice use the volumes key in the service");
    let e = b.message(11 * MIN, dan, "the docs are at docs.example and quite good, @cat");
    let t = b.build();
    let links = default_links(&t);
    assert_eq!(links[a as usize].parent, Some(q));
    assert_eq!(links[a as usize].source, LinkSource::Mention);
    let p = links[e as usize].parent.expect("the trailing @cat links");
    assert_eq!(t.messages[p as usize].sender, cat);
}

#[test]
fn glued_gitter_mentions_name_the_longest_known_nick() {
    // The Gitter export lost the spaces around rendered mentions: "Thanks@Asimk21", "@joeweldsAre".
    let mut b = TimelineBuilder::new("gitter");
    let joe = b.member("joe");
    let joewelds = b.member("joewelds");
    let asim = b.member("Asimk21");
    let deepak = b.member("deepakchoudhury");
    let mad = b.member("MadLittleMods");
    let q = b.message(0, joewelds, "can anyone tell me how to get out of a never ending loop with windows Gitter?");
    for k in 1..6 {
        b.message(k * MIN, joe, &format!("unrelated chatter number {k} about the weather today"));
    }
    let r = b.message(7 * 60 * MIN, mad, "https://gitlab.com/issue/1 @joeweldsAre you behind a proxy/vpn?");
    let tip = b.message(8 * 60 * MIN, asim, "Yes, it is possible with the uiautomator selector");
    b.message(8 * 60 * MIN + MIN, joe, "lunch time for me, see you all later friends");
    let thanks = b.message(8 * 60 * MIN + 2 * MIN, deepak, "Thanks@Asimk21 that solved my problem completely");
    let t = b.build();
    let links = default_links(&t);
    assert_eq!(links[r as usize].parent, Some(q), "@joeweldsAre names joewelds, not joe");
    assert_eq!(links[r as usize].source, LinkSource::Mention);
    assert_eq!(links[thanks as usize].parent, Some(tip));
    assert_eq!(links[thanks as usize].source, LinkSource::Mention);
}

#[test]
fn addressed_answer_reaches_beyond_the_window() {
    // Hand check, pattern D: "moringaman: you can run them directly…" came 89 messages later.
    let mut b = TimelineBuilder::new("gitter");
    let asker = b.member("moringaman");
    let helper = b.member("helper");
    let others: Vec<_> = (0..4).map(|k| b.member(&format!("talker{k}"))).collect();
    let q = b.message(0, asker, "how do I run the compose services without docker-machine?");
    for k in 0..60 {
        // A busy room: pairs talking to each other, and one more question just before the answer.
        let to = format!("talker{}", (k + 1) % 4);
        b.message((k + 1) * MIN, others[k as usize % 4], &format!("{to}: busy room message {k} on compose"));
    }
    b.message(3 * 60 * MIN - MIN, others[0], "how do I run compose services on windows?");
    let a = b.message(3 * 60 * MIN, helper, "moringaman: you can run them directly with docker compose up");
    let t = b.build();
    let links = default_links(&t);
    assert_eq!(links[a as usize].parent, Some(q));
    assert_eq!(links[a as usize].source, LinkSource::Mention);
    // Not beyond a day.
    let mut b = TimelineBuilder::new("gitter");
    let asker = b.member("moringaman");
    let helper = b.member("helper");
    let other = b.member("talker");
    b.message(0, asker, "how do I run the compose services without docker-machine?");
    for k in 0..30 {
        b.message((k + 1) * MIN, other, &format!("busy room message {k} on another topic"));
    }
    let late = b.message(25 * 60 * MIN, helper, "moringaman: you can run them directly with docker compose up");
    let t = b.build();
    assert_eq!(default_links(&t)[late as usize].parent, None);
}

#[test]
fn thanks_by_name_goes_to_the_message_that_addressed_the_speaker() {
    // Hand check, gitter #13: "MadLittleMods: thnx" was linked to his later message to someone else.
    let mut b = TimelineBuilder::new("gitter");
    let mad = b.member("MadLittleMods");
    let kbrock = b.member("kbrock");
    let ryan = b.member("ryansmith94");
    b.message(0, kbrock, "the desktop app keeps logging me out after the update");
    let to_kbrock = b.message(5 * MIN, mad, "https://gitlab.com/gitter/issues/1 @kbrockStill having problems?");
    b.message(10 * MIN, ryan, "is there a way to export a room history as json?");
    b.message(20 * MIN, mad, "ryansmith94: there is an API endpoint for that, see the docs");
    let thanks = b.message(30 * MIN, kbrock, "MadLittleMods: thnx. After trying a few times it works");
    let t = b.build();
    let links = default_links(&t);
    assert_eq!(links[thanks as usize].parent, Some(to_kbrock));
}

#[test]
fn an_address_does_not_read_as_a_mention() {
    let mut b = TimelineBuilder::new("irc");
    let ann = b.member("ann");
    let example = b.member("example");
    b.message(0, example, "our mail server is down again today");
    b.message(60 * MIN, ann, "the release notes are out now, everyone");
    let m = b.message(61 * MIN, ann, "mail me at ann@example.com or run root@example:~$ ls");
    let t = b.build();
    let links = default_links(&t);
    assert_ne!(links[m as usize].source, LinkSource::Mention);
}

#[test]
fn the_addressee_at_the_start_beats_a_name_further_on() {
    // Hand check, gitter #10: "InternetUnexplorer: @MadLittleModsFriend but…" answers InternetUnexplorer.
    let mut b = TimelineBuilder::new("gitter");
    let mad = b.member("MadLittleMods");
    let manuel = b.member("manuelvaldes46_twitter");
    let iu = b.member("InternetUnexplorer");
    b.message(0, mad, "@manuelvaldes46_twitterYour account was marked as spam for sending a bot command");
    b.message(4 * MIN, manuel, "How long I stop spamming");
    b.message(6 * MIN, manuel, "MadLittleMods: I can already use my account vmanuel1991?");
    b.message(7 * MIN, mad, "manuelvaldes46_twitter: You can but keep in mind that it can be marked as spam again");
    let q = b.message(8 * MIN, iu, "How long I stop spamming@manuelvaldes46_twitter What do you mean by this?");
    let a = b.message(9 * MIN, manuel, "InternetUnexplorer: @MadLittleModsFriend but I still can not send messages");
    let t = b.build();
    let links = default_links(&t);
    assert_eq!(links[q as usize].parent.map(|p| t.messages[p as usize].sender), Some(manuel));
    assert_eq!(links[a as usize].parent, Some(q));
}
