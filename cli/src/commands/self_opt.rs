//! `aitbc optimize self-opt` (seed §12): a miner that offers it (`aitbc-worker mine --self-opt`)
//! runs your agent on an evaluation set across the settings it can vary (its models, compute
//! threads, the run's token limit) and measures every run; this prints each run as it ends,
//! then the table of measured speed, cost and quality per setting, before and after, and the
//! proposed configuration, which `--apply` stores as the agent's next version.
//!
//! Every figure is a measurement of a real run on that miner; nothing is estimated. The request
//! is signed by the agent's owner ([`aitbc_client::selfopt`]).

use crate::commands::agent::{agent_id, owned, read_at_most, store_version};
use crate::context::Ctx;
use crate::output::{table, Report};
use crate::sse::SseReader;
use crate::submit::wallet_account;
use aitbc_agent::{default_eval_set, parse_eval_set, EvalTask, ToolId};
use aitbc_client::selfopt::{
    auth_payload, RunMeasure, SelfOptReport, SelfOptRequest, SettingRow, Target, SIGNATURE_HEADER,
};
use aitbc_client::{agents, amount::format_amount, jobs, keys, rpc::RpcClient};
use aitbc_primitives::AgentId;
use anyhow::{bail, Context as _, Result};
use clap::{Args, ValueEnum};
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// What to optimize for.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetArg {
    /// The least time per run.
    InferenceSpeed,
    /// The least a run costs at the miner's price.
    Cost,
    /// The most runs answered correctly.
    Quality,
}

impl From<TargetArg> for Target {
    fn from(t: TargetArg) -> Self {
        match t {
            TargetArg::InferenceSpeed => Target::InferenceSpeed,
            TargetArg::Cost => Target::Cost,
            TargetArg::Quality => Target::Quality,
        }
    }
}

/// `aitbc optimize self-opt`.
#[derive(Args, Debug)]
pub struct SelfOptArgs {
    /// The agent (yours).
    #[arg(long, value_parser = agent_id)]
    pub agent_id: AgentId,
    /// What to optimize for.
    #[arg(long, value_enum, default_value_t = TargetArg::InferenceSpeed)]
    pub target: TargetArg,
    /// The evaluation set: a JSON file of [{"input": ..., "expect": ...}] (at most 8 tasks;
    /// `expect` optional). Default: the fixed arithmetic set, for agents with the calculator.
    #[arg(long)]
    pub tasks: Option<PathBuf>,
    /// The miner to measure on (an address; its endpoint is read from the chain). Default:
    /// the first online miner serving the agent's model that offers self-optimization.
    #[arg(long, conflicts_with = "endpoint")]
    pub miner: Option<String>,
    /// The miner's endpoint URL, instead of --miner.
    #[arg(long)]
    pub endpoint: Option<String>,
    /// Models to try, comma-separated (default: every embedded model the miner has).
    #[arg(long, value_delimiter = ',')]
    pub models: Vec<String>,
    /// Compute thread counts to try, comma-separated (default: 1 and all the miner's cores).
    #[arg(long, value_delimiter = ',')]
    pub threads: Vec<u32>,
    /// Run token limits to try, comma-separated (default: the agent's and half of it).
    #[arg(long, value_delimiter = ',')]
    pub max_tokens: Vec<u32>,
    /// Store the proposed configuration as the agent's next version (when it differs).
    #[arg(long)]
    pub apply: bool,
    /// Seconds to wait for the whole measurement.
    #[arg(long, default_value_t = 3600)]
    pub timeout: u64,
    /// Print JSON (as `--output json` does).
    #[arg(long)]
    pub json: bool,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

fn secs(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

fn pct(v: f64) -> String {
    format!("{:.0}%", v * 100.0)
}

fn cost_of(row: &SettingRow) -> u128 {
    row.mean_cost.parse().unwrap_or_default()
}

/// One measured run, as printed while the measurement goes on.
fn run_line(m: &RunMeasure, n: usize) -> String {
    let verdict = match m.correct {
        Some(true) => ", correct",
        Some(false) => ", wrong",
        None => "",
    };
    let answer: String = m.answer.chars().take(80).collect();
    format!(
        "[{n}] {} · {} threads · {} tokens · task {}: {}{verdict}, {} steps, {} tool calls, {} tokens, {}: {answer:?}",
        m.setting.model,
        m.setting.threads,
        m.setting.max_tokens,
        m.task + 1,
        m.end,
        m.steps,
        m.tool_calls,
        m.tokens,
        secs(m.wall_ms)
    )
}

/// A change as people read it: `-42%` (lower is better for time and cost).
fn change(before: f64, after: f64) -> String {
    if before == 0.0 {
        return "n/a".into();
    }
    format!("{:+.0}%", (after - before) / before * 100.0)
}

impl SelfOptArgs {
    fn tasks_for(&self, view: &agents::AgentView) -> Result<Vec<EvalTask>> {
        if let Some(path) = &self.tasks {
            let bytes = read_at_most(
                path,
                aitbc_agent::eval::MAX_EVAL_FILE_BYTES,
                "evaluation file",
            )?;
            return parse_eval_set(&bytes).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()));
        }
        let tools: Vec<ToolId> = view
            .version
            .spec
            .tools
            .iter()
            .filter_map(|t| ToolId::from_id(&String::from_utf8_lossy(t)))
            .collect();
        default_eval_set(&tools).context(
            "the agent has no calculator, which the fixed evaluation set exercises: give --tasks FILE with tasks of its own",
        )
    }

