//! The compute market inside the real runtime: pallet indexes, a signed `Jobs::submit` that
//! holds the budget (and the events that show it), a full job through the runtime's own
//! configuration, and the `MarketApi` runtime API through the native `api::dispatch` entry.

mod common;

use aitbc_primitives::{
    Hardware, Job, JobInput, JobStatus, JobType, Metrics, ModelName, Requirements,
};
use aitbc_runtime::{
    AccountId, Balance, Balances, BlockNumber, BuildStorage, Jobs, Miners, Receipts, Runtime,
    RuntimeCall, RuntimeEvent, RuntimeGenesisConfig, RuntimeHoldReason, RuntimeOrigin, System, AIT,
};
use codec::{Decode, Encode};
use common::signed_result;
use frame_support::traits::{
    fungible::{Inspect, InspectHold},
    Hooks, PalletInfoAccess,
};
use sp_core::H256;
use sp_keyring::Sr25519Keyring;
use sp_runtime::traits::Dispatchable;

fn alice() -> AccountId {
    Sr25519Keyring::Alice.to_account_id()
}

fn bob() -> AccountId {
    Sr25519Keyring::Bob.to_account_id()
}

fn ext() -> sp_io::TestExternalities {
    let mut genesis = RuntimeGenesisConfig::default();
    genesis.balances.balances = vec![(alice(), 1_000 * AIT), (bob(), 1_000 * AIT)];
    let storage = genesis.build_storage().expect("genesis builds");
    let mut ext = sp_io::TestExternalities::new(storage);
    ext.execute_with(|| {
        System::set_block_number(1);
        // Set the clock directly: `set_timestamp` would also check the Aura slot.
        pallet_timestamp::Now::<Runtime>::put(1_700_000_000_000);
    });
    ext
}

fn model() -> ModelName {
    b"llama3.2:1b".to_vec().try_into().unwrap()
}

fn escrow(who: &AccountId) -> Balance {
    Balances::balance_on_hold(
        &RuntimeHoldReason::Jobs(pallet_aitbc_jobs::HoldReason::JobEscrow),
        who,
    )
}

fn submit_call(budget: Balance) -> RuntimeCall {
    RuntimeCall::Jobs(pallet_aitbc_jobs::Call::submit {
        job_type: JobType::Inference,
        model: model(),
        input: JobInput::Prompt(
            b"What is the capital of France?"
                .to_vec()
                .try_into()
                .unwrap(),
        ),
        budget,
        ttl: 600,
        requirements: Requirements {
            estimated_gpu_seconds: 10,
            ..Default::default()
        },
    })
}

#[test]
fn market_pallets_sit_at_indexes_10_11_12() {
    assert_eq!((Miners::index(), Miners::name()), (10, "Miners"));
    assert_eq!((Jobs::index(), Jobs::name()), (11, "Jobs"));
    assert_eq!((Receipts::index(), Receipts::name()), (12, "Receipts"));
}

#[test]
fn signed_submit_holds_the_budget_and_the_events_show_it() {
    ext().execute_with(|| {
        let budget = 5 * AIT;
        assert!(submit_call(budget)
            .dispatch(RuntimeOrigin::signed(alice()))
            .is_ok());
        assert_eq!(escrow(&alice()), budget);
        // Issue 11: the job's refundable storage deposit (1 µAIT a byte) is held too.
        let deposit = pallet_aitbc_jobs::Deposits::<Runtime>::get(0).unwrap().job;
        assert_eq!(deposit, 187 * AIT / 1_000_000);
        assert_eq!(Balances::balance(&alice()), 995 * AIT - deposit);
        let events: Vec<RuntimeEvent> = System::events().into_iter().map(|r| r.event).collect();
        assert!(
            events.contains(&RuntimeEvent::Jobs(pallet_aitbc_jobs::Event::EscrowHeld {
                job_id: 0,
                owner: alice(),
                amount: budget
            }))
        );
        assert!(events.iter().any(|e| matches!(
            e,
            RuntimeEvent::Balances(pallet_balances::Event::Held { amount, .. }) if *amount == budget
        )));
    });
}

