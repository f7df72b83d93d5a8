//! Unit tests: every call, every error path, and the per-block scheduling.

use crate::{mock::*, Error, Event, FailureCause, HoldReason, JobsByStatus, MinPayment, Queue};
use aitbc_primitives::{JobInput, JobStatus, JobType, Metrics, Requirements, RewardStatus};
use frame_support::{
    assert_noop, assert_ok,
    traits::fungible::{Inspect, InspectHold},
};
use sp_core::H256;
use sp_runtime::DispatchError;

fn escrow(who: AccountId) -> Balance {
    Balances::balance_on_hold(&RuntimeHoldReason::Jobs(HoldReason::JobEscrow), &who)
}

fn submit(who: AccountId, budget: Balance) -> u64 {
    let id = crate::NextJobId::<Test>::get();
    assert_ok!(Jobs::submit(
        RuntimeOrigin::signed(who),
        JobType::Inference,
        llama(),
        prompt("What is the capital of France?"),
        budget,
        20,
        est(10)
    ));
    id
}

fn status(id: u64) -> JobStatus {
    Jobs::job(id).unwrap().status
}

fn metrics(ms: u64) -> Metrics {
    Metrics {
        compute_ms: ms,
        input_tokens: 8,
        output_tokens: 16,
    }
}

fn paris_hash() -> H256 {
    H256(sp_io::hashing::blake2_256(b"Paris"))
}

fn result(miner: AccountId, id: u64, ms: u64) -> sp_runtime::DispatchResult {
    Jobs::submit_result(
        RuntimeOrigin::signed(miner),
        id,
        b"Paris".to_vec().try_into().unwrap(),
        paris_hash(),
        metrics(ms),
        sign_receipt(miner, id, b"Paris", &metrics(ms)),
    )
}

fn reason() -> aitbc_primitives::FailureReason {
    b"out of memory".to_vec().try_into().unwrap()
}

#[test]
fn submit_with_budget_holds_escrow_and_queues() {
    new_test_ext().execute_with(|| {
        let id = submit(1, 500);
        assert_eq!(escrow(1), 500);
        assert_eq!(Balances::balance(&1), 999_500);
        let job = Jobs::job(id).unwrap();
        assert_eq!(
            (job.status, job.budget, job.escrowed, job.expires_at),
            (JobStatus::Queued, 500, 500, 21)
        );
        assert_eq!(
            (job.timeline.unfunded, job.timeline.queued),
            (Some(1), Some(1))
        );
        assert_eq!(Queue::<Test>::get().to_vec(), vec![id]);
        System::assert_has_event(
            Event::EscrowHeld {
                job_id: id,
                owner: 1,
                amount: 500,
            }
            .into(),
        );
        System::assert_has_event(
            Event::JobSubmitted {
                job_id: id,
                owner: 1,
                job_type: JobType::Inference,
                budget: 500,
                expires_at: 21,
            }
            .into(),
        );
        System::assert_last_event(Event::JobQueued { job_id: id }.into());
    });
}

#[test]
fn submit_without_budget_is_unfunded_then_fund_queues() {
    new_test_ext().execute_with(|| {
        let id = submit(1, 0);
        assert_eq!(status(id), JobStatus::Unfunded);
        assert_eq!(escrow(1), 0);
        assert!(Queue::<Test>::get().is_empty());
        assert_noop!(
            Jobs::fund(RuntimeOrigin::signed(2), id, 100),
            Error::<Test>::NotJobOwner
        );
        assert_noop!(
            Jobs::fund(RuntimeOrigin::signed(1), 99, 100),
            Error::<Test>::UnknownJob
        );
        assert_noop!(
            Jobs::fund(RuntimeOrigin::signed(1), id, 9),
            Error::<Test>::BudgetBelowMinimum
        );
        assert_noop!(
            Jobs::fund(RuntimeOrigin::signed(1), id, 1_000_000),
            Error::<Test>::InsufficientBalance
        );
        System::set_block_number(3);
        assert_ok!(Jobs::fund(RuntimeOrigin::signed(1), id, 100));
        let job = Jobs::job(id).unwrap();
        assert_eq!(
            (job.status, job.status_since, job.escrowed),
            (JobStatus::Queued, 3, 100)
        );
        assert_eq!(escrow(1), 100);
        assert_noop!(
            Jobs::fund(RuntimeOrigin::signed(1), id, 100),
            Error::<Test>::AlreadyFunded
        );
    });
}

#[test]
fn submit_errors() {
    new_test_ext().execute_with(|| {
        let s = |job_type, model: Vec<u8>, input, budget, ttl| {
            Jobs::submit(
                RuntimeOrigin::signed(1),
                job_type,
                model.try_into().unwrap(),
                input,
                budget,
                ttl,
                Requirements::default(),
            )
        };
        let ok = || prompt("hi");
        assert_noop!(
            s(JobType::Training, b"llama".to_vec(), ok(), 100, 5),
            Error::<Test>::UnsupportedJobType
        );
        assert_noop!(
            s(JobType::Inference, vec![], ok(), 100, 5),
            Error::<Test>::EmptyModel
        );
        let long = "a".repeat(4001);
        assert_noop!(
            s(JobType::Inference, b"m".to_vec(), prompt(&long), 100, 5),
            Error::<Test>::PromptTooLong
        );
        let bad = JobInput::Prompt(vec![0xff, 0xfe].try_into().unwrap());
        assert_noop!(
            s(JobType::Inference, b"m".to_vec(), bad, 100, 5),
            Error::<Test>::PromptNotUtf8
        );
        assert_noop!(
            s(JobType::Inference, b"m".to_vec(), prompt(""), 100, 5),
            Error::<Test>::EmptyInput
        );
        let empty_hash = JobInput::ContentHash {
            hash: H256::zero(),
            size: 0,
        };
        assert_noop!(
            s(JobType::Inference, b"m".to_vec(), empty_hash, 100, 5),
            Error::<Test>::EmptyInput
        );
        assert_noop!(
            s(JobType::Inference, b"m".to_vec(), ok(), 100, 0),
            Error::<Test>::InvalidTtl
        );
        assert_noop!(
            s(JobType::Inference, b"m".to_vec(), ok(), 100, 101),
            Error::<Test>::InvalidTtl
        );
        assert_noop!(
            s(JobType::Inference, b"m".to_vec(), ok(), 9, 5),
            Error::<Test>::BudgetBelowMinimum
        );
        assert_noop!(
            s(JobType::Inference, b"m".to_vec(), ok(), 1_000_000, 5),
            Error::<Test>::InsufficientBalance
        );
        // 4000 multi-byte characters are fine.
        let euros = "€".repeat(4000);
        assert_ok!(s(JobType::Inference, b"m".to_vec(), prompt(&euros), 100, 5));
        let big = JobInput::ContentHash {
            hash: H256::repeat_byte(1),
            size: 1 << 30,
        };
        assert_ok!(s(JobType::Inference, b"m".to_vec(), big, 100, 5));
        // MaxQueueLen = 8.
        for _ in 0..6 {
            assert_ok!(s(JobType::Inference, b"m".to_vec(), ok(), 100, 50));
        }
        assert_noop!(
            s(JobType::Inference, b"m".to_vec(), ok(), 100, 50),
            Error::<Test>::QueueFull
        );
    });
}

