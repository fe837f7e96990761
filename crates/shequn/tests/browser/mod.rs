//! Headless Chromium for the report tests: `--dump-dom` gives the DOM after the
//! page's script ran; `--screenshot` saves what a person would see; [`cdp`] drives
//! a page (clicks, reads visible text, timings) over the DevTools pipe.

#[cfg(unix)]
#[allow(dead_code)]
pub mod cdp;

use std::path::{Path, PathBuf};
use std::process::Command;

use shequn::analysis::PortfolioResults;

/// The browser: $SHEQUN_CHROMIUM, else Debian's chromium.
pub fn find() -> Option<PathBuf> {
    let given = std::env::var_os("SHEQUN_CHROMIUM").map(PathBuf::from);
    given.into_iter().chain(["/usr/bin/chromium", "/usr/bin/chromium-browser"].map(PathBuf::from)).find(|p| p.exists())
}

/// `target/test-artifacts/`.
pub fn artifacts() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn run(chrome: &Path, lang: &str, extra: &[String], url: &str) -> String {
    let profile = tempfile::tempdir().unwrap();
    let out = Command::new(chrome)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--lang={lang}"),
            &format!("--user-data-dir={}", profile.path().display()),
        ])
        .args(extra)
        .arg(url)
        .env("LANGUAGE", lang)
        .output()
        .expect("chromium runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn dump_dom(chrome: &Path, lang: &str, url: &str) -> String {
    run(chrome, lang, &["--dump-dom".into()], url)
}

pub fn screenshot(chrome: &Path, url: &str, file: &Path) {
    run(chrome, "en-US", &[format!("--screenshot={}", file.display()), "--window-size=1280,2000".into()], url);
    assert!(file.exists(), "screenshot {} written", file.display());
}

/// The portfolio page lists every group, the group page shows its charts, the
/// language follows the browser's, and `hostile_group`'s planted message stays text.
pub fn check_report(chrome: &Path, page: &Path, r: &PortfolioResults, name: &str, hostile_group: Option<i64>) {
    let url = format!("file://{}", page.display());
    let dom = dump_dom(chrome, "en-US", &url);
    let portfolio = dom.split("id=\"group-view\"").next().unwrap();
    for g in &r.groups {
        let link = format!("href=\"#g-{}\"", g.diagnosis.group_id);
        assert!(portfolio.contains(&link), "the portfolio lists group {}", g.diagnosis.group);
    }
    for lang in ["zh", "en"] {
        let d = dump_dom(chrome, "en-US", &format!("{url}?lang={lang}"));
        assert!(d.contains(&format!("data-lang=\"{lang}\"")), "?lang={lang} switches the page to {lang}");
    }

    let id = hostile_group.unwrap_or(r.groups[0].diagnosis.group_id);
    let g_url = format!("{url}#g-{id}");
    let g = dump_dom(chrome, "en-US", &g_url);
    let view = g.split("id=\"group-view\"").nth(1).expect("group view present");
    let view = view.split("<script").next().unwrap();
    assert!(view.matches("<svg").count() >= 2, "the group page draws its charts");
    assert!(!g.contains("<title>PWNED"), "the hostile script did not run");
    if hostile_group.is_some() {
        assert!(view.contains("&lt;script&gt;document.title"), "the hostile message is shown as text");
        assert!(!view.contains("<img src=\"x\""), "no image element from a message");
        assert!(!view.contains("<a href=\"javascript:"), "no javascript: link element");
    }
    let dir = artifacts();
    screenshot(chrome, &url, &dir.join(format!("{name}-portfolio.png")));
    screenshot(chrome, &g_url, &dir.join(format!("{name}-group.png")));
}
