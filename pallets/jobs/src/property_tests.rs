//! Property tests over random sequences of market operations by many accounts.
//!
//! After every operation:
//! - total issuance == sum of all accounts' free + held balances, and
//!   == genesis issuance + rewards minted − stake slashed − protocol fees burned;
//! - rewards minted <= protocol fees burned, and <= the sum of the eras' emission budgets;
//! - rewards minted == sum of the rewards recorded as claimed on receipts;
//! - each account's escrow hold == sum of `escrowed` over its open jobs; terminal jobs hold
//!   nothing; each miner's stake hold == its recorded stake;
//! - a job that reached a terminal state never leaves it, and gets exactly one terminal event;
//! - no job pays a miner twice (at most one `MinerPaid` and one receipt per job);
//! - each miner's `active_jobs` == its assigned or running jobs.
//!
//! - each account's storage-deposit hold == what `Deposits` records for it, and no deposit
//!   outlives its (pruned) job.
//!
//! At the end, time runs past every TTL: every job is terminal and nothing is held in escrow.

use crate::{mock::*, Event, HoldReason};
use aitbc_primitives::{JobStatus, JobType, Metrics, RewardStatus};
use frame_support::traits::{fungible::InspectHold, Hooks};
use proptest::prelude::*;
use sp_core::H256;
use std::collections::BTreeMap;

const CLIENTS: u64 = 5;
const MINERS: [u64; 5] = [10, 11, 12, 13, 14];

/// Who sends a job call: the job's own party (owner or assigned miner), or some account.
#[derive(Clone, Debug)]
enum Who {
    Party,
    Account(u64),
}

const OPEN: &[JobStatus] = &[
    JobStatus::Unfunded,
    JobStatus::Queued,
    JobStatus::Assigned,
    JobStatus::Running,
];

/// Index into the open jobs (or all jobs).
fn job_index() -> impl Strategy<Value = u64> {
    0..64u64
}

fn who() -> impl Strategy<Value = Who> {
    prop_oneof![
        3 => Just(Who::Party),
        1 => prop::sample::select(vec![1u64, 2, 3, 4, 5, 10, 11, 12, 13, 14]).prop_map(Who::Account),
    ]
}

/// Resolve a job index to a job id and the sender. The job's own party targets one of the
/// jobs in a status where the call can succeed (so that accept/result/fail/cancel/fund often succeed); any other account
/// targets any job.
fn resolve(job: u64, who: &Who, miner_side: bool, wanted: &[JobStatus]) -> (u64, u64) {
    let next = crate::NextJobId::<Test>::get().max(1);
    let mut open: Vec<u64> = crate::Jobs::<Test>::iter()
        .filter(|(_, j)| wanted.contains(&j.status))
        .map(|(id, _)| id)
        .collect();
    open.sort_unstable();
    let id = match who {
        Who::Party if !open.is_empty() => open[(job % open.len() as u64) as usize],
        _ => job % next,
    };
    let party = crate::Jobs::<Test>::get(id)
        .map(|j| {
            if miner_side {
                j.miner.unwrap_or(10)
            } else {
                j.owner
            }
        })
        .unwrap_or(1);
    match who {
        Who::Party => (id, party),
        Who::Account(a) => (id, *a),
    }
}

