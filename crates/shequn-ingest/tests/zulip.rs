//! The rust-lang Zulip archive (`../shared/corpus/zulip-rust-lang`, zulip-archive's
//! layout): every topic file is read by this test with serde_json::Value to count
//! what the import must hold, independently of the parser.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::Value;
use shequn_ingest::{by_name, detect, formats, Input, ParseOptions, Probe};
use shequn_model::{Mention, Platform, Record, Sink, SinkClosed};

const ARCHIVE: &str = "zulip-rust-lang";

/// What a whole-archive parse amounts to, without keeping 500k records.
#[derive(Default, PartialEq, Debug)]
struct Tally {
    groups: Vec<(String, String)>,
    messages: usize,
    /// Messages without reply_to: the first of each topic.
    roots: usize,
    senders: HashSet<String>,
    ids: HashSet<String>,
    mentions: usize,
    /// A hash of every record, to compare two parses.
    digest: u64,
    /// Texts still holding markup the reducer should have removed.
    leftover_markup: usize,
}

struct TallySink {
    t: Tally,
    hasher: DefaultHasher,
}

impl Sink for TallySink {
    fn push(&mut self, record: Record) -> Result<(), SinkClosed> {
        format!("{record:?}").hash(&mut self.hasher);
        match record {
            Record::Group(g) => {
                assert_eq!(g.platform, Platform::Zulip);
                self.t.groups.push((g.platform_id, g.name));
            }
            Record::Message { message: m, .. } => {
                self.t.messages += 1;
                self.t.roots += m.reply_to.is_none() as usize;
                self.t.mentions += m.mentions.iter().filter(|m| matches!(m, Mention::Member(_))).count();
                // Markup only Zulip's renderer writes (people do paste HTML into code blocks).
                let rendered = ["data-user-id=", "class=\"codehilite", "class=\"emoji", "message_inline_image"];
                if rendered.iter().any(|r| m.text.contains(r)) {
                    self.t.leftover_markup += 1;
                }
                self.t.senders.insert(m.sender.name);
                assert!(m.time.unix_ms > 0 && !m.time.zone_inferred);
                self.t.ids.insert(m.id.expect("zulip messages have ids"));
            }
            _ => {}
        }
        Ok(())
    }
}

fn tally(path: &Path) -> Tally {
    let (entries, head) = Input::probe_data(path).unwrap();
    let format = detect(&Probe { path, dir_entries: &entries, head: &head }).expect("a format claims the folder");
    assert_eq!(format.name(), "zulip-archive");
    let mut sink = TallySink { t: Tally::default(), hasher: DefaultHasher::new() };
    format.parse(&Input::new(path), &ParseOptions::default(), &mut sink).unwrap_or_else(|e| panic!("{e}"));
    sink.t.digest = sink.hasher.finish();
    sink.t
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            json_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "json") {
            out.push(p);
        }
    }
}

#[test]
fn whole_rust_lang_archive_imports_with_its_counts() {
    let root = shequn_corpus::require!(ARCHIVE);
    let json = root.join("zulip_json");
    // Counted here: every topic file's array, the stream folders, the index's names.
    let mut stream_dirs: Vec<(String, PathBuf)> = std::fs::read_dir(&json)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .map(|p| (p.file_name().unwrap().to_str().unwrap().split('-').next().unwrap().to_string(), p))
        .collect();
    stream_dirs.sort();
    let index: Value = serde_json::from_slice(&std::fs::read(json.join("stream_index.json")).unwrap()).unwrap();
    let index_names: HashMap<String, String> = index["streams"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, s)| (s["id"].as_i64().unwrap().to_string(), name.clone()))
        .collect();
    let (mut topics, mut messages, mut senders) = (0usize, 0usize, HashSet::new());
    for (_, dir) in &stream_dirs {
        let mut files = Vec::new();
        json_files(dir, &mut files);
        for f in files {
            let v: Value = serde_json::from_slice(&std::fs::read(&f).unwrap()).unwrap();
            let arr = v.as_array().unwrap();
            topics += (!arr.is_empty()) as usize;
            messages += arr.len();
            senders.extend(arr.iter().map(|m| m["sender_full_name"].as_str().unwrap().to_string()));
        }
    }
    // SOURCE.md: 100 stream folders, 14,812 topic files.
    assert_eq!((stream_dirs.len(), topics), (100, 14_812));

    let started = Instant::now();
    let got = tally(&root);
    eprintln!("zulip-rust-lang: {} messages parsed in {:.1?}", got.messages, started.elapsed());
    assert_eq!(got.messages, messages);
    assert_eq!(got.ids.len(), messages, "message ids are unique");
    // One thread per topic: its first message has no reply_to, every later one points at it.
    assert_eq!(got.roots, topics);
    assert_eq!(got.senders, senders);
    assert_eq!(got.leftover_markup, 0);
    assert!(got.mentions > 0);
    let want_groups: Vec<(String, String)> =
        stream_dirs.iter().map(|(id, _)| (id.clone(), index_names[id].clone())).collect();
    assert_eq!(got.groups, want_groups);
    // The folder itself or its zulip_json: the same import, and the same again on a second parse.
    assert_eq!(tally(&json), got);
}

