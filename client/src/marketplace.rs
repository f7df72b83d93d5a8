//! The GPU marketplace (pallet `Marketplace`, index 13): call builders that check their inputs
//! before anything is signed, typed queries through the runtime's `MarketplaceApi`
//! (`state_call("MarketplaceApi_<method>", SCALE args)`), and the facts a transaction's events
//! carry (new listing id, booking id and cost).
//!
//! A listing rents `gpu_count` GPUs of one model at `hourly_rate` per GPU per hour; a booking of
//! `hours` costs `hourly_rate * gpu_count * hours`, held from the client until the provider is
//! paid (booking over, or released early) or the client is refunded (cancelled before
//! confirmation, or the provider did not confirm in time).

use crate::error::{Error, Result};
use crate::metadata::NodeMetadata;
use crate::rpc::RpcClient;
use crate::runtime_api::MARKETPLACE_API;
use crate::tx::TxOutcome;
use aitbc_runtime::{AccountId, Balance, BlockNumber, Hash, RuntimeCall, RuntimeEvent};
use codec::{Decode, Encode};

pub use aitbc_primitives::{BookingId, BookingStatus, GpuModel, ListingId, Region, MAX_PAGE};

/// A listing as this runtime stores it.
pub type Listing = aitbc_primitives::Listing<AccountId, Balance, BlockNumber>;
/// What a provider offers (the part of a listing it chooses).
pub type ListingTerms = aitbc_primitives::ListingTerms<Balance, BlockNumber>;
/// A booking as this runtime stores it.
pub type Booking = aitbc_primitives::Booking<AccountId, Balance, BlockNumber>;
/// A listing with its provider's reputation (runtime API).
pub type Offer = aitbc_primitives::Offer<AccountId, Balance, BlockNumber>;
/// The pricing oracle's statistics for one GPU model (prices per GPU per hour).
pub type PriceStats = aitbc_primitives::PriceStats<Balance>;

async fn api<A: Encode, R: Decode>(rpc: &RpcClient, method: &str, args: A) -> Result<R> {
    MARKETPLACE_API.call(rpc, method, args, None).await
}

// ---- queries ----

/// One live listing (`None` if it never existed or was delisted).
pub async fn listing(rpc: &RpcClient, id: ListingId) -> Result<Option<Listing>> {
    api(rpc, "listing", id).await
}

/// A listing that must be live: `NotFound("listing #7 ...")` otherwise.
pub async fn existing_listing(rpc: &RpcClient, id: ListingId) -> Result<Listing> {
    listing(rpc, id).await?.ok_or_else(|| {
        Error::NotFound(format!(
            "listing #{id} (no live listing has that id: it never existed or was delisted)"
        ))
    })
}

/// Live listings with id `>= from`, ascending, at most `limit` (capped at `MAX_PAGE`).
pub async fn listings(rpc: &RpcClient, from: ListingId, limit: u32) -> Result<Vec<Listing>> {
    api(rpc, "listings", (from, limit.min(MAX_PAGE))).await
}

/// Live listings, ascending by id, at most `max` (all pages).
pub async fn all_listings(rpc: &RpcClient, max: usize) -> Result<Vec<Listing>> {
    let mut out: Vec<Listing> = Vec::new();
    let mut from = 0;
    loop {
        let page = listings(rpc, from, MAX_PAGE).await?;
        let Some(last) = page.last().map(|l| l.id) else {
            break;
        };
        from = last.saturating_add(1);
        out.extend(page);
        if out.len() >= max {
            break;
        }
    }
    out.truncate(max);
    Ok(out)
}

/// Offers of a GPU model (live listings with id `>= from`, with the provider's reputation).
pub async fn offers(
    rpc: &RpcClient,
    model: &GpuModel,
    from: ListingId,
    limit: u32,
) -> Result<Vec<Offer>> {
    api(rpc, "offers", (model, from, limit.min(MAX_PAGE))).await
}

