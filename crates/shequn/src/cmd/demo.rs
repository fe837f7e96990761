//! `shequn demo`: generate the synthetic portfolio, import it, show the groups.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use chrono::{DateTime, FixedOffset};
use serde::Serialize;
use shequn_archive::Archive;
use shequn_demo::{Portfolio, PortfolioSettings};
use shequn_ingest::ParseOptions;

use super::{groups, Cli};
use crate::pipeline;

const AFTER: &str = "Writes into DIR:
  export/<group>.jsonl   every group in shequn's generic JSON Lines format
  ground_truth.json      what was planted in each group (status, stage, key people,
                         ads, policy violations, unanswered bids…): see docs/demo.md
  archive.db             the archive the export was imported into (unless --db is given)
  result.json            with --telegram: the same groups as a Telegram Desktop export

The same --seed, --groups and --as-of always give the same bytes.

Examples:
  shequn demo                                  200 groups into ./demo-out
  shequn demo --out /tmp/d --groups 20 --json  a small one, summary as JSON
  shequn --db /tmp/x.db demo                   import into another archive";

/// Generate a realistic demo portfolio, import it and show it (生成演示数据).
#[derive(clap::Args)]
#[command(after_help = AFTER)]
pub struct Args {
    /// Folder to write the export, the ground truth and (by default) the archive into.
    #[arg(long, value_name = "DIR", default_value = "demo-out")]
    pub out: PathBuf,
    /// Number of groups.
    #[arg(long, value_name = "N", default_value_t = 200)]
    pub groups: usize,
    /// Seed: the same seed gives the same portfolio.
    #[arg(long, value_name = "S", default_value_t = 42)]
    pub seed: u64,
    /// The instant the portfolio (and its truth) describes, RFC 3339.
    #[arg(long, value_name = "TIME", default_value = shequn_demo::DEFAULT_AS_OF, value_parser = parse_as_of)]
    pub as_of: DateTime<FixedOffset>,
    /// Multiply every group's message volume (1.0 ≈ 400k messages for 200 groups).
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    pub volume: f64,
    /// Also write the portfolio as a Telegram Desktop export, DIR/result.json.
    #[arg(long)]
    pub telegram: bool,
    /// Print one JSON summary object instead of the table.
    #[arg(long)]
    pub json: bool,
}

fn parse_as_of(s: &str) -> Result<DateTime<FixedOffset>, String> {
    DateTime::parse_from_rfc3339(s)
        .map_err(|e| format!("{s:?} is not RFC 3339 ({e}); write it like 2025-06-30T23:59:59+08:00"))
}

/// The JSON summary (`--json`): a contract other tools read.
#[derive(Serialize)]
pub struct Summary {
    pub groups: usize,
    pub messages: usize,
    pub events: usize,
    pub seed: u64,
    pub as_of: String,
    /// The export folder (`DIR/export`).
    pub export: String,
    pub export_bytes: u64,
    /// `DIR/ground_truth.json`.
    pub truth: String,
    pub archive: String,
    pub telegram: Option<String>,
    pub seconds_generate: f64,
    pub seconds_import: f64,
    pub seconds_diagnose: f64,
    pub messages_imported: u64,
    pub events_imported: u64,
    /// How the diagnosis agrees with the planted truth: `status_accuracy`,
    /// `key_people_recall` and the confusion tables, at the top level.
    #[serde(flatten)]
    pub agreement: crate::agreement::Agreement,
}

