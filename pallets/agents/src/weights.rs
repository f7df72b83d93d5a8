//! Weights for `pallet-aitbc-agents`.
//!
//! HOW THESE NUMBERS WERE OBTAINED: see the note on [`SubstrateWeight`].

#![allow(unused_parens, unused_imports, missing_docs)]

use core::marker::PhantomData;
use frame_support::{
    traits::Get,
    weights::{constants::RocksDbWeight, Weight},
};

/// Weight functions needed by `pallet-aitbc-agents`.
pub trait WeightInfo {
    /// `create_agent` with a configuration of `b` bytes (16 tools listed).
    fn create_agent(b: u32) -> Weight;
    /// `update_agent` with a configuration of `b` bytes (the previous version removed).
    fn update_agent(b: u32) -> Weight;
    /// `delete_agent`.
    fn delete_agent() -> Weight;
    /// `execute` with an input of `b` bytes and a data file of `d` bytes, the jobs pallet's
    /// submission included.
    fn execute(b: u32, d: u32) -> Weight;
    /// `record_trace` of `s` steps, each of the longest texts.
    fn record_trace(s: u32) -> Weight;
    /// `approve_tool` (a full list searched).
    fn approve_tool() -> Weight;
    /// `revoke_tool` (a full list searched).
    fn revoke_tool() -> Weight;
    /// Fixed part of `on_initialize`.
    fn on_initialize_base() -> Weight;
    /// One run pruned (its trace and data removed, its deposit returned).
    fn prune_run() -> Weight;
    /// The jobs pallet's result check of a run (its trace read).
    fn check_result() -> Weight;
    /// A run's job ended (the run closed, its version released, its prune scheduled).
    fn run_ended() -> Weight;
}

// Database accesses, counted from the code (worst case).
/// `create_agent`: ApprovedTools, NextAgentId, the hold (account, holds); writes NextAgentId,
/// Versions, Agents, AgentsByOwner, the hold (two).
const CREATE: (u64, u64) = (4, 6);
/// `update_agent`: Agents, ApprovedTools, the hold (account, holds), the previous version;
/// writes Versions, Agents, the previous version removed, the hold (two, twice).
const UPDATE: (u64, u64) = (5, 7);
/// `delete_agent`: Agents, the versions (at most the latest, with no open run), the hold;
/// writes the version, Agents, AgentsByOwner, the hold (two).
const DELETE: (u64, u64) = (4, 5);
/// `execute` (this pallet's part): Agents, the version, the hold (account, holds); writes
/// Runs, RunInputs, the version, Agents, the hold (two).
const EXECUTE: (u64, u64) = (4, 6);
/// `record_trace`: Runs, the job, the version; writes Runs, Traces.
const RECORD: (u64, u64) = (3, 2);
/// A tool approved or revoked: ApprovedTools; writes it.
const TOOL: (u64, u64) = (1, 1);
/// `on_initialize`: Prunes; writes it.
const BASE: (u64, u64) = (1, 1);
/// A pruned run: RunInputs, the hold (account, holds); writes Runs, Traces, RunInputs, the
/// hold (two).
const PRUNE: (u64, u64) = (3, 5);
/// The result check: Runs, Traces.
const CHECK: (u64, u64) = (2, 0);
/// A run's end: Runs, the version, Agents, Prunes (up to 16 blocks searched); writes Runs,
/// the version, Agents, Prunes, and the removed version's deposit (two).
const ENDED: (u64, u64) = (19, 6);

// Ref-time of the measured blocks, in nanoseconds (see [`SubstrateWeight`]).
const CREATE_NS: u64 = 36_824;
const CREATE_PER_BYTE_NS: u64 = 2;
const UPDATE_NS: u64 = 55_021;
const UPDATE_PER_BYTE_NS: u64 = 1;
const DELETE_NS: u64 = 24_937;
const EXECUTE_NS: u64 = 54_350;
const EXECUTE_PER_BYTE_NS: u64 = 2;
const RECORD_NS: u64 = 11_367;
const RECORD_PER_STEP_NS: u64 = 6_276;
const TOOL_NS: u64 = 13_220;
const BASE_NS: u64 = 741;
const PRUNE_NS: u64 = 15_714;
const CHECK_NS: u64 = 13_610;
const ENDED_NS: u64 = 20_160;

/// Proof sizes, from the `MaxEncodedLen` of what is read: a version (its configuration) 9 KiB,
/// a trace 50 KiB, a run's input 20 KiB, the tool list 2 KiB.
const VERSION_PROOF: u64 = 9 * 1024;
const TRACE_PROOF: u64 = 50 * 1024;
const INPUT_PROOF: u64 = 20 * 1024;
const TOOLS_PROOF: u64 = 2 * 1024;

fn ns(n: u64) -> Weight {
    Weight::from_parts(n.saturating_mul(1_000), 0)
}

fn db<T: frame_system::Config>((r, w): (u64, u64)) -> Weight {
    T::DbWeight::get().reads_writes(r, w)
}

fn rocks((r, w): (u64, u64)) -> Weight {
    RocksDbWeight::get().reads_writes(r, w)
}