/// All offers of a GPU model, ascending by listing id, at most `max`.
pub async fn all_offers(rpc: &RpcClient, model: &GpuModel, max: usize) -> Result<Vec<Offer>> {
    let mut out: Vec<Offer> = Vec::new();
    let mut from = 0;
    loop {
        let page = offers(rpc, model, from, MAX_PAGE).await?;
        let done = page.len() < MAX_PAGE as usize;
        if let Some(last) = page.last() {
            from = last.listing.id.saturating_add(1);
        }
        out.extend(page);
        if done || out.len() >= max {
            break;
        }
    }
    out.truncate(max);
    Ok(out)
}

/// A provider's live listings, ascending by id.
pub async fn listings_by_provider(rpc: &RpcClient, provider: &AccountId) -> Result<Vec<Listing>> {
    api(rpc, "listings_by_provider", provider).await
}

/// One booking (bookings are kept after they end).
pub async fn booking(rpc: &RpcClient, id: BookingId) -> Result<Option<Booking>> {
    api(rpc, "booking", id).await
}

/// A booking that must exist: `NotFound("booking #7")` otherwise.
pub async fn existing_booking(rpc: &RpcClient, id: BookingId) -> Result<Booking> {
    booking(rpc, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("booking #{id}")))
}

/// An account's bookings (as client or provider) with id `>= from`, ascending.
pub async fn bookings_of(
    rpc: &RpcClient,
    who: &AccountId,
    from: BookingId,
    limit: u32,
) -> Result<Vec<Booking>> {
    api(rpc, "bookings_of", (who, from, limit.min(MAX_PAGE))).await
}

/// All of an account's bookings, ascending by id.
pub async fn all_bookings_of(rpc: &RpcClient, who: &AccountId) -> Result<Vec<Booking>> {
    let mut out: Vec<Booking> = Vec::new();
    let mut from = 0;
    loop {
        let page = bookings_of(rpc, who, from, MAX_PAGE).await?;
        let done = page.len() < MAX_PAGE as usize;
        if let Some(last) = page.last() {
            from = last.id.saturating_add(1);
        }
        out.extend(page);
        if done {
            return Ok(out);
        }
    }
}

/// The pricing oracle for a GPU model; `None` when it has neither live listings nor recent paid
/// bookings.
pub async fn pricing(rpc: &RpcClient, model: &GpuModel) -> Result<Option<PriceStats>> {
    api(rpc, "pricing", model).await
}

/// The pricing statistics of `model` at block `at` (the best block when `None`).
pub async fn pricing_at(
    rpc: &RpcClient,
    model: &GpuModel,
    at: Option<Hash>,
) -> Result<Option<PriceStats>> {
    MARKETPLACE_API.call(rpc, "pricing", model, at).await
}

/// The marketplace's rules as the node's runtime sets them (from its metadata).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MarketRules {
    /// Blocks per booked hour.
    pub blocks_per_hour: BlockNumber,
    /// Blocks a provider has to confirm a booking.
    pub confirm_timeout: BlockNumber,
    /// Longest booking, in hours.
    pub max_booking_hours: u32,
    /// Most listings per provider.
    pub max_listings_per_provider: u32,
}

impl MarketRules {
    /// Reads the `Marketplace` constants from metadata.
    pub fn from_metadata(m: &NodeMetadata) -> Result<Self> {
        Ok(MarketRules {
            blocks_per_hour: m.constant("Marketplace", "BlocksPerHour")?,
            confirm_timeout: m.constant("Marketplace", "ConfirmTimeout")?,
            max_booking_hours: m.constant("Marketplace", "MaxBookingHours")?,
            max_listings_per_provider: m.constant("Marketplace", "MaxListingsPerProvider")?,
        })
    }

    /// Fetches the node's metadata and reads the rules from it.
    pub async fn fetch(rpc: &RpcClient) -> Result<Self> {
        Self::from_metadata(&NodeMetadata::fetch(rpc).await?)
    }
}

