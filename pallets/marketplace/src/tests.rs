//! Unit tests: every call, every error, the per-block work and the pricing oracle.

use crate::{
    mock::*, BookingEnds, Bookings, ConfirmDeadlines, Error, Event, HoldReason, ListingCount,
    Listings, ListingsByModel, RecentPrices, RefundReason,
};
use aitbc_primitives::BookingStatus;
use frame_support::{
    assert_noop, assert_ok,
    traits::fungible::{Inspect, InspectHold},
};

fn held(who: AccountId) -> Balance {
    Balances::balance_on_hold(&HoldReason::BookingPayment.into(), &who)
}

fn list(provider: AccountId, model: &str, count: u32, rate: Balance) -> u64 {
    let id = crate::NextListingId::<Test>::get();
    assert_ok!(Marketplace::create_listing(
        RuntimeOrigin::signed(provider),
        terms(model, count, rate)
    ));
    id
}

fn issuance_matches() {
    assert_eq!(Balances::total_issuance(), total_balances());
}

#[test]
fn create_listing_works_and_indexes() {
    new_test_ext().execute_with(|| {
        let id = list(1, "RTX 4090", 2, 50);
        let l = Listings::<Test>::get(id).unwrap();
        assert_eq!((l.provider, l.booking, l.created_at), (1, None, 1));
        assert_eq!(
            ListingsByModel::<Test>::get(gpu("RTX 4090")).into_inner(),
            vec![id]
        );
        assert_eq!(ListingCount::<Test>::get(1), 1);
        System::assert_last_event(
            Event::ListingCreated {
                listing_id: id,
                provider: 1,
                gpu_model: gpu("RTX 4090"),
                hourly_rate: 50,
            }
            .into(),
        );
    });
}

#[test]
fn create_listing_rejects_bad_terms() {
    new_test_ext().execute_with(|| {
        let o = || RuntimeOrigin::signed(1);
        let mut t = terms("", 1, 5);
        assert_noop!(
            Marketplace::create_listing(o(), t.clone()),
            Error::<Test>::EmptyGpuModel
        );
        t = terms("A100", 0, 5);
        assert_noop!(
            Marketplace::create_listing(o(), t),
            Error::<Test>::InvalidHardware
        );
        t = terms("A100", 1, 5);
        t.vram_mb = 0;
        assert_noop!(
            Marketplace::create_listing(o(), t),
            Error::<Test>::InvalidHardware
        );
        assert_noop!(
            Marketplace::create_listing(o(), terms("A100", 1, 0)),
            Error::<Test>::ZeroRate
        );
        t = terms("A100", 1, 5);
        t.available_from = 10;
        t.available_until = 10;
        assert_noop!(
            Marketplace::create_listing(o(), t.clone()),
            Error::<Test>::InvalidWindow
        );
        run_to(20);
        t.available_from = 0;
        t.available_until = 15;
        assert_noop!(
            Marketplace::create_listing(o(), t),
            Error::<Test>::InvalidWindow
        );
    });
}

#[test]
fn listing_limits_per_provider_and_model() {
    new_test_ext().execute_with(|| {
        for _ in 0..4 {
            list(1, "A100", 1, 5);
        }
        assert_noop!(
            Marketplace::create_listing(RuntimeOrigin::signed(1), terms("A100", 1, 5)),
            Error::<Test>::TooManyListings
        );
        list(2, "A100", 1, 5);
        list(2, "A100", 1, 5);
        assert_noop!(
            Marketplace::create_listing(RuntimeOrigin::signed(2), terms("A100", 1, 5)),
            Error::<Test>::ModelListingsFull
        );
        // Another model still has room.
        list(2, "H100", 1, 5);
    });
}

#[test]
fn update_listing_works_and_moves_model_index() {
    new_test_ext().execute_with(|| {
        let id = list(1, "A100", 1, 5);
        assert_ok!(Marketplace::update_listing(
            RuntimeOrigin::signed(1),
            id,
            terms("H100", 2, 9)
        ));
        assert_eq!(
            Listings::<Test>::get(id).unwrap().terms,
            terms("H100", 2, 9)
        );
        assert!(!ListingsByModel::<Test>::contains_key(gpu("A100")));
        assert_eq!(
            ListingsByModel::<Test>::get(gpu("H100")).into_inner(),
            vec![id]
        );
        System::assert_last_event(
            Event::ListingUpdated {
                listing_id: id,
                hourly_rate: 9,
            }
            .into(),
        );
    });
}

