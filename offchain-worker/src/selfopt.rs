//! The self-optimization endpoint (`aitbc-worker mine --stream-listen ADDR --self-opt`): an
//! agent's owner asks this miner to measure the agent on an evaluation set across the settings
//! it can vary, and gets every run as it ends and then the table and the proposal
//! ([`aitbc_client::selfopt`] has the request, the figures and the choice).
//!
//! `POST /agents/{agent}/self-opt`, the body a [`SelfOptRequest`] (at most
//! [`MAX_REQUEST_BYTES`]), the header [`SIGNATURE_HEADER`] the agent owner's signature of
//! [`auth_payload`]`(body)`, its `at` within [`crate::stream::AUTH_WINDOW`] of this daemon's
//! clock. Each (model, thread count) is measured by a process of its own
//! (`aitbc-worker eval-agent`, [`crate::miner::agent::eval`]), because a process's compute
//! threads are fixed once its first matrix is multiplied; the process is killed if the owner
//! hangs up. One measurement at a time, at most [`MAX_SETTINGS`] settings and [`MAX_RUNS`]
//! runs: the runs are free to the owner and take this miner's CPU, which is why a miner offers
//! them only by choice.

use std::collections::HashSet;
use std::convert::Infallible;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;

use aitbc_client::selfopt::{
    auth_payload, choose, summarize, RunMeasure, SelfOptReport, SelfOptRequest, Setting,
    SettingRow, MAX_REQUEST_BYTES, MAX_RUNS, MAX_SETTINGS, SIGNATURE_HEADER,
};
use aitbc_client::{agents, governance, jobs, metadata::NodeMetadata, rpc::RpcClient};
use aitbc_primitives::{JobType, MAX_RUN_TOKENS};
use aitbc_runtime::AccountId;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use sp_core::{sr25519, Pair as _};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};

use crate::backend::embedded::{
    default_model_path, gemma3_model_path, GEMMA3_ALIAS, GEMMA3_NAME, SMOLLM2_ALIAS, SMOLLM2_NAME,
};
use crate::stream::{now_ms, AUTH_WINDOW};

/// Most compute threads a setting may ask for.
pub const MAX_THREADS: u32 = 256;

/// The endpoint's state.
pub struct SelfOptState {
    /// The node.
    pub rpc: RpcClient,
    /// The node's URL, for the measuring processes.
    pub node_url: String,
    /// This daemon's executable (the measuring processes are `eval-agent` of it).
    pub exe: PathBuf,
    /// The embedded models this miner has.
    pub models: Vec<String>,
    /// This machine's cores.
    pub cores: u32,
    /// The miner's account (its price is the cost's).
    pub miner: AccountId,
    /// One measurement at a time.
    pub busy: Arc<Semaphore>,
}

/// The endpoint's routes.
pub fn router(state: Arc<SelfOptState>) -> Router {
    Router::new()
        .route("/agents/{agent}/self-opt", post(self_opt))
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BYTES))
        .with_state(state)
}

/// The embedded models whose files are in the models directory.
pub fn available_models() -> Vec<String> {
    [
        (SMOLLM2_NAME, default_model_path()),
        (GEMMA3_NAME, gemma3_model_path()),
    ]
    .into_iter()
    .filter(|(_, p)| p.is_file())
    .map(|(n, _)| n.to_string())
    .collect()
}

/// The model's name as this miner lists it (`gemma3:270m` → `gemma3`).
fn canonical_model(m: &str) -> &str {
    match m {
        GEMMA3_ALIAS => GEMMA3_NAME,
        SMOLLM2_ALIAS => SMOLLM2_NAME,
        other => other,
    }
}

/// What one request measures: per (model, threads) one process trying every token limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// (model, threads, token limits), in the order measured.
    pub groups: Vec<(String, u32, Vec<u32>)>,
    /// The agent as configured, with the miner's default threads.
    pub baseline: Setting,
}

