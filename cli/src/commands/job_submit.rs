//! `aitbc client submit`: checks a submission (offline first, then against the node), builds
//! its call, signs and sends it, and with `--wait` follows the job to its end.

use crate::commands::client::{add_result, job_report};
use crate::commands::jobs_view::job_json;
use crate::context::Ctx;
use crate::names;
use crate::output::{spinner, Report};
use crate::parse;
use crate::submit::{send_call, SendOpts};
use aitbc_client::{
    amount::{format_amount, format_amount_json},
    jobs::{self, Job, JobType, Requirements},
    redundancy,
    rpc::RpcClient,
    runtime::{AccountId, Balance, BlockNumber},
};
use anyhow::{bail, Context as _, Result};
use clap::{ArgGroup, Args, ValueEnum};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobTypeArg {
    Inference,
    Embedding,
    Training,
    Multimodal,
    Streaming,
}

/// How a redundant job pays its agreeing miners.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayoutArg {
    /// Each agreeing miner is paid its own metered price, at most the budget / K.
    Each,
    /// The agreeing miners share one price (the lowest agreeing one) equally.
    Shared,
}

impl From<PayoutArg> for redundancy::Payout {
    fn from(p: PayoutArg) -> Self {
        match p {
            PayoutArg::Each => redundancy::Payout::Each,
            PayoutArg::Shared => redundancy::Payout::Shared,
        }
    }
}

impl From<JobTypeArg> for JobType {
    fn from(t: JobTypeArg) -> Self {
        match t {
            JobTypeArg::Inference => JobType::Inference,
            JobTypeArg::Embedding => JobType::Embedding,
            JobTypeArg::Training => JobType::Training,
            JobTypeArg::Multimodal => JobType::Multimodal,
            JobTypeArg::Streaming => JobType::Streaming,
        }
    }
}

#[derive(Args, Debug, Clone)]
#[command(group(ArgGroup::new("input").required(true).args(["data", "prompt", "batch_file"])))]
pub struct SubmitArgs {
    /// Job type.
    #[arg(long = "type", value_enum, default_value = "inference")]
    pub job_type: JobTypeArg,
    /// Model to run, e.g. llama3 or smollm2 (with --batch-file: for lines that name none).
    #[arg(long, required_unless_present = "batch_file")]
    pub model: Option<String>,
    /// Job data as JSON: {"prompt": "...", "system": "...", "options": {"temperature",
    /// "max_tokens" or "num_predict", "top_p", "seed", "system"}} (Ollama's names). Flags win
    /// over the same option here.
    #[arg(long)]
    pub data: Option<String>,
    /// The prompt (at most 4000 characters).
    #[arg(long)]
    pub prompt: Option<String>,
    /// Budget escrowed now, in AIT; without it (and without --auto-pay) the job waits
    /// unfunded for `aitbc client pay`.
    #[arg(long, conflicts_with = "auto_pay", value_parser = parse::positive_amount)]
    pub payment: Option<Balance>,
    /// Escrow the payment the market suggests: a run window of the model's miners' GPUs at
    /// the pricing oracle's suggested rate, at least the minimum payment (the unused part is
    /// refunded when the job ends).
    #[arg(long)]
    pub auto_pay: bool,
    /// Seconds until the job expires (and is refunded) if it has not ended; the runtime refuses
    /// a TTL shorter than its acknowledgement and run windows (`TtlTooShort`, 122 s by default).
    #[arg(long, default_value_t = 600)]
    pub ttl: u64,
    /// Minimum GPU memory of the miner, in GB.
    #[arg(long)]
    pub min_vram_gb: Option<u32>,
    /// Sampling temperature, 0 to 2 (0: greedy, the default).
    #[arg(long)]
    pub temperature: Option<f64>,
    /// Most tokens to generate (1 to 8192; Ollama's num_predict).
    #[arg(long)]
    pub max_tokens: Option<u32>,
    /// Nucleus sampling: keep the most likely tokens up to this probability mass (0 < p <= 1).
    #[arg(long)]
    pub top_p: Option<f64>,
    /// Sampler seed: the same seed, options and model give the same text.
    #[arg(long)]
    pub seed: Option<u64>,
    /// System prompt (at most 1000 characters).
    #[arg(long)]
    pub system: Option<String>,
    /// The miner (SS58 address) that must run the job: it alone is assigned the job, and the
    /// submission is refused if it cannot take it.
    #[arg(long, value_parser = parse::provider, conflicts_with = "redundancy")]
    pub provider: Option<AccountId>,
    /// Run the job on K distinct miners of one execution profile (2 to 7): each commits to
    /// its output before anyone reveals, the job completes with the output the quorum agrees
    /// on, a referee settles disagreements (slashing only provably wrong miners), and the
    /// receipt names every miner. Decoding follows the profile (greedy), the token limit is
    /// fixed (--max-tokens, 256 by default), and the TTL must leave the commit, reveal and
    /// referee windows.
    #[arg(long, value_parser = clap::value_parser!(u8).range(2..=7), conflicts_with = "batch_file")]
    pub redundancy: Option<u8>,
    /// With --redundancy: how many must reveal the same output (a strict majority of K, at
    /// most K; default ⌈2K/3⌉).
    #[arg(long, requires = "redundancy", value_parser = clap::value_parser!(u8).range(1..=7))]
    pub quorum: Option<u8>,
    /// With --redundancy: how the agreeing miners are paid (default: each).
    #[arg(long, value_enum, requires = "redundancy")]
    pub payout: Option<PayoutArg>,
    /// With --redundancy: the execution profile's id (0x + 64 hex digits; `aitbc profile
    /// list`). Default: the model's registered profile, when it has exactly one.
    #[arg(long, requires = "redundancy", value_parser = parse::hash)]
    pub profile: Option<aitbc_client::runtime::Hash>,
    /// Follow the job until it ends and print its result.
    #[arg(long, conflicts_with = "batch_file")]
    pub wait: bool,
    /// With --wait: give up after this many seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// Submit one job per line of this JSONL file: each line a --data object, with optional
    /// "model", "payment" (AIT) and "ttl" (seconds); the options above are the defaults.
    #[arg(long, conflicts_with_all = ["data", "prompt"])]
    pub batch_file: Option<std::path::PathBuf>,
    /// With --batch-file: how many transactions are in flight at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub parallel: u32,
}

