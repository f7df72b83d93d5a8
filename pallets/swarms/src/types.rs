//! What the swarms pallet stores, and what its runtime API returns.

use aitbc_primitives::{
    DisputeOutcome, JobId, JobStatus, ModelName, Redundancy, RoundPhase, SystemPrompt,
    MAX_REDUNDANCY, MAX_ROUND_MEMBERS,
};
use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;
use sp_core::H256;
use sp_runtime::{DispatchError, Perbill};

/// A swarm task's id (also its tracking id).
pub type TaskId = u64;

/// Most bytes of a task type.
pub const MAX_TASK_TYPE_LEN: u32 = 32;
/// A task type: 1 to [`MAX_TASK_TYPE_LEN`] bytes of `a-z`, `0-9` and `-` (e.g.
/// `distributed-training`). Each task type has its own pool of members.
pub type TaskType = BoundedVec<u8, ConstU32<MAX_TASK_TYPE_LEN>>;

/// The agent a member runs: a registered agent of the agents pallet (a swarm's members are
/// agents, seed §7), whose model is the member's profile's.
pub type AgentId = aitbc_primitives::AgentId;

/// Most members one task type's pool holds (every member may be listed with a job:
/// [`aitbc_primitives::MAX_ROUND_MEMBERS`]).
pub const MAX_MEMBERS: u32 = MAX_ROUND_MEMBERS;
/// Most pools one miner is a member of.
pub const MAX_MEMBERSHIPS: u32 = 8;
/// Most shards a map-reduce task is split into.
pub const MAX_SHARDS: u32 = 64;
/// Most bytes of a task's input (UTF-8).
pub const MAX_TASK_INPUT_BYTES: u32 = 16 * 1024;

/// A task's input: UTF-8 text of at most [`MAX_TASK_INPUT_BYTES`] bytes; map-reduce splits it on
/// blank lines.
pub type TaskInput = BoundedVec<u8, ConstU32<MAX_TASK_INPUT_BYTES>>;

/// A member of a task type's pool.
#[derive(
    Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct Member<AccountId, BlockNumber> {
    /// The miner.
    pub miner: AccountId,
    /// The registered agent it runs for this pool.
    pub agent_id: AgentId,
    /// The execution profile it runs this task type's jobs with (declared in the profiles
    /// pallet).
    pub profile: H256,
    /// The block it joined at.
    pub joined_at: BlockNumber,
}

/// A task type's pool.
pub type Pool<AccountId, BlockNumber> =
    BoundedVec<Member<AccountId, BlockNumber>, ConstU32<MAX_MEMBERS>>;

/// How a task is run by its pool.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum Strategy {
    /// The input is split into `shards` parts on blank lines, each run as a redundant job;
    /// when all completed, a reduce job combines their agreed outputs.
    MapReduce {
        /// How many shards, `1..=MAX_SHARDS`, at most the input's paragraphs.
        shards: u8,
    },
    /// The whole input is one redundant job.
    Redundant,
}

/// Which of a task's jobs.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum Part {
    /// Shard `i` of a map-reduce task (from 0).
    Shard(u8),
    /// The job whose output is the task's result: the reduce job of a map-reduce task, the
    /// one job of a redundant task.
    Final,
}

/// What `coordinate` fixed.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Plan<Balance> {
    /// The strategy.
    pub strategy: Strategy,
    /// `k`, quorum, payout ([`aitbc_primitives::Payout::Each`]) and the task's profile.
    pub redundancy: Redundancy,
    /// Each job's budget: the task's budget divided by its number of jobs (shards + the reduce
    /// job), rounded down; the rest stays held and returns when the task ends.
    pub job_budget: Balance,
    /// Map-reduce: how many characters of each shard's agreed output the reduce prompt keeps
    /// (so that the reduce prompt always fits the prompt limit).
    pub share_chars: u32,
    /// Map-reduce: the token limit of each shard job, sized to its share.
    pub shard_max_tokens: u32,
}