#[test]
fn expiry_schedule_spills_then_fills() {
    new_test_ext().execute_with(|| {
        // MaxExpiriesPerBlock = 2, searched over 8 blocks: 16 jobs fit around one block.
        for i in 0..16 {
            let id = submit(1, 0);
            assert_eq!(Jobs::job(id).unwrap().expires_at, 21 + i / 2);
        }
        assert_noop!(
            Jobs::submit(
                RuntimeOrigin::signed(1),
                JobType::Inference,
                llama(),
                prompt("x"),
                0,
                20,
                est(1)
            ),
            Error::<Test>::ExpiryScheduleFull
        );
    });
}

#[test]
fn on_initialize_assigns_by_stake_and_accept_starts_the_job() {
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        register_miner(11, 5, 3_000);
        let id = submit(1, 500);
        run_to_block(2);
        let job = Jobs::job(id).unwrap();
        assert_eq!(
            (job.status, job.miner, job.unit_price, job.ack_deadline),
            (JobStatus::Assigned, Some(11), 5, Some(5))
        );
        System::assert_has_event(
            Event::JobAssigned {
                job_id: id,
                miner: 11,
                unit_price: 5,
                ack_deadline: 5,
            }
            .into(),
        );
        assert_eq!(
            pallet_aitbc_miners::Miners::<Test>::get(11)
                .unwrap()
                .active_jobs,
            1
        );
        assert_noop!(
            Jobs::accept(RuntimeOrigin::signed(10), id),
            Error::<Test>::NotAssignedMiner
        );
        assert_noop!(
            Jobs::accept(RuntimeOrigin::signed(11), 99),
            Error::<Test>::UnknownJob
        );
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(11), id));
        System::assert_last_event(
            Event::JobAccepted {
                job_id: id,
                miner: 11,
            }
            .into(),
        );
        let job = Jobs::job(id).unwrap();
        assert_eq!(
            (job.status, job.ack_deadline, job.timeline.running),
            (JobStatus::Running, None, Some(2))
        );
        assert_noop!(
            Jobs::accept(RuntimeOrigin::signed(11), id),
            Error::<Test>::JobNotAssigned
        );
        // Accepted: the deadline passes without effect.
        run_to_block(6);
        assert_eq!(status(id), JobStatus::Running);
    });
}

#[test]
fn on_idle_assigns_a_job_in_the_block_that_queued_it_when_weight_is_left() {
    use frame_support::{traits::Hooks, weights::Weight};
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        let id = submit(1, 500);
        let used = Jobs::on_idle(1, Weight::MAX);
        assert!(used.any_gt(Weight::zero()));
        let job = Jobs::job(id).unwrap();
        assert_eq!(
            (job.status, job.miner, job.timeline.assigned),
            (JobStatus::Assigned, Some(10), Some(1))
        );
        assert!(Queue::<Test>::get().is_empty());
        // An empty queue costs only its read.
        let db = <<Test as frame_system::Config>::DbWeight as frame_support::traits::Get<
            frame_support::weights::RuntimeDbWeight,
        >>::get();
        assert_eq!(Jobs::on_idle(1, Weight::MAX), db.reads(1));
    });
}

#[test]
fn submit_result_pays_miner_refunds_rest_and_writes_receipt() {
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        let id = submit(1, 500);
        run_to_block(2);
        assert_noop!(result(10, id, 3_000), Error::<Test>::JobNotRunning);
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(10), id));
        assert_noop!(result(11, id, 3_000), Error::<Test>::NotAssignedMiner);
        assert_noop!(result(10, 99, 3_000), Error::<Test>::UnknownJob);
        let miner_before = Balances::balance(&10);
        let issuance = Balances::total_issuance();
        // 2.5 s -> 2.5 GPU-seconds x 5 = 12.5, rounded up to 13.
        assert_ok!(result(10, id, 2_500));
        assert_eq!(Balances::balance(&10), miner_before + 13);
        assert_eq!(Balances::balance(&1), 1_000_000 - 13);
        assert_eq!(escrow(1), 0);
        assert_eq!(Balances::total_issuance(), issuance);
        let job = Jobs::job(id).unwrap();
        assert_eq!(
            (job.status, job.escrowed, job.receipt),
            (JobStatus::Completed, 0, Some(0))
        );
        assert_eq!(
            Jobs::job_result(id).unwrap().output.to_vec(),
            b"Paris".to_vec()
        );
        let receipt = Receipts::receipt(0).unwrap();
        assert_eq!(
            (
                receipt.job_id,
                receipt.client,
                receipt.miner,
                receipt.units_milli,
                receipt.unit_price,
                receipt.price
            ),
            (id, 1, 10, 2_500, 5, 13)
        );
        assert_eq!(
            receipt.signature,
            sign_receipt(10, id, b"Paris", &metrics(2_500))
        );
        System::assert_has_event(
            Event::MinerPaid {
                job_id: id,
                miner: 10,
                amount: 13,
            }
            .into(),
        );
        System::assert_has_event(
            Event::EscrowRefunded {
                job_id: id,
                owner: 1,
                amount: 487,
            }
            .into(),
        );
        System::assert_last_event(
            Event::JobCompleted {
                job_id: id,
                miner: 10,
                receipt_id: 0,
                price: 13,
                result_hash: paris_hash(),
            }
            .into(),
        );
        let m = pallet_aitbc_miners::Miners::<Test>::get(10).unwrap();
        assert_eq!((m.active_jobs, m.reputation.delivered), (0, 1));
        assert_noop!(result(10, id, 2_500), Error::<Test>::JobNotRunning);
        // Reward: once, after the receipt's era (10 blocks) is over.
        run_to_block(10);
        assert_ok!(Receipts::claim_reward(RuntimeOrigin::signed(10), 0));
        assert!(matches!(
            Receipts::receipt(0).unwrap().reward,
            RewardStatus::Claimed { .. }
        ));
        assert_noop!(
            Receipts::claim_reward(RuntimeOrigin::signed(10), 0),
            pallet_aitbc_receipts::Error::<Test>::AlreadyClaimed
        );
    });
}

#[test]
fn price_is_at_least_min_payment_and_at_most_budget() {
    new_test_ext().execute_with(|| {
        register_miner(10, 1, 2_000);
        let cheap = submit(1, 500);
        let capped = submit(2, 100);
        run_to_block(2);
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(10), cheap));
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(10), capped));
        assert_ok!(result(10, cheap, 1)); // 1 s x 1 < min 10
        assert_eq!(Receipts::receipt(0).unwrap().price, 10);
        assert_ok!(result(10, capped, 1_000_000)); // 1000 s x 1 > budget 100
        assert_eq!(Receipts::receipt(1).unwrap().price, 100);
        assert_eq!(escrow(1) + escrow(2), 0);
    });
}

