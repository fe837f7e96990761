//! `shequn live` against a real Synapse on loopback: a bot account accepts an invitation,
//! syncs what people say and do into the archive, survives kill -9, and after a restart
//! stores what was said while it was down, each message exactly once.

mod synapse;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use shequn_archive::Archive;
use shequn_model::{EventKind, Timeline};
use synapse::Synapse;

const BOT_PASSWORD: &str = "bot-password-not-printed";

/// A running `shequn live`, killed with SIGKILL when dropped.
struct Live {
    child: Child,
}

impl Live {
    fn start(dir: &Path, db: &Path, homeserver: &str, log: &Path) -> Live {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let config = dir.join("live.toml");
        std::fs::write(
            &config,
            format!(
                "[server]\naddr = \"127.0.0.1:{port}\"\n\n[matrix]\nhomeserver = \"{homeserver}\"\n\
                 user_id = \"@shequn:localhost\"\npassword_env = \"SHEQUN_TEST_MATRIX_PASSWORD\"\n\
                 auto_join = true\ntimeout_ms = 5000\n"
            ),
        )
        .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_shequn"))
            .arg("--db")
            .arg(db)
            .args(["live", "--config"])
            .arg(&config)
            .env("SHEQUN_TEST_MATRIX_PASSWORD", BOT_PASSWORD)
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(log).unwrap())
            .spawn()
            .unwrap();
        let mut live = Live { child };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(s)) = live.child.try_wait() {
                panic!("shequn live exited ({s}): {}", std::fs::read_to_string(log).unwrap_or_default());
            }
            assert!(Instant::now() < deadline, "shequn live did not start listening");
            std::thread::sleep(Duration::from_millis(50));
        }
        live
    }

    fn kill_9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.kill_9();
    }
}

/// The room's timeline as the archive holds it now (None until it is there).
fn room(db: &Path, room_id: &str) -> Option<(Timeline, Option<String>)> {
    let a = Archive::open_readonly(db).ok()?;
    let g = a.find_groups(room_id).ok()?.into_iter().find(|g| g.platform_id == room_id)?;
    Some((a.timeline(g.id).ok()?, a.cursor("matrix").ok()?))
}