#[test]
fn update_listing_errors() {
    new_test_ext().execute_with(|| {
        let id = list(1, "A100", 1, 5);
        assert_noop!(
            Marketplace::update_listing(RuntimeOrigin::signed(1), 99, terms("A100", 1, 5)),
            Error::<Test>::UnknownListing
        );
        assert_noop!(
            Marketplace::update_listing(RuntimeOrigin::signed(2), id, terms("A100", 1, 5)),
            Error::<Test>::NotProvider
        );
        assert_noop!(
            Marketplace::update_listing(RuntimeOrigin::signed(1), id, terms("A100", 1, 0)),
            Error::<Test>::ZeroRate
        );
        for _ in 0..4 {
            list(3, "H100", 1, 5);
        }
        list(4, "H100", 1, 5);
        list(4, "H100", 1, 5);
        assert_noop!(
            Marketplace::update_listing(RuntimeOrigin::signed(1), id, terms("H100", 1, 5)),
            Error::<Test>::ModelListingsFull
        );
        assert_ok!(Marketplace::book(RuntimeOrigin::signed(2), id, 1));
        assert_noop!(
            Marketplace::update_listing(RuntimeOrigin::signed(1), id, terms("A100", 1, 6)),
            Error::<Test>::ListingBooked
        );
    });
}

#[test]
fn delist_works_and_errors() {
    new_test_ext().execute_with(|| {
        let id = list(1, "A100", 1, 5);
        assert_noop!(
            Marketplace::delist(RuntimeOrigin::signed(1), 99),
            Error::<Test>::UnknownListing
        );
        assert_noop!(
            Marketplace::delist(RuntimeOrigin::signed(2), id),
            Error::<Test>::NotProvider
        );
        assert_ok!(Marketplace::book(RuntimeOrigin::signed(2), id, 1));
        assert_noop!(
            Marketplace::delist(RuntimeOrigin::signed(1), id),
            Error::<Test>::ListingBooked
        );
        assert_ok!(Marketplace::cancel_booking(RuntimeOrigin::signed(2), 0));
        assert_ok!(Marketplace::delist(RuntimeOrigin::signed(1), id));
        assert!(Listings::<Test>::get(id).is_none());
        assert!(!ListingsByModel::<Test>::contains_key(gpu("A100")));
        assert_eq!(ListingCount::<Test>::get(1), 0);
        System::assert_last_event(Event::Delisted { listing_id: id }.into());
    });
}

#[test]
fn book_holds_cost_and_confirm_then_end_pays_provider() {
    new_test_ext().execute_with(|| {
        let id = list(1, "RTX 4090", 2, 50);
        assert_ok!(Marketplace::book(RuntimeOrigin::signed(2), id, 3));
        // 50 per GPU-hour x 2 GPUs x 3 hours.
        assert_eq!(held(2), 300);
        assert_eq!(Balances::balance(&2), 9_700);
        let b = Bookings::<Test>::get(0).unwrap();
        assert_eq!(
            b.status,
            BookingStatus::Requested {
                confirm_by: 1 + CONFIRM_TIMEOUT
            }
        );
        assert_eq!(Listings::<Test>::get(id).unwrap().booking, Some(0));
        System::assert_last_event(
            Event::Booked {
                booking_id: 0,
                listing_id: id,
                client: 2,
                cost: 300,
                confirm_by: 4,
            }
            .into(),
        );
        run_to(4);
        assert_ok!(Marketplace::confirm(RuntimeOrigin::signed(1), 0));
        let ends_at = 4 + 3 * HOUR;
        assert_eq!(
            Bookings::<Test>::get(0).unwrap().status,
            BookingStatus::Confirmed { ends_at }
        );
        // The deadline passing does not refund a confirmed booking.
        run_to(ends_at - 1);
        assert_eq!(held(2), 300);
        run_to(ends_at);
        assert_eq!(
            Bookings::<Test>::get(0).unwrap().status,
            BookingStatus::Paid
        );
        assert_eq!(
            (held(2), Balances::balance(&2), Balances::balance(&1)),
            (0, 9_700, 10_300)
        );
        assert_eq!(Listings::<Test>::get(id).unwrap().booking, None);
        assert_eq!(
            RecentPrices::<Test>::get(gpu("RTX 4090")).into_inner(),
            vec![50]
        );
        System::assert_has_event(
            Event::BookingPaid {
                booking_id: 0,
                provider: 1,
                amount: 300,
            }
            .into(),
        );
        issuance_matches();
    });
}

