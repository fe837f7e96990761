//! Real public sets imported through the `shequn` binary: counts match ones
//! established independently (the method is written next to each number), and
//! a second import adds nothing. Skips with a message when the corpus is absent.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use shequn_archive::Archive;

fn import(db: &Path, paths: &[PathBuf]) -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_shequn"))
        .arg("--db")
        .arg(db)
        .args(["import", "--json"])
        .args(paths)
        .output()
        .expect("run shequn");
    let summary: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("no JSON summary ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    summary
}

fn n(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap_or_else(|| panic!("summary has no {key}: {v}"))
}

fn year(ms: i64) -> String {
    shequn_model::rfc3339_utc(ms)[..4].to_string()
}

#[test]
fn duraspace_is_one_channel_of_about_89k_messages_and_reimports_add_nothing() {
    let dir = shequn_corpus::require!("duraspace-irc/original-logs");
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("a.db");
    let first = import(&db, std::slice::from_ref(&dir));
    assert_eq!(n(&first, "failed"), 0, "{}", first["failures"]);
    // 3,310 day files; 2009-06-30.log has no times at all and is passed over.
    assert_eq!(n(&first, "files"), 3309);
    // Messages parsed (new + present), counted per file with regexes over the HTML:
    //   `class="irc-black">&lt;\S+&gt;` (89,347) + `class="irc-black"> ` 12-hour CDT lines (418)
    //   + `class="irc-brick"` actions (1,287) + Pidgin `<b>nick:</b></font>` (722, two files)
    //   + `^\[HH:MM\] <` irssi lines pasted into 2012-03-15.log (119) = 91,865 over the files read.
    //   shequn reads 6 fewer: 4 of the CDT lines are room notices, and 2 PircBot lines sit in the
    //   irssi-style 2012-03-15.log. `&lt;- *nick*` lines (15) are private messages, not counted.
    let parsed = n(&first, "messages_new") + n(&first, "messages_present");
    assert!((91_855..=91_865).contains(&parsed), "parsed {parsed}");
    // 2018-05-09-NEW.log repeats most of 2018-05-09.log: those are stored once.
    assert!(n(&first, "messages_present") > 150, "{first}");
    let archive = Archive::open(&db).unwrap();
    let groups = archive.groups().unwrap();
    assert_eq!(groups.len(), 1, "one channel across all day files");
    assert_eq!(groups[0].name, "#duraspace");
    assert!((89_000..92_000).contains(&groups[0].messages), "{}", groups[0].messages);
    assert_eq!(year(groups[0].first_ms.unwrap()), "2009");
    assert_eq!(year(groups[0].last_ms.unwrap()), "2018");
    drop(archive);

    let again = import(&db, &[dir]);
    assert_eq!(n(&again, "messages_new"), 0);
    assert_eq!(n(&again, "events_new"), 0);
    assert_eq!(n(&again, "messages_present"), parsed);
}

#[test]
fn clojurians_gives_82_active_channels_and_linked_thread_replies() {
    let dir = shequn_corpus::require!("clojurians-slack-demo");
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("c.db");
    let first = import(&db, std::slice::from_ref(&dir));
    assert_eq!(n(&first, "failed"), 0, "{}", first["failures"]);
    // Events in logs/*.txt with no subtype (7,855) or subtype bot_message (109), file_share (60),
    // me_message (11), file_comment (9): 8,044 (python: json.loads each line, count subtypes).
    assert_eq!(n(&first, "messages_new"), 8044);
    let archive = Archive::open(&db).unwrap();
    let mut active = 0;
    let mut replies = 0;
    let mut linked = 0;
    for g in archive.groups().unwrap() {
        let t = archive.timeline(g.id).unwrap();
        if t.messages.iter().any(|m| !t.sender(m).is_bot) {
            active += 1;
        }
        replies += t.messages.iter().filter(|m| m.reply_to.is_some()).count();
        linked += t
            .messages
            .iter()
            .filter_map(|m| m.reply_to.map(|r| (m, &t.messages[r as usize])))
            .filter(|(m, root)| root.time_ms < m.time_ms)
            .count();
    }
    // Channels with a message of no subtype (a person's message): 82, all named in channels.edn.
    // Three more channels hold only bot_message events.
    assert_eq!(active, 82);
    // Messages whose thread_ts differs from ts: 655; of these, 631 have their root (the message
    // with ts == thread_ts in the same channel) inside the 9 days; the other 24 roots are older.
    assert_eq!(replies, 631);
    assert_eq!(linked, 631);
    drop(archive);
    let again = import(&db, &[dir]);
    assert_eq!(n(&again, "messages_new"), 0);
    assert_eq!(n(&again, "messages_present"), 8044);
}

