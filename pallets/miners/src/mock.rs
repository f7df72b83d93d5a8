//! A minimal runtime for this pallet's tests: System, Balances, Miners.

use crate as pallet_aitbc_miners;
use frame_support::{
    derive_impl, parameter_types,
    traits::{ConstU32, ConstU64, VariantCountOf},
};
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
    pub const MinStake: Balance = 100;
    pub const SlashShare: Perbill = Perbill::from_percent(10);
}

impl pallet_aitbc_miners::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type MinStake = MinStake;
    type HeartbeatTimeout = ConstU64<10>;
    type UnbondingPeriod = ConstU64<20>;
    type SlashShare = SlashShare;
    type MaxMinersPerModel = ConstU32<3>;
    type MaxConcurrentJobs = ConstU32<2>;
    type WeightInfo = ();
}

/// Accounts 1..=9 start with 10_000 each.
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
