//! `aitbc client ...`: submit, status, result, pay, cancel, list and receipts of compute jobs.

use crate::commands::jobs_view::{
    job_json, job_rows, receipt_json, receipt_status, result_json, units_value,
};
use crate::context::Ctx;
use crate::names;
use crate::output::{spinner, table, Report};
use crate::parse;
use crate::report::TxReport;
use crate::submit::{send_call, wallet_account, SendOpts};
use aitbc_client::{
    amount::{format_amount, format_amount_json},
    jobs::{self, Job, JobId, JobStatus, JobType, Requirements},
    rpc::RpcClient,
    runtime::{AccountId, Balance, BlockNumber, MILLISECS_PER_BLOCK},
};
use anyhow::{bail, Context as _, Result};
use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use serde_json::{json, Value};
use std::time::{Duration, Instant};

#[derive(Subcommand, Debug)]
pub enum ClientCmd {
    /// Submit a compute job; with --payment (or --auto-pay) its budget is escrowed at once,
    /// otherwise it waits unfunded for `aitbc client pay`. With --batch-file, one job per line.
    #[command(
        after_help = "Examples:\n  aitbc client submit --type inference --model llama3 --data '{\"prompt\":\"Hello AITBC\"}' --payment 5\n  aitbc client submit --model smollm2 --prompt \"What is the capital of France?\" --payment 5 --wait --timeout 300\n  aitbc client submit --model smollm2 --prompt \"Hello\" --auto-pay\n  aitbc client submit --batch-file jobs.jsonl --parallel 4 --model smollm2 --payment 1\n  aitbc client submit --model llama3 --prompt \"Write a haiku\" --temperature 0.7 --max-tokens 64 --seed 42 --payment 5\n  aitbc client submit --model llama3 --data '{\"prompt\":\"Hi\",\"options\":{\"temperature\":0,\"num_predict\":32}}' --payment 5\n  aitbc client submit --model llama3 --prompt Hi --provider 5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty --payment 5\n\nWithout --temperature (or options.temperature) the miner decodes greedily (temperature 0): the same job gives the same text."
    )]
    Submit(Box<SubmitArgs>),
    /// A job's status, miner and timings.
    #[command(after_help = "Example:\n  aitbc client status 7")]
    Status(StatusArgs),
    /// A completed job's output, receipt, cost and elapsed time.
    #[command(
        after_help = "Example:\n  aitbc client result 7\n  aitbc --output json client result 7"
    )]
    Result(ResultArgs),
    /// Fund an unfunded job: escrow its budget so it is queued.
    #[command(after_help = "Example:\n  aitbc client pay 7 --amount 10")]
    Pay(PayArgs),
    /// Cancel a job that has not ended; its escrow is refunded in full.
    #[command(after_help = "Example:\n  aitbc client cancel 7")]
    Cancel(CancelArgs),
    /// Your jobs, newest first.
    #[command(after_help = "Example:\n  aitbc client list --status queued --limit 20")]
    List(ListArgs),
    /// Receipts of your jobs (or of one job).
    #[command(
        after_help = "Example:\n  aitbc client receipts\n  aitbc client receipts --job-id 7"
    )]
    Receipts(ReceiptsArgs),
}

impl ClientCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        match self {
            ClientCmd::Submit(a) => a.run(ctx).await,
            ClientCmd::Status(a) => a.run(ctx).await,
            ClientCmd::Result(a) => a.run(ctx).await,
            ClientCmd::Pay(a) => a.run(ctx).await,
            ClientCmd::Cancel(a) => a.run(ctx).await,
            ClientCmd::List(a) => a.run(ctx).await,
            ClientCmd::Receipts(a) => a.run(ctx).await,
        }
    }
}

/// `aitbc client status`.
#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Job id.
    #[arg(value_parser = parse::job_id)]
    pub job_id: JobId,
}

/// `aitbc client result`.
#[derive(Args, Debug)]
pub struct ResultArgs {
    /// Job id.
    #[arg(value_parser = parse::job_id)]
    pub job_id: JobId,
}

/// `aitbc client pay`.
#[derive(Args, Debug)]
pub struct PayArgs {
    /// Job id.
    #[arg(value_parser = parse::job_id)]
    pub job_id: JobId,
    /// Budget to escrow, in AIT.
    #[arg(long, value_parser = parse::positive_amount)]
    pub amount: Balance,
}

