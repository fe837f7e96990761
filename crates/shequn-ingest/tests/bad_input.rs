//! Broken and mismatched inputs give a ParseError naming the file and where;
//! sniffing keeps the formats apart.

use std::io::Write;
use std::path::{Path, PathBuf};

use shequn_ingest::{by_name, formats, Input, ParseError, ParseOptions, Probe};
use shequn_model::Record;

const SAMPLES: &str = "chat-analytics-fixtures/tests/samples";

fn parse_as(format: &str, path: &Path) -> Result<Vec<Record>, ParseError> {
    let mut out = Vec::new();
    by_name(format).unwrap().parse(&Input::new(path), &ParseOptions::default(), &mut out)?;
    Ok(out)
}

fn temp_with(dir: &tempfile::TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.path().join(name);
    std::fs::File::create(&p).unwrap().write_all(bytes).unwrap();
    p
}

fn assert_located(err: &ParseError, path: &Path) {
    assert_eq!(err.path, path);
    let loc = err.location.as_deref().unwrap_or_else(|| panic!("no location in {err}"));
    assert!(loc.contains("line") || loc.contains("byte"), "{loc}");
    assert!(err.to_string().starts_with(&path.display().to_string()), "{err}");
}

#[test]
fn truncated_json_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    for (format, rel) in [("telegram", "telegram/BIG_20A_5475M.json"), ("discord", "discord/GC_3A_5M.json")] {
        let src = shequn_corpus::require!(&format!("{SAMPLES}/{rel}"));
        let bytes = std::fs::read(src).unwrap();
        let half = temp_with(&dir, &format!("{format}-half.json"), &bytes[..bytes.len() / 2]);
        let err = parse_as(format, &half).unwrap_err();
        assert_located(&err, &half);
        assert!(err.message.contains("truncated"), "{err}");
        // The error points at the last line of the cut file.
        let lines = bytes[..bytes.len() / 2].split(|b| *b == b'\n').count();
        assert!(err.location.as_deref().unwrap().starts_with(&format!("line {lines},")), "{err}");
    }
}

#[test]
fn invalid_utf8_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = temp_with(
        &dir,
        "bad.json",
        b"{\"name\":\"x\",\"type\":\"private_group\",\"id\":1,\"messages\":[\n{\"id\":1,\"type\":\"message\",\"date\":\"2024-01-01T00:00:00\",\"from\":\"a\",\"from_id\":\"user1\",\"text\":\"bad \xff\"}]}",
    );
    let err = parse_as("telegram", &p).unwrap_err();
    assert_located(&err, &p);
    assert!(err.location.as_deref().unwrap().starts_with("line 2"), "{err}");
    // ChatLab JSONL reads line by line and says which line.
    let l = temp_with(&dir, "bad.jsonl", b"{\"_type\":\"header\",\"chatlab\":{},\"meta\":{\"name\":\"g\"}}\n{\"_type\":\"message\",\"content\":\"\xff\"}\n");
    let err = parse_as("chatlab", &l).unwrap_err();
    assert_located(&err, &l);
    assert!(err.location.as_deref().unwrap().starts_with("line 2"), "{err}");
}

#[test]
fn wrong_format_forced_is_an_error_not_an_empty_import() {
    let tg = shequn_corpus::require!(&format!("{SAMPLES}/telegram/DM_2A_7M.json"));
    let wa = shequn_corpus::require!(&format!("{SAMPLES}/whatsapp/4A_11M.txt"));
    let dc = shequn_corpus::require!(&format!("{SAMPLES}/discord/DM_2A_2M.json"));
    for (format, path) in
        [("whatsapp", &tg), ("telegram", &wa), ("discord", &tg), ("chatlab", &wa), ("discord", &wa), ("telegram", &dc)]
    {
        let err = parse_as(format, path).unwrap_err();
        assert_eq!(err.path, *path);
        assert!(err.location.is_some(), "{err}");
    }
}

#[test]
fn zero_message_telegram_export_imports_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let p = temp_with(&dir, "result.json", br#"{"name":"Quiet","type":"private_supergroup","id":42,"messages":[]}"#);
    let recs = parse_as("telegram", &p).unwrap();
    assert_eq!(recs.len(), 1);
    assert!(matches!(&recs[0], Record::Group(g) if g.name == "Quiet" && g.platform_id == "42"));
}

/// Each fixture is claimed by its own format only: no other format scores it.
#[test]
fn sniffing_keeps_formats_apart() {
    let cases = [
        ("telegram", format!("{SAMPLES}/telegram/DM_2A_7M.json")),
        ("telegram", format!("{SAMPLES}/telegram/BIG_20A_5475M.json")),
        ("discord", format!("{SAMPLES}/discord/SV_5A_5M.json")),
        ("whatsapp", format!("{SAMPLES}/whatsapp/2A_5M.txt")),
        ("whatsapp", format!("{SAMPLES}/whatsapp/4A_11M.zip")),
        ("whatsapp", "whatstk-fixtures/chats/whatsapp/lorem.txt".to_string()),
    ];
    let dir = tempfile::tempdir().unwrap();
    let chatlab =
        temp_with(&dir, "c.jsonl", br#"{"_type":"header","chatlab":{"version":"0.0.2"},"meta":{"name":"g"}}"#);
    let generic =
        temp_with(&dir, "g.jsonl", br#"{"group":"a","time":"2024-03-01T20:00:00+08:00","sender":"Ann","text":"hi"}"#);
    let mut paths: Vec<(&str, PathBuf)> = vec![("chatlab", chatlab), ("jsonl", generic)];
    for (name, rel) in &cases {
        paths.push((name, shequn_corpus::require!(rel)));
    }
    for (want, path) in paths {
        let (_, head) = Input::probe_data(&path).unwrap();
        let probe = Probe { path: &path, dir_entries: &[], head: &head };
        let claimed: Vec<&str> = formats::all().iter().filter(|f| f.sniff(&probe) > 0).map(|f| f.name()).collect();
        assert_eq!(claimed, vec![want], "{}", path.display());
    }
}
