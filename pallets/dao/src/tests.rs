//! Unit tests: every call and error, the decision and deposit rules, enactment, unlocking,
//! and a miner-reward proposal that changes what the next `claim_reward` mints.

use crate::{
    mock::*, process::decide, Error, Event, HoldReason, OpenProposals, Proposals, UnlockQueue,
    Votes,
};
use aitbc_primitives::{
    AuthorityKeys, CompletedJob, GovernanceAction, JobType, ProposalStatus, ReceiptSink, Tally,
    VoteChoice,
};
use frame_support::{
    assert_noop, assert_ok,
    traits::fungible::{Inspect, InspectHold},
};
use sp_core::H256;
use sp_runtime::Perbill;

type Action = GovernanceAction<Balance, u64>;

fn locked(who: AccountId) -> Balance {
    Balances::balance_on_hold(&HoldReason::VoteLock.into(), &who)
}

fn deposit_held(who: AccountId) -> Balance {
    Balances::balance_on_hold(&HoldReason::ProposalDeposit.into(), &who)
}

fn propose(who: AccountId, action: Action) -> u32 {
    let id = crate::NextProposalId::<Test>::get();
    assert_ok!(Dao::propose(
        RuntimeOrigin::signed(who),
        b"Increase Miner Rewards".to_vec().try_into().unwrap(),
        b"Pay miners more per receipt".to_vec().try_into().unwrap(),
        action,
        MIN_DEPOSIT
    ));
    id
}

fn vote(who: AccountId, id: u32, choice: VoteChoice, amount: Balance) {
    assert_ok!(Dao::vote(RuntimeOrigin::signed(who), id, choice, amount));
}

fn issuance_matches() {
    assert_eq!(Balances::total_issuance(), total_balances());
}

#[test]
fn propose_holds_deposit_and_opens_voting() {
    new_test_ext().execute_with(|| {
        let id = propose(1, Action::SetMinerReward(80));
        let p = Proposals::<Test>::get(id).unwrap();
        assert_eq!(p.status, ProposalStatus::Voting);
        assert_eq!(
            (p.deposit, p.quorum, p.voting_ends_at),
            (MIN_DEPOSIT, 9_000, 1 + VOTING)
        );
        assert_eq!(deposit_held(1), MIN_DEPOSIT);
        assert_eq!(OpenProposals::<Test>::get().into_inner(), vec![id]);
        System::assert_last_event(
            Event::Proposed {
                proposal_id: id,
                proposer: 1,
                deposit: MIN_DEPOSIT,
                quorum: 9_000,
                voting_ends_at: 11,
            }
            .into(),
        );
    });
}

#[test]
fn propose_errors() {
    new_test_ext().execute_with(|| {
        let o = || RuntimeOrigin::signed(1);
        let t = || b"t".to_vec().try_into().unwrap();
        let d = || b"d".to_vec().try_into().unwrap();
        assert_noop!(
            Dao::propose(
                o(),
                Default::default(),
                d(),
                Action::SetMinerReward(1),
                MIN_DEPOSIT
            ),
            Error::<Test>::EmptyTitle
        );
        assert_noop!(
            Dao::propose(o(), t(), d(), Action::SetMinerReward(1), MIN_DEPOSIT - 1),
            Error::<Test>::DepositTooLow
        );
        assert_noop!(
            Dao::propose(o(), t(), d(), Action::SetAckTimeout(0), MIN_DEPOSIT),
            Error::<Test>::InvalidAction
        );
        assert_noop!(
            Dao::propose(
                o(),
                t(),
                d(),
                Action::SetAuthorities(Default::default()),
                MIN_DEPOSIT
            ),
            Error::<Test>::InvalidAction
        );
        let bad = vec![AuthorityKeys {
            aura: [0; 32],
            grandpa: [1; 32],
        }];
        assert_noop!(
            Dao::propose(
                o(),
                t(),
                d(),
                Action::SetAuthorities(bad.try_into().unwrap()),
                MIN_DEPOSIT
            ),
            sp_runtime::DispatchError::Other("invalid key")
        );
        assert_noop!(
            Dao::propose(
                RuntimeOrigin::signed(10),
                t(),
                d(),
                Action::SetMinerReward(1),
                MIN_DEPOSIT
            ),
            Error::<Test>::InsufficientBalance
        );
        assert_noop!(
            Dao::propose(
                RuntimeOrigin::none(),
                t(),
                d(),
                Action::SetMinerReward(1),
                MIN_DEPOSIT
            ),
            sp_runtime::DispatchError::BadOrigin
        );
        for _ in 0..4 {
            propose(2, Action::SetMinerReward(1));
        }
        assert_noop!(
            Dao::propose(o(), t(), d(), Action::SetMinerReward(1), MIN_DEPOSIT),
            Error::<Test>::TooManyOpenProposals
        );
    });
}

