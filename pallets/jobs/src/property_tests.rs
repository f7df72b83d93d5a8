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
//! - redundant jobs: every bond hold == the bonds the rounds record; bonds burned are counted in
//!   the issuance; a miner's `active_jobs` counts its open parts in rounds and its referee
//!   duties; no miner is paid twice for one job.
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
    Declare {
        miner: usize,
    },
    SubmitRedundant {
        client: u64,
        k: u8,
        budget: u128,
        ttl: u64,
        shared: bool,
    },
    Commit {
        miner: Who,
        job: u64,
        output: u8,
    },
    Reveal {
        miner: Who,
        job: u64,
        honest: bool,
    },
    Referee {
        job: u64,
        verdict: u8,
    },
}

/// The outputs a participant may commit to.
const OUTPUTS: [&[u8]; 3] = [b"out", b"alt", b"odd"];

std::thread_local! {
    /// What each (job, miner) committed to, so that an honest reveal matches it.
    static COMMITTED: std::cell::RefCell<BTreeMap<(u64, u64), u8>> =
        const { std::cell::RefCell::new(BTreeMap::new()) };
}

/// A participant of a round to act for: the party (an active participant, chosen by `job`)
/// or any account.
fn resolve_participant(
    job: u64,
    who: &Who,
    wanted: aitbc_primitives::ParticipantState,
) -> Option<(u64, u64)> {
    let mut rounds: Vec<(u64, Vec<u64>)> = crate::Rounds::<Test>::iter()
        .map(|(id, r)| {
            let active = r
                .participants
                .iter()
                .filter(|p| p.state == wanted)
                .map(|p| p.miner)
                .collect();
            (id, active)
        })
        .filter(|(_, a): &(u64, Vec<u64>)| !a.is_empty())
        .collect();
    rounds.sort_unstable();
    let (id, active) = rounds
        .get((job % rounds.len().max(1) as u64) as usize)?
        .clone();
    let miner = match who {
        Who::Party => active[(job / 7 % active.len() as u64) as usize],
        Who::Account(a) => *a,
    };
    Some((id, miner))
}

