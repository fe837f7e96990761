//! `shequn group NAME_OR_ID`: one group's diagnosis (METHOD §1–4, §6, §9–11),
//! bilingual text or one JSON object. Also the shared pieces `groups` uses:
//! settings from `--config`, the as-of instant, and diagnosing every group in parallel.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use rayon::prelude::*;
use shequn_archive::Archive;
use shequn_content::{ContentSettings, PolicyBook};
use shequn_diagnosis::{diagnose, Diagnosis, Settings};
use shequn_model::Timeline;
use shequn_replies::responsiveness::BidStatus;
use shequn_replies::{ReplySettings, Responsiveness, ResponsivenessSettings, Weights};

use super::Cli;

/// Diagnose one group (诊断): life status, stage, key people, roles, network, churn and the action to take.
#[derive(clap::Args)]
pub struct Args {
    /// The group's archive id, platform id, or (part of) its name.
    pub group: String,
    /// Diagnose as of this instant (RFC 3339). Default: the end of what the group's imported
    /// sources cover (their last message), so each export is judged at its own end.
    #[arg(long, value_name = "RFC3339")]
    pub as_of: Option<String>,
    #[command(flatten)]
    pub config: ConfigArgs,
    /// Also write every bid (question, newcomer's first message, thread starter) with its
    /// first response to this CSV file (UTF-8 with BOM), for checking by hand.
    #[arg(long, value_name = "FILE")]
    pub bids: Option<PathBuf>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// The files every analysing command reads besides the archive.
#[derive(clap::Args, Clone, Default)]
pub struct ConfigArgs {
    /// A TOML file overriding thresholds: diagnosis names at the top, the other analyses under
    /// [content], [replies], [responsiveness]; keys not given keep their defaults (the JSON
    /// output lists every setting used).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Ad policies (TOML: `[default]` and `[groups."name"]` tables, or one bare policy);
    /// ads that break a group's policy are listed as violations.
    #[arg(long, value_name = "FILE")]
    pub ad_policy: Option<PathBuf>,
}

impl ConfigArgs {
    pub fn load(&self) -> anyhow::Result<AnalysisConfig> {
        AnalysisConfig::load(self.config.as_deref(), self.ad_policy.as_deref())
    }
}

/// Everything a run of the analyses reads besides the timeline. The `--config` file holds
/// the diagnosis thresholds at the top level and the other analyses' in `[content]`,
/// `[replies]` and `[responsiveness]` tables; every key is optional.
#[derive(Clone, Default)]
pub struct AnalysisConfig {
    pub settings: Settings,
    pub content: ContentSettings,
    pub replies: ReplySettings,
    pub responsiveness: ResponsivenessSettings,
    pub ad_policies: PolicyBook,
}

impl AnalysisConfig {
    /// Thresholds from `--config` and ad policies from `--ad-policy`, each optional.
    pub fn load(config: Option<&Path>, ad_policy: Option<&Path>) -> anyhow::Result<AnalysisConfig> {
        let mut loaded = match config {
            None => AnalysisConfig::default(),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the settings file {}", path.display()))?;
                AnalysisConfig::from_toml(&text).map_err(|e| {
                    anyhow::anyhow!(
                        "{}: {e}\nhint: settings are `name = value` lines; diagnosis names are in the `settings` object of `shequn group --json`, the others under [content], [replies] and [responsiveness]",
                        path.display()
                    )
                })?
            }
        };
        let ad_policies = match ad_policy {
            None => PolicyBook::default(),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("cannot read the ad policy file {}", path.display()))?;
                PolicyBook::from_toml(&text, &path.display().to_string()).map_err(|e| {
                    anyhow::anyhow!("{e}\nhint: a policy has `windows = [{{ weekday = \"fri\", start = \"20:00\", end = \"22:00\" }}]`, `red_packet = {{ min_yuan = 5, within_minutes = 10 }}`, `thread = {{ root_contains = \"广告贴\" }}`, `exempt_operators`; README.md shows a whole file")
                })?
            }
        };
        loaded.ad_policies = ad_policies;
        Ok(loaded)
    }

    /// Parses a settings file: diagnosis keys at the top, each other analysis in its table.
    pub fn from_toml(text: &str) -> Result<AnalysisConfig, String> {
        let mut table: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
        fn section<T: serde::de::DeserializeOwned + Default>(t: &mut toml::Table, name: &str) -> Result<T, String> {
            match t.remove(name) {
                None => Ok(T::default()),
                Some(v) => v.try_into().map_err(|e: toml::de::Error| format!("[{name}]: {e}")),
            }
        }
        let content = section(&mut table, "content")?;
        let replies = section(&mut table, "replies")?;
        let responsiveness = section(&mut table, "responsiveness")?;
        let rest = toml::to_string(&table).map_err(|e| e.to_string())?;
        let settings = Settings::from_toml(&rest).map_err(|e| e.to_string())?;
        Ok(AnalysisConfig { settings, content, replies, responsiveness, ad_policies: PolicyBook::default() })
    }
}

