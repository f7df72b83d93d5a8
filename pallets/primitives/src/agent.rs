//! AI agents: what the agents pallet stores about an agent and its runs, and the hash chain
//! that makes a run's trace checkable by anyone.
//!
//! An agent is a configured, reusable AI worker: a model, a system prompt, a list of tools it
//! may call and the limits of one run. A **run** is a job of the jobs pallet: the assigned miner
//! runs a ReAct loop (thought → tool call → observation → … → answer) and records every step
//! ([`TraceStep`]) on chain; the chain recomputes the hash chain ([`trace_root`]) and checks the
//! run's limits before the miner may deliver the answer as the job's result.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;
use sp_core::H256;

use crate::{JobId, ModelName};

/// An agent's identifier.
pub type AgentId = u64;
/// An agent's version: 1 at creation, one more at each update.
pub type AgentVersion = u32;

/// Most bytes of an agent's name.
pub const MAX_AGENT_NAME_BYTES: u32 = 64;
/// Most bytes of an agent's canonical JSON configuration.
pub const MAX_AGENT_CONFIG_BYTES: u32 = 8 * 1024;
/// Most bytes of a tool identifier.
pub const MAX_TOOL_ID_BYTES: u32 = 32;
/// Most tools one agent may list.
pub const MAX_AGENT_TOOLS: u32 = 16;
/// Most tools the chain approves.
pub const MAX_APPROVED_TOOLS: u32 = 64;
/// Most steps of one run (the hard bound over any agent's `max_steps`).
pub const MAX_RUN_STEPS: u32 = 16;
/// Most tool calls of one run.
pub const MAX_RUN_TOOL_CALLS: u32 = 16;
/// Most tokens one run generates.
pub const MAX_RUN_TOKENS: u32 = 4096;
/// Most bytes of a step's text (a thought, a tool's input, an answer) and of an observation.
pub const MAX_STEP_TEXT_BYTES: u32 = 1024;
/// Most bytes of the data file a run carries (a CSV or JSON document the tools read).
pub const MAX_RUN_DATA_BYTES: u32 = 16 * 1024;

/// An agent's name (UTF-8).
pub type AgentName = BoundedVec<u8, ConstU32<MAX_AGENT_NAME_BYTES>>;
/// An agent's canonical JSON configuration.
pub type AgentConfig = BoundedVec<u8, ConstU32<MAX_AGENT_CONFIG_BYTES>>;
/// A tool identifier (`[a-z0-9_]`, e.g. `calculator`).
pub type ToolId = BoundedVec<u8, ConstU32<MAX_TOOL_ID_BYTES>>;
/// The tools an agent may call.
pub type AgentTools = BoundedVec<ToolId, ConstU32<MAX_AGENT_TOOLS>>;
/// A step's text or an observation (UTF-8).
pub type StepText = BoundedVec<u8, ConstU32<MAX_STEP_TEXT_BYTES>>;
/// A run's data file.
pub type RunData = BoundedVec<u8, ConstU32<MAX_RUN_DATA_BYTES>>;
/// Most bytes of a stream endpoint's URL.
pub const MAX_ENDPOINT_BYTES: u32 = 128;
/// Where a miner streams its agent runs' steps (`http://` or `https://` URL).
pub type StreamEndpoint = BoundedVec<u8, ConstU32<MAX_ENDPOINT_BYTES>>;

/// Domain of the signature a run's owner gives to read its stream.
pub const STREAM_AUTH_CONTEXT: &[u8] = b"aitbc/agent-stream/v1";

/// What a run's owner signs to read the run's stream: [`STREAM_AUTH_CONTEXT`], the job id and
/// the time of asking (Unix milliseconds), SCALE encoded. The miner accepts it for a short
/// while around that time.
pub fn stream_auth_payload(job: JobId, at_ms: u64) -> alloc::vec::Vec<u8> {
    let mut data = STREAM_AUTH_CONTEXT.to_vec();
    (job, at_ms).encode_to(&mut data);
    data
}

/// A run's recorded steps.
pub type Trace = BoundedVec<TraceStep, ConstU32<MAX_RUN_STEPS>>;

/// Whether `id` is a well-formed tool identifier: 1 to [`MAX_TOOL_ID_BYTES`] bytes of
/// `[a-z0-9_]`, starting with a letter.
pub fn is_valid_tool_id(id: &[u8]) -> bool {
    !id.is_empty()
        && id.len() <= MAX_TOOL_ID_BYTES as usize
        && id[0].is_ascii_lowercase()
        && id
            .iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'_')
}

