//! Verdicts and threshold boundaries on small hand-built timelines.

use shequn_model::{ContentLabel, EventKind, MemberIx, MemberRole, Timeline, TimelineBuilder, ValueKind};

use crate::facts::{DAY_MS, WEEK_MS};
use crate::*;

const T0: i64 = 1_600_000_000_000 - 1_600_000_000_000 % DAY_MS; // midnight UTC
const HOUR: i64 = 3_600_000;

fn day(d: i64) -> i64 {
    T0 + d * DAY_MS + 12 * HOUR
}

/// A group where `people` members each speak once on each of `days`.
fn group_speaking_on(days: &[i64], people: usize) -> (Timeline, i64) {
    let mut b = TimelineBuilder::new("g");
    let ms: Vec<MemberIx> = (0..people).map(|i| b.member(&format!("m{i}"))).collect();
    for &d in days {
        for (k, &m) in ms.iter().enumerate() {
            b.message(day(d) + k as i64 * 1000, m, "hello there, how is everyone doing today");
        }
    }
    (b.build(), 0)
}

fn run(t: &Timeline, as_of: i64) -> Diagnosis {
    diagnose(t, &[], &[], &Settings::default(), as_of)
}

#[test]
fn alive_needs_four_days_three_is_dormant() {
    let (t, _) = group_speaking_on(&[100, 105, 110, 115], 2);
    assert_eq!(run(&t, day(116)).status, Status::Alive);
    let (t, _) = group_speaking_on(&[100, 105, 110], 2);
    let d = run(&t, day(116));
    assert_eq!(d.status, Status::Dormant);
    assert_eq!(d.evidence.member_days, 3);
}

#[test]
fn members_never_speak_on_more_days_than_the_window_has() {
    // Every calendar day from 100 to 130, as of day 130 after noon: 31 days touch the instant
    // window, 30 are "the last 30 days".
    let days: Vec<i64> = (100..=130).collect();
    let (t, _) = group_speaking_on(&days, 1);
    let d = run(&t, day(130) + HOUR);
    assert_eq!(d.evidence.member_days, 30);
    assert!(d.evidence.reason_en.contains("30 days of the last 30"), "{}", d.evidence.reason_en);
}

#[test]
fn dead_at_exactly_thirty_days_silent_not_at_twenty_nine() {
    let (t, _) = group_speaking_on(&[100], 1);
    let last = day(100);
    assert_eq!(run(&t, last + 29 * DAY_MS).status, Status::Dormant);
    let d = run(&t, last + 30 * DAY_MS);
    assert_eq!(d.status, Status::Dead);
    assert!(d.evidence.last_member_message.is_some());
    assert!(d.evidence.reason_en.contains("30 days"));
}

#[test]
fn operator_and_bot_broadcasts_do_not_keep_a_group_alive() {
    let mut b = TimelineBuilder::new("g");
    let owner = b.member("owner");
    b.member_mut(owner).role = Some(MemberRole::Owner);
    let bot = b.member("bot");
    b.member_mut(bot).is_bot = true;
    let m = b.member("m");
    b.message(day(10), m, "a member once spoke here");
    for d in 50..80 {
        b.message(day(d), owner, "daily tip from the owner");
        b.message(day(d) + 1000, bot, "daily push");
    }
    let d = run(&b.build(), day(80));
    assert_eq!(d.status, Status::Dead);
    assert!(d.evidence.broadcast_only);
    assert_eq!(d.triage.action, Action::Dissolve);
}

#[test]
fn push_labelled_sender_counts_as_bot() {
    let mut b = TimelineBuilder::new("g");
    let pusher = b.member("pusher");
    for d in 0..20 {
        b.message(day(d), pusher, "今日资讯 https://x");
    }
    let t = b.build();
    let labels = vec![ContentLabel { push: true, ..Default::default() }; t.messages.len()];
    let d = diagnose(&t, &[], &labels, &Settings::default(), day(20));
    assert_eq!(d.status, Status::Dead);
    // Without labels the same sender is a member and the group is alive.
    assert_eq!(run(&t, day(20)).status, Status::Alive);
}

