//! Agent runs: submission as a job, the recorded trace, the result rule the jobs pallet asks
//! for, the run's end and its pruning.

use aitbc_primitives::{
    check_trace, trace_root, trace_seed, AgentId, AgentRun, GenerationOptions, JobId, JobInput,
    JobObserver, JobRules, JobStatus, JobType, Metrics, ParticipantState, PlainJobSpec, PlainJobs,
    Prompt, Redundancy, RedundantJobSpec, RedundantJobs, Round, RoundMembers, RunData, RunEnd,
    RunStatus, Trace, TraceError,
};
use codec::Encode;
use frame_support::{ensure, traits::Get, weights::Weight};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_core::H256;
use sp_runtime::{traits::One, DispatchError, DispatchResult, Saturating};

use crate::{
    BalanceOf, Config, Error, Event, HoldReason, Pallet, Prunes, RoundTrace, RoundTraces, RunInput,
    RunInputs, Runs, Traces, Versions, WeightInfo,
};

/// How many blocks after the due one a prune may be scheduled at, when that block is full.
const PRUNE_SEARCH: u32 = 16;

/// Most traces a redundant run can have: its `k` participants and their replacements.
const MAX_ROUND_TRACES: u64 =
    (aitbc_primitives::MAX_REDUNDANCY + aitbc_primitives::MAX_EXCLUDED_MINERS) as u64;

impl<T: Config> Pallet<T> {
    /// What a redundant run adds to ending or pruning it: its round's traces read (and one
    /// copied, when ending) or removed.
    pub(crate) fn round_traces_weight() -> Weight {
        T::DbWeight::get().reads_writes(1 + MAX_ROUND_TRACES, 1 + MAX_ROUND_TRACES)
    }
}

impl<T: Config> Pallet<T> {
    /// The hash a run's trace is seeded with: of the SCALE encoding of `(input, data)`.
    pub fn input_hash(input: &Prompt, data: &Option<RunData>) -> H256 {
        aitbc_primitives::blake2(&(input, data).encode())
    }

    /// `execute`: returns the run's job id.
    pub(crate) fn do_execute(
        owner: T::AccountId,
        agent_id: AgentId,
        input: Prompt,
        data: Option<RunData>,
        payment: BalanceOf<T>,
        ttl: BlockNumberFor<T>,
    ) -> Result<JobId, DispatchError> {
        Self::do_execute_as(owner, agent_id, input, data, payment, ttl, None, None)
    }

