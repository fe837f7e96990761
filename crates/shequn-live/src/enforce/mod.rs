//! Enforcement execution: carrying out what a decision asked for on one message (delete it,
//! post a warning, mute or kick its sender) through the platform's own API, or, in dry-run,
//! only saying what would be called. Every step's outcome is logged and kept in the archive
//! (`enforcement_actions`, keyed by the message); the message itself stays in the archive.
//!
//! Deciding *whether* to act (policies, allow-lists, escalation) is not done here: callers
//! hand an [`EnforcementAction`] in. The work runs on its own thread behind a bounded queue,
//! so a platform that hangs never holds up ingestion or alerting.

pub mod actors;

use std::collections::HashMap;
use std::path::Path;
use std::sync::mpsc::{sync_channel, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use shequn_alerts::GroupRef;
use shequn_archive::{Archive, EnforcementRow};
use shequn_model::Platform;

use crate::delivery::runner::with_retries;
use crate::ingest::Ingest;
use crate::outbound::CallError;
use crate::source::now_ms;

/// One step of an enforcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// Remove the message from the chat (Telegram `deleteMessage`, OneBot `delete_msg`, Matrix redaction).
    Delete,
    /// Post this text in the group (a short warning quoting the rule, both languages).
    Warn { text: String },
    /// Take the sender's right to speak for this long (Matrix: proposed only).
    Mute { minutes: u32 },
    /// Remove the sender from the group.
    Kick,
}

impl Step {
    pub fn name(&self) -> &'static str {
        match self {
            Step::Delete => "delete",
            Step::Warn { .. } => "warn",
            Step::Mute { .. } => "mute",
            Step::Kick => "kick",
        }
    }
}

/// What to do about one message: which group, which message, whose, which steps, and whether
/// only to record what would be done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EnforcementAction {
    pub group: GroupRef,
    /// The platform's id of the message (the archive key without `m:`): a Telegram message
    /// id (`bot<id>` in a basic group), a Matrix event id, a OneBot message id.
    pub message_id: String,
    /// The sender's platform id as stored (`user<id>` on Telegram, an MXID, a QQ number).
    pub sender: String,
    pub steps: Vec<Step>,
    /// Only log and record what would be called (the default for every group until an
    /// operator turns enforcement on).
    pub dry_run: bool,
    /// The alert that asked for this, if any.
    pub alert_key: Option<String>,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The platform did it.
    Done,
    /// Dry-run: nothing was called.
    Would,
    /// The platform cannot do this step; it is left to an operator (Matrix mutes).
    Proposed,
    /// The platform said no (no rights, message gone): an operator must look.
    Refused,
    /// No answer after the attempts.
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Done => "done",
            Outcome::Would => "would",
            Outcome::Proposed => "proposed",
            Outcome::Refused => "refused",
            Outcome::Failed => "failed",
        }
    }
}

/// One step's result, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepOutcome {
    pub step: String,
    pub outcome: Outcome,
    /// What was (or would be) called, or the platform's answer.
    pub detail: String,
}

/// What an actor did with a step it was able to take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Acted {
    Done,
    /// Not possible on this platform: what an operator should do instead.
    Proposed(String),
}

/// One platform's hands: each method is one API call (or a proposal), blocking.
pub trait Actor: Send + Sync {
    /// The call a step makes, in words (for dry-run logs and records).
    fn describe(&self, a: &EnforcementAction, step: &Step) -> String;
    fn delete(&self, a: &EnforcementAction) -> Result<Acted, CallError>;
    fn warn(&self, a: &EnforcementAction, text: &str) -> Result<Acted, CallError>;
    fn mute(&self, a: &EnforcementAction, minutes: u32) -> Result<Acted, CallError>;
    fn kick(&self, a: &EnforcementAction) -> Result<Acted, CallError>;
}

/// Runs one step with `actor`, retrying what is worth retrying.
pub fn run_step(
    actor: &dyn Actor,
    a: &EnforcementAction,
    step: &Step,
    attempts: u32,
    first_retry: Duration,
) -> StepOutcome {
    let name = step.name().to_string();
    if a.dry_run {
        return StepOutcome { step: name, outcome: Outcome::Would, detail: actor.describe(a, step) };
    }
    let mut acted = Acted::Done;
    let result = with_retries(attempts, first_retry, Duration::from_secs(30), || {
        acted = match step {
            Step::Delete => actor.delete(a)?,
            Step::Warn { text } => actor.warn(a, text)?,
            Step::Mute { minutes } => actor.mute(a, *minutes)?,
            Step::Kick => actor.kick(a)?,
        };
        Ok(())
    });
    match (result, acted) {
        (Ok(()), Acted::Done) => StepOutcome { step: name, outcome: Outcome::Done, detail: actor.describe(a, step) },
        (Ok(()), Acted::Proposed(what)) => StepOutcome { step: name, outcome: Outcome::Proposed, detail: what },
        (Err((CallError::Refused(why), _)), _) => StepOutcome { step: name, outcome: Outcome::Refused, detail: why },
        (Err((e, tried)), _) => {
            StepOutcome { step: name, outcome: Outcome::Failed, detail: format!("{e} (after {tried} attempts)") }
        }
    }
}

/// A queued action and where its outcomes go.
struct Job {
    action: EnforcementAction,
    done: Option<tokio::sync::oneshot::Sender<Vec<StepOutcome>>>,
}

