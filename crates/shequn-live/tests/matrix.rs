//! The Matrix source's pull loop in process, against a real Synapse on loopback: history from
//! before the bot joined and a gap longer than one `/sync` page are read back with
//! `/messages`; stopping wakes a long-poll; a token the homeserver refuses is a clear error.

#[path = "../../shequn/tests/synapse/mod.rs"]
mod synapse;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use shequn_archive::Archive;
use shequn_live::sources::matrix::{Auth, Matrix, MatrixConfig};
use shequn_live::Source;
use synapse::Synapse;

fn config(homeserver: &str, user_id: &str, timeline_limit: u32) -> MatrixConfig {
    MatrixConfig {
        homeserver: homeserver.to_string(),
        user_id: user_id.to_string(),
        access_token_env: Some("UNUSED".into()),
        password_env: None,
        auto_join: true,
        timeout_ms: 10_000,
        timeline_limit,
        backfill_pages: 50,
    }
}

/// The source's loop on `rt`, writing to `db`; returns the stop switch and the task.
fn start(
    rt: &tokio::runtime::Runtime,
    db: &Path,
    config: MatrixConfig,
    token: &str,
) -> (tokio::sync::watch::Sender<bool>, tokio::task::JoinHandle<anyhow::Result<()>>) {
    let _guard = rt.enter();
    let (ctx, stop) = shequn_live::server::test_context(db).unwrap();
    let source =
        Arc::new(Matrix::new(config, Auth::Token { token: token.into(), var: "SHEQUN_TEST_TOKEN".into() }).unwrap());
    let task = rt.spawn(source.pull(ctx).expect("a pull source"));
    (stop, task)
}

/// The room's message texts in time order, or empty before it is there.
fn texts(db: &Path, room: &str) -> Vec<String> {
    let Ok(a) = Archive::open_readonly(db) else { return Vec::new() };
    let Some(g) = a.find_groups(room).ok().and_then(|g| g.into_iter().next()) else { return Vec::new() };
    let mut t = a.timeline(g.id).unwrap();
    t.messages.sort_by_key(|m| m.time_ms);
    t.messages.into_iter().map(|m| m.text).collect()
}

fn wait_for(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn history_before_the_join_and_gaps_longer_than_a_page_are_read_back() {
    let Some(hs) = Synapse::start() else { return };
    let alice = hs.register("alice", "alice-pw");
    let bot = hs.register("shequn", "bot-pw");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    // Pages of 3 events: everything below needs `/messages`.
    let cfg = config(&hs.base, &bot.id, 3);

    // Said before the bot was invited: read back when it joins.
    let room = alice.create_room("backfill", &[]);
    let early: Vec<String> = (0..8).map(|i| format!("early {i}")).collect();
    for t in &early {
        alice.send(&room, t);
    }
    let (stop, task) = start(&rt, &db, cfg.clone(), &bot.token);
    alice.invite(&room, &bot.id);
    wait_for(30, "the history from before the join", || texts(&db, &room) == early);

    // Stopping wakes the long-poll at once.
    let t0 = Instant::now();
    stop.send(true).unwrap();
    rt.block_on(task).unwrap().unwrap();
    assert!(t0.elapsed() < Duration::from_secs(3), "stopped in {:?}", t0.elapsed());
    let cursor = Archive::open_readonly(&db).unwrap().cursor("matrix").unwrap();
    assert!(cursor.is_some());

    // A gap of 20 messages and an edit while stopped: filled back to the stored cursor.
    let mut all = early.clone();
    for i in 0..20 {
        let text = format!("gap {i}");
        let id = alice.send(&room, &text);
        if i == 0 {
            alice.edit(&room, &id, "gap 0 (edited)");
            all.push("gap 0 (edited)".into());
        } else {
            all.push(text);
        }
    }
    let (stop, task) = start(&rt, &db, cfg, &bot.token);
    wait_for(30, "the gap", || texts(&db, &room) == all);
    stop.send(true).unwrap();
    rt.block_on(task).unwrap().unwrap();
    assert_ne!(Archive::open_readonly(&db).unwrap().cursor("matrix").unwrap(), cursor);
    let a = Archive::open_readonly(&db).unwrap();
    let g = &a.find_groups(&room).unwrap()[0];
    assert_eq!((g.name.as_str(), g.messages), ("backfill", 28));
}

#[test]
fn a_refused_token_is_a_clear_error_that_does_not_print_it() {
    let Some(hs) = Synapse::start() else { return };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (_stop, task) =
        start(&rt, &dir.path().join("a.db"), config(&hs.base, "@shequn:localhost", 10), "syt_not_a_real_token");
    let err =
        rt.block_on(async { tokio::time::timeout(Duration::from_secs(20), task).await }).unwrap().unwrap().unwrap_err();
    let msg = format!("{err:#}");
    assert!(msg.contains("M_UNKNOWN_TOKEN") && msg.contains("SHEQUN_TEST_TOKEN"), "{msg}");
    assert!(!msg.contains("syt_not_a_real_token"), "{msg}");
}
