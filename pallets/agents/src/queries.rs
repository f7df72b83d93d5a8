//! Typed queries for the runtime API: agents with their latest version, a run with its input
//! and trace, the approved tools.

use aitbc_primitives::{AgentId, AgentVersion, JobId, ToolId, Trace, MAX_PAGE};
use alloc::vec::Vec;
use codec::{Decode, Encode};
use frame_system::pallet_prelude::BlockNumberFor;
use scale_info::TypeInfo;

use crate::{
    AgentOf, AgentsByOwner, ApprovedTools, BalanceOf, Config, Pallet, RunInput, RunInputs, RunOf,
    Runs, Traces, VersionRecord, Versions,
};

/// An agent with its latest version.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct AgentView<AccountId, Balance, BlockNumber> {
    /// Its id.
    pub id: AgentId,
    /// The agent.
    pub agent: crate::Agent<AccountId, BlockNumber>,
    /// Its latest version.
    pub version: VersionRecord<Balance, BlockNumber>,
    /// Versions still stored (the latest and those open runs pin), ascending.
    pub stored_versions: Vec<AgentVersion>,
}

/// A run with everything needed to check its trace.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct RunView<AccountId, Balance, BlockNumber> {
    /// The run.
    pub run: aitbc_primitives::AgentRun<AccountId, BlockNumber>,
    /// Its input and data file.
    pub input: Option<RunInput<AccountId, Balance>>,
    /// The version it pinned (`None` once removed).
    pub version: Option<VersionRecord<Balance, BlockNumber>>,
    /// The recorded steps.
    pub trace: Option<Trace>,
    /// A redundant run's participants' traces: the miner, the trace's root, how its run
    /// ended, its step count and the hash of its answer (empty for a single-miner run).
    pub participants: Vec<ParticipantTrace<AccountId>>,
}

/// One participant's trace of a redundant run, summarized.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct ParticipantTrace<AccountId> {
    /// The participant.
    pub miner: AccountId,
    /// Its trace's root.
    pub root: sp_core::H256,
    /// How its run ended.
    pub end: aitbc_primitives::RunEnd,
    /// Its steps.
    pub steps: u32,
    /// BLAKE2-256 of its last step's text (its answer).
    pub answer_hash: sp_core::H256,
    /// Its steps' tokens, summed (as its reveal must be metered).
    pub tokens: u32,
    /// Its steps' milliseconds, summed.
    pub millis: u64,
}

/// An agent's view.
pub type AgentViewOf<T> =
    AgentView<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
/// A run's view.
pub type RunViewOf<T> =
    RunView<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

impl<T: Config> Pallet<T> {
    /// One agent with its latest version.
    pub fn agent_view(id: AgentId) -> Option<AgentViewOf<T>> {
        let agent: AgentOf<T> = crate::Agents::<T>::get(id)?;
        let version = Versions::<T>::get(id, agent.latest)?;
        let mut stored_versions: Vec<AgentVersion> = Versions::<T>::iter_key_prefix(id)
            .take(MAX_PAGE as usize)
            .collect();
        stored_versions.sort_unstable();
        Some(AgentView {
            id,
            agent,
            version,
            stored_versions,
        })
    }

    /// Agents with id `>= from`, ascending, at most `limit` (capped at [`MAX_PAGE`]); only
    /// `owner`'s when given.
    pub fn agents_from(
        owner: Option<T::AccountId>,
        from: AgentId,
        limit: u32,
    ) -> Vec<AgentViewOf<T>> {
        let limit = limit.min(MAX_PAGE) as usize;
        match owner {
            Some(owner) => {
                let mut ids: Vec<AgentId> = AgentsByOwner::<T>::iter_key_prefix(&owner)
                    .filter(|id| *id >= from)
                    .take(crate::MAX_OWNER_SCAN)
                    .collect();
                ids.sort_unstable();
                ids.into_iter()
                    .filter_map(Self::agent_view)
                    .take(limit)
                    .collect()
            }
            None => {
                let next = crate::NextAgentId::<T>::get();
                (from..next)
                    .take(crate::MAX_ID_SCAN)
                    .filter_map(Self::agent_view)
                    .take(limit)
                    .collect()
            }
        }
    }

    /// One run with its input, version and trace.
    pub fn run_view(job: JobId) -> Option<RunViewOf<T>> {
        let run: RunOf<T> = Runs::<T>::get(job)?;
        let version = Versions::<T>::get(run.agent, run.version);
        let participants = crate::RoundTraces::<T>::iter_prefix(job)
            .map(|(miner, t)| ParticipantTrace {
                miner,
                root: t.root,
                end: t.end,
                steps: t.steps.len() as u32,
                answer_hash: t
                    .steps
                    .last()
                    .map(|s| aitbc_primitives::blake2(&s.content))
                    .unwrap_or_default(),
                tokens: t.steps.iter().fold(0u32, |n, s| n.saturating_add(s.tokens)),
                millis: t
                    .steps
                    .iter()
                    .fold(0u64, |n, s| n.saturating_add(u64::from(s.millis))),
            })
            .collect();
        Some(RunView {
            input: RunInputs::<T>::get(job),
            trace: Traces::<T>::get(job),
            run,
            version,
            participants,
        })
    }

    /// The approved tools.
    pub fn approved_tools() -> Vec<ToolId> {
        ApprovedTools::<T>::get().into_inner()
    }
}