#[test]
fn vote_locks_and_tallies() {
    new_test_ext().execute_with(|| {
        let id = propose(1, Action::SetMinerReward(80));
        vote(2, id, VoteChoice::Yes, 500);
        vote(3, id, VoteChoice::No, 200);
        vote(4, id, VoteChoice::Abstain, 100);
        assert_eq!((locked(2), locked(3), locked(4)), (500, 200, 100));
        assert_eq!(
            Proposals::<Test>::get(id).unwrap().tally,
            Tally {
                yes: 500,
                no: 200,
                abstain: 100,
                voters: 3
            }
        );
        System::assert_last_event(
            Event::Voted {
                proposal_id: id,
                voter: 4,
                choice: VoteChoice::Abstain,
                amount: 100,
            }
            .into(),
        );
        issuance_matches();
    });
}

#[test]
fn revoting_replaces_and_never_double_counts() {
    new_test_ext().execute_with(|| {
        let id = propose(1, Action::SetMinerReward(80));
        vote(2, id, VoteChoice::Yes, 500);
        vote(2, id, VoteChoice::Yes, 700);
        assert_eq!(locked(2), 700);
        vote(2, id, VoteChoice::No, 300);
        assert_eq!(locked(2), 300);
        let t = Proposals::<Test>::get(id).unwrap().tally;
        assert_eq!(
            t,
            Tally {
                yes: 0,
                no: 300,
                abstain: 0,
                voters: 1
            }
        );
        assert_eq!(Dao::vote_of(id, &2).unwrap().amount, 300);
    });
}

#[test]
fn vote_errors() {
    new_test_ext().execute_with(|| {
        let id = propose(1, Action::SetMinerReward(80));
        let o = |a| RuntimeOrigin::signed(a);
        assert_noop!(
            Dao::vote(o(2), 9, VoteChoice::Yes, 10),
            Error::<Test>::UnknownProposal
        );
        assert_noop!(
            Dao::vote(o(2), id, VoteChoice::Yes, 9),
            Error::<Test>::VoteTooSmall
        );
        assert_noop!(
            Dao::vote(o(2), id, VoteChoice::Yes, 10_000),
            Error::<Test>::InsufficientBalance
        );
        vote(2, id, VoteChoice::Yes, 9_000);
        // Raising a vote beyond the free balance fails and leaves the old vote.
        assert_noop!(
            Dao::vote(o(2), id, VoteChoice::Yes, 10_000),
            Error::<Test>::InsufficientBalance
        );
        for a in 3..=6 {
            vote(a, id, VoteChoice::No, 10);
        }
        assert_noop!(
            Dao::vote(o(7), id, VoteChoice::No, 10),
            Error::<Test>::TooManyVoters
        );
        // A voter already counted may still change its vote.
        vote(6, id, VoteChoice::Yes, 20);
        run_to(1 + VOTING);
        assert_noop!(
            Dao::vote(o(8), id, VoteChoice::Yes, 10),
            Error::<Test>::VotingClosed
        );
    });
}

