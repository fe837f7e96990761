//! Names and texts from an export never reach the operator's terminal as control sequences:
//! a member named with `ESC]0;…BEL` (retitles a terminal), a message with `ESC[2J` (clears
//! it), a group name with U+202E (reverses what follows).

use std::process::Command;

fn shequn(db: &std::path::Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_shequn")).arg("--db").arg(db).args(args).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn hostile_names_and_texts_are_printed_harmless() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("x.jsonl");
    let mut lines = String::new();
    for i in 0..40 {
        let sender = if i % 2 == 0 { "evil\\u001b]0;pwned\\u0007" } else { "Bob" };
        lines.push_str(&format!(
            "{{\"group\":\"g\",\"group_name\":\"abc\\u202etxt.exe\",\"time\":\"2024-03-{:02}T20:00:00+08:00\",\"sender\":\"{sender}\",\"text\":\"hi \\u001b[2J there?\"}}\n",
            1 + i % 28
        ));
    }
    std::fs::write(&file, lines).unwrap();
    let db = dir.path().join("a.db");
    shequn(&db, &["import", file.to_str().unwrap()]);
    for out in [shequn(&db, &["groups"]), shequn(&db, &["group", "1"])] {
        assert!(!out.contains('\u{1b}'), "an escape reached the terminal:\n{out}");
        assert!(!out.contains('\u{7}') && !out.contains('\u{202e}'), "{out}");
        assert!(out.contains("txt.exe"), "the name is still shown:\n{out}");
    }
    assert!(shequn(&db, &["group", "1"]).contains("evil\u{241b}]0;pwned"), "ESC shown as ␛");
}
