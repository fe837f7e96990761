//! Reads the survival question's cases out of archives (for `train survival` and
//! `eval survival`): each group's outcome and first-weeks features, groups in parallel.

use std::path::Path;

use rayon::prelude::*;
use shequn_archive::Archive;
use shequn_engine::survival::{case, Case};
use shequn_engine::AnalysisConfig;

/// Where observation starts and ends for an archive's groups.
#[derive(Clone, Copy, Default)]
pub struct DataBounds {
    /// `--data-start`: groups that begin within `start_margin_days` of it may be older than the data.
    pub start_ms: Option<i64>,
    /// `--data-end`: the end of observation for every group; else each group's coverage end
    /// (its own last message when no coverage was recorded).
    pub end_ms: Option<i64>,
}

/// An RFC 3339 flag value as milliseconds, with an error that names the flag and the form.
pub fn parse_instant(flag: &str, s: &str) -> anyhow::Result<i64> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.timestamp_millis())
        .map_err(|e| anyhow::anyhow!("{flag} {s:?} is not an RFC 3339 time ({e}); write e.g. 2021-08-07T00:00:00Z"))
}

/// Every group of the archive at `path` as a case, in the archive's group order.
pub fn cases(
    path: &Path,
    config: &AnalysisConfig,
    observe_days: &[u32],
    bounds: DataBounds,
) -> anyhow::Result<Vec<Case>> {
    let archive =
        Archive::open_readonly(path).map_err(|e| anyhow::anyhow!("cannot open the archive {}: {e}", path.display()))?;
    let spans = archive.spans()?;
    drop(archive);
    let done = std::sync::atomic::AtomicUsize::new(0);
    let total = spans.len();
    spans
        .par_iter()
        .map_init(
            || Archive::open_readonly(path),
            |archive, span| {
                let archive = archive.as_ref().map_err(|e| anyhow::anyhow!("cannot open {}: {e}", path.display()))?;
                let t = archive.timeline(span.id)?;
                let end = bounds.end_ms.or(span.coverage.map(|c| c.last_ms)).or(span.last_ms).unwrap_or(i64::MIN);
                let c = case(&t, config, observe_days, bounds.start_ms, end);
                let n = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                if n.is_multiple_of(10) || n == total {
                    eprint!("\r{}: {n}/{total} groups", path.display());
                    if n == total {
                        eprintln!();
                    }
                }
                Ok(c)
            },
        )
        .collect()
}