#[test]
fn report_failure_refunds_in_full() {
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        let id = submit(1, 500);
        assert_noop!(
            Jobs::report_failure(RuntimeOrigin::signed(10), id, reason()),
            Error::<Test>::NotAssignedMiner
        );
        run_to_block(2);
        assert_noop!(
            Jobs::report_failure(RuntimeOrigin::signed(11), id, reason()),
            Error::<Test>::NotAssignedMiner
        );
        assert_noop!(
            Jobs::report_failure(RuntimeOrigin::signed(10), 99, reason()),
            Error::<Test>::UnknownJob
        );
        assert_ok!(Jobs::report_failure(
            RuntimeOrigin::signed(10),
            id,
            reason()
        ));
        assert_eq!(status(id), JobStatus::Failed);
        assert_eq!((escrow(1), Balances::balance(&1)), (0, 1_000_000));
        System::assert_last_event(
            Event::JobFailed {
                job_id: id,
                cause: FailureCause::MinerReported(reason()),
            }
            .into(),
        );
        let m = pallet_aitbc_miners::Miners::<Test>::get(10).unwrap();
        assert_eq!((m.active_jobs, m.reputation.failed), (0, 1));
        assert_noop!(
            Jobs::report_failure(RuntimeOrigin::signed(10), id, reason()),
            Error::<Test>::JobNotActive
        );
    });
}

#[test]
fn cancel_refunds_in_full_from_any_open_status() {
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        let unfunded = submit(1, 0);
        let queued = submit(1, 300);
        let running = submit(2, 400);
        // Job `queued` has no eligible miner (not enough budget for 10 s x 50).
        crate::Jobs::<Test>::mutate(queued, |j| {
            j.as_mut().unwrap().requirements.estimated_gpu_seconds = 1_000
        });
        run_to_block(2);
        assert_eq!(status(queued), JobStatus::Queued);
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(10), running));
        assert_noop!(
            Jobs::cancel(RuntimeOrigin::signed(2), unfunded),
            Error::<Test>::NotJobOwner
        );
        assert_noop!(
            Jobs::cancel(RuntimeOrigin::signed(1), 99),
            Error::<Test>::UnknownJob
        );
        assert_ok!(Jobs::cancel(RuntimeOrigin::signed(1), unfunded));
        assert_ok!(Jobs::cancel(RuntimeOrigin::signed(1), queued));
        assert!(Queue::<Test>::get().is_empty());
        assert_ok!(Jobs::cancel(RuntimeOrigin::signed(2), running));
        System::assert_last_event(Event::JobCancelled { job_id: running }.into());
        for id in [unfunded, queued, running] {
            assert_eq!(status(id), JobStatus::Cancelled);
        }
        assert_eq!((escrow(1), escrow(2)), (0, 0));
        // Economics changed (issue 11, free work): the running job was accepted, so its owner
        // pays the miner the minimum payment (10) for cancelling it in the same block.
        assert_eq!(
            (Balances::balance(&1), Balances::balance(&2)),
            (1_000_000, 1_000_000 - 10)
        );
        let m = pallet_aitbc_miners::Miners::<Test>::get(10).unwrap();
        assert_eq!(
            (m.active_jobs, m.reputation.failed, m.reputation.late),
            (0, 0, 0)
        );
        assert_noop!(
            Jobs::cancel(RuntimeOrigin::signed(1), queued),
            Error::<Test>::JobNotCancellable
        );
    });
}

#[test]
fn missed_ack_deadline_slashes_and_reassigns_then_fails_after_too_many() {
    new_test_ext().execute_with(|| {
        for (i, who) in (10..=14).enumerate() {
            register_miner(who, 5, 2_000 + 100 * i as u128);
        }
        let id = submit(1, 500);
        run_to_block(2);
        assert_eq!(Jobs::job(id).unwrap().miner, Some(14));
        let issuance = Balances::total_issuance();
        run_to_block(5);
        System::assert_has_event(
            Event::AckMissed {
                job_id: id,
                miner: 14,
                slashed: 240,
            }
            .into(),
        );
        assert_eq!(Balances::total_issuance(), issuance - 240);
        let job = Jobs::job(id).unwrap();
        assert_eq!(
            (job.status, job.miner, job.excluded.to_vec()),
            (JobStatus::Assigned, Some(13), vec![14])
        );
        let m = pallet_aitbc_miners::Miners::<Test>::get(14).unwrap();
        assert_eq!((m.active_jobs, m.reputation.late, m.stake), (0, 1, 2_160));
        // Four more misses: 13, 12, 11 are excluded, then 10's miss overflows the exclusions.
        run_to_block(17);
        assert_eq!(status(id), JobStatus::Failed);
        System::assert_has_event(
            Event::JobFailed {
                job_id: id,
                cause: FailureCause::NoMinerAcknowledged,
            }
            .into(),
        );
        assert_eq!((escrow(1), Balances::balance(&1)), (0, 1_000_000));
    });
}

#[test]
fn expiry_refunds_and_notes_the_miner_late() {
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        let queued = submit(1, 300);
        crate::Jobs::<Test>::mutate(queued, |j| {
            j.as_mut().unwrap().requirements.estimated_gpu_seconds = 1_000
        });
        let running = submit(2, 400);
        let unfunded = submit(3, 0);
        run_to_block(2);
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(10), running));
        run_to_block(20);
        assert_eq!(status(running), JobStatus::Running);
        // Two expiries per block: the third job spilled to block 22.
        assert_eq!(Jobs::job(unfunded).unwrap().expires_at, 22);
        run_to_block(22);
        for id in [queued, running, unfunded] {
            let job = Jobs::job(id).unwrap();
            assert_eq!(job.status, JobStatus::Expired);
            System::assert_has_event(Event::JobExpired { job_id: id }.into());
            assert_eq!(job.timeline.expired, Some(job.expires_at));
        }
        assert!(Queue::<Test>::get().is_empty());
        assert_eq!((escrow(1), escrow(2)), (0, 0));
        let m = pallet_aitbc_miners::Miners::<Test>::get(10).unwrap();
        assert_eq!((m.active_jobs, m.reputation.late, m.stake), (0, 1, 1_800));
    });
}

#[test]
fn queue_rotates_jobs_no_miner_can_take() {
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        let stuck = submit(1, 300);
        crate::Jobs::<Test>::mutate(stuck, |j| {
            j.as_mut().unwrap().requirements.estimated_gpu_seconds = 1_000
        });
        let a = submit(2, 300);
        let b = submit(3, 300);
        // Two attempts per block: `stuck` fails and goes to the back, `a` is assigned.
        run_to_block(2);
        assert_eq!(
            (status(stuck), status(a), status(b)),
            (JobStatus::Queued, JobStatus::Assigned, JobStatus::Queued)
        );
        assert_eq!(Queue::<Test>::get().to_vec(), vec![b, stuck]);
        run_to_block(3);
        assert_eq!(status(b), JobStatus::Assigned);
        assert_eq!(Queue::<Test>::get().to_vec(), vec![stuck]);
    });
}

#[test]
fn set_min_payment_is_root_only() {
    new_test_ext().execute_with(|| {
        assert_noop!(
            Jobs::set_min_payment(RuntimeOrigin::signed(1), JobType::Inference, 1),
            DispatchError::BadOrigin
        );
        assert_ok!(Jobs::set_min_payment(
            RuntimeOrigin::root(),
            JobType::Inference,
            1_000
        ));
        System::assert_last_event(
            Event::MinPaymentChanged {
                job_type: JobType::Inference,
                amount: 1_000,
            }
            .into(),
        );
        assert_eq!(MinPayment::<Test>::get(JobType::Inference), 1_000);
        // Types not set at genesis or by governance use the runtime's default (1 in the mock).
        assert_eq!(MinPayment::<Test>::get(JobType::Embedding), 1);
        assert_noop!(
            Jobs::submit(
                RuntimeOrigin::signed(1),
                JobType::Inference,
                llama(),
                prompt("x"),
                999,
                5,
                est(1)
            ),
            Error::<Test>::BudgetBelowMinimum
        );
    });
}

