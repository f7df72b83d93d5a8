//! Unit tests of redundant jobs: assignment, commit, reveal, tally, payment, referee, bonds.

use crate::{
    mock::*, round::RoundPhase, Error, Event, FailureCause, HoldReason, RoundOutputs, Rounds,
    TotalBondsSlashed,
};
use aitbc_primitives::{
    commitment, DisputeOutcome, JobStatus, JobType, Metrics, ParticipantVerdict, Payout,
    Redundancy, RedundantJobSpec, RedundantJobs, RefereeFinding,
};
use frame_support::{
    assert_noop, assert_ok,
    traits::{fungible::InspectHold, Currency},
};
use sp_core::H256;

const K3: Redundancy = Redundancy {
    k: 3,
    quorum: 0,
    payout: Payout::Each,
    profile: H256([0x11; 32]),
};

fn bond_of(who: AccountId) -> Balance {
    Balances::balance_on_hold(&RuntimeHoldReason::Jobs(HoldReason::JobBond), &who)
}

fn metrics(ms: u64) -> Metrics {
    Metrics {
        compute_ms: ms,
        input_tokens: 8,
        output_tokens: 16,
    }
}

fn salt(miner: AccountId) -> H256 {
    H256::repeat_byte(miner as u8)
}

fn hash(output: &[u8]) -> H256 {
    H256(sp_io::hashing::blake2_256(output))
}

/// Miners 10, 11, 12 (and more when asked) serve llama at price 2 and run the llama profile.
fn miners(ids: &[AccountId]) {
    for id in ids {
        register_miner(*id, 2, 10_000);
        declare_profile(*id, llama_profile());
    }
}

fn submit(spec: Redundancy, budget: Balance) -> u64 {
    let id = crate::NextJobId::<Test>::get();
    assert_ok!(Jobs::submit_redundant(
        RuntimeOrigin::signed(1),
        JobType::Inference,
        llama(),
        prompt("What is the capital of France?"),
        budget,
        40,
        est(10),
        Default::default(),
        spec,
    ));
    id
}

fn participants(id: u64) -> Vec<AccountId> {
    Rounds::<Test>::get(id)
        .unwrap()
        .participants
        .iter()
        .filter(|p| p.is_active())
        .map(|p| p.miner)
        .collect()
}

fn commit(miner: AccountId, id: u64, output: &[u8]) -> sp_runtime::DispatchResult {
    Jobs::commit_result(
        RuntimeOrigin::signed(miner),
        id,
        commitment(&hash(output), &miner, &salt(miner)),
    )
}

fn reveal(miner: AccountId, id: u64, output: &[u8]) -> sp_runtime::DispatchResult {
    Jobs::reveal_result(
        RuntimeOrigin::signed(miner),
        id,
        output.to_vec().try_into().unwrap(),
        salt(miner),
        metrics(1_500),
        sign_reveal(miner, id, output, &metrics(1_500), 2),
        Some(2_500),
    )
}

/// Submit a k=3 job, assign it, and have miners 10, 11, 12 commit and reveal `outputs`.
fn run_round(outputs: [&[u8]; 3]) -> u64 {
    let id = submit(K3, 300);
    run_to_block(2);
    assert_eq!(participants(id), vec![10, 11, 12]);
    for (m, out) in [10, 11, 12].into_iter().zip(outputs) {
        assert_ok!(commit(m, id, out));
    }
    for (m, out) in [10, 11, 12].into_iter().zip(outputs) {
        assert_ok!(reveal(m, id, out));
    }
    id
}

fn active_jobs(who: AccountId) -> u32 {
    pallet_aitbc_miners::Miners::<Test>::get(who)
        .unwrap()
        .active_jobs
}

fn total_issuance() -> Balance {
    <Balances as Currency<AccountId>>::total_issuance()
}

