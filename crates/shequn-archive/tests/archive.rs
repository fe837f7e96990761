use shequn_archive::Archive;
use shequn_model::{
    EventKind, GroupInfo, GroupKind, Mention, Message, Person, Platform, Record, RosterEntry, Stamp, SystemEvent,
};

fn group() -> Record {
    Record::Group(GroupInfo {
        platform: Platform::Telegram,
        platform_id: "42".into(),
        name: "读书会".into(),
        kind: GroupKind::Group,
        member_count: None,
    })
}

fn msg(id: Option<&str>, t: i64, who: Person, text: &str, reply_to: Option<&str>) -> Record {
    Record::Message {
        group: 0,
        message: Message {
            id: id.map(String::from),
            time: Stamp::from_unix_ms(t),
            sender: who,
            text: text.into(),
            reply_to: reply_to.map(String::from),
            ..Message::default()
        },
    }
}

fn sample() -> Vec<Record> {
    let ann = Person::with_id("u1", "Ann");
    let ann_renamed = Person::with_id("u1", "Annie");
    let bob = Person::named("Bob");
    let mut join = SystemEvent::new(Stamp::from_unix_ms(500), EventKind::Join, "Bob joined");
    join.subjects.push(bob.clone());
    let mut with_mention = msg(Some("3"), 3000, ann_renamed, "@Bob thanks", None);
    if let Record::Message { message, .. } = &mut with_mention {
        message.mentions.push(Mention::Member(Person::named("Bob")));
    }
    vec![
        group(),
        Record::Event { group: 0, event: join },
        msg(Some("1"), 1000, ann.clone(), "怎么开始？", None),
        msg(Some("2"), 2000, bob.clone(), "like this", Some("1")),
        with_mention,
        // Two identical id-less lines stay two messages.
        msg(None, 4000, bob.clone(), "+1", None),
        msg(None, 4000, bob, "+1", None),
        Record::Roster {
            group: 0,
            entry: RosterEntry { person: Person::with_id("u9", "Silent"), joined: None, join_scene: None },
        },
    ]
}

fn import(a: &mut Archive, records: Vec<Record>) -> shequn_archive::ImportStats {
    let mut f = a.begin_file().unwrap();
    for r in records {
        f.apply(r).unwrap();
    }
    f.commit().unwrap()
}

#[test]
fn reimport_adds_nothing_and_timeline_resolves_links() {
    let mut a = Archive::open_in_memory().unwrap();
    let first = import(&mut a, sample());
    assert_eq!(first.messages_new, 5);
    assert_eq!(first.events_new, 1);
    let second = import(&mut a, sample());
    assert_eq!(second.messages_new, 0);
    assert_eq!(second.messages_present, 5);
    assert_eq!(second.events_new, 0);
    assert_eq!(a.counts().unwrap(), (1, 5, 1));

    let t = a.timeline(a.group_ids().unwrap()[0]).unwrap();
    assert_eq!(t.messages.len(), 5);
    assert_eq!(t.messages[1].reply_to, Some(0), "explicit reply resolved to the parent's index");
    let ann = t.sender(&t.messages[0]);
    assert_eq!(ann.name, "Annie", "a rename keeps one member and shows the newest name");
    assert_eq!(t.messages[0].sender, t.messages[2].sender);
    let bob_ix = t.messages[1].sender;
    assert_eq!(t.messages[2].mentions, vec![bob_ix], "a mention by name resolves to the member");
    assert_eq!(t.events[0].subjects, vec![bob_ix]);
    assert!(t.members.iter().any(|m| m.name == "Silent" && m.on_roster));
    let summary = &a.groups().unwrap()[0];
    assert_eq!((summary.messages, summary.members, summary.speakers), (5, 3, 2));
}

#[test]
fn dropped_import_leaves_nothing() {
    let mut a = Archive::open_in_memory().unwrap();
    {
        let mut f = a.begin_file().unwrap();
        for r in sample() {
            f.apply(r).unwrap();
        }
        // dropped without commit: as if the file failed halfway
    }
    assert_eq!(a.counts().unwrap(), (0, 0, 0));
}

