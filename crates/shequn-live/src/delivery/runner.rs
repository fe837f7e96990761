//! One delivery target's thread: a bounded queue in front, retries with doubling pauses, an
//! optional digest window. A target that hangs or fails holds up only its own queue; the
//! alert is stored before it gets here, so it stays on the API whatever happens.

use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use shequn_alerts::AlertChange;

use crate::outbound::CallError;

/// What a target is handed: one change, or a digest of several, with its text.
pub struct Outgoing<'a> {
    pub changes: &'a [Arc<AlertChange>],
    /// The message for chat targets (zh then en, see [`super::text`]).
    pub text: String,
    /// Stable for the same changes: a retry repeats it (Matrix transaction ids).
    pub id: String,
}

/// Somewhere alert changes go: an operators' chat, the webhook.
pub trait Target: Send {
    /// For logs: `telegram chat -1001234`.
    fn describe(&self) -> String;
    /// One attempt.
    fn send(&self, out: &Outgoing<'_>) -> Result<(), CallError>;
    /// Whether changes may be bundled (chat targets); the webhook posts one body per change.
    fn bundles(&self) -> bool {
        true
    }
}

/// How a target's thread retries and bundles.
#[derive(Debug, Clone)]
pub struct Schedule {
    /// Changes waiting at most; past it a change is dropped from this target (logged).
    pub queue: usize,
    /// Attempts per message (the first and the retries).
    pub attempts: u32,
    /// The pause before the first retry; it doubles, up to `max_pause`.
    pub first_retry: Duration,
    pub max_pause: Duration,
    /// At most one message per this long (zero: one message per change, at once).
    pub digest: Duration,
    /// The link printed under each message.
    pub dashboard_url: Option<String>,
}

impl Default for Schedule {
    fn default() -> Schedule {
        Schedule {
            queue: 256,
            attempts: 6,
            first_retry: Duration::from_secs(1),
            max_pause: Duration::from_secs(60),
            digest: Duration::ZERO,
            dashboard_url: None,
        }
    }
}

/// Calls `f` until it succeeds, is refused, or `attempts` are used up; pauses double from
/// `first` to `max` (or last as long as the platform asked, capped at `max`). This is the one
/// retry scheme of every outgoing call shequn makes (delivery and enforcement).
pub fn with_retries(
    attempts: u32,
    first: Duration,
    max: Duration,
    mut f: impl FnMut() -> Result<(), CallError>,
) -> Result<(), (CallError, u32)> {
    let mut pause = first;
    let mut tried = 0;
    loop {
        tried += 1;
        match f() {
            Ok(()) => return Ok(()),
            Err(e @ CallError::Refused(_)) => return Err((e, tried)),
            Err(e) if tried >= attempts.max(1) => return Err((e, tried)),
            Err(CallError::Retry { after, .. }) => {
                std::thread::sleep(after.map_or(pause, |a| a.min(max)));
                pause = (pause * 2).min(max);
            }
        }
    }
}

/// A running target: its queue.
pub struct TargetQueue {
    pub name: String,
    tx: SyncSender<Arc<AlertChange>>,
}

impl TargetQueue {
    /// Hands a change over without waiting; false (and a line on stderr) when the queue is full.
    pub fn offer(&self, change: Arc<AlertChange>) -> bool {
        match self.tx.try_send(change) {
            Ok(()) => true,
            Err(TrySendError::Full(c)) => {
                eprintln!(
                    "shequn live: [{}] is behind; {} stays on /api/alerts only / 告警发送积压，仅在看板上",
                    self.name,
                    c.key()
                );
                false
            }
            Err(TrySendError::Disconnected(_)) => false,
        }
    }
}

/// Starts `target`'s thread; it ends when the queue's sender is dropped, after sending what
/// is pending.
pub fn spawn(target: Box<dyn Target>, schedule: Schedule) -> anyhow::Result<TargetQueue> {
    let name = target.describe();
    let (tx, rx) = sync_channel(schedule.queue.max(1));
    std::thread::Builder::new().name("shequn-deliver".into()).spawn(move || run(target, rx, schedule))?;
    Ok(TargetQueue { name, tx })
}

fn run(target: Box<dyn Target>, rx: Receiver<Arc<AlertChange>>, s: Schedule) {
    let digest = if target.bundles() { s.digest } else { Duration::ZERO };
    let mut pending: Vec<Arc<AlertChange>> = Vec::new();
    let mut last_sent: Option<Instant> = None;
    let mut open = true;
    while open || !pending.is_empty() {
        // Wait for a change, or (with changes pending in a digest window) for the window to end.
        let window_end = last_sent.map(|t| t + digest);
        let next = if !open {
            None
        } else if pending.is_empty() {
            rx.recv().ok()
        } else {
            let wait = window_end.map_or(Duration::ZERO, |e| e.saturating_duration_since(Instant::now()));
            match rx.recv_timeout(wait) {
                Ok(c) => Some(c),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => {
                    open = false;
                    None
                }
            }
        };
        match next {
            Some(c) => {
                pending.push(c);
                pending.extend(rx.try_iter());
            }
            None if open && pending.is_empty() => open = false,
            None => {}
        }
        let window_open = window_end.is_none_or(|e| Instant::now() >= e);
        if pending.is_empty() || (!window_open && open) {
            continue;
        }
        if digest.is_zero() {
            for c in std::mem::take(&mut pending) {
                deliver(&*target, &s, std::slice::from_ref(&c));
            }
        } else {
            let batch = std::mem::take(&mut pending);
            deliver(&*target, &s, &batch);
            last_sent = Some(Instant::now());
        }
    }
}

/// A stable id for a set of changes: what they are, not when they are sent.
fn id_of(changes: &[Arc<AlertChange>]) -> String {
    let mut text = String::new();
    for c in changes {
        text.push_str(if matches!(**c, AlertChange::Opened(_)) { "o:" } else { "r:" });
        text.push_str(c.key());
        text.push('\n');
    }
    format!("shequn-{:016x}", xxhash_rust::xxh3::xxh3_64(text.as_bytes()))
}

fn deliver(target: &dyn Target, s: &Schedule, changes: &[Arc<AlertChange>]) {
    let dashboard = s.dashboard_url.as_deref();
    let text = match changes {
        [one] => super::text::single(one, dashboard),
        many => super::text::digest(&many.iter().map(|c| &**c).collect::<Vec<_>>(), dashboard),
    };
    let out = Outgoing { changes, text, id: id_of(changes) };
    if let Err((e, tried)) = with_retries(s.attempts, s.first_retry, s.max_pause, || target.send(&out)) {
        let keys: Vec<&str> = changes.iter().take(3).map(|c| c.key()).collect();
        let more = if changes.len() > 3 { format!(" and {} more", changes.len() - 3) } else { String::new() };
        eprintln!(
            "shequn live: [{}] gave up on {}{more} after {tried} attempt(s) ({e}); the alert stays open on /api/alerts / 告警发送失败，告警仍在看板上",
            target.describe(),
            keys.join(", ")
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// Records what it is sent; answers from a script (then Ok).
    struct Scripted {
        sent: Arc<Mutex<Vec<(Instant, usize, String)>>>,
        script: Mutex<Vec<Result<(), CallError>>>,
        delay: Duration,
    }

    impl Target for Scripted {
        fn describe(&self) -> String {
            "scripted".into()
        }
        fn send(&self, out: &Outgoing<'_>) -> Result<(), CallError> {
            std::thread::sleep(self.delay);
            self.sent.lock().unwrap().push((Instant::now(), out.changes.len(), out.id.clone()));
            let mut s = self.script.lock().unwrap();
            if s.is_empty() {
                Ok(())
            } else {
                s.remove(0)
            }
        }
    }

    fn change(n: usize) -> Arc<AlertChange> {
        Arc::new(crate::delivery::text::tests_support::opened(n))
    }

    type Sent = Arc<Mutex<Vec<(Instant, usize, String)>>>;

    fn start(script: Vec<Result<(), CallError>>, s: Schedule, delay: Duration) -> (TargetQueue, Sent) {
        let sent: Sent = Arc::default();
        let t = Scripted { sent: sent.clone(), script: Mutex::new(script), delay };
        (spawn(Box::new(t), s).unwrap(), sent)
    }

    fn wait_len(sent: &Sent, n: usize) {
        let end = Instant::now() + Duration::from_secs(10);
        while sent.lock().unwrap().len() < n {
            assert!(Instant::now() < end, "timed out: {} of {n}", sent.lock().unwrap().len());
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    #[test]
    fn failures_are_retried_with_the_same_id_and_refusals_are_not() {
        let fast = Schedule { first_retry: Duration::from_millis(5), attempts: 4, ..Schedule::default() };
        let (q, sent) = start(
            vec![
                Err(CallError::retry("500")),
                Err(CallError::retry("timeout")),
                Ok(()),
                Err(CallError::Refused("no".into())),
            ],
            fast,
            Duration::ZERO,
        );
        q.offer(change(1));
        q.offer(change(2));
        q.offer(change(3));
        wait_len(&sent, 5);
        std::thread::sleep(Duration::from_millis(50));
        let s = sent.lock().unwrap();
        // 1: three attempts (two failures, then done) under one id; 2: refused once, not retried; 3: once.
        assert_eq!(s.len(), 5, "{s:?}");
        assert!(s[0].2 == s[1].2 && s[1].2 == s[2].2);
        assert_ne!(s[3].2, s[4].2);
    }

    #[test]
    fn a_target_that_never_succeeds_gives_up_after_its_attempts() {
        let fast = Schedule { first_retry: Duration::from_millis(5), attempts: 3, ..Schedule::default() };
        let (q, sent) = start((0..10).map(|_| Err(CallError::retry("HTTP 500"))).collect(), fast, Duration::ZERO);
        q.offer(change(1));
        q.offer(change(2));
        wait_len(&sent, 6);
        std::thread::sleep(Duration::from_millis(100));
        assert_eq!(sent.lock().unwrap().len(), 6, "3 attempts each, then given up");
    }

    #[test]
    fn a_full_queue_refuses_at_once_instead_of_waiting() {
        // The target hangs 300 ms per call; a queue of 2 takes two more while it hangs.
        let s = Schedule { queue: 2, ..Schedule::default() };
        let (q, _sent) = start(Vec::new(), s, Duration::from_millis(300));
        let t0 = Instant::now();
        let taken: Vec<bool> = (0..6).map(|n| q.offer(change(n))).collect();
        assert!(t0.elapsed() < Duration::from_millis(100), "offer never waits");
        assert!(taken.iter().filter(|t| !**t).count() >= 2, "{taken:?}");
    }

    #[test]
    fn a_digest_sends_the_first_change_at_once_then_bundles_the_window() {
        let s = Schedule { digest: Duration::from_millis(400), ..Schedule::default() };
        let (q, sent) = start(Vec::new(), s, Duration::ZERO);
        let t0 = Instant::now();
        q.offer(change(0));
        wait_len(&sent, 1);
        for n in 1..=30 {
            q.offer(change(n));
        }
        wait_len(&sent, 2);
        std::thread::sleep(Duration::from_millis(500));
        let s = sent.lock().unwrap();
        assert_eq!(s.iter().map(|x| x.1).collect::<Vec<_>>(), [1, 30], "one at once, then one digest of 30");
        assert!(s[0].0 - t0 < Duration::from_millis(200));
        assert!(s[1].0 - s[0].0 >= Duration::from_millis(390), "{:?}", s[1].0 - s[0].0);
    }
}
