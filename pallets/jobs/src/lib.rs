//! # AITBC jobs pallet
//!
//! Compute jobs, their escrow, and their deterministic assignment to miners.
//!
//! ## Life of a job
//! ```text
//! submit(budget = 0) ─► Unfunded ──fund──┐
//! submit(budget > 0) ───────────────────►├─► Queued ─(on_initialize/on_idle)──► Assigned
//!                                        │      ▲                                │ accept
//!                                        │      └──── ack deadline missed ◄──────┤
//!                                        │            (miner noted late,         ▼
//!                                        │             slashed, excluded)     Running
//!                                        │                                       │ submit_result
//!  cancel (owner, before completion) ─► Cancelled                                ▼
//!   (after accept: miner paid pro rata)
//!  report_failure (miner) ────────────► Failed                               Completed
//!  TTL reached (on_initialize) ───────► Expired
//! ```
//! Each status is recorded with the block it was entered ([`aitbc_primitives::JobTimeline`]).
//!
//! ## Money
//! All escrow money moves in [`escrow`]: the budget is held from the client with
//! [`HoldReason::JobEscrow`] when the job is funded; on completion
//! [`escrow::settle`](Pallet::settle) pays the price to the miner with `transfer_on_hold` and
//! releases the rest to the client in the same call; failure, expiry and a cancellation before
//! the miner accepted release the whole hold back to the client
//! ([`escrow::refund`](Pallet::refund)). A cancellation after the miner accepted settles
//! [`Pallet::cancellation_pay`] to the miner (the budget pro rata of the run window used, at
//! least the minimum payment): cancelling cannot buy a miner's time for free, nor front-run a
//! result to get it for nothing. The price is
//! `max(gpu_seconds * unit_price, MinPayment[job_type])`, capped at the budget; `unit_price` is
//! the miner's price fixed at assignment. Of every payment, the protocol fee ([`ProtocolFee`],
//! DAO-governed) is burned and the rest goes to the miner; the receipt records both, and the
//! receipts pallet caps each receipt's emission at its fee.
//!
//! ## Assignment
//! In `on_initialize`, and again in `on_idle` when the block has weight left (so a job is
//! assigned in the block that queued it), at most [`Config::MaxAssignmentsPerBlock`] jobs from the head of the
//! bounded [`Queue`] are offered to [`Config::Miners`] (`MinerRegistry::select_miner`; the rule
//! is documented in the miners pallet: eligible = online, serves the model, meets the
//! requirements, `price * estimated_gpu_seconds <= budget`; ranked by `score * stake`, then
//! fewest active jobs, then account). Jobs no miner can take go to the back of the queue.
//! The chosen miner must `accept` within [`Config::AckTimeout`] blocks; otherwise it is noted
//! late (and slashed) by the registry, excluded for this job, and the job is queued again.
//!
//! ## Deadlines a miner can meet
//! A miner is only ever slashed for a window it fully had. `submit` refuses a TTL shorter than
//! [`Pallet::min_ttl`] (one block to be assigned + `AckTimeout` + [`Config::MinRunWindow`];
//! error `TtlTooShort { min_ttl }`); a queued job is assigned only if its remaining life still
//! holds the whole acknowledgement window followed by the whole run window (otherwise it waits
//! and expires, refunded); and at expiry the miner is noted late only if its acknowledgement
//! deadline had come (`Assigned`) or `MinRunWindow` blocks had passed since it accepted
//! (`Running`) — otherwise it is released without penalty.
//! After [`aitbc_primitives::MAX_EXCLUDED_MINERS`] misses the job fails with a full refund.
//!
//! ## Storage deposits and retention
//! A job holds a refundable storage deposit from its owner ([`Config::DepositPerByte`] × its
//! encoded size), and a delivered result one from its miner; [`Config::RetentionPeriod`] blocks
//! after a job ends, `on_initialize` prunes it (job, result, index entries; at most
//! [`Config::MaxPrunesPerBlock`] a block) and returns both deposits ([`retention`]).
//!
//! ## Hourly activity
//! Every submission and completion is counted in the hour of the block's timestamp
//! ([`Config::Time`]) in [`Activity`], a ring of [`aitbc_primitives::ACTIVITY_HOURS`] hourly
//! buckets that pruning leaves alone (a genesis may bring history: `GenesisConfig::activity`);
//! see [`activity`]. It is what `aitbc optimize predict` forecasts from.
//!
//! ## Bounded work per block
//! `on_initialize(n)` processes the expiries indexed at `n` (at most
//! [`Config::MaxExpiriesPerBlock`]), the acknowledgement deadlines indexed at `n` (at most
//! `MaxAssignmentsPerBlock`, since only that many jobs are assigned per block), and at most
//! `MaxAssignmentsPerBlock` queue entries, each looking at most
//! `MinerRegistry::max_candidates()` miners. Its weight is accounted from benchmarks.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod redundancy_tests;
#[cfg(test)]
mod tests;

pub mod activity;
pub mod escrow;
pub mod lifecycle;
pub mod migrations;
pub mod queries;
pub mod redundancy;
pub mod referee;
pub mod retention;
pub mod round;
pub mod scheduling;
pub mod seams;
pub mod validation;
pub mod weights;

pub use weights::WeightInfo;

use aitbc_primitives::{Job, JobId};
use frame_support::traits::fungible;
use frame_system::pallet_prelude::BlockNumberFor;

/// Balance type of the configured currency.
pub type BalanceOf<T> =
    <<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A stored job.
pub type JobOf<T> = Job<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
/// A stored round of a redundant job.
pub type RoundOf<T> =
    round::Round<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

/// The storage deposits held for a job ([`retention`]).
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
pub struct JobDeposits<AccountId, Balance> {
    /// Held from the job's owner at submission.
    pub job: Balance,
    /// Held from the miner that delivered the result, with that miner.
    pub result: Option<(AccountId, Balance)>,
}

