//! The stages a benchmark run times, each a plain function on the export or
//! the archive, so a new stage (an analysis family, the report) is one more function.

use std::io::Read;
use std::path::Path;

use shequn_archive::{Archive, ImportStats};
use shequn_ingest::{ParseOptions, Record, Sink, SinkClosed};
use shequn_model::Timeline;

use crate::pipeline::{self, Unit};

/// Reference: reads every byte of the file (what `cat FILE > /dev/null` costs).
pub fn read_bytes(path: &Path) -> anyhow::Result<u64> {
    let mut f = std::fs::File::open(path)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut total = 0u64;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(total);
        }
        total += n as u64;
    }
}

/// The unit shequn's import would make of `path`: its sniffed format. Err says why there is none.
pub fn unit_for(path: &Path) -> anyhow::Result<Unit> {
    let (mut units, failures, _) = pipeline::plan(&[path.to_path_buf()], None);
    match (units.pop(), failures.first()) {
        (Some(unit), _) => Ok(unit),
        (None, Some(f)) => anyhow::bail!("{}: {}", f.path, f.error),
        (None, None) => anyhow::bail!("{}: no format recognised", path.display()),
    }
}

/// Counts what a parser emits and keeps nothing.
#[derive(Default)]
pub struct CountingSink {
    pub messages: u64,
    pub records: u64,
}

impl Sink for CountingSink {
    fn push(&mut self, record: Record) -> Result<(), SinkClosed> {
        self.records += 1;
        if matches!(record, Record::Message { .. }) {
            self.messages += 1;
        }
        Ok(())
    }
}

/// Parse only: the format's parser into a sink that counts. Returns the messages it emitted.
pub fn parse_only(unit: &Unit) -> anyhow::Result<u64> {
    let mut sink = CountingSink::default();
    let input = shequn_ingest::Input::new(&unit.path);
    unit.format.parse(&input, &ParseOptions::default(), &mut sink).map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(sink.messages)
}

/// Store: the import pipeline into the archive at `db` (as `shequn import` does; the
/// source fingerprint decides whether the bytes are read again). Returns the summed stats.
pub fn import(db: &Path, unit: &Unit, threads: usize) -> anyhow::Result<ImportStats> {
    let mut archive = Archive::open(db)?;
    let units = [Unit { path: unit.path.clone(), format: unit.format }];
    let reports = pipeline::run(
        &mut archive,
        &units,
        &ParseOptions::default(),
        &pipeline::Bounds::default(),
        threads,
        false,
        |_| (),
    )?;
    let mut total = ImportStats::default();
    for r in reports {
        if let Some(e) = r.error {
            anyhow::bail!("{e}");
        }
        if let Some(s) = r.stats {
            total.add(&s);
        }
    }
    Ok(total)
}

/// Loads every group's timeline on `threads` threads (one read-only handle each) and
/// hands each to `each`; returns the messages loaded. Timelines are dropped after use.
/// The threads are a rayon pool, as in `shequn report`, so the analyses' own parallel
/// parts (one large group on both cores) run on the same threads instead of a second pool.
pub fn for_each_timeline(db: &Path, threads: usize, each: impl Fn(&Timeline) + Sync) -> anyhow::Result<u64> {
    use rayon::prelude::*;
    let ids = Archive::open_readonly(db)?.group_ids()?;
    let loaded = std::sync::atomic::AtomicU64::new(0);
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads.clamp(1, ids.len().max(1))).build()?;
    pool.install(|| {
        ids.par_iter().try_for_each_init(
            || Archive::open_readonly(db),
            |archive, id| -> anyhow::Result<()> {
                let archive = archive.as_ref().map_err(|e| anyhow::anyhow!("cannot open {}: {e}", db.display()))?;
                let timeline = archive.timeline(*id)?;
                loaded.fetch_add(timeline.messages.len() as u64, std::sync::atomic::Ordering::Relaxed);
                each(&timeline);
                Ok(())
            },
        )
    })?;
    Ok(loaded.into_inner())
}

/// The newest message in the archive: the as-of instant every analysis stage uses.
pub fn newest_message(db: &Path) -> anyhow::Result<i64> {
    Ok(Archive::open_readonly(db)?.spans()?.iter().filter_map(|g| g.last_ms).max().unwrap_or(0))
}

/// Reply linking and responsiveness of one timeline.
pub fn replies(as_of: i64) -> impl Fn(&Timeline) + Sync {
    let weights = shequn_replies::Weights::builtin();
    move |t| {
        let links = shequn_replies::link(t, &shequn_replies::ReplySettings::default(), &weights);
        std::hint::black_box(shequn_replies::responsiveness(
            t,
            &links,
            &shequn_replies::ResponsivenessSettings::default(),
            as_of,
        ));
    }
}

/// Ads, pushes, value and emotion of one timeline.
pub fn content(as_of: i64) -> impl Fn(&Timeline) + Sync {
    move |t| {
        let settings = shequn_content::ContentSettings::default();
        std::hint::black_box(shequn_content::analyze_group(t, &settings, None, None, Some(as_of)));
    }
}

/// The whole diagnosis of one timeline, with the reply and content analyses it reads.
pub fn diagnosis(as_of: i64) -> impl Fn(&Timeline) + Sync {
    let config = crate::cmd::group::AnalysisConfig::default();
    move |t| {
        std::hint::black_box(crate::cmd::group::analyse(t, &config, as_of));
    }
}

/// `shequn report` as a user runs it: each group's as-of from its coverage, every analysis of
/// every group, then the report files into `out`. Returns the groups.
pub fn report(db: &Path, out: &Path) -> anyhow::Result<usize> {
    let config = crate::cmd::group::AnalysisConfig::default();
    let as_of = crate::cmd::group::resolve_as_of(&Archive::open_readonly(db)?, None)?;
    crate::cmd::report::write_report_for(db, out, &config, &as_of, &|| ())
}