// ---- inputs and call builders ----

fn bounded<const N: u32>(
    what: &str,
    bytes: Vec<u8>,
) -> Result<frame_support::BoundedVec<u8, frame_support::traits::ConstU32<N>>> {
    let len = bytes.len();
    bytes
        .try_into()
        .map_err(|_| Error::InvalidInput(format!("{what} is {len} bytes; the limit is {N}")))
}

/// A GPU model name as the chain stores it (trimmed, not empty, at most 64 bytes).
pub fn gpu_model(model: &str) -> Result<GpuModel> {
    let m = model.trim();
    if m.is_empty() {
        return Err(Error::InvalidInput("the GPU model is empty".into()));
    }
    bounded("the GPU model", m.as_bytes().to_vec())
}

/// A region name as the chain stores it (at most 32 bytes; may be empty).
pub fn region(region: &str) -> Result<Region> {
    bounded("the region", region.trim().as_bytes().to_vec())
}

/// Listing terms, checked as the pallet checks them (so a bad listing is refused before it is
/// signed): at least one GPU, non-zero VRAM and rate, and a window `from < until`.
pub fn listing_terms(
    model: &str,
    vram_mb: u32,
    gpu_count: u32,
    hourly_rate: Balance,
    region_name: &str,
    available_from: BlockNumber,
    available_until: BlockNumber,
) -> Result<ListingTerms> {
    if gpu_count == 0 {
        return Err(Error::InvalidInput(
            "the GPU count must be at least 1".into(),
        ));
    }
    if vram_mb == 0 {
        return Err(Error::InvalidInput("the VRAM must be more than 0".into()));
    }
    if hourly_rate == 0 {
        return Err(Error::InvalidInput(
            "the hourly rate must be more than 0".into(),
        ));
    }
    if available_from >= available_until {
        return Err(Error::InvalidInput(format!(
            "the availability window is empty (from block #{available_from} until #{available_until})"
        )));
    }
    Ok(ListingTerms {
        gpu_model: gpu_model(model)?,
        vram_mb,
        gpu_count,
        hourly_rate,
        region: region(region_name)?,
        available_from,
        available_until,
    })
}

/// What booking `listing` for `hours` costs: `hourly_rate * gpu_count * hours`.
pub fn booking_cost(listing: &Listing, hours: u32) -> Result<Balance> {
    listing
        .terms
        .hourly_rate
        .checked_mul(listing.terms.gpu_count as Balance)
        .and_then(|c| c.checked_mul(hours as Balance))
        .ok_or_else(|| Error::InvalidInput(format!("the cost of {hours} hours overflows")))
}

/// `Marketplace::create_listing`.
pub fn create_listing(terms: ListingTerms) -> RuntimeCall {
    RuntimeCall::Marketplace(pallet_aitbc_marketplace::Call::create_listing { terms })
}

/// `Marketplace::update_listing` (provider; no open booking).
pub fn update_listing(listing_id: ListingId, terms: ListingTerms) -> RuntimeCall {
    RuntimeCall::Marketplace(pallet_aitbc_marketplace::Call::update_listing { listing_id, terms })
}

/// `Marketplace::delist` (provider; no open booking).
pub fn delist(listing_id: ListingId) -> RuntimeCall {
    RuntimeCall::Marketplace(pallet_aitbc_marketplace::Call::delist { listing_id })
}

/// `Marketplace::book`: the cost goes on hold from the signer.
pub fn book(listing_id: ListingId, hours: u32) -> Result<RuntimeCall> {
    if hours == 0 {
        return Err(Error::InvalidInput(
            "a booking lasts at least 1 hour".into(),
        ));
    }
    Ok(RuntimeCall::Marketplace(
        pallet_aitbc_marketplace::Call::book { listing_id, hours },
    ))
}

