//! Shared helpers for the QQ/WeChat/WeCom importer tests: detect + parse a file,
//! count what came out, and import it twice into an in-memory archive.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use shequn_archive::{Archive, ImportStats};
use shequn_ingest::{detect, Input, ParseError, ParseOptions, Probe, Record};
use shequn_model::{GroupInfo, Message, RosterEntry, SystemEvent};

/// A hand-made fixture under `tests/data/cn/`.
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/cn").join(name)
}

/// Sniffs `path` (asserting the format picked) and parses it with default options.
pub fn parse_as(path: &Path, format: &str) -> Vec<Record> {
    try_parse_as(path, format).unwrap_or_else(|e| panic!("{e}"))
}

pub fn try_parse_as(path: &Path, format: &str) -> Result<Vec<Record>, ParseError> {
    let (entries, head) = Input::probe_data(path).unwrap();
    let probe = Probe { path, dir_entries: &entries, head: &head };
    let found = detect(&probe).unwrap_or_else(|| panic!("no format claims {}", path.display()));
    assert_eq!(found.name(), format, "format sniffed for {}", path.display());
    let mut out = Vec::new();
    found.parse(&Input::new(path), &ParseOptions::default(), &mut out)?;
    Ok(out)
}

pub fn groups(r: &[Record]) -> Vec<&GroupInfo> {
    r.iter().filter_map(|r| if let Record::Group(g) = r { Some(g) } else { None }).collect()
}

/// Messages of group slot `g`.
pub fn messages(r: &[Record], g: u32) -> Vec<&Message> {
    r.iter()
        .filter_map(|r| match r {
            Record::Message { group, message } if *group == g => Some(message),
            _ => None,
        })
        .collect()
}

/// Events of group slot `g`.
pub fn events(r: &[Record], g: u32) -> Vec<&SystemEvent> {
    r.iter()
        .filter_map(|r| match r {
            Record::Event { group, event } if *group == g => Some(event),
            _ => None,
        })
        .collect()
}

pub fn notes(r: &[Record], g: u32) -> Vec<&str> {
    r.iter()
        .filter_map(|r| match r {
            Record::Note { group, text } if *group == g => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

pub fn roster(r: &[Record]) -> Vec<&RosterEntry> {
    r.iter().filter_map(|r| if let Record::Roster { entry, .. } = r { Some(entry) } else { None }).collect()
}

/// (groups, messages, events) over all groups.
pub fn totals(r: &[Record]) -> (usize, usize, usize) {
    let count = |f: fn(&Record) -> bool| r.iter().filter(|x| f(x)).count();
    (
        count(|x| matches!(x, Record::Group(_))),
        count(|x| matches!(x, Record::Message { .. })),
        count(|x| matches!(x, Record::Event { .. })),
    )
}

fn import(a: &mut Archive, records: &[Record]) -> ImportStats {
    let mut f = a.begin_file().unwrap();
    for r in records {
        f.apply(r.clone()).unwrap();
    }
    f.commit().unwrap()
}

/// Imports the records twice into a fresh archive; returns both stats and the archive.
pub fn import_twice(records: &[Record]) -> (ImportStats, ImportStats, Archive) {
    let mut a = Archive::open_in_memory().unwrap();
    let first = import(&mut a, records);
    let second = import(&mut a, records);
    (first, second, a)
}

/// Asserts that a second import of the same records adds nothing.
pub fn assert_reimport_adds_nothing(records: &[Record]) -> (ImportStats, Archive) {
    let (first, second, a) = import_twice(records);
    assert_eq!(
        (second.groups_new, second.messages_new, second.events_new, second.members_new, second.roster_entries),
        (0, 0, 0, 0, 0),
        "second import added something: {second:?}"
    );
    (first, a)
}