#[test]
fn a_job_runs_end_to_end_and_the_runtime_api_answers() {
    ext().execute_with(|| {
        let hardware = Hardware {
            gpu_model: b"RTX 4090".to_vec().try_into().unwrap(),
            gpu_count: 1,
            vram_mb: 24_576,
        };
        assert!(RuntimeCall::Miners(pallet_aitbc_miners::Call::register {
            hardware,
            models: vec![model()].try_into().unwrap(),
            price_per_gpu_second: AIT / 100,
            stake: 100 * AIT,
        })
        .dispatch(RuntimeOrigin::signed(bob()))
        .is_ok());
        assert!(submit_call(5 * AIT)
            .dispatch(RuntimeOrigin::signed(alice()))
            .is_ok());
        System::set_block_number(2);
        Jobs::on_initialize(2);
        assert_eq!(Jobs::job(0).unwrap().miner, Some(bob()));
        assert!(
            RuntimeCall::Jobs(pallet_aitbc_jobs::Call::accept { job_id: 0 })
                .dispatch(RuntimeOrigin::signed(bob()))
                .is_ok()
        );
        let metrics = Metrics {
            compute_ms: 2_000,
            input_tokens: 8,
            output_tokens: 3,
        };
        // The chain recomputes the result hash and checks the miner's receipt signature with
        // its sr25519 key: a wrong hash, a signature by another key or of other content is
        // refused.
        let mut wrong_hash = signed_result(&bob(), 0, b"Paris", metrics);
        if let pallet_aitbc_jobs::Call::submit_result { result_hash, .. } = &mut wrong_hash {
            *result_hash = H256::repeat_byte(1);
        }
        assert_eq!(
            RuntimeCall::Jobs(wrong_hash)
                .dispatch(RuntimeOrigin::signed(bob()))
                .map_err(|e| e.error),
            Err(pallet_aitbc_jobs::Error::<Runtime>::ResultHashMismatch.into())
        );
        let mut other_metrics = signed_result(&bob(), 0, b"Paris", metrics);
        if let pallet_aitbc_jobs::Call::submit_result { metrics, .. } = &mut other_metrics {
            metrics.compute_ms = 1;
        }
        assert_eq!(
            RuntimeCall::Jobs(other_metrics)
                .dispatch(RuntimeOrigin::signed(bob()))
                .map_err(|e| e.error),
            Err(pallet_aitbc_jobs::Error::<Runtime>::BadReceiptSignature.into())
        );
        let mut alices = signed_result(&alice(), 0, b"Paris", metrics);
        if let pallet_aitbc_jobs::Call::submit_result {
            output,
            result_hash,
            ..
        } = &mut alices
        {
            *output = b"Paris".to_vec().try_into().unwrap();
            *result_hash = H256(sp_io::hashing::blake2_256(b"Paris"));
        }
        assert_eq!(
            RuntimeCall::Jobs(alices)
                .dispatch(RuntimeOrigin::signed(bob()))
                .map_err(|e| e.error),
            Err(pallet_aitbc_jobs::Error::<Runtime>::BadReceiptSignature.into())
        );
        assert!(
            RuntimeCall::Jobs(signed_result(&bob(), 0, b"Paris", metrics))
                .dispatch(RuntimeOrigin::signed(bob()))
                .is_ok()
        );
        let receipt = &Receipts::receipts_by_job(0)[0];
        assert_eq!(receipt.units_milli, 2_000);
        assert_ne!(receipt.signature, sp_core::H512::zero());
        // 2 GPU-seconds at 0.01 AIT (and the job's storage deposit held until it is pruned).
        let deposit = pallet_aitbc_jobs::Deposits::<Runtime>::get(0).unwrap().job;
        assert_eq!(
            Balances::balance(&alice()),
            1_000 * AIT - 2 * AIT / 100 - deposit
        );
        assert_eq!(escrow(&alice()), 0);

        // The runtime API, as the node calls it.
        let out = aitbc_runtime::apis::api::dispatch("MarketApi_job", &0u64.encode())
            .expect("MarketApi_job exists");
        let job = Option::<Job<AccountId, Balance, BlockNumber>>::decode(&mut &out[..])
            .unwrap()
            .unwrap();
        assert_eq!(job.status, JobStatus::Completed);
        let out = aitbc_runtime::apis::api::dispatch(
            "MarketApi_jobs_by_owner",
            &(alice(), 0u64, 10u32).encode(),
        )
        .expect("MarketApi_jobs_by_owner exists");
        let jobs = Vec::<Job<AccountId, Balance, BlockNumber>>::decode(&mut &out[..]).unwrap();
        assert_eq!(jobs.len(), 1);
        let out = aitbc_runtime::apis::api::dispatch("MarketApi_receipts_by_job", &0u64.encode())
            .unwrap();
        let receipts = Vec::<aitbc_primitives::Receipt<AccountId, Balance, BlockNumber>>::decode(
            &mut &out[..],
        )
        .unwrap();
        assert_eq!(receipts[0].price, 2 * AIT / 100);
        assert_eq!(receipts[0].timestamp_ms, 1_700_000_000_000);
        // Issue 15: the hour's activity, through `ActivityApi` (dated by the timestamp).
        let out = aitbc_runtime::apis::api::dispatch("ActivityApi_activity", &0u32.encode())
            .expect("ActivityApi_activity exists");
        let (hour, buckets) =
            <(u32, Vec<aitbc_primitives::ActivityBucket>)>::decode(&mut &out[..]).unwrap();
        assert_eq!(hour, (1_700_000_000_000u64 / 3_600_000) as u32);
        assert_eq!(
            (buckets.len(), buckets[0].hour, buckets[0].submitted),
            (1, hour, 1)
        );
        assert_eq!(
            (
                buckets[0].completed,
                buckets[0].gpu_ms,
                buckets[0].active_miners
            ),
            (1, 2_000, 1)
        );
        // Issue 11 (bounded emission): 5% of the price was burned as the protocol fee.
        assert_eq!(receipts[0].fee, 2 * AIT / 100 / 20);
        // Reward: once the receipt's era (an hour) is over, the era's budget pro rata (all of
        // it: the only receipt), capped at the fee the job burned.
        let claim =
            RuntimeCall::Receipts(pallet_aitbc_receipts::Call::claim_reward { receipt_id: 0 });
        assert!(claim
            .clone()
            .dispatch(RuntimeOrigin::signed(bob()))
            .is_err());
        System::set_block_number(
            <aitbc_runtime::jobs::ReceiptEraLength as frame_support::traits::Get<_>>::get(),
        );
        assert!(claim.dispatch(RuntimeOrigin::signed(bob())).is_ok());
        assert_eq!(
            pallet_aitbc_receipts::TotalRewardsMinted::<Runtime>::get(),
            receipts[0].fee
        );
    });
}

/// Issue 11 (cheap state): bytes are charged realistically. With `IdentityFee` (one base unit
/// a byte) a full block of bytes cost 0.000004 AIT; now 0.1 µAIT a byte.
#[test]
fn a_full_block_of_bytes_costs_a_meaningful_sum() {
    ext().execute_with(|| {
        use frame_support::dispatch::DispatchClass;
        let length = <Runtime as frame_system::Config>::BlockLength::get();
        let normal = *length.max.get(DispatchClass::Normal);
        let fee = pallet_transaction_payment::Pallet::<Runtime>::length_to_fee(normal);
        assert!(fee >= AIT / 4, "a full block of bytes costs only {fee}");
        assert_eq!(
            pallet_transaction_payment::Pallet::<Runtime>::length_to_fee(1_000_000),
            AIT / 10
        );
        // A transfer-sized transaction pays little for its bytes.
        assert!(pallet_transaction_payment::Pallet::<Runtime>::length_to_fee(150) < AIT / 10_000);
    });
}
