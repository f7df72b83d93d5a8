//! Benchmarks for `pallet-aitbc-marketplace` (frame-benchmarking v2): every call, plus the
//! per-item costs of `on_initialize` (no-show refund, booking payout).

use super::*;
use aitbc_primitives::{BookingStatus, GpuModel, ListingId};
use frame_benchmarking::v2::*;
use frame_support::traits::{fungible::Mutate, Get, Hooks};
use frame_system::RawOrigin;
use sp_runtime::{traits::Zero, Saturating};

fn gpu(name: &[u8]) -> GpuModel {
    name.to_vec().try_into().expect("short")
}

fn terms<T: Config>(model: &[u8]) -> TermsOf<T> {
    ListingTerms {
        gpu_model: gpu(model),
        vram_mb: 24 * 1024,
        gpu_count: 1,
        hourly_rate: 1_000u32.into(),
        region: b"eu-west".to_vec().try_into().expect("short"),
        available_from: Zero::zero(),
        available_until: T::BlocksPerHour::get()
            .saturating_mul(T::MaxBookingHours::get().into())
            .saturating_mul(4u32.into())
            .saturating_add(1_000u32.into()),
    }
}

fn funded<T: Config>(name: &'static str, i: u32) -> T::AccountId {
    let who: T::AccountId = account(name, i, 0);
    T::Currency::set_balance(&who, 1_000_000_000u32.into());
    who
}

fn listed<T: Config>(provider: &T::AccountId) -> ListingId {
    let id = NextListingId::<T>::get();
    Pallet::<T>::create_listing(
        RawOrigin::Signed(provider.clone()).into(),
        terms::<T>(b"A100"),
    )
    .expect("lists");
    id
}

fn booked<T: Config>() -> (T::AccountId, T::AccountId, aitbc_primitives::BookingId) {
    let provider = funded::<T>("provider", 0);
    let client = funded::<T>("client", 0);
    let listing = listed::<T>(&provider);
    let id = NextBookingId::<T>::get();
    Pallet::<T>::book(RawOrigin::Signed(client.clone()).into(), listing, 1).expect("books");
    (provider, client, id)
}

#[benchmarks]
mod benchmarks {
    use super::*;

    #[benchmark]
    fn create_listing() {
        let provider = funded::<T>("provider", 0);
        #[extrinsic_call]
        _(RawOrigin::Signed(provider), terms::<T>(b"A100"));
        assert_eq!(NextListingId::<T>::get(), 1);
    }

    #[benchmark]
    fn update_listing() {
        let provider = funded::<T>("provider", 0);
        let id = listed::<T>(&provider);
        #[extrinsic_call]
        _(RawOrigin::Signed(provider), id, terms::<T>(b"H100"));
        assert!(ListingsByModel::<T>::contains_key(gpu(b"H100")));
    }

    #[benchmark]
    fn delist() {
        let provider = funded::<T>("provider", 0);
        let id = listed::<T>(&provider);
        #[extrinsic_call]
        _(RawOrigin::Signed(provider), id);
        assert!(Listings::<T>::get(id).is_none());
    }

    #[benchmark]
    fn book() {
        let provider = funded::<T>("provider", 0);
        let client = funded::<T>("client", 0);
        let id = listed::<T>(&provider);
        #[extrinsic_call]
        _(RawOrigin::Signed(client), id, 1);
        assert!(Bookings::<T>::get(0).is_some());
    }

    #[benchmark]
    fn confirm() {
        let (provider, _, id) = booked::<T>();
        #[extrinsic_call]
        _(RawOrigin::Signed(provider), id);
        assert!(matches!(
            Bookings::<T>::get(id).expect("exists").status,
            BookingStatus::Confirmed { .. }
        ));
    }

    #[benchmark]
    fn cancel_booking() {
        let (_, client, id) = booked::<T>();
        #[extrinsic_call]
        _(RawOrigin::Signed(client), id);
        assert_eq!(
            Bookings::<T>::get(id).expect("exists").status,
            BookingStatus::Refunded
        );
    }

    #[benchmark]
    fn release() {
        let (provider, client, id) = booked::<T>();
        Pallet::<T>::confirm(RawOrigin::Signed(provider).into(), id).expect("confirms");
        #[extrinsic_call]
        _(RawOrigin::Signed(client), id);
        assert_eq!(
            Bookings::<T>::get(id).expect("exists").status,
            BookingStatus::Paid
        );
    }

    #[benchmark]
    fn on_initialize_base() {
        let n: BlockNumberFor<T> = 1_000u32.into();
        #[block]
        {
            Pallet::<T>::on_initialize(n);
        }
    }

    #[benchmark]
    fn refund_no_show() {
        let (_, _, id) = booked::<T>();
        let BookingStatus::Requested { confirm_by } =
            Bookings::<T>::get(id).expect("exists").status
        else {
            panic!("requested");
        };
        let at = confirm_by.saturating_add(1u32.into());
        #[block]
        {
            Pallet::<T>::on_initialize(at);
        }
        assert_eq!(
            Bookings::<T>::get(id).expect("exists").status,
            BookingStatus::Refunded
        );
    }

    #[benchmark]
    fn complete_booking() {
        let (provider, _, id) = booked::<T>();
        Pallet::<T>::confirm(RawOrigin::Signed(provider).into(), id).expect("confirms");
        let BookingStatus::Confirmed { ends_at } = Bookings::<T>::get(id).expect("exists").status
        else {
            panic!("confirmed");
        };
        #[block]
        {
            Pallet::<T>::on_initialize(ends_at);
        }
        assert_eq!(
            Bookings::<T>::get(id).expect("exists").status,
            BookingStatus::Paid
        );
    }

    // Native timings of the benchmarks above, used to fill `weights.rs` (see the
    // `aitbc-bench-timing` crate docs). Run with:
    // `cargo test --release -p pallet-aitbc-marketplace --features runtime-benchmarks -- --ignored --nocapture bench_timings`
    #[cfg(test)]
    aitbc_bench_timing::bench_timings!(
        crate::mock::new_test_ext,
        crate::mock::Test;
        create_listing,
        update_listing,
        delist,
        book,
        confirm,
        cancel_booking,
        release,
        on_initialize_base,
        refund_no_show,
        complete_booking,
    );

    impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
