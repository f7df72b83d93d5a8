//! `aitbc agent ...`: AI agents (pallet `Agents`, seed §5). An agent is a configured,
//! reusable AI worker: `create` registers one from a JSON configuration (validated against the
//! schema in docs/AGENTS.md and stored canonicalized), `update` stores a new version, `delete`
//! removes it; `execute` runs it as a job on the network and `trace` prints a run's steps and
//! checks them against the root the chain computed.
//!
//! Everything shown is read from the chain through `AgentsApi`.

use crate::commands::job_submit::wait_for_end;
use crate::context::Ctx;
use crate::names::job_status_name;
use crate::output::{short, table, Report};
use crate::parse;
use crate::report::TxReport;
use crate::submit::{send_call, wallet_account, SendOpts};
use aitbc_agent::{parse_config, AgentConfig};
use aitbc_client::{
    agents::{self, AgentId, AgentView, RunView, StepKind, TraceStep},
    amount::{format_amount, format_amount_json},
    jobs, keys,
    runtime::{AccountId, Balance, MILLISECS_PER_BLOCK},
};
use aitbc_primitives::{AgentKind, AgentLimits, RunStatus};
use anyhow::{bail, Context as _, Result};
use clap::{Args, Subcommand, ValueEnum};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Subcommand, Debug)]
pub enum AgentCmd {
    /// Register an agent from a JSON configuration; prints its agent_id.
    #[command(
        after_help = "Examples:\n  aitbc agent create --name \"data_analyzer\" --type analysis --config agent_config.json\n\nagent_config.json (schema: docs/AGENTS.md):\n  {\"model\": \"smollm2\", \"price_cap\": \"0.5\", \"tools\": [\"calculator\", \"table_stats\"],\n   \"system_prompt\": \"You analyse tables.\", \"limits\": {\"max_steps\": 6}}"
    )]
    Create(CreateArgs),
    /// Agents on chain (yours with --mine).
    #[command(after_help = "Examples:\n  aitbc agent list\n  aitbc agent list --mine")]
    List(ListArgs),
    /// One agent: its latest version, configuration, tools, limits and runs.
    #[command(after_help = "Example:\n  aitbc agent show 0")]
    Show(ShowArgs),
    /// Store a new version of your agent (runs already submitted keep theirs).
    #[command(after_help = "Example:\n  aitbc agent update 0 --config agent_config.json")]
    Update(UpdateArgs),
    /// Delete your agent (no run may be open); every deposit returns.
    #[command(after_help = "Example:\n  aitbc agent delete 0")]
    Delete(DeleteArgs),
    /// Run an agent on the network as a job and wait for its answer.
    #[command(
        after_help = "Examples:\n  aitbc agent execute --agent-id 0 --input \"Analyze Q3 financial data\" --file q3.csv\n  aitbc agent execute --agent-id 0 --input \"What is 17*23?\" --payment 0.1\n  aitbc agent execute --agent-id 0 --input \"What is 17*23?\" --redundancy 3   # exact mode, 3 miners agree"
    )]
    Execute(ExecuteArgs),
    /// A run's steps (thought, tool call, observation, answer), checked against the root the
    /// chain computed; --export writes them to a file, --check verifies such a file.
    #[command(
        after_help = "Examples:\n  aitbc agent trace 12\n  aitbc agent trace 12 --export run12.json\n  aitbc agent trace --check run12.json"
    )]
    Trace(TraceArgs),
}

impl AgentCmd {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        match self {
            AgentCmd::Create(a) => a.run(ctx).await,
            AgentCmd::List(a) => a.run(ctx).await,
            AgentCmd::Show(a) => a.run(ctx).await,
            AgentCmd::Update(a) => a.run(ctx).await,
            AgentCmd::Delete(a) => a.run(ctx).await,
            AgentCmd::Execute(a) => a.run(ctx).await,
            AgentCmd::Trace(a) => a.run(ctx).await,
        }
    }
}

/// What an agent is for (`--type`).
#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindArg {
    Analysis,
    Research,
    Assistant,
    Coding,
    Automation,
}

impl From<KindArg> for AgentKind {
    fn from(k: KindArg) -> Self {
        match k {
            KindArg::Analysis => AgentKind::Analysis,
            KindArg::Research => AgentKind::Research,
            KindArg::Assistant => AgentKind::Assistant,
            KindArg::Coding => AgentKind::Coding,
            KindArg::Automation => AgentKind::Automation,
        }
    }
}

