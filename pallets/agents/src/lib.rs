//! # AITBC agents pallet
//!
//! AI agents on chain (seed §5): a **registry** of versioned agents whose tools the DAO
//! approves, and agent **runs**: jobs of the jobs pallet whose every step is recorded on chain
//! in a hash chain that anyone can check.
//!
//! ## Registry
//! - [`Pallet::create_agent`]: a name, a kind, the canonical JSON configuration (the CLI
//!   validates it against the schema in `docs/AGENTS.md`), the model, the tools it may call
//!   (each approved: [`ApprovedTools`]), the limits of one run and the most a run may cost. The
//!   agent gets version 1. A storage deposit ([`Config::AgentDepositBase`] +
//!   [`Config::DepositPerByte`] × the version's encoded size) is held from the owner per
//!   stored version ([`HoldReason::AgentDeposit`]).
//! - [`Pallet::update_agent`] (owner): stores a new version. Runs pin the version they were
//!   submitted with: an older version stays stored while a run of it is open, and is removed
//!   (its deposit returned) when its last run ends.
//! - [`Pallet::delete_agent`] (owner, no run open): removes the agent and returns every
//!   deposit.
//!
//! ## Tools
//! [`ApprovedTools`] lists the tool ids agents may name; [`Pallet::approve_tool`] and
//! [`Pallet::revoke_tool`] need [`Config::ToolOrigin`] (the DAO's enactment, or root). A
//! revoked tool stays in the versions that already list it; new versions cannot list it.
//!
//! ## Runs
//! - [`Pallet::execute`]: the client's input and an optional data file the tools read; its
//!   budget is the payment capped at the agent's price cap. The run is a job of the jobs pallet
//!   ([`aitbc_primitives::PlainJobs`], type `Agent`) on the agent's model, with the agent's
//!   token limit; it pins the agent's latest version. The data file's bytes are held as a
//!   deposit ([`HoldReason::RunData`]) until the run is pruned.
//! - The assigned miner runs the agent's loop and records the trace with
//!   [`Pallet::record_trace`]: the chain checks it against the version's limits and tools
//!   ([`aitbc_primitives::check_trace`]) and computes its root
//!   ([`aitbc_primitives::trace_root`], seeded with the job, the agent version, its
//!   configuration hash and the input's hash).
//! - The miner then delivers the last step's text as the job's result. The jobs pallet asks
//!   this pallet first ([`aitbc_primitives::JobRules`]): the result must be the traced answer
//!   (or stop reason), by the miner that traced it, metered as the trace's time and tokens
//!   (each step's milliseconds, so the escrow pays per step used, at most the budget).
//! - A miner has the version's `deadline_blocks` from accepting the run to delivering it
//!   (the jobs pallet's run window); past it the jobs pallet notes it late, excludes it and
//!   queues the run again for another miner, who records its own trace.
//! - When the run's job ends ([`aitbc_primitives::JobObserver`]) the run is closed and
//!   scheduled for pruning [`Config::RunRetention`] blocks later (its trace and data removed,
//!   the data deposit returned; at most [`Config::MaxPrunesPerBlock`] a block).

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod queries;
pub mod registry;
pub mod runs;
#[cfg(test)]
mod tests;
pub mod weights;

pub use weights::WeightInfo;

use aitbc_primitives::{AgentRun, AgentSpec};
use frame_support::traits::fungible;
use frame_system::pallet_prelude::BlockNumberFor;

/// Most agent ids one listing query looks at (deleted agents leave gaps).
pub const MAX_ID_SCAN: usize = 1_000;
/// Most of one owner's agents one listing query looks at.
pub const MAX_OWNER_SCAN: usize = 1_000;

/// Balance type of the configured currency.
pub type BalanceOf<T> =
    <<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// One stored agent version.
pub type SpecOf<T> = AgentSpec<BalanceOf<T>>;
/// A stored run.
pub type RunOf<T> = AgentRun<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

