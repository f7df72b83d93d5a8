//! # AITBC marketplace pallet
//!
//! An open market for renting GPUs by the hour, and a pricing oracle per GPU model.
//!
//! ## Listings
//! - [`Pallet::create_listing`]: a provider lists GPUs ([`ListingTerms`]: GPU model, VRAM,
//!   count, price per GPU per hour, region, availability window). At most
//!   [`Config::MaxListingsPerProvider`] per provider and [`Config::MaxListingsPerModel`] per
//!   GPU model (the model index bounds searches and the oracle's sample).
//! - [`Pallet::update_listing`] / [`Pallet::delist`]: change or remove a listing (provider only,
//!   not while a booking of it is open).
//!
//! ## Bookings
//! ```text
//! book ─► Requested ──confirm (provider, by confirm_by)──► Confirmed ──ends_at reached──► Paid
//!            │                                                 └──release (client)────► Paid
//!            ├──cancel_booking (client) ───────────────────────────────────────────────► Refunded
//!            └──confirm_by passed (provider no-show, on_initialize) ───────────────────► Refunded
//! ```
//! - [`Pallet::book`]: a client books a listing for `hours` (1 ..= [`Config::MaxBookingHours`],
//!   inside the listing's availability window). The cost, `hourly_rate * gpu_count * hours`, is
//!   put on hold from the client ([`HoldReason::BookingPayment`]). A listing has at most one
//!   open booking.
//! - [`Pallet::confirm`]: the provider confirms within [`Config::ConfirmTimeout`] blocks; the
//!   booking then runs for `hours * BlocksPerHour` blocks.
//! - Completion pays the whole cost to the provider (`transfer_on_hold`): automatically when the
//!   booked time is over, or earlier when the client calls [`Pallet::release`].
//! - [`Pallet::cancel_booking`] before confirmation, or a provider no-show (the confirmation
//!   deadline passes), releases the whole hold back to the client.
//!
//! Every booking therefore ends in exactly one of `Paid` or `Refunded`, and then nothing is held
//! for it. The market creates and destroys no tokens.
//!
//! ## Pricing oracle ([`Pallet::price_stats`], served by the runtime API)
//! For a GPU model the sample is the per-GPU hourly rate of every live listing of that model
//! (at most `MaxListingsPerModel`) plus the rates of the most recent paid bookings of that
//! model (at most [`Config::MaxRecentPrices`], oldest dropped first). Over the whole sample:
//! `average` = sum / n (rounded down), `median` = the middle price (for even n the mean of the
//! two middle prices, rounded down), `min`, `max`. The **suggested price** blends what
//! providers ask with what clients actually paid:
//! `suggested = (median(listings) + 2 * median(recent bookings)) / 3` when both are non-empty,
//! otherwise the median of whichever is non-empty. An empty sample has no statistics (`None`).
//! Job receipts are priced per GPU-second of inference and carry no GPU model, so they are not
//! in the sample.
//!
//! ## Bounded work per block
//! `on_initialize(n)` handles the confirmation deadlines and booking ends indexed at `n`, at
//! most [`Config::MaxScheduledPerBlock`] of each.

#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub use pallet::*;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod property_tests;
#[cfg(test)]
mod tests;

pub mod migrations;
pub mod payment;
pub mod queries;
pub mod weights;

pub use weights::WeightInfo;

use aitbc_primitives::{Booking, Listing, ListingTerms};
use frame_support::traits::fungible;
use frame_system::pallet_prelude::BlockNumberFor;

/// Balance type of the configured currency.
pub type BalanceOf<T> =
    <<T as Config>::Currency as fungible::Inspect<<T as frame_system::Config>::AccountId>>::Balance;
/// A stored listing.
pub type ListingOf<T> =
    Listing<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;
/// Listing terms.
pub type TermsOf<T> = ListingTerms<BalanceOf<T>, BlockNumberFor<T>>;
/// A stored booking.
pub type BookingOf<T> =
    Booking<<T as frame_system::Config>::AccountId, BalanceOf<T>, BlockNumberFor<T>>;

#[frame_support::pallet]
pub mod pallet {
    use super::*;
    use aitbc_primitives::{BookingId, BookingStatus, GpuModel, ListingId};
    use frame_support::{pallet_prelude::*, traits::fungible::MutateHold};
    use frame_system::pallet_prelude::*;
    use sp_runtime::{
        traits::{CheckedMul, Zero},
        Saturating,
    };

