//! Real exports replayed through the alert watches on a simulated clock, against the batch
//! responsiveness over each whole timeline with `answer_within` set to each wait: the newcomer
//! and question alerts must equal the batch's unanswered counts, but for differences of the
//! one known kind (docs/alerts.md, "Where live and batch can differ", case 1).

mod common;

use std::collections::HashSet;

use shequn_alerts::{AlertChange, AlertKind, AlertSettings, Watches};
use shequn_model::{LinkSource, Timeline};
use shequn_replies::responsiveness::{Bid, BidStatus};
use shequn_replies::{ReplySettings, Responsiveness, ResponsivenessSettings, Weights};

/// One kind's comparison over every group of an export.
#[derive(Default, Debug)]
struct Kind {
    live: usize,
    batch: usize,
    only_live: usize,
    /// Only batch, explained: batch's later reply link overrode an answer by proximity inside the wait.
    explained: usize,
    /// Only batch, not explained (listed).
    other: Vec<(String, i64)>,
}

/// Whether, within `wait_ms` of the bid, the next human speaker (not addressing someone else)
/// answered it by proximity, while batch credits a later reply link instead.
fn proximity_within(t: &Timeline, links: &[shequn_model::Link], b: &Bid, wait_ms: i64) -> bool {
    let s = ResponsivenessSettings::default();
    let i = b.msg as usize;
    b.first_response_ms.is_some()
        && !b.by_proximity
        && t.messages[i + 1..]
            .iter()
            .enumerate()
            .take_while(|(_, m)| m.time_ms - b.time_ms <= s.proximity_answer_ms.min(wait_ms))
            .any(|(k, m)| {
                let j = i + 1 + k;
                let elsewhere = links[j].source == LinkSource::Mention && links[j].parent != Some(b.msg);
                m.sender != b.sender && !t.members[m.sender as usize].is_bot && !elsewhere
            })
}

fn replay(label: &str, path: &std::path::Path) -> (Kind, Kind, usize) {
    let records = common::parse(path);
    let timelines = common::timelines(&records);
    let settings = AlertSettings::default();
    let (wait_n, wait_q) =
        (i64::from(settings.newcomer_wait_min) * 60_000, i64::from(settings.question_wait_min) * 60_000);

    // Live: every group's records on one simulated clock, as fast as possible.
    let started = std::time::Instant::now();
    let mut watches =
        Watches::new(settings, ReplySettings::default(), ResponsivenessSettings::default()).with_eval_every(60_000);
    let mut opened = Vec::new();
    let mut resolved = 0usize;
    watches.replay(&records, &mut |_| {}, &mut |c| match c {
        AlertChange::Opened(a) => opened.push(a),
        AlertChange::Resolved(_) => resolved += 1,
    });
    let elapsed = started.elapsed();
    let keys: HashSet<&str> = opened.iter().map(|a| a.key.as_str()).collect();
    assert_eq!(keys.len(), opened.len(), "{label}: every alert is raised once");
    let live = |kind: AlertKind| -> HashSet<(String, i64)> {
        opened.iter().filter(|a| a.kind == kind).map(|a| (a.group.platform_id.clone(), a.message.time_ms)).collect()
    };
    let (live_n, live_q) = (live(AlertKind::Newcomer), live(AlertKind::Question));

    // Batch: each group's archived timeline, linked whole, responsiveness as of its last message.
    let (mut n, mut q) = (Kind::default(), Kind::default());
    let mut messages = 0;
    for t in timelines.iter().filter(|t| !t.messages.is_empty()) {
        messages += t.messages.len();
        let links = shequn_replies::link(t, &ReplySettings::default(), &Weights::builtin());
        let as_of = t.last_ms().unwrap();
        let batch = |wait_ms: i64| -> Responsiveness {
            let s = ResponsivenessSettings { answer_within_ms: wait_ms, ..ResponsivenessSettings::default() };
            shequn_replies::responsiveness(t, &links, &s, as_of)
        };
        let (r10, r30) = (batch(wait_n), batch(wait_q));
        let id = &t.group.platform_id;
        let tally = |kind: &mut Kind,
                     r: &Responsiveness,
                     wait: i64,
                     live: &HashSet<(String, i64)>,
                     f: &dyn Fn(&Bid) -> bool| {
            let unanswered: Vec<&Bid> =
                r.all_bids.iter().filter(|b| b.status == BidStatus::Unanswered && f(b)).collect();
            let batch_set: HashSet<(String, i64)> = unanswered.iter().map(|b| (id.clone(), b.time_ms)).collect();
            let live_here: HashSet<&(String, i64)> = live.iter().filter(|x| &x.0 == id).collect();
            kind.batch += batch_set.len();
            kind.live += live_here.len();
            kind.only_live += live_here.iter().filter(|x| !batch_set.contains(**x)).count();
            for b in unanswered.iter().filter(|b| !live.contains(&(id.clone(), b.time_ms))) {
                if proximity_within(t, &links, b, wait) {
                    kind.explained += 1;
                } else {
                    kind.other.push((id.clone(), b.time_ms));
                }
            }
        };
        tally(&mut n, &r10, wait_n, &live_n, &|b| b.newcomer);
        // A newcomer's question is the newcomer's alert (one, not two).
        tally(&mut q, &r30, wait_q, &live_q, &|b| b.question && !b.newcomer);
    }
    eprintln!(
        "{label}: {} groups, {messages} messages replayed in {elapsed:.2?}; newcomer alerts {} vs batch {} (only live {}, only batch {} explained + {} other); question alerts {} vs batch {} (only live {}, only batch {} explained + {} other); resolved later {resolved}",
        timelines.len(),
        n.live,
        n.batch,
        n.only_live,
        n.explained,
        n.other.len(),
        q.live,
        q.batch,
        q.only_live,
        q.explained,
        q.other.len(),
    );
    (n, q, messages)
}