#[test]
fn declining_when_recent_four_weeks_under_half() {
    // 10 messages per week for 4 weeks, then 4 per week on ≥ 4 days.
    let mut b = TimelineBuilder::new("g");
    let a = b.member("a");
    for w in 0..4 {
        for k in 0..10 {
            b.message(day(w * 7) + k * 1000, a, "text text text");
        }
    }
    for w in 4..8 {
        for k in 0..4 {
            b.message(day(w * 7 + k), a, "text");
        }
    }
    let t = b.build();
    let d = run(&t, day(55) + HOUR);
    assert_eq!(d.evidence.human_before, 40);
    assert_eq!(d.evidence.human_recent, 16);
    assert_eq!(d.status, Status::Declining);
    // 20 of 40 is exactly half: not below half, so alive.
    let mut b = TimelineBuilder::new("g");
    let a = b.member("a");
    for w in 0..8 {
        let n = if w < 4 { 10 } else { 5 };
        for k in 0..n {
            let at = if w < 4 { day(w * 7) + k * 1000 } else { day(w * 7 + k) };
            b.message(at, a, "text");
        }
    }
    assert_eq!(run(&b.build(), day(55) + HOUR).status, Status::Alive);
}

#[test]
fn temporary_at_eighty_percent_not_seventy_nine() {
    let build = |in_burst: i64, outside: i64| {
        let mut b = TimelineBuilder::new("g");
        let a = b.member("a");
        for k in 0..outside {
            b.message(day(k * 3), a, "before");
        }
        for k in 0..in_burst {
            b.message(day(200) + k * 60_000, a, "event");
        }
        b.build()
    };
    let d = run(&build(80, 20), day(260));
    assert!((d.temporary.peak_share - 0.8).abs() < 1e-9);
    assert!(d.temporary.temporary);
    let d = run(&build(79, 21), day(260));
    assert!(!d.temporary.temporary);
}

/// A hub (index 0) answered by `leaves` others: a star of replies.
fn star(leaves: usize, hub_is_owner: bool) -> Timeline {
    let mut b = TimelineBuilder::new("star");
    let hub = b.member("hub");
    if hub_is_owner {
        b.member_mut(hub).role = Some(MemberRole::Owner);
    }
    let ls: Vec<MemberIx> = (0..leaves).map(|i| b.member(&format!("l{i}"))).collect();
    for d in 0..20 {
        for (k, &l) in ls.iter().enumerate() {
            let at = day(d) + k as i64 * 120_000;
            let q = b.message(at, l, "a question about the product?");
            b.reply(at + 60_000, hub, "the answer is in the manual", q);
        }
    }
    b.build()
}

#[test]
fn centralization_of_a_star_is_one_and_hub_and_spoke() {
    let d = run(&star(4, false), day(20));
    assert!((d.network.centralization - 1.0).abs() < 1e-9);
    assert_eq!(d.network.structure, Structure::HubAndSpoke);
    assert_eq!(d.network.reciprocity, 0.0, "leaves never answer the hub");
}

#[test]
fn centralization_boundary_at_point_six() {
    // Degrees [3,2,2,1] → Σ(3−d)=1+1+2=4 over (3·2)=6 → 0.667; a ring of 4 → 0.
    assert!(freeman(&[3, 2, 2, 1]) >= 0.6);
    assert!(freeman(&[2, 2, 2, 2]) < 0.6);
    let s = Settings { hub_centralization: 1.01, hub_operator_share: 1.01, ..Settings::default() };
    let d = diagnose(&star(4, false), &[], &[], &s, day(20));
    assert_eq!(d.network.structure, Structure::Mesh);
}

/// `pairs` separate askers, each answered by their own helper, twice on each of 10 days.
fn scattered_pairs(pairs: usize) -> Timeline {
    let mut b = TimelineBuilder::new("help");
    let people: Vec<(MemberIx, MemberIx)> =
        (0..pairs).map(|i| (b.member(&format!("asker{i}")), b.member(&format!("helper{i}")))).collect();
    for d in 0..10 {
        for (k, &(a, h)) in people.iter().enumerate() {
            let at = day(d) + k as i64 * 600_000;
            let q = b.message(at, a, "how do I configure the proxy for the build server?");
            b.reply(at + 60_000, h, "set the https_proxy variable before you start it", q);
        }
    }
    b.build()
}

