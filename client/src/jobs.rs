//! Typed queries of the compute market (jobs, results, receipts, miners) through the runtime's
//! `MarketApi` (`state_call("MarketApi_<method>", SCALE args)`), so nothing decodes raw storage.

use crate::error::{Error, Result};
use crate::rpc::RpcClient;
use crate::runtime_api::MARKET_API;
pub use aitbc_primitives::{JobId, JobStatus, ReceiptId};
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
    MARKET_API.call(rpc, method, args, at).await
}

pub async fn job(rpc: &RpcClient, id: JobId) -> Result<Option<Job>> {
    api(rpc, "job", id, None).await
}

/// A job as it was at block `at` (the best block when `None`).
pub async fn job_at(rpc: &RpcClient, id: JobId, at: Option<Hash>) -> Result<Option<Job>> {
    api(rpc, "job", id, at).await
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

/// Every registered miner (all pages of `MarketApi_miners`).
pub async fn all_miners(rpc: &RpcClient) -> Result<Vec<MinerInfo>> {
    let mut out = Vec::new();
    loop {
        let page = miners(rpc, out.len() as u32, MAX_PAGE).await?;
        let done = page.len() < MAX_PAGE as usize;
        out.extend(page);
        if done {
            return Ok(out);
        }
    }
}

pub use aitbc_primitives::{ActivityBucket, ACTIVITY_HOURS};

/// The chain's hourly job activity (`ActivityApi_activity`) at the best block: the current
/// hour (the block's timestamp in hours since the Unix epoch) and the kept buckets of hours
/// `>= since_hour`, oldest first (hours without activity have none; at most
/// [`ACTIVITY_HOURS`]).
pub async fn activity(rpc: &RpcClient, since_hour: u32) -> Result<(u32, Vec<ActivityBucket>)> {
    crate::runtime_api::ACTIVITY_API
        .call(rpc, "activity", since_hour, None)
        .await
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

pub use aitbc_primitives::GenerationOptions;

/// The stable lowercase name of a job type: `inference`, `embedding`, ...
pub fn job_type_name(t: JobType) -> &'static str {
    match t {
        JobType::Inference => "inference",
        JobType::Embedding => "embedding",
        JobType::Training => "training",
        JobType::Multimodal => "multimodal",
        JobType::Streaming => "streaming",
        JobType::Agent => "agent",
    }
}

/// The job types the node's runtime accepts (its `Jobs.AcceptedJobTypes` constant).
pub async fn accepted_job_types(rpc: &RpcClient) -> Result<Vec<JobType>> {
    let metadata = crate::metadata::NodeMetadata::fetch(rpc).await?;
    let types: Vec<JobType> = metadata.constant("Jobs", "AcceptedJobTypes")?;
    Ok(types)
}

/// Refuses `job_type` unless the node accepts it, naming the accepted ones.
pub async fn ensure_job_type_accepted(rpc: &RpcClient, job_type: JobType) -> Result<()> {
    let accepted = accepted_job_types(rpc).await?;
    if accepted.contains(&job_type) {
        return Ok(());
    }
    Err(Error::InvalidInput(format!(
        "this chain does not accept {} jobs (yet); it accepts: {}",
        job_type_name(job_type),
        accepted
            .iter()
            .map(|t| job_type_name(*t))
            .collect::<Vec<_>>()
            .join(", ")
    )))
}

/// Generation options from a user's values (fractions as typed: `--temperature 0.7`), each
/// checked against the chain's bounds with the bound in the message.
pub fn generation_options(
    temperature: Option<f64>,
    top_p: Option<f64>,
    max_tokens: Option<u32>,
    seed: Option<u64>,
    system: Option<&str>,
) -> Result<GenerationOptions> {
    let milli = |what: &str, v: f64, lo: f64, hi: f64, lo_open: bool| -> Result<u32> {
        let ok = v.is_finite() && v <= hi && if lo_open { v > lo } else { v >= lo };
        if !ok {
            let range = if lo_open {
                format!("greater than {lo} and at most {hi}")
            } else {
                format!("between {lo} and {hi}")
            };
            return Err(Error::InvalidInput(format!(
                "{what} must be {range} (got {v})"
            )));
        }
        // Whole thousandths; a positive value never rounds down to 0.
        let m = (v * 1000.0).round() as u32;
        Ok(if lo_open { m.max(1) } else { m })
    };
    let max_t = aitbc_primitives::MAX_TEMPERATURE_MILLI as f64 / 1000.0;
    let temperature_milli = temperature
        .map(|t| milli("the temperature", t, 0.0, max_t, false))
        .transpose()?;
    let top_p_milli = top_p
        .map(|p| milli("top_p", p, 0.0, 1.0, true))
        .transpose()?;
    if let Some(n) = max_tokens {
        if n == 0 || n > aitbc_primitives::MAX_GENERATED_TOKENS {
            return Err(Error::InvalidInput(format!(
                "max tokens must be between 1 and {} (got {n})",
                aitbc_primitives::MAX_GENERATED_TOKENS
            )));
        }
    }
    let system = match system {
        None => None,
        Some(s) => {
            let chars = s.chars().count();
            if chars == 0 {
                return Err(Error::InvalidInput("the system prompt is empty".into()));
            }
            let max = aitbc_primitives::MAX_SYSTEM_PROMPT_CHARS;
            if chars > max as usize {
                return Err(Error::InvalidInput(format!(
                    "the system prompt is {chars} characters; the limit is {max}"
                )));
            }
            Some(bounded("the system prompt", s.as_bytes().to_vec())?)
        }
    };
    let options = GenerationOptions {
        temperature_milli,
        top_p_milli,
        max_tokens,
        seed,
        system,
    };
    options
        .check()
        .map_err(|e| Error::InvalidInput(format!("generation options: {e:?}")))?;
    Ok(options)
}

/// `Jobs::submit_with_options`: a job with generation options and, optionally, the miner that
/// must run it (`Jobs::submit` when there are neither).
#[allow(clippy::too_many_arguments)]
pub fn submit_job_with(
    job_type: JobType,
    model: &str,
    input: JobInput,
    budget: Balance,
    ttl_blocks: BlockNumber,
    requirements: Requirements,
    options: GenerationOptions,
    provider: Option<AccountId>,
) -> Result<RuntimeCall> {
    let call = submit_job(job_type, model, input, budget, ttl_blocks, requirements)?;
    if options.is_empty() && provider.is_none() {
        return Ok(call);
    }
    match call {
        RuntimeCall::Jobs(pallet_aitbc_jobs::Call::submit {
            job_type,
            model,
            input,
            budget,
            ttl,
            requirements,
        }) => Ok(RuntimeCall::Jobs(
            pallet_aitbc_jobs::Call::submit_with_options {
                job_type,
                model,
                input,
                budget,
                ttl,
                requirements,
                options,
                provider,
            },
        )),
        other => Ok(other),
    }
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

/// The output as delivered on chain: cut to the chain's limit (64 KiB), at a character boundary
/// when it is UTF-8 text.
pub fn deliverable_output(output: &[u8]) -> &[u8] {
    let max = aitbc_primitives::MAX_RESULT_BYTES as usize;
    if output.len() <= max {
        return output;
    }
    let mut cut = max;
    if let Ok(text) = std::str::from_utf8(output) {
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
    }
    &output[..cut]
}

/// What a miner signs for the receipt of `job` delivered with `result_hash` and `metrics`
/// ([`aitbc_primitives::receipt_signing_payload`]).
pub fn receipt_payload(
    job: &Job,
    miner: &AccountId,
    result_hash: &Hash,
    units_milli: u64,
) -> Vec<u8> {
    aitbc_primitives::receipt_signing_payload(
        job.id,
        &job.owner,
        miner,
        result_hash,
        units_milli,
        &job.unit_price,
    )
}

/// Whether a receipt's signature is its miner's sr25519 signature of the receipt's content
/// (what the chain checked when the result was delivered).
pub fn receipt_signature_valid(r: &Receipt) -> bool {
    aitbc_wire::receipt_proof::signed_by(
        r,
        &r.miner,
        &r.result_hash,
        r.units_milli,
        &r.unit_price,
        &r.signature,
    )
}

/// `Jobs::submit_result` (assigned miner): the output (cut to the chain's limit), the
/// blake2-256 hash of exactly the bytes sent (the chain recomputes it), the metrics, and the
/// miner's signature of the receipt's content.
pub fn submit_result(
    pair: &crate::keys::Pair,
    job: &Job,
    output: &[u8],
    metrics: Metrics,
) -> RuntimeCall {
    use sp_core::Pair as _;
    let output = deliverable_output(output);
    let hash = Hash::from(sp_crypto_hashing::blake2_256(output));
    let miner = crate::keys::account_id(pair);
    let payload = receipt_payload(job, &miner, &hash, metrics.units_milli());
    let signature = sp_core::H512(pair.sign(&payload).0);
    RuntimeCall::Jobs(pallet_aitbc_jobs::Call::submit_result {
        job_id: job.id,
        // `deliverable_output` keeps it within the bound.
        output: output.to_vec().try_into().unwrap_or_default(),
        result_hash: hash,
        metrics,
        signature,
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

#[cfg(test)]
mod tests {
    use super::*;

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

    fn a_job(owner: AccountId) -> Job {
        aitbc_primitives::Job {
            id: 4,
            owner,
            job_type: JobType::Inference,
            model: model_name("m").unwrap(),
            input: prompt_input("hi").unwrap(),
            requirements: Default::default(),
            options: Default::default(),
            provider: None,
            budget: 10,
            escrowed: 10,
            ttl: 100,
            expires_at: 100,
            status: JobStatus::Running,
            status_since: 1,
            timeline: Default::default(),
            miner: None,
            unit_price: 7,
            ack_deadline: None,
            excluded: Default::default(),
            result_hash: None,
            metrics: None,
            receipt: None,
        }
    }

    #[test]
    fn result_hash_is_the_hash_of_the_bytes_sent_and_the_receipt_is_signed() {
        let pair = crate::keys::pair_from_uri("//Bob").unwrap();
        let miner = crate::keys::account_id(&pair);
        let owner = crate::keys::account_id(&crate::keys::pair_from_uri("//Alice").unwrap());
        let job = a_job(owner.clone());
        // A multi-byte character across the limit: cut before it.
        let mut big = vec![b'x'; aitbc_primitives::MAX_RESULT_BYTES as usize - 1];
        big.extend_from_slice("é and more".as_bytes());
        let metrics = Metrics {
            compute_ms: 1_234,
            ..Default::default()
        };
        match submit_result(&pair, &job, &big, metrics) {
            RuntimeCall::Jobs(pallet_aitbc_jobs::Call::submit_result {
                output,
                result_hash,
                signature,
                ..
            }) => {
                assert_eq!(
                    output.len(),
                    aitbc_primitives::MAX_RESULT_BYTES as usize - 1
                );
                assert!(std::str::from_utf8(&output).is_ok());
                assert_eq!(
                    result_hash,
                    Hash::from(sp_crypto_hashing::blake2_256(&output))
                );
                let receipt = aitbc_primitives::Receipt {
                    id: 0,
                    job_id: 4,
                    client: owner,
                    miner,
                    units_milli: 1_234,
                    unit_price: 7,
                    price: 9,
                    fee: 0,
                    result_hash,
                    block: 2,
                    timestamp_ms: 0,
                    reward: RewardStatus::Unclaimed,
                    signature,
                };
                assert!(receipt_signature_valid(&receipt));
                let forged = aitbc_primitives::Receipt {
                    units_milli: 9_999,
                    ..receipt
                };
                assert!(!receipt_signature_valid(&forged));
            }
            _ => panic!("not a submit_result call"),
        }
    }

    #[test]
    fn generation_options_are_checked_with_their_bounds() {
        let o = generation_options(Some(0.7), Some(0.9), Some(64), Some(42), Some("Be brief."))
            .unwrap();
        assert_eq!(
            (o.temperature_milli, o.top_p_milli, o.max_tokens, o.seed),
            (Some(700), Some(900), Some(64), Some(42))
        );
        assert_eq!(
            generation_options(Some(0.0), None, None, None, None)
                .unwrap()
                .temperature_milli,
            Some(0)
        );
        assert!(generation_options(None, None, None, None, None)
            .unwrap()
            .is_empty());
        for (t, p, n, s, what) in [
            (Some(2.5), None, None, None, "temperature"),
            (Some(f64::NAN), None, None, None, "temperature"),
            (Some(-1.0), None, None, None, "temperature"),
            (None, Some(0.0), None, None, "top_p"),
            (None, Some(1.5), None, None, "top_p"),
            (None, None, Some(0), None, "max tokens"),
            (None, None, Some(100_000), None, "max tokens"),
            (None, None, None, Some(""), "system prompt"),
        ] {
            let e = generation_options(t, p, n, None, s)
                .unwrap_err()
                .to_string();
            assert!(e.contains(what), "{e}");
        }
        let long = "x".repeat(1001);
        assert!(generation_options(None, None, None, None, Some(&long))
            .unwrap_err()
            .to_string()
            .contains("limit is 1000"));
    }
}