    /// Version 0: the first layout of the GPU marketplace's storage (see [`crate::migrations`]).
    const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

    #[pallet::pallet]
    #[pallet::storage_version(STORAGE_VERSION)]
    pub struct Pallet<T>(_);

    /// Why this pallet holds funds.
    #[pallet::composite_enum]
    pub enum HoldReason {
        /// A booking's cost, held from the client until the booking is paid or refunded.
        #[codec(index = 0)]
        BookingPayment,
    }

    /// Why a booking was refunded.
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
    pub enum RefundReason {
        /// The client cancelled before the provider confirmed.
        Cancelled,
        /// The provider did not confirm in time.
        ProviderNoShow,
        /// Paying the provider failed (e.g. its account cannot receive funds).
        PaymentFailed,
    }

    /// Configuration.
    #[pallet::config]
    pub trait Config: frame_system::Config {
        /// The overarching event type.
        #[allow(deprecated)]
        type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;
        /// The currency bookings are paid in.
        type Currency: fungible::Inspect<Self::AccountId>
            + fungible::Mutate<Self::AccountId>
            + MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
        /// The overarching hold reason.
        type RuntimeHoldReason: From<HoldReason>;
        /// Blocks per hour (the unit of booking durations).
        #[pallet::constant]
        type BlocksPerHour: Get<BlockNumberFor<Self>>;
        /// Blocks a provider has to confirm a booking (at least 1).
        #[pallet::constant]
        type ConfirmTimeout: Get<BlockNumberFor<Self>>;
        /// Longest booking, in hours.
        #[pallet::constant]
        type MaxBookingHours: Get<u32>;
        /// Most listings one provider may have.
        #[pallet::constant]
        type MaxListingsPerProvider: Get<u32>;
        /// Most listings of one GPU model (bounds searches and the oracle's sample).
        #[pallet::constant]
        type MaxListingsPerModel: Get<u32>;
        /// Most recent paid-booking prices kept per GPU model for the oracle.
        #[pallet::constant]
        type MaxRecentPrices: Get<u32>;
        /// Most confirmation deadlines, and most booking ends, indexed at one block.
        #[pallet::constant]
        type MaxScheduledPerBlock: Get<u32>;
        /// Weights of this pallet's calls and hooks.
        type WeightInfo: WeightInfo;
    }

    /// Next listing id.
    #[pallet::storage]
    pub type NextListingId<T: Config> = StorageValue<_, ListingId, ValueQuery>;

    /// Next booking id.
    #[pallet::storage]
    pub type NextBookingId<T: Config> = StorageValue<_, BookingId, ValueQuery>;

    /// Live listings by id (delisted ones are removed).
    #[pallet::storage]
    pub type Listings<T: Config> = StorageMap<_, Twox64Concat, ListingId, ListingOf<T>>;

    /// Index: listings by provider.
    #[pallet::storage]
    pub type ListingsByProvider<T: Config> =
        StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, ListingId, ()>;

    /// Number of live listings per provider.
    #[pallet::storage]
    pub type ListingCount<T: Config> =
        StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

    /// Index: live listings by GPU model, in creation order.
    #[pallet::storage]
    pub type ListingsByModel<T: Config> = StorageMap<
        _,
        Blake2_128Concat,
        GpuModel,
        BoundedVec<ListingId, T::MaxListingsPerModel>,
        ValueQuery,
    >;

    /// Bookings by id (kept after they end, for the record).
    #[pallet::storage]
    pub type Bookings<T: Config> = StorageMap<_, Twox64Concat, BookingId, BookingOf<T>>;

    /// Index: bookings by client.
    #[pallet::storage]
    pub type BookingsByClient<T: Config> =
        StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, BookingId, ()>;

    /// Index: bookings by provider.
    #[pallet::storage]
    pub type BookingsByProvider<T: Config> =
        StorageDoubleMap<_, Blake2_128Concat, T::AccountId, Twox64Concat, BookingId, ()>;

    /// Requested bookings to refund at each block unless confirmed before.
    #[pallet::storage]
    pub type ConfirmDeadlines<T: Config> = StorageMap<
        _,
        Twox64Concat,
        BlockNumberFor<T>,
        BoundedVec<BookingId, T::MaxScheduledPerBlock>,
        ValueQuery,
    >;

