//! `aitbc swarm ...`: agent swarms (pallet `Swarms`). Miners put their agents into the pool of
//! a task type (`join`, `leave`, `list`, `members`, `prune`); a client creates a task (`create`:
//! its input, budget and deadline), dispatches it to the pool (`coordinate`: map-reduce over its
//! paragraphs, or one redundant job), follows it (`status`, with each job's round) and reads
//! the agreed result with its confidence metrics (`consensus`). The tracking id `coordinate`
//! prints is the task's id.
//!
//! Everything shown is read from the chain through `SwarmsApi`; every command checks what the
//! chain would refuse before anything is signed.

use crate::commands::job_submit::model_profile;
use crate::commands::round_view::{outcome_name, phase_name, round_json, round_rows};
use crate::commands::wallet::resolve_account;
use crate::context::Ctx;
use crate::names::job_status_name;
use crate::output::{short, table, Report};
use crate::parse;
use crate::report::TxReport;
use crate::submit::{send_call, wallet_account, SendOpts};
use aitbc_client::{
    amount::{format_amount, format_amount_json},
    jobs, keys, profiles,
    redundancy::DisputeOutcome,
    rpc::RpcClient,
    runtime::{AccountId, Balance, BlockNumber, Hash, MILLISECS_PER_BLOCK},
    swarms::{self, Member, Part, PartOutcome, Strategy, Task, TaskId, TaskStatus},
};
use anyhow::{bail, Context as _, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum SwarmCmd {
    /// Put this miner's agent into the pool of a task type (the miner runs the pool's jobs
    /// with one of its declared execution profiles).
    #[command(
        after_help = "Examples:\n  aitbc swarm join --agent-id 3 --task-type \"distributed-training\"\n  aitbc swarm join --agent-id 3 --task-type summarize --profile 0x39c17ceaa7e49fe04a418fb375a550dd9d4ba41a82fba30a6a3f8a6d79ff2a9a\n\nThe agent is a registered agent (aitbc agent list) whose model is the profile's; several miners may join with the same agent, and a task created with --agent-id runs among the members that joined with it."
    )]
    Join(JoinArgs),
    /// Take this miner's agent out of a pool.
    #[command(after_help = "Example:\n  aitbc swarm leave --task-type distributed-training")]
    Leave(LeaveArgs),
    /// The pools (task types with members), or the pools a miner is in.
    #[command(after_help = "Examples:\n  aitbc swarm list\n  aitbc swarm list --miner bob")]
    List(ListArgs),
    /// The members of a task type's pool: miner, agent id, profile.
    #[command(after_help = "Example:\n  aitbc swarm members --task-type distributed-training")]
    Members(MembersArgs),
    /// Remove a member that is no longer an active miner or no longer declares its profile.
    #[command(
        after_help = "Example:\n  aitbc swarm prune --task-type summarize 5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
    )]
    Prune(PruneArgs),
    /// Create a task for a pool: its input, budget (held now) and deadline; prints the task id.
    #[command(
        after_help = "Examples:\n  aitbc swarm create --task-type summarize --model smollm2 --input report.txt --instruction \"Summarize in one sentence.\" --payment 2\n  aitbc swarm create --task-type summarize --model smollm2 --prompt \"What is AITBC?\" --payment 1 --ttl 1800\n  aitbc swarm create --task-type arithmetic --agent-id 3 --prompt \"What is 17*23?\" --payment 0.5   # an agent task: coordinate it --strategy redundant\n\nA map-reduce task splits the input on blank lines (paragraphs); keep it under 16 KiB."
    )]
    Create(CreateArgs),
    /// Dispatch a task to its pool: map-reduce (shards, then a reduce job) or one redundant
    /// job; prints the tracking id.
    #[command(
        after_help = "Examples:\n  aitbc swarm coordinate --task-id 0 --strategy \"map-reduce\"\n  aitbc swarm coordinate --task-id 0 --strategy map-reduce --shards 4 --redundancy 3\n  aitbc swarm coordinate --task-id 1 --strategy redundant --redundancy 5 --quorum 4"
    )]
    Coordinate(CoordinateArgs),
    /// A task's progress: each job with its round (participants, phase, disputes), shards
    /// done, agreeing and disputed.
    #[command(after_help = "Examples:\n  aitbc swarm status 0\n  aitbc swarm status 0 --rounds")]
    Status(StatusArgs),
    /// A task's agreed result with its confidence metrics: agreeing miners and their stake
    /// share, disputes and how they were settled, the smallest logit margin reported.
    #[command(after_help = "Example:\n  aitbc swarm consensus --task-id 0")]
    Consensus(ConsensusArgs),
    /// Your tasks (or an account's).
    #[command(after_help = "Examples:\n  aitbc swarm tasks\n  aitbc swarm tasks --owner alice")]
    Tasks(TasksArgs),
    /// Cancel a task that was not coordinated yet: its budget returns.
    #[command(after_help = "Example:\n  aitbc swarm cancel --task-id 0")]
    Cancel(CancelArgs),
    /// Remove an ended task whose jobs all ended: its records go and its deposit returns.
    #[command(after_help = "Example:\n  aitbc swarm remove --task-id 0")]
    Remove(RemoveArgs),
}

impl SwarmCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        match self {
            SwarmCmd::Join(a) => a.run(ctx).await,
            SwarmCmd::Leave(a) => a.run(ctx).await,
            SwarmCmd::List(a) => a.run(ctx).await,
            SwarmCmd::Members(a) => a.run(ctx).await,
            SwarmCmd::Prune(a) => a.run(ctx).await,
            SwarmCmd::Create(a) => a.run(ctx).await,
            SwarmCmd::Coordinate(a) => a.run(ctx).await,
            SwarmCmd::Status(a) => a.run(ctx).await,
            SwarmCmd::Consensus(a) => a.run(ctx).await,
            SwarmCmd::Tasks(a) => a.run(ctx).await,
            SwarmCmd::Cancel(a) => a.run(ctx).await,
            SwarmCmd::Remove(a) => a.run(ctx).await,
        }
    }
}