/// `aitbc client cancel`.
#[derive(Args, Debug)]
pub struct CancelArgs {
    /// Job id.
    #[arg(value_parser = parse::job_id)]
    pub job_id: JobId,
}

/// `aitbc client list`.
#[derive(Args, Debug)]
pub struct ListArgs {
    /// Only jobs in this status (unfunded, queued, assigned, running, completed, failed, cancelled, expired).
    #[arg(long, value_parser = parse::job_status)]
    pub status: Option<JobStatus>,
    /// At most this many jobs.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

/// `aitbc client receipts`.
#[derive(Args, Debug)]
pub struct ReceiptsArgs {
    /// Only this job's receipt.
    #[arg(long, value_parser = parse::job_id)]
    pub job_id: Option<JobId>,
    /// At most this many receipts.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum JobTypeArg {
    Inference,
    Embedding,
    Training,
    Multimodal,
    Streaming,
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
    #[arg(long, value_parser = parse::provider)]
    pub provider: Option<AccountId>,
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
    if secs == 0 {
        bail!("--ttl must be at least 1 second");
    }
    let blocks = secs.saturating_mul(1000).div_ceil(MILLISECS_PER_BLOCK);
    BlockNumber::try_from(blocks).context("--ttl is too large")
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
    let call = jobs::submit_job_with(
        job_type,
        &model,
        input,
        budget,
        ttl,
        requirements,
        options,
        provider.clone(),
    )?;
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

/// Adds output, receipt and cost of a completed job to `v`; returns table rows for them.
async fn add_result(
    rpc: &RpcClient,
    job: &Job,
    v: &mut Value,
) -> Result<Option<Vec<(&'static str, String)>>> {
    if job.status != jobs::Status::Completed {
        return Ok(None);
    }
    let mut rows = Vec::new();
    if let Some(r) = jobs::job_result(rpc, job.id).await? {
        let rj = result_json(&r);
        for k in ["result", "compute_ms", "input_tokens", "output_tokens"] {
            v[k] = rj[k].clone();
        }
        rows.push(("result", names::output_text(&r)));
        rows.push((
            "metrics",
            format!(
                "{} ms, {} tokens in, {} out",
                r.metrics.compute_ms, r.metrics.input_tokens, r.metrics.output_tokens
            ),
        ));
    }
    if let Some(rc) = jobs::receipts_by_job(rpc, job.id).await?.into_iter().next() {
        v["receipt_id"] = json!(rc.id);
        v["cost"] = json!(format_amount_json(rc.price));
        v["receipt"] = receipt_json(&rc);
        rows.push((
            "receipt",
            format!(
                "#{} ({:.3} gpu-s x {}, {}, signed by the miner{})",
                rc.id,
                units_value(rc.units_milli),
                format_amount(rc.unit_price),
                receipt_status(&rc),
                if jobs::receipt_signature_valid(&rc) {
                    ""
                } else {
                    ": INVALID signature"
                }
            ),
        ));
        rows.push(("cost", format_amount(rc.price)));
    }
    Ok(Some(rows))
}

/// What to tell the owner of an unfunded job (it never runs until funded).
pub fn unfunded_note(job_id: u64) -> String {
    format!("unfunded: fund it with `aitbc client pay {job_id} --amount AIT`")
}

/// A job: its JSON `v` (with the transaction's fields when one was sent), or its rows, `extra`
/// rows and the transaction's rows.
fn job_report(
    job: &Job,
    mut v: Value,
    extra: Vec<(&'static str, String)>,
    tx: Option<&TxReport>,
) -> Report {
    let unfunded = job.status == jobs::Status::Unfunded;
    if unfunded {
        v["note"] = json!(unfunded_note(job.id));
    }
    let mut rows = job_rows(job);
    rows.extend(extra);
    if unfunded {
        rows.push(("note", unfunded_note(job.id)));
    }
    if let Some(tx) = tx {
        tx.add_json(&mut v);
        rows = tx.with_rows(rows);
    }
    Report::record(v, &rows)
}

impl StatusArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let rpc = ctx.connect().await?;
        let job = jobs::existing_job(&rpc, self.job_id).await?;
        let mut v = job_json(&job);
        let mut extra = Vec::new();
        if let Some(why) = provider_wait(&rpc, &job).await? {
            v["waiting_for_provider"] = json!(why);
            extra.push(("waiting for", why));
        }
        Ok(job_report(&job, v, extra, None))
    }
}

/// Why a queued job that asked for a provider is not assigned yet (the chain fails the job,
/// refunded, with a `ProviderIneligible` event when the provider can never take it; while it is
/// only offline or busy the job waits, and this says so).
async fn provider_wait(rpc: &RpcClient, job: &Job) -> Result<Option<String>> {
    let (Some(provider), jobs::Status::Queued) = (&job.provider, job.status) else {
        return Ok(None);
    };
    let addr = aitbc_client::keys::to_ss58(provider);
    let Some(info) = jobs::miner(rpc, provider).await? else {
        return Ok(Some(format!(
            "provider {addr}, which is no longer a registered miner"
        )));
    };
    if info.miner.status != jobs::MinerStatus::Active {
        return Ok(Some(format!(
            "provider {addr}, which is unbonding (deregistered)"
        )));
    }
    if !info.online {
        return Ok(Some(format!(
            "provider {addr}, which is offline (last heartbeat at block #{})",
            info.miner.last_heartbeat
        )));
    }
    let meta = aitbc_client::metadata::NodeMetadata::fetch(rpc).await?;
    let max: u32 = meta.constant("Miners", "MaxConcurrentJobs")?;
    if info.miner.active_jobs >= max {
        return Ok(Some(format!(
            "provider {addr}, which is busy ({} of {max} jobs)",
            info.miner.active_jobs
        )));
    }
    Ok(Some(format!(
        "provider {addr} (eligible now: assigned at the next block)"
    )))
}

impl ResultArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let id = self.job_id;
        let rpc = ctx.connect().await?;
        let job = jobs::existing_job(&rpc, id).await?;
        if job.status != jobs::Status::Completed {
            bail!(
                "job {id} is {}: it has no result{}",
                names::job_status_name(job.status),
                if job.status.is_terminal() { "" } else { " yet" }
            );
        }
        let mut v = job_json(&job);
        let extra = add_result(&rpc, &job, &mut v).await?;
        Ok(job_report(&job, v, extra.unwrap_or_default(), None))
    }
}

