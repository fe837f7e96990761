//! `shequn bench`: how fast shequn is on this machine, stage by stage.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Cli;
use crate::bench::{self, Settings, Summary};

const AFTER: &str = "Generates a portfolio as one Telegram Desktop export, then times each stage on it:
generate, read the bytes (reference), a bare serde parse (reference: the practical
limit), parse only, import into a fresh archive, re-import of the unchanged export,
and reading every group back. Peak memory is measured per stage. See docs/performance.md.

`shequn bench live` instead measures the live service: a real `shequn live` process receives
one signed webhook request per message from many groups over loopback.

Examples:
  shequn bench --messages 1000000 --groups 2000 --runs 3
  shequn bench --messages 200000 --groups 200 --keep /tmp/b --json
  shequn bench live --groups 2000 --rate 5000 --seconds 600 --runs 3 --json";

/// Measure shequn's speed and memory on a generated portfolio (性能测试).
#[derive(clap::Args)]
#[command(after_help = AFTER)]
pub struct Args {
    /// Messages in the generated portfolio.
    #[arg(long, default_value_t = 1_000_000, value_name = "N")]
    pub messages: u64,
    /// Groups (chats) the messages are spread over.
    #[arg(long, default_value_t = 2000, value_name = "G")]
    pub groups: usize,
    /// Repeat the whole benchmark and report the median with min and max.
    #[arg(long, default_value_t = 1, value_name = "R")]
    pub runs: usize,
    /// Keep the export and the archive in this folder (default: a temporary folder, removed after).
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
    /// Threads for parsing and loading (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Only write the export to DIR/result.json (with --keep DIR) and stop: an input for other tools.
    #[arg(long, requires = "keep")]
    pub generate_only: bool,
    #[command(subcommand)]
    pub target: Option<Target>,
}

#[derive(clap::Subcommand)]
pub enum Target {
    /// The live service: messages acknowledged a second, acknowledgement latency, memory.
    Live(LiveArgs),
}

