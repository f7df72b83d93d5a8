//! A runtime with the whole market and the swarms pallet (System, Balances, Miners, Receipts,
//! Jobs, Swarms) for this pallet's tests and benchmarks: real redundant jobs, played by test
//! miners that commit and reveal with test signatures.

use crate as pallet_aitbc_swarms;
use aitbc_primitives::{Hardware, JobId, JobType, Metrics, MinerStatus, ModelList, ModelName};
use core::time::Duration;
use frame_support::{
    derive_impl, parameter_types,
    traits::{ConstU32, ConstU64, Contains, Hooks, UnixTime, VariantCountOf},
};
use frame_system::EnsureRoot;
use sp_core::H256;
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
        Swarms: pallet_aitbc_swarms,
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
    type Profiles = TestProfiles;
    type MaxRedundancy = ConstU32<7>;
    type JobBond = JobBond;
    type RevealWindow = ConstU64<3>;
    type RefereeWindow = ConstU64<3>;
    type RefereeMarginMilli = ConstU64<1_000>;
    type JobObserver = Swarms;
    type JobRules = ();
    type Time = BlockTime;
    type WeightInfo = ();
}

/// Registered miners that are not unbonding.
pub struct ActiveMiners;
impl Contains<AccountId> for ActiveMiners {
    fn contains(who: &AccountId) -> bool {
        pallet_aitbc_miners::Miners::<Test>::get(who)
            .is_some_and(|m| matches!(m.status, MinerStatus::Active))
    }
}

parameter_types! {
    /// Work items and submissions per block (a test may lower them).
    pub static MaxWork: u32 = 8;
    pub static MaxSubmissions: u32 = 4;
}

impl pallet_aitbc_swarms::Config for Test {
    type Agents = TestAgents;
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Miners = ActiveMiners;
    type Stakes = Miners;
    type Profiles = TestProfiles;
    type Jobs = Jobs;
    type TaskDepositBase = frame_support::traits::ConstU128<50>;
    type DepositPerByte = frame_support::traits::ConstU128<1>;
    type MaxWorkPerBlock = MaxWork;
    type MaxSubmissionsPerBlock = MaxSubmissions;
    type WeightInfo = ();
}

/// The agents of the test runtime: ids below [`GPT_AGENTS`] run `llama`, those from it up to
/// [`NO_AGENTS`] `gpt`, none beyond. A run is the jobs pallet's redundant job of type `Agent`
/// with the input as its prompt (as the agents pallet submits it; its traces are that
/// pallet's tests' business).
pub struct TestAgents;
/// The first agent id that runs `gpt`.
pub const GPT_AGENTS: u64 = 100;
/// The first agent id that does not exist.
pub const NO_AGENTS: u64 = 200;
impl aitbc_primitives::AgentRuns<AccountId, Balance, u64> for TestAgents {
    fn agent_model(agent: u64) -> Option<ModelName> {
        if let Some(m) = SET_UP_AGENTS.with(|a| {
            a.borrow()
                .iter()
                .find(|(id, _)| *id == agent)
                .map(|(_, m)| m.clone())
        }) {
            return Some(m);
        }
        let model: &[u8] = match agent {
            a if a < GPT_AGENTS => b"llama",
            a if a < NO_AGENTS => b"gpt",
            _ => return None,
        };
        model.to_vec().try_into().ok()
    }
    fn submit_run(
        owner: AccountId,
        agent: u64,
        input: aitbc_primitives::Prompt,
        budget: Balance,
        ttl: u64,
        redundancy: aitbc_primitives::Redundancy,
        members: Option<aitbc_primitives::RoundMembers<AccountId>>,
    ) -> Result<aitbc_primitives::JobId, sp_runtime::DispatchError> {
        let model = Self::agent_model(agent).ok_or(sp_runtime::DispatchError::Other("no agent"))?;
        <Jobs as aitbc_primitives::RedundantJobs<_, _, _>>::submit(
            aitbc_primitives::RedundantJobSpec {
                owner,
                job_type: aitbc_primitives::JobType::Agent,
                model,
                input: aitbc_primitives::JobInput::Prompt(input),
                budget,
                ttl,
                requirements: Default::default(),
                options: Default::default(),
                redundancy,
                members,
            },
        )
    }
    fn submit_weight(_: u32) -> frame_support::weights::Weight {
        frame_support::weights::Weight::zero()
    }
    fn setup_agent(model: &ModelName) -> u64 {
        SET_UP_AGENTS.with(|a| {
            let mut a = a.borrow_mut();
            let id = NO_AGENTS + a.len() as u64;
            a.push((id, model.clone()));
            id
        })
    }
}

