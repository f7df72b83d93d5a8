//! Types and traits shared by the AITBC compute-market pallets (`pallet-aitbc-miners`,
//! `pallet-aitbc-jobs`, `pallet-aitbc-receipts`) and by their runtime API.
//!
//! The pallets never name each other: the jobs pallet finds miners through [`MinerRegistry`]
//! and records completed work through [`ReceiptSink`], both wired up as `Config` associated types
//! in the runtime; the swarms pallet submits redundant jobs through [`RedundantJobs`], hears of
//! their end through [`JobObserver`] and reads stakes through [`MinerStake`].

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod agent;
pub mod governance;
pub mod job;
pub mod marketplace;
pub mod miner;
pub mod receipt;
pub mod redundancy;
pub mod seams;
pub mod traits;
pub mod types;

pub use agent::*;
pub use governance::*;
pub use job::*;
pub use marketplace::*;
pub use miner::*;
pub use receipt::*;
pub use redundancy::*;
pub use seams::*;
pub use traits::*;
pub use types::*;
