//! Bad input through the `shequn` binary: each gives an error naming the file and
//! where in it, the other files of the same import still go in, the exit code is
//! non-zero, and nothing of the bad file stays in the archive.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

struct Run {
    code: i32,
    summary: Value,
}

fn shequn(db: &Path, args: &[&str], paths: &[&Path]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_shequn"))
        .arg("--db")
        .arg(db)
        .arg("import")
        .arg("--json")
        .args(args)
        .args(paths)
        .output()
        .expect("run shequn");
    let summary = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON summary ({e}); stderr: {}", String::from_utf8_lossy(&out.stderr)));
    Run { code: out.status.code().unwrap_or(-1), summary }
}

/// (groups, messages) in the archive, from `shequn groups --json`.
fn counts(db: &Path) -> (usize, u64) {
    let out =
        Command::new(env!("CARGO_BIN_EXE_shequn")).arg("--db").arg(db).args(["groups", "--json"]).output().unwrap();
    let groups: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    (groups.len(), groups.iter().map(|g| g["messages"].as_u64().unwrap()).sum())
}

fn good_lines(group: &str, n: usize) -> String {
    (0..n)
        .map(|i| format!("{{\"group\":\"{group}\",\"time\":\"2024-03-01T20:{i:02}:00+08:00\",\"sender\":\"Ann\",\"text\":\"m{i}\"}}\n"))
        .collect()
}

struct Setup {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    db: PathBuf,
}

/// An archive that already holds one good file (3 messages), and a second good file not yet imported.
fn setup() -> Setup {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    std::fs::write(dir.join("good.jsonl"), good_lines("book club", 3)).unwrap();
    std::fs::write(dir.join("good2.jsonl"), good_lines("hiking", 2)).unwrap();
    let db = dir.join("a.db");
    let run = shequn(&db, &[], &[&dir.join("good.jsonl")]);
    assert_eq!(run.code, 0, "{}", run.summary);
    assert_eq!(counts(&db), (1, 3));
    Setup { _tmp: tmp, dir, db }
}

