//! Typed queries of the compute market (jobs, results, receipts, miners) through the runtime's
//! `MarketApi` (`state_call("MarketApi_<method>", SCALE args)`), so nothing decodes raw storage.

use crate::error::{Error, Result};
use crate::rpc::RpcClient;
use aitbc_primitives::{JobId, JobStatus, ReceiptId};
use aitbc_runtime::{AccountId, Balance, BlockNumber, Hash};
use codec::{Decode, Encode};

pub use aitbc_primitives::{
    JobResult, JobStatus as Status, MinerStatus, RewardStatus, MAX_PAGE, MAX_PROMPT_CHARS,
};

/// A job as this runtime stores it.
pub type Job = aitbc_primitives::Job<AccountId, Balance, BlockNumber>;
/// A receipt as this runtime stores it.
pub type Receipt = aitbc_primitives::Receipt<AccountId, Balance, BlockNumber>;
/// A miner with its online flag and reputation score.
pub type MinerInfo = aitbc_primitives::MinerInfo<AccountId, Balance, BlockNumber>;

async fn api<A: Encode, R: Decode>(
    rpc: &RpcClient,
    method: &str,
    args: A,
    at: Option<Hash>,
) -> Result<R> {
    let name = format!("MarketApi_{method}");
    let out = match rpc.state_call(&name, &args.encode(), at).await {
        Ok(o) => o,
        Err(Error::Rpc { message, .. })
            if message.contains("MarketApi") || message.contains("not found") =>
        {
            return Err(Error::Unsupported {
                url: rpc.url().to_string(),
                what: format!("{name} (the node's runtime has no compute market)"),
            })
        }
        Err(e) => return Err(e),
    };
    R::decode(&mut &out[..]).map_err(|e| Error::decode(&name, e))
}

pub async fn job(rpc: &RpcClient, id: JobId) -> Result<Option<Job>> {
    api(rpc, "job", id, None).await
}

/// A job that must exist: `NotFound("job #7")` otherwise.
pub async fn existing_job(rpc: &RpcClient, id: JobId) -> Result<Job> {
    job(rpc, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("job #{id}")))
}

pub async fn job_result(rpc: &RpcClient, id: JobId) -> Result<Option<JobResult>> {
    api(rpc, "job_result", id, None).await
}

pub async fn jobs_by_owner(
    rpc: &RpcClient,
    owner: &AccountId,
    from: JobId,
    limit: u32,
) -> Result<Vec<Job>> {
    api(
        rpc,
        "jobs_by_owner",
        (owner, from, limit.min(MAX_PAGE)),
        None,
    )
    .await
}

pub async fn jobs_by_miner(
    rpc: &RpcClient,
    miner: &AccountId,
    from: JobId,
    limit: u32,
) -> Result<Vec<Job>> {
    api(
        rpc,
        "jobs_by_miner",
        (miner, from, limit.min(MAX_PAGE)),
        None,
    )
    .await
}

pub async fn jobs_by_status(
    rpc: &RpcClient,
    status: JobStatus,
    from: JobId,
    limit: u32,
) -> Result<Vec<Job>> {
    api(
        rpc,
        "jobs_by_status",
        (status, from, limit.min(MAX_PAGE)),
        None,
    )
    .await
}

pub async fn receipt(rpc: &RpcClient, id: ReceiptId) -> Result<Option<Receipt>> {
    api(rpc, "receipt", id, None).await
}

pub async fn receipts_by_job(rpc: &RpcClient, job: JobId) -> Result<Vec<Receipt>> {
    api(rpc, "receipts_by_job", job, None).await
}

pub async fn receipts_by_miner(
    rpc: &RpcClient,
    miner: &AccountId,
    from: ReceiptId,
    limit: u32,
) -> Result<Vec<Receipt>> {
    api(
        rpc,
        "receipts_by_miner",
        (miner, from, limit.min(MAX_PAGE)),
        None,
    )
    .await
}

pub async fn miner(rpc: &RpcClient, who: &AccountId) -> Result<Option<MinerInfo>> {
    api(rpc, "miner", who, None).await
}

pub async fn miners(rpc: &RpcClient, start: u32, limit: u32) -> Result<Vec<MinerInfo>> {
    api(rpc, "miners", (start, limit.min(MAX_PAGE)), None).await
}