/// Why a task failed.
#[derive(
    Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub enum TaskFailure {
    /// A shard's job ended without completing (failed, expired or cancelled).
    ShardJobEnded {
        /// The shard.
        shard: u8,
        /// How its job ended.
        status: JobStatus,
    },
    /// The final job (reduce, or the one job of a redundant task) ended without completing.
    FinalJobEnded {
        /// How it ended.
        status: JobStatus,
    },
    /// Too little time was left before the task's deadline to submit its next job.
    OutOfTime,
    /// Fewer than `k` members of the task type run the task's profile.
    NotEnoughMembers {
        /// How many do.
        members: u8,
    },
    /// The jobs pallet refused a job.
    SubmissionRefused(DispatchError),
    /// A shard's agreed output was no longer kept by the jobs pallet when the reduce job was
    /// built.
    ShardOutputMissing {
        /// The shard.
        shard: u8,
    },
    /// A job was pruned by the jobs pallet before its end was recorded (only when the work
    /// queue is a jobs' retention period behind).
    JobPruned {
        /// Which job.
        part: Part,
    },
}

/// Where a task is.
#[derive(
    Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub enum TaskStatus {
    /// Created, its budget held; waiting for `coordinate`.
    Created,
    /// Map-reduce: shard jobs are submitted (as the owner's open jobs allow) and run.
    Mapping,
    /// Map-reduce: every shard completed; the reduce job is submitted or runs.
    Reducing,
    /// Redundant: the one job runs.
    Running,
    /// The final job completed: its agreed output is the task's result.
    Completed,
    /// The task failed; what was still held returned to the owner.
    Failed(TaskFailure),
    /// Cancelled by its owner before it was coordinated; its budget returned.
    Cancelled,
}

impl TaskStatus {
    /// Whether the task has ended (nothing more is submitted for it).
    pub fn is_ended(&self) -> bool {
        matches!(self, Self::Completed | Self::Failed(_) | Self::Cancelled)
    }
}

/// A swarm task.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Task<AccountId, Balance, BlockNumber> {
    /// Who created it and pays for its jobs (their owner).
    pub owner: AccountId,
    /// The pool that runs it.
    pub task_type: TaskType,
    /// The execution profile its jobs run on.
    pub profile: H256,
    /// The profile's model.
    pub model: ModelName,
    /// The instruction given to every job as its system prompt.
    pub instruction: Option<SystemPrompt>,
    /// Characters of the input.
    pub input_chars: u32,
    /// Paragraphs of the input (runs of non-blank lines).
    pub paragraphs: u32,
    /// The budget for all its jobs.
    pub budget: Balance,
    /// What this pallet still holds of the budget (the rest went to jobs' escrows).
    pub held: Balance,
    /// The storage deposit held until the task is removed.
    pub deposit: Balance,
    /// When it was created.
    pub created_at: BlockNumber,
    /// The block by which its jobs must end (no job is submitted that could outlive it).
    pub deadline: BlockNumber,
    /// Where it is.
    pub status: TaskStatus,
    /// Since when.
    pub status_since: BlockNumber,
    /// What `coordinate` fixed.
    pub plan: Option<Plan<Balance>>,
    /// How many shards (0 for a redundant task).
    pub shards: u8,
    /// Shard jobs submitted so far.
    pub submitted: u8,
    /// Shard jobs completed so far.
    pub completed: u8,
    /// Jobs submitted whose end (and round settlement) this pallet has not recorded yet.
    pub open_jobs: u8,
    /// The final job, once submitted.
    pub final_job: Option<JobId>,
    /// Whether the task waits in the work queue.
    pub queued: bool,
}

/// A settled dispute of a part's round, as the task keeps it.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct DisputeSummary {
    /// How it was settled.
    pub outcome: DisputeOutcome,
    /// How far below the top logit the first side's token was, in thousandths (when a referee
    /// reported).
    pub margin_a_milli: Option<u64>,
    /// The same for the second side.
    pub margin_b_milli: Option<u64>,
}