    /// `execute` (`redundancy` `None`) or `execute_redundant` (its participants chosen among
    /// `members` when given: a swarm's pool): returns the run's job id.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn do_execute_as(
        owner: T::AccountId,
        agent_id: AgentId,
        input: Prompt,
        data: Option<RunData>,
        payment: BalanceOf<T>,
        ttl: BlockNumberFor<T>,
        redundancy: Option<Redundancy>,
        members: Option<RoundMembers<T::AccountId>>,
    ) -> Result<JobId, DispatchError> {
        let mut agent = crate::Agents::<T>::get(agent_id).ok_or(Error::<T>::UnknownAgent)?;
        let version = agent.latest;
        let mut record = Versions::<T>::get(agent_id, version).ok_or(Error::<T>::UnknownVersion)?;
        let text_ok = core::str::from_utf8(&input).is_ok_and(|t| !t.trim().is_empty());
        ensure!(text_ok, Error::<T>::BadInput);
        ensure!(
            input.len() <= aitbc_primitives::MAX_STEP_TEXT_BYTES as usize,
            Error::<T>::StepTooLong
        );
        ensure!(
            payment >= T::Jobs::least_budget(JobType::Agent),
            Error::<T>::PaymentTooLow
        );
        let budget = payment.min(record.spec.price_cap);
        let data_len = data.as_ref().map_or(0, |d| d.len() as u32);
        let deposit = T::DepositPerByte::get().saturating_mul(data_len.into());
        Self::hold(&owner, HoldReason::RunData, deposit)?;
        let options = GenerationOptions {
            max_tokens: Some(record.spec.limits.max_tokens),
            ..Default::default()
        };
        let job_id = match redundancy {
            None => T::Jobs::submit(PlainJobSpec {
                owner: owner.clone(),
                job_type: JobType::Agent,
                model: record.spec.model.clone(),
                input: JobInput::Prompt(input.clone()),
                budget,
                ttl,
                options,
            })?,
            Some(redundancy) => T::Redundant::submit(RedundantJobSpec {
                owner: owner.clone(),
                job_type: JobType::Agent,
                model: record.spec.model.clone(),
                input: JobInput::Prompt(input.clone()),
                budget,
                ttl,
                requirements: Default::default(),
                options,
                redundancy,
                members,
            })?,
        };
        let input_hash = Self::input_hash(&input, &data);
        let seed = trace_seed(job_id, agent_id, version, &record.config_hash, &input_hash);
        Runs::<T>::insert(
            job_id,
            AgentRun {
                agent: agent_id,
                version,
                owner: owner.clone(),
                input_hash,
                seed,
                status: RunStatus::Pending,
                miner: None,
                submitted_at: frame_system::Pallet::<T>::block_number(),
                trace_root: None,
                end: None,
                steps: 0,
                tool_calls: 0,
                tokens: 0,
                millis: 0,
            },
        );
        RunInputs::<T>::insert(
            job_id,
            RunInput {
                input,
                data,
                depositor: owner.clone(),
                deposit,
            },
        );
        record.open_runs = record.open_runs.saturating_add(1);
        Versions::<T>::insert(agent_id, version, record);
        agent.open_runs = agent.open_runs.saturating_add(1);
        agent.total_runs = agent.total_runs.saturating_add(1);
        crate::Agents::<T>::insert(agent_id, agent);
        Self::deposit_event(Event::RunSubmitted {
            job_id,
            agent_id,
            version,
            owner,
            budget,
        });
        Ok(job_id)
    }

    /// `record_trace`.
    pub(crate) fn do_record_trace(
        miner: T::AccountId,
        job_id: JobId,
        steps: Trace,
        end: RunEnd,
    ) -> DispatchResult {
        let mut run = Runs::<T>::get(job_id).ok_or(Error::<T>::UnknownRun)?;
        if let Some(round) = T::Redundant::round(job_id) {
            return Self::record_round_trace(&run, &round, miner, job_id, steps, end);
        }
        let (status, assigned) = T::Jobs::status(job_id).ok_or(Error::<T>::UnknownRun)?;
        ensure!(assigned.as_ref() == Some(&miner), Error::<T>::NotRunMiner);
        ensure!(status == JobStatus::Running, Error::<T>::RunNotRunning);
        ensure!(
            !(run.status == RunStatus::Traced && run.miner.as_ref() == Some(&miner)),
            Error::<T>::AlreadyTraced
        );
        let root = Self::checked_root(&run, &steps, end)?;
        Self::note_trace(&mut run, miner.clone(), root, end, &steps);
        Runs::<T>::insert(job_id, run);
        Traces::<T>::insert(job_id, steps.clone());
        Self::deposit_event(Event::TraceRecorded {
            job_id,
            miner,
            root,
            steps: steps.len() as u32,
            end,
        });
        Ok(())
    }

    /// The root of `steps` for `run`, once they pass the run's version's limits and tools.
    fn checked_root(
        run: &crate::RunOf<T>,
        steps: &Trace,
        end: RunEnd,
    ) -> Result<H256, DispatchError> {
        let record =
            Versions::<T>::get(run.agent, run.version).ok_or(Error::<T>::UnknownVersion)?;
        check_trace(steps, end, &record.spec.limits, &record.spec.tools)
            .map_err(Error::<T>::from)?;
        Ok(trace_root(run.seed, steps.iter()))
    }

    /// `record_trace` by a participant of a redundant run, before it reveals.
    fn record_round_trace(
        run: &crate::RunOf<T>,
        round: &Round<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>,
        miner: T::AccountId,
        job_id: JobId,
        steps: Trace,
        end: RunEnd,
    ) -> DispatchResult {
        let taking_part = round.participants.iter().any(|p| {
            p.miner == miner
                && p.is_active()
                && matches!(
                    p.state,
                    ParticipantState::Assigned | ParticipantState::Committed
                )
        });
        ensure!(taking_part, Error::<T>::NotRoundParticipant);
        ensure!(
            !RoundTraces::<T>::contains_key(job_id, &miner),
            Error::<T>::AlreadyTraced
        );
        let root = Self::checked_root(run, &steps, end)?;
        let count = steps.len() as u32;
        RoundTraces::<T>::insert(job_id, &miner, RoundTrace { root, end, steps });
        Self::deposit_event(Event::TraceRecorded {
            job_id,
            miner,
            root,
            steps: count,
            end,
        });
        Ok(())
    }

    /// A completed redundant run takes the trace of a participant whose answer is the job's
    /// output (the quorum's).
    fn adopt_agreed_trace(job: JobId, run: &mut crate::RunOf<T>) {
        let Some(output) = T::Redundant::output(job) else {
            return;
        };
        let agreed = aitbc_primitives::blake2(&output);
        let found = RoundTraces::<T>::iter_prefix(job).find(|(_, t)| {
            t.steps
                .last()
                .is_some_and(|s| aitbc_primitives::blake2(&s.content) == agreed)
        });
        let Some((miner, t)) = found else {
            return;
        };
        Self::note_trace(run, miner, t.root, t.end, &t.steps);
        Traces::<T>::insert(job, t.steps);
    }

    /// Write a recorded trace's summary into `run`.
    fn note_trace(
        run: &mut crate::RunOf<T>,
        miner: T::AccountId,
        root: H256,
        end: RunEnd,
        steps: &Trace,
    ) {
        run.status = RunStatus::Traced;
        run.miner = Some(miner);
        run.trace_root = Some(root);
        run.end = Some(end);
        run.steps = steps.len() as u32;
        run.tool_calls = steps
            .iter()
            .filter(|s| s.tool_call.as_ref().is_some_and(|c| c.ran))
            .count() as u32;
        run.tokens = steps.iter().fold(0u32, |n, s| n.saturating_add(s.tokens));
        run.millis = steps
            .iter()
            .fold(0u64, |n, s| n.saturating_add(u64::from(s.millis)));
    }

    /// The run of job `job` ended with `status`: close it, release its version when nothing
    /// else pins it, and schedule its pruning.
    pub(crate) fn run_ended(job: JobId, status: JobStatus) {
        let Some(mut run) = Runs::<T>::get(job) else {
            return;
        };
        if matches!(run.status, RunStatus::Completed | RunStatus::Ended) {
            return;
        }
        let completed = status == JobStatus::Completed;
        if completed && run.status != RunStatus::Traced {
            Self::adopt_agreed_trace(job, &mut run);
        }
        run.status = if completed {
            RunStatus::Completed
        } else {
            RunStatus::Ended
        };
        let (agent_id, version) = (run.agent, run.version);
        Runs::<T>::insert(job, run);
        Versions::<T>::mutate(agent_id, version, |r| {
            if let Some(r) = r {
                r.open_runs = r.open_runs.saturating_sub(1);
            }
        });
        if let Some(mut agent) = crate::Agents::<T>::get(agent_id) {
            agent.open_runs = agent.open_runs.saturating_sub(1);
            crate::Agents::<T>::insert(agent_id, &agent);
            Self::remove_version_if_unused(&agent, agent_id, version);
        }
        let due = frame_system::Pallet::<T>::block_number()
            .saturating_add(T::RunRetention::get().max(One::one()));
        let mut at = due;
        for _ in 0..PRUNE_SEARCH {
            if Prunes::<T>::try_mutate(at, |ids| ids.try_push(job)).is_ok() {
                break;
            }
            at = at.saturating_add(One::one());
        }
        // A run whose prune found no room stays stored (it is bounded); nothing is lost.
        Self::deposit_event(Event::RunEnded {
            job_id: job,
            completed,
        });
    }

    /// `on_initialize`: prune the runs due at `n`. Returns the weight used.
    pub(crate) fn prune_due(n: BlockNumberFor<T>) -> Weight {
        let due = Prunes::<T>::take(n);
        for job in &due {
            Runs::<T>::remove(job);
            Traces::<T>::remove(job);
            // At most k participants and their replacements: bounded.
            let _ = RoundTraces::<T>::clear_prefix(job, u32::MAX, None);
            if let Some(input) = RunInputs::<T>::take(job) {
                Self::release(&input.depositor, HoldReason::RunData, input.deposit);
            }
            Self::deposit_event(Event::RunPruned { job_id: *job });
        }
        T::WeightInfo::on_initialize_base().saturating_add(
            T::WeightInfo::prune_run()
                .saturating_add(Self::round_traces_weight())
                .saturating_mul(due.len() as u64),
        )
    }
}

