//! Responsiveness (METHOD §5) on hand-built timelines.

use shequn_model::{explicit_links, EventKind, TimelineBuilder};
use shequn_replies::bots::BotReason;
use shequn_replies::responsiveness::{BidStatus, LeftOutBot};
use shequn_replies::{link, responsiveness, ReplySettings, ResponsivenessSettings, Weights};

const MIN: i64 = 60_000;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;

#[test]
fn question_answered_after_three_minutes() {
    let mut b = TimelineBuilder::new("g");
    let ann = b.member("Ann");
    let bob = b.member("Bob");
    let q = b.message(0, ann, "how do I export the group history?");
    b.reply(3 * MIN, bob, "menu, then export", q);
    let t = b.build();
    let r = responsiveness(&t, &explicit_links(&t), &ResponsivenessSettings::default(), 2 * DAY);
    assert_eq!(r.bids, 1);
    assert_eq!(r.answered, 1);
    assert_eq!(r.unanswered, 0);
    assert_eq!(r.median_first_response_ms, Some(3 * MIN));
    assert_eq!(r.all_bids[0].responder, Some(bob));
    assert_eq!(r.response_links.explicit, 1);
    assert!(r.unanswered_examples.is_empty());
}

#[test]
fn question_answered_by_name_without_a_platform_link() {
    let mut b = TimelineBuilder::new("irc");
    let ann = b.member("ann");
    let bob = b.member("bob");
    b.message(0, ann, "how do I export the group history?");
    b.message(3 * MIN, bob, "ann: menu, then export");
    let t = b.build();
    let links = link(&t, &ReplySettings::default(), &Weights::builtin());
    let r = responsiveness(&t, &links, &ResponsivenessSettings::default(), 2 * DAY);
    assert_eq!(r.answered, 1);
    assert_eq!(r.median_first_response_ms, Some(3 * MIN));
    assert_eq!(r.response_links.mention, 1);
}

#[test]
fn question_never_answered() {
    let mut b = TimelineBuilder::new("g");
    let ann = b.member("Ann");
    let bob = b.member("Bob");
    let q = b.message(0, ann, "有没有人知道报名截止是哪天？");
    b.message(10 * HOUR, bob, "今晚直播八点开始");
    let t = b.build();
    let r = responsiveness(&t, &explicit_links(&t), &ResponsivenessSettings::default(), 3 * DAY);
    let bid = r.all_bids.iter().find(|x| x.msg == q).expect("the question is a bid");
    assert!(bid.question);
    assert_eq!(bid.status, BidStatus::Unanswered);
    assert_eq!(bid.first_response_ms, None);
    assert!(r.unanswered_examples.iter().any(|e| e.msg == q));
    // Asked an hour before the as-of time: too early to call it unanswered.
    let early = responsiveness(&t, &explicit_links(&t), &ResponsivenessSettings::default(), HOUR);
    assert_eq!(early.all_bids[0].status, BidStatus::Pending);
    assert_eq!(early.unanswered, 0);
}

#[test]
fn late_answer_keeps_its_gap_and_still_counts_unanswered() {
    let mut b = TimelineBuilder::new("g");
    let ann = b.member("Ann");
    let bob = b.member("Bob");
    let q = b.message(0, ann, "is the meetup still on?");
    b.reply(30 * HOUR, bob, "yes, sorry for the delay", q);
    let t = b.build();
    let r = responsiveness(&t, &explicit_links(&t), &ResponsivenessSettings::default(), 3 * DAY);
    assert_eq!(r.all_bids[0].status, BidStatus::Unanswered);
    assert_eq!(r.all_bids[0].first_response_ms, Some(30 * HOUR));
    assert_eq!(r.median_first_response_ms, Some(30 * HOUR));
}

#[test]
fn newcomer_ignored_is_listed_first() {
    let mut b = TimelineBuilder::new("g");
    let ann = b.member("Ann");
    let bob = b.member("Bob");
    let cat = b.member("Cat");
    b.message(0, ann, "welcome everyone");
    b.message(MIN, bob, "thanks");
    // Bob rejoins later (IRC-style): that does not make his earlier first message a newcomer's.
    b.event(5 * DAY, EventKind::Join, &[bob]);
    b.event(10 * DAY, EventKind::Join, &[cat]);
    let hello = b.message(10 * DAY + MIN, cat, "大家好，我是新来的，做跨境电商");
    // A newer unanswered question by an old member.
    let later = b.message(11 * DAY, ann, "who has the slides from last week?");
    let t = b.build();
    let r = responsiveness(&t, &explicit_links(&t), &ResponsivenessSettings::default(), 14 * DAY);
    assert_eq!(r.newcomer_bids, 1);
    assert_eq!(r.newcomers_unanswered, 1);
    assert_eq!(r.unanswered_examples[0].msg, hello);
    assert!(r.unanswered_examples.iter().any(|e| e.msg == later));
    // Ann's and Bob's first messages are not newcomers' (no join, at the archive's start).
    assert!(!r.all_bids.iter().any(|x| x.newcomer && x.sender != cat));
}

