//! Alerts as they happen: `GET /api/alerts/stream` (server-sent events, behind the dashboard's
//! token: each alert change as the archive stores it) and `GET /alerts`, a bilingual page that
//! lists the alerts and updates itself from that stream, with an acknowledge button.
//!
//! The page is a static shell (no alert in it), so it needs no token; everything it shows comes
//! from the token-protected API, called with `Authorization: Bearer` read from the address's
//! fragment (`/alerts#token=T`, never sent to the server) or asked for once. `EventSource`
//! cannot send that header, so the page reads the stream with `fetch`.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, HeaderMap};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use base64::Engine;
use sha2::{Digest, Sha256};
use tokio::sync::broadcast::error::RecvError;

use crate::dashboard::Dashboard;
use crate::ingest::Ingest;

#[derive(Clone)]
struct Stream {
    changes: tokio::sync::broadcast::Sender<shequn_archive::AlertRow>,
    dashboard: Dashboard,
    shutdown: tokio::sync::watch::Receiver<bool>,
}

/// `/alerts` and `/api/alerts/stream`. Streams end when `shutdown` flips, so a graceful stop
/// is not held open by a listening browser.
pub fn router(ingest: &Ingest, dashboard: Dashboard, shutdown: tokio::sync::watch::Receiver<bool>) -> Router {
    let state = Stream { changes: ingest.alert_changes.clone(), dashboard, shutdown };
    Router::new().route("/alerts", get(page)).route("/api/alerts/stream", get(stream)).with_state(state)
}

/// One SSE event per stored change: `event: alert`, `id: <key>`, `data: <the alert as
/// GET /api/alerts shows it>`. After missed changes (a slow reader): `event: lagged`, and the
/// reader should list `/api/alerts` again.
async fn stream(State(s): State<Stream>, h: HeaderMap) -> Response {
    if let Some(refused) = s.dashboard.refuse(&h) {
        return refused;
    }
    let rx = s.changes.subscribe();
    let events = futures_util::stream::unfold((rx, s.shutdown, false), |(mut rx, mut stop, mut done)| async move {
        if done || *stop.borrow() {
            return None;
        }
        let event = tokio::select! {
            r = rx.recv() => match r {
                Ok(row) => Event::default()
                    .event("alert")
                    .id(row.key.clone())
                    .data(crate::alerting::shown(&row).to_string()),
                Err(RecvError::Lagged(n)) => Event::default().event("lagged").data(n.to_string()),
                Err(RecvError::Closed) => return None,
            },
            _ = stop.changed() => {
                done = true;
                Event::default().event("bye").data("the service is stopping")
            }
        };
        Some((Ok::<Event, Infallible>(event), (rx, stop, done)))
    });
    Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))).into_response()
}