fn kind_name(k: AgentKind) -> &'static str {
    match k {
        AgentKind::Analysis => "analysis",
        AgentKind::Research => "research",
        AgentKind::Assistant => "assistant",
        AgentKind::Coding => "coding",
        AgentKind::Automation => "automation",
    }
}

/// An agent id: `7` or `#7`.
pub fn agent_id(s: &str) -> aitbc_client::Result<AgentId> {
    s.trim().trim_start_matches('#').parse().map_err(|_| {
        aitbc_client::Error::InvalidInput(format!(
            "agent id {s:?} is not a number (agent ids look like 7; see `aitbc agent list`)"
        ))
    })
}

/// `aitbc agent create`.
#[derive(Args, Debug)]
pub struct CreateArgs {
    /// The agent's name (1 to 64 bytes).
    #[arg(long)]
    pub name: String,
    /// What the agent is for.
    #[arg(long = "type", value_enum)]
    pub kind: KindArg,
    /// The JSON configuration (schema: docs/AGENTS.md).
    #[arg(long)]
    pub config: PathBuf,
}

/// `aitbc agent list`.
#[derive(Args, Debug)]
pub struct ListArgs {
    /// Only the wallet's agents.
    #[arg(long)]
    pub mine: bool,
    /// Only this account's agents (an address or a wallet's name).
    #[arg(long, conflicts_with = "mine")]
    pub owner: Option<String>,
    /// At most this many, from the lowest id.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
}

/// `aitbc agent show`.
#[derive(Args, Debug)]
pub struct ShowArgs {
    /// The agent.
    #[arg(value_parser = agent_id)]
    pub agent_id: AgentId,
}

/// `aitbc agent update`.
#[derive(Args, Debug)]
pub struct UpdateArgs {
    /// The agent.
    #[arg(value_parser = agent_id)]
    pub agent_id: AgentId,
    /// The new JSON configuration.
    #[arg(long)]
    pub config: PathBuf,
    /// A new name (default: the current one).
    #[arg(long)]
    pub name: Option<String>,
    /// A new type (default: the current one).
    #[arg(long = "type", value_enum)]
    pub kind: Option<KindArg>,
}

/// `aitbc agent delete`.
#[derive(Args, Debug)]
pub struct DeleteArgs {
    /// The agent.
    #[arg(value_parser = agent_id)]
    pub agent_id: AgentId,
}

/// `aitbc agent execute`.
#[derive(Args, Debug)]
pub struct ExecuteArgs {
    /// The agent.
    #[arg(long, value_parser = agent_id)]
    pub agent_id: AgentId,
    /// What to do (at most 1024 bytes).
    #[arg(long)]
    pub input: String,
    /// A data file the agent's tools read (CSV or JSON, at most 16 KiB).
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// Most to pay, in AIT (default: the agent's price cap); the run pays per step used.
    #[arg(long, value_parser = parse::positive_amount)]
    pub payment: Option<Balance>,
    /// Seconds until the run expires (refunded) if no miner finishes it.
    #[arg(long, default_value_t = 1_800)]
    pub ttl: u64,
    /// Submit and print the run's id without waiting for its answer.
    #[arg(long, conflicts_with = "stream")]
    pub no_wait: bool,
    /// Print each step (thought, tool call, observation, answer) as the miner produces it,
    /// from the miner's stream endpoint (asked for with your signature).
    #[arg(long)]
    pub stream: bool,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 900)]
    pub timeout: u64,
    /// Run it on K distinct miners of one execution profile (2 to 7), in exact mode: each
    /// decodes as the profile says, records its own trace and commits to its answer before
    /// anyone reveals; the run completes with the answer the quorum gave, and takes the trace
    /// of a miner that gave it. The payment covers all of them.
    #[arg(long, value_parser = clap::value_parser!(u8).range(2..=7), conflicts_with = "stream")]
    pub redundancy: Option<u8>,
    /// With --redundancy: how many must give the same answer (a strict majority of K; default
    /// the larger of ⌈2K/3⌉ and a strict majority).
    #[arg(long, requires = "redundancy", value_parser = clap::value_parser!(u8).range(1..=7))]
    pub quorum: Option<u8>,
    /// With --redundancy: how the agreeing miners are paid (default: each its own metered
    /// price).
    #[arg(long, value_enum, requires = "redundancy")]
    pub payout: Option<crate::commands::job_submit::PayoutArg>,
    /// With --redundancy: the execution profile (0x + 64 hex digits; `aitbc profile list`).
    /// Default: the agent model's registered profile, when it has exactly one.
    #[arg(long, requires = "redundancy", value_parser = parse::hash)]
    pub profile: Option<aitbc_client::runtime::Hash>,
}