/// Polls `check` until it is true or `secs` pass; the failure says `what` and shows the log.
fn wait_for(secs: u64, what: &str, log: &Path, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check() {
        if Instant::now() > deadline {
            panic!("timed out waiting for {what}; shequn said:\n{}", std::fs::read_to_string(log).unwrap_or_default());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn texts(t: &Timeline) -> Vec<String> {
    let mut v: Vec<String> = t.messages.iter().map(|m| m.text.clone()).collect();
    v.sort();
    v
}

fn member_id(t: &Timeline, ix: u32) -> &str {
    t.members[ix as usize].platform_id.as_deref().unwrap_or("")
}

#[test]
fn a_bot_syncs_a_synapse_room_and_survives_kill_9() {
    let started = Instant::now();
    let Some(hs) = Synapse::start() else { return };
    let alice = hs.register("alice", "alice-pw");
    let bob = hs.register("bob", "bob-pw");
    let carol = hs.register("carol", "carol-pw");
    let bot = hs.register("shequn", BOT_PASSWORD);
    let dir = tempfile::tempdir().unwrap();
    let db: PathBuf = dir.path().join("archive.db");
    let log = dir.path().join("live-1.log");

    // The bot is running before the room exists: a first sync stores a cursor and nothing else.
    let mut live = Live::start(dir.path(), &db, &hs.base, &log);
    wait_for(30, "the first sync's cursor", &log, || {
        Archive::open_readonly(&db).ok().and_then(|a| a.cursor("matrix").ok().flatten()).is_some()
    });

    let room_id = alice.create_room("社群 Matrix test", &[&bot.id, &bob.id]);
    wait_for(30, "the bot to accept the invitation", &log, || alice.is_joined(&room_id, &bot.id));
    let hello = alice.send(&room_id, "hello everyone");
    let second = alice.send(&room_id, "second message");
    bob.join(&room_id);
    bob.reply(&room_id, "replying to the second", &second);
    alice.invite(&room_id, &carol.id);
    carol.join(&room_id);
    carol.send(&room_id, "hi, carol here");
    carol.leave(&room_id);
    let typo = alice.send(&room_id, "a typo");
    alice.redact(&room_id, &typo);
    alice.send(&room_id, "last before the crash");

    let mut before = Vec::new();
    wait_for(30, "six messages and the redaction in the archive", &log, || match room(&db, &room_id) {
        Some((t, _)) if t.messages.len() >= 6 && t.events.iter().any(|e| e.kind == EventKind::Recall) => {
            before = texts(&t);
            true
        }
        _ => false,
    });
    let (t, cursor_1) = room(&db, &room_id).unwrap();
    assert_eq!(t.group.name, "社群 Matrix test");
    assert_eq!(t.messages.len(), 6, "every message once: {before:?}");
    let by_text = |s: &str| t.messages.iter().find(|m| m.text == s).unwrap_or_else(|| panic!("{s:?} in {before:?}"));
    let reply = by_text("replying to the second");
    assert_eq!(reply.reply_to.map(|ix| t.messages[ix as usize].text.as_str()), Some("second message"));
    assert_eq!(member_id(&t, reply.sender), bob.id);
    let joined: Vec<&str> = t
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Join)
        .flat_map(|e| &e.subjects)
        .map(|s| member_id(&t, *s))
        .collect();
    for who in [&alice.id, &bot.id, &bob.id, &carol.id] {
        assert!(joined.contains(&who.as_str()), "{who} joined: {joined:?}");
    }
    let left: Vec<&str> = t
        .events
        .iter()
        .filter(|e| e.kind == EventKind::Leave)
        .flat_map(|e| &e.subjects)
        .map(|s| member_id(&t, *s))
        .collect();
    assert_eq!(left, vec![carol.id.as_str()]);
    let recall = t.events.iter().find(|e| e.kind == EventKind::Recall).unwrap();
    let recalled = &t.messages[recall.target.expect("the recall points at the redacted message") as usize];
    assert_eq!(member_id(&t, recalled.sender), alice.id);
    assert!(recalled.text == "a typo" || recalled.text.is_empty(), "{:?}", recalled.text);
    assert!(t.events.iter().any(|e| e.kind == EventKind::Rename && e.detail.as_deref() == Some("社群 Matrix test")));
    assert!(t.members.iter().any(|m| m.platform_id.as_deref() == Some(bot.id.as_str()) && m.is_bot));
    let cursor_1 = cursor_1.expect("a cursor is stored with the records");
    let text_log = std::fs::read_to_string(&log).unwrap();
    assert!(!text_log.contains(BOT_PASSWORD), "the password is never printed");

    // kill -9, then people keep talking.
    live.kill_9();
    alice.send(&room_id, "while down 1");
    bob.send(&room_id, "while down 2");
    alice.edit(&room_id, &hello, "hello everyone (edited)");
    alice.rename(&room_id, "Renamed while down");
    alice.send(&room_id, "while down 3");

    let log_2 = dir.path().join("live-2.log");
    let _live = Live::start(dir.path(), &db, &hs.base, &log_2);
    wait_for(30, "the messages sent while shequn was down", &log_2, || {
        room(&db, &room_id).is_some_and(|(t, _)| {
            t.messages.len() >= 9
                && t.group.name == "Renamed while down"
                && texts(&t).iter().any(|s| s.contains("(edited)"))
        })
    });
    let (t, cursor_2) = room(&db, &room_id).unwrap();
    let mut expected: Vec<String> = before.iter().filter(|s| *s != "hello everyone").cloned().collect();
    expected.extend(["hello everyone (edited)", "while down 1", "while down 2", "while down 3"].map(String::from));
    expected.sort();
    assert_eq!(texts(&t), expected, "every message exactly once, none lost, none repeated");
    assert_ne!(cursor_2.as_deref(), Some(cursor_1.as_str()), "the cursor moved on");
    let text_log = std::fs::read_to_string(&log_2).unwrap();
    assert!(text_log.contains("resuming from the stored cursor"), "{text_log}");
    eprintln!("Synapse end-to-end took {:.1} s", started.elapsed().as_secs_f64());
}
