//! `aitbc miner ...`: register, status, heartbeat, poll (accept the next assigned job), earnings,
//! deregister, the execution profiles it runs.

use crate::commands::client::receipts_report;
use crate::commands::jobs_view::{
    hardware_text, job_json, job_rows, miner_json, miner_status_text,
};
use crate::commands::mine::{self, Backend, MineOpts};
use crate::context::Ctx;
use crate::output::Report;
use crate::parse;
use crate::report::TxReport;
use crate::submit::{send_call, wallet_account, SendOpts};
use aitbc_client::{
    amount::{format_amount, format_amount_json},
    jobs::{self, MinerInfo, ReceiptId},
    keys,
    rpc::RpcClient,
    runtime::{AccountId, Balance},
};
use anyhow::{bail, Context as _, Result};
use clap::{ArgGroup, Args, Subcommand};
use serde_json::json;

#[derive(Subcommand, Debug)]
pub enum MinerCmd {
    /// Register this wallet as a miner: hardware, models, price and stake (held on chain).
    #[command(
        after_help = "Example:\n  aitbc miner register --gpus \"1x RTX 4090\" --price-per-hour 0.5 --models llama3,smollm2 --stake 100"
    )]
    Register(RegisterArgs),
    /// This wallet's miner record: hardware, models, price, stake, reputation, online.
    #[command(after_help = "Example:\n  aitbc miner status")]
    Status(StatusArgs),
    /// Send a heartbeat (miners without one for a while are offline and get no jobs).
    #[command(after_help = "Example:\n  aitbc miner heartbeat")]
    Heartbeat(HeartbeatArgs),
    /// Show the next job assigned to this miner and accept it.
    #[command(after_help = "Example:\n  aitbc miner poll")]
    Poll(PollArgs),
    /// Receipts of delivered jobs and the total earned.
    #[command(after_help = "Example:\n  aitbc miner earnings")]
    Earnings(EarningsArgs),
    /// Claim the emission share of a receipt once its era is over: minted to the receipt's miner,
    /// once per receipt, at most the protocol fee its job burned.
    #[command(after_help = "Example:\n  aitbc miner claim 0")]
    Claim(ClaimArgs),
    /// Change what this miner serves: models, price or GPUs (only the options given; the rest
    /// stays as registered). Counts as a heartbeat.
    #[command(
        after_help = "Examples:\n  aitbc miner update --models llama3,smollm2\n  aitbc miner update --price-per-hour 0.4 --gpus \"2x RTX 4090\""
    )]
    Update(UpdateArgs),
    /// Add to this miner's stake (held on chain; a larger stake ranks higher in assignment).
    #[command(after_help = "Example:\n  aitbc miner stake --amount 50")]
    Stake(StakeArgs),
    /// Release part of the stake at once, keeping at least the chain's minimum (to release all
    /// of it: `deregister`, then `withdraw` after the unbonding period).
    #[command(after_help = "Example:\n  aitbc miner unbond --amount 50")]
    Unbond(UnbondArgs),
    /// Stop mining: no new jobs; the stake can be withdrawn after the unbonding period.
    #[command(after_help = "Example:\n  aitbc miner deregister")]
    Deregister(DeregisterArgs),
    /// After `deregister` and the unbonding period: release the whole stake and remove the
    /// miner record.
    #[command(after_help = "Example:\n  aitbc miner withdraw")]
    Withdraw(WithdrawArgs),
    /// Run the miner daemon as this wallet: register if needed, then run the jobs the chain
    /// assigns (one job, or until stopped with --continuous).
    #[command(
        after_help = "Examples:\n  aitbc miner mine --backend embedded --continuous\n  aitbc miner mine --backend ollama --model llama3 --ollama-url http://127.0.0.1:11434"
    )]
    Mine(MineArgs),
    /// Run the miner daemon on an Ollama server (same as `mine --backend ollama`).
    #[command(after_help = "Example:\n  aitbc miner mine-ollama --model llama3 --continuous")]
    MineOllama(MineOllamaArgs),
    /// The execution profiles a miner has declared (default: this wallet's).
    #[command(
        after_help = "Examples:\n  aitbc miner profiles\n  aitbc miner profiles --miner 5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
    )]
    Profiles(ProfilesArgs),
    /// Declare that this miner runs a registered execution profile (added to its list; the
    /// miner daemon declares its backend's own profile by itself).
    #[command(
        after_help = "Example:\n  aitbc miner declare-profile 0x39c17ceaa7e49fe04a418fb375a550dd9d4ba41a82fba30a6a3f8a6d79ff2a9a"
    )]
    DeclareProfile(DeclareProfileArgs),
    /// Withdraw this miner from one execution profile (also after deregistering).
    #[command(
        after_help = "Example:\n  aitbc miner undeclare-profile 0x39c17ceaa7e49fe04a418fb375a550dd9d4ba41a82fba30a6a3f8a6d79ff2a9a"
    )]
    UndeclareProfile(UndeclareProfileArgs),
}