impl<T: Config> From<TraceError> for Error<T> {
    fn from(e: TraceError) -> Self {
        match e {
            TraceError::Empty => Error::<T>::EmptyTrace,
            TraceError::TooManySteps => Error::<T>::TooManySteps,
            TraceError::TooManyTokens => Error::<T>::TooManyTokens,
            TraceError::TooManyToolCalls => Error::<T>::TooManyToolCalls,
            TraceError::MisplacedEnd => Error::<T>::MisplacedEnd,
            TraceError::MalformedStep => Error::<T>::MalformedStep,
            TraceError::ToolNotAllowed => Error::<T>::ToolNotAllowed,
            TraceError::EndMismatch => Error::<T>::EndMismatch,
        }
    }
}

/// The jobs pallet asks this of agent runs: the run window is the version's deadline, and the
/// result must be the trace's.
impl<T: Config> JobRules<T::AccountId> for Pallet<T> {
    fn run_window(job: JobId) -> Option<u32> {
        let run = Runs::<T>::get(job)?;
        Versions::<T>::get(run.agent, run.version).map(|r| r.spec.limits.deadline_blocks)
    }

    fn check_result(
        job: JobId,
        miner: &T::AccountId,
        output_hash: &H256,
        metrics: &Metrics,
    ) -> Result<(), DispatchError> {
        let Some(run) = Runs::<T>::get(job) else {
            return Ok(());
        };
        if T::Redundant::round(job).is_some() {
            // A participant of a redundant run reveals the answer of the trace it recorded.
            let t = RoundTraces::<T>::get(job, miner).ok_or(Error::<T>::TraceNotRecorded)?;
            let last = t.steps.last().ok_or(Error::<T>::TraceNotRecorded)?;
            ensure!(
                aitbc_primitives::blake2(&last.content) == *output_hash,
                Error::<T>::ResultNotTraced
            );
            let millis = t
                .steps
                .iter()
                .fold(0u64, |n, s| n.saturating_add(u64::from(s.millis)));
            let tokens = t.steps.iter().fold(0u32, |n, s| n.saturating_add(s.tokens));
            ensure!(
                metrics.compute_ms == millis && metrics.output_tokens == tokens,
                Error::<T>::MetricsNotTraced
            );
            return Ok(());
        }
        ensure!(
            run.status == RunStatus::Traced && run.miner.as_ref() == Some(miner),
            Error::<T>::TraceNotRecorded
        );
        let last = Traces::<T>::get(job)
            .and_then(|t| t.last().cloned())
            .ok_or(Error::<T>::TraceNotRecorded)?;
        ensure!(
            aitbc_primitives::blake2(&last.content) == *output_hash,
            Error::<T>::ResultNotTraced
        );
        ensure!(
            metrics.compute_ms == run.millis && metrics.output_tokens == run.tokens,
            Error::<T>::MetricsNotTraced
        );
        Ok(())
    }

