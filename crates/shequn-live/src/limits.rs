//! Limits that keep one platform (or one attacker) from exhausting the service: request body
//! size, the writer's queue, how long a request waits for its write, and a per-source rate.

use std::sync::Mutex;
use std::time::Instant;

use serde::Deserialize;

/// The `[limits]` table of the live config. Every key is optional.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest request body accepted; larger gets 413. Telegram and Slack events are a few KiB.
    pub body_bytes: usize,
    /// Deliveries waiting for the writer; past this, requests wait (backpressure), then 503.
    pub queue: usize,
    /// How long a request waits for its write before answering 503 (the platform retries;
    /// keys make the retry harmless). Below Slack's 3 s and OneBot's default 5 s.
    pub ack_wait_ms: u64,
    /// Requests per second each push source accepts on average; past it, 429.
    pub rate_per_s: f64,
    /// Requests a push source may send at once above the average.
    pub burst: f64,
    /// Deliveries the writer commits together in one transaction, at most.
    pub batch: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { body_bytes: 1 << 20, queue: 4096, ack_wait_ms: 2500, rate_per_s: 2000.0, burst: 4000.0, batch: 512 }
    }
}

/// A token bucket: `rate` tokens a second, at most `burst` saved up.
pub struct RateLimit {
    rate: f64,
    burst: f64,
    state: Mutex<(f64, Instant)>,
}

impl RateLimit {
    pub fn new(rate: f64, burst: f64) -> RateLimit {
        RateLimit { rate, burst, state: Mutex::new((burst, Instant::now())) }
    }

    /// Takes one token; false when the bucket is empty.
    pub fn allow(&self) -> bool {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let refill = now.duration_since(s.1).as_secs_f64() * self.rate;
        s.0 = (s.0 + refill).min(self.burst);
        s.1 = now;
        if s.0 >= 1.0 {
            s.0 -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_the_burst_then_refuses() {
        let r = RateLimit::new(0.001, 3.0);
        assert!(r.allow() && r.allow() && r.allow());
        assert!(!r.allow(), "a fourth request at once exceeds a burst of 3");
    }
}