// `create_agent` and `update_agent` take a version's fields as call arguments (as every client
// sees them); the code FRAME generates from them has as many.
#[allow(clippy::too_many_arguments)]
#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use aitbc_primitives::{
        AgentConfig, AgentId, AgentKind, AgentLimits, AgentName, AgentTools, AgentVersion, JobId,
        ModelName, Prompt, RunData, RunEnd, ToolId, Trace, MAX_APPROVED_TOOLS,
    };
    use frame_support::{
        pallet_prelude::*,
        traits::fungible::{Inspect, MutateHold},
    };
    use frame_system::pallet_prelude::*;

    /// The in-code storage version.
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    /// Why this pallet holds funds.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// An agent version's storage deposit, held from its owner while the version is stored.
        #[codec(index = 0)]
        AgentDeposit,
        /// A run's data file deposit, held from the client until the run is pruned.
        #[codec(index = 1)]
        RunData,
    }

    /// Configuration.
    #[pallet::config]
    pub trait Config: frame_system::Config {
        /// The overarching event type.
        #[allow(deprecated)]
        type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;
        /// The currency deposits are held in.
        type Currency: Inspect<Self::AccountId>
            + MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
        /// The overarching hold reason.
        type RuntimeHoldReason: From<HoldReason>;
        /// The jobs pallet: runs are its jobs.
        type Jobs: aitbc_primitives::PlainJobs<
            Self::AccountId,
            BalanceOf<Self>,
            BlockNumberFor<Self>,
        >;
        /// The jobs pallet's redundant (k-of-n) jobs: exact-mode runs.
        type Redundant: aitbc_primitives::RedundantJobs<
            Self::AccountId,
            BalanceOf<Self>,
            BlockNumberFor<Self>,
        >;
        /// Who approves and revokes tools (the DAO's enactment, or root).
        type ToolOrigin: EnsureOrigin<Self::RuntimeOrigin>;
        /// Deposit held per stored agent version, besides its bytes.
        #[pallet::constant]
        type AgentDepositBase: Get<BalanceOf<Self>>;
        /// Deposit held per byte of a stored version and of a run's data file.
        #[pallet::constant]
        type DepositPerByte: Get<BalanceOf<Self>>;
        /// Blocks a run and its trace are kept after its job ended.
        #[pallet::constant]
        type RunRetention: Get<BlockNumberFor<Self>>;
        /// Most runs pruned in one block.
        #[pallet::constant]
        type MaxPrunesPerBlock: Get<u32>;
        /// Weights of this pallet's calls and hooks.
        type WeightInfo: WeightInfo;
    }

    /// The next agent's id.
    #[pallet::storage]
    pub type NextAgentId<T: Config> = StorageValue<_, AgentId, ValueQuery>;

    /// Agents by id.
    #[pallet::storage]
    pub type Agents<T: Config> = StorageMap<_, Twox64Concat, AgentId, AgentOf<T>>;

    /// Every stored version of each agent: the latest, and older ones while runs pin them.
    #[pallet::storage]
    pub type Versions<T: Config> = StorageDoubleMap<
        _,
        Twox64Concat,
        AgentId,
        Twox64Concat,
        AgentVersion,
        VersionRecord<BalanceOf<T>, BlockNumberFor<T>>,
    >;

    /// Agents by owner.
    #[pallet::storage]
    pub type AgentsByOwner<T: Config> =
        StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, AgentId, ()>;

    /// The tools agents may list, approved by the DAO.
    #[pallet::storage]
    pub type ApprovedTools<T: Config> =
        StorageValue<_, BoundedVec<ToolId, ConstU32<MAX_APPROVED_TOOLS>>, ValueQuery>;

    /// Runs by their job's id.
    #[pallet::storage]
    pub type Runs<T: Config> = StorageMap<_, Twox64Concat, JobId, RunOf<T>>;

    /// Each run's input: the client's text and data file.
    #[pallet::storage]
    pub type RunInputs<T: Config> =
        StorageMap<_, Twox64Concat, JobId, RunInput<T::AccountId, BalanceOf<T>>>;

    /// Each traced run's steps.
    #[pallet::storage]
    pub type Traces<T: Config> = StorageMap<_, Twox64Concat, JobId, Trace>;

    /// Each participant's trace of a redundant run, by job and miner (pruned with the run).
    /// When the run completes, the trace of a participant that gave the agreed answer becomes
    /// the run's ([`Traces`]).
    #[pallet::storage]
    pub type RoundTraces<T: Config> =
        StorageDoubleMap<_, Twox64Concat, JobId, Blake2_128Concat, T::AccountId, crate::RoundTrace>;

    /// Where each miner streams its agent runs' steps (set by the miner).
    #[pallet::storage]
    pub type StreamEndpoints<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, aitbc_primitives::StreamEndpoint>;

    /// Runs to prune at each block.
    #[pallet::storage]
    pub type Prunes<T: Config> = StorageMap<
        _,
        Twox64Concat,
        BlockNumberFor<T>,
        BoundedVec<JobId, T::MaxPrunesPerBlock>,
        ValueQuery,
    >;

    /// Genesis: the tools approved from the start.
    #[pallet::genesis_config]
    #[derive(frame_support::DefaultNoBound)]
    pub struct GenesisConfig<T: Config> {
        /// Tool ids approved at genesis (each `[a-z][a-z0-9_]*`).
        pub tools: alloc::vec::Vec<alloc::vec::Vec<u8>>,
        #[serde(skip)]
        pub _config: core::marker::PhantomData<T>,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
        fn build(&self) {
            let mut tools: BoundedVec<ToolId, ConstU32<MAX_APPROVED_TOOLS>> = Default::default();
            for tool in &self.tools {
                assert!(
                    aitbc_primitives::is_valid_tool_id(tool),
                    "genesis: malformed tool id"
                );
                let id: ToolId = tool.clone().try_into().expect("checked length");
                if !tools.contains(&id) {
                    tools
                        .try_push(id)
                        .expect("genesis: more tools than MAX_APPROVED_TOOLS");
                }
            }
            ApprovedTools::<T>::put(tools);
        }
    }

    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// An agent was created (version 1).
        AgentCreated {
            agent_id: AgentId,
            owner: T::AccountId,
            deposit: BalanceOf<T>,
        },
        /// An agent's new version was stored.
        AgentUpdated {
            agent_id: AgentId,
            version: AgentVersion,
            deposit: BalanceOf<T>,
        },
        /// An older version was removed (no run pins it any more); its deposit returned.
        VersionRemoved {
            agent_id: AgentId,
            version: AgentVersion,
        },
        /// An agent was deleted; every deposit returned.
        AgentDeleted { agent_id: AgentId },
        /// A tool was approved.
        ToolApproved { tool: ToolId },
        /// A tool was revoked.
        ToolRevoked { tool: ToolId },
        /// A run was submitted as job `job_id`.
        RunSubmitted {
            job_id: JobId,
            agent_id: AgentId,
            version: AgentVersion,
            owner: T::AccountId,
            budget: BalanceOf<T>,
        },
        /// The run's miner recorded its trace.
        TraceRecorded {
            job_id: JobId,
            miner: T::AccountId,
            root: sp_core::H256,
            steps: u32,
            end: RunEnd,
        },
        /// The run's job ended (`completed`: delivered and paid; otherwise refunded).
        RunEnded { job_id: JobId, completed: bool },
        /// A run's records were pruned; its data deposit returned.
        RunPruned { job_id: JobId },
        /// An account set (or, with `None`, removed) where it streams its runs' steps.
        StreamEndpointSet {
            who: T::AccountId,
            endpoint: Option<aitbc_primitives::StreamEndpoint>,
        },
    }

    #[pallet::error]
    pub enum Error<T> {
        /// No such agent.
        UnknownAgent,
        /// Only the agent's owner may do this.
        NotAgentOwner,
        /// The name is empty or not UTF-8.
        BadName,
        /// The configuration is empty or not UTF-8 JSON text.
        BadConfig,
        /// The model name is empty.
        EmptyModel,
        /// A limit is out of its bounds (`max_steps` 1..=16, `max_tokens` 1..=4096,
        /// `max_tool_calls` 0..=16, `deadline_blocks` at least 1).
        BadLimits,
        /// The price cap is below the least a job may pay.
        PriceCapTooLow,
        /// A listed tool is not approved on chain (see `ApprovedTools`).
        ToolNotApproved,
        /// A tool is listed twice.
        DuplicateTool,
        /// A tool id is malformed (`[a-z][a-z0-9_]*`, at most 32 bytes).
        BadToolId,
        /// The tool is already approved.
        ToolAlreadyApproved,
        /// The tool is not approved.
        UnknownTool,
        /// No more tools can be approved.
        TooManyTools,
        /// The agent has open runs; delete it once they ended.
        AgentHasOpenRuns,
        /// The version does not exist (removed, or never stored).
        UnknownVersion,
        /// The run's input is empty or not UTF-8.
        BadInput,
        /// The payment is below the least a job may pay.
        PaymentTooLow,
        /// No such run.
        UnknownRun,
        /// Only the miner running the run's job may record its trace.
        NotRunMiner,
        /// The run's job is not running.
        RunNotRunning,
        /// This miner already recorded the run's trace.
        AlreadyTraced,
        /// The signer is not an active participant of this redundant run, or has revealed
        /// already.
        NotRoundParticipant,
        /// The trace has no steps.
        EmptyTrace,
        /// The trace has more steps than the agent's `max_steps`.
        TooManySteps,
        /// The trace's steps generated more tokens than the agent's `max_tokens`.
        TooManyTokens,
        /// The trace ran more tools than the agent's `max_tool_calls`.
        TooManyToolCalls,
        /// Only the last step may be an answer or a stop, and it must be one.
        MisplacedEnd,
        /// A tool step without a tool call, or another step with a call or an observation.
        MalformedStep,
        /// A tool call that ran names a tool the agent does not list.
        ToolNotAllowed,
        /// The run's end does not match its last step.
        EndMismatch,
        /// The result was delivered before the trace was recorded, or by another miner.
        TraceNotRecorded,
        /// The result is not the trace's last step (its answer or stop reason).
        ResultNotTraced,
        /// The result's metrics are not the trace's (the sum of its steps' milliseconds and
        /// tokens).
        MetricsNotTraced,
        /// Too many runs are already scheduled for pruning around that block.
        PruneScheduleFull,
        /// The run's text is too long for one step (1024 bytes).
        StepTooLong,
        /// A stream endpoint must be an `http://` or `https://` URL of printable ASCII.
        BadEndpoint,
    }

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        fn on_initialize(n: BlockNumberFor<T>) -> Weight {
            Self::prune_due(n)
        }

        fn integrity_test() {
            assert!(
                T::MaxPrunesPerBlock::get() > 0,
                "MaxPrunesPerBlock must be positive"
            );
        }
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Create an agent (version 1) and hold its deposit. The tools must be approved and
        /// distinct; the limits within their bounds; the price cap at least the least a job may
        /// pay.
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::create_agent(config.len() as u32))]
        pub fn create_agent(
            origin: OriginFor<T>,
            name: AgentName,
            kind: AgentKind,
            config: AgentConfig,
            model: ModelName,
            tools: AgentTools,
            limits: AgentLimits,
            price_cap: BalanceOf<T>,
        ) -> DispatchResult {
            let owner = ensure_signed(origin)?;
            let spec = Self::spec_of(name, kind, config, model, tools, limits, price_cap);
            Self::do_create(owner, spec).map(|_| ())
        }

        /// Store a new version of an agent (owner only), checked as `create_agent` checks. The
        /// previous version stays while runs pin it.
        #[pallet::call_index(1)]
        #[pallet::weight(T::WeightInfo::update_agent(config.len() as u32))]
        pub fn update_agent(
            origin: OriginFor<T>,
            agent_id: AgentId,
            name: AgentName,
            kind: AgentKind,
            config: AgentConfig,
            model: ModelName,
            tools: AgentTools,
            limits: AgentLimits,
            price_cap: BalanceOf<T>,
        ) -> DispatchResult {
            let owner = ensure_signed(origin)?;
            let spec = Self::spec_of(name, kind, config, model, tools, limits, price_cap);
            Self::do_update(owner, agent_id, spec)
        }

        /// Delete an agent with no open run (owner only): every version removed, every
        /// deposit returned.
        #[pallet::call_index(2)]
        #[pallet::weight(T::WeightInfo::delete_agent())]
        pub fn delete_agent(origin: OriginFor<T>, agent_id: AgentId) -> DispatchResult {
            let owner = ensure_signed(origin)?;
            Self::do_delete(owner, agent_id)
        }

        /// Run an agent's latest version on `input` (and an optional data file its tools
        /// read) as a job: budget `min(payment, price cap)`, expiring `ttl` blocks from now.
        #[pallet::call_index(3)]
        #[pallet::weight(T::WeightInfo::execute(
            input.len() as u32,
            data.as_ref().map_or(0, |d| d.len() as u32),
        ).saturating_add(
            <T::Jobs as aitbc_primitives::PlainJobs<_, _, _>>::submit_weight(input.len() as u32)
        ))]
        pub fn execute(
            origin: OriginFor<T>,
            agent_id: AgentId,
            input: Prompt,
            data: Option<RunData>,
            payment: BalanceOf<T>,
            ttl: BlockNumberFor<T>,
        ) -> DispatchResult {
            let owner = ensure_signed(origin)?;
            Self::do_execute(owner, agent_id, input, data, payment, ttl).map(|_| ())
        }

        /// Run an agent's latest version k-of-n (exact mode): `redundancy.k` distinct miners
        /// that declared `redundancy.profile` each run it, decoding as the profile says (greedy
        /// or its seed), record their own trace, then commit to their answer and reveal it
        /// (the jobs pallet's redundant jobs). The run completes with the answer the quorum
        /// gave, and the trace of a participant that gave it becomes the run's. Dissent is
        /// settled without a referee (an agent loop cannot be refereed by one forward pass):
        /// dissenters are not paid, and not slashed. The budget is `min(payment, price cap)`
        /// for all of them.
        #[pallet::call_index(8)]
        #[pallet::weight(T::WeightInfo::execute(
            input.len() as u32,
            data.as_ref().map_or(0, |d| d.len() as u32),
        ).saturating_add(
            <T::Redundant as aitbc_primitives::RedundantJobs<_, _, _>>::submit_weight(
                input.len() as u32
            )
        ))]
        pub fn execute_redundant(
            origin: OriginFor<T>,
            agent_id: AgentId,
            input: Prompt,
            data: Option<RunData>,
            payment: BalanceOf<T>,
            ttl: BlockNumberFor<T>,
            redundancy: aitbc_primitives::Redundancy,
        ) -> DispatchResult {
            let owner = ensure_signed(origin)?;
            Self::do_execute_as(
                owner,
                agent_id,
                input,
                data,
                payment,
                ttl,
                Some(redundancy),
                None,
            )
            .map(|_| ())
        }

        /// Record a run's trace (the miner running its job): checked against the pinned
        /// version's limits and tools, its root computed and stored. The miner then delivers
        /// the last step's text with the jobs pallet's `submit_result`.
        /// For a redundant run each participant records its own (before committing), which
        /// [`RoundTraces`] keeps.
        #[pallet::call_index(4)]
        // With the redundant job's round read (bounded: at most 7 participants and their
        // replacements).
        #[pallet::weight(T::WeightInfo::record_trace(steps.len() as u32)
            .saturating_add(T::DbWeight::get().reads(2)))]
        pub fn record_trace(
            origin: OriginFor<T>,
            job_id: JobId,
            steps: Trace,
            end: RunEnd,
        ) -> DispatchResult {
            let miner = ensure_signed(origin)?;
            Self::do_record_trace(miner, job_id, steps, end)
        }

        /// Approve a tool for agents to list ([`Config::ToolOrigin`]).
        #[pallet::call_index(5)]
        #[pallet::weight(T::WeightInfo::approve_tool())]
        pub fn approve_tool(origin: OriginFor<T>, tool: ToolId) -> DispatchResult {
            T::ToolOrigin::ensure_origin(origin)?;
            Self::do_approve_tool(tool)
        }

        /// Set (or, with `None`, remove) where the caller streams its agent runs' steps: an
        /// `http://` or `https://` URL. Clients of a run ask the run's miner there, signing
        /// with the run owner's key ([`aitbc_primitives::stream_auth_payload`]).
        #[pallet::call_index(7)]
        // One write: charged as `approve_tool` (a read and a write), which is more.
        #[pallet::weight(T::WeightInfo::approve_tool())]
        pub fn set_stream_endpoint(
            origin: OriginFor<T>,
            endpoint: Option<aitbc_primitives::StreamEndpoint>,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            if let Some(url) = &endpoint {
                let ok = (url.starts_with(b"http://") || url.starts_with(b"https://"))
                    && url.iter().all(|b| b.is_ascii_graphic());
                ensure!(ok, Error::<T>::BadEndpoint);
            }
            match &endpoint {
                Some(url) => StreamEndpoints::<T>::insert(&who, url),
                None => StreamEndpoints::<T>::remove(&who),
            }
            Self::deposit_event(Event::StreamEndpointSet { who, endpoint });
            Ok(())
        }

        /// Revoke a tool ([`Config::ToolOrigin`]): new versions cannot list it.
        #[pallet::call_index(6)]
        #[pallet::weight(T::WeightInfo::revoke_tool())]
        pub fn revoke_tool(origin: OriginFor<T>, tool: ToolId) -> DispatchResult {
            T::ToolOrigin::ensure_origin(origin)?;
            Self::do_revoke_tool(tool)
        }
    }
}

