//! Source coverage: each group's span is that of the sources that held it, not the archive's.

use shequn_archive::{Archive, ImportStats, SourceRecord};
use shequn_model::{Coverage, GroupInfo, GroupKind, Message, Person, Platform, Record, Stamp};

const DAY: i64 = 86_400_000;

fn group(platform: Platform, id: &str) -> Record {
    Record::Group(GroupInfo {
        platform,
        platform_id: id.into(),
        name: id.into(),
        kind: GroupKind::Channel,
        member_count: None,
    })
}

fn msg(slot: u32, id: &str, t: i64) -> Record {
    Record::Message {
        group: slot,
        message: Message {
            id: Some(id.into()),
            time: Stamp::from_unix_ms(t),
            sender: Person::with_id("u1", "Ann"),
            text: "hi".into(),
            ..Message::default()
        },
    }
}

/// Imports `records` as one whole source with this fingerprint from folder `batch`, as the pipeline does.
fn import_source(a: &mut Archive, fingerprint: &str, batch: &str, records: Vec<Record>) -> ImportStats {
    let mut f = a.begin_file().unwrap();
    for r in records {
        f.apply(r).unwrap();
    }
    let stats = f.stats().clone();
    f.record_source(&SourceRecord {
        fingerprint: fingerprint.into(),
        format: "test".into(),
        path: format!("{fingerprint}.json"),
        bytes: 1,
        messages: stats.messages_new + stats.messages_present,
        events: 0,
        imported_ms: 0,
        first_ms: stats.first_ms,
        last_ms: stats.last_ms,
        batch: Some(batch.into()),
    })
    .unwrap();
    f.commit().unwrap()
}

/// The Slack-like export of [`two_sources`]: three channels, messages on days 0, 2 and 9.
fn slack_records() -> Vec<Record> {
    vec![
        group(Platform::Slack, "busy"),
        group(Platform::Slack, "quiet"),
        group(Platform::Slack, "empty"),
        msg(0, "b1", 0),
        msg(1, "q1", 2 * DAY),
        msg(0, "b2", 9 * DAY),
    ]
}

/// A Slack-like export of two channels over days 0..9 (the second quiet after day 2),
/// and a Gitter-like room running to day 900.
fn two_sources(a: &mut Archive) {
    import_source(a, "slack", "/exports/slack", slack_records());
    import_source(
        a,
        "gitter",
        "/exports/gitter",
        vec![group(Platform::Gitter, "room"), msg(0, "g1", 100 * DAY), msg(0, "g2", 900 * DAY)],
    );
}

fn coverage_by_name(a: &Archive) -> Vec<(String, Option<Coverage>)> {
    a.groups().unwrap().into_iter().map(|g| (g.platform_id, g.coverage)).collect()
}

#[test]
fn each_group_is_covered_by_its_own_sources() {
    let mut a = Archive::open_in_memory().unwrap();
    two_sources(&mut a);
    let slack = Some(Coverage { first_ms: 0, last_ms: 9 * DAY });
    assert_eq!(
        coverage_by_name(&a),
        vec![
            ("busy".into(), slack),
            // Quiet after day 2, but the export ran to day 9: covered to day 9.
            ("quiet".into(), slack),
            // No message at all, still a channel of the export.
            ("empty".into(), slack),
            ("room".into(), Some(Coverage { first_ms: 100 * DAY, last_ms: 900 * DAY })),
        ]
    );
    let ids = a.group_ids().unwrap();
    assert_eq!(a.group_coverage(ids[1]).unwrap(), slack);
    assert_eq!(a.timeline(ids[3]).unwrap().group.coverage.map(|c| c.last_ms), Some(900 * DAY));
    assert_eq!(a.coverage().unwrap().len(), 4);
}

#[test]
fn a_later_source_extends_a_group_and_the_latest_end_wins() {
    let mut a = Archive::open_in_memory().unwrap();
    two_sources(&mut a);
    // A second Slack export, days 20..30, holding only the busy channel.
    import_source(
        &mut a,
        "slack-2",
        "/exports/slack-2",
        vec![group(Platform::Slack, "busy"), msg(0, "b3", 20 * DAY), msg(0, "b4", 30 * DAY)],
    );
    let got = coverage_by_name(&a);
    assert_eq!(got[0].1, Some(Coverage { first_ms: 0, last_ms: 30 * DAY }));
    assert_eq!(got[1].1, Some(Coverage { first_ms: 0, last_ms: 9 * DAY }), "the quiet channel was not in it");
}

