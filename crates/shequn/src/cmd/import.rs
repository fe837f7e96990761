//! `shequn import`: read exports into the archive.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use chrono::FixedOffset;
use serde::Serialize;
use shequn_archive::ImportStats;
use shequn_ingest::ParseOptions;

use super::Cli;
use crate::pipeline::{self, Failure, Passed, UnitReport};

const AFTER: &str = "Formats are recognised by content, not by file name. A folder is searched for
exports (a Slack export folder is read as one). Each file is imported whole or not
at all; importing the same export again adds nothing.

Examples:
  shequn import result.json                 Telegram Desktop export
  shequn import ~/exports/                  every export found in a folder
  shequn import --format jsonl data.jsonl   force a format
  shequn import --zone +08:00 chat.txt      read zone-less times as UTC+8
  shequn import --map map.toml export.csv   any CSV/TSV/JSON Lines, columns named in map.toml";

/// The help's closing text: how formats are found, then every format with what it reads.
fn after_help() -> String {
    let mut s = String::from(AFTER);
    s.push_str("\n\nFormats (--format NAME) / 支持的格式:\n");
    for f in shequn_ingest::formats::all() {
        s.push_str(&format!("  {:<18} {}\n", f.name(), f.description()));
    }
    s
}

/// Import chat exports into the archive (导入聊天记录).
#[derive(clap::Args)]
#[command(after_help = after_help())]
pub struct Args {
    /// Export files or folders.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Force a format instead of sniffing the content.
    #[arg(long, value_name = "NAME")]
    pub format: Option<String>,
    /// Read CSV, TSV or JSON Lines through a mapping (TOML: which column is the time, the
    /// sender, the text, the group…); see docs/mapping.md.
    #[arg(long, value_name = "FILE", conflicts_with = "format")]
    pub map: Option<PathBuf>,
    /// Zone for times written without one, like +08:00. Default: UTC+8 for QQ/WeChat/WeCom, else this machine's zone.
    // `allow_hyphen_values`: `--zone -05:00` is a value, not an unknown flag.
    #[arg(long, value_name = "OFFSET", value_parser = parse_zone, allow_hyphen_values = true)]
    pub zone: Option<FixedOffset>,
    /// Print one JSON summary object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Read every input again even if the same bytes were imported before
    /// (normally an unchanged export is recognised by its fingerprint and skipped).
    #[arg(long)]
    pub force: bool,
    /// A settings file whose `[limits]` table bounds what an input may make shequn unpack or
    /// hold (zip_entry_mib, zip_export_mib, zip_ratio, line_mib, whole_file_mib, json_depth,
    /// json_record_mib; docs/reliability.md). The same file `group --config` reads.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Seconds to wait for another writer of the archive (another import, `shequn live`) to
    /// finish its file before giving up; imports queue behind each other.
    #[arg(long, value_name = "SECONDS", default_value_t = pipeline::WRITER_WAIT_SECS)]
    pub wait: u64,
    /// Parser threads (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
}

/// Parses `+08:00`, `-05:00`, `UTC+8`, `Z`.
pub fn parse_zone(s: &str) -> Result<FixedOffset, String> {
    let t = s.trim().trim_start_matches("UTC").trim_start_matches("GMT");
    if t.is_empty() || t == "Z" {
        return Ok(FixedOffset::east_opt(0).expect("zero offset"));
    }
    let (sign, rest) = match t.as_bytes()[0] {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return Err(format!("{s:?}: write a zone as +08:00 or -05:00")),
    };
    let (h, m) = rest.split_once(':').unwrap_or((rest, "0"));
    // Digits only: `+-14:-59` must not read as a sign inside the number.
    let digits = |x: &str| (1..=2).contains(&x.len()) && x.bytes().all(|b| b.is_ascii_digit());
    let (h, m): (i32, i32) = match (digits(h) && digits(m), h.parse(), m.parse()) {
        (true, Ok(h), Ok(m)) if h <= 14 && m < 60 => (h, m),
        _ => return Err(format!("{s:?}: write a zone as +08:00 or -05:00")),
    };
    FixedOffset::east_opt(sign * (h * 3600 + m * 60)).ok_or_else(|| format!("{s:?} is not a valid zone"))
}