/// `aitbc agent trace`.
#[derive(Args, Debug)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["run", "check"])))]
pub struct TraceArgs {
    /// The run (its job's id).
    #[arg(value_parser = parse::job_id)]
    pub run: Option<u64>,
    /// Write the run's steps to this file (JSON) as well.
    #[arg(long, requires = "run")]
    pub export: Option<PathBuf>,
    /// Check an exported trace file against the chain's root for its run.
    #[arg(long)]
    pub check: Option<PathBuf>,
}

// ---- shared ----

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn with_tx(v: Value, rows: Vec<(&'static str, String)>, tx: &TxReport) -> Report {
    Report::record(tx.with_json(v), &tx.with_rows(rows))
}

/// Read `path` (a `what`), refusing past `max` bytes without reading more than one byte beyond.
pub(crate) fn read_at_most(path: &PathBuf, max: usize, what: &str) -> Result<Vec<u8>> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)
        .with_context(|| format!("cannot read the {what} {}", path.display()))?;
    let mut bytes = Vec::new();
    file.take(max as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read the {what} {}", path.display()))?;
    if bytes.len() > max {
        bail!(
            "{} is over {max} bytes: too large for a {what}",
            path.display()
        );
    }
    Ok(bytes)
}

fn read_config(path: &PathBuf) -> Result<AgentConfig> {
    let bytes = read_at_most(path, aitbc_agent::config::MAX_CONFIG_BYTES, "configuration")?;
    parse_config(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

fn spec_input(name: &str, kind: AgentKind, config: &AgentConfig) -> Result<agents::SpecInput> {
    Ok(agents::SpecInput {
        name: agents::agent_name(name)?,
        kind,
        config: config.canonical_bytes(),
        model: config.model.clone(),
        tools: config
            .tools
            .iter()
            .map(|t| t.as_str().to_string())
            .collect(),
        limits: AgentLimits {
            max_steps: config.limits.max_steps,
            max_tokens: config.limits.max_tokens,
            max_tool_calls: config.limits.max_tool_calls,
            deadline_blocks: parse::blocks_of_secs(
                config.limits.deadline_secs.into(),
                "limits.deadline_secs",
            )?,
        },
        price_cap: config.price_cap,
    })
}

fn tools_text(tools: &[aitbc_primitives::ToolId]) -> String {
    if tools.is_empty() {
        return "none".into();
    }
    tools.iter().map(|t| text(t)).collect::<Vec<_>>().join(", ")
}

fn limits_json(l: &AgentLimits) -> Value {
    json!({
        "max_steps": l.max_steps,
        "max_tokens": l.max_tokens,
        "max_tool_calls": l.max_tool_calls,
        "deadline_blocks": l.deadline_blocks,
        "deadline_secs": u64::from(l.deadline_blocks) * MILLISECS_PER_BLOCK / 1000,
    })
}

fn limits_text(l: &AgentLimits) -> String {
    format!(
        "{} steps, {} tokens, {} tool calls, {} s",
        l.max_steps,
        l.max_tokens,
        l.max_tool_calls,
        u64::from(l.deadline_blocks) * MILLISECS_PER_BLOCK / 1000
    )
}

/// An agent as stable JSON.
pub fn agent_json(a: &AgentView) -> Value {
    let spec = &a.version.spec;
    // The chain stores the canonical bytes the CLI made: shown as they are.
    let config =
        serde_json::from_slice::<Value>(&spec.config).unwrap_or_else(|_| json!(text(&spec.config)));
    json!({
        "agent_id": a.id,
        "name": text(&spec.name),
        "type": kind_name(spec.kind),
        "owner": keys::to_ss58(&a.agent.owner),
        "version": a.agent.latest,
        "stored_versions": a.stored_versions,
        "model": text(&spec.model),
        "tools": spec.tools.iter().map(|t| text(t)).collect::<Vec<_>>(),
        "limits": limits_json(&spec.limits),
        "price_cap": format_amount_json(spec.price_cap),
        "config_hash": format!("{:?}", a.version.config_hash),
        "config": config,
        "deposit": format_amount_json(a.version.deposit),
        "created_at": a.agent.created_at,
        "updated_at": a.agent.updated_at,
        "open_runs": a.agent.open_runs,
        "total_runs": a.agent.total_runs,
    })
}

fn agent_rows(a: &AgentView) -> Vec<(&'static str, String)> {
    let spec = &a.version.spec;
    vec![
        ("agent_id", a.id.to_string()),
        ("name", text(&spec.name)),
        ("type", kind_name(spec.kind).into()),
        ("owner", keys::to_ss58(&a.agent.owner)),
        ("version", a.agent.latest.to_string()),
        ("model", text(&spec.model)),
        ("tools", tools_text(&spec.tools)),
        ("limits", limits_text(&spec.limits)),
        ("price cap", format_amount(spec.price_cap)),
        ("config hash", format!("{:?}", a.version.config_hash)),
        ("deposit", format_amount(a.version.deposit)),
        (
            "runs",
            format!("{} open, {} in all", a.agent.open_runs, a.agent.total_runs),
        ),
    ]
}

pub(crate) fn owned(a: &AgentView, who: &AccountId, name: &str) -> Result<()> {
    if a.agent.owner != *who {
        bail!(
            "agent #{} belongs to {}, not to wallet '{name}'",
            a.id,
            keys::to_ss58(&a.agent.owner)
        );
    }
    Ok(())
}

// ---- registry ----

impl CreateArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let config = read_config(&self.config)?;
        let input = spec_input(&self.name, self.kind.into(), &config)?;
        let name = ctx.wallet_name(None)?;
        let rpc = ctx.connect().await?;
        let approved = agents::approved_tools(&rpc).await?;
        let call = agents::create_agent(input, &approved)?;
        let label = format!("Creating agent {}", self.name);
        let (outcome, tx) = send_call(ctx, &rpc, &name, call, &label, SendOpts::default()).await?;
        let id = agents::created_agent_id(&outcome)
            .context("the transaction went through but carried no AgentCreated event")?;
        let a = agents::existing_agent(&rpc, id).await?;
        let mut v = agent_json(&a);
        v["result"] = json!("registered");
        let mut rows = agent_rows(&a);
        rows.push((
            "result",
            "registered and ready: run it with `aitbc agent execute --agent-id ID --input TEXT`"
                .into(),
        ));
        Ok(with_tx(v, rows, &tx))
    }
}