#[derive(Clone, Debug)]
enum Op {
    Register {
        miner: usize,
        price: u128,
        stake: u128,
    },
    Heartbeat {
        miner: usize,
    },
    Deregister {
        miner: usize,
    },
    Withdraw {
        miner: usize,
    },
    Submit {
        client: u64,
        budget: u128,
        ttl: u64,
        est: u32,
    },
    Fund {
        client: Who,
        job: u64,
        budget: u128,
    },
    Accept {
        miner: Who,
        job: u64,
    },
    Result {
        miner: Who,
        job: u64,
        ms: u64,
    },
    Fail {
        miner: Who,
        job: u64,
    },
    Cancel {
        client: Who,
        job: u64,
    },
    Claim {
        who: u64,
        receipt: u64,
    },
    SetReward {
        amount: u128,
    },
    SetFee {
        percent: u32,
    },
    Advance {
        blocks: u64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let miner = 0..MINERS.len();
    let client = 1..=CLIENTS;
    prop_oneof![
        1 => (miner.clone(), 1..20u128, 900..4_000u128)
            .prop_map(|(miner, price, stake)| Op::Register { miner, price, stake }),
        1 => miner.clone().prop_map(|miner| Op::Heartbeat { miner }),
        1 => miner.clone().prop_map(|miner| Op::Deregister { miner }),
        1 => miner.clone().prop_map(|miner| Op::Withdraw { miner }),
        6 => (client.clone(), prop_oneof![1 => Just(0u128), 4 => 5..3_000u128], 5..60u64, 0..40u32)
            .prop_map(|(client, budget, ttl, est)| Op::Submit { client, budget, ttl, est }),
        2 => (who(), job_index(), 5..3_000u128)
            .prop_map(|(client, job, budget)| Op::Fund { client, job, budget }),
        4 => (who(), job_index()).prop_map(|(miner, job)| Op::Accept { miner, job }),
        4 => (who(), job_index(), 0..200_000u64)
            .prop_map(|(miner, job, ms)| Op::Result { miner, job, ms }),
        1 => (who(), job_index()).prop_map(|(miner, job)| Op::Fail { miner, job }),
        1 => (who(), job_index()).prop_map(|(client, job)| Op::Cancel { client, job }),
        1 => (0..20u64, 0..8u64).prop_map(|(who, receipt)| Op::Claim { who, receipt }),
        1 => (0..100u128).prop_map(|amount| Op::SetReward { amount }),
        1 => (0..30u32).prop_map(|percent| Op::SetFee { percent }),
        4 => prop_oneof![3 => Just(1u64), 1 => 1..8u64].prop_map(|blocks| Op::Advance { blocks }),
    ]
}

fn apply(op: &Op) {
    let o = RuntimeOrigin::signed;
    // Refusals are expected: calls are transactional, so a refused call changes nothing.
    let _ = match op.clone() {
        Op::Register {
            miner,
            price,
            stake,
        } => {
            let hardware = aitbc_primitives::Hardware {
                gpu_model: b"RTX 4090".to_vec().try_into().unwrap(),
                gpu_count: 1,
                vram_mb: 24_576,
            };
            Miners::register(
                o(MINERS[miner]),
                hardware,
                vec![llama()].try_into().unwrap(),
                price,
                stake,
            )
        }
        Op::Heartbeat { miner } => Miners::heartbeat(o(MINERS[miner])),
        Op::Deregister { miner } => Miners::deregister(o(MINERS[miner])),
        Op::Withdraw { miner } => Miners::withdraw_unbonded(o(MINERS[miner])),
        Op::Submit {
            client,
            budget,
            ttl,
            est: secs,
        } => Jobs::submit(
            o(client),
            JobType::Inference,
            llama(),
            prompt("hello"),
            budget,
            ttl,
            est(secs),
        ),
        Op::Fund {
            client,
            job,
            budget,
        } => {
            let (job, client) = resolve(job, &client, false, &[JobStatus::Unfunded]);
            Jobs::fund(o(client), job, budget)
        }
        Op::Accept { miner, job } => {
            let (job, miner) = resolve(job, &miner, true, &[JobStatus::Assigned]);
            Jobs::accept(o(miner), job)
        }
        Op::Result { miner, job, ms } => {
            let (job, miner) = resolve(job, &miner, true, &[JobStatus::Running]);
            {
                let metrics = Metrics {
                    compute_ms: ms,
                    input_tokens: 1,
                    output_tokens: 1,
                };
                Jobs::submit_result(
                    o(miner),
                    job,
                    b"out".to_vec().try_into().unwrap(),
                    H256(sp_io::hashing::blake2_256(b"out")),
                    metrics,
                    sign_receipt(miner, job, b"out", &metrics),
                )
            }
        }
        Op::Fail { miner, job } => {
            let (job, miner) = resolve(
                job,
                &miner,
                true,
                &[JobStatus::Assigned, JobStatus::Running],
            );
            Jobs::report_failure(o(miner), job, b"oom".to_vec().try_into().unwrap())
        }
        Op::Cancel { client, job } => {
            let (job, client) = resolve(job, &client, false, OPEN);
            Jobs::cancel(o(client), job)
        }
        Op::Claim { who, receipt } => Receipts::claim_reward(o(who), receipt),
        Op::SetReward { amount } => Receipts::set_reward(RuntimeOrigin::root(), amount),
        Op::SetFee { percent } => Jobs::set_protocol_fee(
            RuntimeOrigin::root(),
            sp_runtime::Perbill::from_percent(percent),
        ),
        Op::Advance { blocks } => {
            run_to_block(System::block_number() + blocks);
            Ok(())
        }
    };
}

/// What the checker remembers between operations.
#[derive(Default)]
struct Ledger {
    genesis_issuance: u128,
    terminal: BTreeMap<u64, JobStatus>,
    terminal_events: BTreeMap<u64, u32>,
    miner_paid: BTreeMap<u64, u32>,
}

impl Ledger {
    fn absorb_events(&mut self) {
        for record in System::events() {
            if let RuntimeEvent::Jobs(e) = record.event {
                match e {
                    Event::JobCompleted { job_id, .. }
                    | Event::JobFailed { job_id, .. }
                    | Event::JobCancelled { job_id }
                    | Event::JobExpired { job_id } => {
                        *self.terminal_events.entry(job_id).or_default() += 1
                    }
                    Event::MinerPaid { job_id, .. } => {
                        *self.miner_paid.entry(job_id).or_default() += 1
                    }
                    _ => {}
                }
            }
        }
        System::reset_events();
    }

