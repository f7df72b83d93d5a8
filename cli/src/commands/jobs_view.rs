//! Shared rendering of jobs, receipts and miners (tables and stable JSON).

use crate::names;
use aitbc_client::{
    amount::{format_amount, format_amount_json},
    jobs::{self, Job, JobResult, MinerInfo, Receipt},
    keys,
    runtime::{BlockNumber, MILLISECS_PER_BLOCK},
};
use serde_json::{json, Value};

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The job's prompt, or `hash:0x… (N bytes)` for off-chain input.
pub fn input_text(job: &Job) -> String {
    match &job.input {
        jobs::JobInput::Prompt(p) => text(p),
        jobs::JobInput::ContentHash { hash, size } => format!("hash:{hash:?} ({size} bytes)"),
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

/// A job's generation options as JSON: the values as typed (`temperature: 0.7`), only those
/// given, and `decoding: "greedy"` when no temperature was given (what the miner does then).
pub fn options_json(o: &jobs::GenerationOptions) -> Value {
    let mut v = serde_json::Map::new();
    if let Some(t) = o.temperature_milli {
        v.insert("temperature".into(), json!(f64::from(t) / 1000.0));
    }
    if let Some(p) = o.top_p_milli {
        v.insert("top_p".into(), json!(f64::from(p) / 1000.0));
    }
    if let Some(n) = o.max_tokens {
        v.insert("max_tokens".into(), json!(n));
    }
    if let Some(s) = o.seed {
        v.insert("seed".into(), json!(s));
    }
    if let Some(s) = &o.system {
        v.insert("system".into(), json!(text(s)));
    }
    if o.temperature_milli.is_none_or(|t| t == 0) {
        v.insert("decoding".into(), json!("greedy"));
    }
    Value::Object(v)
}

/// A job's generation options in one line: `temperature 0.7, max_tokens 64, seed 42`.
pub fn options_text(o: &jobs::GenerationOptions) -> String {
    let mut parts = Vec::new();
    match o.temperature_milli {
        None => parts.push("greedy (default)".to_string()),
        Some(0) => parts.push("temperature 0 (greedy)".to_string()),
        Some(t) => parts.push(format!("temperature {}", f64::from(t) / 1000.0)),
    }
    if let Some(p) = o.top_p_milli {
        parts.push(format!("top_p {}", f64::from(p) / 1000.0));
    }
    if let Some(n) = o.max_tokens {
        parts.push(format!("max_tokens {n}"));
    }
    if let Some(s) = o.seed {
        parts.push(format!("seed {s}"));
    }
    if let Some(s) = &o.system {
        parts.push(format!("system {:?}", text(s)));
    }
    parts.join(", ")
}

/// Units in thousandths of a GPU-second as GPU-seconds (`1234` → 1.234).
pub fn units_value(units_milli: u64) -> f64 {
    units_milli as f64 / 1000.0
}

/// `completed` until the receipt's emission is claimed, then `claimed`.
pub fn receipt_status(r: &Receipt) -> &'static str {
    match r.reward {
        aitbc_primitives_reward::Unclaimed => "completed",
        aitbc_primitives_reward::Claimed { .. } => "claimed",
    }
}

pub fn job_json(job: &Job) -> Value {
    json!({
        "job_id": job.id,
        "status": names::job_status_name(job.status),
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
        "options": options_json(&job.options),
        "provider": job.provider.as_ref().map(keys::to_ss58),
    })
}

pub fn job_rows(job: &Job) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("job_id", job.id.to_string()),
        ("status", names::job_status_name(job.status).to_string()),
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
        ("options", options_text(&job.options)),
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
    if let Some(p) = &job.provider {
        rows.push(("provider", keys::to_ss58(p)));
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
    let provider = keys::to_ss58(&r.miner);
    json!({
        "receipt_id": r.id,
        "job_id": r.job_id,
        "provider": provider,
        "miner_id": provider,
        "client": keys::to_ss58(&r.client),
        "status": receipt_status(r),
        "units": units_value(r.units_milli),
        "unit_type": "gpu_seconds",
        "unit_price": format_amount_json(r.unit_price),
        "price": format_amount_json(r.price),
        "signature": format!("{:?}", r.signature),
        "signature_valid": jobs::receipt_signature_valid(r),
        "protocol_fee": format_amount_json(r.fee),
        "result_hash": format!("{:?}", r.result_hash),
        "block": r.block,
        "timestamp_ms": r.timestamp_ms,
        "reward_status": reward_status,
        "reward": reward,
    })
}

use aitbc_client::jobs::RewardStatus as aitbc_primitives_reward;

pub fn result_json(r: &JobResult) -> Value {
    json!({
        "result": names::output_text(r),
        "result_hash": format!("{:?}", r.hash),
        "compute_ms": r.metrics.compute_ms,
        "input_tokens": r.metrics.input_tokens,
        "output_tokens": r.metrics.output_tokens,
    })
}

pub fn miner_json(m: &MinerInfo) -> Value {
    let hw = &m.miner.hardware;
    let status = match m.miner.status {
        jobs::MinerStatus::Active => "active".to_string(),
        jobs::MinerStatus::Unbonding { .. } => "unbonding".to_string(),
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
        jobs::MinerStatus::Active => "active".to_string(),
        jobs::MinerStatus::Unbonding { until } => format!("unbonding until #{until}"),
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