/// `Marketplace::confirm` (provider).
pub fn confirm(booking_id: BookingId) -> RuntimeCall {
    RuntimeCall::Marketplace(pallet_aitbc_marketplace::Call::confirm { booking_id })
}

/// `Marketplace::cancel_booking` (client, before confirmation): full refund.
pub fn cancel_booking(booking_id: BookingId) -> RuntimeCall {
    RuntimeCall::Marketplace(pallet_aitbc_marketplace::Call::cancel_booking { booking_id })
}

/// `Marketplace::release` (client, confirmed booking): the provider is paid now.
pub fn release(booking_id: BookingId) -> RuntimeCall {
    RuntimeCall::Marketplace(pallet_aitbc_marketplace::Call::release { booking_id })
}

// ---- names and events ----

fn market_event(
    e: &RuntimeEvent,
) -> Option<&pallet_aitbc_marketplace::Event<aitbc_runtime::Runtime>> {
    match e {
        RuntimeEvent::Marketplace(ev) => Some(ev),
        _ => None,
    }
}

/// The new listing's id from a `Marketplace::ListingCreated` event.
pub fn created_listing_id(outcome: &TxOutcome) -> Option<ListingId> {
    outcome.find_event(|e| match market_event(e)? {
        pallet_aitbc_marketplace::Event::ListingCreated { listing_id, .. } => Some(*listing_id),
        _ => None,
    })
}

/// `(booking_id, cost, confirm_by)` from a `Marketplace::Booked` event.
pub fn booked(outcome: &TxOutcome) -> Option<(BookingId, Balance, BlockNumber)> {
    outcome.find_event(|e| match market_event(e)? {
        pallet_aitbc_marketplace::Event::Booked {
            booking_id,
            cost,
            confirm_by,
            ..
        } => Some((*booking_id, *cost, *confirm_by)),
        _ => None,
    })
}

/// The amount paid to the provider, from a `Marketplace::BookingPaid` event.
pub fn paid_amount(outcome: &TxOutcome) -> Option<Balance> {
    outcome.find_event(|e| match market_event(e)? {
        pallet_aitbc_marketplace::Event::BookingPaid { amount, .. } => Some(*amount),
        _ => None,
    })
}

/// The amount refunded to the client, from a `Marketplace::BookingRefunded` event.
pub fn refunded_amount(outcome: &TxOutcome) -> Option<Balance> {
    outcome.find_event(|e| match market_event(e)? {
        pallet_aitbc_marketplace::Event::BookingRefunded { amount, .. } => Some(*amount),
        _ => None,
    })
}

/// The block a confirmed booking ends, from a `Marketplace::BookingConfirmed` event.
pub fn confirmed_ends_at(outcome: &TxOutcome) -> Option<BlockNumber> {
    outcome.find_event(|e| match market_event(e)? {
        pallet_aitbc_marketplace::Event::BookingConfirmed { ends_at, .. } => Some(*ends_at),
        _ => None,
    })
}

