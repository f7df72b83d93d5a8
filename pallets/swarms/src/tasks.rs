//! Creating, coordinating and feeding tasks: the checks, the plan, and every job submission
//! (with the budget moving from this pallet's hold to the job's escrow).

use aitbc_primitives::{
    AgentRuns as _, GenerationOptions, JobId, JobInput, JobType, Payout, ProfileDirectory, Prompt,
    Redundancy, RedundantJobSpec, RedundantJobs, Requirements, SystemPrompt, MAX_PROMPT_BYTES,
    MAX_PROMPT_CHARS, MAX_SYSTEM_PROMPT_BYTES, MAX_SYSTEM_PROMPT_CHARS,
};
use alloc::vec::Vec;
use frame_support::{
    ensure,
    traits::{fungible::MutateHold, tokens::Precision, Contains, Get},
    weights::Weight,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::Zero, DispatchError, SaturatedConversion, Saturating};

use crate::{
    sharding, BalanceOf, Config, Error, Event, HoldReason, JobParts, JobRef, NextTaskId, Pallet,
    Part, PartRecord, Parts, Plan, Strategy, TaskFailure, TaskId, TaskInput, TaskInputs, TaskOf,
    TaskStatus, Tasks, TasksByOwner, WeightInfo, MAX_SHARDS,
};

/// Why a job could not be submitted now.
pub enum NotSubmitted {
    /// Not now: no free job slot (`None`), or the jobs pallet is busy (its queue or expiry
    /// schedule is full: its error). The task waits.
    Wait(Option<DispatchError>),
    /// Never: the task fails with this.
    Fail(TaskFailure),
}

