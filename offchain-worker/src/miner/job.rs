//! Running one job: accept, infer, submit the result or report the failure.

use std::time::Instant;

use aitbc_client::{jobs, rpc::TxStatus};
use aitbc_primitives::{JobInput, JobStatus, Metrics};
use tokio::sync::oneshot;

use super::Session;
use crate::backend::{GenerateOptions, GenerateRequest, Prompt};

type Job = jobs::Job;

/// The prompt of a job, or why this miner cannot run it.
pub(crate) fn prompt_of(job: &Job) -> Result<String, String> {
    match &job.input {
        JobInput::Prompt(p) => String::from_utf8(p.to_vec()).map_err(|_| "the prompt is not valid UTF-8".to_string()),
        JobInput::ContentHash { hash, size } => Err(format!(
            "input {hash:?} ({size} bytes) is kept off chain and this miner has no content store to fetch it from"
        )),
    }
}

/// The backend options of a job: its own (temperature, top_p, seed, max tokens up to this
/// miner's `--max-tokens`), and greedy decoding (temperature 0) when it gives no temperature,
/// so that a job without options has a reproducible result (another miner on the same model
/// gives the same text) instead of a draw at the backend's default temperature.
pub(crate) fn generate_options(
    options: &aitbc_primitives::GenerationOptions,
    miner_max_tokens: u32,
) -> GenerateOptions {
    GenerateOptions {
        temperature: Some(
            options
                .temperature_milli
                .map_or(0.0, |t| f64::from(t) / 1000.0),
        ),
        top_p: options.top_p_milli.map(|p| f64::from(p) / 1000.0),
        max_tokens: Some(
            options
                .max_tokens
                .map_or(miner_max_tokens, |n| n.min(miner_max_tokens)),
        ),
        seed: options.seed,
        ..Default::default()
    }
}

/// Handle one assigned (or already accepted) job to its end. `seen` is when the daemon saw the
/// assignment.
///
/// `accept` and the inference run at the same time, and the result goes out as soon as the
/// inference ends and `accept` is in the pool: its nonce is lower, so the chain includes it
/// first, at the latest in the same block as the result. Waiting for `accept` to be in a block
/// first would cost a slot per job. If `accept` is refused, the job is not ours and the output
/// is dropped.
pub(crate) async fn process(s: &Session, job: Job, seen: Instant) {
    let id = job.id;
    let model = String::from_utf8_lossy(&job.model).into_owned();
    tracing::info!(
        "📥 job #{id} received: model {model}, budget {}",
        aitbc_client::amount::format_amount(job.budget)
    );
    let (pooled_tx, pooled_rx) = oneshot::channel::<()>();
    let needs_accept = job.status == JobStatus::Assigned;
    let accept = async move {
        if !needs_accept {
            let _ = pooled_tx.send(());
            return;
        }
        let mut pooled_tx = Some(pooled_tx);
        let outcome = s
            .send_watching(jobs::accept_job(id), |status| {
                if !matches!(
                    status,
                    TxStatus::Invalid | TxStatus::Dropped | TxStatus::Usurped(_)
                ) {
                    if let Some(tx) = pooled_tx.take() {
                        let _ = tx.send(());
                    }
                }
            })
            .await;
        match outcome {
            Ok(o) => tracing::info!("🤝 job #{id} accepted in block #{}", o.block_number),
            Err(e) => tracing::warn!("job #{id}: accept failed ({e:#}); leaving it"),
        }
    };
    let work = async move {
        let prompt = match prompt_of(&job) {
            Ok(p) => p,
            Err(reason) => {
                if pooled_rx.await.is_ok() {
                    fail(s, id, &reason).await;
                }
                return;
            }
        };
        tracing::info!(
            "🧠 job #{id}: inference running on {} ({} prompt chars)",
            s.backend.name(),
            prompt.chars().count()
        );
        let started = Instant::now();
        let request = GenerateRequest {
            model: model.clone(),
            prompt: Prompt::Text {
                prompt,
                system: job
                    .options
                    .system
                    .as_ref()
                    .map(|b| String::from_utf8_lossy(b).into_owned()),
                raw: false,
            },
            options: generate_options(&job.options, s.max_tokens),
        };
        let result = s.backend.generate(request).await;
        let inference_ms = started.elapsed().as_millis();
        // Our `accept` never reached the pool: someone else's job now.
        if pooled_rx.await.is_err() {
            return;
        }
        let result = match result {
            Ok(r) => r,
            Err(e) => return fail(s, id, &e.to_string()).await,
        };
        if let Some(rate) = result.output_tokens_per_s() {
            s.note_rate(rate);
        }
        tracing::info!(
            "✨ job #{id}: {} prompt + {} generated tokens in {} ms ({:.1} tokens/s)",
            result.input_tokens,
            result.output_tokens,
            result.compute_ms,
            result.output_tokens_per_s().unwrap_or(0.0)
        );
        let metrics = Metrics {
            compute_ms: result.compute_ms,
            input_tokens: result.input_tokens,
            output_tokens: result.output_tokens,
        };
        let submitted = Instant::now();
        match s
            .send(jobs::submit_result(
                &s.pair,
                &job,
                result.text.as_bytes(),
                metrics,
            ))
            .await
        {
            Ok(o) => {
                s.note_delivered(id, o.block_number);
                tracing::info!(
                    "📤 job #{id}: result submitted in block #{} ({} ms after inference)",
                    o.block_number,
                    submitted.elapsed().as_millis()
                );
                tracing::info!(
                    "⏱  job #{id} timings: seen->inference {} ms, inference {inference_ms} ms, inference->included {} ms",
                    started.duration_since(seen).as_millis(),
                    submitted.elapsed().as_millis()
                );
            }
            Err(e) => tracing::error!("job #{id}: result submission failed: {e:#}"),
        }
    };
    tokio::join!(accept, work);
}

pub(crate) async fn fail(s: &Session, id: aitbc_primitives::JobId, reason: &str) {
    tracing::warn!("❌ job #{id} failed: {reason}");
    match s.send(jobs::report_failure(id, reason)).await {
        Ok(o) => tracing::info!(
            "↩️  job #{id} reported failed in block #{}: the client is refunded",
            o.block_number
        ),
        Err(e) => tracing::error!("job #{id}: could not report the failure: {e:#}"),
    }
}

#[cfg(test)]
mod tests {
    use super::generate_options;
    use aitbc_primitives::GenerationOptions;

    #[test]
    fn options_map_to_the_backend_and_default_to_greedy() {
        let o = generate_options(&GenerationOptions::default(), 256);
        assert_eq!(
            (o.temperature, o.top_p, o.max_tokens, o.seed),
            (Some(0.0), None, Some(256), None)
        );
        let o = generate_options(
            &GenerationOptions {
                temperature_milli: Some(700),
                top_p_milli: Some(900),
                max_tokens: Some(1_000),
                seed: Some(42),
                system: None,
            },
            256,
        );
        assert_eq!(o.temperature, Some(0.7));
        assert_eq!(o.top_p, Some(0.9));
        // Never more than this miner's own limit.
        assert_eq!(o.max_tokens, Some(256));
        assert_eq!(o.seed, Some(42));
    }
}
