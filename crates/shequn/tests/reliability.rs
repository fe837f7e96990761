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

/// JSON Lines of `n` messages in `groups` groups named after `tag`.
fn jsonl(tag: &str, groups: usize, n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "{{\"group\":\"{tag} {}\",\"time\":\"2024-03-{:02}T{:02}:{:02}:{:02}+08:00\",\"sender\":\"p{}\",\"text\":\"{tag} message {i}\"}}\n",
                i % groups,
                1 + i / 86_400 % 28,
                i / 3600 % 24,
                i / 60 % 60,
                i % 60,
                i % 37
            )
        })
        .collect()
}

/// (groups, messages) from `groups --json`.
fn counts(db: &Path) -> (usize, u64) {
    let out = shequn(db, &["groups", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let groups: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    (groups.len(), groups.iter().map(|g| g["messages"].as_u64().unwrap()).sum())
}

#[test]
fn two_imports_a_report_and_groups_at_once_give_the_serial_counts() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
    std::fs::write(&a, jsonl("alpha", 3, 150_000)).unwrap();
    std::fs::write(&b, jsonl("beta", 2, 150_000)).unwrap();
    // What the files hold, read from them: one message per line, groups by name.
    let lines = |p: &Path| std::fs::read_to_string(p).unwrap().lines().count() as u64;
    let expected = (5, lines(&a) + lines(&b));

    let serial = dir.path().join("serial.db");
    for p in [&a, &b] {
        assert!(shequn(&serial, &["import", p.to_str().unwrap()]).status.success());
    }
    assert_eq!(counts(&serial), expected);

    let db = dir.path().join("shared.db");
    let spawn = |args: Vec<String>| {
        Command::new(env!("CARGO_BIN_EXE_shequn"))
            .arg("--db")
            .arg(&db)
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let s = |x: &str| x.to_string();
    let import_a = spawn(vec![s("import"), s("--json"), a.display().to_string()]);
    let import_b = spawn(vec![s("import"), s("--json"), b.display().to_string()]);
    // Readers start while the writers work.
    std::thread::sleep(std::time::Duration::from_millis(300));
    let report_dir = dir.path().join("report");
    let report = spawn(vec![s("report"), s("--out"), report_dir.display().to_string()]);
    let groups = spawn(vec![s("groups"), s("--json")]);
    let mut imported = 0;
    for (name, child) in [("import a", import_a), ("import b", import_b), ("report", report), ("groups", groups)] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{name} failed: {}", String::from_utf8_lossy(&out.stderr));
        if name.starts_with("import") {
            let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
            imported += summary["messages_new"].as_u64().unwrap();
        }
        if name == "groups" {
            let listed: Vec<Value> = serde_json::from_slice(&out.stdout).expect("groups printed JSON");
            assert!(listed.len() <= 5);
        }
    }
    assert_eq!(imported, expected.1);
    assert_eq!(counts(&db), expected, "the same archive as a serial run");
    assert!(report_dir.join("report.json").is_file());
}

#[test]
fn a_locked_archive_with_json_still_prints_a_json_summary() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("locked.db");
    let file = dir.path().join("a.jsonl");
    std::fs::write(&file, jsonl("alpha", 1, 10)).unwrap();
    assert!(shequn(&db, &["import", file.to_str().unwrap()]).status.success());
    // Hold the write lock from another connection for longer than --wait.
    let holder = rusqlite::Connection::open(&db).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let file2 = dir.path().join("b.jsonl");
    std::fs::write(&file2, jsonl("beta", 1, 10)).unwrap();
    let out = shequn(&db, &["import", "--json", "--wait", "1", file2.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let summary: Value = serde_json::from_slice(&out.stdout).expect("a JSON summary on stdout");
    assert_eq!(summary["failed"], 1);
    assert!(summary["failures"][0]["error"].as_str().unwrap().contains("locked"), "{summary}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("waiting for another shequn"));
    holder.execute_batch("ROLLBACK").unwrap();
}

#[cfg(unix)]
#[test]
fn report_files_replace_a_planted_link_instead_of_writing_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let file = dir.path().join("a.jsonl");
    std::fs::write(&file, jsonl("alpha", 2, 50)).unwrap();
    assert!(shequn(&db, &["import", file.to_str().unwrap()]).status.success());
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let victim = dir.path().join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    std::os::unix::fs::symlink(&victim, out_dir.join("groups.csv")).unwrap();
    std::os::unix::fs::symlink(&victim, out_dir.join("report.json")).unwrap();
    let out = shequn(&db, &["report", "--out", out_dir.to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious", "the link's target is untouched");
    for name in ["groups.csv", "report.json"] {
        let meta = std::fs::symlink_metadata(out_dir.join(name)).unwrap();
        assert!(meta.file_type().is_file(), "{name} is now a file of its own");
    }
    let groups_csv = std::fs::read_to_string(out_dir.join("groups.csv")).unwrap();
    assert_eq!(groups_csv.lines().count(), 3, "a header and one row per group");
    let doc: Value = serde_json::from_slice(&std::fs::read(out_dir.join("report.json")).unwrap()).unwrap();
    assert!(doc.is_object());
    let leftovers: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".part"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary files are left behind");
}

#[test]
fn read_commands_do_not_create_an_archive_at_a_mistyped_path() {
    let dir = tempfile::tempdir().unwrap();
    let typo = dir.path().join("no-such-folder").join("archvie.db");
    for args in [&["groups"][..], &["group", "1"], &["report", "--out", dir.path().join("r").to_str().unwrap()]] {
        let out = shequn(&typo, args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("no archive at"), "{args:?}");
    }
    assert!(!dir.path().join("no-such-folder").exists(), "neither the archive nor its folder was created");
}

#[test]
fn an_empty_file_fails_clearly_even_with_a_format_named() {
    let dir = tempfile::tempdir().unwrap();
    let empty = dir.path().join("empty.txt");
    std::fs::write(&empty, "").unwrap();
    let db = dir.path().join("a.db");
    for format in ["qq-txt", "jsonl", "wecom-archive"] {
        let out = shequn(&db, &["import", "--json", "--format", format, empty.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{format}");
        let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(summary["failed"], 1, "{format}");
        assert!(summary["failures"][0]["error"].as_str().unwrap().contains("empty"), "{summary}");
    }
}
