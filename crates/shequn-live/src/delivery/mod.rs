//! Delivery of alert changes: to an operators' chat on the platform each group lives on
//! (Telegram, Matrix, OneBot/QQ, WeCom) and to the signed webhook. Each target has its own
//! thread behind a bounded queue ([`runner`]): retries with doubling pauses, a bounded number
//! of attempts, an optional digest window. Offering a change never waits.
//!
//! ```toml
//! [alerts.deliver]
//! digest_min = 5                 # at most one chat message per target per 5 min (0: each change at once)
//! queue = 256                    # changes waiting per target at most
//! attempts = 6                   # per message: the first try and the retries
//! dashboard_url = "https://ops.example.org/alerts"   # printed under each message (optional)
//!
//! [alerts.deliver.telegram]      # alerts about Telegram groups; credentials from [outbound.telegram]
//! chat_id = -1001234567890
//!
//! [alerts.deliver.matrix]
//! room_id = "!ops:example.org"
//! digest_min = 0                 # this target's own window
//!
//! [alerts.deliver.onebot]
//! group_id = 123456789           # or user_id = 10001 (a private message)
//!
//! [alerts.deliver.wecom]
//! to_user = "@all"               # and/or to_party, to_tag
//! ```

pub mod runner;
pub mod targets;
pub mod text;

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use shequn_alerts::{AlertChange, AlertSettings};
use shequn_model::Platform;

use crate::outbound::config::missing;
use crate::outbound::Outbound;
pub use runner::{Outgoing, Schedule, Target, TargetQueue};

/// `[alerts.deliver]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeliverConfig {
    /// Minutes between two chat messages to one target (0: each change as it comes). Changes
    /// in between are bundled into one digest.
    pub digest_min: u32,
    pub queue: usize,
    pub attempts: u32,
    pub dashboard_url: Option<String>,
    pub telegram: Option<ChatTarget>,
    pub matrix: Option<ChatTarget>,
    pub onebot: Option<ChatTarget>,
    pub wecom: Option<ChatTarget>,
}

impl DeliverConfig {
    /// The operators' chats as the archive keys them (platform, platform id): the service's
    /// own alert messages land there, and must not be watched as a group's talk (they would
    /// read as mechanical pushes and raise alerts about alerts).
    pub fn operator_chats(&self) -> Vec<(shequn_model::Platform, String)> {
        use shequn_model::Platform;
        let mut out = Vec::new();
        if let Some(id) = self.matrix.as_ref().and_then(|t| t.room_id.clone()) {
            out.push((Platform::Matrix, id));
        }
        if let Some(id) = self.onebot.as_ref().and_then(|t| t.group_id.clone()) {
            out.push((Platform::Qq, id));
        }
        if let Some(id) = self.telegram.as_ref().and_then(|t| t.chat_id.clone()) {
            // Stored as the Bot API's id or the bare id exports use (`-100` dropped).
            if let Ok(n) = id.parse::<i64>() {
                for kind in ["supergroup", "group"] {
                    out.push((Platform::Telegram, crate::sources::telegram::bare_chat_id(n, kind)));
                }
            }
            out.push((Platform::Telegram, id));
        }
        out
    }
}

impl Default for DeliverConfig {
    fn default() -> DeliverConfig {
        DeliverConfig {
            digest_min: 0,
            queue: 256,
            attempts: 6,
            dashboard_url: None,
            telegram: None,
            matrix: None,
            onebot: None,
            wecom: None,
        }
    }
}

/// `[alerts.deliver.<platform>]`: the operators' chat on that platform. Which fields apply
/// depends on the platform (Telegram `chat_id`, Matrix `room_id`, OneBot `group_id` or
/// `user_id`, WeCom `to_user`/`to_party`/`to_tag`); others are errors.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChatTarget {
    #[serde(deserialize_with = "id_text")]
    pub chat_id: Option<String>,
    pub room_id: Option<String>,
    #[serde(deserialize_with = "id_text")]
    pub group_id: Option<String>,
    #[serde(deserialize_with = "id_text")]
    pub user_id: Option<String>,
    pub to_user: Option<String>,
    pub to_party: Option<String>,
    pub to_tag: Option<String>,
    /// This target's own digest window (else `[alerts.deliver] digest_min`).
    pub digest_min: Option<u32>,
    /// Alerts about groups on these platforms (default: the target's own platform only;
    /// OneBot's is `qq`).
    pub platforms: Option<Vec<String>>,
}

