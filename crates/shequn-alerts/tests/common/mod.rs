//! What the real-data tests share: reading an export (file or folder) with shequn's importers,
//! and the archive's timelines of the same records (what the batch analyses read).

#![allow(dead_code)]

use std::path::Path;

use shequn_model::{Record, Timeline};

/// The export's records, as `shequn import` reads them (zone +00:00 where none is written).
pub fn parse(path: &Path) -> Vec<Record> {
    let (entries, head) = shequn_ingest::Input::probe_data(path).unwrap();
    let probe = shequn_ingest::Probe { path, dir_entries: &entries, head: &head };
    let format = shequn_ingest::detect(&probe).expect("the export's format is recognised");
    let mut records = Vec::new();
    let opts = shequn_ingest::ParseOptions { zone: chrono::FixedOffset::east_opt(0) };
    format.parse(&shequn_ingest::Input::new(path), &opts, &mut records).unwrap();
    records
}

/// The records stored in an in-memory archive and read back, one timeline per group.
pub fn timelines(records: &[Record]) -> Vec<Timeline> {
    let mut archive = shequn_archive::Archive::open_in_memory().unwrap();
    let mut tx = archive.begin_file().unwrap();
    for r in records {
        tx.apply_ref(r).unwrap();
    }
    let ids = tx.commit().unwrap().group_ids;
    ids.iter().map(|&id| archive.timeline(id).unwrap()).collect()
}

/// Each group's timed records (messages, events, rosters with a join time) in time order, by
/// the group's platform id, with the group's name.
pub fn by_group(records: &[Record]) -> Vec<(String, String, Vec<&Record>)> {
    let mut slots: Vec<&shequn_model::GroupInfo> = Vec::new();
    let mut out: Vec<(String, String, Vec<&Record>)> = Vec::new();
    for r in records {
        let slot = match r {
            Record::Group(g) => {
                slots.push(g);
                continue;
            }
            Record::Message { group, .. } | Record::Event { group, .. } | Record::Roster { group, .. } => *group,
            _ => continue,
        };
        let Some(g) = slots.get(slot as usize) else { continue };
        if shequn_alerts::time_of(r).is_none() {
            continue;
        }
        match out.iter_mut().find(|x| x.0 == g.platform_id) {
            Some(x) => x.2.push(r),
            None => out.push((g.platform_id.clone(), g.name.clone(), vec![r])),
        }
    }
    for x in &mut out {
        x.2.sort_by_key(|r| shequn_alerts::time_of(r).unwrap_or(0));
    }
    out
}
