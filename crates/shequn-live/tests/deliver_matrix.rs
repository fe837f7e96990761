//! Alerts delivered to an operators' Matrix room and enforcement executed, end to end on a real
//! Synapse homeserver: the live service reads rooms through the Matrix source (a bot account),
//! raises alerts with a 1-minute newcomer wait, and posts them as the bot into the operators'
//! room; the enforcement executor redacts a real event.

#[path = "../../shequn/tests/synapse/mod.rs"]
mod synapse;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use shequn_alerts::GroupRef;
use shequn_archive::Archive;
use shequn_engine::AnalysisConfig;
use shequn_live::alerting::Alerting;
use shequn_live::enforce::{Actor, EnforcementAction, Enforcer, Outcome, Step};
use shequn_live::outbound::matrix::MatrixApi;
use shequn_live::outbound::Outbound;
use shequn_live::server::Service;
use shequn_live::sources::matrix::{Auth, Matrix, MatrixConfig};
use shequn_live::{LiveConfig, Source};
use shequn_model::Platform;
use synapse::{call, seg, Synapse, User};

fn matrix_source(hs: &str, bot: &User) -> Arc<dyn Source> {
    let config = MatrixConfig {
        homeserver: hs.to_string(),
        user_id: bot.id.clone(),
        access_token_env: Some("UNUSED".into()),
        password_env: None,
        auto_join: true,
        timeout_ms: 2_000,
        timeline_limit: 50,
        backfill_pages: 20,
    };
    Arc::new(Matrix::new(config, Auth::Token { token: bot.token.clone(), var: "SHEQUN_TEST_TOKEN".into() }).unwrap())
}