std::thread_local! {
    static SET_UP_AGENTS: core::cell::RefCell<Vec<(u64, ModelName)>> =
        const { core::cell::RefCell::new(Vec::new()) };
    static PROFILES: core::cell::RefCell<Vec<(H256, aitbc_primitives::ProfileFacts)>> =
        const { core::cell::RefCell::new(Vec::new()) };
    static DECLARED: core::cell::RefCell<Vec<(AccountId, H256)>> =
        const { core::cell::RefCell::new(Vec::new()) };
}

/// The profiles of the test runtime: [`llama_profile`] (registered by [`new_test_ext`]) and
/// what `setup_profile` adds; declarations made with [`declare_profile`].
pub struct TestProfiles;
impl aitbc_primitives::ProfileDirectory<AccountId> for TestProfiles {
    fn profile(id: &H256) -> Option<aitbc_primitives::ProfileFacts> {
        PROFILES.with(|p| {
            p.borrow()
                .iter()
                .find(|(i, _)| i == id)
                .map(|(_, f)| f.clone())
        })
    }
    fn runs(miner: &AccountId, id: &H256) -> bool {
        DECLARED.with(|d| d.borrow().contains(&(*miner, *id)))
    }
    fn setup_profile(model: &ModelName, miners: &[AccountId]) -> H256 {
        let id = H256(sp_io::hashing::blake2_256(model));
        PROFILES.with(|p| {
            p.borrow_mut().push((
                id,
                aitbc_primitives::ProfileFacts {
                    model: model.clone(),
                    sampling: None,
                },
            ))
        });
        for m in miners {
            declare_profile(*m, id);
        }
        id
    }
}

/// The greedy llama profile every test runtime has.
pub fn llama_profile() -> H256 {
    H256::repeat_byte(0x11)
}

/// Another profile of llama (other hardware), registered too.
pub fn other_profile() -> H256 {
    H256::repeat_byte(0x22)
}

/// `miner` declares that it runs `profile`.
pub fn declare_profile(miner: AccountId, profile: H256) {
    DECLARED.with(|d| d.borrow_mut().push((miner, profile)));
}

/// `miner` withdraws from `profile`.
pub fn undeclare_profile(miner: AccountId, profile: H256) {
    DECLARED.with(|d| d.borrow_mut().retain(|x| *x != (miner, profile)));
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

fn test_signature(signer: &AccountId, payload: &[u8]) -> sp_core::H512 {
    let mut data = signer.to_le_bytes().to_vec();
    data.extend_from_slice(payload);
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&sp_io::hashing::blake2_256(&data));
    sp_core::H512(out)
}

/// Clients 1..=5 and miners 10..=19 start with 1_000_000 each; minimum inference payment 10;
/// no protocol fee, no job storage deposit.
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
        min_payments: vec![(JobType::Inference, 10)],
        activity: vec![],
    }
    .assimilate_storage(&mut t)
    .unwrap();
    let facts = aitbc_primitives::ProfileFacts {
        model: llama(),
        sampling: None,
    };
    PROFILES.with(|p| {
        *p.borrow_mut() = vec![(llama_profile(), facts.clone()), (other_profile(), facts)]
    });
    DECLARED.with(|d| d.borrow_mut().clear());
    let mut ext = sp_io::TestExternalities::new(t);
    ext.execute_with(|| System::set_block_number(1));
    ext
}

