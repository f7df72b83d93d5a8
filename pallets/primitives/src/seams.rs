//! The seams between the jobs pallet and the pallets built on its redundant jobs (the swarms
//! pallet): submitting a redundant job restricted to a list of miners, reading what became of
//! it, and being told when it ends.

use frame_support::{traits::ConstU32, weights::Weight, BoundedVec};
use sp_runtime::DispatchError;

use crate::{
    GenerationOptions, JobId, JobInput, JobStatus, JobType, ModelName, Redundancy, Requirements,
    ResultBytes, Round,
};

/// Most miners a redundant job's round may be restricted to ([`RoundMembers`]).
pub const MAX_ROUND_MEMBERS: u32 = 64;

/// The miners a redundant job's participants must be chosen from (its referee need not be one
/// of them: any miner of the profile may referee).
pub type RoundMembers<AccountId> = BoundedVec<AccountId, ConstU32<MAX_ROUND_MEMBERS>>;

/// What a redundant job submitted by another pallet is.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct RedundantJobSpec<AccountId, Balance, BlockNumber> {
    /// Who owns (and pays for) the job: its budget is held from this account's free balance,
    /// its refund returns there, and it counts against this account's open jobs.
    pub owner: AccountId,
    /// The job type.
    pub job_type: JobType,
    /// The model (it must be the profile's).
    pub model: ModelName,
    /// The input.
    pub input: JobInput,
    /// The budget, held at submission.
    pub budget: Balance,
    /// Blocks until the job expires.
    pub ttl: BlockNumber,
    /// Requirements on the miners.
    pub requirements: Requirements,
    /// Generation options (the profile fixes the sampling; `max_tokens` is kept).
    pub options: GenerationOptions,
    /// `k`, quorum, payout and profile.
    pub redundancy: Redundancy,
    /// When given, the participants are chosen among these miners only.
    pub members: Option<RoundMembers<AccountId>>,
}

/// Redundant jobs as another pallet uses them (implemented by the jobs pallet).
pub trait RedundantJobs<AccountId, Balance, BlockNumber> {
    /// Submit a redundant job with every check `submit_redundant` makes (the same errors);
    /// returns its id.
    fn submit(
        spec: RedundantJobSpec<AccountId, Balance, BlockNumber>,
    ) -> Result<JobId, DispatchError>;

    /// Weight of one [`Self::submit`] with `prompt_bytes` bytes of prompt and system prompt.
    fn submit_weight(prompt_bytes: u32) -> Weight;

    /// Whether `error` (returned by [`Self::submit`]) only says "not now": the queue, the
    /// expiry schedule or the owner's open jobs are full.
    fn is_busy(error: &DispatchError) -> bool;

    /// A job's status (`None`: no such job, or pruned).
    fn status(job: JobId) -> Option<JobStatus>;

    /// A redundant job's round (`None`: not redundant, or pruned).
    fn round(job: JobId) -> Option<Round<AccountId, Balance, BlockNumber>>;

    /// A completed job's delivered output (`None`: not completed, or pruned).
    fn output(job: JobId) -> Option<ResultBytes>;

    /// How many more jobs `owner` may open now.
    fn open_slots(owner: &AccountId) -> u32;

    /// The least budget a redundant job of `k` miners paid each ([`crate::Payout::Each`]) must
    /// have.
    fn least_budget(job_type: JobType, k: u8) -> Balance;

    /// The shortest TTL a redundant job accepts.
    fn min_ttl() -> BlockNumber;

    /// The longest TTL a job accepts.
    fn max_ttl() -> BlockNumber;
}

/// Told when jobs end (the jobs pallet's `Config::JobObserver`). Implementations must do
/// bounded work (at most [`Self::weight`] each call) and must not call back into the jobs
/// pallet: the job being ended is still being written.
pub trait JobObserver {
    /// Job `job` reached the terminal status `status` (called once per job).
    fn job_ended(job: JobId, status: JobStatus);

    /// The round of redundant job `job` was settled: nothing is left to decide, its last
    /// dispute included (called once per round; before or after [`Self::job_ended`]).
    fn round_settled(job: JobId);

    /// The most one call of either costs.
    fn weight() -> Weight;
}

impl JobObserver for () {
    fn job_ended(_: JobId, _: JobStatus) {}
    fn round_settled(_: JobId) {}
    fn weight() -> Weight {
        Weight::zero()
    }
}

/// A miner's stake, read by pallets that weigh miners by it.
pub trait MinerStake<AccountId, Balance> {
    /// The stake `miner` holds (zero when it is not a registered miner).
    fn stake_of(miner: &AccountId) -> Balance;
}

impl<A: JobObserver, B: JobObserver> JobObserver for (A, B) {
    fn job_ended(job: JobId, status: JobStatus) {
        A::job_ended(job, status);
        B::job_ended(job, status);
    }
    fn round_settled(job: JobId) {
        A::round_settled(job);
        B::round_settled(job);
    }
    fn weight() -> Weight {
        A::weight().saturating_add(B::weight())
    }
}

