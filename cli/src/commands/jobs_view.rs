//! Shared rendering of jobs, receipts and miners (tables and stable JSON).

use aitbc_client::{
    amount::{format_amount, format_amount_json},
    keys,
    market::{self, Job, JobResult, MinerInfo, Receipt},
    runtime::{BlockNumber, MILLISECS_PER_BLOCK},
};
use serde_json::{json, Value};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The job's prompt, or `hash:0x… (N bytes)` for off-chain input.
pub fn input_text(job: &Job) -> String {
    match &job.input {
        market::JobInput::Prompt(p) => text(p),
        market::JobInput::ContentHash { hash, size } => format!("hash:{hash:?} ({size} bytes)"),
    }
}

pub fn job_type_name(job: &Job) -> String {
    format!("{:?}", job.job_type).to_lowercase()
}

/// Blocks to seconds at the chain's block time.
pub fn blocks_to_secs(blocks: BlockNumber) -> u64 {
    blocks as u64 * MILLISECS_PER_BLOCK / 1000
}

/// `(start, end)` block of the job's work: queued → terminal.
fn span(job: &Job) -> Option<(BlockNumber, BlockNumber)> {
    let t = &job.timeline;
    let start = t.queued.or(t.unfunded)?;
    let end = t.completed.or(t.failed).or(t.cancelled).or(t.expired)?;
    Some((start, end))
}

pub fn timeline_json(job: &Job) -> Value {
    let t = &job.timeline;
    json!({
        "unfunded": t.unfunded, "queued": t.queued, "assigned": t.assigned, "running": t.running,
        "completed": t.completed, "failed": t.failed, "cancelled": t.cancelled, "expired": t.expired,
    })
}

pub fn timeline_text(job: &Job) -> String {
    let t = &job.timeline;
    [
        ("unfunded", t.unfunded),
        ("queued", t.queued),
        ("assigned", t.assigned),
        ("running", t.running),
        ("completed", t.completed),
        ("failed", t.failed),
        ("cancelled", t.cancelled),
        ("expired", t.expired),
    ]
    .iter()
    .filter_map(|(n, b)| b.map(|b| format!("{n} #{b}")))
    .collect::<Vec<_>>()
    .join(", ")
}

pub fn job_json(job: &Job) -> Value {
    json!({
        "job_id": job.id,
        "status": market::status_name(job.status),
        "owner": keys::to_ss58(&job.owner),
        "miner_id": job.miner.as_ref().map(keys::to_ss58),
        "job_type": job_type_name(job),
        "model": text(&job.model),
        "input": input_text(job),
        "budget": format_amount_json(job.budget),
        "escrowed": format_amount_json(job.escrowed),
        "unit_price": format_amount_json(job.unit_price),
        "ttl_blocks": job.ttl,
        "expires_at": job.expires_at,
        "status_since": job.status_since,
        "timeline": timeline_json(job),
        "elapsed_secs": span(job).map(|(a, b)| blocks_to_secs(b.saturating_sub(a))),
        "receipt_id": job.receipt,
        "result_hash": job.result_hash.map(|h| format!("{h:?}")),
    })
}

pub fn job_rows(job: &Job) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("job_id", job.id.to_string()),
        ("status", market::status_name(job.status).to_string()),
        ("model", text(&job.model)),
        ("type", job_type_name(job)),
        ("owner", keys::to_ss58(&job.owner)),
        (
            "miner",
            job.miner
                .as_ref()
                .map(keys::to_ss58)
                .unwrap_or_else(|| "(none yet)".into()),
        ),
        ("budget", format_amount(job.budget)),
        ("escrowed", format_amount(job.escrowed)),
        ("timeline", timeline_text(job)),
        ("expires at", format!("#{}", job.expires_at)),
    ];
    if let Some((a, b)) = span(job) {
        rows.push((
            "elapsed",
            format!("{} s", blocks_to_secs(b.saturating_sub(a))),
        ));
    }
    if let Some(r) = job.receipt {
        rows.push(("receipt", r.to_string()));
    }
    let mut prompt = input_text(job);
    if prompt.chars().count() > 200 {
        prompt = format!("{}…", prompt.chars().take(200).collect::<String>());
    }
    rows.push(("input", prompt));
    rows
}

