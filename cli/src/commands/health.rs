//! `aitbc health`: is the node there, what chain, how far, how many peers.

use crate::context::Ctx;
use crate::output::Report;
use anyhow::Result;
use clap::Args;
use serde_json::json;

/// `aitbc health`.
#[derive(Args, Debug)]
pub struct HealthArgs {}

impl HealthArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        health(ctx).await
    }
}

async fn health(ctx: &Ctx) -> Result<Report> {
    let rpc = ctx.connect().await?;
    let chain = rpc.system_chain().await?;
    let health = rpc.system_health().await?;
    let version = rpc.runtime_version(None).await?;
    let best = rpc.best_header().await?;
    let fin_hash = rpc.finalized_head().await?;
    let finalized = rpc
        .header(Some(fin_hash))
        .await?
        .map(|h| h.number)
        .unwrap_or(0);
    let genesis = rpc.genesis_hash().await?;
    // Optional extras: older or restricted nodes may not serve them.
    let node = match (rpc.system_name().await, rpc.system_version().await) {
        (Ok(n), Ok(v)) => Some(format!("{n} {v}")),
        _ => None,
    };
    let sync = rpc.system_sync_state().await.ok();
    let peers = rpc
        .system_peers()
        .await
        .map(|p| p.len() as u64)
        .unwrap_or(health.peers);
    let syncing = health.is_syncing;
    let v = json!({
            "status": "ok",
            "url": rpc.url(),
            "chain": chain,
            "node": node,
            "genesis_hash": format!("{genesis:?}"),
            "spec_name": version.spec_name,
            "spec_version": version.spec_version,
            "best_block": best.number,
            "best_hash": format!("{:?}", best.hash()),
            "finalized_block": finalized,
            "finalized_hash": format!("{fin_hash:?}"),
            "peers": peers,
            "is_syncing": syncing,
            "highest_block": sync.as_ref().and_then(|s| s.highest_block),
    });
    let rows = [
        ("status", "ok: node reachable".into()),
        ("url", rpc.url().to_string()),
        ("chain", chain),
        ("node", node.unwrap_or_default()),
        (
            "runtime",
            format!("{} v{}", version.spec_name, version.spec_version),
        ),
        ("genesis", format!("{genesis:?}")),
        ("best block", format!("#{} {:?}", best.number, best.hash())),
        ("finalized", format!("#{finalized} {fin_hash:?}")),
        ("peers", peers.to_string()),
        (
            "sync",
            match (syncing, sync.and_then(|s| s.highest_block)) {
                (true, Some(h)) => format!("syncing (target #{h})"),
                (true, None) => "syncing".into(),
                (false, _) => "in sync".into(),
            },
        ),
    ];
    Ok(Report::record(v, &rows))
}
