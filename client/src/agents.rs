//! AI agents (pallet `Agents`, index 19): a registry of versioned agents with DAO-approved
//! tools, and agent runs, jobs whose step traces are recorded and checked on chain. Queries go
//! through the runtime's `AgentsApi`; call builders check their inputs as the chain does
//! before anything is signed.

use crate::error::{Error, Result};
use crate::rpc::RpcClient;
use crate::runtime_api::AGENTS_API;
use aitbc_primitives::{
    AgentConfig, AgentKind, AgentLimits, AgentName, AgentTools, ModelName, Prompt, RunData, RunEnd,
    ToolId, Trace, MAX_AGENT_CONFIG_BYTES, MAX_AGENT_NAME_BYTES, MAX_PAGE, MAX_RUN_DATA_BYTES,
    MAX_STEP_TEXT_BYTES,
};
use aitbc_runtime::{AccountId, Balance, BlockNumber, RuntimeCall};
use codec::{Decode, Encode};
use sp_core::H256;

pub use aitbc_primitives::{
    trace_link, trace_root, AgentId, AgentVersion, RunStatus, StepKind, ToolCall, TraceStep,
};

/// An agent with its latest version, as this runtime returns it.
pub type AgentView = pallet_aitbc_agents::queries::AgentView<AccountId, Balance, BlockNumber>;
/// A stored agent version.
pub type VersionRecord = pallet_aitbc_agents::VersionRecord<Balance, BlockNumber>;
/// A run with its input, version and trace.
pub type RunView = pallet_aitbc_agents::queries::RunView<AccountId, Balance, BlockNumber>;
/// An agent version's spec.
pub type AgentSpec = aitbc_primitives::AgentSpec<Balance>;

async fn api<A: Encode, R: Decode>(rpc: &RpcClient, method: &str, args: A) -> Result<R> {
    AGENTS_API.call(rpc, method, args, None).await
}

// ---- queries ----

/// One agent with its latest version.
pub async fn agent(rpc: &RpcClient, id: AgentId) -> Result<Option<AgentView>> {
    api(rpc, "agent", id).await
}

/// An agent that must exist: `NotFound("agent #7 ...")` otherwise.
pub async fn existing_agent(rpc: &RpcClient, id: AgentId) -> Result<AgentView> {
    agent(rpc, id).await?.ok_or_else(|| {
        Error::NotFound(format!(
            "agent #{id} (never created, or deleted by its owner; see `aitbc agent list`)"
        ))
    })
}

/// Agents with id `>= from`, ascending, at most `limit`; only `owner`'s when given.
pub async fn agents(
    rpc: &RpcClient,
    owner: Option<&AccountId>,
    from: AgentId,
    limit: u32,
) -> Result<Vec<AgentView>> {
    api(rpc, "agents", (owner, from, limit.min(MAX_PAGE))).await
}

/// One stored version of an agent.
pub async fn version(
    rpc: &RpcClient,
    id: AgentId,
    version: AgentVersion,
) -> Result<Option<VersionRecord>> {
    api(rpc, "version", (id, version)).await
}

/// A run by its job's id.
pub async fn run(rpc: &RpcClient, job: u64) -> Result<Option<RunView>> {
    api(rpc, "run", job).await
}

/// A run that must exist: `NotFound("agent run (job #7) ...")` otherwise.
pub async fn existing_run(rpc: &RpcClient, job: u64) -> Result<RunView> {
    run(rpc, job).await?.ok_or_else(|| {
        Error::NotFound(format!(
            "agent run (job #{job}): not an agent run, or pruned a week after it ended"
        ))
    })
}

/// The tools agents may list.
pub async fn approved_tools(rpc: &RpcClient) -> Result<Vec<ToolId>> {
    api(rpc, "approved_tools", ()).await
}

/// Where `who` streams its agent runs' steps.
pub async fn stream_endpoint(rpc: &RpcClient, who: &AccountId) -> Result<Option<String>> {
    let url: Option<aitbc_primitives::StreamEndpoint> = api(rpc, "stream_endpoint", who).await?;
    Ok(url.map(|u| String::from_utf8_lossy(&u).into_owned()))
}

/// The stable name of a step's kind: `tool`, `answer`, `stopped`.
pub fn step_kind_name(k: StepKind) -> &'static str {
    match k {
        StepKind::Tool => "tool",
        StepKind::Answer => "answer",
        StepKind::Stopped => "stopped",
    }
}

/// How a run's end is named to people (`answered`, `stopped: step limit`, …).
pub fn run_end_name(end: RunEnd) -> &'static str {
    match end {
        RunEnd::Answered => "answered",
        RunEnd::StepLimit => "stopped: step limit",
        RunEnd::TokenLimit => "stopped: token limit",
        RunEnd::ToolCallLimit => "stopped: tool-call limit",
        RunEnd::ModelError => "stopped: model error",
        RunEnd::Deadline => "stopped: deadline",
    }
}