/// A task id: `7` or `#7`.
pub fn task_id(s: &str) -> aitbc_client::Result<TaskId> {
    s.trim().trim_start_matches('#').parse().map_err(|_| {
        aitbc_client::Error::InvalidInput(format!(
            "task id {s:?} is not a number (task ids look like 7)"
        ))
    })
}

/// `aitbc swarm join`.
#[derive(Args, Debug)]
pub struct JoinArgs {
    /// The registered agent this miner runs for the pool (`aitbc agent list`); its model must
    /// be the profile's.
    #[arg(long, value_parser = crate::commands::agent::agent_id)]
    pub agent_id: aitbc_primitives::AgentId,
    /// The task type: 1 to 32 characters of a-z, 0-9 and '-'.
    #[arg(long, value_parser = swarms::task_type)]
    pub task_type: swarms::TaskType,
    /// The execution profile the pool's jobs run on (default: the one profile the miner has
    /// declared; see `aitbc miner profiles`).
    #[arg(long, value_parser = profiles::parse_profile_id)]
    pub profile: Option<Hash>,
}

/// `aitbc swarm leave`.
#[derive(Args, Debug)]
pub struct LeaveArgs {
    /// The task type.
    #[arg(long, value_parser = swarms::task_type)]
    pub task_type: swarms::TaskType,
}

/// `aitbc swarm list`.
#[derive(Args, Debug)]
pub struct ListArgs {
    /// Show the pools this miner (an address or a wallet's name) is in instead.
    #[arg(long)]
    pub miner: Option<String>,
    /// At most this many pools.
    #[arg(long, default_value_t = 100)]
    pub limit: u32,
}

/// `aitbc swarm members`.
#[derive(Args, Debug)]
pub struct MembersArgs {
    /// The task type.
    #[arg(long, value_parser = swarms::task_type)]
    pub task_type: swarms::TaskType,
}

/// `aitbc swarm prune`.
#[derive(Args, Debug)]
pub struct PruneArgs {
    /// The task type.
    #[arg(long, value_parser = swarms::task_type)]
    pub task_type: swarms::TaskType,
    /// The member to remove: an address or a wallet's name.
    pub miner: String,
}

/// `aitbc swarm create`.
#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["input", "prompt"])))]
pub struct CreateArgs {
    /// The task type whose pool runs it.
    #[arg(long, value_parser = swarms::task_type)]
    pub task_type: swarms::TaskType,
    /// The model, e.g. smollm2 (its execution profile runs the jobs); with --agent-id, the
    /// agent's.
    #[arg(long, required_unless_present = "agent_id")]
    pub model: Option<String>,
    /// Run the task as one exact-mode k-of-n run of this registered agent, among the pool's
    /// members that joined with it (coordinate it with --strategy redundant): the instruction
    /// and the input together are the run's input, at most 1024 bytes.
    #[arg(long, value_parser = crate::commands::agent::agent_id)]
    pub agent_id: Option<aitbc_primitives::AgentId>,
    /// The execution profile (default: the model's one registered profile).
    #[arg(long, value_parser = profiles::parse_profile_id)]
    pub profile: Option<Hash>,
    /// A UTF-8 file with the task's input (at most 16 KiB; paragraphs separated by blank
    /// lines).
    #[arg(long)]
    pub input: Option<PathBuf>,
    /// The task's input as text.
    #[arg(long)]
    pub prompt: Option<String>,
    /// An instruction given to every job as its system prompt (at most 1000 characters).
    #[arg(long)]
    pub instruction: Option<String>,
    /// The budget for all its jobs, in AIT (held now; what the jobs do not pay returns).
    #[arg(long, value_parser = parse::positive_amount)]
    pub payment: Balance,
    /// Seconds until the task's deadline: no job is submitted that could outlive it.
    #[arg(long, default_value_t = 3_600)]
    pub ttl: u64,
}

/// How a task is run.
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrategyArg {
    /// Split the input on blank lines into shards, each a redundant job, then a reduce job.
    MapReduce,
    /// The whole input as one redundant job.
    Redundant,
}

/// `aitbc swarm coordinate`.
#[derive(Args, Debug)]
pub struct CoordinateArgs {
    /// The task.
    #[arg(long, value_parser = task_id)]
    pub task_id: TaskId,
    /// map-reduce or redundant.
    #[arg(long, value_enum)]
    pub strategy: StrategyArg,
    /// Map-reduce: how many shards, 1 to 64, at most the input's paragraphs (default: the
    /// fewest, at least two when the input has two paragraphs, whose every shard fits a job's
    /// prompt).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=64))]
    pub shards: Option<u8>,
    /// Miners per job (k, 2 to 7).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(2..=7))]
    pub redundancy: u8,
    /// How many must reveal the same output (a strict majority of k, at most k; default
    /// ⌈2k/3⌉).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=7))]
    pub quorum: Option<u8>,
}

/// `aitbc swarm status`.
#[derive(Args, Debug)]
pub struct StatusArgs {
    /// The tracking id (the task's id) `coordinate` printed.
    #[arg(value_parser = task_id)]
    pub tracking_id: TaskId,
    /// Show every job's round (by default only those still deciding).
    #[arg(long)]
    pub rounds: bool,
}

/// `aitbc swarm consensus`.
#[derive(Args, Debug)]
pub struct ConsensusArgs {
    /// The task.
    #[arg(long, value_parser = task_id)]
    pub task_id: TaskId,
}

