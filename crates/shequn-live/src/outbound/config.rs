//! `[outbound.<platform>]`: how shequn calls each platform (base address and credentials).
//!
//! ```toml
//! [outbound]
//! timeout_s = 10                                  # one call at most
//!
//! [outbound.telegram]                             # else [telegram] bot_token_env is used
//! bot_token_env = "SHEQUN_TG_BOT_TOKEN"
//!
//! [outbound.matrix]                               # else [matrix] homeserver + access_token_env
//! homeserver = "https://matrix.example.org"
//! access_token_env = "SHEQUN_MATRIX_TOKEN"
//!
//! [outbound.onebot]
//! api_url = "http://127.0.0.1:5700"               # the OneBot implementation's HTTP API
//! access_token_env = "SHEQUN_ONEBOT_TOKEN"        # optional
//!
//! [outbound.wecom]
//! corp_id = "ww0123456789abcdef"
//! corp_secret_env = "SHEQUN_WECOM_APP_SECRET"     # the application's Secret
//! agent_id = 1000002
//! ```

use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::matrix::MatrixApi;
use super::onebot::OneBotApi;
use super::telegram::TelegramApi;
use super::wecom::WecomApi;
use crate::config::secret;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboundConfig {
    /// Seconds one call may take (connect and answer).
    pub timeout_s: u64,
    pub telegram: Option<TelegramOut>,
    pub matrix: Option<MatrixOut>,
    pub onebot: Option<OneBotOut>,
    pub wecom: Option<WecomOut>,
}

impl Default for OutboundConfig {
    fn default() -> OutboundConfig {
        OutboundConfig { timeout_s: 10, telegram: None, matrix: None, onebot: None, wecom: None }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramOut {
    pub bot_token_env: String,
    #[serde(default = "telegram_base")]
    pub base_url: String,
}

fn telegram_base() -> String {
    "https://api.telegram.org".into()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatrixOut {
    pub homeserver: String,
    pub access_token_env: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OneBotOut {
    pub api_url: String,
    pub access_token_env: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WecomOut {
    pub corp_id: String,
    pub corp_secret_env: String,
    pub agent_id: i64,
    #[serde(default = "wecom_base")]
    pub base_url: String,
}

fn wecom_base() -> String {
    "https://qyapi.weixin.qq.com".into()
}

fn http(url: &str, key: &str) -> anyhow::Result<()> {
    if url.starts_with("http://") || url.starts_with("https://") {
        Ok(())
    } else {
        anyhow::bail!("{key} must start with https:// (or http:// on loopback), not {url:?}")
    }
}

impl OutboundConfig {
    /// Reads `[outbound]`, filling an absent platform from its source table when that holds
    /// the same credentials; errors name the key.
    pub fn from_toml(value: Option<&toml::Value>, sources: &[(String, toml::Value)]) -> anyhow::Result<OutboundConfig> {
        let mut c: OutboundConfig = match value {
            Some(v) => crate::config::table("outbound", v)?,
            None => OutboundConfig::default(),
        };
        let source = |name: &str| sources.iter().find(|(n, _)| n == name).map(|(_, v)| v);
        let str_of = |v: &toml::Value, k: &str| v.get(k).and_then(toml::Value::as_str).map(str::to_string);
        if c.telegram.is_none() {
            if let Some(t) = source("telegram") {
                if let Some(var) = str_of(t, "bot_token_env") {
                    c.telegram = Some(TelegramOut {
                        bot_token_env: var,
                        base_url: str_of(t, "base_url").unwrap_or_else(telegram_base),
                    });
                }
            }
        }
        if c.matrix.is_none() {
            if let Some(m) = source("matrix") {
                if let (Some(homeserver), Some(var)) = (str_of(m, "homeserver"), str_of(m, "access_token_env")) {
                    c.matrix = Some(MatrixOut { homeserver, access_token_env: var });
                }
            }
        }
        if let Some(m) = &c.matrix {
            http(&m.homeserver, "[outbound.matrix] homeserver")?;
        }
        if let Some(o) = &c.onebot {
            http(&o.api_url, "[outbound.onebot] api_url")?;
        }
        if let Some(t) = &c.telegram {
            http(&t.base_url, "[outbound.telegram] base_url")?;
        }
        if let Some(w) = &c.wecom {
            http(&w.base_url, "[outbound.wecom] base_url")?;
        }
        Ok(c)
    }

    fn timeout(&self) -> Duration {
        Duration::from_secs(self.timeout_s.max(1))
    }

    /// The clients for every platform configured, reading each secret from its variable.
    pub fn build(&self) -> anyhow::Result<Outbound> {
        let t = self.timeout();
        let mut out = Outbound::default();
        if let Some(c) = &self.telegram {
            let token = secret(&c.bot_token_env, "[outbound.telegram] bot_token_env")?;
            out.telegram = Some(Arc::new(TelegramApi::new(&c.base_url, token, t)));
        }
        if let Some(c) = &self.matrix {
            let token = secret(&c.access_token_env, "[outbound.matrix] access_token_env")?;
            out.matrix = Some(Arc::new(MatrixApi::new(&c.homeserver, token, t)));
        }
        if let Some(c) = &self.onebot {
            let token =
                c.access_token_env.as_deref().map(|v| secret(v, "[outbound.onebot] access_token_env")).transpose()?;
            out.onebot = Some(Arc::new(OneBotApi::new(&c.api_url, token, t)));
        }
        if let Some(c) = &self.wecom {
            let s = secret(&c.corp_secret_env, "[outbound.wecom] corp_secret_env")?;
            out.wecom = Some(Arc::new(WecomApi::new(&c.base_url, &c.corp_id, s, c.agent_id, t)));
        }
        Ok(out)
    }
}

/// The platform clients, shared by delivery targets and enforcement actors.
#[derive(Clone, Default)]
pub struct Outbound {
    pub telegram: Option<Arc<TelegramApi>>,
    pub matrix: Option<Arc<MatrixApi>>,
    pub onebot: Option<Arc<OneBotApi>>,
    pub wecom: Option<Arc<WecomApi>>,
}

/// The error for a platform that something needs and `[outbound]` does not configure.
pub fn missing(platform: &str, who: &str) -> anyhow::Error {
    let hint = match platform {
        "telegram" => "[outbound.telegram] bot_token_env (or [telegram] bot_token_env)",
        "matrix" => "[outbound.matrix] homeserver and access_token_env (or the [matrix] source's)",
        "onebot" => "[outbound.onebot] api_url",
        _ => "[outbound.wecom] corp_id, corp_secret_env and agent_id",
    };
    anyhow::anyhow!("{who} calls {platform}, which needs {hint}")
}
