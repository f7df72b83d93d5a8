//! Pallet configuration for the AITBC runtime.

use frame_support::{
    derive_impl,
    dispatch::DispatchClass,
    parameter_types,
    traits::{ConstBool, ConstU128, ConstU32, ConstU64, ConstU8, Contains, VariantCountOf},
    weights::{
        constants::{RocksDbWeight, WEIGHT_REF_TIME_PER_SECOND},
        Weight,
    },
};
use frame_system::limits::{BlockLength, BlockWeights};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_runtime::{traits::One, Perbill};
use sp_version::RuntimeVersion;

use super::{
    AccountId, Aura, Balance, Balances, Block, BlockNumber, Hash, Nonce, PalletInfo, Runtime,
    RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason, RuntimeOrigin, RuntimeTask,
    System, EXISTENTIAL_DEPOSIT, SLOT_DURATION, SS58_PREFIX, VERSION,
};

const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);

parameter_types! {
    pub const BlockHashCount: BlockNumber = 2400;
    pub const Version: RuntimeVersion = VERSION;
    /// Six seconds of *reference* compute per two-second block. Substrate's reference weights
    /// are Wasm timings with 25 µs per database read and 100 µs per write; this runtime runs
    /// natively and writes the trie once per block, so they overstate the real cost about five
    /// times: with two seconds of weight a block held 1,974 `transfer_keep_alive`s (the weight
    /// limit) and took 312 ms to author and import on 2 cores (`scripts/bench-node.sh`). The
    /// author still stops filling a block after half a slot of wall-clock time whatever the
    /// weight says, so a block never takes longer than that to build, nor to import.
    pub RuntimeBlockWeights: BlockWeights = BlockWeights::with_sensible_defaults(
        Weight::from_parts(6 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX),
        NORMAL_DISPATCH_RATIO,
    );
    pub RuntimeBlockLength: BlockLength = BlockLength::builder()
        .max_length(5 * 1024 * 1024)
        .modify_max_length_for_class(DispatchClass::Normal, |m| *m = NORMAL_DISPATCH_RATIO * *m)
        .build();
    pub const SS58Prefix: u16 = SS58_PREFIX;
}

/// Calls that cannot work in a native runtime are refused before dispatch: code upgrades need a
/// Wasm blob. Upgrades ship as node binaries with a bumped `spec_version` instead.
pub struct NativeRuntimeCallFilter;
impl Contains<RuntimeCall> for NativeRuntimeCallFilter {
    fn contains(call: &RuntimeCall) -> bool {
        !matches!(
            call,
            RuntimeCall::System(
                frame_system::Call::set_code { .. }
                    | frame_system::Call::set_code_without_checks { .. }
                    | frame_system::Call::authorize_upgrade { .. }
                    | frame_system::Call::authorize_upgrade_without_checks { .. }
                    | frame_system::Call::apply_authorized_upgrade { .. }
            )
        )
    }
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
    type BaseCallFilter = NativeRuntimeCallFilter;
    type Block = Block;
    type BlockWeights = RuntimeBlockWeights;
    type BlockLength = RuntimeBlockLength;
    type AccountId = AccountId;
    type Nonce = Nonce;
    type Hash = Hash;
    type BlockHashCount = BlockHashCount;
    type DbWeight = RocksDbWeight;
    type Version = Version;
    type AccountData = pallet_balances::AccountData<Balance>;
    type SS58Prefix = SS58Prefix;
    type MaxConsumers = ConstU32<16>;
}

impl pallet_aura::Config for Runtime {
    type AuthorityId = AuraId;
    type DisabledValidators = ();
    type MaxAuthorities = ConstU32<32>;
    type AllowMultipleBlocksPerSlot = ConstBool<false>;
    type SlotDuration = pallet_aura::MinimumPeriodTimesTwo<Runtime>;
}

impl pallet_grandpa::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type WeightInfo = ();
    type MaxAuthorities = ConstU32<32>;
    type MaxNominators = ConstU32<0>;
    type MaxSetIdSessionEntries = ConstU64<0>;
    type KeyOwnerProof = sp_core::Void;
    type EquivocationReportSystem = ();
}

impl pallet_aitbc_validator_set::Config for Runtime {
    type MaxValidators = crate::governance::MaxValidators;
    type WeightInfo = pallet_aitbc_validator_set::weights::SubstrateWeight<Runtime>;
}

impl pallet_timestamp::Config for Runtime {
    type Moment = u64;
    type OnTimestampSet = Aura;
    type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
    type WeightInfo = ();
}

impl pallet_balances::Config for Runtime {
    type MaxLocks = ConstU32<50>;
    type MaxReserves = ();
    type ReserveIdentifier = [u8; 8];
    type Balance = Balance;
    type RuntimeEvent = RuntimeEvent;
    type DustRemoval = ();
    type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
    type AccountStore = System;
    type WeightInfo = pallet_balances::weights::SubstrateWeight<Runtime>;
    type FreezeIdentifier = RuntimeFreezeReason;
    type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
    type RuntimeHoldReason = RuntimeHoldReason;
    type RuntimeFreezeReason = RuntimeFreezeReason;
    type DoneSlashHandler = ();
}

parameter_types! {
    pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type OnChargeTransaction = FungibleAdapter<Balances, ()>;
    type OperationalFeeMultiplier = ConstU8<5>;
    /// One base unit of fee per picosecond of ref-time: a transfer costs about 0.0002 AIT.
    type WeightToFee = WeightToFeeMillis;
    /// [`FeePerByte`] for every byte of the transaction.
    type LengthToFee = frame_support::weights::ConstantMultiplier<Balance, FeePerByte>;
    type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
    type WeightInfo = pallet_transaction_payment::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
    /// Fee per transaction byte: 0.1 µAIT (10^5 base units; it was 1 base unit, 10^-12 AIT,
    /// which made a full block of bytes cost 0.000004 AIT).
    ///
    /// Bytes are what a chain keeps forever, and the only cost weight does not see: a normal
    /// block holds 75% of 5 MiB = 3.9 MB, so at this price a full block of bytes costs
    /// 0.39 AIT, an hour of full blocks (1,800) about 700 AIT, a day about 17,000 AIT, and each
    /// gigabyte of chain growth 100 AIT: spamming the chain with data is no longer free, while
    /// ordinary transactions barely notice: a transfer (about 150 bytes) pays 0.000015 AIT for
    /// its bytes next to about 0.0002 AIT for its weight, a 4,000-character prompt 0.0004 AIT,
    /// and a miner's largest inline result (64 KiB) 0.0066 AIT, below the 0.01 AIT minimum
    /// job payment. (A higher price would put large inline results above what a job pays;
    /// results past that size belong off chain behind their hash.)
    pub const FeePerByte: Balance = 100_000;
}

/// Fee for weight: ref-time picoseconds x `FeePerWeight`.
pub type WeightToFeeMillis = frame_support::weights::ConstantMultiplier<Balance, FeePerWeight>;
parameter_types! {
    pub const FeePerWeight: Balance = 1;
}

impl pallet_sudo::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type RuntimeCall = RuntimeCall;
    type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}
