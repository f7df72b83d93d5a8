//! `aitbc miner ...`: register, status, heartbeat, poll (accept the next assigned job), earnings,
//! deregister.

use crate::commands::client::print_receipts;
use crate::commands::jobs_view::{
    hardware_text, job_json, job_rows, miner_json, miner_status_text,
};
use crate::commands::mine::{self, Backend, MineOpts};
use crate::commands::miner_stake;
use crate::context::Ctx;
use crate::output::{kv_table, print_json};
use crate::submit::{send_call, wallet_account, SendOpts};
use aitbc_client::{
    amount::{format_amount, format_amount_json, parse_amount, parse_positive_amount},
    jobs::{self, MinerInfo},
    keys,
    rpc::RpcClient,
    runtime::AccountId,
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
    Register {
        /// GPUs as COUNTx MODEL, e.g. "1x RTX 4090" or "2x A100".
        #[arg(long)]
        gpus: String,
        /// Memory per GPU in GB (default: known from the model name).
        #[arg(long)]
        vram_gb: Option<u32>,
        /// Price per GPU-hour, in AIT.
        #[arg(long)]
        price_per_hour: String,
        /// Models served, comma separated.
        #[arg(long, value_delimiter = ',', default_value = "smollm2")]
        models: Vec<String>,
        /// Stake to hold, in AIT (at least the chain's minimum, 100 AIT on dev chains).
        #[arg(long, default_value = "100")]
        stake: String,
    },
    /// This wallet's miner record: hardware, models, price, stake, reputation, online.
    #[command(after_help = "Example:\n  aitbc miner status")]
    Status,
    /// Send a heartbeat (miners without one for a while are offline and get no jobs).
    #[command(after_help = "Example:\n  aitbc miner heartbeat")]
    Heartbeat,
    /// Show the next job assigned to this miner and accept it.
    #[command(after_help = "Example:\n  aitbc miner poll")]
    Poll,
    /// Receipts of delivered jobs and the total earned.
    #[command(after_help = "Example:\n  aitbc miner earnings")]
    Earnings {
        /// At most this many receipts in the table.
        #[arg(long, default_value_t = 20)]
        limit: u32,
    },
    /// Claim the emission share of a receipt once its era is over: minted to the receipt's miner,
    /// once per receipt, at most the protocol fee its job burned.
    #[command(after_help = "Example:\n  aitbc miner claim 0")]
    Claim {
        /// Receipt id.
        receipt_id: String,
    },
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
    Deregister,
    /// After `deregister` and the unbonding period: release the whole stake and remove the
    /// miner record.
    #[command(after_help = "Example:\n  aitbc miner withdraw")]
    Withdraw(WithdrawArgs),
    /// Run the miner daemon as this wallet: register if needed, then run the jobs the chain
    /// assigns (one job, or until stopped with --continuous).
    #[command(
        after_help = "Examples:\n  aitbc miner mine --backend embedded --continuous\n  aitbc miner mine --backend ollama --model llama3 --ollama-url http://127.0.0.1:11434"
    )]
    Mine {
        /// Where inference runs.
        #[arg(long, value_enum, default_value = "embedded")]
        backend: Backend,
        #[command(flatten)]
        opts: MineOpts,
    },
    /// Run the miner daemon on an Ollama server (same as `mine --backend ollama`).
    #[command(after_help = "Example:\n  aitbc miner mine-ollama --model llama3 --continuous")]
    MineOllama {
        #[command(flatten)]
        opts: MineOpts,
    },
}

/// `aitbc miner update`.
#[derive(Args, Debug)]
#[command(group(ArgGroup::new("change").required(true).multiple(true).args(["models", "price_per_hour", "gpus", "vram_gb"])))]
pub struct UpdateArgs {
    /// Models served from now on, comma separated (replaces the list).
    #[arg(long, value_delimiter = ',')]
    pub models: Option<Vec<String>>,
    /// New price per GPU-hour, in AIT.
    #[arg(long)]
    pub price_per_hour: Option<String>,
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
    #[arg(long)]
    pub amount: String,
}

