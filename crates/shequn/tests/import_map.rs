//! `shequn import --map`: the two worked examples of docs/mapping.md, imported as a user
//! would, counted from the files themselves; a second import adds nothing.

use std::process::Command;

fn shequn() -> Command {
    Command::new(env!("CARGO_BIN_EXE_shequn"))
}

/// The fenced block after `marker` in docs/mapping.md.
fn block(doc: &str, marker: &str) -> String {
    let from = doc.find(marker).unwrap_or_else(|| panic!("{marker} in docs/mapping.md"));
    let rest = &doc[from..];
    let start = rest.find("```").unwrap();
    let body = &rest[start..];
    let body = &body[body.find('\n').unwrap() + 1..];
    body[..body.find("```").unwrap()].to_string()
}

fn import_json(db: &std::path::Path, map: &std::path::Path, file: &std::path::Path) -> serde_json::Value {
    let out = shequn().arg("--db").arg(db).args(["import", "--json", "--map"]).arg(map).arg(file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn the_documented_examples_import() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/mapping.md")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (i, (data_marker, file)) in
        [("`messages.csv`, saved", "messages.csv"), ("`bot.jsonl`, one object", "bot.jsonl")].into_iter().enumerate()
    {
        let data = block(&doc, data_marker);
        // The mapping is the second block of each example.
        let after = &doc[doc.find(data_marker).unwrap()..];
        let map_text = block(after, "`map.toml`");
        let (path, map) = (dir.path().join(file), dir.path().join(format!("map{i}.toml")));
        std::fs::write(&path, &data).unwrap();
        std::fs::write(&map, &map_text).unwrap();
        let db = dir.path().join(format!("a{i}.db"));
        let first = import_json(&db, &map, &path);
        // Messages: data lines (CSV: less the header).
        let lines = data.lines().filter(|l| !l.trim().is_empty()).count() - usize::from(file.ends_with(".csv"));
        assert_eq!(first["messages_new"].as_u64(), Some(lines as u64), "{file}: {first}");
        assert_eq!(first["failed"].as_u64(), Some(0));
        // `--json` names each file's format and the platform its groups live on.
        assert_eq!(first["per_file"][0]["format"], "map");
        let platform = if file.ends_with(".csv") { "wechat" } else { "generic" };
        assert_eq!(first["per_file"][0]["platforms"], serde_json::json!([platform]), "{file}");
        let again = import_json(&db, &map, &path);
        assert_eq!(again["messages_new"].as_u64(), Some(0), "{file}: a second import adds nothing");
    }
}

#[test]
fn a_mapping_naming_a_missing_column_fails_with_the_columns_it_has() {
    let dir = tempfile::tempdir().unwrap();
    let (csv, map) = (dir.path().join("x.csv"), dir.path().join("map.toml"));
    std::fs::write(&csv, "when,who\n2024-03-01T20:00:00Z,Ann\n").unwrap();
    std::fs::write(&map, "group_value = \"g\"\ntime = \"time\"\nsender = \"who\"\n").unwrap();
    let out = shequn()
        .arg("--db")
        .arg(dir.path().join("a.db"))
        .args(["import", "--map"])
        .arg(&map)
        .arg(&csv)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(err.contains("\"time\"") && err.contains("when, who") && err.contains("x.csv"), "{err}");
}