/// `aitbc swarm tasks`.
#[derive(Args, Debug)]
pub struct TasksArgs {
    /// Whose tasks: an address or a wallet's name (default: the wallet's).
    #[arg(long)]
    pub owner: Option<String>,
    /// At most this many, from the lowest id.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

/// `aitbc swarm cancel`.
#[derive(Args, Debug)]
pub struct CancelArgs {
    /// The task.
    #[arg(long, value_parser = task_id)]
    pub task_id: TaskId,
}

/// `aitbc swarm remove`.
#[derive(Args, Debug)]
pub struct RemoveArgs {
    /// The task.
    #[arg(long, value_parser = task_id)]
    pub task_id: TaskId,
}

// ---- shared views ----

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn member_json(task_type: &[u8], m: &Member) -> Value {
    json!({
        "task_type": text(task_type),
        "miner": keys::to_ss58(&m.miner),
        "agent_id": m.agent_id,
        "profile": profiles::hex_id(&m.profile),
        "joined_at": m.joined_at,
    })
}

fn members_table(rows: &[(Vec<u8>, Member)]) -> comfy_table::Table {
    let mut t = table(&["task type", "miner", "agent id", "profile", "joined"]);
    for (tt, m) in rows {
        t.add_row(vec![
            text(tt),
            keys::to_ss58(&m.miner),
            format!("#{}", m.agent_id),
            short(&profiles::hex_id(&m.profile)),
            format!("#{}", m.joined_at),
        ]);
    }
    t
}

fn strategy_json(task: &Task) -> Value {
    match &task.plan {
        None => Value::Null,
        Some(p) => json!({
            "strategy": swarms::strategy_name(p.strategy),
            "shards": task.shards,
            "k": p.redundancy.k,
            "quorum": p.redundancy.effective_quorum(),
            "job_budget": format_amount_json(p.job_budget),
            "share_chars": (task.shards > 0).then_some(p.share_chars),
            "shard_max_tokens": (task.shards > 0).then_some(p.shard_max_tokens),
        }),
    }
}

fn failure_json(status: &TaskStatus) -> Value {
    match status {
        TaskStatus::Failed(f) => json!(swarms::failure_text(f)),
        _ => Value::Null,
    }
}

/// A task as stable JSON.
pub fn task_json(id: TaskId, t: &Task) -> Value {
    json!({
        "task_id": id,
        "owner": keys::to_ss58(&t.owner),
        "task_type": text(&t.task_type),
        "model": text(&t.model),
        "profile": profiles::hex_id(&t.profile),
        "instruction": t.instruction.as_ref().map(|i| text(i)),
        "input_chars": t.input_chars,
        "paragraphs": t.paragraphs,
        "budget": format_amount_json(t.budget),
        "held": format_amount_json(t.held),
        "deposit": format_amount_json(t.deposit),
        "created_at": t.created_at,
        "deadline": t.deadline,
        "status": swarms::status_word(&t.status),
        "failure": failure_json(&t.status),
        "status_since": t.status_since,
        "plan": strategy_json(t),
        "shards_submitted": t.submitted,
        "shards_completed": t.completed,
        "open_jobs": t.open_jobs,
        "final_job": t.final_job,
    })
}

fn task_rows(id: TaskId, t: &Task) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("task_id", id.to_string()),
        ("owner", keys::to_ss58(&t.owner)),
        ("task type", text(&t.task_type)),
        (
            "model",
            format!(
                "{} (profile {})",
                text(&t.model),
                short(&profiles::hex_id(&t.profile))
            ),
        ),
        (
            "input",
            format!("{} characters, {} paragraphs", t.input_chars, t.paragraphs),
        ),
    ];
    if let Some(i) = &t.instruction {
        rows.push(("instruction", text(i)));
    }
    rows.push((
        "budget",
        format!(
            "{} ({} still held)",
            format_amount(t.budget),
            format_amount(t.held)
        ),
    ));
    rows.push(("deadline", format!("#{}", t.deadline)));
    rows.push((
        "status",
        format!(
            "{} since #{}",
            swarms::status_text(&t.status),
            t.status_since
        ),
    ));
    if let Some(p) = &t.plan {
        let mut plan = format!(
            "{}, k={} quorum={}, {} per job",
            swarms::strategy_name(p.strategy),
            p.redundancy.k,
            p.redundancy.effective_quorum(),
            format_amount(p.job_budget)
        );
        if t.shards > 0 {
            plan.push_str(&format!(
                ", {} shards of at most {} tokens each ({} characters of each kept for the reduce job)",
                t.shards, p.shard_max_tokens, p.share_chars
            ));
        }
        rows.push(("plan", plan));
    }
    rows
}

fn tasks_table(rows: &[(TaskId, Task)]) -> comfy_table::Table {
    let mut t = table(&[
        "task", "type", "model", "status", "strategy", "shards", "budget", "deadline",
    ]);
    for (id, task) in rows {
        t.add_row(vec![
            id.to_string(),
            text(&task.task_type),
            text(&task.model),
            swarms::status_text(&task.status),
            task.plan.as_ref().map_or("-".into(), |p| {
                swarms::strategy_name(p.strategy).to_string()
            }),
            if task.shards > 0 {
                format!("{}/{} done", task.completed, task.shards)
            } else {
                "-".into()
            },
            format_amount(task.budget),
            format!("#{}", task.deadline),
        ]);
    }
    t
}

/// The blocks of `secs` seconds (rounded up).
fn ttl_blocks(secs: u64) -> Result<BlockNumber> {
    Ok(crate::parse::blocks_of_secs(secs, "--ttl")?)
}

fn blocks_text(blocks: BlockNumber) -> String {
    format!(
        "{blocks} blocks (~{} s)",
        u64::from(blocks) * MILLISECS_PER_BLOCK / 1000
    )
}