// `submit_with_options` takes the job's nine fields as call arguments (as polkadot.js and
// every other client see them); the code FRAME generates from it has as many.
#[allow(clippy::too_many_arguments)]
#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use aitbc_primitives::{
        FailureReason, GenerationOptions, Ineligibility, JobInput, JobResult, JobStatus,
        JobTimeline, JobType, Metrics, MinerRegistry, ModelName, ReceiptId, ReceiptSignatureCheck,
        ReceiptSink, Requirements, ResultBytes,
    };
    use frame_support::{pallet_prelude::*, traits::fungible::MutateHold};
    use frame_system::pallet_prelude::*;
    use sp_core::{H256, H512};
    use sp_runtime::{traits::Zero, Perbill, SaturatedConversion, Saturating};

    /// Version 1: jobs carry generation options and an optional provider
    /// ([`crate::migrations::v1`]).
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(1);

    /// Most job types a runtime may list in [`Config::AcceptedJobTypes`].
    pub type AcceptedJobTypesOf = BoundedVec<JobType, ConstU32<8>>;

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    /// Why this pallet holds funds.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// A job's budget, held until the job ends.
        #[codec(index = 0)]
        JobEscrow,
        /// A storage deposit for a job or its result, held until the ended job is pruned.
        #[codec(index = 1)]
        StorageDeposit,
        /// A miner's bond for its part in a redundant job: released when its part ends well,
        /// burned for a provable fault (a reveal that does not match its commitment, or an
        /// output the referee proves wrong).
        #[codec(index = 2)]
        JobBond,
    }

    /// Why a job failed.
    #[derive(
        Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
    )]
    pub enum FailureCause {
        /// The assigned miner reported a failure.
        MinerReported(FailureReason),
        /// Too many miners missed their acknowledgement deadline.
        NoMinerAcknowledged,
        /// The job could not be queued again after a missed deadline (queue full).
        QueueFull,
        /// No registered miner serves the job's model: it left the queue, refunded, instead of
        /// taking a queue slot until its TTL.
        NoMinerServesModel,
        /// The miner the client asked for cannot take the job.
        ProviderIneligible(Ineligibility),
        /// A redundant job's outputs reached no quorum and no referee decided between them
        /// (or the referee proved every output wrong).
        NoAgreement,
    }

    /// Configuration.
    #[pallet::config]
    pub trait Config: frame_system::Config {
        /// The overarching event type.
        #[allow(deprecated)]
        type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;
        /// The currency budgets are held in.
        type Currency: fungible::Inspect<Self::AccountId>
            + fungible::Mutate<Self::AccountId>
            + MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
        /// The overarching hold reason.
        type RuntimeHoldReason: From<HoldReason>;
        /// Where eligible miners come from, and where outcomes are reported.
        type Miners: MinerRegistry<Self::AccountId, BalanceOf<Self>>;
        /// Where completed jobs are recorded.
        type Receipts: ReceiptSink<Self::AccountId, BalanceOf<Self>>;
        /// Checks a miner's signature of the receipt of the result it delivers.
        type ReceiptSignature: ReceiptSignatureCheck<Self::AccountId>;
        /// The job types `submit` accepts (clients read it from the metadata and refuse the
        /// others before signing).
        #[pallet::constant]
        type AcceptedJobTypes: Get<AcceptedJobTypesOf>;
        /// Who may change market parameters such as [`MinPayment`] (root now, the DAO later).
        type ParamsOrigin: EnsureOrigin<Self::RuntimeOrigin>;
        /// Minimum payment of job types that genesis and governance did not set ([`MinPayment`]).
        #[pallet::constant]
        type DefaultMinPayment: Get<BalanceOf<Self>>;
        /// Protocol fee of chains whose genesis and governance set none ([`ProtocolFee`]).
        #[pallet::constant]
        type DefaultProtocolFee: Get<Perbill>;
        /// Most jobs waiting for assignment.
        #[pallet::constant]
        type MaxQueueLen: Get<u32>;
        /// Most jobs assigned per block.
        #[pallet::constant]
        type MaxAssignmentsPerBlock: Get<u32>;
        /// Most jobs expiring in one block.
        #[pallet::constant]
        type MaxExpiriesPerBlock: Get<u32>;
        /// Blocks an assigned miner has to `accept` (at least 1).
        #[pallet::constant]
        type AckTimeout: Get<BlockNumberFor<Self>>;
        /// Blocks a miner that accepts at the last moment of its acknowledgement window still
        /// has to deliver before the job's TTL ends (its run window, at least 1). A job is only
        /// assigned when its remaining life leaves the full acknowledgement window plus this
        /// run window, and a submitted TTL must leave both ([`Pallet::min_ttl`]).
        #[pallet::constant]
        type MinRunWindow: Get<BlockNumberFor<Self>>;
        /// Longest TTL a job may ask for.
        #[pallet::constant]
        type MaxTtl: Get<BlockNumberFor<Self>>;
        /// Storage deposit per byte of a stored job (held from its owner) or result (held from
        /// its miner), returned when the ended job is pruned.
        #[pallet::constant]
        type DepositPerByte: Get<BalanceOf<Self>>;
        /// Blocks an ended job (and its result) stays in storage before it is pruned.
        #[pallet::constant]
        type RetentionPeriod: Get<BlockNumberFor<Self>>;
        /// Most ended jobs pruned in one block.
        #[pallet::constant]
        type MaxPrunesPerBlock: Get<u32>;
        /// Most open (not yet ended) jobs one client account may have: one account cannot fill
        /// the assignment queue ([`OpenJobs`]).
        #[pallet::constant]
        type MaxOpenJobsPerClient: Get<u32>;
        /// Execution profiles: which exist, and which miners run them (redundant jobs).
        type Profiles: aitbc_primitives::ProfileDirectory<Self::AccountId>;
        /// Most miners a redundant job may ask for (`k`, at most
        /// [`aitbc_primitives::MAX_REDUNDANCY`]). Each assignment of a redundant job counts `k`
        /// attempts against [`Config::MaxAssignmentsPerBlock`].
        #[pallet::constant]
        type MaxRedundancy: Get<u32>;
        /// Each participant's job bond in a redundant job, held from its free balance at
        /// assignment (a miner that cannot pay it is not chosen).
        #[pallet::constant]
        type JobBond: Get<BalanceOf<Self>>;
        /// Blocks the participants have to reveal once the reveal phase opens.
        #[pallet::constant]
        type RevealWindow: Get<BlockNumberFor<Self>>;
        /// Blocks a referee has to report its finding.
        #[pallet::constant]
        type RefereeWindow: Get<BlockNumberFor<Self>>;
        /// The logit margin, in thousandths, above which a token is provably not the model's
        /// choice: a side whose token is more than this below the top token's logit is slashed;
        /// at or below it the dispute is an honest near-tie.
        #[pallet::constant]
        type RefereeMarginMilli: Get<u64>;
        /// Told when a job reaches a terminal status and when a redundant job's round is
        /// settled (the swarms pallet); `()` for nobody. Its work is charged to every call and
        /// hook that can end a job ([`Pallet::observer_weight`]).
        type JobObserver: aitbc_primitives::JobObserver;
        /// Extra rules for some jobs (the agents pallet's runs): a run window from acceptance to
        /// delivery, and a check of the delivered result; `()` for none. Its work is charged to
        /// `accept` and `submit_result`.
        type JobRules: aitbc_primitives::JobRules<Self::AccountId>;
        /// The time of the current block: dates the hourly [`Activity`] buckets.
        type Time: frame_support::traits::UnixTime;
        /// Weights of this pallet's calls and hooks.
        type WeightInfo: WeightInfo;
    }

    /// Next job id.
    #[pallet::storage]
    pub type NextJobId<T: Config> = StorageValue<_, JobId, ValueQuery>;

    /// Jobs by id.
    #[pallet::storage]
    pub type Jobs<T: Config> = StorageMap<_, Twox64Concat, JobId, JobOf<T>>;

    /// Delivered results by job id (kept apart from jobs: up to 64 KiB each).
    #[pallet::storage]
    pub type Results<T: Config> = StorageMap<_, Twox64Concat, JobId, JobResult>;

    /// Index: jobs by owner.
    #[pallet::storage]
    pub type JobsByOwner<T: Config> =
        StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, JobId, ()>;

    /// Index: jobs by their current (or, once terminal, last) miner.
    #[pallet::storage]
    pub type JobsByMiner<T: Config> =
        StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, JobId, ()>;

    /// Index: jobs by current status.
    #[pallet::storage]
    pub type JobsByStatus<T: Config> =
        StorageDoubleMap<_, Twox64Concat, JobStatus, Twox64Concat, JobId, ()>;

    /// Open (not yet ended) jobs per client account, at most `MaxOpenJobsPerClient`. Counted
    /// from the upgrade that introduced it: jobs opened before are not counted (the count
    /// saturates at zero when they end).
    #[pallet::storage]
    pub type OpenJobs<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

    /// Jobs waiting for a miner, in order.
    #[pallet::storage]
    pub type Queue<T: Config> = StorageValue<_, BoundedVec<JobId, T::MaxQueueLen>, ValueQuery>;

    /// Jobs to expire at each block.
    #[pallet::storage]
    pub type Expiries<T: Config> = StorageMap<
        _,
        Twox64Concat,
        BlockNumberFor<T>,
        BoundedVec<JobId, T::MaxExpiriesPerBlock>,
        ValueQuery,
    >;

    /// Storage deposits held per job (absent when none was held).
    #[pallet::storage]
    pub type Deposits<T: Config> =
        StorageMap<_, Twox64Concat, JobId, JobDeposits<T::AccountId, BalanceOf<T>>>;

    /// Ended jobs to prune at each block (`RetentionPeriod` after they ended).
    #[pallet::storage]
    pub type Prunes<T: Config> = StorageMap<
        _,
        Twox64Concat,
        BlockNumberFor<T>,
        BoundedVec<JobId, T::MaxPrunesPerBlock>,
        ValueQuery,
    >;

    /// Jobs whose acknowledgement deadline falls at each block.
    #[pallet::storage]
    pub type AckDeadlines<T: Config> = StorageMap<
        _,
        Twox64Concat,
        BlockNumberFor<T>,
        BoundedVec<JobId, T::MaxAssignmentsPerBlock>,
        ValueQuery,
    >;

    /// The round of each redundant job (absent for a job run by one miner), kept until the
    /// job is pruned.
    #[pallet::storage]
    pub type Rounds<T: Config> = StorageMap<_, Twox64Concat, JobId, RoundOf<T>>;

    /// The distinct outputs revealed in a redundant job's round, by output hash (at most
    /// `k`), kept for the referee until the job is pruned.
    #[pallet::storage]
    pub type RoundOutputs<T: Config> =
        StorageDoubleMap<_, Twox64Concat, JobId, Identity, H256, ResultBytes>;

    /// Open referee duties: `(referee, job)` while the referee's dispute is open (how a miner
    /// daemon finds the disputes it must settle).
    #[pallet::storage]
    pub type RefereeDuties<T: Config> =
        StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, JobId, ()>;

    /// The miners a redundant job's participants are chosen among, when whoever submitted it
    /// restricted it ([`aitbc_primitives::RedundantJobs::submit`] with members: a swarm's
    /// members); absent for an unrestricted job. Kept until the job is pruned. Its referee
    /// may be any miner of the profile.
    #[pallet::storage]
    pub type RoundMembers<T: Config> =
        StorageMap<_, Twox64Concat, JobId, aitbc_primitives::RoundMembers<T::AccountId>>;

    /// The chain's hourly job activity ([`crate::activity`]): a ring of at most
    /// [`aitbc_primitives::ACTIVITY_HOURS`] buckets, slot `hour % ACTIVITY_HOURS`, each holding
    /// the jobs submitted and completed, tokens generated, compute time and active miners of
    /// its hour. Not pruned with the jobs: the history forecasts are made from.
    #[pallet::storage]
    pub type Activity<T: Config> =
        StorageMap<_, Twox64Concat, u32, aitbc_primitives::ActivityBucket>;

    /// The last hour in which each miner completed a job: a miner is counted once per hour in
    /// [`Activity`]'s `active_miners`. One entry per miner that ever completed a job.
    #[pallet::storage]
    pub type MinerLastActiveHour<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32>;

    /// Sum of all job bonds burned since genesis.
    #[pallet::storage]
    pub type TotalBondsSlashed<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

    /// Default of [`MinPayment`]: the runtime's `DefaultMinPayment`.
    #[pallet::type_value]
    pub fn DefaultMinPaymentOf<T: Config>() -> BalanceOf<T> {
        T::DefaultMinPayment::get()
    }

    /// Minimum payment per job type: the least a budget may be, and the least a miner is paid.
    /// A runtime parameter: set at genesis or by `set_min_payment`; `DefaultMinPayment` until
    /// then.
    #[pallet::storage]
    pub type MinPayment<T: Config> =
        StorageMap<_, Twox64Concat, JobType, BalanceOf<T>, ValueQuery, DefaultMinPaymentOf<T>>;

    /// Default of [`ProtocolFee`]: the runtime's `DefaultProtocolFee`.
    #[pallet::type_value]
    pub fn DefaultProtocolFeeOf<T: Config>() -> Perbill {
        T::DefaultProtocolFee::get()
    }

    /// The protocol fee: the share of every job payment (completion, or cancellation after
    /// acceptance) burned instead of paid to the miner. It bounds emission: a receipt's share
    /// of the era's emission is capped at the fee its job burned (receipts pallet), so paying
    /// oneself through a second account never earns more than it burns. A runtime parameter:
    /// `set_protocol_fee` (the DAO's `SetProtocolFee`); `DefaultProtocolFee` until then.
    #[pallet::storage]
    pub type ProtocolFee<T: Config> = StorageValue<_, Perbill, ValueQuery, DefaultProtocolFeeOf<T>>;

    /// Sum of all protocol fees burned since genesis.
    #[pallet::storage]
    pub type TotalFeesBurned<T: Config> = StorageValue<_, BalanceOf<T>, ValueQuery>;

    /// Genesis: initial minimum payments.
    #[pallet::genesis_config]
    #[derive(frame_support::DefaultNoBound)]
    pub struct GenesisConfig<T: Config> {
        /// Initial [`MinPayment`] entries.
        pub min_payments: alloc::vec::Vec<(JobType, BalanceOf<T>)>,
        /// Hourly job history to start from ([`Activity`]; e.g. a chain migrated from the
        /// original AITBC brings its history so). Only the last `ACTIVITY_HOURS` distinct
        /// hours are kept.
        #[serde(default)]
        pub activity: alloc::vec::Vec<aitbc_primitives::ActivityBucket>,
    }

    #[pallet::genesis_build]
    impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
        fn build(&self) {
            for (job_type, amount) in &self.min_payments {
                MinPayment::<T>::insert(job_type, amount);
            }
            Pallet::<T>::import_activity(&self.activity);
        }
    }

    /// Events.
    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// A job was submitted (status `Unfunded` or `Queued`).
        JobSubmitted {
            job_id: JobId,
            owner: T::AccountId,
            job_type: JobType,
            budget: BalanceOf<T>,
            expires_at: BlockNumberFor<T>,
        },
        /// A job's budget was put on hold.
        EscrowHeld {
            job_id: JobId,
            owner: T::AccountId,
            amount: BalanceOf<T>,
        },
        /// A job entered the assignment queue.
        JobQueued { job_id: JobId },
        /// A job was assigned; the miner must accept by `ack_deadline`.
        JobAssigned {
            job_id: JobId,
            miner: T::AccountId,
            unit_price: BalanceOf<T>,
            ack_deadline: BlockNumberFor<T>,
        },
        /// The assigned miner missed its acknowledgement deadline.
        AckMissed {
            job_id: JobId,
            miner: T::AccountId,
            slashed: BalanceOf<T>,
        },
        /// The assigned miner accepted the job (status `Running`).
        JobAccepted { job_id: JobId, miner: T::AccountId },
        /// The miner of a job with a run window ([`Config::JobRules`]) did not deliver within
        /// it: noted late (stake slashed by `slashed`), excluded, and the job queued again.
        RunWindowMissed {
            job_id: JobId,
            miner: T::AccountId,
            slashed: BalanceOf<T>,
        },
        /// The miner was paid from escrow.
        MinerPaid {
            job_id: JobId,
            miner: T::AccountId,
            amount: BalanceOf<T>,
        },
        /// Escrow was released back to the job's owner.
        EscrowRefunded {
            job_id: JobId,
            owner: T::AccountId,
            amount: BalanceOf<T>,
        },
        /// A job completed with a result and a receipt.
        JobCompleted {
            job_id: JobId,
            miner: T::AccountId,
            receipt_id: ReceiptId,
            price: BalanceOf<T>,
            result_hash: H256,
        },
        /// A job failed (refunded in full).
        JobFailed { job_id: JobId, cause: FailureCause },
        /// A job was cancelled by its owner: refunded in full, or, once accepted, the miner paid
        /// for its time (`MinerPaid`) and the rest refunded (`EscrowRefunded`).
        JobCancelled { job_id: JobId },
        /// A job reached its TTL (refunded in full).
        JobExpired { job_id: JobId },
        /// The miner a job asked for cannot take it (the job fails, refunded: `JobFailed`).
        ProviderIneligible {
            job_id: JobId,
            provider: T::AccountId,
            reason: Ineligibility,
        },
        /// The minimum payment for a job type changed.
        MinPaymentChanged {
            job_type: JobType,
            amount: BalanceOf<T>,
        },
        /// The protocol fee of a job payment was burned from its escrow.
        ProtocolFeeBurned { job_id: JobId, amount: BalanceOf<T> },
        /// The protocol fee changed.
        ProtocolFeeChanged { fee: Perbill },
        /// An ended job and its result were removed from storage.
        JobPruned { job_id: JobId },
        /// A job's storage deposits (job and result) were returned.
        DepositsReleased { job_id: JobId, amount: BalanceOf<T> },
        /// A redundant job was submitted: `k` miners of `profile` will run it.
        RedundantJobSubmitted {
            job_id: JobId,
            k: u8,
            quorum: u8,
            profile: H256,
        },
        /// A participant committed to its output.
        ResultCommitted { job_id: JobId, miner: T::AccountId },
        /// A participant did not commit in time: noted late (stake slashed) and replaced.
        CommitMissed {
            job_id: JobId,
            miner: T::AccountId,
            slashed: BalanceOf<T>,
        },
        /// The participants reveal their outputs by `deadline`.
        RevealOpened {
            job_id: JobId,
            deadline: BlockNumberFor<T>,
        },
        /// A participant revealed an output matching its commitment.
        ResultRevealed {
            job_id: JobId,
            miner: T::AccountId,
            output_hash: H256,
        },
        /// A participant revealed an output that does not match its commitment.
        RevealMismatch { job_id: JobId, miner: T::AccountId },
        /// A participant did not reveal in time: noted late (stake slashed).
        RevealMissed {
            job_id: JobId,
            miner: T::AccountId,
            slashed: BalanceOf<T>,
        },
        /// `agreeing` of the revealed outputs were `output_hash`, at least the quorum (or the
        /// referee upheld it).
        AgreementReached {
            job_id: JobId,
            output_hash: H256,
            agreeing: u8,
            revealed: u8,
        },
        /// No output reached the quorum and no dispute could decide: the job fails, refunded.
        NoAgreement { job_id: JobId },
        /// A referee was chosen to settle outputs `hash_a` and `hash_b` by `deadline`.
        RefereeAssigned {
            job_id: JobId,
            referee: T::AccountId,
            hash_a: H256,
            hash_b: H256,
            deadline: BlockNumberFor<T>,
        },
        /// A dispute was settled.
        DisputeSettled {
            job_id: JobId,
            hash_a: H256,
            hash_b: H256,
            outcome: aitbc_primitives::DisputeOutcome,
        },
        /// A participant's job bond was burned for a provable fault.
        BondSlashed {
            job_id: JobId,
            miner: T::AccountId,
            amount: BalanceOf<T>,
        },
    }

    /// Errors.
    #[pallet::error]
    pub enum Error<T> {
        /// No job with that id.
        UnknownJob,
        /// The signer does not own the job.
        NotJobOwner,
        /// The signer is not the job's assigned miner.
        NotAssignedMiner,
        /// The runtime does not accept this job type (see the `AcceptedJobTypes` constant).
        UnsupportedJobType,
        /// The model name is empty.
        EmptyModel,
        /// The inline prompt is longer than 4000 characters.
        PromptTooLong,
        /// The inline prompt is not valid UTF-8.
        PromptNotUtf8,
        /// The input is empty (empty prompt, or a content hash of size 0).
        EmptyInput,
        /// TTL is zero or longer than `MaxTtl`.
        InvalidTtl,
        /// TTL is shorter than `min_ttl` blocks: one block to be assigned, plus the miner's
        /// acknowledgement window (`AckTimeout`), plus its run window (`MinRunWindow`).
        /// `min_ttl` is saturated at `u16::MAX`.
        TtlTooShort {
            /// The least TTL accepted now, in blocks.
            min_ttl: u16,
        },
        /// The budget is below the minimum payment for the job type.
        BudgetBelowMinimum,
        /// The client's free balance cannot cover the budget.
        InsufficientBalance,
        /// The assignment queue is full; try again later.
        QueueFull,
        /// Too many jobs already expire around that block; try another TTL.
        ExpiryScheduleFull,
        /// The job is not `Unfunded` (already funded, or already ended).
        AlreadyFunded,
        /// The job is not `Assigned`.
        JobNotAssigned,
        /// The job is not `Running`.
        JobNotRunning,
        /// The job is neither `Assigned` nor `Running`.
        JobNotActive,
        /// The job is completed, failed, cancelled or expired.
        JobNotCancellable,
        /// The client already has `MaxOpenJobsPerClient` open jobs; wait for one to end.
        TooManyOpenJobs,
        /// The temperature is above 2.0 (`temperature_milli` above 2000).
        TemperatureOutOfRange,
        /// `top_p` is not in (0, 1] (`top_p_milli` not in 1..=1000).
        TopPOutOfRange,
        /// `max_tokens` is 0 or above `MAX_GENERATED_TOKENS` (8192).
        MaxTokensOutOfRange,
        /// The system prompt is empty.
        EmptySystemPrompt,
        /// The system prompt is not valid UTF-8.
        SystemPromptNotUtf8,
        /// The system prompt is longer than 1000 characters.
        SystemPromptTooLong,
        /// The requested provider is not a registered miner.
        ProviderNotRegistered,
        /// The requested provider is unbonding (deregistered).
        ProviderUnbonding,
        /// The requested provider does not serve the job's model.
        ProviderDoesNotServeModel,
        /// The requested provider does not meet the job's requirements (GPU memory, GPU model
        /// or reputation).
        ProviderDoesNotMeetRequirements,
        /// The requested provider's price times the estimated GPU-seconds is above the budget.
        ProviderPriceAboveBudget,
        /// The requested provider's stake is below the minimum.
        ProviderStakeBelowMinimum,
        /// The result hash is not the blake2-256 hash of the delivered output.
        ResultHashMismatch,
        /// The receipt signature is not the miner's signature of the receipt's content.
        BadReceiptSignature,
        /// `k` is not in `2..=MaxRedundancy`, or the quorum is not a strict majority of `k`
        /// at most `k`.
        InvalidRedundancy,
        /// No registered (unretired) execution profile has that id.
        UnknownProfile,
        /// The job's model is not the profile's model.
        ProfileModelMismatch,
        /// A redundant job must be funded at submission (budget above zero).
        RedundantJobUnfunded,
        /// The signer is not an active participant of this redundant job.
        NotParticipant,
        /// The job is not in its commit phase, or the signer already committed.
        NotCommitting,
        /// The job is not in its reveal phase, or the signer has nothing to reveal.
        NotRevealing,
        /// The signer is not the referee of the job's open dispute.
        NotReferee,
        /// The finding is not coherent: the two tokens are equal, or a logit is above the top
        /// logit, or the top token's logit is not the top logit.
        IncoherentFinding,
        /// A redundant job cannot be cancelled once its miners are assigned: its round ends
        /// by itself (completed, failed or expired, refunded).
        RoundInProgress,
        /// The call is for a job run by one miner; this job is redundant (commit and reveal).
        RedundantJob,
        /// A redundant job restricted to a list of miners lists fewer than `k`.
        TooFewMembers,
        /// Too many deadlines already fall around the end of this job's run window; accept it
        /// again in a block or two.
        DeadlineScheduleFull,
        /// Agent runs are submitted through the agents pallet (`Agents::execute`), which pins
        /// the agent version and records the run.
        AgentJobViaAgents,
    }

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        fn on_initialize(n: BlockNumberFor<T>) -> Weight {
            Self::process_block(n)
        }

        /// Jobs queued by this block's extrinsics are offered to miners before the block ends
        /// when enough weight is left, so an idle miner sees its assignment in the block that
        /// carries the submission instead of one slot later.
        fn on_idle(n: BlockNumberFor<T>, remaining: Weight) -> Weight {
            Self::assign_when_idle(n, remaining)
        }

        fn integrity_test() {
            assert!(
                !T::AckTimeout::get().is_zero(),
                "AckTimeout must be at least one block"
            );
            assert!(
                !T::MinRunWindow::get().is_zero(),
                "MinRunWindow must be at least one block"
            );
            assert!(
                Self::min_ttl() <= T::MaxTtl::get(),
                "MaxTtl must leave room for the acknowledgement and run windows"
            );
            assert!(
                T::MaxAssignmentsPerBlock::get() > 0,
                "MaxAssignmentsPerBlock must be > 0"
            );
            assert!(
                T::MaxExpiriesPerBlock::get() > 0,
                "MaxExpiriesPerBlock must be > 0"
            );
            // The worst-case per-block work must leave most of the block to extrinsics.
            assert!(
                T::MaxRedundancy::get() <= aitbc_primitives::MAX_REDUNDANCY,
                "MaxRedundancy must be at most MAX_REDUNDANCY"
            );
            // A redundant job at the head of the queue is tried even when its `k` attempts
            // exceed `MaxAssignmentsPerBlock`.
            let attempts = T::MaxAssignmentsPerBlock::get().max(T::MaxRedundancy::get());
            let per_deadline = Self::deadline_weight();
            let worst = T::WeightInfo::on_initialize_base()
                .saturating_add(
                    Self::expiry_weight().saturating_mul(T::MaxExpiriesPerBlock::get().into()),
                )
                .saturating_add(
                    T::WeightInfo::prune_job().saturating_mul(T::MaxPrunesPerBlock::get().into()),
                )
                .saturating_add(
                    per_deadline.saturating_mul(T::MaxAssignmentsPerBlock::get().into()),
                )
                .saturating_add(Self::assignment_attempt_weight().saturating_mul(attempts.into()));
            let max_block = <T as frame_system::Config>::BlockWeights::get().max_block;
            assert!(
                worst.all_lte(Weight::from_parts(
                    max_block.ref_time() / 4,
                    max_block.proof_size() / 4
                )),
                "on_initialize may use more than a quarter of a block: {worst:?} of {max_block:?}"
            );
        }
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// Submit a job. With `budget > 0` the budget is held in escrow at once and the job is
        /// queued; with `budget == 0` the job waits `Unfunded` for [`Pallet::fund`]. The job
        /// expires `ttl` blocks from now unless it ends before.
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::submit(validation::prompt_len(input)))]
        pub fn submit(
            origin: OriginFor<T>,
            job_type: JobType,
            model: ModelName,
            input: JobInput,
            budget: BalanceOf<T>,
            ttl: BlockNumberFor<T>,
            requirements: Requirements,
        ) -> DispatchResult {
            let owner = ensure_signed(origin)?;
            Self::check_submitted_type(job_type)?;
            Self::do_submit(
                owner,
                job_type,
                model,
                input,
                budget,
                ttl,
                requirements,
                GenerationOptions::default(),
                None,
            )
            .map(|_| ())
        }

        /// Submit a job as [`Pallet::submit`] does, with generation options (each within its
        /// bounds: `TemperatureOutOfRange`, `TopPOutOfRange`, `MaxTokensOutOfRange`, the
        /// system-prompt errors) and optionally the miner that must run it (`provider`: it must
        /// be a registered, active miner serving the model that meets the requirements and the
        /// budget, or the submission is refused saying which; the job is then assigned to it
        /// alone, waiting while it is offline or busy).
        #[pallet::call_index(8)]
        #[pallet::weight(T::WeightInfo::submit(
            validation::prompt_len(input).saturating_add(validation::system_len(options))
        ))]
        pub fn submit_with_options(
            origin: OriginFor<T>,
            job_type: JobType,
            model: ModelName,
            input: JobInput,
            budget: BalanceOf<T>,
            ttl: BlockNumberFor<T>,
            requirements: Requirements,
            options: GenerationOptions,
            provider: Option<T::AccountId>,
        ) -> DispatchResult {
            let owner = ensure_signed(origin)?;
            Self::check_submitted_type(job_type)?;
            Self::do_submit(
                owner,
                job_type,
                model,
                input,
                budget,
                ttl,
                requirements,
                options,
                provider,
            )
            .map(|_| ())
        }

        /// Fund an `Unfunded` job: hold `budget` in escrow and queue the job. Owner only.
        #[pallet::call_index(1)]
        #[pallet::weight(T::WeightInfo::fund())]
        pub fn fund(origin: OriginFor<T>, job_id: JobId, budget: BalanceOf<T>) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
            ensure!(job.owner == who, Error::<T>::NotJobOwner);
            ensure!(job.status == JobStatus::Unfunded, Error::<T>::AlreadyFunded);
            Self::fund_and_queue(&mut job, budget)?;
            Jobs::<T>::insert(job_id, job);
            Ok(())
        }

        /// Accept an assigned job (status `Running`). Assigned miner only, before the
        /// acknowledgement deadline. A job with a run window ([`Config::JobRules`]) must then be
        /// delivered within it, or it goes back to the queue without this miner.
        #[pallet::call_index(2)]
        #[pallet::weight(T::WeightInfo::accept().saturating_add(Pallet::<T>::rules_weight()))]
        pub fn accept(origin: OriginFor<T>, job_id: JobId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
            ensure!(
                job.miner.as_ref() == Some(&who),
                Error::<T>::NotAssignedMiner
            );
            ensure!(
                job.status == JobStatus::Assigned,
                Error::<T>::JobNotAssigned
            );
            job.ack_deadline = None;
            if let Some(window) =
                <T::JobRules as aitbc_primitives::JobRules<T::AccountId>>::run_window(job_id)
            {
                let now = frame_system::Pallet::<T>::block_number();
                let at = now.saturating_add(BlockNumberFor::<T>::from(window.max(1)));
                job.ack_deadline = Some(Self::schedule_run_deadline(job_id, at)?);
            }
            Self::set_status(&mut job, JobStatus::Running);
            Jobs::<T>::insert(job_id, job);
            Self::deposit_event(Event::JobAccepted { job_id, miner: who });
            Ok(())
        }

        /// Deliver the result of a running job: pay the miner from escrow, refund the rest,
        /// write the receipt (status `Completed`). Assigned miner only. `result_hash` must be
        /// the blake2-256 hash of `output` (the chain recomputes it: `ResultHashMismatch`), and
        /// `signature` the miner's sr25519 signature of the receipt's content
        /// ([`aitbc_primitives::receipt_signing_payload`]: job, client, miner, result hash,
        /// units in thousandths of a GPU-second, unit price; `BadReceiptSignature`). A job with
        /// rules ([`Config::JobRules`], e.g. an agent run) must also pass their check.
        #[pallet::call_index(3)]
        #[pallet::weight(T::WeightInfo::submit_result(output.len() as u32)
            .saturating_add(Pallet::<T>::observer_weight())
            .saturating_add(Pallet::<T>::rules_weight()))]
        pub fn submit_result(
            origin: OriginFor<T>,
            job_id: JobId,
            output: ResultBytes,
            result_hash: H256,
            metrics: Metrics,
            signature: H512,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
            ensure!(
                job.miner.as_ref() == Some(&who),
                Error::<T>::NotAssignedMiner
            );
            ensure!(job.status == JobStatus::Running, Error::<T>::JobNotRunning);
            // The hash is the chain's, not the miner's word.
            ensure!(
                <sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash(&output)
                    == result_hash,
                Error::<T>::ResultHashMismatch
            );
            let payload = aitbc_primitives::receipt_signing_payload(
                job_id,
                &job.owner,
                &who,
                &result_hash,
                metrics.units_milli(),
                &job.unit_price,
            );
            ensure!(
                T::ReceiptSignature::verify(&who, &payload, &signature),
                Error::<T>::BadReceiptSignature
            );
            <T::JobRules as aitbc_primitives::JobRules<T::AccountId>>::check_result(
                job_id,
                &who,
                &result_hash,
                &metrics,
            )?;
            Self::complete(&mut job, &who, result_hash, metrics, signature)?;
            let result = JobResult {
                hash: result_hash,
                output,
                metrics,
            };
            Self::hold_result_deposit(job_id, &who, result.encoded_size())?;
            Results::<T>::insert(job_id, result);
            Jobs::<T>::insert(job_id, job);
            Ok(())
        }

        /// Report that an assigned or running job cannot be done (status `Failed`; the client
        /// is refunded in full). Assigned miner only.
        #[pallet::call_index(4)]
        #[pallet::weight(T::WeightInfo::report_failure().saturating_add(Pallet::<T>::observer_weight()))]
        pub fn report_failure(
            origin: OriginFor<T>,
            job_id: JobId,
            reason: FailureReason,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
            ensure!(
                job.miner.as_ref() == Some(&who),
                Error::<T>::NotAssignedMiner
            );
            ensure!(
                matches!(job.status, JobStatus::Assigned | JobStatus::Running),
                Error::<T>::JobNotActive
            );
            T::Miners::note_outcome(&who, aitbc_primitives::JobOutcome::Failed);
            Self::end(&mut job, JobStatus::Failed)?;
            Jobs::<T>::insert(job_id, job);
            Self::deposit_event(Event::JobFailed {
                job_id,
                cause: FailureCause::MinerReported(reason),
            });
            Ok(())
        }

        /// Cancel a job before it completes (status `Cancelled`). Owner only.
        ///
        /// Before the assigned miner accepts, the budget is refunded in full. Once it has
        /// accepted (`Running`), the miner has been giving the job its time: it is paid
        /// [`Pallet::cancellation_pay`] (the budget pro rata of the run window elapsed, at least
        /// the minimum payment, at most the budget) and the rest is refunded. No receipt is
        /// written (nothing was delivered).
        #[pallet::call_index(5)]
        #[pallet::weight(T::WeightInfo::cancel().max(T::WeightInfo::cancel_running())
            .saturating_add(Pallet::<T>::observer_weight()))]
        pub fn cancel(origin: OriginFor<T>, job_id: JobId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut job = Jobs::<T>::get(job_id).ok_or(Error::<T>::UnknownJob)?;
            ensure!(job.owner == who, Error::<T>::NotJobOwner);
            ensure!(!job.status.is_terminal(), Error::<T>::JobNotCancellable);
            ensure!(
                !(Rounds::<T>::contains_key(job_id)
                    && matches!(job.status, JobStatus::Assigned | JobStatus::Running)),
                Error::<T>::RoundInProgress
            );
            if let (Some(miner), JobStatus::Assigned | JobStatus::Running) =
                (job.miner.clone(), job.status)
            {
                if job.status == JobStatus::Running {
                    let pay = Self::cancellation_pay(&job);
                    Self::settle(&mut job, &miner, pay)?;
                }
                T::Miners::note_outcome(&miner, aitbc_primitives::JobOutcome::Released);
            }
            Self::end(&mut job, JobStatus::Cancelled)?;
            Jobs::<T>::insert(job_id, job);
            Self::deposit_event(Event::JobCancelled { job_id });
            Ok(())
        }

        /// Set the minimum payment for a job type. `ParamsOrigin` only.
        #[pallet::call_index(6)]
        #[pallet::weight(T::WeightInfo::set_min_payment())]
        pub fn set_min_payment(
            origin: OriginFor<T>,
            job_type: JobType,
            amount: BalanceOf<T>,
        ) -> DispatchResult {
            T::ParamsOrigin::ensure_origin(origin)?;
            MinPayment::<T>::insert(job_type, amount);
            Self::deposit_event(Event::MinPaymentChanged { job_type, amount });
            Ok(())
        }

        /// Set the protocol fee ([`ProtocolFee`]): the share of every later job payment that
        /// is burned. `ParamsOrigin` only (the DAO's `SetProtocolFee`).
        #[pallet::call_index(7)]
        // The same work as `set_min_payment`: one origin check, one write, one event.
        #[pallet::weight(T::WeightInfo::set_min_payment())]
        pub fn set_protocol_fee(origin: OriginFor<T>, fee: Perbill) -> DispatchResult {
            T::ParamsOrigin::ensure_origin(origin)?;
            ProtocolFee::<T>::put(fee);
            Self::deposit_event(Event::ProtocolFeeChanged { fee });
            Ok(())
        }

        /// Submit a redundant job ([`crate::redundancy`]): `redundancy.k` distinct miners that
        /// declared `redundancy.profile` run it, commit, then reveal; it completes with the
        /// output at least the quorum agree on. The job decodes as the profile says (greedy or
        /// its seed), whatever `options` ask for sampling. The budget is held at once (it must
        /// be above zero; with `Payout::Each` at least `k` minimum payments), and the TTL must
        /// leave the commit, reveal and referee windows ([`Pallet::min_redundant_ttl`]).
        #[pallet::call_index(9)]
        #[pallet::weight(T::WeightInfo::submit(
            validation::prompt_len(input).saturating_add(validation::system_len(options))
        ))]
        pub fn submit_redundant(
            origin: OriginFor<T>,
            job_type: JobType,
            model: ModelName,
            input: JobInput,
            budget: BalanceOf<T>,
            ttl: BlockNumberFor<T>,
            requirements: Requirements,
            options: GenerationOptions,
            redundancy: aitbc_primitives::Redundancy,
        ) -> DispatchResult {
            let owner = ensure_signed(origin)?;
            Self::check_submitted_type(job_type)?;
            Self::do_submit_redundant(
                owner,
                job_type,
                model,
                input,
                budget,
                ttl,
                requirements,
                options,
                redundancy,
                None,
            )
            .map(|_| ())
        }

        /// Commit to the output of a redundant job: `commitment` is
        /// [`aitbc_primitives::commitment`]`(output hash, signer, salt)`, with a secret salt.
        /// Assigned participant only, during the commit phase, once. When every participant
        /// has committed the reveal phase opens (`RevealOpened`).
        #[pallet::call_index(10)]
        #[pallet::weight(T::WeightInfo::commit_result())]
        pub fn commit_result(
            origin: OriginFor<T>,
            job_id: JobId,
            commitment: H256,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_commit(who, job_id, commitment)
        }

        /// Reveal the output committed to: the chain recomputes the output's hash and the
        /// commitment from it, the signer and `salt`. A reveal that does not match the
        /// commitment is accepted as a fault: the signer's job bond is burned
        /// (`RevealMismatch`, `BondSlashed`). `signature` is the signer's receipt signature
        /// over the output hash ([`aitbc_primitives::receipt_signing_payload`], its own unit
        /// price; `BadReceiptSignature`); `min_margin_milli` the smallest gap between the two
        /// most likely tokens along the output, when the miner's backend reports it (kept with
        /// the round as a confidence figure). Committed participant only, during the reveal
        /// phase. The round is tallied once every participant has revealed (or at the reveal
        /// deadline). An agent run's reveal must also pass the agents pallet's rule
        /// ([`Config::JobRules`]: the output is the recorded trace's answer, metered as it).
        #[pallet::call_index(11)]
        #[pallet::weight(T::WeightInfo::reveal_result(output.len() as u32)
            .saturating_add(Pallet::<T>::observer_weight())
            .saturating_add(<T::JobRules as aitbc_primitives::JobRules<T::AccountId>>::weight()))]
        pub fn reveal_result(
            origin: OriginFor<T>,
            job_id: JobId,
            output: ResultBytes,
            salt: H256,
            metrics: Metrics,
            signature: H512,
            min_margin_milli: Option<u32>,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_reveal(
                who,
                job_id,
                output,
                salt,
                metrics,
                signature,
                min_margin_milli,
            )
        }

        /// Report the referee's finding for the job's open dispute ([`crate::referee`]): the
        /// first differing token of the two outputs and the model's logits there. The chain
        /// slashes a side whose token is more than `RefereeMarginMilli` below the top logit.
        /// The chosen referee only, before its deadline.
        #[pallet::call_index(12)]
        #[pallet::weight(T::WeightInfo::report_referee_finding(T::Miners::max_candidates())
            .saturating_add(Pallet::<T>::observer_weight()))]
        pub fn report_referee_finding(
            origin: OriginFor<T>,
            job_id: JobId,
            finding: aitbc_primitives::RefereeFinding,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            Self::do_report_finding(who, job_id, finding)
        }
    }

    impl<T: Config> Pallet<T> {
        /// `submit` and `submit_with_options`: check everything, then store and (with a
        /// budget) fund and queue the job.
        pub(crate) fn do_submit(
            owner: T::AccountId,
            job_type: JobType,
            model: ModelName,
            input: JobInput,
            budget: BalanceOf<T>,
            ttl: BlockNumberFor<T>,
            requirements: Requirements,
            options: GenerationOptions,
            provider: Option<T::AccountId>,
        ) -> Result<JobId, sp_runtime::DispatchError> {
            validation::check_options::<T>(&options)?;
            ensure!(!model.is_empty(), Error::<T>::EmptyModel);
            if let Some(provider) = &provider {
                validation::check_provider::<T>(provider, &model, &requirements, budget)?;
            }
            validation::check_input::<T>(&input)?;
            ensure!(
                !ttl.is_zero() && ttl <= T::MaxTtl::get(),
                Error::<T>::InvalidTtl
            );
            let min_ttl = Self::min_ttl();
            ensure!(
                ttl >= min_ttl,
                Error::<T>::TtlTooShort {
                    min_ttl: min_ttl.saturated_into::<u32>().min(u16::MAX.into()) as u16
                }
            );
            let now = frame_system::Pallet::<T>::block_number();
            let id = NextJobId::<T>::get();
            NextJobId::<T>::put(id.saturating_add(1));
            let expires_at = Self::schedule_expiry(id, now.saturating_add(ttl))?;
            let mut job = Job {
                id,
                owner: owner.clone(),
                job_type,
                model,
                input,
                requirements,
                options,
                provider,
                budget: Zero::zero(),
                escrowed: Zero::zero(),
                ttl,
                expires_at,
                status: JobStatus::Unfunded,
                status_since: now,
                timeline: JobTimeline::default(),
                miner: None,
                unit_price: Zero::zero(),
                ack_deadline: None,
                excluded: Default::default(),
                result_hash: None,
                metrics: None,
                receipt: None,
            };
            job.timeline.record(JobStatus::Unfunded, now);
            OpenJobs::<T>::try_mutate(&owner, |n| -> DispatchResult {
                ensure!(
                    *n < T::MaxOpenJobsPerClient::get(),
                    Error::<T>::TooManyOpenJobs
                );
                *n = n.saturating_add(1);
                Ok(())
            })?;
            JobsByStatus::<T>::insert(JobStatus::Unfunded, id, ());
            JobsByOwner::<T>::insert(&owner, id, ());
            Self::note_submitted();
            Self::deposit_event(Event::JobSubmitted {
                job_id: id,
                owner,
                job_type,
                budget,
                expires_at,
            });
            if !budget.is_zero() {
                Self::fund_and_queue(&mut job, budget)?;
            }
            Self::hold_job_deposit(&job)?;
            Jobs::<T>::insert(id, job);
            Ok(id)
        }

        /// The job types a client may submit itself: the runtime's `AcceptedJobTypes`; agent
        /// runs only through the agents pallet.
        pub(crate) fn check_submitted_type(job_type: JobType) -> DispatchResult {
            ensure!(job_type != JobType::Agent, Error::<T>::AgentJobViaAgents);
            ensure!(
                T::AcceptedJobTypes::get().contains(&job_type),
                Error::<T>::UnsupportedJobType
            );
            Ok(())
        }
    }
}
