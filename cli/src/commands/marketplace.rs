//! `aitbc marketplace ...`: rent GPUs by the hour. Providers list GPUs (`gpu register`), clients
//! book them (`gpu book`, the cost held on chain), providers confirm (`gpu confirm`), clients
//! release early (`gpu release`, the provider is paid) or cancel before confirmation
//! (`gpu cancel`, refunded; those in `marketplace_booking`); `offers list` and `pricing` read the
//! market per GPU model.

use crate::commands::marketplace_view::{
    booking_report, listing_json, listing_rows, listing_status, reputation_text,
};
use crate::context::Ctx;
use crate::names;
use crate::output::{short, table, Report};
use crate::parse;
use crate::submit::{send_call, wallet_account, SendOpts};
use crate::timeline::Clock;
use aitbc_client::{
    amount::{format_amount, format_amount_json},
    keys,
    marketplace::{self as mp, BookingId, Listing, ListingId, MarketRules},
    runtime::Balance,
};
use anyhow::{bail, Context as _, Result};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

#[derive(Subcommand, Debug)]
pub enum MarketplaceCmd {
    /// GPU listings and bookings: register, list, book, confirm, release, cancel, delist.
    #[command(
        subcommand,
        after_help = "Examples:\n  aitbc marketplace gpu register --model \"RTX 4090\" --vram 24 --hourly-rate 0.5\n  aitbc marketplace gpu book 0 --hours 2"
    )]
    Gpu(GpuCmd),
    /// Offers of a GPU model: provider, reputation, VRAM and price.
    #[command(
        subcommand,
        after_help = "Example:\n  aitbc marketplace offers list --model \"RTX 4090\""
    )]
    Offers(OffersCmd),
    /// The pricing oracle for a GPU model: average, median, suggested price and sample size.
    #[command(after_help = "Example:\n  aitbc marketplace pricing --model \"RTX 4090\"")]
    Pricing(PricingArgs),
}

impl MarketplaceCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        match self {
            MarketplaceCmd::Gpu(g) => g.run(ctx).await,
            MarketplaceCmd::Offers(OffersCmd::List(a)) => a.run(ctx).await,
            MarketplaceCmd::Pricing(a) => a.run(ctx).await,
        }
    }
}

/// `aitbc marketplace pricing`.
#[derive(Args, Debug)]
pub struct PricingArgs {
    /// GPU model, e.g. "RTX 4090".
    #[arg(long)]
    pub model: String,
}

#[derive(Subcommand, Debug)]
pub enum GpuCmd {
    /// List GPUs for rent; prints the listing id once the listing is live on chain.
    #[command(
        after_help = "Example:\n  aitbc marketplace gpu register --model \"RTX 4090\" --vram 24 --hourly-rate 0.5 --count 2 --region eu-west"
    )]
    Register(RegisterArgs),
    /// Live listings (all, one GPU model's, or this wallet's).
    #[command(
        after_help = "Examples:\n  aitbc marketplace gpu list\n  aitbc marketplace gpu list --model \"RTX 4090\"\n  aitbc marketplace gpu list --mine"
    )]
    List(ListArgs),
    /// Book a listing for some hours; its cost is held from this wallet until the booking ends.
    #[command(after_help = "Example:\n  aitbc marketplace gpu book 0 --hours 2")]
    Book(BookArgs),
    /// Confirm a booking of one of this wallet's listings (provider); it runs from now.
    #[command(after_help = "Example:\n  aitbc marketplace gpu confirm 0")]
    Confirm(ConfirmArgs),
    /// End a confirmed booking now (client): the provider is paid the whole cost.
    #[command(after_help = "Example:\n  aitbc marketplace gpu release 0")]
    Release(ReleaseArgs),
    /// Cancel a booking the provider has not confirmed (client): the cost is refunded.
    #[command(after_help = "Example:\n  aitbc marketplace gpu cancel 0")]
    Cancel(CancelArgs),
    /// Change one of this wallet's listings (not while it is booked): only the options given
    /// change.
    #[command(
        after_help = "Examples:\n  aitbc marketplace gpu update 0 --hourly-rate 0.45\n  aitbc marketplace gpu update 0 --count 2 --available-days 60"
    )]
    Update(UpdateArgs),
    /// Remove one of this wallet's listings (not while it is booked).
    #[command(after_help = "Example:\n  aitbc marketplace gpu delist 0")]
    Delist(DelistArgs),
    /// This wallet's bookings, as client or provider (or one booking by id).
    #[command(
        after_help = "Examples:\n  aitbc marketplace gpu bookings\n  aitbc marketplace gpu bookings --id 0"
    )]
    Bookings(BookingsArgs),
}

