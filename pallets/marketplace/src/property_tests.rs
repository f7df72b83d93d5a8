//! Property tests: random sequences of marketplace calls and blocks keep the money invariants.
//!
//! - total issuance == sum of free + held balances, always (the market mints and burns nothing);
//! - the amount held for bookings == the sum of the costs of open (requested or confirmed)
//!   bookings;
//! - every booking ends `Paid` or `Refunded` once enough blocks pass, and then nothing is held;
//! - a paid booking moved exactly its cost from client to provider.

use crate::{mock::*, Bookings, HoldReason, Listings};
use aitbc_primitives::BookingStatus;
use frame_support::traits::fungible::{Inspect, InspectHold};
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    List {
        provider: u64,
        model: u8,
        count: u32,
        rate: u128,
    },
    Book {
        client: u64,
        listing: u64,
        hours: u32,
    },
    Confirm {
        booking: u64,
    },
    Cancel {
        booking: u64,
    },
    Release {
        booking: u64,
    },
    Delist {
        listing: u64,
    },
    Blocks(u64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (1..=9u64, 0..3u8, 1..4u32, 1..200u128).prop_map(|(provider, model, count, rate)| {
            Op::List {
                provider,
                model,
                count,
                rate,
            }
        }),
        (1..=10u64, 0..8u64, 0..6u32).prop_map(|(client, listing, hours)| Op::Book {
            client,
            listing,
            hours
        }),
        (0..12u64).prop_map(|booking| Op::Confirm { booking }),
        (0..12u64).prop_map(|booking| Op::Cancel { booking }),
        (0..12u64).prop_map(|booking| Op::Release { booking }),
        (0..8u64).prop_map(|listing| Op::Delist { listing }),
        (1..15u64).prop_map(Op::Blocks),
    ]
}

fn held_total() -> u128 {
    (0..=20u64)
        .map(|a| Balances::balance_on_hold(&HoldReason::BookingPayment.into(), &a))
        .sum()
}

fn open_costs() -> u128 {
    Bookings::<Test>::iter_values()
        .filter(|b| !b.status.is_terminal())
        .map(|b| b.cost)
        .sum()
}

fn check_invariants() {
    assert_eq!(Balances::total_issuance(), total_balances());
    assert_eq!(held_total(), open_costs());
    // A listing points at a booking only while that booking is open.
    for l in Listings::<Test>::iter_values() {
        if let Some(b) = l.booking {
            assert!(!Bookings::<Test>::get(b).unwrap().status.is_terminal());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn bookings_always_end_paid_or_refunded(ops in proptest::collection::vec(op(), 1..40)) {
        new_test_ext().execute_with(|| {
            let issuance = Balances::total_issuance();
            let start: Vec<u128> = (0..=20u64).map(|a| Balances::balance(&a)).collect();
            for op in ops {
                let s = |a: u64| RuntimeOrigin::signed(a);
                let provider_of = |id: u64| Bookings::<Test>::get(id).map(|b| b.provider).unwrap_or(0);
                let client_of = |id: u64| Bookings::<Test>::get(id).map(|b| b.client).unwrap_or(0);
                let _ = match op {
                    Op::List { provider, model, count, rate } => Marketplace::create_listing(
                        s(provider),
                        terms(["A100", "H100", "RTX 4090"][model as usize], count, rate),
                    ),
                    Op::Book { client, listing, hours } => Marketplace::book(s(client), listing, hours),
                    Op::Confirm { booking } => Marketplace::confirm(s(provider_of(booking)), booking),
                    Op::Cancel { booking } => Marketplace::cancel_booking(s(client_of(booking)), booking),
                    Op::Release { booking } => Marketplace::release(s(client_of(booking)), booking),
                    Op::Delist { listing } => {
                        let p = Listings::<Test>::get(listing).map(|l| l.provider).unwrap_or(0);
                        Marketplace::delist(s(p), listing)
                    }
                    Op::Blocks(n) => {
                        run_to(System::block_number() + n);
                        Ok(())
                    }
                };
                check_invariants();
            }
            // Longest booking: confirmation window + 24 hours (+ schedule spill-over).
            run_to(System::block_number() + CONFIRM_TIMEOUT + 24 * HOUR + 20);
            check_invariants();
            prop_assert_eq!(held_total(), 0);
            prop_assert_eq!(Balances::total_issuance(), issuance);
            let mut paid_to = [0i128; 21];
            for b in Bookings::<Test>::iter_values() {
                prop_assert!(matches!(b.status, BookingStatus::Paid | BookingStatus::Refunded));
                if b.status == BookingStatus::Paid {
                    paid_to[b.provider as usize] += b.cost as i128;
                    paid_to[b.client as usize] -= b.cost as i128;
                }
            }
            for a in 0..=20u64 {
                prop_assert_eq!(
                    Balances::balance(&a) as i128,
                    start[a as usize] as i128 + paid_to[a as usize]
                );
            }
            Ok(())
        })?;
    }
}
