//! Alerts on live groups (METHOD §5, seed 000): a task that listens to every commit, keeps
//! one [`shequn_alerts::GroupWatch`] per group, ticks them every 200 ms, stores each alert
//! once in the archive (through the writer), hands each stored change to the delivery
//! targets ([`crate::delivery`]: the signed webhook, operators' chats), and serves `GET /api/alerts`, `POST /api/alerts/{key}/ack` behind the dashboard's token.
//!
//! It never holds up ingestion: it reads the writer's broadcast (a lagging listener misses
//! commits rather than slowing the writer; it then starts its watches again from the
//! archive), and each delivery target has its own thread behind a bounded queue.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use shequn_alerts::{AlertChange, AlertSettings, GroupRef, GroupWatch, Seed, WatchConfig, Watches};
use shequn_archive::{AlertRow, Archive};
use shequn_model::Record;
use shequn_replies::{ReplySettings, ResponsivenessSettings};
use tokio::sync::broadcast::error::RecvError;

use crate::dashboard::Dashboard;
use crate::delivery::{DeliverConfig, Deliveries};
use crate::ingest::{AlertDone, AlertOp, Committed, Ingest};
use crate::source::now_ms;

/// What the alerting task runs with.
#[derive(Clone)]
pub struct Alerting {
    settings: AlertSettings,
    replies: ReplySettings,
    responsiveness: ResponsivenessSettings,
    /// The webhook's signing secret (read from `webhook_secret_env`).
    secret: Option<Vec<u8>>,
    /// The pause before the first retry (doubling after); tests shorten it.
    pub first_retry: Duration,
    /// What the content and health rules read: the diagnosis thresholds, the content ones and
    /// the ad policies (the dashboard's `--settings` / `--ad-policy`).
    rules: Option<(shequn_diagnosis::Settings, shequn_content::ContentSettings, shequn_content::PolicyBook)>,
    enforce: shequn_alerts::EnforceSettings,
    /// `[alerts.deliver]` and the platform clients its chat targets use.
    deliver: DeliverConfig,
    outbound: crate::outbound::Outbound,
    /// Targets built by the caller (replacing the ones the settings describe).
    deliveries: Option<Deliveries>,
}

impl Alerting {
    /// Reads the webhook's secret from the environment: a missing one stops the service
    /// before it listens, naming the variable.
    pub fn new(
        settings: &AlertSettings,
        replies: ReplySettings,
        responsiveness: ResponsivenessSettings,
    ) -> anyhow::Result<Alerting> {
        let secret = match (&settings.webhook_url, &settings.webhook_secret_env) {
            (Some(_), Some(var)) => Some(crate::config::secret(var, "[alerts] webhook_secret_env")?.into_bytes()),
            _ => None,
        };
        Ok(Alerting::with_secret(settings, replies, responsiveness, secret))
    }

    /// As [`Alerting::new`] with the secret given (tests).
    pub fn with_secret(
        settings: &AlertSettings,
        replies: ReplySettings,
        responsiveness: ResponsivenessSettings,
        secret: Option<Vec<u8>>,
    ) -> Alerting {
        Alerting {
            settings: settings.clone(),
            replies,
            responsiveness,
            secret,
            first_retry: Duration::from_secs(1),
            rules: None,
            enforce: shequn_alerts::EnforceSettings::default(),
            deliver: DeliverConfig::default(),
            outbound: crate::outbound::Outbound::default(),
            deliveries: None,
        }
    }

    /// The analysis settings of the content and health rules (ads, ad policy, pushes, key
    /// people, status, leave spikes); without them the batch defaults and no ad policy.
    pub fn with_rules(
        mut self,
        diagnosis: shequn_diagnosis::Settings,
        content: shequn_content::ContentSettings,
        policies: shequn_content::PolicyBook,
    ) -> Alerting {
        self.rules = Some((diagnosis, content, policies));
        self
    }

    /// The `[enforce]` table: enforced groups get an enforcement decision per ad-policy
    /// violation (carrying it out is not this task's job; it prints each decision).
    pub fn with_enforce(mut self, enforce: shequn_alerts::EnforceSettings) -> Alerting {
        self.enforce = enforce;
        self
    }