#[test]
fn record_for_undeclared_group_is_an_error() {
    let mut a = Archive::open_in_memory().unwrap();
    let mut f = a.begin_file().unwrap();
    let err = f.apply(msg(Some("1"), 0, Person::named("x"), "hi", None)).unwrap_err();
    assert!(err.to_string().contains("slot 0"), "{err}");
}

#[test]
fn reopening_a_file_keeps_data_and_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/archive.db");
    {
        let mut a = Archive::open(&path).unwrap();
        import(&mut a, sample());
    }
    let a = Archive::open(&path).unwrap();
    assert_eq!(a.schema_version().unwrap(), 7);
    assert_eq!(a.counts().unwrap().1, 5);
}

#[test]
fn readonly_handles_read_in_parallel_and_refuse_writes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a.db");
    let mut a = Archive::open(&path).unwrap();
    import(&mut a, sample());
    let id = a.group_ids().unwrap()[0];
    let counts: Vec<usize> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..3)
            .map(|_| s.spawn(|| Archive::open_readonly(&path).unwrap().timeline(id).unwrap().messages.len()))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(counts, vec![5, 5, 5]);
    let mut ro = Archive::open_readonly(&path).unwrap();
    let wrote = ro.begin_file().and_then(|mut f| {
        f.apply(group())?;
        f.apply(msg(Some("9"), 0, Person::named("x"), "x", None))?;
        f.commit()
    });
    assert!(wrote.is_err(), "a read-only handle must refuse writes");
    assert_eq!(Archive::open_readonly(&path).unwrap().counts().unwrap().1, 5);
}

#[test]
fn spans_follow_every_import_and_timelines_come_back_in_time_order() {
    let mut a = Archive::open_in_memory().unwrap();
    import(&mut a, sample());
    let id = a.group_ids().unwrap()[0];
    let span = |a: &Archive| {
        let s = a.spans().unwrap();
        assert_eq!(s.len(), 1);
        (s[0].first_ms, s[0].last_ms)
    };
    assert_eq!(span(&a), (Some(1000), Some(4000)));
    // A later file with an older and a newer message widens the span both ways; its
    // messages take their place in time, whatever order the archive stored them in.
    let bob = Person::named("Bob");
    import(
        &mut a,
        vec![group(), msg(Some("900"), 9000, bob.clone(), "late", Some("2")), msg(Some("10"), 10, bob, "early", None)],
    );
    assert_eq!(span(&a), (Some(10), Some(9000)));
    let t = a.timeline(id).unwrap();
    let times: Vec<i64> = t.messages.iter().map(|m| m.time_ms).collect();
    assert_eq!(times, vec![10, 1000, 2000, 3000, 4000, 4000, 9000]);
    let text = |ix: Option<u32>| ix.map(|i| t.messages[i as usize].text.as_str());
    assert_eq!(text(t.messages[2].reply_to), Some("怎么开始？"));
    assert_eq!(text(t.messages[6].reply_to), Some("like this"));
    // Re-importing what is already stored leaves the span alone.
    import(&mut a, sample());
    assert_eq!(span(&a), (Some(10), Some(9000)));
}

#[test]
fn an_archive_from_before_spans_is_upgraded_from_its_messages() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    {
        let mut a = Archive::open(&path).unwrap();
        import(&mut a, sample());
    }
    // Put the file back into the shape schema version 3 had: no span columns, time indexes.
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch(
            "ALTER TABLE groups DROP COLUMN first_ms; ALTER TABLE groups DROP COLUMN last_ms;
             CREATE INDEX messages_by_time ON messages (group_id, time_ms);
             CREATE INDEX events_by_time ON events (group_id, time_ms);
             DROP TABLE live_cursors;
             DROP TABLE alerts;
             DROP TABLE enforcement_actions;
             PRAGMA user_version = 3;",
        )
        .unwrap();
    }
    let refused = Archive::open_readonly(&path).err().expect("a version 3 archive is not read as is");
    assert!(refused.to_string().contains("version 3"), "{refused}");
    let a = Archive::open(&path).unwrap();
    assert_eq!(a.schema_version().unwrap(), 7);
    let s = a.spans().unwrap();
    assert_eq!((s[0].first_ms, s[0].last_ms), (Some(1000), Some(4000)));
    let c = rusqlite::Connection::open(&path).unwrap();
    let indexes: i64 = c
        .query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name LIKE '%_by_time'", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(indexes, 0);
}

