//! `aitbc explorer ...`: blocks, one block, a transaction, an account.

use crate::commands::wallet::resolve_account;
use crate::context::Ctx;
use crate::output::{format_time_ms, short, spinner, table, Report};
use aitbc_client::{
    amount::{format_amount, format_amount_json},
    blocks::{self, BlockId, BlockView},
    keys, state,
};
use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use serde_json::json;

#[derive(Subcommand, Debug)]
pub enum ExplorerCmd {
    /// The latest blocks, newest first.
    #[command(after_help = "Example:\n  aitbc explorer blocks --limit 5")]
    Blocks(BlocksArgs),
    /// One block with its extrinsics and decoded events.
    #[command(
        after_help = "Example:\n  aitbc explorer block 42\n  aitbc explorer block 0x3f2a...\n  aitbc explorer block best"
    )]
    Block(BlockArgs),
    /// A transaction by hash: its block, call, result, fee and events.
    #[command(after_help = "Example:\n  aitbc explorer tx 0x9c1e...")]
    Tx(TxArgs),
    /// The latest receipts of completed jobs.
    #[command(after_help = "Example:\n  aitbc explorer receipts --limit 10")]
    Receipts(ReceiptsArgs),
    /// An account's balances, nonce and holds.
    #[command(
        after_help = "Example:\n  aitbc explorer account 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    )]
    Account(AccountArgs),
}

impl ExplorerCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        match self {
            ExplorerCmd::Blocks(a) => a.run(ctx).await,
            ExplorerCmd::Block(a) => a.run(ctx).await,
            ExplorerCmd::Tx(a) => a.run(ctx).await,
            ExplorerCmd::Receipts(a) => a.run(ctx).await,
            ExplorerCmd::Account(a) => a.run(ctx).await,
        }
    }
}

/// `aitbc explorer blocks`.
#[derive(Args, Debug)]
pub struct BlocksArgs {
    /// How many blocks.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=500))]
    pub limit: u32,
}

/// `aitbc explorer block`.
#[derive(Args, Debug)]
pub struct BlockArgs {
    /// Block number, 0x block hash, or `best`.
    #[arg(value_parser = blocks::parse_block_id)]
    pub block: BlockId,
}

/// `aitbc explorer tx`.
#[derive(Args, Debug)]
pub struct TxArgs {
    /// 0x transaction hash (as printed by `aitbc wallet send`).
    pub hash: String,
    /// How many recent blocks to search on a node without AITBC's transaction index (an
    /// AITBC node finds any transaction at once).
    #[arg(long, default_value_t = 1000)]
    pub depth: u32,
}

/// `aitbc explorer receipts`.
#[derive(Args, Debug)]
pub struct ReceiptsArgs {
    /// How many receipts.
    #[arg(long, default_value_t = 10)]
    pub limit: u32,
}

/// `aitbc explorer account`.
#[derive(Args, Debug)]
pub struct AccountArgs {
    /// SS58 address, 0x account id, or a local wallet name.
    pub address: String,
}

impl ReceiptsArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let rpc = ctx.connect().await?;
        let list = aitbc_client::jobs::recent_receipts(&rpc, self.limit).await?;
        Ok(crate::commands::client::receipts_report(
            &list,
            "No receipts yet.",
        ))
    }
}

fn time(b: &BlockView) -> String {
    b.timestamp_ms.map(format_time_ms).unwrap_or_default()
}

fn signed_count(b: &BlockView) -> usize {
    b.extrinsics.iter().filter(|x| x.signer.is_some()).count()
}

impl BlocksArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        list_blocks(ctx, self.limit).await
    }
}

async fn list_blocks(ctx: &Ctx, limit: u32) -> Result<Report> {
    let rpc = ctx.connect().await?;
    let pb = spinner(ctx.output, "Fetching blocks");
    let list = blocks::recent_blocks(&rpc, limit).await;
    pb.finish_and_clear();
    let list = list?;
    let items: Vec<_> = list
        .iter()
        .map(|b| {
            json!({
                "number": b.number,
                "hash": format!("{:?}", b.hash),
                "parent_hash": format!("{:?}", b.parent_hash),
                "timestamp_ms": b.timestamp_ms,
                "extrinsics": b.extrinsics.len(),
                "signed_extrinsics": signed_count(b),
                "events": b.events.len(),
                "finalized": b.finalized,
            })
        })
        .collect();
    let mut t = table(&[
        "#",
        "hash",
        "time",
        "extrinsics",
        "signed",
        "events",
        "finalized",
    ]);
    for b in &list {
        t.add_row(vec![
            b.number.to_string(),
            short(&format!("{:?}", b.hash)),
            time(b),
            b.extrinsics.len().to_string(),
            signed_count(b).to_string(),
            b.events.len().to_string(),
            if b.finalized { "yes" } else { "no" }.into(),
        ]);
    }
    Ok(Report::new(json!(items)).table(t))
}

impl BlockArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let rpc = ctx.connect().await?;
        let b = blocks::block_view(&rpc, self.block).await?;
        block_report(&b)
    }
}

