//! `aitbc client ...`: status, result, pay, cancel, list and receipts of compute jobs (`submit`
//! is in `job_submit`).

pub use crate::commands::job_submit::{JobTypeArg, SubmitArgs};

use crate::commands::jobs_view::{
    job_json, job_rows, receipt_json, receipt_status, result_json, units_value,
};
use crate::context::Ctx;
use crate::names;
use crate::output::{table, Report};
use crate::parse;
use crate::report::TxReport;
use crate::submit::{send_call, wallet_account, SendOpts};
use aitbc_client::{
    amount::{format_amount, format_amount_json},
    jobs::{self, Job, JobId, JobStatus},
    rpc::RpcClient,
    runtime::Balance,
};
use anyhow::{bail, Result};
use clap::{Args, Subcommand};
use serde_json::{json, Value};

#[derive(Subcommand, Debug)]
pub enum ClientCmd {
    /// Submit a compute job; with --payment (or --auto-pay) its budget is escrowed at once,
    /// otherwise it waits unfunded for `aitbc client pay`. With --batch-file, one job per line.
    #[command(
        after_help = "Examples:\n  aitbc client submit --type inference --model llama3 --data '{\"prompt\":\"Hello AITBC\"}' --payment 5\n  aitbc client submit --model smollm2 --prompt \"What is the capital of France?\" --payment 5 --wait --timeout 300\n  aitbc client submit --model smollm2 --prompt \"Hello\" --auto-pay\n  aitbc client submit --batch-file jobs.jsonl --parallel 4 --model smollm2 --payment 1\n  aitbc client submit --model llama3 --prompt \"Write a haiku\" --temperature 0.7 --max-tokens 64 --seed 42 --payment 5\n  aitbc client submit --model llama3 --data '{\"prompt\":\"Hi\",\"options\":{\"temperature\":0,\"num_predict\":32}}' --payment 5\n  aitbc client submit --model llama3 --prompt Hi --provider 5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty --payment 5\n  aitbc client submit --model smollm2 --prompt \"What is the capital of France?\" --payment 3 --redundancy 3 --wait\n\nWithout --temperature (or options.temperature) the miner decodes greedily (temperature 0): the same job gives the same text. With --redundancy K, K miners of one execution profile run it, commit, reveal and must agree (`aitbc client status` shows the round)."
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

/// Adds output, receipt and cost of a completed job to `v`; returns table rows for them.
pub(crate) async fn add_result(
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
pub(crate) fn job_report(
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
        if let Some(round) = aitbc_client::redundancy::round(&rpc, job.id).await? {
            v["redundancy"] = crate::commands::round_view::round_json(&round);
            extra.extend(crate::commands::round_view::round_rows(&round));
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