impl Plan {
    /// Every setting, in the order measured.
    pub fn settings(&self) -> Vec<Setting> {
        self.groups
            .iter()
            .flat_map(|(model, threads, limits)| {
                limits.iter().map(|&max_tokens| Setting {
                    model: model.clone(),
                    threads: *threads,
                    max_tokens,
                })
            })
            .collect()
    }
}

fn dedup<T: Clone + Eq + std::hash::Hash>(items: impl IntoIterator<Item = T>) -> Vec<T> {
    let mut seen = HashSet::new();
    items
        .into_iter()
        .filter(|x| seen.insert(x.clone()))
        .collect()
}

/// The settings a request measures: the agent's own first (the baseline), then what it asks
/// for, or by default every model here, 1 thread and all cores, the agent's token limit and
/// half of it (at least 64). Refuses, saying why, what this miner cannot measure or a grid
/// over the bounds.
pub fn plan(
    req: &SelfOptRequest,
    agent_model: &str,
    agent_max_tokens: u32,
    available: &[String],
    cores: u32,
) -> Result<Plan, String> {
    let own = canonical_model(agent_model);
    if !available.iter().any(|m| m == own) {
        return Err(format!(
            "the agent runs {agent_model}, which this miner does not have (it has {}); ask a miner that serves it",
            available.join(", ")
        ));
    }
    for m in &req.models {
        if !available.iter().any(|a| a == canonical_model(m)) {
            return Err(format!(
                "model {m:?} is not on this miner (it has {})",
                available.join(", ")
            ));
        }
    }
    if let Some(t) = req.threads.iter().find(|t| !(1..=MAX_THREADS).contains(*t)) {
        return Err(format!("{t} threads: use 1 to {MAX_THREADS}"));
    }
    if let Some(t) = req
        .max_tokens
        .iter()
        .find(|t| !(1..=MAX_RUN_TOKENS).contains(*t))
    {
        return Err(format!("a token limit of {t}: use 1 to {MAX_RUN_TOKENS}"));
    }
    let cores = cores.max(1);
    let models = dedup(
        std::iter::once(own.to_string()).chain(if req.models.is_empty() {
            available.to_vec()
        } else {
            req.models
                .iter()
                .map(|m| canonical_model(m).to_string())
                .collect()
        }),
    );
    let threads = dedup(std::iter::once(cores).chain(if req.threads.is_empty() {
        vec![1, cores]
    } else {
        req.threads.clone()
    }));
    let limits = dedup(
        std::iter::once(agent_max_tokens).chain(if req.max_tokens.is_empty() {
            vec![(agent_max_tokens / 2).max(64).min(agent_max_tokens)]
        } else {
            req.max_tokens.clone()
        }),
    );
    let settings = models.len() * threads.len() * limits.len();
    if settings > MAX_SETTINGS {
        return Err(format!(
            "{settings} settings ({} models × {} thread counts × {} token limits, the agent's own included); at most {MAX_SETTINGS}: name fewer",
            models.len(),
            threads.len(),
            limits.len()
        ));
    }
    let runs = settings * req.tasks.len();
    if runs > MAX_RUNS {
        return Err(format!(
            "{runs} runs ({settings} settings × {} tasks); at most {MAX_RUNS}: fewer settings or tasks",
            req.tasks.len()
        ));
    }
    let groups = models
        .iter()
        .flat_map(|m| threads.iter().map(|t| (m.clone(), *t, limits.clone())))
        .collect();
    Ok(Plan {
        groups,
        baseline: Setting {
            model: own.to_string(),
            threads: cores,
            max_tokens: agent_max_tokens,
        },
    })
}

fn refuse(status: StatusCode, msg: impl Into<String>) -> Response {
    (status, msg.into()).into_response()
}

/// Whether `sig` (0x-hex) is `owner`'s signature of the request `body`.
fn signed_by(owner: &AccountId, body: &[u8], sig: &str) -> bool {
    let Ok(bytes) = hex::decode(sig.trim().trim_start_matches("0x")) else {
        return false;
    };
    let Ok(raw) = <[u8; 64]>::try_from(bytes.as_slice()) else {
        return false;
    };
    let raw_owner: [u8; 32] = *owner.as_ref();
    sr25519::Pair::verify(
        &sr25519::Signature::from_raw(raw),
        auth_payload(body),
        &sr25519::Public::from_raw(raw_owner),
    )
}

