//! What a profile is made of, and its id.

use aitbc_primitives::ModelName;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;
use sp_core::H256;

/// A profile's id: BLAKE2-256 of its SCALE encoding ([`profile_id`]).
pub type ProfileId = H256;

/// Most profiles one miner runs.
pub const MAX_PROFILES_PER_MINER: u32 = 16;

/// The profiles a miner runs.
pub type ProfileList = BoundedVec<ProfileId, ConstU32<MAX_PROFILES_PER_MINER>>;

/// A short text field of a profile (name, backend, data type, hardware class).
pub type ProfileText = BoundedVec<u8, ConstU32<64>>;

/// How tokens are chosen.
#[derive(
    serde::Serialize,
    serde::Deserialize,
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    PartialEq,
    Eq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum Decoding {
    /// The most likely token each time (temperature 0).
    Greedy,
    /// Sampled with a fixed seed.
    Seeded {
        /// The sampler's seed.
        seed: u64,
        /// Temperature in thousandths.
        temperature_milli: u32,
        /// Nucleus (top-p) in thousandths; 1000 is off.
        top_p_milli: u32,
    },
}

/// Everything that makes a model's output reproducible.
#[derive(
    serde::Serialize,
    serde::Deserialize,
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    PartialEq,
    Eq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub struct ExecutionProfile {
    /// A name for people, e.g. `smollm2-135m-q4_1-greedy-cpu`.
    pub name: ProfileText,
    /// The model jobs ask for, e.g. `smollm2`.
    pub model: ModelName,
    /// SHA-256 of the weights file.
    pub weights_sha256: H256,
    /// SHA-256 of the tokenizer's data.
    pub tokenizer_sha256: H256,
    /// The backend and its version, e.g. `candle 0.11 cpu`.
    pub backend: ProfileText,
    /// The weights' data type or quantization, e.g. `q4_1`.
    pub dtype: ProfileText,
    /// How tokens are chosen.
    pub decoding: Decoding,
    /// The hardware class, e.g. `x86_64-cpu` or `nvidia-sm90`.
    pub hardware_class: ProfileText,
}

/// A registered profile.
#[derive(
    Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct ProfileRecord<AccountId, Balance> {
    /// The profile.
    pub profile: ExecutionProfile,
    /// Who registered it (`None`: at genesis).
    pub owner: Option<AccountId>,
    /// The deposit held from the owner.
    pub deposit: Balance,
}

/// A profile's id.
pub fn profile_id(profile: &ExecutionProfile) -> ProfileId {
    <sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(&profile.encode())
}
