//! Compute jobs: configuration of the miners (index 10), jobs (11) and receipts (12)
//! pallets. The pallets talk to each other only through the traits in `aitbc-primitives`:
//! jobs finds miners through `Miners` (`MinerRegistry`) and records completions through
//! `Receipts` (`ReceiptSink`).

use frame_support::{parameter_types, traits::ConstU32};
use frame_system::EnsureRoot;
use sp_runtime::Perbill;

use super::{
    AccountId, Balance, Balances, BlockNumber, Miners, Receipts, Runtime, RuntimeEvent,
    RuntimeHoldReason, Timestamp, AIT, DAYS, HOURS, MILLI_AIT, MINUTES,
};

/// Emission eras are an hour long, unless the chain's genesis sets another length
/// ([`crate::governance::timing::EraLength`]; the `dev` preset: 20 blocks, so that a claim on a
/// development chain waits under a minute).
pub const DEFAULT_ERA_LENGTH: BlockNumber = HOURS;

/// The length of an emission era: the chain's genesis value, else [`DEFAULT_ERA_LENGTH`].
pub struct ReceiptEraLength;
impl frame_support::traits::Get<BlockNumber> for ReceiptEraLength {
    fn get() -> BlockNumber {
        if sp_externalities::with_externalities(|_| ()).is_none() {
            return DEFAULT_ERA_LENGTH;
        }
        crate::governance::timing::EraLength::<Runtime>::get().unwrap_or(DEFAULT_ERA_LENGTH)
    }
}

/// Default miner unbonding period (chains whose genesis sets none): the stake stays held for
/// an hour after `deregister`.
pub const DEFAULT_UNBONDING_PERIOD: BlockNumber = HOURS;

/// The miner unbonding period: the chain's genesis value, else [`DEFAULT_UNBONDING_PERIOD`].
pub struct MinerUnbondingPeriod;
impl frame_support::traits::Get<BlockNumber> for MinerUnbondingPeriod {
    fn get() -> BlockNumber {
        if sp_externalities::with_externalities(|_| ()).is_none() {
            return DEFAULT_UNBONDING_PERIOD;
        }
        crate::governance::timing::UnbondingPeriod::<Runtime>::get()
            .unwrap_or(DEFAULT_UNBONDING_PERIOD)
    }
}

parameter_types! {
    /// Least stake a miner holds to get jobs.
    pub const MinerMinStake: Balance = 100 * AIT;
    /// A miner without a heartbeat for 5 minutes is offline.
    pub const MinerHeartbeatTimeout: BlockNumber = 5 * MINUTES;
    /// Share of stake burned per missed deadline.
    pub const MinerSlashShare: Perbill = Perbill::from_percent(10);
    /// Miners' emission budget per era until governance changes it (`SetMinerReward`): 50 AIT
    /// an hour, at most 438,000 AIT a year, shared by each era's receipts pro rata to what
    /// their clients paid and capped, receipt by receipt, at the protocol fee it burned.
    pub const DefaultReceiptReward: Balance = 50 * AIT;
    /// Share of every job payment burned as the protocol fee until governance changes it
    /// (`SetProtocolFee`): 5%. It is what bounds emission to real demand: a receipt never
    /// mints more than its fee, so paying oneself through a second account never pays.
    pub const DefaultProtocolFee: Perbill = Perbill::from_percent(5);
    /// Minimum payment per job until governance sets one per job type.
    pub const DefaultMinJobPayment: Balance = 10 * MILLI_AIT;
    /// An assigned miner has one minute to accept.
    pub const JobAckTimeout: BlockNumber = MINUTES;
    /// A miner that accepts at the last moment of its acknowledgement window still has a
    /// minute to deliver before the job's TTL ends; with the minute to accept and one block to
    /// be assigned, the shortest TTL a job may ask for is 61 blocks (about two minutes).
    pub const JobMinRunWindow: BlockNumber = MINUTES;
    /// Refundable storage deposit per byte of a stored job (from its client) or inline result
    /// (from its miner): 1 µAIT, ten times the transaction byte fee, because the bytes stay in
    /// state for the retention period rather than only in blocks. A plain job (about 200
    /// bytes) holds 0.0002 AIT, a 4,000-character prompt 0.004 AIT, the largest inline result
    /// (64 KiB) 0.066 AIT; all of it comes back when the ended job is pruned.
    pub const JobDepositPerByte: Balance = MILLI_AIT / 1_000;
    /// Ended jobs and their results stay queryable for a day, then are pruned.
    pub const JobRetentionPeriod: BlockNumber = DAYS;
    /// Longest job TTL: one day.
    pub const JobMaxTtl: BlockNumber = DAYS;
    /// Each participant's bond in a redundant job: 1 AIT, a hundred minimum payments, held
    /// from its free balance for the round and burned only for a provable fault.
    pub const JobBond: Balance = AIT;
    /// The participants of a redundant job have a minute to reveal once all committed.
    pub const JobRevealWindow: BlockNumber = MINUTES;
    /// A referee has two minutes for its one forward pass and its report.
    pub const JobRefereeWindow: BlockNumber = 2 * MINUTES;
    /// A token more than one logit below the model's top token is provably not the model's
    /// greedy choice; within one logit it is an honest near-tie. The same profile on the same
    /// hardware class computes logits that differ by far less (the determinism benchmark
    /// agrees byte for byte), so one logit only forgives real numerical near-ties.
    pub const RefereeMarginMilli: u64 = 1_000;
}

