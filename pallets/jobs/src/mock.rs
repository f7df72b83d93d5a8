//! A runtime with the whole market (System, Balances, Miners, Receipts, Jobs) for this
//! pallet's unit and property tests.

use crate as pallet_aitbc_jobs;
use aitbc_primitives::{Hardware, JobInput, JobType, ModelList, ModelName, Requirements};
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
    /// Open jobs per client (a test may lower it).
    pub static MaxOpenJobs: u32 = 16;
    /// No storage deposit unless a test sets one.
    pub static DepositPerByte: Balance = 0;
    /// Ended jobs are pruned 1,000 blocks later unless a test shortens it.
    pub static Retention: u64 = 1_000;
    /// No protocol fee unless a test sets one (`Jobs::set_protocol_fee`).
    pub const NoProtocolFee: Perbill = Perbill::zero();
}

impl pallet_aitbc_miners::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type MinStake = MinStake;
    type HeartbeatTimeout = ConstU64<50>;
    type UnbondingPeriod = ConstU64<5>;
    type SlashShare = SlashShare;
    type MaxMinersPerModel = ConstU32<16>;
    type MaxConcurrentJobs = ConstU32<3>;
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
    type DefaultReward = frame_support::traits::ConstU128<7>;
    type EraLength = ConstU64<10>;
    type RewardOrigin = EnsureRoot<AccountId>;
    type WeightInfo = ();
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
    type DefaultMinPayment = frame_support::traits::ConstU128<1>;
    type DefaultProtocolFee = NoProtocolFee;
    type MaxQueueLen = ConstU32<8>;
    type MaxAssignmentsPerBlock = ConstU32<2>;
    type MaxExpiriesPerBlock = ConstU32<2>;
    type AckTimeout = ConstU64<3>;
    type MinRunWindow = ConstU64<1>;
    type MaxTtl = ConstU64<100>;
    type MaxOpenJobsPerClient = MaxOpenJobs;
    type DepositPerByte = DepositPerByte;
    type RetentionPeriod = Retention;
    type MaxPrunesPerBlock = ConstU32<4>;
    type Profiles = TestProfiles;
    type MaxRedundancy = ConstU32<7>;
    type JobBond = JobBond;
    type RevealWindow = ConstU64<3>;
    type RefereeWindow = ConstU64<3>;
    type RefereeMarginMilli = ConstU64<1_000>;
    type JobObserver = TestObserver;
    type JobRules = ();
    type Time = BlockTime;
    type WeightInfo = ();
}

std::thread_local! {
    static OBSERVED: core::cell::RefCell<Vec<Observed>> = const { core::cell::RefCell::new(Vec::new()) };
}

/// What [`TestObserver`] was told.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Observed {
    /// `job_ended`.
    Ended(aitbc_primitives::JobId, aitbc_primitives::JobStatus),
    /// `round_settled`.
    Settled(aitbc_primitives::JobId),
}

/// Records what the jobs pallet tells its observer ([`observed`]).
pub struct TestObserver;
impl aitbc_primitives::JobObserver for TestObserver {
    fn job_ended(job: aitbc_primitives::JobId, status: aitbc_primitives::JobStatus) {
        OBSERVED.with(|o| o.borrow_mut().push(Observed::Ended(job, status)));
    }
    fn round_settled(job: aitbc_primitives::JobId) {
        OBSERVED.with(|o| o.borrow_mut().push(Observed::Settled(job)));
    }
    fn weight() -> frame_support::weights::Weight {
        frame_support::weights::Weight::from_parts(1_000, 0)
    }
}

/// Everything the observer was told since the test began, in order.
pub fn observed() -> Vec<Observed> {
    OBSERVED.with(|o| o.borrow().clone())
}

parameter_types! {
    /// Each participant's bond in a redundant job (a test may change it).
    pub static JobBond: Balance = 100;
}

std::thread_local! {
    static PROFILES: core::cell::RefCell<Vec<(sp_core::H256, aitbc_primitives::ProfileFacts)>> =
        const { core::cell::RefCell::new(Vec::new()) };
    static DECLARED: core::cell::RefCell<Vec<(AccountId, sp_core::H256)>> =
        const { core::cell::RefCell::new(Vec::new()) };
}

