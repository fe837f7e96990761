//! Re-importing: the same export adds nothing and is not re-read; a grown
//! export adds only what is new; the archive file is untouched by a no-op import.

use std::path::Path;
use std::process::Command;

fn shequn(db: &Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(env!("CARGO_BIN_EXE_shequn")).arg("--db").arg(db).args(args).output().unwrap();
    assert!(out.status.success(), "shequn {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn line(i: u32) -> String {
    format!(
        r#"{{"group":"读书会","time":"2024-03-01T20:{:02}:00+08:00","sender":"u{}","text":"第{i}条"}}"#,
        i % 60,
        i % 7
    )
}

#[test]
fn unchanged_export_is_skipped_and_grown_export_adds_only_new_lines() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let export = dir.path().join("chat.jsonl");
    let body: Vec<String> = (0..50).map(line).collect();
    std::fs::write(&export, body.join("\n")).unwrap();
    let p = export.to_str().unwrap();

    let first = shequn(&db, &["import", "--json", p]);
    assert_eq!(first["messages_new"], 50);
    let db_bytes = std::fs::read(&db).unwrap();

    let second = shequn(&db, &["import", "--json", p]);
    assert_eq!(second["messages_new"], 0);
    assert_eq!(second["messages_present"], 50);
    assert_eq!(second["unchanged"], 1);
    assert_eq!(std::fs::read(&db).unwrap(), db_bytes, "a no-op import must not change the archive file");

    let forced = shequn(&db, &["import", "--json", "--force", p]);
    assert_eq!(forced["unchanged"], 0);
    assert_eq!(forced["messages_new"], 0);
    assert_eq!(forced["messages_present"], 50);

    // A newer export that overlaps the old one: only the 10 new lines are added.
    let grown: Vec<String> = (0..60).map(line).collect();
    std::fs::write(&export, grown.join("\n")).unwrap();
    let third = shequn(&db, &["import", "--json", p]);
    assert_eq!(third["messages_new"], 10);
    assert_eq!(third["messages_present"], 50);

    let groups = shequn(&db, &["groups", "--json"]);
    assert_eq!(groups[0]["messages"], 60);
}

#[test]
fn the_writer_reports_each_stored_chunk_before_the_file_is_done() {
    use shequn::pipeline::{self, Progress};
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("big.jsonl");
    let body: Vec<String> = (0..10_000).map(line).collect();
    std::fs::write(&export, body.join("\n")).unwrap();
    let mut archive = shequn_archive::Archive::open(&dir.path().join("a.db")).unwrap();
    let (units, failures, _) = pipeline::plan(&[export], None);
    assert!(failures.is_empty() && units.len() == 1);
    let (mut chunks, mut stored, mut done_after) = (0, 0usize, None);
    pipeline::run(&mut archive, &units, &Default::default(), &Default::default(), 2, false, |p| match p {
        Progress::Stored { records } => {
            assert!(done_after.is_none(), "a chunk reported after its file was done");
            chunks += 1;
            stored += records;
        }
        Progress::Done(r) => {
            assert_eq!(r.stats.as_ref().unwrap().messages_new, 10_000);
            done_after = Some(stored);
        }
        Progress::Waiting => panic!("no other writer"),
    })
    .unwrap();
    // 10,000 messages and the group's declaration, in chunks of at most 4,096 records.
    assert!(chunks >= 3, "{chunks} chunks");
    assert!((10_001..10_100).contains(&stored), "{stored} records reported stored");
    assert_eq!(done_after, Some(stored));
}
