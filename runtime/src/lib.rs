//! The AITBC runtime.
//!
//! An ordinary Rust crate built for the host: the node executes it natively through the
//! `api::dispatch` entry point that `impl_runtime_apis!` generates (see docs/ARCHITECTURE.md,
//! "Why the runtime runs natively"). There is no Wasm blob, so `System::set_code` is filtered
//! out.

// `construct_runtime`/`impl_runtime_apis` expand to very large items.
#![recursion_limit = "256"]

extern crate alloc;

pub mod agents;
pub mod apis;
pub mod configs;
pub mod genesis;
pub mod governance;
pub mod jobs;
pub mod profiles;
pub mod swarms;

use sp_runtime::{
    generic, impl_opaque_keys,
    traits::{BlakeTwo256, IdentifyAccount, Verify},
    MultiAddress, MultiSignature,
};
use sp_version::RuntimeVersion;

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_timestamp::Call as TimestampCall;
pub use sp_runtime::BuildStorage;

/// Block number.
pub type BlockNumber = u32;
/// Transaction signature: sr25519, ed25519 or ecdsa.
pub type Signature = MultiSignature;
/// Account identifier: the 32-byte public key of the signer.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// Balance of an account, in planck-style base units (1 AIT = 10^12 units).
pub type Balance = u128;
/// Account nonce.
pub type Nonce = u32;
/// Block and state hash.
pub type Hash = sp_core::H256;

/// Number of decimals of the AIT token.
pub const TOKEN_DECIMALS: u8 = 12;
/// Token symbol.
pub const TOKEN_SYMBOL: &str = "AIT";
/// One AIT in base units.
pub const AIT: Balance = 1_000_000_000_000;
/// One thousandth of an AIT.
pub const MILLI_AIT: Balance = AIT / 1_000;
/// Existential deposit: accounts below this are reaped.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_AIT;
/// SS58 address prefix (42: the generic Substrate prefix, so every tool knows it).
pub const SS58_PREFIX: u16 = 42;

/// Target block time. One Aura slot is one block.
pub const MILLISECS_PER_BLOCK: u64 = 2000;
/// Aura slot duration; cannot change after genesis.
pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;
/// Blocks per minute.
pub const MINUTES: BlockNumber = 60_000 / (MILLISECS_PER_BLOCK as BlockNumber);
/// Blocks per hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day.
pub const DAYS: BlockNumber = HOURS * 24;

/// Opaque types, for code that must not depend on the runtime's call types.
pub mod opaque {
    use super::*;
    pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

    /// Opaque block header.
    pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
    /// Opaque block.
    pub type Block = generic::Block<Header, UncheckedExtrinsic>;
}

impl_opaque_keys! {
    /// The keys a validator holds: Aura for authorship, GRANDPA for finality.
    pub struct SessionKeys {
        pub aura: Aura,
        pub grandpa: Grandpa,
    }
}

/// The runtime version. Bump `spec_version` with every release that changes behaviour; a node
/// refuses transactions signed for another spec version.
#[sp_version::runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
    spec_name: alloc::borrow::Cow::Borrowed("aitbc"),
    impl_name: alloc::borrow::Cow::Borrowed("aitbc-node"),
    authoring_version: 1,
    spec_version: 110,
    impl_version: 1,
    apis: apis::RUNTIME_API_VERSIONS,
    transaction_version: 1,
    system_version: 1,
};