#[test]
fn queries_page_by_owner_miner_and_status() {
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        let ids: Vec<u64> = (0..5).map(|_| submit(1, 100)).collect();
        submit(2, 0);
        run_to_block(2);
        let owner: Vec<u64> = Jobs::jobs_by_owner(&1, 0, 100)
            .iter()
            .map(|j| j.id)
            .collect();
        assert_eq!(owner, ids);
        let page: Vec<u64> = Jobs::jobs_by_owner(&1, 2, 2).iter().map(|j| j.id).collect();
        assert_eq!(page, vec![2, 3]);
        assert_eq!(Jobs::jobs_by_miner(&10, 0, 100).len(), 2);
        assert_eq!(Jobs::jobs_by_status(JobStatus::Assigned, 0, 100).len(), 2);
        assert_eq!(Jobs::jobs_by_status(JobStatus::Queued, 0, 100).len(), 3);
        assert_eq!(Jobs::jobs_by_status(JobStatus::Unfunded, 0, 100).len(), 1);
        assert_eq!(JobsByStatus::<Test>::iter().count(), 6);
        assert!(Jobs::job(99).is_none());
        assert!(Jobs::job_result(0).is_none());
    });
}

#[test]
fn missed_ack_with_a_full_queue_fails_the_job_with_a_refund() {
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        let id = submit(1, 500);
        run_to_block(2);
        assert_eq!(status(id), JobStatus::Assigned);
        // Fill the queue (MaxQueueLen = 8) with jobs no miner can take.
        for _ in 0..8 {
            let stuck = submit(2, 300);
            crate::Jobs::<Test>::mutate(stuck, |j| {
                j.as_mut().unwrap().requirements.estimated_gpu_seconds = 1_000
            });
        }
        assert!(Queue::<Test>::get().is_full());
        run_to_block(5);
        assert_eq!(status(id), JobStatus::Failed);
        System::assert_has_event(
            Event::JobFailed {
                job_id: id,
                cause: FailureCause::QueueFull,
            }
            .into(),
        );
        assert_eq!((escrow(1), Balances::balance(&1)), (0, 1_000_000));
        let m = pallet_aitbc_miners::Miners::<Test>::get(10).unwrap();
        assert_eq!((m.active_jobs, m.reputation.late), (0, 1));
    });
}

#[test]
fn on_initialize_charges_for_the_work_it_did() {
    use crate::WeightInfo as _;
    use frame_support::traits::Hooks;
    type W = ();
    new_test_ext().execute_with(|| {
        // Nothing to do: the fixed part only.
        System::set_block_number(2);
        assert_eq!(Jobs::on_initialize(2), W::on_initialize_base());
        // Two queued jobs, one miner: two assignment attempts over at most 8 candidates.
        register_miner(10, 5, 2_000);
        submit(1, 500);
        submit(2, 500);
        System::set_block_number(3);
        let candidates = 16; // MaxMinersPerModel in the mock
                             // An attempt may also fail a job no miner serves (issue 11): charged the larger cost,
                             // plus the job observer told of the end and of a round's settlement.
        let observer = Jobs::observer_weight();
        assert_eq!(
            observer,
            <TestObserver as aitbc_primitives::JobObserver>::weight() * 2
        );
        let attempt = W::assign_job(candidates).max(W::expire_job()) + observer;
        assert_eq!(
            Jobs::on_initialize(3),
            W::on_initialize_base() + attempt * 2
        );
        // Both acknowledgement deadlines fall at block 6: two missed deadlines (each entry
        // of the deadline index is charged as the costlier of a missed acknowledgement and a
        // redundant round's deadline), and the two re-queued jobs are offered again (no other
        // miner: still two attempts).
        for n in 4..6 {
            System::set_block_number(n);
            Jobs::on_initialize(n);
        }
        System::set_block_number(6);
        assert_eq!(
            Jobs::on_initialize(6),
            W::on_initialize_base()
                + (W::ack_timeout().max(W::round_deadline(candidates)) + observer) * 2
                + attempt * 2
        );
    });
}

// ---- Issue 11, economics: free slashing (item 1) -------------------------------------------

#[test]
fn ttl_too_short_for_the_ack_and_run_windows_is_refused_naming_the_minimum() {
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        // One block to be assigned + AckTimeout 3 + MinRunWindow 1.
        assert_eq!(Jobs::min_ttl(), 5);
        for ttl in 1..5 {
            assert_noop!(
                Jobs::submit(
                    RuntimeOrigin::signed(1),
                    JobType::Inference,
                    llama(),
                    prompt("x"),
                    500,
                    ttl,
                    est(1)
                ),
                Error::<Test>::TtlTooShort { min_ttl: 5 }
            );
        }
        assert_ok!(Jobs::submit(
            RuntimeOrigin::signed(1),
            JobType::Inference,
            llama(),
            prompt("x"),
            500,
            5,
            est(1)
        ));
    });
}

#[test]
fn ttl_one_job_cannot_get_its_miner_slashed() {
    use frame_support::{traits::Hooks, weights::Weight};
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        // The attack: a job with `ttl = 1` is assigned (here in the same block, by `on_idle`)
        // and expires the next block, before its miner could accept.
        let refused = Jobs::submit(
            RuntimeOrigin::signed(1),
            JobType::Inference,
            llama(),
            prompt("x"),
            500,
            1,
            est(1),
        );
        assert_eq!(
            refused,
            Err(Error::<Test>::TtlTooShort { min_ttl: 5 }.into())
        );
        // The shortest allowed TTL, assigned at once: the miner has its whole windows.
        let id = crate::NextJobId::<Test>::get();
        assert_ok!(Jobs::submit(
            RuntimeOrigin::signed(1),
            JobType::Inference,
            llama(),
            prompt("x"),
            500,
            5,
            est(1)
        ));
        Jobs::on_idle(1, Weight::MAX);
        assert_eq!(status(id), JobStatus::Assigned);
        run_to_block(10);
        let m = pallet_aitbc_miners::Miners::<Test>::get(10).unwrap();
        // Missing a deadline it fully had is still slashed (once: the ack deadline).
        assert_eq!((m.reputation.late, m.stake), (1, 1_800));
        assert_eq!(status(id), JobStatus::Expired);
    });
}