/// A job ready to sign: its call and what it escrows.
pub struct JobToSend {
    pub call: aitbc_client::runtime::RuntimeCall,
    pub model: String,
    pub budget: Balance,
    pub auto_pay: Option<aitbc_client::autopay::PaymentSuggestion>,
    /// A note about the requested provider (offline now: the job waits for it).
    pub provider_note: Option<String>,
}

/// Generation options given inside `--data` (`options.*`, Ollama's names accepted, and a
/// top-level `system`).
#[derive(Debug, Default, PartialEq)]
pub struct DataOptions {
    pub temperature: Option<f64>,
    pub max_tokens: Option<u32>,
    pub top_p: Option<f64>,
    pub seed: Option<u64>,
    pub system: Option<String>,
}

/// Reads the generation options of `--data`; an unknown option or a value of the wrong type is
/// an error naming it.
pub fn data_options(data: Option<&str>) -> Result<DataOptions> {
    let mut out = DataOptions::default();
    let Some(data) = data else {
        return Ok(out);
    };
    let v: Value = serde_json::from_str(data)
        .context("--data is not valid JSON (expected {\"prompt\": \"...\"})")?;
    let string = |v: &Value, what: &str| -> Result<String> {
        v.as_str()
            .map(str::to_string)
            .with_context(|| format!("--data: {what} must be a string"))
    };
    if let Some(sys) = v.get("system") {
        out.system = Some(string(sys, "system")?);
    }
    let Some(options) = v.get("options") else {
        return Ok(out);
    };
    let options = options
        .as_object()
        .context("--data: options must be an object, e.g. {\"temperature\": 0.7}")?;
    for (key, value) in options {
        let number = || {
            value
                .as_f64()
                .with_context(|| format!("--data: options.{key} must be a number"))
        };
        let whole = || {
            value.as_u64().with_context(|| {
                format!("--data: options.{key} must be a whole number of at least 0")
            })
        };
        match key.as_str() {
            "temperature" => out.temperature = Some(number()?),
            "top_p" => out.top_p = Some(number()?),
            "seed" => out.seed = Some(whole()?),
            "max_tokens" | "num_predict" => {
                let n = whole()?;
                out.max_tokens = Some(u32::try_from(n).with_context(|| {
                    format!("--data: options.{key} is too large ({n})")
                })?)
            }
            "system" => out.system = Some(string(value, "options.system")?),
            other => bail!(
                "--data: unknown option {other:?} (known: temperature, max_tokens or num_predict, top_p, seed, system)"
            ),
        }
    }
    Ok(out)
}

