//! A runtime with the market and the agents pallet (System, Balances, Miners, Receipts, Jobs,
//! Agents) for this pallet's tests and benchmarks: real jobs, run by test miners that sign with
//! test signatures.

use crate as pallet_aitbc_agents;
use aitbc_primitives::{Hardware, JobId, JobType, Metrics, ModelList, ModelName};
use core::time::Duration;
use frame_support::{
    derive_impl, parameter_types,
    traits::{ConstU32, ConstU64, Hooks, UnixTime, VariantCountOf},
};
use frame_system::EnsureRoot;
use sp_runtime::{BuildStorage, Perbill};

type Block = frame_system::mocking::MockBlock<Test>;
/// Account id in tests.
pub type AccountId = u64;
/// Balance in tests.
pub type Balance = u128;

frame_support::construct_runtime!(
    pub enum Test {
        System: frame_system,
        Balances: pallet_balances,
        Miners: pallet_aitbc_miners,
        Receipts: pallet_aitbc_receipts,
        Jobs: pallet_aitbc_jobs,
        Agents: pallet_aitbc_agents,
    }
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
    type Block = Block;
    type AccountData = pallet_balances::AccountData<Balance>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
    type Balance = Balance;
    type ExistentialDeposit = ExistentialDeposit;
    type AccountStore = System;
    type RuntimeHoldReason = RuntimeHoldReason;
    type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
}

parameter_types! {
    pub const ExistentialDeposit: Balance = 1;
    pub const MinStake: Balance = 1_000;
    pub const SlashShare: Perbill = Perbill::from_percent(10);
    pub const NoProtocolFee: Perbill = Perbill::zero();
    /// Open jobs per client (a test may lower it).
    pub static MaxOpenJobs: u32 = 16;
    /// Ended jobs are pruned 1,000 blocks later unless a test shortens it.
    pub static Retention: u64 = 1_000;
    pub const JobBond: Balance = 100;
}

impl pallet_aitbc_miners::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type MinStake = MinStake;
    type HeartbeatTimeout = ConstU64<1_000>;
    type UnbondingPeriod = ConstU64<5>;
    type SlashShare = SlashShare;
    type MaxMinersPerModel = ConstU32<16>;
    type MaxConcurrentJobs = ConstU32<8>;
    type WeightInfo = ();
}

/// Block time: 2 s per block since the epoch.
pub struct BlockTime;
impl UnixTime for BlockTime {
    fn now() -> Duration {
        Duration::from_millis(System::block_number() * 2_000)
    }
}

impl pallet_aitbc_receipts::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type Time = BlockTime;
    type DefaultReward = frame_support::traits::ConstU128<0>;
    type EraLength = ConstU64<10>;
    type RewardOrigin = EnsureRoot<AccountId>;
    type WeightInfo = ();
}

parameter_types! {
    pub AcceptedJobTypes: pallet_aitbc_jobs::AcceptedJobTypesOf =
        frame_support::BoundedVec::truncate_from(vec![JobType::Inference]);
    /// Runs are kept 100 blocks after they ended unless a test shortens it.
    pub static RunRetention: u64 = 100;
}

impl pallet_aitbc_jobs::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Miners = Miners;
    type Receipts = Receipts;
    type ReceiptSignature = TestReceiptSignature;
    type AcceptedJobTypes = AcceptedJobTypes;
    type ParamsOrigin = EnsureRoot<AccountId>;
    type DefaultMinPayment = frame_support::traits::ConstU128<10>;
    type DefaultProtocolFee = NoProtocolFee;
    type MaxQueueLen = ConstU32<128>;
    type MaxAssignmentsPerBlock = ConstU32<8>;
    type MaxExpiriesPerBlock = ConstU32<16>;
    type AckTimeout = ConstU64<3>;
    type MinRunWindow = ConstU64<1>;
    type MaxTtl = ConstU64<400>;
    type MaxOpenJobsPerClient = MaxOpenJobs;
    type DepositPerByte = frame_support::traits::ConstU128<0>;
    type RetentionPeriod = Retention;
    type MaxPrunesPerBlock = ConstU32<16>;
    type Profiles = GreedyProfile;
    type MaxRedundancy = ConstU32<7>;
    type JobBond = JobBond;
    type RevealWindow = ConstU64<3>;
    type RefereeWindow = ConstU64<3>;
    type RefereeMarginMilli = ConstU64<1_000>;
    type JobObserver = Agents;
    type JobRules = Agents;
    type Time = BlockTime;
    type WeightInfo = ();
}