#[test]
fn scattered_pairs_are_fragmented_not_a_mesh() {
    let d = run(&scattered_pairs(6), day(10));
    assert!(d.network.interactions >= 10);
    assert!(d.network.centralization < 0.6, "pairs have equal degrees");
    assert!((d.network.largest_component_share - 2.0 / 12.0).abs() < 1e-9);
    assert_eq!(d.network.structure, Structure::Fragmented);
    // Boundary: a largest part of exactly the setting's share is enough.
    let s = Settings { mesh_min_component_share: 2.0 / 12.0, ..Settings::default() };
    assert_eq!(diagnose(&scattered_pairs(6), &[], &[], &s, day(10)).network.structure, Structure::Mesh);
}

/// A mesh of `n` members replying around a ring every day for `days` days.
fn mesh(n: usize, days: i64) -> Timeline {
    let mut b = TimelineBuilder::new("mesh");
    let ms: Vec<MemberIx> = (0..n).map(|i| b.member(&format!("m{i}"))).collect();
    for d in 0..days {
        let mut prev = b.message(day(d), ms[0], "I think we should look at the new release notes closely");
        for k in 1..=n {
            prev = b.reply(
                day(d) + k as i64 * 60_000,
                ms[k % n],
                "I see it differently, but the notes are worth it",
                prev,
            );
        }
    }
    b.build()
}

#[test]
fn key_people_are_the_smallest_half_covering_set() {
    let d = run(&star(6, false), day(20));
    // The hub is at one end of every interaction: half of all ends.
    assert_eq!(d.key_people.people.len(), 1);
    assert_eq!(d.key_people.people[0].name, "hub");
    assert!((d.key_people.people[0].share - 1.0).abs() < 1e-9);
    assert!(d.key_people.fragile);
    let d = run(&mesh(8, 30), day(30));
    // A ring of 8 equals: four of them hold half the interaction ends.
    assert_eq!(d.key_people.people.len(), 4);
    assert!(d.key_people.covered >= 0.5);
}

#[test]
fn only_operator_as_key_person_is_fragile() {
    let d = run(&star(6, true), day(20));
    assert_eq!(d.key_people.non_operator_count, 0);
    assert!(d.key_people.fragile);
    assert_eq!(d.stage, Some(Stage::Formation));
}

#[test]
fn mesh_with_many_members_is_assimilation_and_then_collaboration_with_cooperation() {
    let d = run(&mesh(8, 30), day(30));
    assert_eq!(d.status, Status::Alive);
    assert_eq!(d.network.structure, Structure::Mesh);
    assert_eq!(d.stage, Some(Stage::Assimilation));
    let v = d.stage_detail.as_ref().unwrap();
    assert!(v.playbook_zh.contains("同化期"));
    // Two of four signals measured, both hold: no content labels (no emotion share), and no
    // operator known, so the member↔member share (100% by construction) does not vote.
    assert!((v.confidence - 0.5).abs() < 1e-9, "{}", v.confidence);
    let mut t = mesh(8, 70);
    let last = t.messages.len() - 1;
    // Three cooperation messages are under 2% of this busy window: still assimilation.
    for k in 0..3 {
        t.messages[last - k].text = "let's start a project together next month".into();
    }
    let d = run(&t, day(70));
    assert!(d.stage_detail.as_ref().unwrap().signals.weeks_held >= 8);
    assert_eq!(d.stage, Some(Stage::Assimilation));
    // One message in twenty about working together: collaboration.
    for k in 0..t.messages.len() / 20 {
        t.messages[last - k].text = "let's start a project together next month".into();
    }
    let d = run(&t, day(70));
    assert_eq!(d.stage, Some(Stage::Collaboration));
}

/// A help desk: one helper answers askers who each come once, on 70 days.
fn help_desk(days: i64) -> Timeline {
    let mut b = TimelineBuilder::new("desk");
    let helper = b.member("helper");
    for d in 0..days {
        for k in 0..3 {
            let asker = b.member(&format!("asker{d}-{k}"));
            let at = day(d) + k * 600_000;
            let q = b.message(at, asker, "how do I configure the proxy for the app?");
            b.reply(at + 60_000, helper, "set it in the settings file, see the manual", q);
        }
    }
    b.build()
}

