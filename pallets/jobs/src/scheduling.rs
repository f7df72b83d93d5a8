//! Per-block work: expiries, acknowledgement deadlines and assignment, each bounded.

use aitbc_primitives::{JobId, JobOutcome, JobStatus, MinerRegistry};
use frame_support::{traits::Get, weights::Weight};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::One, DispatchError, Saturating};

use crate::{
    AckDeadlines, Config, Error, Event, Expiries, FailureCause, JobOf, Jobs, JobsByMiner, Pallet,
    Queue, WeightInfo,
};

/// How many blocks past the requested one `schedule_expiry` tries when a block is full.
pub const EXPIRY_SEARCH: u32 = 8;

impl<T: Config> Pallet<T> {
    /// The shortest TTL `submit` accepts: one block to be assigned (`on_initialize` of the next
    /// block), the miner's acknowledgement window (`AckTimeout`) and its run window
    /// (`MinRunWindow`), each at least one block.
    pub fn min_ttl() -> BlockNumberFor<T> {
        let one: BlockNumberFor<T> = One::one();
        one.saturating_add(T::AckTimeout::get().max(One::one()))
            .saturating_add(T::MinRunWindow::get().max(One::one()))
    }

    /// Weight of one assignment attempt: looking at up to `max_candidates` miners and assigning
    /// (`assign_job`), or failing a job no miner serves (an end with refund, at most what
    /// `expire_job` costs), whichever is more.
    pub(crate) fn assignment_attempt_weight() -> Weight {
        T::WeightInfo::assign_job(T::Miners::max_candidates())
            .max(T::WeightInfo::expire_job())
            .saturating_add(Self::observer_weight())
    }

    /// Weight of one entry of [`AckDeadlines`]: a missed acknowledgement, or a round's
    /// deadline, whichever costs more (either may end the job and settle its round).
    pub(crate) fn deadline_weight() -> Weight {
        T::WeightInfo::ack_timeout()
            .max(T::WeightInfo::round_deadline(T::Miners::max_candidates()))
            .saturating_add(Self::observer_weight())
    }

    /// Weight of one expiry: the job ends, its round (if any) is settled.
    pub(crate) fn expiry_weight() -> Weight {
        T::WeightInfo::expire_job().saturating_add(Self::observer_weight())
    }

    /// The most one call to [`Config::JobRules`] costs.
    pub fn rules_weight() -> Weight {
        <T::JobRules as aitbc_primitives::JobRules<T::AccountId>>::weight()
    }

    /// The most [`Config::JobObserver`] costs for one job ending in one call or hook: told of
    /// the job's end and of its round's settlement.
    pub fn observer_weight() -> Weight {
        <T::JobObserver as aitbc_primitives::JobObserver>::weight().saturating_mul(2)
    }

    /// Whether the miner of `job` had its whole window by block `n` for the deadline it is
    /// about to miss: while `Assigned`, its acknowledgement deadline has come; while `Running`,
    /// at least `MinRunWindow` blocks passed since it accepted. A miner is noted late (and
    /// slashed) only then; otherwise its part ends as `Released`.
    pub(crate) fn had_full_window(job: &JobOf<T>, n: BlockNumberFor<T>) -> bool {
        match job.status {
            JobStatus::Assigned => job.ack_deadline.is_some_and(|d| d <= n),
            JobStatus::Running => job.timeline.running.is_some_and(|since| {
                n.saturating_sub(since) >= T::MinRunWindow::get().max(One::one())
            }),
            _ => false,
        }
    }

    /// Index job `id` to expire at the first block from `at` (within `EXPIRY_SEARCH` blocks)
    /// that has room. Returns that block.
    pub(crate) fn schedule_expiry(
        id: JobId,
        at: BlockNumberFor<T>,
    ) -> Result<BlockNumberFor<T>, DispatchError> {
        let mut block = at;
        for _ in 0..EXPIRY_SEARCH {
            if Expiries::<T>::try_mutate(block, |ids| ids.try_push(id)).is_ok() {
                return Ok(block);
            }
            block = block.saturating_add(1u32.into());
        }
        Err(Error::<T>::ExpiryScheduleFull.into())
    }

    /// All of `on_initialize(n)`: expire, prune, handle missed deadlines, assign. Returns its
    /// weight.
    pub(crate) fn process_block(n: BlockNumberFor<T>) -> Weight {
        let mut weight = T::WeightInfo::on_initialize_base();
        let expiring = Expiries::<T>::take(n);
        for id in &expiring {
            Self::expire(*id, n);
        }
        weight.saturating_accrue(Self::expiry_weight().saturating_mul(expiring.len() as u64));

        let pruned = Self::prune_due(n);
        weight.saturating_accrue(T::WeightInfo::prune_job().saturating_mul(pruned.into()));

        let deadlines = AckDeadlines::<T>::take(n);
        for id in &deadlines {
            Self::ack_missed(*id, n);
        }
        weight.saturating_accrue(Self::deadline_weight().saturating_mul(deadlines.len() as u64));

        let attempts = Self::assign_from_queue(n, T::MaxAssignmentsPerBlock::get());
        weight.saturating_accrue(Self::assignment_attempt_weight().saturating_mul(attempts.into()));
        weight
    }

