//! How tasks move once coordinated: the jobs pallet tells this pallet of its jobs' ends
//! ([`JobObserver`]), which only queues them; `on_initialize` works through the queue: it
//! records each ended job's outcome (and again when its round settles), fails or completes the
//! task, and submits the jobs that wait (shards waiting for a free job slot, the reduce job).

use aitbc_primitives::{
    JobId, JobObserver, JobStatus, MinerStake, ParticipantState, RedundantJobs, Round, RoundPhase,
};
use frame_support::{traits::Get, weights::Weight, BoundedVec};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::Zero, Saturating};

use crate::{
    tasks::NotSubmitted, BalanceOf, Config, DisputeSummary, Event, JobParts, Lane, Pallet, Part,
    PartOutcome, Parts, TaskFailure, TaskId, TaskInputs, TaskOf, TaskStatus, Tasks, WeightInfo,
    Work, WorkEnds, WorkQueue, MAX_SHARDS,
};

impl<T: Config> JobObserver for Pallet<T> {
    fn job_ended(job: JobId, _status: JobStatus) {
        Self::note_job(job);
    }

    fn round_settled(job: JobId) {
        Self::note_job(job);
    }

    fn weight() -> Weight {
        T::WeightInfo::note_job()
    }
}

impl<T: Config> Pallet<T> {
    /// A task's job ended or its round settled: queue it (once) for `on_initialize`. Two reads,
    /// three writes at most; nothing for jobs that are no task's.
    pub(crate) fn note_job(job: JobId) {
        JobParts::<T>::mutate(job, |r| {
            if let Some(r) = r.as_mut().filter(|r| !r.queued) {
                r.queued = true;
                Self::push(Work::Ended(job));
            }
        });
    }

    /// Append `work` to its lane of the work queue.
    fn push(work: Work) {
        let lane = work.lane();
        WorkEnds::<T>::mutate(lane, |(_, tail)| {
            WorkQueue::<T>::insert(lane, *tail, work);
            *tail = tail.saturating_add(1);
        });
    }

    /// How many items wait in `lane`.
    pub fn queued(lane: Lane) -> u64 {
        let (head, tail) = WorkEnds::<T>::get(lane);
        tail.saturating_sub(head)
    }

    /// Queue `task` to have its waiting jobs submitted (once).
    pub(crate) fn enqueue_task(task_id: TaskId, task: &mut TaskOf<T>) {
        if !task.queued {
            task.queued = true;
            Self::push(Work::Advance(task_id));
        }
    }

    /// The most `on_initialize` can cost: every item the costliest kind, every submission a
    /// reduce job over the most shards.
    pub fn worst_block_weight() -> Weight {
        let item = T::WeightInfo::record_end().max(T::WeightInfo::advance());
        let submission =
            Self::submission_weight().saturating_add(T::WeightInfo::reduce(MAX_SHARDS));
        T::WeightInfo::on_initialize_base()
            .saturating_add(item.saturating_mul(T::MaxWorkPerBlock::get().into()))
            .saturating_add(submission.saturating_mul(T::MaxSubmissionsPerBlock::get().into()))
    }

    /// `on_initialize`: process at most `MaxWorkPerBlock` items, the recorded ends first (at
    /// most three quarters of them while tasks wait, so that waiting tasks are never starved),
    /// submitting at most `MaxSubmissionsPerBlock` jobs (a task queued again waits for the
    /// next block). Returns the weight used.
    pub(crate) fn process_work() -> Weight {
        let mut weight = T::WeightInfo::on_initialize_base();
        let max = T::MaxWorkPerBlock::get();
        let mut items = 0u32;
        let mut submissions = T::MaxSubmissionsPerBlock::get();
        for lane in [Lane::Ended, Lane::Waiting] {
            let (start, stop) = WorkEnds::<T>::get(lane);
            let cap = if lane == Lane::Ended && Self::queued(Lane::Waiting) > 0 {
                max.saturating_sub(max / 4).max(1)
            } else {
                max
            };
            let mut head = start;
            while head < stop && items < cap {
                let work = WorkQueue::<T>::take(lane, head);
                head = head.saturating_add(1);
                items += 1;
                match work {
                    Some(Work::Ended(job)) => weight.saturating_accrue(Self::record_end(job)),
                    Some(Work::Advance(task)) => {
                        weight.saturating_accrue(Self::advance(task, &mut submissions))
                    }
                    None => {}
                }
            }
            if head != start {
                WorkEnds::<T>::mutate(lane, |ends| ends.0 = head);
            }
        }
        weight
    }

