//! The instant each group is diagnosed at.

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
    /// `--as-of` text (RFC 3339) as an instant, with an error that shows the form.
    pub fn parse_given(s: &str) -> anyhow::Result<AsOf> {
        let t = chrono::DateTime::parse_from_rfc3339(s).map_err(|e| {
            anyhow::anyhow!("--as-of {s:?} is not an RFC 3339 time ({e}); write e.g. 2011-06-30T00:00:00Z")
        })?;
        Ok(AsOf::Given(t.timestamp_millis()))
    }

    /// Each group at the end of its coverage, from `(id, last message, coverage end)` per
    /// group as the archive keeps them (`Archive::spans`).
    pub fn per_group(spans: impl IntoIterator<Item = (i64, Option<i64>, Option<i64>)>) -> AsOf {
        let mut ends = std::collections::HashMap::new();
        let mut fallback = 0;
        for (id, last, coverage_end) in spans {
            fallback = fallback.max(last.unwrap_or(0));
            if let Some(end) = coverage_end {
                ends.insert(id, end);
            }
        }
        AsOf::PerGroup { ends, fallback }
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