    /// `on_idle`: one more assignment round for the jobs queued during this block, with as
    /// many attempts as fit in `remaining` (at most `MaxAssignmentsPerBlock`). Returns the
    /// weight used.
    pub(crate) fn assign_when_idle(n: BlockNumberFor<T>, remaining: Weight) -> Weight {
        let read_queue = T::DbWeight::get().reads(1);
        let per_attempt = Self::assignment_attempt_weight();
        let Some(left) = remaining.checked_sub(&read_queue) else {
            return Weight::zero();
        };
        let fit = |left: u64, each: u64| left.checked_div(each).unwrap_or(u64::MAX);
        let affordable = fit(left.ref_time(), per_attempt.ref_time())
            .min(fit(left.proof_size(), per_attempt.proof_size()))
            .min(T::MaxAssignmentsPerBlock::get().into()) as u32;
        if affordable == 0 || Queue::<T>::decode_len().unwrap_or(0) == 0 {
            return read_queue;
        }
        let attempts = Self::assign_from_queue(n, affordable);
        read_queue.saturating_add(per_attempt.saturating_mul(attempts.into()))
    }

    /// Expire job `id` at block `n` if it is not terminal yet: refund, and note the miner
    /// late (slashing it) if it held the job and had its whole window
    /// ([`Self::had_full_window`]); a miner that did not is released without penalty.
    pub(crate) fn expire(id: JobId, n: BlockNumberFor<T>) {
        let Some(mut job) = Jobs::<T>::get(id) else {
            return;
        };
        if job.status.is_terminal() {
            return;
        }
        Self::expire_round(&job, n);
        if let (Some(miner), JobStatus::Assigned | JobStatus::Running) = (&job.miner, job.status) {
            let outcome = if Self::had_full_window(&job, n) {
                JobOutcome::Late
            } else {
                JobOutcome::Released
            };
            T::Miners::note_outcome(miner, outcome);
        }
        if Self::end(&mut job, JobStatus::Expired).is_ok() {
            Jobs::<T>::insert(id, job);
            Self::deposit_event(Event::JobExpired { job_id: id });
        }
    }

    /// Index the end of job `id`'s run window at the first block from `at` (within
    /// `EXPIRY_SEARCH` blocks) with room in [`AckDeadlines`]; returns that block.
    pub(crate) fn schedule_run_deadline(
        id: JobId,
        at: BlockNumberFor<T>,
    ) -> Result<BlockNumberFor<T>, sp_runtime::DispatchError> {
        let mut block = at;
        for _ in 0..EXPIRY_SEARCH {
            if AckDeadlines::<T>::try_mutate(block, |ids| ids.try_push(id)).is_ok() {
                return Ok(block);
            }
            block = block.saturating_add(One::one());
        }
        Err(Error::<T>::DeadlineScheduleFull.into())
    }

    /// Handle job `id`'s deadline at block `n`: if it is still `Assigned` with that
    /// acknowledgement deadline, or still `Running` with that end of its run window
    /// ([`Config::JobRules`]), note the miner late (slashing it), exclude it, and queue the job
    /// again (or fail it when it cannot be).
    pub(crate) fn ack_missed(id: JobId, n: BlockNumberFor<T>) {
        if crate::Rounds::<T>::contains_key(id) {
            return Self::round_deadline(id, n);
        }
        let Some(mut job) = Jobs::<T>::get(id) else {
            return;
        };
        let running = job.status == JobStatus::Running;
        if !(running || job.status == JobStatus::Assigned) || job.ack_deadline != Some(n) {
            return;
        }
        let Some(miner) = job.miner.take() else {
            return;
        };
        let slashed = T::Miners::note_outcome(&miner, JobOutcome::Late);
        JobsByMiner::<T>::remove(&miner, id);
        Self::deposit_event(if running {
            Event::RunWindowMissed {
                job_id: id,
                miner: miner.clone(),
                slashed,
            }
        } else {
            Event::AckMissed {
                job_id: id,
                miner: miner.clone(),
                slashed,
            }
        });
        job.ack_deadline = None;
        job.unit_price = Default::default();
        let cause = if job.excluded.try_push(miner).is_err() {
            Some(FailureCause::NoMinerAcknowledged)
        } else if Queue::<T>::try_mutate(|q| q.try_push(id)).is_err() {
            Some(FailureCause::QueueFull)
        } else {
            None
        };
        match cause {
            None => {
                Self::set_status(&mut job, JobStatus::Queued);
                Self::deposit_event(Event::JobQueued { job_id: id });
            }
            Some(cause) => {
                if Self::end(&mut job, JobStatus::Failed).is_err() {
                    return;
                }
                Self::deposit_event(Event::JobFailed { job_id: id, cause });
            }
        }
        Jobs::<T>::insert(id, job);
    }