impl pallet_aitbc_miners::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type MinStake = MinerMinStake;
    type HeartbeatTimeout = MinerHeartbeatTimeout;
    type UnbondingPeriod = MinerUnbondingPeriod;
    type SlashShare = crate::governance::GovernedSlashShare;
    type MaxMinersPerModel = ConstU32<64>;
    type MaxConcurrentJobs = ConstU32<8>;
    type WeightInfo = pallet_aitbc_miners::weights::SubstrateWeight<Runtime>;
}

impl pallet_aitbc_receipts::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type Time = Timestamp;
    type DefaultReward = DefaultReceiptReward;
    type EraLength = ReceiptEraLength;
    type RewardOrigin = EnsureRoot<AccountId>;
    type WeightInfo = pallet_aitbc_receipts::weights::SubstrateWeight<Runtime>;
}

impl pallet_aitbc_jobs::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Miners = Miners;
    type Receipts = Receipts;
    type ReceiptSignature = Sr25519ReceiptSignature;
    type AcceptedJobTypes = AcceptedJobTypes;
    type ParamsOrigin = EnsureRoot<AccountId>;
    type DefaultMinPayment = DefaultMinJobPayment;
    type DefaultProtocolFee = DefaultProtocolFee;
    // 1,024 queue slots: at 16 open jobs per client (`MaxOpenJobsPerClient`), filling the
    // queue takes 64 funded accounts, each holding at least the minimum payment per job.
    type MaxQueueLen = ConstU32<1024>;
    type MaxAssignmentsPerBlock = ConstU32<16>;
    type MaxExpiriesPerBlock = ConstU32<64>;
    type AckTimeout = crate::governance::GovernedAckTimeout;
    type MinRunWindow = JobMinRunWindow;
    type MaxTtl = JobMaxTtl;
    type MaxOpenJobsPerClient = ConstU32<16>;
    type DepositPerByte = JobDepositPerByte;
    type RetentionPeriod = JobRetentionPeriod;
    type MaxPrunesPerBlock = ConstU32<64>;
    type Profiles = crate::profiles::ProfileDirectoryOfRuntime;
    type MaxRedundancy = ConstU32<{ aitbc_primitives::MAX_REDUNDANCY }>;
    type JobBond = JobBond;
    type RevealWindow = JobRevealWindow;
    type RefereeWindow = JobRefereeWindow;
    type RefereeMarginMilli = RefereeMarginMilli;
    // The swarms and agents pallets hear when their jobs end; agent runs follow the agents
    // pallet's rules.
    type JobObserver = (crate::Swarms, crate::Agents);
    type JobRules = crate::Agents;
    type Time = Timestamp;
    type WeightInfo = pallet_aitbc_jobs::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
    /// The job types `Jobs::submit` accepts (in the metadata as `Jobs.AcceptedJobTypes`; the
    /// others are reserved for later releases).
    pub AcceptedJobTypes: pallet_aitbc_jobs::AcceptedJobTypesOf =
        frame_support::BoundedVec::truncate_from(alloc::vec![aitbc_primitives::JobType::Inference]);
}

/// A miner's receipt signature is an sr25519 signature by its account's key (the keys the CLI
/// and the miner daemon use).
pub struct Sr25519ReceiptSignature;

impl aitbc_primitives::ReceiptSignatureCheck<AccountId> for Sr25519ReceiptSignature {
    fn verify(signer: &AccountId, payload: &[u8], signature: &sp_core::H512) -> bool {
        use sp_runtime::traits::Verify;
        let signature = sp_core::sr25519::Signature::from_raw(signature.0);
        let public =
            sp_core::sr25519::Public::from_raw(*<AccountId as AsRef<[u8; 32]>>::as_ref(signer));
        signature.verify(payload, &public)
    }
}
