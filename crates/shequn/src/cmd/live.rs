//! `shequn live --config live.toml`: the long-running service that keeps every group's
//! messages as they are said (platform webhooks and long-polls into the archive) and serves
//! the dashboard on live data. The service itself is `shequn_live`.

use std::path::PathBuf;
use std::process::ExitCode;

use super::Cli;

const AFTER: &str = "The config file has a [server] table and one table per platform; secrets are named by
environment variable, never written in the file:

  [server]
  addr = \"127.0.0.1:8090\"                     # platforms post here; the dashboard is at /
  token_env = \"SHEQUN_TOKEN\"                  # dashboard token (required off loopback)

  [telegram]                                  # POST /telegram, or mode = \"poll\"
  secret_token_env = \"SHEQUN_TG_SECRET\"
  [onebot]                                    # QQ via NapCat/LLOneBot: POST /onebot, ws /onebot/ws
  secret_env = \"SHEQUN_ONEBOT_SECRET\"
  [wecom]                                     # 企业微信回调: GET/POST /wecom
  token_env = \"SHEQUN_WECOM_TOKEN\"
  aes_key_env = \"SHEQUN_WECOM_AES_KEY\"
  receive_id = \"ww...\"
  [slack]                                     # Events API: POST /slack
  signing_secret_env = \"SHEQUN_SLACK_SIGNING_SECRET\"
  [matrix]                                    # a bot account that syncs its rooms
  homeserver = \"https://matrix.example.org\"
  user_id = \"@shequn:example.org\"
  access_token_env = \"SHEQUN_MATRIX_TOKEN\"
  [webhook]                                   # shequn JSON Lines, signed: POST /webhook
  secret_env = \"SHEQUN_WEBHOOK_SECRET\"
  [limits]
  body_bytes = 1048576

