//! Benchmarks for `pallet-aitbc-profiles` (frame-benchmarking v2).

use super::*;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get};
use frame_system::RawOrigin;
use sp_core::H256;

fn text(len: usize) -> ProfileText {
    alloc::vec![b'x'; len].try_into().unwrap_or_default()
}

/// A profile of the largest size, distinct per `i`.
fn profile(i: u32) -> ExecutionProfile {
    ExecutionProfile {
        name: text(64),
        model: alloc::vec![b'm'; 128].try_into().unwrap_or_default(),
        weights_sha256: H256::from_low_u64_be(i as u64),
        tokenizer_sha256: H256::repeat_byte(2),
        backend: text(64),
        dtype: text(64),
        decoding: Decoding::Seeded {
            seed: i as u64,
            temperature_milli: 700,
            top_p_milli: 900,
        },
        hardware_class: text(64),
    }
}

fn funded<T: Config>(name: &'static str, i: u32) -> T::AccountId
where
    T::Currency: Mutate<T::AccountId>,
{
    let who: T::AccountId = account(name, i, 0);
    let amount = T::ProfileDeposit::get() * 1_000u32.into();
    let _ = T::Currency::mint_into(&who, amount);
    who
}

/// Registers `n` profiles and declares them for `miner` directly in storage, each listing
/// `MaxMinersPerProfile - 1` other miners before `miner` (the longest lists to search).
fn declared_full<T: Config>(miner: &T::AccountId, n: u32) -> Result<Vec<ProfileId>, BenchmarkError>
where
    T::Currency: Mutate<T::AccountId>,
{
    let owner = funded::<T>("owner", 0);
    let others = T::MaxMinersPerProfile::get().saturating_sub(1);
    let mut ids = Vec::new();
    for i in 0..n {
        let p = profile(i);
        let id = profile_id(&p);
        Pallet::<T>::register(RawOrigin::Signed(owner.clone()).into(), p)
            .map_err(|_| BenchmarkError::Stop("register"))?;
        let mut listed: Vec<T::AccountId> = (0..others).map(|j| account("other", j, 0)).collect();
        listed.push(miner.clone());
        ProfileMiners::<T>::insert(
            id,
            frame_support::BoundedVec::try_from(listed)
                .map_err(|_| BenchmarkError::Stop("fits"))?,
        );
        ids.push(id);
    }
    let list: ProfileList = ids
        .clone()
        .try_into()
        .map_err(|_| BenchmarkError::Stop("fits"))?;
    MinerProfiles::<T>::insert(miner, list);
    Ok(ids)
}

#[benchmarks(where T::Currency: Mutate<T::AccountId>, T::Miners: Contains<T::AccountId> + BenchmarkMiners<T::AccountId>)]
mod benchmarks {
    use super::*;
    use frame_support::traits::Contains;

    #[benchmark]
    fn register() {
        let owner = funded::<T>("owner", 0);
        let p = profile(0);
        let id = profile_id(&p);
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), p);
        assert!(Profiles::<T>::contains_key(id));
    }

    #[benchmark]
    fn retire() -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner", 0);
        let p = profile(0);
        let id = profile_id(&p);
        Pallet::<T>::register(RawOrigin::Signed(owner.clone()).into(), p)
            .map_err(|_| BenchmarkError::Stop("register"))?;
        #[extrinsic_call]
        _(RawOrigin::Signed(owner), id);
        assert!(!Profiles::<T>::contains_key(id));
        Ok(())
    }

    /// Worst case: the miner swaps `n` old profiles for `n` new ones, each listing
    /// `MaxMinersPerProfile - 1` other miners.
    #[benchmark]
    fn declare(n: Linear<0, MAX_PROFILES_PER_MINER>) -> Result<(), BenchmarkError> {
        let owner = funded::<T>("owner", 0);
        let miner: T::AccountId = account("miner", 0, 0);
        if !T::Miners::contains(&miner) {
            return Err(BenchmarkError::Stop(
                "the benchmark miner must be registered",
            ));
        }
        let others = T::MaxMinersPerProfile::get().saturating_sub(1);
        let mut old = Vec::new();
        let mut new = Vec::new();
        for i in 0..(2 * n) {
            let p = profile(i);
            let id = profile_id(&p);
            Pallet::<T>::register(RawOrigin::Signed(owner.clone()).into(), p)
                .map_err(|_| BenchmarkError::Stop("register"))?;
            let listed: Vec<T::AccountId> = (0..others).map(|j| account("other", j, 0)).collect();
            ProfileMiners::<T>::insert(
                id,
                frame_support::BoundedVec::try_from(listed)
                    .map_err(|_| BenchmarkError::Stop("fits"))?,
            );
            if i < n {
                old.push(id);
            } else {
                new.push(id);
            }
        }
        let old: ProfileList = old.try_into().map_err(|_| BenchmarkError::Stop("fits"))?;
        Pallet::<T>::declare(RawOrigin::Signed(miner.clone()).into(), old)
            .map_err(|_| BenchmarkError::Stop("declare old"))?;
        let new: ProfileList = new.try_into().map_err(|_| BenchmarkError::Stop("fits"))?;
        #[extrinsic_call]
        _(RawOrigin::Signed(miner.clone()), new.clone());
        assert_eq!(MinerProfiles::<T>::get(&miner).len(), new.len());
        Ok(())
    }

    /// Worst case: the miner runs `MAX_PROFILES_PER_MINER` profiles and withdraws from the
    /// first, which lists `MaxMinersPerProfile` miners with this one last.
    #[benchmark]
    fn undeclare() -> Result<(), BenchmarkError> {
        let miner: T::AccountId = account("miner", 0, 0);
        let ids = declared_full::<T>(&miner, MAX_PROFILES_PER_MINER)?;
        let id = ids[0];
        #[extrinsic_call]
        _(RawOrigin::Signed(miner.clone()), id);
        assert!(!Pallet::<T>::runs(&miner, &id));
        assert_eq!(
            MinerProfiles::<T>::get(&miner).len() as u32,
            MAX_PROFILES_PER_MINER - 1
        );
        Ok(())
    }

    /// A former miner declared `n` profiles, each listing `MaxMinersPerProfile` miners with it
    /// last.
    #[benchmark]
    fn prune_declarations(n: Linear<1, MAX_PROFILES_PER_MINER>) -> Result<(), BenchmarkError> {
        let miner: T::AccountId = account("miner", 0, 0);
        let ids = declared_full::<T>(&miner, n)?;
        T::Miners::deactivate(&miner);
        if T::Miners::contains(&miner) {
            return Err(BenchmarkError::Stop("the benchmark miner must be inactive"));
        }
        let caller: T::AccountId = account("caller", 0, 0);
        #[extrinsic_call]
        _(RawOrigin::Signed(caller), miner.clone());
        assert!(!MinerProfiles::<T>::contains_key(&miner));
        assert!(ids
            .iter()
            .all(|id| !Pallet::<T>::miners_of(id).contains(&miner)));
        Ok(())
    }

    // Native timings of the benchmarks above, used to fill `weights.rs` (see the
    // `aitbc-bench-timing` crate docs). Run with:
    // `cargo test --release -p pallet-aitbc-profiles --features runtime-benchmarks -- --ignored --nocapture bench_timings`
    #[cfg(test)]
    aitbc_bench_timing::bench_timings!(
        crate::mock::new_test_ext,
        crate::mock::Test;
        register,
        retire,
        declare,
        undeclare,
        prune_declarations,
    );

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