#[test]
fn submit_checks_the_redundancy_against_the_profile() {
    new_test_ext().execute_with(|| {
        let sub = |spec: Redundancy, model: &[u8], budget: Balance, ttl: u64| {
            Jobs::submit_redundant(
                RuntimeOrigin::signed(1),
                JobType::Inference,
                model.to_vec().try_into().unwrap(),
                prompt("hi"),
                budget,
                ttl,
                est(10),
                Default::default(),
                spec,
            )
        };
        for bad in [1u8, 8] {
            let spec = Redundancy { k: bad, ..K3 };
            assert_noop!(
                sub(spec, b"llama", 300, 40),
                Error::<Test>::InvalidRedundancy
            );
        }
        let half = Redundancy {
            quorum: 2,
            k: 4,
            ..K3
        };
        assert_noop!(
            sub(half, b"llama", 300, 40),
            Error::<Test>::InvalidRedundancy
        );
        let unknown = Redundancy {
            profile: H256::repeat_byte(9),
            ..K3
        };
        assert_noop!(
            sub(unknown, b"llama", 300, 40),
            Error::<Test>::UnknownProfile
        );
        assert_noop!(
            sub(K3, b"mistral", 300, 40),
            Error::<Test>::ProfileModelMismatch
        );
        assert_noop!(
            sub(K3, b"llama", 0, 40),
            Error::<Test>::RedundantJobUnfunded
        );
        // Each is paid at least the minimum payment (10): 3 × 10.
        assert_noop!(sub(K3, b"llama", 29, 40), Error::<Test>::BudgetBelowMinimum);
        // Assignment 1 + commit 3 + 1 + reveal 3 + referee 3.
        assert_noop!(
            sub(K3, b"llama", 300, 10),
            Error::<Test>::TtlTooShort { min_ttl: 11 }
        );
        assert_ok!(sub(K3, b"llama", 300, 11));
        let job = Jobs::job(0).unwrap();
        assert_eq!(job.options.temperature_milli, Some(0), "greedy profile");
        assert_eq!(
            job.options.max_tokens,
            Some(256),
            "one limit for every participant"
        );
        System::assert_has_event(
            Event::RedundantJobSubmitted {
                job_id: 0,
                k: 3,
                quorum: 2,
                profile: llama_profile(),
            }
            .into(),
        );
    });
}

#[test]
fn quorum_defaults_to_two_thirds_and_a_strict_majority() {
    let q = |k: u8| Redundancy { k, ..K3 }.effective_quorum();
    assert_eq!((q(2), q(3), q(4), q(5), q(6), q(7)), (2, 2, 3, 4, 4, 5));
}

#[test]
fn assignment_takes_k_miners_of_the_profile_and_their_bonds() {
    new_test_ext().execute_with(|| {
        miners(&[10, 11]);
        // Miner 12 serves llama but never declared the profile.
        register_miner(12, 2, 10_000);
        let id = submit(K3, 300);
        run_to_block(2);
        assert_eq!(
            Jobs::job(id).unwrap().status,
            JobStatus::Queued,
            "only two run it"
        );
        assert_eq!(bond_of(10), 0, "nothing held while waiting");
        declare_profile(12, llama_profile());
        run_to_block(3);
        assert_eq!(Jobs::job(id).unwrap().status, JobStatus::Assigned);
        assert_eq!(participants(id), vec![10, 11, 12]);
        for m in [10, 11, 12] {
            assert_eq!(bond_of(m), 100);
            assert_eq!(active_jobs(m), 1);
            assert!(crate::JobsByMiner::<Test>::contains_key(m, id));
        }
        let round = Rounds::<Test>::get(id).unwrap();
        assert_eq!(round.phase, RoundPhase::Committing);
        assert_eq!(round.deadline, Some(3 + 3 + 1));
    });
}

