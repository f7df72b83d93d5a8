//! Running one agent run (a job of type `Agent`): accept it, read the pinned agent version and
//! the run's input from the chain, run the agent loop ([`run`]) with the tools the version
//! lists ([`aitbc_agent::ToolBox`]; the chain tools read the node at a finalized block pinned
//! for the run, [`chain`]), record the trace on chain, then deliver the last step's text as the
//! job's result, metered as the trace's steps.

pub mod chain;
pub mod eval;
pub mod run;
pub mod stream;

use std::sync::Arc;
use std::time::{Duration, Instant};

use aitbc_agent::{parse_canonical, ToolBox, ToolId};
use aitbc_client::{agents, jobs};
use aitbc_primitives::{JobStatus, Metrics};
use async_trait::async_trait;

use super::Session;
use crate::backend::{GenerateOptions, InferenceBackend, Prompt};
use run::{ModelStep, RunOutcome, RunSettings, StepModel};

type Job = jobs::Job;

/// Most tokens one step may take (a thought, an action and its input).
pub const STEP_TOKENS: u32 = 192;

/// Steps from the daemon's backend (constrained decoding; the embedded backend).
pub struct BackendSteps {
    /// The backend.
    pub backend: Arc<dyn InferenceBackend>,
    /// The model.
    pub model: String,
    /// Sampling (the agent's decoding settings).
    pub options: GenerateOptions,
}

#[async_trait]
impl StepModel for BackendSteps {
    async fn step(
        &self,
        prompt: Prompt,
        actions: Vec<String>,
        max_tokens: u32,
    ) -> Result<ModelStep, String> {
        let options = GenerateOptions {
            max_tokens: Some(max_tokens),
            ..self.options.clone()
        };
        let s = self
            .backend
            .react_step(&self.model, prompt, actions, options)
            .await
            .map_err(|e| e.to_string())?;
        Ok(ModelStep {
            thought: s.thought,
            action: s.action,
            input: s.input,
            tokens: u32::try_from(s.tokens).unwrap_or(u32::MAX),
        })
    }
}

/// The run settings and sampling of an agent version's `spec` (an error, saying why, when this
/// daemon cannot run it: reported as the job's failure, refunding the client).
pub fn run_settings(
    spec: &agents::AgentSpec,
    block_ms: u64,
) -> Result<(RunSettings, GenerateOptions), String> {
    let config = parse_canonical(&spec.config)
        .map_err(|e| format!("the agent's stored configuration does not parse: {e}"))?;
    let mut tools = Vec::new();
    for t in spec.tools.iter() {
        let id = String::from_utf8_lossy(t);
        match ToolId::from_id(&id) {
            Some(tool) => tools.push(tool),
            None => {
                return Err(format!(
                    "the agent lists tool {id:?}, which this miner does not ship"
                ))
            }
        }
    }
    let limits = spec.limits;
    // Deliver with a fifth of the window (at least two blocks) to spare for the two
    // transactions.
    let window = u64::from(limits.deadline_blocks).saturating_mul(block_ms);
    let spare = (window / 5).max(2 * block_ms);
    let settings = RunSettings {
        system_prompt: config.system_prompt.clone(),
        tools,
        max_steps: limits.max_steps,
        max_tokens: limits.max_tokens,
        max_tool_calls: limits.max_tool_calls,
        time_budget: Duration::from_millis(window.saturating_sub(spare)),
        step_tokens: STEP_TOKENS,
    };
    let options = GenerateOptions {
        temperature: Some(config.decoding.temperature),
        seed: Some(config.decoding.seed),
        ..Default::default()
    };
    Ok((settings, options))
}

/// The metrics of a run: its steps' time and tokens, as the chain recomputes them.
pub fn metrics_of(outcome: &RunOutcome) -> Metrics {
    Metrics {
        compute_ms: outcome.steps.iter().map(|s| u64::from(s.millis)).sum(),
        input_tokens: 0,
        output_tokens: outcome
            .steps
            .iter()
            .fold(0u32, |n, s| n.saturating_add(s.tokens)),
    }
}

/// The run's input text and data file, as the chain holds them.
fn run_input(run: &agents::RunView) -> (String, Option<Vec<u8>>) {
    let input = run
        .input
        .as_ref()
        .map(|i| String::from_utf8_lossy(&i.input).into_owned())
        .unwrap_or_default();
    let data = run
        .input
        .as_ref()
        .and_then(|i| i.data.clone())
        .map(|d| d.into_inner());
    (input, data)
}

/// Run the loop of run `id`, publishing each step to the run's stream as it is recorded.
async fn run_streamed(
    s: &Session,
    id: u64,
    model: &BackendSteps,
    settings: &RunSettings,
    input: &str,
    data: Option<&[u8]>,
    reader: &chain::PinnedReader<'_>,
) -> RunOutcome {
    s.agent_streams.start(id);
    let tools = ToolBox::new(&settings.tools, data, Some(reader));
    let streams = s.agent_streams.clone();
    let mut on_step = move |step: &aitbc_primitives::TraceStep| streams.publish(id, step);
    let outcome = run::run_agent(model, settings, input, &tools, data, &mut on_step).await;
    s.agent_streams.finish(id);
    outcome
}