impl GpuCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        match self {
            GpuCmd::Register(a) => a.run(ctx).await,
            GpuCmd::List(a) => a.run(ctx).await,
            GpuCmd::Book(a) => a.run(ctx).await,
            GpuCmd::Confirm(a) => a.run(ctx).await,
            GpuCmd::Release(a) => a.run(ctx).await,
            GpuCmd::Cancel(a) => a.run(ctx).await,
            GpuCmd::Update(a) => a.run(ctx).await,
            GpuCmd::Delist(a) => a.run(ctx).await,
            GpuCmd::Bookings(a) => a.run(ctx).await,
        }
    }
}

/// `aitbc marketplace gpu register`.
#[derive(Args, Debug)]
pub struct RegisterArgs {
    /// GPU model, e.g. "RTX 4090".
    #[arg(long)]
    pub model: String,
    /// Memory per GPU, in GB.
    #[arg(long)]
    pub vram: u32,
    /// Price per GPU per hour, in AIT.
    #[arg(long, value_parser = parse::positive_amount)]
    pub hourly_rate: Balance,
    /// Number of GPUs rented together.
    #[arg(long, default_value_t = 1)]
    pub count: u32,
    /// Where the GPUs are, e.g. eu-west.
    #[arg(long, default_value = "")]
    pub region: String,
    /// How long the listing can be booked, from now, in days.
    #[arg(long, default_value_t = 30)]
    pub available_days: u32,
}

/// `aitbc marketplace gpu list`.
#[derive(Args, Debug)]
pub struct ListArgs {
    /// Only this GPU model.
    #[arg(long)]
    pub model: Option<String>,
    /// Only this wallet's listings.
    #[arg(long)]
    pub mine: bool,
    /// At most this many listings.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

/// `aitbc marketplace gpu book`.
#[derive(Args, Debug)]
pub struct BookArgs {
    /// Listing id.
    #[arg(value_parser = parse::listing_id)]
    pub listing_id: ListingId,
    /// Hours to rent.
    #[arg(long, default_value_t = 1)]
    pub hours: u32,
}

/// `aitbc marketplace gpu confirm`.
#[derive(Args, Debug)]
pub struct ConfirmArgs {
    /// Booking id.
    #[arg(value_parser = parse::booking_id)]
    pub booking_id: BookingId,
}

/// `aitbc marketplace gpu release`.
#[derive(Args, Debug)]
pub struct ReleaseArgs {
    /// Booking id.
    #[arg(value_parser = parse::booking_id)]
    pub booking_id: BookingId,
}

/// `aitbc marketplace gpu cancel`.
#[derive(Args, Debug)]
pub struct CancelArgs {
    /// Booking id.
    #[arg(value_parser = parse::booking_id)]
    pub booking_id: BookingId,
}

/// `aitbc marketplace gpu update`: what changes (`None` keeps the listing's current value).
#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// Listing id.
    #[arg(value_parser = parse::listing_id)]
    pub listing_id: ListingId,
    /// New price per GPU per hour, in AIT.
    #[arg(long, value_parser = parse::positive_amount)]
    pub hourly_rate: Option<Balance>,
    /// New memory per GPU, in GB.
    #[arg(long)]
    pub vram: Option<u32>,
    /// New number of GPUs rented together.
    #[arg(long)]
    pub count: Option<u32>,
    /// New region.
    #[arg(long)]
    pub region: Option<String>,
    /// Bookable for this many days from now (instead of the current window).
    #[arg(long)]
    pub available_days: Option<u32>,
}

/// `aitbc marketplace gpu delist`.
#[derive(Args, Debug)]
pub struct DelistArgs {
    /// Listing id.
    #[arg(value_parser = parse::listing_id)]
    pub listing_id: ListingId,
}

/// `aitbc marketplace gpu bookings`.
#[derive(Args, Debug)]
pub struct BookingsArgs {
    /// Only this booking (any account's).
    #[arg(long, value_parser = parse::booking_id)]
    pub id: Option<BookingId>,
}

#[derive(Subcommand, Debug)]
pub enum OffersCmd {
    /// Offers of a GPU model, cheapest first.
    #[command(after_help = "Example:\n  aitbc marketplace offers list --model \"RTX 4090\"")]
    List(OffersListArgs),
}

/// `aitbc marketplace offers list`.
#[derive(Args, Debug)]
pub struct OffersListArgs {
    /// GPU model, e.g. "RTX 4090".
    #[arg(long)]
    pub model: String,
    /// Only offers that are not booked now.
    #[arg(long)]
    pub available: bool,
    /// At most this many offers.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

impl RegisterArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        register(ctx, self).await
    }
}

