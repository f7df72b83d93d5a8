//! `aitbc marketplace gpu confirm | release | cancel | bookings`: a booking's life after `book`.
//! The provider confirms; the client releases a running booking early (the provider is paid) or
//! cancels one that is not confirmed (refunded).

use crate::commands::marketplace::{BookingsArgs, CancelArgs, ConfirmArgs, ReleaseArgs};
use crate::commands::marketplace_view::{booking_json, booking_report, booking_rows};
use crate::context::Ctx;
use crate::names;
use crate::output::{short, table, Report};
use crate::report::TxReport;
use crate::submit::{send_call, wallet_account, SendOpts};
use crate::timeline::Clock;
use aitbc_client::{
    amount::{format_amount, format_amount_json},
    keys,
    marketplace::{self as mp, Booking, BookingId, BookingStatus},
    rpc::RpcClient,
    runtime::{AccountId, BlockNumber, RuntimeCall},
    tx::TxOutcome,
};
use anyhow::{bail, Result};
use serde_json::{json, Value};

/// A booking of the wallet's, as `role` ("client" or "provider"), for a role-only action.
async fn own_booking(
    ctx: &Ctx,
    rpc: &RpcClient,
    name: &str,
    id: u64,
    role: &str,
) -> Result<Booking> {
    let b = mp::existing_booking(rpc, id).await?;
    let who: AccountId = wallet_account(ctx, name)?;
    let owner = if role == "provider" {
        &b.provider
    } else {
        &b.client
    };
    if *owner != who {
        bail!(
            "booking #{id}'s {role} is {}, not wallet '{name}'",
            keys::to_ss58(owner)
        );
    }
    Ok(b)
}

/// A booking call that went through: its outcome and report, and the booking as the chain now
/// holds it.
struct BookingCall {
    outcome: TxOutcome,
    tx: TxReport,
    booking: Booking,
    clock: Clock,
}

impl BookingCall {
    /// The booking with `extra` (table rows and JSON fields), then the transaction.
    fn report(&self, extra: Vec<(&'static str, String)>, json_extra: Value) -> Report {
        booking_report(&self.booking, &self.clock, extra, json_extra, &self.tx)
    }
}

/// Checks that this wallet is booking `id`'s `role` and that `allowed` accepts its status
/// (nothing is signed otherwise), then signs `call(id)` and reads the booking back.
async fn booking_call(
    ctx: &Ctx,
    id: BookingId,
    role: &str,
    allowed: impl Fn(u64, &BookingStatus<BlockNumber>) -> Result<()>,
    call: fn(u64) -> RuntimeCall,
    verb: &str,
) -> Result<BookingCall> {
    let name = ctx.wallet_name(None)?;
    let rpc = ctx.connect().await?;
    let b = own_booking(ctx, &rpc, &name, id, role).await?;
    allowed(id, &b.status)?;
    let (outcome, tx) = send_call(
        ctx,
        &rpc,
        &name,
        call(id),
        &format!("{verb} booking {id}"),
        SendOpts::default(),
    )
    .await?;
    Ok(BookingCall {
        outcome,
        tx,
        booking: mp::existing_booking(&rpc, id).await?,
        clock: Clock::now(&rpc).await?,
    })
}

impl ConfirmArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let allowed = |id, status: &BookingStatus<BlockNumber>| match status {
            BookingStatus::Requested { .. } => Ok(()),
            other => bail!(
                "booking #{id} is {}: only requested bookings can be confirmed",
                names::booking_status_name(other)
            ),
        };
        let done = booking_call(
            ctx,
            self.booking_id,
            "provider",
            allowed,
            mp::confirm,
            "Confirming",
        )
        .await?;
        Ok(done.report(Vec::new(), json!({})))
    }
}

impl ReleaseArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let allowed = |id, status: &BookingStatus<BlockNumber>| {
            match status {
            BookingStatus::Confirmed { .. } => Ok(()),
            BookingStatus::Requested { .. } => bail!(
                "booking #{id} is not confirmed yet: release ends a running booking (cancel it instead with `aitbc marketplace gpu cancel {id}`)"
            ),
            other => bail!(
                "booking #{id} has already ended ({}): nothing to release",
                names::booking_status_name(other)
            ),
        }
        };
        let done = booking_call(
            ctx,
            self.booking_id,
            "client",
            allowed,
            mp::release,
            "Releasing",
        )
        .await?;
        let paid = mp::paid_amount(&done.outcome);
        let refunded = mp::refunded_amount(&done.outcome);
        let mut rows = Vec::new();
        if let Some(r) = refunded {
            rows.push(("refunded (payment failed)", format_amount(r)));
        }
        if let Some(p) = paid {
            rows.push(("paid to provider", format_amount(p)));
        }
        Ok(done.report(
            rows,
            json!({
                "paid": paid.map(format_amount_json),
                "refunded": refunded.map(format_amount_json),
            }),
        ))
    }
}

impl CancelArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let allowed = |id, status: &BookingStatus<BlockNumber>| {
            match status {
            BookingStatus::Requested { .. } => Ok(()),
            BookingStatus::Confirmed { .. } => bail!(
                "booking #{id} is confirmed: it can no longer be cancelled (end it early with `aitbc marketplace gpu release {id}`)"
            ),
            other => bail!(
                "booking #{id} has already ended ({}): nothing to cancel",
                names::booking_status_name(other)
            ),
        }
        };
        let done = booking_call(
            ctx,
            self.booking_id,
            "client",
            allowed,
            mp::cancel_booking,
            "Cancelling",
        )
        .await?;
        let refunded = mp::refunded_amount(&done.outcome).unwrap_or_default();
        Ok(done.report(
            vec![("refunded", format_amount(refunded))],
            json!({"refunded": format_amount_json(refunded)}),
        ))
    }
}

impl BookingsArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let id = self.id;
        let (rpc, list) = match id {
            Some(id) => {
                let rpc = ctx.connect().await?;
                let b = mp::existing_booking(&rpc, id).await?;
                (rpc, vec![b])
            }
            None => {
                let name = ctx.wallet_name(None)?;
                let who = wallet_account(ctx, &name)?;
                let rpc = ctx.connect().await?;
                let mut all = mp::all_bookings_of(&rpc, &who).await?;
                all.reverse();
                (rpc, all)
            }
        };
        let v = json!(list.iter().map(booking_json).collect::<Vec<_>>());
        if let ([one], Some(_)) = (list.as_slice(), id) {
            let clock = Clock::now(&rpc).await?;
            return Ok(Report::record(v, &booking_rows(one, &clock)));
        }
        let mut t = table(&[
            "booking", "listing", "GPUs", "hours", "cost", "client", "provider", "status",
        ]);
        for b in &list {
            t.add_row(vec![
                b.id.to_string(),
                b.listing.to_string(),
                format!("{}x {}", b.gpu_count, names::text(&b.gpu_model)),
                b.hours.to_string(),
                format_amount(b.cost),
                short(&keys::to_ss58(&b.client)),
                short(&keys::to_ss58(&b.provider)),
                names::booking_status_name(&b.status).to_string(),
            ]);
        }
        Ok(Report::list(v, list.is_empty(), "No bookings.", t))
    }
}
