//! Redundant (k-of-n) jobs: the round's state through the runtime's `RedundancyApi`, and the
//! calls a client, a participant and a referee send.

use crate::error::{Error, Result};
use crate::jobs::{model_name, Job};
use crate::rpc::RpcClient;
use crate::runtime_api::REDUNDANCY_API;
use aitbc_primitives::{
    GenerationOptions, JobId, JobInput, JobType, Metrics, ReceiptId, RefereeFinding, Requirements,
};
use aitbc_runtime::{AccountId, Balance, BlockNumber, Hash, RuntimeCall};

pub use aitbc_primitives::{
    DisputeOutcome, ParticipantState, ParticipantVerdict, Payout, Redundancy, RoundPhase,
    MAX_REDUNDANCY,
};

/// A round as this runtime stores it.
pub type Round = aitbc_primitives::Round<AccountId, Balance, BlockNumber>;
/// A participant of a round.
pub type Participant = aitbc_primitives::Participant<AccountId, Balance>;
/// A redundant job's receipt line of one participant.
pub type ReceiptParticipant = aitbc_primitives::ReceiptParticipant<AccountId, Balance>;

/// A redundant job's round (`None`: the job is not redundant, or was pruned).
pub async fn round(rpc: &RpcClient, job: JobId) -> Result<Option<Round>> {
    REDUNDANCY_API.call(rpc, "round", job, None).await
}

/// An output revealed in a round, by its hash.
pub async fn round_output(rpc: &RpcClient, job: JobId, hash: Hash) -> Result<Option<Vec<u8>>> {
    let out: Option<aitbc_primitives::ResultBytes> = REDUNDANCY_API
        .call(rpc, "round_output", (job, hash), None)
        .await?;
    Ok(out.map(|o| o.into_inner()))
}

/// The jobs whose open dispute `referee` must settle.
pub async fn referee_duties(rpc: &RpcClient, referee: &AccountId) -> Result<Vec<JobId>> {
    REDUNDANCY_API
        .call(rpc, "referee_duties", referee, None)
        .await
}

/// Every participant a redundant job's receipt records (`None` for a one-miner receipt).
pub async fn receipt_participants(
    rpc: &RpcClient,
    receipt: ReceiptId,
) -> Result<Option<Vec<ReceiptParticipant>>> {
    let lines: Option<aitbc_primitives::ReceiptParticipants<AccountId, Balance>> = REDUNDANCY_API
        .call(rpc, "receipt_participants", receipt, None)
        .await?;
    Ok(lines.map(|l| l.into_inner()))
}

/// `Jobs::submit_redundant`: `redundancy.k` miners of `redundancy.profile` run the job.
#[allow(clippy::too_many_arguments)]
pub fn submit_redundant(
    job_type: JobType,
    model: &str,
    input: JobInput,
    budget: Balance,
    ttl_blocks: BlockNumber,
    requirements: Requirements,
    options: GenerationOptions,
    redundancy: Redundancy,
) -> Result<RuntimeCall> {
    if !redundancy.is_valid() {
        return Err(Error::InvalidInput(format!(
            "redundancy {} with quorum {} is not valid: k must be 2..={MAX_REDUNDANCY} and the \
             quorum a strict majority of k, at most k",
            redundancy.k,
            redundancy.effective_quorum()
        )));
    }
    if budget == 0 {
        return Err(Error::InvalidInput(
            "a redundant job is funded at submission: give a budget".into(),
        ));
    }
    Ok(RuntimeCall::Jobs(
        pallet_aitbc_jobs::Call::submit_redundant {
            job_type,
            model: model_name(model)?,
            input,
            budget,
            ttl: ttl_blocks,
            requirements,
            options,
            redundancy,
        },
    ))
}

/// The hash the chain computes of an output (BLAKE2-256).
pub fn output_hash(output: &[u8]) -> Hash {
    Hash::from(sp_crypto_hashing::blake2_256(output))
}

/// The commitment to `output` by `miner` with `salt` ([`aitbc_primitives::commitment`]).
pub fn commitment_of(output: &[u8], miner: &AccountId, salt: &Hash) -> Hash {
    aitbc_primitives::commitment(&output_hash(output), miner, salt)
}

/// The salt `pair` commits to job `job_id` with: BLAKE2-256 of a domain tag, the key's secret
/// and the job id. Secret (nobody without the key can derive it, so a commitment reveals
/// nothing), and the same after a restart: a miner that committed and then restarted reruns
/// the (deterministic) job and reveals with the same salt, with nothing written to disk.
pub fn commitment_salt(pair: &crate::keys::Pair, job_id: JobId) -> Hash {
    let mut data = b"aitbc/commit-salt/v1".to_vec();
    data.extend_from_slice(&crate::keys::polkadot_secret(pair));
    data.extend_from_slice(&job_id.to_le_bytes());
    let salt = Hash::from(sp_crypto_hashing::blake2_256(&data));
    zeroize::Zeroize::zeroize(&mut data);
    salt
}

/// `Jobs::commit_result` for `output` (already cut to what will be revealed) with `salt`.
pub fn commit_result(
    pair: &crate::keys::Pair,
    job_id: JobId,
    output: &[u8],
    salt: &Hash,
) -> RuntimeCall {
    let miner = crate::keys::account_id(pair);
    RuntimeCall::Jobs(pallet_aitbc_jobs::Call::commit_result {
        job_id,
        commitment: commitment_of(output, &miner, salt),
    })
}

/// `Jobs::reveal_result`: the output committed to, its salt, the metrics, and the miner's
/// receipt signature at its own unit price (from the round).
pub fn reveal_result(
    pair: &crate::keys::Pair,
    job: &Job,
    unit_price: Balance,
    output: &[u8],
    salt: Hash,
    metrics: Metrics,
    min_margin_milli: Option<u32>,
) -> RuntimeCall {
    use sp_core::Pair as _;
    let output = crate::jobs::deliverable_output(output);
    let hash = Hash::from(sp_crypto_hashing::blake2_256(output));
    let miner = crate::keys::account_id(pair);
    let payload = aitbc_primitives::receipt_signing_payload(
        job.id,
        &job.owner,
        &miner,
        &hash,
        metrics.units_milli(),
        &unit_price,
    );
    let signature = sp_core::H512(pair.sign(&payload).0);
    RuntimeCall::Jobs(pallet_aitbc_jobs::Call::reveal_result {
        job_id: job.id,
        output: output.to_vec().try_into().unwrap_or_default(),
        salt,
        metrics,
        signature,
        min_margin_milli,
    })
}

/// `Jobs::report_referee_finding`.
pub fn report_referee_finding(job_id: JobId, finding: RefereeFinding) -> RuntimeCall {
    RuntimeCall::Jobs(pallet_aitbc_jobs::Call::report_referee_finding { job_id, finding })
}
