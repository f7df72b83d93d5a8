//! This miner's part in a redundant (k-of-n) job: run it exactly as the job says (the chain
//! fixed its sampling and token limit to the execution profile's), commit to the output's hash
//! with a secret salt, and reveal once every participant has committed. Nothing is written to
//! disk: the salt is derived from the key and the job id, and greedy decoding gives the same
//! output again, so a miner restarted between commit and reveal reruns the job and reveals.
//! An agent run takes part the same way, its answer the output, after recording this miner's
//! trace ([`super::agent::run_in_round`]).

use std::time::{Duration, Instant};

use aitbc_client::{jobs, redundancy};
use aitbc_primitives::{Metrics, ParticipantState, RoundPhase};

use super::{job::prompt_of, Session};
use crate::backend::{GenerateRequest, Prompt};

type Job = jobs::Job;

/// Take part in redundant job `job` (assigned to this miner, or committed before a restart).
pub(crate) async fn process(s: &Session, job: Job) {
    let id = job.id;
    if let Err(e) = take_part(s, &job).await {
        tracing::error!("job #{id} (redundant): {e:#}");
    }
}

async fn take_part(s: &Session, job: &Job) -> anyhow::Result<()> {
    let id = job.id;
    let Some(round) = redundancy::round(&s.rpc, id).await? else {
        return Ok(());
    };
    let Some(me) = round
        .participants
        .iter()
        .find(|p| p.miner == s.account && p.is_active())
        .cloned()
    else {
        return Ok(());
    };
    if !matches!(
        me.state,
        ParticipantState::Assigned | ParticipantState::Committed
    ) {
        return Ok(());
    }
    // An agent run's token limit is over its whole loop, each step bounded by the loop.
    let limit = match job.job_type {
        aitbc_primitives::JobType::Agent => 0,
        _ => job.options.max_tokens.unwrap_or(u32::MAX),
    };
    anyhow::ensure!(
        limit <= s.max_tokens,
        "the job asks for {limit} tokens, more than this miner's --max-tokens {}: not taking \
         part (the chain replaces a miner that does not commit, noting it late)",
        s.max_tokens
    );
    tracing::info!(
        "📥 job #{id} received (redundant: {} of {}, quorum {}): running it",
        round.spec.k,
        round.participants.len(),
        round.spec.effective_quorum()
    );
    let (output, metrics, margin) = run(s, job).await?;
    let salt = redundancy::commitment_salt(&s.pair, id);
    match me.state {
        ParticipantState::Assigned => {
            let o =
                send_retrying(s, || redundancy::commit_result(&s.pair, id, &output, &salt)).await?;
            tracing::info!(
                "🔏 job #{id}: committed to output {} in block #{}",
                short(&redundancy::output_hash(&output)),
                o.block_number
            );
        }
        _ => {
            let again = redundancy::commitment_of(&output, &s.account, &salt);
            anyhow::ensure!(
                me.commitment == Some(again),
                "the output of this run is not the one committed to before the restart: not \
                 revealing (a mismatching reveal would burn the job bond)"
            );
        }
    }
    if !wait_for_reveal(s, id).await? {
        return Ok(());
    }
    let o = send_retrying(s, || {
        redundancy::reveal_result(&s.pair, job, me.unit_price, &output, salt, metrics, margin)
    })
    .await?;
    s.note_delivered(id, o.block_number);
    tracing::info!("📤 job #{id}: output revealed in block #{}", o.block_number);
    Ok(())
}

/// Send `call()`, again (up to three times, a block apart) when the node's pool refused it
/// (e.g. a nonce another of this daemon's transactions took: `send` resyncs it): a commitment
/// or a reveal lost to a transient refusal would cost the miner a late note, and rerunning the
/// whole job to get back here costs its inference time.
async fn send_retrying(
    s: &Session,
    call: impl Fn() -> aitbc_client::runtime::RuntimeCall,
) -> anyhow::Result<aitbc_client::tx::TxOutcome> {
    let mut tries = 0;
    loop {
        tries += 1;
        match s.send(call()).await {
            Err(e) if tries < 3 && format!("{e:#}").contains("rejected by the node") => {
                tracing::warn!("transaction refused ({e:#}); sending it again");
                tokio::time::sleep(Duration::from_millis(s.block_ms.max(100))).await;
            }
            other => return other,
        }
    }
}

/// Run the job on the backend exactly as it says. Returns the output as it will be revealed
/// (cut to the chain's limit), its metrics, and the backend's smallest top-two logit gap.
async fn run(s: &Session, job: &Job) -> anyhow::Result<(Vec<u8>, Metrics, Option<u32>)> {
    if job.job_type == aitbc_primitives::JobType::Agent {
        let (output, metrics) = super::agent::run_in_round(s, job).await?;
        return Ok((output, metrics, None));
    }
    let started = Instant::now();
    let result = s.backend.generate(request_of(job)?).await?;
    tracing::info!(
        "✨ job #{}: {} prompt + {} generated tokens in {} ms",
        job.id,
        result.input_tokens,
        result.output_tokens,
        started.elapsed().as_millis()
    );
    let output = jobs::deliverable_output(result.text.as_bytes()).to_vec();
    let metrics = Metrics {
        compute_ms: result.compute_ms,
        input_tokens: result.input_tokens,
        output_tokens: result.output_tokens,
    };
    Ok((output, metrics, result.min_margin_milli))
}

/// The backend request of redundant job `job`: exactly its options (the chain fixed the
/// sampling and the token limit), whatever this miner's own limits.
pub(crate) fn request_of(job: &Job) -> anyhow::Result<GenerateRequest> {
    let prompt = prompt_of(job).map_err(anyhow::Error::msg)?;
    Ok(GenerateRequest {
        model: String::from_utf8_lossy(&job.model).into_owned(),
        prompt: Prompt::Text {
            prompt,
            system: job
                .options
                .system
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned()),
            raw: false,
        },
        options: super::job::generate_options(&job.options, u32::MAX),
    })
}

/// Wait (a poll each half block) until the round opens its reveal phase. `false` when it
/// never will for this miner (the round moved on without it, or the job ended).
async fn wait_for_reveal(s: &Session, id: aitbc_primitives::JobId) -> anyhow::Result<bool> {
    let poll = Duration::from_millis((s.block_ms / 2).max(100));
    loop {
        let Some(round) = redundancy::round(&s.rpc, id).await? else {
            return Ok(false);
        };
        let mine = round
            .participants
            .iter()
            .find(|p| p.miner == s.account && p.is_active());
        if mine.is_none_or(|p| p.state != ParticipantState::Committed) {
            return Ok(false);
        }
        match round.phase {
            RoundPhase::Revealing => return Ok(true),
            RoundPhase::Committing | RoundPhase::Assigning => tokio::time::sleep(poll).await,
            RoundPhase::Refereeing | RoundPhase::Settled => return Ok(false),
        }
    }
}

fn short(h: &aitbc_client::runtime::Hash) -> String {
    let hex = format!("{h:?}");
    hex.chars().take(12).collect()
}
