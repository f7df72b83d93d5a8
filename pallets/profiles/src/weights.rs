//! Weights for `pallet-aitbc-profiles`.
//!
//! HOW THESE NUMBERS WERE OBTAINED: see the note on [`SubstrateWeight`].

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{
    traits::Get,
    weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed by `pallet-aitbc-profiles`.
pub trait WeightInfo {
    /// `register`.
    fn register() -> Weight;
    /// `retire`.
    fn retire() -> Weight;
    /// `declare` with `n` profiles.
    fn declare(n: u32) -> Weight;
}

// Database accesses, counted from the code (worst case).
/// `register`: Profiles (contains), the hold (account, holds); writes Profiles, the account, holds.
const REGISTER_READS: u64 = 3;
const REGISTER_WRITES: u64 = 3;
/// `retire`: Profiles, ProfileMiners (length), the hold; writes Profiles, the account, holds.
const RETIRE_READS: u64 = 4;
const RETIRE_WRITES: u64 = 3;
/// `declare`: MinerProfiles, then per profile: Profiles (contains), ProfileMiners of the old and
/// the new one; writes MinerProfiles and both ProfileMiners per profile.
const DECLARE_READS: u64 = 1;
const DECLARE_READS_PER_PROFILE: u64 = 3;
const DECLARE_WRITES: u64 = 1;
const DECLARE_WRITES_PER_PROFILE: u64 = 2;

// Ref-time of the measured blocks, in nanoseconds (see [`SubstrateWeight`]).
const REGISTER_NS: u64 = 0;
const RETIRE_NS: u64 = 0;
const DECLARE_NS: u64 = 0;
const DECLARE_PER_PROFILE_NS: u64 = 0;

fn ns(n: u64) -> Weight {
    Weight::from_parts(n.saturating_mul(1_000), 0)
}

/// Weights for the runtime.
///
/// HOW THESE NUMBERS WERE OBTAINED: MEASUREMENT NOTE
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
    fn register() -> Weight {
        ns(REGISTER_NS)
            .saturating_add(Weight::from_parts(0, 512))
            .saturating_add(T::DbWeight::get().reads_writes(REGISTER_READS, REGISTER_WRITES))
    }
    fn retire() -> Weight {
        ns(RETIRE_NS)
            .saturating_add(Weight::from_parts(0, 512))
            .saturating_add(T::DbWeight::get().reads_writes(RETIRE_READS, RETIRE_WRITES))
    }
    fn declare(n: u32) -> Weight {
        let n = u64::from(n);
        ns(DECLARE_NS)
            .saturating_add(ns(DECLARE_PER_PROFILE_NS).saturating_mul(n))
            .saturating_add(Weight::from_parts(0, 1_024 + 2_048 * n))
            .saturating_add(T::DbWeight::get().reads(
                DECLARE_READS + DECLARE_READS_PER_PROFILE * n,
            ))
            .saturating_add(T::DbWeight::get().writes(
                DECLARE_WRITES + DECLARE_WRITES_PER_PROFILE * n,
            ))
    }
}

// For tests: the same numbers against RocksDB weights.
impl WeightInfo for () {
    fn register() -> Weight {
        ns(REGISTER_NS).saturating_add(RocksDbWeight::get().reads_writes(REGISTER_READS, REGISTER_WRITES))
    }
    fn retire() -> Weight {
        ns(RETIRE_NS).saturating_add(RocksDbWeight::get().reads_writes(RETIRE_READS, RETIRE_WRITES))
    }
    fn declare(n: u32) -> Weight {
        let n = u64::from(n);
        ns(DECLARE_NS)
            .saturating_add(ns(DECLARE_PER_PROFILE_NS).saturating_mul(n))
            .saturating_add(RocksDbWeight::get().reads(DECLARE_READS + DECLARE_READS_PER_PROFILE * n))
            .saturating_add(RocksDbWeight::get().writes(DECLARE_WRITES + DECLARE_WRITES_PER_PROFILE * n))
    }
}