/// The enforcement thread's handle: actors by platform, a bounded queue.
#[derive(Clone)]
pub struct Enforcer {
    tx: SyncSender<Job>,
    platforms: Arc<Vec<Platform>>,
}

/// Why an action was not queued.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubmitError {
    #[error("enforcement is behind (its queue is full); the action was not taken")]
    Full,
    #[error("no enforcement actor for {0}: configure [outbound.{0}]")]
    NoActor(String),
    #[error("the enforcement thread has stopped")]
    Stopped,
}

impl Enforcer {
    /// Starts the thread. `runtime` is where the archive writes are awaited (the service's).
    pub fn start(
        actors: HashMap<Platform, Arc<dyn Actor>>,
        ingest: Ingest,
        runtime: tokio::runtime::Handle,
        queue: usize,
        attempts: u32,
        first_retry: Duration,
    ) -> anyhow::Result<Enforcer> {
        let (tx, rx) = sync_channel::<Job>(queue.max(1));
        let platforms = Arc::new(actors.keys().copied().collect());
        let db = ingest.path().to_path_buf();
        std::thread::Builder::new().name("shequn-enforce".into()).spawn(move || {
            for job in rx {
                let Some(actor) = actors.get(&job.action.group.platform) else { continue };
                let outcomes = execute(&**actor, &job.action, attempts, first_retry);
                let rows = rows_of(&db, &job.action, &outcomes);
                if let Err(e) = runtime.block_on(ingest.enforcement(rows)) {
                    eprintln!("shequn live: cannot record enforcement of {}: {e}", job.action.message_id);
                }
                if let Some(done) = job.done {
                    let _ = done.send(outcomes);
                }
            }
        })?;
        Ok(Enforcer { tx, platforms })
    }

    /// Builds the actors for every platform `[outbound]` configures (Telegram, Matrix, OneBot).
    pub fn actors(out: &crate::outbound::Outbound) -> HashMap<Platform, Arc<dyn Actor>> {
        let mut m: HashMap<Platform, Arc<dyn Actor>> = HashMap::new();
        if let Some(api) = &out.telegram {
            m.insert(Platform::Telegram, Arc::new(actors::TelegramActor { api: api.clone() }));
        }
        if let Some(api) = &out.matrix {
            m.insert(Platform::Matrix, Arc::new(actors::MatrixActor { api: api.clone() }));
        }
        if let Some(api) = &out.onebot {
            m.insert(Platform::Qq, Arc::new(actors::OneBotActor { api: api.clone() }));
        }
        m
    }

    /// Queues an action without waiting; the receiver gets each step's outcome once it is
    /// done and recorded.
    pub fn submit(
        &self,
        action: EnforcementAction,
    ) -> Result<tokio::sync::oneshot::Receiver<Vec<StepOutcome>>, SubmitError> {
        if !self.platforms.contains(&action.group.platform) {
            return Err(SubmitError::NoActor(action.group.platform.as_str().to_string()));
        }
        let (done, rx) = tokio::sync::oneshot::channel();
        match self.tx.try_send(Job { action, done: Some(done) }) {
            Ok(()) => Ok(rx),
            Err(TrySendError::Full(_)) => Err(SubmitError::Full),
            Err(TrySendError::Disconnected(_)) => Err(SubmitError::Stopped),
        }
    }
}

/// Every step in order, each logged in both languages. A step that fails does not stop the
/// next (a warning is still worth posting when the deletion was refused).
pub fn execute(actor: &dyn Actor, a: &EnforcementAction, attempts: u32, first_retry: Duration) -> Vec<StepOutcome> {
    let mut out = Vec::new();
    for step in &a.steps {
        let o = run_step(actor, a, step, attempts, first_retry);
        let (zh, en) = match o.outcome {
            Outcome::Done => ("已执行", "done"),
            Outcome::Would => ("演练，未执行", "dry-run, would do"),
            Outcome::Proposed => ("平台不支持，建议人工处理", "proposed to an operator"),
            Outcome::Refused => ("平台拒绝", "refused by the platform"),
            Outcome::Failed => ("失败", "failed"),
        };
        eprintln!(
            "shequn live: enforcement 执行 in 「{}」 on {} by {}: {} — {zh} / {en}: {}",
            a.group.name, a.message_id, a.sender, o.step, o.detail
        );
        out.push(o);
    }
    out
}

fn rows_of(db: &Path, a: &EnforcementAction, outcomes: &[StepOutcome]) -> Vec<EnforcementRow> {
    let group_id = Archive::open_readonly(db)
        .ok()
        .and_then(|ar| ar.group_id(a.group.platform.as_str(), &a.group.platform_id).ok().flatten());
    let at = now_ms();
    outcomes
        .iter()
        .map(|o| EnforcementRow {
            group_id,
            platform: a.group.platform.as_str().to_string(),
            group_platform_id: a.group.platform_id.clone(),
            message_key: format!("m:{}", a.message_id),
            sender: a.sender.clone(),
            action: o.step.clone(),
            dry_run: a.dry_run,
            outcome: o.outcome.as_str().to_string(),
            detail: o.detail.clone(),
            alert_key: a.alert_key.clone(),
            at_ms: at,
        })
        .collect()
}