    fn weight() -> Weight {
        T::WeightInfo::check_result()
    }
}

/// Told by the jobs pallet when a run's job ends.
impl<T: Config> JobObserver for Pallet<T> {
    fn job_ended(job: JobId, status: JobStatus) {
        Self::run_ended(job, status);
    }

    fn round_settled(_: JobId) {}

    fn weight() -> Weight {
        T::WeightInfo::run_ended().saturating_add(Self::round_traces_weight())
    }
}

/// The swarms pallet's tasks run by a pool of agents: exact-mode runs among the pool.
impl<T: Config> aitbc_primitives::AgentRuns<T::AccountId, BalanceOf<T>, BlockNumberFor<T>>
    for Pallet<T>
{
    fn agent_model(agent: AgentId) -> Option<aitbc_primitives::ModelName> {
        let a = crate::Agents::<T>::get(agent)?;
        Versions::<T>::get(agent, a.latest).map(|r| r.spec.model)
    }

    fn submit_run(
        owner: T::AccountId,
        agent: AgentId,
        input: Prompt,
        budget: BalanceOf<T>,
        ttl: BlockNumberFor<T>,
        redundancy: Redundancy,
        members: Option<RoundMembers<T::AccountId>>,
    ) -> Result<JobId, DispatchError> {
        Self::do_execute_as(
            owner,
            agent,
            input,
            None,
            budget,
            ttl,
            Some(redundancy),
            members,
        )
    }

    fn submit_weight(input_bytes: u32) -> Weight {
        T::WeightInfo::execute(input_bytes, 0)
            .saturating_add(T::Redundant::submit_weight(input_bytes))
    }

    fn setup_agent(model: &aitbc_primitives::ModelName) -> AgentId {
        use codec::Decode;
        let id = crate::NextAgentId::<T>::get();
        crate::NextAgentId::<T>::put(id.saturating_add(1));
        let now = frame_system::Pallet::<T>::block_number();
        let config: aitbc_primitives::AgentConfig = b"{}".to_vec().try_into().unwrap_or_default();
        let spec = aitbc_primitives::AgentSpec {
            name: b"bench".to_vec().try_into().unwrap_or_default(),
            kind: aitbc_primitives::AgentKind::Assistant,
            config: config.clone(),
            model: model.clone(),
            profile: None,
            tools: Default::default(),
            limits: aitbc_primitives::AgentLimits {
                max_steps: 4,
                max_tokens: 256,
                max_tool_calls: 2,
                deadline_blocks: 10,
            },
            price_cap: <BalanceOf<T> as sp_runtime::traits::Bounded>::max_value(),
        };
        Versions::<T>::insert(
            id,
            1,
            crate::VersionRecord {
                spec,
                config_hash: aitbc_primitives::blake2(&config),
                deposit: Default::default(),
                stored_at: now,
                open_runs: 0,
            },
        );
        let nobody = T::AccountId::decode(&mut sp_runtime::traits::TrailingZeroInput::zeroes())
            .expect("infinite input decodes");
        crate::Agents::<T>::insert(
            id,
            crate::Agent {
                owner: nobody,
                latest: 1,
                created_at: now,
                updated_at: now,
                open_runs: 0,
                total_runs: 0,
            },
        );
        id
    }
}
