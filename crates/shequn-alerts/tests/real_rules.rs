//! The content and health rules replayed event by event over real exports, against the batch
//! analyses of the same messages: the ads the report flags, the pushers it finds, the status at
//! the end of every week (`status_history`) and the key people at the end.

mod common;

use std::collections::HashSet;

use shequn_alerts::{AlertChange, AlertKind, GroupRef, GroupRules, RuleConfig, RuleSwitches};
use shequn_content::ContentSettings;
use shequn_diagnosis::Settings;
use shequn_model::{Platform, Record};

const DAY: i64 = 86_400_000;

struct Compared {
    messages: usize,
    weeks: usize,
    weeks_differ: Vec<(String, String, String)>,
    live_ads: HashSet<i64>,
    batch_ads: HashSet<i64>,
    live_pushers: Vec<String>,
    batch_pushers: Vec<String>,
    live_keys: Vec<String>,
    batch_keys: Vec<String>,
    state_bytes: usize,
    /// Ads only batch flags whose verdict on the timeline up to them (what live can see) is
    /// "no ad": the difference comes from later messages (copies of the text posted later,
    /// push flags and names learnt from the whole history).
    ads_explained: usize,
}

fn compare(t: &shequn_model::Timeline, records: &[&Record]) -> Compared {
    let settings = Settings::default();
    let content = ContentSettings::default();
    let offset = t.group.utc_offset_s;
    // Batch, as the report runs it on this one group.
    let report = shequn_content::analyze_group(t, &content, None, None, None);
    let last = t.last_ms().unwrap();
    let last_day = (last + i64::from(offset) * 1000).div_euclid(DAY);
    let as_of = (last_day + 1) * DAY - i64::from(offset) * 1000 - 1;
    let d = shequn_diagnosis::diagnose(t, &[], &report.labels, &settings, as_of);

    // Live: the same records one at a time; at each week's end, the status there.
    let g =
        GroupRef { platform: t.group.platform, platform_id: t.group.platform_id.clone(), name: t.group.name.clone() };
    let mut rules = GroupRules::new(g, RuleConfig::new(RuleSwitches::default()));
    let mut live_weeks: Vec<(String, String)> = Vec::new();
    let mut live_ads = HashSet::new();
    let mut next_week_end: Option<i64> = None;
    // A line seen twice (same time, sender and text, no id) is one message, as in the archive
    // and the watch.
    let mut seen: HashSet<String> = HashSet::new();
    let week_end_after = |ms: i64| {
        let day = (ms + i64::from(offset) * 1000).div_euclid(DAY);
        let monday = day - (day + 3).rem_euclid(7);
        (monday + 7) * DAY - i64::from(offset) * 1000
    };
    let judge = |rules: &mut GroupRules, upto: i64, next: &mut Option<i64>, weeks: &mut Vec<(String, String)>| {
        while let Some(end) = next.filter(|&e| e <= upto) {
            rules.tick(end, false);
            rules.take_changes();
            if let Some(s) = rules.status() {
                let monday_day = (end + i64::from(offset) * 1000).div_euclid(DAY) - 7;
                let stamp = shequn_model::Stamp { unix_ms: monday_day * DAY, offset_s: 0, zone_inferred: false };
                weeks.push((stamp.to_rfc3339()[..10].to_string(), s.as_str().to_string()));
            }
            *next = Some(end + 7 * DAY);
        }
    };
    for r in records {
        let at = shequn_alerts::time_of(r).unwrap();
        judge(&mut rules, at, &mut next_week_end, &mut live_weeks);
        match r {
            Record::Message { message, .. } => {
                let key = shequn_alerts::message_key(
                    message.id.as_deref(),
                    message.time.unix_ms,
                    &message.sender.key(),
                    &message.text,
                );
                if !seen.insert(key.clone()) {
                    continue;
                }
                rules.message(message, &key, false, true);
                next_week_end.get_or_insert(week_end_after(at));
            }
            Record::Event { event, .. } => rules.event(event, false),
            Record::Roster { entry, .. } => rules.roster(entry),
            _ => {}
        }
        for c in rules.take_changes() {
            if let AlertChange::Opened(a) = c {
                if a.kind == AlertKind::Ad {
                    live_ads.insert(a.message.time_ms);
                }
            }
        }
    }
    judge(&mut rules, as_of, &mut next_week_end, &mut live_weeks);
    let batch_weeks: Vec<(String, String)> =
        d.status_history.iter().map(|w| (w.week.clone(), w.status.as_str().to_string())).collect();
    // The last batch entry is the status at as-of, not at a week's end.
    let batch_full = &batch_weeks[..batch_weeks.len().saturating_sub(1)];
    let mut weeks = 0;
    let mut weeks_differ = Vec::new();
    for (week, status) in &live_weeks {
        if let Some((_, b)) = batch_full.iter().find(|(w, _)| w == week) {
            weeks += 1;
            if b != status {
                weeks_differ.push((week.clone(), status.clone(), b.clone()));
            }
        }
    }
    let batch_ads: HashSet<i64> =
        report.labels.iter().zip(&t.messages).filter(|(l, _)| l.ad).map(|(_, m)| m.time_ms).collect();
    let mut live_pushers = rules.pushers();
    live_pushers.sort();
    let mut batch_pushers: Vec<String> = report.push.pushers.iter().map(|p| p.name.clone()).collect();
    batch_pushers.sort();
    let live_keys = rules.key_people(last_day);
    let batch_keys: Vec<String> = d.key_people.people.iter().map(|p| p.name.clone()).collect();
    // Explained: the report's verdict on the timeline up to the ad (what live can see), or on
    // its last `RECENT` messages (live remembers that many texts for repetition), is "no ad".
    let verdict_at = |prefix: &shequn_model::Timeline, at: i64| {
        let r = shequn_content::analyze_group(prefix, &content, None, None, None);
        (0..prefix.messages.len()).filter(|&i| prefix.messages[i].time_ms == at).any(|i| r.labels[i].ad)
    };
    let (mut later, mut memory) = (0, 0);
    for &at in batch_ads.difference(&live_ads) {
        let prefix = t.until(at);
        if !verdict_at(&prefix, at) {
            later += 1;
        } else if !verdict_at(&last_messages(&prefix, 2048), at) {
            memory += 1;
        }
    }
    let ads_explained = later + memory;
    if memory > 0 {
        eprintln!(
            "{}: {later} ads only batch flags by later messages, {memory} by repetition older than live's memory",
            t.group.name
        );
    }
    Compared {
        ads_explained,
        messages: t.messages.len(),
        weeks,
        weeks_differ,
        live_ads,
        batch_ads,
        live_pushers,
        batch_pushers,
        live_keys,
        batch_keys,
        state_bytes: rules.state_bytes(),
    }
}

