//! A minimal runtime for this pallet's tests: System, Timestamp, Aura, Grandpa, ValidatorSet,
//! with two genesis validators.

use crate as pallet_aitbc_validator_set;
use frame_support::{
    derive_impl,
    traits::{ConstBool, ConstU32, ConstU64},
};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_core::{ed25519, sr25519};
use sp_runtime::BuildStorage;

type Block = frame_system::mocking::MockBlock<Test>;

frame_support::construct_runtime!(
    pub enum Test {
        System: frame_system,
        Timestamp: pallet_timestamp,
        Aura: pallet_aura,
        Grandpa: pallet_grandpa,
        ValidatorSet: pallet_aitbc_validator_set,
    }
);

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
    type Block = Block;
}

impl pallet_timestamp::Config for Test {
    type Moment = u64;
    type OnTimestampSet = Aura;
    type MinimumPeriod = ConstU64<1_000>;
    type WeightInfo = ();
}

impl pallet_aura::Config for Test {
    type AuthorityId = AuraId;
    type DisabledValidators = ();
    type MaxAuthorities = ConstU32<32>;
    type AllowMultipleBlocksPerSlot = ConstBool<false>;
    type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Test>;
}

impl pallet_grandpa::Config for Test {
    type RuntimeEvent = RuntimeEvent;
    type WeightInfo = ();
    type MaxAuthorities = ConstU32<32>;
    type MaxNominators = ConstU32<0>;
    type MaxSetIdSessionEntries = ConstU64<0>;
    type KeyOwnerProof = sp_core::Void;
    type EquivocationReportSystem = ();
}

impl pallet_aitbc_validator_set::Config for Test {
    type MaxValidators = ConstU32<32>;
    type WeightInfo = ();
}

/// Validator `i`: distinct Aura and GRANDPA public keys derived from `i`.
pub fn validator(i: u8) -> (AuraId, GrandpaId) {
    (
        AuraId::from(sr25519::Public::from_raw([i; 32])),
        GrandpaId::from(ed25519::Public::from_raw([i; 32])),
    )
}

/// Genesis with validators 1 and 2, at block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
    let mut t = frame_system::GenesisConfig::<Test>::default()
        .build_storage()
        .expect("system genesis builds");
    let genesis = [validator(1), validator(2)];
    pallet_aura::GenesisConfig::<Test> {
        authorities: genesis.iter().map(|(a, _)| a.clone()).collect(),
    }
    .assimilate_storage(&mut t)
    .expect("aura genesis builds");
    pallet_grandpa::GenesisConfig::<Test> {
        authorities: genesis.iter().map(|(_, g)| (g.clone(), 1)).collect(),
        _config: Default::default(),
    }
    .assimilate_storage(&mut t)
    .expect("grandpa genesis builds");
    let mut ext = sp_io::TestExternalities::new(t);
    ext.execute_with(|| System::set_block_number(1));
    ext
}
