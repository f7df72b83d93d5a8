//! Property tests: random proposals, votes, re-votes, withdrawals and blocks.
//!
//! - total issuance == sum of free + held balances, always; it falls only by slashed deposits;
//! - each open proposal's tally equals the sum of its stored votes, per choice, and its voter
//!   count equals the number of votes (re-voting replaces, never double counts);
//! - each account's vote lock equals the sum of its stored votes; deposits held equal the
//!   deposits of proposals still voting;
//! - once every proposal has ended and enough blocks passed, nothing is held at all.

use crate::{mock::*, HoldReason, Proposals, Votes};
use aitbc_primitives::{GovernanceAction, ProposalStatus, VoteChoice};
use frame_support::traits::fungible::InspectHold;
use proptest::prelude::*;
use sp_runtime::Perbill;

#[derive(Clone, Debug)]
enum Op {
    Propose {
        who: u64,
        deposit: u128,
        kind: u8,
    },
    Vote {
        who: u64,
        id: u32,
        choice: u8,
        amount: u128,
    },
    Unvote {
        who: u64,
        id: u32,
    },
    Blocks(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (1..=9u64, 90..400u128, 0..3u8).prop_map(|(who, deposit, kind)| Op::Propose {
            who,
            deposit,
            kind
        }),
        4 => (1..=10u64, 0..6u32, 0..3u8, 5..6_000u128).prop_map(|(who, id, choice, amount)| {
            Op::Vote { who, id, choice, amount }
        }),
        1 => (1..=9u64, 0..6u32).prop_map(|(who, id)| Op::Unvote { who, id }),
        1 => (1..6u64).prop_map(Op::Blocks),
    ]
}

fn held(reason: HoldReason) -> u128 {
    (0..=20u64)
        .map(|a| Balances::balance_on_hold(&reason.into(), &a))
        .sum()
}

fn check_invariants() {
    assert_eq!(Balances::total_issuance(), total_balances());
    let mut deposits = 0u128;
    for p in Proposals::<Test>::iter_values() {
        if p.status == ProposalStatus::Voting {
            deposits += p.deposit;
            let votes: Vec<_> = Votes::<Test>::iter_prefix_values(p.id).collect();
            let sum = |c: VoteChoice| -> u128 {
                votes
                    .iter()
                    .filter(|v| v.choice == c)
                    .map(|v| v.amount)
                    .sum()
            };
            assert_eq!(p.tally.yes, sum(VoteChoice::Yes));
            assert_eq!(p.tally.no, sum(VoteChoice::No));
            assert_eq!(p.tally.abstain, sum(VoteChoice::Abstain));
            assert_eq!(p.tally.voters as usize, votes.len());
        }
    }
    assert_eq!(held(HoldReason::ProposalDeposit), deposits);
    for a in 0..=20u64 {
        let mine: u128 = Votes::<Test>::iter()
            .filter(|(_, who, _)| *who == a)
            .map(|(_, _, v)| v.amount)
            .sum();
        assert_eq!(
            Balances::balance_on_hold(&HoldReason::VoteLock.into(), &a),
            mine
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn holds_released_tallies_exact(ops in proptest::collection::vec(op(), 1..50)) {
        new_test_ext().execute_with(|| {
            let issuance = Balances::total_issuance();
            for op in ops {
                let s = |a: u64| RuntimeOrigin::signed(a);
                let _ = match op {
                    Op::Propose { who, deposit, kind } => Dao::propose(
                        s(who),
                        b"title".to_vec().try_into().unwrap(),
                        Default::default(),
                        match kind {
                            0 => GovernanceAction::SetMinerReward(deposit),
                            1 => GovernanceAction::SetAckTimeout(3),
                            _ => GovernanceAction::SetSlashShare(Perbill::from_percent(90)),
                        },
                        deposit,
                    ),
                    Op::Vote { who, id, choice, amount } => Dao::vote(
                        s(who),
                        id,
                        [VoteChoice::Yes, VoteChoice::No, VoteChoice::Abstain][choice as usize],
                        amount,
                    ),
                    Op::Unvote { who, id } => Dao::unvote(s(who), id),
                    Op::Blocks(n) => {
                        run_to(System::block_number() + n);
                        Ok(())
                    }
                };
                check_invariants();
            }
            run_to(System::block_number() + VOTING + DELAY + 20);
            check_invariants();
            prop_assert_eq!(held(HoldReason::ProposalDeposit), 0);
            prop_assert_eq!(held(HoldReason::VoteLock), 0);
            prop_assert_eq!(Votes::<Test>::iter().count(), 0);
            prop_assert!(crate::OpenProposals::<Test>::get().is_empty());
            let slashed: u128 = Proposals::<Test>::iter_values()
                .filter(|p| p.deposit_slashed)
                .map(|p| p.deposit)
                .sum();
            prop_assert_eq!(Balances::total_issuance(), issuance - slashed);
            for p in Proposals::<Test>::iter_values() {
                let ended = matches!(
                    p.status,
                    ProposalStatus::Enacted { .. }
                        | ProposalStatus::EnactmentFailed { .. }
                        | ProposalStatus::Rejected
                        | ProposalStatus::QuorumNotReached
                );
                prop_assert!(ended, "proposal {} did not end: {:?}", p.id, p.status);
            }
            Ok(())
        })?;
    }
}