    /// Adds the operators' chats of `[alerts.deliver]`, called through `outbound`'s clients.
    pub fn with_delivery(mut self, deliver: &DeliverConfig, outbound: &crate::outbound::Outbound) -> Alerting {
        self.deliver = deliver.clone();
        self.outbound = outbound.clone();
        self
    }

    /// Uses targets the caller started (tests, the benchmark) instead of the configured ones.
    pub fn with_deliveries(mut self, deliveries: Deliveries) -> Alerting {
        self.deliveries = Some(deliveries);
        self
    }

    /// Starts the configured targets' threads: the webhook and each operators' chat. A chat
    /// target whose platform has no credentials is an error naming what to set.
    pub fn start_deliveries(&self) -> anyhow::Result<Deliveries> {
        if let Some(d) = &self.deliveries {
            return Ok(d.clone());
        }
        if !self.settings.enabled {
            return Ok(Deliveries::default());
        }
        Deliveries::start(&self.settings, self.secret.as_deref(), &self.deliver, &self.outbound, self.first_retry)
    }

    /// Starts the task on the current runtime. It subscribes at once, so call it before any
    /// source can deliver; it ends when `shutdown` flips or the writer stops.
    pub fn spawn(&self, ingest: Ingest, shutdown: tokio::sync::watch::Receiver<bool>) -> tokio::task::JoinHandle<()> {
        let rx = ingest.committed.subscribe();
        let deliveries = self.start_deliveries().unwrap_or_else(|e| {
            eprintln!("shequn live: alert delivery not started: {e:#}; alerts stay on /api/alerts / 告警发送未启动");
            Deliveries::default()
        });
        let mut watches = Watches::new(self.settings.clone(), self.replies.clone(), self.responsiveness.clone())
            .with_enforce(self.enforce.clone())
            .ignoring(self.deliver.operator_chats());
        if let Some((d, c, p)) = &self.rules {
            watches = watches.with_analysis(d.clone(), c.clone(), p.clone());
        }
        let task = Task { watches, group_ids: HashMap::new(), db: ingest.path().to_path_buf(), ingest, deliveries };
        tokio::spawn(task.run(rx, shutdown))
    }
}

/// How often waits are checked: an alert leaves at most this long after its wait elapsed
/// (the benchmark's alert latency target is p99 ≤ 1 s, so well under a second).
const TICK: Duration = Duration::from_millis(200);

struct Task {
    watches: Watches,
    /// Archive ids of the watched groups, by `<platform>:<platform id>`.
    group_ids: HashMap<String, i64>,
    db: PathBuf,
    ingest: Ingest,
    /// Where stored changes go (each target on its own thread; offering never waits).
    deliveries: Deliveries,
}

