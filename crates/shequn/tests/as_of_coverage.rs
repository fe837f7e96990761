//! Each group is diagnosed as of the end of its own sources (issue 5, D9 in
//! docs/diagnosis-checks.md): a short export beside a long one is neither dead nor
//! dissolved because the other runs on; an explicit `--as-of` still applies to all.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn run(db: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_shequn")).arg("--db").arg(db).args(args).output().unwrap();
    assert!(out.status.success(), "shequn {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn json(db: &Path, args: &[&str]) -> Value {
    serde_json::from_str(&run(db, args)).unwrap()
}

fn line(group: &str, time: &str, sender: &str, text: &str) -> String {
    format!(r#"{{"group":"{group}","time":"{time}","sender":"{sender}","text":"{text}"}}"#)
}

/// A 9-day export of two channels (one quiet after day 2), and a forum running 2018-01..06.
fn exports(dir: &Path) -> (String, String) {
    // People in their own words at varied hours: one template at a fixed hour reads as a bot's push.
    const SAID: [&str; 7] = [
        "how do I start with the reader macro",
        "try the tutorial first, chapter two explains it",
        "thanks, that worked after a restart",
        "anyone going to the meetup on friday?",
        "I disagree, the docs are wrong about laziness",
        "here is my gist with the failing case",
        "ha, same thing bit me last week",
    ];
    let mut short = Vec::new();
    for day in 1..=9 {
        for who in 0..4 {
            let time = format!("2018-02-{day:02}T{:02}:{:02}:00Z", 8 + (day * 7 + who * 5) % 14, day * 5 % 60);
            short.push(line("busy", &time, &format!("u{who}"), SAID[(day * 3 + who) % SAID.len()]));
            if day <= 2 && who < 2 {
                short.push(line("quiet", &format!("2018-02-{day:02}T{:02}:30:00Z", 9 + who), &format!("q{who}"), "hi"));
            }
        }
    }
    let mut long = Vec::new();
    for month in 1..=6 {
        for day in [3, 9, 15, 21, 27] {
            for who in 0..4 {
                let time = format!("2018-{month:02}-{day:02}T{:02}:10:00Z", 8 + (day * 7 + who * 5 + month) % 14);
                long.push(line("forum", &time, &format!("f{who}"), SAID[(day * 3 + who + month) % SAID.len()]));
            }
        }
    }
    for lines in [&mut short, &mut long] {
        lines.sort_by_key(|l| l[l.find("\"time\"").unwrap()..].to_string());
    }
    // Two exports, each in its own folder. Beside the forum lies a one-group file exported
    // with it, of a group that fell silent in March.
    std::fs::create_dir_all(dir.join("slack")).unwrap();
    std::fs::create_dir_all(dir.join("forums")).unwrap();
    let a = dir.join("slack/short.jsonl");
    let b = dir.join("forums/long.jsonl");
    std::fs::write(&a, short.join("\n")).unwrap();
    std::fs::write(&b, long.join("\n")).unwrap();
    let gone: Vec<String> = (1..=20)
        .map(|d| line("gone", &format!("2018-03-{d:02}T{:02}:00:00Z", 8 + d % 12), &format!("g{}", d % 3), SAID[d % 7]))
        .collect();
    std::fs::write(dir.join("forums/gone.jsonl"), gone.join("\n")).unwrap();
    (a.display().to_string(), dir.join("forums").display().to_string())
}

fn row<'a>(rows: &'a Value, name: &str) -> &'a Value {
    rows.as_array().unwrap().iter().find(|r| r["name"] == name).unwrap_or_else(|| panic!("no {name} in {rows}"))
}

