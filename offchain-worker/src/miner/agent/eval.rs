//! Measuring an agent on an evaluation set (the runs of `aitbc optimize self-opt`): the real
//! agent loop, model and tools, chain reads pinned at a finalized block, as for a paid run, but
//! nothing is submitted. `aitbc-worker eval-agent` runs it for one model; the daemon's
//! self-optimization endpoint ([`crate::selfopt`]) starts one such process per model and thread
//! count, since the compute threads are fixed for a process's life.

use std::sync::Arc;
use std::time::Instant;

use aitbc_agent::{answer_matches, EvalTask, ToolBox};
use aitbc_client::{agents, rpc::RpcClient, selfopt::RunMeasure, selfopt::Setting};
use aitbc_primitives::{RunEnd, StepKind};

use super::{chain::PinnedReader, run, run_settings, BackendSteps};
use crate::backend::InferenceBackend;

/// Most bytes of an answer reported.
const MAX_ANSWER_BYTES: usize = 1024;

fn cut(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

/// What one measurement process runs: an agent version on `model` with `threads` compute
/// threads, at each of `max_tokens`, over `tasks`.
pub struct Measurement<'a> {
    /// The agent version's spec.
    pub spec: &'a agents::AgentSpec,
    /// The backend serving `model`.
    pub backend: Arc<dyn InferenceBackend>,
    /// The model.
    pub model: String,
    /// The process's compute threads (a label: the process was started with them).
    pub threads: u32,
    /// The run token limits to try.
    pub max_tokens: &'a [u32],
    /// The evaluation set.
    pub tasks: &'a [EvalTask],
    /// Block time, for the run's deadline.
    pub block_ms: u64,
}

impl Measurement<'_> {
    /// Run every task at every token limit, handing each measured run to `on_run` as it ends.
    pub async fn run(
        &self,
        rpc: &RpcClient,
        on_run: &mut (dyn FnMut(RunMeasure) + Send),
    ) -> Result<(), String> {
        let (base, options) = run_settings(self.spec, self.block_ms)?;
        let model = BackendSteps {
            backend: self.backend.clone(),
            model: self.model.clone(),
            options,
        };
        for &max_tokens in self.max_tokens {
            let mut settings = base.clone();
            settings.max_tokens = max_tokens;
            let setting = Setting {
                model: self.model.clone(),
                threads: self.threads,
                max_tokens,
            };
            for (i, task) in self.tasks.iter().enumerate() {
                let reader = PinnedReader::at_finalized(rpc)
                    .await
                    .map_err(|e| format!("cannot pin a finalized block: {e:#}"))?;
                let tools = ToolBox::new(&settings.tools, None, Some(&reader));
                let started = Instant::now();
                let outcome =
                    run::run_agent(&model, &settings, &task.input, &tools, None, &mut |_| {}).await;
                let wall_ms = started.elapsed().as_millis() as u64;
                let answer = String::from_utf8_lossy(outcome.output()).into_owned();
                let answered = outcome.end == RunEnd::Answered;
                let metrics = super::metrics_of(&outcome);
                on_run(RunMeasure {
                    setting: setting.clone(),
                    task: i,
                    end: agents::run_end_name(outcome.end).to_string(),
                    correct: task
                        .expect
                        .as_deref()
                        .map(|e| answered && answer_matches(&answer, e)),
                    answer: cut(&answer, MAX_ANSWER_BYTES),
                    steps: outcome.steps.len() as u32,
                    tool_calls: outcome
                        .steps
                        .iter()
                        .filter(|s| {
                            s.kind == StepKind::Tool && s.tool_call.as_ref().is_some_and(|c| c.ran)
                        })
                        .count() as u32,
                    tokens: metrics.output_tokens,
                    compute_ms: metrics.compute_ms,
                    wall_ms,
                });
            }
        }
        Ok(())
    }
}
