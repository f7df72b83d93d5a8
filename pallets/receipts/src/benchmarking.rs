//! Benchmarks for `pallet-aitbc-receipts` (frame-benchmarking v2).

use super::*;
use aitbc_primitives::CompletedJob;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, EnsureOrigin};
use frame_system::RawOrigin;
use sp_core::H256;
use sp_runtime::Saturating;

fn completed<T: Config>(
    job_id: u64,
    miner: T::AccountId,
) -> CompletedJob<T::AccountId, BalanceOf<T>> {
    CompletedJob {
        job_id,
        client: account("client", 0, 0),
        miner,
        units_milli: 10_000,
        unit_price: 1u32.into(),
        price: 10u32.into(),
        fee: 10u32.into(),
        result_hash: H256::repeat_byte(1),
        signature: Default::default(),
    }
}

#[benchmarks]
mod benchmarks {
    use super::*;

    #[benchmark]
    fn claim_reward() {
        let miner: T::AccountId = account("miner", 0, 0);
        T::Currency::set_balance(&miner, 1_000_000u32.into());
        RewardAmount::<T>::put(BalanceOf::<T>::from(1_000u32));
        let id = <Pallet<T> as ReceiptSink<_, _>>::record(completed::<T>(0, miner.clone()))
            .expect("records");
        // After the receipt's era.
        frame_system::Pallet::<T>::set_block_number(
            frame_system::Pallet::<T>::block_number().saturating_add(T::EraLength::get()),
        );
        let caller: T::AccountId = whitelisted_caller();
        #[extrinsic_call]
        _(RawOrigin::Signed(caller), id);
        assert!(Receipts::<T>::get(id).is_some_and(|r| r.reward != RewardStatus::Unclaimed));
    }

    #[benchmark]
    fn set_reward() -> Result<(), BenchmarkError> {
        let origin =
            T::RewardOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
        #[extrinsic_call]
        _(origin as T::RuntimeOrigin, 7u32.into());
        assert_eq!(RewardAmount::<T>::get(), 7u32.into());
        Ok(())
    }

    #[benchmark]
    fn record() {
        let miner: T::AccountId = account("miner", 0, 0);
        #[block]
        {
            <Pallet<T> as ReceiptSink<_, _>>::record(completed::<T>(0, miner)).expect("records");
        }
        assert!(ReceiptByJob::<T>::contains_key(0));
    }

    // Native timings of the benchmarks above, used to fill `weights.rs` (see the
    // `aitbc-bench-timing` crate docs). Run with:
    // `cargo test --release -p pallet-aitbc-receipts --features runtime-benchmarks -- --ignored --nocapture bench_timings`
    #[cfg(test)]
    aitbc_bench_timing::bench_timings!(
        crate::mock::new_test_ext,
        crate::mock::Test;
        claim_reward,
        set_reward,
        record,
    );

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
