//! Read-only helpers behind the market runtime API. They walk index prefixes, so they are for
//! off-chain queries (runtime API calls), never for block execution.

use aitbc_primitives::{JobId, JobResult, JobStatus, MAX_PAGE};
use alloc::vec::Vec;

use crate::{
    Config, JobOf, Jobs, JobsByMiner, JobsByOwner, JobsByStatus, Pallet, RefereeDuties, Results,
    RoundOf, RoundOutputs, Rounds,
};

/// Ids `>= from`, ascending, at most `limit` (capped at `MAX_PAGE`), resolved to jobs.
fn page<T: Config>(ids: impl Iterator<Item = JobId>, from: JobId, limit: u32) -> Vec<JobOf<T>> {
    let mut ids: Vec<JobId> = ids.filter(|id| *id >= from).collect();
    ids.sort_unstable();
    ids.into_iter()
        .take(limit.min(MAX_PAGE) as usize)
        .filter_map(Jobs::<T>::get)
        .collect()
}

impl<T: Config> Pallet<T> {
    /// One job.
    pub fn job(id: JobId) -> Option<JobOf<T>> {
        Jobs::<T>::get(id)
    }

    /// A delivered result.
    pub fn job_result(id: JobId) -> Option<JobResult> {
        Results::<T>::get(id)
    }

    /// A page of an owner's jobs (ids `>= from`, ascending).
    pub fn jobs_by_owner(owner: &T::AccountId, from: JobId, limit: u32) -> Vec<JobOf<T>> {
        page::<T>(JobsByOwner::<T>::iter_key_prefix(owner), from, limit)
    }

    /// A page of a miner's jobs (ids `>= from`, ascending).
    pub fn jobs_by_miner(miner: &T::AccountId, from: JobId, limit: u32) -> Vec<JobOf<T>> {
        page::<T>(JobsByMiner::<T>::iter_key_prefix(miner), from, limit)
    }

    /// A page of the jobs currently in `status` (ids `>= from`, ascending).
    pub fn jobs_by_status(status: JobStatus, from: JobId, limit: u32) -> Vec<JobOf<T>> {
        page::<T>(JobsByStatus::<T>::iter_key_prefix(status), from, limit)
    }

    /// A redundant job's round.
    pub fn round(id: JobId) -> Option<RoundOf<T>> {
        Rounds::<T>::get(id)
    }

    /// An output revealed in a redundant job's round, by its hash.
    pub fn round_output(id: JobId, hash: sp_core::H256) -> Option<aitbc_primitives::ResultBytes> {
        RoundOutputs::<T>::get(id, hash)
    }

    /// The jobs whose open dispute `referee` must settle (at most `MAX_PAGE`).
    pub fn referee_duties(referee: &T::AccountId) -> Vec<JobId> {
        RefereeDuties::<T>::iter_key_prefix(referee)
            .take(MAX_PAGE as usize)
            .collect()
    }
}
