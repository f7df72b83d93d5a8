//! Status transitions of a job (everything but the per-block scheduling).

use aitbc_primitives::{
    CompletedJob, JobObserver, JobOutcome, JobStatus, Metrics, MinerRegistry, ReceiptSink,
};
use frame_support::ensure;
use sp_core::{H256, H512};
use sp_runtime::{DispatchResult, Perbill, SaturatedConversion, Saturating};

use crate::{
    BalanceOf, Config, Error, Event, JobOf, JobsByStatus, MinPayment, OpenJobs, Pallet, Queue,
};

impl<T: Config> Pallet<T> {
    /// Move `job` to `status` now: status index, `status_since` and timeline. A job's first
    /// terminal status is told to [`Config::JobObserver`].
    pub(crate) fn set_status(job: &mut JobOf<T>, status: JobStatus) {
        let now = frame_system::Pallet::<T>::block_number();
        let ends = status.is_terminal() && !job.status.is_terminal();
        if ends {
            OpenJobs::<T>::mutate_exists(&job.owner, |n| {
                *n = n.map(|n| n.saturating_sub(1)).filter(|n| *n > 0);
            });
            Self::schedule_prune(job.id, &job.owner);
        }
        JobsByStatus::<T>::remove(job.status, job.id);
        JobsByStatus::<T>::insert(status, job.id, ());
        job.status = status;
        job.status_since = now;
        job.timeline.record(status, now);
        if ends {
            if status == JobStatus::Completed {
                Self::note_completed(job.miner.as_ref(), job.metrics);
            }
            T::JobObserver::job_ended(job.id, status);
        }
    }

    /// Hold `budget` for an `Unfunded` job and queue it.
    pub(crate) fn fund_and_queue(job: &mut JobOf<T>, budget: BalanceOf<T>) -> DispatchResult {
        ensure!(
            budget >= MinPayment::<T>::get(job.job_type),
            Error::<T>::BudgetBelowMinimum
        );
        Queue::<T>::try_mutate(|q| q.try_push(job.id)).map_err(|_| Error::<T>::QueueFull)?;
        Self::hold_budget(job, budget)?;
        Self::set_status(job, JobStatus::Queued);
        Self::deposit_event(Event::JobQueued { job_id: job.id });
        Ok(())
    }

    /// End a job without a result (`Failed`, `Cancelled` or `Expired`): refund in full, take it
    /// out of the queue, clear its deadline. The caller reports the miner's outcome and emits
    /// the status event.
    pub(crate) fn end(job: &mut JobOf<T>, status: JobStatus) -> DispatchResult {
        Self::refund(job)?;
        if job.status == JobStatus::Queued {
            Queue::<T>::mutate(|q| q.retain(|id| *id != job.id));
        }
        job.ack_deadline = None;
        // A redundant job that never had its miners: its round has nothing left to do.
        let settled = crate::Rounds::<T>::mutate(job.id, |r| {
            let Some(r) = r
                .as_mut()
                .filter(|r| r.phase == crate::round::RoundPhase::Assigning)
            else {
                return false;
            };
            r.phase = crate::round::RoundPhase::Settled;
            true
        });
        if settled {
            T::JobObserver::round_settled(job.id);
        }
        Self::set_status(job, status);
        Ok(())
    }

    /// The price of a delivered job: `max(units * unit_price, MinPayment)`, at most the budget,
    /// with `units` the compute time in GPU-seconds to the millisecond (`units_milli / 1000`,
    /// the product rounded up to the next base unit). Returns `(units_milli, price)`.
    pub fn price_of(job: &JobOf<T>, metrics: &Metrics) -> (u64, BalanceOf<T>) {
        let units_milli = metrics.units_milli();
        (
            units_milli,
            Self::price_at(job, job.unit_price, units_milli),
        )
    }

    /// `max(units * unit_price, MinPayment)` at most the budget, `units` in thousandths of a
    /// GPU-second, the product rounded up to the next base unit.
    pub fn price_at(job: &JobOf<T>, unit_price: BalanceOf<T>, units_milli: u64) -> BalanceOf<T> {
        let thousand: BalanceOf<T> = 1000u32.into();
        let milli_price = unit_price.saturating_mul(units_milli.saturated_into());
        let raw = milli_price.saturating_add(thousand.saturating_sub(1u32.into())) / thousand;
        raw.max(MinPayment::<T>::get(job.job_type)).min(job.budget)
    }

    /// What the owner pays the miner for cancelling its running job now: the budget pro rata
    /// of the run window elapsed (from `accept` to now, over `accept` to `expires_at`), at
    /// least `MinPayment[job_type]`, at most the budget.
    pub fn cancellation_pay(job: &JobOf<T>) -> BalanceOf<T> {
        let now = frame_system::Pallet::<T>::block_number();
        let since = job.timeline.running.unwrap_or(now);
        let window: u32 = job.expires_at.saturating_sub(since).saturated_into();
        let elapsed: u32 = now.saturating_sub(since).saturated_into();
        let share = Perbill::from_rational(elapsed.min(window), window.max(1));
        share
            .mul_floor(job.budget)
            .max(MinPayment::<T>::get(job.job_type))
            .min(job.budget)
    }

    /// Complete a running job: settle escrow, write the receipt, credit the miner.
    pub(crate) fn complete(
        job: &mut JobOf<T>,
        miner: &T::AccountId,
        result_hash: H256,
        metrics: Metrics,
        signature: H512,
    ) -> DispatchResult {
        let (units_milli, price) = Self::price_of(job, &metrics);
        let settled = Self::settle(job, miner, price)?;
        let paid = settled.price;
        let receipt_id = T::Receipts::record(CompletedJob {
            job_id: job.id,
            client: job.owner.clone(),
            miner: miner.clone(),
            units_milli,
            unit_price: job.unit_price,
            price: paid,
            fee: settled.fee,
            result_hash,
            signature,
        })?;
        T::Miners::note_outcome(miner, JobOutcome::Delivered);
        job.result_hash = Some(result_hash);
        job.metrics = Some(metrics);
        job.receipt = Some(receipt_id);
        Self::set_status(job, JobStatus::Completed);
        Self::deposit_event(Event::JobCompleted {
            job_id: job.id,
            miner: miner.clone(),
            receipt_id,
            price: paid,
            result_hash,
        });
        Ok(())
    }
}
