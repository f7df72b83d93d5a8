//! The payment the market suggests for a job (`aitbc client submit --auto-pay`), from the
//! pricing oracle (`MarketplaceApi_pricing`) and the miners that serve the job's model.
//!
//! A job's price is `max(gpu_seconds * unit_price, MinPayment[job_type])`, capped at its budget,
//! and whatever the job does not cost goes back to the client. A miner that accepts a job has
//! the runtime's run window (`Jobs.MinRunWindow`) to deliver it. So the suggestion is the price
//! of a whole run window on the GPUs of a miner serving the model, at the oracle's suggested
//! rate for that GPU model: `rate per GPU-hour * GPUs * window seconds / 3600`, the largest over
//! the online miners serving the model (any of them may be assigned), and at least the job
//! type's minimum payment.

use crate::error::{Error, Result};
use crate::governance::governed_values;
use crate::jobs::{self, JobType, MinerStatus};
use crate::marketplace;
use crate::metadata::NodeMetadata;
use crate::rpc::RpcClient;
use aitbc_runtime::{Balance, BlockNumber, MILLISECS_PER_BLOCK};

/// What `--auto-pay` escrows, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PaymentSuggestion {
    /// The budget to escrow.
    pub payment: Balance,
    /// The GPU model whose oracle price decided it (empty when the minimum payment did).
    pub gpu_model: String,
    /// GPUs of the miner that decided it.
    pub gpu_count: u32,
    /// The oracle's suggested price per GPU-hour for `gpu_model`.
    pub rate_per_hour: Balance,
    /// The run window, in blocks and seconds.
    pub window_blocks: BlockNumber,
    pub window_secs: u64,
    /// The job type's minimum payment.
    pub min_payment: Balance,
    /// Online miners serving the model, and how many of them have an oracle price.
    pub miners: usize,
    pub priced_miners: usize,
}

/// `rate * gpus * secs / 3600`, at least `min_payment` (saturating).
pub fn window_price(rate_per_hour: Balance, gpus: u32, secs: u64, min_payment: Balance) -> Balance {
    let cost = rate_per_hour
        .saturating_mul(Balance::from(gpus))
        .saturating_mul(Balance::from(secs))
        / 3600;
    cost.max(min_payment)
}

/// The suggested payment for a `job_type` job on `model`. Fails, saying why, when no online
/// miner serves the model or the oracle has no price for any of their GPU models.
pub async fn suggest_payment(
    rpc: &RpcClient,
    job_type: JobType,
    model: &str,
) -> Result<PaymentSuggestion> {
    let wanted = jobs::model_name(model)?;
    let meta = NodeMetadata::fetch(rpc).await?;
    let window_blocks: BlockNumber = meta.constant("Jobs", "MinRunWindow")?;
    let window_secs = u64::from(window_blocks) * MILLISECS_PER_BLOCK / 1000;
    let min_payment = governed_values(rpc, &meta)
        .await?
        .min_job_payment
        .into_iter()
        .find(|(t, _)| *t == job_type)
        .map(|(_, v)| v)
        .unwrap_or(0);
    let mut serving = Vec::new();
    loop {
        let page = jobs::miners(rpc, serving.len() as u32, jobs::MAX_PAGE).await?;
        let done = page.len() < jobs::MAX_PAGE as usize;
        serving.extend(page);
        if done {
            break;
        }
    }
    serving.retain(|m| {
        m.online && m.miner.status == MinerStatus::Active && m.miner.models.contains(&wanted)
    });
    if serving.is_empty() {
        return Err(Error::InvalidInput(format!(
            "--auto-pay: no online miner serves model {model:?}, so the market has no price to suggest; pass --payment AIT"
        )));
    }
    let mut best: Option<PaymentSuggestion> = None;
    let mut priced = 0;
    let mut unpriced = Vec::new();
    for m in &serving {
        let gpu = String::from_utf8_lossy(&m.miner.hardware.gpu_model).into_owned();
        let Some(stats) = marketplace::pricing(rpc, &marketplace::gpu_model(&gpu)?).await? else {
            unpriced.push(gpu);
            continue;
        };
        priced += 1;
        let count = m.miner.hardware.gpu_count;
        let payment = window_price(stats.suggested, count, window_secs, min_payment);
        if best.as_ref().is_none_or(|b| payment > b.payment) {
            best = Some(PaymentSuggestion {
                payment,
                gpu_model: gpu,
                gpu_count: count,
                rate_per_hour: stats.suggested,
                window_blocks,
                window_secs,
                min_payment,
                miners: 0,
                priced_miners: 0,
            });
        }
    }
    match best {
        Some(mut b) => {
            b.miners = serving.len();
            b.priced_miners = priced;
            Ok(b)
        }
        None => {
            unpriced.sort();
            unpriced.dedup();
            Err(Error::InvalidInput(format!(
                "--auto-pay: the pricing oracle has no price for the GPUs of the miners serving {model:?} ({}: no live listing or recent booking in the marketplace); pass --payment AIT",
                unpriced.join(", ")
            )))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::amount::parse_amount;

    #[test]
    fn a_run_window_at_the_oracle_rate() {
        let rate = parse_amount("36").unwrap();
        let min = parse_amount("0.01").unwrap();
        // 36 AIT per GPU-hour, one GPU, 60 s: 0.6 AIT.
        assert_eq!(window_price(rate, 1, 60, min), parse_amount("0.6").unwrap());
        assert_eq!(window_price(rate, 2, 60, min), parse_amount("1.2").unwrap());
        // Cheaper than the minimum payment: the minimum.
        let cheap = parse_amount("0.5").unwrap();
        assert_eq!(window_price(cheap, 1, 60, min), min);
        // Never overflows.
        assert_eq!(
            window_price(Balance::MAX, u32::MAX, u64::MAX, 0),
            Balance::MAX / 3600
        );
    }
}