impl MinerCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        match self {
            MinerCmd::Register(a) => a.run(ctx).await,
            MinerCmd::Status(a) => a.run(ctx).await,
            MinerCmd::Heartbeat(a) => a.run(ctx).await,
            MinerCmd::Poll(a) => a.run(ctx).await,
            MinerCmd::Earnings(a) => a.run(ctx).await,
            MinerCmd::Claim(a) => a.run(ctx).await,
            MinerCmd::Update(a) => a.run(ctx).await,
            MinerCmd::Stake(a) => a.run(ctx).await,
            MinerCmd::Unbond(a) => a.run(ctx).await,
            MinerCmd::Deregister(a) => a.run(ctx).await,
            MinerCmd::Withdraw(a) => a.run(ctx).await,
            MinerCmd::Mine(a) => a.run(ctx),
            MinerCmd::MineOllama(a) => a.run(ctx),
            MinerCmd::Profiles(a) => a.run(ctx).await,
            MinerCmd::DeclareProfile(a) => a.run(ctx).await,
            MinerCmd::UndeclareProfile(a) => a.run(ctx).await,
        }
    }
}

/// `aitbc miner register`.
#[derive(Args, Debug)]
pub struct RegisterArgs {
    /// GPUs as COUNTx MODEL, e.g. "1x RTX 4090" or "2x A100".
    #[arg(long)]
    pub gpus: String,
    /// Memory per GPU in GB (default: known from the model name).
    #[arg(long)]
    pub vram_gb: Option<u32>,
    /// Price per GPU-hour, in AIT.
    #[arg(long, value_parser = parse::positive_amount)]
    pub price_per_hour: Balance,
    /// Models served, comma separated.
    #[arg(long, value_delimiter = ',', default_value = "smollm2")]
    pub models: Vec<String>,
    /// Stake to hold, in AIT (at least the chain's minimum, 100 AIT on dev chains).
    #[arg(long, default_value = "100", value_parser = parse::amount)]
    pub stake: Balance,
}

/// `aitbc miner status`.
#[derive(Args, Debug)]
pub struct StatusArgs {}

/// `aitbc miner heartbeat`.
#[derive(Args, Debug)]
pub struct HeartbeatArgs {}

/// `aitbc miner poll`.
#[derive(Args, Debug)]
pub struct PollArgs {}