#[test]
fn names_over_time_resolve_mentions_and_cost_rows_only_when_a_name_changes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("names.db");
    let mut a = Archive::open(&path).unwrap();
    // Ann is seen as "Ann", then as "Annie"; Bob under one name only.
    let bob = Person::named("Bob");
    import(
        &mut a,
        vec![
            group(),
            msg(Some("1"), 1000, Person::with_id("u1", "Ann"), "hello", None),
            msg(Some("2"), 2000, bob.clone(), "hi", None),
            msg(Some("3"), 3000, Person::with_id("u1", "Annie"), "new name", None),
        ],
    );
    let history = || -> Vec<(String, i64)> {
        let c = rusqlite::Connection::open(&path).unwrap();
        let mut s = c.prepare("SELECT name, first_ms FROM member_names ORDER BY first_ms").unwrap();
        s.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).unwrap().map(Result::unwrap).collect()
    };
    assert_eq!(history(), vec![("Ann".to_string(), 1000), ("Annie".to_string(), 3000)]);
    // A later file mentions both by name, Ann by the name she no longer shows.
    let mut mention = msg(Some("4"), 4000, bob, "thanks Ann and Bob", None);
    if let Record::Message { message, .. } = &mut mention {
        message.mentions.push(Mention::Member(Person::named("Ann")));
        message.mentions.push(Mention::Member(Person::named("Bob")));
    }
    import(&mut a, vec![group(), mention]);
    let t = a.timeline(a.group_ids().unwrap()[0]).unwrap();
    let (ann, bob) = (t.messages[0].sender, t.messages[1].sender);
    assert_eq!(t.member(ann).name, "Annie");
    assert_eq!(t.messages[3].mentions, vec![ann, bob], "old and current names both resolve");
    // Bob, seen again in the second file under the same name, gets his one name on record.
    assert_eq!(history().len(), 3);
}

fn journal_mode(path: &std::path::Path) -> String {
    let c = rusqlite::Connection::open(path).unwrap();
    c.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap()
}

#[test]
fn a_first_import_is_in_wal_and_readers_read_beside_it_while_it_works() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fresh.db");
    let mut a = Archive::open(&path).unwrap();
    {
        let mut f = a.begin_file().unwrap();
        for r in sample() {
            f.apply(r).unwrap();
        }
        // The file's transaction is open: a reader opened now reads the empty archive.
        let reader = Archive::open_readonly(&path).unwrap();
        assert_eq!(reader.counts().unwrap(), (0, 0, 0));
        assert_eq!(journal_mode(&path), "wal");
        f.commit().unwrap();
        assert_eq!(reader.counts().unwrap(), (1, 5, 1));
    }
    assert!(!dir.path().join("fresh.db-journal").exists());
    assert_eq!(a.counts().unwrap(), (1, 5, 1));
}

#[test]
fn a_second_writer_waits_for_the_first_instead_of_failing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("queue.db");
    let mut a = Archive::open(&path).unwrap();
    let mut b = Archive::open(&path).unwrap();
    let (started_tx, started_rx) = std::sync::mpsc::channel();
    let writer = std::thread::spawn(move || {
        let mut f = a.begin_file().unwrap();
        for r in sample() {
            f.apply(r).unwrap();
        }
        started_tx.send(()).unwrap();
        // Longer than the plain busy timeout (5 s) would allow.
        std::thread::sleep(std::time::Duration::from_millis(6000));
        f.commit().unwrap();
    });
    started_rx.recv().unwrap();
    let mut waited = false;
    b.wait_for_writer(std::time::Duration::from_secs(60), || waited = true).unwrap();
    assert!(waited, "the lock was taken, so the wait was announced");
    let f = b.begin_file().expect("the second writer queues behind the first");
    drop(f);
    writer.join().unwrap();
    assert_eq!(b.counts().unwrap(), (1, 5, 1));
}

#[test]
fn a_failed_first_import_leaves_an_empty_readable_archive() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("failed.db");
    {
        let mut a = Archive::open(&path).unwrap();
        let mut f = a.begin_file().unwrap();
        for r in sample() {
            f.apply(r).unwrap();
        }
        // Dropped without commit: as if the parser failed halfway.
    }
    let c = rusqlite::Connection::open(&path).unwrap();
    let check: String = c.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    drop(c);
    let mut a = Archive::open(&path).unwrap();
    assert_eq!(a.counts().unwrap(), (0, 0, 0));
    assert_eq!(journal_mode(&path), "wal");
    assert_eq!(import(&mut a, sample()).messages_new, 5);
}

