//! Sign and submit one call from a wallet: prepare, check the balance (before signing), ask the
//! password, sign, submit, follow with a spinner, and fail on a dispatch error.

use crate::context::Ctx;
use crate::output::spinner;
use crate::report::TxReport;
use aitbc_client::{
    keys,
    rpc::RpcClient,
    runtime::{AccountId, Balance, RuntimeCall},
    tx::{self, TxOptions, TxOutcome, WaitFor},
};
use anyhow::Result;
use std::time::Duration;

/// How to send.
pub struct SendOpts {
    /// What the call spends besides the fee (transfer amount, escrowed budget, stake).
    pub spend: Balance,
    pub tip: Balance,
    pub wait: WaitFor,
    pub timeout: Duration,
}

impl Default for SendOpts {
    fn default() -> Self {
        SendOpts {
            spend: 0,
            tip: 0,
            wait: WaitFor::InBlock,
            timeout: Duration::from_secs(120),
        }
    }
}

/// The account of a wallet, without unlocking it.
pub fn wallet_account(ctx: &Ctx, name: &str) -> Result<AccountId> {
    Ok(keys::parse_address(&ctx.keystore.address(name)?)?)
}

/// Signs `call` with wallet `name` and follows it; `Err` if it fails on chain. Returns the
/// outcome (for the facts its events carry) and its [`TxReport`].
pub async fn send_call(
    ctx: &Ctx,
    rpc: &RpcClient,
    name: &str,
    call: RuntimeCall,
    label: &str,
    opts: SendOpts,
) -> Result<(TxOutcome, TxReport)> {
    let from = wallet_account(ctx, name)?;
    let txo = TxOptions {
        tip: opts.tip,
        ..Default::default()
    };
    let utx = tx::prepare(rpc, &from, call, &txo).await?;
    let fee = tx::ensure_can_pay(rpc, &utx, opts.spend, opts.tip).await?;
    let pair = ctx.unlock(name)?;
    let stx = utx.sign(&pair)?;
    let pb = spinner(ctx.output, label.to_string());
    let result = tx::submit_and_watch(rpc, &stx, opts.wait, opts.timeout, |s| {
        pb.set_message(format!("{label}: {}", crate::commands::status_word(s)));
    })
    .await;
    pb.finish_and_clear();
    let outcome = result?.into_result()?;
    let report = TxReport::new(&outcome, outcome.fee_paid.unwrap_or(fee));
    Ok((outcome, report))
}