    /// Record what became of task job `job`: its outcome, and its task's next step when this
    /// is the first time its end is recorded.
    pub(crate) fn record_end(job: JobId) -> Weight {
        let weight = T::WeightInfo::record_end();
        let Some(mut jref) = JobParts::<T>::get(job) else {
            return weight;
        };
        jref.queued = false;
        let Some(mut task) = Tasks::<T>::get(jref.task) else {
            JobParts::<T>::remove(job);
            return weight;
        };
        let task_id = jref.task;
        let status = T::Jobs::status(job);
        if status.is_some_and(|s| !s.is_terminal()) {
            // The round settled before the job ended (a failing round): its end comes next.
            JobParts::<T>::insert(job, jref);
            return weight;
        }
        let mut record = Parts::<T>::get(task_id, jref.part);
        let first = record.as_ref().is_none_or(|r| r.outcome.is_none());
        let (settled, agreed) = match (status, record.as_mut()) {
            (Some(s), Some(record)) => {
                let outcome = Self::outcome_of(s, T::Jobs::round(job).as_ref());
                let seen = (outcome.settled, outcome.agreed);
                record.outcome = Some(outcome);
                Parts::<T>::insert(task_id, jref.part, record.clone());
                Self::deposit_event(Event::PartRecorded {
                    task_id,
                    part: jref.part,
                    job_id: job,
                    status: s,
                    settled: seen.0,
                });
                seen
            }
            // Pruned before its end was recorded, or its record is gone: nothing more to learn.
            _ => (true, None),
        };
        if settled {
            JobParts::<T>::remove(job);
            task.open_jobs = task.open_jobs.saturating_sub(1);
        } else {
            JobParts::<T>::insert(job, jref.clone());
        }
        if first {
            Self::apply_end(task_id, &mut task, jref.part, job, status, agreed);
        }
        Tasks::<T>::insert(task_id, task);
        weight
    }

    /// A task's job ended (first record): count a completed shard and queue the reduce job
    /// when it was the last; complete the task with its final job; fail it otherwise.
    fn apply_end(
        task_id: TaskId,
        task: &mut TaskOf<T>,
        part: Part,
        job: JobId,
        status: Option<JobStatus>,
        agreed: Option<sp_core::H256>,
    ) {
        if task.status.is_ended() {
            return;
        }
        match (part, status) {
            (Part::Shard(_), Some(JobStatus::Completed)) => {
                task.completed = task.completed.saturating_add(1);
                if task.completed >= task.shards {
                    Self::enqueue_task(task_id, task);
                }
            }
            (Part::Final, Some(JobStatus::Completed)) => {
                Self::return_budget(task_id, task);
                Self::set_task_status(task, TaskStatus::Completed);
                Self::deposit_event(Event::TaskCompleted {
                    task_id,
                    job_id: job,
                    result_hash: agreed,
                });
            }
            (Part::Shard(shard), Some(status)) => {
                Self::fail_task(task_id, task, TaskFailure::ShardJobEnded { shard, status })
            }
            (Part::Final, Some(status)) => {
                Self::fail_task(task_id, task, TaskFailure::FinalJobEnded { status })
            }
            (part, None) => Self::fail_task(task_id, task, TaskFailure::JobPruned { part }),
        }
    }

    /// Fail `task` with `failure`: what it still holds returns to its owner; no more jobs are
    /// submitted (the ones running end by themselves, each refunding its own budget).
    pub(crate) fn fail_task(task_id: TaskId, task: &mut TaskOf<T>, failure: TaskFailure) {
        Self::return_budget(task_id, task);
        Self::set_task_status(task, TaskStatus::Failed(failure.clone()));
        Self::deposit_event(Event::TaskFailed { task_id, failure });
    }