fn salt_of(miner: u64) -> H256 {
    H256::repeat_byte(miner as u8)
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
        1 => miner.clone().prop_map(|miner| Op::Declare { miner }),
        3 => (client.clone(), 2..=4u8, 20..3_000u128, 10..60u64, any::<bool>())
            .prop_map(|(client, k, budget, ttl, shared)| Op::SubmitRedundant { client, k, budget, ttl, shared }),
        10 => (who(), job_index(), prop_oneof![4 => Just(0u8), 1 => 1..3u8])
            .prop_map(|(miner, job, output)| Op::Commit { miner, job, output }),
        10 => (who(), job_index(), prop_oneof![5 => Just(true), 1 => Just(false)])
            .prop_map(|(miner, job, honest)| Op::Reveal { miner, job, honest }),
        4 => (job_index(), 0..4u8).prop_map(|(job, verdict)| Op::Referee { job, verdict }),
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
        Op::Declare { miner } => {
            declare_profile(MINERS[miner], llama_profile());
            Ok(())
        }
        Op::SubmitRedundant {
            client,
            k,
            budget,
            ttl,
            shared,
        } => Jobs::submit_redundant(
            o(client),
            JobType::Inference,
            llama(),
            prompt("hello"),
            budget,
            ttl,
            est(1),
            Default::default(),
            aitbc_primitives::Redundancy {
                k,
                quorum: 0,
                payout: if shared {
                    aitbc_primitives::Payout::Shared
                } else {
                    aitbc_primitives::Payout::Each
                },
                profile: llama_profile(),
            },
        ),
        Op::Commit { miner, job, output } => {
            match resolve_participant(job, &miner, aitbc_primitives::ParticipantState::Assigned) {
                Some((job, miner)) => {
                    let out = OUTPUTS[output as usize];
                    let hash = H256(sp_io::hashing::blake2_256(out));
                    let r = Jobs::commit_result(
                        o(miner),
                        job,
                        aitbc_primitives::commitment(&hash, &miner, &salt_of(miner)),
                    );
                    if r.is_ok() {
                        COMMITTED.with(|c| c.borrow_mut().insert((job, miner), output));
                    }
                    r
                }
                None => Ok(()),
            }
        }
        Op::Reveal { miner, job, honest } => {
            match resolve_participant(job, &miner, aitbc_primitives::ParticipantState::Committed) {
                Some((job, miner)) => {
                    let committed = COMMITTED.with(|c| c.borrow().get(&(job, miner)).copied());
                    let out = match (committed, honest) {
                        (Some(i), true) => OUTPUTS[i as usize],
                        _ => b"forged",
                    };
                    let metrics = Metrics {
                        compute_ms: 700,
                        input_tokens: 1,
                        output_tokens: 1,
                    };
                    let price = crate::Rounds::<Test>::get(job)
                        .and_then(|r| {
                            r.participants
                                .iter()
                                .find(|p| p.miner == miner)
                                .map(|p| p.unit_price)
                        })
                        .unwrap_or_default();
                    Jobs::reveal_result(
                        o(miner),
                        job,
                        out.to_vec().try_into().unwrap(),
                        salt_of(miner),
                        metrics,
                        sign_reveal(miner, job, out, &metrics, price),
                        None,
                    )
                }
                None => Ok(()),
            }
        }
        Op::Referee { job, verdict } => {
            let open: Vec<(u64, u64)> = crate::Rounds::<Test>::iter()
                .filter_map(|(id, r)| r.dispute.map(|d| (id, d.referee)))
                .collect();
            match open.get((job % open.len().max(1) as u64) as usize) {
                Some((id, referee)) => {
                    let (a, b) = match verdict {
                        0 => (10_000, 1_000),
                        1 => (1_000, 10_000),
                        2 => (10_000, 9_500),
                        _ => (1_000, 2_000),
                    };
                    let top = 10_000;
                    Jobs::report_referee_finding(
                        o(*referee),
                        *id,
                        aitbc_primitives::RefereeFinding {
                            position: 0,
                            token_a: 1,
                            token_b: 2,
                            logit_a_milli: a,
                            logit_b_milli: b,
                            top_token: if a == top {
                                1
                            } else if b == top {
                                2
                            } else {
                                3
                            },
                            top_logit_milli: top,
                        },
                    )
                }
                None => Ok(()),
            }
        }
    };
}