fn with_tx(v: Value, rows: Vec<(&'static str, String)>, tx: &TxReport) -> Report {
    Report::record(tx.with_json(v), &tx.with_rows(rows))
}

// ---- pools ----

impl JoinArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        let tt = text(&self.task_type);
        let m = crate::commands::miner::registered(&rpc, &name, &who).await?;
        if m.miner.status != jobs::MinerStatus::Active {
            bail!(
                "miner {} deregistered: only active miners join pools",
                keys::to_ss58(&who)
            );
        }
        let declared = profiles::profiles_of(&rpc, &who).await?;
        let profile = match (self.profile, declared.as_slice()) {
            (Some(p), _) if declared.contains(&p) => p,
            (Some(p), _) => bail!(
                "wallet '{name}' has not declared profile {} (declare it first: aitbc miner declare-profile {})",
                profiles::hex_id(&p),
                profiles::hex_id(&p)
            ),
            (None, [one]) => *one,
            (None, []) => bail!(
                "wallet '{name}' has declared no execution profile: declare the one it runs first (aitbc profile list; aitbc miner declare-profile ID)"
            ),
            (None, many) => bail!(
                "wallet '{name}' has declared {} profiles; choose one with --profile: {}",
                many.len(),
                many.iter().map(profiles::hex_id).collect::<Vec<_>>().join(", ")
            ),
        };
        let pool = swarms::members(&rpc, &self.task_type).await?;
        if pool.iter().any(|m| m.miner == who) {
            bail!("wallet '{name}' is already in the pool of {tt:?} (see: aitbc swarm members --task-type {tt})");
        }
        let Some(agent) = aitbc_client::agents::agent(&rpc, self.agent_id).await? else {
            bail!(
                "agent #{} is not registered (see: aitbc agent list; register one with aitbc agent create)",
                self.agent_id
            );
        };
        let profile_model = profiles::existing_profile(&rpc, profile)
            .await?
            .profile
            .model;
        if agent.version.spec.model != profile_model {
            bail!(
                "agent #{} runs model {:?}, but profile {} is of {:?}: join with an agent of the profile's model",
                self.agent_id,
                text(&agent.version.spec.model),
                profiles::hex_id(&profile),
                text(&profile_model)
            );
        }
        if pool.len() >= swarms::MAX_MEMBERS as usize {
            bail!("the pool of {tt:?} is full ({} members)", pool.len());
        }
        let mine = swarms::memberships(&rpc, &who).await?;
        if mine.len() >= swarms::MAX_MEMBERSHIPS as usize {
            bail!(
                "wallet '{name}' is in {} pools, the most a miner may be in: leave one first",
                mine.len()
            );
        }
        let call = swarms::join(self.agent_id, self.task_type.clone(), profile);
        let label = format!("Joining the pool of {tt}");
        let (_, tx) = send_call(ctx, &rpc, &name, call, &label, SendOpts::default()).await?;
        let members = swarms::members(&rpc, &self.task_type).await?;
        let v = json!({
            "task_type": tt,
            "miner": keys::to_ss58(&who),
            "agent_id": self.agent_id,
            "profile": profiles::hex_id(&profile),
            "members": members.len(),
            "result": "joined",
            "note": "awaiting coordination: the pool's tasks are dispatched with `aitbc swarm coordinate`",
        });
        let rows = vec![
            ("task type", tt.clone()),
            ("miner", keys::to_ss58(&who)),
            ("agent id", format!("#{}", self.agent_id)),
            ("profile", profiles::hex_id(&profile)),
            ("members", members.len().to_string()),
            (
                "result",
                "joined: awaiting coordination (the pool's tasks are dispatched with `aitbc swarm coordinate`)"
                    .to_string(),
            ),
        ];
        Ok(with_tx(v, rows, &tx))
    }
}

impl LeaveArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        let tt = text(&self.task_type);
        if !swarms::members(&rpc, &self.task_type)
            .await?
            .iter()
            .any(|m| m.miner == who)
        {
            bail!("wallet '{name}' is not in the pool of {tt:?} (see: aitbc swarm list --miner {name})");
        }
        let (_, tx) = send_call(
            ctx,
            &rpc,
            &name,
            swarms::leave(self.task_type.clone()),
            &format!("Leaving the pool of {tt}"),
            SendOpts::default(),
        )
        .await?;
        let v = json!({"task_type": tt, "miner": keys::to_ss58(&who), "result": "left"});
        let rows = vec![
            ("task type", tt),
            ("miner", keys::to_ss58(&who)),
            ("result", "left".to_string()),
        ];
        Ok(with_tx(v, rows, &tx))
    }
}

impl ListArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let rpc = ctx.connect().await?;
        if let Some(m) = self.miner.as_deref() {
            let who = resolve_account(ctx, m)?;
            let mine = swarms::memberships(&rpc, &who).await?;
            let address = keys::to_ss58(&who);
            let json_rows: Vec<Value> = mine.iter().map(|(t, m)| member_json(t, m)).collect();
            let rows: Vec<(Vec<u8>, Member)> =
                mine.into_iter().map(|(t, m)| (t.into_inner(), m)).collect();
            return Ok(Report::list(
                json!({"miner": address, "pools": json_rows}),
                rows.is_empty(),
                &format!("{address} is in no pool."),
                members_table(&rows),
            ));
        }
        let pools = swarms::all_pools(&rpc, self.limit as usize).await?;
        let mut t = table(&["task type", "members"]);
        let mut json_rows = Vec::new();
        for p in &pools {
            t.add_row(vec![text(&p.task_type), p.members.to_string()]);
            json_rows.push(json!({"task_type": text(&p.task_type), "members": p.members}));
        }
        Ok(Report::list(
            json!(json_rows),
            pools.is_empty(),
            "No pool has members.",
            t,
        ))
    }
}

impl MembersArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let rpc = ctx.connect().await?;
        let tt = text(&self.task_type);
        let members = swarms::members(&rpc, &self.task_type).await?;
        let json_rows: Vec<Value> = members
            .iter()
            .map(|m| member_json(&self.task_type, m))
            .collect();
        let rows: Vec<(Vec<u8>, Member)> = members
            .into_iter()
            .map(|m| (self.task_type.to_vec(), m))
            .collect();
        Ok(Report::list(
            json!({"task_type": tt, "members": json_rows}),
            rows.is_empty(),
            &format!("The pool of {tt:?} has no members."),
            members_table(&rows),
        ))
    }
}

impl PruneArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let miner = resolve_account(ctx, &self.miner)?;
        let address = keys::to_ss58(&miner);
        let tt = text(&self.task_type);
        let name = ctx.wallet_name(None)?;
        let rpc = ctx.connect().await?;
        let Some(member) = swarms::members(&rpc, &self.task_type)
            .await?
            .into_iter()
            .find(|m| m.miner == miner)
        else {
            bail!("{address} is not in the pool of {tt:?}: nothing to prune");
        };
        let active = jobs::miner(&rpc, &miner)
            .await?
            .is_some_and(|m| m.miner.status == jobs::MinerStatus::Active);
        let runs = profiles::profiles_of(&rpc, &miner)
            .await?
            .contains(&member.profile);
        if active && runs {
            bail!(
                "{address} is an active miner that still declares profile {}: only it may leave (`aitbc swarm leave` as that wallet)",
                profiles::hex_id(&member.profile)
            );
        }
        let (_, tx) = send_call(
            ctx,
            &rpc,
            &name,
            swarms::prune_member(self.task_type.clone(), miner),
            &format!("Pruning {} from {tt}", short(&address)),
            SendOpts::default(),
        )
        .await?;
        let v = json!({"task_type": tt, "miner": address, "result": "pruned"});
        let rows = vec![
            ("task type", tt),
            ("miner", address),
            ("result", "pruned".to_string()),
        ];
        Ok(with_tx(v, rows, &tx))
    }
}

