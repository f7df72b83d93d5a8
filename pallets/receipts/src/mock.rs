//! A minimal runtime for this pallet's tests: System, Balances, Receipts.

use crate as pallet_aitbc_receipts;
use core::time::Duration;
use frame_support::{derive_impl, traits::UnixTime};
use frame_system::EnsureRoot;
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
        Receipts: pallet_aitbc_receipts,
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
    type AccountStore = System;
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
    type EraLength = frame_support::traits::ConstU64<10>;
    type RewardOrigin = EnsureRoot<AccountId>;
    type WeightInfo = ();
}

/// Accounts 1..=9 start with 10_000 each; the emission is 50 per era of 10 blocks.
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
    pallet_aitbc_receipts::GenesisConfig::<Test> { reward: Some(50) }
        .assimilate_storage(&mut t)
        .unwrap();
    let mut ext = sp_io::TestExternalities::new(t);
    ext.execute_with(|| System::set_block_number(1));
    ext
}
