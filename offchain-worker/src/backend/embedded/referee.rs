//! The referee of k-of-n redundant jobs: when two miners' greedy outputs for one job disagree,
//! one forward pass over the prompt and the outputs' common prefix shows which token greedy
//! decoding takes where they part, and how far each side's token scores below it.
//!
//! Both outputs are re-encoded with the model's tokenizer and compared token by token; the
//! prompt is rendered exactly as generation renders it (chat template, default system prompt).
//! The logits are the ones generation compares in greedy mode: the job's repeat penalty (1.1 on
//! the last 64 generated tokens unless the job says otherwise) is applied to the common prefix,
//! as generation applied it to the tokens it had generated so far; there is no temperature.

use super::{render, EmbeddedBackend};
use crate::backend::{BackendError, GenerateRequest, RefereeFinding};
use candle_core::{Tensor, D};
use std::time::Instant;

/// The longest output the referee accepts, per side: what the chain stores for a result.
pub const MAX_REFEREE_OUTPUT_BYTES: usize = aitbc_primitives::MAX_RESULT_BYTES as usize;

fn invalid(reason: impl Into<String>) -> BackendError {
    BackendError::InvalidRequest(reason.into())
}

fn infer_err(e: impl std::fmt::Display) -> BackendError {
    BackendError::Inference(e.to_string())
}

/// A logit times 1000, rounded.
fn milli(logit: f32) -> Result<i64, BackendError> {
    if !logit.is_finite() {
        return Err(BackendError::Inference(format!(
            "the model produced a non-finite logit ({logit})"
        )));
    }
    Ok((f64::from(logit) * 1000.0).round() as i64)
}

