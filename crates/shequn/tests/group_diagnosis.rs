//! `shequn group --json` and `shequn groups --json`: the diagnosis contract other work reads.

use std::path::Path;
use std::process::Command;

fn shequn(db: &Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_shequn")).arg("--db").arg(db).args(args).output().unwrap();
    assert!(out.status.success(), "shequn {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Five people talking on days 1–10 of March 2024 in 读书会 at varied hours and in their own
/// words (a fixed daily time with one template would be a mechanical push, METHOD §7); one
/// person once in 旧群 on 1 January.
fn export() -> String {
    const SAID: [&str; 7] = [
        "这章讲得好，大家怎么看",
        "我觉得作者的论证有点跳",
        "同意，不过第二节的例子不太对",
        "哈哈，昨晚读到两点",
        "有人读过他的另一本书吗？",
        "明天我来分享一下笔记",
        "这个观点我不同意，但是很有启发",
    ];
    let mut lines = Vec::new();
    for day in 1..=10 {
        for who in 0..5 {
            let hour = 8 + (day * 7 + who * 5) % 14;
            let minute = (day * 13 + who * 29) % 60;
            lines.push(format!(
                r#"{{"group":"读书会","time":"2024-03-{day:02}T{hour:02}:{minute:02}:00+08:00","sender":"u{who}","text":"{}","mentions":["u{}"]}}"#,
                SAID[(day * 3 + who) % SAID.len()],
                (who + 1) % 5
            ));
        }
    }
    lines.sort_by_key(|l| l[l.find("\"time\"").unwrap()..].to_string());
    lines.push(r#"{"group":"旧群","time":"2024-01-01T10:00:00+08:00","sender":"x","text":"hello"}"#.to_string());
    lines.join("\n")
}

#[test]
fn group_json_has_the_contract_fields_and_follows_as_of() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let export_path = dir.path().join("chat.jsonl");
    std::fs::write(&export_path, export()).unwrap();
    shequn(&db, &["import", "--json", export_path.to_str().unwrap()]);

    let g = shequn(&db, &["group", "读书会", "--json"]);
    assert_eq!(g["status"], "alive");
    assert!(g["stage"].is_string());
    assert!(g["key_people"].as_array().unwrap().len() >= 2);
    assert!(g["roles"]["silent"].is_number());
    assert!(g["action"].is_string());
    assert_eq!(g["evidence"]["member_days"], 10);

    // As of two months later the same group is dead and has no stage.
    let later = shequn(&db, &["group", "读书会", "--as-of", "2024-05-15T00:00:00Z", "--json"]);
    assert_eq!(later["status"], "dead");
    assert!(later["stage"].is_null());
    assert_eq!(later["action"], "dissolve");

    // A config file changes a threshold and the result states it.
    let cfg = dir.path().join("s.toml");
    std::fs::write(&cfg, "alive_days = 11\n").unwrap();
    let strict = shequn(&db, &["group", "读书会", "--config", cfg.to_str().unwrap(), "--json"]);
    assert_eq!(strict["status"], "dormant");
    assert_eq!(strict["settings"]["alive_days"], 11);

    let rows = shequn(&db, &["groups", "--json"]);
    let old = rows.as_array().unwrap().iter().find(|r| r["name"] == "旧群").unwrap();
    assert_eq!(old["status"], "dead");
    assert!(old["stage"].is_null());
    assert!(old["messages"].is_number(), "existing fields stay");
}

#[test]
fn bad_config_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let cfg = dir.path().join("bad.toml");
    std::fs::write(&cfg, "alive_days = \"four\"\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_shequn"))
        .arg("--db")
        .arg(&db)
        .args(["groups", "--config", cfg.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.toml"));
}