impl Task {
    async fn run(
        mut self,
        mut rx: tokio::sync::broadcast::Receiver<Committed>,
        mut stop: tokio::sync::watch::Receiver<bool>,
    ) {
        if !self.watches.settings().enabled {
            return;
        }
        // Groups that spoke lately may have a wait running (the service was restarted between
        // a greeting and its deadline): watch them now, not at their next message.
        let db = self.db.clone();
        let since = now_ms() - 2 * self.longest_wait();
        let recent = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<GroupRef>> {
            let archive = Archive::open_readonly(&db)?;
            Ok(archive
                .groups_active_since(since)?
                .into_iter()
                .filter_map(|(_, p, id, name)| {
                    Some(GroupRef { platform: shequn_model::Platform::parse(&p)?, platform_id: id, name })
                })
                .collect())
        })
        .await;
        match recent {
            Ok(Ok(groups)) if !groups.is_empty() => self.start(groups).await,
            Ok(Err(e)) => eprintln!("shequn live: alerts cannot read the archive: {e:#}"),
            _ => {}
        }
        let mut every = tokio::time::interval(TICK);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                r = rx.recv() => match r {
                    Ok(c) => self.committed(&c.records).await,
                    Err(RecvError::Lagged(n)) => {
                        eprintln!("shequn live: alerts missed {n} commits (busy); watches start again from the archive / 告警跟不上，从存档重新开始");
                        let groups = self.watches.groups();
                        self.watches.clear();
                        self.start(groups).await;
                    }
                    Err(RecvError::Closed) => break,
                },
                _ = every.tick() => {
                    for change in self.watches.tick(now_ms()) {
                        self.record(change).await;
                    }
                    // Enforcement decisions are carried out elsewhere; here they are only said.
                    for e in self.watches.take_enforcements() {
                        eprintln!(
                            "shequn live: enforcement{} / 执行{}: {} — {} ({}) — {:?}",
                            if e.dry_run { " (dry run)" } else { "" },
                            if e.dry_run { "（演练）" } else { "" },
                            e.group.name,
                            e.sender_name,
                            e.rule_en,
                            e.actions
                        );
                    }
                }
                _ = stop.changed() => break,
            }
        }
    }

    /// The longest wait of any group (overrides included).
    fn longest_wait(&self) -> i64 {
        let s = self.watches.settings();
        let mut min = s.newcomer_wait_min.max(s.question_wait_min);
        for g in s.groups.values() {
            min = min.max(g.newcomer_wait_min.unwrap_or(0)).max(g.question_wait_min.unwrap_or(0));
        }
        i64::from(min) * 60_000
    }

    /// Feeds one commit's records, starting each group seen for the first time from the
    /// archive (which already holds this commit: its records are then recognised, not doubled).
    async fn committed(&mut self, records: &[Record]) {
        let mut unseen = Vec::new();
        for r in records {
            if let Record::Group(g) = r {
                if self.watches.get(g.platform, &g.platform_id).is_none()
                    && !self.watches.ignores(g.platform, &g.platform_id)
                {
                    unseen.push(GroupRef {
                        platform: g.platform,
                        platform_id: g.platform_id.clone(),
                        name: g.name.clone(),
                    });
                }
            }
        }
        if !unseen.is_empty() {
            self.start(unseen).await;
        }
        self.watches.push(records, &mut |_, _| None);
    }

    /// Starts watches from the archive's copy of each group (off the runtime's threads).
    async fn start(&mut self, groups: Vec<GroupRef>) {
        let cfgs: Vec<(GroupRef, WatchConfig)> =
            groups.into_iter().map(|g| (g.clone(), self.watches.config_for(&g))).collect();
        let db = self.db.clone();
        let now = now_ms();
        let built = tokio::task::spawn_blocking(move || resume_all(&db, cfgs, now)).await;
        match built {
            Ok(Ok(list)) => {
                for (w, id) in list {
                    if let Some(id) = id {
                        self.group_ids.insert(w.group().key(), id);
                    }
                    self.watches.insert(w);
                }
            }
            Ok(Err(e)) => eprintln!("shequn live: alerts cannot read the archive: {e:#}"),
            Err(e) => eprintln!("shequn live: alerts: {e}"),
        }
    }

    /// Stores one change (once) and hands it to the delivery targets if it changed anything.
    async fn record(&mut self, change: AlertChange) {
        let a = change.alert();
        let evidence = serde_json::to_string(a).unwrap_or_default();
        let op = match &change {
            AlertChange::Opened(a) => AlertOp::Insert(AlertRow {
                key: a.key.clone(),
                group_id: self.group_ids.get(&a.group.key()).copied(),
                kind: a.kind.as_str().to_string(),
                state: a.state.as_str().to_string(),
                opened_ms: a.opened_ms,
                resolved_ms: None,
                acked_ms: None,
                evidence,
            }),
            AlertChange::Resolved(a) => AlertOp::Resolve {
                key: a.key.clone(),
                at_ms: a.resolution.as_ref().map_or(a.opened_ms, |r| r.at_ms),
                evidence,
            },
        };
        match self.ingest.alert(op).await {
            Ok(AlertDone::Changed(true)) => {
                eprintln!("shequn live: {} / {}", text_zh(&change), text_en(&change));
                self.deliveries.offer(&change);
            }
            Ok(_) => {}
            Err(e) => eprintln!("shequn live: cannot store alert {}: {e}", change.key()),
        }
    }
}

fn text_zh(c: &AlertChange) -> &str {
    match c {
        AlertChange::Opened(a) => &a.text_zh,
        AlertChange::Resolved(a) => a.resolution.as_ref().map_or(&a.text_zh, |r| &r.text_zh),
    }
}

