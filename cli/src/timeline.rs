//! Block numbers as approximate wall-clock times: the chain's own clock (`Timestamp::Now` at the
//! best block) plus the block time for each block ahead or behind.

use crate::output::format_time_ms;
use aitbc_client::{
    marketplace::chain_time_ms,
    rpc::RpcClient,
    runtime::{BlockNumber, MILLISECS_PER_BLOCK},
};
use anyhow::Result;
use serde_json::{json, Value};

/// The best block and its timestamp.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    /// Best block number.
    pub best: BlockNumber,
    /// Its `Timestamp::Now`, in Unix milliseconds.
    pub best_ms: u64,
}

impl Clock {
    /// Reads the best block and its timestamp from the node.
    pub async fn now(rpc: &RpcClient) -> Result<Self> {
        let header = rpc.best_header().await?;
        let hash = rpc.block_hash(Some(header.number)).await?;
        let best_ms = chain_time_ms(rpc, hash).await?;
        Ok(Clock {
            best: header.number,
            best_ms,
        })
    }

    /// Seconds from the best block to `block` (negative: in the past).
    pub fn secs_until(&self, block: BlockNumber) -> i64 {
        (block as i64 - self.best as i64) * MILLISECS_PER_BLOCK as i64 / 1000
    }

    /// Approximate Unix milliseconds of `block`.
    pub fn approx_ms(&self, block: BlockNumber) -> u64 {
        let ms = self.best_ms as i64 + self.secs_until(block) * 1000;
        ms.max(0) as u64
    }

    /// `#130 (~2025-01-01 12:00:00 UTC, in ~1 min)`.
    pub fn describe(&self, block: BlockNumber) -> String {
        let secs = self.secs_until(block);
        let rel = if secs > 0 {
            format!("in ~{}", duration_text(secs as u64))
        } else if secs < 0 {
            format!("~{} ago", duration_text(secs.unsigned_abs()))
        } else {
            "now".to_string()
        };
        format!(
            "#{block} (~{}, {rel})",
            format_time_ms(self.approx_ms(block))
        )
    }

    /// `{"block": 130, "approx_time": "...", "in_secs": 60}`.
    pub fn json(&self, block: BlockNumber) -> Value {
        json!({
            "block": block,
            "approx_time": format_time_ms(self.approx_ms(block)),
            "in_secs": self.secs_until(block),
        })
    }
}

/// `45 s`, `1 min`, `1 h 5 min`, `2 d 3 h`.
pub fn duration_text(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3599 => {
            let (m, s) = (secs / 60, secs % 60);
            if s == 0 {
                format!("{m} min")
            } else {
                format!("{m} min {s} s")
            }
        }
        3600..=86_399 => {
            let (h, m) = (secs / 3600, (secs % 3600) / 60);
            if m == 0 {
                format!("{h} h")
            } else {
                format!("{h} h {m} min")
            }
        }
        _ => {
            let (d, h) = (secs / 86_400, (secs % 86_400) / 3600);
            if h == 0 {
                format!("{d} d")
            } else {
                format!("{d} d {h} h")
            }
        }
    }
}

/// `30 blocks (~1 min)`.
pub fn blocks_text(blocks: BlockNumber) -> String {
    let secs = blocks as u64 * MILLISECS_PER_BLOCK / 1000;
    format!(
        "{blocks} block{} (~{})",
        if blocks == 1 { "" } else { "s" },
        duration_text(secs)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(duration_text(45), "45 s");
        assert_eq!(duration_text(60), "1 min");
        assert_eq!(duration_text(90), "1 min 30 s");
        assert_eq!(duration_text(3600), "1 h");
        assert_eq!(duration_text(3900), "1 h 5 min");
        assert_eq!(duration_text(86_400 * 2 + 3 * 3600), "2 d 3 h");
        assert_eq!(blocks_text(30), "30 blocks (~1 min)");
        assert_eq!(blocks_text(1), "1 block (~2 s)");
    }

    #[test]
    fn clock() {
        let c = Clock {
            best: 100,
            best_ms: 1_700_000_000_000,
        };
        assert_eq!(c.secs_until(130), 60);
        assert_eq!(c.secs_until(90), -20);
        assert_eq!(c.approx_ms(130), 1_700_000_060_000);
        assert!(c
            .describe(130)
            .starts_with("#130 (~2023-11-14 22:14:20 UTC, in ~1 min"));
        assert!(c.describe(90).contains("~20 s ago"));
        assert!(c.describe(100).ends_with("now)"));
        assert_eq!(c.json(130)["in_secs"], 60);
    }
}