#[test]
fn unvote_releases_and_untallies() {
    new_test_ext().execute_with(|| {
        let id = propose(1, Action::SetMinerReward(80));
        assert_noop!(
            Dao::unvote(RuntimeOrigin::signed(2), id),
            Error::<Test>::NotVoted
        );
        assert_noop!(
            Dao::unvote(RuntimeOrigin::signed(2), 7),
            Error::<Test>::UnknownProposal
        );
        vote(2, id, VoteChoice::Yes, 500);
        assert_ok!(Dao::unvote(RuntimeOrigin::signed(2), id));
        assert_eq!(locked(2), 0);
        assert_eq!(Proposals::<Test>::get(id).unwrap().tally, Tally::default());
        System::assert_last_event(
            Event::VoteWithdrawn {
                proposal_id: id,
                voter: 2,
                amount: 500,
            }
            .into(),
        );
        vote(2, id, VoteChoice::Yes, 50);
        run_to(1 + VOTING);
        assert_noop!(
            Dao::unvote(RuntimeOrigin::signed(2), id),
            Error::<Test>::VotingClosed
        );
    });
}

#[test]
fn decision_rule() {
    let t = |yes, no, abstain| Tally {
        yes,
        no,
        abstain,
        voters: 0,
    };
    let half = Perbill::from_percent(50);
    let d = |tally: &Tally<u128>| decide(tally, 100u128, half, half);
    // Quorum reached by abstentions; a yes majority passes.
    assert!(d(&t(2, 1, 97)).passed);
    // A tie does not pass (strictly more than 50%).
    let tie = d(&t(50, 50, 0));
    assert!(tie.turnout_reaches_quorum && !tie.passed);
    // Below the quorum nothing passes; below half of it the deposit is slashed.
    let low = d(&t(99, 0, 0));
    assert!(!low.turnout_reaches_quorum && !low.passed && !low.slash_deposit);
    assert!(d(&t(49, 0, 0)).slash_deposit);
    assert!(!d(&t(50, 0, 0)).slash_deposit);
    // Only abstentions: quorum but no decision.
    let abstain = d(&t(0, 0, 100));
    assert!(abstain.turnout_reaches_quorum && !abstain.passed);
    assert_eq!(d(&t(3, 1, 96)).approval, Perbill::from_percent(75));
}

#[test]
fn passed_proposal_is_enacted_and_next_claim_mints_new_reward() {
    new_test_ext().execute_with(|| {
        // A receipt minted at the old emission (50 per era of one block; the receipt is the
        // only one of its era and its fee covers the share). Claimable once its era is over:
        // it is written in the previous block.
        let receipt = |job_id| {
            <Receipts as ReceiptSink<_, _>>::record(CompletedJob {
                job_id,
                client: 8,
                miner: 9,
                units_milli: 1_000,
                unit_price: 1,
                price: 1_000,
                fee: 1_000,
                result_hash: H256::zero(),
                signature: Default::default(),
            })
            .unwrap()
        };
        System::set_block_number(0);
        let r0 = receipt(0);
        System::set_block_number(1);
        assert_ok!(Receipts::claim_reward(RuntimeOrigin::signed(9), r0));
        assert_eq!(Balances::balance(&9), 10_050);

        let id = propose(1, Action::SetMinerReward(500));
        vote(2, id, VoteChoice::Yes, 6_000);
        vote(3, id, VoteChoice::No, 2_000);
        vote(4, id, VoteChoice::Abstain, 2_000);
        let info = Dao::proposal_info(id).unwrap();
        // The claim minted 50: the quorum is 10% of 90_050, rounded up.
        assert_eq!(info.proposal.quorum, 9_005);
        assert!(info.quorum_reached && info.passing && !info.deposit_at_risk);
        assert_eq!(info.turnout, 10_000);

        run_to(1 + VOTING);
        let p = Proposals::<Test>::get(id).unwrap();
        assert_eq!(
            p.status,
            ProposalStatus::Approved {
                enact_at: 1 + VOTING + DELAY
            }
        );
        assert_eq!(deposit_held(1), 0);
        assert_eq!(Balances::balance(&1), 10_000);
        System::assert_has_event(
            Event::VotingEnded {
                proposal_id: id,
                tally: Tally {
                    yes: 6_000,
                    no: 2_000,
                    abstain: 2_000,
                    voters: 3,
                },
                quorum_reached: true,
                passed: true,
            }
            .into(),
        );
        // Not yet enacted.
        assert_eq!(pallet_aitbc_receipts::RewardAmount::<Test>::get(), 50);
        run_to(1 + VOTING + DELAY);
        assert_eq!(
            Proposals::<Test>::get(id).unwrap().status,
            ProposalStatus::Enacted {
                at: 1 + VOTING + DELAY
            }
        );
        assert_eq!(pallet_aitbc_receipts::RewardAmount::<Test>::get(), 500);
        System::assert_has_event(Event::Enacted { proposal_id: id }.into());

        let r1 = receipt(1);
        System::set_block_number(2 + VOTING + DELAY);
        assert_ok!(Receipts::claim_reward(RuntimeOrigin::signed(9), r1));
        assert_eq!(Balances::balance(&9), 10_550);
        // Everything unlocked, nothing open.
        assert_eq!((locked(2), locked(3), locked(4)), (0, 0, 0));
        assert!(OpenProposals::<Test>::get().is_empty());
        issuance_matches();
    });
}