#[test]
fn each_group_is_diagnosed_at_the_end_of_its_own_sources() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (short, long) = exports(dir.path());
    run(&db, &["import", "--json", &short, &long]);

    let rows = json(&db, &["groups", "--json"]);
    let (busy, quiet, forum) = (row(&rows, "busy"), row(&rows, "quiet"), row(&rows, "forum"));
    // Not as of the forum's June: as of the short export's own last message.
    assert_eq!(busy["as_of"], "2018-02-09T20:45:00Z");
    assert_eq!(quiet["as_of"], busy["as_of"], "covered to the export's end although silent since day 2");
    assert_eq!(forum["as_of"], "2018-06-27T21:10:00Z");
    assert_eq!(busy["status"], "alive");
    assert_eq!(forum["insufficient_coverage"], false);
    // Exported with the forum: judged at the folder's end, so its silence since March shows.
    let gone = row(&rows, "gone");
    assert_eq!(gone["as_of"], forum["as_of"]);
    assert_eq!(gone["status"], "dead");
    assert_eq!(gone["insufficient_coverage"], false, "20 days of its own, then 3 months of the folder's");
    for r in [busy, quiet] {
        assert_eq!(r["insufficient_coverage"], true, "{r}");
        assert!(r["coverage_days"].as_f64().unwrap() < 9.0);
    }
    // Quiet for a week of a 9-day export: the status is one of the four, the action is no verdict.
    assert!(["dormant", "dead"].contains(&quiet["status"].as_str().unwrap()), "{quiet}");
    assert_eq!(quiet["action"], "keep");

    let g = json(&db, &["group", "quiet", "--json"]);
    for key in ["status", "stage", "key_people", "roles", "action", "evidence"] {
        assert!(g.get(key).is_some(), "the contract keeps {key}");
    }
    assert_eq!(g["as_of"], "2018-02-09T20:45:00Z");
    assert_eq!(g["evidence"]["insufficient_coverage"], true);
    assert_eq!(g["evidence"]["coverage_start"], "2018-02-01T09:30:00Z");
    assert!(g["migration"].as_array().unwrap().is_empty());
    let text = run(&db, &["group", "quiet"]);
    assert!(text.contains("数据不足") && text.contains("insufficient data"), "{text}");

    let table = run(&db, &["groups"]);
    assert!(table.contains("as of each group's data end"), "{table}");
    assert!(
        table.contains("died within 90 days of creation 创建后90天内死亡: 1 of 2 (50%)"),
        "gone died early; the 9-day export is not judged: {table}"
    );

    // An explicit as-of applies to every group: the short export is still too short to call dead.
    let at = json(&db, &["groups", "--json", "--as-of", "2018-06-30T00:00:00Z"]);
    for name in ["busy", "quiet", "forum", "gone"] {
        assert_eq!(row(&at, name)["as_of"], "2018-06-30T00:00:00Z");
    }
    assert_eq!(row(&at, "busy")["status"], "dead");
    assert_eq!(row(&at, "busy")["action"], "keep", "dead on 9 days of data is no reason to dissolve");
    assert_eq!(row(&at, "forum")["status"], "alive");

    // Re-reading the sources adds no message and keeps the coverage.
    let before: u64 = rows.as_array().unwrap().iter().map(|r| r["messages"].as_u64().unwrap()).sum();
    let again = json(&db, &["import", "--json", "--force", &short, &long]);
    assert_eq!(again["messages_new"], 0, "{again}");
    let rows = json(&db, &["groups", "--json"]);
    let after: u64 = rows.as_array().unwrap().iter().map(|r| r["messages"].as_u64().unwrap()).sum();
    assert_eq!(after, before);
    assert_eq!(row(&rows, "quiet")["as_of"], "2018-02-09T20:45:00Z");
}

/// The real case: the Clojurians Slack sample (2018-02-01..09) beside a Gitter room running to 2020.
#[test]
fn clojurians_beside_gitter_is_judged_at_its_own_end() {
    let clojurians = shequn_corpus::require!("clojurians-slack-demo");
    let gitter = shequn_corpus::require!("livechat-gitter/data/raw/appium_appium_chatFormat.ascii.txt");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    run(&db, &["import", "--json", "--zone", "+00:00", gitter.to_str().unwrap()]);
    run(&db, &["import", "--json", clojurians.to_str().unwrap()]);
    let rows = json(&db, &["groups", "--json"]);
    let slack: Vec<&Value> = rows.as_array().unwrap().iter().filter(|r| r["platform"] == "slack").collect();
    assert!(slack.len() > 100);
    for r in &slack {
        assert!(r["as_of"].as_str().unwrap().starts_with("2018-02-09"), "{r}");
        assert_eq!(r["insufficient_coverage"], true);
        assert!(!["dissolve", "migrate"].contains(&r["action"].as_str().unwrap()), "{r}");
    }
    let clojure = row(&rows, "clojure");
    assert_eq!(clojure["status"], "alive");
    assert!(row(&rows, "appium_appium")["as_of"].as_str().unwrap().starts_with("2020-11-19"));
    let table = run(&db, &["groups"]);
    assert!(table.contains("创建后90天内死亡: 0 of 1"), "{table}");
}