#[test]
fn release_pays_early() {
    new_test_ext().execute_with(|| {
        let id = list(1, "A100", 1, 40);
        assert_ok!(Marketplace::book(RuntimeOrigin::signed(2), id, 2));
        assert_noop!(
            Marketplace::release(RuntimeOrigin::signed(2), 0),
            Error::<Test>::BookingNotConfirmed
        );
        assert_ok!(Marketplace::confirm(RuntimeOrigin::signed(1), 0));
        assert_noop!(
            Marketplace::release(RuntimeOrigin::signed(1), 0),
            Error::<Test>::NotClient
        );
        assert_noop!(
            Marketplace::release(RuntimeOrigin::signed(2), 7),
            Error::<Test>::UnknownBooking
        );
        assert_ok!(Marketplace::release(RuntimeOrigin::signed(2), 0));
        assert_eq!((held(2), Balances::balance(&1)), (0, 10_080));
        // The scheduled end later finds it paid and does nothing.
        run_to(1 + 2 * HOUR);
        assert_eq!(Balances::balance(&1), 10_080);
        assert_noop!(
            Marketplace::release(RuntimeOrigin::signed(2), 0),
            Error::<Test>::BookingNotConfirmed
        );
        issuance_matches();
    });
}

#[test]
fn cancel_before_confirmation_refunds() {
    new_test_ext().execute_with(|| {
        let id = list(1, "A100", 1, 40);
        assert_ok!(Marketplace::book(RuntimeOrigin::signed(2), id, 2));
        assert_noop!(
            Marketplace::cancel_booking(RuntimeOrigin::signed(3), 0),
            Error::<Test>::NotClient
        );
        assert_noop!(
            Marketplace::cancel_booking(RuntimeOrigin::signed(2), 5),
            Error::<Test>::UnknownBooking
        );
        assert_ok!(Marketplace::cancel_booking(RuntimeOrigin::signed(2), 0));
        assert_eq!((held(2), Balances::balance(&2)), (0, 10_000));
        assert_eq!(
            Bookings::<Test>::get(0).unwrap().status,
            BookingStatus::Refunded
        );
        assert_eq!(Listings::<Test>::get(id).unwrap().booking, None);
        System::assert_last_event(
            Event::BookingRefunded {
                booking_id: 0,
                client: 2,
                amount: 80,
                reason: RefundReason::Cancelled,
            }
            .into(),
        );
        assert_noop!(
            Marketplace::cancel_booking(RuntimeOrigin::signed(2), 0),
            Error::<Test>::BookingNotRequested
        );
        assert_noop!(
            Marketplace::confirm(RuntimeOrigin::signed(1), 0),
            Error::<Test>::BookingNotRequested
        );
        // Refunded bookings are not in the price sample.
        assert!(RecentPrices::<Test>::get(gpu("A100")).is_empty());
    });
}

#[test]
fn cannot_cancel_after_confirmation() {
    new_test_ext().execute_with(|| {
        let id = list(1, "A100", 1, 40);
        assert_ok!(Marketplace::book(RuntimeOrigin::signed(2), id, 2));
        assert_ok!(Marketplace::confirm(RuntimeOrigin::signed(1), 0));
        assert_noop!(
            Marketplace::cancel_booking(RuntimeOrigin::signed(2), 0),
            Error::<Test>::BookingNotRequested
        );
    });
}

#[test]
fn provider_no_show_refunds_at_deadline() {
    new_test_ext().execute_with(|| {
        let id = list(1, "A100", 1, 40);
        assert_ok!(Marketplace::book(RuntimeOrigin::signed(2), id, 2));
        run_to(1 + CONFIRM_TIMEOUT);
        assert_eq!(held(2), 80);
        run_to(2 + CONFIRM_TIMEOUT);
        assert_eq!((held(2), Balances::balance(&2)), (0, 10_000));
        assert_eq!(
            Bookings::<Test>::get(0).unwrap().status,
            BookingStatus::Refunded
        );
        System::assert_last_event(
            Event::BookingRefunded {
                booking_id: 0,
                client: 2,
                amount: 80,
                reason: RefundReason::ProviderNoShow,
            }
            .into(),
        );
        assert_noop!(
            Marketplace::confirm(RuntimeOrigin::signed(1), 0),
            Error::<Test>::BookingNotRequested
        );
        // The listing can be booked again.
        assert_ok!(Marketplace::book(RuntimeOrigin::signed(3), id, 1));
    });
}