/// Step `index` (from 0) as JSON, as the CLI prints it, exports it, and the miner's stream
/// endpoint sends it.
pub fn step_json(index: usize, s: &TraceStep) -> serde_json::Value {
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    serde_json::json!({
        "step": index + 1,
        "kind": step_kind_name(s.kind),
        "content": text(&s.content),
        "tool_call": s.tool_call.as_ref().map(|c| serde_json::json!({
            "tool": text(&c.tool),
            "input": text(&c.input),
            "ran": c.ran,
        })),
        "observation": text(&s.observation),
        "tokens": s.tokens,
        "millis": s.millis,
    })
}

// ---- checks ----

/// Why `trace` does not hash to `root` from `seed`: the first step whose link differs is not
/// known (a hash chain only tells that the end differs), so the answer is the recomputed root.
pub fn verify_trace(seed: H256, steps: &[TraceStep], root: H256) -> std::result::Result<(), H256> {
    let computed = trace_root(seed, steps.iter());
    if computed == root {
        Ok(())
    } else {
        Err(computed)
    }
}

fn bounded<B: TryFrom<Vec<u8>>>(what: &str, bytes: Vec<u8>, max: u32) -> Result<B> {
    let len = bytes.len();
    B::try_from(bytes).map_err(|_| {
        Error::InvalidInput(format!(
            "{what} is {len} bytes; at most {max} bytes are allowed"
        ))
    })
}

/// An agent's name: 1 to 64 bytes of UTF-8.
pub fn agent_name(name: &str) -> Result<AgentName> {
    if name.trim().is_empty() {
        return Err(Error::InvalidInput(
            "--name: an agent needs a name, e.g. --name data_analyzer".into(),
        ));
    }
    bounded("--name", name.as_bytes().to_vec(), MAX_AGENT_NAME_BYTES)
}

/// What a version stores, checked as the chain checks it (tools against `approved`).
pub struct SpecInput {
    /// The agent's name.
    pub name: AgentName,
    /// Its kind.
    pub kind: AgentKind,
    /// Its canonical configuration.
    pub config: Vec<u8>,
    /// Its model.
    pub model: String,
    /// Its tools.
    pub tools: Vec<String>,
    /// Its limits.
    pub limits: AgentLimits,
    /// Its price cap.
    pub price_cap: Balance,
}

fn checked_parts(
    input: SpecInput,
    approved: &[ToolId],
) -> Result<(
    AgentName,
    AgentKind,
    AgentConfig,
    ModelName,
    AgentTools,
    AgentLimits,
    Balance,
)> {
    let config: AgentConfig = bounded("the configuration", input.config, MAX_AGENT_CONFIG_BYTES)?;
    let model: ModelName = bounded(
        "the model name",
        input.model.into_bytes(),
        aitbc_primitives::MAX_MODEL_NAME_LEN,
    )?;
    if !input.limits.is_valid() {
        return Err(Error::InvalidInput(format!(
            "limits {:?} are out of bounds: max_steps 1..={}, max_tokens 1..={}, max_tool_calls 0..={}, a deadline of at least one block",
            input.limits,
            aitbc_primitives::MAX_RUN_STEPS,
            aitbc_primitives::MAX_RUN_TOKENS,
            aitbc_primitives::MAX_RUN_TOOL_CALLS
        )));
    }
    let mut tools = Vec::with_capacity(input.tools.len());
    for tool in input.tools {
        let id: ToolId = bounded("a tool id", tool.clone().into_bytes(), 32)?;
        if !approved.contains(&id) {
            let list: Vec<String> = approved
                .iter()
                .map(|t| String::from_utf8_lossy(t).into_owned())
                .collect();
            return Err(Error::InvalidInput(format!(
                "tool {tool:?} is not approved on this chain; approved tools: {} (the DAO approves more with --action agent-tool-add=TOOL)",
                list.join(", ")
            )));
        }
        tools.push(id);
    }
    let tools: AgentTools = tools.try_into().map_err(|_| {
        Error::InvalidInput(format!(
            "an agent lists at most {} tools",
            aitbc_primitives::MAX_AGENT_TOOLS
        ))
    })?;
    Ok((
        input.name,
        input.kind,
        config,
        model,
        tools,
        input.limits,
        input.price_cap,
    ))
}

// ---- call builders ----

/// `Agents::create_agent`.
pub fn create_agent(input: SpecInput, approved: &[ToolId]) -> Result<RuntimeCall> {
    let (name, kind, config, model, tools, limits, price_cap) = checked_parts(input, approved)?;
    Ok(RuntimeCall::Agents(
        pallet_aitbc_agents::Call::create_agent {
            name,
            kind,
            config,
            model,
            tools,
            limits,
            price_cap,
        },
    ))
}

/// `Agents::update_agent`: a new version.
pub fn update_agent(
    agent_id: AgentId,
    input: SpecInput,
    approved: &[ToolId],
) -> Result<RuntimeCall> {
    let (name, kind, config, model, tools, limits, price_cap) = checked_parts(input, approved)?;
    Ok(RuntimeCall::Agents(
        pallet_aitbc_agents::Call::update_agent {
            agent_id,
            name,
            kind,
            config,
            model,
            tools,
            limits,
            price_cap,
        },
    ))
}