/// All pages of a paged query by id (`from` = last id + 1).
pub async fn all_jobs_by_status(
    rpc: &RpcClient,
    status: JobStatus,
    max: usize,
) -> Result<Vec<Job>> {
    let mut out: Vec<Job> = Vec::new();
    let mut from = 0;
    loop {
        let page = jobs_by_status(rpc, status, from, MAX_PAGE).await?;
        let done = page.len() < MAX_PAGE as usize;
        if let Some(last) = page.last() {
            from = last.id + 1;
        }
        out.extend(page);
        if done || out.len() >= max {
            out.truncate(max);
            return Ok(out);
        }
    }
}

/// Every status, in lifecycle order.
pub const ALL_STATUSES: [JobStatus; 8] = [
    JobStatus::Unfunded,
    JobStatus::Queued,
    JobStatus::Assigned,
    JobStatus::Running,
    JobStatus::Completed,
    JobStatus::Failed,
    JobStatus::Cancelled,
    JobStatus::Expired,
];

/// The stable lowercase name used in JSON output: `"queued"`, `"completed"`, ...
pub fn status_name(s: JobStatus) -> &'static str {
    match s {
        JobStatus::Unfunded => "unfunded",
        JobStatus::Queued => "queued",
        JobStatus::Assigned => "assigned",
        JobStatus::Running => "running",
        JobStatus::Completed => "completed",
        JobStatus::Failed => "failed",
        JobStatus::Cancelled => "cancelled",
        JobStatus::Expired => "expired",
    }
}

/// Parses a status name (case-insensitive; `canceled` accepted).
pub fn parse_status(s: &str) -> Result<JobStatus> {
    let l = s.trim().to_ascii_lowercase();
    let l = if l == "canceled" {
        "cancelled".to_string()
    } else {
        l
    };
    ALL_STATUSES
        .into_iter()
        .find(|st| status_name(*st) == l)
        .ok_or_else(|| {
            Error::NotFound(format!(
                "job status {s:?} (one of: {})",
                ALL_STATUSES.map(status_name).join(", ")
            ))
        })
}

/// Parses a job id: `7` or `#7`.
pub fn parse_job_id(s: &str) -> Result<JobId> {
    s.trim()
        .trim_start_matches('#')
        .parse()
        .map_err(|_| Error::NotFound(format!("job id {s:?} (job ids are numbers, e.g. 7)")))
}

// ---- calls: one builder per market extrinsic, validating bounds before anything is signed ----

pub use aitbc_primitives::{Hardware, JobInput, JobType, Metrics, Requirements};
use aitbc_runtime::RuntimeCall;

fn bounded<const N: u32>(
    what: &str,
    bytes: Vec<u8>,
) -> Result<frame_support::BoundedVec<u8, frame_support::traits::ConstU32<N>>> {
    let len = bytes.len();
    bytes
        .try_into()
        .map_err(|_| Error::InvalidInput(format!("{what} is {len} bytes; the limit is {N}")))
}

/// Checks a prompt against the chain's limit (4000 characters) and builds the job input.
pub fn prompt_input(prompt: &str) -> Result<JobInput> {
    let chars = prompt.chars().count();
    if chars == 0 {
        return Err(Error::InvalidInput("the prompt is empty".into()));
    }
    if chars > MAX_PROMPT_CHARS as usize {
        return Err(Error::InvalidInput(format!(
            "the prompt is {chars} characters; the limit is {MAX_PROMPT_CHARS} (store larger inputs off chain and submit their content hash)"
        )));
    }
    Ok(JobInput::Prompt(bounded(
        "the prompt",
        prompt.as_bytes().to_vec(),
    )?))
}

/// A model name as the chain stores it.
pub fn model_name(model: &str) -> Result<aitbc_primitives::ModelName> {
    let m = model.trim();
    if m.is_empty() {
        return Err(Error::InvalidInput("the model name is empty".into()));
    }
    bounded("the model name", m.as_bytes().to_vec())
}

