//! Weights for `pallet-aitbc-receipts`.
//!
//! HOW THESE NUMBERS WERE OBTAINED: see the note on [`SubstrateWeight`].

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{
    traits::Get,
    weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed by `pallet-aitbc-receipts`.
pub trait WeightInfo {
    /// `claim_reward`.
    fn claim_reward() -> Weight;
    /// `set_reward`.
    fn set_reward() -> Weight;
    /// Writing one receipt (charged by the jobs pallet's `submit_result`).
    fn record() -> Weight;
}

/// Weights for the runtime.
///
/// Placeholder estimates until the native benchmark run fills them in: ref-time from
/// comparable polkadot-sdk calls, storage reads and writes counted from the code.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
    fn claim_reward() -> Weight {
        Weight::from_parts(45_000_000, 4_000)
            .saturating_add(T::DbWeight::get().reads(4_u64))
            .saturating_add(T::DbWeight::get().writes(4_u64))
    }
    fn set_reward() -> Weight {
        Weight::from_parts(8_000_000, 1_500)
            .saturating_add(T::DbWeight::get().reads(1_u64))
            .saturating_add(T::DbWeight::get().writes(1_u64))
    }
    fn record() -> Weight {
        Weight::from_parts(25_000_000, 4_000)
            .saturating_add(T::DbWeight::get().reads(3_u64))
            .saturating_add(T::DbWeight::get().writes(4_u64))
    }
}

// For tests: the same numbers against RocksDB weights.
impl WeightInfo for () {
    fn claim_reward() -> Weight {
        Weight::from_parts(45_000_000, 4_000)
            .saturating_add(RocksDbWeight::get().reads_writes(4, 4))
    }
    fn set_reward() -> Weight {
        Weight::from_parts(8_000_000, 1_500).saturating_add(RocksDbWeight::get().reads_writes(1, 1))
    }
    fn record() -> Weight {
        Weight::from_parts(25_000_000, 4_000)
            .saturating_add(RocksDbWeight::get().reads_writes(3, 4))
    }
}