#[test]
fn reassigned_job_near_its_end_does_not_slash_the_new_miner() {
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        register_miner(11, 5, 3_000);
        // TTL 5 from block 1: expires at 6. Assigned to 11 at block 2 (deadline 5).
        let id = crate::NextJobId::<Test>::get();
        assert_ok!(Jobs::submit(
            RuntimeOrigin::signed(1),
            JobType::Inference,
            llama(),
            prompt("x"),
            500,
            5,
            est(1)
        ));
        run_to_block(2);
        assert_eq!(Jobs::job(id).unwrap().miner, Some(11));
        // 11 misses its (whole) window at 5 and is slashed; the job is re-queued, but a new
        // deadline at 8 would fall after its end (6): 10 is not handed a deadline it cannot
        // meet, and the job expires, refunded, at 6.
        run_to_block(5);
        assert_eq!(status(id), JobStatus::Queued);
        run_to_block(8);
        assert_eq!(status(id), JobStatus::Expired);
        assert_eq!((escrow(1), Balances::balance(&1)), (0, 1_000_000));
        let m10 = pallet_aitbc_miners::Miners::<Test>::get(10).unwrap();
        assert_eq!((m10.reputation.late, m10.stake), (0, 2_000));
        let m11 = pallet_aitbc_miners::Miners::<Test>::get(11).unwrap();
        assert_eq!((m11.reputation.late, m11.stake), (1, 2_700));
    });
}

#[test]
fn expiry_before_the_run_window_ends_releases_the_miner_without_slash() {
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        let id = submit(1, 500);
        run_to_block(2);
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(10), id));
        // A running job reaching its end in the block it was accepted (as a job assigned
        // before this rule existed could): the miner did not have its run window.
        Jobs::expire(id, 2);
        assert_eq!(status(id), JobStatus::Expired);
        let m = pallet_aitbc_miners::Miners::<Test>::get(10).unwrap();
        assert_eq!((m.reputation.late, m.stake, m.active_jobs), (0, 2_000, 0));
        assert_eq!(pallet_aitbc_miners::TotalSlashed::<Test>::get(), 0);
    });
}

// ---- Issue 11, economics: free work (item 2) -----------------------------------------------

#[test]
fn cancel_after_accept_pays_the_miner_for_the_time_given() {
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        // TTL 21 from block 1: expires at 22; accepted at 2, so the run window is 20 blocks.
        let id = crate::NextJobId::<Test>::get();
        assert_ok!(Jobs::submit(
            RuntimeOrigin::signed(1),
            JobType::Inference,
            llama(),
            prompt("x"),
            1_000,
            21,
            est(1)
        ));
        run_to_block(2);
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(10), id));
        let miner_before = Balances::balance(&10);
        let issuance = Balances::total_issuance();
        // Five of twenty blocks: a quarter of the budget.
        run_to_block(7);
        assert_eq!(Jobs::cancellation_pay(&Jobs::job(id).unwrap()), 250);
        assert_ok!(Jobs::cancel(RuntimeOrigin::signed(1), id));
        System::assert_has_event(
            Event::MinerPaid {
                job_id: id,
                miner: 10,
                amount: 250,
            }
            .into(),
        );
        System::assert_has_event(
            Event::EscrowRefunded {
                job_id: id,
                owner: 1,
                amount: 750,
            }
            .into(),
        );
        System::assert_last_event(Event::JobCancelled { job_id: id }.into());
        assert_eq!(Balances::balance(&10), miner_before + 250);
        assert_eq!((escrow(1), Balances::balance(&1)), (0, 1_000_000 - 250));
        assert_eq!(Balances::total_issuance(), issuance);
        let job = Jobs::job(id).unwrap();
        assert_eq!(
            (job.status, job.escrowed, job.receipt),
            (JobStatus::Cancelled, 0, None)
        );
        let m = pallet_aitbc_miners::Miners::<Test>::get(10).unwrap();
        assert_eq!((m.active_jobs, m.reputation.late), (0, 0));
    });
}

#[test]
fn cancel_front_running_a_result_still_pays_the_minimum() {
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        let id = submit(1, 500);
        run_to_block(2);
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(10), id));
        run_to_block(3);
        // The owner's (tipped) cancel lands before the miner's result in the same block.
        let miner_before = Balances::balance(&10);
        let pay = Jobs::cancellation_pay(&Jobs::job(id).unwrap());
        // One block of the 19-block run window: 500 / 19 = 26 (rounded down), above the
        // minimum payment of 10.
        assert_eq!(pay, 26);
        assert_ok!(Jobs::cancel(RuntimeOrigin::signed(1), id));
        assert_noop!(result(10, id, 1_000), Error::<Test>::JobNotRunning);
        assert_eq!(Balances::balance(&10), miner_before + 26);
        assert_eq!(Balances::balance(&1), 1_000_000 - 26);
        // In the block it was accepted: the minimum payment.
        let id = submit(2, 500);
        run_to_block(4);
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(10), id));
        assert_ok!(Jobs::cancel(RuntimeOrigin::signed(2), id));
        assert_eq!(Balances::balance(&2), 1_000_000 - 10);
    });
}

#[test]
fn cancel_before_accept_refunds_in_full() {
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        let id = submit(1, 500);
        run_to_block(2);
        assert_eq!(status(id), JobStatus::Assigned);
        let miner_before = Balances::balance(&10);
        assert_ok!(Jobs::cancel(RuntimeOrigin::signed(1), id));
        assert_eq!(Balances::balance(&10), miner_before);
        assert_eq!((escrow(1), Balances::balance(&1)), (0, 1_000_000));
        let m = pallet_aitbc_miners::Miners::<Test>::get(10).unwrap();
        assert_eq!((m.active_jobs, m.reputation.late, m.stake), (0, 0, 2_000));
    });
}

// ---- Issue 11, economics: unbounded minting (item 3) ---------------------------------------

#[test]
fn protocol_fee_is_burned_from_the_payment_and_recorded_on_the_receipt() {
    new_test_ext().execute_with(|| {
        assert_noop!(
            Jobs::set_protocol_fee(
                RuntimeOrigin::signed(1),
                sp_runtime::Perbill::from_percent(10)
            ),
            DispatchError::BadOrigin
        );
        assert_ok!(Jobs::set_protocol_fee(
            RuntimeOrigin::root(),
            sp_runtime::Perbill::from_percent(10)
        ));
        System::assert_last_event(
            Event::ProtocolFeeChanged {
                fee: sp_runtime::Perbill::from_percent(10),
            }
            .into(),
        );
        register_miner(10, 50, 2_000);
        let id = submit(1, 500);
        run_to_block(2);
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(10), id));
        let miner_before = Balances::balance(&10);
        let issuance = Balances::total_issuance();
        // 3 s -> 3 GPU-seconds x 50 = 150, of which 15 burned.
        assert_ok!(result(10, id, 3_000));
        assert_eq!(Balances::balance(&10), miner_before + 135);
        assert_eq!((escrow(1), Balances::balance(&1)), (0, 1_000_000 - 150));
        assert_eq!(Balances::total_issuance(), issuance - 15);
        assert_eq!(crate::TotalFeesBurned::<Test>::get(), 15);
        System::assert_has_event(
            Event::ProtocolFeeBurned {
                job_id: id,
                amount: 15,
            }
            .into(),
        );
        let receipt = Receipts::receipt(0).unwrap();
        assert_eq!((receipt.price, receipt.fee), (150, 15));
        // The era's only receipt: its share (the whole 50) is capped at its fee.
        run_to_block(10);
        assert_ok!(Receipts::claim_reward(RuntimeOrigin::signed(3), 0));
        assert_eq!(Balances::balance(&10), miner_before + 135 + 15);
        // Self-dealing (1 paying its own miner 10) gained nothing overall.
        assert_eq!(Balances::total_issuance(), issuance);
    });
}