const CSS: &str = r#"
:root{--fg:#1d2430;--muted:#5b6574;--line:#d9dee6;--bg:#fff;--card:#f6f8fa;--open:#c62828;--resolved:#2e7d32;--acknowledged:#5b6574}
*{box-sizing:border-box}body{margin:0;font:15px/1.5 -apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;gap:12px;align-items:center;justify-content:space-between;padding:10px 16px;border-bottom:1px solid var(--line);position:sticky;top:0;background:var(--bg)}
header h1{font-size:18px;margin:0}main{max-width:1100px;margin:0 auto;padding:12px 16px 48px}
.filters{display:flex;flex-wrap:wrap;gap:8px;margin:8px 0}.filters select{font:inherit;padding:4px 8px}
table{border-collapse:collapse;width:100%;font-size:14px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-size:12px;white-space:nowrap}
.st-open{background:var(--open)}.st-resolved{background:var(--resolved)}.st-acknowledged{background:var(--acknowledged)}
.msg{background:var(--card);border-left:3px solid var(--line);padding:4px 8px;margin:4px 0;white-space:pre-wrap;word-break:break-word}
.muted{color:var(--muted)}.small{font-size:13px}
button{font:inherit;padding:3px 10px;border:1px solid var(--line);border-radius:6px;background:var(--bg);cursor:pointer}
html[data-lang=zh] [lang=en]{display:none}html[data-lang=en] [lang=zh]{display:none}
"#;

/// Lists the alerts, applies each streamed change, acknowledges on click. Text from alerts is
/// only ever set with `textContent`.
const SCRIPT: &str = r#"
(function(){
var root=document.documentElement;
var l=null;try{l=localStorage.getItem('shequn-lang')}catch(e){}
var q=/[?&]lang=(zh|en)\b/.exec(location.search);l=q?q[1]:l||((navigator.language||'zh').toLowerCase().indexOf('zh')===0?'zh':'en');
function setLang(x){root.setAttribute('data-lang',x);root.setAttribute('lang',x==='zh'?'zh-CN':'en');try{localStorage.setItem('shequn-lang',x)}catch(e){}}
setLang(l);
document.getElementById('lang-switch').addEventListener('click',function(){setLang(root.getAttribute('data-lang')==='zh'?'en':'zh')});
var m=/token=([^&]+)/.exec(location.hash),token=m?decodeURIComponent(m[1]):null;
function headers(){return token?{'Authorization':'Bearer '+token}:{}}
var alerts={},rows=document.getElementById('rows'),filter=document.getElementById('state'),status=document.getElementById('live');
var names={open:['未处理','open'],resolved:['已解决','resolved'],acknowledged:['已确认','acknowledged']};
function two(el,zh,en){var a=document.createElement('span');a.lang='zh';a.textContent=zh;var b=document.createElement('span');b.lang='en';b.textContent=en;el.appendChild(a);el.appendChild(b)}
function when(ms){return ms?new Date(ms).toLocaleString():''}
function render(){
 var list=Object.keys(alerts).map(function(k){return alerts[k]}).filter(function(a){return filter.value==='all'||a.state===filter.value});
 list.sort(function(a,b){return (b.opened_ms||0)-(a.opened_ms||0)});
 rows.textContent='';
 list.forEach(function(a){
  var tr=document.createElement('tr');tr.setAttribute('data-key',a.key);tr.setAttribute('data-state',a.state);
  var st=document.createElement('td'),badge=document.createElement('span');badge.className='badge st-'+a.state;var n=names[a.state]||[a.state,a.state];two(badge,n[0],n[1]);st.appendChild(badge);
  var g=document.createElement('td');g.textContent=(a.group&&a.group.name)||'';var p=document.createElement('div');p.className='muted small';p.textContent=(a.group&&a.group.platform)||'';g.appendChild(p);
  var what=document.createElement('td');two(what,a.text_zh||'',a.text_en||'');
  if(a.message){var q=document.createElement('div');q.className='msg';var meta=document.createElement('div');meta.className='muted small';meta.textContent=a.message.sender+' · '+a.message.time;q.appendChild(meta);q.appendChild(document.createTextNode(a.message.text));what.appendChild(q)}
  if(a.resolution){var r=document.createElement('div');r.className='muted small';two(r,a.resolution.text_zh,a.resolution.text_en);what.appendChild(r)}
  var t=document.createElement('td');t.className='small';t.textContent=when(a.opened_ms);
  var act=document.createElement('td');
  if(a.state==='open'){var b=document.createElement('button');b.className='ack';two(b,'确认','Acknowledge');b.addEventListener('click',function(){ack(a.key)});act.appendChild(b)}
  [st,g,what,t,act].forEach(function(c){tr.appendChild(c)});rows.appendChild(tr);
 });
 document.getElementById('count').textContent=String(list.length);
}
function load(){return fetch('/api/alerts?state=all',{headers:headers()}).then(function(r){if(r.status===401){ask();throw new Error('401')}return r.json()}).then(function(list){alerts={};list.forEach(function(a){alerts[a.key]=a});render()})}
function ack(key){fetch('/api/alerts/'+encodeURIComponent(key)+'/ack',{method:'POST',headers:headers()}).then(function(r){return r.ok?r.json():null}).then(function(a){if(a){alerts[a.key]=a;render()}})}
function ask(){var t=window.prompt('看板令牌 / Dashboard token');if(t){token=t;location.hash='token='+encodeURIComponent(t);start()}}
function apply(ev,data){if(ev==='alert'){var a=JSON.parse(data);alerts[a.key]=a;render()}else if(ev==='lagged'){load()}}
function listen(){
 fetch('/api/alerts/stream',{headers:headers()}).then(function(r){
  if(!r.ok||!r.body)throw new Error('stream '+r.status);
  status.setAttribute('data-live','1');status.textContent='';two(status,'实时','live');
  var reader=r.body.getReader(),dec=new TextDecoder(),buf='';
  function pump(){return reader.read().then(function(x){
   if(x.done)throw new Error('ended');
   buf+=dec.decode(x.value,{stream:true});var i;
   while((i=buf.indexOf('\n\n'))>=0){var block=buf.slice(0,i);buf=buf.slice(i+2);var ev='message',data=[];
    block.split('\n').forEach(function(line){if(line.indexOf('event:')===0)ev=line.slice(6).trim();else if(line.indexOf('data:')===0)data.push(line.slice(5).replace(/^ /,''))});
    if(data.length)apply(ev,data.join('\n'))}
   return pump()})}
  return pump();
 }).catch(function(){status.setAttribute('data-live','0');status.textContent='';two(status,'连接中断，重连中','reconnecting');setTimeout(start,3000)});
}
function start(){listen();load().catch(function(){})}
filter.addEventListener('change',render);
start();
})();
"#;

fn sha256(script: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(script.as_bytes()))
}

/// The page's HTML (also what the browser test reads).
pub fn html() -> String {
    format!(
        r#"<!DOCTYPE html>
<html lang="zh-CN" data-lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>shequn 告警 · alerts</title><style>{CSS}</style></head><body>
<header><h1><span lang="zh">告警</span><span lang="en">Alerts</span> <span id="live" class="small muted" data-live="0"><span lang="zh">连接中</span><span lang="en">connecting</span></span></h1>
<div><a href="/"><span lang="zh">看板</span><span lang="en">Dashboard</span></a> <button id="lang-switch">中文 / English</button></div></header>
<main><div class="filters"><select id="state">
<option value="open">未处理 · open</option><option value="acknowledged">已确认 · acknowledged</option><option value="resolved">已解决 · resolved</option><option value="all">全部 · all</option>
</select> <span class="muted small"><span id="count">0</span> <span lang="zh">条</span><span lang="en">shown</span></span></div>
<table><thead><tr><th><span lang="zh">状态</span><span lang="en">State</span></th><th><span lang="zh">群</span><span lang="en">Group</span></th><th><span lang="zh">内容与证据</span><span lang="en">What and evidence</span></th><th><span lang="zh">时间</span><span lang="en">Time</span></th><th></th></tr></thead>
<tbody id="rows"></tbody></table></main>
<script>{SCRIPT}</script></body></html>"#
    )
}

async fn page() -> Response {
    let csp = format!(
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'sha256-{}'; connect-src 'self'; base-uri 'none'; form-action 'none'",
        sha256(SCRIPT)
    );
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
            (header::CONTENT_SECURITY_POLICY, csp),
        ],
        html(),
    )
        .into_response()
}
