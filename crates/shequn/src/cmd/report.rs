//! `shequn report --out DIR`: report.html, report.json and the CSVs for every group in the archive.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use super::group::{AnalysisConfig, AsOf, ConfigArgs};

use super::Cli;
use crate::analysis;

/// Write the report (报告): report.html (open it in a browser, works offline), report.json,
/// groups.csv, triage.csv, migration.csv and unanswered.csv.
#[derive(clap::Args)]
pub struct Args {
    /// The folder to write into (created when missing).
    #[arg(long, value_name = "DIR", default_value = "shequn-report")]
    pub out: PathBuf,
    /// Diagnose every group as of this instant (RFC 3339). Default: each group as of the end
    /// of what its imported sources cover.
    #[arg(long, value_name = "RFC3339")]
    pub as_of: Option<String>,
    #[command(flatten)]
    pub config: super::group::ConfigArgs,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    write_report(cli, &args.out, args.as_of.as_deref(), &args.config)?;
    Ok(ExitCode::SUCCESS)
}

/// Analyses every group of the archive and writes the report files into `out`.
pub fn write_report(cli: &Cli, out: &Path, as_of: Option<&str>, config: &ConfigArgs) -> anyhow::Result<()> {
    let config = config.load()?;
    let archive = cli.open_existing_archive()?;
    let as_of = super::group::resolve_as_of(&archive, as_of)?;
    let ids = archive.group_ids()?;
    drop(archive);
    // Groups analysed out of all: 2,000 groups take half a minute.
    let bar = std::io::IsTerminal::is_terminal(&std::io::stderr()).then(|| {
        let bar = indicatif::ProgressBar::new(ids.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} [{bar:30}] {pos}/{len} 个群已诊断 groups analysed ({elapsed})",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        bar
    });
    let tick = || {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    };
    let results = analysis::analyse_archive(&cli.db_path(), &ids, &config, &as_of, &tick);
    // Cleared before anything else is printed.
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    write_results(out, &results?)
}

/// Analyses every group of the archive at `db` as of `as_of` and writes the report files into `out`.
/// Returns how many groups the report holds.
/// `on_group` is called as each group's analysis is done.
pub fn write_report_for(
    db: &Path,
    out: &Path,
    config: &AnalysisConfig,
    as_of: &AsOf,
    on_group: &(dyn Fn() + Sync),
) -> anyhow::Result<usize> {
    let archive = shequn_archive::Archive::open_readonly(db)?;
    let ids: Vec<i64> = archive.group_ids()?;
    drop(archive);
    let results = analysis::analyse_archive(db, &ids, config, as_of, on_group)?;
    write_results(out, &results)?;
    Ok(results.groups.len())
}

/// Writes the report files of results already computed into `out`.
pub fn write_results(out: &Path, results: &analysis::PortfolioResults) -> anyhow::Result<()> {
    let generated = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string();
    let input =
        shequn_report::ReportInput { results: &results.groups, summary: &results.summary, generated: &generated };
    shequn_report::write_all(out, &input)
        .map_err(|e| anyhow::anyhow!("cannot write the report into {}: {e}", out.display()))?;
    eprintln!("报告已写入 / report written: {} ({} groups)", out.join("report.html").display(), results.groups.len());
    Ok(())
}