/// Loads a job of the wallet's for an owner-only action; specific messages before signing.
async fn own_job(ctx: &Ctx, rpc: &RpcClient, name: &str, id: u64) -> Result<Job> {
    let job = jobs::existing_job(rpc, id).await?;
    if job.owner != wallet_account(ctx, name)? {
        bail!(
            "job {id} belongs to {}, not to wallet '{name}'",
            aitbc_client::keys::to_ss58(&job.owner)
        );
    }
    Ok(job)
}

impl PayArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let (id, amount) = (self.job_id, self.amount);
        let name = ctx.wallet_name(None)?;
        let rpc = ctx.connect().await?;
        let job = own_job(ctx, &rpc, &name, id).await?;
        if job.status != jobs::Status::Unfunded {
            bail!(
                "job {id} is already funded (status {})",
                names::job_status_name(job.status)
            );
        }
        let opts = SendOpts {
            spend: amount,
            ..Default::default()
        };
        let (_, tx) = send_call(
            ctx,
            &rpc,
            &name,
            jobs::fund_job(id, amount),
            &format!("Funding job {id}"),
            opts,
        )
        .await?;
        let job = jobs::existing_job(&rpc, id).await?;
        let mut v = job_json(&job);
        v["paid"] = json!(format_amount_json(amount));
        Ok(job_report(&job, v, Vec::new(), Some(&tx)))
    }
}

impl CancelArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let id = self.job_id;
        let name = ctx.wallet_name(None)?;
        let rpc = ctx.connect().await?;
        let job = own_job(ctx, &rpc, &name, id).await?;
        if job.status.is_terminal() {
            bail!(
                "job {id} has already ended ({}): nothing to cancel",
                names::job_status_name(job.status)
            );
        }
        let refund = job.escrowed;
        let (_, tx) = send_call(
            ctx,
            &rpc,
            &name,
            jobs::cancel_job(id),
            &format!("Cancelling job {id}"),
            SendOpts::default(),
        )
        .await?;
        let job = jobs::existing_job(&rpc, id).await?;
        let mut v = job_json(&job);
        v["refunded"] = json!(format_amount_json(refund));
        Ok(job_report(
            &job,
            v,
            vec![("refunded", format_amount(refund))],
            Some(&tx),
        ))
    }
}

