//! `shequn group NAME_OR_ID`: one group's diagnosis (METHOD §1–4, §6, §9–11),
//! bilingual text or one JSON object. Also the shared pieces `groups` uses:
//! settings from `--config`, the as-of instant, and diagnosing every group in parallel.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use rayon::prelude::*;
use serde_json::json;
use shequn_archive::Archive;
use shequn_content::ContentSettings;
use shequn_diagnosis::{diagnose, Diagnosis, Role, Settings};
use shequn_model::Timeline;
use shequn_replies::{ReplySettings, ResponsivenessSettings, Weights};

use super::Cli;

/// Diagnose one group (诊断): life status, stage, key people, roles, network, churn and the action to take.
#[derive(clap::Args)]
pub struct Args {
    /// The group's archive id, platform id, or (part of) its name.
    pub group: String,
    /// Diagnose as of this instant (RFC 3339). Default: the newest message in the archive.
    #[arg(long, value_name = "RFC3339")]
    pub as_of: Option<String>,
    /// A TOML file overriding thresholds (see `Settings`; keys not given keep their defaults).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Settings from a TOML file, or the defaults.
pub fn load_settings(path: Option<&Path>) -> anyhow::Result<Settings> {
    let Some(path) = path else { return Ok(Settings::default()) };
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read the settings file {}", path.display()))?;
    Settings::from_toml(&text).map_err(|e| {
        anyhow::anyhow!(
            "{}: {e}\nhint: settings are `name = value` lines; names are listed in the `settings` object of `shequn group --json`",
            path.display()
        )
    })
}

/// The as-of instant: the one given, else the newest message in the archive.
pub fn as_of_ms(archive: &Archive, given: Option<&str>) -> anyhow::Result<i64> {
    if let Some(s) = given {
        let t = chrono::DateTime::parse_from_rfc3339(s)
            .with_context(|| format!("--as-of {s:?} is not an RFC 3339 time; write e.g. 2011-06-30T00:00:00Z"))?;
        return Ok(t.timestamp_millis());
    }
    Ok(archive.groups()?.iter().filter_map(|g| g.last_ms).max().unwrap_or(0))
}

/// What every analysis says about one group: the reply links, the content
/// report (with one label per message) and the diagnosis built on both.
pub struct Analysed {
    pub links: Vec<shequn_model::Link>,
    pub content: shequn_content::ContentReport,
    pub diagnosis: Diagnosis,
}

/// Runs every analysis on one timeline: inferred reply links (explicit ones win),
/// content labels (ads, pushes, value, emotion), the diagnosis, then responsiveness,
/// which can turn the action into "respond". Cross-group repetition is not looked at here.
pub fn analyse(t: &Timeline, settings: &Settings, as_of: i64) -> Analysed {
    static WEIGHTS: std::sync::OnceLock<Weights> = std::sync::OnceLock::new();
    let weights = WEIGHTS.get_or_init(Weights::builtin);
    let links = shequn_replies::link(t, &ReplySettings::default(), weights);
    let content = shequn_content::analyze_group(t, &ContentSettings::default(), None, None, Some(as_of));
    let d = diagnose(t, &links, &content.labels, settings, as_of);
    let r = shequn_replies::responsiveness(t, &links, &ResponsivenessSettings::default(), as_of);
    let summary = shequn_diagnosis::Responsiveness {
        bids: r.bids as u32,
        unanswered: r.unanswered as u32,
        median_first_response_minutes: r.median_first_response_ms.map(|ms| ms as f64 / 60_000.0),
    };
    let diagnosis = d.with_responsiveness(t, &links, &content.labels, as_of, summary);
    Analysed { links, content, diagnosis }
}

/// The diagnosis of one timeline with every analysis run (see [`analyse`]).
pub fn diagnose_timeline(t: &Timeline, settings: &Settings, as_of: i64) -> Diagnosis {
    analyse(t, settings, as_of).diagnosis
}

/// Diagnoses the given groups in parallel, each thread with its own read-only archive handle.
pub fn diagnose_groups(
    path: &std::path::Path,
    ids: &[i64],
    settings: &Settings,
    as_of: i64,
) -> anyhow::Result<Vec<Diagnosis>> {
    ids.par_iter()
        .map_init(
            || Archive::open_readonly(path),
            |archive, &id| {
                let archive = archive.as_ref().map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
                let t = archive.timeline(id)?;
                Ok(diagnose_timeline(&t, settings, as_of))
            },
        )
        .collect()
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let settings = load_settings(args.config.as_deref())?;
    let archive = cli.open_archive()?;
    let found = archive.find_groups(&args.group)?;
    let g = match found.as_slice() {
        [] => bail!("no group matches {:?}; list them with `shequn groups`", args.group),
        [g] => g,
        many => bail!(
            "{:?} matches {} groups ({}); give the id from `shequn groups`",
            args.group,
            many.len(),
            many.iter().take(8).map(|g| format!("{} {}", g.id, g.name)).collect::<Vec<_>>().join(", ")
        ),
    };
    let as_of = as_of_ms(&archive, args.as_of.as_deref())?;
    let t = archive.timeline(g.id)?;
    let d = diagnose_timeline(&t, &settings, as_of);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&json_view(&d))?);
    } else {
        print!("{}", text_view(&d));
    }
    Ok(ExitCode::SUCCESS)
}

