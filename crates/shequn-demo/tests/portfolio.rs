//! The demo portfolio keeps its promises: reproducible bytes, each archetype's
//! planted property present in the generated data, and an export the real
//! generic JSON Lines parser reads with the counts the generator reports.

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use shequn_demo::{
    generate, load_truth, write_demo, write_telegram_export, AdPolicy, Archetype, GroupData, Item, Portfolio,
    PortfolioSettings, Status, Tag,
};

const DAY: i64 = 86_400_000;

fn settings(groups: usize, seed: u64) -> PortfolioSettings {
    PortfolioSettings { groups, seed, ..PortfolioSettings::default() }
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let p = e.unwrap().path();
            (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let (a, b, c) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let wa = write_demo(&Portfolio::plan(&settings(24, 7)), a.path()).unwrap();
    let wb = write_demo(&Portfolio::plan(&settings(24, 7)), b.path()).unwrap();
    let wc = write_demo(&Portfolio::plan(&settings(24, 8)), c.path()).unwrap();
    assert_eq!(std::fs::read(&wa.truth_path).unwrap(), std::fs::read(&wb.truth_path).unwrap());
    assert_eq!(files(&wa.export_dir), files(&wb.export_dir));
    assert_ne!(std::fs::read(&wa.truth_path).unwrap(), std::fs::read(&wc.truth_path).unwrap());
    assert_ne!(files(&wa.export_dir), files(&wc.export_dir));
    // The truth file reads back into the same value.
    assert_eq!(load_truth(&wa.truth_path).unwrap(), wa.truth);
}

/// Generates every group of a 120-group portfolio once, for the property tests.
fn sample() -> &'static Vec<GroupData> {
    static CELL: std::sync::OnceLock<Vec<GroupData>> = std::sync::OnceLock::new();
    CELL.get_or_init(|| Portfolio::plan(&settings(120, 42)).groups.iter().map(generate).collect())
}

fn truth(g: &GroupData) -> shequn_demo::GroupTruth {
    shequn_demo::compute_truth(g, &Default::default())
}

