//! Benchmarks for `pallet-aitbc-receipts` (frame-benchmarking v2).

use super::*;
use aitbc_primitives::CompletedJob;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, EnsureOrigin};
use frame_system::RawOrigin;
use sp_core::H256;

fn completed<T: Config>(
    job_id: u64,
    miner: T::AccountId,
) -> CompletedJob<T::AccountId, BalanceOf<T>> {
    CompletedJob {
        job_id,
        client: account("client", 0, 0),
        miner,
        units: 10,
        unit_price: 1u32.into(),
        price: 10u32.into(),
        result_hash: H256::repeat_byte(1),
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

    /// Native timings of the benchmarks above, used to fill `weights.rs`. The node has no
    /// benchmark CLI, and the in-memory test externalities cannot count database reads and
    /// writes, so this measures ref-time of the benchmarked code only (median of `REPEATS`
    /// runs, each in a fresh mock runtime); database costs are added in `weights.rs` from
    /// reads/writes counted in the code. Run with:
    /// `cargo test -p pallet-aitbc-receipts --release --features runtime-benchmarks -- --ignored --nocapture bench_timings`
    #[cfg(test)]
    mod timing {
        use super::*;
        use crate::mock::{new_test_ext, Test};
        use frame_benchmarking::{BenchmarkParameter, BenchmarkingSetup, Recording};
        use std::time::{Duration, Instant};

        const REPEATS: usize = 25;

        #[derive(Default)]
        struct Timer {
            started: Option<Instant>,
            elapsed: Duration,
        }

        impl Recording for Timer {
            fn start(&mut self) {
                self.started = Some(Instant::now());
            }
            fn stop(&mut self) {
                if let Some(s) = self.started.take() {
                    self.elapsed = s.elapsed();
                }
            }
        }

        fn time<B: BenchmarkingSetup<Test>>(b: &B, c: &[(BenchmarkParameter, u32)]) -> u128 {
            let mut samples: std::vec::Vec<u128> = (0..REPEATS)
                .map(|_| {
                    new_test_ext().execute_with(|| {
                        let mut t = Timer::default();
                        b.instance(&mut t, c, false).expect("benchmark runs");
                        t.elapsed.as_nanos()
                    })
                })
                .collect();
            samples.sort_unstable();
            samples[samples.len() / 2]
        }

        fn report<B: BenchmarkingSetup<Test>>(name: &str, b: &B) {
            let comps = b.components();
            let low: std::vec::Vec<_> = comps.iter().map(|(p, lo, _)| (*p, *lo)).collect();
            let base = time(b, &low);
            let mut line = std::format!("{name}: {base} ns");
            for (i, (p, lo, hi)) in comps.iter().enumerate() {
                let mut high = low.clone();
                high[i].1 = *hi;
                let slope = time(b, &high).saturating_sub(base) / u128::from((hi - lo).max(1));
                line += &std::format!(" + {slope} ns x {p:?} ({lo}..={hi})");
            }
            std::println!("{line}");
        }

        #[test]
        #[ignore]
        fn bench_timings() {
            report("claim_reward", &claim_reward);
            report("set_reward", &set_reward);
            report("record", &record);
        }
    }

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