#[test]
fn agreeing_round_pays_each_and_records_every_participant() {
    new_test_ext().execute_with(|| {
        miners(&[10, 11, 12]);
        let issuance = total_issuance();
        let id = submit(K3, 300);
        run_to_block(2);
        for m in [10, 11] {
            assert_ok!(commit(m, id, b"Paris"));
        }
        assert_noop!(commit(10, id, b"Paris"), Error::<Test>::NotCommitting);
        assert_noop!(reveal(10, id, b"Paris"), Error::<Test>::NotRevealing);
        assert_noop!(commit(13, id, b"Paris"), Error::<Test>::NotParticipant);
        assert_ok!(commit(12, id, b"Paris"));
        assert_eq!(Jobs::job(id).unwrap().status, JobStatus::Running);
        for m in [10, 11, 12] {
            assert_ok!(reveal(m, id, b"Paris"));
        }
        let job = Jobs::job(id).unwrap();
        assert_eq!(job.status, JobStatus::Completed);
        assert_eq!(job.result_hash, Some(hash(b"Paris")));
        // 1.5 GPU-s × 2 = 3, below the minimum payment of 10: each is paid 10.
        for m in [10, 11, 12] {
            assert_eq!(Balances::free_balance(m), 1_000_000 - 10_000 + 10);
            assert_eq!(bond_of(m), 0);
            assert_eq!(active_jobs(m), 0);
            assert_eq!(
                pallet_aitbc_miners::Agreement::<Test>::get(m).deconstruct(),
                1_000_000
            );
        }
        assert_eq!(Balances::free_balance(1), 1_000_000 - 30);
        assert_eq!(total_issuance(), issuance, "no fee, nothing burned");
        let receipt_id = job.receipt.unwrap();
        let receipt = pallet_aitbc_receipts::Receipts::<Test>::get(receipt_id).unwrap();
        assert_eq!((receipt.miner, receipt.price), (10, 30));
        let lines = pallet_aitbc_receipts::Participants::<Test>::get(receipt_id).unwrap();
        assert_eq!(lines.len(), 3);
        assert!(lines
            .iter()
            .all(|l| l.verdict == ParticipantVerdict::Agreed && l.paid == 10));
        assert_eq!(
            lines[1].signature,
            sign_reveal(11, id, b"Paris", &metrics(1_500), 2)
        );
        assert_eq!(
            Jobs::job_result(id).unwrap().output.to_vec(),
            b"Paris".to_vec()
        );
        let round = Rounds::<Test>::get(id).unwrap();
        assert_eq!(round.phase, RoundPhase::Settled);
        assert!(round
            .participants
            .iter()
            .all(|p| p.min_margin_milli == Some(2_500)));
        System::assert_has_event(
            Event::AgreementReached {
                job_id: id,
                output_hash: hash(b"Paris"),
                agreeing: 3,
                revealed: 3,
            }
            .into(),
        );
    });
}

#[test]
fn shared_payout_splits_one_price() {
    new_test_ext().execute_with(|| {
        miners(&[10, 11, 12]);
        let id = crate::NextJobId::<Test>::get();
        assert_ok!(Jobs::submit_redundant(
            RuntimeOrigin::signed(1),
            JobType::Inference,
            llama(),
            prompt("hi"),
            300,
            40,
            est(10),
            Default::default(),
            Redundancy {
                payout: Payout::Shared,
                ..K3
            },
        ));
        run_to_block(2);
        for m in [10, 11, 12] {
            assert_ok!(commit(m, id, b"Paris"));
        }
        for m in [10, 11, 12] {
            assert_ok!(reveal(m, id, b"Paris"));
        }
        // One price (the minimum payment, 10) shared: 3 each, 1 back to the client.
        for m in [10, 11, 12] {
            assert_eq!(Balances::free_balance(m), 1_000_000 - 10_000 + 3);
        }
        assert_eq!(Balances::free_balance(1), 1_000_000 - 9);
    });
}

