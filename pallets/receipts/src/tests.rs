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
        units: 3,
        unit_price: 7,
        price: 21,
        result_hash: H256::repeat_byte(9),
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
            (r.job_id, r.client, r.miner, r.units, r.unit_price, r.price),
            (7, 1, 2, 3, 7, 21)
        );
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
                units: 3,
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
        assert_ok!(<Receipts as ReceiptSink<_, _>>::record(completed(7, 2)));
        let issuance = Balances::total_issuance();
        System::set_block_number(6);
        // Anyone may claim; the miner gets the reward.
        assert_ok!(Receipts::claim_reward(RuntimeOrigin::signed(5), 0));
        assert_eq!(Balances::balance(&2), 10_050);
        assert_eq!(Balances::balance(&5), 10_000);
        assert_eq!(Balances::total_issuance(), issuance + 50);
        assert_eq!(TotalRewardsMinted::<Test>::get(), 50);
        assert_eq!(
            Receipts::receipt(0).unwrap().reward,
            RewardStatus::Claimed {
                block: 6,
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
fn set_reward_is_root_only_and_applies_to_later_claims() {
    new_test_ext().execute_with(|| {
        assert_eq!(RewardAmount::<Test>::get(), 50);
        assert_noop!(
            Receipts::set_reward(RuntimeOrigin::signed(1), 1),
            DispatchError::BadOrigin
        );
        assert_ok!(Receipts::set_reward(RuntimeOrigin::root(), 80));
        System::assert_last_event(Event::RewardChanged { old: 50, new: 80 }.into());
        assert_ok!(<Receipts as ReceiptSink<_, _>>::record(completed(1, 3)));
        assert_ok!(Receipts::claim_reward(RuntimeOrigin::signed(3), 0));
        assert_eq!(Balances::balance(&3), 10_080);
    });
}