pub fn receipt_json(r: &Receipt) -> Value {
    let (reward_status, reward) = match &r.reward {
        aitbc_primitives_reward::Unclaimed => ("unclaimed", None),
        aitbc_primitives_reward::Claimed { amount, .. } => {
            ("claimed", Some(format_amount_json(*amount)))
        }
    };
    json!({
        "receipt_id": r.id,
        "job_id": r.job_id,
        "client": keys::to_ss58(&r.client),
        "miner_id": keys::to_ss58(&r.miner),
        "units": r.units,
        "unit": "gpu_seconds",
        "unit_price": format_amount_json(r.unit_price),
        "price": format_amount_json(r.price),
        "protocol_fee": format_amount_json(r.fee),
        "result_hash": format!("{:?}", r.result_hash),
        "block": r.block,
        "timestamp_ms": r.timestamp_ms,
        "reward_status": reward_status,
        "reward": reward,
    })
}

use aitbc_client::market::RewardStatus as aitbc_primitives_reward;

pub fn reward_text(r: &Receipt) -> String {
    match &r.reward {
        aitbc_primitives_reward::Unclaimed => "unclaimed".into(),
        aitbc_primitives_reward::Claimed { amount, .. } => {
            format!("claimed {}", format_amount(*amount))
        }
    }
}

pub fn result_json(r: &JobResult) -> Value {
    json!({
        "result": market::output_text(r),
        "result_hash": format!("{:?}", r.hash),
        "compute_ms": r.metrics.compute_ms,
        "input_tokens": r.metrics.input_tokens,
        "output_tokens": r.metrics.output_tokens,
    })
}

pub fn miner_json(m: &MinerInfo) -> Value {
    let hw = &m.miner.hardware;
    let status = match m.miner.status {
        market::MinerStatus::Active => "active".to_string(),
        market::MinerStatus::Unbonding { .. } => "unbonding".to_string(),
    };
    json!({
        "miner_id": keys::to_ss58(&m.account),
        "status": status,
        "online": m.online,
        "gpu_model": text(&hw.gpu_model),
        "gpu_count": hw.gpu_count,
        "vram_mb": hw.vram_mb,
        "models": m.miner.models.iter().map(|x| text(x)).collect::<Vec<_>>(),
        "price_per_gpu_second": format_amount_json(m.miner.price_per_gpu_second),
        "price_per_hour": format_amount_json(m.miner.price_per_gpu_second * 3600),
        "stake": format_amount_json(m.miner.stake),
        "active_jobs": m.miner.active_jobs,
        "delivered": m.miner.reputation.delivered,
        "failed": m.miner.reputation.failed,
        "late": m.miner.reputation.late,
        "reputation": format!("{:.1}%", m.score.deconstruct() as f64 / 10_000.0),
        "registered_at": m.miner.registered_at,
        "last_heartbeat": m.miner.last_heartbeat,
        "slashed": format_amount_json(m.miner.slashed),
    })
}

pub fn miner_status_text(m: &MinerInfo) -> String {
    let s = match m.miner.status {
        market::MinerStatus::Active => "active".to_string(),
        market::MinerStatus::Unbonding { until } => format!("unbonding until #{until}"),
    };
    format!("{s}, {}", if m.online { "online" } else { "offline" })
}

pub fn hardware_text(m: &MinerInfo) -> String {
    let hw = &m.miner.hardware;
    format!(
        "{}x {} ({} GB)",
        hw.gpu_count,
        text(&hw.gpu_model),
        hw.vram_mb / 1024
    )
}