/// The timeline's last `n` messages (replies to older ones dropped).
fn last_messages(t: &shequn_model::Timeline, n: usize) -> shequn_model::Timeline {
    let cut = t.messages.len().saturating_sub(n);
    let mut out = t.clone();
    out.messages = t.messages[cut..]
        .iter()
        .map(|m| {
            let mut m = m.clone();
            m.reply_to = m.reply_to.and_then(|p| (p as usize).checked_sub(cut)).map(|p| p as u32);
            m
        })
        .collect();
    out
}

fn run(label: &str, path: &std::path::Path) -> Vec<Compared> {
    let records = common::parse(path);
    let timelines = common::timelines(&records);
    let groups = common::by_group(&records);
    let mut out = Vec::new();
    for t in &timelines {
        if t.messages.is_empty() {
            continue;
        }
        let Some((_, _, recs)) = groups.iter().find(|g| g.0 == t.group.platform_id) else { continue };
        let c = compare(t, recs);
        let only_live = c.live_ads.difference(&c.batch_ads).count();
        let only_batch = c.batch_ads.difference(&c.live_ads).count();
        if std::env::var_os("SHEQUN_VERBOSE").is_some() || !c.weeks_differ.is_empty() {
            eprintln!(
            "{label} / {}: {} messages; weeks compared {} (differ {}: {:?}); ads live {} batch {} (only live {only_live}, only batch {only_batch}); pushers live {:?} batch {:?}; key people live {:?} batch {:?}; state {} bytes",
            t.group.name,
            c.messages,
            c.weeks,
            c.weeks_differ.len(),
            c.weeks_differ.iter().take(5).collect::<Vec<_>>(),
            c.live_ads.len(),
            c.batch_ads.len(),
            c.live_pushers,
            c.batch_pushers,
            c.live_keys,
            c.batch_keys,
            c.state_bytes
        );
        }
        out.push(c);
    }
    out
}

