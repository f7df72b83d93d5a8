//! Benchmarks for `pallet-aitbc-validator-set` (frame-benchmarking v2).

use super::*;
use alloc::vec::Vec;
use frame_benchmarking::v2::*;
use frame_support::{traits::Get, BoundedVec};
use frame_system::RawOrigin;
use sp_consensus_aura::sr25519::AuthorityId as AuraId;
use sp_consensus_grandpa::AuthorityId as GrandpaId;
use sp_core::{ed25519, sr25519};

/// `n` distinct `(aura, grandpa)` key pairs (public keys only: nothing is signed).
fn validators(n: u32) -> Vec<(AuraId, GrandpaId)> {
    (0..n)
        .map(|i| {
            let mut raw = [0u8; 32];
            raw[..4].copy_from_slice(&i.to_le_bytes());
            (
                AuraId::from(sr25519::Public::from_raw(raw)),
                GrandpaId::from(ed25519::Public::from_raw(raw)),
            )
        })
        .collect()
}

#[benchmarks]
mod benchmarks {
    use super::*;

    #[benchmark]
    fn set_validators(n: Linear<1, { T::MaxValidators::get() }>) -> Result<(), BenchmarkError> {
        let set: BoundedVec<_, T::MaxValidators> = validators(n)
            .try_into()
            .map_err(|_| BenchmarkError::Stop("n fits MaxValidators"))?;
        let set_id = pallet_grandpa::CurrentSetId::<T>::get();
        #[extrinsic_call]
        _(RawOrigin::Root, set);
        assert_eq!(pallet_grandpa::CurrentSetId::<T>::get(), set_id + 1);
        assert_eq!(pallet_aura::Authorities::<T>::get().len(), n as usize);
        Ok(())
    }

    // Native timings of the benchmarks above, used to fill `weights.rs` (see the
    // `aitbc-bench-timing` crate docs). Run with:
    // `cargo test --release -p pallet-aitbc-validator-set --features runtime-benchmarks -- --ignored --nocapture bench_timings`
    #[cfg(test)]
    aitbc_bench_timing::bench_timings!(
        crate::mock::new_test_ext,
        crate::mock::Test;
        set_validators,
    );

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