async fn register(ctx: &Ctx, a: RegisterArgs) -> Result<Report> {
    // Input checks first: nothing is signed or sent if one fails.
    let (model, count, region, days) = (
        a.model.as_str(),
        a.count,
        a.region.as_str(),
        a.available_days,
    );
    let hourly_rate = a.hourly_rate;
    if a.vram == 0 {
        bail!("--vram must be at least 1 (GB per GPU)");
    }
    if days == 0 {
        bail!("--available-days must be at least 1");
    }
    let vram_mb = a.vram.checked_mul(1024).context("--vram is too large")?;
    // Checks model, count and region before connecting.
    mp::listing_terms(model, vram_mb, count, hourly_rate, region, 0, 1)?;
    let name = ctx.wallet_name(None)?;
    let rpc = ctx.connect().await?;
    let rules = MarketRules::fetch(&rpc).await?;
    let clock = Clock::now(&rpc).await?;
    let window = rules
        .blocks_per_hour
        .checked_mul(24)
        .and_then(|d| d.checked_mul(days))
        .context("--available-days is too large")?;
    let from = clock.best;
    let until = from
        .checked_add(window)
        .context("--available-days is too large")?;
    let terms = mp::listing_terms(model, vram_mb, count, hourly_rate, region, from, until)?;
    let who = wallet_account(ctx, &name)?;
    let mine = mp::listings_by_provider(&rpc, &who).await?;
    if mine.len() as u32 >= rules.max_listings_per_provider {
        bail!(
            "wallet '{name}' already has {} listings, the most one provider may have (delist one with `aitbc marketplace gpu delist ID`)",
            mine.len()
        );
    }
    let (outcome, tx) = send_call(
        ctx,
        &rpc,
        &name,
        mp::create_listing(terms),
        &format!("Listing {count}x {model}"),
        SendOpts::default(),
    )
    .await?;
    let id = mp::created_listing_id(&outcome)
        .context("the transaction succeeded but emitted no ListingCreated event")?;
    // Read it back: the listing is live only if the chain returns it.
    let listing = mp::existing_listing(&rpc, id)
        .await
        .with_context(|| format!("listing #{id} was created but is not live"))?;
    let mut v = listing_json(&listing);
    v["live"] = json!(true);
    tx.add_json(&mut v);
    let clock = Clock::now(&rpc).await?;
    Ok(Report::new(v)
        .line(format!(
            "Listing {id} is live (read back from the chain at block #{}).",
            clock.best
        ))
        .kv(&tx.with_rows(listing_rows(&listing, &clock))))
}

impl ListArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let limit = self.limit;
        let model = self.model.as_deref().map(mp::gpu_model).transpose()?;
        let who = if self.mine {
            let name = ctx.wallet_name(None)?;
            Some(wallet_account(ctx, &name)?)
        } else {
            None
        };
        let rpc = ctx.connect().await?;
        let mut all: Vec<Listing> = match (&who, &model) {
            (Some(w), _) => mp::listings_by_provider(&rpc, w).await?,
            (None, Some(m)) => mp::all_offers(&rpc, m, usize::MAX)
                .await?
                .into_iter()
                .map(|o| o.listing)
                .collect(),
            (None, None) => mp::all_listings(&rpc, limit as usize).await?,
        };
        if let Some(m) = &model {
            all.retain(|l| &l.terms.gpu_model == m);
        }
        all.truncate(limit as usize);
        let v = json!(all.iter().map(listing_json).collect::<Vec<_>>());
        let mut t = table(&[
            "listing",
            "provider",
            "GPUs",
            "VRAM",
            "price/GPU-h",
            "region",
            "until",
            "status",
        ]);
        for l in &all {
            t.add_row(vec![
                l.id.to_string(),
                short(&keys::to_ss58(&l.provider)),
                format!("{}x {}", l.terms.gpu_count, names::text(&l.terms.gpu_model)),
                format!("{} GB", l.terms.vram_mb / 1024),
                format_amount(l.terms.hourly_rate),
                names::text(&l.terms.region),
                format!("#{}", l.terms.available_until),
                listing_status(l),
            ]);
        }
        Ok(Report::list(v, all.is_empty(), "No live listings.", t))
    }
}

impl BookArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        book(ctx, self.listing_id, self.hours).await
    }
}

