//! The diagnosis of a chat group (METHOD §1–4, §6, §9–11): life status, lifespan,
//! temporary groups, lifecycle stage, roles, key people, network, emotion, churn and
//! one recommended action, each with the numbers and messages behind it.
//!
//! Pure functions: a [`Timeline`], its reply links and content labels, the
//! [`Settings`] and an as-of instant in; a [`Diagnosis`] out. No I/O, deterministic.

mod churn;
mod facts;
mod key_people;
mod network;
mod portfolio;
mod roles;
mod settings;
mod stage;
mod status;
mod status_history;
mod triage;

pub use churn::{Churn, Cohort, Emotion, LeaveSpike, WeekCount, COHORT_WEEKS};
/// How each member counts (operator, bot or member), as every part of the diagnosis reads it.
pub use facts::Class as MemberClass;
pub use key_people::{KeyBasis, KeyLoss, KeyPeople, KeyPerson};
pub use network::{freeman, Network, Structure};
pub use portfolio::{diagnose_portfolio, diagnose_timelines, summarize, GroupInput, Portfolio, PortfolioSummary};
pub use roles::{MemberRole, Role, RoleMix};
pub use settings::Settings;
pub use stage::{Stage, StageSignals, StageVerdict};
pub use status::{rule as status_rule, Lifespan, Status, StatusCounts, StatusEvidence, Temporary};
pub use status_history::WeekStatus;
pub use triage::{Action, Content, Migrant, Responsiveness, Triage};

/// Each member's class by the diagnosis's rules (platform flags, the `operators` and `bots`
/// settings, senders of mostly mechanical pushes): what others that count "member messages"
/// (the early warning) must agree with.
pub fn member_classes(t: &Timeline, labels: &[ContentLabel], settings: &Settings) -> Vec<MemberClass> {
    let labels: Vec<ContentLabel> = (0..t.messages.len()).map(|i| labels.get(i).copied().unwrap_or_default()).collect();
    facts::classify(t, &labels, settings)
}

use serde::{Deserialize, Serialize};
use shequn_model::{rfc3339_utc, ContentLabel, Link, Timeline};

use facts::{Facts, DAY_MS};

/// Everything the diagnosis says about one group at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub group_id: i64,
    pub group: String,
    pub platform: String,
    pub as_of: String,
    pub status: Status,
    /// The status at the end of every week from the first member message (METHOD §1),
    /// oldest first; the last entry is `status`. Absent in reports written before it existed.
    #[serde(default)]
    pub status_history: Vec<WeekStatus>,
    /// The stage of a living (alive or declining) group; None otherwise.
    pub stage: Option<Stage>,
    pub stage_detail: Option<StageVerdict>,
    pub evidence: StatusEvidence,
    pub lifespan: Lifespan,
    pub temporary: Temporary,
    pub key_people: KeyPeople,
    pub roles: RoleMix,
    pub network: Network,
    pub emotion: Emotion,
    pub churn: Churn,
    pub content: Content,
    /// From the reply analysis, when it ran (METHOD §5).
    pub responsiveness: Option<Responsiveness>,
    pub triage: Triage,
    /// True when content labels were given (ads, pushes, value and emotion are measured).
    pub labels_present: bool,
    /// The settings this diagnosis used.
    pub settings: Settings,
}

/// Diagnoses one group as of `as_of_ms`. `links` may be empty (explicit `reply_to`
/// links are used then) and `labels` may be empty (ads, pushes, emotion unmeasured).
pub fn diagnose(
    t: &Timeline,
    links: &[Link],
    labels: &[ContentLabel],
    settings: &Settings,
    as_of_ms: i64,
) -> Diagnosis {
    let f = Facts::new(t, links, labels, settings, as_of_ms);
    let labels_present = labels.iter().any(|l| *l != ContentLabel::default());
    let from = as_of_ms - i64::from(settings.roles_window_days) * DAY_MS;
    let (status, evidence) = status::status(&f);
    let status_history = status_history::status_history(&f);
    let lifespan = status::lifespan(&f, status);
    let temporary = status::temporary(&f);
    let network = network::network(&f, from);
    let key_people = key_people::key_people(&f, from);
    let roles = roles::roles(&f, from);
    let stage_detail = status.is_living().then(|| stage::stage(&f, from, &network, &key_people, labels_present));
    let emotion = churn::emotion(&f, labels_present);
    let churn = churn::churn(&f);
    let content = triage::content(&f, from);
    let mut d = Diagnosis {
        group_id: t.group.id,
        group: t.group.name.clone(),
        platform: t.group.platform.as_str().to_string(),
        as_of: rfc3339_utc(as_of_ms),
        status,
        status_history,
        stage: stage_detail.as_ref().map(|s| s.stage),
        stage_detail,
        evidence,
        lifespan,
        temporary,
        key_people,
        roles,
        network,
        emotion,
        churn,
        content,
        responsiveness: None,
        triage: Triage {
            action: Action::Keep,
            reason_en: String::new(),
            reason_zh: String::new(),
            migration: Vec::new(),
        },
        labels_present,
        settings: settings.clone(),
    };
    d.triage = run_triage(&f, &d);
    d
}

fn run_triage(f: &Facts, d: &Diagnosis) -> Triage {
    let known = d.roles.silent_share.map(|_| {
        d.roles.counts.iter().filter(|(r, _)| !matches!(r.as_str(), "bot" | "operator")).map(|(_, n)| n).sum::<u32>()
    });
    let speakers = d.roles.members.iter().filter(|m| !matches!(m.role, Role::Bot | Role::Operator)).count() as u32;
    // Days of the last 28 on which something of value was posted (seed 000: deliver daily).
    let value_days = (d.labels_present && d.content.messages > 0).then(|| {
        let mut days: Vec<i64> = f
            .range(f.as_of_ms - 28 * DAY_MS, f.as_of_ms)
            .filter(|&i| f.labels[i].value.is_some())
            .map(|i| f.day(f.t.messages[i].time_ms))
            .collect();
        days.dedup();
        days.len() as u32
    });
    triage::triage(
        f,
        &triage::TriageInput {
            status: d.status,
            temporary: d.temporary.temporary,
            stage: d.stage,
            content: &d.content,
            responsiveness: d.responsiveness.as_ref(),
            known_members: known,
            speakers,
            value_days,
            weeks_dormant: d.status_history.iter().rev().take_while(|w| w.status == Status::Dormant).count() as u32,
            insufficient_coverage: status::coverage(f).filter(|c| c.insufficient).map(|c| (c.days, c.needed_days)),
        },
    )
}

impl Diagnosis {
    /// Plugs in the reply analysis's responsiveness (METHOD §5) and re-runs the triage,
    /// so unanswered bids can make the action "respond".
    pub fn with_responsiveness(
        mut self,
        t: &Timeline,
        links: &[Link],
        labels: &[ContentLabel],
        as_of_ms: i64,
        r: Responsiveness,
    ) -> Diagnosis {
        self.responsiveness = Some(r);
        let settings = self.settings.clone();
        let f = Facts::new(t, links, labels, &settings, as_of_ms);
        self.triage = run_triage(&f, &self);
        self
    }

    pub fn action(&self) -> Action {
        self.triage.action
    }
}

#[cfg(test)]
mod tests;
