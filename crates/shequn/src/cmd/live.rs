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

Examples:
  shequn live --config live.toml
  shequn --db team.db live --config live.toml --settings thresholds.toml
  shequn live --config live.toml --check        # read the config and the secrets, then stop";

/// Keep groups' messages as they happen and serve the dashboard (实时接入).
#[derive(clap::Args)]
#[command(after_help = AFTER)]
pub struct Args {
    /// The live config (TOML): [server], [limits] and one table per platform.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Analysis thresholds for the dashboard (the same file `shequn group --config` reads).
    #[arg(long, value_name = "FILE")]
    pub settings: Option<PathBuf>,
    /// Ad policies for the dashboard (as `shequn group --ad-policy`).
    #[arg(long, value_name = "FILE")]
    pub ad_policy: Option<PathBuf>,
    /// Read the config and every secret it names, print what would run, and stop.
    #[arg(long)]
    pub check: bool,
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let config = shequn_live::LiveConfig::load(&args.config)?;
    let analysis = super::group::load_config(args.settings.as_deref(), args.ad_policy.as_deref())?;
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
            "config ok / 配置无误: {} — sources: {} — archive: {}",
            config.server.addr,
            if names.is_empty() { "none".to_string() } else { names.join(", ") },
            cli.db_path().display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let dashboard = shequn_live::dashboard::Dashboard::new(analysis, token, 3_600_000);
    shequn_live::server::run(config, &cli.db_path(), dashboard)?;
    Ok(ExitCode::SUCCESS)
}
