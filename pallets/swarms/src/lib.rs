//! # AITBC swarms pallet
//!
//! Agent swarms: miners put their agents into a **pool** per task type; a client's **task** is
//! run by a pool's members as redundant (k-of-n) jobs of the jobs pallet, either split into
//! shards (map-reduce) or whole (redundant), and its agreed result comes with confidence
//! metrics taken from the jobs' rounds.
//!
//! ## Pools
//! - [`Pallet::join`]: an active miner ([`Config::Miners`]) puts an agent into the pool of a
//!   task type, with an execution profile it has declared ([`Config::Profiles`]). The agent is
//!   a registered agent of the agents pallet ([`Config::Agents`]) whose model is the profile's;
//!   several miners may join with the same agent (a swarm of its instances). At most
//!   [`MAX_MEMBERS`] per pool, [`MAX_MEMBERSHIPS`] pools per miner.
//! - [`Pallet::leave`]: a member leaves (also once it is no longer an active miner).
//! - [`Pallet::prune_member`]: anyone removes a member that is no longer an active miner or no
//!   longer declares the profile it joined with, so that it does not hold a place.
//!
//! Membership needs no deposit: only active miners join (each holds the miners pallet's
//! minimum stake), and a miner holds at most [`MAX_MEMBERSHIPS`] places.
//!
//! ## Tasks
//! - [`Pallet::create_task`]: the input (UTF-8, at most [`MAX_TASK_INPUT_BYTES`]), an optional
//!   instruction (every job's system prompt), the profile, the budget for all its jobs and a
//!   TTL. The budget is held ([`HoldReason::TaskBudget`]) and a storage deposit
//!   ([`HoldReason::TaskDeposit`], [`Config::TaskDepositBase`] + [`Config::DepositPerByte`] ×
//!   input and instruction bytes) until the task is removed. The task's **deadline** is
//!   creation + TTL: no job is submitted that could outlive it.
//! - [`Pallet::coordinate`] (owner, once): the strategy, `k` and the quorum.
//!   - **Map-reduce** splits the input into `shards` on blank lines ([`sharding`]; refused when
//!     there are fewer paragraphs, or when a shard would exceed the job prompt limit). Each
//!     shard is a redundant job; when all completed, the **reduce job** gets a prompt that asks
//!     to combine the shards' agreed outputs, given in shard order, each cut to its share of
//!     the prompt limit (each shard job's token limit is sized to that share).
//!   - **Redundant** runs the whole input (at most the prompt limit) as one redundant job.
//!   - An **agent task** (created with an agent) runs whole as one exact-mode k-of-n run of that
//!     agent ([`aitbc_primitives::AgentRuns`]), among the members that joined with it and the
//!     task's profile: its instruction and input are the run's input (at most the agents
//!     pallet's step text limit), and every participant records its trace.
//!
//!   Every job is the jobs pallet's redundant job ([`aitbc_primitives::RedundantJobs`]): owned
//!   by the task's owner, paid each ([`aitbc_primitives::Payout::Each`]), on the task's profile,
//!   restricted to the pool's members that joined with that profile (when the job is
//!   submitted). Its budget is the task's budget divided by its number of jobs; the rest of
//!   the division stays held until the task ends. Shard jobs get the time left before the
//!   deadline less the reduce job's least TTL.
//! - **Job slots.** The jobs count against the owner's open jobs (the jobs pallet's
//!   `MaxOpenJobsPerClient`): `coordinate` submits as many as the owner has free slots, and the
//!   rest wait in the work queue, submitted as slots free (at most
//!   [`Config::MaxSubmissionsPerBlock`] a block).
//! - **The end.** A shard's or the final job's end is told by the jobs pallet
//!   ([`aitbc_primitives::JobObserver`]); this pallet only queues it and records it in
//!   `on_initialize`: the part's outcome (status, agreed output, participants, agreeing miners
//!   and their stake, disputes, the smallest logit margin reported) is taken from the job's
//!   round then, and again when the round settles. A shard that does not complete fails the
//!   task; the final job's completion completes it. Either way what is still held returns to
//!   the owner; each job refunds its own unused budget.
//! - [`Pallet::cancel_task`] (owner, before `coordinate`) returns the budget;
//!   [`Pallet::remove_task`] (owner, once it ended and every job's end is recorded) removes it
//!   and returns the deposit.
//!
//! ## Bounded work
//! `on_initialize` processes at most [`Config::MaxWorkPerBlock`] items of the work queue (the
//! recorded ends first, at most three quarters of them while tasks wait) and submits at most
//! [`Config::MaxSubmissionsPerBlock`] jobs; a task that cannot submit yet (no free slot, a
//! busy jobs pallet) goes to the back of its lane. The job observer does two reads and three
//! writes. A task has at most [`MAX_SHARDS`] + 1 jobs.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod progress;
pub mod queries;
pub mod sharding;
pub mod tasks;
#[cfg(test)]
mod tests;
pub mod types;
pub mod weights;