fn jobs_table(jobs: &[Job]) -> comfy_table::Table {
    let mut t = table(&[
        "job_id", "status", "model", "miner", "budget", "since", "elapsed",
    ]);
    for j in jobs {
        let v = job_json(j);
        t.add_row(vec![
            j.id.to_string(),
            names::job_status_name(j.status).to_string(),
            String::from_utf8_lossy(&j.model).into_owned(),
            j.miner
                .as_ref()
                .map(|m| crate::output::short(&aitbc_client::keys::to_ss58(m)))
                .unwrap_or_default(),
            format_amount(j.budget),
            format!("#{}", j.status_since),
            v["elapsed_secs"]
                .as_u64()
                .map(|s| format!("{s} s"))
                .unwrap_or_default(),
        ]);
    }
    t
}

/// A list of jobs: JSON, or a table (`empty` when there are none).
pub fn jobs_report(jobs: &[Job], empty: &str) -> Report {
    Report::list(
        json!(jobs.iter().map(job_json).collect::<Vec<_>>()),
        jobs.is_empty(),
        empty,
        jobs_table(jobs),
    )
}

impl ListArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let status = self.status;
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        let mut list = Vec::new();
        let mut from = 0;
        loop {
            let page = jobs::jobs_by_owner(&rpc, &who, from, jobs::MAX_PAGE).await?;
            let done = page.len() < jobs::MAX_PAGE as usize;
            if let Some(last) = page.last() {
                from = last.id + 1;
            }
            list.extend(
                page.into_iter()
                    .filter(|j| status.is_none_or(|s| j.status == s)),
            );
            if done {
                break;
            }
        }
        list.reverse();
        list.truncate(self.limit as usize);
        Ok(jobs_report(&list, &format!("No jobs for wallet '{name}'.")))
    }
}

/// A list of receipts: JSON, or a table (`empty` when there are none).
pub fn receipts_report(receipts: &[jobs::Receipt], empty: &str) -> Report {
    let v = json!(receipts.iter().map(receipt_json).collect::<Vec<_>>());
    let mut t = table(&[
        "receipt_id",
        "job_id",
        "provider",
        "client",
        "status",
        "units",
        "unit_type",
        "unit_price",
        "price",
        "signature",
    ]);
    for r in receipts {
        let sig = format!("{:?}", r.signature);
        t.add_row(vec![
            r.id.to_string(),
            r.job_id.to_string(),
            crate::output::short(&aitbc_client::keys::to_ss58(&r.miner)),
            crate::output::short(&aitbc_client::keys::to_ss58(&r.client)),
            receipt_status(r).to_string(),
            format!("{:.3}", units_value(r.units_milli)),
            "gpu_seconds".to_string(),
            format_amount(r.unit_price),
            format_amount(r.price),
            format!(
                "{}{}",
                crate::output::short(&sig),
                if jobs::receipt_signature_valid(r) {
                    " ✓"
                } else {
                    " (invalid)"
                }
            ),
        ]);
    }
    Report::list(v, receipts.is_empty(), empty, t)
}

impl ReceiptsArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let rpc;
        let list = match self.job_id {
            Some(id) => {
                rpc = ctx.connect().await?;
                jobs::existing_job(&rpc, id).await?;
                jobs::receipts_by_job(&rpc, id).await?
            }
            None => {
                let name = ctx.wallet_name(None)?;
                let who = wallet_account(ctx, &name)?;
                rpc = ctx.connect().await?;
                let mut out = Vec::new();
                let mut from = 0;
                loop {
                    let page = jobs::jobs_by_owner(&rpc, &who, from, jobs::MAX_PAGE).await?;
                    let done = page.len() < jobs::MAX_PAGE as usize;
                    if let Some(last) = page.last() {
                        from = last.id + 1;
                    }
                    for j in page.iter().filter(|j| j.receipt.is_some()) {
                        out.extend(jobs::receipts_by_job(&rpc, j.id).await?);
                    }
                    if done {
                        break;
                    }
                }
                out.reverse();
                out.truncate(self.limit as usize);
                out
            }
        };
        Ok(receipts_report(&list, "No receipts."))
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