/// Weights for the runtime.
///
/// HOW THESE NUMBERS WERE OBTAINED (be honest about it):
/// - ref-time: the `#[benchmarks]` in `benchmarking.rs`, timed natively by the `bench_timings`
///   test there (`cargo test --release -p pallet-aitbc-agents --features runtime-benchmarks
///   --lib -- --ignored --nocapture bench_timings`) on the 2-core development machine,
///   2026-12-07, while other builds ran on it: median of 25 runs, each in a fresh mock runtime
///   with the real jobs, miners and receipts pallets, of the measured block only; linear
///   components from their lowest and highest values. The highest of three runs is used:
///   create_agent 36,824 / 29,624 / 28,973 ns (+ 0 / 0 / 2 a byte); update_agent 50,676 /
///   41,161 / 55,021 (+ 1 / 0 / 1 a byte); delete_agent 24,937 / 19,940 / 21,101; execute
///   46,400 / 37,125 / 54,350 (+ up to 2 a byte of input and of data); record_trace 11,367 /
///   9,334 / 10,316 + 5,138 / 4,690 / 6,276 a step (each step of the longest texts);
///   approve_tool 9,725 / 8,012 / 13,220; revoke_tool 9,464 / 7,932 / 8,002 (one figure for
///   both); on_initialize_base 741 / 732 / 732; prune_run 15,714 / 15,303 / 15,543;
///   check_result 13,610 / 11,447 / 11,067; run_ended 20,160 / 20,029 / 19,760. Optimised
///   build, as Substrate weights are. `execute` was timed with the jobs pallet's submission
///   inside it and the call adds the jobs pallet's own `submit` weight, so that part is counted
///   twice.
/// - database: counted from the code (worst case, see the constants above) and charged at
///   `T::DbWeight` (RocksDB: 25 µs a read, 100 µs a write).
/// - proof size: estimated from the `MaxEncodedLen` of the items read (PoV is irrelevant to
///   this solo chain; it only has to be bounded).
pub struct SubstrateWeight<T>(PhantomData<T>);

macro_rules! weights {
    ($db:expr) => {
        fn create_agent(b: u32) -> Weight {
            ns(CREATE_NS)
                .saturating_add(ns(CREATE_PER_BYTE_NS).saturating_mul(b.into()))
                .saturating_add(Weight::from_parts(0, TOOLS_PROOF + 1024))
                .saturating_add($db(CREATE))
        }
        fn update_agent(b: u32) -> Weight {
            ns(UPDATE_NS)
                .saturating_add(ns(UPDATE_PER_BYTE_NS).saturating_mul(b.into()))
                .saturating_add(Weight::from_parts(0, TOOLS_PROOF + VERSION_PROOF + 1024))
                .saturating_add($db(UPDATE))
        }
        fn delete_agent() -> Weight {
            ns(DELETE_NS)
                .saturating_add(Weight::from_parts(0, VERSION_PROOF + 1024))
                .saturating_add($db(DELETE))
        }
        fn execute(b: u32, d: u32) -> Weight {
            ns(EXECUTE_NS)
                .saturating_add(
                    ns(EXECUTE_PER_BYTE_NS).saturating_mul(u64::from(b).saturating_add(d.into())),
                )
                .saturating_add(Weight::from_parts(0, VERSION_PROOF + 1024))
                .saturating_add($db(EXECUTE))
        }
        fn record_trace(s: u32) -> Weight {
            ns(RECORD_NS)
                .saturating_add(ns(RECORD_PER_STEP_NS).saturating_mul(s.into()))
                .saturating_add(Weight::from_parts(0, VERSION_PROOF + 4 * 1024))
                .saturating_add($db(RECORD))
        }
        fn approve_tool() -> Weight {
            ns(TOOL_NS)
                .saturating_add(Weight::from_parts(0, TOOLS_PROOF))
                .saturating_add($db(TOOL))
        }
        fn revoke_tool() -> Weight {
            ns(TOOL_NS)
                .saturating_add(Weight::from_parts(0, TOOLS_PROOF))
                .saturating_add($db(TOOL))
        }
        fn on_initialize_base() -> Weight {
            ns(BASE_NS)
                .saturating_add(Weight::from_parts(0, 512))
                .saturating_add($db(BASE))
        }
        fn prune_run() -> Weight {
            ns(PRUNE_NS)
                .saturating_add(Weight::from_parts(0, INPUT_PROOF + 512))
                .saturating_add($db(PRUNE))
        }
        fn check_result() -> Weight {
            ns(CHECK_NS)
                .saturating_add(Weight::from_parts(0, TRACE_PROOF + 512))
                .saturating_add($db(CHECK))
        }
        fn run_ended() -> Weight {
            ns(ENDED_NS)
                .saturating_add(Weight::from_parts(0, VERSION_PROOF + 2 * 1024))
                .saturating_add($db(ENDED))
        }
    };
}

impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
    weights!(db::<T>);
}

/// For tests: the same figures charged at RocksDB's weights.
impl WeightInfo for () {
    weights!(rocks);
}
