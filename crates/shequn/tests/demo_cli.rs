//! End to end: `shequn demo` writes an export and its truth, imports it, and the
//! archive then lists exactly the demo's groups.

use std::process::Command;

#[test]
fn demo_writes_truth_and_imports_every_group() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("demo");
    let run = Command::new(env!("CARGO_BIN_EXE_shequn"))
        .args(["demo", "--out"])
        .arg(&out)
        .args(["--groups", "20", "--json"])
        .env_remove("SHEQUN_DB")
        .output()
        .unwrap();
    assert!(run.status.success(), "demo failed: {}", String::from_utf8_lossy(&run.stderr));
    let summary: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(summary["groups"], 20);
    assert!(summary["agreement"].is_null());
    assert_eq!(summary["messages_imported"], summary["messages"]);

    let truth = out.join("ground_truth.json");
    assert!(truth.is_file());
    let truth: serde_json::Value = serde_json::from_slice(&std::fs::read(&truth).unwrap()).unwrap();
    assert_eq!(truth["groups"].as_array().unwrap().len(), 20);

    let db = out.join("archive.db");
    assert_eq!(summary["archive"].as_str().unwrap(), db.to_str().unwrap());
    let groups =
        Command::new(env!("CARGO_BIN_EXE_shequn")).arg("--db").arg(&db).args(["groups", "--json"]).output().unwrap();
    assert!(groups.status.success());
    let groups: serde_json::Value = serde_json::from_slice(&groups.stdout).unwrap();
    let groups = groups.as_array().unwrap();
    assert_eq!(groups.len(), 20);
    // Each group holds the messages the truth says it has.
    for t in truth["groups"].as_array().unwrap() {
        let g =
            groups.iter().find(|g| g["platform_id"] == t["id"]).unwrap_or_else(|| panic!("{} not imported", t["id"]));
        assert_eq!(g["messages"], t["messages"], "{}", t["id"]);
        assert_eq!(g["platform"], t["platform"]);
    }

    // A second run into the same folder with fewer groups replaces the archive and export.
    let again = Command::new(env!("CARGO_BIN_EXE_shequn"))
        .args(["demo", "--out"])
        .arg(&out)
        .args(["--groups", "12", "--json"])
        .env_remove("SHEQUN_DB")
        .output()
        .unwrap();
    assert!(again.status.success());
    let groups =
        Command::new(env!("CARGO_BIN_EXE_shequn")).arg("--db").arg(&db).args(["groups", "--json"]).output().unwrap();
    let groups: serde_json::Value = serde_json::from_slice(&groups.stdout).unwrap();
    assert_eq!(groups.as_array().unwrap().len(), 12);
}