    /// The endpoints to ask, in order.
    async fn endpoints(&self, rpc: &RpcClient, view: &agents::AgentView) -> Result<Vec<String>> {
        if let Some(url) = &self.endpoint {
            return Ok(vec![url.clone()]);
        }
        if let Some(m) = &self.miner {
            let who = keys::parse_address(m)?;
            return match agents::stream_endpoint(rpc, &who).await? {
                Some(url) => Ok(vec![url]),
                None => bail!(
                    "miner {} has registered no endpoint: it does not offer self-optimization",
                    keys::to_ss58(&who)
                ),
            };
        }
        let model = &view.version.spec.model;
        let mut urls = Vec::new();
        for m in jobs::all_miners(rpc).await? {
            if m.online && m.miner.models.iter().any(|x| x == model) {
                if let Some(url) = agents::stream_endpoint(rpc, &m.account).await? {
                    urls.push(url);
                }
            }
        }
        if urls.is_empty() {
            bail!(
                "no online miner serving {} has an endpoint: name one with --miner or --endpoint",
                String::from_utf8_lossy(model)
            );
        }
        Ok(urls)
    }

    pub async fn run(self, ctx: &Ctx) -> Result<Report> {
        let name = ctx.wallet_name(None)?;
        let who = wallet_account(ctx, &name)?;
        let rpc = ctx.connect().await?;
        let view = agents::existing_agent(&rpc, self.agent_id).await?;
        owned(&view, &who, &name)?;
        let tasks = self.tasks_for(&view)?;
        let pair = ctx.unlock(&name)?;
        let request = SelfOptRequest {
            agent: self.agent_id,
            target: self.target.into(),
            tasks,
            models: self.models.clone(),
            threads: self.threads.clone(),
            max_tokens: self.max_tokens.clone(),
            at: now_ms(),
        };
        let body = serde_json::to_vec(&request)?;
        let sig = aitbc_client::keys::sign(&pair, &auth_payload(&body));
        let sig_hex = format!("0x{}", hex::encode(<[u8; 64]>::from(sig)));
        let client = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(10))
            .build()?;
        let deadline = Instant::now() + Duration::from_secs(self.timeout);
        let mut response = None;
        let mut declined = Vec::new();
        for url in self.endpoints(&rpc, &view).await? {
            let endpoint = format!(
                "{}/agents/{}/self-opt",
                url.trim_end_matches('/'),
                self.agent_id
            );
            let r = match client
                .post(&endpoint)
                .header(SIGNATURE_HEADER, &sig_hex)
                .header("content-type", "application/json")
                .body(body.clone())
                .send()
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    declined.push(format!("{url}: unreachable ({e})"));
                    continue;
                }
            };
            if r.status() == reqwest::StatusCode::NOT_FOUND {
                declined.push(format!("{url}: does not offer self-optimization"));
                continue;
            }
            if !r.status().is_success() {
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                bail!(
                    "the miner at {url} refused: {status}: {}",
                    text.chars().take(500).collect::<String>()
                );
            }
            response = Some((url, r));
            break;
        }
        let Some((url, response)) = response else {
            bail!("no miner measured the agent:\n  {}", declined.join("\n  "));
        };
        let print = ctx.output == crate::cli::OutputFormat::Table && !self.json;
        if print {
            eprintln!("Measuring agent #{} on {url} …", self.agent_id);
        }
        let mut events = SseReader::new(response.bytes_stream(), deadline);
        let mut runs: Vec<RunMeasure> = Vec::new();
        let report = loop {
            let Some((event, data)) = events.next().await? else {
                bail!("the miner ended the measurement without a report");
            };
            match event.as_str() {
                "run" => {
                    let m: RunMeasure = serde_json::from_str(&data)
                        .context("the miner sent a run that is not a measurement")?;
                    runs.push(m);
                    if print {
                        eprintln!("{}", run_line(&runs[runs.len() - 1], runs.len()));
                    }
                }
                "report" => {
                    break serde_json::from_str::<SelfOptReport>(&data)
                        .context("the miner sent a report that does not decode")?
                }
                "error" => {
                    let msg: String = serde_json::from_str(&data).unwrap_or(data);
                    bail!("the miner's measurement failed: {msg}");
                }
                _ => {}
            }
        };
        check_report(&report, &runs)?;
        let mut out = render(&report, &runs, &url);
        if self.apply {
            out = self.apply(ctx, &rpc, &name, &view, &report, out).await?;
        } else if report.best != report.baseline {
            out = out.line(format!(
                "Apply it with: aitbc optimize self-opt --agent-id {} --target {} --apply (or save the configuration above and run aitbc agent update {} --config FILE)",
                self.agent_id,
                report.target.name(),
                self.agent_id
            ));
        }
        Ok(out.json_if(self.json))
    }

    async fn apply(
        &self,
        ctx: &Ctx,
        rpc: &RpcClient,
        wallet: &str,
        measured: &agents::AgentView,
        report: &SelfOptReport,
        out: Report,
    ) -> Result<Report> {
        let current = agents::existing_agent(rpc, self.agent_id).await?;
        if current.agent.latest != report.version {
            bail!(
                "agent #{} is at version {} now, not the version {} measured: measure it again before applying",
                self.agent_id,
                current.agent.latest,
                report.version
            );
        }
        if report.proposed_config.as_bytes() == &measured.version.spec.config[..] {
            let mut out = out.line("The agent is already configured as proposed: nothing stored.");
            out.json_mut()["applied"] = json!(false);
            return Ok(out);
        }
        let config = aitbc_agent::parse_config(report.proposed_config.as_bytes())
            .map_err(|e| anyhow::anyhow!("the proposed configuration: {e}"))?;
        let agent_name = String::from_utf8_lossy(&current.version.spec.name).into_owned();
        let stored = store_version(
            ctx,
            rpc,
            wallet,
            &current,
            &agent_name,
            current.version.spec.kind,
            &config,
        )
        .await?;
        let applied = stored.json().clone();
        let mut out = out.then(stored);
        out.json_mut()["applied"] = applied;
        Ok(out)
    }
}

