//! A minimal runtime for this pallet's tests: System, Balances, Profiles. Every account is an
//! active miner but 9 and those [`deactivate`]d (kept in the test's storage, so each test and
//! benchmark run starts afresh).

use crate as pallet_aitbc_profiles;
use frame_support::{
    derive_impl, parameter_types,
    traits::{ConstU32, Contains, VariantCountOf},
};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;
/// Account id in tests.
pub type AccountId = u64;
/// Balance in tests.
pub type Balance = u128;

frame_support::construct_runtime!(
    pub enum Test {
        System: frame_system,
        Balances: pallet_balances,
        ExecutionProfiles: pallet_aitbc_profiles,
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
    pub const ProfileDeposit: Balance = 100;
    /// Accounts that are not (or no longer) active miners.
    pub storage Inactive: Vec<AccountId> = vec![9];
}

/// Every account but 9 and the [`deactivate`]d ones is an active miner.
pub struct TestMiners;
impl Contains<AccountId> for TestMiners {
    fn contains(who: &AccountId) -> bool {
        !Inactive::get().contains(who)
    }
}

/// `who` stops being an active miner (as if it had deregistered).
pub fn deactivate(who: AccountId) {
    let mut v = Inactive::get();
    v.push(who);
    Inactive::set(&v);
}

#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkMiners<AccountId> for TestMiners {
    fn deactivate(who: &AccountId) {
        deactivate(*who);
    }
}

impl pallet_aitbc_profiles::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Miners = TestMiners;
    type ProfileDeposit = ProfileDeposit;
    type MaxMinersPerProfile = ConstU32<3>;
    type WeightInfo = ();
}

/// Accounts 1..=9 start with 10_000 each; `genesis` profiles are registered.
pub fn ext_with(genesis: Vec<crate::ExecutionProfile>) -> sp_io::TestExternalities {
    let mut t = frame_system::GenesisConfig::<Test>::default()
        .build_storage()
        .unwrap();
    pallet_balances::GenesisConfig::<Test> {
        balances: (1..=9).map(|a| (a, 10_000)).collect(),
        ..Default::default()
    }
    .assimilate_storage(&mut t)
    .unwrap();
    pallet_aitbc_profiles::GenesisConfig::<Test> {
        profiles: genesis,
        _config: Default::default(),
    }
    .assimilate_storage(&mut t)
    .unwrap();
    let mut ext = sp_io::TestExternalities::new(t);
    ext.execute_with(|| System::set_block_number(1));
    ext
}

/// No genesis profiles.
pub fn new_test_ext() -> sp_io::TestExternalities {
    ext_with(Vec::new())
}
