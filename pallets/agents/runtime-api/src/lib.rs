//! Runtime API of AITBC agents: typed queries for the CLI, the miner daemon and explorers, so
//! none of them decodes raw storage.
//!
//! Called through `state_call` as `AgentsApi_<method>` with SCALE-encoded arguments.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use aitbc_primitives::{AgentId, AgentVersion, JobId, ToolId};
use alloc::vec::Vec;
use codec::Codec;
use pallet_aitbc_agents::{
    queries::{AgentView, RunView},
    VersionRecord,
};

sp_api::decl_runtime_apis! {
    /// Agents, their versions, runs with their traces, and the approved tools.
    pub trait AgentsApi<AccountId, Balance, BlockNumber>
    where
        AccountId: Codec,
        Balance: Codec,
        BlockNumber: Codec,
    {
        /// One agent with its latest version.
        fn agent(id: AgentId) -> Option<AgentView<AccountId, Balance, BlockNumber>>;
        /// Agents with id `>= from`, ascending, at most `limit` (capped at
        /// [`aitbc_primitives::MAX_PAGE`]); only `owner`'s when given.
        fn agents(owner: Option<AccountId>, from: AgentId, limit: u32) -> Vec<AgentView<AccountId, Balance, BlockNumber>>;
        /// One stored version of an agent.
        fn version(id: AgentId, version: AgentVersion) -> Option<VersionRecord<Balance, BlockNumber>>;
        /// A run (by its job's id) with its input, pinned version and trace.
        fn run(job: JobId) -> Option<RunView<AccountId, Balance, BlockNumber>>;
        /// The tools agents may list.
        fn approved_tools() -> Vec<ToolId>;
        /// Where `who` streams its agent runs' steps.
        fn stream_endpoint(who: AccountId) -> Option<aitbc_primitives::StreamEndpoint>;
    }
}