/// `aitbc miner earnings`.
#[derive(Args, Debug)]
pub struct EarningsArgs {
    /// At most this many receipts in the table.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

/// `aitbc miner claim`.
#[derive(Args, Debug)]
pub struct ClaimArgs {
    /// Receipt id.
    #[arg(value_parser = parse::receipt_id)]
    pub receipt_id: ReceiptId,
}

/// `aitbc miner deregister`.
#[derive(Args, Debug)]
pub struct DeregisterArgs {}

/// `aitbc miner mine`.
#[derive(Args, Debug)]
pub struct MineArgs {
    /// Where inference runs.
    #[arg(long, value_enum, default_value = "embedded")]
    pub backend: Backend,
    #[command(flatten)]
    pub opts: MineOpts,
}

impl MineArgs {
    pub fn run(self, ctx: &Ctx) -> Result<Report> {
        mine::run(ctx, self.backend, self.opts)?;
        Ok(Report::none())
    }
}

/// `aitbc miner mine-ollama`.
#[derive(Args, Debug)]
pub struct MineOllamaArgs {
    #[command(flatten)]
    pub opts: MineOpts,
}

impl MineOllamaArgs {
    pub fn run(self, ctx: &Ctx) -> Result<Report> {
        mine::run(ctx, Backend::Ollama, self.opts)?;
        Ok(Report::none())
    }
}

/// `aitbc miner update`.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("change").required(true).multiple(true).args(["models", "price_per_hour", "gpus", "vram_gb"])))]
pub struct UpdateArgs {
    /// Models served from now on, comma separated (replaces the list).
    #[arg(long, value_delimiter = ',')]
    pub models: Option<Vec<String>>,
    /// New price per GPU-hour, in AIT.
    #[arg(long, value_parser = parse::positive_amount)]
    pub price_per_hour: Option<Balance>,
    /// GPUs as COUNTx MODEL, e.g. "2x RTX 4090".
    #[arg(long)]
    pub gpus: Option<String>,
    /// Memory per GPU in GB (default: known from the model name, else unchanged).
    #[arg(long)]
    pub vram_gb: Option<u32>,
}

/// `aitbc miner stake`.
#[derive(Args, Debug)]
pub struct StakeArgs {
    /// AIT to add to the stake.
    #[arg(long, value_parser = parse::positive_amount)]
    pub amount: Balance,
}

/// `aitbc miner unbond`.
#[derive(Args, Debug)]
pub struct UnbondArgs {
    /// AIT of the stake to release.
    #[arg(long, value_parser = parse::positive_amount)]
    pub amount: Balance,
}

/// `aitbc miner withdraw`.
#[derive(Args, Debug)]
pub struct WithdrawArgs {}

/// `aitbc miner profiles`.
#[derive(Args, Debug)]
pub struct ProfilesArgs {
    /// The miner: an address, or a wallet's name (default: this wallet).
    #[arg(long)]
    pub miner: Option<String>,
}

/// `aitbc miner declare-profile`.
#[derive(Args, Debug)]
pub struct DeclareProfileArgs {
    /// The profile's id (0x + 64 hex digits; see `aitbc profile list`).
    #[arg(value_parser = aitbc_client::profiles::parse_profile_id)]
    pub id: aitbc_client::profiles::ProfileId,
}

/// `aitbc miner undeclare-profile`.
#[derive(Args, Debug)]
pub struct UndeclareProfileArgs {
    /// The profile's id (0x + 64 hex digits; see `aitbc miner profiles`).
    #[arg(value_parser = aitbc_client::profiles::parse_profile_id)]
    pub id: aitbc_client::profiles::ProfileId,
}

pub(crate) async fn registered(rpc: &RpcClient, name: &str, who: &AccountId) -> Result<MinerInfo> {
    match jobs::miner(rpc, who).await? {
        Some(m) => Ok(m),
        None => bail!(
            "wallet '{name}' ({}) is not a registered miner (register with: aitbc miner register --gpus \"1x RTX 4090\" --price-per-hour 0.5)",
            keys::to_ss58(who)
        ),
    }
}

/// A miner record with `extra` fields (strings, in JSON and as table rows) and, after a
/// transaction, its report.
pub(crate) fn miner_report(
    m: &MinerInfo,
    extra: &[(&'static str, String)],
    tx: Option<&TxReport>,
) -> Report {
    let mut v = miner_json(m);
    for (k, val) in extra {
        v[*k] = json!(val);
    }
    let mut rows = vec![
        ("miner_id", keys::to_ss58(&m.account)),
        ("status", miner_status_text(m)),
        ("hardware", hardware_text(m)),
        (
            "models",
            v["models"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default(),
        ),
        (
            "price",
            format!(
                "{} per GPU-hour",
                format_amount(m.miner.price_per_gpu_second * 3600)
            ),
        ),
        ("stake", format_amount(m.miner.stake)),
        ("active jobs", m.miner.active_jobs.to_string()),
        (
            "reputation",
            format!(
                "{} ({} delivered, {} failed, {} late)",
                v["reputation"].as_str().unwrap_or_default(),
                m.miner.reputation.delivered,
                m.miner.reputation.failed,
                m.miner.reputation.late
            ),
        ),
        ("last heartbeat", format!("#{}", m.miner.last_heartbeat)),
    ];
    rows.extend(extra.iter().cloned());
    if let Some(tx) = tx {
        tx.add_json(&mut v);
        rows = tx.with_rows(rows);
    }
    Report::record(v, &rows)
}

impl RegisterArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let per_second = jobs::per_second_from_hourly(self.price_per_hour)?;
        let stake = self.stake;
        let gpus = self.gpus.as_str();
        let probe = jobs::parse_hardware(gpus, 0)?;
        let gpu_model = String::from_utf8_lossy(&probe.gpu_model).into_owned();
        let vram_mb = match self.vram_gb {
            Some(gb) => gb.saturating_mul(1024),
            None => match jobs::known_vram_mb(&gpu_model) {
                Some(mb) => mb,
                None => bail!("unknown GPU model {gpu_model:?}: pass its memory with --vram-gb"),
            },
        };
        let hardware = jobs::parse_hardware(gpus, vram_mb)?;
        let models = jobs::model_list(&self.models)?;
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        if jobs::miner(&rpc, &who).await?.is_some() {
            bail!("wallet '{name}' is already registered as a miner (see: aitbc miner status)");
        }
        let call = jobs::register_miner(hardware, models, per_second, stake);
        let opts = SendOpts {
            spend: stake,
            ..Default::default()
        };
        let (_, tx) = send_call(ctx, &rpc, &name, call, "Registering miner", opts).await?;
        let m = registered(&rpc, &name, &who).await?;
        Ok(miner_report(&m, &[], Some(&tx)))
    }
}

impl StatusArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        let m = registered(&rpc, &name, &who).await?;
        Ok(miner_report(&m, &[], None))
    }
}