/// Advance to block `n`, running the jobs' and the swarms' `on_initialize` on each.
pub fn run_to_block(n: u64) {
    while System::block_number() < n {
        let next = System::block_number() + 1;
        System::set_block_number(next);
        Jobs::on_initialize(next);
        Swarms::on_initialize(next);
    }
}

/// `llama`.
pub fn llama() -> ModelName {
    b"llama".to_vec().try_into().unwrap()
}

/// Register `who` as a miner serving llama at price 2 with `stake`, running the llama profile.
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
    declare_profile(who, llama_profile());
}

/// The metrics every test miner reveals.
pub fn metrics() -> Metrics {
    Metrics {
        compute_ms: 1_500,
        input_tokens: 8,
        output_tokens: 16,
    }
}

fn salt(miner: AccountId) -> H256 {
    H256::repeat_byte(miner as u8)
}

/// `miner` commits to `output` in job `job`.
pub fn commit(miner: AccountId, job: JobId, output: &[u8]) -> sp_runtime::DispatchResult {
    let hash = H256(sp_io::hashing::blake2_256(output));
    Jobs::commit_result(
        RuntimeOrigin::signed(miner),
        job,
        aitbc_primitives::commitment(&hash, &miner, &salt(miner)),
    )
}

/// `miner` reveals `output` in job `job`, reporting `margin` as its smallest logit margin.
pub fn reveal(
    miner: AccountId,
    job: JobId,
    output: &[u8],
    margin: Option<u32>,
) -> sp_runtime::DispatchResult {
    let owner = pallet_aitbc_jobs::Jobs::<Test>::get(job)
        .map(|j| j.owner)
        .unwrap_or_default();
    let unit_price = pallet_aitbc_jobs::Rounds::<Test>::get(job)
        .and_then(|r| {
            r.participants
                .iter()
                .find(|p| p.miner == miner)
                .map(|p| p.unit_price)
        })
        .unwrap_or_default();
    let hash = H256(sp_io::hashing::blake2_256(output));
    let payload = aitbc_primitives::receipt_signing_payload(
        job,
        &owner,
        &miner,
        &hash,
        metrics().units_milli(),
        &unit_price,
    );
    Jobs::reveal_result(
        RuntimeOrigin::signed(miner),
        job,
        output.to_vec().try_into().unwrap(),
        salt(miner),
        metrics(),
        test_signature(&miner, &payload),
        margin,
    )
}

/// The active participants of job `job`'s round, in order.
pub fn participants(job: JobId) -> Vec<AccountId> {
    pallet_aitbc_jobs::Rounds::<Test>::get(job)
        .map(|r| {
            r.participants
                .iter()
                .filter(|p| p.is_active())
                .map(|p| p.miner)
                .collect()
        })
        .unwrap_or_default()
}

/// Run blocks until every job of `jobs` has its miners (a redundant job of `k` counts `k`
/// assignment attempts: one is assigned a block when the queue is short).
pub fn assign(jobs: &[JobId]) {
    for _ in 0..10 {
        if jobs.iter().all(|j| {
            pallet_aitbc_jobs::Jobs::<Test>::get(j)
                .is_some_and(|j| j.status == aitbc_primitives::JobStatus::Assigned)
        }) {
            return;
        }
        run_to_block(System::block_number() + 1);
    }
    panic!("jobs {jobs:?} were not assigned");
}

/// Every participant of job `job` commits and reveals what `output` gives it.
pub fn play(job: JobId, output: impl Fn(AccountId) -> Vec<u8>, margin: Option<u32>) {
    let miners = participants(job);
    assert!(!miners.is_empty(), "job {job} has no participants");
    for m in &miners {
        commit(*m, job, &output(*m)).unwrap();
    }
    for m in &miners {
        reveal(*m, job, &output(*m), margin).unwrap();
    }
}
