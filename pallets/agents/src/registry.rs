//! The registry: agents, their versions and deposits, and the approved tools.

use aitbc_primitives::{is_valid_tool_id, AgentId, AgentVersion, JobType, PlainJobs, ToolId};
use codec::Encode;
use frame_support::{
    ensure,
    traits::{
        fungible::{Inspect, MutateHold},
        tokens::{Fortitude, Precision, Preservation},
    },
};
use sp_runtime::{
    traits::{Get, Zero},
    DispatchResult, Saturating,
};

use crate::{
    Agent, AgentsByOwner, ApprovedTools, BalanceOf, Config, Error, Event, HoldReason, Pallet,
    SpecOf, VersionRecord, Versions,
};

impl<T: Config> Pallet<T> {
    /// A version from a call's arguments (agents are not pinned to an execution profile).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn spec_of(
        name: aitbc_primitives::AgentName,
        kind: aitbc_primitives::AgentKind,
        config: aitbc_primitives::AgentConfig,
        model: aitbc_primitives::ModelName,
        tools: aitbc_primitives::AgentTools,
        limits: aitbc_primitives::AgentLimits,
        price_cap: BalanceOf<T>,
    ) -> SpecOf<T> {
        aitbc_primitives::AgentSpec {
            name,
            kind,
            config,
            model,
            profile: None,
            tools,
            limits,
            price_cap,
        }
    }

    /// Check a version before storing it: name, configuration, model, limits, price cap, and
    /// every tool approved and listed once.
    pub(crate) fn check_spec(spec: &SpecOf<T>) -> DispatchResult {
        ensure!(
            !spec.name.is_empty() && core::str::from_utf8(&spec.name).is_ok(),
            Error::<T>::BadName
        );
        let config_ok = core::str::from_utf8(&spec.config)
            .is_ok_and(|c| c.trim_start().starts_with('{') && c.trim_end().ends_with('}'));
        ensure!(config_ok, Error::<T>::BadConfig);
        ensure!(!spec.model.is_empty(), Error::<T>::EmptyModel);
        ensure!(spec.limits.is_valid(), Error::<T>::BadLimits);
        ensure!(
            spec.price_cap >= T::Jobs::least_budget(JobType::Agent),
            Error::<T>::PriceCapTooLow
        );
        let approved = ApprovedTools::<T>::get();
        for (i, tool) in spec.tools.iter().enumerate() {
            ensure!(is_valid_tool_id(tool), Error::<T>::BadToolId);
            ensure!(approved.contains(tool), Error::<T>::ToolNotApproved);
            ensure!(
                !spec.tools.iter().take(i).any(|t| t == tool),
                Error::<T>::DuplicateTool
            );
        }
        Ok(())
    }

    /// The deposit a version holds: the base and its encoded bytes.
    pub fn version_deposit(spec: &SpecOf<T>) -> BalanceOf<T> {
        let bytes: BalanceOf<T> = (spec.encoded_size() as u32).into();
        T::AgentDepositBase::get().saturating_add(T::DepositPerByte::get().saturating_mul(bytes))
    }

    /// Hold `amount` from `who` for `reason` (nothing for zero).
    pub(crate) fn hold(
        who: &T::AccountId,
        reason: HoldReason,
        amount: BalanceOf<T>,
    ) -> DispatchResult {
        if amount.is_zero() {
            return Ok(());
        }
        ensure!(
            T::Currency::reducible_balance(who, Preservation::Protect, Fortitude::Polite) >= amount,
            sp_runtime::TokenError::FundsUnavailable
        );
        T::Currency::hold(&reason.into(), who, amount)
    }

    /// Release up to `amount` held from `who` for `reason`.
    pub(crate) fn release(who: &T::AccountId, reason: HoldReason, amount: BalanceOf<T>) {
        if amount.is_zero() {
            return;
        }
        // Best effort: what was held is released; nothing else can have taken it.
        let _ = T::Currency::release(&reason.into(), who, amount, Precision::BestEffort);
    }

    /// Store `spec` as version `version` of `agent_id`, its deposit held from `owner`.
    fn store_version(
        owner: &T::AccountId,
        agent_id: AgentId,
        version: AgentVersion,
        spec: SpecOf<T>,
    ) -> Result<BalanceOf<T>, sp_runtime::DispatchError> {
        let deposit = Self::version_deposit(&spec);
        Self::hold(owner, HoldReason::AgentDeposit, deposit)?;
        let config_hash = aitbc_primitives::blake2(&spec.config);
        Versions::<T>::insert(
            agent_id,
            version,
            VersionRecord {
                spec,
                config_hash,
                deposit,
                stored_at: frame_system::Pallet::<T>::block_number(),
                open_runs: 0,
            },
        );
        Ok(deposit)
    }

    /// `create_agent`: returns the new agent's id.
    pub(crate) fn do_create(
        owner: T::AccountId,
        spec: SpecOf<T>,
    ) -> Result<AgentId, sp_runtime::DispatchError> {
        Self::check_spec(&spec)?;
        let agent_id = crate::NextAgentId::<T>::get();
        crate::NextAgentId::<T>::put(agent_id.saturating_add(1));
        let deposit = Self::store_version(&owner, agent_id, 1, spec)?;
        let now = frame_system::Pallet::<T>::block_number();
        crate::Agents::<T>::insert(
            agent_id,
            Agent {
                owner: owner.clone(),
                latest: 1,
                created_at: now,
                updated_at: now,
                open_runs: 0,
                total_runs: 0,
            },
        );
        AgentsByOwner::<T>::insert(&owner, agent_id, ());
        Self::deposit_event(Event::AgentCreated {
            agent_id,
            owner,
            deposit,
        });
        Ok(agent_id)
    }

    /// `update_agent`.
    pub(crate) fn do_update(
        owner: T::AccountId,
        agent_id: AgentId,
        spec: SpecOf<T>,
    ) -> DispatchResult {
        let mut agent = crate::Agents::<T>::get(agent_id).ok_or(Error::<T>::UnknownAgent)?;
        ensure!(agent.owner == owner, Error::<T>::NotAgentOwner);
        Self::check_spec(&spec)?;
        let previous = agent.latest;
        let version = previous.saturating_add(1);
        let deposit = Self::store_version(&owner, agent_id, version, spec)?;
        agent.latest = version;
        agent.updated_at = frame_system::Pallet::<T>::block_number();
        crate::Agents::<T>::insert(agent_id, &agent);
        Self::deposit_event(Event::AgentUpdated {
            agent_id,
            version,
            deposit,
        });
        Self::remove_version_if_unused(&agent, agent_id, previous);
        Ok(())
    }

    /// Remove version `version` of an agent when it is not the latest and no run pins it,
    /// returning its deposit.
    pub(crate) fn remove_version_if_unused(
        agent: &crate::AgentOf<T>,
        agent_id: AgentId,
        version: AgentVersion,
    ) {
        if version == agent.latest {
            return;
        }
        let Some(record) = Versions::<T>::get(agent_id, version) else {
            return;
        };
        if record.open_runs > 0 {
            return;
        }
        Versions::<T>::remove(agent_id, version);
        Self::release(&agent.owner, HoldReason::AgentDeposit, record.deposit);
        Self::deposit_event(Event::VersionRemoved { agent_id, version });
    }

    /// `delete_agent`.
    pub(crate) fn do_delete(owner: T::AccountId, agent_id: AgentId) -> DispatchResult {
        let agent = crate::Agents::<T>::get(agent_id).ok_or(Error::<T>::UnknownAgent)?;
        ensure!(agent.owner == owner, Error::<T>::NotAgentOwner);
        ensure!(agent.open_runs == 0, Error::<T>::AgentHasOpenRuns);
        // With no open run only the latest version is stored.
        for (_, record) in Versions::<T>::drain_prefix(agent_id) {
            Self::release(&owner, HoldReason::AgentDeposit, record.deposit);
        }
        crate::Agents::<T>::remove(agent_id);
        AgentsByOwner::<T>::remove(&owner, agent_id);
        Self::deposit_event(Event::AgentDeleted { agent_id });
        Ok(())
    }

    /// `approve_tool`.
    pub(crate) fn do_approve_tool(tool: ToolId) -> DispatchResult {
        ensure!(is_valid_tool_id(&tool), Error::<T>::BadToolId);
        ApprovedTools::<T>::try_mutate(|tools| -> DispatchResult {
            ensure!(!tools.contains(&tool), Error::<T>::ToolAlreadyApproved);
            tools
                .try_push(tool.clone())
                .map_err(|_| Error::<T>::TooManyTools)?;
            Ok(())
        })?;
        Self::deposit_event(Event::ToolApproved { tool });
        Ok(())
    }

    /// `revoke_tool`.
    pub(crate) fn do_revoke_tool(tool: ToolId) -> DispatchResult {
        ApprovedTools::<T>::try_mutate(|tools| -> DispatchResult {
            let at = tools
                .iter()
                .position(|t| *t == tool)
                .ok_or(Error::<T>::UnknownTool)?;
            tools.remove(at);
            Ok(())
        })?;
        Self::deposit_event(Event::ToolRevoked { tool });
        Ok(())
    }
}