/// The report must add up over the runs the miner streamed.
fn check_report(report: &SelfOptReport, runs: &[RunMeasure]) -> Result<()> {
    let counted: u32 = report.rows.iter().map(|r| r.runs).sum();
    if counted as usize != runs.len()
        || report.rows.is_empty()
        || report.best >= report.rows.len()
        || report.baseline >= report.rows.len()
    {
        bail!(
            "the miner's report does not add up: {counted} runs in its table, {} streamed",
            runs.len()
        );
    }
    Ok(())
}

fn row_json(r: &SettingRow) -> Value {
    json!({
        "model": r.setting.model,
        "threads": r.setting.threads,
        "max_tokens": r.setting.max_tokens,
        "runs": r.runs,
        "answered": r.answered,
        "correct": r.correct,
        "quality": r.quality(),
        "mean_secs_per_run": r.mean_wall_ms as f64 / 1000.0,
        "tokens_per_sec": (r.tokens_per_sec * 10.0).round() / 10.0,
        "mean_steps": r.mean_steps,
        "mean_cost": format_amount(cost_of(r)),
    })
}

fn render(report: &SelfOptReport, runs: &[RunMeasure], url: &str) -> Report {
    let before = &report.rows[report.baseline];
    let after = &report.rows[report.best];
    let mut t = table(&[
        "model",
        "threads",
        "max tokens",
        "runs",
        "correct",
        "s/run",
        "tok/s",
        "steps/run",
        "cost/run",
        "",
    ]);
    for (i, r) in report.rows.iter().enumerate() {
        let mark = match (i == report.baseline, i == report.best) {
            (true, true) => "current = proposed",
            (true, false) => "current",
            (false, true) => "← proposed",
            _ => "",
        };
        t.add_row(vec![
            r.setting.model.clone(),
            r.setting.threads.to_string(),
            r.setting.max_tokens.to_string(),
            r.runs.to_string(),
            format!("{}/{}", r.correct, r.runs),
            format!("{:.1}", r.mean_wall_ms as f64 / 1000.0),
            format!("{:.1}", r.tokens_per_sec),
            format!("{:.1}", r.mean_steps),
            format_amount(cost_of(r)),
            mark.to_string(),
        ]);
    }
    let json = json!({
        "agent": report.agent,
        "version": report.version,
        "target": report.target.name(),
        "miner_endpoint": url,
        "price_per_gpu_second": format_amount(report.price_per_gpu_second.parse().unwrap_or_default()),
        "min_payment": format_amount(report.min_payment.parse().unwrap_or_default()),
        "settings": report.rows.iter().map(row_json).collect::<Vec<_>>(),
        "runs": runs,
        "before": row_json(before),
        "after": row_json(after),
        "proposed_config": serde_json::from_str::<Value>(&report.proposed_config).unwrap_or(Value::Null),
        "changed": report.best != report.baseline,
    });
    let mut out = Report::new(json)
        .line(format!(
            "Self-optimization of agent #{} v{} for {}: {} runs measured on {url} (costs at {} per GPU-second, at least {} a run)",
            report.agent,
            report.version,
            report.target.name(),
            runs.len(),
            format_amount(report.price_per_gpu_second.parse().unwrap_or_default()),
            format_amount(report.min_payment.parse().unwrap_or_default()),
        ))
        .table(t)
        .line(format!(
            "before: {} per run, {} per run, {} correct ({} {} threads, {} tokens)",
            secs(before.mean_wall_ms),
            format_amount(cost_of(before)),
            pct(before.quality()),
            before.setting.model,
            before.setting.threads,
            before.setting.max_tokens
        ))
        .line(format!(
            "after:  {} per run ({}), {} per run ({}), {} correct ({} {} threads, {} tokens)",
            secs(after.mean_wall_ms),
            change(before.mean_wall_ms as f64, after.mean_wall_ms as f64),
            format_amount(cost_of(after)),
            change(cost_of(before) as f64, cost_of(after) as f64),
            pct(after.quality()),
            after.setting.model,
            after.setting.threads,
            after.setting.max_tokens
        ));
    if report.best == report.baseline {
        out = out.line("The agent as configured is already the best measured for this target.");
    } else {
        out = out.line(format!(
            "proposed configuration:\n{}",
            report.proposed_config
        ));
        if after.setting.threads != before.setting.threads {
            out = out.line(format!(
                "note: {} compute threads is the miner's setting, not the agent's (RAYON_NUM_THREADS={} on the miner); the configuration carries the model and token limit",
                after.setting.threads, after.setting.threads
            ));
        }
    }
    out
}
