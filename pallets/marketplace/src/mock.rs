//! A minimal runtime for this pallet's tests: System, Balances, Marketplace.

use crate as pallet_aitbc_marketplace;
use aitbc_primitives::{GpuModel, ListingTerms};
use frame_support::{
    derive_impl, parameter_types,
    traits::{ConstU32, ConstU64, Hooks, VariantCountOf},
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
        Marketplace: pallet_aitbc_marketplace,
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

/// Blocks per hour in tests.
pub const HOUR: u64 = 10;
/// Blocks a provider has to confirm.
pub const CONFIRM_TIMEOUT: u64 = 3;

impl pallet_aitbc_marketplace::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type BlocksPerHour = ConstU64<HOUR>;
    type ConfirmTimeout = ConstU64<CONFIRM_TIMEOUT>;
    type MaxBookingHours = ConstU32<24>;
    type MaxListingsPerProvider = ConstU32<4>;
    type MaxListingsPerModel = ConstU32<6>;
    type MaxRecentPrices = ConstU32<4>;
    type MaxScheduledPerBlock = ConstU32<2>;
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

/// Run blocks up to and including `n`, with `on_initialize`.
pub fn run_to(n: u64) {
    while System::block_number() < n {
        let next = System::block_number() + 1;
        System::set_block_number(next);
        Marketplace::on_initialize(next);
    }
}

/// A GPU model name.
pub fn gpu(name: &str) -> GpuModel {
    name.as_bytes().to_vec().try_into().unwrap()
}

/// Terms: `count` GPUs of `model` at `rate` per GPU-hour, available blocks 0..1000.
pub fn terms(model: &str, count: u32, rate: Balance) -> ListingTerms<Balance, u64> {
    ListingTerms {
        gpu_model: gpu(model),
        vram_mb: 24 * 1024,
        gpu_count: count,
        hourly_rate: rate,
        region: b"eu-west".to_vec().try_into().unwrap(),
        available_from: 0,
        available_until: 1_000,
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
