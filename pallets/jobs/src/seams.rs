//! Redundant jobs as other pallets use them ([`aitbc_primitives::RedundantJobs`]): the swarms
//! pallet submits its shard and reduce jobs here, restricted to a swarm's members, and reads
//! what became of them.

use aitbc_primitives::{
    JobId, JobStatus, JobType, RedundantJobSpec, RedundantJobs, ResultBytes, Round,
};
use frame_support::{traits::Get, weights::Weight};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{DispatchError, Saturating};

use crate::{
    BalanceOf, Config, Error, Jobs, MinPayment, OpenJobs, Pallet, Results, Rounds, WeightInfo,
};

impl<T: Config> RedundantJobs<T::AccountId, BalanceOf<T>, BlockNumberFor<T>> for Pallet<T> {
    fn submit(
        spec: RedundantJobSpec<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>,
    ) -> Result<JobId, DispatchError> {
        Self::do_submit_redundant(
            spec.owner,
            spec.job_type,
            spec.model,
            spec.input,
            spec.budget,
            spec.ttl,
            spec.requirements,
            spec.options,
            spec.redundancy,
            spec.members,
        )
    }

    /// `submit_redundant`'s weight, plus the write of the round's members.
    fn submit_weight(prompt_bytes: u32) -> Weight {
        T::WeightInfo::submit(prompt_bytes).saturating_add(T::DbWeight::get().writes(1))
    }

    fn is_busy(error: &DispatchError) -> bool {
        [
            Error::<T>::QueueFull,
            Error::<T>::ExpiryScheduleFull,
            Error::<T>::TooManyOpenJobs,
        ]
        .into_iter()
        .any(|e| *error == DispatchError::from(e))
    }

    fn status(job: JobId) -> Option<JobStatus> {
        Jobs::<T>::get(job).map(|j| j.status)
    }

    fn round(job: JobId) -> Option<Round<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>> {
        Rounds::<T>::get(job)
    }

    fn output(job: JobId) -> Option<ResultBytes> {
        Results::<T>::get(job).map(|r| r.output)
    }

    fn open_slots(owner: &T::AccountId) -> u32 {
        T::MaxOpenJobsPerClient::get().saturating_sub(OpenJobs::<T>::get(owner))
    }

    fn least_budget(job_type: JobType, k: u8) -> BalanceOf<T> {
        MinPayment::<T>::get(job_type).saturating_mul(k.into())
    }

    fn min_ttl() -> BlockNumberFor<T> {
        Self::min_redundant_ttl()
    }

    fn max_ttl() -> BlockNumberFor<T> {
        T::MaxTtl::get()
    }
}

/// Plain jobs as other pallets submit them ([`aitbc_primitives::PlainJobs`]): the agents
/// pallet submits each agent run here, with the job type only it may use.
impl<T: Config> aitbc_primitives::PlainJobs<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>
    for Pallet<T>
{
    fn submit(
        spec: aitbc_primitives::PlainJobSpec<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>,
    ) -> Result<JobId, DispatchError> {
        Self::do_submit(
            spec.owner,
            spec.job_type,
            spec.model,
            spec.input,
            spec.budget,
            spec.ttl,
            Default::default(),
            spec.options,
            None,
        )
    }

    fn submit_weight(prompt_bytes: u32) -> Weight {
        T::WeightInfo::submit(prompt_bytes)
    }

    fn status(job: JobId) -> Option<(JobStatus, Option<T::AccountId>)> {
        Jobs::<T>::get(job).map(|j| (j.status, j.miner))
    }

    fn least_budget(job_type: JobType) -> BalanceOf<T> {
        MinPayment::<T>::get(job_type)
    }

    fn min_ttl() -> BlockNumberFor<T> {
        Self::min_ttl()
    }

    fn max_ttl() -> BlockNumberFor<T> {
        T::MaxTtl::get()
    }
}
