//! Refereeing a redundant job's dispute: the chain chose this miner to settle two outputs that
//! disagree. One forward pass of the profile's model over the prompt and the outputs' common
//! prefix ([`crate::backend::InferenceBackend::referee`]) gives the logits of both disputed
//! tokens and of the top one; the chain slashes a side more than its margin threshold below the
//! top.

use aitbc_client::{jobs, redundancy};
use aitbc_primitives::{JobId, RefereeFinding};

use super::{round::request_of, Session};

/// Settle the open dispute of job `id` if this miner is its referee.
pub(crate) async fn settle(s: &Session, id: JobId) {
    if let Err(e) = referee(s, id).await {
        tracing::error!("job #{id} (referee): {e:#}");
    }
}

async fn referee(s: &Session, id: JobId) -> anyhow::Result<()> {
    let Some(round) = redundancy::round(&s.rpc, id).await? else {
        return Ok(());
    };
    let Some(dispute) = round.dispute.filter(|d| d.referee == s.account) else {
        return Ok(());
    };
    let job = jobs::existing_job(&s.rpc, id).await?;
    let output = |hash| async move {
        let bytes = redundancy::round_output(&s.rpc, id, hash)
            .await?
            .ok_or_else(|| anyhow::anyhow!("output {hash:?} is not on chain"))?;
        anyhow::Ok(String::from_utf8_lossy(&bytes).into_owned())
    };
    let (a, b) = (output(dispute.hash_a).await?, output(dispute.hash_b).await?);
    tracing::info!(
        "⚖️  job #{id}: refereeing two outputs ({} and {} bytes)",
        a.len(),
        b.len()
    );
    let request = request_of(&job)?;
    let found = s.backend.referee(request, a, b).await?;
    let finding = RefereeFinding {
        position: found.position,
        token_a: found.token_a,
        token_b: found.token_b,
        logit_a_milli: found.logit_a_milli,
        logit_b_milli: found.logit_b_milli,
        top_token: found.top_token,
        top_logit_milli: found.top_logit_milli,
    };
    tracing::info!(
        "⚖️  job #{id}: first difference at output token {} after {} prompt tokens ({} ms): \
         margins {:.3} / {:.3} logits below the top token",
        found.position,
        found.prompt_tokens,
        found.elapsed_ms,
        finding.margin_a() as f64 / 1000.0,
        finding.margin_b() as f64 / 1000.0
    );
    let o = s
        .send(redundancy::report_referee_finding(id, finding))
        .await?;
    tracing::info!(
        "⚖️  job #{id}: finding reported in block #{}",
        o.block_number
    );
    Ok(())
}
