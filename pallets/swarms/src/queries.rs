//! Read-only helpers behind the swarms runtime API (`SwarmsApi`). Some walk maps, so they are
//! for off-chain queries (runtime API calls), never for block execution.

use aitbc_primitives::{JobStatus, RedundantJobs, MAX_PAGE};
use alloc::vec::Vec;
use sp_runtime::{traits::Zero, Perbill, Saturating};

use crate::{
    outcome_index, BalanceOf, Config, Consensus, ConsensusTotals, MemberOf, Memberships, Pallet,
    Part, PartProgress, Parts, PoolSummary, Pools, SwarmRules, TaskId, TaskInput, TaskInputs,
    TaskOf, TaskProgress, TaskType, Tasks, TasksByOwner,
};
use frame_system::pallet_prelude::BlockNumberFor;

impl<T: Config> Pallet<T> {
    /// Pools in storage order: skip `start`, at most `limit` (capped at `MAX_PAGE`).
    pub fn pools(start: u32, limit: u32) -> Vec<PoolSummary> {
        Pools::<T>::iter()
            .skip(start as usize)
            .take(limit.min(MAX_PAGE) as usize)
            .map(|(task_type, pool)| PoolSummary {
                task_type,
                members: pool.len() as u32,
            })
            .collect()
    }

    /// The members of `task_type`'s pool, in joining order.
    pub fn members(task_type: &TaskType) -> Vec<MemberOf<T>> {
        Pools::<T>::get(task_type).into_inner()
    }

    /// The pools `miner` is a member of, with its membership in each.
    pub fn memberships(miner: &T::AccountId) -> Vec<(TaskType, MemberOf<T>)> {
        Memberships::<T>::get(miner)
            .into_iter()
            .filter_map(|t| {
                let m = Pools::<T>::get(&t)
                    .into_iter()
                    .find(|m| m.miner == *miner)?;
                Some((t, m))
            })
            .collect()
    }

    /// One task.
    pub fn task(id: TaskId) -> Option<TaskOf<T>> {
        Tasks::<T>::get(id)
    }

    /// A task's input.
    pub fn task_input(id: TaskId) -> Option<TaskInput> {
        TaskInputs::<T>::get(id)
    }

    /// What the jobs pallet allows `owner`'s task jobs now.
    pub fn rules(owner: &T::AccountId) -> SwarmRules<BalanceOf<T>, BlockNumberFor<T>> {
        SwarmRules {
            min_job_ttl: T::Jobs::min_ttl(),
            max_job_ttl: T::Jobs::max_ttl(),
            min_payment: T::Jobs::least_budget(aitbc_primitives::JobType::Inference, 1),
            open_slots: T::Jobs::open_slots(owner),
        }
    }

    /// A page of an owner's tasks (ids `>= from`, ascending, at most `limit` capped at
    /// `MAX_PAGE`).
    pub fn tasks_by_owner(
        owner: &T::AccountId,
        from: TaskId,
        limit: u32,
    ) -> Vec<(TaskId, TaskOf<T>)> {
        let mut ids: Vec<TaskId> = TasksByOwner::<T>::iter_key_prefix(owner)
            .filter(|id| *id >= from)
            .collect();
        ids.sort_unstable();
        ids.into_iter()
            .take(limit.min(MAX_PAGE) as usize)
            .filter_map(|id| Tasks::<T>::get(id).map(|t| (id, t)))
            .collect()
    }

    /// The parts of a task in order: its shards, then the final job.
    fn part_keys(task: &TaskOf<T>) -> impl Iterator<Item = Part> {
        (0..task.shards)
            .map(Part::Shard)
            .chain(core::iter::once(Part::Final))
    }

    /// A task's progress: every part with its job's live status, and the shard counts.
    pub fn progress(
        id: TaskId,
    ) -> Option<
        TaskProgress<T::AccountId, BalanceOf<T>, frame_system::pallet_prelude::BlockNumberFor<T>>,
    > {
        let task = Tasks::<T>::get(id)?;
        let mut parts = Vec::new();
        let (mut done, mut agreeing, mut disputed) = (0u8, 0u8, 0u8);
        for part in Self::part_keys(&task) {
            let Some(record) = Parts::<T>::get(id, part) else {
                continue;
            };
            let job_status = record.job.and_then(T::Jobs::status);
            let round = record.job.and_then(T::Jobs::round);
            let disputes = round.as_ref().map_or_else(
                || {
                    record
                        .outcome
                        .as_ref()
                        .map_or(0, |o| o.disputes.len() + usize::from(o.dispute_open))
                },
                |r| r.settled.len() + usize::from(r.dispute.is_some()),
            ) as u8;
            if let Part::Shard(_) = part {
                let status = job_status.or(record.outcome.as_ref().map(|o| o.status));
                if status.is_some_and(|s| s.is_terminal()) {
                    done += 1;
                }
                let agreed = round
                    .as_ref()
                    .map(|r| r.agreed.is_some())
                    .or(record.outcome.as_ref().map(|o| o.agreed.is_some()))
                    .unwrap_or(false);
                if agreed && status == Some(JobStatus::Completed) {
                    agreeing += 1;
                }
                if disputes > 0 {
                    disputed += 1;
                }
            }
            parts.push(PartProgress {
                part,
                record,
                job_status,
                phase: round.map(|r| r.phase),
                disputes,
            });
        }
        Some(TaskProgress {
            task,
            parts,
            shards_done: done,
            shards_agreeing: agreeing,
            shards_disputed: disputed,
        })
    }

    /// A task's agreed result (its final job's, while the jobs pallet keeps it) and the
    /// confidence metrics over the outcomes recorded of its jobs.
    pub fn consensus(id: TaskId) -> Option<Consensus<BalanceOf<T>>> {
        let task = Tasks::<T>::get(id)?;
        let mut totals = ConsensusTotals::<BalanceOf<T>>::default();
        let mut parts = Vec::new();
        let mut result_hash = None;
        for part in Self::part_keys(&task) {
            let Some(record) = Parts::<T>::get(id, part) else {
                continue;
            };
            if let Some(o) = &record.outcome {
                totals.jobs += 1;
                if o.agreed.is_some() && o.status == JobStatus::Completed {
                    totals.jobs_agreed += 1;
                }
                if o.settled {
                    totals.jobs_settled += 1;
                }
                totals.participants += u32::from(o.participants);
                totals.agreeing += u32::from(o.agreeing);
                totals.agreeing_stake = totals.agreeing_stake.saturating_add(o.agreeing_stake);
                totals.participant_stake =
                    totals.participant_stake.saturating_add(o.participant_stake);
                totals.paid = totals.paid.saturating_add(o.paid);
                for d in &o.disputes {
                    totals.disputes[outcome_index(d.outcome)] += 1;
                }
                if let Some(m) = o.min_margin_milli {
                    totals.min_margin_milli = Some(totals.min_margin_milli.map_or(m, |x| x.min(m)));
                }
                totals.margins_reported += u32::from(o.margins_reported);
                if part == Part::Final && o.status == JobStatus::Completed {
                    result_hash = o.agreed;
                }
            }
            parts.push((part, record.job, record.outcome));
        }
        totals.stake_share = (!totals.participant_stake.is_zero())
            .then(|| Perbill::from_rational(totals.agreeing_stake, totals.participant_stake));
        let output = match (task.status.clone(), task.final_job) {
            (crate::TaskStatus::Completed, Some(job)) => T::Jobs::output(job),
            _ => None,
        };
        Some(Consensus {
            status: task.status,
            final_job: task.final_job,
            result_hash,
            output,
            parts,
            totals,
        })
    }
}