fn text_en(c: &AlertChange) -> &str {
    match c {
        AlertChange::Opened(a) => &a.text_en,
        AlertChange::Resolved(a) => a.resolution.as_ref().map_or(&a.text_en, |r| &r.text_en),
    }
}

/// Watches for `groups` from the archive at `db`: each group's recent tail, its members and
/// joins, and the alert keys already stored for it. A group the archive does not hold starts empty.
fn resume_all(
    db: &Path,
    groups: Vec<(GroupRef, WatchConfig)>,
    now: i64,
) -> anyhow::Result<Vec<(GroupWatch, Option<i64>)>> {
    let archive = Archive::open_readonly(db)?;
    let mut out = Vec::new();
    for (mut g, cfg) in groups {
        let Some(id) = archive.group_id(g.platform.as_str(), &g.platform_id)? else {
            out.push((GroupWatch::new(g, cfg), None));
            continue;
        };
        let t = archive.timeline(id)?;
        if g.name.is_empty() {
            g.name = t.group.name.clone();
        }
        let raised = archive.alert_keys(&format!("{}:", g.key()))?;
        let seed = Seed { timeline: &t, now_ms: now, raised };
        let w = GroupWatch::resume(g, cfg, seed, &mut |m| archive.message_platform_id(m.id).ok().flatten());
        out.push((w, Some(id)));
    }
    Ok(out)
}

/// `GET /api/alerts?state=open|resolved|acknowledged|all` and `POST /api/alerts/{key}/ack`,
/// behind the dashboard's token.
pub fn router(ingest: &Ingest, dashboard: Dashboard) -> Router {
    let state = Api { db: ingest.path().to_path_buf(), ingest: ingest.clone(), dashboard };
    Router::new().route("/api/alerts", get(list)).route("/api/alerts/{key}/ack", post(ack)).with_state(state)
}

#[derive(Clone)]
struct Api {
    db: PathBuf,
    ingest: Ingest,
    dashboard: Dashboard,
}

/// A stored alert as the API shows it: its evidence, with the state and times the archive
/// holds now (an acknowledgement does not rewrite the evidence).
pub(crate) fn shown(r: &AlertRow) -> Value {
    let mut v: Value = serde_json::from_str(&r.evidence).unwrap_or_else(|_| json!({}));
    if let Some(o) = v.as_object_mut() {
        o.insert("key".into(), json!(r.key));
        o.insert("state".into(), json!(r.state));
        o.insert("group_id".into(), json!(r.group_id));
        o.insert("resolved_ms".into(), json!(r.resolved_ms));
        o.insert("acked_ms".into(), json!(r.acked_ms));
    }
    v
}

async fn list(State(s): State<Api>, Query(q): Query<HashMap<String, String>>, h: HeaderMap) -> Response {
    if let Some(refused) = s.dashboard.refuse(&h) {
        return refused;
    }
    let state = match q.get("state").map(String::as_str).unwrap_or("open") {
        "all" => None,
        st @ ("open" | "resolved" | "acknowledged") => Some(st.to_string()),
        other => {
            return crate::source::bad_request(format!(
                "state must be open, resolved, acknowledged or all, not {other:?}"
            ))
        }
    };
    let db = s.db.clone();
    let rows = tokio::task::spawn_blocking(move || -> anyhow::Result<Vec<AlertRow>> {
        Ok(Archive::open_readonly(&db)?.alerts(state.as_deref(), 1000)?)
    })
    .await;
    match rows {
        Ok(Ok(rows)) => Json(rows.iter().map(shown).collect::<Vec<_>>()).into_response(),
        Ok(Err(e)) => (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": format!("{e:#}")}))).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, Json(json!({"error": e.to_string()}))).into_response(),
    }
}

async fn ack(State(s): State<Api>, UrlPath(key): UrlPath<String>, h: HeaderMap) -> Response {
    if let Some(refused) = s.dashboard.refuse(&h) {
        return refused;
    }
    match s.ingest.alert(AlertOp::Ack { key: key.clone(), at_ms: now_ms() }).await {
        Ok(AlertDone::Row(Some(r))) => Json(shown(&r)).into_response(),
        Ok(_) => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": format!("no alert {key:?}; list them at /api/alerts?state=all")})),
        )
            .into_response(),
        Err(e) => crate::source::error_response(&e),
    }
}