#[test]
fn a_stable_core_working_together_is_collaboration_and_a_help_desk_is_formation() {
    // Eight regulars every day for ten weeks, one message in forty about joint work, and an
    // assimilation path that cannot pass (no one reaches the key-people bar of 99).
    let mut t = mesh(8, 70);
    let last = t.messages.len() - 1;
    let coop = t.messages.len().div_ceil(40);
    for k in 0..coop {
        t.messages[last - 7 * k].text = "let's start a project together next month".into();
    }
    let strict = Settings { assimilation_key_people: 99, ..Settings::default() };
    let d = diagnose(&t, &[], &[], &strict, day(70));
    let v = d.stage_detail.as_ref().unwrap();
    assert_eq!((v.signals.core_people, v.signals.core_share), (8, 1.0));
    assert!(v.signals.assimilation_score < 0.75, "{:?}", v.signals);
    assert_eq!(d.stage, Some(Stage::Collaboration), "{:?}", v.signals);
    // Without the stable core's bar (share 1.01 is unreachable) the same group is assimilation.
    let s = Settings { collaboration_core_share: 1.01, ..strict };
    assert_eq!(diagnose(&t, &[], &[], &s, day(70)).stage, Some(Stage::Assimilation));
    // A helper and passers-by: one regular, never a stable core; hub and spoke, so formation.
    let d = run(&help_desk(70), day(70));
    let v = d.stage_detail.as_ref().unwrap();
    assert_eq!(v.signals.core_people, 1);
    assert_eq!(d.stage, Some(Stage::Formation), "{:?}", v.signals);
}

#[test]
fn no_stage_when_not_alive() {
    let (t, _) = group_speaking_on(&[1], 2);
    let d = run(&t, day(60));
    assert_eq!(d.stage, None);
    let json = serde_json::to_value(&d).unwrap();
    assert!(json["stage"].is_null());
}

#[test]
fn key_person_loss_after_months_then_two_weeks_silent() {
    let mut b = TimelineBuilder::new("g");
    let a = b.member("a");
    let c = b.member("c");
    let e = b.member("e");
    let g = b.member("g");
    for d in 0..100 {
        let q = b.message(day(d), a, "a long enough opening message for the day");
        b.reply(day(d) + 1000, c, "a reply to that opening message", q);
        if d >= 80 {
            b.reply(day(d) + 2000, e, "another reply to that opening message", q);
        }
    }
    for d in 100..120 {
        let q = b.message(day(d), g, "g keeps talking without a anymore");
        b.reply(day(d) + 1000, e, "e answers g", q);
    }
    let t = b.build();
    let d = run(&t, day(112) + HOUR);
    assert!(d.key_people.losses.iter().all(|l| l.name != "a"), "13 days silent is not yet a loss");
    let d = run(&t, day(113) + HOUR);
    let loss = d.key_people.losses.iter().find(|l| l.name == "a").expect("a lost after 14 days");
    assert!(loss.weekly_before > loss.weekly_after);
}

#[test]
fn roles_thinker_critic_onlooker_and_unknown_silent() {
    let mut b = TimelineBuilder::new("g");
    let th = b.member("thinker");
    let cr = b.member("critic");
    let on = b.member("onlooker");
    let ad = b.member("spammer");
    let mut ad_ix = Vec::new();
    for d in 0..10 {
        let q = b.message(day(d), th, "My view: the market will turn once rates stop rising this year");
        let r = b.reply(day(d) + 1000, cr, "I disagree, but only partly: rates are not the only driver here", q);
        if d < 3 {
            b.reply(day(d) + 2000, on, "why?", r);
            b.reply(day(d) + 3000, on, "interesting", q);
        }
        ad_ix.push(b.message(day(d) + 4000, ad, "加微信 领取优惠") as usize);
    }
    let t = b.build();
    let mut labels = vec![ContentLabel::default(); t.messages.len()];
    for i in ad_ix {
        labels[i].ad = true;
    }
    let d = diagnose(&t, &[], &labels, &Settings::default(), day(10));
    let role = |n: &str| d.roles.members.iter().find(|m| m.name == n).unwrap().role;
    assert_eq!(role("thinker"), Role::Thinker);
    assert_eq!(role("critic"), Role::Critic);
    assert_eq!(role("onlooker"), Role::Onlooker);
    assert_eq!(role("spammer"), Role::Advertiser);
    assert_eq!(d.roles.silent_share, None, "no roster, joins or member count: unknown");
    assert_eq!(d.triage.action, Action::CleanAds);
}

