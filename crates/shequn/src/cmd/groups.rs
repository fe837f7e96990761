//! `shequn groups`: the table of every group in the archive.

use std::process::ExitCode;

use serde::Serialize;
use shequn_model::rfc3339_utc;

use shequn_archive::Archive;
use shequn_diagnosis::{Diagnosis, Settings};

use super::Cli;
use crate::table;

/// List the groups in the archive (群列表): platform, name, members, messages, dates, and
/// each group's diagnosis: status, stage and recommended action.
#[derive(clap::Args)]
pub struct Args {
    /// Print a JSON array, one object per group.
    #[arg(long)]
    pub json: bool,
    /// Diagnose every group as of this instant (RFC 3339). Default: each group as of the end
    /// of what its imported sources cover.
    #[arg(long, value_name = "RFC3339")]
    pub as_of: Option<String>,
    #[command(flatten)]
    pub config: super::group::ConfigArgs,
}

/// One group as `groups --json` prints it: a contract other tools read.
#[derive(Serialize)]
pub struct GroupRow {
    pub id: i64,
    pub platform: String,
    pub platform_id: String,
    pub name: String,
    pub kind: String,
    pub members: u64,
    pub speakers: u64,
    pub member_count_stated: Option<u32>,
    pub messages: u64,
    pub events: u64,
    pub first_message: Option<String>,
    pub last_message: Option<String>,
    pub days_active: u64,
    /// alive | declining | dormant | dead (METHOD §1).
    pub status: String,
    /// formation | assimilation | collaboration, or null when not alive (METHOD §2).
    pub stage: Option<String>,
    /// The recommended action (METHOD §11).
    pub action: String,
    /// The instant this group was diagnosed at (RFC 3339 UTC).
    pub as_of: String,
    /// Days of data before as-of its sources cover (null: not recorded).
    pub coverage_days: Option<f64>,
    /// Too little data for a dormant or dead verdict (数据不足).
    pub insufficient_coverage: bool,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let config = args.config.load()?;
    let archive = cli.open_existing_archive()?;
    let as_of = super::group::resolve_as_of(&archive, args.as_of.as_deref())?;
    let (rows, diagnoses) = rows(&archive, &cli.db_path(), &config, &as_of)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(ExitCode::SUCCESS);
    }
    if rows.is_empty() {
        println!(
            "The archive {} holds no groups yet. Import an export first: shequn import PATH",
            cli.db_path().display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    print!("{}", render_table(&rows));
    print!("{}", crate::table::terminal_safe(&render_summary(&diagnoses, &config.settings), true));
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let unknown = as_of.fallbacks(&ids);
    if unknown > 0 {
        println!(
            "{unknown} group(s) have no recorded coverage (imported by an older shequn): diagnosed as of the archive's newest message; `shequn import --force PATH` records it\n{unknown}个群没有记录数据覆盖范围（旧版导入）：按归档中最新一条消息的时间诊断；用 `shequn import --force 路径` 重新导入即可记录"
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// Every group in the archive at `path` with its diagnosis as of `as_of` (diagnosed in parallel).
pub fn rows(
    archive: &Archive,
    path: &std::path::Path,
    config: &super::group::AnalysisConfig,
    as_of: &super::group::AsOf,
) -> anyhow::Result<(Vec<GroupRow>, Vec<Diagnosis>)> {
    let groups = archive.groups()?;
    let ids: Vec<i64> = groups.iter().map(|g| g.id).collect();
    let diagnoses = super::group::diagnose_groups(path, &ids, config, as_of)?;
    Ok((rows_of(groups, &diagnoses), diagnoses))
}

/// One row per group: the archive's counts beside the diagnosis (row i ↔ diagnosis i).
pub fn rows_of(groups: Vec<shequn_archive::GroupSummary>, diagnoses: &[Diagnosis]) -> Vec<GroupRow> {
    groups
        .into_iter()
        .zip(diagnoses)
        .map(|(g, d)| GroupRow {
            id: g.id,
            platform: g.platform,
            platform_id: g.platform_id,
            name: g.name,
            kind: g.kind,
            members: g.members.max(u64::from(g.member_count_stated.unwrap_or(0))),
            speakers: g.speakers,
            member_count_stated: g.member_count_stated,
            messages: g.messages,
            events: g.events,
            first_message: g.first_ms.map(rfc3339_utc),
            last_message: g.last_ms.map(rfc3339_utc),
            days_active: g.days_active,
            status: d.status.as_str().to_string(),
            stage: d.stage.map(|s| s.as_str().to_string()),
            action: d.triage.action.as_str().to_string(),
            as_of: d.as_of.clone(),
            coverage_days: d.evidence.coverage_days,
            insufficient_coverage: d.evidence.insufficient_coverage,
        })
        .collect()
}

/// The groups table as text (Chinese names line up).
pub fn render_table(rows: &[GroupRow]) -> String {
    let day = |s: &Option<String>| s.as_deref().map(|t| t[..10].to_string()).unwrap_or_else(|| "-".into());
    let body: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.id.to_string(),
                r.platform.clone(),
                table::truncate(&r.name, 32),
                r.members.to_string(),
                r.messages.to_string(),
                day(&r.first_message),
                day(&r.last_message),
                r.days_active.to_string(),
                r.as_of.get(..10).unwrap_or(&r.as_of).to_string(),
                if r.insufficient_coverage { format!("{}*", r.status) } else { r.status.clone() },
                r.stage.clone().unwrap_or_else(|| "-".into()),
                r.action.clone(),
            ]
        })
        .collect();
    table::render(
        &[
            "id",
            "platform 平台",
            "name 群名",
            "members 成员",
            "messages 消息",
            "first 首条",
            "last 末条",
            "days 活跃天数",
            "as of 截至",
            "status 状态",
            "stage 阶段",
            "action 建议",
        ],
        &body,
    )
}

/// The portfolio lines under the table: statuses, actions, early deaths, and the as-of
/// (one instant, or the span of the groups' own).
pub fn render_summary(diagnoses: &[Diagnosis], settings: &Settings) -> String {
    let sum = shequn_diagnosis::summarize(diagnoses);
    let by = |m: &std::collections::BTreeMap<String, u32>| {
        m.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
    };
    // RFC 3339 UTC strings of one format sort as time does.
    let first = diagnoses.iter().map(|d| d.as_of.as_str()).min().unwrap_or("-");
    let last = diagnoses.iter().map(|d| d.as_of.as_str()).max().unwrap_or("-");
    let as_of = if first == last {
        format!("as of 截至 {first}")
    } else {
        format!("as of each group's data end 各群按其数据截止时间: {first} … {last}")
    };
    let short = if sum.insufficient_coverage > 0 {
        format!(
            "\n* insufficient data 数据不足: {} group(s) whose sources cover fewer than {} days before their as-of; not called dormant or dead with confidence, not counted as deaths\n  {}个群的数据覆盖不足{}天：不据此判定休眠或死亡，也不计入死亡",
            sum.insufficient_coverage,
            settings.status_window_days.max(settings.dead_after_days),
            sum.insufficient_coverage,
            settings.status_window_days.max(settings.dead_after_days)
        )
    } else {
        String::new()
    };
    format!(
        "\nstatus 状态: {}; actions 建议: {}\ndied within {} days of creation 创建后{}天内死亡: {} of {} ({:.0}%); temporary 临时群: {}; fragile 脆弱: {}; {as_of}{short}\n",
        by(&sum.by_status),
        by(&sum.by_action),
        settings.early_death_days,
        settings.early_death_days,
        sum.died_early,
        sum.groups - sum.insufficient_coverage,
        sum.died_early_share * 100.0,
        sum.temporary,
        sum.fragile,
    )
}
