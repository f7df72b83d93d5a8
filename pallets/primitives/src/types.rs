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
    /// Billable units: whole GPU-seconds, rounded up (at least one).
    pub fn gpu_seconds(&self) -> u64 {
        self.compute_ms.div_ceil(1000).max(1)
    }
}
