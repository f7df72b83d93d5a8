//! `aitbc admin ...`: network-wide tables of miners and jobs, and the validator set.

use crate::commands::client::jobs_report;
use crate::commands::jobs_view::{hardware_text, miner_json, miner_status_text};
use crate::context::Ctx;
use crate::output::{short, table, Report};
use crate::parse;
use aitbc_client::{
    amount::format_amount,
    jobs::{self, JobStatus},
    keys,
    runtime_api::RuntimeApi,
};
use anyhow::Result;
use clap::{Args, Subcommand};
use serde_json::json;
use sp_core::crypto::AccountId32;

#[derive(Subcommand, Debug)]
pub enum AdminCmd {
    /// All registered miners.
    #[command(after_help = "Example:\n  aitbc admin miners")]
    Miners(MinersArgs),
    /// Jobs across the network, newest first.
    #[command(after_help = "Example:\n  aitbc admin jobs --status queued")]
    Jobs(JobsArgs),
    /// The validator set at the best block: Aura authors and GRANDPA voters, with the GRANDPA
    /// set id, and the connected node's peers.
    #[command(after_help = "Example:\n  aitbc admin validators")]
    Validators(ValidatorsArgs),
}

impl AdminCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        match self {
            AdminCmd::Miners(a) => a.run(ctx).await,
            AdminCmd::Jobs(a) => a.run(ctx).await,
            AdminCmd::Validators(a) => a.run(ctx).await,
        }
    }
}

/// `aitbc admin miners`.
#[derive(Args, Debug)]
pub struct MinersArgs {
    /// At most this many miners.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

/// `aitbc admin jobs`.
#[derive(Args, Debug)]
pub struct JobsArgs {
    /// Only jobs in this status.
    #[arg(long, value_parser = parse::job_status)]
    pub status: Option<JobStatus>,
    /// At most this many jobs.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

/// `aitbc admin validators`.
#[derive(Args, Debug)]
pub struct ValidatorsArgs {}

impl MinersArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        miners(ctx, self.limit).await
    }
}

async fn miners(ctx: &Ctx, limit: u32) -> Result<Report> {
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
    let v = json!(all.iter().map(miner_json).collect::<Vec<_>>());
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
    Ok(Report::list(v, all.is_empty(), "No miners registered.", t))
}

impl JobsArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        jobs(ctx, self.status, self.limit).await
    }
}

async fn jobs(ctx: &Ctx, status: Option<JobStatus>, limit: u32) -> Result<Report> {
    let statuses = match status {
        Some(s) => vec![s],
        None => jobs::ALL_STATUSES.to_vec(),
    };
    let rpc = ctx.connect().await?;
    let mut all = Vec::new();
    for s in statuses {
        all.extend(jobs::all_jobs_by_status(&rpc, s, 10_000).await?);
    }
    all.sort_by_key(|j| std::cmp::Reverse(j.id));
    all.truncate(limit as usize);
    Ok(jobs_report(&all, "No jobs."))
}

/// The Aura and GRANDPA runtime APIs (every Substrate node has them).
const AURA_API: RuntimeApi = RuntimeApi {
    name: "AuraApi",
    missing: None,
};
const GRANDPA_API: RuntimeApi = RuntimeApi {
    name: "GrandpaApi",
    missing: None,
};

impl ValidatorsArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        validators(ctx).await
    }
}

async fn validators(ctx: &Ctx) -> Result<Report> {
    let rpc = ctx.connect().await?;
    let best = rpc.block_hash(None).await?;
    let aura: Vec<[u8; 32]> = AURA_API.call(&rpc, "authorities", (), best).await?;
    let grandpa: Vec<([u8; 32], u64)> = GRANDPA_API
        .call(&rpc, "grandpa_authorities", (), best)
        .await?;
    let set_id: u64 = GRANDPA_API.call(&rpc, "current_set_id", (), best).await?;
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
    let v = json!({
        "grandpa_set_id": set_id,
        "validators": rows.iter().map(|(a, g, w)| json!({"aura": a, "grandpa": g, "weight": w})).collect::<Vec<_>>(),
        "peers": peers,
    });
    let r = Report::new(v).line(format!(
        "{} Aura authorities, {} GRANDPA voters (set {set_id}); blocks are final with votes of more than 2/3 of the weight",
        aura.len(),
        grandpa.len()
    ));
    let mut t = table(&["#", "aura (author key)", "grandpa (voter key)", "weight"]);
    for (i, (a, g, w)) in rows.iter().enumerate() {
        t.add_row(vec![i.to_string(), a.clone(), g.clone(), w.to_string()]);
    }
    let r = r.table(t);
    let Some(peers) = peers else {
        return Ok(r.line(
            "The node does not list its peers to this caller (system_peers is an unsafe RPC method: ask the node on its own machine, or one started with --rpc-methods unsafe).",
        ));
    };
    if peers.is_empty() {
        return Ok(r.line("The node has no peers."));
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
    Ok(r.table(t))
}