/// One greedy execution profile, [`PROFILE`], for `llama`, run by every miner (the redundant
/// runs' tests).
pub struct GreedyProfile;
/// The profile's id.
pub const PROFILE: sp_core::H256 = sp_core::H256([7u8; 32]);
impl aitbc_primitives::ProfileDirectory<AccountId> for GreedyProfile {
    fn profile(id: &sp_core::H256) -> Option<aitbc_primitives::ProfileFacts> {
        (*id == PROFILE).then(|| aitbc_primitives::ProfileFacts {
            model: llama(),
            sampling: None,
        })
    }
    fn runs(_: &AccountId, id: &sp_core::H256) -> bool {
        *id == PROFILE
    }
    fn setup_profile(_: &ModelName, _: &[AccountId]) -> sp_core::H256 {
        PROFILE
    }
}

impl pallet_aitbc_agents::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Jobs = Jobs;
    type Redundant = Jobs;
    type ToolOrigin = EnsureRoot<AccountId>;
    type AgentDepositBase = frame_support::traits::ConstU128<100>;
    type DepositPerByte = frame_support::traits::ConstU128<1>;
    type RunRetention = RunRetention;
    type MaxPrunesPerBlock = ConstU32<4>;
    type WeightInfo = ();
}

/// Test signatures: the blake2-256 hash of the signer's encoding and the payload, then 32 zero
/// bytes.
pub struct TestReceiptSignature;
impl aitbc_primitives::ReceiptSignatureCheck<AccountId> for TestReceiptSignature {
    fn verify(signer: &AccountId, payload: &[u8], signature: &sp_core::H512) -> bool {
        *signature == test_signature(signer, payload)
    }
    fn sign_for_benchmark(signer: &AccountId, payload: &[u8]) -> Option<sp_core::H512> {
        Some(test_signature(signer, payload))
    }
}

/// A test miner's signature of `payload`.
pub fn test_signature(signer: &AccountId, payload: &[u8]) -> sp_core::H512 {
    let mut data = signer.to_le_bytes().to_vec();
    data.extend_from_slice(payload);
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&sp_io::hashing::blake2_256(&data));
    sp_core::H512(out)
}

/// The tools approved at genesis.
pub const TOOLS: [&str; 3] = ["calculator", "json_query", "table_stats"];

/// Clients 1..=5 and miners 10..=19 start with 1_000_000 each; minimum agent and inference
/// payment 10; no protocol fee; the [`TOOLS`] approved.
pub fn new_test_ext() -> sp_io::TestExternalities {
    let mut t = frame_system::GenesisConfig::<Test>::default()
        .build_storage()
        .unwrap();
    pallet_balances::GenesisConfig::<Test> {
        balances: (1..=5).chain(10..=19).map(|a| (a, 1_000_000)).collect(),
        ..Default::default()
    }
    .assimilate_storage(&mut t)
    .unwrap();
    pallet_aitbc_jobs::GenesisConfig::<Test> {
        min_payments: vec![(JobType::Inference, 10), (JobType::Agent, 10)],
        activity: vec![],
    }
    .assimilate_storage(&mut t)
    .unwrap();
    pallet_aitbc_agents::GenesisConfig::<Test> {
        tools: TOOLS.iter().map(|t| t.as_bytes().to_vec()).collect(),
        ..Default::default()
    }
    .assimilate_storage(&mut t)
    .unwrap();
    let mut ext = sp_io::TestExternalities::new(t);
    ext.execute_with(|| System::set_block_number(1));
    ext
}

/// Advance to block `n`, running the jobs' and the agents' `on_initialize` on each.
pub fn run_to_block(n: u64) {
    while System::block_number() < n {
        let next = System::block_number() + 1;
        System::set_block_number(next);
        Jobs::on_initialize(next);
        Agents::on_initialize(next);
    }
}

/// `llama`.
pub fn llama() -> ModelName {
    b"llama".to_vec().try_into().unwrap()
}

/// Register `who` as a miner serving llama at price 2 per GPU-second with `stake`.
pub fn register_miner(who: AccountId, stake: Balance) {
    let hardware = Hardware {
        gpu_model: b"RTX 4090".to_vec().try_into().unwrap(),
        gpu_count: 1,
        vram_mb: 24_576,
    };
    let models: ModelList = vec![llama()].try_into().unwrap();
    pallet_aitbc_miners::Pallet::<Test>::register(
        RuntimeOrigin::signed(who),
        hardware,
        models,
        2,
        stake,
    )
    .unwrap();
}

/// `miner` delivers `output` for job `job`, metered as `metrics`.
pub fn deliver(
    miner: AccountId,
    job: JobId,
    output: &[u8],
    metrics: Metrics,
) -> sp_runtime::DispatchResult {
    let j = pallet_aitbc_jobs::Jobs::<Test>::get(job).unwrap();
    let hash = sp_core::H256(sp_io::hashing::blake2_256(output));
    let payload = aitbc_primitives::receipt_signing_payload(
        job,
        &j.owner,
        &miner,
        &hash,
        metrics.units_milli(),
        &j.unit_price,
    );
    Jobs::submit_result(
        RuntimeOrigin::signed(miner),
        job,
        output.to_vec().try_into().unwrap(),
        hash,
        metrics,
        test_signature(&miner, &payload),
    )
}
