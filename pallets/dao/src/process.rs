//! Per-block work and the decision rule: ending voting, enacting, unlocking votes.

use aitbc_primitives::{GovernanceAction, GovernedParameters, ProposalId, ProposalStatus, Tally};
use frame_support::{
    traits::{
        fungible::MutateHold,
        tokens::{Fortitude, Precision},
        Get,
    },
    weights::Weight,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{traits::Zero, Perbill, Saturating};

use crate::{
    BalanceOf, Config, EnactmentQueue, Event, HoldReason, OpenProposals, Pallet, Proposals,
    UnlockQueue, Votes, VotingQueue, WeightInfo,
};

/// The outcome of a tally against a quorum (see the pallet docs for the rule).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Decision {
    /// yes + no + abstain.
    pub turnout_reaches_quorum: bool,
    /// Quorum reached and yes strictly more than `ApprovalThreshold` of yes + no.
    pub passed: bool,
    /// Yes share of yes + no (zero when nobody voted yes or no).
    pub approval: Perbill,
    /// Turnout below `SlashThreshold` of the quorum: the deposit is slashed.
    pub slash_deposit: bool,
}

/// Decide a tally: `quorum` is the turnout needed.
pub fn decide<B>(
    tally: &Tally<B>,
    quorum: B,
    approval_threshold: Perbill,
    slash_threshold: Perbill,
) -> Decision
where
    B: sp_runtime::traits::AtLeast32BitUnsigned + Copy,
{
    let turnout = tally
        .yes
        .saturating_add(tally.no)
        .saturating_add(tally.abstain);
    let decisive = tally.yes.saturating_add(tally.no);
    let reached = turnout >= quorum;
    // For whole `yes`: yes > t * decisive  <=>  yes > floor(t * decisive).
    let approved = !decisive.is_zero() && tally.yes > approval_threshold.mul_floor(decisive);
    let approval = if decisive.is_zero() {
        Perbill::zero()
    } else {
        Perbill::from_rational(tally.yes, decisive)
    };
    Decision {
        turnout_reaches_quorum: reached,
        passed: reached && approved,
        approval,
        slash_deposit: turnout < slash_threshold.mul_floor(quorum),
    }
}

impl<T: Config> Pallet<T> {
    /// All of `on_initialize(n)`. Returns its weight.
    pub(crate) fn process_block(n: BlockNumberFor<T>) -> Weight {
        let mut weight = T::WeightInfo::on_initialize_base();
        let max = T::MaxPerBlock::get() as usize;

        let mut ended = 0u64;
        let due: alloc::vec::Vec<ProposalId> = VotingQueue::<T>::mutate(|q| {
            let k = q.iter().take(max).take_while(|(at, _)| *at <= n).count();
            q.drain(..k).map(|(_, id)| id).collect()
        });
        for id in due {
            Self::end_voting(id, n);
            ended += 1;
        }
        weight.saturating_accrue(T::WeightInfo::end_voting().saturating_mul(ended));

        let mut enacted = 0u64;
        let due: alloc::vec::Vec<ProposalId> = EnactmentQueue::<T>::mutate(|q| {
            let k = q.iter().take(max).take_while(|(at, _)| *at <= n).count();
            q.drain(..k).map(|(_, id)| id).collect()
        });
        for id in due {
            Self::enact(id, n);
            enacted += 1;
        }
        weight.saturating_accrue(T::WeightInfo::enact().saturating_mul(enacted));

        let unlocked = Self::unlock_votes(T::MaxUnlocksPerBlock::get());
        weight.saturating_accrue(T::WeightInfo::unlock_vote().saturating_mul(unlocked.into()));
        weight
    }