#[test]
fn book_errors() {
    new_test_ext().execute_with(|| {
        let id = list(1, "A100", 2, 40);
        let o = |a| RuntimeOrigin::signed(a);
        assert_noop!(Marketplace::book(o(2), 9, 1), Error::<Test>::UnknownListing);
        assert_noop!(Marketplace::book(o(1), id, 1), Error::<Test>::OwnListing);
        assert_noop!(
            Marketplace::book(o(2), id, 0),
            Error::<Test>::InvalidDuration
        );
        assert_noop!(
            Marketplace::book(o(2), id, 25),
            Error::<Test>::InvalidDuration
        );
        // 40 x 2 x 24 = 1920 is fine; account 10 has nothing.
        assert_noop!(
            Marketplace::book(o(10), id, 24),
            Error::<Test>::InsufficientBalance
        );
        // Overflowing cost.
        let big = list(3, "H100", 2, u128::MAX / 2 + 1);
        assert_noop!(Marketplace::book(o(2), big, 1), Error::<Test>::CostOverflow);
        // Outside the window.
        let mut t = terms("V100", 1, 5);
        t.available_from = 50;
        t.available_until = 100;
        assert_ok!(Marketplace::create_listing(o(4), t));
        let late = crate::NextListingId::<Test>::get() - 1;
        assert_noop!(
            Marketplace::book(o(2), late, 1),
            Error::<Test>::NotAvailable
        );
        run_to(50);
        assert_noop!(
            Marketplace::book(o(2), late, 6),
            Error::<Test>::NotAvailable
        );
        assert_ok!(Marketplace::book(o(2), late, 5));
        assert_noop!(
            Marketplace::book(o(3), late, 1),
            Error::<Test>::ListingBooked
        );
    });
}

#[test]
fn confirm_errors() {
    new_test_ext().execute_with(|| {
        let id = list(1, "A100", 1, 40);
        assert_ok!(Marketplace::book(RuntimeOrigin::signed(2), id, 1));
        assert_noop!(
            Marketplace::confirm(RuntimeOrigin::signed(1), 3),
            Error::<Test>::UnknownBooking
        );
        assert_noop!(
            Marketplace::confirm(RuntimeOrigin::signed(2), 0),
            Error::<Test>::NotProvider
        );
        assert_ok!(Marketplace::confirm(RuntimeOrigin::signed(1), 0));
        assert_noop!(
            Marketplace::confirm(RuntimeOrigin::signed(1), 0),
            Error::<Test>::BookingNotRequested
        );
    });
}

#[test]
fn schedule_spills_over_and_then_fails() {
    new_test_ext().execute_with(|| {
        // Two deadlines fit per block; the search looks 8 blocks ahead.
        for b in 0..(2 * crate::SCHEDULE_SEARCH) {
            ConfirmDeadlines::<Test>::mutate(5 + b as u64, |v| while v.try_push(999).is_ok() {});
        }
        let id = list(1, "A100", 1, 40);
        assert_noop!(
            Marketplace::book(RuntimeOrigin::signed(2), id, 1),
            Error::<Test>::ScheduleFull
        );
        ConfirmDeadlines::<Test>::remove(12);
        assert_ok!(Marketplace::book(RuntimeOrigin::signed(2), id, 1));
        assert_eq!(
            Bookings::<Test>::get(0).unwrap().status,
            BookingStatus::Requested { confirm_by: 11 }
        );
        // Ends spill over too.
        for b in 0..crate::SCHEDULE_SEARCH {
            BookingEnds::<Test>::mutate(1 + HOUR + b as u64, |v| while v.try_push(999).is_ok() {});
        }
        assert_noop!(
            Marketplace::confirm(RuntimeOrigin::signed(1), 0),
            Error::<Test>::ScheduleFull
        );
    });
}

#[test]
fn unsigned_calls_are_rejected() {
    new_test_ext().execute_with(|| {
        assert_noop!(
            Marketplace::create_listing(RuntimeOrigin::none(), terms("A100", 1, 5)),
            sp_runtime::DispatchError::BadOrigin
        );
        assert_noop!(
            Marketplace::book(RuntimeOrigin::root(), 0, 1),
            sp_runtime::DispatchError::BadOrigin
        );
    });
}