// ---- tasks ----

impl CreateArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let text_in = match (&self.input, &self.prompt) {
            (Some(path), _) => std::fs::read_to_string(path).with_context(|| {
                format!("cannot read the input file {} (UTF-8 text)", path.display())
            })?,
            (None, Some(p)) => p.clone(),
            (None, None) => bail!("give the task's input with --input FILE or --prompt TEXT"),
        };
        let (input, paragraphs) = swarms::task_input_of(&text_in)?;
        let instruction = self
            .instruction
            .as_deref()
            .map(swarms::instruction)
            .transpose()?;
        let ttl = ttl_blocks(self.ttl)?;
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        let model = match (self.agent_id, &self.model) {
            (Some(id), given) => {
                let Some(agent) = aitbc_client::agents::agent(&rpc, id).await? else {
                    bail!("agent #{id} is not registered (see: aitbc agent list)");
                };
                let model = text(&agent.version.spec.model);
                if let Some(m) = given.as_deref().filter(|m| m.trim() != model) {
                    bail!("agent #{id} runs model {model:?}, not {m:?}: leave --model out");
                }
                let bytes = input.len() + instruction.as_ref().map_or(0, |i| i.len() + 2);
                if bytes > aitbc_primitives::MAX_STEP_TEXT_BYTES as usize {
                    bail!(
                        "an agent task's instruction and input are {bytes} bytes together; an agent run's input holds at most {} bytes",
                        aitbc_primitives::MAX_STEP_TEXT_BYTES
                    );
                }
                model
            }
            (None, Some(m)) => m.trim().to_string(),
            (None, None) => bail!("give the model with --model, or the agent with --agent-id"),
        };
        jobs::model_name(&model)?;
        let profile = match self.profile {
            Some(p) => {
                let r = profiles::existing_profile(&rpc, p).await?;
                if r.profile.model.as_slice() != model.as_bytes() {
                    bail!(
                        "profile {} runs model {:?}, not {:?}",
                        profiles::hex_id(&p),
                        text(&r.profile.model),
                        model
                    );
                }
                p
            }
            None => model_profile(&rpc, &model).await?,
        };
        let rules = swarms::rules(&rpc, &who).await?;
        if ttl < rules.min_job_ttl || ttl > rules.max_job_ttl {
            bail!(
                "--ttl {} s is {}; a task's TTL is between one redundant job's least TTL, {}, and {} (a map-reduce task needs twice the least when it is coordinated)",
                self.ttl,
                blocks_text(ttl),
                blocks_text(rules.min_job_ttl),
                blocks_text(rules.max_job_ttl)
            );
        }
        let deposits = swarms::Deposits::fetch(&rpc).await?;
        let bytes = input.len() + instruction.as_ref().map_or(0, |i| i.len());
        let deposit = deposits.for_bytes(bytes);
        let call = swarms::create_task(
            self.task_type.clone(),
            profile,
            input,
            instruction,
            self.payment,
            ttl,
            self.agent_id,
        )?;
        let opts = SendOpts {
            spend: self.payment.saturating_add(deposit),
            ..Default::default()
        };
        let label = format!("Creating a task for {}", text(&self.task_type));
        let (outcome, tx) = send_call(ctx, &rpc, &name, call, &label, opts).await?;
        let id = swarms::created_task_id(&outcome)
            .context("the transaction went through but carried no TaskCreated event")?;
        let task = swarms::existing_task(&rpc, id).await?;
        let mut v = task_json(id, &task);
        v["result"] = json!("created");
        let mut rows = task_rows(id, &task);
        rows.push(("deposit", format_amount(task.deposit)));
        rows.push((
            "next",
            format!(
                "aitbc swarm coordinate --task-id {id} --strategy map-reduce (the input has {paragraphs} paragraphs)"
            ),
        ));
        Ok(with_tx(v, rows, &tx))
    }
}

/// The fewest shards (at least two when there are two paragraphs) whose every shard fits a
/// job's prompt.
fn default_shards(input: &[u8], paragraphs: u32) -> Result<u8> {
    let most = paragraphs.min(swarms::MAX_SHARDS);
    let least = 2.min(most).max(1);
    for n in least..=most {
        if swarms::check_split(input, Strategy::MapReduce { shards: n as u8 }).is_ok() {
            return Ok(n as u8);
        }
    }
    // No split fits: say why for the largest.
    swarms::check_split(input, Strategy::MapReduce { shards: most as u8 })?;
    bail!("the input cannot be split into shards that fit a job's prompt")
}

