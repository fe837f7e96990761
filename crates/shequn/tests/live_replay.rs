//! `shequn live --replay`: an export through the alert rules on a simulated clock, printed,
//! with no archive read or written.

use std::process::Command;
use std::time::{Duration, Instant};

const EXPORT: &str = concat!(
    r#"{"group":"g1","group_name":"读书会","platform":"wechat","time":"2024-03-01T19:00:00+08:00","sender":"Bob","sender_id":"bob","text":"the meetup moved to Friday","id":"1"}"#,
    "\n",
    r#"{"group":"g1","group_name":"读书会","platform":"wechat","time":"2024-03-01T19:01:00+08:00","sender":"Cid","sender_id":"cid","text":"thanks Bob, noted","id":"2"}"#,
    "\n",
    r#"{"group":"g1","group_name":"读书会","platform":"wechat","time":"2024-03-01T20:00:00+08:00","sender":"Ann","sender_id":"ann","event":"join"}"#,
    "\n",
    r#"{"group":"g1","group_name":"读书会","platform":"wechat","time":"2024-03-01T20:01:00+08:00","sender":"Ann","sender_id":"ann","text":"hi everyone, glad to be here","id":"3"}"#,
    "\n",
    r#"{"group":"g1","group_name":"读书会","platform":"wechat","time":"2024-03-01T20:13:00+08:00","sender":"Bob","sender_id":"bob","text":"welcome Ann! sorry, was away","id":"4"}"#,
    "\n",
);

#[test]
fn a_replay_prints_the_alerts_it_would_have_raised_in_simulated_time_and_touches_no_archive() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("room.jsonl");
    std::fs::write(&export, EXPORT).unwrap();
    let db = dir.path().join("never.db");
    let run = |speed: &str| {
        let started = Instant::now();
        let out = Command::new(env!("CARGO_BIN_EXE_shequn"))
            .arg("--db")
            .arg(&db)
            .args(["live", "--json", "--speed", speed, "--replay"])
            .arg(&export)
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        (String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap(), started.elapsed())
    };
    let (fast, summary, _) = run("0");
    let changes: Vec<serde_json::Value> = fast.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(changes.len(), 2, "{fast}");
    assert_eq!(changes[0]["change"], "opened");
    assert_eq!(changes[0]["key"], "wechat:g1:newcomer:m:3");
    assert_eq!(changes[0]["text_zh"], "「读书会」新人 Ann 的第一条发言 10 分钟无人回应");
    assert_eq!(changes[0]["message"]["time"], "2024-03-01T20:01:00+08:00");
    assert_eq!(changes[1]["change"], "resolved");
    assert_eq!(changes[1]["resolution"]["by"], "Bob");
    assert!(summary.contains("newcomer 1,") && summary.contains("新人首条无人回应 1 条"), "{summary}");
    assert!(!db.exists(), "a replay must not create or write an archive");

    // 73 simulated minutes at 3600x: about 1.2 s of real time.
    let (slow, _, took) = run("3600");
    assert_eq!(slow, fast, "the same alerts at any speed");
    assert!(took >= Duration::from_millis(1100), "--speed 3600 replayed 73 minutes in {took:?}");
}