/// The generation options of a submission: the flags, else the same options in `--data`.
fn submit_options(a: &SubmitArgs) -> Result<jobs::GenerationOptions> {
    let d = data_options(a.data.as_deref())?;
    Ok(jobs::generation_options(
        a.temperature.or(d.temperature),
        a.top_p.or(d.top_p),
        a.max_tokens.or(d.max_tokens),
        a.seed.or(d.seed),
        a.system.as_deref().or(d.system.as_deref()),
    )?)
}

/// Refuses a provider that cannot take the job, saying why, before anything is signed (the
/// chain checks the same again). Offline or busy is only a note: the job waits for it.
async fn check_provider(
    rpc: &RpcClient,
    provider: &aitbc_client::runtime::AccountId,
    model: &str,
    min_vram_mb: u32,
) -> Result<Option<String>> {
    let addr = aitbc_client::keys::to_ss58(provider);
    let Some(info) = jobs::miner(rpc, provider).await? else {
        bail!("--provider {addr} is not a registered miner (see `aitbc explorer miners`)");
    };
    let m = &info.miner;
    let models: Vec<String> = m
        .models
        .iter()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect();
    if m.status != jobs::MinerStatus::Active {
        bail!("--provider {addr} is unbonding (deregistered): it takes no jobs");
    }
    if !models.iter().any(|n| n == model.trim()) {
        bail!(
            "--provider {addr} does not serve model {model:?}; it serves: {}",
            models.join(", ")
        );
    }
    if m.hardware.vram_mb < min_vram_mb {
        bail!(
            "--provider {addr} has {} MiB of GPU memory; the job asks for at least {min_vram_mb}",
            m.hardware.vram_mb
        );
    }
    Ok((!info.online).then(|| {
        format!(
            "note: --provider {addr} is offline now: the job waits for it (and expires, refunded, if it does not come back)"
        )
    }))
}

/// The prompt from `--prompt` or from `--data '{"prompt": ...}'`.
pub fn prompt_from(data: Option<&str>, prompt: Option<&str>) -> Result<String> {
    if let Some(p) = prompt {
        return Ok(p.to_string());
    }
    let data = data.unwrap_or_default();
    let v: Value = serde_json::from_str(data)
        .context("--data is not valid JSON (expected {\"prompt\": \"...\"})")?;
    match v.get("prompt").and_then(Value::as_str) {
        Some(p) => Ok(p.to_string()),
        None => bail!("--data has no \"prompt\" string (expected {{\"prompt\": \"...\"}})"),
    }
}

fn ttl_blocks(secs: u64) -> Result<BlockNumber> {
    Ok(crate::parse::blocks_of_secs(secs, "--ttl")?)
}

/// Checks a submission and builds its call; with `--auto-pay` and a node (`rpc`), asks it for
/// the suggested payment (without a node: the offline checks only). Nothing is signed here.
pub async fn job_to_send(a: &SubmitArgs, rpc: Option<&RpcClient>) -> Result<JobToSend> {
    let prompt = prompt_from(a.data.as_deref(), a.prompt.as_deref())?;
    let input = jobs::prompt_input(&prompt)?;
    let Some(model) = a.model.clone() else {
        bail!("no model: pass --model M (or \"model\" in the batch line)");
    };
    jobs::model_name(&model)?;
    let mut budget: Balance = a.payment.unwrap_or(0);
    let ttl = ttl_blocks(a.ttl)?;
    let mut auto_pay = None;
    if let (true, None, Some(rpc)) = (a.auto_pay, &a.payment, rpc) {
        let s = aitbc_client::autopay::suggest_payment(rpc, a.job_type.into(), &model).await?;
        budget = s.payment;
        // Each of K agreeing miners is paid its own price: escrow K runs.
        if let (Some(k), None | Some(PayoutArg::Each)) = (a.redundancy, a.payout) {
            budget = budget.saturating_mul(k.into());
        }
        auto_pay = Some(s);
    }
    let requirements = Requirements {
        min_vram_mb: a.min_vram_gb.unwrap_or(0).saturating_mul(1024),
        ..Default::default()
    };
    let options = submit_options(a)?;
    let provider = a.provider.clone();
    let min_vram_mb = requirements.min_vram_mb;
    let job_type: JobType = a.job_type.into();
    let call = match a.redundancy {
        Some(k) => {
            let profile = match (a.profile, rpc) {
                (Some(p), _) => p,
                (None, Some(rpc)) => model_profile(rpc, &model).await?,
                // Offline checks only: the profile is looked up with the node.
                (None, None) => Default::default(),
            };
            let spec = redundancy::Redundancy {
                k,
                quorum: a.quorum.unwrap_or(0),
                payout: a.payout.unwrap_or(PayoutArg::Each).into(),
                profile,
            };
            redundancy::submit_redundant(
                job_type,
                &model,
                input,
                budget,
                ttl,
                requirements,
                options,
                spec,
            )?
        }
        None => jobs::submit_job_with(
            job_type,
            &model,
            input,
            budget,
            ttl,
            requirements,
            options,
            provider.clone(),
        )?,
    };
    let mut provider_note = None;
    if let Some(rpc) = rpc {
        // Refused on chain otherwise, after the fee is paid: check before signing.
        jobs::ensure_job_type_accepted(rpc, job_type).await?;
        if let Some(p) = &provider {
            provider_note = check_provider(rpc, p, &model, min_vram_mb).await?;
        }
    }
    Ok(JobToSend {
        call,
        model,
        budget,
        auto_pay,
        provider_note,
    })
}