// ---- Issue 11, economics: cheap state (item 5b) --------------------------------------------

#[test]
fn one_client_cannot_fill_the_queue() {
    new_test_ext().execute_with(|| {
        // The attack: one account queued jobs until the queue (8) was full for everyone.
        MaxOpenJobs::set(4);
        let ids: Vec<u64> = (0..4).map(|_| submit(1, 100)).collect();
        assert_eq!(crate::OpenJobs::<Test>::get(1), 4);
        assert_noop!(
            Jobs::submit(
                RuntimeOrigin::signed(1),
                JobType::Inference,
                llama(),
                prompt("x"),
                100,
                20,
                est(1)
            ),
            Error::<Test>::TooManyOpenJobs
        );
        // Other clients still get in.
        submit(2, 100);
        // An ended job frees its slot.
        assert_ok!(Jobs::cancel(RuntimeOrigin::signed(1), ids[0]));
        assert_eq!(crate::OpenJobs::<Test>::get(1), 3);
        submit(1, 100);
        assert_eq!(crate::OpenJobs::<Test>::get(1), 4);
        // Past every TTL: nothing open, the counters are gone.
        run_to_block(40);
        assert!(!crate::OpenJobs::<Test>::contains_key(1));
        assert!(!crate::OpenJobs::<Test>::contains_key(2));
    });
}

#[test]
fn job_for_a_model_no_miner_serves_leaves_the_queue_refunded() {
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        let nobody = crate::NextJobId::<Test>::get();
        assert_ok!(Jobs::submit(
            RuntimeOrigin::signed(1),
            JobType::Inference,
            b"no-such-model".to_vec().try_into().unwrap(),
            prompt("x"),
            300,
            20,
            est(1)
        ));
        let served = submit(2, 300);
        assert_eq!(Queue::<Test>::get().to_vec(), vec![nobody, served]);
        run_to_block(2);
        // It waits one acknowledgement window for a miner of its model to register...
        assert_eq!(status(nobody), JobStatus::Queued);
        assert_eq!(status(served), JobStatus::Assigned);
        let window: u64 =
            <<Test as crate::Config>::AckTimeout as frame_support::traits::Get<u64>>::get();
        run_to_block(window);
        assert_eq!(status(nobody), JobStatus::Queued);
        // ...and then no longer holds a queue slot until its TTL: failed, refunded in full.
        run_to_block(1 + window);
        assert_eq!(status(nobody), JobStatus::Failed);
        System::assert_has_event(
            Event::JobFailed {
                job_id: nobody,
                cause: FailureCause::NoMinerServesModel,
            }
            .into(),
        );
        assert_eq!((escrow(1), Balances::balance(&1)), (0, 1_000_000));
        assert!(Queue::<Test>::get().is_empty());
        assert_eq!(crate::OpenJobs::<Test>::get(1), 0);
    });
}

// ---- Issue 11, economics: cheap state (item 5d) --------------------------------------------

fn deposit_held(who: AccountId) -> Balance {
    Balances::balance_on_hold(&RuntimeHoldReason::Jobs(HoldReason::StorageDeposit), &who)
}

#[test]
fn ended_jobs_are_pruned_after_retention_and_their_deposits_return() {
    use codec::Encode;
    new_test_ext().execute_with(|| {
        DepositPerByte::set(2);
        Retention::set(10);
        register_miner(10, 5, 2_000);
        let miner_free = Balances::balance(&10);
        let id = submit(1, 500);
        // Two per byte of the job as submitted (its prompt included).
        let job_deposit = crate::Deposits::<Test>::get(id).unwrap().job;
        assert!(job_deposit >= 2 * Jobs::job(id).unwrap().input.encoded_size() as u128);
        assert_eq!(job_deposit % 2, 0);
        assert_eq!(deposit_held(1), job_deposit);
        assert_eq!(Balances::balance(&1), 1_000_000 - 500 - job_deposit);
        run_to_block(2);
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(10), id));
        assert_ok!(result(10, id, 3_000));
        let result_deposit = 2 * Jobs::job_result(id).unwrap().encoded_size() as u128;
        assert_eq!(deposit_held(10), result_deposit);
        assert_eq!(
            crate::Deposits::<Test>::get(id),
            Some(crate::JobDeposits {
                job: job_deposit,
                result: Some((10, result_deposit)),
            })
        );
        // Still there (and queryable) during the retention period.
        run_to_block(11);
        assert!(Jobs::job(id).is_some());
        // Ended at block 2: pruned at 12, deposits back, the receipt stays.
        run_to_block(12);
        assert!(Jobs::job(id).is_none());
        assert!(Jobs::job_result(id).is_none());
        assert!(Jobs::jobs_by_owner(&1, 0, 10).is_empty());
        assert!(Jobs::jobs_by_miner(&10, 0, 10).is_empty());
        assert!(Jobs::jobs_by_status(JobStatus::Completed, 0, 10).is_empty());
        assert!(crate::Deposits::<Test>::get(id).is_none());
        System::assert_has_event(Event::JobPruned { job_id: id }.into());
        System::assert_has_event(
            Event::DepositsReleased {
                job_id: id,
                amount: job_deposit + result_deposit,
            }
            .into(),
        );
        assert_eq!((deposit_held(1), deposit_held(10)), (0, 0));
        assert_eq!(Balances::balance(&1), 1_000_000 - 15);
        assert_eq!(Balances::balance(&10), miner_free + 15);
        assert_eq!(Receipts::receipts_by_job(id).len(), 1);
    });
}

#[test]
fn a_job_without_room_for_its_deposit_is_refused() {
    new_test_ext().execute_with(|| {
        DepositPerByte::set(1_000_000);
        assert_noop!(
            Jobs::submit(
                RuntimeOrigin::signed(1),
                JobType::Inference,
                llama(),
                prompt("x"),
                0,
                20,
                est(1)
            ),
            Error::<Test>::InsufficientBalance
        );
    });
}

// ---- issue 12: job types, generation options, provider, signed receipts, result hash ----

fn submit_opts(
    who: AccountId,
    options: aitbc_primitives::GenerationOptions,
    provider: Option<AccountId>,
) -> Result<u64, sp_runtime::DispatchError> {
    let id = crate::NextJobId::<Test>::get();
    Jobs::submit_with_options(
        RuntimeOrigin::signed(who),
        JobType::Inference,
        llama(),
        prompt("hi"),
        500,
        50,
        est(10),
        options,
        provider,
    )
    .map(|_| id)
}

fn system(text: &str) -> Option<aitbc_primitives::SystemPrompt> {
    Some(text.as_bytes().to_vec().try_into().unwrap())
}

#[test]
fn accepted_job_types_are_the_runtimes_list() {
    new_test_ext().execute_with(|| {
        // The mock accepts inference and embedding; training is refused.
        assert_ok!(Jobs::submit(
            RuntimeOrigin::signed(1),
            JobType::Embedding,
            llama(),
            prompt("hi"),
            0,
            50,
            Requirements::default()
        ));
        assert_noop!(
            Jobs::submit(
                RuntimeOrigin::signed(1),
                JobType::Training,
                llama(),
                prompt("hi"),
                0,
                50,
                Requirements::default()
            ),
            Error::<Test>::UnsupportedJobType
        );
    });
}

