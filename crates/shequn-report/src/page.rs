//! The self-contained report document: one HTML file, no request leaves it.
//!
//! The portfolio page is visible at load; each group page's markup sits as raw
//! text in a `<script type="text/x-shequn-page">` data block, which the parser
//! only scans for its end tag (no DOM is built until the page is opened; a
//! `<template>` would build every group's DOM at load), so a report of 2,000
//! groups opens about as fast as its portfolio table. The language switch toggles
//! `lang="zh"` / `lang="en"` elements with CSS; `?lang=zh|en` in the address picks one,
//! set by a tiny script in `<head>` before the first paint. A Content-Security-Policy
//! allows only the page's own two scripts, by hash, and no network at all.

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::html::esc;

/// One group's page, already rendered.
pub struct GroupPage {
    /// Used in the address: `report.html#g-<id>`.
    pub id: String,
    pub body: String,
}

const CSS: &str = r#"
:root{--fg:#1d2430;--muted:#5b6574;--line:#d9dee6;--bg:#fff;--card:#f6f8fa;--alive:#2e7d32;--declining:#ef6c00;--dormant:#8d6e63;--dead:#757575;--bad:#c62828}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 -apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;gap:12px;align-items:center;justify-content:space-between;padding:10px 16px;border-bottom:1px solid var(--line);position:sticky;top:0;background:var(--bg);z-index:2}
header h1{font-size:18px;margin:0}header a{color:inherit;text-decoration:none}
main{max-width:1100px;margin:0 auto;padding:12px 16px 48px}
h2{font-size:17px;margin:24px 0 8px}h3{font-size:15px;margin:16px 0 6px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:10px}
.card{background:var(--card);border-radius:8px;padding:10px 12px}.card b{display:block;font-size:22px}
.muted{color:var(--muted)}.small{font-size:13px}
.chart{width:100%;height:auto;display:block;background:var(--card);border-radius:8px;margin:6px 0}
.chart .grid{stroke:#e3e7ee}.chart .tick,.chart .legend{font-size:11px;fill:var(--muted)}.chart .cell{font-size:10px;fill:#fff}.chart .marker{font-size:11px;font-weight:600}.chart .empty{fill:var(--muted)}
.scroll{overflow-x:auto}table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{cursor:pointer;white-space:nowrap;user-select:none}th.sorted-asc::after{content:" ▲"}th.sorted-desc::after{content:" ▼"}
td.num,th.num{text-align:right}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;white-space:nowrap}
.s-alive{background:var(--alive)}.s-declining{background:var(--declining)}.s-dormant{background:var(--dormant)}.s-dead{background:var(--dead)}
.msg{background:var(--card);border-left:3px solid var(--line);padding:6px 10px;margin:6px 0;white-space:pre-wrap;word-break:break-word}
.msg .meta{font-size:12px;color:var(--muted);display:block}
.filters{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}.filters input,.filters select{font:inherit;padding:4px 8px}
button.lang{font:inherit;padding:4px 10px;border:1px solid var(--line);border-radius:6px;background:var(--bg);cursor:pointer}
html[data-lang=zh] [lang=en]{display:none}html[data-lang=en] [lang=zh]{display:none}
@media (max-width:600px){body{font-size:14px}main{padding:8px}.hide-narrow{display:none}}
"#;

/// Picks the language before the body is painted: `?lang=`, the last choice, else the browser's.
const HEAD_SCRIPT: &str = r#"(function(){var r=document.documentElement,l=null;try{l=localStorage.getItem('shequn-lang')}catch(e){}
var a=/[?&]lang=(zh|en)\b/.exec(location.search);l=a?a[1]:l||((navigator.language||'zh').toLowerCase().indexOf('zh')===0?'zh':'en');
r.setAttribute('data-lang',l);r.setAttribute('lang',l==='zh'?'zh-CN':'en')})();"#;