impl ListArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let rpc = ctx.connect().await?;
        let owner = match (&self.owner, self.mine) {
            (Some(o), _) => Some(crate::commands::wallet::resolve_account(ctx, o)?),
            (None, true) => {
                let name = ctx.wallet_name(None)?;
                Some(wallet_account(ctx, &name)?)
            }
            (None, false) => None,
        };
        let mut all: Vec<AgentView> = Vec::new();
        let mut from = 0;
        while all.len() < self.limit as usize {
            let page = agents::agents(&rpc, owner.as_ref(), from, self.limit).await?;
            let Some(last) = page.last() else { break };
            from = last.id + 1;
            let done = page.len() < aitbc_primitives::MAX_PAGE as usize;
            all.extend(page);
            if done {
                break;
            }
        }
        all.truncate(self.limit as usize);
        let mut t = table(&[
            "id", "name", "type", "model", "tools", "version", "runs", "owner",
        ]);
        for a in &all {
            let spec = &a.version.spec;
            t.add_row(vec![
                a.id.to_string(),
                text(&spec.name),
                kind_name(spec.kind).into(),
                text(&spec.model),
                tools_text(&spec.tools),
                a.agent.latest.to_string(),
                a.agent.total_runs.to_string(),
                short(&keys::to_ss58(&a.agent.owner)),
            ]);
        }
        let v = json!({"agents": all.iter().map(agent_json).collect::<Vec<_>>()});
        Ok(Report::list(
            v,
            all.is_empty(),
            "No agents (create one with `aitbc agent create`).",
            t,
        ))
    }
}