#[test]
fn signal_proposals_are_decided_and_recorded_never_enacted() {
    new_test_ext().execute_with(|| {
        let passed = propose(1, Action::Signal);
        let rejected = propose(1, Action::Signal);
        let unheard = propose(1, Action::Signal);
        assert_eq!(deposit_held(1), 3 * MIN_DEPOSIT);
        vote(2, passed, VoteChoice::Yes, 9_000);
        vote(3, rejected, VoteChoice::No, 9_000);
        run_to(1 + VOTING + 3);
        let at = match Proposals::<Test>::get(passed).unwrap().status {
            ProposalStatus::SignalPassed { at } => at,
            other => panic!("not SignalPassed: {other:?}"),
        };
        assert!(at > VOTING);
        System::assert_has_event(
            Event::SignalPassed {
                proposal_id: passed,
            }
            .into(),
        );
        assert_eq!(
            Proposals::<Test>::get(rejected).unwrap().status,
            ProposalStatus::Rejected
        );
        assert_eq!(
            Proposals::<Test>::get(unheard).unwrap().status,
            ProposalStatus::QuorumNotReached
        );
        // Nothing is queued or enacted (the mock's `apply` fails for a signal: it is never
        // called), and nothing changed.
        assert!(crate::EnactmentQueue::<Test>::get().is_empty());
        run_to(1 + VOTING + DELAY + 5);
        assert_eq!(
            Proposals::<Test>::get(passed).unwrap().status,
            ProposalStatus::SignalPassed { at }
        );
        assert_eq!(AckTimeout::get(), 10);
        assert_eq!(AuthorityCount::get(), 1);
        assert!(!System::events().iter().any(|r| matches!(
            r.event,
            RuntimeEvent::Dao(Event::Enacted { .. } | Event::EnactmentFailed { .. })
        )));
        // The passed and rejected signals' deposits came back; votes unlocked; all closed.
        assert_eq!(locked(2), 0);
        assert!(OpenProposals::<Test>::get().is_empty());
        issuance_matches();
    });
}

#[test]
fn rejected_proposal_returns_deposit_and_changes_nothing() {
    new_test_ext().execute_with(|| {
        let id = propose(1, Action::SetAckTimeout(3));
        vote(2, id, VoteChoice::Yes, 4_000);
        vote(3, id, VoteChoice::No, 5_000);
        run_to(1 + VOTING + DELAY + 1);
        assert_eq!(
            Proposals::<Test>::get(id).unwrap().status,
            ProposalStatus::Rejected
        );
        assert_eq!(Balances::balance(&1), 10_000);
        assert_eq!(AckTimeout::get(), 10);
        assert!(!Dao::proposal_info(id).unwrap().passing);
    });
}

