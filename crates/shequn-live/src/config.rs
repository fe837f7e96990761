//! The live config file (`shequn live --config live.toml`): the server, the limits, and one
//! table per platform. Secrets are never written in the file: a `*_env` key names the
//! environment variable that holds each one.
//!
//! ```toml
//! [server]
//! addr = "127.0.0.1:8090"
//!
//! [telegram]
//! mode = "webhook"                          # or "poll" (no public address needed)
//! secret_token_env = "SHEQUN_TG_SECRET"     # checked against X-Telegram-Bot-Api-Secret-Token
//! bot_token_env = "SHEQUN_TG_BOT_TOKEN"      # for poll mode
//! ```

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use serde::Deserialize;

use crate::limits::Limits;

/// The `[server]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Where the service listens for platforms and serves the dashboard.
    pub addr: SocketAddr,
    /// Names the environment variable holding the dashboard's access token (required off
    /// loopback). Webhook routes are not behind it: each checks its platform's signature.
    pub token_env: Option<String>,
    /// Seconds between heartbeats that extend the live sources' coverage to now.
    pub heartbeat_s: u64,
    /// Host names the dashboard answers to besides localhost and IP addresses (DNS
    /// rebinding: a page on another name must not read the dashboard).
    pub allow_hosts: Vec<String>,
}

impl Default for ServerConfig {
    fn default() -> ServerConfig {
        ServerConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 8090)),
            token_env: None,
            heartbeat_s: 60,
            allow_hosts: Vec::new(),
        }
    }
}

/// The whole file: `[server]`, `[limits]`, and the platform tables kept as TOML for each
/// source's own module to read (see [`crate::sources::build`]).
#[derive(Debug, Clone, Default)]
pub struct LiveConfig {
    pub server: ServerConfig,
    pub limits: Limits,
    /// `[telegram]`, `[onebot]`, `[wecom]`, `[slack]`, `[matrix]`, `[webhook]`, ... by name.
    pub sources: Vec<(String, toml::Value)>,
    /// `[alerts]`: waits, per-group overrides, the outgoing webhook (defaults when absent).
    pub alerts: shequn_alerts::AlertSettings,
    /// `[alerts.deliver]`: the operators' chats alert changes go to, the digest window.
    pub deliver: crate::delivery::DeliverConfig,
    /// `[outbound.<platform>]`: how shequn calls platforms (delivery, enforcement).
    pub outbound: crate::outbound::OutboundConfig,
    /// Every other table, left for later stages (`[enforce]`): kept, not an error.
    pub other: toml::Table,
}

impl LiveConfig {
    pub fn load(path: &Path) -> anyhow::Result<LiveConfig> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("cannot read the live config {}", path.display()))?;
        LiveConfig::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
    }

    pub fn from_toml(text: &str) -> anyhow::Result<LiveConfig> {
        let mut table: toml::Table = toml::from_str(text)?;
        let server = match table.remove("server") {
            None => ServerConfig::default(),
            Some(v) => v.try_into().map_err(|e: toml::de::Error| anyhow::anyhow!("[server]: {e}"))?,
        };
        let limits = match table.remove("limits") {
            None => Limits::default(),
            Some(v) => v.try_into().map_err(|e: toml::de::Error| anyhow::anyhow!("[limits]: {e}"))?,
        };
        // `[alerts.deliver]` is the delivery's (this crate's); the rest of `[alerts]` the rules'.
        let mut alerts = table.remove("alerts");
        let deliver = match alerts.as_mut().and_then(toml::Value::as_table_mut).and_then(|t| t.remove("deliver")) {
            None => crate::delivery::DeliverConfig::default(),
            Some(v) => crate::delivery::DeliverConfig::from_toml(&v)?,
        };
        let alerts = match alerts {
            None => shequn_alerts::AlertSettings::default(),
            Some(v) => shequn_alerts::AlertSettings::from_toml(&v).map_err(|e| anyhow::anyhow!(e))?,
        };
        let mut sources = Vec::new();
        for name in crate::sources::NAMES {
            if let Some(v) = table.remove(*name) {
                sources.push((name.to_string(), v));
            }
        }
        let outbound = crate::outbound::OutboundConfig::from_toml(table.remove("outbound").as_ref(), &sources)?;
        Ok(LiveConfig { server, limits, sources, alerts, deliver, outbound, other: table })
    }
}

/// The secret held by the environment variable `var`, which the config key `key` named.
pub fn secret(var: &str, key: &str) -> anyhow::Result<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Ok(v),
        _ => anyhow::bail!(
            "{key} names the environment variable {var}, which is not set; export {var}=... before starting shequn live"
        ),
    }
}

/// A source's table as its config struct, with errors naming the table and the key.
pub fn table<T: serde::de::DeserializeOwned>(name: &str, value: &toml::Value) -> anyhow::Result<T> {
    value.clone().try_into().map_err(|e: toml::de::Error| anyhow::anyhow!("[{name}]: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_split_and_typos_named() {
        let c = LiveConfig::from_toml("[server]\naddr = \"127.0.0.1:9000\"\n[limits]\nqueue = 7\n[webhook]\nsecret_env = \"X\"\n[alerts]\nnewcomer_wait_min = 5\n[enforce]\nx = 1\n").unwrap();
        assert_eq!(c.server.addr.port(), 9000);
        assert_eq!(c.limits.queue, 7);
        assert_eq!(c.sources.len(), 1);
        assert_eq!(c.alerts.newcomer_wait_min, 5);
        assert!(c.other.contains_key("enforce"));
        let err = LiveConfig::from_toml("[alerts]\nnewcomer_wait = \"10m\"\n").unwrap_err().to_string();
        assert!(err.contains("[alerts]") && err.contains("newcomer_wait"), "{err}");
        let err = LiveConfig::from_toml("[limits]\nqueu = 7\n").unwrap_err().to_string();
        assert!(err.contains("[limits]") && err.contains("queu"), "{err}");
    }

    #[test]
    fn a_missing_secret_names_the_variable() {
        let err = secret("SHEQUN_TEST_SURELY_UNSET_VAR", "[slack] signing_secret_env").unwrap_err().to_string();
        assert!(err.contains("SHEQUN_TEST_SURELY_UNSET_VAR") && err.contains("[slack]"), "{err}");
    }
}
