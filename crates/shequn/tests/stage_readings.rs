//! The stage of each long-lived real group in the corpus, as a reader of its messages names it
//! (docs/stage-readings.md, issue 17), against shequn's stage rule. Each group is diagnosed as of
//! the end of its own data (the default). Prints every group with its reading and verdict, and
//! how many match; fails if fewer match than the rule reached when the readings were written.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

/// (platform, group name, the reader's stage). Why each reads so: docs/stage-readings.md.
const READINGS: &[(&str, &str, &str)] = &[
    ("irc", "#duraspace", "collaboration"),
    ("gitter", "appium_appium", "formation"),
    ("gitter", "gitter_gitter", "formation"),
    ("zulip", "t-compiler", "collaboration"),
    ("zulip", "wg-traits", "collaboration"),
    ("zulip", "general", "assimilation"),
    ("zulip", "t-compiler/meetings", "collaboration"),
    ("zulip", "t-compiler/rust-analyzer", "collaboration"),
    ("zulip", "wg-async-foundations", "collaboration"),
    ("zulip", "t-compiler/help", "assimilation"),
    ("zulip", "t-lang", "collaboration"),
    ("zulip", "t-libs", "collaboration"),
    ("zulip", "t-lang/wg-unsafe-code-guidelines", "collaboration"),
    ("zulip", "t-infra", "collaboration"),
];

/// Matches when the readings were written: 9 of 14 (3 of 14 before issue 17's stable-core rule).
/// The misses are five working streams whose cooperation words stay under 2 % of their messages
/// (t-compiler, wg-traits, t-lang, t-libs) or whose regulars write under 80 % (unsafe-code
/// guidelines): see docs/stage-readings.md.
const MATCHED_WHEN_WRITTEN: usize = 9;

fn run(db: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_shequn")).arg("--db").arg(db).args(args).output().unwrap();
    assert!(out.status.success(), "shequn {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn stages_of_long_lived_real_groups_match_their_readings() {
    let gitter = shequn_corpus::require!("livechat-gitter/data/raw");
    let dura = shequn_corpus::require!("duraspace-irc/original-logs");
    let zulip = shequn_corpus::require!("zulip-rust-lang");
    let dir = std::env::temp_dir().join(format!("shequn-stage-readings-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("a.db");
    run(&db, &["import", "--zone", "+00:00", gitter.to_str().unwrap()]);
    run(&db, &["import", dura.to_str().unwrap(), zulip.to_str().unwrap()]);
    let groups: Value = serde_json::from_str(&run(&db, &["groups", "--json"])).unwrap();
    let groups = groups.as_array().unwrap();
    let mut matched = 0;
    for (platform, name, reading) in READINGS {
        let g = groups
            .iter()
            .find(|g| g["platform"] == *platform && g["name"] == *name)
            .unwrap_or_else(|| panic!("{platform} group {name} not imported"));
        let stage = g["stage"].as_str().unwrap_or("-");
        let ok = stage == *reading;
        matched += usize::from(ok);
        eprintln!("{} {platform:<7} {name:<34} reading {reading:<14} shequn {stage}", if ok { "✓" } else { "✗" });
    }
    eprintln!("stage readings matched: {matched} of {}", READINGS.len());
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(matched >= MATCHED_WHEN_WRITTEN, "{matched} of {} readings matched", READINGS.len());
}
