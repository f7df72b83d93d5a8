//! Weights for `pallet-aitbc-jobs`.
//!
//! HOW THESE NUMBERS WERE OBTAINED: see the note on [`SubstrateWeight`].

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{
    traits::Get,
    weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed by `pallet-aitbc-jobs`.
pub trait WeightInfo {
    /// `submit` with a prompt of `b` bytes.
    fn submit(b: u32) -> Weight;
    /// `fund`.
    fn fund() -> Weight;
    /// `accept`.
    fn accept() -> Weight;
    /// `submit_result` with `r` bytes of inline result (includes the receipt).
    fn submit_result(r: u32) -> Weight;
    /// `report_failure`.
    fn report_failure() -> Weight;
    /// `cancel`.
    fn cancel() -> Weight;
    /// `set_min_payment`.
    fn set_min_payment() -> Weight;
    /// Fixed part of `on_initialize` (reading the three per-block indexes).
    fn on_initialize_base() -> Weight;
    /// Expiring one job in `on_initialize` (worst case: running, miner slashed).
    fn expire_job() -> Weight;
    /// One missed acknowledgement deadline in `on_initialize` (miner slashed, job re-queued).
    fn ack_timeout() -> Weight;
    /// One assignment attempt in `on_initialize`, looking at `c` candidate miners.
    fn assign_job(c: u32) -> Weight;
}

/// Weights for the runtime.
///
/// Placeholder estimates until the native benchmark run fills them in: ref-time from
/// comparable polkadot-sdk calls, storage reads and writes counted from the code.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
    fn submit(b: u32) -> Weight {
        Weight::from_parts(70_000_000, 20_000)
            .saturating_add(Weight::from_parts(2_000, 0).saturating_mul(b.into()))
            .saturating_add(T::DbWeight::get().reads_writes(6, 8))
    }
    fn fund() -> Weight {
        Weight::from_parts(60_000_000, 20_000).saturating_add(T::DbWeight::get().reads_writes(5, 6))
    }
    fn accept() -> Weight {
        Weight::from_parts(25_000_000, 20_000).saturating_add(T::DbWeight::get().reads_writes(1, 3))
    }
    fn submit_result(r: u32) -> Weight {
        Weight::from_parts(150_000_000, 30_000)
            .saturating_add(Weight::from_parts(1_000, 1).saturating_mul(r.into()))
            .saturating_add(T::DbWeight::get().reads_writes(12, 14))
    }
    fn report_failure() -> Weight {
        Weight::from_parts(80_000_000, 20_000).saturating_add(T::DbWeight::get().reads_writes(5, 6))
    }
    fn cancel() -> Weight {
        Weight::from_parts(90_000_000, 20_000).saturating_add(T::DbWeight::get().reads_writes(6, 7))
    }
    fn set_min_payment() -> Weight {
        Weight::from_parts(10_000_000, 1_500).saturating_add(T::DbWeight::get().writes(1))
    }
    fn on_initialize_base() -> Weight {
        Weight::from_parts(5_000_000, 10_000).saturating_add(T::DbWeight::get().reads_writes(3, 3))
    }
    fn expire_job() -> Weight {
        Weight::from_parts(120_000_000, 20_000)
            .saturating_add(T::DbWeight::get().reads_writes(8, 9))
    }
    fn ack_timeout() -> Weight {
        Weight::from_parts(120_000_000, 20_000)
            .saturating_add(T::DbWeight::get().reads_writes(8, 9))
    }
    fn assign_job(c: u32) -> Weight {
        Weight::from_parts(30_000_000, 20_000)
            .saturating_add(Weight::from_parts(10_000_000, 4_000).saturating_mul(c.into()))
            .saturating_add(T::DbWeight::get().reads_writes(3 + c as u64, 5))
    }
}

// For tests: the same numbers against RocksDB weights.
impl WeightInfo for () {
    fn submit(b: u32) -> Weight {
        Weight::from_parts(70_000_000, 20_000)
            .saturating_add(Weight::from_parts(2_000, 0).saturating_mul(b.into()))
            .saturating_add(RocksDbWeight::get().reads_writes(6, 8))
    }
    fn fund() -> Weight {
        Weight::from_parts(60_000_000, 20_000)
            .saturating_add(RocksDbWeight::get().reads_writes(5, 6))
    }
    fn accept() -> Weight {
        Weight::from_parts(25_000_000, 20_000)
            .saturating_add(RocksDbWeight::get().reads_writes(1, 3))
    }
    fn submit_result(r: u32) -> Weight {
        Weight::from_parts(150_000_000, 30_000)
            .saturating_add(Weight::from_parts(1_000, 1).saturating_mul(r.into()))
            .saturating_add(RocksDbWeight::get().reads_writes(12, 14))
    }
    fn report_failure() -> Weight {
        Weight::from_parts(80_000_000, 20_000)
            .saturating_add(RocksDbWeight::get().reads_writes(5, 6))
    }
    fn cancel() -> Weight {
        Weight::from_parts(90_000_000, 20_000)
            .saturating_add(RocksDbWeight::get().reads_writes(6, 7))
    }
    fn set_min_payment() -> Weight {
        Weight::from_parts(10_000_000, 1_500).saturating_add(RocksDbWeight::get().writes(1))
    }
    fn on_initialize_base() -> Weight {
        Weight::from_parts(5_000_000, 10_000)
            .saturating_add(RocksDbWeight::get().reads_writes(3, 3))
    }
    fn expire_job() -> Weight {
        Weight::from_parts(120_000_000, 20_000)
            .saturating_add(RocksDbWeight::get().reads_writes(8, 9))
    }
    fn ack_timeout() -> Weight {
        Weight::from_parts(120_000_000, 20_000)
            .saturating_add(RocksDbWeight::get().reads_writes(8, 9))
    }
    fn assign_job(c: u32) -> Weight {
        Weight::from_parts(30_000_000, 20_000)
            .saturating_add(Weight::from_parts(10_000_000, 4_000).saturating_mul(c.into()))
            .saturating_add(RocksDbWeight::get().reads_writes(3 + c as u64, 5))
    }
}
