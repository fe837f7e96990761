//! The report of a built portfolio: report.json against its schema, hostile text
//! escaped, the CSVs, and (when Chromium is installed) the page in a real browser.

mod browser;
mod fixture;

use fixture::results;
use serde_json::Value;
use shequn::analysis::PortfolioResults;
use shequn_report::ReportInput;

/// A structural JSON Schema check (type, required, properties, items, prefixItems,
/// enum, const) driven by the schema file: enough for the subset the schema uses.
fn check(schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    if let Some(t) = schema.get("type") {
        let types: Vec<&str> = match t {
            Value::String(s) => vec![s.as_str()],
            Value::Array(a) => a.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let ok = types.iter().any(|t| match *t {
            "object" => v.is_object(),
            "array" => v.is_array(),
            "string" => v.is_string(),
            "integer" => v.is_i64() || v.is_u64(),
            "number" => v.is_number(),
            "boolean" => v.is_boolean(),
            "null" => v.is_null(),
            _ => false,
        });
        if !ok {
            errors.push(format!("{at}: expected {types:?}, found {v}"));
            return;
        }
    }
    if let Some(e) = schema.get("enum").and_then(Value::as_array) {
        if !e.contains(v) {
            errors.push(format!("{at}: {v} not in {e:?}"));
        }
    }
    if let Some(c) = schema.get("const") {
        if c != v {
            errors.push(format!("{at}: {v} is not {c}"));
        }
    }
    if let (Some(obj), Some(req)) = (v.as_object(), schema.get("required").and_then(Value::as_array)) {
        for r in req.iter().filter_map(Value::as_str) {
            if !obj.contains_key(r) {
                errors.push(format!("{at}: missing required field {r:?}"));
            }
        }
    }
    if let (Some(obj), Some(props)) = (v.as_object(), schema.get("properties").and_then(Value::as_object)) {
        for (k, s) in props {
            if let Some(x) = obj.get(k) {
                check(s, x, &format!("{at}.{k}"), errors);
            }
        }
    }
    if let Some(arr) = v.as_array() {
        if let Some(prefix) = schema.get("prefixItems").and_then(Value::as_array) {
            for (i, (s, x)) in prefix.iter().zip(arr).enumerate() {
                check(s, x, &format!("{at}[{i}]"), errors);
            }
        }
        if let Some(items) = schema.get("items") {
            for (i, x) in arr.iter().enumerate() {
                check(items, x, &format!("{at}[{i}]"), errors);
            }
        }
    }
}

#[test]
fn report_json_validates_against_the_documented_schema() {
    let r = results(12);
    let input = ReportInput { results: &r.groups, summary: &r.summary, generated: "2026-01-01T00:00:00Z" };
    let json = shequn_report::report_json(&input);
    let schema: Value =
        serde_json::from_str(include_str!("../../../docs/report-schema.json")).expect("the schema is valid JSON");
    let mut errors = Vec::new();
    check(&schema, &json, "$", &mut errors);
    assert!(errors.is_empty(), "report.json does not match docs/report-schema.json:\n{}", errors.join("\n"));
    // The check itself rejects a broken report.
    let mut broken = json.clone();
    broken["groups"][0]["diagnosis"]["status"] = Value::from("zombie");
    broken["summary"].as_object_mut().unwrap().remove("groups");
    let mut errors = Vec::new();
    check(&schema, &broken, "$", &mut errors);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(json["groups"].as_array().unwrap().len(), 12);
}

#[test]
fn html_shows_hostile_messages_as_text() {
    let r = results(3);
    let input = ReportInput { results: &r.groups, summary: &r.summary, generated: "now" };
    let html = shequn_report::render_html(&input);
    assert!(
        html.contains("&lt;script&gt;document.title=&#39;PWNED&#39;&lt;/script&gt;"),
        "the hostile text is shown, escaped"
    );
    assert!(!html.contains("<script>document"));
    assert!(!html.contains("<img src=x"));
    assert!(!html.contains("href=\"javascript:"));
    // Every group has a page and a row in the portfolio table.
    for k in 1..=3 {
        assert!(html.contains(&format!("<template id=\"t-{k}\">")));
        assert!(html.contains(&format!("href=\"#g-{k}\"")));
    }
}

#[test]
fn csvs_carry_a_bom_and_one_row_per_group_or_member() {
    let r = results(6);
    let input = ReportInput { results: &r.groups, summary: &r.summary, generated: "now" };
    let groups = shequn_report::groups_csv(&input);
    assert!(groups.starts_with('\u{feff}'));
    assert_eq!(groups.lines().count(), 1 + 6);
    let migration = shequn_report::migration_csv(&input);
    let migrants: usize = r.groups.iter().map(|g| g.diagnosis.triage.migration.len()).sum();
    assert_eq!(migration.lines().count(), 1 + migrants);
    for g in &r.groups {
        for m in &g.diagnosis.triage.migration {
            assert!(
                migration.contains(m.platform_id.as_deref().unwrap_or("\u{0}")),
                "platform id of {} listed",
                m.name
            );
        }
    }
}

#[test]
fn report_in_a_browser() {
    let Some(chrome) = browser::find() else {
        eprintln!("skipped: no Chromium found (install Debian's `chromium` or set SHEQUN_CHROMIUM)");
        return;
    };
    let r = results(12);
    let dir = browser::artifacts();
    let input = ReportInput { results: &r.groups, summary: &r.summary, generated: "2026-01-01T00:00:00Z" };
    shequn_report::write_all(&dir.join("built"), &input).unwrap();
    let page = dir.join("built/report.html");
    browser::check_report(&chrome, &page, &r, "built", Some(1));
}

#[test]
fn report_of_a_real_corpus_in_a_browser() {
    let logs = shequn_corpus::require!("duraspace-irc/original-logs");
    let Some(chrome) = browser::find() else {
        eprintln!("skipped: no Chromium found (install Debian's `chromium` or set SHEQUN_CHROMIUM)");
        return;
    };
    let dir = browser::artifacts().join("duraspace");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let db = dir.join("archive.db");
    let status = std::process::Command::new(env!("CARGO_BIN_EXE_shequn"))
        .args(["--db", db.to_str().unwrap(), "analyze", logs.to_str().unwrap(), "--out", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(status.status.success(), "{}", String::from_utf8_lossy(&status.stderr));
    let json: Value = serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap();
    let groups: Vec<shequn_report::GroupResult> = serde_json::from_value(json["groups"].clone()).unwrap();
    assert!(!groups.is_empty());
    let summary = serde_json::from_value(json["summary"].clone()).unwrap();
    let r = PortfolioResults { groups, summary };
    browser::check_report(&chrome, &dir.join("report.html"), &r, "duraspace", None);
}