#[test]
fn a_dissenter_proven_wrong_loses_its_bond() {
    new_test_ext().execute_with(|| {
        // Miner 13 runs the profile too: it is the outsider the chain picks as referee.
        miners(&[10, 11, 12, 13]);
        let issuance = total_issuance();
        let id = submit(K3, 300);
        run_to_block(2);
        let ids = participants(id);
        assert_eq!(ids, vec![10, 11, 12]);
        for (m, out) in [(10, &b"Paris"[..]), (11, b"Paris"), (12, b"Lyon")] {
            assert_ok!(commit(m, id, out));
        }
        for (m, out) in [(10, &b"Paris"[..]), (11, b"Paris"), (12, b"Lyon")] {
            assert_ok!(reveal(m, id, out));
        }
        let job = Jobs::job(id).unwrap();
        assert_eq!(job.status, JobStatus::Completed, "two of three agree");
        assert_eq!(
            Balances::free_balance(12),
            1_000_000 - 10_000 - 100,
            "bond still held"
        );
        let round = Rounds::<Test>::get(id).unwrap();
        assert_eq!(round.phase, RoundPhase::Refereeing);
        let dispute = round.dispute.unwrap();
        assert_eq!(
            (
                dispute.referee,
                dispute.hash_a,
                dispute.hash_b,
                dispute.decides_job
            ),
            (13, hash(b"Paris"), hash(b"Lyon"), false)
        );
        assert_eq!(
            Jobs::round_output(id, hash(b"Lyon")).unwrap().to_vec(),
            b"Lyon".to_vec()
        );
        assert_eq!(Jobs::referee_duties(&13), vec![id]);
        let finding = RefereeFinding {
            position: 0,
            token_a: 7,
            token_b: 9,
            logit_a_milli: 12_000,
            logit_b_milli: 4_000,
            top_token: 7,
            top_logit_milli: 12_000,
        };
        assert_noop!(
            Jobs::report_referee_finding(RuntimeOrigin::signed(10), id, finding),
            Error::<Test>::NotReferee
        );
        let incoherent = RefereeFinding {
            top_logit_milli: 11_000,
            ..finding
        };
        assert_noop!(
            Jobs::report_referee_finding(RuntimeOrigin::signed(13), id, incoherent),
            Error::<Test>::IncoherentFinding
        );
        assert_ok!(Jobs::report_referee_finding(
            RuntimeOrigin::signed(13),
            id,
            finding
        ));
        assert!(Jobs::referee_duties(&13).is_empty());
        assert_eq!(bond_of(12), 0);
        assert_eq!(Balances::free_balance(12), 1_000_000 - 10_000 - 100);
        assert_eq!(TotalBondsSlashed::<Test>::get(), 100);
        assert_eq!(total_issuance(), issuance - 100, "the bond is burned");
        assert!(pallet_aitbc_miners::Agreement::<Test>::get(12).deconstruct() < 1_000_000);
        for m in [10, 11, 12, 13] {
            assert_eq!(active_jobs(m), 0, "miner {m}");
        }
        let round = Rounds::<Test>::get(id).unwrap();
        assert_eq!(round.phase, RoundPhase::Settled);
        assert_eq!(round.settled[0].outcome, DisputeOutcome::AWins);
        let lines = pallet_aitbc_receipts::Participants::<Test>::get(job.receipt.unwrap()).unwrap();
        assert_eq!(lines[2].verdict, ParticipantVerdict::Dissented);
        assert_eq!(lines[2].paid, 0);
    });
}

#[test]
fn a_near_tie_slashes_no_one() {
    new_test_ext().execute_with(|| {
        miners(&[10, 11, 12]);
        let id = run_round([b"Paris", b"Paris", b"Paris!"]);
        // No outsider runs the profile: the first agreeing miner referees.
        let dispute = Rounds::<Test>::get(id).unwrap().dispute.unwrap();
        assert_eq!(dispute.referee, 10);
        let finding = RefereeFinding {
            position: 1,
            token_a: 2,
            token_b: 0,
            logit_a_milli: 9_000,
            logit_b_milli: 8_500,
            top_token: 2,
            top_logit_milli: 9_000,
        };
        assert_ok!(Jobs::report_referee_finding(
            RuntimeOrigin::signed(10),
            id,
            finding
        ));
        assert_eq!(TotalBondsSlashed::<Test>::get(), 0);
        assert_eq!(bond_of(12), 0, "released");
        assert_eq!(Balances::free_balance(12), 1_000_000 - 10_000);
        for m in [10, 11, 12] {
            assert_eq!(active_jobs(m), 0, "miner {m}");
        }
        assert_eq!(
            Rounds::<Test>::get(id).unwrap().settled[0].outcome,
            DisputeOutcome::NearTie
        );
    });
}

