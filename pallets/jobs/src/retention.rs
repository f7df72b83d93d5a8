//! Storage deposits and the pruning of ended jobs.
//!
//! - Submitting a job holds [`Config::DepositPerByte`] × the job's encoded size at submission
//!   (input included) from its owner
//!   ([`HoldReason::StorageDeposit`]); delivering a result holds the same rate × the result's
//!   encoded size from the miner (who chooses how much of the output to keep inline). Both are
//!   recorded in [`Deposits`].
//! - When a job ends, it is scheduled for pruning [`Config::RetentionPeriod`] blocks later
//!   ([`Prunes`], at most [`Config::MaxPrunesPerBlock`] a block, spilling over a few blocks
//!   like expiries). Pruning removes the job, its result and its index entries, and releases
//!   both deposits. Receipts stay: they are the permanent record.
//! - If no block near the due one has room, the deposits are released at once and the job
//!   stays (nothing is ever kept without a way back).

use aitbc_primitives::JobId;
use codec::Encode;
use frame_support::traits::{
    fungible::{Inspect, MutateHold},
    tokens::{Fortitude, Precision, Preservation},
    Get,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::Zero, DispatchResult, SaturatedConversion, Saturating};

use crate::{
    scheduling::EXPIRY_SEARCH, BalanceOf, Config, Deposits, Error, Event, HoldReason, JobDeposits,
    JobOf, Jobs, JobsByMiner, JobsByOwner, JobsByStatus, Pallet, Prunes, Results,
};

impl<T: Config> Pallet<T> {
    /// The deposit for storing `bytes` bytes.
    pub fn deposit_for(bytes: usize) -> BalanceOf<T> {
        T::DepositPerByte::get().saturating_mul(bytes.saturated_into())
    }

    /// Hold `amount` from `who` as a storage deposit (nothing when zero).
    fn hold_deposit(who: &T::AccountId, amount: BalanceOf<T>) -> DispatchResult {
        if amount.is_zero() {
            return Ok(());
        }
        let free = T::Currency::reducible_balance(who, Preservation::Protect, Fortitude::Polite);
        frame_support::ensure!(free >= amount, Error::<T>::InsufficientBalance);
        T::Currency::hold(&HoldReason::StorageDeposit.into(), who, amount)
            .map_err(|_| Error::<T>::InsufficientBalance.into())
    }

    /// Hold the deposit for a newly submitted job from its owner.
    pub(crate) fn hold_job_deposit(job: &JobOf<T>) -> DispatchResult {
        let amount = Self::deposit_for(job.encoded_size());
        Self::hold_deposit(&job.owner, amount)?;
        if !amount.is_zero() {
            Deposits::<T>::insert(
                job.id,
                JobDeposits {
                    job: amount,
                    result: None,
                },
            );
        }
        Ok(())
    }

    /// Hold the deposit for a delivered result of `bytes` encoded bytes from `miner`.
    pub(crate) fn hold_result_deposit(
        id: JobId,
        miner: &T::AccountId,
        bytes: usize,
    ) -> DispatchResult {
        let amount = Self::deposit_for(bytes);
        Self::hold_deposit(miner, amount)?;
        if !amount.is_zero() {
            Deposits::<T>::mutate(id, |d| {
                let d = d.get_or_insert_with(|| JobDeposits {
                    job: Zero::zero(),
                    result: None,
                });
                d.result = Some((miner.clone(), amount));
            });
        }
        Ok(())
    }

    /// Release job `id`'s deposits to whoever paid them.
    fn release_deposits(id: JobId, owner: &T::AccountId) {
        let Some(d) = Deposits::<T>::take(id) else {
            return;
        };
        let reason = HoldReason::StorageDeposit.into();
        let mut returned = d.job;
        // Best effort: the amounts were held by this pallet and nothing else releases them.
        let _ = T::Currency::release(&reason, owner, d.job, Precision::BestEffort);
        if let Some((miner, amount)) = d.result {
            let _ = T::Currency::release(&reason, &miner, amount, Precision::BestEffort);
            returned = returned.saturating_add(amount);
        }
        Self::deposit_event(Event::DepositsReleased {
            job_id: id,
            amount: returned,
        });
    }

    /// Schedule ended job `id` to be pruned `RetentionPeriod` blocks from now (first block
    /// with room within `EXPIRY_SEARCH`); without room, release its deposits now.
    pub(crate) fn schedule_prune(id: JobId, owner: &T::AccountId) {
        let now = frame_system::Pallet::<T>::block_number();
        let mut block = now.saturating_add(T::RetentionPeriod::get().max(1u32.into()));
        for _ in 0..EXPIRY_SEARCH {
            if Prunes::<T>::try_mutate(block, |ids| ids.try_push(id)).is_ok() {
                return;
            }
            block = block.saturating_add(1u32.into());
        }
        Self::release_deposits(id, owner);
    }

    /// Prune the ended jobs due at block `n`. Returns how many were pruned.
    pub(crate) fn prune_due(n: BlockNumberFor<T>) -> u32 {
        let due = Prunes::<T>::take(n);
        for id in &due {
            Self::prune(*id);
        }
        due.len() as u32
    }

    /// Remove ended job `id`, its result and index entries; release its deposits.
    pub(crate) fn prune(id: JobId) {
        let Some(job) = Jobs::<T>::get(id) else {
            return;
        };
        if !job.status.is_terminal() {
            return;
        }
        Self::prune_round(&job);
        Jobs::<T>::remove(id);
        Results::<T>::remove(id);
        JobsByOwner::<T>::remove(&job.owner, id);
        if let Some(miner) = &job.miner {
            JobsByMiner::<T>::remove(miner, id);
        }
        JobsByStatus::<T>::remove(job.status, id);
        Self::release_deposits(id, &job.owner);
        Self::deposit_event(Event::JobPruned { job_id: id });
    }
}
