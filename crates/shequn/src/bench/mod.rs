//! `shequn bench`: generates a portfolio as a Telegram export and times each
//! stage of shequn on it, with the same run's reference points (reading the
//! bytes, a bare typed serde parse). One job per file:
//! [`generate`] writes the input, [`stages`] are the timed functions,
//! [`serde_reference`] is the practical limit, [`memory`] the peak-RSS probe,
//! [`spread`] the median/min/max of several runs.

pub mod generate;
pub mod live;
pub mod memory;
pub mod serde_reference;
pub mod spread;
pub mod stages;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use spread::Spread;

/// What to benchmark.
#[derive(Debug, Clone)]
pub struct Settings {
    pub messages: u64,
    pub groups: usize,
    pub runs: usize,
    /// Keep the export and archive here instead of a temporary folder.
    pub keep: Option<PathBuf>,
    pub threads: usize,
}

/// Stage names, in the order they run. `end_to_end` sums [`CHAIN`].
pub const GENERATE: &str = "generate";
pub const READ: &str = "read_bytes";
pub const SERDE: &str = "serde_parse";
pub const PARSE: &str = "parse";
pub const IMPORT: &str = "import";
pub const REIMPORT: &str = "reimport_unchanged";
pub const LOAD: &str = "load_timelines";
/// Each analysis family over every group, loading included (subtract `load_timelines` for the family alone).
pub const REPLIES: &str = "analysis_replies";
pub const CONTENT: &str = "analysis_content";
pub const DIAGNOSIS: &str = "analysis_diagnosis";
/// What `shequn report` does: every analysis of every group, then report.html/json and the CSVs.
pub const REPORT: &str = "report";
/// The stages an operator's run consists of: import, then the report (which loads every
/// group, runs every analysis and writes the files).
pub const CHAIN: &[&str] = &[IMPORT, REPORT];

/// One timed stage of one run.
#[derive(Debug, Clone, Copy)]
pub struct Sample {
    pub seconds: f64,
    /// CPU seconds the process used during the stage (all threads).
    pub cpu_seconds: Option<f64>,
    pub peak_kb: Option<u64>,
}

