//! Relayed messages (`<DSpaceSlackBot> <pbecker> text`): the relayed person becomes the sender,
//! and the archive's content keys stay what the bridge's line gave before unwrapping, so an
//! archive built before re-imports (`import --force`) without duplicates.

use std::path::Path;

use shequn_archive::{Archive, ImportStats};
use shequn_ingest::formats::irc::IrcLog;
use shequn_ingest::{Format, Input, ParseOptions};
use shequn_model::{bot_name_matches, Message, Person, Record};

fn parse(path: &Path) -> Vec<Record> {
    let mut out = Vec::new();
    IrcLog.parse(&Input::new(path), &ParseOptions::default(), &mut out).unwrap_or_else(|e| panic!("{e}"));
    out
}

/// The records as a reader that does not unwrap relays gives them: the bridge sends the line as written.
fn as_written(recs: &[Record]) -> Vec<Record> {
    recs.iter()
        .map(|r| match r {
            Record::Message { group, message } => {
                let mut m = message.clone();
                if let Some(relay) = m.relayed.take() {
                    m.sender = Person { is_bot: false, ..relay.bridge };
                    m.text = relay.text;
                }
                m.sender.is_bot = false;
                Record::Message { group: *group, message: m }
            }
            other => other.clone(),
        })
        .collect()
}

fn import(archive: &mut Archive, recs: &[Record]) -> ImportStats {
    let mut file = archive.begin_file().unwrap();
    for r in recs {
        file.apply_ref(r).unwrap();
    }
    file.commit().unwrap()
}

fn messages(recs: &[Record]) -> impl Iterator<Item = &Message> {
    recs.iter().filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None })
}

/// Imports `before` (what the old reader gave), then `after`: every message must already be there.
fn assert_same_keys(before: &[Record], after: &[Record]) {
    let mut archive = Archive::open_in_memory().unwrap();
    let first = import(&mut archive, before);
    let second = import(&mut archive, after);
    assert!(first.messages_new > 0);
    assert_eq!(second.messages_new, 0, "unwrapping relays changed message keys");
    assert_eq!(second.messages_present, first.messages_new + first.messages_present);
}

#[test]
fn unwrapped_relays_keep_their_content_keys() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("2017-06-01.log");
    std::fs::write(
        &path,
        concat!(
            "<span class=\"irc-date\">[15:50]</span> <span class=\"irc-green\">* md (~md@host) has joined #duraspace</span><br />\n",
            "<span class=\"irc-date\">[15:52]</span> <span class=\"irc-black\">&lt;DSpaceSlackBot&gt; &lt;pbecker&gt; hi</span><br />\n",
            "<span class=\"irc-date\">[15:52]</span> <span class=\"irc-black\">&lt;DSpaceSlackBot&gt; &lt;pbecker&gt; hi</span><br />\n",
            "<span class=\"irc-date\">[15:52]</span> <span class=\"irc-black\">&lt;DSpaceSlackBot&gt; a line nobody is named in</span><br />\n",
            "<span class=\"irc-date\">[15:53]</span> <span class=\"irc-black\">&lt;DSpaceSlackBot1&gt; Action: pbecker waves</span><br />\n",
            "<span class=\"irc-date\">[15:54]</span> <span class=\"irc-black\">&lt;mhwood&gt; hi pbecker</span><br />\n",
        ),
    )
    .unwrap();
    let recs = parse(&path);
    let senders: Vec<&str> = messages(&recs).map(|m| m.sender.name.as_str()).collect();
    assert_eq!(senders, ["pbecker", "pbecker", "DSpaceSlackBot", "pbecker", "mhwood"]);

    // Written by hand: what the reader gave before it unwrapped relays.
    let mut before: Vec<Record> = recs.iter().filter(|r| !matches!(r, Record::Message { .. })).cloned().collect();
    let lines = [
        ("DSpaceSlackBot", "<pbecker> hi"),
        ("DSpaceSlackBot", "<pbecker> hi"),
        ("DSpaceSlackBot", "a line nobody is named in"),
        ("DSpaceSlackBot1", "Action: pbecker waves"),
        ("mhwood", "hi pbecker"),
    ];
    for (m, (sender, text)) in messages(&recs).zip(lines) {
        let message = Message { time: m.time, sender: Person::named(sender), text: text.into(), ..Message::default() };
        before.push(Record::Message { group: 0, message });
    }
    assert_same_keys(&before, &recs);
}

#[test]
fn real_duraspace_relays_unwrap_with_unchanged_keys() {
    let dir = shequn_corpus::require!("duraspace-irc/original-logs");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("2017-") || n.starts_with("2018-05-09"))
        })
        .collect();
    files.sort();
    let (mut relayed, mut by_bridge_as_member, mut notices) = (0, 0, 0);
    let mut people = std::collections::BTreeSet::new();
    for path in &files {
        let recs = parse(path);
        for m in messages(&recs) {
            if m.relayed.is_some() {
                relayed += 1;
                people.insert(m.sender.name.clone());
            }
            if bot_name_matches("DSpaceSlackBot*", &m.sender.name) && !m.sender.is_bot {
                by_bridge_as_member += 1;
            }
            if m.text.starts_with("(notice) ") {
                assert!(m.sender.is_bot, "{}: {}", path.display(), m.text);
                notices += 1;
            }
        }
        if messages(&recs).any(|m| m.relayed.is_some()) {
            assert_same_keys(&as_written(&recs), &recs);
        }
    }
    eprintln!("2017 + 2018-05-09: {relayed} relayed messages from {} people, {notices} notices", people.len());
    // grep: 3,980 `<DSpaceSlackBot…>` lines in 2017, and 177 `DSpaceSlackBot:` lines in each of
    // 2018-05-09.log and 2018-05-09-NEW.log.
    assert!(relayed > 4_200, "{relayed}");
    assert_eq!(by_bridge_as_member, 0, "every bridge line is someone's, or the bridge's as a bot");
    assert!(["tdonohue", "pbecker", "terrywbrady", "tom_desair"].iter().all(|p| people.contains(*p)), "{people:?}");
    assert_eq!(notices, 2);
}

#[test]
fn real_docker_matrix_relays_keep_their_keys() {
    let path = shequn_corpus::require!("livechat-gitter/data/raw/docker_docker_chatFormat.ascii.txt");
    let recs = parse(&path);
    let from_matrix: Vec<&Message> = messages(&recs).filter(|m| m.relayed.is_some()).collect();
    let bridge_own = messages(&recs).filter(|m| m.sender.name == "matrixbot").count();
    eprintln!("docker: {} matrix messages with an id, {bridge_own} left to matrixbot", from_matrix.len());
    assert!(from_matrix.iter().all(|m| m.sender.name.ends_with(":matrix.org")));
    assert!(!from_matrix.is_empty());
    assert!(messages(&recs).filter(|m| m.sender.name == "matrixbot").all(|m| m.sender.is_bot));
    assert_same_keys(&as_written(&recs), &recs);
}
