//! A runtime for this pallet's tests: System, Balances, Receipts and the DAO, with the DAO's
//! parameters wired to the receipts pallet's reward (and to test storage for the others).

use crate as pallet_aitbc_dao;
use aitbc_primitives::{GovernanceAction, GovernedParameters, JobType};
use core::time::Duration;
use frame_support::{
    derive_impl, parameter_types,
    traits::{ConstU128, ConstU32, ConstU64, Hooks, UnixTime, VariantCountOf},
};
use frame_system::{EnsureRoot, RawOrigin};
use sp_runtime::{BuildStorage, DispatchError, Perbill};

type Block = frame_system::mocking::MockBlock<Test>;
/// Account id in tests.
pub type AccountId = u64;
/// Balance in tests.
pub type Balance = u128;

frame_support::construct_runtime!(
    pub enum Test {
        System: frame_system,
        Balances: pallet_balances,
        Receipts: pallet_aitbc_receipts,
        Dao: pallet_aitbc_dao,
    }
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
    type Block = Block;
    type AccountData = pallet_balances::AccountData<Balance>;
}

parameter_types! {
    pub const ExistentialDeposit: Balance = 1;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
    type Balance = Balance;
    type ExistentialDeposit = ExistentialDeposit;
    type AccountStore = System;
    type RuntimeHoldReason = RuntimeHoldReason;
    type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
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
    type DefaultReward = ConstU128<50>;
    type EraLength = frame_support::traits::ConstU64<1>;
    type RewardOrigin = EnsureRoot<AccountId>;
    type WeightInfo = ();
}

parameter_types! {
    /// The DAO's vote floor (share of the quorum); none unless a test sets one.
    pub static VoteFloor: Perbill = Perbill::zero();
}

parameter_types! {
    /// Governed in tests: the acknowledgement deadline.
    pub storage AckTimeout: u64 = 10;
    /// Governed in tests: the slash share.
    pub storage SlashShare: Perbill = Perbill::from_percent(10);
    /// Governed in tests: the last minimum payment set.
    pub storage LastMinPayment: Option<(JobType, Balance)> = None;
    /// Governed in tests: the protocol fee.
    pub storage ProtocolFee: Perbill = Perbill::zero();
    /// Governed in tests: the size of the last validator set installed.
    pub storage AuthorityCount: u32 = 1;
}

/// The DAO's parameters in tests: the reward goes through the receipts pallet's root call,
/// the rest to test storage. Validator keys of all zeroes are invalid; a slash share above
/// 50% fails at enactment.
pub struct TestParameters;
impl GovernedParameters<Balance, u64> for TestParameters {
    fn validate(action: &GovernanceAction<Balance, u64>) -> Result<(), DispatchError> {
        if let GovernanceAction::SetAuthorities(list) = action {
            if list.iter().any(|k| k.aura == [0; 32]) {
                return Err(DispatchError::Other("invalid key"));
            }
        }
        Ok(())
    }

    fn apply(action: &GovernanceAction<Balance, u64>) -> Result<(), DispatchError> {
        match action {
            GovernanceAction::SetMinerReward(amount) => {
                Receipts::set_reward(RawOrigin::Root.into(), *amount)
            }
            GovernanceAction::SetMinJobPayment { job_type, amount } => {
                LastMinPayment::set(&Some((*job_type, *amount)));
                Ok(())
            }
            GovernanceAction::SetAckTimeout(blocks) => {
                AckTimeout::set(blocks);
                Ok(())
            }
            GovernanceAction::SetProtocolFee(fee) => {
                ProtocolFee::set(fee);
                Ok(())
            }
            GovernanceAction::SetSlashShare(share) => {
                // Write first, then fail: enactment must roll the write back.
                SlashShare::set(share);
                if *share > Perbill::from_percent(50) {
                    return Err(DispatchError::Other("slash share too high"));
                }
                Ok(())
            }
            GovernanceAction::ApproveAgentTool(_) | GovernanceAction::RevokeAgentTool(_) => Ok(()),
            GovernanceAction::SetAuthorities(list) => {
                AuthorityCount::set(&(list.len() as u32));
                Ok(())
            }
            GovernanceAction::Signal => Err(DispatchError::Other("a signal is never enacted")),
        }
    }
}

/// Minimum deposit.
pub const MIN_DEPOSIT: Balance = 100;
/// Voting period.
pub const VOTING: u64 = 10;
/// Enactment delay.
pub const DELAY: u64 = 5;

impl pallet_aitbc_dao::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Parameters = TestParameters;
    type MinDeposit = ConstU128<MIN_DEPOSIT>;
    type MinVote = ConstU128<10>;
    type VotingPeriod = ConstU64<VOTING>;
    type EnactmentDelay = ConstU64<DELAY>;
    type Quorum = QuorumShare;
    type ApprovalThreshold = Approval;
    type SlashThreshold = SlashBelow;
    type MaxVoters = ConstU32<5>;
    type VoteFloor = VoteFloor;
    type MaxOpenProposals = ConstU32<4>;
    type MaxPerBlock = ConstU32<2>;
    type MaxUnlocksPerBlock = ConstU32<3>;
    type WeightInfo = ();
}

parameter_types! {
    /// 10% of the issuance must vote.
    pub const QuorumShare: Perbill = Perbill::from_percent(10);
    /// Simple majority of yes + no.
    pub const Approval: Perbill = Perbill::from_percent(50);
    /// Deposit slashed below half the quorum.
    pub const SlashBelow: Perbill = Perbill::from_percent(50);
}

/// Accounts 1..=9 start with 10_000 each (issuance 90_000: the quorum is 9_000).
pub fn new_test_ext() -> sp_io::TestExternalities {
    let mut t = frame_system::GenesisConfig::<Test>::default()
        .build_storage()
        .unwrap();
    pallet_balances::GenesisConfig::<Test> {
        balances: (1..=9).map(|a| (a, 10_000)).collect(),
        ..Default::default()
    }
    .assimilate_storage(&mut t)
    .unwrap();
    let mut ext = sp_io::TestExternalities::new(t);
    ext.execute_with(|| System::set_block_number(1));
    ext
}

/// Run blocks up to and including `n`, with the DAO's `on_initialize`.
pub fn run_to(n: u64) {
    while System::block_number() < n {
        let next = System::block_number() + 1;
        System::set_block_number(next);
        Dao::on_initialize(next);
    }
}

/// Sum of every account's free and held balance (accounts 0..=20).
pub fn total_balances() -> Balance {
    (0..=20u64)
        .map(|a| {
            let acc = System::account(a).data;
            acc.free + acc.reserved
        })
        .sum()
}
