//! Read-only helpers behind the DAO runtime API.

use aitbc_primitives::{ProposalId, ProposalInfo, ProposalStatus, MAX_PAGE};
use alloc::vec::Vec;
use frame_support::traits::Get;
use frame_system::pallet_prelude::BlockNumberFor;

use crate::{
    process::decide, AccountVote, BalanceOf, Config, OpenProposals, Pallet, ProposalOf, Proposals,
    Votes,
};

/// A proposal as the runtime API returns it.
pub type ProposalInfoOf<T> =
    ProposalInfo<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

impl<T: Config> Pallet<T> {
    /// The least a vote on proposal `id` may lock (`MinVote`, and `VoteFloor` of its quorum).
    pub fn min_vote(id: ProposalId) -> Option<BalanceOf<T>> {
        Proposals::<T>::get(id).map(|p| Self::min_vote_of(&p))
    }

    /// A proposal with its turnout, quorum status and (current or final) result.
    pub fn proposal_info(id: ProposalId) -> Option<ProposalInfoOf<T>> {
        Proposals::<T>::get(id).map(Self::info_of)
    }

    fn info_of(proposal: ProposalOf<T>) -> ProposalInfoOf<T> {
        let d = decide(
            &proposal.tally,
            proposal.quorum,
            T::ApprovalThreshold::get(),
            T::SlashThreshold::get(),
        );
        let passing = match proposal.status {
            ProposalStatus::Voting => d.passed,
            ProposalStatus::Approved { .. }
            | ProposalStatus::Enacted { .. }
            | ProposalStatus::EnactmentFailed { .. }
            | ProposalStatus::SignalPassed { .. } => true,
            ProposalStatus::Rejected | ProposalStatus::QuorumNotReached => false,
        };
        let deposit_at_risk = match proposal.status {
            ProposalStatus::Voting => d.slash_deposit,
            _ => proposal.deposit_slashed,
        };
        ProposalInfo {
            turnout: Self::turnout(&proposal.tally),
            quorum_reached: d.turnout_reaches_quorum,
            approval: d.approval,
            passing,
            deposit_at_risk,
            proposal,
        }
    }

    /// Proposals with id `>= from`, ascending, at most `limit` (capped at `MAX_PAGE`).
    pub fn proposals(from: ProposalId, limit: u32) -> Vec<ProposalInfoOf<T>> {
        let end = crate::NextProposalId::<T>::get();
        let limit = limit.min(MAX_PAGE);
        (from..end)
            .take(limit as usize)
            .filter_map(Self::proposal_info)
            .collect()
    }

    /// Open proposals (voting, awaiting enactment, or unlocking votes), oldest first.
    pub fn open_proposals() -> Vec<ProposalInfoOf<T>> {
        OpenProposals::<T>::get()
            .into_iter()
            .filter_map(Self::proposal_info)
            .collect()
    }

    /// An account's vote on a proposal (until it is unlocked after voting ends).
    pub fn vote_of(id: ProposalId, who: &T::AccountId) -> Option<AccountVote<BalanceOf<T>>> {
        Votes::<T>::get(id, who)
    }
}