    /// End proposal `id`'s voting at block `n`: decide, return or slash the deposit, schedule
    /// enactment if it passed, and queue its votes for unlocking.
    pub(crate) fn end_voting(id: ProposalId, n: BlockNumberFor<T>) {
        let Some(mut proposal) = Proposals::<T>::get(id) else {
            return;
        };
        if proposal.status != ProposalStatus::Voting {
            return;
        }
        let d = decide(
            &proposal.tally,
            proposal.quorum,
            T::ApprovalThreshold::get(),
            T::SlashThreshold::get(),
        );
        let reason = HoldReason::ProposalDeposit.into();
        if d.slash_deposit {
            let burned = T::Currency::burn_held(
                &reason,
                &proposal.proposer,
                proposal.deposit,
                Precision::BestEffort,
                Fortitude::Force,
            )
            .unwrap_or_else(|_| Zero::zero());
            proposal.deposit_slashed = true;
            Self::deposit_event(Event::DepositSlashed {
                proposal_id: id,
                proposer: proposal.proposer.clone(),
                amount: burned,
            });
        } else {
            let released = T::Currency::release(
                &reason,
                &proposal.proposer,
                proposal.deposit,
                Precision::BestEffort,
            )
            .unwrap_or_else(|_| Zero::zero());
            Self::deposit_event(Event::DepositReturned {
                proposal_id: id,
                proposer: proposal.proposer.clone(),
                amount: released,
            });
        }
        Self::deposit_event(Event::VotingEnded {
            proposal_id: id,
            tally: proposal.tally.clone(),
            quorum_reached: d.turnout_reaches_quorum,
            passed: d.passed,
        });
        proposal.status = if d.passed && proposal.action == GovernanceAction::Signal {
            // Nothing to enact: the decision itself is the record.
            Self::deposit_event(Event::SignalPassed { proposal_id: id });
            ProposalStatus::SignalPassed { at: n }
        } else if d.passed {
            let enact_at = n.saturating_add(T::EnactmentDelay::get());
            // Cannot fail: the queue holds only open proposals, and this one is open.
            let _ = EnactmentQueue::<T>::try_mutate(|q| q.try_push((enact_at, id)));
            Self::deposit_event(Event::EnactmentScheduled {
                proposal_id: id,
                enact_at,
            });
            ProposalStatus::Approved { enact_at }
        } else if d.turnout_reaches_quorum {
            ProposalStatus::Rejected
        } else {
            ProposalStatus::QuorumNotReached
        };
        let _ = UnlockQueue::<T>::try_mutate(|q| q.try_push(id));
        Proposals::<T>::insert(id, proposal);
    }

    /// Apply approved proposal `id` at block `n`.
    pub(crate) fn enact(id: ProposalId, n: BlockNumberFor<T>) {
        let Some(mut proposal) = Proposals::<T>::get(id) else {
            return;
        };
        if !matches!(proposal.status, ProposalStatus::Approved { .. }) {
            return;
        }
        let result = frame_support::storage::with_storage_layer(|| {
            <T::Parameters as GovernedParameters<_, _>>::apply(&proposal.action)
        });
        proposal.status = match result {
            Ok(()) => {
                Self::deposit_event(Event::Enacted { proposal_id: id });
                ProposalStatus::Enacted { at: n }
            }
            Err(error) => {
                Self::deposit_event(Event::EnactmentFailed {
                    proposal_id: id,
                    error,
                });
                ProposalStatus::EnactmentFailed { at: n }
            }
        };
        Proposals::<T>::insert(id, proposal);
        if !UnlockQueue::<T>::get().contains(&id) {
            Self::close(id);
        }
    }

    /// Release up to `budget` vote locks of ended proposals, oldest proposal first. Returns
    /// how many were released.
    pub(crate) fn unlock_votes(budget: u32) -> u32 {
        let mut done = 0u32;
        while done < budget {
            let Some(id) = UnlockQueue::<T>::get().first().copied() else {
                break;
            };
            let left = budget - done;
            let batch: alloc::vec::Vec<_> =
                Votes::<T>::drain_prefix(id).take(left as usize).collect();
            for (voter, vote) in batch {
                let released = T::Currency::release(
                    &HoldReason::VoteLock.into(),
                    &voter,
                    vote.amount,
                    Precision::BestEffort,
                )
                .unwrap_or_else(|_| Zero::zero());
                Self::deposit_event(Event::VoteUnlocked {
                    proposal_id: id,
                    voter,
                    amount: released,
                });
                done += 1;
            }
            if Votes::<T>::iter_key_prefix(id).next().is_some() {
                break;
            }
            UnlockQueue::<T>::mutate(|q| {
                q.retain(|x| *x != id);
            });
            let awaiting_enactment = Proposals::<T>::get(id)
                .is_some_and(|p| matches!(p.status, ProposalStatus::Approved { .. }));
            if !awaiting_enactment {
                Self::close(id);
            }
        }
        done
    }

    /// The proposal is finished: it no longer counts as open.
    fn close(id: ProposalId) {
        OpenProposals::<T>::mutate(|open| open.retain(|x| *x != id));
    }

    /// The turnout of a tally.
    pub fn turnout(tally: &Tally<BalanceOf<T>>) -> BalanceOf<T> {
        tally
            .yes
            .saturating_add(tally.no)
            .saturating_add(tally.abstain)
    }
}