/// Measure `shequn live` under simulated platform traffic (实时接入压测).
#[derive(clap::Args)]
pub struct LiveArgs {
    /// Groups the traffic comes from.
    #[arg(long, default_value_t = 2000, value_name = "G")]
    pub groups: usize,
    /// Offered load: messages a second, one webhook request each.
    #[arg(long, default_value_t = 5000.0, value_name = "MSGS")]
    pub rate: f64,
    /// How long each run sends.
    #[arg(long, default_value_t = 60.0, value_name = "S")]
    pub seconds: f64,
    /// Concurrent keep-alive connections the traffic is spread over.
    #[arg(long, default_value_t = 64, value_name = "N")]
    pub connections: usize,
    /// Repeat and report the median with min and max.
    #[arg(long, default_value_t = 1, value_name = "R")]
    pub runs: usize,
    /// Also request the dashboard's /api/groups every S seconds (every group re-analysed
    /// while traffic flows); 0 never.
    #[arg(long, default_value_t = 0.0, value_name = "S")]
    pub dashboard_every: f64,
    /// Extra groups whose newcomer goes unanswered, each wait ending during the run: the
    /// alert latency (wait elapsed → delivery call) is measured on them.
    #[arg(long, default_value_t = 200, value_name = "K")]
    pub alert_groups: usize,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

fn run_live(a: &LiveArgs) -> anyhow::Result<ExitCode> {
    if a.groups == 0 || a.runs == 0 || a.connections == 0 || a.rate <= 0.0 || a.seconds <= 0.0 {
        anyhow::bail!("--groups, --runs, --connections, --rate and --seconds must each be above 0");
    }
    let settings = bench::live::LiveSettings {
        groups: a.groups,
        seconds: a.seconds,
        rate: a.rate,
        connections: a.connections,
        runs: a.runs,
        dashboard_every_s: a.dashboard_every,
        alert_groups: a.alert_groups,
    };
    let s = bench::live::run(&settings, |i, r| {
        if !a.json {
            eprintln!(
                "run {}/{}: {:.0} msgs/s acknowledged, p99 {:.1} ms, {} failed",
                i + 1,
                a.runs,
                r.ingest_msgs_per_s,
                r.ack_p99_ms,
                r.failed
            );
        }
    })?;
    if a.json {
        println!("{}", serde_json::to_string_pretty(&s)?);
    } else {
        let mb = |m: Option<f64>| m.map_or("?".into(), |m| format!("{m:.0}"));
        println!(
            "实时接入 live: {} groups, offered {:.0} msgs/s over {} connections, {} s × {} run(s)\n\
             acknowledged {:.0} msgs/s (target ≥ 5000), ack p50 {:.1} ms, p99 {:.1} ms (target ≤ 50), \
             RSS {} → {} MB (target: within 10 %), {} failed\n\
             告警 alerts: {} of {} delivered, latency p99 {:.0} ms (target ≤ 1000), state {} bytes per group",
            s.groups,
            s.offered_msgs_per_s,
            s.connections,
            s.seconds,
            s.runs,
            s.ingest_msgs_per_s,
            s.ack_p50_ms,
            s.ack_p99_ms,
            mb(s.rss_mb_start),
            mb(s.rss_mb_end),
            s.failed,
            s.alerts_received,
            s.alerts_expected,
            s.alert_latency_p99_ms,
            s.state_bytes_per_group.map_or("?".into(), |b| format!("{b:.0}"))
        );
    }
    Ok(ExitCode::SUCCESS)
}

pub fn run(_cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    if let Some(Target::Live(a)) = &args.target {
        return run_live(a);
    }
    if args.messages == 0 || args.groups == 0 || args.runs == 0 {
        anyhow::bail!("--messages, --groups and --runs must each be at least 1");
    }
    let settings = Settings {
        messages: args.messages,
        groups: args.groups,
        runs: args.runs,
        keep: args.keep.clone(),
        threads: args.threads.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2)),
    };
    if args.generate_only {
        let dir = args.keep.as_deref().expect("clap requires --keep");
        std::fs::create_dir_all(dir)?;
        let path = dir.join("result.json");
        let written = bench::generate::write_export(&path, args.messages, args.groups)?;
        if args.json {
            println!("{}", serde_json::json!({"path": path, "messages": written.messages, "bytes": written.bytes}));
        } else {
            println!("{}: {} messages, {:.1} MB", path.display(), written.messages, written.bytes as f64 / 1e6);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let summary = bench::run(&settings, |i, run| {
        if !args.json {
            eprintln!(
                "run {}/{} done ({} messages, {:.1} MB)",
                i + 1,
                settings.runs,
                run.messages,
                run.bytes as f64 / 1e6
            );
        }
    })?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print_table(&summary);
    }
    Ok(if summary.mismatches.is_empty() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

fn print_table(s: &Summary) {
    println!(
        "性能 Benchmark: {} messages in {} groups, {:.1} MB Telegram export, {} run(s), {} thread(s)",
        s.messages,
        s.groups,
        s.export_bytes as f64 / 1e6,
        s.runs,
        s.threads
    );
    println!(
        "{:<20} {:>9} {:>19} {:>8} {:>12} {:>9} {:>10}",
        "stage", "seconds", "(min–max)", "cpu s", "msgs/s", "MB/s", "peak MB"
    );
    let order = [
        bench::GENERATE,
        bench::READ,
        bench::SERDE,
        bench::PARSE,
        bench::IMPORT,
        bench::REIMPORT,
        bench::LOAD,
        bench::REPLIES,
        bench::CONTENT,
        bench::DIAGNOSIS,
        bench::REPORT,
    ];
    let mut names: Vec<&str> = order.iter().copied().filter(|n| s.stages.contains_key(n)).collect();
    names.extend(s.stages.keys().copied().filter(|n| !order.contains(n)));
    for name in names {
        let st = &s.stages[name];
        println!(
            "{:<20} {:>9.3} {:>19} {:>8} {:>12.0} {:>9} {:>10}",
            name,
            st.seconds,
            format!("({:.3}–{:.3})", st.seconds_spread.min, st.seconds_spread.max),
            st.cpu_seconds.map_or("-".into(), |c| format!("{c:.2}")),
            st.msgs_per_s,
            st.mb_per_s.map_or("-".into(), |m| format!("{m:.1}")),
            st.peak_rss_mb.map_or("-".into(), |m| format!("{m:.0}")),
        );
    }
    if let (Some(e2e), Some(rate)) = (&s.end_to_end_seconds, s.end_to_end_msgs_per_s) {
        println!(
            "end to end (import + report with every analysis): {:.2} s ({:.2}–{:.2}), {:.0} msgs/s, peak {} MB",
            e2e.median,
            e2e.min,
            e2e.max,
            rate,
            s.peak_rss_mb.map_or("?".into(), |m| format!("{m:.0}"))
        );
    }
    if let Some(r) = s.import_over_serde {
        println!("import / bare serde parse: {r:.2}× (target ≤ 3×)");
    }
    if let Some(r) = s.reimport_over_import {
        println!("unchanged re-import / first import: {:.1}% (target ≤ 10%)", r * 100.0);
    }
    if !s.peak_reset_supported {
        println!("注意 Note: this system cannot reset the peak-memory mark; each stage's peak includes the stages before it.");
    }
    for n in &s.not_run {
        println!("未测 Not measured: {n}");
    }
    for m in &s.mismatches {
        eprintln!("不一致 Mismatch: {m}");
    }
}