impl<T: Config> Pallet<T> {
    /// `create_task` (its arguments as the call takes them). Returns the task's id.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn do_create_task(
        owner: T::AccountId,
        task_type: crate::TaskType,
        profile: sp_core::H256,
        input: TaskInput,
        instruction: Option<SystemPrompt>,
        budget: BalanceOf<T>,
        ttl: BlockNumberFor<T>,
        agent: Option<crate::AgentId>,
    ) -> Result<TaskId, DispatchError> {
        ensure!(
            crate::valid_task_type(&task_type),
            Error::<T>::InvalidTaskType
        );
        let facts = T::Profiles::profile(&profile).ok_or(Error::<T>::UnknownProfile)?;
        if let Some(agent) = agent {
            let model = T::Agents::agent_model(agent).ok_or(Error::<T>::UnknownAgent)?;
            ensure!(model == facts.model, Error::<T>::AgentModelMismatch);
            ensure!(
                Self::agent_input(instruction.as_ref(), &input).is_some(),
                Error::<T>::InputTooLongForAgent
            );
        }
        let text = core::str::from_utf8(&input).map_err(|_| Error::<T>::InputNotUtf8)?;
        let paragraphs = sharding::paragraphs(text).len();
        ensure!(paragraphs > 0, Error::<T>::EmptyInput);
        if let Some(i) = &instruction {
            ensure!(!i.is_empty(), Error::<T>::EmptyInstruction);
            let s = core::str::from_utf8(i).map_err(|_| Error::<T>::InstructionNotUtf8)?;
            ensure!(
                s.chars().count() <= MAX_SYSTEM_PROMPT_CHARS as usize,
                Error::<T>::InstructionTooLong
            );
        }
        ensure!(
            !ttl.is_zero() && ttl <= T::Jobs::max_ttl(),
            Error::<T>::InvalidTtl
        );
        let min_ttl = T::Jobs::min_ttl();
        ensure!(
            ttl >= min_ttl,
            Error::<T>::TtlTooShort {
                min_ttl: Self::u16_of(min_ttl)
            }
        );
        ensure!(!budget.is_zero(), Error::<T>::ZeroBudget);
        let bytes = input.len() + instruction.as_ref().map_or(0, |i| i.len());
        let deposit = T::TaskDepositBase::get()
            .saturating_add(T::DepositPerByte::get().saturating_mul(bytes.saturated_into()));
        ensure!(
            Self::can_hold(&owner, budget.saturating_add(deposit)),
            Error::<T>::InsufficientBalance
        );
        Self::hold(&owner, HoldReason::TaskBudget, budget)?;
        Self::hold(&owner, HoldReason::TaskDeposit, deposit)?;
        let now = frame_system::Pallet::<T>::block_number();
        let id = NextTaskId::<T>::get();
        NextTaskId::<T>::put(id.saturating_add(1));
        let deadline = now.saturating_add(ttl);
        let task = TaskOf::<T> {
            owner: owner.clone(),
            task_type: task_type.clone(),
            profile,
            model: facts.model,
            instruction,
            input_chars: text.chars().count() as u32,
            paragraphs: paragraphs as u32,
            budget,
            held: budget,
            deposit,
            created_at: now,
            deadline,
            status: TaskStatus::Created,
            status_since: now,
            plan: None,
            shards: 0,
            submitted: 0,
            completed: 0,
            open_jobs: 0,
            final_job: None,
            queued: false,
        };
        Tasks::<T>::insert(id, task);
        TaskInputs::<T>::insert(id, input);
        if let Some(agent) = agent {
            crate::TaskAgents::<T>::insert(id, agent);
        }
        TasksByOwner::<T>::insert(&owner, id, ());
        Self::deposit_event(Event::TaskCreated {
            task_id: id,
            owner,
            task_type,
            profile,
            budget,
            deadline,
        });
        Ok(id)
    }

    /// An agent task's run input: the instruction, a blank line and the input, when that fits
    /// an agent run's input.
    pub(crate) fn agent_input(instruction: Option<&SystemPrompt>, input: &[u8]) -> Option<Prompt> {
        let mut text = alloc::vec::Vec::new();
        if let Some(i) = instruction {
            text.extend_from_slice(i);
            text.extend_from_slice(b"\n\n");
        }
        text.extend_from_slice(input);
        if text.len() > aitbc_primitives::MAX_STEP_TEXT_BYTES as usize {
            return None;
        }
        text.try_into().ok()
    }

    /// `coordinate`'s declared weight: the plan for `strategy` (the redundant strategy counts
    /// as one shard) and every one of its first jobs submitted (the actual weight counts the
    /// jobs submitted).
    pub fn coordinate_weight(strategy: &Strategy) -> Weight {
        let jobs = Self::planned_shards(*strategy);
        T::WeightInfo::coordinate(jobs)
            .saturating_add(Self::submission_weight().saturating_mul(jobs.into()))
    }

    /// `coordinate`'s weight with `submitted` jobs submitted.
    pub(crate) fn coordinate_actual_weight(strategy: Strategy, submitted: u32) -> Weight {
        T::WeightInfo::coordinate(Self::planned_shards(strategy))
            .saturating_add(Self::submission_weight().saturating_mul(submitted.into()))
    }

    /// The shards `strategy` plans, for weight (1 for the redundant strategy's one job).
    fn planned_shards(strategy: Strategy) -> u32 {
        match strategy {
            Strategy::MapReduce { shards } => u32::from(shards).clamp(1, MAX_SHARDS),
            Strategy::Redundant => 1,
        }
    }

    /// One job submission: this pallet's part and the jobs pallet's, at the largest prompt
    /// and system prompt.
    pub fn submission_weight() -> Weight {
        T::WeightInfo::submit_part().saturating_add(
            T::Jobs::submit_weight(MAX_PROMPT_BYTES + MAX_SYSTEM_PROMPT_BYTES).max(
                T::Agents::submit_weight(aitbc_primitives::MAX_STEP_TEXT_BYTES),
            ),
        )
    }

    /// `coordinate`: check, plan, record the parts, submit the first jobs. Returns how many
    /// jobs were submitted.
    pub(crate) fn do_coordinate(
        owner: T::AccountId,
        task_id: TaskId,
        strategy: Strategy,
        k: u8,
        quorum: u8,
    ) -> Result<u32, DispatchError> {
        if crate::TaskAgents::<T>::contains_key(task_id) {
            ensure!(
                strategy == Strategy::Redundant,
                Error::<T>::AgentTaskRunsWhole
            );
        }
        let (mut task, input) = Self::plan_task(owner, task_id, strategy, k, quorum)?;
        let n = u32::from(task.shards);
        let submitted =
            match strategy {
                Strategy::MapReduce { .. } => {
                    Self::set_task_status(&mut task, TaskStatus::Mapping);
                    match Self::submit_shards(task_id, &mut task, &input, n) {
                        (count, None) => count,
                        // Refused outright: the call fails and nothing of it stays.
                        (_, Some(NotSubmitted::Fail(f))) => return Err(Self::failure_error(f)),
                        (0, Some(NotSubmitted::Wait(why))) => {
                            return Err(why.unwrap_or_else(|| Error::<T>::NoJobSlot.into()))
                        }
                        (count, Some(NotSubmitted::Wait(_))) => count,
                    }
                }
                Strategy::Redundant => {
                    Self::set_task_status(&mut task, TaskStatus::Running);
                    let prompt: Prompt = input.to_vec().try_into().map_err(|_| {
                        Error::<T>::InputTooLongForOneJob {
                            chars: Self::u16_of(task.input_chars),
                        }
                    })?;
                    match Self::submit_part(task_id, &mut task, Part::Final, prompt, None) {
                        Ok(_) => 1,
                        Err(NotSubmitted::Fail(f)) => return Err(Self::failure_error(f)),
                        Err(NotSubmitted::Wait(why)) => {
                            return Err(why.unwrap_or_else(|| Error::<T>::NoJobSlot.into()))
                        }
                    }
                }
            };
        if task.submitted < task.shards {
            Self::enqueue_task(task_id, &mut task);
        }
        Tasks::<T>::insert(task_id, task);
        Ok(submitted)
    }

    /// `coordinate`'s checks and plan: the shards, each job's budget and token limit, the
    /// parts recorded (no job submitted yet). Returns the task (not yet stored again) and its
    /// input.
    pub(crate) fn plan_task(
        owner: T::AccountId,
        task_id: TaskId,
        strategy: Strategy,
        k: u8,
        quorum: u8,
    ) -> Result<(TaskOf<T>, TaskInput), DispatchError> {
        let mut task = Tasks::<T>::get(task_id).ok_or(Error::<T>::UnknownTask)?;
        ensure!(task.owner == owner, Error::<T>::NotTaskOwner);
        ensure!(!task.status.is_ended(), Error::<T>::TaskEnded);
        ensure!(
            task.status == TaskStatus::Created,
            Error::<T>::AlreadyCoordinated
        );
        let redundancy = Redundancy {
            k,
            quorum,
            payout: Payout::Each,
            profile: task.profile,
        };
        ensure!(redundancy.is_valid(), Error::<T>::InvalidRedundancy);
        let input = TaskInputs::<T>::get(task_id).unwrap_or_default();
        let text = core::str::from_utf8(&input).map_err(|_| Error::<T>::InputNotUtf8)?;
        let min_ttl = T::Jobs::min_ttl();
        // The parts to record: (range, chars) of each shard; the final job has none yet.
        let (shards, needed): (Vec<sharding::Shard>, BlockNumberFor<T>) = match strategy {
            Strategy::MapReduce { shards: n } => {
                ensure!(
                    n >= 1 && u32::from(n) <= MAX_SHARDS,
                    Error::<T>::InvalidShardCount
                );
                let paragraphs = sharding::paragraphs(text);
                let shards =
                    sharding::shards(&paragraphs, n.into()).ok_or(Error::<T>::TooManyShards {
                        paragraphs: Self::u16_of(paragraphs.len() as u32),
                    })?;
                for (i, s) in shards.iter().enumerate() {
                    ensure!(
                        s.chars <= MAX_PROMPT_CHARS as usize,
                        Error::<T>::ShardTooLong {
                            shard: i as u8,
                            chars: Self::u16_of(s.chars as u32),
                        }
                    );
                }
                (shards, min_ttl.saturating_add(min_ttl))
            }
            Strategy::Redundant => {
                ensure!(
                    task.input_chars <= MAX_PROMPT_CHARS,
                    Error::<T>::InputTooLongForOneJob {
                        chars: Self::u16_of(task.input_chars)
                    }
                );
                (Vec::new(), min_ttl)
            }
        };
        ensure!(
            Self::blocks_left(&task) >= needed,
            Error::<T>::DeadlineTooClose {
                needed: Self::u16_of(needed)
            }
        );
        let agent = crate::TaskAgents::<T>::get(task_id);
        let members = match agent {
            Some(agent) => Self::members_running(&task.task_type, &task.profile, agent),
            None => Self::members_with(&task.task_type, &task.profile),
        };
        let eligible = members
            .iter()
            .filter(|m| T::Miners::contains(m) && T::Profiles::runs(m, &task.profile))
            .count();
        ensure!(
            eligible >= usize::from(k),
            Error::<T>::NotEnoughMembers {
                members: eligible.min(u8::MAX.into()) as u8
            }
        );
        let jobs = shards.len() as u32 + 1;
        let jobs = if strategy == Strategy::Redundant {
            1
        } else {
            jobs
        };
        let job_budget = task.budget / BalanceOf::<T>::from(jobs);
        ensure!(
            job_budget >= T::Jobs::least_budget(JobType::Inference, k),
            Error::<T>::BudgetTooSmall
        );
        ensure!(T::Jobs::open_slots(&owner) > 0, Error::<T>::NoJobSlot);
        let n = shards.len();
        let share = sharding::share_chars(n);
        task.plan = Some(Plan {
            strategy,
            redundancy,
            job_budget,
            share_chars: if n > 0 { share } else { 0 },
            shard_max_tokens: if n > 0 {
                sharding::shard_max_tokens(n)
            } else {
                0
            },
        });
        task.shards = n as u8;
        for (i, s) in shards.iter().enumerate() {
            Parts::<T>::insert(
                task_id,
                Part::Shard(i as u8),
                PartRecord {
                    range: (s.start as u32, s.end as u32),
                    chars: s.chars as u32,
                    job: None,
                    budget: job_budget,
                    cut: false,
                    outcome: None,
                },
            );
        }
        Parts::<T>::insert(
            task_id,
            Part::Final,
            PartRecord {
                range: (0, 0),
                chars: if strategy == Strategy::Redundant {
                    task.input_chars
                } else {
                    0
                },
                job: None,
                budget: job_budget,
                cut: false,
                outcome: None,
            },
        );
        Self::deposit_event(Event::TaskCoordinated {
            task_id,
            strategy,
            k,
            quorum: redundancy.effective_quorum(),
            job_budget,
        });
        Ok((task, input))
    }

    /// The dispatch error of a failure met while coordinating (the call fails with it).
    fn failure_error(f: TaskFailure) -> DispatchError {
        match f {
            TaskFailure::SubmissionRefused(e) => e,
            TaskFailure::NotEnoughMembers { members } => {
                Error::<T>::NotEnoughMembers { members }.into()
            }
            TaskFailure::OutOfTime => Error::<T>::DeadlineTooClose {
                needed: Self::u16_of(T::Jobs::min_ttl()),
            }
            .into(),
            // A part recorded a moment ago is missing: cannot happen; say so rather than guess.
            TaskFailure::ShardOutputMissing { .. }
            | TaskFailure::ShardJobEnded { .. }
            | TaskFailure::FinalJobEnded { .. }
            | TaskFailure::JobPruned { .. } => {
                DispatchError::Other("swarms: a task part is missing")
            }
        }
    }

    /// Submit the task's next shard jobs, at most `limit`. Returns how many were submitted,
    /// and why it stopped before the last shard (`None`: every shard is submitted).
    pub(crate) fn submit_shards(
        task_id: TaskId,
        task: &mut TaskOf<T>,
        input: &[u8],
        limit: u32,
    ) -> (u32, Option<NotSubmitted>) {
        let mut count = 0u32;
        while task.submitted < task.shards {
            if count >= limit {
                return (count, Some(NotSubmitted::Wait(None)));
            }
            let i = task.submitted;
            let Some(record) = Parts::<T>::get(task_id, Part::Shard(i)) else {
                return (
                    count,
                    Some(NotSubmitted::Fail(TaskFailure::ShardOutputMissing {
                        shard: i,
                    })),
                );
            };
            let (a, b) = (record.range.0 as usize, record.range.1 as usize);
            let prompt: Option<Prompt> = input.get(a..b).and_then(|s| s.to_vec().try_into().ok());
            let Some(prompt) = prompt else {
                return (
                    count,
                    Some(NotSubmitted::Fail(TaskFailure::ShardOutputMissing {
                        shard: i,
                    })),
                );
            };
            let max_tokens = task.plan.as_ref().map(|p| p.shard_max_tokens);
            match Self::submit_part(task_id, task, Part::Shard(i), prompt, max_tokens) {
                Ok(_) => {
                    task.submitted = task.submitted.saturating_add(1);
                    count += 1;
                }
                Err(e) => return (count, Some(e)),
            }
        }
        (count, None)
    }

    /// Submit part `part` of the task with `prompt`: check the time left, a free job slot and
    /// the members; move its budget from this pallet's hold to the job's escrow and submit, in
    /// one storage transaction (nothing stays of a refused submission).
    pub(crate) fn submit_part(
        task_id: TaskId,
        task: &mut TaskOf<T>,
        part: Part,
        prompt: Prompt,
        max_tokens: Option<u32>,
    ) -> Result<JobId, NotSubmitted> {
        use frame_support::storage::{with_transaction, TransactionOutcome};
        let plan = task
            .plan
            .clone()
            .ok_or(NotSubmitted::Fail(TaskFailure::OutOfTime))?;
        let min_ttl = T::Jobs::min_ttl();
        let left = Self::blocks_left(task);
        // A shard leaves the reduce job its least TTL.
        let reserve = match part {
            Part::Shard(_) => min_ttl,
            Part::Final => Zero::zero(),
        };
        let ttl = left.saturating_sub(reserve).min(T::Jobs::max_ttl());
        if ttl < min_ttl {
            return Err(NotSubmitted::Fail(TaskFailure::OutOfTime));
        }
        if T::Jobs::open_slots(&task.owner) == 0 {
            return Err(NotSubmitted::Wait(None));
        }
        let agent = crate::TaskAgents::<T>::get(task_id);
        let members = match agent {
            Some(agent) => Self::members_running(&task.task_type, &task.profile, agent),
            None => Self::members_with(&task.task_type, &task.profile),
        };
        if members.len() < usize::from(plan.redundancy.k) {
            return Err(NotSubmitted::Fail(TaskFailure::NotEnoughMembers {
                members: members.len() as u8,
            }));
        }
        let mut record = Parts::<T>::get(task_id, part).unwrap_or(PartRecord {
            range: (0, 0),
            chars: 0,
            job: None,
            budget: plan.job_budget,
            cut: false,
            outcome: None,
        });
        let budget = record.budget.min(task.held);
        let chars = core::str::from_utf8(&prompt).map_or(0, |s| s.chars().count()) as u32;
        let prompt_bytes = prompt.to_vec();
        let spec = RedundantJobSpec {
            owner: task.owner.clone(),
            job_type: JobType::Inference,
            model: task.model.clone(),
            input: JobInput::Prompt(prompt),
            budget,
            ttl,
            requirements: Requirements::default(),
            options: GenerationOptions {
                max_tokens,
                system: task.instruction.clone(),
                ..Default::default()
            },
            redundancy: plan.redundancy,
            members: Some(members),
        };
        let owner = task.owner.clone();
        let submitted = with_transaction(|| {
            let released = T::Currency::release(
                &HoldReason::TaskBudget.into(),
                &owner,
                budget,
                Precision::Exact,
            );
            let result = released.and_then(|_| match agent {
                // The whole task as one run of its agent (`agent_input` fitted at creation).
                Some(agent) => {
                    let input = Self::agent_input(spec.options.system.as_ref(), &prompt_bytes)
                        .ok_or(Error::<T>::InputTooLongForAgent)?;
                    T::Agents::submit_run(
                        spec.owner.clone(),
                        agent,
                        input,
                        spec.budget,
                        spec.ttl,
                        spec.redundancy,
                        spec.members.clone(),
                    )
                }
                None => T::Jobs::submit(spec.clone()),
            });
            match result {
                Ok(id) => TransactionOutcome::Commit(Ok(id)),
                Err(e) => TransactionOutcome::Rollback(Err(e)),
            }
        });
        let job = match submitted {
            Ok(job) => job,
            Err(e) if T::Jobs::is_busy(&e) => return Err(NotSubmitted::Wait(Some(e))),
            Err(e) => return Err(NotSubmitted::Fail(TaskFailure::SubmissionRefused(e))),
        };
        task.held = task.held.saturating_sub(budget);
        task.open_jobs = task.open_jobs.saturating_add(1);
        record.job = Some(job);
        record.budget = budget;
        if part == Part::Final {
            record.chars = chars;
            task.final_job = Some(job);
        }
        Parts::<T>::insert(task_id, part, record);
        JobParts::<T>::insert(
            job,
            JobRef {
                task: task_id,
                part,
                queued: false,
            },
        );
        Self::deposit_event(Event::PartSubmitted {
            task_id,
            part,
            job_id: job,
        });
        Ok(job)
    }

    /// The reduce prompt of a map-reduce task whose shards all completed, from their agreed
    /// outputs (each cut to the plan's share); records which were cut.
    pub(crate) fn reduce_prompt(task_id: TaskId, task: &TaskOf<T>) -> Result<Prompt, TaskFailure> {
        let share = task.plan.as_ref().map_or(0, |p| p.share_chars);
        let mut outputs = Vec::with_capacity(task.shards.into());
        let mut records = Vec::with_capacity(task.shards.into());
        for i in 0..task.shards {
            let record = Parts::<T>::get(task_id, Part::Shard(i))
                .ok_or(TaskFailure::ShardOutputMissing { shard: i })?;
            let output = record
                .job
                .and_then(T::Jobs::output)
                .ok_or(TaskFailure::ShardOutputMissing { shard: i })?;
            outputs.push(output);
            records.push(record);
        }
        let slices: Vec<&[u8]> = outputs.iter().map(|o| &o[..]).collect();
        let (prompt, cut) = sharding::reduce_prompt(&slices, share);
        for (i, (mut record, cut)) in records.into_iter().zip(cut).enumerate() {
            if cut {
                record.cut = true;
                Parts::<T>::insert(task_id, Part::Shard(i as u8), record);
            }
        }
        // At most MAX_PROMPT_CHARS characters (`sharding::share_chars`), each at most four
        // bytes: it fits MAX_PROMPT_BYTES, nothing is truncated.
        Ok(Prompt::truncate_from(prompt.into_bytes()))
    }
}
