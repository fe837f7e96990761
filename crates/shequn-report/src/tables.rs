//! `report.json` and the CSV files. CSVs are UTF-8 with a BOM so Excel opens Chinese correctly.

use crate::results::{ReportInput, SCHEMA_VERSION};

/// `report.json`'s document, serialised straight from the results (no `Value` tree in between).
#[derive(serde::Serialize)]
struct ReportDoc<'a> {
    schema_version: &'a str,
    generated: &'a str,
    summary: &'a shequn_diagnosis::PortfolioSummary,
    groups: &'a [crate::results::GroupResult],
}

fn report_doc<'a>(input: &'a ReportInput) -> ReportDoc<'a> {
    ReportDoc {
        schema_version: SCHEMA_VERSION,
        generated: input.generated,
        summary: input.summary,
        groups: input.results,
    }
}

/// `report.json`: versioned (see `docs/report-schema.json` and `docs/report.md`).
pub fn report_json(input: &ReportInput) -> serde_json::Value {
    serde_json::to_value(report_doc(input)).unwrap_or_default()
}

/// `report.json` as text, pretty-printed.
pub fn report_json_text(input: &ReportInput) -> String {
    serde_json::to_string_pretty(&report_doc(input)).unwrap_or_default()
}

/// One CSV field, quoted when it holds a comma, quote or line break. A leading
/// `=`, `+`, `-` or `@` gets a `'` so a spreadsheet never runs a message as a formula.
fn field(s: &str) -> String {
    let s =
        if s.starts_with(['=', '+', '-', '@']) && s.parse::<f64>().is_err() { format!("'{s}") } else { s.to_string() };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A CSV document: BOM, header, CRLF rows, every field through [`field`].
pub fn csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&header.iter().map(|h| field(h)).collect::<Vec<_>>().join(","));
    out.push_str("\r\n");
    for r in rows {
        out.push_str(&r.iter().map(|c| field(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    out
}

fn opt<T: ToString>(x: Option<T>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
}

/// `groups.csv`: one row per group.
pub fn groups_csv(input: &ReportInput) -> String {
    csv(
        &[
            "group_id",
            "group",
            "platform",
            "status",
            "stage",
            "action",
            "member_messages",
            "days_since_member",
            "created",
            "first_member_day",
            "last_member_day",
            "lifespan_days",
            "temporary",
            "fragile",
            "structure",
            "as_of",
            "coverage_days",
            "insufficient_coverage",
        ],
        input.results.iter().map(|r| {
            let d = &r.diagnosis;
            vec![
                d.group_id.to_string(),
                d.group.clone(),
                d.platform.clone(),
                d.status.as_str().into(),
                opt(d.stage.map(|s| s.as_str())),
                d.triage.action.as_str().into(),
                d.evidence.member_messages.to_string(),
                opt(d.evidence.days_since_member.map(|x| format!("{x:.1}"))),
                opt(d.lifespan.created.clone()),
                opt(d.lifespan.first_member_day.clone()),
                opt(d.lifespan.last_member_day.clone()),
                opt(d.lifespan.days),
                d.temporary.temporary.to_string(),
                d.key_people.fragile.to_string(),
                d.network.structure.as_str().into(),
                d.as_of.clone(),
                opt(d.evidence.coverage_days),
                d.evidence.insufficient_coverage.to_string(),
            ]
        }),
    )
}

/// `triage.csv`: the action per group and why, in both languages.
pub fn triage_csv(input: &ReportInput) -> String {
    csv(
        &[
            "group_id",
            "group",
            "status",
            "action",
            "reason_zh",
            "reason_en",
            "migration_members",
            "early_warning_risk",
            "early_warning_observe_days",
            "early_warning_reasons_zh",
            "early_warning_reasons_en",
            "early_warning_playbook_zh",
            "early_warning_playbook_en",
        ],
        input.results.iter().map(|r| {
            let d = &r.diagnosis;
            let w = r.early_warning.as_ref();
            let reasons = |zh: bool| {
                w.map(|w| {
                    w.reasons
                        .iter()
                        .map(|x| if zh { x.zh.as_str() } else { x.en.as_str() })
                        .collect::<Vec<_>>()
                        .join("; ")
                })
                .unwrap_or_default()
            };
            vec![
                d.group_id.to_string(),
                d.group.clone(),
                d.status.as_str().into(),
                d.triage.action.as_str().into(),
                d.triage.reason_zh.clone(),
                d.triage.reason_en.clone(),
                d.triage.migration.len().to_string(),
                w.map(|w| format!("{:.3}", w.risk)).unwrap_or_default(),
                w.map(|w| w.observe_days.to_string()).unwrap_or_default(),
                reasons(true),
                reasons(false),
                w.map(|w| w.playbook_zh.clone()).unwrap_or_default(),
                w.map(|w| w.playbook_en.clone()).unwrap_or_default(),
            ]
        }),
    )
}

/// `migration.csv`: members worth inviting into a new group, with their platform ids.
pub fn migration_csv(input: &ReportInput) -> String {
    csv(
        &["group_id", "group", "platform", "member", "platform_id", "last_spoke"],
        input.results.iter().flat_map(|r| {
            let d = &r.diagnosis;
            d.triage.migration.iter().map(move |m| {
                vec![
                    d.group_id.to_string(),
                    d.group.clone(),
                    d.platform.clone(),
                    m.name.clone(),
                    opt(m.platform_id.clone()),
                    m.last_spoke.clone(),
                ]
            })
        }),
    )
}

/// `unanswered.csv`: questions nobody answered.
pub fn unanswered_csv(input: &ReportInput) -> String {
    csv(
        &["group_id", "group", "time", "sender", "platform_id", "waited_hours", "text"],
        input.results.iter().flat_map(|r| {
            let d = &r.diagnosis;
            r.unanswered.iter().map(move |b| {
                vec![
                    d.group_id.to_string(),
                    d.group.clone(),
                    b.message.time.clone(),
                    b.message.sender.clone(),
                    opt(b.platform_id.clone()),
                    format!("{:.1}", b.waited_hours),
                    b.message.text.clone(),
                ]
            })
        }),
    )
}

/// Writes `name` in `dir` whole or not at all: into a new temporary file beside it (created
/// exclusively, so a planted link is never followed), synced, then renamed over the name (a
/// link already there is replaced, its target untouched). A killed run leaves the old file or
/// the new one, never half of one.
fn write_atomically(
    dir: &std::path::Path,
    name: &str,
    fill: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> std::io::Result<std::path::PathBuf> {
    use std::io::Write;
    let tmp = tempfile::Builder::new().prefix(&format!(".{name}.")).suffix(".part").tempfile_in(dir)?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, tmp);
    fill(&mut w)?;
    w.flush()?;
    let tmp = w.into_inner().map_err(|e| e.into_error())?;
    tmp.as_file().sync_all()?;
    let path = dir.join(name);
    tmp.persist(&path).map_err(|e| e.error)?;
    Ok(path)
}

/// Writes every report file into `dir` (created when missing); returns the paths written.
/// The page, the JSON and the CSVs are rendered side by side, and each file is written as soon
/// as it is ready; the JSON is serialised straight into its file. Each file is written
/// atomically ([`write_atomically`]).
pub fn write_all(dir: &std::path::Path, input: &ReportInput) -> std::io::Result<Vec<std::path::PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let text_file = |name: &str, text: String| -> std::io::Result<std::path::PathBuf> {
        write_atomically(dir, name, |w| w.write_all(text.as_bytes()))
    };
    let json_file = || -> std::io::Result<std::path::PathBuf> {
        write_atomically(dir, "report.json", |w| {
            serde_json::to_writer_pretty(w, &report_doc(input)).map_err(std::io::Error::from)
        })
    };
    let (html, (json, tables)) = rayon::join(
        || text_file("report.html", crate::render::render_html(input)),
        || {
            rayon::join(json_file, || -> std::io::Result<Vec<std::path::PathBuf>> {
                [
                    ("groups.csv", groups_csv as fn(&ReportInput) -> String),
                    ("triage.csv", triage_csv),
                    ("migration.csv", migration_csv),
                    ("unanswered.csv", unanswered_csv),
                ]
                .into_iter()
                .map(|(name, render)| text_file(name, render(input)))
                .collect()
            })
        },
    );
    let mut written = vec![html?, json?];
    written.extend(tables?);
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        let s = csv(&["a", "b"], std::iter::once(vec!["x,\"y\"".to_string(), "=HYPERLINK(1)".to_string()]));
        assert!(s.starts_with('\u{feff}'));
        assert!(s.contains("\"x,\"\"y\"\"\""));
        assert!(s.contains("'=HYPERLINK(1)"));
        assert_eq!(field("-3"), "-3");
    }
}
