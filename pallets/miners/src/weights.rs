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
/// HOW THESE NUMBERS WERE OBTAINED (be honest about it):
/// - ref-time: the `#[benchmarks]` in `benchmarking.rs`, timed natively by the `bench_timings`
///   test there (`cargo test --release -p pallet-aitbc-miners --features runtime-benchmarks -- --ignored --nocapture
///   bench_timings`) on the 2-core development machine, 2026-11-23, while other builds were
///   running (so on the high side): median of 25 runs, each in a fresh mock runtime, of the
///   measured block only; linear components from the difference between their lowest and
///   highest values. Optimised build, as Substrate weights are; the same run in the
///   unoptimised dev profile took 5 to 8 times longer.
/// - database: the in-memory test externalities cannot count reads and writes, so they are
///   counted from the code (worst case) and charged at `T::DbWeight` (RocksDB: 25 µs a read,
///   100 µs a write).
/// - proof size: estimated from the `MaxEncodedLen` of the items read (PoV is irrelevant to
///   this solo chain; it only has to be bounded).
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
    fn register(m: u32) -> Weight {
        Weight::from_parts(17_486_000, 4_000)
            .saturating_add(Weight::from_parts(1_203_000, 3000).saturating_mul(m.into()))
            .saturating_add(T::DbWeight::get().reads(3_u64))
            .saturating_add(T::DbWeight::get().writes(3_u64))
            .saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(m.into())))
            .saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(m.into())))
    }
    fn update(m: u32) -> Weight {
        Weight::from_parts(17_385_000, 4_000)
            .saturating_add(Weight::from_parts(1_010_000, 6000).saturating_mul(m.into()))
            .saturating_add(T::DbWeight::get().reads(1_u64))
            .saturating_add(T::DbWeight::get().writes(1_u64))
            .saturating_add(T::DbWeight::get().reads((2_u64).saturating_mul(m.into())))
            .saturating_add(T::DbWeight::get().writes((2_u64).saturating_mul(m.into())))
    }
    fn set_stake() -> Weight {
        Weight::from_parts(15_293_000, 4_000)
            .saturating_add(T::DbWeight::get().reads(3_u64))
            .saturating_add(T::DbWeight::get().writes(3_u64))
    }
    fn heartbeat() -> Weight {
        Weight::from_parts(2_824_000, 4_000)
            .saturating_add(T::DbWeight::get().reads(1_u64))
            .saturating_add(T::DbWeight::get().writes(1_u64))
    }
    fn deregister(m: u32) -> Weight {
        Weight::from_parts(3_836_000, 4_000)
            .saturating_add(Weight::from_parts(809_000, 3000).saturating_mul(m.into()))
            .saturating_add(T::DbWeight::get().reads(1_u64))
            .saturating_add(T::DbWeight::get().writes(1_u64))
            .saturating_add(T::DbWeight::get().reads((1_u64).saturating_mul(m.into())))
            .saturating_add(T::DbWeight::get().writes((1_u64).saturating_mul(m.into())))
    }
    fn withdraw_unbonded() -> Weight {
        Weight::from_parts(12_018_000, 4_000)
            .saturating_add(T::DbWeight::get().reads(3_u64))
            .saturating_add(T::DbWeight::get().writes(3_u64))
    }
}

// For tests: the same numbers against RocksDB weights.
impl WeightInfo for () {
    fn register(m: u32) -> Weight {
        Weight::from_parts(17_486_000, 4_000)
            .saturating_add(Weight::from_parts(6_172_000, 3000).saturating_mul(m.into()))
            .saturating_add(RocksDbWeight::get().reads(3_u64))
            .saturating_add(RocksDbWeight::get().writes(3_u64))
            .saturating_add(RocksDbWeight::get().reads((1_u64).saturating_mul(m.into())))
            .saturating_add(RocksDbWeight::get().writes((1_u64).saturating_mul(m.into())))
    }
    fn update(m: u32) -> Weight {
        Weight::from_parts(17_385_000, 4_000)
            .saturating_add(Weight::from_parts(4_982_000, 6000).saturating_mul(m.into()))
            .saturating_add(RocksDbWeight::get().reads(1_u64))
            .saturating_add(RocksDbWeight::get().writes(1_u64))
            .saturating_add(RocksDbWeight::get().reads((2_u64).saturating_mul(m.into())))
            .saturating_add(RocksDbWeight::get().writes((2_u64).saturating_mul(m.into())))
    }
    fn set_stake() -> Weight {
        Weight::from_parts(15_293_000, 4_000)
            .saturating_add(RocksDbWeight::get().reads(3_u64))
            .saturating_add(RocksDbWeight::get().writes(3_u64))
    }
    fn heartbeat() -> Weight {
        Weight::from_parts(2_824_000, 4_000)
            .saturating_add(RocksDbWeight::get().reads(1_u64))
            .saturating_add(RocksDbWeight::get().writes(1_u64))
    }
    fn deregister(m: u32) -> Weight {
        Weight::from_parts(3_836_000, 4_000)
            .saturating_add(Weight::from_parts(4_355_000, 3000).saturating_mul(m.into()))
            .saturating_add(RocksDbWeight::get().reads(1_u64))
            .saturating_add(RocksDbWeight::get().writes(1_u64))
            .saturating_add(RocksDbWeight::get().reads((1_u64).saturating_mul(m.into())))
            .saturating_add(RocksDbWeight::get().writes((1_u64).saturating_mul(m.into())))
    }
    fn withdraw_unbonded() -> Weight {
        Weight::from_parts(12_018_000, 4_000)
            .saturating_add(RocksDbWeight::get().reads(3_u64))
            .saturating_add(RocksDbWeight::get().writes(3_u64))
    }
}
