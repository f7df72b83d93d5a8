//! `aitbc agent execute --stream`: the run's steps as its miner produces them, from the
//! miner's stream endpoint (registered on chain), asked for with a signature by the run's
//! owner. Each event is one step; the command prints it with the time since submission.

use crate::context::Ctx;
use aitbc_client::{agents, jobs, keys::Pair, rpc::RpcClient};
use aitbc_primitives::{stream_auth_payload, JobStatus};
use anyhow::{bail, Context as _, Result};
use serde_json::Value;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// One streamed step, as printed.
pub fn step_line(v: &Value, since: Duration) -> String {
    let t = format!("+{:.1}s", since.as_secs_f64());
    let n = v["step"].as_u64().unwrap_or_default();
    let ms = v["millis"].as_u64().unwrap_or_default();
    match v["kind"].as_str() {
        Some("tool") => {
            let c = &v["tool_call"];
            format!(
                "{t} [{n}] thought: {} ({ms} ms)\n{t} [{n}] action: {}({}){}\n{t} [{n}] observation: {}",
                v["content"].as_str().unwrap_or_default(),
                c["tool"].as_str().unwrap_or_default(),
                c["input"].as_str().unwrap_or_default(),
                if c["ran"].as_bool() == Some(true) { "" } else { "  [refused: not allowed]" },
                v["observation"].as_str().unwrap_or_default()
            )
        }
        Some("answer") => format!(
            "{t} [{n}] answer: {} ({ms} ms)",
            v["content"].as_str().unwrap_or_default()
        ),
        _ => format!(
            "{t} [{n}] stopped: {}",
            v["content"].as_str().unwrap_or_default()
        ),
    }
}

/// Wait for run `job` to have a miner that streams, then print its steps as they come until
/// the run's loop ends. Returns the steps received. Without a streaming miner it says so and
/// returns none (the caller waits for the result). Each step comes with the time since `started`
/// at which it arrived.
pub async fn follow(
    ctx: &Ctx,
    rpc: &RpcClient,
    pair: &Pair,
    job: u64,
    started: Instant,
    timeout: Duration,
) -> Result<Vec<(Value, Duration)>> {
    let deadline = Instant::now() + timeout;
    let miner = loop {
        let j = jobs::existing_job(rpc, job).await?;
        if let Some(m) = j
            .miner
            .clone()
            .filter(|_| matches!(j.status, JobStatus::Assigned | JobStatus::Running))
        {
            break m;
        }
        if j.status.is_terminal() {
            return Ok(Vec::new());
        }
        if Instant::now() >= deadline {
            bail!("timed out waiting for a miner to take run {job}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let Some(url) = agents::stream_endpoint(rpc, &miner).await? else {
        crate::output::note(&format!(
            "the run's miner {} does not stream its steps; waiting for the result",
            aitbc_client::keys::to_ss58(&miner)
        ));
        return Ok(Vec::new());
    };
    let at = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let sig = aitbc_client::keys::sign(pair, &stream_auth_payload(job, at));
    let sig_hex = format!("0x{}", hex::encode(<[u8; 64]>::from(sig)));
    let endpoint = format!(
        "{}/agent/runs/{job}/steps?at={at}&sig={sig_hex}",
        url.trim_end_matches('/')
    );
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .build()?;
    // The miner may not have started the run's loop yet: it answers 404 until then.
    let response = loop {
        let r = client
            .get(&endpoint)
            .send()
            .await
            .with_context(|| format!("cannot reach the miner's stream endpoint {url}"))?;
        if r.status() == reqwest::StatusCode::NOT_FOUND && Instant::now() < deadline {
            if jobs::existing_job(rpc, job).await?.status.is_terminal() {
                return Ok(Vec::new());
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            continue;
        }
        if !r.status().is_success() {
            let status = r.status();
            let body = r.text().await.unwrap_or_default();
            bail!(
                "the miner's stream endpoint refused: {status}: {}",
                body.chars().take(300).collect::<String>()
            );
        }
        break r;
    };
    let mut events = crate::sse::SseReader::new(response.bytes_stream(), deadline);
    let mut steps: Vec<(Value, Duration)> = Vec::new();
    let print = ctx.output == crate::cli::OutputFormat::Table;
    while let Some((event, data)) = events.next().await? {
        match event.as_str() {
            "end" => return Ok(steps),
            "step" => {
                let v: Value = serde_json::from_str(&data)
                    .context("the miner sent a step that is not JSON")?;
                if print {
                    eprintln!("{}", step_line(&v, started.elapsed()));
                }
                steps.push((v, started.elapsed()));
            }
            _ => {}
        }
    }
    Ok(steps)
}