async fn book(ctx: &Ctx, id: ListingId, hours: u32) -> Result<Report> {
    let call = mp::book(id, hours)?;
    let name = ctx.wallet_name(None)?;
    let who = wallet_account(ctx, &name)?;
    let rpc = ctx.connect().await?;
    let listing = mp::existing_listing(&rpc, id).await?;
    if listing.provider == who {
        bail!("listing #{id} is wallet '{name}''s own: providers cannot book their own listings");
    }
    if let Some(b) = listing.booking {
        bail!("listing #{id} is already booked (booking #{b}); try another offer: aitbc marketplace offers list --model \"{}\"", names::text(&listing.terms.gpu_model));
    }
    let rules = MarketRules::fetch(&rpc).await?;
    if hours > rules.max_booking_hours {
        bail!(
            "--hours {hours} is longer than the longest booking, {} hours",
            rules.max_booking_hours
        );
    }
    let clock = Clock::now(&rpc).await?;
    // The booking is made in the next block.
    let start = clock.best.saturating_add(1);
    if listing.terms.available_from > start {
        bail!(
            "listing #{id} can be booked from block {}",
            clock.describe(listing.terms.available_from)
        );
    }
    let duration = rules.blocks_per_hour.saturating_mul(hours);
    if start.saturating_add(duration) > listing.terms.available_until {
        let left = listing.terms.available_until.saturating_sub(start) / rules.blocks_per_hour;
        bail!(
            "a {hours}-hour booking would end after listing #{id}'s availability (until block #{}); at most {left} hours can be booked now",
            listing.terms.available_until
        );
    }
    let cost = mp::booking_cost(&listing, hours)?;
    let opts = SendOpts {
        spend: cost,
        ..Default::default()
    };
    let (outcome, tx) = send_call(
        ctx,
        &rpc,
        &name,
        call,
        &format!("Booking listing {id} for {hours} h"),
        opts,
    )
    .await?;
    let (booking_id, held, _) =
        mp::booked(&outcome).context("the transaction succeeded but emitted no Booked event")?;
    let b = mp::existing_booking(&rpc, booking_id).await?;
    let clock = Clock::now(&rpc).await?;
    Ok(booking_report(
        &b,
        &clock,
        vec![(
            "held",
            format!("{} (until the booking ends)", format_amount(held)),
        )],
        json!({"held": format_amount_json(held)}),
        &tx,
    ))
}

impl UpdateArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        update(ctx, self).await
    }
}

async fn update(ctx: &Ctx, c: UpdateArgs) -> Result<Report> {
    let id = c.listing_id;
    if c.hourly_rate.is_none()
        && c.vram.is_none()
        && c.count.is_none()
        && c.region.is_none()
        && c.available_days.is_none()
    {
        bail!("nothing to change: give at least one of --hourly-rate, --vram, --count, --region, --available-days");
    }
    let vram_mb = match c.vram {
        Some(0) => bail!("--vram must be at least 1 (GB per GPU)"),
        Some(gb) => Some(gb.checked_mul(1024).context("--vram is too large")?),
        None => None,
    };
    if c.available_days == Some(0) {
        bail!("--available-days must be at least 1");
    }
    let name = ctx.wallet_name(None)?;
    let who = wallet_account(ctx, &name)?;
    let rpc = ctx.connect().await?;
    let listing = mp::existing_listing(&rpc, id).await?;
    if listing.provider != who {
        bail!(
            "listing #{id} belongs to {}, not to wallet '{name}'",
            keys::to_ss58(&listing.provider)
        );
    }
    if let Some(b) = listing.booking {
        bail!("listing #{id} has an open booking (#{b}): it can be changed once that booking ends");
    }
    let old = &listing.terms;
    let (from, until) = match c.available_days {
        Some(days) => {
            let rules = MarketRules::fetch(&rpc).await?;
            let from = Clock::now(&rpc).await?.best;
            let until = rules
                .blocks_per_hour
                .checked_mul(24)
                .and_then(|d| d.checked_mul(days))
                .and_then(|w| from.checked_add(w))
                .context("--available-days is too large")?;
            (from, until)
        }
        None => (old.available_from, old.available_until),
    };
    let terms = mp::listing_terms(
        &names::text(&old.gpu_model),
        vram_mb.unwrap_or(old.vram_mb),
        c.count.unwrap_or(old.gpu_count),
        c.hourly_rate.unwrap_or(old.hourly_rate),
        c.region.as_deref().unwrap_or(&names::text(&old.region)),
        from,
        until,
    )?;
    let (_, tx) = send_call(
        ctx,
        &rpc,
        &name,
        mp::update_listing(id, terms),
        &format!("Updating listing {id}"),
        SendOpts::default(),
    )
    .await?;
    // Read it back: what the chain now holds is what is printed.
    let listing = mp::existing_listing(&rpc, id).await?;
    let clock = Clock::now(&rpc).await?;
    Ok(Report::new(tx.with_json(listing_json(&listing)))
        .line(format!(
            "Listing {id} updated (read back from the chain at block #{}).",
            clock.best
        ))
        .kv(&tx.with_rows(listing_rows(&listing, &clock))))
}