/// `Jobs::submit`: a job with `budget` escrowed at once (0 = submit unfunded, fund later).
pub fn submit_job(
    job_type: JobType,
    model: &str,
    input: JobInput,
    budget: Balance,
    ttl_blocks: BlockNumber,
    requirements: Requirements,
) -> Result<RuntimeCall> {
    if ttl_blocks == 0 {
        return Err(Error::InvalidInput(
            "the TTL must be at least one block".into(),
        ));
    }
    Ok(RuntimeCall::Jobs(pallet_aitbc_jobs::Call::submit {
        job_type,
        model: model_name(model)?,
        input,
        budget,
        ttl: ttl_blocks,
        requirements,
    }))
}

/// `Jobs::fund`: escrow `budget` for an unfunded job.
pub fn fund_job(job_id: JobId, budget: Balance) -> RuntimeCall {
    RuntimeCall::Jobs(pallet_aitbc_jobs::Call::fund { job_id, budget })
}

/// `Jobs::cancel`.
pub fn cancel_job(job_id: JobId) -> RuntimeCall {
    RuntimeCall::Jobs(pallet_aitbc_jobs::Call::cancel { job_id })
}

/// `Jobs::accept` (assigned miner).
pub fn accept_job(job_id: JobId) -> RuntimeCall {
    RuntimeCall::Jobs(pallet_aitbc_jobs::Call::accept { job_id })
}

/// `Jobs::submit_result` (assigned miner): the output (inline copy truncated to the chain's
/// limit), the blake2-256 hash of the whole output, and the metrics.
pub fn submit_result(job_id: JobId, output: &[u8], metrics: Metrics) -> RuntimeCall {
    let hash = Hash::from(sp_crypto_hashing::blake2_256(output));
    let max = aitbc_primitives::MAX_RESULT_BYTES as usize;
    let inline = output[..output.len().min(max)].to_vec();
    let output = inline.try_into().unwrap_or_default();
    RuntimeCall::Jobs(pallet_aitbc_jobs::Call::submit_result {
        job_id,
        output,
        result_hash: hash,
        metrics,
    })
}

/// `Jobs::report_failure` (assigned miner); the reason is cut to the chain's limit.
pub fn report_failure(job_id: JobId, reason: &str) -> RuntimeCall {
    let max = aitbc_primitives::MAX_REASON_LEN as usize;
    let mut cut = reason.len().min(max);
    while !reason.is_char_boundary(cut) {
        cut -= 1;
    }
    let reason = reason.as_bytes()[..cut]
        .to_vec()
        .try_into()
        .unwrap_or_default();
    RuntimeCall::Jobs(pallet_aitbc_jobs::Call::report_failure { job_id, reason })
}

/// Hardware from `"1x RTX 4090"` / `"2 x A100"` / `"RTX 3090"` and VRAM per GPU in MB.
pub fn parse_hardware(gpus: &str, vram_mb: u32) -> Result<Hardware> {
    let s = gpus.trim();
    let (count, model) = match s.split_once(['x', 'X']) {
        Some((n, rest)) if !n.trim().is_empty() && n.trim().chars().all(|c| c.is_ascii_digit()) => {
            let count: u32 = n
                .trim()
                .parse()
                .map_err(|_| Error::InvalidInput(format!("bad GPU count in {gpus:?}")))?;
            (count, rest.trim())
        }
        _ => (1, s),
    };
    if count == 0 {
        return Err(Error::InvalidInput(format!(
            "GPU count in {gpus:?} must be at least 1"
        )));
    }
    if model.is_empty() {
        return Err(Error::InvalidInput(format!(
            "no GPU model in {gpus:?} (e.g. \"1x RTX 4090\")"
        )));
    }
    Ok(Hardware {
        gpu_model: bounded("the GPU model", model.as_bytes().to_vec())?,
        gpu_count: count,
        vram_mb,
    })
}

/// VRAM per GPU (MB) of well-known models, for `--gpus` without `--vram-gb`.
pub fn known_vram_mb(model: &str) -> Option<u32> {
    let m = model.to_ascii_lowercase().replace([' ', '-'], "");
    let table: [(&str, u32); 14] = [
        ("rtx4090", 24),
        ("rtx4080", 16),
        ("rtx3090", 24),
        ("rtx3080", 10),
        ("a10080gb", 80),
        ("a100", 40),
        ("h100", 80),
        ("h200", 141),
        ("l40s", 48),
        ("l4", 24),
        ("a10", 24),
        ("t4", 16),
        ("v100", 16),
        ("cpu", 0),
    ];
    table
        .iter()
        .find(|(k, _)| m.ends_with(k))
        .map(|(_, gb)| gb * 1024)
}