impl ShowArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let rpc = ctx.connect().await?;
        let a = agents::existing_agent(&rpc, self.agent_id).await?;
        let v = agent_json(&a);
        let config = serde_json::to_string_pretty(&v["config"]).unwrap_or_default();
        Ok(Report::record(v, &agent_rows(&a)).line(format!("configuration:\n{config}")))
    }
}

impl UpdateArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let config = read_config(&self.config)?;
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        let current = agents::existing_agent(&rpc, self.agent_id).await?;
        owned(&current, &who, &name)?;
        let agent_name = self
            .name
            .clone()
            .unwrap_or_else(|| text(&current.version.spec.name));
        let kind = self
            .kind
            .map(AgentKind::from)
            .unwrap_or(current.version.spec.kind);
        store_version(ctx, &rpc, &name, &current, &agent_name, kind, &config).await
    }
}

/// Store `config` as a new version of `current` (the wallet `wallet` owns it), reporting the
/// agent as it then is.
pub(crate) async fn store_version(
    ctx: &Ctx,
    rpc: &aitbc_client::rpc::RpcClient,
    wallet: &str,
    current: &AgentView,
    agent_name: &str,
    kind: AgentKind,
    config: &AgentConfig,
) -> Result<Report> {
    let input = spec_input(agent_name, kind, config)?;
    let approved = agents::approved_tools(rpc).await?;
    let call = agents::update_agent(current.id, input, &approved)?;
    let label = format!("Updating agent #{}", current.id);
    let (_, tx) = send_call(ctx, rpc, wallet, call, &label, SendOpts::default()).await?;
    let a = agents::existing_agent(rpc, current.id).await?;
    let mut v = agent_json(&a);
    v["previous_version"] = json!(current.agent.latest);
    v["result"] = json!("updated");
    let mut rows = agent_rows(&a);
    rows.push((
        "result",
        format!(
            "version {} stored (runs already submitted keep version {})",
            a.agent.latest, current.agent.latest
        ),
    ));
    Ok(with_tx(v, rows, &tx))
}

impl DeleteArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        let a = agents::existing_agent(&rpc, self.agent_id).await?;
        owned(&a, &who, &name)?;
        if a.agent.open_runs > 0 {
            bail!(
                "agent #{} has {} open run(s); delete it once they ended (or cancel them with `aitbc client cancel JOB`)",
                a.id,
                a.agent.open_runs
            );
        }
        let call = agents::delete_agent(self.agent_id);
        let label = format!("Deleting agent #{}", self.agent_id);
        let (_, tx) = send_call(ctx, &rpc, &name, call, &label, SendOpts::default()).await?;
        let v = json!({
            "agent_id": self.agent_id,
            "result": "deleted",
            "deposit_returned": format_amount_json(a.version.deposit),
        });
        let rows = vec![
            ("agent_id", self.agent_id.to_string()),
            ("result", "deleted".to_string()),
            ("deposit returned", format_amount(a.version.deposit)),
        ];
        Ok(with_tx(v, rows, &tx))
    }
}

// ---- runs ----

fn run_status_name(s: RunStatus) -> &'static str {
    match s {
        RunStatus::Pending => "pending",
        RunStatus::Traced => "traced",
        RunStatus::Completed => "completed",
        RunStatus::Ended => "ended",
    }
}

fn step_lines(steps: &[TraceStep]) -> Vec<String> {
    let mut out = Vec::new();
    for (i, s) in steps.iter().enumerate() {
        let n = i + 1;
        match s.kind {
            StepKind::Tool => {
                out.push(format!(
                    "[{n}] thought ({} ms, {} tokens): {}",
                    s.millis,
                    s.tokens,
                    text(&s.content)
                ));
                if let Some(c) = &s.tool_call {
                    out.push(format!(
                        "    action: {}({}){}",
                        text(&c.tool),
                        text(&c.input),
                        if c.ran {
                            ""
                        } else {
                            "  [refused: not allowed]"
                        }
                    ));
                }
                out.push(format!("    observation: {}", text(&s.observation)));
            }
            StepKind::Answer => out.push(format!(
                "[{n}] answer ({} ms, {} tokens): {}",
                s.millis,
                s.tokens,
                text(&s.content)
            )),
            StepKind::Stopped => out.push(format!("[{n}] stopped: {}", text(&s.content))),
        }
    }
    out
}

