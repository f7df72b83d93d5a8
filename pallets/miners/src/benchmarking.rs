//! Benchmarks for `pallet-aitbc-miners` (frame-benchmarking v2).

use super::*;
use aitbc_primitives::{MinerRegistry, MinerStatus, ModelName, MAX_MODELS_PER_MINER};
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get};
use frame_system::RawOrigin;
use sp_runtime::Saturating;

fn model(i: u32) -> ModelName {
    let mut name = b"model-".to_vec();
    name.extend_from_slice(&i.to_le_bytes());
    name.try_into().expect("short name")
}

fn models(n: u32) -> ModelList {
    (0..n)
        .map(model)
        .collect::<Vec<_>>()
        .try_into()
        .expect("n <= MAX_MODELS_PER_MINER")
}

fn hardware() -> Hardware {
    Hardware {
        gpu_model: b"H100".to_vec().try_into().expect("short"),
        gpu_count: 8,
        vram_mb: 81_920,
    }
}

fn funded<T: Config>(who: &T::AccountId) -> BalanceOf<T> {
    let stake = T::MinStake::get();
    let amount = stake.saturating_mul(10u32.into());
    T::Currency::set_balance(who, amount);
    stake
}

/// Fill each model's candidate list up to one below its bound, so index writes are worst case.
fn crowd<T: Config>(m: u32) {
    let others = T::MaxMinersPerModel::get().saturating_sub(1);
    for i in 0..others {
        let other: T::AccountId = account("other", i, 0);
        for j in 0..m {
            MinersByModel::<T>::mutate(model(j), |l| {
                let _ = l.try_push(other.clone());
            });
        }
    }
}

#[benchmarks]
mod benchmarks {
    use super::*;

    #[benchmark]
    fn register(m: Linear<1, MAX_MODELS_PER_MINER>) {
        let caller: T::AccountId = whitelisted_caller();
        let stake = funded::<T>(&caller);
        crowd::<T>(m);
        #[extrinsic_call]
        _(
            RawOrigin::Signed(caller.clone()),
            hardware(),
            models(m),
            1u32.into(),
            stake,
        );
        assert!(Miners::<T>::contains_key(&caller));
    }

    #[benchmark]
    fn update(m: Linear<1, MAX_MODELS_PER_MINER>) {
        let caller: T::AccountId = whitelisted_caller();
        let stake = funded::<T>(&caller);
        crowd::<T>(MAX_MODELS_PER_MINER);
        Pallet::<T>::do_register(
            &caller,
            hardware(),
            models(MAX_MODELS_PER_MINER),
            1u32.into(),
            stake,
        )
        .expect("registers");
        #[extrinsic_call]
        _(
            RawOrigin::Signed(caller.clone()),
            hardware(),
            models(m),
            2u32.into(),
        );
        assert_eq!(
            Miners::<T>::get(&caller).map(|m| m.models.len() as u32),
            Some(m)
        );
    }

    #[benchmark]
    fn set_stake() {
        let caller: T::AccountId = whitelisted_caller();
        let stake = funded::<T>(&caller);
        Pallet::<T>::do_register(&caller, hardware(), models(1), 1u32.into(), stake)
            .expect("registers");
        let new_stake = stake.saturating_mul(2u32.into());
        #[extrinsic_call]
        _(RawOrigin::Signed(caller.clone()), new_stake);
        assert_eq!(Miners::<T>::get(&caller).map(|m| m.stake), Some(new_stake));
    }

    #[benchmark]
    fn heartbeat() {
        let caller: T::AccountId = whitelisted_caller();
        let stake = funded::<T>(&caller);
        Pallet::<T>::do_register(&caller, hardware(), models(1), 1u32.into(), stake)
            .expect("registers");
        #[extrinsic_call]
        _(RawOrigin::Signed(caller));
    }

    #[benchmark]
    fn deregister(m: Linear<1, MAX_MODELS_PER_MINER>) {
        let caller: T::AccountId = whitelisted_caller();
        let stake = funded::<T>(&caller);
        crowd::<T>(m);
        Pallet::<T>::do_register(&caller, hardware(), models(m), 1u32.into(), stake)
            .expect("registers");
        #[extrinsic_call]
        _(RawOrigin::Signed(caller.clone()));
        assert!(Miners::<T>::get(&caller).is_some_and(|m| m.status != MinerStatus::Active));
    }

    #[benchmark]
    fn withdraw_unbonded() {
        let caller: T::AccountId = whitelisted_caller();
        let stake = funded::<T>(&caller);
        Pallet::<T>::do_register(&caller, hardware(), models(1), 1u32.into(), stake)
            .expect("registers");
        Pallet::<T>::deregister(RawOrigin::Signed(caller.clone()).into()).expect("deregisters");
        let later =
            frame_system::Pallet::<T>::block_number().saturating_add(T::UnbondingPeriod::get());
        frame_system::Pallet::<T>::set_block_number(later);
        #[extrinsic_call]
        _(RawOrigin::Signed(caller.clone()));
        assert!(!Miners::<T>::contains_key(&caller));
    }

    #[benchmark]
    fn note_outcome_late() {
        let caller: T::AccountId = whitelisted_caller();
        let stake = funded::<T>(&caller);
        Pallet::<T>::do_register(&caller, hardware(), models(1), 1u32.into(), stake)
            .expect("registers");
        <Pallet<T> as MinerRegistry<_, _>>::note_assigned(&caller);
        #[block]
        {
            <Pallet<T> as MinerRegistry<_, _>>::note_outcome(
                &caller,
                aitbc_primitives::JobOutcome::Late,
            );
        }
    }

    // Native timings of the benchmarks above, used to fill `weights.rs` (see the
    // `aitbc-bench-timing` crate docs). Run with:
    // `cargo test --release -p pallet-aitbc-miners --features runtime-benchmarks -- --ignored --nocapture bench_timings`
    #[cfg(test)]
    aitbc_bench_timing::bench_timings!(
        crate::mock::new_test_ext,
        crate::mock::Test;
        register,
        update,
        set_stake,
        heartbeat,
        deregister,
        withdraw_unbonded,
        note_outcome_late,
    );

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