#[test]
fn silent_members_from_joins_and_member_count() {
    let (mut t, _) = group_speaking_on(&[1, 2, 3, 4, 5], 2);
    for i in 0..8 {
        t.members.push(shequn_model::MemberMeta { id: 100 + i, name: format!("quiet{i}"), ..t.members[0].clone() });
    }
    for i in 2..10u32 {
        t.events.push(shequn_model::Ev {
            id: i64::from(i),
            time_ms: day(0),
            kind: EventKind::Join,
            actor: None,
            subjects: vec![i],
            target: None,
            detail: None,
            amount_cents: None,
            text: String::new(),
        });
    }
    let d = run(&t, day(6));
    assert_eq!(d.roles.counts["silent"], 8);
    assert!((d.roles.silent_share.unwrap() - 0.8).abs() < 1e-9);
    assert!(!d.roles.flags.contains(&"silent_over_threshold".to_string()), "exactly 80% is not over");
    t.group.member_count = Some(100);
    let d = run(&t, day(6));
    assert_eq!(d.roles.counts["silent"], 98);
    assert!(d.roles.flags.contains(&"silent_over_threshold".to_string()));
}

#[test]
fn churn_cohorts_and_leave_spike_after_ad_burst() {
    let mut b = TimelineBuilder::new("g");
    let a = b.member("a");
    let spam = b.member("spam");
    let newcomers: Vec<MemberIx> = (0..4).map(|i| b.member(&format!("n{i}"))).collect();
    for d in 0..100 {
        b.message(day(d), a, "daily chat");
    }
    let mut ads = Vec::new();
    for k in 0..3 {
        ads.push(b.message(day(100) + k * 60_000, spam, "兼职日赚500 加vx") as usize);
    }
    let t0 = b.build();
    let mut t = t0;
    let ev = |id, time_ms, kind, who: MemberIx| shequn_model::Ev {
        id,
        time_ms,
        kind,
        actor: None,
        subjects: vec![who],
        target: None,
        detail: None,
        amount_cents: None,
        text: String::new(),
    };
    for (k, &n) in newcomers.iter().enumerate() {
        t.events.push(ev(k as i64, day(1), EventKind::Join, n));
    }
    t.events.push(ev(10, day(100) + HOUR, EventKind::Leave, newcomers[0]));
    t.events.push(ev(11, day(100) + 2 * HOUR, EventKind::Leave, newcomers[1]));
    t.events.sort_by_key(|e| e.time_ms);
    let mut labels = vec![ContentLabel::default(); t.messages.len()];
    for i in ads {
        labels[i].ad = true;
    }
    let d = diagnose(&t, &[], &labels, &Settings::default(), day(101));
    assert_eq!(d.churn.joins, 4);
    assert_eq!(d.churn.leaves, 2);
    let c = &d.churn.cohorts[0];
    assert_eq!(c.size, 4);
    assert_eq!(c.present[2], Some(1.0), "all four were still there after 12 weeks");
    assert_eq!(c.spoke[0], Some(0.0));
    assert_eq!(d.churn.leave_spikes.len(), 1);
    assert_eq!(d.churn.leave_spikes[0].cause, "ad");
    assert!((d.churn.median_days_to_leave.unwrap() - 99.0).abs() < 0.2);
}

#[test]
fn broadcast_only_pushes_get_cut_pushes() {
    let mut b = TimelineBuilder::new("g");
    let bot = b.member("bot");
    let ms: Vec<MemberIx> = (0..3).map(|i| b.member(&format!("m{i}"))).collect();
    for d in 0..30 {
        for k in 0..4 {
            b.message(day(d) + k * 1000, bot, "早报 https://news");
        }
        b.message(day(d) + HOUR, ms[(d % 3) as usize], "morning");
    }
    let t = b.build();
    let labels: Vec<ContentLabel> =
        t.messages.iter().map(|m| ContentLabel { push: m.sender == bot, ..Default::default() }).collect();
    let d = diagnose(&t, &[], &labels, &Settings::default(), day(30));
    assert_eq!(d.status, Status::Alive);
    assert!(d.content.broadcast_only);
    assert_eq!(d.triage.action, Action::CutPushes);
}

