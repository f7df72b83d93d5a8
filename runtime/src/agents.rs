//! AI agents (pallet index 19, `Agents`, `pallets/agents`): a registry of versioned agents
//! whose tools the DAO approves, and agent runs, jobs of the jobs pallet whose step traces are
//! recorded and checked on chain. The jobs pallet asks the agents pallet for a run's window and
//! result rule (`JobRules`) and tells it when a run's job ends (`JobObserver`), both wired in
//! `runtime/src/jobs.rs`.

use frame_support::parameter_types;

use super::{Balance, Balances, BlockNumber, Jobs, Runtime, RuntimeEvent, RuntimeHoldReason, DAYS};

/// The tools a new chain approves: the ones the miner daemon ships (`aitbc-agent`'s tool
/// box). Each runs inside the daemon with no filesystem, process or network access; the
/// chain-read tools read the daemon's node at a pinned finalized block.
pub const GENESIS_TOOLS: [&str; 8] = [
    "calculator",
    "json_query",
    "table_stats",
    "text",
    "chain_balance",
    "chain_job",
    "chain_pricing",
    "chain_block",
];

parameter_types! {
    /// An agent version holds this besides its bytes: 0.01 AIT.
    pub const AgentDepositBase: Balance = 10 * crate::MILLI_AIT;
    /// Per byte of a version or a run's data file: the jobs' storage deposit rate (1 µAIT).
    pub const AgentDepositPerByte: Balance = crate::jobs::JobDepositPerByte::get();
    /// A run and its trace are kept a week after its job ended.
    pub const AgentRunRetention: BlockNumber = 7 * DAYS;
}

impl pallet_aitbc_agents::Config for Runtime {
    type RuntimeEvent = RuntimeEvent;
    type Currency = Balances;
    type RuntimeHoldReason = RuntimeHoldReason;
    type Jobs = Jobs;
    type Redundant = Jobs;
    type ToolOrigin = frame_system::EnsureRoot<crate::AccountId>;
    type AgentDepositBase = AgentDepositBase;
    type DepositPerByte = AgentDepositPerByte;
    type RunRetention = AgentRunRetention;
    type MaxPrunesPerBlock = frame_support::traits::ConstU32<16>;
    type WeightInfo = pallet_aitbc_agents::weights::SubstrateWeight<Runtime>;
}