/// What the checker remembers between operations.
#[derive(Default)]
struct Ledger {
    genesis_issuance: u128,
    terminal: BTreeMap<u64, JobStatus>,
    terminal_events: BTreeMap<u64, u32>,
    miner_paid: BTreeMap<(u64, u64), u32>,
    /// Redundant-job events seen, by name (for `AITBC_PROP_STATS`).
    rounds: BTreeMap<&'static str, u32>,
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
                    Event::MinerPaid { job_id, miner, .. } => {
                        *self.miner_paid.entry((job_id, miner)).or_default() += 1
                    }
                    Event::RedundantJobSubmitted { .. } => {
                        *self.rounds.entry("submitted").or_default() += 1
                    }
                    Event::RevealOpened { .. } => *self.rounds.entry("revealing").or_default() += 1,
                    Event::AgreementReached { .. } => {
                        *self.rounds.entry("agreed").or_default() += 1
                    }
                    Event::NoAgreement { .. } => {
                        *self.rounds.entry("no_agreement").or_default() += 1
                    }
                    Event::DisputeSettled { .. } => {
                        *self.rounds.entry("disputes").or_default() += 1
                    }
                    Event::RevealMismatch { .. } => {
                        *self.rounds.entry("mismatch").or_default() += 1
                    }
                    Event::CommitMissed { .. } => {
                        *self.rounds.entry("commit_missed").or_default() += 1
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
        let bonds = crate::TotalBondsSlashed::<Test>::get();
        prop_assert_eq!(
            issuance,
            self.genesis_issuance + minted - slashed - burned - bonds
        );
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

        // Escrow and jobs. The observer hears of each job's end once, with its terminal status,
        // and of each round's settlement once.
        let mut ended: BTreeMap<u64, Vec<JobStatus>> = BTreeMap::new();
        let mut settled: BTreeMap<u64, u32> = BTreeMap::new();
        for o in crate::mock::observed() {
            match o {
                crate::mock::Observed::Ended(id, status) => {
                    ended.entry(id).or_default().push(status)
                }
                crate::mock::Observed::Settled(id) => *settled.entry(id).or_default() += 1,
            }
        }
        let mut open_escrow: BTreeMap<u64, u128> = BTreeMap::new();
        let mut active: BTreeMap<u64, u32> = BTreeMap::new();
        for (id, job) in crate::Jobs::<Test>::iter() {
            let heard = ended.get(&id).cloned().unwrap_or_default();
            if job.status.is_terminal() {
                prop_assert_eq!(heard, vec![job.status], "observer of job {}", id);
            } else {
                prop_assert!(heard.is_empty(), "observer told of open job {}", id);
            }
            if job.status.is_terminal() {
                prop_assert_eq!(job.escrowed, 0, "terminal job {} still holds escrow", id);
                let first = *self.terminal.entry(id).or_insert(job.status);
                prop_assert_eq!(first, job.status, "job {} left its terminal state", id);
                prop_assert_eq!(self.terminal_events.get(&id).copied(), Some(1));
            } else {
                prop_assert!(!self.terminal.contains_key(&id), "job {} reopened", id);
                prop_assert_eq!(self.terminal_events.get(&id).copied(), None);
                *open_escrow.entry(job.owner).or_default() += job.escrowed;
                if let (JobStatus::Assigned | JobStatus::Running, Some(miner)) =
                    (job.status, job.miner)
                {
                    *active.entry(miner).or_default() += 1;
                }
            }
            if job.status == JobStatus::Completed {
                prop_assert!(job.receipt.is_some());
                prop_assert_eq!(Receipts::receipts_by_job(id).len(), 1);
            } else {
                prop_assert!(Receipts::receipts_by_job(id).is_empty());
            }
        }
        prop_assert!(
            self.miner_paid.values().all(|n| *n <= 1),
            "a miner paid twice for one job"
        );
        // Rounds: open parts and referee duties count as active jobs; bonds as recorded.
        let mut bonds: BTreeMap<u64, u128> = BTreeMap::new();
        for (id, round) in crate::Rounds::<Test>::iter() {
            for p in &round.participants {
                if !p.closed {
                    *active.entry(p.miner).or_default() += 1;
                }
                *bonds.entry(p.miner).or_default() += p.bond;
            }
            if let Some(d) = &round.dispute {
                *active.entry(d.referee).or_default() += 1;
                prop_assert!(crate::RefereeDuties::<Test>::contains_key(d.referee, id));
            }
            let heard = settled.get(&id).copied().unwrap_or(0);
            if round.phase == crate::round::RoundPhase::Settled {
                prop_assert_eq!(heard, 1, "settlement of round {} heard", id);
            } else {
                prop_assert_eq!(heard, 0, "unsettled round {} heard as settled", id);
            }
            let job = crate::Jobs::<Test>::get(id);
            prop_assert!(job.is_some(), "round of a pruned job {}", id);
            if job.is_some_and(|j| j.status.is_terminal())
                && round.phase != crate::round::RoundPhase::Settled
            {
                prop_assert!(
                    round.dispute.is_some(),
                    "unsettled round {} without a dispute",
                    id
                );
            }
        }
        for who in MINERS {
            let held =
                Balances::balance_on_hold(&RuntimeHoldReason::Jobs(HoldReason::JobBond), &who);
            prop_assert_eq!(
                held,
                bonds.get(&who).copied().unwrap_or(0),
                "bond of {}",
                who
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
            // Three miners registered from the start, every miner running the profile, so that
            // redundant rounds are assigned and played, not only submitted.
            for m in MINERS {
                declare_profile(m, llama_profile());
            }
            for m in &MINERS[..3] {
                register_miner(*m, 1, 2_000);
            }
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
            for (id, round) in crate::Rounds::<Test>::iter() {
                prop_assert_eq!(
                    round.phase,
                    crate::round::RoundPhase::Settled,
                    "round {} not settled",
                    id
                );
            }
            COMMITTED.with(|c| c.borrow_mut().clear());
            if std::env::var("AITBC_PROP_STATS").is_ok() {
                let mut counts: BTreeMap<String, u32> = BTreeMap::new();
                for (_, job) in crate::Jobs::<Test>::iter() {
                    *counts.entry(format!("{:?}", job.status)).or_default() += 1;
                }
                let claimed = pallet_aitbc_receipts::TotalRewardsMinted::<Test>::get();
                let slashed = pallet_aitbc_miners::TotalSlashed::<Test>::get();
                let bonds = crate::TotalBondsSlashed::<Test>::get();
                eprintln!(
                    "{counts:?} minted={claimed} slashed={slashed} rounds={:?} bonds_slashed={bonds}",
                    ledger.rounds
                );
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

/// How a participant of a redundant job behaves in [`redundant_rounds_conserve_money`].
#[derive(Clone, Copy, Debug)]
enum Behaviour {
    /// Commits to and reveals the common output.
    Honest,
    /// Commits to and reveals another output.
    Dissent,
    /// Never commits.
    Silent,
    /// Commits, then never reveals.
    Vanish,
    /// Commits to one output and reveals another.
    Forge,
}

fn behaviour() -> impl Strategy<Value = Behaviour> {
    prop_oneof![
        8 => Just(Behaviour::Honest),
        2 => Just(Behaviour::Dissent),
        1 => Just(Behaviour::Silent),
        1 => Just(Behaviour::Vanish),
        1 => Just(Behaviour::Forge),
    ]
}

/// One redundant job of [`redundant_rounds_conserve_money`]: its k, payout, budget, its
/// participants' behaviours (by position), and the referee's verdicts.
#[derive(Clone, Debug)]
struct RoundPlan {
    k: u8,
    shared: bool,
    budget: u128,
    behaviours: Vec<Behaviour>,
    verdicts: Vec<u8>,
    fee: u32,
}

fn round_plan() -> impl Strategy<Value = RoundPlan> {
    (
        2..=4u8,
        any::<bool>(),
        40..3_000u128,
        prop::collection::vec(behaviour(), 8),
        prop::collection::vec(0..5u8, 4),
        0..20u32,
    )
        .prop_map(|(k, shared, budget, behaviours, verdicts, fee)| RoundPlan {
            k,
            shared,
            budget,
            behaviours,
            verdicts,
            fee,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Issue 14: over many random redundant jobs (honest, dissenting, silent, vanishing and
    /// forging miners; any referee verdict, or none; any payout and fee), money is conserved
    /// (issuance == genesis + minted − stake slashed − fees burned − bonds burned, and ==
    /// every free and held balance), every hold is what the records say, every miner's active
    /// jobs are its open parts, every job ends paid or refunded, and every round settles.
    #[test]
    fn redundant_rounds_conserve_money(plans in prop::collection::vec(round_plan(), 1..12)) {
        new_test_ext().execute_with(|| -> Result<(), TestCaseError> {
            let o = RuntimeOrigin::signed;
            DepositPerByte::set(1);
            Retention::set(40);
            for m in MINERS {
                register_miner(m, 1, 2_000);
                declare_profile(m, llama_profile());
            }
            let mut ledger = Ledger {
                genesis_issuance: Balances::total_issuance(),
                ..Default::default()
            };
            for (n, plan) in plans.iter().enumerate() {
                let _ = Jobs::set_protocol_fee(
                    RuntimeOrigin::root(),
                    sp_runtime::Perbill::from_percent(plan.fee),
                );
                let id = crate::NextJobId::<Test>::get();
                let submitted = Jobs::submit_redundant(
                    o(1 + (n as u64 % CLIENTS)),
                    JobType::Inference,
                    llama(),
                    prompt("hello"),
                    plan.budget,
                    40,
                    est(1),
                    Default::default(),
                    aitbc_primitives::Redundancy {
                        k: plan.k,
                        quorum: 0,
                        payout: if plan.shared {
                            aitbc_primitives::Payout::Shared
                        } else {
                            aitbc_primitives::Payout::Each
                        },
                        profile: llama_profile(),
                    },
                );
                ledger.check()?;
                if submitted.is_err() {
                    continue;
                }
                let mut verdicts = plan.verdicts.iter().copied().cycle();
                // Play the round: each block, every participant does its next step.
                for _ in 0..40 {
                    for m in MINERS {
                        let _ = Miners::heartbeat(o(m));
                    }
                    let Some(round) = crate::Rounds::<Test>::get(id) else { break };
                    for (i, p) in round.participants.iter().enumerate() {
                        let b = plan.behaviours[i % plan.behaviours.len()];
                        let (committed, revealed): (&[u8], &[u8]) = match b {
                            Behaviour::Dissent => (b"alt", b"alt"),
                            Behaviour::Forge => (b"out", b"forged"),
                            _ => (b"out", b"out"),
                        };
                        let m = p.miner;
                        match (p.state, b) {
                            (aitbc_primitives::ParticipantState::Assigned, b)
                                if !matches!(b, Behaviour::Silent) =>
                            {
                                let hash = H256(sp_io::hashing::blake2_256(committed));
                                let _ = Jobs::commit_result(
                                    o(m),
                                    id,
                                    aitbc_primitives::commitment(&hash, &m, &salt_of(m)),
                                );
                            }
                            (aitbc_primitives::ParticipantState::Committed, b)
                                if !matches!(b, Behaviour::Vanish) =>
                            {
                                let metrics = Metrics {
                                    compute_ms: 300 + 100 * i as u64,
                                    input_tokens: 1,
                                    output_tokens: 1,
                                };
                                let _ = Jobs::reveal_result(
                                    o(m),
                                    id,
                                    revealed.to_vec().try_into().unwrap(),
                                    salt_of(m),
                                    metrics,
                                    sign_reveal(m, id, revealed, &metrics, p.unit_price),
                                    Some(1_000),
                                );
                            }
                            _ => {}
                        }
                        ledger.check()?;
                    }
                    if let Some(d) = crate::Rounds::<Test>::get(id).and_then(|r| r.dispute) {
                        let v = verdicts.next().unwrap_or(0);
                        if v < 4 {
                            let (a, b) = [(10_000, 1_000), (1_000, 10_000), (10_000, 9_500), (1_000, 2_000)][v as usize];
                            let _ = Jobs::report_referee_finding(
                                o(d.referee),
                                id,
                                aitbc_primitives::RefereeFinding {
                                    position: 0,
                                    token_a: 1,
                                    token_b: 2,
                                    logit_a_milli: a,
                                    logit_b_milli: b,
                                    top_token: if a == 10_000 { 1 } else if b == 10_000 { 2 } else { 3 },
                                    top_logit_milli: 10_000,
                                },
                            );
                        }
                        ledger.check()?;
                    }
                    run_to_block(System::block_number() + 1);
                    ledger.check()?;
                }
            }
            // Past every TTL and retention: every job ended, every round settled and pruned.
            let end = System::block_number() + 100;
            while System::block_number() < end {
                run_to_block(System::block_number() + 1);
                ledger.check()?;
            }
            for (id, job) in crate::Jobs::<Test>::iter() {
                prop_assert!(job.status.is_terminal(), "job {} not terminal", id);
            }
            for (id, round) in crate::Rounds::<Test>::iter() {
                prop_assert_eq!(round.phase, crate::round::RoundPhase::Settled, "round {}", id);
            }
            for m in MINERS {
                let held =
                    Balances::balance_on_hold(&RuntimeHoldReason::Jobs(HoldReason::JobBond), &m);
                prop_assert_eq!(held, 0, "bond still held by {}", m);
            }
            if std::env::var("AITBC_PROP_STATS").is_ok() {
                eprintln!(
                    "rounds={:?} bonds_slashed={}",
                    ledger.rounds,
                    crate::TotalBondsSlashed::<Test>::get()
                );
            }
            Ok(())
        })?;
    }
}
