//! Running one job: accept, infer, submit the result or report the failure.

use std::time::Instant;

use aitbc_client::market;
use aitbc_primitives::{JobInput, JobStatus, Metrics};

use super::Session;
use crate::backend::{GenerateOptions, GenerateRequest, Prompt};

type Job = market::Job;

/// The prompt of a job, or why this miner cannot run it.
fn prompt_of(job: &Job) -> Result<String, String> {
    match &job.input {
        JobInput::Prompt(p) => String::from_utf8(p.to_vec()).map_err(|_| "the prompt is not valid UTF-8".to_string()),
        JobInput::ContentHash { hash, size } => Err(format!(
            "input {hash:?} ({size} bytes) is kept off chain and this miner has no content store to fetch it from"
        )),
    }
}

/// Handle one assigned (or already accepted) job to its end.
pub(crate) async fn process(s: &Session, job: Job) {
    let id = job.id;
    let model = String::from_utf8_lossy(&job.model).into_owned();
    tracing::info!(
        "📥 job #{id} received: model {model}, budget {}",
        aitbc_client::amount::format_amount(job.budget)
    );
    if job.status == JobStatus::Assigned {
        match s.send(market::accept_job(id)).await {
            Ok(o) => tracing::info!("🤝 job #{id} accepted in block #{}", o.block_number),
            Err(e) => {
                tracing::warn!("job #{id}: accept failed ({e:#}); leaving it");
                return;
            }
        }
    }
    let prompt = match prompt_of(&job) {
        Ok(p) => p,
        Err(reason) => return fail(s, id, &reason).await,
    };
    tracing::info!(
        "🧠 job #{id}: inference running on {} ({} prompt chars)",
        s.backend.name(),
        prompt.chars().count()
    );
    let started = Instant::now();
    let request = GenerateRequest {
        model: model.clone(),
        prompt: Prompt::text(prompt),
        options: GenerateOptions {
            max_tokens: Some(s.max_tokens),
            ..Default::default()
        },
    };
    let result = match s.backend.generate(request).await {
        Ok(r) => r,
        Err(e) => return fail(s, id, &e.to_string()).await,
    };
    let wall = started.elapsed();
    tracing::info!(
        "✨ job #{id}: {} prompt + {} generated tokens in {} ms ({:.1} tokens/s)",
        result.input_tokens,
        result.output_tokens,
        result.compute_ms,
        result.output_tokens as f64 / wall.as_secs_f64().max(1e-9)
    );
    let metrics = Metrics {
        compute_ms: result.compute_ms,
        input_tokens: result.input_tokens,
        output_tokens: result.output_tokens,
    };
    let submitted = Instant::now();
    match s
        .send(market::submit_result(id, result.text.as_bytes(), metrics))
        .await
    {
        Ok(o) => tracing::info!(
            "📤 job #{id}: result submitted in block #{} ({} ms after inference)",
            o.block_number,
            submitted.elapsed().as_millis()
        ),
        Err(e) => tracing::error!("job #{id}: result submission failed: {e:#}"),
    }
}

async fn fail(s: &Session, id: aitbc_primitives::JobId, reason: &str) {
    tracing::warn!("❌ job #{id} failed: {reason}");
    match s.send(market::report_failure(id, reason)).await {
        Ok(o) => tracing::info!(
            "↩️  job #{id} reported failed in block #{}: the client is refunded",
            o.block_number
        ),
        Err(e) => tracing::error!("job #{id}: could not report the failure: {e:#}"),
    }
}