#[test]
fn gitter_rooms_hold_68k_messages() {
    let dir = shequn_corpus::require!("livechat-gitter/data/raw");
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("g.db");
    let first = import(&db, std::slice::from_ref(&dir));
    assert_eq!(n(&first, "failed"), 0, "{}", first["failures"]);
    // `grep -c '^\[[0-9]\{4\}-' raw/*.txt`: appium 24,883 + docker 28,586 + gitter 14,854 = 68,323
    // (lines without a time continue the message above them).
    assert_eq!(n(&first, "messages_new"), 68_323);
    let archive = Archive::open(&db).unwrap();
    let mut names: Vec<(String, String)> =
        archive.groups().unwrap().into_iter().map(|g| (g.platform, g.name)).collect();
    names.sort();
    let gitter = |s: &str| ("gitter".to_string(), s.to_string());
    assert_eq!(names, vec![gitter("appium_appium"), gitter("docker_docker"), gitter("gitter_gitter")]);
    drop(archive);
    let again = import(&db, &[dir]);
    assert_eq!(n(&again, "messages_new"), 0);
}

#[test]
fn ubuntu_day_files_are_one_channel_and_derived_copies_are_passed_over() {
    let data = shequn_corpus::require!("irc-disentanglement/data");
    let tmp = tempfile::tempdir().unwrap();
    let db = tmp.path().join("u.db");
    let first = import(&db, &[data.join("train"), data.join("dev")]);
    assert_eq!(n(&first, "failed"), 0, "{}", first["failures"]);
    // 153 train + 10 dev `.raw.txt` files; `.annotation.txt` files are not logs.
    assert_eq!(n(&first, "files"), 163);
    // `cat train/*.raw.txt dev/*.raw.txt | grep -cE '^\[[0-9]{2}:[0-9]{2}\] (<|\* | \* [^ ]+ +[^ ])'`:
    // messages, `/me` actions in both spacings (an action with no words is no message):
    // 196,596 + 11,642 = 208,238; less the three actions that read as mode lines
    // (`grep -cE '^\[..:..\]  \* [^ ]+ sets mode '`: "* mneptok sets mode +r bed").
    assert_eq!(n(&first, "messages_new") + n(&first, "messages_present"), 208_235);
    let archive = Archive::open(&db).unwrap();
    let groups = archive.groups().unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0].name, "#ubuntu");
}

#[test]
fn slack_export_folder_and_zip_give_the_same_result() {
    let assets = shequn_corpus::require!("slackdump-fixtures/internal/fixtures/assets");
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("folder.db"), tmp.path().join("zip.db"));
    let folder = import(&a, &[assets.join("source_export_dir")]);
    let zip = import(&b, &[assets.join("source_export.zip")]);
    // B75B4C7/*.json hold 16 message objects: 1 channel_join (an event) and 1 tombstone
    // (a deleted thread root) are not messages, so 14 (python: len of each day's array).
    for s in [&folder, &zip] {
        assert_eq!(n(s, "failed"), 0, "{}", s["failures"]);
        assert_eq!(n(s, "messages_new"), 14);
        assert_eq!(n(s, "events_new"), 1);
    }
    let dump = |db: &Path| {
        let archive = Archive::open(db).unwrap();
        let g = archive.groups().unwrap();
        assert_eq!(g.len(), 1);
        let t = archive.timeline(g[0].id).unwrap();
        let msgs: Vec<(i64, String, String, Option<i64>)> = t
            .messages
            .iter()
            .map(|m| {
                (
                    m.time_ms,
                    t.sender(m).name.clone(),
                    m.text.clone(),
                    m.reply_to.map(|r| t.messages[r as usize].time_ms),
                )
            })
            .collect();
        (g[0].name.clone(), g[0].platform_id.clone(), msgs)
    };
    let (fa, fb) = (dump(&a), dump(&b));
    assert_eq!(fa, fb);
    assert_eq!(fa.0, "B75B4C7");
    assert_eq!(fa.1, "CO69735E8A");
    // 3 replies carry thread_ts 1736478630.905399 or 1736554801.872639, whose roots are present
    // (the replies to the tombstoned root 1736554828.343759 have no root to link to).
    assert_eq!(fa.2.iter().filter(|m| m.3.is_some()).count(), 3);
    // Importing the zip into the folder's archive adds nothing.
    let again = import(&a, &[assets.join("source_export.zip")]);
    assert_eq!(n(&again, "messages_new"), 0);
    assert_eq!(n(&again, "messages_present"), 14);
}