impl CoordinateArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let id = self.task_id;
        let k = self.redundancy;
        let quorum = self.quorum.unwrap_or(0);
        // Checked offline first.
        swarms::coordinate(id, Strategy::Redundant, k, quorum)?;
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        let task = swarms::existing_task(&rpc, id).await?;
        if task.owner != who {
            bail!(
                "task {id} belongs to {}, not to wallet '{name}' ({}): only its owner coordinates it",
                keys::to_ss58(&task.owner),
                keys::to_ss58(&who)
            );
        }
        match &task.status {
            TaskStatus::Created => {}
            s if s.is_ended() => bail!("task {id} has ended ({})", swarms::status_text(s)),
            _ => bail!("task {id} is already coordinated (see: aitbc swarm status {id})"),
        }
        let input = swarms::task_input(&rpc, id)
            .await?
            .context("the task's input is missing")?;
        let strategy = match (self.strategy, self.shards) {
            (StrategyArg::Redundant, Some(_)) => bail!("--shards is for --strategy map-reduce"),
            (StrategyArg::Redundant, None) => Strategy::Redundant,
            (StrategyArg::MapReduce, Some(n)) => Strategy::MapReduce { shards: n },
            (StrategyArg::MapReduce, None) => Strategy::MapReduce {
                shards: default_shards(&input, task.paragraphs)?,
            },
        };
        swarms::check_split(&input, strategy)?;
        let call = swarms::coordinate(id, strategy, k, quorum)?;
        // Members that can take the jobs: active miners that still declare the task's profile.
        let members = swarms::members(&rpc, &task.task_type).await?;
        let mut eligible = 0;
        for m in members.iter().filter(|m| m.profile == task.profile) {
            let active = jobs::miner(&rpc, &m.miner)
                .await?
                .is_some_and(|i| i.miner.status == jobs::MinerStatus::Active);
            if active
                && profiles::profiles_of(&rpc, &m.miner)
                    .await?
                    .contains(&task.profile)
            {
                eligible += 1;
            }
        }
        let tt = text(&task.task_type);
        if eligible < usize::from(k) {
            bail!(
                "the pool of {tt:?} has {eligible} members that are active miners running the task's profile {}, fewer than --redundancy {k} (members join with: aitbc swarm join --agent-id ID --task-type {tt})",
                short(&profiles::hex_id(&task.profile))
            );
        }
        let rules = swarms::rules(&rpc, &who).await?;
        let jobs_count: u32 = match strategy {
            Strategy::MapReduce { shards } => u32::from(shards) + 1,
            Strategy::Redundant => 1,
        };
        let job_budget = task.budget / Balance::from(jobs_count);
        let least = rules.min_payment.saturating_mul(k.into());
        if job_budget < least {
            bail!(
                "the task's budget {} over its {jobs_count} jobs is {} each, less than {k} minimum payments ({}): use fewer shards or a smaller --redundancy",
                format_amount(task.budget),
                format_amount(job_budget),
                format_amount(least)
            );
        }
        let best = rpc.best_header().await?.number;
        let left = task.deadline.saturating_sub(best);
        let needed = if matches!(strategy, Strategy::MapReduce { .. }) {
            rules.min_job_ttl.saturating_mul(2)
        } else {
            rules.min_job_ttl
        };
        if left < needed {
            bail!(
                "task {id} has {} left before its deadline (#{}); {} needs {}",
                blocks_text(left),
                task.deadline,
                swarms::strategy_name(strategy),
                blocks_text(needed)
            );
        }
        if rules.open_slots == 0 {
            bail!("wallet '{name}' has as many open jobs as the chain allows: wait for one to end");
        }
        let label = format!("Coordinating task {id}");
        let (_, tx) = send_call(ctx, &rpc, &name, call, &label, SendOpts::default()).await?;
        let progress = swarms::progress(&rpc, id)
            .await?
            .context("the task is gone")?;
        let t = &progress.task;
        let submitted: Vec<(String, u64)> = progress
            .parts
            .iter()
            .filter_map(|p| p.record.job.map(|j| (swarms::part_name(p.part), j)))
            .collect();
        let waiting = t.shards.saturating_sub(t.submitted);
        let mut v = task_json(id, t);
        v["tracking_id"] = json!(id);
        v["jobs"] = json!(submitted
            .iter()
            .map(|(p, j)| json!({"part": p, "job_id": j}))
            .collect::<Vec<_>>());
        v["waiting_shards"] = json!(waiting);
        v["result"] = json!("dispatched");
        let mut rows = vec![("tracking id", id.to_string())];
        rows.extend(task_rows(id, t));
        rows.push((
            "jobs",
            submitted
                .iter()
                .map(|(p, j)| format!("{p}: job {j}"))
                .collect::<Vec<_>>()
                .join(", "),
        ));
        if waiting > 0 {
            rows.push((
                "waiting",
                format!("{waiting} shards, submitted as this wallet's job slots free"),
            ));
        }
        rows.push((
            "result",
            format!("dispatched; follow it with: aitbc swarm status {id}"),
        ));
        Ok(with_tx(v, rows, &tx))
    }
}

fn outcome_json(o: &PartOutcome<Balance>) -> Value {
    json!({
        "status": job_status_name(o.status),
        "settled": o.settled,
        "agreed_output_hash": o.agreed.map(|h| format!("{h:?}")),
        "participants": o.participants,
        "revealed": o.revealed,
        "agreeing": o.agreeing,
        "replaced": o.replaced,
        "agreeing_stake": format_amount_json(o.agreeing_stake),
        "participant_stake": format_amount_json(o.participant_stake),
        "paid": format_amount_json(o.paid),
        "disputes": o.disputes.iter().map(|d| json!({
            "outcome": outcome_name(d.outcome),
            "margin_a_milli": d.margin_a_milli,
            "margin_b_milli": d.margin_b_milli,
        })).collect::<Vec<_>>(),
        "dispute_open": o.dispute_open,
        "min_margin_milli": o.min_margin_milli,
        "margins_reported": o.margins_reported,
    })
}

fn agreement_text(o: &PartOutcome<Balance>) -> String {
    if o.participants == 0 {
        return "-".into();
    }
    format!("{}/{}", o.agreeing, o.participants)
}

fn margin_text(m: Option<u32>) -> String {
    m.map_or("not reported".into(), |m| {
        format!("{:.3} logits", f64::from(m) / 1000.0)
    })
}