/// The JSON summary (`--json`): a contract other tools read.
#[derive(Serialize)]
pub struct Summary {
    pub files: usize,
    pub failed: usize,
    pub groups: usize,
    pub groups_new: u64,
    pub messages_new: u64,
    pub messages_present: u64,
    pub events_new: u64,
    pub events_present: u64,
    pub members_new: u64,
    pub skipped_records: usize,
    /// Inputs recognised as already imported (same bytes) and not read again.
    pub unchanged: usize,
    pub seconds: f64,
    pub failures: Vec<Failure>,
    pub passed_over: Vec<Passed>,
    /// What a reader of these groups must know (assumed zones, what a platform does not record).
    pub notes: Vec<String>,
    /// Records the parsers skipped: where and why (first 100).
    pub skipped: Vec<(String, String)>,
    pub per_file: Vec<UnitReport>,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    match import(cli, args) {
        // With --json a failure of the whole run (the archive locked past --wait, a bad
        // settings file) is still one JSON summary on stdout, its error among the failures.
        Err(e) if args.json => {
            let summary = Summary {
                files: args.paths.len(),
                failed: args.paths.len(),
                groups: 0,
                groups_new: 0,
                messages_new: 0,
                messages_present: 0,
                events_new: 0,
                events_present: 0,
                members_new: 0,
                skipped_records: 0,
                unchanged: 0,
                seconds: started.elapsed().as_secs_f64(),
                failures: vec![Failure { path: cli.db_path().display().to_string(), error: format!("{e:#}") }],
                passed_over: Vec::new(),
                notes: Vec::new(),
                skipped: Vec::new(),
                per_file: Vec::new(),
            };
            println!("{}", serde_json::to_string_pretty(&summary)?);
            eprintln!("shequn: error: {e:#}");
            Ok(ExitCode::from(2))
        }
        other => other,
    }
}