async fn self_opt(
    State(st): State<Arc<SelfOptState>>,
    Path(agent): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req: SelfOptRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                format!("the request is not a self-optimization request: {e}"),
            )
        }
    };
    if req.agent != agent {
        return refuse(
            StatusCode::BAD_REQUEST,
            format!(
                "the request names agent #{} but was sent for agent #{agent}",
                req.agent
            ),
        );
    }
    if now_ms().abs_diff(req.at) > AUTH_WINDOW.as_millis() as u64 {
        return refuse(
            StatusCode::UNAUTHORIZED,
            format!(
                "the request's time is more than {} s from this miner's clock; sign a fresh request",
                AUTH_WINDOW.as_secs()
            ),
        );
    }
    if let Err(e) = aitbc_agent::eval::check_eval_set(&req.tasks) {
        return refuse(StatusCode::BAD_REQUEST, e);
    }
    let view = match agents::agent(&st.rpc, agent).await {
        Ok(Some(v)) => v,
        Ok(None) => {
            return refuse(
                StatusCode::NOT_FOUND,
                format!("agent #{agent} does not exist"),
            )
        }
        Err(e) => {
            return refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("cannot read agent #{agent} from the node: {e}"),
            )
        }
    };
    let sig = headers
        .get(SIGNATURE_HEADER)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    if !signed_by(&view.agent.owner, &body, sig) {
        return refuse(
            StatusCode::FORBIDDEN,
            format!("the {SIGNATURE_HEADER} header is not the owner's signature of this request: only agent #{agent}'s owner may have it measured"),
        );
    }
    let spec = &view.version.spec;
    let model = String::from_utf8_lossy(&spec.model).into_owned();
    let plan = match plan(&req, &model, spec.limits.max_tokens, &st.models, st.cores) {
        Ok(p) => p,
        Err(e) => return refuse(StatusCode::UNPROCESSABLE_ENTITY, e),
    };
    let Ok(permit) = st.busy.clone().try_acquire_owned() else {
        return refuse(
            StatusCode::SERVICE_UNAVAILABLE,
            "a self-optimization is running on this miner; try again when it ends",
        );
    };
    let (price, min_payment) = match prices(&st).await {
        Ok(p) => p,
        Err(e) => return refuse(StatusCode::SERVICE_UNAVAILABLE, e),
    };
    let (tx, rx) = mpsc::channel::<Event>(32);
    let job = Job {
        st: st.clone(),
        agent,
        version: view.agent.latest,
        config: spec.config.to_vec(),
        config_hash: view.version.config_hash,
        req,
        plan,
        price,
        min_payment,
    };
    tokio::spawn(job.run(tx, permit));
    let events = futures::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|e| (Ok::<Event, Infallible>(e), rx))
    });
    Sse::new(events)
        .keep_alive(KeepAlive::default())
        .into_response()
}

/// The miner's price per GPU-second and the least an agent run pays.
async fn prices(st: &SelfOptState) -> Result<(u128, u128), String> {
    let miner = jobs::miner(&st.rpc, &st.miner)
        .await
        .map_err(|e| format!("cannot read this miner's price from the node: {e}"))?
        .ok_or("this miner is not registered yet; try again once it is")?;
    let meta = NodeMetadata::fetch(&st.rpc)
        .await
        .map_err(|e| format!("cannot read the node's metadata: {e}"))?;
    let min = governance::governed_values(&st.rpc, &meta)
        .await
        .map_err(|e| format!("cannot read the minimum payment: {e}"))?
        .min_job_payment
        .into_iter()
        .find(|(t, _)| *t == JobType::Agent)
        .map_or(0, |(_, v)| v);
    Ok((miner.miner.price_per_gpu_second, min))
}

/// One accepted request, measured.
struct Job {
    st: Arc<SelfOptState>,
    agent: u64,
    version: u32,
    config: Vec<u8>,
    config_hash: sp_core::H256,
    req: SelfOptRequest,
    plan: Plan,
    price: u128,
    min_payment: u128,
}

