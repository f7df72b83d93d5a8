//! Unit tests: every call and every error path.

use crate::{mock::*, Error, Event, ReceiptSink, RewardAmount, TotalRewardsMinted};
use aitbc_primitives::{CompletedJob, RewardStatus};
use frame_support::{assert_noop, assert_ok, traits::fungible::Inspect};
use sp_core::H256;
use sp_runtime::DispatchError;

fn completed(job_id: u64, miner: AccountId) -> CompletedJob<AccountId, Balance> {
    CompletedJob {
        job_id,
        client: 1,
        miner,
        units_milli: 3_000,
        unit_price: 7,
        price: 21,
        fee: 21,
        result_hash: H256::repeat_byte(9),
        signature: sp_core::H512::repeat_byte(5),
    }
}

/// A receipt of `price` with protocol fee `fee` for `job_id`, mined by `miner`.
fn paid(
    job_id: u64,
    miner: AccountId,
    price: Balance,
    fee: Balance,
) -> CompletedJob<AccountId, Balance> {
    CompletedJob {
        price,
        fee,
        ..completed(job_id, miner)
    }
}

#[test]
fn record_writes_receipt_once_per_job() {
    new_test_ext().execute_with(|| {
        System::set_block_number(4);
        assert_eq!(
            <Receipts as ReceiptSink<_, _>>::record(completed(7, 2)),
            Ok(0)
        );
        let r = Receipts::receipt(0).unwrap();
        assert_eq!(
            (
                r.job_id,
                r.client,
                r.miner,
                r.units_milli,
                r.unit_price,
                r.price
            ),
            (7, 1, 2, 3_000, 7, 21)
        );
        assert_eq!(r.signature, sp_core::H512::repeat_byte(5));
        assert_eq!(
            (r.block, r.timestamp_ms, r.result_hash),
            (4, 8_000, H256::repeat_byte(9))
        );
        assert_eq!(r.reward, RewardStatus::Unclaimed);
        System::assert_last_event(
            Event::ReceiptIssued {
                receipt_id: 0,
                job_id: 7,
                client: 1,
                miner: 2,
                units_milli: 3_000,
                price: 21,
            }
            .into(),
        );
        assert_eq!(
            <Receipts as ReceiptSink<_, _>>::record(completed(7, 2)),
            Err(Error::<Test>::ReceiptExists.into())
        );
        assert_eq!(
            <Receipts as ReceiptSink<_, _>>::record(completed(8, 2)),
            Ok(1)
        );
        assert_eq!(Receipts::receipts_by_job(7).len(), 1);
        assert!(Receipts::receipts_by_job(9).is_empty());
        assert_eq!(
            Receipts::receipts_by_miner(&2, 0, 10)
                .iter()
                .map(|r| r.id)
                .collect::<Vec<_>>(),
            vec![0, 1]
        );
        assert_eq!(Receipts::receipts_by_miner(&2, 1, 10).len(), 1);
        assert_eq!(Receipts::receipts_by_miner(&2, 0, 1).len(), 1);
        assert!(Receipts::receipts_by_miner(&3, 0, 10).is_empty());
    });
}

#[test]
fn claim_reward_mints_to_miner_exactly_once() {
    new_test_ext().execute_with(|| {
        // The only receipt of era 0 (blocks 0..10): the whole emission (50), within its fee.
        assert_ok!(<Receipts as ReceiptSink<_, _>>::record(paid(7, 2, 100, 60)));
        let issuance = Balances::total_issuance();
        System::set_block_number(9);
        assert_noop!(
            Receipts::claim_reward(RuntimeOrigin::signed(5), 0),
            Error::<Test>::EraNotOver
        );
        System::set_block_number(10);
        // Anyone may claim; the miner gets the reward.
        assert_ok!(Receipts::claim_reward(RuntimeOrigin::signed(5), 0));
        assert_eq!(Balances::balance(&2), 10_050);
        assert_eq!(Balances::balance(&5), 10_000);
        assert_eq!(Balances::total_issuance(), issuance + 50);
        assert_eq!(TotalRewardsMinted::<Test>::get(), 50);
        assert_eq!(
            Receipts::receipt(0).unwrap().reward,
            RewardStatus::Claimed {
                block: 10,
                claimer: 5,
                amount: 50
            }
        );
        System::assert_last_event(
            Event::RewardClaimed {
                receipt_id: 0,
                miner: 2,
                claimer: 5,
                amount: 50,
            }
            .into(),
        );
        assert_noop!(
            Receipts::claim_reward(RuntimeOrigin::signed(2), 0),
            Error::<Test>::AlreadyClaimed
        );
        assert_noop!(
            Receipts::claim_reward(RuntimeOrigin::signed(2), 1),
            Error::<Test>::UnknownReceipt
        );
        assert_noop!(
            Receipts::claim_reward(RuntimeOrigin::none(), 0),
            DispatchError::BadOrigin
        );
    });
}