/// `Agents::delete_agent`.
pub fn delete_agent(agent_id: AgentId) -> RuntimeCall {
    RuntimeCall::Agents(pallet_aitbc_agents::Call::delete_agent { agent_id })
}

/// `Agents::execute`: run `agent_id` on `input` (and a data file), paying at most `payment`.
pub fn execute(
    agent_id: AgentId,
    input: &str,
    data: Option<Vec<u8>>,
    payment: Balance,
    ttl_blocks: BlockNumber,
) -> Result<RuntimeCall> {
    let (input, data) = run_input(input, data)?;
    Ok(RuntimeCall::Agents(pallet_aitbc_agents::Call::execute {
        agent_id,
        input,
        data,
        payment,
        ttl: ttl_blocks,
    }))
}

/// A run's input and data file, checked as the chain checks them.
fn run_input(input: &str, data: Option<Vec<u8>>) -> Result<(Prompt, Option<RunData>)> {
    if input.trim().is_empty() {
        return Err(Error::InvalidInput(
            "--input: give the agent something to do, e.g. --input \"Analyze Q3 financial data\""
                .into(),
        ));
    }
    let input: Prompt = bounded("--input", input.as_bytes().to_vec(), MAX_STEP_TEXT_BYTES)?;
    let data: Option<RunData> = data
        .map(|d| bounded("--file", d, MAX_RUN_DATA_BYTES))
        .transpose()?;
    Ok((input, data))
}

/// `Agents::execute_redundant`: run `agent_id` k-of-n in exact mode (`redundancy`: k, quorum,
/// payout, profile), paying at most `payment` for all of them.
pub fn execute_redundant(
    agent_id: AgentId,
    input: &str,
    data: Option<Vec<u8>>,
    payment: Balance,
    ttl_blocks: BlockNumber,
    redundancy: aitbc_primitives::Redundancy,
) -> Result<RuntimeCall> {
    if !redundancy.is_valid() {
        return Err(Error::InvalidInput(format!(
            "--redundancy {} with quorum {}: k is 2 to {} and the quorum a strict majority of k",
            redundancy.k,
            redundancy.effective_quorum(),
            aitbc_primitives::MAX_REDUNDANCY
        )));
    }
    let (input, data) = run_input(input, data)?;
    Ok(RuntimeCall::Agents(
        pallet_aitbc_agents::Call::execute_redundant {
            agent_id,
            input,
            data,
            payment,
            ttl: ttl_blocks,
            redundancy,
        },
    ))
}

/// `Agents::record_trace` (the run's miner).
pub fn record_trace(job_id: u64, steps: Vec<TraceStep>, end: RunEnd) -> Result<RuntimeCall> {
    let steps: Trace = steps.try_into().map_err(|_| {
        Error::InvalidInput(format!(
            "a trace has at most {} steps",
            aitbc_primitives::MAX_RUN_STEPS
        ))
    })?;
    Ok(RuntimeCall::Agents(
        pallet_aitbc_agents::Call::record_trace { job_id, steps, end },
    ))
}

/// `Agents::set_stream_endpoint`: where this account streams its runs' steps (`None`: nowhere).
pub fn set_stream_endpoint(url: Option<&str>) -> Result<RuntimeCall> {
    let endpoint = url
        .map(|u| {
            let ok = (u.starts_with("http://") || u.starts_with("https://"))
                && u.bytes().all(|b| b.is_ascii_graphic());
            if !ok {
                return Err(Error::InvalidInput(format!(
                    "stream endpoint {u:?}: give an http:// or https:// URL without spaces"
                )));
            }
            bounded(
                "the stream endpoint",
                u.as_bytes().to_vec(),
                aitbc_primitives::MAX_ENDPOINT_BYTES,
            )
        })
        .transpose()?;
    Ok(RuntimeCall::Agents(
        pallet_aitbc_agents::Call::set_stream_endpoint { endpoint },
    ))
}

/// The id of the agent a `create_agent` transaction created (its `AgentCreated` event).
pub fn created_agent_id(outcome: &crate::tx::TxOutcome) -> Option<AgentId> {
    outcome.find_event(|e| match e {
        aitbc_runtime::RuntimeEvent::Agents(pallet_aitbc_agents::Event::AgentCreated {
            agent_id,
            ..
        }) => Some(*agent_id),
        _ => None,
    })
}

/// The job id of the run an `execute` transaction submitted (its `RunSubmitted` event).
pub fn submitted_run(outcome: &crate::tx::TxOutcome) -> Option<u64> {
    outcome.find_event(|e| match e {
        aitbc_runtime::RuntimeEvent::Agents(pallet_aitbc_agents::Event::RunSubmitted {
            job_id,
            ..
        }) => Some(*job_id),
        _ => None,
    })
}