/// What an agent is for (seed §5's `--type`).
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum AgentKind {
    /// Analyses data (tables, JSON, figures).
    Analysis,
    /// Researches a question from the chain and its inputs.
    Research,
    /// A general assistant.
    Assistant,
    /// Writes or reviews code.
    Coding,
    /// Automates a multi-step procedure.
    Automation,
}

/// The limits of one run. A run that would exceed one ends with its partial trace and a
/// [`RunEnd`] naming the limit.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub struct AgentLimits {
    /// Most steps, `1..=MAX_RUN_STEPS`.
    pub max_steps: u32,
    /// Most tokens generated over the run, `1..=MAX_RUN_TOKENS`.
    pub max_tokens: u32,
    /// Most tool calls, `0..=MAX_RUN_TOOL_CALLS`.
    pub max_tool_calls: u32,
    /// Blocks a miner has from accepting the run to recording its trace (at least one); past
    /// it the miner is noted late and the run goes to another miner.
    pub deadline_blocks: u32,
}

impl AgentLimits {
    /// Whether every limit is within its bounds.
    pub fn is_valid(&self) -> bool {
        (1..=MAX_RUN_STEPS).contains(&self.max_steps)
            && (1..=MAX_RUN_TOKENS).contains(&self.max_tokens)
            && self.max_tool_calls <= MAX_RUN_TOOL_CALLS
            && self.deadline_blocks >= 1
    }
}

/// One version of an agent: everything a run pins.
#[derive(
    Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct AgentSpec<Balance> {
    /// The agent's name.
    pub name: AgentName,
    /// What it is for.
    pub kind: AgentKind,
    /// Its canonical JSON configuration (system prompt, decoding, …), as the CLI validated it.
    pub config: AgentConfig,
    /// The model its runs use.
    pub model: ModelName,
    /// The execution profile its runs must use, if any (runs then go to miners that declared
    /// it).
    pub profile: Option<H256>,
    /// The tools it may call: each approved on chain when the version was stored.
    pub tools: AgentTools,
    /// The limits of one run.
    pub limits: AgentLimits,
    /// Most one run may cost: a run's budget is the client's payment capped at this.
    pub price_cap: Balance,
}

/// A tool call inside a step.
#[derive(
    Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct ToolCall {
    /// The tool the model asked for.
    pub tool: ToolId,
    /// The input the model gave it.
    pub input: StepText,
    /// Whether it ran: `false` when the agent does not list the tool (the observation is then
    /// the error the model was shown).
    pub ran: bool,
}

/// What a step is.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum StepKind {
    /// A thought and a tool call with its observation.
    Tool,
    /// The final answer (`content`); the last step of an answered run.
    Answer,
    /// The run was stopped (`content` says why); the last step of a run that hit a limit or
    /// whose model failed.
    Stopped,
}

/// One step of a run, as recorded on chain.
#[derive(
    Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct TraceStep {
    /// What the step is.
    pub kind: StepKind,
    /// The thought (`Tool`), the answer (`Answer`) or the reason (`Stopped`).
    pub content: StepText,
    /// The tool call (`Tool` steps only).
    pub tool_call: Option<ToolCall>,
    /// The tool's observation (`Tool` steps; empty otherwise).
    pub observation: StepText,
    /// Tokens the model generated for the step.
    pub tokens: u32,
    /// Wall-clock milliseconds the step took (generation and tool).
    pub millis: u32,
}

/// How a run ended.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum RunEnd {
    /// The agent answered.
    Answered,
    /// The next step would have exceeded `max_steps`.
    StepLimit,
    /// The next step would have exceeded `max_tokens`.
    TokenLimit,
    /// The next tool call would have exceeded `max_tool_calls`.
    ToolCallLimit,
    /// The model failed or emitted no usable step.
    ModelError,
    /// The run's deadline was near: the miner stopped to deliver in time.
    Deadline,
}

/// Domain of a trace's first link.
pub const TRACE_CONTEXT: &[u8] = b"aitbc/agent-trace/v1";

/// The first link of a run's hash chain: binds the trace to the run (job, agent version and
/// configuration, input and data).
pub fn trace_seed(
    job: JobId,
    agent: AgentId,
    version: AgentVersion,
    config_hash: &H256,
    input_hash: &H256,
) -> H256 {
    let mut data = TRACE_CONTEXT.to_vec();
    (job, agent, version, config_hash, input_hash).encode_to(&mut data);
    blake2(&data)
}

/// The next link: `H(previous ‖ kind ‖ H(content) ‖ tool call ‖ H(observation) ‖ tokens ‖
/// millis)` with SCALE encoding.
pub fn trace_link(previous: &H256, step: &TraceStep) -> H256 {
    let data = (
        previous,
        step.kind,
        blake2(&step.content),
        &step.tool_call,
        blake2(&step.observation),
        step.tokens,
        step.millis,
    )
        .encode();
    blake2(&data)
}