/// `aitbc miner unbond`.
#[derive(Args, Debug)]
pub struct UnbondArgs {
    /// AIT of the stake to release.
    #[arg(long)]
    pub amount: String,
}

/// `aitbc miner withdraw`.
#[derive(Args, Debug)]
pub struct WithdrawArgs {}

pub async fn run(ctx: &Ctx, cmd: MinerCmd) -> Result<()> {
    match cmd {
        MinerCmd::Register {
            gpus,
            vram_gb,
            price_per_hour,
            models,
            stake,
        } => register(ctx, &gpus, vram_gb, &price_per_hour, &models, &stake).await,
        MinerCmd::Status => status(ctx).await,
        MinerCmd::Heartbeat => simple(ctx, jobs::heartbeat(), "Heartbeat", "heartbeat").await,
        MinerCmd::Poll => poll(ctx).await,
        MinerCmd::Earnings { limit } => earnings(ctx, limit).await,
        MinerCmd::Mine { backend, opts } => mine::run(ctx, backend, opts),
        MinerCmd::MineOllama { opts } => mine::run(ctx, Backend::Ollama, opts),
        MinerCmd::Claim { receipt_id } => claim(ctx, &receipt_id).await,
        MinerCmd::Update(a) => miner_stake::update(ctx, a).await,
        MinerCmd::Stake(a) => miner_stake::add(ctx, a).await,
        MinerCmd::Unbond(a) => miner_stake::unbond(ctx, a).await,
        MinerCmd::Withdraw(a) => miner_stake::withdraw(ctx, a).await,
        MinerCmd::Deregister => miner_stake::deregister(ctx).await,
    }
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

pub(crate) fn print_miner(ctx: &Ctx, m: &MinerInfo, extra: &[(&str, String)]) {
    let mut v = miner_json(m);
    for (k, val) in extra {
        v[*k] = json!(val);
    }
    if ctx.json() {
        print_json(&v);
        return;
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
    rows.extend(extra.iter().map(|(k, v)| (*k, v.clone())));
    println!("{}", kv_table(&rows));
}

async fn register(
    ctx: &Ctx,
    gpus: &str,
    vram_gb: Option<u32>,
    price: &str,
    models: &[String],
    stake: &str,
) -> Result<()> {
    let price_per_hour = parse_positive_amount(price)?;
    let per_second = jobs::per_second_from_hourly(price_per_hour)?;
    let stake = parse_amount(stake)?;
    let probe = jobs::parse_hardware(gpus, 0)?;
    let gpu_model = String::from_utf8_lossy(&probe.gpu_model).into_owned();
    let vram_mb = match vram_gb {
        Some(gb) => gb.saturating_mul(1024),
        None => match jobs::known_vram_mb(&gpu_model) {
            Some(mb) => mb,
            None => bail!("unknown GPU model {gpu_model:?}: pass its memory with --vram-gb"),
        },
    };
    let hardware = jobs::parse_hardware(gpus, vram_mb)?;
    let models = jobs::model_list(models)?;
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
    let (outcome, fee) = send_call(ctx, &rpc, &name, call, "Registering miner", opts).await?;
    let m = registered(&rpc, &name, &who).await?;
    print_miner(
        ctx,
        &m,
        &[
            ("tx_hash", format!("{:?}", outcome.tx_hash)),
            ("fee", format_amount_json(fee)),
        ],
    );
    Ok(())
}

async fn status(ctx: &Ctx) -> Result<()> {
    let name = ctx.wallet_name(None)?;
    let who = wallet_account(ctx, &name)?;
    let rpc = ctx.connect().await?;
    let m = registered(&rpc, &name, &who).await?;
    print_miner(ctx, &m, &[]);
    Ok(())
}

async fn simple(
    ctx: &Ctx,
    call: aitbc_client::runtime::RuntimeCall,
    label: &str,
    done: &str,
) -> Result<()> {
    let name = ctx.wallet_name(None)?;
    let who = wallet_account(ctx, &name)?;
    let rpc = ctx.connect().await?;
    registered(&rpc, &name, &who).await?;
    let (outcome, fee) = send_call(ctx, &rpc, &name, call, label, SendOpts::default()).await?;
    let m = registered(&rpc, &name, &who).await?;
    print_miner(
        ctx,
        &m,
        &[
            ("result", done.to_string()),
            ("tx_hash", format!("{:?}", outcome.tx_hash)),
            ("block", outcome.block_number.to_string()),
            ("fee", format_amount_json(fee)),
        ],
    );
    Ok(())
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

async fn poll(ctx: &Ctx) -> Result<()> {
    let name = ctx.wallet_name(None)?;
    let who = wallet_account(ctx, &name)?;
    let rpc = ctx.connect().await?;
    registered(&rpc, &name, &who).await?;
    let jobs = assigned_jobs(&rpc, &who).await?;
    let Some(job) = jobs.first() else {
        if ctx.json() {
            print_json(&json!({"status": "idle", "job_id": null, "result": "no jobs in queue"}));
        } else {
            println!("no jobs in queue");
        }
        return Ok(());
    };
    let id = job.id;
    let (outcome, _) = send_call(
        ctx,
        &rpc,
        &name,
        jobs::accept_job(id),
        &format!("Accepting job {id}"),
        SendOpts::default(),
    )
    .await?;
    let job = jobs::existing_job(&rpc, id).await?;
    if ctx.json() {
        let mut v = job_json(&job);
        v["tx_hash"] = json!(format!("{:?}", outcome.tx_hash));
        v["result"] = json!("accepted");
        print_json(&v);
    } else {
        let mut rows = job_rows(&job);
        rows.insert(2, ("tx_hash", format!("{:?}", outcome.tx_hash)));
        println!("Accepted job {id}:\n{}", kv_table(&rows));
    }
    Ok(())
}

async fn claim(ctx: &Ctx, receipt_id: &str) -> Result<()> {
    let id: u64 = receipt_id
        .trim()
        .trim_start_matches('#')
        .parse()
        .map_err(|_| {
            anyhow::anyhow!("receipt id {receipt_id:?} is not a number (receipt ids look like 7)")
        })?;
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
    let (outcome, fee) = send_call(
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
    let tx_hash = format!("{:?}", outcome.tx_hash);
    if ctx.json() {
        print_json(&json!({
            "receipt_id": id,
            "job_id": receipt.job_id,
            "miner_id": keys::to_ss58(&miner),
            "reward": format_amount_json(minted),
            "miner_balance_before": format_amount_json(before.free),
            "miner_balance_after": format_amount_json(after.free),
            "tx_hash": tx_hash,
            "block": outcome.block_number,
            "fee": format_amount_json(fee),
        }));
        return Ok(());
    }
    println!(
        "{}",
        kv_table(&[
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
                )
            ),
            ("tx_hash", tx_hash),
            ("block", format!("#{}", outcome.block_number)),
            ("fee", format_amount(fee)),
        ])
    );
    Ok(())
}

async fn earnings(ctx: &Ctx, limit: u32) -> Result<()> {
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
    if ctx.json() {
        print_json(&json!({
            "miner_id": keys::to_ss58(&who),
            "jobs_paid": receipts.len(),
            "earned": format_amount_json(earned),
            "rewards_claimed": format_amount_json(rewards),
            "unclaimed_receipts": unclaimed,
            "receipts": receipts.iter().take(limit as usize).map(crate::commands::jobs_view::receipt_json).collect::<Vec<_>>(),
        }));
        return Ok(());
    }
    println!(
        "{}",
        kv_table(&[
            ("miner_id", keys::to_ss58(&who)),
            ("jobs paid", receipts.len().to_string()),
            ("earned", format_amount(earned)),
            ("rewards claimed", format_amount(rewards)),
            ("unclaimed receipts", unclaimed.to_string()),
        ])
    );
    receipts.truncate(limit as usize);
    print_receipts(ctx, &receipts, "No receipts yet.");
    Ok(())
}