/// Times `f`, with the peak-RSS mark reset before it.
fn measure<T>(f: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<(T, Sample)> {
    memory::reset_peak();
    let cpu_before = memory::cpu_seconds();
    let start = Instant::now();
    let value = f()?;
    let seconds = start.elapsed().as_secs_f64();
    let cpu_seconds = memory::cpu_seconds().zip(cpu_before).map(|(after, before)| after - before);
    Ok((value, Sample { seconds, cpu_seconds, peak_kb: memory::peak_kb() }))
}

/// One run's samples by stage, plus what it found out about the input.
#[derive(Debug, Default)]
pub struct Run {
    pub samples: BTreeMap<&'static str, Sample>,
    pub messages: u64,
    pub bytes: u64,
    /// Stages that could not run, and why.
    pub not_run: Vec<String>,
    /// Counts that disagree between stages (a bug somewhere).
    pub mismatches: Vec<String>,
}

/// Runs every stage once in `dir` (created if needed; the export and archive are replaced).
pub fn run_once(settings: &Settings, dir: &Path) -> anyhow::Result<Run> {
    std::fs::create_dir_all(dir)?;
    let export = dir.join("result.json");
    let db = dir.join("archive.db");
    for stale in ["archive.db", "archive.db-wal", "archive.db-shm"] {
        let p = dir.join(stale);
        if p.exists() {
            std::fs::remove_file(p)?;
        }
    }
    let mut run = Run::default();
    let (written, s) = measure(|| Ok(generate::write_export(&export, settings.messages, settings.groups)?))?;
    run.samples.insert(GENERATE, s);
    run.messages = written.messages;
    run.bytes = written.bytes;

    let (_, s) = measure(|| stages::read_bytes(&export))?;
    run.samples.insert(READ, s);
    let (n, s) = measure(|| serde_reference::count_messages(&export))?;
    run.samples.insert(SERDE, s);
    run.check("serde reference parse", n);

    let unit = match stages::unit_for(&export) {
        Ok(unit) => unit,
        Err(e) => {
            run.not_run.push(format!("parse, import and later stages: shequn does not read the export yet ({e})"));
            return Ok(run);
        }
    };
    let (n, s) = measure(|| stages::parse_only(&unit))?;
    run.samples.insert(PARSE, s);
    run.check("parse", n);

    let (stats, s) = measure(|| stages::import(&db, &unit, settings.threads))?;
    run.samples.insert(IMPORT, s);
    run.check("import (new messages)", stats.messages_new);
    let (stats, s) = measure(|| stages::import(&db, &unit, settings.threads))?;
    run.samples.insert(REIMPORT, s);
    if stats.messages_new != 0 {
        run.mismatches.push(format!("re-import added {} messages (expected none)", stats.messages_new));
    }

    let (n, s) = measure(|| stages::for_each_timeline(&db, settings.threads, |_| {}))?;
    run.samples.insert(LOAD, s);
    run.check("load timelines", n);

    let as_of = stages::newest_message(&db)?;
    let (n, s) = measure(|| stages::for_each_timeline(&db, settings.threads, stages::replies(as_of)))?;
    run.samples.insert(REPLIES, s);
    run.check("reply analysis", n);
    let (n, s) = measure(|| stages::for_each_timeline(&db, settings.threads, stages::content(as_of)))?;
    run.samples.insert(CONTENT, s);
    run.check("content analysis", n);
    let (n, s) = measure(|| stages::for_each_timeline(&db, settings.threads, stages::diagnosis(as_of)))?;
    run.samples.insert(DIAGNOSIS, s);
    run.check("diagnosis", n);
    let (groups, s) = measure(|| stages::report(&db, &dir.join("report")))?;
    run.samples.insert(REPORT, s);
    if groups != settings.groups {
        run.mismatches.push(format!("the report holds {groups} groups, {} were generated", settings.groups));
    }
    Ok(run)
}

impl Run {
    fn check(&mut self, stage: &str, messages: u64) {
        if messages != self.messages {
            self.mismatches.push(format!("{stage} saw {messages} messages, the export holds {}", self.messages));
        }
    }
}

/// One stage over all runs.
#[derive(Debug, Clone, Serialize)]
pub struct StageSummary {
    /// Median seconds (min and max in `seconds_spread`).
    pub seconds: f64,
    /// Messages per second at the median time.
    pub msgs_per_s: f64,
    /// Export megabytes (10^6 bytes) per second at the median time, for stages that read the export.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mb_per_s: Option<f64>,
    /// Highest peak resident set of the stage over the runs, MB (2^20 bytes).
    pub peak_rss_mb: Option<f64>,
    /// Median CPU seconds (user + system, all threads): what the stage costs when the machine is shared.
    pub cpu_seconds: Option<f64>,
    pub seconds_spread: Spread,
    pub msgs_per_s_spread: Spread,
    pub runs: usize,
}

/// The benchmark's result: the `--json` object.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub messages: u64,
    pub groups: usize,
    pub export_bytes: u64,
    pub runs: usize,
    pub threads: usize,
    /// Whether peak memory was reset between stages (else each peak includes the stages before it).
    pub peak_reset_supported: bool,
    pub stages: BTreeMap<&'static str, StageSummary>,
    /// Import then loading every timeline (and each analysis and the report once on main), summed per run.
    pub end_to_end_seconds: Option<Spread>,
    pub end_to_end_msgs_per_s: Option<f64>,
    /// Highest peak over the end-to-end stages, MB.
    pub peak_rss_mb: Option<f64>,
    pub serde_parse_msgs_per_s: Option<f64>,
    pub read_mb_per_s: Option<f64>,
    /// import seconds / serde parse seconds (target ≤ 3).
    pub import_over_serde: Option<f64>,
    /// re-import seconds / import seconds (target ≤ 0.10).
    pub reimport_over_import: Option<f64>,
    pub not_run: Vec<String>,
    pub mismatches: Vec<String>,
}

