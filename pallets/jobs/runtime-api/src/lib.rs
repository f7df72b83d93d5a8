//! Runtime API of the AITBC compute market: typed queries for the CLI, the miner daemon and
//! explorers, so none of them decodes raw storage.
//!
//! Paging: `from` is the first id to return (ascending ids; pass the last id seen + 1 for the
//! next page) and `limit` is capped at [`aitbc_primitives::MAX_PAGE`]. Miners are paged by
//! position (`start`), in storage order.
//!
//! Called through `state_call` as `MarketApi_<method>` with SCALE-encoded arguments.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use aitbc_primitives::{
    ActivityBucket, Job, JobId, JobResult, JobStatus, MinerInfo, Receipt, ReceiptId,
    ReceiptParticipants, ResultBytes, Round,
};
use alloc::vec::Vec;
use codec::Codec;
use sp_core::H256;

sp_api::decl_runtime_apis! {
    /// Typed queries of jobs, results, receipts and miners.
    pub trait MarketApi<AccountId, Balance, BlockNumber>
    where
        AccountId: Codec,
        Balance: Codec,
        BlockNumber: Codec,
    {
        /// One job.
        fn job(id: JobId) -> Option<Job<AccountId, Balance, BlockNumber>>;
        /// A job's delivered result (inline copy, hash, metrics).
        fn job_result(id: JobId) -> Option<JobResult>;
        /// An owner's jobs with id `>= from`, ascending, at most `limit`.
        fn jobs_by_owner(owner: AccountId, from: JobId, limit: u32) -> Vec<Job<AccountId, Balance, BlockNumber>>;
        /// A miner's jobs with id `>= from`, ascending, at most `limit`.
        fn jobs_by_miner(miner: AccountId, from: JobId, limit: u32) -> Vec<Job<AccountId, Balance, BlockNumber>>;
        /// Jobs currently in `status` with id `>= from`, ascending, at most `limit`.
        fn jobs_by_status(status: JobStatus, from: JobId, limit: u32) -> Vec<Job<AccountId, Balance, BlockNumber>>;
        /// One receipt.
        fn receipt(id: ReceiptId) -> Option<Receipt<AccountId, Balance, BlockNumber>>;
        /// The receipts of a job (at most one).
        fn receipts_by_job(job: JobId) -> Vec<Receipt<AccountId, Balance, BlockNumber>>;
        /// A miner's receipts with id `>= from`, ascending, at most `limit`.
        fn receipts_by_miner(miner: AccountId, from: ReceiptId, limit: u32) -> Vec<Receipt<AccountId, Balance, BlockNumber>>;
        /// One miner, with its online flag and reputation score.
        fn miner(who: AccountId) -> Option<MinerInfo<AccountId, Balance, BlockNumber>>;
        /// Miners in storage order: skip `start`, at most `limit`.
        fn miners(start: u32, limit: u32) -> Vec<MinerInfo<AccountId, Balance, BlockNumber>>;
    }

    /// Typed queries of redundant (k-of-n) jobs, for the miner daemon, the CLI and auditors.
    pub trait RedundancyApi<AccountId, Balance, BlockNumber>
    where
        AccountId: Codec,
        Balance: Codec,
        BlockNumber: Codec,
    {
        /// A redundant job's round: its participants (commitments, reveals, payments), phase,
        /// deadline, open dispute and settled disputes.
        fn round(job: JobId) -> Option<Round<AccountId, Balance, BlockNumber>>;
        /// An output revealed in a round, by its hash (what a referee compares).
        fn round_output(job: JobId, hash: H256) -> Option<ResultBytes>;
        /// The jobs whose open dispute `referee` must settle.
        fn referee_duties(referee: AccountId) -> Vec<JobId>;
        /// The receipt's participants, for a redundant job's receipt (`None` otherwise).
        fn receipt_participants(receipt: ReceiptId) -> Option<ReceiptParticipants<AccountId, Balance>>;
    }

    /// The chain's hourly job activity, kept for [`aitbc_primitives::ACTIVITY_HOURS`] hours
    /// whether or not the jobs themselves were pruned: what demand forecasts are made from.
    pub trait ActivityApi {
        /// The current hour (the block's timestamp in hours since the Unix epoch) and the
        /// buckets of hours `>= since_hour` within the kept window, oldest first; hours with
        /// no activity have no bucket. At most `ACTIVITY_HOURS` buckets.
        fn activity(since_hour: u32) -> (u32, Vec<ActivityBucket>);
    }
}
