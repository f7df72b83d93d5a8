//! Identifiers, bounds and small value types used across the market.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::Permill;

/// Identifier of a job: a counter, assigned at submission, never reused.
pub type JobId = u64;
/// Identifier of a receipt: a counter, assigned at completion, never reused.
pub type ReceiptId = u64;

/// Most characters (Unicode scalar values) an inline prompt may have.
pub const MAX_PROMPT_CHARS: u32 = 4000;
/// Most bytes an inline prompt may have (4000 characters of at most 4 UTF-8 bytes each).
pub const MAX_PROMPT_BYTES: u32 = 4 * MAX_PROMPT_CHARS;
/// Most bytes of a result kept inline on chain (64 KiB); larger results are kept off chain
/// and referenced by their hash.
pub const MAX_RESULT_BYTES: u32 = 64 * 1024;
/// Most bytes of a model name (e.g. `llama3.2:1b`).
pub const MAX_MODEL_NAME_LEN: u32 = 128;
/// Most bytes of a GPU model name (e.g. `NVIDIA H100 80GB HBM3`).
pub const MAX_GPU_MODEL_LEN: u32 = 64;
/// Most models one miner may serve.
pub const MAX_MODELS_PER_MINER: u32 = 16;
/// Most miners a job remembers as having missed their acknowledgement deadline; one more
/// missed deadline fails the job (with a full refund).
pub const MAX_EXCLUDED_MINERS: u32 = 4;
/// Most bytes of a failure reason given by a miner.
pub const MAX_REASON_LEN: u32 = 256;
/// Most entries one runtime-API page returns.
pub const MAX_PAGE: u32 = 100;

/// A model name, e.g. `llama3.2:1b`.
pub type ModelName = BoundedVec<u8, ConstU32<MAX_MODEL_NAME_LEN>>;
/// A GPU model name, e.g. `RTX 4090`.
pub type GpuModel = BoundedVec<u8, ConstU32<MAX_GPU_MODEL_LEN>>;
/// The models a miner serves.
pub type ModelList = BoundedVec<ModelName, ConstU32<MAX_MODELS_PER_MINER>>;
/// An inline prompt (UTF-8).
pub type Prompt = BoundedVec<u8, ConstU32<MAX_PROMPT_BYTES>>;
/// An inline copy of a result.
pub type ResultBytes = BoundedVec<u8, ConstU32<MAX_RESULT_BYTES>>;
/// A miner's reason for failing a job.
pub type FailureReason = BoundedVec<u8, ConstU32<MAX_REASON_LEN>>;

/// The kind of work a job asks for. Only `Inference` is served today; the others are reserved
/// so that their encoding is stable when they arrive.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
pub enum JobType {
    /// Text generation / chat inference.
    Inference,
    /// Embedding vectors.
    Embedding,
    /// Training or fine-tuning.
    Training,
    /// Multimodal (image, audio) inference.
    Multimodal,
    /// Streaming inference.
    Streaming,
    /// An agent run (the agents pallet): a multi-step run with tool calls whose trace is
    /// recorded on chain. Appended last, so no stored job changes its encoding.
    Agent,
}

/// A miner's hardware, as declared at registration.
#[derive(
    Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Hardware {
    /// GPU model, e.g. `RTX 4090`.
    pub gpu_model: GpuModel,
    /// Number of GPUs.
    pub gpu_count: u32,
    /// Memory per GPU, in MiB.
    pub vram_mb: u32,
}

/// What a job needs from a miner.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    PartialEq,
    Eq,
    Debug,
    Default,
    TypeInfo,
    MaxEncodedLen,
)]
pub struct Requirements {
    /// Minimum memory per GPU, in MiB (0: any).
    pub min_vram_mb: u32,
    /// Exact GPU model required, if any.
    pub gpu_model: Option<GpuModel>,
    /// Minimum reputation score (see [`crate::Reputation::score`]).
    pub min_reputation: Permill,
    /// The client's estimate of the GPU-seconds the job takes. A miner is eligible only if
    /// `price_per_gpu_second * estimated_gpu_seconds <= budget`.
    pub estimated_gpu_seconds: u32,
}

/// A job's input: an inline prompt or a reference to a larger input kept off chain.
#[derive(
    Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub enum JobInput {
    /// An inline UTF-8 prompt of at most [`MAX_PROMPT_CHARS`] characters.
    Prompt(Prompt),
    /// The blake2-256 hash and size in bytes of an input kept off chain.
    ContentHash {
        /// Hash of the input.
        hash: H256,
        /// Size of the input in bytes.
        size: u64,
    },
}

/// What a miner reports about a finished job.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    Default,
    TypeInfo,
    MaxEncodedLen,
)]
pub struct Metrics {
    /// Wall-clock compute time, in milliseconds.
    pub compute_ms: u64,
    /// Input tokens consumed.
    pub input_tokens: u32,
    /// Output tokens produced.
    pub output_tokens: u32,
}

impl Metrics {
    /// Billable units in thousandths of a GPU-second (the compute time in milliseconds, at
    /// least one): a receipt shows them as GPU-seconds with three decimals (`1.234`).
    pub fn units_milli(&self) -> u64 {
        self.compute_ms.max(1)
    }
}

/// Most characters of a job's system prompt.
pub const MAX_SYSTEM_PROMPT_CHARS: u32 = 1000;
/// Most bytes of a job's system prompt (1000 characters of at most 4 UTF-8 bytes each).
pub const MAX_SYSTEM_PROMPT_BYTES: u32 = 4 * MAX_SYSTEM_PROMPT_CHARS;
/// Highest sampling temperature a job may ask for, in thousandths (2.0).
pub const MAX_TEMPERATURE_MILLI: u32 = 2000;
/// Most tokens a job may ask a miner to generate.
pub const MAX_GENERATED_TOKENS: u32 = 8192;

