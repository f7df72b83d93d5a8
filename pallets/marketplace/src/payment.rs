//! Booking payments: every movement of a booking's cost happens here.
//!
//! - [`Pallet::hold_cost`]: at booking, the cost goes on hold from the client
//!   (`HoldReason::BookingPayment`).
//! - [`Pallet::pay`]: at completion, the whole hold goes to the provider (`transfer_on_hold`,
//!   exact, free). Should that transfer fail, the client is refunded instead, so the booking
//!   still ends.
//! - [`Pallet::refund`]: at cancellation or provider no-show, the whole hold is released to the
//!   client.
//!
//! After `pay` or `refund` the booking is `Paid` or `Refunded`, nothing is held for it, and its
//! listing is free again.

use aitbc_primitives::BookingStatus;
use frame_support::{
    ensure,
    traits::{
        fungible::{Inspect, MutateHold},
        tokens::{Fortitude, Precision, Preservation, Restriction},
    },
};
use sp_runtime::{traits::Zero, DispatchResult};

use crate::{
    BalanceOf, BookingOf, Config, Error, Event, HoldReason, Pallet, RecentPrices, RefundReason,
};

impl<T: Config> Pallet<T> {
    /// Hold `cost` from `client`.
    pub(crate) fn hold_cost(client: &T::AccountId, cost: BalanceOf<T>) -> DispatchResult {
        let free = T::Currency::reducible_balance(client, Preservation::Protect, Fortitude::Polite);
        ensure!(free >= cost, Error::<T>::InsufficientBalance);
        T::Currency::hold(&HoldReason::BookingPayment.into(), client, cost)
            .map_err(|_| Error::<T>::InsufficientBalance)?;
        Ok(())
    }

    /// Pay the booking's cost to its provider and mark it `Paid` (or, if the transfer fails,
    /// refund the client). Records the rate for the pricing oracle. The caller stores the
    /// booking.
    pub fn pay(booking: &mut BookingOf<T>) -> DispatchResult {
        let paid = if booking.cost.is_zero() {
            Ok(Zero::zero())
        } else {
            T::Currency::transfer_on_hold(
                &HoldReason::BookingPayment.into(),
                &booking.client,
                &booking.provider,
                booking.cost,
                Precision::Exact,
                Restriction::Free,
                Fortitude::Force,
            )
        };
        let Ok(amount) = paid else {
            return Self::refund(booking, RefundReason::PaymentFailed);
        };
        booking.status = BookingStatus::Paid;
        Self::free_listing(booking);
        RecentPrices::<T>::mutate(&booking.gpu_model, |prices| {
            if prices.is_full() {
                prices.remove(0);
            }
            // Cannot fail: there is room now (or the bound is zero and nothing is kept).
            let _ = prices.try_push(booking.hourly_rate);
        });
        Self::deposit_event(Event::BookingPaid {
            booking_id: booking.id,
            provider: booking.provider.clone(),
            amount,
        });
        Ok(())
    }

    /// Release the booking's whole cost to its client and mark it `Refunded`. The caller
    /// stores the booking.
    pub fn refund(booking: &mut BookingOf<T>, reason: RefundReason) -> DispatchResult {
        if !booking.cost.is_zero() {
            T::Currency::release(
                &HoldReason::BookingPayment.into(),
                &booking.client,
                booking.cost,
                Precision::Exact,
            )?;
        }
        booking.status = BookingStatus::Refunded;
        Self::free_listing(booking);
        Self::deposit_event(Event::BookingRefunded {
            booking_id: booking.id,
            client: booking.client.clone(),
            amount: booking.cost,
            reason,
        });
        Ok(())
    }
}