#[test]
fn dormant_with_willing_members_migrates_with_their_ids() {
    let mut b = TimelineBuilder::new("g");
    let ms: Vec<MemberIx> = (0..4).map(|i| b.member(&format!("m{i}"))).collect();
    for (k, &m) in ms.iter().enumerate() {
        b.member_mut(m).platform_id = Some(format!("wxid_{k}"));
        b.message(day(40) + k as i64 * 1000, m, "still here");
    }
    let d = run(&b.build(), day(60));
    assert_eq!(d.status, Status::Dormant);
    assert_eq!(d.triage.action, Action::Migrate);
    assert_eq!(d.triage.migration.len(), 4);
    assert_eq!(d.triage.migration[0].platform_id.as_deref(), Some("wxid_0"));
}

#[test]
fn responsiveness_plugs_in_and_can_make_respond() {
    let t = mesh(8, 30);
    let d = run(&t, day(30));
    assert_eq!(d.triage.action, Action::Keep);
    let d = d.with_responsiveness(
        &t,
        &[],
        &[],
        day(30),
        Responsiveness { bids: 10, unanswered: 5, median_first_response_minutes: None, window_days: 30 },
    );
    assert_eq!(d.triage.action, Action::Respond);
}

#[test]
fn portfolio_counts_early_deaths_and_is_deterministic() {
    let (short, _) = group_speaking_on(&[0, 1, 2, 3], 2);
    let long = mesh(5, 200);
    let ts = vec![short, long];
    let p = diagnose_timelines(&ts, &Settings::default(), day(200));
    assert_eq!(p.summary.groups, 2);
    assert_eq!(p.summary.by_status["dead"], 1);
    assert_eq!(p.summary.died_early, 1);
    let q = diagnose_timelines(&ts, &Settings::default(), day(200));
    assert_eq!(p, q);
}

#[test]
fn messages_after_as_of_are_ignored() {
    let (t, _) = group_speaking_on(&[0, 1, 2, 3, 100, 101, 102, 103], 2);
    assert_eq!(run(&t, day(4)).status, Status::Alive);
    assert_eq!(run(&t, day(60)).status, Status::Dead);
    assert_eq!(run(&t, day(104)).status, Status::Alive);
    let _ = WEEK_MS;
}

/// The status at the end of each week, as (Monday, status).
fn history(d: &Diagnosis) -> Vec<(&str, Status)> {
    d.status_history.iter().map(|w| (w.week.as_str(), w.status)).collect()
}

#[test]
fn status_history_of_a_group_falling_silent() {
    // Two members speak daily from Monday 2020-09-14 (day 1) to Sunday 2020-11-22 (day 70).
    let (t, _) = group_speaking_on(&(1..=70).collect::<Vec<_>>(), 2);
    let d = run(&t, day(140));
    let h = history(&d);
    assert_eq!(h.len(), 20, "weeks from 2020-09-14 to the week of as-of: {h:?}");
    assert_eq!(h[0], ("2020-09-14", Status::Alive));
    // The end of the 12th week still has 28 recent messages against 56 before: not under half.
    assert!(h[..12].iter().all(|w| w.1 == Status::Alive), "{h:?}");
    assert_eq!(h[12], ("2020-12-07", Status::Declining), "14 recent messages against 56 before");
    assert_eq!(h[13], ("2020-12-14", Status::Dormant), "members spoke on 2 of the last 30 days");
    assert_eq!(h[14], ("2020-12-21", Status::Dead), "no member message for 30 days");
    assert!(h[14..].iter().all(|w| w.1 == Status::Dead));
    assert_eq!(h.last().unwrap().1, d.status, "the last week ends at as-of");
}

#[test]
fn status_history_is_the_status_diagnosed_at_each_week_end() {
    // Irregular activity with a revival: bursts, a dead spell and a comeback.
    let days: Vec<i64> =
        (1..=300).filter(|d| d % 3 != 0 && !(120..200).contains(d) && (d % 11 < 6 || *d > 250)).collect();
    let (t, _) = group_speaking_on(&days, 3);
    let as_of = day(320);
    let d = run(&t, as_of);
    let statuses: Vec<Status> = d.status_history.iter().map(|w| w.status).collect();
    for w in &d.status_history {
        let monday = chrono::NaiveDate::parse_from_str(&w.week, "%Y-%m-%d").unwrap();
        let end = monday.and_hms_opt(0, 0, 0).unwrap().and_utc().timestamp_millis() + WEEK_MS - 1;
        assert_eq!(w.status, run(&t, end.min(as_of)).status, "week of {}", w.week);
    }
    for s in [Status::Alive, Status::Dead] {
        assert!(statuses.contains(&s), "{statuses:?}");
    }
    let revived = statuses.windows(2).any(|p| p[0] == Status::Dead && p[1] != Status::Dead);
    assert!(revived, "the comeback shows after the dead spell: {statuses:?}");
}