/// An id written as a TOML number or string, kept as text.
fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        N(i64),
        S(String),
    }
    Ok(Option::<Id>::deserialize(d)?.map(|id| match id {
        Id::N(n) => n.to_string(),
        Id::S(s) => s,
    }))
}

impl DeliverConfig {
    /// Reads `[alerts.deliver]`; errors name the table and the key.
    pub fn from_toml(value: &toml::Value) -> anyhow::Result<DeliverConfig> {
        let c: DeliverConfig = crate::config::table("alerts.deliver", value)?;
        for (platform, t) in c.targets() {
            let key = format!("[alerts.deliver.{platform}]");
            let allowed: &[&str] = match platform {
                "telegram" => &["chat_id"],
                "matrix" => &["room_id"],
                "onebot" => &["group_id", "user_id"],
                _ => &["to_user", "to_party", "to_tag"],
            };
            let given = [
                ("chat_id", t.chat_id.is_some()),
                ("room_id", t.room_id.is_some()),
                ("group_id", t.group_id.is_some()),
                ("user_id", t.user_id.is_some()),
                ("to_user", t.to_user.is_some()),
                ("to_party", t.to_party.is_some()),
                ("to_tag", t.to_tag.is_some()),
            ];
            if let Some((k, _)) = given.iter().find(|(k, set)| *set && !allowed.contains(k)) {
                anyhow::bail!("{key}: {k} is not a {platform} setting; use {}", allowed.join(" or "));
            }
            if !given.iter().any(|(k, set)| *set && allowed.contains(k)) {
                anyhow::bail!("{key} needs {} (the operators' chat)", allowed.join(" or "));
            }
            for p in t.platforms.iter().flatten() {
                if Platform::parse(p).is_none() {
                    anyhow::bail!("{key} platforms: unknown platform {p:?}");
                }
            }
        }
        if let Some(url) = &c.dashboard_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                anyhow::bail!("[alerts.deliver] dashboard_url must start with http:// or https://, not {url:?}");
            }
        }
        Ok(c)
    }

    /// The configured chat targets, by platform name.
    pub fn targets(&self) -> Vec<(&'static str, &ChatTarget)> {
        [("telegram", &self.telegram), ("matrix", &self.matrix), ("onebot", &self.onebot), ("wecom", &self.wecom)]
            .into_iter()
            .filter_map(|(n, t)| t.as_ref().map(|t| (n, t)))
            .collect()
    }
}

/// A running target and the platforms whose alerts it takes (None: all).
struct Route {
    platforms: Option<Vec<Platform>>,
    queue: TargetQueue,
}

/// Every delivery target of the service. Offering a change never waits.
#[derive(Clone, Default)]
pub struct Deliveries {
    routes: Arc<Vec<Route>>,
}

impl Deliveries {
    /// Starts a thread per target: the signed webhook of `[alerts]` (every platform) and each
    /// chat target of `deliver`, with the platform clients of `outbound`.
    pub fn start(
        alerts: &AlertSettings,
        webhook_secret: Option<&[u8]>,
        deliver: &DeliverConfig,
        outbound: &Outbound,
        first_retry: Duration,
    ) -> anyhow::Result<Deliveries> {
        let mut routes = Vec::new();
        if let (Some(url), Some(secret)) = (&alerts.webhook_url, webhook_secret) {
            let hook = targets::SignedWebhook {
                agent: crate::outbound::agent(Duration::from_secs(alerts.webhook_timeout_s.max(1))),
                url: url.clone(),
                secret: secret.to_vec(),
            };
            let schedule = Schedule {
                queue: alerts.webhook_queue.max(1),
                attempts: alerts.webhook_attempts.max(1),
                first_retry,
                ..Schedule::default()
            };
            routes.push(Route { platforms: None, queue: runner::spawn(Box::new(hook), schedule)? });
        }
        for (name, t) in deliver.targets() {
            let target = chat_target(name, t, outbound)?;
            // OneBot carries QQ groups.
            let own = if name == "onebot" { Platform::Qq } else { Platform::parse(name).unwrap_or(Platform::Generic) };
            let platforms = match &t.platforms {
                Some(list) => list.iter().filter_map(|p| Platform::parse(p)).collect(),
                None => vec![own],
            };
            let schedule = Schedule {
                queue: deliver.queue.max(1),
                attempts: deliver.attempts.max(1),
                first_retry,
                digest: Duration::from_secs(60 * u64::from(t.digest_min.unwrap_or(deliver.digest_min))),
                dashboard_url: deliver.dashboard_url.clone(),
                ..Schedule::default()
            };
            routes.push(Route { platforms: Some(platforms), queue: runner::spawn(target, schedule)? });
        }
        Ok(Deliveries { routes: Arc::new(routes) })
    }

