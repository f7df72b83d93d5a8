//! Whether a job's time to live leaves room for a run: the daemon does not accept a job that
//! would expire before its result could be in a block.
//!
//! A run is estimated at `max_tokens / rate` (the configured `--tokens-per-second`, else the
//! rate measured on this daemon's finished jobs), and at least `--min-run-window`. A job fits
//! when the blocks left before it expires, times the block time, cover that estimate plus one
//! block for the result's inclusion.

use std::time::Duration;

use aitbc_client::rpc::RpcClient;

/// The estimated length of one run, and how it was reached (for the log).
#[derive(Debug, Clone, PartialEq)]
pub struct RunEstimate {
    pub duration: Duration,
    pub basis: String,
}

/// The run time of a job generating up to `max_tokens` at `rate` (tokens/s, and where that
/// rate comes from), at least `min_window`.
pub fn estimate_run(
    max_tokens: u32,
    rate: Option<(f64, &str)>,
    min_window: Duration,
) -> RunEstimate {
    let window = format!(
        "the minimum run window of {} s (--min-run-window)",
        secs(min_window)
    );
    let Some((rate, source)) = rate.filter(|(r, _)| r.is_finite() && *r > 0.0) else {
        return RunEstimate {
            duration: min_window,
            basis: format!("{window}; no generation rate is known yet"),
        };
    };
    let by_rate = Duration::from_secs_f64(f64::from(max_tokens) / rate);
    if by_rate <= min_window {
        return RunEstimate {
            duration: min_window,
            basis: window,
        };
    }
    RunEstimate {
        duration: by_rate,
        basis: format!("{max_tokens} tokens (--max-tokens) at {rate:.1} tokens/s ({source})"),
    }
}

/// `Ok` when a job expiring at block `expires_at`, seen at head `head`, leaves time for a run of
/// `estimate` plus one block of `block_ms` for the result; else why not.
pub fn check(
    expires_at: u32,
    head: u32,
    block_ms: u64,
    estimate: &RunEstimate,
) -> Result<(), String> {
    let left_blocks = expires_at.saturating_sub(head);
    let left = Duration::from_millis(u64::from(left_blocks).saturating_mul(block_ms));
    let needed = estimate.duration + Duration::from_millis(block_ms);
    if left >= needed {
        return Ok(());
    }
    Err(format!(
        "it expires at block #{expires_at}, {left_blocks} block(s) after head #{head} ({} s at {} s a block), but a run needs about {} s ({}) plus a block for the result",
        secs(left),
        secs(Duration::from_millis(block_ms)),
        secs(estimate.duration),
        estimate.basis
    ))
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s:.1}")
    }
}

/// The chain's block time in milliseconds (`AuraApi_slot_duration`), or the runtime's
/// constant when the node does not answer it.
pub async fn block_ms(rpc: &RpcClient) -> u64 {
    let fallback = aitbc_runtime::MILLISECS_PER_BLOCK;
    match rpc.state_call("AuraApi_slot_duration", &[], None).await {
        Ok(bytes) => match <[u8; 8]>::try_from(bytes.as_slice()) {
            Ok(b) if u64::from_le_bytes(b) > 0 => u64::from_le_bytes(b),
            _ => {
                tracing::warn!(
                    "AuraApi_slot_duration answered {} bytes, not a u64; assuming {fallback} ms a block",
                    bytes.len()
                );
                fallback
            }
        },
        Err(e) => {
            tracing::warn!("cannot read the block time ({e}); assuming {fallback} ms a block");
            fallback
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BLOCK: u64 = 2000;

    #[test]
    fn without_a_rate_the_minimum_window_is_the_estimate() {
        let e = estimate_run(256, None, Duration::from_secs(10));
        assert_eq!(e.duration, Duration::from_secs(10));
        assert!(e.basis.contains("--min-run-window"), "{}", e.basis);
        assert!(e.basis.contains("no generation rate"), "{}", e.basis);
    }

    #[test]
    fn a_rate_gives_max_tokens_over_rate_but_not_under_the_window() {
        let e = estimate_run(256, Some((8.0, "measured")), Duration::from_secs(10));
        assert_eq!(e.duration, Duration::from_secs(32));
        assert!(e.basis.contains("256 tokens") && e.basis.contains("8.0 tokens/s (measured)"));
        let fast = estimate_run(256, Some((1000.0, "configured")), Duration::from_secs(10));
        assert_eq!(fast.duration, Duration::from_secs(10));
        let bad = estimate_run(256, Some((0.0, "configured")), Duration::from_secs(3));
        assert_eq!(bad.duration, Duration::from_secs(3));
    }

    #[test]
    fn a_job_whose_ttl_cannot_fit_the_run_is_refused_with_why() {
        let e = estimate_run(256, Some((8.0, "measured")), Duration::from_secs(10));
        // 32 s of run + a 2 s block = 34 s = 17 blocks.
        assert!(check(117, 100, BLOCK, &e).is_ok());
        let why = check(116, 100, BLOCK, &e).expect_err("16 blocks are 32 s");
        assert!(
            why.contains("expires at block #116")
                && why.contains("16 block(s) after head #100")
                && why.contains("32 s at 2 s a block")
                && why.contains("about 32 s"),
            "{why}"
        );
        // Already expired, or expiring now.
        assert!(check(100, 100, BLOCK, &e).is_err());
        assert!(check(90, 100, BLOCK, &e).is_err());
    }

    #[test]
    fn a_three_second_ttl_does_not_fit_the_default_window() {
        // `aitbc client submit --ttl 3`: two blocks.
        let e = estimate_run(256, None, Duration::from_secs(10));
        assert!(check(102, 100, BLOCK, &e).is_err());
        assert!(check(106, 100, BLOCK, &e).is_ok());
    }
}