#[test]
fn without_a_quorum_the_referee_decides_the_output() {
    new_test_ext().execute_with(|| {
        miners(&[10, 11, 12, 13]);
        let id = run_round([b"Paris", b"Lyon", b"Nice"]);
        let job = Jobs::job(id).unwrap();
        assert_eq!(job.status, JobStatus::Running, "no quorum yet");
        let dispute = Rounds::<Test>::get(id).unwrap().dispute.unwrap();
        assert!(dispute.decides_job);
        assert_eq!(
            (dispute.hash_a, dispute.hash_b),
            (hash(b"Paris"), hash(b"Lyon"))
        );
        // B is the model's token; A is far below it.
        let finding = RefereeFinding {
            position: 0,
            token_a: 1,
            token_b: 2,
            logit_a_milli: 1_000,
            logit_b_milli: 10_000,
            top_token: 2,
            top_logit_milli: 10_000,
        };
        assert_ok!(Jobs::report_referee_finding(
            RuntimeOrigin::signed(13),
            id,
            finding
        ));
        let job = Jobs::job(id).unwrap();
        assert_eq!(job.status, JobStatus::Completed);
        assert_eq!(job.result_hash, Some(hash(b"Lyon")));
        assert_eq!(bond_of(10), 0);
        assert_eq!(
            Balances::free_balance(10),
            1_000_000 - 10_000 - 100,
            "slashed"
        );
        assert_eq!(
            Balances::free_balance(11),
            1_000_000 - 10_000 + 10 - 100,
            "paid; the bond is held until the last dispute is settled"
        );
        // Nice is refereed next, against Lyon.
        let dispute = Rounds::<Test>::get(id).unwrap().dispute.unwrap();
        assert_eq!(
            (dispute.hash_a, dispute.hash_b),
            (hash(b"Lyon"), hash(b"Nice"))
        );
        assert!(!dispute.decides_job);
        // The referee does not report: nobody more is slashed; the referee is noted late.
        run_to_block(30);
        assert_eq!(Balances::free_balance(12), 1_000_000 - 10_000);
        assert_eq!(Balances::free_balance(11), 1_000_000 - 10_000 + 10);
        let round = Rounds::<Test>::get(id).unwrap();
        assert_eq!(round.phase, RoundPhase::Settled);
        assert_eq!(round.settled[1].outcome, DisputeOutcome::RefereeMissed);
        for m in [10, 11, 12, 13] {
            assert_eq!(active_jobs(m), 0, "miner {m}");
            assert_eq!(bond_of(m), 0, "miner {m}");
        }
        let referee = pallet_aitbc_miners::Miners::<Test>::get(13).unwrap();
        assert_eq!(
            (referee.reputation.delivered, referee.reputation.late),
            (1, 1)
        );
    });
}

#[test]
fn a_reveal_that_does_not_match_its_commitment_burns_the_bond() {
    new_test_ext().execute_with(|| {
        miners(&[10, 11, 12]);
        let id = submit(K3, 300);
        run_to_block(2);
        for m in [10, 11, 12] {
            assert_ok!(commit(m, id, b"Paris"));
        }
        // Miner 12 saw the others' commitments and reveals another answer.
        assert_ok!(reveal(12, id, b"Lyon"));
        assert_eq!(bond_of(12), 0);
        assert_eq!(TotalBondsSlashed::<Test>::get(), 100);
        System::assert_has_event(
            Event::RevealMismatch {
                job_id: id,
                miner: 12,
            }
            .into(),
        );
        for m in [10, 11] {
            assert_ok!(reveal(m, id, b"Paris"));
        }
        let job = Jobs::job(id).unwrap();
        assert_eq!(job.status, JobStatus::Completed);
        let lines = pallet_aitbc_receipts::Participants::<Test>::get(job.receipt.unwrap()).unwrap();
        assert_eq!(lines[2].verdict, ParticipantVerdict::RevealMismatch);
        assert_eq!(Rounds::<Test>::get(id).unwrap().phase, RoundPhase::Settled);
    });
}