/// The run's trace checked against its on-chain root: `Ok(root)` or why not.
fn check_run(run: &RunView, steps: &[TraceStep]) -> std::result::Result<String, String> {
    let Some(root) = run.run.trace_root else {
        return Err("the run has no trace recorded yet".into());
    };
    if let Some(input) = &run.input {
        let hash = aitbc_primitives::blake2(&codec::Encode::encode(&(&input.input, &input.data)));
        if hash != run.run.input_hash {
            return Err("the run's input does not hash to the recorded input hash".into());
        }
    }
    match agents::verify_trace(run.run.seed, steps, root) {
        Ok(()) => Ok(format!("{root:?}")),
        Err(computed) => Err(format!(
            "the steps hash to {computed:?}, but the chain recorded {root:?}: the trace was altered"
        )),
    }
}

fn run_json(job: u64, run: &RunView) -> Value {
    json!({
        "run": job,
        "agent_id": run.run.agent,
        "version": run.run.version,
        "owner": keys::to_ss58(&run.run.owner),
        "status": run_status_name(run.run.status),
        "miner": run.run.miner.as_ref().map(keys::to_ss58),
        "end": run.run.end.map(agents::run_end_name),
        "steps": run.run.steps,
        "tool_calls": run.run.tool_calls,
        "tokens": run.run.tokens,
        "millis": run.run.millis,
        "seed": format!("{:?}", run.run.seed),
        "trace_root": run.run.trace_root.map(|r| format!("{r:?}")),
        "input": run.input.as_ref().map(|i| text(&i.input)),
        "data_bytes": run.input.as_ref().and_then(|i| i.data.as_ref()).map(|d| d.len()),
    })
}