README.md (\"Live: connect your platforms\") says what to set on each platform's side.

Alerts ([alerts], docs/alerts.md): a newcomer's first message unanswered for 10 min, a
question unanswered for 30 min, an ad, an ad-policy violation (--ad-policy), a burst of
mechanical pushes, a key person silent 14 days, the status getting worse, and leaves after an
ad or push burst are listed at /api/alerts and posted to webhook_url:

  [alerts]
  newcomer_wait_min = 10
  question_wait_min = 30
  ad = true
  ad_policy = true
  push_burst_count = 3                        # pushes within push_burst_min (0: off)
  push_burst_min = 60
  key_person_silent_days = 14                 # 0: off
  status_change = true
  leave_spike = true
  webhook_url = \"https://ops.example.org/shequn\"
  webhook_secret_env = \"SHEQUN_ALERT_SECRET\"
  [alerts.groups.\"读书会\"]                  # a group's name or platform id
  question_wait_min = 60

--replay runs an export through the same alert rules on a simulated clock and prints the
alerts it would have raised; it reads no archive and writes none.

Examples:
  shequn live --config live.toml
  shequn live --replay room.txt --zone +00:00           # as fast as possible
  shequn live --replay export.json --speed 600 --json   # 10 minutes a second, JSON Lines
  shequn --db team.db live --config live.toml --settings thresholds.toml
  shequn live --config live.toml --check        # read the config and the secrets, then stop";

/// Keep groups' messages as they happen and serve the dashboard (实时接入).
#[derive(clap::Args)]
#[command(after_help = AFTER)]
pub struct Args {
    /// The live config (TOML): [server], [limits], [alerts] and one table per platform.
    #[arg(long, value_name = "FILE", required_unless_present = "replay")]
    pub config: Option<PathBuf>,
    /// Analysis thresholds for the dashboard (the same file `shequn group --config` reads).
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,
    /// Ad policies for the dashboard (as `shequn group --ad-policy`).
    #[arg(long, value_name = "FILE")]
    pub ad_policy: Option<PathBuf>,
    /// Read the config and every secret it names, print what would run, and stop.
    #[arg(long)]
    pub check: bool,
    /// Replay an export through the alert rules instead of serving (回放告警): print the
    /// alerts it would have raised. Reads no archive, writes none.
    #[arg(long, value_name = "EXPORT")]
    pub replay: Option<PathBuf>,
    /// With --replay: N times faster than the export's own clock; 0 = as fast as possible.
    #[arg(long, value_name = "N", default_value_t = 0.0, requires = "replay")]
    pub speed: f64,
    /// With --replay: one JSON object per alert change (JSON Lines), as the webhook posts them.
    #[arg(long, requires = "replay")]
    pub json: bool,
    /// With --replay: the zone for times written without one, like +08:00 (as `import --zone`).
    #[arg(long, value_name = "OFFSET", value_parser = super::import::parse_zone, allow_hyphen_values = true, requires = "replay")]
    pub zone: Option<chrono::FixedOffset>,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let config = match &args.config {
        Some(path) => shequn_live::LiveConfig::load(path)?,
        None => shequn_live::LiveConfig::default(),
    };
    let analysis = super::group::load_config(args.settings.as_deref(), args.ad_policy.as_deref())?;
    if let Some(export) = &args.replay {
        return replay(export, args, &config.alerts, &analysis);
    }
    let token = match &config.server.token_env {
        Some(var) => Some(shequn_live::config::secret(var, "[server] token_env")?),
        None => None,
    };
    super::serve::check_bind(&config.server.addr, token.as_deref())?;
    // Build every source now so a missing secret or a bad table stops us before listening.
    for (name, table) in &config.sources {
        shequn_live::sources::build(name, table)?;
    }
    if args.check {
        let names: Vec<&str> = config.sources.iter().map(|(n, _)| n.as_str()).collect();
        println!(
            "config ok / 配置无误: {} — sources: {} — alerts: {} — archive: {}",
            config.server.addr,
            if names.is_empty() { "none".to_string() } else { names.join(", ") },
            alerts_line(&config.alerts),
            cli.db_path().display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    // The webhook's secret, checked now like the sources' (the service reads it again).
    if let (Some(_), Some(var)) = (&config.alerts.webhook_url, &config.alerts.webhook_secret_env) {
        shequn_live::config::secret(var, "[alerts] webhook_secret_env")?;
    }
    let dashboard = shequn_live::dashboard::Dashboard::new(
        analysis,
        shequn_live::access::Access::new(token, config.server.allow_hosts.clone()),
        3_600_000,
    );
    shequn_live::server::run(config, &cli.db_path(), dashboard)?;
    Ok(ExitCode::SUCCESS)
}

fn alerts_line(a: &shequn_alerts::AlertSettings) -> String {
    if !a.enabled {
        return "off".into();
    }
    format!(
        "newcomers {} min, questions {} min{}",
        a.newcomer_wait_min,
        a.question_wait_min,
        a.webhook_url.as_deref().map(|u| format!(", webhook {u}")).unwrap_or_default()
    )
}

/// `--replay`: the export's records in time order through the alert watches on a simulated
/// clock (slept through at `--speed`), each change printed as it happens.
fn replay(
    export: &std::path::Path,
    args: &Args,
    alerts: &shequn_alerts::AlertSettings,
    analysis: &shequn_engine::AnalysisConfig,
) -> anyhow::Result<ExitCode> {
    use shequn_alerts::{AlertChange, AlertKind};
    use std::io::Write;

    if export.is_dir() {
        anyhow::bail!("--replay reads one export file, not a folder: {}", export.display());
    }
    let head = std::fs::read(export).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", export.display()))?;
    let probe = shequn_ingest::Probe { path: export, dir_entries: &[], head: &head[..head.len().min(65536)] };
    let Some(format) = shequn_ingest::detect(&probe) else {
        anyhow::bail!("{}: not a chat export shequn recognises (see `shequn formats`)", export.display());
    };
    let mut records = Vec::new();
    let opts = shequn_ingest::ParseOptions { zone: args.zone };
    format.parse(&shequn_ingest::Input::new(export), &opts, &mut records).map_err(|e| anyhow::anyhow!("{e}"))?;
    drop(head);

    let mut watches =
        shequn_alerts::Watches::new(alerts.clone(), analysis.replies.clone(), analysis.responsiveness.clone())
            // A simulated clock can look once a minute: what is decided does not change.
            .with_eval_every(if args.speed > 0.0 { 1_000 } else { 60_000 })
            .with_analysis(analysis.settings.clone(), analysis.content.clone(), analysis.ad_policies.clone());
    let speed = args.speed;
    let started = std::time::Instant::now();
    let mut first: Option<i64> = None;
    let mut wait_until = |t: i64| {
        if speed <= 0.0 {
            return;
        }
        let from = *first.get_or_insert(t);
        let due = std::time::Duration::from_secs_f64(((t - from).max(0) as f64 / 1000.0) / speed);
        if let Some(left) = due.checked_sub(started.elapsed()) {
            std::thread::sleep(left);
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut opened: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    let mut resolved = 0usize;
    let mut failed: Option<std::io::Error> = None;
    let mut emit = |c: AlertChange| {
        match &c {
            AlertChange::Opened(a) => {
                let k = AlertKind::ALL.iter().position(|k| *k == a.kind).unwrap_or(0);
                *opened.entry(k).or_default() += 1;
            }
            AlertChange::Resolved(_) => resolved += 1,
        }
        let line = if args.json { serde_json::to_string(&c).unwrap_or_default() } else { change_line(&c) };
        if failed.is_none() {
            if let Err(e) = writeln!(out, "{line}") {
                failed = Some(e);
            }
        }
    };
    watches.replay(&records, &mut wait_until, &mut emit);
    if let Some(e) = failed {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(e.into());
        }
    }
    let count =
        |k: AlertKind| opened.get(&AlertKind::ALL.iter().position(|x| *x == k).unwrap_or(0)).copied().unwrap_or(0);
    let zh: Vec<String> = AlertKind::ALL.iter().map(|&k| format!("{} {} 条", k.zh(), count(k))).collect();
    let en: Vec<String> = AlertKind::ALL.iter().map(|&k| format!("{} {}", k.as_str(), count(k))).collect();
    eprintln!(
        "回放完毕：{}；{resolved} 条后来解除 · replayed: {}; {resolved} resolved later",
        zh.join("，"),
        en.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

/// One alert change as a line for a terminal, in both languages.
fn change_line(c: &shequn_alerts::AlertChange) -> String {
    use shequn_alerts::AlertChange;
    match c {
        AlertChange::Opened(a) => {
            let at = shequn_alerts::Quote::new("", a.opened_ms, 0, "").time;
            let mut line = format!(
                "[{at}] 告警 ALERT {} · {}\n    {} {}: {}",
                a.text_zh, a.text_en, a.message.time, a.message.sender, a.message.text
            );
            for q in &a.quotes {
                line.push_str(&format!("\n    {} {}: {}", q.time, q.sender, q.text));
            }
            for r in &a.reasons {
                line.push_str(&format!("\n    · {r}"));
            }
            line
        }
        AlertChange::Resolved(a) => {
            let (zh, en, at) = match &a.resolution {
                Some(r) => (r.text_zh.as_str(), r.text_en.as_str(), r.at_ms),
                None => (a.text_zh.as_str(), a.text_en.as_str(), a.opened_ms),
            };
            let at = shequn_alerts::Quote::new("", at, 0, "").time;
            format!("[{at}] 解除 RESOLVED {zh} · {en}")
        }
    }
}
