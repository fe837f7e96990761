//! The `[limits]` bounds (#19 items 1–2): a zip bomb, an entry that declares a huge size, a
//! line past `line_mib`, a file past `whole_file_mib`, and JSON past `json_depth` each end in a
//! clear error naming the limit instead of filling memory.

use std::io::Write;
use std::path::Path;

use shequn_ingest::{by_name, Input, Limits, ParseOptions, Record};

fn whatsapp_line(i: usize) -> String {
    format!("12/09/2020, 23:{:02} - Ann: message number {i}\n", i % 60)
}

/// A zip with one deflated entry named `name` holding `data`, with zip64 size fields.
fn zip_with(name: &str, data: &[u8]) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    let mut w = zip::ZipWriter::new(&mut out);
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated).large_file(true);
    w.start_file(name, opts).unwrap();
    w.write_all(data).unwrap();
    w.finish().unwrap();
    out.into_inner()
}

/// Rewrites every zip64 "uncompressed size" field holding `real` to `declared`.
fn declare_size(zip: &mut [u8], real: u64, declared: u64) -> usize {
    let mut patched = 0;
    for i in 0..zip.len().saturating_sub(12) {
        // Extra field id 0x0001 (zip64), then its length, then the uncompressed size.
        if zip[i..i + 2] == [0x01, 0x00] && zip[i + 4..i + 12] == real.to_le_bytes() {
            zip[i + 4..i + 12].copy_from_slice(&declared.to_le_bytes());
            patched += 1;
        }
    }
    patched
}

fn parse(format: &str, path: &Path, limits: Limits) -> Result<Vec<Record>, shequn_ingest::ParseError> {
    let mut out = Vec::new();
    by_name(format).unwrap().parse(&Input::with_limits(path, limits), &ParseOptions::default(), &mut out)?;
    Ok(out)
}

#[test]
fn a_zip_bomb_stops_at_the_ratio_limit() {
    // 16 MiB of near-identical lines pack several hundred to one.
    let mut text = String::new();
    let mut i = 0;
    while text.len() < 16 << 20 {
        text.push_str(&whatsapp_line(i % 7));
        i += 1;
    }
    let zip = zip_with("_chat.txt", text.as_bytes());
    assert!(text.len() / zip.len() > 100, "the fixture must pack more than 100 to 1");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("WhatsApp Chat with Bomb.zip");
    std::fs::write(&path, &zip).unwrap();
    let err = parse("whatsapp", &path, Limits::default()).unwrap_err();
    assert!(err.message.contains("zip_ratio = 100"), "{err}");
    assert_eq!(err.location.as_deref(), Some("entry _chat.txt"));
    assert!(err.hint.unwrap().contains("[limits]"));
    // Raised, the same zip imports: the limit is what stopped it.
    let limits = Limits { zip_ratio: 100_000, ..Limits::default() };
    let records = parse("whatsapp", &path, limits).unwrap();
    let messages = records.iter().filter(|r| matches!(r, Record::Message { .. })).count();
    assert_eq!(messages, i);
}

#[test]
fn the_entry_and_export_limits_count_unpacked_bytes() {
    let text: String = (0..40_000).map(whatsapp_line).collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("chat.zip");
    std::fs::write(&path, zip_with("_chat.txt", text.as_bytes())).unwrap();
    assert!(text.len() > 1 << 20);
    let err = parse("whatsapp", &path, Limits { zip_entry_mib: 1, ..Limits::default() }).unwrap_err();
    assert!(err.message.contains("zip_entry_mib = 1"), "{err}");
    let err = parse("whatsapp", &path, Limits { zip_export_mib: 1, ..Limits::default() }).unwrap_err();
    assert!(err.message.contains("zip_export_mib = 1"), "{err}");
    assert!(parse("whatsapp", &path, Limits::default()).is_ok());
}

#[test]
fn an_entry_declaring_a_tebibyte_or_the_largest_size_is_refused_not_allocated() {
    let dir = tempfile::tempdir().unwrap();
    let text: String = (0..10).map(whatsapp_line).collect();
    let slack_users = br#"[{"id":"U1","name":"ann"}]"#;
    for declared in [1u64 << 40, u64::MAX] {
        let mut zip = zip_with("_chat.txt", text.as_bytes());
        assert!(declare_size(&mut zip, text.len() as u64, declared) >= 1, "the zip64 size field was found");
        let path = dir.path().join(format!("WhatsApp Chat with Big{declared}.zip"));
        std::fs::write(&path, &zip).unwrap();
        let err = parse("whatsapp", &path, Limits::default()).unwrap_err();
        assert!(err.message.contains("zip_entry_mib"), "{err}");

        // Slack reads several entries: users.json declares the size here.
        let mut out = std::io::Cursor::new(Vec::new());
        {
            let mut w = zip::ZipWriter::new(&mut out);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .large_file(true);
            w.start_file("channels.json", opts).unwrap();
            w.write_all(br#"[{"id":"C1","name":"general"}]"#).unwrap();
            w.start_file("users.json", opts).unwrap();
            w.write_all(slack_users).unwrap();
            w.finish().unwrap();
        }
        let mut zip = out.into_inner();
        assert!(declare_size(&mut zip, slack_users.len() as u64, declared) >= 1);
        let path = dir.path().join(format!("slack{declared}.zip"));
        std::fs::write(&path, &zip).unwrap();
        let err = parse("slack-zip", &path, Limits::default()).unwrap_err();
        assert!(err.message.contains("zip_entry_mib"), "{err}");
    }
}

#[test]
fn a_line_past_line_mib_names_the_limit_and_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.jsonl");
    let mut f = std::fs::File::create(&path).unwrap();
    writeln!(f, r#"{{"group":"g","time":"2020-01-01T00:00:00Z","sender":"a","text":"hi"}}"#).unwrap();
    writeln!(f, r#"{{"group":"g","time":"2020-01-01T00:00:01Z","sender":"a","text":"{}"}}"#, "x".repeat(2 << 20))
        .unwrap();
    drop(f);
    let err = parse("jsonl", &path, Limits { line_mib: 1, ..Limits::default() }).unwrap_err();
    assert!(err.message.contains("line_mib = 1"), "{err}");
    assert_eq!(err.location.as_deref(), Some("line 2"));
    assert!(parse("jsonl", &path, Limits::default()).is_ok());
}

#[test]
fn a_file_read_whole_past_whole_file_mib_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("_chat.txt");
    let text: String = (0..40_000).map(whatsapp_line).collect();
    std::fs::write(&path, &text).unwrap();
    let err = parse("whatsapp", &path, Limits { whole_file_mib: 1, ..Limits::default() }).unwrap_err();
    assert!(err.message.contains("whole_file_mib = 1"), "{err}");
}

#[test]
fn telegram_json_deeper_than_json_depth_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("result.json");
    let deep = format!("{}1{}", "[".repeat(50), "]".repeat(50));
    let doc = format!(
        r#"{{"name":"g","type":"private_group","id":1,"messages":[{{"id":1,"type":"message","date":"2020-01-01T00:00:00","from":"a","from_id":"user1","text":"hi","x":{deep}}}]}}"#
    );
    std::fs::write(&path, doc).unwrap();
    let err = parse("telegram", &path, Limits { json_depth: 20, ..Limits::default() }).unwrap_err();
    assert!(err.message.contains("json_depth = 20"), "{err}");
    assert!(parse("telegram", &path, Limits::default()).is_ok());
}