fn member_msgs(g: &GroupData) -> Vec<i64> {
    g.items
        .iter()
        .filter_map(|i| match i {
            Item::Message { time_ms, sender, .. } => {
                let m = &g.members[*sender];
                (!m.bot && !m.role.is_operator()).then_some(*time_ms)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn every_archetype_gets_its_intended_status() {
    for g in sample() {
        let t = truth(g);
        assert_eq!(
            t.status,
            g.plan.archetype.intended_status(),
            "{} {:?}: {:?}",
            g.plan.id,
            g.plan.archetype,
            t.status_evidence
        );
    }
}

#[test]
fn dead_groups_have_no_member_message_in_the_last_30_days() {
    let mut n = 0;
    for g in sample().iter().filter(|g| g.plan.archetype.intended_status() == Status::Dead) {
        let as_of = g.plan.as_of_ms;
        assert!(member_msgs(g).iter().all(|&t| t <= as_of - 30 * DAY), "{} has a recent member message", g.plan.id);
        n += 1;
    }
    assert!(n >= 10, "only {n} dead groups in the sample");
}

#[test]
fn alive_groups_speak_on_many_days_and_dormant_on_few() {
    for g in sample() {
        let off = i64::from(g.plan.offset_s) * 1000;
        let days: BTreeSet<i64> = member_msgs(g)
            .into_iter()
            .filter(|&t| t > g.plan.as_of_ms - 30 * DAY)
            .map(|t| (t + off).div_euclid(DAY))
            .collect();
        match g.plan.archetype.intended_status() {
            Status::Alive | Status::Declining => assert!(days.len() >= 4, "{}: {} days", g.plan.id, days.len()),
            Status::Dormant => assert!((1..4).contains(&days.len()), "{}: {} days", g.plan.id, days.len()),
            Status::Dead => assert!(days.is_empty()),
        }
    }
}

#[test]
fn temporary_groups_hold_80_percent_of_messages_within_14_days() {
    let mut n = 0;
    for g in sample().iter().filter(|g| g.plan.archetype == Archetype::Temporary) {
        let mut times: Vec<i64> = g
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Message { time_ms, sender, .. } if !g.members[*sender].bot => Some(*time_ms),
                _ => None,
            })
            .collect();
        times.sort();
        let best = (0..times.len())
            .map(|i| times[i..].iter().take_while(|&&t| t - times[i] <= 14 * DAY).count())
            .max()
            .unwrap();
        assert!(best as f64 >= 0.8 * times.len() as f64, "{}: {best}/{}", g.plan.id, times.len());
        assert!(truth(g).temporary);
        n += 1;
    }
    assert!(n >= 3);
    // A thriving group is not temporary.
    for g in sample().iter().filter(|g| g.plan.archetype == Archetype::Thriving) {
        assert!(!truth(g).temporary, "{}", g.plan.id);
    }
}

#[test]
fn broadcast_pushes_recur_at_the_same_clock_time_and_go_unanswered() {
    let mut n = 0;
    for g in sample().iter().filter(|g| g.plan.archetype == Archetype::BroadcastOnly) {
        let off = i64::from(g.plan.offset_s) * 1000;
        let pushes: Vec<(i64, usize)> = g
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Message { time_ms, sender, tag: Tag::Push, .. } => Some((*time_ms, *sender)),
                _ => None,
            })
            .collect();
        assert!(pushes.len() >= 60, "{}: {} pushes", g.plan.id, pushes.len());
        let clocks: Vec<i64> = pushes.iter().map(|(t, _)| (t + off).rem_euclid(DAY) / 60_000).collect();
        let (lo, hi) = (clocks.iter().min().unwrap(), clocks.iter().max().unwrap());
        assert!(hi - lo <= 2, "{}: push clock varies from minute {lo} to {hi}", g.plan.id);
        let days: BTreeSet<i64> = pushes.iter().map(|(t, _)| (t + off).div_euclid(DAY)).collect();
        assert_eq!(days.len(), pushes.len(), "one push a day");
        // Nobody but the pusher speaks within 2 h after a push.
        let pusher = pushes[0].1;
        for (tp, _) in &pushes {
            let answered = g.items.iter().any(|i| {
                matches!(i, Item::Message { time_ms, sender, .. } if *sender != pusher && *time_ms > *tp && *time_ms <= tp + 2 * 3_600_000)
            });
            assert!(!answered, "{}: push at {tp} drew an answer", g.plan.id);
        }
        let t = truth(g);
        assert!(t.broadcast_only && t.push_share >= 0.5, "{}: {:?}", g.plan.id, t.push_share);
        n += 1;
    }
    assert!(n >= 3);
}