    /// Confirmed bookings to pay out at each block.
    #[pallet::storage]
    pub type BookingEnds<T: Config> = StorageMap<
        _,
        Twox64Concat,
        BlockNumberFor<T>,
        BoundedVec<BookingId, T::MaxScheduledPerBlock>,
        ValueQuery,
    >;

    /// Per-GPU hourly rates of the most recent paid bookings of each GPU model, oldest first.
    #[pallet::storage]
    pub type RecentPrices<T: Config> = StorageMap<
        _,
        Blake2_128Concat,
        GpuModel,
        BoundedVec<BalanceOf<T>, T::MaxRecentPrices>,
        ValueQuery,
    >;

    /// Events.
    #[pallet::event]
    #[pallet::generate_deposit(pub(super) fn deposit_event)]
    pub enum Event<T: Config> {
        /// A listing was created and is live.
        ListingCreated {
            listing_id: ListingId,
            provider: T::AccountId,
            gpu_model: GpuModel,
            hourly_rate: BalanceOf<T>,
        },
        /// A listing's terms changed.
        ListingUpdated {
            listing_id: ListingId,
            hourly_rate: BalanceOf<T>,
        },
        /// A listing was removed.
        Delisted { listing_id: ListingId },
        /// A listing was booked; its cost is on hold until the booking ends.
        Booked {
            booking_id: BookingId,
            listing_id: ListingId,
            client: T::AccountId,
            cost: BalanceOf<T>,
            confirm_by: BlockNumberFor<T>,
        },
        /// The provider confirmed a booking.
        BookingConfirmed {
            booking_id: BookingId,
            ends_at: BlockNumberFor<T>,
        },
        /// A booking completed and its cost was paid to the provider.
        BookingPaid {
            booking_id: BookingId,
            provider: T::AccountId,
            amount: BalanceOf<T>,
        },
        /// A booking's cost went back to the client.
        BookingRefunded {
            booking_id: BookingId,
            client: T::AccountId,
            amount: BalanceOf<T>,
            reason: RefundReason,
        },
    }

    /// Errors.
    #[pallet::error]
    pub enum Error<T> {
        /// No live listing with that id.
        UnknownListing,
        /// The signer is not the listing's provider.
        NotProvider,
        /// No booking with that id.
        UnknownBooking,
        /// The signer is not the booking's client.
        NotClient,
        /// The GPU model name is empty.
        EmptyGpuModel,
        /// GPU count or VRAM is zero.
        InvalidHardware,
        /// The hourly rate is zero.
        ZeroRate,
        /// The availability window is empty or already over.
        InvalidWindow,
        /// The provider already has `MaxListingsPerProvider` listings.
        TooManyListings,
        /// The GPU model already has `MaxListingsPerModel` listings.
        ModelListingsFull,
        /// The listing has an open booking.
        ListingBooked,
        /// Providers cannot book their own listings.
        OwnListing,
        /// The duration is zero or longer than `MaxBookingHours`.
        InvalidDuration,
        /// The booking would not fit in the listing's availability window.
        NotAvailable,
        /// The cost does not fit in a balance.
        CostOverflow,
        /// The client's free balance cannot cover the cost.
        InsufficientBalance,
        /// The booking is not waiting for confirmation.
        BookingNotRequested,
        /// The booking is not confirmed and running.
        BookingNotConfirmed,
        /// Too many bookings are scheduled around that block; try again later.
        ScheduleFull,
    }

    #[pallet::hooks]
    impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
        fn on_initialize(n: BlockNumberFor<T>) -> Weight {
            Self::process_block(n)
        }