fn import(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let forced = match (&args.format, &args.map) {
        (_, Some(map)) => {
            let text = std::fs::read_to_string(map)
                .map_err(|e| anyhow::anyhow!("cannot read the mapping {}: {e}", map.display()))?;
            let mapping = shequn_ingest::mapping::Mapping::from_toml(&text, &map.display().to_string())
                .map_err(|e| anyhow::anyhow!("{e}\nhint: docs/mapping.md shows two whole mappings"))?;
            // One mapping for this run: leaked, as the formats it stands beside are static.
            let f: &'static dyn shequn_ingest::Format = Box::leak(Box::new(shequn_ingest::mapping::Mapped { mapping }));
            Some(f)
        }
        (None, None) => None,
        (Some(name), None) => Some(shequn_ingest::by_name(name).ok_or_else(|| {
            anyhow::anyhow!(
                "unknown format {name:?}; formats shequn reads: {}",
                shequn_ingest::format_names().join(", ")
            )
        })?),
    };
    let limits = match &args.config {
        None => shequn_ingest::Limits::default(),
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow::anyhow!("cannot read the settings file {}: {e}", path.display()))?;
            shequn_ingest::Limits::from_toml(&text).map_err(|e| {
                anyhow::anyhow!("{}: {e}\nhint: docs/reliability.md lists every limit and its default", path.display())
            })?
        }
    };
    let started = Instant::now();
    let mut archive = cli.open_archive()?;
    let (units, mut failures, passed) = pipeline::plan(&args.paths, forced);
    let opts = ParseOptions { zone: args.zone };
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2));

    // Files done out of all, and the records stored so far: one large export takes a while
    // with no file finishing.
    let bar = if std::io::stderr().is_terminal() && !args.json {
        let bar = indicatif::ProgressBar::new(units.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{bar:30}] {pos}/{len} files, {msg} 条记录 records stored ({elapsed})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Some(bar)
    } else {
        None
    };
    let mut total = ImportStats::default();
    let mut stored = 0u64;
    let mut reports = pipeline::run(
        &mut archive,
        &units,
        &opts,
        &pipeline::Bounds { limits, wait_secs: args.wait },
        threads,
        args.force,
        |p| match p {
            pipeline::Progress::Stored { records } => {
                stored += records as u64;
                if let Some(bar) = &bar {
                    bar.set_message(stored.to_string());
                }
            }
            pipeline::Progress::Waiting => {
                let line = format!(
                    "等待 waiting for another shequn writing to {} to finish its file (up to {} s, --wait)…",
                    cli.db_path().display(),
                    args.wait
                );
                match &bar {
                    Some(bar) => bar.println(line),
                    None => eprintln!("{line}"),
                }
            }
            pipeline::Progress::Done(r) => {
                if let Some(stats) = &r.stats {
                    total.add(stats);
                }
                if let Some(bar) = &bar {
                    bar.inc(1);
                    if let Some(e) = &r.error {
                        bar.println(format!("failed: {e}"));
                    }
                }
            }
        },
    )?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // Which platforms each file's groups live on (the --json contract: format and platform).
    let platforms = archive.group_platforms()?;
    for r in &mut reports {
        let mut p: Vec<String> =
            r.stats.iter().flat_map(|s| s.group_ids.iter().filter_map(|id| platforms.get(id).cloned())).collect();
        p.sort();
        p.dedup();
        r.platforms = p;
    }
    for r in &reports {
        if let Some(e) = &r.error {
            failures.push(Failure { path: r.path.clone(), error: e.clone() });
        }
    }
    let summary = Summary {
        files: units.len(),
        failed: failures.len(),
        groups: total.group_ids.len(),
        groups_new: total.groups_new,
        messages_new: total.messages_new,
        messages_present: total.messages_present,
        events_new: total.events_new,
        events_present: total.events_present,
        members_new: total.members_new,
        skipped_records: total.skipped.len(),
        unchanged: reports.iter().filter(|r| r.unchanged).count(),
        seconds: started.elapsed().as_secs_f64(),
        failures,
        passed_over: passed,
        skipped: total.skipped.iter().take(100).cloned().collect(),
        notes: total.notes.clone(),
        per_file: reports,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_summary(&summary, &cli.db_path());
    }
    Ok(if summary.failed == 0 { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn print_summary(s: &Summary, db: &std::path::Path) {
    println!(
        "导入 Imported {} file(s) into {}: {} group(s) ({} new), {} new message(s), {} already present, {} new event(s), {} new member(s) — {:.1}s",
        s.files - s.per_file.iter().filter(|r| r.error.is_some()).count(),
        db.display(),
        s.groups,
        s.groups_new,
        s.messages_new,
        s.messages_present,
        s.events_new,
        s.members_new,
        s.seconds
    );
    for note in &s.notes {
        println!("注意 Note: {note}");
    }
    if s.unchanged > 0 {
        println!(
            "未变 {} input(s) were imported before with the same content and were not read again (--force reads them).",
            s.unchanged
        );
    }
    if s.skipped_records > 0 {
        println!("跳过 Skipped {} record(s) the parsers could not use, for example:", s.skipped_records);
        for (loc, why) in s.skipped.iter().take(5) {
            println!("  {loc}: {why}");
        }
    }
    if !s.passed_over.is_empty() {
        println!("略过 Passed over {} file(s) that are not chat exports, for example:", s.passed_over.len());
        for p in s.passed_over.iter().take(5) {
            println!("  {}: {}", p.path, p.reason);
        }
    }
    if !s.failures.is_empty() {
        eprintln!("失败 {} input(s) failed and were not imported (nothing of them was stored):", s.failures.len());
        for f in &s.failures {
            if f.error.starts_with(&f.path) {
                eprintln!("  {}", f.error);
            } else {
                eprintln!("  {}: {}", f.path, f.error);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_zone;

    #[test]
    fn zones_parse() {
        assert_eq!(parse_zone("+08:00").unwrap().local_minus_utc(), 8 * 3600);
        assert_eq!(parse_zone("UTC-5").unwrap().local_minus_utc(), -5 * 3600);
        assert_eq!(parse_zone("+05:30").unwrap().local_minus_utc(), 5 * 3600 + 1800);
        assert!(parse_zone("Beijing").is_err());
        assert_eq!(parse_zone("-05:00").unwrap().local_minus_utc(), -5 * 3600);
        for bad in ["+-14:-59", "+08:-30", "--5", "+123", "+08:5x"] {
            assert!(parse_zone(bad).is_err(), "{bad} must be refused");
        }
    }

    #[test]
    fn a_negative_zone_is_a_value_on_the_command_line() {
        use clap::Parser;
        let cli = crate::cmd::Cli::try_parse_from(["shequn", "import", "--zone", "-05:00", "chat.txt"])
            .map_err(|e| e.to_string())
            .expect("--zone -05:00 parses");
        let crate::cmd::Command::Import(args) = cli.command else { panic!("import") };
        assert_eq!(args.zone.map(|z| z.local_minus_utc()), Some(-5 * 3600));
    }
}
