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
    let history = &json["groups"][0]["diagnosis"]["status_history"];
    assert!(history.as_array().is_some_and(|h| !h.is_empty()), "the weekly status is in report.json");
    let documented = &schema["properties"]["groups"]["items"]["properties"]["diagnosis"]["properties"];
    assert!(documented.get("status_history").is_some(), "and documented in the schema");
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
        assert!(html.contains(&format!("<script type=\"text/x-shequn-page\" id=\"t-{k}\">")));
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

/// The visible text of the elements `selector` matches (hidden language spans excluded).
#[cfg(unix)]
fn visible_text(b: &mut browser::cdp::Browser, tab: &browser::cdp::Tab, selector: &str) -> Vec<String> {
    let sel = serde_json::to_string(selector).unwrap();
    let v = b.eval(
        tab,
        &format!(
            "[...document.querySelectorAll({sel})].filter(e=>e.getClientRects().length>0)\
             .map(e=>(e.innerText===undefined?e.textContent:e.innerText).trim())"
        ),
    );
    serde_json::from_value(v).unwrap()
}

#[cfg(unix)]
fn has_han(s: &str) -> bool {
    s.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))
}

/// A person clicks the language button: headings, chart labels and the group page
/// switch between Chinese and English, and back.
#[cfg(unix)]
#[test]
fn language_switch_changes_the_visible_text() {
    let Some(chrome) = browser::find() else {
        eprintln!("skipped: no Chromium found (install Debian's `chromium` or set SHEQUN_CHROMIUM)");
        return;
    };
    let r = results(4);
    let dir = browser::artifacts().join("lang");
    let input = ReportInput { results: &r.groups, summary: &r.summary, generated: "2026-01-01T00:00:00Z" };
    shequn_report::write_all(&dir, &input).unwrap();
    let url = format!("file://{}", dir.join("report.html").display());

    let mut b = browser::cdp::Browser::launch(&chrome, "zh-CN");
    let tab = b.new_tab();
    b.open(&tab, &url);
    let headings = |b: &mut browser::cdp::Browser| visible_text(b, &tab, "#portfolio h2");
    let zh = headings(&mut b);
    assert!(!zh.is_empty() && zh.iter().all(|h| has_han(h)), "a zh-CN browser starts in Chinese: {zh:?}");
    assert_eq!(zh[0], "群组总览");
    let bar_labels = |b: &mut browser::cdp::Browser| visible_text(b, &tab, "#portfolio svg.bars text");
    let zh_bars = bar_labels(&mut b);
    assert!(zh_bars.iter().any(|l| l == "活跃"), "bar labels in Chinese only: {zh_bars:?}");
    assert!(!zh_bars.iter().any(|l| l.contains("alive")), "no English bar label in Chinese: {zh_bars:?}");

    b.click(&tab, "#lang-switch");
    let en = headings(&mut b);
    assert_eq!(en.len(), zh.len(), "the same headings, in the other language");
    assert_eq!(en[0], "Portfolio", "the click switched the page to English: {en:?}");
    assert!(en.iter().all(|h| !has_han(h)), "no Chinese heading left: {en:?}");
    let en_bars = bar_labels(&mut b);
    assert!(en_bars.iter().any(|l| l == "alive") && en_bars.iter().all(|l| !has_han(l)), "{en_bars:?}");
    assert_eq!(b.eval(&tab, "document.documentElement.lang"), "en");

    // A group page follows the same switch.
    // A group page follows the same switch, status-change labels included (group 1 died).
    b.eval(&tab, "location.hash='#g-1'");
    let group_en = visible_text(&mut b, &tab, "#group-view h3");
    assert!(!group_en.is_empty() && group_en.iter().all(|h| !has_han(h)), "{group_en:?}");
    let markers_en = visible_text(&mut b, &tab, "#group-view svg .status-change text");
    assert!(markers_en.contains(&"dead".to_string()), "the activity chart marks the death: {markers_en:?}");
    assert!(markers_en.iter().all(|l| !has_han(l)), "{markers_en:?}");
    b.click(&tab, "#lang-switch");
    let group_zh = visible_text(&mut b, &tab, "#group-view h3");
    assert_eq!(group_zh.len(), group_en.len());
    assert!(group_zh.iter().all(|h| has_han(h)), "clicking again switches back to Chinese: {group_zh:?}");
    let markers_zh = visible_text(&mut b, &tab, "#group-view svg .status-change text");
    assert_eq!(markers_zh.len(), markers_en.len());
    assert!(markers_zh.iter().all(|l| has_han(l)), "status-change labels follow the switch: {markers_zh:?}");
    assert_eq!(b.eval(&tab, "document.documentElement.lang"), "zh-CN");
}

/// How long a report takes to open: `SHEQUN_MEASURE_REPORT=path/report.html cargo test
/// --release -p shequn --test report_portfolio -- --ignored --nocapture measure_report_open`
/// (see scripts/measure-report-open.sh). Prints milliseconds per open; asserts nothing about speed.
#[cfg(unix)]
#[test]
#[ignore]
fn measure_report_open() {
    let Some(page) = std::env::var_os("SHEQUN_MEASURE_REPORT") else {
        eprintln!("skipped: set SHEQUN_MEASURE_REPORT to a report.html");
        return;
    };
    let chrome = browser::find().expect("Chromium (set SHEQUN_CHROMIUM)");
    let runs: usize = std::env::var("SHEQUN_MEASURE_RUNS").ok().and_then(|s| s.parse().ok()).unwrap_or(7);
    let page = std::fs::canonicalize(page).unwrap();
    let bytes = std::fs::metadata(&page).unwrap().len();
    let url = format!("file://{}", page.display());
    let mut b = browser::cdp::Browser::launch(&chrome, "zh-CN");
    let names = ["dom_interactive", "dom_content_loaded", "load", "first_contentful_paint", "open_group"];
    let mut all: Vec<Vec<f64>> = vec![Vec::new(); names.len()];
    println!("report {} ({:.1} MB), {runs} opens in new tabs", page.display(), bytes as f64 / 1e6);
    for run in 0..runs {
        let tab = b.new_tab();
        b.open(&tab, &url);
        let v = b.eval(
            &tab,
            "new Promise(done=>requestAnimationFrame(()=>setTimeout(()=>{\
               const n=performance.getEntriesByType('navigation')[0];\
               const p=performance.getEntriesByName('first-contentful-paint')[0];\
               const g=document.querySelector('#portfolio a[href^=\"#g-\"]');\
               const t0=performance.now();\
               addEventListener('hashchange',()=>requestAnimationFrame(()=>setTimeout(()=>done([n.domInteractive,\
                 n.domContentLoadedEventEnd,n.loadEventEnd,p?p.startTime:-1,performance.now()-t0]))),{once:true});\
               location.hash=g.getAttribute('href');\
             })))",
        );
        let v: Vec<f64> = serde_json::from_value(v).unwrap();
        println!(
            "run {run}: {}",
            names.iter().zip(&v).map(|(n, x)| format!("{n} {x:.0} ms")).collect::<Vec<_>>().join(", ")
        );
        for (i, x) in v.into_iter().enumerate() {
            all[i].push(x);
        }
        b.close_tab(tab);
    }
    for (n, mut xs) in names.into_iter().zip(all) {
        xs.sort_by(f64::total_cmp);
        println!("{n}: median {:.0} ms, min {:.0}, max {:.0}", xs[xs.len() / 2], xs[0], xs[xs.len() - 1]);
    }
}