/// A job's system prompt (UTF-8).
pub type SystemPrompt = BoundedVec<u8, ConstU32<MAX_SYSTEM_PROMPT_BYTES>>;

/// How the miner generates a job's output. Every field is optional; what is not given is the
/// miner's default, and a job without a temperature is decoded greedily (temperature 0), so
/// that its result is reproducible. Fractions are kept in thousandths (`temperature_milli:
/// 700` is 0.7) so that the chain stores no floating point.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    PartialEq,
    Eq,
    Debug,
    Default,
    TypeInfo,
    MaxEncodedLen,
)]
pub struct GenerationOptions {
    /// Sampling temperature in thousandths, `0..=MAX_TEMPERATURE_MILLI` (0: greedy).
    pub temperature_milli: Option<u32>,
    /// Nucleus sampling `top_p` in thousandths, `1..=1000`.
    pub top_p_milli: Option<u32>,
    /// Most tokens to generate (Ollama's `num_predict`), `1..=MAX_GENERATED_TOKENS`.
    pub max_tokens: Option<u32>,
    /// Seed of the sampler (the same seed, options and model give the same text).
    pub seed: Option<u64>,
    /// A system prompt: non-empty UTF-8 of at most [`MAX_SYSTEM_PROMPT_CHARS`] characters.
    pub system: Option<SystemPrompt>,
}

/// Why a job's [`GenerationOptions`] were refused.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum OptionsError {
    /// The temperature is above [`MAX_TEMPERATURE_MILLI`] (2.0).
    TemperatureOutOfRange,
    /// `top_p` is 0 or above 1000 (1.0).
    TopPOutOfRange,
    /// `max_tokens` is 0 or above [`MAX_GENERATED_TOKENS`].
    MaxTokensOutOfRange,
    /// The system prompt is empty.
    EmptySystemPrompt,
    /// The system prompt is not valid UTF-8.
    SystemPromptNotUtf8,
    /// The system prompt is longer than [`MAX_SYSTEM_PROMPT_CHARS`] characters.
    SystemPromptTooLong,
}

impl GenerationOptions {
    /// Whether every option is left to the miner.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }

    /// Check every option against its bounds.
    pub fn check(&self) -> Result<(), OptionsError> {
        if self
            .temperature_milli
            .is_some_and(|t| t > MAX_TEMPERATURE_MILLI)
        {
            return Err(OptionsError::TemperatureOutOfRange);
        }
        if self.top_p_milli.is_some_and(|p| p == 0 || p > 1000) {
            return Err(OptionsError::TopPOutOfRange);
        }
        if self
            .max_tokens
            .is_some_and(|n| n == 0 || n > MAX_GENERATED_TOKENS)
        {
            return Err(OptionsError::MaxTokensOutOfRange);
        }
        if let Some(system) = &self.system {
            if system.is_empty() {
                return Err(OptionsError::EmptySystemPrompt);
            }
            let text =
                core::str::from_utf8(system).map_err(|_| OptionsError::SystemPromptNotUtf8)?;
            if text.chars().count() > MAX_SYSTEM_PROMPT_CHARS as usize {
                return Err(OptionsError::SystemPromptTooLong);
            }
        }
        Ok(())
    }
}

/// Why a miner cannot take a job (a client asked for it as the job's provider).
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
pub enum Ineligibility {
    /// The account is not a registered miner.
    NotRegistered,
    /// The miner is unbonding (deregistered).
    Unbonding,
    /// The miner has sent no heartbeat within the timeout.
    Offline,
    /// The miner's stake is below the minimum.
    StakeBelowMinimum,
    /// The miner runs as many jobs as it may at once.
    AtCapacity,
    /// The miner does not serve the job's model.
    DoesNotServeModel,
    /// The miner's GPUs have less memory than the job requires.
    NotEnoughVram,
    /// The miner's GPU model is not the one the job requires.
    WrongGpuModel,
    /// The miner's reputation is below the job's minimum.
    ReputationTooLow,
    /// The miner's price times the job's estimated GPU-seconds is above its budget.
    PriceAboveBudget,
    /// The miner missed its acknowledgement deadline for this job.
    MissedDeadline,
}

impl Ineligibility {
    /// Whether the miner may become eligible by itself soon (back online, a job slot free):
    /// a job waiting for it stays queued; otherwise the job fails, refunded.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Offline | Self::AtCapacity)
    }
}

/// Hours of job activity the chain keeps ([`ActivityBucket`]): 28 days.
pub const ACTIVITY_HOURS: u32 = 28 * 24;

/// One hour of the chain's job activity: what the jobs pallet counted while blocks with a
/// timestamp in that hour were built. Kept for [`ACTIVITY_HOURS`] hours, whether or not the
/// jobs themselves have been pruned, so that demand can be forecast from the chain's history.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    Default,
    TypeInfo,
    MaxEncodedLen,
)]
#[cfg_attr(feature = "std", derive(serde::Serialize, serde::Deserialize))]
pub struct ActivityBucket {
    /// The hour: Unix time in milliseconds divided by 3,600,000.
    pub hour: u32,
    /// Jobs submitted in the hour.
    pub submitted: u32,
    /// Jobs completed in the hour (with a result and a receipt).
    pub completed: u32,
    /// Output tokens the completed jobs generated (their miners' metrics).
    pub tokens: u64,
    /// Compute time of the completed jobs, in milliseconds (their miners' metrics).
    pub gpu_ms: u64,
    /// Distinct miners that completed at least one job in the hour.
    pub active_miners: u32,
}