struct Running {
    service: Service,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

/// The whole live path in process: the Matrix source, the writer, alerting with a 1-minute
/// newcomer wait, delivery to `ops` as the bot.
fn start(rt: &tokio::runtime::Runtime, db: &Path, hs: &str, bot: &User, ops: &str) -> Running {
    let _guard = rt.enter();
    let config = LiveConfig::from_toml(&format!(
        "[alerts]\nnewcomer_wait_min = 1\nquestion_wait_min = 0\n[alerts.deliver.matrix]\nroom_id = \"{ops}\"\n"
    ))
    .unwrap();
    let service = Service::with_sources(&config, db, vec![matrix_source(hs, bot)]).unwrap();
    let analysis = AnalysisConfig::default();
    let outbound = Outbound {
        matrix: Some(Arc::new(MatrixApi::new(hs, bot.token.clone(), Duration::from_secs(10)))),
        ..Outbound::default()
    };
    let alerting =
        Alerting::with_secret(&config.alerts, analysis.replies.clone(), analysis.responsiveness.clone(), None)
            .with_delivery(&config.deliver, &outbound);
    let mut tasks = vec![service.spawn_alerting(&alerting)];
    tasks.extend(service.spawn_pulls());
    Running { service, tasks }
}

impl Running {
    fn stop(self, rt: &tokio::runtime::Runtime) {
        let _ = self.service.shutdown.send(true);
        rt.block_on(async {
            for t in self.tasks {
                let _ = tokio::time::timeout(Duration::from_secs(10), t).await;
            }
        });
        let Service { ingest, writer, sources, .. } = self.service;
        drop(sources);
        drop(ingest);
        writer.join().unwrap();
    }
}

fn wait_for(secs: u64, what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check() {
        assert!(Instant::now() < deadline, "timed out after {secs} s waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Message texts the archive holds for `room`.
fn stored(db: &Path, room: &str) -> Vec<String> {
    let Ok(a) = Archive::open_readonly(db) else { return Vec::new() };
    let Some(g) = a.find_groups(room).ok().and_then(|g| g.into_iter().next()) else { return Vec::new() };
    a.timeline(g.id).map(|t| t.messages.into_iter().map(|m| m.text).collect()).unwrap_or_default()
}

/// The bodies the bot posted in `room`, oldest first (read as `reader`).
fn posted_by(reader: &User, base: &str, room: &str, bot: &str) -> Vec<String> {
    let url = format!("{base}/_matrix/client/v3/rooms/{}/messages?dir=b&limit=200", seg(room));
    let v = call("GET", &url, Some(&reader.token), None);
    let mut out: Vec<String> = v["chunk"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "m.room.message" && e["sender"] == bot)
        .filter_map(|e| e["content"]["body"].as_str().map(str::to_string))
        .collect();
    out.reverse();
    out
}

/// A room where everyone already said hello and was answered (so no old bid is open).
fn room_with_history(alice: &User, bob: &User, name: &str, invite: &[&str]) -> String {
    let room = alice.create_room(name, invite);
    bob.join(&room);
    let hello = alice.send(&room, "hello all, this room is for the reading club");
    let hi = bob.reply(&room, "hi Alice, glad to be here", &hello);
    alice.reply(&room, "welcome Bob!", &hi);
    room
}

#[test]
fn unanswered_newcomers_reach_the_operators_room_once_answered_ones_never_and_answers_resolve() {
    let Some(hs) = Synapse::start() else { return };
    let alice = hs.register("alice", "alice-pw");
    let bob = hs.register("bob", "bob-pw");
    let ann = hs.register("ann", "ann-pw");
    let dan = hs.register("dan", "dan-pw");
    let bot = hs.register("shequn", "bot-pw");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");

    let ops = alice.create_room("operators", &[&bot.id]);
    let invite = [bot.id.as_str(), bob.id.as_str(), ann.id.as_str(), dan.id.as_str()];
    let unanswered = room_with_history(&alice, &bob, "unanswered", &invite);
    let answered = room_with_history(&alice, &bob, "answered", &invite);
    let late = room_with_history(&alice, &bob, "answered late", &invite);
    let restarted = room_with_history(&alice, &bob, "restarted", &invite);

    let live = start(&rt, &db, &hs.base, &bot, &ops);
    for r in [&unanswered, &answered, &late, &restarted] {
        wait_for(60, "the rooms' history", || stored(&db, r).len() == 3);
    }

    // Dan greets; the service stops and starts again before his wait ends.
    dan.join(&restarted);
    let dan_hello = dan.send(&restarted, "hello everyone, Dan here, new to the club");
    wait_for(30, "Dan's greeting in the archive", || stored(&db, &restarted).len() == 4);
    live.stop(&rt);
    let live = start(&rt, &db, &hs.base, &bot, &ops);

    // Ann greets three rooms; in one, Bob answers at once.
    let mut greeting = HashMap::new();
    for r in [&unanswered, &answered, &late] {
        ann.join(r);
        greeting.insert(r.clone(), ann.send(r, "hi everyone, I just joined, glad to be here"));
    }
    bob.reply(&answered, "welcome Ann! the next meeting is on Friday", &greeting[&answered]);
    let greeted = Instant::now();

    let key = |room: &str, event: &str| format!("key: matrix:{room}:newcomer:m:{event}");
    let opened = |room: &str, event: &str| {
        let k = key(room, event);
        posted_by(&alice, &hs.base, &ops, &bot.id).into_iter().filter(|b| b.starts_with("⚠️") && b.contains(&k)).count()
    };
    wait_for(150, "the three alerts in the operators' room", || {
        opened(&unanswered, &greeting[&unanswered]) == 1
            && opened(&late, &greeting[&late]) == 1
            && opened(&restarted, &dan_hello) == 1
    });
    assert!(greeted.elapsed() >= Duration::from_secs(55), "not before the 1-minute wait: {:?}", greeted.elapsed());
    let bodies = posted_by(&alice, &hs.base, &ops, &bot.id);
    let first = bodies.iter().find(|b| b.contains(&key(&unanswered, &greeting[&unanswered]))).unwrap();
    assert!(first.contains("「unanswered」新人 ann 的第一条发言 1 分钟无人回应"), "{first}");
    assert!(first.contains("unanswered: newcomer ann's first message has had no answer for 1 min"), "{first}");
    assert!(first.contains("): hi everyone, I just joined, glad to be here"), "the evidence quote: {first}");
    assert!(first.find("新人 ann").unwrap() < first.find("newcomer ann").unwrap(), "Chinese first");

    // Bob answers Ann late in one room: the open alert resolves, and the operators hear it.
    bob.reply(&late, "sorry Ann, welcome!", &greeting[&late]);
    let resolved = |room: &str, event: &str| {
        let k = key(room, event);
        posted_by(&alice, &hs.base, &ops, &bot.id).into_iter().filter(|b| b.starts_with("✅") && b.contains(&k)).count()
    };
    wait_for(60, "the resolution in the operators' room", || resolved(&late, &greeting[&late]) == 1);
    let a = Archive::open_readonly(&db).unwrap();
    let k = |room: &str, event: &str| format!("matrix:{room}:newcomer:m:{event}");
    assert_eq!(a.alert(&k(&late, &greeting[&late])).unwrap().unwrap().state, "resolved");
    assert_eq!(a.alert(&k(&unanswered, &greeting[&unanswered])).unwrap().unwrap().state, "open");
    assert_eq!(a.alert(&k(&restarted, &dan_hello)).unwrap().unwrap().state, "open");
    // Answered in time: never an alert, never a message.
    assert!(a.alert(&k(&answered, &greeting[&answered])).unwrap().is_none());
    assert!(posted_by(&alice, &hs.base, &ops, &bot.id).iter().all(|b| !b.contains(&answered)));
    // Once each, the restarted one included; nothing else was posted.
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(opened(&restarted, &dan_hello), 1);
    let posted = posted_by(&alice, &hs.base, &ops, &bot.id);
    assert_eq!(posted.len(), 4, "three alerts and one resolution: {posted:#?}");
    live.stop(&rt);
}

/// A room where `bot` has the power to redact (100; the creator has it by being the creator).
fn room_with_moderator(base: &str, alice: &User, bot: &User, name: &str) -> String {
    let body = json!({
        "name": name,
        "invite": [bot.id],
        "power_level_content_override": { "users": { bot.id.clone(): 100 } }
    });
    let r = call("POST", &format!("{base}/_matrix/client/v3/createRoom"), Some(&alice.token), Some(body));
    let room = r["room_id"].as_str().unwrap().to_string();
    bot.join(&room);
    room
}

fn event(base: &str, reader: &User, room: &str, id: &str) -> Value {
    call("GET", &format!("{base}/_matrix/client/v3/rooms/{}/event/{}", seg(room), seg(id)), Some(&reader.token), None)
}

#[test]
fn the_matrix_executor_redacts_a_real_event_records_it_and_a_refusal_is_kept() {
    let Some(hs) = Synapse::start() else { return };
    let alice = hs.register("alice", "alice-pw");
    let spammer = hs.register("spammer", "spam-pw");
    let bot = hs.register("shequn", "bot-pw");
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let service = Service::with_sources(&LiveConfig::default(), &db, Vec::new()).unwrap();

    let room = room_with_moderator(&hs.base, &alice, &bot, "moderated");
    alice.invite(&room, &spammer.id);
    spammer.join(&room);
    let ad = spammer.send(&room, "低价代购，加微信 abc123 / cheap deals, add me");
    let kept = spammer.send(&room, "and another one, kept for the dry run");
    // A room where the bot is an ordinary member: Synapse refuses its redaction.
    let plain = alice.create_room("plain", &[&bot.id, &spammer.id]);
    bot.join(&plain);
    spammer.join(&plain);
    let other = spammer.send(&plain, "加微信 abc123");

    let api = Arc::new(MatrixApi::new(&hs.base, bot.token.clone(), Duration::from_secs(10)));
    let actors = Enforcer::actors(&Outbound { matrix: Some(api), ..Outbound::default() });
    assert!(actors.contains_key(&Platform::Matrix));
    let enforcer =
        Enforcer::start(actors, service.ingest.clone(), rt.handle().clone(), 16, 2, Duration::from_millis(50)).unwrap();
    let action = |room: &str, msg: &str, steps: Vec<Step>, dry_run: bool| EnforcementAction {
        group: GroupRef { platform: Platform::Matrix, platform_id: room.to_string(), name: "moderated".into() },
        message_id: msg.to_string(),
        sender: spammer.id.clone(),
        steps,
        dry_run,
        alert_key: Some(format!("matrix:{room}:ad:m:{msg}")),
    };
    let warn =
        Step::Warn { text: "本群禁止广告 · No ads in this room (rule: ads only in the ad thread)".into() };

    // Dry run: recorded as what would be done; the event is untouched.
    let rx = enforcer.submit(action(&room, &kept, vec![Step::Delete], true)).unwrap();
    let dry = rx.blocking_recv().unwrap();
    assert_eq!(dry[0].outcome, Outcome::Would);
    assert!(dry[0].detail.contains(&kept), "{:?}", dry[0]);
    assert_eq!(event(&hs.base, &alice, &room, &kept)["content"]["body"], "and another one, kept for the dry run");

    // Enforced: redacted on the homeserver, a warning posted, a mute proposed (Matrix has none).
    let rx = enforcer
        .submit(action(&room, &ad, vec![Step::Delete, warn.clone(), Step::Mute { minutes: 10 }], false))
        .unwrap();
    let done = rx.blocking_recv().unwrap();
    let outcomes: Vec<Outcome> = done.iter().map(|o| o.outcome).collect();
    assert_eq!(outcomes, [Outcome::Done, Outcome::Done, Outcome::Proposed], "{done:?}");
    let e = event(&hs.base, &alice, &room, &ad);
    assert!(e["unsigned"]["redacted_because"].is_object(), "the event is redacted: {e}");
    assert!(e["content"].as_object().unwrap().is_empty(), "{e}");

    // Refused: the bot has no power in the other room; logged and kept, not retried into success.
    let rx = enforcer.submit(action(&plain, &other, vec![Step::Delete], false)).unwrap();
    let refused = rx.blocking_recv().unwrap();
    assert_eq!(refused[0].outcome, Outcome::Refused, "{refused:?}");
    assert!(refused[0].detail.contains("M_FORBIDDEN"), "{refused:?}");
    assert_eq!(event(&hs.base, &alice, &plain, &other)["content"]["body"], "加微信 abc123");

    // The archive says what was done to each message.
    let a = Archive::open_readonly(&db).unwrap();
    let rows = a.enforcement_for("matrix", &room, &format!("m:{ad}")).unwrap();
    let got: Vec<(&str, &str, bool)> =
        rows.iter().map(|r| (r.action.as_str(), r.outcome.as_str(), r.dry_run)).collect();
    assert_eq!(got, [("delete", "done", false), ("warn", "done", false), ("mute", "proposed", false)]);
    let dry_rows = a.enforcement_for("matrix", &room, &format!("m:{kept}")).unwrap();
    assert_eq!((dry_rows[0].outcome.as_str(), dry_rows[0].dry_run), ("would", true));
    let refused_rows = a.enforcement_for("matrix", &plain, &format!("m:{other}")).unwrap();
    assert_eq!(refused_rows[0].outcome, "refused");
    drop(a);

    // The executor is usable directly too (what the lead's policy path calls).
    let direct = shequn_live::enforce::actors::MatrixActor {
        api: Arc::new(MatrixApi::new(&hs.base, bot.token.clone(), Duration::from_secs(10))),
    };
    let again = action(&room, &kept, vec![Step::Delete], false);
    assert!(direct.describe(&again, &Step::Delete).contains("redact"));
    let out = shequn_live::enforce::execute(&direct, &again, 2, Duration::from_millis(50));
    assert_eq!(out[0].outcome, Outcome::Done);
    assert!(event(&hs.base, &alice, &room, &kept)["unsigned"]["redacted_because"].is_object());

    drop(enforcer);
    let Service { ingest, writer, .. } = service;
    drop(ingest);
    writer.join().unwrap();
}
