//! Shared by the format targets: the input written to a file with a name the family's exports
//! carry, sniffed as an import would, then parsed by the sniffed format and by each format of
//! the family into a Vec sink, within small limits. A parser may refuse input; it must not
//! panic, hang or allocate without bound.

use shequn_ingest::{formats, Input, Limits, ParseOptions, Probe, PROBE_BYTES};

pub fn sniff_and_parse(data: &[u8], file_name: &str, family: &[&str]) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(file_name);
    std::fs::write(&path, data).expect("write input");
    let head = &data[..data.len().min(PROBE_BYTES)];
    let probe = Probe { path: &path, dir_entries: &[], head };
    let limits = Limits { zip_entry_mib: 16, zip_export_mib: 32, line_mib: 4, whole_file_mib: 16, json_record_mib: 4, ..Limits::default() };
    let input = Input::with_limits(&path, limits);
    let opts = ParseOptions::default();
    let mut names: Vec<&str> = family.to_vec();
    if let Some(f) = shequn_ingest::detect(&probe) {
        names.push(f.name());
    }
    for f in formats::all().iter().filter(|f| !f.reads_directories() && names.contains(&f.name())) {
        let _ = f.sniff(&probe);
        let mut out = Vec::new();
        let _ = f.parse(&input, &opts, &mut out);
    }
}