impl StatusArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let id = self.tracking_id;
        let rpc = ctx.connect().await?;
        let progress = swarms::progress(&rpc, id).await?.ok_or_else(|| {
            anyhow::anyhow!(
                "not found: swarm task #{id} (never created, or removed by its owner; see `aitbc swarm tasks`)"
            )
        })?;
        let t = &progress.task;
        let mut parts_json = Vec::new();
        let mut pt = table(&[
            "part", "job", "status", "round", "agreeing", "disputes", "chars", "budget",
        ]);
        let mut rounds: Vec<(String, aitbc_client::redundancy::Round)> = Vec::new();
        for p in &progress.parts {
            let round = match p.record.job {
                Some(job) => aitbc_client::redundancy::round(&rpc, job).await?,
                None => None,
            };
            let status = p
                .job_status
                .map(|s| job_status_name(s).to_string())
                .or_else(|| {
                    p.record
                        .outcome
                        .as_ref()
                        .map(|o| format!("{} (pruned)", job_status_name(o.status)))
                })
                .unwrap_or_else(|| "not submitted".into());
            let mut pj = json!({
                "part": swarms::part_name(p.part),
                "job_id": p.record.job,
                "job_status": p.job_status.map(job_status_name),
                "phase": p.phase.map(phase_name),
                "disputes": p.disputes,
                "chars": p.record.chars,
                "budget": format_amount_json(p.record.budget),
                "output_cut_for_reduce": p.record.cut,
                "outcome": p.record.outcome.as_ref().map(outcome_json),
                "round": round.as_ref().map(round_json),
            });
            if p.part == Part::Final && t.shards > 0 && p.record.job.is_none() {
                pj["note"] = json!("the reduce job is submitted when every shard completed");
            }
            parts_json.push(pj);
            pt.add_row(vec![
                swarms::part_name(p.part),
                p.record.job.map_or("-".into(), |j| j.to_string()),
                status,
                p.phase.map_or("-".into(), |ph| phase_name(ph).to_string()),
                p.record.outcome.as_ref().map_or("-".into(), agreement_text),
                p.disputes.to_string(),
                if p.record.chars > 0 {
                    p.record.chars.to_string()
                } else {
                    "-".into()
                },
                format_amount(p.record.budget),
            ]);
            if let Some(r) = round {
                if self.rounds
                    || p.phase
                        .is_some_and(|ph| ph != aitbc_client::redundancy::RoundPhase::Settled)
                {
                    rounds.push((swarms::part_name(p.part), r));
                }
            }
        }
        let mut v = task_json(id, t);
        v["tracking_id"] = json!(id);
        v["shards_done"] = json!(progress.shards_done);
        v["shards_agreeing"] = json!(progress.shards_agreeing);
        v["shards_disputed"] = json!(progress.shards_disputed);
        v["parts"] = json!(parts_json);
        let mut rows = task_rows(id, t);
        if t.shards > 0 {
            rows.push((
                "shards",
                format!(
                    "{} of {} done, {} agreeing, {} disputed ({} submitted)",
                    progress.shards_done,
                    t.shards,
                    progress.shards_agreeing,
                    progress.shards_disputed,
                    t.submitted
                ),
            ));
        }
        let mut report = Report::record(v, &rows).table(pt);
        for (part, r) in rounds {
            report = report
                .line(format!("Round of the {part} job:"))
                .kv(&round_rows(&r));
        }
        Ok(report)
    }
}

impl ConsensusArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let id = self.task_id;
        let rpc = ctx.connect().await?;
        // NotFound naming the task when it does not exist.
        swarms::existing_task(&rpc, id).await?;
        let c = swarms::consensus(&rpc, id)
            .await?
            .context("the task is gone")?;
        let totals = &c.totals;
        let output = c.output.as_ref().map(|o| text(o));
        let dispute_names = [
            DisputeOutcome::AWins,
            DisputeOutcome::BWins,
            DisputeOutcome::NearTie,
            DisputeOutcome::BothWrong,
            DisputeOutcome::RefereeMissed,
            DisputeOutcome::NoReferee,
        ];
        let disputes: Vec<Value> = dispute_names
            .iter()
            .filter(|o| totals.disputes[swarms::outcome_index(**o)] > 0)
            .map(|o| json!({"outcome": outcome_name(*o), "count": totals.disputes[swarms::outcome_index(*o)]}))
            .collect();
        let dispute_total: u32 = totals.disputes.iter().sum();
        let parts: Vec<Value> = c
            .parts
            .iter()
            .map(|(p, job, o)| {
                json!({
                    "part": swarms::part_name(*p),
                    "job_id": job,
                    "outcome": o.as_ref().map(outcome_json),
                })
            })
            .collect();
        let agreed = c.status == TaskStatus::Completed;
        let v = json!({
            "task_id": id,
            "status": swarms::status_word(&c.status),
            "failure": failure_json(&c.status),
            "agreed": agreed,
            "final_job": c.final_job,
            "result_hash": c.result_hash.map(|h| format!("{h:?}")),
            "result": output,
            "result_kept": c.output.is_some(),
            "confidence": {
                "jobs": totals.jobs,
                "jobs_agreed": totals.jobs_agreed,
                "jobs_settled": totals.jobs_settled,
                "participants": totals.participants,
                "agreeing": totals.agreeing,
                "agreeing_stake": format_amount_json(totals.agreeing_stake),
                "participant_stake": format_amount_json(totals.participant_stake),
                "stake_share_percent": totals.stake_share.map(|s| format!("{:.2}", f64::from(s.deconstruct()) / 1e7)),
                "disputes": dispute_total,
                "disputes_by_outcome": disputes,
                "min_margin_milli": totals.min_margin_milli,
                "margins_reported": totals.margins_reported,
                "paid": format_amount_json(totals.paid),
            },
            "parts": parts,
        });
        let mut rows = vec![
            ("task_id", id.to_string()),
            ("status", swarms::status_text(&c.status)),
        ];
        match (&output, agreed) {
            (Some(o), true) => rows.push(("result", o.clone())),
            (None, true) => rows.push((
                "result",
                format!(
                    "{} (hash only: the jobs pallet no longer keeps the final job's output)",
                    c.result_hash.map(|h| format!("{h:?}")).unwrap_or_default()
                ),
            )),
            _ => rows.push(("result", "no agreed result (yet)".into())),
        }
        if let Some(h) = c.result_hash {
            rows.push(("result hash", format!("{h:?}")));
        }
        rows.push((
            "jobs agreed",
            format!(
                "{} of {} recorded ({} settled: no dispute left)",
                totals.jobs_agreed, totals.jobs, totals.jobs_settled
            ),
        ));
        rows.push((
            "members agreeing",
            format!(
                "{} of {} participants over all jobs",
                totals.agreeing, totals.participants
            ),
        ));
        rows.push((
            "stake share",
            match totals.stake_share {
                Some(share) => format!(
                    "{:.2}% ({} of {} staked by the participants)",
                    f64::from(share.deconstruct()) / 1e7,
                    format_amount(totals.agreeing_stake),
                    format_amount(totals.participant_stake)
                ),
                None => "- (no participant recorded yet)".into(),
            },
        ));
        rows.push((
            "disputes",
            if dispute_total == 0 {
                "none".into()
            } else {
                dispute_names
                    .iter()
                    .filter(|o| totals.disputes[swarms::outcome_index(**o)] > 0)
                    .map(|o| {
                        format!(
                            "{} × {}",
                            totals.disputes[swarms::outcome_index(*o)],
                            outcome_name(*o)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; ")
            },
        ));
        rows.push((
            "smallest logit margin",
            format!(
                "{} ({} agreeing miners reported one)",
                margin_text(totals.min_margin_milli),
                totals.margins_reported
            ),
        ));
        rows.push(("paid", format_amount(totals.paid)));
        let mut pt = table(&[
            "part",
            "job",
            "status",
            "agreeing",
            "stake",
            "disputes",
            "min margin",
        ]);
        for (p, job, o) in &c.parts {
            let (status, agreeing, stake, disputes, margin) = match o {
                Some(o) => (
                    job_status_name(o.status).to_string(),
                    agreement_text(o),
                    format!(
                        "{} / {}",
                        format_amount(o.agreeing_stake),
                        format_amount(o.participant_stake)
                    ),
                    if o.disputes.is_empty() && !o.dispute_open {
                        "-".into()
                    } else {
                        let mut d: Vec<String> = o
                            .disputes
                            .iter()
                            .map(|d| outcome_name(d.outcome).to_string())
                            .collect();
                        if o.dispute_open {
                            d.push("one open".into());
                        }
                        d.join("; ")
                    },
                    margin_text(o.min_margin_milli),
                ),
                None => (
                    if job.is_some() {
                        "not ended yet"
                    } else {
                        "not submitted"
                    }
                    .into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                ),
            };
            pt.add_row(vec![
                swarms::part_name(*p),
                job.map_or("-".into(), |j| j.to_string()),
                status,
                agreeing,
                stake,
                disputes,
                margin,
            ]);
        }
        Ok(Report::record(v, &rows).table(pt))
    }
}

impl TasksArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let who = match self.owner.as_deref() {
            Some(o) => resolve_account(ctx, o)?,
            None => {
                let name = ctx.wallet_name(None)?;
                wallet_account(ctx, &name)?
            }
        };
        let rpc = ctx.connect().await?;
        let mut all: Vec<(TaskId, Task)> = Vec::new();
        let mut from = 0;
        while all.len() < self.limit as usize {
            let page = swarms::tasks_by_owner(&rpc, &who, from, self.limit).await?;
            let Some(last) = page.last().map(|(id, _)| *id) else {
                break;
            };
            all.extend(page);
            from = last + 1;
        }
        all.truncate(self.limit as usize);
        let json_rows: Vec<Value> = all.iter().map(|(id, t)| task_json(*id, t)).collect();
        Ok(Report::list(
            json!(json_rows),
            all.is_empty(),
            &format!("{} has no swarm tasks.", keys::to_ss58(&who)),
            tasks_table(&all),
        ))
    }
}