#[test]
fn era_emission_is_shared_pro_rata_to_paid_volume() {
    new_test_ext().execute_with(|| {
        // Era 0: volume 100 + 300 = 400; the emission of 50 splits 12 / 37 (rounded down).
        assert_ok!(<Receipts as ReceiptSink<_, _>>::record(paid(
            1, 2, 100, 100
        )));
        assert_ok!(<Receipts as ReceiptSink<_, _>>::record(paid(
            2, 3, 300, 300
        )));
        assert_eq!(
            crate::Eras::<Test>::get(0),
            Some(crate::EraTotals {
                emission: 50,
                volume: 400,
                fees: 400
            })
        );
        System::set_block_number(10);
        assert_ok!(Receipts::claim_reward(RuntimeOrigin::signed(2), 0));
        assert_ok!(Receipts::claim_reward(RuntimeOrigin::signed(3), 1));
        assert_eq!(Balances::balance(&2), 10_012);
        assert_eq!(Balances::balance(&3), 10_037);
        assert!(TotalRewardsMinted::<Test>::get() <= 50);
    });
}

#[test]
fn self_dealing_receipts_never_mint_more_than_their_fee() {
    new_test_ext().execute_with(|| {
        // The attack (issue 11): a miner pays itself tiny jobs through a second account and
        // claims a fixed reward for each. Now each receipt mints at most the fee it burned.
        let issuance = Balances::total_issuance();
        for job in 0..20 {
            assert_ok!(<Receipts as ReceiptSink<_, _>>::record(paid(job, 2, 10, 1)));
        }
        System::set_block_number(10);
        for id in 0..20 {
            assert_ok!(Receipts::claim_reward(RuntimeOrigin::signed(2), id));
        }
        // 20 receipts, 1 burned each: 20 minted (not 20 x 50).
        assert_eq!(TotalRewardsMinted::<Test>::get(), 20);
        assert_eq!(Balances::total_issuance(), issuance + 20);
        // A receipt that burned nothing mints nothing, and the claim still counts as done.
        assert_ok!(<Receipts as ReceiptSink<_, _>>::record(paid(99, 2, 10, 0)));
        System::set_block_number(20);
        assert_ok!(Receipts::claim_reward(RuntimeOrigin::signed(2), 20));
        assert_eq!(TotalRewardsMinted::<Test>::get(), 20);
        assert_noop!(
            Receipts::claim_reward(RuntimeOrigin::signed(2), 20),
            Error::<Test>::AlreadyClaimed
        );
    });
}

#[test]
fn migration_v1_gives_old_receipts_a_zero_fee_and_resets_the_budget() {
    use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
    new_test_ext().execute_with(|| {
        let old = crate::migrations::v1::ReceiptV0::<AccountId, Balance, u64> {
            id: 0,
            job_id: 7,
            client: 1,
            miner: 2,
            units: 3,
            unit_price: 7,
            price: 21,
            result_hash: H256::repeat_byte(9),
            block: 4,
            timestamp_ms: 8_000,
            reward: RewardStatus::Unclaimed,
        };
        frame_support::storage::unhashed::put(&crate::Receipts::<Test>::hashed_key_for(0), &old);
        StorageVersion::new(0).put::<Receipts>();
        assert_eq!(RewardAmount::<Test>::get(), 50);
        crate::migrations::v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
        let r = crate::migrations::v1::Receipts::<Test>::get(0).unwrap();
        assert_eq!((r.job_id, r.price, r.fee, r.block), (7, 21, 0, 4));
        assert_eq!(RewardAmount::<Test>::get(), 7);
        assert_eq!(Receipts::on_chain_storage_version(), StorageVersion::new(1));
        // Then v1 -> v2: units to the millisecond, no signature.
        crate::migrations::v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
        let r = Receipts::receipt(0).unwrap();
        assert_eq!(
            (r.job_id, r.units_milli, r.price, r.fee, r.signature),
            (7, 3_000, 21, 0, sp_core::H512::zero())
        );
        assert_eq!(Receipts::on_chain_storage_version(), StorageVersion::new(2));
        // Runs once.
        assert_ok!(Receipts::set_reward(RuntimeOrigin::root(), 60));
        crate::migrations::v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
        crate::migrations::v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
        assert_eq!(RewardAmount::<Test>::get(), 60);
        assert_eq!(Receipts::receipt(0).unwrap().units_milli, 3_000);
    });
}

#[test]
fn set_reward_is_root_only_and_applies_to_later_eras() {
    new_test_ext().execute_with(|| {
        assert_eq!(RewardAmount::<Test>::get(), 50);
        assert_noop!(
            Receipts::set_reward(RuntimeOrigin::signed(1), 1),
            DispatchError::BadOrigin
        );
        assert_ok!(<Receipts as ReceiptSink<_, _>>::record(paid(
            0, 3, 1_000, 1_000
        )));
        assert_ok!(Receipts::set_reward(RuntimeOrigin::root(), 80));
        System::assert_last_event(Event::RewardChanged { old: 50, new: 80 }.into());
        // Era 0 keeps the budget it had at its first receipt; era 1 gets the new one.
        assert_ok!(<Receipts as ReceiptSink<_, _>>::record(paid(
            1, 3, 1_000, 1_000
        )));
        System::set_block_number(10);
        assert_ok!(<Receipts as ReceiptSink<_, _>>::record(paid(
            2, 4, 1_000, 1_000
        )));
        System::set_block_number(20);
        assert_ok!(Receipts::claim_reward(RuntimeOrigin::signed(3), 0));
        assert_ok!(Receipts::claim_reward(RuntimeOrigin::signed(3), 1));
        assert_ok!(Receipts::claim_reward(RuntimeOrigin::signed(4), 2));
        assert_eq!(Balances::balance(&3), 10_050);
        assert_eq!(Balances::balance(&4), 10_080);
    });
}