impl ExecuteArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let data = self
            .file
            .as_ref()
            .map(|p| {
                read_at_most(
                    p,
                    aitbc_primitives::MAX_RUN_DATA_BYTES as usize,
                    "data file",
                )
            })
            .transpose()?;
        let name = ctx.wallet_name(None)?;
        let rpc = ctx.connect().await?;
        let a = agents::existing_agent(&rpc, self.agent_id).await?;
        let cap = a.version.spec.price_cap;
        let payment = self.payment.unwrap_or(cap).min(cap);
        let ttl = parse::blocks_of_secs(self.ttl, "--ttl")?;
        let data_len = data.as_ref().map_or(0, |d| d.len());
        let call = match self.redundancy {
            None => agents::execute(self.agent_id, &self.input, data, payment, ttl)?,
            Some(k) => {
                let profile = match self.profile {
                    Some(p) => p,
                    None => {
                        crate::commands::job_submit::model_profile(
                            &rpc,
                            &text(&a.version.spec.model),
                        )
                        .await?
                    }
                };
                let redundancy = aitbc_primitives::Redundancy {
                    k,
                    quorum: self.quorum.unwrap_or(0),
                    payout: self
                        .payout
                        .unwrap_or(crate::commands::job_submit::PayoutArg::Each)
                        .into(),
                    profile,
                };
                agents::execute_redundant(
                    self.agent_id,
                    &self.input,
                    data,
                    payment,
                    ttl,
                    redundancy,
                )?
            }
        };
        let opts = SendOpts {
            spend: payment
                .saturating_add(data_len as Balance * aitbc_client::runtime::MILLI_AIT / 1000),
            ..Default::default()
        };
        let label = format!("Running agent #{}", self.agent_id);
        let submitted = std::time::Instant::now();
        let (outcome, tx) = send_call(ctx, &rpc, &name, call, &label, opts).await?;
        let job = agents::submitted_run(&outcome)
            .context("the transaction went through but carried no RunSubmitted event")?;
        let mut v = json!({
            "run": job,
            "agent_id": self.agent_id,
            "version": a.agent.latest,
            "budget": format_amount_json(payment),
        });
        if self.no_wait {
            v["status"] = json!("submitted");
            let rows = vec![
                ("run", job.to_string()),
                ("agent", format!("#{} v{}", self.agent_id, a.agent.latest)),
                ("budget", format_amount(payment)),
                (
                    "next",
                    format!("aitbc client status {job}; aitbc agent trace {job}"),
                ),
            ];
            return Ok(with_tx(v, rows, &tx));
        }
        let timeout = Duration::from_secs(self.timeout);
        if self.stream {
            let pair = ctx.unlock(&name)?;
            let streamed =
                crate::commands::agent_stream::follow(ctx, &rpc, &pair, job, submitted, timeout)
                    .await?;
            v["streamed"] = json!(streamed
                .iter()
                .map(|(s, at)| json!({"at_ms": at.as_millis() as u64, "step": s}))
                .collect::<Vec<_>>());
            v["first_step_ms"] = json!(streamed.first().map(|(_, at)| at.as_millis() as u64));
        }
        let j = wait_for_end(ctx, &rpc, job, timeout).await?;
        let run = agents::existing_run(&rpc, job).await?;
        let steps: Vec<TraceStep> = run
            .trace
            .clone()
            .map(|t| t.into_inner())
            .unwrap_or_default();
        let result = jobs::job_result(&rpc, job).await?.map(|r| text(&r.output));
        let receipt = match j.receipt {
            Some(r) => jobs::receipt(&rpc, r).await?,
            None => None,
        };
        v["status"] = json!(job_status_name(j.status));
        v["end"] = json!(run.run.end.map(agents::run_end_name));
        v["result"] = json!(result);
        v["steps"] = json!(steps
            .iter()
            .enumerate()
            .map(|(i, s)| agents::step_json(i, s))
            .collect::<Vec<_>>());
        v["trace_root"] = json!(run.run.trace_root.map(|r| format!("{r:?}")));
        let agreed = result
            .as_ref()
            .map(|r| aitbc_primitives::blake2(r.as_bytes()));
        let participants: Vec<Value> = run
            .participants
            .iter()
            .map(|p| {
                json!({
                    "miner": keys::to_ss58(&p.miner),
                    "trace_root": format!("{:?}", p.root),
                    "end": agents::run_end_name(p.end),
                    "steps": p.steps,
                    "tokens": p.tokens,
                    "millis": p.millis,
                    "agreed": Some(p.answer_hash) == agreed,
                })
            })
            .collect();
        v["trace_verified"] = json!(check_run(&run, &steps).is_ok());
        v["miner"] = json!(j.miner.as_ref().map(keys::to_ss58));
        v["paid"] = json!(receipt.as_ref().map(|r| format_amount_json(r.price)));
        v["receipt"] = json!(receipt.as_ref().map(|r| json!({
            "receipt_id": r.id,
            "units_milli": r.units_milli,
            "unit_price": format_amount_json(r.unit_price),
            "price": format_amount_json(r.price),
            "fee": format_amount_json(r.fee),
        })));
        let agreeing = participants.iter().filter(|p| p["agreed"] == true).count();
        let round_row = (!participants.is_empty()).then(|| {
            (
                "participants",
                format!(
                    "{agreeing} of {} traced the agreed answer{}",
                    participants.len(),
                    if run.run.miner.is_some() {
                        "; the run's trace is one of theirs"
                    } else {
                        ""
                    }
                ),
            )
        });
        v["participants"] = json!(participants);
        let mut rows = vec![
            ("run", job.to_string()),
            ("status", job_status_name(j.status).to_string()),
            (
                "end",
                run.run
                    .end
                    .map(agents::run_end_name)
                    .unwrap_or("-")
                    .to_string(),
            ),
            (
                "steps",
                format!(
                    "{} ({} tool calls, {} tokens, {} ms)",
                    run.run.steps, run.run.tool_calls, run.run.tokens, run.run.millis
                ),
            ),
            ("result", result.clone().unwrap_or_else(|| "-".into())),
        ];
        rows.extend(round_row);
        let mut report = Report::record(tx.with_json(v), &tx.with_rows(rows));
        for line in step_lines(&steps) {
            report = report.line(line);
        }
        Ok(report)
    }
}

/// An exported trace file: the run and its steps.
#[derive(serde::Serialize, serde::Deserialize)]
struct TraceFile {
    run: u64,
    steps: Vec<Value>,
}

