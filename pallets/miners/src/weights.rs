//! Weights for `pallet-aitbc-miners`.
//!
//! HOW THESE NUMBERS WERE OBTAINED: see the note on [`SubstrateWeight`].

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{
    traits::Get,
    weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed by `pallet-aitbc-miners`.
pub trait WeightInfo {
    /// `register` with `m` models.
    fn register(m: u32) -> Weight;
    /// `update` with `m` models.
    fn update(m: u32) -> Weight;
    /// `set_stake`.
    fn set_stake() -> Weight;
    /// `heartbeat`.
    fn heartbeat() -> Weight;
    /// `deregister` with `m` models.
    fn deregister(m: u32) -> Weight;
    /// `withdraw_unbonded`.
    fn withdraw_unbonded() -> Weight;
}

/// Weights for the runtime.
///
/// Placeholder estimates until the native benchmark run fills them in: ref-time from
/// comparable polkadot-sdk calls (a hold/release costs about 40 µs), storage reads and writes
/// counted from the code.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
    fn register(m: u32) -> Weight {
        Weight::from_parts(60_000_000, 4_000)
            .saturating_add(Weight::from_parts(4_000_000, 3_000).saturating_mul(m.into()))
            .saturating_add(T::DbWeight::get().reads(3_u64 + m as u64))
            .saturating_add(T::DbWeight::get().writes(3_u64 + m as u64))
    }
    fn update(m: u32) -> Weight {
        Weight::from_parts(40_000_000, 4_000)
            .saturating_add(Weight::from_parts(8_000_000, 6_000).saturating_mul(m.into()))
            .saturating_add(T::DbWeight::get().reads(1_u64 + 2 * m as u64))
            .saturating_add(T::DbWeight::get().writes(1_u64 + 2 * m as u64))
    }
    fn set_stake() -> Weight {
        Weight::from_parts(50_000_000, 4_000)
            .saturating_add(T::DbWeight::get().reads(3_u64))
            .saturating_add(T::DbWeight::get().writes(3_u64))
    }
    fn heartbeat() -> Weight {
        Weight::from_parts(15_000_000, 4_000)
            .saturating_add(T::DbWeight::get().reads(1_u64))
            .saturating_add(T::DbWeight::get().writes(1_u64))
    }
    fn deregister(m: u32) -> Weight {
        Weight::from_parts(30_000_000, 4_000)
            .saturating_add(Weight::from_parts(4_000_000, 3_000).saturating_mul(m.into()))
            .saturating_add(T::DbWeight::get().reads(1_u64 + m as u64))
            .saturating_add(T::DbWeight::get().writes(1_u64 + m as u64))
    }
    fn withdraw_unbonded() -> Weight {
        Weight::from_parts(50_000_000, 4_000)
            .saturating_add(T::DbWeight::get().reads(3_u64))
            .saturating_add(T::DbWeight::get().writes(3_u64))
    }
}

// For tests: the same numbers against RocksDB weights.
impl WeightInfo for () {
    fn register(m: u32) -> Weight {
        Weight::from_parts(60_000_000, 4_000)
            .saturating_add(Weight::from_parts(4_000_000, 3_000).saturating_mul(m.into()))
            .saturating_add(RocksDbWeight::get().reads_writes(3 + m as u64, 3 + m as u64))
    }
    fn update(m: u32) -> Weight {
        Weight::from_parts(40_000_000, 4_000)
            .saturating_add(Weight::from_parts(8_000_000, 6_000).saturating_mul(m.into()))
            .saturating_add(RocksDbWeight::get().reads_writes(1 + 2 * m as u64, 1 + 2 * m as u64))
    }
    fn set_stake() -> Weight {
        Weight::from_parts(50_000_000, 4_000)
            .saturating_add(RocksDbWeight::get().reads_writes(3, 3))
    }
    fn heartbeat() -> Weight {
        Weight::from_parts(15_000_000, 4_000)
            .saturating_add(RocksDbWeight::get().reads_writes(1, 1))
    }
    fn deregister(m: u32) -> Weight {
        Weight::from_parts(30_000_000, 4_000)
            .saturating_add(Weight::from_parts(4_000_000, 3_000).saturating_mul(m.into()))
            .saturating_add(RocksDbWeight::get().reads_writes(1 + m as u64, 1 + m as u64))
    }
    fn withdraw_unbonded() -> Weight {
        Weight::from_parts(50_000_000, 4_000)
            .saturating_add(RocksDbWeight::get().reads_writes(3, 3))
    }
}