#[test]
fn a_missed_commit_is_replaced_and_a_missed_reveal_noted_late() {
    new_test_ext().execute_with(|| {
        miners(&[10, 11, 12, 13]);
        let id = submit(K3, 300);
        run_to_block(2);
        assert_eq!(participants(id), vec![10, 11, 12]);
        for m in [10, 11] {
            assert_ok!(commit(m, id, b"Paris"));
        }
        // Commit deadline at 2 + 4 = 6: miner 12 is replaced by 13.
        run_to_block(6);
        assert_eq!(participants(id), vec![10, 11, 13]);
        assert_eq!(Jobs::job(id).unwrap().excluded.to_vec(), vec![12]);
        assert_eq!(active_jobs(12), 0);
        assert_eq!(bond_of(12), 0);
        assert!(
            pallet_aitbc_miners::Miners::<Test>::get(12)
                .unwrap()
                .reputation
                .late
                == 1
        );
        assert_ok!(commit(13, id, b"Paris"));
        assert_eq!(Jobs::job(id).unwrap().status, JobStatus::Running);
        for m in [10, 13] {
            assert_ok!(reveal(m, id, b"Paris"));
        }
        // Reveal deadline 3 blocks later: 11 is late, and the two reveals are the quorum.
        run_to_block(9);
        let job = Jobs::job(id).unwrap();
        assert_eq!(job.status, JobStatus::Completed);
        assert_eq!(
            pallet_aitbc_miners::Miners::<Test>::get(11)
                .unwrap()
                .reputation
                .late,
            1
        );
        let lines = pallet_aitbc_receipts::Participants::<Test>::get(job.receipt.unwrap()).unwrap();
        let verdicts: Vec<_> = lines.iter().map(|l| (l.miner, l.verdict)).collect();
        assert_eq!(
            verdicts,
            vec![
                (10, ParticipantVerdict::Agreed),
                (11, ParticipantVerdict::NoReveal),
                (12, ParticipantVerdict::MissedCommit),
                (13, ParticipantVerdict::Agreed),
            ]
        );
        for m in [10, 11, 12, 13] {
            assert_eq!(active_jobs(m), 0, "miner {m}");
            assert_eq!(bond_of(m), 0, "miner {m}");
        }
    });
}

#[test]
fn without_replacements_too_few_commits_fail_the_job_refunded() {
    new_test_ext().execute_with(|| {
        miners(&[10, 11, 12]);
        let id = submit(K3, 300);
        run_to_block(2);
        assert_ok!(commit(10, id, b"Paris"));
        run_to_block(6);
        let job = Jobs::job(id).unwrap();
        assert_eq!(job.status, JobStatus::Failed);
        assert_eq!(Balances::free_balance(1), 1_000_000);
        System::assert_has_event(
            Event::JobFailed {
                job_id: id,
                cause: FailureCause::NoAgreement,
            }
            .into(),
        );
        for m in [10, 11, 12] {
            assert_eq!(active_jobs(m), 0, "miner {m}");
            assert_eq!(bond_of(m), 0, "miner {m}");
        }
    });
}

#[test]
fn a_running_round_cannot_be_cancelled_and_expiry_returns_everything() {
    new_test_ext().execute_with(|| {
        miners(&[10, 11, 12]);
        let id = crate::NextJobId::<Test>::get();
        assert_ok!(Jobs::submit_redundant(
            RuntimeOrigin::signed(1),
            JobType::Inference,
            llama(),
            prompt("hi"),
            300,
            11,
            est(10),
            Default::default(),
            K3,
        ));
        run_to_block(2);
        assert_noop!(
            Jobs::cancel(RuntimeOrigin::signed(1), id),
            Error::<Test>::RoundInProgress
        );
        for m in [10, 11, 12] {
            assert_ok!(commit(m, id, b"Paris"));
        }
        assert_ok!(reveal(10, id, b"Paris"));
        // The round's deadlines always fit in the TTL; expiry is the backstop for a deadline
        // that found no room in the schedule.
        Jobs::expire(id, 3);
        assert_eq!(Jobs::job(id).unwrap().status, JobStatus::Expired);
        run_to_block(12);
        assert_eq!(Balances::free_balance(1), 1_000_000);
        for m in [10, 11, 12] {
            assert_eq!(active_jobs(m), 0, "miner {m}");
            assert_eq!(bond_of(m), 0, "miner {m}");
        }
    });
}