/// What every export must show: the same pushers; no ad live raises that batch does not, and
/// every ad only batch flags explained by later messages; the status at week ends equal but
/// for at most `max_weeks_differ` weeks.
fn check_common(label: &str, all: &[Compared], max_weeks_differ: usize) {
    let weeks: usize = all.iter().map(|c| c.weeks).sum();
    let differ: usize = all.iter().map(|c| c.weeks_differ.len()).sum();
    let (live_ads, batch_ads): (usize, usize) =
        all.iter().map(|c| (c.live_ads.len(), c.batch_ads.len())).fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let only_batch: usize = all.iter().map(|c| c.batch_ads.difference(&c.live_ads).count()).sum();
    let explained: usize = all.iter().map(|c| c.ads_explained).sum();
    let max_bytes = all.iter().map(|c| c.state_bytes).max().unwrap_or(0);
    let mut bytes: Vec<usize> = all.iter().map(|c| c.state_bytes).collect();
    bytes.sort_unstable();
    eprintln!(
        "{label}: {} groups; weeks {weeks}, differ {differ}; ads live {live_ads} batch {batch_ads}, only batch {only_batch} (explained by later messages {explained}); state bytes median {} max {max_bytes}",
        all.len(),
        bytes.get(bytes.len() / 2).copied().unwrap_or(0)
    );
    for c in all {
        assert_eq!(c.live_pushers, c.batch_pushers, "{label}: the same pushers");
        assert!(c.live_ads.is_subset(&c.batch_ads), "{label}: an ad live flags that batch does not");
    }
    assert_eq!(only_batch, explained, "{label}: an ad only batch flags, not explained by later messages");
    assert!(differ <= max_weeks_differ, "{label}: {differ} weeks with another status");
}

#[test]
fn gitter_rooms_rules_match_batch() {
    let mut all = Vec::new();
    for room in ["gitter_gitter", "appium_appium", "docker_docker"] {
        let path = format!("livechat-gitter/data/raw/{room}_chatFormat.ascii.txt");
        let export = shequn_corpus::require!(&path);
        all.extend(run(room, &export));
    }
    assert_eq!(all.len(), 3);
    // 624 weeks over the three rooms; one differs (appium, week of 2019-05-06: see docs/alerts.md).
    assert!(all.iter().map(|c| c.weeks).sum::<usize>() > 600);
    check_common("gitter", &all, 1);
    for c in &all {
        assert_eq!(c.live_keys, c.batch_keys, "the same key people, in the same order");
    }
}

#[test]
fn clojurians_slack_rules_match_batch() {
    let dir = shequn_corpus::require!("clojurians-slack-demo");
    let all = run("clojurians", &dir);
    assert!(all.len() >= 80, "{} channels", all.len());
    check_common("clojurians", &all, 0);
    // Key people: Slack mentions name people by id; live resolves a mention only to a member
    // already seen, batch to anyone in the channel's whole timeline (docs/alerts.md, case 3).
    let same = all
        .iter()
        .filter(|c| {
            let (a, b): (HashSet<&String>, HashSet<&String>) =
                (c.live_keys.iter().collect(), c.batch_keys.iter().collect());
            a == b
        })
        .count();
    eprintln!("clojurians: key people the same set in {same} of {} channels", all.len());
    assert!(same * 10 >= all.len() * 9, "key people differ in {} of {} channels", all.len() - same, all.len());
}

#[test]
fn whatsapp_rules_match_batch() {
    let mut all = Vec::new();
    for f in [
        "whatstk-fixtures/chats/whatsapp/lorem-2000.txt",
        "whatsapp-locales/android/WhatsApp Chat with Group Chat XXX Android.txt",
    ] {
        let export = shequn_corpus::require!(f);
        all.extend(run(f, &export));
    }
    check_common("whatsapp", &all, 0);
    for c in &all {
        assert_eq!(c.live_keys, c.batch_keys);
    }
    let _ = Platform::Generic;
}