#[test]
fn status_history_is_empty_without_member_messages_and_old_json_still_loads() {
    let mut b = TimelineBuilder::new("g");
    let bot = b.member("bot");
    b.member_mut(bot).is_bot = true;
    b.message(day(10), bot, "daily news");
    let d = run(&b.build(), day(20));
    assert!(d.status_history.is_empty());
    let (t, _) = group_speaking_on(&[1, 2, 3, 4], 2);
    let d = run(&t, day(5));
    let mut v = serde_json::to_value(&d).unwrap();
    v.as_object_mut().unwrap().remove("status_history");
    let back: Diagnosis = serde_json::from_value(v).unwrap();
    assert!(back.status_history.is_empty() && back.status == d.status);
}

/// A group alive daily until day 100, then speaking only every 20 days (dormant, not dead):
/// two weeks into dormancy the action is to watch it; after seven weeks dormant, to migrate
/// its members.
#[test]
fn a_short_dormant_spell_is_watched_before_migrating() {
    let days: Vec<i64> = (0..=100).chain((110..=170).step_by(20)).collect();
    let (t, _) = group_speaking_on(&days, 4);
    let early = run(&t, day(135));
    assert_eq!(early.status, Status::Dormant, "{:?}", early.evidence);
    assert_eq!(early.triage.action, Action::Keep, "{}", early.triage.reason_en);
    assert!(early.triage.reason_en.contains("watch"));
    let later = run(&t, day(170));
    assert_eq!(later.status, Status::Dormant, "{:?}", later.evidence);
    assert_eq!(later.triage.action, Action::Migrate, "{}", later.triage.reason_en);
    let eager = Settings { dormant_weeks_before_migrating: 0, ..Settings::default() };
    assert_eq!(diagnose(&t, &[], &[], &eager, day(135)).triage.action, Action::Migrate);
}

/// A forming group (the owner answers everyone: a star) gets `boost` when value was posted
/// on fewer than `boost_value_days` of the last 28 days, and not when it was posted on more.
#[test]
fn boost_when_a_forming_group_gets_value_on_too_few_days() {
    let t = star(4, true);
    let with_value_on = |days: i64| -> Vec<ContentLabel> {
        t.messages
            .iter()
            .map(|m| {
                let d = (m.time_ms - day(0)).div_euclid(DAY_MS);
                let hub_answer = t.sender(m).name == "hub";
                ContentLabel {
                    value: (hub_answer && d >= 20 - days).then_some(ValueKind::Information),
                    ..Default::default()
                }
            })
            .collect()
    };
    let few = diagnose(&t, &[], &with_value_on(5), &Settings::default(), day(20));
    assert_eq!(few.stage, Some(Stage::Formation));
    assert_eq!(few.triage.action, Action::Boost, "{}", few.triage.reason_en);
    assert!(few.triage.reason_en.contains("5 of the last 28 days"), "{}", few.triage.reason_en);
    let many = diagnose(&t, &[], &with_value_on(12), &Settings::default(), day(20));
    assert_ne!(many.triage.action, Action::Boost, "{}", many.triage.reason_en);
    let strict = Settings { boost_value_days: 13, ..Settings::default() };
    assert_eq!(diagnose(&t, &[], &with_value_on(12), &strict, day(20)).triage.action, Action::Boost);
}

/// `t` with its sources covering `first..=last` (as the archive records it).
fn covered(mut t: Timeline, first: i64, last: i64) -> Timeline {
    t.group.coverage = Some(shequn_model::Coverage { first_ms: first, last_ms: last });
    t
}