fn block_report(b: &BlockView) -> Result<Report> {
    let r = Report::new(serde_json::to_value(b)?).kv(&[
        ("number", b.number.to_string()),
        ("hash", format!("{:?}", b.hash)),
        ("parent", format!("{:?}", b.parent_hash)),
        ("state root", format!("{:?}", b.state_root)),
        ("extrinsics root", format!("{:?}", b.extrinsics_root)),
        ("time", time(b)),
        ("finalized", if b.finalized { "yes" } else { "no" }.into()),
    ]);
    let mut t = table(&["idx", "tx_hash", "call", "signer", "result", "fee"]);
    for x in &b.extrinsics {
        t.add_row(vec![
            x.index.to_string(),
            short(&format!("{:?}", x.tx_hash)),
            format!("{}.{}", x.pallet, x.call),
            x.signer.clone().unwrap_or_else(|| "(inherent)".into()),
            match (x.success, &x.error) {
                (Some(true), _) => "success".into(),
                (_, Some(e)) => format!("failed: {e}"),
                _ => String::new(),
            },
            x.fee_paid.clone().unwrap_or_default(),
        ]);
    }
    let r = r.line("Extrinsics").table(t);
    let mut t = table(&["phase", "event", "fields"]);
    for e in &b.events {
        let phase = match e.extrinsic_index {
            Some(i) => format!("extrinsic {i}"),
            None => e.phase.clone(),
        };
        t.add_row(vec![
            phase,
            format!("{}.{}", e.pallet, e.event),
            e.fields.clone(),
        ]);
    }
    Ok(r.line("Events").table(t))
}

impl TxArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        show_tx(ctx, &self.hash, self.depth).await
    }
}

async fn show_tx(ctx: &Ctx, hash: &str, depth: u32) -> Result<Report> {
    let tx_hash = blocks::parse_hash(hash)?;
    let rpc = ctx.connect().await?;
    let pb = spinner(ctx.output, format!("Looking up transaction {hash}"));
    let found = blocks::find_transaction(&rpc, tx_hash, depth).await;
    pb.finish_and_clear();
    let Some((block, index)) = found? else {
        bail!(
            "transaction {hash} is not in the chain (nodes without AITBC's transaction index are searched only {depth} blocks deep: try --depth)"
        );
    };
    let Some(x) = block.extrinsics.get(index as usize) else {
        bail!("transaction {hash} not found");
    };
    let events: Vec<_> = block
        .events
        .iter()
        .filter(|e| e.extrinsic_index == Some(index))
        .collect();
    let status = match x.success {
        Some(true) => "success",
        Some(false) => "failed",
        None => "unknown",
    };
    let v = json!({
            "tx_hash": format!("{:?}", x.tx_hash),
            "status": status,
            "result": x.error.clone().unwrap_or_else(|| status.to_string()),
            "block_number": block.number,
            "block_hash": format!("{:?}", block.hash),
            "finalized": block.finalized,
            "index": index,
            "signer": x.signer,
            "nonce": x.nonce,
            "call": format!("{}.{}", x.pallet, x.call),
            "args": x.args,
            "fee": x.fee_paid,
            "events": events,
    });
    let rows = [
        ("tx_hash", format!("{:?}", x.tx_hash)),
        (
            "status",
            x.error
                .as_ref()
                .map(|e| format!("failed: {e}"))
                .unwrap_or_else(|| status.into()),
        ),
        (
            "block",
            format!(
                "#{} {:?}{}",
                block.number,
                block.hash,
                if block.finalized { " (finalized)" } else { "" }
            ),
        ),
        ("index", index.to_string()),
        (
            "signer",
            x.signer.clone().unwrap_or_else(|| "(inherent)".into()),
        ),
        ("nonce", x.nonce.map(|n| n.to_string()).unwrap_or_default()),
        ("call", format!("{}.{}", x.pallet, x.call)),
        ("args", x.args.clone()),
        ("fee", x.fee_paid.clone().unwrap_or_default()),
    ];
    let mut t = table(&["event", "fields"]);
    for e in events {
        t.add_row(vec![format!("{}.{}", e.pallet, e.event), e.fields.clone()]);
    }
    Ok(Report::record(v, &rows).line("Events").table(t))
}

impl AccountArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        show_account(ctx, &self.address).await
    }
}

async fn show_account(ctx: &Ctx, input: &str) -> Result<Report> {
    let who = resolve_account(ctx, input)?;
    let rpc = ctx.connect().await?;
    let b = state::balance(&rpc, &who, None).await?;
    let holds = state::holds(&rpc, &who, None).await?;
    let address = keys::to_ss58(&who);
    let account_id = format!("0x{}", hex::encode(<_ as AsRef<[u8]>>::as_ref(&who)));
    let v = json!({
            "address": address,
            "account_id": account_id,
            "nonce": b.nonce,
            "available": format_amount_json(b.transferable),
            "free": format_amount_json(b.free),
            "held": format_amount_json(b.reserved),
            "frozen": format_amount_json(b.frozen),
            "total": format_amount_json(b.total),
            "holds": holds.iter().map(|(r, a)| json!({"reason": r, "amount": format_amount_json(*a)})).collect::<Vec<_>>(),
    });
    let mut rows = vec![
        ("address", address),
        ("account id", account_id),
        ("nonce", b.nonce.to_string()),
        ("available", format_amount(b.transferable)),
        ("free", format_amount(b.free)),
        ("held", format_amount(b.reserved)),
        ("frozen", format_amount(b.frozen)),
        ("total", format_amount(b.total)),
    ];
    for (reason, amount) in &holds {
        rows.push(("  hold", format!("{} ({reason})", format_amount(*amount))));
    }
    Ok(Report::record(v, &rows))
}