/// What a pallet that submits a plain job for its own purpose (the agents pallet: an agent run)
/// needs from the jobs pallet.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct PlainJobSpec<AccountId, Balance, BlockNumber> {
    /// Who owns (and pays for) the job, as for a job submitted by the account itself.
    pub owner: AccountId,
    /// The job type.
    pub job_type: JobType,
    /// The model.
    pub model: ModelName,
    /// The input.
    pub input: JobInput,
    /// The budget, held at submission.
    pub budget: Balance,
    /// Blocks until the job expires.
    pub ttl: BlockNumber,
    /// Generation options.
    pub options: GenerationOptions,
}

/// Plain jobs as another pallet submits them (implemented by the jobs pallet).
pub trait PlainJobs<AccountId, Balance, BlockNumber> {
    /// Submit and fund a job with every check `submit_with_options` makes (the same errors);
    /// returns its id.
    fn submit(spec: PlainJobSpec<AccountId, Balance, BlockNumber>) -> Result<JobId, DispatchError>;

    /// Weight of one [`Self::submit`] with `prompt_bytes` bytes of prompt and system prompt.
    fn submit_weight(prompt_bytes: u32) -> Weight;

    /// A job's status and the miner it is assigned to (`None`: no such job, or pruned).
    fn status(job: JobId) -> Option<(JobStatus, Option<AccountId>)>;

    /// The least budget a job of `job_type` must have.
    fn least_budget(job_type: JobType) -> Balance;

    /// The shortest TTL a job accepts.
    fn min_ttl() -> BlockNumber;

    /// The longest TTL a job accepts.
    fn max_ttl() -> BlockNumber;
}

/// Rules another pallet adds to some of the jobs pallet's jobs (the agents pallet to agent
/// runs; the jobs pallet's `Config::JobRules`).
pub trait JobRules<AccountId> {
    /// Blocks the miner of `job` has from accepting it to delivering its result; past them it
    /// is noted late and the job goes back to the queue without it. `None`: no limit but the
    /// TTL.
    fn run_window(job: JobId) -> Option<u32>;

    /// Whether `miner` may deliver the result of `job` (hash `output_hash`, metered as
    /// `metrics`) now.
    fn check_result(
        job: JobId,
        miner: &AccountId,
        output_hash: &sp_core::H256,
        metrics: &crate::Metrics,
    ) -> Result<(), DispatchError>;

    /// The most one call of either costs.
    fn weight() -> Weight;
}

impl<AccountId> JobRules<AccountId> for () {
    fn run_window(_: JobId) -> Option<u32> {
        None
    }
    fn check_result(
        _: JobId,
        _: &AccountId,
        _: &sp_core::H256,
        _: &crate::Metrics,
    ) -> Result<(), DispatchError> {
        Ok(())
    }
    fn weight() -> Weight {
        Weight::zero()
    }
}

/// Agent runs as another pallet submits them (implemented by the agents pallet; the swarms
/// pallet's tasks run by a pool of agents).
pub trait AgentRuns<AccountId, Balance, BlockNumber> {
    /// The model agent `agent`'s latest version runs on (`None`: no such agent).
    fn agent_model(agent: crate::AgentId) -> Option<ModelName>;

    /// Submit an exact-mode run of `agent`'s latest version on `input`, k-of-n as
    /// `redundancy` says among `members` (when given), owned and paid by `owner` (at most
    /// `budget`, and at most the agent's price cap), expiring `ttl` blocks from now, with
    /// every check `execute_redundant` makes; returns its job id.
    fn submit_run(
        owner: AccountId,
        agent: crate::AgentId,
        input: crate::Prompt,
        budget: Balance,
        ttl: BlockNumber,
        redundancy: Redundancy,
        members: Option<RoundMembers<AccountId>>,
    ) -> Result<JobId, DispatchError>;

    /// Weight of one [`Self::submit_run`] with `input_bytes` bytes of input.
    fn submit_weight(input_bytes: u32) -> Weight;

    /// Register an agent on `model` with no tools, owned by nobody's key, and return its id.
    /// For benchmarks and tests only.
    fn setup_agent(model: &ModelName) -> crate::AgentId;
}

/// No agents: nothing to run.
impl<AccountId, Balance, BlockNumber> AgentRuns<AccountId, Balance, BlockNumber> for () {
    fn agent_model(_: crate::AgentId) -> Option<ModelName> {
        None
    }
    fn submit_run(
        _: AccountId,
        _: crate::AgentId,
        _: crate::Prompt,
        _: Balance,
        _: BlockNumber,
        _: Redundancy,
        _: Option<RoundMembers<AccountId>>,
    ) -> Result<JobId, DispatchError> {
        Err(DispatchError::Other("no agents pallet"))
    }
    fn submit_weight(_: u32) -> Weight {
        Weight::zero()
    }
    fn setup_agent(_: &ModelName) -> crate::AgentId {
        0
    }
}
