//! `aitbc explorer ...`: blocks, one block, a transaction, an account.

use crate::commands::wallet::resolve_account;
use crate::context::Ctx;
use crate::output::{format_time_ms, kv_table, print_json, short, spinner, table};
use aitbc_client::{
    amount::{format_amount, format_amount_json},
    blocks::{self, BlockView},
    keys, state,
};
use anyhow::{bail, Result};
use clap::Subcommand;
use serde_json::json;

#[derive(Subcommand, Debug)]
pub enum ExplorerCmd {
    /// The latest blocks, newest first.
    #[command(after_help = "Example:\n  aitbc explorer blocks --limit 5")]
    Blocks {
        /// How many blocks.
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=500))]
        limit: u32,
    },
    /// One block with its extrinsics and decoded events.
    #[command(
        after_help = "Example:\n  aitbc explorer block 42\n  aitbc explorer block 0x3f2a...\n  aitbc explorer block best"
    )]
    Block {
        /// Block number, 0x block hash, or `best`.
        block: String,
    },
    /// A transaction by hash: its block, call, result, fee and events.
    #[command(after_help = "Example:\n  aitbc explorer tx 0x9c1e...")]
    Tx {
        /// 0x transaction hash (as printed by `aitbc wallet send`).
        hash: String,
        /// How many recent blocks to search on a node without AITBC's transaction index (an
        /// AITBC node finds any transaction at once).
        #[arg(long, default_value_t = 1000)]
        depth: u32,
    },
    /// The latest receipts of completed jobs.
    #[command(after_help = "Example:\n  aitbc explorer receipts --limit 10")]
    Receipts {
        /// How many receipts.
        #[arg(long, default_value_t = 10)]
        limit: u32,
    },
    /// An account's balances, nonce and holds.
    #[command(
        after_help = "Example:\n  aitbc explorer account 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    )]
    Account {
        /// SS58 address, 0x account id, or a local wallet name.
        address: String,
    },
}

pub async fn run(ctx: &Ctx, cmd: ExplorerCmd) -> Result<()> {
    match cmd {
        ExplorerCmd::Blocks { limit } => list_blocks(ctx, limit).await,
        ExplorerCmd::Block { block } => show_block(ctx, &block).await,
        ExplorerCmd::Tx { hash, depth } => show_tx(ctx, &hash, depth).await,
        ExplorerCmd::Account { address } => show_account(ctx, &address).await,
        ExplorerCmd::Receipts { limit } => {
            let rpc = ctx.connect().await?;
            let list = aitbc_client::jobs::recent_receipts(&rpc, limit).await?;
            crate::commands::client::print_receipts(ctx, &list, "No receipts yet.");
            Ok(())
        }
    }
}

fn time(b: &BlockView) -> String {
    b.timestamp_ms.map(format_time_ms).unwrap_or_default()
}

fn signed_count(b: &BlockView) -> usize {
    b.extrinsics.iter().filter(|x| x.signer.is_some()).count()
}

async fn list_blocks(ctx: &Ctx, limit: u32) -> Result<()> {
    let rpc = ctx.connect().await?;
    let pb = spinner(ctx.output, "Fetching blocks");
    let list = blocks::recent_blocks(&rpc, limit).await;
    pb.finish_and_clear();
    let list = list?;
    if ctx.json() {
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
        print_json(&json!(items));
        return Ok(());
    }
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
    println!("{t}");
    Ok(())
}

async fn show_block(ctx: &Ctx, id: &str) -> Result<()> {
    let id = blocks::parse_block_id(id)?;
    let rpc = ctx.connect().await?;
    let b = blocks::block_view(&rpc, id).await?;
    if ctx.json() {
        print_json(&serde_json::to_value(&b)?);
        return Ok(());
    }
    print_block(&b);
    Ok(())
}

fn print_block(b: &BlockView) {
    println!(
        "{}",
        kv_table(&[
            ("number", b.number.to_string()),
            ("hash", format!("{:?}", b.hash)),
            ("parent", format!("{:?}", b.parent_hash)),
            ("state root", format!("{:?}", b.state_root)),
            ("extrinsics root", format!("{:?}", b.extrinsics_root)),
            ("time", time(b)),
            ("finalized", if b.finalized { "yes" } else { "no" }.into()),
        ])
    );
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
    println!("Extrinsics\n{t}");
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
    println!("Events\n{t}");
}

async fn show_tx(ctx: &Ctx, hash: &str, depth: u32) -> Result<()> {
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
    if ctx.json() {
        print_json(&json!({
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
        }));
        return Ok(());
    }
    println!(
        "{}",
        kv_table(&[
            ("tx_hash", format!("{:?}", x.tx_hash)),
            (
                "status",
                x.error
                    .as_ref()
                    .map(|e| format!("failed: {e}"))
                    .unwrap_or_else(|| status.into())
            ),
            (
                "block",
                format!(
                    "#{} {:?}{}",
                    block.number,
                    block.hash,
                    if block.finalized { " (finalized)" } else { "" }
                )
            ),
            ("index", index.to_string()),
            (
                "signer",
                x.signer.clone().unwrap_or_else(|| "(inherent)".into())
            ),
            ("nonce", x.nonce.map(|n| n.to_string()).unwrap_or_default()),
            ("call", format!("{}.{}", x.pallet, x.call)),
            ("args", x.args.clone()),
            ("fee", x.fee_paid.clone().unwrap_or_default()),
        ])
    );
    let mut t = table(&["event", "fields"]);
    for e in events {
        t.add_row(vec![format!("{}.{}", e.pallet, e.event), e.fields.clone()]);
    }
    println!("Events\n{t}");
    Ok(())
}

async fn show_account(ctx: &Ctx, input: &str) -> Result<()> {
    let who = resolve_account(ctx, input)?;
    let rpc = ctx.connect().await?;
    let b = state::balance(&rpc, &who, None).await?;
    let holds = state::holds(&rpc, &who, None).await?;
    let address = keys::to_ss58(&who);
    let account_id = format!("0x{}", hex::encode(<_ as AsRef<[u8]>>::as_ref(&who)));
    if ctx.json() {
        print_json(&json!({
            "address": address,
            "account_id": account_id,
            "nonce": b.nonce,
            "available": format_amount_json(b.transferable),
            "free": format_amount_json(b.free),
            "held": format_amount_json(b.reserved),
            "frozen": format_amount_json(b.frozen),
            "total": format_amount_json(b.total),
            "holds": holds.iter().map(|(r, a)| json!({"reason": r, "amount": format_amount_json(*a)})).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
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
    println!("{}", kv_table(&rows));
    Ok(())
}