/// A model list as the chain stores it.
pub fn model_list(models: &[String]) -> Result<aitbc_primitives::ModelList> {
    let names = models
        .iter()
        .map(|m| model_name(m))
        .collect::<Result<Vec<_>>>()?;
    let n = names.len();
    names.try_into().map_err(|_| {
        Error::InvalidInput(format!(
            "{n} models; a miner serves at most {}",
            aitbc_primitives::MAX_MODELS_PER_MINER
        ))
    })
}

/// Price per GPU-second from a price per GPU-hour (exact; rounds down to whole base units).
pub fn per_second_from_hourly(per_hour: Balance) -> Result<Balance> {
    let p = per_hour / 3600;
    if p == 0 && per_hour > 0 {
        return Err(Error::InvalidInput(
            "price per hour too small: it rounds to zero per GPU-second".into(),
        ));
    }
    Ok(p)
}

/// `Miners::register`.
pub fn register_miner(
    hardware: Hardware,
    models: aitbc_primitives::ModelList,
    price_per_gpu_second: Balance,
    stake: Balance,
) -> RuntimeCall {
    RuntimeCall::Miners(pallet_aitbc_miners::Call::register {
        hardware,
        models,
        price_per_gpu_second,
        stake,
    })
}

/// `Miners::heartbeat`.
pub fn heartbeat() -> RuntimeCall {
    RuntimeCall::Miners(pallet_aitbc_miners::Call::heartbeat {})
}

/// `Miners::update`: replace hardware, models and price (counts as a heartbeat).
pub fn update_miner(
    hardware: Hardware,
    models: aitbc_primitives::ModelList,
    price_per_gpu_second: Balance,
) -> RuntimeCall {
    RuntimeCall::Miners(pallet_aitbc_miners::Call::update {
        hardware,
        models,
        price_per_gpu_second,
    })
}

/// `Miners::set_stake`: hold or release the difference to `new_stake`.
pub fn set_stake(new_stake: Balance) -> RuntimeCall {
    RuntimeCall::Miners(pallet_aitbc_miners::Call::set_stake { new_stake })
}

/// `Miners::withdraw_unbonded`: after the unbonding period, release the stake and remove the
/// miner's record.
pub fn withdraw_unbonded() -> RuntimeCall {
    RuntimeCall::Miners(pallet_aitbc_miners::Call::withdraw_unbonded {})
}

/// `Miners::deregister`.
pub fn deregister_miner() -> RuntimeCall {
    RuntimeCall::Miners(pallet_aitbc_miners::Call::deregister {})
}

/// `Receipts::claim_reward`.
pub fn claim_reward(receipt_id: ReceiptId) -> RuntimeCall {
    RuntimeCall::Receipts(pallet_aitbc_receipts::Call::claim_reward { receipt_id })
}

/// The job id from a `Jobs::JobSubmitted` event of a transaction's outcome.
pub fn submitted_job_id(outcome: &crate::tx::TxOutcome) -> Option<JobId> {
    outcome.find_event(|e| match e {
        aitbc_runtime::RuntimeEvent::Jobs(pallet_aitbc_jobs::Event::JobSubmitted {
            job_id,
            ..
        }) => Some(*job_id),
        _ => None,
    })
}

/// `(old, new)` stake from a `Miners::StakeChanged` event of a transaction's outcome.
pub fn stake_changed(outcome: &crate::tx::TxOutcome) -> Option<(Balance, Balance)> {
    outcome.find_event(|e| match e {
        aitbc_runtime::RuntimeEvent::Miners(pallet_aitbc_miners::Event::StakeChanged {
            old,
            new,
            ..
        }) => Some((*old, *new)),
        _ => None,
    })
}

/// The stake released by a `Miners::Withdrawn` event of a transaction's outcome.
pub fn withdrawn(outcome: &crate::tx::TxOutcome) -> Option<Balance> {
    outcome.find_event(|e| match e {
        aitbc_runtime::RuntimeEvent::Miners(pallet_aitbc_miners::Event::Withdrawn {
            amount,
            ..
        }) => Some(*amount),
        _ => None,
    })
}

