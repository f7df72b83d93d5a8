//! `aitbc miner profiles | declare-profile | undeclare-profile`: the execution profiles a miner
//! runs (`ExecutionProfiles::declare`, `ExecutionProfiles::undeclare`).

use crate::commands::miner::{DeclareProfileArgs, ProfilesArgs, UndeclareProfileArgs};
use crate::commands::profile::{profile_json, profiles_table};
use crate::commands::wallet::resolve_account;
use crate::context::Ctx;
use crate::output::{short, Report};
use crate::submit::{send_call, wallet_account, SendOpts};
use aitbc_client::{jobs, keys, profiles, rpc::RpcClient, runtime::AccountId};
use anyhow::{bail, Result};
use serde_json::json;

/// The declared profiles of `who`, with their records and how many miners run each, and their
/// JSON form.
async fn declared(
    rpc: &RpcClient,
    who: &AccountId,
) -> Result<(
    Vec<(profiles::ProfileId, profiles::ProfileRecord, usize)>,
    Vec<serde_json::Value>,
)> {
    let mut rows = Vec::new();
    let mut json_rows = Vec::new();
    for id in profiles::profiles_of(rpc, who).await? {
        // A declared profile cannot be retired, so it is registered.
        let Some(r) = profiles::profile(rpc, id, None).await? else {
            continue;
        };
        let miners = profiles::miners_of(rpc, id).await?;
        json_rows.push(profile_json(&id, &r, &miners));
        rows.push((id, r, miners.len()));
    }
    Ok((rows, json_rows))
}

/// A miner's profiles after a transaction, as a report with `result` and the transaction.
async fn after_tx(
    rpc: &RpcClient,
    who: &AccountId,
    id: &profiles::ProfileId,
    result: &str,
    tx: &crate::report::TxReport,
) -> Result<Report> {
    let (rows, json_rows) = declared(rpc, who).await?;
    let v = tx.with_json(json!({
        "miner": keys::to_ss58(who),
        "profile": profiles::hex_id(id),
        "result": result,
        "profiles": json_rows,
    }));
    let summary = Report::record(
        v,
        &tx.with_rows(vec![
            ("miner", keys::to_ss58(who)),
            ("profile", profiles::hex_id(id)),
            ("result", result.to_string()),
        ]),
    );
    Ok(summary.then(Report::list(
        serde_json::Value::Null,
        rows.is_empty(),
        "It has declared no profile now.",
        profiles_table(&rows),
    )))
}

impl ProfilesArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let who = match self.miner.as_deref() {
            Some(m) => resolve_account(ctx, m)?,
            None => {
                let name = ctx.wallet_name(None)?;
                wallet_account(ctx, &name)?
            }
        };
        let rpc = ctx.connect().await?;
        let (rows, json_rows) = declared(&rpc, &who).await?;
        let address = keys::to_ss58(&who);
        Ok(Report::list(
            json!({"miner": address, "profiles": json_rows}),
            rows.is_empty(),
            &format!("{address} has declared no execution profile."),
            profiles_table(&rows),
        ))
    }
}

impl DeclareProfileArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let id = self.id;
        let hex = profiles::hex_id(&id);
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        let m = crate::commands::miner::registered(&rpc, &name, &who).await?;
        if m.miner.status != jobs::MinerStatus::Active {
            bail!(
                "miner {} deregistered: only active miners declare profiles",
                keys::to_ss58(&who)
            );
        }
        profiles::existing_profile(&rpc, id).await?;
        let mut list = profiles::profiles_of(&rpc, &who).await?;
        if list.contains(&id) {
            bail!("wallet '{name}' has already declared profile {hex} (see: aitbc miner profiles)");
        }
        let rules = profiles::ProfileRules::fetch(&rpc).await?;
        let listed = profiles::miners_of(&rpc, id).await?.len();
        if listed >= rules.max_miners_per_profile as usize {
            bail!(
                "profile {hex} already lists {listed} miners, the most the chain allows (a former miner's place is freed with `aitbc profile prune ADDRESS`)"
            );
        }
        list.push(id);
        let call = profiles::declare_profiles(list)?;
        let label = format!("Declaring profile {}", short(&hex));
        let (_, tx) = send_call(ctx, &rpc, &name, call, &label, SendOpts::default()).await?;
        after_tx(&rpc, &who, &id, "declared", &tx).await
    }
}

impl UndeclareProfileArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let id = self.id;
        let hex = profiles::hex_id(&id);
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        if !profiles::profiles_of(&rpc, &who).await?.contains(&id) {
            bail!("wallet '{name}' has not declared profile {hex} (see: aitbc miner profiles)");
        }
        let label = format!("Withdrawing from profile {}", short(&hex));
        let (_, tx) = send_call(
            ctx,
            &rpc,
            &name,
            profiles::undeclare_profile(id),
            &label,
            SendOpts::default(),
        )
        .await?;
        after_tx(&rpc, &who, &id, "undeclared", &tx).await
    }
}
