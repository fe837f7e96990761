//! A real room replayed through the alert watches on a simulated clock, against the batch
//! responsiveness over the whole timeline with `answer_within` set to each wait: the number
//! of newcomer alerts and question alerts must match the batch's unanswered counts.

use std::collections::HashSet;

use shequn_alerts::{AlertChange, AlertKind, AlertSettings, Watches};
use shequn_model::Record;
use shequn_replies::responsiveness::BidStatus;
use shequn_replies::{ReplySettings, ResponsivenessSettings, Weights};

fn parse(path: &std::path::Path) -> Vec<Record> {
    let head = std::fs::read(path).unwrap();
    let probe = shequn_ingest::Probe { path, dir_entries: &[], head: &head[..head.len().min(65536)] };
    let format = shequn_ingest::detect(&probe).expect("the export's format is recognised");
    let mut records = Vec::new();
    let opts = shequn_ingest::ParseOptions { zone: chrono::FixedOffset::east_opt(0) };
    format.parse(&shequn_ingest::Input::new(path), &opts, &mut records).unwrap();
    records
}

#[test]
fn gitter_room_alerts_match_the_batch_unanswered_counts() {
    let export = shequn_corpus::require!("livechat-gitter/data/raw/gitter_gitter_chatFormat.ascii.txt");
    let records = parse(&export);

    // Batch: the archive's timeline, linked whole, responsiveness as of the last message.
    let mut archive = shequn_archive::Archive::open_in_memory().unwrap();
    let mut tx = archive.begin_file().unwrap();
    for r in &records {
        tx.apply_ref(r).unwrap();
    }
    let ids = tx.commit().unwrap().group_ids;
    assert_eq!(ids.len(), 1);
    let t = archive.timeline(ids[0]).unwrap();
    let as_of = t.last_ms().unwrap();
    let links = shequn_replies::link(&t, &ReplySettings::default(), &Weights::builtin());
    let settings = AlertSettings::default();
    let batch = |wait_min: u32| {
        let s = ResponsivenessSettings {
            answer_within_ms: i64::from(wait_min) * 60_000,
            ..ResponsivenessSettings::default()
        };
        shequn_replies::responsiveness(&t, &links, &s, as_of)
    };
    let r10 = batch(settings.newcomer_wait_min);
    let r30 = batch(settings.question_wait_min);
    let unanswered = |r: &shequn_replies::Responsiveness, f: &dyn Fn(&shequn_replies::responsiveness::Bid) -> bool| {
        r.all_bids.iter().filter(|b| b.status == BidStatus::Unanswered && f(b)).map(|b| b.time_ms).collect::<Vec<_>>()
    };
    let batch_newcomers = unanswered(&r10, &|b| b.newcomer);
    // A newcomer's question is the newcomer's alert (one, not two).
    let batch_questions = unanswered(&r30, &|b| b.question && !b.newcomer);
    assert_eq!(batch_newcomers.len(), r10.newcomers_unanswered);

    // Live: the same records on a simulated clock, as fast as possible.
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
    assert_eq!(keys.len(), opened.len(), "every alert is raised once");
    let live =
        |kind: AlertKind| opened.iter().filter(|a| a.kind == kind).map(|a| a.message.time_ms).collect::<Vec<_>>();
    let (live_newcomers, live_questions) = (live(AlertKind::Newcomer), live(AlertKind::Question));

    let differ = |a: &[i64], b: &[i64]| {
        let (sa, sb): (HashSet<i64>, HashSet<i64>) = (a.iter().copied().collect(), b.iter().copied().collect());
        (sa.difference(&sb).count(), sb.difference(&sa).count())
    };
    eprintln!(
        "gitter: {} messages replayed in {:.2?}; newcomer alerts {} vs batch {} (only live, only batch: {:?}); \
         question alerts {} vs batch {} ({:?}); resolved later {resolved}; batch bids {} (newcomers {}, questions {})",
        t.messages.len(),
        elapsed,
        live_newcomers.len(),
        batch_newcomers.len(),
        differ(&live_newcomers, &batch_newcomers),
        live_questions.len(),
        batch_questions.len(),
        differ(&live_questions, &batch_questions),
        r30.bids,
        r30.newcomer_bids,
        r30.question_bids,
    );
    // The one known way the two differ: in batch, a proximity answer (the next speaker soon
    // after, on a platform that records no replies) counts only for a bid no reply link ever
    // answered, even hours later; live cannot see that later link when the wait ends, so the
    // proximity answer within the wait stands and no alert is raised.
    let proximity_within = |b: &shequn_replies::responsiveness::Bid, wait_ms: i64| {
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
                    let elsewhere =
                        links[j].source == shequn_model::LinkSource::Mention && links[j].parent != Some(b.msg);
                    m.sender != b.sender && !t.members[m.sender as usize].is_bot && !elsewhere
                })
    };
    let explained = |r: &shequn_replies::Responsiveness,
                     wait_ms: i64,
                     live: &[i64],
                     f: &dyn Fn(&shequn_replies::responsiveness::Bid) -> bool| {
        let live: HashSet<i64> = live.iter().copied().collect();
        let missing: Vec<shequn_replies::responsiveness::Bid> = r
            .all_bids
            .iter()
            .filter(|b| b.status == BidStatus::Unanswered && f(b) && !live.contains(&b.time_ms))
            .cloned()
            .collect();
        let (yes, no): (Vec<_>, Vec<_>) = missing.into_iter().partition(|b| proximity_within(b, wait_ms));
        (yes.len(), no)
    };
    let (newcomers_explained, newcomers_other) = explained(&r10, 600_000, &live_newcomers, &|b| b.newcomer);
    let (questions_explained, questions_other) =
        explained(&r30, 1_800_000, &live_questions, &|b| b.question && !b.newcomer);
    eprintln!(
        "missing live: newcomers {} by a later link overriding proximity, {} otherwise; questions {} and {}",
        newcomers_explained,
        newcomers_other.len(),
        questions_explained,
        questions_other.len()
    );
    assert!(batch_newcomers.len() + batch_questions.len() > 20, "the room has unanswered bids to compare");
    // Live raises nothing batch does not call unanswered ...
    assert_eq!(differ(&live_newcomers, &batch_newcomers).0, 0, "a newcomer alert batch does not have");
    assert_eq!(differ(&live_questions, &batch_questions).0, 0, "a question alert batch does not have");
    // ... and misses only the bids where batch's later reply link overrode an answer by
    // proximity inside the wait (gitter, Nov 2016 – Nov 2020: 1204 vs 1244 newcomer alerts,
    // 697 vs 755 question alerts; all 40 + 58 are of that kind).
    assert!(
        newcomers_other.is_empty() && questions_other.is_empty(),
        "unexplained: {newcomers_other:?} {questions_other:?}"
    );
    assert_eq!(live_newcomers.len() + newcomers_explained, batch_newcomers.len());
    assert_eq!(live_questions.len() + questions_explained, batch_questions.len());
    // The tolerance this allows, stated: under 5 % of newcomers and 10 % of questions.
    assert!(newcomers_explained * 20 < batch_newcomers.len() && questions_explained * 10 < batch_questions.len());
}
