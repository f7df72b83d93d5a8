//! Issue 11, unbounded minting: adversarial call sequences against the real runtime.
//!
//! A self-dealer controls a client (Alice) and the only miner serving its model (Bob); an honest
//! client (Charlie) pays an honest miner (Dave) for another model. Random submissions, accepts,
//! results, cancellations, claims of any receipt by anyone, protocol fee changes and era
//! crossings. After every step:
//! - total issuance never exceeds genesis issuance plus the emission schedule (the per-era
//!   budget times the eras begun so far), and the rewards minted never exceed the budgets of
//!   the eras that had receipts, nor the protocol fees burned;
//! - the self-dealer's net balance (free + held, both accounts) never grows.

mod common;

use aitbc_primitives::{Hardware, JobInput, JobStatus, JobType, Metrics, ModelName, Requirements};
use aitbc_runtime::{
    AccountId, Balance, Balances, BuildStorage, Jobs, Miners, Receipts, Runtime,
    RuntimeGenesisConfig, RuntimeOrigin, System, AIT, MILLI_AIT,
};
use common::signed_result;
use frame_support::traits::UnfilteredDispatchable;
use frame_support::traits::{fungible::Inspect, Get, Hooks};
use proptest::prelude::*;
use sp_keyring::Sr25519Keyring;
use sp_runtime::Perbill;
use std::sync::atomic::{AtomicU64, Ordering};

fn acc(k: Sr25519Keyring) -> AccountId {
    k.to_account_id()
}
fn alice() -> AccountId {
    acc(Sr25519Keyring::Alice)
}
fn bob() -> AccountId {
    acc(Sr25519Keyring::Bob)
}
fn charlie() -> AccountId {
    acc(Sr25519Keyring::Charlie)
}
fn dave() -> AccountId {
    acc(Sr25519Keyring::Dave)
}

const START: Balance = 10_000 * AIT;

fn ext() -> sp_io::TestExternalities {
    let mut genesis = RuntimeGenesisConfig::default();
    genesis.balances.balances = [alice(), bob(), charlie(), dave()]
        .into_iter()
        .map(|a| (a, START))
        .collect();
    let storage = genesis.build_storage().expect("genesis builds");
    let mut ext = sp_io::TestExternalities::new(storage);
    ext.execute_with(|| {
        System::set_block_number(1);
        pallet_timestamp::Now::<Runtime>::put(1_700_000_000_000);
    });
    ext
}

fn model(name: &str) -> ModelName {
    name.as_bytes().to_vec().try_into().unwrap()
}

fn register(who: AccountId, model_name: &str, price: Balance) {
    let hardware = Hardware {
        gpu_model: b"RTX 4090".to_vec().try_into().unwrap(),
        gpu_count: 1,
        vram_mb: 24_576,
    };
    Miners::register(
        RuntimeOrigin::signed(who),
        hardware,
        vec![model(model_name)].try_into().unwrap(),
        price,
        100 * AIT,
    )
    .expect("registers");
}

#[derive(Clone, Debug)]
enum Op {
    /// `honest`: Charlie for Dave's model; otherwise Alice for Bob's.
    Submit {
        honest: bool,
        budget: Balance,
        ttl: u32,
        secs: u32,
    },
    Accept {
        job: u64,
    },
    Result {
        job: u64,
        ms: u64,
    },
    Cancel {
        job: u64,
    },
    Claim {
        by: u8,
        receipt: u64,
    },
    SetFee {
        percent: u32,
    },
    Advance {
        blocks: u32,
    },
    NextEra,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (any::<bool>(), 10 * MILLI_AIT..20 * AIT, 61..400u32, 1..10u32)
            .prop_map(|(honest, budget, ttl, secs)| Op::Submit { honest, budget, ttl, secs }),
        4 => (0..32u64).prop_map(|job| Op::Accept { job }),
        4 => (0..32u64, 0..20_000u64).prop_map(|(job, ms)| Op::Result { job, ms }),
        1 => (0..32u64).prop_map(|job| Op::Cancel { job }),
        3 => (0..4u8, 0..32u64).prop_map(|(by, receipt)| Op::Claim { by, receipt }),
        1 => (0..30u32).prop_map(|percent| Op::SetFee { percent }),
        3 => (1..4u32).prop_map(|blocks| Op::Advance { blocks }),
        1 => Just(Op::NextEra),
    ]
}

