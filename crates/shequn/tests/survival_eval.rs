//! `shequn eval survival` on a small real archive: eleven rust-lang Zulip streams imported
//! through the binary. Which of them were dead 90 days after they began is worked out here,
//! independently, from the topic files' timestamps (METHOD §1: no member message in the 30
//! days before day 90; Zulip's "Notification Bot" is not a member), and must match the
//! command's `died` for every group. Skips with a message when the corpus is absent.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Small streams of both fates (the folder names of `zulip_json/`).
const STREAMS: [&str; 11] = [
    "226070-t-community",
    "226071-t-community",
    "250483-t-compiler",
    "253831-t-libs",
    "265478-t-libs",
    "193127-wg-database",
    "187830-t-compiler",
    "212497-t-compiler",
    "254930-t-compiler",
    "269230-t-lang",
    "259444-t-lang",
];
/// The newest message of the whole archive (every topic file's `timestamp` read): the end of
/// observation for every stream, as the issue's `--data-end` says.
const DATA_END: &str = "2021-08-07T22:01:05Z";
const DAY: f64 = 86_400.0;

fn topic_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            topic_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

/// (died by day 90, temporary by METHOD §1 as of day 90) from the stream's own files.
fn expected(dir: &Path) -> (bool, bool) {
    let mut files = Vec::new();
    topic_files(dir, &mut files);
    let mut times: Vec<f64> = Vec::new();
    for f in files {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        for m in v.as_array().unwrap() {
            if m["sender_full_name"].as_str() != Some("Notification Bot") {
                times.push(m["timestamp"].as_f64().unwrap());
            }
        }
    }
    times.sort_by(f64::total_cmp);
    let c = times[0];
    let horizon = c + 90.0 * DAY;
    let died = !times.iter().any(|&t| t > horizon - 30.0 * DAY && t <= horizon);
    // Temporary: ≥ 20 messages by day 90, ≥ 80% of them within one 14-day span.
    let seen: Vec<f64> = times.into_iter().filter(|&t| t <= horizon).collect();
    let densest = (0..seen.len()).map(|a| seen[a..].iter().take_while(|&&t| t - seen[a] <= 14.0 * DAY).count()).max();
    let temporary = seen.len() >= 20 && densest.unwrap_or(0) as f64 >= 0.8 * seen.len() as f64;
    (died, temporary)
}

#[test]
fn eval_survival_on_real_zulip_streams_matches_their_fates() {
    let root = shequn_corpus::require!("zulip-rust-lang/zulip_json");
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("export").join("zulip_json");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::copy(root.join("stream_index.json"), folder.join("stream_index.json")).unwrap();
    for s in STREAMS {
        std::os::unix::fs::symlink(root.join(s), folder.join(s)).unwrap();
    }
    let db = tmp.path().join("z.db");
    let bin = env!("CARGO_BIN_EXE_shequn");
    let out = Command::new(bin).arg("--db").arg(&db).arg("import").arg(tmp.path().join("export")).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let run = |days: &str| -> Value {
        let out = Command::new(bin)
            .arg("--db")
            .arg(&db)
            .args(["eval", "survival", "--observe-days", days, "--data-end", DATA_END, "--json"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    };
    for days in ["14", "28"] {
        let e = run(days);
        let scored = e["predictions"].as_array().unwrap();
        let temporary = e["temporary"].as_array().unwrap();
        assert_eq!(e["excluded"], 0, "every stream reaches day 90 before the data ends: {e}");
        assert_eq!(scored.len() + temporary.len(), STREAMS.len());
        assert_eq!(e["groups"].as_u64().unwrap() as usize, scored.len());
        let mut deaths = 0;
        for s in STREAMS {
            let (died, temp) = expected(&root.join(s));
            // The group created at the stream's first message (streams here begin at distinct instants).
            let created = shequn_model::rfc3339_utc((first_message(&root.join(s)) * 1000.0) as i64);
            let list = if temp { temporary } else { scored };
            let p = list.iter().find(|p| p["created"] == created.as_str()).unwrap_or_else(|| {
                panic!("{s}: no {} group created at {created}: {e}", if temp { "temporary" } else { "scored" })
            });
            assert_eq!(p["died"].as_bool(), Some(died), "{s}: {p}");
            let risk = p["risk"].as_f64().unwrap();
            assert!((0.0..=1.0).contains(&risk), "{p}");
            if died && !temp {
                deaths += 1;
            }
        }
        assert_eq!(e["deaths"], deaths);
        assert!(deaths >= 4, "the chosen streams hold at least four deaths, found {deaths}");
        let auc = e["auc"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&auc));
        let binned: u64 = e["calibration"].as_array().unwrap().iter().map(|b| b["groups"].as_u64().unwrap()).sum();
        assert_eq!(binned as usize, scored.len());
    }
}

/// The stream's first message (any sender), read from its files: the group's creation.
fn first_message(dir: &Path) -> f64 {
    let mut files = Vec::new();
    topic_files(dir, &mut files);
    files
        .iter()
        .flat_map(|f| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            v.as_array().unwrap().iter().map(|m| m["timestamp"].as_f64().unwrap()).collect::<Vec<_>>()
        })
        .fold(f64::INFINITY, f64::min)
}
