//! Reliability through the `shequn` binary (#19): cut-off exports, limits, many users of one
//! archive, report files. Expected counts come from the files written here, never from
//! shequn's own output.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn shequn(db: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_shequn")).arg("--db").arg(db).args(args).output().expect("run shequn")
}

/// Messages in the archive, summed over `shequn groups --json`.
fn messages(db: &Path) -> u64 {
    let out = shequn(db, &["groups", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let groups: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    groups.iter().map(|g| g["messages"].as_u64().unwrap()).sum()
}

/// A WhatsApp chat: one header line per message, so the count is the number of lines.
fn whatsapp_chat(n: usize) -> String {
    let mut text: String = (0..n)
        .map(|i| {
            format!(
                "12/09/2020, {:02}:{:02} - {}: message number {i} says something\n",
                10 + i / 60,
                i % 60,
                ["Ann", "Bob"][i % 2]
            )
        })
        .collect();
    // Two messages by one sender in one minute, the first a prefix of the second: both real.
    text.push_str("12/09/2020, 23:59 - Ann: ok\n12/09/2020, 23:59 - Ann: ok sure, see you there\n");
    text
}

#[test]
fn a_cut_off_copy_imported_first_leaves_no_phantom_message() {
    let dir = tempfile::tempdir().unwrap();
    let full = whatsapp_chat(56);
    let expected = full.lines().count() as u64;
    assert_eq!(expected, 58);
    // The copy ends in the middle of the last message's text (on a character boundary).
    let cut = &full[..full.len() - "e you there\n".len()];
    std::fs::create_dir(dir.path().join("cut")).unwrap();
    std::fs::create_dir(dir.path().join("full")).unwrap();
    let cut_path = dir.path().join("cut/WhatsApp Chat with Club.txt");
    let full_path = dir.path().join("full/WhatsApp Chat with Club.txt");
    std::fs::write(&cut_path, cut).unwrap();
    std::fs::write(&full_path, &full).unwrap();
    let db = dir.path().join("a.db");
    for p in [&cut_path, &full_path] {
        let out = shequn(&db, &["import", "--zone", "+00:00", p.to_str().unwrap()]);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    assert_eq!(messages(&db), expected, "the cut-off last message was replaced by the whole one");
    // Again, and the other way round into a fresh archive: nothing changes, "ok" stays.
    let out = shequn(&db, &["import", "--force", "--zone", "+00:00", full_path.to_str().unwrap()]);
    assert!(out.status.success());
    assert_eq!(messages(&db), expected);
    let db2 = dir.path().join("b.db");
    for p in [&full_path, &cut_path] {
        assert!(shequn(&db2, &["import", "--zone", "+00:00", p.to_str().unwrap()]).status.success());
    }
    // Known limit: a cut-off copy imported after the whole export still adds its last line.
    assert_eq!(messages(&db2), expected + 1);
}