/// The archive the demo imports into: `--db` when it was given on the command line,
/// else `DIR/archive.db`. `$SHEQUN_DB` is not used, so demo groups never land in
/// your own archive by accident.
fn archive_path(cli: &Cli, out: &Path) -> (PathBuf, bool) {
    let on_command_line = std::env::args_os().any(|a| {
        let a = a.to_string_lossy();
        a == "--db" || a.starts_with("--db=")
    });
    match &cli.db {
        Some(db) if on_command_line => (db.clone(), false),
        _ => (out.join("archive.db"), true),
    }
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    if args.groups == 0 {
        anyhow::bail!("--groups must be at least 1");
    }
    if !(args.volume > 0.0 && args.volume.is_finite()) {
        anyhow::bail!("--volume must be a positive number, like 0.5 or 2");
    }
    let settings = PortfolioSettings { groups: args.groups, seed: args.seed, as_of: args.as_of, volume: args.volume };
    let started = Instant::now();
    std::fs::create_dir_all(&args.out)
        .map_err(|e| anyhow::anyhow!("cannot create the output folder {}: {e}", args.out.display()))?;
    let portfolio = Portfolio::plan(&settings);
    let written = shequn_demo::write_demo(&portfolio, &args.out)
        .map_err(|e| anyhow::anyhow!("cannot write the demo into {}: {e}", args.out.display()))?;
    let telegram = if args.telegram {
        let path = args.out.join("result.json");
        shequn_demo::write_telegram_export(&portfolio, &path)
            .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?;
        Some(path)
    } else {
        None
    };
    let seconds_generate = started.elapsed().as_secs_f64();

    let started = Instant::now();
    let (db, fresh) = archive_path(cli, &args.out);
    if fresh {
        // The demo's own archive mirrors this run's export exactly: start it anew.
        for suffix in ["", "-wal", "-shm"] {
            let p = PathBuf::from(format!("{}{suffix}", db.display()));
            if p.exists() {
                std::fs::remove_file(&p).map_err(|e| anyhow::anyhow!("cannot replace {}: {e}", p.display()))?;
            }
        }
    }
    let mut archive =
        Archive::open(&db).map_err(|e| anyhow::anyhow!("cannot open the archive {}: {e}", db.display()))?;
    let (units, failures, _) = pipeline::plan(std::slice::from_ref(&written.export_dir), None);
    if let Some(f) = failures.first() {
        anyhow::bail!("cannot import the demo export {}: {}", f.path, f.error);
    }
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let reports = pipeline::run(
        &mut archive,
        &units,
        &ParseOptions::default(),
        &pipeline::Bounds::default(),
        threads,
        false,
        |_| (),
    )?;
    let (mut messages_imported, mut events_imported) = (0, 0);
    for r in &reports {
        if let Some(e) = &r.error {
            anyhow::bail!("importing the demo export failed (a bug in shequn: please report it): {e}");
        }
        if let Some(s) = &r.stats {
            messages_imported += s.messages_new + s.messages_present;
            events_imported += s.events_new + s.events_present;
        }
    }
    let seconds_import = started.elapsed().as_secs_f64();

    // Diagnose every group as of the portfolio's own as-of, and score it against the planted truth.
    let started = Instant::now();
    // The planted ad policies are the operator's rules: written out, and checked.
    let ad_policies = crate::agreement::policy_book(&written.truth);
    let policy_path = args.out.join("ad-policies.toml");
    std::fs::write(&policy_path, toml::to_string(&ad_policies)?)
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", policy_path.display()))?;
    let config = super::group::AnalysisConfig { ad_policies, ..Default::default() };
    let as_of = args.as_of.timestamp_millis();
    let summaries = archive.groups()?;
    let ids: Vec<i64> = summaries.iter().map(|g| g.id).collect();
    let results = crate::analysis::analyse_archive(&db, &ids, &config, &super::group::AsOf::Given(as_of), &|| ())?;
    let diagnoses: Vec<shequn_diagnosis::Diagnosis> = results.groups.iter().map(|g| g.diagnosis.clone()).collect();
    let rows = groups::rows_of(summaries, &diagnoses);
    let agreement = crate::agreement::agreement(&rows, &results.groups, &written.truth);
    let seconds_diagnose = started.elapsed().as_secs_f64();
    super::report::write_results(&args.out, &results)?;
    let summary = Summary {
        groups: written.truth.groups.len(),
        messages: written.messages,
        events: written.events,
        seed: args.seed,
        as_of: written.truth.as_of.clone(),
        export: written.export_dir.display().to_string(),
        export_bytes: written.bytes,
        truth: written.truth_path.display().to_string(),
        archive: db.display().to_string(),
        telegram: telegram.as_ref().map(|p| p.display().to_string()),
        seconds_generate,
        seconds_import,
        seconds_diagnose,
        messages_imported,
        events_imported,
        agreement,
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", groups::render_table(&rows));
    print!("{}", groups::render_summary(&diagnoses, &config.settings));
    let p = &written.truth.portfolio;
    let status: Vec<String> = p.by_status.iter().map(|(k, v)| format!("{k} {v}")).collect();
    println!();
    println!(
        "生成 Generated {} groups, {} messages, {} events ({:.1} MB) into {} in {:.1}s",
        summary.groups,
        summary.messages,
        summary.events,
        summary.export_bytes as f64 / 1e6,
        summary.export,
        seconds_generate
    );
    println!("真相 Planted truth: {} ({})", summary.truth, status.join(", "));
    println!("导入 Imported into {} in {:.1}s", summary.archive, seconds_import);
    println!(
        "对照 Diagnosis vs planted truth: status {:.1}% right, key people recall {:.1}% ({} of {}) — {:.1}s",
        summary.agreement.status_accuracy * 100.0,
        summary.agreement.key_people_recall * 100.0,
        summary.agreement.key_people_found,
        summary.agreement.key_people_planted,
        seconds_diagnose
    );
    if let Some(t) = &summary.telegram {
        println!("电报 Telegram export: {t}");
    }
    println!("报告 Report: {}", args.out.join("report.html").display());
    println!("下一步 Next: shequn --db {} groups", shell_quote(&summary.archive));
    Ok(ExitCode::SUCCESS)
}

fn shell_quote(s: &str) -> String {
    if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-".contains(c)) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}