/// The instant each group is diagnosed at.
#[derive(Clone, Debug)]
pub enum AsOf {
    /// `--as-of`: every group at this instant.
    Given(i64),
    /// Each group at the end of its own sources' coverage, so a 2018 Slack export is not
    /// judged at a 2020 Gitter room's last message. Groups whose coverage was not recorded
    /// (archives imported before it was kept) are judged at the archive's newest message,
    /// as before: their own newest message would make every silence invisible (nothing
    /// could ever read dead), and keeping the old default changes no verdict silently;
    /// `import --force` records their coverage.
    PerGroup { ends: std::collections::HashMap<i64, i64>, fallback: i64 },
}

impl AsOf {
    /// The one given (RFC 3339), else each group's coverage end.
    pub fn resolve(archive: &Archive, given: Option<&str>) -> anyhow::Result<AsOf> {
        if let Some(s) = given {
            let t = chrono::DateTime::parse_from_rfc3339(s)
                .with_context(|| format!("--as-of {s:?} is not an RFC 3339 time; write e.g. 2011-06-30T00:00:00Z"))?;
            return Ok(AsOf::Given(t.timestamp_millis()));
        }
        let groups = archive.spans()?;
        let fallback = groups.iter().filter_map(|g| g.last_ms).max().unwrap_or(0);
        let ends = groups.iter().filter_map(|g| Some((g.id, g.coverage?.last_ms))).collect();
        Ok(AsOf::PerGroup { ends, fallback })
    }

    /// The instant group `id` is diagnosed at.
    pub fn of(&self, id: i64) -> i64 {
        match self {
            AsOf::Given(t) => *t,
            AsOf::PerGroup { ends, fallback } => ends.get(&id).copied().unwrap_or(*fallback),
        }
    }

    /// Groups whose coverage is unknown, so they fell back to the archive's newest message.
    pub fn fallbacks(&self, ids: &[i64]) -> usize {
        match self {
            AsOf::Given(_) => 0,
            AsOf::PerGroup { ends, .. } => ids.iter().filter(|id| !ends.contains_key(id)).count(),
        }
    }
}

/// What every analysis says about one group: the reply links, the content
/// report (with one label per message), responsiveness, and the diagnosis built on them.
pub struct Analysed {
    pub links: Vec<shequn_model::Link>,
    pub content: shequn_content::ContentReport,
    pub responsiveness: Responsiveness,
    pub diagnosis: Diagnosis,
}

/// Runs every analysis on one timeline: inferred reply links (explicit ones win),
/// content labels (ads, pushes, value, emotion; the group's ad policy if one is set), the
/// diagnosis, then responsiveness, which can turn the action into "respond".
/// Cross-group repetition is not looked at here.
pub fn analyse(t: &Timeline, config: &AnalysisConfig, as_of: i64) -> Analysed {
    // Every analysis sees the group as it was at as-of (content and links would otherwise
    // quote messages from after it).
    let clipped;
    let t = if t.last_ms().is_some_and(|last| last > as_of) {
        clipped = t.until(as_of);
        &clipped
    } else {
        t
    };
    static WEIGHTS: std::sync::OnceLock<Weights> = std::sync::OnceLock::new();
    let weights = WEIGHTS.get_or_init(Weights::builtin);
    let policy = config.ad_policies.for_group(&t.group.name, &t.group.platform_id, t.group.id);
    // Independent of each other: side by side, one huge chat keeps both cores busy through
    // the parts of each that run on one thread.
    let (links, content) = rayon::join(
        || shequn_replies::link(t, &config.replies, weights),
        || shequn_content::analyze_group(t, &config.content, policy, None, Some(as_of)),
    );
    let r = shequn_replies::responsiveness(t, &links, &config.responsiveness, as_of);
    // Bots the reply analysis found by behaviour (a link-title bot) are bots to the diagnosis
    // too: not key people, not members.
    let with_bots;
    let settings = if r.bots.is_empty() {
        &config.settings
    } else {
        let mut s = config.settings.clone();
        s.bots.extend(r.bots.iter().map(|b| b.name.clone()));
        with_bots = s;
        &with_bots
    };
    let d = diagnose(t, &links, &content.labels, settings, as_of);
    // The action weighs the recent questions and newcomers, not every remark since the
    // group began (a 2009 backlog is no reason to act today).
    let window_days = config.settings.status_window_days;
    let since = as_of - i64::from(window_days) * 86_400_000;
    let recent: Vec<&shequn_replies::responsiveness::Bid> =
        r.all_bids.iter().filter(|b| b.time_ms > since && (b.question || b.newcomer)).collect();
    let mut waits: Vec<i64> = recent.iter().filter_map(|b| b.first_response_ms).collect();
    waits.sort_unstable();
    let summary = shequn_diagnosis::Responsiveness {
        bids: recent.len() as u32,
        unanswered: recent.iter().filter(|b| b.status == BidStatus::Unanswered).count() as u32,
        median_first_response_minutes: waits.get(waits.len() / 2).map(|&ms| ms as f64 / 60_000.0),
        window_days,
    };
    let diagnosis = d.with_responsiveness(t, &links, &content.labels, as_of, summary);
    Analysed { links, content, responsiveness: r, diagnosis }
}