/// This miner's part of a redundant (exact-mode) agent run: the loop decoding exactly as the job
/// says (the chain fixed it to the execution profile's), chain reads pinned at the block the run
/// was submitted in (every participant reads the same), and this participant's trace recorded
/// before it commits. Returns the answer and its metrics, as the reveal must give them. After a
/// restart (the trace recorded already), the rerun's answer must be the recorded one, and the
/// recorded metrics are returned.
pub(crate) async fn run_in_round(s: &Session, job: &Job) -> anyhow::Result<(Vec<u8>, Metrics)> {
    use anyhow::Context as _;
    let id = job.id;
    let run = agents::existing_run(&s.rpc, id).await?;
    let version = run
        .version
        .as_ref()
        .context("the run's agent version is no longer stored")?;
    let (settings, _) = run_settings(&version.spec, s.block_ms).map_err(anyhow::Error::msg)?;
    let options = super::job::generate_options(&job.options, u32::MAX);
    let (input, data) = run_input(&run);
    let reader = chain::PinnedReader::at_finalized_number(
        &s.rpc,
        run.run.submitted_at,
        Duration::from_secs(60),
    )
    .await?;
    tracing::info!(
        "🤖 agent run #{id} (redundant): agent #{} v{}, chain reads at block #{}",
        run.run.agent,
        run.run.version,
        run.run.submitted_at
    );
    let steps_model = BackendSteps {
        backend: s.backend.clone(),
        model: String::from_utf8_lossy(&job.model).into_owned(),
        options,
    };
    let outcome = run_streamed(
        s,
        id,
        &steps_model,
        &settings,
        &input,
        data.as_deref(),
        &reader,
    )
    .await;
    let output = outcome.output().to_vec();
    if let Some(mine) = run.participants.iter().find(|p| p.miner == s.account) {
        anyhow::ensure!(
            aitbc_primitives::blake2(&output) == mine.answer_hash,
            "the rerun's answer is not the one recorded before the restart: not revealing"
        );
        return Ok((
            output,
            Metrics {
                compute_ms: mine.millis,
                input_tokens: 0,
                output_tokens: mine.tokens,
            },
        ));
    }
    let call = agents::record_trace(id, outcome.steps.clone(), outcome.end)?;
    let o = s.send(call).await?;
    tracing::info!(
        "🧾 agent run #{id}: {} step(s) traced in block #{} ({:?})",
        outcome.steps.len(),
        o.block_number,
        outcome.end
    );
    Ok((output, metrics_of(&outcome)))
}

/// Handle one agent run to its end.
pub(crate) async fn process(s: &Session, job: Job, seen: Instant) {
    let id = job.id;
    let model = String::from_utf8_lossy(&job.model).into_owned();
    tracing::info!("🤖 agent run #{id} received: model {model}");
    if job.status == JobStatus::Assigned {
        match s.send(jobs::accept_job(id)).await {
            Ok(o) => tracing::info!("🤝 agent run #{id} accepted in block #{}", o.block_number),
            Err(e) => {
                tracing::warn!("agent run #{id}: accept failed ({e:#}); leaving it");
                return;
            }
        }
    }
    let run = match agents::existing_run(&s.rpc, id).await {
        Ok(r) => r,
        Err(e) => return super::job::fail(s, id, &format!("cannot read the run: {e}")).await,
    };
    let settings = match &run.version {
        Some(v) => run_settings(&v.spec, s.block_ms),
        None => Err("the run's agent version is no longer stored".to_string()),
    };
    let (settings, options) = match settings {
        Ok(x) => x,
        Err(reason) => return super::job::fail(s, id, &reason).await,
    };
    let (input, data) = run_input(&run);
    let reader = match chain::PinnedReader::at_finalized(&s.rpc).await {
        Ok(r) => r,
        Err(e) => {
            return super::job::fail(s, id, &format!("cannot pin a finalized block: {e:#}")).await
        }
    };
    tracing::info!(
        "🧭 agent run #{id}: agent #{} v{}, {} tool(s), chain reads at {:?}",
        run.run.agent,
        run.run.version,
        settings.tools.len(),
        reader.at()
    );
    let steps_model = BackendSteps {
        backend: s.backend.clone(),
        model,
        options,
    };
    let started = Instant::now();
    let outcome = run_streamed(
        s,
        id,
        &steps_model,
        &settings,
        &input,
        data.as_deref(),
        &reader,
    )
    .await;
    tracing::info!(
        "✨ agent run #{id}: {} step(s), ended {:?}, in {} ms",
        outcome.steps.len(),
        outcome.end,
        started.elapsed().as_millis()
    );
    let call = match agents::record_trace(id, outcome.steps.clone(), outcome.end) {
        Ok(c) => c,
        Err(e) => {
            return super::job::fail(s, id, &format!("the trace cannot be recorded: {e}")).await
        }
    };
    if let Err(e) = s.send(call).await {
        tracing::error!("agent run #{id}: recording the trace failed: {e:#}");
        return;
    }
    match s
        .send(jobs::submit_result(
            &s.pair,
            &job,
            outcome.output(),
            metrics_of(&outcome),
        ))
        .await
    {
        Ok(o) => {
            s.note_delivered(id, o.block_number);
            tracing::info!(
                "📤 agent run #{id}: answer delivered in block #{} ({} ms after it was seen)",
                o.block_number,
                seen.elapsed().as_millis()
            );
        }
        Err(e) => tracing::error!("agent run #{id}: delivering the answer failed: {e:#}"),
    }
}

#[cfg(test)]
mod tests {
    /// The daemon's build turns serde_json's `arbitrary_precision` on (through another crate):
    /// a stored configuration must still parse here.
    #[test]
    fn a_canonical_configuration_parses_in_the_daemons_build() {
        let c = aitbc_agent::parse_config(
            br#"{"model":"gemma3","price_cap":"0.5","tools":["calculator"],"decoding":{"temperature":0.7,"seed":3},"limits":{"max_steps":4}}"#,
        )
        .expect("parses");
        let back = aitbc_agent::parse_canonical(&c.canonical_bytes()).expect("round trip");
        assert_eq!(back, c);
        assert_eq!(back.decoding.temperature, 0.7);
    }
}