fn event(name: &str, data: impl serde::Serialize) -> Event {
    Event::default()
        .event(name)
        .data(serde_json::to_string(&data).unwrap_or_else(|_| "null".into()))
}

impl Job {
    async fn run(self, tx: mpsc::Sender<Event>, _permit: OwnedSemaphorePermit) {
        tracing::info!(
            "🔬 self-optimization of agent #{} v{}: {} settings × {} tasks",
            self.agent,
            self.version,
            self.plan.settings().len(),
            self.req.tasks.len()
        );
        let mut runs: Vec<RunMeasure> = Vec::new();
        for (model, threads, limits) in &self.plan.groups {
            match self.measure(model, *threads, limits, &tx, &mut runs).await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::info!(
                        "self-optimization of agent #{}: the owner hung up; stopped",
                        self.agent
                    );
                    return;
                }
                Err(e) => {
                    tracing::warn!("self-optimization of agent #{}: {e}", self.agent);
                    let _ = tx.send(event("error", e)).await;
                    return;
                }
            }
        }
        match self.report(&runs) {
            Ok(report) => {
                tracing::info!(
                    "🔬 self-optimization of agent #{}: {} runs measured",
                    self.agent,
                    runs.len()
                );
                let _ = tx.send(event("report", report)).await;
            }
            Err(e) => {
                let _ = tx.send(event("error", e)).await;
            }
        }
    }

    /// Measure one (model, threads) in a process of its own. `Ok(false)`: the owner hung up.
    async fn measure(
        &self,
        model: &str,
        threads: u32,
        limits: &[u32],
        tx: &mpsc::Sender<Event>,
        runs: &mut Vec<RunMeasure>,
    ) -> Result<bool, String> {
        let limits_arg = limits
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let mut child = tokio::process::Command::new(&self.st.exe)
            .args(["eval-agent", "--url", &self.st.node_url])
            .args(["--agent", &self.agent.to_string()])
            .args(["--version", &self.version.to_string()])
            .args([
                "--model",
                model,
                "--max-tokens",
                &limits_arg,
                "--tasks",
                "-",
            ])
            .env("RAYON_NUM_THREADS", threads.to_string())
            .env("CANDLE_NUM_THREADS", threads.to_string())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start a measuring process: {e}"))?;
        let tasks = serde_json::to_vec(&self.req.tasks).map_err(|e| e.to_string())?;
        if let Some(mut stdin) = child.stdin.take() {
            stdin
                .write_all(&tasks)
                .await
                .map_err(|e| format!("cannot hand the tasks to the measuring process: {e}"))?;
        }
        let stderr = child.stderr.take().map(|mut e| {
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let _ = (&mut e).take(1 << 20).read_to_end(&mut buf).await;
                let text = String::from_utf8_lossy(&buf).into_owned();
                let tail: Vec<&str> = text.lines().rev().take(5).collect();
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            })
        });
        let stdout = child
            .stdout
            .take()
            .ok_or("the measuring process has no output")?;
        let mut lines = BufReader::new(stdout).lines();
        let expected = limits.len() * self.req.tasks.len();
        let mut got = 0;
        while let Some(line) = lines
            .next_line()
            .await
            .map_err(|e| format!("reading the measuring process: {e}"))?
        {
            let Ok(mut m) = serde_json::from_str::<RunMeasure>(&line) else {
                continue;
            };
            m.setting.threads = threads;
            got += 1;
            if tx.send(event("run", &m)).await.is_err() {
                return Ok(false);
            }
            runs.push(m);
        }
        let status = child
            .wait()
            .await
            .map_err(|e| format!("the measuring process: {e}"))?;
        if !status.success() || got != expected {
            let tail = match stderr {
                Some(h) => h.await.unwrap_or_default(),
                None => String::new(),
            };
            return Err(format!(
                "measuring {model} with {threads} threads failed ({status}, {got} of {expected} runs): {tail}"
            ));
        }
        Ok(true)
    }

    fn report(&self, runs: &[RunMeasure]) -> Result<SelfOptReport, String> {
        let settings = self.plan.settings();
        let rows: Vec<SettingRow> = settings
            .iter()
            .map(|s| {
                let of: Vec<&RunMeasure> = runs.iter().filter(|r| &r.setting == s).collect();
                summarize(s, &of, self.price, self.min_payment)
            })
            .collect();
        let baseline = settings
            .iter()
            .position(|s| s == &self.plan.baseline)
            .unwrap_or(0);
        let best = choose(&rows, baseline, self.req.target);
        let chosen = &rows[best].setting;
        let mut config = aitbc_agent::parse_canonical(&self.config)
            .map_err(|e| format!("the agent's stored configuration does not parse: {e}"))?;
        config.model = chosen.model.clone();
        config.limits.max_tokens = chosen.max_tokens;
        let proposed = String::from_utf8(config.canonical_bytes())
            .map_err(|_| "the proposed configuration is not UTF-8".to_string())?;
        Ok(SelfOptReport {
            agent: self.agent,
            version: self.version,
            target: self.req.target,
            price_per_gpu_second: self.price.to_string(),
            min_payment: self.min_payment.to_string(),
            rows,
            baseline,
            best,
            proposed_config: proposed,
            config_hash: self.config_hash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aitbc_agent::EvalTask;
    use aitbc_client::selfopt::Target;

    fn request(
        models: &[&str],
        threads: &[u32],
        max_tokens: &[u32],
        tasks: usize,
    ) -> SelfOptRequest {
        SelfOptRequest {
            agent: 1,
            target: Target::InferenceSpeed,
            tasks: vec![
                EvalTask {
                    input: "What is 2+2?".into(),
                    expect: Some("4".into()),
                };
                tasks
            ],
            models: models.iter().map(|m| m.to_string()).collect(),
            threads: threads.to_vec(),
            max_tokens: max_tokens.to_vec(),
            at: 0,
        }
    }

    fn here() -> Vec<String> {
        vec!["smollm2".into(), "gemma3".into()]
    }

    #[test]
    fn the_default_grid_starts_with_the_agent_as_configured() {
        let p = plan(&request(&[], &[], &[], 1), "gemma3:270m", 600, &here(), 2).expect("a plan");
        let s = p.settings();
        assert_eq!(s.len(), 8, "{s:?}");
        assert_eq!(s[0], p.baseline);
        assert_eq!(
            (
                p.baseline.model.as_str(),
                p.baseline.threads,
                p.baseline.max_tokens
            ),
            ("gemma3", 2, 600)
        );
        assert!(s
            .iter()
            .any(|x| x.model == "smollm2" && x.threads == 1 && x.max_tokens == 300));
    }

    #[test]
    fn a_named_grid_keeps_the_baseline_and_its_bounds() {
        let p = plan(
            &request(&["smollm2"], &[1], &[128], 1),
            "smollm2",
            512,
            &here(),
            2,
        )
        .expect("a plan");
        assert_eq!(p.settings().len(), 4);
        let e = plan(
            &request(&["llama3"], &[], &[], 1),
            "smollm2",
            512,
            &here(),
            2,
        )
        .unwrap_err();
        assert!(e.contains("llama3"), "{e}");
        let e = plan(&request(&[], &[], &[], 1), "mistral", 512, &here(), 2).unwrap_err();
        assert!(e.contains("does not have"), "{e}");
        let e = plan(&request(&[], &[0], &[], 1), "smollm2", 512, &here(), 2).unwrap_err();
        assert!(e.contains("0 threads"), "{e}");
        let e = plan(
            &request(&[], &[1, 3, 4], &[64, 100], 1),
            "smollm2",
            512,
            &here(),
            2,
        )
        .unwrap_err();
        assert!(e.contains("at most 8"), "{e}");
        let e = plan(&request(&[], &[], &[], 4), "smollm2", 512, &here(), 2).unwrap_err();
        assert!(e.contains("32 runs"), "{e}");
    }
}