        fn integrity_test() {
            assert!(
                !T::ConfirmTimeout::get().is_zero(),
                "ConfirmTimeout must be at least one block"
            );
            assert!(
                !T::BlocksPerHour::get().is_zero(),
                "BlocksPerHour must be at least one block"
            );
            assert!(
                T::MaxScheduledPerBlock::get() > 0,
                "MaxScheduledPerBlock must be > 0"
            );
        }
    }

    #[pallet::call]
    impl<T: Config> Pallet<T> {
        /// List GPUs for rent. The listing is live (bookable within its window) at once.
        #[pallet::call_index(0)]
        #[pallet::weight(T::WeightInfo::create_listing())]
        pub fn create_listing(origin: OriginFor<T>, terms: TermsOf<T>) -> DispatchResult {
            let provider = ensure_signed(origin)?;
            Self::check_terms(&terms)?;
            ensure!(
                ListingCount::<T>::get(&provider) < T::MaxListingsPerProvider::get(),
                Error::<T>::TooManyListings
            );
            let id = NextListingId::<T>::get();
            ListingsByModel::<T>::try_mutate(&terms.gpu_model, |ids| ids.try_push(id))
                .map_err(|_| Error::<T>::ModelListingsFull)?;
            NextListingId::<T>::put(id.saturating_add(1));
            ListingCount::<T>::mutate(&provider, |c| *c = c.saturating_add(1));
            ListingsByProvider::<T>::insert(&provider, id, ());
            Self::deposit_event(Event::ListingCreated {
                listing_id: id,
                provider: provider.clone(),
                gpu_model: terms.gpu_model.clone(),
                hourly_rate: terms.hourly_rate,
            });
            Listings::<T>::insert(
                id,
                Listing {
                    id,
                    provider,
                    terms,
                    created_at: frame_system::Pallet::<T>::block_number(),
                    booking: None,
                },
            );
            Ok(())
        }

        /// Replace a listing's terms. Provider only; not while a booking is open.
        #[pallet::call_index(1)]
        #[pallet::weight(T::WeightInfo::update_listing())]
        pub fn update_listing(
            origin: OriginFor<T>,
            listing_id: ListingId,
            terms: TermsOf<T>,
        ) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut listing = Listings::<T>::get(listing_id).ok_or(Error::<T>::UnknownListing)?;
            ensure!(listing.provider == who, Error::<T>::NotProvider);
            ensure!(listing.booking.is_none(), Error::<T>::ListingBooked);
            Self::check_terms(&terms)?;
            if listing.terms.gpu_model != terms.gpu_model {
                ListingsByModel::<T>::try_mutate(&terms.gpu_model, |ids| ids.try_push(listing_id))
                    .map_err(|_| Error::<T>::ModelListingsFull)?;
                Self::unindex_model(&listing.terms.gpu_model, listing_id);
            }
            listing.terms = terms;
            Self::deposit_event(Event::ListingUpdated {
                listing_id,
                hourly_rate: listing.terms.hourly_rate,
            });
            Listings::<T>::insert(listing_id, listing);
            Ok(())
        }

        /// Remove a listing. Provider only; not while a booking is open.
        #[pallet::call_index(2)]
        #[pallet::weight(T::WeightInfo::delist())]
        pub fn delist(origin: OriginFor<T>, listing_id: ListingId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let listing = Listings::<T>::get(listing_id).ok_or(Error::<T>::UnknownListing)?;
            ensure!(listing.provider == who, Error::<T>::NotProvider);
            ensure!(listing.booking.is_none(), Error::<T>::ListingBooked);
            Self::unindex_model(&listing.terms.gpu_model, listing_id);
            ListingsByProvider::<T>::remove(&who, listing_id);
            ListingCount::<T>::mutate(&who, |c| *c = c.saturating_sub(1));
            Listings::<T>::remove(listing_id);
            Self::deposit_event(Event::Delisted { listing_id });
            Ok(())
        }

        /// Book a listing for `hours`: the cost (`hourly_rate * gpu_count * hours`) goes on hold
        /// and the provider has `ConfirmTimeout` blocks to confirm.
        #[pallet::call_index(3)]
        #[pallet::weight(T::WeightInfo::book())]
        pub fn book(origin: OriginFor<T>, listing_id: ListingId, hours: u32) -> DispatchResult {
            let client = ensure_signed(origin)?;
            let mut listing = Listings::<T>::get(listing_id).ok_or(Error::<T>::UnknownListing)?;
            ensure!(listing.provider != client, Error::<T>::OwnListing);
            ensure!(listing.booking.is_none(), Error::<T>::ListingBooked);
            ensure!(
                hours > 0 && hours <= T::MaxBookingHours::get(),
                Error::<T>::InvalidDuration
            );
            let now = frame_system::Pallet::<T>::block_number();
            let duration = T::BlocksPerHour::get().saturating_mul(hours.into());
            ensure!(
                listing.terms.available_from <= now
                    && now.saturating_add(duration) <= listing.terms.available_until,
                Error::<T>::NotAvailable
            );
            let cost = listing
                .terms
                .hourly_rate
                .checked_mul(&listing.terms.gpu_count.into())
                .and_then(|c| c.checked_mul(&hours.into()))
                .ok_or(Error::<T>::CostOverflow)?;
            let id = NextBookingId::<T>::get();
            let deadline = Self::schedule(
                ScheduleKind::ConfirmDeadline,
                id,
                now.saturating_add(T::ConfirmTimeout::get())
                    .saturating_add(1u32.into()),
            )?;
            Self::hold_cost(&client, cost)?;
            NextBookingId::<T>::put(id.saturating_add(1));
            let confirm_by = deadline.saturating_sub(1u32.into());
            let booking = Booking {
                id,
                listing: listing_id,
                client: client.clone(),
                provider: listing.provider.clone(),
                gpu_model: listing.terms.gpu_model.clone(),
                gpu_count: listing.terms.gpu_count,
                hours,
                hourly_rate: listing.terms.hourly_rate,
                cost,
                booked_at: now,
                status: BookingStatus::Requested { confirm_by },
            };
            listing.booking = Some(id);
            Listings::<T>::insert(listing_id, listing);
            BookingsByClient::<T>::insert(&client, id, ());
            BookingsByProvider::<T>::insert(&booking.provider, id, ());
            Bookings::<T>::insert(id, booking);
            Self::deposit_event(Event::Booked {
                booking_id: id,
                listing_id,
                client,
                cost,
                confirm_by,
            });
            Ok(())
        }

        /// Confirm a requested booking: it runs for its hours from now and is paid when they
        /// are over. The listing's provider only, by the confirmation deadline.
        #[pallet::call_index(4)]
        #[pallet::weight(T::WeightInfo::confirm())]
        pub fn confirm(origin: OriginFor<T>, booking_id: BookingId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut booking = Bookings::<T>::get(booking_id).ok_or(Error::<T>::UnknownBooking)?;
            ensure!(booking.provider == who, Error::<T>::NotProvider);
            ensure!(
                matches!(booking.status, BookingStatus::Requested { .. }),
                Error::<T>::BookingNotRequested
            );
            let now = frame_system::Pallet::<T>::block_number();
            let duration = T::BlocksPerHour::get().saturating_mul(booking.hours.into());
            let ends_at = Self::schedule(
                ScheduleKind::BookingEnd,
                booking_id,
                now.saturating_add(duration),
            )?;
            booking.status = BookingStatus::Confirmed { ends_at };
            Bookings::<T>::insert(booking_id, booking);
            Self::deposit_event(Event::BookingConfirmed {
                booking_id,
                ends_at,
            });
            Ok(())
        }

        /// Cancel a booking the provider has not confirmed yet; the whole cost is refunded.
        /// The booking's client only.
        #[pallet::call_index(5)]
        #[pallet::weight(T::WeightInfo::cancel_booking())]
        pub fn cancel_booking(origin: OriginFor<T>, booking_id: BookingId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut booking = Bookings::<T>::get(booking_id).ok_or(Error::<T>::UnknownBooking)?;
            ensure!(booking.client == who, Error::<T>::NotClient);
            ensure!(
                matches!(booking.status, BookingStatus::Requested { .. }),
                Error::<T>::BookingNotRequested
            );
            Self::refund(&mut booking, RefundReason::Cancelled)?;
            Bookings::<T>::insert(booking_id, booking);
            Ok(())
        }

        /// Release a confirmed booking before its time is over: the client is done with the
        /// GPUs, and the provider is paid the whole cost now. The booking's client only.
        #[pallet::call_index(6)]
        #[pallet::weight(T::WeightInfo::release())]
        pub fn release(origin: OriginFor<T>, booking_id: BookingId) -> DispatchResult {
            let who = ensure_signed(origin)?;
            let mut booking = Bookings::<T>::get(booking_id).ok_or(Error::<T>::UnknownBooking)?;
            ensure!(booking.client == who, Error::<T>::NotClient);
            ensure!(
                matches!(booking.status, BookingStatus::Confirmed { .. }),
                Error::<T>::BookingNotConfirmed
            );
            Self::pay(&mut booking)?;
            Bookings::<T>::insert(booking_id, booking);
            Ok(())
        }
    }

    /// Which per-block index a booking is scheduled in.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum ScheduleKind {
        /// [`ConfirmDeadlines`].
        ConfirmDeadline,
        /// [`BookingEnds`].
        BookingEnd,
    }

    /// How many blocks past the requested one `schedule` tries when a block is full.
    pub const SCHEDULE_SEARCH: u32 = 8;

    impl<T: Config> Pallet<T> {
        /// Check listing terms.
        pub(crate) fn check_terms(terms: &TermsOf<T>) -> DispatchResult {
            ensure!(!terms.gpu_model.is_empty(), Error::<T>::EmptyGpuModel);
            ensure!(
                terms.gpu_count > 0 && terms.vram_mb > 0,
                Error::<T>::InvalidHardware
            );
            ensure!(!terms.hourly_rate.is_zero(), Error::<T>::ZeroRate);
            let now = frame_system::Pallet::<T>::block_number();
            ensure!(
                terms.available_from < terms.available_until && now < terms.available_until,
                Error::<T>::InvalidWindow
            );
            Ok(())
        }

        /// Remove `id` from the model index.
        pub(crate) fn unindex_model(model: &GpuModel, id: ListingId) {
            ListingsByModel::<T>::mutate_exists(model, |ids| {
                if let Some(list) = ids.as_mut() {
                    list.retain(|x| *x != id);
                }
                if ids.as_ref().is_some_and(|list| list.is_empty()) {
                    *ids = None;
                }
            });
        }

        /// Index booking `id` at the first block from `at` (within `SCHEDULE_SEARCH` blocks)
        /// that has room. Returns that block.
        pub(crate) fn schedule(
            kind: ScheduleKind,
            id: BookingId,
            at: BlockNumberFor<T>,
        ) -> Result<BlockNumberFor<T>, DispatchError> {
            let mut block = at;
            for _ in 0..SCHEDULE_SEARCH {
                let pushed = match kind {
                    ScheduleKind::ConfirmDeadline => {
                        ConfirmDeadlines::<T>::try_mutate(block, |ids| ids.try_push(id)).is_ok()
                    }
                    ScheduleKind::BookingEnd => {
                        BookingEnds::<T>::try_mutate(block, |ids| ids.try_push(id)).is_ok()
                    }
                };
                if pushed {
                    return Ok(block);
                }
                block = block.saturating_add(1u32.into());
            }
            Err(Error::<T>::ScheduleFull.into())
        }

        /// All of `on_initialize(n)`: refund unconfirmed bookings whose deadline is `n`, pay
        /// confirmed bookings that end at `n`. Returns its weight.
        pub(crate) fn process_block(n: BlockNumberFor<T>) -> Weight {
            let mut weight = T::WeightInfo::on_initialize_base();
            let deadlines = ConfirmDeadlines::<T>::take(n);
            for id in &deadlines {
                if let Some(mut booking) = Bookings::<T>::get(id) {
                    if matches!(booking.status, BookingStatus::Requested { .. })
                        && Self::refund(&mut booking, RefundReason::ProviderNoShow).is_ok()
                    {
                        Bookings::<T>::insert(id, booking);
                    }
                }
            }
            weight.saturating_accrue(
                T::WeightInfo::refund_no_show().saturating_mul(deadlines.len() as u64),
            );
            let ends = BookingEnds::<T>::take(n);
            for id in &ends {
                if let Some(mut booking) = Bookings::<T>::get(id) {
                    if matches!(booking.status, BookingStatus::Confirmed { .. })
                        && Self::pay(&mut booking).is_ok()
                    {
                        Bookings::<T>::insert(id, booking);
                    }
                }
            }
            weight.saturating_accrue(
                T::WeightInfo::complete_booking().saturating_mul(ends.len() as u64),
            );
            weight
        }

        /// Free the booking's listing (if it still points at this booking).
        pub(crate) fn free_listing(booking: &BookingOf<T>) {
            Listings::<T>::mutate(booking.listing, |l| {
                if let Some(listing) = l {
                    if listing.booking == Some(booking.id) {
                        listing.booking = None;
                    }
                }
            });
        }
    }
}