#[test]
fn one_topic_reads_as_written() {
    let root = shequn_corpus::require!(ARCHIVE);
    let dir = tempfile::tempdir().unwrap();
    // A copy of one small stream with two topics, so the whole parse is cheap.
    let src = root.join("zulip_json/122651-general");
    let dst = dir.path().join("122651-general");
    std::fs::create_dir(&dst).unwrap();
    for name in ["35C3.json", "(no.20topic).json"] {
        std::fs::copy(src.join(name), dst.join(name)).unwrap();
    }
    let mut out = Vec::new();
    by_name("zulip-archive").unwrap().parse(&Input::new(dir.path()), &ParseOptions::default(), &mut out).unwrap();
    let Record::Group(g) = &out[0] else { panic!() };
    assert_eq!((g.platform_id.as_str(), g.name.as_str()), ("122651", "general"));
    let topic: Value = serde_json::from_slice(&std::fs::read(src.join("(no.20topic).json")).unwrap()).unwrap();
    let first_id = topic[0]["id"].as_i64().unwrap().to_string();
    let msgs: Vec<_> =
        out.iter().filter_map(|r| if let Record::Message { message, .. } = r { Some(message) } else { None }).collect();
    // `35C3.json` sorts last: `<p>anybody else here going to 35C3? See you at the Rust assembly :D</p>`.
    let last = msgs.last().unwrap();
    assert_eq!(last.id.as_deref(), Some("152561990"));
    assert_eq!(last.text, "anybody else here going to 35C3? See you at the Rust assembly :D");
    assert_eq!(
        (last.sender.name.as_str(), last.time.unix_ms, last.reply_to.as_ref()),
        ("RalfJ", 1_545_844_671_000, None)
    );
    let replies = &msgs[1..msgs.len() - 1];
    assert_eq!(replies.len() + 1, topic.as_array().unwrap().len());
    assert_eq!(msgs[0].id.as_deref(), Some(first_id.as_str()));
    assert!(replies.iter().all(|m| m.reply_to.as_deref() == Some(first_id.as_str())));
}

#[test]
fn a_topic_file_that_almost_matches_names_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let stream = dir.path().join("zulip_json/7-general");
    std::fs::create_dir_all(&stream).unwrap();
    let file = stream.join("hello.json");
    std::fs::write(
        &file,
        "[\n {\"content\": \"<p>hi</p>\", \"id\": 1, \"sender_full_name\": \"Ann\", \"timestamp\": 1600000000},\n {\"content\": \"<p>yo</p>\", \"id\": 2, \"sender_full_name\": \"Bob\", \"timestamp\": \"yesterday\"}\n]",
    )
    .unwrap();
    let err = by_name("zulip-archive")
        .unwrap()
        .parse(&Input::new(dir.path()), &ParseOptions::default(), &mut Vec::new())
        .unwrap_err();
    assert_eq!(err.path, file);
    assert!(err.location.as_deref().unwrap().starts_with("line 3,"), "{err}");
    assert!(err.message.contains("zulip-archive topic file"), "{err}");
    assert!(err.message.contains("invalid type: string \"yesterday\""), "{err}");
}

/// The Zulip formats claim Zulip folders only; other folders in the corpus stay theirs.
#[test]
fn sniffing_claims_zulip_folders_only() {
    let root = shequn_corpus::require!(ARCHIVE);
    let corpus = root.parent().unwrap().to_path_buf();
    for p in [root.clone(), root.join("zulip_json")] {
        let (entries, head) = Input::probe_data(&p).unwrap();
        let f = detect(&Probe { path: &p, dir_entries: &entries, head: &head }).unwrap();
        assert_eq!(f.name(), "zulip-archive", "{}", p.display());
    }
    let mut others: Vec<PathBuf> = Vec::new();
    for top in std::fs::read_dir(&corpus).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()) {
        if top.ends_with(ARCHIVE) {
            continue;
        }
        others.push(top.clone());
        for sub in std::fs::read_dir(&top).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()) {
            others.push(sub);
        }
    }
    assert!(others.len() > 10);
    let zulip: Vec<_> = formats::all().iter().filter(|f| f.name().starts_with("zulip")).collect();
    for p in others {
        let (entries, head) = Input::probe_data(&p).unwrap();
        let probe = Probe { path: &p, dir_entries: &entries, head: &head };
        for f in &zulip {
            assert_eq!(f.sniff(&probe), 0, "{} claims {}", f.name(), p.display());
        }
    }
}

/// The whole archive (100 streams, ~500k messages) goes into SQLite in one file transaction:
/// every topic's records are accepted by the archive writer, not only by the parser. Prints
/// the time as a lower bound on `shequn import`'s cost (a few seconds; not asserted).
#[test]
fn whole_archive_into_sqlite() {
    let root = shequn_corpus::require!(ARCHIVE);
    struct Writer<'a>(shequn_archive::FileImport<'a>);
    impl Sink for Writer<'_> {
        fn push(&mut self, record: Record) -> Result<(), SinkClosed> {
            self.0.apply(record).map_err(|_| SinkClosed)
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let mut archive = shequn_archive::Archive::open(&dir.path().join("a.sqlite")).unwrap();
    let started = Instant::now();
    let mut w = Writer(archive.begin_file().unwrap());
    by_name("zulip-archive").unwrap().parse(&Input::new(&root), &ParseOptions::default(), &mut w).unwrap();
    let stats = w.0.commit().unwrap();
    eprintln!(
        "zulip-rust-lang into SQLite: {} messages, {} members, {} groups in {:.1?}",
        stats.messages_new,
        stats.members_new,
        stats.groups_new,
        started.elapsed()
    );
    assert_eq!(stats.groups_new, 100);
    assert!(stats.messages_new > 400_000);
}