const MB: f64 = 1e6;
const MIB_KB: f64 = 1024.0;

/// Reads stages that stream the export: their MB/s is meaningful.
fn reads_export(stage: &str) -> bool {
    [GENERATE, READ, SERDE, PARSE, IMPORT].contains(&stage)
}

/// Folds runs into medians with min and max.
pub fn summarise(settings: &Settings, runs: &[Run], peak_reset_supported: bool) -> Summary {
    let messages = runs.first().map_or(0, |r| r.messages);
    let bytes = runs.first().map_or(0, |r| r.bytes);
    let mut names: Vec<&'static str> = runs.iter().flat_map(|r| r.samples.keys().copied()).collect();
    names.sort();
    names.dedup();
    let mut stages = BTreeMap::new();
    for name in names {
        let samples: Vec<Sample> = runs.iter().filter_map(|r| r.samples.get(name).copied()).collect();
        let secs: Vec<f64> = samples.iter().map(|s| s.seconds).collect();
        let Some(seconds) = Spread::of(&secs) else { continue };
        let rate = Spread::rate(messages as f64, &seconds);
        let peak = samples.iter().filter_map(|s| s.peak_kb).max().map(|kb| kb as f64 / MIB_KB);
        stages.insert(
            name,
            StageSummary {
                seconds: seconds.median,
                msgs_per_s: rate.median,
                mb_per_s: reads_export(name).then(|| bytes as f64 / MB / seconds.median),
                peak_rss_mb: peak,
                cpu_seconds: Spread::of(&samples.iter().filter_map(|s| s.cpu_seconds).collect::<Vec<_>>())
                    .map(|s| s.median),
                seconds_spread: seconds,
                msgs_per_s_spread: rate,
                runs: samples.len(),
            },
        );
    }
    let chain_totals: Vec<f64> = runs
        .iter()
        .filter(|r| CHAIN.iter().all(|s| r.samples.contains_key(s)))
        .map(|r| CHAIN.iter().map(|s| r.samples[s].seconds).sum())
        .collect();
    let end_to_end = Spread::of(&chain_totals);
    let ratio = |a: &str, b: &str| Some(stages.get(a)?.seconds / stages.get(b)?.seconds);
    let mut not_run: Vec<String> = runs.iter().flat_map(|r| r.not_run.clone()).collect();
    not_run.sort();
    not_run.dedup();
    Summary {
        messages,
        groups: settings.groups,
        export_bytes: bytes,
        runs: runs.len(),
        threads: settings.threads,
        peak_reset_supported,
        end_to_end_msgs_per_s: end_to_end.map(|s| messages as f64 / s.median),
        end_to_end_seconds: end_to_end,
        peak_rss_mb: CHAIN.iter().filter_map(|s| stages.get(s)?.peak_rss_mb).reduce(f64::max),
        serde_parse_msgs_per_s: stages.get(SERDE).map(|s| s.msgs_per_s),
        read_mb_per_s: stages.get(READ).and_then(|s| s.mb_per_s),
        import_over_serde: ratio(IMPORT, SERDE),
        reimport_over_import: ratio(REIMPORT, IMPORT),
        not_run,
        mismatches: runs.iter().flat_map(|r| r.mismatches.clone()).collect(),
        stages,
    }
}

