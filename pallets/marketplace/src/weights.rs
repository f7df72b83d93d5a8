//! Weights for `pallet-aitbc-marketplace`.
//!
//! HOW THESE NUMBERS WERE OBTAINED: see the note on [`SubstrateWeight`].

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{
    traits::Get,
    weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed by `pallet-aitbc-marketplace`.
pub trait WeightInfo {
    /// `create_listing`.
    fn create_listing() -> Weight;
    /// `update_listing` (worst case: the GPU model changes).
    fn update_listing() -> Weight;
    /// `delist`.
    fn delist() -> Weight;
    /// `book`.
    fn book() -> Weight;
    /// `confirm`.
    fn confirm() -> Weight;
    /// `cancel_booking`.
    fn cancel_booking() -> Weight;
    /// `release`.
    fn release() -> Weight;
    /// Fixed part of `on_initialize` (reading the two per-block indexes).
    fn on_initialize_base() -> Weight;
    /// Refunding one unconfirmed booking in `on_initialize`.
    fn refund_no_show() -> Weight;
    /// Paying out one finished booking in `on_initialize`.
    fn complete_booking() -> Weight;
}

/// (ref-time ps, proof bytes, reads, writes) per function.
const CREATE: (u64, u64, u64, u64) = (40_000_000, 6_000, 3, 5);
const UPDATE: (u64, u64, u64, u64) = (45_000_000, 8_000, 3, 3);
const DELIST: (u64, u64, u64, u64) = (40_000_000, 6_000, 3, 4);
const BOOK: (u64, u64, u64, u64) = (70_000_000, 8_000, 6, 8);
const CONFIRM: (u64, u64, u64, u64) = (35_000_000, 5_000, 2, 2);
const CANCEL: (u64, u64, u64, u64) = (55_000_000, 6_000, 4, 4);
const RELEASE: (u64, u64, u64, u64) = (65_000_000, 8_000, 6, 6);
const INIT: (u64, u64, u64, u64) = (5_000_000, 3_000, 2, 2);
const NO_SHOW: (u64, u64, u64, u64) = (55_000_000, 6_000, 4, 4);
const COMPLETE: (u64, u64, u64, u64) = (65_000_000, 8_000, 6, 6);

fn w<T: frame_system::Config>(c: (u64, u64, u64, u64)) -> Weight {
    Weight::from_parts(c.0, c.1)
        .saturating_add(T::DbWeight::get().reads(c.2))
        .saturating_add(T::DbWeight::get().writes(c.3))
}

fn r(c: (u64, u64, u64, u64)) -> Weight {
    Weight::from_parts(c.0, c.1).saturating_add(RocksDbWeight::get().reads_writes(c.2, c.3))
}

/// Weights for the runtime.
///
/// Placeholder estimates until the native benchmark run fills them in: ref-time from
/// comparable polkadot-sdk calls (a hold or `transfer_on_hold` is about 30 µs), storage reads
/// and writes counted from the code.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
    fn create_listing() -> Weight {
        w::<T>(CREATE)
    }
    fn update_listing() -> Weight {
        w::<T>(UPDATE)
    }
    fn delist() -> Weight {
        w::<T>(DELIST)
    }
    fn book() -> Weight {
        w::<T>(BOOK)
    }
    fn confirm() -> Weight {
        w::<T>(CONFIRM)
    }
    fn cancel_booking() -> Weight {
        w::<T>(CANCEL)
    }
    fn release() -> Weight {
        w::<T>(RELEASE)
    }
    fn on_initialize_base() -> Weight {
        w::<T>(INIT)
    }
    fn refund_no_show() -> Weight {
        w::<T>(NO_SHOW)
    }
    fn complete_booking() -> Weight {
        w::<T>(COMPLETE)
    }
}

// For tests: the same numbers against RocksDB weights.
impl WeightInfo for () {
    fn create_listing() -> Weight {
        r(CREATE)
    }
    fn update_listing() -> Weight {
        r(UPDATE)
    }
    fn delist() -> Weight {
        r(DELIST)
    }
    fn book() -> Weight {
        r(BOOK)
    }
    fn confirm() -> Weight {
        r(CONFIRM)
    }
    fn cancel_booking() -> Weight {
        r(CANCEL)
    }
    fn release() -> Weight {
        r(RELEASE)
    }
    fn on_initialize_base() -> Weight {
        r(INIT)
    }
    fn refund_no_show() -> Weight {
        r(NO_SHOW)
    }
    fn complete_booking() -> Weight {
        r(COMPLETE)
    }
}