#[test]
fn quorum_missed_returns_deposit_unless_badly() {
    new_test_ext().execute_with(|| {
        // Turnout 5_000: below the quorum (9_000) but not below half of it (4_500).
        let a = propose(1, Action::SetSlashShare(Perbill::from_percent(20)));
        vote(2, a, VoteChoice::Yes, 5_000);
        // Turnout 4_000: below half the quorum: the deposit is slashed (burned).
        let b = propose(5, Action::SetSlashShare(Perbill::from_percent(20)));
        vote(3, b, VoteChoice::Yes, 4_000);
        assert!(Dao::proposal_info(b).unwrap().deposit_at_risk);
        let issuance = Balances::total_issuance();
        run_to(1 + VOTING);
        let pa = Proposals::<Test>::get(a).unwrap();
        let pb = Proposals::<Test>::get(b).unwrap();
        assert_eq!(
            (
                pa.status,
                pa.deposit_slashed,
                pb.status.clone(),
                pb.deposit_slashed
            ),
            (
                ProposalStatus::QuorumNotReached,
                false,
                ProposalStatus::QuorumNotReached,
                true
            )
        );
        assert_eq!(Balances::balance(&1), 10_000);
        assert_eq!(Balances::balance(&5), 10_000 - MIN_DEPOSIT);
        assert_eq!(Balances::total_issuance(), issuance - MIN_DEPOSIT);
        System::assert_has_event(
            Event::DepositSlashed {
                proposal_id: b,
                proposer: 5,
                amount: MIN_DEPOSIT,
            }
            .into(),
        );
        assert_eq!(SlashShare::get(), Perbill::from_percent(10));
        issuance_matches();
    });
}

#[test]
fn failed_enactment_is_recorded_and_rolled_back() {
    new_test_ext().execute_with(|| {
        let id = propose(1, Action::SetSlashShare(Perbill::from_percent(90)));
        vote(2, id, VoteChoice::Yes, 9_000);
        run_to(1 + VOTING + DELAY);
        assert_eq!(
            Proposals::<Test>::get(id).unwrap().status,
            ProposalStatus::EnactmentFailed {
                at: 1 + VOTING + DELAY
            }
        );
        System::assert_has_event(
            Event::EnactmentFailed {
                proposal_id: id,
                // (The message of `DispatchError::Other` is not encoded.)
                error: sp_runtime::DispatchError::Other(""),
            }
            .into(),
        );
        assert_eq!(SlashShare::get(), Perbill::from_percent(10));
        assert!(OpenProposals::<Test>::get().is_empty());
    });
}

#[test]
fn every_action_is_enacted() {
    new_test_ext().execute_with(|| {
        let keys = vec![
            AuthorityKeys {
                aura: [1; 32],
                grandpa: [2; 32],
            },
            AuthorityKeys {
                aura: [3; 32],
                grandpa: [4; 32],
            },
        ];
        let actions = vec![
            Action::SetMinJobPayment {
                job_type: JobType::Inference,
                amount: 77,
            },
            Action::SetAckTimeout(4),
            Action::SetSlashShare(Perbill::from_percent(25)),
            Action::SetAuthorities(keys.try_into().unwrap()),
        ];
        for (voter, action) in (2..).zip(actions) {
            let id = propose(1, action);
            vote(voter, id, VoteChoice::Yes, 9_000);
        }
        run_to(1 + VOTING + DELAY + 5);
        assert_eq!(LastMinPayment::get(), Some((JobType::Inference, 77)));
        assert_eq!(AckTimeout::get(), 4);
        assert_eq!(SlashShare::get(), Perbill::from_percent(25));
        assert_eq!(AuthorityCount::get(), 2);
        for id in 0..4 {
            assert!(matches!(
                Proposals::<Test>::get(id).unwrap().status,
                ProposalStatus::Enacted { .. }
            ));
        }
    });
}