/// The `i`-th job (cyclically) among those in one of `statuses`.
fn pick(i: u64, statuses: &[JobStatus]) -> Option<pallet_aitbc_jobs::JobOf<Runtime>> {
    let mut jobs: Vec<_> = pallet_aitbc_jobs::Jobs::<Runtime>::iter_values()
        .filter(|j| statuses.contains(&j.status))
        .collect();
    jobs.sort_by_key(|j| j.id);
    if jobs.is_empty() {
        return None;
    }
    let n = jobs.len();
    Some(jobs.swap_remove((i as usize) % n))
}

fn goto(n: u32) {
    System::set_block_number(n);
    pallet_timestamp::Now::<Runtime>::put(1_700_000_000_000 + n as u64 * 2_000);
    Jobs::on_initialize(n);
    for m in [bob(), dave()] {
        let _ = Miners::heartbeat(RuntimeOrigin::signed(m));
    }
}

fn apply(op: &Op) {
    let o = RuntimeOrigin::signed;
    // Refusals are expected: calls are transactional, so a refused call changes nothing.
    let _ = match op.clone() {
        Op::Submit {
            honest,
            budget,
            ttl,
            secs,
        } => {
            let (who, m) = if honest {
                (charlie(), "honest")
            } else {
                (alice(), "selfdeal")
            };
            Jobs::submit(
                o(who),
                JobType::Inference,
                model(m),
                JobInput::Prompt(b"hello".to_vec().try_into().unwrap()),
                budget,
                ttl,
                Requirements {
                    estimated_gpu_seconds: secs,
                    ..Default::default()
                },
            )
        }
        Op::Accept { job } => match pick(job, &[JobStatus::Assigned]) {
            Some(j) => Jobs::accept(o(j.miner.expect("assigned jobs have a miner")), j.id),
            None => Ok(()),
        },
        Op::Result { job, ms } => match pick(job, &[JobStatus::Running]) {
            Some(j) => {
                let miner = j.miner.expect("running jobs have a miner");
                let metrics = Metrics {
                    compute_ms: ms,
                    input_tokens: 1,
                    output_tokens: 1,
                };
                signed_result(&miner, j.id, b"out", metrics)
                    .dispatch_bypass_filter(o(miner))
                    .map(|_| ())
                    .map_err(|e| e.error)
            }
            None => Ok(()),
        },
        Op::Cancel { job } => match pick(
            job,
            &[JobStatus::Queued, JobStatus::Assigned, JobStatus::Running],
        ) {
            Some(j) => Jobs::cancel(o(j.owner), j.id),
            None => Ok(()),
        },
        Op::Claim { by, receipt } => {
            let by = [alice(), bob(), charlie(), dave()][by as usize].clone();
            let receipts = pallet_aitbc_receipts::NextReceiptId::<Runtime>::get().max(1);
            Receipts::claim_reward(o(by), receipt % receipts)
        }
        Op::SetFee { percent } => {
            Jobs::set_protocol_fee(RuntimeOrigin::root(), Perbill::from_percent(percent))
        }
        Op::Advance { blocks } => {
            let now = System::block_number();
            for n in now + 1..=now + blocks {
                goto(n);
            }
            Ok(())
        }
        Op::NextEra => {
            let era: u32 = <Runtime as pallet_aitbc_receipts::Config>::EraLength::get();
            let now = System::block_number();
            goto((now / era + 1) * era);
            Ok(())
        }
    };
}

fn net(who: &[AccountId]) -> Balance {
    who.iter().map(Balances::total_balance).sum()
}