/// The diagnosis of one timeline with every analysis run (see [`analyse`]).
pub fn diagnose_timeline(t: &Timeline, config: &AnalysisConfig, as_of: i64) -> Diagnosis {
    analyse(t, config, as_of).diagnosis
}

/// Diagnoses the given groups in parallel, each thread with its own read-only archive handle,
/// each group as of its own instant.
pub fn diagnose_groups(
    path: &std::path::Path,
    ids: &[i64],
    config: &AnalysisConfig,
    as_of: &AsOf,
) -> anyhow::Result<Vec<Diagnosis>> {
    ids.par_iter()
        .map_init(
            || Archive::open_readonly(path),
            |archive, &id| {
                let archive = archive.as_ref().map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
                let t = archive.timeline(id)?;
                Ok(diagnose_timeline(&t, config, as_of.of(id)))
            },
        )
        .collect()
}

pub fn run(cli: &Cli, args: &Args) -> anyhow::Result<ExitCode> {
    let config = args.config.load()?;
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
    let as_of = AsOf::resolve(&archive, args.as_of.as_deref())?.of(g.id);
    let t = archive.timeline(g.id)?;
    let a = analyse(&t, &config, as_of);
    if let Some(path) = &args.bids {
        std::fs::write(path, crate::group_view::bids_csv(&t, &a.responsiveness))
            .with_context(|| format!("cannot write {}", path.display()))?;
        eprintln!("bids written / 已写入: {} ({} bids)", path.display(), a.responsiveness.all_bids.len());
    }
    if args.json {
        println!("{}", serde_json::to_string_pretty(&crate::group_view::json_view(&a))?);
    } else {
        print!("{}", crate::group_view::text_view(&a));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_settings_file_reaches_every_analysis() {
        let text = "alive_days = 6\n[content]\nchat_prior_log_odds = 1.5\n[content.push]\nmin_posts = 9\n\
                    [responsiveness]\nstarter_min_chars = 7\n[replies]\nwindow = 12\n";
        let c = AnalysisConfig::from_toml(text).unwrap();
        assert_eq!(c.settings.alive_days, 6);
        assert_eq!(c.content.chat_prior_log_odds, 1.5);
        assert_eq!(c.content.push.min_posts, 9);
        assert_eq!(c.content.value.min_chars, ContentSettings::default().value.min_chars);
        assert_eq!(c.responsiveness.starter_min_chars, 7);
        assert_eq!(c.replies.window, 12);
        // A wrong type names its table.
        let Err(err) = AnalysisConfig::from_toml("[responsiveness]\nstarter_min_chars = \"x\"\n") else {
            panic!("a string where a number belongs must fail")
        };
        assert!(err.contains("[responsiveness]"), "{err}");
        // A misspelt name is an error that names it, never silently ignored.
        let Err(err) = AnalysisConfig::from_toml("[content]\nchat_prior = 2.0\n") else {
            panic!("an unknown key must fail")
        };
        assert!(err.contains("chat_prior") && err.contains("chat_prior_log_odds"), "{err}");
        assert!(AnalysisConfig::from_toml("alive_dayz = 3\n").is_err());
    }
}