#[test]
fn pruning_removes_the_round_and_its_outputs() {
    new_test_ext().execute_with(|| {
        Retention::set(5);
        miners(&[10, 11, 12]);
        let id = run_round([b"Paris", b"Paris", b"Paris"]);
        assert!(Rounds::<Test>::contains_key(id));
        run_to_block(10);
        assert!(!Rounds::<Test>::contains_key(id));
        assert_eq!(RoundOutputs::<Test>::iter_prefix(id).count(), 0);
        assert!(!crate::JobsByMiner::<Test>::contains_key(11, id));
    });
}

// ---- Redundant jobs submitted by another pallet (`RedundantJobs`), restricted to members,
// and the `JobObserver` told of their end.

fn spec_for(
    owner: AccountId,
    members: Option<Vec<AccountId>>,
) -> RedundantJobSpec<AccountId, Balance, u64> {
    RedundantJobSpec {
        owner,
        job_type: JobType::Inference,
        model: llama(),
        input: prompt("What is the capital of France?"),
        budget: 300,
        ttl: 40,
        requirements: est(10),
        options: Default::default(),
        redundancy: K3,
        members: members.map(|m| m.try_into().unwrap()),
    }
}

#[test]
fn a_job_restricted_to_members_is_assigned_among_them_only() {
    new_test_ext().execute_with(|| {
        // Five miners run the profile; the job may only use 11, 12 and 14.
        miners(&[10, 11, 12, 13, 14]);
        let id =
            <Jobs as RedundantJobs<_, _, _>>::submit(spec_for(1, Some(vec![11, 12, 14]))).unwrap();
        assert_eq!(
            crate::RoundMembers::<Test>::get(id).unwrap().to_vec(),
            vec![11, 12, 14]
        );
        run_to_block(2);
        let mut chosen = participants(id);
        chosen.sort();
        assert_eq!(chosen, vec![11, 12, 14]);
        // A silent member is replaced by a member only: with none left the round reveals with
        // the committed ones (a quorum), never with outsiders 10 or 13.
        assert_ok!(commit(11, id, b"Paris"));
        assert_ok!(commit(12, id, b"Paris"));
        run_to_block(6);
        let round = Rounds::<Test>::get(id).unwrap();
        assert!(round
            .participants
            .iter()
            .all(|p| [11, 12, 14].contains(&p.miner)));
        assert_eq!(round.phase, RoundPhase::Revealing);
    });
}

#[test]
fn a_restricted_job_needs_k_members_and_unrestricted_ones_keep_no_list() {
    new_test_ext().execute_with(|| {
        miners(&[10, 11, 12]);
        assert_noop!(
            <Jobs as RedundantJobs<_, _, _>>::submit(spec_for(1, Some(vec![10, 11]))),
            Error::<Test>::TooFewMembers
        );
        let id = <Jobs as RedundantJobs<_, _, _>>::submit(spec_for(1, None)).unwrap();
        assert!(!crate::RoundMembers::<Test>::contains_key(id));
        assert_eq!(
            <Jobs as RedundantJobs<_, _, _>>::status(id),
            Some(JobStatus::Queued)
        );
    });
}

#[test]
fn members_of_a_pruned_job_go_with_it() {
    new_test_ext().execute_with(|| {
        Retention::set(5);
        miners(&[10, 11, 12]);
        let id =
            <Jobs as RedundantJobs<_, _, _>>::submit(spec_for(1, Some(vec![10, 11, 12]))).unwrap();
        run_to_block(2);
        for m in [10, 11, 12] {
            assert_ok!(commit(m, id, b"Paris"));
        }
        for m in [10, 11, 12] {
            assert_ok!(reveal(m, id, b"Paris"));
        }
        assert_eq!(
            <Jobs as RedundantJobs<_, _, _>>::output(id)
                .unwrap()
                .to_vec(),
            b"Paris".to_vec()
        );
        run_to_block(10);
        assert!(!crate::RoundMembers::<Test>::contains_key(id));
        assert_eq!(<Jobs as RedundantJobs<_, _, _>>::status(id), None);
    });
}