pub use types::*;
pub use weights::WeightInfo;

use frame_support::traits::fungible;
use frame_system::pallet_prelude::BlockNumberFor;

/// Balance type of the configured currency.
pub type BalanceOf<T> =
    <<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A stored task.
pub type TaskOf<T> = Task<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
/// A pool member.
pub type MemberOf<T> = Member<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;
/// A task type's pool.
pub type PoolOf<T> = Pool<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

// `create_task` takes a task's fields as call arguments (as every client sees them); the code
// FRAME generates from them has as many.
#[allow(clippy::too_many_arguments)]
#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use crate::types::Member;
    use aitbc_primitives::{MinerStake, ProfileDirectory, RedundantJobs, SystemPrompt};
    use alloc::vec::Vec;
    use frame_support::{
        pallet_prelude::*,
        traits::{
            fungible::{Inspect, MutateHold},
            tokens::{Fortitude, Precision, Preservation},
            Contains,
        },
    };
    use frame_system::pallet_prelude::*;
    use sp_core::H256;
    use sp_runtime::{traits::Zero, SaturatedConversion, Saturating};

    /// The in-code storage version.
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    /// Why this pallet holds funds.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// What a task's jobs have not taken of its budget yet.
        #[codec(index = 0)]
        TaskBudget,
        /// A task's storage deposit, held until the task is removed.
        #[codec(index = 1)]
        TaskDeposit,
    }

    /// Configuration.
    #[pallet::config]
    pub trait Config: frame_system::Config {
        /// The agents pallet: the members' agents, and agent tasks' runs.
        type Agents: aitbc_primitives::AgentRuns<
            Self::AccountId,
            BalanceOf<Self>,
            BlockNumberFor<Self>,
        >;
        /// The overarching event type.
        #[allow(deprecated)]
        type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;
        /// The currency budgets and deposits are held in.
        type Currency: Inspect<Self::AccountId>
            + MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
        /// The overarching hold reason.
        type RuntimeHoldReason: From<HoldReason>;
        /// The active miners: only they join pools.
        type Miners: Contains<Self::AccountId>;
        /// Miners' stakes, for the agreeing stake share.
        type Stakes: MinerStake<Self::AccountId, BalanceOf<Self>>;
        /// Execution profiles: which exist, and which miners declared them.
        type Profiles: ProfileDirectory<Self::AccountId>;
        /// The jobs pallet's redundant jobs.
        type Jobs: RedundantJobs<Self::AccountId, BalanceOf<Self>, BlockNumberFor<Self>>;
        /// Deposit held for a task's records (its jobs' parts), besides its bytes.
        #[pallet::constant]
        type TaskDepositBase: Get<BalanceOf<Self>>;
        /// Deposit held per byte of a task's input and instruction.
        #[pallet::constant]
        type DepositPerByte: Get<BalanceOf<Self>>;
        /// Most work-queue items `on_initialize` processes in a block.
        #[pallet::constant]
        type MaxWorkPerBlock: Get<u32>;
        /// Most jobs `on_initialize` submits in a block.
        #[pallet::constant]
        type MaxSubmissionsPerBlock: Get<u32>;
        /// Weights of this pallet's calls and hooks.
        type WeightInfo: WeightInfo;
    }

    /// Each task type's pool.
    #[pallet::storage]
    pub type Pools<T: Config> = StorageMap<_, Blake2_128Concat, TaskType, PoolOf<T>, ValueQuery>;

    /// The task types each miner is a member of.
    #[pallet::storage]
    pub type Memberships<T: Config> = StorageMap<
        _,
        Blake2_128Concat,
        T::AccountId,
        BoundedVec<TaskType, ConstU32<MAX_MEMBERSHIPS>>,
        ValueQuery,
    >;

    /// The next task's id.
    #[pallet::storage]
    pub type NextTaskId<T: Config> = StorageValue<_, TaskId, ValueQuery>;

    /// Tasks by id.
    #[pallet::storage]
    pub type Tasks<T: Config> = StorageMap<_, Twox64Concat, TaskId, TaskOf<T>>;

    /// The agent of each agent task (created with one): its jobs are that agent's runs.
    #[pallet::storage]
    pub type TaskAgents<T: Config> = StorageMap<_, Twox64Concat, TaskId, AgentId>;

    /// Each task's input.
    #[pallet::storage]
    pub type TaskInputs<T: Config> = StorageMap<_, Twox64Concat, TaskId, TaskInput>;

    /// Each task's parts (its DAG: shards, then the final job), with their jobs and outcomes.
    #[pallet::storage]
    pub type Parts<T: Config> =
        StorageDoubleMap<_, Twox64Concat, TaskId, Twox64Concat, Part, PartRecord<BalanceOf<T>>>;

    /// Which task part a submitted job is, until its end (and its round's settlement) is
    /// recorded.
    #[pallet::storage]
    pub type JobParts<T: Config> = StorageMap<_, Twox64Concat, aitbc_primitives::JobId, JobRef>;

    /// Index: tasks by owner.
    #[pallet::storage]
    pub type TasksByOwner<T: Config> =
        StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, TaskId, ()>;

    /// The work queue: each lane's items by position, from its head (next to process) to its
    /// tail (next free position) in [`WorkEnds`]. A job or task is in it at most once.
    #[pallet::storage]
    pub type WorkQueue<T: Config> =
        StorageDoubleMap<_, Twox64Concat, Lane, Twox64Concat, u64, Work>;

    /// Each lane's `(head, tail)`.
    #[pallet::storage]
    pub type WorkEnds<T: Config> = StorageMap<_, Twox64Concat, Lane, (u64, u64), ValueQuery>;

    /// Events.
    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// A miner put an agent into a task type's pool.
        MemberJoined {
            task_type: TaskType,
            miner: T::AccountId,
            agent_id: AgentId,
            profile: H256,
        },
        /// A member left a pool.
        MemberLeft {
            task_type: TaskType,
            miner: T::AccountId,
        },
        /// A member that no longer qualified was removed from a pool.
        MemberPruned {
            task_type: TaskType,
            miner: T::AccountId,
        },
        /// A task was created; its budget is held.
        TaskCreated {
            task_id: TaskId,
            owner: T::AccountId,
            task_type: TaskType,
            profile: H256,
            budget: BalanceOf<T>,
            deadline: BlockNumberFor<T>,
        },
        /// A task was dispatched to its pool.
        TaskCoordinated {
            task_id: TaskId,
            strategy: Strategy,
            k: u8,
            quorum: u8,
            job_budget: BalanceOf<T>,
        },
        /// A job of a task was submitted.
        PartSubmitted {
            task_id: TaskId,
            part: Part,
            job_id: aitbc_primitives::JobId,
        },
        /// What became of a task's job was recorded (`settled`: its round has no dispute left).
        PartRecorded {
            task_id: TaskId,
            part: Part,
            job_id: aitbc_primitives::JobId,
            status: aitbc_primitives::JobStatus,
            settled: bool,
        },
        /// A task completed: its final job's agreed output is its result.
        TaskCompleted {
            task_id: TaskId,
            job_id: aitbc_primitives::JobId,
            result_hash: Option<H256>,
        },
        /// A task failed.
        TaskFailed {
            task_id: TaskId,
            failure: TaskFailure,
        },
        /// A task was cancelled before it was coordinated.
        TaskCancelled { task_id: TaskId },
        /// What the task still held of its budget returned to its owner.
        BudgetReturned {
            task_id: TaskId,
            owner: T::AccountId,
            amount: BalanceOf<T>,
        },
        /// An ended task was removed and its deposit returned.
        TaskRemoved {
            task_id: TaskId,
            deposit: BalanceOf<T>,
        },
    }

    /// Errors.
    #[pallet::error]
    pub enum Error<T> {
        /// Only active registered miners join pools.
        NotAMiner,
        /// The miner has not declared that execution profile.
        ProfileNotDeclared,
        /// A task type is 1 to 32 bytes of `a-z`, `0-9` and `-`.
        InvalidTaskType,
        /// No such agent is registered (agents pallet).
        UnknownAgent,
        /// The miner is already a member of this pool.
        AlreadyMember,
        /// The agent runs another model than the execution profile's.
        AgentModelMismatch,
        /// The pool has 64 members.
        PoolFull,
        /// The miner is a member of 8 pools.
        TooManyMemberships,
        /// The miner is not a member of this pool.
        NotAMember,
        /// The member is an active miner that still declares its profile.
        MemberStillEligible,
        /// No registered (unretired) execution profile has that id.
        UnknownProfile,
        /// The input has no paragraph (it is empty or blank).
        EmptyInput,
        /// The input is not valid UTF-8.
        InputNotUtf8,
        /// The instruction is empty.
        EmptyInstruction,
        /// The instruction is not valid UTF-8.
        InstructionNotUtf8,
        /// The instruction is longer than 1000 characters.
        InstructionTooLong,
        /// The TTL is zero or longer than the jobs' longest.
        InvalidTtl,
        /// The TTL is shorter than one redundant job's least TTL (`min_ttl` blocks, saturated
        /// at `u16::MAX`).
        TtlTooShort {
            /// The least TTL accepted, in blocks.
            min_ttl: u16,
        },
        /// The budget is zero.
        ZeroBudget,
        /// The free balance cannot cover the budget and the deposit.
        InsufficientBalance,
        /// No task with that id.
        UnknownTask,
        /// The signer does not own the task.
        NotTaskOwner,
        /// The task was already coordinated.
        AlreadyCoordinated,
        /// The task has ended.
        TaskEnded,
        /// Map-reduce takes 1 to 64 shards.
        InvalidShardCount,
        /// More shards than the input has paragraphs (runs of non-blank lines).
        TooManyShards {
            /// The input's paragraphs (saturated at `u16::MAX`).
            paragraphs: u16,
        },
        /// A shard would be longer than a job prompt (4000 characters): ask for more shards.
        ShardTooLong {
            /// The shard (from 0).
            shard: u8,
            /// Its characters (saturated at `u16::MAX`).
            chars: u16,
        },
        /// The input is longer than a job prompt (4000 characters): one job cannot take it
        /// whole; use map-reduce.
        InputTooLongForOneJob {
            /// The input's characters (saturated at `u16::MAX`).
            chars: u16,
        },
        /// `k` is not in `2..=7`, or the quorum is not a strict majority of `k`, at most `k`.
        InvalidRedundancy,
        /// Too little time is left before the task's deadline for its jobs.
        DeadlineTooClose {
            /// Blocks the strategy needs (saturated at `u16::MAX`).
            needed: u16,
        },
        /// Fewer than `k` members of the task type are active miners running the task's
        /// profile.
        NotEnoughMembers {
            /// How many are.
            members: u8,
        },
        /// The budget divided among the task's jobs leaves each less than `k` minimum
        /// payments.
        BudgetTooSmall,
        /// The owner has as many open jobs as the jobs pallet allows: no job can be submitted.
        NoJobSlot,
        /// The task has not ended.
        TaskNotEnded,
        /// Some of the task's jobs have not ended (or their rounds not settled) yet.
        JobsStillOpen,
        /// An agent task runs whole: coordinate it with the redundant strategy.
        AgentTaskRunsWhole,
        /// An agent task's instruction and input are more than an agent run's input holds
        /// (1024 bytes).
        InputTooLongForAgent,
    }

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
            Self::process_work()
        }

        fn integrity_test() {
            assert!(
                T::MaxWorkPerBlock::get() > 0 && T::MaxSubmissionsPerBlock::get() > 0,
                "the work queue must move"
            );
            let worst = Self::worst_block_weight();
            let max_block = <T as frame_system::Config>::BlockWeights::get().max_block;
            assert!(
                worst.all_lte(Weight::from_parts(
                    max_block.ref_time() / 10,
                    max_block.proof_size() / 4
                )),
                "on_initialize may use more than a tenth of a block: {worst:?} of {max_block:?}"
            );
        }
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Put an agent into the pool of `task_type`: the signer must be an active miner that
        /// declared `profile`, and `agent_id` a registered agent whose model is the profile's
        /// (several miners may join with the same agent).
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::join())]
        pub fn join(
            origin: OriginFor<T>,
            agent_id: AgentId,
            task_type: TaskType,
            profile: H256,
        ) -> DispatchResult {
            let miner = ensure_signed(origin)?;
            ensure!(valid_task_type(&task_type), Error::<T>::InvalidTaskType);
            ensure!(T::Miners::contains(&miner), Error::<T>::NotAMiner);
            ensure!(
                T::Profiles::runs(&miner, &profile),
                Error::<T>::ProfileNotDeclared
            );
            let facts = T::Profiles::profile(&profile).ok_or(Error::<T>::UnknownProfile)?;
            let model = <T::Agents as aitbc_primitives::AgentRuns<_, _, _>>::agent_model(agent_id)
                .ok_or(Error::<T>::UnknownAgent)?;
            ensure!(model == facts.model, Error::<T>::AgentModelMismatch);
            let mut pool = Pools::<T>::get(&task_type);
            ensure!(
                !pool.iter().any(|m| m.miner == miner),
                Error::<T>::AlreadyMember
            );
            Memberships::<T>::try_mutate(&miner, |list| {
                list.try_push(task_type.clone())
                    .map_err(|_| Error::<T>::TooManyMemberships)
            })?;
            pool.try_push(Member {
                miner: miner.clone(),
                agent_id,
                profile,
                joined_at: frame_system::Pallet::<T>::block_number(),
            })
            .map_err(|_| Error::<T>::PoolFull)?;
            Pools::<T>::insert(&task_type, pool);
            Self::deposit_event(Event::MemberJoined {
                task_type,
                miner,
                agent_id,
                profile,
            });
            Ok(())
        }

        /// Leave the pool of `task_type` (also once no longer an active miner). Jobs already
        /// submitted keep the member lists they were given.
        #[pallet::call_index(1)]
        #[pallet::weight(T::WeightInfo::leave())]
        pub fn leave(origin: OriginFor<T>, task_type: TaskType) -> DispatchResult {
            let miner = ensure_signed(origin)?;
            Self::remove_member(&task_type, &miner)?;
            Self::deposit_event(Event::MemberLeft { task_type, miner });
            Ok(())
        }

        /// Remove `miner` from the pool of `task_type` because it no longer qualifies: it is
        /// not an active miner any more, or no longer declares the profile it joined with.
        /// Anyone may call it.
        #[pallet::call_index(2)]
        #[pallet::weight(T::WeightInfo::prune_member())]
        pub fn prune_member(
            origin: OriginFor<T>,
            task_type: TaskType,
            miner: T::AccountId,
        ) -> DispatchResult {
            ensure_signed(origin)?;
            let member = Pools::<T>::get(&task_type)
                .into_iter()
                .find(|m| m.miner == miner)
                .ok_or(Error::<T>::NotAMember)?;
            ensure!(
                !(T::Miners::contains(&miner) && T::Profiles::runs(&miner, &member.profile)),
                Error::<T>::MemberStillEligible
            );
            Self::remove_member(&task_type, &miner)?;
            Self::deposit_event(Event::MemberPruned { task_type, miner });
            Ok(())
        }

        /// Create a task for the pool of `task_type` on execution profile `profile`: `input`
        /// (UTF-8, at least one non-blank line), an optional `instruction` given to every job
        /// as its system prompt, the `budget` for all its jobs (held now) and a `ttl` in blocks
        /// (its deadline). A storage deposit is held until the task is removed.
        #[pallet::call_index(3)]
        /// With `agent`, an agent task: run whole as one exact-mode k-of-n run of that
        /// registered agent (its model the profile's) among the members that joined with it;
        /// the instruction and input together must fit an agent run's input (1024 bytes).
        #[pallet::weight(T::WeightInfo::create_task(input.len() as u32)
            .saturating_add(T::DbWeight::get().reads_writes(2, 1)))]
        pub fn create_task(
            origin: OriginFor<T>,
            task_type: TaskType,
            profile: H256,
            input: TaskInput,
            instruction: Option<SystemPrompt>,
            budget: BalanceOf<T>,
            ttl: BlockNumberFor<T>,
            agent: Option<AgentId>,
        ) -> DispatchResult {
            let owner = ensure_signed(origin)?;
            Self::do_create_task(
                owner,
                task_type,
                profile,
                input,
                instruction,
                budget,
                ttl,
                agent,
            )
            .map(|_| ())
        }

        /// Dispatch task `task_id` to its pool (owner only, once): `strategy`, `k` miners per
        /// job (2 to 7) and the `quorum` (0: the default, ⌈2k/3⌉). Submits as many of its jobs
        /// as the owner has free job slots; the rest follow as slots free.
        #[pallet::call_index(4)]
        #[pallet::weight(Pallet::<T>::coordinate_weight(strategy))]
        pub fn coordinate(
            origin: OriginFor<T>,
            task_id: TaskId,
            strategy: Strategy,
            k: u8,
            quorum: u8,
        ) -> DispatchResultWithPostInfo {
            let owner = ensure_signed(origin)?;
            let submitted = Self::do_coordinate(owner, task_id, strategy, k, quorum)?;
            Ok(Some(Self::coordinate_actual_weight(strategy, submitted)).into())
        }

        /// Cancel a task that was not coordinated yet (owner only): its budget returns.
        #[pallet::call_index(5)]
        #[pallet::weight(T::WeightInfo::cancel_task())]
        pub fn cancel_task(origin: OriginFor<T>, task_id: TaskId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut task = Tasks::<T>::get(task_id).ok_or(Error::<T>::UnknownTask)?;
            ensure!(task.owner == who, Error::<T>::NotTaskOwner);
            ensure!(!task.status.is_ended(), Error::<T>::TaskEnded);
            ensure!(
                task.status == TaskStatus::Created,
                Error::<T>::AlreadyCoordinated
            );
            Self::return_budget(task_id, &mut task);
            Self::set_task_status(&mut task, TaskStatus::Cancelled);
            Tasks::<T>::insert(task_id, task);
            Self::deposit_event(Event::TaskCancelled { task_id });
            Ok(())
        }

        /// Remove an ended task whose jobs' ends are all recorded (owner only): its records go
        /// and its deposit returns.
        #[pallet::call_index(6)]
        #[pallet::weight(T::WeightInfo::remove_task(MAX_SHARDS))]
        pub fn remove_task(origin: OriginFor<T>, task_id: TaskId) -> DispatchResultWithPostInfo {
            let who = ensure_signed(origin)?;
            let task = Tasks::<T>::get(task_id).ok_or(Error::<T>::UnknownTask)?;
            ensure!(task.owner == who, Error::<T>::NotTaskOwner);
            ensure!(task.status.is_ended(), Error::<T>::TaskNotEnded);
            ensure!(task.open_jobs == 0, Error::<T>::JobsStillOpen);
            let _ = T::Currency::release(
                &HoldReason::TaskDeposit.into(),
                &who,
                task.deposit,
                Precision::BestEffort,
            );
            let _ = Parts::<T>::clear_prefix(task_id, MAX_SHARDS + 1, None);
            TaskInputs::<T>::remove(task_id);
            TasksByOwner::<T>::remove(&who, task_id);
            Tasks::<T>::remove(task_id);
            TaskAgents::<T>::remove(task_id);
            Self::deposit_event(Event::TaskRemoved {
                task_id,
                deposit: task.deposit,
            });
            Ok(Some(T::WeightInfo::remove_task(task.shards.into())).into())
        }
    }

    impl<T: Config> Pallet<T> {
        /// Take `miner` out of the pool of `task_type` and its memberships.
        fn remove_member(task_type: &TaskType, miner: &T::AccountId) -> DispatchResult {
            let mut pool = Pools::<T>::get(task_type);
            let before = pool.len();
            pool.retain(|m| m.miner != *miner);
            ensure!(pool.len() < before, Error::<T>::NotAMember);
            if pool.is_empty() {
                Pools::<T>::remove(task_type);
            } else {
                Pools::<T>::insert(task_type, pool);
            }
            Memberships::<T>::mutate_exists(miner, |list| {
                if let Some(l) = list {
                    l.retain(|t| t != task_type);
                    if l.is_empty() {
                        *list = None;
                    }
                }
            });
            Ok(())
        }

        /// The members of `task_type`'s pool that joined with `profile`, in joining order.
        pub fn members_with(
            task_type: &TaskType,
            profile: &H256,
        ) -> aitbc_primitives::RoundMembers<T::AccountId> {
            let list: Vec<T::AccountId> = Pools::<T>::get(task_type)
                .into_iter()
                .filter(|m| m.profile == *profile)
                .map(|m| m.miner)
                .collect();
            // A pool holds at most MAX_MEMBERS = MAX_ROUND_MEMBERS: fits.
            BoundedVec::truncate_from(list)
        }

        /// The miners of `task_type`'s pool that joined with `profile` and `agent`.
        pub fn members_running(
            task_type: &TaskType,
            profile: &H256,
            agent: AgentId,
        ) -> aitbc_primitives::RoundMembers<T::AccountId> {
            let list: Vec<T::AccountId> = Pools::<T>::get(task_type)
                .into_iter()
                .filter(|m| m.profile == *profile && m.agent_id == agent)
                .map(|m| m.miner)
                .collect();
            BoundedVec::truncate_from(list)
        }

        /// Hold `amount` from `who` for `reason`, checking the free balance first.
        pub(crate) fn hold(
            who: &T::AccountId,
            reason: HoldReason,
            amount: BalanceOf<T>,
        ) -> DispatchResult {
            if amount.is_zero() {
                return Ok(());
            }
            T::Currency::hold(&reason.into(), who, amount)
                .map_err(|_| Error::<T>::InsufficientBalance.into())
        }

        /// Whether `who` can have `amount` held now (keeping its account alive).
        pub(crate) fn can_hold(who: &T::AccountId, amount: BalanceOf<T>) -> bool {
            T::Currency::reducible_balance(who, Preservation::Protect, Fortitude::Polite) >= amount
        }

        /// Release what task `task_id` still holds of its budget to its owner.
        pub(crate) fn return_budget(task_id: TaskId, task: &mut TaskOf<T>) {
            let amount = core::mem::take(&mut task.held);
            if amount.is_zero() {
                return;
            }
            let released = T::Currency::release(
                &HoldReason::TaskBudget.into(),
                &task.owner,
                amount,
                Precision::BestEffort,
            )
            .unwrap_or_default();
            Self::deposit_event(Event::BudgetReturned {
                task_id,
                owner: task.owner.clone(),
                amount: released,
            });
        }

        /// Move `task` to `status` now.
        pub(crate) fn set_task_status(task: &mut TaskOf<T>, status: TaskStatus) {
            task.status = status;
            task.status_since = frame_system::Pallet::<T>::block_number();
        }

        /// `n` as `u16`, saturated.
        pub(crate) fn u16_of<N: sp_runtime::traits::UniqueSaturatedInto<u32>>(n: N) -> u16 {
            let n: u32 = n.saturated_into();
            n.min(u16::MAX.into()) as u16
        }

        /// Block number arithmetic helper: `deadline - now`, zero when past.
        pub(crate) fn blocks_left(task: &TaskOf<T>) -> BlockNumberFor<T> {
            task.deadline
                .saturating_sub(frame_system::Pallet::<T>::block_number())
        }
    }
}