/// The profiles of the test runtime: `llama_profile()` registered by [`new_test_ext`], and
/// whatever a test declares with [`declare_profile`].
pub struct TestProfiles;
impl aitbc_primitives::ProfileDirectory<AccountId> for TestProfiles {
    fn profile(id: &sp_core::H256) -> Option<aitbc_primitives::ProfileFacts> {
        PROFILES.with(|p| {
            p.borrow()
                .iter()
                .find(|(i, _)| i == id)
                .map(|(_, f)| f.clone())
        })
    }
    fn runs(miner: &AccountId, id: &sp_core::H256) -> bool {
        DECLARED.with(|d| d.borrow().contains(&(*miner, *id)))
    }
    fn setup_profile(model: &aitbc_primitives::ModelName, miners: &[AccountId]) -> sp_core::H256 {
        let id = sp_core::H256(sp_io::hashing::blake2_256(model));
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
pub fn llama_profile() -> sp_core::H256 {
    sp_core::H256::repeat_byte(0x11)
}

/// `miner` declares that it runs `profile`.
pub fn declare_profile(miner: AccountId, profile: sp_core::H256) {
    DECLARED.with(|d| d.borrow_mut().push((miner, profile)));
}

parameter_types! {
    /// Inference and embedding jobs (embedding only to test that the list is what is read).
    pub AcceptedJobTypes: crate::AcceptedJobTypesOf =
        frame_support::BoundedVec::truncate_from(vec![JobType::Inference, JobType::Embedding]);
}

/// Test signatures: the blake2-256 hash of the signer's encoding and the payload, then 32 zero
/// bytes ([`sign_receipt`]).
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

/// `miner`'s test signature of the receipt of job `job_id` with `output` and `metrics` (the
/// job's client and unit price read from storage).
pub fn sign_receipt(
    miner: AccountId,
    job_id: aitbc_primitives::JobId,
    output: &[u8],
    metrics: &aitbc_primitives::Metrics,
) -> sp_core::H512 {
    let (owner, unit_price) = crate::Jobs::<Test>::get(job_id)
        .map(|j| (j.owner, j.unit_price))
        .unwrap_or_default();
    let hash = sp_core::H256(sp_io::hashing::blake2_256(output));
    let payload = aitbc_primitives::receipt_signing_payload(
        job_id,
        &owner,
        &miner,
        &hash,
        metrics.units_milli(),
        &unit_price,
    );
    test_signature(&miner, &payload)
}

/// Clients 1..=5 and miners 10..=14 start with 1_000_000 each; minimum inference payment 10;
/// emission 50 per era of 10 blocks; no protocol fee.
pub fn new_test_ext() -> sp_io::TestExternalities {
    let mut t = frame_system::GenesisConfig::<Test>::default()
        .build_storage()
        .unwrap();
    pallet_balances::GenesisConfig::<Test> {
        balances: (1..=5).chain(10..=14).map(|a| (a, 1_000_000)).collect(),
        ..Default::default()
    }
    .assimilate_storage(&mut t)
    .unwrap();
    pallet_aitbc_receipts::GenesisConfig::<Test> { reward: Some(50) }
        .assimilate_storage(&mut t)
        .unwrap();
    pallet_aitbc_jobs::GenesisConfig::<Test> {
        min_payments: vec![(JobType::Inference, 10)],
        activity: vec![],
    }
    .assimilate_storage(&mut t)
    .unwrap();
    PROFILES.with(|p| {
        *p.borrow_mut() = vec![(
            llama_profile(),
            aitbc_primitives::ProfileFacts {
                model: llama(),
                sampling: None,
            },
        )]
    });
    DECLARED.with(|d| d.borrow_mut().clear());
    OBSERVED.with(|o| o.borrow_mut().clear());
    let mut ext = sp_io::TestExternalities::new(t);
    ext.execute_with(|| System::set_block_number(1));
    ext
}

/// Advance to block `n`, running the jobs pallet's `on_initialize` on each.
pub fn run_to_block(n: u64) {
    while System::block_number() < n {
        let next = System::block_number() + 1;
        System::set_block_number(next);
        Jobs::on_initialize(next);
    }
}

/// `llama`.
pub fn llama() -> ModelName {
    b"llama".to_vec().try_into().unwrap()
}

/// A prompt input.
pub fn prompt(text: &str) -> JobInput {
    JobInput::Prompt(text.as_bytes().to_vec().try_into().unwrap())
}

/// Requirements estimating `secs` GPU-seconds.
pub fn est(secs: u32) -> Requirements {
    Requirements {
        estimated_gpu_seconds: secs,
        ..Default::default()
    }
}

/// Register `who` as a miner serving llama at `price` with `stake`.
pub fn register_miner(who: AccountId, price: Balance, stake: Balance) {
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
        price,
        stake,
    )
    .unwrap();
}

/// `miner`'s test signature of its reveal of `output` for redundant job `job_id` at its own
/// `unit_price`.
pub fn sign_reveal(
    miner: AccountId,
    job_id: aitbc_primitives::JobId,
    output: &[u8],
    metrics: &aitbc_primitives::Metrics,
    unit_price: Balance,
) -> sp_core::H512 {
    let owner = crate::Jobs::<Test>::get(job_id)
        .map(|j| j.owner)
        .unwrap_or_default();
    let hash = sp_core::H256(sp_io::hashing::blake2_256(output));
    let payload = aitbc_primitives::receipt_signing_payload(
        job_id,
        &owner,
        &miner,
        &hash,
        metrics.units_milli(),
        &unit_price,
    );
    test_signature(&miner, &payload)
}