/// Imports `bad` beside the second good file, and checks what every bad input must give:
/// exit 1, one failure naming `bad` and containing each of `expect`, the good file in, the
/// archive otherwise unchanged.
fn check_bad(s: &Setup, bad: &Path, args: &[&str], expect: &[&str]) {
    let good2 = s.dir.join("good2.jsonl");
    let run = shequn(&s.db, args, &[bad, &good2]);
    assert_eq!(run.code, 1, "a failed input must make the exit code non-zero: {}", run.summary);
    let failures = run.summary["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 1, "{}", run.summary);
    let error = failures[0]["error"].as_str().unwrap();
    let bad_name = bad.file_name().unwrap().to_str().unwrap();
    assert!(failures[0]["path"].as_str().unwrap().contains(bad_name) || error.contains(bad_name), "{error}");
    for e in expect {
        assert!(error.contains(e), "expected {e:?} in: {error}");
    }
    // The other file of the same import went in; nothing of the bad one did.
    assert_eq!(run.summary["messages_new"], 2, "{}", run.summary);
    assert_eq!(counts(&s.db), (2, 5));
}

#[test]
fn truncated_jsonl_names_the_line() {
    let s = setup();
    let bad = s.dir.join("truncated.jsonl");
    let mut text = good_lines("cut", 2);
    text.push_str(r#"{"group":"cut","time":"2024-03-01T21:00:00+08:00","sen"#);
    std::fs::write(&bad, text).unwrap();
    check_bad(&s, &bad, &[], &["line 3", "truncated.jsonl"]);
}

#[test]
fn truncated_slack_day_file_names_the_file_line_and_column() {
    let s = setup();
    let export = s.dir.join("slack-export");
    std::fs::create_dir_all(export.join("general")).unwrap();
    std::fs::write(export.join("channels.json"), r#"[{"id":"C1","name":"general"}]"#).unwrap();
    std::fs::write(export.join("users.json"), r#"[{"id":"U1","name":"ann"}]"#).unwrap();
    std::fs::write(
        export.join("general/2024-03-01.json"),
        r#"[{"type":"message","user":"U1","text":"hi","ts":"1709290000.000100"}]"#,
    )
    .unwrap();
    std::fs::write(export.join("general/2024-03-02.json"), "[{\"type\":\"message\",\n\"user\":\"U1\",\"te").unwrap();
    // check_bad's counts also show the export's good day did not go in: the export is one unit.
    check_bad(&s, &export, &[], &["general/2024-03-02.json", "line 2, column", "truncated"]);
}

#[test]
fn wrong_format_forced_says_what_was_expected() {
    let s = setup();
    let bad = s.dir.join("chat.jsonl");
    std::fs::write(&bad, good_lines("x", 2)).unwrap();
    let good2 = s.dir.join("good2.jsonl");
    // Forcing `irc` applies to both files: both fail, nothing changes.
    let run = shequn(&s.db, &["--format", "irc"], &[&bad, &good2]);
    assert_eq!(run.code, 1);
    let failures = run.summary["failures"].as_array().unwrap();
    assert_eq!(failures.len(), 2, "{}", run.summary);
    let error = failures[0]["error"].as_str().unwrap();
    assert!(
        error.contains("chat.jsonl") && error.contains("line 1") && error.contains("expected lines like"),
        "{error}"
    );
    assert_eq!(counts(&s.db), (1, 3));
}

#[test]
fn invalid_utf8_names_the_line_and_byte() {
    let s = setup();
    let bad = s.dir.join("latin1.jsonl");
    let mut bytes = good_lines("enc", 1).into_bytes();
    bytes.extend_from_slice(
        b"{\"group\":\"enc\",\"time\":\"2024-03-01T21:00:00+08:00\",\"sender\":\"Jos\xe9\",\"text\":\"x\"}\n",
    );
    std::fs::write(&bad, bytes).unwrap();
    check_bad(&s, &bad, &["--format", "jsonl"], &["line 2", "byte 63", "invalid UTF-8"]);
}

#[test]
fn empty_file_is_named() {
    let s = setup();
    let bad = s.dir.join("empty.json");
    std::fs::write(&bad, "").unwrap();
    check_bad(&s, &bad, &[], &["empty"]);
}

#[test]
fn folder_of_unrelated_files_says_no_export_was_found() {
    let s = setup();
    let bad = s.dir.join("photos");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("cat.jpg"), b"\xff\xd8\xff\xe0 not a chat").unwrap();
    std::fs::write(bad.join("notes.txt"), "shopping: milk, eggs\n").unwrap();
    check_bad(&s, &bad, &[], &["no chat export found", "2 other files passed over"]);
}

#[test]
fn slack_export_without_messages_is_an_error() {
    let s = setup();
    let bad = s.dir.join("empty-export");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("channels.json"), r#"[{"id":"C1","name":"general"}]"#).unwrap();
    std::fs::write(bad.join("users.json"), "[]").unwrap();
    check_bad(&s, &bad, &[], &["holds no messages"]);
}

#[test]
fn clojurians_style_folder_with_a_bad_line_names_file_and_line() {
    let s = setup();
    let bad = s.dir.join("events");
    std::fs::create_dir_all(bad.join("logs")).unwrap();
    std::fs::write(bad.join("channels.edn"), r#"(#:channel{:slack-id "C1", :name "general"})"#).unwrap();
    std::fs::write(
        bad.join("logs/2018-02-01.txt"),
        "{\"type\":\"message\",\"channel\":\"C1\",\"user\":\"U1\",\"text\":\"hi\",\"ts\":\"1517436010.000936\"}\n{\"type\":\"mess\n",
    )
    .unwrap();
    check_bad(&s, &bad, &[], &["2018-02-01.txt", "line 2"]);
}

/// Runs `shequn import --json` with a deadline: a walk that never ends fails the test instead
/// of hanging it.
#[cfg(unix)]
fn import_within(db: &Path, paths: &[&Path], seconds: u64) -> Value {
    let mut child = Command::new(env!("CARGO_BIN_EXE_shequn"))
        .arg("--db")
        .arg(db)
        .args(["import", "--json"])
        .args(paths)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(seconds);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("shequn import did not finish within {seconds} s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mut out = String::new();
    std::io::Read::read_to_string(child.stdout.as_mut().unwrap(), &mut out).unwrap();
    serde_json::from_str(&out).unwrap()
}

/// A folder holding links back to itself (`loop -> .`, `again -> ..`) and a FIFO: the walk
/// reads each folder once, passes the FIFO over instead of waiting on it, and imports the one
/// export once. A FIFO named on the command line is an error, not a hang.
#[cfg(unix)]
#[test]
fn symlink_loops_and_fifos_neither_hang_nor_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("exports");
    std::fs::create_dir_all(data.join("sub")).unwrap();
    std::fs::write(data.join("sub/chat.jsonl"), good_lines("g", 5)).unwrap();
    std::os::unix::fs::symlink(".", data.join("loop")).unwrap();
    std::os::unix::fs::symlink("..", data.join("sub/again")).unwrap();
    let fifo = data.join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let db = dir.path().join("a.db");
    let s = import_within(&db, &[&data], 20);
    assert_eq!(s["messages_new"], 5, "the one export, once: {s}");
    assert_eq!(s["files"], 1, "{s}");
    let passed = s["passed_over"].to_string();
    assert!(passed.contains("pipe") && passed.contains("not a regular file"), "{passed}");
    assert!(passed.contains("already read"), "{passed}");
    let s = import_within(&dir.path().join("b.db"), &[&fifo], 20);
    assert_eq!(s["failed"], 1, "{s}");
    assert!(s["failures"].to_string().contains("not a regular file"), "{s}");
}