/// The JSON contract: `status`, `stage`, `key_people`, `roles` (counts), `action`, `evidence`, and the rest.
pub fn json_view(d: &Diagnosis) -> serde_json::Value {
    json!({
        "group_id": d.group_id,
        "group": d.group,
        "platform": d.platform,
        "as_of": d.as_of,
        "status": d.status,
        "stage": d.stage,
        "action": d.triage.action,
        "action_reason": { "en": d.triage.reason_en, "zh": d.triage.reason_zh },
        "key_people": d.key_people.people,
        "roles": d.roles.counts,
        "evidence": d.evidence,
        "stage_detail": d.stage_detail,
        "lifespan": d.lifespan,
        "temporary": d.temporary,
        "key_people_detail": { "basis": d.key_people.basis, "covered": d.key_people.covered,
            "fragile": d.key_people.fragile, "losses": d.key_people.losses },
        "role_detail": d.roles,
        "network": d.network,
        "emotion": d.emotion,
        "churn": d.churn,
        "content": d.content,
        "responsiveness": d.responsiveness,
        "migration": d.triage.migration,
        "labels_present": d.labels_present,
        "settings": d.settings,
    })
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

pub fn text_view(d: &Diagnosis) -> String {
    let mut o = String::new();
    let mut line = |s: String| {
        o.push_str(&s);
        o.push('\n');
    };
    line(format!("{} ({}, id {}) — as of 截至 {}", d.group, d.platform, d.group_id, d.as_of));
    line(format!("status 状态: {} {} — {}", d.status.as_str(), d.status.zh(), d.evidence.reason_en));
    line(format!("                 {}", d.evidence.reason_zh));
    if let Some(m) = &d.evidence.last_member_message {
        line(format!("  last member message 最后成员消息: {} <{}> {}", m.time, m.sender, m.text));
    }
    if let Some(days) = d.lifespan.days {
        line(format!(
            "lifespan 生命周期: {} days 天 ({} → {}){}",
            days,
            d.lifespan.first_member_day.as_deref().unwrap_or("-"),
            d.lifespan.last_member_day.as_deref().unwrap_or("-"),
            if d.lifespan.died_early { "; died within 90 days of creation 创建后90天内死亡" } else { "" }
        ));
    }
    if d.temporary.temporary {
        line(format!(
            "temporary group 临时群: {} of human messages between {} and {}",
            pct(d.temporary.peak_share),
            d.temporary.peak_start.as_deref().unwrap_or("-"),
            d.temporary.peak_end.as_deref().unwrap_or("-")
        ));
    }
    match &d.stage_detail {
        Some(s) => {
            line(format!("stage 阶段: {} {} (confidence 置信度 {:.2})", s.stage.as_str(), s.stage.zh(), s.confidence));
            let g = &s.signals;
            line(format!(
                "  operator share 运营占比 {}, member↔member 成员互动 {}, non-operator key people 非运营关键人 {}, structure 结构 {} {}, weeks held 持续周数 {}, cooperation messages 合作消息 {}{}",
                pct(g.operator_share),
                pct(g.member_member_share),
                g.non_operator_key_people,
                g.structure.as_str(),
                g.structure.zh(),
                g.weeks_held,
                g.cooperation_messages,
                g.emotional_share.map(|e| format!(", emotional 情绪表达 {}", pct(e))).unwrap_or_default()
            ));
            line(format!("  playbook 建议: {}", s.playbook_zh));
            line(format!("               {}", s.playbook_en));
        }
        None => line("stage 阶段: none (not alive) 无（非活跃）".into()),
    }
    let kp = &d.key_people;
    line(format!(
        "key people 关键人 ({} of interactions 互动 by {:?}){}:",
        pct(kp.covered),
        kp.basis,
        if kp.fragile { " — fragile 脆弱" } else { "" }
    ));
    for p in &kp.people {
        line(format!(
            "  {}{} — {} , last active 最后活跃 {}",
            p.name,
            if p.operator { " (operator 运营)" } else { "" },
            pct(p.share),
            p.last_active.as_deref().unwrap_or("-")
        ));
    }
    for l in &kp.losses {
        line(format!(
            "  lost 流失: {} active 活跃 {} → {}, silent 沉默 {:.0} days; group 群消息/周 {:.1} → {:.1}",
            l.name, l.first_active, l.last_active, l.silent_days, l.weekly_before, l.weekly_after
        ));
    }
    let counts: Vec<String> = Role::ALL
        .iter()
        .map(|r| format!("{} {} {}", r.as_str(), r.zh(), d.roles.counts.get(r.as_str()).copied().unwrap_or(0)))
        .collect();
    line(format!("roles 角色 ({} days 天): {}", d.settings.roles_window_days, counts.join(", ")));
    line(format!(
        "  silent share 沉默者占比: {}; seed's mix 参考: thinker 1–2, critic a few, onlooker ~40%, silent >50%",
        d.roles.silent_share.map(pct).unwrap_or_else(|| "unknown 未知 (no roster, joins or member count)".into())
    ));
    for flag in &d.roles.flags {
        line(format!("  flag 提示: {flag}"));
    }
    let n = &d.network;
    line(format!(
        "network 网络: {} active, {} interactions 互动, member↔member {}, centralization 中心度 {:.2}, operator 运营 {}, reciprocity 互惠 {}, {} {}",
        n.active_nodes,
        n.interactions,
        pct(n.member_member_share),
        n.centralization,
        pct(n.operator_share),
        pct(n.reciprocity),
        n.structure.as_str(),
        n.structure.zh()
    ));
    if d.churn.has_events {
        line(format!(
            "churn 流失: joins 加入 {}, leaves 退出 {}, kicks 移除 {}, median days to leave 退群中位天数 {}",
            d.churn.joins,
            d.churn.leaves,
            d.churn.kicks,
            d.churn.median_days_to_leave.map(|x| format!("{x:.1}")).unwrap_or_else(|| "-".into())
        ));
    }
    line(format!(
        "responsiveness 响应: {}",
        match &d.responsiveness {
            Some(r) => format!("{} bids 提问, {} unanswered 无回应", r.bids, r.unanswered),
            None => "not measured (reply analysis not run) 未测量".into(),
        }
    ));
    line(format!("action 建议: {} {} — {}", d.triage.action.as_str(), d.triage.action.zh(), d.triage.reason_en));
    line(format!("               {}", d.triage.reason_zh));
    if !d.triage.migration.is_empty() {
        line(format!("migration list 迁移名单 ({}):", d.triage.migration.len()));
        for m in d.triage.migration.iter().take(20) {
            line(format!("  {} {} (last 最后发言 {})", m.name, m.platform_id.as_deref().unwrap_or("-"), m.last_spoke));
        }
    }
    o
}