    /// Adds a target built by the caller (tests, the benchmark's local receiver).
    pub fn with_target(
        self,
        platforms: Option<Vec<Platform>>,
        target: Box<dyn Target>,
        s: Schedule,
    ) -> anyhow::Result<Deliveries> {
        let mut routes = Arc::try_unwrap(self.routes).unwrap_or_else(|_| panic!("add targets before sharing"));
        routes.push(Route { platforms, queue: runner::spawn(target, s)? });
        Ok(Deliveries { routes: Arc::new(routes) })
    }

    pub fn is_empty(&self) -> bool {
        self.routes.is_empty()
    }

    /// Hands a stored change to every target that takes its group's platform.
    pub fn offer(&self, change: &AlertChange) {
        let platform = change.alert().group.platform;
        let shared = Arc::new(change.clone());
        for r in self.routes.iter() {
            if r.platforms.as_ref().is_none_or(|p| p.contains(&platform)) {
                r.queue.offer(shared.clone());
            }
        }
    }
}

fn chat_target(name: &str, t: &ChatTarget, out: &Outbound) -> anyhow::Result<Box<dyn Target>> {
    let who = format!("[alerts.deliver.{name}]");
    Ok(match name {
        "telegram" => Box::new(targets::TelegramChat {
            api: out.telegram.clone().ok_or_else(|| missing(name, &who))?,
            chat_id: t.chat_id.clone().unwrap_or_default(),
        }),
        "matrix" => Box::new(targets::MatrixRoom {
            api: out.matrix.clone().ok_or_else(|| missing(name, &who))?,
            room_id: t.room_id.clone().unwrap_or_default(),
        }),
        "onebot" => Box::new(targets::OneBotChat {
            api: out.onebot.clone().ok_or_else(|| missing(name, &who))?,
            group_id: t.group_id.clone(),
            user_id: t.user_id.clone(),
        }),
        _ => Box::new(targets::WecomApp {
            api: out.wecom.clone().ok_or_else(|| missing(name, &who))?,
            to_user: t.to_user.clone().unwrap_or_default(),
            to_party: t.to_party.clone().unwrap_or_default(),
            to_tag: t.to_tag.clone().unwrap_or_default(),
        }),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_checked_per_platform_and_typos_named() {
        let v: toml::Value = toml::from_str(
            "digest_min = 5\n[telegram]\nchat_id = -1001234\n[onebot]\nuser_id = 10001\n[matrix]\nroom_id = \"!o:x\"\ndigest_min = 0\n",
        )
        .unwrap();
        let c = DeliverConfig::from_toml(&v).unwrap();
        assert_eq!(c.telegram.as_ref().unwrap().chat_id.as_deref(), Some("-1001234"));
        assert_eq!(c.onebot.as_ref().unwrap().user_id.as_deref(), Some("10001"));
        assert_eq!(c.targets().len(), 3);
        let bad = |text: &str| DeliverConfig::from_toml(&toml::from_str(text).unwrap()).unwrap_err().to_string();
        let e = bad("digest_mins = 5\n");
        assert!(e.contains("[alerts.deliver]") && e.contains("digest_mins"), "{e}");
        let e = bad("[telegram]\nroom_id = \"!x\"\n");
        assert!(e.contains("[alerts.deliver.telegram]") && e.contains("room_id"), "{e}");
        let e = bad("[matrix]\ndigest_min = 1\n");
        assert!(e.contains("needs room_id"), "{e}");
        let e = bad("[wecom]\nto_user = \"@all\"\nplatforms = [\"icq\"]\n");
        assert!(e.contains("icq"), "{e}");
        let e = bad("[telegram]\nchat = 1\n");
        assert!(e.contains("chat"), "{e}");
    }

    #[test]
    fn a_chat_target_without_credentials_names_what_to_set() {
        let v: toml::Value = toml::from_str("[matrix]\nroom_id = \"!o:x\"\n").unwrap();
        let c = DeliverConfig::from_toml(&v).unwrap();
        let err = Deliveries::start(&AlertSettings::default(), None, &c, &Outbound::default(), Duration::from_secs(1))
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("[alerts.deliver.matrix]") && err.contains("[outbound.matrix]"), "{err}");
    }
}