#[test]
fn a_first_import_beside_an_open_reader_stays_in_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let mut a = Archive::open(&path).unwrap();
    let reader = Archive::open_readonly(&path).unwrap();
    assert_eq!(reader.counts().unwrap(), (0, 0, 0));
    assert_eq!(import(&mut a, sample()).messages_new, 5);
    assert_eq!(reader.counts().unwrap(), (1, 5, 1), "the reader sees the committed file");
    assert_eq!(journal_mode(&path), "wal");
}

/// The live writer's additions: a cursor commits or rolls back with its records, a live source
/// covers its groups up to its last commit or heartbeat, an edit replaces the text, and a group
/// record without a name keeps the stored one.
#[test]
fn live_transactions_keep_cursor_coverage_edits_and_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("live.db");
    let mut a = Archive::open(&path).unwrap();
    {
        let mut tx = a.begin_live().unwrap();
        tx.apply(group()).unwrap();
        tx.apply(msg(Some("1"), 1000, Person::with_id("u1", "Ann"), "hello", None)).unwrap();
        tx.set_cursor("telegram", "17", 5000).unwrap();
        tx.record_live("telegram", 5000).unwrap();
        tx.commit().unwrap();
    }
    assert_eq!(a.cursor("telegram").unwrap().as_deref(), Some("17"));
    {
        // Dropped without commit: neither the message nor the cursor stays.
        let mut tx = a.begin_live().unwrap();
        tx.apply(group()).unwrap();
        tx.apply(msg(Some("2"), 2000, Person::with_id("u1", "Ann"), "lost", None)).unwrap();
        tx.set_cursor("telegram", "18", 6000).unwrap();
    }
    assert_eq!(a.cursor("telegram").unwrap().as_deref(), Some("17"));
    assert_eq!(a.counts().unwrap().1, 1);
    let cov = a.spans().unwrap()[0].coverage.expect("a live source records coverage");
    assert_eq!((cov.first_ms, cov.last_ms), (1000, 5000));
    {
        let mut tx = a.begin_live().unwrap();
        tx.extend_live("telegram", 9000).unwrap();
        tx.commit().unwrap();
    }
    assert_eq!(a.spans().unwrap()[0].coverage.unwrap().last_ms, 9000, "the heartbeat moves the end");
    {
        // An edit of message 1, in a group record that does not carry the name.
        let mut tx = a.begin_live().unwrap();
        tx.apply(Record::Group(GroupInfo {
            name: String::new(),
            ..match group() {
                Record::Group(g) => g,
                _ => unreachable!(),
            }
        }))
        .unwrap();
        let mut edit = msg(Some("1"), 1000, Person::with_id("u1", "Ann"), "hello, edited", None);
        if let Record::Message { message, .. } = &mut edit {
            message.edited = Some(Stamp::from_unix_ms(7000));
        }
        tx.apply(edit).unwrap();
        tx.record_live("telegram", 9500).unwrap();
        tx.commit().unwrap();
    }
    let g = &a.groups().unwrap()[0];
    assert_eq!(g.name, "读书会", "an empty name keeps the stored one");
    let t = a.timeline(g.id).unwrap();
    assert_eq!(t.messages.len(), 1);
    assert_eq!(t.messages[0].text, "hello, edited");
}

/// A member first seen live by id only (Slack, OneBot events carry no name) takes the name an
/// older export gives later.
#[test]
fn an_empty_name_is_replaced_by_any_later_name() {
    let mut a = Archive::open_in_memory().unwrap();
    import(&mut a, vec![group(), msg(Some("9"), 9000, Person::with_id("u1", ""), "live, no name", None)]);
    import(&mut a, vec![group(), msg(Some("1"), 1000, Person::with_id("u1", "Ann"), "from an export", None)]);
    let g = a.groups().unwrap()[0].id;
    let t = a.timeline(g).unwrap();
    assert_eq!(t.members.len(), 1);
    assert_eq!(t.members[0].name, "Ann");
}