#[test]
fn key_people_carry_the_talk_and_lost_ones_fall_silent() {
    let mut lost = 0;
    let mut checked = 0;
    for g in sample() {
        let t = truth(g);
        if g.plan.archetype == Archetype::KeyPeople {
            assert!((4..=5).contains(&t.key_people.len()), "{}: {:?}", g.plan.id, t.key_people);
        }
        if t.key_people.is_empty() {
            continue;
        }
        checked += 1;
        let mut by: HashMap<&str, usize> = HashMap::new();
        for i in &g.items {
            if let Item::Message { sender, .. } = i {
                let m = &g.members[*sender];
                if !m.bot && !m.role.is_operator() {
                    *by.entry(m.name.as_str()).or_default() += 1;
                }
            }
        }
        // METHOD §4: the key people take part in ≥ 50% of member↔member interactions (reply links).
        let sender_of: HashMap<u64, usize> = g
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Message { id, sender, .. } => Some((*id, *sender)),
                _ => None,
            })
            .collect();
        let is_member = |ix: usize| !g.members[ix].bot && !g.members[ix].role.is_operator();
        let is_key = |ix: usize| t.key_people.contains(&g.members[ix].name);
        let (mut inter, mut with_key) = (0, 0);
        for i in &g.items {
            if let Item::Message { sender, reply_to: Some(to), .. } = i {
                let other = sender_of[to];
                if is_member(*sender) && is_member(other) && *sender != other {
                    inter += 1;
                    if is_key(*sender) || is_key(other) {
                        with_key += 1;
                    }
                }
            }
        }
        assert!(
            with_key as f64 >= 0.5 * inter as f64,
            "{}: key people in {with_key} of {inter} interactions",
            g.plan.id
        );
        // The key people are the top speakers.
        let mut ranked: Vec<(&str, usize)> = by.into_iter().collect();
        ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        let top: Vec<&str> = ranked.iter().take(t.key_people.len() + 1).map(|r| r.0).collect();
        for k in &t.key_people {
            let gone = t.key_people_lost.iter().any(|l| &l.name == k);
            assert!(gone || top.contains(&k.as_str()), "{}: key person {k} not among top speakers {top:?}", g.plan.id);
        }
        if g.plan.archetype == Archetype::KeyPeople && g.plan.variant {
            assert_eq!(t.key_people_lost.len(), 1, "{}", g.plan.id);
            assert!(t.key_people_lost[0].silent_days >= 14);
            lost += 1;
        }
    }
    assert!(lost >= 1, "no group lost a key person");
    assert!(checked >= 20, "only {checked} groups with planted key people");
}

#[test]
fn ads_repeat_across_groups_and_leaves_follow_bursts() {
    let ad_groups: Vec<&GroupData> = sample().iter().filter(|g| g.plan.archetype == Archetype::AdRidden).collect();
    assert!(ad_groups.len() >= 3);
    let mut texts: HashMap<String, BTreeSet<&str>> = HashMap::new();
    for g in &ad_groups {
        let t = truth(g);
        assert!(!t.ad_posters.is_empty() && t.ad_messages > 0);
        for i in &g.items {
            if let Item::Message { text, tag: Tag::Ad, .. } = i {
                // Contact solicitation is in every ad.
                assert!(
                    ["微信", "vx", "QQ", "加v", "t.me/"].iter().any(|k| text.contains(k)),
                    "{}: ad without contact: {text}",
                    g.plan.id
                );
                let core: String = text.chars().filter(|c| c.is_alphanumeric()).take(12).collect();
                texts.entry(core).or_default().insert(&g.plan.id);
            }
        }
        if g.plan.platform.records_leaves() {
            for spike in &t.leave_spikes {
                assert!(spike.leaves_within_48h >= 1);
            }
            assert!(!t.leave_spikes.is_empty(), "{}: no leave spike", g.plan.id);
        }
    }
    assert!(texts.values().any(|groups| groups.len() >= 2), "no ad text appears in two groups");
}

#[test]
fn policy_violations_really_break_the_policy() {
    let mut n = 0;
    for g in sample().iter().filter(|g| g.plan.archetype == Archetype::AdPolicy) {
        let t = truth(g);
        let policy = t.policy.clone().expect("a policy");
        assert!(!t.violations.is_empty(), "{}: no violation planted", g.plan.id);
        let off = i64::from(g.plan.offset_s) * 1000;
        for i in &g.items {
            let Item::Message { id, time_ms, sender, tag: Tag::Ad, .. } = i else { continue };
            let violated = t.violations.iter().any(|v| v.message_id == id.to_string());
            let ok = match &policy {
                AdPolicy::WeeklyWindow { .. } => {
                    let local = time_ms + off;
                    let weekday = (local.div_euclid(DAY) + 4).rem_euclid(7);
                    let minute = local.rem_euclid(DAY) / 60_000;
                    weekday == 5 && (20 * 60..22 * 60).contains(&minute)
                }
                AdPolicy::RedPacketFirst { min_yuan, within_minutes } => g.items.iter().any(|r| {
                    matches!(r, Item::Message { time_ms: tr, sender: s, amount_cents: Some(c), .. }
                        if s == sender && *tr <= *time_ms && time_ms - tr <= i64::from(*within_minutes) * 60_000
                           && *c as f64 >= min_yuan * 100.0)
                }),
            };
            assert_eq!(violated, !ok, "{} message {id}: listed as violation = {violated}, complies = {ok}", g.plan.id);
        }
        n += 1;
    }
    assert!(n >= 2);
}

