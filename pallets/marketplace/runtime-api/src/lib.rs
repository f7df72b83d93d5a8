//! Runtime API of the AITBC GPU marketplace: typed queries for the CLI and explorers.
//!
//! [`MarketplaceApi`]: listings and offers by GPU model, bookings, and the pricing oracle.
//!
//! Paging: `from` is the first id to return (ascending; pass the last id seen + 1 for the next
//! page) and `limit` is capped at [`aitbc_primitives::MAX_PAGE`].
//!
//! Called through `state_call` as `MarketplaceApi_<method>` with SCALE-encoded arguments.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

use aitbc_primitives::{Booking, BookingId, GpuModel, Listing, ListingId, Offer, PriceStats};
use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
    /// Typed queries of the GPU marketplace.
    pub trait MarketplaceApi<AccountId, Balance, BlockNumber>
    where
        AccountId: Codec,
        Balance: Codec,
        BlockNumber: Codec,
    {
        /// One live listing.
        fn listing(id: ListingId) -> Option<Listing<AccountId, Balance, BlockNumber>>;
        /// Live listings with id `>= from`, ascending, at most `limit`.
        fn listings(from: ListingId, limit: u32) -> Vec<Listing<AccountId, Balance, BlockNumber>>;
        /// Offers of a GPU model (live listings with id `>= from`, booked or not, with the
        /// provider's reputation), ascending, at most `limit`.
        fn offers(gpu_model: GpuModel, from: ListingId, limit: u32) -> Vec<Offer<AccountId, Balance, BlockNumber>>;
        /// A provider's live listings.
        fn listings_by_provider(provider: AccountId) -> Vec<Listing<AccountId, Balance, BlockNumber>>;
        /// One booking.
        fn booking(id: BookingId) -> Option<Booking<AccountId, Balance, BlockNumber>>;
        /// An account's bookings (as client or provider) with id `>= from`, ascending, at most
        /// `limit`.
        fn bookings_of(who: AccountId, from: BookingId, limit: u32) -> Vec<Booking<AccountId, Balance, BlockNumber>>;
        /// The pricing oracle for a GPU model: average, median, min, max and suggested price per
        /// GPU-hour, and the sample size. `None` without listings or recent bookings.
        fn pricing(gpu_model: GpuModel) -> Option<PriceStats<Balance>>;
    }
}
