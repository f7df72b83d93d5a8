//! GPU listings, bookings and price statistics of the marketplace, as stored on chain and
//! returned by the runtime API.

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use frame_support::{traits::ConstU32, BoundedVec};
use scale_info::TypeInfo;

use crate::GpuModel;

/// Identifier of a GPU listing: a counter, never reused.
pub type ListingId = u64;
/// Identifier of a booking: a counter, never reused.
pub type BookingId = u64;

/// Most bytes of a region name (e.g. `eu-west`).
pub const MAX_REGION_LEN: u32 = 32;
/// A region name, e.g. `eu-west`.
pub type Region = BoundedVec<u8, ConstU32<MAX_REGION_LEN>>;

/// What a provider offers: the part of a listing the provider chooses.
#[derive(
    Encode, Decode, DecodeWithMemTracking, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen,
)]
pub struct ListingTerms<Balance, BlockNumber> {
    /// GPU model, e.g. `RTX 4090`.
    pub gpu_model: GpuModel,
    /// Memory per GPU, in MiB.
    pub vram_mb: u32,
    /// Number of GPUs rented together by one booking.
    pub gpu_count: u32,
    /// Price per GPU per hour. A booking of `h` hours costs `hourly_rate * gpu_count * h`.
    pub hourly_rate: Balance,
    /// Where the GPUs are.
    pub region: Region,
    /// First block at which the listing can be booked.
    pub available_from: BlockNumber,
    /// Block by which every booking must have ended.
    pub available_until: BlockNumber,
}

/// A GPU listing.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Listing<AccountId, Balance, BlockNumber> {
    /// Its identifier.
    pub id: ListingId,
    /// The provider who lists the GPUs and is paid for bookings.
    pub provider: AccountId,
    /// What is offered, at what price, where and when.
    pub terms: ListingTerms<Balance, BlockNumber>,
    /// Block of creation.
    pub created_at: BlockNumber,
    /// The open (requested or confirmed) booking, if any: a listing is rented to one client
    /// at a time.
    pub booking: Option<BookingId>,
}

/// Where a booking is in its life. `Paid` and `Refunded` are terminal: every booking ends in
/// exactly one of them.
#[derive(
    Encode,
    Decode,
    DecodeWithMemTracking,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Debug,
    TypeInfo,
    MaxEncodedLen,
)]
pub enum BookingStatus<BlockNumber> {
    /// Cost on hold; the provider must confirm by `confirm_by`.
    Requested {
        /// Last block at which `confirm` succeeds; at the next block the client is refunded.
        confirm_by: BlockNumber,
    },
    /// Confirmed by the provider; runs until `ends_at`, when the provider is paid.
    Confirmed {
        /// Block at which the booking completes (unless the client releases it earlier).
        ends_at: BlockNumber,
    },
    /// Completed: the cost was paid to the provider.
    Paid,
    /// Cancelled before confirmation or not confirmed in time: the cost went back to the
    /// client.
    Refunded,
}

impl<BlockNumber> BookingStatus<BlockNumber> {
    /// Whether the booking has ended (paid or refunded).
    pub fn is_terminal(&self) -> bool {
        matches!(self, Self::Paid | Self::Refunded)
    }
}

/// A booking of a listing.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo, MaxEncodedLen)]
pub struct Booking<AccountId, Balance, BlockNumber> {
    /// Its identifier.
    pub id: BookingId,
    /// The booked listing.
    pub listing: ListingId,
    /// The renting client.
    pub client: AccountId,
    /// The listing's provider.
    pub provider: AccountId,
    /// GPU model booked (copied from the listing).
    pub gpu_model: GpuModel,
    /// Number of GPUs booked (copied from the listing).
    pub gpu_count: u32,
    /// Duration in hours.
    pub hours: u32,
    /// Price per GPU per hour, fixed at booking.
    pub hourly_rate: Balance,
    /// Total cost: `hourly_rate * gpu_count * hours`, held from the client until the end.
    pub cost: Balance,
    /// Block of the booking.
    pub booked_at: BlockNumber,
    /// Current status.
    pub status: BookingStatus<BlockNumber>,
}

/// Price statistics for one GPU model (prices per GPU per hour).
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct PriceStats<Balance> {
    /// Prices in the sample (live listings plus recent paid bookings).
    pub sample_size: u32,
    /// Of which live listings.
    pub listings: u32,
    /// Of which recent paid bookings.
    pub bookings: u32,
    /// Mean of the sample (rounded down).
    pub average: Balance,
    /// Median of the sample (mean of the two middle prices, rounded down, for an even size).
    pub median: Balance,
    /// Lowest price in the sample.
    pub min: Balance,
    /// Highest price in the sample.
    pub max: Balance,
    /// Suggested price (see the marketplace pallet's documentation for the formula).
    pub suggested: Balance,
}

/// A listing as an offer (runtime API): the listing plus its provider's standing in the miner
/// registry.
#[derive(Encode, Decode, Clone, PartialEq, Eq, Debug, TypeInfo)]
pub struct Offer<AccountId, Balance, BlockNumber> {
    /// The listing.
    pub listing: Listing<AccountId, Balance, BlockNumber>,
    /// The provider's reputation score, if it is a registered miner.
    pub reputation: Option<sp_runtime::Permill>,
}