#[test]
fn replies_are_explicit_only_where_the_platform_records_them() {
    let dir = tempfile::tempdir().unwrap();
    let w = write_demo(&Portfolio::plan(&settings(30, 3)), dir.path()).unwrap();
    for g in &w.truth.groups {
        let text = std::fs::read_to_string(w.export_dir.join(format!("{}.jsonl", &g.id["demo-".len()..]))).unwrap();
        assert_eq!(text.contains("\"reply_to\""), g.explicit_replies, "{} on {}", g.id, g.platform);
    }
}

#[test]
fn export_reimports_through_the_generic_parser_with_the_reported_counts() {
    use shequn_ingest::{formats::generic_jsonl::GenericJsonl, Format, Input, ParseOptions};
    use shequn_model::Record;
    let dir = tempfile::tempdir().unwrap();
    let w = write_demo(&Portfolio::plan(&settings(30, 11)), dir.path()).unwrap();
    let (mut messages, mut events, mut groups) = (0, 0, 0);
    for g in &w.truth.groups {
        let path = w.export_dir.join(format!("{}.jsonl", &g.id["demo-".len()..]));
        let mut out: Vec<Record> = Vec::new();
        GenericJsonl.parse(&Input::new(&path), &ParseOptions::default(), &mut out).unwrap();
        let m = out.iter().filter(|r| matches!(r, Record::Message { .. })).count();
        let e = out.iter().filter(|r| matches!(r, Record::Event { .. })).count();
        assert_eq!((m, e), (g.messages, g.events), "{}", g.id);
        let Record::Group(info) = &out[0] else { panic!("group first") };
        assert_eq!(info.name, g.name);
        assert_eq!(info.platform.as_str(), g.platform);
        messages += m;
        events += e;
        groups += 1;
    }
    assert_eq!(groups, 30);
    assert_eq!(messages, w.messages);
    assert_eq!(events, w.events);
}

#[test]
fn telegram_export_is_valid_json_with_service_messages_and_replies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("result.json");
    let p = Portfolio::plan(&settings(16, 5));
    let stats = write_telegram_export(&p, &path).unwrap();
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    let list = v["chats"]["list"].as_array().unwrap();
    assert_eq!(list.len(), 16);
    assert_eq!(stats.chats, 16);
    let (mut msgs, mut service, mut replies) = (0, 0, 0);
    for chat in list {
        for m in chat["messages"].as_array().unwrap() {
            assert!(m["date_unixtime"].as_str().unwrap().parse::<i64>().is_ok());
            match m["type"].as_str().unwrap() {
                "message" => {
                    msgs += 1;
                    assert!(m["from_id"].as_str().unwrap().starts_with("user"));
                    if m.get("reply_to_message_id").is_some() {
                        replies += 1;
                    }
                }
                "service" => {
                    service += 1;
                    assert!(["invite_members", "join_group_by_link", "remove_members"]
                        .contains(&m["action"].as_str().unwrap()));
                }
                other => panic!("unexpected type {other}"),
            }
        }
    }
    assert_eq!((msgs, service), (stats.messages, stats.service_messages));
    assert!(replies > 0 && service > 0);
    // The same groups as the JSON Lines export.
    let total: usize = p.groups.iter().map(|g| generate(g).message_count()).sum();
    assert_eq!(total, msgs);
}

#[test]
fn benchmark_settings_land_near_the_asked_message_count() {
    let settings = shequn_demo::settings_for_messages(80_000, 60, 9);
    let total: usize = Portfolio::plan(&settings).groups.iter().map(|g| generate(g).message_count()).sum();
    let off = (total as f64 - 80_000.0).abs() / 80_000.0;
    assert!(off < 0.15, "asked for 80000 messages, got {total} (volume {})", settings.volume);
}
