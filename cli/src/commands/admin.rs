//! `aitbc admin ...`: network-wide tables of miners and jobs.

use crate::commands::client::print_jobs;
use crate::commands::jobs_view::{hardware_text, miner_json, miner_status_text};
use crate::context::Ctx;
use crate::output::{print_json, short, table};
use aitbc_client::{amount::format_amount, keys, market};
use anyhow::Result;
use clap::Subcommand;
use serde_json::json;

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
}

pub async fn run(ctx: &Ctx, cmd: AdminCmd) -> Result<()> {
    match cmd {
        AdminCmd::Miners { limit } => miners(ctx, limit).await,
        AdminCmd::Jobs { status, limit } => jobs(ctx, status.as_deref(), limit).await,
    }
}

async fn miners(ctx: &Ctx, limit: u32) -> Result<()> {
    let rpc = ctx.connect().await?;
    let mut all = Vec::new();
    while all.len() < limit as usize {
        let page = market::miners(&rpc, all.len() as u32, market::MAX_PAGE).await?;
        let done = page.len() < market::MAX_PAGE as usize;
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
        Some(s) => vec![market::parse_status(s)?],
        None => market::ALL_STATUSES.to_vec(),
    };
    let rpc = ctx.connect().await?;
    let mut all = Vec::new();
    for s in statuses {
        all.extend(market::all_jobs_by_status(&rpc, s, 10_000).await?);
    }
    all.sort_by_key(|j| std::cmp::Reverse(j.id));
    all.truncate(limit as usize);
    print_jobs(ctx, &all, "No jobs.");
    Ok(())
}