const SCRIPT: &str = r#"
(function(){
var root=document.documentElement;
function setLang(l){root.setAttribute('data-lang',l);root.setAttribute('lang',l==='zh'?'zh-CN':'en');try{localStorage.setItem('shequn-lang',l)}catch(e){}}
document.getElementById('lang-switch').addEventListener('click',function(){setLang(root.getAttribute('data-lang')==='zh'?'en':'zh')});
var portfolio=document.getElementById('portfolio'),view=document.getElementById('group-view');
function route(){
  var m=/^#g-(.+)$/.exec(location.hash);var t=m&&document.getElementById('t-'+m[1]);
  if(t){view.innerHTML=t.textContent;portfolio.hidden=true;view.hidden=false;wire(view);window.scrollTo(0,0)}
  else{view.hidden=true;view.replaceChildren();portfolio.hidden=false}
}
function cellValue(td){var v=td.getAttribute('data-v');if(v===null)v=td.textContent.trim();var n=parseFloat(v);return isNaN(n)||!/^-?[\d.]+(e-?\d+)?$/.test(v)?v.toLowerCase():n}
function wire(scope){
  scope.querySelectorAll('table.sortable').forEach(function(table){
    if(table.dataset.wired)return;table.dataset.wired='1';
    table.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){
      var asc=!th.classList.contains('sorted-asc');table.querySelectorAll('th').forEach(function(x){x.classList.remove('sorted-asc','sorted-desc')});
      th.classList.add(asc?'sorted-asc':'sorted-desc');var body=table.tBodies[0];
      Array.from(body.rows).sort(function(a,b){var x=cellValue(a.cells[i]),y=cellValue(b.cells[i]);return (x<y?-1:x>y?1:0)*(asc?1:-1)}).forEach(function(r){body.appendChild(r)});
    })});
  });
  scope.querySelectorAll('[data-filter-for]').forEach(function(box){
    if(box.dataset.wired)return;box.dataset.wired='1';
    var table=document.getElementById(box.getAttribute('data-filter-for'));
    function apply(){var q=(box.querySelector('input')||{value:''}).value.toLowerCase();var sel=box.querySelectorAll('select');
      Array.from(table.tBodies[0].rows).forEach(function(r){var ok=!q||r.textContent.toLowerCase().indexOf(q)>=0;
        sel.forEach(function(s){if(s.value&&r.getAttribute('data-'+s.name)!==s.value)ok=false});r.hidden=!ok})}
    box.addEventListener('input',apply);box.addEventListener('change',apply);
  });
}
window.addEventListener('hashchange',route);wire(document);route();
})();
"#;

fn sha256(script: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script.as_bytes()))
}

/// The Content-Security-Policy: no network, inline styles, and only our two scripts.
fn csp() -> String {
    format!(
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; script-src 'sha256-{}' 'sha256-{}'; base-uri 'none'; form-action 'none'",
        sha256(HEAD_SCRIPT),
        sha256(SCRIPT)
    )
}

/// The MIME type of the data blocks holding group pages: not JavaScript, so never run.
const PAGE_TYPE: &str = "text/x-shequn-page";

/// A group page's markup made safe as the raw text of a `<script>` data block: only
/// `</script` could end it early and `<!--` could change how the end is found. Our
/// markup has neither and message text is escaped (`<` is `&lt;`), so this never
/// changes a page; if it ever did, the tag would show as text instead of breaking out.
fn as_script_text(body: &str) -> std::borrow::Cow<'_, str> {
    // Checked in place (no lower-cased copy of a page that is most often clean).
    let b = body.as_bytes();
    let risky = lt_positions(b).any(|i| {
        let tail = &b[i..];
        tail.starts_with(b"<!--") || tail.get(..8).is_some_and(|t| t.eq_ignore_ascii_case(b"</script"))
    });
    if !risky {
        return std::borrow::Cow::Borrowed(body);
    }
    let mut out = String::with_capacity(body.len() + 16);
    let mut rest = body;
    while let Some(i) = rest.find('<') {
        let tail = rest[i..].to_ascii_lowercase();
        out.push_str(&rest[..i]);
        out.push_str(if tail.starts_with("</script") || tail.starts_with("<!--") { "&lt;" } else { "<" });
        rest = &rest[i + 1..];
    }
    out.push_str(rest);
    std::borrow::Cow::Owned(out)
}