#[test]
fn the_observer_hears_of_every_end_once_and_of_a_settlement_after_the_last_dispute() {
    new_test_ext().execute_with(|| {
        miners(&[10, 11, 12, 13]);
        // Completed with a dissenter: the job ends at the tally, its round settles only when
        // the referee has reported.
        let id = submit(K3, 300);
        run_to_block(2);
        for (m, out) in [(10, &b"Paris"[..]), (11, b"Paris"), (12, b"Lyon")] {
            assert_ok!(commit(m, id, out));
        }
        for (m, out) in [(10, &b"Paris"[..]), (11, b"Paris"), (12, b"Lyon")] {
            assert_ok!(reveal(m, id, out));
        }
        assert_eq!(observed(), vec![Observed::Ended(id, JobStatus::Completed)]);
        let finding = RefereeFinding {
            position: 0,
            token_a: 7,
            token_b: 9,
            logit_a_milli: 12_000,
            logit_b_milli: 4_000,
            top_token: 7,
            top_logit_milli: 12_000,
        };
        assert_ok!(Jobs::report_referee_finding(
            RuntimeOrigin::signed(13),
            id,
            finding
        ));
        assert_eq!(
            observed(),
            vec![
                Observed::Ended(id, JobStatus::Completed),
                Observed::Settled(id)
            ]
        );
        // A job that never found its miners: cancelled, its round settled with it.
        let queued =
            <Jobs as RedundantJobs<_, _, _>>::submit(spec_for(2, Some(vec![10, 11, 12]))).unwrap();
        // (Assignment waits for the next block; cancel it before.)
        assert_ok!(Jobs::cancel(RuntimeOrigin::signed(2), queued));
        assert_eq!(
            observed()[2..],
            [
                Observed::Settled(queued),
                Observed::Ended(queued, JobStatus::Cancelled)
            ]
        );
        // A one-miner job is observed too (nothing to settle).
        let plain = crate::NextJobId::<Test>::get();
        assert_ok!(Jobs::submit(
            RuntimeOrigin::signed(3),
            JobType::Inference,
            llama(),
            prompt("hi"),
            50,
            40,
            est(10),
        ));
        assert_ok!(Jobs::cancel(RuntimeOrigin::signed(3), plain));
        assert_eq!(
            observed()[4..],
            [Observed::Ended(plain, JobStatus::Cancelled)]
        );
    });
}

#[test]
fn other_pallets_read_slots_budgets_and_busy_errors() {
    new_test_ext().execute_with(|| {
        type J = Jobs;
        MaxOpenJobs::set(2);
        assert_eq!(<J as RedundantJobs<_, _, _>>::open_slots(&1), 2);
        miners(&[10, 11, 12]);
        <J as RedundantJobs<_, _, _>>::submit(spec_for(1, None)).unwrap();
        assert_eq!(<J as RedundantJobs<_, _, _>>::open_slots(&1), 1);
        <J as RedundantJobs<_, _, _>>::submit(spec_for(1, None)).unwrap();
        let busy = <J as RedundantJobs<_, _, _>>::submit(spec_for(1, None)).unwrap_err();
        assert_eq!(busy, Error::<Test>::TooManyOpenJobs.into());
        assert!(<J as RedundantJobs<_, _, _>>::is_busy(&busy));
        assert!(!<J as RedundantJobs<_, _, _>>::is_busy(
            &Error::<Test>::UnknownProfile.into()
        ));
        assert_eq!(
            <J as RedundantJobs<_, _, _>>::least_budget(JobType::Inference, 3),
            30
        );
        assert_eq!(
            <J as RedundantJobs<_, _, _>>::min_ttl(),
            Jobs::min_redundant_ttl()
        );
        assert_eq!(<J as RedundantJobs<_, _, _>>::max_ttl(), 100);
    });
}