    fn check(&mut self) -> Result<(), TestCaseError> {
        self.absorb_events();
        // Money.
        let issuance = Balances::total_issuance();
        let mut sum = 0u128;
        for (_, info) in frame_system::Account::<Test>::iter() {
            sum += info.data.free + info.data.reserved;
        }
        prop_assert_eq!(issuance, sum, "issuance != sum of free + held");
        let minted = pallet_aitbc_receipts::TotalRewardsMinted::<Test>::get();
        let slashed = pallet_aitbc_miners::TotalSlashed::<Test>::get();
        let burned = crate::TotalFeesBurned::<Test>::get();
        prop_assert_eq!(issuance, self.genesis_issuance + minted - slashed - burned);
        // Emission is bounded: never more than the fees burned, nor than the eras' budgets.
        prop_assert!(
            minted <= burned,
            "minted {} > fees burned {}",
            minted,
            burned
        );
        let budgets: u128 = pallet_aitbc_receipts::Eras::<Test>::iter()
            .map(|(_, e)| e.emission)
            .sum();
        prop_assert!(minted <= budgets);
        let claimed: u128 = pallet_aitbc_receipts::Receipts::<Test>::iter()
            .map(|(_, r)| match r.reward {
                RewardStatus::Claimed { amount, .. } => amount,
                RewardStatus::Unclaimed => 0,
            })
            .sum();
        prop_assert_eq!(minted, claimed);

        // Escrow and jobs.
        let mut open_escrow: BTreeMap<u64, u128> = BTreeMap::new();
        let mut active: BTreeMap<u64, u32> = BTreeMap::new();
        for (id, job) in crate::Jobs::<Test>::iter() {
            if job.status.is_terminal() {
                prop_assert_eq!(job.escrowed, 0, "terminal job {} still holds escrow", id);
                let first = *self.terminal.entry(id).or_insert(job.status);
                prop_assert_eq!(first, job.status, "job {} left its terminal state", id);
                prop_assert_eq!(self.terminal_events.get(&id).copied(), Some(1));
            } else {
                prop_assert!(!self.terminal.contains_key(&id), "job {} reopened", id);
                prop_assert_eq!(self.terminal_events.get(&id).copied(), None);
                *open_escrow.entry(job.owner).or_default() += job.escrowed;
                if matches!(job.status, JobStatus::Assigned | JobStatus::Running) {
                    *active.entry(job.miner.unwrap()).or_default() += 1;
                }
            }
            if job.status == JobStatus::Completed {
                prop_assert!(job.receipt.is_some());
                prop_assert_eq!(Receipts::receipts_by_job(id).len(), 1);
            } else {
                prop_assert!(Receipts::receipts_by_job(id).is_empty());
            }
            prop_assert!(
                self.miner_paid.get(&id).copied().unwrap_or(0) <= 1,
                "miner paid twice"
            );
        }
        // Storage deposits: each account holds exactly what `Deposits` records for it.
        let mut deposits: BTreeMap<u64, u128> = BTreeMap::new();
        for (id, d) in crate::Deposits::<Test>::iter() {
            let owner = crate::Jobs::<Test>::get(id).map(|j| j.owner);
            prop_assert!(owner.is_some(), "deposit of pruned job {}", id);
            *deposits.entry(owner.unwrap_or_default()).or_default() += d.job;
            if let Some((miner, amount)) = d.result {
                *deposits.entry(miner).or_default() += amount;
            }
        }
        for who in (1..=CLIENTS).chain(MINERS) {
            let held = Balances::balance_on_hold(
                &RuntimeHoldReason::Jobs(HoldReason::StorageDeposit),
                &who,
            );
            prop_assert_eq!(
                held,
                deposits.get(&who).copied().unwrap_or(0),
                "deposit of {}",
                who
            );
        }
        for who in (1..=CLIENTS).chain(MINERS) {
            let held =
                Balances::balance_on_hold(&RuntimeHoldReason::Jobs(HoldReason::JobEscrow), &who);
            prop_assert_eq!(
                held,
                open_escrow.get(&who).copied().unwrap_or(0),
                "escrow of {}",
                who
            );
            let stake = Balances::balance_on_hold(
                &RuntimeHoldReason::Miners(pallet_aitbc_miners::HoldReason::MinerStake),
                &who,
            );
            let miner = pallet_aitbc_miners::Miners::<Test>::get(who);
            prop_assert_eq!(stake, miner.as_ref().map(|m| m.stake).unwrap_or(0));
            prop_assert_eq!(
                miner.map(|m| m.active_jobs).unwrap_or(0),
                active.get(&who).copied().unwrap_or(0)
            );
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn market_invariants_hold(ops in prop::collection::vec(op(), 1..120)) {
        new_test_ext().execute_with(|| -> Result<(), TestCaseError> {
            // Deposits held and ended jobs pruned within the run.
            DepositPerByte::set(1);
            Retention::set(15);
            let mut ledger = Ledger {
                genesis_issuance: Balances::total_issuance(),
                ..Default::default()
            };
            for op in &ops {
                apply(op);

                ledger.check()?;
            }
            // Past every TTL (MaxTtl + expiry spill): everything is terminal.
            let end = System::block_number() + 100 + 10;
            while System::block_number() < end {
                let next = System::block_number() + 1;
                System::set_block_number(next);
                Jobs::on_initialize(next);
                ledger.check()?;
            }
            for (id, job) in crate::Jobs::<Test>::iter() {
                prop_assert!(job.status.is_terminal(), "job {} not terminal: {:?}", id, job.status);
            }
            prop_assert!(crate::Queue::<Test>::get().is_empty());
            if std::env::var("AITBC_PROP_STATS").is_ok() {
                let mut counts: BTreeMap<String, u32> = BTreeMap::new();
                for (_, job) in crate::Jobs::<Test>::iter() {
                    *counts.entry(format!("{:?}", job.status)).or_default() += 1;
                }
                let claimed = pallet_aitbc_receipts::TotalRewardsMinted::<Test>::get();
                let slashed = pallet_aitbc_miners::TotalSlashed::<Test>::get();
                eprintln!("{counts:?} minted={claimed} slashed={slashed}");
            }
            Ok(())
        })?;
    }
}

/// A client's move in [`honest_miner_is_never_slashed`].
#[derive(Clone, Debug)]
enum ClientMove {
    Submit { client: u64, ttl: u64, budget: u128 },
    Cancel { job: u64 },
}

fn client_move() -> impl Strategy<Value = ClientMove> {
    prop_oneof![
        4 => (1..=CLIENTS, 1..30u64, 10..2_000u128)
            .prop_map(|(client, ttl, budget)| ClientMove::Submit { client, ttl, budget }),
        1 => job_index().prop_map(|job| ClientMove::Cancel { job }),
    ]
}

/// The block in `[n, last]` at which an honest miner acts, drawn from `seed`.
fn within(seed: u64, n: u64, last: u64) -> u64 {
    n + seed % (last.saturating_sub(n) + 1)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Issue 11 (free slashing): whatever clients do (any TTL, submissions assigned in the
    /// same block or the next, cancellations at any time), a miner that accepts anywhere in
    /// its acknowledgement window and delivers anywhere in its run window is never slashed
    /// nor noted late: no slash unless the miner had its full window.
    #[test]
    fn honest_miner_is_never_slashed(
        blocks in prop::collection::vec(
            (prop::collection::vec(client_move(), 0..3), any::<bool>(), any::<u64>()),
            1..40,
        )
    ) {
        use frame_support::{traits::Get, weights::Weight};
        new_test_ext().execute_with(|| -> Result<(), TestCaseError> {
            let o = RuntimeOrigin::signed;
            register_miner(10, 1, 2_000);
            register_miner(11, 1, 3_000);
            let run_window: u64 = <Test as crate::Config>::MinRunWindow::get();
            let min_ttl = Jobs::min_ttl();
            // When each (job, assignment or acceptance block) is acted on.
            let mut plan: BTreeMap<(u64, u64), u64> = BTreeMap::new();
            // Past every TTL at the end (MaxTtl + expiry spill).
            let drain = std::iter::repeat_n((Vec::new(), false, 7u64), 110);
            for (moves, idle, seed) in blocks.into_iter().chain(drain) {
                let n = System::block_number();
                for m in MINERS[..2].iter() {
                    let _ = Miners::heartbeat(o(*m));
                }
                for mv in moves {
                    match mv {
                        ClientMove::Submit { client, ttl, budget } => {
                            let r = Jobs::submit(
                                o(client), JobType::Inference, llama(), prompt("hi"), budget,
                                ttl, est(1),
                            );
                            if ttl < min_ttl {
                                prop_assert!(r.is_err(), "ttl {} < {} accepted", ttl, min_ttl);
                            }
                        }
                        ClientMove::Cancel { job } => {
                            let (job, owner) = resolve(job, &Who::Party, false, OPEN);
                            let _ = Jobs::cancel(o(owner), job);
                        }
                    }
                }
                if idle {
                    Jobs::on_idle(n, Weight::MAX);
                }
                let jobs: Vec<_> = crate::Jobs::<Test>::iter().collect();
                for (id, job) in jobs {
                    let Some(miner) = job.miner else { continue };
                    let seed = seed.wrapping_mul(id + 1).rotate_left(id as u32);
                    match job.status {
                        JobStatus::Assigned => {
                            // Accept at some block before the deadline (the deadline block's
                            // `on_initialize` comes first).
                            let deadline = job.ack_deadline.unwrap();
                            let at = *plan
                                .entry((id, job.status_since))
                                .or_insert_with(|| within(seed, n, deadline - 1));
                            if at <= n {
                                prop_assert_eq!(Jobs::accept(o(miner), id), Ok(()));
                            }
                        }
                        JobStatus::Running => {
                            let since = job.timeline.running.unwrap();
                            let at = *plan
                                .entry((id, since + 1_000_000))
                                .or_insert_with(|| within(seed, n, since + run_window));
                            if at <= n {
                                prop_assert_eq!(
                                    Jobs::submit_result(
                                        o(miner),
                                        id,
                                        b"out".to_vec().try_into().unwrap(),
                                        H256(sp_io::hashing::blake2_256(b"out")),
                                        Metrics { compute_ms: 500, input_tokens: 1, output_tokens: 1 },
                                        sign_receipt(
                                            miner,
                                            id,
                                            b"out",
                                            &Metrics { compute_ms: 500, input_tokens: 1, output_tokens: 1 },
                                        ),
                                    ),
                                    Ok(())
                                );
                            }
                        }
                        _ => {}
                    }
                }
                prop_assert_eq!(pallet_aitbc_miners::TotalSlashed::<Test>::get(), 0);
                for m in MINERS[..2].iter() {
                    let rec = pallet_aitbc_miners::Miners::<Test>::get(m).unwrap();
                    prop_assert_eq!(rec.reputation.late, 0, "miner {} noted late", m);
                }
                run_to_block(n + 1);
            }
            for (id, job) in crate::Jobs::<Test>::iter() {
                prop_assert!(job.status.is_terminal(), "job {} not terminal", id);
            }
            Ok(())
        })?;
    }
}