#[test]
fn generation_options_are_stored_within_bounds() {
    use aitbc_primitives::GenerationOptions as O;
    new_test_ext().execute_with(|| {
        let good = O {
            temperature_milli: Some(700),
            top_p_milli: Some(900),
            max_tokens: Some(64),
            seed: Some(42),
            system: system("Be brief."),
        };
        let id = submit_opts(1, good.clone(), None).unwrap();
        assert_eq!(Jobs::job(id).unwrap().options, good);
        // Bounds, each with its own error, nothing stored.
        for (bad, err) in [
            (
                O {
                    temperature_milli: Some(2_001),
                    ..Default::default()
                },
                Error::<Test>::TemperatureOutOfRange,
            ),
            (
                O {
                    top_p_milli: Some(0),
                    ..Default::default()
                },
                Error::<Test>::TopPOutOfRange,
            ),
            (
                O {
                    top_p_milli: Some(1_001),
                    ..Default::default()
                },
                Error::<Test>::TopPOutOfRange,
            ),
            (
                O {
                    max_tokens: Some(0),
                    ..Default::default()
                },
                Error::<Test>::MaxTokensOutOfRange,
            ),
            (
                O {
                    max_tokens: Some(aitbc_primitives::MAX_GENERATED_TOKENS + 1),
                    ..Default::default()
                },
                Error::<Test>::MaxTokensOutOfRange,
            ),
            (
                O {
                    system: system(""),
                    ..Default::default()
                },
                Error::<Test>::EmptySystemPrompt,
            ),
            (
                O {
                    system: Some(vec![0xff, 0xfe].try_into().unwrap()),
                    ..Default::default()
                },
                Error::<Test>::SystemPromptNotUtf8,
            ),
            (
                O {
                    system: system(&"é".repeat(1_001)),
                    ..Default::default()
                },
                Error::<Test>::SystemPromptTooLong,
            ),
        ] {
            assert_noop!(submit_opts(1, bad, None), err);
        }
        // The edges are accepted: temperature 0 and 2, top_p 1, 1000 characters.
        assert_ok!(submit_opts(
            1,
            O {
                temperature_milli: Some(0),
                top_p_milli: Some(1_000),
                system: system(&"é".repeat(1_000)),
                ..Default::default()
            },
            None
        ));
        assert_ok!(submit_opts(
            1,
            O {
                temperature_milli: Some(2_000),
                max_tokens: Some(aitbc_primitives::MAX_GENERATED_TOKENS),
                ..Default::default()
            },
            None
        ));
        // `submit` stores none.
        let plain = submit(1, 500);
        assert!(Jobs::job(plain).unwrap().options.is_empty());
    });
}

#[test]
fn result_hash_is_recomputed_and_the_receipt_signature_checked() {
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        let id = submit(1, 500);
        run_to_block(2);
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(10), id));
        let out = || b"Paris".to_vec().try_into().unwrap();
        // A hash that is not the output's.
        assert_noop!(
            Jobs::submit_result(
                RuntimeOrigin::signed(10),
                id,
                out(),
                H256::repeat_byte(7),
                metrics(1_234),
                sign_receipt(10, id, b"Paris", &metrics(1_234)),
            ),
            Error::<Test>::ResultHashMismatch
        );
        // A signature over other units, by another account, or none.
        for signature in [
            sign_receipt(10, id, b"Paris", &metrics(9_999)),
            sign_receipt(11, id, b"Paris", &metrics(1_234)),
            sp_core::H512::zero(),
        ] {
            assert_noop!(
                Jobs::submit_result(
                    RuntimeOrigin::signed(10),
                    id,
                    out(),
                    paris_hash(),
                    metrics(1_234),
                    signature,
                ),
                Error::<Test>::BadReceiptSignature
            );
        }
        // The honest one: units to the millisecond, 1.234 GPU-s x 5 = 6.17, rounded up to 7.
        assert_ok!(result(10, id, 1_234));
        let receipt = Receipts::receipt(0).unwrap();
        assert_eq!((receipt.units_milli, receipt.price), (1_234, 10));
        assert_eq!(receipt.result_hash, paris_hash());
        assert_eq!(Jobs::job_result(id).unwrap().hash, paris_hash());
    });
}

#[test]
fn price_is_billed_to_the_millisecond() {
    new_test_ext().execute_with(|| {
        register_miner(10, 1_000, 2_000);
        let id = submit(1, 500_000);
        run_to_block(2);
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(10), id));
        // 1.2345 s would be 1,234.5 base units: 1,235 (rounded up, never down).
        assert_ok!(result(10, id, 1_235));
        let receipt = Receipts::receipt(0).unwrap();
        assert_eq!((receipt.units_milli, receipt.price), (1_235, 1_235));
    });
}

#[test]
fn a_provider_is_checked_at_submission_and_assigned_alone() {
    new_test_ext().execute_with(|| {
        // 11 ranks first (more stake); the client asks for 10.
        register_miner(10, 1, 2_000);
        register_miner(11, 1, 9_000);
        assert_noop!(
            submit_opts(1, Default::default(), Some(12)),
            Error::<Test>::ProviderNotRegistered
        );
        let id = submit_opts(1, Default::default(), Some(10)).unwrap();
        assert_eq!(Jobs::job(id).unwrap().provider, Some(10));
        let other = submit(1, 500);
        run_to_block(2);
        assert_eq!(Jobs::job(id).unwrap().miner, Some(10));
        assert_eq!(Jobs::job(other).unwrap().miner, Some(11));
        // A provider asking more than the job's budget allows is refused.
        register_miner(12, 1_000, 2_000);
        assert_noop!(
            Jobs::submit_with_options(
                RuntimeOrigin::signed(1),
                JobType::Inference,
                llama(),
                prompt("hi"),
                500,
                50,
                est(10),
                Default::default(),
                Some(12),
            ),
            Error::<Test>::ProviderPriceAboveBudget
        );
        // One that does not serve the model is refused.
        assert_noop!(
            Jobs::submit_with_options(
                RuntimeOrigin::signed(1),
                JobType::Inference,
                b"mistral".to_vec().try_into().unwrap(),
                prompt("hi"),
                500,
                50,
                est(10),
                Default::default(),
                Some(10),
            ),
            Error::<Test>::ProviderDoesNotServeModel
        );
    });
}

#[test]
fn a_job_waits_for_its_busy_provider_and_fails_when_it_leaves() {
    new_test_ext().execute_with(|| {
        register_miner(10, 1, 2_000);
        register_miner(11, 1, 2_000);
        // 10 is busy (MaxConcurrentJobs = 3 in the mock): the job waits for it, 11 idle.
        let busy: Vec<u64> = (0..3)
            .map(|_| submit_opts(1, Default::default(), Some(10)).unwrap())
            .collect();
        run_to_block(3);
        let waiting = submit_opts(2, Default::default(), Some(10)).unwrap();
        run_to_block(4);
        assert_eq!(status(waiting), JobStatus::Queued);
        assert!(Queue::<Test>::get().contains(&waiting));
        for id in busy {
            assert_ok!(Jobs::cancel(RuntimeOrigin::signed(1), id));
        }
        // 10 deregisters: the job can never be assigned to it. It fails, refunded, saying why.
        assert_ok!(pallet_aitbc_miners::Pallet::<Test>::deregister(
            RuntimeOrigin::signed(10)
        ));
        run_to_block(5);
        assert_eq!(status(waiting), JobStatus::Failed);
        assert_eq!(escrow(2), 0);
        System::assert_has_event(
            Event::ProviderIneligible {
                job_id: waiting,
                provider: 10,
                reason: aitbc_primitives::Ineligibility::Unbonding,
            }
            .into(),
        );
        System::assert_has_event(
            Event::JobFailed {
                job_id: waiting,
                cause: FailureCause::ProviderIneligible(aitbc_primitives::Ineligibility::Unbonding),
            }
            .into(),
        );
    });
}

