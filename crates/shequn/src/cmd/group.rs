//! `shequn group NAME_OR_ID`: one group's diagnosis (METHOD §1–4, §6, §9–11),
//! bilingual text or one JSON object. Also the shared pieces `groups` uses:
//! settings from `--config`, the as-of instant, and diagnosing every group in parallel.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use rayon::prelude::*;
use shequn_archive::Archive;
use shequn_content::PolicyBook;
use shequn_diagnosis::Diagnosis;

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
        load_config(self.config.as_deref(), self.ad_policy.as_deref())
    }
}

pub use shequn_engine::{analyse, diagnose_timeline, Analysed, AnalysisConfig, AsOf};

/// The `--as-of` given, else each group's coverage end as the archive records it.
pub fn resolve_as_of(archive: &Archive, given: Option<&str>) -> anyhow::Result<AsOf> {
    if let Some(s) = given {
        return AsOf::parse_given(s);
    }
    Ok(AsOf::per_group(archive.spans()?.iter().map(|g| (g.id, g.last_ms, g.coverage.map(|c| c.last_ms)))))
}

/// Thresholds from `--config` and ad policies from `--ad-policy`, each optional.
pub fn load_config(config: Option<&Path>, ad_policy: Option<&Path>) -> anyhow::Result<AnalysisConfig> {
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
    let archive = cli.open_existing_archive()?;
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
    let as_of = resolve_as_of(&archive, args.as_of.as_deref())?.of(g.id);
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
        print!("{}", crate::table::terminal_safe(&crate::group_view::text_view(&a), true));
    }
    Ok(ExitCode::SUCCESS)
}