    /// Offer up to `limit` (at most `MaxAssignmentsPerBlock`) jobs from the head of the queue to
    /// the registry. Assigned jobs leave the queue; the others go to its back. Returns the
    /// attempts made.
    pub(crate) fn assign_from_queue(n: BlockNumberFor<T>, limit: u32) -> u32 {
        let mut queue = Queue::<T>::get();
        let take = (limit.min(T::MaxAssignmentsPerBlock::get()) as usize).min(queue.len());
        if take == 0 {
            return 0;
        }
        // A redundant job's assignment picks `k` miners: it counts `k` attempts (the first job
        // of the round is always tried, so a redundant job at the head cannot starve).
        let mut attempts = 0u32;
        let mut head: alloc::vec::Vec<JobId> = alloc::vec::Vec::with_capacity(take);
        for id in queue.iter().take(take) {
            let cost = crate::Rounds::<T>::get(id).map_or(1, |r| u32::from(r.spec.k.max(1)));
            if attempts.saturating_add(cost) > take as u32 && !head.is_empty() {
                break;
            }
            attempts = attempts.saturating_add(cost);
            head.push(*id);
        }
        let mut rest: alloc::vec::Vec<JobId> = queue.iter().skip(head.len()).copied().collect();
        // At least one block: a deadline at `n` itself would never be processed (AckTimeout may
        // be a governed parameter, so do not rely on `integrity_test` alone).
        let timeout = T::AckTimeout::get().max(One::one());
        let deadline = n.saturating_add(timeout);
        for id in &head {
            if !Self::try_assign(*id, deadline) {
                rest.push(*id);
            }
        }
        rest.retain(|id| Jobs::<T>::get(id).is_some_and(|j| j.status == JobStatus::Queued));
        queue.clear();
        for id in rest {
            // Never more than before: cannot fail.
            let _ = queue.try_push(id);
        }
        Queue::<T>::put(queue);
        attempts
    }

    /// Try to assign queued job `id`; `true` if it is no longer waiting (assigned or gone).
    fn try_assign(id: JobId, deadline: BlockNumberFor<T>) -> bool {
        let Some(mut job) = Jobs::<T>::get(id) else {
            return true;
        };
        if job.status != JobStatus::Queued {
            return true;
        }
        if crate::Rounds::<T>::contains_key(id) {
            let n = deadline.saturating_sub(T::AckTimeout::get().max(One::one()));
            return Self::try_assign_round(job, n);
        }
        // A miner must get its whole acknowledgement window and then its whole run window
        // before the TTL ends; a job too close to its end waits (and expires, refunded) rather
        // than hand a miner a deadline it cannot meet.
        if deadline.saturating_add(T::MinRunWindow::get().max(One::one())) > job.expires_at {
            return false;
        }
        if !T::Miners::serves(&job.model) {
            // Nobody serves the model. The job waits one acknowledgement window for a miner to
            // register (a client may well submit just before its miner comes online); after
            // that it fails, refunded, rather than hold a queue slot and an assignment attempt
            // every round until its TTL.
            let window = T::AckTimeout::get().max(One::one());
            let now = deadline.saturating_sub(window);
            if now < job.status_since.saturating_add(window) {
                return false;
            }
            if Self::end(&mut job, JobStatus::Failed).is_ok() {
                Jobs::<T>::insert(id, job);
                Self::deposit_event(Event::JobFailed {
                    job_id: id,
                    cause: FailureCause::NoMinerServesModel,
                });
            }
            return true;
        }
        let chosen = match &job.provider {
            // The client asked for this miner: it alone may take the job. While it is only
            // offline or busy the job waits for it; when it cannot take the job at all (or
            // missed its deadline for it) the job fails, refunded, saying why.
            Some(provider) => {
                let check = if job.excluded.contains(provider) {
                    Err(aitbc_primitives::Ineligibility::MissedDeadline)
                } else {
                    T::Miners::check_provider(provider, &job.model, &job.requirements, job.budget)
                };
                match check {
                    Ok(price) => Some((provider.clone(), price)),
                    Err(reason) if reason.is_transient() => None,
                    Err(reason) => {
                        let provider = provider.clone();
                        if Self::end(&mut job, JobStatus::Failed).is_ok() {
                            Jobs::<T>::insert(id, job);
                            Self::deposit_event(Event::ProviderIneligible {
                                job_id: id,
                                provider,
                                reason,
                            });
                            Self::deposit_event(Event::JobFailed {
                                job_id: id,
                                cause: FailureCause::ProviderIneligible(reason),
                            });
                        }
                        return true;
                    }
                }
            }
            None => {
                T::Miners::select_miner(&job.model, &job.requirements, job.budget, &job.excluded)
            }
        };
        let Some((miner, unit_price)) = chosen else {
            return false;
        };
        if AckDeadlines::<T>::try_mutate(deadline, |ids| ids.try_push(id)).is_err() {
            return false;
        }
        T::Miners::note_assigned(&miner);
        JobsByMiner::<T>::insert(&miner, id, ());
        job.miner = Some(miner.clone());
        job.unit_price = unit_price;
        job.ack_deadline = Some(deadline);
        Self::set_status(&mut job, JobStatus::Assigned);
        Jobs::<T>::insert(id, job);
        Self::deposit_event(Event::JobAssigned {
            job_id: id,
            miner,
            unit_price,
            ack_deadline: deadline,
        });
        true
    }
}
