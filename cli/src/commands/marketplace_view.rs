//! How the GPU marketplace's listings, bookings and offers are shown: stable JSON and table rows.

use crate::names;
use crate::output::Report;
use crate::report::TxReport;
use crate::timeline::Clock;
use aitbc_client::{
    amount::{format_amount, format_amount_json},
    keys,
    marketplace::{Booking, BookingStatus, Listing, Offer},
    runtime::BlockNumber,
};
use serde_json::{json, Value};

pub(crate) fn listing_status(l: &Listing) -> String {
    match l.booking {
        Some(b) => format!("booked (booking #{b})"),
        None => "available".into(),
    }
}

/// A listing as stable JSON.
pub fn listing_json(l: &Listing) -> Value {
    json!({
        "listing_id": l.id,
        "provider": keys::to_ss58(&l.provider),
        "gpu_model": names::text(&l.terms.gpu_model),
        "gpu_count": l.terms.gpu_count,
        "vram_mb": l.terms.vram_mb,
        "vram_gb": l.terms.vram_mb / 1024,
        "hourly_rate": format_amount_json(l.terms.hourly_rate),
        "region": names::text(&l.terms.region),
        "available_from": l.terms.available_from,
        "available_until": l.terms.available_until,
        "created_at": l.created_at,
        "status": if l.booking.is_some() { "booked" } else { "available" },
        "booking_id": l.booking,
    })
}

pub(crate) fn listing_rows(l: &Listing, clock: &Clock) -> Vec<(&'static str, String)> {
    vec![
        ("listing_id", l.id.to_string()),
        ("status", listing_status(l)),
        ("provider", keys::to_ss58(&l.provider)),
        (
            "GPUs",
            format!("{}x {}", l.terms.gpu_count, names::text(&l.terms.gpu_model)),
        ),
        ("VRAM", format!("{} GB per GPU", l.terms.vram_mb / 1024)),
        (
            "price",
            format!("{} per GPU-hour", format_amount(l.terms.hourly_rate)),
        ),
        ("region", names::text(&l.terms.region)),
        ("available from", clock.describe(l.terms.available_from)),
        ("available until", clock.describe(l.terms.available_until)),
        ("created at", format!("#{}", l.created_at)),
    ]
}

pub(crate) fn booking_dates(b: &Booking) -> (Option<BlockNumber>, Option<BlockNumber>) {
    match b.status {
        BookingStatus::Requested { confirm_by } => (Some(confirm_by), None),
        BookingStatus::Confirmed { ends_at } => (None, Some(ends_at)),
        BookingStatus::Paid | BookingStatus::Refunded => (None, None),
    }
}

/// A booking as stable JSON.
pub fn booking_json(b: &Booking) -> Value {
    let (confirm_by, ends_at) = booking_dates(b);
    json!({
        "booking_id": b.id,
        "listing_id": b.listing,
        "client": keys::to_ss58(&b.client),
        "provider": keys::to_ss58(&b.provider),
        "gpu_model": names::text(&b.gpu_model),
        "gpu_count": b.gpu_count,
        "hours": b.hours,
        "hourly_rate": format_amount_json(b.hourly_rate),
        "cost": format_amount_json(b.cost),
        "booked_at": b.booked_at,
        "status": names::booking_status_name(&b.status),
        "confirm_by": confirm_by,
        "ends_at": ends_at,
    })
}

pub(crate) fn booking_rows(b: &Booking, clock: &Clock) -> Vec<(&'static str, String)> {
    let status = match b.status {
        BookingStatus::Requested { confirm_by } => format!(
            "requested: the provider must confirm by {}",
            clock.describe(confirm_by)
        ),
        BookingStatus::Confirmed { ends_at } => {
            format!("confirmed: runs until {}", clock.describe(ends_at))
        }
        BookingStatus::Paid => "paid to the provider".into(),
        BookingStatus::Refunded => "refunded to the client".into(),
    };
    vec![
        ("booking_id", b.id.to_string()),
        ("status", status),
        ("listing_id", b.listing.to_string()),
        ("client", keys::to_ss58(&b.client)),
        ("provider", keys::to_ss58(&b.provider)),
        (
            "GPUs",
            format!("{}x {}", b.gpu_count, names::text(&b.gpu_model)),
        ),
        (
            "hours",
            format!(
                "{} at {} per GPU-hour",
                b.hours,
                format_amount(b.hourly_rate)
            ),
        ),
        ("cost", format_amount(b.cost)),
        ("booked at", format!("#{}", b.booked_at)),
    ]
}

/// A booking with `extra` rows and JSON fields, and the transaction's report.
pub(crate) fn booking_report(
    b: &Booking,
    clock: &Clock,
    extra: Vec<(&'static str, String)>,
    json_extra: Value,
    tx: &TxReport,
) -> Report {
    let mut v = booking_json(b);
    if let (Some(obj), Value::Object(more)) = (v.as_object_mut(), json_extra) {
        obj.extend(more);
    }
    tx.add_json(&mut v);
    let mut rows = booking_rows(b, clock);
    rows.extend(extra);
    Report::record(v, &tx.with_rows(rows))
}

pub(crate) fn reputation_text(o: &Offer) -> String {
    match o.reputation {
        Some(p) => format!("{:.1}%", p.deconstruct() as f64 / 10_000.0),
        None => "not a miner".into(),
    }
}