/// Coverage counters (printed with `AITBC_PROP_STATS=1`).
static COMPLETED: AtomicU64 = AtomicU64::new(0);
static MINTING_CASES: AtomicU64 = AtomicU64::new(0);
static CLAIMS_TRIED: AtomicU64 = AtomicU64::new(0);

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn emission_is_bounded_and_self_dealing_never_pays(ops in prop::collection::vec(op(), 1..80)) {
        ext().execute_with(|| -> Result<(), TestCaseError> {
            register(bob(), "selfdeal", MILLI_AIT);
            register(dave(), "honest", MILLI_AIT);
            let genesis = Balances::total_issuance();
            let dealer = [alice(), bob()];
            let dealer_start = net(&dealer);
            let per_era = pallet_aitbc_receipts::RewardAmount::<Runtime>::get();
            let era_length: u32 = <Runtime as pallet_aitbc_receipts::Config>::EraLength::get();
            for op in &ops {
                apply(op);
                if matches!(op, Op::Claim { .. }) {
                    CLAIMS_TRIED.fetch_add(1, Ordering::Relaxed);
                }
                let era = (System::block_number() / era_length) as u128;
                let issuance = Balances::total_issuance();
                prop_assert!(
                    issuance <= genesis + per_era * (era + 1),
                    "issuance {} above genesis {} + {} eras x {}", issuance, genesis, era + 1, per_era
                );
                let minted = pallet_aitbc_receipts::TotalRewardsMinted::<Runtime>::get();
                let budgets: Balance = pallet_aitbc_receipts::Eras::<Runtime>::iter()
                    .map(|(_, e)| e.emission)
                    .sum();
                prop_assert!(minted <= budgets);
                prop_assert!(minted <= pallet_aitbc_jobs::TotalFeesBurned::<Runtime>::get());
                prop_assert!(
                    net(&dealer) <= dealer_start,
                    "self-dealer grew: {} > {}", net(&dealer), dealer_start
                );
            }
            COMPLETED.fetch_add(pallet_aitbc_receipts::NextReceiptId::<Runtime>::get(), Ordering::Relaxed);
            if pallet_aitbc_receipts::TotalRewardsMinted::<Runtime>::get() > 0 {
                MINTING_CASES.fetch_add(1, Ordering::Relaxed);
            }
            if std::env::var("AITBC_PROP_STATS").is_ok() {
                eprintln!(
                    "receipts {} minting cases {} claims tried {}",
                    COMPLETED.load(Ordering::Relaxed),
                    MINTING_CASES.load(Ordering::Relaxed),
                    CLAIMS_TRIED.load(Ordering::Relaxed)
                );
            }
            Ok(())
        })?;
    }
}

/// The attack of issue 11 step by step: many cheap self-paid jobs, every receipt claimed. Before
/// the fix each claim minted 1 AIT whatever the job paid; now the pair loses the fees.
#[test]
fn self_dealing_through_a_second_account_loses_money() {
    ext().execute_with(|| {
        register(bob(), "selfdeal", MILLI_AIT);
        let dealer = [alice(), bob()];
        let start = net(&dealer);
        let genesis = Balances::total_issuance();
        for i in 0..10u64 {
            let id = pallet_aitbc_jobs::NextJobId::<Runtime>::get();
            Jobs::submit(
                RuntimeOrigin::signed(alice()),
                JobType::Inference,
                model("selfdeal"),
                JobInput::Prompt(b"hello".to_vec().try_into().unwrap()),
                10 * MILLI_AIT,
                100,
                Requirements {
                    estimated_gpu_seconds: 1,
                    ..Default::default()
                },
            )
            .expect("submits");
            goto(2 + 2 * i as u32);
            Jobs::accept(RuntimeOrigin::signed(bob()), id).expect("accepts");
            let metrics = Metrics {
                compute_ms: 1,
                input_tokens: 1,
                output_tokens: 1,
            };
            signed_result(&bob(), id, b"out", metrics)
                .dispatch_bypass_filter(RuntimeOrigin::signed(bob()))
                .expect("delivers");
        }
        let era: u32 = <Runtime as pallet_aitbc_receipts::Config>::EraLength::get();
        goto(era);
        for r in 0..10 {
            Receipts::claim_reward(RuntimeOrigin::signed(bob()), r).expect("claims");
        }
        // 10 jobs of 0.01 AIT, 5% burned each: 5 mAIT burned, at most that minted back.
        let minted = pallet_aitbc_receipts::TotalRewardsMinted::<Runtime>::get();
        assert_eq!(minted, 10 * (MILLI_AIT / 2));
        assert!(minted < 10 * AIT, "the old reward would have minted 10 AIT");
        assert!(net(&dealer) <= start);
        assert!(Balances::total_issuance() <= genesis);
    });
}