#[frame_support::runtime]
mod runtime {
    #[runtime::runtime]
    #[runtime::derive(
        RuntimeCall,
        RuntimeEvent,
        RuntimeError,
        RuntimeOrigin,
        RuntimeFreezeReason,
        RuntimeHoldReason,
        RuntimeSlashReason,
        RuntimeLockId,
        RuntimeTask,
        RuntimeViewFunction
    )]
    pub struct Runtime;

    #[runtime::pallet_index(0)]
    pub type System = frame_system;
    #[runtime::pallet_index(1)]
    pub type Timestamp = pallet_timestamp;
    #[runtime::pallet_index(2)]
    pub type Aura = pallet_aura;
    #[runtime::pallet_index(3)]
    pub type Grandpa = pallet_grandpa;
    #[runtime::pallet_index(4)]
    pub type Balances = pallet_balances;
    #[runtime::pallet_index(5)]
    pub type TransactionPayment = pallet_transaction_payment;
    #[runtime::pallet_index(6)]
    pub type Sudo = pallet_sudo;

    // The compute market (runtime/src/jobs.rs).
    #[runtime::pallet_index(10)]
    pub type Miners = pallet_aitbc_miners;
    #[runtime::pallet_index(11)]
    pub type Jobs = pallet_aitbc_jobs;
    #[runtime::pallet_index(12)]
    pub type Receipts = pallet_aitbc_receipts;

    // GPU marketplace and governance (runtime/src/governance.rs).
    #[runtime::pallet_index(13)]
    pub type Marketplace = pallet_aitbc_marketplace;
    #[runtime::pallet_index(14)]
    pub type Dao = pallet_aitbc_dao;
    #[runtime::pallet_index(15)]
    pub type GovernanceTiming = crate::governance::timing;

    // Validator set changes (pallets/validator-set, configured in runtime/src/configs.rs).
    #[runtime::pallet_index(16)]
    pub type ValidatorSet = pallet_aitbc_validator_set;

    // Execution profiles (pallets/profiles, configured in runtime/src/profiles.rs).
    #[runtime::pallet_index(17)]
    pub type ExecutionProfiles = pallet_aitbc_profiles;

    // Agent swarms (pallets/swarms, configured in runtime/src/swarms.rs).
    #[runtime::pallet_index(18)]
    pub type Swarms = pallet_aitbc_swarms;

    // AI agents (pallets/agents, configured in runtime/src/agents.rs).
    #[runtime::pallet_index(19)]
    pub type Agents = pallet_aitbc_agents;
}

/// The address format: `MultiAddress`, as polkadot.js and subxt expect.
pub type Address = MultiAddress<AccountId, ()>;
/// Block header.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// Block.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;
/// The standard transaction extensions, in the order polkadot.js and subxt sign them.
pub type TxExtension = (
    frame_system::CheckNonZeroSender<Runtime>,
    frame_system::CheckSpecVersion<Runtime>,
    frame_system::CheckTxVersion<Runtime>,
    frame_system::CheckGenesis<Runtime>,
    frame_system::CheckEra<Runtime>,
    frame_system::CheckNonce<Runtime>,
    frame_system::CheckWeight<Runtime>,
    pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
    frame_system::WeightReclaim<Runtime>,
);
/// Unchecked extrinsic.
pub type UncheckedExtrinsic =
    generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload being signed.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;
/// Runtime migrations applied on upgrade (binary releases with a bumped `spec_version`), each
/// guarded by its pallet's storage version so it runs once: receipts v0 → v1 (bounded
/// emission) → v2 (units to the millisecond, miner signatures); jobs v0 → v1 (generation
/// options, provider); `GovernanceTiming` v0 → v1 (governed acknowledgement deadline and slash
/// share from unhashed keys into typed storage). Every pallet declares its storage version and
/// keeps its steps in its `migrations` module (miners, marketplace, DAO, validator set,
/// execution profiles and agents are at their first layout, version 0); `Swarms` v0 → v1 (a
/// member's agent is a registered agent: decimal labels kept as ids, other members removed);
/// `runtime/tests/migrations.rs` runs this tuple.
pub type Migrations = (
    pallet_aitbc_receipts::migrations::v1::MigrateV0ToV1<Runtime>,
    pallet_aitbc_receipts::migrations::v2::MigrateV1ToV2<Runtime>,
    pallet_aitbc_jobs::migrations::v1::MigrateV0ToV1<Runtime>,
    governance::timing::migrations::v1::MigrateV0ToV1<Runtime>,
    pallet_aitbc_swarms::migrations::v1::MigrateV0ToV1<Runtime>,
);
/// Executive: dispatches to the pallets.
pub type Executive = frame_executive::Executive<
    Runtime,
    Block,
    frame_system::ChainContext<Runtime>,
    Runtime,
    AllPalletsWithSystem,
    Migrations,
>;