#[test]
fn a_provider_that_misses_its_deadline_fails_the_job() {
    new_test_ext().execute_with(|| {
        register_miner(10, 1, 2_000);
        register_miner(11, 1, 2_000);
        let id = submit_opts(1, Default::default(), Some(10)).unwrap();
        run_to_block(2);
        assert_eq!(status(id), JobStatus::Assigned);
        // AckTimeout 3: 10 never accepts; the job is not handed to 11 but fails, refunded.
        run_to_block(8);
        assert_eq!(status(id), JobStatus::Failed);
        assert_eq!(escrow(1), 0);
        System::assert_has_event(
            Event::JobFailed {
                job_id: id,
                cause: FailureCause::ProviderIneligible(
                    aitbc_primitives::Ineligibility::MissedDeadline,
                ),
            }
            .into(),
        );
    });
}

#[test]
fn migration_v1_gives_old_jobs_no_options_and_no_provider() {
    use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
    new_test_ext().execute_with(|| {
        let id = submit(1, 500);
        let job = Jobs::job(id).unwrap();
        let old = crate::migrations::v1::JobV0::<AccountId, Balance, u64> {
            id: job.id,
            owner: job.owner,
            job_type: job.job_type,
            model: job.model.clone(),
            input: job.input.clone(),
            requirements: job.requirements.clone(),
            budget: job.budget,
            escrowed: job.escrowed,
            ttl: job.ttl,
            expires_at: job.expires_at,
            status: job.status,
            status_since: job.status_since,
            timeline: job.timeline.clone(),
            miner: job.miner,
            unit_price: job.unit_price,
            ack_deadline: job.ack_deadline,
            excluded: job.excluded.clone(),
            result_hash: job.result_hash,
            metrics: job.metrics,
            receipt: job.receipt,
        };
        frame_support::storage::unhashed::put(&crate::Jobs::<Test>::hashed_key_for(id), &old);
        StorageVersion::new(0).put::<Jobs>();
        crate::migrations::v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
        assert_eq!(Jobs::job(id).unwrap(), job);
        assert_eq!(Jobs::on_chain_storage_version(), StorageVersion::new(1));
    });
}

/// Block of the mock (two seconds a block) that starts `hour`.
fn block_of_hour(hour: u64) -> u64 {
    hour * 1_800
}

#[test]
fn activity_counts_submissions_completions_tokens_and_miners_per_hour() {
    use aitbc_primitives::ActivityBucket;
    new_test_ext().execute_with(|| {
        register_miner(10, 5, 2_000);
        // Hour 0: two jobs submitted and completed by one miner, one more submitted.
        let a = submit(1, 500);
        let b = submit(2, 500);
        run_to_block(2);
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(10), a));
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(10), b));
        assert_ok!(result(10, a, 3_000));
        assert_ok!(result(10, b, 1_000));
        submit(3, 500);
        assert_eq!(
            Jobs::activity(0),
            vec![ActivityBucket {
                hour: 0,
                submitted: 3,
                completed: 2,
                tokens: 32,
                gpu_ms: 4_000,
                active_miners: 1,
            }]
        );
        // Hour 1: the same miner is counted again, once.
        System::set_block_number(block_of_hour(1));
        assert_ok!(pallet_aitbc_miners::Pallet::<Test>::heartbeat(
            RuntimeOrigin::signed(10)
        ));
        let c = submit(4, 500);
        run_to_block(block_of_hour(1) + 1);
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(10), c));
        assert_ok!(result(10, c, 500));
        let buckets = Jobs::activity(0);
        assert_eq!(buckets.len(), 2);
        assert_eq!(
            buckets[1],
            ActivityBucket {
                hour: 1,
                submitted: 1,
                completed: 1,
                tokens: 16,
                gpu_ms: 500,
                active_miners: 1,
            }
        );
        // `since` leaves older hours out.
        assert_eq!(Jobs::activity(1), vec![buckets[1]]);
        // Failed and cancelled jobs are not completions.
        let d = submit(5, 500);
        assert_ok!(Jobs::cancel(RuntimeOrigin::signed(5), d));
        assert_eq!(Jobs::activity(1)[0].completed, 1);
        assert_eq!(Jobs::activity(1)[0].submitted, 2);
    });
}

#[test]
fn activity_survives_pruning_and_keeps_the_last_28_days() {
    use aitbc_primitives::{ActivityBucket, ACTIVITY_HOURS};
    new_test_ext().execute_with(|| {
        Retention::set(2);
        register_miner(10, 5, 2_000);
        let id = submit(1, 500);
        run_to_block(2);
        assert_ok!(Jobs::accept(RuntimeOrigin::signed(10), id));
        assert_ok!(result(10, id, 3_000));
        run_to_block(10);
        assert!(Jobs::job(id).is_none(), "pruned");
        assert_eq!(Jobs::activity(0)[0].completed, 1);

        // 700 hours of history (as a genesis would bring): only the last 672 are kept.
        let history: Vec<ActivityBucket> = (0..700)
            .map(|hour| ActivityBucket {
                hour,
                submitted: hour,
                ..Default::default()
            })
            .collect();
        Jobs::import_activity(&history);
        assert_eq!(
            crate::Activity::<Test>::iter().count(),
            ACTIVITY_HOURS as usize
        );
        System::set_block_number(block_of_hour(699));
        let kept = Jobs::activity(0);
        assert_eq!(kept.len(), ACTIVITY_HOURS as usize);
        assert_eq!(
            (kept[0].hour, kept[671].hour, kept[671].submitted),
            (28, 699, 699)
        );
        assert_eq!(Jobs::activity(690).len(), 10);
        // A new hour takes the oldest slot afresh.
        System::set_block_number(block_of_hour(700));
        submit(2, 500);
        let kept = Jobs::activity(0);
        assert_eq!(kept.len(), ACTIVITY_HOURS as usize);
        assert_eq!(
            (kept[0].hour, kept[671].hour, kept[671].submitted),
            (29, 700, 1)
        );
    });
}

#[test]
fn genesis_activity_is_stored() {
    use aitbc_primitives::ActivityBucket;
    use sp_runtime::BuildStorage;
    let bucket = ActivityBucket {
        hour: 0,
        submitted: 7,
        completed: 5,
        tokens: 900,
        gpu_ms: 12_000,
        active_miners: 2,
    };
    let storage = crate::GenesisConfig::<Test> {
        min_payments: vec![],
        activity: vec![bucket],
    }
    .build_storage()
    .unwrap();
    sp_io::TestExternalities::new(storage).execute_with(|| {
        assert_eq!(Jobs::activity(0), vec![bucket]);
    });
}