#[test]
fn per_block_work_is_bounded() {
    new_test_ext().execute_with(|| {
        // Four proposals end at the same block; two are decided per block.
        for _ in 0..4 {
            let id = propose(1, Action::SetAckTimeout(2));
            for a in 2..=6 {
                vote(a, id, VoteChoice::Yes, 10);
            }
        }
        run_to(1 + VOTING);
        let voting = (0..4)
            .filter(|id| Proposals::<Test>::get(id).unwrap().status == ProposalStatus::Voting)
            .count();
        assert_eq!(voting, 2);
        // Three of the ten votes of the two ended proposals are unlocked.
        assert_eq!(
            Votes::<Test>::iter_prefix(0).count() + Votes::<Test>::iter_prefix(1).count(),
            7
        );
        run_to(2 + VOTING);
        assert_eq!(UnlockQueue::<Test>::get().len(), 3);
        run_to(10 + VOTING);
        assert!(UnlockQueue::<Test>::get().is_empty());
        assert_eq!(Votes::<Test>::iter().count(), 0);
        for a in 2..=6 {
            assert_eq!(locked(a), 0);
        }
        assert!(OpenProposals::<Test>::get().is_empty());
        // Room for new proposals again.
        propose(1, Action::SetAckTimeout(2));
    });
}

#[test]
fn queries_list_proposals() {
    new_test_ext().execute_with(|| {
        let a = propose(1, Action::SetMinerReward(1));
        let b = propose(2, Action::SetMinerReward(2));
        assert_eq!(Dao::proposals(0, 10).len(), 2);
        assert_eq!(Dao::proposals(1, 10)[0].proposal.id, b);
        assert_eq!(Dao::proposals(0, 1)[0].proposal.id, a);
        assert_eq!(Dao::open_proposals().len(), 2);
        assert!(Dao::proposal_info(9).is_none());
        let info = Dao::proposal_info(a).unwrap();
        assert!(!info.quorum_reached && !info.passing && info.deposit_at_risk);
    });
}

/// Issue 11 (cheap state): with `MaxVoters` = 5, five dust votes used to fill every slot and
/// lock real voters out (`TooManyVoters`). With a vote floor of 1/5 of the quorum, dust is
/// refused, and filling the slots locks at least the quorum.
#[test]
fn dust_voters_cannot_fill_the_voter_slots() {
    new_test_ext().execute_with(|| {
        VoteFloor::set(Perbill::from_rational(1u32, 5u32));
        let id = propose(1, Action::SetAckTimeout(3));
        let quorum = Proposals::<Test>::get(id).unwrap().quorum;
        let floor = Perbill::from_rational(1u32, 5u32).mul_ceil(quorum);
        assert_eq!(Dao::min_vote(id), Some(floor));
        for a in 2..=6 {
            assert_noop!(
                Dao::vote(RuntimeOrigin::signed(a), id, VoteChoice::No, 10),
                Error::<Test>::VoteTooSmall
            );
        }
        // A real voter still gets a slot.
        vote(2, id, VoteChoice::Yes, floor);
        assert_eq!(Proposals::<Test>::get(id).unwrap().tally.voters, 1);
    });
}

#[test]
fn storage_version_is_declared_and_upgrades_keep_it() {
    use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
    new_test_ext().execute_with(|| {
        assert_eq!(Dao::in_code_storage_version(), StorageVersion::new(0));
        assert_eq!(
            Dao::on_chain_storage_version(),
            Dao::in_code_storage_version()
        );
        let root = sp_io::storage::root(sp_runtime::StateVersion::V1);
        AllPalletsWithSystem::on_runtime_upgrade();
        assert_eq!(
            Dao::on_chain_storage_version(),
            Dao::in_code_storage_version()
        );
        assert_eq!(sp_io::storage::root(sp_runtime::StateVersion::V1), root);
    });
}