#[test]
fn coverage_one_ms_short_of_the_status_window_is_insufficient_exactly_enough_is_a_verdict() {
    // Members spoke on days 0 and 1, then the export runs on silent; as-of its end.
    let (t, _) = group_speaking_on(&[0, 1], 4);
    let start = day(0);
    let window = i64::from(Settings::default().status_window_days) * DAY_MS;
    let short = covered(t.clone(), start, start + window - 1);
    let d = run(&short, start + window - 1);
    assert_eq!(d.status, Status::Dormant, "the status stays one of the four");
    assert!(d.evidence.insufficient_coverage);
    assert_eq!(d.evidence.coverage_days, Some(30.0));
    assert!(d.evidence.reason_en.starts_with("insufficient data"), "{}", d.evidence.reason_en);
    assert!(d.evidence.reason_zh.starts_with("数据不足"), "{}", d.evidence.reason_zh);
    assert_eq!(d.triage.action, Action::Keep, "no migrate or dissolve on a short window");
    assert!(d.triage.reason_en.contains("insufficient data") && d.triage.reason_zh.contains("数据不足"));
    assert!(d.triage.migration.is_empty());

    let enough = covered(t, start, start + window);
    let d = run(&enough, start + window);
    assert!(!d.evidence.insufficient_coverage);
    assert_eq!(d.status, Status::Dormant);
    assert_eq!(d.triage.action, Action::Migrate, "4 members spoke: a full window's dormant verdict migrates");
}

#[test]
fn the_dead_window_counts_when_it_is_longer_than_the_status_window() {
    let (t, _) = group_speaking_on(&[0], 2);
    let settings = Settings { dead_after_days: 45, ..Settings::default() };
    let t = covered(t, day(0), day(40));
    let d = diagnose(&t, &[], &[], &settings, day(40));
    assert!(d.evidence.insufficient_coverage, "40 days cannot show 45 silent ones");
    let t = covered(t, day(0) - 10 * DAY_MS, day(40));
    assert!(!diagnose(&t, &[], &[], &settings, day(40)).evidence.insufficient_coverage);
}

#[test]
fn a_group_silent_through_a_short_export_is_not_an_early_death() {
    // An empty channel of a 9-day export, and a real early death with a long record.
    let empty = covered(TimelineBuilder::new("empty").build(), day(0), day(9));
    let (died, _) = group_speaking_on(&[0, 1, 2, 3], 2);
    let died = covered(died, day(0), day(200));
    let p = diagnose_timelines(&[empty.clone(), died], &Settings::default(), day(200));
    // At the export's own end the empty channel is dead in status only.
    let d = run(&empty, day(9));
    assert_eq!(d.status, Status::Dead);
    assert!(d.evidence.insufficient_coverage && !d.lifespan.died_early);
    assert_eq!(d.triage.action, Action::Keep);
    // An explicit as-of long after the export: still only 9 days of data.
    assert!(p.groups[0].evidence.insufficient_coverage);
    assert_eq!(p.summary.died_early, 1);
    assert_eq!(p.summary.insufficient_coverage, 1);
    assert_eq!(p.summary.died_early_share, 1.0, "of the one group that could be judged");
    assert_eq!(p.summary.by_action["keep"], 1);
}

#[test]
fn lifespans_cut_short_by_a_short_export_are_left_out_of_the_quartiles() {
    let (short, _) = group_speaking_on(&[0, 1], 2);
    let short = covered(short, day(0), day(9));
    let (died, _) = group_speaking_on(&[0, 1, 2, 3], 2);
    let died = covered(died, day(0), day(200));
    let p = diagnose_timelines(&[short.clone(), died], &Settings::default(), day(200));
    assert_eq!(p.summary.lifespan_days_quartiles, Some([4, 4, 4]));
    let p = diagnose_timelines(&[short], &Settings::default(), day(200));
    assert_eq!(p.summary.lifespan_days_quartiles, None);
}

#[test]
fn a_short_export_does_not_make_every_group_temporary() {
    // 30 messages in 9 days, as-of long after: temporary without coverage, not with it.
    let (t, _) = group_speaking_on(&(0..10).collect::<Vec<_>>(), 3);
    assert!(run(&t, day(100)).temporary.temporary);
    assert!(!run(&covered(t, day(0), day(9)), day(100)).temporary.temporary);
}

#[test]
fn unknown_coverage_changes_nothing() {
    let (t, _) = group_speaking_on(&[0, 1], 4);
    let d = run(&t, day(20));
    assert_eq!((d.evidence.coverage_days, d.evidence.insufficient_coverage), (None, false));
    assert_eq!(d.status, Status::Dormant);
}