/// Ann asks, bumps her own question, a bot answers the bump; `human_answer` adds Bob's reply to the bump.
fn asker_only(human_answer: bool) -> shequn_model::Timeline {
    let mut b = TimelineBuilder::new("g");
    let ann = b.member("Ann");
    let bot = b.member("HelperBot");
    b.member_mut(bot).is_bot = true;
    let bob = b.member("Bob");
    let q = b.message(0, ann, "how do I reset my password?");
    let bump = b.reply(5 * MIN, ann, "anyone?", q);
    b.reply(6 * MIN, bot, "Please see the FAQ.", bump);
    if human_answer {
        b.reply(7 * MIN, bob, "Settings, then Security", bump);
    }
    b.build()
}

#[test]
fn reply_by_the_asker_only_leaves_the_question_unanswered() {
    let t = asker_only(false);
    let r = responsiveness(&t, &explicit_links(&t), &ResponsivenessSettings::default(), 2 * DAY);
    assert_eq!(r.bids, 1, "the asker's follow-up is part of the same bid");
    assert_eq!(r.all_bids[0].status, BidStatus::Unanswered);
    assert_eq!(r.all_bids[0].responder, None, "neither the asker nor a bot answers");
    // A human answering the follow-up answers the question.
    let t = asker_only(true);
    let r = responsiveness(&t, &explicit_links(&t), &ResponsivenessSettings::default(), 2 * DAY);
    assert_eq!(r.all_bids[0].status, BidStatus::Answered);
    assert_eq!(r.all_bids[0].first_response_ms, Some(7 * MIN));
}

#[test]
fn summary_lines_are_bilingual() {
    let mut b = TimelineBuilder::new("g");
    let ann = b.member("Ann");
    b.message(0, ann, "有人吗？");
    let t = b.build();
    let r = responsiveness(&t, &explicit_links(&t), &ResponsivenessSettings::default(), 2 * DAY);
    let lines = r.summary_lines();
    assert!(lines.iter().any(|l| l.contains("无人回应") && l.contains("unanswered")));
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(json["unanswered"], 1);
}

/// Thread starters are bids only when they say something: "+1" and "ok" seek no answer,
/// a greeting or a substantive remark does.
#[test]
fn short_starters_are_not_bids_but_greetings_and_remarks_are() {
    let mut b = TimelineBuilder::new("g");
    let (ann, bob) = (b.member("Ann"), b.member("Bob"));
    b.message(0, ann, "I have been migrating our whole build to the new runner this week");
    let plus = b.message(2 * HOUR, bob, "+1");
    let ok = b.message(4 * HOUR, ann, "ok");
    let hi = b.message(6 * HOUR, bob, "hi all");
    let asks = b.message(8 * HOUR, ann, "it fails?All tests were green before");
    let url = b.message(10 * HOUR, bob, "https://x.example/?q=1");
    let t = b.build();
    let r = responsiveness(&t, &explicit_links(&t), &ResponsivenessSettings::default(), 3 * DAY);
    let is_bid = |m| r.all_bids.iter().any(|x| x.msg == m);
    assert!(is_bid(0), "a substantive starter is a bid");
    assert!(!is_bid(plus) && !is_bid(ok), "votes and acknowledgements are not bids");
    assert!(is_bid(hi), "a greeting is a bid");
    assert!(r.all_bids.iter().any(|x| x.msg == asks && x.question), "a '?' with its space lost still asks");
    assert!(!r.all_bids.iter().any(|x| x.msg == url && x.question), "a '?' inside a link does not ask");
    // With the threshold lowered, "+1" starts a bid again.
    let loose = ResponsivenessSettings { starter_min_chars: 1, ..ResponsivenessSettings::default() };
    assert!(responsiveness(&t, &explicit_links(&t), &loose, 3 * DAY).all_bids.iter().any(|x| x.msg == plus));
}