/// `Timestamp::Now` (milliseconds) at a block: the chain's clock, for approximate wall times.
pub async fn chain_time_ms(rpc: &RpcClient, at: Option<Hash>) -> Result<u64> {
    let key = [
        sp_crypto_hashing::twox_128(b"Timestamp"),
        sp_crypto_hashing::twox_128(b"Now"),
    ]
    .concat();
    Ok(crate::state::fetch(rpc, &key, at, "Timestamp.Now")
        .await?
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aitbc_runtime::AIT;

    fn listing(rate: Balance, count: u32) -> Listing {
        Listing {
            id: 3,
            provider: AccountId::from([1u8; 32]),
            terms: listing_terms("RTX 4090", 24 * 1024, count, rate, "eu-west", 1, 100).unwrap(),
            created_at: 1,
            booking: None,
        }
    }

    #[test]
    fn terms_are_checked_before_signing() {
        let t = listing_terms("  RTX 4090 ", 24 * 1024, 2, AIT / 2, "eu", 5, 10).unwrap();
        assert_eq!(&t.gpu_model[..], b"RTX 4090");
        assert_eq!(
            (t.gpu_count, t.vram_mb, t.hourly_rate),
            (2, 24 * 1024, AIT / 2)
        );
        assert_eq!(&t.region[..], b"eu");
        let err = |r: Result<ListingTerms>| r.unwrap_err().to_string();
        assert!(err(listing_terms("", 1, 1, 1, "", 1, 2)).contains("GPU model is empty"));
        assert!(err(listing_terms("m", 1, 0, 1, "", 1, 2)).contains("GPU count"));
        assert!(err(listing_terms("m", 0, 1, 1, "", 1, 2)).contains("VRAM"));
        assert!(err(listing_terms("m", 1, 1, 0, "", 1, 2)).contains("hourly rate"));
        assert!(err(listing_terms("m", 1, 1, 1, "", 2, 2)).contains("window is empty"));
        assert!(err(listing_terms(&"g".repeat(65), 1, 1, 1, "", 1, 2)).contains("limit is 64"));
        assert!(err(listing_terms("m", 1, 1, 1, &"r".repeat(33), 1, 2)).contains("limit is 32"));
    }

    #[test]
    fn calls_encode_the_pallet_and_arguments() {
        let t = listing_terms("A100", 40 * 1024, 1, AIT, "", 1, 9).unwrap();
        let call = create_listing(t.clone());
        // Pallet index 13, call index 0, then the terms.
        let bytes = call.encode();
        assert_eq!(&bytes[..2], &[13, 0]);
        assert_eq!(&bytes[2..], &t.encode()[..]);
        assert_eq!(&book(7, 3).unwrap().encode()[..2], &[13, 3]);
        assert!(book(7, 0).is_err());
        assert_eq!(confirm(1).encode()[..2], [13, 4]);
        assert_eq!(cancel_booking(1).encode()[..2], [13, 5]);
        assert_eq!(release(1).encode()[..2], [13, 6]);
        assert_eq!(delist(1).encode()[..2], [13, 2]);
        assert_eq!(update_listing(1, t).encode()[..2], [13, 1]);
    }

    #[test]
    fn cost_and_ids() {
        assert_eq!(booking_cost(&listing(AIT / 2, 2), 3).unwrap(), 3 * AIT);
        assert!(booking_cost(&listing(Balance::MAX / 2, 3), 1).is_err());
    }

    #[test]
    fn events_are_found_in_outcomes() {
        let mut o = crate::tx::outcome_from_events(Hash::zero(), Hash::zero(), 5, 0, vec![]);
        assert_eq!(created_listing_id(&o), None);
        o.events.push(RuntimeEvent::Marketplace(
            pallet_aitbc_marketplace::Event::Booked {
                booking_id: 4,
                listing_id: 2,
                client: AccountId::from([2u8; 32]),
                cost: 9,
                confirm_by: 40,
            },
        ));
        o.events.push(RuntimeEvent::Marketplace(
            pallet_aitbc_marketplace::Event::ListingCreated {
                listing_id: 11,
                provider: AccountId::from([1u8; 32]),
                gpu_model: gpu_model("m").unwrap(),
                hourly_rate: 1,
            },
        ));
        assert_eq!(booked(&o), Some((4, 9, 40)));
        assert_eq!(created_listing_id(&o), Some(11));
        assert_eq!(paid_amount(&o), None);
    }

    #[test]
    fn rules_from_the_runtime_metadata() {
        let m = NodeMetadata::local().unwrap();
        let r = MarketRules::from_metadata(&m).unwrap();
        assert_eq!(r.blocks_per_hour, aitbc_runtime::HOURS);
        assert_eq!(r.max_booking_hours, 24 * 30);
        assert!(r.confirm_timeout > 0 && r.max_listings_per_provider > 0);
    }
}