#[test]
fn a_file_imported_without_a_source_record_has_no_coverage() {
    let mut a = Archive::open_in_memory().unwrap();
    let mut f = a.begin_file().unwrap();
    f.apply(group(Platform::Slack, "x")).unwrap();
    f.apply(msg(0, "1", DAY)).unwrap();
    let stats = f.commit().unwrap();
    assert_eq!((stats.first_ms, stats.last_ms), (Some(DAY), Some(DAY)));
    assert_eq!(coverage_by_name(&a), vec![("x".into(), None)]);
}

#[test]
fn forced_reimport_fills_coverage_of_an_old_archive_without_duplicating() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    {
        let mut a = Archive::open(&path).unwrap();
        two_sources(&mut a);
    }
    // What an archive imported before coverage was kept looks like after the migration.
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("DELETE FROM source_groups; UPDATE sources SET first_ms = NULL, last_ms = NULL;").unwrap();
    }
    let mut a = Archive::open(&path).unwrap();
    assert!(coverage_by_name(&a).iter().all(|(_, c)| c.is_none()));
    let before = a.counts().unwrap();
    let again = import_source(&mut a, "slack", "/exports/slack", slack_records());
    assert_eq!((again.messages_new, again.messages_present), (0, 3));
    assert_eq!(a.counts().unwrap(), before, "no message twice");
    let got = coverage_by_name(&a);
    assert_eq!(got[1].1, Some(Coverage { first_ms: 0, last_ms: 9 * DAY }));
    assert_eq!(got[3].1, None, "the Gitter source was not re-read");
    assert_eq!(a.source("slack").unwrap().unwrap().last_ms, Some(9 * DAY));
    // Once more: still one row per group and source.
    let n: i64 = rusqlite::Connection::open(&path)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM source_groups", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 3);
}

#[test]
fn a_rolled_back_file_records_no_coverage() {
    let mut a = Archive::open_in_memory().unwrap();
    {
        let mut f = a.begin_file().unwrap();
        f.apply(group(Platform::Slack, "x")).unwrap();
        f.apply(msg(0, "1", DAY)).unwrap();
        let stats = f.stats().clone();
        f.record_source(&SourceRecord {
            fingerprint: "x".into(),
            format: "test".into(),
            path: "x".into(),
            bytes: 1,
            messages: 1,
            events: 0,
            imported_ms: 0,
            first_ms: stats.first_ms,
            last_ms: stats.last_ms,
            batch: None,
        })
        .unwrap();
        // dropped without commit
    }
    assert!(a.source("x").unwrap().is_none());
    assert!(a.coverage().unwrap().is_empty());
}

#[test]
fn files_side_by_side_share_the_newest_end_of_their_folder() {
    // One file per group, exported together: a group that died on day 10 is covered to the
    // day the others were exported, not only to its own last message.
    let mut a = Archive::open_in_memory().unwrap();
    import_source(
        &mut a,
        "dead",
        "/exports/wechat",
        vec![group(Platform::Wechat, "dead"), msg(0, "d1", 5 * DAY), msg(0, "d2", 10 * DAY)],
    );
    import_source(
        &mut a,
        "live",
        "/exports/wechat",
        vec![group(Platform::Wechat, "live"), msg(0, "l1", DAY), msg(0, "l2", 400 * DAY)],
    );
    // A file from another folder (and one with no folder known) keeps its own end.
    import_source(&mut a, "other", "/old/export", vec![group(Platform::Wechat, "other"), msg(0, "o1", 20 * DAY)]);
    let got = coverage_by_name(&a);
    assert_eq!(got[0].1, Some(Coverage { first_ms: 5 * DAY, last_ms: 400 * DAY }), "its own start, the folder's end");
    assert_eq!(got[1].1, Some(Coverage { first_ms: DAY, last_ms: 400 * DAY }));
    assert_eq!(got[2].1, Some(Coverage { first_ms: 20 * DAY, last_ms: 20 * DAY }));
}