/// `Receipts::NextReceiptId`: receipts have ids `0..next`.
pub async fn next_receipt_id(rpc: &RpcClient) -> Result<ReceiptId> {
    let key = pallet_aitbc_receipts::NextReceiptId::<aitbc_runtime::Runtime>::hashed_key();
    Ok(
        crate::state::fetch(rpc, &key, None, "Receipts.NextReceiptId")
            .await?
            .unwrap_or_default(),
    )
}

/// The latest `limit` receipts, newest first.
pub async fn recent_receipts(rpc: &RpcClient, limit: u32) -> Result<Vec<Receipt>> {
    let next = next_receipt_id(rpc).await?;
    let mut out = Vec::new();
    let mut id = next;
    while id > 0 && out.len() < limit as usize {
        id -= 1;
        if let Some(r) = receipt(rpc, id).await? {
            out.push(r);
        }
    }
    Ok(out)
}

/// UTF-8 text of a result's inline output (lossy).
pub fn output_text(r: &JobResult) -> String {
    String::from_utf8_lossy(&r.output).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses() {
        for s in ALL_STATUSES {
            assert_eq!(parse_status(status_name(s)).unwrap(), s);
        }
        assert_eq!(parse_status("Canceled").unwrap(), JobStatus::Cancelled);
        assert!(parse_status("done").is_err());
        assert_eq!(parse_job_id("#7").unwrap(), 7);
        assert!(parse_job_id("x").is_err());
    }

    #[test]
    fn call_inputs() {
        assert!(prompt_input("hi").is_ok());
        assert!(prompt_input("").is_err());
        let max = "é".repeat(4000);
        assert!(
            prompt_input(&max).is_ok(),
            "4000 characters (8000 bytes) fit"
        );
        let e = prompt_input(&"a".repeat(4001)).err().unwrap().to_string();
        assert!(e.contains("4001 characters") && e.contains("4000"), "{e}");
        assert!(model_name(" ").is_err());
        assert!(model_name(&"m".repeat(129)).is_err());
        assert!(submit_job(
            JobType::Inference,
            "m",
            prompt_input("x").unwrap(),
            0,
            0,
            Default::default()
        )
        .is_err());
    }

    #[test]
    fn hardware_and_prices() {
        let h = parse_hardware("2x A100", 40 * 1024).unwrap();
        assert_eq!(
            (h.gpu_count, &h.gpu_model[..], h.vram_mb),
            (2, &b"A100"[..], 40 * 1024)
        );
        let h = parse_hardware("RTX 4090", 1).unwrap();
        assert_eq!((h.gpu_count, &h.gpu_model[..]), (1, &b"RTX 4090"[..]));
        assert!(parse_hardware("0x H100", 1).is_err());
        assert!(parse_hardware("3x", 1).is_err());
        assert_eq!(known_vram_mb("RTX 4090"), Some(24 * 1024));
        assert_eq!(known_vram_mb("NVIDIA H100"), Some(80 * 1024));
        assert_eq!(known_vram_mb("Voodoo 2"), None);
        assert_eq!(
            per_second_from_hourly(360_000_000_000).unwrap(),
            100_000_000
        );
        assert!(per_second_from_hourly(1000).is_err());
        assert_eq!(model_list(&["a".into(), "b".into()]).unwrap().len(), 2);
        assert!(model_list(&vec!["m".to_string(); 17]).is_err());
    }

    #[test]
    fn result_hash_covers_the_whole_output() {
        let big = vec![b'x'; aitbc_primitives::MAX_RESULT_BYTES as usize + 10];
        match submit_result(1, &big, Metrics::default()) {
            RuntimeCall::Jobs(pallet_aitbc_jobs::Call::submit_result {
                output,
                result_hash,
                ..
            }) => {
                assert_eq!(output.len(), aitbc_primitives::MAX_RESULT_BYTES as usize);
                assert_eq!(result_hash, Hash::from(sp_crypto_hashing::blake2_256(&big)));
            }
            _ => panic!("not a submit_result call"),
        }
    }
}