/// What became of a part's job: a snapshot of its round taken when the job ended, taken again
/// when the round settled (later, when dissenters were refereed after the job completed).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct PartOutcome<Balance> {
    /// The job's terminal status.
    pub status: JobStatus,
    /// Whether its round was settled (no dispute left) when this was taken.
    pub settled: bool,
    /// The agreed output's hash.
    pub agreed: Option<H256>,
    /// Miners that took part (the replaced ones, that never committed, not counted).
    pub participants: u8,
    /// Of those, how many revealed an output matching their commitment.
    pub revealed: u8,
    /// Of those, how many revealed the agreed output.
    pub agreeing: u8,
    /// Miners replaced for not committing in time.
    pub replaced: u8,
    /// The stake of the agreeing miners (miners registry, when this was taken).
    pub agreeing_stake: Balance,
    /// The stake of all participants.
    pub participant_stake: Balance,
    /// What the agreeing miners were paid, protocol fees included.
    pub paid: Balance,
    /// Its settled disputes.
    pub disputes: BoundedVec<DisputeSummary, ConstU32<MAX_REDUNDANCY>>,
    /// Whether a dispute was still open when this was taken.
    pub dispute_open: bool,
    /// The smallest logit margin (thousandths) the agreeing miners reported along the agreed
    /// output (`None`: none reported one).
    pub min_margin_milli: Option<u32>,
    /// How many agreeing miners reported a margin.
    pub margins_reported: u8,
}

/// One job of a task: a shard's or the final one.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct PartRecord<Balance> {
    /// Shards: the byte range of the input the shard's prompt is (from its first paragraph's
    /// first byte to its last paragraph's last byte).
    pub range: (u32, u32),
    /// Characters of its prompt (final: known once submitted).
    pub chars: u32,
    /// Its job, once submitted.
    pub job: Option<JobId>,
    /// Its budget.
    pub budget: Balance,
    /// Shards: whether the reduce prompt kept only the first `share_chars` characters of its
    /// output.
    pub cut: bool,
    /// What became of its job.
    pub outcome: Option<PartOutcome<Balance>>,
}

/// Which part of which task a job is.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct JobRef {
    /// The task.
    pub task: TaskId,
    /// The part.
    pub part: Part,
    /// Whether the job waits in the work queue.
    pub queued: bool,
}

/// An item of the work queue `on_initialize` processes.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub enum Work {
    /// A job of a task ended or its round settled: record it.
    Ended(JobId),
    /// A task has jobs to submit (shards waiting for a free job slot, or the reduce job).
    Advance(TaskId),
}

/// The work queue's two lanes: ends are recorded before tasks advance (three quarters of a
/// block's items at most while tasks wait, so neither lane starves), so that a task does not
/// submit a job after one of its jobs failed unrecorded unless the ends pile up.
#[derive(Encode, Decode, Clone, Copy, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub enum Lane {
    /// [`Work::Ended`] items.
    Ended,
    /// [`Work::Advance`] items.
    Waiting,
}

impl Work {
    /// The lane the item waits in.
    pub fn lane(&self) -> Lane {
        match self {
            Work::Ended(_) => Lane::Ended,
            Work::Advance(_) => Lane::Waiting,
        }
    }
}

// ---- Runtime API views ----

/// A pool: a task type and how many members it has.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct PoolSummary {
    /// The task type.
    pub task_type: TaskType,
    /// Its members.
    pub members: u32,
}

/// A part of a task with its job's live state.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct PartProgress<Balance> {
    /// Which part.
    pub part: Part,
    /// What the task records of it.
    pub record: PartRecord<Balance>,
    /// Its job's status now (`None`: not submitted, or pruned).
    pub job_status: Option<JobStatus>,
    /// Its round's phase now.
    pub phase: Option<RoundPhase>,
    /// Disputes of its round now: settled plus the open one.
    pub disputes: u8,
}

