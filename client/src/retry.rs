//! Exponential backoff for transient network failures: how often and how long to wait before
//! trying a node again. Used by [`crate::rpc::RpcClient`] (at most [`MAX_RETRIES`] retries of a
//! request) and by the miner daemon's reconnect loop (unbounded, up to a cap).

use std::sync::Arc;
use std::time::Duration;

/// The most retries of one request a [`RetryPolicy`] allows.
pub const MAX_RETRIES: u32 = 3;

/// Delays that double from `base` and never exceed `cap`.
#[derive(Clone, Debug)]
pub struct Backoff {
    base: Duration,
    cap: Duration,
    failures: u32,
}

impl Backoff {
    pub fn new(base: Duration, cap: Duration) -> Self {
        Backoff {
            base,
            cap: cap.max(base),
            failures: 0,
        }
    }

    /// The delay before the next try, after one more failure: `base`, `2 base`, `4 base`, …,
    /// at most `cap`.
    pub fn next_delay(&mut self) -> Duration {
        let shift = self.failures.min(31);
        self.failures = self.failures.saturating_add(1);
        self.base
            .checked_mul(1u32 << shift)
            .unwrap_or(self.cap)
            .min(self.cap)
    }

    /// Failures since the last [`Backoff::reset`].
    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Back to `base` (after a success).
    pub fn reset(&mut self) {
        self.failures = 0;
    }
}

/// How an [`crate::rpc::RpcClient`] retries requests that failed on the network (connection
/// refused or reset, timeout): at most `max_retries` times (capped at [`MAX_RETRIES`]),
/// reconnecting first, after `base`, `2 base`, `4 base`.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base: Duration,
}

impl RetryPolicy {
    /// No retries: a network failure is returned at once.
    pub fn none() -> Self {
        RetryPolicy {
            max_retries: 0,
            base: Duration::from_secs(1),
        }
    }

    /// `max_retries` (at most [`MAX_RETRIES`]) retries after 1 s, 2 s, 4 s.
    pub fn standard(max_retries: u32) -> Self {
        RetryPolicy {
            max_retries: max_retries.min(MAX_RETRIES),
            base: Duration::from_secs(1),
        }
    }

    /// A fresh backoff for one request.
    pub fn backoff(&self) -> Backoff {
        Backoff::new(self.base, self.base * 8)
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy::none()
    }
}

/// Receives the one-line notes a client gives about retries (the CLI prints them on stderr).
pub type NoteFn = Arc<dyn Fn(&str) + Send + Sync>;

/// A duration for people: `500 ms`, `1 s`, `2.5 s`.
pub fn human(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_the_cap_and_resets() {
        let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(30));
        let delays: Vec<u64> = (0..8).map(|_| b.next_delay().as_secs()).collect();
        assert_eq!(delays, vec![1, 2, 4, 8, 16, 30, 30, 30]);
        assert_eq!(b.failures(), 8);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_secs(1));
        // Many failures never overflow.
        for _ in 0..100 {
            assert!(b.next_delay() <= Duration::from_secs(30));
        }
    }

    #[test]
    fn request_policy_is_bounded() {
        assert_eq!(RetryPolicy::standard(10).max_retries, MAX_RETRIES);
        assert_eq!(RetryPolicy::none().max_retries, 0);
        let mut b = RetryPolicy::standard(3).backoff();
        let d: Vec<u64> = (0..3).map(|_| b.next_delay().as_secs()).collect();
        assert_eq!(d, vec![1, 2, 4]);
    }

    #[test]
    fn human_durations() {
        assert_eq!(human(Duration::from_millis(500)), "500 ms");
        assert_eq!(human(Duration::from_secs(2)), "2 s");
        assert_eq!(human(Duration::from_millis(2500)), "2.5 s");
    }
}