/// The positions of `<` in `b`.
fn lt_positions(b: &[u8]) -> impl Iterator<Item = usize> + '_ {
    b.iter().enumerate().filter(|(_, &c)| c == b'<').map(|(i, _)| i)
}

/// Assembles the whole document.
pub fn document(title: &str, generated: &str, portfolio_body: &str, groups: &[GroupPage]) -> String {
    let mut out =
        String::with_capacity(portfolio_body.len() + groups.iter().map(|g| g.body.len() + 64).sum::<usize>() + 16_384);
    out.push_str("<!DOCTYPE html>\n<html lang=\"zh-CN\" data-lang=\"zh\"><head><meta charset=\"utf-8\">");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    out.push_str(&format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">", csp()));
    out.push_str(&format!(
        "<title>{}</title><style>{CSS}</style><script>{HEAD_SCRIPT}</script></head><body>",
        esc(title)
    ));
    out.push_str(&format!(
        "<header><h1><a href=\"#\">社群 shequn · <span lang=\"zh\">社群诊断报告</span><span lang=\"en\">community report</span></a></h1>\
         <span class=\"muted small hide-narrow\">{}</span>\
         <button id=\"lang-switch\" class=\"lang\" type=\"button\"><span lang=\"zh\">English</span><span lang=\"en\">中文</span></button></header>",
        esc(generated)
    ));
    out.push_str("<main><section id=\"portfolio\">");
    out.push_str(portfolio_body);
    out.push_str("</section><section id=\"group-view\" hidden></section></main>");
    // Each page is made safe to sit in a script element on its own thread; joining them is a copy.
    use rayon::prelude::*;
    let safe: Vec<std::borrow::Cow<'_, str>> = groups.par_iter().map(|g| as_script_text(&g.body)).collect();
    for (g, body) in groups.iter().zip(&safe) {
        out.push_str(&format!("<script type=\"{PAGE_TYPE}\" id=\"t-{}\">", esc(&g.id)));
        out.push_str(body);
        out.push_str("</script>");
    }
    out.push_str("<script>");
    out.push_str(SCRIPT);
    out.push_str("</script></body></html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csp_hash_matches_the_scripts_and_blocks_network() {
        let doc = document("t", "now", "<p>x</p>", &[GroupPage { id: "1".into(), body: "<p>g</p>".into() }]);
        for script in [HEAD_SCRIPT, SCRIPT] {
            assert!(doc.contains(&format!("<script>{script}</script>")));
            let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script.as_bytes()));
            assert!(doc.contains(&format!("'sha256-{expected}'")));
        }
        assert!(doc.contains("default-src 'none'"));
        assert!(doc.contains(&format!("<script type=\"{PAGE_TYPE}\" id=\"t-1\"><p>g</p></script>")));
        // Two runnable script elements: ours.
        assert_eq!(doc.matches("<script>").count(), 2);
    }

    #[test]
    fn a_group_page_cannot_end_its_data_block() {
        let body = "<p>a</p></SCRIPT><script>alert(1)</script><!--<script>";
        let doc = document("t", "now", "", &[GroupPage { id: "1".into(), body: body.into() }]);
        let block = doc.split("id=\"t-1\">").nth(1).unwrap();
        let inner = &block[..block.find("</script>").unwrap()];
        assert_eq!(inner, "<p>a</p>&lt;/SCRIPT><script>alert(1)&lt;/script>&lt;!--<script>");
        assert_eq!(as_script_text("<p>plain</p>"), "<p>plain</p>");
    }
}
