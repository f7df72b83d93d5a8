//! `aitbc admin ...`: network-wide tables of miners and jobs, and the validator set.

use crate::commands::client::print_jobs;
use crate::commands::jobs_view::{hardware_text, miner_json, miner_status_text};
use crate::context::Ctx;
use crate::output::{print_json, short, table};
use crate::parse;
use aitbc_client::{amount::format_amount, jobs, keys};
use anyhow::Result;
use clap::Subcommand;
use codec::Decode;
use serde_json::json;
use sp_core::crypto::AccountId32;

#[derive(Subcommand, Debug)]
pub enum AdminCmd {
    /// All registered miners.
    #[command(after_help = "Example:\n  aitbc admin miners")]
    Miners {
        /// At most this many miners.
        #[arg(long, default_value_t = 100)]
        limit: u32,
    },
    /// Jobs across the network, newest first.
    #[command(after_help = "Example:\n  aitbc admin jobs --status queued")]
    Jobs {
        /// Only jobs in this status.
        #[arg(long)]
        status: Option<String>,
        /// At most this many jobs.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// The validator set at the best block: Aura authors and GRANDPA voters, with the GRANDPA
    /// set id, and the connected node's peers.
    #[command(after_help = "Example:\n  aitbc admin validators")]
    Validators,
}

pub async fn run(ctx: &Ctx, cmd: AdminCmd) -> Result<()> {
    match cmd {
        AdminCmd::Miners { limit } => miners(ctx, limit).await,
        AdminCmd::Jobs { status, limit } => jobs(ctx, status.as_deref(), limit).await,
        AdminCmd::Validators => validators(ctx).await,
    }
}

async fn miners(ctx: &Ctx, limit: u32) -> Result<()> {
    let rpc = ctx.connect().await?;
    let mut all = Vec::new();
    while all.len() < limit as usize {
        let page = jobs::miners(&rpc, all.len() as u32, jobs::MAX_PAGE).await?;
        let done = page.len() < jobs::MAX_PAGE as usize;
        all.extend(page);
        if done {
            break;
        }
    }
    all.truncate(limit as usize);
    if ctx.json() {
        print_json(&json!(all.iter().map(miner_json).collect::<Vec<_>>()));
        return Ok(());
    }
    if all.is_empty() {
        println!("No miners registered.");
        return Ok(());
    }
    let mut t = table(&[
        "miner_id",
        "status",
        "hardware",
        "models",
        "price/GPU-h",
        "stake",
        "jobs",
        "reputation",
    ]);
    for m in &all {
        let v = miner_json(m);
        t.add_row(vec![
            short(&keys::to_ss58(&m.account)),
            miner_status_text(m),
            hardware_text(m),
            v["models"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(",")
                })
                .unwrap_or_default(),
            format_amount(m.miner.price_per_gpu_second * 3600),
            format_amount(m.miner.stake),
            format!(
                "{} active, {} done",
                m.miner.active_jobs, m.miner.reputation.delivered
            ),
            v["reputation"].as_str().unwrap_or_default().to_string(),
        ]);
    }
    println!("{t}");
    Ok(())
}

async fn jobs(ctx: &Ctx, status: Option<&str>, limit: u32) -> Result<()> {
    let statuses = match status {
        Some(s) => vec![parse::job_status(s)?],
        None => jobs::ALL_STATUSES.to_vec(),
    };
    let rpc = ctx.connect().await?;
    let mut all = Vec::new();
    for s in statuses {
        all.extend(jobs::all_jobs_by_status(&rpc, s, 10_000).await?);
    }
    all.sort_by_key(|j| std::cmp::Reverse(j.id));
    all.truncate(limit as usize);
    print_jobs(ctx, &all, "No jobs.");
    Ok(())
}

async fn validators(ctx: &Ctx) -> Result<()> {
    let rpc = ctx.connect().await?;
    let best = rpc.block_hash(None).await?;
    let decode_err = |what: &str| anyhow::anyhow!("the node returned an undecodable {what}");
    let raw = rpc.state_call("AuraApi_authorities", &[], best).await?;
    let aura =
        Vec::<[u8; 32]>::decode(&mut &raw[..]).map_err(|_| decode_err("Aura authority list"))?;
    let raw = rpc
        .state_call("GrandpaApi_grandpa_authorities", &[], best)
        .await?;
    let grandpa = Vec::<([u8; 32], u64)>::decode(&mut &raw[..])
        .map_err(|_| decode_err("GRANDPA authority list"))?;
    let raw = rpc
        .state_call("GrandpaApi_current_set_id", &[], best)
        .await?;
    let set_id = u64::decode(&mut &raw[..]).map_err(|_| decode_err("GRANDPA set id"))?;
    // `system_peers` is an unsafe method: a node serving only safe methods does not list its
    // peers, and the validator set is still worth showing.
    let peers = rpc.system_peers().await.ok();
    let rows: Vec<(String, String, u64)> = (0..aura.len().max(grandpa.len()))
        .map(|i| {
            let a = aura
                .get(i)
                .map(|k| keys::to_ss58(&AccountId32::from(*k)))
                .unwrap_or_default();
            let (g, w) = grandpa
                .get(i)
                .map(|(k, w)| (format!("0x{}", hex::encode(k)), *w))
                .unwrap_or_default();
            (a, g, w)
        })
        .collect();
    if ctx.json() {
        print_json(&json!({
            "grandpa_set_id": set_id,
            "validators": rows.iter().map(|(a, g, w)| json!({"aura": a, "grandpa": g, "weight": w})).collect::<Vec<_>>(),
            "peers": peers,
        }));
        return Ok(());
    }
    println!(
        "{} Aura authorities, {} GRANDPA voters (set {set_id}); blocks are final with votes of more than 2/3 of the weight",
        aura.len(),
        grandpa.len()
    );
    let mut t = table(&["#", "aura (author key)", "grandpa (voter key)", "weight"]);
    for (i, (a, g, w)) in rows.iter().enumerate() {
        t.add_row(vec![i.to_string(), a.clone(), g.clone(), w.to_string()]);
    }
    println!("{t}");
    let Some(peers) = peers else {
        println!(
            "The node does not list its peers to this caller (system_peers is an unsafe RPC method: ask the node on its own machine, or one started with --rpc-methods unsafe)."
        );
        return Ok(());
    };
    if peers.is_empty() {
        println!("The node has no peers.");
        return Ok(());
    }
    let mut t = table(&["peer", "role", "best", "finalized"]);
    for p in &peers {
        t.add_row(vec![
            p["peerId"].as_str().unwrap_or_default().to_string(),
            p["roles"].as_str().unwrap_or_default().to_string(),
            p["bestNumber"]
                .as_u64()
                .map(|n| format!("#{n}"))
                .unwrap_or_default(),
            p["finalizedNumber"]
                .as_u64()
                .map(|n| format!("#{n}"))
                .unwrap_or_default(),
        ]);
    }
    println!("{t}");
    Ok(())
}