/// What every export must show: live raises nothing batch does not call unanswered, misses
/// only bids of the known kind, and the gap stays under 5 % (newcomers) and 10 % (questions).
fn check(label: &str, n: &Kind, q: &Kind) {
    assert_eq!(n.only_live, 0, "{label}: a newcomer alert batch does not have");
    assert_eq!(q.only_live, 0, "{label}: a question alert batch does not have");
    assert!(n.other.is_empty() && q.other.is_empty(), "{label}: unexplained: {:?} {:?}", n.other, q.other);
    assert_eq!(n.live + n.explained, n.batch, "{label}");
    assert_eq!(q.live + q.explained, q.batch, "{label}");
    assert!(n.explained * 20 <= n.batch && q.explained * 10 <= q.batch, "{label}: the gap is over 5 % / 10 %");
}

/// For exports where not every difference is explained yet (docs/alerts.md lists the numbers):
/// the differences of any kind stay under `max_percent` of batch's unanswered bids.
fn check_bounded(label: &str, k: &Kind, max_percent: usize) {
    let differ = k.only_live + k.other.len();
    assert!(differ * 100 <= k.batch * max_percent, "{label}: {differ} of {} differ", k.batch);
    assert!(k.live + k.explained + k.other.len() == k.batch + k.only_live, "{label}: the tally adds up");
}

#[test]
fn gitter_room_alerts_match_the_batch_unanswered_counts() {
    let export = shequn_corpus::require!("livechat-gitter/data/raw/gitter_gitter_chatFormat.ascii.txt");
    let (n, q, _) = replay("gitter", &export);
    // Nov 2016 – Nov 2020: 1204 vs 1244 newcomer alerts, 697 vs 755 question alerts.
    assert!(n.batch + q.batch > 20, "the room has unanswered bids to compare");
    check("gitter", &n, &q);
}

#[test]
fn appium_and_docker_rooms_alerts_match_the_batch_unanswered_counts() {
    for room in ["appium_appium", "docker_docker"] {
        let path = format!("livechat-gitter/data/raw/{room}_chatFormat.ascii.txt");
        let export = shequn_corpus::require!(&path);
        let (n, q, _) = replay(room, &export);
        assert!(n.batch + q.batch > 100, "{room} has unanswered bids to compare");
        check(room, &n, &q);
    }
}

#[test]
fn clojurians_slack_alerts_match_the_batch_unanswered_counts() {
    let dir = shequn_corpus::require!("clojurians-slack-demo");
    let (n, q, messages) = replay("clojurians", &dir);
    assert!(messages > 7000);
    assert!(n.batch + q.batch > 20, "the channels have unanswered bids to compare");
    // Not all explained yet (docs/alerts.md): 9 + 17 of 151 newcomers, 14 + 48 of 562 questions.
    check_bounded("clojurians newcomers", &n, 20);
    check_bounded("clojurians questions", &q, 15);
}

#[test]
fn whatsapp_alerts_match_the_batch_unanswered_counts() {
    let (mut n, mut q) = (Kind::default(), Kind::default());
    for f in [
        "whatstk-fixtures/chats/whatsapp/lorem-2000.txt",
        "whatsapp-locales/android/WhatsApp Chat with Group Chat XXX Android.txt",
    ] {
        let export = shequn_corpus::require!(f);
        let (a, b, _) = replay(f, &export);
        // Not all explained yet (docs/alerts.md): lorem-2000, 5 of 32 questions.
        check_bounded(f, &a, 20);
        check_bounded(f, &b, 20);
        n.batch += a.batch;
        q.batch += b.batch;
    }
    assert!(n.batch + q.batch > 0, "the chats have unanswered bids to compare");
}