/// The root of a trace: the last link of the chain from `seed` (the seed itself for no
/// steps).
pub fn trace_root<'a>(seed: H256, steps: impl IntoIterator<Item = &'a TraceStep>) -> H256 {
    steps
        .into_iter()
        .fold(seed, |link, step| trace_link(&link, step))
}

/// BLAKE2-256.
pub fn blake2(data: &[u8]) -> H256 {
    <sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(data)
}

/// Why a trace is refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum TraceError {
    /// No steps.
    Empty,
    /// More steps than the agent's `max_steps`.
    TooManySteps,
    /// More tokens than the agent's `max_tokens`.
    TooManyTokens,
    /// More tool calls that ran than the agent's `max_tool_calls`.
    TooManyToolCalls,
    /// A step before the last is not a `Tool` step, or the last is one.
    MisplacedEnd,
    /// A `Tool` step has no tool call, or another step has one or an observation.
    MalformedStep,
    /// A tool call that ran names a tool the agent does not list.
    ToolNotAllowed,
    /// The run's end does not match its last step (`Answered` needs an `Answer` step, the
    /// others a `Stopped` step).
    EndMismatch,
}

/// Check a trace against the agent's limits and tools: the chain's rules for what a recorded
/// run may be.
pub fn check_trace(
    steps: &[TraceStep],
    end: RunEnd,
    limits: &AgentLimits,
    tools: &[ToolId],
) -> Result<(), TraceError> {
    let (last, before) = steps.split_last().ok_or(TraceError::Empty)?;
    if steps.len() > limits.max_steps as usize {
        return Err(TraceError::TooManySteps);
    }
    let tokens = steps
        .iter()
        .fold(0u64, |sum, s| sum.saturating_add(u64::from(s.tokens)));
    if tokens > u64::from(limits.max_tokens) {
        return Err(TraceError::TooManyTokens);
    }
    if before.iter().any(|s| s.kind != StepKind::Tool) || last.kind == StepKind::Tool {
        return Err(TraceError::MisplacedEnd);
    }
    let mut ran = 0u32;
    for step in steps {
        match (&step.kind, &step.tool_call) {
            (StepKind::Tool, Some(call)) if call.ran => {
                if !tools.contains(&call.tool) {
                    return Err(TraceError::ToolNotAllowed);
                }
                ran = ran.saturating_add(1);
            }
            (StepKind::Tool, Some(_)) => {}
            (StepKind::Tool, None) => return Err(TraceError::MalformedStep),
            (_, Some(_)) => return Err(TraceError::MalformedStep),
            (_, None) if !step.observation.is_empty() => return Err(TraceError::MalformedStep),
            _ => {}
        }
    }
    if ran > limits.max_tool_calls {
        return Err(TraceError::TooManyToolCalls);
    }
    let answered = last.kind == StepKind::Answer;
    if answered != (end == RunEnd::Answered) {
        return Err(TraceError::EndMismatch);
    }
    Ok(())
}

/// Where a run is.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum RunStatus {
    /// Its job waits for a miner or runs (the job's status says which).
    Pending,
    /// The miner recorded the trace; the answer is being delivered.
    Traced,
    /// Delivered and paid.
    Completed,
    /// Its job failed, was cancelled or expired; refunded.
    Ended,
}

/// An agent run: a job of the jobs pallet running one agent version.
#[derive(
    Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct AgentRun<AccountId, BlockNumber> {
    /// The agent.
    pub agent: AgentId,
    /// The version it pinned.
    pub version: AgentVersion,
    /// The client.
    pub owner: AccountId,
    /// BLAKE2-256 of the SCALE encoding of `(input, data)`.
    pub input_hash: H256,
    /// The trace's first link ([`trace_seed`] of the job, the agent version, its
    /// configuration's hash and `input_hash`).
    pub seed: H256,
    /// Where it is.
    pub status: RunStatus,
    /// The miner that recorded the trace (a later miner that takes the run over after the
    /// jobs pallet replaced this one records its own).
    pub miner: Option<AccountId>,
    /// Block at which the run was submitted.
    pub submitted_at: BlockNumber,
    /// The trace's root, once recorded.
    pub trace_root: Option<H256>,
    /// How the run ended, once recorded.
    pub end: Option<RunEnd>,
    /// Steps recorded.
    pub steps: u32,
    /// Tool calls that ran.
    pub tool_calls: u32,
    /// Tokens generated.
    pub tokens: u32,
    /// Milliseconds the steps took in all: the run's metered time.
    pub millis: u64,
}