/// A stored agent.
#[derive(
    codec::Encode,
    codec::Decode,
    Clone,
    PartialEq,
    Eq,
    Debug,
    scale_info::TypeInfo,
    codec::MaxEncodedLen,
)]
pub struct Agent<AccountId, BlockNumber> {
    /// Its owner.
    pub owner: AccountId,
    /// Its latest version.
    pub latest: aitbc_primitives::AgentVersion,
    /// Block at which it was created.
    pub created_at: BlockNumber,
    /// Block at which its latest version was stored.
    pub updated_at: BlockNumber,
    /// Runs of any of its versions not ended yet.
    pub open_runs: u32,
    /// Runs submitted in all.
    pub total_runs: u32,
}

/// A stored agent.
pub type AgentOf<T> = Agent<<T as frame_system::Config>::AccountId, BlockNumberFor<T>>;

/// One stored version of an agent.
#[derive(
    codec::Encode,
    codec::Decode,
    Clone,
    PartialEq,
    Eq,
    Debug,
    scale_info::TypeInfo,
    codec::MaxEncodedLen,
)]
pub struct VersionRecord<Balance, BlockNumber> {
    /// What the version is.
    pub spec: AgentSpec<Balance>,
    /// BLAKE2-256 of its configuration.
    pub config_hash: sp_core::H256,
    /// The deposit held for it.
    pub deposit: Balance,
    /// Block at which it was stored.
    pub stored_at: BlockNumber,
    /// Runs of it not ended yet.
    pub open_runs: u32,
}

/// A run's input.
#[derive(
    codec::Encode,
    codec::Decode,
    Clone,
    PartialEq,
    Eq,
    Debug,
    scale_info::TypeInfo,
    codec::MaxEncodedLen,
)]
pub struct RunInput<AccountId, Balance> {
    /// The client's text.
    pub input: aitbc_primitives::Prompt,
    /// The data file, if any.
    pub data: Option<aitbc_primitives::RunData>,
    /// Who holds the data deposit.
    pub depositor: AccountId,
    /// The data deposit held.
    pub deposit: Balance,
}

/// One participant's trace of a redundant (k-of-n) run: each runs the agent and records its
/// own, before committing to its answer.
#[derive(
    codec::Encode,
    codec::Decode,
    Clone,
    PartialEq,
    Eq,
    Debug,
    scale_info::TypeInfo,
    codec::MaxEncodedLen,
)]
pub struct RoundTrace {
    /// The trace's root (seeded as the run's).
    pub root: sp_core::H256,
    /// How the participant's run ended.
    pub end: aitbc_primitives::RunEnd,
    /// Its steps.
    pub steps: aitbc_primitives::Trace,
}