/// A task's progress (`swarm status`).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct TaskProgress<AccountId, Balance, BlockNumber> {
    /// The task.
    pub task: Task<AccountId, Balance, BlockNumber>,
    /// Its shards in order, then the final job.
    pub parts: Vec<PartProgress<Balance>>,
    /// Shards whose job ended.
    pub shards_done: u8,
    /// Shards whose job completed with an agreed output.
    pub shards_agreeing: u8,
    /// Shards whose round had a dispute (settled or open).
    pub shards_disputed: u8,
}

/// Confidence metrics over a task's jobs, from their recorded outcomes.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, Default)]
pub struct ConsensusTotals<Balance> {
    /// Jobs with a recorded outcome.
    pub jobs: u32,
    /// Of those, completed with an agreed output.
    pub jobs_agreed: u32,
    /// Of those, whose round was settled when recorded (no dispute left).
    pub jobs_settled: u32,
    /// Participants over all jobs (a miner in two jobs counts twice).
    pub participants: u32,
    /// Of those, agreeing with their job's agreed output.
    pub agreeing: u32,
    /// Stake of the agreeing participants.
    pub agreeing_stake: Balance,
    /// Stake of all participants.
    pub participant_stake: Balance,
    /// `agreeing_stake / participant_stake` (`None` while no participant is recorded, or they
    /// stake nothing).
    pub stake_share: Option<Perbill>,
    /// Settled disputes, by outcome: `AWins`, `BWins`, `NearTie`, `BothWrong`,
    /// `RefereeMissed`, `NoReferee`.
    pub disputes: [u32; 6],
    /// The smallest logit margin any agreeing miner reported along an agreed output.
    pub min_margin_milli: Option<u32>,
    /// How many agreeing participants reported a margin.
    pub margins_reported: u32,
    /// What the jobs paid their agreeing miners, protocol fees included.
    pub paid: Balance,
}

/// The agreed result of a task with its confidence metrics (`swarm consensus`).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct Consensus<Balance> {
    /// The task's status.
    pub status: TaskStatus,
    /// Its final job.
    pub final_job: Option<JobId>,
    /// The agreed output's hash (the final job's).
    pub result_hash: Option<H256>,
    /// The agreed output, while the jobs pallet keeps the final job's result.
    pub output: Option<aitbc_primitives::ResultBytes>,
    /// Each part with its job and recorded outcome: shards in order, then the final job.
    pub parts: Vec<(Part, Option<JobId>, Option<PartOutcome<Balance>>)>,
    /// Over every part.
    pub totals: ConsensusTotals<Balance>,
}

/// What the jobs pallet allows a task's jobs now, for clients to check a task before signing.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct SwarmRules<Balance, BlockNumber> {
    /// The least TTL of one redundant job, in blocks: a redundant task needs this much time
    /// left, a map-reduce task twice as much (its shards leave the reduce job this much).
    pub min_job_ttl: BlockNumber,
    /// The longest TTL of a job (and of a task).
    pub max_job_ttl: BlockNumber,
    /// Each job's least budget is `k` times this (the minimum payment of an inference job).
    pub min_payment: Balance,
    /// How many more jobs the account asked about may open now.
    pub open_slots: u32,
}

/// Index of a dispute outcome in [`ConsensusTotals::disputes`].
pub fn outcome_index(o: DisputeOutcome) -> usize {
    match o {
        DisputeOutcome::AWins => 0,
        DisputeOutcome::BWins => 1,
        DisputeOutcome::NearTie => 2,
        DisputeOutcome::BothWrong => 3,
        DisputeOutcome::RefereeMissed => 4,
        DisputeOutcome::NoReferee => 5,
    }
}

/// Whether `t` is a valid task type: 1 to [`MAX_TASK_TYPE_LEN`] bytes of `a-z`, `0-9`, `-`.
pub fn valid_task_type(t: &[u8]) -> bool {
    !t.is_empty()
        && t.len() <= MAX_TASK_TYPE_LEN as usize
        && t.iter()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
}