#[test]
fn pricing_oracle_formulas() {
    new_test_ext().execute_with(|| {
        assert_eq!(Marketplace::price_stats(&gpu("RTX 4090")), None);
        list(1, "RTX 4090", 1, 10);
        list(1, "RTX 4090", 1, 30);
        list(3, "RTX 4090", 1, 20);
        list(3, "A100", 1, 1_000);
        let s = Marketplace::price_stats(&gpu("RTX 4090")).unwrap();
        assert_eq!(
            (
                s.sample_size,
                s.listings,
                s.bookings,
                s.average,
                s.median,
                s.min,
                s.max,
                s.suggested
            ),
            (3, 3, 0, 20, 20, 10, 30, 20)
        );
        // A paid booking at 30 (listing 1).
        assert_ok!(Marketplace::book(RuntimeOrigin::signed(2), 1, 1));
        assert_ok!(Marketplace::confirm(RuntimeOrigin::signed(1), 0));
        assert_ok!(Marketplace::release(RuntimeOrigin::signed(2), 0));
        let s = Marketplace::price_stats(&gpu("RTX 4090")).unwrap();
        // Sample 10, 20, 30 (listed) + 30 (booked): mean 22, median (20+30)/2 = 25;
        // suggested (20 + 2*30) / 3 = 26.
        assert_eq!(
            (
                s.sample_size,
                s.listings,
                s.bookings,
                s.average,
                s.median,
                s.min,
                s.max,
                s.suggested
            ),
            (4, 3, 1, 22, 25, 10, 30, 26)
        );
        // Only bookings left: suggested is their median.
        for id in 0..3 {
            let p = Listings::<Test>::get(id).unwrap().provider;
            assert_ok!(Marketplace::delist(RuntimeOrigin::signed(p), id));
        }
        let s = Marketplace::price_stats(&gpu("RTX 4090")).unwrap();
        assert_eq!((s.sample_size, s.median, s.suggested), (1, 30, 30));
    });
}

#[test]
fn recent_prices_keep_the_newest() {
    new_test_ext().execute_with(|| {
        let id = list(1, "A100", 1, 1);
        for (i, rate) in [1u128, 2, 3, 4, 5, 6].into_iter().enumerate() {
            assert_ok!(Marketplace::update_listing(
                RuntimeOrigin::signed(1),
                id,
                terms("A100", 1, rate)
            ));
            assert_ok!(Marketplace::book(RuntimeOrigin::signed(2), id, 1));
            assert_ok!(Marketplace::confirm(RuntimeOrigin::signed(1), i as u64));
            assert_ok!(Marketplace::release(RuntimeOrigin::signed(2), i as u64));
        }
        assert_eq!(
            RecentPrices::<Test>::get(gpu("A100")).into_inner(),
            vec![3, 4, 5, 6]
        );
    });
}

#[test]
fn queries_page_and_filter() {
    new_test_ext().execute_with(|| {
        let a = list(1, "A100", 1, 5);
        let b = list(2, "A100", 1, 6);
        let c = list(1, "H100", 1, 7);
        let ids = |v: Vec<crate::ListingOf<Test>>| v.into_iter().map(|l| l.id).collect::<Vec<_>>();
        assert_eq!(
            ids(Marketplace::listings_by_model(&gpu("A100"), 0, 10)),
            vec![a, b]
        );
        assert_eq!(
            ids(Marketplace::listings_by_model(&gpu("A100"), 1, 10)),
            vec![b]
        );
        assert_eq!(
            ids(Marketplace::listings_by_model(&gpu("A100"), 0, 1)),
            vec![a]
        );
        assert_eq!(ids(Marketplace::listings(0, 10)), vec![a, b, c]);
        assert_eq!(ids(Marketplace::listings(2, 10)), vec![c]);
        assert_eq!(ids(Marketplace::listings_by_provider(&1)), vec![a, c]);
        assert_ok!(Marketplace::book(RuntimeOrigin::signed(3), b, 1));
        assert_eq!(Marketplace::bookings_of(&3, 0, 10).len(), 1);
        assert_eq!(Marketplace::bookings_of(&2, 0, 10).len(), 1);
        assert!(Marketplace::bookings_of(&1, 0, 10).is_empty());
        assert_eq!(Marketplace::booking(0).unwrap().cost, 6);
        assert_eq!(Marketplace::listing(c).unwrap().terms.hourly_rate, 7);
    });
}

#[test]
fn storage_version_is_declared_and_upgrades_keep_it() {
    use frame_support::traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion};
    new_test_ext().execute_with(|| {
        assert_eq!(
            Marketplace::in_code_storage_version(),
            StorageVersion::new(0)
        );
        assert_eq!(
            Marketplace::on_chain_storage_version(),
            Marketplace::in_code_storage_version()
        );
        let root = sp_io::storage::root(sp_runtime::StateVersion::V1);
        AllPalletsWithSystem::on_runtime_upgrade();
        assert_eq!(
            Marketplace::on_chain_storage_version(),
            Marketplace::in_code_storage_version()
        );
        assert_eq!(sp_io::storage::root(sp_runtime::StateVersion::V1), root);
    });
}