    /// Submit what task `task_id` has waiting, within `submissions` (decreased by what was
    /// submitted); queue it again when it must wait.
    pub(crate) fn advance(task_id: TaskId, submissions: &mut u32) -> Weight {
        let mut weight = T::WeightInfo::advance();
        let Some(mut task) = Tasks::<T>::get(task_id) else {
            return weight;
        };
        task.queued = false;
        if task.status == TaskStatus::Mapping && task.submitted < task.shards {
            let input = TaskInputs::<T>::get(task_id).unwrap_or_default();
            let (n, stop) = Self::submit_shards(task_id, &mut task, &input, *submissions);
            *submissions = submissions.saturating_sub(n);
            weight.saturating_accrue(Self::submission_weight().saturating_mul(n.into()));
            match stop {
                None => {}
                Some(NotSubmitted::Wait(_)) => Self::enqueue_task(task_id, &mut task),
                Some(NotSubmitted::Fail(f)) => Self::fail_task(task_id, &mut task, f),
            }
        } else if task.status == TaskStatus::Mapping && task.completed >= task.shards {
            if *submissions == 0 || T::Jobs::open_slots(&task.owner) == 0 {
                Self::enqueue_task(task_id, &mut task);
            } else {
                weight.saturating_accrue(T::WeightInfo::reduce(task.shards.into()));
                weight.saturating_accrue(Self::submission_weight());
                *submissions = submissions.saturating_sub(1);
                let submitted = match Self::reduce_prompt(task_id, &task) {
                    Ok(prompt) => Self::submit_part(task_id, &mut task, Part::Final, prompt, None),
                    Err(f) => Err(NotSubmitted::Fail(f)),
                };
                match submitted {
                    Ok(_) => Self::set_task_status(&mut task, TaskStatus::Reducing),
                    Err(NotSubmitted::Wait(_)) => Self::enqueue_task(task_id, &mut task),
                    Err(NotSubmitted::Fail(f)) => Self::fail_task(task_id, &mut task, f),
                }
            }
        }
        Tasks::<T>::insert(task_id, task);
        weight
    }

    /// What a job's round says: agreement, participants and their stake, payments, disputes
    /// and the margins the agreeing miners reported.
    pub(crate) fn outcome_of(
        status: JobStatus,
        round: Option<&Round<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>>,
    ) -> PartOutcome<BalanceOf<T>> {
        let mut o = PartOutcome {
            status,
            settled: true,
            agreed: None,
            participants: 0,
            revealed: 0,
            agreeing: 0,
            replaced: 0,
            agreeing_stake: Zero::zero(),
            participant_stake: Zero::zero(),
            paid: Zero::zero(),
            disputes: BoundedVec::new(),
            dispute_open: false,
            min_margin_milli: None,
            margins_reported: 0,
        };
        let Some(r) = round else {
            return o;
        };
        o.settled = r.phase == RoundPhase::Settled;
        o.agreed = r.agreed;
        o.dispute_open = r.dispute.is_some();
        for p in &r.participants {
            if p.state == ParticipantState::MissedCommit {
                o.replaced = o.replaced.saturating_add(1);
                continue;
            }
            let stake = T::Stakes::stake_of(&p.miner);
            o.participants = o.participants.saturating_add(1);
            o.participant_stake = o.participant_stake.saturating_add(stake);
            if p.state == ParticipantState::Revealed {
                o.revealed = o.revealed.saturating_add(1);
            }
            if r.agreed.is_some_and(|a| p.revealed(&a)) {
                o.agreeing = o.agreeing.saturating_add(1);
                o.agreeing_stake = o.agreeing_stake.saturating_add(stake);
                o.paid = o.paid.saturating_add(p.paid);
                if let Some(m) = p.min_margin_milli {
                    o.min_margin_milli = Some(o.min_margin_milli.map_or(m, |x| x.min(m)));
                    o.margins_reported = o.margins_reported.saturating_add(1);
                }
            }
        }
        o.disputes = BoundedVec::truncate_from(
            r.settled
                .iter()
                .map(|d| DisputeSummary {
                    outcome: d.outcome,
                    margin_a_milli: d.finding.map(|f| f.margin_a()),
                    margin_b_milli: d.finding.map(|f| f.margin_b()),
                })
                .collect(),
        );
        o
    }
}