impl DelistArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let id = self.listing_id;
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        let listing = mp::existing_listing(&rpc, id).await?;
        if listing.provider != who {
            bail!(
                "listing #{id} belongs to {}, not to wallet '{name}'",
                keys::to_ss58(&listing.provider)
            );
        }
        if let Some(b) = listing.booking {
            bail!(
                "listing #{id} has an open booking (#{b}): it can be delisted once that booking ends"
            );
        }
        let (_, tx) = send_call(
            ctx,
            &rpc,
            &name,
            mp::delist(id),
            &format!("Delisting listing {id}"),
            SendOpts::default(),
        )
        .await?;
        if mp::listing(&rpc, id).await?.is_some() {
            bail!("listing #{id} is still live after the delist transaction");
        }
        let v = tx.with_json(json!({"listing_id": id, "status": "delisted"}));
        let rows = tx.with_rows(vec![
            ("listing_id", id.to_string()),
            ("status", "delisted".into()),
        ]);
        Ok(Report::record(v, &rows))
    }
}

impl OffersListArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let model = self.model.as_str();
        let gpu = mp::gpu_model(model)?;
        let rpc = ctx.connect().await?;
        let mut all = mp::all_offers(&rpc, &gpu, usize::MAX).await?;
        if self.available {
            all.retain(|o| o.listing.booking.is_none());
        }
        // Cheapest first; among equal prices, the better reputation first.
        all.sort_by(|a, b| {
            a.listing
                .terms
                .hourly_rate
                .cmp(&b.listing.terms.hourly_rate)
                .then(b.reputation.cmp(&a.reputation))
                .then(a.listing.id.cmp(&b.listing.id))
        });
        all.truncate(self.limit as usize);
        let v: Vec<Value> = all
            .iter()
            .map(|o| {
                let mut v = listing_json(&o.listing);
                v["reputation"] = json!(o.reputation.map(|_| reputation_text(o)));
                v["reputation_permill"] = json!(o.reputation.map(|p| p.deconstruct()));
                v
            })
            .collect();
        let mut t = table(&[
            "listing",
            "provider",
            "reputation",
            "GPUs",
            "VRAM",
            "price/GPU-h",
            "region",
            "status",
        ]);
        for o in &all {
            let l = &o.listing;
            t.add_row(vec![
                l.id.to_string(),
                short(&keys::to_ss58(&l.provider)),
                reputation_text(o),
                format!("{}x {}", l.terms.gpu_count, names::text(&l.terms.gpu_model)),
                format!("{} GB", l.terms.vram_mb / 1024),
                format_amount(l.terms.hourly_rate),
                names::text(&l.terms.region),
                listing_status(l),
            ]);
        }
        let empty = format!("No offers for {}.", model.trim());
        Ok(Report::list(json!(v), all.is_empty(), &empty, t))
    }
}

impl PricingArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let model = self.model.as_str();
        let gpu = mp::gpu_model(model)?;
        let rpc = ctx.connect().await?;
        let Some(s) = mp::pricing(&rpc, &gpu).await? else {
            bail!(
                "no price data for GPU model \"{}\": it has no live listings and no recent paid bookings",
                model.trim()
            );
        };
        let best = rpc.best_header().await?.number;
        let v = json!({
            "gpu_model": model.trim(),
            "unit": "per GPU-hour",
            "average": format_amount_json(s.average),
            "median": format_amount_json(s.median),
            "min": format_amount_json(s.min),
            "max": format_amount_json(s.max),
            "suggested": format_amount_json(s.suggested),
            "sample_size": s.sample_size,
            "listings": s.listings,
            "bookings": s.bookings,
            "block": best,
        });
        let rows = [
            ("GPU model", model.trim().to_string()),
            (
                "average",
                format!("{} per GPU-hour", format_amount(s.average)),
            ),
            (
                "median",
                format!("{} per GPU-hour", format_amount(s.median)),
            ),
            (
                "suggested",
                format!("{} per GPU-hour", format_amount(s.suggested)),
            ),
            (
                "range",
                format!("{} – {}", format_amount(s.min), format_amount(s.max)),
            ),
            (
                "sample size",
                format!(
                    "{} ({} live listings, {} recent paid bookings)",
                    s.sample_size, s.listings, s.bookings
                ),
            ),
            ("at block", format!("#{best}")),
        ];
        Ok(Report::record(v, &rows))
    }
}