/// Runs the benchmark `settings.runs` times and summarises.
pub fn run(settings: &Settings, mut progress: impl FnMut(usize, &Run)) -> anyhow::Result<Summary> {
    let supported = memory::reset_peak();
    let temp;
    let dir = match &settings.keep {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::Builder::new().prefix("shequn-bench-").tempdir()?;
            temp.path().to_path_buf()
        }
    };
    let mut runs = Vec::with_capacity(settings.runs);
    for i in 0..settings.runs.max(1) {
        let run = run_once(settings, &dir)?;
        progress(i, &run);
        runs.push(run);
    }
    Ok(summarise(settings, &runs, supported))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_with(secs: &[(&'static str, f64)]) -> Run {
        let mut r = Run { messages: 1000, bytes: 2_000_000, ..Run::default() };
        for (name, s) in secs {
            r.samples.insert(name, Sample { seconds: *s, cpu_seconds: Some(*s / 2.0), peak_kb: Some(2048) });
        }
        r
    }

    #[test]
    fn summary_takes_medians_and_sums_the_chain() {
        let settings = Settings { messages: 1000, groups: 3, runs: 3, keep: None, threads: 2 };
        let runs = vec![
            run_with(&[(SERDE, 1.0), (IMPORT, 2.0), (REIMPORT, 0.1), (REPORT, 1.0)]),
            run_with(&[(SERDE, 3.0), (IMPORT, 4.0), (REIMPORT, 0.2), (REPORT, 1.0)]),
            run_with(&[(SERDE, 2.0), (IMPORT, 3.0), (REIMPORT, 0.3), (REPORT, 2.0)]),
        ];
        let s = summarise(&settings, &runs, true);
        let import = &s.stages[IMPORT];
        assert_eq!(import.seconds, 3.0);
        assert_eq!(import.msgs_per_s, 1000.0 / 3.0);
        assert_eq!(import.mb_per_s, Some(2.0 / 3.0));
        assert_eq!(import.peak_rss_mb, Some(2.0));
        assert_eq!(import.cpu_seconds, Some(1.5));
        assert!(s.stages[REIMPORT].mb_per_s.is_none());
        // Chains per run: 3, 5, 5 seconds.
        assert_eq!(s.end_to_end_seconds, Some(Spread { median: 5.0, min: 3.0, max: 5.0 }));
        assert_eq!(s.end_to_end_msgs_per_s, Some(200.0));
        assert_eq!(s.serde_parse_msgs_per_s, Some(500.0));
        assert_eq!(s.import_over_serde, Some(1.5));
        assert!((s.reimport_over_import.unwrap() - 0.2 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn a_small_run_agrees_with_itself_across_stages() {
        let dir = tempfile::tempdir().unwrap();
        let settings = Settings { messages: 600, groups: 4, runs: 1, keep: None, threads: 2 };
        let run = run_once(&settings, dir.path()).unwrap();
        assert!(run.messages > 0);
        assert_eq!(run.bytes, std::fs::metadata(dir.path().join("result.json")).unwrap().len());
        for stage in [GENERATE, READ, SERDE] {
            assert!(run.samples.contains_key(stage), "{stage} missing");
        }
        if shequn_ingest::by_name("telegram").is_none() {
            eprintln!("skipped: no Telegram parser in this build, so parse/import are not checked");
            assert!(!run.samples.contains_key(IMPORT));
            return;
        }
        // The real parser reads the generated export back: parse, import and load all see the count written.
        assert!(run.mismatches.is_empty(), "{:?}", run.mismatches);
        for stage in [PARSE, IMPORT, REIMPORT, LOAD, REPLIES, CONTENT, DIAGNOSIS, REPORT] {
            assert!(run.samples.contains_key(stage), "{stage} missing");
        }
    }

    #[test]
    fn runs_missing_a_chain_stage_do_not_count_end_to_end() {
        let settings = Settings { messages: 1000, groups: 3, runs: 1, keep: None, threads: 2 };
        let s = summarise(&settings, &[run_with(&[(SERDE, 1.0)])], false);
        assert_eq!(s.end_to_end_seconds, None);
        assert_eq!(s.end_to_end_msgs_per_s, None);
        assert_eq!(s.peak_rss_mb, None);
        assert_eq!(s.serde_parse_msgs_per_s, Some(1000.0));
    }
}