impl HeartbeatArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        registered(&rpc, &name, &who).await?;
        let (_, tx) = send_call(
            ctx,
            &rpc,
            &name,
            jobs::heartbeat(),
            "Heartbeat",
            SendOpts::default(),
        )
        .await?;
        let m = registered(&rpc, &name, &who).await?;
        Ok(miner_report(
            &m,
            &[("result", "heartbeat".to_string())],
            Some(&tx),
        ))
    }
}

async fn assigned_jobs(rpc: &RpcClient, who: &AccountId) -> Result<Vec<jobs::Job>> {
    let mut out = Vec::new();
    let mut from = 0;
    loop {
        let page = jobs::jobs_by_miner(rpc, who, from, jobs::MAX_PAGE).await?;
        let done = page.len() < jobs::MAX_PAGE as usize;
        if let Some(last) = page.last() {
            from = last.id + 1;
        }
        out.extend(
            page.into_iter()
                .filter(|j| j.status == jobs::Status::Assigned && j.miner.as_ref() == Some(who)),
        );
        if done {
            return Ok(out);
        }
    }
}

impl PollArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        registered(&rpc, &name, &who).await?;
        let assigned = assigned_jobs(&rpc, &who).await?;
        let Some(job) = assigned.first() else {
            return Ok(Report::new(
                json!({"status": "idle", "job_id": null, "result": "no jobs in queue"}),
            )
            .line("no jobs in queue"));
        };
        let id = job.id;
        let (_, tx) = send_call(
            ctx,
            &rpc,
            &name,
            jobs::accept_job(id),
            &format!("Accepting job {id}"),
            SendOpts::default(),
        )
        .await?;
        let job = jobs::existing_job(&rpc, id).await?;
        let mut v = job_json(&job);
        v["result"] = json!("accepted");
        Ok(Report::new(tx.with_json(v))
            .line(format!("Accepted job {id}:"))
            .kv(&tx.with_rows(job_rows(&job))))
    }
}