/// The registered execution profile of `model`, when it has exactly one; otherwise an error
/// that lists them (or says there is none).
pub async fn model_profile(rpc: &RpcClient, model: &str) -> Result<aitbc_client::runtime::Hash> {
    let all = aitbc_client::profiles::profiles(rpc, 1_000).await?;
    let of_model: Vec<_> = all
        .iter()
        .filter(|(_, r)| r.profile.model.as_slice() == model.as_bytes())
        .collect();
    match of_model.as_slice() {
        [(id, _)] => Ok(*id),
        [] => bail!(
            "no execution profile is registered for model {model:?}: a redundant job needs one              (see `aitbc profile list`, `aitbc profile register --file`)"
        ),
        many => bail!(
            "model {model:?} has {} execution profiles; choose one with --profile: {}",
            many.len(),
            many.iter()
                .map(|(id, r)| format!(
                    "{} ({})",
                    aitbc_client::profiles::hex_id(id),
                    String::from_utf8_lossy(&r.profile.name)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// `"0.6 AIT: a 60 s run window of 1x RTX 4090 at the pricing oracle's suggested 36.0 AIT per
/// GPU-hour; 1 of 1 online miners serving the model priced"`.
pub fn auto_pay_text(s: &aitbc_client::autopay::PaymentSuggestion) -> String {
    let window =
        aitbc_client::autopay::window_price(s.rate_per_hour, s.gpu_count, s.window_secs, 0);
    let mut t = format!(
        "{}: a {} s run window of {}x {} at the pricing oracle's suggested {} per GPU-hour",
        format_amount(s.payment),
        s.window_secs,
        s.gpu_count,
        s.gpu_model,
        format_amount(s.rate_per_hour)
    );
    if window < s.min_payment {
        t.push_str(&format!(
            " ({}), raised to the minimum payment",
            format_amount(window)
        ));
    }
    t.push_str(&format!(
        "; {} of {} online miners serving the model priced",
        s.priced_miners, s.miners
    ));
    t
}

pub fn auto_pay_json(s: &aitbc_client::autopay::PaymentSuggestion) -> Value {
    json!({
        "payment": format_amount_json(s.payment),
        "gpu_model": s.gpu_model,
        "gpu_count": s.gpu_count,
        "rate_per_hour": format_amount_json(s.rate_per_hour),
        "window_blocks": s.window_blocks,
        "window_secs": s.window_secs,
        "min_payment": format_amount_json(s.min_payment),
        "miners": s.miners,
        "priced_miners": s.priced_miners,
    })
}

impl SubmitArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let a = self;
        if a.batch_file.is_some() {
            return crate::commands::batch::run(ctx, a).await;
        }
        // All input checks first: nothing is signed or sent if one fails.
        job_to_send(&a, None).await?;
        let name = ctx.wallet_name(None)?;

        let rpc = ctx.connect().await?;
        let job = job_to_send(&a, Some(&rpc)).await?;
        if let (Some(note), false) = (&job.provider_note, ctx.json()) {
            eprintln!("{note}");
        }
        let opts = SendOpts {
            spend: job.budget,
            ..Default::default()
        };
        let (outcome, tx) = send_call(
            ctx,
            &rpc,
            &name,
            job.call,
            &format!("Submitting a {} job", job.model),
            opts,
        )
        .await?;
        let job_id = jobs::submitted_job_id(&outcome)
            .context("the transaction succeeded but emitted no JobSubmitted event")?;
        let mut extra = Vec::new();
        let add_auto = |v: &mut Value| {
            if let Some(s) = &job.auto_pay {
                v["auto_pay"] = auto_pay_json(s);
            }
        };
        if let Some(s) = &job.auto_pay {
            extra.push(("auto-pay", auto_pay_text(s)));
        }
        if !a.wait {
            let j = jobs::existing_job(&rpc, job_id).await?;
            let mut v = job_json(&j);
            add_auto(&mut v);
            return Ok(job_report(&j, v, extra, Some(&tx)));
        }
        let started = Instant::now();
        let j = wait_for_end(ctx, &rpc, job_id, Duration::from_secs(a.timeout)).await?;
        let mut v = job_json(&j);
        v["wait_secs"] = json!(started.elapsed().as_secs_f64());
        add_auto(&mut v);
        extra.extend(add_result(&rpc, &j, &mut v).await?.unwrap_or_default());
        Ok(job_report(&j, v, extra, Some(&tx)))
    }
}

/// Follows a job until it reaches a terminal status: re-reads it on every new block (polling once
/// a second where the endpoint has no subscriptions).
pub async fn wait_for_end(
    ctx: &Ctx,
    rpc: &RpcClient,
    job_id: u64,
    timeout: Duration,
) -> Result<Job> {
    let pb = spinner(ctx.output, format!("Job {job_id}: waiting"));
    let deadline = Instant::now() + timeout;
    let mut heads = if rpc.supports_subscriptions() {
        rpc.subscribe_new_heads().await.ok()
    } else {
        None
    };
    loop {
        let job = jobs::existing_job(rpc, job_id).await?;
        pb.set_message(format!(
            "Job {job_id}: {}",
            names::job_status_name(job.status)
        ));
        if job.status.is_terminal() {
            pb.finish_and_clear();
            return Ok(job);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            pb.finish_and_clear();
            bail!(
                "timed out after {}s: job {job_id} is still {} (follow it with `aitbc client status {job_id}`)",
                timeout.as_secs(),
                names::job_status_name(job.status)
            );
        }
        let next_head = async {
            match heads.as_mut() {
                Some(sub) => sub.next().await.is_some_and(|h| h.is_ok()),
                None => false,
            }
        };
        match tokio::time::timeout(left, next_head).await {
            Ok(true) | Err(_) => {}
            // No subscription (or it ended): poll.
            Ok(false) => {
                heads = None;
                tokio::time::sleep(Duration::from_millis(1000).min(left)).await;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts() {
        assert_eq!(prompt_from(None, Some("hi")).unwrap(), "hi");
        assert_eq!(
            prompt_from(Some(r#"{"prompt":"Hello AITBC"}"#), None).unwrap(),
            "Hello AITBC"
        );
        assert!(prompt_from(Some("not json"), None)
            .unwrap_err()
            .to_string()
            .contains("not valid JSON"));
        assert!(prompt_from(Some(r#"{"text":"x"}"#), None)
            .unwrap_err()
            .to_string()
            .contains("no \"prompt\""));
    }

    #[test]
    fn options_in_data_take_ollama_names() {
        let d = data_options(Some(
            r#"{"prompt":"Hi","system":"Be brief.","options":{"temperature":0,"num_predict":32,"top_p":0.9,"seed":7}}"#,
        ))
        .unwrap();
        assert_eq!(
            d,
            DataOptions {
                temperature: Some(0.0),
                max_tokens: Some(32),
                top_p: Some(0.9),
                seed: Some(7),
                system: Some("Be brief.".into()),
            }
        );
        assert_eq!(
            data_options(Some(r#"{"prompt":"Hi","options":{"max_tokens":5}}"#))
                .unwrap()
                .max_tokens,
            Some(5)
        );
        for (data, msg) in [
            (
                r#"{"prompt":"Hi","options":{"temprature":1}}"#,
                "unknown option",
            ),
            (r#"{"prompt":"Hi","options":{"seed":-1}}"#, "options.seed"),
            (
                r#"{"prompt":"Hi","options":{"temperature":"hot"}}"#,
                "options.temperature",
            ),
            (r#"{"prompt":"Hi","options":[1]}"#, "must be an object"),
            (r#"{"prompt":"Hi","system":3}"#, "system must be a string"),
        ] {
            let e = data_options(Some(data)).unwrap_err().to_string();
            assert!(e.contains(msg), "{data}: {e}");
        }
        assert_eq!(data_options(None).unwrap(), DataOptions::default());
    }

    #[test]
    fn ttl() {
        assert_eq!(ttl_blocks(600).unwrap(), 300);
        assert_eq!(ttl_blocks(1).unwrap(), 1);
        assert!(ttl_blocks(0).is_err());
    }
}
