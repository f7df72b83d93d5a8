//! `aitbc miner update | stake | unbond | withdraw`: change a registration, and move stake in and
//! out (`Miners::update`, `Miners::set_stake`, `Miners::withdraw_unbonded`).

use crate::commands::miner::{
    miner_report, registered, DeregisterArgs, StakeArgs, UnbondArgs, UpdateArgs, WithdrawArgs,
};
use crate::context::Ctx;
use crate::output::Report;
use crate::submit::{send_call, wallet_account, SendOpts};
use crate::timeline::Clock;
use aitbc_client::{
    amount::{format_amount, format_amount_json},
    jobs, keys,
    metadata::NodeMetadata,
    runtime::{Balance, BlockNumber},
};
use anyhow::{bail, Result};
use serde_json::json;

/// The hardware an update asks for: `--gpus` (with `--vram-gb` or the model's known memory)
/// and/or `--vram-gb`, else the current one.
fn new_hardware(
    current: &jobs::Hardware,
    gpus: Option<&str>,
    vram_gb: Option<u32>,
) -> Result<jobs::Hardware> {
    let vram_mb = vram_gb.map(|gb| gb.saturating_mul(1024));
    match gpus {
        Some(g) => {
            let probe = jobs::parse_hardware(g, 0)?;
            let model = String::from_utf8_lossy(&probe.gpu_model).into_owned();
            let mb = match vram_mb.or_else(|| jobs::known_vram_mb(&model)) {
                Some(mb) => mb,
                None if probe.gpu_model == current.gpu_model => current.vram_mb,
                None => bail!("unknown GPU model {model:?}: pass its memory with --vram-gb"),
            };
            Ok(jobs::parse_hardware(g, mb)?)
        }
        None => {
            let mut hw = current.clone();
            if let Some(mb) = vram_mb {
                hw.vram_mb = mb;
            }
            Ok(hw)
        }
    }
}

/// Refuses with the reason when the miner is not active (unbonding).
fn ensure_active(m: &jobs::MinerInfo, what: &str) -> Result<()> {
    if let jobs::MinerStatus::Unbonding { until } = m.miner.status {
        bail!(
            "miner {} deregistered and is unbonding until block #{until}: it cannot {what} (withdraw the stake with `aitbc miner withdraw` from #{until}, then register again)",
            keys::to_ss58(&m.account)
        );
    }
    Ok(())
}

impl UpdateArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        update(ctx, self).await
    }
}

async fn update(ctx: &Ctx, a: UpdateArgs) -> Result<Report> {
    let price = a
        .price_per_hour
        .map(jobs::per_second_from_hourly)
        .transpose()?;
    let models = a.models.as_deref().map(jobs::model_list).transpose()?;
    let name = ctx.wallet_name(None)?;
    let who = wallet_account(ctx, &name)?;
    let rpc = ctx.connect().await?;
    let before = registered(&rpc, &name, &who).await?;
    ensure_active(&before, "be updated")?;
    let hardware = new_hardware(&before.miner.hardware, a.gpus.as_deref(), a.vram_gb)?;
    let models = models.unwrap_or_else(|| before.miner.models.clone());
    let price = price.unwrap_or(before.miner.price_per_gpu_second);
    let call = jobs::update_miner(hardware, models, price);
    let (_, tx) = send_call(
        ctx,
        &rpc,
        &name,
        call,
        "Updating miner",
        SendOpts::default(),
    )
    .await?;
    let m = registered(&rpc, &name, &who).await?;
    Ok(miner_report(
        &m,
        &[("result", "updated".to_string())],
        Some(&tx),
    ))
}

async fn change_stake(ctx: &Ctx, add: Option<Balance>, remove: Option<Balance>) -> Result<Report> {
    let name = ctx.wallet_name(None)?;
    let who = wallet_account(ctx, &name)?;
    let rpc = ctx.connect().await?;
    let m = registered(&rpc, &name, &who).await?;
    let current = m.miner.stake;
    let (new, spend, label) = match (add, remove) {
        (Some(x), _) => {
            ensure_active(&m, "add stake")?;
            let Some(new) = current.checked_add(x) else {
                bail!(
                    "a stake of {} + {} is too large",
                    format_amount(current),
                    format_amount(x)
                );
            };
            (new, x, "Adding stake")
        }
        (None, Some(x)) => {
            ensure_active(&m, "unbond part of its stake")?;
            let min: Balance = NodeMetadata::fetch(&rpc)
                .await?
                .constant("Miners", "MinStake")?;
            let new = current.saturating_sub(x);
            if x > current || new < min {
                bail!(
                    "unbonding {} would leave {} staked, below the chain's minimum stake of {}: unbond at most {}, or run `aitbc miner deregister` and then `aitbc miner withdraw` to recover the whole stake",
                    format_amount(x),
                    format_amount(new),
                    format_amount(min),
                    format_amount(current.saturating_sub(min))
                );
            }
            (new, 0, "Unbonding stake")
        }
        (None, None) => bail!("nothing to change"),
    };
    let opts = SendOpts {
        spend,
        ..Default::default()
    };
    let (outcome, tx) = send_call(ctx, &rpc, &name, jobs::set_stake(new), label, opts).await?;
    let (old, new) = jobs::stake_changed(&outcome).unwrap_or((current, new));
    let m = registered(&rpc, &name, &who).await?;
    let change = if add.is_some() { "staked" } else { "released" };
    Ok(miner_report(
        &m,
        &[
            ("result", change.to_string()),
            (change, format_amount_json(new.abs_diff(old))),
            ("stake_before", format_amount_json(old)),
        ],
        Some(&tx),
    ))
}