/// The first index where `a` and `b` differ (the shorter length when one is a prefix of the
/// other).
pub(crate) fn first_difference(a: &[u32], b: &[u32]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

impl EmbeddedBackend {
    /// Referees two outputs of the greedy job `request` (as the miners ran it: model, prompt,
    /// options) with one forward pass on a fresh KV cache; see [`RefereeFinding`].
    ///
    /// Refused: identical outputs (nothing to referee), a request that is not greedy
    /// (temperature must be given and 0) or has stop strings, an output over
    /// [`MAX_REFEREE_OUTPUT_BYTES`], outputs that agree on all `max_tokens` tokens the job
    /// allows, and a prompt plus common prefix that does not fit the model's context (no
    /// generation could have reached the disputed token).
    pub fn referee(
        &self,
        request: &GenerateRequest,
        output_a: &str,
        output_b: &str,
    ) -> Result<RefereeFinding, BackendError> {
        self.resolve(&request.model)?;
        let opts = &request.options;
        match opts.temperature {
            Some(t) if t <= 0.0 => {}
            other => {
                return Err(invalid(format!(
                "the referee settles greedy jobs only (temperature 0); this one has temperature {}",
                other.map_or_else(
                    || "unset (the backend's default, 0.8)".to_string(),
                    |t| t.to_string()
                )
            )))
            }
        }
        if !opts.stop.is_empty() {
            return Err(invalid(
                "the referee cannot settle a job with stop strings (its outputs were cut at text, not at tokens)",
            ));
        }
        for (side, output) in [("A", output_a), ("B", output_b)] {
            if output.len() > MAX_REFEREE_OUTPUT_BYTES {
                return Err(invalid(format!(
                    "output {side} is {} bytes; the referee takes at most {MAX_REFEREE_OUTPUT_BYTES}",
                    output.len()
                )));
            }
        }
        if output_a == output_b {
            return Err(invalid("the two outputs are identical: nothing to referee"));
        }

        let mut engine = self.lock()?;
        let started = Instant::now();
        let tokenizer = &engine.tokenizer;
        let prompt_ids = tokenizer
            .encode_prompt(&render(&engine.template, &request.prompt))
            .map_err(BackendError::Inference)?;
        let ids_a = tokenizer
            .encode(output_a)
            .map_err(BackendError::Inference)?;
        let ids_b = tokenizer
            .encode(output_b)
            .map_err(BackendError::Inference)?;
        if prompt_ids.is_empty() {
            return Err(invalid("the prompt is empty"));
        }
        let position = first_difference(&ids_a, &ids_b);
        if position == ids_a.len() && position == ids_b.len() {
            return Err(invalid(
                "the two outputs encode to the same tokens: nothing to referee",
            ));
        }
        if let Some(max) = opts.max_tokens {
            if position >= max as usize {
                return Err(invalid(format!(
                    "the outputs agree on the first {position} tokens, and the job allows {max}: \
                     the longer output goes past the limit, which no logit decides"
                )));
            }
        }
        let context = engine.facts.context_length;
        if prompt_ids.len() + position >= context {
            return Err(invalid(format!(
                "the prompt ({} tokens) and the outputs' common prefix ({position} tokens) leave no \
                 room in the model's context of {context} tokens: no generation reaches the \
                 disputed token",
                prompt_ids.len()
            )));
        }

        let mut ids = Vec::with_capacity(prompt_ids.len() + position);
        ids.extend_from_slice(&prompt_ids);
        ids.extend_from_slice(&ids_a[..position]);
        let logits = engine.next_logits(&ids, prompt_ids.len(), opts)?;
        finding(
            &engine.tokenizer.stop_ids,
            &logits,
            &ids_a,
            &ids_b,
            position,
            prompt_ids.len(),
            started,
        )
    }
}

/// Reads the finding off the logits at `position`.
fn finding(
    stop_ids: &[u32],
    logits: &Tensor,
    ids_a: &[u32],
    ids_b: &[u32],
    position: usize,
    prompt_tokens: usize,
    started: Instant,
) -> Result<RefereeFinding, BackendError> {
    // The same operation greedy generation chooses with (candle's ArgMax sampling), so that ties
    // break the same way.
    let top_token = logits
        .argmax(D::Minus1)
        .and_then(|t| t.to_scalar::<u32>())
        .map_err(infer_err)?;
    let values = logits.to_vec1::<f32>().map_err(infer_err)?;
    let logit = |id: u32| {
        values.get(id as usize).copied().ok_or_else(|| {
            BackendError::Inference(format!(
                "token {id} is outside the model's vocabulary of {}",
                values.len()
            ))
        })
    };
    // A side that ends here chose to stop: generation stops on any stop token, so its claim is
    // the most likely of them.
    let stop = stop_ids
        .iter()
        .copied()
        .filter(|&id| (id as usize) < values.len())
        .max_by(|&x, &y| values[x as usize].total_cmp(&values[y as usize]))
        .ok_or_else(|| BackendError::Inference("the model has no stop token".into()))?;
    let token_a = ids_a.get(position).copied().unwrap_or(stop);
    let token_b = ids_b.get(position).copied().unwrap_or(stop);
    Ok(RefereeFinding {
        position: position as u32,
        token_a,
        token_b,
        logit_a_milli: milli(logit(token_a)?)?,
        logit_b_milli: milli(logit(token_b)?)?,
        top_token,
        top_logit_milli: milli(logit(top_token)?)?,
        prefix_tokens: position as u32,
        prompt_tokens: prompt_tokens as u32,
        elapsed_ms: started.elapsed().as_millis() as u64,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_difference_finds_the_split_or_the_shorter_end() {
        assert_eq!(first_difference(&[1, 2, 3], &[1, 2, 4]), 2);
        assert_eq!(first_difference(&[1, 2], &[1, 2, 4]), 2);
        assert_eq!(first_difference(&[5], &[1]), 0);
        assert_eq!(first_difference(&[], &[1]), 0);
        assert_eq!(first_difference(&[1, 2], &[1, 2]), 2);
    }

    #[test]
    fn milli_rounds_and_refuses_non_finite() {
        assert_eq!(milli(1.2345).ok(), Some(1235));
        assert_eq!(milli(-0.0004).ok(), Some(0));
        assert_eq!(milli(-7.5).ok(), Some(-7500));
        assert!(milli(f32::NAN).is_err());
        assert!(milli(f32::NEG_INFINITY).is_err());
    }

    #[test]
    fn finding_reads_top_and_stop_tokens() {
        let logits =
            Tensor::new(&[0.5f32, 3.0, -1.0, 2.0, 9.0], &candle_core::Device::Cpu).expect("tensor");
        // A: [7, 1]; B ends after the common prefix [7]: B's token is the better stop token (4,
        // not 0).
        let f = finding(&[0, 4], &logits, &[7, 1], &[7], 1, 10, Instant::now()).expect("finding");
        assert_eq!(
            (f.position, f.token_a, f.token_b, f.top_token),
            (1, 1, 4, 4)
        );
        assert_eq!(
            (f.logit_a_milli, f.logit_b_milli, f.top_logit_milli),
            (3000, 9000, 9000)
        );
        assert_eq!((f.margin_a_milli(), f.margin_b_milli()), (6000, 0));
        assert_eq!((f.prefix_tokens, f.prompt_tokens), (1, 10));
        // A token outside the vocabulary is an error, not a panic.
        assert!(finding(&[0], &logits, &[99], &[3], 0, 1, Instant::now()).is_err());
    }
}