fn step_from_json(v: &Value) -> Result<TraceStep> {
    let s = |k: &str| v[k].as_str().unwrap_or_default().as_bytes().to_vec();
    let bounded = |b: Vec<u8>, what: &str| -> Result<aitbc_primitives::StepText> {
        b.try_into()
            .map_err(|_| anyhow::anyhow!("a step's {what} is over 1024 bytes"))
    };
    let kind = match v["kind"].as_str() {
        Some("tool") => StepKind::Tool,
        Some("answer") => StepKind::Answer,
        Some("stopped") => StepKind::Stopped,
        other => bail!("a step's kind is {other:?}; expected tool, answer or stopped"),
    };
    let tool_call = match &v["tool_call"] {
        Value::Null => None,
        c => Some(agents::ToolCall {
            tool: c["tool"]
                .as_str()
                .unwrap_or_default()
                .as_bytes()
                .to_vec()
                .try_into()
                .map_err(|_| anyhow::anyhow!("a tool id is over 32 bytes"))?,
            input: bounded(
                c["input"].as_str().unwrap_or_default().as_bytes().to_vec(),
                "tool input",
            )?,
            ran: c["ran"].as_bool().unwrap_or(false),
        }),
    };
    Ok(TraceStep {
        kind,
        content: bounded(s("content"), "content")?,
        tool_call,
        observation: bounded(s("observation"), "observation")?,
        tokens: v["tokens"].as_u64().unwrap_or_default() as u32,
        millis: v["millis"].as_u64().unwrap_or_default() as u32,
    })
}

impl TraceArgs {
    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let rpc = ctx.connect().await?;
        let (job, steps, from_file) = match (&self.run, &self.check) {
            (_, Some(path)) => {
                let bytes = read_at_most(path, 1 << 20, "trace file")?;
                let file: TraceFile = serde_json::from_slice(&bytes).with_context(|| {
                    format!(
                        "{} is not a trace file written by `aitbc agent trace --export`",
                        path.display()
                    )
                })?;
                if file.steps.len() > aitbc_primitives::MAX_RUN_STEPS as usize {
                    bail!(
                        "the trace file has {} steps; a run has at most {}",
                        file.steps.len(),
                        aitbc_primitives::MAX_RUN_STEPS
                    );
                }
                let steps = file
                    .steps
                    .iter()
                    .map(step_from_json)
                    .collect::<Result<Vec<_>>>()?;
                (file.run, steps, true)
            }
            (Some(job), None) => {
                let run = agents::existing_run(&rpc, *job).await?;
                let steps = run
                    .trace
                    .clone()
                    .map(|t| t.into_inner())
                    .unwrap_or_default();
                (*job, steps, false)
            }
            (None, None) => bail!("give a run id or --check FILE"),
        };
        let run = agents::existing_run(&rpc, job).await?;
        let check = check_run(&run, &steps);
        let mut v = run_json(job, &run);
        v["trace"] = json!(steps
            .iter()
            .enumerate()
            .map(|(i, s)| agents::step_json(i, s))
            .collect::<Vec<_>>());
        v["verified"] = json!(check.is_ok());
        if let Err(why) = &check {
            v["mismatch"] = json!(why);
        }
        if let Some(path) = &self.export {
            let file = TraceFile {
                run: job,
                steps: steps
                    .iter()
                    .enumerate()
                    .map(|(i, s)| agents::step_json(i, s))
                    .collect(),
            };
            std::fs::write(path, serde_json::to_vec_pretty(&file)?)
                .with_context(|| format!("cannot write {}", path.display()))?;
            v["exported"] = json!(path.display().to_string());
        }
        let verdict = match &check {
            Ok(root) => format!(
                "verified: {} step(s) hash to the on-chain root {root}",
                steps.len()
            ),
            Err(why) => format!("NOT verified: {why}"),
        };
        if let Err(why) = check {
            bail!("run {job}: the trace is NOT verified: {why}");
        }
        let mut report = Report::record(
            v,
            &[
                ("run", job.to_string()),
                ("agent", format!("#{} v{}", run.run.agent, run.run.version)),
                ("status", run_status_name(run.run.status).to_string()),
                (
                    "end",
                    run.run
                        .end
                        .map(agents::run_end_name)
                        .unwrap_or("-")
                        .to_string(),
                ),
                (
                    "source",
                    if from_file { "file" } else { "chain" }.to_string(),
                ),
                ("trace", verdict),
            ],
        );
        for line in step_lines(&steps) {
            report = report.line(line);
        }
        Ok(report)
    }
}
