//! Read-only helpers behind the marketplace runtime API, including the pricing oracle.

use aitbc_primitives::{BookingId, GpuModel, ListingId, PriceStats, MAX_PAGE};
use alloc::vec::Vec;
use sp_runtime::{traits::Zero, Saturating};

use crate::{
    BalanceOf, BookingOf, Bookings, BookingsByClient, BookingsByProvider, Config, ListingOf,
    Listings, ListingsByModel, ListingsByProvider, Pallet, RecentPrices,
};

/// Most listing ids [`Pallet::listings`] looks at in one call.
pub const LISTING_SCAN: u64 = 10_000;

/// Median of a sorted, non-empty slice: the middle element, or the mean of the two middle
/// elements (rounded down) for an even length.
fn median<B: sp_runtime::traits::AtLeast32BitUnsigned + Copy>(sorted: &[B]) -> B {
    let n = sorted.len();
    let mid = n / 2;
    if n % 2 == 1 {
        sorted[mid]
    } else {
        // a/2 + b/2 + (both odd) avoids overflow.
        let (a, b) = (sorted[mid - 1], sorted[mid]);
        let two: B = 2u32.into();
        let one: B = 1u32.into();
        let carry = if a % two == one && b % two == one {
            one
        } else {
            Zero::zero()
        };
        a / two + b / two + carry
    }
}

impl<T: Config> Pallet<T> {
    /// One live listing.
    pub fn listing(id: ListingId) -> Option<ListingOf<T>> {
        Listings::<T>::get(id)
    }

    /// Live listings of a GPU model with id `>= from`, ascending, at most `limit` (capped at
    /// `MAX_PAGE`). Booked listings are included (their `booking` is set).
    pub fn listings_by_model(model: &GpuModel, from: ListingId, limit: u32) -> Vec<ListingOf<T>> {
        let mut ids: Vec<ListingId> = ListingsByModel::<T>::get(model)
            .into_iter()
            .filter(|id| *id >= from)
            .collect();
        ids.sort_unstable();
        ids.into_iter()
            .filter_map(Listings::<T>::get)
            .take(limit.min(MAX_PAGE) as usize)
            .collect()
    }

    /// Live listings with id `>= from`, ascending, at most `limit` (capped at `MAX_PAGE`),
    /// looking at no more than `LISTING_SCAN` ids (page on from the last id returned + 1).
    /// For off-chain queries only.
    pub fn listings(from: ListingId, limit: u32) -> Vec<ListingOf<T>> {
        let end = crate::NextListingId::<T>::get().min(from.saturating_add(LISTING_SCAN));
        let limit = limit.min(MAX_PAGE) as usize;
        let mut out = Vec::new();
        let mut id = from;
        while id < end && out.len() < limit {
            if let Some(l) = Listings::<T>::get(id) {
                out.push(l);
            }
            id = id.saturating_add(1);
        }
        out
    }

    /// A provider's live listings, ascending by id, at most `MAX_PAGE`.
    pub fn listings_by_provider(provider: &T::AccountId) -> Vec<ListingOf<T>> {
        let mut ids: Vec<ListingId> = ListingsByProvider::<T>::iter_key_prefix(provider).collect();
        ids.sort_unstable();
        ids.into_iter()
            .take(MAX_PAGE as usize)
            .filter_map(Listings::<T>::get)
            .collect()
    }

    /// One booking.
    pub fn booking(id: BookingId) -> Option<BookingOf<T>> {
        Bookings::<T>::get(id)
    }

    /// An account's bookings, as client or as provider, with id `>= from`, ascending, at most
    /// `limit` (capped at `MAX_PAGE`). For off-chain queries only (it walks the indexes).
    pub fn bookings_of(who: &T::AccountId, from: BookingId, limit: u32) -> Vec<BookingOf<T>> {
        let mut ids: Vec<BookingId> = BookingsByClient::<T>::iter_key_prefix(who)
            .chain(BookingsByProvider::<T>::iter_key_prefix(who))
            .filter(|id| *id >= from)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids.into_iter()
            .take(limit.min(MAX_PAGE) as usize)
            .filter_map(Bookings::<T>::get)
            .collect()
    }

    /// Price statistics of a GPU model (see the pallet docs for the sample and the formulas).
    /// `None` when there is neither a live listing nor a recent paid booking of the model.
    pub fn price_stats(model: &GpuModel) -> Option<PriceStats<BalanceOf<T>>> {
        let mut listed: Vec<BalanceOf<T>> = ListingsByModel::<T>::get(model)
            .into_iter()
            .filter_map(Listings::<T>::get)
            .map(|l| l.terms.hourly_rate)
            .collect();
        let mut booked: Vec<BalanceOf<T>> = RecentPrices::<T>::get(model).into_inner();
        Self::stats_of(&mut listed, &mut booked)
    }

    /// The statistics of a sample of listed and booked prices (sorts both).
    pub fn stats_of(
        listed: &mut [BalanceOf<T>],
        booked: &mut [BalanceOf<T>],
    ) -> Option<PriceStats<BalanceOf<T>>> {
        listed.sort_unstable();
        booked.sort_unstable();
        let mut all: Vec<BalanceOf<T>> = listed.iter().chain(booked.iter()).copied().collect();
        all.sort_unstable();
        let n = all.len();
        let (min, max) = (*all.first()?, *all.last()?);
        let n_bal: BalanceOf<T> = (n as u32).into();
        // Sum / n without overflow: sum of quotients plus the quotient of the remainders.
        let (q, r) = all.iter().fold(
            (BalanceOf::<T>::zero(), BalanceOf::<T>::zero()),
            |(q, r), p| (q.saturating_add(*p / n_bal), r.saturating_add(*p % n_bal)),
        );
        let average = q.saturating_add(r / n_bal);
        let two: BalanceOf<T> = 2u32.into();
        let three: BalanceOf<T> = 3u32.into();
        let suggested = match (listed.is_empty(), booked.is_empty()) {
            (false, false) => {
                let (l, b) = (median(listed), median(booked));
                // (l + 2b) / 3 without overflow.
                (l / three)
                    .saturating_add(b / three * two)
                    .saturating_add((l % three + b % three * two) / three)
            }
            (false, true) => median(listed),
            _ => median(booked),
        };
        Some(PriceStats {
            sample_size: n as u32,
            listings: listed.len() as u32,
            bookings: booked.len() as u32,
            average,
            median: median(&all),
            min,
            max,
            suggested,
        })
    }
}
