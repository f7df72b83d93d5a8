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
/// HOW THESE NUMBERS WERE OBTAINED (be honest about it):
/// - ref-time: the `#[benchmarks]` in `benchmarking.rs`, timed natively by the `bench_timings`
///   test there (`cargo test --release -p pallet-aitbc-receipts --features runtime-benchmarks -- --ignored --nocapture
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
    fn claim_reward() -> Weight {
        // Re-measured 2026-12-04 with the era's totals (read).
        Weight::from_parts(10_051_000, 4_100)
            .saturating_add(T::DbWeight::get().reads(6_u64))
            .saturating_add(T::DbWeight::get().writes(4_u64))
    }
    fn set_reward() -> Weight {
        Weight::from_parts(3_265_000, 1_500)
            .saturating_add(T::DbWeight::get().reads(1_u64))
            .saturating_add(T::DbWeight::get().writes(1_u64))
    }
    fn record() -> Weight {
        // Re-measured 2026-12-04 with the era's totals (read and write).
        Weight::from_parts(5_337_000, 4_100)
            .saturating_add(T::DbWeight::get().reads(4_u64))
            .saturating_add(T::DbWeight::get().writes(5_u64))
    }
}

// For tests: the same numbers against RocksDB weights.
impl WeightInfo for () {
    fn claim_reward() -> Weight {
        // Re-measured 2026-12-04 with the era's totals (read).
        Weight::from_parts(10_051_000, 4_100)
            .saturating_add(RocksDbWeight::get().reads(6_u64))
            .saturating_add(RocksDbWeight::get().writes(4_u64))
    }
    fn set_reward() -> Weight {
        Weight::from_parts(3_265_000, 1_500)
            .saturating_add(RocksDbWeight::get().reads(1_u64))
            .saturating_add(RocksDbWeight::get().writes(1_u64))
    }
    fn record() -> Weight {
        // Re-measured 2026-12-04 with the era's totals (read and write).
        Weight::from_parts(5_337_000, 4_100)
            .saturating_add(RocksDbWeight::get().reads(4_u64))
            .saturating_add(RocksDbWeight::get().writes(5_u64))
    }
}