impl StakeArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        change_stake(ctx, Some(self.amount), None).await
    }
}

impl UnbondArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        change_stake(ctx, None, Some(self.amount)).await
    }
}

impl DeregisterArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        deregister(ctx).await
    }
}

/// `Miners::deregister`, saying from which block the stake can be withdrawn.
async fn deregister(ctx: &Ctx) -> Result<Report> {
    let name = ctx.wallet_name(None)?;
    let who = wallet_account(ctx, &name)?;
    let rpc = ctx.connect().await?;
    let m = registered(&rpc, &name, &who).await?;
    ensure_active(&m, "deregister again")?;
    if m.miner.active_jobs > 0 {
        bail!(
            "miner {} has {} assigned or running job(s): deregister once they have ended (see `aitbc miner status`)",
            keys::to_ss58(&who),
            m.miner.active_jobs
        );
    }
    let (_, tx) = send_call(
        ctx,
        &rpc,
        &name,
        jobs::deregister_miner(),
        "Deregistering",
        SendOpts::default(),
    )
    .await?;
    let m = registered(&rpc, &name, &who).await?;
    let mut extra = vec![("result", "deregistered".to_string())];
    if let jobs::MinerStatus::Unbonding { until } = m.miner.status {
        let clock = Clock::now(&rpc).await?;
        extra.push((
            "withdraw_from",
            format!("{} with `aitbc miner withdraw`", clock.describe(until)),
        ));
    }
    Ok(miner_report(&m, &extra, Some(&tx)))
}

/// The first block whose transactions may withdraw: `until` (the call checks
/// `block_number >= until`); the next block is `best + 1`.
fn withdrawable_in_next_block(best: BlockNumber, until: BlockNumber) -> bool {
    best.saturating_add(1) >= until
}

impl WithdrawArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        withdraw(ctx).await
    }
}

async fn withdraw(ctx: &Ctx) -> Result<Report> {
    let name = ctx.wallet_name(None)?;
    let who = wallet_account(ctx, &name)?;
    let rpc = ctx.connect().await?;
    let m = registered(&rpc, &name, &who).await?;
    let until = match m.miner.status {
        jobs::MinerStatus::Unbonding { until } => until,
        jobs::MinerStatus::Active => bail!(
            "miner {} is still active: run `aitbc miner deregister` first, then `aitbc miner withdraw` after the unbonding period",
            keys::to_ss58(&who)
        ),
    };
    let clock = Clock::now(&rpc).await?;
    if !withdrawable_in_next_block(clock.best, until) {
        bail!(
            "the unbonding period is not over: the stake of {} can be withdrawn from block {} (now #{})",
            format_amount(m.miner.stake),
            clock.describe(until),
            clock.best
        );
    }
    let before = aitbc_client::state::balance(&rpc, &who, None).await?;
    let (outcome, tx) = send_call(
        ctx,
        &rpc,
        &name,
        jobs::withdraw_unbonded(),
        "Withdrawing the stake",
        SendOpts::default(),
    )
    .await?;
    let released = jobs::withdrawn(&outcome).unwrap_or(m.miner.stake);
    let after = aitbc_client::state::balance(&rpc, &who, None).await?;
    let v = tx.with_json(json!({
        "miner_id": keys::to_ss58(&who),
        "status": "withdrawn",
        "released": format_amount_json(released),
        "balance_before": format_amount_json(before.free),
        "balance_after": format_amount_json(after.free),
    }));
    let rows = tx.with_rows(vec![
        ("miner_id", keys::to_ss58(&who)),
        (
            "status",
            "withdrawn: the miner record is removed".to_string(),
        ),
        ("released", format_amount(released)),
        (
            "balance",
            format!(
                "{} → {}",
                format_amount(before.free),
                format_amount(after.free)
            ),
        ),
    ]);
    Ok(Report::record(v, &rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hw(model: &str, count: u32, vram_mb: u32) -> jobs::Hardware {
        let mut h = jobs::parse_hardware(&format!("{count}x {model}"), vram_mb).unwrap();
        h.vram_mb = vram_mb;
        h
    }

    #[test]
    fn hardware_changes_only_what_is_given() {
        let cur = hw("RTX 4090", 1, 24 * 1024);
        assert_eq!(new_hardware(&cur, None, None).unwrap(), cur);
        let more = new_hardware(&cur, Some("2x RTX 4090"), None).unwrap();
        assert_eq!((more.gpu_count, more.vram_mb), (2, 24 * 1024));
        let a100 = new_hardware(&cur, Some("1x A100"), Some(80)).unwrap();
        assert_eq!(a100.vram_mb, 80 * 1024);
        let vram = new_hardware(&cur, None, Some(20)).unwrap();
        assert_eq!((vram.gpu_count, vram.vram_mb), (1, 20 * 1024));
        let unknown = new_hardware(&cur, Some("1x Mystery GPU"), None).unwrap_err();
        assert!(unknown.to_string().contains("--vram-gb"), "{unknown}");
    }

    #[test]
    fn withdraw_from_the_until_block() {
        assert!(!withdrawable_in_next_block(10, 12));
        assert!(withdrawable_in_next_block(11, 12));
        assert!(withdrawable_in_next_block(30, 12));
    }
}
