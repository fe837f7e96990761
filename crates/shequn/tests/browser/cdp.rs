//! A small Chrome DevTools Protocol client over `--remote-debugging-pipe`: Chromium
//! reads NUL-terminated JSON commands on fd 3 and writes replies and events on fd 4.
//! No port, no websocket. A reader thread forwards what Chromium writes, and every
//! wait has a deadline, so a browser that stops answering fails the test instead of
//! hanging it.

use std::io::{BufRead, BufReader, Write};
use std::os::fd::{AsRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// How long one command (or a page load) may take before the test fails.
const DEADLINE: Duration = Duration::from_secs(60);

pub struct Browser {
    child: Child,
    commands: std::fs::File,
    messages: Receiver<Value>,
    next_id: u64,
    /// Events that arrived while waiting for a reply, in order.
    events: Vec<Value>,
    _profile: tempfile::TempDir,
}

/// A page (tab) attached with a flat session.
pub struct Tab {
    session: String,
}

fn pipe() -> (OwnedFd, OwnedFd) {
    let (r, w) = std::io::pipe().expect("pipe");
    (r.into(), w.into())
}

impl Browser {
    /// Starts headless Chromium with `lang` as its UI and `Accept-Language` language.
    pub fn launch(chrome: &Path, lang: &str) -> Browser {
        let profile = tempfile::tempdir().unwrap();
        let (to_chrome_r, to_chrome_w) = pipe();
        let (from_chrome_r, from_chrome_w) = pipe();
        let (child_in, child_out) = (to_chrome_r.as_raw_fd(), from_chrome_w.as_raw_fd());
        let mut cmd = Command::new(chrome);
        cmd.args([
            "--headless",
            "--remote-debugging-pipe",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--mute-audio",
            &format!("--lang={lang}"),
            &format!("--accept-lang={lang}"),
            &format!("--user-data-dir={}", profile.path().display()),
            "--window-size=1280,900",
            "about:blank",
        ])
        .env("LANGUAGE", lang)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls (fcntl, dup2) between fork and exec.
        // The pipe ends are first copied above fd 10 so placing them on 3 and 4
        // cannot overwrite one with the other; the copies carry no close-on-exec flag.
        unsafe {
            cmd.pre_exec(move || {
                let a = libc::fcntl(child_in, libc::F_DUPFD, 10);
                let b = libc::fcntl(child_out, libc::F_DUPFD, 10);
                if a < 0 || b < 0 || libc::dup2(a, 3) < 0 || libc::dup2(b, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().expect("chromium starts");
        // Our copies of Chromium's ends: closed, so EOF on fd 4 means Chromium exited.
        drop((to_chrome_r, from_chrome_w));
        let (tx, messages) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(std::fs::File::from(from_chrome_r));
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match reader.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(_) => {
                        if buf.last() == Some(&0) {
                            buf.pop();
                        }
                        let Ok(v) = serde_json::from_slice::<Value>(&buf) else { continue };
                        if tx.send(v).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        Browser {
            child,
            commands: std::fs::File::from(to_chrome_w),
            messages,
            next_id: 0,
            events: Vec::new(),
            _profile: profile,
        }
    }

    fn receive(&mut self, deadline: Instant, what: &str) -> Value {
        match self.messages.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(v) => v,
            Err(RecvTimeoutError::Timeout) => panic!("chromium did not answer {what} within {DEADLINE:?}"),
            Err(RecvTimeoutError::Disconnected) => panic!("chromium exited while waiting for {what}"),
        }
    }

    /// Sends one command and waits for its reply; a protocol error fails the test.
    pub fn call(&mut self, tab: Option<&Tab>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut msg = json!({ "id": id, "method": method, "params": params });
        if let Some(t) = tab {
            msg["sessionId"] = Value::from(t.session.clone());
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.commands.write_all(&bytes).expect("write to chromium");
        let deadline = Instant::now() + DEADLINE;
        loop {
            let v = self.receive(deadline, method);
            if v.get("id").and_then(Value::as_u64) == Some(id) {
                if let Some(e) = v.get("error") {
                    panic!("{method} failed: {e}");
                }
                return v.get("result").cloned().unwrap_or(Value::Null);
            }
            if v.get("method").is_some() {
                self.events.push(v);
            }
        }
    }

    /// Waits for the event `method` of `tab`, skipping the ones already seen.
    pub fn wait_event(&mut self, tab: &Tab, method: &str) -> Value {
        let mine = |v: &Value| {
            v.get("method").and_then(Value::as_str) == Some(method)
                && v.get("sessionId").and_then(Value::as_str) == Some(tab.session.as_str())
        };
        if let Some(i) = self.events.iter().position(mine) {
            return self.events.remove(i);
        }
        let deadline = Instant::now() + DEADLINE;
        loop {
            let v = self.receive(deadline, method);
            if mine(&v) {
                return v;
            }
            if v.get("method").is_some() {
                self.events.push(v);
            }
        }
    }

    /// Opens a new tab and attaches to it.
    pub fn new_tab(&mut self) -> Tab {
        let target = self.call(None, "Target.createTarget", json!({ "url": "about:blank" }));
        let id = target["targetId"].as_str().expect("targetId").to_string();
        let attached = self.call(None, "Target.attachToTarget", json!({ "targetId": id, "flatten": true }));
        let tab = Tab { session: attached["sessionId"].as_str().expect("sessionId").to_string() };
        self.call(Some(&tab), "Page.enable", json!({}));
        tab
    }

    /// Navigates and waits for the load event.
    pub fn open(&mut self, tab: &Tab, url: &str) {
        self.events.retain(|v| v.get("method").and_then(Value::as_str) != Some("Page.loadEventFired"));
        let r = self.call(Some(tab), "Page.navigate", json!({ "url": url }));
        if let Some(e) = r.get("errorText") {
            panic!("cannot open {url}: {e}");
        }
        self.wait_event(tab, "Page.loadEventFired");
    }

    /// Evaluates a JavaScript expression in the page and returns its value.
    pub fn eval(&mut self, tab: &Tab, expression: &str) -> Value {
        let r = self.call(
            Some(tab),
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        );
        if let Some(e) = r.get("exceptionDetails") {
            panic!("{expression} threw: {e}");
        }
        r["result"].get("value").cloned().unwrap_or(Value::Null)
    }

    /// Clicks like a person: a mouse press and release at the centre of the element
    /// `selector`, which must be visible (a hidden or covered button gets no click).
    pub fn click(&mut self, tab: &Tab, selector: &str) {
        let sel = serde_json::to_string(selector).unwrap();
        let rect = self.eval(
            tab,
            &format!(
                "(()=>{{const e=document.querySelector({sel});if(!e)return null;const r=e.getBoundingClientRect();\
                 return r.width>0&&r.height>0?[r.x+r.width/2,r.y+r.height/2]:null}})()"
            ),
        );
        let (x, y) = match rect.as_array().map(|a| (a[0].as_f64(), a[1].as_f64())) {
            Some((Some(x), Some(y))) => (x, y),
            _ => panic!("{selector} is not on the page or not visible"),
        };
        for kind in ["mousePressed", "mouseReleased"] {
            self.call(
                Some(tab),
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            );
        }
    }

    pub fn close_tab(&mut self, tab: Tab) {
        self.call(Some(&tab), "Page.close", json!({}));
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
