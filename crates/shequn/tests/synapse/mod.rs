//! A real Synapse homeserver on loopback for tests: generated config, SQLite, rate limits
//! raised, users registered through the shared-secret admin API, killed when dropped (also
//! on panic). Synapse comes from the virtualenv `.ci/run` installs.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use serde_json::{json, Value};

const SECRET: &str = "shequn-test-registration-secret";

/// The virtualenv's python, when Synapse is installed there.
fn python() -> Option<PathBuf> {
    let venv = match std::env::var_os("SHEQUN_SYNAPSE_VENV") {
        Some(v) => PathBuf::from(v),
        None => PathBuf::from(std::env::var_os("HOME")?).join(".cache/shequn/synapse-venv"),
    };
    let python = venv.join("bin/python");
    let ok = Command::new(&python)
        .args(["-c", "import synapse"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(python)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A running homeserver named `localhost`.
pub struct Synapse {
    child: Child,
    pub base: String,
    pub dir: tempfile::TempDir,
}

impl Drop for Synapse {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One blocking call; panics with the homeserver's answer unless it is 2xx.
pub fn call(method: &str, url: &str, token: Option<&str>, body: Option<Value>) -> Value {
    match try_call(method, url, token, body) {
        Ok(v) => v,
        Err((status, text)) => panic!("{method} {url}: HTTP {status}: {text}"),
    }
}

/// One blocking call: the JSON answer, or (status, body).
pub fn try_call(method: &str, url: &str, token: Option<&str>, body: Option<Value>) -> Result<Value, (u16, String)> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .build()
        .into();
    let auth = token.map(|t| format!("Bearer {t}"));
    let resp = match method {
        "GET" => {
            let mut r = agent.get(url);
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.call()
        }
        _ => {
            let mut r = if method == "PUT" { agent.put(url) } else { agent.post(url) };
            if let Some(a) = &auth {
                r = r.header("Authorization", a);
            }
            r.header("Content-Type", "application/json").send(body.unwrap_or(json!({})).to_string())
        }
    };
    let mut resp = resp.map_err(|e| (0, e.to_string()))?;
    let status = resp.status().as_u16();
    let text = resp.body_mut().read_to_string().unwrap_or_default();
    if (200..300).contains(&status) {
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
    } else {
        Err((status, text))
    }
}

/// Percent-encodes a path segment.
pub fn seg(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

impl Synapse {
    /// Starts Synapse, or returns None (after saying why) when it is not installed here.
    /// Under CI (`CI` set) a missing Synapse is a failure.
    pub fn start() -> Option<Synapse> {
        let Some(python) = python() else {
            if std::env::var_os("CI").is_some() {
                panic!("Synapse is not installed in the test virtualenv (CI is set, so this is a failure); .ci/run installs it");
            }
            eprintln!(
                "skipped: Synapse not installed; run .ci/run's install step (python3 -m venv ~/.cache/shequn/synapse-venv && ~/.cache/shequn/synapse-venv/bin/pip install matrix-synapse)"
            );
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("homeserver.yaml");
        let out = Command::new(&python)
            .args(["-m", "synapse.app.homeserver", "--server-name", "localhost", "--config-path"])
            .arg(&config)
            .args(["--generate-config", "--report-stats=no"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(out.status.success(), "synapse --generate-config failed: {}", String::from_utf8_lossy(&out.stderr));
        // Keep the generated paths and keys; replace the listener, database and limits.
        let generated = std::fs::read_to_string(&config).unwrap();
        let keep = [
            "server_name:",
            "pid_file:",
            "log_config:",
            "media_store_path:",
            "signing_key_path:",
            "report_stats:",
            "macaroon_secret_key:",
            "form_secret:",
        ];
        let mut yaml: String =
            generated.lines().filter(|l| keep.iter().any(|k| l.starts_with(k))).map(|l| format!("{l}\n")).collect();
        let port = free_port();
        let fast = "{per_second: 10000, burst_count: 10000}";
        yaml.push_str(&format!(
            "listeners:
  - port: {port}
    bind_addresses: ['127.0.0.1']
    type: http
    tls: false
    x_forwarded: false
    resources:
      - names: [client]
        compress: false
database:
  name: sqlite3
  args:
    database: {db}
registration_shared_secret: \"{SECRET}\"
trusted_key_servers: []
suppress_key_server_warning: true
enable_metrics: false
bcrypt_rounds: 4
rc_message: {fast}
rc_registration: {fast}
rc_login:
  address: {fast}
  account: {fast}
  failed_attempts: {fast}
rc_joins:
  local: {fast}
  remote: {fast}
rc_joins_per_room: {fast}
rc_invites:
  per_room: {fast}
  per_user: {fast}
  per_issuer: {fast}
",
            db = dir.path().join("homeserver.db").display()
        ));
        std::fs::write(&config, yaml).unwrap();
        let log = std::fs::File::create(dir.path().join("stdout.log")).unwrap();
        let child = Command::new(&python)
            .args(["-m", "synapse.app.homeserver", "-c"])
            .arg(&config)
            .current_dir(dir.path())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        let mut synapse = Synapse { child, base: format!("http://127.0.0.1:{port}"), dir };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if try_call("GET", &format!("{}/_matrix/client/versions", synapse.base), None, None).is_ok() {
                break;
            }
            if let Ok(Some(status)) = synapse.child.try_wait() {
                panic!("Synapse exited ({status}) before answering:\n{}", synapse.log_tail());
            }
            assert!(Instant::now() < deadline, "Synapse did not answer within 60 s:\n{}", synapse.log_tail());
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(synapse)
    }

    /// The end of Synapse's output, for failure messages.
    pub fn log_tail(&self) -> String {
        let mut text = String::new();
        for f in ["stdout.log", "homeserver.log"] {
            let t = std::fs::read_to_string(self.dir.path().join(f)).unwrap_or_default();
            let lines: Vec<&str> = t.lines().collect();
            text.push_str(&lines[lines.len().saturating_sub(30)..].join("\n"));
            text.push('\n');
        }
        text
    }

    /// Registers `user` through `/_synapse/admin/v1/register` (as `register_new_matrix_user`
    /// does: HMAC-SHA1 over nonce, user, password and "notadmin").
    pub fn register(&self, user: &str, password: &str) -> User {
        let url = format!("{}/_synapse/admin/v1/register", self.base);
        let nonce = call("GET", &url, None, None)["nonce"].as_str().unwrap().to_string();
        let mut mac = Hmac::<sha1::Sha1>::new_from_slice(SECRET.as_bytes()).unwrap();
        for (i, part) in [nonce.as_str(), user, password, "notadmin"].iter().enumerate() {
            if i > 0 {
                mac.update(b"\0");
            }
            mac.update(part.as_bytes());
        }
        let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        let body = json!({ "nonce": nonce, "username": user, "password": password, "admin": false, "mac": hex });
        let r = call("POST", &url, None, Some(body));
        User {
            id: r["user_id"].as_str().unwrap().to_string(),
            token: r["access_token"].as_str().unwrap().to_string(),
            base: self.base.clone(),
        }
    }
}

/// A registered user acting through the client-server API.
pub struct User {
    pub id: String,
    pub token: String,
    base: String,
}

static TXN: AtomicU64 = AtomicU64::new(0);

impl User {
    fn url(&self, path: &str) -> String {
        format!("{}/_matrix/client/v3{path}", self.base)
    }

    fn txn() -> String {
        format!("t{}-{}", std::process::id(), TXN.fetch_add(1, Ordering::Relaxed))
    }

    pub fn create_room(&self, name: &str, invite: &[&str]) -> String {
        let r =
            call("POST", &self.url("/createRoom"), Some(&self.token), Some(json!({ "name": name, "invite": invite })));
        r["room_id"].as_str().unwrap().to_string()
    }

    pub fn send_content(&self, room: &str, content: Value) -> String {
        let path = format!("/rooms/{}/send/m.room.message/{}", seg(room), Self::txn());
        call("PUT", &self.url(&path), Some(&self.token), Some(content))["event_id"].as_str().unwrap().to_string()
    }

    pub fn send(&self, room: &str, body: &str) -> String {
        self.send_content(room, json!({ "msgtype": "m.text", "body": body }))
    }

    pub fn reply(&self, room: &str, body: &str, to: &str) -> String {
        self.send_content(
            room,
            json!({ "msgtype": "m.text", "body": body, "m.relates_to": { "m.in_reply_to": { "event_id": to } } }),
        )
    }

    pub fn edit(&self, room: &str, original: &str, body: &str) -> String {
        self.send_content(
            room,
            json!({
                "msgtype": "m.text", "body": format!("* {body}"),
                "m.new_content": { "msgtype": "m.text", "body": body },
                "m.relates_to": { "rel_type": "m.replace", "event_id": original }
            }),
        )
    }

    pub fn invite(&self, room: &str, user: &str) {
        call(
            "POST",
            &self.url(&format!("/rooms/{}/invite", seg(room))),
            Some(&self.token),
            Some(json!({ "user_id": user })),
        );
    }

    pub fn join(&self, room: &str) {
        call("POST", &self.url(&format!("/join/{}", seg(room))), Some(&self.token), Some(json!({})));
    }

    pub fn leave(&self, room: &str) {
        call("POST", &self.url(&format!("/rooms/{}/leave", seg(room))), Some(&self.token), Some(json!({})));
    }

    pub fn redact(&self, room: &str, event: &str) -> String {
        let path = format!("/rooms/{}/redact/{}/{}", seg(room), seg(event), Self::txn());
        call("PUT", &self.url(&path), Some(&self.token), Some(json!({ "reason": "test" })))["event_id"]
            .as_str()
            .unwrap()
            .to_string()
    }

    pub fn rename(&self, room: &str, name: &str) {
        let path = format!("/rooms/{}/state/m.room.name/", seg(room));
        call("PUT", &self.url(&path), Some(&self.token), Some(json!({ "name": name })));
    }

    /// Whether `user` has joined `room`, as this user sees it.
    pub fn is_joined(&self, room: &str, user: &str) -> bool {
        let r = call("GET", &self.url(&format!("/rooms/{}/joined_members", seg(room))), Some(&self.token), None);
        r["joined"].get(user).is_some()
    }
}