/// The wallet's own task `id`, or an error naming its owner.
async fn owned_task(rpc: &RpcClient, name: &str, who: &AccountId, id: TaskId) -> Result<Task> {
    let task = swarms::existing_task(rpc, id).await?;
    if task.owner != *who {
        bail!(
            "task {id} belongs to {}, not to wallet '{name}'",
            keys::to_ss58(&task.owner)
        );
    }
    Ok(task)
}

impl CancelArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let id = self.task_id;
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        let task = owned_task(&rpc, &name, &who, id).await?;
        match &task.status {
            TaskStatus::Created => {}
            s if s.is_ended() => bail!("task {id} has ended ({})", swarms::status_text(s)),
            _ => bail!("task {id} is coordinated: its jobs run to their end (see: aitbc swarm status {id})"),
        }
        let (_, tx) = send_call(
            ctx,
            &rpc,
            &name,
            swarms::cancel_task(id),
            &format!("Cancelling task {id}"),
            SendOpts::default(),
        )
        .await?;
        let task = swarms::existing_task(&rpc, id).await?;
        let mut v = task_json(id, &task);
        v["result"] = json!("cancelled");
        v["returned"] = json!(format_amount_json(task.budget));
        let mut rows = task_rows(id, &task);
        rows.push(("returned", format_amount(task.budget)));
        Ok(with_tx(v, rows, &tx))
    }
}

impl RemoveArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let id = self.task_id;
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        let task = owned_task(&rpc, &name, &who, id).await?;
        if !task.status.is_ended() {
            bail!(
                "task {id} has not ended ({}): remove it once it has",
                swarms::status_text(&task.status)
            );
        }
        if task.open_jobs > 0 {
            bail!(
                "{} of task {id}'s jobs have not ended or are still refereeing: remove it once they have (see: aitbc swarm status {id})",
                task.open_jobs
            );
        }
        let (_, tx) = send_call(
            ctx,
            &rpc,
            &name,
            swarms::remove_task(id),
            &format!("Removing task {id}"),
            SendOpts::default(),
        )
        .await?;
        let v = json!({"task_id": id, "result": "removed", "deposit": format_amount_json(task.deposit)});
        let rows = vec![
            ("task_id", id.to_string()),
            ("result", "removed".to_string()),
            ("deposit returned", format_amount(task.deposit)),
        ];
        Ok(with_tx(v, rows, &tx))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_split_is_the_fewest_shards_that_fit() {
        let input = "a\n\nb\n\nc".as_bytes();
        assert_eq!(default_shards(input, 3).unwrap(), 2);
        assert_eq!(default_shards(b"only", 1).unwrap(), 1);
        let long = format!(
            "{}\n\n{}\n\n{}",
            "a".repeat(3_000),
            "b".repeat(3_000),
            "c".repeat(3_000)
        );
        assert_eq!(default_shards(long.as_bytes(), 3).unwrap(), 3);
        let too_long = format!("{}\n\nb", "a".repeat(4_500));
        let e = default_shards(too_long.as_bytes(), 2)
            .unwrap_err()
            .to_string();
        assert!(e.contains("4500 characters"), "{e}");
        assert_eq!(task_id("#7").unwrap(), 7);
        assert!(task_id("x").is_err());
    }
}
