//! The analyses run over an archive: the engine (`shequn_engine`) does the work; this opens
//! one read-only archive handle per worker and loads each timeline for it.

use std::path::Path;

use shequn_archive::Archive;
pub use shequn_engine::{analyse_timeline, analyse_timelines, series, PortfolioResults};

use crate::cmd::group::{AnalysisConfig, AsOf};

/// Analyses the given groups of the archive at `path` in parallel, each as of its own
/// instant; the order follows `ids`. `on_group` is called as each group is done (progress).
pub fn analyse_archive(
    path: &Path,
    ids: &[i64],
    config: &AnalysisConfig,
    as_of: &AsOf,
    on_group: &(dyn Fn() + Sync),
) -> anyhow::Result<PortfolioResults> {
    shequn_engine::analyse_groups(
        ids,
        || Archive::open_readonly(path).map_err(|e| format!("cannot open {}: {e}", path.display())),
        |archive, id| Ok(archive.timeline(id)?),
        config,
        as_of,
        on_group,
    )
}
