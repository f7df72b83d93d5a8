//! Weights for `pallet-aitbc-dao`.
//!
//! HOW THESE NUMBERS WERE OBTAINED: see the note on [`SubstrateWeight`].

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{
    traits::Get,
    weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed by `pallet-aitbc-dao`.
pub trait WeightInfo {
    /// `propose` with a description of `d` bytes.
    fn propose(d: u32) -> Weight;
    /// `vote` (worst case: replacing a vote).
    fn vote() -> Weight;
    /// `unvote`.
    fn unvote() -> Weight;
    /// Fixed part of `on_initialize` (reading the three queues).
    fn on_initialize_base() -> Weight;
    /// Ending one proposal's voting (deposit returned or slashed, enactment scheduled).
    fn end_voting() -> Weight;
    /// Enacting one proposal (worst case: a validator-set change).
    fn enact() -> Weight;
    /// Unlocking one vote.
    fn unlock_vote() -> Weight;
}

/// (ref-time ps, proof bytes, reads, writes) per function.
const PROPOSE: (u64, u64, u64, u64) = (60_000_000, 8_000, 5, 6);
const VOTE: (u64, u64, u64, u64) = (55_000_000, 8_000, 4, 4);
const UNVOTE: (u64, u64, u64, u64) = (50_000_000, 8_000, 4, 4);
const INIT: (u64, u64, u64, u64) = (6_000_000, 4_000, 3, 0);
const END: (u64, u64, u64, u64) = (60_000_000, 8_000, 5, 6);
const ENACT: (u64, u64, u64, u64) = (60_000_000, 10_000, 6, 6);
const UNLOCK: (u64, u64, u64, u64) = (40_000_000, 5_000, 4, 4);

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
/// comparable polkadot-sdk calls (a hold or release is about 30 µs), storage reads and writes
/// counted from the code; `propose` adds 1 ns per description byte (hashing and storing).
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
    fn propose(d: u32) -> Weight {
        w::<T>(PROPOSE).saturating_add(Weight::from_parts(1_000 * d as u64, d as u64))
    }
    fn vote() -> Weight {
        w::<T>(VOTE)
    }
    fn unvote() -> Weight {
        w::<T>(UNVOTE)
    }
    fn on_initialize_base() -> Weight {
        w::<T>(INIT)
    }
    fn end_voting() -> Weight {
        w::<T>(END)
    }
    fn enact() -> Weight {
        w::<T>(ENACT)
    }
    fn unlock_vote() -> Weight {
        w::<T>(UNLOCK)
    }
}

// For tests: the same numbers against RocksDB weights.
impl WeightInfo for () {
    fn propose(d: u32) -> Weight {
        r(PROPOSE).saturating_add(Weight::from_parts(1_000 * d as u64, d as u64))
    }
    fn vote() -> Weight {
        r(VOTE)
    }
    fn unvote() -> Weight {
        r(UNVOTE)
    }
    fn on_initialize_base() -> Weight {
        r(INIT)
    }
    fn end_voting() -> Weight {
        r(END)
    }
    fn enact() -> Weight {
        r(ENACT)
    }
    fn unlock_vote() -> Weight {
        r(UNLOCK)
    }
}