impl ClaimArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let id = self.receipt_id;
        let name = ctx.wallet_name(None)?;
        let rpc = ctx.connect().await?;
        let Some(receipt) = jobs::receipt(&rpc, id).await? else {
            bail!("not found: receipt #{id}");
        };
        if let jobs::RewardStatus::Claimed { amount, block, .. } = receipt.reward {
            bail!(
                "the reward for receipt #{id} was already claimed: {} at block #{block}",
                format_amount(amount)
            );
        }
        let miner = receipt.miner.clone();
        let before = aitbc_client::state::balance(&rpc, &miner, None).await?;
        let (outcome, tx) = send_call(
            ctx,
            &rpc,
            &name,
            jobs::claim_reward(id),
            &format!("Claiming the reward for receipt {id}"),
            SendOpts::default(),
        )
        .await?;
        let minted = aitbc_client::governance::reward_claimed(&outcome)
            .context("the transaction succeeded but emitted no RewardClaimed event")?;
        let after = aitbc_client::state::balance(&rpc, &miner, None).await?;
        let v = tx.with_json(json!({
            "receipt_id": id,
            "job_id": receipt.job_id,
            "miner_id": keys::to_ss58(&miner),
            "reward": format_amount_json(minted),
            "miner_balance_before": format_amount_json(before.free),
            "miner_balance_after": format_amount_json(after.free),
        }));
        let rows = tx.with_rows(vec![
            ("receipt_id", id.to_string()),
            ("job_id", receipt.job_id.to_string()),
            ("miner_id", keys::to_ss58(&miner)),
            ("reward minted", format_amount(minted)),
            (
                "miner balance",
                format!(
                    "{} → {}",
                    format_amount(before.free),
                    format_amount(after.free)
                ),
            ),
        ]);
        Ok(Report::record(v, &rows))
    }
}

impl EarningsArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        registered(&rpc, &name, &who).await?;
        let mut receipts = Vec::new();
        let mut from = 0;
        loop {
            let page = jobs::receipts_by_miner(&rpc, &who, from, jobs::MAX_PAGE).await?;
            let done = page.len() < jobs::MAX_PAGE as usize;
            if let Some(last) = page.last() {
                from = last.id + 1;
            }
            receipts.extend(page);
            if done {
                break;
            }
        }
        let earned: u128 = receipts.iter().map(|r| r.price).sum();
        let rewards: u128 = receipts
            .iter()
            .filter_map(|r| match r.reward {
                jobs::RewardStatus::Claimed { amount, .. } => Some(amount),
                _ => None,
            })
            .sum();
        let unclaimed = receipts
            .iter()
            .filter(|r| matches!(r.reward, jobs::RewardStatus::Unclaimed))
            .count();
        receipts.reverse();
        let jobs_paid = receipts.len();
        receipts.truncate(self.limit as usize);
        let v = json!({
            "miner_id": keys::to_ss58(&who),
            "jobs_paid": jobs_paid,
            "earned": format_amount_json(earned),
            "rewards_claimed": format_amount_json(rewards),
            "unclaimed_receipts": unclaimed,
            "receipts": receipts.iter().map(crate::commands::jobs_view::receipt_json).collect::<Vec<_>>(),
        });
        let summary = Report::record(
            v,
            &[
                ("miner_id", keys::to_ss58(&who)),
                ("jobs paid", jobs_paid.to_string()),
                ("earned", format_amount(earned)),
                ("rewards claimed", format_amount(rewards)),
                ("unclaimed receipts", unclaimed.to_string()),
            ],
        );
        Ok(summary.then(receipts_report(&receipts, "No receipts yet.")))
    }
}