/// Where the platform records no replies, the next message by someone else within 30
/// minutes answers a question (a WeChat answer 12 minutes later is not a new topic); later
/// than that, or addressed to someone else, it does not.
#[test]
fn proximity_answers_only_where_no_replies_are_recorded() {
    let build = |gap: i64, with_platform_reply: bool| {
        let mut b = TimelineBuilder::new("wechat");
        let (ann, bob, cat) = (b.member("ann"), b.member("bob"), b.member("cat"));
        let q = b.message(0, ann, "请问报名截止是哪天？");
        b.message(gap, bob, "下周五截止");
        if with_platform_reply {
            // One recorded reply elsewhere: this platform records replies, so none are guessed.
            let x = b.message(2 * HOUR, cat, "今晚直播八点开始，大家记得来");
            b.reply(3 * HOUR, bob, "收到", x);
        }
        (b.build(), q)
    };
    let settings = ResponsivenessSettings::default();
    let (t, q) = build(12 * MIN, false);
    let r = responsiveness(&t, &explicit_links(&t), &settings, 3 * DAY);
    let bid = r.all_bids.iter().find(|b| b.msg == q).unwrap();
    assert_eq!(bid.status, BidStatus::Answered);
    assert!(bid.by_proximity);
    assert_eq!(bid.first_response_ms, Some(12 * MIN));
    assert_eq!(r.response_links.proximity, 1);
    let (late, q) = build(45 * MIN, false);
    let r = responsiveness(&late, &explicit_links(&late), &settings, 3 * DAY);
    assert_eq!(r.all_bids.iter().find(|b| b.msg == q).unwrap().status, BidStatus::Unanswered);
    let (recorded, q) = build(12 * MIN, true);
    let r = responsiveness(&recorded, &explicit_links(&recorded), &settings, 3 * DAY);
    assert_eq!(r.all_bids.iter().find(|b| b.msg == q).unwrap().status, BidStatus::Unanswered);
    let off = ResponsivenessSettings { proximity_answer_ms: 0, ..ResponsivenessSettings::default() };
    let (t, q) = build(12 * MIN, false);
    let r = responsiveness(&t, &explicit_links(&t), &off, 3 * DAY);
    assert_eq!(r.all_bids.iter().find(|b| b.msg == q).unwrap().status, BidStatus::Unanswered);
}

/// A message addressed to someone else right after a question does not answer it.
#[test]
fn proximity_skips_a_message_addressed_to_someone_else() {
    let mut b = TimelineBuilder::new("irc");
    let (ann, bob, cat) = (b.member("ann"), b.member("bob"), b.member("cat"));
    b.message(0, cat, "cat here, the build is green again");
    let q = b.message(10 * MIN, ann, "how do I export the group history?");
    b.message(11 * MIN, bob, "cat: thanks for fixing the build");
    let t = b.build();
    let links = link(&t, &ReplySettings::default(), &Weights::builtin());
    let r = responsiveness(&t, &links, &ResponsivenessSettings::default(), 3 * DAY);
    let bid = r.all_bids.iter().find(|b| b.msg == q).unwrap();
    assert_eq!(bid.status, BidStatus::Unanswered, "{bid:?}");
}

/// A #duraspace-like room: people post JIRA keys and links, `kompewter` echoes their titles
/// half a minute later, and nobody else answers. Returns the timeline and the bot.
fn room_with_a_title_bot() -> (shequn_model::Timeline, u32) {
    let mut b = TimelineBuilder::new("#duraspace");
    let people: Vec<_> = ["tdonohue", "mhwood", "helix84"].iter().map(|n| b.member(n)).collect();
    let bot = b.member("kompewter");
    for k in 0..30i64 {
        let who = people[k as usize % 3];
        let url = format!("https://jira.duraspace.org/browse/DS-{}", 100 + k);
        let text = if k % 2 == 0 {
            format!("is DS-{} the same bug as ours?", 100 + k)
        } else {
            format!("can someone look at {url}")
        };
        let at = k * 2 * HOUR;
        b.message(at, who, &text);
        b.message(at + 30_000, bot, &format!("[ {url} ] - [DS-{}] Something breaks - DuraSpace JIRA", 100 + k));
    }
    (b.build(), bot)
}

#[test]
fn a_title_bot_is_found_by_behaviour_and_answers_nothing() {
    // Hand check, pattern H: kompewter was credited with 11% of #duraspace's answered bids.
    let (t, bot) = room_with_a_title_bot();
    let links = link(&t, &ReplySettings::default(), &Weights::builtin());
    assert!(
        links.iter().enumerate().any(|(i, l)| t.messages[i].sender == bot && l.parent.is_some()),
        "the bot's echoes link to the questions"
    );
    // kompewter is in the default bot list; without the list it is found by what it does.
    let unlisted = ResponsivenessSettings { bots: Vec::new(), ..ResponsivenessSettings::default() };
    let listed = responsiveness(&t, &links, &ResponsivenessSettings::default(), 10 * DAY);
    assert!(matches!(listed.bots[..], [LeftOutBot { reason: BotReason::Configured, .. }]), "{:?}", listed.bots);
    let r = responsiveness(&t, &links, &unlisted, 10 * DAY);
    assert_eq!(r.bids, 30);
    assert_eq!(r.answered, 0, "{:?}", r.all_bids.iter().map(|b| b.responder).collect::<Vec<_>>());
    assert!(r.all_bids.iter().all(|b| b.sender != bot));
    assert_eq!(r.bots.len(), 1);
    assert_eq!(r.bots[0].name, "kompewter");
    assert!(matches!(r.bots[0].reason, BotReason::Echoes { echoes: 30, messages: 30 }));
    assert!(r.summary_lines().iter().any(|l| l.contains("kompewter")));
    // Switched off, the bot answers again (so the detection is what made the difference).
    let off = ResponsivenessSettings { bot_detect: false, ..unlisted };
    assert!(responsiveness(&t, &links, &off, 10 * DAY).answered > 0);
}

#[test]
fn configured_bots_answer_nothing_and_people_who_repeat_links_stay_human() {
    let mut b = TimelineBuilder::new("docker");
    let ann = b.member("ann");
    let bob = b.member("bob");
    let relay = b.member("MatrixBot");
    for k in 0..30i64 {
        let at = k * 2 * HOUR;
        let url = format!("https://github.com/moby/moby/issues/{}", 1000 + k);
        b.message(at, ann, &format!("why does {url} still fail on windows?"));
        // The relay speaks first; bob answers every question, often quoting the link back.
        b.message(at + MIN, relay, "ann: try the nightly build");
        let reply =
            if k % 3 == 0 { format!("ann: {url} is fixed in 1.13") } else { "ann: restart the daemon first".into() };
        b.message(at + 2 * MIN, bob, &reply);
    }
    let t = b.build();
    let links = link(&t, &ReplySettings::default(), &Weights::builtin());
    let listed = ResponsivenessSettings { bots: vec!["matrixbot".into()], ..ResponsivenessSettings::default() };
    let r = responsiveness(&t, &links, &listed, 10 * DAY);
    assert_eq!(r.bots.len(), 1, "only the listed relay: {:?}", r.bots);
    assert_eq!(r.bots[0].member, relay);
    assert_eq!(r.bots[0].reason, BotReason::Configured);
    assert!(r.all_bids.iter().all(|b| b.responder != Some(relay)));
    assert!(r.bids > 0);
    assert_eq!(r.answered, r.bids);
    assert!(r.all_bids.iter().all(|b| b.responder == Some(bob)));
}

#[test]
fn at_mention_inside_an_answer_answers_the_bid() {
    // Hand check, appium #11: "Thanks@Asimk21…" answered Asimk21's unlinked answer.
    let mut b = TimelineBuilder::new("gitter");
    let asim = b.member("Asimk21");
    let deepak = b.member("deepakchoudhury");
    let other = b.member("someone");
    b.message(0, deepak, "can appium run the same test on two devices in parallel");
    b.message(2 * MIN, other, "good morning everyone, the nightly build is green again");
    let bid = b.message(4 * MIN, asim, "Yes, it is possible, start two servers on different ports");
    b.message(5 * MIN, other, "I am going for lunch now, see you all later");
    b.message(6 * MIN, other, "and the release notes are on the wiki page as usual");
    b.message(6 * MIN + 24_000, deepak, "Thanks@Asimk21 Can you share an example of the capabilities?");
    let t = b.build();
    let links = link(&t, &ReplySettings::default(), &Weights::builtin());
    let r = responsiveness(&t, &links, &ResponsivenessSettings::default(), 10 * DAY);
    let answered = r.all_bids.iter().find(|x| x.msg == bid).expect("the unlinked answer is a bid");
    assert_eq!(answered.status, BidStatus::Answered);
    assert_eq!(answered.responder, Some(deepak));
    assert_eq!(answered.response_source, Some(shequn_model::LinkSource::Mention));
}
